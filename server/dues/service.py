"""Dues standards and what a member owes.

Decisions (documented in the OpenAPI descriptions too):
- A standard counts once approved. Every category but hardship is approved when set; a hardship standard set by
  a secretary waits for a township admin (set by a township or county admin it is approved at once). Until it is
  approved the member's previous approved standard keeps applying; when there is none, nothing is owed yet.
- The standard of month M is the newest approved version for M's year; a year without one carries the most
  recent earlier year's standard forward until the branch sets the new one.
- A member owes from their start month — the later of January of the year of their first approved standard and
  the month their record was created — up to the current month, except months credited in the ledger, months
  up to `paid_through` (it may come from a transfer letter) and months whose standard is 0 fen (hardship exemption).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from server.common.timeutil import (
    current_month,
    isoformat,
    month_add,
    month_of,
    month_range,
    utcnow,
)
from server.core import audit
from server.core.accounts import actor_name
from server.core.member_changes import record_member_upserted
from server.core.members import Member
from server.core.outbox import record_change
from server.core.scope import require_member
from server.core.tokens import Principal
from server.dues import rules
from server.dues.models import DuesLedgerEntry, DuesMonthClaim, DuesOrder, DuesStandard
from server.errors import Conflict, NotFound, Unprocessable
from server.extensions import db

WINDOW_MONTHS = 6  # paying ahead or making up: at most 6 months each way from the current month


def rate_text(rate) -> str | None:
    """A rate as a plain decimal string ("0.005"), exact."""
    if rate is None:
        return None
    text = format(Decimal(rate).normalize(), "f")
    return text


def standard_change(standard: DuesStandard) -> dict:
    """The `standard.set` outbox payload (docs/changes.md)."""
    return {
        "year": standard.year, "category": standard.category, "income_base_fen": standard.income_base_fen,
        "rate": rate_text(standard.rate), "monthly_fen": standard.monthly_fen, "reason": standard.reason,
        "set_by": standard.set_by, "set_at": isoformat(standard.set_at), "approved": standard.approved,
    }


def _compute(category: str, income_base_fen, monthly_fen, reason) -> rules.Computed:
    try:
        return rules.compute(category, income_base_fen=income_base_fen, monthly_fen=monthly_fen, reason=reason)
    except rules.RuleError as err:
        raise Unprocessable(err.message, code="dues_standard_invalid", errors={err.field: [err.message]}) from err


def add_standard(member: Member, *, year: int, category: str, income_base_fen: int | None,
                 monthly_fen: int | None, reason: str | None, set_by: str, approve: bool) -> DuesStandard:
    """Add a new standard version inside the caller's transaction (history, audit, outbox; no commit)."""
    computed = _compute(category, income_base_fen, monthly_fen, reason)
    latest = db.session.scalar(
        select(func.max(DuesStandard.version)).where(DuesStandard.member_id == member.id, DuesStandard.year == year))
    now = utcnow()
    auto_approved = category != "hardship" or approve
    standard = DuesStandard(
        member_id=member.id, year=year, version=(latest or 0) + 1, category=category,
        income_base_fen=computed.income_base_fen, rate=computed.rate, monthly_fen=computed.monthly_fen,
        reason=(reason or "").strip() or None, set_by=set_by, set_at=now,
        approved_by=set_by if auto_approved else None, approved_at=now if auto_approved else None,
    )
    db.session.add(standard)
    db.session.flush()
    audit.record("dues.standard_set", "member", member.id,
                 {"standard_id": standard.id, "year": year, "category": category, "monthly_fen": standard.monthly_fen,
                  "income_base_fen": standard.income_base_fen, "approved": standard.approved})
    record_change("standard.set", member, standard_change(standard), at=now)
    return standard


def set_standard(principal: Principal, member_id: int, data: dict) -> DuesStandard:
    """PUT a member's standard for a year: always a new version (staff in the member's scope)."""
    member = require_member(principal, db.session.get(Member, member_id))
    approve = principal.staff_role in ("township_admin", "county_admin")
    try:
        standard = add_standard(member, year=data["year"], category=data["category"],
                                income_base_fen=data.get("income_base_fen"), monthly_fen=data.get("monthly_fen"),
                                reason=data.get("reason"), set_by=actor_name(principal), approve=approve)
        db.session.flush()
        settle_exempt_months(member)
        db.session.commit()
    except IntegrityError as err:
        db.session.rollback()
        raise Conflict("该党员的党费标准正在被同时修改，请刷新后重试", code="standard_conflict") from err
    return standard


def approve_standard(principal: Principal, standard_id: int) -> DuesStandard:
    """A township (or county) admin approves a pending hardship standard; it then applies."""
    standard = db.session.get(DuesStandard, standard_id, with_for_update=True)
    if standard is None:
        raise NotFound("找不到该党费标准")
    member = db.session.get(Member, standard.member_id)
    try:
        require_member(principal, member)
    except NotFound:
        raise NotFound("找不到该党费标准") from None
    if standard.approved:
        raise Conflict("该党费标准已经批准", code="standard_already_approved")
    newest = db.session.scalar(select(func.max(DuesStandard.version)).where(
        DuesStandard.member_id == standard.member_id, DuesStandard.year == standard.year))
    if newest != standard.version:
        raise Conflict("该党费标准已被更新的版本取代", code="standard_superseded")
    now = utcnow()
    standard.approved_by, standard.approved_at = actor_name(principal), now
    audit.record("dues.standard_approved", "member", member.id, {"standard_id": standard.id})
    record_change("standard.set", member, standard_change(standard), at=now)
    db.session.flush()
    settle_exempt_months(member)
    db.session.commit()
    return standard


def settle_exempt_months(member: Member) -> bool:
    """Move paid_through over exempt (0 fen) months up to this month, so an approved exemption is never
    counted as arrears; the townships hear of the new paid_through. Inside the caller's transaction."""
    settled = position(member).advanced_paid_through(until=current_month())
    if settled == member.paid_through:
        return False
    audit.record("dues.exempt_months_settled", "member", member.id, {"from": member.paid_through, "to": settled},
                 actor=("system", None))
    member.paid_through = settled
    record_member_upserted(member)
    return True


def settle_all_exempt_months() -> int:
    """For every member with an approved 0-fen standard this year, settle the exempt months (one transaction)."""
    year = int(current_month()[:4])
    member_ids = list(db.session.scalars(select(DuesStandard.member_id).where(
        DuesStandard.year == year, DuesStandard.monthly_fen == 0, DuesStandard.approved_at.is_not(None)).distinct()))
    settled = 0
    for member_id in member_ids:
        member = db.session.get(Member, member_id, with_for_update=True)
        settled += settle_exempt_months(member)
    db.session.commit()
    return settled


def standard_history(principal: Principal, member_id: int) -> list[DuesStandard]:
    """Every version of a member's standards, newest first."""
    require_member(principal, db.session.get(Member, member_id))
    history = list(db.session.scalars(select(DuesStandard).where(DuesStandard.member_id == member_id)
                                      .order_by(DuesStandard.year.desc(), DuesStandard.version.desc())))
    audit.record("dues.standards_read", "member", member_id, None)
    db.session.commit()
    return history


# ---- what a member owes ----------------------------------------------------------------------------

def approved_by_year(member_ids: list[int]) -> dict[int, dict[int, DuesStandard]]:
    """member_id → {year → the newest approved version}."""
    rows = db.session.scalars(select(DuesStandard).where(
        DuesStandard.member_id.in_(member_ids), DuesStandard.approved_at.is_not(None))
        .order_by(DuesStandard.version))
    result: dict[int, dict[int, DuesStandard]] = {m: {} for m in member_ids}
    for row in rows:
        result[row.member_id][row.year] = row  # ascending versions: the newest wins
    return result


def standard_of_month(by_year: dict[int, DuesStandard], month: str) -> DuesStandard | None:
    """The standard applying to a month: its year's, else carried forward from the latest earlier year."""
    year = int(month[:4])
    earlier = [y for y in by_year if y <= year]
    return by_year[max(earlier)] if earlier else None


def credited_months(member_ids: list[int]) -> dict[int, set[str]]:
    """member_id → months with a net payment in the ledger (payments minus reversals)."""
    net = func.sum(case((DuesLedgerEntry.entry_type == "payment", 1), else_=-1))
    rows = db.session.execute(
        select(DuesLedgerEntry.member_id, DuesLedgerEntry.month).where(
            DuesLedgerEntry.member_id.in_(member_ids), DuesLedgerEntry.kind == "monthly")
        .group_by(DuesLedgerEntry.member_id, DuesLedgerEntry.month).having(net > 0))
    result: dict[int, set[str]] = {m: set() for m in member_ids}
    for member_id, month in rows:
        result[member_id].add(month)
    return result


@dataclass
class Position:
    """A member's dues position now."""

    member: Member
    by_year: dict[int, DuesStandard]
    credited: set[str]
    start: str | None
    today: str

    def standard(self, month: str) -> DuesStandard | None:
        return standard_of_month(self.by_year, month)

    def covered(self, month: str) -> bool:
        """Paid, before paid_through, or exempt (0 fen)."""
        std = self.standard(month)
        return (month in self.credited or (self.member.paid_through is not None and month <= self.member.paid_through)
                or (std is not None and std.monthly_fen == 0))

    def unpaid_until(self, last: str) -> list[tuple[str, DuesStandard]]:
        """Months from the start to `last` still to pay, oldest first, with their standard."""
        if self.start is None:
            return []
        return [(m, self.standard(m)) for m in month_range(self.start, last)
                if not self.covered(m) and self.standard(m) is not None]

    def owed(self) -> list[tuple[str, DuesStandard]]:
        return self.unpaid_until(self.today)

    def payable(self) -> list[tuple[str, DuesStandard]]:
        """What may be paid now: owed months and up to 6 months ahead."""
        return self.unpaid_until(month_add(self.today, WINDOW_MONTHS))

    def advanced_paid_through(self, until: str | None = None) -> str | None:
        """paid_through moved forward over every covered month that follows it (up to `until`)."""
        if self.start is None:
            return self.member.paid_through
        current = self.member.paid_through
        cursor = month_add(current, 1) if current and current >= self.start else self.start
        last = None
        until = until or month_add(self.today, WINDOW_MONTHS)
        while cursor <= until and self.covered(cursor):
            last, cursor = cursor, month_add(cursor, 1)
        if last is None or (current and last <= current):
            return current
        return last


def start_month(member: Member, by_year: dict[int, DuesStandard]) -> str | None:
    """The later of January of the first approved standard's year and the month the member was created."""
    if not by_year:
        return None
    return max(f"{min(by_year):04d}-01", month_of(member.created_at))


def position(member: Member) -> Position:
    """The member's dues position (reads only)."""
    by_year = approved_by_year([member.id])[member.id]
    return Position(member=member, by_year=by_year, credited=credited_months([member.id])[member.id],
                    start=start_month(member, by_year), today=current_month())


# ---- open orders -----------------------------------------------------------------------------------

def close_locally(order_id: int) -> bool:
    """pending → closed, freeing its months (inside the caller's transaction)."""
    flipped = db.session.execute(update(DuesOrder).where(DuesOrder.id == order_id, DuesOrder.status == "pending")
                                 .values(status="closed", closed_at=utcnow())).rowcount == 1
    if flipped:
        db.session.execute(delete(DuesMonthClaim).where(DuesMonthClaim.order_id == order_id))
    return flipped
