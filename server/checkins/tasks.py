"""Background jobs of the checkins feature (run by `flask --app server worker`)."""
from __future__ import annotations

import logging

from server.checkins import attendance, reminders
from server.jobs import periodic

log = logging.getLogger(__name__)


@periodic(300)
def meeting_reminders() -> dict:
    """Freeze the expected attendees of started events, then send due meeting reminders (one per member)."""
    frozen = attendance.freeze_started_events()
    counts = reminders.send_due_reminders()
    log.info("meeting reminders: %s sent, %s failed; %s events frozen", counts["sent"], counts["failed"], frozen)
    return {**counts, "frozen": frozen}
