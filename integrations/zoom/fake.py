"""A strict local fake of Zoom (OAuth host + Meetings API under /v2 in one Flask app) for tests and the sandbox.
It enforces what real Zoom enforces (PKCE, single-use 5-minute codes, refresh-token rotation, 1-hour access
tokens, owner-only meetings, request bodies valid per the published OpenAPI spec, 100 creates+updates per user
per UTC day) and lets tests inject failures and delays and send signed webhooks."""
from __future__ import annotations

import base64
import hashlib
import hmac
import html
import importlib.util
import itertools
import json
import os
import secrets
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from flask import Flask, Response, request

from integrations.fakes import Injections, consent_decision, consent_form, html_page, json_response, redirect_back
from integrations.video import pkce_challenge
from integrations.zoom.webhooks import zoom_webhook_signature

if TYPE_CHECKING:
    import jsonschema

Clock = Callable[[], datetime]

CODE_LIFETIME = timedelta(minutes=5)
ACCESS_TOKEN_LIFETIME = timedelta(seconds=3600)
DAILY_MEETING_WRITES = 100
# Zoom's rate-limit headers (developers.zoom.us "Rate limits"): each API is in a category with a per-second (QPS)
# quota, here a Pro account's; meeting creates and updates also count against the user's daily cap.
RATE_LIMIT_CATEGORIES = {"users_me": "Light", "create_meeting": "Medium", "get_meeting": "Light",
                         "update_meeting": "Light", "delete_meeting": "Light"}
QPS_LIMITS = {"Light": 30, "Medium": 20, "Heavy": 10}
DAILY_LIMIT = "Daily-limit"
DEFAULT_SCOPES = "user:read:user meeting:write:meeting meeting:update:meeting meeting:delete:meeting"
OPERATIONS = frozenset(
    {"token", "revoke", "users_me", "create_meeting", "get_meeting", "update_meeting", "delete_meeting"}
)
# Parameter names that carry secrets and must never travel in a query string.
SECRET_PARAMS = frozenset({"code", "code_verifier", "refresh_token", "access_token", "token", "client_secret"})
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")


def default_spec_path() -> Path:
    """$MYNEXTSLOT_SPECS_DIR/zoom_meetings_v2.yaml, else the copy vendored in integrations/specs/."""
    specs_dir = os.environ.get("MYNEXTSLOT_SPECS_DIR")
    if specs_dir:
        return Path(specs_dir) / "zoom_meetings_v2.yaml"
    return Path(__file__).resolve().parent.parent / "specs" / "zoom_meetings_v2.yaml"


# Checking request bodies against the spec needs two test-only libraries; the sandbox of a plain `pip install .`
# runs without them (and without the check).
SPEC_LIBRARIES = ("jsonschema", "yaml")


def body_validation_available(spec_path: Path | None = None) -> bool:
    """True when request bodies can be checked: the spec file is there and jsonschema and PyYAML are installed."""
    if not (spec_path or default_spec_path()).is_file():
        return False
    try:
        return all(importlib.util.find_spec(name) is not None for name in SPEC_LIBRARIES)
    except ImportError:
        return False


@lru_cache(maxsize=4)
def _load_validators(spec_path: str) -> dict[str, jsonschema.protocols.Validator]:
    """Validators for the create and update request bodies; $refs resolve inside the spec's components."""
    import jsonschema
    import yaml

    with open(spec_path, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    validators: dict[str, jsonschema.protocols.Validator] = {}
    for name in ("MeetingDetails", "UpdateMeetingRequest"):
        schema = {"components": spec["components"], "$ref": f"#/components/schemas/{name}"}
        validators[name] = jsonschema.Draft4Validator(schema)
    return validators


@dataclass(frozen=True)
class FakeUser:
    id: str
    account_id: str
    email: str


@dataclass
class FakeGrant:
    id: str
    user_id: str
    scope: str
    refresh_token: str
    access_tokens: dict[str, datetime] = field(default_factory=dict)  # token -> expires_at
    revoked: bool = False


@dataclass
class FakeMeeting:
    id: str
    owner_user_id: str
    body: dict[str, Any]  # the resource as GET /meetings/{id} returns it


@dataclass
class _AuthCode:
    user_id: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    issued_at: datetime


@dataclass
class _Failure:
    status: int
    body: Any
    retry_after: float | str | None
    rate_limit_type: str | None


class UrlValidationFailed(AssertionError):
    """The endpoint answered Zoom's url_validation challenge wrongly (Zoom would refuse the endpoint)."""


def _zoom_error(status: int, code: int, message: str) -> Response:
    return json_response({"code": code, "message": message}, status)


def _oauth_error(status: int, error: str, reason: str) -> Response:
    return json_response({"reason": reason, "error": error}, status)


def _format_utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeZoom:
    """One Flask app (`.app`) serving both https://zoom.us (OAuth) and https://api.zoom.us/v2 (under /v2)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        clock: Clock | None = None,
        spec_path: str | Path | None = None,
        scopes: str = DEFAULT_SCOPES,
        validate_bodies: bool = True,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.clock: Clock = clock or (lambda: datetime.now(timezone.utc))
        self.scopes = scopes
        # The sandbox (a developer's machine without ../shared/specs) may run without body validation; tests never do.
        self._validators = _load_validators(str(spec_path or default_spec_path())) if validate_bodies else {}
        self._lock = threading.RLock()
        self.users: dict[str, FakeUser] = {}
        self.grants: dict[str, FakeGrant] = {}
        self.meetings: dict[str, FakeMeeting] = {}
        self.revoked_tokens: set[str] = set()
        self.requests_log: list[tuple[str, str]] = []  # (method, path): never query strings or tokens
        self._codes: dict[str, _AuthCode] = {}
        self._refresh_index: dict[str, str] = {}  # current refresh token -> grant id
        self._access_index: dict[str, str] = {}  # access token -> grant id
        self._daily_writes: dict[tuple[str, date], int] = defaultdict(int)
        self._injections: Injections[_Failure] = Injections(OPERATIONS)
        self._meeting_ids = itertools.count(81_000_000_001)
        self._user_ids = itertools.count(1)
        self.app = self._build_app()

    # --- test controls -----------------------------------------------------------------------------------

    def add_user(self, email: str) -> FakeUser:
        with self._lock:
            n = next(self._user_ids)
            user = FakeUser(
                id=f"zu{n:04d}{secrets.token_hex(4)}", account_id=f"za{n:04d}{secrets.token_hex(4)}", email=email
            )
            self.users[user.id] = user
            return user

    def fail_next(
        self,
        operation: str,
        status: int,
        times: int = 1,
        body: Any = None,
        retry_after: float | str | None = None,
        rate_limit_type: str | None = None,
    ) -> None:
        """The next `times` calls of `operation` answer `status` (with `body`, JSON unless a str). `retry_after` is
        sent as the Retry-After header (a number of seconds, or a str as it is: an HTTP date, an ISO time). A 429
        of the Meetings API also carries Zoom's X-RateLimit-* headers, of type `rate_limit_type` ("QPS" unless
        told, e.g. "Daily-limit")."""
        self._injections.fail(operation, _Failure(status, body, retry_after, rate_limit_type), times)

    def delay_next(self, operation: str, seconds: float) -> None:
        """The next call of `operation` still happens, but its answer is sent `seconds` late."""
        self._injections.delay(operation, seconds)

    def revoke_user(self, user_id: str) -> None:
        """Revoke every grant of a user (what removing the app in Zoom does)."""
        with self._lock:
            for grant in self.grants.values():
                if grant.user_id == user_id:
                    self._revoke_grant(grant)

    def send_app_deauthorized(
        self,
        url: str,
        secret_token: str,
        user: FakeUser,
        timestamp: str | None = None,
        signature: str | None = None,
    ) -> requests.Response:
        """Revoke the user's grants, then POST Zoom's signed app_deauthorized event to `url`."""
        self.revoke_user(user.id)
        now = self.clock()
        event = {
            "event": "app_deauthorized",
            "event_ts": int(now.timestamp() * 1000),
            "payload": {
                "account_id": user.account_id,
                "user_id": user.id,
                "signature": secrets.token_hex(32),
                "deauthorization_time": now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "client_id": self.client_id,
                "user_data_retention": "false",
            },
        }
        return self._post_webhook(url, secret_token, event, timestamp, signature)

    def send_url_validation(self, url: str, secret_token: str) -> requests.Response:
        """POST endpoint.url_validation and check the answer as Zoom does; raises UrlValidationFailed if wrong."""
        plain_token = secrets.token_urlsafe(16)
        event = {
            "event": "endpoint.url_validation",
            "event_ts": int(self.clock().timestamp() * 1000),
            "payload": {"plainToken": plain_token},
        }
        response = self._post_webhook(url, secret_token, event, None, None)
        expected = hmac.new(secret_token.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code != 200 or not isinstance(answer, dict):
            raise UrlValidationFailed(f"url_validation answered HTTP {response.status_code} without a JSON object")
        if answer.get("plainToken") != plain_token or answer.get("encryptedToken") != expected:
            raise UrlValidationFailed("url_validation answer has a wrong plainToken or encryptedToken")
        return response

    def _post_webhook(
        self, url: str, secret_token: str, event: dict[str, Any], timestamp: str | None, signature: str | None
    ) -> requests.Response:
        raw = json.dumps(event, separators=(",", ":")).encode("utf-8")
        ts = timestamp if timestamp is not None else str(int(self.clock().timestamp()))
        sig = signature if signature is not None else zoom_webhook_signature(secret_token, ts, raw)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "x-zm-request-timestamp": ts,
            "x-zm-signature": sig,
            "User-Agent": "Zoom Marketplace/1.0a",
        }
        return requests.post(url, data=raw, headers=headers, timeout=3, allow_redirects=False)

    # --- internals ---------------------------------------------------------------------------------------

    def _render_failure(self, operation: str, failure: _Failure) -> Response:
        headers: dict[str, str] = {}
        if failure.status == 429 and operation in RATE_LIMIT_CATEGORIES:
            headers = _rate_limit_headers(operation, failure.rate_limit_type or "QPS")
        if isinstance(failure.retry_after, str):
            headers["Retry-After"] = failure.retry_after
        elif failure.retry_after is not None:
            headers["Retry-After"] = f"{failure.retry_after:g}"
        if isinstance(failure.body, str):
            return Response(failure.body, status=failure.status, headers=headers, mimetype="text/plain")
        body = failure.body
        if body is None:
            if operation in ("token", "revoke"):
                error = "server_error" if failure.status >= 500 else "invalid_request"
                body = {"reason": "Injected failure", "error": error}
            else:
                body = {"code": failure.status, "message": "Injected failure"}
        return json_response(body, failure.status, headers)

    def _run(self, operation: str, handler: Callable[[], Response]) -> Response:
        return self._injections.run(operation, handler, lambda failure: self._render_failure(operation, failure))

    def _client_ok(self) -> bool:
        auth = request.authorization
        return (
            auth is not None
            and auth.type == "basic"
            and hmac.compare_digest(auth.username or "", self.client_id)
            and hmac.compare_digest(auth.password or "", self.client_secret)
        )

    def _revoke_grant(self, grant: FakeGrant) -> None:
        grant.revoked = True
        self.revoked_tokens.add(grant.refresh_token)
        self.revoked_tokens.update(grant.access_tokens)
        self._refresh_index.pop(grant.refresh_token, None)
        for token in grant.access_tokens:
            self._access_index.pop(token, None)

    def _issue(self, grant: FakeGrant) -> dict[str, Any]:
        access = secrets.token_urlsafe(32)
        grant.access_tokens[access] = self.clock() + ACCESS_TOKEN_LIFETIME
        self._access_index[access] = grant.id
        self._refresh_index[grant.refresh_token] = grant.id
        return {
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": grant.refresh_token,
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            "scope": grant.scope,
        }

    def _bearer_user(self) -> FakeUser | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token or "access_token" in request.args:
            return None
        with self._lock:
            grant_id = self._access_index.get(token)
            grant = self.grants.get(grant_id) if grant_id else None
            if grant is None or grant.revoked or self.clock() >= grant.access_tokens[token]:
                return None
            return self.users.get(grant.user_id)

    def _authorize_params(self, source: Any) -> tuple[dict[str, str], str | None]:
        params = {name: str(source.get(name, "")) for name in AUTHORIZE_PARAMS}
        if params["response_type"] != "code":
            return params, "response_type must be code"
        if params["client_id"] != self.client_id:
            return params, "unknown client_id"
        if params["redirect_uri"] not in self.redirect_uris:
            return params, "redirect_uri is not registered for this app"
        if not params["state"]:
            return params, "state is required"
        if not params["code_challenge"] or params["code_challenge_method"] != "S256":
            return params, "PKCE code_challenge with code_challenge_method=S256 is required"
        return params, None

    def _validate_meeting_body(self, schema_name: str) -> tuple[dict[str, Any] | None, Response | None]:
        body = request.get_json(silent=True)
        if not request.is_json or not isinstance(body, dict):
            return None, _zoom_error(400, 300, "Request Body should be a valid JSON object.")
        validator = self._validators.get(schema_name)
        error = next(iter(validator.iter_errors(body)), None) if validator is not None else None
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "body"
            return None, _zoom_error(400, 300, f"Validation Failed at {where}: {error.message}")
        if "start_time" in body:
            start = _parse_start(body["start_time"], body.get("timezone"))
            if start is None:
                return None, _zoom_error(400, 300, "Invalid field: start_time.")
            body = {**body, "start_time": _format_utc(start)}
        if "timezone" in body:
            try:
                ZoneInfo(body["timezone"])
            except (ZoneInfoNotFoundError, ValueError, OSError):
                return None, _zoom_error(400, 300, "Invalid field: timezone.")
        return body, None

    def _take_daily_write(self, user_id: str, operation: str) -> Response | None:
        key = (user_id, self.clock().astimezone(timezone.utc).date())
        if self._daily_writes[key] >= DAILY_MEETING_WRITES:
            # As Zoom answers the per-user cap: the message and the rate-limit headers, but no Retry-After.
            return json_response(
                {
                    "code": 429,
                    "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests "
                    "permitted for this particular user. You may resume these requests at GMT 00:00:00.",
                },
                429,
                _rate_limit_headers(operation, DAILY_LIMIT),
            )
        self._daily_writes[key] += 1
        return None

    def _owned_meeting(self, user: FakeUser, meeting_id: str) -> FakeMeeting | None:
        meeting = self.meetings.get(meeting_id)
        return meeting if meeting is not None and meeting.owner_user_id == user.id else None

    # --- the app -----------------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask(__name__)
        invalid_token = lambda: _zoom_error(401, 124, "Invalid access token.")  # noqa: E731

        @app.before_request
        def log_request() -> None:
            with self._lock:
                self.requests_log.append((request.method, request.path))

        @app.get("/oauth/authorize")
        def authorize_page() -> Response:
            params, problem = self._authorize_params(request.args)
            if problem:
                return _page(400, f"<h1>Invalid request</h1><p>{html.escape(problem)}</p>")
            with self._lock:
                accounts = [(u.id, u.email) for u in self.users.values()]
            action = f"{request.script_root}/oauth/authorize"
            heading = "<h1>MyNextSlot would like to create meetings on your behalf</h1>"
            return _page(200, consent_form(action, params, accounts, heading))

        @app.post("/oauth/authorize")
        def authorize_decision() -> Response:
            params, problem = self._authorize_params(request.form)
            if problem:
                return _page(400, f"<h1>Invalid request</h1><p>{html.escape(problem)}</p>")
            with self._lock:
                user = consent_decision(request.form, params, self.users, _page)
                if isinstance(user, Response):
                    return user
                code = secrets.token_urlsafe(24)
                self._codes[code] = _AuthCode(
                    user_id=user.id,
                    client_id=params["client_id"],
                    redirect_uri=params["redirect_uri"],
                    code_challenge=params["code_challenge"],
                    issued_at=self.clock(),
                )
            return redirect_back(params["redirect_uri"], {"code": code, "state": params["state"]})

        @app.post("/oauth/token")
        def token() -> Response:
            return self._run("token", token_grant)

        def token_grant() -> Response:
            if SECRET_PARAMS & set(request.args) or "grant_type" in request.args:
                return _oauth_error(400, "invalid_request", "Tokens and grants are not accepted in the query string")
            if not self._client_ok():
                return _oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
            if request.mimetype != "application/x-www-form-urlencoded":
                return _oauth_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
            grant_type = request.form.get("grant_type")
            with self._lock:
                if grant_type == "authorization_code":
                    return self._grant_code()
                if grant_type == "refresh_token":
                    return self._grant_refresh()
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

        @app.post("/oauth/revoke")
        def revoke() -> Response:
            return self._run("revoke", revoke_token)

        def revoke_token() -> Response:
            if SECRET_PARAMS & set(request.args):
                return _oauth_error(400, "invalid_request", "Tokens are not accepted in the query string")
            if not self._client_ok():
                return _oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
            token_value = request.form.get("token", "")
            with self._lock:
                grant_id = self._refresh_index.get(token_value) or self._access_index.get(token_value)
                grant = self.grants.get(grant_id) if grant_id else None
                if grant is None or grant.revoked:
                    return _oauth_error(400, "invalid_request", "Invalid Token!")
                self._revoke_grant(grant)
            return json_response({"status": "success"}, 200)

        @app.get("/v2/users/me")
        def users_me() -> Response:
            def handle() -> Response:
                user = self._bearer_user()
                if user is None:
                    return invalid_token()
                first, _, last = user.email.partition("@")[0].partition(".")
                return json_response(
                    {
                        "id": user.id,
                        "account_id": user.account_id,
                        "email": user.email,
                        "first_name": first.title(),
                        "last_name": last.title(),
                        "type": 1,
                        "status": "active",
                        "timezone": "UTC",
                        "role_name": "Owner",
                    },
                    200,
                )

            return self._run("users_me", handle)

        @app.post("/v2/users/<user_id>/meetings")
        def create_meeting(user_id: str) -> Response:
            def handle() -> Response:
                user = self._bearer_user()
                if user is None:
                    return invalid_token()
                if user_id not in ("me", user.id, user.email):
                    return _zoom_error(404, 1001, f"User does not exist: {user_id}.")
                body, problem = self._validate_meeting_body("MeetingDetails")
                if problem or body is None:
                    return problem or _zoom_error(400, 300, "Invalid request")
                with self._lock:
                    limited = self._take_daily_write(user.id, "create_meeting")
                    if limited:
                        return limited
                    meeting = self._new_meeting(user, body)
                    self.meetings[meeting.id] = meeting
                    return json_response(meeting.body, 201, {"Content-Location": f"/v2/meetings/{meeting.id}"})

            return self._run("create_meeting", handle)

        @app.route("/v2/meetings/<meeting_id>", methods=["GET", "PATCH", "DELETE"])
        def meeting(meeting_id: str) -> Response:
            operation = {"GET": "get_meeting", "PATCH": "update_meeting", "DELETE": "delete_meeting"}[request.method]

            def handle() -> Response:
                user = self._bearer_user()
                if user is None:
                    return invalid_token()
                not_found = _zoom_error(404, 3001, f"Meeting {meeting_id} is not found or has expired.")
                with self._lock:
                    found = self._owned_meeting(user, meeting_id)
                    if found is None:
                        return not_found
                    if request.method == "GET":
                        return json_response(found.body, 200)
                    if request.method == "DELETE":
                        del self.meetings[meeting_id]
                        return Response(status=204)
                body, problem = self._validate_meeting_body("UpdateMeetingRequest")
                if problem or body is None:
                    return problem or _zoom_error(400, 300, "Invalid request")
                with self._lock:
                    found = self._owned_meeting(user, meeting_id)
                    if found is None:
                        return not_found
                    limited = self._take_daily_write(user.id, "update_meeting")
                    if limited:
                        return limited
                    settings = {**found.body.get("settings", {}), **body.get("settings", {})}
                    found.body.update({k: v for k, v in body.items() if k != "settings"})
                    found.body["settings"] = settings
                return Response(status=204)

            return self._run(operation, handle)

        return app

    def _grant_code(self) -> Response:
        code = request.form.get("code", "")
        auth_code = self._codes.pop(code, None)  # single use: any presentation consumes it
        invalid = _oauth_error(400, "invalid_grant", "Invalid authorization code")
        if auth_code is None or auth_code.client_id != self.client_id:
            return invalid
        if self.clock() - auth_code.issued_at > CODE_LIFETIME:
            return invalid
        if request.form.get("redirect_uri") != auth_code.redirect_uri:
            return _oauth_error(400, "invalid_grant", "Redirect URI mismatch.")
        verifier = request.form.get("code_verifier", "")
        if not verifier or not hmac.compare_digest(pkce_challenge(verifier), auth_code.code_challenge):
            return _oauth_error(400, "invalid_grant", "Invalid code_verifier")
        grant = FakeGrant(
            id=secrets.token_hex(8),
            user_id=auth_code.user_id,
            scope=self.scopes,
            refresh_token=secrets.token_urlsafe(32),
        )
        self.grants[grant.id] = grant
        return json_response(self._issue(grant), 200)

    def _grant_refresh(self) -> Response:
        old = request.form.get("refresh_token", "")
        grant_id = self._refresh_index.get(old)
        grant = self.grants.get(grant_id) if grant_id else None
        if grant is None or grant.revoked:
            return _oauth_error(400, "invalid_grant", "Invalid Token!")
        del self._refresh_index[old]
        grant.refresh_token = secrets.token_urlsafe(32)
        return json_response(self._issue(grant), 200)

    def _new_meeting(self, user: FakeUser, body: dict[str, Any]) -> FakeMeeting:
        meeting_id = str(next(self._meeting_ids))
        password = secrets.token_hex(3)
        now = self.clock()
        settings = {"join_before_host": False, "waiting_room": False, "host_video": False, "audio": "both"}
        settings.update(body.get("settings", {}))
        resource = {
            "uuid": base64.b64encode(secrets.token_bytes(16)).decode("ascii"),
            "id": int(meeting_id),
            "host_id": user.id,
            "host_email": user.email,
            "topic": body.get("topic", "Zoom Meeting"),
            "type": body.get("type", 2),
            "status": "waiting",
            "start_time": body.get("start_time", _format_utc(now)),
            "duration": body.get("duration", 60),
            "timezone": body.get("timezone", "UTC"),
            "agenda": body.get("agenda", ""),
            "created_at": _format_utc(now),
            "start_url": f"https://zoom.us/s/{meeting_id}?zak={secrets.token_urlsafe(24)}",
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd={secrets.token_urlsafe(16)}",
            "password": password,
            "h323_password": password,
            "pstn_password": password,
            "encrypted_password": secrets.token_urlsafe(16),
            "settings": settings,
            "pre_schedule": False,
        }
        return FakeMeeting(id=meeting_id, owner_user_id=user.id, body=resource)


def _parse_start(value: Any, tz_name: Any) -> datetime | None:
    """Zoom accepts "yyyy-MM-ddTHH:mm:ssZ" (GMT) or "yyyy-MM-ddTHH:mm:ss" local to `timezone`."""
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if fmt.endswith("Z"):
            return parsed.replace(tzinfo=timezone.utc)
        try:
            zone = ZoneInfo(tz_name) if isinstance(tz_name, str) and tz_name else timezone.utc
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return None
        return parsed.replace(tzinfo=zone).astimezone(timezone.utc)
    return None


def _rate_limit_headers(operation: str, rate_limit_type: str) -> dict[str, str]:
    """The X-RateLimit-* headers of a 429: the API's category, the kind of quota spent and its size."""
    category = RATE_LIMIT_CATEGORIES[operation]
    limit = DAILY_MEETING_WRITES if rate_limit_type == DAILY_LIMIT else QPS_LIMITS[category]
    return {"X-RateLimit-Category": category, "X-RateLimit-Type": rate_limit_type,
            "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0"}


def _page(status: int, body: str) -> Response:
    return html_page("Zoom", status, body)
