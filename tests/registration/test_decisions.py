"""Deciding registration requests (CONTRACT §10): scope, the roster near-match, approval binds, denial needs a note."""
from sqlalchemy import func, select

from server.core.accounts import WechatAccount
from server.core.audit import AuditEntry
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.extensions import db
from server.wechat import emulator
from server.wechat.emulator.wxa import sent_messages
from tests.callers import assert_error_shape
from tests.factories import bearer, make_branch, make_id_number, make_member, make_township, staff_token
from tests.registration.conftest import submit


def _pending(client, secretary):
    return client.get("/api/v1/registrations?status=pending&page=1", headers=secretary).get_json()


def _decide(client, headers, registration_id, **body):
    return client.post(f"/api/v1/registrations/{registration_id}/decision", headers=headers, json=body)


def test_request_pending_approved_binds_and_reaches_the_feed(app, client, form, orgs, secretary):
    code = emulator.issue_login_code(app.config, openid="o-registrant")
    login = client.post("/api/v1/auth/login", json={"code": code}).get_json()
    assert login["bound"] is False
    me = bearer(login["token"])
    body = form(home_branch="青山村党支部")
    registration_id = submit(client, me, body).get_json()["registration"]["id"]

    listed = _pending(client, secretary)
    assert listed["total"] == 1 and listed["page"] == 1 and listed["per_page"] == 20
    (item,) = listed["items"]
    assert item["id_number_masked"].count("*") == 10 and body["id_number"] not in str(listed)
    assert item["roster_match"] is None and item["home_branch"] == "青山村党支部"

    resp = _decide(client, secretary, registration_id, approve=True)
    assert resp.status_code == 200, resp.get_json()
    decided = resp.get_json()["registration"]
    assert decided["status"] == "approved" and decided["decided_at"] and decided["member_id"]

    member = db.session.get(Member, decided["member_id"])
    assert member.name == "刘芳" and member.id_number == body["id_number"] and member.phone == "13800001111"
    assert member.mobile_branch_id == orgs["mobile"].id and member.village_branch.name == "青山村党支部"
    assert member.destination == "深圳市" and member.status == "active"
    account = db.session.scalar(select(WechatAccount).where(WechatAccount.openid == "o-registrant"))
    assert account.member_id == member.id
    feed = db.session.scalars(select(OutboxChange).where(OutboxChange.member_id == member.id)).all()
    assert [c.type for c in feed] == ["member.upserted"]
    assert feed[0].township_id == orgs["township"].id and feed[0].data["name"] == "刘芳"
    assert body["id_number"] not in str(feed[0].data)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"registration.submitted", "registration.list_read", "registration.approved", "member.bound",
            "member.created"} <= actions

    assert client.get("/api/v1/auth/registrations/mine", headers=me).get_json()["registration"]["status"] == "approved"
    relogin = client.post("/api/v1/auth/login", json={"code": emulator.issue_login_code(app.config, openid="o-registrant")})
    assert relogin.get_json()["bound"] is True
    me_now = client.get("/api/v1/me", headers=bearer(relogin.get_json()["token"])).get_json()["member"]
    assert me_now["id"] == member.id and me_now["mobile_branch"]["id"] == orgs["mobile"].id
    assert _pending(client, secretary)["total"] == 0


def test_denial_needs_a_note_and_leaves_the_account_unbound(client, form, registrant, secretary):
    me = registrant()
    registration_id = submit(client, me, form()).get_json()["registration"]["id"]
    errors = assert_error_shape(_decide(client, secretary, registration_id, approve=False), 422)["errors"]
    assert "note" in errors
    assert_error_shape(_decide(client, secretary, registration_id, approve=False, note="  "), 422)
    assert client.get("/api/v1/auth/registrations/mine", headers=me).get_json()["registration"]["status"] == "pending"

    resp = _decide(client, secretary, registration_id, approve=False, note="身份证号与档案不符，请到支部核对")
    assert resp.status_code == 200 and resp.get_json()["registration"]["status"] == "denied"
    mine = client.get("/api/v1/auth/registrations/mine", headers=me).get_json()["registration"]
    assert mine["status"] == "denied" and mine["note"] == "身份证号与档案不符，请到支部核对" and mine["decided_at"]
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    assert db.session.scalar(select(WechatAccount.member_id)) is None
    assert db.session.scalar(select(func.count()).select_from(OutboxChange)) == 0
    # A decided request cannot be decided again, either way; a new request may follow a denial.
    assert_error_shape(_decide(client, secretary, registration_id, approve=True), 409, "already_decided")
    assert_error_shape(_decide(client, secretary, registration_id, approve=False, note="再次"), 409, "already_decided")
    assert submit(client, me, form()).status_code == 201


def test_scope_other_branches_see_nothing_and_get_404(client, form, registrant, orgs):
    registration_id = submit(client, registrant(), form()).get_json()["registration"]["id"]
    other_township = make_township("西斗铺镇")
    other_secretary = bearer(staff_token("branch_secretary", make_branch(other_township).id))
    same_township_other_branch = bearer(staff_token("branch_secretary", make_branch(orgs["township"]).id))
    for outsider in (other_secretary, same_township_other_branch, bearer(staff_token("township_admin", other_township.id))):
        assert client.get("/api/v1/registrations", headers=outsider).get_json()["items"] == []
        assert_error_shape(_decide(client, outsider, registration_id, approve=True), 404)
    for insider in (bearer(staff_token("township_admin", orgs["township"].id)), bearer(staff_token("county_admin"))):
        assert [r["id"] for r in client.get("/api/v1/registrations", headers=insider).get_json()["items"]] == [registration_id]
    assert_error_shape(client.get("/api/v1/registrations", headers=registrant()), 403)
    assert_error_shape(_decide(client, secretary_of(orgs), 999999, approve=True), 404)


def secretary_of(orgs):
    return bearer(staff_token("branch_secretary", orgs["mobile"].id))


def test_staff_see_a_roster_near_match_and_approval_links_it(client, form, registrant, orgs, secretary):
    roster = make_member(orgs["mobile"], name="张三", village_branch=orgs["village"], phone="13700000000")
    me = registrant()
    registration_id = submit(client, me, form(name="张三", id_number=roster.id_number)).get_json()["registration"]["id"]
    (item,) = _pending(client, secretary)["items"]
    match = item["roster_match"]
    assert match["reason"] == "same_id_number" and match["member_id"] == roster.id and match["bound"] is False
    assert "金山镇红星村党支部的张三" in match["text"] and "身份证号" in match["text"]

    decided = _decide(client, secretary, registration_id, approve=True).get_json()["registration"]
    assert decided["member_id"] == roster.id
    assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    db.session.expire_all()
    assert db.session.get(Member, roster.id).phone == "13800001111"  # the registrant's own phone
    assert db.session.scalar(select(WechatAccount.member_id).where(WechatAccount.member_id == roster.id)) == roster.id


def test_near_match_by_name_and_birth_date(client, form, registrant, orgs, secretary):
    from datetime import date

    roster = make_member(orgs["mobile"], name="王建国", village_branch=orgs["village"],
                         id_number=make_id_number(date(1975, 3, 8)))
    typo = make_id_number(date(1975, 3, 8))
    submit(client, registrant(), form(name="王建国", id_number=typo))
    match = _pending(client, secretary)["items"][0]["roster_match"]
    assert match["reason"] == "same_name_and_birth_date" and match["member_id"] == roster.id
    assert "姓名和出生日期" in match["text"]


def test_a_match_outside_the_scope_is_not_named(client, form, registrant, secretary):
    elsewhere = make_member(make_branch(make_township("龙潭镇")), name="赵六")
    submit(client, registrant(), form(name="赵六", id_number=elsewhere.id_number))
    match = _pending(client, secretary)["items"][0]["roster_match"]
    assert match["member_id"] is None and match["name"] is None and "赵六" not in match["text"]


def test_approval_of_a_member_bound_elsewhere_is_refused_whole(client, form, registrant, orgs, secretary):
    from tests.factories import member_token

    roster = make_member(orgs["mobile"], name="张三", village_branch=orgs["village"])
    member_token(roster)  # bound to another WeChat account already
    registration_id = submit(client, registrant(), form(name="张三", id_number=roster.id_number)).get_json()["registration"]["id"]
    assert _pending(client, secretary)["items"][0]["roster_match"]["bound"] is True
    assert_error_shape(_decide(client, secretary, registration_id, approve=True), 409, "already_bound")
    assert client.get("/api/v1/registrations?status=pending", headers=secretary).get_json()["total"] == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxChange)) == 0


def test_the_outcome_is_sent_as_a_subscribe_message_when_granted(app, client, form, registrant, secretary):
    template = app.config["WECHAT_REGISTRATION_TEMPLATE_ID"]
    first = submit(client, registrant("o-granted"), form(subscribe_template_id=template)).get_json()["registration"]
    second = submit(client, registrant("o-silent"), form()).get_json()["registration"]
    _decide(client, secretary, first["id"], approve=False, note="请补充活动证")
    _decide(client, secretary, second["id"], approve=True)
    (message,) = sent_messages(app.config)
    assert message["touser"] == "o-granted" and message["template_id"] == template
    assert message["data"]["phrase1"]["value"] == "未通过" and message["data"]["thing2"]["value"] == "请补充活动证"
    assert message["page"] == "pages/registration/registration"
    assert_error_shape(submit(client, registrant(), form(subscribe_template_id="other-template")), 422)
