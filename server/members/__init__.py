"""The members feature: the roster, the member's own profile and report-ins."""
from server.extensions import api
from server.members import models  # noqa: F401
from server.members.cli import roster_cli
from server.members.views import blp


def init_app(app) -> None:
    """Register the members models, blueprints and commands."""
    api.register_blueprint(blp)
    app.cli.add_command(roster_cli)
