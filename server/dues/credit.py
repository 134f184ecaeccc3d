"""Crediting a WeChat order in SQLAlchemy Core: the guarded move to paid, then the ledger, audit and outbox writes.

The notice path runs, inside one transaction:
  1. the guarded transition `UPDATE dues_orders SET status='paid' … WHERE … AND status='pending' RETURNING …`;
     on PostgreSQL the same statement then locks the member row FOR NO KEY UPDATE (the lock `record_change`
     takes, docs/sync-ordering.md) and returns what the credit needs of it (paid_through, start, activity).
     A concurrent duplicate waits on the order row, then finds it paid and moves nothing;
  2. one read, under that lock, of the member's approved standards and the months credited after paid_through;
  3. the ledger rows, paid_through advanced from where it stood, last activity, the `dues.paid` audit entry,
     the outbox row and (for a notice) the notice's evidence row: one statement with data-modifying CTEs on
     PostgreSQL, the same writes as statements of the transaction on SQLite (which serialises writers).
`paid_through` is advanced incrementally: the walk starts after the old paid_through and reads only the
credited months after it, which is all the full recomputation (`Position.advanced_paid_through`) ever looks at,
so months paid out of order (offline arrears) give the same answer.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, insert, literal, null, select, union_all, update

from server.common.timeutil import current_month, isoformat, month_add, month_of
from server.core.audit import AuditEntry, entry_values
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues.models import DuesLedgerEntry, DuesOrder, DuesStandard, PayNotice
from server.dues.service import WINDOW_MONTHS, Position, start_month
from server.extensions import db

ORDERS = DuesOrder.__table__
MEMBERS = Member.__table__
LEDGER = DuesLedgerEntry.__table__
STANDARDS = DuesStandard.__table__
AUDIT = AuditEntry.__table__
OUTBOX = OutboxChange.__table__
NOTICES = PayNotice.__table__

ORDER_COLUMNS = ("id", "order_no", "member_id", "township_id", "branch_id", "kind", "campaign_id", "months",
                  "amount_fen")
_MEMBER_COLUMNS = ("paid_through", "created_at", "last_activity_at")


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def move_to_paid(criteria: list, from_status: str, values: dict):
    """Flip one order `from_status` → paid; the order's and its member's row (member locked), or None when no
    order matched (missing, another status, another amount)."""
    moved = (update(ORDERS).where(*criteria, ORDERS.c.status == from_status).values(status="paid", **values)
             .returning(*(ORDERS.c[n] for n in ORDER_COLUMNS)))
    if _postgresql():
        flipped = moved.cte("moved")
        return db.session.execute(
            select(flipped, MEMBERS.c.township_id.label("member_township_id"),
                   *(MEMBERS.c[n] for n in _MEMBER_COLUMNS))
            .join_from(flipped, MEMBERS, MEMBERS.c.id == flipped.c.member_id)
            .with_for_update(of=MEMBERS, key_share=True)).one_or_none()
    order = db.session.execute(moved).one_or_none()
    return None if order is None else lock_member(order)


def lock_member(order):
    """The order row joined with its member's, the member locked (after an order moved by other means)."""
    if not isinstance(order, dict):
        order = order._asdict()
    member = db.session.execute(
        select(MEMBERS.c.township_id.label("member_township_id"), *(MEMBERS.c[n] for n in _MEMBER_COLUMNS))
        .where(MEMBERS.c.id == order["member_id"]).with_for_update(key_share=True)).one()
    return _Row({**order, **member._asdict()})


class _Row(dict):
    __getattr__ = dict.__getitem__


def advanced_paid_through(row, new_months: list[str]) -> str | None:
    """paid_through after crediting `new_months`: the walk of `Position.advanced_paid_through`, fed with only
    the months it can reach (credited after the old paid_through). One read, under the member's lock."""
    floor, until = row.paid_through, month_add(current_month(), WINDOW_MONTHS)
    net = func.sum(case((LEDGER.c.entry_type == "payment", 1), else_=-1))
    credited = (select(literal("c").label("what"), LEDGER.c.month, null().label("year"), null().label("version"),
                       null().label("monthly_fen"))
                .where(LEDGER.c.member_id == row.member_id, LEDGER.c.kind == "monthly", LEDGER.c.month <= until,
                       *([LEDGER.c.month > floor] if floor else []))
                .group_by(LEDGER.c.month).having(net > 0))
    standards = select(literal("s"), null(), STANDARDS.c.year, STANDARDS.c.version, STANDARDS.c.monthly_fen).where(
        STANDARDS.c.member_id == row.member_id, STANDARDS.c.approved_at.is_not(None))
    by_year, months = {}, set(new_months)
    for what, month, year, version, monthly_fen in db.session.execute(union_all(credited, standards)):
        if what == "c":
            months.add(month)
        elif year not in by_year or by_year[year].version < version:
            by_year[year] = _Row(version=version, monthly_fen=monthly_fen)
    member = _Row(paid_through=floor, created_at=row.created_at)
    return Position(member=member, by_year=by_year, credited=months, start=start_month(member, by_year),
                    today=current_month()).advanced_paid_through()


def credit(row, transaction_id: str | None, paid_at: datetime, evidence: dict | None = None) -> None:
    """The ledger rows, paid_through, last activity, audit entry and outbox row of an order just moved to paid
    (`row` from `move_to_paid` / `lock_member`), plus the notice's `evidence` row when given. No commit."""
    lines = list(row.months or [])
    ledger = [{"member_id": row.member_id, "township_id": row.township_id, "branch_id": row.branch_id,
               "order_id": row.id, "kind": row.kind, "month": line["month"], "entry_type": "payment",
               "amount_fen": line["amount_fen"], "standard_id": line.get("standard_id"), "booked_at": paid_at}
              for line in lines]
    if row.kind == "special":
        ledger.append({"member_id": row.member_id, "township_id": row.township_id, "branch_id": row.branch_id,
                       "order_id": row.id, "kind": "special", "month": "", "entry_type": "payment",
                       "amount_fen": row.amount_fen, "standard_id": None, "booked_at": paid_at})
    months = [line["month"] for line in lines]
    paid_through = advanced_paid_through(row, months) if row.kind == "monthly" else row.paid_through
    activity = max(filter(None, (row.last_activity_at, paid_at)))
    audited = entry_values("dues.paid", "dues_order", row.order_no,
                           {"kind": row.kind, "months": months, "amount_fen": row.amount_fen},
                           actor=("system", None), member_id=row.member_id, township_id=row.member_township_id)
    paid_month = month_of(paid_at)
    change = {"type": "dues.paid", "member_id": row.member_id, "township_id": row.member_township_id, "at": paid_at,
              "digest_month": paid_month, "data": {
                  "order_no": row.order_no, "kind": row.kind,
                  "months": [{"month": line["month"], "amount_fen": line["amount_fen"]} for line in lines],
                  "campaign_id": row.campaign_id, "amount_fen": row.amount_fen, "paid_at": isoformat(paid_at),
                  "paid_month": paid_month, "transaction_id": transaction_id, "paid_through": paid_through}}
    writes = [insert(AUDIT).values(audited), insert(OUTBOX).values(change)]
    if ledger:
        writes.insert(0, insert(LEDGER).values(ledger))
    if evidence is not None:
        writes.append(insert(NOTICES).values(evidence))
    if paid_through != row.paid_through or activity != row.last_activity_at:
        writes.append(update(MEMBERS).where(MEMBERS.c.id == row.member_id)
                      .values(paid_through=paid_through, last_activity_at=activity, updated_at=audited["at"]))
    if _postgresql():
        *ctes, last = writes
        db.session.execute(last.add_cte(*(w.returning(literal(1)).cte(f"w{i}") for i, w in enumerate(ctes))))
    else:
        for statement in writes:
            db.session.execute(statement)
