"""The orgs feature: the county's townships and branches."""


def init_app(app) -> None:
    """Register the orgs models and blueprint."""
    from server.extensions import api
    from server.orgs import models  # noqa: F401
    from server.orgs.views import blp

    api.register_blueprint(blp)
