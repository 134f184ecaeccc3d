"""Organisational-life compliance on the dashboards: per branch of a township, per township of a county, in scope."""
from datetime import datetime

from server.common.timeutil import SHANGHAI
from tests.factories import (
    bearer,
    make_branch,
    make_county,
    make_event,
    make_member,
    make_township,
    member_token,
    staff_token,
)

Q = "2025-Q3"


def held(branch, kind, month, day=10):
    make_event(branch, kind=kind, starts_at=datetime(2025, month, day, 19, tzinfo=SHANGHAI),
               ends_at=datetime(2025, month, day, 21, tzinfo=SHANGHAI))


def full_quarter(branch):
    """Every rule of 2025-Q3 and of 2025 met (no active member, so the evaluation needs nobody)."""
    for month in (7, 8, 9):
        for kind in ("committee", "group", "theme_day"):
            held(branch, kind, month)
    for kind in ("branch_assembly", "lecture", "life_meeting"):
        held(branch, kind, 8)


def test_township_lists_each_mobile_branch_with_its_misses(client, ctx):
    town = make_township("青山镇")
    good, short = make_branch(town, name="青山镇驻武汉流动党员党支部"), make_branch(town, name="青山镇驻广州流动党员党支部")
    make_branch(town, kind="village", name="青山村党支部")  # not a mobile branch: not listed
    full_quarter(good)
    full_quarter(short)
    make_member(short)  # one active member, never evaluated in 2025
    held(make_branch(), "committee", 7)  # another township's branch
    auth = bearer(staff_token("township_admin", town.id))
    resp = client.get(f"/api/v1/townships/{town.id}/compliance?quarter={Q}", headers=auth)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [b["branch"]["name"] for b in body["branches"]] == ["青山镇驻武汉流动党员党支部", "青山镇驻广州流动党员党支部"]
    rows = {b["branch"]["id"]: b for b in body["branches"]}
    assert rows[good.id]["status"] == "met" and rows[good.id]["misses"] == [] and rows[good.id]["rules_met"] == 7
    assert rows[short.id]["status"] == "missed" and rows[short.id]["rules_missed"] == 1
    assert [(m["kind"], m["period"], m["rule"]) for m in rows[short.id]["misses"]] == [
        ("evaluation", "2025", "每年开展 1 次民主评议党员，本支部党员均应评定等次")]
    assert (body["branches_met"], body["branches_missed"], body["branches_pending"]) == (1, 1, 0)
    county = client.get(f"/api/v1/townships/{town.id}/compliance?quarter={Q}", headers=bearer(staff_token("county_admin")))
    assert county.status_code == 200 and county.get_json() == body


def test_township_scope(client, ctx):
    town, other = make_township(), make_township()
    branch = make_branch(town)
    home_admin = bearer(staff_token("county_admin"))  # before a second county exists
    url = f"/api/v1/townships/{town.id}/compliance?quarter={Q}"
    assert client.get(url, headers=bearer(staff_token("township_admin", other.id))).status_code == 404
    assert client.get(url, headers=bearer(staff_token("branch_secretary", branch.id))).status_code == 403
    assert client.get(url, headers=bearer(staff_token("county_admin", make_county().id))).status_code == 404
    assert client.get(url, headers=home_admin).status_code == 200
    assert client.get(f"/api/v1/townships/999999/compliance?quarter={Q}", headers=home_admin).status_code == 404
    assert client.get(f"/api/v1/townships/{town.id}/compliance?quarter=2025-13",
                      headers=bearer(staff_token("township_admin", town.id))).status_code == 422


def test_county_counts_branches_per_township_and_rule(client, ctx):
    east, west = make_township("东镇"), make_township("西镇")
    admin = bearer(staff_token("county_admin"))  # of the home county, before a second county exists
    a, b = make_branch(east), make_branch(east)
    full_quarter(a)
    held(b, "committee", 7)  # b misses nearly everything
    full_quarter(make_branch(west))
    elsewhere = make_township("外县镇", county=make_county())
    held(make_branch(elsewhere), "group", 7)
    resp = client.get(f"/api/v1/county/compliance?quarter={Q}", headers=admin)
    assert resp.status_code == 200, resp.get_json()
    rows = {t["township"]["name"]: t for t in resp.get_json()["townships"]}
    assert "外县镇" not in rows
    assert (rows["东镇"]["branches"], rows["东镇"]["branches_met"], rows["东镇"]["branches_missed"]) == (2, 1, 1)
    assert (rows["西镇"]["branches"], rows["西镇"]["branches_met"], rows["西镇"]["misses"]) == (1, 1, 0)
    # b: committee Aug + Sep, group ×3, theme day ×3, the quarter's assembly and lecture, the year's life meeting
    assert rows["东镇"]["misses"] == 11
    by_rule = {r["kind"]: r for r in rows["东镇"]["rules_missed"]}
    assert set(by_rule) == {"branch_assembly", "committee", "group", "lecture", "theme_day", "life_meeting"}
    assert all(r["branches"] == 1 for r in by_rule.values())
    assert by_rule["theme_day"]["rule"] == "每月至少开展 1 次主题党日"
    assert rows["西镇"]["rules_missed"] == []


def test_county_compliance_is_for_county_admins(client, ctx):
    branch = make_branch()
    for role, scope in (("township_admin", branch.township_id), ("branch_secretary", branch.id)):
        resp = client.get(f"/api/v1/county/compliance?quarter={Q}", headers=bearer(staff_token(role, scope)))
        assert resp.status_code == 403
    member = make_member(branch)
    assert client.get(f"/api/v1/county/compliance?quarter={Q}", headers=bearer(member_token(member))).status_code == 403
