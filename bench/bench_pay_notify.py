"""Benchmark (not a test): signed WeChat Pay notices handled per second, on PostgreSQL + Redis under gunicorn.

It seeds pending orders in a scratch PostgreSQL database, signs one payment notice per order, and drives
POST /api/v1/pay/wechat/notify with wrk (32 connections). In the same run it measures a bare Flask endpoint that
answers the same SUCCESS XML under the same gunicorn settings, and prints both rates and their ratio. After the
run it checks the books: every paid order credited exactly once, one `dues.paid` per paid order.

    .venv/bin/python bench/bench_pay_notify.py [--orders 20000] [--duration 15] [--connections 32]

Environment: BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/party_bench_dues, dropped
and recreated), BENCH_REDIS_URL (default redis://127.0.0.1:6379/3, flushed). Needs `wrk` (apt-get install -y wrk).

The harness parts — free port, gunicorn start/stop, the bare app, the wrk driver — are separate functions so they
can move into a shared bench/common.py.
"""
from __future__ import annotations

import argparse
import base64
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/party_bench_dues"
DEFAULT_REDIS = "redis://127.0.0.1:6379/3"
NOTIFY_PATH = "/api/v1/pay/wechat/notify"
SUCCESS_XML = "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"


# ---- harness: ports, gunicorn, the bare app, wrk ---------------------------------------------------------

def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk() -> str:
    """The wrk binary, installed with apt-get when missing."""
    path = shutil.which("wrk")
    if path is None:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
    return path


def start_gunicorn(target: str, env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    """Start gunicorn serving `target` (module:factory()) on a free loopback port; wait until it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         target],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return proc, base
        except Exception:  # noqa: BLE001 - not up yet
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    stop_gunicorn(proc)
    raise RuntimeError("gunicorn did not come up")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    """Stop the gunicorn we started (its own process group only)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def create_bare_app():
    """The baseline: a bare Flask app answering WeChat's SUCCESS XML to a POST, plus /healthz."""
    from flask import Flask, Response, request

    app = Flask("bare")

    @app.post(NOTIFY_PATH)
    def notify():
        request.get_data()
        return Response(SUCCESS_XML, mimetype="text/xml")

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app


WRK_LUA = r"""
local bodies = {}
for line in io.lines("%(file)s") do bodies[#bodies + 1] = line end
local threads, counter = %(threads)d, 0
local ids = 0
function setup(thread) ids = ids + 1; thread:set("thread_id", ids - 1) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
function request()
  -- each thread walks its own stride of the notices: every notice is first seen once, then repeats follow
  local i = (thread_id + counter * threads) %% #bodies + 1
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
"""


def run_wrk(url: str, bodies_file: str, connections: int, duration: int, threads: int = 2) -> dict:
    """Drive POSTs of the bodies in `bodies_file` (one per line) at `url`; returns requests/s and latency."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(WRK_LUA % {"file": bodies_file, "threads": threads})
    out = subprocess.run([ensure_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                          "--latency", "-s", lua.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "requests": total, "p50": p50.group(1) if p50 else "?", "p99": p99.group(1) if p99 else "?",
            "non_2xx": int(non2xx.group(1)) if non2xx else 0, "raw": out}


# ---- the dues part: a scratch database with pending orders and their signed notices ---------------------

def service_env(database_url: str, redis_url: str) -> dict:
    """The environment of the service under test (production-like: no emulator, real PostgreSQL and Redis)."""
    return {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "FIELD_KEY": base64.b64encode(b"b" * 32).decode(), "WECHAT_EMULATOR": "0", "APP_ENV": "development"}


def prepare_database(database_url: str, redis_url: str, orders: int) -> list[str]:
    """Recreate the scratch database, migrate it, seed `orders` pending orders; return one signed notice per order."""
    import sqlalchemy as sa
    from flask_migrate import upgrade
    from wechatpy.pay.utils import calculate_signature, dict_to_xml

    from server import create_app
    from server.common.crypto import lookup_hash
    from server.common.timeutil import current_month, month_add, utcnow
    from server.dues.models import DuesMonthClaim, DuesOrder
    from server.dues.service import add_standard
    from server.extensions import db
    from server.members.models import Member
    from server.orgs.models import Branch, Township
    from server.store import connect

    url = sa.make_url(database_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    connect(redis_url).flushdb()
    env = service_env(database_url, redis_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url,
                      "SECRET_KEY": env["SECRET_KEY"], "FIELD_KEY": env["FIELD_KEY"], "WECHAT_EMULATOR": False})
    notices = []
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        township = Township(name="压测镇")
        db.session.add(township)
        db.session.flush()
        branch = Branch(township_id=township.id, kind="mobile", name="压测镇流动党员党支部")
        village = Branch(township_id=township.id, kind="village", name="压测村党支部")
        db.session.add_all([branch, village])
        db.session.flush()
        month = current_month()
        per_member = 12  # months ahead are payable, one order per month keeps every order distinct
        members_needed = -(-orders // per_member)
        cfg = app.config
        for i in range(members_needed):
            id_number = f"42010119800101{i:04d}"
            member = Member(name=f"压测党员{i}", id_number=id_number, id_number_hash=lookup_hash(id_number),
                            township_id=township.id, village_branch_id=village.id, mobile_branch_id=branch.id,
                            created_at=utcnow())
            db.session.add(member)
            db.session.flush()
            std = add_standard(member, year=int(month[:4]), category="salaried", income_base_fen=300000,
                               monthly_fen=None, reason=None, set_by="bench", approve=True)
            for k in range(min(per_member, orders - len(notices))):
                m = month_add(month, k)
                order = DuesOrder(order_no=f"BENCH{i:06d}{k:02d}", member_id=member.id, township_id=township.id,
                                  branch_id=branch.id, kind="monthly",
                                  months=[{"month": m, "amount_fen": 1500, "standard_id": std.id}], amount_fen=1500,
                                  status="pending", openid=f"obench{i}", created_at=utcnow(),
                                  expires_at=utcnow() + timedelta(hours=2), prepay_id=f"wxbench{i}{k}")
                db.session.add(order)
                db.session.flush()
                db.session.add(DuesMonthClaim(member_id=member.id, month=m, order_id=order.id))
                fields = {"appid": cfg["WECHAT_APPID"], "mch_id": cfg["WECHAT_PAY_MCH_ID"], "openid": f"obench{i}",
                          "out_trade_no": order.order_no, "transaction_id": f"4200bench{i:06d}{k:02d}",
                          "total_fee": "1500", "cash_fee": "1500", "result_code": "SUCCESS", "return_code": "SUCCESS",
                          "time_end": utcnow().strftime("%Y%m%d%H%M%S"), "nonce_str": f"n{i}x{k}",
                          "bank_type": "OTHERS", "trade_type": "JSAPI", "fee_type": "CNY", "is_subscribe": "N"}
                xml = dict_to_xml(fields, calculate_signature(fields, cfg["WECHAT_PAY_API_KEY"]))
                notices.append(xml.replace("\n", ""))
        db.session.commit()
        db.engine.dispose()
    # Month-end peaks spread over many members: notices arrive in no particular order.
    random.Random(4).shuffle(notices)
    return notices


def check_books(database_url: str) -> dict:
    """After the run: paid orders, dues.paid rows, ledger rows — each paid order credited exactly once."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        paid = conn.execute(sa.text("SELECT count(*) FROM dues_orders WHERE status='paid'")).scalar()
        outbox = conn.execute(sa.text("SELECT count(*) FROM outbox_changes WHERE type='dues.paid'")).scalar()
        dup = conn.execute(sa.text("SELECT count(*) FROM (SELECT data->>'order_no' FROM outbox_changes "
                                   "WHERE type='dues.paid' GROUP BY 1 HAVING count(*) > 1) d")).scalar()
        ledger = conn.execute(sa.text("SELECT count(*) FROM dues_ledger")).scalar()
        notices = conn.execute(sa.text("SELECT count(*) FROM dues_pay_notices")).scalar()
    engine.dispose()
    return {"paid_orders": paid, "dues_paid_rows": outbox, "duplicate_dues_paid": dup, "ledger_rows": ledger,
            "notices_stored": notices}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)

    print(f"seeding {args.orders} pending orders in {sa_safe(database_url)} …", flush=True)
    notices = prepare_database(database_url, redis_url, args.orders)
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        f.write("\n".join(notices) + "\n")
        bodies = f.name
    env = service_env(database_url, redis_url)
    results = {}
    for name, target in (("bare", "bench.bench_pay_notify:create_bare_app()"), ("notify", "server:create_app()")):
        proc, base = start_gunicorn(target, env, args.workers)
        try:
            results[name] = run_wrk(base + NOTIFY_PATH, bodies, args.connections, args.duration)
        finally:
            stop_gunicorn(proc)
    os.unlink(bodies)
    books = check_books(database_url)
    bare, notify = results["bare"], results["notify"]
    print(f"\ngunicorn {args.workers} sync workers, wrk {args.connections} connections, {args.duration}s each, "
          f"{os.cpu_count()} CPUs")
    print(f"bare Flask endpoint     : {bare['rps']:9.1f} req/s  p50 {bare['p50']}  p99 {bare['p99']}")
    print(f"signed pay notices      : {notify['rps']:9.1f} req/s  p50 {notify['p50']}  p99 {notify['p99']}  "
          f"non-2xx {notify['non_2xx']}")
    print(f"ratio notify / bare     : {notify['rps'] / bare['rps']:.3f}")
    print(f"notices                 : {notify['requests']} answered, {books['paid_orders']} first-time credits, "
          f"{notify['requests'] - books['paid_orders']} verified repeats")
    print(f"books                   : {books}")
    ok = books["paid_orders"] == books["dues_paid_rows"] and books["duplicate_dues_paid"] == 0 \
        and books["ledger_rows"] == books["paid_orders"]
    print("every paid order credited exactly once:", "yes" if ok else "NO")
    if not ok:
        sys.exit(1)


def sa_safe(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//…@", url)


if __name__ == "__main__":
    main()
