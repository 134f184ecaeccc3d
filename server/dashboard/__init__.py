"""The dashboard feature: roll-ups from the outbox, the county dashboard and lost-contact flags."""
from server.dashboard import board_views, models, tasks  # noqa: F401
from server.dashboard.views import blp, pages
from server.extensions import api


def init_app(app) -> None:
    """Register the dashboard models, blueprints, periodic jobs and the staff web page."""
    api.register_blueprint(blp)
    api.register_blueprint(pages)
