"""The registration feature: members not yet on the roster ask to be added (CONTRACT §10)."""
from server.extensions import api
from server.registration import models  # noqa: F401 - the model belongs to the metadata migrations compare
from server.registration.views import blp


def init_app(app) -> None:
    """Register the registration blueprint."""
    api.register_blueprint(blp)
