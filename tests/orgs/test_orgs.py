"""Townships and branches in the caller's scope."""
from tests.factories import (
    bearer,
    make_branch,
    make_member,
    make_township,
    member_token,
    staff_token,
)


def _county():
    a, b = make_township("金山镇"), make_township("西斗铺镇")
    mobile_a, mobile_b = make_branch(a, "mobile", "金山镇流动党员党支部"), make_branch(b, "mobile", "西斗铺镇流动党员党支部")
    village_a = make_branch(a, "village", "金山村党支部")
    make_member(mobile_a, village_branch=village_a)
    make_member(mobile_a, village_branch=village_a)
    make_member(mobile_b)
    return a, b, mobile_a, mobile_b, village_a


def test_county_admin_sees_every_township_with_counts(client, ctx):
    a, b, mobile_a, _, _ = _county()
    body = client.get("/api/v1/townships", headers=bearer(staff_token("county_admin"))).get_json()
    assert [(t["name"], t["member_count"]) for t in body["items"]] == [("金山镇", 2), ("西斗铺镇", 1)]
    assert body["items"][0]["mobile_branches"] == [{"id": mobile_a.id, "name": "金山镇流动党员党支部"}]


def test_township_admin_sees_only_their_township_and_its_branches(client, ctx):
    a, b, mobile_a, _, village_a = _county()
    token = staff_token("township_admin", a.id)
    assert [t["id"] for t in client.get("/api/v1/townships", headers=bearer(token)).get_json()["items"]] == [a.id]
    branches = client.get("/api/v1/branches", headers=bearer(token)).get_json()["items"]
    assert {(x["name"], x["kind"], x["member_count"]) for x in branches} >= {
        ("金山镇流动党员党支部", "mobile", 2), ("金山村党支部", "village", 2)}
    assert all(x["township"]["id"] == a.id for x in branches)
    assert client.get(f"/api/v1/branches?township_id={b.id}", headers=bearer(token)).get_json()["items"] == []
    mobile_only = client.get("/api/v1/branches?kind=mobile", headers=bearer(token)).get_json()["items"]
    assert [x["id"] for x in mobile_only] == [mobile_a.id]


def test_secretary_sees_their_branch_and_township(client, ctx):
    a, _, mobile_a, _, _ = _county()
    token = staff_token("branch_secretary", mobile_a.id)
    assert [x["id"] for x in client.get("/api/v1/branches", headers=bearer(token)).get_json()["items"]] == [mobile_a.id]
    assert [t["id"] for t in client.get("/api/v1/townships", headers=bearer(token)).get_json()["items"]] == [a.id]


def test_strangers_cannot_list_organisations(client, ctx):
    _county()
    assert client.get("/api/v1/townships").status_code == 401
    assert client.get("/api/v1/branches").status_code == 401
    token = staff_token("county_admin")
    assert client.get("/api/v1/branches?kind=other", headers=bearer(token)).status_code == 422


def test_a_wechat_account_sees_every_name_and_no_counts(client, ctx):
    """The registration form (CONTRACT §10) picks township and mobile branch with an unbound member token."""
    a, b, mobile_a, _, _ = _county()
    headers = bearer(member_token())
    townships = client.get("/api/v1/townships", headers=headers).get_json()["items"]
    assert {t["id"] for t in townships} >= {a.id, b.id}
    assert all("member_count" not in t for t in townships)
    assert {"id": mobile_a.id, "name": mobile_a.name} in next(t for t in townships if t["id"] == a.id)["mobile_branches"]
    branches = client.get(f"/api/v1/branches?township_id={a.id}&kind=mobile", headers=headers).get_json()["items"]
    assert [x["id"] for x in branches] == [mobile_a.id]
    assert set(branches[0]) == {"id", "name", "kind", "township"}
