"""merge feature branches: check-ins, dues, sync, dashboard

Revision ID: 0007
Revises: 0003, 0004, 0005, 0006
Create Date: 2026-11-25 12:39:57.697448

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = ('0003', '0004', '0005', '0006')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
