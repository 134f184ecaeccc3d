"""Time rules: timezone-aware UTC in storage, Asia/Shanghai at the edges, months as YYYY-MM."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def local(dt: datetime) -> datetime:
    """The instant in Beijing time."""
    return dt.astimezone(SHANGHAI)


def month_of(dt: datetime) -> str:
    """The YYYY-MM (Beijing time) an instant falls in."""
    return local(dt).strftime("%Y-%m")


def current_month() -> str:
    """This month in Beijing time."""
    return month_of(utcnow())


def is_month(value: str) -> bool:
    """Whether value is a well-formed YYYY-MM."""
    return isinstance(value, str) and bool(MONTH_RE.match(value))


def month_add(month: str, n: int) -> str:
    """The month n months after (or before, n < 0) a YYYY-MM month."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_diff(a: str, b: str) -> int:
    """How many months b is after a."""
    return (int(b[:4]) * 12 + int(b[5:7])) - (int(a[:4]) * 12 + int(a[5:7]))


def month_range(first: str, last: str) -> list[str]:
    """Every month from first to last inclusive (empty when last < first)."""
    return [month_add(first, i) for i in range(month_diff(first, last) + 1)]


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a Beijing-time month."""
    year, mon = int(month[:4]), int(month[5:7])
    start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    nxt = month_add(month, 1)
    end = datetime(int(nxt[:4]), int(nxt[5:7]), 1, tzinfo=SHANGHAI)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def month_of_date(d: date) -> str:
    """The YYYY-MM of a calendar date."""
    return d.strftime("%Y-%m")


def isoformat(dt: datetime | None) -> str | None:
    """ISO 8601 with offset, in Beijing time (how instants leave the service)."""
    return None if dt is None else local(dt).isoformat()


class UTCDateTime(TypeDecorator):
    """A DateTime column that always stores and returns aware UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
