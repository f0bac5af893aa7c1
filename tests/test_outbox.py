"""The outbox: long replies split under Twilio's 1,600-character cap, kept and retried when Twilio is down, and
messages outside WhatsApp's 24-hour window sent as the approved template or recorded as not_sendable."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from bot.core import messages as msg
from bot.dialogue.intents import render_options
from bot.services import outbox
from integrations.twilio.messenger import TwilioMessenger
from store import repos
from store.db import unit_of_work
from store.models import OutboundMessage

PHONE = "+919940790402"
ADDRESS = "whatsapp:" + PHONE
TEMPLATE_SID = "HX" + "0123456789abcdef" * 2


def long_text(chars: int = 3500) -> str:
    lines, n = [], 0
    while sum(len(line) + 1 for line in lines) < chars:
        n += 1
        lines.append(f"{n:03d} " + "slot available " * 4)
    return "\n".join(lines)[:chars].rstrip()


def notify(services, clock, *texts: str) -> list[int]:
    """Queue a notification for PHONE as a flow would, and dispatch it after commit."""
    with unit_of_work(services.sessions) as session:
        contact = repos.contact_by_phone(session, PHONE)
        ids = outbox.queue(session, contact, texts, clock.now)
    outbox.dispatch(services, ids)
    return ids


def rows(services) -> list[OutboundMessage]:
    with unit_of_work(services.sessions) as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all())


def test_long_reply_arrives_as_several_messages_in_order(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    text = long_text(3500)
    assert len(text) >= 3400
    notify(services, clock, text)
    parts = user.new_replies()
    assert len(parts) >= 3
    assert all(0 < len(part) <= 1600 for part in parts)
    assert "\n".join(parts) == text, "split at line boundaries, nothing lost, in order"
    assert all(part.split("\n")[-1] in text.split("\n") for part in parts), "no line is cut"
    stored = rows(services)[1:]
    assert [r.body for r in stored] == parts
    assert all(r.status == "queued" and r.twilio_sid and not r.via_template for r in stored)


def test_short_texts_go_as_one_message(whatsapp, services, clock):
    user = whatsapp(PHONE)
    user.send("hi")
    notify(services, clock, "first", "", "second")
    assert user.new_replies() == ["first\n\nsecond"]
    assert notify(services, clock) == [] and notify(services, clock, "") == []


def test_twilio_500_keeps_the_reply_pending_until_a_later_dispatch(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    fake_twilio.fake.fail_next(500, 20500)
    assert user.send("help") == "", "nothing reached the user yet"
    pending = rows(services)[-1]
    assert (pending.status, pending.attempts, pending.twilio_sid) == ("pending", 1, None)
    assert pending.next_attempt_at == clock.now + outbox.backoff(1)

    assert outbox.dispatch(services) == 0, "not before the backoff"
    clock.advance(seconds=1)
    assert outbox.dispatch(services) == 1
    assert msg.HELP_MENU.split("\n")[0] in "\n".join(user.new_replies())
    sent = rows(services)[-1]
    assert (sent.status, sent.attempts) == ("queued", 2) and sent.twilio_sid
    assert outbox.dispatch(services) == 0, "sent once"


def test_twilio_down_for_a_long_message_then_all_parts_go_in_order(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    fake_twilio.fake.fail_next(503, 20503)
    text = long_text(3500)
    notify(services, clock, text)
    assert user.new_replies() == []
    assert {r.status for r in rows(services)[1:]} == {"pending"}
    clock.advance(seconds=1)
    assert outbox.dispatch(services) == len(rows(services)) - 1
    assert "\n".join(user.new_replies()) == text


def test_twilio_429_is_retried_too(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    fake_twilio.fake.fail_next(429, 20429)
    user.send("menu")
    assert rows(services)[-1].status == "pending"
    clock.advance(seconds=1)
    assert outbox.dispatch(services) == 1
    assert msg.CUSTOMER_MENU.format(options=render_options("customer_menu")) in "\n".join(user.new_replies())


def test_an_older_pending_reply_is_not_overtaken_by_a_newer_one(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    fake_twilio.fake.fail_next(500, 20500)
    user.send("help")
    assert user.send("menu") == "", "the menu waits behind the help reply that Twilio could not take"
    clock.advance(seconds=1)
    assert outbox.dispatch(services) == 2
    replies = "\n".join(user.new_replies()).split("\n")
    help_at = replies.index(msg.HELP_MENU.split("\n")[0])
    menu_at = max(i for i, line in enumerate(replies) if line == msg.CUSTOMER_MENU.split("\n")[0])
    assert help_at < menu_at


def test_twilio_refusal_is_recorded_as_failed_and_not_retried(whatsapp, services, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    fake_twilio.fake.fail_next(400, 21211)
    user.send("menu")
    row = rows(services)[-1]
    assert (row.status, row.error_code) == ("failed", 21211)
    assert outbox.dispatch(services) == 0


def test_outside_24_hours_a_notification_goes_as_the_template(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    services.config = services.config.with_(twilio_template_content_sid=fake_twilio.template(TEMPLATE_SID))
    clock.advance(hours=24, minutes=1)
    notify(services, clock, "Your session with Asha starts at 10:00.")
    sent = fake_twilio.fake.messages[-1]
    assert sent["to"] == ADDRESS and sent["body"] is None
    assert sent["content_sid"] == TEMPLATE_SID
    assert sent["content_variables"] == {"1": "Your session with Asha starts at 10:00."}
    row = rows(services)[-1]
    assert row.via_template and row.status == "queued" and row.twilio_sid == sent["sid"]


def test_inside_24_hours_a_notification_goes_as_text_even_with_a_template(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    services.config = services.config.with_(twilio_template_content_sid=fake_twilio.template(TEMPLATE_SID))
    clock.advance(hours=23, minutes=59)
    notify(services, clock, "Reminder")
    assert user.new_replies() == ["Reminder"]
    assert not rows(services)[-1].via_template


def test_long_notification_outside_24_hours_loses_nothing(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    services.config = services.config.with_(twilio_template_content_sid=fake_twilio.template(TEMPLATE_SID))
    clock.advance(days=2)
    text = long_text(3500)
    before = len(fake_twilio.fake.messages)
    notify(services, clock, text)
    sent = fake_twilio.fake.messages[before:]
    assert all(m["content_sid"] == TEMPLATE_SID for m in sent)
    assert all(len(m["content_variables"]["1"]) <= outbox.TEMPLATE_VARIABLE_LIMIT for m in sent)
    words = " ".join(m["content_variables"]["1"] for m in sent).replace(" · ", " ").split()
    assert words == text.split()  # nothing lost
    assert not any("\n" in m["content_variables"]["1"] for m in sent)  # WhatsApp refuses a line break there
    assert {r.status for r in rows(services)[1:]} == {"queued"}


def test_outside_24_hours_without_template_it_is_recorded_not_sendable(whatsapp, services, clock, fake_twilio,
                                                                       caplog):
    user = whatsapp(PHONE)
    user.send("hi")
    assert services.config.twilio_template_content_sid == ""
    clock.advance(hours=25)
    before = len(fake_twilio.fake.messages)
    notify(services, clock, "Your session was moved.")
    assert len(fake_twilio.fake.messages) == before
    row = rows(services)[-1]
    assert row.status == "not_sendable" and row.twilio_sid is None
    assert "TWILIO_TEMPLATE_CONTENT_SID" in row.error_message
    assert any("not sendable" in r.getMessage() for r in caplog.records)
    assert outbox.dispatch(services) == 0, "not retried"


def test_a_new_inbound_message_reopens_the_window(whatsapp, services, clock):
    user = whatsapp(PHONE)
    user.send("hi")
    clock.advance(days=3)
    assert msg.CUSTOMER_MENU.format(options=render_options("customer_menu")) in user.send("menu")
    assert rows(services)[-1].status == "queued"


def test_status_callbacks_store_status_and_63016(whatsapp, services, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    sid = fake_twilio.fake.messages[-1]["sid"]
    assert fake_twilio.fake.deliver(sid, status="failed", error_code=63016).status_code == 200
    row = rows(services)[-1]
    assert (row.status, row.error_code) == ("failed", 63016)
    assert "24-hour window" in row.error_message


def test_late_status_callback_does_not_move_the_status_back(whatsapp, services, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    sid = fake_twilio.fake.messages[-1]["sid"]
    fake_twilio.fake.deliver(sid, status="delivered")
    fake_twilio.fake.deliver(sid, status="sent")  # Twilio does not promise callbacks in order
    assert rows(services)[-1].status == "delivered"
    fake_twilio.fake.deliver(sid, status="read")
    assert rows(services)[-1].status == "read"


def test_status_callback_for_an_unknown_sid_is_harmless(client, fake_twilio, whatsapp):
    response = whatsapp(PHONE).post({"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"},
                                    path="/webhooks/twilio/status")
    assert response.status_code == 200 and b"unknown" in response.data


def _claim_and_die(services, clock, text: str, *, reached_twilio: bool, fake_twilio=None) -> int:
    """A sender claims a message and dies mid-call: before (nothing sent) or after Twilio took it."""
    with unit_of_work(services.sessions) as session:
        contact = repos.contact_by_phone(session, PHONE)
        [message_id] = outbox.queue(session, contact, [text], clock.now)
    claimed = outbox._claim_next(services, ADDRESS)
    assert claimed is not None and claimed.id == message_id
    if reached_twilio:
        services.messenger.send_text(ADDRESS, text)  # Twilio took it; the sender died before writing the sid
    return message_id


def assert_handed_over(services, message_id: int, sid: str) -> None:
    with unit_of_work(services.sessions) as session:
        row = session.get(OutboundMessage, message_id)
        assert (row.status, row.twilio_sid) == ("queued", sid)


def test_a_claim_left_by_a_dead_sender_expires_in_seconds_and_goes_once(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    message_id = _claim_and_die(services, clock, "lost in flight", reached_twilio=False)
    assert outbox.dispatch(services) == 0, "the lease is live: the sender may still be working"
    clock.advance(seconds=26)  # Twilio's 10 s to connect + 10 s to answer + 5 s
    outbox.dispatch(services)
    assert user.new_replies() == ["lost in flight"]
    assert_handed_over(services, message_id, fake_twilio.fake.messages[-1]["sid"])


def test_a_message_twilio_took_before_its_sender_died_is_not_sent_again(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    message_id = _claim_and_die(services, clock, "taken then crashed", reached_twilio=True)
    assert user.new_replies() == ["taken then crashed"]
    clock.advance(seconds=26)
    outbox.dispatch(services)
    assert user.new_replies() == [], "Twilio said it already had it"
    assert_handed_over(services, message_id, fake_twilio.fake.messages[-1]["sid"])


def test_a_status_callback_names_a_message_whose_sender_died(whatsapp, services, clock, fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    with unit_of_work(services.sessions) as session:
        contact = repos.contact_by_phone(session, PHONE)
        [message_id] = outbox.queue(session, contact, ["called back"], clock.now)
    assert outbox._claim_next(services, ADDRESS).id == message_id
    services.messenger.send_text(ADDRESS, "called back", status_callback=services.status_callback_url
                                 + f"?outbox={message_id}")
    sid = fake_twilio.fake.messages[-1]["sid"]
    assert fake_twilio.fake.deliver(sid, status="sent").status_code == 200
    with unit_of_work(services.sessions) as session:
        row = session.get(OutboundMessage, message_id)
        assert (row.status, row.twilio_sid) == ("claimed", sid), "the claim's holder (or its successor) finishes"
    clock.advance(seconds=26)
    outbox.dispatch(services)
    assert user.new_replies() == ["called back"], "once: the successor knew the sid and asked nobody"
    with unit_of_work(services.sessions) as session:
        assert session.get(OutboundMessage, message_id).status == "queued"
    assert fake_twilio.fake.deliver(sid, status="delivered").status_code == 200
    with unit_of_work(services.sessions) as session:
        assert session.get(OutboundMessage, message_id).status == "delivered"


def test_twilio_down_while_recovering_keeps_the_claim_until_twilio_can_tell(whatsapp, services, clock,
                                                                             fake_twilio):
    user = whatsapp(PHONE)
    user.send("hi")
    message_id = _claim_and_die(services, clock, "was it sent?", reached_twilio=True)
    clock.advance(seconds=26)
    fake_twilio.fake.fail_next(503, 20503)  # the lookup fails: nothing is sent blind
    outbox.dispatch(services)
    with unit_of_work(services.sessions) as session:
        assert session.get(OutboundMessage, message_id).status == "claimed"
    clock.advance(seconds=2)
    outbox.dispatch(services)
    assert user.new_replies() == ["was it sent?"], "sent once, found at the second look"


def test_a_63016_refusal_is_sent_again_as_the_template(whatsapp, fake_twilio, services):
    services.config = services.config.with_(twilio_template_content_sid=fake_twilio.template("HX" + "b" * 32))
    user = whatsapp("+447700900777")
    user.send("hi")
    first = fake_twilio.fake.messages[-1]
    assert first["body"] and not first["content_sid"]
    assert fake_twilio.fake.deliver(first["sid"], status="undelivered", error_code=63016).status_code == 200
    again = fake_twilio.fake.messages[-1]
    assert again["content_sid"] == "HX" + "b" * 32 and again["sid"] != first["sid"]
    assert again["content_variables"]["1"] in outbox.one_line(first["body"])
    assert fake_twilio.fake.deliver(again["sid"], status="undelivered", error_code=63016).status_code == 200
    assert fake_twilio.fake.messages[-1]["sid"] == again["sid"], "a refused template is not retried in a loop"


def test_a_63016_without_a_template_is_recorded(whatsapp, fake_twilio, services):
    user = whatsapp("+447700900778")
    user.send("hi")
    first = fake_twilio.fake.messages[-1]
    fake_twilio.fake.deliver(first["sid"], status="undelivered", error_code=63016)
    assert fake_twilio.fake.messages[-1]["sid"] == first["sid"]
    with unit_of_work(services.sessions) as session:
        row = session.scalars(select(OutboundMessage).where(OutboundMessage.twilio_sid == first["sid"])).one()
        assert (row.status, row.error_code) == ("undelivered", 63016)


def test_a_sealed_message_is_stored_encrypted_and_sent_in_clear_even_as_the_template(whatsapp, fake_twilio,
                                                                                     services, clock):
    services.config = services.config.with_(twilio_template_content_sid=fake_twilio.template(TEMPLATE_SID))
    user = whatsapp(PHONE)
    user.send("hi")
    private = "Connected as someone.private@example.com."
    text = private + "\n" + long_text(2000)
    with unit_of_work(services.sessions) as session:
        ids = outbox.queue(session, repos.contact_by_phone(session, PHONE), [text], clock.now,
                           seal_with=services.cipher)
    outbox.dispatch(services, ids)
    assert "\n".join(user.new_replies()) == text, "split on the text, not on its ciphertext"
    stored = [r for r in rows(services) if r.id in ids]
    assert len(stored) == 2 and all(r.sealed and r.body not in text for r in stored)
    assert "someone.private" not in "".join(r.body for r in stored)
    first = next(m for m in fake_twilio.fake.messages if m["body"] and m["body"].startswith(private))
    sent_before = len(fake_twilio.fake.messages)
    fake_twilio.fake.deliver(first["sid"], status="undelivered", error_code=63016)
    again = fake_twilio.fake.messages[sent_before:]
    assert again and all(m["content_sid"] == TEMPLATE_SID for m in again)
    assert "".join(m["content_variables"]["1"] for m in again) == outbox.one_line(first["body"])
    resent = rows(services)[-1]
    assert resent.via_template and resent.sealed and "someone.private" not in resent.body
    assert outbox.message_body(services, resent).startswith(private)


def test_a_repeated_text_is_not_mistaken_for_the_lost_one(whatsapp, services, clock, fake_twilio):
    """The same words sent a moment before (a second "didn't get that") are not the message whose sender died."""
    user = whatsapp(PHONE)
    user.send("hi")
    notify(services, clock, "same words")
    message_id = _claim_and_die(services, clock, "same words", reached_twilio=False)
    clock.advance(seconds=26)
    outbox.dispatch(services)
    assert user.new_replies() == ["same words", "same words"]
    with unit_of_work(services.sessions) as session:
        assert session.get(OutboundMessage, message_id).status == "queued"


def test_an_answer_lost_after_the_request_went_out_is_checked_before_sending_again(whatsapp, services, clock,
                                                                                  fake_twilio):
    """A read timeout: Twilio took the message, we never heard. The next try asks instead of sending twice."""
    user = whatsapp(PHONE)
    user.send("hi")
    services.messenger = TwilioMessenger(fake_twilio.account_sid, fake_twilio.auth_token, fake_twilio.sender,
                                         api_base_url=fake_twilio.url, timeout=0.2)
    fake_twilio.fake.latency = 0.5
    [message_id] = notify(services, clock, "slow one")
    with unit_of_work(services.sessions) as session:
        assert session.get(OutboundMessage, message_id).status == "claimed", "maybe taken: stays claimed"
    fake_twilio.fake.latency = 0.0
    time.sleep(0.5)  # the slow request completes at "Twilio"
    clock.advance(seconds=2)
    outbox.dispatch(services)
    assert [m["body"] for m in fake_twilio.fake.messages].count("slow one") == 1
    with unit_of_work(services.sessions) as session:
        assert session.get(OutboundMessage, message_id).status == "queued"


def test_a_63016_callback_received_twice_sends_the_template_once(whatsapp, fake_twilio, services):
    services.config = services.config.with_(twilio_template_content_sid=fake_twilio.template("HX" + "c" * 32))
    user = whatsapp("+447700900779")
    user.send("hi")
    first = fake_twilio.fake.messages[-1]
    fake_twilio.fake.deliver(first["sid"], status="undelivered", error_code=63016)
    fake_twilio.fake.deliver(first["sid"], status="failed", error_code=63016)
    assert sum(m["content_sid"] is not None for m in fake_twilio.fake.messages) == 1


def test_a_write_transaction_nested_in_another_on_sqlite_fails_at_once(services):
    if services.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL runs nested transactions on two connections")
    with unit_of_work(services.sessions):
        with pytest.raises(RuntimeError, match="inside another"):
            with unit_of_work(services.sessions):
                pass
    with unit_of_work(services.sessions, read_only=True):
        with unit_of_work(services.sessions):
            pass  # a read beside a write is fine
