"""Serving and loading for the wrk benches: gunicorn, the bare app, wrk, the worker memory, the shared figures.

- `gunicorn()` serves an app (the real one or `make_bare_app()`) on a free loopback port and stops it after;
- `run_wrk()` drives it with wrk through bench/lines.lua, one request a line (method, path, token, body), and
  reads back the answers counted by status and the exact p50/p95/p99;
- `compare_with_bare()` serves the service and the bare one-route app side by side with the same gunicorn
  settings and drives them with the same requests in alternating turns of a few seconds (both see the same
  machine), and reads each service worker's RSS from /proc before stopping it.
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
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import spyprofile
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
    # deploy/gunicorn.conf.py (preloaded app, its hooks), but for the access log (GUNICORN_ACCESS_LOG empty),
    # the recycling (a worker's restart every 2,000 requests is a deployment's choice, not a request's cost) and the
    # timeout (a first run builds statements while wrk already sends).
    cmd = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
           "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning",
           "--timeout", "60", "--max-requests", "0", app_spec]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "GUNICORN_ACCESS_LOG": "", **env}, stdout=log_file,
                            stderr=log_file, start_new_session=True)
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
    quantiles_ms: list[float] = field(default_factory=list)  # the latency at every 0.1 % (for merging runs)
    next_line: int = 0  # the first request line a run continuing this one sends

    @classmethod
    def merged(cls, runs: list[LoadResult]) -> LoadResult:
        """Runs of one app taken in slices, as one: requests and time summed, the percentiles read from the
        runs' quantiles, each run weighted by its requests."""
        if len(runs) == 1:
            return runs[0]
        weighted = sorted((q, run.requests / max(len(run.quantiles_ms), 1)) for run in runs for q in run.quantiles_ms)
        total = sum(w for _, w in weighted)

        def percentile(p: float) -> float:
            reached = 0.0
            for value, weight in weighted:
                reached += weight
                if reached >= total * p / 100:
                    return value
            return weighted[-1][0] if weighted else 0.0

        requests, seconds = sum(r.requests for r in runs), sum(r.seconds for r in runs)
        statuses = {k: sum(r.statuses.get(k, 0) for r in runs) for k in runs[0].statuses}
        errors = "; ".join(sorted({r.errors for r in runs} - {"none"})) or "none"
        return cls(requests=requests, seconds=seconds, rps=requests / seconds if seconds else 0.0,
                   p50_ms=percentile(50), p95_ms=percentile(95), p99_ms=percentile(99), statuses=statuses,
                   errors=errors, next_line=runs[-1].next_line)

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
            content_type: str = "application/json", offset: int = 0) -> LoadResult:
    """Drive base with wrk for duration_s: thread t sends requests offset + t, offset + t + 4, … (each once before
    repeats)."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-lines-", delete=False) as f:
        f.write("\n".join(r.line() for r in requests) + "\n")
    threads = min(WRK_THREADS, connections)
    env = {**os.environ, "BENCH_LINES": f.name, "BENCH_CONTENT_TYPE": content_type, "BENCH_THREADS": str(threads),
           "BENCH_OFFSET": str(offset)}
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
    following = re.search(r"^bench-next: (\d+)$", out, re.M)
    quantiles = re.search(r"^bench-quantiles-us: (.*)$", out, re.M)
    return LoadResult(
        requests=int(total.group(1)), seconds=float(total.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[total.group(3)],
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=lat["p50"], p95_ms=lat["p95"], p99_ms=lat["p99"],
        statuses={k: int(v) for k, v in (kv.split("=") for kv in statuses.group(1).split())},
        errors=errors.group(1) if errors else "none",
        quantiles_ms=[int(v) / 1000 for v in quantiles.group(1).split()] if quantiles else [],
        next_line=int(following.group(1)) if following else offset)


KERNEL = "workers in the kernel"


def cpu_ticks() -> Counter:
    """utime + stime of every process now, keyed by (pid, kind): the gunicorn workers (and any other Python
    process), PostgreSQL, Redis, the rest; and the workers' stime alone (kind KERNEL: their system calls)."""
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
        if kind == "workers":
            ticks[(pid, KERNEL)] = int(fields[12])
    return ticks


def cpu_spent(before: Counter, after: Counter) -> Counter:
    """Clock ticks of CPU by kind of process between two readings. A process that ended meanwhile is not
    counted: wrk, which ends with its run, is left out."""
    spent: Counter = Counter()
    for key, value in after.items():
        spent[key[1]] += value - before.get(key, 0)
    return spent


def cpu_per_request(spent: Counter, requests: int) -> dict[str, float]:
    """ms of CPU a request by kind of process, from the ticks `cpu_spent` read over the requests' runs."""
    hz = os.sysconf("SC_CLK_TCK")
    return {kind: 1000 * spent[kind] / hz / max(requests, 1)
            for kind in ("workers", KERNEL, "PostgreSQL", "Redis", "other")}


def describe_cpu(cost: dict[str, float]) -> str:
    """'workers 1.61 ms (0.52 in the kernel), PostgreSQL 0.51 ms, …'"""
    return ", ".join(f"{kind} {ms:.2f} ms" + (f" ({cost[KERNEL]:.2f} in the kernel)" if kind == "workers" else "")
                     for kind, ms in cost.items() if ms >= 0.005 and kind != KERNEL)


def run_wrk_costed(base: str, requests: list[Request], duration_s: int, connections: int = CONNECTIONS,
                   content_type: str = "application/json", offset: int = 0) -> tuple[LoadResult, Counter]:
    """`run_wrk`, and the CPU the run cost, by kind of process, read from /proc around it (`cpu_spent`)."""
    before = cpu_ticks()
    result = run_wrk(base, requests, duration_s, connections, content_type, offset)
    return result, cpu_spent(before, cpu_ticks())


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


SLICE_S = 5  # the service and the bare app take turns of this many seconds
WARM_UP_S = 2  # an unmeasured turn of each app's real requests first


def slices(duration_s: int) -> tuple[int, int]:
    """(turns, seconds a turn) for `duration_s` seconds of wrk per app."""
    turns = max(1, round(duration_s / SLICE_S))
    return turns, max(1, round(duration_s / turns))


@dataclass
class Turns:
    """What `take_turns` measured for each app, in the order given."""

    results: list[LoadResult]
    cpu: list[dict[str, float]]
    worker_rss_mb: list[float]
    worker_pss_mb: list[float]


def take_turns(args: argparse.Namespace, env: dict, specs: list[str],
               batches: list[Callable[[], list[Request]]], content_type: str = "application/json") -> Turns:
    """The apps `specs` served side by side under the same gunicorn settings and driven by wrk (same script,
    connections) in turns of about SLICE_S seconds, one app after the other, until each has had `args.duration`
    seconds: so all see the same machine (this one's speed moves by a third within a minute; with one app after
    the other in long runs the ratio moved with it). The idle apps' workers sleep in accept(). Before the
    measured turns each app has one unmeasured turn of WARM_UP_S seconds of its own requests. Each app's turns
    continue where its last one stopped (its requests stay fresh); `batches[i]()` gives app i's requests and is
    called before each of its turns (for requests carrying short-lived codes). The first app's workers' RSS is
    read at the end, and with BENCH_PROFILE set py-spy samples them meanwhile."""
    wrk = ensure_wrk()
    turns, seconds = slices(args.duration)
    with ExitStack() as stack:
        served = [stack.enter_context(gunicorn(spec, env, workers=args.workers)) for spec in specs]
        for app in served:  # warm-up (not measured): every worker has loaded its app and opened its connections
            subprocess.run([wrk, "-t", "2", "-c", str(args.connections), "-d", "2s", app.base + "/healthz"],
                           capture_output=True, timeout=60)
        # Then one unmeasured turn of the real requests: each worker's first ones pay what a process pays once
        # (wechatpy imported on the first notice, statements compiled, the known-event copies), not the figures.
        offsets = [run_wrk(app.base, batches[i](), WARM_UP_S, args.connections, content_type).next_line
                   for i, app in enumerate(served)]
        spy = _profiling(served[0].pid, turns * seconds * len(specs), args)
        runs, spent = [[] for _ in specs], [Counter() for _ in specs]
        for _ in range(turns):
            for i, app in enumerate(served):
                offset = runs[i][-1].next_line if runs[i] else offsets[i]
                result, cost = run_wrk_costed(app.base, batches[i](), seconds, args.connections, content_type,
                                              offset)
                runs[i].append(result)
                spent[i].update(cost)
        if spy is not None:
            spy[0].wait(timeout=60)
            spyprofile.report(spy[1])
        rss, pss = worker_rss_mb(served[0].pid), worker_pss_mb(served[0].pid)
    results = [LoadResult.merged(r) for r in runs]
    return Turns(results, [cpu_per_request(ticks, r.requests) for ticks, r in zip(spent, results)], rss, pss)


def compare_with_bare(args: argparse.Namespace, env: dict, requests: list[Request] | Callable[[], list[Request]],
                      bare_reply: str = "json", content_type: str = "application/json") -> Comparison:
    """The service and the bare one-route app in turns (`take_turns`), the same requests to both. `requests`
    may be a function, called right before each turn (for requests carrying short-lived codes)."""
    batch = requests if callable(requests) else (lambda: requests)
    run = take_turns(args, env, ["server:create_app()", f"bench.load:make_bare_app({bare_reply!r})"],
                     [batch, batch], content_type)
    return Comparison(*run.results, run.worker_rss_mb, run.worker_pss_mb, *run.cpu)


def describe_turns(args: argparse.Namespace) -> str:
    turns, seconds = slices(args.duration)
    return f"{turns} turns of {seconds} s per app, the apps alternating"


def _profiling(pid: int, seconds: int, args: argparse.Namespace):
    """With BENCH_PROFILE set: py-spy on the service's workers while the turns run (bench/spyprofile.py)."""
    folder = os.environ.get("BENCH_PROFILE")
    if not folder:
        return None
    out = Path(folder) / f"{Path(sys.argv[0]).stem}.raw"
    process = spyprofile.start(pid, seconds, out)
    return (process, out) if process is not None else None


def load_figures(service_label: str, run: Comparison, args: argparse.Namespace) -> dict:
    """The shared lines of a wrk bench's final block."""
    return {
        service_label: run.service.describe(),
        "bare Flask endpoint": run.bare.describe(),
        "ratio service / bare": f"{run.ratio:.3f} (p99 {run.service.p99_ms:.1f} ms against {run.bare.p99_ms:.1f} ms)",
        "CPU a request, service": describe_cpu(run.service_cpu),
        "CPU a request, bare": describe_cpu(run.bare_cpu),
        "load": f"gunicorn {args.workers} sync workers; wrk {min(WRK_THREADS, args.connections)} threads, "
                f"{args.connections} connections; {describe_turns(args)}",
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
