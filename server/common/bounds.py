"""The ranges every input is held to before it reaches a query (docs/limits.md).

PostgreSQL refuses an integer past its column (`integer` is 32-bit, `bigint` 64-bit) and a text with a
NUL byte, and Python's dates stop at year 1: each of those, passed through, was a 500. The schemas
(server/common/schemas.py) and the path converters here apply these bounds to every field and path
parameter by type, so no endpoint has to remember them.
"""
from __future__ import annotations

import re

from marshmallow import ValidationError
from werkzeug.routing import IntegerConverter, UnicodeConverter

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
YEAR_MIN, YEAR_MAX = 2000, 2100

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_OR_LINE_BREAK = re.compile(r"[\x00-\x1f\x7f]")


def refuse_control_characters(value: str, *, multiline: bool = False) -> None:
    """A text may not hold NUL or other control characters; a multi-line text may hold tabs and newlines."""
    if not isinstance(value, str):
        return
    if multiline and _CONTROL.search(value):
        raise ValidationError("不能包含控制字符")
    if not multiline and _CONTROL_OR_LINE_BREAK.search(value):
        raise ValidationError("不能包含换行、制表符或其他控制字符")


def check_year(year: int) -> None:
    """Months, quarters, dates and instants lie between 2000 and 2100."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(f"年份应在 {YEAR_MIN}–{YEAR_MAX} 之间")


class RecordIdConverter(IntegerConverter):
    """`<int:…>`: a row id of an Integer column, 1..2³¹−1; any other number is an unknown path (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)


class PathTextConverter(UnicodeConverter):
    """`<…>` text segments (order numbers) without control characters: one with a NUL is an unknown path."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", r"[^/\x00-\x1f\x7f]")


CONVERTERS = {"int": RecordIdConverter, "default": PathTextConverter, "string": PathTextConverter}
