"""The whole conversation graph, declared once: states, transitions with their guards, and the one machine
(`build_machine`). What each state offers and how text becomes a trigger is in bot.dialogue.intents.

One Machine per process (build_machine); each message's Dialogue gets its stored state and the trigger is fired on
it through the machine's events (`fire`), without decorating it as a model (see bot.conversation.handler). `menu`, `help` and
`cancel` work from every state; `back` where it makes sense.
"""
from __future__ import annotations

from transitions import Machine, State

from bot.dialogue.steps import Steps
from bot.flows import agenda, booking, common, my_bookings, onboarding, reminders, session_fields
from bot.flows import create_session as create
from bot.flows import manage_sessions as manage
from bot.flows import video_connect as video
from bot.flows import help as help_flow

STATES = [
    State("start"),
    State("customer_menu", on_enter=[common.show_menu]),
    State("provider_menu", on_enter=[common.show_menu]),
    State("signup_name", on_enter=[onboarding.ask_name]),
    State("signup_timezone", on_enter=[onboarding.ask_timezone]),
    State("help_menu", on_enter=[help_flow.show_help_menu]),
    State("set_timezone", on_enter=[onboarding.ask_new_timezone]),
    State("support_describe", on_enter=[help_flow.ask_description]),
    State("integrations", on_enter=[video.show_integrations]),
    State("confirm_disconnect", on_enter=[video.ask_disconnect]),
    # provider: create a session
    State("new_kind", on_enter=[create.ask_kind]),
    State("new_name", on_enter=[create.NAME.ask]),
    State("new_duration", on_enter=[create.DURATION.ask]),
    State("new_price", on_enter=[create.PRICE.ask]),
    State("new_mode", on_enter=[create.ask_mode]),
    State("new_platform", on_enter=[create.ask_platform]),
    State("new_platform_needed", on_enter=[create.explain_platform_needed]),
    State("new_meet_url", on_enter=[create.MEET_URL.ask]),
    State("new_address", on_enter=[create.ADDRESS.ask]),
    State("new_availability", on_enter=[create.AVAILABILITY.ask]),
    State("new_capacity", on_enter=[create.CAPACITY.ask]),
    State("new_notice", on_enter=[create.NOTICE.ask]),
    State("new_description", on_enter=[create.DESCRIPTION.ask]),
    State("new_confirm", on_enter=[create.show_summary]),
    # provider: list, pause, resume, edit sessions
    State("sessions_list", on_enter=[manage.show_list]),
    State("session_detail", on_enter=[manage.show_detail]),
    State("edit_value", on_enter=[manage.EDIT.ask]),
    State("confirm_delete_session", on_enter=[manage.ask_delete]),
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
    State("cancel_reason", on_enter=[my_bookings.ask_reason]),
    State("confirm_cancel_booking", on_enter=[my_bookings.ask_cancel]),
    # provider: reminder settings
    State("reminder_settings", on_enter=[reminders.show_settings]),
]

# Where `back` goes from each state (states not listed go back to the menu).
BACK: dict[str, str] = {
    "signup_timezone": "signup_name", "support_describe": "help_menu", "confirm_disconnect": "integrations",
    "new_name": "new_kind", "new_duration": "new_name", "new_price": "new_duration", "new_mode": "new_price",
    "new_platform": "new_mode", "new_platform_needed": "new_platform", "new_meet_url": "new_platform",
    "new_address": "new_mode", "new_availability": "new_mode", "new_capacity": "new_availability",
    "new_notice": "new_availability", "new_description": "new_notice", "new_confirm": "new_description",
    "session_detail": "sessions_list", "edit_value": "session_detail",
    "confirm_delete_session": "session_detail",
    "book_session": "book_code", "book_timezone": "book_session", "book_day": "book_session",
    "book_time": "book_day", "book_name": "book_time", "book_email": "book_name", "book_confirm": "book_email",
    "booking_detail": "bookings_list", "cancel_reason": "booking_detail",
    "confirm_cancel_booking": "booking_detail",
}

MENU_STATES = ("customer_menu", "provider_menu")


def asked(source: str, dest: str, steps: Steps) -> list[dict]:
    """The two transitions of a value asked in `source`: a usable answer is kept and goes on to `dest`, any other
    is refused there (see bot.dialogue.steps)."""
    return [{"trigger": "answer", "source": source, "dest": dest, "conditions": steps.ok, "before": steps.keep},
            {"trigger": "answer", "source": source, "dest": None, "after": steps.rejected}]


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
    {"trigger": "thanks", "source": "*", "dest": None, "after": common.you_are_welcome},
    # -- back -------------------------------------------------------------------------------------------------
    *({"trigger": "back", "source": "help_menu", "dest": place, "conditions": help_flow.came_from(place),
       "before": help_flow.forget_place} for place in help_flow.RESUMABLE),
    {"trigger": "back", "source": "book_day", "dest": "booking_detail", "conditions": booking.is_reschedule},
    {"trigger": "back", "source": "book_confirm", "dest": "book_time", "conditions": booking.is_reschedule},
    {"trigger": "back", "source": "new_notice", "dest": "new_capacity", "conditions": create.is_group},
    {"trigger": "back", "source": "new_availability", "dest": "new_platform", "conditions": create.is_meetings_draft},
    {"trigger": "back", "source": "new_availability", "dest": "new_meet_url", "conditions": create.is_meet_draft},
    {"trigger": "back", "source": "new_availability", "dest": "new_address",
     "conditions": create.is_in_person_draft},
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
    # -- video platform: connect, see, disconnect (global commands for providers) --------------------------------------
    {"trigger": "integrations", "source": "provider_menu", "dest": "integrations"},
    # (while a new session waits for its platform, "connect <that one>" sends its link and stays there)
    {"trigger": "connect_platform", "source": "new_platform_needed", "dest": None,
     "conditions": [create.connects_wanted, create.platform_possible],
     "after": [create.send_connect_link, create.after_platform_link]},
    {"trigger": "connect_platform", "source": "*", "dest": None, "unless": common.is_provider,
     "after": video.explain_not_provider},
    {"trigger": "connect_platform", "source": "*", "dest": None, "unless": video.platform_allowed,
     "after": video.explain_plan_needed},
    {"trigger": "connect_platform", "source": "*", "dest": None, "unless": video.platform_configured,
     "after": video.explain_not_configured},
    {"trigger": "connect_platform", "source": "integrations", "dest": "provider_menu",
     "before": video.send_connect_link},
    {"trigger": "connect_platform", "source": "*", "dest": "integrations", "conditions": video.platform_connected},
    {"trigger": "connect_platform", "source": "*", "dest": "provider_menu", "before": video.send_connect_link},
    {"trigger": "disconnect_platform", "source": "*", "dest": None, "unless": common.is_provider,
     "after": video.explain_not_provider},
    {"trigger": "disconnect_platform", "source": "*", "dest": "confirm_disconnect",
     "conditions": video.platform_connected},
    {"trigger": "disconnect_platform", "source": "*", "dest": None, "after": video.explain_not_connected},
    {"trigger": "confirm", "source": "confirm_disconnect", "dest": "provider_menu", "before": video.disconnect},
    {"trigger": "decline", "source": "confirm_disconnect", "dest": "provider_menu", "before": video.keep},
    # -- provider: create a session ------------------------------------------------------------------------
    {"trigger": "create_session", "source": "*", "dest": None, "unless": common.is_provider,
     "after": session_fields.explain_providers_only},
    {"trigger": "create_session", "source": "*", "dest": "new_kind", "before": common.clear_context},
    {"trigger": "kind_one", "source": "new_kind", "dest": "new_name", "before": create.keep_kind_one},
    {"trigger": "kind_group", "source": "new_kind", "dest": "new_name", "before": create.keep_kind_group},
    *asked("new_name", "new_duration", create.NAME),
    *asked("new_duration", "new_price", create.DURATION),
    *asked("new_price", "new_mode", create.PRICE),
    {"trigger": "mode_online", "source": "new_mode", "dest": "new_platform", "before": create.keep_online},
    {"trigger": "mode_in_person", "source": ["new_mode", "new_platform_needed"], "dest": "new_address",
     "before": create.keep_in_person},
    {"trigger": "platform_meetings", "source": ["new_platform", "new_platform_needed"], "dest": "new_availability",
     "conditions": create.platform_ready, "before": create.keep_platform},
    {"trigger": "platform_meetings", "source": ["new_platform", "new_platform_needed"], "dest": "new_platform_needed",
     "before": create.keep_platform},
    {"trigger": "send_platform_link", "source": "new_platform_needed", "dest": None,
     "conditions": create.platform_possible,
     "after": [create.send_connect_link, create.after_platform_link]},
    {"trigger": "send_platform_link", "source": "new_platform_needed", "dest": None,
     "after": create.explain_platform_needed},
    {"trigger": "platform_done", "source": "new_platform_needed", "dest": "new_availability",
     "conditions": create.platform_ready, "before": create.keep_platform},
    {"trigger": "platform_done", "source": "new_platform_needed", "dest": None,
     "after": create.platform_still_missing},
    {"trigger": "platform_meet", "source": ["new_platform", "new_platform_needed"], "dest": "new_meet_url"},
    *asked("new_meet_url", "new_availability", create.MEET_URL),
    *asked("new_address", "new_availability", create.ADDRESS),
    {"trigger": "answer", "source": "new_availability", "dest": "new_capacity",
     "conditions": [create.AVAILABILITY.ok, create.is_group], "before": create.AVAILABILITY.keep},
    *asked("new_availability", "new_notice", create.AVAILABILITY),
    *asked("new_capacity", "new_notice", create.CAPACITY),
    *asked("new_notice", "new_description", create.NOTICE),
    *asked("new_description", "new_confirm", create.DESCRIPTION),
    {"trigger": "save", "source": "new_confirm", "dest": "provider_menu", "before": create.save},
    {"trigger": "restart", "source": "new_confirm", "dest": "new_kind", "before": common.clear_context},
    # -- provider: my sessions, pause/resume, edit, share ----------------------------------------------------
    {"trigger": "my_sessions", "source": "*", "dest": None, "unless": common.is_provider,
     "after": session_fields.explain_providers_only},
    {"trigger": "my_sessions", "source": "*", "dest": "sessions_list", "before": common.clear_context},
    {"trigger": "answer", "source": "sessions_list", "dest": "session_detail", "conditions": manage.picked_session,
     "before": manage.keep_picked_session},
    {"trigger": "answer", "source": "sessions_list", "dest": None, "after": manage.pick_rejected},
    {"trigger": "toggle_pause", "source": "session_detail", "dest": "session_detail", "before": manage.toggle_pause},
    {"trigger": "pause_session", "source": "session_detail", "dest": "session_detail", "before": manage.pause},
    {"trigger": "resume_session", "source": "session_detail", "dest": "session_detail", "before": manage.resume},
    {"trigger": "edit_capacity", "source": "session_detail", "dest": None, "unless": manage.is_group_session,
     "after": manage.capacity_not_for_one},
    {"trigger": "edit_where", "source": "session_detail", "dest": "session_detail", "conditions": manage.place_is_kept,
     "before": manage.place_kept},
    *({"trigger": f"edit_{field}", "source": "session_detail", "dest": "edit_value",
       "before": manage.start_edit(field)}
      for field in manage.EDITABLE),
    {"trigger": "answer", "source": "edit_value", "dest": "session_detail",
     "conditions": manage.capacity_below_booked, "before": manage.capacity_kept},
    *asked("edit_value", "session_detail", manage.EDIT),
    {"trigger": "delete_session", "source": "session_detail", "dest": "confirm_delete_session"},
    {"trigger": "confirm_delete", "source": "confirm_delete_session", "dest": "sessions_list",
     "conditions": manage.has_no_upcoming_bookings, "before": manage.delete},
    {"trigger": "confirm_delete", "source": "confirm_delete_session", "dest": "confirm_delete_session"},
    {"trigger": "confirm_cancel_delete", "source": "confirm_delete_session", "dest": "sessions_list",
     "before": manage.cancel_bookings_and_delete},
    {"trigger": "decline", "source": "confirm_delete_session", "dest": "session_detail", "before": manage.keep_session},
    {"trigger": "agenda", "source": "*", "dest": None, "unless": common.is_provider,
     "after": agenda.explain_providers_only},
    {"trigger": "agenda", "source": "*", "dest": None, "after": agenda.show},
    {"trigger": "share_link", "source": "*", "dest": None, "unless": common.is_provider,
     "after": session_fields.explain_providers_only},
    {"trigger": "share_link", "source": "*", "dest": None, "after": manage.share_link},
    # -- customer: book ------------------------------------------------------------------------------------
    {"trigger": "book", "source": "*", "dest": None, "prepare": booking.find_code,
     "conditions": [booking.code_found, booking.nothing_open],
     "after": booking.explain_nothing_open},
    {"trigger": "book", "source": "*", "dest": "book_session", "conditions": booking.code_found,
     "before": [common.clear_context, booking.keep_provider]},
    {"trigger": "book", "source": "*", "dest": None, "conditions": booking.code_given,
     "after": booking.code_not_found},
    {"trigger": "book", "source": "*", "dest": "book_code", "before": common.clear_context},
    {"trigger": "answer", "source": "book_code", "dest": None, "prepare": booking.find_code,
     "conditions": [booking.code_found, booking.nothing_open], "after": booking.explain_nothing_open},
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
    {"trigger": "answer", "source": "book_day", "dest": None, "after": booking.day_rejected},
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
    # `confirm` (the first transition's prepare) books or moves the booking once; the guards read its outcome
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "bookings_list", "prepare": booking.confirm,
     "conditions": booking.rescheduled, "before": booking.say_rescheduled},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "bookings_list",
     "conditions": booking.reschedule_gone, "before": booking.reschedule_gone_said},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "provider_menu",
     "conditions": [booking.booked, common.is_provider], "before": booking.say_booked},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "customer_menu", "conditions": booking.booked,
     "before": booking.say_booked},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "book_session",
     "conditions": [booking.session_paused, booking.other_sessions_open], "before": booking.paused_meanwhile},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "provider_menu",
     "conditions": [booking.session_paused, common.is_provider], "before": booking.paused_nothing_open},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "customer_menu",
     "conditions": booking.session_paused, "before": booking.paused_nothing_open},
    {"trigger": "confirm_booking", "source": "book_confirm", "dest": "book_day", "before": booking.slot_gone},
    # -- both: my bookings, cancel, reschedule -------------------------------------------------------------------
    {"trigger": "my_bookings", "source": "*", "dest": "bookings_list", "before": common.clear_context},
    {"trigger": "answer", "source": "bookings_list", "dest": "cancel_reason",
     "conditions": [my_bookings.cancelling, my_bookings.picked_booking, my_bookings.picked_changeable],
     "before": my_bookings.keep_booking},
    {"trigger": "answer", "source": "bookings_list", "dest": "booking_detail",
     "conditions": my_bookings.picked_booking, "before": my_bookings.keep_booking},
    {"trigger": "answer", "source": "bookings_list", "dest": None, "after": my_bookings.pick_rejected},
    {"trigger": "cancel_booking", "source": "bookings_list", "dest": "cancel_reason",
     "conditions": my_bookings.only_one_changeable, "before": my_bookings.keep_only},
    {"trigger": "cancel_booking", "source": "bookings_list", "dest": None, "after": my_bookings.which_to_cancel},
    {"trigger": "cancel_booking", "source": "booking_detail", "dest": "cancel_reason",
     "conditions": my_bookings.can_change},
    {"trigger": "cancel_booking", "source": "booking_detail", "dest": None, "after": my_bookings.change_refused},
    {"trigger": "answer", "source": "cancel_reason", "dest": "confirm_cancel_booking",
     "before": my_bookings.keep_reason},
    {"trigger": "confirm", "source": "confirm_cancel_booking", "dest": "bookings_list",
     "before": my_bookings.cancel_booking},
    {"trigger": "decline", "source": "confirm_cancel_booking", "dest": "booking_detail"},
    {"trigger": "reschedule_booking", "source": "booking_detail", "dest": "book_day",
     "conditions": my_bookings.can_change, "before": my_bookings.start_reschedule},
    {"trigger": "reschedule_booking", "source": "booking_detail", "dest": None,
     "after": my_bookings.change_refused},
    # -- reminders: the provider's settings, and the choices in a reminder (from anywhere) ----------------------
    {"trigger": "reminders", "source": "*", "dest": None, "unless": common.is_provider,
     "after": reminders.explain_customers_only},
    {"trigger": "reminders", "source": "*", "dest": "reminder_settings", "before": common.clear_context},
    *({"trigger": trigger, "source": "reminder_settings", "dest": "reminder_settings",
       "before": reminders.save_setting} for trigger in reminders.SETTING_TRIGGERS),
    {"trigger": "attend", "source": "*", "dest": None, "conditions": reminders.can_attend,
     "before": reminders.attend, "after": reminders.say_attending},
    {"trigger": "attend", "source": "*", "dest": None, "after": reminders.cannot_attend},
    {"trigger": "reschedule_ref", "source": "*", "dest": "book_day", "prepare": reminders.pick_by_reference,
     "conditions": [reminders.reference_found, my_bookings.can_change], "before": my_bookings.start_reschedule},
    {"trigger": "reschedule_ref", "source": "*", "dest": None, "after": reminders.change_refused},
    {"trigger": "cancel_ref", "source": "*", "dest": "confirm_cancel_booking", "prepare": reminders.pick_by_reference,
     "conditions": [reminders.reference_found, my_bookings.can_change]},
    {"trigger": "cancel_ref", "source": "*", "dest": None, "after": reminders.change_refused},
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
