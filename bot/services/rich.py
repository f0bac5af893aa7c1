"""Rich messages: the WhatsApp form of a reply (reply buttons, a list picker, a link button) and the Content API
resources that carry them.

`compose` turns what a message offers (a `bot.core.choices.Offer`, or a link the reply is about) into the neutral
`Rich` the outbox stores beside the numbered text. At send time (`send`), inside the 24-hour window, the sender
sends it through the content made for its shape: found in this process's cache, else in the `content_templates`
table, else created through the Content API once (the first message of each shape) - so after warm-up no Content
call is made per message. If creating or sending it fails, the caller sends the numbered text: a person always
gets the choice."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.core import messages as msg
from bot.core import phones
from bot.core.choices import BODY_MAX, BUTTON_TITLE_MAX, Offer
from integrations.twilio.content import Item, Rich, definition, definition_key
from integrations.twilio.messenger import ContentRefused, SendResult
from store.db import unit_of_work
from store.models import ContentTemplate

if TYPE_CHECKING:
    from bot.services.deps import Services

log = logging.getLogger(__name__)


def compose(offer: Offer | None, page: int = 1, link: tuple[str, str] | None = None,
            text: str = "") -> Rich | None:
    """The rich form of a message: its offer as buttons (2 or 3 short choices) or a list (one page of it), else the
    link it is about as a button (`text`: the whole message, the link in it too). None when it has neither, or its
    text is too long for WhatsApp's rich messages (it then goes as text)."""
    if offer is not None and offer.choices:
        body = offer.body or msg.LIST_BUTTON
        if len(body) > BODY_MAX:
            return None
        items = tuple(Item(row.id, row.title, row.description) for row in offer.rows(page))
        if offer.as_buttons:
            return Rich(kind="quick-reply", body=body, items=items)
        return Rich(kind="list-picker", body=body, items=items, button=msg.LIST_BUTTON)
    if link is not None and text and len(text) <= BODY_MAX:
        title, url = link
        return Rich(kind="call-to-action", body=text, url=url, url_title=title)
    return None


def link_button(services: "Services", text: str, titles: tuple[str, ...], url: str, **words: str) -> Rich | None:
    """A message about one link (a meeting's join link) as a link button, when rich messages are on: the first of
    `titles` (templates filled with `words`) short enough for a button."""
    if not services.config.twilio_rich_messages:
        return None
    filled = [t.format(**words) for t in titles]
    title = next((t for t in filled if len(t) <= BUTTON_TITLE_MAX), filled[-1][:BUTTON_TITLE_MAX])
    return compose(None, link=(title, url), text=text)


def buttons(services: "Services", body: str, choices: list[tuple[str, str]]) -> Rich | None:
    """A message outside any conversation whose choices are reply buttons of their own (payload, title): a reminder's
    "I'll be there" / "Reschedule" / "Cancel", when rich messages are on."""
    if not services.config.twilio_rich_messages or len(body) > BODY_MAX:
        return None
    return Rich(kind="quick-reply", body=body, items=tuple(Item(payload, title) for payload, title in choices))


def content_sid(services: "Services", payload: dict) -> str:
    """The sid of the content for `payload`: this process's memory, else the `content_templates` table, else
    created at Twilio (the first time any process needs it). Raises ContentRefused (Twilio will not take this
    definition) or MessengerUnavailable."""
    key = definition_key(payload)
    sid = services.content_sids.get(key)
    if sid is None:
        with unit_of_work(services.sessions, read_only=True) as session:
            sid = session.scalar(select(ContentTemplate.sid).where(ContentTemplate.key == key))
        if sid is None:
            sid = _create(services, key, payload)
        services.content_sids[key] = sid
    return sid


def forget_content(services: "Services", sid: str) -> None:
    """Twilio no longer knows this content (deleted in its console): the next message of its shape makes it
    again."""
    for key in [k for k, v in list(services.content_sids.items()) if v == sid]:
        services.content_sids.pop(key, None)
    with unit_of_work(services.sessions) as session:
        session.execute(delete(ContentTemplate).where(ContentTemplate.sid == sid))


def _create(services: "Services", key: str, payload: dict) -> str:
    created = services.messenger.create_content(payload)
    log.info("content %s created for %s", created, payload.get("friendly_name"))
    try:
        with unit_of_work(services.sessions) as session:
            session.add(ContentTemplate(key=key, sid=created, friendly_name=str(payload.get("friendly_name", ""))[:100],
                                        created_at=services.clock()))
        return created
    except IntegrityError:  # another sender made the same content at the same moment: use theirs, drop ours
        with unit_of_work(services.sessions, read_only=True) as session:
            winner = session.scalar(select(ContentTemplate.sid).where(ContentTemplate.key == key))
        try:
            services.messenger.delete_content(created)
        except Exception:  # noqa: BLE001 - an unused content costs nothing; the message matters
            log.warning("could not delete the duplicate content %s", created)
        return winner


UNKNOWN_CONTENT = 21655  # Twilio: "The Content SID is invalid"


def send(services: "Services", to: str, rich: Rich, *, status_callback: str | None) -> SendResult | None:
    """Send `rich` to `to` through its content; None when it cannot go rich (Twilio refused the definition or the
    message): the caller sends the numbered text. Raises MessengerUnavailable (retry later)."""
    if rich.problems():
        log.warning("rich message to %s over WhatsApp's limits, sent as text: %s", phones.mask(to),
                    "; ".join(rich.problems()))
        return None
    payload, variables = definition(rich)
    try:
        sid = content_sid(services, payload)
    except ContentRefused as exc:
        log.warning("Twilio refused the content %s (code %s): sent as text", payload.get("friendly_name"), exc.code)
        return None
    result = services.messenger.send_content(to, sid, variables, status_callback=status_callback)
    if result.ok:
        return result
    log.warning("Twilio refused a rich message to %s (code %s): sent as text", phones.mask(to), result.error_code)
    if result.error_code == UNKNOWN_CONTENT:
        forget_content(services, sid)
    return None
