"""Marshmallow building blocks shared by every feature's schemas."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from server.common.timeutil import is_month


class StrictSchema(Schema):
    """Input schemas refuse unknown fields."""

    class Meta:
        unknown = RAISE


class Month(fields.String):
    """A YYYY-MM month."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not is_month(value):
            raise ValidationError("月份格式应为 YYYY-MM")
        return value


class PageQuery(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class OrgRef(Schema):
    id = fields.Integer()
    name = fields.String()


class ErrorOut(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict()
