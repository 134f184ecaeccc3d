"""Fixtures for meetings and check-ins: a mobile branch, its secretary, members and events."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server.checkins.models import Event
from server.common.timeutil import utcnow
from server.extensions import db
from tests.factories import bearer, make_branch, make_member, member_token, staff_token

# A venue in the city (GCJ-02), and a point about 1.1 km north of it.
VENUE = (30.5928, 114.3055)
FAR = (30.6028, 114.3055)


def make_event(branch, **fields) -> Event:
    """An event of `branch` happening now unless told otherwise (built directly, so it may lie in the past)."""
    now = utcnow()
    event = Event(
        branch_id=branch.id, kind=fields.pop("kind", "theme_day"), title=fields.pop("title", "十一月主题党日"),
        lat=VENUE[0], lng=VENUE[1], radius_m=fields.pop("radius_m", 200),
        starts_at=fields.pop("starts_at", now - timedelta(minutes=10)),
        ends_at=fields.pop("ends_at", now + timedelta(hours=2)), place_name=fields.pop("place_name", "江汉区党群服务中心"),
        chair=fields.pop("chair", "王书记"), recorder=fields.pop("recorder", "李委员"), **fields,
    )
    db.session.add(event)
    db.session.commit()
    return event


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
