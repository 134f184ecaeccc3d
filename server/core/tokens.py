"""Opaque, revocable bearer tokens kept in Redis (only their hash is stored)."""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field

from server.common import ratelimit
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


# The token's principal and, for a bound member, one more event on the counter ARGV[1] .. member_id (expiring
# after ARGV[2] seconds when new), in one round trip; `ratelimit.hit` semantics.
_RESOLVE_AND_COUNT = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {false, 0} end
local member = string.match(raw, '"member_id": (%d+)')
if not member then return {raw, 0} end
local key = ARGV[1] .. member
local count = redis.call('INCR', key)
if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, ARGV[2]) end
return {raw, count}
"""


def resolve(token: str, counting: tuple[str, int] | None = None) -> Principal | None:
    """The principal behind a token, or None if unknown, expired or revoked.

    `counting` (name, window_s): also count one event on the member's rate-limit counter `<name>:<member_id>`
    in the same round trip; the request's `ratelimit.hit` of that key then returns this count."""
    if not token or len(token) > 128:
        return None
    token_hash = _hash(token)
    if counting is None:
        raw = get_redis().get(_key(token_hash))
    else:
        raw, count = get_redis().eval(_RESOLVE_AND_COUNT, 1, _key(token_hash),
                                      ratelimit.counter_key(f"{counting[0]}:"), counting[1])
    if raw is None:
        return None
    principal = Principal(**json.loads(raw), token_hash=token_hash)
    if counting is not None and principal.member_id is not None:
        ratelimit.counted_ahead(f"{counting[0]}:{principal.member_id}", int(count))
    return principal


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
