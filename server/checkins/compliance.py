"""Organisational-life compliance: meetings held against the rules, per month, quarter or year.

One branch (the secretary's phone), every mobile branch of a township (the township dashboard) and every
township of a county (the county dashboard) read the same figures: events that are not cancelled and have
ended, counted by the Beijing-time month of their start, and the yearly democratic evaluation as recorded by
`server.evaluations.service.evaluation_counts` (every active member of the mobile branch graded for the year).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.checkins.models import EVENT_KINDS, Event
from server.common.timeutil import month_bounds, month_of, utcnow
from server.core import scope
from server.core.orgs import Branch, Township
from server.core.tokens import Principal
from server.errors import NotFound
from server.evaluations.service import evaluation_counts
from server.extensions import db

EVALUATION = "evaluation"
# (kind, period, required per period, rule text) after DESIGN.md's organisational-life rules. The evaluation's
# requirement is the branch's active members of the year (None here), its count the members graded.
COMPLIANCE_RULES = (
    ("branch_assembly", "quarter", 1, "每季度至少召开 1 次支部党员大会"),
    ("committee", "month", 1, "每月至少召开 1 次支部委员会"),
    ("group", "month", 1, "每月至少召开 1 次党小组会"),
    ("lecture", "quarter", 1, "每季度至少上 1 次党课"),
    ("theme_day", "month", 1, "每月至少开展 1 次主题党日"),
    ("life_meeting", "year", 1, "每年至少召开 1 次组织生活会"),
    (EVALUATION, "year", None, "每年开展 1 次民主评议党员，本支部党员均应评定等次"),
)
LABELS = {**EVENT_KINDS, EVALUATION: "民主评议党员"}


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


def _held(branch_ids: list[int], year: int, now: datetime) -> dict[tuple[int, str, str], int]:
    """(branch id, kind, month) → meetings held in the year: not cancelled, ended, by Beijing month of start."""
    if not branch_ids:
        return {}
    start, end = month_bounds(f"{year:04d}-01")[0], month_bounds(f"{year:04d}-12")[1]
    rows = db.session.execute(select(Event.branch_id, Event.kind, Event.starts_at).where(
        Event.branch_id.in_(branch_ids), Event.status == "scheduled", Event.ends_at <= now,
        Event.starts_at >= start, Event.starts_at < end,
    )).all()
    held: dict[tuple[int, str, str], int] = {}
    for branch_id, kind, starts_at in rows:
        key = (branch_id, kind, month_of(starts_at))
        held[key] = held.get(key, 0) + 1
    return held


def _items(branch_id: int, quarter: str, held: dict, evaluated: dict, now: datetime) -> list[dict]:
    """Each rule of one branch for the quarter: its periods (months, the quarter or the year) and status."""
    year = quarter[:4]
    months = quarter_months(quarter)
    year_months = [f"{year}-{m:02d}" for m in range(1, 13)]
    quarter_end, year_end = month_bounds(months[-1])[1], month_bounds(year_months[-1])[1]
    items = []
    for kind, period, required, rule in COMPLIANCE_RULES:
        per_month = {m: held.get((branch_id, kind, m), 0) for m in year_months}
        if kind == EVALUATION:
            figures = evaluated.get(branch_id, {"evaluated": 0, "members": 0})
            total, required = figures["evaluated"], figures["members"]
            periods = [{"period": year, "held": total, "required": required,
                        "status": _period_status(total, required, year_end, now)}]
        elif period == "month":
            total = sum(per_month[m] for m in months)
            periods = [{"period": m, "held": per_month[m], "required": required,
                        "status": _period_status(per_month[m], required, month_bounds(m)[1], now)} for m in months]
        elif period == "quarter":
            total = sum(per_month[m] for m in months)
            periods = [{"period": quarter, "held": total, "required": required,
                        "status": _period_status(total, required, quarter_end, now)}]
        else:
            total = sum(per_month.values())
            periods = [{"period": year, "held": total, "required": required,
                        "status": _period_status(total, required, year_end, now)}]
        items.append({"kind": kind, "label": LABELS[kind], "rule": rule, "cycle": period, "held": total,
                      "periods": periods, "status": _overall([p["status"] for p in periods])})
    return items


def _misses(items: list[dict]) -> list[dict]:
    """Every missed period, naming the rule it breaks."""
    return [{"kind": i["kind"], "label": i["label"], "rule": i["rule"], "period": p["period"], "held": p["held"],
             "required": p["required"]} for i in items for p in i["periods"] if p["status"] == "missed"]


def _due(items: list[dict]) -> list[dict]:
    """Periods still open and short of the rule: what the branch has yet to hold."""
    return [{"kind": i["kind"], "label": i["label"], "rule": i["rule"], "period": p["period"], "held": p["held"],
             "required": p["required"]} for i in items for p in i["periods"] if p["status"] == "pending"]


def _figures(branch_ids: list[int], quarter: str, now: datetime) -> dict[int, list[dict]]:
    year = int(quarter[:4])
    held, evaluated = _held(branch_ids, year, now), evaluation_counts(branch_ids, year)
    return {b: _items(b, quarter, held, evaluated, now) for b in branch_ids}


def compliance(principal: Principal, branch_id: int, quarter: str) -> dict:
    """One branch: every rule for the quarter (and its year), the misses with their rule, and what is still due."""
    branch = scope.require_branch(principal, db.session.get(Branch, branch_id))
    items = _figures([branch.id], quarter, utcnow())[branch.id]
    return {"branch": branch, "quarter": quarter, "year": int(quarter[:4]), "items": items,
            "misses": _misses(items), "due": _due(items), "status": _overall([i["status"] for i in items])}


def _branch_row(branch: Branch, items: list[dict]) -> dict:
    statuses = [i["status"] for i in items]
    return {"branch": branch, "status": _overall(statuses), "rules_met": statuses.count("met"),
            "rules_missed": statuses.count("missed"), "rules_pending": statuses.count("pending"),
            "misses": _misses(items)}


def _mobile_branches(where) -> list[Branch]:
    return list(db.session.execute(
        select(Branch).where(where, Branch.kind == "mobile").order_by(Branch.township_id, Branch.id)).scalars())


def township_compliance(principal: Principal, township_id: int, quarter: str) -> dict:
    """Every mobile branch of a township for the quarter: status, rules met or missed, each miss with its rule."""
    town = db.session.execute(
        select(Township).where(Township.id == township_id, scope.township_filter(principal))).scalar_one_or_none()
    if town is None:
        raise NotFound("找不到该乡镇")
    branches = _mobile_branches(Branch.township_id == town.id)
    figures = _figures([b.id for b in branches], quarter, utcnow())
    rows = [_branch_row(b, figures[b.id]) for b in branches]
    return {"township": town, "quarter": quarter, "branches": rows, **_counts(rows)}


def _counts(rows: list[dict]) -> dict:
    statuses = [r["status"] for r in rows]
    return {"branches_met": statuses.count("met"), "branches_missed": statuses.count("missed"),
            "branches_pending": statuses.count("pending")}


def county_compliance(principal: Principal, quarter: str) -> dict:
    """Every township of the county admin's county: branches met or missed and, per rule, how many branches missed."""
    towns = list(db.session.execute(
        select(Township).where(scope.township_filter(principal)).order_by(Township.id)).scalars())
    branches = _mobile_branches(Branch.township_id.in_([t.id for t in towns]))
    figures = _figures([b.id for b in branches], quarter, utcnow())
    rows = []
    for town in towns:
        mine = [_branch_row(b, figures[b.id]) for b in branches if b.township_id == town.id]
        rules = []
        for kind, _period, _required, rule in COMPLIANCE_RULES:
            missed = sum(1 for r in mine if any(m["kind"] == kind for m in r["misses"]))
            if missed:
                rules.append({"kind": kind, "label": LABELS[kind], "rule": rule, "branches": missed})
        rows.append({"township": town, "branches": len(mine), **_counts(mine),
                     "misses": sum(len(r["misses"]) for r in mine), "rules_missed": rules})
    return {"quarter": quarter, "townships": rows}
