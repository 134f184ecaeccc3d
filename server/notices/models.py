"""Notices a county, township or branch publishes, who has read them, and the subscribe messages sent.

A notice names its audience by `audience_type` and the one org it addresses; `township_id` is also set for
a branch notice (the township the branch belongs to), so a township admin's scope is one column.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db

AUDIENCE_TYPES = ("county", "township", "branch")


class Notice(db.Model):
    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_county_created", "county_id", "created_at"),
        Index("ix_notices_township_created", "township_id", "created_at"),
        Index("ix_notices_branch_created", "branch_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    audience_type: Mapped[str] = mapped_column(String(16))
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last day (Beijing time) members see it; None: no expiry.
    expires_on: Mapped[date | None] = mapped_column(Date)
    published_by: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    publisher: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeRead(db.Model):
    """A member opened a notice (one row per member and notice, however often they open it)."""

    __tablename__ = "notice_reads"
    __table_args__ = (UniqueConstraint("notice_id", "member_id", name="uq_notice_reads_notice_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeMessage(db.Model):
    """A subscribe message about a notice sent (or tried) to one member; never sent twice."""

    __tablename__ = "notice_messages"
    __table_args__ = (UniqueConstraint("notice_id", "member_id", name="uq_notice_messages_notice_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    template_id: Mapped[str] = mapped_column(String(64))
    # sending (claimed, call in flight or interrupted), sent, failed
    status: Mapped[str] = mapped_column(String(16), default="sending")
    errcode: Mapped[int | None] = mapped_column(Integer)
    errmsg: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
