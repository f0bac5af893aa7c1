"""The engine and the unit of work. SQLite gets foreign keys, a busy timeout, secure_delete (deleted secrets are
overwritten on disk), WAL with synchronous=NORMAL, and BEGIN IMMEDIATE (one writer at a time, so a conversation is
handled by one process). PostgreSQL gets a pool sized for the process's threads."""
from __future__ import annotations

import fcntl
import os
import re
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool


def make_engine(url: str, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}, "hide_parameters": True}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        _sqlite_tweaks(engine)
        _refuse_writes(engine, _READS)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # pool_size: one connection per thread that may hold one at once (web threads, sender threads); a few more
    # on overflow for bursts. No phone numbers in error logs (hide_parameters).
    engine = create_engine(url, hide_parameters=True, pool_size=pool_size, max_overflow=max(2, pool_size // 2),
                           pool_timeout=10)
    _ping_when_idle(engine)
    _refuse_writes(engine, _SELECTS)  # (such a unit of work runs in autocommit there: no savepoint either)
    return engine


def _refuse_writes(engine: Engine, reads: re.Pattern) -> None:
    """A statement that writes (that `reads` does not match), run in a `refuse_writes` unit of work, raises
    WriteRefused instead (see there)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refused(_conn, _cursor, statement, *_args) -> None:
        if getattr(_refusing, "active", False) and not reads.match(statement):
            _refusing.refused = True
            raise WriteRefused("a write in a transaction that may only read")


IDLE_BEFORE_PING = 2.0  # seconds in the pool after which a connection is pinged before it is handed out


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping, for connections that sat in the pool a while: one that was just returned (every
    connection, under load) is handed out as it is, without a round trip per webhook. One that has been idle (a
    restarted or failed-over server, a proxy's idle timeout) is pinged, and replaced if the ping fails: the pool
    retries the checkout with a new connection when this raises DisconnectionError."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_conn, record, _proxy) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < IDLE_BEFORE_PING:
            return  # just connected, or just used
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise DisconnectionError("the pooled connection was lost while idle")


def _sqlite_tweaks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA secure_delete=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # WAL: readers never wait for the writer; NORMAL: a commit is durable at the next checkpoint rather than
        # fsynced each time, safe against corruption (a power cut may lose the last moments, a crash loses nothing).
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # on the DB-API connection, as Prepared runs (statement events do not see it)
        begin = "BEGIN" if getattr(_reading, "active", False) else "BEGIN IMMEDIATE"
        try:
            conn.connection.dbapi_connection.execute(begin)
        except conn.dialect.loaded_dbapi.Error as exc:  # raised as SQLAlchemy's, as a statement's would be
            raise DBAPIError.instance(begin, (), exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect,
                                      hide_parameters=conn.engine.hide_parameters) from exc

    database = engine.url.database
    if database and database != ":memory:":
        writers = _WRITERS[engine] = _WriterQueue(database + ".writers")
        weakref.finalize(engine, writers.close)


class _WriterQueue:
    """SQLite has one writer at a time, and a writer that finds the database busy sleeps and polls (1, 2, 5 ... 100 ms):
    under load the lock sits idle between writers while they sleep. Writers of one database therefore queue here
    instead: threads of a process on a lock, processes on an flock of a file beside the database; the kernel hands
    it to the next one the moment it is released. Code that opens a transaction elsewhere still works through
    SQLite's busy timeout."""

    _setup = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path = path
        self._mine: tuple[int, threading.Lock, int] | None = None  # (pid, lock, fd)
        self._held = threading.local()  # .active: this thread holds it

    def _for_this_process(self) -> tuple[threading.Lock, int]:
        mine = self._mine
        if mine is None or mine[0] != os.getpid():  # a forked child gets its own lock and its own open file
            with self._setup:
                mine = self._mine
                if mine is None or mine[0] != os.getpid():
                    mine = self._mine = (os.getpid(), threading.Lock(),
                                         os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        return mine[1], mine[2]

    @contextmanager
    def hold(self) -> Iterator[None]:
        lock, fd = self._for_this_process()
        if getattr(self._held, "active", False):  # SQLite would wait for this very thread forever
            raise RuntimeError("a write transaction inside another on the same SQLite database")
        with lock:
            self._held.active = True
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                self._held.active = False
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        mine, self._mine = self._mine, None
        if mine is not None and mine[0] == os.getpid():
            os.close(mine[2])


_WRITERS: "weakref.WeakKeyDictionary[Engine, _WriterQueue]" = weakref.WeakKeyDictionary()
_reading = threading.local()
_refusing = threading.local()  # .active: this thread's transaction may only read; .refused: it tried to write
_READS = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK)\b", re.IGNORECASE)
_SELECTS = re.compile(r"\s*SELECT\b", re.IGNORECASE)


class WriteRefused(Exception):
    """A statement that writes, run in a unit of work opened with `refuse_writes` (nothing was written)."""


def single_writer(factory: sessionmaker[Session]) -> bool:
    """True where the database has one writer at a time (SQLite): a write transaction there holds up every other
    process's, so work that only reads is worth doing before one is opened (see `refuse_writes`)."""
    return factory.kw.get("bind") in _WRITERS


def writes_refused() -> bool:
    """Whether the last unit of work this thread opened with `refuse_writes` tried to write (and was refused)."""
    return getattr(_refusing, "refused", False)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, read_only: bool = False,
                 refuse_writes: bool = False) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises. `read_only`: it only reads, so on
    SQLite it neither waits for nor blocks the writer (WAL readers see the last commit). `refuse_writes` (with
    `read_only`): any statement that would write raises WriteRefused instead, and `writes_refused()` tells
    afterwards, even if the caller's code caught it (the work is then redone in a write transaction)."""
    writers = None if read_only else _WRITERS.get(factory.kw.get("bind"))
    with _kind(read_only, refuse_writes), (writers.hold() if writers is not None else nullcontext()), \
            factory() as session:
        _reading.active = read_only
        with session.begin():
            session.connection()  # BEGIN now, while the flag says which kind
            _began(read_only, refuse_writes)
            yield session


@contextmanager
def connection(factory: sessionmaker[Session], *, autocommit: bool = False) -> Iterator[Connection]:
    """One connection from the pool for several transactions in a row (`transaction`): what the conversation
    handler takes once per message for its read and its write, instead of a checkout (and a Session) each.
    `autocommit` (PostgreSQL): each statement commits by itself and a `transaction` sends no BEGIN or COMMIT
    (no round trips; for a read, or a write that is one statement)."""
    with factory.kw["bind"].connect() as conn:
        if autocommit:
            conn.execution_options(isolation_level="AUTOCOMMIT")  # (reset when the pool takes it back)
        yield conn


@contextmanager
def transaction(conn: Connection, *, read_only: bool = False, refuse_writes: bool = False) -> Iterator[Connection]:
    """`unit_of_work` on a connection of `connection`, without a Session: committed when the block ends, rolled
    back if it raises, with the same `read_only` and `refuse_writes` (and, for a write on SQLite, the same queue
    for the writer's lock). Code that needs the ORM inside opens `session_on(conn)`, which joins it."""
    writers = None if read_only else _WRITERS.get(conn.engine)
    with _kind(read_only, refuse_writes), (writers.hold() if writers is not None else nullcontext()):
        _reading.active = read_only
        with conn.begin():  # SQLite: BEGIN or BEGIN IMMEDIATE now (the "begin" event), while the flag says which
            _began(read_only, refuse_writes)
            yield conn


def connection_of(session: Session) -> Connection:
    """The connection `session`'s statements run on, for Core statements: the one it was opened on by
    `session_on` (as is: its transaction is the caller's), else the connection of its own transaction."""
    bind = session.get_bind()
    return bind if isinstance(bind, Connection) else session.connection()


def session_on(conn: Connection, factory: sessionmaker[Session]) -> Session:
    """A Session (of `factory`'s kind) inside the transaction `conn` is in: its flushes and savepoints go there,
    and it neither commits nor ends it (`transaction` does). Flush it before the transaction ends."""
    return factory(bind=conn, join_transaction_mode="rollback_only")


@contextmanager
def _kind(read_only: bool, refuse_writes: bool) -> Iterator[None]:
    """The thread's flags around one transaction: `_reading` while it begins, then `_refusing` while it runs."""
    refusing = getattr(_refusing, "active", False)
    if refusing and not read_only:  # a write transaction of its own, opened inside one that may only read
        _refusing.refused = True
        raise WriteRefused("a write transaction inside one that may only read")
    if refuse_writes:
        _refusing.refused = False
    try:
        yield
    finally:
        _reading.active = False
        _refusing.active = refusing


def _began(read_only: bool, refuse_writes: bool) -> None:
    _reading.active = False
    _refusing.active = getattr(_refusing, "active", False) or refuse_writes


class Prepared:
    """A Core statement compiled once per dialect and run on the connection's DB-API cursor, its parameters and
    results converted by the types `Connection.execute` would apply (UTC datetimes, JSON): for the few statements
    every webhook runs, where SQLAlchemy's work per execution (cache key, parameter processing, the result's
    metadata) costs several times the statement (SQLite, the sender's SELECT: ~45 us against ~6 us). It runs in the
    connection's transaction like any statement, is refused in a `refuse_writes` transaction unless it reads, and
    its DB-API errors are raised as SQLAlchemy's (a lost connection invalidated first). Parameters are named as the
    statement's bindparams; no expanding (IN) parameters. Connection events do not see it."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self._compiled: "weakref.WeakKeyDictionary[object, tuple]" = weakref.WeakKeyDictionary()

    def _for(self, dialect) -> tuple:
        found = self._compiled.get(dialect)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            binds = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                     for name, bind in compiled.binds.items()}
            fixed = {name: bind.effective_value for name, bind in compiled.binds.items()
                     if not bind.required}  # values the statement carries (a LIMIT's)
            columns = getattr(self.statement, "exported_columns", ())
            results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns)
            # Each parameter in the order the driver takes them (positional: as they appear; named: any), with
            # its converter: one pass per execution.
            names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)
            plan = tuple((name, binds.get(name)) for name in names)
            reads = bool(_READS.match(compiled.string))
            found = self._compiled[dialect] = (compiled.string, compiled.positional, plan, fixed, reads,
                                               results if any(results) else None)
        return found

    def _run(self, conn: Connection, params: dict, fetch: bool):
        sql, positional, plan, fixed, reads, results = self._for(conn.dialect)
        if not reads and getattr(_refusing, "active", False):
            _refusing.refused = True
            raise WriteRefused("a write in a transaction that may only read")
        if fixed:
            params = {**fixed, **params}
        if positional:
            args = tuple(params[name] if convert is None else convert(params[name]) for name, convert in plan)
        else:
            args = {name: params[name] if convert is None else convert(params[name]) for name, convert in plan}
        dbapi_conn = conn.connection.dbapi_connection
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute(sql, args)
            if not fetch:
                return cursor.rowcount
            row = cursor.fetchone()
        except conn.dialect.loaded_dbapi.Error as exc:
            if conn.dialect.is_disconnect(exc, dbapi_conn, cursor):
                conn.invalidate(exc)
            raise DBAPIError.instance(sql, args, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect,
                                      hide_parameters=conn.engine.hide_parameters,  # no phone numbers in logs
                                      connection_invalidated=conn.invalidated) from exc
        finally:
            cursor.close()
        if row is None or results is None:
            return None if row is None else tuple(row)
        return tuple(value if process is None or value is None else process(value)
                     for value, process in zip(row, results))

    def rowcount(self, conn: Connection, params: dict) -> int:
        """Run it; how many rows it changed."""
        return self._run(conn, params, fetch=False)

    def first(self, conn: Connection, params: dict) -> tuple | None:
        """Run it; its first row (converted), or None."""
        return self._run(conn, params, fetch=True)

    def scalar(self, conn: Connection, params: dict):
        """Run it; the first column of its first row, or None."""
        row = self._run(conn, params, fetch=True)
        return None if row is None else row[0]


def ping(engine: Engine) -> bool:
    try:
        _reading.active = True  # a read: on SQLite it does not wait behind the writers
        with engine.connect() as conn:
            conn.execute(select(1))
        return True
    except Exception:  # noqa: BLE001 - health check reports, never raises
        return False
    finally:
        _reading.active = False
