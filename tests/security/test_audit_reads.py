"""Every staff read of personal data is audited (DESIGN "Security and privacy"): attendance and leave lists
name members (with phones and leave reasons), so reading them leaves a trace like a member read does."""
import pytest
from sqlalchemy import select

from server.checkins.models import LeaveRequest
from server.common.timeutil import utcnow
from server.core.audit import AuditEntry
from server.extensions import db
from tests.checkins.conftest import make_event
from tests.factories import bearer, make_branch, make_member, staff_token


@pytest.fixture
def setup(ctx):
    branch = make_branch()
    member = make_member(branch)
    event = make_event(branch)
    db.session.add(LeaveRequest(event_id=event.id, member_id=member.id, reason="家中有事", status="pending",
                                created_at=utcnow()))
    db.session.commit()
    return event, bearer(staff_token("branch_secretary", branch.id))


def _entries(action):
    return db.session.execute(select(AuditEntry).filter_by(action=action)).scalars().all()


@pytest.mark.parametrize("fmt", ["", "?format=xlsx"])
def test_attendance_read_is_audited(client, setup, fmt):
    event, secretary = setup
    resp = client.get(f"/api/v1/events/{event.id}/attendance{fmt}", headers=secretary)
    assert resp.status_code == 200
    db.session.expire_all()
    [entry] = _entries("event.attendance_read")
    assert entry.target_type == "event" and entry.target_id == str(event.id)
    assert entry.actor_type == "staff" and entry.ip


def test_leave_list_read_is_audited(client, setup):
    event, secretary = setup
    assert client.get(f"/api/v1/events/{event.id}/leaves", headers=secretary).status_code == 200
    db.session.expire_all()
    [entry] = _entries("event.leaves_read")
    assert entry.target_id == str(event.id) and entry.actor_type == "staff"


def test_out_of_scope_attendance_is_404_and_not_audited(client, setup):
    event, _ = setup
    other = bearer(staff_token("branch_secretary", make_branch().id))
    assert client.get(f"/api/v1/events/{event.id}/attendance", headers=other).status_code == 404
    db.session.expire_all()
    assert _entries("event.attendance_read") == []
