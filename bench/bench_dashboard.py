"""Benchmark (not a test): the county dashboard at province scale on PostgreSQL.

    .venv/bin/python -m bench.bench_dashboard [--quick] [--members 500000] [--townships 100]
        [--checkins 20000000] [--outbox 1000000] [--batch 5000] [--requests 200] [--reuse]

Builds a fresh database `party_bench_dash` through the real migrations, then with generate_series:
townships, one mobile branch each, members (statuses, paid_through, created_at, last activity spread
out), and check-ins. `--outbox` check-ins (this month) go through the real path: outbox rows applied by
the roll-up job (that measures its throughput); the rest of `--checkins`, spread over the previous 11
months, are loaded as the equivalent roll-up input (member_month_activity and branch_month_stats rows
aggregated in SQL), since replaying 2×10⁷ outbox rows through Python takes longer than the time box.
Then it times GET /api/v1/dashboard/county (first call: member figures computed; then cached for
DASHBOARD_MEMBER_CACHE_S) and one township drill-down through the Flask test client (p50/p99 over
--requests calls), and prints the plans of the county queries.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402

FULL = {"members": 500_000, "townships": 100, "checkins": 20_000_000, "outbox": 1_000_000, "batch": 5000,
        "requests": 200, "reuse": False}
QUICK = {"members": 5000, "townships": 20, "checkins": 100_000, "outbox": 10_000, "batch": 2000, "requests": 20,
         "reuse": False}


def timed(conn, label: str, sql: str, **params) -> None:
    start = time.perf_counter()
    conn.execute(sa.text(sql), params)
    common.log(f"{label}: {time.perf_counter() - start:.1f} s")


def generate(app, args) -> None:
    from server.common.crypto import encrypt
    from server.common.timeutil import current_month, month_add
    from server.extensions import db

    month = current_month()
    first = month_add(month, -11)
    with app.app_context():
        cipher = encrypt("420102198001011234")
        phone = encrypt("13800000000")
        with db.engine.begin() as conn:
            timed(conn, f"{args.townships} townships + branches", """
                INSERT INTO townships (id, name, created_at)
                SELECT t, '乡镇' || t, now() FROM generate_series(1, :n) t;
                INSERT INTO branches (id, township_id, kind, name, created_at)
                SELECT t, t, 'mobile', '乡镇' || t || '流动党员党支部', now() FROM generate_series(1, :n) t;
                INSERT INTO branches (id, township_id, kind, name, created_at)
                SELECT :n + t, t, 'village', '乡镇' || t || '村党支部', now() FROM generate_series(1, :n) t;
            """.replace(":n", str(args.townships)))
            timed(conn, f"{args.members} members", """
                INSERT INTO members (id, name, id_number, id_number_hash, phone, phone_hash, township_id,
                    village_branch_id, mobile_branch_id, is_committee, status, paid_through, last_activity_at,
                    created_at, updated_at)
                SELECT i, '党员' || i, :cipher, md5('id' || i), :phone, md5('ph' || i), t, :n + t, t, false,
                    CASE WHEN i % 50 = 0 THEN 'returned' WHEN i % 50 = 1 THEN 'lost_contact'
                         WHEN i % 50 = 2 THEN 'transferred' WHEN i % 97 = 3 THEN 'suspended' ELSE 'active' END,
                    CASE WHEN i % 11 = 0 THEN NULL
                         ELSE to_char(date_trunc('month', now()) - ((i % 10) || ' months')::interval, 'YYYY-MM') END,
                    now() - ((i % 240) || ' days')::interval,
                    now() - ((200 + i % 900) || ' days')::interval, now()
                FROM (SELECT i, 1 + i % :n AS t FROM generate_series(1, :members) i) s
            """.replace(":n", str(args.townships)), cipher=cipher, phone=phone, members=args.members)
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('members', 'id'), :m)"), {"m": args.members})
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('townships', 'id'), :m)"), {"m": args.townships})
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('branches', 'id'), :m)"),
                         {"m": 2 * args.townships})

            history = max(0, args.checkins - args.outbox)
            per_member_month = max(1, round(history / (args.members * 11 * 0.7)))
            timed(conn, f"~{history} past check-ins as roll-up input (member_month_activity)", """
                INSERT INTO member_month_activity (member_id, month, reports, checkins, paid_orders)
                SELECT m.id, to_char(date_trunc('month', now()) - (k || ' months')::interval, 'YYYY-MM'),
                       CASE WHEN (m.id + k) % 3 = 0 THEN 0 ELSE 1 END,
                       CASE WHEN (m.id * 7 + k) % 10 < 7 THEN :per ELSE 0 END,
                       CASE WHEN (m.id + k) % 4 = 0 THEN 0 ELSE 1 END
                FROM members m CROSS JOIN generate_series(1, 11) k
            """, per=per_member_month)
            timed(conn, "roll-up state of every member (rollup_members)", """
                INSERT INTO rollup_members (member_id, township_id, branch_id, status)
                SELECT id, township_id, mobile_branch_id, status FROM members
            """)
            timed(conn, "branch_month_stats aggregated from that input", """
                INSERT INTO branch_month_stats (township_id, branch_id, month, reported_members, checkin_members,
                    paid_members, checkins, paid_fen, special_fen, refunded_fen)
                SELECT r.township_id, r.branch_id, a.month,
                       count(*) FILTER (WHERE a.reports > 0 AND r.status = 'active'),
                       count(*) FILTER (WHERE a.checkins > 0 AND r.status = 'active'),
                       count(*) FILTER (WHERE a.paid_orders > 0 AND r.status = 'active'),
                       sum(a.checkins), sum(a.paid_orders) * 1500, 0, 0
                FROM member_month_activity a JOIN rollup_members r ON r.member_id = a.member_id
                GROUP BY r.township_id, r.branch_id, a.month
            """)
            total = conn.execute(sa.text("SELECT sum(checkins) FROM member_month_activity")).scalar()
            common.log(f"past check-ins represented: {total}")
            timed(conn, f"{args.outbox} check-in outbox rows for {month}", """
                INSERT INTO outbox_changes (type, member_id, township_id, at, data)
                SELECT 'checkin.created', m, 1 + m % :n, now(),
                       json_build_object('checkin_id', i, 'event_id', 1 + m % :n, 'event_kind', 'theme_day',
                                         'event_month', CAST(:month AS text), 'branch_id', 1 + m % :n, 'manual', false)
                FROM (SELECT i, (1 + (i::bigint * 7919) % :members)::int AS m FROM generate_series(1, :outbox) i) s
            """.replace(":n", str(args.townships)), month=month, members=args.members, outbox=args.outbox)
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        timed(conn, "VACUUM ANALYZE (what autovacuum keeps up in production)", "VACUUM ANALYZE")
        common.log(f"data set ready (series months {first}..{month})")


def bench_rollup(app, args, figures: dict) -> float:
    """Apply the outbox to the roll-ups batch by batch; returns changes/s."""
    from server.dashboard import rollup

    with app.app_context():
        start = time.perf_counter()
        done = 0
        while True:
            applied, more = rollup.apply_batch(args.batch)
            done += applied
            if more and done % (args.batch * 40) == 0:
                rate = done / (time.perf_counter() - start)
                common.log(f"  roll-up applied {done} ({rate:,.0f} changes/s)")
            if not more:
                break
        elapsed = time.perf_counter() - start
        figures["roll-up"] = (f"{done:,} outbox changes in {elapsed:.1f} s = {done / elapsed:,.0f} changes/s "
                              f"(batch {args.batch}, one transaction per batch)")
        start = time.perf_counter()
        for _ in range(20):
            rollup.run()
        figures["roll-up with nothing new"] = f"{(time.perf_counter() - start) / 20 * 1000:.1f} ms per run"
        return done / elapsed


def bench_requests(app, args, figures: dict) -> dict:
    """First-call and p50/p99 latency of the county view and one township drill-down; returns p50/p99 by view."""
    from server.core.tokens import STAFF_TOKEN_TTL, Principal, issue

    client = app.test_client()
    with app.app_context():
        county = issue(Principal(kind="staff", subject_id=1, roles=["county_admin"]), STAFF_TOKEN_TTL)
    headers = {"Authorization": f"Bearer {county}"}
    latency = {}
    for label, url in (("GET /api/v1/dashboard/county", "/api/v1/dashboard/county"),
                       ("GET /api/v1/dashboard/townships/7", "/api/v1/dashboard/townships/7")):
        start = time.perf_counter()
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        first = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            resp = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            assert resp.status_code == 200
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        latency[label] = (statistics.median(times), p99)
        figures[label] = (f"first call {first:.1f} ms; then p50 {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, "
                          f"max {times[-1]:.1f} ms over {args.requests} requests")
    body = client.get("/api/v1/dashboard/county", headers=headers).get_json()
    t = body["totals"]
    figures["county totals"] = (f"members {t['members']}, reported {t['reported']}, checkin_rate {t['checkin_rate']}, "
                                f"dues_paid_rate {t['dues_paid_rate']}, arrears_6m {t['arrears_6m']}, "
                                f"lost_contact {t['lost_contact']}, check-ins this month {t['checkins']}")
    return latency


def explain(app) -> None:
    from server.common.timeutil import current_month
    from server.extensions import db

    month = current_month()
    queries = {
        "members by township and status": "SELECT township_id, status, count(*) FROM members GROUP BY 1, 2",
        "paid up by township": f"SELECT township_id, count(*) FROM members WHERE status = 'active' "
                               f"AND paid_through >= '{month}' GROUP BY 1",
        "month stats by township": f"SELECT township_id, sum(checkin_members) FROM branch_month_stats "
                                   f"WHERE month = '{month}' GROUP BY 1",
    }
    with app.app_context():
        for label, sql in queries.items():
            plan = db.session.execute(sa.text("EXPLAIN (ANALYZE, BUFFERS OFF) " + sql)).scalars().all()
            common.log(f"plan, {label}: "
                       + " | ".join(line.strip() for line in plan if "Scan" in line or "Execution" in line))


def main(argv=None) -> None:
    args = common.arguments(__doc__, FULL, QUICK, argv=argv)
    figures = {}
    rollup_rate = None
    if args.reuse:  # time the requests on the data set a previous run left
        common.flush_redis()
        app = common.make_app(common.database_url("dash"), emulator=False)
    else:
        app, _ = common.fresh_app("dash", emulator=False)
        common.log("database party_bench_dash migrated")
        generate(app, args)
        rollup_rate = bench_rollup(app, args, figures)
    latency = bench_requests(app, args, figures)
    explain(app)
    figures["data set"] = (f"{args.members:,} members, {args.townships} townships, ~{args.checkins:,} check-ins "
                           f"({args.outbox:,} through the outbox)" + (" (reused)" if args.reuse else ""))
    county, township = latency["GET /api/v1/dashboard/county"], latency["GET /api/v1/dashboard/townships/7"]
    common.report("bench_dashboard", args, figures, headline={
        "rate": f"{rollup_rate:,.0f} roll-up changes/s" if rollup_rate else "roll-up not run (--reuse)",
        "county view": f"p50 {county[0]:.1f} / p99 {county[1]:.1f} ms",
        "township view": f"p50 {township[0]:.1f} / p99 {township[1]:.1f} ms"})


if __name__ == "__main__":
    main()
