"""Step builders: one declarative spec per value a journey asks for in free text, turned into the four callbacks
the graph wires (`ask` on entering the state, the `ok` guard, `rejected` after a refused answer, `keep` before
leaving), so that no journey writes that quartet out per field.

A spec's callables take the Dialogue and the *subject* the value belongs to (a draft being filled in, or the saved
record being edited), so one spec serves creating and editing. `read` only reads (it is the guard); `keep` is
given what `read` returned."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from transitions import EventData

from bot.core.choices import Choice
from bot.core.text import clean_input
from bot.dialogue.context import Dialogue

Reader = Callable[[Dialogue, Any], Any]
Speaker = Callable[[Dialogue, Any], None]


def _no_values(d: Dialogue, subject: Any) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Ask:
    """How one value is asked for, read and refused.

    `prompt` and `error` are templates (`error` is given {text}: what was typed, shortened) or speakers of their
    own; `values` fills the prompt's placeholders; `read` returns the usable value or None."""

    prompt: str | Speaker
    read: Reader
    error: str | Speaker
    values: Callable[[Dialogue, Any], dict[str, Any]] = field(default=_no_values)
    answers: tuple[Choice, ...] = ()  # answers the prompt names ("or *skip*"), offered as buttons too

    def ask(self, d: Dialogue, subject: Any) -> None:
        if callable(self.prompt):
            self.prompt(d, subject)
        else:
            d.say(self.prompt, **self.values(d, subject))
        if self.answers:
            d.also_offer(list(self.answers))

    def refuse(self, d: Dialogue, subject: Any) -> None:
        if callable(self.error):
            self.error(d, subject)
        else:
            d.say(self.error, text=clean_input(d.text, 40))


class Steps(NamedTuple):
    """The callbacks of one asked value, for the graph: on_enter, conditions, after (refused), before (kept)."""

    ask: Callable[[EventData], None]
    ok: Callable[[EventData], bool]
    rejected: Callable[[EventData], None]
    keep: Callable[[EventData], None]


def ask_value(spec: Ask, subject: Callable[[Dialogue], Any], store: Callable[[Dialogue, Any, Any], None]) -> Steps:
    """The four steps of `spec`, asking about `subject(d)` and keeping the value with `store(d, subject, value)`."""

    def ask(event: EventData) -> None:
        d = event.model
        spec.ask(d, subject(d))

    def ok(event: EventData) -> bool:
        d = event.model
        return spec.read(d, subject(d)) is not None

    def rejected(event: EventData) -> None:
        d = event.model
        spec.refuse(d, subject(d))

    def keep(event: EventData) -> None:
        d = event.model
        target = subject(d)
        store(d, target, spec.read(d, target))

    return Steps(ask, ok, rejected, keep)
