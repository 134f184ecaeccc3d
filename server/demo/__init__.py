"""`flask --app server demo seed`: the demo county, built feature by feature."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from server.checkins import demo as checkins_demo
from server.dashboard import demo as dashboard_demo
from server.dues import demo as dues_demo
from server.evaluations import demo as evaluations_demo
from server.members import demo as members_demo
from server.notices import demo as notices_demo
from server.sync import demo as sync_demo

# Order matters: organisations and members first, then what hangs off them.
SEEDERS = (members_demo, checkins_demo, dues_demo, notices_demo, evaluations_demo, sync_demo, dashboard_demo)

demo_cli = AppGroup("demo", help="The demo county.")


@demo_cli.command("seed")
def seed_command():
    """Create the demo county (idempotent: a second run changes nothing)."""
    for seeder in SEEDERS:
        seeder.seed(click.echo)


def init_app(app) -> None:
    """Register the demo command."""
    app.cli.add_command(demo_cli)
