"""The strict fake Twilio as a process of its own for the load benchmark: `python -m bench.twilio_server PORT
LATENCY OUT.json`. Each create call takes LATENCY seconds (a real call from far away); on SIGTERM it writes what it
accepted (to, body, accepted_at) to OUT.json.

It stands for a service on other machines, yet shares this machine's two cores with the bot, so it is served the
way a service is (gunicorn, one process: the fake's state lives there; a thread per call the sender may have in
flight, HTTP/1.1 keep-alive as Twilio's API keeps the sender's connections open) rather than by werkzeug's
development server, which cost ~1.4 ms of CPU per message, about what the bot's webhook itself costs."""
from __future__ import annotations

import json
import sys

from gunicorn.app.base import BaseApplication

from bench.common import ACCOUNT_SID, AUTH_TOKEN, SENDER
from integrations.twilio.fake import FakeTwilio


class FakeTwilioServer(BaseApplication):
    def __init__(self, fake: FakeTwilio, port: int, out: str) -> None:
        self.fake, self.port, self.out = fake, port, out
        super().__init__()

    def load_config(self) -> None:
        fake, out = self.fake, self.out

        def dump(_worker) -> None:  # the worker, on SIGTERM (gunicorn stops it first): what it accepted
            with open(out, "w", encoding="utf-8") as fh:
                json.dump(fake.accepted(), fh)

        for name, value in {"bind": f"127.0.0.1:{self.port}", "workers": 1, "worker_class": "gthread",
                            "threads": 64, "keepalive": 75, "timeout": 120, "graceful_timeout": 10,
                            "accesslog": None, "loglevel": "warning", "control_socket_disable": True,
                            "worker_exit": lambda _server, worker: dump(worker)}.items():
            self.cfg.set(name, value)

    def load(self):
        return self.fake.app


def main() -> None:
    port, latency, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    fake = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, senders=(SENDER,), latency=latency)
    fake.everyone_wrote = True  # the load generator's messages reach the bot without passing through the fake
    FakeTwilioServer(fake, port, out).run()


if __name__ == "__main__":
    main()
