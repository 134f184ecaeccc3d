"""Organisational-life compliance of one branch: quarter and year figures from real events, the yearly rules
(life meeting, democratic evaluation) and the rule each miss breaks."""
from datetime import datetime

from server.common.timeutil import SHANGHAI
from tests.factories import bearer, make_branch, make_evaluation, make_event, make_member, staff_token


def at(y, m, d, h=19):
    return datetime(y, m, d, h, tzinfo=SHANGHAI)


def held(branch, kind, y, m, d=10, **fields):
    return make_event(branch, kind=kind, starts_at=at(y, m, d), ends_at=at(y, m, d, 21), **fields)


def get(client, auth, branch, quarter):
    resp = client.get(f"/api/v1/branches/{branch.id}/compliance?quarter={quarter}", headers=auth)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_full_quarter_and_year_is_met(client, secretary, branch):
    for month in (4, 5, 6):
        for kind in ("committee", "group", "theme_day"):
            held(branch, kind, 2025, month)
    held(branch, "branch_assembly", 2025, 5)
    held(branch, "lecture", 2025, 6)
    held(branch, "life_meeting", 2025, 1, 20)  # another quarter of the same year still meets the yearly rule
    for _ in range(2):
        make_evaluation(make_member(branch), 2025, "优秀")
    body = get(client, secretary, branch, "2025-Q2")
    items = {i["kind"]: i for i in body["items"]}
    assert list(items) == ["branch_assembly", "committee", "group", "lecture", "theme_day", "life_meeting",
                           "evaluation"]
    assert {k: i["held"] for k, i in items.items()} == {
        "branch_assembly": 1, "committee": 3, "group": 3, "lecture": 1, "theme_day": 3, "life_meeting": 1,
        "evaluation": 2}
    assert items["evaluation"]["periods"] == [{"period": "2025", "held": 2, "required": 2, "status": "met"}]
    assert items["life_meeting"]["cycle"] == "year" and items["committee"]["cycle"] == "month"
    assert body["status"] == "met" and body["misses"] == [] and body["due"] == [] and body["year"] == 2025


def test_each_miss_names_its_rule(client, secretary, branch):
    held(branch, "committee", 2025, 10)
    held(branch, "committee", 2025, 12)
    held(branch, "group", 2025, 11)
    held(branch, "group", 2025, 11, 20)  # two in one month do not cover another month
    held(branch, "lecture", 2025, 12)
    held(branch, "branch_assembly", 2025, 11, status="cancelled")  # a cancelled meeting is not held
    held(branch, "life_meeting", 2026, 1, 5)  # next year: not this one's life meeting
    held(make_branch(), "theme_day", 2025, 10)  # another branch's meeting counts nowhere here
    graded, ungraded = make_member(branch), make_member(branch)
    make_evaluation(graded, 2025)
    make_evaluation(ungraded, 2024)  # last year's grade does not count for 2025
    make_member(branch, status="transferred")  # not active: not required
    body = get(client, secretary, branch, "2025-Q4")
    items = {i["kind"]: i for i in body["items"]}
    assert items["group"]["held"] == 2
    assert [(p["period"], p["held"], p["status"]) for p in items["group"]["periods"]] == [
        ("2025-10", 0, "missed"), ("2025-11", 2, "met"), ("2025-12", 0, "missed")]
    assert items["evaluation"]["periods"][0] == {"period": "2025", "held": 1, "required": 2, "status": "missed"}
    misses = {(m["kind"], m["period"]): m for m in body["misses"]}
    assert sorted(misses) == sorted([
        ("branch_assembly", "2025-Q4"), ("committee", "2025-11"), ("group", "2025-10"), ("group", "2025-12"),
        ("theme_day", "2025-10"), ("theme_day", "2025-11"), ("theme_day", "2025-12"), ("life_meeting", "2025"),
        ("evaluation", "2025")])
    assert misses[("branch_assembly", "2025-Q4")]["rule"] == "每季度至少召开 1 次支部党员大会"
    assert misses[("committee", "2025-11")]["rule"] == "每月至少召开 1 次支部委员会"
    assert misses[("life_meeting", "2025")] == {"kind": "life_meeting", "label": "组织生活会", "rule": "每年至少召开 1 次组织生活会",
                                                "period": "2025", "held": 0, "required": 1}
    assert misses[("evaluation", "2025")]["label"] == "民主评议党员"
    assert "民主评议" in misses[("evaluation", "2025")]["rule"]
    assert items["lecture"]["status"] == "met" and body["status"] == "missed"


def test_the_running_period_is_due_not_missed(client, secretary, branch, ctx):
    from server.common.timeutil import utcnow

    today = utcnow().astimezone(SHANGHAI)
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    make_event(branch, kind="group")  # happening now: not held yet
    body = get(client, secretary, branch, quarter)
    month = f"{today.year}-{today.month:02d}"
    due = {(d["kind"], d["period"]) for d in body["due"]}
    assert ("group", month) in due and ("branch_assembly", quarter) in due and ("life_meeting", str(today.year)) in due
    assert all(m["period"] != month for m in body["misses"])
    group = next(i for i in body["items"] if i["kind"] == "group")
    assert next(p for p in group["periods"] if p["period"] == month)["held"] == 0


def test_scope_and_bad_quarter(client, branch, secretary):
    other = bearer(staff_token("branch_secretary", make_branch().id))
    assert client.get(f"/api/v1/branches/{branch.id}/compliance?quarter=2025-Q4", headers=other).status_code == 404
    bad = client.get(f"/api/v1/branches/{branch.id}/compliance?quarter=2025-Q5", headers=secretary)
    assert bad.status_code == 422 and bad.get_json()["code"] == "validation_error"
