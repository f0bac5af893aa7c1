"""Zoom webhook helpers: the `x-zm-signature` scheme, its verification, the endpoint.url_validation answer, and
`parse`, which turns a signed request into a neutral event (AccountRemoved for app_deauthorized). Pure functions;
the HTTP endpoint that uses them lives with the web layer and never sees a Zoom event name."""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timezone

from integrations.video import AccountRemoved, WebhookAnswer, WebhookRefused


def _hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def zoom_webhook_signature(secret: str, timestamp: str, raw_body: bytes) -> str:
    """"v0=" + hex HMAC-SHA256(secret, "v0:{timestamp}:{raw body}")."""
    return "v0=" + _hmac_hex(secret, b"v0:" + timestamp.encode("utf-8") + b":" + raw_body)


def verify_zoom_webhook(
    secret: str,
    timestamp: str,
    raw_body: bytes,
    signature: str,
    now: datetime,
    max_age: int = 300,
) -> bool:
    """True when `signature` matches and `timestamp` (epoch seconds) is within `max_age` seconds of `now`."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    if abs(now.timestamp() - sent_at) > max_age:
        return False
    expected = zoom_webhook_signature(secret, timestamp, raw_body)
    return hmac.compare_digest(expected.encode("utf-8"), (signature or "").encode("utf-8"))


def url_validation_response(secret: str, plain_token: str) -> dict[str, str]:
    """The JSON answer to an endpoint.url_validation event."""
    return {"plainToken": plain_token, "encryptedToken": _hmac_hex(secret, plain_token.encode("utf-8"))}


def parse(secret: str, headers: Mapping[str, str], raw_body: bytes,
          now: datetime) -> AccountRemoved | WebhookAnswer | str:
    """A Zoom webhook request as a neutral event: AccountRemoved (app_deauthorized), WebhookAnswer (the
    endpoint.url_validation challenge), or the name of an event we ignore. Raises WebhookRefused."""
    timestamp = headers.get("x-zm-request-timestamp", "")
    signature = headers.get("x-zm-signature", "")
    if not secret or not verify_zoom_webhook(secret, timestamp, raw_body, signature, now=now):
        raise WebhookRefused("invalid signature", 401)
    try:
        event = json.loads(raw_body)
        name, payload = event["event"], event.get("payload") or {}
        if not isinstance(name, str) or not isinstance(payload, dict):
            raise TypeError("event must be a string and payload an object")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise WebhookRefused("malformed event", 400) from None
    if name == "endpoint.url_validation":
        plain = payload.get("plainToken")
        if not isinstance(plain, str) or not plain:
            raise WebhookRefused("plainToken missing", 400)
        return WebhookAnswer(url_validation_response(secret, plain))
    if name == "app_deauthorized":
        user_id = str(payload.get("user_id") or "")
        if not user_id:
            raise WebhookRefused("user_id missing", 400)
        return AccountRemoved(user_id, str(payload.get("account_id") or "") or None)
    return name
