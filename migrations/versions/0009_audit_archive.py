"""audit trail: entries tied to a member and a township, and the audit_archive table

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:50:00.000000

`audit_log` gains `member_id` and `township_id` (server/core/audit.py says how an entry is tied to a
township); existing rows are filled from their member target, else their staff actor's scope, else a
township or branch target. `audit_archive` holds rows moved past the retention by `flask audit archive`.
On PostgreSQL the append-only trigger now lets a row be deleted only once its copy is in audit_archive.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_BACKFILL = (
    "UPDATE audit_log SET member_id = CAST(target_id AS INTEGER) "
    "WHERE target_type = 'member' AND target_id IS NOT NULL AND target_id <> ''",
    "UPDATE audit_log SET township_id = (SELECT m.township_id FROM members m WHERE m.id = audit_log.member_id) "
    "WHERE member_id IS NOT NULL",
    "UPDATE audit_log SET township_id = (SELECT s.scope_id FROM staff_users s WHERE s.role = 'township_admin' "
    "AND CAST(s.id AS VARCHAR(64)) = audit_log.actor_id) WHERE township_id IS NULL AND actor_type = 'staff'",
    "UPDATE audit_log SET township_id = (SELECT b.township_id FROM staff_users s JOIN branches b ON b.id = s.scope_id "
    "WHERE s.role = 'branch_secretary' AND CAST(s.id AS VARCHAR(64)) = audit_log.actor_id) "
    "WHERE township_id IS NULL AND actor_type = 'staff'",
    "UPDATE audit_log SET township_id = CAST(target_id AS INTEGER) "
    "WHERE township_id IS NULL AND target_type = 'township' AND target_id IS NOT NULL AND target_id <> ''",
    "UPDATE audit_log SET township_id = (SELECT b.township_id FROM branches b WHERE CAST(b.id AS VARCHAR(64)) = "
    "audit_log.target_id) WHERE township_id IS NULL AND target_type = 'branch'",
)

_APPEND_ONLY_ARCHIVED = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_archive a WHERE a.id = OLD.id) THEN RETURN OLD; END IF; "
    "RAISE EXCEPTION 'audit_log is append-only'; "
    "END $$"
)
_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
)


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('township_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_log_township_at', ['township_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_log_member_at', ['member_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_log_actor_at', ['actor_type', 'actor_id', 'at'], unique=False)
    if postgresql:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    for statement in _BACKFILL:
        if postgresql:
            statement = statement.replace("target_id <> ''", "target_id ~ '^[0-9]+$'")
        op.execute(statement)
    if postgresql:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")

    op.create_table('audit_archive',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=False),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_archive'))
    )
    with op.batch_alter_table('audit_archive', schema=None) as batch_op:
        batch_op.create_index('ix_audit_archive_at', ['at'], unique=False)
    if postgresql:
        op.execute(_APPEND_ONLY_ARCHIVED)
        # The archive is append-only too: archived rows are kept, never edited or removed by the app.
        op.execute(
            "CREATE FUNCTION audit_archive_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_archive is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_archive_append_only BEFORE UPDATE OR DELETE ON audit_archive "
            "FOR EACH ROW EXECUTE FUNCTION audit_archive_append_only()"
        )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute(_APPEND_ONLY)
        op.execute("DROP TRIGGER IF EXISTS audit_archive_append_only ON audit_archive")
        op.execute("DROP FUNCTION IF EXISTS audit_archive_append_only()")
    with op.batch_alter_table('audit_archive', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_archive_at')
    op.drop_table('audit_archive')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_actor_at')
        batch_op.drop_index('ix_audit_log_member_at')
        batch_op.drop_index('ix_audit_log_township_at')
        batch_op.drop_column('township_id')
        batch_op.drop_column('member_id')
