"""The append-only audit log: staff reads of personal data and every change (who, what, when, from where).

Entries are added to the caller's transaction and never committed here; on PostgreSQL a trigger
refuses UPDATE, and DELETE of any row not already copied to `audit_archive` (migrations 0001, 0007).

Each entry is tied, when it is written, to the member it is about (`member_id`) and to one township
(`township_id`), so a township admin can read their township's trail (CONTRACT §14):
1. the township of the member the entry is about;
2. otherwise the township of the acting staff user (a township admin's township, a secretary's
   branch's township), so the reads and changes of a township's own staff are theirs to see;
3. otherwise the township of the organisation the entry targets (a township or a branch).
An entry with none of these (a county admin's county-wide read, a CLI key creation) is county-only.
The tie is fixed at write time: a member who later moves keeps their old entries in the old township.

`detail` never holds a readable ID number or phone: every string in it passes `mask_personal_numbers`.
"""
from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import JSON, Index, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from server.common.crypto import mask_personal_numbers
from server.common.requestinfo import client_ip
from server.common.timeutil import UTCDateTime, utcnow
from server.core.accounts import StaffUser
from server.core.members import Member
from server.core.orgs import Branch
from server.extensions import db


class AuditFields:
    """The columns of an audit entry, shared by the log and its archive (server/audit/models.py)."""

    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column(JSON)
    # No foreign keys: the trail outlives what it names, and is never rewritten when the roster changes.
    member_id: Mapped[int | None] = mapped_column()
    township_id: Mapped[int | None] = mapped_column()


AUDIT_FIELDS = ("at", "actor_type", "actor_id", "action", "target_type", "target_id", "ip", "detail",
                "member_id", "township_id")


class AuditEntry(AuditFields, db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_target", "target_type", "target_id"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_township_at", "township_id", "at"),
        Index("ix_audit_log_member_at", "member_id", "at"),
        Index("ix_audit_log_actor_at", "actor_type", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)


def masked_detail(value):
    """A detail value with every ID number and phone in its strings masked (dicts and lists walked)."""
    if isinstance(value, str):
        return mask_personal_numbers(value)
    if isinstance(value, dict):
        return {key: masked_detail(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked_detail(item) for item in value]
    return value


def _staff_township(role: str | None, scope_id: int | None) -> int | None:
    if role == "township_admin":
        return scope_id
    if role == "branch_secretary" and scope_id is not None:
        branch = db.session.get(Branch, scope_id)
        return branch.township_id if branch else None
    return None


def _township_of(member_id, actor, principal, target_type, target_id) -> int | None:
    """The township an entry belongs to (the rules in the module docstring)."""
    if member_id is not None:
        member = db.session.get(Member, member_id)
        if member is not None:
            return member.township_id
    if principal is not None and principal.is_staff:
        found = _staff_township(principal.staff_role, principal.scope_id)
        if found is not None:
            return found
    elif actor[0] == "staff" and actor[1] and actor[1].isdigit():
        user = db.session.get(StaffUser, int(actor[1]))
        found = _staff_township(user.role, user.scope_id) if user else None
        if found is not None:
            return found
    if target_id is not None and str(target_id).isdigit():
        if target_type == "township":
            return int(target_id)
        if target_type == "branch":
            branch = db.session.get(Branch, int(target_id))
            return branch.township_id if branch else None
    return None


def entry_values(action: str, target_type: str, target_id=None, detail: dict | None = None,
                 actor: tuple[str, str | None] | None = None, member_id: int | None = None,
                 township_id: int | None = None) -> dict:
    """The column values of an audit entry for the current principal (or the given (type, id) actor).

    `member_id` names the member an entry is about when the target is something else (a check-in,
    a leave, an order); a target of type "member" is that member. A caller that knows the member's
    township passes `township_id` and saves the look-up. For a statement that inserts the
    entry itself (the one-statement check-in, server/checkins/writes.py); otherwise use `record`.
    """
    principal = g.get("principal") if has_request_context() and actor is None else None
    if actor is None:
        actor = (principal.kind, str(principal.subject_id)) if principal else ("system", None)
    if member_id is None and target_type == "member" and target_id is not None and str(target_id).isdigit():
        member_id = int(target_id)
    return {
        "at": utcnow(), "actor_type": actor[0], "actor_id": actor[1], "action": action, "target_type": target_type,
        "target_id": None if target_id is None else str(target_id), "ip": client_ip(),
        "detail": masked_detail(detail), "member_id": member_id,
        "township_id": township_id if township_id is not None
        else _township_of(member_id, actor, principal, target_type, target_id),
    }


def record(action: str, target_type: str, target_id=None, detail: dict | None = None,
           actor: tuple[str, str | None] | None = None, member_id: int | None = None) -> AuditEntry:
    """Add an audit entry (see `entry_values`) to the caller's transaction."""
    entry = AuditEntry(**entry_values(action, target_type, target_id, detail, actor, member_id))
    db.session.add(entry)
    return entry


def insert_entry(values: dict) -> None:
    """Write an audit entry (its column values from `entry_values`) as one INSERT in the caller's transaction,
    without the ORM's unit of work: for staff reads on hot views (the township dashboard), where the entry is
    all they write."""
    db.session.execute(insert(AuditEntry.__table__).values(**values))
