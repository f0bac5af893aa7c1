"""A strict local fake of Twilio's Messages resource and Content API for tests and the sandbox: every message create
request is checked against the Messages create operation of Twilio's published OpenAPI spec, answered like Twilio
(resource or error JSON), recorded, and can later be "delivered" through a signed status callback as Twilio would.

The Content API (`/v1/Content`, which Twilio serves at https://content.twilio.com: the messenger sends both hosts to
this one app when pointed at it) creates, lists, fetches and deletes contents, each definition checked against the
documented limits of its types (twilio/text, twilio/list-picker, twilio/quick-reply, twilio/call-to-action). A
message sent with a ContentSid is checked against its content: the sid must be known (21655), ContentVariables must
fill exactly the content's variables (21656), the filled values must respect the same limits (21658), and a
list-picker, quick-reply or call-to-action goes only to someone who wrote in the last 24 hours by the fake's clock
(`received`). Twilio takes such a message and fails it later with 63016; the fake refuses it at once (HTTP 400,
code 63016), so a test sees it where it was sent. A twilio/text content stands for an approved template: it goes
anywhere. The approved templates of the real account are registered with `add_content`."""
from __future__ import annotations

import base64
import binascii
import copy
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from integrations.twilio.signing import SIGNATURE_HEADER, sign

MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
SPEC_FILE = "twilio_api_v2010.json"
SPECS_DIR_ENV = "MYNEXTSLOT_SPECS_DIR"
VENDORED_SPECS = Path(__file__).resolve().parent.parent / "specs"  # the published specs, with their licences
DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token"
DEFAULT_SENDER = "whatsapp:+14155238886"
BODY_LIMIT = 1600
_PHONE = re.compile(r"^(?:whatsapp:)?\+[1-9]\d{6,14}$")

CONTENT_HOST = "https://content.twilio.com"  # the Content API's own URLs in its answers, as Twilio gives them
CONTENT_FIELDS = frozenset({"friendly_name", "language", "variables", "types"})
SESSION_WINDOW = timedelta(hours=24)
MAX_CONTENT_VARIABLES = 100
RICH_BODY_LIMIT = 1024
# Content types Twilio has that this fake does not model (refused, saying so), and the one Twilio no longer creates.
UNMODELLED_TYPES = frozenset({"twilio/media", "twilio/location", "twilio/card", "twilio/catalog", "twilio/carousel",
                              "twilio/flows", "twilio/schedule", "whatsapp/card", "whatsapp/authentication",
                              "whatsapp/flows"})
RETIRED_TYPES = frozenset({"twilio/button"})
# Types WhatsApp shows only inside the 24-hour session (none of them is an approved template in this fake).
SESSION_TYPES = ("twilio/list-picker", "twilio/quick-reply", "twilio/call-to-action")
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?$")
_CONTENT_SID = re.compile(r"^HX[0-9a-f]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_SPACES = re.compile(r" {5,}")


@dataclass(frozen=True)
class _Field:
    """A string field of a content type: its key, its limit, whether it is required and may hold variables."""

    key: str
    limit: int
    required: bool = True
    variables: bool = True


# Each modelled type: its string fields, and its list (key, item fields, allowed count) if it has one.
_TYPE_FIELDS: dict[str, tuple[_Field, ...]] = {
    "twilio/text": (_Field("body", BODY_LIMIT),),
    "twilio/list-picker": (_Field("body", RICH_BODY_LIMIT), _Field("button", 20)),
    "twilio/quick-reply": (_Field("body", RICH_BODY_LIMIT),),
    "twilio/call-to-action": (_Field("body", RICH_BODY_LIMIT),),
}
_TYPE_LISTS: dict[str, tuple[str, tuple[_Field, ...], int, int]] = {
    "twilio/list-picker": ("items", (_Field("item", 24), _Field("id", 200), _Field("description", 72, False)), 1, 10),
    # WhatsApp shows at most 3 reply buttons in a session message.
    "twilio/quick-reply": ("actions", (_Field("title", 20), _Field("id", 200)), 1, 3),
}
_CTA_ACTIONS = {
    "URL": (_Field("title", 20, variables=False), _Field("url", 2000)),
    "PHONE_NUMBER": (_Field("title", 20, variables=False), _Field("phone", 20, variables=False)),
}


def default_spec_path() -> Path:
    """Twilio's spec: in the folder named by $MYNEXTSLOT_SPECS_DIR, else the copy vendored in integrations/specs/."""
    env_dir = os.environ.get(SPECS_DIR_ENV)
    if env_dir and (Path(env_dir) / SPEC_FILE).is_file():
        return Path(env_dir) / SPEC_FILE
    return VENDORED_SPECS / SPEC_FILE


class TwilioError(Exception):
    """An error answer in Twilio's JSON shape."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> Response:
        payload = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        resp = jsonify(payload)
        resp.status_code = self.status
        return resp


@dataclass(frozen=True)
class _CreateOperation:
    """The parts of the spec's Messages create operation the fake enforces."""

    params: dict[str, dict[str, Any]]
    required: tuple[str, ...]
    account_sid_pattern: re.Pattern[str]
    list_params: dict[str, dict[str, Any]]  # the list (GET) operation's query parameters

    @classmethod
    def load(cls, spec_path: Path) -> _CreateOperation:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        post = spec["paths"][MESSAGES_PATH]["post"]
        schema = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        params = {name: _resolve(spec, prop) for name, prop in schema["properties"].items()}
        (sid_param,) = [p for p in post["parameters"] if p["name"] == "AccountSid" and p["in"] == "path"]
        list_params = {p["name"]: _resolve(spec, p["schema"]) for p in spec["paths"][MESSAGES_PATH]["get"]["parameters"]
                       if p["in"] == "query"}
        return cls(params, tuple(schema.get("required", ())), re.compile(sid_param["schema"]["pattern"]),
                   list_params)


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for key in schema["$ref"].removeprefix("#/").split("/"):
            node = node[key]
        schema = node
    return schema


class FakeTwilio:
    """Twilio's Messages resource and Content API as a Flask app (`.app`); thread-safe, so it can be served threaded.
    `clock` (a callable giving an aware datetime) dates messages and contents; `window_clock` (default: `clock`)
    decides the 24-hour window. Tests whose app runs on a settable clock hand it to `window_clock` only: the
    messages keep dates from `clock` (real time by default), which a worker process on the real clock compares with
    its own when it asks Twilio what it already took (find_sent)."""

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        senders: Iterable[str] = (DEFAULT_SENDER,),
        *,
        spec_path: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        latency: float = 0.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.senders = tuple(senders)
        # How callbacks reach the bot: real HTTP by default; tests may route them to a Flask test client.
        self.transport: Callable[..., requests.Response] = requests.post
        self._operation = _CreateOperation.load(spec_path or default_spec_path())
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(timezone.utc))
        self.window_clock: Callable[[], datetime] | None = None
        # A load benchmark posts its inbound messages to the bot directly, not through the fake: then everyone counts
        # as having written just now (their 24-hour window open).
        self.everyone_wrote = False
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._contents: dict[str, dict[str, Any]] = {}  # sid -> {"payload", "created"}, in creation order
        self._received: dict[str, datetime] = {}  # address -> when they last wrote
        self._failures: list[tuple[int, int]] = []
        self.latency = latency  # seconds each create request takes, as a real call from far away does
        self._in_flight = 0
        self.app = self._build_app()

    # --- inspection and control, for tests -------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Accepted messages, oldest first: sid, to, from, body, content_sid, media_urls, content_variables (dict
        or None), status_callback, status."""
        with self._lock:
            return [{k: v for k, v in m.items() if k not in ("resource", "accepted_at", "seen")}
                    for m in self._messages]

    @property
    def in_flight(self) -> int:
        """Valid create requests received and not yet answered (they take `latency`): calls a client has in hand."""
        with self._lock:
            return self._in_flight

    def log(self) -> list[dict[str, Any]]:
        """What `messages` gives, each with its accepted_at (epoch seconds): for the sandbox page's transcript."""
        with self._lock:
            return [{k: v for k, v in m.items() if k not in ("resource", "seen")} for m in self._messages]

    def accepted(self) -> list[dict[str, Any]]:
        """to, body and accepted_at (epoch seconds) of each accepted message, oldest first: for benchmarks."""
        with self._lock:
            return [{"to": m["to"], "body": m["body"], "accepted_at": m["accepted_at"]} for m in self._messages]

    def bodies_to(self, to: str) -> list[str]:
        """Text bodies sent to `to`, oldest first (template messages have no body and are left out)."""
        return [m["body"] for m in self.messages if m["to"] == to and m["body"] is not None]

    def seen(self, to: str) -> list[dict[str, Any]]:
        """What `to` was shown, message by message, oldest first: sid, kind ("text", "list-picker", "quick-reply",
        "call-to-action" or "template": a twilio/text content), body, items ([{id, title, description}]: list rows
        or reply buttons), button (the list's), url and url_title (a call-to-action's), every variable filled in."""
        with self._lock:
            return [copy.deepcopy(m["seen"]) for m in self._messages if m["to"] == to]

    def contents(self) -> dict[str, dict[str, Any]]:
        """The contents the fake knows, by sid: their definitions as created (friendly_name, language, variables,
        types), for the sandbox page to draw."""
        with self._lock:
            return {sid: copy.deepcopy(c["payload"]) for sid, c in self._contents.items()}

    def add_content(self, sid: str, payload: dict[str, Any]) -> str:
        """Know a content under `sid` (the account's approved templates, which exist before the bot starts), checked
        as a create request is; ValueError with Twilio's message if Twilio would refuse it. Returns `sid`."""
        if not _CONTENT_SID.match(sid):
            raise ValueError(f"not a content sid: {sid!r}")
        try:
            definition = _checked_definition(payload)
        except TwilioError as error:
            raise ValueError(f"Twilio would refuse this content ({error.code}): {error.message}") from None
        with self._lock:
            self._contents[sid] = {"payload": definition, "created": self.clock()}
        return sid

    def received(self, address: str, at: datetime | None = None) -> None:
        """`address` ("whatsapp:+4477...") wrote to us `at` (default: now by the window's clock): their 24-hour
        session window is open from then. send_inbound calls it; so does the tests' chat driver."""
        when = at or self._window_now()
        with self._lock:
            last = self._received.get(address)
            self._received[address] = when if last is None or when > last else last

    def _window_now(self) -> datetime:
        return (self.window_clock or self.clock)()

    def fail_next(self, status: int = 500, code: int = 20500, times: int = 1) -> None:
        """Answer the next `times` requests (any: messages or contents) with this error, before any other check."""
        with self._lock:
            self._failures.extend([(status, code)] * times)

    def deliver(self, sid: str, status: str = "delivered", error_code: int | None = None) -> requests.Response:
        """POST Twilio's signed status callback for message `sid` to its StatusCallback URL."""
        with self._lock:
            message = next((m for m in self._messages if m["sid"] == sid), None)
            if message is None:
                raise KeyError(f"no message {sid}")
            message["status"] = message["resource"]["status"] = status
            snapshot = dict(message)
        url = snapshot["status_callback"]
        if not url:
            raise ValueError(f"message {sid} was sent without a StatusCallback")
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "ChannelPrefix": "whatsapp" if snapshot["to"].startswith("whatsapp:") else "sms",
            "From": snapshot["from"],
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": snapshot["to"],
        }
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return self._post_signed(url, form)

    def send_inbound(self, url: str, from_: str, body: str, *, to: str | None = None,
                     profile_name: str | None = None, button_payload: str | None = None) -> requests.Response:
        """POST a signed incoming WhatsApp message webhook to `url`, as Twilio does when a user writes to us (or
        taps a button: `button_payload`)."""
        sid = "SM" + secrets.token_hex(16)
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": from_,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to or self.senders[0],
            "WaId": from_.removeprefix("whatsapp:").lstrip("+"),
        }
        if profile_name is not None:
            form["ProfileName"] = profile_name
        if button_payload is not None:  # a tap: Twilio passes the button's (or row's) id and its title
            form["ButtonPayload"] = button_payload
            form["ButtonText"] = body
        self.received(from_)
        return self._post_signed(url, form)

    def _post_signed(self, url: str, form: dict[str, str]) -> requests.Response:
        headers = {SIGNATURE_HEADER: sign(self.auth_token, url, form), "User-Agent": "TwilioProxy/1.1"}
        return self.transport(url, data=form, headers=headers, timeout=5)

    # --- the HTTP side ----------------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("fake_twilio")

        @app.post("/2010-04-01/Accounts/<account_sid>/Messages.json")
        def create_message(account_sid: str) -> tuple[Response, int] | Response:
            try:
                return jsonify(self._create(account_sid)), 201
            except TwilioError as error:
                return error.response()

        @app.get("/2010-04-01/Accounts/<account_sid>/Messages.json")
        def list_messages(account_sid: str) -> Response:
            try:
                return jsonify(self._list(account_sid))
            except TwilioError as error:
                return error.response()

        @app.post("/v1/Content")
        def create_content() -> tuple[Response, int] | Response:
            try:
                return jsonify(self._create_content()), 201
            except TwilioError as error:
                return error.response()

        @app.get("/v1/Content")
        def list_contents() -> Response:
            try:
                return jsonify(self._list_contents())
            except TwilioError as error:
                return error.response()

        @app.get("/v1/Content/<sid>")
        def fetch_content(sid: str) -> Response:
            try:
                return jsonify(self._content_resource(sid, self._known_content(sid)))
            except TwilioError as error:
                return error.response()

        @app.delete("/v1/Content/<sid>")
        def delete_content(sid: str) -> Response:
            try:
                self._known_content(sid)
                with self._lock:
                    self._contents.pop(sid, None)
                return Response(status=204)
            except TwilioError as error:
                return error.response()

        @app.errorhandler(HTTPException)
        def http_error(exc: HTTPException) -> Response:
            status = exc.code or 500
            code = 20404 if status == 404 else 20004 if status == 405 else status
            message = f"The requested resource {request.path} was not found" if status == 404 else exc.name
            return TwilioError(status, code, message).response()

        return app

    def _injected_failure(self) -> None:
        with self._lock:
            injected = self._failures.pop(0) if self._failures else None
        if injected:
            status, code = injected
            raise TwilioError(status, code, "Injected failure")

    def _create(self, account_sid: str) -> dict[str, Any]:
        self._injected_failure()
        self._authenticate()
        if not self._operation.account_sid_pattern.match(account_sid) or account_sid != self.account_sid:
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        form = self._validated_form()
        content_variables = None
        if "ContentVariables" in form:
            content_variables = self._content_variables(form)
        seen = self._seen_text(form)
        if "ContentSid" in form:
            seen = self._check_content_message(form, content_variables or {})
        return self._accept(form, content_variables, seen)

    def _list(self, account_sid: str) -> dict[str, Any]:
        """Messages newest first, filtered by To and From, one page (PageSize, at most 1,000)."""
        self._injected_failure()
        self._authenticate()
        if not self._operation.account_sid_pattern.match(account_sid) or account_sid != self.account_sid:
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        unknown = sorted(set(request.args) - set(self._operation.list_params))
        if unknown:
            raise TwilioError(400, 20001, f"Unknown parameters: {', '.join(unknown)}")
        args = {name: self._check_value(name, self._operation.list_params[name], request.args[name])
                for name in request.args}
        size = args.get("PageSize", 50)
        if not 1 <= size <= 1000:
            raise TwilioError(400, 20001, f"Invalid PageSize: {size}")
        with self._lock:
            found = [m for m in reversed(self._messages)
                     if m["to"] == args.get("To", m["to"]) and m["from"] == args.get("From", m["from"])]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return {"messages": [m["resource"] for m in found[:size]], "page": 0, "page_size": size, "start": 0,
                "end": max(0, min(size, len(found)) - 1), "uri": uri, "first_page_uri": uri,
                "next_page_uri": None, "previous_page_uri": None}

    # --- the Content API --------------------------------------------------------------------------------------

    def _create_content(self) -> dict[str, Any]:
        self._injected_failure()
        self._authenticate()
        if request.args:
            raise TwilioError(400, 20001, f"Unknown parameters: {', '.join(sorted(request.args))}")
        if request.mimetype != "application/json":
            raise TwilioError(400, 20422, f"Unsupported Content-Type {request.mimetype!r}: expected application/json")
        payload = request.get_json(silent=True)
        if payload is None:
            raise TwilioError(400, 20422, "The request body is not JSON")
        definition = _checked_definition(payload)
        sid = "HX" + secrets.token_hex(16)
        entry = {"payload": definition, "created": self.clock()}
        with self._lock:
            self._contents[sid] = entry
        return self._content_resource(sid, entry)

    def _known_content(self, sid: str) -> dict[str, Any]:
        self._injected_failure()
        self._authenticate()
        with self._lock:
            entry = self._contents.get(sid)
        if entry is None:
            raise TwilioError(404, 20404, f"The requested resource /Content/{sid} was not found")
        return entry

    def _content_resource(self, sid: str, entry: dict[str, Any]) -> dict[str, Any]:
        definition = entry["payload"]
        created = entry["created"].astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        url = f"{CONTENT_HOST}/v1/Content/{sid}"
        return {"sid": sid, "account_sid": self.account_sid, "friendly_name": definition.get("friendly_name"),
                "language": definition["language"], "variables": copy.deepcopy(definition.get("variables", {})),
                "types": copy.deepcopy(definition["types"]), "url": url, "date_created": created,
                "date_updated": created,
                "links": {"approval_create": f"{url}/ApprovalRequests/whatsapp",
                          "approval_fetch": f"{url}/ApprovalRequests"}}

    def _list_contents(self) -> dict[str, Any]:
        """Oldest first, paged as Twilio pages (PageSize, Page, and the PageToken of its next_page_url)."""
        self._injected_failure()
        self._authenticate()
        unknown = sorted(set(request.args) - {"PageSize", "Page", "PageToken"})
        if unknown:
            raise TwilioError(400, 20001, f"Unknown parameters: {', '.join(unknown)}")
        size, page = request.args.get("PageSize", "50"), request.args.get("Page", "0")
        token = request.args.get("PageToken")
        if not (size.isdigit() and 1 <= int(size) <= 1000) or not page.isdigit():
            raise TwilioError(400, 20001, "Invalid PageSize or Page")
        size_n, page_n = int(size), int(page)
        if token is not None and not re.fullmatch(r"PT\d+", token):
            raise TwilioError(400, 20001, f"Invalid PageToken: {token!r}")
        offset = int(token[2:]) if token else page_n * size_n
        with self._lock:
            entries = list(self._contents.items())
        base = f"{CONTENT_HOST}/v1/Content?PageSize={size_n}"

        def page_url(number: int, start: int) -> str:
            return f"{base}&Page={number}&PageToken=PT{start}" if number else f"{base}&Page=0"

        return {"contents": [self._content_resource(sid, entry) for sid, entry in entries[offset:offset + size_n]],
                "meta": {"page": page_n, "page_size": size_n, "first_page_url": f"{base}&Page=0",
                         "previous_page_url": page_url(page_n - 1, max(0, offset - size_n)) if page_n else None,
                         "url": page_url(page_n, offset),
                         "next_page_url": page_url(page_n + 1, offset + size_n)
                         if offset + size_n < len(entries) else None,
                         "key": "contents"}}

    def _check_content_message(self, form: dict[str, Any], variables: dict[str, str]) -> dict[str, Any]:
        """Check a message sent with a ContentSid against its content; what the person sees, filled in."""
        with self._lock:
            entry = self._contents.get(form["ContentSid"])
        if entry is None:
            raise TwilioError(400, 21655, "The Content SID is invalid: no such content in this account.")
        types = entry["payload"]["types"]
        expected = _placeholders(types)
        missing, extra = sorted(expected - set(variables), key=int), sorted(set(variables) - expected)
        if missing:
            raise TwilioError(400, 21656, f"The ContentVariables Parameter is invalid: variable(s) "
                                          f"{', '.join(missing)} of the content not filled.")
        if extra:
            raise TwilioError(400, 21656, f"The ContentVariables Parameter is invalid: {', '.join(extra)} "
                                          f"not variable(s) of the content.")
        session = {name: body for name, body in types.items() if name in SESSION_TYPES}
        for name in sorted(expected, key=int):  # any content: WhatsApp refuses such values in templates too
            value = variables[name]
            if "\n" in value or "\r" in value or "\t" in value or _SPACES.search(value):
                raise TwilioError(400, 21656, f"The ContentVariables Parameter is invalid: variable {name} has a "
                                              f"newline, a tab or more than four spaces in a row.")
        filled = _filled(types, variables)
        for type_name, body in filled.items():
            try:
                _check_type(type_name, body, filled=True)
            except TwilioError as error:
                if error.code == 21658:
                    raise
                raise TwilioError(400, 21656, f"The ContentVariables Parameter is invalid: {error.message}") from None
            _check_unique(type_name, body)
        if session and form["To"].startswith("whatsapp:") and not self.everyone_wrote:
            with self._lock:
                last = self._received.get(form["To"])
            if last is None or self._window_now() - last >= SESSION_WINDOW:
                raise TwilioError(400, 63016, "Failed to send freeform message because you are outside the allowed "
                                              "window. If you are using WhatsApp, please use a Message Template.")
        return _view(filled)

    @staticmethod
    def _seen_text(form: dict[str, Any]) -> dict[str, Any]:
        return {"kind": "text", "body": form.get("Body") or "", "items": [], "button": "", "url": "",
                "url_title": ""}

    def _authenticate(self) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
        user_ok = hmac.compare_digest(user.encode(), self.account_sid.encode())
        password_ok = hmac.compare_digest(password.encode(), self.auth_token.encode())
        if scheme.lower() != "basic" or not (user_ok and password_ok):
            raise TwilioError(401, 20003, "Authenticate")

    def _validated_form(self) -> dict[str, Any]:
        mimetype = request.mimetype
        if request.content_length and mimetype != "application/x-www-form-urlencoded":
            raise TwilioError(400, 20422, f"Unsupported Content-Type {mimetype!r}: expected form-encoded")
        if request.args:
            raise TwilioError(400, 20001, f"Unknown parameters: {', '.join(sorted(request.args))}")
        raw = request.form
        unknown = sorted(set(raw) - set(self._operation.params))
        if unknown:
            raise TwilioError(400, 20001, f"Unknown parameters: {', '.join(unknown)}")
        form: dict[str, Any] = {}
        for name in raw:
            values = raw.getlist(name)
            schema = self._operation.params[name]
            if schema.get("type") == "array":
                form[name] = [self._check_value(name, schema.get("items", {}), v) for v in values]
            elif len(values) > 1:
                raise TwilioError(400, 20422, f"Parameter {name} given more than once")
            else:
                form[name] = self._check_value(name, schema, values[0])
        for name in self._operation.required:
            if not form.get(name):
                raise TwilioError(400, 21604, f"A '{name}' phone number is required.")
        if not _PHONE.match(form["To"]):
            raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {form['To']}")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        if form.get("From") and form["From"] not in self.senders:
            raise TwilioError(400, 63007, "Twilio could not find a Channel with the specified From address")
        if form.get("From") and form["From"].startswith("whatsapp:") != form["To"].startswith("whatsapp:"):
            raise TwilioError(400, 21910, "Invalid From and To pair. From and To should be of the same channel")
        if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
            raise TwilioError(400, 21619, "A text message body or media urls must be specified.")
        for url in form.get("MediaUrl", []):
            if not re.fullmatch(r"https?://[^\s/]+/\S*", url):
                raise TwilioError(400, 21620, f"Invalid media URL(s): {url}")
        if form.get("To", "").startswith("whatsapp:") and len(form.get("MediaUrl", [])) > 1:
            raise TwilioError(400, 21623, "WhatsApp allows one media item per message")
        if len(form.get("Body", "")) > BODY_LIMIT:
            raise TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        return form

    @staticmethod
    def _check_value(name: str, schema: dict[str, Any], value: str) -> Any:
        """Check one form value against its spec schema and return it typed."""
        kind = schema.get("type", "string")
        invalid = TwilioError(400, 21655 if name == "ContentSid" else 20422, f"Invalid parameter {name}: {value!r}")
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", value):
                raise invalid
            return int(value)
        if kind == "number":
            try:
                return float(value)
            except ValueError:
                raise invalid from None
        if kind == "boolean":
            if value.lower() not in ("true", "false"):
                raise invalid
            return value.lower() == "true"
        if "enum" in schema and value not in schema["enum"]:
            raise invalid
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            raise invalid
        if "pattern" in schema and not re.search(schema["pattern"], value):
            raise invalid
        ignore_format = schema.get("x-twilio", {}).get("ignoreFormat", False)
        if schema.get("format") == "uri" and value and not ignore_format:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise TwilioError(400, 21609 if name == "StatusCallback" else 20422, f"Invalid {name}: {value!r}")
        return value

    @staticmethod
    def _content_variables(form: dict[str, Any]) -> dict[str, Any]:
        try:
            variables = json.loads(form["ContentVariables"])
        except ValueError:
            variables = None
        if "ContentSid" not in form:
            raise TwilioError(400, 21654, "A ContentSid must be specified if ContentVariables are provided.")
        if not isinstance(variables, dict):
            raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid: not a JSON object.")
        if len(variables) > MAX_CONTENT_VARIABLES:
            raise TwilioError(400, 21656, f"The ContentVariables Parameter is invalid: more than "
                                          f"{MAX_CONTENT_VARIABLES} variables.")
        for name, value in variables.items():
            if not isinstance(value, str) or not value:
                raise TwilioError(400, 21656, f"The ContentVariables Parameter is invalid: variable {name} is "
                                              f"null, empty or not a string.")
        return variables

    def _accept(self, form: dict[str, Any], content_variables: dict[str, Any] | None,
                seen: dict[str, Any]) -> dict[str, Any]:
        if self.latency:
            with self._lock:
                self._in_flight += 1
            try:
                time.sleep(self.latency)
            finally:
                with self._lock:
                    self._in_flight -= 1
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(self.clock().astimezone(timezone.utc))
        status = "queued" if form.get("From") else "accepted"
        body = form.get("Body")
        record = {
            "sid": sid,
            "to": form["To"],
            "from": form.get("From"),
            "body": body,
            "content_sid": form.get("ContentSid"),
            "media_urls": list(form.get("MediaUrl", [])),
            "content_variables": content_variables,
            "status_callback": form.get("StatusCallback"),
            "status": status,
            "accepted_at": time.time(),  # for benchmarks: when the reply reached "Twilio"
            "seen": {"sid": sid, **seen},
        }
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        record["resource"] = resource = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body or "",
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": str(len(form.get("MediaUrl", []))),
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": form["To"],
            "uri": f"{uri}.json",
        }
        with self._lock:
            self._messages.append(record)
        return resource


# --- content definitions --------------------------------------------------------------------------------------------


def _checked_definition(payload: Any) -> dict[str, Any]:
    """A create request's body checked as Twilio checks it (TwilioError otherwise); a copy of what is kept."""
    if not isinstance(payload, dict):
        raise TwilioError(400, 20422, "The content must be a JSON object")
    unknown = sorted(set(payload) - CONTENT_FIELDS)
    if unknown:
        raise TwilioError(400, 20001, f"Unknown parameters: {', '.join(unknown)}")
    language = payload.get("language")
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        raise TwilioError(400, 20422, "A valid 'language' is required (e.g. 'en')")
    name = payload.get("friendly_name")
    if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 64):
        raise TwilioError(400, 20422, "'friendly_name' must be 1 to 64 characters")
    variables = payload.get("variables", {})
    if not isinstance(variables, dict) or len(variables) > MAX_CONTENT_VARIABLES:
        raise TwilioError(400, 20422, f"'variables' must be an object of at most {MAX_CONTENT_VARIABLES} defaults")
    for key, value in variables.items():
        if not key.isdigit() or not isinstance(value, str) or not value:
            raise TwilioError(400, 20422, f"Variable {key!r}: a number with a non-empty default is expected")
    types = payload.get("types")
    if not isinstance(types, dict) or not types:
        raise TwilioError(400, 92001, "The 'types' parameter requires at least one type in order to create content.")
    for type_name, body in types.items():
        if type_name in RETIRED_TYPES:
            raise TwilioError(400, 92008, f"Creating new {type_name} templates is no longer supported.")
        if type_name in UNMODELLED_TYPES:
            raise TwilioError(400, 20422, f"Content type {type_name} is not modelled by this fake")
        if type_name not in _TYPE_FIELDS:
            raise TwilioError(400, 20422, f"Unknown content type {type_name!r}")
        _check_type(type_name, body)
    missing = sorted(_placeholders(types) - set(variables), key=int)
    if missing:
        raise TwilioError(400, 20422, f"Variable(s) {', '.join(missing)} used without a default in 'variables'")
    return copy.deepcopy({key: payload[key] for key in sorted(CONTENT_FIELDS) if key in payload})


def _check_type(type_name: str, body: Any, *, filled: bool = False) -> None:
    """One type's definition, or its `filled` copy at send time (whose values are text, not placeholders): shape,
    then each field's limit (21658)."""
    if not isinstance(body, dict):
        raise TwilioError(400, 20422, f"{type_name} must be an object")
    fields = _TYPE_FIELDS[type_name]
    lists = _TYPE_LISTS.get(type_name)
    allowed = {f.key for f in fields} | ({lists[0]} if lists else set())
    if type_name == "twilio/call-to-action":
        allowed.add("actions")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise TwilioError(400, 20001, f"Unknown parameters in {type_name}: {', '.join(unknown)}")
    for f in fields:
        _check_field(type_name, f, body, filled)
    if lists:
        key, item_fields, low, high = lists
        items = body.get(key)
        if not isinstance(items, list) or not low <= len(items) <= high:
            raise TwilioError(400, 20422, f"{type_name} needs {low} to {high} {key}")
        extra = {"type"} if type_name == "twilio/quick-reply" else set()
        for n, item in enumerate(items, 1):
            where = f"{type_name} {key}[{n}]"
            if not isinstance(item, dict):
                raise TwilioError(400, 20422, f"{where} must be an object")
            unknown = sorted(set(item) - {f.key for f in item_fields} - extra)
            if unknown:
                raise TwilioError(400, 20001, f"Unknown parameters in {where}: {', '.join(unknown)}")
            if item.get("type", "QUICK_REPLY") != "QUICK_REPLY":
                raise TwilioError(400, 20422, f"{where}: type must be QUICK_REPLY")
            for f in item_fields:
                _check_field(where, f, item, filled)
    if type_name == "twilio/call-to-action":
        actions = body.get("actions")
        if not isinstance(actions, list) or not 1 <= len(actions) <= 2:
            raise TwilioError(400, 20422, f"{type_name} needs 1 to 2 actions")
        for n, action in enumerate(actions, 1):
            where = f"{type_name} actions[{n}]"
            kind = action.get("type") if isinstance(action, dict) else None
            if kind not in _CTA_ACTIONS:
                raise TwilioError(400, 20422, f"{where}: type must be URL or PHONE_NUMBER")
            unknown = sorted(set(action) - {f.key for f in _CTA_ACTIONS[kind]} - {"type"})
            if unknown:
                raise TwilioError(400, 20001, f"Unknown parameters in {where}: {', '.join(unknown)}")
            for f in _CTA_ACTIONS[kind]:
                _check_field(where, f, action, filled)
            if kind == "URL":
                _check_url(where, action["url"], filled)
            elif not _E164.match(action["phone"]):
                raise TwilioError(400, 20422, f"{where}: phone must be an E.164 number")


def _check_field(where: str, field: _Field, obj: dict[str, Any], filled: bool) -> None:
    value = obj.get(field.key)
    if value is None:
        if field.required:
            raise TwilioError(400, 20422, f"{where}: '{field.key}' is required")
        return
    if not isinstance(value, str) or not value.strip():
        raise TwilioError(400, 20422, f"{where}: '{field.key}' must be a non-empty string")
    rest = _PLACEHOLDER.sub("", value)
    if not filled and ("{{" in rest or "}}" in rest):
        raise TwilioError(400, 20422, f"{where}: '{field.key}' has a malformed variable placeholder")
    if not filled and not field.variables and _PLACEHOLDER.search(value):
        raise TwilioError(400, 20422, f"{where}: '{field.key}' cannot hold a variable")
    if len(value) > field.limit:
        raise TwilioError(400, 21658, f"{where}: '{field.key}' is longer than {field.limit} characters "
                                      f"(parameter exceeded character limit)")


def _check_url(where: str, url: str, filled: bool) -> None:
    """An https URL; in a definition, a variable only as its suffix, after the host and a '/' (WhatsApp's rule for
    URL buttons)."""
    static, variable = url, None
    if not filled:
        match = re.fullmatch(r"([^{}]*?)(\{\{\d+\}\})?", url)
        static, variable = (match.group(1), match.group(2)) if match else ("", None)
    try:
        parts = urlsplit(static)
        ok = parts.scheme == "https" and bool(parts.hostname) and not any(c.isspace() for c in static)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        ok = False
    if ok and variable:
        ok = re.fullmatch(r"https://[^/?#\s]+/\S*", static) is not None
    if not ok:
        raise TwilioError(400, 20422, f"{where}: the url must be https, with a variable only as its suffix")


def _check_unique(type_name: str, body: dict[str, Any]) -> None:
    """WhatsApp's rule for a filled list or set of buttons: distinct ids (and distinct button titles)."""
    lists = _TYPE_LISTS.get(type_name)
    if not lists:
        return
    items = body[lists[0]]
    keys = ("id", "title") if type_name == "twilio/quick-reply" else ("id",)
    for key in keys:
        if len({item[key] for item in items}) < len(items):
            raise TwilioError(400, 63021, f"Channel invalid content error: two {lists[0]} have the same {key}")


def _placeholders(node: Any) -> set[str]:
    """The variable names ("1", "2"...) used anywhere in a definition's types."""
    if isinstance(node, str):
        return set(_PLACEHOLDER.findall(node))
    if isinstance(node, dict):
        return set().union(*(_placeholders(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_placeholders(v) for v in node)) if node else set()
    return set()


def _filled(node: Any, variables: dict[str, str]) -> Any:
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda m: variables[m.group(1)], node)
    if isinstance(node, dict):
        return {k: _filled(v, variables) for k, v in node.items()}
    if isinstance(node, list):
        return [_filled(v, variables) for v in node]
    return node


def _view(types: dict[str, Any]) -> dict[str, Any]:
    """What a person sees of a filled content (its WhatsApp type first; a twilio/text alone is a template)."""
    view: dict[str, Any] = {"kind": "template", "body": "", "items": [], "button": "", "url": "", "url_title": ""}
    if "twilio/list-picker" in types:
        picker = types["twilio/list-picker"]
        view.update(kind="list-picker", body=picker["body"], button=picker["button"],
                    items=[{"id": i["id"], "title": i["item"], "description": i.get("description", "")}
                           for i in picker["items"]])
    elif "twilio/quick-reply" in types:
        reply = types["twilio/quick-reply"]
        view.update(kind="quick-reply", body=reply["body"],
                    items=[{"id": a["id"], "title": a["title"], "description": ""} for a in reply["actions"]])
    elif "twilio/call-to-action" in types:
        action = types["twilio/call-to-action"]
        link = next((a for a in action["actions"] if a["type"] == "URL"), {"url": "", "title": ""})
        view.update(kind="call-to-action", body=action["body"], url=link["url"], url_title=link["title"])
    else:
        view["body"] = types["twilio/text"]["body"]
    return view
