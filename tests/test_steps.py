"""The "ask a value" step builder (bot/dialogue/steps.py): one spec gives the four steps, about a subject."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from types import SimpleNamespace

from bot.core.text import number
from bot.dialogue.context import Dialogue, Inbound
from bot.dialogue.steps import Ask, ask_value

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@dataclass
class Box:
    size: int | None = None
    limit: int = 10


def said(text: str) -> SimpleNamespace:
    """An event as transitions gives the steps: its model is the message's Dialogue."""
    inbound = Inbound(message_sid="SM1", phone="+15550001111", text=text, received_at=NOW)
    return SimpleNamespace(model=Dialogue(services=None, opened=None, contact=None, inbound=inbound, now=NOW))


def test_templates_prompt_refuse_and_keep_into_the_subject():
    box = Box(limit=5)
    spec = Ask("Size up to {limit}?", read=lambda d, s: n if (n := number(d.text)) is not None and n <= s.limit
               else None, error="“{text}” is no size.", values=lambda d, s: {"limit": s.limit})
    steps = ask_value(spec, lambda d: box, lambda d, s, v: setattr(s, "size", v))

    event = said("hi")
    steps.ask(event)
    assert event.model.replies == ["Size up to 5?"]

    refused = said("  nine  ")
    assert steps.ok(refused) is False
    steps.rejected(refused)
    assert refused.model.replies == ["“nine” is no size."] and box.size is None

    too_big = said("7")
    assert steps.ok(too_big) is False

    kept = said("0")
    assert steps.ok(kept) is True  # a value of 0 is a value
    steps.keep(kept)
    assert box.size == 0 and kept.model.replies == []


def test_speakers_of_their_own_get_the_dialogue_and_the_subject():
    heard = []
    spec = Ask(lambda d, s: d.say(f"ask {s.limit}"), read=lambda d, s: None,
               error=lambda d, s: heard.append((d.text, s.limit)))
    steps = ask_value(spec, lambda d: Box(limit=3), lambda d, s, v: None)
    event = said("x")
    steps.ask(event)
    steps.rejected(event)
    assert event.model.replies == ["ask 3"] and heard == [("x", 3)]


def test_the_subject_is_looked_up_per_message():
    boxes = {"a": Box(), "b": Box()}
    steps = ask_value(Ask("?", read=lambda d, s: number(d.text), error="no"),
                      lambda d: boxes["b" if d.text == "2" else "a"],
                      lambda d, s, v: setattr(s, "size", v))
    steps.keep(said("1"))
    steps.keep(said("2"))
    assert (boxes["a"].size, boxes["b"].size) == (1, 2)
