"""Connected video accounts (any registered platform): whether a platform is ready for a provider (`readiness`),
the chat link, the OAuth round trip with a single-use state and PKCE, encrypted tokens refreshed under a
per-provider lock, disconnect, and removal from the platform's side. Flows and web routes call these; only integrations/ speaks HTTP to the platform."""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from bot.core import messages as msg
from bot.services import outbox, plans
from integrations.video import (
    AccessTokenInvalid,
    InvalidGrant,
    PlatformInfo,
    TokenSet,
    VideoAccount,
    VideoProviderError,
    pkce_pair,
)
from store.crypto import digest
from store.db import unit_of_work
from store.models import BusyTimes, ConnectLink, OutboundMessage, Provider, VideoConnection

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
LINK_TTL = timedelta(minutes=10)
STATE_TTL = timedelta(minutes=10)
REFRESH_MARGIN = timedelta(minutes=5)


class LinkRefused(Exception):
    """A connect link or OAuth callback that must not go on; `reason` picks the page to show."""

    def __init__(self, reason: str) -> None:  # unknown | used | expired | plan | browser | declined | failed
        super().__init__(reason)
        self.reason = reason


class NotConnected(Exception):
    """The provider has no (working) connection to the platform."""

    def __init__(self, broken: bool = False) -> None:
        super().__init__("broken" if broken else "not connected")
        self.broken = broken


@dataclass(frozen=True)
class Connected:
    provider_id: int
    email: str


@dataclass(frozen=True)
class Readiness:
    """Whether a platform can serve a provider now, worked out once (see `readiness`)."""

    configured: bool  # the operator set the platform up on this server
    allowed: bool  # the provider's plan allows it
    connection: str | None  # the provider's connection: None (none), "connected" or "broken"

    @property
    def connected(self) -> bool:
        return self.connection == "connected"

    @property
    def broken(self) -> bool:
        return self.connection is not None and not self.connected

    @property
    def can_link(self) -> bool:
        """A connect link makes sense: set up here and the plan allows it."""
        return self.configured and self.allowed

    @property
    def ready(self) -> bool:
        """Set up, allowed and connected: new bookings get links."""
        return self.can_link and self.connected

    @property
    def makes_links(self) -> bool:
        """The provider's connection works and the plan allows it: a meeting can be made now."""
        return self.allowed and self.connected


def makes_meetings(services: "Services", platform: str | None) -> bool:
    """Does `platform` make a meeting for each booking (a platform the registry knows with that capability)?"""
    try:
        return platform is not None and services.video.info(platform).creates_meetings_per_booking
    except KeyError:
        return False


def readiness(services: "Services", session: Session, provider: Provider | None, platform: str,
              now: datetime) -> Readiness:
    """Is `platform` ready for this provider: set up on this server, allowed by the plan, and (for a platform
    that needs one) connected and working. The one place this is computed."""
    try:
        info: PlatformInfo | None = services.video.info(platform)
    except KeyError:  # a platform this server does not know any more: nothing can be made there
        info = None
    allowed = info is not None and plans.can_connect(provider, info, now)
    if info is not None and not info.needs_connection:
        state: str | None = "connected"
    else:
        conn = connection(session, provider.id, platform) if provider is not None else None
        state = None if conn is None else ("connected" if conn.status == "connected" else "broken")
    return Readiness(configured=services.video.configured(platform), allowed=allowed, connection=state)


def primary_platform(services: "Services") -> str | None:
    """The platform providers connect here (the chat's "connect <word>" and integrations menu), if any: the first
    connectable one the bootstrap added."""
    connectable = services.video.connectable()
    return connectable[0].name if connectable else None


def connect_words(services: "Services") -> list[str]:
    """The command words of every platform a provider can connect here ("connect <word>"), the primary first."""
    return [info.command_word for info in services.video.connectable()]


def connect_platforms(services: "Services") -> list[str]:
    """Every platform a provider can connect here, the primary first."""
    return [info.name for info in services.video.connectable()]


def platform_named(services: "Services", word: str | None) -> str | None:
    """The connectable platform a user means by `word` ("google" in "connect google"), if any."""
    info = services.video.by_word(word) if word else None
    return info.name if info is not None and info.needs_connection else None


def offered(services: "Services") -> list[PlatformInfo]:
    """The platforms a session can be on with a meeting made per booking, in the bootstrap's order: the primary
    one always (so the bot can say why it is not available), the others once they are set up on this server."""
    primary = primary_platform(services)
    return [info for info in services.video.platforms() if info.creates_meetings_per_booking
            and (info.name == primary or services.video.configured(info.name))]


def offered_named(services: "Services", word: str | None) -> str | None:
    """The offered platform a user means by its command word (an option's intent carries it), if any."""
    return next((info.name for info in offered(services) if word and info.command_word == word), None)


def offered_words(services: "Services") -> tuple[dict[str, str], ...]:
    """The words of each platform `offered` (for the menus with an option per platform)."""
    return tuple(info.words() for info in offered(services))


def words(services: "Services", platform: str | None = None) -> dict[str, str]:
    """The variables of a platform's templates ({platform}, {command_word}, its own texts). Without `platform`
    (help, plans, menus), those of the platform providers connect here; an unknown one (a mistyped link) is named
    as typed, with the words of the platform providers connect here."""
    connectable = services.video.connectable()
    primary = connectable[0].words() if connectable else {}
    if platform is None:
        return primary
    try:
        return services.video.info(platform).words()
    except KeyError:
        return {**primary, "platform": platform.title()}


def callback_url(services: "Services", platform: str) -> str:
    return services.url(f"/oauth/{platform}/callback")


# -- reading ----------------------------------------------------------------------------------------------------

def connection(session: Session, provider_id: int, platform: str, *, lock: bool = False) -> VideoConnection | None:
    query = select(VideoConnection).where(VideoConnection.provider_id == provider_id,
                                          VideoConnection.platform == platform)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def connected_email(services: "Services", conn: VideoConnection) -> str:
    return services.cipher.decrypt(conn.email_enc)


# -- connecting -------------------------------------------------------------------------------------------------

def new_connect_link(services: "Services", session: Session, provider: Provider, platform: str,
                     now: datetime) -> str:
    """A short single-use link to our own server, valid for 10 minutes, bound to this provider."""
    token = secrets.token_urlsafe(16)
    session.add(ConnectLink(provider_id=provider.id, platform=platform, token_hash=digest(token), created_at=now,
                            expires_at=now + LINK_TTL))
    return services.url(f"/connect/{platform}/{token}")


def open_link(services: "Services", platform: str, token: str, browser_nonce: str) -> str:
    """Spend the link and return the platform's authorization URL (fresh state + PKCE challenge). The state only
    completes in the browser that opened the link (`browser_nonce`, kept in a cookie), so an authorization URL
    forwarded to somebody else cannot connect their account to this provider."""
    video = services.video.get(platform)
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        link = session.scalars(select(ConnectLink).where(ConnectLink.token_hash == digest(token),
                                                         ConnectLink.platform == platform)
                               .with_for_update()).one_or_none()
        if link is None:
            raise LinkRefused("unknown")
        if link.opened_at is not None:
            raise LinkRefused("used")
        if link.expires_at <= now:
            raise LinkRefused("expired")
        if not plans.can_connect(session.get(Provider, link.provider_id), services.video.info(platform), now):
            raise LinkRefused("plan")
        state = secrets.token_urlsafe(32)
        verifier, challenge = pkce_pair()
        link.opened_at = now
        link.browser_hash = digest(browser_nonce)
        link.state_hash = digest(state)
        link.code_verifier_enc = services.cipher.encrypt(verifier)
        link.state_expires_at = now + STATE_TTL
    return video.authorize_url(state=state, code_challenge=challenge, redirect_uri=callback_url(services, platform))


def complete(services: "Services", platform: str, *, state: str, code: str | None, error: str | None,
             browser_nonce: str | None) -> Connected:
    """The platform sent the browser back: check the state (once), exchange the code, store the connection and
    tell the provider in chat. Raises LinkRefused with the reason to show."""
    video = services.video.get(platform)
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        link = session.scalars(select(ConnectLink).where(ConnectLink.state_hash == digest(state or "-"),
                                                         ConnectLink.platform == platform)
                               .with_for_update()).one_or_none()
        if not state or link is None:
            raise LinkRefused("unknown")
        if link.completed_at is not None:
            raise LinkRefused("used")
        if link.state_expires_at is None or link.state_expires_at <= now:
            raise LinkRefused("expired")
        if not browser_nonce or link.browser_hash != digest(browser_nonce):
            raise LinkRefused("browser")  # not the browser that opened our link: leave the state unspent
        link.completed_at = now
        provider_id = link.provider_id
        verifier = services.cipher.decrypt(link.code_verifier_enc or "")
        link.code_verifier_enc = None
    name = words(services, platform)
    if error or not code:
        _tell(services, provider_id, msg.PLATFORM_DECLINED.format(**name))
        raise LinkRefused("declined")
    try:
        tokens = video.exchange_code(code=code, code_verifier=verifier,
                                     redirect_uri=callback_url(services, platform))
        account = video.current_account(tokens.access_token)
    except VideoProviderError as exc:
        log.warning("%s authorization failed for provider %s: %s", platform, provider_id, exc.message)
        _tell(services, provider_id, msg.PLATFORM_AUTH_FAILED.format(**name))
        raise LinkRefused("failed") from None
    replaced = _store_connection(services, provider_id, platform, tokens, account, now)
    if replaced:
        _revoke_quietly(services, platform, replaced)
    _tell(services, provider_id, msg.PLATFORM_CONNECTED_CHAT.format(**name, email=account.email), sealed=True)
    return Connected(provider_id=provider_id, email=account.email)


def _store_connection(services: "Services", provider_id: int, platform: str, tokens: TokenSet,
                      account: VideoAccount, now: datetime) -> str | None:
    """Insert or replace the connection; returns the replaced refresh token (to revoke) if another account was
    connected before."""
    encrypt = services.cipher.encrypt
    with unit_of_work(services.sessions) as session:
        conn = connection(session, provider_id, platform, lock=True)
        other_account = conn is not None and conn.external_user_id != account.user_id
        # Revoking a grant of the same platform user would remove the app for that user, new grant included.
        replaced = services.cipher.decrypt(conn.refresh_token_enc) if other_account else None
        if other_account:
            _delete_sealed_messages(session, provider_id)
            _forget_busy_times(session, provider_id, platform)
        if conn is None:
            conn = VideoConnection(provider_id=provider_id, platform=platform, connected_at=now)
            session.add(conn)
        conn.external_user_id, conn.external_account_id = account.user_id, account.account_id
        conn.email_enc = encrypt(account.email)
        conn.access_token_enc, conn.refresh_token_enc = encrypt(tokens.access_token), encrypt(tokens.refresh_token)
        conn.access_expires_at, conn.scope = tokens.expires_at, tokens.scope[:255]
        conn.status, conn.connected_at, conn.updated_at = "connected", now, now
    return replaced


# -- using ------------------------------------------------------------------------------------------------------

def access_token(services: "Services", provider_id: int, platform: str, *, stale: str | None = None) -> str:
    """A valid access token, refreshed first when it expires within 5 minutes (or equals `stale`, the token the
    platform just refused). The connection row stays locked during the refresh so two workers never spend the
    same refresh token; the rotated pair is committed before the token is used."""
    video = services.video.get(platform)
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        conn = connection(session, provider_id, platform, lock=True)
        if conn is None or conn.status != "connected":
            raise NotConnected(broken=conn is not None)
        current = services.cipher.decrypt(conn.access_token_enc)
        if current != stale and conn.access_expires_at - REFRESH_MARGIN > now:
            return current
        try:
            tokens = video.refresh(services.cipher.decrypt(conn.refresh_token_enc))
        except InvalidGrant:
            conn.status, conn.updated_at = "broken", now
            provider = session.get(Provider, provider_id)
            link = new_connect_link(services, session, provider, platform, now)
            ids = outbox.queue(session, provider.contact, [msg.PLATFORM_BROKEN.format(
                **words(services, platform), link=link)], now)
            broken = True
        else:
            conn.access_token_enc = services.cipher.encrypt(tokens.access_token)
            conn.refresh_token_enc = services.cipher.encrypt(tokens.refresh_token)
            conn.access_expires_at, conn.updated_at = tokens.expires_at, now
            broken = False
    if broken:
        outbox.after_commit(services, ids)
        raise NotConnected(broken=True)
    return tokens.access_token


def call(services: "Services", provider_id: int, platform: str, action: Callable[[str], T]) -> T:
    """Run `action(access_token)`; on an access token the platform refuses, refresh once and retry."""
    token = access_token(services, provider_id, platform)
    try:
        return action(token)
    except AccessTokenInvalid:
        return action(access_token(services, provider_id, platform, stale=token))


# -- disconnecting ----------------------------------------------------------------------------------------------

def disconnect(services: "Services", session: Session, provider_id: int, platform: str) -> str | None:
    """Delete the connection (tokens and email) in the caller's transaction. Returns the refresh token so that
    the caller can revoke it after commit (see `after_disconnect`), or None if nothing was connected."""
    conn = connection(session, provider_id, platform, lock=True)
    if conn is None:
        return None
    token = services.cipher.decrypt(conn.refresh_token_enc)
    _delete_sealed_messages(session, conn.provider_id)
    _forget_busy_times(session, conn.provider_id, platform)
    session.delete(conn)
    session.flush()
    return token


def after_disconnect(services: "Services", platform: str, token: str | None) -> None:
    """Once the delete is committed: revoke at the platform (best effort, short timeout) and reclaim storage."""
    if token:
        _revoke_quietly(services, platform, token)
    purge_deleted_rows(services)


def deauthorize(services: "Services", platform: str, external_user_id: str, external_account_id: str | None) -> int:
    """The user removed our app on the platform's side: delete their connections now and tell them in chat.
    Safe to receive twice (the second finds nothing)."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        if services.engine.dialect.name == "postgresql":  # a worker mid-refresh holds the row: don't wait long
            session.execute(text("SET LOCAL lock_timeout = '1s'"))
        query = select(VideoConnection).where(VideoConnection.platform == platform,
                                              VideoConnection.external_user_id == external_user_id)
        if external_account_id:
            query = query.where(VideoConnection.external_account_id == external_account_id)
        conns = session.scalars(query.with_for_update()).all()
        ids: list[int] = []
        for conn in conns:
            provider = session.get(Provider, conn.provider_id)
            _delete_sealed_messages(session, conn.provider_id)
            _forget_busy_times(session, conn.provider_id, platform)
            session.delete(conn)
            ids += outbox.queue(session, provider.contact, [msg.PLATFORM_REMOVED.format(
                **words(services, platform))], now)
        session.execute(delete(ConnectLink).where(ConnectLink.provider_id.in_([c.provider_id for c in conns]),
                                                  ConnectLink.platform == platform))
    if conns:  # telling the provider and reclaiming storage can take a while: the worker does it
        services.queue.after_deletion(ids)
    return len(conns)


def _delete_sealed_messages(session: Session, provider_id: int) -> None:
    """The chat history named the connected email only in sealed (encrypted) messages: they go with the
    connection, so nothing that came from the platform outlives it, and nothing needs redacting."""
    provider = session.get(Provider, provider_id)
    session.execute(delete(OutboundMessage).where(OutboundMessage.contact_id == provider.contact_id,
                                                  OutboundMessage.sealed))


def _forget_busy_times(session: Session, provider_id: int, platform: str) -> None:
    """The busy times read from the account's calendar (bot.services.calendars) go with the connection."""
    session.execute(delete(BusyTimes).where(BusyTimes.provider_id == provider_id, BusyTimes.platform == platform))


def purge_deleted_rows(services: "Services") -> None:
    """Deleted means gone from storage: SQLite overwrites deleted content (secure_delete, set per connection);
    on PostgreSQL a VACUUM reclaims the dead row versions now instead of some time later (they only ever held the
    email and tokens encrypted: the connection's and those of its sealed messages)."""
    if services.engine.dialect.name != "postgresql":
        return
    try:
        with services.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("video_connections", "busy_times", "connect_links", "outbound_messages"):
                conn.execute(text(f"VACUUM {table}"))
    except Exception:  # noqa: BLE001 - autovacuum will do it later; the rows are already deleted
        log.warning("VACUUM after deleting video connections failed", exc_info=True)


def _revoke_quietly(services: "Services", platform: str, token: str) -> None:
    try:
        services.video.get(platform).revoke(token)
    except VideoProviderError as exc:
        log.warning("%s token revoke failed (already deleted here): %s", platform, exc.message)


def _tell(services: "Services", provider_id: int, text_: str, *, sealed: bool = False) -> None:
    """Message the provider; `sealed`: the text names the connected account (stored encrypted)."""
    outbox.announce(services, lambda session, now: [(session.get(Provider, provider_id).contact, text_)], sealed=sealed)
