"""platform-neutral state names

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:30:00.000000

The step that asks a provider to connect the meeting platform before a session on it is created was named after
one platform; it is `new_platform_needed` now. Conversations stored in it (or that went to help from it, which
the context remembers as `help_from`) are moved to the new name, so nobody is stranded mid-step.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD, NEW = 'new_zoom_needed', 'new_platform_needed'


def _rename(old: str, new: str) -> None:
    conversations = sa.table('conversations', sa.column('id', sa.Integer), sa.column('state', sa.String(40)),
                             sa.column('context', sa.JSON))
    bind = op.get_bind()
    bind.execute(conversations.update().where(conversations.c.state == old).values(state=new))
    for row in bind.execute(sa.select(conversations.c.id, conversations.c.context)).all():
        context = row.context
        if isinstance(context, dict) and context.get('help_from') == old:
            bind.execute(conversations.update().where(conversations.c.id == row.id)
                         .values(context={**context, 'help_from': new}))


def upgrade() -> None:
    _rename(OLD, NEW)


def downgrade() -> None:
    _rename(NEW, OLD)
