"""docs/backup.md as a test: pg_dump a county, restore it into a fresh database, the digests agree."""
from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa

from server import create_app
from server.common.timeutil import current_month, month_add
from server.core.members import Member
from server.core.orgs import Township
from server.extensions import db
from server.members.service import change_status
from server.sync.service import create_key
from tests.conftest import _test_config
from tests.factories import make_branch, make_member, make_township
from tests.sync.synchelpers import checkin, paid, refunded, signed_get, upsert
from tests.testenv import DATABASE_URL

pytestmark = pytest.mark.postgresql

DIGEST = "/api/v1/sync/digest"


def libpq(url: sa.URL) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def digests(app, key, months) -> dict:
    client = app.test_client()
    answers = {}
    for month in months:
        resp = signed_get(client, key, DIGEST, {"month": month})
        assert resp.status_code == 200, resp.get_json()
        answers[month] = resp.get_json()
    return answers


def seed_two_townships() -> tuple[Township, list]:
    """Members, check-ins, payments and a refund in two townships, recorded as the features record them."""
    jinshan, other = make_township("金山镇"), make_township("西斗铺镇")
    members = [make_member(make_branch(jinshan)) for _ in range(4)] + [make_member(make_branch(other))]
    for member in members:
        upsert(member)
    for back in range(3):
        month = month_add(current_month(), -back)
        for i, member in enumerate(members):
            checkin(member, month)
            order_no = paid(member, 1500 + 500 * i, month)
            if i == 1 and back == 1:
                refunded(member, order_no, 500, month)
    change_status(members[2].id, "lost_contact", "半年未联系", "staff:1")
    db.session.commit()
    return jinshan, members


def test_pg_dump_and_restore_keep_the_township_digest(app, ctx, tmp_path):
    jinshan, members = seed_two_townships()
    key = create_key(jinshan.id, "备份核对")
    db.session.commit()
    key = (key[0].key_id, key[1])
    months = [month_add(current_month(), -back) for back in range(3)]
    before = digests(app, key, months)
    sample = (members[0].id, members[0].id_number)
    assert all(d["members"] == 4 and d["checkins"] == 4 and d["paid_fen"] for d in before.values()), before

    source = sa.make_url(DATABASE_URL)
    restored = source.set(database=f"{source.database}_restore")
    dump = tmp_path / "party.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq(source)], check=True)
    server = libpq(source.set(database="postgres"))
    subprocess.run(["dropdb", "--if-exists", f"--maintenance-db={server}", restored.database], check=True)
    subprocess.run(["createdb", f"--maintenance-db={server}", restored.database], check=True)
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(restored)}", str(dump)],
                       check=True)
        restored_app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": restored.render_as_string(False)})
        with restored_app.app_context():
            assert digests(restored_app, key, months) == before
            # Encrypted fields read back with the same FIELD_KEY (kept apart from the dump, docs/backup.md).
            assert db.session.get(Member, sample[0]).id_number == sample[1]
            version = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
            db.session.remove()
            db.engine.dispose()
        assert version == db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        subprocess.run(["dropdb", "--if-exists", "--force", f"--maintenance-db={server}", restored.database],
                       check=True)
