"""Help: the product guide's troubleshooting in chat form, and a ticket to a person by email."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transitions import EventData

from bot.core import messages as msg
from bot.core.text import clean_input
from bot.dialogue.context import Draft
from bot.flows.common import dialogue
from bot.services import plans, support, video_accounts

# Steps a user may ask for help in the middle of; `back` from the help menu returns there with what they typed.
RESUMABLE = ("signup_name", "signup_timezone", "integrations", "confirm_disconnect", "new_kind", "new_name",
             "new_duration", "new_price", "new_mode", "new_platform", "new_platform_needed", "new_meet_url",
             "new_address", "new_availability", "new_capacity", "new_notice", "new_description", "new_confirm", "sessions_list",
             "session_detail", "edit_value", "confirm_delete_session", "book_code", "book_session", "book_timezone", "book_day", "book_time",
             "book_name", "book_email", "book_confirm", "bookings_list", "booking_detail", "confirm_cancel_booking")


# What customers are shown (connecting a platform is for providers; its words still answer if typed).
CUSTOMER_TOPICS = ("help_bookings", "help_link", "talk_to_person")


@dataclass
class HelpDraft(Draft):
    """The step help was asked from (the other journey's draft is kept meanwhile)."""

    KEY = "help_from"
    place: str | None = None


def remember_place(event: EventData) -> None:
    d = dialogue(event)
    source = event.transition.source if event.transition is not None else None
    if source in RESUMABLE:
        d.draft(HelpDraft).place = source
    else:
        d.forget()


def came_from(place: str):
    def condition(event: EventData) -> bool:
        return dialogue(event).draft(HelpDraft).place == place
    condition.__name__ = f"came_from_{place}"
    return condition


def forget_place(event: EventData) -> None:
    dialogue(event).forget(HelpDraft)


def show_help_menu(event: EventData) -> None:

    d = dialogue(event)
    config = d.services.config
    topics = None if d.provider is not None else CUSTOMER_TOPICS
    d.say(msg.HELP_MENU, options=d.options("help_menu", topics), support_email=config.support_email,
          support_whatsapp=config.support_whatsapp)
    if d.draft(HelpDraft).place:
        d.say(msg.HELP_BACK_TO_STEP)


def explain_plan(event: EventData) -> None:
    d = dialogue(event)
    words = d.words()
    if d.provider is None:
        d.say(msg.HELP_PLAN_NOT_PROVIDER, **words)
    else:
        status = plans.describe(d.provider, d.now, words)
        platform = video_accounts.primary_platform(d.services)
        if platform and video_accounts.readiness(d.services, d.session, d.provider, platform, d.now).allowed:
            d.say(msg.HELP_PLAN, **words, plan_status=status)
            d.say(msg.HELP_PLAN_HOW_TO_CONNECT, **words)
        else:  # the plan's own status already says what connecting needs
            d.say(status)
            d.say(msg.PLAN_UPGRADE, support_email=d.services.config.support_email)
    d.say(msg.HELP_MORE)


def _answer(template: str, name: str) -> Callable[[EventData], None]:
    """A help topic whose answer is one fixed text, then the way on."""
    def step(event: EventData) -> None:
        d = dialogue(event)
        d.say(template, **d.words())
        d.say(msg.HELP_MORE)
    step.__name__ = name
    return step


explain_auth = _answer(msg.HELP_AUTH, "explain_auth")
explain_wrong_account = _answer(msg.HELP_WRONG_ACCOUNT, "explain_wrong_account")
explain_bookings = _answer(msg.HELP_BOOKINGS, "explain_bookings")
explain_link = _answer(msg.HELP_LINK, "explain_link")


def ask_description(event: EventData) -> None:
    dialogue(event).say(msg.SUPPORT_ASK)


def description_ok(event: EventData) -> bool:
    text = clean_input(dialogue(event).text)
    return len(text) >= 10 and len(text.split()) >= 2


def description_rejected(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.SUPPORT_TOO_SHORT, **d.words())


def open_ticket(event: EventData) -> None:
    d = dialogue(event)
    ticket = support.ask_a_person(d.session, d.services, d.contact, clean_input(d.text), now=d.now)
    d.say(msg.SUPPORT_CREATED, ticket=ticket.number, support_email=d.services.config.support_email)
    d.later(ticket.then)
