"""Benchmark (not a test): the outbox sequencer and the /sync/changes stream on PostgreSQL.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/party_bench_sync \
        .venv/bin/python bench/bench_sync.py [--changes 1000000] [--townships 10]

Recreates that database, fills the outbox with unsequenced changes via generate_series, times the
sequencer, then streams everything through GET /api/v1/sync/changes?limit=1000 for a county key and
for one township's key (signed requests, in-process test client), and prints the figures.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402
from server.sync import sequencer, service  # noqa: E402
from server.sync.client import sign  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/party_bench_sync"


def recreate(url: str) -> None:
    engine_url = sa.make_url(url)
    admin = sa.create_engine(engine_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n "
                             "AND pid <> pg_backend_pid()"), {"n": engine_url.database})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{engine_url.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{engine_url.database}"'))
    admin.dispose()


def fill(changes: int, townships: int) -> None:
    """Townships, a mobile branch each, and `changes` unsequenced outbox rows spread over them."""
    db.session.execute(sa.text(
        "INSERT INTO townships (name, created_at) SELECT '压测镇' || g, now() FROM generate_series(1, :n) g"),
        {"n": townships})
    db.session.execute(sa.text(
        """INSERT INTO outbox_changes (type, member_id, township_id, at, data, digest_month)
           SELECT CASE WHEN g % 3 = 0 THEN 'report.created' ELSE 'checkin.created' END,
                  g % 50000, 1 + g % :t, now(),
                  json_build_object('checkin_id', g, 'event_id', g % 997, 'event_kind', 'theme_day',
                                    'event_title', '主题党日', 'event_month', '2026-03', 'branch_id', 1 + g % :t,
                                    'checked_in_at', '2026-03-15T09:00:00+08:00', 'late', false,
                                    'manual', false, 'reason', null),
                  CASE WHEN g % 3 = 0 THEN NULL ELSE '2026-03' END
           FROM generate_series(1, :n) g"""), {"n": changes, "t": townships})
    db.session.commit()
    db.session.execute(sa.text("ANALYZE outbox_changes"))
    db.session.commit()


def stream(client, key: tuple[str, str]) -> tuple[int, float, int]:
    """Pull everything with limit=1000; (changes, seconds, requests)."""
    after, total, requests_made = 0, 0, 0
    started = time.perf_counter()
    while True:
        target = "/api/v1/sync/changes?" + urlencode({"after": after, "limit": 1000, "nonce": requests_made})
        ts = str(int(time.time()))
        resp = client.get(target, headers={"X-Sync-Key": key[0], "X-Sync-Timestamp": ts,
                                           "X-Sync-Signature": sign(key[1], "GET", target, ts)})
        requests_made += 1
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        total += len(body["changes"])
        after = body["next"]
        if not body["more"]:
            return total, time.perf_counter() - started, requests_made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=1_000_000)
    parser.add_argument("--townships", type=int, default=10)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    recreate(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "memory://bench", "TESTING": True,
                      "SECRET_KEY": "bench", "FIELD_KEY": base64.b64encode(hashlib.sha256(b"bench").digest()).decode()})
    with app.app_context():
        upgrade(revision="heads")
        print(f"outbox: {args.changes:,} changes over {args.townships} townships (PostgreSQL: {sa.make_url(url).database})")
        started = time.perf_counter()
        fill(args.changes, args.townships)
        print(f"  generate_series insert     : {time.perf_counter() - started:8.1f} s")

        started = time.perf_counter()
        sequenced = sequencer.sequence_pending(max_batches=10**6)
        spent = time.perf_counter() - started
        print(f"  sequencer (batch {sequencer.BATCH})   : {sequenced:,} rows in {spent:.1f} s "
              f"= {sequenced / spent:,.0f} rows/s")

        # What autovacuum does after a mass update (0005 makes it run every 10k updated rows): without it
        # the partial "seq IS NULL" index is full of dead entries that every probe has to step over.
        db.session.commit()
        db.session.connection().connection.driver_connection.autocommit = True
        db.session.execute(sa.text("VACUUM ANALYZE outbox_changes"))
        db.session.remove()
        # Sequencing a small tail, as a pull does when a few writers committed meanwhile.
        db.session.execute(sa.text("INSERT INTO outbox_changes (type, member_id, township_id, at, data) "
                                   "SELECT 'report.created', 1, 1, now(), '{}' FROM generate_series(1, 100)"))
        db.session.commit()
        started = time.perf_counter()
        sequencer.sequence_pending()
        print(f"  sequencer, 100 pending     : {(time.perf_counter() - started) * 1000:8.1f} ms")
        started = time.perf_counter()
        for _ in range(100):
            sequencer.sequence_pending()
        print(f"  sequencer, nothing pending : {(time.perf_counter() - started) * 10:8.2f} ms per call")
        app.config["SYNC_SEQUENCE_DEBOUNCE_MS"] = 0  # every pull below runs the sequencer probe

        county_key, county_secret = service.create_key(None)
        town_key, town_secret = service.create_key(1)
        county = (county_key.key_id, county_secret)
        township = (town_key.key_id, town_secret)
        client = app.test_client()
        for label, key in (("county key  ", county), ("township key", township)):
            total, seconds, calls = stream(client, key)
            print(f"  /sync/changes {label} : {total:,} changes in {seconds:.1f} s ({calls} requests) "
                  f"= {total / seconds:,.0f} changes/s, {seconds / calls * 1000:.1f} ms/request")
        started = time.perf_counter()
        digest = service.digest(town_key, "2026-03")
        print(f"  digest (township, 1 month) : {time.perf_counter() - started:8.2f} s "
              f"({digest['checkins']:,} check-ins)")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
