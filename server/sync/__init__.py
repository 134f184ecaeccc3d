"""The sync feature: the outbox, its sequencer, the signed pull API, pushes and the township client."""
from server.extensions import api
from server.sync import models, tasks  # noqa: F401 - tasks registers the periodic jobs
from server.sync.cli import sync_cli
from server.sync.views import blp


def init_app(app) -> None:
    """Register the sync models, blueprints, jobs and commands."""
    api.register_blueprint(blp)
    app.cli.add_command(sync_cli)
