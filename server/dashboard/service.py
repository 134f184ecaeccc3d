"""The county and township dashboards, read from the roll-ups and the members indexes.

Definitions (month M, Beijing time; also in the API description):
- members: members of the township whose status is `active` (`members_by_status` gives every status);
- reported: active members with at least one report-in for M;
- checkin_rate: active members who checked in at least once at an event of M / members;
- dues_paid_rate: active members with `paid_through >= M` / members;
- arrears_6m: active members with `paid_through <= M-6`, or no payment yet and joined the roster in
  or before M-5 (the rule shared with dues);
- lost_contact: members whose status is `lost_contact`; `lost_contact_flagged`: flags awaiting a
  secretary's confirmation.
Rates are 0..1 rounded to 4 decimals, 0 when there are no members. The monthly series divides by
today's active members (the roster is not kept per month). On the county view the member counts
(members, by status, dues_paid, arrears) may be up to DASHBOARD_MEMBER_CACHE_S (60 s) old. Both views
as answered are shared while the roll-up and the lost-contact flags stand still (at most
DASHBOARD_VIEW_CACHE_S, 300 s; server/dashboard/viewcache.py; docs/dashboard.md).
"""
from __future__ import annotations

import functools
import json
from collections import defaultdict

from flask import current_app
from sqlalchemy import and_, bindparam, case, func, insert, or_, select, true

from server.common.driversql import DriverStatement
from server.common.timeutil import (
    month_add,
    month_bounds,
    month_diff,
    month_of,
    month_range,
)
from server.core import audit, scope
from server.core.audit import AuditEntry
from server.core.members import STATUSES, Member
from server.core.orgs import Branch, Township
from server.core.tokens import Principal
from server.dashboard import rollup, series
from server.dashboard.lostcontact import LISTED_COLUMNS, member_out
from server.dashboard.models import BranchMonthStats, LostContactFlag
from server.errors import NotFound
from server.extensions import db, is_postgresql
from server.store import get_redis

SERIES_MONTHS = 12
LIST_LIMIT = 100
_STAT_COLUMNS = ("reported_members", "checkin_members", "paid_members", "checkins", "paid_fen",
                 "special_fen", "refunded_fen")


def rate(part: int, whole: int) -> float:
    """part / whole rounded to 4 decimals, 0 when whole is 0."""
    return round(part / whole, 4) if whole else 0.0


def arrears_clause(month: str):
    """Active members six months behind for `month` (BRIEF rule shared with dues)."""
    joined_before, _ = month_bounds(month_add(month, -4))
    return and_(Member.status == "active", or_(
        Member.paid_through <= month_add(month, -6),
        and_(Member.paid_through.is_(None), Member.created_at < joined_before)))


def refresh_if_embedded() -> None:
    """In the embedded mode there is no worker: apply new outbox rows now (cheap when none)."""
    if current_app.config["REDIS_URL"].startswith("memory://"):
        rollup.run()


def _member_figures(group_col, where, month: str) -> dict:
    """Per group, in one pass over the members index: counts by status, paid up to `month`, in arrears."""
    figures: dict = defaultdict(lambda: {"by_status": dict.fromkeys(STATUSES, 0), "dues_paid": 0, "arrears_6m": 0})
    paid_up = func.sum(case((and_(Member.status == "active", Member.paid_through >= month), 1), else_=0))
    behind = func.sum(case((arrears_clause(month), 1), else_=0))
    for key, status, n, paid, arrears in db.session.execute(
            select(group_col, Member.status, func.count(), paid_up, behind).where(where)
            .group_by(group_col, Member.status)):
        figures[key]["by_status"][status] = n
        figures[key]["dues_paid"] += int(paid or 0)
        figures[key]["arrears_6m"] += int(arrears or 0)
    return figures


def _county_member_figures(month: str) -> dict:
    """The county's per-township member figures, cached for DASHBOARD_MEMBER_CACHE_S seconds.

    They are an aggregate over every member (index scans, ~0.2 s at 5×10⁵ members), so repeated
    dashboard loads share one computation; the roll-up figures are always read fresh.
    """
    ttl = current_app.config["DASHBOARD_MEMBER_CACHE_S"]
    key = f"dashboard:county-members:{month}"
    redis = get_redis()
    cached = redis.get(key) if ttl else None
    if cached is not None:
        return {int(k): v for k, v in json.loads(cached).items()}
    figures = dict(_member_figures(Member.township_id, true(), month))
    if ttl:
        redis.set(key, json.dumps(figures), ex=ttl)
    return figures


def _stats(group_col, where) -> dict:
    sums = [func.coalesce(func.sum(getattr(BranchMonthStats, c)), 0) for c in _STAT_COLUMNS]
    return {row[0]: dict(zip(_STAT_COLUMNS, (int(v) for v in row[1:])))
            for row in db.session.execute(select(group_col, *sums).where(where).group_by(group_col))}


def _open_flags(group_col, where) -> dict:
    return dict(db.session.execute(
        select(group_col, func.count()).where(where, LostContactFlag.state == "open").group_by(group_col)).all())


def _figures(name_fields: dict, people: dict, stats: dict, flags: int) -> dict:
    members = people["by_status"]["active"]
    return {
        **name_fields,
        "members": members,
        "reported": stats.get("reported_members", 0),
        "report_rate": rate(stats.get("reported_members", 0), members),
        "checkin_members": stats.get("checkin_members", 0),
        "checkin_rate": rate(stats.get("checkin_members", 0), members),
        "dues_paid_members": people["dues_paid"],
        "dues_paid_rate": rate(people["dues_paid"], members),
        "arrears_6m": people["arrears_6m"],
        "lost_contact": people["by_status"]["lost_contact"],
        "lost_contact_flagged": flags,
        "members_by_status": people["by_status"],
        "checkins": stats.get("checkins", 0),
        "paid_fen": stats.get("paid_fen", 0),
        "special_fen": stats.get("special_fen", 0),
        "refunded_fen": stats.get("refunded_fen", 0),
    }


def _series(where, month: str, members: int) -> list[dict]:
    first = month_add(month, -(SERIES_MONTHS - 1))
    by_month = _stats(BranchMonthStats.month, and_(where, BranchMonthStats.month >= first,
                                                   BranchMonthStats.month <= month))
    return [series.point(m, by_month.get(m), members) for m in month_range(first, month)]


def _sum(rows: list[dict], name_fields: dict) -> dict:
    people = {"by_status": {s: sum(r["members_by_status"][s] for r in rows) for s in STATUSES},
              "dues_paid": sum(r["dues_paid_members"] for r in rows),
              "arrears_6m": sum(r["arrears_6m"] for r in rows)}
    stats = {c: sum(r[k] for r in rows) for c, k in (
        ("reported_members", "reported"), ("checkin_members", "checkin_members"), ("checkins", "checkins"),
        ("paid_fen", "paid_fen"), ("special_fen", "special_fen"), ("refunded_fen", "refunded_fen"))}
    return _figures(name_fields, people, stats, sum(r["lost_contact_flagged"] for r in rows))


def county(principal: Principal, month: str) -> dict:
    """The county dashboard for `month`: totals, one row per township of the admin's county, the series."""
    refresh_if_embedded()
    # Every figure and the series are limited to the townships of the admin's county.
    in_scope = select(Township.id).where(scope.township_filter(principal))
    people = defaultdict(lambda: {"by_status": dict.fromkeys(STATUSES, 0), "dues_paid": 0, "arrears_6m": 0},
                         _county_member_figures(month))
    stats = _stats(BranchMonthStats.township_id, and_(BranchMonthStats.month == month,
                                                      BranchMonthStats.township_id.in_(in_scope)))
    flags = _open_flags(LostContactFlag.township_id, LostContactFlag.township_id.in_(in_scope))
    townships = [
        _figures({"id": t.id, "name": t.name}, people[t.id], stats.get(t.id, {}), flags.get(t.id, 0))
        for t in db.session.execute(
            select(Township).where(scope.township_filter(principal)).order_by(Township.id)).scalars()
    ]
    totals = _sum(townships, {})
    return {"month": month, "totals": totals, "townships": townships,
            "series": _series(BranchMonthStats.township_id.in_(in_scope), month, totals["members"]),
            "rollup": rollup.status()}


def township_in_scope(principal: Principal, township_id: int) -> Township:
    return township_and_state(principal, township_id, ())[0]


def township_and_state(principal: Principal, township_id: int, columns) -> tuple:
    """The township if it is in the caller's scope (else NotFound), and `columns` read in the same statement."""
    row = db.session.execute(select(Township, *columns)
                             .where(Township.id == township_id, scope.township_filter(principal))).first()
    if row is None:
        raise NotFound("找不到该乡镇")
    return row[0], tuple(row[1:])


@functools.cache
def _township_and_rollup_state(role: str) -> DriverStatement:
    """The township's id and name if in the scope of a staff `role` (bind `scope_id`), with the roll-up's state."""
    return DriverStatement(select(Township.id, Township.name, *rollup.state_columns()).where(
        Township.id == bindparam("township_id", type_=Township.id.type),
        scope.township_filter_of(role, bindparam("scope_id", type_=Township.id.type))))


def township_and_rollup_state(principal: Principal, township_id: int) -> tuple:
    """(the township (id, name) if in the caller's scope, else NotFound; the roll-up's state): one statement, on
    PostgreSQL sent on the driver connection in autocommit (a cached township view writes only its audit entry
    after it, server/common/driversql.py)."""
    if not is_postgresql():
        return township_and_state(principal, township_id, rollup.state_columns())
    row = _township_and_rollup_state(principal.staff_role).first(township_id=township_id, scope_id=principal.scope_id)
    if row is None:
        raise NotFound("找不到该乡镇")
    return row, tuple(row[2:])


@functools.cache
def _read_audit_statement(names: tuple[str, ...]) -> DriverStatement:
    """One audit entry inserted by a statement that also sets `synchronous_commit = off` for its own transaction
    (`set_config(…, true)` in autocommit: the statement's implicit transaction; nothing leaks to the connection)."""
    quick = select(func.set_config("synchronous_commit", "off", True).label("off")).cte("quick_commit")
    entries = AuditEntry.__table__
    return DriverStatement(insert(entries).from_select(
        list(names), select(*(bindparam(f"a_{n}", type_=entries.c[n].type) for n in names)).select_from(quick)))


def audit_township_read(town_id: int, month: str, listed: list[int]) -> None:
    """The staff read of a township's lists (docs/audit.md): one INSERT, committed.

    On PostgreSQL that is one statement on the driver connection in autocommit (after the ORM session's read
    transaction, if the view was computed, is ended), and its commit does not wait for the WAL to reach the
    disk (`synchronous_commit = off` for that transaction only): waiting on the flush was most of a cached
    read's latency under load, and BEGIN, SET, INSERT and COMMIT through the session four round trips. The
    entry is written and atomic all the same; only a crash of the database server within the WAL writer's
    delay (wal_writer_delay, 200 ms) could lose the last read entries, never a write of any other kind."""
    values = audit.entry_values("dashboard.township_viewed", "township", town_id,
                                {"month": month, "members": listed}, township_id=town_id)
    if not is_postgresql():
        audit.insert_entry(values)
        db.session.commit()
        return
    if db.session.registry.has():
        db.session.commit()  # the view's reads: nothing written
    _read_audit_statement(tuple(values)).first(**{f"a_{n}": v for n, v in values.items()})


def township(principal: Principal, township_id: int, month: str) -> dict:
    """One township for `month`: per mobile branch, the series, arrears and lost-contact lists (audited)."""
    result, listed = township_view(township_in_scope(principal, township_id), month)
    audit_township_read(township_id, month, listed)
    return result


def township_view(town: Township, month: str) -> tuple[dict, list[int]]:
    """The township view and the ids of the members it lists (for the audit entry); writes nothing."""
    township_id = town.id
    refresh_if_embedded()
    in_town = Member.township_id == township_id
    people = _member_figures(Member.mobile_branch_id, in_town, month)
    stats = _stats(BranchMonthStats.branch_id, and_(BranchMonthStats.township_id == township_id,
                                                    BranchMonthStats.month == month))
    flags = _open_flags(LostContactFlag.branch_id, LostContactFlag.township_id == township_id)
    branches = db.session.execute(
        select(Branch).where(Branch.township_id == township_id, Branch.kind == "mobile").order_by(Branch.id)
    ).scalars().all()
    rows = [_figures({"id": b.id, "name": b.name}, people[b.id], stats.get(b.id, {}), flags.get(b.id, 0))
            for b in branches]
    totals = _sum(rows, {"id": town.id, "name": town.name})

    names = {b.id: b.name for b in branches}
    arrears = db.session.execute(
        select(*LISTED_COLUMNS).where(in_town, arrears_clause(month))
        .order_by(Member.paid_through.is_not(None), Member.paid_through, Member.id).limit(LIST_LIMIT)).all()
    lost = db.session.execute(
        select(*LISTED_COLUMNS).where(in_town, Member.status == "lost_contact").order_by(Member.id).limit(LIST_LIMIT)
    ).all()
    flagged = db.session.execute(
        select(LostContactFlag.id.label("flag_id"), LostContactFlag.flagged_at, LostContactFlag.last_seen_at,
               *LISTED_COLUMNS).join(Member, Member.id == LostContactFlag.member_id)
        .where(LostContactFlag.township_id == township_id, LostContactFlag.state == "open")
        .order_by(LostContactFlag.flagged_at, LostContactFlag.id).limit(LIST_LIMIT)).all()
    names.update(_branch_names({m.mobile_branch_id for m in (*arrears, *lost, *flagged)} - names.keys()))
    result = {
        "month": month, "township": {"id": town.id, "name": town.name}, "totals": totals, "branches": rows,
        "series": _series(BranchMonthStats.township_id == township_id, month, totals["members"]),
        "arrears": {"total": totals["arrears_6m"], "items": [
            {**member_out(m, names[m.mobile_branch_id]), "months_owed": _months_owed(m, month)} for m in arrears]},
        "lost_contact": {"total": totals["lost_contact"],
                         "items": [member_out(m, names[m.mobile_branch_id]) for m in lost]},
        "flagged": {"total": totals["lost_contact_flagged"], "items": [
            {"flag_id": f.flag_id, "flagged_at": f.flagged_at, "last_seen_at": f.last_seen_at,
             **member_out(f, names[f.mobile_branch_id])} for f in flagged]},
    }
    return result, sorted({m.id for m in (*arrears, *lost, *flagged)})


def _branch_names(ids: set[int]) -> dict[int, str]:
    """Names of branches outside the township's own (a flagged member who has since moved branch)."""
    if not ids:
        return {}
    return dict(db.session.execute(select(Branch.id, Branch.name).where(Branch.id.in_(ids))).all())


def _months_owed(member, month: str) -> int:
    """Unpaid months up to `month`: after paid_through, or since the month the member joined."""
    if member.paid_through:
        return max(0, month_diff(member.paid_through, month))
    return month_diff(month_of(member.created_at), month) + 1
