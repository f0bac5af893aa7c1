"""Twilio's X-Twilio-Signature for webhook requests, computed and checked exactly as Twilio's own library does: the
fake signs status callbacks and inbound messages with it, the webhook checks it."""
from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio sends for a form POST of `params` to `url`."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


def is_valid(auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """True when `signature` is what Twilio would send for this POST (constant-time comparison)."""
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))
