"""The demo meetings seeder."""
from sqlalchemy import func, select

from server.checkins import demo
from server.checkins.models import Checkin, Event
from server.common.timeutil import utcnow
from server.extensions import db
from tests.factories import make_member


def test_seed_is_idempotent_and_leaves_a_meeting_open_today(ctx, branch):
    for _ in range(6):
        make_member(branch)
    lines = []
    demo.seed(lines.append)
    events = db.session.execute(select(func.count()).select_from(Event)).scalar_one()
    checkins = db.session.execute(select(func.count()).select_from(Checkin)).scalar_one()
    assert events >= 3 and len(lines) == 1 and branch.name in lines[0]
    now = utcnow()
    assert db.session.execute(select(Event).where(Event.starts_at <= now, Event.ends_at > now)).first()
    demo.seed(lines.append)
    assert db.session.execute(select(func.count()).select_from(Event)).scalar_one() == events
    assert db.session.execute(select(func.count()).select_from(Checkin)).scalar_one() == checkins
    assert len(lines) == 1
