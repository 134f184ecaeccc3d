"""The audit feature: reading, exporting and archiving the kernel's audit trail (CONTRACT §14)."""
from server.audit import models  # noqa: F401
from server.audit.cli import audit_cli
from server.audit.views import blp
from server.extensions import api


def init_app(app) -> None:
    """Register the audit API and the `audit` commands."""
    api.register_blueprint(blp)
    app.cli.add_command(audit_cli)
