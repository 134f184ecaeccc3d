"""The months with data, gaps in the series, the county-wide lists and a branch's own board (scope, masking)."""
from datetime import datetime, timezone

from sqlalchemy import select

from server.common.timeutil import current_month, month_add
from server.core.audit import AuditEntry
from server.core.orgs import County, Township
from server.dashboard.models import LostContactFlag
from server.dashboard.tasks import apply_outbox
from server.extensions import db
from tests.dashboard.conftest import checkin, paid, report
from tests.factories import bearer, make_branch, make_member, make_township, member_token, staff_token

M = "2026-06"
OLD = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _other_county_township():
    county = County(name="邻县")
    db.session.add(county)
    db.session.flush()
    town = Township(county_id=county.id, name="邻县镇")
    db.session.add(town)
    db.session.commit()
    return town


def _get(client, url, headers, status=200):
    apply_outbox()
    resp = client.get(url, headers=headers)
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def test_months_name_the_latest_month_with_data_in_scope(client, ctx):
    now = current_month()
    town, quiet_town = make_township("金山镇"), make_township("大河镇")
    branch, quiet = make_branch(town), make_branch(quiet_town)
    a = make_member(branch, created_at=OLD)
    make_member(quiet, created_at=OLD)
    report(a, month_add(now, -1)), checkin(a, month_add(now, -3))
    report(a, month_add(now, 2))  # a future month (a clock skew) never becomes the default

    county = _get(client, "/api/v1/dashboard/months", bearer(staff_token("county_admin")))
    assert county == {"current": now, "latest_with_data": month_add(now, -1), "current_has_data": False,
                      "months_with_data": [month_add(now, -1), month_add(now, -3)]}
    secretary = _get(client, "/api/v1/dashboard/months", bearer(staff_token("branch_secretary", quiet.id)))
    assert secretary["latest_with_data"] is None and secretary["months_with_data"] == []
    township = _get(client, "/api/v1/dashboard/months", bearer(staff_token("township_admin", town.id)))
    assert township["latest_with_data"] == month_add(now, -1)

    checkin(a, now)
    assert _get(client, "/api/v1/dashboard/months", bearer(staff_token()))["current_has_data"] is True
    _get(client, "/api/v1/dashboard/months", bearer(member_token(a)), status=403)


def test_months_without_data_are_nulls_in_every_series(client, ctx, county_headers):
    town = make_township("金山镇")
    branch = make_branch(town)
    a = make_member(branch, created_at=OLD)
    make_member(branch, created_at=OLD)
    checkin(a, "2026-04"), report(a, M)

    county = _get(client, f"/api/v1/dashboard/county?month={M}", county_headers)
    points = {p["month"]: p for p in county["series"]}
    assert points["2026-05"] == {"month": "2026-05", "has_data": False, "reported": None, "report_rate": None,
                                 "checkin_members": None, "checkin_rate": None, "checkins": None, "paid_fen": None}
    assert points["2026-04"]["has_data"] is True and points["2026-04"]["checkin_rate"] == 0.5
    assert points["2026-04"]["report_rate"] == 0.0  # a month with data keeps its real zeros
    assert points[M]["report_rate"] == 0.5
    township = _get(client, f"/api/v1/dashboard/townships/{town.id}?month={M}", county_headers)
    secretary = _get(client, f"/api/v1/dashboard/branches/{branch.id}?month={M}",
                     bearer(staff_token("branch_secretary", branch.id)))
    for body in (township, secretary):
        assert [p["month"] for p in body["series"] if not p["has_data"]] == [
            m for m in (month_add(M, -i) for i in range(11, -1, -1)) if m not in ("2026-04", M)]
        assert all(p["checkin_rate"] is None for p in body["series"] if not p["has_data"])


def test_county_lists_every_townships_arrears_and_lost_contact_masked(client, ctx, county_headers):
    jin, da = make_township("金山镇"), make_township("大河镇")
    jb, db_ = make_branch(jin), make_branch(da)
    owing = make_member(jb, name="王德福", paid_through="2025-10", created_at=OLD, phone="13812345678")
    never = make_member(db_, name="李春梅", paid_through=None, created_at=OLD)
    make_member(jb, name="张建国", paid_through="2026-06", created_at=OLD)
    lost = make_member(db_, name="赵秀英", status="lost_contact", created_at=OLD)
    quiet = make_member(jb, name="刘志强", paid_through="2026-06", created_at=OLD)
    db.session.add(LostContactFlag(member_id=quiet.id, township_id=jin.id, branch_id=jb.id, last_seen_at=OLD))
    elsewhere = make_member(make_branch(_other_county_township()), paid_through=None, created_at=OLD)
    db.session.commit()

    body = _get(client, f"/api/v1/dashboard/county/people?month={M}", county_headers)
    county = _get(client, f"/api/v1/dashboard/county?month={M}", county_headers)
    assert body["arrears"]["total"] == county["totals"]["arrears_6m"] == 2
    assert [(m["name"], m["township"]["name"], m["months_owed"]) for m in body["arrears"]["items"]] == [
        ("李春梅", "大河镇", 18), ("王德福", "金山镇", 8)]
    assert body["arrears"]["items"][1]["phone_masked"] == "138****5678"
    assert "13812345678" not in str(body) and "id_number" not in str(body)
    assert [m["id"] for m in body["lost_contact"]["items"]] == [lost.id] and body["lost_contact"]["total"] == 1
    assert [(m["id"], m["township"]["name"]) for m in body["flagged"]["items"]] == [(quiet.id, "金山镇")]
    assert elsewhere.id not in [m["id"] for m in body["arrears"]["items"]]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.county_people_viewed")).one()
    assert entry.detail["members"] == sorted([owing.id, never.id, lost.id, quiet.id])

    town_admin = bearer(staff_token("township_admin", jin.id))
    _get(client, f"/api/v1/dashboard/county/people?month={M}", town_admin, status=403)
    _get(client, f"/api/v1/dashboard/county/people?month={M}", bearer(member_token(owing)), status=403)
    assert _get(client, "/api/v1/dashboard/county/people?month=2026-13", county_headers, status=422)["code"]


def test_a_secretary_sees_their_own_branchs_board(client, ctx):
    town = make_township("金山镇")
    mine, other = make_branch(town, name="金山镇武汉流动党员党支部"), make_branch(town)
    a = make_member(mine, paid_through="2026-06", created_at=OLD)
    b = make_member(mine, paid_through="2025-11", created_at=OLD)
    stranger = make_member(other, paid_through=None, created_at=OLD)
    checkin(a, M), report(a, M), report(b, M), paid(a, M, 1200), checkin(stranger, M)
    headers = bearer(staff_token("branch_secretary", mine.id))

    body = _get(client, f"/api/v1/dashboard/branches/{mine.id}?month={M}", headers)
    assert body["branch"] == {"id": mine.id, "name": "金山镇武汉流动党员党支部"}
    assert body["township"] == {"id": town.id, "name": "金山镇"}
    t = body["totals"]
    assert (t["members"], t["reported"], t["checkin_members"], t["checkin_rate"], t["dues_paid_members"],
            t["paid_fen"], t["arrears_6m"]) == (2, 2, 1, 0.5, 1, 1200, 1)
    assert [m["id"] for m in body["arrears"]["items"]] == [b.id] and body["arrears"]["items"][0]["months_owed"] == 7
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.branch_viewed")).one()

    # Out of scope reads as 404; the township and county views stay refused to a secretary.
    _get(client, f"/api/v1/dashboard/branches/{other.id}?month={M}", headers, status=404)
    _get(client, f"/api/v1/dashboard/townships/{town.id}?month={M}", headers, status=403)
    _get(client, f"/api/v1/dashboard/branches/{mine.id}", bearer(member_token(a)), status=403)
    # A township admin opens any branch of their township, not another township's.
    town_admin = bearer(staff_token("township_admin", town.id))
    assert _get(client, f"/api/v1/dashboard/branches/{other.id}?month={M}", town_admin)["totals"]["members"] == 1
    far = make_branch(make_township("大河镇"))
    _get(client, f"/api/v1/dashboard/branches/{far.id}", town_admin, status=404)
    _get(client, f"/api/v1/dashboard/branches/{far.id}", bearer(staff_token()))  # the county admin: in scope
