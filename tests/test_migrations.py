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
