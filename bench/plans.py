"""The query plans of a request: capture the SQL a view runs, then EXPLAIN (FORMAT JSON) each statement.

`capture(app, client, url, headers)` calls the view once in-process and records every statement with its
parameters; `check(app, statements)` explains them and reports each Seq Scan on a large table (more than
LARGE_ROWS estimated rows), which at province scale is a full scan a dashboard cannot afford.
"""
from __future__ import annotations

import json

import sqlalchemy as sa

LARGE_ROWS = 10_000


def capture(app, client, url: str, headers: dict) -> list[tuple[str, object]]:
    """The SELECT statements (with their parameters) the request to `url` ran."""
    from server.extensions import db

    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        resp = client.get(url, headers=headers)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    if resp.status_code != 200:
        raise RuntimeError(f"{url} answered {resp.status_code}: {resp.get_data(as_text=True)[:300]}")
    return statements


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def check(app, statements: list[tuple[str, object]]) -> list[dict]:
    """One entry per statement: its first line, the scans in its plan, and the large tables it scans in full."""
    from server.extensions import db

    out = []
    with app.app_context(), db.engine.connect() as conn:
        sizes = dict(conn.execute(sa.text(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace")).all())
        for statement, parameters in statements:
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
            root = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
            scans = [(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in _nodes(root)
                     if "Scan" in n["Node Type"] and n.get("Relation Name")]
            full = sorted({rel for kind, rel, _ in scans if kind == "Seq Scan" and sizes.get(rel, 0) > LARGE_ROWS})
            out.append({"sql": " ".join(statement.split())[:110], "scans": scans, "large_seq_scans": full,
                        "cost": root.get("Total Cost")})
        conn.rollback()
    return out


def summary(label: str, results: list[dict]) -> str:
    bad = [r for r in results if r["large_seq_scans"]]
    if not bad:
        return f"{len(results)} statements, no Seq Scan on a table over {LARGE_ROWS:,} rows"
    tables = sorted({t for r in bad for t in r["large_seq_scans"]})
    return (f"{len(results)} statements, {len(bad)} with a Seq Scan on a large table ({', '.join(tables)}) "
            f"— a full scan")
