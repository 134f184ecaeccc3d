"""Expected attendees and attendance (the attendance sheet itself is sheets.py).

Expected attendees: before an event starts they are computed live (the branch's active members; for a
committee meeting its committee members). The first time anything needs them at or after the start
(the attendance view, the reminder sweep) they are frozen into `event_expected_attendees`, so the
attendance of a past meeting stays the same when members later move, return or are suspended.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, literal, select, update

from server.checkins.events import staff_event
from server.checkins.models import Checkin, Event, ExpectedAttendee, LeaveRequest
from server.common.timeutil import utcnow
from server.core import audit
from server.core.members import Member
from server.core.tokens import Principal
from server.extensions import db


def live_expected(event: Event):
    """The member ids expected at an event now: the branch's active members (committee members for a committee meeting)."""
    stmt = select(Member.id).where(Member.mobile_branch_id == event.branch_id, Member.status == "active")
    if event.kind == "committee":
        stmt = stmt.where(Member.is_committee.is_(True))
    return stmt


def freeze_expected(event: Event, now: datetime | None = None) -> bool:
    """Freeze the expected attendees of a started event once (a compare-and-set on the event row; no commit)."""
    now = now or utcnow()
    won = db.session.execute(
        update(Event).where(Event.id == event.id, Event.expected_frozen_at.is_(None), Event.starts_at <= now)
        .values(expected_frozen_at=now).execution_options(synchronize_session=False)
    ).rowcount == 1
    if won:
        db.session.execute(insert(ExpectedAttendee).from_select(
            ["member_id", "event_id"], live_expected(event).add_columns(literal(event.id))))
    db.session.refresh(event)
    return won


def freeze_started_events(now: datetime | None = None) -> int:
    """Freeze every recently started event not yet frozen (the periodic sweep); one transaction."""
    now = now or utcnow()
    events = db.session.execute(select(Event).where(
        Event.expected_frozen_at.is_(None), Event.starts_at <= now, Event.starts_at > now - timedelta(days=7),
    )).scalars().all()
    frozen = sum(freeze_expected(event, now) for event in events)
    db.session.commit()
    return frozen


def expected_member_ids(event: Event) -> list[int]:
    """Who is expected: the frozen list once the event started, the live roster before."""
    if event.expected_frozen_at is not None:
        stmt = select(ExpectedAttendee.member_id).where(ExpectedAttendee.event_id == event.id)
    else:
        stmt = live_expected(event)
    return list(db.session.execute(stmt).scalars())


@dataclass
class Attendance:
    event: Event
    expected_count: int
    present: list[dict]
    on_leave: list[dict]
    absent: list[dict]

    @property
    def expected_frozen(self) -> bool:
        return self.event.expected_frozen_at is not None


def attendance(principal: Principal, event_id: int) -> Attendance:
    """Who was present, on leave or absent (present wins over a leave; absent = expected − both)."""
    event = staff_event(principal, event_id)
    if event.expected_frozen_at is None and event.starts_at <= utcnow():
        freeze_expected(event)
    # A staff read of members' personal data (names, phones, leave reasons): audited like a member read.
    audit.record("event.attendance_read", "event", event.id, None)
    db.session.commit()
    expected = set(expected_member_ids(event))
    checkins = {c.member_id: c for c in db.session.execute(
        select(Checkin).where(Checkin.event_id == event.id).order_by(Checkin.checked_in_at)).scalars()}
    leaves = {lv.member_id: lv for lv in db.session.execute(
        select(LeaveRequest).where(LeaveRequest.event_id == event.id)).scalars()}
    ids = expected | set(checkins) | set(leaves)
    members = {m.id: m for m in db.session.execute(select(Member).where(Member.id.in_(ids))).scalars()} if ids else {}

    def row(member_id):
        c, lv = checkins.get(member_id), leaves.get(member_id)
        return {
            "member": members[member_id],
            "checked_in_at": c.checked_in_at if c else None, "late": c.late if c else None,
            "manual": c.manual if c else None, "manual_reason": c.reason if c else None,
            "leave_reason": lv.reason if lv else None, "leave_status": lv.status if lv else None,
        }

    present = [row(mid) for mid in checkins]
    on_leave = [row(mid) for mid, lv in leaves.items() if mid not in checkins and lv.status == "approved"]
    excused = {r["member"].id for r in on_leave}
    absent = sorted((row(mid) for mid in expected - set(checkins) - excused), key=lambda r: r["member"].id)
    on_leave.sort(key=lambda r: r["member"].id)
    return Attendance(event, len(expected), present, on_leave, absent)
