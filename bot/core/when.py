"""Days and clock times as people type them on WhatsApp, read against what the bot listed. Pure: the caller passes
the listed days (or times) and today's date in the person's own zone.

Days: a listed number is the caller's business; here a weekday ("fri", "Friday"), "today" / "tomorrow" /
"yesterday", a label exactly as shown ("Thu 3 Dec"), or a date ("3 Dec", "25 December", "Dec 25", "3rd of
December"). A date in the past, or a day that is not listed, is told apart from text that is no day at all, so the
reply can say which. Times: "14:30", "7:30pm", "7 pm", "7.30", "19h30", "noon".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.text import normalise

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_DAY_MONTH = re.compile(r"^(?:(?P<weekday>[a-z]+) )?(?P<day>\d{1,2})(?:st|nd|rd|th)?(?: of)? (?P<month>[a-z]+)$")
_MONTH_DAY = re.compile(r"^(?:(?P<weekday>[a-z]+) )?(?P<month>[a-z]+) (?P<day>\d{1,2})(?:st|nd|rd|th)?$")
_CLOCK = re.compile(r"^(?P<hour>\d{1,2})(?:[:.h](?P<minute>\d{2}))?\s*(?P<half>am|pm)?$")


@dataclass(frozen=True)
class DayPick:
    """What a typed day means: `index` into the listed days, or why not (`past`: before today; `not_listed`: a real
    day that has no free time; both None: not a day at all). `day` is the date understood, if any."""

    index: int | None = None
    day: date | None = None
    past: bool = False

    @property
    def not_listed(self) -> bool:
        return self.index is None and self.day is not None and not self.past


def _month(word: str) -> int | None:
    if len(word) < 3:
        return None
    hits = [i for i, name in enumerate(MONTHS, 1) if name.startswith(word)]
    return hits[0] if len(hits) == 1 else None


def _weekday(word: str) -> int | None:
    if len(word) < 3:
        return None
    hits = [i for i, name in enumerate(WEEKDAYS) if name.startswith(word)]
    return hits[0] if len(hits) == 1 else None


def _date(words: str, today: date) -> date | None:
    """'3 dec', '25 december', 'dec 25', 'thu 3 dec' -> the next such date from today (this year or the next;
    a date up to a week back is taken as just past, so 'yesterday's date' reads as past, not next year)."""
    match = _DAY_MONTH.match(words) or _MONTH_DAY.match(words)
    if not match:
        return None
    month = _month(match["month"])
    weekday = match["weekday"]
    if month is None or (weekday is not None and _weekday(weekday) is None):
        return None
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, int(match["day"]))
        except ValueError:
            return None
        if candidate >= today - timedelta(days=7):
            return candidate
    return None


def pick_day(text: str, listed: list[date], today: date) -> DayPick:
    """Which of the `listed` days the person means (see the module's docstring); the first match wins."""
    words = normalise(text).replace(",", " ")
    words = re.sub(r"\s+", " ", words).strip()
    relative = {"today": today, "tomorrow": today + timedelta(days=1), "tmrw": today + timedelta(days=1),
                "tomorow": today + timedelta(days=1), "yesterday": today - timedelta(days=1)}
    wanted = relative.get(words)
    if wanted is None:
        weekday = _weekday(words)
        if weekday is not None:
            for i, day in enumerate(listed):
                if day.weekday() == weekday:
                    return DayPick(index=i, day=day)
            return DayPick(day=today + timedelta(days=(weekday - today.weekday()) % 7))
        wanted = _date(words, today)
    if wanted is None:
        return DayPick()
    if wanted < today:
        return DayPick(day=wanted, past=True)
    if wanted in listed:
        return DayPick(index=listed.index(wanted), day=wanted)
    return DayPick(day=wanted)


def parse_clock(text: str) -> tuple[int, int] | None:
    """A wall-clock time as typed: (hour, minute) on the 24-hour clock, or None."""
    words = text.casefold().replace(" ", "").replace("a.m.", "am").replace("p.m.", "pm").rstrip(".!")
    if words in ("noon", "midday", "12noon"):
        return 12, 0
    if words == "midnight":
        return 0, 0
    match = _CLOCK.match(words)
    if not match:
        return None
    hour, minute, half = int(match["hour"]), int(match["minute"] or 0), match["half"]
    if half is None and match["minute"] is None:
        return None  # a bare "7" is a list number, not a time
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return hour, minute
