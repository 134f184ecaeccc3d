"""The service's side of the sync signature (CONTRACT §8, docs/sync-api.md): checking signed requests.

The signature itself (canonical string, HMAC, body hash) is township_sync.signing, the one implementation
the service and the township client share; this module adds what only the service has: the key lookup,
the request target as sent, and the replay memory in Redis.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from flask import g, request
from sqlalchemy import select

from server.errors import Unauthorized
from server.extensions import db
from server.store import get_redis
from server.sync.models import SyncKey
from township_sync.signing import MAX_SKEW_S, SignatureError, verify

# A used signature is remembered a little longer than it could be accepted.
REPLAY_WINDOW_S = 2 * MAX_SKEW_S + 60


def _path_with_query() -> str:
    """The request target exactly as the client sent it (the server may have decoded the path)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        return raw
    path = quote(request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    query = request.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def _refuse(message: str) -> Unauthorized:
    return Unauthorized(message, code="sync_auth_failed")


def authenticate() -> SyncKey:
    """The live key that signed this request, or 401 sync_auth_failed."""
    key_id = request.headers.get("X-Sync-Key", "")
    timestamp = request.headers.get("X-Sync-Timestamp", "")
    given = request.headers.get("X-Sync-Signature", "").strip()
    if not key_id or not timestamp or not given or len(key_id) > 40 or len(given) > 128:
        raise _refuse("缺少同步签名请求头（X-Sync-Key、X-Sync-Timestamp、X-Sync-Signature）")
    key = db.session.execute(select(SyncKey).where(SyncKey.key_id == key_id)).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        raise _refuse("同步密钥无效或已停用")
    try:
        used = verify(key.secret, request.method, _path_with_query(), request.headers, request.get_data())
    except SignatureError as err:
        raise _refuse(err.message) from None
    if not get_redis().set(f"sync:sig:{key.key_id}:{used}", "1", nx=True, ex=REPLAY_WINDOW_S):
        raise _refuse("该签名已被使用过，请重新签名")
    return key


def sync_signed(view):
    """Require a signed sync request before anything else is parsed; sets g.sync_key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.sync_key = authenticate()
        return view(*args, **kwargs)

    return wrapper
