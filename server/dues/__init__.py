"""The dues feature: standards, WeChat Pay orders and notices, the ledger, special-dues campaigns."""


def init_app(app) -> None:
    """Register the dues models, blueprint and periodic jobs."""
    from server.dues import models, tasks  # noqa: F401
    from server.dues.views import blp
    from server.extensions import api

    api.register_blueprint(blp)
