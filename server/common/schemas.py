"""Marshmallow building blocks shared by every feature's schemas.

Every input schema is a StrictSchema, and StrictSchema holds each field to the bounds of
server/common/bounds.py by its type: an Integer to a 32-bit column (BigInteger to 64-bit), a String
to no control characters (MultilineText allows tabs and newlines), a date or instant to 2000–2100.
"""
from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from server.common.bounds import (
    INT32_MAX,
    INT64_MAX,
    check_year,
    refuse_control_characters,
)
from server.common.timeutil import is_month, isoformat

_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


class BigInteger(fields.Integer):
    """An integer of a 64-bit (BigInteger) column, such as a sync sequence number."""


class MultilineText(fields.String):
    """A text that may span lines (a leave reason typed in a text area): tabs and newlines allowed."""


def _column_bounds(field: fields.Field) -> None:
    """Give a bound field the validators its type implies (see the module docstring), once.

    marshmallow copies fields shallowly per schema instance, so the list is replaced, never appended to.
    """
    if getattr(field, "column_bounded", False):
        return
    field.column_bounded = True
    if isinstance(field, fields.List):
        _column_bounds(field.inner)
    elif isinstance(field, fields.Integer):
        bound = INT64_MAX if isinstance(field, BigInteger) else INT32_MAX
        if not any(isinstance(v, validate.Range) and v.min is not None and v.max is not None
                   and -bound - 1 <= v.min and v.max <= bound for v in field.validators):
            field.validators = [*field.validators, validate.Range(-bound - 1, bound, error="数值超出允许范围")]
    elif isinstance(field, fields.String):
        multiline = isinstance(field, MultilineText)
        field.validators = [*field.validators, lambda value: refuse_control_characters(value, multiline=multiline)]
    elif isinstance(field, (fields.DateTime, fields.Date)):
        field.validators = [*field.validators, lambda value: check_year(value.year)]


class StrictSchema(Schema):
    """Input schemas refuse unknown fields."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name, field_obj):
        _column_bounds(field_obj)

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
        check_year(int(value[:4]))
        return value


class Quarter(fields.String):
    """A YYYY-Qn quarter."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not _QUARTER_RE.match(value):
            raise ValidationError("季度格式应为 YYYY-Qn，例如 2026-Q4")
        check_year(int(value[:4]))
        return value


class PageQuery(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class OrgRef(Schema):
    id = fields.Integer()
    name = fields.String()


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
