"""The county and township views against a direct count of the roster, before and after members change
status or pay once the roll-up has run, and the view cache (server/dashboard/viewcache.py)."""
from datetime import datetime, timezone

import redis
from sqlalchemy import select

from server.common.timeutil import month_add, month_bounds
from server.core.audit import AuditEntry
from server.core.member_changes import apply_status
from server.core.members import STATUSES, Member
from server.dashboard import lostcontact, viewcache
from server.dashboard.tasks import apply_outbox
from server.extensions import db
from tests.dashboard.conftest import checkin, paid, report
from tests.factories import bearer, make_branch, make_member, make_township, staff_token

M = "2026-06"
OLD = datetime(2025, 1, 1, tzinfo=timezone.utc)
PAID = (None, "2025-09", "2025-12", "2026-01", "2026-05", "2026-06", "2026-08")
JOINED = (OLD, datetime(2026, 1, 31, 15, tzinfo=timezone.utc), datetime(2026, 2, 1, 0, tzinfo=timezone.utc))


def _roster():
    """Two townships, two mobile branches each, 42 members over every status, paid_through and join date."""
    towns = [make_township("金山镇"), make_township("西斗铺镇")]
    branches = [make_branch(t, name=f"{t.name}第{i}流动党员党支部") for t in towns for i in (1, 2)]
    members = []
    for i in range(42):
        members.append(make_member(branches[i % 4], status=STATUSES[i // 2 % 5] if i % 2 else "active",
                                   paid_through=PAID[i % 7], created_at=JOINED[i % 3]))
    for m in members[::3]:
        checkin(m, M)
    for m in members[::4]:
        report(m, M)
    db.session.commit()
    return towns, branches, members


def _direct(group) -> dict:
    """Per group (township or mobile branch id): the member figures counted member by member."""
    joined_before, _ = month_bounds(month_add(M, -4))
    out: dict = {}
    for m in db.session.scalars(select(Member)):
        row = out.setdefault(group(m), {"by_status": dict.fromkeys(STATUSES, 0), "dues_paid": 0, "arrears": 0})
        row["by_status"][m.status] += 1
        if m.status != "active":
            continue
        row["dues_paid"] += m.paid_through is not None and m.paid_through >= M
        row["arrears"] += (m.paid_through <= month_add(M, -6)) if m.paid_through else m.created_at < joined_before
    return out


def _assert_rows(rows, direct):
    assert rows
    for row in rows:
        want = direct.get(row["id"], {"by_status": dict.fromkeys(STATUSES, 0), "dues_paid": 0, "arrears": 0})
        assert row["members_by_status"] == want["by_status"], row["name"]
        assert row["members"] == want["by_status"]["active"]
        assert row["dues_paid_members"] == want["dues_paid"]
        assert row["arrears_6m"] == want["arrears"]
        assert row["lost_contact"] == want["by_status"]["lost_contact"]


def _get(client, url, headers):
    apply_outbox()  # the worker's periodic roll-up job
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_figures_match_a_direct_count_before_and_after_changes(app, client, ctx, county_headers):
    towns, _, members = _roster()
    county = _get(client, f"/api/v1/dashboard/county?month={M}", county_headers)
    _assert_rows(county["townships"], _direct(lambda m: m.township_id))
    town_headers = bearer(staff_token("township_admin", towns[0].id))
    view = _get(client, f"/api/v1/dashboard/townships/{towns[0].id}?month={M}", town_headers)
    _assert_rows(view["branches"], _direct(lambda m: m.mobile_branch_id))
    assert view["arrears"]["total"] == sum(b["arrears_6m"] for b in view["branches"])

    # After the roll-up: one member leaves active status, one in arrears pays, one returns to active.
    active = [m for m in members if m.status == "active" and m.township_id == towns[0].id]
    apply_status(active[0], "lost_contact", "多次联系不上", "staff:1")
    payer = next(m for m in active[1:] if m.paid_through and m.paid_through <= month_add(M, -6))
    payer.paid_through = M
    paid(payer, M, 1500, commit=False)
    back = next(m for m in members if m.status == "returned" and m.township_id == towns[0].id)
    apply_status(back, "active", "重新外出", "staff:1")
    db.session.commit()

    view = _get(client, f"/api/v1/dashboard/townships/{towns[0].id}?month={M}", town_headers)
    _assert_rows(view["branches"], _direct(lambda m: m.mobile_branch_id))
    assert payer.id not in {i["id"] for i in view["arrears"]["items"]}
    assert active[0].id in {i["id"] for i in view["lost_contact"]["items"]}
    app.config["DASHBOARD_MEMBER_CACHE_S"] = 0  # the county's member figures are otherwise up to 60 s old
    county = _get(client, f"/api/v1/dashboard/county?month={M}", county_headers)
    _assert_rows(county["townships"], _direct(lambda m: m.township_id))


def test_a_cached_township_view_is_still_audited_and_scoped(client, ctx):
    towns, _, _ = _roster()
    headers = bearer(staff_token("township_admin", towns[0].id))
    url = f"/api/v1/dashboard/townships/{towns[0].id}?month={M}"
    first, second = _get(client, url, headers), _get(client, url, headers)
    assert second == first
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.township_viewed")
                                 .order_by(AuditEntry.id)).all()
    listed = sorted({i["id"] for key in ("arrears", "lost_contact", "flagged") for i in first[key]["items"]})
    assert [e.detail for e in entries] == [{"month": M, "members": listed}] * 2
    assert all(e.township_id == towns[0].id for e in entries)
    other = bearer(staff_token("township_admin", towns[1].id))
    assert client.get(url, headers=other).status_code == 404


def test_a_change_the_roll_up_applies_shows_at_once_despite_the_cache(client, ctx, county_headers):
    _, _, members = _roster()
    url = f"/api/v1/dashboard/county?month={M}"
    before = _get(client, url, county_headers)["totals"]["checkins"]
    checkin(members[1], M)
    assert _get(client, url, county_headers)["totals"]["checkins"] == before + 1


def _flagged_ids(view) -> list[int]:
    return [item["id"] for item in view["flagged"]["items"]]


def test_a_flag_opened_or_dismissed_shows_at_once_despite_the_cache(client, ctx):
    town = make_township("金山镇")
    quiet = make_member(make_branch(town), last_activity_at=OLD, created_at=OLD)
    db.session.commit()
    headers = bearer(staff_token("township_admin", town.id))
    url = f"/api/v1/dashboard/townships/{town.id}?month={M}"
    assert _get(client, url, headers)["flagged"]["total"] == 0
    assert lostcontact.flag_candidates() == 1  # the daily job: no outbox row, the roll-up does not move
    view = _get(client, url, headers)
    assert view["flagged"]["total"] == 1 and _flagged_ids(view) == [quiet.id]
    assert view["totals"]["lost_contact_flagged"] == 1
    resp = client.post(f"/api/v1/lost-contact/{quiet.id}/dismiss", json={"reason": "已电话联系"}, headers=headers)
    assert resp.status_code == 200
    view = _get(client, url, headers)
    assert view["flagged"]["total"] == 0 and _flagged_ids(view) == []


def test_views_are_answered_afresh_when_the_cache_is_unreachable(app, client, ctx, county_headers, monkeypatch):
    towns, _, members = _roster()
    township_url = f"/api/v1/dashboard/townships/{towns[0].id}?month={M}"
    county_url = f"/api/v1/dashboard/county?month={M}"
    cached = _get(client, township_url, county_headers), _get(client, county_url, county_headers)

    class Unreachable:
        def __getattr__(self, name):
            raise redis.ConnectionError("connection refused")

    monkeypatch.setattr(viewcache, "get_redis", Unreachable)
    assert (_get(client, township_url, county_headers), _get(client, county_url, county_headers)) == cached
    checkin(members[0], M)
    assert _get(client, county_url, county_headers)["totals"]["checkins"] == cached[1]["totals"]["checkins"] + 1
