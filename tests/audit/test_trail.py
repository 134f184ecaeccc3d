"""What lands on the trail: every staff read of a member and every change, tied to the right township,
with ID numbers and phones masked as they are written (CONTRACT §14, DESIGN "Security and privacy")."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from server.common.timeutil import utcnow
from server.core.accounts import StaffUser
from server.core.audit import AuditEntry
from server.dashboard.lostcontact import flag_candidates
from server.extensions import db
from tests.audit.conftest import AUDIT
from tests.dues.helpers import order, pay
from tests.factories import (
    VENUE,
    bearer,
    make_event,
    make_id_number,
    make_member,
    make_paying_member,
    member_token,
    months_ago,
    staff_token,
)


def _entries(action):
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _one(action):
    entries = _entries(action)
    assert len(entries) == 1, [(e.action, e.detail) for e in entries]
    return entries[0]


def test_a_members_own_changes_are_on_the_trail(app, client, towns):
    branch = towns[0].branch
    member = make_paying_member(branch, joined_months_ago=1)
    token = member_token(member)
    auth = bearer(token)
    event = make_event(branch)

    assert client.post("/api/v1/me/reports", headers=auth,
                       json={"city": "十堰市", "address": "张湾区", "employer": "东风"}).status_code == 201
    report = _one("report.created")
    assert (report.actor_type, report.member_id, report.township_id) == ("wechat", member.id, branch.township_id)

    code = client.get(f"/api/v1/events/{event.id}/checkin-code", headers=towns[0].secretary).get_json()["token"]
    resp = client.post(f"/api/v1/events/{event.id}/checkins", headers=auth,
                       json={"token": code, "lat": VENUE[0], "lng": VENUE[1]})
    assert resp.status_code == 201
    checkin = _one("checkin.created")
    assert checkin.target_id == str(resp.get_json()["checkin"]["id"]) and checkin.member_id == member.id
    assert checkin.township_id == branch.township_id and checkin.actor_type == "wechat" and checkin.ip
    assert client.post(f"/api/v1/events/{event.id}/checkins", headers=auth,
                       json={"token": code, "lat": VENUE[0], "lng": VENUE[1]}).status_code == 200
    assert len(_entries("checkin.created")) == 1  # a repeat changes nothing and is not a second entry

    later = make_event(branch, starts_at=utcnow() + timedelta(days=2), ends_at=utcnow() + timedelta(days=2, hours=2))
    assert client.post(f"/api/v1/events/{later.id}/leave", headers=auth, json={"reason": "上夜班"}).status_code == 201
    assert _one("leave.requested").member_id == member.id

    placed = order(client, token, [months_ago(1)])
    assert placed.status_code == 201, placed.get_json()
    order_no = placed.get_json()["order_no"]
    assert _one("dues.order_created").target_id == order_no
    assert pay(app, client, order_no).status_code == 200
    paid = _one("dues.paid")
    assert (paid.actor_type, paid.member_id, paid.target_id) == ("system", member.id, order_no)
    assert paid.township_id == branch.township_id


def test_staff_reads_of_a_members_order_are_on_the_trail(app, client, towns):
    member = make_paying_member(towns[0].branch, joined_months_ago=1)
    token = member_token(member)
    order_no = order(client, token, [months_ago(1)]).get_json()["order_no"]
    assert client.get(f"/api/v1/dues/orders/{order_no}", headers=bearer(token)).status_code == 200
    assert _entries("dues.order_read") == []  # the member reading their own order is no staff read
    assert client.get(f"/api/v1/dues/orders/{order_no}", headers=towns[0].secretary).status_code == 200
    read = _one("dues.order_read")
    assert read.member_id == member.id and read.actor_type == "staff"


def test_a_dead_letter_list_read_is_on_the_trail(client, county, towns):
    assert client.get("/api/v1/sync/dead-letters", headers=county).status_code == 200
    assert _one("sync.dead_letters_read").actor_type == "staff"


def test_lost_contact_flags_raised_by_the_sweep_are_on_the_trail(ctx, towns):
    quiet = make_member(towns[0].branch, created_at=utcnow() - timedelta(days=400))
    assert flag_candidates() >= 1
    entry = next(e for e in _entries("lost_contact.flagged") if e.member_id == quiet.id)
    assert entry.actor_type == "system" and entry.township_id == towns[0].branch.township_id


def test_an_id_number_typed_as_a_username_is_stored_masked(client, county, towns):
    typed = make_id_number()
    assert client.post("/api/v1/staff/login", json={"username": typed, "password": "wrong-password"}).status_code == 401
    entry = _one("staff.login_failed")
    assert typed not in str(entry.detail) and entry.detail["username"] == typed[:4] + "*" * 10 + typed[-4:]


def test_a_secretarys_login_belongs_to_their_township(client, towns):
    user = StaffUser(username="sj-login", password_hash=generate_password_hash("a-good-password-1"),
                     role="branch_secretary", scope_id=towns[0].branch.id)
    db.session.add(user)
    db.session.commit()
    assert client.post("/api/v1/staff/login", json={"username": "sj-login",
                                                    "password": "a-good-password-1"}).status_code == 200
    assert _one("staff.login").township_id == towns[0].branch.township_id
    seen = [i["action"] for i in client.get(f"{AUDIT}?action=staff.login", headers=towns[0].admin).get_json()["items"]]
    assert seen == ["staff.login"]
    assert client.get(f"{AUDIT}?action=staff.login", headers=towns[1].admin).get_json()["total"] == 0


def test_entries_about_no_one_in_particular_are_the_countys(client, county, towns):
    admin = bearer(staff_token("county_admin"))
    assert client.get("/api/v1/members", headers=admin).status_code == 200
    entry = _one("member.list_read")
    assert entry.township_id is None and entry.member_id is None
    assert client.get(f"{AUDIT}?action=member.list_read", headers=county).get_json()["total"] == 1
    assert client.get(f"{AUDIT}?action=member.list_read", headers=towns[0].admin).get_json()["total"] == 0
