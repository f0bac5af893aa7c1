"""Things people do in a chat that the journeys' own tests don't: ask for help in the middle of a step and come
back, paste a booking code on its own, say "share my link", write something odd as their very first message."""
from __future__ import annotations

from sqlalchemy import select

from bot.core import messages as msg
from store.db import unit_of_work
from store.models import Conversation
from tests.fixtures.builders import PROVIDER, make_provider
from tests.fixtures.texts import zoom_text


def test_help_in_the_middle_of_creating_a_session_and_back_keeps_the_draft(services, whatsapp):
    make_provider(services)
    chat = whatsapp(PROVIDER)
    chat.send("hi")
    chat.send("create session")
    chat.send("2")
    chat.send("Evening yoga")
    chat.send("60")
    reply = chat.send("help")
    assert msg.HELP_BACK_TO_STEP in reply
    assert msg.HELP_BOOKINGS in chat.send("5")  # a topic, still in help
    reply = chat.send("back")
    assert "price" in reply.lower()  # the price question again, the step they were at
    reply = chat.send("500")
    assert msg.OPT_MODE_ONLINE in reply and msg.OPT_MODE_IN_PERSON in reply  # name and duration were kept


def test_help_from_a_menu_and_back_goes_to_the_menu(whatsapp):
    chat = whatsapp("+447700900501")
    chat.send("hi")
    assert msg.HELP_BACK_TO_STEP not in chat.send("help")
    assert msg.OPT_BOOK in chat.send("back")


def test_at_the_menu_nothing_is_offered_to_stop(whatsapp):
    chat = whatsapp("+447700900504")
    chat.send("hi")
    reply = chat.send("flibbertigibbet")
    assert msg.MENU_HINT in reply and msg.GLOBAL_HINT not in reply


def test_help_answers_where_the_link_is(whatsapp):
    chat = whatsapp("+447700900502")
    chat.send("hi")
    chat.send("help")
    assert zoom_text(msg.HELP_LINK) in chat.send("3")  # a customer's third topic


def test_a_one_word_request_for_a_person_asks_for_a_sentence(whatsapp, smtp_server):
    chat = whatsapp("+447700900503")
    chat.send("help")
    chat.send("1")  # a customer's first topic: a person
    assert zoom_text(msg.SUPPORT_TOO_SHORT) in chat.send("link?")
    assert "MNS-" in chat.send("I did not get the zoom link for my yoga class on friday")
    (mail,) = smtp_server.wait_for(1)
    assert "I did not get the zoom link" in mail.get_body(("plain",)).get_content()


def test_a_booking_code_pasted_alone_starts_a_booking(services, whatsapp):
    make_provider(services)
    from store import repos
    from store.db import unit_of_work

    with unit_of_work(services.sessions) as session:
        code = repos.provider_by_phone(session, PROVIDER).booking_code
    chat = whatsapp("+447700900504")
    chat.send("hi")
    reply = chat.send(code)
    assert msg.NOT_UNDERSTOOD.split("“")[0] not in reply
    assert "Asha Coaching" in reply
    assert "Asha Coaching" in chat.send(f"book code {code.lower()}")


def test_share_my_link_works_as_the_readme_says(services, whatsapp):
    make_provider(services)
    chat = whatsapp(PROVIDER)
    chat.send("hi")
    reply = chat.send("share my link")
    assert "wa.me/" in reply and "book%20" in reply


def test_an_odd_first_message_gets_one_welcome(whatsapp):
    reply = whatsapp("+447700900505").send("asdkjh qwpoeiru")
    assert reply.count(msg.WELCOME.format(name_part="")) == 1


def test_stop_opts_out_of_notifications_until_start(services, whatsapp, fake_twilio):
    from bot.services import outbox
    from store import repos
    from store.db import unit_of_work
    from store.models import OutboundMessage

    chat = whatsapp("+447700900506")
    chat.send("hi")
    reply = chat.send("STOP")
    assert msg.OPTED_OUT in reply and msg.OPT_BOOK not in reply

    def notify(text: str) -> OutboundMessage:  # what a provider's action or the worker would send them
        with unit_of_work(services.sessions) as session:
            contact = repos.contact_by_phone(session, "+447700900506")
            (message_id,) = outbox.queue(session, contact, [text], services.clock())
        outbox.dispatch(services, [message_id])
        with unit_of_work(services.sessions) as session:
            return session.get(OutboundMessage, message_id)

    assert notify("A reminder").status == "opted_out"
    assert "A reminder" not in fake_twilio.fake.bodies_to("whatsapp:+447700900506")
    reply = chat.send("menu")
    assert msg.OPT_BOOK in reply and msg.OPTED_IN not in reply  # their own messages still get answers
    assert notify("Still quiet").status == "opted_out"
    reply = chat.send("START")
    assert msg.OPTED_IN in reply
    assert notify("Another reminder").status != "opted_out"
    assert "Another reminder" in fake_twilio.fake.bodies_to("whatsapp:+447700900506")


def test_anyone_can_change_their_time_zone(services, whatsapp):
    from store import repos
    from store.db import unit_of_work

    chat = whatsapp("+447700900507")
    chat.send("hi")
    assert "time zone" in chat.send("change my time zone").lower()
    assert msg.SIGNUP_BAD_TIMEZONE.format(text="Atlantis") in chat.send("Atlantis")
    assert msg.TIMEZONE_SAVED.split("*")[0] in chat.send("Kolkata")
    with unit_of_work(services.sessions) as session:
        assert repos.contact_by_phone(session, "+447700900507").timezone == "Asia/Kolkata"
    make_provider(services)
    provider = whatsapp(PROVIDER)
    provider.send("hi")
    assert msg.TIMEZONE_PROVIDER_NOTE in provider.send("time zone")
    provider.send("Dubai")
    with unit_of_work(services.sessions) as session:
        assert repos.provider_by_phone(session, PROVIDER).timezone == "Asia/Dubai"


def test_a_conversation_stored_before_an_update_mid_journey_starts_again(services, whatsapp):
    """A context stored in another shape (an older release, mid-booking) is never read as if it were today's:
    the person is told, lands on the menu, and their next message works."""
    chat = whatsapp("+447700900123")
    chat.send("hi")
    with unit_of_work(services.sessions) as session:
        conversation = session.scalars(select(Conversation)).one()
        conversation.state = "book_email"
        conversation.context = {"offering_id": 1, "start": "2026-04-01T04:30:00+00:00", "name": "Ravi"}
    reply = chat.send("ravi@example.com")
    assert msg.JOURNEY_RESTARTED in reply and msg.INTERNAL_ERROR not in reply
    assert "1. " + msg.OPT_BOOK in chat.send("menu")


def test_a_current_conversation_is_not_restarted(services, whatsapp):
    chat = whatsapp("+447700900123")
    chat.send("hi")
    chat.send("book")
    reply = chat.send("ZZZZ99")
    assert msg.JOURNEY_RESTARTED not in reply and msg.BOOK_CODE_NOT_FOUND.format(code="ZZZZ99") in reply
