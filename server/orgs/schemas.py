"""Organisation schemas."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from server.common.schemas import OrgRef, StrictSchema
from server.core.orgs import BRANCH_KINDS


class BranchQuery(StrictSchema):
    township_id = fields.Integer(validate=validate.Range(min=1))
    kind = fields.String(validate=validate.OneOf(BRANCH_KINDS))


class TownshipOut(Schema):
    id = fields.Integer()
    name = fields.String()
    member_count = fields.Integer(metadata={"description": "本乡镇中您可见的党员人数（仅工作人员）"})
    mobile_branches = fields.List(fields.Nested(OrgRef))


class TownshipListOut(Schema):
    items = fields.List(fields.Nested(TownshipOut))


class BranchOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(BRANCH_KINDS)})
    township = fields.Nested(OrgRef)
    member_count = fields.Integer(metadata={"description": "本支部中您可见的党员人数（仅工作人员）"})


class BranchListOut(Schema):
    items = fields.List(fields.Nested(BranchOut))
