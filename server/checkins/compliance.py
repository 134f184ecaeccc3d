"""Organisational-life compliance: meetings held against the rules, per month or quarter."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.checkins.models import EVENT_KINDS, Event
from server.common.timeutil import month_bounds, month_of, utcnow
from server.core import scope
from server.core.orgs import Branch
from server.core.tokens import Principal
from server.extensions import db

# (kind, period, required per period, rule text) after DESIGN.md's organisational-life rules.
COMPLIANCE_RULES = (
    ("branch_assembly", "quarter", 1, "每季度至少召开 1 次支部党员大会"),
    ("committee", "month", 1, "每月至少召开 1 次支部委员会"),
    ("group", "month", 1, "每月至少召开 1 次党小组会"),
    ("lecture", "quarter", 1, "每季度至少上 1 次党课"),
    ("theme_day", "month", 1, "每月至少开展 1 次主题党日"),
)


def quarter_months(quarter: str) -> list[str]:
    """The three YYYY-MM months of a YYYY-Qn quarter."""
    year, q = int(quarter[:4]), int(quarter[-1])
    return [f"{year:04d}-{3 * (q - 1) + i:02d}" for i in (1, 2, 3)]


def _period_status(held: int, required: int, period_end: datetime, now: datetime) -> str:
    if held >= required:
        return "met"
    return "missed" if period_end <= now else "pending"


def _overall(statuses: list[str]) -> str:
    if "missed" in statuses:
        return "missed"
    return "pending" if "pending" in statuses else "met"


def compliance(principal: Principal, branch_id: int, quarter: str) -> dict:
    """Meetings held (not cancelled and ended) against the rules, per month or for the quarter."""
    branch = scope.require_branch(principal, db.session.get(Branch, branch_id))
    months = quarter_months(quarter)
    start, end = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    now = utcnow()
    rows = db.session.execute(select(Event.kind, Event.starts_at).where(
        Event.branch_id == branch.id, Event.status == "scheduled", Event.ends_at <= now,
        Event.starts_at >= start, Event.starts_at < end,
    )).all()
    held: dict[tuple[str, str], int] = {}
    for kind, starts_at in rows:
        held[(kind, month_of(starts_at))] = held.get((kind, month_of(starts_at)), 0) + 1
    items = []
    for kind, period, required, rule in COMPLIANCE_RULES:
        total = sum(held.get((kind, m), 0) for m in months)
        if period == "month":
            periods = [{"period": m, "held": held.get((kind, m), 0), "required": required,
                        "status": _period_status(held.get((kind, m), 0), required, month_bounds(m)[1], now)}
                       for m in months]
        else:
            periods = [{"period": quarter, "held": total, "required": required,
                        "status": _period_status(total, required, end, now)}]
        items.append({"kind": kind, "label": EVENT_KINDS[kind], "rule": rule, "held": total, "periods": periods,
                      "status": _overall([p["status"] for p in periods])})
    return {"branch": branch, "quarter": quarter, "items": items, "status": _overall([i["status"] for i in items])}
