"""Webhook delivery: one key at a time, batch after batch in seq order, at least once.

A batch is (delivered_seq, last_seq] of the key's scope. The cursor `delivered_seq` moves only after
the receiver answered 2xx, so a crash between sending and recording re-sends the same batch (the
receiver dedupes by seq). Failures back off exponentially with jitter; after SYNC_PUSH_MAX_ATTEMPTS
the batch becomes a dead letter and the key is parked (nothing later is sent) until a county admin
replays it: a township never receives a change before an earlier one.

One worker per key at a time holds a short lease (SYNC_PUSH_LEASE_S), renewed by a heartbeat while it
delivers and checked before each batch: a worker killed mid-delivery stops renewing, so another picks the
key up within one lease instead of a long lock's TTL.
"""
from __future__ import annotations

import json
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import update

from server.common.lease import Lease
from server.common.timeutil import utcnow
from server.extensions import db
from server.sync import sequencer
from server.sync.feed import change_out, read_changes
from server.sync.models import DeadLetter, SyncKey
from server.sync.targets import internal_host
from township_sync.signing import signed_headers

log = logging.getLogger(__name__)



def setting(name: str):
    return current_app.config[name]


@dataclass
class Outcome:
    """What a delivery run did: batches delivered, and when to try again (None: no retry needed)."""

    delivered: int = 0
    retry_in: float | None = None
    more: bool = False


class DeliveryFailed(Exception):
    """The receiver did not acknowledge a batch (timeout, connection error, non-2xx)."""


def backoff(failures: int) -> float:
    """Exponential back-off with full jitter in [0.5, 1.5) of the step, capped."""
    step = min(setting("SYNC_PUSH_BACKOFF_S") * 2 ** max(failures - 1, 0), setting("SYNC_PUSH_BACKOFF_MAX_S"))
    return step * (0.5 + random.random())


def send(key: SyncKey, after: int, changes: list[dict]) -> None:
    """POST one signed batch; raises DeliveryFailed unless the receiver answers 2xx."""
    import requests  # about 5 MB: loaded by the first call, not with the app

    # A fresh delivery id per attempt: a re-sent batch must not reuse a (single-use) signature.
    body = json.dumps({"key_id": key.key_id, "delivery_id": secrets.token_hex(12), "after": after,
                       "next": changes[-1]["seq"], "changes": changes},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    parts = urlsplit(key.webhook_url)
    if not current_app.config["SYNC_WEBHOOK_ALLOW_PRIVATE"] and internal_host(parts.hostname):
        # Checked again at delivery: the name may have been re-pointed inside the network since registration.
        raise DeliveryFailed("推送地址解析到内网或本机地址，已拒绝发送")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = signed_headers(key.key_id, key.secret, "POST", target, body)
    headers["Content-Type"] = "application/json; charset=utf-8"
    try:
        resp = requests.post(key.webhook_url, data=body, headers=headers, timeout=setting("SYNC_PUSH_TIMEOUT_S"),
                             allow_redirects=False)
    except requests.RequestException as err:
        raise DeliveryFailed(f"{type(err).__name__}: {err}"[:500]) from None
    if not 200 <= resp.status_code < 300:
        raise DeliveryFailed(f"HTTP {resp.status_code}: {resp.text[:200]}")


def advance_cursor(key_pk: int, old: int, new: int) -> bool:
    """Record an acknowledged batch; compare-and-set so a stale worker can never move the cursor."""
    moved = db.session.execute(
        update(SyncKey).where(SyncKey.id == key_pk, SyncKey.delivered_seq == old)
        .values(delivered_seq=new, push_failures=0, next_push_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(moved)


def record_failure(key: SyncKey, after: int, batch: list[dict], error: str) -> float | None:
    """Count a failed attempt; park the key with a dead letter after too many. Returns the retry delay."""
    key.push_failures += 1
    if key.push_failures >= setting("SYNC_PUSH_MAX_ATTEMPTS"):
        db.session.add(DeadLetter(sync_key_id=key.id, first_seq=batch[0]["seq"], last_seq=batch[-1]["seq"],
                                  changes=len(batch), attempts=key.push_failures, last_error=error))
        key.push_parked, key.next_push_at = True, None
        log.error("sync push to key %s dead-lettered after %s attempts: %s", key.key_id, key.push_failures, error)
        delay = None
    else:
        delay = backoff(key.push_failures)
        key.next_push_at = utcnow() + timedelta(seconds=delay)
        log.warning("sync push to key %s failed (attempt %s), retry in %.1fs: %s",
                    key.key_id, key.push_failures, delay, error)
    db.session.commit()
    return delay


def deliver(key_pk: int) -> Outcome:
    """Deliver the key's pending batches in order, holding its lease (no-op if another worker has it)."""
    lease = Lease(f"sync:push-lock:{key_pk}", setting("SYNC_PUSH_LEASE_S"))
    if not lease.acquire():
        return Outcome()
    try:
        return _deliver_leased(key_pk, lease)
    finally:
        db.session.rollback()
        lease.release()


def _deliver_leased(key_pk: int, lease: Lease) -> Outcome:
    outcome = Outcome()
    sequencer.sequence_pending()
    for _ in range(setting("SYNC_PUSH_BATCHES_PER_RUN")):
        if not lease.renew():
            # The heartbeat could not keep the lease: another worker may deliver now, so stop here.
            return outcome
        db.session.expire_all()
        key = db.session.get(SyncKey, key_pk)
        if key is None or key.revoked_at is not None or not key.webhook_url or key.push_parked:
            return outcome
        if key.next_push_at is not None and key.next_push_at > utcnow():
            # A retry is already scheduled (or the periodic sweep will pick the key up).
            return outcome
        after = key.delivered_seq
        batch = [change_out(c) for c in read_changes(key, after, setting("SYNC_PUSH_BATCH"))]
        if not batch:
            return outcome
        try:
            send(key, after, batch)
        except DeliveryFailed as err:
            outcome.retry_in = record_failure(key, after, batch, str(err))
            return outcome
        if not advance_cursor(key_pk, after, batch[-1]["seq"]):
            return outcome
        outcome.delivered += 1
    outcome.more = True
    return outcome
