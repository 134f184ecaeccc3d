"""Receipts (电子收据) for every payment, WeChat or offline (CONTRACT §11).

Decision: the receipt number is derived, never counted: `R` + the Beijing year and month paid (YYYYMM) + the
channel (`W` a WeChat order, `X` a payment recorded outside WeChat, 线下) + the row id, at least six digits:
`R202603W000123`, `R202603X000007`. Ids are unique per table and the letter keeps the tables apart, so numbers
are unique without a sequence or a lock, a WeChat order has its number the moment it is credited (no write at
settlement), and the number alone says where to look. An offline payment stores its number (the feed carries it).
A WeChat order has a receipt once credited (a payment in the ledger); a refunded order or a reversed payment keeps
its receipt, marked 已退款 / 已冲正.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import exists, select

from server.common.pdf import Page, render
from server.common.timeutil import SHANGHAI, isoformat, local, month_add, month_bounds, month_of
from server.core import audit
from server.core.members import Member
from server.core.orgs import Branch
from server.core.scope import can_see_member, require_branch
from server.core.tokens import Principal
from server.dues.capitals import rmb_capitals
from server.dues.models import DuesCampaign, DuesLedgerEntry, DuesOrder, DuesPayment
from server.errors import NotFound
from server.extensions import db

_NUMBER = re.compile(r"^R(\d{6})([WX])(\d{6,9})$")
CHANNEL_NAMES = {"wechat": "微信支付", "cash": "现金", "bank_transfer": "银行转账", "other": "其他"}
STATUS_NAMES = {"paid": "有效", "refunded": "已退款", "reversed": "已冲正"}


def order_receipt_no(order: DuesOrder) -> str:
    return f"R{month_of(order.paid_at).replace('-', '')}W{order.id:06d}"


def payment_receipt_no(payment: DuesPayment) -> str:
    return f"R{payment.paid_on:%Y%m}X{payment.id:06d}"


def _credited():
    return exists().where(DuesLedgerEntry.order_id == DuesOrder.id, DuesLedgerEntry.entry_type == "payment")


def _campaign(campaign_id: int | None) -> dict | None:
    campaign = db.session.get(DuesCampaign, campaign_id) if campaign_id else None
    return {"id": campaign.id, "title": campaign.title} if campaign else None


def _receipt(source, member: Member) -> dict:
    branch = db.session.get(Branch, source.branch_id)
    if isinstance(source, DuesOrder):
        number, channel, method, paid_at = order_receipt_no(source), "wechat", "wechat", source.paid_at
        status, ref = ("refunded" if source.status == "refunded" else "paid"), source.order_no
    else:
        number, channel, method = source.receipt_no, "offline", source.method
        paid_at = datetime(source.paid_on.year, source.paid_on.month, source.paid_on.day, tzinfo=SHANGHAI)
        status, ref = ("reversed" if source.reversed_at else "paid"), f"P{source.id}"
    return {
        "receipt_no": number, "ref": ref, "channel": channel, "method": method, "kind": source.kind,
        "months": source.month_list, "campaign": _campaign(source.campaign_id), "amount_fen": source.amount_fen,
        "amount_capitals": rmb_capitals(source.amount_fen), "paid_at": isoformat(paid_at), "status": status,
        "member": {"id": member.id, "name": member.name},
        "branch": {"id": branch.id, "name": branch.name}, "township": {"id": branch.township.id, "name": branch.township.name},
    }


def _sorted(receipts: list[dict]) -> list[dict]:
    return sorted(receipts, key=lambda r: (r["paid_at"], r["receipt_no"]), reverse=True)


def my_receipts(member_id: int) -> dict:
    """Every receipt of the member, newest first."""
    member = db.session.get(Member, member_id)
    orders = db.session.scalars(select(DuesOrder).where(DuesOrder.member_id == member_id, _credited()))
    payments = db.session.scalars(select(DuesPayment).where(DuesPayment.member_id == member_id,
                                                            DuesPayment.entry_type == "payment"))
    return {"items": _sorted([_receipt(o, member) for o in orders] + [_receipt(p, member) for p in payments])}


def _find(receipt_no: str) -> DuesOrder | DuesPayment | None:
    match = _NUMBER.match(receipt_no)
    if not match:
        return None
    month, channel, row_id = match.groups()
    if channel == "W":
        order = db.session.scalar(select(DuesOrder).where(DuesOrder.id == int(row_id), _credited()))
        return order if order is not None and order_receipt_no(order) == receipt_no else None
    return db.session.scalar(select(DuesPayment).where(DuesPayment.receipt_no == receipt_no))


def get_receipt(principal: Principal, receipt_no: str) -> dict:
    """One receipt for its member or staff in scope (a staff read is audited); anyone else 404."""
    source = _find(receipt_no)
    member = db.session.get(Member, source.member_id) if source is not None else None
    if member is None or not (principal.member_id == member.id if not principal.is_staff
                              else can_see_member(principal, member)):
        raise NotFound("找不到该收据")
    receipt = _receipt(source, member)
    if principal.is_staff:
        audit.record("dues.receipt_read", "member", member.id, {"receipt_no": receipt_no})
        db.session.commit()
    return receipt


def branch_receipts(principal: Principal, branch_id: int, month: str) -> dict:
    """The receipts of a mobile branch's payments made in a month (Beijing time), oldest first, for printing."""
    branch = require_branch(principal, db.session.get(Branch, branch_id))
    start, end = month_bounds(month)
    orders = db.session.scalars(select(DuesOrder).where(
        DuesOrder.branch_id == branch.id, DuesOrder.paid_at >= start, DuesOrder.paid_at < end, _credited()))
    following = month_add(month, 1)
    payments = db.session.scalars(select(DuesPayment).where(
        DuesPayment.branch_id == branch.id, DuesPayment.entry_type == "payment",
        DuesPayment.paid_on >= date(int(month[:4]), int(month[5:]), 1),
        DuesPayment.paid_on < date(int(following[:4]), int(following[5:]), 1)))
    sources = list(orders) + list(payments)
    members = {m.id: m for m in db.session.scalars(select(Member).where(
        Member.id.in_({s.member_id for s in sources})))} if sources else {}
    items = list(reversed(_sorted([_receipt(s, members[s.member_id]) for s in sources])))
    audit.record("dues.receipts_read", "branch", branch.id, {"month": month, "count": len(items)})
    db.session.commit()
    return {"month": month, "branch": {"id": branch.id, "name": branch.name}, "items": items}


def _months_text(months: list[str]) -> str:
    if not months:
        return ""
    first, last = months[0], months[-1]
    span = f"{first[:4]}年{int(first[5:])}月"
    if last != first:
        span += f"至{last[:4]}年{int(last[5:])}月"
    return f"{span}（共 {len(months)} 个月）"


def receipt_page(receipt: dict) -> Page:
    """One receipt on one sheet."""
    what = (f"党费 {_months_text(receipt['months'])}" if receipt["kind"] == "monthly"
            else f"特殊党费（{receipt['campaign']['title'] if receipt['campaign'] else ''}）")
    paid_at = datetime.fromisoformat(receipt["paid_at"])
    day = f"{paid_at:%Y年%m月%d日}" if receipt["channel"] == "offline" else f"{local(paid_at):%Y年%m月%d日 %H:%M}"
    fen = receipt["amount_fen"]
    fields = [
        ("交款人", receipt["member"]["name"]),
        ("所在支部", f"{receipt['township']['name']} {receipt['branch']['name']}"),
        ("款项", what),
        ("金额（小写）", f"¥{fen // 100}.{fen % 100:02d}"),
        ("金额（大写）", f"人民币{receipt['amount_capitals']}"),
        ("交款方式", CHANNEL_NAMES.get(receipt["method"], receipt["method"])),
        ("交款日期", day),
        ("状态", STATUS_NAMES[receipt["status"]]),
    ]
    return Page(title="党费收据", number=receipt["receipt_no"], fields=fields,
                closing=[f"收款单位：{receipt['branch']['name']}", "（电子收据，由流动党员之家出具）"])


def receipts_pdf(receipts: list[dict], title: str) -> bytes:
    """One receipt per page."""
    return render([receipt_page(r) for r in receipts], title=title)
