"""Several customers confirm the last place of the same occurrence at the same moment, each from their own thread
and test client: exactly one wins, the others are told the time was just taken and see the days again. Runs on
SQLite (BEGIN IMMEDIATE) and PostgreSQL (provider row lock + the partial unique index on seats) alike."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.core import messages as msg
from bot.services import bookings
from store import repos
from store.db import unit_of_work
from store.models import Booking, Offering
from tests.fixtures.builders import MORNINGS, make_offering
from tests.fixtures.chat import WhatsAppUser, has, post_at_once, walk
from tests.fixtures.texts import zoom_text

THREADS = 5
SLOT = datetime(2025, 4, 2, 4, 30, tzinfo=timezone.utc)  # Wed 2 Apr, 10:00 in Kolkata: day 1, time 1


@pytest.mark.parametrize("mode,capacity", [("zoom", 1), ("in_person", 3)])
def test_racing_for_the_last_place(app, services, provider, whatsapp, fake_twilio, fake_zoom, smtp_server,
                                   mode, capacity):
    offering_id = make_offering(services, provider.id, capacity=capacity, mode="online" if mode == "zoom"
                                else "in_person", address="Studio 4, Pune", windows=MORNINGS)
    now = services.clock()
    with unit_of_work(services.sessions) as session:  # all places but one already taken
        offering = session.get(Offering, offering_id)
        for i in range(capacity - 1):
            contact = repos.get_or_create_contact(session, f"+9198000000{i:02d}", now)
            session.flush()
            bookings.book(session, offering=offering, customer=contact, start=SLOT, name=f"Early {i}",
                          email=f"early{i}@example.com", timezone="Asia/Kolkata", now=now)
    phones = [f"+9198765432{i:02d}" for i in range(THREADS)]
    chats = [whatsapp(phone) for phone in phones]
    for i, chat in enumerate(chats):
        replies = walk(chat, provider.code, email=f"racer{i}@example.com", profile=f"Racer {i}")
        assert has(msg.BOOK_SUMMARY, replies["summary"])

    forms = [WhatsAppUser(None, fake_twilio, phone).form("yes") for phone in phones]
    assert post_at_once(app, fake_twilio, forms, timeout=120) == [200] * THREADS

    answers = ["\n".join(chat.new_replies()) for chat in chats]
    winners = [a for a in answers if has(msg.BOOK_CONFIRMED, a)]
    losers = [a for a in answers if msg.BOOK_SLOT_GONE in a and has(msg.BOOK_DAYS, a)]
    assert len(winners) == 1 and len(losers) == THREADS - 1, answers
    with unit_of_work(services.sessions) as session:
        taken = session.scalars(select(Booking).where(Booking.offering_id == offering_id,
                                                      Booking.start_at == SLOT,
                                                      Booking.status == "confirmed")).all()
        assert len(taken) == capacity
        assert sorted(b.seat for b in taken) == list(range(capacity))
        assert len([b for b in taken if b.customer_email.startswith("racer")]) == 1
    if mode == "zoom":
        assert len(fake_zoom.fake.meetings) == 1
        assert has(zoom_text(msg.LINK_READY), winners[0])
    winner_email = next(b.customer_email for b in taken if b.customer_email.startswith("racer"))
    sent = smtp_server.wait_for(1)
    assert [e["To"] for e in sent if e["To"].startswith("racer")] == [winner_email]
    # a loser who picks the next time gets it
    loser = chats[answers.index(losers[0])]
    loser.send("1")
    loser.send("1")
    loser.send("1")
    assert has(msg.BOOK_SUMMARY, loser.send("1"))
    assert has(msg.BOOK_CONFIRMED, loser.send("yes"))
