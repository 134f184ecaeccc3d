"""Lost contact (DESIGN.md): flag quiet members for their secretary; only a person changes status.

A member is a candidate when they are active and have had no report-in, check-in or payment for
QUIET_FOR (`members.last_activity_at`, or `created_at` when they never had any), have no open flag,
and were not dismissed by a secretary within QUIET_FOR (a dismissal says "we are in touch").
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from server.common.crypto import mask_phone
from server.common.pagination import paginate
from server.common.timeutil import isoformat, utcnow
from server.core import audit, scope
from server.core.accounts import actor_name
from server.core.member_changes import apply_status
from server.core.members import Member
from server.core.orgs import Branch
from server.core.tokens import Principal
from server.dashboard import viewversion
from server.dashboard.models import LostContactFlag
from server.dashboard.rollup import insert_ignore
from server.errors import Conflict, NotFound
from server.extensions import db

QUIET_FOR = timedelta(days=183)


def flag_candidates(now: datetime | None = None) -> int:
    """Open a flag for every quiet active member (never touches a status); returns flags opened."""
    now = now or utcnow()
    cutoff = now - QUIET_FOR
    last_seen = func.coalesce(Member.last_activity_at, Member.created_at)
    settled = select(LostContactFlag.member_id).where(or_(
        LostContactFlag.state == "open",
        and_(LostContactFlag.state == "dismissed", LostContactFlag.resolved_at >= cutoff)))
    rows = db.session.execute(
        select(Member.id, Member.township_id, Member.mobile_branch_id, last_seen.label("last_seen"))
        .where(Member.status == "active", last_seen < cutoff, Member.id.not_in(settled))
        .order_by(Member.id)
    ).all()
    # A concurrent run may flag the same member: the unique open-flag index makes the second a no-op.
    insert_ignore(LostContactFlag, [
        {"member_id": r.id, "township_id": r.township_id, "branch_id": r.mobile_branch_id,
         "last_seen_at": r.last_seen, "flagged_at": now, "state": "open"} for r in rows])
    for r in rows:
        audit.record("lost_contact.flagged", "member", r.id, {"last_seen_at": isoformat(r.last_seen)},
                     actor=("system", None))
    db.session.commit()
    if rows:
        viewversion.flags_changed()
    return len(rows)


# The member columns a dashboard list shows (`member_out` of a row of these needs no ORM object, no ID
# number decrypted): for lists read with Core on the hot views.
LISTED_COLUMNS = (Member.id, Member.name, Member.phone, Member.mobile_branch_id, Member.status,
                  Member.paid_through, Member.last_activity_at, Member.created_at)


def member_out(member, branch_name: str | None = None) -> dict:
    """A member (or a row of LISTED_COLUMNS with its branch's name) as the dashboard lists them: ID number
    never, phone masked, a link to the detail."""
    if branch_name is None:
        branch_name = member.mobile_branch.name
    return {"id": member.id, "name": member.name, "phone_masked": mask_phone(member.phone),
            "mobile_branch": {"id": member.mobile_branch_id, "name": branch_name},
            "status": member.status, "paid_through": member.paid_through,
            "last_activity_at": member.last_activity_at, "url": f"/dashboard/members/{member.id}"}


def flag_out(flag: LostContactFlag) -> dict:
    """A flag with its member, masked, as staff see it."""
    return {"id": flag.id, "member": member_out(flag.member), "state": flag.state,
            "last_seen_at": flag.last_seen_at, "flagged_at": flag.flagged_at,
            "resolved_at": flag.resolved_at, "resolved_by": flag.resolved_by, "reason": flag.reason}


def list_flags(principal: Principal, branch_id: int | None, state: str, page: int, per_page: int) -> dict:
    """Flags in the caller's scope, newest first, paged (every such read is audited)."""
    where = [scope.member_filter(principal), LostContactFlag.state == state]
    if branch_id is not None:
        scope.require_branch(principal, db.session.get(Branch, branch_id))
        where.append(LostContactFlag.branch_id == branch_id)
    base = select(LostContactFlag).join(Member, Member.id == LostContactFlag.member_id).where(*where)
    result = paginate(base.order_by(LostContactFlag.flagged_at.desc(), LostContactFlag.id.desc()), page, per_page)
    flags = result["items"]
    result["items"] = [flag_out(f) for f in flags]
    audit.record("lost_contact.listed", "branch" if branch_id else "scope", branch_id,
                 {"state": state, "members": [f.member_id for f in flags]})
    db.session.commit()
    return result


def _open_flag(principal: Principal, member_id: int) -> tuple[Member, LostContactFlag]:
    member = scope.require_member(principal, db.session.get(Member, member_id, with_for_update=True))
    flag = db.session.execute(
        select(LostContactFlag).where(LostContactFlag.member_id == member.id, LostContactFlag.state == "open")
        .with_for_update()
    ).scalar_one_or_none()
    if flag is None:
        resolved = db.session.scalar(select(func.count()).where(LostContactFlag.member_id == member.id))
        if resolved:
            raise Conflict("该失联标记已处理过", code="flag_already_resolved")
        raise NotFound("该党员没有待确认的失联标记", code="flag_not_found")
    return member, flag


def _resolve(flag: LostContactFlag, state: str, actor: str, reason: str) -> None:
    flag.state, flag.resolved_at, flag.resolved_by, flag.reason = state, utcnow(), actor, reason.strip()


def confirm(principal: Principal, member_id: int, reason: str) -> dict:
    """The secretary confirms: status becomes lost_contact (history, audit, outbox) and the flag closes."""
    member, flag = _open_flag(principal, member_id)
    if member.status != "active":
        raise Conflict("该党员当前不是正常状态，无法确认失联", code="member_not_active", status_now=member.status)
    actor = actor_name(principal)
    apply_status(member, "lost_contact", reason, actor)
    _resolve(flag, "confirmed", actor, reason)
    audit.record("lost_contact.confirmed", "member", member.id, {"flag_id": flag.id, "reason": reason})
    db.session.commit()
    viewversion.flags_changed()
    return flag_out(flag)


def dismiss(principal: Principal, member_id: int, reason: str) -> dict:
    """The secretary is in touch with the member: close the flag, status unchanged."""
    member, flag = _open_flag(principal, member_id)
    actor = actor_name(principal)
    _resolve(flag, "dismissed", actor, reason)
    audit.record("lost_contact.dismissed", "member", member.id, {"flag_id": flag.id, "reason": reason})
    db.session.commit()
    viewversion.flags_changed()
    return flag_out(flag)
