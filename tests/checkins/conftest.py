"""Fixtures for meetings and check-ins: a mobile branch, its secretary, members and events."""
from __future__ import annotations

import pytest

from server.extensions import db
from tests.factories import (
    bearer,
    make_branch,
    make_event,
    make_member,
    member_token,
    staff_token,
)

# A point about 1.1 km north of the venue.
FAR = (30.6028, 114.3055)


@pytest.fixture
def branch(ctx):
    return make_branch(kind="mobile")


@pytest.fixture
def secretary(branch):
    return bearer(staff_token("branch_secretary", branch.id))


@pytest.fixture
def member(branch):
    return make_member(branch, name="张建国")


@pytest.fixture
def member_auth(member):
    return bearer(member_token(member))


@pytest.fixture
def event(branch):
    return make_event(branch)


def code_for(client, secretary, event_id) -> str:
    resp = client.get(f"/api/v1/events/{event_id}/checkin-code", headers=secretary)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["token"]


def outbox(change_type=None):
    from sqlalchemy import select

    from server.core.outbox import OutboxChange

    stmt = select(OutboxChange).order_by(OutboxChange.id)
    if change_type:
        stmt = stmt.where(OutboxChange.type == change_type)
    return list(db.session.execute(stmt).scalars())
