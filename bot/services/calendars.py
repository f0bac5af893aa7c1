"""Busy times on the provider's own calendar, from each connected platform that reads them
(`PlatformInfo.reads_busy_times`: a calendar's free/busy query), so that the slots offered leave them out.

Nothing that answers a message waits on the platform to list slots (the platform-load rule): `cached` reads what
the worker last stored (the `busy_times` table, encrypted) and, when that is older than REFRESH_AFTER, the step
asks the worker for a fresh read after commit (`refresher`: the Jobs' `busy_times`, which runs `refresh`). A read
older than MAX_AGE is not used: the slots are offered as they are. While customers look at a provider's times
(WATCH after the last such ask) the sweep keeps the read fresh (`refresh_watched`), so the next message finds it.
A booking checks again at confirm (`at_confirm`), asking the platform itself with a short timeout, since a slot
may have turned busy since it was listed; if the platform does not answer then, the stored read decides."""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.services import video_accounts
from integrations.video import ReadsBusyTimes, VideoProviderError
from store.db import unit_of_work, writes_refused
from store.models import BusyTimes, VideoConnection

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
REFRESH_AFTER = timedelta(minutes=2)  # a read this old is used, and a fresh one is asked for
MAX_AGE = timedelta(minutes=5)  # a read this old is not used for the slots any more
RETRY_AFTER = timedelta(seconds=20)  # a refresh started this recently (in flight, or failed) is not started again
WATCH = timedelta(minutes=30)  # after customers last asked, the sweep keeps a provider's read fresh this long
FORGET_AFTER = timedelta(days=1)  # a read nobody wanted for this long is deleted
HORIZON = timedelta(days=16)  # a little more than the days slots are offered for
CONFIRM_TIMEOUT = 2.0  # seconds: a customer is waiting for the confirmation
USABLE_TOKEN = timedelta(seconds=30)  # at confirm, an access token still valid this long is used as it is

Period = tuple[datetime, datetime]


@dataclass(frozen=True)
class Busy:
    periods: tuple[Period, ...]
    known: bool  # every platform's read is fresh enough (else the periods are what is known, and confirm checks)
    stale: bool = False  # a read is missing or older than REFRESH_AFTER: ask the worker for a fresh one


def _reading(services: "Services") -> list[str]:
    """The platforms set up here whose adapter reads busy times."""
    return [info.name for info in services.video.platforms()
            if info.reads_busy_times and services.video.configured(info.name)]


def _stored(services: "Services", session: Session, provider_id: int):
    """(connection, its stored read or None) for each of the provider's working connections that read busy times."""
    reading = _reading(services)
    if not reading:
        return []
    query = (select(VideoConnection, BusyTimes)
             .outerjoin(BusyTimes, and_(BusyTimes.provider_id == VideoConnection.provider_id,
                                        BusyTimes.platform == VideoConnection.platform))
             .where(VideoConnection.provider_id == provider_id, VideoConnection.platform.in_(reading),
                    VideoConnection.status == "connected"))
    return [(conn, row) for conn, row in session.execute(query)]


def _periods(services: "Services", row: BusyTimes) -> list[Period]:
    pairs = json.loads(services.cipher.decrypt(row.periods_enc or "")) if row.periods_enc else []
    return [(datetime.fromisoformat(start), datetime.fromisoformat(end)) for start, end in pairs]


def _encode(services: "Services", periods: list[Period]) -> str:
    return services.cipher.encrypt(json.dumps([[s.isoformat(), e.isoformat()] for s, e in periods]))


def cached(services: "Services", session: Session, provider_id: int, now: datetime) -> Busy:
    """The provider's busy times as last stored (one query, no call to the platform): what listing slots uses."""
    periods: list[Period] = []
    known, stale = True, False
    for _conn, row in _stored(services, session, provider_id):
        fetched = row.fetched_at if row is not None else None
        if fetched is not None and fetched > now - MAX_AGE:
            periods += _periods(services, row)
        else:
            known = False
        stale = stale or fetched is None or fetched <= now - REFRESH_AFTER
    return Busy(tuple(sorted(periods)), known, stale)


def refresher(services: "Services", provider_id: int) -> Callable[[], None]:
    """What a step runs after commit when `cached` was stale: the worker reads the busy times again (and keeps
    them fresh while customers look)."""
    def ask() -> None:
        services.queue.busy_times(provider_id)
    return ask


@dataclass(frozen=True)
class Checked:
    """The busy times a booking was checked against at confirm, and the platforms' fresh reads among them (kept
    after commit: `keeper`, so the next message lists slots with them)."""

    periods: tuple[Period, ...] = ()
    fresh: tuple[tuple[str, tuple[Period, ...]], ...] = ()


def at_confirm(services: "Services", session: Session, provider_id: int, now: datetime) -> Checked:
    """The busy times to check a booking against: read from the platform now (short timeout; a slot may have
    turned busy since it was listed), else the stored read. One read per message: a known number's message is first
    run where nothing may be written (no lock held, so the platform is asked there) and, as booking writes, run
    again locked (`writes_refused`): that second pass, of the same message in the same thread at the same `now`,
    takes the first one's read instead of asking again while holding the writer's lock."""
    stored = _stored(services, session, provider_id)
    if not stored:
        return Checked()
    key = (provider_id, threading.get_ident())
    memo = services.busy_cache.pop(key, None)
    if memo is not None and memo[0] == now and writes_refused():
        return memo[1]
    periods: list[Period] = []
    fresh: list[tuple[str, tuple[Period, ...]]] = []
    for conn, row in stored:
        read = _read_now(services, conn, now)
        if read is not None:
            periods += read
            fresh.append((conn.platform, tuple(sorted(read))))
        elif row is not None and row.fetched_at is not None and row.fetched_at > now - MAX_AGE:
            periods += _periods(services, row)
    checked = Checked(tuple(sorted(periods)), tuple(fresh))
    services.busy_cache[key] = (now, checked)
    return checked


def keeper(services: "Services", provider_id: int, checked: Checked, now: datetime) -> Callable[[], None]:
    """After commit: store the fresh reads made at confirm (the slots listed next leave out what turned busy)."""
    def keep() -> None:
        for platform, periods in checked.fresh:
            with unit_of_work(services.sessions) as session:
                if video_accounts.connection(session, provider_id, platform, lock=True) is None:
                    continue  # disconnected meanwhile: its busy times went with it
                _save(services, session, provider_id, platform, list(periods), now)
    return keep


def _read_now(services: "Services", conn: VideoConnection, now: datetime) -> list[Period] | None:
    """The connection's busy times from the platform, with the access token as stored (a refresh writes and may
    take long: the worker does it); None when that is not possible now."""
    if conn.access_expires_at <= now + USABLE_TOKEN:
        return None
    reader: ReadsBusyTimes = services.video.get(conn.platform)  # type: ignore[assignment]
    try:
        return reader.busy_times(services.cipher.decrypt(conn.access_token_enc), now, now + HORIZON,
                                 timeout=CONFIRM_TIMEOUT)
    except VideoProviderError as exc:
        log.warning("busy times of provider %s at %s at confirm: %s", conn.provider_id, conn.platform,
                    type(exc).__name__)
        return None


# -- the worker -------------------------------------------------------------------------------------------------

def _claim(services: "Services", session: Session, provider_id: int, platform: str, now: datetime) -> bool:
    """Start a refresh unless the stored read is fresh or another one started moments ago (one statement)."""
    insert = postgresql_insert if services.engine.dialect.name == "postgresql" else sqlite_insert
    table = BusyTimes.__table__
    statement = insert(table).values(provider_id=provider_id, platform=platform, tried_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.provider_id, table.c.platform], set_={"tried_at": now},
        where=and_(or_(table.c.fetched_at.is_(None), table.c.fetched_at <= now - REFRESH_AFTER),
                   table.c.tried_at <= now - RETRY_AFTER))
    return session.execute(statement.returning(table.c.provider_id)).first() is not None  # (rowcount: -1 on psycopg)


def _save(services: "Services", session: Session, provider_id: int, platform: str, periods: list[Period],
          now: datetime) -> None:
    """Store a read made at `now` unless a later one is stored already."""
    insert = postgresql_insert if services.engine.dialect.name == "postgresql" else sqlite_insert
    table = BusyTimes.__table__
    values = {"periods_enc": _encode(services, sorted(periods)), "fetched_at": now}
    statement = insert(table).values(provider_id=provider_id, platform=platform, tried_at=now, **values)
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.provider_id, table.c.platform], set_=values,
        where=or_(table.c.fetched_at.is_(None), table.c.fetched_at <= now)))


def refresh(services: "Services", provider_id: int, *, watch: bool = True) -> int:
    """Read the provider's busy times from each platform that has them and store them; `watch`: customers are
    looking (the sweep keeps them fresh for WATCH). A read that is fresh or in flight is left alone; a broken
    connection's read is deleted. The platform is called outside any transaction. Returns the reads stored."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        conns = [conn for conn, _row in _stored(services, session, provider_id)]
        claimed = [conn.platform for conn in conns if _claim(services, session, provider_id, conn.platform, now)]
        if watch and conns:
            session.execute(update(BusyTimes).where(
                BusyTimes.provider_id == provider_id, BusyTimes.platform.in_([c.platform for c in conns]),
                or_(BusyTimes.watched_until.is_(None), BusyTimes.watched_until < now + WATCH))
                .values(watched_until=now + WATCH))
    stored = 0
    for platform in claimed:
        reader: ReadsBusyTimes = services.video.get(platform)  # type: ignore[assignment]
        try:
            periods = video_accounts.call(services, provider_id, platform,
                                          lambda token: reader.busy_times(token, now, now + HORIZON))
        except video_accounts.NotConnected:
            with unit_of_work(services.sessions) as session:
                session.execute(delete(BusyTimes).where(BusyTimes.provider_id == provider_id,
                                                        BusyTimes.platform == platform))
            continue
        except VideoProviderError as exc:  # tried again after RETRY_AFTER (the next ask, or the sweep)
            log.warning("busy times of provider %s at %s: %s", provider_id, platform, type(exc).__name__)
            continue
        with unit_of_work(services.sessions) as session:
            if video_accounts.connection(session, provider_id, platform, lock=True) is None:
                continue  # disconnected meanwhile: its busy times went with it
            _save(services, session, provider_id, platform, periods, now)
        stored += 1
    return stored


def refresh_watched(services: "Services") -> int:
    """The sweep's part: ask the worker to refresh the reads customers are looking at that are getting old, and
    delete those nobody wanted for a day. Returns the refreshes asked for."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        session.execute(delete(BusyTimes).where(or_(BusyTimes.watched_until.is_(None),
                                                    BusyTimes.watched_until < now - FORGET_AFTER),
                                                BusyTimes.tried_at < now - FORGET_AFTER))
        due = list(session.scalars(select(BusyTimes.provider_id).where(
            BusyTimes.watched_until > now, BusyTimes.tried_at <= now - RETRY_AFTER,
            or_(BusyTimes.fetched_at.is_(None), BusyTimes.fetched_at <= now - REFRESH_AFTER)).distinct()))
    for provider_id in due:
        services.queue.busy_times(provider_id, watch=False)
    return len(due)
