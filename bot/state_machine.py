"""The whole conversation, declared once: states, the menus each state offers, transitions with their guards,
and the pure function that turns a WhatsApp message into a trigger.

One Machine per process (build_machine); each message's Dialogue gets its stored state and the trigger is fired on
it through the machine's events (`fire`), without decorating it as a model (see bot.handler). `menu`, `help` and
`cancel` work from every state; `back` where it makes sense.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from transitions import Machine, State

from bot.core import messages as msg
from bot.core.text import normalise, number
from bot.flows import booking, common, my_bookings, onboarding, sessions, zoom
from bot.flows import help as help_flow


@dataclass(frozen=True)
class Option:
    trigger: str
    label: str
    keywords: tuple[str, ...] = ()


# What each menu-like state offers, in the order shown (numbers are 1-based positions).
MENUS: dict[str, tuple[Option, ...]] = {
    "customer_menu": (
        Option("book", msg.OPT_BOOK, ("book", "booking", "book a session", "appointment")),
        Option("my_bookings", msg.OPT_MY_BOOKINGS, ("bookings", "my bookings", "my booking")),
        Option("signup", msg.OPT_SIGNUP, ("sign up", "signup", "register", "provider", "i'm a provider")),
        Option("help", msg.OPT_HELP, ("support",)),
    ),
    "provider_menu": (
        Option("integrations", msg.OPT_INTEGRATIONS, ("integrations", "integration", "zoom", "settings")),
        Option("create_session", msg.OPT_CREATE_SESSION, ("create", "create session", "new session", "new")),
        Option("my_sessions", msg.OPT_MY_SESSIONS, ("sessions", "my sessions")),
        Option("my_bookings", msg.OPT_MY_BOOKINGS, ("bookings", "my bookings")),
        Option("share_link", msg.OPT_SHARE_LINK, ("share", "link", "my link", "booking link", "code")),
        Option("my_plan", msg.OPT_MY_PLAN, ("plan", "my plan", "trial", "upgrade")),
        Option("help", msg.OPT_HELP, ("support",)),
    ),
    "help_menu": (
        Option("help_plan", msg.OPT_HELP_PLAN, ("connect option", "plan", "zoom missing", "no connect zoom")),
        Option("help_auth", msg.OPT_HELP_AUTH, ("authorization", "auth", "timeout", "times out", "fails")),
        Option("help_wrong_account", msg.OPT_HELP_WRONG_ACCOUNT, ("wrong account", "wrong zoom", "other account")),
        Option("talk_to_person", msg.OPT_HELP_PERSON, ("person", "human", "agent", "talk", "ticket", "contact")),
        Option("help_bookings", msg.OPT_HELP_BOOKINGS, ("cancel booking", "reschedule", "change booking")),
        Option("help_link", msg.OPT_HELP_LINK, ("link", "no link", "zoom link", "meeting link")),
    ),
    "integrations": (
        Option("connect_zoom", msg.OPT_CONNECT_ZOOM, ("connect", "reconnect", "connect another", "connect zoom")),
        Option("disconnect_zoom", msg.OPT_DISCONNECT_ZOOM, ("disconnect",)),
    ),
    "new_kind": (
        Option("kind_one", msg.OPT_KIND_ONE, ("1:1", "1 1", "1-1", "one", "one to one", "one on one", "1 to 1",
                                                "individual", "private")),
        Option("kind_group", msg.OPT_KIND_GROUP, ("group", "class", "workshop")),
    ),
    "new_mode": (
        Option("mode_online", msg.OPT_MODE_ONLINE, ("online", "video", "remote")),
        Option("mode_in_person", msg.OPT_MODE_IN_PERSON, ("in person", "offline", "face to face", "in-person")),
    ),
    "new_platform": (
        Option("platform_zoom", msg.OPT_PLATFORM_ZOOM, ("zoom",)),
        Option("platform_meet", msg.OPT_PLATFORM_MEET, ("google meet", "meet", "google")),
    ),
    "new_zoom_needed": (
        Option("send_zoom_link", msg.OPT_SEND_ZOOM_LINK, ("link", "connect", "connect zoom")),
        Option("zoom_done", msg.OPT_ZOOM_DONE, ("done", "connected", "continue", "ok")),
        Option("platform_meet", msg.OPT_PLATFORM_MEET, ("google meet", "meet", "google")),
        Option("mode_in_person", msg.OPT_MODE_IN_PERSON, ("in person", "offline", "face to face", "in-person")),
    ),
    "new_confirm": (
        Option("save", msg.OPT_SAVE_SESSION, ("yes", "save", "create", "confirm", "ok")),
        Option("restart", msg.OPT_START_OVER, ("start over", "restart", "again", "redo")),
    ),
    "session_detail": (
        Option("toggle_pause", msg.OPT_PAUSE_RESUME, ("pause / resume", "toggle")),
        Option("edit_name", msg.OPT_EDIT_NAME, ("name", "rename")),
        Option("edit_price", msg.OPT_EDIT_PRICE, ("price",)),
        Option("edit_duration", msg.OPT_EDIT_DURATION, ("duration", "length")),
        Option("edit_availability", msg.OPT_EDIT_AVAILABILITY, ("availability", "hours", "times")),
        Option("edit_notice", msg.OPT_EDIT_NOTICE, ("notice", "minimum notice")),
        Option("edit_capacity", msg.OPT_EDIT_CAPACITY, ("capacity", "places", "seats")),
        Option("edit_where", msg.OPT_EDIT_WHERE, ("where", "place", "location", "address", "venue", "platform")),
        Option("share_link", msg.OPT_SHARE_LINK, ("share", "link")),
    ),
    "booking_detail": (
        Option("reschedule_booking", msg.OPT_RESCHEDULE, ("reschedule", "change", "move", "change time")),
        Option("cancel_booking", msg.OPT_CANCEL_BOOKING, ("cancel booking", "cancel this booking")),
    ),
    "confirm_cancel_booking": (
        Option("confirm", msg.OPT_YES_CANCEL_BOOKING, ("yes", "y", "confirm", "ok")),
        Option("decline", msg.OPT_NO_KEEP_BOOKING, ("no", "n", "keep")),
    ),
    "book_confirm": (
        Option("confirm_booking", msg.OPT_CONFIRM_BOOKING, ("yes", "y", "confirm", "book", "ok", "book it")),
    ),
    "confirm_disconnect": (
        Option("confirm", msg.OPT_YES_DISCONNECT, ("yes", "y", "disconnect", "confirm", "ok")),
        Option("decline", msg.OPT_NO_KEEP, ("no", "n", "keep", "don't")),
    ),
}

# Words a state understands beyond its numbered options (word -> trigger).
WORDS: dict[str, dict[str, str]] = {
    "session_detail": {"pause": "pause_session", "stop bookings": "pause_session", "resume": "resume_session",
                       "unpause": "resume_session", "activate": "resume_session", "reopen": "resume_session"},
}

# States that take free text: anything that is not a global word becomes the `answer` trigger.
# Of those, the ones where the answer is any text (a name, an address, a description): commands don't apply there.
FREE_TEXT_STATES = frozenset({"signup_name", "support_describe", "new_name", "new_address", "new_meet_url",
                              "new_availability", "edit_value", "book_name", "book_email", "set_timezone"})
TEXT_STATES = frozenset({"signup_name", "signup_timezone", "support_describe", "set_timezone",
                         "new_name", "new_duration", "new_price", "new_meet_url", "new_address", "new_availability",
                         "new_capacity", "new_notice", "sessions_list", "edit_value", "bookings_list",
                         "book_code", "book_session", "book_timezone", "book_day", "book_time", "book_name",
                         "book_email"})

STATES = [
    State("start"),
    State("customer_menu", on_enter=[common.show_menu]),
    State("provider_menu", on_enter=[common.show_menu]),
    State("signup_name", on_enter=[onboarding.ask_name]),
    State("signup_timezone", on_enter=[onboarding.ask_timezone]),
    State("help_menu", on_enter=[help_flow.show_help_menu]),
    State("set_timezone", on_enter=[onboarding.ask_new_timezone]),
    State("support_describe", on_enter=[help_flow.ask_description]),
    State("integrations", on_enter=[zoom.show_integrations]),
    State("confirm_disconnect", on_enter=[zoom.ask_disconnect]),
    # provider: create a session
    State("new_kind", on_enter=[sessions.ask_kind]),
    State("new_name", on_enter=[sessions.ask_name]),
    State("new_duration", on_enter=[sessions.ask_duration]),
    State("new_price", on_enter=[sessions.ask_price]),
    State("new_mode", on_enter=[sessions.ask_mode]),
    State("new_platform", on_enter=[sessions.ask_platform]),
    State("new_zoom_needed", on_enter=[sessions.explain_zoom_needed]),
    State("new_meet_url", on_enter=[sessions.ask_meet_url]),
    State("new_address", on_enter=[sessions.ask_address]),
    State("new_availability", on_enter=[sessions.ask_availability]),
    State("new_capacity", on_enter=[sessions.ask_capacity]),
    State("new_notice", on_enter=[sessions.ask_notice]),
    State("new_confirm", on_enter=[sessions.show_summary]),
    # provider: list, pause, resume, edit sessions
    State("sessions_list", on_enter=[sessions.show_list]),
    State("session_detail", on_enter=[sessions.show_detail]),
    State("edit_value", on_enter=[sessions.ask_new_value]),
    # customer: book
    State("book_code", on_enter=[booking.ask_code]),
    State("book_session", on_enter=[booking.show_sessions]),
    State("book_timezone", on_enter=[booking.ask_timezone]),
    State("book_day", on_enter=[booking.show_days]),
    State("book_time", on_enter=[booking.show_times]),
    State("book_name", on_enter=[booking.ask_name]),
    State("book_email", on_enter=[booking.ask_email]),
    State("book_confirm", on_enter=[booking.show_summary]),
    # both: my bookings, cancel, reschedule
    State("bookings_list", on_enter=[my_bookings.show_list]),
    State("booking_detail", on_enter=[my_bookings.show_detail]),
    State("confirm_cancel_booking", on_enter=[my_bookings.ask_cancel]),
]

# Where `back` goes from each state (states not listed go back to the menu).
BACK: dict[str, str] = {
    "signup_timezone": "signup_name", "support_describe": "help_menu", "confirm_disconnect": "integrations",
    "new_name": "new_kind", "new_duration": "new_name", "new_price": "new_duration", "new_mode": "new_price",
    "new_platform": "new_mode", "new_zoom_needed": "new_platform", "new_meet_url": "new_platform",
    "new_address": "new_mode", "new_availability": "new_mode", "new_capacity": "new_availability",
    "new_notice": "new_availability", "new_confirm": "new_notice",
    "session_detail": "sessions_list", "edit_value": "session_detail",
    "book_session": "book_code", "book_timezone": "book_session", "book_day": "book_session",
    "book_time": "book_day", "book_name": "book_time", "book_email": "book_name", "book_confirm": "book_email",
    "booking_detail": "bookings_list", "confirm_cancel_booking": "booking_detail",
}

MENU_STATES = ("customer_menu", "provider_menu")

TRANSITIONS: list[dict] = [
    # -- from anywhere ---------------------------------------------------------------------------------------
    {"trigger": "menu", "source": "*", "dest": "provider_menu", "conditions": common.is_provider,
     "before": [common.clear_context, common.opt_in]},
    {"trigger": "menu", "source": "*", "dest": "customer_menu", "before": [common.clear_context, common.opt_in]},
    {"trigger": "cancel", "source": "*", "dest": "provider_menu", "conditions": common.is_provider,
     "before": [common.clear_context, common.cancelled]},
    {"trigger": "cancel", "source": "*", "dest": "customer_menu", "before": [common.clear_context, common.cancelled]},
    {"trigger": "opt_out", "source": "*", "dest": "provider_menu", "conditions": common.is_provider,
     "before": [common.clear_context, common.opt_out]},
    {"trigger": "opt_out", "source": "*", "dest": "customer_menu", "before": [common.clear_context, common.opt_out]},
    {"trigger": "help", "source": list(MENU_STATES) + ["start", "help_menu"], "dest": "help_menu",
     "before": common.clear_context},
    {"trigger": "help", "source": "*", "dest": "help_menu", "before": help_flow.remember_place},
    {"trigger": "unknown", "source": "start", "dest": "provider_menu", "conditions": common.is_provider},
    {"trigger": "unknown", "source": "start", "dest": "customer_menu"},  # (the menu greets a newcomer)
    {"trigger": "unknown", "source": "*", "dest": None, "after": common.not_understood},
    # -- back -------------------------------------------------------------------------------------------------
    *({"trigger": "back", "source": "help_menu", "dest": place, "conditions": help_flow.came_from(place),
       "before": help_flow.forget_place} for place in help_flow.RESUMABLE),
    {"trigger": "back", "source": "book_day", "dest": "booking_detail", "conditions": booking.is_reschedule},
    {"trigger": "back", "source": "book_confirm", "dest": "book_time", "conditions": booking.is_reschedule},
    {"trigger": "back", "source": "new_notice", "dest": "new_capacity", "conditions": sessions.is_group},
    {"trigger": "back", "source": "new_availability", "dest": "new_platform", "conditions": sessions.is_zoom_draft},
    {"trigger": "back", "source": "new_availability", "dest": "new_meet_url", "conditions": sessions.is_meet_draft},
    {"trigger": "back", "source": "new_availability", "dest": "new_address",
     "conditions": sessions.is_in_person_draft},
    *({"trigger": "back", "source": source, "dest": dest} for source, dest in BACK.items()),
    {"trigger": "back", "source": list(MENU_STATES), "dest": None, "after": common.nothing_to_go_back_to},
    {"trigger": "back", "source": "*", "dest": "provider_menu", "conditions": common.is_provider},
    {"trigger": "back", "source": "*", "dest": "customer_menu"},
    # -- provider sign-up -------------------------------------------------------------------------------------
    {"trigger": "signup", "source": "*", "dest": None, "conditions": common.is_provider,
     "after": onboarding.already_provider},
    {"trigger": "signup", "source": "*", "dest": "signup_name", "before": common.clear_context},
    {"trigger": "answer", "source": "signup_name", "dest": "signup_timezone", "conditions": onboarding.name_ok,
     "before": onboarding.keep_name},
    {"trigger": "answer", "source": "signup_name", "dest": None, "after": onboarding.name_rejected},
    {"trigger": "answer", "source": "signup_timezone", "dest": "provider_menu",
     "conditions": onboarding.timezone_chosen, "before": onboarding.create_provider},
    {"trigger": "answer", "source": "signup_timezone", "dest": None, "after": onboarding.timezone_not_understood},
    {"trigger": "my_plan", "source": "provider_menu", "dest": None, "after": onboarding.show_plan},
    {"trigger": "set_timezone", "source": "*", "dest": "set_timezone", "before": common.clear_context},
    {"trigger": "answer", "source": "set_timezone", "dest": "provider_menu",
     "conditions": [onboarding.new_timezone_ok, common.is_provider], "before": onboarding.save_new_timezone},
    {"trigger": "answer", "source": "set_timezone", "dest": "customer_menu", "conditions": onboarding.new_timezone_ok,
     "before": onboarding.save_new_timezone},
    {"trigger": "answer", "source": "set_timezone", "dest": None, "after": onboarding.timezone_not_understood},
    # -- Zoom: connect, see, disconnect (global commands for providers) --------------------------------------
    {"trigger": "integrations", "source": "provider_menu", "dest": "integrations"},
    {"trigger": "connect_zoom", "source": "*", "dest": None, "unless": common.is_provider,
     "after": zoom.explain_not_provider},
    {"trigger": "connect_zoom", "source": "*", "dest": None, "unless": zoom.zoom_allowed,
     "after": zoom.explain_plan_needed},
    {"trigger": "connect_zoom", "source": "*", "dest": None, "unless": zoom.zoom_configured,
     "after": zoom.explain_not_configured},
    {"trigger": "connect_zoom", "source": "integrations", "dest": "provider_menu", "before": zoom.send_connect_link},
    {"trigger": "connect_zoom", "source": "*", "dest": "integrations", "conditions": zoom.zoom_connected},
    {"trigger": "connect_zoom", "source": "*", "dest": "provider_menu", "before": zoom.send_connect_link},
    {"trigger": "disconnect_zoom", "source": "*", "dest": None, "unless": common.is_provider,
     "after": zoom.explain_not_provider},
    {"trigger": "disconnect_zoom", "source": "*", "dest": "confirm_disconnect", "conditions": zoom.zoom_connected},
    {"trigger": "disconnect_zoom", "source": "*", "dest": None, "after": zoom.explain_not_connected},
    {"trigger": "confirm", "source": "confirm_disconnect", "dest": "provider_menu", "before": zoom.disconnect},
    {"trigger": "decline", "source": "confirm_disconnect", "dest": "provider_menu", "before": zoom.keep},
    # -- provider: create a session ------------------------------------------------------------------------
    {"trigger": "create_session", "source": "*", "dest": None, "unless": common.is_provider,
     "after": sessions.explain_providers_only},
    {"trigger": "create_session", "source": "*", "dest": "new_kind", "before": common.clear_context},
    {"trigger": "kind_one", "source": "new_kind", "dest": "new_name", "before": sessions.keep_kind_one},
    {"trigger": "kind_group", "source": "new_kind", "dest": "new_name", "before": sessions.keep_kind_group},
    {"trigger": "answer", "source": "new_name", "dest": "new_duration", "conditions": sessions.name_ok,
     "before": sessions.keep_name},
    {"trigger": "answer", "source": "new_name", "dest": None, "after": sessions.name_rejected},
    {"trigger": "answer", "source": "new_duration", "dest": "new_price", "conditions": sessions.duration_ok,
     "before": sessions.keep_duration},
    {"trigger": "answer", "source": "new_duration", "dest": None, "after": sessions.duration_rejected},
    {"trigger": "answer", "source": "new_price", "dest": "new_mode", "conditions": sessions.price_ok,
     "before": sessions.keep_price},
    {"trigger": "answer", "source": "new_price", "dest": None, "after": sessions.price_rejected},
    {"trigger": "mode_online", "source": "new_mode", "dest": "new_platform", "before": sessions.keep_online},
    {"trigger": "mode_in_person", "source": ["new_mode", "new_zoom_needed"], "dest": "new_address",
     "before": sessions.keep_in_person},
    {"trigger": "platform_zoom", "source": ["new_platform", "new_zoom_needed"], "dest": "new_availability",
     "conditions": sessions.zoom_ready, "before": sessions.keep_zoom},
    {"trigger": "platform_zoom", "source": ["new_platform", "new_zoom_needed"], "dest": "new_zoom_needed"},
    {"trigger": "send_zoom_link", "source": "new_zoom_needed", "dest": None, "conditions": sessions.zoom_possible,
     "after": [zoom.send_connect_link, sessions.after_zoom_link]},
    {"trigger": "send_zoom_link", "source": "new_zoom_needed", "dest": None, "after": sessions.explain_zoom_needed},
    {"trigger": "zoom_done", "source": "new_zoom_needed", "dest": "new_availability",
     "conditions": sessions.zoom_ready, "before": sessions.keep_zoom},
    {"trigger": "zoom_done", "source": "new_zoom_needed", "dest": None, "after": sessions.zoom_still_missing},
    {"trigger": "platform_meet", "source": ["new_platform", "new_zoom_needed"], "dest": "new_meet_url"},
    {"trigger": "answer", "source": "new_meet_url", "dest": "new_availability", "conditions": sessions.meet_url_ok,
     "before": sessions.keep_meet_url},
    {"trigger": "answer", "source": "new_meet_url", "dest": None, "after": sessions.meet_url_rejected},
    {"trigger": "answer", "source": "new_address", "dest": "new_availability", "conditions": sessions.address_ok,
     "before": sessions.keep_address},
    {"trigger": "answer", "source": "new_address", "dest": None, "after": sessions.address_rejected},
    {"trigger": "answer", "source": "new_availability", "dest": "new_capacity",
     "conditions": [sessions.availability_ok, sessions.is_group], "before": sessions.keep_availability},
    {"trigger": "answer", "source": "new_availability", "dest": "new_notice", "conditions": sessions.availability_ok,
     "before": sessions.keep_availability},
    {"trigger": "answer", "source": "new_availability", "dest": None, "after": sessions.availability_rejected},
    {"trigger": "answer", "source": "new_capacity", "dest": "new_notice", "conditions": sessions.capacity_ok,
     "before": sessions.keep_capacity},
    {"trigger": "answer", "source": "new_capacity", "dest": None, "after": sessions.capacity_rejected},
    {"trigger": "answer", "source": "new_notice", "dest": "new_confirm", "conditions": sessions.notice_ok,
     "before": sessions.keep_notice},
    {"trigger": "answer", "source": "new_notice", "dest": None, "after": sessions.notice_rejected},
    {"trigger": "save", "source": "new_confirm", "dest": "provider_menu", "before": sessions.save},
    {"trigger": "restart", "source": "new_confirm", "dest": "new_kind", "before": common.clear_context},
    # -- provider: my sessions, pause/resume, edit, share ----------------------------------------------------
    {"trigger": "my_sessions", "source": "*", "dest": None, "unless": common.is_provider,
     "after": sessions.explain_providers_only},
    {"trigger": "my_sessions", "source": "*", "dest": "sessions_list", "before": common.clear_context},
    {"trigger": "answer", "source": "sessions_list", "dest": "session_detail", "conditions": sessions.picked_session,
     "before": sessions.keep_picked_session},
    {"trigger": "answer", "source": "sessions_list", "dest": None, "after": sessions.pick_rejected},
    {"trigger": "toggle_pause", "source": "session_detail", "dest": "session_detail", "before": sessions.toggle_pause},
    {"trigger": "pause_session", "source": "session_detail", "dest": "session_detail", "before": sessions.pause},
    {"trigger": "resume_session", "source": "session_detail", "dest": "session_detail", "before": sessions.resume},
    {"trigger": "edit_capacity", "source": "session_detail", "dest": None, "unless": sessions.is_group_session,
     "after": sessions.capacity_not_for_one},
    *({"trigger": f"edit_{field}", "source": "session_detail", "dest": "edit_value",
       "before": getattr(sessions, f"start_edit_{field}")}
      for field in sessions.EDITABLE),
    {"trigger": "answer", "source": "edit_value", "dest": "session_detail", "conditions": sessions.new_value_ok,
     "before": sessions.save_new_value},
    {"trigger": "answer", "source": "edit_value", "dest": None, "after": sessions.new_value_rejected},
    {"trigger": "share_link", "source": "*", "dest": None, "unless": common.is_provider,
     "after": sessions.explain_providers_only},
    {"trigger": "share_link", "source": "*", "dest": None, "after": sessions.share_link},
    # -- customer: book ------------------------------------------------------------------------------------
    {"trigger": "book", "source": "*", "dest": None, "conditions": [booking.code_found, booking.nothing_open],
     "after": booking.explain_nothing_open},
    {"trigger": "book", "source": "*", "dest": "book_session", "conditions": booking.code_found,
     "before": [common.clear_context, booking.keep_provider]},
    {"trigger": "book", "source": "*", "dest": None, "conditions": booking.code_given,
     "after": booking.code_not_found},
    {"trigger": "book", "source": "*", "dest": "book_code", "before": common.clear_context},
    {"trigger": "answer", "source": "book_code", "dest": None, "conditions": [booking.code_found,
                                                                              booking.nothing_open],
     "after": booking.explain_nothing_open},
    {"trigger": "answer", "source": "book_code", "dest": "book_session", "conditions": booking.code_found,
     "before": booking.keep_provider},
    {"trigger": "answer", "source": "book_code", "dest": None, "after": booking.code_not_found},
    {"trigger": "answer", "source": "book_session", "dest": "book_timezone",
     "conditions": [booking.picked_session, booking.timezone_unconfirmed], "before": booking.keep_session},
    {"trigger": "answer", "source": "book_session", "dest": "book_day", "conditions": booking.picked_session,
     "before": booking.keep_session},
    {"trigger": "answer", "source": "book_session", "dest": "book_session", "conditions": booking.picked_closed_session,
     "before": booking.session_closed},
    {"trigger": "answer", "source": "book_session", "dest": None, "after": booking.pick_rejected},
    {"trigger": "answer", "source": "book_timezone", "dest": "book_day", "conditions": booking.timezone_chosen,
     "before": booking.keep_timezone},
    {"trigger": "answer", "source": "book_timezone", "dest": None, "after": booking.timezone_rejected},
    {"trigger": "answer", "source": "book_day", "dest": "book_time", "conditions": booking.picked_day,
     "before": booking.keep_day},
    {"trigger": "answer", "source": "book_day", "dest": None, "after": booking.pick_rejected},
    {"trigger": "answer", "source": "book_time", "dest": "book_confirm",
     "conditions": [booking.picked_time, booking.is_reschedule], "before": booking.keep_time},
    {"trigger": "answer", "source": "book_time", "dest": "book_name", "conditions": booking.picked_time,
     "before": booking.keep_time},
    {"trigger": "answer", "source": "book_time", "dest": None, "after": booking.pick_rejected},
    {"trigger": "answer", "source": "book_name", "dest": "book_email", "conditions": booking.name_ok,
     "before": booking.keep_name},
    {"trigger": "answer", "source": "book_name", "dest": None, "after": booking.name_rejected},
    {"trigger": "answer", "source": "book_email", "dest": "book_confirm", "conditions": booking.email_ok,
     "before": booking.keep_email},
    {"trigger": "answer", "source": "book_email", "dest": None, "after": booking.email_rejected},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "bookings_list",
     "conditions": [booking.is_reschedule, booking.rescheduled]},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "bookings_list",
     "conditions": [booking.is_reschedule, booking.reschedule_gone], "before": booking.reschedule_gone_said},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "provider_menu",
     "conditions": [booking.booked, common.is_provider]},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "customer_menu", "conditions": booking.booked},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "book_session",
     "conditions": [booking.session_paused, booking.other_sessions_open], "before": booking.paused_meanwhile},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "provider_menu",
     "conditions": [booking.session_paused, common.is_provider], "before": booking.paused_nothing_open},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "customer_menu",
     "conditions": booking.session_paused, "before": booking.paused_nothing_open},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "book_day", "before": booking.slot_gone},
    # -- both: my bookings, cancel, reschedule -------------------------------------------------------------------
    {"trigger": "my_bookings", "source": "*", "dest": "bookings_list", "before": common.clear_context},
    {"trigger": "answer", "source": "bookings_list", "dest": "booking_detail",
     "conditions": my_bookings.picked_booking, "before": my_bookings.keep_booking},
    {"trigger": "answer", "source": "bookings_list", "dest": None, "after": my_bookings.pick_rejected},
    {"trigger": "cancel_booking", "source": "booking_detail", "dest": "confirm_cancel_booking",
     "conditions": my_bookings.can_cancel},
    {"trigger": "cancel_booking", "source": "booking_detail", "dest": None, "after": my_bookings.cancel_refused},
    {"trigger": "confirm", "source": "confirm_cancel_booking", "dest": "bookings_list",
     "before": my_bookings.cancel_booking},
    {"trigger": "decline", "source": "confirm_cancel_booking", "dest": "booking_detail"},
    {"trigger": "reschedule_booking", "source": "booking_detail", "dest": "book_day",
     "conditions": my_bookings.can_reschedule, "before": my_bookings.start_reschedule},
    {"trigger": "reschedule_booking", "source": "booking_detail", "dest": None,
     "after": my_bookings.reschedule_refused},
    # -- help and support -------------------------------------------------------------------------------------
    {"trigger": "help_plan", "source": "help_menu", "dest": None, "after": help_flow.explain_plan},
    {"trigger": "help_auth", "source": "help_menu", "dest": None, "after": help_flow.explain_auth},
    {"trigger": "help_wrong_account", "source": "help_menu", "dest": None,
     "after": help_flow.explain_wrong_account},
    {"trigger": "talk_to_person", "source": "help_menu", "dest": "support_describe"},
    {"trigger": "help_bookings", "source": "help_menu", "dest": None, "after": help_flow.explain_bookings},
    {"trigger": "help_link", "source": "help_menu", "dest": None, "after": help_flow.explain_link},
    {"trigger": "answer", "source": "support_describe", "dest": "provider_menu",
     "conditions": [help_flow.description_ok, common.is_provider], "before": help_flow.open_ticket},
    {"trigger": "answer", "source": "support_describe", "dest": "customer_menu",
     "conditions": help_flow.description_ok, "before": help_flow.open_ticket},
    {"trigger": "answer", "source": "support_describe", "dest": None, "after": help_flow.description_rejected},
]


def build_machine() -> Machine:
    """The process-wide machine. It holds no models: `fire` runs an event on a message's Dialogue."""
    return Machine(model=None, states=STATES, transitions=TRANSITIONS, initial=None, send_event=True,
                   auto_transitions=False, on_exception=[common.on_exception])


def fire(machine: Machine, model: object, trigger: str) -> bool:
    """`model.trigger(trigger)` as if `model` had been added to `machine` (its `state` attribute holds the state's
    name), without `add_model`/`remove_model`, which bind ~90 methods to the model and cost about a millisecond
    per message. Nothing is stored on the machine, so threads never share anything mutable. Like the bound
    `trigger`: an unknown trigger name raises AttributeError, a trigger not valid in the state MachineError."""
    event = machine.events.get(trigger)
    if event is None:
        raise AttributeError(f"Do not know event named '{trigger}'.")
    return event.trigger(model)


# -- text → trigger ---------------------------------------------------------------------------------------------

GLOBAL_WORDS: dict[str, str] = {
    "menu": "menu", "main menu": "menu", "home": "menu", "start": "menu", "0": "menu",
    "help": "help", "support": "help", "?": "help", "ayuda": "help",
    "cancel": "cancel", "quit": "cancel", "exit": "cancel", "abort": "cancel",
    "stop": "opt_out", "stop all": "opt_out", "unsubscribe": "opt_out", "opt out": "opt_out",
    "unstop": "menu", "subscribe": "menu",
    "back": "back", "previous": "back",
}
GREETINGS = frozenset({"hi", "hello", "hey", "hola", "namaste", "good morning", "good afternoon", "good evening"})
# Commands with arguments, tried after the global words; (pattern on the normalised text, trigger).
COMMANDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(sign ?up|register)( as (a )?provider)?$"), "signup"),
    (re.compile(r"^(re)?connect( my)? zoom( account)?$"), "connect_zoom"),
    (re.compile(r"^(disconnect|remove|unlink)( my)? zoom( account)?$"), "disconnect_zoom"),
    (re.compile(r"^book(?: a session)?(?: with)?\s+(?P<arg>[a-z0-9]{4,12})$"), "book"),
    (re.compile(r"^(my )?bookings?$|^my appointments?$"), "my_bookings"),
    (re.compile(r"^my sessions?$"), "my_sessions"),
    (re.compile(r"^(create|new|add)( a)? session$"), "create_session"),
    (re.compile(r"^(share|send|get)?( my)?( booking)? (link|code)$|^share$"), "share_link"),
    (re.compile(r"^((my|change|set|change my|set my) )?time ?zone$"), "set_timezone"),
    (re.compile(r"^book(?:ing)? code\s+(?P<arg>[a-z0-9]{4,12})$"), "book"),
)


# A booking code pasted alone: 6 letters/digits with at least one digit (codes never contain 0, 1, I or O).
BARE_CODE = re.compile(r"^#?(?=[A-Za-z2-9]*[2-9])[A-HJ-NP-Za-hj-np-z2-9]{6}$")


@dataclass(frozen=True)
class Intent:
    trigger: str
    arg: str | None = None


def parse_intent(text: str, state: str, payload: str | None = None) -> Intent:
    """Turn what the user sent in `state` into the trigger to fire. Pure: no database, no machine."""
    options = MENUS.get(state, ())
    if payload:
        if payload in GLOBAL_WORDS.values() or any(o.trigger == payload for o in options):
            return Intent(payload)
        text = text or payload
    words = normalise(text)
    picked = number(words)
    if state in TEXT_STATES and picked is not None:
        return Intent("answer", text.strip())  # "0" is a price or a number of hours here, not the menu
    if words in GLOBAL_WORDS:
        return Intent(GLOBAL_WORDS[words])
    if picked is not None and 1 <= picked <= len(options):
        return Intent(options[picked - 1].trigger)
    for option in options:  # what a word means here wins over the commands that work everywhere
        if words == normalise(option.label) or words in option.keywords or words == option.trigger:
            return Intent(option.trigger)
    if words in WORDS.get(state, {}):
        return Intent(WORDS[state][words])
    if state in FREE_TEXT_STATES:  # a session called "Book club" is a name, not a command
        return Intent("answer", text.strip())
    if state in ("start", "customer_menu") and BARE_CODE.match(text.strip()):
        return Intent("book", text.strip().lstrip("#").lower())  # a booking code pasted on its own
    for pattern, trigger in COMMANDS:
        match = pattern.match(words)
        if match:
            return Intent(trigger, match.groupdict().get("arg"))
    if state in TEXT_STATES:
        return Intent("answer", text.strip())
    if words in GREETINGS:
        return Intent("menu")
    return Intent("unknown", text.strip())


def render_options(state: str) -> str:
    return "\n".join(msg.OPTION_LINE.format(number=i, label=o.label) for i, o in enumerate(MENUS[state], 1))
