"""Customers book a provider's session by chat: `book <CODE>` (or the click-to-chat link) → session → their time zone → day → time → name and email → confirm. Also the second half of a reschedule.

What the journey remembers is a `BookingDraft`; the steps only talk: reading and acting go through
bot.services.booking (`book` and `reschedule` take the place and tell the other side), whose result the guards read."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from transitions import EventData

from bot.core import messages as msg
from bot.core import money, slots, timezones, when
from bot.core.addresses import suggest_domain
from bot.core.choices import Choice
from bot.core.sessions_text import format_duration, place_text
from bot.core.text import NO, YES, clean_input, normalise, person_name
from bot.core.text import number as read_number
from bot.dialogue.context import Dialogue, Draft, Listed
from bot.flows.common import ZoneGuess, dialogue
from bot.services import booking as booking_service
from bot.services import bookings, calendars, contacts, video_accounts
from store.models import Booking, Offering, Provider

_CODE = re.compile(r"[A-Za-z0-9]{4,12}")
# A practical address check (what mail servers accept and what is safe in a header), not the full RFC 5322.
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


@dataclass
class BookingDraft(Listed, ZoneGuess, Draft):
    """The booking being put together. `listed`: the session ids, ISO days or ISO UTC starts shown last; `day` (ISO
    date) and `start` (ISO UTC) once picked; `*_offer`: the value "1" takes. `reschedule_booking_id` when
    my_bookings started a reschedule (it also sets offering_id and timezone, or they are taken from the booking)."""

    KEY = "booking"
    provider_id: int | None = None
    offering_id: int | None = None
    timezone: str | None = None  # the zone times are shown in
    day: str | None = None
    start: str | None = None
    name: str | None = None
    email: str | None = None
    name_offer: str | None = None
    email_offer: str | None = None
    email_typed: str | None = None  # an address we asked "did you mean…?" about: typed again, it is taken
    reschedule_booking_id: int | None = None


def _draft(d: Dialogue) -> BookingDraft:
    return d.draft(BookingDraft)


# -- shared helpers ---------------------------------------------------------------------------------------------

def _shown(text: str, limit: int = 40) -> str:
    text = clean_input(text, 200)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _number(d: Dialogue, count: int) -> int | None:
    """The 0-based index of "3" (or "3." / "#3") among `count` listed items, else None."""
    picked = read_number(normalise(d.text).lstrip("#"))
    if picked is not None and 1 <= picked <= count:
        return picked - 1
    return None


def _is_reschedule(d: Dialogue) -> bool:
    return bool(_draft(d).reschedule_booking_id)


def _reschedule_booking(d: Dialogue) -> Booking | None:
    return booking_service.get_booking(d.session, _draft(d).reschedule_booking_id)


def _offering(d: Dialogue) -> Offering | None:
    offering_id = _draft(d).offering_id
    if offering_id is None and (booking := _reschedule_booking(d)) is not None:
        offering_id = booking.offering_id
    return booking_service.get_offering(d.session, offering_id)


def _zone(d: Dialogue) -> str:
    """The zone the customer sees times in."""
    zone = _draft(d).timezone
    if not zone and (booking := _reschedule_booking(d)) is not None:
        zone = booking.customer_timezone
    return zone or d.contact.timezone or "UTC"


def _free(d: Dialogue, offering: Offering) -> list[datetime]:
    """The free starts, without the provider's busy times: those a refused confirm was just checked against,
    else the stored ones (the worker reads them again after commit when they are getting old)."""
    told = d.outcome
    if isinstance(told, booking_service.Told) and told.busy is not None:
        periods = told.busy
    else:
        busy = calendars.cached(d.services, d.session, offering.provider_id, d.now)
        if busy.stale:
            d.later(calendars.refresher(d.services, offering.provider_id))
        periods = busy.periods
    return booking_service.free_starts(d.session, offering, d.now, moving=_reschedule_booking(d), busy=periods)


def _start(d: Dialogue) -> datetime | None:
    start = _draft(d).start
    return datetime.fromisoformat(start) if start else None


def _day_label(slot: datetime, zone: str) -> str:
    return slots.format_slot(slot, zone).split(",")[0]  # "Tue 10 Mar"


def _clock(slot: datetime, zone: str) -> str:
    return f"{slot.astimezone(ZoneInfo(zone)):%H:%M}"


def _price(offering: Offering) -> str:
    return money.format_price(offering.price_minor, offering.currency, offering.provider.country)


def _mode(d: Dialogue, offering: Offering) -> str:
    return place_text(offering, in_person=msg.BOOK_MODE_IN_PERSON, own_link=msg.BOOK_MODE_MEET,
                      per_booking=msg.BOOK_MODE_PLATFORM, **d.words(offering.platform))


def _makes_links(d: Dialogue, offering: Offering) -> bool:
    """Can the provider's platform make the meeting now (connected, working, and on a plan that includes it)?"""
    return video_accounts.readiness(d.services, d.session, offering.provider, offering.platform,
                                    d.now).makes_links


def _where_after(d: Dialogue, offering: Offering) -> str:
    """What the customer is told about the place once booked (the link follows when the platform is not ready)."""
    if bookings.needs_meeting(offering) and not _makes_links(d, offering):
        return msg.BOOK_CONFIRMED_PLATFORM_DELAYED.format(**d.words(offering.platform))
    return booking_service.where_booked(d.services, offering)


# -- the code ---------------------------------------------------------------------------------------------------

def _code(d: Dialogue) -> str | None:
    raw = d.arg if d.arg is not None else re.sub(r"[\s-]", "", d.text)
    return raw.upper() if raw and _CODE.fullmatch(raw) else None


def _provider_for_code(d: Dialogue) -> Provider | None:
    code = _code(d)
    return booking_service.provider_for_code(d.session, code) if code is not None else None


def find_code(event: EventData) -> None:
    """Prepare of the first transition that reads a code: the provider it names is looked up once per message."""
    d = dialogue(event)
    d.outcome = _provider_for_code(d)


def _found(d: Dialogue) -> Provider | None:
    return d.outcome if isinstance(d.outcome, Provider) else None


def ask_code(event: EventData) -> None:
    dialogue(event).say(msg.BOOK_ASK_CODE)


def code_given(event: EventData) -> bool:
    return dialogue(event).arg is not None


def code_found(event: EventData) -> bool:
    return _found(dialogue(event)) is not None


def code_not_found(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.BOOK_CODE_NOT_FOUND, code=_code(d) or _shown(d.arg or d.text, 20))


def nothing_open(event: EventData) -> bool:
    """The code is right but the provider has no active session: say so and stay where the customer is."""
    d = dialogue(event)
    provider = _found(d)
    return provider is not None and not booking_service.has_open_sessions(d.session, provider.id)


def explain_nothing_open(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.BOOK_NOTHING_OPEN, provider=_found(d).display_name)
    d.say(msg.GLOBAL_HINT)


def keep_provider(event: EventData) -> None:
    d = dialogue(event)
    provider_id = _draft(d).provider_id = _found(d).id
    if calendars.cached(d.services, d.session, provider_id, d.now).stale:  # read by the time days are listed
        d.later(calendars.refresher(d.services, provider_id))


# -- the session ------------------------------------------------------------------------------------------------

def _active_offerings(d: Dialogue) -> list[Offering]:
    return booking_service.open_sessions(d.session, _draft(d).provider_id)


def show_sessions(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    provider = booking_service.get_provider(d.session, draft.provider_id)
    offerings = _active_offerings(d)
    draft.listed = [o.id for o in offerings]
    if not offerings:
        d.say(msg.BOOK_NOTHING_OPEN, provider=provider.display_name)
        d.say(msg.GLOBAL_HINT)
        return
    lines, choices = [], []
    for number, o in enumerate(offerings, 1):
        group = msg.BOOK_GROUP_SUFFIX.format(capacity=o.capacity) if o.capacity > 1 else ""
        facts = dict(duration=format_duration(o.duration_minutes), price=_price(o), where=_mode(d, o) + group)
        lines.append(msg.BOOK_SESSION_LINE.format(number=number, name=o.name, **facts))
        choices.append(Choice(str(o.id), o.name, msg.BOOK_SESSION_ROW.format(**facts)))
    d.say(msg.BOOK_SESSIONS, provider=provider.display_name, options=d.listing(choices, lines))


def _picked_offering(d: Dialogue) -> Offering | None:
    listed: list[int] = _draft(d).listed
    index = _number(d, len(listed))
    if index is None:  # the session's name as typed: all of it, or the start of it ("career" for "Career coaching")
        words = normalise(d.text)
        shown = [o for o in _active_offerings(d) if o.id in listed]
        matches = [o for o in shown if normalise(o.name) == words] or \
            [o for o in shown if len(words) >= 3 and normalise(o.name).startswith(words)]
        return matches[0] if len(matches) == 1 else None
    offering = booking_service.get_offering(d.session, listed[index])
    return offering if offering is not None and offering.status == "active" else None


def picked_session(event: EventData) -> bool:
    return _picked_offering(dialogue(event)) is not None


def _picked_closed(d: Dialogue) -> Offering | None:
    """A listed session the answer names (by number or name) that is no longer open for booking."""
    listed: list[int] = _draft(d).listed
    index = _number(d, len(listed))
    if index is not None:
        candidates = [booking_service.get_offering(d.session, listed[index])]
    else:
        words = normalise(d.text)
        candidates = [o for o in (booking_service.get_offering(d.session, i) for i in listed)
                      if o is not None and normalise(o.name) == words]
    closed = [o for o in candidates if o is not None and o.status != "active"]
    return closed[0] if len(closed) == 1 and len(candidates) == 1 else None


def picked_closed_session(event: EventData) -> bool:
    return _picked_closed(dialogue(event)) is not None


def session_closed(event: EventData) -> None:
    """Before the sessions are listed again (or "nothing open" said) by re-entering book_session."""
    d = dialogue(event)
    d.say(msg.BOOK_SESSION_CLOSED, session=_picked_closed(d).name)


def keep_session(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    picked = _picked_offering(d)
    draft.offering_id = picked.id
    if d.contact.timezone:
        draft.timezone = d.contact.timezone
    if picked.description:  # what the provider wrote about it, before the times
        d.say(msg.BOOK_SESSION_DESCRIPTION, session=picked.name, description=picked.description)


def pick_rejected(event: EventData) -> None:
    d = dialogue(event)
    if _draft(d).listed:
        d.say(msg.BOOK_PICK_NUMBER, count=len(_draft(d).listed))
    else:
        d.say(msg.BOOK_NOTHING_TO_PICK)


# -- the customer's time zone -----------------------------------------------------------------------------------

def timezone_unconfirmed(event: EventData) -> bool:
    return not dialogue(event).contact.timezone


def ask_timezone(event: EventData) -> None:
    d = dialogue(event)
    guesses = timezones.guess_for_phone(d.contact.phone)
    _draft(d).offer(guesses)
    if len(guesses) == 1:
        d.say(msg.BOOK_ASK_TIMEZONE, timezone=guesses[0], local_time=timezones.local_time(guesses[0], d.now))
        d.also_offer([Choice("yes", msg.OPT_YES)])
    elif guesses:
        d.say(msg.BOOK_ASK_TIMEZONE_CHOICES, options=timezones.numbered(guesses, d.now))
    else:
        d.say(msg.BOOK_ASK_TIMEZONE_UNKNOWN)


def timezone_chosen(event: EventData) -> bool:
    d = dialogue(event)
    return _draft(d).chosen(d.text) is not None


def timezone_rejected(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.ASK_ZONE_AFTER_NO if normalise(d.text) in NO else msg.BOOK_BAD_TIMEZONE, text=_shown(d.text))


def keep_timezone(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    zone = draft.chosen(d.text)
    contacts.confirm_timezone(d.contact, zone)  # later bookings don't ask again
    draft.timezone = zone
    draft.offer([])


# -- day and time -----------------------------------------------------------------------------------------------

def show_days(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    offering, zone = _offering(d), _zone(d)
    draft.timezone = zone
    open_ = offering is not None and (offering.status == "active" or _is_reschedule(d))  # (a move: even paused)
    days = slots.group_by_day(_free(d, offering), zone) if open_ else []
    draft.listed = [day.isoformat() for day, _ in days]
    name = offering.name if offering is not None else "-"
    if not days:
        d.say(msg.BOOK_NO_DAYS_RESCHEDULE if _is_reschedule(d) else msg.BOOK_NO_DAYS, session=name,
              days=bookings.BOOKING_DAYS)
        return
    lines, choices = [], []
    for number, (day, starts) in enumerate(days, 1):
        label = _day_label(starts[0], zone)
        lines.append(msg.BOOK_DAY_LINE.format(number=number, day=label, times=_times_preview(starts, zone)))
        choices.append(Choice(day.isoformat(), label, _times_span(starts, zone)))
    d.say(msg.BOOK_DAYS, session=name, days=bookings.BOOKING_DAYS, timezone=zone, options=d.listing(choices, lines))


def _times_span(starts: list[datetime], zone: str) -> str:
    """A day's times in a list row: "6 times, 10:00 to 15:00" or "1 time, 10:00"."""
    first, last = _clock(starts[0], zone), _clock(starts[-1], zone)
    if len(starts) == 1:
        return msg.BOOK_DAY_ROW_ONE.format(time=first)
    return msg.BOOK_DAY_ROW.format(count=len(starts), first=first, last=last)


def _times_preview(starts: list[datetime], zone: str, shown: int = 4) -> str:
    """The start times of a day at a glance: "09:00, 09:45, 10:30" or "09:00, 09:45, 10:30 … +5 more"."""
    clocks = [_clock(start, zone) for start in starts]
    if len(clocks) <= shown:
        return ", ".join(clocks)
    return msg.BOOK_DAY_MORE.format(first=", ".join(clocks[:shown - 1]), more=len(clocks) - shown + 1)


def _day_pick(d: Dialogue) -> when.DayPick:
    """Which listed day: its number, or the day as typed (bot.core.when: "Thu 3 Dec", "3 Dec", "friday", "today")."""
    days = [date.fromisoformat(day) for day in _draft(d).listed]
    index = _number(d, len(days))
    if index is not None:
        return when.DayPick(index=index, day=days[index])
    return when.pick_day(d.text, days, d.now.astimezone(ZoneInfo(_zone(d))).date())


def _day_index(d: Dialogue) -> int | None:
    return _day_pick(d).index


def day_rejected(event: EventData) -> None:
    """Not one of the listed days: say why when it is a day (past, or no free time then), else ask for a number."""
    d = dialogue(event)
    pick = _day_pick(d)
    if pick.day is not None and _draft(d).listed:
        label = f"{pick.day:%a} {pick.day.day} {pick.day:%b}"
        d.say(msg.BOOK_DAY_PAST if pick.past else msg.BOOK_DAY_NOT_LISTED, day=label,
              count=len(_draft(d).listed))
        return
    pick_rejected(event)


def picked_day(event: EventData) -> bool:
    return _day_index(dialogue(event)) is not None


def keep_day(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    draft.day = draft.listed[_day_index(d)]


def show_times(event: EventData) -> None:
    d = dialogue(event)
    offering, zone = _offering(d), _zone(d)
    draft = _draft(d)
    day = date.fromisoformat(draft.day) if draft.day else d.now.date()
    open_ = offering is not None and (offering.status == "active" or _is_reschedule(d))  # (a move: even paused)
    starts = dict(slots.group_by_day(_free(d, offering), zone)).get(day, []) if open_ else []
    draft.listed = [s.astimezone(dt_timezone.utc).isoformat() for s in starts]
    label = f"{day:%a} {day.day} {day:%b}" if not starts else _day_label(starts[0], zone)
    if not starts:
        d.say(msg.BOOK_NO_TIMES, day=label)
        return
    lines, choices = [], []
    for number, (start, key) in enumerate(zip(starts, draft.listed), 1):
        if offering.capacity > 1:
            left = offering.capacity - bookings.seats_taken(d.session, offering.id, start)
            lines.append(msg.BOOK_TIME_LINE_GROUP.format(number=number, time=_clock(start, zone), left=left,
                                                         capacity=offering.capacity))
            choices.append(Choice(key, _clock(start, zone), msg.BOOK_TIME_ROW_GROUP.format(
                left=left, capacity=offering.capacity)))
        else:
            lines.append(msg.BOOK_TIME_LINE.format(number=number, time=_clock(start, zone)))
            choices.append(Choice(key, _clock(start, zone)))
    d.say(msg.BOOK_TIMES, session=offering.name, day=label, timezone=zone, options=d.listing(choices, lines))


def _picked_start(d: Dialogue) -> str | None:
    listed: list[str] = _draft(d).listed
    index = _number(d, len(listed))
    if index is not None:
        return listed[index]
    clock = when.parse_clock(d.text)
    if clock is not None:  # "14:30", "2:30pm" typed instead of its number
        wanted = f"{clock[0]:02d}:{clock[1]:02d}"
        zone = _zone(d)
        hits = [s for s in listed if _clock(datetime.fromisoformat(s), zone) == wanted]
        return hits[0] if len(hits) == 1 else None
    return None


def picked_time(event: EventData) -> bool:
    return _picked_start(dialogue(event)) is not None


def keep_time(event: EventData) -> None:
    d = dialogue(event)
    _draft(d).start = _picked_start(d)


def is_reschedule(event: EventData) -> bool:
    return _is_reschedule(dialogue(event))


# -- name and email ---------------------------------------------------------------------------------------------

def _offer(d: Dialogue, key: str, known: str | None, ask_known: str, ask: str) -> None:
    """Ask for a value, offering the one we know ("reply 1 to use it") when there is one."""
    setattr(_draft(d), f"{key}_offer", known)
    if known:
        d.say(ask_known, **{key: known})
        d.also_offer([Choice("yes", msg.OPT_USE.format(value=known))])
    else:
        d.say(ask)


def _offered_or(d: Dialogue, key: str, parse: Callable[[str], str | None]) -> str | None:
    """"yes"/"1" takes the offered value; anything else is parsed as a new one."""
    offer = getattr(_draft(d), f"{key}_offer")
    if offer and normalise(d.text) in YES:
        return offer
    return parse(d.text)


def ask_name(event: EventData) -> None:
    d = dialogue(event)
    _offer(d, "name", _draft(d).name or person_name(d.contact.name or "")
           or person_name(d.inbound.profile_name or ""), msg.BOOK_ASK_NAME_KNOWN, msg.BOOK_ASK_NAME)


def _name(d: Dialogue) -> str | None:
    return _offered_or(d, "name", person_name)


def name_ok(event: EventData) -> bool:
    return _name(dialogue(event)) is not None


def name_rejected(event: EventData) -> None:
    dialogue(event).say(msg.BOOK_BAD_NAME)


def keep_name(event: EventData) -> None:
    d = dialogue(event)
    _draft(d).name = _name(d)


def valid_email(text: str) -> str | None:
    """The address with its domain lower-cased, or None."""
    text = text.strip().strip("<>").strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        return None
    local, domain = text.rsplit("@", 1)
    if len(local) > 64:
        return None
    return f"{local}@{domain.lower()}"


def ask_email(event: EventData) -> None:
    d = dialogue(event)
    _offer(d, "email", _draft(d).email or valid_email(d.contact.email or ""), msg.BOOK_ASK_EMAIL_KNOWN,
           msg.BOOK_ASK_EMAIL)


def _email(d: Dialogue) -> str | None:
    """The address to use: the offered one, or the one typed; a common provider's domain mistyped (gmial.con) is
    not taken until the person confirms it by typing it again (`email_rejected` offers the correction)."""
    email = _offered_or(d, "email", valid_email)
    draft = _draft(d)
    if email is not None and email != draft.email_offer and suggest_domain(email) and email != draft.email_typed:
        return None
    return email


def email_ok(event: EventData) -> bool:
    return _email(dialogue(event)) is not None


def email_rejected(event: EventData) -> None:
    d = dialogue(event)
    typed = valid_email(d.text)
    suggestion = suggest_domain(typed) if typed else None
    if suggestion:  # "1" takes the correction; the same address typed again is taken as it is
        draft = _draft(d)
        draft.email_offer, draft.email_typed = suggestion, typed
        d.say(msg.BOOK_EMAIL_TYPO, suggestion=suggestion, typed=typed)
        d.also_offer([Choice("yes", msg.OPT_USE.format(value=suggestion))])
        return
    d.say(msg.BOOK_BAD_EMAIL, text=_shown(d.text))


def keep_email(event: EventData) -> None:
    d = dialogue(event)
    _draft(d).email = _email(d)


# -- summary and confirmation -----------------------------------------------------------------------------------

def show_summary(event: EventData) -> None:

    d = dialogue(event)
    offering, zone, start = _offering(d), _zone(d), _start(d)
    provider = offering.provider
    if _is_reschedule(d):
        booking = _reschedule_booking(d)
        old, new = slots.format_slot_with_zone(booking.start_at, zone), slots.format_slot_with_zone(start, zone)
        if booking.customer_id == d.contact.id:  # (as `rescheduled` decides who acts)
            d.say(msg.BOOK_RESCHEDULE_SUMMARY, reference=booking.reference, session=offering.name,
                  provider=provider.display_name, old=old, new=new, options=d.options("book_confirm"))
        else:
            d.say(msg.BOOK_RESCHEDULE_SUMMARY_AS_PROVIDER, customer=booking.customer_name,
                  reference=booking.reference, session=offering.name, old=old, new=new,
                  options=d.options("book_confirm"))
        return
    if bookings.needs_meeting(offering) and not _makes_links(d, offering):
        per_booking = msg.BOOK_SUMMARY_WHERE_PLATFORM_DELAYED
    else:
        per_booking = msg.BOOK_SUMMARY_WHERE_PLATFORM_GROUP if offering.capacity > 1 else msg.BOOK_SUMMARY_WHERE_PLATFORM
    where = place_text(offering, in_person=msg.BOOK_SUMMARY_WHERE_ADDRESS, own_link=msg.BOOK_SUMMARY_WHERE_MEET,
                       per_booking=per_booking, **d.words(offering.platform))
    d.say(msg.BOOK_SUMMARY, session=offering.name, provider=provider.display_name,
          when=slots.format_slot_with_zone(start, zone), duration=format_duration(offering.duration_minutes), price=_price(offering),
          where=where, name=_draft(d).name, email=_draft(d).email, options=d.options("book_confirm"))


def confirm(event: EventData) -> None:
    """Prepare of the first `confirm_booking` transition: book (or move the booking), once per message, through one
    use case; the guards that follow read its outcome (`d.outcome`) and the steps say it."""
    d = dialogue(event)
    draft = _draft(d)
    offering = _offering(d)
    if _is_reschedule(d):
        told = booking_service.reschedule(d.session, d.services, booking_id=draft.reschedule_booking_id,
                                          start=_start(d), contact=d.contact, now=d.now)
    else:
        told = booking_service.book(d.session, d.services, offering_id=offering.id if offering else None,
                                    customer=d.contact, start=_start(d), name=draft.name or "",
                                    email=draft.email or "", timezone=_zone(d), now=d.now)
    d.outcome = told
    d.later(told.then)


def _outcome(event: EventData) -> str | None:
    told = dialogue(event).outcome
    return told.status if isinstance(told, booking_service.Told) else None


def booked(event: EventData) -> bool:
    return _outcome(event) == "booked"


def rescheduled(event: EventData) -> bool:
    return _outcome(event) == "rescheduled"


def reschedule_gone(event: EventData) -> bool:
    """The booking being moved was cancelled meanwhile (by the other side), has started, or is not the writer's."""
    return _outcome(event) == "gone"


def session_paused(event: EventData) -> bool:
    """Confirming failed because the provider paused the session meanwhile."""
    return _outcome(event) == "paused"


def say_booked(event: EventData) -> None:
    d = dialogue(event)
    booking = d.outcome.booking
    offering = booking.offering
    d.say(msg.BOOK_CONFIRMED, session=offering.name, provider=offering.provider.display_name,
          when=slots.format_slot_with_zone(booking.start_at, booking.customer_timezone),
          reference=booking.reference, where=_where_after(d, offering), email=booking.customer_email)


def say_rescheduled(event: EventData) -> None:
    d = dialogue(event)
    told = d.outcome
    booking = told.booking
    offering, provider = booking.offering, booking.offering.provider
    if told.as_provider:
        d.say(msg.BOOK_PROVIDER_DID_RESCHEDULE, reference=booking.reference, customer=booking.customer_name,
              session=offering.name, when=slots.format_slot_with_zone(booking.start_at, provider.timezone))
    else:
        d.say(msg.BOOK_RESCHEDULED, reference=booking.reference, session=offering.name,
              provider=provider.display_name, when=slots.format_slot_with_zone(booking.start_at,
                                                                               booking.customer_timezone),
              where=booking_service.where_booked(d.services, offering, same_link=told.same_link))
    _draft(d).reschedule_booking_id = None


def other_sessions_open(event: EventData) -> bool:
    return bool(_active_offerings(dialogue(event)))


def paused_meanwhile(event: EventData) -> None:
    """Before going back to the sessions (or the menu): nothing was booked, the session is paused now."""
    d = dialogue(event)
    offering = _offering(d)
    d.say(msg.BOOK_SESSION_PAUSED, session=offering.name if offering is not None else "-")
    draft = _draft(d)
    draft.offering_id = draft.day = draft.start = None
    draft.listed = []


def paused_nothing_open(event: EventData) -> None:
    """Before going to the menu: the session is paused and the provider has nothing else open."""
    d = dialogue(event)
    paused_meanwhile(event)
    provider = booking_service.get_provider(d.session, _draft(d).provider_id)
    if provider is not None:
        d.say(msg.BOOK_NOTHING_OPEN, provider=provider.display_name)
    d.forget()


def reschedule_gone_said(event: EventData) -> None:
    dialogue(event).say(msg.MB_GONE)


def slot_gone(event: EventData) -> None:
    d = dialogue(event)
    draft = _draft(d)
    draft.day = draft.start = None
    draft.listed = []
    d.say(msg.BOOK_SLOT_GONE)
