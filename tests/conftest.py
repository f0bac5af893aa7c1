"""Shared fixtures: a database per test (SQLite by default; PostgreSQL when TEST_DATABASE_URL is set), a
settable clock, the app wired to the fake Twilio and a real local SMTP server, and `whatsapp`, the chat driver
(tests/fixtures/chat.py). Builders and the people tests start from live in tests/fixtures/."""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.bootstrap import build_services, create_app
from bot.core.config import Config
from integrations.zoom.settings import ZoomSettings
from store import migrate
from store.db import make_engine
from store.models import Base

from tests.fixtures.chat import WhatsAppUser
from tests.fixtures.settings import PUBLIC_BASE_URL, TEST_TOKEN_KEY, ZOOM_WEBHOOK_SECRET

pytest_plugins = ["tests.fixtures.twilio", "tests.fixtures.smtp", "tests.fixtures.zoom", "tests.fixtures.google",
                  "tests.fixtures.storage", "tests.fixtures.providers", "tests.fixtures.sandbox"]


# -- database ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database made once per session: a SQLite file to copy, or a PostgreSQL database to truncate."""
    pg = os.environ.get("TEST_DATABASE_URL", "")
    if pg:
        name = f"mns_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(pg.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(pg).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        try:
            yield url
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    yield f"sqlite:///{path}"


@pytest.fixture
def database_url(_database_template: str, tmp_path: Path) -> str:
    if _database_template.startswith("sqlite:///"):
        copy = tmp_path / "bot.db"
        shutil.copyfile(_database_template.removeprefix("sqlite:///"), copy)
        return f"sqlite:///{copy}"
    engine = make_engine(_database_template)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return _database_template


# -- time -------------------------------------------------------------------------------------------------------

@pytest.fixture
def clock(fake_zoom):
    """The one clock of a test: the app's Services and the fake Zoom read it; tests move it with .advance()."""
    return fake_zoom.clock


# -- the app ----------------------------------------------------------------------------------------------------

@pytest.fixture
def config(database_url: str, fake_twilio, smtp_server, fake_zoom) -> Config:
    return Config(env="test", database_url=database_url, public_base_url=PUBLIC_BASE_URL,
                  secret_key="test-secret", twilio_account_sid=fake_twilio.account_sid,
                  twilio_auth_token=fake_twilio.auth_token, twilio_whatsapp_from=fake_twilio.sender,
                  twilio_api_base_url=fake_twilio.url, smtp_url=smtp_server.url,
                  mail_from="MyNextSlot <bot@mynextslot.test>", support_email="support@mynextslot.test",
                  token_encryption_keys=(TEST_TOKEN_KEY,),
                  platforms={"zoom": ZoomSettings(client_id=fake_zoom.client_id,
                                                  client_secret=fake_zoom.client_secret,
                                                  webhook_secret_token=ZOOM_WEBHOOK_SECRET,
                                                  oauth_base_url=fake_zoom.oauth_base_url,
                                                  api_base_url=fake_zoom.api_base_url)},
                  task_queue_url="immediate",
                  twilio_rich_messages=False)  # replies as numbered text; tests/test_rich_messages.py turns it on


@pytest.fixture
def services(config: Config, clock, fake_zoom, fake_twilio):
    fake_twilio.fake.window_clock = clock  # the fake Twilio's 24-hour window moves with the app's clock
    services = build_services(config, clock=clock)
    fake_zoom.fake.redirect_uris.append(PUBLIC_BASE_URL + "/oauth/zoom/callback")
    yield services
    services.engine.dispose()


class PublicClient(FlaskClient):
    """The test client, with requests addressed to PUBLIC_BASE_URL as Twilio's and browsers' are (the app trusts
    only that host)."""

    def open(self, *args, **kwargs):
        if not args or isinstance(args[0], str):
            kwargs.setdefault("base_url", PUBLIC_BASE_URL)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(services):
    app = create_app(services=services)
    app.config.update(TESTING=True)
    app.test_client_class = PublicClient
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(autouse=True)
def _twilio_calls_back_into_the_app(request):
    """The fake Twilio's status callbacks and inbound messages to PUBLIC_BASE_URL reach the app under test."""
    if "client" not in request.fixturenames:
        return
    client = request.getfixturevalue("client")
    fake_twilio = request.getfixturevalue("fake_twilio")

    def transport(url, data, headers, timeout):
        assert url.startswith(PUBLIC_BASE_URL), url
        return client.post(url.removeprefix(PUBLIC_BASE_URL), data=data, headers=headers, base_url=PUBLIC_BASE_URL)

    fake_twilio.fake.transport = transport


@pytest.fixture
def whatsapp(client, fake_twilio):
    def make(phone: str = "+919940790402") -> WhatsAppUser:
        return WhatsAppUser(client, fake_twilio, phone)
    return make


@pytest.fixture
def served_app(app):
    """The app on a loopback port, for callers that speak real HTTP (the fake Zoom's webhooks)."""
    from integrations.serving import serve_wsgi

    public_host = urlsplit(PUBLIC_BASE_URL).netloc

    def behind_the_proxy(environ, start_response):  # the TLS proxy in front passes the public Host on
        environ["HTTP_HOST"] = public_host
        return app(environ, start_response)

    served = serve_wsgi(behind_the_proxy)
    yield served.url
    served.stop()
