"""Providers see their sessions ("my sessions"), open one, pause or resume it, change one of its details, and
share their booking link.

Deleting a session archives it (`offerings.archive`): with upcoming bookings only when the provider chooses to
cancel them too. Edits are driven by one table, `EDITS`: each editable field has its asked value (how it is asked, read and
refused, about the saved Offering) and the columns the new value sets; the edit state looks the field up there.
A session on a platform that can't make this provider's meetings shows a warning wherever the provider sees it."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from transitions import EventData

from bot.core import messages as msg
from bot.core import money, slots
from bot.core import sessions_text as st
from bot.core.choices import Choice
from bot.core.text import clean_input, number
from bot.dialogue.context import Dialogue, Draft
from bot.dialogue.intents import MENUS, fill
from bot.dialogue.steps import Ask, Steps, ask_value
from bot.flows import session_fields as fields
from bot.flows import video_connect
from bot.flows.common import dialogue
from bot.services import offerings, video_accounts
from store.models import Offering


@dataclass
class MySessionsDraft(Draft):
    """What "my sessions" listed (a number picks from it), the session opened and the field being edited."""

    KEY: ClassVar[str] = "my_sessions"
    listed: list[int] = field(default_factory=list)
    session_id: int | None = None
    editing: str | None = None


def _memory(d: Dialogue) -> MySessionsDraft:
    return d.draft(MySessionsDraft)


def _offering(d: Dialogue) -> Offering | None:
    return offerings.find(d.session, d.provider.id, _memory(d).session_id)


# -- my sessions ----------------------------------------------------------------------------------------------------

def share_link(event: EventData) -> None:
    fields.say_share(dialogue(event))


def show_list(event: EventData) -> None:
    d = dialogue(event)
    mine = offerings.list_mine(d.session, d.provider.id)
    _memory(d).listed = [o.id for o in mine]
    if not mine:
        d.say(msg.SESSION_LIST_EMPTY)
        return
    lines, choices, warnings = [], [], []
    warning_of: dict[tuple[str | None, bool], str | None] = {}  # a platform's readiness read once, not per session
    for position, o in enumerate(mine, 1):
        facts = dict(kind=st.kind_label(o.kind), duration=st.format_duration(o.duration_minutes),
                     price=money.format_price(o.price_minor, o.currency, d.provider.country),
                     status=st.status_label(o.status))
        line = msg.SESSION_LIST_LINE.format(number=position, name=o.name, **facts)
        row = msg.SESSION_LIST_ROW.format(**facts)
        place = (o.platform, bool(o.meet_url))
        if place not in warning_of:
            warning_of[place] = fields.warning_for(d, o)
        warning = warning_of[place]
        if warning:
            mark = msg.SESSION_LIST_PLATFORM_MARK.format(**d.words(o.platform))
            line, row = line + mark, row + mark
            warnings.append(warning)
        lines.append(line)
        choices.append(Choice(str(o.id), o.name, row))
    d.say(msg.SESSION_LIST, lines=d.listing(choices, lines))
    if warnings:
        d.say(warnings[0])


def _picked(d: Dialogue) -> int | None:
    listed = _memory(d).listed
    picked = number(d.text.strip().lstrip("#").rstrip("."))
    return listed[picked - 1] if picked is not None and 1 <= picked <= len(listed) else None


def picked_session(event: EventData) -> bool:
    return _picked(dialogue(event)) is not None


def pick_rejected(event: EventData) -> None:
    d = dialogue(event)
    count = len(_memory(d).listed)
    if count:
        d.say(msg.SESSION_PICK_REJECTED, count=count)
    else:
        d.say(msg.SESSION_LIST_EMPTY)
    d.say(msg.GLOBAL_HINT)


def keep_picked_session(event: EventData) -> None:
    d = dialogue(event)
    _memory(d).session_id = _picked(d)


# A 1:1 session always has one place: its options leave the capacity out (numbered as shown).
ONE_TO_ONE_OPTIONS = tuple(o.trigger for o in MENUS["session_detail"] if o.trigger != "edit_capacity")


def show_detail(event: EventData) -> None:
    d = dialogue(event)
    offering = _offering(d)
    lines = st.details(offering, d.provider.country, d.provider.timezone, d.words(offering.platform))
    lines.append(msg.SESSION_FIELD_STATUS.format(status=st.status_label(offering.status)))
    d.say(msg.SESSION_DETAIL, details="\n".join(lines),
          options=d.options("session_detail", None if offering.kind == st.GROUP else ONE_TO_ONE_OPTIONS))
    fields.say_warning(d, offering)


# -- pause / resume ---------------------------------------------------------------------------------------------------

def _set_status(d: Dialogue, status: str) -> None:
    offering = _offering(d)
    paused = status == "paused"
    if offerings.set_status(d.session, offering, status, d.now):
        d.say(msg.SESSION_PAUSED if paused else msg.SESSION_RESUMED, name=offering.name)
    else:
        d.say(msg.SESSION_ALREADY_PAUSED if paused else msg.SESSION_ALREADY_ACTIVE, name=offering.name)


def toggle_pause(event: EventData) -> None:
    """The menu's "Pause / resume": flips it."""
    d = dialogue(event)
    _set_status(d, "active" if _offering(d).status == "paused" else "paused")


def pause(event: EventData) -> None:
    _set_status(dialogue(event), "paused")


def resume(event: EventData) -> None:
    _set_status(dialogue(event), "active")


# -- delete (archive) -------------------------------------------------------------------------------------------------

def ask_delete(event: EventData) -> None:
    """Delete it? With upcoming bookings, only by cancelling them (the option says so)."""
    d = dialogue(event)
    offering = _offering(d)
    upcoming = offerings.upcoming_bookings(d.session, offering.id, d.now)
    if upcoming:
        d.say(msg.SESSION_CONFIRM_DELETE_BOOKINGS, name=offering.name, count=upcoming,
              options=d.options("confirm_delete_session", ("confirm_cancel_delete", "decline")))
    else:
        d.say(msg.SESSION_CONFIRM_DELETE, name=offering.name,
              options=d.options("confirm_delete_session", ("confirm_delete", "decline")))


def has_no_upcoming_bookings(event: EventData) -> bool:
    d = dialogue(event)
    return offerings.upcoming_bookings(d.session, _memory(d).session_id, d.now) == 0


def _delete(d: Dialogue, cancel_bookings: bool) -> None:
    offering = _offering(d)
    done = offerings.archive(d.session, d.services, offering, contact=d.contact, now=d.now,
                             cancel_bookings=cancel_bookings)
    _memory(d).session_id = None
    if done.cancelled:
        d.say(msg.SESSION_DELETED_CANCELLED, name=offering.name, count=done.cancelled)
    else:
        d.say(msg.SESSION_DELETED, name=offering.name)
    d.later(done.then)


def delete(event: EventData) -> None:
    _delete(dialogue(event), cancel_bookings=False)


def cancel_bookings_and_delete(event: EventData) -> None:
    _delete(dialogue(event), cancel_bookings=True)


def keep_session(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_KEPT, name=_offering(d).name)


# -- edit: where it happens ------------------------------------------------------------------------------------------

_WHERE_PLATFORM = ("{command_word}", "on {command_word}", "{command_word} meeting", "online {command_word}",
                   "online on {command_word}", "{platform}", "on {platform}", "online on {platform}")
_IN_PERSON = re.compile(r"in[\s-]*person\b[\s,:;.-]*(.*)", re.IGNORECASE | re.DOTALL)
_MEET_PREFIX = re.compile(r"(?:online\s+)?(?:on\s+)?(?:google\s+)?meet\s*[,:-]?\s*", re.IGNORECASE)
PLATFORM, OWN_LINK = "platform", "own_link"  # what an answer to "where?" asks for (and st.IN_PERSON)


def _where_wanted(d: Dialogue) -> tuple[str | None, str | None]:
    """What an answer to "where?" asks for: (PLATFORM, the platform its word names: any `video_accounts.offered`),
    (OWN_LINK, the provider's own Meet link made canonical, or None when the link is bad), (IN_PERSON, address or
    None when the address is missing or bad), or (None, None)."""
    text = d.text
    said = st.words(text)
    for info in video_accounts.offered(d.services):
        words = info.words()
        if said in {st.words(fill(w, words)) for w in _WHERE_PLATFORM}:
            return PLATFORM, info.name
    person = _IN_PERSON.fullmatch(clean_input(text, 400).strip())
    if person:
        return st.IN_PERSON, st.parse_address(person[1])
    stripped = _MEET_PREFIX.sub("", clean_input(text, 300).strip(), count=1)
    url = fields.parse_meet_url(text) or fields.parse_meet_url(stripped)
    if url is not None or re.search(r"\bmeet\b", text.casefold()):
        return OWN_LINK, url
    return None, None


def _where_choices(d: Dialogue) -> str:
    """The words of the platforms a session can move to, for the question ("*zoom* (a Zoom link ...)")."""
    return ", ".join(msg.SESSION_WHERE_CHOICE.format(**info.words()) for info in video_accounts.offered(d.services))


def place_is_kept(event: EventData) -> bool:
    """The session has upcoming bookings: their customers were told the place (bookings carry none of their own,
    so it would change under them), and the edit is not opened."""
    d = dialogue(event)
    return offerings.upcoming_bookings(d.session, _memory(d).session_id, d.now) > 0


def place_kept(event: EventData) -> None:
    """Why the place can't change, said once; the session's options follow (the detail is shown again)."""
    d = dialogue(event)
    d.say(msg.SESSION_WHERE_HAS_BOOKINGS, count=offerings.upcoming_bookings(d.session, _memory(d).session_id, d.now))


def _where_prompt(d: Dialogue, offering: Offering) -> None:
    d.say(msg.SESSION_ASK_WHERE, choices=_where_choices(d))


def _new_where(d: Dialogue, offering: Offering) -> dict[str, Any] | None:
    """The new place as the offering's columns, with creation's rules (a platform only when it will give links)."""
    if offerings.upcoming_bookings(d.session, offering.id, d.now):
        return None
    kind, value = _where_wanted(d)
    if kind == PLATFORM:
        readiness = fields.readiness(d, value)
        ready = readiness is not None and readiness.ready
        return {"mode": st.ONLINE, "platform": value, "meet_url": None, "address": None} if ready else None
    if kind == OWN_LINK and value:
        return {"mode": st.ONLINE, "platform": fields.MEET, "meet_url": value, "address": None}
    if kind == st.IN_PERSON and value:
        return {"mode": st.IN_PERSON, "platform": None, "meet_url": None, "address": value}
    return None


def _where_refused(d: Dialogue, offering: Offering) -> None:
    upcoming = offerings.upcoming_bookings(d.session, offering.id, d.now)
    if upcoming:
        d.say(msg.SESSION_WHERE_HAS_BOOKINGS, count=upcoming)
        return
    kind, value = _where_wanted(d)
    if kind == PLATFORM:
        readiness = fields.readiness(d, value)
        if readiness is None or not readiness.can_link:
            fields.explain_cannot_link(d, readiness, value)
            d.say(msg.SESSION_WHERE_PLATFORM_ALTERNATIVES)
            return
        d.say(msg.SESSION_WHERE_PLATFORM_BROKEN if readiness.broken else msg.SESSION_WHERE_PLATFORM_NOT_CONNECTED,
              **d.words(value))
        video_connect.say_connect_link(d, value)
        return
    if kind == OWN_LINK:
        d.say(msg.SESSION_BAD_MEET_URL)
    elif kind == st.IN_PERSON:
        d.say(msg.SESSION_BAD_ADDRESS)
    else:
        d.say(msg.SESSION_WHERE_UNCLEAR, text=clean_input(d.text, 40))
    d.say(msg.SESSION_ASK_WHERE, choices=_where_choices(d))


# -- edit: capacity never below the places booked ----------------------------------------------------------------------

def _new_capacity(d: Dialogue, offering: Offering) -> int | None:
    capacity = st.parse_capacity(d.text)
    if capacity is None or capacity < offerings.most_booked(d.session, offering.id, d.now)[0]:
        return None
    return capacity


def capacity_below_booked(event: EventData) -> bool:
    """The new capacity is a number, but fewer than the places already booked in one occurrence."""
    d = dialogue(event)
    if _memory(d).editing != "capacity":
        return False
    capacity = st.parse_capacity(d.text)
    return capacity is not None and capacity < offerings.most_booked(d.session, _memory(d).session_id, d.now)[0]


def capacity_kept(event: EventData) -> None:
    """Why the capacity stays, said once; the session's options follow."""
    d = dialogue(event)
    booked, start = offerings.most_booked(d.session, _memory(d).session_id, d.now)
    _memory(d).editing = None
    d.say(msg.SESSION_CAPACITY_BELOW_BOOKED, booked=booked, when=slots.format_slot(start, d.provider.timezone))


# -- edit: the table ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Edit:
    """One editable field: its asked value, how its current value is shown, and the columns a new value sets."""

    ask: Ask
    current: Callable[[Dialogue, Offering], str]
    columns: Callable[[Any], dict[str, Any]]


EDITS: dict[str, Edit] = {
    "name": Edit(fields.NAME, lambda d, o: o.name, lambda v: {"name": v}),
    "price": Edit(fields.PRICE, lambda d, o: money.format_price(o.price_minor, o.currency, d.provider.country),
                  lambda v: {"price_minor": v}),
    "duration": Edit(fields.FITTING_DURATION, lambda d, o: st.format_duration(o.duration_minutes),
                     lambda v: {"duration_minutes": v}),
    "availability": Edit(fields.AVAILABILITY, lambda d, o: st.format_hours(o.availability),
                         lambda v: {"availability": v}),
    "notice": Edit(fields.NOTICE, lambda d, o: st.format_notice(o.min_notice_minutes),
                   lambda v: {"min_notice_minutes": v}),
    "capacity": Edit(Ask(msg.SESSION_ASK_CAPACITY, read=_new_capacity, error=msg.SESSION_BAD_CAPACITY),
                     lambda d, o: str(o.capacity), lambda v: {"capacity": v}),
    "where": Edit(Ask(_where_prompt, read=_new_where, error=_where_refused),
                  lambda d, o: st.where(o, d.words(o.platform)), lambda v: v),
    "description": Edit(fields.DESCRIPTION, lambda d, o: o.description or msg.SESSION_NO_DESCRIPTION,
                        lambda v: {"description": v or None}),
}
EDITABLE = tuple(EDITS)


def _store(edit: Edit) -> Callable[[Dialogue, Offering, Any], None]:
    def store(d: Dialogue, offering: Offering, value: Any) -> None:
        offerings.change(d.session, offering, d.now, **edit.columns(value))
        _memory(d).editing = None
        d.say(msg.SESSION_UPDATED)
    return store


_EDIT_STEPS: dict[str, Steps] = {name: ask_value(edit.ask, _offering, _store(edit)) for name, edit in EDITS.items()}


def _steps(d: Dialogue) -> Steps:
    return _EDIT_STEPS[_memory(d).editing or ""]


def start_edit(name: str) -> Callable[[EventData], None]:
    """The step that opens the edit of this field (the graph has one `edit_<field>` trigger per field)."""
    def start(event: EventData) -> None:
        _memory(dialogue(event)).editing = name
    return start


def is_group_session(event: EventData) -> bool:
    offering = _offering(dialogue(event))
    return offering is not None and offering.kind == st.GROUP


def capacity_not_for_one(event: EventData) -> None:
    dialogue(event).say(msg.SESSION_CAPACITY_ONE_TO_ONE)


def _ask_new_value(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SESSION_EDIT_CURRENT, current=EDITS[_memory(d).editing].current(d, _offering(d)))
    _steps(d).ask(event)


def _new_value_ok(event: EventData) -> bool:
    d = dialogue(event)
    return _memory(d).editing in EDITS and _steps(d).ok(event)


def _new_value_rejected(event: EventData) -> None:
    _steps(dialogue(event)).rejected(event)


def _save_new_value(event: EventData) -> None:
    _steps(dialogue(event)).keep(event)


# The edit state's steps: those of the field being edited, looked up in EDITS (its current value said first).
EDIT = Steps(ask=_ask_new_value, ok=_new_value_ok, rejected=_new_value_rejected, keep=_save_new_value)
