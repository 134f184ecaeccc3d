"""The members feature."""


def init_app(app) -> None:
    """Register the members models, blueprints and commands."""
    from server.members import models  # noqa: F401
