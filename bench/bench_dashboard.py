"""Benchmark (not a test): the county dashboard at province scale on PostgreSQL.

    .venv/bin/python bench/bench_dashboard.py [--members 500000] [--townships 100] [--checkins 20000000]
        [--outbox 1000000] [--requests 200] [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

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

import argparse
import base64
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DB_NAME = "party_bench_dash"
FIELD_KEY = base64.b64encode(b"b" * 32).decode()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def recreate(admin_url: str) -> str:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n "
                             "AND pid <> pg_backend_pid()"), {"n": DB_NAME})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DB_NAME}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return sa.make_url(admin_url).set(database=DB_NAME).render_as_string(hide_password=False)


def timed(conn, label: str, sql: str, **params) -> None:
    start = time.perf_counter()
    conn.execute(sa.text(sql), params)
    log(f"{label}: {time.perf_counter() - start:.1f} s")


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
            log(f"past check-ins represented: {total}")
            timed(conn, f"{args.outbox} check-in outbox rows for {month}", """
                INSERT INTO outbox_changes (type, member_id, township_id, at, data)
                SELECT 'checkin.created', m, 1 + m % :n, now(),
                       json_build_object('checkin_id', i, 'event_id', 1 + m % :n, 'event_kind', 'theme_day',
                                         'event_month', CAST(:month AS text), 'branch_id', 1 + m % :n, 'manual', false)
                FROM (SELECT i, (1 + (i::bigint * 7919) % :members)::int AS m FROM generate_series(1, :outbox) i) s
            """.replace(":n", str(args.townships)), month=month, members=args.members, outbox=args.outbox)
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        timed(conn, "VACUUM ANALYZE (what autovacuum keeps up in production)", "VACUUM ANALYZE")
        log(f"data set ready (series months {first}..{month})")


def bench_rollup(app, args) -> None:
    from server.dashboard import rollup

    with app.app_context():
        start = time.perf_counter()
        done = 0
        while True:
            applied, more = rollup.apply_batch(args.batch)
            done += applied
            if more and done % (args.batch * 40) == 0:
                rate = done / (time.perf_counter() - start)
                log(f"  roll-up applied {done} ({rate:,.0f} changes/s)")
            if not more:
                break
        elapsed = time.perf_counter() - start
        log(f"ROLL-UP: {done} outbox changes in {elapsed:.1f} s = {done / elapsed:,.0f} changes/s "
            f"(batch {args.batch}, one transaction per batch)")
        start = time.perf_counter()
        for _ in range(20):
            rollup.run()
        log(f"ROLL-UP with nothing new: {(time.perf_counter() - start) / 20 * 1000:.1f} ms per run")


def bench_requests(app, args) -> None:
    from server.auth.tokens import STAFF_TOKEN_TTL, Principal, issue

    client = app.test_client()
    with app.app_context():
        county = issue(Principal(kind="staff", subject_id=1, roles=["county_admin"]), STAFF_TOKEN_TTL)
    headers = {"Authorization": f"Bearer {county}"}
    for label, url in (("GET /api/v1/dashboard/county", "/api/v1/dashboard/county"),
                       ("GET /api/v1/dashboard/townships/7", "/api/v1/dashboard/townships/7")):
        start = time.perf_counter()
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        log(f"{label}: first call {(time.perf_counter() - start) * 1000:.1f} ms")
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            resp = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            assert resp.status_code == 200
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        log(f"{label}: p50 {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, max {times[-1]:.1f} ms "
            f"over {args.requests} requests")
    body = client.get("/api/v1/dashboard/county", headers=headers).get_json()
    t = body["totals"]
    log(f"county totals: members {t['members']}, reported {t['reported']}, checkin_rate {t['checkin_rate']}, "
        f"dues_paid_rate {t['dues_paid_rate']}, arrears_6m {t['arrears_6m']}, lost_contact {t['lost_contact']}, "
        f"check-ins this month {t['checkins']}")


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
            log(f"plan, {label}: " + " | ".join(line.strip() for line in plan if "Scan" in line or "Execution" in line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--members", type=int, default=500_000)
    parser.add_argument("--townships", type=int, default=100)
    parser.add_argument("--checkins", type=int, default=20_000_000)
    parser.add_argument("--outbox", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reuse", action="store_true", help="time the requests on the existing data set only")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from server import create_app

    url = (sa.make_url(args.admin_url).set(database=DB_NAME).render_as_string(hide_password=False)
           if args.reuse else recreate(args.admin_url))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "memory://bench", "FIELD_KEY": FIELD_KEY,
                      "SECRET_KEY": "bench-secret", "WECHAT_EMULATOR": False})
    if not args.reuse:
        with app.app_context():
            upgrade(revision="heads")
        log(f"database {DB_NAME} migrated")
        generate(app, args)
        bench_rollup(app, args)
    bench_requests(app, args)
    explain(app)


if __name__ == "__main__":
    main()
