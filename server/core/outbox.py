"""The outbox: every change a township must know, written inside the caller's transaction.

The sync feature reads it (and gives rows their `seq`); every feature writes it through `record_change`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime, utcnow
from server.core.members import Member
from server.extensions import db

CHANGE_TYPES = (
    "member.upserted", "member.status_changed", "report.created", "checkin.created",
    "leave.created", "dues.paid", "dues.refunded", "standard.set", "evaluation.recorded",
    "report.updated", "certificate.recorded",
)


class OutboxChange(db.Model):
    """One change. `seq` is given after commit by the sequencer (see docs/sync-ordering.md)."""

    __tablename__ = "outbox_changes"
    __table_args__ = (
        Index("ix_outbox_changes_unsequenced", "id", postgresql_where=text("seq IS NULL"), sqlite_where=text("seq IS NULL")),
        Index("ix_outbox_changes_township_seq", "township_id", "seq"),
        Index("ix_outbox_changes_digest", "digest_month", "type", "township_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    type: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[int | None] = mapped_column(index=True)
    township_id: Mapped[int | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)
    # The month the digest counts this change in (event_month / paid_month of the payload), so the
    # digest reads an index instead of every payload of a township.
    digest_month: Mapped[str | None] = mapped_column(String(7))



# Which payload field places a change in a digest month (docs/changes.md).
_DIGEST_MONTH_FIELD = {"checkin.created": "event_month", "dues.paid": "paid_month", "dues.refunded": "paid_month"}


def record_change(change_type: str, member, data: dict, at: datetime | None = None,
                  flush: bool = True, township_id: int | None = None) -> OutboxChange:
    """Add a change for `member`'s township to the current transaction (flushes, never commits).

    The member row is locked first (FOR NO KEY UPDATE: the lock an UPDATE of the member takes, which
    does not conflict with foreign-key checks), so two transactions changing the same member insert
    their outbox rows in the order they commit (docs/sync-ordering.md, "per-member order").
    Bulk writers (the roster import) pass flush=False: they update the member rows themselves in
    the same transaction (which takes the same lock) and flush once for the whole batch.
    `township_id` addresses the change to another township than the member's own: a member who moved
    away is announced to the township they left (docs/changes.md).
    """
    if change_type not in CHANGE_TYPES:
        raise ValueError(f"unknown change type {change_type}")
    if flush and member.id is not None:
        db.session.execute(select(Member.id).where(Member.id == member.id).with_for_update(key_share=True))
    field = _DIGEST_MONTH_FIELD.get(change_type)
    change = OutboxChange(
        type=change_type, member_id=member.id, township_id=township_id or member.township_id,
        at=at or utcnow(), data=data, digest_month=data.get(field) if field else None,
    )
    db.session.add(change)
    if flush:
        db.session.flush()
    return change
