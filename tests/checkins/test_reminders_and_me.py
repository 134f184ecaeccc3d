"""Meeting reminders through subscribe messages, and the member's own lists."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.checkins import tasks
from server.checkins.models import Reminder
from server.common.timeutil import utcnow
from server.core.accounts import WechatAccount
from server.core.subscriptions import SubscriptionGrant
from server.extensions import db
from server.jobs import PERIODIC
from server.wechat.emulator.wxa import grant_subscription, sent_messages
from tests.checkins.conftest import code_for
from tests.factories import VENUE, bearer, make_event, make_member, member_token


def soon_event(branch, **fields):
    return make_event(branch, starts_at=utcnow() + timedelta(hours=3), ends_at=utcnow() + timedelta(hours=5), **fields)


def test_grant_is_counted_and_one_reminder_is_sent(client, app, member, member_auth, branch):
    template = app.config["WECHAT_REMINDER_TEMPLATE_ID"]
    resp = client.post("/api/v1/me/subscriptions", headers=member_auth, json={"template_id": template})
    assert resp.status_code == 201 and resp.get_json() == {"template_id": template, "remaining": 1}
    event = soon_event(branch, title="十二月主题党日")
    make_event(branch, starts_at=utcnow() + timedelta(days=3), ends_at=utcnow() + timedelta(days=3, hours=2))
    assert tasks.meeting_reminders()["sent"] == 1
    (message,) = sent_messages(app.config)
    openid = db.session.execute(select(WechatAccount.openid).where(WechatAccount.member_id == member.id)).scalar_one()
    assert message["touser"] == openid and message["template_id"] == template
    assert message["data"]["thing1"]["value"] == "十二月主题党日"
    (reminder,) = db.session.execute(select(Reminder)).scalars()
    assert reminder.status == "sent" and reminder.event_id == event.id
    assert db.session.execute(select(SubscriptionGrant.remaining)).scalar_one() == 0
    # Another grant later does not make the same meeting remind twice.
    client.post("/api/v1/me/subscriptions", headers=member_auth, json={"template_id": template})
    assert tasks.meeting_reminders()["sent"] == 0 and len(sent_messages(app.config)) == 1
    assert any(func is tasks.meeting_reminders for _, func in PERIODIC)


def test_no_grant_no_message(app, ctx, member, branch):
    member_token(member)
    soon_event(branch)
    assert tasks.meeting_reminders() == {"sent": 0, "failed": 0, "frozen": 0}
    assert sent_messages(app.config) == [] and db.session.execute(select(Reminder)).first() is None


def test_wechat_refusal_is_recorded_and_not_retried(app, ctx, member, branch):
    member_token(member)
    # The service believes in a grant WeChat does not know about (e.g. the user revoked it).
    db.session.add(SubscriptionGrant(member_id=member.id, template_id=app.config["WECHAT_REMINDER_TEMPLATE_ID"], remaining=2))
    db.session.commit()
    soon_event(branch)
    assert tasks.meeting_reminders()["failed"] == 1
    (reminder,) = db.session.execute(select(Reminder)).scalars()
    assert reminder.status == "failed" and reminder.errcode == 43101
    assert tasks.meeting_reminders()["failed"] == 0 and sent_messages(app.config) == []


def test_reminders_go_only_to_expected_members_with_accounts(app, ctx, branch):
    template = app.config["WECHAT_REMINDER_TEMPLATE_ID"]
    plain, committee = make_member(branch), make_member(branch, is_committee=True)
    make_member(branch)  # a grant-less member without an account is skipped silently
    for m in (plain, committee):
        member_token(m, openid=f"o-{m.id}")
        db.session.add(SubscriptionGrant(member_id=m.id, template_id=template, remaining=1))
        grant_subscription(app.config, f"o-{m.id}", template)
    db.session.commit()
    soon_event(branch, kind="committee")
    assert tasks.meeting_reminders()["sent"] == 1
    assert [m["touser"] for m in sent_messages(app.config)] == [f"o-{committee.id}"]


def test_subscription_input_and_ceiling(client, app, member_auth):
    assert client.post("/api/v1/me/subscriptions", headers=member_auth, json={}).status_code == 422
    assert client.post("/api/v1/me/subscriptions", headers=member_auth, json={"template_id": "x" * 65}).status_code == 422
    app.config["SUBSCRIPTION_MAX_GRANTS"] = 2
    template = app.config["WECHAT_NOTICE_TEMPLATE_ID"]
    counts = [client.post("/api/v1/me/subscriptions", headers=member_auth, json={"template_id": template})
              .get_json()["remaining"] for _ in range(3)]
    assert counts == [1, 2, 2]


@pytest.mark.parametrize("setting", ["WECHAT_REMINDER_TEMPLATE_ID", "WECHAT_NOTICE_TEMPLATE_ID",
                                     "WECHAT_DUES_REMINDER_TEMPLATE_ID", "WECHAT_REPORT_REMINDER_TEMPLATE_ID"])
def test_each_template_the_service_sends_is_counted(client, app, member_auth, setting):
    app.config[setting] = "Prod-Template-0001"
    resp = client.post("/api/v1/me/subscriptions", headers=member_auth, json={"template_id": "Prod-Template-0001"})
    assert resp.status_code == 201 and resp.get_json() == {"template_id": "Prod-Template-0001", "remaining": 1}


def test_a_template_the_service_does_not_use_is_refused(client, app, member_auth):
    app.config["WECHAT_REMINDER_TEMPLATE_ID"] = "Prod-Meeting-0001"
    for template in ("t1", "meeting-reminder-dev", app.config["WECHAT_REGISTRATION_TEMPLATE_ID"]):
        resp = client.post("/api/v1/me/subscriptions", headers=member_auth, json={"template_id": template})
        assert resp.status_code == 422, template
        body = resp.get_json()
        assert body["code"] == "validation_error"
        assert body["message"] == "本服务不使用这个订阅消息模板"
        assert body["errors"]["template_id"] == ["不是本服务发送的订阅消息模板"]
    assert db.session.scalar(select(func.count()).select_from(SubscriptionGrant)) == 0


def test_my_events_show_my_own_state(client, secretary, branch, member, member_auth):
    now = utcnow()
    here = make_event(branch, title="今天的活动")
    asked = make_event(branch, title="请假的活动", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=2))
    make_event(branch, title="委员会", kind="committee", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=1))
    make_event(branch, title="上个月", starts_at=now - timedelta(days=30), ends_at=now - timedelta(days=30, hours=-2))
    client.post(f"/api/v1/events/{here.id}/checkins", headers=member_auth,
                json={"token": code_for(client, secretary, here.id), "lat": VENUE[0], "lng": VENUE[1]})
    client.post(f"/api/v1/events/{asked.id}/leave", headers=member_auth, json={"reason": "出差"})
    body = client.get("/api/v1/me/events?upcoming=1", headers=member_auth).get_json()
    states = {e["title"]: e["my_state"] for e in body["items"]}
    assert states == {"今天的活动": "present", "请假的活动": "leave_pending"}
    assert body["items"][1]["my_leave"]["status"] == "pending"
    everything = client.get("/api/v1/me/events", headers=member_auth).get_json()
    assert everything["total"] == 3 and everything["items"][-1]["title"] == "上个月"
    assert client.get("/api/v1/me/events", headers=secretary).status_code == 403


def test_my_checkin_history_is_paged(client, secretary, branch, member, member_auth):
    for i in range(3):
        event = make_event(branch, title=f"活动{i}")
        client.post(f"/api/v1/events/{event.id}/checkins", headers=member_auth,
                    json={"token": code_for(client, secretary, event.id), "lat": VENUE[0], "lng": VENUE[1]})
    page = client.get("/api/v1/me/checkins?per_page=2", headers=member_auth).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert page["items"][0]["event"]["title"] in {"活动0", "活动1", "活动2"}
    other = bearer(member_token(make_member(branch)))
    assert client.get("/api/v1/me/checkins", headers=other).get_json()["total"] == 0
    assert client.get("/api/v1/me/checkins?per_page=1000", headers=member_auth).status_code == 422


def test_my_state_follows_the_leave_decision_and_the_closing_of_check_in(client, secretary, branch, member, member_auth):
    now = utcnow()
    approved = make_event(branch, title="准假", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=2))
    denied = make_event(branch, title="不准假", starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=2))
    make_event(branch, title="未到", starts_at=now - timedelta(days=1), ends_at=now - timedelta(days=1, hours=-2))
    make_event(branch, title="还没开始", starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2))
    for event, approve in ((approved, True), (denied, False)):
        leave = client.post(f"/api/v1/events/{event.id}/leave", headers=member_auth, json={"reason": "出差"}).get_json()
        decided = client.post(f"/api/v1/leaves/{leave['leave']['id']}/decision", headers=secretary, json={"approve": approve})
        assert decided.status_code == 200, decided.get_json()
    body = client.get("/api/v1/me/events", headers=member_auth).get_json()
    states = {e["title"]: e["my_state"] for e in body["items"]}
    assert states == {"准假": "on_leave", "不准假": "leave_denied", "未到": "absent", "还没开始": "none"}
