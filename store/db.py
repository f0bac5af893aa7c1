"""The engine and the unit of work. SQLite gets foreign keys, a busy timeout, secure_delete (deleted secrets are
overwritten on disk), WAL with synchronous=NORMAL, and BEGIN IMMEDIATE (one writer at a time, so a conversation is
handled by one process). PostgreSQL gets a pool sized for the process's threads."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool


def make_engine(url: str, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 30}, "hide_parameters": True}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        _sqlite_tweaks(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # pool_size: one connection per thread that may hold one at once (web threads, sender threads); a few more
    # on overflow for bursts. No phone numbers in error logs (hide_parameters).
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, pool_size=pool_size,
                         max_overflow=max(2, pool_size // 2), pool_timeout=10)


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
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with factory() as session, session.begin():
        yield session


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(select(1))
        return True
    except Exception:  # noqa: BLE001 - health check reports, never raises
        return False
