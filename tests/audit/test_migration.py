"""Migration 0009 ties entries written before it to their member and township (on an embedded database)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import upgrade

from server import create_app
from server.extensions import db
from tests.conftest import _test_config


def test_existing_entries_get_their_member_and_township(tmp_path):
    app = create_app({**_test_config(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO counties (id, name, created_at) VALUES (1, '本县', '2026-01-01')"))
            conn.execute(sa.text("INSERT INTO townships (id, county_id, name, created_at) VALUES "
                                 "(7, 1, '金山镇', '2026-01-01'), (8, 1, '城关镇', '2026-01-01')"))
            conn.execute(sa.text("INSERT INTO branches (id, township_id, kind, name, created_at) VALUES "
                                 "(70, 7, 'mobile', '金山镇流动党员党支部', '2026-01-01'), "
                                 "(71, 7, 'village', '金山村党支部', '2026-01-01'), "
                                 "(80, 8, 'mobile', '城关镇流动党员党支部', '2026-01-01')"))
            conn.execute(sa.text(
                "INSERT INTO members (id, name, id_number, id_number_hash, township_id, village_branch_id, "
                "mobile_branch_id, is_committee, status, created_at, updated_at) VALUES "
                "(5, '张三', 'x', 'h5', 7, 71, 70, 0, 'active', '2026-01-01', '2026-01-01')"))
            conn.execute(sa.text(
                "INSERT INTO staff_users (id, username, password_hash, role, scope_id, is_active, created_at) VALUES "
                "(3, 'sj', '!', 'branch_secretary', 80, 1, '2026-01-01'), "
                "(4, 'town', '!', 'township_admin', 8, 1, '2026-01-01')"))
            conn.execute(sa.text(
                "INSERT INTO audit_log (id, at, actor_type, actor_id, action, target_type, target_id) VALUES "
                "(1, '2026-06-01', 'staff', '9', 'member.read', 'member', '5'), "
                "(2, '2026-06-01', 'staff', '3', 'dues.ledger_read', 'event', '12'), "
                "(3, '2026-06-01', 'staff', '4', 'staff.login', 'staff_user', '4'), "
                "(4, '2026-06-01', 'cli', NULL, 'x.read', 'branch', '70'), "
                "(5, '2026-06-01', 'cli', NULL, 'sync.key_created', 'sync_key', 'abc')"))
        upgrade(revision="0009")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, member_id, township_id FROM audit_log ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 5, 7), (2, None, 8), (3, None, 8), (4, None, 7), (5, None, None)]
