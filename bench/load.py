"""Serving and loading for the wrk benches: gunicorn, the bare app, wrk, the worker memory, the shared figures.

- `gunicorn()` serves an app (the real one or `make_bare_app()`) on a free loopback port and stops it after;
- `run_wrk()` drives it with wrk through bench/lines.lua, one request a line (method, path, token, body), and
  reads back the answers counted by status and the exact p50/p95/p99;
- `compare_with_bare()` runs the service and then the bare one-route app with the same gunicorn settings and
  the same requests, in the same run, and reads each service worker's RSS from /proc before stopping it.
"""
from __future__ import annotations

import argparse
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
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import CONNECTIONS, ROOT, WORKERS

WRK_THREADS = 4
LINES_LUA = str(Path(__file__).with_name("lines.lua"))
RSS_TARGET_MB = 100


@dataclass
class Request:
    """One line of the wrk script: no tabs or newlines in any field."""

    method: str
    path: str
    token: str = ""
    body: str = ""

    def line(self) -> str:
        fields = (self.method, self.path, self.token, self.body)
        if any("\t" in f or "\n" in f for f in fields):
            raise ValueError("a wrk request line cannot hold a tab or a newline")
        return "\t".join(fields)


# ---- serving -----------------------------------------------------------------------------------------------

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


@dataclass
class Served:
    base: str
    pid: int


@contextmanager
def gunicorn(app_spec: str, env: dict, workers: int = WORKERS, ready_path: str = "/healthz"):
    """Serve app_spec (e.g. 'server:create_app()') with sync workers on a free loopback port; yields Served."""
    port = free_port()
    log_file = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    cmd = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
           "--chdir", str(ROOT), "--log-level", "warning", "--timeout", "60", "--preload", app_spec]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log_file, stderr=log_file,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    failed = True
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(base + ready_path, timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    state = f"exited with {proc.returncode}" if proc.poll() is not None else "not ready in 120 s"
                    raise RuntimeError(f"gunicorn did not start ({state}); see {log_file.name}") from None
                time.sleep(0.3)
        yield Served(base, proc.pid)
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


def worker_pss_mb(master_pid: int) -> list[float]:
    """The proportional set size (Pss, MB: shared pages divided among their sharers) of each child of a gunicorn
    master, from /proc/<pid>/smaps_rollup: with a preloaded app, what one more worker really costs."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != master_pid:
                continue
            rollup = (entry / "smaps_rollup").read_text()
        except (OSError, IndexError, ValueError):
            continue
        pss = [line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")]
        if pss:
            sizes.append(int(pss[0]) / 1024)
    return sorted(sizes)


def worker_rss_mb(master_pid: int) -> list[float]:
    """The resident set size (VmRSS, MB) of each child of a gunicorn master, from /proc."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == master_pid and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


# ---- load: wrk ----------------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    statuses: dict[str, int]  # "201", "200", "429", "4xx", "5xx", "other", counted by bench/lines.lua
    errors: str

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    def describe(self) -> str:
        counts = " ".join(f"{k}={v}" for k, v in self.statuses.items() if v) or "no answer"
        return (f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
                f"({self.requests} requests in {self.seconds:.1f} s; {counts}; socket errors {self.errors})")


def ensure_wrk() -> str:
    """The wrk binary; installs it from Debian when missing, and says so plainly when that is impossible."""
    path = shutil.which("wrk")
    if path is None:
        print("wrk is not installed; trying `apt-get install -y wrk` …", flush=True)
        try:
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SystemExit(f"wrk is missing and could not be installed ({exc}); install it with "
                             "`apt-get install -y wrk` and run the bench again") from None
        path = shutil.which("wrk")
        if path is None:
            raise SystemExit("wrk is missing: install it with `apt-get install -y wrk` and run the bench again")
    return path


def run_wrk(base: str, requests: list[Request], duration_s: int, connections: int = CONNECTIONS,
            content_type: str = "application/json") -> LoadResult:
    """Drive base with wrk for duration_s: thread t sends requests t, t + 4, t + 8, … (each once before repeats)."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-lines-", delete=False) as f:
        f.write("\n".join(r.line() for r in requests) + "\n")
    threads = min(WRK_THREADS, connections)
    env = {**os.environ, "BENCH_LINES": f.name, "BENCH_CONTENT_TYPE": content_type, "BENCH_THREADS": str(threads)}
    cmd = [ensure_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s", "--timeout", "10s",
           "-s", LINES_LUA, base]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=duration_s + 60).stdout
    finally:
        os.unlink(f.name)
    total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", out)
    statuses = re.search(r"^bench-status: (.*)$", out, re.M)
    latency = re.search(r"^bench-latency-us: (.*)$", out, re.M)
    if total is None or statuses is None or latency is None:
        raise RuntimeError("wrk printed no summary:\n" + out)
    lat = {k: int(v) / 1000 for k, v in (kv.split("=") for kv in latency.group(1).split())}
    errors = re.search(r"Socket errors: (.*)", out)
    return LoadResult(
        requests=int(total.group(1)), seconds=float(total.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[total.group(3)],
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=lat["p50"], p95_ms=lat["p95"], p99_ms=lat["p99"],
        statuses={k: int(v) for k, v in (kv.split("=") for kv in statuses.group(1).split())},
        errors=errors.group(1) if errors else "none")


def cpu_ticks() -> Counter:
    """utime + stime of every process now, keyed by (pid, kind): the gunicorn workers (and any other Python
    process), PostgreSQL, Redis, the rest."""
    ticks: Counter = Counter()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        kind = ("PostgreSQL" if name.startswith("postgres") else "Redis" if name.startswith("redis")
                else "workers" if name.startswith(("python", "gunicorn")) else "other")
        ticks[(pid, kind)] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_per_request(before: Counter, after: Counter, requests: int) -> dict[str, float]:
    """ms of CPU a request by kind of process between two readings. A process that ended meanwhile is not
    counted: wrk, which ends with its run, is left out."""
    spent: Counter = Counter()
    for key, value in after.items():
        spent[key[1]] += value - before.get(key, 0)
    hz = os.sysconf("SC_CLK_TCK")
    return {kind: 1000 * spent[kind] / hz / max(requests, 1) for kind in ("workers", "PostgreSQL", "Redis", "other")}


def describe_cpu(cost: dict[str, float]) -> str:
    return ", ".join(f"{kind} {ms:.2f} ms" for kind, ms in cost.items() if ms >= 0.005)


def run_wrk_costed(base: str, requests: list[Request], duration_s: int, connections: int = CONNECTIONS,
                   content_type: str = "application/json") -> tuple[LoadResult, dict[str, float]]:
    """`run_wrk`, and the CPU each request cost, by kind of process, read from /proc around the run."""
    before = cpu_ticks()
    result = run_wrk(base, requests, duration_s, connections, content_type)
    return result, cpu_per_request(before, cpu_ticks(), result.requests)


@dataclass
class Comparison:
    service: LoadResult
    bare: LoadResult
    worker_rss_mb: list[float] = field(default_factory=list)
    worker_pss_mb: list[float] = field(default_factory=list)
    service_cpu: dict[str, float] = field(default_factory=dict)
    bare_cpu: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.service.rps / self.bare.rps


def compare_with_bare(args: argparse.Namespace, env: dict, requests: list[Request] | Callable[[], list[Request]],
                      bare_reply: str = "json", content_type: str = "application/json") -> Comparison:
    """The service and the bare app, one after the other in this run, under the same gunicorn settings and the
    same wrk load (script, requests, connections, duration); each service worker's RSS is read after its run.
    `requests` may be a function, called right before each run (for requests carrying short-lived codes)."""
    wrk = ensure_wrk()
    results, costs, rss, pss = [], [], [], []
    for spec in ("server:create_app()", f"bench.load:make_bare_app({bare_reply!r})"):
        with gunicorn(spec, env, workers=args.workers) as served:
            # Warm-up (not measured): every worker has loaded its app and opened its connections.
            subprocess.run([wrk, "-t", "2", "-c", str(args.connections), "-d", "2s", served.base + "/healthz"],
                           capture_output=True, timeout=60)
            batch = requests() if callable(requests) else requests
            result, cost = run_wrk_costed(served.base, batch, args.duration, args.connections, content_type)
            results.append(result)
            costs.append(cost)
            if not rss:
                rss, pss = worker_rss_mb(served.pid), worker_pss_mb(served.pid)
    return Comparison(results[0], results[1], rss, pss, costs[0], costs[1])


def load_figures(service_label: str, run: Comparison, args: argparse.Namespace) -> dict:
    """The shared lines of a wrk bench's final block."""
    return {
        service_label: run.service.describe(),
        "bare Flask endpoint": run.bare.describe(),
        "ratio service / bare": f"{run.ratio:.3f} (p99 {run.service.p99_ms:.1f} ms against {run.bare.p99_ms:.1f} ms)",
        "CPU a request, service": describe_cpu(run.service_cpu),
        "CPU a request, bare": describe_cpu(run.bare_cpu),
        "load": f"gunicorn {args.workers} sync workers; wrk {min(WRK_THREADS, args.connections)} threads, "
                f"{args.connections} connections, {args.duration} s per endpoint",
    }


def rss_figure(run: Comparison) -> str:
    sizes = ", ".join(f"{s:.0f}" for s in run.worker_rss_mb) or "?"
    worst = max(run.worker_rss_mb, default=0)
    shared = ", ".join(f"{s:.0f}" for s in run.worker_pss_mb) or "?"
    return (f"{sizes} MB (largest {worst:.0f} MB; target ≤ {RSS_TARGET_MB} MB: "
            f"{'met' if worst <= RSS_TARGET_MB else 'NOT met'}); proportional (Pss, preloaded app shared) "
            f"{shared} MB")


def load_headline(rate_unit: str, run: Comparison) -> dict:
    """What run_all's table shows of a wrk bench."""
    return {"rate": f"{run.service.rps:,.0f} {rate_unit}",
            "latency": f"p50 {run.service.p50_ms:.1f} / p99 {run.service.p99_ms:.1f} ms",
            "vs bare": f"{run.ratio:.3f} of {run.bare.rps:,.0f} req/s"}
