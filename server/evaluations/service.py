"""Recording the yearly democratic evaluation (民主评议党员) and the branch's list of a year.

The member's mobile-branch secretary (or their township admin) records it; a later record for the same
member and year replaces the earlier one. The member row is locked first, so two secretaries recording at
once are serialised and the townships receive their `evaluation.recorded` changes in commit order (the
township client keeps the one with the higher seq: docs/changes.md).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from server.common.bounds import YEAR_MAX, YEAR_MIN
from server.common.timeutil import local, utcnow
from server.core import audit, scope
from server.core.accounts import actor_name
from server.core.members import Member
from server.core.orgs import Branch
from server.core.outbox import record_change
from server.core.tokens import Principal
from server.errors import Unprocessable
from server.evaluations.models import Evaluation
from server.extensions import db


def record_evaluation(principal: Principal, member_id: int, year: int, grade: str, note: str | None,
                      recorded_on: date) -> Evaluation:
    """Record (or replace) a member's evaluation of a year, with its feed change and audit row, in one commit."""
    _check_dates(year, recorded_on)
    member = scope.require_member(principal, db.session.get(Member, member_id, with_for_update=True))
    note, recorded_by = (note or "").strip() or None, actor_name(principal)
    evaluation = db.session.execute(select(Evaluation).where(
        Evaluation.member_id == member.id, Evaluation.year == year)).scalar_one_or_none()
    previous = evaluation.grade if evaluation else None
    if evaluation is None:
        evaluation = Evaluation(member_id=member.id, year=year)
        db.session.add(evaluation)
    evaluation.grade, evaluation.note, evaluation.recorded_on = grade, note, recorded_on
    evaluation.recorded_by, evaluation.recorded_at = recorded_by, utcnow()
    db.session.flush()
    record_change("evaluation.recorded", member, {
        "year": year, "grade": grade, "note": note, "recorded_on": recorded_on.isoformat()})
    audit.record("evaluation.recorded", "member", member.id, {
        "year": year, "grade": grade, "previous_grade": previous, "recorded_on": recorded_on.isoformat()})
    db.session.commit()
    return evaluation


def _check_dates(year: int, recorded_on: date) -> None:
    today = local(utcnow()).date()
    if not YEAR_MIN <= year <= today.year:
        raise Unprocessable("评议年度不正确", errors={"year": [f"年度应在 {YEAR_MIN}–{min(today.year, YEAR_MAX)} 之间"]})
    if recorded_on.year < year or recorded_on > today:
        raise Unprocessable("评定日期不正确", errors={"recorded_on": ["评定日期应在评议年度之内或之后，且不晚于今天"]})


def branch_evaluations(principal: Principal, branch_id: int, year: int) -> dict:
    """Every member of the branch (mobile or home village) with their evaluation of the year, or null; audited."""
    branch = scope.require_branch(principal, db.session.get(Branch, branch_id))
    rows = db.session.execute(
        select(Member, Evaluation)
        .outerjoin(Evaluation, (Evaluation.member_id == Member.id) & (Evaluation.year == year))
        .where(or_(Member.mobile_branch_id == branch.id, Member.village_branch_id == branch.id),
               or_(Member.status == "active", Evaluation.id.is_not(None)))
        .order_by(Member.name, Member.id)).all()
    items = [{"member": member, "evaluation": evaluation} for member, evaluation in rows]
    audit.record("evaluation.list_read", "branch", branch.id, {"year": year, "member_ids": [m.id for m, _ in rows]})
    db.session.commit()
    counts = {}
    for _, evaluation in rows:
        if evaluation is not None:
            counts[evaluation.grade] = counts.get(evaluation.grade, 0) + 1
    return {"branch": branch, "year": year, "items": items, "grades": counts,
            "unrecorded": sum(1 for _, evaluation in rows if evaluation is None)}


def evaluation_counts(branch_ids: list[int], year: int) -> dict[int, dict]:
    """Per mobile branch: its active members and how many of them have an evaluation of the year (counts only).

    Read by the organisational-life compliance (server/checkins/compliance.py); no member is shown, so no audit.
    """
    if not branch_ids:
        return {}
    rows = db.session.execute(
        select(Member.mobile_branch_id, func.count(Member.id), func.count(Evaluation.id))
        .outerjoin(Evaluation, (Evaluation.member_id == Member.id) & (Evaluation.year == year))
        .where(Member.mobile_branch_id.in_(branch_ids), Member.status == "active")
        .group_by(Member.mobile_branch_id)).all()
    counts = {branch_id: {"members": 0, "evaluated": 0} for branch_id in branch_ids}
    for branch_id, members, evaluated in rows:
        counts[branch_id] = {"members": members, "evaluated": evaluated}
    return counts


def evaluations_of(member_ids: list[int], year: int) -> dict[int, Evaluation]:
    """The members' evaluations of a year, by member id (the home branch's yearly summary; read only)."""
    if not member_ids:
        return {}
    return {e.member_id: e for e in db.session.scalars(select(Evaluation).where(
        Evaluation.member_id.in_(member_ids), Evaluation.year == year))}
