"""Steps every journey shares: menus, welcome, cancel, not understood, and the one place a failing step turns
into a friendly reply."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from transitions import EventData

from bot.core import messages as msg
from bot.core import timezones
from bot.core.text import normalise
from bot.dialogue.context import Dialogue
from bot.dialogue.intents import MAIN_MENUS, MENUS, render_options
from bot.services import contacts

log = logging.getLogger(__name__)


def dialogue(event: EventData) -> Dialogue:
    return event.model  # type: ignore[no-any-return]


@dataclass
class ZoneGuess:
    """Mixed into a Draft whose journey asks for a time zone: the one guess offered ("yes" takes it) or the
    numbered choices."""

    tz_guess: str | None = None
    tz_choices: list[str] = field(default_factory=list)

    def offer(self, guesses: list[str]) -> None:
        self.tz_guess = guesses[0] if len(guesses) == 1 else None
        self.tz_choices = list(guesses) if len(guesses) > 1 else []

    def chosen(self, text: str) -> str | None:
        """The zone the answer picks (the guess, a number, or a zone typed), else None."""
        return timezones.choose(text, self.tz_guess, self.tz_choices)


def is_provider(event: EventData) -> bool:
    return dialogue(event).provider is not None


def clear_context(event: EventData) -> None:
    dialogue(event).forget()


def welcome(event: EventData) -> None:
    d = dialogue(event)
    name = d.provider.display_name if d.provider else (d.contact.name or d.inbound.profile_name)
    d.say(msg.WELCOME, name_part=f" {name}" if name else "")


# Commands answered on the way that land on the menu (the new time zone saved, a connect link sent): not the end
# of a journey, so their answer ends with one line of what to do next instead of the whole menu.
BRIEF_AFTER = frozenset({("set_timezone", "answer"), ("*", "connect_platform")})


def _brief(event: EventData) -> bool:
    name, source = event.event.name, event.transition.source if event.transition is not None else None
    return (source, name) in BRIEF_AFTER or ("*", name) in BRIEF_AFTER


def show_menu(event: EventData) -> None:
    """The menu, when asked for or when a journey ends; after a command answered on the way, one line instead."""
    d = dialogue(event)
    transition = event.transition
    if event.event.name == "opt_out" or (transition is not None and transition.source == transition.dest
                                          and event.event.name not in ("menu", "cancel") and d.replies):
        return  # STOP, or a command answered from the menu: its answer is enough, no need for the menu
    if d.replies and _brief(event):
        d.say(msg.MENU_HINT)
        return
    if transition is not None and transition.source == "start":
        welcome(event)
    if d.state == "provider_menu" and d.provider is not None:
        d.say(msg.PROVIDER_MENU, name=d.provider.display_name, options=render_options(d.state, d.words()))
    else:
        d.say(msg.CUSTOMER_MENU, options=render_options("customer_menu"))


def opt_out(event: EventData) -> None:
    """STOP: no more messages but the answers to their own; nothing else changes (bookings stay)."""
    d = dialogue(event)
    contacts.opt_out(d.contact, d.now)
    d.say(msg.OPTED_OUT)


OPT_IN_WORDS = frozenset({"start", "unstop", "subscribe"})


def opt_in(event: EventData) -> None:
    """START (UNSTOP, SUBSCRIBE) from someone who had sent STOP turns messages on again; other words don't."""
    d = dialogue(event)
    if normalise(d.text) in OPT_IN_WORDS and contacts.opt_in(d.contact):
        d.say(msg.OPTED_IN)


def cancelled(event: EventData) -> None:
    dialogue(event).say(msg.CANCELLED)


def say_hint(d: Dialogue) -> None:
    """The one line of what works everywhere; at a menu, nothing to stop."""
    d.say(msg.MENU_HINT if d.state in MAIN_MENUS else msg.GLOBAL_HINT)


def nothing_to_go_back_to(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.NOTHING_TO_GO_BACK_TO)
    say_hint(d)


def not_understood(event: EventData) -> None:

    d = dialogue(event)
    shown = d.text if len(d.text) <= 40 else d.text[:37] + "..."
    if d.state in MENUS:
        d.say(msg.NOT_UNDERSTOOD, text=shown)
        d.say(d.options(d.state, d.shown(d.state)))
    say_hint(d)


def you_are_welcome(event: EventData) -> None:
    """"Thanks!": a short answer, and the person stays where they were."""
    d = dialogue(event)
    d.say(msg.YOU_ARE_WELCOME if d.state in MAIN_MENUS else msg.YOU_ARE_WELCOME_MID_STEP)


def on_exception(event: EventData) -> None:
    """A step raised: the handler rolls back this message's changes and keeps the previous state."""
    d = dialogue(event)
    d.error = event.error
    if d.rehearsal:
        return  # it runs again in a write transaction, which reports it if it fails there too
    log.exception("conversation step failed in state %s", d.state, exc_info=event.error)
