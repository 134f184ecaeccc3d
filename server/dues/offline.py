"""Dues paid outside WeChat (CONTRACT §11): the branch records cash, bank transfers and other payments, and
corrects a wrong entry with a reversing entry.

Decisions:
- Who: the secretary of the member's mobile branch, and the township admin of its township (the township office
  also takes arrears over the counter). Another branch's member is 404, like every out-of-scope read.
- Months must be the member's earliest unpaid months, in order (owed first, then at most 6 months ahead), like a
  WeChat order, so `paid_through` stays the end of an unbroken run. Unlike an order there is no lower bound:
  arrears older than the six-month window are settled here.
- The amount is checked against the standards of those months (the farmer's branch-set amount included); a
  different amount is 422 `amount_mismatch` naming the expected amount in yuan.
- A month is taken through the same `dues_month_claims` unique key as a WeChat order: a concurrent order and an
  offline entry (or two secretaries) cannot both take it; the loser gets 409 `order_pending` (an open order
  holds it) or `month_already_paid`.
- `paid_on` is the calendar day the money was handed over (Beijing); the ledger and the feed date the payment at
  00:00 of that day (`paid_at`), so the digest counts it in that day's month.
- A reversal is a second row (`entry_type` "reversal") with reversing ledger entries; the payment is marked
  reversed once by a guarded UPDATE, its months are owed again and `paid_through` goes back to the month before
  the first reversed month (as a WeChat refund does). A reversal, a reversed payment and a WeChat order cannot
  be reversed here (409 `payment_is_reversal`, `payment_already_reversed`, `wechat_payment`).
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from server.common.timeutil import SHANGHAI, isoformat, month_add, month_of_date, utcnow
from server.core import audit
from server.core.accounts import actor_name
from server.core.members import Member
from server.core.orgs import Branch
from server.core.outbox import record_change
from server.core.scope import can_see_member, require_branch, require_member
from server.core.tokens import Principal
from server.dues.models import DuesCampaign, DuesLedgerEntry, DuesMonthClaim, DuesOrder, DuesPayment
from server.dues.orders import FORWARD_UPWARD_OVER_FEN, SPECIAL_MAX_FEN, SPECIAL_MIN_FEN
from server.dues.receipts import payment_receipt_no
from server.dues.service import WINDOW_MONTHS, position
from server.errors import Conflict, NotFound, Unprocessable
from server.extensions import db

_PAYMENT_REF = re.compile(r"^P?(\d{1,9})$")
MEMBER_LOCK = {"key_share": True}  # FOR NO KEY UPDATE on PostgreSQL


def yuan_text(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def paid_instant(payment: DuesPayment) -> datetime:
    """00:00 Beijing time of the day paid: the payment's instant in the ledger and the feed."""
    day = payment.paid_on
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def payment_view(payment: DuesPayment) -> dict:
    """A payment (or reversal) as staff see it."""
    return {
        "id": payment.id, "ref": f"P{payment.id}", "entry_type": payment.entry_type, "receipt_no": payment.receipt_no,
        "member_id": payment.member_id, "branch_id": payment.branch_id, "kind": payment.kind,
        "months": payment.month_list, "campaign_id": payment.campaign_id, "amount_fen": payment.amount_fen,
        "paid_on": payment.paid_on, "method": payment.method, "note": payment.note,
        "forward_upward": payment.forward_upward, "recorded_by": payment.recorded_by,
        "recorded_at": isoformat(payment.recorded_at), "reverses_id": payment.reverses_id,
        "reversed": payment.reversed_at is not None, "reversed_at": isoformat(payment.reversed_at),
    }


def member_dues(principal: Principal, member_id: int) -> dict:
    """A member's standard, paid_through and every unpaid month (arrears older than 6 months included), for staff."""
    member = require_member(principal, db.session.get(Member, member_id))
    pos = position(member)
    current = pos.standard(pos.today)
    result = {
        "member_id": member.id, "name": member.name,
        "monthly_fen": current.monthly_fen if current else None,
        "category": current.category if current else None,
        "paid_through": member.paid_through,
        "owed": [{"month": m, "amount_fen": s.monthly_fen} for m, s in pos.owed()],
        "payable_to": month_add(pos.today, WINDOW_MONTHS),
    }
    audit.record("dues.member_dues_read", "member", member.id, None)
    db.session.commit()
    return result


# ---- recording ---------------------------------------------------------------------------------------

def _months_error(message: str, code: str, status=Unprocessable, **extra):
    return status(message, code=code, errors={"months": [message]}, **extra)


def _pending_order_of(member_id: int, months: list[str]) -> DuesOrder | None:
    claimed = select(DuesMonthClaim.order_id).where(DuesMonthClaim.member_id == member_id,
                                                     DuesMonthClaim.month.in_(months))
    return db.session.scalar(select(DuesOrder).where(DuesOrder.id.in_(claimed), DuesOrder.status == "pending")
                             .order_by(DuesOrder.id).limit(1))


def _order_pending(order: DuesOrder) -> Conflict:
    return Conflict("该党员正在用微信支付其中的月份，请待订单完成或过期后再记录", code="order_pending",
                    order_no=order.order_no, months=order.month_list, amount_fen=order.amount_fen)


def _price_months(member: Member, months: list[str], amount_fen: int) -> list[dict]:
    """The payment's lines priced from the standards, or the error the secretary must see."""
    if len(set(months)) != len(months):
        raise _months_error("月份不能重复", "months_invalid")
    months = sorted(months)
    pos = position(member)
    if pos.start is None:
        raise _months_error("该党员尚未核定党费标准，请先设定党费标准", "no_standard")
    last = month_add(pos.today, WINDOW_MONTHS)
    ahead = [m for m in months if m > last]
    if ahead:
        raise _months_error(f"最多预缴到 {last}，{'、'.join(ahead)} 超出范围", "months_out_of_window",
                            months=ahead, window={"to": last})
    paid = [m for m in months if pos.covered(m)]
    if paid:
        raise _months_error(f"{'、'.join(paid)} 的党费已缴纳或无需缴纳", "month_already_paid", Conflict, months=paid)
    pending = _pending_order_of(member.id, months)
    if pending is not None:
        raise _order_pending(pending)
    payable = pos.payable()
    expected = [m for m, _ in payable[:len(months)]]
    if months != expected:
        message = f"请从最早未缴的月份起按顺序记录，应为：{'、'.join(expected) or '（无）'}"
        raise _months_error(message, "months_not_in_order", expected=expected)
    lines = [{"month": m, "amount_fen": s.monthly_fen, "standard_id": s.id} for m, s in payable[:len(months)]]
    due = sum(line["amount_fen"] for line in lines)
    if amount_fen != due:
        message = (f"金额不符：{months[0]}{'' if len(months) == 1 else '至' + months[-1]}共 {len(months)} 个月，"
                   f"按党费标准应缴 {yuan_text(due)} 元，填写的是 {yuan_text(amount_fen)} 元")
        raise Unprocessable(message, code="amount_mismatch", errors={"amount_fen": [message]}, expected_fen=due)
    return lines


def _check_special(data: dict) -> DuesCampaign:
    amount = data["amount_fen"]
    if not SPECIAL_MIN_FEN <= amount <= SPECIAL_MAX_FEN:
        message = "特殊党费金额应在 0.01 元至 100000 元之间"
        raise Unprocessable(message, code="amount_invalid", errors={"amount_fen": [message]})
    campaign = db.session.get(DuesCampaign, data["campaign_id"])
    if campaign is None:
        raise NotFound("找不到该特殊党费活动")
    if not campaign.starts_on <= data["paid_on"] <= campaign.ends_on:
        message = f"交款日期不在该活动期间（{campaign.starts_on} 至 {campaign.ends_on}）"
        raise Unprocessable(message, code="campaign_closed", errors={"paid_on": [message]})
    return campaign


def _claim_conflict(member_id: int, months: list[str]) -> Conflict:
    """After losing a month claim: who holds it now (the winner has committed)."""
    pending = _pending_order_of(member_id, months)
    if pending is not None:
        return _order_pending(pending)
    return Conflict("其中的月份刚刚已被记录缴纳，请刷新后重新选择", code="month_already_paid",
                    errors={"months": ["其中的月份刚刚已被记录缴纳"]})


def record_payment(principal: Principal, branch_id: int, data: dict) -> DuesPayment:
    """Record dues paid to the branch: ledger, paid_through, audit and `dues.paid` (channel offline) at once."""
    branch = require_branch(principal, db.session.get(Branch, branch_id))
    # The member's row is locked first (FOR NO KEY UPDATE, which a WeChat order's foreign-key check does not
    # wait for): two entries for one member run one after the other and the second sees the first's months.
    member = db.session.get(Member, data["member_id"], with_for_update=MEMBER_LOCK, populate_existing=True)
    if member is None or member.mobile_branch_id != branch.id:
        raise NotFound("本支部没有该党员")
    today = utcnow().astimezone(SHANGHAI).date()
    if data["paid_on"] > today:
        raise Unprocessable("交款日期不能晚于今天", code="paid_on_invalid", errors={"paid_on": ["交款日期不能晚于今天"]})
    if "months" in data:
        lines, campaign_id, kind = _price_months(member, data["months"], data["amount_fen"]), None, "monthly"
    else:
        lines, campaign_id, kind = [], _check_special(data).id, "special"
    now = utcnow()
    payment = DuesPayment(
        entry_type="payment", member_id=member.id, township_id=member.township_id, branch_id=branch.id, kind=kind,
        campaign_id=campaign_id, months=lines, amount_fen=data["amount_fen"], paid_on=data["paid_on"],
        method=data["method"], note=(data.get("note") or "").strip() or None,
        forward_upward=kind == "special" and data["amount_fen"] > FORWARD_UPWARD_OVER_FEN,
        recorded_by=actor_name(principal), recorded_at=now)
    months = [line["month"] for line in lines]
    try:
        db.session.add(payment)
        db.session.flush()
        db.session.add_all(DuesMonthClaim(member_id=member.id, month=m, payment_id=payment.id) for m in months)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # a concurrent order or entry took one of these months first
        raise _claim_conflict(member.id, months) from None
    payment.receipt_no = payment_receipt_no(payment)
    _credit(member, payment, now)
    db.session.commit()
    return payment


def _credit(member: Member, payment: DuesPayment, now: datetime) -> None:
    paid_at = paid_instant(payment)
    db.session.add_all(DuesLedgerEntry(
        member_id=member.id, township_id=payment.township_id, branch_id=payment.branch_id, payment_id=payment.id,
        kind="monthly", month=line["month"], entry_type="payment", amount_fen=line["amount_fen"],
        standard_id=line["standard_id"], booked_at=paid_at) for line in payment.months)
    if payment.kind == "special":
        db.session.add(DuesLedgerEntry(
            member_id=member.id, township_id=payment.township_id, branch_id=payment.branch_id, payment_id=payment.id,
            kind="special", month="", entry_type="payment", amount_fen=payment.amount_fen, booked_at=paid_at))
    db.session.flush()
    if payment.kind == "monthly":
        member.paid_through = position(member).advanced_paid_through()
    member.last_activity_at = max(filter(None, (member.last_activity_at, paid_at)))
    audit.record("dues.offline_recorded", "dues_payment", payment.id, {
        "member_id": member.id, "kind": payment.kind, "months": payment.month_list, "campaign_id": payment.campaign_id,
        "amount_fen": payment.amount_fen, "method": payment.method, "paid_on": payment.paid_on.isoformat(),
        "receipt_no": payment.receipt_no})
    record_change("dues.paid", member, {
        "order_no": None, "kind": payment.kind,
        "months": [{"month": line["month"], "amount_fen": line["amount_fen"]} for line in payment.months],
        "campaign_id": payment.campaign_id, "amount_fen": payment.amount_fen, "paid_at": isoformat(paid_at),
        "paid_month": month_of_date(payment.paid_on), "transaction_id": None, "paid_through": member.paid_through,
        "channel": "offline", "payment_id": payment.id, "receipt_no": payment.receipt_no, "method": payment.method,
    }, at=now)


# ---- reversing ---------------------------------------------------------------------------------------

def _payment_for(principal: Principal, ref: str) -> DuesPayment:
    """The offline payment a path names (`21` or `P21`); a WeChat order number is refused with its own code."""
    match = _PAYMENT_REF.match(ref)
    payment = db.session.get(DuesPayment, int(match.group(1))) if match else None
    if payment is not None and can_see_member(principal, db.session.get(Member, payment.member_id)):
        return payment
    order = db.session.scalar(select(DuesOrder).where(DuesOrder.order_no == ref)) if not match else None
    if order is not None and can_see_member(principal, db.session.get(Member, order.member_id)):
        raise Conflict("微信支付的党费不能在此冲正，请由乡镇管理员办理退款", code="wechat_payment")
    raise NotFound("找不到该笔缴费记录")


def reverse_payment(principal: Principal, ref: str, reason: str) -> tuple[DuesPayment, DuesPayment]:
    """Reverse an offline payment with a reason: a reversing entry, months owed again, `dues.refunded` (offline)."""
    payment = _payment_for(principal, ref)
    if payment.entry_type == "reversal":
        raise Conflict("这是一笔冲正记录，不能再冲正", code="payment_is_reversal")
    now = utcnow()
    flipped = db.session.execute(update(DuesPayment).where(
        DuesPayment.id == payment.id, DuesPayment.entry_type == "payment", DuesPayment.reversed_at.is_(None))
        .values(reversed_at=now)).rowcount == 1
    if not flipped:
        db.session.rollback()
        raise Conflict("这笔缴费已经冲正过", code="payment_already_reversed")
    db.session.refresh(payment)
    reversal = DuesPayment(
        entry_type="reversal", member_id=payment.member_id, township_id=payment.township_id,
        branch_id=payment.branch_id, kind=payment.kind, campaign_id=payment.campaign_id, months=payment.months,
        amount_fen=-payment.amount_fen, paid_on=payment.paid_on, method=payment.method, note=reason,
        forward_upward=False, recorded_by=actor_name(principal), recorded_at=now, reverses_id=payment.id)
    db.session.add(reversal)
    db.session.flush()
    entries = list(db.session.scalars(select(DuesLedgerEntry).where(
        DuesLedgerEntry.payment_id == payment.id, DuesLedgerEntry.entry_type == "payment")))
    db.session.add_all(DuesLedgerEntry(
        member_id=e.member_id, township_id=e.township_id, branch_id=e.branch_id, payment_id=reversal.id, kind=e.kind,
        month=e.month, entry_type="reversal", amount_fen=-e.amount_fen, standard_id=e.standard_id, reverses_id=e.id,
        booked_at=now) for e in entries)
    db.session.execute(delete(DuesMonthClaim).where(DuesMonthClaim.payment_id == payment.id))
    member = db.session.get(Member, payment.member_id, with_for_update=MEMBER_LOCK, populate_existing=True)
    first = payment.month_list[0] if payment.month_list else None
    if first and member.paid_through and member.paid_through >= first:
        before = month_add(first, -1)
        start = position(member).start
        member.paid_through = before if start and before >= start else None
    db.session.flush()
    audit.record("dues.offline_reversed", "dues_payment", payment.id,
                 {"reversal_id": reversal.id, "reason": reason, "amount_fen": payment.amount_fen})
    record_change("dues.refunded", member, {
        "payment_id": payment.id, "channel": "offline", "kind": payment.kind,
        "months": [{"month": line["month"], "amount_fen": line["amount_fen"]} for line in payment.months],
        "amount_fen": payment.amount_fen, "paid_at": isoformat(paid_instant(payment)),
        "paid_month": month_of_date(payment.paid_on), "refunded_at": isoformat(now), "reason": reason,
        "paid_through": member.paid_through,
    }, at=now)
    db.session.commit()
    return payment, reversal
