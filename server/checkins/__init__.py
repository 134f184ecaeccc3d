"""The checkins feature."""


def init_app(app) -> None:
    """Register the checkins blueprints and commands."""
