"""Probe (not a test): whether psycopg's pipeline mode would make a payment notice's transaction cheaper.

A notice is five round trips on one connection: BEGIN, the move (rows), a read (rows), the writes, COMMIT.
Pipeline mode would send them in three waits (BEGIN with the move, the writes with COMMIT). This sends the
same shape of transaction (`SELECT`s standing in for the statements) `--calls` times each way, alternating
plain and pipelined rounds, and prints the client CPU and the wall time per transaction, and their ratio.
Measured on 3 December 2026 (2 cores): pipelined 1.4-3.0x the CPU and 1.1-2.5x the wall time of plain, so the
notice keeps its five plain round trips (docs/performance.md).

    .venv/bin/python -m bench.pipeline_probe [--calls 3000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402


def _statements(conn) -> None:
    conn.execute("BEGIN")
    conn.execute("SELECT %s::int", (1,)).fetchall()  # the move: its rows are needed at once
    conn.execute("SELECT %s::int", (2,)).fetchall()  # the read under the lock
    conn.execute("SELECT %s::int", (3,))  # the writes: no rows asked for
    conn.execute("COMMIT")


def plain(conn) -> None:
    _statements(conn)


def pipelined(conn) -> None:
    with conn.pipeline():
        _statements(conn)


def measure(conn, send, calls: int) -> tuple[float, float]:
    """(client CPU µs, wall µs) per transaction."""
    for _ in range(min(200, calls)):
        send(conn)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        send(conn)
    return (time.process_time() - cpu) / calls * 1e6, (time.perf_counter() - wall) / calls * 1e6


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    url = sa.make_url(common.PG_BASE).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        print("round  plain CPU / wall µs   pipelined CPU / wall µs   pipelined / plain (CPU, wall)")
        for n in range(1, args.rounds + 1):
            p_cpu, p_wall = measure(conn, plain, args.calls)
            q_cpu, q_wall = measure(conn, pipelined, args.calls)
            print(f"{n:>5}  {p_cpu:8.0f} / {p_wall:6.0f}      {q_cpu:8.0f} / {q_wall:6.0f}            "
                  f"{q_cpu / p_cpu:.2f}x, {q_wall / p_wall:.2f}x")
    print(f"machine: {common.machine_facts()}")


if __name__ == "__main__":
    main()
