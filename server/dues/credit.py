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

Every statement is built once, with bind parameters for all that varies (building and compiling them was
most of a notice's CPU): on PostgreSQL the ledger rows arrive as one JSON array read by `json_to_recordset`,
so an order of one month and one of twelve share one statement. They are `DriverStatement`s
(server/common/driversql.py): inside the notice's `driversql.transaction()` they run on the psycopg connection
directly, anywhere else (reconciliation, a transfer closing orders, SQLite) through the session in the
caller's transaction.
"""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import (
    JSON,
    Integer,
    String,
    bindparam,
    case,
    column,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)

from server.common.driversql import DriverStatement
from server.common.timeutil import current_month, isoformat, month_add, month_of
from server.core.audit import AuditEntry, entry_values
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dues.models import DuesLedgerEntry, DuesOrder, DuesStandard, PayNotice
from server.dues.service import WINDOW_MONTHS, Position, start_month
from server.extensions import db, is_postgresql

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
_LINE_COLUMNS = ("month", "amount_fen", "standard_id")
_LEDGER_FIXED = ("member_id", "township_id", "branch_id", "order_id", "kind", "entry_type", "booked_at")
_AUDIT_COLUMNS = ("at", "actor_type", "actor_id", "action", "target_type", "target_id", "ip", "detail",
                  "member_id", "township_id")
_OUTBOX_COLUMNS = ("type", "member_id", "township_id", "at", "digest_month", "data")
_NOTICE_COLUMNS = ("out_trade_no", "transaction_id", "raw", "received_at", "outcome")
_TOUCH_COLUMNS = ("paid_through", "last_activity_at", "updated_at")


def _binds(table, names, prefix: str) -> dict:
    return {n: bindparam(f"{prefix}{n}", type_=table.c[n].type) for n in names}


def _named(values: dict, prefix: str) -> dict:
    return {f"{prefix}{n}": v for n, v in values.items()}


@functools.cache
def _move_statement(key: tuple[str, ...], postgresql: bool) -> DriverStatement:
    """The guarded pending → paid move for an order found by the `key` columns (id, or number and amount)."""
    where = [ORDERS.c[n] == bindparam(f"k_{n}", type_=ORDERS.c[n].type) for n in key]
    moved = (update(ORDERS).where(*where, ORDERS.c.status == "pending")
             .values(status="paid", **_binds(ORDERS, ("paid_at", "transaction_id"), "v_"))
             .returning(*(ORDERS.c[n] for n in ORDER_COLUMNS)))
    if not postgresql:
        return DriverStatement(moved)
    flipped = moved.cte("moved")
    return DriverStatement(
        select(flipped, MEMBERS.c.township_id.label("member_township_id"), *(MEMBERS.c[n] for n in _MEMBER_COLUMNS))
        .join_from(flipped, MEMBERS, MEMBERS.c.id == flipped.c.member_id).with_for_update(of=MEMBERS, key_share=True))


_LOCK_MEMBER = DriverStatement(
    select(MEMBERS.c.township_id.label("member_township_id"), *(MEMBERS.c[n] for n in _MEMBER_COLUMNS))
    .where(MEMBERS.c.id == bindparam("member_id", type_=MEMBERS.c.id.type)).with_for_update(key_share=True))
_ORDER_BY_NUMBER = DriverStatement(
    select(ORDERS.c.id, ORDERS.c.status, ORDERS.c.amount_fen, ORDERS.c.transaction_id)
    .where(ORDERS.c.order_no == bindparam("order_no", type_=ORDERS.c.order_no.type)))
_EVIDENCE = DriverStatement(insert(NOTICES).values(_binds(NOTICES, _NOTICE_COLUMNS, "n_")))


def order_by_number(order_no: str):
    """The order's id, status, amount and transaction id (a named tuple), or None."""
    found = _ORDER_BY_NUMBER.rows(order_no=order_no)
    return found[0] if found else None


def record_evidence(evidence: dict) -> None:
    """The notice's evidence row (out_trade_no, transaction_id, raw, received_at, outcome)."""
    _EVIDENCE.rows(**_named(evidence, "n_"))


def move_to_paid(key: dict, values: dict):
    """Flip the order whose columns equal `key` from pending to paid with `values` (paid_at, transaction_id); the
    order's and its member's row (member locked), or None when no order matched (missing, another status, another
    amount)."""
    postgresql = is_postgresql()
    moved = _move_statement(tuple(key), postgresql).rows(**_named(key, "k_"), **_named(values, "v_"))
    if not moved:
        return None
    return moved[0] if postgresql else lock_member(moved[0])


def lock_member(order):
    """The order row joined with its member's, the member locked (after an order moved by other means)."""
    if not isinstance(order, dict):
        order = order._asdict()
    member, = _LOCK_MEMBER.rows(member_id=order["member_id"])
    return _Row({**order, **member._asdict()})


class _Row(dict):
    __getattr__ = dict.__getitem__


@functools.cache
def _history_statement(above_floor: bool) -> DriverStatement:
    """The months credited after paid_through (`above_floor`) or ever, with the member's approved standards."""
    member = bindparam("member_id", type_=LEDGER.c.member_id.type)
    net = func.sum(case((LEDGER.c.entry_type == "payment", 1), else_=-1))
    credited = (select(literal("c").label("what"), LEDGER.c.month, null().label("year"), null().label("version"),
                       null().label("monthly_fen"))
                .where(LEDGER.c.member_id == member, LEDGER.c.kind == "monthly",
                       LEDGER.c.month <= bindparam("until", type_=LEDGER.c.month.type),
                       *([LEDGER.c.month > bindparam("floor", type_=LEDGER.c.month.type)] if above_floor else []))
                .group_by(LEDGER.c.month).having(net > 0))
    standards = select(literal("s"), null(), STANDARDS.c.year, STANDARDS.c.version, STANDARDS.c.monthly_fen).where(
        STANDARDS.c.member_id == member, STANDARDS.c.approved_at.is_not(None))
    return DriverStatement(union_all(credited, standards))


def advanced_paid_through(row, new_months: list[str]) -> str | None:
    """paid_through after crediting `new_months`: the walk of `Position.advanced_paid_through`, fed with only
    the months it can reach (credited after the old paid_through). One read, under the member's lock."""
    floor, until = row.paid_through, month_add(current_month(), WINDOW_MONTHS)
    params = {"member_id": row.member_id, "until": until, **({"floor": floor} if floor else {})}
    by_year, months = {}, set(new_months)
    for what, month, year, version, monthly_fen in _history_statement(bool(floor)).rows(**params):
        if what == "c":
            months.add(month)
        elif year not in by_year or by_year[year].version < version:
            by_year[year] = _Row(version=version, monthly_fen=monthly_fen)
    member = _Row(paid_through=floor, created_at=row.created_at)
    return Position(member=member, by_year=by_year, credited=months, start=start_month(member, by_year),
                    today=current_month()).advanced_paid_through()


def _inserts(with_evidence: bool, touch_member: bool) -> list:
    """The audit, outbox, evidence and member writes of a credit, every value a bind parameter."""
    writes = [insert(AUDIT).values(_binds(AUDIT, _AUDIT_COLUMNS, "a_")),
              insert(OUTBOX).values(_binds(OUTBOX, _OUTBOX_COLUMNS, "o_"))]
    if with_evidence:
        writes.append(_EVIDENCE.statement)
    if touch_member:
        writes.append(update(MEMBERS).where(MEMBERS.c.id == bindparam("m_id", type_=MEMBERS.c.id.type))
                      .values(_binds(MEMBERS, _TOUCH_COLUMNS, "m_")))
    return writes


@functools.cache
def _writes_postgresql(with_evidence: bool, touch_member: bool) -> DriverStatement:
    """All the writes of a credit as one statement: the ledger rows from the JSON array `lines`, the rest as CTEs."""
    line = (func.json_to_recordset(bindparam("lines", type_=JSON))
            .table_valued(column("month", String), column("amount_fen", Integer), column("standard_id", Integer))
            .render_derived(name="line", with_types=True))
    fixed = _binds(LEDGER, _LEDGER_FIXED, "l_")
    ledger = insert(LEDGER).from_select(
        [*_LEDGER_FIXED, *_LINE_COLUMNS], select(*fixed.values(), *(line.c[n] for n in _LINE_COLUMNS)))
    *ctes, last = [ledger, *_inserts(with_evidence, touch_member)]
    return DriverStatement(last.add_cte(*(w.returning(literal(1)).cte(f"w{i}") for i, w in enumerate(ctes))))


@functools.cache
def _writes_sqlite(with_evidence: bool, touch_member: bool) -> list:
    return [insert(LEDGER), *_inserts(with_evidence, touch_member)]


def credit(row, transaction_id: str | None, paid_at: datetime, evidence: dict | None = None) -> None:
    """The ledger rows, paid_through, last activity, audit entry and outbox row of an order just moved to paid
    (`row` from `move_to_paid` / `lock_member`), plus the notice's `evidence` row when given. No commit."""
    lines = list(row.months or [])
    ledger = [{"month": line["month"], "amount_fen": line["amount_fen"], "standard_id": line.get("standard_id")}
              for line in lines]
    if row.kind == "special":
        ledger.append({"month": "", "amount_fen": row.amount_fen, "standard_id": None})
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
    fixed = {"member_id": row.member_id, "township_id": row.township_id, "branch_id": row.branch_id,
             "order_id": row.id, "kind": row.kind, "entry_type": "payment", "booked_at": paid_at}
    touch = paid_through != row.paid_through or activity != row.last_activity_at
    params = {**_named(audited, "a_"), **_named(change, "o_"), **_named(evidence or {}, "n_"),
              **({"m_id": row.member_id, "m_paid_through": paid_through, "m_last_activity_at": activity,
                  "m_updated_at": audited["at"]} if touch else {})}
    if is_postgresql():
        _writes_postgresql(evidence is not None, touch).rows(**params, **_named(fixed, "l_"), lines=ledger)
        return
    ledger_statement, *writes = _writes_sqlite(evidence is not None, touch)
    if ledger:
        db.session.execute(ledger_statement, [{**fixed, **line} for line in ledger])
    for statement in writes:
        db.session.execute(statement, params)
