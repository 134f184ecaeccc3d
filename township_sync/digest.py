"""The digest hash (CONTRACT §8, docs/sync-api.md "Digest"): the rule the service and the township client share.

Both sides list the month's records as text lines and hash them; equal hashes prove equal records.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable


def payment_ref(data: dict) -> str:
    """The payment a dues.paid or dues.refunded is about: the WeChat order number, or `P<payment_id>` for a
    payment recorded outside WeChat (data.channel "offline"; its reversal carries only payment_id)."""
    if data.get("channel") != "offline" and data.get("order_no"):
        return data["order_no"]
    return f"P{data['payment_id']}"


def net_by_payment(changes: Iterable[tuple[str, dict]]) -> dict[str, int]:
    """fen per payment from (type, data) pairs (other types are ignored): paid minus everything refunded."""
    paid: dict[str, int] = {}
    refunded: dict[str, int] = {}
    for change_type, data in changes:
        if change_type == "dues.paid":
            paid[payment_ref(data)] = int(data["amount_fen"])
        elif change_type == "dues.refunded":
            ref = payment_ref(data)
            refunded[ref] = refunded.get(ref, 0) + int(data["amount_fen"])
    return {ref: paid.get(ref, 0) - refunded.get(ref, 0) for ref in paid.keys() | refunded.keys()}


def digest_lines(members: Iterable[tuple[int, str]], checkin_ids: Iterable[int], payments: dict[str, int]) -> list[str]:
    """The canonical listing: members by id, check-ins by id, payments by reference (code-point order)."""
    lines = [f"M {member_id} {status}" for member_id, status in sorted(members)]
    lines += [f"C {checkin_id}" for checkin_id in sorted(set(checkin_ids), key=int)]
    lines += [f"O {ref} {net}" for ref, net in sorted(payments.items())]
    return lines


def digest_figures(members: list[tuple[int, str]], checkin_ids: set, payments: dict[str, int]) -> dict:
    """{members, checkins, paid_fen, hash} of one month."""
    text = "\n".join(digest_lines(members, checkin_ids, payments))
    return {"members": len(members), "checkins": len(set(checkin_ids)), "paid_fen": sum(payments.values()),
            "hash": hashlib.sha256(text.encode("utf-8")).hexdigest()}
