"""Shared fixtures: an app on the embedded defaults, or on real PostgreSQL and Redis.

Set TEST_DATABASE_URL (postgresql+psycopg://…) and TEST_REDIS_URL (redis://…) to run the same
suite against real services. The schema is built once per session by the Alembic migrations;
every test then starts from empty tables and an empty Redis.
"""
from __future__ import annotations

import base64
import itertools
import os
import random
import secrets
import tempfile
from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from server import create_app
from server.extensions import db
from server.store import connect

_TMP = tempfile.mkdtemp(prefix="party-tests-")
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "memory://tests"
FIELD_KEY = base64.b64encode(b"k" * 32).decode()


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
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
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


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling services and factories directly."""
    with app.app_context():
        yield app


# ---- factories -------------------------------------------------------------------------------

_counter = itertools.count(1)


def make_id_number(born: date | None = None) -> str:
    """A valid 18-character resident ID number (right check digit)."""
    from server.members.idcard import check_digit

    born = born or date(1970 + random.randrange(30), random.randrange(1, 13), random.randrange(1, 28))
    first17 = f"420{random.randrange(100, 999)}{born:%Y%m%d}{random.randrange(100, 999)}"
    return first17 + check_digit(first17)


def make_phone() -> str:
    return f"13{random.randrange(10**8, 10**9)}"


def make_township(name: str | None = None):
    from server.orgs.models import Township

    township = Township(name=name or f"测试镇{next(_counter)}")
    db.session.add(township)
    db.session.commit()
    return township


def make_branch(township=None, kind: str = "mobile", name: str | None = None):
    from server.orgs.models import Branch

    township = township or make_township()
    label = "流动党员党支部" if kind == "mobile" else "村党支部"
    branch = Branch(township_id=township.id, kind=kind, name=name or f"{township.name}{label}{next(_counter)}")
    db.session.add(branch)
    db.session.commit()
    return branch


def make_member(mobile_branch=None, **fields):
    """A roster member of a mobile branch (and a home village branch in the same township)."""
    from server.common.crypto import lookup_hash
    from server.members.models import Member

    mobile_branch = mobile_branch or make_branch()
    village = fields.pop("village_branch", None) or make_branch(mobile_branch.township, kind="village")
    id_number = fields.pop("id_number", None) or make_id_number()
    phone = fields.pop("phone", None) or make_phone()
    member = Member(
        name=fields.pop("name", f"党员{next(_counter)}"),
        id_number=id_number, id_number_hash=lookup_hash(id_number),
        phone=phone, phone_hash=lookup_hash(phone),
        township_id=mobile_branch.township_id, village_branch_id=village.id,
        mobile_branch_id=mobile_branch.id, status=fields.pop("status", "active"), **fields,
    )
    db.session.add(member)
    db.session.commit()
    return member


def member_token(member=None, openid: str | None = None) -> str:
    """A live member token for a WeChat account bound to `member` (unbound when None)."""
    from server.auth.models import WechatAccount
    from server.auth.tokens import MEMBER_TOKEN_TTL, Principal, issue
    from server.common.timeutil import utcnow

    account = WechatAccount(openid=openid or "o" + secrets.token_hex(12),
                            member_id=member.id if member else None,
                            bound_at=utcnow() if member else None)
    db.session.add(account)
    db.session.commit()
    principal = Principal(kind="wechat", subject_id=account.id, roles=["member"] if member else [],
                          member_id=member.id if member else None)
    return issue(principal, MEMBER_TOKEN_TTL)


def staff_token(role: str = "county_admin", scope_id: int | None = None, username: str | None = None) -> str:
    """A live staff token (the user is created with a throw-away password hash)."""
    from server.auth.models import StaffUser
    from server.auth.tokens import STAFF_TOKEN_TTL, Principal, issue

    user = StaffUser(username=username or f"staff{next(_counter)}", password_hash="!", role=role, scope_id=scope_id)
    db.session.add(user)
    db.session.commit()
    return issue(Principal(kind="staff", subject_id=user.id, roles=[role], scope_id=scope_id), STAFF_TOKEN_TTL)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
