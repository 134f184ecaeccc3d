"""The orgs feature: the county's townships and branches."""
from server.extensions import api
from server.orgs.views import blp


def init_app(app) -> None:
    """Register the orgs blueprint."""
    api.register_blueprint(blp)
