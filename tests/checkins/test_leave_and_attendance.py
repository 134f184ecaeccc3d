"""Leave, manual entries, attendance lists, the printable sheet and quarterly compliance."""
from datetime import datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from server.checkins import compliance
from server.common.timeutil import SHANGHAI, utcnow
from server.core.audit import AuditEntry
from server.core.members import Member
from server.extensions import db
from tests.checkins.conftest import code_for, outbox
from tests.factories import (
    VENUE,
    bearer,
    make_branch,
    make_event,
    make_member,
    member_token,
    staff_token,
)


def test_leave_request_and_decision(client, secretary, member, member_auth, branch):
    event = make_event(branch, starts_at=utcnow() + timedelta(days=1), ends_at=utcnow() + timedelta(days=1, hours=2))
    resp = client.post(f"/api/v1/events/{event.id}/leave", headers=member_auth, json={"reason": "在工地加班"})
    assert resp.status_code == 201
    leave = resp.get_json()["leave"]
    assert leave["status"] == "pending" and leave["member"]["name"] == "张建国"
    dup = client.post(f"/api/v1/events/{event.id}/leave", headers=member_auth, json={"reason": "再请一次"})
    assert dup.status_code == 409 and dup.get_json()["code"] == "leave_exists"
    listed = client.get(f"/api/v1/events/{event.id}/leaves", headers=secretary).get_json()["items"]
    assert [lv["id"] for lv in listed] == [leave["id"]]
    assert "id_number" not in str(listed)
    other = bearer(staff_token("branch_secretary", make_branch().id))
    assert client.post(f"/api/v1/leaves/{leave['id']}/decision", headers=other, json={"approve": True}).status_code == 404
    decided = client.post(f"/api/v1/leaves/{leave['id']}/decision", headers=secretary,
                          json={"approve": True, "note": "同意，会后补学"})
    assert decided.status_code == 200 and decided.get_json()["leave"]["status"] == "approved"
    twice = client.post(f"/api/v1/leaves/{leave['id']}/decision", headers=secretary, json={"approve": False})
    assert twice.status_code == 409 and twice.get_json()["code"] == "leave_decided"
    changes = outbox("leave.created")
    assert [c.data["status"] for c in changes] == ["pending", "approved"]
    assert set(changes[0].data) == {"leave_id", "event_id", "event_month", "reason", "status"}
    assert len(outbox()) == 2  # the refused duplicate and second decision wrote nothing


def test_no_leave_for_ended_cancelled_or_attended_events(client, secretary, member_auth, branch):
    ended = make_event(branch, starts_at=utcnow() - timedelta(hours=3), ends_at=utcnow() - timedelta(hours=1))
    resp = client.post(f"/api/v1/events/{ended.id}/leave", headers=member_auth, json={"reason": "x"})
    assert resp.status_code == 422 and resp.get_json()["code"] == "event_ended"
    cancelled = make_event(branch, status="cancelled")
    assert client.post(f"/api/v1/events/{cancelled.id}/leave", headers=member_auth, json={"reason": "x"}).status_code == 422
    event = make_event(branch)
    client.post(f"/api/v1/events/{event.id}/checkins", headers=member_auth,
                json={"token": code_for(client, secretary, event.id), "lat": VENUE[0], "lng": VENUE[1]})
    resp = client.post(f"/api/v1/events/{event.id}/leave", headers=member_auth, json={"reason": "x"})
    assert resp.status_code == 409 and resp.get_json()["code"] == "already_checked_in"
    assert client.post(f"/api/v1/events/{event.id}/leave", headers=member_auth, json={"reason": ""}).status_code == 422


def test_manual_entry_is_audited_flagged_and_sent(client, secretary, member, event):
    resp = client.post(f"/api/v1/events/{event.id}/manual-checkins", headers=secretary,
                       json={"member_id": member.id, "reason": "手机没电，现场确认到会"})
    assert resp.status_code == 201
    record = resp.get_json()["checkin"]
    assert record["manual"] is True and record["reason"] == "手机没电，现场确认到会"
    (entry,) = db.session.execute(select(AuditEntry).where(AuditEntry.action == "checkin.manual")).scalars()
    assert entry.actor_type == "staff" and entry.detail["member_id"] == member.id
    (change,) = outbox("checkin.created")
    assert change.data["manual"] is True and change.data["reason"] == "手机没电，现场确认到会"
    again = client.post(f"/api/v1/events/{event.id}/manual-checkins", headers=secretary,
                        json={"member_id": member.id, "reason": "重复"})
    assert again.status_code == 409 and again.get_json()["code"] == "already_checked_in"
    stranger = make_member(make_branch())
    assert client.post(f"/api/v1/events/{event.id}/manual-checkins", headers=secretary,
                       json={"member_id": stranger.id, "reason": "x"}).status_code == 404
    assert client.post(f"/api/v1/events/{event.id}/manual-checkins", headers=secretary,
                       json={"member_id": member.id}).status_code == 422
    township = bearer(staff_token("township_admin", event.branch.township_id))
    assert client.post(f"/api/v1/events/{event.id}/manual-checkins", headers=township,
                       json={"member_id": member.id, "reason": "x"}).status_code == 403
    assert len(outbox()) == 1


def test_no_manual_entry_before_the_start(client, secretary, member, branch):
    event = make_event(branch, starts_at=utcnow() + timedelta(hours=1))
    resp = client.post(f"/api/v1/events/{event.id}/manual-checkins", headers=secretary,
                       json={"member_id": member.id, "reason": "提前"})
    assert resp.status_code == 422 and resp.get_json()["code"] == "event_not_started"


def _attended_meeting(client, secretary, branch):
    """A started meeting: 2 present (one by hand), 1 on approved leave, 1 denied, 1 silent absentee."""
    members = [make_member(branch, name=n) for n in ("张建国", "李秀英", "王强", "赵敏", "刘洋")]
    auths = [bearer(member_token(m)) for m in members]
    event = make_event(branch, starts_at=utcnow() + timedelta(minutes=20), ends_at=utcnow() + timedelta(hours=2))
    for auth, reason in ((auths[2], "老人住院"), (auths[3], "想休息")):
        client.post(f"/api/v1/events/{event.id}/leave", headers=auth, json={"reason": reason})
    leaves = client.get(f"/api/v1/events/{event.id}/leaves", headers=secretary).get_json()["items"]
    for lv in leaves:
        client.post(f"/api/v1/leaves/{lv['id']}/decision", headers=secretary, json={"approve": lv["reason"] == "老人住院"})
    client.post(f"/api/v1/events/{event.id}/checkins", headers=auths[0],
                json={"token": code_for(client, secretary, event.id), "lat": VENUE[0], "lng": VENUE[1]})
    event.starts_at = utcnow() - timedelta(minutes=1)  # the meeting begins
    db.session.commit()
    client.post(f"/api/v1/events/{event.id}/manual-checkins", headers=secretary,
                json={"member_id": members[1].id, "reason": "忘带手机"})
    return event, members


def test_attendance_lists_and_a_frozen_roster(client, secretary, branch):
    event, members = _attended_meeting(client, secretary, branch)
    body = client.get(f"/api/v1/events/{event.id}/attendance", headers=secretary).get_json()
    assert body["expected_count"] == 5 and body["expected_frozen"] is True
    assert [r["member"]["name"] for r in body["present"]] == ["张建国", "李秀英"]
    assert body["present"][1]["manual"] is True and body["present"][1]["manual_reason"] == "忘带手机"
    assert [(r["member"]["name"], r["leave_reason"]) for r in body["on_leave"]] == [("王强", "老人住院")]
    absent = {r["member"]["name"]: r["leave_status"] for r in body["absent"]}
    assert absent == {"赵敏": "denied", "刘洋": None}
    assert all("*" in r["member"]["phone_masked"] for r in body["present"])
    # Later roster changes leave the meeting's record alone.
    db.session.get(Member, members[4].id).status = "transferred"
    make_member(branch, name="新来的")
    db.session.commit()
    later = client.get(f"/api/v1/events/{event.id}/attendance", headers=secretary).get_json()
    assert later["expected_count"] == 5 and [r["member"]["name"] for r in later["absent"]] == ["赵敏", "刘洋"]
    county = bearer(staff_token("county_admin"))
    assert client.get(f"/api/v1/events/{event.id}/attendance", headers=county).status_code == 200
    other = bearer(staff_token("township_admin", make_branch().township_id))
    assert client.get(f"/api/v1/events/{event.id}/attendance", headers=other).status_code == 404


def test_attendance_sheet_reads_back(client, secretary, branch):
    event, _ = _attended_meeting(client, secretary, branch)
    resp = client.get(f"/api/v1/events/{event.id}/attendance?format=xlsx", headers=secretary)
    assert resp.status_code == 200 and "spreadsheetml" in resp.mimetype
    assert "attachment" in resp.headers["Content-Disposition"]
    ws = load_workbook(BytesIO(resp.data)).active
    cells = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    flat = {str(c) for row in cells for c in row}
    assert ws["A1"].value.endswith("主题党日会议记录")
    facts = {row[0]: row[1] for row in cells if len(row) == 2}
    assert facts["应到人数"] == 5 and facts["实到人数"] == 2 and facts["请假人数"] == 1 and facts["缺席人数"] == 2
    assert facts["主持人"] == "王书记" and facts["会议地点"] == "江汉区党群服务中心"
    assert {"出席人员", "请假人员", "缺席人员", "张建国", "老人住院", "补签：忘带手机"} <= flat
    assert any("请假未获批准（想休息）" in c for c in flat) and "未请假" in flat
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert max(c.font.size for row in ws.iter_rows() for c in row if c.value) >= 14


def test_compliance_counts_held_meetings(client, ctx, secretary, branch):
    def at(y, m, d, h=19):
        return datetime(y, m, d, h, tzinfo=SHANGHAI)

    for kind, month in (("theme_day", 10), ("theme_day", 11), ("theme_day", 12), ("group", 10), ("group", 11),
                        ("committee", 10), ("lecture", 11), ("lecture", 12)):
        make_event(branch, kind=kind, starts_at=at(2025, month, 10), ends_at=at(2025, month, 10, 21))
    make_event(branch, kind="branch_assembly", starts_at=at(2025, 12, 20), ends_at=at(2025, 12, 20, 21),
               status="cancelled")
    make_event(branch, kind="group", starts_at=at(2026, 1, 5), ends_at=at(2026, 1, 5, 21))  # next quarter
    resp = client.get(f"/api/v1/branches/{branch.id}/compliance?quarter=2025-Q4", headers=secretary)
    assert resp.status_code == 200
    items = {i["kind"]: i for i in resp.get_json()["items"]}
    assert items["theme_day"]["held"] == 3 and items["theme_day"]["status"] == "met"
    assert items["group"]["held"] == 2 and [p["status"] for p in items["group"]["periods"]] == ["met", "met", "missed"]
    assert items["committee"]["held"] == 1 and items["committee"]["status"] == "missed"
    assert items["lecture"]["held"] == 2 and items["lecture"]["status"] == "met"
    assert items["branch_assembly"]["held"] == 0 and items["branch_assembly"]["status"] == "missed"
    assert resp.get_json()["status"] == "missed"
    assert client.get(f"/api/v1/branches/{branch.id}/compliance?quarter=2025-Q5", headers=secretary).status_code == 422
    other = bearer(staff_token("branch_secretary", make_branch().id))
    assert client.get(f"/api/v1/branches/{branch.id}/compliance?quarter=2025-Q4", headers=other).status_code == 404


def test_compliance_of_a_running_quarter_is_pending(client, secretary, branch):
    quarter = f"{utcnow().astimezone(SHANGHAI).year}-Q{(utcnow().astimezone(SHANGHAI).month - 1) // 3 + 1}"
    make_event(branch, kind="lecture")  # happening now: not held yet
    body = client.get(f"/api/v1/branches/{branch.id}/compliance?quarter={quarter}", headers=secretary).get_json()
    lecture = next(i for i in body["items"] if i["kind"] == "lecture")
    assert lecture["held"] == 0 and lecture["status"] == "pending"
    assert compliance.quarter_months("2026-Q4") == ["2026-10", "2026-11", "2026-12"]
