"""Recording a new check-in in SQLAlchemy Core: the insert, its outbox row and the member's last activity.

PostgreSQL: one statement, run as its own transaction (autocommit), that
  1. locks the member row FOR NO KEY UPDATE (the lock `record_change` takes; docs/sync-ordering.md), only
     while the member may attend the event and the event's row still equals the copy the caller validated
     against (status, time, place, title …: a worker's kept copy, server/checkins/checkin.py),
  2. inserts the check-in ON CONFLICT (event_id, member_id) DO NOTHING, selecting from the locked row,
  3. inserts the `checkin.created` outbox row (seq NULL) from the inserted row, its payload built around
     the new id, and
  4. moves the member's last_activity_at forward, and
  5. adds the member's `checkin.created` audit entry (targeting the new check-in), both only when 2 inserted,
and answers with the check-in's context as it saw it (`context_select`: the member's standing, the event,
any check-in already there), so a caller whose insert did not happen learns why without another read.
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
from sqlalchemy.orm import aliased

from server.checkins.models import Checkin, Event
from server.common.driversql import DriverStatement
from server.common.timeutil import isoformat, month_of
from server.core.audit import AuditEntry, entry_values
from server.core.members import Member
from server.core.outbox import OutboxChange
from server.extensions import db, is_postgresql

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


# A check-in's context, read in one statement: the member's standing (no encrypted field), the event, and the
# member's check-in at it if any (the columns CheckinOut answers with).
PARTICIPATING = ("active", "lost_contact")  # members who may take part (a lost-contact one checking in is back)
STANDING = (Member.status, Member.mobile_branch_id, Member.is_committee, Member.township_id)
EVENT = (Event.id, Event.branch_id, Event.kind, Event.title, Event.status, Event.starts_at, Event.ends_at,
         Event.lat, Event.lng, Event.radius_m)
RECORD = (Checkin.id, Checkin.checked_in_at, Checkin.late, Checkin.manual, Checkin.reason, Checkin.distance_m,
          Checkin.accuracy_m)


def context_select():
    """The context of (bind `member_id`, bind `event_id`): one row, or none when either does not exist."""
    existing = aliased(Checkin, name="existing")
    return (select(*STANDING, *(c.label(f"event_{c.key}") for c in EVENT),
                   *(getattr(existing, c.key).label(f"checkin_{c.key}") for c in RECORD))
            .select_from(Member).join(Event, Event.id == bindparam("event_id"))
            .outerjoin(existing, (existing.event_id == Event.id) & (existing.member_id == Member.id))
            .where(Member.id == bindparam("member_id")))


def insert_recorded(event, member_id: int, township_id: int | None, values: dict):
    """Insert the check-in `values` (its columns but event_id and member_id) with its outbox row, the member's
    activity stamp and the audit entry, and commit; returns (the new id or None, the context or None).

    PostgreSQL: only while the member may attend the event and the event's row still equals `event` (its columns
    in EVENT: a caller may have validated against a copy it kept); the context (`context_select`'s row) is the one
    the statement saw, so a caller that inserted nothing learns why without another read. SQLite: inserts
    unless the member already has a check-in there (the caller read the context just before, in its
    transaction); no context."""
    at = values["checked_in_at"]
    payload = checkin_payload(event, at, values["late"], values["manual"], values.get("reason"))
    row = {"event_id": event.id, "member_id": member_id, **values}
    outbox = {"type": CHANGE_TYPE, "member_id": member_id, "township_id": township_id, "at": at,
              "digest_month": payload["event_month"]}
    # On PostgreSQL the member's township comes from the row the statement locks (0 only spares the look-up).
    audited = entry_values(CHANGE_TYPE, "checkin", None, {"event_id": event.id, "late": values["late"]},
                           member_id=member_id, township_id=township_id or 0)
    if is_postgresql():
        return _insert_postgresql(event, row, outbox, payload, audited)  # one statement in autocommit: committed
    new_id = _insert_sqlite(row, outbox, payload, audited)
    db.session.commit()
    return new_id, None


@functools.cache
def _postgresql_statement(row_names: tuple[str, ...], audit_names: tuple[str, ...]) -> DriverStatement:
    """The one statement of a check-in on PostgreSQL, built and compiled once: every value is a bind parameter,
    so a request only binds them (building and hashing the expression was the largest part of a check-in's
    CPU), and it runs on the driver connection directly (server/common/driversql.py)."""
    member = bindparam("member_id", type_=MEMBERS.c.id.type)
    at = bindparam("touch_at", type_=MEMBERS.c.last_activity_at.type)
    events = Event.__table__
    unchanged = [events.c[c.key] == bindparam(f"e_{c.key}", type_=c.type) for c in EVENT if c.key != "id"]
    locked = (select(MEMBERS.c.id, MEMBERS.c.township_id)
              .join(events, events.c.id == bindparam("event_id"))
              .where(MEMBERS.c.id == member, or_(*(MEMBERS.c.status == s for s in PARTICIPATING)),
                     MEMBERS.c.mobile_branch_id == events.c.branch_id,
                     or_(events.c.kind != "committee", MEMBERS.c.is_committee), *unchanged)
              .with_for_update(key_share=True, of=MEMBERS).cte("locked"))
    inserted = (pg_insert(CHECKINS)
                .from_select(list(row_names), select(*(
                    locked.c.id if n == "member_id" else bindparam("event_id") if n == "event_id"
                    else bindparam(f"c_{n}", type_=CHECKINS.c[n].type)
                    for n in row_names)))
                .on_conflict_do_nothing(index_elements=["event_id", "member_id"])
                .returning(CHECKINS.c.id).cte("inserted"))
    # '{"checkin_id": <id>, ' + the rest of the payload as the ORM would have serialised it.
    data = cast(literal('{"checkin_id": ') + cast(inserted.c.id, String)
                + bindparam("payload_tail", type_=String), JSON)
    change = (insert(OUTBOX)
              .from_select(list(_OUTBOX_COLUMNS),
                           select(*(locked.c.township_id if n == "township_id"
                                    else bindparam(f"o_{n}", type_=OUTBOX.c[n].type) for n in _OUTBOX_COLUMNS[:-1]),
                                  data).select_from(inserted).join(locked, literal(True)))
              .returning(OUTBOX.c.id).cte("change"))
    touched = (update(MEMBERS)
               .where(MEMBERS.c.id == member, exists(select(inserted.c.id)),
                      or_(MEMBERS.c.last_activity_at.is_(None), MEMBERS.c.last_activity_at < at))
               .values(last_activity_at=at, updated_at=at)
               .returning(MEMBERS.c.id).cte("touched"))
    trail = (insert(AUDIT)
             .from_select([*audit_names, "township_id", "target_id"],
                          select(*(bindparam(f"a_{n}", type_=AUDIT.c[n].type) for n in audit_names),
                                 locked.c.township_id, cast(inserted.c.id, String))
                          .select_from(inserted).join(locked, literal(True)))
             .returning(AUDIT.c.id).cte("trail"))
    new_id = select(inserted.c.id).scalar_subquery().label("new_id")
    return DriverStatement(context_select().add_columns(new_id).add_cte(locked, inserted, change, touched, trail))


def _insert_postgresql(event, row: dict, outbox: dict, payload: dict, audited: dict):
    audit_names = tuple(n for n in audited if n not in ("target_id", "township_id"))
    params = {"member_id": row["member_id"], "event_id": row["event_id"], "touch_at": row["checked_in_at"],
              "payload_tail": ", " + json.dumps(payload)[1:],
              **{f"e_{c.key}": getattr(event, c.key) for c in EVENT if c.key != "id"},
              **{f"c_{n}": v for n, v in row.items() if n not in ("member_id", "event_id")},
              **{f"o_{n}": outbox[n] for n in _OUTBOX_COLUMNS[:-1] if n != "township_id"},
              **{f"a_{n}": audited[n] for n in audit_names}}
    context = _postgresql_statement(tuple(row), audit_names).first(**params)
    return (context.new_id if context is not None else None), context


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
