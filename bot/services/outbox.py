"""The outbox: replies and notifications are stored in the same transaction as the change that caused them; a sender
that is not the request hands them to Twilio afterwards (bot/worker/sender.py, or inline after commit where no background
sender runs: tests, the chat CLI). Nothing is dropped silently: a message Twilio could not take stays pending and
is retried within seconds (backoff); a message to someone outside WhatsApp's 24-hour window goes as the approved
template, or is recorded as not_sendable when no template is configured.

Order per recipient: only the oldest message not yet handed to Twilio can be claimed, so a reply in two parts
arrives in order and a reply never overtakes an earlier message, whichever process sends. Delivery is
at-least-once: a claim is a lease a little longer than Twilio's timeout; a sender that died mid-call leaves an
expired lease, and before the message goes again Twilio is asked whether it already took it (its status callback,
which names our message, may already have told us), so a crash costs seconds and a duplicate only if Twilio cannot
tell."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Connection, Row, bindparam, func, insert, literal_column, or_, select, update
from sqlalchemy.orm import Session

from bot.core import phones
from bot.services import rich
from integrations.twilio.content import Rich
from integrations.twilio.messenger import MessengerUnavailable, SendResult, split_body
from store.db import Prepared, connection_of, unit_of_work
from store.models import Contact, OutboundMessage

if TYPE_CHECKING:
    from bot.services.deps import Services
    from store.crypto import TokenCipher

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
TEMPLATE_VARIABLE_LIMIT = 1000
ACTIVE = ("pending", "claimed")
LEASE_MARGIN = timedelta(seconds=5)  # a claim outlives the Twilio call's own timeout by this much
LOOKUP_SLACK = timedelta(seconds=10)  # our clock and Twilio's may differ by a little
BACKOFF_FIRST, BACKOFF_MAX = timedelta(seconds=1), timedelta(seconds=30)
# Twilio's delivery progress; callbacks may arrive out of order, so a later one never moves a message back.
PROGRESS = {"scheduled": 0, "accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "undelivered": 4,
            "failed": 4, "canceled": 4, "partially_delivered": 4, "read": 5}
# `queue`'s INSERT ... RETURNING id, one per set of columns a row gives (built once each; store.db.Prepared runs it),
# with the columns' scalar defaults a Core INSERT would fill in.
_QUEUE: dict[frozenset[str], Prepared] = {}
_DEFAULTS = {column.key: column.default.arg for column in OutboundMessage.__table__.columns
             if column.default is not None and column.default.is_scalar}


def queue(session: Session, contact: Contact, texts: Iterable[str], now: datetime, *, reply: bool = False,
          seal_with: "TokenCipher | None" = None, media_url: str | None = None,
          template: tuple[str, dict[str, str]] | None = None, rich_form: Rich | None = None) -> list[int]:
    """Write one WhatsApp message (split at 1,600 characters) holding all `texts`, in order. `reply`: it answers the
    recipient's own message (sent even to someone who opted out). `seal_with`: the texts name personal data of a
    connected account (its email), so the body is stored encrypted with this cipher (see `message_body`).
    `media_url`: an image sent with the last part (as its caption). `template`: (content sid, variables) of the
    approved template this message goes as outside the 24-hour window, instead of the generic fallback. `rich_form`: the
    same message as WhatsApp buttons or a list (bot/services/rich.py), sent instead of the text inside the window
    (a message too long for one part goes as text)."""
    if not any(texts := list(texts)):
        return []
    session.flush()  # what the caller changed is written first, as when the rows were flushed with it
    # The statements run on its connection directly: no ORM execution for a Core INSERT.
    return queue_on(connection_of(session), contact, texts, now, reply=reply, seal_with=seal_with,
                    media_url=media_url, template=template, rich_form=rich_form)


def queue_on(conn: Connection, contact: Contact, texts: Iterable[str], now: datetime, *, reply: bool = False,
             seal_with: "TokenCipher | None" = None, media_url: str | None = None,
             template: tuple[str, dict[str, str]] | None = None, rich_form: Rich | None = None) -> list[int]:
    """`queue` on a connection in a transaction, for a caller with no Session to flush."""
    return insert_rows(conn, compose(contact, texts, now, reply=reply, seal_with=seal_with, media_url=media_url,
                                     template=template, rich_form=rich_form))


def insert_rows(conn: Connection, rows: list[dict]) -> list[int]:
    """Insert the rows `compose` made, on a connection in a transaction; their ids. One prebuilt INSERT ...
    RETURNING id per part, in order (ids give the order of sending): cheaper than the unit of work for rows nothing
    else in the transaction touches."""
    if not rows:
        return []
    statement = _insert(frozenset(rows[0]))
    return [statement.scalar(conn, row) for row in rows]


def compose(contact: Contact, texts: Iterable[str], now: datetime, *, reply: bool = False,
            seal_with: "TokenCipher | None" = None, media_url: str | None = None,
            template: tuple[str, dict[str, str]] | None = None, rich_form: Rich | None = None) -> list[dict]:
    """The outbox rows `queue_on` inserts, one per part in sending order (all with the same columns), without
    inserting them: for a caller that composes them before it takes a lock and inserts them later (`insert_rows`:
    the conversation handler on SQLite) or writes them in a statement of its own (on PostgreSQL,
    `store.conversations.save_if_unchanged`)."""
    body = "\n\n".join(t for t in texts if t)
    if not body:
        return []
    seal = seal_with.encrypt if seal_with is not None else str
    row = {**_DEFAULTS, "contact_id": contact.id, "to": phones.whatsapp(contact.phone), "reply": reply,
           "sealed": seal_with is not None, "status": "pending", "created_at": now, "updated_at": now,
           "template_sid": template[0] if template else None, "template_variables": template[1] if template else None,
           "body": None, "media_url": None, "rich": None}
    parts = split_body(body)
    if rich_form is not None and len(parts) == 1 and media_url is None:
        row["rich"] = seal(json.dumps(rich_form.to_json(), ensure_ascii=False, separators=(",", ":")))
    return [{**row, "body": seal(part), "media_url": media_url if number == len(parts) else None}
            for number, part in enumerate(parts, 1)]


def _insert(columns: frozenset[str]) -> Prepared:
    statement = _QUEUE.get(columns)
    if statement is None:
        table = OutboundMessage.__table__
        statement = _QUEUE[columns] = Prepared(insert(table).values({name: bindparam(name) for name in sorted(columns)})
                                               .returning(table.c.id))
    return statement


def message_body(services: "Services", row: OutboundMessage) -> str:
    """The text to send: a sealed body is decrypted only here, at send time."""
    return _plain(services, row.body, row.sealed)


def _plain(services: "Services", body: str, sealed: bool) -> str:
    return services.cipher.decrypt(body) if sealed else body


def _rich(services: "Services", stored: str | None, sealed: bool) -> "Rich | None":
    if stored is None:
        return None
    try:
        return Rich.from_json(json.loads(_plain(services, stored, sealed)))
    except (ValueError, TypeError, KeyError):  # a damaged or older shape: the numbered text still goes
        log.warning("a stored rich message could not be read; sending its text")
        return None


def announce(services: "Services", compose: Callable[[Session, datetime], Iterable[tuple[Contact, str]]], *,
             sealed: bool = False) -> None:
    """Tell other people something outside any conversation (`tell` does it inside one): in a transaction of its
    own, queue one message per (contact, text) that `compose(session, now)` gives, then hand them to the sender.
    `sealed`: the texts name a connected account (stored encrypted)."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        ids: list[int] = []
        for contact, text in compose(session, now):
            ids += queue(session, contact, [text], now, seal_with=services.cipher if sealed else None)
    after_commit(services, ids)


def after_commit(services: "Services", ids: Iterable[int]) -> None:
    """Hand messages just committed to the sender: where a background sender runs (the worker) it finds them by
    itself within its poll interval, so nothing happens here and nothing waits on Twilio; otherwise they go now."""
    ids = list(ids)
    if ids and services.inline_delivery:
        dispatch(services, ids)


def dispatch(services: "Services", ids: Iterable[int] | None = None) -> int:
    """Send now, in this thread, what is due for the recipients of `ids` (or for every recipient); returns how many
    messages Twilio accepted. What the inline mode, the sweep and tests use; the background sender calls
    `deliver` per recipient itself."""
    if ids is not None:
        ids = list(ids)
        if not ids:
            return 0
        with unit_of_work(services.sessions, read_only=True) as session:
            recipients = list(session.scalars(select(OutboundMessage.to).where(OutboundMessage.id.in_(ids))
                                              .distinct()).all())
    else:
        recipients = due_recipients(services, limit=None)
    accepted = 0
    for to in recipients:
        try:
            accepted += deliver(services, to)
        except MessengerUnavailable as exc:
            log.warning("Twilio unavailable, messages left pending for a retry: %s", exc)
            break
    return accepted


_messages, _contacts = OutboundMessage.__table__, Contact.__table__


def _active(table) -> ColumnElement[bool]:
    """`status IN ('pending', 'claimed')` with the statuses written into the SQL, as the partial indexes over the
    active messages say it: a planner uses such an index only when it can prove that the query's condition implies
    the index's, which it cannot with bound parameters (PostgreSQL's generic plan of a prepared statement; SQLite
    always)."""
    return table.c.status.in_([literal_column(f"'{status}'") for status in ACTIVE])


# Recipients whose oldest active message can go now, oldest first: one pass over the active messages
# (ix_outbound_active), numbered per recipient, the first of each kept if it can go. No join and no correlated
# subquery, so no plan a planner could get wrong: while a burst fills the table its statistics say it is nearly
# empty, and the per-row forms ("no older active message", a join to each recipient's min(id)) were then run as
# nested loops, quadratic in a backlog of thousands (100-1,400 ms a scan on PostgreSQL).
_RANKED = select(_messages.c.id, _messages.c.to, _messages.c.status, _messages.c.next_attempt_at,
                 _messages.c.claimed_until,
                 func.row_number().over(partition_by=_messages.c.to, order_by=_messages.c.id).label("place")
                 ).where(_active(_messages)).subquery()
_DUE = (select(_RANKED.c.to).where(
    _RANKED.c.place == 1,
    or_((_RANKED.c.status == "pending")
        & or_(_RANKED.c.next_attempt_at.is_(None), _RANKED.c.next_attempt_at <= bindparam("now")),
        (_RANKED.c.status == "claimed")
        & or_(_RANKED.c.claimed_until.is_(None), _RANKED.c.claimed_until < bindparam("now"))))
        .order_by(_RANKED.c.id))
_DUE_SOME = _DUE.limit(bindparam("limit"))
# The claim's statements, built once (the sender runs them for every message): each recipient's messages not yet
# handed to Twilio with what sending them needs, for many recipients at once; the claim of pending heads (RETURNING
# says which this transaction won); the takeover of a dead sender's claim; a finish per set of columns it writes.
_ACTIVE_OF = (select(_messages.c.id, _messages.c.to, _messages.c.status, _messages.c.next_attempt_at,
                     _messages.c.claimed_until, _messages.c.updated_at, _messages.c.twilio_sid, _messages.c.attempts,
                     _messages.c.body, _messages.c.sealed, _messages.c.media_url, _messages.c.via_template,
                     _messages.c.template_sid, _messages.c.template_variables, _messages.c.reply, _messages.c.rich,
                     _contacts.c.last_inbound_at, _contacts.c.opted_out_at)
              .select_from(_messages.outerjoin(_contacts, _contacts.c.id == _messages.c.contact_id))
              .where(_messages.c.to.in_(bindparam("recipients", expanding=True)), _active(_messages))
              .order_by(_messages.c.id))
_CLAIM = (update(_messages).where(_messages.c.id.in_(bindparam("ids", expanding=True)),
                                  _messages.c.status == "pending")
          .values(status="claimed", claimed_until=bindparam("lease"), attempts=_messages.c.attempts + 1,
                  updated_at=bindparam("now")).returning(_messages.c.id))
_TAKE_OVER = {expired_lease is None: update(_messages).where(
    _messages.c.id == bindparam("message_id"), _messages.c.status == "claimed",
    _messages.c.claimed_until.is_(None) if expired_lease is None else _messages.c.claimed_until == bindparam("was"))
    .values(claimed_until=bindparam("lease"), attempts=_messages.c.attempts + 1) for expired_lease in (None, 0)}
_FINISH: dict[frozenset[str], object] = {}


def _finish_statement(columns: frozenset[str]):
    statement = _FINISH.get(columns)
    if statement is None:  # a handful of column sets exist (sent, refused, opted out, retry...): built once each
        statement = _FINISH[columns] = (
            update(_messages).where(_messages.c.id == bindparam("message_id"), _messages.c.status == "claimed",
                                    _messages.c.claimed_until == bindparam("lease"))
            .values({column: bindparam(f"new_{column}") for column in sorted(columns)}))
    return statement


def due_recipients(services: "Services", limit: int | None = 200) -> list[str]:
    """Recipients whose oldest message not yet handed to Twilio can go now: pending and due, or claimed by a sender
    whose lease ran out. (A recipient whose oldest one waits is not listed: the newer ones wait behind it.)"""
    now = services.clock()
    with unit_of_work(services.sessions, read_only=True) as session:
        if limit is None:
            return list(session.scalars(_DUE, {"now": now}).all())
        return list(session.scalars(_DUE_SOME, {"now": now, "limit": limit}).all())


@dataclass(frozen=True)
class _Claimed:
    id: int
    to: str
    body: str
    media_url: str | None
    via_template: bool
    template: tuple[str, dict[str, str]] | None  # the message's own template (else the generic fallback)
    rich: "Rich | None"  # the same message as buttons or a list, sent instead of the text inside the window
    in_window: bool
    opted_out: bool
    claimed_at: datetime  # when the Twilio calls for this message began (kept across a takeover)
    lease: datetime  # our claim, as stored: every later write checks it is still ours
    recovering: bool  # a dead sender's claim taken over: ask Twilio before sending again
    known_sid: str | None  # Twilio's sid, told by a status callback that named this message
    attempts: int = 1  # this one included


def deliver(services: "Services", to: str, should_stop=lambda: False) -> int:
    """Send `to`'s messages oldest first while each can go; returns how many Twilio accepted. Raises
    MessengerUnavailable when Twilio is down (the message waits, with a backoff). `should_stop`: checked between
    messages, so a stopping sender finishes the message in hand and no more."""
    accepted = 0
    claimed = _claim_next(services, to)
    while claimed is not None:
        values = send(services, claimed)
        accepted += accepted_by_twilio(values)
        unavailable = values.get("_unavailable", False)
        [claimed] = finish_and_claim(services, [(claimed, values)],
                                     [] if unavailable or should_stop() else [to]) or [None]
        if unavailable:
            raise MessengerUnavailable(f"message to {phones.mask(to)} waits for a retry")
    return accepted


def accepted_by_twilio(values: dict) -> bool:
    """Whether `send`'s outcome is a message Twilio took."""
    return values.get("status") not in ("failed", "pending", "claimed", "not_sendable", "opted_out")


def _lease(services: "Services", now: datetime) -> datetime:
    # requests applies the timeout to connecting and to reading, each: one call can take twice as long.
    return now + 2 * timedelta(seconds=getattr(services.messenger, "timeout", 10.0)) + LEASE_MARGIN


def _claim_next(services: "Services", to: str) -> _Claimed | None:
    with unit_of_work(services.sessions) as session:
        claimed = claim_in(session, services, [to])
    return claimed[0] if claimed else None


def claim_in(session: Session, services: "Services", recipients: Sequence[str],
             limit: int | None = None) -> list[_Claimed]:
    """Claim each recipient's oldest message not yet handed to Twilio, if it can go now (at most `limit` of them, in
    the order of `recipients`), in the caller's write transaction: two statements for all of them (what the sender
    does for a batch), one UPDATE deciding each race. A recipient with a message in another sender's hand (a live
    claim) gets nothing: its newer ones wait."""
    if not recipients or limit == 0:
        return []
    now = services.clock()
    heads: dict[str, Row] = {}
    busy: set[str] = set()
    for row in session.execute(_ACTIVE_OF, {"recipients": list(recipients)}):
        if row.status == "claimed" and row.claimed_until is not None and row.claimed_until >= now:
            busy.add(row.to)  # on PostgreSQL an older id may commit after a newer one: any live claim counts
        heads.setdefault(row.to, row)
    lease = _lease(services, now)
    eligible = [heads[to] for to in dict.fromkeys(recipients) if to in heads and to not in busy
                and (heads[to].status == "claimed" or heads[to].next_attempt_at is None
                     or heads[to].next_attempt_at <= now)][:limit]
    pending = [row.id for row in eligible if row.status == "pending"]
    won = set(session.scalars(_CLAIM, {"ids": pending, "lease": lease, "now": now}).all()) if pending else set()
    claimed = []
    for row in eligible:
        to = row.to
        if row.status == "claimed":
            taken = session.execute(_TAKE_OVER[row.claimed_until is None],
                                    {"message_id": row.id, "was": row.claimed_until, "lease": lease}).rowcount
            if not taken:
                continue
            log.warning("message %s to %s: its sender died or timed out mid-call; asking Twilio before sending "
                        "again", row.id, phones.mask(to))
            claimed_at, recovering = row.updated_at, True  # updated_at stays when the lost call began
        elif row.id in won:
            claimed_at, recovering = now, False
        else:
            continue
        in_window = (not row.via_template and row.last_inbound_at is not None
                     and row.last_inbound_at >= now - WINDOW)
        claimed.append(_Claimed(id=row.id, to=to, body=_plain(services, row.body, row.sealed),
                                media_url=row.media_url, via_template=row.via_template, in_window=in_window,
                                template=(row.template_sid, row.template_variables or {}) if row.template_sid else None,
                                rich=_rich(services, row.rich, row.sealed),
                                opted_out=row.opted_out_at is not None and not row.reply, claimed_at=claimed_at,
                                lease=lease, recovering=recovering, known_sid=row.twilio_sid,
                                attempts=row.attempts + 1))
    return claimed


def _known_sids(services: "Services", to: str, since: datetime) -> set[str]:
    """Sids of messages to `to` we already know, from around `since`: Twilio's list cannot be mistaken for them."""
    with unit_of_work(services.sessions, read_only=True) as session:
        return set(session.scalars(select(OutboundMessage.twilio_sid).where(
            OutboundMessage.to == to, OutboundMessage.twilio_sid.is_not(None),
            OutboundMessage.updated_at >= since - LOOKUP_SLACK)).all())


def send(services: "Services", claimed: _Claimed) -> dict:
    """Hand one claimed message to Twilio (no transaction open meanwhile); return the row's new values (with
    "_unavailable" when Twilio could not be reached: the message waits for a retry)."""
    if claimed.opted_out:
        log.info("message %s to %s not sent: they opted out (STOP)", claimed.id, phones.mask(claimed.to))
        return {"status": "opted_out", "error_message": "the recipient sent STOP"}
    if claimed.known_sid is not None:  # a status callback told us Twilio has it
        return {"status": "queued", "twilio_sid": claimed.known_sid}
    if claimed.recovering:
        try:
            sid = services.messenger.find_sent(claimed.to, claimed.body, claimed.claimed_at - LOOKUP_SLACK,
                                               exclude=_known_sids(services, claimed.to, claimed.claimed_at))
        except MessengerUnavailable:  # stays claimed, so the next try asks again before sending
            return {"status": "claimed", "_unavailable": True}
        if sid is not None:
            log.info("message %s to %s had reached Twilio before its sender stopped: not sent again", claimed.id,
                     phones.mask(claimed.to))
            return {"status": "queued", "twilio_sid": sid}
    template = services.config.twilio_template_content_sid
    callback = services.status_callback_url
    if callback is not None:
        callback += f"?outbox={claimed.id}"  # the status callback names our message even if we never saw the sid
    try:
        if claimed.in_window:
            result = None
            if claimed.rich is not None and services.config.twilio_rich_messages \
                    and getattr(services.messenger, "supports_content", False):
                result = rich.send(services, claimed.to, claimed.rich, status_callback=callback)
            if result is None:  # no rich form, or Twilio would not take it: the same choices as numbered text
                result = services.messenger.send_text(claimed.to, claimed.body, status_callback=callback,
                                                      media_url=claimed.media_url)
            via_template = False
        elif claimed.template is not None:  # its own template (a reminder)
            result, via_template = services.messenger.send_template(claimed.to, *claimed.template,
                                                                    status_callback=callback), True
        elif template:  # one template message per part: a template variable holds at most 1,000 characters
            result = SendResult(sid=None, status="failed")
            for part in split_body(one_line(claimed.body), TEMPLATE_VARIABLE_LIMIT) or [claimed.body]:
                result = services.messenger.send_template(claimed.to, template, {"1": part},
                                                          status_callback=callback)
                if not result.ok:
                    break
            via_template = True
        else:
            log.warning("message %s to %s not sendable: 24-hour window closed and no template configured",
                        claimed.id, phones.mask(claimed.to))
            return {"status": "not_sendable",
                    "error_message": "24-hour window closed; no TWILIO_TEMPLATE_CONTENT_SID configured"}
    except MessengerUnavailable as exc:
        # Not taken (refused, or never reached Twilio): pending again. Maybe taken (the answer was lost): claimed,
        # so the next try asks Twilio first.
        return {"status": "claimed" if exc.maybe_sent else "pending", "_unavailable": True}
    if result.status == "failed":
        log.warning("Twilio refused message %s to %s: %s %s", claimed.id, phones.mask(claimed.to),
                    result.error_code, result.error_message)
    return {"status": result.status, "twilio_sid": result.sid, "via_template": via_template,
            "error_code": result.error_code, "error_message": result.error_message}


def one_line(text: str) -> str:
    """A text as one template variable can hold it: WhatsApp refuses a variable with a line break, a tab or more than
    four spaces in a row, so lines are joined with " · " and runs of blanks become one space."""
    return " · ".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def finish_and_claim(services: "Services", finished: Sequence[tuple[_Claimed, dict]],
                     recipients: Sequence[str] = (), limit: int | None = None) -> list[_Claimed]:
    """In one write transaction: record how each finished message went (`send`'s values), then claim the next
    message of each of `recipients` (the sender's batch: the recipients just finished and newly due ones). A
    message Twilio could not take waits (backoff). Nothing is written for a message whose claim was taken over
    meanwhile (we were slower than the lease), and its recipient is not claimed for here."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        lost = set()
        for claimed, values in finished:
            if not _finish_in(session, claimed, values, now):
                log.warning("message %s to %s: our claim was taken over before we finished", claimed.id,
                            phones.mask(claimed.to))
                lost.add(claimed.to)
        return claim_in(session, services, [to for to in recipients if to not in lost], limit)


def _finish_in(session: Session, claimed: _Claimed, values: dict, now: datetime) -> bool:
    values = dict(values)
    unavailable = values.pop("_unavailable", False)
    if values.get("error_message"):
        values["error_message"] = values["error_message"][:255]
    values = {"updated_at": now, "claimed_until": None, **values}
    if unavailable:
        retry_at = now + backoff(claimed.attempts)
        if values["status"] == "pending":
            values["next_attempt_at"] = retry_at
        else:  # still claimed: the lease ends at the retry, and the calls' start time is kept for the lookup
            values["claimed_until"], values["updated_at"] = retry_at, claimed.claimed_at
    statement = _finish_statement(frozenset(values))
    return bool(session.execute(statement, {"message_id": claimed.id, "lease": claimed.lease,
                                            **{f"new_{k}": v for k, v in values.items()}}).rowcount)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts` + 1: 1 s, 2 s, 4 s ... at most 30 s."""
    return min(BACKOFF_FIRST * 2 ** max(0, attempts - 1), BACKOFF_MAX)


def record_status(services: "Services", sid: str, status: str, error_code: int | None,
                  outbox_id: int | None = None) -> bool:
    """Apply a Twilio status callback; False if the message is not ours. `outbox_id` (from the callback URL) finds a
    message whose sender died before it could store Twilio's sid. A free-form message WhatsApp refused as outside
    the 24-hour window (63016) is sent again as the approved template when one is configured."""
    resend: list[int] = []
    with unit_of_work(services.sessions) as session:
        # Locked: two callbacks for one message (sent, delivered) may arrive at once on two threads.
        row = session.scalars(select(OutboundMessage).where(OutboundMessage.twilio_sid == sid)
                              .with_for_update()).one_or_none()
        if row is None and outbox_id is not None:
            row = session.scalars(select(OutboundMessage).where(OutboundMessage.id == outbox_id,
                                                                OutboundMessage.twilio_sid.is_(None))
                                  .with_for_update()).one_or_none()
            if row is not None:
                log.info("message %s: Twilio's status callback told us its sid", row.id)
                row.twilio_sid = sid
        if row is None:
            return False
        if row.status == "claimed":
            return True  # a sender has it in hand (or takes over a dead one's claim, now knowing the sid): it finishes
        if PROGRESS.get(status, 99) < PROGRESS.get(row.status, -1):
            log.info("late status %s for message %s ignored (already %s)", status, row.id, row.status)
            return True
        first_63016 = error_code == 63016 and row.error_code != 63016
        row.status = status[:20]
        row.error_code = error_code
        row.updated_at = services.clock()
        if error_code == 63016:
            row.error_message = "outside the 24-hour window: needs an approved template"
            log.warning("message %s to %s failed: outside the 24-hour window", row.id, phones.mask(row.to))
            if first_63016 and not row.via_template and (row.template_sid
                                                         or services.config.twilio_template_content_sid):
                again = OutboundMessage(contact_id=row.contact_id, to=row.to, body=row.body, sealed=row.sealed,
                                        media_url=row.media_url, reply=row.reply, status="pending", via_template=True,
                                        template_sid=row.template_sid, template_variables=row.template_variables,
                                        created_at=row.updated_at, updated_at=row.updated_at)
                session.add(again)
                session.flush()
                resend.append(again.id)
    after_commit(services, resend)
    return True


def tell(session: Session, contact: Contact, text: str, now: datetime) -> list[int]:
    """Message another person than the one talking (the provider told of a booking, a customer of a change), in
    the caller's transaction; hand the ids returned to `after_commit` once it has committed."""
    return queue(session, contact, [text], now)
