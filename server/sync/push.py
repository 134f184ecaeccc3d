"""Webhook delivery: one key at a time, batch after batch in seq order, at least once.

A batch is (delivered_seq, last_seq] of the key's scope. The cursor `delivered_seq` moves only after
the receiver answered 2xx, so a crash between sending and recording re-sends the same batch (the
receiver dedupes by seq). Failures back off exponentially with jitter; after SYNC_PUSH_MAX_ATTEMPTS
the batch becomes a dead letter and the key is parked (nothing later is sent) until a county admin
replays it: a township never receives a change before an earlier one.
"""
from __future__ import annotations

import json
import logging
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy import update

from server.common.timeutil import utcnow
from server.extensions import db
from server.store import get_redis
from server.sync import sequencer
from server.sync.feed import change_out, read_changes
from server.sync.models import DeadLetter, SyncKey
from server.sync.targets import internal_host
from township_sync.signing import signed_headers

log = logging.getLogger(__name__)

LOCK_TTL_S = 600


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


def _acquire(key_pk: int) -> str | None:
    token = secrets.token_hex(8)
    return token if get_redis().set(f"sync:push-lock:{key_pk}", token, nx=True, ex=LOCK_TTL_S) else None


def _release(key_pk: int, token: str) -> None:
    """Delete the lock only if it is still ours (it may have expired and been taken)."""
    name = f"sync:push-lock:{key_pk}"
    with get_redis().pipeline() as pipe:
        try:
            pipe.watch(name)
            if pipe.get(name) == token.encode():
                pipe.multi()
                pipe.delete(name)
                pipe.execute()
        except Exception:  # noqa: BLE001 - a lost race on release only means the lock expires by TTL
            log.warning("could not release push lock of key %s", key_pk)


def send(key: SyncKey, after: int, changes: list[dict]) -> None:
    """POST one signed batch; raises DeliveryFailed unless the receiver answers 2xx."""
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


def _record_failure(key: SyncKey, after: int, batch: list[dict], error: str) -> float | None:
    """Count a failed attempt; park the key with a dead letter after too many. Returns the retry delay."""
    key.push_failures += 1
    if key.push_failures >= setting("SYNC_PUSH_MAX_ATTEMPTS"):
        db.session.add(DeadLetter(sync_key_id=key.id, first_seq=batch[0]["seq"], last_seq=batch[-1]["seq"],
                                  changes=len(batch), attempts=key.push_failures, last_error=error))
        key.push_parked, key.next_push_at = True, None
        log.error("sync push to key %s dead-lettered after %s attempts: %s", key.key_id, key.push_failures, error)
        db.session.commit()
        return None
    delay = backoff(key.push_failures)
    key.next_push_at = utcnow() + timedelta(seconds=delay)
    log.warning("sync push to key %s failed (attempt %s), retry in %.1fs: %s",
                key.key_id, key.push_failures, delay, error)
    db.session.commit()
    return delay


def deliver(key_pk: int) -> Outcome:
    """Deliver the key's pending batches in order, holding its Redis lock (no-op if another worker has it)."""
    token = _acquire(key_pk)
    if token is None:
        return Outcome()
    try:
        return _deliver_locked(key_pk)
    finally:
        db.session.rollback()
        _release(key_pk, token)


def _deliver_locked(key_pk: int) -> Outcome:
    outcome = Outcome()
    sequencer.sequence_pending()
    for _ in range(setting("SYNC_PUSH_BATCHES_PER_RUN")):
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
            outcome.retry_in = _record_failure(key, after, batch, str(err))
            return outcome
        if not advance_cursor(key_pk, after, batch[-1]["seq"]):
            return outcome
        outcome.delivered += 1
    outcome.more = True
    return outcome
