"""The checkins feature: meetings, rotating check-in codes, check-ins, leave, attendance and reminders.

Its tunables (CHECKIN_*, REMINDER_LEAD_HOURS, SUBSCRIPTION_MAX_GRANTS) live in server/config.py.
"""
from server.checkins import models, tasks  # noqa: F401
from server.checkins.views import blp
from server.extensions import api


def init_app(app) -> None:
    """Register the checkins models, blueprint and periodic jobs."""
    api.register_blueprint(blp)
