"""Keeping the dashboard roll-ups from the outbox, incrementally, exactly once per change.

Reading the outbox safely
-------------------------
Outbox ids come from a sequence when the row is inserted, but rows become visible when their
transaction commits. On PostgreSQL a transaction holding id 100 can commit after one holding id 101,
so a reader that only remembers "the highest id seen" would skip 100 forever. (The sync feature's
`seq` is assigned after commit, but the roll-up does not depend on it.)

The roll-up therefore keeps a high-water mark plus an explicit list of *gaps*:

* every batch reads rows `id > high_water` in id order; any id it jumps over below the largest id it
  read is written to `rollup_gaps` (in the same transaction), and `high_water` moves to that id;
* every batch also re-reads the outbox rows whose ids are open gaps: a late commit is applied then,
  and its gap row deleted in the same transaction;
* a gap is dropped (its id was a rolled-back insert) only once no transaction that could still own
  it is open: it is older than GAP_GRACE and, on PostgreSQL, older than the oldest transaction still
  open on the database (`pg_stat_activity.xact_start`). A gap's id was drawn before a larger id that
  had committed when the gap was recorded, so the owning transaction started before `seen_at`.

So "applied" means: id <= high_water and not an open gap. The cursor, gap changes and roll-up
updates commit together, and concurrent runners queue on the cursor row lock (SQLite serialises
writers anyway), so running the job twice, or two workers at once, never counts a change twice.
SQLite has one writer at a time, so there ids also become visible in order.

What is counted
---------------
`member_month_activity` holds per member and month how many report-ins, check-ins (by `event_month`)
and monthly-dues orders (by `paid_month`, net of refunds) there were; a flag is "count > 0", which
dedupes "at least once this month". `branch_month_stats` holds per (township, mobile branch, month):
distinct members with each flag *among members whose status is active* (so a rate never exceeds
1), and volumes: check-ins and fen paid / special / refunded (a refund subtracts from the month of
the payment it reverses). `rollup_members` is the member's organisation and status as applied in
outbox order (first taken from `members`, then moved by `member.status_changed` /
`member.upserted`); when a member leaves or re-enters active status or moves branch, their monthly
flags are moved between the counters, so after the outbox is drained the counters match the current
roster.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text

from server.common.timeutil import month_of, utcnow
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.dashboard.models import (
    BranchMonthStats,
    MemberMonthActivity,
    RollupCursor,
    RollupGap,
    RollupMember,
)
from server.extensions import db, is_postgresql

log = logging.getLogger(__name__)

CURSOR = "dashboard"
GAP_GRACE = timedelta(minutes=5)
BATCH_SIZE = 5000
_CHUNK = 900

# (activity column, branch_month_stats column counting distinct active members with it)
FLAGS = (("reports", "reported_members"), ("checkins", "checkin_members"), ("paid_orders", "paid_members"))
ACTIVITY_TYPES = ("report.created", "checkin.created", "dues.paid", "dues.refunded")
ORG_TYPES = ("member.status_changed", "member.upserted")


def run(batch_size: int = BATCH_SIZE, max_batches: int | None = None) -> int:
    """Apply every outbox change not yet applied, one transaction per batch; returns how many."""
    total = batches = 0
    while True:
        applied, more = apply_batch(batch_size)
        total += applied
        batches += 1
        if not more or (max_batches is not None and batches >= max_batches):
            return total


def apply_batch(limit: int = BATCH_SIZE) -> tuple[int, bool]:
    """One unit of work: late rows filling gaps plus up to `limit` new rows; (applied, more waiting)."""
    try:
        cursor = _lock_cursor()
        late = _rows(OutboxChange.id.in_(select(RollupGap.outbox_id)))
        fresh = _rows(OutboxChange.id > cursor.high_water, limit=limit)
        clock = _clock()
        gaps, expected = [], cursor.high_water + 1
        for row in fresh:
            gaps.extend(range(expected, row.id))
            expected = row.id + 1
        rows = sorted(late + fresh, key=lambda r: r.id)
        if rows:
            _Apply(rows).write()
        if late:
            db.session.execute(delete(RollupGap).where(RollupGap.outbox_id.in_([r.id for r in late])))
        if gaps:
            db.session.execute(RollupGap.__table__.insert(), [{"outbox_id": g, "seen_at": clock} for g in gaps])
        _expire_gaps(clock)
        if fresh:
            cursor.high_water = fresh[-1].id
        cursor.applied += len(rows)
        cursor.updated_at = utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(rows), len(fresh) == limit


def status() -> dict:
    """Where the roll-up stands: high-water mark, open gaps, changes applied."""
    cursor = db.session.get(RollupCursor, CURSOR)
    gaps = db.session.scalar(select(func.count()).select_from(RollupGap))
    return {"high_water": cursor.high_water if cursor else 0, "applied": cursor.applied if cursor else 0,
            "open_gaps": gaps}


def state_columns() -> tuple:
    """(high-water mark, changes applied, open gaps) as scalar subqueries, to read along with another statement."""
    def cursor(column):
        return func.coalesce(select(column).where(RollupCursor.name == CURSOR).scalar_subquery(), 0)
    return (cursor(RollupCursor.high_water), cursor(RollupCursor.applied),
            select(func.count()).select_from(RollupGap).scalar_subquery())


def state() -> tuple[int, int, int]:
    """(high-water mark, changes applied, open gaps) in one statement: what moves when a change is applied."""
    return tuple(db.session.execute(select(*state_columns())).one())


def _insert(model):
    if is_postgresql():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model.__table__)


def upsert(model, rows: list[dict], keys: tuple[str, ...], add: tuple[str, ...] = ()) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE: `add` columns are incremented, the others overwritten."""
    if not rows:
        return
    stmt = _insert(model)
    table = model.__table__
    updates = {c: (table.c[c] + stmt.excluded[c]) if c in add else stmt.excluded[c] for c in rows[0] if c not in keys}
    db.session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=updates), rows)


def insert_ignore(model, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: rows clashing with any unique index are skipped."""
    if rows:
        db.session.execute(_insert(model).on_conflict_do_nothing(), rows)


def _lock_cursor() -> RollupCursor:
    insert_ignore(RollupCursor, [{"name": CURSOR, "high_water": 0, "applied": 0, "updated_at": utcnow()}])
    # The insert above already holds SQLite's write lock; PostgreSQL queues runners on this row lock.
    return db.session.execute(
        select(RollupCursor).where(RollupCursor.name == CURSOR).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _rows(where, limit: int | None = None) -> list:
    stmt = (select(OutboxChange.id, OutboxChange.type, OutboxChange.member_id, OutboxChange.township_id,
                   OutboxChange.at, OutboxChange.data).where(where).order_by(OutboxChange.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt))


def _clock() -> datetime:
    """The database's wall clock on PostgreSQL (compared with xact_start), else ours."""
    if is_postgresql():
        return db.session.scalar(text("SELECT clock_timestamp()"))
    return utcnow()


def _expire_gaps(clock: datetime) -> None:
    cutoff = clock - GAP_GRACE
    if is_postgresql():
        oldest = db.session.scalar(text(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"))
        if oldest is not None:
            cutoff = min(cutoff, oldest)
    db.session.execute(delete(RollupGap).where(RollupGap.seen_at < cutoff))


def _chunks(values) -> list[list]:
    values = list(values)
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _month(row) -> str:
    key = "month" if row.type == "report.created" else "event_month" if row.type == "checkin.created" else "paid_month"
    return (row.data or {}).get(key) or month_of(row.at)


_ACTIVITY = select(MemberMonthActivity.member_id, MemberMonthActivity.month, MemberMonthActivity.reports,
                   MemberMonthActivity.checkins, MemberMonthActivity.paid_orders)


class _Apply:
    """Applies a batch of outbox rows in memory, then writes the deltas with three statements."""

    def __init__(self, rows: list):
        self.rows = rows
        self.states: dict[int, dict] = {}
        self.dirty_states: set[int] = set()
        self.activity: dict[tuple[int, str], dict] = {}
        self.months: dict[int, set[str]] = defaultdict(set)
        self.dirty_activity: set[tuple[int, str]] = set()
        self.stats: dict[tuple[int, int, str], dict] = defaultdict(lambda: defaultdict(int))
        self._load()

    def _load(self) -> None:
        member_ids = {r.member_id for r in self.rows if r.member_id is not None}
        for chunk in _chunks(member_ids):
            for s in db.session.execute(select(RollupMember.member_id, RollupMember.township_id,
                                               RollupMember.branch_id, RollupMember.status)
                                        .where(RollupMember.member_id.in_(chunk))):
                self.states[s.member_id] = {"township_id": s.township_id, "branch_id": s.branch_id,
                                            "status": s.status}
        missing = member_ids - set(self.states)
        for chunk in _chunks(missing):
            for m in db.session.execute(select(Member.id, Member.township_id, Member.mobile_branch_id,
                                               Member.status).where(Member.id.in_(chunk))):
                self.states[m.id] = {"township_id": m.township_id, "branch_id": m.mobile_branch_id,
                                     "status": m.status}
                self.dirty_states.add(m.id)
        for row in self.rows:  # a change for a member no longer on the roster: volumes only
            if row.member_id is not None and row.member_id not in self.states:
                self.states[row.member_id] = {"township_id": row.township_id or 0, "branch_id": 0, "status": "unknown"}

        whole = {r.member_id for r in self.rows if r.type in ORG_TYPES and r.member_id is not None}
        wanted = {(r.member_id, _month(r)) for r in self.rows
                  if r.type in ACTIVITY_TYPES and r.member_id is not None and r.member_id not in whole}
        months = {m for _, m in wanted}
        for chunk in _chunks(whole):
            self._take(_ACTIVITY.where(MemberMonthActivity.member_id.in_(chunk)))
        for chunk in _chunks({m for m, _ in wanted}):
            self._take(_ACTIVITY.where(MemberMonthActivity.member_id.in_(chunk), MemberMonthActivity.month.in_(months)))

    def _take(self, stmt) -> None:
        for a in db.session.execute(stmt):
            self.activity[(a.member_id, a.month)] = {"reports": a.reports, "checkins": a.checkins,
                                                      "paid_orders": a.paid_orders}
            self.months[a.member_id].add(a.month)

    def write(self) -> None:
        for row in self.rows:
            if row.member_id is None:
                continue
            handler = _HANDLERS.get(row.type)
            if handler:
                handler(self, row)
        upsert(RollupMember, [{"member_id": m, **self.states[m]} for m in sorted(self.dirty_states)], ("member_id",))
        upsert(MemberMonthActivity, [{"member_id": m, "month": mo, **self.activity[(m, mo)]}
                                      for m, mo in sorted(self.dirty_activity)], ("member_id", "month"))
        columns = ("reported_members", "checkin_members", "paid_members", "checkins", "paid_fen",
                   "special_fen", "refunded_fen")
        rows = [{"township_id": t, "branch_id": b, "month": mo, **{c: delta.get(c, 0) for c in columns}}
                for (t, b, mo), delta in sorted(self.stats.items()) if any(delta.values())]
        upsert(BranchMonthStats, rows, ("township_id", "branch_id", "month"), add=columns)

    # -- changes ----------------------------------------------------------------------------------

    def _stats_of(self, member_id: int, month: str) -> dict:
        state = self.states[member_id]
        return self.stats[(state["township_id"], state["branch_id"], month)]

    def _bump(self, member_id: int, month: str, column: str, delta: int) -> None:
        key = (member_id, month)
        act = self.activity.get(key)
        if act is None:
            act = self.activity[key] = {"reports": 0, "checkins": 0, "paid_orders": 0}
            self.months[member_id].add(month)
        before = act[column] > 0
        act[column] += delta
        self.dirty_activity.add(key)
        after = act[column] > 0
        if before != after and self.states[member_id]["status"] == "active":
            counter = dict(FLAGS)[column]
            self._stats_of(member_id, month)[counter] += 1 if after else -1

    def report(self, row) -> None:
        self._bump(row.member_id, _month(row), "reports", 1)

    def checkin(self, row) -> None:
        month = _month(row)
        self._bump(row.member_id, month, "checkins", 1)
        self._stats_of(row.member_id, month)["checkins"] += 1

    def dues(self, row) -> None:
        data, month = row.data or {}, _month(row)
        sign = 1 if row.type == "dues.paid" else -1
        amount = int(data.get("amount_fen") or 0)
        stats = self._stats_of(row.member_id, month)
        stats["paid_fen"] += sign * amount
        if sign < 0:
            stats["refunded_fen"] += amount
        if data.get("kind") == "special":
            stats["special_fen"] += sign * amount
        else:
            self._bump(row.member_id, month, "paid_orders", sign)

    def org(self, row) -> None:
        data = row.data or {}
        state = self.states[row.member_id]
        new = dict(state)
        if row.type == "member.status_changed":
            new["status"] = data.get("to") or state["status"]
        else:
            new["status"] = data.get("status") or state["status"]
            new["township_id"] = (data.get("township") or {}).get("id") or state["township_id"]
            new["branch_id"] = (data.get("mobile_branch") or {}).get("id") or state["branch_id"]
        if new == state:
            return
        if state["status"] == "active":
            self._count_member(row.member_id, -1)
        self.states[row.member_id] = new
        self.dirty_states.add(row.member_id)
        if new["status"] == "active":
            self._count_member(row.member_id, 1)

    def _count_member(self, member_id: int, sign: int) -> None:
        """Add (or take away) a member's monthly flags to the counters of their current branch."""
        for month in self.months[member_id]:
            act = self.activity[(member_id, month)]
            stats = self._stats_of(member_id, month)
            for column, counter in FLAGS:
                if act[column] > 0:
                    stats[counter] += sign


_HANDLERS = {
    "report.created": _Apply.report,
    "checkin.created": _Apply.checkin,
    "dues.paid": _Apply.dues,
    "dues.refunded": _Apply.dues,
    "member.status_changed": _Apply.org,
    "member.upserted": _Apply.org,
}
