"""Zoom webhook helpers: the `x-zm-signature` scheme, its verification, and the endpoint.url_validation answer.
Pure functions; the HTTP endpoint that uses them lives with the web layer."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone


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
