"""The notices feature (CONTRACT §12): notices to a county, township or branch, read marks, subscribe messages.

Its setting (WECHAT_NOTICE_TEMPLATE_ID) lives in server/config.py.
"""
from server.extensions import api
from server.notices import models  # noqa: F401
from server.notices.views import blp


def init_app(app) -> None:
    """Register the notices models and blueprint."""
    api.register_blueprint(blp)
