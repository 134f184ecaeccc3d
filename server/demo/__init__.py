"""`flask --app server demo seed`: the demo county, built feature by feature."""
from __future__ import annotations

import importlib

import click
from flask.cli import AppGroup

# Order matters: organisations and members first, then what hangs off them.
SEEDERS = (
    "server.members.demo",
    "server.checkins.demo",
    "server.dues.demo",
    "server.sync.demo",
    "server.dashboard.demo",
)

demo_cli = AppGroup("demo", help="The demo county.")


@demo_cli.command("seed")
def seed_command():
    """Create the demo county (idempotent: a second run changes nothing)."""
    for name in SEEDERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:
                raise
            continue
        module.seed(click.echo)


def init_app(app) -> None:
    """Register the demo command."""
    app.cli.add_command(demo_cli)
