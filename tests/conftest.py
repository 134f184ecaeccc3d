"""Shared fixtures: an app on the embedded defaults, or on real PostgreSQL and Redis.

Set TEST_DATABASE_URL (postgresql+psycopg://…) and TEST_REDIS_URL (redis://…) to run the same
suite against real services. The schema is built once per session by the Alembic migrations;
every test then starts from empty tables and an empty Redis.
"""
from __future__ import annotations

import base64
import threading

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from server import create_app
from server.extensions import db
from server.store import connect
from tests.testenv import DATABASE_URL, ON_POSTGRES, REDIS_URL

FIELD_KEY = base64.b64encode(b"k" * 32).decode()


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: exercises PostgreSQL-only behaviour (locks, MVCC)")


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are deselected (not skipped) on the embedded run; CI runs both."""
    if ON_POSTGRES:
        return
    keep = [item for item in items if "postgresql" not in item.keywords]
    if len(keep) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if "postgresql" in i.keywords])
        items[:] = keep


def _test_config() -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "test-secret-key",
        "FIELD_KEY": FIELD_KEY,
        "WECHAT_EMULATOR": True,
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "WECHAT_PAY_NOTIFY_URL": "http://127.0.0.1:5000/api/v1/pay/wechat/notify",
    }


def _recreate_postgres_database(url: str) -> None:
    engine_url = sa.make_url(url)
    admin = sa.create_engine(engine_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": engine_url.database})
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{engine_url.database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{engine_url.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def _schema():
    """Build the schema once, through the real migrations."""
    if DATABASE_URL.startswith("postgresql"):
        _recreate_postgres_database(DATABASE_URL)
    app = create_app(_test_config())
    with app.app_context():
        upgrade(revision="heads")
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        db.engine.dispose()
    return tables


def _empty_database(tables: list[str]) -> None:
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql" and not conn.scalar(sa.text(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
            # Turning the triggers off below takes a superuser; any other owner of the tables truncates them all.
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        elif conn.dialect.name == "postgresql":
            # Rows are deleted from the tables a test wrote to, with triggers (the append-only guards, the foreign
            # keys) off for this transaction, and the sequences it drew from restarted: a TRUNCATE of every table
            # cost 85 ms a test (new files for each table and index), this 10 ms.
            dirty = set(conn.scalars(sa.text(" UNION ALL ".join(
                f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables))))
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))  # past the append-only triggers
            for table in (t for t in tables if t in dirty):
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            conn.execute(sa.text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
                "FROM pg_sequences WHERE last_value IS NOT NULL"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            if conn.execute(sa.text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first():
                conn.execute(sa.text("DELETE FROM sqlite_sequence"))


@pytest.fixture
def app(_schema):
    """The app, with empty tables and an empty Redis."""
    app = create_app(_test_config())
    connect(REDIS_URL).flushdb()
    with app.app_context():
        _empty_database(_schema)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request in its own app context and database session, as in production (otherwise a test
    holding the `ctx` fixture would share its `g` and session with every request); the test's own
    session is expired afterwards so it sees what the request committed."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            resp = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return resp


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app served by werkzeug on 127.0.0.1, a free port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling services and factories directly."""
    with app.app_context():
        yield app


@pytest.fixture
def callers(ctx):
    """One token of each kind: a bound member, each staff role (scoped to the member's branch/township)."""
    branch = make_branch()
    member = make_member(branch)
    return {
        "member": bearer(member_token(member)),
        "county_admin": bearer(staff_token("county_admin")),
        "township_admin": bearer(staff_token("township_admin", branch.township_id)),
        "branch_secretary": bearer(staff_token("branch_secretary", branch.id)),
        "unbound": bearer(member_token(None)),
    }


# Factories live in tests/factories.py; re-exported for convenience.
from tests.factories import (  # noqa: E402,F401
    bearer,
    make_branch,
    make_id_number,
    make_member,
    make_phone,
    make_township,
    member_token,
    staff_token,
)
