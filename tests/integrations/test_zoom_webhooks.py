"""Zoom webhook helpers: x-zm-signature computation, verification (forged, tampered, stale, garbage), and the
endpoint.url_validation answer."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from integrations.zoom.webhooks import (
    url_validation_response,
    verify_zoom_webhook,
    zoom_webhook_signature,
)

SECRET = "zoom-webhook-secret-token"
BODY = b'{"event":"app_deauthorized","payload":{"user_id":"u1"}}'
SENT = datetime(2025, 4, 1, 12, 0, tzinfo=timezone.utc)
TS = str(int(SENT.timestamp()))


def test_signature_is_v0_hmac_sha256_of_timestamp_and_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), f"v0:{TS}:".encode() + BODY, hashlib.sha256).hexdigest()
    assert zoom_webhook_signature(SECRET, TS, BODY) == "v0=" + expected
    assert zoom_webhook_signature(SECRET, TS, BODY + b" ") != "v0=" + expected


def test_good_signature_verifies_within_five_minutes_either_way() -> None:
    sig = zoom_webhook_signature(SECRET, TS, BODY)
    for skew in (0, 299, 300, -300):
        assert verify_zoom_webhook(SECRET, TS, BODY, sig, now=SENT + timedelta(seconds=skew))


@pytest.mark.parametrize("skew", [301, -301, 3600])
def test_old_or_future_timestamp_fails(skew: int) -> None:
    sig = zoom_webhook_signature(SECRET, TS, BODY)
    assert not verify_zoom_webhook(SECRET, TS, BODY, sig, now=SENT + timedelta(seconds=skew))


def test_max_age_is_configurable() -> None:
    sig = zoom_webhook_signature(SECRET, TS, BODY)
    assert not verify_zoom_webhook(SECRET, TS, BODY, sig, now=SENT + timedelta(seconds=61), max_age=60)


@pytest.mark.parametrize(
    "secret, body, signature",
    [
        ("other-secret", BODY, None),  # signed with the wrong secret
        (SECRET, BODY + b"x", None),  # body tampered after signing
        (SECRET, BODY, ""),
        (SECRET, BODY, "v0=" + "0" * 64),
        (SECRET, BODY, "garbage"),
    ],
)
def test_forged_signatures_fail(secret: str, body: bytes, signature: str | None) -> None:
    sig = zoom_webhook_signature(secret, TS, BODY) if signature is None else signature
    assert not verify_zoom_webhook(SECRET, TS, body, sig, now=SENT)


def test_timestamp_is_part_of_the_signature() -> None:
    other_ts = str(int(SENT.timestamp()) + 10)
    sig = zoom_webhook_signature(SECRET, TS, BODY)
    assert not verify_zoom_webhook(SECRET, other_ts, BODY, sig, now=SENT)


@pytest.mark.parametrize("timestamp", ["", "soon", "12.5", "1e9", "None"])
def test_garbage_timestamp_fails(timestamp: str) -> None:
    sig = zoom_webhook_signature(SECRET, timestamp, BODY)
    assert not verify_zoom_webhook(SECRET, timestamp, BODY, sig, now=SENT)


def test_url_validation_response() -> None:
    answer = url_validation_response(SECRET, "qgg8vlvZRS6UYooatFL8Aw")
    assert answer == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest(),
    }
