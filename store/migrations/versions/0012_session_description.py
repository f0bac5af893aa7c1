"""session description; archived sessions

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:15:00.000000

A session may carry a description (shown to customers when they pick it). A deleted session is archived: its
status becomes `archived` (the column already holds any short word), so its rows and past bookings stay.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offerings') as batch:
        batch.add_column(sa.Column('description', sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.execute("UPDATE offerings SET status = 'paused' WHERE status = 'archived'")
    with op.batch_alter_table('offerings') as batch:
        batch.drop_column('description')
