"""township-sync: the command a township office runs (CONTRACT §8, docs/sync-api.md).

    township-sync pull   --url https://… --key sk_… --secret … --db ledger.sqlite [--month YYYY-MM]
    township-sync verify --url https://… --key sk_… --secret … --db ledger.sqlite --month YYYY-MM
    township-sync export --db ledger.sqlite --out ledger.xlsx
    township-sync serve-webhook --key sk_… --secret … --db ledger.sqlite [--host 127.0.0.1 --port 8085]
    township-sync register-webhook --url https://… --key sk_… --secret … --webhook https://…

Exit codes: 0 the records match, 1 they differ, 2 the service refused or could not be reached (one Chinese
line on stderr, and a ledger this run created is removed again, so a wrong --url leaves no empty file).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from township_sync.client import (
    PAGE_LIMIT,
    SyncClient,
    SyncError,
    pull,
    this_month,
    verify,
)
from township_sync.export import export_xlsx
from township_sync.ledger import Ledger
from township_sync.receiver import WebhookReceiver


def _from_env(parser: argparse.ArgumentParser, flag: str, variable: str, help_text: str) -> None:
    parser.add_argument(flag, default=os.environ.get(variable), required=variable not in os.environ, help=help_text)


def _connection_args(parser: argparse.ArgumentParser, with_url: bool = True, with_db: bool = True) -> None:
    if with_url:
        _from_env(parser, "--url", "TOWNSHIP_SYNC_URL", "服务地址，例如 https://dangyuan.example.cn")
    _from_env(parser, "--key", "TOWNSHIP_SYNC_KEY", "同步密钥 id（sk_…）")
    _from_env(parser, "--secret", "TOWNSHIP_SYNC_SECRET", "同步密钥（也可用环境变量 TOWNSHIP_SYNC_SECRET）")
    if with_db:
        parser.add_argument("--db", required=True, help="本地台账 SQLite 文件")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="township-sync", description="乡镇台账同步客户端")
    commands = parser.add_subparsers(dest="command", required=True)
    pull_cmd = commands.add_parser("pull", help="拉取变更到本地台账，并核对本月摘要")
    _connection_args(pull_cmd)
    pull_cmd.add_argument("--month", help="核对的月份 YYYY-MM（默认本月）")
    pull_cmd.add_argument("--no-verify", action="store_true", help="只拉取，不核对")
    pull_cmd.add_argument("--limit", type=int, default=PAGE_LIMIT, help="每页条数 1..1000")
    verify_cmd = commands.add_parser("verify", help="核对某月摘要")
    _connection_args(verify_cmd)
    verify_cmd.add_argument("--month", help="YYYY-MM（默认本月）")
    export_cmd = commands.add_parser("export", help="把本地台账导出为 XLSX")
    export_cmd.add_argument("--db", required=True)
    export_cmd.add_argument("--out", required=True)
    serve_cmd = commands.add_parser("serve-webhook", help="接收服务器推送，写入本地台账")
    _connection_args(serve_cmd, with_url=False)
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8085)
    register_cmd = commands.add_parser("register-webhook", help="登记接收推送的地址（serve-webhook 所在的网址）")
    _connection_args(register_cmd, with_db=False)
    register_cmd.add_argument("--webhook", required=True, help="推送地址，例如 https://台账.example.cn/hook")
    return parser


def _no_ledger(path: str) -> bool:
    """Whether there is no ledger at path yet (then one line says so)."""
    if Path(path).is_file():
        return False
    print(f"找不到本地台账 {path}，请先运行 township-sync pull", file=sys.stderr)
    return True


def _serve(args, clock) -> int:
    ledger = Ledger(args.db)
    server = WebhookReceiver(ledger, args.key, args.secret, clock).serve(args.host, args.port)
    print(f"正在 http://{args.host}:{server.server_port}/ 接收推送（Ctrl-C 停止）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        ledger.close()
    return 0


def _sync(args, session, clock) -> int:
    """pull or verify; a ledger file this run created is removed again when the service was not reached."""
    client = SyncClient(args.url, args.key, args.secret, session=session, clock=clock)
    created = not Path(args.db).exists()
    ledger = Ledger(args.db)
    unreached = False
    try:
        month = args.month or this_month()
        if args.command == "pull":
            pull(client, ledger, args.limit)
            if args.no_verify:
                return 0
        return 0 if verify(client, ledger, month) else 1
    except SyncError:
        unreached = ledger.cursor() == 0
        raise
    finally:
        ledger.close()
        if created and unreached:
            Path(args.db).unlink(missing_ok=True)


def main(argv: list[str] | None = None, session=None, clock=time.time) -> int:
    """The console entry point; `session` and `clock` let tests route and skew it."""
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("export", "verify") and _no_ledger(args.db):
            return 2
        if args.command == "export":
            ledger = Ledger(args.db)
            try:
                export_xlsx(ledger, args.out)
            finally:
                ledger.close()
            print(f"已导出到 {args.out}")
            return 0
        if args.command == "serve-webhook":
            return _serve(args, clock)
        if args.command == "register-webhook":
            answer = SyncClient(args.url, args.key, args.secret, session=session, clock=clock).set_webhook(args.webhook)
            print(f"已登记推送地址 {answer.get('url')}（已确认送达到 seq {answer.get('delivered_seq')}）")
            return 0
        return _sync(args, session, clock)
    except SyncError as err:
        print(err.line(), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
