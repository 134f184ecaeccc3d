"""WeChat login failures, rate limits and what tokens are worth."""
import pytest
import requests

from tests.factories import bearer, make_member, member_token, staff_token


@pytest.mark.parametrize("errcode", [-1, 45011])
def test_wechat_busy_is_503_wechat_unavailable(client, fake_wechat, errcode):
    fake_wechat({"errcode": errcode, "errmsg": "busy"})
    resp = client.post("/api/v1/auth/login", json={"code": "abc"})
    assert resp.status_code == 503
    assert resp.get_json()["code"] == "wechat_unavailable"
    assert "busy" not in resp.get_data(as_text=True)


def test_high_risk_user_is_403_with_a_chinese_message(client, fake_wechat):
    fake_wechat({"errcode": 40226, "errmsg": "high risk user"})
    resp = client.post("/api/v1/auth/login", json={"code": "abc"})
    assert resp.status_code == 403
    body = resp.get_json()
    assert body["code"] == "wechat_user_high_risk" and "安全风险" in body["message"]


def test_answer_without_openid_is_503(client, fake_wechat):
    fake_wechat({"session_key": "x"})
    assert client.post("/api/v1/auth/login", json={"code": "abc"}).status_code == 503


def test_unreachable_wechat_is_503(app, client):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.config.update(WECHAT_EMULATOR=False, WECHAT_API_BASE=f"http://127.0.0.1:{port}/")
    resp = client.post("/api/v1/auth/login", json={"code": "abc"})
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"


def test_wechat_timeout_is_503(client, fake_wechat, monkeypatch):
    fake_wechat({"openid": "o", "session_key": "k"})

    def hang(*args, **kwargs):
        raise requests.Timeout("read timed out")

    monkeypatch.setattr(requests.Session, "request", hang)
    resp = client.post("/api/v1/auth/login", json={"code": "abc"})
    assert resp.status_code == 503 and resp.get_json()["code"] == "wechat_unavailable"


def test_login_is_rate_limited_per_client_address(app, client, wx_login):
    from server.auth.service import LOGIN_PER_ADDRESS

    for _ in range(LOGIN_PER_ADDRESS[0]):
        assert wx_login("o-busy").status_code == 200
    resp = wx_login("o-busy")
    assert resp.status_code == 429 and resp.get_json()["code"] == "rate_limited"
    assert wx_login("o-other", environ={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


@pytest.mark.parametrize("header", [
    "Bearer not-a-token", "Bearer ", "Basic abc", "bearer " + "x" * 500, "", "Bearer \u4e2d\u6587",
])
def test_forged_or_garbage_tokens_are_401(client, header):
    resp = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "unauthorized"


def test_member_token_on_staff_endpoint_is_403_and_staff_token_on_member_endpoint_is_403(client, ctx):
    member = make_member()
    assert client.get("/api/v1/members", headers=bearer(member_token(member))).get_json()["code"] == "forbidden"
    assert client.get("/api/v1/me", headers=bearer(staff_token())).status_code == 403


@pytest.mark.parametrize("body,field", [
    ({}, "code"),
    ({"code": 123}, "code"),
    ({"code": ""}, "code"),
    ({"code": "x" * 129}, "code"),
    ({"code": "abc", "extra": 1}, "extra"),
])
def test_malformed_login_bodies_are_422_with_chinese_messages(client, body, field):
    resp = client.post("/api/v1/auth/login", json=body)
    assert resp.status_code == 422
    data = resp.get_json()
    assert data["code"] == "validation_error"
    assert field in data["errors"]
    assert not data["errors"][field][0].isascii()


def test_login_body_that_is_not_json_is_400(client):
    resp = client.post("/api/v1/auth/login", data="code=abc", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["code"] == "bad_request"
