"""The province data set, built set-based on PostgreSQL and cached under a named database between runs.

    .venv/bin/python -m bench.province [--scale 500000] [--rebuild]

At the full scale (5×10⁵ members, what a province has): 100 townships with a mobile and a village branch
each, members with statuses and paid_through spread out, a bound WeChat account per member, four theme
days a month per mobile branch over the twelve months before this one with 40 check-ins per member
(2×10⁷), 13 paid dues months per paying member (~6×10⁶ ledger rows and month claims, one order per member
and calendar year, the yearly standards they were paid at), report-ins for two months in three, and the
dashboard's roll-up tables (rollup_members, member_month_activity, branch_month_stats) as the roll-up job
would have left them with the outbox drained, computed by the rules that generated those rows.
The current month is left empty for the benches to fill. `--scale N` builds N members and everything else
in proportion (townships: N / 5000, at least 4, at most 100).

Everything is INSERT … SELECT over generate_series, in two connections side by side (one per core). The big
tables are loaded without their secondary indexes and unique constraints and without foreign-key triggers
(`session_replication_role = replica`; the rows are consistent by construction), and those no foreign key
points at without their primary keys (PK_DROPPED), then indexed again from their own definitions (so an
index a migration adds is rebuilt too), in two lanes of about equal work. It prints rows/s per step and
per table and the time of each phase. The smaller tables are vacuumed, the
big ones only analysed (what autovacuum does to them later is left to it).

The database is `<BENCH_DB_PREFIX>_province_<scale>`. It is reused when its comment names the current
migration heads and this builder's version, otherwise rebuilt under a temporary name and renamed when
complete, so a half-built set is never taken for a finished one. Benches work on a copy of it
(`common.copy_database`), never on the cached set itself.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402

FULL_SCALE = 500_000
BUILDER_VERSION = 4
EVENTS_PER_BRANCH = 48  # four theme days a month over twelve months
PAID_MONTHS = 13
BIG_TABLES = ("members", "wechat_accounts", "events", "checkins", "reports", "dues_standards", "dues_orders",
              "dues_month_claims", "dues_ledger", "member_month_activity", "rollup_members")


def townships_for(scale: int) -> int:
    return min(100, max(4, scale // 5000))


def database_name(scale: int) -> str:
    return f"province_{scale}"


def stamp(scale: int) -> str:
    """What the cached database's comment must say to be reused."""
    from alembic.script import ScriptDirectory

    heads = ",".join(sorted(ScriptDirectory(str(common.ROOT / "migrations")).get_heads()))
    return f"bench province v{BUILDER_VERSION} scale {scale} heads {heads}"


def _comment(db_name: str) -> str | None:
    with common.admin_engine().connect() as conn:
        return conn.execute(sa.text(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
            {"n": db_name}).scalar()


def ensure(scale: int, rebuild: bool = False) -> str:
    """The URL of the cached province data set at `scale` members, built first when missing or stale."""
    name = database_name(scale)
    url = common.database_url(name)
    if not rebuild and _comment(sa.make_url(url).database) == stamp(scale):
        common.log(f"province data set at scale {scale:,} reused ({sa.make_url(url).database})")
        return url
    started = time.perf_counter()
    building = common.database_url(name + "_building")
    app = common.fresh_database(building)
    build(app, scale)
    common.dispose(app)
    common.rename_database(building, url)
    comment = stamp(scale).replace("'", "''")
    with common.admin_engine().connect() as conn:
        conn.execute(sa.text(f'COMMENT ON DATABASE "{sa.make_url(url).database}" IS \'{comment}\''))
    common.log(f"province data set at scale {scale:,} built in {time.perf_counter() - started:.0f} s")
    return url


LOADED: dict[str, list[float]] = {}  # table → [rows, seconds] over this build's INSERTs


def _timed(conn, label: str, sql: str, **params) -> None:
    started = time.perf_counter()
    result = conn.execute(sa.text(sql), params)
    elapsed = time.perf_counter() - started
    rows = result.rowcount if result.rowcount and result.rowcount > 0 else 0
    target = sql.split("INSERT INTO ", 1)[1].split()[0] if "INSERT INTO " in sql else None
    if target and rows:
        total = LOADED.setdefault(target, [0, 0.0])
        total[0] += rows
        total[1] += elapsed
    rate = f"{rows:,} rows, {rows / elapsed:,.0f} rows/s, " if rows and elapsed > 0 else ""
    common.log(f"  {label}: {rate}{elapsed:.1f} s")


def _drop_secondary_indexes(conn, tables) -> list[str]:
    """Drop the unique constraints and indexes other than primary keys, and the primary keys of the tables in
    PK_DROPPED; returns the statements that rebuild them (an index built once over sorted rows is cheaper
    than one maintained row by row)."""
    rebuild = []
    for name, table, definition in conn.execute(sa.text(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE (contype = 'u' OR (contype = 'p' AND conrelid::regclass::text = ANY(:p))) "
            "AND conrelid::regclass::text = ANY(:t)"), {"t": list(tables), "p": list(PK_DROPPED)}).all():
        conn.execute(sa.text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in conn.execute(sa.text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE NOT i.indisprimary AND i.indrelid::regclass::text = ANY(:t)"), {"t": list(tables)}).all():
        conn.execute(sa.text(f"DROP INDEX {name}"))
        rebuild.append(definition)
    return rebuild


def _table_of(statement: str) -> str:
    table = statement.split(" ON ")[1].split()[0] if " ON " in statement else statement.split()[2]
    return table.removeprefix("public.")


def _rebuild_lanes(rebuild: list[str], sizes: dict[str, int]) -> list[list[tuple[str, str]]]:
    """The index rebuilds in two lanes of about equal work (rows indexed), largest first."""
    lanes: list[list[tuple[str, str]]] = [[], []]
    work = [0, 0]
    for statement in sorted(rebuild, key=lambda st: -sizes.get(_table_of(st), 0)):
        i = work.index(min(work))
        work[i] += sizes.get(_table_of(statement), 0)
        label = "rebuilt " + statement.replace('"', "").split(" ON ")[0].split(" USING ")[0][:70]
        lanes[i].append((label, statement))
    return lanes


SETUP = ("SET session_replication_role = replica; SET synchronous_commit = off; "
         "SET maintenance_work_mem = '1GB'; SET work_mem = '64MB'")
# Big tables whose primary key no foreign key references: loaded without it, the key added afterwards.
PK_DROPPED = ("checkins", "reports", "dues_month_claims")
# Vacuumed after the load (visibility map for index-only scans); the larger tables are only analysed, as
# vacuuming them rewrites every page for hint bits and costs more than the rest of their load.
VACUUMED = ("townships", "branches", "members", "wechat_accounts", "events", "rollup_members",
            "branch_month_stats", "dues_standards", "dues_orders")


def _lanes(engine, lanes: list[list[tuple[str, str]]]) -> None:
    """Run each lane's statements in order in its own transaction, the lanes side by side (one per core)."""
    errors = []

    def work(steps):
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(SETUP))
                for label, statement in steps:
                    _timed(conn, label, statement)
        except Exception as exc:  # re-raised below, in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(lane,)) for lane in lanes if lane]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def build(app, scale: int) -> None:
    """Fill a freshly migrated database with the province data set at `scale` members."""
    from server.common.crypto import encrypt
    from server.common.timeutil import current_month, month_add
    from server.extensions import db

    towns = townships_for(scale)
    month = current_month()
    with app.app_context():
        cipher, phone = encrypt("420102198001011234"), encrypt("13800000000")
    values = {"@members": str(scale), "@towns": str(towns), "@events": str(EVENTS_PER_BRANCH),
              "@paid_months": str(PAID_MONTHS), "@first": f"'{month_add(month, -12)}'", "@month": f"'{month}'",
              "@cipher": f"'{cipher}'", "@phone": f"'{phone}'", "@year0": str(int(month[:4]) - 3)}

    def sql(text: str) -> str:
        for key in sorted(values, key=len, reverse=True):
            text = text.replace(key, values[key])
        return text

    common.log(f"building the province data set: {scale:,} members, {towns} townships")
    LOADED.clear()
    started = time.perf_counter()
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.execute(sa.text(SETUP))
            rebuild = _drop_secondary_indexes(conn, BIG_TABLES)
        phases = {"organisation": [ORGANISATION], "history": HISTORY, "roll-ups": [ROLLUPS]}
        for phase, lanes in phases.items():
            begun = time.perf_counter()
            _lanes(engine, [[(label, sql(statement)) for label, statement in lane] for lane in lanes])
            common.log(f" {phase}: {time.perf_counter() - begun:.1f} s")
        with engine.connect() as conn:
            sizes = dict(conn.execute(sa.text(
                "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = 'public'::regnamespace")).all())
            sizes.update({t: rows for t, (rows, _) in LOADED.items()})
        begun = time.perf_counter()
        _lanes(engine, _rebuild_lanes(rebuild, sizes))
        common.log(f" indexes and constraints: {time.perf_counter() - begun:.1f} s")
        with engine.begin() as conn:
            for table in ("townships", "branches", "members", "wechat_accounts", "events", "dues_standards",
                          "dues_orders"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"))
        begun = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            _timed(conn, "VACUUM ANALYZE of the smaller tables", "VACUUM ANALYZE " + ", ".join(VACUUMED))
            _timed(conn, "ANALYZE", "ANALYZE")
        common.log(f" vacuum and analyze: {time.perf_counter() - begun:.1f} s")
    common.log(f"loaded in {time.perf_counter() - started:.0f} s; rows/s per table (INSERT time, lanes side by side):")
    for table, (rows, seconds) in sorted(LOADED.items(), key=lambda item: -item[1][0]):
        common.log(f"  {table}: {rows:,.0f} rows in {seconds:.1f} s = {rows / max(seconds, 1e-9):,.0f} rows/s")


# The twelve months before this one (Beijing time) are the history: month j = @first + j.
_MONTHS = """(SELECT j, to_char(CAST(@first || '-01' AS date) + j * interval '1 month', 'YYYY-MM') AS month,
                     CAST(@first || '-01' AS timestamp) + j * interval '1 month' AS start
              FROM generate_series(0, 11) j)"""

ORGANISATION = [
    ("townships and branches", """
        INSERT INTO counties (id, name, created_at) VALUES (1, '压测省示范县', now());
        INSERT INTO townships (id, county_id, name, created_at)
        SELECT t, 1, '乡镇' || t, now() FROM generate_series(1, @towns) t;
        INSERT INTO branches (id, township_id, kind, name, created_at)
        SELECT t, t, 'mobile', '乡镇' || t || '流动党员党支部', now() FROM generate_series(1, @towns) t;
        INSERT INTO branches (id, township_id, kind, name, created_at)
        SELECT @towns + t, t, 'village', '乡镇' || t || '村党支部', now() FROM generate_series(1, @towns) t"""),
    ("members", """
        INSERT INTO members (id, name, id_number, id_number_hash, phone, phone_hash, township_id, village_branch_id,
            mobile_branch_id, is_committee, status, paid_through, last_activity_at, created_at, updated_at)
        SELECT i, '党员' || i, @cipher, md5('id' || i), @phone, md5('ph' || i), t, @towns + t, t, i % 40 = 0,
            CASE WHEN i % 50 = 0 THEN 'returned' WHEN i % 50 = 1 THEN 'lost_contact'
                 WHEN i % 50 = 2 THEN 'transferred' WHEN i % 97 = 3 THEN 'suspended' ELSE 'active' END,
            CASE WHEN i % 11 = 0 THEN NULL
                 ELSE to_char(CAST(@month || '-01' AS date) - (i % 10) * interval '1 month', 'YYYY-MM') END,
            now() - (i % 240) * interval '1 day', now() - (800 + i % 900) * interval '1 day', now()
        FROM (SELECT i, 1 + i % @towns AS t FROM generate_series(1, @members) i) s"""),
    ("WeChat accounts", """
        INSERT INTO wechat_accounts (id, openid, member_id, created_at, bound_at)
        SELECT i, 'o-province-' || i, i, now(), now() FROM generate_series(1, @members) i"""),
    ("events (four theme days a month per mobile branch)", f"""
        INSERT INTO events (id, branch_id, kind, title, place_name, lat, lng, radius_m, starts_at, ends_at, status,
                            created_at, updated_at)
        SELECT (b - 1) * @events + k + 1, b, 'theme_day', '主题党日 ' || k, '党群服务中心', 30.59, 114.30, 300,
               s, s + interval '2 hours', 'scheduled', s - interval '7 days', s - interval '7 days'
        FROM generate_series(1, @towns) b, generate_series(0, @events - 1) k
        JOIN {_MONTHS} mo ON mo.j = k / 4,
        LATERAL (SELECT (mo.start + (k % 4) * interval '7 days' + interval '9 hours')
                        AT TIME ZONE 'Asia/Shanghai' AS s) st"""),
]

_CHECKINS = """
        INSERT INTO checkins (event_id, member_id, checked_in_at, lat, lng, accuracy_m, distance_m, late, manual)
        SELECT e.id, m.id, e.starts_at + (m.id % 30) * interval '1 minute', 30.59, 114.30, 20, 12, m.id % 30 > 5,
               false
        FROM events e JOIN members m ON m.mobile_branch_id = e.branch_id
        WHERE (m.id + e.id) % 6 <> 0 AND e.branch_id % 2 = {parity}"""

HISTORY = [[
    ("check-ins, odd branches (5 of every 6 theme days of the member's branch)", _CHECKINS.format(parity=1)),
    ("check-ins, even branches", _CHECKINS.format(parity=0)),
    # The roll-ups that need only the members (definitions of rollup.py; see ROLLUPS below).
    ("rollup_members", ("INSERT INTO rollup_members (member_id, township_id, branch_id, status) "
                        "SELECT id, township_id, mobile_branch_id, status FROM members")),
    ("member_month_activity: report-ins and check-ins", f"""
        INSERT INTO member_month_activity (member_id, month, reports, checkins, paid_orders)
        SELECT m.id, mo.month, CASE WHEN (m.id + mo.j) % 3 <> 0 THEN 1 ELSE 0 END,
               CASE WHEN (m.id + (m.mobile_branch_id - 1) * @events + 4 * mo.j + 1) % 6 IN (0, 3, 4, 5) THEN 3
                    ELSE 4 END, 0
        FROM members m, {_MONTHS} mo"""),
], [
    ("report-ins (two months in three)", f"""
        INSERT INTO reports (member_id, month, city, address, employer, created_at)
        SELECT m.id, mo.month, '武汉市', '某区某路 ' || m.id || ' 号', '某某有限公司',
               (mo.start + interval '4 days') AT TIME ZONE 'Asia/Shanghai'
        FROM members m, {_MONTHS} mo WHERE (m.id + mo.j) % 3 <> 0"""),
    # The months each paying member has paid: @paid_months up to their paid_through.
    ("paid months (work table)", """
        CREATE TEMP TABLE paid ON COMMIT DROP AS
        WITH months AS (SELECT n, to_char(CAST(@month || '-01' AS date) - n * interval '1 month', 'YYYY-MM') AS month
                        FROM generate_series(0, 40) n)
        SELECT m.id AS member_id, m.township_id, m.mobile_branch_id AS branch_id, p.month,
               CAST(left(p.month, 4) AS int) AS year
        FROM members m JOIN months pt ON pt.month = m.paid_through
        JOIN months p ON p.n BETWEEN pt.n AND pt.n + @paid_months - 1;
        ANALYZE paid"""),
    ("dues standards (one per member and year paid)", """
        INSERT INTO dues_standards (id, member_id, year, version, category, income_base_fen, rate, monthly_fen,
                                    set_by, set_at, approved_by, approved_at)
        SELECT (year - @year0) * @members + member_id, member_id, year, 1, 'salaried', 300000, 0.005, 1500,
               'bench', now(), 'bench', now()
        FROM paid GROUP BY member_id, year"""),
    ("dues orders (one per member and year, paid)", """
        INSERT INTO dues_orders (id, order_no, member_id, township_id, branch_id, kind, months, amount_fen, status,
                                 openid, created_at, expires_at, paid_at, transaction_id, forward_upward)
        SELECT id, 'P' || year || lpad(member_id::text, 9, '0'), member_id, township_id, branch_id, 'monthly',
               months, amount, 'paid', 'o-province-' || member_id, t, t + interval '2 hours', t + interval '1 minute',
               '4200' || year || lpad(member_id::text, 9, '0'), false
        FROM (SELECT (year - @year0) * @members + member_id AS id, member_id, year, min(township_id) AS township_id,
                     min(branch_id) AS branch_id, 1500 * count(*) AS amount,
                     json_agg(json_build_object('month', month, 'amount_fen', 1500,
                                                'standard_id', (year - @year0) * @members + member_id)
                              ORDER BY month) AS months,
                     CAST(min(month) || '-03' AS timestamp) AT TIME ZONE 'Asia/Shanghai' AS t
              FROM paid GROUP BY member_id, year) o"""),
    ("dues month claims", """
        INSERT INTO dues_month_claims (member_id, month, order_id)
        SELECT member_id, month, (year - @year0) * @members + member_id FROM paid"""),
    ("dues ledger (payments)", """
        INSERT INTO dues_ledger (member_id, township_id, branch_id, order_id, kind, month, entry_type, amount_fen,
                                 standard_id, booked_at)
        SELECT member_id, township_id, branch_id, (year - @year0) * @members + member_id, 'monthly', month,
               'payment', 1500, (year - @year0) * @members + member_id, now() FROM paid"""),
]]

# The roll-up tables as the job leaves them once the outbox is drained (definitions of rollup.py), computed
# by the rules that generated the rows above: a member's theme days of month j are the four events
# (b-1)·48 + 4j + 1 … + 4 of their branch b, of which those with (member + event) % 6 = 0 were missed.
ROLLUPS = [
    ("member_month_activity: paid orders by month paid", """
        INSERT INTO member_month_activity AS a (member_id, month, reports, checkins, paid_orders)
        SELECT member_id, to_char(paid_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), 0, 0, count(*)
        FROM dues_orders GROUP BY 1, 2
        ON CONFLICT (member_id, month) DO UPDATE SET paid_orders = a.paid_orders + excluded.paid_orders"""),
    ("branch_month_stats", """
        INSERT INTO branch_month_stats (township_id, branch_id, month, reported_members, checkin_members,
            paid_members, checkins, paid_fen, special_fen, refunded_fen)
        SELECT s.township_id, s.branch_id, s.month, s.reported, s.checked_in, s.paid, s.checkins,
               coalesce(f.fen, 0), 0, 0
        FROM (SELECT r.township_id, r.branch_id, a.month,
                     count(*) FILTER (WHERE a.reports > 0 AND r.status = 'active') AS reported,
                     count(*) FILTER (WHERE a.checkins > 0 AND r.status = 'active') AS checked_in,
                     count(*) FILTER (WHERE a.paid_orders > 0 AND r.status = 'active') AS paid,
                     sum(a.checkins) AS checkins
              FROM member_month_activity a JOIN rollup_members r ON r.member_id = a.member_id
              GROUP BY r.township_id, r.branch_id, a.month) s
        LEFT JOIN (SELECT branch_id, to_char(paid_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month,
                          sum(amount_fen) AS fen FROM dues_orders GROUP BY 1, 2) f
               ON f.branch_id = s.branch_id AND f.month = s.month"""),
]


def figures(url: str) -> dict:
    """Row counts of the data set (for the report)."""
    counts = {}
    for table in ("members", "checkins", "dues_ledger", "dues_month_claims", "reports", "member_month_activity",
                  "branch_month_stats"):
        counts[table] = common.scalar(url, f"SELECT count(*) FROM {table}")
    return counts


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--scale", type=int, default=FULL_SCALE, help=f"members (default {FULL_SCALE:,})")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even when the cached set is current")
    args = parser.parse_args(argv)
    url = ensure(args.scale, args.rebuild)
    print(", ".join(f"{k} {v:,}" for k, v in figures(url).items()))


if __name__ == "__main__":
    main()
