"""Fixtures for meeting minutes: an event that is over, with one member present, one on leave, one absent."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server.common.timeutil import utcnow
from tests.factories import bearer, make_branch, make_checkin, make_event, make_leave, make_member, staff_token


@pytest.fixture(autouse=True)
def photo_dir(app, tmp_path):
    """Photos go to a fresh folder per test."""
    app.config["MINUTES_LOCAL_DIR"] = str(tmp_path / "photos")
    return tmp_path / "photos"


@pytest.fixture
def branch(ctx):
    return make_branch(kind="mobile")


@pytest.fixture
def secretary(branch):
    return bearer(staff_token("branch_secretary", branch.id))


@pytest.fixture
def meeting(branch):
    """A theme day that ended an hour ago: 张建国 checked in, 李春梅 on approved leave, 王大山 absent, and
    赵小红 absent after a denied leave."""
    now = utcnow()
    event = make_event(branch, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1),
                       topic="学习党的二十届四中全会精神")
    present, on_leave = make_member(branch, name="张建国"), make_member(branch, name="李春梅")
    absent, denied = make_member(branch, name="王大山"), make_member(branch, name="赵小红")
    make_checkin(event, present)
    make_leave(event, on_leave, reason="在深圳加班，无法请假")
    make_leave(event, denied, reason="想休息", status="denied")
    return event


def minutes_url(event, tail: str = "") -> str:
    return f"/api/v1/events/{event.id}/minutes{tail}"
