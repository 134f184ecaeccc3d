"""Dues and report-in reminders: who is reminded of what, grants, the quiet period, refusals and the secretary's list."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from server.common.timeutil import SHANGHAI, current_month, month_add
from server.config import DEV_DUES_REMINDER_TEMPLATE_ID, DEV_REPORT_REMINDER_TEMPLATE_ID, load_config
from server.core.audit import AuditEntry
from server.core.subscriptions import SubscriptionGrant
from server.dues import reminders, tasks
from server.dues.models import DuesReminder
from server.extensions import db
from server.jobs import PERIODIC
from server.wechat.emulator.wxa import sent_messages
from tests.dues.helpers import run_threads
from tests.factories import bearer, make_branch, make_paying_member, member_token, staff_token

pytestmark = pytest.mark.usefixtures("ctx")


def at(day: int, hour: int = 10) -> datetime:
    """A moment of the current month, Beijing time."""
    month = current_month()
    return datetime(int(month[:4]), int(month[5:]), day, hour, tzinfo=SHANGHAI)


def dues_template(app):
    return app.config["WECHAT_DUES_REMINDER_TEMPLATE_ID"]


def report_template(app):
    return app.config["WECHAT_REPORT_REMINDER_TEMPLATE_ID"]


def subscriber(client, branch, joined_months_ago=0, templates=(), paid_up=False):
    """A paying member with a WeChat account who accepted each template once in the mini-program."""
    member = make_paying_member(branch, joined_months_ago=joined_months_ago)
    if paid_up:
        member.paid_through = current_month()
        db.session.commit()
    token = member_token(member, openid=f"o-remind-{member.id}")
    for template in templates:
        resp = client.post("/api/v1/me/subscriptions", headers=bearer(token), json={"template_id": template})
        assert resp.status_code == 201
    member.token = token
    return member


def sent_to(app) -> dict[str, dict]:
    return {m["touser"]: m for m in sent_messages(app.config)}


def rows() -> list[DuesReminder]:
    return list(db.session.scalars(select(DuesReminder).order_by(DuesReminder.member_id)))


def test_each_dues_kind_reaches_the_members_it_is_for(client, app):
    branch = make_branch()
    t = dues_template(app)
    due = subscriber(client, branch, 0, [t])            # this month unpaid
    three = subscriber(client, branch, 2, [t])          # 3 months unpaid
    six = subscriber(client, branch, 5, [t])            # 6 months unpaid
    subscriber(client, branch, 0, [t], paid_up=True)    # nothing to pay: no message
    make_paying_member(branch, joined_months_ago=5)     # in arrears, but no WeChat and no grant
    no_grant = make_paying_member(branch, joined_months_ago=5)
    member_token(no_grant)

    assert reminders.send_due_reminders(at(3)) == {"sent": 3, "failed": 0}
    messages = sent_to(app)
    assert set(messages) == {f"o-remind-{m.id}" for m in (due, three, six)}
    month = current_month()
    assert messages[f"o-remind-{due.id}"]["data"] == {
        "thing1": {"value": f"{month[:4]}年{int(month[5:])}月党费"}, "amount2": {"value": "15.00元"},
        "thing3": {"value": "请在小程序“党费”页交纳"}}
    assert messages[f"o-remind-{three.id}"]["data"]["thing1"]["value"] == "已有3个月党费未交"
    assert messages[f"o-remind-{three.id}"]["data"]["amount2"]["value"] == "45.00元"
    assert messages[f"o-remind-{six.id}"]["data"]["thing1"]["value"] == "已有6个月党费未交"
    assert messages[f"o-remind-{six.id}"]["data"]["amount2"]["value"] == "90.00元"
    assert {m["page"] for m in messages.values()} == {"pages/dues/dues"}
    assert {m["template_id"] for m in messages.values()} == {t}
    assert [(r.member_id, r.kind, r.period, r.status) for r in rows()] == [
        (due.id, "dues_due", month, "sent"), (three.id, "arrears_3", month, "sent"),
        (six.id, "arrears_6", month, "sent")]


def test_falling_due_is_only_near_the_start_of_the_month(client, app):
    branch = make_branch()
    subscriber(client, branch, 0, [dues_template(app)])
    assert reminders.send_due_reminders(at(11)) == {"sent": 0, "failed": 0}
    assert reminders.send_due_reminders(at(10)) == {"sent": 1, "failed": 0}


def test_arrears_reached_earlier_are_still_reminded_once(client, app):
    branch = make_branch()
    four = subscriber(client, branch, 3, [dues_template(app), dues_template(app)])  # reached 3 last month
    assert reminders.send_due_reminders(at(20)) == {"sent": 1, "failed": 0}
    (reminder,) = rows()
    assert (reminder.member_id, reminder.kind, reminder.period) == (four.id, "arrears_3", month_add(current_month(), -1))
    # One dues reminder a month: the second grant waits for next month.
    assert reminders.send_due_reminders(at(22)) == {"sent": 0, "failed": 0}
    assert db.session.scalar(select(SubscriptionGrant.remaining)) == 1


def test_report_in_reminder_goes_to_members_who_have_not_reported(client, app):
    branch = make_branch()
    t = report_template(app)
    silent = subscriber(client, branch, 0, [t], paid_up=True)
    reported = subscriber(client, branch, 0, [t], paid_up=True)
    resp = client.post("/api/v1/me/reports", headers=bearer(reported.token),
                       json={"city": "武汉市", "address": "江汉区解放大道 688 号", "employer": "某某物流公司"})
    assert resp.status_code == 201
    subscriber(client, branch, 0, [], paid_up=True)  # no grant
    assert reminders.send_due_reminders(at(14)) == {"sent": 0, "failed": 0}  # too early in the month
    assert reminders.send_due_reminders(at(16)) == {"sent": 1, "failed": 0}
    (message,) = sent_messages(app.config)
    month = current_month()
    assert message["touser"] == f"o-remind-{silent.id}" and message["template_id"] == t
    assert message["page"] == "pages/report/report"
    assert message["data"]["thing1"]["value"] == f"{month[:4]}年{int(month[5:])}月报到"
    assert message["data"]["date2"]["value"].startswith(f"{month[:4]}年{month[5:]}月")
    assert [(r.member_id, r.kind, r.period) for r in rows()] == [(silent.id, "report_in", month)]


def test_one_message_per_grant(client, app):
    branch = make_branch()
    member = subscriber(client, branch, 0, [dues_template(app)])
    assert reminders.send_due_reminders(at(3))["sent"] == 1
    assert db.session.scalar(select(SubscriptionGrant.remaining)) == 0
    # Due for a report-in too, but no report-in grant: nothing, however long we wait.
    assert reminders.send_due_reminders(at(20)) == {"sent": 0, "failed": 0}
    client.post("/api/v1/me/subscriptions", headers=bearer(member.token), json={"template_id": report_template(app)})
    assert reminders.send_due_reminders(at(20))["sent"] == 1
    assert [r.kind for r in rows()] == ["dues_due", "report_in"]
    grants = db.session.scalars(select(SubscriptionGrant.remaining)).all()
    assert grants == [0, 0]


def test_quiet_period_holds_every_other_reminder_for_a_day(client, app):
    app.config["DUES_REMINDER_DUE_DAYS"] = 20
    branch = make_branch()
    member = subscriber(client, branch, 0, [dues_template(app), report_template(app)])
    assert reminders.send_due_reminders(at(16, 10)) == {"sent": 1, "failed": 0}
    assert reminders.send_due_reminders(at(16, 15)) == {"sent": 0, "failed": 0}
    assert reminders.send_due_reminders(at(17, 9)) == {"sent": 0, "failed": 0}  # 23 hours later
    assert reminders.send_due_reminders(at(17, 11)) == {"sent": 1, "failed": 0}
    assert [(r.member_id, r.kind) for r in rows()] == [(member.id, "dues_due"), (member.id, "report_in")]


def test_nothing_is_sent_at_night(client, app):
    branch = make_branch()
    subscriber(client, branch, 0, [dues_template(app)])
    assert reminders.send_due_reminders(at(3, 6)) == {"sent": 0, "failed": 0}
    assert reminders.send_due_reminders(at(3, 21)) == {"sent": 0, "failed": 0}
    assert rows() == []


def test_a_second_run_sends_nothing(client, app):
    branch = make_branch()
    member = subscriber(client, branch, 2, [dues_template(app)])
    assert reminders.send_due_reminders(at(3))["sent"] == 1
    assert reminders.send_due_reminders(at(3)) == {"sent": 0, "failed": 0}
    # A fresh grant does not repeat the same reminder (after the quiet period, later in the month).
    client.post("/api/v1/me/subscriptions", headers=bearer(member.token), json={"template_id": dues_template(app)})
    assert reminders.send_due_reminders(at(8)) == {"sent": 0, "failed": 0}
    assert len(sent_messages(app.config)) == 1 and len(rows()) == 1


def test_wechat_refusal_is_recorded_with_its_errcode_and_not_retried(client, app):
    branch = make_branch()
    member = make_paying_member(branch, joined_months_ago=0)
    member_token(member, openid="o-revoked")
    # The service counts a grant WeChat does not know of (the member revoked it): WeChat answers 43101.
    db.session.add(SubscriptionGrant(member_id=member.id, template_id=dues_template(app), remaining=2))
    db.session.commit()
    assert reminders.send_due_reminders(at(3)) == {"sent": 0, "failed": 1}
    (reminder,) = rows()
    assert (reminder.kind, reminder.status, reminder.errcode) == ("dues_due", "failed", 43101)
    assert reminders.send_due_reminders(at(4)) == {"sent": 0, "failed": 0}
    assert sent_messages(app.config) == [] and len(rows()) == 1


def test_members_no_longer_active_are_not_reminded(client, app):
    branch = make_branch()
    member = subscriber(client, branch, 2, [dues_template(app)])
    member.status = "transferred"
    db.session.commit()
    assert reminders.send_due_reminders(at(3)) == {"sent": 0, "failed": 0}


def test_the_worker_runs_it_on_a_schedule(client, app, monkeypatch):
    assert any(func is tasks.dues_reminders for _, func in PERIODIC)
    branch = make_branch()
    subscriber(client, branch, 2, [dues_template(app)])
    monkeypatch.setattr(reminders, "utcnow", lambda: at(3))
    assert tasks.dues_reminders() == {"sent": 1, "failed": 0}


# ---- the secretary's list ----------------------------------------------------------------------------------

def test_the_secretary_sees_who_was_reminded(client, app):
    branch = make_branch()
    sent = subscriber(client, branch, 5, [dues_template(app)])
    refused = make_paying_member(branch, joined_months_ago=0)
    member_token(refused, openid="o-refused")
    db.session.add(SubscriptionGrant(member_id=refused.id, template_id=dues_template(app), remaining=1))
    db.session.commit()
    other_branch = make_branch(branch.township)
    subscriber(client, other_branch, 0, [dues_template(app)])
    reminders.send_due_reminders(at(3))

    secretary = bearer(staff_token("branch_secretary", branch.id))
    resp = client.get(f"/api/v1/branches/{branch.id}/dues/reminders?month={current_month()}", headers=secretary)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["total"] == 2 and body["month"] == current_month() and body["branch"]["id"] == branch.id
    by_member = {item["member"]["id"]: item for item in body["items"]}
    assert set(by_member) == {sent.id, refused.id}
    assert by_member[sent.id]["kind"] == "arrears_6" and by_member[sent.id]["kind_label"] == "欠缴满6个月"
    assert by_member[sent.id]["status"] == "sent" and by_member[sent.id]["sent_at"].endswith("+08:00")
    assert by_member[refused.id]["status"] == "failed" and by_member[refused.id]["errcode"] == 43101
    assert by_member[refused.id]["status_label"] == "未送达"
    phone = by_member[sent.id]["member"]["phone_masked"]
    assert "*" in phone and sent.phone not in resp.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dues.reminders_read")) is not None

    paged = client.get(f"/api/v1/branches/{branch.id}/dues/reminders?per_page=1&page=2&kind=failed", headers=secretary)
    assert paged.status_code == 422  # not a kind
    paged = client.get(f"/api/v1/branches/{branch.id}/dues/reminders?per_page=1&page=2", headers=secretary)
    assert paged.get_json()["total"] == 2 and len(paged.get_json()["items"]) == 1
    only = client.get(f"/api/v1/branches/{branch.id}/dues/reminders?kind=dues_due", headers=secretary).get_json()
    assert [i["member"]["id"] for i in only["items"]] == [refused.id]
    earlier = client.get(f"/api/v1/branches/{branch.id}/dues/reminders?month=2025-01", headers=secretary).get_json()
    assert earlier["total"] == 0


def test_the_secretary_sees_who_cannot_be_reminded(client, app):
    branch = make_branch()
    both = subscriber(client, branch, 0, [dues_template(app), report_template(app)], paid_up=True)
    dues_only = subscriber(client, branch, 0, [dues_template(app)], paid_up=True)
    used_up = subscriber(client, branch, 5, [dues_template(app), report_template(app)])
    unbound = make_paying_member(branch, joined_months_ago=0)
    make_paying_member(branch, joined_months_ago=0, status="returned")
    reminders.send_due_reminders(at(3))  # used_up's dues grant goes on its arrears reminder

    body = client.get(f"/api/v1/branches/{branch.id}/dues/reminders",
                      headers=bearer(staff_token("branch_secretary", branch.id))).get_json()
    assert body["total"] == 1
    rows = {row["member"]["id"]: (row["bound"], row["dues_granted"], row["report_granted"])
            for row in body["without_grant"]}
    assert rows == {dues_only.id: (True, True, False), used_up.id: (True, False, True),
                    unbound.id: (False, False, False)}
    assert both.id not in rows
    assert all("*" in row["member"]["phone_masked"] for row in body["without_grant"])


def test_the_list_is_scoped_like_other_secretary_apis(client, app):
    branch = make_branch()
    subscriber(client, branch, 2, [dues_template(app)])
    reminders.send_due_reminders(at(3))
    url = f"/api/v1/branches/{branch.id}/dues/reminders"
    member = subscriber(client, branch, 0, [])
    assert client.get(url, headers=bearer(member.token)).status_code == 403
    assert client.get(url, headers=bearer(staff_token("branch_secretary", make_branch().id))).status_code == 404
    assert client.get(url, headers=bearer(staff_token("township_admin", make_branch().township_id))).status_code == 404
    assert client.get(url, headers=bearer(staff_token("township_admin", branch.township_id))).get_json()["total"] == 1
    assert client.get(url, headers=bearer(staff_token("county_admin"))).get_json()["total"] == 1
    assert client.get(url).status_code == 401
    bad = client.get(f"{url}?month=2026-13", headers=bearer(staff_token("county_admin")))
    assert bad.status_code == 422 and bad.get_json()["code"] == "validation_error"
    assert client.get(f"{url}?month=2026-01%00", headers=bearer(staff_token("county_admin"))).status_code == 422


@pytest.mark.postgresql
def test_two_workers_at_once_send_each_reminder_once(client, app):
    branch = make_branch()
    members = [subscriber(client, branch, 2, [dues_template(app), report_template(app)]) for _ in range(3)]
    app.config["DUES_REMINDER_DUE_DAYS"] = 31
    results = run_threads(app, 4, lambda i: reminders.send_due_reminders(at(20)))
    assert sum(r["sent"] for r in results) == 3, results
    assert len(sent_messages(app.config)) == 3
    assert sorted(r.member_id for r in rows()) == sorted(m.id for m in members)


def test_the_mini_program_asks_for_the_templates_the_server_sends(tmp_path):
    config_js = (Path(__file__).resolve().parents[2] / "miniprogram" / "src" / "config.js").read_text(encoding="utf-8")
    assert re.findall(r"duesReminderTemplate:\s*\{\s*id:\s*'([^']+)'", config_js) == [DEV_DUES_REMINDER_TEMPLATE_ID]
    assert re.findall(r"reportReminderTemplate:\s*\{\s*id:\s*'([^']+)'", config_js) == [DEV_REPORT_REMINDER_TEMPLATE_ID]
    defaults = load_config(str(tmp_path), {})
    assert (defaults["WECHAT_DUES_REMINDER_TEMPLATE_ID"], defaults["WECHAT_REPORT_REMINDER_TEMPLATE_ID"]) == (
        DEV_DUES_REMINDER_TEMPLATE_ID, DEV_REPORT_REMINDER_TEMPLATE_ID)
    configured = load_config(str(tmp_path), {"WECHAT_DUES_REMINDER_TEMPLATE_ID": "Dues-1",
                                             "WECHAT_REPORT_REMINDER_TEMPLATE_ID": "Report-1"})
    assert (configured["WECHAT_DUES_REMINDER_TEMPLATE_ID"], configured["WECHAT_REPORT_REMINDER_TEMPLATE_ID"]) == (
        "Dues-1", "Report-1")
