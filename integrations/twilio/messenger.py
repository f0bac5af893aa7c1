"""Outbound WhatsApp messages: the `Messenger` interface, the Twilio implementation (the only module that speaks to
Twilio's REST API), a console implementation for the offline chat CLI, and `split_body` for Twilio's 1600-char cap."""
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


class Messenger(Protocol):
    def send_text(self, to: str, body: str, *, status_callback: str | None = None,
                  media_url: str | None = None) -> SendResult: ...

    def send_template(
        self, to: str, content_sid: str, variables: dict[str, str], *, status_callback: str | None = None
    ) -> SendResult: ...

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
    (tests and benchmarks point it at the local fake). Never retries by itself: a request that may have reached
    Twilio must be checked before it is sent again (bot/outbox.py)."""

    def __init__(self, base_url: str, timeout: float, connections: int = 32) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), False, timeout)
        self._base_url = base_url.rstrip("/")
        self._pool = urllib3.PoolManager(num_pools=4, maxsize=connections, retries=False, ca_certs=certifi.where(),
                                         timeout=urllib3.Timeout(connect=timeout, read=timeout))
        self._authorization: dict[tuple[str, str], str] = {}

    def request(  # type: ignore[override]
        self, method: str, url: str, params: dict | None = None, data: dict | None = None,
        headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None, timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if url.startswith(TWILIO_API_BASE_URL):
            url = self._base_url + url[len(TWILIO_API_BASE_URL):]
        if params:
            url += "?" + urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)
        headers = dict(headers or {})
        if auth is not None:
            header = self._authorization.get(auth)
            if header is None:
                header = self._authorization[auth] = urllib3.make_headers(basic_auth=":".join(auth))["authorization"]
            headers["Authorization"] = header
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
    """Sends WhatsApp messages through Twilio's Messages resource with the official client."""

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
    """Prints outbound messages as "bot -> <to>: <body>" (offline chat CLI, development) and remembers them."""

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

    def find_sent(self, to: str, body: str, since: datetime, exclude: Collection[str] = ()) -> str | None:
        return None  # the console forgets nothing it printed, and prints each message once

    def _emit(self, to: str, body: str) -> SendResult:
        stream = self._stream if self._stream is not None else sys.stdout
        stream.write(f"bot -> {to}: {body}\n")
        stream.flush()
        self.sent.append((to, body))
        return SendResult(sid=f"SMlocal{next(self._counter):05d}{secrets.token_hex(11)}", status="sent")
