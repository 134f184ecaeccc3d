"""dues reminders: dues falling due, arrears reaching 3 and 6 months and the monthly report-in, one row per
member, kind and period, with how the subscribe message went

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dues_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('errmsg', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_dues_reminders_branch_id_branches')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dues_reminders_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_reminders')),
    sa.UniqueConstraint('member_id', 'kind', 'period', name='uq_dues_reminders_member_kind_period')
    )
    with op.batch_alter_table('dues_reminders', schema=None) as batch_op:
        batch_op.create_index('ix_dues_reminders_branch_month', ['branch_id', 'month'], unique=False)
        batch_op.create_index('ix_dues_reminders_member_created', ['member_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('dues_reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_dues_reminders_member_created')
        batch_op.drop_index('ix_dues_reminders_branch_month')
    op.drop_table('dues_reminders')
