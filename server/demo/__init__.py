"""`flask --app server demo seed`: the demo county, built feature by feature."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from server.checkins import demo as checkins_demo
from server.dashboard import demo as dashboard_demo
from server.dues import demo as dues_demo
from server.evaluations import demo as evaluations_demo
from server.members import demo as members_demo
from server.notices import demo as notices_demo
from server.sync import demo as sync_demo

# Order matters: organisations and members first, then what hangs off them.
SEEDERS = (members_demo, checkins_demo, dues_demo, notices_demo, evaluations_demo, sync_demo, dashboard_demo)

demo_cli = AppGroup("demo", help="The demo county.")


@demo_cli.command("seed")
def seed_command():
    """Create the demo county (idempotent: a second run changes nothing)."""
    for seeder in SEEDERS:
        seeder.seed(click.echo)


@demo_cli.command("member-token")
@click.option("--openid", default=members_demo.DEMO_OPENIDS[0], show_default=True,
              help="the demo member's WeChat openid (the seed binds demo-openid-jinshan-1 and -2)")
@click.option("--url", default=None, help="the running service (default: PUBLIC_BASE_URL)")
def member_token_command(openid, url):
    """Print a bearer token of a demo member, logged in at the running service through its WeChat emulator.

    It asks the running service, not this process: under `make run` the login codes and tokens live in that
    process's in-memory store (memory://), which this command cannot see.
    """
    import requests  # about 5 MB: loaded by the first call, not with the app

    if not current_app.config["WECHAT_EMULATOR"]:
        raise click.ClickException("只有在内置微信模拟器模式（WECHAT_EMULATOR=1）下才能生成演示党员的登录令牌")
    base = (url or current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + "/api/v1"
    try:
        code = requests.post(f"{base}/dev/login-code", json={"openid": openid}, timeout=10)
        if code.status_code == 404:
            raise click.ClickException(f"{base} 没有开启内置微信模拟器（WECHAT_EMULATOR=1），不能扮演演示党员")
        code.raise_for_status()
        login = requests.post(f"{base}/auth/login", json={"code": code.json()["code"]}, timeout=10)
        login.raise_for_status()
    except requests.RequestException as err:
        raise click.ClickException(f"连不上正在运行的服务 {base}（先运行 make run，或用 --url 指定地址）：{type(err).__name__}")
    if not login.json()["bound"]:
        click.echo(f"注意：{openid} 还没有绑定花名册，这个令牌只能用于绑定和登记", err=True)
    click.echo(login.json()["token"])


def init_app(app) -> None:
    """Register the demo command."""
    app.cli.add_command(demo_cli)
