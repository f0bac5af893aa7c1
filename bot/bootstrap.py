"""The application factory: builds the engine, messenger, mailer, clock and the conversation handler once, and
registers the blueprints and operator commands."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask, jsonify
from werkzeug.exceptions import SecurityError

from bot import cli
from bot.conversation.handler import ConversationHandler
from bot.core.config import Config, ConfigError, load_config
from bot.services.deps import Services, utc_now
from bot.web import connect, share, webhook
from bot.worker.tasks import TaskQueue, make_huey
from integrations.mail import ConsoleMailer, Mailer, SMTPMailer
from integrations.twilio.messenger import ConsoleMessenger, Messenger, TwilioMessenger
from integrations.video import VideoProviderRegistry
from integrations.zoom.client import ZoomProvider
from store.crypto import CipherError, TokenCipher
from store.db import make_engine, make_session_factory, ping

SANDBOX_PREFIX = "/sandbox/zoom"
SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET = "sandbox-client", "sandbox-secret"
SANDBOX_USER = "you@zoom-sandbox.mynextslot.test"
# Every response: no MIME sniffing, no framing, and a policy that loads nothing (pages that show something set
# their own, as strict: bot.web.connect.page).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; "
                                               "frame-ancestors 'none'"}
# Libraries that log every request at INFO (twilio.http_client: a dozen lines per message sent).
CHATTY_LOGGERS = ("transitions", "alembic", "huey", "twilio.http_client")


def _mount_zoom_sandbox(app: Flask, config: Config) -> None:
    """Try the whole Zoom journey with no Zoom account: the strict fake Zoom answers under /sandbox/zoom."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from integrations.zoom.fake import FakeZoom, body_validation_available

    fake = FakeZoom(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET,
                    redirect_uris=[config.public_base_url + "/oauth/zoom/callback"],
                    validate_bodies=body_validation_available())
    fake.add_user(SANDBOX_USER)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {SANDBOX_PREFIX: fake.app})  # type: ignore[method-assign]
    logging.getLogger(__name__).warning("Zoom sandbox on: Zoom is the local fake at %s%s (set ZOOM_CLIENT_ID "
                                        "and ZOOM_CLIENT_SECRET for the real one)", config.public_base_url,
                                        SANDBOX_PREFIX)


def build_services(config: Config, clock: Callable[[], datetime] = utc_now) -> Services:
    if config.database_url.startswith("sqlite:///") and ":memory:" not in config.database_url:
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url, pool_size=config.pool_size)
    messenger: Messenger = (TwilioMessenger(config.twilio_account_sid, config.twilio_auth_token,
                                            config.twilio_whatsapp_from, api_base_url=config.twilio_api_base_url,
                                            timeout=config.twilio_timeout_seconds)
                            if config.twilio_enabled else ConsoleMessenger())
    mailer: Mailer = SMTPMailer.from_url(config.smtp_url, config.mail_from) if config.smtp_url else ConsoleMailer()
    video = VideoProviderRegistry()
    if config.zoom_sandbox:  # the local fake Zoom mounted by create_app under /sandbox/zoom
        video.register(ZoomProvider(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET,
                                    oauth_base_url=config.public_base_url + SANDBOX_PREFIX,
                                    api_base_url=config.public_base_url + SANDBOX_PREFIX + "/v2", clock=clock))
    elif config.zoom_enabled:
        video.register(ZoomProvider(config.zoom_client_id, config.zoom_client_secret,
                                    oauth_base_url=config.zoom_oauth_base_url, api_base_url=config.zoom_api_base_url,
                                    clock=clock))
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
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in CHATTY_LOGGERS:
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app = Flask(__name__)
    # TRUSTED_HOSTS: a request for any other Host gets 400 before routing, so a spoofed Host never reaches a
    # redirect's Location (werkzeug builds those from it).
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=256 * 1024,
                      TRUSTED_HOSTS=list(config.allowed_hosts))
    app.extensions["services"] = services
    app.extensions["handler"] = ConversationHandler(services)

    app.register_blueprint(webhook.bp)
    app.register_blueprint(connect.bp)
    app.register_blueprint(share.bp)
    if config.zoom_sandbox:
        _mount_zoom_sandbox(app, config)
    cli.register(app)

    @app.get("/healthz")
    def healthz():
        ok = ping(services.engine)
        return jsonify(status="ok" if ok else "database unreachable"), 200 if ok else 503

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(SecurityError)
    def untrusted_host(_err):  # werkzeug's own page would repeat the Host it refused
        return "unknown host\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(413)
    def too_large(_err):
        return "request too large\n", 413

    return app
