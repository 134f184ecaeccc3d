"""Binding a WeChat account to the roster: matches, conflicts, guessing limits, the phone."""
import threading

from sqlalchemy import func, select, text

from server.core.accounts import WechatAccount
from server.core.audit import AuditEntry
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.extensions import db
from tests.factories import bearer, make_id_number, make_member, member_token


def _bind(client, token, name, id_number, environ=None, **extra):
    return client.post("/api/v1/auth/bind", headers=bearer(token), environ_base=environ or {},
                       json={"name": name, "id_number": id_number, **extra})


def test_bind_matches_name_and_id_number_and_audits(client, ctx):
    member = make_member(name="陈志强")
    token = member_token()
    resp = _bind(client, token, " 陈 志强 ", member.id_number.lower())
    assert resp.status_code == 200
    assert resp.get_json()["member"]["id"] == member.id
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    entry = db.session.execute(select(AuditEntry).filter_by(action="member.bound")).scalar_one()
    assert entry.target_id == str(member.id) and entry.ip == "127.0.0.1"
    change = db.session.execute(select(OutboxChange)).scalar_one()
    assert change.type == "member.upserted" and change.data["name"] == "陈志强"
    assert member.id_number not in str(change.data)


def test_right_id_number_with_wrong_name_is_roster_no_match(client, ctx):
    member = make_member(name="陈志强")
    resp = _bind(client, member_token(), "陈志刚", member.id_number)
    assert resp.status_code == 404 and resp.get_json()["code"] == "roster_no_match"


def test_already_bound_account_and_member_bound_elsewhere_are_409(client, ctx):
    first, second = make_member(name="刘洋"), make_member(name="周敏")
    token = member_token()
    assert _bind(client, token, "刘洋", first.id_number).status_code == 200
    again = _bind(client, token, "周敏", second.id_number)
    assert again.status_code == 409 and again.get_json()["code"] == "already_bound"
    other = _bind(client, member_token(), "刘洋", first.id_number)
    assert other.status_code == 409 and other.get_json()["code"] == "already_bound"
    assert "刘洋" not in other.get_data(as_text=True)


def test_sixth_failed_bind_in_an_hour_is_429_even_when_right(client, ctx):
    member = make_member(name="黄丽")
    token = member_token()
    for _ in range(5):
        assert _bind(client, token, "黄丽", make_id_number()).status_code == 404
    limited = _bind(client, token, "黄丽", member.id_number)
    assert limited.status_code == 429 and limited.get_json()["code"] == "rate_limited"
    account = db.session.execute(select(WechatAccount)).scalar_one()
    db.session.refresh(account)
    assert account.member_id is None


def test_failed_binds_are_limited_per_address_across_accounts(client, ctx):
    from server.auth.service import BIND_FAILURES_PER_ADDRESS

    office = {"REMOTE_ADDR": "10.9.8.7"}
    # Four tries per account stays under the per-account cap: only the address cap can stop them.
    accounts = [member_token() for _ in range(BIND_FAILURES_PER_ADDRESS[0] // 4)]
    for n in range(BIND_FAILURES_PER_ADDRESS[0]):
        assert _bind(client, accounts[n // 4], "某某", make_id_number(), environ=office).status_code == 404
    member = make_member(name="吴刚")
    resp = _bind(client, member_token(), "吴刚", member.id_number, environ=office)
    assert resp.status_code == 429
    assert _bind(client, member_token(), "吴刚", member.id_number).status_code == 200


def test_successful_binds_do_not_use_up_the_address_allowance(client, ctx):
    from server.auth.service import BIND_FAILURES_PER_ADDRESS

    for _ in range(BIND_FAILURES_PER_ADDRESS[0] + 2):
        member = make_member(name="郑华")
        assert _bind(client, member_token(), "郑华", member.id_number).status_code == 200


def test_parallel_guesses_cannot_pass_the_cap(app, ctx):
    token = member_token()
    results = []

    def guess():
        with app.app_context(), app.test_client() as c:
            results.append(_bind(c, token, "某某", make_id_number()).status_code)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(404) == 5
    assert results.count(429) == 7


def test_two_accounts_binding_the_same_member_at_once_only_one_wins(app, ctx):
    member = make_member(name="孙伟")
    member_id, id_number = member.id, member.id_number
    tokens = [member_token() for _ in range(6)]
    results = []

    def claim(token):
        with app.app_context(), app.test_client() as c:
            results.append(_bind(c, token, "孙伟", id_number).status_code)

    threads = [threading.Thread(target=claim, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(200) == 1 and results.count(409) == 5
    db.session.expire_all()
    assert db.session.execute(
        select(func.count()).select_from(WechatAccount).where(WechatAccount.member_id == member_id)).scalar_one() == 1


def test_phone_code_stores_the_phone_encrypted(client, ctx, phone_code):
    member = make_member(name="何静", phone="13000000000")
    resp = _bind(client, member_token(), "何静", member.id_number, phone_code=phone_code("15912345678"))
    assert resp.get_json()["member"]["phone_masked"] == "159****5678"
    db.session.expire_all()
    stored = db.session.execute(text("SELECT phone FROM members WHERE id = :id"), {"id": member.id}).scalar_one()
    assert "15912345678" not in stored
    assert db.session.get(Member, member.id).phone == "15912345678"


def test_used_phone_code_is_422_and_leaves_the_account_unbound(client, ctx, phone_code):
    member = make_member(name="何静")
    code = phone_code("15912345678")
    assert _bind(client, member_token(), "某某", make_id_number(), phone_code=code).status_code == 404
    token = member_token()
    resp = _bind(client, token, "何静", member.id_number, phone_code="never-issued")
    assert resp.status_code == 422 and resp.get_json()["code"] == "phone_code_invalid"
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["code"] == "not_bound"


def test_phone_for_another_appid_is_refused(client, ctx, monkeypatch):
    from server.wechat import gateway

    monkeypatch.setattr(gateway, "phone_number", lambda code: gateway.PhoneNumber(
        pure_phone_number="13511112222", country_code="86", appid="wx-someone-else"))
    member = make_member(name="何静")
    resp = _bind(client, member_token(), "何静", member.id_number, phone_code="abc")
    assert resp.status_code == 422 and resp.get_json()["code"] == "phone_code_invalid"


def test_staff_token_cannot_bind(client, ctx):
    from tests.factories import staff_token

    member = make_member(name="何静")
    assert _bind(client, staff_token(), "何静", member.id_number).status_code == 403


def test_malformed_binds_are_422_and_change_nothing(client, ctx):
    member = make_member(name="何静")
    token = member_token()
    for body in (
        {"name": "何静"},
        {"name": "何静", "id_number": member.id_number[:-1] + ("0" if member.id_number[-1] != "0" else "1")},
        {"name": "何静", "id_number": 420321198507153413},
        {"name": "何" * 500, "id_number": member.id_number},
        {"name": "   ", "id_number": member.id_number},
        {"name": "何静", "id_number": member.id_number, "member_id": member.id},
        ["何静", member.id_number],
    ):
        resp = client.post("/api/v1/auth/bind", headers=bearer(token), json=body)
        assert resp.status_code == 422, body
        assert all(not m.isascii() for msgs in resp.get_json()["errors"].values() for m in msgs)
    assert client.post("/api/v1/auth/bind", headers=bearer(token), data="{",
                       content_type="application/json").status_code == 400
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == 0
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["code"] == "not_bound"
