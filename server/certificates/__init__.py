"""The certificates feature: the activity-certificate register (流动党员活动证) with 年审 and renewals."""
from server.certificates import models  # noqa: F401 - the models belong to the metadata migrations compare
from server.certificates.views import blp
from server.extensions import api


def init_app(app) -> None:
    """Register the certificates blueprint."""
    api.register_blueprint(blp)
