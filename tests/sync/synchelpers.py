"""Sync test helpers: keys, signed requests, and changes recorded as the other features record them."""
from __future__ import annotations

import hashlib
import itertools
import time
from urllib.parse import urlencode

from server.common.timeutil import isoformat, month_of, utcnow
from server.core.member_changes import snapshot
from server.core.outbox import record_change
from server.extensions import db
from server.sync.client import sign

_ids = itertools.count(1)


def make_key(township=None) -> tuple[str, str]:
    """(key id, secret) of a new key for the township, or the county when None."""
    from server.sync.service import create_key

    key, secret = create_key(township.id if township else None)
    return key.key_id, secret


def signed_headers(key_id: str, secret: str, method: str, target: str, at: float | None = None,
                   body: bytes | None = None) -> dict:
    timestamp = str(int(time.time() if at is None else at))
    headers = {"X-Sync-Key": key_id, "X-Sync-Timestamp": timestamp}
    body_sha256 = None
    if body is not None:
        body_sha256 = headers["X-Sync-Body-SHA256"] = hashlib.sha256(body).hexdigest()
    headers["X-Sync-Signature"] = sign(secret, method, target, timestamp, body_sha256)
    return headers


def signed_get(client, key: tuple[str, str], path: str, params: dict | None = None, at: float | None = None):
    params = {**(params or {}), "nonce": next(_ids)}
    target = path + f"?{urlencode(params)}"
    return client.get(target, headers=signed_headers(*key, "GET", target, at))


def pull_all(client, key, limit: int = 1000, after: int = 0) -> list[dict]:
    changes = []
    while True:
        page = signed_get(client, key, "/api/v1/sync/changes", {"after": after, "limit": limit})
        assert page.status_code == 200, page.get_json()
        body = page.get_json()
        changes += body["changes"]
        after = body["next"]
        if not body["more"]:
            return changes


# ---- changes as the other features record them (docs/changes.md) ---------------------------------

def commit_change(change_type: str, member, data: dict):
    change = record_change(change_type, member, data)
    db.session.commit()
    return change


def upsert(member):
    return commit_change("member.upserted", member, snapshot(member))


def checkin(member, event_month: str | None = None, checkin_id: int | None = None):
    now = utcnow()
    return commit_change("checkin.created", member, {
        "checkin_id": checkin_id or next(_ids), "event_id": 7, "event_kind": "theme_day", "event_title": "主题党日",
        "event_starts_at": isoformat(now), "event_month": event_month or month_of(now),
        "branch_id": member.mobile_branch_id, "checked_in_at": isoformat(now), "late": False, "manual": False,
        "reason": None,
    })


def paid(member, amount_fen: int, paid_month: str | None = None, order_no: str | None = None):
    now = utcnow()
    order_no = order_no or f"D{next(_ids):010d}"
    month = paid_month or month_of(now)
    commit_change("dues.paid", member, {
        "order_no": order_no, "kind": "monthly", "months": [{"month": month, "amount_fen": amount_fen}],
        "campaign_id": None, "amount_fen": amount_fen, "paid_at": isoformat(now), "paid_month": month,
        "transaction_id": f"42000{next(_ids)}", "paid_through": month,
    })
    return order_no


def refunded(member, order_no: str, amount_fen: int, paid_month: str | None = None):
    now = utcnow()
    month = paid_month or month_of(now)
    return commit_change("dues.refunded", member, {
        "order_no": order_no, "kind": "monthly", "months": [{"month": month, "amount_fen": amount_fen}],
        "amount_fen": amount_fen, "paid_at": isoformat(now), "paid_month": month, "refunded_at": isoformat(now),
        "reason": "重复缴费", "paid_through": None,
    })


def report(member):
    now = utcnow()
    return commit_change("report.created", member, {
        "report_id": next(_ids), "month": month_of(now), "city": "武汉市", "address": "江汉区解放大道 100 号",
        "employer": "武汉某建筑公司", "lat": 30.58, "lng": 114.27, "reported_at": isoformat(now),
    })


def signed_put(client, key: tuple[str, str], path: str, body: dict):
    import json

    data = json.dumps(body).encode()
    headers = signed_headers(*key, "PUT", path, body=data)
    return client.put(path, data=data, headers={**headers, "Content-Type": "application/json"})
