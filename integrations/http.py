"""What the platform clients (integrations/zoom, integrations/google_meet) share about HTTP: one request with
every transport failure turned into ProviderUnavailable, logged by path only (never a query string, a token or
an address), an answer's JSON, and a Retry-After in seconds."""
from __future__ import annotations

import logging
import math
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from integrations.video import ProviderUnavailable

log = logging.getLogger(__name__)


def send(session: requests.Session, platform: str, method: str, url: str, *, timeout: float,
         **kwargs: Any) -> requests.Response:
    """One request to `platform` (its name as users read it, e.g. "Zoom"), never following redirects."""
    label, path = platform.lower(), path_of(url)
    try:
        response = session.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.Timeout:
        log.warning("%s %s %s timed out", label, method, path)
        raise ProviderUnavailable(f"{platform} did not answer in time") from None
    except requests.ConnectionError:
        log.warning("%s %s %s connection failed", label, method, path)
        raise ProviderUnavailable(f"could not connect to {platform}") from None
    except requests.RequestException as exc:  # a broken answer (truncated body, bad chunking...): retry later
        log.warning("%s %s %s failed: %s", label, method, path, type(exc).__name__)
        raise ProviderUnavailable(f"{platform}'s answer could not be read") from None
    log.info("%s %s %s -> %s", label, method, path, response.status_code)
    return response


def json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def retry_after_seconds(response: requests.Response, now: datetime) -> float | None:
    """Retry-After in seconds from now: a number of seconds, an HTTP date or an ISO 8601 time (Zoom's daily
    limits); a time in the past is 0. None when absent or unreadable."""
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def path_of(url: str) -> str:
    return url.split("?", 1)[0]
