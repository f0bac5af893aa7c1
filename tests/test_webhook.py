"""The WhatsApp webhook as Twilio calls it: signatures, retries, malformed and hostile input."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core import messages as msg
from store.db import unit_of_work
from store.models import Contact, InboundMessage, OutboundMessage
from tests.fixtures.settings import PUBLIC_BASE_URL


def count(services, model) -> int:
    with unit_of_work(services.sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_first_message_gets_welcome_and_customer_menu(whatsapp, fake_twilio):
    reply = whatsapp().send("Hi")
    assert msg.WELCOME.format(name_part="") in reply
    assert msg.OPT_SIGNUP in reply and msg.OPT_HELP in reply
    sent = fake_twilio.fake.messages[-1]
    assert sent["from"] == fake_twilio.sender and sent["to"] == "whatsapp:+919940790402"
    assert sent["status_callback"] == PUBLIC_BASE_URL + "/webhooks/twilio/status?outbox=1", "names our message"


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", None])
def test_unsigned_or_forged_requests_are_refused_and_change_nothing(whatsapp, services, fake_twilio, signature):
    user = whatsapp()
    form = user.form("hi")
    if signature is None:  # signed for other content: a tampered body
        from integrations.twilio.signing import sign
        signature = sign(fake_twilio.auth_token, PUBLIC_BASE_URL + "/webhooks/twilio/whatsapp", {**form, "Body": "x"})
    response = user.post(form, signature=signature)
    assert response.status_code == 403
    assert count(services, Contact) == 0 and count(services, InboundMessage) == 0
    assert fake_twilio.fake.messages == []


def test_signature_for_another_host_is_refused(whatsapp, fake_twilio, services):
    from integrations.twilio.signing import sign
    user = whatsapp()
    form = user.form("hi")
    wrong = sign(fake_twilio.auth_token, "https://evil.example/webhooks/twilio/whatsapp", form)
    assert user.post(form, signature=wrong).status_code == 403
    assert count(services, InboundMessage) == 0


def test_replayed_message_sid_gets_no_second_reply(whatsapp, fake_twilio, services):
    user = whatsapp()
    form = user.form("hi", MessageSid="SM" + "a" * 32)
    assert user.post(form).status_code == 200
    assert user.post(form).status_code == 200
    assert user.post(form).status_code == 200
    assert len(fake_twilio.fake.messages) == 1
    assert count(services, InboundMessage) == 1


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_missing_required_fields_get_400(whatsapp, services, missing):
    user = whatsapp()
    form = user.form("hi")
    del form[missing]
    response = user.post(form)
    assert response.status_code == 400
    assert missing in response.get_data(as_text=True)
    assert count(services, InboundMessage) == 0


def test_empty_post_is_refused_cleanly(whatsapp):
    response = whatsapp().post({})
    assert response.status_code == 400


@pytest.mark.parametrize("body", [
    "", "   ", "x" * 5000, "😀🎉 menu 👍", "hello\x00\x07\x1b[31m world", "'; DROP TABLE contacts; --",
    "<Response><Message>hi</Message></Response>", "1" * 300, "{{name}} {0} %s", "\u202e\u200b",
])
def test_odd_bodies_never_crash_and_always_answer(whatsapp, fake_twilio, services, body):
    user = whatsapp()
    user.send("hi")
    reply = user.send(body)
    assert reply.strip(), "the user always gets an answer"
    assert count(services, Contact) == 1
    assert count(services, InboundMessage) == 2
    with unit_of_work(services.sessions) as session:
        stored = session.scalars(select(InboundMessage.body).order_by(InboundMessage.id.desc())).first()
    assert "\x00" not in stored and len(stored) <= 4096


def test_empty_message_explains(whatsapp):
    user = whatsapp()
    user.send("hi")
    assert msg.EMPTY_MESSAGE in user.send("", NumMedia="1", MediaUrl0="https://api.twilio.com/x.jpg")


def test_invalid_sender_number_is_refused(whatsapp, services):
    user = whatsapp()
    response = user.post(user.form("hi", From="whatsapp:not-a-number"))
    assert response.status_code == 400
    assert count(services, Contact) == 0


def test_button_payload_drives_the_menu(whatsapp):
    user = whatsapp()
    user.send("hi")
    reply = user.send("Sign up", ButtonPayload="signup", ButtonText="Sign up")
    assert msg.SIGNUP_ASK_NAME in reply


def test_status_callback_records_delivery_and_63016(whatsapp, fake_twilio, services):
    user = whatsapp()
    user.send("hi")
    sid = fake_twilio.fake.messages[-1]["sid"]
    response = fake_twilio.fake.deliver(sid, status="failed", error_code=63016)
    assert response.status_code == 200
    with unit_of_work(services.sessions) as session:
        row = session.scalars(select(OutboundMessage).where(OutboundMessage.twilio_sid == sid)).one()
        assert (row.status, row.error_code) == ("failed", 63016)


def test_status_callback_must_be_signed(client, services):
    response = client.post("/webhooks/twilio/status", data={"MessageSid": "SMx", "MessageStatus": "delivered"})
    assert response.status_code == 403


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["status"] == "ok"


@pytest.mark.parametrize("digit, expected", [("፩", "BOOK_ASK_CODE"), ("²", "MB_NONE"), ("٣", "SIGNUP_ASK_NAME")])
def test_numbers_in_other_scripts_pick_options(whatsapp, digit, expected):
    user = whatsapp()
    user.send("hi")
    reply = user.send(digit)
    assert msg.INTERNAL_ERROR not in reply
    assert getattr(msg, expected) in reply


def test_a_repeated_field_counts_once_as_twilio_signs_it_and_the_first_value_is_read(whatsapp, fake_twilio, services):
    """The body is parsed straight from the wire (bot/web/webhook.py `_form`): one value per name, the first, as
    werkzeug's form gave it; the signature covers that and the reply answers that."""
    from urllib.parse import urlencode

    from integrations.twilio.signing import sign
    user = whatsapp()
    form = user.form("help")
    signature = sign(fake_twilio.auth_token, PUBLIC_BASE_URL + "/webhooks/twilio/whatsapp", form)
    body = urlencode(list(form.items()) + [("Body", "hi")])  # a second Body after the signed one
    fake_twilio.fake.received(form["From"])
    response = user.client.post("/webhooks/twilio/whatsapp", data=body, base_url=PUBLIC_BASE_URL,
                                content_type="application/x-www-form-urlencoded",
                                headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(InboundMessage.body)).all() == ["help"]


def test_a_form_with_far_more_fields_than_twilio_sends_is_refused(whatsapp, services):
    user = whatsapp()
    form = {**user.form("hi"), **{f"X{n}": "1" for n in range(300)}}
    assert user.post(form).status_code == 403
    assert count(services, InboundMessage) == 0


def test_non_ascii_text_is_read_as_sent(whatsapp, services):
    user = whatsapp()
    user.send("hi")
    user.send("नमस्ते 👋 café")
    with unit_of_work(services.sessions) as session:
        assert "नमस्ते 👋 café" in session.scalars(select(InboundMessage.body)).all()
