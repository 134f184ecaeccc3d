"""What one request costs in-process: statements sent, the app's own CPU and the database's time.

`measure(app, client, url, headers, calls)` calls the view `calls` times through the test client (after one
unmeasured call) and returns per request: the SQL statements issued (by kind), the process CPU in ms (the
worker's Python: routing, ORM, serialising; the test client adds little) and the wall time spent waiting
on the database. The load of the machine barely moves the CPU figure, unlike wall-clock latency under wrk.
"""
from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass
class Cost:
    calls: int
    cpu_ms: float
    db_ms: float
    wall_ms: float
    statements: Counter = field(default_factory=Counter)

    def describe(self) -> str:
        kinds = ", ".join(f"{k} {v / self.calls:g}" for k, v in sorted(self.statements.items()))
        total = sum(self.statements.values()) / self.calls
        return (f"{total:g} statements a request ({kinds}); app CPU {self.cpu_ms:.1f} ms, waiting on the "
                f"database {self.db_ms:.1f} ms, wall {self.wall_ms:.1f} ms a request (in-process, {self.calls} calls)")


def measure(app, client, url: str, headers: dict, calls: int = 30) -> Cost:
    """Counted at psycopg's cursor, so the statements SQLAlchemy sends and those sent on the driver connection
    directly (server/common/driversql.py) are counted alike; on SQLite through SQLAlchemy's events."""
    from server.extensions import db

    counts: Counter = Counter()
    waited = [0.0]

    def note(statement, started: float) -> None:
        waited[0] += time.perf_counter() - started
        text = statement.decode() if isinstance(statement, bytes) else str(statement)
        counts[text.lstrip().split(None, 1)[0].upper()] += 1

    with app.app_context():
        engine = db.engine
    resp = client.get(url, headers=headers)
    if resp.status_code != 200:
        raise RuntimeError(f"{url} answered {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
    with _counting(engine, note):
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            client.get(url, headers=headers)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Cost(calls, cpu / calls * 1000, waited[0] / calls * 1000, wall / calls * 1000, counts)


@contextmanager
def _counting(engine, note):
    """`note(statement, started)` after every statement the app sends while the block runs."""
    if engine.dialect.name != "postgresql":
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            note(statement, conn.info.pop("bench_started", time.perf_counter()))

        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        try:
            yield
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
            sa.event.remove(engine, "after_cursor_execute", after)
        return
    import psycopg

    real = psycopg.Cursor.execute

    def execute(cursor, query, *args, **kwargs):
        started = time.perf_counter()
        try:
            return real(cursor, query, *args, **kwargs)
        finally:
            note(query, started)

    psycopg.Cursor.execute = execute
    try:
        yield
    finally:
        psycopg.Cursor.execute = real
