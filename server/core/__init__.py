"""The kernel every feature stands on: the organisation tree, the member and its changes, who is
calling and what they may see, the outbox and the audit log. It imports no feature."""
from server.core import accounts, audit, members, orgs, outbox, subscriptions  # noqa: F401 - the kernel's models


def init_app(app) -> None:
    """The kernel's models are registered by importing this package; nothing to start."""
