"""Dues orders through WeChat Pay v2: creation, payment notices, reconciliation and refunds.

Decisions:
- Monthly dues: the months must be the member's earliest unpaid months in order (a prefix of what is owed,
  then up to 6 months ahead), each within 6 months of the current month. That keeps `paid_through` meaningful:
  it is always the end of an unbroken run. Older arrears are settled with the branch, not in the app.
- One open order per month, enforced by the unique key of `dues_month_claims` (PostgreSQL and SQLite alike).
  Asking again for exactly the months of one's own open order returns that order (200, fresh pay_params);
  any other overlap is 409 `order_pending`.
- A payment is credited by the guarded transition `UPDATE … SET status='paid' WHERE status='pending'`: only the
  caller that flips the row credits the ledger, moves paid_through and writes `dues.paid`, in one transaction.
"""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from server.common.requestinfo import client_ip
from server.common.timeutil import SHANGHAI, isoformat, month_add, month_of, utcnow
from server.core import audit
from server.core.accounts import WechatAccount, actor_name
from server.core.members import Member
from server.core.outbox import record_change
from server.core.scope import can_see_member
from server.core.tokens import Principal
from server.dues.models import (
    DuesCampaign,
    DuesLedgerEntry,
    DuesMonthClaim,
    DuesOrder,
    PayNotice,
)
from server.dues.service import WINDOW_MONTHS, position
from server.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unprocessable,
)
from server.extensions import db
from server.wechat import gateway

log = logging.getLogger(__name__)

ORDER_TTL = timedelta(hours=2)  # WeChat's prepay_id lives 2 hours; the order expires with it
QUERY_AFTER = timedelta(seconds=10)  # a pending order older than this is checked with orderquery
SPECIAL_MIN_FEN, SPECIAL_MAX_FEN = 1, 10_000_000
FORWARD_UPWARD_OVER_FEN = 100_000  # a one-off gift over 1000 yuan is flagged for forwarding upward


def new_order_no() -> str:
    """DF + Beijing time to the second + 10 random hex: 26 characters, within WeChat's 32."""
    return "DF" + utcnow().astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S") + secrets.token_hex(5).upper()


def order_view(order: DuesOrder) -> dict:
    """An order as members and staff see it."""
    return {
        "order_no": order.order_no, "kind": order.kind, "status": order.status, "amount_fen": order.amount_fen,
        "months": order.month_list, "campaign_id": order.campaign_id, "forward_upward": order.forward_upward,
        "created_at": isoformat(order.created_at), "expires_at": isoformat(order.expires_at),
        "paid_at": isoformat(order.paid_at), "refunded_at": isoformat(order.refunded_at),
    }


def recent_orders(member_id: int, limit: int = 10, offset: int = 0) -> list[dict]:
    """A member's orders, newest first."""
    rows = db.session.scalars(select(DuesOrder).where(DuesOrder.member_id == member_id)
                              .order_by(DuesOrder.created_at.desc(), DuesOrder.id.desc()).limit(limit).offset(offset))
    return [order_view(o) for o in rows]


def _openid(principal: Principal) -> str:
    account = db.session.get(WechatAccount, principal.subject_id)
    if account is None or account.member_id != principal.member_id:
        raise Forbidden("请先完成党员身份绑定", code="not_bound")
    return account.openid


# ---- creating orders ---------------------------------------------------------------------------------

def _validate_months(member: Member, months: list[str]) -> list[dict]:
    """The order's lines priced from the standards, or 422 naming what is wrong."""
    if len(set(months)) != len(months):
        raise Unprocessable("月份不能重复", code="months_invalid", errors={"months": ["月份不能重复"]})
    months = sorted(months)
    pos = position(member)
    first, last = month_add(pos.today, -WINDOW_MONTHS), month_add(pos.today, WINDOW_MONTHS)
    outside = [m for m in months if not first <= m <= last]
    if outside:
        message = (f"只能补缴或预缴当月前后 6 个月（{first} 至 {last}）的党费，"
                   f"{'、'.join(outside)} 超出范围；更早的欠缴请与支部联系")
        raise Unprocessable(message, code="months_out_of_window", errors={"months": [message]},
                            months=outside, window={"from": first, "to": last})
    payable = pos.payable()
    if not payable:
        raise Unprocessable("目前没有需要缴纳的党费", code="nothing_to_pay", errors={"months": ["目前没有需要缴纳的党费"]})
    if payable[0][0] < first:
        message = f"{payable[0][0]} 起的欠缴已超过 6 个月，只能由支部办理补缴，请与支部联系"
        raise Unprocessable(message, code="months_out_of_window", errors={"months": [message]},
                            months=[payable[0][0]], window={"from": first, "to": last})
    expected = [m for m, _ in payable[:len(months)]]
    if months != expected:
        paid = [m for m in months if pos.covered(m)]
        if paid:
            message = f"{'、'.join(paid)} 的党费已缴纳或无需缴纳"
            code = "months_already_paid"
        else:
            message = f"请从最早未缴的月份起按顺序缴纳，应为：{'、'.join(expected) or payable[0][0]}"
            code = "months_not_in_order"
        raise Unprocessable(message, code=code, errors={"months": [message]}, expected=expected)
    return [{"month": m, "amount_fen": s.monthly_fen, "standard_id": s.id} for m, s in payable[:len(months)]]


def _open_orders_for(member_id: int, months: list[str]) -> list[DuesOrder]:
    claimed = select(DuesMonthClaim.order_id).where(DuesMonthClaim.member_id == member_id,
                                                     DuesMonthClaim.month.in_(months))
    return list(db.session.scalars(select(DuesOrder).where(DuesOrder.id.in_(claimed), DuesOrder.status == "pending")
                                   .order_by(DuesOrder.id)))


def create_monthly_order(principal: Principal, months: list[str]) -> tuple[DuesOrder, dict, bool]:
    """Order monthly dues for `months` (amount from the standards). Returns (order, pay_params, created)."""
    openid = _openid(principal)
    member = db.session.get(Member, principal.member_id)
    lines = _validate_months(member, months)
    wanted = [line["month"] for line in lines]
    for _attempt in range(2):
        blocking = _open_orders_for(member.id, wanted)
        for order in blocking:
            if order.expires_at <= utcnow():
                try:
                    reconcile_order(order.order_no)  # stale: settle or close it, then look again
                except gateway.PayError as err:
                    db.session.rollback()
                    log.warning("orderquery %s failed: %s", order.order_no, err)
                    raise ServiceUnavailable("微信支付暂时不可用，请稍后再试", code="wechat_unavailable") from err
        blocking = [o for o in _open_orders_for(member.id, wanted) if o.status == "pending"]
        if blocking:
            same = blocking[0]
            if len(blocking) == 1 and same.month_list == wanted:
                return same, _pay_params(same, openid), False
            # The blocking order is the member's own: the page can poll it, or resume it by ordering exactly
            # its months again (200 with fresh pay_params) instead of paying twice.
            raise Conflict("这些月份已有待支付的订单，请先完成或等待其过期", code="order_pending",
                           order_no=same.order_no, months=same.month_list, amount_fen=same.amount_fen,
                           resumable=same.expires_at > utcnow())
        order = DuesOrder(
            order_no=new_order_no(), member_id=member.id, township_id=member.township_id,
            branch_id=member.mobile_branch_id, kind="monthly", months=lines,
            amount_fen=sum(line["amount_fen"] for line in lines), status="pending", openid=openid,
            created_at=utcnow(), expires_at=utcnow() + ORDER_TTL,
        )
        db.session.add(order)
        try:
            db.session.flush()
            db.session.add_all(DuesMonthClaim(member_id=member.id, month=m, order_id=order.id) for m in wanted)
            db.session.flush()
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another request claimed one of these months first: look again
            continue
        return order, _pay_params(order, openid), True
    raise Conflict("这些月份已有待支付的订单，请稍后再试", code="order_pending", resumable=False)


def create_special_order(principal: Principal, campaign_id: int, amount_fen: int) -> tuple[DuesOrder, dict, bool]:
    """Order a special-dues gift to an open campaign (the only case where the member names the amount)."""
    openid = _openid(principal)
    member = db.session.get(Member, principal.member_id)
    if not SPECIAL_MIN_FEN <= amount_fen <= SPECIAL_MAX_FEN:
        message = "特殊党费金额应在 0.01 元至 100000 元之间"
        raise Unprocessable(message, code="amount_invalid", errors={"amount_fen": [message]})
    campaign = db.session.get(DuesCampaign, campaign_id)
    if campaign is None:
        raise NotFound("找不到该特殊党费活动")
    today = utcnow().astimezone(SHANGHAI).date()
    if not campaign.starts_on <= today <= campaign.ends_on:
        raise Unprocessable("该特殊党费活动不在进行中", code="campaign_closed", errors={"campaign_id": ["活动不在进行中"]})
    order = DuesOrder(
        order_no=new_order_no(), member_id=member.id, township_id=member.township_id,
        branch_id=member.mobile_branch_id, kind="special", campaign_id=campaign.id, months=[],
        amount_fen=amount_fen, forward_upward=amount_fen > FORWARD_UPWARD_OVER_FEN, status="pending",
        openid=openid, created_at=utcnow(), expires_at=utcnow() + ORDER_TTL,
    )
    db.session.add(order)
    db.session.commit()
    return order, _pay_params(order, openid), True


def _body(order: DuesOrder) -> str:
    if order.kind == "special":
        campaign = db.session.get(DuesCampaign, order.campaign_id)
        return f"特殊党费-{campaign.title}"[:40]
    months = order.month_list
    span = months[0] if len(months) == 1 else f"{months[0]}至{months[-1]}"
    return f"党费-{span}"


def _pay_params(order: DuesOrder, openid: str) -> dict:
    """Unified order at WeChat (first time) and the signed wx.requestPayment argument."""
    if order.prepay_id is None:
        try:
            prepay_id = gateway.unified_order(out_trade_no=order.order_no, body=_body(order),
                                              total_fee=order.amount_fen, openid=openid,
                                              client_ip=client_ip() or "127.0.0.1", expires_at=order.expires_at)
        except gateway.PayError as err:
            log.warning("unifiedorder %s failed: %s", order.order_no, err)
            _close_locally(order.id)
            db.session.commit()
            raise ServiceUnavailable("微信支付暂时不可用，请稍后再试", code="wechat_unavailable") from err
        db.session.execute(update(DuesOrder).where(DuesOrder.id == order.id, DuesOrder.prepay_id.is_(None))
                           .values(prepay_id=prepay_id))
        db.session.commit()
        db.session.refresh(order)
    return gateway.jsapi_params(order.prepay_id)


# ---- settling ------------------------------------------------------------------------------------------

def _close_locally(order_id: int) -> bool:
    """pending → closed, freeing its months (inside the caller's transaction)."""
    flipped = db.session.execute(update(DuesOrder).where(DuesOrder.id == order_id, DuesOrder.status == "pending")
                                 .values(status="closed", closed_at=utcnow())).rowcount == 1
    if flipped:
        db.session.execute(delete(DuesMonthClaim).where(DuesMonthClaim.order_id == order_id))
    return flipped


def _credit(order: DuesOrder, transaction_id: str | None, paid_at) -> None:
    """Ledger entries, paid_through, last activity and the outbox for an order just flipped to paid."""
    member = db.session.get(Member, order.member_id, with_for_update=True, populate_existing=True)
    db.session.add_all(DuesLedgerEntry(
        member_id=member.id, township_id=order.township_id, branch_id=order.branch_id, order_id=order.id,
        kind=order.kind, month=line["month"], entry_type="payment", amount_fen=line["amount_fen"],
        standard_id=line.get("standard_id"), booked_at=paid_at,
    ) for line in order.months)
    if order.kind == "special":
        db.session.add(DuesLedgerEntry(member_id=member.id, township_id=order.township_id, branch_id=order.branch_id,
                                       order_id=order.id, kind="special", month="", entry_type="payment",
                                       amount_fen=order.amount_fen, booked_at=paid_at))
    db.session.flush()
    if order.kind == "monthly":
        member.paid_through = position(member).advanced_paid_through()
    member.last_activity_at = max(filter(None, (member.last_activity_at, paid_at)))
    record_change("dues.paid", member, {
        "order_no": order.order_no, "kind": order.kind,
        "months": [{"month": line["month"], "amount_fen": line["amount_fen"]} for line in order.months],
        "campaign_id": order.campaign_id, "amount_fen": order.amount_fen, "paid_at": isoformat(paid_at),
        "paid_month": month_of(paid_at), "transaction_id": transaction_id, "paid_through": member.paid_through,
    }, at=paid_at)


class _NotRevived(Exception):
    """The closed order changed under us (revived or refunded meanwhile)."""


def settle(order_id: int, transaction_id: str | None, paid_at) -> str:
    """Mark an order paid exactly once (inside the caller's transaction). Returns what happened."""
    paid_at = paid_at or utcnow()
    values = {"status": "paid", "paid_at": paid_at, "transaction_id": transaction_id}
    if db.session.execute(update(DuesOrder).where(DuesOrder.id == order_id, DuesOrder.status == "pending")
                          .values(**values)).rowcount == 1:
        order = db.session.get(DuesOrder, order_id, populate_existing=True)
        _credit(order, transaction_id, paid_at)
        return "credited"
    order = db.session.get(DuesOrder, order_id, populate_existing=True)
    if order.status != "closed":
        return "repeat"
    # Paid at WeChat after we closed it locally: revive it if its months are still free.
    # The flip comes first (it locks the row against a concurrent refund or revive); a savepoint undoes it
    # together with any claims when the months are taken or the row was no longer closed.
    try:
        with db.session.begin_nested():
            if db.session.execute(update(DuesOrder).where(DuesOrder.id == order_id, DuesOrder.status == "closed")
                                  .values(closed_at=None, **values)).rowcount != 1:
                raise _NotRevived
            db.session.add_all(DuesMonthClaim(member_id=order.member_id, month=m, order_id=order.id)
                               for m in order.month_list)
            db.session.flush()
    except _NotRevived:
        return "repeat"
    except IntegrityError:
        log.error("order %s paid after it was closed and its months were taken: refund it (POST …/refund)",
                  order.order_no)
        return "paid_after_close"
    db.session.refresh(order)
    _credit(order, transaction_id, paid_at)
    return "credited"


def handle_notice(raw: bytes) -> tuple[bool, str]:
    """A WeChat Pay notice: (answer SUCCESS?, message). Only a verified notice matching its order changes anything."""
    try:
        notice = gateway.parse_payment_notice(raw)
    except gateway.PayNoticeInvalid:
        log.warning("payment notice refused: bad signature or not a notice (%d bytes)", len(raw))
        return False, "签名错误"
    cfg = current_app.config
    out_trade_no = str(notice.get("out_trade_no") or "")
    if notice.get("appid") != cfg["WECHAT_APPID"] or notice.get("mch_id") != cfg["WECHAT_PAY_MCH_ID"]:
        log.warning("payment notice %s refused: appid/mch_id mismatch", out_trade_no)
        return False, "商户信息不符"
    if notice.get("return_code") != "SUCCESS":
        log.warning("payment notice %s refused: return_code %s", out_trade_no, notice.get("return_code"))
        return False, "通信失败"
    order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == out_trade_no))
    if order is None:
        log.warning("payment notice for unknown order %s", out_trade_no[:32])
        return False, "订单不存在"
    if notice.get("total_fee") != order.amount_fen:
        log.error("payment notice %s refused: total_fee %s, order %s", out_trade_no, notice.get("total_fee"),
                  order.amount_fen)
        return False, "金额不符"
    if notice.get("result_code") != "SUCCESS":
        outcome = "payment_failed"
    else:
        outcome = settle(order.id, notice.get("transaction_id"), gateway.pay_time(notice.get("time_end")))
        if outcome == "repeat" and order.transaction_id and order.transaction_id != notice.get("transaction_id"):
            # One out_trade_no, two WeChat transactions: never credited twice, but kept apart for the auditor.
            log.error("payment notice %s names transaction %s, the order was paid by %s", out_trade_no,
                      notice.get("transaction_id"), order.transaction_id)
            outcome = "transaction_mismatch"
    db.session.add(PayNotice(out_trade_no=out_trade_no, transaction_id=notice.get("transaction_id"),
                             outcome=outcome, raw=raw.decode("utf-8", "replace")))
    db.session.commit()
    return True, "OK"


# ---- reconciliation ------------------------------------------------------------------------------------

def reconcile_order(order_no: str) -> str:
    """Ask WeChat about a pending order: credit it if paid, close it if expired. Returns its status."""
    order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == order_no))
    if order is None or order.status != "pending":
        return order.status if order else "missing"
    info = gateway.query_order(order.order_no)
    if info and info.get("trade_state") in ("SUCCESS", "REFUND"):
        _settle_from_query(order, info)  # REFUND: refunded at WeChat before we credited it; not credited
    elif order.expires_at <= utcnow() or (info is None and utcnow() - order.created_at > timedelta(minutes=5)):
        outcome = gateway.close_order(order.order_no) if info else "missing"
        if outcome == "paid":
            _settle_from_query(order, gateway.query_order(order.order_no) or {})
        else:
            _close_locally(order.id)
    db.session.commit()
    return db.session.scalar(select(DuesOrder.status).where(DuesOrder.id == order.id))


def _refunded_before_credit(order: DuesOrder, info: dict) -> None:
    """Paid and already refunded at WeChat (merchant platform) before any notice reached us: the money went back,
    so nothing is credited; the order ends refunded and its months are free (inside the caller's transaction)."""
    flipped = db.session.execute(update(DuesOrder).where(DuesOrder.id == order.id, DuesOrder.status == "pending")
                                 .values(status="refunded", refunded_at=utcnow(), refunded_by="wechat",
                                         refund_reason="微信支付侧已退款", transaction_id=info.get("transaction_id"),
                                         paid_at=gateway.pay_time(info.get("time_end")))).rowcount == 1
    if flipped:
        db.session.execute(delete(DuesMonthClaim).where(DuesMonthClaim.order_id == order.id))
        log.error("order %s was refunded at WeChat before we credited it: not credited", order.order_no)
        audit.record("dues.refunded", "dues_order", order.order_no,
                     {"reason": "refunded at WeChat before credit", "amount_fen": order.amount_fen})


def _settle_from_query(order: DuesOrder, info: dict) -> None:
    if info.get("trade_state") == "REFUND":
        _refunded_before_credit(order, info)
        return
    if str(info.get("total_fee")) != str(order.amount_fen):
        log.error("orderquery %s: total_fee %s differs from the order's %s", order.order_no, info.get("total_fee"),
                  order.amount_fen)
        return
    settle(order.id, info.get("transaction_id"), gateway.pay_time(info.get("time_end")))


def reconcile_pending(limit: int = 500) -> int:
    """Reconcile pending orders older than QUERY_AFTER, oldest first; each in its own transaction."""
    cutoff = utcnow() - QUERY_AFTER
    numbers = list(db.session.scalars(select(DuesOrder.order_no).where(
        DuesOrder.status == "pending", DuesOrder.created_at <= cutoff).order_by(DuesOrder.created_at).limit(limit)))
    db.session.rollback()
    for number in numbers:
        try:
            reconcile_order(number)
        except gateway.PayError as err:
            db.session.rollback()
            log.warning("reconciling %s failed: %s", number, err)
    return len(numbers)


def get_order(principal: Principal, order_no: str) -> DuesOrder:
    """An order for its owner or staff in scope (404 otherwise); a pending one is checked with WeChat."""
    order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == order_no))
    if order is None:
        raise NotFound("找不到该订单")
    if principal.is_staff:
        if not can_see_member(principal, db.session.get(Member, order.member_id)):
            raise NotFound("找不到该订单")
    elif principal.member_id != order.member_id:
        raise NotFound("找不到该订单")
    if order.status == "pending" and utcnow() - order.created_at > QUERY_AFTER:
        try:
            reconcile_order(order.order_no)
        except gateway.PayError as err:
            db.session.rollback()
            log.warning("orderquery %s failed: %s", order.order_no, err)
        order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == order_no)
                                  .execution_options(populate_existing=True))
    return order


# ---- refunds -----------------------------------------------------------------------------------------

def refund_order(principal: Principal, order_no: str, reason: str) -> DuesOrder:
    """Refund a paid order at WeChat, reverse its ledger entries and owe its months again (one transaction)."""
    order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == order_no).with_for_update())
    member = db.session.get(Member, order.member_id) if order else None
    if order is None or not can_see_member(principal, member):
        raise NotFound("找不到该订单")
    if order.status == "closed":
        return _refund_paid_after_close(principal, order, reason)
    if order.status != "paid":
        raise Conflict("只有已支付的订单可以退款", code="order_not_paid", status_now=order.status)
    try:
        gateway.refund(out_trade_no=order.order_no, out_refund_no=order.order_no + "R", total_fee=order.amount_fen,
                       refund_fee=order.amount_fen, reason=reason)
    except gateway.PayError as err:
        db.session.rollback()
        log.warning("refund %s failed: %s", order.order_no, err)
        raise ServiceUnavailable("微信支付退款暂时失败，请稍后再试", code="wechat_unavailable") from err
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
    audit.record("dues.refunded", "dues_order", order.order_no, {"reason": reason, "amount_fen": order.amount_fen})
    record_change("dues.refunded", member, {
        "order_no": order.order_no, "kind": order.kind,
        "months": [{"month": line["month"], "amount_fen": line["amount_fen"]} for line in order.months],
        "amount_fen": order.amount_fen, "paid_at": isoformat(order.paid_at), "paid_month": month_of(order.paid_at),
        "refunded_at": isoformat(now), "reason": reason, "paid_through": member.paid_through,
    }, at=now)
    db.session.commit()
    return order


def _refund_paid_after_close(principal: Principal, order: DuesOrder, reason: str) -> DuesOrder:
    """Refund an order paid at WeChat after we had closed it and its months were taken by another order.

    Nothing was credited for it (no ledger entries, no `dues.paid`), so nothing is reversed and the township hears
    nothing; the money goes back and the order ends `refunded`. A closed order WeChat does not report paid stays 409.
    """
    try:
        info = gateway.query_order(order.order_no)
    except gateway.PayError as err:
        db.session.rollback()
        raise ServiceUnavailable("微信支付暂时无法查询，请稍后再试", code="wechat_unavailable") from err
    if not info or info.get("trade_state") not in ("SUCCESS", "REFUND") \
            or str(info.get("total_fee")) != str(order.amount_fen):
        raise Conflict("只有已支付的订单可以退款", code="order_not_paid", status_now=order.status)
    try:
        gateway.refund(out_trade_no=order.order_no, out_refund_no=order.order_no + "R", total_fee=order.amount_fen,
                       refund_fee=order.amount_fen, reason=reason)
    except gateway.PayError as err:
        db.session.rollback()
        log.warning("refund %s failed: %s", order.order_no, err)
        raise ServiceUnavailable("微信支付退款暂时失败，请稍后再试", code="wechat_unavailable") from err
    now = utcnow()
    order.status, order.refunded_at, order.refund_reason, order.refunded_by = "refunded", now, reason, \
        actor_name(principal)
    order.transaction_id = info.get("transaction_id")
    order.paid_at = gateway.pay_time(info.get("time_end"))
    audit.record("dues.refunded", "dues_order", order.order_no,
                 {"reason": reason, "amount_fen": order.amount_fen, "paid_after_close": True})
    db.session.commit()
    return order
