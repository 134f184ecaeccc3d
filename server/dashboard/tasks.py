"""Dashboard background jobs: the outbox roll-up every few seconds, lost-contact flags daily."""
from __future__ import annotations

import logging

from server.dashboard import lostcontact, rollup
from server.jobs import periodic

log = logging.getLogger(__name__)


@periodic(5)
def apply_outbox() -> None:
    """Apply new outbox changes to the dashboard roll-ups."""
    applied = rollup.run()
    if applied:
        log.info("dashboard roll-up applied %d changes", applied)


@periodic(24 * 3600)
def flag_lost_contact() -> None:
    """Flag active members quiet for six months (never changes a status)."""
    flagged = lostcontact.flag_candidates()
    if flagged:
        log.info("flagged %d members as possibly lost contact", flagged)
