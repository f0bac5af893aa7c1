""""My bookings" for customers and providers: the upcoming bookings with their meeting links, and cancelling or
rescheduling one. The guide: "The provider can see the meeting link in their booking details".

Only your own bookings are ever reachable: the list is computed from who is writing (a provider sees the bookings
of their sessions and, if they booked someone else, their own), a pick is a number or a reference from that list,
and every later step loads the booking again and checks it still belongs to the writer."""
from __future__ import annotations

from dataclasses import dataclass

from transitions import EventData

from bot.core import messages as msg
from bot.core.choices import Choice
from bot.core.sessions_text import format_duration
from bot.core.slots import format_slot_with_zone
from bot.core.text import normalise
from bot.dialogue.context import Draft, Listed
from bot.flows.booking import BookingDraft
from bot.flows.common import dialogue
from bot.services import booking as booking_service
from bot.services import bookings, video_accounts
from bot.services.notify import where_text
from store.models import Booking

MAX_LISTED = 20
MAX_REASON = 300  # characters of a cancellation reason kept (the column's size)
NO_REASON = frozenset({"skip", "no", "none", "no reason", "nothing", "n/a", "na", "-", "nope", "rather not say"})


@dataclass
class MyBookingsDraft(Listed, Draft):
    """`listed`: the booking ids shown; `booking_id`: the one picked; `cancelling`: "cancel" was said in a list of
    several, so the next pick cancels; `reason`: why, if the person cancelling said (passed to the other side)."""

    KEY = "my_bookings"
    booking_id: int | None = None
    cancelling: bool = False
    reason: str | None = None


# -- reading ----------------------------------------------------------------------------------------------------

def _upcoming(d) -> list[Booking]:
    return booking_service.list_bookings(d.session, d.contact, d.now)


def _as_provider(d, booking: Booking) -> bool:
    return d.provider is not None and booking.provider_id == d.provider.id


def _zone(d, booking: Booking) -> str:
    """The writer's current zone (a `time zone` change shows their own bookings in the new one at once)."""
    if _as_provider(d, booking):
        return d.provider.timezone
    return d.contact.timezone or booking.customer_timezone


def _when(d, booking: Booking) -> str:
    return format_slot_with_zone(booking.start_at, _zone(d, booking))


def _current(d) -> Booking | None:
    """The picked booking, if it (still) belongs to the writer."""
    return booking_service.owned_booking(d.session, d.contact, d.draft(MyBookingsDraft).booking_id)


def _where(d, booking: Booking) -> str:
    """The join link when it's there; otherwise where the link stands (Meet link or address for the others)."""
    meeting = booking.meeting
    words = d.words(booking.offering.platform)
    if bookings.needs_meeting(booking.offering) and (meeting is None or not meeting.join_url):
        status = meeting.status if meeting is not None else "pending"
        yours = _as_provider(d, booking)  # (to the provider: "once *you* reconnect")
        return {"waiting": msg.MB_WHERE_PLATFORM_WAITING_YOURS if yours else msg.MB_WHERE_PLATFORM_WAITING,
                "failed": msg.MB_WHERE_PLATFORM_FAILED_YOURS if yours else msg.MB_WHERE_PLATFORM_FAILED}.get(
            status, msg.MB_WHERE_PLATFORM_PENDING).format(**words)
    return where_text(booking, meeting, words)[1]


def _reconnect_platform(d, rows: list[Booking]) -> str | None:
    """The platform of a session of the writer's own (as provider) whose connection is missing or broken."""
    if d.provider is None:
        return None
    for platform in dict.fromkeys(b.offering.platform for b in rows
                                  if _as_provider(d, b) and bookings.needs_meeting(b.offering)):
        if not video_accounts.readiness(d.services, d.session, d.provider, platform, d.now).connected:
            return platform
    return None


def _other_party(d, booking: Booking) -> str:
    return booking.customer_name if _as_provider(d, booking) else booking.offering.provider.display_name


# -- the list ---------------------------------------------------------------------------------------------------

def show_list(event: EventData) -> None:
    d = dialogue(event)
    rows = _upcoming(d)
    d.forget()  # also what a finished reschedule (which lands here) left behind
    d.draft(MyBookingsDraft).listed = [b.id for b in rows[:MAX_LISTED]]
    if not rows:
        d.say(msg.MB_NONE)
        d.say(msg.MB_NONE_PROVIDER_HINT if d.provider is not None else msg.MB_NONE_CUSTOMER_HINT)
        return
    lines, choices = [], []
    for number, booking in enumerate(rows[:MAX_LISTED], 1):
        values = dict(number=number, session=booking.offering.name, when=_when(d, booking), where=_where(d, booking))
        if _as_provider(d, booking):
            customer = booking.customer_name + _attending(booking)
            lines.append(msg.MB_LINE_AS_PROVIDER.format(customer=customer, **values))
            row = msg.MB_ROW_AS_PROVIDER.format(customer=customer, when=values["when"])
        else:
            lines.append(msg.MB_LINE_AS_CUSTOMER.format(provider=booking.offering.provider.display_name, **values))
            row = msg.MB_ROW_AS_CUSTOMER.format(provider=booking.offering.provider.display_name, when=values["when"])
        choices.append(Choice(str(booking.id), booking.offering.name, row))
    if len(rows) > MAX_LISTED:
        lines.append(msg.MB_LIST_MORE.format(count=len(rows) - MAX_LISTED))
    d.say("{options}", options=d.listing(choices, lines, lead=msg.MB_LIST_HEADER))
    platform = _reconnect_platform(d, rows)
    if platform:
        d.say(msg.MB_PLATFORM_RECONNECT, **d.words(platform))
    d.say(msg.MB_LIST_FOOTER)


def open_booking(d, booking_id: int) -> None:
    """Make `booking_id` the picked booking (a reminder's Reschedule / Cancel names it); every step checks it is
    still the writer's."""
    d.draft(MyBookingsDraft).booking_id = booking_id


def _attending(booking: Booking) -> str:
    return " · " + msg.MB_ATTENDING if booking.attending_at is not None else ""


def _picked_id(d) -> int | None:
    """The booking the answer names, by number or reference, among those listed and still upcoming."""
    listed = [i for i in d.draft(MyBookingsDraft).listed if isinstance(i, int)]
    answer = d.text.strip().lstrip("#").strip()
    if answer.isdigit():
        number = int(answer)
        booking_id = listed[number - 1] if 1 <= number <= len(listed) else None
    else:
        by_reference = {b.reference: b.id for b in _upcoming(d) if b.id in listed}
        booking_id = by_reference.get(answer.upper())
    if booking_id is None or booking_id not in {b.id for b in _upcoming(d)}:
        return None
    return booking_id


def picked_booking(event: EventData) -> bool:
    return _picked_id(dialogue(event)) is not None


def picked_changeable(event: EventData) -> bool:
    d = dialogue(event)
    return _changeable(d, booking_service.get_booking(d.session, _picked_id(d)))


def keep_booking(event: EventData) -> None:
    d = dialogue(event)
    d.draft(MyBookingsDraft).booking_id = _picked_id(d)


def pick_rejected(event: EventData) -> None:
    d = dialogue(event)
    count = len(d.draft(MyBookingsDraft).listed)
    if count == 0 or not _upcoming(d):
        d.say(msg.MB_NONE)
        d.say(msg.MB_NONE_PROVIDER_HINT if d.provider is not None else msg.MB_NONE_CUSTOMER_HINT)
        return
    d.say(msg.MB_PICK_REJECTED, count=count)


def cancelling(event: EventData) -> bool:
    return dialogue(event).draft(MyBookingsDraft).cancelling


def _only_one(d) -> Booking | None:
    rows = _upcoming(d)
    listed = d.draft(MyBookingsDraft).listed
    return rows[0] if len(rows) == 1 and rows[0].id in listed else None


def only_one_changeable(event: EventData) -> bool:
    """"cancel" in a list of one booking that can still be cancelled."""
    d = dialogue(event)
    booking = _only_one(d)
    return booking is not None and _changeable(d, booking)


def keep_only(event: EventData) -> None:
    d = dialogue(event)
    d.draft(MyBookingsDraft).booking_id = _only_one(d).id


def which_to_cancel(event: EventData) -> None:
    """"cancel" in the list: ask which of several; the next pick goes straight to cancelling it."""
    d = dialogue(event)
    count = len(d.draft(MyBookingsDraft).listed)
    if count == 0 or not _upcoming(d):
        pick_rejected(event)
    elif (booking := _only_one(d)) is not None:
        _refuse(d, booking)
    else:
        d.draft(MyBookingsDraft).cancelling = True
        d.say(msg.MB_WHICH_TO_CANCEL, count=count)


# -- one booking --------------------------------------------------------------------------------------------------

def show_detail(event: EventData) -> None:

    d = dialogue(event)
    booking = _current(d)
    if booking is None or booking.status != "confirmed" or booking.end_at <= d.now:
        d.say(msg.MB_GONE)
        return
    who = (msg.MB_DETAIL_WITH_CUSTOMER.format(customer=booking.customer_name, email=booking.customer_email)
           + _attending(booking)
           if _as_provider(d, booking) else
           msg.MB_DETAIL_WITH_PROVIDER.format(provider=booking.offering.provider.display_name))
    d.say(msg.MB_DETAIL, session=booking.offering.name, reference=booking.reference, who=who, when=_when(d, booking),
          duration=format_duration(booking.offering.duration_minutes), where=_where(d, booking))
    platform = _reconnect_platform(d, [booking])
    if platform:
        d.say(msg.MB_PLATFORM_RECONNECT, **d.words(platform))
    d.say(msg.MB_DETAIL_OPTIONS, options=d.options("booking_detail"))


def _changeable(d, booking: Booking | None) -> bool:
    return booking_service.unchangeable(booking, d.now) is None


def _refuse(d, booking: Booking | None) -> None:
    """Why a booking can't be cancelled or moved."""
    d.say(msg.MB_CANT_CHANGE_STARTED if booking_service.unchangeable(booking, d.now) == "started" else msg.MB_GONE)


def can_change(event: EventData) -> bool:
    """Cancelling and moving alike: a paused session's bookings can be moved too (pausing only stops new bookings)."""
    d = dialogue(event)
    return _changeable(d, _current(d))


def change_refused(event: EventData) -> None:
    d = dialogue(event)
    _refuse(d, _current(d))


# -- cancel: why (optional), then the confirmation ----------------------------------------------------------------

def ask_reason(event: EventData) -> None:
    d = dialogue(event)
    booking = _current(d)
    d.draft(MyBookingsDraft).reason = None
    if not _changeable(d, booking):
        _refuse(d, booking)
        return
    d.say(msg.MB_ASK_CANCEL_REASON, other=_other_party(d, booking))
    d.also_offer([Choice("skip", msg.OPT_SKIP)])


def keep_reason(event: EventData) -> None:
    """The answer to "why?": a reason (cut to MAX_REASON characters), or none for *skip*."""
    d = dialogue(event)
    text = " ".join(d.text.split())
    if normalise(text) in NO_REASON or not text:
        reason = None
    else:
        reason = text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"
    d.draft(MyBookingsDraft).reason = reason


def ask_cancel(event: EventData) -> None:

    d = dialogue(event)
    booking = _current(d)
    if not _changeable(d, booking):
        _refuse(d, booking)
        return
    reason = d.draft(MyBookingsDraft).reason
    options = d.options("confirm_cancel_booking",
                        lead=msg.MB_CONFIRM_CANCEL_REASON.format(reason=reason) if reason is not None else "")
    d.say(msg.MB_CONFIRM_CANCEL, session=booking.offering.name, when=_when(d, booking), reference=booking.reference,
          other=_other_party(d, booking), options=options)


def cancel_booking(event: EventData) -> None:
    """Cancel through the use case (it tells the other side; after commit the meeting nobody uses any more is
    deleted and the cancellation emailed) and say so."""
    d = dialogue(event)
    draft = d.draft(MyBookingsDraft)
    told = booking_service.cancel(d.session, d.services, booking_id=draft.booking_id, contact=d.contact, now=d.now,
                                  reason=draft.reason)
    if not told.done:
        _refuse(d, told.booking)
        return
    booking = told.booking
    d.say(msg.MB_CANCELLED, reference=booking.reference, session=booking.offering.name, when=_when(d, booking),
          other=_other_party(d, booking))
    draft.booking_id, draft.reason = None, None
    d.later(told.then)


# -- reschedule ---------------------------------------------------------------------------------------------------

def start_reschedule(event: EventData) -> None:
    """Hand over to the booking flow at the day step, for the same provider and session, in the writer's zone."""
    d = dialogue(event)
    booking = _current(d)
    d.say(msg.MB_RESCHEDULE_START, session=booking.offering.name, when=_when(d, booking))
    d.forget()
    d.draft(MyBookingsDraft).booking_id = booking.id  # (`back` from the day step shows it again)
    move = d.draft(BookingDraft)
    move.reschedule_booking_id, move.provider_id = booking.id, booking.provider_id
    move.offering_id, move.timezone = booking.offering_id, _zone(d, booking)
