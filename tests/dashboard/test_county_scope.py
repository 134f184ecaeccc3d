"""A county admin sees only their own county's townships: in the rows, the totals and every month of the series."""
from datetime import datetime, timezone

from server.core.orgs import default_county
from server.dashboard.models import LostContactFlag
from server.dashboard.tasks import apply_outbox
from server.extensions import db
from tests.dashboard.conftest import checkin, paid, report
from tests.factories import bearer, make_branch, make_county, make_member, make_township, staff_token

M = "2026-06"
OLD = datetime(2025, 1, 1, tzinfo=timezone.utc)
EARLIER = ("2025-08", "2026-01", "2026-05")


def _board(client, county):
    apply_outbox()
    resp = client.get(f"/api/v1/dashboard/county?month={M}", headers=bearer(staff_token("county_admin", county.id)))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _busy_township(county, name, members, fen):
    """A township whose members report, check in and pay in M and in earlier months."""
    branch = make_branch(make_township(name, county=county))
    people = [make_member(branch) for _ in range(members)]
    for month in (M, *EARLIER):
        for person in people:
            report(person, month, commit=False)
            checkin(person, month, commit=False)
            paid(person, month, fen, commit=False)
    db.session.add(LostContactFlag(member_id=people[0].id, township_id=branch.township_id, branch_id=branch.id,
                                   last_seen_at=OLD))
    db.session.commit()
    return branch.township_id


def test_two_counties_never_mix_in_any_county_figure_or_series(client, ctx):
    home = default_county()
    db.session.commit()
    other = make_county("邻县")
    mine = _busy_township(home, "金山镇", members=2, fen=1000)
    theirs = _busy_township(other, "金山镇", members=3, fen=7000)

    for county, township_id, members, fen in ((home, mine, 2, 1000), (other, theirs, 3, 7000)):
        body = _board(client, county)
        assert [t["id"] for t in body["townships"]] == [township_id]
        totals = body["totals"]
        assert (totals["members"], totals["reported"], totals["checkin_members"], totals["checkins"]) \
            == (members, members, members, members)
        assert totals["paid_fen"] == members * fen and totals["lost_contact_flagged"] == 1
        series = {point["month"]: point for point in body["series"]}
        assert len(series) == 12
        for month in (M, *EARLIER):
            point = series[month]
            assert (point["reported"], point["checkin_members"], point["checkins"], point["paid_fen"]) \
                == (members, members, members, members * fen), (county.name, month)
            assert point["report_rate"] == 1.0 and point["checkin_rate"] == 1.0
        quiet = [p for m, p in series.items() if m not in (M, *EARLIER)]
        # a month without data is a gap, not a county-wide zero borrowed from the other county
        assert all(not p["has_data"] and p["checkins"] is None and p["paid_fen"] is None for p in quiet)
