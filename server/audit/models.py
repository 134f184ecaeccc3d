"""Where audit entries past the retention go: a table of the same rows, never deleted by the app.

A table rather than a file under instance/: the rows stay in the database backup (docs/backup.md),
moving is one transaction (copied and removed together or not at all), and a second run finds the
copies by id, so it is idempotent. PostgreSQL refuses to delete an audit_log row that has no copy here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime
from server.extensions import db


class AuditArchive(db.Model):
    __tablename__ = "audit_archive"
    __table_args__ = (Index("ix_audit_archive_at", "at"),)

    # The id of the audit_log row it was, kept so a repeated run never copies a row twice.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict | None] = mapped_column(JSON)
    member_id: Mapped[int | None] = mapped_column()
    township_id: Mapped[int | None] = mapped_column()
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
