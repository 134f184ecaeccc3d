"""The deployed stack on loopback: gunicorn on the test database and Redis, nginx in front of it."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FIELD_KEY
from tests.deploy import stack
from tests.testenv import DATABASE_URL, REDIS_URL

# memory:// is one in-process store, so the embedded run can use a single gunicorn worker only.
WORKERS = 2 if REDIS_URL.startswith("redis://") else 1
PHOTO_DIR = tempfile.mkdtemp(prefix="party-deploy-photos-")  # the stack's meeting photos, not the instance folder


def gunicorn_env(public_port: int) -> dict[str, str]:
    return {"APP_ENV": "development", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "test-secret-key", "FIELD_KEY": FIELD_KEY, "WECHAT_EMULATOR": "1",
            "TRUSTED_PROXIES": "127.0.0.1", "MINUTES_LOCAL_DIR": PHOTO_DIR, "PUBLIC_BASE_URL": f"https://127.0.0.1:{public_port}"}


@dataclass
class Stack:
    tmp: Path
    nginx_port: int
    gunicorn_port: int

    def client(self, source: str = "127.0.0.1") -> stack.Https:
        return stack.Https(self.nginx_port, self.tmp / "fullchain.pem", source)


@pytest.fixture(scope="session")
def deploy_tmp(tmp_path_factory) -> Path:
    if not os.access(stack.NGINX, os.X_OK):
        pytest.fail(f"nginx was not found at {stack.NGINX}: install it with `apt-get install -y nginx`")
    return tmp_path_factory.mktemp("deploy")


@pytest.fixture(scope="session")
def running(_schema, deploy_tmp) -> Stack:
    """nginx → gunicorn, started once for all deploy tests (tests reset the tables through the `app` fixture)."""
    public_port = stack.free_port()
    gunicorn, gport = stack.start_gunicorn(deploy_tmp, gunicorn_env(public_port), WORKERS)
    try:
        nginx, nport = stack.start_nginx(deploy_tmp, gport, port=public_port)
    except Exception:
        stack.stop(gunicorn)
        raise
    try:
        yield Stack(deploy_tmp, nport, gport)
    finally:
        stack.stop(nginx)
        stack.stop(gunicorn)


def json_error(status: int, headers: dict, body: bytes) -> dict:
    """The service's error shape (CONTRACT §3), as a JSON body with a JSON content type."""
    assert headers["content-type"].startswith("application/json"), (status, headers, body[:200])
    payload = json.loads(body)
    assert set(payload) >= {"code", "message"} and not payload["message"].isascii(), payload
    return payload
