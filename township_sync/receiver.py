"""Receiving pushes: a signed batch is checked (signature and body hash) and applied to the ledger."""
from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from township_sync.ledger import Ledger
from township_sync.signing import MAX_SKEW_S, SignatureError, same, verify

MAX_BODY_BYTES = 20 * 1024 * 1024


class WebhookReceiver:
    """Checks a pushed batch's signature and body hash and applies it to the ledger (idempotent by seq)."""

    def __init__(self, ledger: Ledger, key_id: str, secret: str, clock=time.time):
        self.ledger, self.key_id, self.secret, self.clock = ledger, key_id, secret, clock
        self.seen: dict[str, float] = {}

    def handle(self, path_with_query: str, headers, body: bytes) -> tuple[int, dict]:
        """(status, JSON body) for one POST: 401 sync_auth_failed for anything not signed by the service."""
        now = self.clock()
        if not same(headers.get("X-Sync-Key") or "", self.key_id):
            return _refused("推送的同步密钥不是本台账的密钥")
        try:
            used = verify(self.secret, "POST", path_with_query, headers, body, now=now)
        except SignatureError as err:
            return _refused(err.message)
        if not body:
            return _refused("推送缺少内容")
        self.seen = {sig: t for sig, t in self.seen.items() if now - t <= 2 * MAX_SKEW_S}
        if used in self.seen:
            return _refused("签名已使用过")
        self.seen[used] = now
        try:
            batch = json.loads(body)
            applied = self.ledger.apply(batch["changes"], batch["next"], batch.get("after"))
        except (ValueError, KeyError, TypeError):
            return 422, {"code": "validation_error", "message": "推送内容不是变更批次"}
        return 200, {"applied": applied, "cursor": self.ledger.cursor()}

    def serve(self, host: str, port: int) -> ThreadingHTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY_BYTES:
                    status, payload = 413, {"code": "payload_too_large", "message": "内容太大"}
                else:
                    status, payload = receiver.handle(self.path, self.headers, self.rfile.read(length))
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return ThreadingHTTPServer((host, port), Handler)


def _refused(message: str) -> tuple[int, dict]:
    return 401, {"code": "sync_auth_failed", "message": message}
