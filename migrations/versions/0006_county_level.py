"""county level above the townships: counties, townships unique within their county, county scopes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:50:00.000000

Existing townships (a one-county deployment) are placed in one county named by COUNTY_NAME (default 本县);
county admins and county sync keys are given that county as their scope.
"""
import os
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    counties = op.create_table('counties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counties')),
    sa.UniqueConstraint('name', name=op.f('uq_counties_name'))
    )
    conn = op.get_bind()
    has_orgs = conn.execute(sa.text("SELECT 1 FROM townships UNION ALL SELECT 1 FROM staff_users "
                                    "WHERE role = 'county_admin' UNION ALL SELECT 1 FROM sync_keys")).first()
    county_id = None
    if has_orgs:
        op.bulk_insert(counties, [{"id": 1, "name": os.environ.get("COUNTY_NAME", "本县"),
                                   "created_at": datetime.now(timezone.utc)}])
        county_id = 1
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval('counties_id_seq', 1)"))
    with op.batch_alter_table('townships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
    conn.execute(sa.text("UPDATE townships SET county_id = :c"), {"c": county_id})
    with op.batch_alter_table('townships', schema=None) as batch_op:
        batch_op.alter_column('county_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_townships_name'), type_='unique')
        batch_op.create_unique_constraint('uq_townships_county_name', ['county_id', 'name'])
        batch_op.create_index(batch_op.f('ix_townships_county_id'), ['county_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_townships_county_id_counties'), 'counties', ['county_id'], ['id'])
    with op.batch_alter_table('sync_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sync_keys_county_id_counties'), 'counties', ['county_id'], ['id'])
    if county_id is not None:
        conn.execute(sa.text("UPDATE sync_keys SET county_id = :c WHERE township_id IS NULL"), {"c": county_id})
        conn.execute(sa.text("UPDATE staff_users SET scope_id = :c WHERE role = 'county_admin' AND scope_id IS NULL"),
                     {"c": county_id})


def downgrade():
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE staff_users SET scope_id = NULL WHERE role = 'county_admin'"))
    with op.batch_alter_table('sync_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sync_keys_county_id_counties'), type_='foreignkey')
        batch_op.drop_column('county_id')
    with op.batch_alter_table('townships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_townships_county_id_counties'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_townships_county_id'))
        batch_op.drop_constraint('uq_townships_county_name', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_townships_name'), ['name'])
        batch_op.drop_column('county_id')
    op.drop_table('counties')
