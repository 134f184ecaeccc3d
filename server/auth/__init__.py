"""The auth feature."""


def init_app(app) -> None:
    """Register the auth models, blueprints and commands."""
    from server.auth import models  # noqa: F401
