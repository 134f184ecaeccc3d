"""Leave: a member asks to be excused from a meeting, the secretary decides.

Each public function is one unit of work and owns its transaction.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from server.checkins.checkin import checkin_of, member_event
from server.checkins.events import refuse_cancelled, refuse_ended, staff_event
from server.checkins.models import Event, LeaveRequest
from server.common.timeutil import month_of, utcnow
from server.core import audit
from server.core.members import Member
from server.core.outbox import record_change
from server.core.tokens import Principal
from server.errors import Conflict, NotFound
from server.extensions import db


def record_leave(leave: LeaveRequest, event: Event, member: Member) -> None:
    """The outbox row of a new or decided leave request (inside the caller's transaction)."""
    record_change("leave.created", member, {
        "leave_id": leave.id, "event_id": event.id, "event_month": month_of(event.starts_at),
        "reason": leave.reason, "status": leave.status,
    })


def request_leave(member_id: int, event_id: int, reason: str) -> LeaveRequest:
    """A member asks to be excused from an event of their branch (once per event)."""
    member, event = member_event(member_id, event_id)
    refuse_cancelled(event)
    refuse_ended(event, utcnow())
    if checkin_of(event.id, member.id) is not None:
        raise Conflict("您已签到，无需请假", code="already_checked_in")
    leave = LeaveRequest(event_id=event.id, member_id=member.id, reason=reason.strip(), status="pending",
                         created_at=utcnow())
    db.session.add(leave)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("您已为该活动请过假", code="leave_exists") from None
    audit.record("leave.requested", "leave", leave.id, {"event_id": event.id}, member_id=member.id)
    record_leave(leave, event, member)
    db.session.commit()
    return leave


def list_leaves(principal: Principal, event_id: int) -> list[LeaveRequest]:
    """Leave requests of an event, oldest first."""
    event = staff_event(principal, event_id)
    # A staff read of members' personal data (names, leave reasons): audited like a member read.
    audit.record("event.leaves_read", "event", event.id, None)
    db.session.commit()
    return list(db.session.execute(
        select(LeaveRequest).where(LeaveRequest.event_id == event_id)
        .options(selectinload(LeaveRequest.member)).order_by(LeaveRequest.id)
    ).scalars())


def decide_leave(principal: Principal, leave_id: int, approve: bool, note: str | None) -> LeaveRequest:
    """The secretary approves or denies a pending leave request."""
    leave = db.session.get(LeaveRequest, leave_id, with_for_update=True)
    if leave is None:
        raise NotFound("找不到该请假申请")
    try:
        event = staff_event(principal, leave.event_id)
    except NotFound:
        raise NotFound("找不到该请假申请") from None
    if leave.status != "pending":
        raise Conflict("该请假申请已处理", code="leave_decided")
    leave.status = "approved" if approve else "denied"
    leave.note = note.strip() if note else None
    leave.decided_by, leave.decided_at = principal.subject_id, utcnow()
    audit.record("leave.decided", "leave", leave.id, {"event_id": event.id, "status": leave.status, "note": leave.note},
                 member_id=leave.member_id)
    record_leave(leave, event, leave.member)
    db.session.commit()
    return leave
