"""Secretaries plan, edit and cancel meetings; staff read them in scope."""
from datetime import timedelta

from server.common.timeutil import isoformat, utcnow
from server.core.audit import AuditEntry
from server.extensions import db
from tests.factories import bearer, make_branch, make_event, make_township, staff_token


def event_body(branch_id, **over):
    now = utcnow()
    body = {"branch_id": branch_id, "kind": "branch_assembly", "title": "第四季度支部党员大会",
            "starts_at": isoformat(now + timedelta(days=1)), "ends_at": isoformat(now + timedelta(days=1, hours=2)),
            "location": {"lat": 30.5928, "lng": 114.3055, "radius_m": 150}, "place_name": "江汉区党群服务中心",
            "chair": "王书记", "recorder": "李委员", "topic": "学习党的二十届四中全会精神"}
    body.update(over)
    return body


def test_secretary_creates_an_event(client, secretary, branch):
    resp = client.post("/api/v1/events", headers=secretary, json=event_body(branch.id))
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["id"] and body["kind_label"] == "支部党员大会" and body["status"] == "scheduled"
    assert body["location"] == {"lat": 30.5928, "lng": 114.3055, "radius_m": 150}
    assert body["starts_at"].endswith("+08:00") and body["branch"]["id"] == branch.id
    assert db.session.query(AuditEntry).filter_by(action="event.created").count() == 1


def test_event_input_is_validated(client, secretary, branch):
    now = utcnow()
    cases = [
        {"kind": "party"},
        {"ends_at": isoformat(now + timedelta(hours=20))},  # before the start
        {"starts_at": "2026-12-01T19:00:00"},  # no offset
        {"location": {"lat": 30.5, "lng": 114.3, "radius_m": 5}},
        {"location": {"lat": 300, "lng": 114.3, "radius_m": 100}},
        {"title": ""},
        {"unknown": 1},
    ]
    for over in cases:
        resp = client.post("/api/v1/events", headers=secretary, json=event_body(branch.id, **over))
        assert resp.status_code == 422 and resp.get_json()["code"] == "validation_error", over
    past = event_body(branch.id, starts_at=isoformat(now - timedelta(hours=3)), ends_at=isoformat(now - timedelta(hours=1)))
    resp = client.post("/api/v1/events", headers=secretary, json=past)
    assert resp.status_code == 422 and resp.get_json()["code"] == "event_in_past"


def test_only_the_branch_secretary_creates(client, ctx, secretary, branch, member_auth):
    other_branch = make_branch()
    assert client.post("/api/v1/events", headers=secretary, json=event_body(other_branch.id)).status_code == 404
    village = make_branch(branch.township, kind="village")
    assert client.post("/api/v1/events", headers=bearer(staff_token("branch_secretary", village.id)),
                       json=event_body(village.id)).status_code == 422
    township = bearer(staff_token("township_admin", branch.township_id))
    assert client.post("/api/v1/events", headers=township, json=event_body(branch.id)).status_code == 403
    assert client.post("/api/v1/events", headers=member_auth, json=event_body(branch.id)).status_code == 403


def test_lists_by_branch_month_and_upcoming_within_scope(client, ctx, secretary, branch):
    now = utcnow()
    past = make_event(branch, starts_at=now - timedelta(days=40), ends_at=now - timedelta(days=40, hours=-2))
    soon = make_event(branch, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=2))
    make_event(branch, starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2), status="cancelled")
    elsewhere = make_event(make_branch(make_township()))
    listing = client.get("/api/v1/events", headers=secretary).get_json()
    assert listing["total"] == 3 and elsewhere.id not in [e["id"] for e in listing["items"]]
    upcoming = client.get("/api/v1/events?upcoming=1", headers=secretary).get_json()
    assert [e["id"] for e in upcoming["items"]] == [soon.id]
    month = isoformat(past.starts_at)[:7]
    by_month = client.get(f"/api/v1/events?month={month}", headers=secretary).get_json()
    assert past.id in [e["id"] for e in by_month["items"]]
    township = bearer(staff_token("township_admin", branch.township_id))
    assert client.get(f"/api/v1/events?branch_id={branch.id}", headers=township).get_json()["total"] == 3
    assert client.get(f"/api/v1/events/{past.id}", headers=township).status_code == 200
    other_township = bearer(staff_token("township_admin", elsewhere.branch.township_id))
    assert client.get(f"/api/v1/events/{past.id}", headers=other_township).status_code == 404
    county = bearer(staff_token("county_admin"))
    assert client.get("/api/v1/events", headers=county).get_json()["total"] == 4
    assert client.get("/api/v1/events?month=2026-13", headers=county).status_code == 422


def test_edit_and_cancel(client, secretary, branch):
    event = make_event(branch, starts_at=utcnow() + timedelta(hours=5), ends_at=utcnow() + timedelta(hours=7))
    resp = client.patch(f"/api/v1/events/{event.id}", headers=secretary,
                        json={"title": "改期后的主题党日", "location": {"lat": 30.6, "lng": 114.3, "radius_m": 300}})
    assert resp.status_code == 200
    assert resp.get_json()["title"] == "改期后的主题党日" and resp.get_json()["location"]["radius_m"] == 300
    bad = client.patch(f"/api/v1/events/{event.id}", headers=secretary,
                       json={"ends_at": isoformat(event.starts_at - timedelta(hours=1))})
    assert bad.status_code == 422
    cancelled = client.post(f"/api/v1/events/{event.id}/cancel", headers=secretary, json={"reason": "暴雨预警"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/events/{event.id}/cancel", headers=secretary, json={"reason": "x"})
    assert again.status_code == 422 and again.get_json()["code"] == "event_cancelled"
    assert client.patch(f"/api/v1/events/{event.id}", headers=secretary, json={"title": "x"}).status_code == 422


def test_started_event_keeps_its_kind_time_and_place(client, secretary, event):
    resp = client.patch(f"/api/v1/events/{event.id}", headers=secretary, json={"kind": "lecture"})
    assert resp.status_code == 422 and resp.get_json()["code"] == "event_started"
    assert client.patch(f"/api/v1/events/{event.id}", headers=secretary, json={"recorder": "赵委员"}).status_code == 200


def test_every_endpoint_is_documented(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    expected = {
        ("/api/v1/events", "post"), ("/api/v1/events", "get"), ("/api/v1/events/{event_id}", "get"),
        ("/api/v1/events/{event_id}", "patch"), ("/api/v1/events/{event_id}/cancel", "post"),
        ("/api/v1/events/{event_id}/checkin-code", "get"), ("/api/v1/events/{event_id}/checkins", "post"),
        ("/api/v1/events/{event_id}/leave", "post"), ("/api/v1/events/{event_id}/leaves", "get"),
        ("/api/v1/leaves/{leave_id}/decision", "post"), ("/api/v1/events/{event_id}/manual-checkins", "post"),
        ("/api/v1/events/{event_id}/attendance", "get"), ("/api/v1/branches/{branch_id}/compliance", "get"),
        ("/api/v1/me/events", "get"), ("/api/v1/me/checkins", "get"), ("/api/v1/me/subscriptions", "post"),
    }
    assert {(p, m) for p, m in expected if m in paths.get(p, {})} == expected
    code = paths["/api/v1/events/{event_id}/checkin-code"]["get"]["responses"]["200"]["content"]
    assert "image/png" in code
    sheet = paths["/api/v1/events/{event_id}/attendance"]["get"]["responses"]["200"]["content"]
    assert any("spreadsheetml" in c for c in sheet)


def test_every_event_says_whether_it_is_upcoming_on_now_ended_or_cancelled(client, secretary, branch, member_auth):
    now = utcnow()
    make_event(branch, title="下周", starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=2))
    make_event(branch, title="正在开")
    make_event(branch, title="上周", starts_at=now - timedelta(days=7), ends_at=now - timedelta(days=7) + timedelta(hours=2))
    make_event(branch, title="取消了", status="cancelled", cancel_reason="改期")
    expected = {"下周": ("upcoming", "未开始"), "正在开": ("ongoing", "进行中"), "上周": ("ended", "已结束"),
                "取消了": ("cancelled", "已取消")}
    for path, auth in ((f"/api/v1/events?branch_id={branch.id}", secretary), ("/api/v1/me/events", member_auth)):
        items = client.get(path, headers=auth).get_json()["items"]
        assert {e["title"]: (e["phase"], e["phase_label"]) for e in items} == expected
