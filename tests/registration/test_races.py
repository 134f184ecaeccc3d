"""Registration under concurrency (PostgreSQL row locks): one pending request, one decision."""
import pytest
from sqlalchemy import func, select

from server.core.members import Member
from server.core.outbox import OutboxChange
from server.extensions import db
from server.registration.models import Registration
from tests.dues.helpers import run_threads
from tests.registration.conftest import submit

pytestmark = pytest.mark.postgresql


def test_two_requests_at_once_store_one(app, form, registrant):
    me = registrant()
    bodies = [form(), form()]
    codes = run_threads(app, 2, lambda i: submit(app.test_client(), me, bodies[i]).status_code)
    assert sorted(codes) == [201, 409], codes
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_two_decisions_at_once_decide_once(app, client, form, registrant, secretary):
    registration_id = submit(client, registrant(), form()).get_json()["registration"]["id"]
    bodies = [{"approve": True}, {"approve": True}, {"approve": False, "note": "不符"}, {"approve": True}]
    codes = run_threads(app, 4, lambda i: app.test_client().post(
        f"/api/v1/registrations/{registration_id}/decision", headers=secretary, json=bodies[i]).status_code)
    assert sorted(codes) == [200, 409, 409, 409], codes
    db.session.expire_all()
    status = db.session.scalar(select(Registration.status))
    members = db.session.scalar(select(func.count()).select_from(Member))
    upserts = db.session.scalar(select(func.count()).select_from(OutboxChange).where(OutboxChange.type == "member.upserted"))
    assert (status, members, upserts) in {("approved", 1, 1), ("denied", 0, 0)}
