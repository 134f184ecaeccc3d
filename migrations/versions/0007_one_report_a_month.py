"""one report-in per member and month: a later one of the same month rewrites it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:20:00.000000

Where a database already holds several report-ins of one member in one month, the latest (highest id) is
kept and the earlier ones are removed: they were superseded by it, and the townships hold each of them in
their ledgers already (the feed is never rewritten).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM reports WHERE id NOT IN (SELECT MAX(id) FROM reports GROUP BY member_id, month)")
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_reports_member_month')
        batch_op.create_unique_constraint('uq_reports_member_month', ['member_id', 'month'])


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint('uq_reports_member_month', type_='unique')
        batch_op.create_index('ix_reports_member_month', ['member_id', 'month'], unique=False)
        batch_op.drop_column('updated_at')
