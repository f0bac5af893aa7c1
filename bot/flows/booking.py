"""Customers book a provider's session by chat: `book <CODE>` (or the click-to-chat link) → session → their time zone → day → time → name and email → confirm. Also the second half of a reschedule.

Context keys (JSON, kept between messages): provider_id, offering_id, timezone (the zone times are shown in),
sessions / days / times (what was listed, so a number means what the customer saw), day (ISO date), start (ISO UTC),
name, email, name_offer, email_offer, tz_guess / tz_choices; reschedule_booking_id when my_bookings started a
reschedule (it also sets offering_id and timezone, or they are taken from the booking)."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from transitions import EventData

from bot.core import messages as msg
from bot.core import money, slots, timezones
from bot.core.text import YES, clean_input, normalise, person_name
from bot.core.text import number as read_number
from bot.dialogue.context import Dialogue
from bot.dialogue.intents import render_options
from bot.flows.common import dialogue
from bot.services import bookings, outbox, video_accounts
from bot.services.bookings import SlotUnavailable
from store.models import Booking, Meeting, Offering, Provider

_CODE = re.compile(r"[A-Za-z0-9]{4,12}")
# A practical address check (what mail servers accept and what is safe in a header), not the full RFC 5322.
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_HHMM = re.compile(r"(\d{1,2})[:.h](\d{2})")


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
    return bool(d.context.get("reschedule_booking_id"))


def _reschedule_booking(d: Dialogue) -> Booking | None:
    booking_id = d.context.get("reschedule_booking_id")
    return d.session.get(Booking, booking_id) if booking_id else None


def _offering(d: Dialogue) -> Offering | None:
    offering_id = d.context.get("offering_id")
    if offering_id is None and (booking := _reschedule_booking(d)) is not None:
        offering_id = booking.offering_id
    return d.session.get(Offering, offering_id) if offering_id else None


def _zone(d: Dialogue) -> str:
    """The zone the customer sees times in."""
    zone = d.context.get("timezone")
    if not zone and (booking := _reschedule_booking(d)) is not None:
        zone = booking.customer_timezone
    return zone or d.contact.timezone or "UTC"


def _free(d: Dialogue, offering: Offering) -> list[datetime]:
    """The free starts; during a reschedule the booking's own place counts as free, but its own start (moving it
    there changes nothing) is not offered."""
    booking = _reschedule_booking(d)
    free = bookings.free_slots(d.session, offering, d.now, ignore_booking=booking.id if booking else None)
    return [s for s in free if s != booking.start_at] if booking is not None else free


def _start(d: Dialogue) -> datetime | None:
    start = d.context.get("start")
    return datetime.fromisoformat(start) if start else None


def _day_label(slot: datetime, zone: str) -> str:
    return slots.format_slot(slot, zone).split(",")[0]  # "Tue 10 Mar"


def _clock(slot: datetime, zone: str) -> str:
    return f"{slot.astimezone(ZoneInfo(zone)):%H:%M}"


def _price(offering: Offering) -> str:
    return money.format_price(offering.price_minor, offering.currency, offering.provider.country)


def _mode(d: Dialogue, offering: Offering) -> str:
    if offering.mode == "in_person":
        return msg.BOOK_MODE_IN_PERSON
    if offering.platform == "google_meet":
        return msg.BOOK_MODE_MEET
    return msg.BOOK_MODE_PLATFORM.format(**d.words(offering.platform))


def _makes_links(d: Dialogue, offering: Offering) -> bool:
    """Can the provider's platform make the meeting now (connected, working, and on a plan that includes it)?"""
    return video_accounts.readiness(d.services, d.session, offering.provider, offering.platform,
                                    d.now).makes_links


def _where_after(offering: Offering, d: Dialogue, check_ready: bool = True) -> str:
    """What the customer is told about the place once booked (a group shares one meeting per occurrence)."""
    if offering.mode == "in_person":
        return msg.BOOK_CONFIRMED_ADDRESS.format(address=offering.address or "-")
    if offering.platform == "google_meet":
        return msg.BOOK_CONFIRMED_MEET.format(url=offering.meet_url or "-")
    words = d.words(offering.platform)
    if check_ready and not _makes_links(d, offering):
        return msg.BOOK_CONFIRMED_PLATFORM_DELAYED.format(**words)
    template = msg.BOOK_CONFIRMED_PLATFORM_GROUP if offering.capacity > 1 else msg.BOOK_CONFIRMED_PLATFORM
    return template.format(**words)


def _tell(d: Dialogue, contact, text: str) -> None:
    """Message another person (the provider, or the customer when the provider acts), sent after commit."""
    ids = outbox.queue(d.session, contact, [text], d.now)
    services = d.services
    d.later(lambda: outbox.after_commit(services, ids))


# -- the code ---------------------------------------------------------------------------------------------------

def _code(d: Dialogue) -> str | None:
    raw = d.arg if d.arg is not None else re.sub(r"[\s-]", "", d.text)
    return raw.upper() if raw and _CODE.fullmatch(raw) else None


def _provider_for_code(d: Dialogue) -> Provider | None:
    code = _code(d)
    if code is None:
        return None
    return d.session.scalars(select(Provider).where(Provider.booking_code == code)).one_or_none()


def ask_code(event: EventData) -> None:
    dialogue(event).say(msg.BOOK_ASK_CODE)


def code_given(event: EventData) -> bool:
    return dialogue(event).arg is not None


def code_found(event: EventData) -> bool:
    return _provider_for_code(dialogue(event)) is not None


def code_not_found(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.BOOK_CODE_NOT_FOUND, code=_code(d) or _shown(d.arg or d.text, 20))


def nothing_open(event: EventData) -> bool:
    """The code is right but the provider has no active session: say so and stay where the customer is."""
    provider = _provider_for_code(dialogue(event))
    return provider is not None and dialogue(event).session.scalars(select(Offering.id).where(
        Offering.provider_id == provider.id, Offering.status == "active").limit(1)).first() is None


def explain_nothing_open(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.BOOK_NOTHING_OPEN, provider=_provider_for_code(d).display_name)
    d.say(msg.GLOBAL_HINT)


def keep_provider(event: EventData) -> None:
    d = dialogue(event)
    d.context["provider_id"] = _provider_for_code(d).id


# -- the session ------------------------------------------------------------------------------------------------

def _active_offerings(d: Dialogue) -> list[Offering]:
    return list(d.session.scalars(select(Offering).where(Offering.provider_id == d.context.get("provider_id"),
                                                         Offering.status == "active").order_by(Offering.id)))


def show_sessions(event: EventData) -> None:
    d = dialogue(event)
    provider = d.session.get(Provider, d.context["provider_id"])
    offerings = _active_offerings(d)
    d.context["sessions"] = [o.id for o in offerings]
    if not offerings:
        d.say(msg.BOOK_NOTHING_OPEN, provider=provider.display_name)
        d.say(msg.GLOBAL_HINT)
        return
    lines = []
    for number, o in enumerate(offerings, 1):
        group = msg.BOOK_GROUP_SUFFIX.format(capacity=o.capacity) if o.capacity > 1 else ""
        lines.append(msg.BOOK_SESSION_LINE.format(number=number, name=o.name, duration=o.duration_minutes,
                                                  price=_price(o), where=_mode(d, o) + group))
    d.say(msg.BOOK_SESSIONS, provider=provider.display_name, options="\n".join(lines))


def _picked_offering(d: Dialogue) -> Offering | None:
    listed: list[int] = d.context.get("sessions") or []
    index = _number(d, len(listed))
    if index is None:
        words = normalise(d.text)
        matches = [o for o in _active_offerings(d) if o.id in listed and normalise(o.name) == words]
        return matches[0] if len(matches) == 1 else None
    offering = d.session.get(Offering, listed[index])
    return offering if offering is not None and offering.status == "active" else None


def picked_session(event: EventData) -> bool:
    return _picked_offering(dialogue(event)) is not None


def _picked_closed(d: Dialogue) -> Offering | None:
    """A listed session the answer names (by number or name) that is no longer open for booking."""
    listed: list[int] = d.context.get("sessions") or []
    index = _number(d, len(listed))
    if index is not None:
        candidates = [d.session.get(Offering, listed[index])]
    else:
        words = normalise(d.text)
        candidates = [o for o in (d.session.get(Offering, i) for i in listed)
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
    d.context["offering_id"] = _picked_offering(d).id
    if d.contact.timezone:
        d.context["timezone"] = d.contact.timezone


def pick_rejected(event: EventData) -> None:
    d = dialogue(event)
    listed = d.context.get({"book_session": "sessions", "book_day": "days", "book_time": "times"}.get(d.state, ""))
    if listed:
        d.say(msg.BOOK_PICK_NUMBER, count=len(listed))
    else:
        d.say(msg.BOOK_NOTHING_TO_PICK)


# -- the customer's time zone -----------------------------------------------------------------------------------

def timezone_unconfirmed(event: EventData) -> bool:
    return not dialogue(event).contact.timezone


def ask_timezone(event: EventData) -> None:
    d = dialogue(event)
    guesses = timezones.guess_for_phone(d.contact.phone)
    d.context.pop("tz_guess", None)
    d.context.pop("tz_choices", None)
    if len(guesses) == 1:
        d.context["tz_guess"] = guesses[0]
        d.say(msg.BOOK_ASK_TIMEZONE, timezone=guesses[0], local_time=timezones.local_time(guesses[0], d.now))
    elif guesses:
        d.context["tz_choices"] = guesses
        d.say(msg.BOOK_ASK_TIMEZONE_CHOICES, options=timezones.numbered(guesses, d.now))
    else:
        d.say(msg.BOOK_ASK_TIMEZONE_UNKNOWN)


def _chosen_zone(d) -> str | None:
    return timezones.choose(d.text, d.context.get("tz_guess"), d.context.get("tz_choices") or [])


def timezone_chosen(event: EventData) -> bool:
    return _chosen_zone(dialogue(event)) is not None


def timezone_rejected(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.BOOK_BAD_TIMEZONE, text=_shown(d.text))


def keep_timezone(event: EventData) -> None:
    d = dialogue(event)
    zone = _chosen_zone(d)
    d.contact.timezone = zone  # confirmed: later bookings don't ask again
    d.context["timezone"] = zone
    d.context.pop("tz_guess", None)
    d.context.pop("tz_choices", None)


# -- day and time -----------------------------------------------------------------------------------------------

def show_days(event: EventData) -> None:
    d = dialogue(event)
    offering, zone = _offering(d), _zone(d)
    d.context["timezone"] = zone
    open_ = offering is not None and (offering.status == "active" or _is_reschedule(d))  # (a move: even paused)
    days = slots.group_by_day(_free(d, offering), zone) if open_ else []
    d.context["days"] = [day.isoformat() for day, _ in days]
    name = offering.name if offering is not None else "-"
    if not days:
        d.say(msg.BOOK_NO_DAYS_RESCHEDULE if _is_reschedule(d) else msg.BOOK_NO_DAYS, session=name,
              days=bookings.BOOKING_DAYS)
        return
    lines = []
    for number, (_, starts) in enumerate(days, 1):
        lines.append(msg.BOOK_DAY_LINE.format(number=number, day=_day_label(starts[0], zone),
                                              times=_times_preview(starts, zone)))
    d.say(msg.BOOK_DAYS, session=name, days=bookings.BOOKING_DAYS, timezone=zone, options="\n".join(lines))


def _times_preview(starts: list[datetime], zone: str, shown: int = 4) -> str:
    """The start times of a day at a glance: "09:00, 09:45, 10:30" or "09:00, 09:45, 10:30 … +5 more"."""
    clocks = [_clock(start, zone) for start in starts]
    if len(clocks) <= shown:
        return ", ".join(clocks)
    return msg.BOOK_DAY_MORE.format(first=", ".join(clocks[:shown - 1]), more=len(clocks) - shown + 1)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_index(d: Dialogue) -> int | None:
    """Which listed day: its number, a weekday ("friday", "fri") or "today"/"tomorrow" (the first such day listed)."""
    days = [date.fromisoformat(day) for day in d.context.get("days") or []]
    index = _number(d, len(days))
    if index is not None:
        return index
    words = normalise(d.text)
    today = d.now.astimezone(ZoneInfo(_zone(d))).date()
    relative = {"today": today, "tomorrow": today + timedelta(days=1)}
    for i, day in enumerate(days):
        name = WEEKDAYS[day.weekday()]
        if (len(words) >= 3 and name.startswith(words)) or relative.get(words) == day:
            return i
    return None


def picked_day(event: EventData) -> bool:
    return _day_index(dialogue(event)) is not None


def keep_day(event: EventData) -> None:
    d = dialogue(event)
    d.context["day"] = d.context["days"][_day_index(d)]


def show_times(event: EventData) -> None:
    d = dialogue(event)
    offering, zone = _offering(d), _zone(d)
    day = date.fromisoformat(d.context["day"])
    open_ = offering is not None and (offering.status == "active" or _is_reschedule(d))  # (a move: even paused)
    starts = dict(slots.group_by_day(_free(d, offering), zone)).get(day, []) if open_ else []
    d.context["times"] = [s.astimezone(dt_timezone.utc).isoformat() for s in starts]
    label = f"{day:%a} {day.day} {day:%b}" if not starts else _day_label(starts[0], zone)
    if not starts:
        d.say(msg.BOOK_NO_TIMES, day=label)
        return
    lines = []
    for number, start in enumerate(starts, 1):
        if offering.capacity > 1:
            left = offering.capacity - bookings.seats_taken(d.session, offering.id, start)
            lines.append(msg.BOOK_TIME_LINE_GROUP.format(number=number, time=_clock(start, zone), left=left,
                                                         capacity=offering.capacity))
        else:
            lines.append(msg.BOOK_TIME_LINE.format(number=number, time=_clock(start, zone)))
    d.say(msg.BOOK_TIMES, session=offering.name, day=label, timezone=zone, options="\n".join(lines))


def _picked_start(d: Dialogue) -> str | None:
    listed: list[str] = d.context.get("times") or []
    index = _number(d, len(listed))
    if index is not None:
        return listed[index]
    match = _HHMM.fullmatch(d.text.replace(" ", ""))
    if match:  # "14:30" typed instead of its number
        wanted = f"{int(match[1]):02d}:{match[2]}"
        zone = _zone(d)
        hits = [s for s in listed if _clock(datetime.fromisoformat(s), zone) == wanted]
        return hits[0] if len(hits) == 1 else None
    return None


def picked_time(event: EventData) -> bool:
    return _picked_start(dialogue(event)) is not None


def keep_time(event: EventData) -> None:
    d = dialogue(event)
    d.context["start"] = _picked_start(d)


def is_reschedule(event: EventData) -> bool:
    return _is_reschedule(dialogue(event))


# -- name and email ---------------------------------------------------------------------------------------------

def _offer(d: Dialogue, key: str, known: str | None, ask_known: str, ask: str) -> None:
    """Ask for a value, offering the one we know ("reply 1 to use it") when there is one."""
    d.context[f"{key}_offer"] = known
    if known:
        d.say(ask_known, **{key: known})
    else:
        d.say(ask)


def _offered_or(d: Dialogue, key: str, parse: Callable[[str], str | None]) -> str | None:
    """"yes"/"1" takes the offered value; anything else is parsed as a new one."""
    offer = d.context.get(f"{key}_offer")
    if offer and normalise(d.text) in YES:
        return offer
    return parse(d.text)


def ask_name(event: EventData) -> None:
    d = dialogue(event)
    _offer(d, "name", d.context.get("name") or person_name(d.contact.name or "")
           or person_name(d.inbound.profile_name or ""), msg.BOOK_ASK_NAME_KNOWN, msg.BOOK_ASK_NAME)


def _name(d: Dialogue) -> str | None:
    return _offered_or(d, "name", person_name)


def name_ok(event: EventData) -> bool:
    return _name(dialogue(event)) is not None


def name_rejected(event: EventData) -> None:
    dialogue(event).say(msg.BOOK_BAD_NAME)


def keep_name(event: EventData) -> None:
    d = dialogue(event)
    d.context["name"] = _name(d)


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
    _offer(d, "email", d.context.get("email") or valid_email(d.contact.email or ""), msg.BOOK_ASK_EMAIL_KNOWN,
           msg.BOOK_ASK_EMAIL)


def _email(d: Dialogue) -> str | None:
    return _offered_or(d, "email", valid_email)


def email_ok(event: EventData) -> bool:
    return _email(dialogue(event)) is not None


def email_rejected(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.BOOK_BAD_EMAIL, text=_shown(d.text))


def keep_email(event: EventData) -> None:
    d = dialogue(event)
    d.context["email"] = _email(d)


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
                  provider=provider.display_name, old=old, new=new, options=render_options("book_confirm"))
        else:
            d.say(msg.BOOK_RESCHEDULE_SUMMARY_AS_PROVIDER, customer=booking.customer_name,
                  reference=booking.reference, session=offering.name, old=old, new=new,
                  options=render_options("book_confirm"))
        return
    if offering.mode == "in_person":
        where = msg.BOOK_SUMMARY_WHERE_ADDRESS.format(address=offering.address or "-")
    elif offering.platform == "google_meet":
        where = msg.BOOK_SUMMARY_WHERE_MEET.format(url=offering.meet_url or "-")
    elif not _makes_links(d, offering):
        where = msg.BOOK_SUMMARY_WHERE_PLATFORM_DELAYED.format(**d.words(offering.platform))
    elif offering.capacity > 1:
        where = msg.BOOK_SUMMARY_WHERE_PLATFORM_GROUP.format(**d.words(offering.platform))
    else:
        where = msg.BOOK_SUMMARY_WHERE_PLATFORM.format(**d.words(offering.platform))
    d.say(msg.BOOK_SUMMARY, session=offering.name, provider=provider.display_name,
          when=slots.format_slot_with_zone(start, zone), duration=offering.duration_minutes, price=_price(offering),
          where=where, name=d.context["name"], email=d.context["email"], options=render_options("book_confirm"))


def booked(event: EventData) -> bool:
    """Take the place (in a savepoint, so a lost race changes nothing), tell both sides, and after commit have the
    Zoom meeting created and the confirmation email sent. The graph may ask twice in one message (provider, then
    customer destination): the first answer is kept on the dialogue."""
    d = dialogue(event)
    if _is_reschedule(d):
        return False
    cached = getattr(d, "_booking_outcome", None)
    if cached is not None:
        return cached
    outcome = _book(d)
    d._booking_outcome = outcome  # type: ignore[attr-defined]
    return outcome


def _book(d: Dialogue) -> bool:
    offering, zone, start = _offering(d), _zone(d), _start(d)
    if offering is None or start is None:
        return False
    try:
        with d.session.begin_nested():
            booking = bookings.book(d.session, offering=offering, customer=d.contact, start=start,
                                    name=d.context["name"], email=d.context["email"], timezone=zone, now=d.now)
    except SlotUnavailable as exc:
        _unavailable(d, exc)
        return False
    d.contact.name, d.contact.email = booking.customer_name, booking.customer_email
    if not bookings.needs_meeting(offering):
        booking.link_sent_at = d.now  # the address or Meet link is in the confirmation below
    provider = offering.provider
    d.say(msg.BOOK_CONFIRMED, session=offering.name, provider=provider.display_name,
          when=slots.format_slot_with_zone(start, zone), reference=booking.reference, where=_where_after(offering, d),
          email=booking.customer_email)
    places = ""
    if offering.capacity > 1:
        places = msg.BOOK_PROVIDER_PLACES.format(taken=bookings.seats_taken(d.session, offering.id, start),
                                                 capacity=offering.capacity)
    _tell(d, provider.contact, msg.BOOK_PROVIDER_NEW.format(
        customer=booking.customer_name, session=offering.name, reference=booking.reference, places=places,
        when=slots.format_slot_with_zone(start, provider.timezone)))
    _after_commit(d, booking.id, booking.meeting_id)
    return True


def _after_commit(d: Dialogue, booking_id: int, *meeting_ids: int | None) -> None:
    services = d.services

    def run() -> None:
        for meeting_id in dict.fromkeys(m for m in meeting_ids if m is not None):
            services.queue.meeting(meeting_id)  # creates/updates the Zoom meeting, then sends the link
        services.queue.booking_email(booking_id)  # (a Zoom booking's email waits for its link)

    d.later(run)


def _unavailable(d: Dialogue, exc: SlotUnavailable) -> None:
    """Keep, for this message only, why the place could not be taken ("paused", "taken", "full")."""
    d._unavailable_reason = exc.args[0] if exc.args else None  # type: ignore[attr-defined]


def session_paused(event: EventData) -> bool:
    """Confirming failed because the provider paused the session meanwhile."""
    return getattr(dialogue(event), "_unavailable_reason", None) == "paused"


def other_sessions_open(event: EventData) -> bool:
    return bool(_active_offerings(dialogue(event)))


def paused_meanwhile(event: EventData) -> None:
    """Before going back to the sessions (or the menu): nothing was booked, the session is paused now."""
    d = dialogue(event)
    offering = _offering(d)
    d.say(msg.BOOK_SESSION_PAUSED, session=offering.name if offering is not None else "-")
    for key in ("offering_id", "day", "days", "start", "times"):
        d.context.pop(key, None)


def paused_nothing_open(event: EventData) -> None:
    """Before going to the menu: the session is paused and the provider has nothing else open."""
    d = dialogue(event)
    paused_meanwhile(event)
    provider = d.session.get(Provider, d.context.get("provider_id"))
    if provider is not None:
        d.say(msg.BOOK_NOTHING_OPEN, provider=provider.display_name)
    d.context.clear()


def reschedule_gone(event: EventData) -> bool:
    """The booking being moved was cancelled meanwhile (by the other side), has started, or is not the writer's."""
    d = dialogue(event)
    booking = _reschedule_booking(d)
    if booking is None or booking.status != "confirmed" or booking.start_at <= d.now:  # (or it has started)
        return True
    return booking.customer_id != d.contact.id and (d.provider is None or booking.provider_id != d.provider.id)


def reschedule_gone_said(event: EventData) -> None:
    dialogue(event).say(msg.MB_GONE)


def slot_gone(event: EventData) -> None:
    d = dialogue(event)
    for key in ("day", "start", "times"):
        d.context.pop(key, None)
    d.say(msg.BOOK_SLOT_GONE)


def rescheduled(event: EventData) -> bool:
    """Move the booking being rescheduled to the chosen start (in a savepoint), tell the other side, and after
    commit have the meeting updated (or moved) and a new invitation emailed."""
    d = dialogue(event)
    booking_id, start = d.context.get("reschedule_booking_id"), _start(d)
    # Lock and re-read: the other side may have cancelled it a moment ago (lock order: booking, then provider).
    booking = d.session.get(Booking, booking_id, with_for_update=True, populate_existing=True) \
        if booking_id else None
    if booking is None or start is None or booking.status != "confirmed":
        return False
    customer_acts = booking.customer_id == d.contact.id
    if not customer_acts and (d.provider is None or booking.provider_id != d.provider.id):
        return False
    old_start, old_meeting_id = booking.start_at, booking.meeting_id
    try:
        with d.session.begin_nested():
            meeting = bookings.reschedule(d.session, booking, start, d.now)
    except SlotUnavailable as exc:
        _unavailable(d, exc)
        d.session.refresh(booking)
        return False
    offering, provider = booking.offering, booking.offering.provider
    zone = booking.customer_timezone
    where = _where_after(offering, d, check_ready=False)
    if customer_acts:
        d.say(msg.BOOK_RESCHEDULED, reference=booking.reference, session=offering.name,
              provider=provider.display_name, when=slots.format_slot_with_zone(start, zone), where=where)
        _tell(d, provider.contact, msg.BOOK_PROVIDER_RESCHEDULED.format(
            customer=booking.customer_name, reference=booking.reference, session=offering.name,
            old=slots.format_slot_with_zone(old_start, provider.timezone),
            new=slots.format_slot_with_zone(start, provider.timezone)))
    else:
        d.say(msg.BOOK_PROVIDER_DID_RESCHEDULE, reference=booking.reference, customer=booking.customer_name,
              session=offering.name, when=slots.format_slot_with_zone(start, provider.timezone))
        _tell(d, booking.customer, msg.BOOK_CUSTOMER_RESCHEDULED_BY_PROVIDER.format(
            provider=provider.display_name, reference=booking.reference, session=offering.name,
            old=slots.format_slot_with_zone(old_start, zone), new=slots.format_slot_with_zone(start, zone),
            where=where))
    if not bookings.needs_meeting(offering):
        booking.link_sent_at = d.now
    # the old occurrence's meeting, if the booking left it and nobody else uses it, is deleted at Zoom too
    old = d.session.get(Meeting, old_meeting_id) if old_meeting_id else None
    stale = old_meeting_id if old is not None and old.status == "deleting" else None
    _after_commit(d, booking.id, meeting.id if meeting is not None else None, stale)
    d.context.pop("reschedule_booking_id", None)
    return True
