"""Filing a registration request (CONTRACT §10): what the member sends and sees, and what it never reveals."""
from sqlalchemy import select, text

from server.core.accounts import WechatAccount
from server.core.audit import AuditEntry
from server.extensions import db
from server.registration.models import Registration
from tests.callers import assert_error_shape
from tests.factories import make_branch, make_member, make_township
from tests.registration.conftest import submit


def test_a_request_is_pending_and_the_member_sees_it(client, form, registrant):
    me = registrant()
    body = form(certificate_no="LD-2025-017")
    resp = submit(client, me, body)
    assert resp.status_code == 201, resp.get_json()
    registration = resp.get_json()["registration"]
    assert registration["status"] == "pending" and registration["decided_at"] is None and registration["note"] is None
    assert registration["id_number_masked"] == body["id_number"][:4] + "*" * 10 + body["id_number"][-4:]
    assert registration["phone_masked"] == "138****1111"
    assert registration["township"]["name"] == "金山镇" and registration["mobile_branch"]["name"] == "金山镇流动党员党支部"
    assert registration["certificate_no"] == "LD-2025-017" and "roster_match" not in registration
    mine = client.get("/api/v1/auth/registrations/mine", headers=me)
    assert mine.status_code == 200 and mine.get_json()["registration"]["id"] == registration["id"]


def test_id_number_and_phone_are_encrypted_at_rest(client, form, registrant):
    body = form()
    submit(client, registrant(), body)
    stored_id, stored_phone = db.session.execute(text("SELECT id_number, phone FROM registrations")).one()
    assert body["id_number"] not in stored_id and body["id_number"][-6:] not in stored_id
    assert "13800001111" not in stored_phone
    assert db.session.scalar(select(Registration)).id_number == body["id_number"]


def test_no_request_yet_is_404(client, registrant):
    assert_error_shape(client.get("/api/v1/auth/registrations/mine", headers=registrant()), 404)


def test_one_pending_request_per_wechat_account(client, form, registrant):
    me = registrant()
    assert submit(client, me, form()).status_code == 201
    assert_error_shape(submit(client, me, form()), 409, "registration_pending")
    assert db.session.scalar(select(text("count(*)")).select_from(Registration)) == 1


def test_bad_input_is_422_per_field_in_chinese(client, form, registrant, orgs):
    me = registrant()
    other = make_township("西斗铺镇")
    foreign_branch = make_branch(other, name="西斗铺镇流动党员党支部")
    cases = [
        (form(id_number="420106197001011235"), {"id_number"}),
        (form(id_number="4201061970010112"), {"id_number"}),
        (form(township_id=999999), {"township_id"}),
        (form(mobile_branch_id=999999), {"mobile_branch_id"}),
        (form(mobile_branch_id=orgs["village"].id), {"mobile_branch_id"}),
        (form(mobile_branch_id=foreign_branch.id), {"mobile_branch_id"}),
        (form(name=..., employer=...), {"name", "employer"}),
        (form(home_branch="  "), {"home_branch"}),
        (form(phone="12345"), {"phone"}),
        (form(left_on="1899-01-01"), {"left_on"}),
    ]
    for body, fields in cases:
        errors = assert_error_shape(submit(client, me, body), 422)["errors"]
        assert set(errors) == fields, (body, errors)
    assert db.session.scalar(select(Registration.id)) is None  # nothing half-done


def test_a_bound_account_or_staff_cannot_register(client, form, callers):
    assert_error_shape(submit(client, callers["member"], form()), 409, "already_bound")
    assert_error_shape(submit(client, callers["branch_secretary"], form()), 403)
    assert_error_shape(client.post("/api/v1/auth/registrations", json=form()), 401)


def test_phone_from_the_wechat_button_wins(app, client, form, registrant):
    from server.wechat import emulator

    code = emulator.issue_phone_code(app.config, "13900002222")
    resp = submit(client, registrant(), form(phone=None, phone_code=code))
    assert resp.status_code == 201 and resp.get_json()["registration"]["phone_masked"] == "139****2222"


def test_no_oracle_a_roster_id_number_and_a_fresh_one_get_the_same_answer(client, form, registrant, orgs):
    roster = make_member(orgs["mobile"], name="张三", village_branch=orgs["village"])
    on_roster, fresh = registrant(), registrant()
    a = submit(client, on_roster, form(name="张三", id_number=roster.id_number))
    b = submit(client, fresh, form(name="张三"))
    assert a.status_code == b.status_code == 201

    def shape(resp):
        body = resp.get_json()["registration"]
        return {k: type(v).__name__ for k, v in body.items()}

    assert shape(a) == shape(b)
    assert a.get_json()["registration"]["status"] == b.get_json()["registration"]["status"] == "pending"
    # The member's own view of either is the same too.
    mine_a = client.get("/api/v1/auth/registrations/mine", headers=on_roster).get_json()["registration"]
    mine_b = client.get("/api/v1/auth/registrations/mine", headers=fresh).get_json()["registration"]
    assert set(mine_a) == set(mine_b) and "roster_match" not in mine_a


def test_submissions_are_rate_limited_per_account_alike(app, client, form, registrant, orgs):
    roster = make_member(orgs["mobile"], village_branch=orgs["village"])
    cap = app.config["REGISTRATIONS_PER_ACCOUNT"][0]
    answers = {}
    for label, id_number in (("roster", roster.id_number), ("fresh", None)):
        me = registrant()
        codes = []
        for _ in range(cap + 1):
            body = form(id_number=id_number) if id_number else form()
            codes.append(submit(client, me, body).status_code)
        answers[label] = codes
    assert answers["roster"] == answers["fresh"] == [201] + [409] * (cap - 1) + [429]


def test_submissions_are_rate_limited_per_address(app, client, form, registrant):
    app.config["REGISTRATIONS_PER_ADDRESS"] = (3, 3600)
    codes = [submit(client, registrant(), form()).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]


def test_the_submission_is_audited_without_personal_data(client, form, registrant):
    body = form()
    submit(client, registrant(), body)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.submitted"))
    assert entry is not None and entry.actor_type == "wechat"
    assert body["id_number"] not in str(entry.detail)
    assert db.session.scalar(select(WechatAccount.member_id)) is None
