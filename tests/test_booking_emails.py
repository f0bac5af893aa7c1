"""Booking emails are sent once per change and never lost: a cancel during a send still gets its email, and a
worker that died mid-send is taken over by the sweep."""
from __future__ import annotations

from bot.services import bookings, notify
from bot.worker import tasks
from integrations.mail import SMTPMailer
from store.db import unit_of_work
from store.models import Booking, SupportTicket
from tests.fixtures.builders import make_booking, make_offering


class CancelDuringSend:
    """A mailer that lets the customer cancel while the confirmation is on the wire, then delivers it."""

    def __init__(self, real, services, booking_id):
        self.real, self.services, self.booking_id, self.done = real, services, booking_id, False

    def send(self, email):
        if not self.done:
            self.done = True
            with unit_of_work(self.services.sessions) as session:
                booking = session.get(Booking, self.booking_id)
                bookings.cancel(session, booking, by="customer", now=self.services.clock())
                booking.email_status = "pending"
        self.real.send(email)


def test_a_cancel_during_the_confirmation_send_still_gets_its_email(zoom_provider, services, smtp_server):
    booking = make_booking(services, make_offering(services, mode="in_person", notice=60))
    services.mailer = CancelDuringSend(services.mailer, services, booking.id)
    assert notify.send_booking_email(services, booking.id) == "sent"
    with unit_of_work(services.sessions) as session:
        row = session.get(Booking, booking.id)
        assert (row.email_status, row.invited) == ("pending", True)
    assert notify.send_booking_email(services, booking.id) == "sent"
    mails = smtp_server.wait_for(2)
    methods = [next(p for p in m.iter_attachments()).get_content() for m in mails]
    assert "METHOD:REQUEST" in methods[0] and "METHOD:CANCEL" in methods[1]


def test_a_claim_left_by_a_dead_worker_is_taken_over(zoom_provider, services, smtp_server, clock):
    booking = make_booking(services, make_offering(services, mode="in_person", notice=60))
    with unit_of_work(services.sessions) as session:
        row = session.get(Booking, booking.id)
        row.email_status, row.email_claimed_at = "sending", clock.now
    tasks.sweep(services)
    assert smtp_server.messages == [], "a fresh claim belongs to a live worker"
    clock.advance(minutes=11)
    tasks.sweep(services)
    assert len(smtp_server.wait_for(1)) == 1


def test_a_retry_after_a_late_smtp_answer_is_the_same_email(zoom_provider, services, smtp_server,
                                                             clock, caplog):
    booking = make_booking(services, make_offering(services, mode="in_person", notice=60))
    services.mailer = SMTPMailer.from_url(smtp_server.url + "?timeout=0.5", services.config.mail_from)
    smtp_server.answer_late(1.5)  # SMTP takes the mail, but says so after the mailer stopped waiting
    assert notify.send_booking_email(services, booking.id) == "kept"
    assert notify.send_booking_email(services, booking.id) == "sent"
    first, retry = smtp_server.wait_for(2)
    assert first["Message-ID"] == retry["Message-ID"], "the retry is recognisably the same email"
    assert first["Message-ID"] == f"<booking-{booking.reference}.request.0@mynextslot.test>"
    late = [r.getMessage() for r in caplog.records if r.name == "integrations.mail" and r.levelname == "WARNING"]
    assert any(first["Message-ID"] in line and "may have been delivered" in line for line in late)
    assert "priya@example.com" not in caplog.text, "addresses are masked in the log"
    # the next version of this booking's email is a new message: the cancellation has its own Message-ID
    with unit_of_work(services.sessions) as session:
        bookings.cancel(session, session.get(Booking, booking.id), by="customer", now=clock.now)
        session.get(Booking, booking.id).email_status = "pending"
    assert notify.send_booking_email(services, booking.id) == "sent"
    cancellation = smtp_server.wait_for(3)[2]
    assert cancellation["Message-ID"] == f"<booking-{booking.reference}.cancel.1@mynextslot.test>"


def test_a_ticket_left_sending_is_sent_again(services, whatsapp, smtp_server, clock):
    user = whatsapp("+447700900321")
    user.send("help")
    user.send("4")
    with unit_of_work(services.sessions) as session:  # the process dies with the ticket claimed
        session.add(SupportTicket(contact_id=1, description="stuck", role="customer", plan=None, transcript="",
                                  status="sending", claimed_at=clock.now, created_at=clock.now))
    clock.advance(minutes=11)
    tasks.sweep(services)
    assert any("stuck" in m.get_body(("plain",)).get_content() for m in smtp_server.wait_for(1))
