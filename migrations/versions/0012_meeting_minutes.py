"""meeting minutes with amendment history and photos

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 00:54:47.071513

One minutes row per event; every save kept as an amendment (a unique version per minutes); photos name their
stored files (the bytes live in the photo store, not the database).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('chair', sa.String(length=64), nullable=True),
    sa.Column('recorder', sa.String(length=64), nullable=True),
    sa.Column('topic', sa.String(length=500), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('decisions', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_meeting_minutes_event_id_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes')),
    sa.UniqueConstraint('event_id', name=op.f('uq_meeting_minutes_event_id'))
    )
    op.create_table('meeting_minutes_amendments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['minutes_id'], ['meeting_minutes.id'], name=op.f('fk_meeting_minutes_amendments_minutes_id_meeting_minutes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes_amendments')),
    sa.UniqueConstraint('minutes_id', 'version', name='uq_meeting_minutes_amendments_version')
    )
    op.create_table('meeting_minutes_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('minutes_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('original_key', sa.String(length=128), nullable=False),
    sa.Column('phone_key', sa.String(length=128), nullable=False),
    sa.Column('phone_width', sa.Integer(), nullable=False),
    sa.Column('phone_height', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['minutes_id'], ['meeting_minutes.id'], name=op.f('fk_meeting_minutes_photos_minutes_id_meeting_minutes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes_photos'))
    )
    with op.batch_alter_table('meeting_minutes_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_minutes_photos_minutes_id'), ['minutes_id'], unique=False)



def downgrade():
    with op.batch_alter_table('meeting_minutes_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_minutes_photos_minutes_id'))

    op.drop_table('meeting_minutes_photos')
    op.drop_table('meeting_minutes_amendments')
    op.drop_table('meeting_minutes')
