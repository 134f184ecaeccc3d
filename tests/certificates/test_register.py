"""The activity-certificate register: issue, numbering per county, 年审, renewal history, scope, bad input."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from server.certificates.models import Certificate
from server.certificates.service import period_end
from server.common.timeutil import local, utcnow
from server.core.audit import AuditEntry
from server.core.outbox import OutboxChange
from server.extensions import db
from tests.callers import assert_error_shape
from tests.factories import bearer, make_branch, make_county, make_member, make_township, member_token, staff_token


def _today() -> date:
    return local(utcnow()).date()


@pytest.fixture
def people(ctx):
    branch = make_branch()
    member = make_member(branch, name="刘春花")
    return {
        "branch": branch, "member": member,
        "secretary": bearer(staff_token("branch_secretary", branch.id)),
        "township_admin": bearer(staff_token("township_admin", branch.township_id)),
        "county_admin": bearer(staff_token("county_admin")),
    }


def _issue(client, who, member, number="JS-2026-0001", issued_on=None):
    return client.post(f"/api/v1/members/{member.id}/certificate", headers=who,
                       json={"number": number, "issued_on": (issued_on or _today()).isoformat()})


def test_issue_registers_a_one_year_certificate_audits_and_tells_the_township(client, people):
    issued = _today() - timedelta(days=30)
    resp = _issue(client, people["secretary"], people["member"], " JS-2026-0001 ", issued)
    assert resp.status_code == 201, resp.get_json()
    cert = resp.get_json()["certificate"]
    assert cert["number"] == "JS-2026-0001" and cert["issued_on"] == issued.isoformat()
    assert cert["valid_until"] == period_end(issued).isoformat() == (issued.replace(year=issued.year + 1)
                                                                     - timedelta(days=1)).isoformat()
    assert cert["status"] == "valid" and cert["review_passed"] is False and cert["source"] == "secretary"
    assert cert["member"]["name"] == "刘春花" and "*" in cert["member"]["id_number_masked"]
    assert [p["period"] for p in cert["periods"]] == [1] and cert["reviews"] == []
    db.session.refresh(people["member"])
    assert people["member"].certificate_no == "JS-2026-0001"
    change = db.session.scalars(select(OutboxChange).where(OutboxChange.type == "member.upserted")).one()
    assert change.data["certificate_no"] == "JS-2026-0001"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.issued")).one()
    assert entry.member_id == people["member"].id and entry.detail["number"] == "JS-2026-0001"
    # The member sees number and valid-until on the phone.
    mine = client.get("/api/v1/me/certificate", headers=bearer(member_token(people["member"])))
    assert mine.status_code == 200
    assert mine.get_json()["certificate"]["number"] == "JS-2026-0001"
    assert mine.get_json()["certificate"]["valid_until"] == cert["valid_until"]


def test_a_29_february_period_ends_on_27_february():
    assert period_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert period_end(date(2025, 3, 1)) == date(2026, 2, 28)


def test_numbers_are_unique_in_the_county_not_across_counties(client, people, ctx):
    assert _issue(client, people["secretary"], people["member"]).status_code == 201
    other = make_member(people["branch"])
    body = assert_error_shape(_issue(client, people["secretary"], other), 409, "certificate_no_taken")
    assert "编号" in body["message"]
    # Another township of the same county: still taken.
    far = make_member(make_branch(make_township()))
    far_admin = bearer(staff_token("township_admin", far.township_id))
    assert_error_shape(_issue(client, far_admin, far), 409, "certificate_no_taken")
    # Another county may use the same number.
    county = make_county()
    elsewhere = make_member(make_branch(make_township(county=county)))
    their_admin = bearer(staff_token("township_admin", elsewhere.township_id))
    assert _issue(client, their_admin, elsewhere).status_code == 201
    # A member has one register entry.
    assert_error_shape(_issue(client, people["secretary"], people["member"], "JS-2026-0002"), 409,
                       "certificate_exists")
    assert db.session.scalar(select(Certificate.number).where(Certificate.member_id == other.id)) is None


def test_review_and_renewal_keep_history(client, people):
    issued = _today() - timedelta(days=300)
    cert = _issue(client, people["secretary"], people["member"], issued_on=issued).get_json()["certificate"]
    # No renewal before a passed review.
    assert_error_shape(client.post(f"/api/v1/certificates/{cert['id']}/renewals", headers=people["secretary"],
                                   json={}), 409, "review_not_passed")
    failed = client.post(f"/api/v1/certificates/{cert['id']}/reviews", headers=people["secretary"], json={
        "reviewed_on": _today().isoformat(), "result": "不通过", "note": "半年未参加组织生活"})
    assert failed.status_code == 201 and failed.get_json()["certificate"]["review_passed"] is False
    assert_error_shape(client.post(f"/api/v1/certificates/{cert['id']}/renewals", headers=people["secretary"],
                                   json={}), 409, "review_not_passed")
    passed = client.post(f"/api/v1/certificates/{cert['id']}/reviews", headers=people["township_admin"], json={
        "reviewed_on": _today().isoformat(), "result": "通过", "reviewer": "张委员"})
    body = passed.get_json()["certificate"]
    assert body["review_passed"] is True
    assert [(r["result"], r["reviewer"]) for r in body["reviews"]][-1] == ("通过", "张委员")
    renewed = client.post(f"/api/v1/certificates/{cert['id']}/renewals", headers=people["secretary"],
                          json={"note": "年审通过换发"})
    assert renewed.status_code == 201, renewed.get_json()
    new = renewed.get_json()["certificate"]
    old_until = date.fromisoformat(cert["valid_until"])
    assert new["valid_from"] == (old_until + timedelta(days=1)).isoformat()
    assert new["valid_until"] == period_end(old_until + timedelta(days=1)).isoformat()
    assert [(p["period"], p["valid_until"]) for p in new["periods"]] == [
        (1, cert["valid_until"]), (2, new["valid_until"])]
    assert len(new["reviews"]) == 2 and new["review_passed"] is False  # the new period awaits its own review
    # The renewal used up the review: a second renewal is refused.
    assert_error_shape(client.post(f"/api/v1/certificates/{cert['id']}/renewals", headers=people["secretary"],
                                   json={}), 409, "review_not_passed")
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("certificate.%"))).all()
    assert actions.count("certificate.reviewed") == 2 and actions.count("certificate.renewed") == 1


def test_a_lapsed_certificate_renews_from_today(client, people):
    issued = _today() - timedelta(days=500)
    cert = _issue(client, people["secretary"], people["member"], issued_on=issued).get_json()["certificate"]
    assert cert["status"] == "expired"
    client.post(f"/api/v1/certificates/{cert['id']}/reviews", headers=people["secretary"],
                json={"reviewed_on": _today().isoformat(), "result": "通过"})
    new = client.post(f"/api/v1/certificates/{cert['id']}/renewals", headers=people["secretary"],
                      json={}).get_json()["certificate"]
    assert new["valid_from"] == _today().isoformat() and new["status"] == "valid"


def test_scope_wrong_roles_and_bad_input(client, people, ctx):
    stranger = bearer(staff_token("branch_secretary", make_branch().id))
    assert_error_shape(_issue(client, stranger, people["member"]), 404, "not_found")
    assert_error_shape(_issue(client, people["county_admin"], people["member"]), 403, "forbidden")
    assert_error_shape(_issue(client, bearer(member_token(people["member"])), people["member"]), 403, "forbidden")
    cert = _issue(client, people["secretary"], people["member"]).get_json()["certificate"]
    for path in (f"/api/v1/certificates/{cert['id']}/reviews", f"/api/v1/certificates/{cert['id']}/renewals"):
        assert_error_shape(client.post(path, headers=stranger, json={"reviewed_on": _today().isoformat(),
                                                                   "result": "通过"} if "reviews" in path else {}),
                           404, "not_found")
    assert_error_shape(client.get(f"/api/v1/members/{people['member'].id}/certificate", headers=stranger), 404)
    assert client.get(f"/api/v1/members/{people['member'].id}/certificate",
                      headers=people["county_admin"]).status_code == 200
    member = make_member(people["branch"])
    for body, field in (({"number": "   ", "issued_on": _today().isoformat()}, "number"),
                        ({"number": "A\x00B", "issued_on": _today().isoformat()}, "number"),
                        ({"number": "X" * 65, "issued_on": _today().isoformat()}, "number"),
                        ({"number": "OK-1", "issued_on": (_today() + timedelta(days=1)).isoformat()}, "issued_on"),
                        ({"number": "OK-1", "issued_on": "1999-01-01"}, "issued_on"),
                        ({"number": "OK-1"}, "issued_on")):
        resp = client.post(f"/api/v1/members/{member.id}/certificate", headers=people["secretary"], json=body)
        assert field in assert_error_shape(resp, 422)["errors"], body
    review = f"/api/v1/certificates/{cert['id']}/reviews"
    for body, field in (({"reviewed_on": _today().isoformat(), "result": "优秀"}, "result"),
                        ({"reviewed_on": (_today() + timedelta(days=2)).isoformat(), "result": "通过"}, "reviewed_on"),
                        ({"reviewed_on": "2026-13-01", "result": "通过"}, "reviewed_on")):
        assert field in assert_error_shape(client.post(review, headers=people["secretary"], json=body),
                                           422)["errors"], body
    assert db.session.scalar(select(Certificate.id).where(Certificate.member_id == member.id)) is None
    assert_error_shape(client.get("/api/v1/me/certificate", headers=bearer(member_token(member))), 404,
                       "no_certificate")
    assert_error_shape(client.get(f"/api/v1/members/{member.id}/certificate", headers=people["secretary"]), 404,
                       "no_certificate")
