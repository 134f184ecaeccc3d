"""Auth schemas: login and bind bodies, tokens and the staff profile."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from server.common import idcard
from server.common.schemas import StrictSchema
from server.core.accounts import STAFF_ROLES
from server.core.schemas import MemberOut


class WechatLoginIn(StrictSchema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128),
                         metadata={"description": "wx.login() 得到的 code"})


class LoginOut(Schema):
    token = fields.String()
    expires_in = fields.Integer(metadata={"description": "有效期（秒）"})
    bound = fields.Boolean()
    roles = fields.List(fields.String())


class BindIn(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    id_number = fields.String(required=True, validate=validate.Length(min=18, max=18, error="身份证号应为 18 位"))
    phone_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=128),
                               metadata={"description": "手机号按钮（getPhoneNumber）得到的 code"})

    @validates_schema
    def _check(self, data, **kwargs):
        if "name" in data and not data["name"].strip():
            raise ValidationError("请填写姓名", "name")
        if "id_number" in data and not idcard.is_valid(data["id_number"]):
            raise ValidationError("身份证号不正确，请核对（末位 X 请输入大写或小写 x 均可）", "id_number")


class BindOut(Schema):
    member = fields.Nested(MemberOut)


class StaffLoginIn(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class StaffLoginOut(Schema):
    token = fields.String()
    expires_in = fields.Integer()
    roles = fields.List(fields.String())


class StaffScopeOut(Schema):
    type = fields.String(metadata={"enum": ["county", "township", "branch"]})
    id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)


class StaffMeOut(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    role = fields.String(metadata={"enum": list(STAFF_ROLES)})
    scope = fields.Nested(StaffScopeOut)
