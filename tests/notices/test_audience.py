"""Notices reach exactly their audience: the county, one township, one branch; nobody else sees them."""
from tests.factories import bearer, make_branch, make_member, member_token
from tests.notices.helpers import county_admin, make_town, publish, secretary, titles, township_admin


def test_county_township_and_branch_notices_reach_exactly_their_members(client, ctx):
    jinshan, xidou = make_town("金山镇"), make_town("西斗铺镇")
    second_branch = make_branch(jinshan.township)
    other = make_member(second_branch, name="金山另一支部党员")
    other_token = bearer(member_token(other))

    assert publish(client, county_admin(), title="全县通知").status_code == 201
    assert publish(client, township_admin(jinshan), title="金山镇通知").status_code == 201
    assert publish(client, secretary(jinshan), title="金山支部通知").status_code == 201
    assert publish(client, county_admin(), title="西斗铺支部通知", branch_id=xidou.branch.id).status_code == 201

    assert titles(client, jinshan.tokens[0]) == ["金山支部通知", "金山镇通知", "全县通知"]
    assert titles(client, other_token) == ["金山镇通知", "全县通知"]
    assert titles(client, xidou.tokens[0]) == ["西斗铺支部通知", "全县通知"]


def test_a_notice_to_a_home_village_branch_reaches_its_members(client, ctx):
    town = make_town("龙潭镇", bound=1, unbound=0)
    village = town.members[0].village_branch
    assert publish(client, township_admin(town), title="村支部通知", branch_id=village.id).status_code == 201
    assert titles(client, town.tokens[0]) == ["村支部通知"]


def test_no_target_means_the_publishers_whole_scope(client, ctx):
    jinshan, xidou = make_town("金山镇"), make_town("西斗铺镇")
    body = publish(client, township_admin(jinshan)).get_json()
    assert body["audience"] == {"type": "township", "id": jinshan.township.id, "name": "金山镇"}
    body = publish(client, secretary(xidou)).get_json()
    assert body["audience"] == {"type": "branch", "id": xidou.branch.id, "name": xidou.branch.name}
    body = publish(client, county_admin()).get_json()
    assert body["audience"]["type"] == "county"
    assert body["read_count"] == 0 and body["unread_count"] == 6


def test_pinned_first_then_newest_and_expired_hidden(client, ctx):
    town = make_town("城关镇", bound=1, unbound=0)
    admin = township_admin(town)
    publish(client, admin, title="置顶通知", pinned=True)
    publish(client, admin, title="旧通知")
    publish(client, admin, title="昨天就过期的通知", expires_on="2020-01-01")
    publish(client, admin, title="新通知", expires_on="2099-12-31")
    assert titles(client, town.tokens[0]) == ["置顶通知", "新通知", "旧通知"]
    resp = client.get("/api/v1/me/notices", headers=town.tokens[0]).get_json()
    assert resp["unread"] == 3 and resp["total"] == 3
    assert set(resp["items"][0]) >= {"id", "title", "body", "created_at", "read"}
    assert resp["items"][0]["created_at"].endswith("+08:00")
