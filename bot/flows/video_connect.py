"""Providers connect a video platform by a link sent in chat, see "Connected as <email>", and disconnect (with
confirmation). The guide's "Adding the App" and "Removing the App", moved from the dashboard into chat, for each
platform providers can connect here (the registry's): `connect <word>` names it, a bare `connect` means the
primary one. Replies that name the connected email are sealed (stored encrypted, deleted with the connection)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from transitions import EventData

from bot.core import messages as msg
from bot.dialogue.context import Dialogue, Draft
from bot.flows.common import dialogue
from bot.services import video_accounts


@dataclass
class ChosenPlatform(Draft):
    """The platform a disconnect is about, between "disconnect <word>" and the yes/no."""

    KEY: ClassVar[str] = "video_platform"
    name: str | None = None


def _platform(d: Dialogue) -> str | None:
    """The platform the message names ("connect google"), else the one being disconnected, else the primary."""
    remembered = d.draft(ChosenPlatform).name if d.state == "confirm_disconnect" else None
    return (video_accounts.platform_named(d.services, d.arg) or remembered
            or video_accounts.primary_platform(d.services))


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
    d.say(msg.PLATFORM_NOT_PROVIDER, **d.words(_platform(d)))


def explain_plan_needed(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.PLATFORM_NEEDS_PLAN, **d.words(_platform(d)), support_email=d.services.config.support_email)


def explain_not_configured(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.PLATFORM_NOT_CONFIGURED, **d.words(_platform(d)), support_email=d.services.config.support_email)


def send_connect_link(event: EventData) -> None:
    say_connect_link(dialogue(event))


def say_connect_link(d: Dialogue, platform: str | None = None) -> None:
    """A new connect link for `platform`, else the platform the message names, else the one providers connect
    here."""
    platform = platform or _platform(d)
    link = video_accounts.new_connect_link(d.services, d.session, d.provider, platform, d.now)
    d.say(msg.PLATFORM_LINK, **d.words(platform), link=link)
    d.button(msg.CONNECT_BUTTON.format(**d.words(platform)), link)


def show_integrations(event: EventData) -> None:
    """The connection of the platform the message named, else of every platform set up here (the primary's
    options)."""
    d = dialogue(event)
    named = video_accounts.platform_named(d.services, d.arg)
    primary = video_accounts.primary_platform(d.services)
    shown = [named] if named else [p for p in video_accounts.connect_platforms(d.services) if p == primary
                                   or d.services.video.configured(p)]
    lines, sealed = [], False
    for platform in shown:
        words = d.words(platform)
        conn = video_accounts.connection(d.session, d.provider.id, platform) if d.provider else None
        if conn is None:
            lines.append(msg.INTEGRATIONS_NOT_CONNECTED.format(**words))
            continue
        status = msg.INTEGRATIONS_BROKEN if conn.status == "broken" else msg.INTEGRATIONS_CONNECTED
        lines.append(status.format(**words, email=video_accounts.connected_email(d.services, conn)))
        sealed = True
    say = d.say_sealed if sealed else d.say
    say(msg.INTEGRATIONS_MENU, status="\n".join(lines), options=d.options("integrations", platform=named))


def explain_not_connected(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.PLATFORM_NOT_CONNECTED, **d.words(_platform(d)))


def ask_disconnect(event: EventData) -> None:
    d = dialogue(event)
    platform = _platform(d)
    d.draft(ChosenPlatform).name = platform  # the yes/no that follows is about this one
    conn = _connection(d)
    d.say_sealed(msg.PLATFORM_CONFIRM_DISCONNECT, **d.words(platform),
                 email=video_accounts.connected_email(d.services, conn), options=d.options("confirm_disconnect"))


def disconnect(event: EventData) -> None:
    d = dialogue(event)
    platform = _platform(d)
    d.forget(ChosenPlatform)
    token = video_accounts.disconnect(d.services, d.session, d.provider.id, platform)
    d.say(msg.PLATFORM_DISCONNECTED, **d.words(platform))
    d.later(lambda: video_accounts.after_disconnect(d.services, platform, token))


def keep(event: EventData) -> None:
    d = dialogue(event)
    platform = _platform(d)
    conn = _connection(d)
    d.forget(ChosenPlatform)
    if conn is None:
        d.say(msg.PLATFORM_KEPT, **d.words(platform), email="-")
    else:
        d.say_sealed(msg.PLATFORM_KEPT, **d.words(platform), email=video_accounts.connected_email(d.services, conn))
