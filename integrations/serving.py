"""Run a WSGI app on a loopback port in a background thread: the local fakes (Twilio, Zoom) and end-to-end
tests use it so clients talk real HTTP to them."""
from __future__ import annotations

import threading
from dataclasses import dataclass

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
