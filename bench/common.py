"""The one harness under every benchmark in bench/ (benchmarks print figures; they assert nothing).

What it gives a bench script:
- `arguments()`: the command line every script shares (`--quick`, `--duration`, `--connections`, `--workers`)
  plus the script's own sizes, each with a full default (what the issue asks for) and a quick one.
- `fresh_app()`: a PostgreSQL database named `party_bench_<name>` dropped, recreated and migrated to all heads,
  Redis db 9 flushed, and the real app configured like the gunicorn workers (for seeding in-process).
- `gunicorn()`: serves an app on a free loopback port (the real app or `make_bare_app()`), stops it after.
- `run_wrk()` / `compare_with_bare()`: drive an endpoint with wrk (32 connections by default) and the bare
  one-route app with the very same wrk script, path and settings, in the same run.
- `report()`: the final block of figures, with the machine facts (cores, load average at start), and one
  `bench-json:` line that bench/run_all.py collects into its summary table.
Only loopback, only databases whose names start with `party_bench`, only Redis db 9 (or BENCH_REDIS_URL).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
DB_PREFIX = "party_bench"
CONNECTIONS = 32
WRK_THREADS = 4
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
SECRET_KEY = "bench-secret-key-not-for-production-" + "x" * 16
FIELD_KEY = base64.b64encode(b"b" * 32).decode()
LINES_LUA = str(Path(__file__).with_name("lines.lua"))
LOAD_AT_START = os.getloadavg()


# ---- machine facts and the final block --------------------------------------------------------------------

def machine_facts() -> dict:
    """What a reader needs to judge noise: cores, load average when the bench started, and now."""
    return {"cores": os.cpu_count(), "load_at_start": " ".join(f"{x:.2f}" for x in LOAD_AT_START),
            "load_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def report(name: str, args: argparse.Namespace, figures: dict[str, str | int | float],
           headline: dict[str, str] | None = None) -> None:
    """Print the final block of figures; `headline` (label -> value text) is what run_all puts in its table."""
    facts = machine_facts()
    size = "quick" if args.quick else "full"
    print(f"\n===== {name} ({size} size) =====")
    width = max(len(k) for k in [*figures, "machine"])
    for label, value in figures.items():
        print(f"{label:<{width}} : {value}")
    print(f"{'machine':<{width}} : {facts['cores']} cores, load average at start {facts['load_at_start']}, "
          f"at end {facts['load_at_end']}")
    print("=" * (len(name) + 22))
    payload = {"bench": name, "size": size, "headline": headline or {k: str(v) for k, v in figures.items()}, **facts}
    print("bench-json: " + json.dumps(payload, ensure_ascii=False), flush=True)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- command line ----------------------------------------------------------------------------------------

def arguments(doc: str, full: dict, quick: dict, load: bool = False, argv=None) -> argparse.Namespace:
    """Parse the shared options plus one `--<size>` per key of `full`; unset sizes take the full or quick value.

    `load=True` adds the load options (--duration, --connections, --workers) of the wrk-driven benches.
    """
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds: checks the bench works")
    for key, value in full.items():
        if isinstance(value, bool):
            parser.add_argument("--" + key.replace("_", "-"), action="store_true", default=None)
        else:
            parser.add_argument("--" + key.replace("_", "-"), type=type(value), default=None,
                                help=f"default {value} (quick: {quick.get(key, value)})")
    if load:
        parser.add_argument("--duration", type=int, default=None, help="seconds of wrk per endpoint (15; quick: 3)")
        parser.add_argument("--connections", type=int, default=CONNECTIONS)
        parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn sync workers")
    args = parser.parse_args(argv)
    sizes = quick if args.quick else full
    for key, value in full.items():
        if getattr(args, key) is None:
            setattr(args, key, sizes.get(key, value))
    if load and args.duration is None:
        args.duration = 3 if args.quick else 15
    return args


# ---- databases and the app ---------------------------------------------------------------------------------

def database_url(name: str) -> str:
    """The URL of the bench database `party_bench_<name>` on the local PostgreSQL."""
    database = f"{DB_PREFIX}_{name}"
    return sa.make_url(PG_BASE).set(database=database).render_as_string(hide_password=False)


def service_env(db_url: str, emulator: bool = True) -> dict:
    """Environment of the service under test: PostgreSQL, Redis db 9, fixed development keys."""
    return {"DATABASE_URL": db_url, "REDIS_URL": REDIS_URL, "APP_ENV": "development", "SECRET_KEY": SECRET_KEY,
            "FIELD_KEY": FIELD_KEY, "WECHAT_EMULATOR": "1" if emulator else "0"}


def make_app(db_url: str, emulator: bool = True, **config):
    """The real app configured like the gunicorn workers, for seeding and in-process measurements."""
    os.environ.update(service_env(db_url, emulator))
    from server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": db_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": SECRET_KEY,
                       "FIELD_KEY": FIELD_KEY, "WECHAT_EMULATOR": emulator, **config})


def recreate_database(db_url: str) -> None:
    """Drop and create the bench database (its name must start with party_bench)."""
    url = sa.make_url(db_url)
    if not (url.database or "").startswith(DB_PREFIX) or url.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to recreate {url.database!r} on {url.host!r}: benches use local {DB_PREFIX}*")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def flush_redis() -> None:
    from server.store import connect

    connect(REDIS_URL).flushdb()


def fresh_app(name: str, emulator: bool = True, **config):
    """Recreate `party_bench_<name>`, flush Redis db 9, migrate to all heads; returns (app, database URL)."""
    from flask_migrate import upgrade

    db_url = database_url(name)
    recreate_database(db_url)
    flush_redis()
    app = make_app(db_url, emulator, **config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    return app, db_url


def scalar(db_url: str, sql: str, **params):
    """One value from the bench database (for checks after a run)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


# ---- serving: gunicorn and the bare app ----------------------------------------------------------------------

def make_bare_app(reply: str = "json"):
    """The comparison point: one catch-all route that reads the body and answers a constant (JSON or WeChat XML)."""
    from flask import Flask, Response, request

    app = Flask("bare")
    body, mimetype = ((('<xml><return_code><![CDATA[SUCCESS]]></return_code>'
                        '<return_msg><![CDATA[OK]]></return_msg></xml>'), "text/xml") if reply == "xml"
                      else ('{"ok": true}', "application/json"))

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def answer(path):
        request.get_data()
        return Response(body, status=201 if request.method == "POST" and reply == "json" else 200, mimetype=mimetype)

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict, workers: int = WORKERS, ready_path: str = "/healthz"):
    """Serve app_spec (e.g. 'server:create_app()') with sync workers on a free loopback port; yields the base URL."""
    port = free_port()
    log_file = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
           "--chdir", str(ROOT), "--log-level", "warning", "--timeout", "60", app_spec]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log_file, stderr=log_file,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    failed = True
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + ready_path, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log_file.name}") from None
                time.sleep(0.3)
        yield base
        failed = False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the group of the gunicorn started here, and nothing else
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log_file.close()
        if not failed:  # kept for reading when something went wrong
            os.unlink(log_file.name)


# ---- load: wrk ----------------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: str
    statuses: str  # "201=… 200=… other=…", counted by bench/lines.lua

    def describe(self) -> str:
        return (f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
                f"({self.requests} requests in {self.seconds:.1f} s; {self.statuses}; non-2xx {self.non_2xx}; "
                f"socket errors {self.errors})")


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian when missing."""
    path = shutil.which("wrk")
    if path is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        path = shutil.which("wrk")
    return path


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, lines: list[str], mode: str, duration_s: int, connections: int = CONNECTIONS,
            body: str = "", content_type: str = "application/json") -> LoadResult:
    """POST to url with wrk through bench/lines.lua: request k uses lines[k] (threads stride over the list, so
    each line is used once before any repeats). mode 'bearer': the line is a bearer token and `body` the fixed
    body; mode 'body': the line is the body."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-lines-", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
    env = {**os.environ, "BENCH_LINES": f.name, "BENCH_MODE": mode, "BENCH_PATH": path, "BENCH_BODY": body,
           "BENCH_CONTENT_TYPE": content_type, "BENCH_THREADS": str(WRK_THREADS)}
    cmd = [ensure_wrk(), "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{duration_s}s", "--latency",
           "--timeout", "10s", "-s", LINES_LUA, url]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=duration_s + 60).stdout
    finally:
        os.unlink(f.name)
    total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    # Anchored: a Thread Stats column such as "68.50%" must not be read as the 50th percentile.
    p50, p99 = (re.search(rf"^\s*{p}%\s+(\S+)$", out, re.M) for p in ("50", "99"))
    if total is None or p50 is None or p99 is None:
        raise RuntimeError("wrk printed no summary:\n" + out)
    seconds = float(total.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[total.group(3)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    statuses = re.search(r"^bench: (.*)$", out, re.M)
    return LoadResult(
        requests=int(total.group(1)), seconds=seconds, rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(p50.group(1)), p99_ms=_ms(p99.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0, errors=errors.group(1) if errors else "none",
        statuses=statuses.group(1) if statuses else "?")


def compare_with_bare(args: argparse.Namespace, env: dict, path: str, lines: list[str], mode: str,
                      bare_reply: str = "json", **wrk_options) -> tuple[LoadResult, LoadResult]:
    """The service and the bare app, one after the other in this run, under the same gunicorn settings and the
    same wrk load (script, path, lines, connections, duration); returns (service, bare)."""
    wrk = ensure_wrk()
    results = []
    for spec in ("server:create_app()", f"bench.common:make_bare_app({bare_reply!r})"):
        with gunicorn(spec, env, workers=args.workers) as base:
            # Warm-up (not measured): every worker has loaded its app and opened its connections.
            subprocess.run([wrk, "-t", "2", "-c", str(args.connections), "-d", "2s", base + "/healthz"],
                           capture_output=True, timeout=60)
            results.append(run_wrk(base + path, lines, mode, args.duration, args.connections, **wrk_options))
    return results[0], results[1]


def load_figures(service_label: str, service: LoadResult, bare: LoadResult, args: argparse.Namespace) -> dict:
    """The shared lines of a wrk bench's final block."""
    return {
        service_label: service.describe(),
        "bare Flask endpoint": bare.describe(),
        "ratio service / bare": f"{service.rps / bare.rps:.3f}",
        "load": f"gunicorn {args.workers} sync workers; wrk {WRK_THREADS} threads, {args.connections} connections, "
                f"{args.duration} s per endpoint",
    }


# ---- seeding ----------------------------------------------------------------------------------------------

def seed_township():
    """One township with its mobile branch and a home village branch (inside an app context, flushed)."""
    from server.core.orgs import Branch, Township, default_county
    from server.extensions import db

    township = Township(county_id=default_county().id, name="压测镇")
    db.session.add(township)
    db.session.flush()
    mobile = Branch(township_id=township.id, kind="mobile", name="压测镇流动党员党支部")
    village = Branch(township_id=township.id, kind="village", name="压测村党支部")
    db.session.add_all([mobile, village])
    db.session.flush()
    return township, mobile, village


def load_headline(rate_unit: str, service: LoadResult, bare: LoadResult) -> dict:
    """What run_all's table shows of a wrk bench."""
    return {"rate": f"{service.rps:,.0f} {rate_unit}",
            "latency": f"p50 {service.p50_ms:.1f} / p99 {service.p99_ms:.1f} ms",
            "vs bare": f"{service.rps / bare.rps:.3f} of {bare.rps:,.0f} req/s"}
