"""Provider-neutral video meeting interface: the value types, errors, provider protocol and registry that flows
use, so Zoom today and Google Meet later plug in without flow changes."""
from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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


@dataclass(frozen=True)
class Meeting:
    id: str
    join_url: str
    start_url: str
    password: str | None
    start_time: datetime | None


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


class VideoProviderRegistry:
    """Video providers by name ("zoom", later "google_meet"); built once by create_app."""

    def __init__(self) -> None:
        self._providers: dict[str, VideoProvider] = {}

    def register(self, provider: VideoProvider) -> None:
        if provider.name in self._providers:
            raise ValueError(f"video provider {provider.name!r} is already registered")
        self._providers[provider.name] = provider

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
