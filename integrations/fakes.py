"""What the strict local fakes of OAuth platforms (integrations/zoom/fake.py, integrations/google_meet/fake.py)
share: JSON and HTML answers, the consent page a browser (or tests/fixtures/consent_page.py) clicks through and
its answer, and the per-operation queues of injected failures and delays."""
from __future__ import annotations

import html
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any, Callable, Generic, TypeVar
from urllib.parse import urlencode

from flask import Response

F = TypeVar("F")
A = TypeVar("A")


def json_response(payload: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json", headers=headers or {})


def html_page(title: str, status: int, body: str) -> Response:
    return Response(f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>{body}</body></html>",
                    status=status, mimetype="text/html")


def consent_form(action: str, params: dict[str, str], accounts: Iterable[tuple[str, str]], heading: str) -> str:
    """The consent page's body: the authorize parameters as hidden fields, an account picker, Allow and Deny."""
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v, quote=True)}">' for k, v in params.items()
    )
    options = "".join(f'<option value="{html.escape(value)}">{html.escape(label)}</option>'
                      for value, label in accounts)
    return (f"{heading}<form method=\"post\" action=\"{html.escape(action)}\">{hidden}"
            f'<label>Account <select name="user_id">{options}</select></label>'
            '<button type="submit" name="decision" value="allow">Allow</button>'
            '<button type="submit" name="decision" value="deny">Deny</button></form>')


def redirect_back(redirect_uri: str, query: dict[str, str]) -> Response:
    """The 302 that takes the browser back to the app with `query` added to its redirect URI."""
    sep = "&" if "?" in redirect_uri else "?"
    return Response(status=302, headers={"Location": redirect_uri + sep + urlencode(query)})


class Injections(Generic[F]):
    """Failures (of the fake's own type F) and delays queued per operation by a test, taken one per call."""

    def __init__(self, operations: frozenset[str]) -> None:
        self.operations = operations
        self._lock = threading.Lock()
        self._failures: dict[str, deque[F]] = defaultdict(deque)
        self._delays: dict[str, deque[float]] = defaultdict(deque)

    def check(self, operation: str) -> None:
        if operation not in self.operations:
            raise ValueError(f"unknown operation {operation!r}; one of {sorted(self.operations)}")

    def fail(self, operation: str, failure: F, times: int = 1) -> None:
        self.check(operation)
        with self._lock:
            self._failures[operation].extend([failure] * times)

    def delay(self, operation: str, seconds: float) -> None:
        """The next call of `operation` still happens, but its answer is sent `seconds` late."""
        self.check(operation)
        with self._lock:
            self._delays[operation].append(seconds)

    def run(self, operation: str, handler: Callable[[], Response], render: Callable[[F], Response]) -> Response:
        """The queued failure (rendered) or the handler's answer, sent late if a delay is queued."""
        with self._lock:
            delays, failures = self._delays[operation], self._failures[operation]
            delay = delays.popleft() if delays else 0.0
            failure = failures.popleft() if failures else None
        response = render(failure) if failure is not None else handler()
        if delay:
            time.sleep(delay)
        return response


def consent_decision(form: Any, params: dict[str, str], accounts: dict[str, A],
                     page: Callable[[int, str], Response]) -> A | Response:
    """The account that pressed Allow; else the answer to send: Deny redirects back with access_denied, anything
    else is a 400 page."""
    decision = form.get("decision")
    if decision == "deny":
        return redirect_back(params["redirect_uri"], {"error": "access_denied", "state": params["state"]})
    if decision != "allow":
        return page(400, "<h1>Invalid request</h1><p>choose Allow or Deny</p>")
    account = accounts.get(form.get("user_id", ""))
    if account is None:
        return page(400, "<h1>Invalid request</h1><p>unknown account</p>")
    return account
