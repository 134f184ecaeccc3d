"""Sync services: keys, push targets and dead letters (the feed and the digest are in feed.py)."""
from __future__ import annotations

import secrets

from sqlalchemy import select

from server.common.pagination import paginate
from server.common.timeutil import utcnow
from server.core import audit
from server.core.accounts import actor_name
from server.core.orgs import Township, default_county
from server.core.tokens import Principal
from server.errors import Conflict, NotFound, Unprocessable
from server.extensions import db
from server.jobs import enqueue
from server.sync import tasks
from server.sync.models import DeadLetter, SyncKey
from server.sync.targets import validate_webhook_url

DIGEST_TYPES = ("checkin.created", "dues.paid", "dues.refunded")


# ---- keys ----------------------------------------------------------------------------------------

def create_key(township_id: int | None, label: str | None = None) -> tuple[SyncKey, str]:
    """A new key for one township (or the county when township_id is None); returns (key, secret)."""
    if township_id is not None and db.session.get(Township, township_id) is None:
        raise NotFound("找不到该乡镇")
    try:
        county_id = None if township_id is not None else default_county().id
    except LookupError as err:
        raise Unprocessable(str(err)) from None
    secret = secrets.token_urlsafe(32)
    key = SyncKey(key_id="sk_" + secrets.token_hex(10), secret=secret, township_id=township_id,
                  county_id=county_id, label=label,
                  delivered_seq=0, push_failures=0, push_parked=False)
    db.session.add(key)
    db.session.flush()
    audit.record("sync.key_created", "sync_key", key.key_id, {"township_id": township_id, "label": label},
                 actor=("cli", None))
    db.session.commit()
    return key, secret


def revoke_key(key_id: str) -> SyncKey:
    """Stop a key at once (its pulls and pushes)."""
    key = db.session.execute(select(SyncKey).where(SyncKey.key_id == key_id)).scalar_one_or_none()
    if key is None:
        raise NotFound("找不到该同步密钥")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record("sync.key_revoked", "sync_key", key.key_id, None, actor=("cli", None))
    db.session.commit()
    return key


def list_keys() -> list[SyncKey]:
    """Every key, oldest first."""
    return list(db.session.execute(select(SyncKey).order_by(SyncKey.id)).scalars())


# ---- push targets --------------------------------------------------------------------------------

def set_webhook(key: SyncKey, url: str) -> SyncKey:
    """Register (or change) the key's push target and start delivering to it."""
    key.webhook_url = validate_webhook_url(url)
    key.next_push_at = None
    key.push_failures = 0
    audit.record("sync.webhook_set", "sync_key", key.key_id, {"url": key.webhook_url}, actor=("sync_key", key.key_id))
    db.session.commit()
    enqueue(tasks.deliver_key, key.id)
    return key


# ---- dead letters --------------------------------------------------------------------------------

def dead_letters(page: int, per_page: int) -> dict:
    """Dead-lettered push batches, newest first (county admin); they hold members' changes, so the read is audited."""
    result = paginate(select(DeadLetter).order_by(DeadLetter.id.desc()), page, per_page)
    audit.record("sync.dead_letters_read", "sync_dead_letter", None,
                 {"page": page, "ids": [letter.id for letter in result["items"]]})
    db.session.commit()
    return result


def replay_dead_letter(dead_letter_id: int, principal: Principal) -> DeadLetter:
    """Unpark the key and deliver again from the dead-lettered batch, in order."""
    letter = db.session.get(DeadLetter, dead_letter_id, with_for_update=True)
    if letter is None:
        raise NotFound("找不到该死信记录")
    if letter.replayed_at is not None:
        raise Conflict("该批次已经重新投递过", code="already_replayed")
    key = db.session.get(SyncKey, letter.sync_key_id, with_for_update=True)
    if key.revoked_at is not None:
        raise Conflict("该同步密钥已停用，无法重新投递", code="sync_key_revoked")
    letter.replayed_at, letter.replayed_by = utcnow(), actor_name(principal)
    key.push_parked, key.push_failures, key.next_push_at = False, 0, None
    audit.record("sync.dead_letter_replayed", "sync_dead_letter", letter.id,
                 {"key_id": key.key_id, "first_seq": letter.first_seq, "last_seq": letter.last_seq})
    db.session.commit()
    enqueue(tasks.deliver_key, key.id)
    return letter
