"""Run every benchmark in sequence, each in its own process, and print one summary table.

    .venv/bin/python -m bench.run_all [--quick] [--only bench_checkins,bench_sync] [--scale 100000]

`--scale N` runs every bench that works on the province data set (check-ins, notices, sync, dashboard) at N
members instead of its default size.

Each bench prints its own final block as it goes; the table at the end gathers their `bench-json:` lines.
Exits non-zero when any bench failed (the table says which).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ["roster_import", "bench_checkins", "lean_checkin", "bench_pay_notify", "bench_sync", "bench_dashboard"]
SCALED = ("bench_checkins", "lean_checkin", "bench_pay_notify", "bench_sync", "bench_dashboard")


def run(name: str, quick: bool, scale: int | None = None) -> tuple[dict | None, float, int]:
    """Run one bench, echoing its output; returns (its bench-json payload or None, seconds, exit code)."""
    cmd = [sys.executable, "-m", f"bench.{name}"] + (["--quick"] if quick else [])
    if scale and name in SCALED:
        cmd += ["--scale", str(scale)]
    print(f"\n##### {' '.join(cmd[1:])}", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    payload = None
    for line in proc.stdout:
        print(line, end="", flush=True)
        if line.startswith("bench-json: "):
            payload = json.loads(line.removeprefix("bench-json: "))
    return payload, time.perf_counter() - started, proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every bench at its quick size")
    parser.add_argument("--only", default="", help="comma-separated bench names (default: all)")
    parser.add_argument("--scale", type=int, default=None, help="members of the province data set")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or BENCHES
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows, failed = [], False
    for name in names:
        payload, seconds, code = run(name, args.quick, args.scale)
        failed |= code != 0
        headline = (payload or {}).get("headline", {})
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        rows.append((name, status, f"{seconds:.0f} s", headline.get("rate", "-"),
                     "; ".join(f"{k} {v}" for k, v in headline.items() if k != "rate") or "-",
                     (payload or {}).get("load_at_start", "-")))
    header = ("bench", "status", "took", "headline rate", "other figures", "load at start")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n===== summary ({'quick' if args.quick else 'full'} size; {os.cpu_count()} cores, load average "
          f"at start {load}) =====")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
