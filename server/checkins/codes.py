"""The rotating check-in code shown at the venue: `<event_id>.<expiry>.<signature>`, at most 32 characters.

The token is the mini-program code's `scene` (WeChat allows at most 32 visible characters), so it is
compact: the event id in decimal (the mini-program reads it before the first dot), the expiry as a
base-36 Unix time, and a truncated HMAC-SHA256 under a key derived from SECRET_KEY, in base64url.
Nothing is stored: any worker can check a token, and rotation writes nothing to the database.
Codes are issued in 30-second steps, each valid until the end of the next step (30 to 60 s).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import time

from flask import current_app

MAX_LENGTH = 32
STEP_S = 30
MAX_VALID_S = 2 * STEP_S
_MIN_SIGNATURE = 12  # base64url characters: 72 bits, plenty for a code that lives a minute
_MAX_SIGNATURE = 22


def clock() -> float:
    """The current Unix time (tests replace this to move time)."""
    return time.time()


def _key() -> bytes:
    return _derived_key(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=8)
def _derived_key(secret: str) -> bytes:
    """The code key for an app's SECRET_KEY, derived once (every check-in verifies a code)."""
    return hmac.new(secret.encode(), b"checkin-code-v1", hashlib.sha256).digest()


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def _signature(prefix: str) -> str:
    length = min(_MAX_SIGNATURE, MAX_LENGTH - len(prefix) - 1)
    if length < _MIN_SIGNATURE:
        raise ValueError("event id too long for a 32-character check-in code")
    mac = hmac.new(_key(), prefix.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")[:length]


def issue(event_id: int, now: float | None = None) -> tuple[str, int]:
    """A fresh code for an event and the seconds it stays valid."""
    now = clock() if now is None else now
    expires = (int(now) // STEP_S + 2) * STEP_S
    prefix = f"{event_id}.{_b36(expires)}"
    return f"{prefix}.{_signature(prefix)}", expires - int(now)


def event_id_of(token: str) -> int | None:
    """The event id a code names (before the first dot), or None when malformed."""
    head = token.split(".", 1)[0] if isinstance(token, str) else ""
    return int(head) if head.isdigit() and len(head) <= 12 else None


def verify(token: str, event_id: int, now: float | None = None) -> bool:
    """Whether the code is genuine, for this event, and not expired."""
    if not isinstance(token, str) or len(token) > MAX_LENGTH:
        return False
    parts = token.split(".")
    if len(parts) != 3 or event_id_of(token) != event_id:
        return False
    prefix = f"{parts[0]}.{parts[1]}"
    try:
        expected = _signature(prefix)
        expires = int(parts[1], 36)
    except ValueError:
        return False
    if not hmac.compare_digest(expected.encode(), parts[2].encode()):
        return False
    now = clock() if now is None else now
    return now < expires <= now + MAX_VALID_S
