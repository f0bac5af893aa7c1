"""A strict local fake of Google (the OAuth consent page and token/revoke endpoints, OpenID userinfo, and the
Calendar API's events and freeBusy under /calendar/v3, in one Flask app) for tests and the sandbox.

It enforces what Google enforces, checked against the vendored discovery document (integrations/specs/
google_calendar_v3.json): known query parameters and body fields only, each method's scopes, PKCE, single-use
10-minute codes, 1-hour access tokens (401 after), refresh tokens only with offline access, revocation of the
whole grant, client-chosen base32hex event ids (409 when taken, also by a deleted event), Meet conferences made
asynchronously (`pending` on insert, `success` on the next read). Tests set busy times, untick scopes on the
consent page, and inject failures and delays. It needs nothing beyond Flask."""
from __future__ import annotations

import hmac
import html
import itertools
import json
import os
import re
import secrets
import string
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, Response, request

from integrations.fakes import Injections, consent_decision, consent_form, html_page, json_response, redirect_back
from integrations.video import pkce_challenge

Clock = Callable[[], datetime]

CODE_LIFETIME = timedelta(minutes=10)
ACCESS_TOKEN_LIFETIME = timedelta(seconds=3599)
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
# What the consent page can grant: the OpenID scopes and the Calendar API's (from the discovery document).
OPENID_SCOPES = frozenset({"openid", "email", "profile"})
OPERATIONS = frozenset(
    {"token", "revoke", "userinfo", "insert_event", "get_event", "patch_event", "delete_event", "freebusy"}
)
# Discovery method ids of the operations served, and the body schema each takes.
METHODS = {
    "insert_event": ("events", "insert"),
    "get_event": ("events", "get"),
    "patch_event": ("events", "patch"),
    "delete_event": ("events", "delete"),
    "freebusy": ("freebusy", "query"),
}
# Parameter names that carry secrets and must never travel in a query string.
SECRET_PARAMS = frozenset(
    {"code", "code_verifier", "refresh_token", "access_token", "oauth_token", "token", "client_secret"}
)
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                    "code_challenge_method", "access_type", "prompt")
EVENT_ID = re.compile(r"[0-9a-v]{5,1024}")
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                409: "ALREADY_EXISTS", 410: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                503: "UNAVAILABLE"}
DEFAULT_REASONS = {400: "badRequest", 401: "authError", 403: "forbidden", 404: "notFound", 409: "duplicate",
                   410: "deleted", 429: "rateLimitExceeded", 500: "backendError", 503: "backendError"}


def default_discovery_path() -> Path:
    """$MYNEXTSLOT_SPECS_DIR/google_calendar_v3.json, else the copy vendored in integrations/specs/."""
    specs_dir = os.environ.get("MYNEXTSLOT_SPECS_DIR")
    if specs_dir:
        return Path(specs_dir) / "google_calendar_v3.json"
    return Path(__file__).resolve().parent.parent / "specs" / "google_calendar_v3.json"


@lru_cache(maxsize=4)
def load_discovery(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@dataclass(frozen=True)
class FakeGoogleUser:
    sub: str
    email: str


@dataclass
class FakeGrant:
    id: str
    sub: str
    scopes: frozenset[str]
    refresh_token: str | None
    access_tokens: dict[str, datetime] = field(default_factory=dict)  # token -> expires_at
    revoked: bool = False


@dataclass
class _AuthCode:
    sub: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    scopes: frozenset[str]
    offline: bool
    issued_at: datetime


@dataclass
class _Failure:
    status: int
    body: Any
    retry_after: float | str | None
    reason: str | None


@dataclass
class FakeEvent:
    id: str
    owner_sub: str
    body: dict[str, Any]  # the resource as GET returns it
    pending_reads: int = 0  # reads that still see the conference pending


def google_error(status: int, message: str, reason: str | None = None, **extra: str) -> Response:
    """Google's API error shape: {"error": {"code", "message", "errors": [{message, domain, reason}], "status"}}."""
    detail = {"message": message, "domain": "global", "reason": reason or DEFAULT_REASONS.get(status, "error"),
              **extra}
    return json_response({"error": {"code": status, "message": message, "errors": [detail],
                            "status": STATUS_NAMES.get(status, "UNKNOWN")}}, status)


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _format_utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _parse_time(value: Any) -> datetime | None:
    """RFC 3339 with an offset; None when it is not one."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo is not None else None


def schema_problem(value: Any, schema: dict[str, Any], schemas: dict[str, Any], where: str) -> str | None:
    """The first way `value` breaks a discovery-document schema (unknown fields, wrong types, bad date-times),
    as Google words it; None when it fits."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"]]
    kind = schema.get("type", "any")
    if kind == "object":
        if not isinstance(value, dict):
            return f"Invalid value at '{where}', expected an object"
        properties = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if properties is not None and key in properties:
                problem = schema_problem(item, properties[key], schemas, f"{where}.{key}")
            elif extra is not None:
                problem = schema_problem(item, extra, schemas, f"{where}[{key}]")
            else:
                return f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field."
            if problem:
                return problem
        return None
    if kind == "array":
        if not isinstance(value, list):
            return f"Invalid value at '{where}', expected a list"
        for i, item in enumerate(value):
            problem = schema_problem(item, schema.get("items", {}), schemas, f"{where}[{i}]")
            if problem:
                return problem
        return None
    if kind == "string":
        if not isinstance(value, str):
            return f"Invalid value at '{where}' ({type(value).__name__}), expected a string"
        if schema.get("format") == "date-time" and _parse_time(value) is None:
            return f"Invalid value at '{where}' ({value!r}), expected an RFC 3339 date-time"
        return None
    if kind == "integer":
        return None if isinstance(value, int) and not isinstance(value, bool) else \
            f"Invalid value at '{where}', expected an integer"
    if kind == "boolean":
        return None if isinstance(value, bool) else f"Invalid value at '{where}', expected a boolean"
    if kind == "number":
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else \
            f"Invalid value at '{where}', expected a number"
    return None


def _query_problem(args: Any, parameters: dict[str, Any]) -> str | None:
    """Unknown query parameters, values of the wrong type or outside an enum or range."""
    for name in args:
        spec = parameters.get(name)
        if spec is None or spec.get("location") != "query":
            return (f"Invalid JSON payload received. Unknown name \"{name}\": Cannot bind query parameter. "
                    f"Field '{name}' could not be found in request message.")
        for value in args.getlist(name):
            if spec.get("enum") and value not in spec["enum"]:
                return f"Invalid value for {name}: {value}"
            if spec.get("type") == "integer":
                if not re.fullmatch(r"-?\d+", value):
                    return f"Invalid value '{value}' for {name}: not an integer"
                low, high = spec.get("minimum"), spec.get("maximum")
                if (low is not None and int(value) < int(low)) or (high is not None and int(value) > int(high)):
                    return f"Invalid value '{value}' for {name}: out of range"
            if spec.get("type") == "boolean" and value not in ("true", "false"):
                return f"Invalid value '{value}' for {name}: not a boolean"
    return None


def _meet_code(used: set[str]) -> str:
    letters = string.ascii_lowercase
    while True:
        code = "-".join("".join(secrets.choice(letters) for _ in range(n)) for n in (3, 4, 3))
        if code not in used:
            used.add(code)
            return code


class FakeGoogle:
    """One Flask app (`.app`) serving accounts.google.com (/o/oauth2/v2/auth), oauth2.googleapis.com (/token,
    /revoke), openidconnect.googleapis.com (/v1/userinfo) and www.googleapis.com/calendar/v3 (/calendar/v3)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        redirect_uris: list[str],
        clock: Clock | None = None,
        discovery_path: str | Path | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(redirect_uris)
        self.clock: Clock = clock or (lambda: datetime.now(timezone.utc))
        self.discovery = load_discovery(str(discovery_path or default_discovery_path()))
        self.known_scopes = OPENID_SCOPES | frozenset(self.discovery["auth"]["oauth2"]["scopes"])
        self.untick_scopes: set[str] = set()  # scopes the user unticks on the consent page (granular consent)
        self.conference_pending_reads = 0  # reads after the insert that still see its conference pending
        self._lock = threading.RLock()
        self.users: dict[str, FakeGoogleUser] = {}
        self.grants: dict[str, FakeGrant] = {}
        self.events: dict[tuple[str, str], FakeEvent] = {}  # (owner sub, event id) -> event
        self.busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        self.requests_log: list[tuple[str, str]] = []  # (method, path): never query strings or tokens
        self._consented: set[str] = set()  # subs that consented before: no refresh token again without prompt
        self._codes: dict[str, _AuthCode] = {}
        self._refresh_index: dict[str, str] = {}  # refresh token -> grant id
        self._access_index: dict[str, str] = {}  # access token -> grant id
        self._injections: Injections[_Failure] = Injections(OPERATIONS)
        self._failing_conferences = 0
        self._meet_codes: set[str] = set()
        self._subs = itertools.count(100_000_000_000_000_000_001)
        self.app = self._build_app()

    # --- test controls -----------------------------------------------------------------------------------

    def add_user(self, email: str) -> FakeGoogleUser:
        with self._lock:
            user = FakeGoogleUser(sub=str(next(self._subs)), email=email)
            self.users[user.sub] = user
            return user

    def set_busy(self, user: FakeGoogleUser, periods: list[tuple[datetime, datetime]]) -> None:
        """The user's busy times from other events on their calendar (ours are added to them as Google does)."""
        with self._lock:
            self.busy[user.sub] = sorted(periods)

    def fail_next(self, operation: str, status: int, times: int = 1, body: Any = None,
                  retry_after: float | str | None = None, reason: str | None = None) -> None:
        """The next `times` calls of `operation` answer `status`: `body` as given (JSON unless a str), else Google's
        error shape with `reason` (e.g. "rateLimitExceeded"); `retry_after` becomes the Retry-After header."""
        self._injections.fail(operation, _Failure(status, body, retry_after, reason), times)

    def delay_next(self, operation: str, seconds: float) -> None:
        """The next call of `operation` still happens, but its answer is sent `seconds` late."""
        self._injections.delay(operation, seconds)

    def fail_next_conference(self, times: int = 1) -> None:
        """The next `times` conference requests end in `failure` instead of `success`."""
        with self._lock:
            self._failing_conferences += times

    def finish_conferences(self) -> None:
        """Every conference still pending is made at its next read."""
        with self._lock:
            for event in self.events.values():
                event.pending_reads = 0

    def revoke_user(self, user: FakeGoogleUser) -> None:
        """Revoke every grant of a user (what removing the app at myaccount.google.com does)."""
        with self._lock:
            for grant in self.grants.values():
                if grant.sub == user.sub:
                    self._revoke_grant(grant)

    def events_of(self, user: FakeGoogleUser, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e.body) for (sub, _), e in self.events.items()
                    if sub == user.sub and (include_deleted or e.body["status"] != "cancelled")]

    # --- internals ---------------------------------------------------------------------------------------

    def _render_failure(self, operation: str, failure: _Failure) -> Response:
        headers: dict[str, str] = {}
        if isinstance(failure.retry_after, str):
            headers["Retry-After"] = failure.retry_after
        elif failure.retry_after is not None:
            headers["Retry-After"] = f"{failure.retry_after:g}"
        if isinstance(failure.body, str):
            return Response(failure.body, status=failure.status, headers=headers, mimetype="text/plain")
        if failure.body is not None:
            return json_response(failure.body, failure.status, headers)
        if operation in ("token", "revoke"):
            error = failure.reason or ("server_error" if failure.status >= 500 else "invalid_request")
            return json_response({"error": error, "error_description": "Injected failure"}, failure.status, headers)
        response = google_error(failure.status, "Injected failure", failure.reason)
        response.headers.update(headers)
        return response

    def _run(self, operation: str, handler: Callable[[], Response]) -> Response:
        return self._injections.run(operation, handler, lambda failure: self._render_failure(operation, failure))

    def _revoke_grant(self, grant: FakeGrant) -> None:
        grant.revoked = True
        if grant.refresh_token:
            self._refresh_index.pop(grant.refresh_token, None)
        for token in grant.access_tokens:
            self._access_index.pop(token, None)

    def _issue(self, grant: FakeGrant, *, with_refresh: bool) -> dict[str, Any]:
        access = "ya29." + secrets.token_urlsafe(32)
        grant.access_tokens[access] = self.clock() + ACCESS_TOKEN_LIFETIME
        self._access_index[access] = grant.id
        answer: dict[str, Any] = {
            "access_token": access,
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
            "scope": " ".join(sorted(_as_granted(grant.scopes))),
            "token_type": "Bearer",
        }
        if "openid" in grant.scopes:
            answer["id_token"] = "eyJhbGciOiJub25lIn0." + secrets.token_urlsafe(24) + "."  # opaque to clients here
        if with_refresh and grant.refresh_token:
            answer["refresh_token"] = grant.refresh_token
        return answer

    def _bearer_grant(self) -> tuple[FakeGrant | None, Response | None]:
        """The grant of the request's bearer token, or Google's 401."""
        unauthenticated = google_error(
            401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
            "other valid authentication credential.", "authError", location="Authorization", locationType="header")
        if SECRET_PARAMS & set(request.args):
            return None, google_error(401, "Tokens are not accepted in the query string.", "authError")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None, unauthenticated
        with self._lock:
            grant_id = self._access_index.get(token)
            grant = self.grants.get(grant_id) if grant_id else None
            if grant is None or grant.revoked or self.clock() >= grant.access_tokens[token]:
                return None, unauthenticated
            return grant, None

    def _authorize_params(self, source: Any) -> tuple[dict[str, str], str | None]:
        params = {name: str(source.get(name, "")) for name in AUTHORIZE_PARAMS}
        if params["response_type"] != "code":
            return params, "unsupported_response_type"
        if params["client_id"] != self.client_id:
            return params, "invalid_client: The OAuth client was not found."
        if params["redirect_uri"] not in self.redirect_uris:
            return params, "redirect_uri_mismatch"
        scopes = params["scope"].split()
        if not scopes:
            return params, "invalid_request: Missing required parameter: scope"
        unknown = [s for s in scopes if s not in self.known_scopes]
        if unknown:
            return params, f"invalid_scope: Some requested scopes were invalid: {' '.join(unknown)}"
        if not params["state"]:
            return params, "invalid_request: state is required"  # stricter than Google: we always send one
        if not params["code_challenge"] or params["code_challenge_method"] != "S256":
            return params, "invalid_request: PKCE code_challenge with code_challenge_method=S256 is required"
        if params["access_type"] not in ("", "online", "offline"):
            return params, "invalid_request: Invalid access_type"
        return params, None

    def _api_call(self, operation: str, handle: Callable[[FakeGrant, FakeGoogleUser], Response]) -> Response:
        """Checks common to the Calendar API: token, scopes of the method, query parameters per the discovery
        document; then `handle`."""
        resource, method = METHODS[operation]
        spec = self.discovery["resources"][resource]["methods"][method]

        def checked() -> Response:
            grant, problem = self._bearer_grant()
            if problem or grant is None:
                return problem or google_error(401, "Unauthenticated")
            if not grant.scopes & set(spec["scopes"]):
                return google_error(403, "Request had insufficient authentication scopes.", "insufficientPermissions")
            parameters = {**self.discovery["parameters"], **spec.get("parameters", {})}
            query_problem = _query_problem(request.args, parameters)
            if query_problem:
                return google_error(400, query_problem, "invalid")
            user = self.users[grant.sub]
            return handle(grant, user)

        return self._run(operation, checked)

    def _body(self, schema: str) -> tuple[dict[str, Any] | None, Response | None]:
        body = request.get_json(silent=True)
        if not request.is_json or not isinstance(body, dict):
            return None, google_error(400, "Invalid JSON payload received.", "parseError")
        problem = schema_problem(body, {"$ref": schema}, self.discovery["schemas"], "resource")
        if problem:
            return None, google_error(400, problem, "invalid")
        return body, None

    # --- the app -----------------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask(__name__)

        @app.before_request
        def log_request() -> None:
            with self._lock:
                self.requests_log.append((request.method, request.path))

        @app.get("/o/oauth2/v2/auth")
        def authorize_page() -> Response:
            params, problem = self._authorize_params(request.args)
            if problem:
                return _page(400, f"<h1>Access blocked: authorization error</h1><p>{html.escape(problem)}</p>")
            with self._lock:
                accounts = [(u.sub, u.email) for u in self.users.values()]
            asked = "".join(f"<li>{html.escape(s)}</li>" for s in params["scope"].split())
            heading = f"<h1>MyNextSlot wants access to your Google Account</h1><ul>{asked}</ul>"
            return _page(200, consent_form(f"{request.script_root}/o/oauth2/v2/auth", params, accounts, heading))

        @app.post("/o/oauth2/v2/auth")
        def authorize_decision() -> Response:
            params, problem = self._authorize_params(request.form)
            if problem:
                return _page(400, f"<h1>Access blocked: authorization error</h1><p>{html.escape(problem)}</p>")
            with self._lock:
                user = consent_decision(request.form, params, self.users, _page)
                if isinstance(user, Response):
                    return user
                code = "4/0" + secrets.token_urlsafe(32)
                offline = params["access_type"] == "offline" and (
                    params["prompt"] == "consent" or user.sub not in self._consented)
                self._consented.add(user.sub)
                granted = frozenset(params["scope"].split()) - {s for s in self.untick_scopes if s != "openid"}
                self._codes[code] = _AuthCode(
                    sub=user.sub, client_id=params["client_id"], redirect_uri=params["redirect_uri"],
                    code_challenge=params["code_challenge"], scopes=granted, offline=offline,
                    issued_at=self.clock(),
                )
            return redirect_back(params["redirect_uri"], {"code": code, "scope": " ".join(sorted(_as_granted(granted))),
                                                          "state": params["state"]})

        @app.post("/token")
        def token() -> Response:
            return self._run("token", token_grant)

        def token_grant() -> Response:
            if SECRET_PARAMS & set(request.args) or "grant_type" in request.args:
                return _oauth_error(400, "invalid_request", "Credentials are not accepted in the query string")
            if request.mimetype != "application/x-www-form-urlencoded":
                return _oauth_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
            if not self._client_ok():
                return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
            grant_type = request.form.get("grant_type")
            with self._lock:
                if grant_type == "authorization_code":
                    return self._grant_code()
                if grant_type == "refresh_token":
                    return self._grant_refresh()
            return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + str(grant_type)[:40])

        @app.post("/revoke")
        def revoke() -> Response:
            return self._run("revoke", revoke_token)

        def revoke_token() -> Response:
            if SECRET_PARAMS & set(request.args):
                return _oauth_error(400, "invalid_request", "Tokens are not accepted in the query string")
            if request.mimetype != "application/x-www-form-urlencoded":
                return _oauth_error(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
            token_value = request.form.get("token", "")
            with self._lock:
                grant_id = self._refresh_index.get(token_value) or self._access_index.get(token_value)
                grant = self.grants.get(grant_id) if grant_id else None
                if grant is None or grant.revoked:
                    return _oauth_error(400, "invalid_token", "Token expired or revoked")
                self._revoke_grant(grant)
            return json_response({}, 200)

        @app.get("/v1/userinfo")
        def userinfo() -> Response:
            def handle() -> Response:
                grant, problem = self._bearer_grant()
                if problem or grant is None:
                    return problem or google_error(401, "Unauthenticated")
                if not grant.scopes & {"openid", "email", "profile"}:
                    return google_error(403, "Request had insufficient authentication scopes.",
                                        "insufficientPermissions")
                user = self.users[grant.sub]
                answer: dict[str, Any] = {"sub": user.sub, "picture": "https://lh3.googleusercontent.com/a/x"}
                if "email" in grant.scopes:
                    answer.update(email=user.email, email_verified=True)
                return json_response(answer, 200)

            return self._run("userinfo", handle)

        @app.post("/calendar/v3/calendars/<calendar_id>/events")
        def insert_event(calendar_id: str) -> Response:
            def handle(grant: FakeGrant, user: FakeGoogleUser) -> Response:
                if calendar_id not in ("primary", user.email):
                    return google_error(404, "Not Found", "notFound")
                body, problem = self._body("Event")
                if problem or body is None:
                    return problem or google_error(400, "Bad Request")
                return self._insert(user, body)

            return self._api_call("insert_event", handle)

        @app.route("/calendar/v3/calendars/<calendar_id>/events/<event_id>", methods=["GET", "PATCH", "DELETE"])
        def event(calendar_id: str, event_id: str) -> Response:
            operation = {"GET": "get_event", "PATCH": "patch_event", "DELETE": "delete_event"}[request.method]

            def handle(grant: FakeGrant, user: FakeGoogleUser) -> Response:
                if calendar_id not in ("primary", user.email):
                    return google_error(404, "Not Found", "notFound")
                with self._lock:
                    found = self.events.get((user.sub, event_id))
                    if found is None:
                        return google_error(404, "Not Found", "notFound")
                    deleted = found.body["status"] == "cancelled"
                    if request.method == "GET":
                        self._advance_conference(found)
                        return json_response(found.body, 200)
                    if deleted:
                        return google_error(410, "Resource has been deleted", "deleted")
                    if request.method == "DELETE":
                        found.body.update(status="cancelled", updated=_format_utc(self.clock()))
                        return Response(status=204)
                body, problem = self._body("Event")
                if problem or body is None:
                    return problem or google_error(400, "Bad Request")
                return self._patch(found, body)

            return self._api_call(operation, handle)

        @app.post("/calendar/v3/freeBusy")
        def freebusy() -> Response:
            def handle(grant: FakeGrant, user: FakeGoogleUser) -> Response:
                body, problem = self._body("FreeBusyRequest")
                if problem or body is None:
                    return problem or google_error(400, "Bad Request")
                start, end = _parse_time(body.get("timeMin")), _parse_time(body.get("timeMax"))
                if start is None or end is None:
                    return google_error(400, "Missing timeMin or timeMax.", "required")
                if end <= start:
                    return google_error(400, "The specified time range is empty.", "timeRangeEmpty")
                calendars: dict[str, Any] = {}
                for item in body.get("items", []):
                    calendar_id = item.get("id", "")
                    if calendar_id in ("primary", user.email):
                        calendars[calendar_id] = {"busy": [
                            {"start": _format_utc(max(s, start)), "end": _format_utc(min(e, end))}
                            for s, e in self._busy_of(user) if s < end and e > start]}
                    else:
                        calendars[calendar_id] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                return json_response({"kind": "calendar#freeBusy", "timeMin": _format_utc(start),
                              "timeMax": _format_utc(end), "calendars": calendars}, 200)

            return self._api_call("freebusy", handle)

        return app

    def _client_ok(self) -> bool:
        """Client credentials in the form body, as this app sends them."""
        return (hmac.compare_digest(request.form.get("client_id", ""), self.client_id)
                and hmac.compare_digest(request.form.get("client_secret", ""), self.client_secret))

    def _grant_code(self) -> Response:
        code = request.form.get("code", "")
        auth_code = self._codes.pop(code, None)  # single use: any presentation consumes it
        if auth_code is None or auth_code.client_id != self.client_id:
            return _oauth_error(400, "invalid_grant", "Malformed auth code.")
        if self.clock() - auth_code.issued_at > CODE_LIFETIME:
            return _oauth_error(400, "invalid_grant", "Bad Request")
        if request.form.get("redirect_uri") != auth_code.redirect_uri:
            return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        verifier = request.form.get("code_verifier", "")
        if not verifier:
            return _oauth_error(400, "invalid_grant", "Missing code verifier.")
        if not hmac.compare_digest(pkce_challenge(verifier), auth_code.code_challenge):
            return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
        grant = FakeGrant(id=secrets.token_hex(8), sub=auth_code.sub, scopes=auth_code.scopes,
                          refresh_token=("1//0" + secrets.token_urlsafe(40)) if auth_code.offline else None)
        self.grants[grant.id] = grant
        if grant.refresh_token:
            self._refresh_index[grant.refresh_token] = grant.id
        return json_response(self._issue(grant, with_refresh=True), 200)

    def _grant_refresh(self) -> Response:
        grant_id = self._refresh_index.get(request.form.get("refresh_token", ""))
        grant = self.grants.get(grant_id) if grant_id else None
        if grant is None or grant.revoked:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        return json_response(self._issue(grant, with_refresh=False), 200)  # not rotated: the old one stays valid

    def _busy_of(self, user: FakeGoogleUser) -> list[tuple[datetime, datetime]]:
        """Busy times set by the test plus the user's own confirmed, opaque timed events, merged."""
        with self._lock:
            periods = list(self.busy[user.sub])
            for (sub, _), event in self.events.items():
                body = event.body
                if sub != user.sub or body["status"] == "cancelled" or body.get("transparency") == "transparent":
                    continue
                start, end = _parse_time(body["start"].get("dateTime")), _parse_time(body["end"].get("dateTime"))
                if start and end:
                    periods.append((start, end))
        merged: list[tuple[datetime, datetime]] = []
        for start, end in sorted(periods):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def _times_problem(self, body: dict[str, Any]) -> Response | None:
        for key in ("start", "end"):
            when = body.get(key)
            if not isinstance(when, dict) or not (when.get("dateTime") or when.get("date")):
                return google_error(400, f"Missing {key} time.", "required")
            zone = when.get("timeZone")
            if zone is not None:
                try:
                    ZoneInfo(zone)
                except (ZoneInfoNotFoundError, ValueError, OSError):
                    return google_error(400, f"Invalid time zone definition for {key} time.", "invalid")
            if when.get("dateTime") and _parse_time(when["dateTime"]) is None:
                return google_error(400, f"Invalid {key} time.", "invalid")
        start, end = _parse_time(body["start"].get("dateTime")), _parse_time(body["end"].get("dateTime"))
        if start and end and end <= start:
            return google_error(400, "The specified time range is empty.", "timeRangeEmpty")
        return None

    def _conference_problem(self, body: dict[str, Any]) -> Response | None:
        create = (body.get("conferenceData") or {}).get("createRequest")
        if create is None:
            return None
        if not create.get("requestId"):
            return google_error(400, "Invalid conference request: requestId is required.", "invalid")
        if (create.get("conferenceSolutionKey") or {}).get("type") != "hangoutsMeet":
            return google_error(400, "Invalid conference type value.", "invalid")
        return None

    def _insert(self, user: FakeGoogleUser, body: dict[str, Any]) -> Response:
        problem = self._times_problem(body) or self._conference_problem(body)
        if problem:
            return problem
        event_id = body.get("id") or secrets.token_hex(13)
        if not EVENT_ID.fullmatch(event_id):
            return google_error(400, "Invalid resource id value.", "invalid")
        now = _format_utc(self.clock())
        with self._lock:
            if (user.sub, event_id) in self.events:  # deleted events keep their id too
                return google_error(409, "The requested identifier already exists.", "duplicate")
            resource: dict[str, Any] = {
                "kind": "calendar#event",
                "etag": f'"{secrets.randbelow(10**16)}"',
                "id": event_id,
                "status": "confirmed",
                "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
                "created": now,
                "updated": now,
                "summary": body.get("summary", ""),
                "description": body.get("description", ""),
                "creator": {"email": user.email, "self": True},
                "organizer": {"email": user.email, "self": True},
                "start": body["start"],
                "end": body["end"],
                "iCalUID": f"{event_id}@google.com",
                "sequence": 0,
                "reminders": {"useDefault": True},
                "eventType": "default",
            }
            for key in ("location", "transparency", "visibility", "extendedProperties", "attendees", "colorId"):
                if key in body:
                    resource[key] = body[key]
            event = FakeEvent(id=event_id, owner_sub=user.sub, body=resource)
            self._request_conference(event, body)
            self.events[(user.sub, event_id)] = event
            return json_response(resource, 200)

    def _patch(self, event: FakeEvent, body: dict[str, Any]) -> Response:
        merged = {**event.body, **{k: v for k, v in body.items() if k != "conferenceData"}}
        problem = self._times_problem(merged) or self._conference_problem(body)
        if problem:
            return problem
        if "id" in body and body["id"] != event.id:
            return google_error(400, "Invalid resource id value.", "invalid")
        with self._lock:
            moved = merged["start"] != event.body["start"] or merged["end"] != event.body["end"]
            event.body.update(merged)
            event.body["updated"] = _format_utc(self.clock())
            if moved:
                event.body["sequence"] += 1
            self._request_conference(event, body)
            return json_response(event.body, 200)

    def _request_conference(self, event: FakeEvent, body: dict[str, Any]) -> None:
        """A createRequest in a body with conferenceDataVersion=1 starts a conference: the answer says pending, and
        the read after `conference_pending_reads` more reads sees it made. Without that parameter Google ignores
        conference data."""
        create = (body.get("conferenceData") or {}).get("createRequest")
        if create is None or request.args.get("conferenceDataVersion") != "1":
            return
        previous = (event.body.get("conferenceData") or {}).get("createRequest", {})
        if previous.get("requestId") == create["requestId"]:
            return  # the same request again is ignored
        failing = self._failing_conferences > 0
        self._failing_conferences -= 1 if failing else 0
        event.body.pop("hangoutLink", None)
        event.body["conferenceData"] = {
            "createRequest": {"requestId": create["requestId"], "conferenceSolutionKey": {"type": "hangoutsMeet"},
                              "status": {"statusCode": "failure" if failing else "pending"}},
        }
        event.pending_reads = 0 if failing else self.conference_pending_reads

    def _advance_conference(self, event: FakeEvent) -> None:
        status = (event.body.get("conferenceData") or {}).get("createRequest", {}).get("status", {})
        if status.get("statusCode") != "pending":
            return
        if event.pending_reads > 0:
            event.pending_reads -= 1
            return
        self._complete_conference(event)

    def _complete_conference(self, event: FakeEvent) -> None:
        code = _meet_code(self._meet_codes)
        link = f"https://meet.google.com/{code}"
        data = event.body["conferenceData"]
        data["createRequest"]["status"] = {"statusCode": "success"}
        data.update(
            entryPoints=[{"entryPointType": "video", "uri": link, "label": f"meet.google.com/{code}"}],
            conferenceSolution={"key": {"type": "hangoutsMeet"}, "name": "Google Meet",
                                "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/"
                                           "logo_meet_2020q4_color_2x_web_512dp.png"},
            conferenceId=code,
        )
        event.body["hangoutLink"] = link


def _as_granted(scopes: frozenset[str]) -> set[str]:
    """Scopes as Google reports them granted: "email" comes back as the userinfo.email URL."""
    return {SCOPE_PREFIX + "userinfo.email" if s == "email" else s for s in scopes}


def _page(status: int, body: str) -> Response:
    return html_page("Sign in - Google Accounts", status, body)
