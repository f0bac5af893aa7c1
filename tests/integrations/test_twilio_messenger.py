"""TwilioMessenger against the strict fake Twilio over real HTTP, ConsoleMessenger, and split_body."""
from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.twilio.messenger import (
    ConsoleMessenger,
    MessengerUnavailable,
    SendResult,
    TwilioMessenger,
    mask_address,
    split_body,
)
from tests.fixtures.twilio import ServedFakeTwilio, _fake_twilio_server, fake_twilio  # noqa: F401  (fixtures)

CUSTOMER = "whatsapp:+15551234567"
TEMPLATE_SID = "HX" + "b" * 32


def messenger_for(served: ServedFakeTwilio, **overrides: str) -> TwilioMessenger:
    settings = {
        "account_sid": served.account_sid,
        "auth_token": served.auth_token,
        "from_number": served.sender,
        "api_base_url": served.url,
    }
    settings.update(overrides)
    return TwilioMessenger(**settings)


# --- sending through the fake -----------------------------------------------------------------------------------


def test_send_text_reaches_twilio_at_the_configured_base_url(fake_twilio: ServedFakeTwilio) -> None:
    result = messenger_for(fake_twilio).send_text(CUSTOMER, "Your session is booked.")

    assert result.status == "queued" and result.error_code is None
    (message,) = fake_twilio.fake.messages
    assert result.sid == message["sid"]
    assert message["from"] == fake_twilio.sender
    assert fake_twilio.fake.bodies_to(CUSTOMER) == ["Your session is booked."]


def test_status_callback_is_passed_to_twilio(fake_twilio: ServedFakeTwilio) -> None:
    messenger_for(fake_twilio).send_text(CUSTOMER, "hi", status_callback="https://bot.example/twilio/status")

    assert fake_twilio.fake.messages[0]["status_callback"] == "https://bot.example/twilio/status"


def test_send_template_sends_content_sid_and_variables_as_json(fake_twilio: ServedFakeTwilio) -> None:
    fake_twilio.fake.add_content(TEMPLATE_SID, {"language": "en", "variables": {"1": "a", "2": "b"},
                                                "types": {"twilio/text": {"body": "{{1}} at {{2}}"}}})
    result = messenger_for(fake_twilio).send_template(CUSTOMER, TEMPLATE_SID, {"1": "Yoga", "2": "Mon 10:00"})

    assert result.status == "queued"
    (message,) = fake_twilio.fake.messages
    assert message["content_sid"] == TEMPLATE_SID
    assert message["content_variables"] == {"1": "Yoga", "2": "Mon 10:00"}
    assert message["body"] is None


def test_long_text_is_sent_as_several_messages_within_the_cap(fake_twilio: ServedFakeTwilio) -> None:
    body = "\n".join(f"line {i}: " + "x" * 90 for i in range(40))  # ~4000 chars

    result = messenger_for(fake_twilio).send_text(CUSTOMER, body)

    bodies = fake_twilio.fake.bodies_to(CUSTOMER)
    assert len(bodies) == 3
    assert all(len(b) <= 1600 for b in bodies)
    assert "\n".join(bodies) == body
    assert result.sid == fake_twilio.fake.messages[-1]["sid"]


def test_wrong_auth_token_is_a_failed_result_with_twilio_code(fake_twilio: ServedFakeTwilio) -> None:
    result = messenger_for(fake_twilio, auth_token="not-the-token").send_text(CUSTOMER, "hi")

    assert result == SendResult(sid=None, status="failed", error_code=20003, error_message="Authenticate")
    assert fake_twilio.fake.messages == []


def test_unknown_sender_is_a_failed_result(fake_twilio: ServedFakeTwilio) -> None:
    result = messenger_for(fake_twilio, from_number="whatsapp:+15550000000").send_text(CUSTOMER, "hi")

    assert result.status == "failed" and result.error_code == 63007
    assert result.error_message and "Channel" in result.error_message


def test_refused_part_stops_a_multi_part_send(fake_twilio: ServedFakeTwilio) -> None:
    result = messenger_for(fake_twilio).send_text("whatsapp:not-a-number", "a\n" * 1000)

    assert result.status == "failed" and result.error_code == 21211
    assert fake_twilio.fake.messages == []


@pytest.mark.parametrize(("status", "code"), [(500, 20500), (503, 20503), (429, 20429)])
def test_server_errors_and_rate_limits_raise_unavailable(
    fake_twilio: ServedFakeTwilio, status: int, code: int
) -> None:
    messenger = messenger_for(fake_twilio)
    fake_twilio.fake.fail_next(status=status, code=code)

    with pytest.raises(MessengerUnavailable):
        messenger.send_text(CUSTOMER, "hi")
    assert messenger.send_text(CUSTOMER, "hi again").status == "queued"  # the failure was transient
    assert fake_twilio.fake.bodies_to(CUSTOMER) == ["hi again"]


def test_unreachable_base_url_raises_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    messenger = TwilioMessenger("AC" + "0" * 32, "token", "whatsapp:+14155238886", f"http://127.0.0.1:{port}")

    with pytest.raises(MessengerUnavailable):
        messenger.send_text(CUSTOMER, "hi")


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP listener that accepts connections but never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_timeout_raises_unavailable(silent_server: str) -> None:
    messenger = TwilioMessenger("AC" + "0" * 32, "token", "whatsapp:+14155238886", silent_server, timeout=0.2)

    with pytest.raises(MessengerUnavailable):
        messenger.send_template(CUSTOMER, TEMPLATE_SID, {})


def test_logs_mask_numbers_and_never_show_the_auth_token(
    fake_twilio: ServedFakeTwilio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    messenger = messenger_for(fake_twilio)
    messenger.send_text(CUSTOMER, "hi")
    fake_twilio.fake.fail_next()
    with pytest.raises(MessengerUnavailable):
        messenger.send_text(CUSTOMER, "hi")
    messenger_for(fake_twilio, auth_token="wrong-token-xyz").send_text(CUSTOMER, "hi")

    logged = caplog.text + repr(messenger)
    assert "whatsapp:***4567" in logged
    assert "5551234567" not in logged and "4155238886" not in logged
    assert fake_twilio.auth_token not in logged and "wrong-token-xyz" not in logged


def test_mask_address_keeps_channel_and_last_four_digits() -> None:
    assert mask_address("whatsapp:+14155238886") == "whatsapp:***8886"
    assert mask_address("+447700900123") == "***0123"


# --- console messenger --------------------------------------------------------------------------------------------


def test_console_messenger_prints_and_records() -> None:
    out = io.StringIO()
    console = ConsoleMessenger(out)

    first = console.send_text(CUSTOMER, "hello")
    second = console.send_template(CUSTOMER, TEMPLATE_SID, {"1": "Yoga"})

    assert out.getvalue().splitlines() == [
        f"bot -> {CUSTOMER}: hello",
        f'bot -> {CUSTOMER}: [template {TEMPLATE_SID}] {{"1": "Yoga"}}',
    ]
    assert console.sent[0] == (CUSTOMER, "hello") and len(console.sent) == 2
    assert first.status == "sent" and first.sid is not None and first.sid.startswith("SMlocal")
    assert second.sid != first.sid and len(first.sid) == 34


# --- split_body ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "limit", "parts"),
    [
        ("", 10, []),
        ("hi", 10, ["hi"]),
        ("a\nb", 3, ["a\nb"]),
        ("aa\nbb\ncc", 5, ["aa\nbb", "cc"]),
        ("aa\nbb\ncc\ndd", 5, ["aa\nbb", "cc\ndd"]),
        ("aaa bbb ccc", 8, ["aaa bbb ", "ccc"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("ab cdefgh", 4, ["ab ", "cdef", "gh"]),
        ("x\nabcdefgh\ny", 4, ["x", "abcd", "efgh", "y"]),
        ("abcd\n\nefgh", 4, ["abcd", "efgh"]),
        ("a" * 1600, 1600, ["a" * 1600]),
        ("a" * 1601, 1600, ["a" * 1600, "a"]),
    ],
)
def test_split_body(body: str, limit: int, parts: list[str]) -> None:
    assert split_body(body, limit) == parts


def test_split_body_default_limit_is_twilios_cap() -> None:
    line = "word " * 100  # 500 chars: three lines fit in a part, four do not
    parts = split_body("\n".join([line] * 10))
    assert parts == ["\n".join([line] * 3)] * 3 + [line]


@settings(derandomize=True, max_examples=300, database=None)
@given(text=st.text(alphabet="ab \n", max_size=80), limit=st.integers(min_value=1, max_value=12))
def test_split_body_properties(text: str, limit: int) -> None:
    parts = split_body(text, limit)

    assert all(1 <= len(p) <= limit for p in parts)
    if 0 < len(text) <= limit:
        assert parts == [text]
    # The parts appear in order in the text; only newlines are dropped between them.
    pos = 0
    for part in parts:
        while not text.startswith(part, pos):
            assert text[pos] == "\n", (text, parts)
            pos += 1
        pos += len(part)
    assert set(text[pos:]) <= {"\n"}
    if all(len(line) <= limit for line in text.split("\n")) and "\n\n" not in text and text.strip("\n") == text:
        assert "\n".join(parts) == text
