"""The letter of a transfer: 介绍信 for a transfer out, 流动党员返乡回执 for a return home (PDF, Chinese)."""
from __future__ import annotations

from server.common.crypto import mask_id_number
from server.common.pdf import Page, render
from server.common.timeutil import local
from server.core.orgs import Branch, Township
from server.extensions import db
from server.transfers.models import Transfer

TITLES = {"transfer_out": "介绍信", "return_home": "流动党员返乡回执"}


def _month(value: str | None) -> str:
    return f"{value[:4]}年{int(value[5:7])}月" if value else "无缴费记录"


def _dues(value: str | None) -> str:
    return f"党费已交到{_month(value)}" if value else "尚无党费缴纳记录"


def _full(township: Township, branch: Branch) -> str:
    """A branch named with its township, once (金山镇流动党员党支部, 金山镇红星村党支部)."""
    return branch.name if branch.name.startswith(township.name) else f"{township.name}{branch.name}"


def _day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def letter_pdf(transfer: Transfer) -> bytes:
    """The printable letter: number, name, masked ID number, branches, dues paid through and the date."""
    member = transfer.member
    township = db.session.get(Township, transfer.township_id)
    village = db.session.get(Branch, transfer.village_branch_id)
    mobile = db.session.get(Branch, transfer.mobile_branch_id)
    if transfer.kind == "transfer_out":
        opening = [f"{transfer.destination}：",
                   f"兹介绍{member.name}同志（中共党员）的组织关系由{_full(township, mobile)}转往你处，"
                   f"{_dues(transfer.paid_through)}。请接洽。"]
    else:
        opening = [f"{_full(township, village)}：",
                   f"{member.name}同志已于{_day(transfer.effective_on)}返乡，不再在{_full(township, mobile)}参加组织生活，"
                   f"请接续其组织生活。{_dues(transfer.paid_through)}。"]
    fields = [
        ("姓名", member.name),
        ("身份证号", mask_id_number(member.id_number)),
        ("乡镇", township.name),
        ("原村党支部", village.name),
        ("流动党员党支部", mobile.name),
    ]
    if transfer.kind == "transfer_out":
        fields.append(("转往的党组织", transfer.destination))
    fields += [
        ("党费交至", _month(transfer.paid_through)),
        ("生效日期", _day(transfer.effective_on)),
        ("事由", transfer.reason),
    ]
    closing = [f"中共{_full(township, mobile)}", _day(local(transfer.recorded_at).date())]
    if transfer.status == "cancelled":
        closing.insert(0, f"（本件已于{_day(local(transfer.cancelled_at).date())}撤销：{transfer.cancel_reason}）")
    page = Page(title=TITLES[transfer.kind], number=transfer.letter_no, paragraphs=opening, fields=fields,
                closing=closing)
    return render([page], title=f"{TITLES[transfer.kind]} {transfer.letter_no}")
