"""Minutes: what the record shows, amendments with history, lock, and scope."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.common.timeutil import utcnow
from server.core.audit import AuditEntry
from server.extensions import db
from tests.factories import bearer, make_branch, make_event, staff_token
from tests.minutes.conftest import minutes_url


def test_record_names_attendees_and_absentees_with_reasons(client, secretary, meeting):
    body = client.get(minutes_url(meeting), headers=secretary).get_json()
    assert (body["chair"], body["recorder"], body["topic"]) == ("王书记", "李委员", "学习党的二十届四中全会精神")
    assert body["status"] == "open" and body["version"] == 0
    assert [a["name"] for a in body["attendees"]] == ["张建国"]
    reasons = {a["name"]: (a["kind"], a["reason"]) for a in body["absentees"]}
    assert reasons == {"李春梅": ("on_leave", "请假：在深圳加班，无法请假"), "王大山": ("absent", "未请假"),
                       "赵小红": ("absent", "请假未获批准：想休息")}
    assert body["expected_count"] == 4


def test_amendments_are_kept_with_who_when_and_what(client, secretary, meeting):
    first = client.put(minutes_url(meeting), headers=secretary, json={"content": "传达学习文件", "decisions": "开展志愿服务"})
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["version"] == 1
    second = client.put(minutes_url(meeting), headers=secretary, json={"decisions": "十二月开展志愿服务", "chair": "王书记"})
    assert second.get_json()["version"] == 2
    assert second.get_json()["decisions"] == "十二月开展志愿服务"

    history = client.get(minutes_url(meeting, "/history"), headers=secretary).get_json()["items"]
    assert [h["version"] for h in history] == [2, 1]
    assert history[0]["changes"] == [{"field": "decisions", "from": "开展志愿服务", "to": "十二月开展志愿服务"}]
    assert {c["field"] for c in history[1]["changes"]} == {"content", "decisions"}
    assert history[0]["changed_by"].startswith("staff") and history[0]["changed_at"]
    actions = db.session.execute(select(AuditEntry.action).where(AuditEntry.action.like("minutes.%"))).scalars().all()
    assert actions == ["minutes.amended", "minutes.amended"]


def test_unchanged_save_adds_no_history(client, secretary, meeting):
    client.put(minutes_url(meeting), headers=secretary, json={"content": "传达学习文件"})
    again = client.put(minutes_url(meeting), headers=secretary, json={"content": "传达学习文件 "})
    assert again.get_json()["version"] == 1
    assert len(client.get(minutes_url(meeting, "/history"), headers=secretary).get_json()["items"]) == 1


def test_locked_minutes_cannot_change(client, secretary, meeting):
    client.put(minutes_url(meeting), headers=secretary, json={"content": "传达学习文件"})
    locked = client.post(minutes_url(meeting, "/lock"), headers=secretary)
    assert locked.status_code == 200 and locked.get_json()["status"] == "locked"
    refused = client.put(minutes_url(meeting), headers=secretary, json={"content": "改过的内容"})
    assert refused.status_code == 409 and refused.get_json()["code"] == "minutes_locked"
    assert client.post(minutes_url(meeting, "/lock"), headers=secretary).status_code == 409
    assert client.get(minutes_url(meeting), headers=secretary).get_json()["content"] == "传达学习文件"


def test_lock_waits_for_the_meeting_to_end_and_for_some_minutes(client, secretary, branch, meeting):
    assert client.post(minutes_url(meeting, "/lock"), headers=secretary).get_json()["code"] == "minutes_empty"
    running = make_event(branch)
    client.put(minutes_url(running), headers=secretary, json={"content": "会议进行中"})
    assert client.post(minutes_url(running, "/lock"), headers=secretary).get_json()["code"] == "event_not_ended"


def test_another_branchs_minutes_are_404(client, meeting):
    other = bearer(staff_token("branch_secretary", make_branch(kind="mobile").id))
    other_township = bearer(staff_token("township_admin", make_branch().township_id))
    assert client.get(minutes_url(meeting), headers=other).status_code == 404
    assert client.put(minutes_url(meeting), headers=other, json={"content": "x"}).status_code == 404
    assert client.post(minutes_url(meeting, "/lock"), headers=other).status_code == 404
    assert client.get(minutes_url(meeting, "/history"), headers=other).status_code == 404
    assert client.get(minutes_url(meeting), headers=other_township).status_code == 404


def test_township_admin_reads_but_does_not_write(client, secretary, branch, meeting):
    township = bearer(staff_token("township_admin", branch.township_id))
    client.put(minutes_url(meeting), headers=secretary, json={"content": "传达学习文件"})
    assert client.get(minutes_url(meeting), headers=township).get_json()["content"] == "传达学习文件"
    assert client.put(minutes_url(meeting), headers=township, json={"content": "x"}).status_code == 403
    assert client.post(minutes_url(meeting, "/lock"), headers=township).status_code == 403


def test_bad_input_is_422(client, secretary, branch, meeting):
    assert client.put(minutes_url(meeting), headers=secretary, json={}).status_code == 422
    assert client.put(minutes_url(meeting), headers=secretary, json={"content": "x" * 10001}).status_code == 422
    assert client.put(minutes_url(meeting), headers=secretary, json={"chair": "a\x00b"}).status_code == 422
    assert client.put(minutes_url(meeting), headers=secretary, json={"colour": "red"}).status_code == 422
    cancelled = make_event(branch, status="cancelled", ends_at=utcnow() - timedelta(minutes=1))
    refused = client.put(minutes_url(cancelled), headers=secretary, json={"content": "x"})
    assert refused.status_code == 422 and refused.get_json()["code"] == "event_cancelled"
