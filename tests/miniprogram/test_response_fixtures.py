"""The responses the mini-program reads, from the real server, pinned as JSON fixtures.

One member's and one secretary's day runs through the Flask test client (WeChat login via the emulator, bind,
profile, report-in, meetings, check-in, leave, dues, an order and its payment, special dues, attendance,
arrears, a cash payment and its reversal, receipts, 补签, compliance, lost-contact flags). Every response is compared with
`miniprogram/tests/fixtures/<name>.json` on its keys and value types, so a change of shape on the server fails here; `miniprogram/tests/contract-shapes.test.js` feeds the same files
to the pages. Regenerate after an intended change with `REGENERATE_FIXTURES=1 .venv/bin/pytest tests/miniprogram`.
"""
from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path

from werkzeug.security import generate_password_hash

from server.common.timeutil import current_month, month_add, month_bounds, utcnow
from server.config import DEV_NOTICE_TEMPLATE_ID, DEV_REMINDER_TEMPLATE_ID, load_config
from server.core.accounts import StaffUser
from server.dashboard import lostcontact
from server.dues.models import DuesReminder
from server.extensions import db
from server.wechat import emulator
from tests.checkins.conftest import FAR
from tests.dues.helpers import pay
from tests.factories import (
    VENUE,
    bearer,
    make_branch,
    make_event,
    make_member,
    make_paying_member,
    make_township,
    staff_token,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "miniprogram" / "tests" / "fixtures"
REGENERATE = os.environ.get("REGENERATE_FIXTURES") == "1"
SECRETARY_PASSWORD = "demo-secretary-2026"


def shape(value):
    """Keys and value types of a JSON value: what the pages depend on, not the data."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        shapes = []
        for item in value:
            if shape(item) not in shapes:
                shapes.append(shape(item))
        return shapes
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


class Recorder:
    """Checks (or with REGENERATE_FIXTURES=1 writes) each named response against its fixture file."""

    def __init__(self):
        self.names = []

    def __call__(self, name, resp, status):
        assert resp.status_code == status, (name, resp.status_code, resp.get_data(as_text=True)[:500])
        body = resp.get_json()
        self.names.append(name)
        path = FIXTURES / f"{name}.json"
        if REGENERATE:
            FIXTURES.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"status": status, "body": scrub(body)}, ensure_ascii=False, indent=2)
            path.write_text(text + "\n", encoding="utf-8")
        else:
            assert path.exists(), f"{path} is missing: run REGENERATE_FIXTURES=1 .venv/bin/pytest tests/miniprogram"
            fixture = json.loads(path.read_text(encoding="utf-8"))
            assert fixture["status"] == status, name
            assert shape(body) == shape(fixture["body"]), f"{name}: the server's shape changed; regenerate the fixtures"
        return body


def scrub(body):
    """Bearer tokens do not belong in the repository, even test ones."""
    if isinstance(body, dict):
        return {k: ("<token>" if k == "token" else scrub(v)) for k, v in body.items()}
    if isinstance(body, list):
        return [scrub(v) for v in body]
    return body


def request_fixture(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_the_mini_programs_calls_answer_in_the_fixture_shapes(app, ctx, client):
    record = Recorder()
    township = make_township("金山镇")
    branch = make_branch(township, name="金山镇流动党员党支部")
    village = make_branch(township, kind="village", name="金山村党支部")
    member = make_paying_member(branch, joined_months_ago=2, name="王建国", village_branch=village)
    behind = make_member(branch, name="李秀英", village_branch=village,
                         created_at=month_bounds(month_add(current_month(), -8))[0] + timedelta(hours=1))
    db.session.add(StaffUser(username="jinshan-sj", password_hash=generate_password_hash(SECRETARY_PASSWORD),
                             role="branch_secretary", scope_id=branch.id))
    db.session.commit()

    # The member: WeChat login, binding, profile, report-in.
    code = emulator.issue_login_code(app.config, openid="o-fixture-member")
    login = record("auth-login", client.post("/api/v1/auth/login", json={"code": code}), 200)
    me_auth = bearer(login["token"])
    record("auth-bind", client.post("/api/v1/auth/bind", headers=me_auth,
                                    json={"name": "王建国", "id_number": member.id_number}), 200)
    record("me", client.get("/api/v1/me", headers=me_auth), 200)
    record("report-created", client.post("/api/v1/me/reports", headers=me_auth, json={
        "city": "深圳市", "address": "宝安区西乡街道", "employer": "富士康", "lat": 22.55, "lng": 113.88}), 201)
    record("me-reports", client.get("/api/v1/me/reports?page=1", headers=me_auth), 200)

    # The secretary: password login, profile, a new meeting exactly as the event-new page sends it.
    staff = record("staff-login", client.post("/api/v1/staff/login", json={
        "username": "jinshan-sj", "password": SECRETARY_PASSWORD}), 200)
    sec_auth = bearer(staff["token"])
    record("staff-me", client.get("/api/v1/staff/me", headers=sec_auth), 200)
    tomorrow = (utcnow() + timedelta(days=1)).replace(microsecond=0)
    sent = request_fixture("event-create.request")
    body = {**sent, "branch_id": branch.id, "starts_at": tomorrow.isoformat(),
            "ends_at": (tomorrow + timedelta(hours=2)).isoformat()}
    assert set(body) == set(sent)
    upcoming = record("event-created", client.post("/api/v1/events", headers=sec_auth, json=body), 201)
    assert upcoming["place_name"] == sent["place_name"]
    record("staff-events", client.get("/api/v1/events?upcoming=1", headers=sec_auth), 200)

    # Check-in at a meeting happening now: too far first, then at the venue; leave for tomorrow's meeting.
    now_event = make_event(branch, title="三月主题党日", place_name="宝安区党群服务中心")
    token = client.get(f"/api/v1/events/{now_event.id}/checkin-code", headers=sec_auth).get_json()["token"]
    record("checkin-outside-area", client.post(f"/api/v1/events/{now_event.id}/checkins", headers=me_auth,
                                               json={"token": token, "lat": FAR[0], "lng": FAR[1], "accuracy": 20}), 422)
    record("checkin-created", client.post(f"/api/v1/events/{now_event.id}/checkins", headers=me_auth,
                                          json={"token": token, "lat": VENUE[0], "lng": VENUE[1], "accuracy": 20}), 201)
    record("leave-created", client.post(f"/api/v1/events/{upcoming['id']}/leave", headers=me_auth,
                                        json={"reason": "当天加班"}), 201)
    events = record("me-events", client.get("/api/v1/me/events?upcoming=1", headers=me_auth), 200)
    assert [e["my_state"] for e in events["items"]] == ["present", "leave_pending"]
    record("me-checkins", client.get("/api/v1/me/checkins?page=1&per_page=20", headers=me_auth), 200)
    record("attendance", client.get(f"/api/v1/events/{now_event.id}/attendance", headers=sec_auth), 200)
    record("event-leaves", client.get(f"/api/v1/events/{upcoming['id']}/leaves", headers=sec_auth), 200)

    # Dues: what is owed, an order, a second order blocked by it, the payment, the history.
    dues = record("me-dues", client.get("/api/v1/me/dues", headers=me_auth), 200)
    owed = [o["month"] for o in dues["owed"]]
    created = record("order-created", client.post("/api/v1/dues/orders", headers=me_auth,
                                                  json={"months": owed[:1]}), 201)
    pending = record("order-pending", client.post("/api/v1/dues/orders", headers=me_auth,
                                                  json={"months": owed[:2]}), 409)
    assert pending["order_no"] == created["order_no"] and pending["resumable"] is True
    pay(app, client, created["order_no"])
    record("order-status", client.get(f"/api/v1/dues/orders/{created['order_no']}", headers=me_auth), 200)
    record("me-dues-orders", client.get("/api/v1/me/dues/orders", headers=me_auth), 200)
    county = bearer(staff_token("county_admin"))
    today = utcnow().date()
    client.post("/api/v1/dues/campaigns", headers=county, json={
        "title": "抗洪救灾特殊党费", "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat()})
    record("campaigns", client.get("/api/v1/dues/campaigns", headers=me_auth), 200)

    # The secretary's dues tools: find a member, set the standard, the arrears list.
    found = record("members-search", client.get("/api/v1/members?q=李秀英", headers=sec_auth), 200)
    assert [m["id"] for m in found["items"]] == [behind.id]
    record("dues-standard-set", client.put(f"/api/v1/members/{behind.id}/dues-standard", headers=sec_auth, json={
        "year": int(current_month()[:4]), "category": "salaried", "income_base_fen": 450000}), 200)
    arrears = record("arrears", client.get(f"/api/v1/branches/{branch.id}/dues/arrears", headers=sec_auth), 200)
    assert [m["name"] for m in arrears["members"]] == ["李秀英"]

    # Her arrears, older than the app's six-month window, settled in cash with the branch; then reversed.
    owed_by_her = record("member-dues", client.get(f"/api/v1/members/{behind.id}/dues", headers=sec_auth), 200)
    months = [o["month"] for o in owed_by_her["owed"][:2]]
    recorded = record("payment-recorded", client.post(f"/api/v1/branches/{branch.id}/dues/payments", headers=sec_auth,
                                                      json={"member_id": behind.id, "months": months,
                                                            "amount_fen": sum(o["amount_fen"] for o in owed_by_her["owed"][:2]),
                                                            "paid_on": today.isoformat(), "method": "cash"}), 201)
    record("payment-reversed", client.post(f"/api/v1/dues/payments/{recorded['payment']['id']}/reverse",
                                           headers=sec_auth, json={"reason": "记错了月份"}), 200)
    record("me-receipts", client.get("/api/v1/me/dues/receipts", headers=me_auth), 200)

    # Who the worker reminded (one reminder as the worker writes it) and who cannot be reminded (李秀英: no WeChat).
    db.session.add(DuesReminder(member_id=member.id, branch_id=branch.id, kind="dues_due", period=current_month(),
                                month=current_month(), template_id=app.config["WECHAT_DUES_REMINDER_TEMPLATE_ID"],
                                status="sent", created_at=utcnow(), sent_at=utcnow()))
    db.session.commit()
    reminded = record("dues-reminders", client.get(f"/api/v1/branches/{branch.id}/dues/reminders", headers=sec_auth), 200)
    assert [r["member"]["name"] for r in reminded["items"]] == ["王建国"]
    assert "李秀英" in [r["member"]["name"] for r in reminded["without_grant"]]

    # The secretary's meeting record and follow-up: 补签, the quarter's compliance, a lost-contact flag dismissed.
    record("manual-checkin", client.post(f"/api/v1/events/{now_event.id}/manual-checkins", headers=sec_auth,
                                         json={"member_id": behind.id, "reason": "到场但手机没电"}), 201)
    month = current_month()
    quarter = f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
    record("compliance", client.get(f"/api/v1/branches/{branch.id}/compliance?quarter={quarter}", headers=sec_auth), 200)
    long_ago = utcnow() - timedelta(days=200)
    quiet = make_member(branch, name="赵六", village_branch=village, last_activity_at=long_ago, created_at=long_ago)
    lostcontact.flag_candidates()
    flags = record("lost-contact", client.get(f"/api/v1/lost-contact?branch_id={branch.id}&page=1", headers=sec_auth), 200)
    assert quiet.id in [f["member"]["id"] for f in flags["items"]]
    record("lost-contact-dismissed", client.post(f"/api/v1/lost-contact/{quiet.id}/dismiss", headers=sec_auth,
                                                 json={"reason": "已电话联系，在东莞打工"}), 200)

    # Notices: the secretary publishes to the branch, the member lists and reads it, the secretary follows up.
    notice = record("notice-created", client.post("/api/v1/notices", headers=sec_auth, json={
        "title": "关于召开3月主题党日的通知", "body": "3月5日晚7点半在党群服务中心召开。", "branch_id": branch.id}), 201)
    record("me-notices", client.get("/api/v1/me/notices?page=1", headers=me_auth), 200)
    assert client.post(f"/api/v1/me/notices/{notice['id']}/read", headers=me_auth).status_code == 204
    detail = record("notice-detail", client.get(f"/api/v1/notices/{notice['id']}", headers=sec_auth), 200)
    assert detail["read_count"] == 1
    record("notice-unread", client.get(f"/api/v1/notices/{notice['id']}/unread?page=1", headers=sec_auth), 200)
    record("staff-notices", client.get("/api/v1/notices?page=1", headers=sec_auth), 200)

    # The yearly democratic evaluation of last year, as the evaluations page sends it.
    last_year = int(current_month()[:4]) - 1
    record("evaluation-recorded", client.put(f"/api/v1/members/{member.id}/evaluations/{last_year}", headers=sec_auth,
                                             json={"grade": "优秀", "note": "带头参加志愿服务",
                                                   "recorded_on": f"{last_year}-12-20"}), 200)
    record("branch-evaluations", client.get(f"/api/v1/branches/{branch.id}/evaluations?year={last_year}",
                                            headers=sec_auth), 200)

    # Registration (§10): an account missing from the roster picks its township, files, is approved; the
    # secretary lists and decides. Transfer (§13): the member flagged above moves away.
    code = emulator.issue_login_code(app.config, openid="o-fixture-registrant")
    guest = bearer(client.post("/api/v1/auth/login", json={"code": code}).get_json()["token"])
    record("townships-public", client.get("/api/v1/townships", headers=guest), 200)
    record("branches-public", client.get(f"/api/v1/branches?township_id={township.id}&kind=mobile", headers=guest), 200)
    record("registration-created", client.post("/api/v1/auth/registrations", headers=guest, json={
        "name": "刘芳", "id_number": "11010519491231002X", "phone": "13800000000", "township_id": township.id,
        "mobile_branch_id": branch.id, "home_branch": "金山村党支部", "left_on": "2025-06-01",
        "destination": "深圳市", "employer": "某某电子厂"}), 201)
    pending_list = record("registrations-pending", client.get("/api/v1/registrations?status=pending&page=1",
                                                              headers=sec_auth), 200)
    decided = record("registration-decided", client.post(
        f"/api/v1/registrations/{pending_list['items'][0]['id']}/decision", headers=sec_auth,
        json={"approve": False, "note": "身份证号与档案不符，请到支部核对"}), 200)
    assert decided["registration"]["status"] == "denied"
    record("registration-mine", client.get("/api/v1/auth/registrations/mine", headers=guest), 200)
    record("transfer-created", client.post(f"/api/v1/members/{quiet.id}/transfers", headers=sec_auth, json={
        "kind": "transfer_out", "reason": "在深圳落户", "effective_on": utcnow().date().isoformat(),
        "destination": "深圳市宝安区西乡街道党工委"}), 201)

    if not REGENERATE:
        on_disk = {p.stem for p in FIXTURES.glob("*.json") if not p.stem.endswith(".request")}
        assert on_disk == set(record.names), "fixture files no flow produces"


def test_the_mini_program_asks_for_the_reminder_template_the_server_sends():
    config_js = (ROOT / "miniprogram" / "src" / "config.js").read_text(encoding="utf-8")
    reminders = config_js[config_js.index("subscribeTemplates"):]
    asked = re.findall(r"\{\s*id:\s*'([^']+)'", reminders[:reminders.index("]")])
    assert asked == [DEV_REMINDER_TEMPLATE_ID]
    assert re.findall(r"noticeTemplate:\s*\{\s*id:\s*'([^']+)'", config_js) == [DEV_NOTICE_TEMPLATE_ID]


def test_the_reminder_template_id_comes_from_the_environment(tmp_path):
    assert load_config(str(tmp_path), {})["WECHAT_REMINDER_TEMPLATE_ID"] == DEV_REMINDER_TEMPLATE_ID
    config = load_config(str(tmp_path), {"WECHAT_REMINDER_TEMPLATE_ID": "AbC123-template"})
    assert config["WECHAT_REMINDER_TEMPLATE_ID"] == "AbC123-template"


def test_the_mini_program_asks_for_the_registration_result_template_the_server_sends(tmp_path):
    config_js = (ROOT / "miniprogram" / "src" / "config.js").read_text(encoding="utf-8")
    (asked,) = re.findall(r"registrationResultTemplate:\s*'([^']+)'", config_js)
    assert asked == load_config(str(tmp_path), {})["WECHAT_REGISTRATION_TEMPLATE_ID"]
