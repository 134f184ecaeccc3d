"""Audit schemas: the query of CONTRACT §14 and the entries it answers with."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common.schemas import Instant, PageOut, PageQuery


class AuditQuery(PageQuery):
    """Filters combine (AND); `from`/`to` are calendar days in Asia/Shanghai, both inclusive."""

    actor = fields.String(validate=validate.Length(min=1, max=80), metadata={
        "description": "操作人：工作人员用户名，或 cli / system，或 wechat:<账号 id> / sync_key:<密钥 id>"})
    member_id = fields.Integer(validate=validate.Range(min=1))
    action = fields.String(validate=validate.Length(min=1, max=64), metadata={"description": "操作类型，例如 member.read"})
    date_from = fields.Date(data_key="from", metadata={"description": "起始日期 YYYY-MM-DD（含当天，北京时间）"})
    date_to = fields.Date(data_key="to", metadata={"description": "截止日期 YYYY-MM-DD（含当天，北京时间）"})
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "xlsx"]))

    @validates_schema
    def _from_not_after_to(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("开始日期不能晚于结束日期", "from")


class AuditEntryOut(Schema):
    at = Instant()
    actor = fields.String(metadata={"description": "操作人：工作人员用户名、cli、system、wechat:<id> 或 sync_key:<id>"})
    action = fields.String()
    member_id = fields.Integer(allow_none=True)
    ip = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True, metadata={"description": "查看或改动了什么；身份证号和手机号已打码"})


class AuditPageOut(PageOut):
    items = fields.List(fields.Nested(AuditEntryOut))
