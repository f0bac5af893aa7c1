"""Customers book a provider's session by chat: `book <CODE>` (or the click-to-chat link) → session → their time zone → day → time → name and email → confirm. Also the second half of a reschedule."""
from __future__ import annotations

from transitions import EventData


def ask_code(event: EventData):
    raise NotImplementedError("booking.ask_code")


def ask_email(event: EventData):
    raise NotImplementedError("booking.ask_email")


def ask_name(event: EventData):
    raise NotImplementedError("booking.ask_name")


def ask_timezone(event: EventData):
    raise NotImplementedError("booking.ask_timezone")


def booked(event: EventData):
    raise NotImplementedError("booking.booked")


def code_found(event: EventData):
    raise NotImplementedError("booking.code_found")


def code_given(event: EventData):
    raise NotImplementedError("booking.code_given")


def code_not_found(event: EventData):
    raise NotImplementedError("booking.code_not_found")


def email_ok(event: EventData):
    raise NotImplementedError("booking.email_ok")


def email_rejected(event: EventData):
    raise NotImplementedError("booking.email_rejected")


def is_reschedule(event: EventData):
    raise NotImplementedError("booking.is_reschedule")


def keep_day(event: EventData):
    raise NotImplementedError("booking.keep_day")


def keep_email(event: EventData):
    raise NotImplementedError("booking.keep_email")


def keep_name(event: EventData):
    raise NotImplementedError("booking.keep_name")


def keep_provider(event: EventData):
    raise NotImplementedError("booking.keep_provider")


def keep_session(event: EventData):
    raise NotImplementedError("booking.keep_session")


def keep_time(event: EventData):
    raise NotImplementedError("booking.keep_time")


def keep_timezone(event: EventData):
    raise NotImplementedError("booking.keep_timezone")


def name_ok(event: EventData):
    raise NotImplementedError("booking.name_ok")


def name_rejected(event: EventData):
    raise NotImplementedError("booking.name_rejected")


def pick_rejected(event: EventData):
    raise NotImplementedError("booking.pick_rejected")


def picked_day(event: EventData):
    raise NotImplementedError("booking.picked_day")


def picked_session(event: EventData):
    raise NotImplementedError("booking.picked_session")


def picked_time(event: EventData):
    raise NotImplementedError("booking.picked_time")


def rescheduled(event: EventData):
    raise NotImplementedError("booking.rescheduled")


def show_days(event: EventData):
    raise NotImplementedError("booking.show_days")


def show_sessions(event: EventData):
    raise NotImplementedError("booking.show_sessions")


def show_summary(event: EventData):
    raise NotImplementedError("booking.show_summary")


def show_times(event: EventData):
    raise NotImplementedError("booking.show_times")


def slot_gone(event: EventData):
    raise NotImplementedError("booking.slot_gone")


def timezone_chosen(event: EventData):
    raise NotImplementedError("booking.timezone_chosen")


def timezone_rejected(event: EventData):
    raise NotImplementedError("booking.timezone_rejected")


def timezone_unconfirmed(event: EventData):
    raise NotImplementedError("booking.timezone_unconfirmed")
