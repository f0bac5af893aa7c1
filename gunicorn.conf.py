"""Production settings for the web app: `gunicorn -c gunicorn.conf.py wsgi:app` (README, "Connecting a real Twilio
WhatsApp number"). The outbox sender runs in the worker (`flask --app wsgi worker`), not here: a web worker only
answers webhooks and pages, each in one short transaction.

Overridable from the environment: WEB_CONCURRENCY (processes, default 2), WEB_THREADS (threads per process,
default 2 on PostgreSQL, 1 on SQLite), PORT (default 8000), and anything gunicorn reads from GUNICORN_CMD_ARGS."""
import os
import re

from gunicorn.glogging import Logger

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let a slow request (an OAuth callback waiting on Zoom) not hold up a process, and on PostgreSQL one
# thread's CPU work overlaps another's round trips (2 x 2: 608 req/s, 2 x 1: 552). On SQLite, one writer at a time,
# a second thread costs throughput: the thread holding the write lock competes for the GIL (2 x 1: 857 req/s,
# 2 x 2: 734; bench/README.md). DATABASE_POOL_SIZE must be at least this.
worker_class = "gthread"
_SQLITE = os.environ.get("DATABASE_URL", "sqlite").startswith("sqlite")
threads = int(os.environ.get("WEB_THREADS", "1" if _SQLITE else "2"))
timeout = 30  # a webhook does one transaction; Twilio gives up after 15 s
graceful_timeout = 20
keepalive = 5  # Twilio and proxies reuse connections
# The heartbeat file each worker touches (twice a request) lives in memory: on a disk-backed filesystem gunicorn
# documents that the call may block a worker (here it cost ~30 us a time on ext4).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
max_requests = 20000  # recycle a process now and then, with jitter so both never restart together
max_requests_jitter = 2000
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# The access log: method, path without its query string (OAuth codes and states live there), status, size, time.
# No phone number ever reaches it: webhooks carry them in the POST body, not the URL. Single-use link tokens in
# paths are cut.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
_TOKEN_IN_PATH = re.compile(r"^(/connect/[^/]+/)[^/?]+")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = _TOKEN_IN_PATH.sub(r"\1…", atoms.get("U", ""))
        return atoms


logger_class = RedactingLogger
control_socket_disable = True  # two gunicorns on one host (the benchmark) would share its default path
