"""Fixed-window counters in Redis for login, bind, check-in and other abuse-prone calls.

On the hot paths (check-in, report-in) the counter is bumped in the same Redis round trip as the token look-up
(`server.core.tokens.resolve` with `counting`); the count is kept for the request (`counted_ahead`) and `hit`
uses it instead of asking Redis again.
"""
from __future__ import annotations

from flask import g, has_request_context, request

from server.errors import RateLimited
from server.store import get_redis

_AHEAD = "ratelimit_ahead"


def counter_key(key: str) -> str:
    return f"rl:{key}"


def counted_ahead(key: str, count: int) -> None:
    """Keep a count taken for this request with another Redis command; the request's `hit(key)` returns it."""
    setattr(g, _AHEAD, (request._get_current_object(), {key: count}))


def _take_ahead(key: str) -> int | None:
    if not has_request_context():
        return None
    owner, counts = g.get(_AHEAD, (None, {}))
    return counts.pop(key, None) if owner is request._get_current_object() else None


def hit(key: str, window_s: int) -> int:
    """Count one event in the window and return the count so far."""
    ahead = _take_ahead(key)
    if ahead is not None:
        return ahead
    r = get_redis()
    pipe = r.pipeline()
    pipe.incr(f"rl:{key}")
    pipe.expire(f"rl:{key}", window_s, nx=True)
    count, _ = pipe.execute()
    return int(count)


def count(key: str) -> int:
    """Events counted in the current window."""
    value = get_redis().get(f"rl:{key}")
    return int(value or 0)


def reset(key: str) -> None:
    """Forget a window (e.g. after a successful login)."""
    get_redis().delete(f"rl:{key}")


def reset_all(prefix: str) -> None:
    """Forget every window whose key starts with prefix (an operator lifting a lock; scans, so rare use only)."""
    r = get_redis()
    for name in r.scan_iter(match=f"rl:{prefix}*", count=500):
        r.delete(name)


def limit(key: str, max_events: int, window_s: int, message: str | None = None) -> None:
    """Count this event and refuse with 429 rate_limited once past max_events in the window."""
    if hit(key, window_s) > max_events:
        raise RateLimited(message)


def refuse_if_over(key: str, max_events: int, message: str | None = None) -> None:
    """Refuse with 429 when max_events were already counted (counting is done elsewhere)."""
    if count(key) >= max_events:
        raise RateLimited(message)


def undo(key: str) -> None:
    """Take back one counted event (a reserved attempt that turned out not to be a failure)."""
    r = get_redis()
    if r.decr(f"rl:{key}") <= 0:
        r.delete(f"rl:{key}")
