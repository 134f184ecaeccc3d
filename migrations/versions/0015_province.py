"""dashboard member figures from one index: members by (township, mobile branch, status, paid_through,
created_at), so the county and township views count status, paid-up and arrears with an index-only scan

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 06:00:00.000000
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index('ix_members_figures',
                              ['township_id', 'mobile_branch_id', 'status', 'paid_through', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_figures')
