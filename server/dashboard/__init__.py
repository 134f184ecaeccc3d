"""The dashboard feature."""


def init_app(app) -> None:
    """Register the dashboard blueprints and commands."""
