"""Tests for integrations.mail against a real local SMTP server (tests.fixtures.smtp), plus URL parsing."""
from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from integrations.ics import build_invitation, content_type_for
from integrations.mail import (
    Attachment,
    ConsoleMailer,
    Email,
    Mailer,
    MailUnavailable,
    SMTPMailer,
)
from tests.fixtures.smtp import SMTPTestServer, smtp_server  # noqa: F401  (fixture)

FROM = "MyNextSlot <hello@mynextslot.com>"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc)


def mailer_for(server: SMTPTestServer, **kwargs: object) -> SMTPMailer:
    return SMTPMailer(server.host, server.port, FROM, clock=lambda: NOW, timeout=2.0, **kwargs)  # type: ignore[arg-type]


def test_plain_text_mail_is_delivered(smtp_server: SMTPTestServer) -> None:
    mailer: Mailer = mailer_for(smtp_server)
    mailer.send(Email(to="bob@example.com", subject="Your booking", text="See you at 18:00.\n",
                      reply_to="ana@example.com"))
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "bob@example.com"
    assert message["From"] == FROM
    assert message["Subject"] == "Your booking"
    assert message["Reply-To"] == "ana@example.com"
    assert message["Date"] == "Sat, 01 Mar 2025 09:30:00 +0000"
    assert message["Message-ID"].endswith("@mynextslot.com>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "See you at 18:00.\n"
    assert smtp_server.envelopes[0].mail_from == "hello@mynextslot.com"
    assert smtp_server.envelopes[0].rcpt_tos == ("bob@example.com",)


def test_display_name_recipient_uses_bare_address_in_envelope(smtp_server: SMTPTestServer) -> None:
    mailer_for(smtp_server).send(Email(to="Zoë Müller <zoe@example.com>", subject="Hi", text="x"))
    [message] = smtp_server.wait_for(1)
    assert message["To"].addresses[0].display_name == "Zoë Müller"
    assert message["To"].addresses[0].addr_spec == "zoe@example.com"
    assert smtp_server.envelopes[0].rcpt_tos == ("zoe@example.com",)


def test_each_mail_gets_its_own_message_id(smtp_server: SMTPTestServer) -> None:
    mailer = mailer_for(smtp_server)
    for _ in range(2):
        mailer.send(Email(to="bob@example.com", subject="Hi", text="x"))
    first, second = smtp_server.wait_for(2)
    assert first["Message-ID"] != second["Message-ID"]


def test_unicode_subject_and_body(smtp_server: SMTPTestServer) -> None:
    subject = "Buchung bestätigt ✅ – Zoë's Yoga 日本"
    body = "Grüße! Ваша сессия начинается в 18:00 🧘\nZweite Zeile.\n"
    mailer_for(smtp_server).send(Email(to="bob@example.com", subject=subject, text=body))
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == subject
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == body


def test_calendar_and_binary_attachments(smtp_server: SMTPTestServer) -> None:
    ics = build_invitation(
        uid="booking-1@mynextslot.com", start=datetime(2025, 3, 10, 17, tzinfo=timezone.utc), duration_minutes=30,
        summary="Yoga", description="Join via Zoom", location="https://zoom.us/j/1", organizer_email="ana@example.com",
        organizer_name="Ana", attendee_email="bob@example.com", attendee_name="Bob", now=NOW,
    )
    pdf = bytes(range(256))
    mailer_for(smtp_server).send(Email(
        to="bob@example.com", subject="Invitation", text="Your session is attached.",
        attachments=(Attachment("invite.ics", content_type_for("REQUEST"), ics),
                     Attachment("receipt.pdf", "application/pdf", pdf)),
    ))
    [message] = smtp_server.wait_for(1)
    assert message.get_content_type() == "multipart/mixed"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content() == "Your session is attached.\n"
    calendar, receipt = list(message.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "invite.ics"
    assert calendar.get_payload(decode=True) == ics
    assert receipt.get_content_type() == "application/pdf"
    assert receipt.get_filename() == "receipt.pdf"
    assert receipt.get_payload(decode=True) == pdf


def test_bad_attachment_content_type_is_a_programming_error(smtp_server: SMTPTestServer) -> None:
    with pytest.raises(ValueError):
        mailer_for(smtp_server).send(Email(to="bob@example.com", subject="x", text="x",
                                           attachments=(Attachment("a", "nonsense", b""),)))
    assert smtp_server.messages == []


def test_header_injection_is_refused(smtp_server: SMTPTestServer) -> None:
    with pytest.raises(ValueError):
        mailer_for(smtp_server).send(Email(to="bob@example.com", subject="Hi\r\nBcc: eve@example.com", text="x"))
    assert smtp_server.messages == []


def test_smtp_down_then_back(smtp_server: SMTPTestServer) -> None:
    mailer = mailer_for(smtp_server)
    smtp_server.stop()
    with pytest.raises(MailUnavailable) as caught:
        mailer.send(Email(to="bob@example.com", subject="Retry me", text="x"))
    assert caught.value.code is None
    smtp_server.start()
    mailer.send(Email(to="bob@example.com", subject="Retry me", text="x"))
    assert [m["Subject"] for m in smtp_server.wait_for(1)] == ["Retry me"]


@pytest.mark.parametrize(("code", "stage"), [(451, "RCPT"), (452, "DATA"), (550, "RCPT"), (554, "DATA")])
def test_rejections_raise_mail_unavailable_with_code(smtp_server: SMTPTestServer, code: int, stage: str) -> None:
    mailer = mailer_for(smtp_server)
    smtp_server.reject_next(code, stage=stage)  # type: ignore[arg-type]
    with pytest.raises(MailUnavailable) as caught:
        mailer.send(Email(to="bob@example.com", subject="First", text="x"))
    assert caught.value.code == code
    assert smtp_server.messages == []
    mailer.send(Email(to="bob@example.com", subject="Second", text="x"))  # only the next one was rejected
    assert [m["Subject"] for m in smtp_server.wait_for(1)] == ["Second"]


@pytest.fixture
def silent_listener() -> Iterator[tuple[str, int]]:
    """A port that accepts TCP connections but never says hello."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        yield listener.getsockname()


def test_timeout_raises_mail_unavailable(silent_listener: tuple[str, int]) -> None:
    host, port = silent_listener
    mailer = SMTPMailer(host, port, FROM, timeout=0.2)
    with pytest.raises(MailUnavailable):
        mailer.send(Email(to="bob@example.com", subject="x", text="x"))


def test_a_given_message_id_is_kept_and_a_malformed_one_refused(smtp_server: SMTPTestServer) -> None:
    mailer = mailer_for(smtp_server)
    for _ in range(2):
        mailer.send(Email(to="bob@example.com", subject="Hi", text="x",
                          message_id="<booking-AB12.request.0@mynextslot.com>"))
    assert [m["Message-ID"] for m in smtp_server.wait_for(2)] == ["<booking-AB12.request.0@mynextslot.com>"] * 2
    for bad in ("booking-1@x", "<a b@x>", "<a@x>\r\nBcc: eve@example.com", "<@x>"):
        with pytest.raises(ValueError):
            mailer.send(Email(to="bob@example.com", subject="Hi", text="x", message_id=bad))
    assert len(smtp_server.messages) == 2


def test_an_answer_lost_after_the_data_says_the_mail_may_have_gone(smtp_server: SMTPTestServer) -> None:
    mailer = SMTPMailer(smtp_server.host, smtp_server.port, FROM, clock=lambda: NOW, timeout=0.3)
    smtp_server.answer_late(1.0)
    with pytest.raises(MailUnavailable) as late:
        mailer.send(Email(to="bob@example.com", subject="Late", text="x"))
    assert late.value.maybe_sent and late.value.code is None
    assert [m["Subject"] for m in smtp_server.wait_for(1)] == ["Late"], "the server did take it"
    smtp_server.stop()
    with pytest.raises(MailUnavailable) as down:
        mailer.send(Email(to="bob@example.com", subject="Down", text="x"))
    assert not down.value.maybe_sent


def test_logs_never_contain_password_or_body(smtp_server: SMTPTestServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="integrations.mail")
    mailer = SMTPMailer.from_url(f"smtp://127.0.0.1:{smtp_server.port}", FROM)
    mailer.send(Email(to="bob@example.com", subject="Hi", text="secret zoom link https://zoom.us/j/999"))
    smtp_server.stop()
    with pytest.raises(MailUnavailable):
        mailer.send(Email(to="bob@example.com", subject="Hi", text="secret zoom link https://zoom.us/j/999"))
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name == "integrations.mail")
    assert "mail sent to b***@example.com" in ours
    assert "mail not sent" in ours
    assert "zoom.us/j/999" not in ours
    secret = SMTPMailer.from_url("smtp://user:hunter2@mail.example.com:587?starttls=1", FROM)
    assert "hunter2" not in repr(secret)


# --- from_url --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", ("mail.example.com", 25, None, None, "none", 10.0)),
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, None, None, "none", 10.0)),
        ("smtp://user:pass@mail.example.com:587?starttls=1",
         ("mail.example.com", 587, "user", "pass", "starttls", 10.0)),
        ("smtp://user:pass@mail.example.com?starttls=true", ("mail.example.com", 587, "user", "pass", "starttls", 10.0)),
        ("smtp://mail.example.com:25?starttls=0", ("mail.example.com", 25, None, None, "none", 10.0)),
        ("smtp+starttls://u:p@mail.example.com", ("mail.example.com", 587, "u", "p", "starttls", 10.0)),
        ("smtps://user:pass@mail.example.com:465", ("mail.example.com", 465, "user", "pass", "ssl", 10.0)),
        ("smtps://user:pass@mail.example.com", ("mail.example.com", 465, "user", "pass", "ssl", 10.0)),
        ("smtp://mail.example.com?timeout=5", ("mail.example.com", 25, None, None, "none", 5.0)),
        ("smtps://apikey:p%40ss%3Aw%2Frd%25@smtp.example.com:465?timeout=2.5",
         ("smtp.example.com", 465, "apikey", "p@ss:w/rd%", "ssl", 2.5)),
        ("smtp://me%40example.com:pw@smtp.example.com:587?starttls=yes",
         ("smtp.example.com", 587, "me@example.com", "pw", "starttls", 10.0)),
    ],
)
def test_from_url(url: str, expected: tuple[object, ...]) -> None:
    mailer = SMTPMailer.from_url(url, FROM)
    assert (mailer.host, mailer.port, mailer.username, mailer._password, mailer.security, mailer.timeout) == expected
    assert mailer.mail_from == FROM


@pytest.mark.parametrize(
    "url",
    [
        "http://user:topsecret@mail.example.com",
        "smtp://user:topsecret@",
        "smtp://user:topsecret@mail.example.com:notaport",
        "smtp://user:topsecret@mail.example.com:70000",
        "smtp://user:topsecret@mail.example.com:0",
        "smtp://user:topsecret@mail.example.com/path",
        "smtp://user:topsecret@mail.example.com?tls=1",
        "smtp://user:topsecret@mail.example.com?starttls=maybe",
        "smtp://user:topsecret@mail.example.com?timeout=soon",
        "smtp://user:topsecret@mail.example.com?timeout=0",
        "smtps://user:topsecret@mail.example.com?starttls=1",
        "smtp://:topsecret@mail.example.com",
        "smtp://user@mail.example.com",
        "mail.example.com:25",
        "",
    ],
)
def test_from_url_rejects_bad_urls_without_leaking_the_password(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        SMTPMailer.from_url(url, FROM)
    assert "topsecret" not in str(caught.value)
    assert str(caught.value)


def test_constructor_validates() -> None:
    with pytest.raises(ValueError):
        SMTPMailer("mail.example.com", 25, FROM, security="tls")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SMTPMailer("mail.example.com", 25, FROM, username="user")


# --- ConsoleMailer ---------------------------------------------------------------------------------------------

def test_console_mailer_prints_a_summary_and_keeps_mail() -> None:
    out = io.StringIO()
    mailer: Mailer = ConsoleMailer(out)
    mail = Email(to="bob@example.com", subject="Booked", text="one\ntwo\nthree\nfour\nfive",
                 attachments=(Attachment("invite.ics", "text/calendar; method=REQUEST", b"x"),))
    mailer.send(mail)
    assert isinstance(mailer, ConsoleMailer) and mailer.sent == [mail]
    printed = out.getvalue()
    assert "to=bob@example.com" in printed and "subject=Booked" in printed
    assert "three" in printed and "four" not in printed
    assert "2 more lines" in printed
    assert "invite.ics" in printed
