"""Member schemas: what members and staff send, and the masked shapes they get back."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common.schemas import Instant, PageOut, PageQuery, StrictSchema
from server.core.members import STATUSES
from server.core.schemas import MemberOut


class MeOut(Schema):
    member = fields.Nested(MemberOut)
    roles = fields.List(fields.String())


class ReportIn(StrictSchema):
    """A monthly report-in; the server sets the month and the time."""

    city = fields.String(required=True, validate=validate.Length(min=1, max=64))
    address = fields.String(required=True, validate=validate.Length(min=1, max=255))
    employer = fields.String(required=True, validate=validate.Length(min=1, max=128))
    lat = fields.Float(load_default=None, allow_none=True, allow_nan=False,
                       validate=validate.Range(min=-90, max=90))
    lng = fields.Float(load_default=None, allow_none=True, allow_nan=False,
                       validate=validate.Range(min=-180, max=180))

    @validates_schema
    def _both_or_neither(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lng") is None):
            raise ValidationError("经纬度需同时提供", "lat" if data.get("lat") is None else "lng")
        for name in ("city", "address", "employer"):
            if name in data and not data[name].strip():
                raise ValidationError("不能为空", name)


class ReportOut(Schema):
    id = fields.Integer()
    month = fields.String()
    city = fields.String()
    address = fields.String()
    employer = fields.String()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    created_at = Instant()
    updated_at = Instant(allow_none=True, metadata={"description": "同月再次报到改写本记录的时间；未改写为 null"})


class ReportPageOut(PageOut):
    items = fields.List(fields.Nested(ReportOut))


class MemberQuery(PageQuery):
    branch_id = fields.Integer(validate=validate.Range(min=1))
    township_id = fields.Integer(validate=validate.Range(min=1))
    status = fields.String(validate=validate.OneOf(STATUSES))
    q = fields.String(validate=validate.Length(min=1, max=64),
                      metadata={"description": "姓名的一部分，或完整的身份证号、手机号（精确匹配）"})


class MemberListItem(MemberOut):
    certificate_no = fields.String(allow_none=True)
    destination = fields.String(allow_none=True)
    employer = fields.String(allow_none=True)
    is_committee = fields.Boolean()
    last_activity_at = Instant(allow_none=True)


class MemberPageOut(PageOut):
    items = fields.List(fields.Nested(MemberListItem))


class StatusChangeOut(Schema):
    from_status = fields.String(data_key="from", allow_none=True)
    to_status = fields.String(data_key="to")
    reason = fields.String()
    actor = fields.String()
    at = Instant()


class MemberDetailOut(MemberListItem):
    left_on = fields.Date(allow_none=True)
    created_at = Instant()
    status_history = fields.List(fields.Nested(StatusChangeOut))


class StatusIn(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))

    @validates_schema
    def _reason_not_blank(self, data, **kwargs):
        if "reason" in data and not data["reason"].strip():
            raise ValidationError("请填写原因", "reason")
