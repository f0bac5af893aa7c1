"""The read-first pass (bot/conversation/handler.py, on SQLite and PostgreSQL) opens an ORM Session only when a step asks for one:
a menu, help or a typo from a known number reads only the contact. A step that needs the ORM still gets one, and
a change made to the sender without one is not lost: the message is handled again the locked way."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.conversation import handler as handler_module
from bot.core import messages as msg
from store.db import unit_of_work
from store.models import Contact


@pytest.fixture
def sessions_opened(monkeypatch):
    opened: list[object] = []
    real = handler_module.session_on

    def counted(conn, factory):
        session = real(conn, factory)
        opened.append(session)
        return session

    monkeypatch.setattr(handler_module, "session_on", counted)
    return opened


def test_a_known_numbers_menu_and_help_open_no_session(whatsapp, sessions_opened):
    user = whatsapp()
    user.send("hi")  # a first contact: the locked way, with its Session
    sessions_opened.clear()
    assert msg.OPT_HELP in user.send("menu")
    user.send("help")
    user.send("what?")
    assert sessions_opened == []


def test_a_step_that_reads_the_database_gets_a_session(whatsapp, sessions_opened):
    user = whatsapp()
    user.send("hi")
    sessions_opened.clear()
    user.send("my bookings")  # queries the customer's bookings
    assert len(sessions_opened) == 1


def test_a_change_to_the_sender_without_a_session_is_redone_the_locked_way(services, whatsapp,
                                                                          monkeypatch):
    """A step that sets an attribute of the contact and never asks for the Session: the rehearsal sees the
    contact modified and gives up, and the locked way, where the same step runs with a Session, stores it."""
    user = whatsapp()
    user.send("hi")
    real_run = handler_module.ConversationHandler._run
    runs: list[bool] = []

    def renaming(self, dialogue, state):
        runs.append(dialogue.rehearsal)
        dialogue.contact.name = "Asha"
        return real_run(self, dialogue, state)

    monkeypatch.setattr(handler_module.ConversationHandler, "_run", renaming)
    user.send("menu")
    assert runs == [True, False], "rehearsed, then handled the locked way"
    with unit_of_work(services.sessions) as session:
        assert session.scalar(select(Contact.name).where(Contact.phone == user.phone)) == "Asha"
