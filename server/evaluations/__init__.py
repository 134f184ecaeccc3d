"""The evaluations feature: the yearly democratic evaluation of each member, sent to the home township."""
from server.evaluations import models  # noqa: F401
from server.evaluations.views import blp
from server.extensions import api


def init_app(app) -> None:
    """Register the evaluations models and blueprint."""
    api.register_blueprint(blp)
