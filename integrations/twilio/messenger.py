"""Outbound WhatsApp messages: the `Messenger` interface, the Twilio implementation (the only module that speaks to
Twilio's REST API: Messages, and the Content API for rich messages), a console implementation for the offline chat
CLI, and `split_body` for Twilio's 1600-char cap."""
from __future__ import annotations

import itertools
import json
import logging
import secrets
import sys
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TextIO
from urllib.parse import urlencode

import certifi
import urllib3
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

logger = logging.getLogger(__name__)

TWILIO_API_BASE_URL = "https://api.twilio.com"
CONTENT_API_BASE_URL = "https://content.twilio.com"
BODY_LIMIT = 1600


@dataclass(frozen=True)
class SendResult:
    """What Twilio said about one outbound message. `status` is Twilio's ("queued", "accepted", ...), or "failed"
    when Twilio refused the request (4xx), with Twilio's error code and message."""

    sid: str | None
    status: str
    error_code: int | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


class MessengerUnavailable(Exception):
    """Twilio could not be reached or answered 5xx/429: the caller should retry later. `maybe_sent`: the request
    went out and its answer was lost (read timeout, connection cut), so Twilio may have taken the message: ask
    (`find_sent`) before sending it again."""

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class ContentRefused(Exception):
    """Twilio's Content API refused a request (4xx): `code` and `message` are Twilio's, `status` the HTTP status."""

    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(f"Twilio refused the content (HTTP {status}, code {code}): {message}")
        self.status = status
        self.code = code
        self.message = message


class Messenger(Protocol):
    supports_content: bool  # True: rich messages through the Content API; False: the caller sends numbered text

    def send_text(self, to: str, body: str, *, status_callback: str | None = None,
                  media_url: str | None = None) -> SendResult: ...

    def send_template(
        self, to: str, content_sid: str, variables: dict[str, str], *, status_callback: str | None = None
    ) -> SendResult: ...

    def create_content(self, payload: dict[str, Any]) -> str:
        """Create a content (the Content API's create payload, integrations.twilio.content.definition) and return
        its sid (HX...). Raises ContentRefused (4xx) or MessengerUnavailable."""
        ...

    def delete_content(self, sid: str) -> bool:
        """Delete a content: True if deleted, False if Twilio has no such content. Raises ContentRefused (other
        4xx) or MessengerUnavailable."""
        ...

    def send_content(
        self, to: str, content_sid: str, variables: dict[str, str], *, status_callback: str | None = None
    ) -> SendResult:
        """Send a content with its ContentVariables (a refused message is a failed SendResult with Twilio's code,
        e.g. 21655 for a sid Twilio does not know, 63016 outside the 24-hour window). Raises MessengerUnavailable."""
        ...

    def find_sent(self, to: str, body: str, since: datetime, exclude: Collection[str] = ()) -> str | None:
        """The sid of a message to `to` created since `since` whose text is `body` and whose sid is not in
        `exclude` (messages we know), if Twilio took one: asked before sending again a message whose sender died
        mid-call. Raises MessengerUnavailable."""
        ...


def mask_address(address: str) -> str:
    """'whatsapp:+14155238886' -> 'whatsapp:***8886': safe to log."""
    channel, sep, number = address.rpartition(":")
    digits = [c for c in number if c.isdigit()]
    return f"{channel}{sep}***{''.join(digits[-4:])}"


def split_body(body: str, limit: int = BODY_LIMIT) -> list[str]:
    """Split `body` into parts of at most `limit` characters, at line boundaries where possible; a line longer than
    `limit` is split after a space, or hard when it has none. Newlines at split points are dropped, spaces are
    kept at the end of a part, and no part is empty (so "" gives [])."""
    if limit < 1:
        raise ValueError("limit must be positive")
    if len(body) <= limit:
        return [body] if body else []
    parts: list[str] = []
    current: str | None = None
    for line in body.split("\n"):
        if len(line) > limit:
            if current:
                parts.append(current)
            *full, current = _split_long_line(line, limit)
            parts.extend(full)
        elif current is None:
            current = line
        elif len(current) + 1 + len(line) <= limit:
            current = f"{current}\n{line}"
        else:
            if current:
                parts.append(current)
            current = line
    if current:
        parts.append(current)
    return parts


def _split_long_line(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    rest = line
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit)
        end = cut + 1 if cut > 0 else limit
        pieces.append(rest[:end])
        rest = rest[end:]
    if rest:
        pieces.append(rest)
    return pieces


class _Unreachable(Exception):
    """The request did not get an answer. `maybe_sent`: it went out (the answer was lost), so Twilio may have it."""

    def __init__(self, error: Exception, *, maybe_sent: bool) -> None:
        super().__init__(type(error).__name__)
        self.maybe_sent = maybe_sent


class _PooledHttpClient(HttpClient):
    """The Twilio client's HTTP transport: one urllib3 pool of keep-alive connections shared by the sender's threads
    (as many as `connections` kept open; TwilioHttpClient's pool keeps 6 for https, so 16 threads kept opening new
    TLS connections) and the least work per request: a call is one urlopen, no requests Session, environment or
    hooks (measured: about half the CPU of TwilioHttpClient per message). `base_url` replaces https://api.twilio.com
    (tests and benchmarks point it at the local fake) and, when it is not Twilio's own, https://content.twilio.com
    too (the fake serves both). A body is form-encoded, or JSON when the Content-Type says so (the Content API).
    Never retries by itself: a request that may have reached Twilio must be checked before it is sent again
    (bot/outbox.py)."""

    def __init__(self, base_url: str, timeout: float, connections: int = 32) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), False, timeout)
        self._base_url = base_url.rstrip("/")
        self._rewrites = [TWILIO_API_BASE_URL] + ([CONTENT_API_BASE_URL] if self._base_url != TWILIO_API_BASE_URL
                                                  else [])
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=connections, retries=False, ca_certs=certifi.where(),
                                         timeout=urllib3.Timeout(connect=timeout, read=timeout))
        self._authorization: dict[tuple[str, str], str] = {}

    def request(  # type: ignore[override]
        self, method: str, url: str, params: dict | None = None, data: dict | None = None,
        headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None, timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        for origin in self._rewrites:
            if url == origin or url.startswith(origin + "/"):
                url = self._base_url + url[len(origin):]
                break
        if params:
            url += "?" + urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
        headers = dict(headers or {})
        if auth is not None:
            header = self._authorization.get(auth)
            if header is None:
                header = self._authorization[auth] = urllib3.make_headers(basic_auth=":".join(auth))["authorization"]
            headers["Authorization"] = header
        if headers.get("Content-Type") == "application/json":
            body = json.dumps(data if data is not None else {}, ensure_ascii=False).encode("utf-8")
        else:
            body = urlencode(data, doseq=True) if data else None
        options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout)} if timeout else {}
        try:
            response = self._pool.urlopen(method, url, body=body, headers=headers, redirect=allow_redirects,
                                          **options)
        except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.LocationValueError) as exc:
            raise _Unreachable(exc, maybe_sent=False) from exc  # never connected (NewConnectionError is one)
        except urllib3.exceptions.HTTPError as exc:  # read timeout, connection cut: the request went out
            raise _Unreachable(exc, maybe_sent=True) from exc
        return TwilioResponse(response.status, response.data.decode("utf-8", "replace"), response.headers)


class TwilioMessenger:
    """Sends WhatsApp messages through Twilio's Messages resource with the official client, and manages rich
    messages' definitions through the Content API (JSON over the same pooled transport)."""

    supports_content = True

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base_url: str = TWILIO_API_BASE_URL,
        timeout: float = 10.0,
        connections: int = 32,
    ) -> None:
        self._from = from_number
        self._client = Client(account_sid, auth_token,
                              http_client=_PooledHttpClient(api_base_url, timeout, connections=connections))
        # The client reads TWILIO_EDGE / TWILIO_REGION from os.environ; our configuration is explicit.
        self._client.edge = None
        self._client.region = None

        self.timeout = timeout

    def __repr__(self) -> str:
        return f"TwilioMessenger(from={mask_address(self._from)})"

    def find_sent(self, to: str, body: str, since: datetime, exclude: Collection[str] = ()) -> str | None:
        # Newest first. Not filtered by DateSent: a message still queued at Twilio has none yet.
        try:
            recent = self._client.messages.list(to=to, from_=self._from, page_size=50, limit=50)
        except (TwilioException, _Unreachable) as exc:
            logger.warning("twilio lookup failed to=%s error=%s", mask_address(to), type(exc).__name__)
            raise MessengerUnavailable(f"Twilio lookup failed: {type(exc).__name__}") from exc
        for message in recent:
            created = message.date_created
            if message.sid not in exclude and (message.body or "") == body and (created is None or created >= since):
                return message.sid
        return None

    def send_text(self, to: str, body: str, *, status_callback: str | None = None,
                  media_url: str | None = None) -> SendResult:
        """Send `body`, split into several messages if longer than Twilio's cap (`media_url`, an image, goes with
        the last part, as its caption). Returns the last part's result, or the first refused part's (later parts
        are then not sent)."""
        parts = split_body(body) or [body]
        result = SendResult(sid=None, status="failed")
        for number, part in enumerate(parts, 1):
            media = {"media_url": [media_url]} if media_url and number == len(parts) else {}
            result = self._create(to, status_callback, body=part, **media)
            if not result.ok:
                break
        return result

    def send_template(
        self, to: str, content_sid: str, variables: dict[str, str], *, status_callback: str | None = None
    ) -> SendResult:
        return self._create(
            to, status_callback, content_sid=content_sid, content_variables=json.dumps(variables)
        )

    def send_content(
        self, to: str, content_sid: str, variables: dict[str, str], *, status_callback: str | None = None
    ) -> SendResult:
        return self._create(
            to, status_callback, content_sid=content_sid, content_variables=json.dumps(variables)
        )

    # --- the Content API ----------------------------------------------------------------------------------------

    def create_content(self, payload: dict[str, Any]) -> str:
        answer = self._content("POST", "/v1/Content", payload)
        sid = answer.get("sid") if isinstance(answer, dict) else None
        if not isinstance(sid, str) or not sid.startswith("HX"):
            raise MessengerUnavailable("Twilio's Content API answered without a sid")
        logger.info("twilio content created sid=%s name=%s", sid, answer.get("friendly_name"))
        return sid

    def get_content(self, sid: str) -> dict[str, Any] | None:
        """The content resource (sid, friendly_name, language, variables, types, ...), or None if Twilio has none."""
        try:
            return self._content("GET", f"/v1/Content/{sid}")
        except ContentRefused as exc:
            if exc.status == 404:
                return None
            raise

    def list_contents(self, page_size: int = 50) -> list[dict[str, Any]]:
        """Every content of the account, following Twilio's pages."""
        found: list[dict[str, Any]] = []
        url: str | None = f"{CONTENT_API_BASE_URL}/v1/Content?PageSize={page_size}"
        while url:
            page = self._content("GET", url)
            found.extend(page.get("contents", []))
            url = (page.get("meta") or {}).get("next_page_url")
        return found

    def delete_content(self, sid: str) -> bool:
        try:
            self._content("DELETE", f"/v1/Content/{sid}")
        except ContentRefused as exc:
            if exc.status == 404:
                return False
            raise
        logger.info("twilio content deleted sid=%s", sid)
        return True

    def _content(self, method: str, path_or_url: str, payload: dict[str, Any] | None = None) -> Any:
        """One Content API call (a path under https://content.twilio.com, or a page URL Twilio gave): its JSON."""
        url = path_or_url if path_or_url.startswith("http") else CONTENT_API_BASE_URL + path_or_url
        headers = {"Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self._client.request(method, url, data=payload, headers=headers)
        except _Unreachable as exc:
            logger.warning("twilio content %s unreachable error=%s maybe_sent=%s", method, exc, exc.maybe_sent)
            raise MessengerUnavailable(f"Twilio unreachable: {exc}", maybe_sent=exc.maybe_sent) from exc
        status = response.status_code
        try:
            answer = json.loads(response.text) if response.text else None
        except ValueError:
            answer = None
        if status < 400:
            return answer
        error = answer if isinstance(answer, dict) else {}
        code = error.get("code") if isinstance(error.get("code"), int) else None
        if status == 429 or status >= 500:
            logger.warning("twilio content %s unavailable http=%s code=%s", method, status, code)
            raise MessengerUnavailable(f"Twilio answered HTTP {status} (code {code})")
        logger.warning("twilio content %s refused http=%s code=%s", method, status, code)
        raise ContentRefused(status, code, str(error.get("message") or f"HTTP {status}"))

    def _create(self, to: str, status_callback: str | None, **fields: Any) -> SendResult:
        if status_callback is not None:
            fields["status_callback"] = status_callback
        try:
            message = self._client.messages.create(to=to, from_=self._from, **fields)
        except (TwilioRestException, TwilioServiceException) as exc:
            status = int(exc.status)
            if status == 429 or status >= 500:
                logger.warning("twilio unavailable to=%s http=%s code=%s", mask_address(to), status, exc.code)
                raise MessengerUnavailable(f"Twilio answered HTTP {status} (code {exc.code})") from exc
            message_text = _error_message(exc)
            logger.warning("twilio refused to=%s http=%s code=%s", mask_address(to), status, exc.code)
            return SendResult(sid=None, status="failed", error_code=exc.code, error_message=message_text)
        except _Unreachable as exc:
            # Never connected: not sent. Otherwise the request may have reached Twilio and only the answer was lost.
            logger.warning("twilio unreachable to=%s error=%s maybe_sent=%s", mask_address(to), exc, exc.maybe_sent)
            raise MessengerUnavailable(f"Twilio unreachable: {exc}", maybe_sent=exc.maybe_sent) from exc
        logger.info("twilio sent to=%s sid=%s status=%s", mask_address(to), message.sid, message.status)
        return SendResult(sid=message.sid, status=str(message.status))


def _error_message(exc: TwilioRestException | TwilioServiceException) -> str:
    if isinstance(exc, TwilioServiceException):
        return exc.detail or exc.title
    prefix = "Unable to create record: "
    return exc.msg[len(prefix):] if exc.msg.startswith(prefix) else exc.msg


class ConsoleMessenger:
    """Prints outbound messages as "bot -> <to>: <body>" (offline chat CLI, development) and remembers them. It has
    no Content API (`supports_content` is False): rich messages go to it as numbered text."""

    supports_content = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._counter = itertools.count(1)
        self.sent: list[tuple[str, str]] = []

    def send_text(self, to: str, body: str, *, status_callback: str | None = None,
                  media_url: str | None = None) -> SendResult:
        return self._emit(to, f"{body}\n[image: {media_url}]" if media_url else body)

    def send_template(
        self, to: str, content_sid: str, variables: dict[str, str], *, status_callback: str | None = None
    ) -> SendResult:
        return self._emit(to, f"[template {content_sid}] {json.dumps(variables, sort_keys=True)}")

    def create_content(self, payload: dict[str, Any]) -> str:
        raise ContentRefused(501, None, "the console has no Content API (supports_content is False)")

    def delete_content(self, sid: str) -> bool:
        return False

    def send_content(
        self, to: str, content_sid: str, variables: dict[str, str], *, status_callback: str | None = None
    ) -> SendResult:
        return SendResult(sid=None, status="failed", error_code=21655,
                          error_message="the console has no Content API (supports_content is False)")

    def find_sent(self, to: str, body: str, since: datetime, exclude: Collection[str] = ()) -> str | None:
        return None  # the console forgets nothing it printed, and prints each message once

    def _emit(self, to: str, body: str) -> SendResult:
        stream = self._stream if self._stream is not None else sys.stdout
        stream.write(f"bot -> {to}: {body}\n")
        stream.flush()
        self.sent.append((to, body))
        return SendResult(sid=f"SMlocal{next(self._counter):05d}{secrets.token_hex(11)}", status="sent")
