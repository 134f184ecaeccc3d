"""Who may publish where (out of scope is 404), bad input (422), staff reads, the audit row and the messages."""
import pytest

from server.core.audit import AuditEntry
from server.core.subscriptions import SubscriptionGrant
from server.extensions import db
from server.jobs import drain
from server.notices.models import NoticeMessage
from tests.callers import assert_error_shape
from tests.factories import bearer, make_branch, make_member, member_token, staff_token
from tests.notices.helpers import county_admin, make_town, publish, secretary, township_admin


def test_targets_outside_the_publishers_scope_are_404(client, ctx):
    jinshan, xidou = make_town("金山镇"), make_town("西斗铺镇")
    assert_error_shape(publish(client, township_admin(jinshan), township_id=xidou.township.id), 404)
    assert_error_shape(publish(client, township_admin(jinshan), branch_id=xidou.branch.id), 404)
    assert_error_shape(publish(client, secretary(jinshan), branch_id=xidou.branch.id), 404)
    assert_error_shape(publish(client, secretary(jinshan), township_id=jinshan.township.id), 404)
    assert_error_shape(publish(client, secretary(jinshan), branch_id=make_branch(jinshan.township).id), 404)
    assert_error_shape(publish(client, county_admin(), township_id=999999), 404)
    assert_error_shape(publish(client, county_admin(), branch_id=999999), 404)
    assert titles_seen(client, jinshan) == 0


def titles_seen(client, town) -> int:
    return client.get("/api/v1/me/notices", headers=town.tokens[0]).get_json()["total"]


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"),
    ({"title": "标" * 101}, "title"),
    ({"title": "通知\x00"}, "title"),
    ({"title": "第一行\n第二行"}, "title"),
    ({"body": ""}, "body"),
    ({"body": "内" * 5001}, "body"),
    ({"body": "内容\x00"}, "body"),
    ({"expires_on": "1999-12-31"}, "expires_on"),
    ({"expires_on": "2026-13-01"}, "expires_on"),
    ({"township_id": 2**31}, "township_id"),
    ({"pinned": "maybe"}, "pinned"),
    ({"audience": "county"}, "audience"),
])
def test_bad_input_is_422_and_publishes_nothing(client, ctx, body, field):
    town = make_town("金山镇", bound=1, unbound=0)
    resp = publish(client, township_admin(town), **body)
    assert field in assert_error_shape(resp, 422)["errors"]
    assert titles_seen(client, town) == 0


def test_a_township_and_a_branch_together_are_422(client, ctx):
    town = make_town("金山镇")
    resp = publish(client, county_admin(), township_id=town.township.id, branch_id=town.branch.id)
    assert "branch_id" in assert_error_shape(resp, 422)["errors"]


def test_multiline_body_is_kept(client, ctx):
    town = make_town("金山镇", bound=1, unbound=0)
    publish(client, secretary(town), body="第一条\n\t第二条")
    assert client.get("/api/v1/me/notices", headers=town.tokens[0]).get_json()["items"][0]["body"] == "第一条\n\t第二条"


def test_members_may_not_publish_and_staff_may_not_read_the_members_list(client, ctx):
    town = make_town("金山镇", bound=1, unbound=0)
    assert_error_shape(publish(client, town.tokens[0]), 403)
    assert_error_shape(client.get("/api/v1/me/notices", headers=secretary(town)), 403)
    assert_error_shape(publish(client, {}), 401)


def test_staff_see_only_notices_inside_their_scope(client, ctx):
    jinshan, xidou = make_town("金山镇"), make_town("西斗铺镇")
    county = publish(client, county_admin(), title="全县通知").get_json()
    town_notice = publish(client, township_admin(jinshan), title="金山镇通知").get_json()
    branch_notice = publish(client, secretary(jinshan), title="金山支部通知").get_json()

    listed = client.get("/api/v1/notices", headers=township_admin(jinshan)).get_json()
    assert [n["title"] for n in listed["items"]] == ["金山支部通知", "金山镇通知"]
    assert listed["total"] == 2 and "read_count" in listed["items"][0]
    assert [n["title"] for n in client.get("/api/v1/notices", headers=county_admin()).get_json()["items"]] == [
        "金山支部通知", "金山镇通知", "全县通知"]
    assert client.get("/api/v1/notices", headers=secretary(xidou)).get_json()["total"] == 0

    assert_error_shape(client.get(f"/api/v1/notices/{county['id']}", headers=township_admin(jinshan)), 404)
    assert_error_shape(client.get(f"/api/v1/notices/{town_notice['id']}", headers=secretary(jinshan)), 404)
    assert_error_shape(client.get(f"/api/v1/notices/{branch_notice['id']}", headers=township_admin(xidou)), 404)
    assert_error_shape(client.get(f"/api/v1/notices/{branch_notice['id']}/unread", headers=secretary(xidou)), 404)
    assert client.get(f"/api/v1/notices/{branch_notice['id']}", headers=township_admin(jinshan)).status_code == 200


def test_publishing_is_audited(client, ctx):
    town = make_town("金山镇")
    notice = publish(client, secretary(town), title="审计通知", pinned=True).get_json()
    entry = db.session.query(AuditEntry).filter_by(action="notice.published").one()
    assert (entry.actor_type, entry.target_type, entry.target_id) == ("staff", "notice", str(notice["id"]))
    assert entry.detail["audience"] == "branch" and entry.detail["title"] == "审计通知" and entry.detail["pinned"]


def test_one_subscribe_message_per_grant_to_active_audience_members(client, app, ctx, monkeypatch):
    from server.wechat import gateway

    sent = []
    monkeypatch.setattr(gateway, "send_subscribe_message",
                        lambda openid, template, data, page=None: sent.append((openid, template, data, page)) or {})
    template = app.config["WECHAT_NOTICE_TEMPLATE_ID"]
    town, elsewhere = make_town("金山镇", bound=3, unbound=1), make_town("西斗铺镇", bound=1, unbound=0)
    for member, remaining in ((town.members[0], 1), (town.members[1], 0), (elsewhere.members[0], 5)):
        db.session.add(SubscriptionGrant(member_id=member.id, template_id=template, remaining=remaining))
    db.session.add(SubscriptionGrant(member_id=town.members[2].id, template_id="meeting-reminder-dev", remaining=3))
    db.session.commit()

    first = publish(client, secretary(town), title="第一条通知").get_json()
    drain(app)  # the messages go out on the worker (inline on the embedded defaults)
    assert len(sent) == 1 and sent[0][1] == template
    assert sent[0][2]["thing1"]["value"] == "第一条通知" and sent[0][3] == f"pages/notice/notice?id={first['id']}"
    publish(client, secretary(town), title="第二条通知")
    drain(app)
    assert len(sent) == 1  # the one grant is used up
    db.session.expire_all()
    assert db.session.query(SubscriptionGrant).filter_by(member_id=town.members[0].id).one().remaining == 0
    assert [(m.member_id, m.status) for m in db.session.query(NoticeMessage)] == [(town.members[0].id, "sent")]


def test_the_message_job_sends_once_even_when_run_again(client, app, ctx, monkeypatch):
    from server.notices.messages import send_notice_messages
    from server.wechat import gateway

    sent = []
    monkeypatch.setattr(gateway, "send_subscribe_message", lambda *a, **k: sent.append(a) or {})
    town = make_town("金山镇", bound=1, unbound=0)
    db.session.add(SubscriptionGrant(member_id=town.members[0].id, template_id=app.config["WECHAT_NOTICE_TEMPLATE_ID"],
                                     remaining=3))
    db.session.commit()
    notice = publish(client, secretary(town)).get_json()
    drain(app)
    assert send_notice_messages(notice["id"]) == {"sent": 0, "failed": 0}
    assert len(sent) == 1


def test_the_county_reaches_every_township_including_members_without_wechat(client, ctx):
    towns = [make_town(name, bound=1, unbound=1) for name in ("金山镇", "西斗铺镇", "蒋家堰镇")]
    lone = make_member(make_branch(towns[0].township))
    notice = publish(client, county_admin()).get_json()
    assert notice["unread_count"] == 7
    client.post(f"/api/v1/me/notices/{notice['id']}/read", headers=bearer(member_token(lone)))
    detail = client.get(f"/api/v1/notices/{notice['id']}", headers=bearer(staff_token("county_admin"))).get_json()
    assert (detail["read_count"], detail["unread_count"]) == (1, 6)


def test_a_refused_message_is_recorded_with_wechats_errcode_and_not_retried(client, app, ctx, monkeypatch):
    from server.notices.messages import send_notice_messages
    from server.wechat import gateway

    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise gateway.WechatRejected(43101, "user refuse to accept the msg")

    monkeypatch.setattr(gateway, "send_subscribe_message", refuse)
    town = make_town("金山镇", bound=1, unbound=0)
    db.session.add(SubscriptionGrant(member_id=town.members[0].id, template_id=app.config["WECHAT_NOTICE_TEMPLATE_ID"],
                                     remaining=2))
    db.session.commit()
    notice = publish(client, secretary(town))
    assert notice.status_code == 201  # publishing never waits for, or fails with, WeChat
    drain(app)
    send_notice_messages(notice.get_json()["id"])
    assert len(calls) == 1
    db.session.expire_all()
    message = db.session.query(NoticeMessage).one()
    assert (message.status, message.errcode) == ("failed", 43101)
