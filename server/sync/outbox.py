"""Recording changes for the townships, inside the caller's transaction."""
from __future__ import annotations

from datetime import datetime

from server.common.timeutil import utcnow
from server.extensions import db
from server.sync.models import CHANGE_TYPES, OutboxChange


def record_change(change_type: str, member, data: dict, at: datetime | None = None,
                  flush: bool = True) -> OutboxChange:
    """Add a change for `member`'s township to the current transaction (flushes, never commits).

    Bulk writers (the roster import) pass flush=False and flush once for the whole batch.
    """
    if change_type not in CHANGE_TYPES:
        raise ValueError(f"unknown change type {change_type}")
    change = OutboxChange(
        type=change_type, member_id=member.id, township_id=member.township_id,
        at=at or utcnow(), data=data,
    )
    db.session.add(change)
    if flush:
        db.session.flush([change])
    return change
