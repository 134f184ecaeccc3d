"""Dues orders through WeChat Pay v2: creating them and reading them (notices.py settles them, refunds.py
refunds them).

Decisions:
- Monthly dues: the months must be the member's earliest unpaid months in order (a prefix of what is owed,
  then up to 6 months ahead), each within 6 months of the current month. That keeps `paid_through` meaningful:
  it is always the end of an unbroken run. Older arrears are settled with the branch, not in the app.
- One open order per month, enforced by the unique key of `dues_month_claims` (PostgreSQL and SQLite alike).
  Asking again for exactly the months of one's own open order returns that order (200, fresh pay_params);
  any other overlap is 409 `order_pending`.
- Creating an order is one unit of work with the WeChat call inside it, so a failure cannot leave half an
  order: the order row and its month claims are flushed (the claims' unique key now holds the months against
  any concurrent request, which waits on it), then unifiedorder is called, then prepay_id is set and the one
  commit makes order, claims and prepay_id visible together. If WeChat is unreachable or refuses, the
  transaction is rolled back: no order row, no claim, the months are free at once and the member sees 503
  `wechat_unavailable`. If the process dies after WeChat created the order but before our commit, WeChat
  holds an order we never recorded: nobody ever received its pay_params (the prepay_id lives only in the
  lost transaction), so it cannot be paid, and it expires at WeChat with its time_expire (2 hours). A
  pending order in the database therefore always has its prepay_id; resuming it only signs fresh pay_params.
  The price of this design is a transaction held open for one unifiedorder call (at most its 5 s timeout):
  only requests for the same member's same months wait on it (PostgreSQL), or other writers (SQLite).
- Before that unit, an expired order blocking the months is settled or closed by `reconcile_order`, which is
  its own unit of work (whatever WeChat said about that older order stands even if the new one fails).
"""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.common.requestinfo import client_ip
from server.common.timeutil import SHANGHAI, isoformat, month_add, utcnow
from server.core import audit
from server.core.accounts import WechatAccount
from server.core.members import Member, refuse_if_left
from server.core.scope import can_see_member
from server.core.tokens import Principal
from server.dues.models import DuesCampaign, DuesMonthClaim, DuesOrder
from server.dues.notices import QUERY_AFTER, reconcile_order
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
SPECIAL_MIN_FEN, SPECIAL_MAX_FEN = 1, 10_000_000
FORWARD_UPWARD_OVER_FEN = 100_000  # a one-off gift over 1000 yuan is flagged for forwarding upward


def new_order_no(at=None) -> str:
    """DF + Beijing time (of `at`, default now) to the second + 10 random hex: 26 characters, within WeChat's 32."""
    return "DF" + (at or utcnow()).astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S") + secrets.token_hex(5).upper()


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


def _settle_expired_blockers(member_id: int, months: list[str]) -> None:
    """Reconcile the member's expired pending orders on these months (each in reconcile_order's own unit)."""
    for order in _open_orders_for(member_id, months):
        if order.expires_at <= utcnow():
            try:
                reconcile_order(order.order_no)  # stale: settle or close it, then look again
            except gateway.WechatError as err:
                db.session.rollback()
                log.warning("orderquery %s failed: %s", order.order_no, err)
                raise ServiceUnavailable("微信支付暂时不可用，请稍后再试", code="wechat_unavailable") from None


def _payer(member_id: int) -> Member:
    """The paying member, locked for this transaction; 409 `member_left` once transferred out or returned home.

    The lock orders an order's creation against a transfer (which locks the member, then closes open orders):
    either the order exists before the transfer and is closed by it, or the transfer comes first and this refuses.
    """
    member = db.session.get(Member, member_id, with_for_update=True, populate_existing=True)
    refuse_if_left(member.status, "在线缴纳党费")
    return member


def create_monthly_order(principal: Principal, months: list[str]) -> tuple[DuesOrder, dict, bool]:
    """Order monthly dues for `months` (amount from the standards). Returns (order, pay_params, created)."""
    openid = _openid(principal)
    member = _payer(principal.member_id)
    lines = _validate_months(member, months)
    wanted = [line["month"] for line in lines]
    for _attempt in range(2):
        _settle_expired_blockers(member.id, wanted)
        member = _payer(member.id)  # settling an expired order commits, which let the lock go
        blocking = _open_orders_for(member.id, wanted)
        if blocking:
            same = blocking[0]
            if len(blocking) == 1 and same.month_list == wanted:
                return same, gateway.jsapi_params(same.prepay_id), False
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
            audit.record("dues.order_created", "dues_order", order.order_no,
                         {"kind": "monthly", "months": wanted, "amount_fen": order.amount_fen}, member_id=member.id)
            db.session.flush()
        except IntegrityError:
            db.session.rollback()  # another request claimed one of these months first: look again
            continue
        _order_at_wechat(order)
        db.session.commit()
        return order, gateway.jsapi_params(order.prepay_id), True
    raise Conflict("这些月份已有待支付的订单，请稍后再试", code="order_pending", resumable=False)


def create_special_order(principal: Principal, campaign_id: int, amount_fen: int) -> tuple[DuesOrder, dict, bool]:
    """Order a special-dues gift to an open campaign (the only case where the member names the amount)."""
    openid = _openid(principal)
    member = _payer(principal.member_id)
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
    db.session.flush()
    audit.record("dues.order_created", "dues_order", order.order_no,
                 {"kind": "special", "campaign_id": campaign.id, "amount_fen": amount_fen}, member_id=member.id)
    _order_at_wechat(order)
    db.session.commit()
    return order, gateway.jsapi_params(order.prepay_id), True


def _body(order: DuesOrder) -> str:
    if order.kind == "special":
        campaign = db.session.get(DuesCampaign, order.campaign_id)
        return f"特殊党费-{campaign.title}"[:40]
    months = order.month_list
    span = months[0] if len(months) == 1 else f"{months[0]}至{months[-1]}"
    return f"党费-{span}"


def _order_at_wechat(order: DuesOrder) -> None:
    """unifiedorder for a flushed new order and its prepay_id on the row (flushed; the caller commits).

    On any WeChat failure the caller's transaction is rolled back, so the order and its claims vanish."""
    try:
        order.prepay_id = gateway.unified_order(out_trade_no=order.order_no, body=_body(order),
                                                total_fee=order.amount_fen, openid=order.openid,
                                                client_ip=client_ip() or "127.0.0.1", expires_at=order.expires_at)
    except gateway.WechatError as err:
        db.session.rollback()
        log.warning("unifiedorder %s failed: %s", order.order_no, err)
        raise ServiceUnavailable("微信支付暂时不可用，请稍后再试", code="wechat_unavailable") from None
    db.session.flush()


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
        except gateway.WechatError as err:
            db.session.rollback()
            log.warning("orderquery %s failed: %s", order.order_no, err)
        order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == order_no)
                                  .execution_options(populate_existing=True))
    if principal.is_staff:
        audit.record("dues.order_read", "dues_order", order.order_no, None, member_id=order.member_id)
        db.session.commit()
    return order
