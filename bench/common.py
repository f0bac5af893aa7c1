"""Credentials and helpers shared by the benchmark's processes."""
from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from integrations.twilio.fake import DEFAULT_ACCOUNT_SID, DEFAULT_SENDER
from integrations.twilio.signing import sign

ACCOUNT_SID = DEFAULT_ACCOUNT_SID
AUTH_TOKEN = "bench-twilio-token"
SENDER = DEFAULT_SENDER
KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXktMTI="
PATH = "/webhooks/twilio/whatsapp"
# Each answer is one WhatsApp message, so replies can be counted against the messages sent.
SCRIPT = ["hi", "help", "1", "menu", "what?", "2", "back", "menu"]


def signed_form(base_url: str, phone: str, body: str) -> tuple[dict[str, str], str]:
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{phone}",
            "To": SENDER, "Body": body, "NumMedia": "0", "WaId": phone.lstrip("+")}
    return form, sign(AUTH_TOKEN, base_url + PATH, form)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database of its own on the PostgreSQL server at `server_url` (its URL), dropped afterwards."""
    name = f"mns_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def each_database(name: str) -> Iterator[tuple[str, str]]:
    """("sqlite", a fresh file's URL), then ("postgresql", a database of its own) when TEST_DATABASE_URL is set."""
    with tempfile.TemporaryDirectory() as tmp:
        yield "sqlite", f"sqlite:///{Path(tmp) / name}.db"
    if os.environ.get("TEST_DATABASE_URL"):
        with postgres_database(os.environ["TEST_DATABASE_URL"]) as url:
            yield "postgresql", url
