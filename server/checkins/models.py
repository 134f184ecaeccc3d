"""Meetings (events), their expected attendees, check-ins, leave requests and meeting reminders.

Coordinates (an event's geofence and a check-in's position) are GCJ-02, the system the mini-program's
`wx.getLocation({type: 'gcj02'})` returns; both sides use the same datum, so distances are comparable.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.timeutil import UTCDateTime, utcnow
from server.core.members import Member
from server.core.orgs import Branch
from server.extensions import db

EVENT_KINDS = {
    "branch_assembly": "支部党员大会",
    "committee": "支部委员会",
    "group": "党小组会",
    "lecture": "党课",
    "theme_day": "主题党日",
    "life_meeting": "组织生活会",
    "training": "学习培训",
    "volunteer": "志愿服务",
}
LEAVE_STATUSES = ("pending", "approved", "denied")


class Event(db.Model):
    """A meeting or activity of one mobile branch."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_branch_starts_at", "branch_id", "starts_at"),
        Index("ix_events_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str | None] = mapped_column(String(500))
    place_name: Mapped[str | None] = mapped_column(String(128))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chair: Mapped[str | None] = mapped_column(String(64))
    recorder: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(255))
    # Set once, when the expected attendees were frozen (at the start; see attendance.freeze_expected).
    expected_frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    branch: Mapped[Branch] = relationship()

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS.get(self.kind, self.kind)

    @property
    def phase(self) -> str:
        """Where the event stands now: upcoming, ongoing, ended (past its end) or cancelled."""
        if self.cancelled:
            return "cancelled"
        now = utcnow()
        return "upcoming" if now < self.starts_at else "ongoing" if now < self.ends_at else "ended"

    @property
    def phase_label(self) -> str:
        return EVENT_PHASES[self.phase]


EVENT_PHASES = {"upcoming": "未开始", "ongoing": "进行中", "ended": "已结束", "cancelled": "已取消"}


class ExpectedAttendee(db.Model):
    """Who was expected at an event, frozen when it started so later roster changes leave it alone."""

    __tablename__ = "event_expected_attendees"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class Checkin(db.Model):
    """A member's presence at an event: scanned on site, or entered by the secretary (manual)."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id", name="uq_checkins_event_member"),
        Index("ix_checkins_member_at", "member_id", "checked_in_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(255))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    event: Mapped[Event] = relationship()
    member: Mapped[Member] = relationship()


class LeaveRequest(db.Model):
    """A member's request to be excused from an event, and the secretary's decision."""

    __tablename__ = "leave_requests"
    __table_args__ = (UniqueConstraint("event_id", "member_id", name="uq_leave_requests_event_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    note: Mapped[str | None] = mapped_column(String(255))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    member: Mapped[Member] = relationship()


class Reminder(db.Model):
    """A meeting reminder sent (or tried) to one member for one event; never sent twice."""

    __tablename__ = "event_reminders"
    __table_args__ = (UniqueConstraint("event_id", "member_id", name="uq_event_reminders_event_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    # sending (claimed, call in flight or interrupted), sent, failed
    status: Mapped[str] = mapped_column(String(16), default="sending")
    errcode: Mapped[int | None] = mapped_column(Integer)
    errmsg: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
