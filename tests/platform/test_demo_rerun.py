"""`flask --app server demo seed` run a second time says plainly that nothing changed, in every line."""
from server.core.outbox import OutboxChange
from server.extensions import db

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
