"""bot/services/outbox.py as a use case: `queue` writes the message in the caller's unit of work and nothing leaves
until `dispatch` hands it to the (fake) Twilio; the 24-hour window, STOP, Twilio down and sealed bodies decide what
is sent and what is recorded. Outcomes are read from the rows and from what the fake Twilio received."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import outbox
from store import repos
from store.db import unit_of_work
from store.models import OutboundMessage

PHONE = "+447700900777"
ADDRESS = "whatsapp:" + PHONE


def queue(services, *texts: str, wrote_hours_ago: float | None = 0, opted_out: bool = False,
          reply: bool = False, sealed: bool = False, template: tuple[str, dict[str, str]] | None = None) -> list[int]:
    """Queue `texts` for PHONE in one unit of work, as a use case does, and commit."""
    now = services.clock()
    with unit_of_work(services.sessions) as session:
        contact = repos.get_or_create_contact(session, PHONE, now)
        if wrote_hours_ago is not None:
            contact.last_inbound_at = now - timedelta(hours=wrote_hours_ago)
        if opted_out:
            contact.opted_out_at = now
        return outbox.queue(session, contact, texts, now, reply=reply,
                            seal_with=services.cipher if sealed else None, template=template)


def rows(services) -> list[OutboundMessage]:
    with unit_of_work(services.sessions) as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all())


def test_queued_texts_wait_in_one_row_until_dispatched(services, fake_twilio):
    ids = queue(services, "Your booking is confirmed.", "See you then.")
    assert len(ids) == 1 and [r.status for r in rows(services)] == ["pending"]
    assert fake_twilio.fake.bodies_to(ADDRESS) == [], "queueing sends nothing"
    assert outbox.due_recipients(services) == [ADDRESS]

    assert outbox.dispatch(services, ids) == 1
    assert fake_twilio.fake.bodies_to(ADDRESS) == ["Your booking is confirmed.\n\nSee you then."]
    [row] = rows(services)
    assert row.status == "queued" and row.twilio_sid and not row.via_template
    assert outbox.due_recipients(services) == []
    assert outbox.dispatch(services, ids) == 0, "a second dispatch sends nothing again"
    assert len(fake_twilio.fake.bodies_to(ADDRESS)) == 1


def test_nothing_to_say_queues_nothing(services):
    assert queue(services, "", "") == []
    assert rows(services) == []


def test_outside_the_24_hour_window_without_a_template_it_is_recorded_not_sendable(services, fake_twilio):
    ids = queue(services, "Your link is ready.", wrote_hours_ago=25)
    assert outbox.dispatch(services, ids) == 0
    assert [r.status for r in rows(services)] == ["not_sendable"]
    assert fake_twilio.fake.bodies_to(ADDRESS) == []


def test_after_stop_only_answers_to_their_own_messages_go(services, fake_twilio):
    notice = queue(services, "A reminder nobody asked for.", opted_out=True)
    answer = queue(services, "The answer to what they wrote.", opted_out=True, reply=True)
    outbox.dispatch(services, notice + answer)
    assert [r.status for r in rows(services)] == ["opted_out", "queued"]
    assert fake_twilio.fake.bodies_to(ADDRESS) == ["The answer to what they wrote."]


def test_twilio_down_keeps_the_message_pending_and_a_later_dispatch_sends_it(services, clock, fake_twilio):
    ids = queue(services, "Hello again.")
    fake_twilio.fake.fail_next(500, 20500)
    assert outbox.dispatch(services, ids) == 0
    [row] = rows(services)
    assert row.status == "pending" and row.next_attempt_at == clock.now + outbox.backoff(row.attempts)
    assert outbox.due_recipients(services) == [], "not before its backoff"
    clock.advance(seconds=outbox.backoff(row.attempts).total_seconds())
    assert outbox.dispatch(services) == 1
    assert [r.status for r in rows(services)] == ["queued"]
    assert fake_twilio.fake.bodies_to(ADDRESS) == ["Hello again."]


def test_a_sealed_message_is_stored_encrypted_and_sent_in_clear(services, fake_twilio):
    ids = queue(services, "Connected as coach@example.com", sealed=True)
    [row] = rows(services)
    assert row.sealed and "coach@example.com" not in row.body
    assert outbox.message_body(services, row) == "Connected as coach@example.com"
    outbox.dispatch(services, ids)
    assert fake_twilio.fake.bodies_to(ADDRESS) == ["Connected as coach@example.com"]


OWN_TEMPLATE = ("HX" + "3" * 32, {"1": "Career coaching with Asha", "2": "Thu 3 Apr, 09:30", "3": "here",
                                  "4": "AB2345"})


def test_a_message_with_its_own_template_goes_as_it_outside_the_window(services, fake_twilio):
    fake_twilio.reminder_template(OWN_TEMPLATE[0])
    queue(services, "reminder text", wrote_hours_ago=30, template=OWN_TEMPLATE)
    assert outbox.dispatch(services) == 1
    [sent] = fake_twilio.fake.messages
    assert (sent["content_sid"], sent["content_variables"], sent["body"]) == (*OWN_TEMPLATE, None)


def test_inside_the_window_it_goes_as_free_text(services, fake_twilio):
    queue(services, "reminder text", wrote_hours_ago=1, template=OWN_TEMPLATE)
    assert outbox.dispatch(services) == 1
    assert fake_twilio.fake.bodies_to(ADDRESS) == ["reminder text"]
