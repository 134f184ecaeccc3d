"""Marshmallow building blocks shared by every feature's schemas."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from server.common.timeutil import is_month, isoformat


class StrictSchema(Schema):
    """Input schemas refuse unknown fields."""

    class Meta:
        unknown = RAISE

    @pre_load
    def refuse_fractional_integers(self, data, **kwargs):
        """marshmallow reads 1.5 as 1 and true as 1; an id or an amount in fen must be a whole number."""
        if isinstance(data, dict):
            wrong = {key: ["应为整数"] for key, field in
                     ((field.data_key or name, field) for name, field in self.load_fields.items())
                     if isinstance(field, fields.Integer) and (
                         isinstance(data.get(key), bool)
                         or (isinstance(data.get(key), float) and not data[key].is_integer()))}
            if wrong:
                raise ValidationError(wrong)
        return data


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


class Instant(fields.DateTime):
    """An aware instant: ISO 8601 with an offset in, Beijing time with offset out."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat(value)

    def _deserialize(self, value, attr, data, **kwargs):
        dt = super()._deserialize(value, attr, data, **kwargs)
        if dt.tzinfo is None:
            raise ValidationError("时间须带时区，例如 2026-11-25T19:00:00+08:00")
        return dt


class PageOut(Schema):
    """The envelope of every paged list; subclasses add `items`."""

    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
