"""Helpers for dues paid outside WeChat: record a payment as the secretary does, reverse it."""
from __future__ import annotations

from server.common.timeutil import SHANGHAI, utcnow
from tests.factories import bearer


def today() -> str:
    return utcnow().astimezone(SHANGHAI).date().isoformat()


def record(client, token, member, months=None, amount_fen=None, branch_id=None, **body):
    """POST /branches/{id}/dues/payments for `member` (15 yuan a month unless the amount is given)."""
    payload = {"member_id": member.id, "paid_on": today(), "method": "cash", **body}
    if months is not None:
        payload["months"] = months
        payload["amount_fen"] = 1500 * len(months) if amount_fen is None else amount_fen
    elif amount_fen is not None:
        payload["amount_fen"] = amount_fen
    return client.post(f"/api/v1/branches/{branch_id or member.mobile_branch_id}/dues/payments", json=payload,
                       headers=bearer(token))


def reverse(client, token, ref, reason="金额记错"):
    body = {} if reason is None else {"reason": reason}
    return client.post(f"/api/v1/dues/payments/{ref}/reverse", json=body, headers=bearer(token))
