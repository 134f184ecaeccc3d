"""Member services: status changes and the member snapshot sent to townships."""
from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from server.common import idcard, ratelimit
from server.common.crypto import lookup_hash
from server.common.pagination import paginate
from server.common.timeutil import isoformat, month_of, utcnow
from server.core import audit, scope
from server.core.accounts import actor_name
from server.core.member_changes import apply_status
from server.core.members import Member, MemberStatusChange, refuse_if_left
from server.core.outbox import record_change
from server.core.tokens import Principal
from server.errors import NotFound, Unprocessable
from server.extensions import db
from server.members.models import Report

_ORG_LOADS = (selectinload(Member.township), selectinload(Member.village_branch), selectinload(Member.mobile_branch))


def change_status(member_id: int, to_status: str, reason: str, actor: str) -> MemberStatusChange:
    """Change a member's status as one unit of work (never called automatically by a job)."""
    member = db.session.get(Member, member_id, with_for_update=True)
    if member is None:
        raise NotFound("找不到该党员")
    change = apply_status(member, to_status, reason, actor)
    db.session.commit()
    return change


# ---- the member's own view --------------------------------------------------------------------

REPORTS_PER_HOUR = 20
REPORT_WINDOW_S = 3600


def get_member(member_id: int) -> Member:
    """The member behind a bound token (404 if the roster row is gone)."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("找不到该党员")
    return member


def create_report(member_id: int, city: str, address: str, employer: str,
                  lat: float | None, lng: float | None) -> tuple[Report, bool]:
    """This month's report-in, stored (or, when one exists, rewritten), the member's activity stamped and the
    township told, in one transaction; True when it is the month's first."""
    ratelimit.limit(f"report:{member_id}", REPORTS_PER_HOUR, REPORT_WINDOW_S, "提交太频繁，请稍后再试")
    try:
        return _report_in(member_id, city, address, employer, lat, lng)
    except IntegrityError:
        # Only where the row lock is a no-op (SQLite): a concurrent first report of the month won the
        # unique key; run the unit again, and it rewrites that record.
        db.session.rollback()
        return _report_in(member_id, city, address, employer, lat, lng)


def _report_in(member_id: int, city: str, address: str, employer: str,
               lat: float | None, lng: float | None) -> tuple[Report, bool]:
    # The member row lock serialises one member's report-ins, so the month's row is found or made once.
    member = db.session.get(Member, member_id, with_for_update=True)
    if member is None:
        raise NotFound("找不到该党员")
    refuse_if_left(member.status, "向流动党支部报到")
    now = utcnow()
    existing = db.session.execute(
        select(Report).where(Report.member_id == member.id, Report.month == month_of(now))).scalar_one_or_none()
    if existing is None:
        report, created = add_report(member, city, address, employer, lat, lng, now), True
    else:
        report, created = _rewrite_report(member, existing, city, address, employer, lat, lng, now), False
    audit.record("report.created" if created else "report.updated", "report", report.id, {"month": report.month},
                 member_id=member.id)
    db.session.commit()
    return report, created


def add_report(member: Member, city: str, address: str, employer: str,
               lat: float | None, lng: float | None, at) -> Report:
    """Add a report-in made at `at` with its outbox change to the caller's transaction (no commit)."""
    report = Report(member_id=member.id, month=month_of(at), city=city.strip(), address=address.strip(),
                    employer=employer.strip(), lat=lat, lng=lng, created_at=at)
    db.session.add(report)
    _stamp_activity(member, at)
    db.session.flush()
    record_change("report.created", member, _report_data(report, at), at=at)
    return report


def _rewrite_report(member: Member, report: Report, city: str, address: str, employer: str,
                    lat: float | None, lng: float | None, at) -> Report:
    """A later report-in of the same month replaces that month's record (the feed says `report.updated`)."""
    report.city, report.address, report.employer = city.strip(), address.strip(), employer.strip()
    report.lat, report.lng, report.updated_at = lat, lng, at
    _stamp_activity(member, at)
    db.session.flush()
    record_change("report.updated", member, {**_report_data(report, report.created_at),
                                             "updated_at": isoformat(at)}, at=at)
    return report


def _stamp_activity(member: Member, at) -> None:
    if member.last_activity_at is None or member.last_activity_at < at:
        member.last_activity_at = at


def _report_data(report: Report, reported_at) -> dict:
    return {"report_id": report.id, "month": report.month, "city": report.city, "address": report.address,
            "employer": report.employer, "lat": report.lat, "lng": report.lng, "reported_at": isoformat(reported_at)}


def members_reported_in(month: str):
    """The ids of members with a report-in for the month, as a subquery (the dues feature's report-in reminders)."""
    return select(Report.member_id).where(Report.month == month)


def list_reports(member_id: int, page: int, per_page: int) -> dict:
    """The member's own report-ins, newest first."""
    query = select(Report).where(Report.member_id == member_id).order_by(Report.created_at.desc(), Report.id.desc())
    return paginate(query, page, per_page)


def report_counts(member_ids: list[int], year: int) -> dict[int, int]:
    """How many months of the year each member reported in (the home branch's yearly summary; read only)."""
    counts = dict.fromkeys(member_ids, 0)
    if member_ids:
        counts.update(db.session.execute(
            select(Report.member_id, func.count(Report.id))
            .where(Report.member_id.in_(member_ids), Report.month.like(f"{year}-%"))
            .group_by(Report.member_id)).all())
    return counts


# ---- staff reads (every one audited) ----------------------------------------------------------

_PHONE_RE = re.compile(r"^1\d{10}$")


def search_members(principal: Principal, *, page: int, per_page: int, branch_id: int | None = None,
                   township_id: int | None = None, status: str | None = None, q: str | None = None) -> dict:
    """Members in the caller's scope, filtered and paged; the read is audited."""
    query = select(Member).where(scope.member_filter(principal))
    if branch_id is not None:
        query = query.where(or_(Member.mobile_branch_id == branch_id, Member.village_branch_id == branch_id))
    if township_id is not None:
        query = query.where(Member.township_id == township_id)
    if status is not None:
        query = query.where(Member.status == status)
    if q:
        query = query.where(_match(q.strip()))
    query = query.options(*_ORG_LOADS).order_by(Member.id)
    result = paginate(query, page, per_page)
    audit.record("member.list_read", "member", None, {
        "filters": {"branch_id": branch_id, "township_id": township_id, "status": status, "q": bool(q)},
        "page": page, "total": result["total"], "member_ids": [m.id for m in result["items"]],
    })
    db.session.commit()
    return result


def _match(q: str):
    """A full ID number or phone matches exactly through its keyed hash; anything else is a name substring."""
    if idcard.is_valid(q):
        return Member.id_number_hash == lookup_hash(idcard.normalize(q))
    if _PHONE_RE.match(q):
        return Member.phone_hash == lookup_hash(q)
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Member.name.like(f"%{escaped}%", escape="\\")


def member_detail(principal: Principal, member_id: int) -> Member:
    """One member in the caller's scope (404 otherwise), with status history; the read is audited."""
    member = scope.require_member(principal, db.session.get(Member, member_id))
    member.status_history = db.session.execute(
        select(MemberStatusChange).where(MemberStatusChange.member_id == member.id)
        .order_by(MemberStatusChange.at.desc(), MemberStatusChange.id.desc())
    ).scalars().all()
    audit.record("member.read", "member", member.id, None)
    db.session.commit()
    return member


def staff_change_status(principal: Principal, member_id: int, to_status: str, reason: str) -> Member:
    """A township or county admin changes a member's status (scope checked first)."""
    member = scope.require_member(principal, db.session.get(Member, member_id, with_for_update=True))
    if member.status == to_status:
        raise Unprocessable("党员已处于该状态", code="status_unchanged", errors={"status": ["与当前状态相同"]})
    apply_status(member, to_status, reason, actor_name(principal))
    return member_detail(principal, member.id)  # commits the change together with its audited read
