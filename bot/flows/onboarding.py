"""A new provider signs up by chat: name, time zone (guessed from the number, confirmed), 14-day trial."""
from __future__ import annotations

from dataclasses import dataclass

from transitions import EventData

from bot.core import messages as msg
from bot.core import phones, timezones
from bot.core.choices import Choice
from bot.core.text import NO, clean_input, normalise, person_name
from bot.dialogue.context import Draft
from bot.flows.common import ZoneGuess, dialogue, say_hint
from bot.services import contacts, plans


@dataclass
class SignupDraft(ZoneGuess, Draft):
    """The name given, and the time zones offered."""

    KEY = "signup"
    name: str = ""


def already_provider(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.ALREADY_PROVIDER, name=d.provider.display_name)
    say_hint(d)


def ask_name(event: EventData) -> None:
    dialogue(event).say(msg.SIGNUP_ASK_NAME)


def name_ok(event: EventData) -> bool:
    return person_name(dialogue(event).text) is not None


def name_rejected(event: EventData) -> None:
    dialogue(event).say(msg.SIGNUP_BAD_NAME)


def keep_name(event: EventData) -> None:
    d = dialogue(event)
    d.draft(SignupDraft).name = person_name(d.text) or ""


def ask_timezone(event: EventData) -> None:
    d = dialogue(event)
    guesses = timezones.guess_for_phone(d.contact.phone)
    draft = d.draft(SignupDraft)
    draft.offer(guesses)
    name = draft.name
    if len(guesses) == 1:
        d.say(msg.SIGNUP_ASK_TIMEZONE, name=name, country=phones.country_phrase(d.contact.country) or "your country",
              timezone=guesses[0], local_time=timezones.local_time(guesses[0], d.now))
        d.also_offer([Choice("yes", msg.OPT_YES)])
    elif guesses:
        d.say(msg.SIGNUP_ASK_TIMEZONE_UNKNOWN, name=name)
        d.say(msg.SIGNUP_TIMEZONE_CHOICES, options=timezones.numbered(guesses, d.now))
    else:
        d.say(msg.SIGNUP_ASK_TIMEZONE_UNKNOWN, name=name)


def timezone_chosen(event: EventData) -> bool:
    d = dialogue(event)
    return d.draft(SignupDraft).chosen(d.text) is not None


def timezone_not_understood(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.ASK_ZONE_AFTER_NO if normalise(d.text) in NO else msg.SIGNUP_BAD_TIMEZONE,
          text=clean_input(d.text, 40))


def create_provider(event: EventData) -> None:
    d = dialogue(event)
    draft = d.draft(SignupDraft)
    zone = draft.chosen(d.text)
    provider = contacts.sign_up(d.session, d.contact, name=draft.name, timezone=zone, now=d.now,
                                trial_days=d.services.config.trial_days)
    d.forget()
    d.say(msg.SIGNUP_DONE, name=provider.display_name, timezone=zone,
          trial_end=plans.format_day(provider.trial_ends_at, zone))


def show_plan(event: EventData) -> None:
    d = dialogue(event)
    d.say(plans.describe(d.provider, d.now, d.words()))
    if plans.effective_plan(d.provider, d.now) != "pro":
        d.say(msg.PLAN_UPGRADE, support_email=d.services.config.support_email)


# -- changing one's time zone later (customers: the times they are shown; providers: also their availability) -------

def ask_new_timezone(event: EventData) -> None:
    d = dialogue(event)
    current = (d.provider.timezone if d.provider else None) or d.contact.timezone or "-"
    d.say(msg.TIMEZONE_ASK_NEW, timezone=current, local_time=timezones.local_time(current, d.now)
          if current != "-" else "-")
    if d.provider:
        d.say(msg.TIMEZONE_PROVIDER_NOTE)


def new_timezone_ok(event: EventData) -> bool:
    return timezones.lookup(dialogue(event).text) is not None


def save_new_timezone(event: EventData) -> None:
    d = dialogue(event)
    zone = timezones.lookup(d.text)
    contacts.set_timezone(d.contact, zone)
    d.say(msg.TIMEZONE_SAVED, timezone=zone, local_time=timezones.local_time(zone, d.now))
