"""The orgs feature."""


def init_app(app) -> None:
    """Register the orgs models, blueprints and commands."""
    from server.orgs import models  # noqa: F401
