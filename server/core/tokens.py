"""Opaque, revocable bearer tokens kept in Redis (only their hash is stored)."""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field

from server.store import get_redis

MEMBER_TOKEN_TTL = 7 * 24 * 3600
STAFF_TOKEN_TTL = 12 * 3600


@dataclass
class Principal:
    """Who is calling: a WeChat account (kind "wechat") or a staff user (kind "staff")."""

    kind: str
    subject_id: int
    roles: list[str] = field(default_factory=list)
    member_id: int | None = None
    scope_id: int | None = None
    token_hash: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def staff_role(self) -> str | None:
        return self.roles[0] if self.is_staff and self.roles else None


def _key(token_hash: str) -> str:
    return f"token:{token_hash}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(principal: Principal, ttl: int) -> str:
    """Store a principal under a fresh random token and return the token."""
    token = secrets.token_urlsafe(32)
    data = asdict(principal)
    data.pop("token_hash", None)
    get_redis().set(_key(_hash(token)), json.dumps(data), ex=ttl)
    return token


def resolve(token: str) -> Principal | None:
    """The principal behind a token, or None if unknown, expired or revoked."""
    if not token or len(token) > 128:
        return None
    token_hash = _hash(token)
    raw = get_redis().get(_key(token_hash))
    if raw is None:
        return None
    return Principal(**json.loads(raw), token_hash=token_hash)


def update(principal: Principal) -> None:
    """Rewrite a live token's principal (e.g. after binding), keeping its expiry."""
    r = get_redis()
    key = _key(principal.token_hash)
    ttl = r.ttl(key)
    if ttl and ttl > 0:
        data = asdict(principal)
        data.pop("token_hash", None)
        r.set(key, json.dumps(data), ex=ttl)


def revoke(principal: Principal) -> None:
    """Make this one token stop working at once."""
    get_redis().delete(_key(principal.token_hash))
