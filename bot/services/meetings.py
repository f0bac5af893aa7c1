"""Meetings on the provider's video platform (the meeting row names it), one per occurrence, worked on by the
background worker: create (then send the join link to every attendee in chat and by email), update after a reschedule, delete after the last cancellation.
Failures never lose a booking: rate limits wait as long as the platform says (a spent daily quota, such as Zoom's
100 creates/updates per user per day, until it resets; a per-second one a few seconds), 5xx and timeouts back off
and retry; a broken or missing connection waits for the provider to reconnect. The durable state is the
meetings row; the task queue only wakes the work up."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, TypeVar

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.core import messages as msg
from bot.core.slots import format_slot_with_zone
from bot.services import outbox, rich, video_accounts
from integrations.video import (
    MeetingNotFound,
    MeetingRequest,
    ProviderUnavailable,
    RateLimited,
    VideoProvider,
    VideoProviderError,
)
from store.db import unit_of_work
from store.models import Booking, Meeting, Offering, Provider

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
# A worker's claim on a meeting lasts as long as one call to a platform can (VideoProvider.call_timeout) and this
# much more, and is renewed before each call: a worker killed in the middle holds the meeting for seconds.
CLAIM_MARGIN = timedelta(seconds=5)
DEFAULT_CALL_TIMEOUT = 20.0  # seconds, when no platform is registered (nothing can be called then anyway)
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
RATE_LIMIT_BACKOFF = timedelta(seconds=2)  # a per-second quota is free again within seconds
MAX_RATE_LIMIT_BACKOFF = timedelta(minutes=5)
MAX_RATE_LIMIT_WAIT = timedelta(hours=25)  # a daily quota resets within a day, whatever a Retry-After claims
MAX_REFUSALS = 5
LINK_PENDING_WAIT = timedelta(seconds=5)  # a meeting made whose link the platform is still making


def backoff(attempts: int) -> timedelta:
    return min(BASE_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def rate_limit_wait(exc: RateLimited, attempts: int) -> timedelta:
    """How long to wait after a 429: what the platform said (its client turns a spent daily quota into the time
    until it resets), else a short backoff in seconds."""
    if exc.retry_after is not None and exc.retry_after >= 1:
        return min(timedelta(seconds=exc.retry_after), MAX_RATE_LIMIT_WAIT)
    return min(RATE_LIMIT_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_RATE_LIMIT_BACKOFF)


def claim_ttl(services: "Services") -> timedelta:
    seconds = max((services.video.get(name).call_timeout for name in services.video.names()),
                  default=DEFAULT_CALL_TIMEOUT)
    return timedelta(seconds=seconds) + CLAIM_MARGIN


class ClaimLost(Exception):
    """Another worker took the meeting over (this one's claim ran out): leave the meeting to it."""


@dataclass
class _Claim:
    meeting_id: int
    at: datetime  # the claimed_at this worker wrote last: it owns the meeting while the row still says so
    took_over: bool  # the claim of a worker that stopped in the middle had run out
    platform: str = ""  # the meeting's platform (read by `process`)


def _claim(services: "Services", meeting_id: int) -> _Claim | None:
    now = services.clock()
    due = or_(Meeting.next_attempt_at.is_(None), Meeting.next_attempt_at <= now)
    with unit_of_work(services.sessions) as session:
        for took_over, free in ((False, Meeting.claimed_at.is_(None)),
                                (True, Meeting.claimed_at < now - claim_ttl(services))):
            if session.execute(update(Meeting).where(Meeting.id == meeting_id, free, due)
                               .values(claimed_at=now)).rowcount:
                return _Claim(meeting_id, now, took_over)
    return None


def _renew(services: "Services", claim: _Claim) -> None:
    """Just before a call to the platform: the claim lasts for this call too, if it is still this worker's."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        if not session.execute(update(Meeting).where(Meeting.id == claim.meeting_id, Meeting.claimed_at == claim.at)
                               .values(claimed_at=now)).rowcount:
            raise ClaimLost(claim.meeting_id)
    claim.at = now


def _release(services: "Services", claim: _Claim, **values) -> bool:
    """Store `values` and give the claim up; nothing happens if another worker has taken the meeting over."""
    with unit_of_work(services.sessions) as session:
        return bool(session.execute(update(Meeting).where(Meeting.id == claim.meeting_id,
                                                          Meeting.claimed_at == claim.at)
                                    .values(claimed_at=None, updated_at=services.clock(), **values)).rowcount)


def _call(services: "Services", claim: _Claim, provider_id: int, action: Callable[[VideoProvider, str], T]) -> T:
    """video_accounts.call with the claim renewed before each request (a retry after a refreshed token too)."""
    video = services.video.get(claim.platform)

    def renewed(token: str) -> T:
        _renew(services, claim)
        return action(video, token)

    return video_accounts.call(services, provider_id, claim.platform, renewed)


def process(services: "Services", meeting_id: int) -> str:
    """One attempt at whatever the meeting needs; returns what happened (for logs and tests)."""
    claim = _claim(services, meeting_id)
    if claim is None:
        return "busy-or-not-due"
    try:
        with unit_of_work(services.sessions) as session:
            meeting = session.get(Meeting, meeting_id)
            offering = session.get(Offering, meeting.offering_id)
            provider = session.get(Provider, meeting.provider_id)
            status, needs_update, external_id = meeting.status, meeting.needs_update, meeting.external_id
            late = claim.took_over and status == "pending" and meeting.attempts == 0
            if claim.took_over:  # the worker before stopped in the middle (killed, or stuck past its timeouts)
                meeting.attempts += 1
                meeting.last_error = "a worker stopped while talking to the platform"
            attempts, version = meeting.attempts, meeting.version
            attendees = session.scalars(select(Booking).where(Booking.meeting_id == meeting_id,
                                                              Booking.status == "confirmed")).all()
            request = MeetingRequest(
                topic=(f"{offering.name} · {attendees[0].customer_name}" if offering.capacity == 1 and attendees
                       else offering.name)[:200],
                start_time=meeting.start_at, duration_minutes=offering.duration_minutes,
                timezone=provider.timezone,
                agenda=f"Booked on MyNextSlot ({', '.join(b.reference for b in attendees) or 'no attendees'})",
                idempotency_key=f"mynextslot-meeting-{meeting_id}")  # a retried create finds the first one
            provider_id, claim.platform = provider.id, meeting.platform
        if claim.took_over:
            log.warning("meeting %s: taken over from a worker that stopped in the middle", meeting_id)
        if late:  # the customer has waited for the link longer than a call to the platform can take
            _tell_attendees(services, meeting_id, msg.LINK_DELAYED)
        if status == "pending":
            return _create(services, claim, provider_id, request, attempts, version)
        if status == "ready" and needs_update and external_id:
            return _update(services, claim, provider_id, external_id, request, attempts, version)
        if status == "deleting" and external_id:
            return _delete(services, claim, provider_id, external_id, attempts)
        _release(services, claim)
        if status == "ready" and deliver_links(services, meeting_id):  # a later attendee of a group occurrence
            return "delivered"
        return "nothing-to-do"
    except ClaimLost:
        log.warning("meeting %s: another worker took it over; leaving it to that one", meeting_id)
        return "claim-lost"
    except BaseException:
        _release(services, claim)
        raise


def _settle(services: "Services", claim: _Claim, seen_version: int, **values) -> str:
    """Store what the platform answered. If a cancel or reschedule changed the meeting meanwhile (its version moved),
    the answer is kept but the meeting stays due: deleted if nobody needs it any more, updated if it moved. A meeting
    created after another worker took this one over and stored its own is not stored: "duplicate"."""
    with unit_of_work(services.sessions) as session:
        meeting = session.get(Meeting, claim.meeting_id, with_for_update=True, populate_existing=True)
        ours = meeting.claimed_at == claim.at
        if ours:
            meeting.claimed_at = None
        created = values.get("external_id")
        if created is not None and meeting.external_id not in (None, created):
            return "duplicate"
        for name, value in values.items():
            setattr(meeting, name, value)
        meeting.updated_at = services.clock()
        if meeting.version == seen_version:
            meeting.status, meeting.needs_update = "ready", False
        elif meeting.status in ("deleted", "deleting"):
            meeting.status = "deleting"
        else:
            meeting.status, meeting.needs_update = "ready", True
        return "ready" if not meeting.needs_update and meeting.status == "ready" else "changed"


def _create(services, claim, provider_id, request, attempts, version) -> str:
    now = services.clock()
    try:
        created = _call(services, claim, provider_id, lambda video, token: video.create_meeting(token, request))
    except video_accounts.NotConnected as exc:
        return _wait_for_connection(services, claim, exc)
    except (RateLimited, ProviderUnavailable, VideoProviderError) as exc:
        return _retry_later(services, claim, exc, attempts, now, first_failure=attempts == 0)
    if not created.ready:  # made, its link still being made: the same create (idempotent) asks again soon
        wait_until = now + LINK_PENDING_WAIT
        if not _release(services, claim, external_id=created.id, next_attempt_at=wait_until,
                        last_error="the platform is still making the link"):
            return "claim-lost"
        services.queue.meeting(claim.meeting_id, eta=wait_until)
        return "link-pending"
    outcome = _settle(services, claim, version, external_id=created.id, join_url=created.join_url,
                      password=created.password, attempts=attempts + 1, next_attempt_at=None, last_error=None)
    if outcome == "duplicate":  # the platform answered too late: the worker that took over made the meeting we keep
        _delete_duplicate(services, claim, provider_id, created.id)
        return "duplicate-deleted"
    if outcome == "ready":
        deliver_links(services, claim.meeting_id)
        return "created"
    services.queue.meeting(claim.meeting_id)  # cancelled or moved while it was being created: delete or update it
    return "created-then-changed"


def _wait_for_connection(services, claim, exc: video_accounts.NotConnected) -> str:
    """No working connection: the meeting waits for the provider to reconnect (who is told, with a link)."""
    _release(services, claim, status="waiting", last_error=f"{claim.platform} broken" if exc.broken else
             f"{claim.platform} not connected")
    _tell_waiting(services, claim.meeting_id, broken=exc.broken)
    return "waiting"


def _delete_duplicate(services, claim, provider_id, external_id) -> None:
    video = services.video.get(claim.platform)
    try:
        video_accounts.call(services, provider_id, claim.platform,
                            lambda token: video.delete_meeting(token, external_id))
    except (video_accounts.NotConnected, VideoProviderError) as exc:
        log.warning("meeting %s: a duplicate made at %s could not be deleted: %s", claim.meeting_id, claim.platform,
                    type(exc).__name__)


def _update(services, claim, provider_id, external_id, request, attempts, version) -> str:
    """Move the meeting to its new time (the join link stays the same at the platform)."""
    now = services.clock()
    try:
        _call(services, claim, provider_id, lambda video, token: video.update_meeting(token, external_id, request))
    except MeetingNotFound:  # deleted at the platform meanwhile: make a new one
        _release(services, claim, status="pending", external_id=None, join_url=None, password=None,
                 needs_update=False)
        return process(services, claim.meeting_id)
    except video_accounts.NotConnected as exc:
        return _wait_for_connection(services, claim, exc)
    except (RateLimited, ProviderUnavailable, VideoProviderError) as exc:
        return _retry_later(services, claim, exc, attempts, now)
    if _settle(services, claim, version, attempts=0, next_attempt_at=None, last_error=None) != "ready":
        services.queue.meeting(claim.meeting_id)  # moved again (or cancelled) while it was being updated
        return "updated-then-changed"
    deliver_links(services, claim.meeting_id)
    return "updated"


def _delete(services, claim, provider_id, external_id, attempts) -> str:
    now = services.clock()
    try:
        _call(services, claim, provider_id, lambda video, token: video.delete_meeting(token, external_id))
    except video_accounts.NotConnected:
        _release(services, claim, status="deleted", last_error=f"not deleted at {claim.platform}: not connected")
        return "deleted-locally"
    except (RateLimited, ProviderUnavailable, VideoProviderError) as exc:
        return _retry_later(services, claim, exc, attempts, now)
    _release(services, claim, status="deleted", next_attempt_at=None, last_error=None)
    return "deleted"


def _retry_later(services, claim, exc: VideoProviderError, attempts: int, now: datetime,
                 first_failure: bool = False) -> str:
    meeting_id = claim.meeting_id
    attempts += 1
    if isinstance(exc, RateLimited):
        wait_until = now + rate_limit_wait(exc, attempts)
    elif isinstance(exc, ProviderUnavailable) or (exc.status or 0) >= 500:
        wait_until = now + backoff(attempts)
    elif attempts >= MAX_REFUSALS:
        if _release(services, claim, status="failed", attempts=attempts, last_error=exc.message[:255]):
            _tell_failed(services, meeting_id)
            return "failed"
        return "claim-lost"
    else:
        wait_until = now + backoff(attempts)
    log.warning("meeting %s: %s; retrying at %s", meeting_id, type(exc).__name__, wait_until.isoformat())
    if not _release(services, claim, attempts=attempts, next_attempt_at=wait_until,
                    last_error=f"{type(exc).__name__}: {exc.message}"[:255]):
        return "claim-lost"  # another worker has it now
    if first_failure:
        _tell_attendees(services, meeting_id, msg.LINK_DELAYED)
    services.queue.meeting(meeting_id, eta=wait_until)
    return "retry"


def deliver_links(services: "Services", meeting_id: int) -> int:
    """Send the join link to every confirmed attendee who has not had it yet (chat now, email via the queue)."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        meeting = session.get(Meeting, meeting_id)
        bookings = session.scalars(select(Booking).where(Booking.meeting_id == meeting_id,
                                                         Booking.status == "confirmed",
                                                         Booking.link_sent_at.is_(None))
                                   .with_for_update()).all()
        ids: list[int] = []
        for booking in bookings:
            offering = booking.offering
            words = video_accounts.words(services, meeting.platform)
            text = msg.LINK_READY.format(
                **words, session=offering.name, when=format_slot_with_zone(booking.start_at, booking.customer_timezone),
                join_url=meeting.join_url, passcode=meeting.password or "-", reference=booking.reference)
            ids += outbox.queue(session, booking.customer, [text], now,
                                rich_form=rich.link_button(services, text, msg.JOIN_BUTTONS, meeting.join_url, **words))
            booking.link_sent_at = now
            if booking.email_link_pending and booking.email_status != "pending":  # it went without the link
                booking.email_status, booking.email_sequence = "pending", booking.email_sequence + 1
        booking_ids = [b.id for b in bookings]
    outbox.after_commit(services, ids)
    for booking_id in booking_ids:
        services.queue.booking_email(booking_id)
    return len(booking_ids)


def _tell_attendees(services: "Services", meeting_id: int, template: str) -> None:
    def compose(session, now):
        bookings = session.scalars(select(Booking).where(Booking.meeting_id == meeting_id,
                                                         Booking.status == "confirmed")).all()
        words = video_accounts.words(services, session.get(Meeting, meeting_id).platform)
        return [(booking.customer, template.format(
            **words, session=booking.offering.name, reference=booking.reference,
            when=format_slot_with_zone(booking.start_at, booking.customer_timezone))) for booking in bookings]

    outbox.announce(services, compose)


def _tell_provider(services: "Services", meeting_id: int, template: str, *, with_link: bool = False) -> None:
    """Tell the meeting's provider `template` about it (with a fresh connect link to their platform)."""
    def compose(session, now):
        meeting = session.get(Meeting, meeting_id)
        provider, offering = session.get(Provider, meeting.provider_id), session.get(Offering, meeting.offering_id)
        link = (video_accounts.new_connect_link(services, session, provider, meeting.platform, now)
                if with_link else "")
        return [(provider.contact, template.format(
            **video_accounts.words(services, meeting.platform), session=offering.name, link=link,
            when=format_slot_with_zone(meeting.start_at, provider.timezone)))]

    outbox.announce(services, compose)


def wait_for_reconnect(services: "Services", session: Session, meeting: Meeting, now: datetime) -> list[int]:
    """Booked while the provider's platform is not connected (or broken): the meeting waits for the reconnect
    from the start, in the booking's transaction. The customer hears it in their confirmation (so the worker
    does not tell them again); the provider is asked to connect, once per meeting (a broken connection was already
    sent a reconnect link). Returns the outbox ids to hand over after commit."""
    if meeting.status == "waiting":
        return []  # (another attendee of this occurrence booked while it waited: the provider knows)
    provider = session.get(Provider, meeting.provider_id)
    broken = video_accounts.connection(session, provider.id, meeting.platform) is not None
    meeting.status, meeting.updated_at = "waiting", now
    meeting.last_error = f"{meeting.platform} broken" if broken else f"{meeting.platform} not connected"
    if broken:
        return []
    offering = session.get(Offering, meeting.offering_id)
    link = video_accounts.new_connect_link(services, session, provider, meeting.platform, now)
    return outbox.tell(session, provider.contact, msg.PROVIDER_PLATFORM_NEEDED_FOR_BOOKING.format(
        **video_accounts.words(services, meeting.platform), session=offering.name, link=link,
        when=format_slot_with_zone(meeting.start_at, provider.timezone)), now)


def _tell_waiting(services: "Services", meeting_id: int, broken: bool) -> None:
    if not broken:  # (a broken connection already sent the provider a reconnect link)
        _tell_provider(services, meeting_id, msg.PROVIDER_PLATFORM_NEEDED_FOR_BOOKING, with_link=True)
    _tell_attendees(services, meeting_id, msg.LINK_WAITING_FOR_PROVIDER)


def _tell_failed(services: "Services", meeting_id: int) -> None:
    _tell_provider(services, meeting_id, msg.PROVIDER_MEETING_FAILED)
    _tell_attendees(services, meeting_id, msg.LINK_FAILED)


def resume_waiting(services: "Services", provider_id: int) -> int:
    """The provider's platform is connected again: the meetings that waited for it are created now."""
    with unit_of_work(services.sessions) as session:
        waiting = session.scalars(select(Meeting).where(Meeting.provider_id == provider_id,
                                                        Meeting.status == "waiting").with_for_update()).all()
        for meeting in waiting:  # never created: create it; created but not moved yet: update it
            meeting.status = "ready" if meeting.external_id else "pending"
            meeting.needs_update = meeting.external_id is not None
            meeting.next_attempt_at, meeting.attempts = None, 0
        ids = [m.id for m in waiting]
    for meeting_id in ids:
        services.queue.meeting(meeting_id)
    return len(ids)


def due(services: "Services", limit: int = 100) -> list[int]:
    """Meetings with work to do now (for the periodic sweep, in case a queued wake-up was lost)."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        undelivered = select(Booking.id).where(Booking.meeting_id == Meeting.id, Booking.status == "confirmed",
                                               Booking.link_sent_at.is_(None)).exists()
        return list(session.scalars(select(Meeting.id).where(
            or_(Meeting.status.in_(("pending", "deleting")),
                (Meeting.status == "ready") & (Meeting.needs_update | undelivered)),
            or_(Meeting.next_attempt_at.is_(None), Meeting.next_attempt_at <= now),
            or_(Meeting.claimed_at.is_(None), Meeting.claimed_at < now - claim_ttl(services)),
        ).order_by(Meeting.id).limit(limit)))
