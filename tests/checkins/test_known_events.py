"""A worker that knows an event checks members in there in one statement, validated against its copy of the event
(server/checkins/checkin.py). The copy never decides alone: the statement writes only while the event's row still
equals it and the member may attend, so an event cancelled, moved or renamed meanwhile, or a member who left, is
answered as if the worker had read everything afresh."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.checkins.models import Checkin
from server.common.timeutil import utcnow
from server.core.audit import AuditEntry
from server.core.members import Member
from server.extensions import db
from tests.checkins.conftest import FAR, code_for, outbox
from tests.factories import VENUE, bearer, make_event, make_member, member_token
from tests.roundtrips import RoundTrips

from .test_checkins import checkin

pytestmark = pytest.mark.postgresql


@pytest.fixture
def neighbour(branch):
    """A second member of the branch, with the township the outbox row and the audit entry must carry."""
    member = make_member(branch, name="李秀英")
    return member, bearer(member_token(member))


def _known(client, secretary, member_auth, event_id) -> str:
    """A first check-in at the event (this worker now keeps a copy of it); the code, for the next ones."""
    token = code_for(client, secretary, event_id)
    assert checkin(client, member_auth, event_id, token).status_code == 201
    return token


def _checkins_of(member_id: int) -> list[Checkin]:
    return list(db.session.scalars(select(Checkin).where(Checkin.member_id == member_id)))


def test_a_checkin_at_a_known_event_is_one_round_trip_and_writes_everything(client, secretary, member_auth, event,
                                                                            neighbour, monkeypatch):
    event_id, title = event.id, event.title
    token = _known(client, secretary, member_auth, event_id)
    other, other_auth = neighbour
    other_id, other_township = other.id, other.township_id
    with RoundTrips(db.engine, monkeypatch) as sent:
        answer = checkin(client, other_auth, event_id, token)
    assert answer.status_code == 201, answer.get_json()
    assert len(sent.sent) == 1, sent.sent
    (change,) = [c for c in outbox("checkin.created") if c.member_id == other_id]
    assert change.township_id == other_township and change.data["event_title"] == title
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "checkin.created",
                                                           AuditEntry.member_id == other_id))
    assert entry.township_id == other_township and entry.target_id == str(answer.get_json()["checkin"]["id"])
    assert db.session.get(Member, other_id).last_activity_at is not None


def test_an_event_cancelled_after_the_copy_was_kept_refuses_the_checkin(client, secretary, member_auth, event,
                                                                        neighbour):
    token = _known(client, secretary, member_auth, event.id)
    cancelled = client.post(f"/api/v1/events/{event.id}/cancel", headers=secretary, json={"reason": "暴雨停课"})
    assert cancelled.status_code == 200
    other, other_auth = neighbour
    answer = checkin(client, other_auth, event.id, token)
    assert answer.status_code == 422 and answer.get_json()["code"] == "event_cancelled"
    assert _checkins_of(other.id) == []
    assert other.id not in {c.member_id for c in outbox("checkin.created")}


def test_an_event_moved_after_the_copy_was_kept_checks_in_at_the_new_place_only(client, secretary, member_auth,
                                                                                branch, neighbour):
    soon = make_event(branch, starts_at=utcnow() + timedelta(minutes=20))  # open for check-in, not yet begun
    token = _known(client, secretary, member_auth, soon.id)
    moved = client.patch(f"/api/v1/events/{soon.id}", headers=secretary,
                         json={"location": {"lat": FAR[0], "lng": FAR[1], "radius_m": 200}})
    assert moved.status_code == 200, moved.get_json()
    other, other_auth = neighbour
    at_old_place = checkin(client, other_auth, soon.id, token, where=VENUE)
    assert at_old_place.status_code == 422 and at_old_place.get_json()["code"] == "checkin_outside_area"
    at_new_place = checkin(client, other_auth, soon.id, token, where=FAR)
    assert at_new_place.status_code == 201 and at_new_place.get_json()["checkin"]["distance_m"] < 1


def test_an_event_renamed_after_the_copy_was_kept_sends_the_new_title(client, secretary, member_auth, event,
                                                                     neighbour):
    token = _known(client, secretary, member_auth, event.id)
    renamed = client.patch(f"/api/v1/events/{event.id}", headers=secretary, json={"title": "志愿服务进社区（改）"})
    assert renamed.status_code == 200, renamed.get_json()
    other, other_auth = neighbour
    assert checkin(client, other_auth, event.id, token).status_code == 201
    (change,) = [c for c in outbox("checkin.created") if c.member_id == other.id]
    assert change.data["event_title"] == "志愿服务进社区（改）"


def test_a_member_who_left_after_the_copy_was_kept_is_refused(client, secretary, member_auth, event, neighbour):
    token = _known(client, secretary, member_auth, event.id)
    other, other_auth = neighbour
    db.session.get(Member, other.id).status = "transferred"
    db.session.commit()
    answer = checkin(client, other_auth, event.id, token)
    assert answer.status_code == 409 and answer.get_json()["code"] == "member_left"
    assert _checkins_of(other.id) == []


def test_a_repeat_at_a_known_event_answers_its_record_whatever_its_code(client, secretary, member_auth, event):
    token = _known(client, secretary, member_auth, event.id)
    first = checkin(client, member_auth, event.id, token).get_json()["checkin"]
    stale = checkin(client, member_auth, event.id, "no-longer-a-valid-code")
    assert stale.status_code == 200 and stale.get_json()["checkin"] == first
