"""The member as the API shows it to the member and their staff (CONTRACT §4): masked, shared by features."""
from __future__ import annotations

from marshmallow import Schema, fields

from server.common.schemas import OrgRef
from server.core.members import STATUSES


class MemberOut(Schema):
    """A member as they and their staff see it: ID number and phone masked."""

    id = fields.Integer()
    name = fields.String()
    id_number_masked = fields.String()
    phone_masked = fields.String(allow_none=True)
    township = fields.Nested(OrgRef)
    branch = fields.Nested(OrgRef, attribute="village_branch", metadata={"description": "家乡村党支部"})
    mobile_branch = fields.Nested(OrgRef)
    status = fields.String(metadata={"enum": list(STATUSES)})
    paid_through = fields.String(allow_none=True, metadata={"description": "党费已缴至（YYYY-MM），从未缴过为 null"})
