"""Pure text helpers shared by the intent parser and lookups."""
from __future__ import annotations

import functools
import re
import unicodedata

_NUMBER = re.compile(r"[0-9]{1,9}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@functools.lru_cache(maxsize=4096)  # every message compares its words with the state's option labels, each normalised
def normalise(text: str) -> str:
    """Case- and accent-insensitive form: 'Ménu!! ' -> 'menu'."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
    no_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = re.sub(r"[^\w\s?'/+-]", " ", no_accents.casefold())
    words = re.sub(r"\s+", " ", cleaned).strip(" .!'-")
    return words if words == "?" else words.rstrip(" ?")


def clean_input(text: str, limit: int = 4096) -> str:
    """What we store of user text: control characters removed, whitespace trimmed, length capped; a reply that is
    only a number written in other digits ('²', '٣', '፩') becomes ASCII digits, as menus and lists expect."""
    cleaned = _CONTROL.sub("", text).strip()[:limit]
    if cleaned and not cleaned.isascii() and all(_digit(c) is not None for c in cleaned):
        cleaned = "".join(str(_digit(c)) for c in cleaned)
    return cleaned


def _digit(char: str) -> int | None:
    return unicodedata.digit(char, None)


def number(text: str) -> int | None:
    """A whole number typed as ASCII digits ('12'), else None."""
    words = text.strip()
    return int(words) if _NUMBER.fullmatch(words) else None


# What counts as "yes" when the bot asks to confirm a guess, and as "no".
YES = frozenset({"1", "yes", "y", "ok", "okay", "confirm", "correct", "si", "sure", "yep"})
NO = frozenset({"no", "n", "nope", "not", "wrong", "not really", "no thanks", "incorrect"})


def person_name(text: str) -> str | None:
    """A name as people type it (2 to 80 characters, at least one letter), whitespace tidied; else None."""
    name = re.sub(r"\s+", " ", clean_input(text, 200))
    if not 2 <= len(name) <= 80 or not re.search(r"[^\W\d_]", name):
        return None
    return name
