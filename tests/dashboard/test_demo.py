"""The dashboard's demo seeder: catches up the roll-ups, flags, and changes nothing on a second run."""
from datetime import timedelta

from sqlalchemy import func, select

from server.common.timeutil import utcnow
from server.dashboard import demo
from server.dashboard.models import BranchMonthStats, LostContactFlag
from server.extensions import db
from tests.dashboard.conftest import checkin
from tests.factories import make_branch, make_member


def test_seed_is_idempotent(ctx):
    branch = make_branch()
    member = make_member(branch)
    make_member(branch, last_activity_at=utcnow() - timedelta(days=300), created_at=utcnow() - timedelta(days=400))
    checkin(member, "2026-05")
    lines = []
    demo.seed(lines.append)
    demo.seed(lines.append)
    assert "汇总了 1 条变更" in lines[0] and "新标记疑似失联 1 人" in lines[0]
    assert "汇总了 0 条变更" in lines[1] and "新标记疑似失联 0 人" in lines[1]
    assert db.session.scalar(select(func.count()).select_from(LostContactFlag)) == 1
    assert db.session.scalar(select(func.sum(BranchMonthStats.checkins))) == 1
