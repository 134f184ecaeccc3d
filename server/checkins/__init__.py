"""The checkins feature: meetings, rotating check-in codes, check-ins, leave, attendance and reminders."""
from server.checkins import models, tasks  # noqa: F401
from server.checkins.views import blp
from server.extensions import api


def init_app(app) -> None:
    """Register the checkins models, blueprint, configuration defaults and periodic jobs."""
    for name, default in DEFAULTS.items():
        app.config.setdefault(name, default)
    api.register_blueprint(blp)


# Tunables, overridable in the app config (or test_config).
DEFAULTS = {
    "CHECKIN_GRACE_BEFORE_MIN": 30,     # check-in opens this long before the start
    "CHECKIN_GRACE_AFTER_MIN": 30,      # and closes this long after the end
    "CHECKIN_LATE_TOLERANCE_MIN": 5,    # arriving within this of the start is not late
    "CHECKIN_MAX_ACCURACY_M": 500,      # a fix less precise than this cannot prove presence
    "CHECKIN_RATE_MAX": 30,             # attempts per member per window
    "CHECKIN_RATE_WINDOW_S": 60,
    "REMINDER_LEAD_HOURS": 24,          # remind members this long before a meeting
    "SUBSCRIPTION_MAX_GRANTS": 50,      # grants a member may bank per template
}
