"""Signed but malformed Twilio requests: every field the two webhooks read has Twilio's shape, or the request gets a
400 and changes nothing; never a 500 (PostgreSQL refuses NUL and integers above 2^31-1)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from integrations.twilio.fields import (
    MESSAGE_STATUSES,
    MalformedField,
    incoming_message,
    status_callback,
)
from store.db import unit_of_work
from store.models import Contact, InboundMessage, OutboundMessage

STATUS_PATH = "/webhooks/twilio/status"


def sent_message(services, whatsapp, fake_twilio) -> tuple:
    user = whatsapp()
    user.send("hi")
    return user, fake_twilio.fake.messages[-1]["sid"]


def stored_status(services, sid: str) -> tuple:
    with unit_of_work(services.sessions) as session:
        row = session.scalars(select(OutboundMessage).where(OutboundMessage.twilio_sid == sid)).one()
        return row.status, row.error_code


def status_form(sid: str, status: str = "delivered", **extra: str) -> dict[str, str]:
    return {"AccountSid": "AC" + "0" * 32, "MessageSid": sid, "MessageStatus": status, "SmsSid": sid,
            "SmsStatus": status, **extra}


@pytest.mark.parametrize("changes, field", [
    ({"ErrorCode": "²"}, "ErrorCode"),  # str.isdigit() is True, int() refuses it
    ({"ErrorCode": "٣٠٠٠٣"}, "ErrorCode"),  # int() takes these; Twilio never sends them
    ({"ErrorCode": str(2**31)}, "ErrorCode"),
    ({"ErrorCode": "9" * 40}, "ErrorCode"),
    ({"ErrorCode": "-1"}, "ErrorCode"),
    ({"ErrorCode": "63016\x00"}, "ErrorCode"),
    ({"MessageStatus": "deliv\x00ered"}, "MessageStatus"),
    ({"MessageStatus": "bogus"}, "MessageStatus"),
    ({"MessageStatus": ""}, "MessageStatus"),
    ({"MessageSid": "SMx"}, "MessageSid"),
    ({"MessageSid": "SM" + "A" * 32}, "MessageSid"),
    ({"MessageSid": "XX" + "a" * 32}, "MessageSid"),
    ({"MessageSid": "SM" + "a" * 31 + "\x00"}, "MessageSid"),
    ({"MessageSid": ""}, "MessageSid"),
])
def test_malformed_status_callback_is_refused_and_changes_nothing(services, whatsapp, fake_twilio, changes, field):
    user, sid = sent_message(services, whatsapp, fake_twilio)
    before = stored_status(services, sid)
    response = user.post({**status_form(sid), **changes}, path=STATUS_PATH)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert field in response.get_data(as_text=True)
    assert stored_status(services, sid) == before


def test_an_unknown_status_never_blocks_the_real_ones_after_it(services, whatsapp, fake_twilio):
    user, sid = sent_message(services, whatsapp, fake_twilio)
    assert user.post(status_form(sid, "zzz-not-a-status"), path=STATUS_PATH).status_code == 400
    assert fake_twilio.fake.deliver(sid, status="sent").status_code == 200
    assert fake_twilio.fake.deliver(sid, status="delivered").status_code == 200
    assert stored_status(services, sid) == ("delivered", None)


@pytest.mark.parametrize("status", sorted(MESSAGE_STATUSES))
def test_every_status_twilio_documents_is_accepted(services, whatsapp, status):
    response = whatsapp().post(status_form("SM" + "0" * 32, status), path=STATUS_PATH)
    assert response.status_code == 200 and "unknown message" in response.get_data(as_text=True)


def test_status_names_are_twilios_own():
    assert MESSAGE_STATUSES == {"queued", "sending", "sent", "failed", "delivered", "undelivered", "receiving",
                                "received", "accepted", "scheduled", "read", "partially_delivered", "canceled"}


@pytest.mark.parametrize("code, stored", [("", None), ("63016", 63016), (str(2**31 - 1), 2**31 - 1)])
def test_error_codes_in_range_are_stored(services, whatsapp, fake_twilio, code, stored):
    user, sid = sent_message(services, whatsapp, fake_twilio)
    response = user.post(status_form(sid, "failed", ErrorCode=code), path=STATUS_PATH)
    assert response.status_code == 200
    assert stored_status(services, sid) == ("failed", stored)


def test_media_message_sids_are_accepted(services, whatsapp, fake_twilio):
    user, _ = sent_message(services, whatsapp, fake_twilio)
    response = user.post(status_form("MM" + "b" * 32, "delivered"), path=STATUS_PATH)
    assert response.status_code == 200


# -- the inbound WhatsApp webhook -------------------------------------------------------------------------------

def count(services, model) -> int:
    with unit_of_work(services.sessions) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("changes, field", [
    ({"MessageSid": "SM" + "a" * 31 + "\x00"}, "MessageSid"),
    ({"MessageSid": "SM\x00" + "a" * 32}, "MessageSid"),
    ({"MessageSid": "SM" + "g" * 32}, "MessageSid"),
    ({"MessageSid": "SM" + "a" * 33}, "MessageSid"),
    ({"MessageSid": "hello"}, "MessageSid"),
    ({"From": "whatsapp:+919940790402\x00"}, "From"),
    ({"From": "+919940790402"}, "From"),  # a WhatsApp webhook's From always carries the channel
    ({"From": "whatsapp:+91 99407 90402"}, "From"),
    ({"From": "whatsapp:+٩١٩٩٤٠٧٩٠٤٠٢"}, "From"),
    ({"From": ""}, "From"),
])
def test_malformed_inbound_fields_get_400_and_change_nothing(whatsapp, services, fake_twilio, changes, field):
    user = whatsapp()
    response = user.post({**user.form("hi"), **changes})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert field in response.get_data(as_text=True)
    assert count(services, Contact) == 0 and count(services, InboundMessage) == 0
    assert fake_twilio.fake.messages == []


def test_media_message_sid_on_inbound_is_accepted(whatsapp):
    user = whatsapp()
    assert user.post(user.form("hi", MessageSid="MM" + "c" * 32)).status_code == 200


@pytest.mark.parametrize("profile_name", ["Asha\x00", "A" * 1000, "\x1b[31mAsha"])
def test_an_unusable_profile_name_is_left_out_not_fatal(whatsapp, services, profile_name):
    user = whatsapp()
    response = user.post(user.form("hi", ProfileName=profile_name))
    assert response.status_code == 200
    assert count(services, InboundMessage) == 1
    assert user.new_replies()


@pytest.mark.parametrize("payload", ["signup\x00", "x" * 1000])
def test_an_odd_button_payload_still_gets_an_answer(whatsapp, services, payload):
    user = whatsapp()
    response = user.post(user.form("hi", ButtonPayload=payload))
    assert response.status_code == 200
    assert user.new_replies()




# -- the parser on its own --------------------------------------------------------------------------------------

FIELD_NAMES = st.sampled_from(["MessageSid", "MessageStatus", "ErrorCode", "From", "Body", "ProfileName",
                               "ButtonPayload"])
SID_LIKE = st.from_regex(r"(SM|MM)[0-9a-f]{32}", fullmatch=True) | st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(FIELD_NAMES, SID_LIKE | st.sampled_from(sorted(MESSAGE_STATUSES)) | st.text(max_size=12)))
def test_any_form_is_parsed_or_refused_by_the_name_of_a_field(form):
    for parse in (incoming_message, status_callback):
        try:
            parsed = parse(form)
        except MalformedField as bad:
            assert bad.field in ("MessageSid", "MessageStatus", "ErrorCode", "From")
        else:
            kept = [parsed.message_sid, getattr(parsed, "sender", ""), getattr(parsed, "profile_name", "") or ""]
            assert not any("\x00" in value for value in kept)
            assert 0 <= (getattr(parsed, "error_code", 0) or 0) <= 2**31 - 1
