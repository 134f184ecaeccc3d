"""`flask --app server audit archive`: move audit entries past the retention into audit_archive."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from server.audit import service
from server.common.timeutil import local

audit_cli = AppGroup("audit", help="The audit trail (审计日志).")


@audit_cli.command("archive")
def archive_command():
    """Move entries older than AUDIT_RETENTION_DAYS to audit_archive (nothing is deleted; repeatable)."""
    result = service.archive_old_entries()
    days = current_app.config["AUDIT_RETENTION_DAYS"]
    click.echo(f"审计日志归档完成：保留期 {days} 天，早于 {local(result.cutoff):%Y-%m-%d %H:%M} 的记录"
               f"移入归档表 audit_archive {result.moved} 条"
               + (f"（其中 {result.already_archived} 条此前已有副本，仅从日志表移出）" if result.already_archived else "")
               + "；未删除任何记录。")
    if result.remaining_old:
        click.echo(f"仍有 {result.remaining_old} 条早于保留期的记录未能移入，请重新运行本命令。", err=True)
        raise SystemExit(1)
