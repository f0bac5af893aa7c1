"""Google OAuth and Calendar API client for Google Meet: the only module that speaks HTTP to Google. A meeting is
an event on the provider's primary calendar with a Meet conference attached; answers are validated at the
boundary and Google's errors become the provider-neutral errors of integrations.video.

Contract of create_meeting / get_meeting: Google makes the Meet conference asynchronously. create_meeting polls
the event briefly; when the conference is still pending it returns the Meeting with `join_url == ""`
(`Meeting.ready` is False) and the caller fetches the link later with get_meeting(meeting.id). A create retried
with the same `MeetingRequest.idempotency_key` (after a lost answer, a crash) finds the event made the first
time instead of making a second one."""
from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import quote, urlencode

import requests

from integrations.google_meet.platform import GOOGLE_MEET
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

log = logging.getLogger(__name__)

# Exactly what the product needs: the account's email, events on the calendar (the booking's event and its Meet
# link) and busy times. Nothing that reads event contents.
SCOPE_EVENTS = "https://www.googleapis.com/auth/calendar.events"
SCOPE_FREEBUSY = "https://www.googleapis.com/auth/calendar.freebusy"
SCOPES: tuple[str, ...] = ("openid", "email", SCOPE_EVENTS, SCOPE_FREEBUSY)

AUTHORIZE_URL = "https://accounts.google.com"  # + /o/oauth2/v2/auth
TOKEN_URL = "https://oauth2.googleapis.com"  # + /token, /revoke
USERINFO_URL = "https://openidconnect.googleapis.com"  # + /v1/userinfo
API_URL = "https://www.googleapis.com/calendar/v3"

CALENDAR = "primary"
MEET = "hangoutsMeet"
# Google's 403 reasons that mean "slow down", not "forbidden" (Calendar's usage limits).
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
# An event id Google accepts: base32hex (0-9, a-v), 5 to 1024 characters.
EVENT_ID = re.compile(r"[0-9a-v]{5,1024}")
REVOKE_TIMEOUT = 3.0  # revoking is best effort: a disconnect never waits long on Google
PENDING_POLLS = 2  # GETs of a fresh event while its conference is pending, PENDING_POLL_SECONDS apart
PENDING_POLL_SECONDS = 0.5
MAX_GENERATIONS = 20  # events made again for one idempotency key after deletions

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def event_id_for(idempotency_key: str, generation: int = 0) -> str:
    """The event id for a key: base32hex of a SHA-256 (52 characters), so the same key always names the same
    event and any key gives an id Google accepts. Google keeps a deleted event's id for ever: the key's next
    `generation` names the event made again after one was deleted."""
    seed = idempotency_key if generation == 0 else f"{idempotency_key}#{generation}"
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return base64.b32hexencode(digest).decode("ascii").rstrip("=").lower()


def format_rfc3339(value: datetime) -> str:
    """Aware datetime -> "YYYY-MM-DDTHH:MM:SSZ" (UTC)."""
    if value.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_rfc3339(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise VideoProviderError(f"Google answered with a malformed {what}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise VideoProviderError(f"Google answered with a malformed {what}") from None
    if parsed.tzinfo is None:
        raise VideoProviderError(f"Google answered with a {what} without a time zone")
    return parsed.astimezone(timezone.utc)


def _required_str(data: dict[str, Any], key: str, where: str = "Google") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise VideoProviderError(f"{where} answered without a valid {key!r}")
    return value


def _event_body(request: MeetingRequest) -> dict[str, Any]:
    """The event's own fields (no attendees: our email invites the customer, Google sends nothing)."""
    end = request.start_time + timedelta(minutes=request.duration_minutes)
    return {
        "summary": request.topic,
        "description": request.agenda,
        "start": {"dateTime": format_rfc3339(request.start_time), "timeZone": request.timezone},
        "end": {"dateTime": format_rfc3339(end), "timeZone": request.timezone},
    }


def _create_request() -> dict[str, Any]:
    """A fresh conference request: Google ignores a request whose requestId it has seen before."""
    return {"createRequest": {"requestId": secrets.token_hex(16), "conferenceSolutionKey": {"type": MEET}}}


def _conference_status(event: dict[str, Any]) -> str:
    """"success", "pending", "failure", or "" when the event asks for no conference."""
    conference = event.get("conferenceData")
    if not isinstance(conference, dict):
        return ""
    status = (conference.get("createRequest") or {}).get("status") or {}
    code = status.get("statusCode") if isinstance(status, dict) else None
    if isinstance(code, str) and code:
        return code
    return "success" if conference.get("entryPoints") else ""


def _meet_link(event: dict[str, Any]) -> str:
    """The event's Meet link: the video entry point, else hangoutLink; "" while there is none."""
    conference = event.get("conferenceData")
    entry_points = conference.get("entryPoints") if isinstance(conference, dict) else None
    for entry in entry_points if isinstance(entry_points, list) else []:
        if isinstance(entry, dict) and entry.get("entryPointType") == "video" and isinstance(entry.get("uri"), str):
            return entry["uri"]
    link = event.get("hangoutLink")
    return link if isinstance(link, str) else ""


def _parse_event(data: Any) -> Meeting:
    if not isinstance(data, dict):
        raise VideoProviderError("Google answered with a malformed event")
    event_id = _required_str(data, "id")
    if data.get("status") == "cancelled":
        raise MeetingNotFound("the event was deleted", status=410)
    link = _meet_link(data) if _conference_status(data) == "success" else ""
    if link and not link.startswith("https://"):
        raise VideoProviderError("Google answered with a non-https Meet link")
    start = data.get("start")
    start_time = _parse_rfc3339(start.get("dateTime"), "start") if isinstance(start, dict) and start.get("dateTime") \
        else None
    # Meet has no separate host link: the organizer joins the same room, signed in.
    return Meeting(id=event_id, join_url=link, start_url=link, password=None, start_time=start_time)


class GoogleMeetProvider:
    """VideoProvider for Google Meet through the Calendar API (OAuth web-server flow with PKCE, offline access)."""

    name = GOOGLE_MEET.name
    info = GOOGLE_MEET

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        authorize_base_url: str = AUTHORIZE_URL,
        token_base_url: str = TOKEN_URL,
        userinfo_base_url: str = USERINFO_URL,
        api_base_url: str = API_URL,
        timeout: float = 10.0,
        clock: Clock = _utc_now,
        session: requests.Session | None = None,
        pending_polls: int = PENDING_POLLS,
        poll_seconds: float = PENDING_POLL_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._authorize_base_url = authorize_base_url.rstrip("/")
        self._token_base_url = token_base_url.rstrip("/")
        self._userinfo_base_url = userinfo_base_url.rstrip("/")
        self._api_base_url = api_base_url.rstrip("/")
        self._timeout = timeout
        self._clock = clock
        self._session = session if session is not None else requests.Session()
        self._pending_polls = pending_polls
        self._poll_seconds = poll_seconds
        self._sleep = sleep

    @classmethod
    def on_one_host(cls, client_id: str, client_secret: str, base_url: str, **kwargs: Any) -> GoogleMeetProvider:
        """A provider whose Google hosts all answer under `base_url` (the fake Google, the sandbox)."""
        base = base_url.rstrip("/")
        return cls(client_id, client_secret, authorize_base_url=base, token_base_url=base, userinfo_base_url=base,
                   api_base_url=base + "/calendar/v3", **kwargs)

    @property
    def call_timeout(self) -> float:
        """The longest one call can take before it is given up: connect and read timeouts, and for a create the
        polls of a pending conference."""
        return 2 * self._timeout * (2 + self._pending_polls) + self._pending_polls * self._poll_seconds

    def __repr__(self) -> str:
        return f"GoogleMeetProvider(client_id={self._client_id!r}, api_base_url={self._api_base_url!r})"

    # --- OAuth -------------------------------------------------------------------------------------------

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
                "access_type": "offline",  # a refresh token ...
                "prompt": "consent",  # ... every time, also for an account that consented before
            }
        )
        return f"{self._authorize_base_url}/o/oauth2/v2/auth?{query}"

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        """Tokens for a code. Google lets the user untick scopes on its consent page: a grant without all of
        SCOPES is revoked at once and refused (VideoProviderError, code "missing_scopes")."""
        tokens = self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            previous_refresh_token=None,
        )
        missing = [scope for scope in SCOPES if scope not in tokens.scope.split()]
        if missing:
            self.revoke(tokens.refresh_token)
            raise VideoProviderError(f"Google granted without {' '.join(missing)}", code="missing_scopes")
        return tokens

    def refresh(self, refresh_token: str) -> TokenSet:
        """A new access token; Google does not rotate refresh tokens, so the one given is kept."""
        return self._token_request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token}, previous_refresh_token=refresh_token
        )

    def revoke(self, token: str) -> None:
        """Revoke the grant behind `token` (access or refresh). A token Google no longer knows counts as revoked."""
        try:
            self._oauth_post("/revoke", {"token": token}, timeout=min(self._timeout, REVOKE_TIMEOUT))
        except InvalidGrant:
            log.info("google revoke: token already invalid")

    def _token_request(self, form: dict[str, str], *, previous_refresh_token: str | None) -> TokenSet:
        now = self._clock()
        data = self._oauth_post("/token", form)
        if not isinstance(data, dict):
            raise VideoProviderError("Google's token endpoint answered with a malformed body")
        access_token = _required_str(data, "access_token", "Google's token endpoint")
        refresh_token = data.get("refresh_token", previous_refresh_token)
        if not isinstance(refresh_token, str) or not refresh_token:
            raise VideoProviderError("Google's token endpoint answered without a refresh token (offline access)")
        token_type = data.get("token_type")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise VideoProviderError("Google's token endpoint answered with an unexpected token_type")
        expires_in = data.get("expires_in")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
            raise VideoProviderError("Google's token endpoint answered without a valid 'expires_in'")
        scope = data.get("scope", "")
        if not isinstance(scope, str):
            raise VideoProviderError("Google's token endpoint answered with a malformed 'scope'")
        return TokenSet(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=now + timedelta(seconds=expires_in),
            scope=_normalized_scopes(scope),
        )

    def _oauth_post(self, path: str, form: dict[str, str], timeout: float | None = None) -> Any:
        body = {**form, "client_id": self._client_id, "client_secret": self._client_secret}
        response = self._send("POST", self._token_base_url + path, data=body, timeout=timeout)
        if response.status_code == 200:
            return json_or_none(response)
        raise self._oauth_error(response)

    def _oauth_error(self, response: requests.Response) -> VideoProviderError:
        status = response.status_code
        data = json_or_none(response)
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict):  # some failures come in the API's shape
            error = error.get("status")
        error = error if isinstance(error, str) else None
        message = f"Google OAuth answered HTTP {status}" + (f" ({error})" if error else "")
        if status == 429:
            retry_after = retry_after_seconds(response, self._clock())
            return RateLimited(message, status=status, code=error, retry_after=retry_after)
        if status >= 500:
            return ProviderUnavailable(message, status=status, code=error)
        if error in ("invalid_grant", "invalid_token"):
            return InvalidGrant(message, status=status, code=error)
        return VideoProviderError(message, status=status, code=error)

    # --- API ---------------------------------------------------------------------------------------------

    def current_account(self, access_token: str) -> VideoAccount:
        data = self._call("GET", self._userinfo_base_url + "/v1/userinfo", access_token)
        if not isinstance(data, dict):
            raise VideoProviderError("Google answered userinfo with a malformed body")
        subject = _required_str(data, "sub")
        # Google has no account above the user: the subject names both.
        return VideoAccount(user_id=subject, account_id=subject, email=_required_str(data, "email"))

    def create_meeting(self, access_token: str, request: MeetingRequest) -> Meeting:
        """Insert the event with a Meet conference (see the module's contract for a pending one). With an
        idempotency key the event's id comes from it: an id taken by a live event is that event (made before,
        its answer lost), one taken by a deleted event moves on to the key's next generation."""
        key = request.idempotency_key
        for generation in range(MAX_GENERATIONS):
            event_id = event_id_for(key, generation) if key else secrets.token_hex(16)
            body = {"id": event_id, **_event_body(request), "conferenceData": _create_request()}
            try:
                event = self._events("POST", "", access_token, json_body=body,
                                     query={"conferenceDataVersion": "1", "sendUpdates": "none"})
            except _Conflict:
                event = self._events("GET", f"/{event_id}", access_token)
                if event.get("status") == "cancelled":
                    continue
                log.info("google create_meeting: the event exists already (an earlier try): it is ours")
            return self._settled(access_token, event)
        raise VideoProviderError("every event id of this idempotency key is taken by a deleted event",
                                 code="duplicate")

    def get_meeting(self, access_token: str, meeting_id: str) -> Meeting:
        """The event; `join_url` is "" while Google is still making its conference."""
        event = self._events("GET", f"/{_event_path_id(meeting_id)}", access_token)
        if _conference_status(event) == "failure":
            event = self._retry_conference(access_token, event)
        return _parse_event(event)

    def update_meeting(self, access_token: str, meeting_id: str, request: MeetingRequest) -> None:
        """Move or rename the event; its conference (the link) stays."""
        self._events("PATCH", f"/{_event_path_id(meeting_id)}", access_token, json_body=_event_body(request),
                     query={"conferenceDataVersion": "1", "sendUpdates": "none"})

    def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        try:
            self._events("DELETE", f"/{_event_path_id(meeting_id)}", access_token, query={"sendUpdates": "none"},
                         expect=204)
        except MeetingNotFound:
            log.info("google delete_meeting: event already gone")

    def busy_times(self, access_token: str, start: datetime, end: datetime, *,
                   timeout: float | None = None) -> list[tuple[datetime, datetime]]:
        """The busy periods (aware UTC, sorted) of the primary calendar between start and end; `timeout` (seconds)
        for a caller that cannot wait long (the slots shown in chat)."""
        body = {"timeMin": format_rfc3339(start), "timeMax": format_rfc3339(end), "items": [{"id": CALENDAR}]}
        data = self._call("POST", self._api_base_url + "/freeBusy", access_token, json_body=body, timeout=timeout)
        calendars = data.get("calendars") if isinstance(data, dict) else None
        calendar = calendars.get(CALENDAR) if isinstance(calendars, dict) else None
        if not isinstance(calendar, dict):
            raise VideoProviderError("Google answered freeBusy without the primary calendar")
        errors = calendar.get("errors")
        if errors:
            reasons = {e.get("reason") for e in errors if isinstance(e, dict)}
            if reasons & {"backendError", "internalError"}:
                raise ProviderUnavailable("Google could not read the calendar's busy times", code="backendError")
            raise VideoProviderError("Google refused the calendar's busy times", code=",".join(map(str, reasons)))
        busy = calendar.get("busy", [])
        if not isinstance(busy, list):
            raise VideoProviderError("Google answered freeBusy with a malformed 'busy'")
        periods = []
        for period in busy:
            if not isinstance(period, dict):
                raise VideoProviderError("Google answered freeBusy with a malformed period")
            periods.append((_parse_rfc3339(period.get("start"), "busy start"),
                            _parse_rfc3339(period.get("end"), "busy end")))
        return sorted(periods)

    def _settled(self, access_token: str, event: dict[str, Any]) -> Meeting:
        """The created event once its conference is made, polling a pending one briefly; a failed conference is
        asked for again once."""
        for attempt in range(self._pending_polls + 1):
            status = _conference_status(event)
            if status == "failure":
                event = self._retry_conference(access_token, event)
                status = _conference_status(event)
            if status != "pending" or attempt == self._pending_polls:
                break
            self._sleep(self._poll_seconds)
            event = self._events("GET", f"/{_required_str(event, 'id')}", access_token)
        meeting = _parse_event(event)
        if not meeting.ready:
            log.info("google create_meeting: conference still %s, the link comes later", status or "missing")
        return meeting

    def _retry_conference(self, access_token: str, event: dict[str, Any]) -> dict[str, Any]:
        """Ask once more for a conference on an event whose request failed (a new requestId)."""
        log.warning("google conference creation failed, asking again")
        event = self._events("PATCH", f"/{_required_str(event, 'id')}", access_token,
                             json_body={"conferenceData": _create_request()},
                             query={"conferenceDataVersion": "1", "sendUpdates": "none"})
        if _conference_status(event) == "failure":
            raise VideoProviderError("Google could not make a Meet conference for the event", code="failure")
        return event

    def _events(
        self,
        method: str,
        path: str,
        access_token: str,
        *,
        json_body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        expect: int = 200,
    ) -> Any:
        url = f"{self._api_base_url}/calendars/{CALENDAR}/events{path}"
        return self._call(method, url, access_token, json_body=json_body, query=query, expect=expect, event=True)

    def _call(
        self,
        method: str,
        url: str,
        access_token: str,
        *,
        json_body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        expect: int = 200,
        event: bool = False,
        timeout: float | None = None,
    ) -> Any:
        response = self._send(
            method,
            url,
            timeout=timeout,
            params=query,
            json=json_body,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        if response.status_code == expect:
            if expect == 204:
                return None
            data = json_or_none(response)
            if data is None:
                raise VideoProviderError("Google answered with a body that is not JSON", status=response.status_code)
            return data
        if event and method == "POST" and response.status_code == 409:
            raise _Conflict("the event id exists already", status=409, code="duplicate")
        raise self._api_error(response, event=event)

    def _api_error(self, response: requests.Response, *, event: bool) -> VideoProviderError:
        status = response.status_code
        data = json_or_none(response)
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        errors = error.get("errors") if isinstance(error.get("errors"), list) else []
        reasons = [e.get("reason") for e in errors if isinstance(e, dict) and isinstance(e.get("reason"), str)]
        code = reasons[0] if reasons else error.get("status") if isinstance(error.get("status"), str) else None
        message = str(error.get("message") or f"HTTP {status}")[:200]
        if status == 401:
            return AccessTokenInvalid(message, status=status, code=code)
        if status == 429 or (status == 403 and RATE_LIMIT_REASONS & set(reasons)):
            retry_after = retry_after_seconds(response, self._clock())
            log.warning("google rate limited: status=%s reason=%s retry_after=%s", status, code, retry_after)
            return RateLimited(message, status=status, code=code, retry_after=retry_after)
        if status >= 500:
            return ProviderUnavailable(message, status=status, code=code)
        if event and status in (404, 410):
            return MeetingNotFound(message, status=status, code=code)
        return VideoProviderError(message, status=status, code=code)

    def _send(self, method: str, url: str, *, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        return send(self._session, "Google", method, url, timeout=timeout or self._timeout, **kwargs)


class _Conflict(VideoProviderError):
    """409 on insert: an event with this id exists (internal to create_meeting)."""


# Google answers "email" and "openid" as the userinfo URLs in a granted scope.
_SCOPE_ALIASES = {
    "https://www.googleapis.com/auth/userinfo.email": "email",
}


def _normalized_scopes(scope: str) -> str:
    return " ".join(_SCOPE_ALIASES.get(s, s) for s in scope.split())


def _event_path_id(meeting_id: str) -> str:
    if not EVENT_ID.fullmatch(meeting_id):
        raise MeetingNotFound(f"not a Google event id: {meeting_id[:40]!r}")
    return quote(meeting_id, safe="")


__all__ = ["SCOPES", "GoogleMeetProvider", "event_id_for", "format_rfc3339"]
