"""Provider-neutral video meeting interface: the value types, errors, provider protocol and registry that flows
use, so Zoom today and Google Meet later plug in without flow changes."""
from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class PlatformInfo:
    """What the core may know about a video platform, as data: its key (stored in rows, used in routes), the
    name users read, the word they type ("connect <word>"), what it can do, which plans may connect it, and the
    texts only it needs (keyed by neutral names; the core's templates take them as variables)."""

    name: str
    display_name: str
    command_word: str
    creates_meetings_per_booking: bool = True
    needs_connection: bool = True
    can_disconnect: bool = True
    reads_busy_times: bool = False  # its adapter has busy_times(): the slots leave the provider's busy times out
    plans: tuple[str, ...] = ("trial", "pro")
    texts: Mapping[str, str] = field(default_factory=dict)

    def words(self) -> dict[str, str]:
        """The variables a platform template may use: {platform}, {command_word} and the platform's own texts."""
        return {**self.texts, "platform": self.display_name, "command_word": self.command_word}


@dataclass(frozen=True)
class AccountRemoved:
    """A platform told us (by webhook) that a user removed our app: delete their connections."""

    external_user_id: str
    external_account_id: str | None


@dataclass(frozen=True)
class WebhookAnswer:
    """A webhook the platform needs answered as is (a URL validation challenge): JSON body and status."""

    body: dict
    status: int = 200


class WebhookRefused(Exception):
    """A webhook request that is not a usable event: `status` is the HTTP answer (401 bad signature, 400
    malformed); `reason` a short text for the answer body."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


# A platform's webhook parser, bound to its secret by the bootstrap: (headers, raw body, now) -> a neutral event
# (AccountRemoved), an answer to send as is (WebhookAnswer), or the name of an ignored event; raises WebhookRefused.
WebhookParser = Callable[[Mapping[str, str], bytes, datetime], "AccountRemoved | WebhookAnswer | str"]


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: datetime  # aware UTC
    scope: str

    def __repr__(self) -> str:  # never show token values in logs or tracebacks
        return (
            f"TokenSet(access_token='***', refresh_token='***', expires_at={self.expires_at!r}, scope={self.scope!r})"
        )


@dataclass(frozen=True)
class VideoAccount:
    user_id: str
    account_id: str
    email: str


@dataclass(frozen=True)
class MeetingRequest:
    topic: str
    start_time: datetime  # aware UTC
    duration_minutes: int
    timezone: str  # IANA name, the provider's
    agenda: str = ""
    # Names this one meeting for ever (e.g. our meeting row's id): a platform that supports it creates at most one
    # meeting per key, so a create retried after a lost answer finds the first one. "" = no idempotency.
    idempotency_key: str = ""


@dataclass(frozen=True)
class Meeting:
    id: str
    join_url: str
    start_url: str
    password: str | None
    start_time: datetime | None

    @property
    def ready(self) -> bool:
        """False while the platform is still making the link (join_url is ""): fetch it later with get_meeting."""
        return bool(self.join_url)


class VideoProviderError(Exception):
    """Base error: `status` is the HTTP status (None when no answer), `code` the provider's error code."""

    def __init__(self, message: str, *, status: int | None = None, code: int | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class InvalidGrant(VideoProviderError):
    """The code or refresh token was rejected, or the app was removed: the provider must reconnect."""


class AccessTokenInvalid(VideoProviderError):
    """The access token is expired or unknown: refresh, then retry once."""


class RateLimited(VideoProviderError):
    """Too many requests. `retry_after`: seconds until the quota is available again, when known (the provider's
    Retry-After, or the time until a spent daily quota resets); None or 0 when the provider gave no usable time."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        code: int | str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class ProviderUnavailable(VideoProviderError):
    """5xx, timeout or connection error: try again later."""


class MeetingNotFound(VideoProviderError):
    """The meeting does not exist (or is not this user's)."""


class VideoProvider(Protocol):
    name: str
    info: PlatformInfo

    @property
    def call_timeout(self) -> float:
        """Seconds one request to the platform can take at most before it is given up."""
        ...

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str: ...

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenSet: ...

    def refresh(self, refresh_token: str) -> TokenSet: ...

    def current_account(self, access_token: str) -> VideoAccount: ...

    def create_meeting(self, access_token: str, request: MeetingRequest) -> Meeting: ...

    def get_meeting(self, access_token: str, meeting_id: str) -> Meeting: ...

    def update_meeting(self, access_token: str, meeting_id: str, request: MeetingRequest) -> None: ...

    def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        """Delete; a meeting that is already gone is not an error."""
        ...

    def revoke(self, token: str) -> None: ...


class ReadsBusyTimes(Protocol):
    """What a platform with `PlatformInfo.reads_busy_times` also does: the busy periods (aware UTC, sorted) of
    the user's own calendar between start and end."""

    def busy_times(self, access_token: str, start: datetime, end: datetime, *,
                   timeout: float | None = None) -> list[tuple[datetime, datetime]]: ...


class VideoProviderRegistry:
    """Video platforms by name; built once by create_app. `register` adds a platform set up on this server (its
    adapter); `describe` a platform the product knows but the operator has not set up here, so that the bot can
    still name it ("not available on this server"). The core asks it for capabilities, never for a name."""

    def __init__(self, *known: PlatformInfo) -> None:
        self._providers: dict[str, VideoProvider] = {}
        self._info: dict[str, PlatformInfo] = {}
        self._webhooks: dict[str, WebhookParser] = {}
        for info in known:
            self.describe(info)

    def register(self, provider: VideoProvider) -> None:
        if provider.name in self._providers:
            raise ValueError(f"video provider {provider.name!r} is already registered")
        self._providers[provider.name] = provider
        self._info[provider.name] = provider.info

    def describe(self, info: PlatformInfo) -> None:
        self._info.setdefault(info.name, info)

    def info(self, name: str) -> PlatformInfo:
        try:
            return self._info[name]
        except KeyError:
            raise KeyError(f"no video platform named {name!r}") from None

    def platforms(self) -> list[PlatformInfo]:
        """Every platform known here, configured or not, in the order the bootstrap added them."""
        return list(self._info.values())

    def connectable(self) -> list[PlatformInfo]:
        """The known platforms a provider connects an account to (the integrations menu lists these)."""
        return [info for info in self.platforms() if info.needs_connection]

    def by_word(self, word: str) -> PlatformInfo | None:
        """The platform a user means by `word` ("zoom" in "connect zoom")."""
        return next((info for info in self.platforms() if info.command_word == word), None)

    def configured(self, name: str) -> bool:
        return name in self._providers

    def add_webhook(self, name: str, parse: WebhookParser) -> None:
        """The parser of `POST /webhooks/<name>` (the platform's app webhooks), bound to its secret."""
        self._webhooks[name] = parse

    def webhook(self, name: str) -> WebhookParser | None:
        return self._webhooks.get(name)

    def get(self, name: str) -> VideoProvider:
        try:
            return self._providers[name]
        except KeyError:
            known = ", ".join(sorted(self._providers)) or "none"
            raise KeyError(f"no video provider named {name!r} (registered: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._providers)


def pkce_challenge(code_verifier: str) -> str:
    """RFC 7636 S256 code challenge: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """A fresh (code_verifier, code_challenge) pair; the verifier is 64 unreserved characters."""
    verifier = secrets.token_urlsafe(48)  # 48 random bytes -> 64 chars of [A-Za-z0-9_-]
    return verifier, pkce_challenge(verifier)
