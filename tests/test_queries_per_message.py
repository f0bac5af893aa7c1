"""No N+1 on the per-message path: the statements a listing step runs do not grow with what it lists (my bookings
for a customer and for a provider, the agenda, my sessions, a provider's sessions to book). Counted from the
handler's start to its commit, as the engine sees them (and the handler's own statements, run on the DB-API
cursor)."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from bot.conversation.handler import ConversationHandler
from store.db import Prepared
from tests.fixtures.builders import make_booking, make_offering



@pytest.fixture
def statements(services, monkeypatch):
    """The number of statements the conversation handler ran since the last call (not the inline delivery after
    it: the worker's sender does that in production)."""
    seen, inside = [0], [False]

    def one_more(*_args) -> None:
        seen[0] += inside[0]

    event.listen(services.engine, "before_cursor_execute", one_more)
    run, handle = Prepared._run, ConversationHandler.handle

    def counted(prepared, *args, **kwargs):
        one_more()
        return run(prepared, *args, **kwargs)

    def handled(handler, inbound):
        inside[0] = True
        try:
            return handle(handler, inbound)
        finally:
            inside[0] = False

    monkeypatch.setattr(Prepared, "_run", counted)
    monkeypatch.setattr(ConversationHandler, "handle", handled)

    def since_last() -> int:
        count, seen[0] = seen[0], 0
        return count
    return since_last


def counts(chat, statements, text: str, grow, times: int = 2) -> list[int]:
    """The statements `text` costs, each time after `grow()` added more to list."""
    found = []
    for _ in range(times):
        chat.send("menu")
        statements()
        chat.send(text)
        found.append(statements())
        grow()
    return found


def test_my_bookings_for_a_customer(services, zoom_provider, customer_chat, statements):
    first, second = make_offering(services, zoom_provider.id), make_offering(services, zoom_provider.id, name="Yoga")
    made = iter(range(20))

    def more() -> None:
        for offering in (first, second):
            make_booking(services, offering, nth=next(made))

    more()
    one, three = counts(customer_chat, statements, "my bookings", more)
    assert one == three, f"2 bookings: {one} statements, 4 bookings: {three}"


def test_my_bookings_and_the_agenda_for_a_provider(services, zoom_provider, statements):
    offering = make_offering(services, zoom_provider.id)
    customers = iter(f"+4477009004{n:02d}" for n in range(20))
    made = iter(range(20))

    def more() -> None:
        phone = next(customers)
        make_booking(services, offering, phone=phone, nth=next(made))
        make_booking(services, offering, phone=phone, nth=next(made))

    more()
    assert len(set(counts(zoom_provider, statements, "my bookings", more))) == 1
    assert len(set(counts(zoom_provider, statements, "this week", more))) == 1


def test_my_sessions_and_a_providers_sessions_to_book(services, zoom_provider, customer_chat, statements):
    names = iter(f"Session {n}" for n in range(10))

    def more() -> None:
        make_offering(services, zoom_provider.id, name=next(names))
        make_offering(services, zoom_provider.id, name=next(names), mode="in_person", platform=None)

    more()
    assert len(set(counts(zoom_provider, statements, "my sessions", more))) == 1
    assert len(set(counts(customer_chat, statements, f"book {zoom_provider.code}", more))) == 1
