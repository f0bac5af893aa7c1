"""The conversation handler: one inbound message, one write transaction. It records the message (a MessageSid seen
before is a Twilio retry and changes nothing), locks the sender, runs the state machine on the stored state,
stores the new state and the replies (outbox), commits, then sends. A known number's message is first read and
run without any lock and written after, provided nothing changed meanwhile (`_handle_read_first`): on SQLite (one
writer at a time) in a short write transaction, on PostgreSQL in one statement that commits by itself."""
from __future__ import annotations

import logging
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from transitions import MachineError

from bot.core import choices
from bot.core import messages as msg
from bot.core import phones
from bot.core.choices import Offer
from bot.core.text import clean_input
from bot.dialogue.context import CONTEXT_VERSION, OFFER_KEY, VERSION_KEY, Dialogue, Inbound
from bot.dialogue.intents import Intent, parse_intent
from bot.services import outbox, rich, video_accounts
from bot.services.deps import Services
from bot.state_machine import MENU_STATES, STATES, build_machine, fire
from store import conversations
from store.db import WriteRefused, connection, session_on, single_writer, transaction, writes_refused
from store.models import Contact

log = logging.getLogger(__name__)
KNOWN_STATES = frozenset(s.name for s in STATES)


_UNKNOWN = object()  # the read-first pass's answer for a number without a contact


class _Duplicate(Exception):
    """A MessageSid handled before (a Twilio retry), found once the conversation was written: undo it."""


@dataclass
class Outcome:
    duplicate: bool = False
    replies: list[str] = field(default_factory=list)
    state: str | None = None


def _changed(contact: Contact, sessions: list[Session]) -> bool:
    """Whether the steps changed an ORM object: in a Session they asked for, or the sender itself before any."""
    if any(session.new or session.dirty or session.deleted for session in sessions):
        return True
    return any(obj is not None and inspect(obj).modified for obj in (contact, contact.provider))


class ConversationHandler:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.machine = build_machine()
        # SQLite: one writer at a time, so the writer's lock is held for as little as possible. PostgreSQL: the
        # message in two statements (read, then write) instead of a transaction's five or more round trips.
        self.optimistic = services.sessions.kw["bind"].dialect.name == "postgresql"
        self.read_first = single_writer(services.sessions) or self.optimistic

    def handle(self, inbound: Inbound) -> Outcome:
        services = self.services
        now = services.clock()
        inbound = replace(inbound, text=clean_input(inbound.text), payload=clean_input(inbound.payload or "") or None)
        outcome = self._handle_read_first(inbound, now) if self.read_first else None
        if not isinstance(outcome, Outcome):
            outcome = self._handle_locked(inbound, now, unknown=outcome is _UNKNOWN)
        return outcome

    def _handle_locked(self, inbound: Inbound, now: datetime, *, unknown: bool = False) -> Outcome:
        """The message in one write transaction that holds the sender's lock from its first statement (`unknown`:
        the read-first pass found no contact for the number, see `lock_and_record`)."""
        services = self.services
        with connection(services.sessions) as conn, transaction(conn), \
                session_on(conn, services.sessions) as session:
            sender, recorded = conversations.lock_and_record(conn, session, inbound.phone, inbound.message_sid,
                                                             self._body(inbound), now, country_of=phones.country_of,
                                                             unknown=unknown)
            if not recorded:
                log.info("duplicate MessageSid from %s ignored", phones.mask(inbound.phone))
                return Outcome(duplicate=True)
            contact = sender.contact
            if contact.country is None:
                contact.country = phones.country_of(contact.phone)
            dialogue = self._converse(session, contact, sender.conversation, inbound, now)
            session.flush()  # what the steps changed, before the state is stored
            conversations.save(conn, contact, sender.conversation, dialogue.state, dialogue.stored_context(), now)
            ids = outbox.queue(session, contact, dialogue.replies, now, reply=True,
                               seal_with=services.cipher if dialogue.sealed else None, media_url=dialogue.media_url,
                               rich_form=self._rich_form(dialogue))
        return self._after_commit(dialogue, ids)

    def _handle_read_first(self, inbound: Inbound, now: datetime) -> Outcome | None | object:
        """The sender and conversation are read and the machine is run in a read-only transaction (no lock; nothing
        may be written), then the state, the message and the replies are written, provided no other message from
        this number was handled in between: on SQLite in one short write transaction (the version checked is the
        contact's newest inbound id), on PostgreSQL in one statement outside any transaction (the version is that
        of the contact's row; `conversations.save_if_unchanged`; a first contact's row is inserted first, by
        itself, and its conversation with the message). None when that cannot be done (on SQLite a first contact, a
        step that writes, such a race, on PostgreSQL a MessageSid recorded before): the caller then handles the
        message the locked way, from the start, so the outcome is the same (`_UNKNOWN`: the number has no contact
        yet). One connection serves both."""
        services = self.services
        with connection(services.sessions, autocommit=self.optimistic) as conn:
            opened: list[Session] = []  # a Session only if a step asks for one (most read only the contact)

            def open_session() -> Session:
                session = session_on(conn, services.sessions)
                conversations.attach(session, contact)
                opened.append(session)
                return session

            if self.optimistic:  # outside any transaction: a first contact's row is inserted at once, by itself
                sender = conversations.read_sender(conn, None, inbound.phone) or conversations.create_sender(
                    conn, inbound.phone, phones.country_of(inbound.phone), now)
                if sender is None:
                    return None  # created by another message a moment ago: the locked way reads it
            try:
                with transaction(conn, read_only=True, refuse_writes=True):
                    try:
                        if not self.optimistic:
                            sender = conversations.read_sender(conn, None, inbound.phone)
                            if sender is None:
                                return _UNKNOWN  # a first contact: the locked way inserts it
                            if sender.conversation is None:
                                return None  # the locked way inserts it
                        if sender.contact.country is None:
                            return None  # the locked way sets it
                        contact, conv = sender.contact, sender.conversation
                        dialogue = self._converse(None, contact, conv, inbound, now, rehearsal=True,
                                                  open_session=open_session)
                        if dialogue.error is not None or _changed(contact, opened):
                            return None  # a step failed (perhaps by writing) or changed something: redo it locked
                        context = dialogue.stored_context()
                        rich_form = self._rich_form(dialogue)
                    finally:
                        for session in opened:
                            session.close()
            except WriteRefused:
                return None
            if writes_refused():
                return None
            rows = outbox.compose(contact, dialogue.replies, now, reply=True,
                                  seal_with=services.cipher if dialogue.sealed else None,
                                  media_url=dialogue.media_url, rich_form=rich_form)  # (before any lock)
            if self.optimistic:
                with transaction(conn):  # (autocommit: the statement commits by itself)
                    ids = conversations.save_if_unchanged(conn, contact, conv, str(sender.seen), inbound.message_sid,
                                                          self._body(inbound), dialogue.state, context, now, rows)
                return None if ids is None else self._after_commit(dialogue, ids)
            try:
                with transaction(conn):  # no Session: nothing here is an ORM object's change
                    if not conversations.save_unless_newer(conn, contact, conv, sender.seen, dialogue.state, context,
                                                           now):
                        return None  # this number's previous message was committed meanwhile: read again, locked
                    if not conversations.record_inbound(conn, contact, inbound.message_sid, self._body(inbound), now):
                        raise _Duplicate  # rolls the conversation back
                    ids = outbox.insert_rows(conn, rows)
            except _Duplicate:
                log.info("duplicate MessageSid from %s ignored", phones.mask(inbound.phone))
                return Outcome(duplicate=True)
        return self._after_commit(dialogue, ids)

    @staticmethod
    def _body(inbound: Inbound) -> str:
        return inbound.text or (inbound.payload or "")

    def _converse(self, session: Session | None, contact: Contact, conv: conversations.StoredConversation | None,
                  inbound: Inbound, now: datetime, *, rehearsal: bool = False,
                  open_session: Callable[[], Session] | None = None) -> Dialogue:
        """Run the machine from the stored state (or the menu after a long silence); the new state and the replies
        are on the returned Dialogue."""
        services = self.services
        previous_inbound = contact.last_inbound_at  # the new one is stored after the steps, with the state
        dialogue = Dialogue(services=services, opened=session, open_session=open_session, contact=contact,
                            inbound=inbound, now=now, context=dict(conv.context or {}) if conv is not None else {},
                            rehearsal=rehearsal)
        stored = conv.state if conv is not None and conv.state in KNOWN_STATES else "start"
        idle = (conv is not None and previous_inbound is not None
                and now - conv.updated_at > services.config.idle_reset)
        outdated = conv is not None and bool(conv.context) and conv.context.get(VERSION_KEY) != CONTEXT_VERSION
        if (idle or outdated and stored not in MENU_STATES) and stored != "start":
            if stored not in MENU_STATES:
                dialogue.say(msg.IDLE_RESET if idle else msg.JOURNEY_RESTARTED)
            stored = "provider_menu" if contact.provider else "customer_menu"
            dialogue.forget()
            dialogue.context["_after_reset"] = True
        self._run(dialogue, stored)
        self._remember_offer(dialogue)
        return dialogue

    def _remember_offer(self, dialogue: Dialogue) -> None:
        """Keep the choices this message sends with the state, so that a tap on them maps to the right one (and a
        tap on older ones is known to be stale). A message that offers nothing new keeps the last offer while the
        conversation stays in its state ("thanks" in the middle of picking a day)."""
        if not self.services.config.twilio_rich_messages:
            dialogue.context.pop(OFFER_KEY, None)
            return
        offer = dialogue.paged[0] if dialogue.paged is not None else dialogue.offer()
        if offer is None:
            kept = Offer.from_json(dialogue.context.get(OFFER_KEY))
            offer = kept if kept is not None and kept.state == dialogue.state else None
        if offer is None:
            dialogue.context.pop(OFFER_KEY, None)
        else:
            dialogue.context[OFFER_KEY] = offer.to_json()

    def _rich_form(self, dialogue: Dialogue):
        """The reply as WhatsApp buttons or a list (or a link button), when rich messages are on."""
        if not self.services.config.twilio_rich_messages:
            return None
        offer, page = dialogue.paged if dialogue.paged is not None else (dialogue.offer(), 1)
        return rich.compose(offer, page, dialogue.link, "\n\n".join(r for r in dialogue.replies if r))

    @staticmethod
    def _answer_tap(dialogue: Dialogue, state: str) -> bool:
        """A tapped button or row of ours: in the offer the person has now it is a number, and the message goes on
        as if they had typed it (True); a "More…"/"Back" row sends that page of the list, and a tap on an older
        message says so and offers the current choices (False: nothing else runs)."""
        payload = dialogue.inbound.payload
        if not payload or choices.SEPARATOR not in payload:
            return True  # typed, or a payload of another kind (a reminder's): read as before
        offer = Offer.from_json(dialogue.context.get(OFFER_KEY))
        tap = choices.resolve(payload, offer, state)
        if tap.stale and dialogue.context.get("_after_reset"):  # the conversation started over: the menu
            dialogue.inbound = replace(dialogue.inbound, text="menu", payload=None)
            return True
        if tap.text is not None:
            dialogue.inbound = replace(dialogue.inbound, text=tap.text, payload=None)
            return True
        dialogue.state = state
        if tap.page is not None and offer is not None:
            dialogue.paged = (offer, tap.page)
            dialogue.say(offer.page_text(tap.page))
        elif offer is not None and offer.state == state:
            again = Offer(body=f"{msg.STALE_CHOICE}\n\n{offer.body}", choices=offer.choices, state=state)
            dialogue.paged = (again, 1)
            dialogue.say(msg.STALE_CHOICE)
            dialogue.say(offer.page_text())
        else:
            dialogue.say(msg.STALE_CHOICE_NO_LIST)
        return False

    def _after_commit(self, dialogue: Dialogue, ids: list[int]) -> Outcome:
        outbox.after_commit(self.services, ids)
        for job in dialogue.after_commit:
            try:
                job()
            except Exception:  # noqa: BLE001 - the worker retries; the user already has the reply
                log.exception("after-commit job failed")
        return Outcome(replies=dialogue.replies, state=dialogue.state)

    def _run(self, dialogue: Dialogue, state: str) -> None:
        if not dialogue.text and not dialogue.inbound.payload:
            dialogue.state = state
            dialogue.say(msg.EMPTY_MESSAGE)
            return
        if not self._answer_tap(dialogue, state):  # a tap: the number it stands for, a page, or stale
            return
        try:
            intent = parse_intent(dialogue.inbound.text, state, dialogue.inbound.payload, dialogue.words(),
                                  video_accounts.connect_words(self.services), dialogue.shown(state),
                                  video_accounts.offered_words(self.services))
        except Exception:  # noqa: BLE001 - whatever the text, the user gets an answer
            log.exception("could not parse a message in state %s", state)
            intent = Intent("unknown", dialogue.text)
        if dialogue.context.pop("_after_reset", False) and intent.trigger == "unknown":
            intent = Intent("menu")  # a stale answer after an idle reset: show the menu, not "didn't get that"
        dialogue.arg = intent.arg
        # A failing step's rows and context changes are undone; a rehearsal (the read-first pass) has none to undo:
        # it wrote nothing, and a failure there is run again the locked way.
        rehearsal = dialogue.rehearsal
        before = None if rehearsal else deepcopy(dialogue.context)
        savepoint = None if rehearsal else dialogue.session.begin_nested()
        dialogue.state = state
        try:
            fired = fire(self.machine, dialogue, intent.trigger)
        except MachineError:
            fired = fire(self.machine, dialogue, "unknown")
        if dialogue.error is not None:
            if savepoint is None:
                return
            savepoint.rollback()
            dialogue.state, dialogue.replies[:], dialogue.sealed = state, [msg.INTERNAL_ERROR], False
            dialogue.media_url = None
            dialogue.forget()
            dialogue.context.update(before)  # what the failed step half-changed is forgotten with its rows
            return
        if savepoint is not None:
            savepoint.commit()
        if not fired:  # every guarded trigger has an unguarded fallback, so this means a gap in the graph
            log.error("trigger %s did nothing in state %s", intent.trigger, state)
            dialogue.say(msg.GLOBAL_HINT)
