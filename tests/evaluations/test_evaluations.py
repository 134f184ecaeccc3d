"""The yearly democratic evaluation: who may record it, one per member and year, the feed and the audit row."""
import pytest

from server.common.timeutil import local, utcnow
from server.core.audit import AuditEntry
from server.core.outbox import OutboxChange
from server.extensions import db
from tests.callers import assert_error_shape
from tests.factories import bearer, make_branch, make_member, make_township, staff_token

YEAR = local(utcnow()).year - 1


def url(member, year=YEAR):
    return f"/api/v1/members/{member.id}/evaluations/{year}"


@pytest.fixture
def branch(ctx):
    return make_branch(make_township("金山镇"))


@pytest.fixture
def secretary(branch):
    return bearer(staff_token("branch_secretary", branch.id, username="jinshan-sj"))


def test_the_secretary_records_and_a_later_record_replaces_it(client, branch, secretary):
    member = make_member(branch, name="张建国")
    resp = client.put(url(member), json={"grade": "合格", "recorded_on": f"{YEAR}-12-20"}, headers=secretary)
    assert resp.status_code == 200
    assert resp.get_json() | {"recorded_at": None} == {
        "member_id": member.id, "year": YEAR, "grade": "合格", "note": None, "recorded_on": f"{YEAR}-12-20",
        "recorded_by": "jinshan-sj", "recorded_at": None}
    resp = client.put(url(member), json={"grade": "优秀", "note": " 带头参加志愿服务 ", "recorded_on": f"{YEAR + 1}-01-08"},
                      headers=secretary)
    assert resp.get_json()["grade"] == "优秀" and resp.get_json()["note"] == "带头参加志愿服务"

    listed = client.get(f"/api/v1/branches/{branch.id}/evaluations?year={YEAR}", headers=secretary).get_json()
    assert [(i["member"]["name"], i["evaluation"]["grade"]) for i in listed["items"]] == [("张建国", "优秀")]
    assert listed["grades"] == {"优秀": 1} and listed["unrecorded"] == 0

    changes = db.session.query(OutboxChange).filter_by(type="evaluation.recorded").order_by(OutboxChange.id).all()
    assert [c.data for c in changes] == [
        {"year": YEAR, "grade": "合格", "note": None, "recorded_on": f"{YEAR}-12-20"},
        {"year": YEAR, "grade": "优秀", "note": "带头参加志愿服务", "recorded_on": f"{YEAR + 1}-01-08"}]
    assert {(c.member_id, c.township_id) for c in changes} == {(member.id, branch.township_id)}
    audits = db.session.query(AuditEntry).filter_by(action="evaluation.recorded").order_by(AuditEntry.id).all()
    assert [(a.target_id, a.detail["grade"], a.detail["previous_grade"]) for a in audits] == [
        (str(member.id), "合格", None), (str(member.id), "优秀", "合格")]


def test_the_branch_list_shows_who_is_not_yet_evaluated(client, branch, secretary):
    done, todo = make_member(branch, name="李红梅"), make_member(branch, name="王德胜")
    make_member(branch, name="已转出", status="transferred")
    client.put(url(done), json={"grade": "基本合格", "recorded_on": f"{YEAR}-12-20"}, headers=secretary)
    listed = client.get(f"/api/v1/branches/{branch.id}/evaluations?year={YEAR}", headers=secretary).get_json()
    assert {i["member"]["name"]: (i["evaluation"] or {}).get("grade") for i in listed["items"]} == {
        "李红梅": "基本合格", "王德胜": None}
    assert listed["unrecorded"] == 1
    home = done.village_branch
    county = bearer(staff_token("county_admin"))
    at_home = client.get(f"/api/v1/branches/{home.id}/evaluations?year={YEAR}", headers=county).get_json()
    assert [i["member"]["name"] for i in at_home["items"]] == ["李红梅"]
    assert client.get(f"/api/v1/branches/{branch.id}/evaluations?year={YEAR - 1}",
                      headers=secretary).get_json()["unrecorded"] == 2
    assert db.session.query(AuditEntry).filter_by(action="evaluation.list_read").count() == 3
    assert todo.id in db.session.query(AuditEntry).filter_by(action="evaluation.list_read").first().detail["member_ids"]


def test_the_township_admin_may_record_the_county_admin_may_not(client, branch):
    member = make_member(branch)
    body = {"grade": "合格", "recorded_on": f"{YEAR}-12-20"}
    admin = bearer(staff_token("township_admin", branch.township_id))
    assert client.put(url(member), json=body, headers=admin).status_code == 200
    assert_error_shape(client.put(url(member), json=body, headers=bearer(staff_token("county_admin"))), 403)


def test_a_member_outside_the_branch_is_404_and_nothing_is_sent(client, branch, secretary):
    other_branch = make_branch(branch.township)
    outsider = make_member(other_branch)
    body = {"grade": "合格", "recorded_on": f"{YEAR}-12-20"}
    assert_error_shape(client.put(url(outsider), json=body, headers=secretary), 404)
    assert_error_shape(client.put("/api/v1/members/999999/evaluations/2025", json=body, headers=secretary), 404)
    other_town_admin = bearer(staff_token("township_admin", make_township("西斗铺镇").id))
    assert_error_shape(client.put(url(outsider), json=body, headers=other_town_admin), 404)
    assert_error_shape(client.get(f"/api/v1/branches/{other_branch.id}/evaluations?year={YEAR}", headers=secretary), 404)
    assert db.session.query(OutboxChange).filter_by(type="evaluation.recorded").count() == 0


@pytest.mark.parametrize("year, body, field", [
    (YEAR, {"grade": "良好", "recorded_on": f"{YEAR}-12-20"}, "grade"),
    (YEAR, {"grade": "", "recorded_on": f"{YEAR}-12-20"}, "grade"),
    (YEAR, {"recorded_on": f"{YEAR}-12-20"}, "grade"),
    (YEAR, {"grade": "合格"}, "recorded_on"),
    (YEAR, {"grade": "合格", "recorded_on": "1999-12-20"}, "recorded_on"),
    (YEAR, {"grade": "合格", "recorded_on": f"{YEAR - 1}-12-20"}, "recorded_on"),
    (YEAR, {"grade": "合格", "recorded_on": "2099-12-20"}, "recorded_on"),
    (YEAR, {"grade": "合格", "recorded_on": f"{YEAR}-12-20", "note": "说明\x00"}, "note"),
    (YEAR, {"grade": "合格", "recorded_on": f"{YEAR}-12-20", "note": "长" * 501}, "note"),
    (YEAR, {"grade": "合格", "recorded_on": f"{YEAR}-12-20", "member_id": 1}, "member_id"),
    (1999, {"grade": "合格", "recorded_on": f"{YEAR}-12-20"}, "year"),
    (YEAR + 2, {"grade": "合格", "recorded_on": f"{YEAR}-12-20"}, "year"),
    (2**31 - 1, {"grade": "合格", "recorded_on": f"{YEAR}-12-20"}, "year"),
])
def test_bad_input_is_422_and_records_nothing(client, branch, secretary, year, body, field):
    member = make_member(branch)
    resp = client.put(url(member, year), json=body, headers=secretary)
    assert field in assert_error_shape(resp, 422)["errors"]
    assert db.session.query(OutboxChange).filter_by(type="evaluation.recorded").count() == 0


def test_the_list_needs_a_bounded_year(client, branch, secretary):
    for query in ("", "?year=1999", "?year=abc", "?year=2101"):
        assert_error_shape(client.get(f"/api/v1/branches/{branch.id}/evaluations{query}", headers=secretary), 422)
