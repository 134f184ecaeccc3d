"""`flask --app server staff …`: staff accounts from the operator's shell."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from server.auth import service
from server.core.accounts import STAFF_ROLES
from server.errors import AppError

staff_cli = AppGroup("staff", help="Staff accounts (county admin, township admin, branch secretary).")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("密码", hide_input=True, confirmation_prompt=True)


@staff_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--scope", "scope_id", type=int, default=None,
              help="township id (township_admin) or mobile-branch id (branch_secretary)")
@click.option("--display-name", default=None)
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
def create_command(username, role, scope_id, display_name, password_stdin):
    """Create a staff user."""
    try:
        user = service.create_staff(username, role, scope_id, _read_password(password_stdin), display_name)
    except AppError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"已创建工作人员 {user.username}（id {user.id}，{user.role}，范围 {user.scope_id or '全县'}）")


@staff_cli.command("set-password")
@click.option("--username", required=True)
@click.option("--password-stdin", is_flag=True)
def set_password_command(username, password_stdin):
    """Set a new password (lifts a lockout and ends the user's sessions)."""
    try:
        user = service.set_staff_password(username, _read_password(password_stdin))
    except AppError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"已为 {user.username} 设置新密码")


@staff_cli.command("disable")
@click.option("--username", required=True)
def disable_command(username):
    """Disable a staff user and end their sessions."""
    try:
        user = service.set_staff_active(username, False)
    except AppError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"已停用 {user.username}")


@staff_cli.command("enable")
@click.option("--username", required=True)
def enable_command(username):
    """Re-enable a disabled staff user."""
    try:
        user = service.set_staff_active(username, True)
    except AppError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"已启用 {user.username}")
