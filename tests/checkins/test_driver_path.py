"""The check-in's statements run on the psycopg connection directly (server/common/driversql.py): the values a
caller sees are the ones the ORM would give, a dropped connection costs no check-in, and the database down is
still the usual 503."""
from datetime import timezone

import pytest
from sqlalchemy import bindparam, select

from server.checkins.models import Checkin, Event
from server.common.driversql import DriverStatement
from server.core.outbox import OutboxChange
from server.extensions import db
from tests.checkins.conftest import code_for, outbox
from tests.factories import VENUE
from tests.pgfaults import lose_the_database, terminate_other_connections

pytestmark = pytest.mark.postgresql


def _check_in(client, auth, event_id, token):
    return client.post(f"/api/v1/events/{event_id}/checkins", headers=auth,
                       json={"token": token, "lat": VENUE[0], "lng": VENUE[1], "accuracy": 12})


def test_driver_rows_carry_the_values_the_session_gives(client, secretary, member_auth, event):
    assert _check_in(client, member_auth, event.id, code_for(client, secretary, event.id)).status_code == 201
    statement = (select(Checkin.id, Checkin.checked_in_at, Checkin.late, Checkin.distance_m, Checkin.reason,
                        Event.title, Event.starts_at, OutboxChange.data)
                 .join(Event, Event.id == Checkin.event_id)
                 .join(OutboxChange, OutboxChange.type == "checkin.created")
                 .where(Checkin.event_id == bindparam("event_id")))
    with client.application.app_context():
        through_session = db.session.execute(statement, {"event_id": event.id}).one()
        db.session.rollback()
        direct = DriverStatement(statement).first(event_id=event.id)
        assert tuple(direct) == tuple(through_session)
        assert direct.checked_in_at.tzinfo == timezone.utc  # UTCDateTime's processor ran
        assert direct.data["checkin_id"] == direct.id  # JSON decoded as the ORM decodes it
        assert direct.title == event.title and direct.late is through_session.late


def test_a_check_in_on_a_dropped_pooled_connection_is_stored_once(app, client, secretary, member_auth, event):
    token = code_for(client, secretary, event.id)  # the pool now holds a connection
    assert terminate_other_connections(app) >= 1
    answer = _check_in(client, member_auth, event.id, token)
    assert answer.status_code == 201, answer.get_json()
    again = _check_in(client, member_auth, event.id, token)
    assert again.status_code == 200 and again.get_json()["checkin"] == answer.get_json()["checkin"]
    with app.app_context():
        assert len(outbox("checkin.created")) == 1


def test_the_database_gone_between_statements_is_503(app, client, secretary, member_auth, event, monkeypatch):
    token = code_for(client, secretary, event.id)
    real_first = DriverStatement.first
    calls = []

    def first_then_drop(self, **values):
        row = real_first(self, **values)
        calls.append(1)
        if len(calls) == 1:  # after the read: the request's connection lost, and new ones refused
            lose_the_database(monkeypatch)
        return row

    monkeypatch.setattr(DriverStatement, "first", first_then_drop)
    answer = _check_in(client, member_auth, event.id, token)
    assert answer.status_code == 503
    assert answer.get_json()["code"] == "service_unavailable"
    assert "Retry-After" in answer.headers
