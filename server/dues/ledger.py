"""The branch's dues ledger (党费收缴台账), the arrears list and special-dues campaigns."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, union_all

from server.common.timeutil import (
    SHANGHAI,
    current_month,
    isoformat,
    month_add,
    month_diff,
    month_of,
    utcnow,
)
from server.core import audit
from server.core.accounts import actor_name
from server.core.members import Member
from server.core.orgs import Branch, Township
from server.core.scope import require_branch, township_filter
from server.core.tokens import Principal
from server.dues.models import DuesCampaign, DuesLedgerEntry, DuesOrder, DuesPayment
from server.dues.service import approved_by_year, position, standard_of_month, start_month
from server.errors import NotFound, Unprocessable
from server.extensions import db


def _year_months(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def _member_months(members: list[Member], year: int) -> dict[int, dict[str, dict]]:
    """member_id → month → {standard_fen, paid_fen, paid_at, order_no} for one year."""
    ids = [m.id for m in members]
    by_year = approved_by_year(ids)
    months = _year_months(year)
    result: dict[int, dict[str, dict]] = {}
    for member in members:
        start = start_month(member, by_year[member.id])
        result[member.id] = {}
        for month in months:
            std = standard_of_month(by_year[member.id], month) if start and month >= start else None
            result[member.id][month] = {"standard_fen": std.monthly_fen if std else None, "paid_fen": 0,
                                        "paid_at": None, "order_no": None}
    entries = db.session.execute(
        select(DuesLedgerEntry.id, DuesLedgerEntry.member_id, DuesLedgerEntry.month, DuesLedgerEntry.amount_fen,
               DuesLedgerEntry.entry_type, DuesLedgerEntry.booked_at, DuesLedgerEntry.reverses_id,
               DuesLedgerEntry.payment_id, DuesOrder.order_no)
        .outerjoin(DuesOrder, DuesOrder.id == DuesLedgerEntry.order_id)
        .where(DuesLedgerEntry.member_id.in_(ids), DuesLedgerEntry.kind == "monthly",
               DuesLedgerEntry.month >= months[0], DuesLedgerEntry.month <= months[-1])
        .order_by(DuesLedgerEntry.id))
    # The payment reference of each entry (the order number, or P<id> of an offline payment); a reversal
    # carries the reference of the entry it reverses.
    refs: dict[int, str] = {}
    for entry_id, member_id, month, amount, entry_type, booked_at, reverses_id, payment_id, order_no in entries:
        ref = refs.get(reverses_id) if entry_type == "reversal" else (order_no or f"P{payment_id}")
        refs[entry_id] = ref
        cell = result[member_id][month]
        cell["paid_fen"] += amount
        if entry_type == "payment":
            cell["paid_at"], cell["order_no"] = booked_at, ref
        elif cell["order_no"] == ref:
            cell["paid_at"], cell["order_no"] = None, None
    return result


def _totals(members: list[Member], cells: dict[int, dict[str, dict]], year: int) -> dict:
    last_due = min(f"{year:04d}-12", current_month())
    due = sum(c["standard_fen"] or 0 for m in members for month, c in cells[m.id].items() if month <= last_due)
    paid = sum(c["paid_fen"] for m in members for c in cells[m.id].values())
    ids = [m.id for m in members]
    special = db.session.scalar(select(func.coalesce(func.sum(DuesLedgerEntry.amount_fen), 0)).where(
        DuesLedgerEntry.member_id.in_(ids), DuesLedgerEntry.kind == "special",
        DuesLedgerEntry.booked_at >= _year_start(year), DuesLedgerEntry.booked_at < _year_start(year + 1))) if ids else 0
    return {"members": len(members), "due_fen": due, "paid_fen": paid, "special_fen": int(special or 0)}


def _year_start(year: int):
    from datetime import datetime, timezone

    return datetime(year, 1, 1, tzinfo=SHANGHAI).astimezone(timezone.utc)


def branch_ledger(principal: Principal, branch_id: int, year: int) -> dict:
    """Rows per member and month of a mobile branch for a year, with branch and township totals."""
    branch = require_branch(principal, db.session.get(Branch, branch_id))
    members = list(db.session.scalars(select(Member).where(Member.mobile_branch_id == branch.id)
                                      .order_by(Member.name, Member.id)))
    cells = _member_months(members, year)
    rows = [{"member_id": m.id, "name": m.name, "month": month, **{**cell, "paid_at": isoformat(cell["paid_at"])}}
            for m in members for month, cell in cells[m.id].items()]
    township_members = list(db.session.scalars(select(Member).where(Member.township_id == branch.township_id)))
    township_cells = _member_months(township_members, year)
    audit.record("dues.ledger_read", "branch", branch.id, {"year": year})
    db.session.commit()
    return {
        "year": year, "branch": {"id": branch.id, "name": branch.name},
        "township": {"id": branch.township.id, "name": branch.township.name},
        "members": [{"member_id": m.id, "name": m.name, "paid_through": m.paid_through} for m in members],
        "rows": rows,
        "totals": {"branch": _totals(members, cells, year),
                   "township": _totals(township_members, township_cells, year)},
    }


def in_arrears(member: Member, month: str) -> bool:
    """The agreed 6-month arrears rule (shared with the dashboard)."""
    if member.paid_through is not None:
        return member.paid_through <= month_add(month, -6)
    return month_of(member.created_at) <= month_add(month, -5)


def branch_arrears(principal: Principal, branch_id: int) -> dict:
    """Active members of a branch 6+ months behind, flagged for the secretary (their status never changes)."""
    branch = require_branch(principal, db.session.get(Branch, branch_id))
    month = current_month()
    members = db.session.scalars(select(Member).where(Member.mobile_branch_id == branch.id,
                                                      Member.status == "active").order_by(Member.name, Member.id))
    flagged = []
    for member in members:
        if in_arrears(member, month):
            since = month_add(member.paid_through, 1) if member.paid_through else month_of(member.created_at)
            flagged.append({"member_id": member.id, "name": member.name, "paid_through": member.paid_through,
                            "unpaid_since": since, "months_unpaid": month_diff(since, month) + 1,
                            "owed_fen": sum(s.monthly_fen for _, s in position(member).owed())})
    audit.record("dues.arrears_read", "branch", branch.id, {"month": month})
    db.session.commit()
    return {"month": month, "branch": {"id": branch.id, "name": branch.name},
            "township": {"id": branch.township.id, "name": branch.township.name}, "members": flagged}


# ---- special-dues campaigns ------------------------------------------------------------------------------

def _today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def campaign_view(campaign: DuesCampaign) -> dict:
    today = _today()
    return {"id": campaign.id, "title": campaign.title, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on,
            "active": campaign.starts_on <= today <= campaign.ends_on}


def create_campaign(principal: Principal, data: dict) -> DuesCampaign:
    """Open a special-dues campaign (county admin)."""
    if data["ends_on"] < data["starts_on"]:
        raise Unprocessable("结束日期不能早于开始日期", errors={"ends_on": ["结束日期不能早于开始日期"]})
    campaign = DuesCampaign(title=data["title"].strip(), starts_on=data["starts_on"], ends_on=data["ends_on"],
                            created_by=actor_name(principal))
    db.session.add(campaign)
    db.session.flush()
    audit.record("dues.campaign_created", "dues_campaign", campaign.id, {"title": campaign.title})
    db.session.commit()
    return campaign


def list_campaigns(principal: Principal) -> list[DuesCampaign]:
    """Members see the campaigns open today; staff see all."""
    query = select(DuesCampaign).order_by(DuesCampaign.starts_on.desc(), DuesCampaign.id.desc())
    if not principal.is_staff:
        today = _today()
        query = query.where(DuesCampaign.starts_on <= today, DuesCampaign.ends_on >= today)
    return list(db.session.scalars(query))


def campaign_totals(principal: Principal, campaign_id: int) -> dict:
    """Paid special dues of a campaign (WeChat and handed over to the branch) and donor counts per township in the
    caller's scope (refunds and reversals excluded)."""
    campaign = db.session.get(DuesCampaign, campaign_id)
    if campaign is None:
        raise NotFound("找不到该特殊党费活动")
    # Paid WeChat orders and special dues handed over to the branch (not reversed), one row per payment.
    paid = union_all(
        select(DuesOrder.township_id.label("township_id"), DuesOrder.member_id.label("member_id"),
               DuesOrder.amount_fen.label("amount_fen"), DuesOrder.forward_upward.label("forward_upward"))
        .where(DuesOrder.campaign_id == campaign.id, DuesOrder.status == "paid"),
        select(DuesPayment.township_id, DuesPayment.member_id, DuesPayment.amount_fen, DuesPayment.forward_upward)
        .where(DuesPayment.campaign_id == campaign.id, DuesPayment.entry_type == "payment",
               DuesPayment.reversed_at.is_(None)),
    ).subquery()
    rows = db.session.execute(
        select(Township.id, Township.name, func.coalesce(func.sum(paid.c.amount_fen), 0),
               func.count(func.distinct(paid.c.member_id)), func.count(),
               func.count().filter(paid.c.forward_upward.is_(True)))
        .join(paid, paid.c.township_id == Township.id)
        .where(township_filter(principal))
        .group_by(Township.id, Township.name).order_by(Township.name))
    townships = [{"id": tid, "name": name, "amount_fen": int(amount), "donors": donors, "orders": orders,
                  "forward_upward": forward} for tid, name, amount, donors, orders, forward in rows]
    return {
        "campaign": campaign_view(campaign),
        "amount_fen": sum(t["amount_fen"] for t in townships),
        "donors": sum(t["donors"] for t in townships),
        "forward_upward": sum(t["forward_upward"] for t in townships),
        "townships": townships,
    }
