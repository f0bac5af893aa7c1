"""CPU time per inbound WhatsApp webhook (issue 7), the figure that bounds a web process's throughput and that a
shared machine does not blur as much as requests per second.

- `inprocess` (default): signed webhooks prepared beforehand (signatures, form bodies and WSGI environs are not
  counted) are handed to the bot's WSGI app in this process, one after the other, and `time.process_time()`
  measures what they cost: Flask and werkzeug, the signature check, the handler, the state machine, SQL. No
  sender runs. `--profile` adds a cProfile of the returning contacts' messages (`--profile-top N` lines).
- `gunicorn`: the bot as `bench.load` runs it (`gunicorn -c gunicorn.conf.py wsgi:app`, 2 processes, no worker)
  and beside it the bare endpoint of `bench/bare.py`; prepared webhooks are posted over keep-alive connections by
  `--clients` threads, and the CPU of gunicorn's processes (from /proc) is divided by the requests served.

Messages: returning contacts walk `bench.common.SCRIPT` (50 numbers, every message handled on a known
conversation), first contacts say "hi" from numbers never seen; `mixed` is what `bench.load`'s wrk run posts
(2,000 numbers: the first 2,000 messages are first contacts). Best of `--repeat` rounds (the least disturbed).
On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set (a database of its own, dropped afterwards).

Usage: python -m bench.cpu [inprocess|gunicorn] [--messages 400] [--repeat 5] [--profile] [--only sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

from bench.common import ACCOUNT_SID, AUTH_TOKEN, KEY, PATH, SCRIPT, SENDER, postgres_database, signed_form
from bench.load import ROOT, BIN, Stack, cpu_seconds, free_port, postgres_cpu_seconds, wait_port
from bot.bootstrap import build_services, create_app
from bot.core.config import Config
from store import migrate
from store.db import make_engine

try:
    from store.db import Prepared
except ImportError:  # a commit from before it (the benchmark also measures those)
    Prepared = None

BASE = "https://bot.bench.test"
Message = tuple[str, str]  # (phone, body)


def returning(phones: list[str], n: int) -> list[Message]:
    return [(phones[i % len(phones)], SCRIPT[(i // len(phones)) % len(SCRIPT)]) for i in range(n)]


def first_contacts(n: int) -> list[Message]:
    return [(f"+4478{uuid.uuid4().int % 10**7:07d}", "hi") for _ in range(n)]


def mixed(n: int, phones: int = 2000) -> list[Message]:
    tag = uuid.uuid4().int % 100
    return [(f"+4479{tag:02d}{i % phones:05d}", SCRIPT[(i // phones) % len(SCRIPT)]) for i in range(n)]


class StatementCounter:
    """Statements sent to the database: those SQLAlchemy executes (its event), those store.db.Prepared runs on the
    DB-API cursor itself (counted by wrapping it in this process) and SQLite's BEGIN (one per transaction, also run
    on the DB-API connection); PostgreSQL's BEGIN is implicit (psycopg sends it with the first statement), COMMIT
    is not counted, as in bench/hotpath.py."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)
        if Prepared is None:
            return  # SQLite's BEGIN was then an executed statement too
        if engine.dialect.name == "sqlite":
            event.listen(engine, "begin", self._seen)
        run = Prepared._run

        def counted(prepared: Prepared, *args: object, **kwargs: object) -> object:
            self.count += 1
            return run(prepared, *args, **kwargs)
        Prepared._run = counted  # type: ignore[method-assign]

    def _seen(self, *_args: object) -> None:
        self.count += 1


class DatabaseServerCPU:
    """PostgreSQL's CPU for this process's connections: the backends serving them run on this machine (their
    /proc entries), found once the pool holds them."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.pids = engine, []

    def seconds(self) -> float:
        if self.engine.dialect.name != "postgresql":
            return 0.0
        if not self.pids:  # asked on a connection of its own: the pool's are the ones measured
            probe = create_engine(self.engine.url, poolclass=NullPool)
            with probe.connect() as conn:
                self.pids = list(conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = "
                                                   "current_database() AND pid <> pg_backend_pid()")))
            probe.dispose()
        return sum(cpu_seconds(pid) for pid in self.pids)


def _environ(base_url: str, phone: str, body: str) -> dict:
    form, signature = signed_form(base_url, phone, body)
    data = urlencode(form).encode()
    host = base_url.split("://", 1)[1]
    return {"REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": PATH, "QUERY_STRING": "",
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(data)),
            "SERVER_NAME": host, "SERVER_PORT": "443", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": host,
            "HTTP_X_TWILIO_SIGNATURE": signature, "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(data), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}


def inprocess(label: str, database_url: str, args: argparse.Namespace) -> None:
    config = Config(env="test", database_url=database_url, public_base_url=BASE, twilio_account_sid=ACCOUNT_SID,
                    twilio_auth_token=AUTH_TOKEN, twilio_whatsapp_from=SENDER, token_encryption_keys=(KEY,),
                    task_queue_url="immediate", log_level="WARNING",
                    twilio_rich_messages=os.environ.get("TWILIO_RICH_MESSAGES", "on") != "off")
    services = build_services(config)
    migrate.upgrade(services.engine)
    services.inline_delivery = False  # no sender: the web process's own work only
    app = create_app(services=services)
    counter = StatementCounter(services.engine)
    statuses: list[str] = []

    def start_response(status: str, _headers: list, _exc_info=None) -> Callable[[bytes], None]:
        statuses.append(status)
        return lambda _data: None

    server = DatabaseServerCPU(services.engine)

    def measure(messages: list[Message], profile: cProfile.Profile | None = None) -> tuple[float, float, float]:
        environs = [_environ(BASE, phone, body) for phone, body in messages]
        statuses.clear()
        before, server_before, started = counter.count, server.seconds(), time.process_time()
        if profile is not None:
            profile.enable()
        for environ in environs:
            for _chunk in app(environ, start_response):
                pass
        if profile is not None:
            profile.disable()
        elapsed = time.process_time() - started
        assert all(s.startswith("200") for s in statuses), set(statuses)
        n = len(messages)
        return elapsed * 1000 / n, (counter.count - before) / n, (server.seconds() - server_before) * 1000 / n

    phones = [f"+44770091{i:04d}" for i in range(50)]
    measure([(f"+44770090{i:04d}", body) for i in range(20) for body in SCRIPT[:2]])  # warm-up
    measure([(p, "hi") for p in phones])
    prof = cProfile.Profile() if args.profile else None
    rounds: dict[str, list[tuple[float, float]]] = {"returning": [], "first contact": [], "mixed": []}
    for _ in range(args.repeat):
        rounds["returning"].append(measure(returning(phones, args.messages), prof))
        rounds["first contact"].append(measure(first_contacts(args.messages // 4)))
        rounds["mixed"].append(measure(mixed(args.messages, phones=args.messages // 2)))
    for kind, figures in rounds.items():
        ms, statements, server_ms = min(figures)
        print(f"{label:10} in-process {kind:14} {ms:6.3f} ms CPU/webhook (best of {args.repeat}; median "
              f"{sorted(f[0] for f in figures)[len(figures) // 2]:.3f})  {statements:5.2f} statements/webhook"
              + (f"  PostgreSQL's backend {server_ms:.3f} ms" if server.pids else ""), flush=True)
    if prof is not None:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("cumulative").print_stats(args.profile_top)
        stats.sort_stats("tottime").print_stats(args.profile_top)
        print(out.getvalue())
    services.engine.dispose()


def _post_all(port: int, bodies: list[tuple[bytes, str]], clients: int) -> int:
    """Post every prepared webhook, `clients` keep-alive connections at once; how many got 200."""
    ok = [0] * clients

    def client(k: int) -> None:
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        for body, signature in bodies[k::clients]:
            conn.request("POST", PATH, body=body, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                          "X-Twilio-Signature": signature})
            response = conn.getresponse()
            response.read()
            ok[k] += response.status == 200
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(ok)


def gunicorn(label: str, database_url: str, args: argparse.Namespace) -> None:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bot_port, bare_port = free_port(), free_port()
        base = f"http://127.0.0.1:{bot_port}"
        env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": database_url, "PUBLIC_BASE_URL": base,
               "TOKEN_ENCRYPTION_KEY": KEY, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
               "TWILIO_WHATSAPP_FROM": SENDER, "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
               "TASK_QUEUE_URL": f"sqlite:///{workdir / 'tasks.db'}", "ZOOM_SANDBOX": "0", "LOG_LEVEL": "WARNING",
               "PYTHONPATH": str(ROOT)}
        stack = Stack(workdir)
        try:
            bot = stack.start("bot", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                              {**env, "PORT": str(bot_port)})
            bare = stack.start("bare", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bench.bare:app"],
                               {**env, "PORT": str(bare_port)})
            wait_port(bot_port)
            wait_port(bare_port)

            def prepared(messages: list[Message]) -> list[tuple[bytes, str]]:
                out = []
                for phone, body in messages:
                    form, signature = signed_form(base, phone, body)
                    out.append((urlencode(form).encode(), signature))
                return out

            server: dict[str, list[float]] = {}

            def measure(pid: int, port: int, messages: list[Message], kind: str = "") -> float:
                bodies = prepared(messages)
                before, server_before = cpu_seconds(pid), postgres_cpu_seconds()
                served = _post_all(port, bodies, args.clients)
                assert served == len(bodies), (served, len(bodies))
                server.setdefault(kind, []).append((postgres_cpu_seconds() - server_before) * 1000 / served)
                return (cpu_seconds(pid) - before) * 1000 / served

            phones = [f"+44770091{i:04d}" for i in range(50)]
            measure(bot.pid, bot_port, [(f"+44770090{i:04d}", b) for i in range(20) for b in SCRIPT[:2]])
            measure(bot.pid, bot_port, [(p, "hi") for p in phones])
            measure(bare.pid, bare_port, first_contacts(200))
            rounds: dict[str, list[float]] = {"bare endpoint": [], "returning": [], "first contact": [],
                                              "mixed": []}
            for _ in range(args.repeat):
                rounds["bare endpoint"].append(measure(bare.pid, bare_port, first_contacts(args.messages)))
                rounds["returning"].append(measure(bot.pid, bot_port, returning(phones, args.messages), "returning"))
                rounds["first contact"].append(measure(bot.pid, bot_port, first_contacts(args.messages // 4),
                                                       "first contact"))
                rounds["mixed"].append(measure(bot.pid, bot_port, mixed(args.messages, phones=args.messages // 2),
                                               "mixed"))
            for kind, figures in rounds.items():
                backend = (f"; PostgreSQL's processes {min(server[kind]):.3f} ms"
                           if label == "postgresql" and kind in server else "")
                print(f"{label:10} gunicorn  {kind:14} {min(figures):6.3f} ms CPU/webhook (best of {args.repeat}; "
                      f"median {sorted(figures)[len(figures) // 2]:.3f}; master + 2 workers, {args.clients} "
                      f"clients{backend})", flush=True)
        finally:
            stack.stop()


@contextmanager
def databases(only: str | None) -> Iterator[list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        found = [] if only == "postgresql" else [("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        pg = os.environ.get("TEST_DATABASE_URL", "")
        if pg and only != "sqlite":
            with postgres_database(pg) as url:
                yield found + [("postgresql", url)]
        else:
            yield found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", choices=("inprocess", "gunicorn"), default="inprocess")
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4, help="gunicorn: concurrent keep-alive connections")
    parser.add_argument("--profile", action="store_true", help="in-process: cProfile the returning contacts")
    parser.add_argument("--profile-top", type=int, default=45)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    run = inprocess if args.mode == "inprocess" else gunicorn
    with databases(args.only) as found:
        for label, url in found:
            run(label, url, args)


if __name__ == "__main__":
    main()
