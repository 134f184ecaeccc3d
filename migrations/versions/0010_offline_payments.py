"""offline payments: dues paid outside WeChat and their reversals, month claims and ledger entries of them,
forwarding marks of large special dues

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:50:00.000000

Claims and ledger entries belong to a WeChat order or to an offline payment, so `order_id` becomes nullable and
`payment_id` is added beside it; the month-claim unique key (member, month) then covers both channels.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dues_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_type', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('months', sa.JSON(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.Column('receipt_no', sa.String(length=32), nullable=True),
    sa.Column('forward_upward', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_dues_payments_branch_id_branches')),
    sa.ForeignKeyConstraint(['campaign_id'], ['dues_campaigns.id'], name=op.f('fk_dues_payments_campaign_id_dues_campaigns')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_dues_payments_member_id_members')),
    sa.ForeignKeyConstraint(['reverses_id'], ['dues_payments.id'], name=op.f('fk_dues_payments_reverses_id_dues_payments')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_dues_payments_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_payments')),
    sa.UniqueConstraint('receipt_no', name=op.f('uq_dues_payments_receipt_no')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_dues_payments_reverses_id'))
    )
    with op.batch_alter_table('dues_payments', schema=None) as batch_op:
        batch_op.create_index('ix_dues_payments_branch_paid_on', ['branch_id', 'paid_on'], unique=False)
        batch_op.create_index('ix_dues_payments_member_paid_on', ['member_id', 'paid_on'], unique=False)

    op.create_table('dues_forwardings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('forwarded_by', sa.String(length=64), nullable=False),
    sa.Column('forwarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_forwardings')),
    sa.UniqueConstraint('ref', name=op.f('uq_dues_forwardings_ref'))
    )

    with op.batch_alter_table('dues_month_claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_dues_month_claims_payment_id'), ['payment_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dues_month_claims_payment_id_dues_payments'), 'dues_payments',
                                    ['payment_id'], ['id'])

    with op.batch_alter_table('dues_ledger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint('uq_dues_ledger_payment_month_type', ['payment_id', 'month', 'entry_type'])
        batch_op.create_foreign_key(batch_op.f('fk_dues_ledger_payment_id_dues_payments'), 'dues_payments',
                                    ['payment_id'], ['id'])


def downgrade():
    with op.batch_alter_table('dues_ledger', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dues_ledger_payment_id_dues_payments'), type_='foreignkey')
        batch_op.drop_constraint('uq_dues_ledger_payment_month_type', type_='unique')
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('payment_id')
    with op.batch_alter_table('dues_month_claims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dues_month_claims_payment_id_dues_payments'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dues_month_claims_payment_id'))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('payment_id')
    op.drop_table('dues_forwardings')
    with op.batch_alter_table('dues_payments', schema=None) as batch_op:
        batch_op.drop_index('ix_dues_payments_member_paid_on')
        batch_op.drop_index('ix_dues_payments_branch_paid_on')
    op.drop_table('dues_payments')
