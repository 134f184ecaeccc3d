"""The dues feature: standards, WeChat Pay orders and notices, payments recorded outside WeChat and their
reversals, receipts, the ledger, special-dues campaigns and the forwarding of large special dues."""
from server.dues import models, offline_views, tasks  # noqa: F401
from server.dues.views import blp
from server.extensions import api


def init_app(app) -> None:
    """Register the dues models, blueprint and periodic jobs."""
    api.register_blueprint(blp)
    api.register_blueprint(offline_views.blp)
