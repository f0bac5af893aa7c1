"""the outbox loses its index on status: the partial index over the active messages serves every lookup by status

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:00:00.000000

Nothing looks outbound messages up by status but the senders' scans, which `ix_outbound_active` (the messages not
yet handed to Twilio, by recipient) serves once their SQL names the statuses as the index does; the index on
`status` was one more index written with every reply, and a planner with stale statistics chose it over the
partial one.
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_outbound_messages_status', table_name='outbound_messages')


def downgrade() -> None:
    op.create_index('ix_outbound_messages_status', 'outbound_messages', ['status'])
