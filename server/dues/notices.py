"""Settling dues orders: WeChat Pay notices and reconciliation with orderquery.

A payment is credited by the guarded transition `UPDATE … SET status='paid' WHERE status='pending'`: only the
caller that flips the row credits the ledger, moves paid_through and writes `dues.paid`, in one transaction.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from server.common import driversql
from server.common.timeutil import utcnow
from server.core import audit
from server.core.members import Member
from server.dues import credit
from server.dues.models import DuesMonthClaim, DuesOrder
from server.dues.service import close_locally
from server.errors import ServiceUnavailable
from server.extensions import db
from server.wechat import gateway

log = logging.getLogger(__name__)

QUERY_AFTER = timedelta(seconds=10)  # a pending order older than this is checked with orderquery


# ---- settling ------------------------------------------------------------------------------------------

class _NotRevived(Exception):
    """The closed order changed under us (revived or refunded meanwhile)."""


def settle(order_id: int, transaction_id: str | None, paid_at) -> str:
    """Mark an order paid exactly once (inside the caller's transaction). Returns what happened."""
    return _settle({"id": order_id}, transaction_id, paid_at)[0]


def _settle(key: dict, transaction_id: str | None, paid_at, evidence: dict | None = None):
    """(outcome, the order when it was not credited by the first statement) for the order whose columns equal
    `key`. `evidence`: the notice row, written with the credit (the caller writes it otherwise)."""
    paid_at = paid_at or utcnow()
    row = credit.move_to_paid(key, {"paid_at": paid_at, "transaction_id": transaction_id})
    if row is not None:
        credit.credit(row, transaction_id, paid_at, evidence)
        return "credited", None
    order = db.session.scalar(select(DuesOrder).filter_by(**key).execution_options(populate_existing=True))
    if order is None or order.status != "closed":
        return "repeat", order
    # Paid at WeChat after we closed it locally: revive it if its months are still free.
    # The flip comes first (it locks the row against a concurrent refund or revive); a savepoint undoes it
    # together with any claims when the months are taken or the row was no longer closed.
    try:
        with db.session.begin_nested():
            revived = db.session.execute(update(DuesOrder).where(DuesOrder.id == order.id, DuesOrder.status == "closed")
                                         .values(closed_at=None, status="paid", paid_at=paid_at,
                                                 transaction_id=transaction_id)).rowcount == 1
            if not revived:
                raise _NotRevived
            db.session.add_all(DuesMonthClaim(member_id=order.member_id, month=m, order_id=order.id)
                               for m in order.month_list)
            db.session.flush()
    except _NotRevived:
        return "repeat", order
    except IntegrityError:
        log.error("order %s paid after it was closed and its months were taken: refund it (POST …/refund)",
                  order.order_no)
        return "paid_after_close", order
    credit.credit(credit.lock_member({n: getattr(order, n) for n in credit.ORDER_COLUMNS}), transaction_id,
                  paid_at, evidence)
    return "credited", None


class _Refused(Exception):
    """A notice answered FAIL, nothing kept (its message is the answer's)."""


_CLOSED = object()  # the notice's order was closed here: revived (or refused) through the ORM path


def handle_notice(raw: bytes) -> tuple[bool, str]:
    """A WeChat Pay notice: (answer SUCCESS?, message). Only a verified notice matching its order changes anything.

    A successful notice for a pending order of its amount is credited by the guarded UPDATE on order number and
    amount; only when that moves nothing is the order read, to tell a repeat from a refusal. Both run as one
    driver-direct transaction (server/common/driversql.py): BEGIN, the move, then the read under the member's
    lock and the writes (or the order's read and the evidence row), COMMIT."""
    try:
        notice = gateway.parse_payment_notice(raw)
    except gateway.InvalidNotice:
        log.warning("payment notice refused: bad signature or not a notice (%d bytes)", len(raw))
        return False, "签名错误"
    cfg = current_app.config
    out_trade_no = notice.out_trade_no
    if notice.appid != cfg["WECHAT_APPID"] or notice.mch_id != cfg["WECHAT_PAY_MCH_ID"]:
        log.warning("payment notice %s refused: appid/mch_id mismatch", out_trade_no)
        return False, "商户信息不符"
    if notice.return_code != "SUCCESS":
        log.warning("payment notice %s refused: return_code %s", out_trade_no, notice.return_code)
        return False, "通信失败"
    evidence = {"out_trade_no": out_trade_no, "transaction_id": notice.transaction_id,
                "raw": raw.decode("utf-8", "replace"), "received_at": utcnow()}
    try:
        with driversql.transaction():
            settled = _record_notice(notice, evidence)
    except _Refused as refused:
        return False, str(refused)
    if settled is _CLOSED:
        db.session.rollback()  # the driver connection goes back; the revive runs in an ORM transaction
        _revive_on_notice(notice, evidence)
    return True, "OK"


def _record_notice(notice, evidence: dict):
    """Inside the notice's transaction: credit it, or keep its evidence as a repeat, a failed payment or a second
    transaction; _Refused (rolled back) for an unknown order or another amount; _CLOSED for a closed order."""
    out_trade_no = notice.out_trade_no
    if notice.result_code == "SUCCESS":
        paid_at = notice.paid_at or utcnow()
        row = credit.move_to_paid({"order_no": out_trade_no, "amount_fen": notice.total_fee},
                                  {"paid_at": paid_at, "transaction_id": notice.transaction_id})
        if row is not None:
            credit.credit(row, notice.transaction_id, paid_at, {**evidence, "outcome": "credited"})
            return "credited"
    order = credit.order_by_number(out_trade_no)
    if order is None:
        log.warning("payment notice for unknown order %s", out_trade_no[:32])
        raise _Refused("订单不存在")
    if notice.total_fee != order.amount_fen:
        log.error("payment notice %s refused: total_fee %s, order %s", out_trade_no, notice.total_fee,
                  order.amount_fen)
        raise _Refused("金额不符")
    if notice.result_code != "SUCCESS":
        outcome = "payment_failed"
    elif order.status == "closed":
        return _CLOSED
    else:
        outcome = _repeat_outcome(notice, order)
    credit.record_evidence({**evidence, "outcome": outcome})
    return outcome


def _repeat_outcome(notice, order) -> str:
    if order.transaction_id and order.transaction_id != notice.transaction_id:
        # One out_trade_no, two WeChat transactions: never credited twice, but kept apart for the auditor.
        log.error("payment notice %s names transaction %s, the order was paid by %s", notice.out_trade_no,
                  notice.transaction_id, order.transaction_id)
        return "transaction_mismatch"
    return "repeat"


def _revive_on_notice(notice, evidence: dict) -> None:
    """A successful notice for an order closed here: revived and credited if its months are still free."""
    outcome, order = _settle({"order_no": notice.out_trade_no, "amount_fen": notice.total_fee},
                             notice.transaction_id, notice.paid_at, {**evidence, "outcome": "credited"})
    if outcome == "repeat":
        outcome = _repeat_outcome(notice, order)
    if outcome != "credited":
        credit.record_evidence({**evidence, "outcome": outcome})
    db.session.commit()


# ---- reconciliation ------------------------------------------------------------------------------------

def reconcile_order(order_no: str) -> str:
    """Ask WeChat about a pending order: credit it if paid, close it if expired. Returns its status."""
    order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == order_no))
    if order is None or order.status != "pending":
        return order.status if order else "missing"
    try:
        info = gateway.query_order(order.order_no)
    except gateway.OrderNotFound:
        info = None  # WeChat never saw it (unifiedorder never reached it)
    if info and info.trade_state in ("SUCCESS", "REFUND"):
        _settle_from_query(order, info)  # REFUND: refunded at WeChat before we credited it; not credited
    elif order.expires_at <= utcnow() or (info is None and utcnow() - order.created_at > timedelta(minutes=5)):
        outcome = _close_at_wechat(order.order_no) if info else "missing"
        if outcome == "paid":
            _settle_from_query(order, gateway.query_order(order.order_no))
        else:
            close_locally(order.id)
    db.session.commit()
    return db.session.scalar(select(DuesOrder.status).where(DuesOrder.id == order.id))


def _close_at_wechat(order_no: str) -> str:
    """closeorder: "closed", "paid" (paid meanwhile) or "missing" (WeChat has forgotten the order)."""
    try:
        return gateway.close_order(order_no)
    except gateway.OrderNotFound:
        return "missing"


def close_open_orders_of(member: Member) -> list[str]:
    """Close a leaving member's pending orders at WeChat and here, inside the caller's transaction (a transfer or
    return home, which holds the member's row lock). Returns the order numbers closed.

    Closed at WeChat first, so the member can no longer pay one with pay_params already on the phone; an order
    WeChat says was paid meanwhile is credited instead (paid_through moves before the letter states it). If WeChat
    cannot be reached the caller's transaction is rolled back and the answer is 503 `wechat_unavailable`:
    nothing changes here. Orders that WeChat closed before the failure stay pending here until reconciliation
    closes them too (closeorder answers ORDERCLOSED), which can only lose an unpayable order, never a payment.
    """
    pending = db.session.scalars(select(DuesOrder).where(
        DuesOrder.member_id == member.id, DuesOrder.status == "pending").order_by(DuesOrder.id)).all()
    closed = []
    for order in pending:
        try:
            outcome = _close_at_wechat(order.order_no)
            if outcome == "paid":
                _settle_from_query(order, gateway.query_order(order.order_no))
                db.session.refresh(member)  # the credit moved paid_through in SQL, behind the ORM's back
        except gateway.WechatError as err:
            db.session.rollback()
            log.warning("closeorder %s for a leaving member failed: %s", order.order_no, err)
            raise ServiceUnavailable("微信支付暂时无法连接，未能关闭该党员待支付的党费订单，本次未作任何变更，请稍后再试",
                                     code="wechat_unavailable") from None
        if outcome != "paid" and close_locally(order.id):
            closed.append(order.order_no)
    return closed


def _refunded_before_credit(order: DuesOrder, info: gateway.PayOrder) -> None:
    """Paid and already refunded at WeChat (merchant platform) before any notice reached us: the money went back,
    so nothing is credited; the order ends refunded and its months are free (inside the caller's transaction)."""
    flipped = db.session.execute(update(DuesOrder).where(DuesOrder.id == order.id, DuesOrder.status == "pending")
                                 .values(status="refunded", refunded_at=utcnow(), refunded_by="wechat",
                                         refund_reason="微信支付侧已退款", transaction_id=info.transaction_id,
                                         paid_at=info.paid_at)).rowcount == 1
    if flipped:
        db.session.execute(delete(DuesMonthClaim).where(DuesMonthClaim.order_id == order.id))
        log.error("order %s was refunded at WeChat before we credited it: not credited", order.order_no)
        audit.record("dues.refunded", "dues_order", order.order_no,
                     {"reason": "refunded at WeChat before credit", "amount_fen": order.amount_fen},
                     member_id=order.member_id)


def _settle_from_query(order: DuesOrder, info: gateway.PayOrder) -> None:
    if info.trade_state == "REFUND":
        _refunded_before_credit(order, info)
        return
    if info.total_fee != order.amount_fen:
        log.error("orderquery %s: total_fee %s differs from the order's %s", order.order_no, info.total_fee,
                  order.amount_fen)
        return
    settle(order.id, info.transaction_id, info.paid_at)


def reconcile_pending(limit: int = 500) -> int:
    """Reconcile pending orders older than QUERY_AFTER, oldest first; each in its own transaction."""
    cutoff = utcnow() - QUERY_AFTER
    numbers = list(db.session.scalars(select(DuesOrder.order_no).where(
        DuesOrder.status == "pending", DuesOrder.created_at <= cutoff).order_by(DuesOrder.created_at).limit(limit)))
    db.session.rollback()
    for number in numbers:
        try:
            reconcile_order(number)
        except gateway.WechatError as err:
            db.session.rollback()
            log.warning("reconciling %s failed: %s", number, err)
    return len(numbers)
