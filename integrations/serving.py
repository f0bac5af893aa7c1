"""Run a WSGI app on a loopback port in a background thread: the local fakes (Twilio, Zoom) and end-to-end
tests use it so clients talk real HTTP to them."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


@dataclass
class ServedApp:
    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_wsgi(app, host: str = "127.0.0.1", port: int = 0) -> ServedApp:
    """Start `app` on host:port (0 = any free port), threaded, and return its base URL (no trailing slash)."""
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), name=f"wsgi-{server.port}", daemon=True)
    thread.start()
    return ServedApp(url=f"http://{host}:{server.port}", server=server, thread=thread)


class Switchboard:
    """A WSGI app that forwards to whichever app is plugged in (503 when none is): one long-lived loopback server
    can serve a fresh fake per test, since stopping a server costs more than swapping what it serves."""

    def __init__(self) -> None:
        self.app: Callable[..., Iterable[bytes]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        app = self.app
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"nothing plugged in"]
        return app(environ, start_response)


@contextmanager
def switchboard_served() -> Iterator[tuple[str, Switchboard]]:
    """One loopback server around an empty Switchboard for as long as the block lasts: (its URL, the switchboard)."""
    switch = Switchboard()
    served = serve_wsgi(switch)
    try:
        yield served.url, switch
    finally:
        served.stop()
