"""Sync services: keys, the change feed, the digest, webhooks and dead letters."""
from __future__ import annotations

import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select

from server.audit import service as audit
from server.common.pagination import paginate
from server.common.timeutil import isoformat, utcnow
from server.errors import Conflict, NotFound, Unprocessable
from server.extensions import db
from server.jobs import enqueue
from server.members.models import Member
from server.orgs.models import Township
from server.sync import sequencer
from server.sync.models import DeadLetter, OutboxChange, SyncKey
from township_sync.digest import digest_figures, net_by_payment

DIGEST_TYPES = ("checkin.created", "dues.paid", "dues.refunded")


# ---- keys ----------------------------------------------------------------------------------------

def create_key(township_id: int | None, label: str | None = None) -> tuple[SyncKey, str]:
    """A new key for one township (or the county when township_id is None); returns (key, secret)."""
    if township_id is not None and db.session.get(Township, township_id) is None:
        raise NotFound("找不到该乡镇")
    secret = secrets.token_urlsafe(32)
    key = SyncKey(key_id="sk_" + secrets.token_hex(10), secret=secret, township_id=township_id, label=label,
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


def scoped(query, key: SyncKey):
    """Limit an outbox query to the key's township (a county key sees everything)."""
    if key.township_id is not None:
        query = query.where(OutboxChange.township_id == key.township_id)
    return query


# ---- the change feed -----------------------------------------------------------------------------

def change_out(change: OutboxChange) -> dict:
    """A change as townships receive it."""
    return {"seq": change.seq, "type": change.type, "member_id": change.member_id,
            "township_id": change.township_id, "at": isoformat(change.at), "data": change.data}


def read_changes(key: SyncKey, after: int, limit: int) -> list[OutboxChange]:
    """Sequenced changes of the key's scope after a cursor, in seq order."""
    query = scoped(select(OutboxChange).where(OutboxChange.seq > after), key)
    return list(db.session.execute(query.order_by(OutboxChange.seq).limit(limit)).scalars())


def changes_page(key: SyncKey, after: int, limit: int) -> dict:
    """One page of the feed: {changes, next, more}; `next` is where to resume, always."""
    # Sequence what has committed so far; a busy sequencer means someone else is doing it.
    sequencer.sequence_soon()
    rows = read_changes(key, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"changes": [change_out(c) for c in rows], "next": rows[-1].seq if rows else after, "more": more}


# ---- the digest ----------------------------------------------------------------------------------

def digest(key: SyncKey, month: str) -> dict:
    """{members, checkins, paid_fen, hash, through_seq} over the key's scope for one month."""
    sequencer.sequence_pending()
    through = db.session.execute(scoped(select(func.coalesce(func.max(OutboxChange.seq), 0)), key)).scalar_one()
    members_query = select(Member.id, Member.status)
    if key.township_id is not None:
        members_query = members_query.where(Member.township_id == key.township_id)
    members = [(row.id, row.status) for row in db.session.execute(members_query)]
    rows = [(row.type, row.data) for row in db.session.execute(scoped(
        select(OutboxChange.type, OutboxChange.data)
        .where(OutboxChange.digest_month == month, OutboxChange.type.in_(DIGEST_TYPES),
               OutboxChange.seq.is_not(None), OutboxChange.seq <= through), key))]
    checkin_ids = {data["checkin_id"] for change_type, data in rows if change_type == "checkin.created"}
    payments = net_by_payment(rows)
    db.session.rollback()
    return {"month": month, **digest_figures(members, checkin_ids, payments), "through_seq": through}


# ---- push targets --------------------------------------------------------------------------------

def validate_webhook_url(url: str) -> str:
    """An absolute http(s) URL without credentials."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or len(url) > 512 or any(c.isspace() for c in url):
        raise Unprocessable("推送地址应为 http:// 或 https:// 开头的完整网址", code="validation_error",
                            errors={"url": ["推送地址应为 http:// 或 https:// 开头的完整网址"]})
    try:
        parts.port
    except ValueError:
        raise Unprocessable("推送地址端口不正确", errors={"url": ["端口不正确"]}) from None
    if not current_app.config["SYNC_WEBHOOK_ALLOW_PRIVATE"] and internal_host(parts.hostname):
        # A township key must not make this server call into its own network (SSRF).
        raise Unprocessable("推送地址不能指向内网或本机", errors={"url": ["推送地址不能指向内网或本机"]})
    return url


def internal_host(hostname: str) -> bool:
    """Whether a host is, or resolves to, a loopback, private, link-local or otherwise non-public address."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except (socket.gaierror, UnicodeError):
        return True
    return any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses)


def set_webhook(key: SyncKey, url: str) -> SyncKey:
    """Register (or change) the key's push target and start delivering to it."""
    key.webhook_url = validate_webhook_url(url)
    key.next_push_at = None
    key.push_failures = 0
    audit.record("sync.webhook_set", "sync_key", key.key_id, {"url": key.webhook_url}, actor=("sync_key", key.key_id))
    db.session.commit()
    from server.sync import tasks

    enqueue(tasks.deliver_key, key.id)
    return key


# ---- dead letters --------------------------------------------------------------------------------

def dead_letters(page: int, per_page: int) -> dict:
    """Dead-lettered push batches, newest first (county admin)."""
    return paginate(select(DeadLetter).order_by(DeadLetter.id.desc()), page, per_page)


def replay_dead_letter(dead_letter_id: int, actor: str) -> DeadLetter:
    """Unpark the key and deliver again from the dead-lettered batch, in order."""
    letter = db.session.get(DeadLetter, dead_letter_id, with_for_update=True)
    if letter is None:
        raise NotFound("找不到该死信记录")
    if letter.replayed_at is not None:
        raise Conflict("该批次已经重新投递过", code="already_replayed")
    key = db.session.get(SyncKey, letter.sync_key_id, with_for_update=True)
    if key.revoked_at is not None:
        raise Conflict("该同步密钥已停用，无法重新投递", code="sync_key_revoked")
    letter.replayed_at, letter.replayed_by = utcnow(), actor
    key.push_parked, key.push_failures, key.next_push_at = False, 0, None
    audit.record("sync.dead_letter_replayed", "sync_dead_letter", letter.id,
                 {"key_id": key.key_id, "first_seq": letter.first_seq, "last_seq": letter.last_seq})
    db.session.commit()
    from server.sync import tasks

    enqueue(tasks.deliver_key, key.id)
    return letter
