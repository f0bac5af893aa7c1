"""Help: the product guide's troubleshooting in chat form, and a ticket to a person by email."""
from __future__ import annotations

from transitions import EventData

from bot import messages as msg, plans, support
from bot.flows.common import dialogue
from bot.text import clean_input


def show_help_menu(event: EventData) -> None:
    from bot.state_machine import render_options

    d = dialogue(event)
    config = d.services.config
    d.say(msg.HELP_MENU, options=render_options("help_menu"), support_email=config.support_email,
          support_whatsapp=config.support_whatsapp)


def explain_plan(event: EventData) -> None:
    d = dialogue(event)
    if d.provider is None:
        d.say(msg.HELP_PLAN_NOT_PROVIDER)
    else:
        d.say(msg.HELP_PLAN, plan_status=plans.describe(d.provider, d.now))
        if not plans.can_use_zoom(d.provider, d.now):
            d.say(msg.PLAN_UPGRADE, support_email=d.services.config.support_email)
    d.say(msg.HELP_MORE)


def explain_auth(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.HELP_AUTH)
    d.say(msg.HELP_MORE)


def explain_wrong_account(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.HELP_WRONG_ACCOUNT)
    d.say(msg.HELP_MORE)


def ask_description(event: EventData) -> None:
    dialogue(event).say(msg.SUPPORT_ASK)


def description_ok(event: EventData) -> bool:
    return len(clean_input(dialogue(event).text)) >= 5


def description_rejected(event: EventData) -> None:
    dialogue(event).say(msg.SUPPORT_TOO_SHORT)


def open_ticket(event: EventData) -> None:
    d = dialogue(event)
    ticket = support.open_ticket(d.session, d.contact, clean_input(d.text), now=d.now)
    d.say(msg.SUPPORT_CREATED, ticket=ticket.number, support_email=d.services.config.support_email)
    d.later(lambda: support.deliver_pending(d.services))
