"""Dashboard test helpers: outbox changes as the other features write them (docs/changes.md)."""
from __future__ import annotations

import itertools

import pytest

from server.core.outbox import record_change
from server.extensions import db

_ids = itertools.count(1)


def change(change_type: str, member, data: dict, commit: bool = True):
    """Record one outbox change for `member` the way a feature's service does, and commit it."""
    row = record_change(change_type, member, data)
    if commit:
        db.session.commit()
    return row


def report(member, month: str, **kw):
    return change("report.created", member, {
        "report_id": next(_ids), "month": month, "city": "武汉市", "address": "洪山区珞喻路 1 号",
        "employer": "武汉某物流公司", "lat": None, "lng": None, "reported_at": f"{month}-05T10:00:00+08:00"}, **kw)


def checkin(member, month: str, event_id: int | None = None, **kw):
    return change("checkin.created", member, {
        "checkin_id": next(_ids), "event_id": event_id or next(_ids), "event_kind": "theme_day",
        "event_title": "主题党日", "event_starts_at": f"{month}-10T09:00:00+08:00", "event_month": month,
        "branch_id": member.mobile_branch_id, "checked_in_at": f"{month}-10T09:05:00+08:00",
        "late": False, "manual": False, "reason": None}, **kw)


def paid(member, month: str, amount_fen: int, kind: str = "monthly", order_no: str | None = None, **kw):
    order_no = order_no or f"D{next(_ids):08d}"
    return change("dues.paid", member, {
        "order_no": order_no, "kind": kind, "months": [{"month": month, "amount_fen": amount_fen}]
        if kind == "monthly" else [], "campaign_id": None if kind == "monthly" else 1, "amount_fen": amount_fen,
        "paid_at": f"{month}-15T12:00:00+08:00", "paid_month": month, "transaction_id": f"42{next(_ids):010d}",
        "paid_through": month}, **kw)


def refunded(member, month: str, amount_fen: int, order_no: str, kind: str = "monthly", **kw):
    return change("dues.refunded", member, {
        "order_no": order_no, "kind": kind, "months": [{"month": month, "amount_fen": amount_fen}],
        "amount_fen": amount_fen, "paid_at": f"{month}-15T12:00:00+08:00", "paid_month": month,
        "refunded_at": f"{month}-20T12:00:00+08:00", "reason": "重复缴费", "paid_through": None}, **kw)


@pytest.fixture
def county_headers(ctx):
    from tests.factories import bearer, staff_token

    return bearer(staff_token("county_admin"))


