"""Recording a new check-in in SQLAlchemy Core: the insert, its outbox row and the member's last activity.

PostgreSQL: one statement, run as its own transaction (autocommit), that
  1. locks the member row FOR NO KEY UPDATE (the lock `record_change` takes; docs/sync-ordering.md),
  2. inserts the check-in ON CONFLICT (event_id, member_id) DO NOTHING, selecting from the locked row,
  3. inserts the `checkin.created` outbox row (seq NULL) from the inserted row, its payload built around
     the new id, and
  4. moves the member's last_activity_at forward, and
  5. adds the member's `checkin.created` audit entry (targeting the new check-in), both only when 2 inserted.
Step 2 reads the row step 1 locked, and 3 to 5 read the row 2 inserted, so the lock is granted before
the outbox row exists; the statement commits as a whole, so the lock is held until the outbox row is
visible: per-member insert order stays commit order. A concurrent duplicate waits on the lock, then finds
the winner's row and inserts nothing (no outbox row, no update).
SQLite (no data-modifying CTEs) runs the same writes as statements of one transaction; SQLite serialises
writers, which gives the same order.
"""
from __future__ import annotations

import functools
import json
from datetime import datetime

from sqlalchemy import JSON, String, bindparam, cast, exists, insert, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.checkins.models import Checkin
from server.common.driversql import DriverStatement
from server.common.timeutil import isoformat, month_of
from server.core.audit import AuditEntry, entry_values
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.extensions import db

CHECKINS = Checkin.__table__
OUTBOX = OutboxChange.__table__
MEMBERS = Member.__table__
AUDIT = AuditEntry.__table__
CHANGE_TYPE = "checkin.created"
_OUTBOX_COLUMNS = ("type", "member_id", "township_id", "at", "digest_month", "data")


def checkin_payload(event, checked_in_at: datetime, late: bool, manual: bool, reason: str | None) -> dict:
    """The `checkin.created` payload after its leading `checkin_id` (docs/changes.md)."""
    return {
        "event_id": event.id, "event_kind": event.kind, "event_title": event.title,
        "event_starts_at": isoformat(event.starts_at), "event_month": month_of(event.starts_at),
        "branch_id": event.branch_id, "checked_in_at": isoformat(checked_in_at), "late": late,
        "manual": manual, "reason": reason,
    }


def insert_recorded(event, member_id: int, township_id: int, values: dict) -> int | None:
    """Insert the check-in `values` (its columns but event_id and member_id) with its outbox row and the
    member's activity stamp, and commit; the new id, or None when the member already had a check-in."""
    at = values["checked_in_at"]
    payload = checkin_payload(event, at, values["late"], values["manual"], values.get("reason"))
    row = {"event_id": event.id, "member_id": member_id, **values}
    outbox = {"type": CHANGE_TYPE, "member_id": member_id, "township_id": township_id, "at": at,
              "digest_month": payload["event_month"]}
    audited = entry_values(CHANGE_TYPE, "checkin", None, {"event_id": event.id, "late": values["late"]},
                           member_id=member_id, township_id=township_id)
    if db.session.get_bind().dialect.name == "postgresql":
        return _insert_postgresql(row, outbox, payload, audited)  # one statement in autocommit: committed
    new_id = _insert_sqlite(row, outbox, payload, audited)
    db.session.commit()
    return new_id


@functools.cache
def _postgresql_statement(row_names: tuple[str, ...], audit_names: tuple[str, ...]) -> DriverStatement:
    """The one statement of a check-in on PostgreSQL, built and compiled once: every value is a bind parameter,
    so a request only binds them (building and hashing the expression was the largest part of a check-in's
    CPU), and it runs on the driver connection directly (server/common/driversql.py)."""
    member = bindparam("member_id", type_=MEMBERS.c.id.type)
    at = bindparam("touch_at", type_=MEMBERS.c.last_activity_at.type)
    locked = select(MEMBERS.c.id).where(MEMBERS.c.id == member).with_for_update(key_share=True).cte("locked")
    inserted = (pg_insert(CHECKINS)
                .from_select(list(row_names), select(*(
                    locked.c.id if n == "member_id" else bindparam(f"c_{n}", type_=CHECKINS.c[n].type)
                    for n in row_names)))
                .on_conflict_do_nothing(index_elements=["event_id", "member_id"])
                .returning(CHECKINS.c.id).cte("inserted"))
    # '{"checkin_id": <id>, ' + the rest of the payload as the ORM would have serialised it.
    data = cast(literal('{"checkin_id": ') + cast(inserted.c.id, String)
                + bindparam("payload_tail", type_=String), JSON)
    change = (insert(OUTBOX)
              .from_select(list(_OUTBOX_COLUMNS),
                           select(*(bindparam(f"o_{n}", type_=OUTBOX.c[n].type) for n in _OUTBOX_COLUMNS[:-1]),
                                  data).select_from(inserted))
              .returning(OUTBOX.c.id).cte("change"))
    touched = (update(MEMBERS)
               .where(MEMBERS.c.id == member, exists(select(inserted.c.id)),
                      or_(MEMBERS.c.last_activity_at.is_(None), MEMBERS.c.last_activity_at < at))
               .values(last_activity_at=at, updated_at=at)
               .returning(MEMBERS.c.id).cte("touched"))
    trail = (insert(AUDIT)
             .from_select([*audit_names, "target_id"],
                          select(*(bindparam(f"a_{n}", type_=AUDIT.c[n].type) for n in audit_names),
                                 cast(inserted.c.id, String)).select_from(inserted))
             .returning(AUDIT.c.id).cte("trail"))
    return DriverStatement(select(inserted.c.id).add_cte(change, touched, trail))


def _insert_postgresql(row: dict, outbox: dict, payload: dict, audited: dict) -> int | None:
    audit_names = tuple(n for n in audited if n != "target_id")
    params = {"member_id": row["member_id"], "touch_at": row["checked_in_at"],
              "payload_tail": ", " + json.dumps(payload)[1:],
              **{f"c_{n}": v for n, v in row.items() if n != "member_id"},
              **{f"o_{n}": outbox[n] for n in _OUTBOX_COLUMNS[:-1]},
              **{f"a_{n}": audited[n] for n in audit_names}}
    written = _postgresql_statement(tuple(row), audit_names).first(**params)
    return written and written.id


def _insert_sqlite(row: dict, outbox: dict, payload: dict, audited: dict) -> int | None:
    new_id = db.session.execute(
        sqlite_insert(CHECKINS).values(row).on_conflict_do_nothing(index_elements=["event_id", "member_id"])
        .returning(CHECKINS.c.id)).scalar()
    if new_id is not None:
        at = row["checked_in_at"]
        db.session.execute(insert(OUTBOX).values(**outbox, data={"checkin_id": new_id, **payload}))
        db.session.execute(update(MEMBERS).where(
            MEMBERS.c.id == row["member_id"],
            or_(MEMBERS.c.last_activity_at.is_(None), MEMBERS.c.last_activity_at < at),
        ).values(last_activity_at=at, updated_at=at))
        db.session.execute(insert(AUDIT).values({**audited, "target_id": str(new_id)}))
    return new_id
