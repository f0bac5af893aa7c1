"""A strict local fake of Twilio's Messages resource for tests and the sandbox: every create request is checked
against the Messages create operation of Twilio's published OpenAPI spec, answered like Twilio (resource or error
JSON), recorded, and can later be "delivered" through a signed status callback as Twilio would."""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
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
    """Twilio's Messages resource as a Flask app (`.app`); thread-safe, so it can be served threaded."""

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
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
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
            return [{k: v for k, v in m.items() if k not in ("resource", "accepted_at")} for m in self._messages]

    @property
    def in_flight(self) -> int:
        """Valid create requests received and not yet answered (they take `latency`): calls a client has in hand."""
        with self._lock:
            return self._in_flight

    def log(self) -> list[dict[str, Any]]:
        """What `messages` gives, each with its accepted_at (epoch seconds): for the sandbox page's transcript."""
        with self._lock:
            return [{k: v for k, v in m.items() if k != "resource"} for m in self._messages]

    def accepted(self) -> list[dict[str, Any]]:
        """to, body and accepted_at (epoch seconds) of each accepted message, oldest first: for benchmarks."""
        with self._lock:
            return [{"to": m["to"], "body": m["body"], "accepted_at": m["accepted_at"]} for m in self._messages]

    def bodies_to(self, to: str) -> list[str]:
        """Text bodies sent to `to`, oldest first (template messages have no body and are left out)."""
        return [m["body"] for m in self.messages if m["to"] == to and m["body"] is not None]

    def fail_next(self, status: int = 500, code: int = 20500, times: int = 1) -> None:
        """Answer the next `times` requests (create or list) with this error, before any other check."""
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
        if button_payload is not None:
            form["ButtonPayload"] = button_payload
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
        return self._accept(form, content_variables)

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
        if not isinstance(variables, dict) or "ContentSid" not in form:
            raise TwilioError(400, 21656, "The ContentVariables Parameter is invalid.")
        return variables

    def _accept(self, form: dict[str, Any], content_variables: dict[str, Any] | None) -> dict[str, Any]:
        if self.latency:
            with self._lock:
                self._in_flight += 1
            try:
                time.sleep(self.latency)
            finally:
                with self._lock:
                    self._in_flight -= 1
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(self._clock().astimezone(timezone.utc))
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
