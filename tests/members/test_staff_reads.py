"""Staff reading the roster: scope, masks, search, audit, status changes."""
from sqlalchemy import select

from server.core.audit import AuditEntry
from server.core.members import MemberStatusChange
from server.core.outbox import OutboxChange
from server.extensions import db
from tests.factories import (
    bearer,
    make_branch,
    make_member,
    make_township,
    member_token,
    staff_token,
)


def _two_townships():
    a, b = make_township("金山镇"), make_township("西斗铺镇")
    branch_a, branch_b = make_branch(a, "mobile"), make_branch(b, "mobile")
    return a, b, branch_a, branch_b


def test_township_admin_sees_only_their_township_and_gets_404_for_another(client, ctx):
    a, b, branch_a, branch_b = _two_townships()
    mine, theirs = make_member(branch_a, name="张三"), make_member(branch_b, name="李四")
    token = staff_token("township_admin", a.id)
    listing = client.get("/api/v1/members", headers=bearer(token)).get_json()
    assert [m["id"] for m in listing["items"]] == [mine.id] and listing["total"] == 1
    assert client.get(f"/api/v1/members/{mine.id}", headers=bearer(token)).status_code == 200
    other = client.get(f"/api/v1/members/{theirs.id}", headers=bearer(token))
    assert other.status_code == 404
    assert other.get_json() == client.get("/api/v1/members/999999", headers=bearer(token)).get_json()
    assert client.get(f"/api/v1/members?township_id={b.id}", headers=bearer(token)).get_json()["total"] == 0


def test_secretary_sees_only_their_mobile_branch(client, ctx):
    a, _, branch_a, _ = _two_townships()
    other_branch = make_branch(a, "mobile")
    mine, _ = make_member(branch_a), make_member(other_branch)
    token = staff_token("branch_secretary", branch_a.id)
    assert [m["id"] for m in client.get("/api/v1/members", headers=bearer(token)).get_json()["items"]] == [mine.id]


def test_list_and_detail_are_masked_and_audited(client, ctx):
    _, _, branch_a, _ = _two_townships()
    member = make_member(branch_a, name="王五", phone="13611112222")
    token = staff_token("county_admin")
    listing = client.get("/api/v1/members", headers=bearer(token), environ_base={"REMOTE_ADDR": "10.0.0.8"})
    detail = client.get(f"/api/v1/members/{member.id}", headers=bearer(token))
    for body in (listing.get_data(as_text=True), detail.get_data(as_text=True)):
        assert member.id_number not in body and "13611112222" not in body
    assert detail.get_json()["phone_masked"] == "136****2222"
    entries = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [e.action for e in entries] == ["member.list_read", "member.read"]
    assert entries[0].actor_type == "staff" and entries[0].ip == "10.0.0.8"
    assert entries[0].detail["member_ids"] == [member.id]
    assert entries[1].target_id == str(member.id) and entries[1].at is not None


def test_search_by_name_substring_full_id_number_or_phone(client, ctx):
    _, _, branch_a, _ = _two_townships()
    wang = make_member(branch_a, name="王建军", phone="13800001111")
    make_member(branch_a, name="李建国", phone="13800002222")
    make_member(branch_a, name="100%_张")
    token = staff_token("county_admin")

    def ids(q):
        return [m["id"] for m in client.get("/api/v1/members", headers=bearer(token),
                                            query_string={"q": q}).get_json()["items"]]

    assert len(ids("建")) == 2
    assert ids(wang.id_number) == [wang.id]
    assert ids(wang.id_number.lower()) == [wang.id]
    assert ids("13800001111") == [wang.id]
    assert ids(wang.id_number[:10]) == []  # a partial ID number never matches
    assert ids("%") == [m for m in ids("100%")] and len(ids("%")) == 1
    assert ids("_") == ids("100%_")


def test_filters_and_paging(client, ctx):
    a, _, branch_a, _ = _two_townships()
    for n in range(5):
        make_member(branch_a, status="returned" if n < 2 else "active")
    token = staff_token("county_admin")
    page = client.get("/api/v1/members?status=returned&per_page=1&page=2", headers=bearer(token)).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert client.get(f"/api/v1/members?branch_id={branch_a.id}", headers=bearer(token)).get_json()["total"] == 5
    for bad in ("status=gone", "page=0", "per_page=101", "branch_id=x", "q=" + "x" * 65):
        assert client.get(f"/api/v1/members?{bad}", headers=bearer(token)).status_code == 422, bad


def test_member_token_is_403_on_staff_endpoints(client, ctx):
    member = make_member()
    token = member_token(member)
    for path in ("/api/v1/members", f"/api/v1/members/{member.id}"):
        resp = client.get(path, headers=bearer(token))
        assert resp.status_code == 403 and resp.get_json()["code"] == "forbidden"


def test_status_change_by_township_admin_is_recorded_with_history(client, ctx):
    a, b, branch_a, branch_b = _two_townships()
    member, outsider = make_member(branch_a), make_member(branch_b)
    token = staff_token("township_admin", a.id, username="jinshan")
    resp = client.post(f"/api/v1/members/{member.id}/status", headers=bearer(token),
                       json={"status": "returned", "reason": "已返乡务农"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "returned"
    assert body["status_history"][0] == {"from": "active", "to": "returned", "reason": "已返乡务农",
                                         "actor": "jinshan", "at": body["status_history"][0]["at"]}
    change = db.session.execute(select(OutboxChange).filter_by(type="member.status_changed")).scalar_one()
    assert change.data["by"] == "jinshan"
    assert client.post(f"/api/v1/members/{outsider.id}/status", headers=bearer(token),
                       json={"status": "returned", "reason": "x"}).status_code == 404
    same = client.post(f"/api/v1/members/{member.id}/status", headers=bearer(token),
                       json={"status": "returned", "reason": "再次"})
    assert same.status_code == 422 and same.get_json()["code"] == "status_unchanged"


def test_status_change_needs_admin_role_and_a_valid_body(client, ctx):
    _, _, branch_a, _ = _two_townships()
    member = make_member(branch_a)
    secretary = staff_token("branch_secretary", branch_a.id)
    assert client.post(f"/api/v1/members/{member.id}/status", headers=bearer(secretary),
                       json={"status": "returned", "reason": "x"}).status_code == 403
    county = staff_token("county_admin")
    for body in ({"status": "gone", "reason": "x"}, {"status": "returned"}, {"status": "returned", "reason": " "},
                 {"status": "returned", "reason": "x" * 256}, {"status": "returned", "reason": "x", "by": "me"}):
        assert client.post(f"/api/v1/members/{member.id}/status", headers=bearer(county),
                           json=body).status_code == 422, body
    assert db.session.execute(select(MemberStatusChange)).first() is None
