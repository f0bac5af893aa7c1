"""busy times cache

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 09:00:00.000000

The providers' busy times as their calendar platform (Google) last reported them: read while answering messages
(never waiting on the platform), refreshed by the worker (bot.services.calendars). Encrypted; deleted with the
connection.
"""
import sqlalchemy as sa
from alembic import op

import store.models

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'busy_times',
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('periods_enc', sa.Text(), nullable=True),
        sa.Column('fetched_at', store.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('tried_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('watched_until', store.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('provider_id', 'platform'),
    )
    op.create_index(op.f('ix_busy_times_watched_until'), 'busy_times', ['watched_until'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_busy_times_watched_until'), table_name='busy_times')
    op.drop_table('busy_times')
