"""The dues feature."""


def init_app(app) -> None:
    """Register the dues blueprints and commands."""
