"""The auth feature: WeChat login and binding, staff accounts, tokens, guards and scope."""


def init_app(app) -> None:
    """Register the auth models, blueprints and commands."""
    from server.auth import models  # noqa: F401
    from server.auth.cli import staff_cli
    from server.auth.guards import check_before_arguments
    from server.auth.views import blp
    from server.extensions import api

    api.register_blueprint(blp)
    app.cli.add_command(staff_cli)
    app.before_request(check_before_arguments)
