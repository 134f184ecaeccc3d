"""Boards beyond the county and township views: which months have data, a branch's own board (what a
branch secretary sees), the county-wide arrears and lost-contact lists, and the full boards the xlsx
exports are written from.

The figures follow the definitions in server/dashboard/service.py; lists show members as the township
view does (never the ID number, the phone masked as in server/core/schemas.py) and every list read writes one audit row.
"""
from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from server.common.timeutil import current_month, month_add
from server.core import audit, scope
from server.core.members import Member
from server.core.orgs import Branch, Township
from server.core.tokens import Principal
from server.dashboard import service
from server.dashboard.lostcontact import member_out
from server.dashboard.models import BranchMonthStats, LostContactFlag
from server.errors import NotFound
from server.extensions import db

MONTHS_BACK = 24
EXPORT_LIMIT = 20000


def _stats_scope(principal: Principal):
    """A WHERE clause limiting roll-up rows to the principal's county, township or branch."""
    role = principal.staff_role
    if role == "county_admin":
        return BranchMonthStats.township_id.in_(scope.county_townships(principal.scope_id))
    if role == "township_admin":
        return BranchMonthStats.township_id == principal.scope_id
    return BranchMonthStats.branch_id == principal.scope_id


def months(principal: Principal) -> dict:
    """This month, the latest month up to now with data in the caller's scope, and the months with data."""
    service.refresh_if_embedded()
    now = current_month()
    with_data = list(db.session.execute(
        select(BranchMonthStats.month).where(_stats_scope(principal), BranchMonthStats.month <= now,
                                             BranchMonthStats.month > month_add(now, -MONTHS_BACK))
        .group_by(BranchMonthStats.month).order_by(BranchMonthStats.month.desc())).scalars())
    return {"current": now, "latest_with_data": with_data[0] if with_data else None,
            "current_has_data": bool(with_data) and with_data[0] == now, "months_with_data": with_data}


def person(member: Member, month: str | None = None) -> dict:
    """A listed member: masked phone (never the ID number), township and branch, months owed for `month`."""
    row = {**member_out(member), "township": {"id": member.township_id, "name": member.township.name}}
    if month is not None:
        row["months_owed"] = service._months_owed(member, month)
    return row


def people(member_where, flag_where, month: str, limit: int) -> dict:
    """The 6-month arrears, confirmed lost-contact and open-flag lists (first `limit` each, with totals)."""
    arrears_where = and_(member_where, service.arrears_clause(month))
    lost_where = and_(member_where, Member.status == "lost_contact")
    flag_where = and_(flag_where, LostContactFlag.state == "open")

    def count(stmt):
        return db.session.scalar(select(func.count()).select_from(stmt.subquery()))

    loaded = (joinedload(Member.township), joinedload(Member.mobile_branch))
    arrears = db.session.execute(
        select(Member).options(*loaded).where(arrears_where)
        .order_by(Member.paid_through.is_not(None), Member.paid_through, Member.id).limit(limit)).scalars().all()
    lost = db.session.execute(
        select(Member).options(*loaded).where(lost_where).order_by(Member.id).limit(limit)).scalars().all()
    flags = db.session.execute(
        select(LostContactFlag).options(selectinload(LostContactFlag.member).options(*loaded)).where(flag_where)
        .order_by(LostContactFlag.flagged_at, LostContactFlag.id).limit(limit)).scalars().all()
    return {
        "arrears": {"total": count(select(Member.id).where(arrears_where)),
                    "items": [person(m, month) for m in arrears]},
        "lost_contact": {"total": count(select(Member.id).where(lost_where)), "items": [person(m) for m in lost]},
        "flagged": {"total": count(select(LostContactFlag.id).where(flag_where)), "items": [
            {"flag_id": f.id, "flagged_at": f.flagged_at, "last_seen_at": f.last_seen_at, **person(f.member)}
            for f in flags]},
    }


def _audit_lists(action: str, target_type: str, target_id, month: str, lists: dict) -> None:
    listed = sorted({m["id"] for key in ("arrears", "lost_contact", "flagged") for m in lists[key]["items"]})
    audit.record(action, target_type, target_id, {"month": month, "members": listed})


def county_people(principal: Principal, month: str, limit: int = service.LIST_LIMIT) -> dict:
    """Every township's 6-month arrears and lost-contact members of the admin's county, in one list each."""
    service.refresh_if_embedded()
    towns = scope.county_townships(principal.scope_id)
    lists = people(Member.township_id.in_(towns), LostContactFlag.township_id.in_(towns), month, limit)
    _audit_lists("dashboard.county_people_viewed", "county", principal.scope_id, month, lists)
    db.session.commit()
    return {"month": month, **lists}


def _branch_in_scope(principal: Principal, branch_id: int) -> Branch:
    branch = db.session.execute(
        select(Branch).where(Branch.id == branch_id, scope.branch_filter(principal))).scalar_one_or_none()
    if branch is None:
        raise NotFound("找不到该支部")
    return branch


def branch(principal: Principal, branch_id: int, month: str, limit: int = service.LIST_LIMIT) -> dict:
    """One branch's board for `month`: its figures, the 12-month series and its member lists."""
    unit = _branch_in_scope(principal, branch_id)
    service.refresh_if_embedded()
    in_branch = Member.mobile_branch_id == unit.id
    people_figures = service._member_figures(Member.mobile_branch_id, in_branch, month)[unit.id]
    stats = service._stats(BranchMonthStats.branch_id, and_(BranchMonthStats.branch_id == unit.id,
                                                            BranchMonthStats.month == month)).get(unit.id, {})
    flags = service._open_flags(LostContactFlag.branch_id, LostContactFlag.branch_id == unit.id).get(unit.id, 0)
    totals = service._figures({"id": unit.id, "name": unit.name}, people_figures, stats, flags)
    lists = people(in_branch, LostContactFlag.branch_id == unit.id, month, limit)
    _audit_lists("dashboard.branch_viewed", "branch", unit.id, month, lists)
    db.session.commit()
    return {"month": month, "branch": {"id": unit.id, "name": unit.name},
            "township": {"id": unit.township_id, "name": unit.township.name}, "totals": totals,
            "series": service._series(BranchMonthStats.branch_id == unit.id, month, totals["members"]), **lists}


def township_export(principal: Principal, township_id: int, month: str) -> dict:
    """The township board with its full member lists (for the xlsx export)."""
    town = db.session.execute(
        select(Township).where(Township.id == township_id, scope.township_filter(principal))).scalar_one_or_none()
    if town is None:
        raise NotFound("找不到该乡镇")
    service.refresh_if_embedded()
    in_town = Member.township_id == town.id
    figures = service._member_figures(Member.mobile_branch_id, in_town, month)
    stats = service._stats(BranchMonthStats.branch_id, and_(BranchMonthStats.township_id == town.id,
                                                            BranchMonthStats.month == month))
    flags = service._open_flags(LostContactFlag.branch_id, LostContactFlag.township_id == town.id)
    rows = [service._figures({"id": b.id, "name": b.name}, figures[b.id], stats.get(b.id, {}), flags.get(b.id, 0))
            for b in db.session.execute(select(Branch).where(Branch.township_id == town.id, Branch.kind == "mobile")
                                        .order_by(Branch.id)).scalars()]
    totals = service._sum(rows, {"id": town.id, "name": town.name})
    lists = people(in_town, LostContactFlag.township_id == town.id, month, EXPORT_LIMIT)
    _audit_lists("dashboard.township_exported", "township", town.id, month, lists)
    db.session.commit()
    return {"month": month, "township": {"id": town.id, "name": town.name}, "totals": totals, "branches": rows,
            "series": service._series(BranchMonthStats.township_id == town.id, month, totals["members"]), **lists}


def county_export(principal: Principal, month: str) -> dict:
    """The county board with its full member lists (for the xlsx export)."""
    board = service.county(principal, month)
    towns = scope.county_townships(principal.scope_id)
    lists = people(Member.township_id.in_(towns), LostContactFlag.township_id.in_(towns), month, EXPORT_LIMIT)
    _audit_lists("dashboard.county_exported", "county", principal.scope_id, month, lists)
    db.session.commit()
    return {**board, **lists}
