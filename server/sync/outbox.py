"""Recording changes for the townships, inside the caller's transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from server.common.timeutil import utcnow
from server.extensions import db
from server.members.models import Member
from server.sync.models import CHANGE_TYPES, OutboxChange

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
