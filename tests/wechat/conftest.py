"""WeChat out of reach: a closed loopback port, or a server that answers every request with HTTP 502."""
from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _BadGateway(BaseHTTPRequestHandler):
    def _answer(self):
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def _point_wechat_at(app, monkeypatch, base: str) -> None:
    monkeypatch.setitem(app.config, "WECHAT_EMULATOR", False)
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", base)
    monkeypatch.setitem(app.config, "WECHAT_PAY_API_BASE", base)


@pytest.fixture(params=["refused", "http_502"])
def wechat_down(request, ctx, monkeypatch):
    """Both WeChat bases pointing at nothing (connection refused) or at a gateway answering 502."""
    if request.param == "refused":
        _point_wechat_at(ctx, monkeypatch, f"http://127.0.0.1:{_closed_port()}/")
        yield request.param
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BadGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _point_wechat_at(ctx, monkeypatch, f"http://127.0.0.1:{server.server_port}/")
    yield request.param
    server.shutdown()
    server.server_close()
    thread.join(5)
