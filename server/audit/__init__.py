"""The append-only audit log."""


def init_app(app) -> None:
    """Load the audit model."""
    from server.audit import models  # noqa: F401
