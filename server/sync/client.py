"""township-sync: the reference township client (CONTRACT §8).

Mirrors a township's members, report-ins, check-ins and payments (with refunds) into a local SQLite
ledger, proves it equal to the service with the digest, and exports it to XLSX for the office.

Self-contained on purpose: only the standard library, `requests` and `openpyxl`. It never imports
Flask or the service's code, so a township can run it (or copy this one file) on any PC.

    township-sync pull   --url https://… --key sk_… --secret … --db ledger.sqlite [--month YYYY-MM]
    township-sync verify --url https://… --key sk_… --secret … --db ledger.sqlite --month YYYY-MM
    township-sync export --db ledger.sqlite --out ledger.xlsx
    township-sync serve-webhook --key sk_… --secret … --db ledger.sqlite [--host 127.0.0.1 --port 8085]
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode, urlsplit

import requests

MAX_SKEW_S = 300
PAGE_LIMIT = 1000
BEIJING = timezone(timedelta(hours=8))

STATUS_ZH = {"active": "正常", "returned": "已返乡", "transferred": "已转出", "lost_contact": "失联",
             "suspended": "停止党籍"}
EVENT_KIND_ZH = {"branch_assembly": "支部党员大会", "committee": "支委会", "group": "党小组会", "lecture": "党课",
                 "theme_day": "主题党日", "life_meeting": "组织生活会", "training": "培训", "volunteer": "志愿服务"}


# ---- signing (the same rule as the service: CONTRACT §8) ------------------------------------------

def sign(secret: str, method: str, path_with_query: str, timestamp: str, body_sha256: str | None = None) -> str:
    """hex HMAC-SHA256(secret, METHOD\\npath_with_query\\ntimestamp[\\nbody_sha256])."""
    lines = [method.upper(), path_with_query, timestamp] + ([body_sha256] if body_sha256 is not None else [])
    return hmac.new(secret.encode("utf-8"), "\n".join(lines).encode("utf-8"), hashlib.sha256).hexdigest()


class SyncError(Exception):
    """The service refused a request (status and error code kept for the message)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class SyncClient:
    """Signed requests to the sync API. `session` may be anything with requests' `request()`."""

    def __init__(self, base_url: str, key_id: str, secret: str, session=None, clock=time.time, timeout: float = 30):
        parts = urlsplit(base_url.rstrip("/"))
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path
        self.key_id, self.secret = key_id, secret
        self.session = session or requests.Session()
        self.clock, self.timeout = clock, timeout

    def call(self, method: str, path: str, params: dict | None = None, body: dict | None = None) -> dict:
        """Send one signed request and return its JSON body (SyncError unless 2xx)."""
        # A nonce keeps two identical requests in the same second from sharing a (single-use) signature.
        params = {**(params or {}), "nonce": secrets.token_hex(8)} if method == "GET" else params
        target = self.prefix + path + (f"?{urlencode(params)}" if params else "")
        timestamp = str(int(self.clock()))
        headers = {"X-Sync-Key": self.key_id, "X-Sync-Timestamp": timestamp}
        data = None
        body_sha256 = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            body_sha256 = headers["X-Sync-Body-SHA256"] = hashlib.sha256(data).hexdigest()
            headers["Content-Type"] = "application/json; charset=utf-8"
        headers["X-Sync-Signature"] = sign(self.secret, method, target, timestamp, body_sha256)
        resp = self.session.request(method, self.origin + target, headers=headers, data=data, timeout=self.timeout)
        try:
            payload = resp.json()
        except ValueError:
            payload = {}
        if not 200 <= resp.status_code < 300:
            raise SyncError(resp.status_code, payload.get("code", "http_error"), payload.get("message", ""))
        return payload

    def changes(self, after: int, limit: int = PAGE_LIMIT) -> dict:
        return self.call("GET", "/api/v1/sync/changes", {"after": after, "limit": limit})

    def digest(self, month: str) -> dict:
        return self.call("GET", "/api/v1/sync/digest", {"month": month})

    def set_webhook(self, url: str) -> dict:
        return self.call("PUT", "/api/v1/sync/webhook", body={"url": url})


# ---- the ledger ----------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY, type TEXT NOT NULL, member_id INTEGER, township_id INTEGER, at TEXT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    id INTEGER PRIMARY KEY, name TEXT, id_number_masked TEXT, phone_masked TEXT, township TEXT, village_branch TEXT,
    mobile_branch TEXT, status TEXT, certificate_no TEXT, destination TEXT, employer TEXT, left_on TEXT,
    paid_through TEXT, updated_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    report_id INTEGER PRIMARY KEY, member_id INTEGER, month TEXT, city TEXT, address TEXT, employer TEXT,
    lat REAL, lng REAL, reported_at TEXT, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkins (
    checkin_id INTEGER PRIMARY KEY, member_id INTEGER, event_id INTEGER, event_kind TEXT, event_title TEXT,
    event_starts_at TEXT, event_month TEXT, checked_in_at TEXT, late INTEGER, manual INTEGER, reason TEXT,
    seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ix_checkins_month ON checkins (event_month);
CREATE TABLE IF NOT EXISTS payments (
    order_no TEXT PRIMARY KEY, member_id INTEGER, kind TEXT, months TEXT, campaign_id INTEGER,
    amount_fen INTEGER NOT NULL DEFAULT 0, paid_at TEXT, paid_month TEXT, transaction_id TEXT,
    refunded_fen INTEGER NOT NULL DEFAULT 0, seq INTEGER);
CREATE INDEX IF NOT EXISTS ix_payments_month ON payments (paid_month);
CREATE TABLE IF NOT EXISTS refunds (
    seq INTEGER PRIMARY KEY, order_no TEXT NOT NULL, member_id INTEGER, amount_fen INTEGER NOT NULL,
    refunded_at TEXT, paid_month TEXT, reason TEXT);
"""


class Ledger:
    """The township's local SQLite mirror. Each batch of changes and the cursor commit together."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self.lock = threading.Lock()
        self.conn.executescript(SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def cursor(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE name = 'cursor'").fetchone()
        return int(row[0]) if row else 0

    def apply(self, changes: list[dict], next_cursor: int | None, after: int | None = None) -> int:
        """Apply a batch idempotently (a seq already seen is skipped) and move the cursor in the same
        transaction. The cursor moves only when the batch starts at or before it (no hole is skipped)."""
        applied = 0
        with self.lock, self.conn:
            current = self.cursor()
            for change in changes:
                inserted = self.conn.execute(
                    "INSERT OR IGNORE INTO changes (seq, type, member_id, township_id, at, data) VALUES (?,?,?,?,?,?)",
                    (change["seq"], change["type"], change.get("member_id"), change.get("township_id"),
                     change.get("at"), json.dumps(change["data"], ensure_ascii=False))).rowcount
                if inserted:
                    self._apply_one(change)
                    applied += 1
            if next_cursor is not None and (after is None or after <= current) and next_cursor > current:
                self.conn.execute("INSERT INTO meta (name, value) VALUES ('cursor', ?) "
                                  "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (str(next_cursor),))
        return applied

    def _apply_one(self, change: dict) -> None:
        seq, kind, member_id, data = change["seq"], change["type"], change.get("member_id"), change["data"]
        sql = self.conn.execute
        if kind == "member.upserted" and _moved_away(change):
            # The member now belongs to another township: they leave this ledger's roster.
            sql("DELETE FROM members WHERE id = ? AND updated_seq < ?", (member_id, seq))
        elif kind == "member.upserted":
            sql("INSERT INTO members (id, name, id_number_masked, phone_masked, township, village_branch, mobile_branch,"
                " status, certificate_no, destination, employer, left_on, paid_through, updated_seq)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET name=excluded.name,"
                " id_number_masked=excluded.id_number_masked, phone_masked=excluded.phone_masked,"
                " township=excluded.township, village_branch=excluded.village_branch,"
                " mobile_branch=excluded.mobile_branch, status=excluded.status,"
                " certificate_no=excluded.certificate_no, destination=excluded.destination,"
                " employer=excluded.employer, left_on=excluded.left_on, paid_through=excluded.paid_through,"
                " updated_seq=excluded.updated_seq WHERE members.updated_seq < excluded.updated_seq",
                (member_id, data.get("name"), data.get("id_number_masked"), data.get("phone_masked"),
                 _name(data.get("township")), _name(data.get("village_branch")), _name(data.get("mobile_branch")),
                 data.get("status"), data.get("certificate_no"), data.get("destination"), data.get("employer"),
                 data.get("left_on"), data.get("paid_through"), seq))
        elif kind == "member.status_changed":
            sql("INSERT INTO members (id, status, updated_seq) VALUES (?,?,?) ON CONFLICT (id) DO UPDATE SET"
                " status=excluded.status, updated_seq=excluded.updated_seq"
                " WHERE members.updated_seq < excluded.updated_seq", (member_id, data.get("to"), seq))
        elif kind == "report.created":
            sql("INSERT OR REPLACE INTO reports VALUES (?,?,?,?,?,?,?,?,?,?)",
                (data.get("report_id"), member_id, data.get("month"), data.get("city"), data.get("address"),
                 data.get("employer"), data.get("lat"), data.get("lng"), data.get("reported_at"), seq))
        elif kind == "checkin.created":
            sql("INSERT OR REPLACE INTO checkins VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (data.get("checkin_id"), member_id, data.get("event_id"), data.get("event_kind"),
                 data.get("event_title"), data.get("event_starts_at"), data.get("event_month"),
                 data.get("checked_in_at"), int(bool(data.get("late"))), int(bool(data.get("manual"))),
                 data.get("reason"), seq))
        elif kind == "dues.paid":
            sql("INSERT INTO payments (order_no, member_id, kind, months, campaign_id, amount_fen, paid_at, paid_month,"
                " transaction_id, seq) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (order_no) DO UPDATE SET"
                " member_id=excluded.member_id, kind=excluded.kind, months=excluded.months,"
                " campaign_id=excluded.campaign_id, amount_fen=excluded.amount_fen, paid_at=excluded.paid_at,"
                " paid_month=excluded.paid_month, transaction_id=excluded.transaction_id, seq=excluded.seq",
                (data["order_no"], member_id, data.get("kind"), json.dumps(data.get("months") or [], ensure_ascii=False),
                 data.get("campaign_id"), int(data["amount_fen"]), data.get("paid_at"), data.get("paid_month"),
                 data.get("transaction_id"), seq))
            self._paid_through(member_id, data, seq)
        elif kind == "dues.refunded":
            sql("INSERT OR IGNORE INTO refunds VALUES (?,?,?,?,?,?,?)",
                (seq, data["order_no"], member_id, int(data["amount_fen"]), data.get("refunded_at"),
                 data.get("paid_month"), data.get("reason")))
            sql("INSERT INTO payments (order_no, member_id, kind, paid_at, paid_month, refunded_fen)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT (order_no) DO UPDATE SET"
                " refunded_fen = payments.refunded_fen + excluded.refunded_fen",
                (data["order_no"], member_id, data.get("kind"), data.get("paid_at"), data.get("paid_month"),
                 int(data["amount_fen"])))
            self._paid_through(member_id, data, seq)

    def _paid_through(self, member_id, data: dict, seq: int) -> None:
        if "paid_through" in data:
            self.conn.execute("UPDATE members SET paid_through = ? WHERE id = ? AND updated_seq < ?",
                              (data["paid_through"], member_id, seq))

    def digest(self, month: str) -> dict:
        """The digest recomputed from the ledger, by the service's documented rule."""
        members = self.conn.execute("SELECT id, status FROM members ORDER BY id").fetchall()
        checkins = [r[0] for r in self.conn.execute(
            "SELECT checkin_id FROM checkins WHERE event_month = ? ORDER BY checkin_id", (month,))]
        orders = self.conn.execute(
            "SELECT order_no, amount_fen - refunded_fen FROM payments WHERE paid_month = ?", (month,)).fetchall()
        lines = [f"M {member_id} {status}" for member_id, status in members]
        lines += [f"C {checkin_id}" for checkin_id in checkins]
        lines += [f"O {order_no} {net}" for order_no, net in sorted(orders, key=lambda r: r[0].encode("utf-8"))]
        return {"month": month, "members": len(members), "checkins": len(checkins),
                "paid_fen": sum(net for _, net in orders),
                "hash": hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()}


def _moved_away(change: dict) -> bool:
    """A member.upserted addressed to a township the member no longer belongs to."""
    township = change["data"].get("township") or {}
    return change.get("township_id") is not None and township.get("id") not in (None, change["township_id"])


def _name(org) -> str | None:
    return org.get("name") if isinstance(org, dict) else org


# ---- pull and verify -----------------------------------------------------------------------------

def pull(client: SyncClient, ledger: Ledger, limit: int = PAGE_LIMIT, echo=print) -> int:
    """Page from the ledger's cursor until `more` is false; returns the changes newly applied."""
    applied = 0
    while True:
        after = ledger.cursor()
        page = client.changes(after, limit)
        applied += ledger.apply(page["changes"], page["next"], after)
        if not page["more"]:
            break
    echo(f"已同步到 seq {ledger.cursor()}，本次新增 {applied} 条变更")
    return applied


FIGURES = (("members", "党员人数"), ("checkins", "签到次数"), ("paid_fen", "党费实缴（分）"), ("hash", "校验值"))


def verify(client: SyncClient, ledger: Ledger, month: str, echo=print) -> bool:
    """Compare the service's digest with the ledger's; print the result in Chinese."""
    for _ in range(3):
        remote = client.digest(month)
        if remote.get("through_seq", 0) <= ledger.cursor():
            break
        # The service counted changes we have not pulled yet: catch up, then compare.
        pull(client, ledger, echo=lambda *_: None)
    local = ledger.digest(month)
    differing = [(field, label) for field, label in FIGURES if remote[field] != local[field]]
    if not differing:
        echo(f"{month} 核对一致：党员 {local['members']} 人，签到 {local['checkins']} 次，"
             f"党费实缴 {local['paid_fen'] / 100:.2f} 元（{local['paid_fen']} 分）")
        return True
    echo(f"{month} 核对不一致：")
    for field, label in differing:
        echo(f"  {label}：服务器 {remote[field]}，本地台账 {local[field]}")
    return False


# ---- push receiver -------------------------------------------------------------------------------

class WebhookReceiver:
    """Checks a pushed batch's signature and applies it to the ledger (idempotent by seq)."""

    def __init__(self, ledger: Ledger, key_id: str, secret: str, clock=time.time):
        self.ledger, self.key_id, self.secret, self.clock = ledger, key_id, secret, clock
        self.seen: dict[str, float] = {}

    def handle(self, path_with_query: str, headers, body: bytes) -> tuple[int, dict]:
        """(status, JSON body) for one POST."""
        timestamp = headers.get("X-Sync-Timestamp", "")
        given = headers.get("X-Sync-Signature", "")
        body_sha256 = hashlib.sha256(body).hexdigest()
        now = self.clock()
        if headers.get("X-Sync-Key") != self.key_id or not timestamp.isdigit() \
                or abs(now - int(timestamp)) > MAX_SKEW_S \
                or not hmac.compare_digest(headers.get("X-Sync-Body-SHA256", "").encode(), body_sha256.encode()) \
                or not hmac.compare_digest(sign(self.secret, "POST", path_with_query, timestamp, body_sha256).encode(),
                                           given.encode("utf-8", "surrogateescape")):
            return 401, {"code": "sync_auth_failed", "message": "签名校验失败"}
        self.seen = {sig: t for sig, t in self.seen.items() if now - t <= 2 * MAX_SKEW_S}
        if given in self.seen:
            return 401, {"code": "sync_auth_failed", "message": "签名已使用过"}
        self.seen[given] = now
        batch = json.loads(body)
        applied = self.ledger.apply(batch["changes"], batch["next"], batch.get("after"))
        return 200, {"applied": applied, "cursor": self.ledger.cursor()}

    def serve(self, host: str, port: int) -> ThreadingHTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length") or 0)
                if length > 20 * 1024 * 1024:
                    status, payload = 413, {"code": "payload_too_large", "message": "内容太大"}
                else:
                    status, payload = receiver.handle(self.path, self.headers, self.rfile.read(length))
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return ThreadingHTTPServer((host, port), Handler)


# ---- XLSX export ---------------------------------------------------------------------------------

def _yuan(fen) -> float:
    return round((fen or 0) / 100, 2)


def export_xlsx(ledger: Ledger, out: str) -> None:
    """Write the ledger as a workbook for the township office (Chinese sheets and headings)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    conn = ledger.conn
    names = dict(conn.execute("SELECT id, name FROM members"))
    book = Workbook()
    sheets = [
        ("党员名册", ["党员编号", "姓名", "身份证号（脱敏）", "手机号（脱敏）", "乡镇", "村党支部", "流动党员党支部", "状态",
                   "活动证编号", "流入地", "工作单位", "外出时间", "党费交至"],
         [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], STATUS_ZH.get(r[7], r[7]), *r[8:13]) for r in conn.execute(
             "SELECT id, name, id_number_masked, phone_masked, township, village_branch, mobile_branch, status,"
             " certificate_no, destination, employer, left_on, paid_through FROM members ORDER BY id")], None),
        ("报到记录", ["报到编号", "党员编号", "姓名", "月份", "城市", "住址", "工作单位", "纬度", "经度", "报到时间"],
         [(r[0], r[1], names.get(r[1]), *r[2:]) for r in conn.execute(
             "SELECT report_id, member_id, month, city, address, employer, lat, lng, reported_at FROM reports"
             " ORDER BY report_id")], None),
        ("签到记录", ["签到编号", "党员编号", "姓名", "活动编号", "活动类型", "活动名称", "活动开始时间", "活动月份",
                   "签到时间", "是否迟到", "是否补录", "补录原因"],
         [(r[0], r[1], names.get(r[1]), r[2], EVENT_KIND_ZH.get(r[3], r[3]), r[4], r[5], r[6], r[7],
           "是" if r[8] else "否", "是" if r[9] else "否", r[10]) for r in conn.execute(
             "SELECT checkin_id, member_id, event_id, event_kind, event_title, event_starts_at, event_month,"
             " checked_in_at, late, manual, reason FROM checkins ORDER BY checkin_id")], None),
    ]
    payments = []
    for order_no, member_id, kind, months, amount, paid_at, paid_month, txn in conn.execute(
            "SELECT order_no, member_id, kind, months, amount_fen, paid_at, paid_month, transaction_id"
            " FROM payments WHERE seq IS NOT NULL ORDER BY paid_at, order_no"):
        covered = "、".join(m["month"] for m in json.loads(months or "[]"))
        payments.append(("缴费", order_no, member_id, names.get(member_id), "特殊党费" if kind == "special" else "按月党费",
                         covered, _yuan(amount), paid_at, paid_month, txn, None))
    for order_no, member_id, amount, refunded_at, paid_month, reason in conn.execute(
            "SELECT order_no, member_id, amount_fen, refunded_at, paid_month, reason FROM refunds ORDER BY seq"):
        payments.append(("退款（冲销）", order_no, member_id, names.get(member_id), None, None, -_yuan(amount),
                         refunded_at, paid_month, None, reason))
    sheets.append(("党费缴纳", ["记录类型", "订单号", "党员编号", "姓名", "党费类型", "所缴月份", "金额（元）",
                            "时间", "计入月份", "微信支付单号", "退款原因"], payments, 7))
    book.remove(book.active)
    for title, headings, rows, money_column in sheets:
        sheet = book.create_sheet(title)
        sheet.append(headings)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # members' own text ("=HYPERLINK(...)") stays text, never a formula
                    cell.data_type = "s"
        if money_column:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=money_column, max_col=money_column):
                cell.number_format = "0.00"
        for index, heading in enumerate(headings, start=1):
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(10, len(heading) * 2 + 2)
        sheet.freeze_panes = "A2"
    book.save(out)


# ---- command line --------------------------------------------------------------------------------

def this_month() -> str:
    return datetime.now(BEIJING).strftime("%Y-%m")


def _connection_args(parser: argparse.ArgumentParser, with_url: bool = True) -> None:
    if with_url:
        parser.add_argument("--url", default=os.environ.get("TOWNSHIP_SYNC_URL"), required="TOWNSHIP_SYNC_URL" not in os.environ,
                            help="服务地址，例如 https://dangyuan.example.cn")
    parser.add_argument("--key", default=os.environ.get("TOWNSHIP_SYNC_KEY"), required="TOWNSHIP_SYNC_KEY" not in os.environ,
                        help="同步密钥 id（sk_…）")
    parser.add_argument("--secret", default=os.environ.get("TOWNSHIP_SYNC_SECRET"),
                        required="TOWNSHIP_SYNC_SECRET" not in os.environ, help="同步密钥（也可用环境变量 TOWNSHIP_SYNC_SECRET）")
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
    return parser


def main(argv: list[str] | None = None, session=None, clock=time.time) -> int:
    """The console entry point; `session` and `clock` let tests route and skew it."""
    args = build_parser().parse_args(argv)
    if args.command == "export":
        ledger = Ledger(args.db)
        try:
            export_xlsx(ledger, args.out)
        finally:
            ledger.close()
        print(f"已导出到 {args.out}")
        return 0
    ledger = Ledger(args.db)
    try:
        if args.command == "serve-webhook":
            server = WebhookReceiver(ledger, args.key, args.secret, clock).serve(args.host, args.port)
            print(f"正在 http://{args.host}:{server.server_port}/ 接收推送（Ctrl-C 停止）")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
            return 0
        client = SyncClient(args.url, args.key, args.secret, session=session, clock=clock)
        month = args.month or this_month()
        if args.command == "pull":
            pull(client, ledger, args.limit)
            if args.no_verify:
                return 0
        return 0 if verify(client, ledger, month) else 1
    except SyncError as err:
        print(f"同步失败：{err.message or err.code}（HTTP {err.status}，{err.code}）", file=sys.stderr)
        return 2
    except requests.RequestException as err:
        print(f"无法连接服务器：{err}", file=sys.stderr)
        return 2
    finally:
        ledger.close()


if __name__ == "__main__":
    sys.exit(main())
