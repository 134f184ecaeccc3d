"""Reading and archiving the audit trail (CONTRACT §14).

Who sees what: a county admin the entries of their county (tied to one of its townships, or to no
township at all: county-wide reads, CLI and system work); a township admin only entries tied to their
township (server/core/audit.py says how an entry is tied). Reading the trail is itself audited, so a
look at who looked is on the record too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, false, func, insert, literal, or_, select

from server.audit.models import AuditArchive
from server.common.pagination import paginate
from server.common.timeutil import SHANGHAI, UTCDateTime, utcnow
from server.core import audit
from server.core.accounts import StaffUser
from server.core.audit import AUDIT_FIELDS, AuditEntry, masked_detail
from server.core.orgs import Township
from server.core.scope import county_townships
from server.core.tokens import Principal
from server.errors import Unprocessable
from server.extensions import db

ARCHIVE_BATCH = 5000
_SPECIAL_ACTORS = ("cli", "system")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def _scope(principal: Principal):
    if principal.staff_role == "county_admin":
        return or_(AuditEntry.township_id.is_(None), AuditEntry.township_id.in_(county_townships(principal.scope_id)))
    if principal.staff_role == "township_admin":
        return AuditEntry.township_id == principal.scope_id
    return false()


def _actor_filter(actor: str):
    """`actor` as the items show it: a staff username, cli, system, or <type>:<id>."""
    if actor in _SPECIAL_ACTORS:
        return AuditEntry.actor_type == actor
    kind, sep, ident = actor.partition(":")
    if sep and kind and ident:
        return (AuditEntry.actor_type == kind) & (AuditEntry.actor_id == ident)
    user_id = db.session.scalar(select(StaffUser.id).where(func.lower(StaffUser.username) == actor.strip().lower()))
    if user_id is None:
        return false()
    return (AuditEntry.actor_type == "staff") & (AuditEntry.actor_id == str(user_id))


def _query(principal: Principal, actor=None, member_id=None, action=None, date_from=None, date_to=None):
    stmt = select(AuditEntry).where(_scope(principal))
    if actor:
        stmt = stmt.where(_actor_filter(actor))
    if member_id is not None:
        stmt = stmt.where(AuditEntry.member_id == member_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if date_from:
        stmt = stmt.where(AuditEntry.at >= _day_start(date_from))
    if date_to:
        stmt = stmt.where(AuditEntry.at < _day_start(date_to + timedelta(days=1)))
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _views(entries: list[AuditEntry]) -> list[dict]:
    """Entries as the API shows them: actors named, details masked (again: rows older than the masking rule)."""
    staff_ids = {int(e.actor_id) for e in entries if e.actor_type == "staff" and (e.actor_id or "").isdigit()}
    names = {row.id: row.username for row in db.session.execute(
        select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(staff_ids)))} if staff_ids else {}

    def actor(entry: AuditEntry) -> str:
        if entry.actor_type == "staff" and (entry.actor_id or "").isdigit() and int(entry.actor_id) in names:
            return names[int(entry.actor_id)]
        return f"{entry.actor_type}:{entry.actor_id}" if entry.actor_id else entry.actor_type

    return [{"at": e.at, "actor": actor(e), "action": e.action, "member_id": e.member_id, "ip": e.ip,
             "detail": masked_detail(e.detail)} for e in entries]


_QUERY_NAMES = {"date_from": "from", "date_to": "to"}


def _filters(filters: dict) -> dict:
    """The filters used, named as in the query string (for the trail and the sheet's filter row)."""
    return {_QUERY_NAMES.get(key, key): (value.isoformat() if isinstance(value, date) else value)
            for key, value in filters.items() if value is not None}


def list_entries(principal: Principal, *, page: int, per_page: int, **filters) -> dict:
    """One page of the trail in the caller's scope, newest first; the read is audited."""
    result = paginate(_query(principal, **filters), page, per_page)
    result["items"] = _views(result["items"])
    audit.record("audit.read", "audit_log", None, {"filters": _filters(filters), "page": page,
                                                    "total": result["total"]})
    db.session.commit()
    return result


@dataclass
class Export:
    entries: list[dict]
    filters: dict
    scope_name: str


def export_entries(principal: Principal, **filters) -> Export:
    """Every entry the filters select (at most AUDIT_EXPORT_MAX_ROWS, else 422); the export is audited."""
    cap = current_app.config["AUDIT_EXPORT_MAX_ROWS"]
    stmt = _query(principal, **filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    if total > cap:
        message = f"符合条件的记录有 {total} 条，一次最多导出 {cap} 条，请缩小时间范围或增加筛选条件"
        raise Unprocessable(message, code="export_too_large", errors={"to": [message]})
    entries = _views(list(db.session.scalars(stmt)))
    audit.record("audit.exported", "audit_log", None, {"filters": _filters(filters), "rows": len(entries)})
    db.session.commit()
    township = db.session.get(Township, principal.scope_id) if principal.staff_role == "township_admin" else None
    scope_name = township.name if township else "全县"
    return Export(entries, _filters(filters), scope_name)


@dataclass
class ArchiveResult:
    cutoff: datetime
    moved: int
    already_archived: int
    remaining_old: int


_COLUMNS = ("id", *AUDIT_FIELDS)


def archive_old_entries(now: datetime | None = None, batch: int = ARCHIVE_BATCH) -> ArchiveResult:
    """Move entries older than AUDIT_RETENTION_DAYS into audit_archive, `batch` rows per transaction.

    Each batch copies first and then removes only rows whose copy exists, in one transaction, so a crash
    leaves every row in one table or the other. Rows copied by an earlier, interrupted run are not copied
    again; a second run with nothing old moves nothing.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    moved = already = 0
    while True:
        ids = list(db.session.scalars(select(AuditEntry.id).where(AuditEntry.at < cutoff)
                                      .order_by(AuditEntry.id).limit(batch)))
        if not ids:
            break
        copied = set(db.session.scalars(select(AuditArchive.id).where(AuditArchive.id.in_(ids))))
        fresh = [i for i in ids if i not in copied]
        if fresh:
            source = select(*(getattr(AuditEntry, c) for c in _COLUMNS), literal(now, UTCDateTime())) \
                .where(AuditEntry.id.in_(fresh))
            db.session.execute(insert(AuditArchive).from_select([*_COLUMNS, "archived_at"], source))
        db.session.execute(delete(AuditEntry).where(
            AuditEntry.id.in_(ids), AuditEntry.id.in_(select(AuditArchive.id).where(AuditArchive.id.in_(ids)))))
        db.session.commit()
        moved += len(fresh)
        already += len(copied)
    remaining = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.at < cutoff))
    db.session.commit()
    return ArchiveResult(cutoff, moved, already, remaining)
