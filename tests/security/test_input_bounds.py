"""Hostile input is a clear 4xx, never a database error: ids past their column, control characters in
text, years outside 2000–2100 (issue 9). Runs the same on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from tests.conftest import bearer, make_member, member_token, staff_token

TOO_BIG = ["2147483648", "3000000000", str(2**63), str(2**64)]


@pytest.fixture
def people(client, ctx):
    member = make_member()
    branch = member.mobile_branch_id
    return {
        "member": bearer(member_token(member)),
        "secretary": bearer(staff_token("branch_secretary", branch)),
        "township": bearer(staff_token("township_admin", member.township_id)),
        "county": bearer(staff_token("county_admin")),
        "branch_id": branch,
    }


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize("method, path, who", [
    ("get", "/api/v1/members/{n}", "county"),
    ("get", "/api/v1/events/{n}", "secretary"),
    ("get", "/api/v1/events/{n}/leaves", "secretary"),
    ("post", "/api/v1/dues/standards/{n}/approve", "township"),
    ("post", "/api/v1/sync/dead-letters/{n}/replay", "county"),
    ("post", "/api/v1/lost-contact/{n}/confirm", "secretary"),
    ("post", "/api/v1/lost-contact/{n}/dismiss", "secretary"),
    ("get", "/api/v1/dues/campaigns/{n}/totals", "county"),
    ("get", "/api/v1/branches/{n}/dues/arrears", "county"),
])
def test_a_path_id_past_its_column_is_not_found(client, people, method, path, who, number):
    kwargs = {"json": {"reason": "已联系"}} if method == "post" else {}
    resp = getattr(client, method)(path.format(n=number), headers=people[who], **kwargs)
    assert resp.status_code == 404
    assert resp.get_json()["code"] == "not_found"


@pytest.mark.parametrize("path, name", [
    ("/api/v1/members?branch_id={n}", "branch_id"),
    ("/api/v1/members?township_id={n}", "township_id"),
    ("/api/v1/events?branch_id={n}", "branch_id"),
    ("/api/v1/lost-contact?branch_id={n}", "branch_id"),
    ("/api/v1/members?page={n}", "page"),
])
def test_a_query_id_past_its_column_is_a_validation_error(client, people, path, name):
    for number in TOO_BIG:
        resp = client.get(path.format(n=number), headers=people["county"])
        assert resp.status_code == 422, (path, number)
        body = resp.get_json()
        assert body["code"] == "validation_error" and body["errors"][name] == ["数值超出允许范围"]


def test_a_body_id_past_its_column_is_a_validation_error(client, people):
    event = {"branch_id": 2147483648, "kind": "party_class", "title": "党课",
             "starts_at": "2026-12-20T19:00:00+08:00", "ends_at": "2026-12-20T21:00:00+08:00"}
    created = client.post("/api/v1/events", json=event, headers=people["secretary"])
    assert created.status_code == 422 and created.get_json()["errors"]["branch_id"] == ["数值超出允许范围"]
    manual = client.post("/api/v1/events/1/manual-checkins", json={"member_id": 2**63, "reason": "手机没电"},
                         headers=people["secretary"])
    assert manual.status_code == 422 and manual.get_json()["errors"]["member_id"] == ["数值超出允许范围"]


def test_control_characters_in_text_are_refused_per_field(client, people):
    login = client.post("/api/v1/staff/login", json={"username": "county\x00", "password": "x"})
    leave = client.post("/api/v1/events/1/leave", json={"reason": "家中有事\x00"}, headers=people["member"])
    report = client.post("/api/v1/me/reports", json={"city": "苏州\x00", "address": "工业园区"},
                         headers=people["member"])
    search = client.get("/api/v1/members?q=%E5%BC%A0%00", headers=people["county"])
    bell = client.post("/api/v1/events/1/leave", json={"reason": "x\x07"}, headers=people["member"])
    for resp, field in ((login, "username"), (leave, "reason"), (report, "city"), (search, "q"), (bell, "reason")):
        assert resp.status_code == 422, field
        body = resp.get_json()
        assert body["code"] == "validation_error"
        assert body["errors"][field][0].startswith("不能包含"), body


def test_a_multiline_text_keeps_its_newlines_but_a_name_does_not(client, people):
    leave = client.post("/api/v1/events/1/leave", json={"reason": "家中有事\n下周补课"}, headers=people["member"])
    assert leave.status_code == 404  # the text passed; event 1 does not exist
    report = client.post("/api/v1/me/reports", json={"city": "苏州\n", "address": "工业园区"},
                         headers=people["member"])
    assert report.status_code == 422 and "换行" in report.get_json()["errors"]["city"][0]


def test_a_text_path_segment_with_a_nul_is_not_found(client, people):
    resp = client.get("/api/v1/dues/orders/D2026%00", headers=people["member"])
    assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"


@pytest.mark.parametrize("path, name", [
    ("/api/v1/dashboard/county?month=0001-01", "month"),
    ("/api/v1/dashboard/county?month=0000-01", "month"),
    ("/api/v1/dashboard/county?month=9999-12", "month"),
    ("/api/v1/events?month=0001-01", "month"),
    ("/api/v1/branches/{branch}/compliance?quarter=0001-Q1", "quarter"),
    ("/api/v1/branches/{branch}/compliance?quarter=0000-Q4", "quarter"),
    ("/api/v1/branches/{branch}/dues/ledger?year=1", "year"),
])
def test_years_outside_2000_to_2100_are_refused(client, people, path, name):
    resp = client.get(path.format(branch=people["branch_id"]), headers=people["county"])
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["errors"][name][0] in ("年份应在 2000–2100 之间", "数值超出允许范围")


def test_arrears_refuse_a_month_they_would_ignore(client, people):
    resp = client.get(f"/api/v1/branches/{people['branch_id']}/dues/arrears?month=0001-01",
                      headers=people["secretary"])
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"month": ["不支持此字段"]}


def test_an_event_starting_before_2000_is_refused(client, people):
    event = {"branch_id": people["branch_id"], "kind": "party_class", "title": "党课",
             "starts_at": "0001-01-01T19:00:00+08:00", "ends_at": "0001-01-01T21:00:00+08:00"}
    resp = client.post("/api/v1/events", json=event, headers=people["secretary"])
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["starts_at"] == ["年份应在 2000–2100 之间"]
