"""The auth feature: WeChat login and binding, staff accounts, tokens, guards and scope."""
from server.auth.cli import staff_cli
from server.auth.views import blp
from server.core.guards import check_before_arguments
from server.extensions import api


def init_app(app) -> None:
    """Register the auth blueprints and commands."""
    api.register_blueprint(blp)
    app.cli.add_command(staff_cli)
    app.before_request(check_before_arguments)
