"""A member's whole path: WeChat login, binding with the phone, /me, a report-in, logout."""
import logging

from sqlalchemy import select

from server.core.accounts import WechatAccount
from server.core.outbox import OutboxChange
from server.extensions import db
from server.wechat import emulator
from tests.factories import bearer, make_member


def test_login_bind_me_report_logout(app, client, ctx, wx_login, phone_code):
    member = make_member(name="张建国", id_number="420321198507153413", phone="13900000000")
    resp = wx_login("o-zhang")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["bound"] is False and body["roles"] == []
    assert body["expires_in"] > 0
    token = body["token"]

    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["code"] == "not_bound"

    resp = client.post("/api/v1/auth/bind", headers=bearer(token), json={
        "name": "张建国", "id_number": "420321198507153413", "phone_code": phone_code("13812345678")})
    assert resp.status_code == 200, resp.get_json()
    bound = resp.get_json()["member"]
    assert bound["id"] == member.id
    assert bound["phone_masked"] == "138****5678"

    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.get_json()["roles"] == ["member"]
    profile = me.get_json()["member"]
    assert profile == bound
    assert profile["id_number_masked"] == "4203**********3413"
    assert profile["township"] == {"id": member.township_id, "name": member.township.name}
    assert profile["branch"]["id"] == member.village_branch_id
    assert profile["mobile_branch"]["id"] == member.mobile_branch_id
    assert profile["status"] == "active" and profile["paid_through"] is None

    resp = client.post("/api/v1/me/reports", headers=bearer(token), json={
        "city": "十堰市", "address": "茅箭区五堰街道 12 号", "employer": "东风汽车零部件厂", "lat": 32.63, "lng": 110.79})
    assert resp.status_code == 201
    report = resp.get_json()
    assert report["month"] and report["created_at"].endswith("+08:00")
    history = client.get("/api/v1/me/reports", headers=bearer(token)).get_json()
    assert history["total"] == 1 and history["items"][0]["id"] == report["id"]

    db.session.expire_all()
    changes = db.session.execute(select(OutboxChange).order_by(OutboxChange.id)).scalars().all()
    assert [c.type for c in changes] == ["member.upserted", "report.created"]
    data = changes[1].data
    assert set(data) == {"report_id", "month", "city", "address", "employer", "lat", "lng", "reported_at"}
    assert data["report_id"] == report["id"] and data["city"] == "十堰市"
    assert db.session.get(type(member), member.id).last_activity_at is not None

    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    dead = client.get("/api/v1/me", headers=bearer(token))
    assert dead.status_code == 401 and dead.get_json()["code"] == "unauthorized"


def test_second_login_of_a_bound_account_is_bound_and_other_devices_survive_logout(client, ctx, wx_login):
    member = make_member(name="李秀英")
    first = wx_login("o-li").get_json()["token"]
    client.post("/api/v1/auth/bind", headers=bearer(first),
                json={"name": "李秀英", "id_number": member.id_number})
    second = wx_login("o-li").get_json()
    assert second["bound"] is True and second["roles"] == ["member"]
    assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(second["token"])).status_code == 200
    assert db.session.execute(select(WechatAccount)).scalars().all()[0].openid == "o-li"


def test_reused_code_is_wechat_code_invalid(app, client, ctx):
    code = emulator.issue_login_code(app.config, openid="o-reuse")
    assert client.post("/api/v1/auth/login", json={"code": code}).status_code == 200
    again = client.post("/api/v1/auth/login", json={"code": code})
    assert again.status_code == 401
    assert again.get_json()["code"] == "wechat_code_invalid"
    unknown = client.post("/api/v1/auth/login", json={"code": "never-issued"})
    assert unknown.get_json()["code"] == "wechat_code_invalid"


def test_session_key_never_appears_in_logs_or_responses(app, client, ctx, caplog, phone_code):
    caplog.set_level(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    code = emulator.issue_login_code(app.config, openid="o-secret")
    session_key = emulator.server_for(app.config).state.get("code", code)["session_key"]
    member = make_member(name="王大海")
    resp = client.post("/api/v1/auth/login", json={"code": code})
    token = resp.get_json()["token"]
    bodies = [resp.get_data(as_text=True)]
    bodies.append(client.post("/api/v1/auth/login", json={"code": code}).get_data(as_text=True))
    bodies.append(client.post("/api/v1/auth/bind", headers=bearer(token), json={
        "name": "王大海", "id_number": member.id_number, "phone_code": phone_code("13700001111")}).get_data(as_text=True))
    bodies.append(client.get("/api/v1/me", headers=bearer(token)).get_data(as_text=True))
    assert caplog.records, "DEBUG logging was captured"
    for record in caplog.records:
        assert session_key not in record.getMessage()
        assert session_key not in str(record.args)
    for body in bodies:
        assert session_key not in body and "session_key" not in body
