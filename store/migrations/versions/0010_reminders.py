"""reminders

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:00:00.000000

Reminders before each booking: one row per (booking, kind, start) once due (what makes them exactly once), the
providers' settings, the customer's "I'll be there", a message's own template (a reminder outside the 24-hour
window), and the partial index the sweep scans.
"""
import sqlalchemy as sa
from alembic import op

import store.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('start_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['message_id'], ['outbound_messages.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('start_at', 'booking_id', 'kind'),
    )
    op.create_index(op.f('ix_reminders_booking_id'), 'reminders', ['booking_id'], unique=False)
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_customers', sa.String(length=8), nullable=False,
                                      server_default='24h1h'))
        batch_op.add_column(sa.Column('remind_self', sa.String(length=8), nullable=False, server_default='1h'))
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attending_at', store.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_sid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('template_variables', sa.JSON(), nullable=True))
    op.create_index('ix_bookings_confirmed_start', 'bookings', ['start_at'], unique=False,
                    sqlite_where=sa.text("status = 'confirmed'"), postgresql_where=sa.text("status = 'confirmed'"))


def downgrade() -> None:
    op.drop_index('ix_bookings_confirmed_start', table_name='bookings',
                  sqlite_where=sa.text("status = 'confirmed'"), postgresql_where=sa.text("status = 'confirmed'"))
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_column('template_variables')
        batch_op.drop_column('template_sid')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('attending_at')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_column('remind_self')
        batch_op.drop_column('remind_customers')
    op.drop_index(op.f('ix_reminders_booking_id'), table_name='reminders')
    op.drop_table('reminders')
