"""Audit schemas: the query of CONTRACT §14 and the entries it answers with."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common.schemas import Instant, PageOut, PageQuery


class AuditQuery(PageQuery):
    """Filters combine (AND); `from`/`to` are calendar days in Asia/Shanghai, both inclusive."""

    actor = fields.String(validate=validate.Length(min=1, max=80), metadata={
        "description": "a staff username, or cli / system, or wechat:<account id> / sync_key:<key id>"})
    member_id = fields.Integer(validate=validate.Range(min=1))
    action = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "e.g. member.read"})
    date_from = fields.Date(data_key="from", metadata={"description": "YYYY-MM-DD, first day (inclusive)"})
    date_to = fields.Date(data_key="to", metadata={"description": "YYYY-MM-DD, last day (inclusive)"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "xlsx"]))

    @validates_schema
    def _from_not_after_to(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("开始日期不能晚于结束日期", "from")


class AuditEntryOut(Schema):
    at = Instant()
    actor = fields.String(metadata={"description": "staff username, cli, system, wechat:<id> or sync_key:<id>"})
    action = fields.String()
    member_id = fields.Integer(allow_none=True)
    ip = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True, metadata={"description": "what was read or changed; ID numbers and phones masked"})


class AuditPageOut(PageOut):
    items = fields.List(fields.Nested(AuditEntryOut))
