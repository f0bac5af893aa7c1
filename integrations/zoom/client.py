"""Zoom OAuth and Meetings API client: the only module that speaks HTTP to Zoom. It validates answers at the
boundary and turns Zoom's errors into the provider-neutral errors of integrations.video."""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlencode

import requests

from integrations.http import json_or_none, retry_after_seconds, send
from integrations.video import (
    AccessTokenInvalid,
    InvalidGrant,
    Meeting,
    MeetingNotFound,
    MeetingRequest,
    ProviderUnavailable,
    RateLimited,
    TokenSet,
    VideoAccount,
    VideoProviderError,
)
from integrations.zoom.platform import ZOOM

log = logging.getLogger(__name__)

# Granular scopes (configured on the Marketplace app, not sent on the authorize URL), limited to what the
# product guide promises: read the user's email, create / update / delete meetings.
SCOPES: tuple[str, ...] = (
    "user:read:user",
    "meeting:write:meeting",
    "meeting:update:meeting",
    "meeting:delete:meeting",
)

INVALID_ACCESS_TOKEN = 124
# Zoom resets daily quotas at 00:00 UTC; waiting until a minute later leaves room for clocks that differ a little.
DAILY_RESET = time(0, 1)
MEETING_NOT_FOUND = 3001

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_zoom_time(value: datetime) -> str:
    """Aware datetime -> Zoom's GMT form "YYYY-MM-DDTHH:MM:SSZ"."""
    if value.tzinfo is None:
        raise ValueError("start_time must be timezone-aware")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_zoom_time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise VideoProviderError("Zoom answered with a malformed start_time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise VideoProviderError("Zoom answered with a malformed start_time") from None
    if parsed.tzinfo is None:
        raise VideoProviderError("Zoom answered with a start_time without a timezone")
    return parsed.astimezone(timezone.utc)


def next_daily_reset(now: datetime) -> datetime:
    """The first DAILY_RESET (UTC) after `now`: when a daily quota spent today is surely available again."""
    reset = datetime.combine(now.astimezone(timezone.utc).date(), DAILY_RESET, tzinfo=timezone.utc)
    return reset if reset > now else reset + timedelta(days=1)


def _rate_limited(response: requests.Response, message: str, code: Any, now: datetime) -> RateLimited:
    """A 429. Zoom marks which quota was spent (X-RateLimit-Type: QPS, or Daily-limit; the per-user cap of 100
    meeting creates/updates a day has been seen with only its message saying so). A spent daily quota waits for
    Zoom's reset at 00:00 UTC unless Retry-After names a later time; any other 429 keeps what Retry-After says
    (None when it says nothing usable: the caller backs off in seconds)."""
    headers = response.headers
    kind = headers.get("X-RateLimit-Type", "").strip()
    daily = kind.lower().startswith("daily") or "daily rate limit" in message.lower()
    retry_after = retry_after_seconds(response, now)
    if daily and not retry_after:
        retry_after = (next_daily_reset(now) - now).total_seconds()
    log.warning("zoom rate limited: type=%s category=%s limit=%s remaining=%s daily=%s retry_after=%s",
                kind or "-", headers.get("X-RateLimit-Category", "-")[:32], headers.get("X-RateLimit-Limit", "-")[:16],
                headers.get("X-RateLimit-Remaining", "-")[:16], daily, retry_after)
    return RateLimited(message, status=429, code=code, retry_after=retry_after)


def _required_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise VideoProviderError(f"Zoom answered without a valid {key!r}")
    return value


def _meeting_body(request: MeetingRequest) -> dict[str, Any]:
    return {
        "type": 2,
        "topic": request.topic,
        "start_time": format_zoom_time(request.start_time),
        "duration": request.duration_minutes,
        "timezone": request.timezone,
        "agenda": request.agenda,
        "settings": {"join_before_host": False, "waiting_room": True},
    }


def _parse_meeting(data: Any) -> Meeting:
    if not isinstance(data, dict):
        raise VideoProviderError("Zoom answered with a malformed meeting")
    raw_id = data.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (int, str)) or str(raw_id) == "":
        raise VideoProviderError("Zoom answered without a valid meeting 'id'")
    join_url = _required_str(data, "join_url")
    start_url = _required_str(data, "start_url")
    for key, url in (("join_url", join_url), ("start_url", start_url)):
        if not url.startswith("https://"):
            raise VideoProviderError(f"Zoom answered with a non-https {key}")
    password = data.get("password")
    if password is not None and not isinstance(password, str):
        raise VideoProviderError("Zoom answered with a malformed 'password'")
    return Meeting(
        id=str(raw_id),
        join_url=join_url,
        start_url=start_url,
        password=password or None,
        start_time=_parse_zoom_time(data.get("start_time")),
    )


REVOKE_TIMEOUT = 3.0  # revoking is best effort: a disconnect never waits long on Zoom


class ZoomProvider:
    """VideoProvider for Zoom (user-managed OAuth app with PKCE)."""

    name = ZOOM.name
    info = ZOOM

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        oauth_base_url: str = "https://zoom.us",
        api_base_url: str = "https://api.zoom.us/v2",
        timeout: float = 10.0,
        clock: Clock = _utc_now,
        session: requests.Session | None = None,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._oauth_base_url = oauth_base_url.rstrip("/")
        self._api_base_url = api_base_url.rstrip("/")
        self._timeout = timeout
        self._clock = clock
        self._session = session if session is not None else requests.Session()

    @property
    def call_timeout(self) -> float:
        """The longest one request to Zoom can take before it is given up: the connect and the read timeouts."""
        return 2 * self._timeout

    def __repr__(self) -> str:
        return f"ZoomProvider(client_id={self._client_id!r}, api_base_url={self._api_base_url!r})"

    # --- OAuth -------------------------------------------------------------------------------------------

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self._oauth_base_url}/oauth/authorize?{query}"

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        return self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )

    def refresh(self, refresh_token: str) -> TokenSet:
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def revoke(self, token: str) -> None:
        """Revoke the grant behind `token`. A token Zoom no longer knows counts as already revoked."""
        try:
            self._oauth_post("/oauth/revoke", {"token": token}, timeout=min(self._timeout, REVOKE_TIMEOUT))
        except InvalidGrant:
            log.info("zoom revoke: token already invalid")

    def _token_request(self, form: dict[str, str]) -> TokenSet:
        now = self._clock()
        data = self._oauth_post("/oauth/token", form)
        if not isinstance(data, dict):
            raise VideoProviderError("Zoom token endpoint answered with a malformed body")
        access_token = _required_str(data, "access_token")
        refresh_token = _required_str(data, "refresh_token")
        token_type = data.get("token_type")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise VideoProviderError("Zoom token endpoint answered with an unexpected token_type")
        expires_in = data.get("expires_in")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
            raise VideoProviderError("Zoom token endpoint answered without a valid 'expires_in'")
        scope = data.get("scope", "")
        if not isinstance(scope, str):
            raise VideoProviderError("Zoom token endpoint answered with a malformed 'scope'")
        return TokenSet(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=now + timedelta(seconds=expires_in),
            scope=scope,
        )

    def _oauth_post(self, path: str, form: dict[str, str], timeout: float | None = None) -> Any:
        response = self._send(
            "POST",
            self._oauth_base_url + path,
            data=form,
            auth=(self._client_id, self._client_secret),
            timeout=timeout or self._timeout,
        )
        if response.status_code == 200:
            return json_or_none(response)
        raise self._oauth_error(response)

    def _oauth_error(self, response: requests.Response) -> VideoProviderError:
        status = response.status_code
        data = json_or_none(response)
        error = data.get("error") if isinstance(data, dict) else None
        reason = data.get("reason") if isinstance(data, dict) else None
        message = str(reason or error or f"Zoom OAuth answered HTTP {status}")
        if status == 429:
            return _rate_limited(response, message, error, self._clock())
        if status >= 500:
            return ProviderUnavailable(message, status=status, code=error)
        if error == "invalid_grant" or (status == 400 and reason == "Invalid Token!"):
            return InvalidGrant(message, status=status, code=error)
        return VideoProviderError(message, status=status, code=error)

    # --- API ---------------------------------------------------------------------------------------------

    def current_account(self, access_token: str) -> VideoAccount:
        data = self._api("GET", "/users/me", access_token)
        if not isinstance(data, dict):
            raise VideoProviderError("Zoom answered /users/me with a malformed body")
        return VideoAccount(
            user_id=_required_str(data, "id"),
            account_id=_required_str(data, "account_id"),
            email=_required_str(data, "email"),
        )

    def create_meeting(self, access_token: str, request: MeetingRequest) -> Meeting:
        data = self._api("POST", "/users/me/meetings", access_token, json_body=_meeting_body(request), expect=201)
        return _parse_meeting(data)

    def get_meeting(self, access_token: str, meeting_id: str) -> Meeting:
        data = self._api("GET", f"/meetings/{_meeting_path_id(meeting_id)}", access_token, meeting=True)
        return _parse_meeting(data)

    def update_meeting(self, access_token: str, meeting_id: str, request: MeetingRequest) -> None:
        self._api(
            "PATCH",
            f"/meetings/{_meeting_path_id(meeting_id)}",
            access_token,
            json_body=_meeting_body(request),
            expect=204,
            meeting=True,
        )

    def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        try:
            self._api("DELETE", f"/meetings/{_meeting_path_id(meeting_id)}", access_token, expect=204, meeting=True)
        except MeetingNotFound:
            log.info("zoom delete_meeting: meeting already gone")

    def _api(
        self,
        method: str,
        path: str,
        access_token: str,
        *,
        json_body: dict[str, Any] | None = None,
        expect: int = 200,
        meeting: bool = False,
    ) -> Any:
        response = self._send(
            method,
            self._api_base_url + path,
            json=json_body,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        if response.status_code == expect:
            if expect == 204:
                return None
            data = json_or_none(response)
            if data is None:
                raise VideoProviderError("Zoom answered with a body that is not JSON", status=response.status_code)
            return data
        raise self._api_error(response, meeting=meeting)

    def _api_error(self, response: requests.Response, *, meeting: bool) -> VideoProviderError:
        status = response.status_code
        data = json_or_none(response)
        code = data.get("code") if isinstance(data, dict) else None
        message = str(data.get("message")) if isinstance(data, dict) and data.get("message") else f"HTTP {status}"
        if status == 401 or code == INVALID_ACCESS_TOKEN:
            return AccessTokenInvalid(message, status=status, code=code)
        if status == 429:
            return _rate_limited(response, message, code, self._clock())
        if status >= 500:
            return ProviderUnavailable(message, status=status, code=code)
        if meeting and (status == 404 or code == MEETING_NOT_FOUND):
            return MeetingNotFound(message, status=status, code=code)
        return VideoProviderError(message, status=status, code=code)

    def _send(self, method: str, url: str, *, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        return send(self._session, "Zoom", method, url, timeout=timeout or self._timeout, **kwargs)


def _meeting_path_id(meeting_id: str) -> str:
    if not meeting_id.isdigit():
        raise MeetingNotFound(f"not a Zoom meeting id: {meeting_id!r}")
    return meeting_id


__all__ = ["SCOPES", "ZoomProvider", "format_zoom_time"]
