"""Providers connect a video platform by a link sent in chat, see "Connected as <email>", and disconnect (with
confirmation). The guide's "Adding the App" and "Removing the App", moved from the dashboard into chat, for the
platform providers connect here (the registry's; `connect <word>`). Replies that name the connected email are
sealed (stored encrypted, deleted with the connection)."""
from __future__ import annotations

from transitions import EventData

from bot.core import messages as msg
from bot.dialogue.context import Dialogue
from bot.dialogue.intents import render_options
from bot.flows.common import dialogue
from bot.services import video_accounts


def _platform(d: Dialogue) -> str | None:
    return video_accounts.primary_platform(d.services)


def _readiness(d: Dialogue) -> video_accounts.Readiness | None:
    platform = _platform(d)
    if platform is None:
        return None
    return video_accounts.readiness(d.services, d.session, d.provider, platform, d.now)


def _connection(d: Dialogue):
    platform = _platform(d)
    return video_accounts.connection(d.session, d.provider.id, platform) if d.provider and platform else None


def platform_allowed(event: EventData) -> bool:
    readiness = _readiness(dialogue(event))
    return readiness is not None and readiness.allowed


def platform_configured(event: EventData) -> bool:
    readiness = _readiness(dialogue(event))
    return readiness is not None and readiness.configured


def platform_connected(event: EventData) -> bool:
    return _connection(dialogue(event)) is not None


def explain_not_provider(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.PLATFORM_NOT_PROVIDER, **d.words())


def explain_plan_needed(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.PLATFORM_NEEDS_PLAN, **d.words(), support_email=d.services.config.support_email)


def explain_not_configured(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.PLATFORM_NOT_CONFIGURED, **d.words(), support_email=d.services.config.support_email)


def send_connect_link(event: EventData) -> None:
    say_connect_link(dialogue(event))


def say_connect_link(d: Dialogue) -> None:
    """A new connect link for the platform providers connect here."""
    platform = _platform(d)
    link = video_accounts.new_connect_link(d.services, d.session, d.provider, platform, d.now)
    d.say(msg.PLATFORM_LINK, **d.words(platform), link=link)


def show_integrations(event: EventData) -> None:
    d = dialogue(event)
    words = d.words()
    options = render_options("integrations", words)
    conn = _connection(d)
    if conn is None:
        d.say(msg.INTEGRATIONS_MENU, status=msg.INTEGRATIONS_NOT_CONNECTED.format(**words), options=options)
        return
    status = msg.INTEGRATIONS_BROKEN if conn.status == "broken" else msg.INTEGRATIONS_CONNECTED
    d.say_sealed(msg.INTEGRATIONS_MENU, status=status.format(**words,
                                                             email=video_accounts.connected_email(d.services, conn)),
                 options=options)


def explain_not_connected(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.PLATFORM_NOT_CONNECTED, **d.words())


def ask_disconnect(event: EventData) -> None:
    d = dialogue(event)
    conn = _connection(d)
    d.say_sealed(msg.PLATFORM_CONFIRM_DISCONNECT, **d.words(), email=video_accounts.connected_email(d.services, conn),
                 options=render_options("confirm_disconnect"))


def disconnect(event: EventData) -> None:
    d = dialogue(event)
    platform = _platform(d)
    token = video_accounts.disconnect(d.services, d.session, d.provider.id, platform)
    d.say(msg.PLATFORM_DISCONNECTED, **d.words(platform))
    d.later(lambda: video_accounts.after_disconnect(d.services, platform, token))


def keep(event: EventData) -> None:
    d = dialogue(event)
    conn = _connection(d)
    if conn is None:
        d.say(msg.PLATFORM_KEPT, **d.words(), email="-")
    else:
        d.say_sealed(msg.PLATFORM_KEPT, **d.words(), email=video_accounts.connected_email(d.services, conn))
