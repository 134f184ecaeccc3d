"""Transfer schemas: what staff send, and a transfer as they read it."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common.schemas import Instant, StrictSchema
from server.transfers.models import TRANSFER_KINDS


class TransferIn(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(TRANSFER_KINDS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))
    effective_on = fields.Date(required=True, metadata={"description": "生效日期 YYYY-MM-DD：一年以内，最晚三个月后"})
    destination = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=128),
                                metadata={"description": "接收的党组织；仅转出时填写"})

    @validates_schema
    def _reason_not_blank(self, data, **kwargs):
        if "reason" in data and not data["reason"].strip():
            raise ValidationError("请写明原因", "reason")


class TransferCancelIn(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))

    @validates_schema
    def _reason_not_blank(self, data, **kwargs):
        if "reason" in data and not data["reason"].strip():
            raise ValidationError("请写明撤销的原因", "reason")


class LetterQuery(StrictSchema):
    format = fields.String(load_default="pdf", validate=validate.OneOf(("pdf",)))


class TransferOut(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String(metadata={"enum": list(TRANSFER_KINDS)})
    status = fields.String(metadata={"enum": ["recorded", "cancelled"]})
    letter_no = fields.String()
    paid_through = fields.String(allow_none=True, metadata={"description": "介绍信上写明的党费缴至月份（YYYY-MM）"})
    reason = fields.String()
    effective_on = fields.Date()
    destination = fields.String(allow_none=True)
    from_status = fields.String()
    to_status = fields.String()
    recorded_by = fields.String()
    recorded_at = Instant()
    cancelled_at = Instant(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    letter_url = fields.Function(lambda t: f"/api/v1/transfers/{t.id}/letter?format=pdf")


class TransferEnvelope(Schema):
    transfer = fields.Nested(TransferOut)


class TransferListOut(Schema):
    items = fields.List(fields.Nested(TransferOut))
