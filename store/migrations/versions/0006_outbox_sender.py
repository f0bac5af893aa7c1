"""outbox sender: backoff and claim lease, and the index the senders scan

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:30:00
"""
import sqlalchemy as sa
from alembic import op

import store.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('pending', 'claimed')")


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', store.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', store.models.UTCDateTime(timezone=True), nullable=True))
    # A message a sender had in hand during the upgrade: a claim with no lease, checked with Twilio before any resend.
    op.execute("UPDATE outbound_messages SET status = 'claimed' WHERE status = 'sending' AND twilio_sid IS NULL")
    op.create_index('ix_outbound_active', 'outbound_messages', ['to', 'id'], unique=False,
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade() -> None:
    op.drop_index('ix_outbound_active', table_name='outbound_messages', postgresql_where=ACTIVE, sqlite_where=ACTIVE)
    op.execute("UPDATE outbound_messages SET status = 'sending' WHERE status = 'claimed'")
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('next_attempt_at')
