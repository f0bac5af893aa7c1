"""outbound media

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:00:00.000000

A message may carry one image (WhatsApp media, sent with the body as its caption): the booking link's QR code.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_url', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_column('media_url')
