"""Background dues work: reconciling pending orders with WeChat Pay (late or lost notices, expiry), exempt months,
and the dues and report-in reminders."""
from __future__ import annotations

from server.dues import notices, reminders, service
from server.jobs import periodic


@periodic(60)
def reconcile_pending_orders() -> int:
    """Query pending orders with orderquery: credit the paid ones, close the expired ones (freeing their months)."""
    return notices.reconcile_pending()


@periodic(6 * 3600)
def settle_exempt_months() -> int:
    """Carry paid_through over approved 0-fen (hardship exemption) months as each new month begins."""
    return service.settle_all_exempt_months()


@periodic(1800)
def dues_reminders() -> dict:
    """Send the dues (falling due, 3 and 6 months in arrears) and report-in reminders due now."""
    return reminders.send_due_reminders()
