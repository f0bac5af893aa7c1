"""The cost of one inbound WhatsApp webhook in-process (signed POST → ConversationHandler.handle → commit), with
no sender: milliseconds and SQL statements per message, for returning contacts and for first contacts, on SQLite
and, when TEST_DATABASE_URL is set, on PostgreSQL too (in a database of its own, dropped afterwards).

Usage: python -m bench.hotpath [--messages 800] [--repeat 5] [--profile] [--only sqlite|postgresql]"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
import uuid
from pathlib import Path

from flask.testing import FlaskClient

from bench.common import KEY, PATH, SCRIPT, postgres_database
from bench.cpu import StatementCounter
from bot.bootstrap import build_services, create_app
from bot.core.config import Config
from integrations.twilio.messenger import ConsoleMessenger
from integrations.twilio.signing import sign
from store import migrate

BASE = "https://bot.bench.test"
TOKEN = "bench-twilio-token"
SENDER = "whatsapp:+14155238886"


def _client(database_url: str) -> tuple[FlaskClient, StatementCounter]:
    config = Config(env="test", database_url=database_url, public_base_url=BASE, twilio_auth_token=TOKEN,
                    token_encryption_keys=(KEY,), task_queue_url="immediate")
    services = build_services(config)
    services.messenger = ConsoleMessenger(stream=open(os.devnull, "w"))
    migrate.upgrade(services.engine)
    services.inline_delivery = False
    return create_app(services=services).test_client(), StatementCounter(services.engine)


def _post(client: FlaskClient, phone: str, body: str) -> None:
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": f"whatsapp:{phone}", "To": SENDER, "Body": body}
    response = client.post(PATH, data=form, base_url=BASE,
                           headers={"X-Twilio-Signature": sign(TOKEN, BASE + PATH, form)})
    assert response.status_code == 200, response.status_code


def _measure(client: FlaskClient, counter: StatementCounter, messages: list[tuple[str, str]],
             profile: cProfile.Profile | None) -> tuple[float, float]:
    before, started = counter.count, time.process_time()
    if profile is not None:
        profile.enable()
    for phone, body in messages:
        _post(client, phone, body)
    if profile is not None:
        profile.disable()
    elapsed = time.process_time() - started
    return elapsed * 1000 / len(messages), (counter.count - before) / len(messages)


def bench(label: str, database_url: str, n: int, repeat: int, profile: bool) -> None:
    """The best of `repeat` rounds (the machine is shared: the least disturbed round is the figure)."""
    client, counter = _client(database_url)
    warm = [(f"+44770090{i:04d}", body) for i in range(20) for body in SCRIPT[:2]]
    _measure(client, counter, warm, None)
    phones = [f"+44770091{i:04d}" for i in range(50)]
    _measure(client, counter, [(p, "hi") for p in phones], None)
    rounds: dict[str, list[tuple[float, float]]] = {"returning": [], "first contact": []}
    prof = cProfile.Profile() if profile else None
    for _ in range(repeat):
        returning = [(phones[i % len(phones)], SCRIPT[i % len(SCRIPT)]) for i in range(n)]
        first = [(f"+4477{uuid.uuid4().int % 10**7:07d}", "hi") for _ in range(n // 4)]
        rounds["returning"].append(_measure(client, counter, returning, prof))
        rounds["first contact"].append(_measure(client, counter, first, None))
    for kind, figures in rounds.items():
        ms, statements = min(figures)
        print(f"{label:10} {kind:14} {ms:6.2f} ms/message (CPU, best of {repeat})  {statements:5.2f} statements/message")
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
    client.application.extensions["services"].engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=800)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile the returning contacts' messages")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            bench("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.messages, args.repeat, args.profile)
    pg = os.environ.get("TEST_DATABASE_URL", "")
    if pg and args.only != "sqlite":
        with postgres_database(pg) as url:
            bench("postgresql", url, args.messages, args.repeat, args.profile)


if __name__ == "__main__":
    main()
