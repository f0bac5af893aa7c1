"""The application factory: builds the engine, messenger, mailer, clock and the conversation handler once, and
registers the blueprints and operator commands."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from flask import Flask, jsonify
from flask.sessions import SessionInterface
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bot import cli
from bot.conversation.handler import ConversationHandler
from bot.core import config as core_config
from bot.core.config import TWILIO_SANDBOX_NUMBER, Config, ConfigError
from bot.services.deps import Services, utc_now
from bot.web import connect, sandbox, share, webhook
from bot.worker.tasks import TaskQueue, make_huey, sweep
from integrations.clock import OffsetClock
from integrations.mail import ConsoleMailer, MailboxMailer, Mailer, SMTPMailer
from integrations.twilio.fake import FakeTwilio
from integrations.twilio.messenger import ConsoleMessenger, Messenger, TwilioMessenger
from integrations.google_meet import setup as google_meet_setup
from integrations.google_meet.platform import GOOGLE_MEET
from integrations.video import VideoProviderRegistry
from integrations.zoom import setup as zoom_setup
from integrations.zoom.platform import ZOOM
from store.crypto import CipherError, TokenCipher
from store.db import make_engine, make_session_factory, ping

# The video platforms this bot knows, by name: each integration's setup module reads its settings (for
# bot.core.config), registers itself in the registry and serves what it needs beside the bot. Adding a platform is
# one line here (see the README, "Adding a video platform").
PLATFORMS = {
    ZOOM.name: zoom_setup,
    GOOGLE_MEET.name: google_meet_setup,
}
SANDBOX_USER = zoom_setup.SANDBOX_USER
# The WhatsApp sandbox's Twilio: the strict fake under /sandbox/twilio, with credentials of its own.
TWILIO_SANDBOX_PREFIX = "/sandbox/twilio"
SANDBOX_TWILIO_SID, SANDBOX_TWILIO_TOKEN = "AC" + "5a4db0c5" * 4, "sandbox-twilio-auth-token"
SANDBOX_TEMPLATE_SID = "HX" + "5a4db0c5" * 4
# Every response: no MIME sniffing, no framing, and a policy that loads nothing (pages that show something set
# their own, as strict: bot.web.connect.page).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; "
                                               "frame-ancestors 'none'"}
# Libraries that log every request at INFO (twilio.http_client: a dozen lines per message sent).
CHATTY_LOGGERS = ("transitions", "alembic", "huey", "twilio.http_client")


class NoCookieSessions(SessionInterface):
    """The app keeps no cookie sessions (what a conversation or a connect link needs lives in the database) and
    nothing uses `flask.session`: none is opened per request (Flask's default builds a signing serializer for every
    request, webhooks included); `flask.session` is a NullSession, which refuses to be written."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response) -> None:
        return None


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """bot.core.config.load_config with every known platform's settings reader."""
    return core_config.load_config(environ, PLATFORMS)


def _mount_platforms(app: Flask, config: Config) -> None:
    """What the platforms serve beside the bot (the Zoom sandbox's fake Zoom), by path prefix."""
    mounted = {}
    for name, setup in PLATFORMS.items():
        mounted.update(setup.mounts(config.platform(name), public_base_url=config.public_base_url))
    if mounted:
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, mounted)  # type: ignore[method-assign]


def _sandbox_twilio(config: Config) -> Config:
    """With WHATSAPP_SANDBOX, Twilio is the fake the sandbox mounts: the rest of the app sees a configured Twilio."""
    if not config.whatsapp_sandbox:
        return config
    return config.with_(twilio_account_sid=SANDBOX_TWILIO_SID, twilio_auth_token=SANDBOX_TWILIO_TOKEN,
                        twilio_whatsapp_from=config.twilio_whatsapp_from or TWILIO_SANDBOX_NUMBER,
                        twilio_api_base_url=config.public_base_url + TWILIO_SANDBOX_PREFIX,
                        twilio_template_content_sid=config.twilio_template_content_sid or SANDBOX_TEMPLATE_SID)


def _mount_whatsapp_sandbox(app: Flask, services: Services) -> None:
    """The sandbox page at /sandbox (bot/web/sandbox.py), over the strict fake Twilio mounted under /sandbox/twilio."""
    config = services.config
    fake = FakeTwilio(config.twilio_account_sid, config.twilio_auth_token, senders=(config.twilio_whatsapp_from,),
                      clock=services.clock)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {TWILIO_SANDBOX_PREFIX: fake.app})  # type: ignore[method-assign]
    app.extensions["sandbox"] = sandbox.Sandbox(
        fake, webhook_url=services.url("/webhooks/twilio/whatsapp"), sweep=lambda: sweep(services),
        clock=services.clock if isinstance(services.clock, OffsetClock) else None,
        mailbox=services.mailer if isinstance(services.mailer, MailboxMailer) else None,
        content={config.twilio_template_content_sid: sandbox.TEMPLATE_CONTENT})
    app.register_blueprint(sandbox.bp)
    logging.getLogger(__name__).warning("WhatsApp sandbox on: open %s/sandbox (Twilio is the local fake; set "
                                        "TWILIO_ACCOUNT_SID... for the real one)", config.public_base_url)


def build_services(config: Config, clock: Callable[[], datetime] = utc_now) -> Services:
    config = _sandbox_twilio(config)
    if config.whatsapp_sandbox and clock is utc_now:  # one clock for the web app and the worker, movable
        clock = OffsetClock(Path(config.instance_dir) / "sandbox-clock")
    if config.database_url.startswith("sqlite:///") and ":memory:" not in config.database_url:
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url, pool_size=config.pool_size)
    messenger: Messenger = (TwilioMessenger(config.twilio_account_sid, config.twilio_auth_token,
                                            config.twilio_whatsapp_from, api_base_url=config.twilio_api_base_url,
                                            timeout=config.twilio_timeout_seconds)
                            if config.twilio_enabled else ConsoleMessenger())
    mailer: Mailer = (SMTPMailer.from_url(config.smtp_url, config.mail_from) if config.smtp_url
                      else MailboxMailer(Path(config.instance_dir) / "mailbox", config.mail_from, clock)
                      if config.whatsapp_sandbox else ConsoleMailer())
    video = VideoProviderRegistry()
    for name, setup in PLATFORMS.items():
        setup.register(video, config.platform(name), public_base_url=config.public_base_url, clock=clock)
    try:
        cipher = TokenCipher(config.token_encryption_keys)
    except CipherError as exc:
        raise ConfigError(str(exc)) from exc
    services = Services(config=config, engine=engine, sessions=make_session_factory(engine), messenger=messenger,
                        mailer=mailer, video=video, cipher=cipher, clock=clock,
                        inline_delivery=config.task_queue_url == "immediate")
    services.queue = TaskQueue(make_huey(config.task_queue_url), services)
    return services


def create_app(config: Config | None = None, services: Services | None = None) -> Flask:
    config = config or (services.config if services else load_config())
    services = services or build_services(config)
    config = services.config
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in CHATTY_LOGGERS:
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app = Flask(__name__)
    # TRUSTED_HOSTS: a request for any other Host gets 400 before routing, so a spoofed Host never reaches a
    # redirect's Location (werkzeug builds those from it).
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=256 * 1024,
                      TRUSTED_HOSTS=list(config.allowed_hosts))
    app.session_interface = NoCookieSessions()
    app.extensions["services"] = services
    app.extensions["handler"] = ConversationHandler(services)

    app.register_blueprint(webhook.bp)
    app.register_blueprint(connect.bp)
    app.register_blueprint(share.bp)
    _mount_platforms(app, config)
    if config.whatsapp_sandbox:
        _mount_whatsapp_sandbox(app, services)
    cli.register(app)

    @app.get("/healthz")
    def healthz():
        ok = ping(services.engine)
        return jsonify(status="ok" if ok else "database unreachable"), 200 if ok else 503

    @app.after_request
    def security_headers(response):  # a page's own policy (bot.web.connect.page) is kept
        headers = response.headers
        headers.extend([(name, value) for name, value in SECURITY_HEADERS.items() if name not in headers])
        return response

    @app.errorhandler(SecurityError)
    def untrusted_host(_err):  # werkzeug's own page would repeat the Host it refused
        return "unknown host\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(413)
    def too_large(_err):
        return "request too large\n", 413

    return app
