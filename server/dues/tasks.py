"""Background dues work: reconciling pending orders with WeChat Pay (late or lost notices, expiry)."""
from __future__ import annotations

from server.dues import orders
from server.jobs import periodic


@periodic(60)
def reconcile_pending_orders() -> int:
    """Query pending orders with orderquery: credit the paid ones, close the expired ones (freeing their months)."""
    return orders.reconcile_pending()
