"""bot/services/support.py as a use case: `open_ticket` records a ticket (role, effective plan, the last messages)
in the caller's unit of work, and `deliver_pending` emails it to SUPPORT_EMAIL through the real local SMTP server,
keeping it while SMTP is down. Outcomes: the ticket rows and the mail the server received."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import support
from store import repos
from store.db import unit_of_work
from store.models import SupportTicket
from tests.fixtures.builders import CUSTOMER, PROVIDER, make_provider


def open_ticket(services, phone: str, description: str) -> str:
    with unit_of_work(services.sessions) as session:
        contact = repos.get_or_create_contact(session, phone, services.clock())
        return support.open_ticket(session, contact, description, services.clock()).number


def tickets(services) -> list[SupportTicket]:
    with unit_of_work(services.sessions) as session:
        return list(session.scalars(select(SupportTicket).order_by(SupportTicket.id)).all())


def test_a_ticket_is_emailed_to_support_once(services, smtp_server):
    number = open_ticket(services, CUSTOMER, "I did not get the link for my class")
    [ticket] = tickets(services)
    assert (ticket.status, ticket.role, ticket.plan, ticket.sent_at) == ("pending", "customer", None, None)

    assert support.deliver_pending(services) == 1
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == services.config.support_email and number in mail["Subject"]
    assert "I did not get the link for my class" in mail.get_content()
    assert CUSTOMER not in mail["Subject"], "the subject shows a masked number"
    [sent] = tickets(services)
    assert sent.status == "sent" and sent.sent_at == services.clock()
    assert support.deliver_pending(services) == 0 and len(smtp_server.messages) == 1


def test_a_providers_ticket_names_the_effective_plan(services, clock, smtp_server):
    make_provider(services, since=clock.now - timedelta(days=15))  # a trial that has ended
    open_ticket(services, PROVIDER, "Where is my Zoom button?")
    [ticket] = tickets(services)
    assert (ticket.role, ticket.plan) == ("provider", "free")


def test_smtp_down_keeps_the_tickets_and_both_go_once_it_is_back(services, smtp_server):
    open_ticket(services, CUSTOMER, "First problem, explained")
    open_ticket(services, CUSTOMER, "Second problem, explained")
    smtp_server.stop()
    assert support.deliver_pending(services) == 0
    assert [t.status for t in tickets(services)] == ["pending", "pending"]

    smtp_server.start()
    assert support.deliver_pending(services) == 2
    assert len(smtp_server.wait_for(2)) == 2
    assert [t.status for t in tickets(services)] == ["sent", "sent"]


def test_a_ticket_left_sending_by_a_dead_process_is_sent_again(services, clock, smtp_server):
    open_ticket(services, CUSTOMER, "Stuck while sending")
    with unit_of_work(services.sessions) as session:
        ticket = session.scalars(select(SupportTicket)).one()
        ticket.status, ticket.claimed_at = "sending", clock.now
    assert support.requeue_stale(services) == 0, "a fresh claim is left alone"
    clock.advance(seconds=support.STALE_CLAIM.total_seconds() + 1)
    assert support.requeue_stale(services) == 1
    assert support.deliver_pending(services) == 1 and len(smtp_server.wait_for(1)) == 1


def test_asking_a_person_opens_a_ticket_and_emails_it_after_commit(services, smtp_server):
    with unit_of_work(services.sessions) as session:
        customer = repos.get_or_create_contact(session, CUSTOMER, services.clock())
        opened = support.ask_a_person(session, services, customer, "My link never arrived", services.clock())
    assert smtp_server.messages == []  # nothing is mailed before the ticket is committed
    opened.then()
    [mail] = smtp_server.wait_for(1)
    assert opened.number in mail["Subject"]
    with unit_of_work(services.sessions) as session:
        assert session.scalars(select(SupportTicket.status)).one() == "sent"
