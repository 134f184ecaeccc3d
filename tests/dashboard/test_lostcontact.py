"""Lost contact: the daily job only flags; a secretary confirms (status, history, outbox) or dismisses."""
from datetime import timedelta

from sqlalchemy import select

from server.common.timeutil import utcnow
from server.core.audit import AuditEntry
from server.core.members import Member, MemberStatusChange
from server.core.outbox import OutboxChange
from server.dashboard import lostcontact
from server.dashboard.models import LostContactFlag
from server.dashboard.tasks import flag_lost_contact
from server.extensions import db
from tests.factories import bearer, make_branch, make_member, member_token, staff_token

LONG_AGO = utcnow() - timedelta(days=200)
RECENT = utcnow() - timedelta(days=30)


def _statuses():
    return {m.id: m.status for m in db.session.scalars(select(Member))}


def _quiet_branch():
    branch = make_branch()
    quiet = make_member(branch, name="失联甲", last_activity_at=LONG_AGO, created_at=LONG_AGO)
    never = make_member(branch, name="失联乙", last_activity_at=None, created_at=LONG_AGO)
    make_member(branch, name="活跃丙", last_activity_at=RECENT, created_at=LONG_AGO)
    make_member(branch, name="新人丁", last_activity_at=None, created_at=RECENT)
    make_member(branch, name="返乡戊", status="returned", last_activity_at=LONG_AGO, created_at=LONG_AGO)
    return branch, quiet, never


def test_the_job_flags_quiet_active_members_and_never_changes_a_status(ctx):
    branch, quiet, never = _quiet_branch()
    before = _statuses()
    flag_lost_contact()
    assert _statuses() == before
    flags = db.session.scalars(select(LostContactFlag).order_by(LostContactFlag.member_id)).all()
    assert [(f.member_id, f.state) for f in flags] == [(quiet.id, "open"), (never.id, "open")]
    assert flags[0].last_seen_at == quiet.last_activity_at
    assert db.session.scalars(select(OutboxChange)).all() == []

    assert lostcontact.flag_candidates() == 0, "an open flag is not opened twice"
    assert db.session.scalar(select(db.func.count()).select_from(LostContactFlag)) == 2


def test_listing_is_scoped(client, ctx):
    branch, quiet, _ = _quiet_branch()
    other_branch, other_quiet, _ = _quiet_branch()
    lostcontact.flag_candidates()
    secretary = bearer(staff_token("branch_secretary", branch.id))
    body = client.get("/api/v1/lost-contact", headers=secretary).get_json()
    assert body["total"] == 2
    assert {i["member"]["mobile_branch"]["id"] for i in body["items"]} == {branch.id}
    assert client.get(f"/api/v1/lost-contact?branch_id={other_branch.id}", headers=secretary).status_code == 404
    county = bearer(staff_token("county_admin"))
    assert client.get("/api/v1/lost-contact", headers=county).get_json()["total"] == 4
    body = client.get(f"/api/v1/lost-contact?branch_id={other_branch.id}&per_page=1", headers=county).get_json()
    assert body["total"] == 2 and len(body["items"]) == 1
    assert client.get("/api/v1/lost-contact", headers=bearer(member_token(quiet))).status_code == 403
    assert client.get("/api/v1/lost-contact?state=gone", headers=county).status_code == 422


def test_confirm_sets_lost_contact_with_history_audit_and_outbox(client, ctx):
    branch, quiet, _ = _quiet_branch()
    lostcontact.flag_candidates()
    secretary = bearer(staff_token("branch_secretary", branch.id, username="jinshan-sj"))
    resp = client.post(f"/api/v1/lost-contact/{quiet.id}/confirm", json={"reason": "电话停机，多次联系未果"},
                       headers=secretary)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["state"] == "confirmed" and body["resolved_by"] == "jinshan-sj"
    assert body["member"]["status"] == "lost_contact"
    db.session.expire_all()
    assert db.session.get(Member, quiet.id).status == "lost_contact"
    history = db.session.scalars(select(MemberStatusChange).where(MemberStatusChange.member_id == quiet.id)).one()
    assert (history.from_status, history.to_status, history.actor) == ("active", "lost_contact", "jinshan-sj")
    change = db.session.scalars(select(OutboxChange).where(OutboxChange.type == "member.status_changed")).one()
    assert change.data["to"] == "lost_contact" and change.member_id == quiet.id
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"member.status_changed", "lost_contact.confirmed"} <= actions

    again = client.post(f"/api/v1/lost-contact/{quiet.id}/confirm", json={"reason": "再次确认"}, headers=secretary)
    assert again.status_code == 409 and again.get_json()["code"] == "flag_already_resolved"


def test_dismiss_keeps_the_status_and_is_not_flagged_again_soon(client, ctx):
    branch, quiet, _ = _quiet_branch()
    lostcontact.flag_candidates()
    admin = bearer(staff_token("township_admin", branch.township_id))
    resp = client.post(f"/api/v1/lost-contact/{quiet.id}/dismiss", json={"reason": "已电话联系，在外地务工"},
                       headers=admin)
    assert resp.status_code == 200 and resp.get_json()["state"] == "dismissed"
    db.session.expire_all()
    assert db.session.get(Member, quiet.id).status == "active"
    assert db.session.scalars(select(OutboxChange)).all() == []
    assert lostcontact.flag_candidates() == 0
    assert lostcontact.flag_candidates(now=utcnow() + timedelta(days=200)) >= 1, "quiet for another six months"


def test_confirm_refusals(client, ctx):
    branch, quiet, _ = _quiet_branch()
    other_branch, other_quiet, _ = _quiet_branch()
    active = make_member(branch, last_activity_at=RECENT)
    lostcontact.flag_candidates()
    secretary = bearer(staff_token("branch_secretary", branch.id))
    url = "/api/v1/lost-contact/{}/confirm"
    assert client.post(url.format(other_quiet.id), json={"reason": "x"}, headers=secretary).status_code == 404
    resp = client.post(url.format(active.id), json={"reason": "x"}, headers=secretary)
    assert resp.status_code == 404 and resp.get_json()["code"] == "flag_not_found"
    assert client.post(url.format(999999), json={"reason": "x"}, headers=secretary).status_code == 404
    for body in ({"reason": "   "}, {}, {"reason": "x" * 256}, {"reason": "x", "status": "active"}):
        assert client.post(url.format(quiet.id), json=body, headers=secretary).status_code == 422, body
    assert client.post(url.format(quiet.id), json={"reason": "x"},
                       headers=bearer(member_token(quiet))).status_code == 403
    assert client.post(url.format(quiet.id), data="reason", headers=secretary).status_code in (400, 415, 422)
    db.session.expire_all()
    assert db.session.get(Member, quiet.id).status == "active"


def test_confirm_refused_when_the_member_is_no_longer_active(client, ctx):
    from server.members.service import change_status

    branch, quiet, _ = _quiet_branch()
    lostcontact.flag_candidates()
    change_status(quiet.id, "returned", "已返乡", "county")
    secretary = bearer(staff_token("branch_secretary", branch.id))
    resp = client.post(f"/api/v1/lost-contact/{quiet.id}/confirm", json={"reason": "联系不上"}, headers=secretary)
    assert resp.status_code == 409 and resp.get_json()["code"] == "member_not_active"
