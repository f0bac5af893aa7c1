"""rich messages: the outbox's buttons and lists, and the Content API resources made for them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 11:00:00.000000

An outbound message may carry a rich form (WhatsApp reply buttons, a list picker or a link button) beside its
numbered text; `content_templates` caches the Content API resource created for each shape of rich message.
"""
import sqlalchemy as sa
from alembic import op

import store.models

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages') as batch:
        batch.add_column(sa.Column('rich', sa.Text(), nullable=True))
    op.create_table(
        'content_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('sid', sa.String(length=64), nullable=False),
        sa.Column('friendly_name', sa.String(length=100), nullable=False),
        sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('content_templates')
    with op.batch_alter_table('outbound_messages') as batch:
        batch.drop_column('rich')
