"""Configuration read once from the environment at start-up; nothing else in the bot reads os.environ. Each video
platform's settings are read here too, by the reader its integration provides (the bootstrap hands them in), so
their variable names live with the platform."""
from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping, Protocol
from urllib.parse import urlsplit

DEFAULT_INSTANCE = Path(__file__).resolve().parents[2] / "instance"
DEV_SECRET = "dev-only-secret-change-me"
WHATSAPP_SENDER = re.compile(r"whatsapp:\+[1-9]\d{6,14}")
# A Fernet key that only the embedded default uses, so that `flask run` works with no setup. Production refuses it.
DEV_TOKEN_KEY = "ZGV2LW9ubHkta2V5LW5ldmVyLXVzZS1pbi1wcm9kLTE="
# The only values of APP_ENV; anything else stops start-up, so a typo ("prod", "Production ") never runs with the
# development secrets.
ENVIRONMENTS = ("development", "test", "production")
# A host name or IPv4 address as Flask's TRUSTED_HOSTS takes it (no scheme, no port); a leading dot matches every
# subdomain.
TRUSTED_HOST = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


# Twilio's WhatsApp sandbox, which every Twilio account can join: what links point to until a number is set.
TWILIO_SANDBOX_NUMBER = "whatsapp:+14155238886"


class PlatformSettingsReader(Protocol):
    """What a video platform's integration offers to read its settings (e.g. integrations/zoom/settings.py)."""

    def read(self, get: Callable[[str, str], str], app_env: str) -> Any:
        """The settings from `get(name, default)`; ValueError (naming the variable) when one is malformed."""
        ...

    def production_problems(self, settings: Any) -> tuple[list[str], str | None]:
        """(variables production needs, a reason to refuse starting in production or None)."""
        ...


@dataclass(frozen=True)
class Config:
    env: str = "development"  # one of ENVIRONMENTS
    database_url: str = f"sqlite:///{DEFAULT_INSTANCE / 'mynextslot.db'}"
    public_base_url: str = "http://localhost:5000"
    trusted_hosts: tuple[str, ...] = ()  # the Host values requests may carry; empty: the host of public_base_url
    secret_key: str = DEV_SECRET
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_whatsapp_from: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_template_content_sid: str = ""
    twilio_reminder_content_sid: str = ""  # the approved reminder template (variables: see README)
    twilio_rich_messages: bool = True  # menus and lists as WhatsApp buttons and lists (Content API); off: numbered text
    twilio_timeout_seconds: float = 10.0  # one Twilio API call; a sender's claim on a message lasts this + 5 s
    smtp_url: str = ""
    mail_from: str = "MyNextSlot <no-reply@mynextslot.com>"
    support_email: str = "hello@mynextslot.com"
    support_whatsapp: str = "+91 9940790402"
    task_queue_url: str = ""
    platforms: Mapping[str, Any] = field(default_factory=dict)  # each video platform's settings, by its name
    whatsapp_sandbox: bool = False  # the page at /sandbox: a fake Twilio in-process, the mailbox, a movable clock
    instance_dir: str = str(DEFAULT_INSTANCE)  # the sandbox's mailbox and clock live here
    token_encryption_keys: tuple[str, ...] = (DEV_TOKEN_KEY,)
    idle_reset: timedelta = timedelta(hours=24)
    trial_days: int = 14
    sender_threads: int = 16  # the worker's outbox sender: parallel Twilio calls (one per recipient at a time)
    sender_poll_seconds: float = 0.1  # how often the sender looks for messages to send
    sender_max_rate: float = 80  # messages/s handed to Twilio at most (a WhatsApp sender's default throughput); 0: no cap
    database_pool_size: int = 0  # PostgreSQL connections per process; 0: enough for the sender's threads and more

    @property
    def pool_size(self) -> int:
        return self.database_pool_size or max(10, self.sender_threads + 4)
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"env must be one of {', '.join(ENVIRONMENTS)}, got {self.env!r}")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """What Flask's TRUSTED_HOSTS gets: any other Host header is answered 400, so none is ever echoed back."""
        return self.trusted_hosts or (urlsplit(self.public_base_url).hostname or "",)

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from)

    @property
    def whatsapp_number(self) -> str:
        """The bot's WhatsApp number as +E.164: TWILIO_WHATSAPP_FROM, or Twilio's shared sandbox number where none
        is configured (development and tests; production requires one)."""
        return (self.twilio_whatsapp_from or TWILIO_SANDBOX_NUMBER).removeprefix("whatsapp:")

    def platform(self, name: str) -> Any:
        """A video platform's settings (None when its reader was not given)."""
        return self.platforms.get(name)

    def with_(self, **changes) -> "Config":
        return replace(self, **changes)


def _hours(name: str, raw: str) -> timedelta:
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of hours, got {raw!r}") from exc
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a positive number of hours, got {raw!r}")
    return timedelta(hours=value)


def _number(name: str, raw: str, kind: type, low: float, high: float):
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number from {low} to {high}, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be from {low} to {high}, not {raw!r}")
    return value


def _base_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an absolute http(s) URL such as https://bot.example.com, got {raw!r}")
    return raw.rstrip("/")


def _hosts(name: str, raw: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        if not (host.isascii() and TRUSTED_HOST.fullmatch(host)):
            raise ConfigError(f"{name} takes host names separated by commas (no scheme or port; .example.com "
                              f"for all its subdomains), got {host!r}")
    return hosts


def _app_env(raw: str) -> str:
    value = raw.lower()
    if value not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)} (any case), got {raw!r}")
    return value


def _flag(name: str, raw: str, default: bool) -> bool:
    if not raw:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def load_config(environ: Mapping[str, str] | None = None,
                platforms: Mapping[str, PlatformSettingsReader] | None = None) -> Config:
    """Build the Config from environment variables (see README, "Configuration"); validate production secrets.
    `platforms`: the settings reader of each video platform, by name (the bootstrap's)."""
    env = dict(os.environ if environ is None else environ)
    d = Config()
    get = lambda name, default: env.get(name, "").strip() or default  # noqa: E731
    keys = tuple(k.strip() for k in get("TOKEN_ENCRYPTION_KEY", "").split(",") if k.strip())
    app_env = _app_env(get("APP_ENV", d.env))
    config = Config(
        env=app_env,
        database_url=get("DATABASE_URL", d.database_url),
        public_base_url=_base_url("PUBLIC_BASE_URL", get("PUBLIC_BASE_URL", d.public_base_url)),
        trusted_hosts=_hosts("TRUSTED_HOSTS", get("TRUSTED_HOSTS", "")),
        secret_key=get("SECRET_KEY", d.secret_key),
        twilio_account_sid=get("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=get("TWILIO_AUTH_TOKEN", ""),
        twilio_whatsapp_from=get("TWILIO_WHATSAPP_FROM", ""),
        twilio_api_base_url=get("TWILIO_API_BASE_URL", d.twilio_api_base_url).rstrip("/"),
        twilio_template_content_sid=get("TWILIO_TEMPLATE_CONTENT_SID", ""),
        twilio_reminder_content_sid=get("TWILIO_REMINDER_CONTENT_SID", ""),
        twilio_rich_messages=_flag("TWILIO_RICH_MESSAGES", get("TWILIO_RICH_MESSAGES", ""), default=True),
        smtp_url=get("SMTP_URL", ""),
        mail_from=get("MAIL_FROM", d.mail_from),
        support_email=get("SUPPORT_EMAIL", d.support_email),
        support_whatsapp=get("SUPPORT_WHATSAPP", d.support_whatsapp),
        task_queue_url=get("TASK_QUEUE_URL", ""),
        platforms=_platforms(platforms or {}, get, app_env),
        whatsapp_sandbox=_flag("WHATSAPP_SANDBOX", get("WHATSAPP_SANDBOX", ""),
                               default=app_env == "development" and not get("TWILIO_ACCOUNT_SID", "")),
        token_encryption_keys=keys or d.token_encryption_keys,
        idle_reset=_hours("IDLE_RESET_HOURS", get("IDLE_RESET_HOURS", "24")),
        log_level=get("LOG_LEVEL", d.log_level).upper(),
        twilio_timeout_seconds=_number("TWILIO_TIMEOUT_SECONDS", get("TWILIO_TIMEOUT_SECONDS", "10"), float, 1, 60),
        sender_threads=_number("SENDER_THREADS", get("SENDER_THREADS", str(d.sender_threads)), int, 1, 256),
        sender_poll_seconds=_number("SENDER_POLL_SECONDS", get("SENDER_POLL_SECONDS", str(d.sender_poll_seconds)),
                                    float, 0.01, 60),
        sender_max_rate=_number("SENDER_MAX_RATE", get("SENDER_MAX_RATE", f"{d.sender_max_rate:g}"), float, 0, 10000),
        database_pool_size=_number("DATABASE_POOL_SIZE", get("DATABASE_POOL_SIZE", "0"), int, 0, 500),
    )
    if config.twilio_whatsapp_from and not WHATSAPP_SENDER.fullmatch(config.twilio_whatsapp_from):
        raise ConfigError("TWILIO_WHATSAPP_FROM must look like whatsapp:+14155238886")
    if config.production:
        _require_production_secrets(config, env, platforms or {})
        if config.whatsapp_sandbox:
            raise ConfigError("WHATSAPP_SANDBOX is for trying the bot locally; it cannot run with APP_ENV=production")
    return config


def _platforms(readers: Mapping[str, PlatformSettingsReader], get: Callable[[str, str], str],
               app_env: str) -> dict[str, Any]:
    try:
        return {name: reader.read(get, app_env) for name, reader in readers.items()}
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _require_production_secrets(config: Config, env: Mapping[str, str],
                                readers: Mapping[str, PlatformSettingsReader]) -> None:
    required = ["DATABASE_URL", "PUBLIC_BASE_URL", "SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
                "TWILIO_WHATSAPP_FROM", "SMTP_URL", "TOKEN_ENCRYPTION_KEY"]
    refusals = []
    for name, reader in readers.items():
        needed, refused = reader.production_problems(config.platforms[name])
        required += needed
        if refused:
            refusals.append(refused)
    missing = [name for name in required if not env.get(name, "").strip()]
    if missing:
        raise ConfigError("APP_ENV=production needs these settings: " + ", ".join(missing))
    if config.secret_key == DEV_SECRET or DEV_TOKEN_KEY in config.token_encryption_keys:
        raise ConfigError("SECRET_KEY / TOKEN_ENCRYPTION_KEY still hold the development values")
    if not config.public_base_url.startswith("https://"):
        raise ConfigError("PUBLIC_BASE_URL must be https:// in production (Twilio signs that URL)")
    if refusals:
        raise ConfigError(refusals[0])
