"""Dashboard roll-ups kept from the outbox, and lost-contact flags awaiting a secretary.

The roll-up tables are derived data: `server.dashboard.rollup` maintains them from `outbox_changes`
and the dashboard reads them instead of scanning check-ins, reports or payments.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.timeutil import UTCDateTime, utcnow
from server.core.members import Member
from server.extensions import db

FLAG_STATES = ("open", "confirmed", "dismissed")


class RollupCursor(db.Model):
    """How far the roll-up has read the outbox: every id <= high_water is applied, except open gaps."""

    __tablename__ = "rollup_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    high_water: Mapped[int] = mapped_column(BigInteger, default=0)
    applied: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RollupGap(db.Model):
    """An outbox id below the high-water mark not yet seen: a transaction still open, or rolled back."""

    __tablename__ = "rollup_gaps"

    outbox_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                           autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RollupMember(db.Model):
    """A member's organisation and status as the roll-up has applied them (outbox order)."""

    __tablename__ = "rollup_members"

    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    township_id: Mapped[int] = mapped_column()
    branch_id: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))


class MemberMonthActivity(db.Model):
    """What one member did in one month; a flag is "at least once" (count > 0)."""

    __tablename__ = "member_month_activity"

    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    reports: Mapped[int] = mapped_column(default=0)
    checkins: Mapped[int] = mapped_column(default=0)
    # Monthly-dues orders paid in this month, net of refunds.
    paid_orders: Mapped[int] = mapped_column(default=0)


class BranchMonthStats(db.Model):
    """Figures of one mobile branch in one month; a township's figures are the sum of its branches.

    `*_members` count distinct members whose roll-up status is active; `checkins`, `paid_fen`,
    `special_fen` and `refunded_fen` are volumes (every check-in, every fen, whatever the status).
    """

    __tablename__ = "branch_month_stats"
    __table_args__ = (
        Index("ix_branch_month_stats_month_township", "month", "township_id"),
        Index("ix_branch_month_stats_township_month", "township_id", "month"),
    )

    township_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    branch_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    reported_members: Mapped[int] = mapped_column(default=0)
    checkin_members: Mapped[int] = mapped_column(default=0)
    paid_members: Mapped[int] = mapped_column(default=0)
    checkins: Mapped[int] = mapped_column(default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    special_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class LostContactFlag(db.Model):
    """A member with no report, check-in or payment for six months, for their secretary to confirm."""

    __tablename__ = "lost_contact_flags"
    __table_args__ = (
        Index("uq_lost_contact_flags_open_member", "member_id", unique=True,
              postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'")),
        Index("ix_lost_contact_flags_township_state", "township_id", "state"),
        Index("ix_lost_contact_flags_branch_state", "branch_id", "state"),
        Index("ix_lost_contact_flags_member_resolved", "member_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    township_id: Mapped[int] = mapped_column()
    branch_id: Mapped[int] = mapped_column()
    # The last sign of life the job saw (last_activity_at, or created_at when there was none).
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="open")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(255))

    member: Mapped[Member] = relationship()
