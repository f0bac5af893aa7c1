"""The strict fake Twilio as a process of its own for the load benchmark: `python -m bench.twilio_server PORT
LATENCY OUT.json`. Each create call takes LATENCY seconds (a real call from far away); on SIGTERM it writes what it
accepted (to, body, accepted_at) to OUT.json."""
from __future__ import annotations

import json
import signal
import sys
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from bench.common import ACCOUNT_SID, AUTH_TOKEN, SENDER
from integrations.twilio.fake import FakeTwilio


def main() -> None:
    port, latency, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    fake = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, senders=(SENDER,), latency=latency)
    fake.everyone_wrote = True  # the load generator's messages reach the bot without passing through the fake
    # HTTP/1.1 keep-alive, as Twilio's API keeps the sender's connections open (werkzeug's default, HTTP/1.0,
    # would make every call a new TCP connection, on both sides).
    handler = type("KeepAliveHandler", (WSGIRequestHandler,), {"protocol_version": "HTTP/1.1"})
    server = make_server("127.0.0.1", port, fake.app, threaded=True, request_handler=handler)
    server.daemon_threads = True

    def stop(*_args) -> None:
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    server.serve_forever(poll_interval=0.05)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(fake.accepted(), fh)


if __name__ == "__main__":
    main()
