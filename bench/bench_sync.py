"""Benchmark (not a test): the outbox sequencer and the /sync/changes stream on PostgreSQL.

    .venv/bin/python -m bench.bench_sync [--quick] [--changes 1000000] [--townships 10] [--scale N]

`--scale N` sizes the outbox like a province of N members: 40 check-in changes per member (what the province
data set holds, bench/province.py) over its townships, instead of --changes and --townships.

Recreates the database party_bench_sync, fills the outbox with unsequenced changes via generate_series, times
the sequencer, then streams everything through GET /api/v1/sync/changes?limit=1000 for a county key and for one
township's key (signed requests, in-process test client, the bench Redis database), checks that every
sequenced change in the key's scope was streamed once, and prints the figures.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common, province  # noqa: E402

FULL = {"changes": 1_000_000, "townships": 10, "scale": 0}
QUICK = {"changes": 20_000, "townships": 10, "scale": 0}
CHANGES_PER_MEMBER = 40


def fill(changes: int, townships: int) -> None:
    """Townships, a mobile branch each, and `changes` unsequenced outbox rows spread over them."""
    from server.core.orgs import default_county
    from server.extensions import db

    county_id = default_county().id
    db.session.execute(sa.text(
        "INSERT INTO townships (county_id, name, created_at) SELECT :c, '压测镇' || g, now() FROM generate_series(1, :n) g"),
        {"n": townships, "c": county_id})
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
    from township_sync.signing import sign

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


def main(argv=None) -> None:
    from server.extensions import db
    from server.sync import feed, sequencer, service

    args = common.arguments(__doc__, FULL, QUICK, argv=argv)
    if args.scale:
        args.changes, args.townships = CHANGES_PER_MEMBER * args.scale, province.townships_for(args.scale)
    app, _ = common.fresh_app("sync", TESTING=True)
    figures = {}
    with app.app_context():
        common.log(f"outbox: {args.changes:,} changes over {args.townships} townships")
        started = time.perf_counter()
        fill(args.changes, args.townships)
        figures["generate_series insert"] = f"{time.perf_counter() - started:.1f} s"

        started = time.perf_counter()
        sequenced = sequencer.sequence_pending(max_batches=10**6)
        spent = time.perf_counter() - started
        seq_rate = sequenced / spent
        figures[f"sequencer (batch {sequencer.BATCH})"] = (f"{sequenced:,} rows in {spent:.1f} s "
                                                          f"= {seq_rate:,.0f} rows/s")

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
        figures["sequencer, 100 pending"] = f"{(time.perf_counter() - started) * 1000:.1f} ms"
        started = time.perf_counter()
        for _ in range(100):
            sequencer.sequence_pending()
        figures["sequencer, nothing pending"] = f"{(time.perf_counter() - started) * 10:.2f} ms per call"
        app.config["SYNC_SEQUENCE_DEBOUNCE_MS"] = 0  # every pull below runs the sequencer probe

        county_key, county_secret = service.create_key(None)
        town_key, town_secret = service.create_key(1)
        client = app.test_client()
        rates = {}
        for label, key, scope in (("county key", (county_key.key_id, county_secret), "true"),
                                  ("township key", (town_key.key_id, town_secret), "township_id = 1")):
            total, seconds, calls = stream(client, key)
            rates[label] = total / seconds
            expected = db.session.execute(sa.text(
                f"SELECT count(*) FROM outbox_changes WHERE seq IS NOT NULL AND {scope}")).scalar()
            figures[f"/sync/changes, {label}"] = (f"{total:,} changes in {seconds:.1f} s ({calls} requests, every one "
                                                  f"200) = {total / seconds:,.0f} changes/s, "
                                                  f"{seconds / calls * 1000:.1f} ms/request")
            figures[f"full work, {label}"] = (f"{total:,} changes streamed of {expected:,} sequenced in the key's "
                                              f"scope ({'all' if total == expected else 'MISMATCH'})")
        started = time.perf_counter()
        digest = feed.digest(town_key, "2026-03")
        figures["digest (township, 1 month)"] = (f"{time.perf_counter() - started:.2f} s "
                                                 f"({digest['checkins']:,} check-ins)")
        db.session.remove()
        db.engine.dispose()
    figures["data set"] = (f"{args.changes:,} outbox changes over {args.townships} townships"
                           + (f" (scale {args.scale:,} members)" if args.scale else ""))
    common.report("bench_sync", args, figures, headline={
        "rate": f"{rates['county key']:,.0f} changes/s streamed (county key)",
        "sequencer": f"{seq_rate:,.0f} rows/s",
        "township key": f"{rates['township key']:,.0f} changes/s"})


if __name__ == "__main__":
    main()
