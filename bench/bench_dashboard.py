"""Benchmark (not a test): the county and township dashboards at province scale on PostgreSQL.

    .venv/bin/python -m bench.bench_dashboard [--quick] [--scale 500000] [--outbox 100000] [--duration 15]
        [--connections 8]

Works on a copy of the province data set at `--scale` members (bench/province.py; built once and cached).
1. Roll-up: `--outbox` check-ins of this month written as outbox rows and applied by the real roll-up job
   batch by batch (its throughput), so the current month has figures too.
2. Readers: GET /api/v1/dashboard/county and GET /api/v1/dashboard/townships/{id} (every township in turn)
   under gunicorn with `--connections` concurrent readers (8), p50/p95/p99 against the 50 ms target, and the
   bare endpoint under the same load for the ratio. The county view's member figures are cached for
   DASHBOARD_MEMBER_CACHE_S (60 s) and both views as answered while the roll-up and the lost-contact flags
   stand still (DASHBOARD_VIEW_CACHE_S, at most 300 s), so the first, uncached call is timed separately.
3. Plans: every SELECT the two views run uncached (both caches off), captured in-process and EXPLAINed
   (FORMAT JSON); prints whether any plan has a Seq Scan on a large table.
4. Cost per request, in-process (bench/request_cost.py): statements, app CPU and time waiting on the
   database, for each view served from the view cache (DASHBOARD_VIEW_CACHE_S, the steady state while the
   roll-up stands still) and computed afresh (both caches off) — steadier than latency on a shared machine.
"""
from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common, load, plans, province, request_cost  # noqa: E402

FULL = {"scale": 500_000, "outbox": 100_000, "batch": 5000, "connections": 8}
QUICK = {"scale": 1000, "outbox": 10_000, "batch": 2000, "connections": 8}
P95_TARGET_MS = 50


def add_outbox(app, args) -> None:
    """`--outbox` check-in outbox rows for this month, over the province's members and theme days."""
    from server.common.timeutil import current_month
    from server.extensions import db

    towns = province.townships_for(args.scale)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text("""
            INSERT INTO outbox_changes (type, member_id, township_id, at, data)
            SELECT 'checkin.created', m, 1 + m % :towns, now(),
                   json_build_object('checkin_id', i, 'event_id', 1 + m % :towns, 'event_kind', 'theme_day',
                                     'event_month', CAST(:month AS text), 'branch_id', 1 + m % :towns, 'manual', false)
            FROM (SELECT i, (1 + (i::bigint * 7919) % :members)::int AS m FROM generate_series(1, :outbox) i) s"""),
            {"towns": towns, "month": current_month(), "members": args.scale, "outbox": args.outbox})
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE outbox_changes"))


def bench_rollup(app, args) -> tuple[float, str]:
    """Apply the outbox to the roll-ups batch by batch; (changes/s, the figure's text)."""
    from server.dashboard import rollup

    with app.app_context():
        started, done = time.perf_counter(), 0
        for _ in range(args.outbox // args.batch + 2):  # bounded: one batch more than the rows need
            applied, more = rollup.apply_batch(args.batch)
            done += applied
            if not more:
                break
        elapsed = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(20):
            rollup.run()
        idle = (time.perf_counter() - started) / 20 * 1000
    return done / elapsed, (f"{done:,} outbox changes in {elapsed:.1f} s = {done / elapsed:,.0f} changes/s "
                            f"(batch {args.batch}); with nothing new {idle:.1f} ms per run")


def county_token(app) -> str:
    from server.core.tokens import STAFF_TOKEN_TTL, Principal, issue

    with app.app_context():
        return issue(Principal(kind="staff", subject_id=1, roles=["county_admin"], scope_id=1), STAFF_TOKEN_TTL)


def first_call_ms(env: dict, path: str, token: str) -> float:
    """One uncached call under gunicorn (a fresh server, the member-figures cache empty)."""
    common.delete_redis_keys("dashboard:*")
    with load.gunicorn("server:create_app()", env, workers=1) as served:
        started = time.perf_counter()
        req = urllib.request.Request(served.base + path, headers={"Authorization": f"Bearer {token}"})
        urllib.request.urlopen(req, timeout=60).read()
        return (time.perf_counter() - started) * 1000


def _urls(towns: int) -> tuple[tuple[str, str], ...]:
    return (("county view", "/api/v1/dashboard/county"),
            ("township view", f"/api/v1/dashboard/townships/{1 + towns // 2}"))


def request_costs(app, token: str, towns: int) -> dict:
    """Statements, app CPU and database time per request of each view, cached and computed afresh."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    costs = {}
    for cached in (True, False):
        app.config["DASHBOARD_VIEW_CACHE_S"] = 300 if cached else 0
        app.config["DASHBOARD_MEMBER_CACHE_S"] = 60 if cached else 0
        for label, url in _urls(towns):
            run = request_cost.measure(app, client, url, headers, calls=30 if cached else 10)
            costs[f"cost, {label}, {'cached' if cached else 'uncached'}"] = run.describe()
    return costs


def check_plans(app, token: str, towns: int) -> tuple[dict, list[str]]:
    """EXPLAIN every SELECT of the two views (uncached); (summary by view, lines for the large scans)."""
    app.config["DASHBOARD_MEMBER_CACHE_S"] = 0
    app.config["DASHBOARD_VIEW_CACHE_S"] = 0
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    summaries, details = {}, []
    for label, url in _urls(towns):
        results = plans.check(app, plans.capture(app, client, url, headers))
        summaries[label] = plans.summary(label, results)
        for r in results:
            if r["large_seq_scans"]:
                details.append(f"{label}: Seq Scan on {', '.join(r['large_seq_scans'])} in: {r['sql']}")
    return summaries, details


def main(argv=None) -> None:
    args = common.arguments(__doc__, FULL, QUICK, load=True, argv=argv)
    app, db_url = common.copy_app("dash", province.ensure(args.scale), emulator=False)
    towns = province.townships_for(args.scale)
    figures = {}
    add_outbox(app, args)
    rollup_rate, figures["roll-up"] = bench_rollup(app, args)
    token = county_token(app)
    env = common.service_env(db_url, emulator=False)
    first = first_call_ms(env, "/api/v1/dashboard/county", token)
    summaries, details = check_plans(app, token, towns)
    costs = request_costs(app, token, towns)
    common.dispose(app)
    common.delete_redis_keys("dashboard:*")
    views = {"county view": [load.Request("GET", "/api/v1/dashboard/county", token)],
             "township view": [load.Request("GET", f"/api/v1/dashboard/townships/{t}", token)
                               for t in range(1, towns + 1)]}
    runs = {}
    for label, requests in views.items():
        runs[label] = run = load.compare_with_bare(args, env, requests)
        s = run.service.statuses
        met = "met" if run.service.p95_ms <= P95_TARGET_MS else "NOT met"
        figures[label] = (f"p95 {run.service.p95_ms:.1f} ms (target ≤ {P95_TARGET_MS} ms: {met}); "
                          + run.service.describe())
        figures[f"{label}: full work"] = (f"{s['200']} of {run.service.answered} answered 200 with the whole view"
                                          + ("" if s['200'] == run.service.answered else
                                             " — others: " + " ".join(f"{k}={v}" for k, v in s.items() if v)))
        figures[f"{label}: ratio to bare"] = (f"{run.ratio:.3f} (bare {run.bare.rps:,.0f} req/s, "
                                              f"p99 {run.bare.p99_ms:.1f} ms)")
    figures["county view, first (uncached) call"] = f"{first:.0f} ms"
    for label, text in summaries.items():
        figures[f"EXPLAIN, {label}"] = text
    figures.update(costs)
    for i, line in enumerate(details, 1):
        figures[f"full scan {i}"] = line
    figures["load"] = (f"gunicorn {args.workers} sync workers; wrk {min(load.WRK_THREADS, args.connections)} "
                       f"threads, {args.connections} concurrent readers; {load.describe_turns(args)}")
    counts = province.figures(db_url)
    figures["data set"] = (f"copy of the province data set at scale {args.scale:,}: "
                           + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    county, township = runs["county view"].service, runs["township view"].service
    common.report("bench_dashboard", args, figures, headline={
        "rate": f"{rollup_rate:,.0f} roll-up changes/s",
        "county view": f"p95 {county.p95_ms:.1f} / p99 {county.p99_ms:.1f} ms",
        "township view": f"p95 {township.p95_ms:.1f} / p99 {township.p99_ms:.1f} ms",
        "full scans": "none" if not details else f"{len(details)} statements"})


if __name__ == "__main__":
    main()
