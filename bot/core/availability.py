"""Weekly availability as a provider types it in chat ("Mon-Fri 10:00-13:00, Sat 9-11"), in the provider's own
time zone. Pure: parse, format canonically (parse(format(w)) == w), and convert to/from a JSON column.

A `Window` is one weekday's span of wall-clock time. 24:00 (end of day) is stored as `END_OF_DAY` (time.max),
because `time` has no 24:00; use `Window.start_minute` / `Window.end_minute` (0..1440) for arithmetic.

The problem strings are named templates below so the bot and the tests refer to them by name."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

MAX_WINDOWS = 50
MAX_PROBLEMS = 10
END_OF_DAY = time.max
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# --- problem templates ({part} is the bad part as typed) ---------------------------------------------------
EMPTY = ("Please send your weekly hours, for example “Mon-Fri 10:00-13:00, Sat 09:00-11:00”.")
UNKNOWN_DAY = "“{part}”: I don't know the day “{word}”. Use a day like Mon, Tuesday, weekdays or daily."
UNKNOWN_WORD = "“{part}”: I don't understand “{word}”. Write a day and hours, for example “Mon 09:00-12:00”."
NOT_UNDERSTOOD = "“{part}”: I couldn't read that. Write a day and hours, for example “Mon 09:00-12:00”."
BAD_TIME = "“{part}”: {time} isn't a time. Use times like 09:00, 17:30 or 5pm."
END_BEFORE_START = "“{part}”: the end time must be after the start time."
END_BEFORE_START_24H = ("“{part}”: the end time must be after the start time. I read times as 24-hour, "
                        "so for {hour} in the afternoon write {hour24}:{minute} or {hour}pm.")
OVERNIGHT = ("“{part}”: a time range can't go past midnight. Split it in two, for example "
             "“{day} {start}-24:00, {next_day} 00:00-{end}”.")
NO_RANGE = "“{part}”: give a start and an end time, for example “Mon 09:00-12:00”."
NO_DAY = "“{part}”: which day? Put the day first, for example “Mon {part}”."
NO_TIME = "“{part}”: add the hours, for example “{part} 09:00-17:00”."
TOO_MANY = "That's more than {limit} time windows. Please combine some, for example “Mon-Fri 09:00-17:00”."
MORE_PROBLEMS = "…and {count} more like these."


@dataclass(frozen=True, order=True)
class Window:
    weekday: int  # 0 = Monday .. 6 = Sunday
    start: time
    end: time  # END_OF_DAY for 24:00

    def __post_init__(self):
        if not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, not {self.weekday!r}")
        for t in (self.start, self.end):
            if not isinstance(t, time) or t.tzinfo is not None:
                raise ValueError(f"window times must be naive datetime.time values, not {t!r}")
            if t != END_OF_DAY and (t.second or t.microsecond):
                raise ValueError(f"window times are whole minutes, not {t!r}")
        if self.start == END_OF_DAY:
            raise ValueError("a window can't start at 24:00")
        if self.end_minute <= self.start_minute:
            raise ValueError(f"window end {self.end} must be after start {self.start}")

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minute(self) -> int:
        return 1440 if self.end == END_OF_DAY else self.end.hour * 60 + self.end.minute


@dataclass(frozen=True)
class ParseResult:
    """`windows`: everything understood (merged, sorted); `problems`: one message per part that wasn't."""
    windows: tuple[Window, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return bool(self.windows) and not self.problems


# --- minutes <-> text ----------------------------------------------------------------------------------------
def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _time(minute: int) -> time:
    return END_OF_DAY if minute == 1440 else time(minute // 60, minute % 60)


def _window(weekday: int, start: int, end: int) -> Window:
    return Window(weekday, _time(start), _time(end))


def merge(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Sorted by day and start; overlapping or touching windows on the same day become one."""
    merged: list[list[int]] = []
    for w in sorted(windows, key=lambda w: (w.weekday, w.start_minute, w.end_minute)):
        last = merged[-1] if merged else None
        if last and last[0] == w.weekday and w.start_minute <= last[2]:
            last[2] = max(last[2], w.end_minute)
        else:
            merged.append([w.weekday, w.start_minute, w.end_minute])
    return tuple(_window(*m) for m in merged)


# --- formatting ----------------------------------------------------------------------------------------------
def _format_days(days: list[int]) -> str:
    runs: list[list[int]] = []
    for d in days:
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[d] for d in run)
    return ", ".join(parts)


def format_availability(windows: Iterable[Window]) -> str:
    """Canonical text, e.g. "Mon-Fri 10:00-13:00, Sat 09:00-11:00"; days with the same hours are grouped, and
    a day with several windows reads "Mon 09:00-12:00, 14:00-17:00". Empty string for no windows."""
    by_day: dict[int, tuple[tuple[int, int], ...]] = {}
    for w in merge(windows):
        by_day[w.weekday] = by_day.get(w.weekday, ()) + ((w.start_minute, w.end_minute),)
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day, ranges in by_day.items():  # days in order, so groups are ordered by their first day
        groups.setdefault(ranges, []).append(day)
    return ", ".join(
        _format_days(days) + " " + ", ".join(f"{_clock(s)}-{_clock(e)}" for s, e in ranges)
        for ranges, days in groups.items()
    )


# --- JSON column ---------------------------------------------------------------------------------------------
def to_json(windows: Iterable[Window]) -> list[dict]:
    return [{"weekday": w.weekday, "start": _clock(w.start_minute), "end": _clock(w.end_minute)}
            for w in merge(windows)]


_HHMM = re.compile(r"(\d{2}):(\d{2})")


def _json_minute(value) -> int:
    m = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if not m or int(m[2]) > 59 or int(m[1]) * 60 + int(m[2]) > 1440:
        raise ValueError(f"not an HH:MM time: {value!r}")
    return int(m[1]) * 60 + int(m[2])


def from_json(data) -> tuple[Window, ...]:
    """Inverse of to_json. Raises ValueError on anything malformed rather than guessing."""
    if not isinstance(data, list):
        raise ValueError("availability JSON must be a list")
    windows = []
    for item in data:
        if not isinstance(item, dict) or set(item) != {"weekday", "start", "end"}:
            raise ValueError(f"bad availability item: {item!r}")
        if isinstance(item["weekday"], bool):
            raise ValueError(f"bad weekday: {item!r}")
        start, end = _json_minute(item["start"]), _json_minute(item["end"])
        if start == 1440:
            raise ValueError(f"a window can't start at 24:00: {item!r}")
        windows.append(_window(item["weekday"], start, end))
    return merge(windows)


# --- parsing -------------------------------------------------------------------------------------------------
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GROUPS = {
    "weekdays": (0, 1, 2, 3, 4), "weekday": (0, 1, 2, 3, 4), "workdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6), "weekend": (5, 6),
    "daily": tuple(range(7)), "everyday": tuple(range(7)),
}
_EXTRA_DAYS = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_FILLER = {"every", "each", "on", "from", "and", "at"}
_DASH_WORDS = {"to", "till", "til", "until"}
_TIME_WORDS = {"noon": 720, "midday": 720, "midnight": 0}


def _day(word: str) -> int | None:
    """Full names, 2-letter and longer prefixes ("mo", "tue", "wednes"), plurals ("mondays")."""
    if word in _EXTRA_DAYS:
        return _EXTRA_DAYS[word]
    for i, name in enumerate(_FULL_NAMES):
        if len(word) >= 2 and (name.startswith(word) or word == name + "s"):
            return i
    return None


_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<time>(?P<h>\d+)(?:[:.h](?P<m>\d+)|h\b)?(?:\s*(?P<ap>[ap])\.?\s?m\b\.?)?)
      | (?P<dash>[-\u2010-\u2015\u2212~])
      | (?P<word>[^\W\d_]+\.?)
      | (?P<conn>[&+/:.!()])
      | (?P<other>.)""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass
class _Tok:
    kind: str  # day | days | time | dash | filler | word | other
    text: str
    start: int
    end: int
    value: object = None


def _word(word: str) -> tuple[str, object]:
    """Kind and value of a word: ("day", 0), ("days", (5, 6)), ("time", "noon"), ("dash", None), ..."""
    if word in _DASH_WORDS:
        return "dash", None
    if word in _GROUPS:
        return "days", _GROUPS[word]
    if word in _TIME_WORDS:
        return "time", word
    if word in _FILLER:
        return "filler", word
    day = _day(word)
    return ("day", day) if day is not None else ("word", None)


def _tokens(chunk: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(chunk):
        kind, text = m.lastgroup, m.group()
        if kind == "space":
            continue
        if kind in ("h", "m", "ap", "time"):
            toks.append(_Tok("time", text, m.start(), m.end(), (m["h"], m["m"], (m["ap"] or "").lower())))
        elif kind == "word":
            word = _fold(text.rstrip("."))
            prev = toks[-1] if toks else None
            if word in ("day", "days") and prev is not None and prev.value == "every":  # "every day"
                prev.kind, prev.value, prev.end = "days", tuple(range(7)), m.end()
            else:
                word_kind, value = _word(word)
                toks.append(_Tok(word_kind, text.rstrip("."), m.start(), m.end(), value))
        else:
            toks.append(_Tok("filler" if kind == "conn" else kind, text, m.start(), m.end()))
    return toks


class _Problem(Exception):
    def __init__(self, template: str, **fields):
        super().__init__(template)
        self.template, self.fields = template, fields


@dataclass
class _Clock:
    """One typed time before am/pm resolution."""
    text: str
    hour: int
    minute: int
    ap: str  # "", "a" or "p"
    word: str | None = None  # noon / midnight


def _clock_token(tok: _Tok) -> _Clock:
    if isinstance(tok.value, str):  # noon, midnight
        minute = _TIME_WORDS[tok.value]
        return _Clock(tok.text, minute // 60, 0, "", word=tok.value)
    h, m, ap = tok.value
    text = tok.text.strip()
    if len(h) > 2 or (m is not None and len(m) != 2):
        raise _Problem(BAD_TIME, time=text)
    hour, minute = int(h), int(m or 0)
    if minute > 59 or (ap and not 1 <= hour <= 12) or hour > 24 or (hour == 24 and minute):
        raise _Problem(BAD_TIME, time=text)
    return _Clock(text, hour, minute, ap)


def _minute(c: _Clock, ap: str, *, end: bool) -> int:
    if c.word == "midnight":
        return 1440 if end else 0
    if not ap:
        return c.hour * 60 + c.minute
    value = (c.hour % 12) * 60 + c.minute + (720 if ap == "p" else 0)
    return 1440 if end and value == 0 else value


def _range(first: _Clock, second: _Clock) -> tuple[int, int]:
    """Resolve am/pm the way people mean it: "9-5pm" is 9am-5pm, "2-5pm" is 2pm-5pm, "9am-5" is 9am-5pm."""
    s_ap, e_ap = first.ap, second.ap
    if e_ap and not s_ap and not first.word and first.hour <= 12:
        same = _minute(first, e_ap, end=False)
        s_ap = e_ap if same < _minute(second, e_ap, end=True) else "a"
    elif s_ap and not e_ap and not second.word and 1 <= second.hour <= 12:
        same = _minute(second, s_ap, end=True)
        e_ap = s_ap if same > _minute(first, s_ap, end=False) else "p"
    return _minute(first, s_ap, end=False), _minute(second, e_ap, end=True)


def _check_range(first: _Clock, second: _Clock, days: tuple[int, ...]) -> tuple[int, int]:
    start, end = _range(first, second)
    if end > start:
        return start, end
    if start >= 18 * 60 and end <= 6 * 60 and len(days) == 1:
        day = days[0]
        raise _Problem(OVERNIGHT, day=DAY_NAMES[day], next_day=DAY_NAMES[(day + 1) % 7],
                       start=_clock(start), end=_clock(end))
    if not (first.ap or second.ap or second.word) and 1 <= second.hour < 12 and end < start < end + 720:
        raise _Problem(END_BEFORE_START_24H, hour=second.hour, hour24=second.hour + 12,
                       minute=f"{second.minute:02d}")
    raise _Problem(END_BEFORE_START)


@dataclass
class _Part:
    """A stretch of the input that reads "days ranges": days or ranges may be missing."""
    start: int
    end: int
    days: list[int]
    ranges: list[tuple[_Clock, _Clock]]


def _parts(toks: list[_Tok]) -> list[_Part]:
    """Group a chunk's tokens: days (single, ranges like mon-fri, groups), then time ranges. Days after a time
    range start a new part, so "Mon 9-12 Tue 14-16" is two parts."""
    parts: list[_Part] = []
    i = 0
    current: _Part | None = None
    while i < len(toks):
        tok = toks[i]
        if current is None or (tok.kind in ("day", "days") and current.ranges):
            current = _Part(tok.start, tok.end, [], [])
            parts.append(current)
        current.end = max(current.end, tok.end)
        if tok.kind == "filler":
            i += 1
        elif tok.kind == "days":
            current.days.extend(tok.value)
            i += 1
        elif tok.kind == "day":
            if i + 2 < len(toks) and toks[i + 1].kind == "dash" and toks[i + 2].kind == "day":
                first, last = tok.value, toks[i + 2].value
                current.days.extend((first + k) % 7 for k in range((last - first) % 7 + 1))
                current.end = toks[i + 2].end
                i += 3
            else:
                current.days.append(tok.value)
                i += 1
        elif tok.kind == "dash" and current.days and not current.ranges and i + 1 < len(toks) \
                and toks[i + 1].kind == "time":
            i += 1  # "Mon - 9-12": a stray dash between the days and the hours
        elif tok.kind == "time":
            if i + 2 < len(toks) and toks[i + 1].kind == "dash" and toks[i + 2].kind == "time":
                current.ranges.append((_clock_token(tok), _clock_token(toks[i + 2])))
                current.end = toks[i + 2].end
                i += 3
            else:
                _clock_token(tok)  # a bad time is the more useful message
                raise _Problem(NO_RANGE)
        elif tok.kind == "word":
            raise _Problem(UNKNOWN_WORD if current.ranges else UNKNOWN_DAY, word=_show(tok.text, 30))
        else:
            raise _Problem(NOT_UNDERSTOOD)
    # hours written before the days ("9-12 Mon"): join a days-less part with the hours-less part after it
    joined: list[_Part] = []
    for part in parts:
        prev = joined[-1] if joined else None
        if prev and prev.ranges and not prev.days and part.days and not part.ranges:
            prev.days, prev.end = part.days, part.end
        else:
            joined.append(part)
    return joined


def _show(text: str, limit: int = 60) -> str:
    shown = re.sub(r"\s+", " ", text).strip()
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def parse_availability(text: str) -> ParseResult:
    """Read weekly hours. Parts are separated by "," ";" or new lines; a part with days and no hours lends its
    days to the next part ("Tue, Thu 18-20"), and a part with hours and no days uses the days before it
    ("Mon 9-12, 14-17"). Each part that can't be read gives one problem naming it; the rest still counts."""
    if not text or not text.strip():
        return ParseResult((), (EMPTY,))
    windows: list[Window] = []
    problems: list[str] = []
    pending_start: int | None = None  # where days waiting for hours began
    pending_days: list[int] = []
    last_days: tuple[int, ...] = ()

    for chunk in re.finditer(r"[^,;\n]+", text):
        if not chunk.group().strip():
            continue
        part_start = pending_start if pending_start is not None else chunk.start()
        try:
            parts = _parts(_tokens(chunk.group()))
        except _Problem as p:
            problems.append(p.template.format(part=_show(text[part_start:chunk.end()]), **p.fields))
            pending_start, pending_days = None, []
            continue
        for part in parts:
            shown_start = pending_start if pending_start is not None else chunk.start() + part.start
            shown = _show(text[shown_start:chunk.start() + part.end])
            if not part.ranges:
                if pending_start is None:
                    pending_start = chunk.start() + part.start
                pending_days.extend(part.days)
                continue
            days = tuple(dict.fromkeys(pending_days + part.days)) or last_days
            pending_start, pending_days = None, []
            if not days:
                problems.append(NO_DAY.format(part=shown))
                continue
            try:
                spans = [_check_range(a, b, days) for a, b in part.ranges]
            except _Problem as p:
                problems.append(p.template.format(part=shown, **p.fields))
                continue
            last_days = days
            windows.extend(_window(d, s, e) for d in days for s, e in spans)
    if pending_start is not None:
        problems.append(NO_TIME.format(part=_show(text[pending_start:])))

    if not windows and not problems:  # only separators
        return ParseResult((), (EMPTY,))
    merged = merge(windows)
    if len(merged) > MAX_WINDOWS:
        problems.append(TOO_MANY.format(limit=MAX_WINDOWS))
        merged = merged[:MAX_WINDOWS]
    if len(problems) > MAX_PROBLEMS:
        problems = problems[:MAX_PROBLEMS] + [MORE_PROBLEMS.format(count=len(problems) - MAX_PROBLEMS)]
    return ParseResult(merged, tuple(problems))
