"""Refunding paid dues orders at WeChat Pay: the ledger is reversed (never edited) and the months are owed again."""
from __future__ import annotations

import logging

from sqlalchemy import delete, select

from server.common.timeutil import isoformat, month_add, month_of, utcnow
from server.core import audit
from server.core.accounts import actor_name
from server.core.members import Member
from server.core.outbox import record_change
from server.core.scope import can_see_member
from server.core.tokens import Principal
from server.dues.models import DuesLedgerEntry, DuesMonthClaim, DuesOrder
from server.dues.service import position
from server.errors import Conflict, NotFound, ServiceUnavailable
from server.extensions import db
from server.wechat import gateway

log = logging.getLogger(__name__)


def refund_order(principal: Principal, order_no: str, reason: str) -> DuesOrder:
    """Refund a paid order at WeChat, reverse its ledger entries and owe its months again (one transaction).

    WeChat is asked first, with the order row locked; only when it has refunded are the ledger, the claims,
    paid_through, the audit row and the outbox written, and committed together. When WeChat fails nothing is
    written: unreachable is 503 (retry: the same out_refund_no refunds once), an order WeChat does not know
    (ORDERNOTEXIST) is 409 `wechat_order_missing`, a permanent failure that retrying cannot fix."""
    order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == order_no).with_for_update())
    member = db.session.get(Member, order.member_id) if order else None
    if order is None or not can_see_member(principal, member):
        raise NotFound("找不到该订单")
    if order.status == "closed":
        _refund_paid_after_close(principal, order, reason)
    elif order.status != "paid":
        raise Conflict("只有已支付的订单可以退款", code="order_not_paid", status_now=order.status)
    else:
        _refund_paid(principal, order, reason)
    db.session.commit()
    return order


def _refund_paid(principal: Principal, order: DuesOrder, reason: str) -> None:
    """Refund a credited order: reversing entries, months owed again, audit and outbox (no commit)."""
    _refund_at_wechat(order, reason)
    now, by = utcnow(), actor_name(principal)
    order.status, order.refunded_at, order.refund_reason, order.refunded_by = "refunded", now, reason, by
    payments = db.session.scalars(select(DuesLedgerEntry).where(
        DuesLedgerEntry.order_id == order.id, DuesLedgerEntry.entry_type == "payment"))
    db.session.add_all(DuesLedgerEntry(
        member_id=p.member_id, township_id=p.township_id, branch_id=p.branch_id, order_id=p.order_id, kind=p.kind,
        month=p.month, entry_type="reversal", amount_fen=-p.amount_fen, standard_id=p.standard_id,
        reverses_id=p.id, booked_at=now) for p in list(payments))
    db.session.execute(delete(DuesMonthClaim).where(DuesMonthClaim.order_id == order.id))
    member = db.session.get(Member, order.member_id, with_for_update=True, populate_existing=True)
    if order.kind == "monthly" and order.month_list and member.paid_through and member.paid_through >= order.month_list[0]:
        before = month_add(order.month_list[0], -1)
        start = position(member).start
        member.paid_through = before if start and before >= start else None
    db.session.flush()
    audit.record("dues.refunded", "dues_order", order.order_no, {"reason": reason, "amount_fen": order.amount_fen},
                 member_id=order.member_id)
    record_change("dues.refunded", member, {
        "order_no": order.order_no, "kind": order.kind,
        "months": [{"month": line["month"], "amount_fen": line["amount_fen"]} for line in order.months],
        "amount_fen": order.amount_fen, "paid_at": isoformat(order.paid_at), "paid_month": month_of(order.paid_at),
        "refunded_at": isoformat(now), "reason": reason, "paid_through": member.paid_through,
    }, at=now)


def _refund_paid_after_close(principal: Principal, order: DuesOrder, reason: str) -> None:
    """Refund an order paid at WeChat after we had closed it and its months were taken by another order.

    Nothing was credited for it (no ledger entries, no `dues.paid`), so nothing is reversed and the township hears
    nothing; the money goes back and the order ends `refunded`. A closed order WeChat does not report paid stays 409.
    """
    try:
        info = gateway.query_order(order.order_no)
    except gateway.OrderNotFound:
        info = None  # WeChat never saw it: it was not paid
    except gateway.WechatError as err:
        db.session.rollback()
        log.warning("orderquery %s failed: %s", order.order_no, err)
        raise ServiceUnavailable("微信支付暂时无法查询，请稍后再试", code="wechat_unavailable") from None
    if info is None or info.trade_state not in ("SUCCESS", "REFUND") or info.total_fee != order.amount_fen:
        db.session.rollback()
        raise Conflict("只有已支付的订单可以退款", code="order_not_paid", status_now=order.status)
    _refund_at_wechat(order, reason)
    now = utcnow()
    order.status, order.refunded_at, order.refund_reason, order.refunded_by = "refunded", now, reason, \
        actor_name(principal)
    order.transaction_id = info.transaction_id
    order.paid_at = info.paid_at
    audit.record("dues.refunded", "dues_order", order.order_no,
                 {"reason": reason, "amount_fen": order.amount_fen, "paid_after_close": True},
                 member_id=order.member_id)


def _refund_at_wechat(order: DuesOrder, reason: str) -> None:
    """The whole amount back to the payer; the same out_refund_no makes a retried refund a no-op at WeChat."""
    try:
        gateway.refund(out_trade_no=order.order_no, out_refund_no=order.order_no + "R", total_fee=order.amount_fen,
                       refund_fee=order.amount_fen, reason=reason)
    except gateway.OrderNotFound:
        db.session.rollback()
        log.error("refund %s: WeChat Pay has no such order (ORDERNOTEXIST)", order.order_no)
        raise Conflict("微信支付查无此订单，无法原路退款；请在微信支付商户平台核对该笔交易后线下处理",
                       code="wechat_order_missing") from None
    except gateway.WechatError as err:
        db.session.rollback()
        log.warning("refund %s failed: %s", order.order_no, err)
        raise ServiceUnavailable("微信支付退款暂时失败，请稍后再试", code="wechat_unavailable") from None
