"""The pool pings a PostgreSQL connection only when it has been idle (store.db._ping_when_idle): one returned a
moment ago is handed out without a round trip, one whose server connection died while it sat in the pool is
replaced, so the webhook that gets it never sees the loss."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from store import db
from store.db import make_engine


@pytest.fixture
def engine(database_url: str):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's connections are files: nothing to lose while idle")
    engine = make_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def _pings(engine, monkeypatch) -> list[object]:
    seen: list[object] = []
    real = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: seen.append(conn) or real(conn))
    return seen


def test_a_connection_just_returned_is_handed_out_without_a_ping(engine, monkeypatch):
    first = _backend(engine)
    pings = _pings(engine, monkeypatch)
    assert [_backend(engine) for _ in range(5)] == [first] * 5
    assert pings == []


def test_a_connection_lost_while_idle_is_replaced_before_anyone_uses_it(engine, database_url, monkeypatch):
    lost = _backend(engine)
    other = make_engine(database_url)
    with other.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
    other.dispose()
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)  # as if it had sat in the pool for a while
    pings = _pings(engine, monkeypatch)
    replaced = _backend(engine)  # no error: the ping found it dead and the pool connected again
    assert replaced != lost
    assert len(pings) == 1


def test_without_the_idle_ping_the_lost_connection_would_have_failed(engine, database_url, monkeypatch):
    """The control: the same loss, handed out as just used, fails the first statement (what the ping prevents)."""
    lost = _backend(engine)
    other = make_engine(database_url)
    with other.connect() as conn:
        conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
    other.dispose()
    monkeypatch.setattr(db, "IDLE_BEFORE_PING", 3600.0)
    with pytest.raises(Exception) as failed:
        _backend(engine)
    assert "terminat" in str(failed.value).lower() or "closed" in str(failed.value).lower()
