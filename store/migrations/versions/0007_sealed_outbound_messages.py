"""sealed outbound messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:10:00.000000

Messages that name a connected account's email are stored encrypted from now on (`sealed`). Messages written before
named it in plain text; this migration has no encryption key, so it deletes them (they were sent long ago; the
connection itself still holds the email, encrypted). On PostgreSQL their old row versions stay in the table's files
until the space is reused: run `VACUUM FULL outbound_messages` once after upgrading to rewrite the table.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# What the texts that named the email looked like ("✅ Zoom connected as …", "*Zoom*: Connected as …", "You're already
# connected as …", "OK, Zoom stays connected as …", "Disconnect the Zoom account …?", "the connection to … stopped
# working"), frozen here: the texts in bot/core/messages.py may change.
NAMED_THE_EMAIL = ("%onnected as %@%", "%Disconnect the Zoom account %@%", "%the connection to %@% stopped working%")


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed', sa.Boolean(), nullable=False, server_default=sa.false()))

    body = sa.column('body', sa.Text())
    outbound = sa.table('outbound_messages', body)
    op.execute(outbound.delete().where(sa.or_(*(body.like(pattern) for pattern in NAMED_THE_EMAIL))))


def downgrade() -> None:
    sealed = sa.column('sealed', sa.Boolean())
    op.execute(sa.table('outbound_messages', sealed).delete().where(sealed))  # their bodies would go out encrypted
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_column('sealed')
