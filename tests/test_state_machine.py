"""The conversation graph itself: no dead ends, every offered option works where it is offered, the global words
work everywhere, and one machine per handler (not one per message)."""
from __future__ import annotations

import pytest
import transitions

from bot.dialogue.intents import MENUS, TEXT_STATES
from bot.state_machine import STATES, build_machine

STATE_NAMES = [s.name for s in STATES]


@pytest.fixture(scope="module")
def machine():
    return build_machine()


def _pairs(machine):
    for trigger, event in machine.events.items():
        for source, candidates in event.transitions.items():
            yield trigger, source, candidates


def test_every_guarded_trigger_ends_with_an_unguarded_fallback(machine):
    gaps = [(trigger, source) for trigger, source, candidates in _pairs(machine)
            if candidates and (candidates[-1].conditions)]
    assert gaps == []


@pytest.mark.parametrize("state", list(MENUS))
def test_every_menu_option_is_a_trigger_of_its_state(machine, state):
    assert state in STATE_NAMES
    for option in MENUS[state]:
        assert option.trigger in machine.get_triggers(state), option


@pytest.mark.parametrize("trigger", ["menu", "help", "cancel", "unknown", "back", "signup"])
def test_global_triggers_are_valid_from_every_state(machine, trigger):
    missing = [state for state in STATE_NAMES if trigger not in machine.get_triggers(state)]
    assert missing == []


def test_text_states_accept_answers(machine):
    for state in TEXT_STATES:
        assert "answer" in machine.get_triggers(state)


def test_every_destination_is_a_declared_state(machine):
    for trigger, source, candidates in _pairs(machine):
        for transition in candidates:
            assert transition.dest is None or transition.dest in STATE_NAMES, (trigger, source)


def test_every_state_but_start_can_be_reached(machine):
    reached = {t.dest for _, _, candidates in _pairs(machine) for t in candidates if t.dest}
    assert set(STATE_NAMES) - reached == {"start"}


def test_the_machine_is_built_once_per_handler_not_per_message(app, whatsapp, monkeypatch):
    handler = app.extensions["handler"]
    machine = handler.machine
    built = []
    original = transitions.Machine.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(transitions.Machine, "__init__", counting_init)
    user = whatsapp()
    for text in ("hi", "1", "Asha", "cancel", "help"):
        assert user.send(text)
    assert built == []
    assert handler.machine is machine
    assert machine.models == [], "each message's Dialogue is removed again"
