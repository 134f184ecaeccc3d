"""The main thread keeps its driver connection between requests (server/common/driversql.py): a worker's next
check-in takes nothing from the pool, a connection the server dropped meanwhile costs no check-in, a disposed
engine leaves no session behind, and other threads give theirs back."""
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from server.extensions import db
from tests.checkins.conftest import code_for
from tests.factories import VENUE, bearer, make_member, member_token
from tests.pgfaults import terminate_other_connections

pytestmark = pytest.mark.postgresql


def _check_in(client, auth, event_id, token):
    return client.post(f"/api/v1/events/{event_id}/checkins", headers=auth,
                       json={"token": token, "lat": VENUE[0], "lng": VENUE[1], "accuracy": 12})


def _sessions(app) -> int:
    """Sessions the server holds on the test database, this probe's own left out."""
    probe = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    try:
        with probe.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                        " AND pid <> pg_backend_pid()")).scalar()
    finally:
        probe.dispose()


def _checkouts(app) -> list:
    taken = []
    with app.app_context():
        sa_event.listen(db.engine, "checkout", lambda *args: taken.append(1))
    return taken


def _members(branch, count):
    return [bearer(member_token(make_member(branch))) for _ in range(count)]


def test_a_second_check_in_takes_no_connection_from_the_pool(app, client, branch, secretary, member_auth, event):
    event_id, token = event.id, code_for(client, secretary, event.id)
    assert _check_in(client, member_auth, event_id, token).status_code == 201
    others = _members(branch, 3)
    taken = _checkouts(app)
    for auth in others:
        assert _check_in(client, auth, event_id, token).status_code == 201
    assert taken == []  # every check-in ran on the connection the first one kept


def test_a_kept_connection_the_server_dropped_costs_no_check_in(app, client, branch, secretary, event):
    event_id, token = event.id, code_for(client, secretary, event.id)
    first, second = _members(branch, 2)
    assert _check_in(client, first, event_id, token).status_code == 201  # the connection is kept
    assert terminate_other_connections(app) >= 1
    answer = _check_in(client, second, event_id, token)
    assert answer.status_code == 201, answer.get_json()
    assert _check_in(client, second, event_id, token).status_code == 200  # stored once


def test_disposing_the_engine_closes_the_kept_connection(app, client, secretary, member_auth, event):
    event_id, token = event.id, code_for(client, secretary, event.id)
    db.session.remove()  # the test's own session (the ctx fixture's) holds no connection
    assert _check_in(client, member_auth, event_id, token).status_code == 201
    assert _sessions(app) == 1  # the connection the check-in kept
    db.engine.dispose()
    assert _sessions(app) == 0  # nothing left to stop a DROP DATABASE


def test_another_thread_gives_its_connection_back(app, client, branch, secretary, event):
    event_id, token = event.id, code_for(client, secretary, event.id)
    [auth] = _members(branch, 1)
    db.session.remove()
    db.engine.dispose()  # nothing kept, nothing pooled
    answers = []
    worker = threading.Thread(target=lambda: answers.append(_check_in(client, auth, event_id, token)))
    worker.start()
    worker.join()
    assert answers[0].status_code == 201
    assert db.engine.pool.checkedout() == 0 and db.engine.pool.checkedin() == 1  # back in the pool, not held
