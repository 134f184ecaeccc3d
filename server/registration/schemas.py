"""Registration schemas: the request a member sends, and the request as the member and staff read it."""
from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common import idcard
from server.common.schemas import Instant, OrgRef, PageOut, PageQuery, StrictSchema
from server.registration.models import REGISTRATION_STATUSES

_PHONE = re.compile(r"^1\d{10}$")
_REQUIRED_TEXT = {"name": "请填写姓名", "home_branch": "请填写原村党支部", "destination": "请填写流入地",
                  "employer": "请填写工作单位"}


class RegistrationIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    phone_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=128),
                               metadata={"description": "手机号按钮（getPhoneNumber）得到的 code"})
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20),
                          metadata={"description": "手输的 11 位手机号；没有 phone_code 时才用"})
    township_id = fields.Integer(required=True, validate=validate.Range(min=1))
    mobile_branch_id = fields.Integer(required=True, validate=validate.Range(min=1))
    home_branch = fields.String(required=True, validate=validate.Length(min=1, max=128),
                                metadata={"description": "家乡村党支部（党员自己填写的名称）"})
    left_on = fields.Date(required=True)
    destination = fields.String(required=True, validate=validate.Length(min=1, max=64))
    employer = fields.String(required=True, validate=validate.Length(min=1, max=128))
    certificate_no = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    subscribe_template_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=128),
        metadata={"description": "党员刚同意的登记结果通知模板号（wx.requestSubscribeMessage）：审核后发一条消息告诉本人"
                                 "(wx.requestSubscribeMessage): one message tells them the decision"})

    @validates_schema
    def _check(self, data, **kwargs):
        errors = {}
        for name, message in _REQUIRED_TEXT.items():
            if name in data and not data[name].strip():
                errors[name] = [message]
        if "id_number" in data and not idcard.is_valid(data["id_number"]):
            errors["id_number"] = ["身份证号不正确，请核对（出生日期和末位校验码）"]
        if data.get("phone") and not data.get("phone_code") and not _PHONE.match(data["phone"].strip()):
            errors["phone"] = ["手机号应为 11 位数字"]
        if errors:
            raise ValidationError(errors)


class RosterMatchOut(Schema):
    """A roster member who may be the registrant (shown to staff only)."""

    member_id = fields.Integer()
    reason = fields.String(metadata={"enum": ["same_id_number", "same_name_and_birth_date"]})
    name = fields.String()
    township = fields.Nested(OrgRef)
    village_branch = fields.Nested(OrgRef)
    bound = fields.Boolean(metadata={"description": "已绑定微信账号"})
    text = fields.String(metadata={"description": "e.g. 身份证号与金山镇红星村党支部的张三相同"})


class RegistrationOut(Schema):
    id = fields.Integer()
    status = fields.String(metadata={"enum": list(REGISTRATION_STATUSES)})
    submitted_at = Instant()
    decided_at = Instant(allow_none=True)
    note = fields.String(allow_none=True, metadata={"description": "不同意的原因（或同意时的备注）"})
    name = fields.String()
    id_number_masked = fields.String()
    phone_masked = fields.String(allow_none=True)
    township = fields.Nested(OrgRef)
    mobile_branch = fields.Nested(OrgRef)
    home_branch = fields.String()
    left_on = fields.Date()
    destination = fields.String()
    employer = fields.String()
    certificate_no = fields.String(allow_none=True)


class StaffRegistrationOut(RegistrationOut):
    decided_by = fields.String(allow_none=True)
    member_id = fields.Integer(allow_none=True, metadata={"description": "同意后对应的花名册党员"})
    roster_match = fields.Nested(RosterMatchOut, allow_none=True)


class RegistrationEnvelope(Schema):
    registration = fields.Nested(RegistrationOut)


class StaffRegistrationEnvelope(Schema):
    registration = fields.Nested(StaffRegistrationOut)


class RegistrationQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(REGISTRATION_STATUSES))


class RegistrationPageOut(PageOut):
    items = fields.List(fields.Nested(StaffRegistrationOut))


class RegistrationDecisionIn(StrictSchema):
    approve = fields.Boolean(required=True, truthy={True}, falsy={False})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))

    @validates_schema
    def _denial_needs_note(self, data, **kwargs):
        if data.get("approve") is False and not (data.get("note") or "").strip():
            raise ValidationError("不通过时请写明原因，申请人会看到", "note")
