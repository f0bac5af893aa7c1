"""Twilio's X-Twilio-Signature for webhook requests, computed and checked exactly as Twilio's own library does: the
fake signs status callbacks and inbound messages with it, the webhook checks it.

`is_valid` accepts what `twilio.request_validator.RequestValidator.validate` accepts (HMAC-SHA1 of the URL, with or
without its default port, followed by each parameter's name and value in name order; constant-time comparison),
but computes one HMAC where the URL is signed as given, not two, and reads the URL's port variants once per URL
(tests/integrations/test_twilio_signing.py compares both on many URLs and forms)."""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlparse

from twilio.request_validator import RequestValidator, add_port, remove_port

SIGNATURE_HEADER = "X-Twilio-Signature"


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio sends for a form POST of `params` to `url`."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


@functools.lru_cache(maxsize=256)
def _urls_to_try(url: str) -> tuple[str, ...]:
    """The URL as Twilio may have signed it: without its port, or with the scheme's default port added (Twilio's
    validator accepts either), each once, the one that is the URL as configured first (Twilio signs the webhook URL
    as it was set, so the first HMAC matches). Cached: a webhook's URL is one of a handful."""
    parsed = urlparse(url)
    variants = tuple(dict.fromkeys((remove_port(parsed), add_port(parsed))))
    return tuple(sorted(variants, key=lambda variant: variant != url))


def _signature(key: bytes, url: str, params: Mapping[str, str]) -> bytes:
    payload = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(key, payload.encode("utf-8"), hashlib.sha1).digest())


def is_valid(auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """True when `signature` is what Twilio would send for this POST of `params` (one value per name) to `url`."""
    try:
        given = signature.encode("ascii")
    except UnicodeEncodeError:
        return False  # never a base64 signature
    key = auth_token.encode("utf-8")
    return any(hmac.compare_digest(_signature(key, candidate, params), given) for candidate in _urls_to_try(url))
