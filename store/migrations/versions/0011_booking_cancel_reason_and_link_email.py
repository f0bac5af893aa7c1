"""booking cancel reason and link email

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:00:00.000000

Why a booking was cancelled, as the customer or provider who cancelled it said it (optional; passed to the other
side in the cancellation message); and whether the last invitation went without the meeting link (booked while
the provider's platform was disconnected: the confirmation goes at once, an update with the link follows).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bookings') as batch:
        batch.add_column(sa.Column('cancel_reason', sa.String(300), nullable=True))
        batch.add_column(sa.Column('email_link_pending', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('bookings') as batch:
        batch.drop_column('email_link_pending')
        batch.drop_column('cancel_reason')
