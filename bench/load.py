"""The platform-load benchmark (issue: outbound messages at platform scale), as an operator would run the bot:

- gunicorn with gunicorn.conf.py (2 workers) serving the bot, and beside it, in the same run and under the same
  settings, a bare Flask endpoint returning fixed TwiML (bench/bare.py);
- `flask --app wsgi worker` sending the outbox; the strict fake Twilio in a process of its own (gunicorn), each API
  call delayed by 0 or 200 ms;
- wrk (Debian's) for throughput: signed webhooks, a fresh MessageSid each, 16 connections, in `--rounds` rounds
  of the bare endpoint (fresh processes) then the bot (new numbers), the outbox drained after each; the best
  round of each is compared (this machine's throughput drifts far more than its CPU per request), with a CPU
  ratio beside it (the bare endpoint's CPU per request over everything a webhook costs the machine);
- an open-loop generator at a steady 50 messages/s for webhook p50/p95/p99 and delivery latency (webhook sent →
  the fake Twilio accepted the reply), then the replies counted against the messages (no double, no lost reply);
- resident memory of each web worker after the run.

On SQLite (a fresh file) and on PostgreSQL (a database made for the run at $TEST_DATABASE_URL, default
postgresql://127.0.0.1:5432/test; skipped if unreachable). Usage: python -m bench.load [--seconds 5] [--rounds 3]
[--steady-seconds 20] [--latencies 0,0.2] [--databases sqlite,postgresql]"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.common import ACCOUNT_SID, AUTH_TOKEN, KEY, PATH, SCRIPT, SENDER, signed_form
from store import migrate
from store.db import make_engine
from store.models import OutboundMessage

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRK_SCRIPT = """
local lines, index = {}, 0
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  local threads = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    if n % threads == tonumber(id) then
      local tab = line:find("\\t")
      lines[#lines + 1] = {line:sub(1, tab - 1), line:sub(tab + 1)}
    end
    n = n + 1
  end
end
function request()
  index = index + 1
  local entry = lines[(index - 1) % #lines + 1]
  return wrk.format("POST", "__PATH__", {["Content-Type"] = "application/x-www-form-urlencoded",
                                   ["X-Twilio-Signature"] = entry[2]}, entry[1])
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %f %f %f %f\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


@dataclass
class Stack:
    """The processes of one configuration; stopped in reverse order."""

    workdir: Path
    procs: list[subprocess.Popen] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "w")
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop_one(self, proc: subprocess.Popen) -> None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        self.procs.remove(proc)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()


def rss_of_children(pid: int) -> list[float]:
    """Resident memory (MB) of gunicorn's worker processes."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    sizes = []
    for child in children:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _stat(path: Path) -> tuple[str, float] | None:
    """A process's command name and CPU time (user + system, seconds, with that of its children it has reaped: a
    gunicorn worker recycled after `max_requests`, a PostgreSQL backend that ended) from its /proc stat; None once it
    is gone."""
    try:
        head, rest = path.read_text().rsplit(")", 1)
    except OSError:
        return None
    fields = rest.split()
    return head.split("(", 1)[-1], sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (every core; /proc/stat: all but idle and iowait), in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its descendants still running, in seconds."""
    own = _stat(Path(f"/proc/{pid}/stat"))
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    return (own[1] if own else 0.0) + sum(cpu_seconds(int(child)) for child in children)


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL server process on this machine (the backends serving the bot and its worker,
    and the server's own: WAL writer, checkpointer, autovacuum), in seconds."""
    stats = (_stat(path) for path in Path("/proc").glob("[0-9]*/stat"))
    return sum(cpu for name, cpu in filter(None, stats) if name == "postgres")


def run_wrk(port: int, requests_file: Path, seconds: int, workdir: Path) -> dict[str, float]:
    script = workdir / "webhook.lua"
    script.write_text(WRK_SCRIPT.replace("__PATH__", PATH))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", str(script), f"http://127.0.0.1:{port}",
                          "--", str(requests_file), "2"], capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    count, bad_status, socket_errors, duration, p50, p95, p99 = map(float, line.split()[1:])
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wrk_cpu_ms_per_request": cpu * 1000 / max(count, 1), "requests": count, "non_2xx": bad_status,
            "socket_errors": socket_errors, "rps": count / duration, "duration": duration,
            "p50": p50, "p95": p95, "p99": p99}


def write_requests(base_url: str, count: int, path: Path, phones: int = 2000, tag: str = "", first: int = 0) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(count):
            phone = f"+4477{tag}{first + i % phones:07d}"
            form, signature = signed_form(base_url, phone, SCRIPT[(i // phones) % len(SCRIPT)])
            fh.write(f"{urlencode(form)}\t{signature}\n")


def steady(port: int, base_url: str, rate: float, seconds: float) -> tuple[list[float], dict[str, list[float]], int]:
    """Open loop: message i is due at start + i/rate, whatever the answers before it; latency counts from when it
    was due. 50 numbers, each writing once a second. Returns webhook latencies (ms), per-number due times, and
    how many answers were not 200."""
    total = int(rate * seconds)
    phones = [f"+4478{n:07d}" for n in range(int(rate))]
    sent_at: dict[str, list[float]] = defaultdict(list)
    latencies: list[float] = []
    failures = 0
    local = threading.local()
    lock = threading.Lock()
    start = time.time() + 0.5

    def one(i: int) -> None:
        nonlocal failures
        phone = phones[i % len(phones)]
        form, signature = signed_form(base_url, phone, SCRIPT[(i // len(phones)) % len(SCRIPT)])
        due = start + i / rate
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", PATH, body=urlencode(form), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
        response = conn.getresponse()
        response.read()
        took = (time.time() - due) * 1000
        with lock:
            latencies.append(took)
            sent_at[f"whatsapp:{phone}"].append(due)
            failures += response.status != 200

    with ThreadPoolExecutor(64) as pool:
        # Submitted in order, each waiting for its due time: at most 64 in flight, far more than 50/s needs.
        list(pool.map(one, range(total)))
    for times in sent_at.values():
        times.sort()
    return latencies, sent_at, failures


def active_messages(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(OutboundMessage)
                           .where(OutboundMessage.status.in_(("pending", "claimed"))))


def wait_drained(engine, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if active_messages(engine) == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    return float("nan")


def postgres_database(admin_url: str) -> tuple[str, callable]:
    name = f"mns_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def run_config(database: str, latency: float, args, workdir: Path) -> dict:
    drop = None
    if database == "sqlite":
        url = f"sqlite:///{workdir / f'bot-{latency}.db'}"
    else:
        url, drop = postgres_database(args.postgres)
    engine = make_engine(url)
    migrate.upgrade(engine)
    bot_port, twilio_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{bot_port}"
    accepted_file = workdir / f"accepted-{database}-{latency}.json"
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": url, "PUBLIC_BASE_URL": base_url,
           "TOKEN_ENCRYPTION_KEY": KEY, "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_WHATSAPP_FROM": SENDER, "TWILIO_API_BASE_URL": f"http://127.0.0.1:{twilio_port}",
           "TASK_QUEUE_URL": f"sqlite:///{workdir / f'tasks-{database}-{latency}.db'}", "ZOOM_SANDBOX": "0",
           "LOG_LEVEL": "WARNING", "SENDER_THREADS": str(args.sender_threads), "PYTHONPATH": str(ROOT)}
    stack = Stack(workdir)
    result: dict = {"database": database, "twilio_latency_ms": latency * 1000}
    try:
        # The fake Twilio stands for a service on other machines, and the sender's work may lag a burst by seconds
        # while webhooks may not: both run at a lower CPU priority than the web workers (nice), as an operator
        # running the worker beside the web app on one machine should (README, production).
        twilio = stack.start("twilio", ["nice", "-n", "15", sys.executable, "-m", "bench.twilio_server", str(twilio_port), str(latency),
                               str(accepted_file)], env)
        bot = stack.start("bot", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                          {**env, "PORT": str(bot_port)})
        for port in (twilio_port, bot_port):
            wait_port(port)
        worker = stack.start("worker", ["nice", "-n", "10", str(BIN / "flask"), "--app", "wsgi", "worker", "--workers", "1"],
                    env)
        parts = {"web": bot.pid, "worker": worker.pid, "twilio": twilio.pid}

        def run_bare(port: int, requests_file: Path) -> dict[str, float]:
            """The yardstick on processes of its own (each of its workers serves ~15,000 requests in a run: a second
            run would recycle them mid-run, max_requests; the bot's stay far below)."""
            bare = stack.start(f"bare-{port}", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bench.bare:app"],
                               {**env, "PORT": str(port)})
            wait_port(port)
            before, others = cpu_seconds(bare.pid), {name: cpu_seconds(pid) for name, pid in parts.items()}
            busy_before = machine_busy_seconds()
            run = run_wrk(port, requests_file, args.seconds, workdir)
            run["cores_busy"] = (machine_busy_seconds() - busy_before) / run["duration"]
            run["web_cpu_ms_per_request"] = (cpu_seconds(bare.pid) - before) * 1000 / max(run["requests"], 1)
            # (what the bot's processes took meanwhile: next to nothing, the outbox being drained)
            run["others_cpu_s"] = sum(cpu_seconds(pid) - others[name] for name, pid in parts.items())
            stack.stop_one(bare)
            return run

        def run_bot(requests_file: Path) -> dict:
            cpu_before = {name: cpu_seconds(pid) for name, pid in parts.items()}
            postgres_before, busy_before = postgres_cpu_seconds(), machine_busy_seconds()
            run: dict = run_wrk(bot_port, requests_file, args.seconds, workdir)
            # how many of the cores were busy meanwhile: about all of them when the webhooks are bound by CPU
            run["cores_busy"] = (machine_busy_seconds() - busy_before) / run["duration"]
            served = max(run["requests"], 1)
            run["cpu_ms_per_webhook"] = {name: (cpu_seconds(pid) - cpu_before[name]) * 1000 / served
                                         for name, pid in parts.items()}
            if database == "postgresql":
                run["cpu_ms_per_webhook"]["postgres"] = (postgres_cpu_seconds() - postgres_before) * 1000 / served
            run["drain_s"] = wait_drained(engine, timeout=300)
            return run

        # Rounds, each the yardstick then the bot (new numbers each round, so every round has the same mix of
        # first contacts and returning ones, and fresh MessageSids), the outbox drained before the next: this
        # machine's throughput drifts by far more than its CPU cost per request (the bare endpoint alone, fresh
        # processes one after the other: 2,181 / 2,125 / 2,409 / 3,831 req/s at 0.45-0.50 ms per request, the slow
        # ones busy on ~1.2 of the 2 cores), so each side's best round is compared, as bench.cpu takes the least
        # disturbed of its rounds.
        result["bare_rounds"], result["bot_rounds"] = [], []
        for round_ in range(args.rounds):
            requests_file = workdir / f"requests-{round_}.txt"
            write_requests(base_url, args.requests, requests_file, tag=f"{int(latency * 10)}",
                           first=round_ * 2000)
            result["bare_rounds"].append(run_bare(free_port(), requests_file))
            result["bot_rounds"].append(run_bot(requests_file))
        result["bare"] = max(result["bare_rounds"], key=lambda run: run["rps"])
        result["bot"] = max(result["bot_rounds"], key=lambda run: run["rps"])
        result["burst_cpu_ms_per_webhook"] = result["bot"]["cpu_ms_per_webhook"]
        result["burst_drain_s"] = result["bot"]["drain_s"]
        result["ratio"] = result["bot"]["rps"] / result["bare"]["rps"]
        # What the ratio is with the machine's speed taken out: CPU per request of the bare endpoint (gunicorn and
        # wrk) over everything a webhook costs the machine (web, worker, fake Twilio, PostgreSQL, wrk).
        bot_cpu = sum(result["burst_cpu_ms_per_webhook"].values()) + result["bot"]["wrk_cpu_ms_per_request"]
        result["cpu_ratio"] = ((result["bare"]["web_cpu_ms_per_request"] + result["bare"]["wrk_cpu_ms_per_request"])
                               / bot_cpu)
        burst_messages = sum(int(run["requests"] - run["non_2xx"]) for run in result["bot_rounds"])

        latencies, sent_at, failures = steady(bot_port, base_url, args.rate, args.steady_seconds)
        result["steady"] = {"messages": len(latencies), "non_200": failures, "p50": pct(latencies, .5),
                            "p95": pct(latencies, .95), "p99": pct(latencies, .99)}
        result["steady_drain_s"] = wait_drained(engine, timeout=120)
        result["left_pending"] = active_messages(engine)
        result["web_worker_rss_mb"] = rss_of_children(bot.pid)
    finally:
        stack.stop()
        engine.dispose()
        if drop is not None:
            drop()
    accepted = json.loads(accepted_file.read_text())
    by_phone: dict[str, list[float]] = defaultdict(list)
    for message in accepted:
        by_phone[message["to"]].append(message["accepted_at"])
    delivery = []
    doubled = lost = 0
    for phone, due_times in sent_at.items():
        replies = sorted(by_phone.get(phone, []))
        doubled += max(0, len(replies) - len(due_times))
        lost += max(0, len(due_times) - len(replies))
        delivery += [(r - d) * 1000 for d, r in zip(due_times, replies)]
    steady_phones = set(sent_at)
    burst_replies = sum(len(v) for k, v in by_phone.items() if k not in steady_phones)
    result["delivery"] = {"p50": pct(delivery, .5), "p95": pct(delivery, .95), "p99": pct(delivery, .99)}
    result["steady"].update(doubled=doubled, lost=lost)
    result["burst_replies"] = {"inbound": burst_messages, "replies": burst_replies}
    return result


def report(r: dict) -> str:
    bot, bare, st, dl = r["bot"], r["bare"], r["steady"], r["delivery"]
    rss = ", ".join(f"{x:.0f}" for x in r["web_worker_rss_mb"])
    return (f"[{r['database']}, Twilio +{r['twilio_latency_ms']:.0f} ms]\n"
            f"  throughput (wrk, 16 conns, best of {len(r['bot_rounds'])} rounds): bare {bare['rps']:.0f} req/s ("
            + " / ".join(f"{run['rps']:.0f}" for run in r["bare_rounds"])
            + f"; {bare['cores_busy']:.2f} cores busy; the bot's processes meanwhile at most {max(run['others_cpu_s'] for run in r['bare_rounds']):.2f} s "
            f"CPU) | bot {bot['rps']:.0f} req/s (" + " / ".join(f"{run['rps']:.0f}" for run in r["bot_rounds"]) + "; "
            f"p50 {bot['p50']:.1f} / p95 {bot['p95']:.1f} / p99 {bot['p99']:.1f} ms; non-2xx {bot['non_2xx']:.0f}, "
            f"socket errors {bot['socket_errors']:.0f}; {bot['cores_busy']:.2f} of {os.cpu_count()} cores busy) | "
            f"ratio {r['ratio']:.2f}\n"
            f"  CPU ms per webhook during the bot's wrk run: "
            + ", ".join(f"{k} {v:.2f}" for k, v in r["burst_cpu_ms_per_webhook"].items())
            + f", wrk {bot['wrk_cpu_ms_per_request']:.2f} (bare: web {bare['web_cpu_ms_per_request']:.2f}, wrk "
            f"{bare['wrk_cpu_ms_per_request']:.2f}) | CPU ratio {r['cpu_ratio']:.2f}\n"
            f"  burst: {r['burst_replies']['inbound']} webhooks -> {r['burst_replies']['replies']} replies at Twilio,"
            f" outbox drained {r['burst_drain_s']:.1f} s after\n"
            f"  steady {st['messages'] / args_global.steady_seconds:.0f} msg/s: webhook p50 {st['p50']:.1f} / p95 "
            f"{st['p95']:.1f} / p99 {st['p99']:.1f} ms (non-200 {st['non_200']}); delivery p50 {dl['p50']:.0f} / "
            f"p95 {dl['p95']:.0f} / p99 {dl['p99']:.0f} ms; doubled {st['doubled']}, lost {st['lost']}, left "
            f"pending {r['left_pending']}\n"
            f"  web worker RSS after the run: {rss} MB")


def main() -> None:
    global args_global
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the bare endpoint then the bot (best of each)")
    parser.add_argument("--steady-seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--requests", type=int, default=40000, help="signed webhooks prepared for wrk")
    parser.add_argument("--latencies", default="0,0.2")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sender-threads", type=int, default=16)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", "postgresql://127.0.0.1:5432/test"))
    parser.add_argument("--json", help="also write the results here")
    args_global = args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    results = []
    tmp = tempfile.mkdtemp(prefix="mns-load-")
    try:
        workdir = Path(tmp)
        for database in args.databases.split(","):
            if database == "postgresql":
                try:
                    create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)).connect().close()
                except Exception as exc:  # noqa: BLE001
                    print(f"[postgresql] skipped: {exc.__class__.__name__}")
                    continue
            for latency in (float(x) for x in args.latencies.split(",")):
                result = run_config(database, latency, args, workdir)
                results.append(result)
                print(report(result), flush=True)
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


args_global: argparse.Namespace

if __name__ == "__main__":
    main()
