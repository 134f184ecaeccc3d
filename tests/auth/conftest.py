"""Helpers for the auth tests: codes from the emulator, logins through the API."""
import pytest

from server.wechat import emulator


@pytest.fixture
def wx_login(app, client):
    """Log in through the API with a fresh emulator code for `openid`; returns the response."""

    def login(openid="o-test-openid", environ=None):
        code = emulator.issue_login_code(app.config, openid=openid)
        return client.post("/api/v1/auth/login", json={"code": code}, environ_base=environ or {})

    return login


@pytest.fixture
def phone_code(app):
    def issue(phone):
        return emulator.issue_phone_code(app.config, phone)

    return issue


@pytest.fixture
def fake_wechat(app):
    """Point the gateway at a tiny stand-in for WeChat that answers code2session with a chosen body."""
    import threading

    from flask import Flask, jsonify
    from werkzeug.serving import make_server

    answer = {"body": {"errcode": -1, "errmsg": "system error"}}
    fake = Flask("fake_wechat")

    @fake.get("/cgi-bin/token")
    def token():
        return jsonify({"access_token": "fake-token", "expires_in": 7200})

    @fake.get("/sns/jscode2session")
    def jscode2session():
        return jsonify(answer["body"])

    server = make_server("127.0.0.1", 0, fake, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config.update(WECHAT_EMULATOR=False, WECHAT_API_BASE=f"http://127.0.0.1:{server.server_port}/")

    def answer_with(body):
        answer["body"] = body

    yield answer_with
    server.shutdown()
