"""The demo evaluations: last year's grade for every active member, in the feed, recorded once."""
from sqlalchemy import func, select

from server.common.timeutil import local, utcnow
from server.core.outbox import OutboxChange
from server.evaluations import demo
from server.evaluations.models import GRADES, Evaluation
from server.extensions import db
from tests.factories import make_branch, make_member


def test_seed_evaluates_each_active_member_once(ctx):
    branch = make_branch()
    members = [make_member(branch) for _ in range(4)]
    make_member(branch, status="transferred")
    lines = []
    demo.seed(lines.append)
    year = local(utcnow()).year - 1
    rows = db.session.scalars(select(Evaluation).order_by(Evaluation.member_id)).all()
    assert [(e.member_id, e.year) for e in rows] == [(m.id, year) for m in members]
    assert all(e.grade in GRADES for e in rows)
    changes = db.session.scalars(select(OutboxChange).filter_by(type="evaluation.recorded")).all()
    assert sorted(c.member_id for c in changes) == [m.id for m in members]
    assert lines == [f"民主评议：记录了 4 名党员的 {year} 年度评议"]
    demo.seed(lines.append)
    assert lines[-1] == f"民主评议：{year} 年度已全部评议，未做改动"
    assert db.session.scalar(select(func.count()).select_from(OutboxChange)) == len(changes)
