"""notices with read marks and subscribe messages; yearly democratic evaluations

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:55:00.000000
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audience_type', sa.String(length=16), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=False),
    sa.Column('publisher', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_notices_branch_id_branches')),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_notices_county_id_counties')),
    sa.ForeignKeyConstraint(['published_by'], ['staff_users.id'], name=op.f('fk_notices_published_by_staff_users')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_notices_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_branch_created', ['branch_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notices_county_created', ['county_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notices_township_created', ['township_id', 'created_at'], unique=False)

    op.create_table('notice_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notice_reads_member_id_members')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_reads_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_reads')),
    sa.UniqueConstraint('notice_id', 'member_id', name='uq_notice_reads_notice_member')
    )
    with op.batch_alter_table('notice_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_reads_member_id'), ['member_id'], unique=False)

    op.create_table('notice_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('errcode', sa.Integer(), nullable=True),
    sa.Column('errmsg', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notice_messages_member_id_members')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_messages_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_messages')),
    sa.UniqueConstraint('notice_id', 'member_id', name='uq_notice_messages_notice_member')
    )

    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=8), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_evaluations_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('member_id', 'year', name='uq_evaluations_member_year')
    )


def downgrade():
    op.drop_table('evaluations')
    op.drop_table('notice_messages')
    with op.batch_alter_table('notice_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_reads_member_id'))
    op.drop_table('notice_reads')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_township_created')
        batch_op.drop_index('ix_notices_county_created')
        batch_op.drop_index('ix_notices_branch_created')
    op.drop_table('notices')
