"""A loopback WeChat emulator speaking WeChat's real wire formats with real signatures.

It is a separate small WSGI app served on 127.0.0.1 in a daemon thread. Its state (single-use
login codes, access tokens, orders, grants) lives in the service's own Redis, so every worker
of one deployment sees the same emulator state. Development and tests only: production refuses
to start with WECHAT_EMULATOR=1.
"""
from __future__ import annotations

import secrets
import threading

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from server.wechat.emulator import mp, pay, wxa
from server.wechat.emulator.state import EmulatorState

_lock = threading.Lock()
_running: dict[tuple, "EmulatorServer"] = {}


def create_emulator_app(config: dict) -> Flask:
    """The emulator's WSGI app for one deployment's config."""
    app = Flask("wechat_emulator")
    app.extensions["emulator_state"] = EmulatorState(config)
    for module in (mp, wxa, pay):
        app.register_blueprint(module.bp)
    return app


class _QuietHandler(WSGIRequestHandler):
    """WeChat's query strings carry the app secret and login codes: never write them to a log."""

    def log_request(self, *args, **kwargs):
        pass


class EmulatorServer:
    """The emulator served on a loopback port in a daemon thread."""

    def __init__(self, config: dict):
        self.app = create_emulator_app(config)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler)
        self.base = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, name="wechat-emulator", daemon=True)
        self.thread.start()

    @property
    def state(self) -> EmulatorState:
        return self.app.extensions["emulator_state"]


def _identity(config: dict) -> tuple:
    return (config["REDIS_URL"], config["WECHAT_APPID"], config["WECHAT_PAY_MCH_ID"], config["WECHAT_PAY_NOTIFY_URL"])


def server_for(config: dict) -> EmulatorServer:
    """The running emulator for this config, started on first use."""
    ident = _identity(config)
    with _lock:
        emu = _running.get(ident)
        if emu is None:
            emu = _running[ident] = EmulatorServer(config)
        return emu


def ensure_running(app) -> str:
    """Start the emulator for this app if needed and return its base URL."""
    return server_for(app.config).base


def issue_login_code(config: dict, openid: str | None = None, unionid: str | None = None) -> str:
    """What wx.login gives a phone: a code valid once for 5 minutes for this openid."""
    state = server_for(config).state
    code = secrets.token_hex(16)
    openid = openid or "o" + secrets.token_urlsafe(20)
    state.put(300, {"openid": openid, "unionid": unionid, "session_key": secrets.token_urlsafe(16)}, "code", code)
    return code


def issue_phone_code(config: dict, phone: str) -> str:
    """What the getPhoneNumber button gives a phone: a single-use code for that number."""
    state = server_for(config).state
    code = secrets.token_hex(16)
    state.put(300, {"phone": phone}, "phone", code)
    return code
