"""The sync signature (CONTRACT §8): the one implementation the service and the township client share.

    signature = hex(HMAC-SHA256(secret, METHOD + "\\n" + path_with_query + "\\n" + timestamp
                                [+ "\\n" + X-Sync-Body-SHA256]))

A request or push with a body carries `X-Sync-Body-SHA256` (the hex SHA-256 of the body) and signs it as
the fourth line, so the body cannot be altered in transit; a body without it, or not matching it, is refused.
Pure functions only (no Flask, no I/O): the caller looks the key up and remembers used signatures.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

MAX_SKEW_S = 300


class SignatureError(Exception):
    """A request or push whose signature does not hold; `message` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def body_sha256(body: bytes) -> str:
    """hex SHA-256 of a body, as sent in X-Sync-Body-SHA256."""
    return hashlib.sha256(body).hexdigest()


def canonical(method: str, path_with_query: str, timestamp: str, body_hash: str | None = None) -> str:
    """The signed string."""
    lines = [method.upper(), path_with_query, timestamp]
    if body_hash is not None:
        lines.append(body_hash)
    return "\n".join(lines)


def sign(secret: str, method: str, path_with_query: str, timestamp: str, body_hash: str | None = None) -> str:
    """hex HMAC-SHA256 of the signed string under the secret's UTF-8 bytes."""
    message = canonical(method, path_with_query, timestamp, body_hash)
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_headers(key_id: str, secret: str, method: str, path_with_query: str, body: bytes | None = None,
                   now: float | None = None) -> dict[str, str]:
    """The X-Sync-* headers of an outgoing request or push; a body is hashed and signed too."""
    timestamp = str(int(time.time() if now is None else now))
    headers = {"X-Sync-Key": key_id, "X-Sync-Timestamp": timestamp}
    body_hash = None
    if body:
        body_hash = headers["X-Sync-Body-SHA256"] = body_sha256(body)
    headers["X-Sync-Signature"] = sign(secret, method, path_with_query, timestamp, body_hash)
    return headers


def same(a: str, b: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII header junk."""
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))


def verify(secret: str, method: str, path_with_query: str, headers: Mapping, body: bytes, now: float | None = None,
           max_skew_s: int = MAX_SKEW_S) -> str:
    """Check a signed request or push against the key's secret; returns the signature (to refuse its reuse).

    Raises SignatureError for a clock too far off, a body without its hash or not matching it, or a wrong
    signature. The key id and the replay memory are the caller's.
    """
    timestamp = headers.get("X-Sync-Timestamp") or ""
    given = (headers.get("X-Sync-Signature") or "").strip().lower()
    now = time.time() if now is None else now
    if not timestamp.isdigit() or abs(now - int(timestamp)) > max_skew_s:
        raise SignatureError("请求时间与服务器相差超过 5 分钟，请校准时钟")
    body_hash = headers.get("X-Sync-Body-SHA256")
    if body_hash is not None:
        body_hash = body_hash.strip().lower()
        if not same(body_hash, body_sha256(body)):
            raise SignatureError("请求体摘要不符（X-Sync-Body-SHA256）")
    elif body:
        raise SignatureError("带请求体的请求须带 X-Sync-Body-SHA256 并签名")
    if not same(sign(secret, method, path_with_query, timestamp, body_hash), given):
        raise SignatureError("同步签名不正确")
    return given
