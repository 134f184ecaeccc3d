"""Sync jobs: sequencing and webhook delivery on the RQ worker."""
from __future__ import annotations

from sqlalchemy import or_, select

from server.common.timeutil import utcnow
from server.extensions import db
from server.jobs import enqueue, periodic
from server.sync import push, sequencer
from server.sync.models import SyncKey


def deliver_key(key_pk: int) -> None:
    """Deliver one key's pending batches; schedule the retry or the next run."""
    outcome = push.deliver(key_pk)
    if outcome.more:
        enqueue(deliver_key, key_pk)
    elif outcome.retry_in is not None:
        enqueue(deliver_key, key_pk, delay_s=outcome.retry_in)


@periodic(15)
def push_due() -> None:
    """Sequence new changes and start a delivery for every key with a due push target."""
    sequencer.sequence_pending()
    now = utcnow()
    due = db.session.execute(
        select(SyncKey.id).where(
            SyncKey.revoked_at.is_(None), SyncKey.webhook_url.is_not(None), SyncKey.push_parked.is_(False),
            or_(SyncKey.next_push_at.is_(None), SyncKey.next_push_at <= now),
        ).order_by(SyncKey.id)
    ).scalars().all()
    db.session.rollback()
    for key_pk in due:
        enqueue(deliver_key, key_pk)


@periodic(5)
def sequence_outbox() -> None:
    """Keep the outbox sequenced even when nobody pulls (pushes and digests stay fresh)."""
    sequencer.sequence_pending()
