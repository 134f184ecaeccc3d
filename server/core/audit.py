"""The append-only audit log: staff reads of personal data and every change (who, what, when, from where).

Entries are added to the caller's transaction and never committed here; on PostgreSQL a trigger
refuses UPDATE and DELETE (migrations/versions/0001_foundation.py).
"""
from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.common.requestinfo import client_ip
from server.common.timeutil import UTCDateTime, utcnow
from server.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_target", "target_type", "target_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column(JSON)


def record(action: str, target_type: str, target_id=None, detail: dict | None = None,
           actor: tuple[str, str | None] | None = None) -> AuditEntry:
    """Add an audit entry for the current principal (or the given (type, id) actor, e.g. a CLI)."""
    if actor is None:
        principal = g.get("principal") if has_request_context() else None
        actor = (principal.kind, str(principal.subject_id)) if principal else ("system", None)
    entry = AuditEntry(
        actor_type=actor[0], actor_id=actor[1], action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id), ip=client_ip(), detail=detail,
    )
    db.session.add(entry)
    return entry
