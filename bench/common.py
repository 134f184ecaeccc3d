"""A small load-test harness shared by the benchmarks (not tests: they print figures, they assert nothing).

It creates a fresh PostgreSQL database, migrates it, serves the real app with gunicorn on a free loopback
port (PostgreSQL + Redis db 9, the WeChat emulator on), serves a bare one-route Flask app under the same
gunicorn settings for comparison, and drives both with wrk (32 connections, a fixed short duration).
Usage: see bench/bench_checkins.py.
"""
from __future__ import annotations

import base64
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
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/party_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
CONNECTIONS = 32
WORKERS = int(os.environ.get("BENCH_WORKERS", str(max(2, min(4, os.cpu_count() or 2)))))
THREADS = 4


def bench_config() -> dict:
    """Environment for the app under test (also used in-process to seed data)."""
    return {
        "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "APP_ENV": "development",
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "FIELD_KEY": base64.b64encode(b"b" * 32).decode(), "WECHAT_EMULATOR": "1",
    }


def make_app():
    """The service configured like the gunicorn workers (for seeding in this process)."""
    os.environ.update(bench_config())
    from server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "REDIS_URL": REDIS_URL})


def make_bare_app():
    """The comparison point: one route returning JSON, nothing else."""
    from flask import Flask, jsonify

    app = Flask("bare")

    @app.get("/ping")
    def ping():
        return jsonify({"ok": True})

    return app


def fresh_database() -> None:
    """Drop and recreate the bench database, flush its Redis db, and migrate to all heads."""
    url = sa.make_url(DATABASE_URL)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                     {"n": url.database})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    from server.store import connect

    connect(REDIS_URL).flushdb()
    env = {**os.environ, **bench_config()}
    subprocess.run([str(BIN / "flask"), "--app", "server", "db", "upgrade", "heads"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, ready_path: str = "/healthz", workers: int = WORKERS):
    """Serve app_spec (e.g. 'server:create_app()') on a free loopback port; yields the base URL."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    cmd = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
           "--chdir", str(ROOT), "--log-level", "warning", "--timeout", "60", app_spec]
    proc = subprocess.Popen(cmd, env={**os.environ, **bench_config()}, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(base + ready_path, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log.name}") from None
                time.sleep(0.3)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian when missing."""
    path = shutil.which("wrk")
    if path is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        path = shutil.which("wrk")
    return path


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: str
    extra: str


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(url: str, duration_s: int = 10, script: str | None = None, env: dict | None = None) -> LoadResult:
    """Drive url with wrk (CONNECTIONS connections, THREADS threads) and parse its report."""
    cmd = [ensure_wrk(), "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{duration_s}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, env={**os.environ, **(env or {})},
                         timeout=duration_s + 60).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(s|m)", out)
    seconds = float(total.group(2)) * (60 if total.group(3) == "m" else 1)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    extra = "\n".join(line for line in out.splitlines() if line.startswith("bench:"))
    return LoadResult(
        requests=int(total.group(1)), seconds=seconds, rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(re.search(r"50%\s+(\S+)", out).group(1)), p99_ms=_ms(re.search(r"99%\s+(\S+)", out).group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0, errors=errors.group(1) if errors else "none", extra=extra,
    )


def bare_baseline(duration_s: int = 10) -> LoadResult:
    """Requests/s and latency of the bare one-route app under the same gunicorn settings."""
    with gunicorn("bench.common:make_bare_app()", ready_path="/ping") as base:
        return run_wrk(base + "/ping", duration_s)


def describe(name: str, result: LoadResult) -> str:
    return (f"{name}: {result.rps:.0f} req/s over {result.seconds:.1f} s ({result.requests} requests), "
            f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, non-2xx {result.non_2xx}, socket errors {result.errors}")
