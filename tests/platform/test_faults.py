"""Outages: with Redis or the database unreachable every request is 503 service_unavailable, never 500."""
from __future__ import annotations

import re

import pytest

from server import create_app
from server.sync.service import create_key
from tests.conftest import FreshContextClient, _test_config
from tests.factories import bearer, make_member, member_token, staff_token
from tests.sync.synchelpers import signed_get

# Nothing listens on port 1 of the loopback: every connection is refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/party_faults_gone"


def _app_with(**overrides):
    app = create_app({**_test_config(), **overrides})
    app.test_client_class = FreshContextClient
    return app


def _assert_unavailable(resp):
    assert resp.status_code == 503, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["code"] == "service_unavailable"
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), "the message is Chinese"
    assert resp.headers["Retry-After"].isdigit()


@pytest.fixture
def live_data(ctx):
    """Tokens and a sync key issued while everything was up."""
    member = make_member()
    key, secret = create_key(member.township_id)
    return {"member": member_token(member), "staff": staff_token(), "key": (key.key_id, secret)}


def _guarded_routes(app):
    """Every API route behind a login guard, with its path ids filled in."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith("/api/v1/") or getattr(view, "guard", None) is None:
            continue
        path = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path


def test_redis_down_is_503_for_logins_every_authenticated_call_and_the_sync_pull(app, live_data):
    down = _app_with(REDIS_URL=DEAD_REDIS).test_client()

    _assert_unavailable(down.post("/api/v1/staff/login", json={"username": "admin", "password": "x" * 12}))
    _assert_unavailable(down.post("/api/v1/auth/login", json={"code": "any-code"}))
    routes = list(_guarded_routes(down.application))
    assert len(routes) > 30
    for method, path in routes:
        for token in (live_data["member"], live_data["staff"]):
            resp = down.open(path, method=method, headers=bearer(token), json={})
            assert resp.status_code == 503, (method, path, resp.get_data(as_text=True))
    _assert_unavailable(down.get("/api/v1/me", headers=bearer(live_data["member"])))
    _assert_unavailable(signed_get(down, live_data["key"], "/api/v1/sync/changes"))


def test_database_down_is_503(app, live_data):
    down = _app_with(SQLALCHEMY_DATABASE_URI=DEAD_DATABASE).test_client()

    _assert_unavailable(down.post("/api/v1/staff/login", json={"username": "admin", "password": "x" * 12}))
    _assert_unavailable(down.get("/api/v1/me", headers=bearer(live_data["member"])))
    _assert_unavailable(down.get("/api/v1/members", headers=bearer(live_data["staff"])))
    _assert_unavailable(signed_get(down, live_data["key"], "/api/v1/sync/changes"))


@pytest.mark.parametrize("overrides, down_name", [
    ({"REDIS_URL": DEAD_REDIS}, "redis"),
    ({"SQLALCHEMY_DATABASE_URI": DEAD_DATABASE}, "database"),
])
def test_healthz_names_the_dependency_that_is_down(app, overrides, down_name):
    resp = _app_with(**overrides).test_client().get("/healthz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["down"] == [down_name]
    assert body["checks"][down_name] == "error"
    assert body["code"] == "service_unavailable"
    assert ("Redis" if down_name == "redis" else "数据库") in body["message"]
