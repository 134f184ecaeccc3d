"""The minutes feature: meeting minutes (会议记录) with amendment history, lock, photos and printouts.

Its settings (MINUTES_*: photo count, size and pixel caps, phone size, storage) live in server/config.py.
"""
from server.extensions import api
from server.minutes import models  # noqa: F401 - the models belong to the metadata migrations compare
from server.minutes.views import blp


def init_app(app) -> None:
    """Register the minutes blueprint."""
    api.register_blueprint(blp)
