"""registrations of members not on the roster, transfers out and returns home with their letters

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:20:00.000000

One pending registration per WeChat account is a partial unique index (PostgreSQL and SQLite alike);
letter numbers are unique per county.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('wechat_account_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.String(length=255), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=255), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('mobile_branch_id', sa.Integer(), nullable=False),
    sa.Column('home_branch', sa.String(length=128), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=False),
    sa.Column('destination', sa.String(length=64), nullable=False),
    sa.Column('employer', sa.String(length=128), nullable=False),
    sa.Column('certificate_no', sa.String(length=64), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('notify_grant', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_registrations_member_id_members')),
    sa.ForeignKeyConstraint(['mobile_branch_id'], ['branches.id'], name=op.f('fk_registrations_mobile_branch_id_branches')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_registrations_township_id_townships')),
    sa.ForeignKeyConstraint(['wechat_account_id'], ['wechat_accounts.id'], name=op.f('fk_registrations_wechat_account_id_wechat_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_branch_status', ['mobile_branch_id', 'status'], unique=False)
        batch_op.create_index('ix_registrations_township_status', ['township_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_id_number_hash'), ['id_number_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_wechat_account_id'), ['wechat_account_id'], unique=False)
        batch_op.create_index('uq_registrations_pending_account', ['wechat_account_id'], unique=True,
                              postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    op.create_table('transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('letter_no', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('destination', sa.String(length=128), nullable=True),
    sa.Column('from_status', sa.String(length=16), nullable=False),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('paid_through', sa.String(length=7), nullable=True),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('village_branch_id', sa.Integer(), nullable=False),
    sa.Column('mobile_branch_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_by', sa.String(length=64), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_transfers_county_id_counties')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_transfers_member_id_members')),
    sa.ForeignKeyConstraint(['mobile_branch_id'], ['branches.id'], name=op.f('fk_transfers_mobile_branch_id_branches')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_transfers_township_id_townships')),
    sa.ForeignKeyConstraint(['village_branch_id'], ['branches.id'], name=op.f('fk_transfers_village_branch_id_branches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
    sa.UniqueConstraint('county_id', 'kind', 'year', 'number', name='uq_transfers_county_kind_year_number'),
    sa.UniqueConstraint('county_id', 'letter_no', name='uq_transfers_county_letter_no')
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfers_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfers_member_id'))
    op.drop_table('transfers')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_pending_account')
        batch_op.drop_index(batch_op.f('ix_registrations_wechat_account_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_id_number_hash'))
        batch_op.drop_index('ix_registrations_township_status')
        batch_op.drop_index('ix_registrations_branch_status')
    op.drop_table('registrations')
