"""The choices a reply offers, as data. A text menu ("1. Book a session") and WhatsApp's reply buttons and list
pickers are two drawings of one `Offer`: the same choices, in the same order, so "3" typed and the third row tapped
mean the same thing.

A tapped button or row comes back with the id it was sent with: `<nonce>|<key>`, where the nonce names the offer
(its state, text and keys) and the key the choice (a menu option's trigger, or a listed value: an id, an ISO day or
time). `resolve` maps a tap to the number it stands for in the offer the person has now, or says it is stale (a list
from yesterday, a slot list redrawn since) - never to another choice. Pure: no database, no Twilio."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bot.core import messages as msg

# WhatsApp's limits for session messages (../shared/specs/README.md, Twilio's Content API facts).
BODY_MAX = 1024
BUTTONS_MAX, BUTTON_TITLE_MAX = 3, 20
ROWS_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX, LIST_BUTTON_MAX = 10, 24, 72, 20
ID_MAX = 200
PAGE_MARK = ">"  # the key of a "More…" / "Back" row: ">2" is page 2
SEPARATOR = "|"


@dataclass(frozen=True)
class Choice:
    key: str  # a menu option's trigger, or the listed value it stands for
    title: str  # the label the numbered text shows
    description: str = ""  # a list row's second line ("6 times, 10:00 to 15:00")


class Numbered(str):
    """Numbered lines of text that remember the choices they show: what a step passes as a template's {options},
    so that `Dialogue.say` knows the reply offers them."""

    choices: tuple[Choice, ...]
    lead: str  # a line before the numbered ones that belongs to the question (kept when they are drawn as a list)

    def __new__(cls, text: str, choices: Iterable[Choice], lead: str = "") -> "Numbered":
        made = super().__new__(cls, f"{lead}\n{text}" if lead else text)
        made.choices, made.lead = tuple(choices), lead
        return made


def numbered(choices: Sequence[Choice], lines: Sequence[str] | None = None, lead: str = "") -> Numbered:
    """The choices as numbered text (their own `lines` when the step draws them richer than "N. title"), after
    `lead` if given."""
    if lines is None:
        lines = [msg.OPTION_LINE.format(number=i, label=c.title) for i, c in enumerate(choices, 1)]
    return Numbered("\n".join(lines), choices, lead)


@dataclass(frozen=True)
class Row:
    """One button or list row as sent: the id that comes back, the title and description shown."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Offer:
    """What one reply offers: its text without the numbered lines (`body`), the choices, and the state whose answer
    they are (the conversation's state once the message is handled)."""

    body: str
    choices: tuple[Choice, ...]
    state: str = ""
    typed: bool = False  # a tap stands for typing its key ("yes", "skip": a question that names its answers)

    @cached_property
    def nonce(self) -> str:
        seen = "\x1f".join((self.state, self.body, str(self.typed), *(c.key for c in self.choices)))
        return hashlib.blake2s(seen.encode(), digest_size=5).hexdigest()

    def tap_id(self, key: str) -> str:
        return f"{self.nonce}{SEPARATOR}{key}"[:ID_MAX]

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "body": self.body, "typed": self.typed,
                "choices": [[c.key, c.title, c.description] for c in self.choices]}

    @classmethod
    def from_json(cls, data: Any) -> "Offer | None":
        """The offer stored with the conversation; None for anything else (an older shape, a damaged value)."""
        try:
            return cls(body=str(data["body"]), state=str(data["state"]), typed=bool(data.get("typed")),
                       choices=tuple(Choice(str(k), str(t), str(d)) for k, t, d in data["choices"]))
        except (KeyError, TypeError, ValueError):
            return None

    # -- how WhatsApp draws it -----------------------------------------------------------------------------------

    @property
    def as_buttons(self) -> bool:
        """Two or three short choices without a second line: reply buttons; anything else is a list."""
        return (len(self.choices) <= BUTTONS_MAX
                and all(len(c.title) <= BUTTON_TITLE_MAX and not c.description for c in self.choices))

    @property
    def pages(self) -> int:
        return len(_page_starts(len(self.choices)))

    def rows(self, page: int = 1) -> list[Row]:
        """The rows of one page: every choice when they fit in one list (10), else pages of 9 and a "More…" row,
        later pages with a "Back" row too (at most 10 rows each)."""
        if self.as_buttons:
            return [Row(self.tap_id(c.key), c.title) for c in self.choices]
        starts = _page_starts(len(self.choices))
        page = min(max(page, 1), len(starts))
        start = starts[page - 1]
        end = starts[page] if page < len(starts) else len(self.choices)
        rows = [_row(self, c) for c in self.choices[start:end]]
        if len({row.title for row in rows}) < len(rows):  # split labels that read alike ("Customers: ..."): cut
            rows = [_row(self, c, split=False) for c in self.choices[start:end]]
        described = any(row.description for row in rows)
        count = len(self.choices)
        if page < len(starts):
            rows.append(Row(self.tap_id(f"{PAGE_MARK}{page + 1}"), msg.LIST_MORE, msg.LIST_MORE_DESCRIPTION.format(
                first=end + 1, last=_page_end(starts, page + 1, count), count=count) if described else ""))
        if page > 1:
            rows.append(Row(self.tap_id(f"{PAGE_MARK}{page - 1}"), msg.LIST_BACK, msg.LIST_MORE_DESCRIPTION.format(
                first=starts[page - 2] + 1, last=start, count=count) if described else ""))
        return rows

    def page_text(self, page: int | None = None) -> str:
        """The offer as numbered text (one page of it, numbered as in the whole list), for when it cannot go as
        buttons or a list."""
        starts = _page_starts(len(self.choices))
        first, end = 0, len(self.choices)
        if page is not None:
            page = min(max(page, 1), len(starts))
            first, end = starts[page - 1], starts[page] if page < len(starts) else len(self.choices)
        lines = [msg.OPTION_LINE.format(number=i + 1, label=_label(c))
                 for i, c in enumerate(self.choices) if first <= i < end]
        return "\n".join((self.body, "", *lines)) if self.body else "\n".join(lines)


def _label(choice: Choice) -> str:
    return f"{choice.title} · {choice.description}" if choice.description else choice.title


_BREAKS = (" (", ": ", " - ", " — ")


def _row(offer: Offer, choice: Choice, split: bool = True) -> Row:
    """A choice as a list row. A label too long for a row's title is split where it pauses ("Book a session (you'll
    need the code)" → "Book a session" / "You'll need the code"), else shortened and kept whole in the second
    line."""
    title, description = choice.title, choice.description
    if len(title) > ROW_TITLE_MAX:
        cut = min((i for i in (title.find(b) for b in _BREAKS) if 3 <= i <= ROW_TITLE_MAX), default=-1)
        if split and cut > 0 and not description:
            rest = title[cut:].lstrip(" :-—")
            if rest.startswith("(") and rest.endswith(")"):
                rest = rest[1:-1]
            title, description = title[:cut], rest[:1].upper() + rest[1:]
        else:
            title, description = shorten(title, ROW_TITLE_MAX), description or title
    return Row(offer.tap_id(choice.key), title, shorten(description, ROW_DESCRIPTION_MAX))


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _page_starts(count: int) -> list[int]:
    """Where each page starts: one page up to 10 choices; else 9 on the first page (and "More…"), 8 on a middle
    page (and "More…" and "Back"), up to 9 on the last (and "Back")."""
    if count <= ROWS_MAX:
        return [0]
    starts, start = [0], ROWS_MAX - 1
    while count - start > ROWS_MAX - 1:  # what is left does not fit beside a "Back" row
        starts.append(start)
        start += ROWS_MAX - 2
    starts.append(start)
    return starts


def _page_end(starts: list[int], page: int, count: int) -> int:
    return starts[page] if page < len(starts) else count


def booking_payload(trigger: str, reference: str) -> str:
    """The ButtonPayload of a choice about one booking, from any state (a reminder's buttons): "attend:K7M2QX"."""
    return f"{trigger}:{reference}"


# -- taps -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tap:
    """What a tapped id means in the offer the person has now: `number` (the choice's 1-based number), `page` (a
    "More…" or "Back" row), or `stale` (from an older message). `ours` is False for payloads this module did not make
    (a reminder's buttons, a plain trigger): the caller reads those as before."""

    ours: bool = True
    number: int | None = None
    text: str | None = None  # what the tap stands for typing: the number, or the key of a `typed` offer
    page: int | None = None
    stale: bool = False


NOT_OURS = Tap(ours=False)


def resolve(payload: str | None, offer: Offer | None, state: str) -> Tap:
    if not payload or SEPARATOR not in payload:
        return NOT_OURS
    nonce, _, key = payload.partition(SEPARATOR)
    if offer is None or offer.state != state or offer.nonce != nonce:
        return Tap(stale=True)
    if key.startswith(PAGE_MARK) and key[1:].isdigit() and 1 <= int(key[1:]) <= offer.pages:
        return Tap(page=int(key[1:]))
    for number, choice in enumerate(offer.choices, 1):
        if offer.tap_id(choice.key) == payload:
            return Tap(number=number, text=choice.key if offer.typed else str(number))
    return Tap(stale=True)
