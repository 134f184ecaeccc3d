"""`flask --app server demo seed` run a second time says plainly that nothing changed, in every line."""
from datetime import datetime, timedelta

from server.checkins.models import Event
from server.common.timeutil import SHANGHAI, utcnow
from server.core.outbox import OutboxChange
from server.dues.models import DuesOrder
from server.extensions import db
from server.members.models import Report

# What a second run may still print: the logins and the sync command to try (unchanged, for copying).
REPRINTED = ("演示登录", "  ")


def test_a_second_seed_says_nothing_changed_and_nothing_else(app, runner, ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(ctx, "instance_path", str(tmp_path))
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    changes = db.session.execute(db.select(db.func.count(OutboxChange.id))).scalar_one()
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0, again.output
    news = [line for line in again.output.splitlines() if not line.startswith(REPRINTED)]
    assert news and all("未做" in line for line in news), news
    assert db.session.execute(db.select(db.func.count(OutboxChange.id))).scalar_one() == changes


def test_the_demo_data_agrees_with_itself(app, runner, ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(ctx, "instance_path", str(tmp_path))
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    now = utcnow()
    orders = db.session.execute(db.select(DuesOrder)).scalars().all()
    assert orders
    for order in orders:  # DF + the Beijing time the order was made
        made = datetime.strptime(order.order_no[2:16], "%Y%m%d%H%M%S").replace(tzinfo=SHANGHAI)
        assert made <= order.created_at + timedelta(seconds=1), order.order_no
        assert order.paid_at is None or made <= order.paid_at, order.order_no
    events = db.session.execute(db.select(Event)).scalars().all()
    assert events and all(event.created_at <= now and event.created_at <= event.starts_at for event in events)
    reports = db.session.execute(db.select(Report)).scalars().all()
    assert reports and all(report.address.startswith(report.city) for report in reports)
