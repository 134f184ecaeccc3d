"""The transfers feature: transfers out and returns home, with their letters (CONTRACT §13)."""
from server.extensions import api
from server.transfers import models  # noqa: F401 - the model belongs to the metadata migrations compare
from server.transfers.views import blp


def init_app(app) -> None:
    """Register the transfers blueprint."""
    api.register_blueprint(blp)
