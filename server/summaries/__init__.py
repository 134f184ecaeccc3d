"""The summaries feature: the yearly summary a home village branch files for each of its mobile members."""
from server.extensions import api
from server.summaries.views import blp


def init_app(app) -> None:
    """Register the summaries blueprint."""
    api.register_blueprint(blp)
