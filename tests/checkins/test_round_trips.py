"""A check-in costs at most two PostgreSQL round trips (issue 10 asks at most three) and reads no encrypted
member field.

How round trips are counted (the way issue 10 counts its 13): tests/roundtrips.py.
"""
import pytest

from server.dbsession import AppSession
from server.extensions import db
from tests.checkins.conftest import code_for
from tests.roundtrips import RoundTrips

from .test_checkins import checkin

pytestmark = pytest.mark.postgresql


def test_a_checkin_is_at_most_two_round_trips_and_decrypts_nothing(client, secretary, member, member_auth, event,
                                                                    monkeypatch):
    event_id, token = event.id, code_for(client, secretary, event.id)
    db.session.commit()
    with RoundTrips(db.engine, monkeypatch) as first:
        assert checkin(client, member_auth, event_id, token).status_code == 201
    # Two when this worker does not know the event yet (read, write), one when it does (test_known_events.py).
    assert len(first.sent) <= 2, first.sent
    assert not any("id_number" in s or "phone" in s for s in first.sent), first.sent
    with RoundTrips(db.engine, monkeypatch) as repeat:
        assert checkin(client, member_auth, event_id, token).status_code == 200
    assert len(repeat.sent) <= 1, repeat.sent


def test_a_checkin_builds_no_orm_session(client, secretary, member, member_auth, event, monkeypatch):
    """Its statements run on the driver connection: building and closing a session it never used had been a
    twentieth of a check-in's CPU."""
    event_id, token = event.id, code_for(client, secretary, event.id)
    db.session.commit()
    built, real = [], AppSession.__init__
    monkeypatch.setattr(AppSession, "__init__", lambda self, *args, **kw: built.append(1) or real(self, *args, **kw))
    assert checkin(client, member_auth, event_id, token).status_code == 201
    assert checkin(client, member_auth, event_id, token).status_code == 200
    assert built == []
