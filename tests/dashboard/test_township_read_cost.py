"""A cached township view on PostgreSQL: the scope check with the roll-up's state, then the audit entry, two
statements in autocommit on the driver connection (it had been BEGIN, SELECT, SET, INSERT, COMMIT through the
session), the entry's commit asynchronous for that statement only, and each admin's scope kept."""
import pytest
from sqlalchemy import select

from server.common import driversql
from server.core.audit import AuditEntry
from server.dashboard import service
from server.extensions import db
from tests.factories import bearer, make_branch, make_county, make_member, make_township, staff_token
from tests.roundtrips import RoundTrips

pytestmark = pytest.mark.postgresql

M = "2026-06"


def _entries(town_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.township_viewed",
                                                       AuditEntry.target_id == str(town_id))).all()


def test_a_cached_township_view_is_two_statements_and_audited(client, ctx, monkeypatch):
    town = make_township("金山镇")
    make_member(make_branch(town), status="lost_contact")
    db.session.commit()
    url, headers = f"/api/v1/dashboard/townships/{town.id}?month={M}", bearer(staff_token("township_admin", town.id))
    first = client.get(url, headers=headers)
    assert first.status_code == 200
    with RoundTrips(db.engine, monkeypatch) as cached:
        again = client.get(url, headers=headers)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert len(cached.sent) == 2, cached.sent
    assert "FROM townships" in cached.sent[0] and "INSERT INTO audit_log" in cached.sent[1], cached.sent
    assert "set_config" in cached.sent[1]
    listed = [i["id"] for i in first.get_json()["lost_contact"]["items"]]
    assert [e.detail for e in _entries(town.id)] == [{"month": M, "members": listed}] * 2


def test_the_quick_commit_stays_with_the_audit_statement(ctx):
    town = make_township()
    db.session.commit()
    service.audit_township_read(town.id, M, [])
    connection = driversql.held_connection()
    assert connection.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    assert len(_entries(town.id)) == 1


def test_each_admin_sees_its_own_townships_only(client, ctx):
    town = make_township("金山镇")
    secretary = staff_token("branch_secretary", make_branch(town).id)
    county_admin = staff_token("county_admin")  # of the one county there is so far
    other_county = make_county("邻县")
    elsewhere = make_township("外县镇", county=other_county)
    db.session.commit()
    url = f"/api/v1/dashboard/townships/{town.id}?month={M}"
    for token in (county_admin, staff_token("township_admin", town.id)) * 2:  # the second time from the cache
        assert client.get(url, headers=bearer(token)).status_code == 200
    for token in (staff_token("county_admin", other_county.id), staff_token("township_admin", elsewhere.id)) * 2:
        assert client.get(url, headers=bearer(token)).status_code == 404
    assert client.get(url, headers=bearer(secretary)).status_code == 403
    assert len(_entries(town.id)) == 4
