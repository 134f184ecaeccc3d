"""HMAC request signatures for the sync API and its pushes (CONTRACT §8, docs/sync-api.md).

signature = hex(HMAC-SHA256(secret, METHOD + "\n" + path_with_query + "\n" + timestamp
                            [+ "\n" + X-Sync-Body-SHA256]))

The fourth line is present exactly when the request carries `X-Sync-Body-SHA256` (the hex SHA-256
of the body); pushes always carry it, so their bodies are signed too.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from functools import wraps
from urllib.parse import quote

from flask import g, request
from sqlalchemy import select

from server.errors import Unauthorized
from server.extensions import db
from server.store import get_redis
from server.sync.models import SyncKey

MAX_SKEW_S = 300
# A used signature is remembered a little longer than it could be accepted.
REPLAY_WINDOW_S = 2 * MAX_SKEW_S + 60


def canonical(method: str, path_with_query: str, timestamp: str, body_sha256: str | None = None) -> str:
    """The signed string."""
    lines = [method.upper(), path_with_query, timestamp]
    if body_sha256 is not None:
        lines.append(body_sha256)
    return "\n".join(lines)


def signature(secret: str, message: str) -> str:
    """hex HMAC-SHA256 of message under the secret's UTF-8 bytes."""
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_headers(key_id: str, secret: str, method: str, path_with_query: str, body: bytes | None = None,
                   now: float | None = None) -> dict[str, str]:
    """The X-Sync-* headers for an outgoing request (pushes sign their body)."""
    timestamp = str(int(time.time() if now is None else now))
    headers = {"X-Sync-Key": key_id, "X-Sync-Timestamp": timestamp}
    body_sha256 = None
    if body is not None:
        body_sha256 = headers["X-Sync-Body-SHA256"] = hashlib.sha256(body).hexdigest()
    headers["X-Sync-Signature"] = signature(secret, canonical(method, path_with_query, timestamp, body_sha256))
    return headers


def _path_with_query() -> str:
    """The request target exactly as the client sent it (the server may have decoded the path)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        return raw
    path = quote(request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def _same(a: str, b: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII header junk."""
    return hmac.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))


def _refuse(message: str) -> Unauthorized:
    return Unauthorized(message, code="sync_auth_failed")


def authenticate() -> SyncKey:
    """The live key that signed this request, or 401 sync_auth_failed."""
    key_id = request.headers.get("X-Sync-Key", "")
    timestamp = request.headers.get("X-Sync-Timestamp", "")
    given = request.headers.get("X-Sync-Signature", "").strip().lower()
    if not key_id or not timestamp or not given or len(key_id) > 40 or len(given) > 128:
        raise _refuse("缺少同步签名请求头（X-Sync-Key、X-Sync-Timestamp、X-Sync-Signature）")
    key = db.session.execute(select(SyncKey).where(SyncKey.key_id == key_id)).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        raise _refuse("同步密钥无效或已停用")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW_S:
        raise _refuse("请求时间与服务器相差超过 5 分钟，请校准时钟")
    body_sha256 = request.headers.get("X-Sync-Body-SHA256")
    if body_sha256 is not None:
        body_sha256 = body_sha256.strip().lower()
        if not _same(body_sha256, hashlib.sha256(request.get_data()).hexdigest()):
            raise _refuse("请求体摘要不符")
    expected = signature(key.secret, canonical(request.method, _path_with_query(), timestamp, body_sha256))
    if not _same(expected, given):
        raise _refuse("同步签名不正确")
    if not get_redis().set(f"sync:sig:{key.key_id}:{given}", "1", nx=True, ex=REPLAY_WINDOW_S):
        raise _refuse("该签名已被使用过，请重新签名")
    return key


def sync_signed(view):
    """Require a signed sync request before anything else is parsed; sets g.sync_key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.sync_key = authenticate()
        return view(*args, **kwargs)

    return wrapper
