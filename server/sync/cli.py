"""`flask --app server sync …`: keys for the townships, and running the sync jobs by hand."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from server.common.timeutil import isoformat
from server.errors import AppError
from server.sync import service, tasks

sync_cli = AppGroup("sync", help="乡镇台账同步：同步密钥与推送。")


@sync_cli.command("create-key")
@click.option("--township", "township_id", type=int, help="乡镇 id：该密钥只能看到这个乡镇的党员。")
@click.option("--county", is_flag=True, help="县级密钥：能看到全县。")
@click.option("--label", default=None, help="备注（例如对接的系统名称）。")
def create_key_command(township_id: int | None, county: bool, label: str | None):
    """Create a key and print its id and secret (the secret is shown only this once)."""
    if county == (township_id is not None):
        raise click.UsageError("请指定 --township ID 或 --county 之一")
    try:
        key, secret = service.create_key(None if county else township_id, label)
    except AppError as err:
        raise click.ClickException(err.message) from None
    scope = "全县" if key.township_id is None else f"乡镇 {key.township_id}"
    click.echo(f"key id : {key.key_id}")
    click.echo(f"secret : {secret}")
    click.echo(f"范围   : {scope}")
    click.echo("请妥善保存密钥：它不会再次显示。")


@sync_cli.command("revoke-key")
@click.argument("key_id")
def revoke_key_command(key_id: str):
    """Revoke a key at once (pulls and pushes stop)."""
    try:
        key = service.revoke_key(key_id)
    except AppError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"已停用 {key.key_id}（{isoformat(key.revoked_at)}）")


@sync_cli.command("list-keys")
def list_keys_command():
    """List keys: id, scope, state, push target and cursor (never secrets)."""
    keys = service.list_keys()
    if not keys:
        click.echo("还没有同步密钥")
    for key in keys:
        scope = "county" if key.township_id is None else f"township:{key.township_id}"
        state = f"revoked {isoformat(key.revoked_at)}" if key.revoked_at else ("parked" if key.push_parked else "active")
        click.echo(f"{key.key_id}\t{scope}\t{state}\t{key.label or '-'}\t{key.webhook_url or '-'}"
                   f"\tdelivered_seq={key.delivered_seq}")


@sync_cli.command("push")
def push_command():
    """Sequence the outbox and start deliveries now (the worker does this every 15 s)."""
    tasks.push_due()
    click.echo("已安排推送")
