"""What a member sees of their branch's meetings: the events with their own state, and their check-ins."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.checkins.events import checkin_window
from server.checkins.models import Checkin, Event, LeaveRequest
from server.common.pagination import paginate
from server.common.timeutil import utcnow
from server.core.members import Member
from server.errors import NotFound
from server.extensions import db


@dataclass
class MemberEvent:
    """An event as one member sees it, with their own state."""

    event: Event
    my_checkin: Checkin | None
    my_leave: LeaveRequest | None

    def __getattr__(self, name):
        return getattr(self.event, name)

    @property
    def my_state(self) -> str:
        """present, on_leave (approved), absent (check-in closed without either), leave_pending, leave_denied
        or none (nothing yet): the same words as the attendance lists."""
        if self.my_checkin is not None:
            return "present"
        leave = self.my_leave
        if leave is not None and leave.status == "approved":
            return "on_leave"
        if checkin_window(self.event)[1] <= utcnow():
            return "absent"
        if leave is not None:
            return "leave_pending" if leave.status == "pending" else "leave_denied"
        return "none"


def my_events(member_id: int, *, page: int, per_page: int, upcoming: bool = False) -> dict:
    """The events of the member's branch, with the member's own check-in or leave."""
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("找不到该党员")
    stmt = select(Event).where(Event.branch_id == member.mobile_branch_id).options(selectinload(Event.branch))
    if not member.is_committee:
        stmt = stmt.where(Event.kind != "committee")
    if upcoming:
        grace = timedelta(minutes=current_app.config["CHECKIN_GRACE_AFTER_MIN"])
        stmt = stmt.where(Event.ends_at > utcnow() - grace, Event.status == "scheduled").order_by(Event.starts_at, Event.id)
    else:
        stmt = stmt.order_by(Event.starts_at.desc(), Event.id.desc())
    result = paginate(stmt, page, per_page)
    ids = [e.id for e in result["items"]]
    mine = {c.event_id: c for c in db.session.execute(
        select(Checkin).where(Checkin.member_id == member.id, Checkin.event_id.in_(ids))).scalars()} if ids else {}
    leaves = {lv.event_id: lv for lv in db.session.execute(
        select(LeaveRequest).where(LeaveRequest.member_id == member.id, LeaveRequest.event_id.in_(ids))).scalars()} if ids else {}
    result["items"] = [MemberEvent(e, mine.get(e.id), leaves.get(e.id)) for e in result["items"]]
    return result


def my_checkins(member_id: int, *, page: int, per_page: int) -> dict:
    """The member's check-in history, newest first."""
    stmt = (select(Checkin).where(Checkin.member_id == member_id).options(selectinload(Checkin.event))
            .order_by(Checkin.checked_in_at.desc(), Checkin.id.desc()))
    return paginate(stmt, page, per_page)
