"""The sequencer: gives committed outbox rows their `seq`, in one short locked transaction.

Writers insert with `seq = NULL` and never wait for each other. Only this function assigns `seq`,
one run at a time (a PostgreSQL transaction-level advisory lock; SQLite serializes writers itself),
and only to rows that are already committed, so a newly assigned seq is always greater than every
seq any reader can already see. The full argument is in docs/sync-ordering.md.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from server.core.outbox import OutboxChange
from server.extensions import db
from server.store import get_redis

# pg_try_advisory_xact_lock key: "outbox" in ASCII, so it never collides with another feature's lock.
ADVISORY_LOCK_KEY = 0x6F7574626F78
BATCH = 5000


def has_pending() -> bool:
    """Whether any committed row waits for a seq (one probe of a partial index)."""
    return db.session.execute(
        select(OutboxChange.id).where(OutboxChange.seq.is_(None)).limit(1)
    ).first() is not None


def sequence_soon() -> None:
    """Sequence before a read, at most once per SYNC_SEQUENCE_DEBOUNCE_MS across all processes.

    Readers only ever read sequenced rows, so skipping a run costs freshness (a few hundred ms,
    and the worker sequences every 5 s anyway), never correctness; it keeps a crowd of pullers from
    all probing the outbox at once.
    """
    debounce_ms = current_app.config["SYNC_SEQUENCE_DEBOUNCE_MS"]
    if debounce_ms and not get_redis().set("sync:sequencer-ran", "1", nx=True, px=debounce_ms):
        return
    sequence_pending()


def sequence_pending(max_batches: int = 100) -> int | None:
    """Sequence committed rows; the number sequenced, or None when another sequencer holds the lock.

    Runs its own short transactions (one per batch of BATCH rows); callers must not have
    uncommitted work in the session.
    """
    if not has_pending():
        db.session.rollback()
        return 0
    total = 0
    for _ in range(max_batches):
        try:
            done = _sequence_batch()
        except OperationalError:
            # SQLite reports a competing writer as "database is locked": as busy as a held lock.
            db.session.rollback()
            if db.engine.dialect.name != "sqlite":
                raise
            return total or None
        if done is None:
            return total or None
        total += done
        if done < BATCH:
            break
    return total


_ASSIGN = text("""
    UPDATE outbox_changes SET seq = numbered.new_seq
    FROM (
        SELECT id, (SELECT COALESCE(MAX(seq), 0) FROM outbox_changes) + ROW_NUMBER() OVER (ORDER BY id) AS new_seq
        FROM (SELECT id FROM outbox_changes WHERE seq IS NULL ORDER BY id LIMIT :batch) AS pending
    ) AS numbered
    WHERE outbox_changes.id = numbered.id
""")


def _sequence_batch() -> int | None:
    session = db.session
    try:
        if session.get_bind().dialect.name == "postgresql":
            # Read committed: every statement after the lock sees every sequencer commit before it.
            got = session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar()
            if not got:
                session.rollback()
                return None
        # One statement numbers the oldest committed unsequenced rows after the highest seq so far.
        assigned = session.execute(_ASSIGN, {"batch": BATCH}).rowcount
        if not assigned:
            session.rollback()
            return 0
        session.commit()
        return assigned
    except BaseException:
        session.rollback()
        raise
