"""Reminders in chat: the provider's settings ("reminders": off, 1 hour only, 24 hours and 1 hour, for their
customers and for themselves), and the choices in a reminder: *I'll be there* (recorded on the booking, shown to
the provider in my bookings), *Reschedule* and *Cancel* (the my-bookings journeys, for the booking the reminder
named). The reminders themselves are sent by the worker (bot/services/reminders.py)."""
from __future__ import annotations

from transitions import EventData

from bot.core import messages as msg
from bot.core import reminders as schedule
from bot.core.slots import format_slot_with_zone
from bot.flows import my_bookings
from bot.flows.common import dialogue
from bot.services import reminders

SETTING_TRIGGERS = tuple(f"remind_{audience}_{setting}" for audience in schedule.AUDIENCES
                         for setting in schedule.SETTINGS)
SETTING_LABELS = {"24h1h": msg.REMINDER_SETTING_24H1H, "1h": msg.REMINDER_SETTING_1H, "off": msg.REMINDER_SETTING_OFF}


# -- the provider's settings --------------------------------------------------------------------------------------

def show_settings(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.REMINDERS_SETTINGS, customers=SETTING_LABELS[d.provider.remind_customers],
          me=SETTING_LABELS[d.provider.remind_self], options=d.options("reminder_settings"))


def explain_customers_only(event: EventData) -> None:
    dialogue(event).say(msg.REMINDERS_CUSTOMERS_ONLY)


def save_setting(event: EventData) -> None:
    d = dialogue(event)
    _, audience, setting = event.event.name.split("_", 2)
    reminders.set_preference(d.session, d.provider, audience, setting)
    d.say(msg.REMINDERS_SAVED)


# -- I'll be there ------------------------------------------------------------------------------------------------

def _named(d):
    """The writer's booking the reference names (as its customer or its provider), if any."""
    return reminders.own_booking(d.session, d.contact, d.arg) if d.arg else None


def _attending(d):
    return reminders.attending_booking(d.session, d.contact, d.arg, d.now)


def can_attend(event: EventData) -> bool:
    return _attending(dialogue(event)) is not None


def attend(event: EventData) -> None:
    d = dialogue(event)
    reminders.attend(d.session, _attending(d), d.now)


def say_attending(event: EventData) -> None:
    d = dialogue(event)
    booking = _attending(d)
    d.say(msg.REMINDER_ATTENDING_SAVED, name=booking.customer_name, provider=booking.offering.provider.display_name,
          session=booking.offering.name, when=format_slot_with_zone(booking.start_at, booking.customer_timezone))


def cannot_attend(event: EventData) -> None:
    d = dialogue(event)
    booking = _named(d)
    if booking is not None and booking.customer_id != d.contact.id:
        d.say(msg.REMINDER_ATTENDING_PROVIDER)
    elif d.arg:
        d.say(msg.REMINDER_BOOKING_NOT_FOUND, reference=d.arg.upper())
    else:
        d.say(msg.REMINDER_NOTHING_TO_CONFIRM)


# -- Reschedule / Cancel: the my-bookings journeys for the booking named ------------------------------------------

def pick_by_reference(event: EventData) -> None:
    """prepare: the booking the reference names becomes the picked one of my bookings (if it is the writer's)."""
    d = dialogue(event)
    booking = _named(d)
    if booking is not None:
        my_bookings.open_booking(d, booking.id)


def reference_found(event: EventData) -> bool:
    return _named(dialogue(event)) is not None


def change_refused(event: EventData) -> None:
    """A reference that is not the writer's is not found; for their own booking, my bookings says why not."""
    d = dialogue(event)
    if _named(d) is None:
        d.say(msg.REMINDER_BOOKING_NOT_FOUND, reference=(d.arg or "").upper())
    else:
        my_bookings.change_refused(event)
