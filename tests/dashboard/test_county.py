"""GET /api/v1/dashboard/county and /townships/{id}: the definitions, the shape and the scope."""
from datetime import datetime, timezone

from sqlalchemy import select

from server.common.timeutil import SHANGHAI, current_month
from server.core.audit import AuditEntry
from server.dashboard.models import LostContactFlag
from server.dashboard.tasks import apply_outbox
from server.extensions import db
from tests.dashboard.conftest import checkin, paid, refunded, report
from tests.factories import (
    bearer,
    make_branch,
    make_member,
    make_township,
    member_token,
    staff_token,
)

M = "2026-06"
OLD = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _beijing(y, m, d=1, h=0):
    return datetime(y, m, d, h, tzinfo=SHANGHAI).astimezone(timezone.utc)


def _county(client, headers, month=M):
    apply_outbox()  # the worker's periodic job (the embedded mode also runs it on demand)
    resp = client.get(f"/api/v1/dashboard/county?month={month}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_each_definition_for_one_township(client, ctx, county_headers):
    town = make_township("金山镇")
    branch = make_branch(town)
    a = make_member(branch, paid_through="2026-06", created_at=OLD)
    b = make_member(branch, paid_through="2026-07", created_at=OLD)
    c = make_member(branch, paid_through="2025-12", created_at=OLD)         # M-6: in arrears
    d = make_member(branch, paid_through="2026-01", created_at=OLD)         # M-5: not yet
    make_member(branch, paid_through=None, created_at=_beijing(2026, 1, 31, 23))  # joined M-5: arrears
    make_member(branch, paid_through=None, created_at=_beijing(2026, 2, 1, 0))    # joined M-4: not yet
    make_member(branch, status="lost_contact", paid_through="2024-01", created_at=OLD)
    make_member(branch, status="returned", created_at=OLD)
    checkin(a, M), checkin(a, M), checkin(b, M), checkin(c, "2026-05")
    report(a, M), report(d, M), report(d, M)
    paid(a, M, 1200)
    db.session.add(LostContactFlag(member_id=d.id, township_id=town.id, branch_id=branch.id, last_seen_at=OLD))
    db.session.commit()

    body = _county(client, county_headers)
    assert body["month"] == M
    row = body["townships"][0]
    assert {k: row[k] for k in ("id", "name", "members", "reported", "checkin_rate", "dues_paid_rate",
                                "arrears_6m", "lost_contact")} == {
        "id": town.id, "name": "金山镇", "members": 6, "reported": 2, "checkin_rate": round(2 / 6, 4),
        "dues_paid_rate": round(2 / 6, 4), "arrears_6m": 2, "lost_contact": 1}
    assert row["checkin_rate"] == 0.3333
    assert row["members_by_status"] == {"active": 6, "returned": 1, "transferred": 0, "lost_contact": 1,
                                        "suspended": 0}
    assert row["lost_contact_flagged"] == 1
    assert row["checkins"] == 3 and row["paid_fen"] == 1200
    assert body["totals"]["members"] == 6 and body["totals"]["arrears_6m"] == 2
    may = next(p for p in body["series"] if p["month"] == "2026-05")
    assert may["checkin_members"] == 1 and may["checkin_rate"] == round(1 / 6, 4)
    assert [p["month"] for p in body["series"]] == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)]


def test_totals_sum_the_townships_and_empty_townships_read_zero(client, ctx, county_headers):
    t1, t2, empty = make_township("金山镇"), make_township("西斗铺镇"), make_township("大河镇")
    b1, b2 = make_branch(t1), make_branch(t2)
    members = [make_member(b1) for _ in range(3)] + [make_member(b2) for _ in range(2)]
    for m in members[:2] + members[3:]:
        checkin(m, M)
    body = _county(client, county_headers)
    by_id = {t["id"]: t for t in body["townships"]}
    assert by_id[t1.id]["checkin_rate"] == 0.6667 and by_id[t2.id]["checkin_rate"] == 1.0
    assert by_id[empty.id]["members"] == 0 and by_id[empty.id]["checkin_rate"] == 0.0
    assert body["totals"]["members"] == 5 and body["totals"]["checkin_members"] == 4
    assert body["totals"]["checkin_rate"] == 0.8


def test_a_refund_lowers_the_dues_collected(client, ctx, county_headers):
    branch = make_branch()
    member = make_member(branch)
    paid(member, M, 3000, order_no="D9")
    refunded(member, M, 3000, order_no="D9")
    paid(member, M, 1000)
    body = _county(client, county_headers)
    assert body["totals"]["paid_fen"] == 1000 and body["totals"]["refunded_fen"] == 3000
    assert body["series"][-1]["paid_fen"] == 1000


def test_month_defaults_to_this_month_and_bad_months_are_422(client, ctx, county_headers):
    assert client.get("/api/v1/dashboard/county", headers=county_headers).get_json()["month"] == current_month()
    for bad in ("2026-13", "2026-6", "abc", "2026-06-01", ""):
        resp = client.get(f"/api/v1/dashboard/county?month={bad}", headers=county_headers)
        assert resp.status_code == 422, bad
        assert resp.get_json()["code"] == "validation_error"


def test_only_the_county_admin_sees_the_county(client, ctx):
    town = make_township()
    branch = make_branch(town)
    member = make_member(branch)
    assert client.get("/api/v1/dashboard/county").status_code == 401
    for headers in (bearer(staff_token("township_admin", town.id)), bearer(staff_token("branch_secretary", branch.id)),
                    bearer(member_token(member))):
        resp = client.get("/api/v1/dashboard/county", headers=headers)
        assert resp.status_code == 403
        assert resp.get_json()["code"] == "forbidden"


def test_township_drill_down(client, ctx):
    town, other = make_township("金山镇"), make_township("西斗铺镇")
    b1 = make_branch(town, name="金山镇流动党员党支部")
    b2 = make_branch(town, name="金山镇第二流动党员党支部")
    a = make_member(b1, name="张建国", paid_through="2026-06", created_at=OLD)
    arrears = make_member(b1, name="李春梅", paid_through="2025-10", created_at=OLD)
    make_member(b2, name="王德福", paid_through=None, created_at=OLD)
    make_member(b2, name="赵秀英", status="lost_contact", created_at=OLD)
    make_member(make_branch(other), paid_through=None, created_at=OLD)
    checkin(a, M), report(a, M), report(a, "2026-05"), paid(a, "2026-04", 900)

    headers = bearer(staff_token("township_admin", town.id))
    apply_outbox()
    resp = client.get(f"/api/v1/dashboard/townships/{town.id}?month={M}", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["township"] == {"id": town.id, "name": "金山镇"}
    assert [(b["name"], b["members"], b["checkin_rate"], b["arrears_6m"], b["lost_contact"]) for b in body["branches"]] \
        == [("金山镇流动党员党支部", 2, 0.5, 1, 0), ("金山镇第二流动党员党支部", 1, 0.0, 1, 1)]
    assert body["totals"]["members"] == 3 and body["totals"]["arrears_6m"] == 2
    series = {p["month"]: p for p in body["series"]}
    assert len(series) == 12
    assert series["2026-05"]["report_rate"] == round(1 / 3, 4)
    assert series["2026-04"]["paid_fen"] == 900
    items = body["arrears"]["items"]
    assert [i["name"] for i in items] == ["王德福", "李春梅"]
    assert items[1]["months_owed"] == 8 and items[1]["id"] == arrears.id
    assert items[1]["url"] == f"/dashboard/members/{arrears.id}"
    assert items[1]["phone_masked"].count("*") == 4 and "id_number" not in str(body)
    assert [i["name"] for i in body["lost_contact"]["items"]] == ["赵秀英"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.township_viewed")).one()
    assert entry.target_id == str(town.id)


def test_township_scope(client, ctx):
    town, other = make_township(), make_township()
    branch = make_branch(town)
    admin = bearer(staff_token("township_admin", town.id))
    assert client.get(f"/api/v1/dashboard/townships/{other.id}", headers=admin).status_code == 404
    assert client.get("/api/v1/dashboard/townships/99999", headers=admin).status_code == 404
    county = bearer(staff_token("county_admin"))
    assert client.get(f"/api/v1/dashboard/townships/{other.id}", headers=county).status_code == 200
    assert client.get("/api/v1/dashboard/townships/99999", headers=county).status_code == 404
    secretary = bearer(staff_token("branch_secretary", branch.id))
    assert client.get(f"/api/v1/dashboard/townships/{town.id}", headers=secretary).status_code == 403
    assert client.get(f"/api/v1/dashboard/townships/{town.id}?month=2026-00", headers=admin).status_code == 422


def test_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path in ("/api/v1/dashboard/county", "/api/v1/dashboard/townships/{township_id}", "/api/v1/lost-contact",
                 "/api/v1/lost-contact/{member_id}/confirm", "/api/v1/lost-contact/{member_id}/dismiss",
                 "/dashboard", "/dashboard/members/{member_id}"):
        assert path in paths, path
    assert "checkin_rate" in paths["/api/v1/dashboard/county"]["get"]["description"]


def test_embedded_mode_applies_new_changes_before_answering(client, ctx, county_headers):
    if not ctx.config["REDIS_URL"].startswith("memory://"):
        return  # with Redis the worker's periodic job applies them (covered above)
    member = make_member(make_branch())
    checkin(member, M)
    body = client.get(f"/api/v1/dashboard/county?month={M}", headers=county_headers).get_json()
    assert body["totals"]["checkin_members"] == 1 and body["rollup"]["applied"] == 1
