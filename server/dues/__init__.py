"""The dues feature: standards, WeChat Pay orders and notices, the ledger, special-dues campaigns."""
from server.dues import models, tasks  # noqa: F401
from server.dues.views import blp
from server.extensions import api


def init_app(app) -> None:
    """Register the dues models, blueprint and periodic jobs."""
    api.register_blueprint(blp)
