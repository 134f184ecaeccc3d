"""The one harness under every benchmark in bench/ (benchmarks print figures; they assert nothing).

What it gives a bench script:
- `arguments()`: the command line every script shares (`--quick`, `--duration`, `--connections`, `--workers`)
  plus the script's own sizes, each with a full default (what the issue asks for) and a quick one.
- `fresh_app()`: a PostgreSQL database named `<BENCH_DB_PREFIX>_<name>` dropped, recreated and migrated to all
  heads, the bench Redis database flushed, and the real app configured like the gunicorn workers;
  `copy_app()`: the same from a copy of a cached data set (bench/province.py) instead of an empty database.
- `report()`: the final block of figures, with the machine facts (cores, load average at start), and one
  `bench-json:` line that bench/run_all.py collects into its summary table.
Serving and wrk live in bench/load.py. This file and bench/province.py are the only places that know server
internals beyond HTTP (create_app, the database handle, the crypto and token helpers used for seeding).
Only loopback; only databases whose names start with `party_bench` (BENCH_DB_PREFIX, default `party_bench`);
Redis BENCH_REDIS_URL (default db 9).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
SAFE_PREFIX = "party_bench"
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", SAFE_PREFIX)
if not DB_PREFIX.startswith(SAFE_PREFIX):
    raise SystemExit(f"BENCH_DB_PREFIX must start with {SAFE_PREFIX!r}: benches drop and recreate their databases")
CONNECTIONS = 32
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
SECRET_KEY = "bench-secret-key-not-for-production-" + "x" * 16
FIELD_KEY = base64.b64encode(b"b" * 32).decode()
LOAD_AT_START = os.getloadavg()


# ---- machine facts and the final block --------------------------------------------------------------------

def machine_facts() -> dict:
    """What a reader needs to judge noise: cores, load average when the bench started, and now."""
    return {"cores": os.cpu_count(), "load_at_start": " ".join(f"{x:.2f}" for x in LOAD_AT_START),
            "load_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def report(name: str, args: argparse.Namespace, figures: dict[str, str | int | float],
           headline: dict[str, str] | None = None) -> None:
    """Print the final block of figures; `headline` (label -> value text) is what run_all puts in its table."""
    facts = machine_facts()
    size = "quick" if args.quick else "full"
    print(f"\n===== {name} ({size} size) =====")
    width = max(len(k) for k in [*figures, "machine"])
    for label, value in figures.items():
        print(f"{label:<{width}} : {value}")
    print(f"{'machine':<{width}} : {facts['cores']} cores, load average at start {facts['load_at_start']}, "
          f"at end {facts['load_at_end']}")
    print("=" * (len(name) + 22))
    payload = {"bench": name, "size": size, "headline": headline or {k: str(v) for k, v in figures.items()}, **facts}
    print("bench-json: " + json.dumps(payload, ensure_ascii=False), flush=True)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---- command line ----------------------------------------------------------------------------------------

def arguments(doc: str, full: dict, quick: dict, load: bool = False, argv=None) -> argparse.Namespace:
    """Parse the shared options plus one `--<size>` per key of `full`; unset sizes take the full or quick value.

    `load=True` adds the load options (--duration, --connections, --workers) of the wrk-driven benches; a
    `connections` key in `full` / `quick` sets their default connections (else 32).
    """
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds: checks the bench works")
    for key, value in full.items():
        if isinstance(value, bool):
            parser.add_argument("--" + key.replace("_", "-"), action="store_true", default=None)
        else:
            parser.add_argument("--" + key.replace("_", "-"), type=type(value), default=None,
                                help=f"default {value} (quick: {quick.get(key, value)})")
    if load:
        parser.add_argument("--duration", type=int, default=None, help="seconds of wrk per endpoint (15; quick: 3)")
        if "connections" not in full:
            parser.add_argument("--connections", type=int, default=CONNECTIONS)
        parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn sync workers")
    args = parser.parse_args(argv)
    sizes = quick if args.quick else full
    for key, value in full.items():
        if getattr(args, key) is None:
            setattr(args, key, sizes.get(key, value))
    if load and args.duration is None:
        args.duration = 3 if args.quick else 15
    return args


# ---- databases and the app ---------------------------------------------------------------------------------

def database_url(name: str) -> str:
    """The URL of the bench database `<BENCH_DB_PREFIX>_<name>` on the local PostgreSQL."""
    database = f"{DB_PREFIX}_{name}"
    return sa.make_url(PG_BASE).set(database=database).render_as_string(hide_password=False)


def service_env(db_url: str, emulator: bool = True) -> dict:
    """Environment of the service under test: PostgreSQL, the bench Redis database, fixed development keys."""
    return {"DATABASE_URL": db_url, "REDIS_URL": REDIS_URL, "APP_ENV": "development", "SECRET_KEY": SECRET_KEY,
            "FIELD_KEY": FIELD_KEY, "WECHAT_EMULATOR": "1" if emulator else "0"}


def make_app(db_url: str, emulator: bool = True, **config):
    """The real app configured like the gunicorn workers, for seeding and in-process measurements."""
    os.environ.update(service_env(db_url, emulator))
    from server import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": db_url, "REDIS_URL": REDIS_URL, "SECRET_KEY": SECRET_KEY,
                       "FIELD_KEY": FIELD_KEY, "WECHAT_EMULATOR": emulator, **config})


def _local_bench_url(db_url: str) -> sa.URL:
    url = sa.make_url(db_url)
    if not (url.database or "").startswith(DB_PREFIX) or url.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to touch {url.database!r} on {url.host!r}: benches use local {DB_PREFIX}*")
    return url


def admin_engine() -> sa.Engine:
    """An autocommit engine on the `postgres` database (to create, drop, copy and rename bench databases)."""
    return sa.create_engine(sa.make_url(PG_BASE).set(database="postgres"), isolation_level="AUTOCOMMIT",
                            poolclass=sa.pool.NullPool)


def recreate_database(db_url: str, template: str | None = None) -> None:
    """Drop and create a bench database (its name must start with BENCH_DB_PREFIX), empty or as a file copy
    of `template` (another bench database)."""
    url = _local_bench_url(db_url)
    copy = ""
    if template is not None:
        copy = f' TEMPLATE "{_local_bench_url(template).database}" STRATEGY FILE_COPY'
    with admin_engine().connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"{copy}'))


def rename_database(db_url: str, new_url: str) -> None:
    """Rename a bench database, replacing any database of the new name."""
    old, new = _local_bench_url(db_url), _local_bench_url(new_url)
    with admin_engine().connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{new.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'ALTER DATABASE "{old.database}" RENAME TO "{new.database}"'))


def flush_redis() -> None:
    from server.store import connect

    connect(REDIS_URL).flushdb()


def delete_redis_keys(pattern: str) -> None:
    """Delete the bench Redis database's keys matching a glob pattern (e.g. a cache)."""
    from server.store import connect

    redis = connect(REDIS_URL)
    for key in list(redis.scan_iter(pattern, count=1000)):
        redis.delete(key)


def dispose(app) -> None:
    """Close the app's database connections (a database with open sessions cannot be copied or renamed)."""
    from server.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def fresh_database(db_url: str, emulator: bool = True, **config):
    """Recreate a bench database, flush the bench Redis database, migrate to all heads; returns the app."""
    from flask_migrate import upgrade

    recreate_database(db_url)
    flush_redis()
    app = make_app(db_url, emulator, **config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    return app


def fresh_app(name: str, emulator: bool = True, **config):
    """Recreate `<prefix>_<name>` empty and migrated, flush the bench Redis; returns (app, database URL)."""
    db_url = database_url(name)
    return fresh_database(db_url, emulator, **config), db_url


def copy_app(name: str, template_url: str, emulator: bool = True, **config):
    """Recreate `<prefix>_<name>` as a copy of a cached data set, flush the bench Redis; returns (app, URL)."""
    db_url = database_url(name)
    started = time.perf_counter()
    recreate_database(db_url, template=template_url)
    log(f"{sa.make_url(db_url).database}: copy of {sa.make_url(template_url).database} in "
        f"{time.perf_counter() - started:.1f} s")
    flush_redis()
    return make_app(db_url, emulator, **config), db_url


def scalar(db_url: str, sql: str, **params):
    """One value from the bench database (for checks after a run)."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


# ---- seeding ----------------------------------------------------------------------------------------------

def seed_township():
    """One township with its mobile branch and a home village branch (inside an app context, flushed)."""
    from server.core.orgs import Branch, Township, default_county
    from server.extensions import db

    township = Township(county_id=default_county().id, name="压测镇")
    db.session.add(township)
    db.session.flush()
    mobile = Branch(township_id=township.id, kind="mobile", name="压测镇流动党员党支部")
    village = Branch(township_id=township.id, kind="village", name="压测村党支部")
    db.session.add_all([mobile, village])
    db.session.flush()
    return township, mobile, village
