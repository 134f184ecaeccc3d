"""Forwarding large special dues upward: one-off payments over 1000 yuan, WeChat or handed over in cash.

Decisions: the list is the county admin's (the county forwards to the level above); it holds paid WeChat
special-dues orders flagged `forward_upward` and offline special payments over 1000 yuan that were not reversed
(a refunded order or a reversed payment has nothing left to forward). A payment is named by its reference
(`order_no`, or `P<id>`) and marked forwarded once (`dues_forwardings.ref` is unique: a second mark is 409
`already_forwarded`), audited. Members appear as elsewhere: name and masked ID number.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.common import xlsx
from server.common.timeutil import SHANGHAI, isoformat, local, utcnow
from server.common.xlsx import fit_columns, money_cell, when_cell, workbook_bytes
from server.core import audit
from server.core.accounts import actor_name
from server.core.members import Member
from server.core.orgs import Township
from server.core.scope import township_filter
from server.core.tokens import Principal
from server.dues.models import DuesCampaign, DuesForwarding, DuesOrder, DuesPayment
from server.errors import Conflict, NotFound
from server.extensions import db


def _items(principal: Principal, campaign_id: int | None = None) -> list[dict]:
    townships = {t.id: t.name for t in db.session.scalars(select(Township).where(township_filter(principal)))}
    orders = select(DuesOrder).where(DuesOrder.kind == "special", DuesOrder.forward_upward.is_(True),
                                     DuesOrder.status == "paid", DuesOrder.township_id.in_(townships))
    payments = select(DuesPayment).where(DuesPayment.kind == "special", DuesPayment.entry_type == "payment",
                                         DuesPayment.forward_upward.is_(True), DuesPayment.reversed_at.is_(None),
                                         DuesPayment.township_id.in_(townships))
    if campaign_id is not None:
        orders = orders.where(DuesOrder.campaign_id == campaign_id)
        payments = payments.where(DuesPayment.campaign_id == campaign_id)
    rows = [(o.order_no, "wechat", o, o.paid_at) for o in db.session.scalars(orders)]
    rows += [(f"P{p.id}", "offline", p, datetime(p.paid_on.year, p.paid_on.month, p.paid_on.day, tzinfo=SHANGHAI))
             for p in db.session.scalars(payments)]
    if not rows:
        return []
    members = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_({r[2].member_id for r in rows})))}
    campaigns = {c.id: c.title for c in db.session.scalars(select(DuesCampaign))}
    marks = {f.ref: f for f in db.session.scalars(select(DuesForwarding).where(
        DuesForwarding.ref.in_([r[0] for r in rows])))}
    items = []
    for ref, channel, source, paid_at in rows:
        member, mark = members[source.member_id], marks.get(ref)
        items.append({
            "ref": ref, "channel": channel, "amount_fen": source.amount_fen, "paid_at": isoformat(paid_at),
            "member": {"id": member.id, "name": member.name, "id_number_masked": member.id_number_masked},
            "township": {"id": source.township_id, "name": townships[source.township_id]},
            "campaign": {"id": source.campaign_id, "title": campaigns.get(source.campaign_id)},
            "forwarded": mark is not None, "forwarded_at": isoformat(mark.forwarded_at) if mark else None,
            "forwarded_by": mark.forwarded_by if mark else None,
        })
    return sorted(items, key=lambda i: (i["paid_at"], i["ref"]))


def list_forwarding(principal: Principal, campaign_id: int | None = None, forwarded: bool | None = None) -> dict:
    """The large special-dues payments of the caller's county, oldest first, with their forwarding mark."""
    items = [i for i in _items(principal, campaign_id) if forwarded is None or i["forwarded"] == forwarded]
    audit.record("dues.forwarding_read", "county", principal.scope_id, {"count": len(items)})
    db.session.commit()
    return {"items": items, "amount_fen": sum(i["amount_fen"] for i in items)}


def mark_forwarded(principal: Principal, ref: str, note: str | None) -> dict:
    """Mark one large special-dues payment forwarded upward (once; audited)."""
    item = next((i for i in _items(principal) if i["ref"] == ref), None)
    if item is None:
        raise NotFound("找不到该笔需上交的特殊党费")
    if item["forwarded"]:
        raise Conflict("该笔特殊党费已标记为上交", code="already_forwarded")
    mark = DuesForwarding(ref=ref, forwarded_by=actor_name(principal), forwarded_at=utcnow(),
                          note=(note or "").strip() or None)
    try:
        db.session.add(mark)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("该笔特殊党费已标记为上交", code="already_forwarded") from None
    audit.record("dues.forwarded", "dues_payment", ref, {"amount_fen": item["amount_fen"], "note": mark.note,
                                                         "member_id": item["member"]["id"]})
    db.session.commit()
    return {**item, "forwarded": True, "forwarded_at": isoformat(mark.forwarded_at), "forwarded_by": mark.forwarded_by}


def forwarding_xlsx(data: dict) -> bytes:
    """The list as a sheet the county office can file: title, data rows, totals row."""
    wb = xlsx.Workbook()
    ws = wb.active
    ws.title = "大额特殊党费"
    ws.cell(1, 1, f"一次性超过 1000 元的特殊党费（需向上级转交）  导出时间：{local(utcnow()):%Y年%m月%d日 %H:%M}")
    headings = ["序号", "姓名", "身份证号", "乡镇", "活动", "金额（元）", "交纳时间", "渠道", "已上交", "上交时间", "经办人"]
    for col, heading in enumerate(headings, start=1):
        ws.cell(2, col, heading)
    row = 3
    for index, item in enumerate(data["items"], start=1):
        values = [index, item["member"]["name"], item["member"]["id_number_masked"], item["township"]["name"],
                  item["campaign"]["title"]]
        for col, value in enumerate(values, start=1):
            ws.cell(row, col, value)
        money_cell(ws, row, 6, item["amount_fen"])
        when_cell(ws, row, 7, datetime.fromisoformat(item["paid_at"]))
        ws.cell(row, 8, "微信支付" if item["channel"] == "wechat" else "线下")
        ws.cell(row, 9, "是" if item["forwarded"] else "否")
        if item["forwarded_at"]:
            when_cell(ws, row, 10, datetime.fromisoformat(item["forwarded_at"]))
        ws.cell(row, 11, item["forwarded_by"])
        row += 1
    ws.cell(row, 1, "合计")
    ws.cell(row, 2, f"{len(data['items'])} 笔")
    money_cell(ws, row, 6, data["amount_fen"])
    fit_columns(ws, first_row=2)
    return workbook_bytes(wb)
