""""My bookings" for customers and providers: the upcoming bookings with their meeting links, and cancelling or rescheduling one."""
from __future__ import annotations

from transitions import EventData


def ask_cancel(event: EventData):
    raise NotImplementedError("my_bookings.ask_cancel")


def can_reschedule(event: EventData):
    raise NotImplementedError("my_bookings.can_reschedule")


def cancel_booking(event: EventData):
    raise NotImplementedError("my_bookings.cancel_booking")


def keep_booking(event: EventData):
    raise NotImplementedError("my_bookings.keep_booking")


def pick_rejected(event: EventData):
    raise NotImplementedError("my_bookings.pick_rejected")


def picked_booking(event: EventData):
    raise NotImplementedError("my_bookings.picked_booking")


def reschedule_refused(event: EventData):
    raise NotImplementedError("my_bookings.reschedule_refused")


def show_detail(event: EventData):
    raise NotImplementedError("my_bookings.show_detail")


def show_list(event: EventData):
    raise NotImplementedError("my_bookings.show_list")


def start_reschedule(event: EventData):
    raise NotImplementedError("my_bookings.start_reschedule")
