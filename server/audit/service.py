"""Writing audit entries (added to the caller's transaction, never committed here)."""
from __future__ import annotations

from flask import g, has_request_context

from server.audit.models import AuditEntry
from server.common.requestinfo import client_ip
from server.extensions import db


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
