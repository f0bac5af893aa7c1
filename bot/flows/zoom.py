"""Providers connect Zoom by a link sent in chat, see "Connected as <email>", and disconnect (with confirmation).
The guide's "Adding the App" and "Removing the App", moved from the dashboard into chat. Replies that name the
connected email are sealed (stored encrypted, deleted with the connection)."""
from __future__ import annotations

from transitions import EventData

from bot.core import messages as msg
from bot.dialogue.intents import render_options
from bot.flows.common import dialogue
from bot.services import plans, video_accounts

PLATFORM = "zoom"


def _connection(d):
    return video_accounts.connection(d.session, d.provider.id, PLATFORM) if d.provider else None


def zoom_allowed(event: EventData) -> bool:
    d = dialogue(event)
    return plans.can_use_zoom(d.provider, d.now)


def zoom_configured(event: EventData) -> bool:
    return PLATFORM in dialogue(event).services.video.names()


def zoom_connected(event: EventData) -> bool:
    conn = _connection(dialogue(event))
    return conn is not None


def explain_not_provider(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.ZOOM_NOT_PROVIDER)


def explain_plan_needed(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.ZOOM_NEEDS_PLAN, support_email=d.services.config.support_email)


def explain_not_configured(event: EventData) -> None:
    d = dialogue(event)
    d.say(msg.ZOOM_NOT_CONFIGURED, support_email=d.services.config.support_email)


def send_connect_link(event: EventData) -> None:
    d = dialogue(event)
    link = video_accounts.new_connect_link(d.services, d.session, d.provider, PLATFORM, d.now)
    d.say(msg.ZOOM_LINK, link=link)


def show_integrations(event: EventData) -> None:

    d = dialogue(event)
    conn = _connection(d)
    if conn is None:
        d.say(msg.INTEGRATIONS_MENU, status=msg.INTEGRATIONS_NOT_CONNECTED, options=render_options("integrations"))
        return
    status = msg.INTEGRATIONS_BROKEN if conn.status == "broken" else msg.INTEGRATIONS_CONNECTED
    d.say_sealed(msg.INTEGRATIONS_MENU, status=status.format(email=video_accounts.connected_email(d.services, conn)),
                 options=render_options("integrations"))


def explain_not_connected(event: EventData) -> None:
    dialogue(event).say(msg.ZOOM_NOT_CONNECTED)


def ask_disconnect(event: EventData) -> None:

    d = dialogue(event)
    conn = _connection(d)
    d.say_sealed(msg.ZOOM_CONFIRM_DISCONNECT, email=video_accounts.connected_email(d.services, conn),
                 options=render_options("confirm_disconnect"))


def disconnect(event: EventData) -> None:
    d = dialogue(event)
    token = video_accounts.disconnect(d.services, d.session, d.provider.id, PLATFORM)
    d.say(msg.ZOOM_DISCONNECTED)
    d.later(lambda: video_accounts.after_disconnect(d.services, PLATFORM, token))


def keep(event: EventData) -> None:
    d = dialogue(event)
    conn = _connection(d)
    if conn is None:
        d.say(msg.ZOOM_KEPT, email="-")
    else:
        d.say_sealed(msg.ZOOM_KEPT, email=video_accounts.connected_email(d.services, conn))
