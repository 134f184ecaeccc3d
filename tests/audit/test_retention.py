"""Retention: AUDIT_RETENTION_DAYS never below 180; `flask audit archive` moves, never deletes."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from server import create_app
from server.audit.models import AuditArchive
from server.audit.service import archive_old_entries
from server.common.timeutil import utcnow
from server.config import InvalidConfiguration, load_config
from server.core.audit import AuditEntry
from server.extensions import db
from tests.conftest import _test_config
from tests.factories import make_audit_entry


def test_the_default_retention_is_180_days(tmp_path):
    assert load_config(str(tmp_path), env={})["AUDIT_RETENTION_DAYS"] == "180"
    assert create_app(_test_config()).config["AUDIT_RETENTION_DAYS"] == 180


@pytest.mark.parametrize("value", ["179", "0", "-5", "abc", "", "180.5"])
def test_a_retention_below_180_days_or_not_a_number_refuses_to_start(value, monkeypatch):
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", value)
    with pytest.raises(InvalidConfiguration, match="AUDIT_RETENTION_DAYS"):
        create_app(_test_config())


def test_the_retention_is_checked_after_app_overrides_too():
    with pytest.raises(InvalidConfiguration, match="below the minimum of 180"):
        create_app({**_test_config(), "AUDIT_RETENTION_DAYS": 30})
    assert create_app({**_test_config(), "AUDIT_RETENTION_DAYS": "365"}).config["AUDIT_RETENTION_DAYS"] == 365


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_archive_moves_only_rows_past_the_retention_and_is_idempotent(ctx, runner):
    assert ctx.config["AUDIT_RETENTION_DAYS"] == 180
    today = utcnow()
    old = [make_audit_entry("old.entry", at=today - timedelta(days=181 + n), detail={"n": n}) for n in range(3)]
    kept = [make_audit_entry("kept.entry", at=today - timedelta(days=179)),
            make_audit_entry("kept.entry", at=today)]
    old_ids = sorted(e.id for e in old)

    result = runner.invoke(args=["audit", "archive"])
    assert result.exit_code == 0, result.output
    assert "归档完成" in result.output and "3 条" in result.output and "未删除任何记录" in result.output
    db.session.expire_all()
    assert sorted(db.session.scalars(select(AuditArchive.id))) == old_ids
    assert sorted(db.session.scalars(select(AuditEntry.id))) == sorted(e.id for e in kept)
    archived = db.session.get(AuditArchive, old_ids[0])
    assert archived.action == "old.entry" and archived.detail == {"n": 0} and archived.ip == "203.0.113.7"
    assert archived.archived_at is not None

    again = runner.invoke(args=["audit", "archive"])
    assert again.exit_code == 0 and " 0 条" in again.output
    db.session.expire_all()
    assert _count(AuditArchive) == 3 and _count(AuditEntry) == 2


def test_archive_works_in_batches(ctx):
    for n in range(7):
        make_audit_entry("old.entry", at=utcnow() - timedelta(days=200, minutes=n))
    result = archive_old_entries(batch=3)
    assert (result.moved, result.remaining_old) == (7, 0)
    assert _count(AuditArchive) == 7 and _count(AuditEntry) == 0


def test_a_longer_retention_keeps_more(ctx, runner):
    make_audit_entry("old.entry", at=utcnow() - timedelta(days=200))
    ctx.config["AUDIT_RETENTION_DAYS"] = 365
    assert runner.invoke(args=["audit", "archive"]).exit_code == 0
    assert _count(AuditArchive) == 0 and _count(AuditEntry) == 1


@pytest.mark.postgresql
def test_postgresql_refuses_to_delete_a_row_that_was_not_archived(ctx):
    entry = make_audit_entry("kept.entry")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entry.id))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(action="edited"))
    db.session.rollback()
    assert _count(AuditEntry) == 1


@pytest.mark.postgresql
def test_postgresql_keeps_the_archive_append_only(ctx):
    make_audit_entry("old.entry", at=utcnow() - timedelta(days=200))
    archive_old_entries()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.delete(AuditArchive))
    db.session.rollback()
    assert _count(AuditArchive) == 1
