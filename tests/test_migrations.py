"""Data steps of the migrations, run on a database of their own (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, create_engine, select, text
from sqlalchemy.engine import make_url

from bot.core import messages as msg
from store import migrate
from store.db import make_engine
from tests.fixtures.texts import zoom_text


@pytest.fixture
def empty_database(tmp_path) -> Iterator[Engine]:
    pg = os.environ.get("TEST_DATABASE_URL", "")
    if not pg:
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    name = f"mns_migration_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(pg).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def upgrade_to(engine: Engine, revision: str) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_0007_deletes_the_messages_that_named_a_connected_email_in_plain_text(empty_database):
    engine = empty_database
    upgrade_to(engine, "0006")
    now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    named = [zoom_text(msg.PLATFORM_CONNECTED_CHAT, platform="Zoom", email="asha@example.com"),
             msg.INTEGRATIONS_MENU.format(status=zoom_text(msg.INTEGRATIONS_CONNECTED, email="asha@example.com"),
                                          options="1. Connect Zoom"),
             msg.INTEGRATIONS_MENU.format(status=zoom_text(msg.INTEGRATIONS_BROKEN, email="asha@example.com"),
                                          options="1. Connect Zoom"),
             zoom_text(msg.PLATFORM_CONFIRM_DISCONNECT, email="asha@example.com", options="1. Yes"),
             zoom_text(msg.PLATFORM_KEPT, email="asha@example.com"),
             msg.PLATFORM_ALREADY_CONNECTED.format(email="asha@example.com")]
    kept = [zoom_text(msg.PLATFORM_CONNECTED_CHAT, platform="Zoom", email="[email removed]"),  # redacted before 0007
            zoom_text(msg.PLATFORM_DISCONNECTED), "Your booking is confirmed; the email went to asha@example.com."]
    with engine.begin() as conn:
        outbound = Table("outbound_messages", MetaData(), autoload_with=conn)
        conn.execute(outbound.insert(), [{"to": "whatsapp:+919940790402", "body": body, "status": "delivered",
                                          "via_template": False, "reply": True, "attempts": 1, "created_at": now,
                                          "updated_at": now} for body in named + kept])
    upgrade_to(engine, "head")
    with engine.connect() as conn:
        outbound = Table("outbound_messages", MetaData(), autoload_with=conn)
        rows = conn.execute(select(outbound.c.body, outbound.c.sealed).order_by(outbound.c.id)).all()
    assert [tuple(r) for r in rows] == [(body, False) for body in kept]


def test_0009_moves_conversations_to_the_platform_neutral_step_name(empty_database):
    engine = empty_database
    upgrade_to(engine, "0008")
    now = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
    old = "new_" + "zoom" + "_needed"  # the step's name before 0009
    with engine.begin() as conn:
        contacts = Table("contacts", MetaData(), autoload_with=conn)
        conversations = Table("conversations", MetaData(), autoload_with=conn)
        ids = [conn.execute(contacts.insert().values(phone=f"+9199407904{n:02d}", created_at=now))
               .inserted_primary_key[0] for n in range(3)]
        conn.execute(conversations.insert(), [
            {"contact_id": ids[0], "state": old, "context": {"draft": {"name": "Yoga"}}, "updated_at": now},
            {"contact_id": ids[1], "state": "help_menu", "context": {"help_from": old}, "updated_at": now},
            {"contact_id": ids[2], "state": "provider_menu", "context": {}, "updated_at": now}])
    upgrade_to(engine, "head")
    with engine.connect() as conn:
        conversations = Table("conversations", MetaData(), autoload_with=conn)
        rows = conn.execute(select(conversations.c.state, conversations.c.context)
                            .order_by(conversations.c.contact_id)).all()
    assert [tuple(r) for r in rows] == [("new_platform_needed", {"draft": {"name": "Yoga"}}),
                                        ("help_menu", {"help_from": "new_platform_needed"}),
                                        ("provider_menu", {})]
