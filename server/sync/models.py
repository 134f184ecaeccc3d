"""The outbox: every change a township must know, written in the changing transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db

CHANGE_TYPES = (
    "member.upserted", "member.status_changed", "report.created", "checkin.created",
    "leave.created", "dues.paid", "dues.refunded", "standard.set",
)


class OutboxChange(db.Model):
    """One change. `seq` is given after commit by the sequencer (see docs/sync-ordering.md)."""

    __tablename__ = "outbox_changes"
    __table_args__ = (
        Index("ix_outbox_changes_unsequenced", "id", postgresql_where=text("seq IS NULL"), sqlite_where=text("seq IS NULL")),
        Index("ix_outbox_changes_township_seq", "township_id", "seq"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    type: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int | None] = mapped_column(index=True)
    township_id: Mapped[int | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)
