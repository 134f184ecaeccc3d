"""The sync feature."""


def init_app(app) -> None:
    """Register the sync models, blueprints and commands."""
    from server.sync import models  # noqa: F401
