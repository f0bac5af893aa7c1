"""Providers create sessions by chat (1:1 or group; online on Zoom or Google Meet, or in person; name, duration, price, weekly availability, capacity, minimum notice), and list, pause, resume, edit and share them."""
from __future__ import annotations

from transitions import EventData


def address_ok(event: EventData):
    raise NotImplementedError("sessions.address_ok")


def address_rejected(event: EventData):
    raise NotImplementedError("sessions.address_rejected")


def ask_address(event: EventData):
    raise NotImplementedError("sessions.ask_address")


def ask_availability(event: EventData):
    raise NotImplementedError("sessions.ask_availability")


def ask_capacity(event: EventData):
    raise NotImplementedError("sessions.ask_capacity")


def ask_duration(event: EventData):
    raise NotImplementedError("sessions.ask_duration")


def ask_kind(event: EventData):
    raise NotImplementedError("sessions.ask_kind")


def ask_meet_url(event: EventData):
    raise NotImplementedError("sessions.ask_meet_url")


def ask_mode(event: EventData):
    raise NotImplementedError("sessions.ask_mode")


def ask_name(event: EventData):
    raise NotImplementedError("sessions.ask_name")


def ask_new_value(event: EventData):
    raise NotImplementedError("sessions.ask_new_value")


def ask_notice(event: EventData):
    raise NotImplementedError("sessions.ask_notice")


def ask_platform(event: EventData):
    raise NotImplementedError("sessions.ask_platform")


def ask_price(event: EventData):
    raise NotImplementedError("sessions.ask_price")


def availability_ok(event: EventData):
    raise NotImplementedError("sessions.availability_ok")


def availability_rejected(event: EventData):
    raise NotImplementedError("sessions.availability_rejected")


def capacity_ok(event: EventData):
    raise NotImplementedError("sessions.capacity_ok")


def capacity_rejected(event: EventData):
    raise NotImplementedError("sessions.capacity_rejected")


def duration_ok(event: EventData):
    raise NotImplementedError("sessions.duration_ok")


def duration_rejected(event: EventData):
    raise NotImplementedError("sessions.duration_rejected")


def explain_providers_only(event: EventData):
    raise NotImplementedError("sessions.explain_providers_only")


def explain_zoom_needed(event: EventData):
    raise NotImplementedError("sessions.explain_zoom_needed")


def is_group(event: EventData):
    raise NotImplementedError("sessions.is_group")


def keep_address(event: EventData):
    raise NotImplementedError("sessions.keep_address")


def keep_availability(event: EventData):
    raise NotImplementedError("sessions.keep_availability")


def keep_capacity(event: EventData):
    raise NotImplementedError("sessions.keep_capacity")


def keep_duration(event: EventData):
    raise NotImplementedError("sessions.keep_duration")


def keep_in_person(event: EventData):
    raise NotImplementedError("sessions.keep_in_person")


def keep_kind_group(event: EventData):
    raise NotImplementedError("sessions.keep_kind_group")


def keep_kind_one(event: EventData):
    raise NotImplementedError("sessions.keep_kind_one")


def keep_meet_url(event: EventData):
    raise NotImplementedError("sessions.keep_meet_url")


def keep_name(event: EventData):
    raise NotImplementedError("sessions.keep_name")


def keep_notice(event: EventData):
    raise NotImplementedError("sessions.keep_notice")


def keep_online(event: EventData):
    raise NotImplementedError("sessions.keep_online")


def keep_picked_session(event: EventData):
    raise NotImplementedError("sessions.keep_picked_session")


def keep_price(event: EventData):
    raise NotImplementedError("sessions.keep_price")


def keep_zoom(event: EventData):
    raise NotImplementedError("sessions.keep_zoom")


def meet_url_ok(event: EventData):
    raise NotImplementedError("sessions.meet_url_ok")


def meet_url_rejected(event: EventData):
    raise NotImplementedError("sessions.meet_url_rejected")


def name_ok(event: EventData):
    raise NotImplementedError("sessions.name_ok")


def name_rejected(event: EventData):
    raise NotImplementedError("sessions.name_rejected")


def new_value_ok(event: EventData):
    raise NotImplementedError("sessions.new_value_ok")


def new_value_rejected(event: EventData):
    raise NotImplementedError("sessions.new_value_rejected")


def notice_ok(event: EventData):
    raise NotImplementedError("sessions.notice_ok")


def notice_rejected(event: EventData):
    raise NotImplementedError("sessions.notice_rejected")


def pick_rejected(event: EventData):
    raise NotImplementedError("sessions.pick_rejected")


def picked_session(event: EventData):
    raise NotImplementedError("sessions.picked_session")


def price_ok(event: EventData):
    raise NotImplementedError("sessions.price_ok")


def price_rejected(event: EventData):
    raise NotImplementedError("sessions.price_rejected")


def save(event: EventData):
    raise NotImplementedError("sessions.save")


def save_new_value(event: EventData):
    raise NotImplementedError("sessions.save_new_value")


def share_link(event: EventData):
    raise NotImplementedError("sessions.share_link")


def show_detail(event: EventData):
    raise NotImplementedError("sessions.show_detail")


def show_list(event: EventData):
    raise NotImplementedError("sessions.show_list")


def show_summary(event: EventData):
    raise NotImplementedError("sessions.show_summary")


def start_edit_availability(event: EventData):
    raise NotImplementedError("sessions.start_edit_availability")


def start_edit_capacity(event: EventData):
    raise NotImplementedError("sessions.start_edit_capacity")


def start_edit_duration(event: EventData):
    raise NotImplementedError("sessions.start_edit_duration")


def start_edit_name(event: EventData):
    raise NotImplementedError("sessions.start_edit_name")


def start_edit_notice(event: EventData):
    raise NotImplementedError("sessions.start_edit_notice")


def start_edit_price(event: EventData):
    raise NotImplementedError("sessions.start_edit_price")


def toggle_pause(event: EventData):
    raise NotImplementedError("sessions.toggle_pause")


def zoom_possible(event: EventData):
    raise NotImplementedError("sessions.zoom_possible")


def zoom_ready(event: EventData):
    raise NotImplementedError("sessions.zoom_ready")


def zoom_still_missing(event: EventData):
    raise NotImplementedError("sessions.zoom_still_missing")
