"""A county level above the townships: a province deployment is data. Township names are unique within their
county; a county admin and a county sync key see their county only; a one-county deployment never names it."""
import json

import pytest
from sqlalchemy.exc import IntegrityError

from server.core.orgs import County, Township, default_county
from server.core.outbox import OutboxChange
from server.extensions import db
from server.sync.feed import changes_page_json, digest
from server.sync.service import create_key
from tests.factories import bearer, make_branch, make_member, staff_token


def _second_county(name="邻县"):
    county = County(name=name)
    db.session.add(county)
    db.session.commit()
    return county


def _township(county, name):
    township = Township(county_id=county.id, name=name)
    db.session.add(township)
    db.session.commit()
    return township


def test_the_same_township_name_may_exist_in_two_counties_but_not_twice_in_one(ctx):
    home, other = default_county(), _second_county()
    _township(home, "城关镇")
    _township(other, "城关镇")
    with pytest.raises(IntegrityError):
        _township(home, "城关镇")
    db.session.rollback()


def test_a_county_admin_sees_only_their_county(client, ctx):
    home = default_county()
    db.session.commit()
    other = _second_county()
    mine = make_branch(_township(home, "金山镇"))
    theirs = make_branch(_township(other, "金山镇"))
    make_member(mine)
    stranger = make_member(theirs)
    headers = bearer(staff_token("county_admin", home.id))
    townships = client.get("/api/v1/townships", headers=headers).get_json()["items"]
    assert [t["id"] for t in townships] == [mine.township_id]
    members = client.get("/api/v1/members", headers=headers).get_json()
    assert stranger.id not in [m["id"] for m in members["items"]]
    assert client.get(f"/api/v1/members/{stranger.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/dashboard/townships/{theirs.township_id}", headers=headers).status_code == 404
    county_board = client.get("/api/v1/dashboard/county", headers=headers).get_json()
    assert [t["id"] for t in county_board["townships"]] == [mine.township_id]


def test_staff_create_without_scope_means_the_one_county(runner, ctx):
    result = runner.invoke(args=["staff", "create", "--username", "county1", "--role", "county_admin",
                                 "--password-stdin"], input="a-long-password-2026\n")
    assert result.exit_code == 0, result.output
    assert db.session.query(County).count() == 1
    _second_county()
    result = runner.invoke(args=["staff", "create", "--username", "county2", "--role", "county_admin",
                                 "--password-stdin"], input="a-long-password-2026\n")
    assert result.exit_code != 0 and "多个县" in result.output


def test_a_county_sync_key_counts_only_its_county(ctx):
    home = default_county()
    db.session.commit()
    key, _ = create_key(None)
    assert key.county_id == home.id
    make_member(make_branch(_township(home, "金山镇")))
    make_member(make_branch(_township(_second_county(), "桃园镇")))
    assert digest(key, "2026-11")["members"] == 1


def test_a_county_key_must_name_its_county_once_there_are_several(runner, ctx):
    default_county()
    _second_county()
    result = runner.invoke(args=["sync", "create-key", "--county"])
    assert result.exit_code != 0 and "多个县" in result.output


def test_a_county_sync_key_reads_the_changes_of_its_county_only(ctx):
    home = default_county()
    db.session.commit()
    key, _ = create_key(None)
    mine = [_township(home, name).id for name in ("金山镇", "城关镇")]
    theirs = _township(_second_county(), "桃园镇").id
    for township_id in (mine[0], theirs, mine[1], theirs):
        db.session.add(OutboxChange(type="report.created", member_id=None, township_id=township_id, data={}))
    db.session.commit()
    page = json.loads(changes_page_json(key, 0, 10))
    assert [c["township_id"] for c in page["changes"]] == mine and page["more"] is False
