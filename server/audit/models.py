"""Where audit entries past the retention go: a table of the same rows, never deleted by the app.

A table rather than a file under instance/: the rows stay in the database backup (docs/backup.md),
moving is one transaction (copied and removed together or not at all), and a second run finds the
copies by id, so it is idempotent. PostgreSQL refuses to delete an audit_log row that has no copy here.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from server.common.timeutil import UTCDateTime
from server.core.audit import AuditFields
from server.extensions import db


class AuditArchive(AuditFields, db.Model):
    __tablename__ = "audit_archive"
    __table_args__ = (Index("ix_audit_archive_at", "at"),)

    # The id of the audit_log row it was, kept so a repeated run never copies a row twice.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
