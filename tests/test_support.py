"""Help and support: the product guide's three troubleshooting answers for customers and providers on each plan,
and "talk to a person", a ticket emailed to SUPPORT_EMAIL over real SMTP, kept while SMTP is down."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import messages as msg
from bot.dialogue.intents import render_options, shown_options
from bot.flows.help import CUSTOMER_TOPICS
from bot.services import plans, support
from store.db import unit_of_work
from store.models import Provider, SupportTicket
from tests.fixtures.builders import make_provider
from tests.fixtures.texts import ZOOM_WORDS, zoom_options, zoom_text

PHONE = "+919940790402"


def number_of(state: str, trigger: str, shown=None) -> str:
    """The number `trigger` has as shown (all of the state's options, or those in `shown`)."""
    return str([o.trigger for o in shown_options(state, shown)].index(trigger) + 1)


def provider(services) -> Provider:
    with unit_of_work(services.sessions) as session:
        return session.scalars(select(Provider)).one()


def tickets(services) -> list[SupportTicket]:
    with unit_of_work(services.sessions) as session:
        return list(session.scalars(select(SupportTicket).order_by(SupportTicket.id)).all())


def open_help(user, shown=None) -> str:
    """Help as someone sees it: a provider every topic, a customer (`shown=CUSTOMER_TOPICS`) only theirs."""
    user.send("hi")
    reply = user.send("help")
    assert msg.HELP_MENU.format(options=zoom_options("help_menu", shown), support_email="support@mynextslot.test",
                                support_whatsapp="+91 9940790402") in reply
    return reply


# -- the three troubleshooting answers ---------------------------------------------------------------------------

ROLES = ["customer", "trial", "pro", "free", "trial_over"]


def as_role(role: str, services, clock) -> None:
    if role != "customer":
        make_provider(services, plan="trial" if role == "trial_over" else role, name="Asha", country="IN",
                      since=clock.now - timedelta(days=15) if role == "trial_over" else None)


@pytest.mark.parametrize("role", ROLES)
def test_cannot_find_connect_zoom_explains_the_plan(whatsapp, services, clock, role):
    as_role(role, services, clock)
    user = whatsapp(PHONE)
    if role == "customer":  # not one of a customer's topics, but its words still answer
        open_help(user, CUSTOMER_TOPICS)
        reply = user.send("connect option")
    else:
        open_help(user)
        reply = user.send(number_of("help_menu", "help_plan"))
    upgrade = msg.PLAN_UPGRADE.format(support_email=services.config.support_email)
    if role == "customer":
        assert zoom_text(msg.HELP_PLAN_NOT_PROVIDER) in reply
        assert upgrade not in reply
    else:
        found = provider(services)
        status = plans.describe(found, clock.now, ZOOM_WORDS)
        if role in ("free", "trial_over"):  # the plan's status says what connecting needs: said once
            assert status in reply
            assert zoom_text(msg.HELP_PLAN, plan_status="").strip() not in reply
        else:
            assert zoom_text(msg.HELP_PLAN, plan_status=status) in reply
        expected_status = {"trial": zoom_text(msg.PLAN_TRIAL).split(" until")[0], "pro": zoom_text(msg.PLAN_PRO), "free": zoom_text(msg.PLAN_FREE),
                           "trial_over": zoom_text(msg.PLAN_TRIAL_ENDED).split(" ended")[0]}[role]
        assert expected_status in reply
        assert (upgrade in reply) == (role in ("free", "trial_over"))
    assert msg.HELP_MORE in reply


@pytest.mark.parametrize("role", ROLES)
def test_authorization_fails_and_wrong_account_answers(whatsapp, services, clock, role):
    as_role(role, services, clock)
    user = whatsapp(PHONE)
    open_help(user, CUSTOMER_TOPICS if role == "customer" else None)
    reply = user.send("times out")
    assert zoom_text(msg.HELP_AUTH) in reply and msg.HELP_MORE in reply
    if role != "customer":
        reply = user.send(number_of("help_menu", "help_wrong_account"))
        assert zoom_text(msg.HELP_WRONG_ACCOUNT) in reply and msg.HELP_MORE in reply
    reply = user.send("Wrong Account")
    assert zoom_text(msg.HELP_WRONG_ACCOUNT) in reply


def test_back_from_the_description_returns_to_help_and_back_again_to_the_menu(whatsapp):
    user = whatsapp(PHONE)
    open_help(user, CUSTOMER_TOPICS)
    assert msg.SUPPORT_ASK in user.send("talk to a person")
    assert msg.HELP_MENU.split("\n")[0] in user.send("back")
    assert msg.CUSTOMER_MENU.format(options=render_options("customer_menu")) in user.send("back")


def test_too_short_description_is_asked_again(whatsapp, services, smtp_server):
    user = whatsapp(PHONE)
    open_help(user, CUSTOMER_TOPICS)
    user.send(number_of("help_menu", "talk_to_person", CUSTOMER_TOPICS))
    assert zoom_text(msg.SUPPORT_TOO_SHORT) in user.send("bad")
    assert tickets(services) == []


# -- talk to a person --------------------------------------------------------------------------------------------

def last_messages_section(body: str) -> list[str]:
    section = body.split("Last messages (oldest first):\n", 1)[1]
    return [line.split("] ", 1)[1] for line in section.strip().splitlines()]


def test_customer_ticket_is_emailed_with_number_role_and_the_last_10_messages(whatsapp, services, smtp_server):
    user = whatsapp(PHONE)
    sent = ["hi"] + [f"note {i:02d}" for i in range(1, 13)] + [
        "help", number_of("help_menu", "talk_to_person", CUSTOMER_TOPICS), "The Zoom link never arrives"]
    replies = [user.send(text) for text in sent]
    [ticket] = tickets(services)
    assert msg.SUPPORT_CREATED.format(ticket=ticket.number, support_email="support@mynextslot.test") in replies[-1]
    assert msg.CUSTOMER_MENU.format(options=render_options("customer_menu")) in replies[-1]

    [mail] = smtp_server.wait_for(1)
    assert smtp_server.envelopes[0].rcpt_tos == ("support@mynextslot.test",)
    assert mail["To"] == "support@mynextslot.test"
    assert ticket.number in mail["Subject"] and "customer" in mail["Subject"]
    assert PHONE not in mail["Subject"], "the subject shows a masked number"
    body = mail.get_content()
    assert f"Ticket: {ticket.number}\n" in body
    assert f"From: {PHONE} " in body
    assert "Role: customer\n" in body and "Plan: -\n" in body
    assert "The Zoom link never arrives" in body
    assert last_messages_section(body) == sent[-10:]
    assert ticket.status == "sent" and ticket.role == "customer"


def test_provider_ticket_names_role_and_effective_plan(whatsapp, services, clock, smtp_server):
    make_provider(services, name="Asha", country="IN", since=clock.now - timedelta(days=15))
    user = whatsapp(PHONE)
    open_help(user)
    user.send("human")
    reply = user.send("Please upgrade me to Pro")
    [ticket] = tickets(services)
    assert msg.SUPPORT_CREATED.format(ticket=ticket.number, support_email="support@mynextslot.test") in reply
    assert msg.PROVIDER_MENU.format(name="Asha", options=zoom_options("provider_menu")) in reply
    [mail] = smtp_server.wait_for(1)
    assert "provider" in mail["Subject"]
    body = mail.get_content()
    assert "Role: provider\n" in body and "Plan: free\n" in body and f"From: {PHONE} (Asha)" in body
    assert last_messages_section(body) == ["hi", "help", "human", "Please upgrade me to Pro"]


def test_smtp_down_keeps_the_ticket_and_sends_it_once_later(whatsapp, services, smtp_server):
    user = whatsapp(PHONE)
    open_help(user, CUSTOMER_TOPICS)
    user.send("talk")
    smtp_server.stop()
    reply = user.send("My booking page is blank")
    [ticket] = tickets(services)
    assert msg.SUPPORT_CREATED.format(ticket=ticket.number, support_email="support@mynextslot.test") in reply
    assert (ticket.status, ticket.attempts, ticket.sent_at) == ("pending", 1, None)

    assert support.deliver_pending(services) == 0  # still down: kept, no error
    assert tickets(services)[0].status == "pending"

    smtp_server.start()
    assert support.deliver_pending(services) == 1
    assert support.deliver_pending(services) == 0
    user.send("menu")  # another message later does not resend it either
    [mail] = smtp_server.wait_for(1)
    assert ticket.number in mail["Subject"] and "My booking page is blank" in mail.get_content()
    [sent] = tickets(services)
    assert sent.status == "sent" and sent.sent_at is not None
    assert len(smtp_server.messages) == 1


def test_smtp_refusing_the_mail_keeps_the_ticket(whatsapp, services, smtp_server):
    user = whatsapp(PHONE)
    open_help(user, CUSTOMER_TOPICS)
    user.send("ticket")
    smtp_server.reject_next(451)
    user.send("Everything is broken today")
    assert tickets(services)[0].status == "pending"
    assert support.deliver_pending(services) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_two_tickets_while_down_both_go_out_once(whatsapp, services, smtp_server):
    smtp_server.stop()
    for phone in (PHONE, "+447911123456"):
        user = whatsapp(phone)
        open_help(user, CUSTOMER_TOPICS)
        user.send("person")
        user.send(f"Problem for {phone}")
    assert [t.status for t in tickets(services)] == ["pending", "pending"]
    smtp_server.start()
    assert support.deliver_pending(services) == 2
    assert support.deliver_pending(services) == 0
    subjects = sorted(m["Subject"] for m in smtp_server.wait_for(2))
    assert len(subjects) == 2 and [t.number for t in tickets(services)] == sorted(s[1:11] for s in subjects)


def test_an_unexpected_mail_error_keeps_the_ticket_pending_not_stuck(whatsapp, services, smtp_server):
    class BrokenMailer:
        def send(self, email):
            raise RuntimeError("mailer bug")

    real, services.mailer = services.mailer, BrokenMailer()
    user = whatsapp(PHONE)
    open_help(user, CUSTOMER_TOPICS)
    user.send("person")
    reply = user.send("Calendar shows the wrong day")
    [ticket] = tickets(services)
    assert msg.SUPPORT_CREATED.format(ticket=ticket.number, support_email="support@mynextslot.test") in reply
    assert ticket.status == "pending"
    services.mailer = real
    assert support.deliver_pending(services) == 1
    assert len(smtp_server.wait_for(1)) == 1
