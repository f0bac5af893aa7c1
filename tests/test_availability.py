"""parse_availability / format_availability / JSON: table tests for each accepted and rejected form, and
round-trip properties."""
from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import availability as av
from bot.core.availability import (
    END_OF_DAY,
    ParseResult,
    Window,
    format_availability,
    from_json,
    parse_availability,
    to_json,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def w(day: int, start: str, end: str) -> Window:
    def t(s: str) -> time:
        return END_OF_DAY if s == "24:00" else time.fromisoformat(s)
    return Window(day, t(start), t(end))


def weekdays(start: str, end: str, days=range(5)) -> tuple[Window, ...]:
    return tuple(w(d, start, end) for d in days)


@pytest.mark.parametrize("text, expected", [
    ("Mon-Fri 10:00-13:00, Sat 09:00-11:00", weekdays("10:00", "13:00") + (w(SAT, "09:00", "11:00"),)),
    ("mon 9-12", (w(MON, "09:00", "12:00"),)),
    ("Tue, Thu 18:00-20:00", (w(TUE, "18:00", "20:00"), w(THU, "18:00", "20:00"))),
    ("weekdays 9am-5pm", weekdays("09:00", "17:00")),
    ("weekends 10-14", (w(SAT, "10:00", "14:00"), w(SUN, "10:00", "14:00"))),
    ("Monday 9:30 - 11", (w(MON, "09:30", "11:00"),)),
    ("daily 07:00-08:00", weekdays("07:00", "08:00", range(7))),
    ("every day 07:00-08:00", weekdays("07:00", "08:00", range(7))),
    ("everyday 7-8", weekdays("07:00", "08:00", range(7))),
    ("weekday 9-10", weekdays("09:00", "10:00")),
    ("weekend 9-10", (w(SAT, "09:00", "10:00"), w(SUN, "09:00", "10:00"))),
    # day names: full, 3-letter, 2-letter, other prefixes, plurals, any case, accents
    ("Wednesday 9-10", (w(WED, "09:00", "10:00"),)),
    ("WED 9-10", (w(WED, "09:00", "10:00"),)),
    ("we 9-10", (w(WED, "09:00", "10:00"),)),
    ("Th 9-10", (w(THU, "09:00", "10:00"),)),
    ("thurs 9-10", (w(THU, "09:00", "10:00"),)),
    ("tues 9-10", (w(TUE, "09:00", "10:00"),)),
    ("Sundays 9-10", (w(SUN, "09:00", "10:00"),)),
    ("Mon. 9-10", (w(MON, "09:00", "10:00"),)),
    ("MÓNDAY 9-10", (w(MON, "09:00", "10:00"),)),
    ("sâ 9-10", (w(SAT, "09:00", "10:00"),)),
    ("fr 9-10", (w(FRI, "09:00", "10:00"),)),
    ("su 9-10", (w(SUN, "09:00", "10:00"),)),
    # day ranges, including over the weekend
    ("mon to wed 9-10", weekdays("09:00", "10:00", (MON, TUE, WED))),
    ("Monday – Wednesday 9-10", weekdays("09:00", "10:00", (MON, TUE, WED))),
    ("Fri-Mon 9-10", weekdays("09:00", "10:00", (MON, FRI, SAT, SUN))),
    ("Mon and Wed 9-10", (w(MON, "09:00", "10:00"), w(WED, "09:00", "10:00"))),
    ("Mon & Wed 9-10", (w(MON, "09:00", "10:00"), w(WED, "09:00", "10:00"))),
    ("Mon/Wed 9-10", (w(MON, "09:00", "10:00"), w(WED, "09:00", "10:00"))),
    ("Mon, Wed, 9-10", (w(MON, "09:00", "10:00"), w(WED, "09:00", "10:00"))),
    # separators
    ("Mon 9-10; Tue 9-10", (w(MON, "09:00", "10:00"), w(TUE, "09:00", "10:00"))),
    ("Mon 9-10\nTue 9-10\n", (w(MON, "09:00", "10:00"), w(TUE, "09:00", "10:00"))),
    ("Mon 9-10 Tue 11-12", (w(MON, "09:00", "10:00"), w(TUE, "11:00", "12:00"))),
    ("Mon: 9-10", (w(MON, "09:00", "10:00"),)),
    ("Mon - 9-10", (w(MON, "09:00", "10:00"),)),
    ("on Mon from 9 to 10", (w(MON, "09:00", "10:00"),)),
    ("  Mon 9-10 ,, ; ", (w(MON, "09:00", "10:00"),)),
    # range dashes
    ("Mon 9 to 10", (w(MON, "09:00", "10:00"),)),
    ("Mon 9–10", (w(MON, "09:00", "10:00"),)),
    ("Mon 9—10", (w(MON, "09:00", "10:00"),)),
    ("Mon 9 until 10", (w(MON, "09:00", "10:00"),)),
    # time forms
    ("Mon 9.30-10.45", (w(MON, "09:30", "10:45"),)),
    ("Mon 9h30-10h", (w(MON, "09:30", "10:00"),)),
    ("Mon 0-24", (w(MON, "00:00", "24:00"),)),
    ("Mon 00:00-24:00", (w(MON, "00:00", "24:00"),)),
    ("Mon 22:00-24:00", (w(MON, "22:00", "24:00"),)),
    ("Mon 9 am - 5 pm", (w(MON, "09:00", "17:00"),)),
    ("Mon 9a.m.-5p.m.", (w(MON, "09:00", "17:00"),)),
    ("Mon 9:30AM-1:15PM", (w(MON, "09:30", "13:15"),)),
    ("Mon 12am-12pm", (w(MON, "00:00", "12:00"),)),
    ("Mon 12pm-1pm", (w(MON, "12:00", "13:00"),)),
    ("Mon 11pm-12am", (w(MON, "23:00", "24:00"),)),
    ("Mon 9-5pm", (w(MON, "09:00", "17:00"),)),
    ("Mon 2-5pm", (w(MON, "14:00", "17:00"),)),
    ("Mon 11-1pm", (w(MON, "11:00", "13:00"),)),
    ("Mon 9am-5", (w(MON, "09:00", "17:00"),)),
    ("Mon 9am-11", (w(MON, "09:00", "11:00"),)),
    ("Mon 9am-17:00", (w(MON, "09:00", "17:00"),)),
    ("Mon noon-midnight", (w(MON, "12:00", "24:00"),)),
    ("Mon midnight-9", (w(MON, "00:00", "09:00"),)),
    # hours first
    ("9-12 Mon", (w(MON, "09:00", "12:00"),)),
    # several windows a day, inherited days, merging
    ("Mon 9-12, 14-17", (w(MON, "09:00", "12:00"), w(MON, "14:00", "17:00"))),
    ("Mon 9-12 14-17", (w(MON, "09:00", "12:00"), w(MON, "14:00", "17:00"))),
    ("Mon 9-12 and 14-17", (w(MON, "09:00", "12:00"), w(MON, "14:00", "17:00"))),
    ("Mon 14-17, Mon 9-12", (w(MON, "09:00", "12:00"), w(MON, "14:00", "17:00"))),
    ("Mon 9-12, Mon 11-14", (w(MON, "09:00", "14:00"),)),
    ("Mon 9-12, Mon 12-14", (w(MON, "09:00", "14:00"),)),
    ("Mon 9-17, Mon 10-11", (w(MON, "09:00", "17:00"),)),
    ("weekdays 9-12, Mon 11-13", (w(MON, "09:00", "13:00"),) + weekdays("09:00", "12:00", range(1, 5))),
])
def test_accepted_forms(text, expected):
    assert parse_availability(text) == ParseResult(expected, ())


def test_spelled_out_examples_format_canonically():
    assert format_availability(parse_availability("mon-fri 10-13; sat 9am-11am").windows) == \
        "Mon-Fri 10:00-13:00, Sat 09:00-11:00"
    assert format_availability(parse_availability("weekends 10-14").windows) == "Sat, Sun 10:00-14:00"
    assert format_availability(parse_availability("daily 7-8").windows) == "Mon-Sun 07:00-08:00"
    assert format_availability(parse_availability("Mon 9-12, 14-17; Tue 9-12").windows) == \
        "Mon 09:00-12:00, 14:00-17:00, Tue 09:00-12:00"
    assert format_availability(parse_availability("Mon, Wed, Fri, Sat 9-10").windows) == \
        "Mon, Wed, Fri, Sat 09:00-10:00"
    assert format_availability(parse_availability("Mon 22-24").windows) == "Mon 22:00-24:00"
    assert format_availability(()) == ""


@pytest.mark.parametrize("text, problem", [
    ("Fri 14-12", av.END_BEFORE_START.format(part="Fri 14-12")),
    ("Mon 10-10", av.END_BEFORE_START.format(part="Mon 10-10")),
    ("Mon 5pm-9am", av.END_BEFORE_START.format(part="Mon 5pm-9am")),
    ("Mon 9-5", av.END_BEFORE_START_24H.format(part="Mon 9-5", hour=5, hour24=17, minute="00")),
    ("Mon 9-5:30", av.END_BEFORE_START_24H.format(part="Mon 9-5:30", hour=5, hour24=17, minute="30")),
    ("Fri 22-02", av.OVERNIGHT.format(part="Fri 22-02", day="Fri", next_day="Sat", start="22:00", end="02:00")),
    ("Sun 21:00-1:00", av.OVERNIGHT.format(part="Sun 21:00-1:00", day="Sun", next_day="Mon", start="21:00",
                                           end="01:00")),
    ("Funday 9-10", av.UNKNOWN_DAY.format(part="Funday 9-10", word="Funday")),
    ("Tue, Funday 9-10", av.UNKNOWN_DAY.format(part="Tue, Funday 9-10", word="Funday")),
    ("M 9-10", av.UNKNOWN_DAY.format(part="M 9-10", word="M")),
    ("Mon 9-12 hrs", av.UNKNOWN_WORD.format(part="Mon 9-12 hrs", word="hrs")),
    ("Mon 25:00-26:00", av.BAD_TIME.format(part="Mon 25:00-26:00", time="25:00")),
    ("Mon 9:60-10", av.BAD_TIME.format(part="Mon 9:60-10", time="9:60")),
    ("Mon 9:5-10", av.BAD_TIME.format(part="Mon 9:5-10", time="9:5")),
    ("Mon 24:30-10", av.BAD_TIME.format(part="Mon 24:30-10", time="24:30")),
    ("Mon 13pm-14pm", av.BAD_TIME.format(part="Mon 13pm-14pm", time="13pm")),
    ("Mon 0am-1am", av.BAD_TIME.format(part="Mon 0am-1am", time="0am")),
    ("Mon 900-1000", av.BAD_TIME.format(part="Mon 900-1000", time="900")),
    ("Mon 24:00-24:00", av.END_BEFORE_START.format(part="Mon 24:00-24:00")),
    ("Mon 9", av.NO_RANGE.format(part="Mon 9")),
    ("Mon 9-", av.NO_RANGE.format(part="Mon 9-")),
    ("Mon 9-12-15", av.NOT_UNDERSTOOD.format(part="Mon 9-12-15")),
    ("Mon @ 9-12", av.NOT_UNDERSTOOD.format(part="Mon @ 9-12")),
    ("9-12", av.NO_DAY.format(part="9-12")),
    ("Tue", av.NO_TIME.format(part="Tue")),
    ("Mon 9-10, Tue", av.NO_TIME.format(part="Tue")),
    ("", av.EMPTY),
    ("   \n ", av.EMPTY),
    (" ;, \n", av.EMPTY),
])
def test_rejected_forms_name_the_part(text, problem):
    assert parse_availability(text).problems == (problem,)


def test_the_briefs_wording():
    assert parse_availability("Fri 14-12").problems[0].startswith(
        "“Fri 14-12”: the end time must be after the start time")
    assert parse_availability("Funday 9-10").problems[0].startswith(
        "“Funday 9-10”: I don't know the day “Funday”")
    assert parse_availability("Mon 25:00-26:00").problems[0].startswith(
        "“Mon 25:00-26:00”: 25:00 isn't a time")


def test_good_parts_are_kept_and_each_bad_part_gets_its_own_problem():
    result = parse_availability("Mon 9-12, Funday 9-10\nFri 14-12; Sat 10-11")
    assert result.windows == (w(MON, "09:00", "12:00"), w(SAT, "10:00", "11:00"))
    assert result.problems == (av.UNKNOWN_DAY.format(part="Funday 9-10", word="Funday"),
                               av.END_BEFORE_START.format(part="Fri 14-12"))
    assert not result.ok
    assert parse_availability("Mon 9-12").ok


def test_long_parts_are_shortened_in_problems():
    problem = parse_availability("Mon " + "x" * 200 + " 9-10").problems[0]
    assert len(problem) < 250 and "…" in problem


def test_at_most_fifty_windows():
    fifty = ", ".join(f"{day} {h}:00-{h}:30" for day in av.DAY_NAMES for h in range(10, 17)) + ", Mon 20-21"
    assert parse_availability(fifty) == ParseResult(parse_availability(fifty).windows, ())
    assert len(parse_availability(fifty).windows) == 50
    too_many = fifty + ", Tue 20-21"
    result = parse_availability(too_many)
    assert result.problems == (av.TOO_MANY.format(limit=50),)
    assert len(result.windows) == 50


def test_many_problems_are_capped():
    result = parse_availability(", ".join(f"Funday{i} 9-10" for i in range(30)))
    assert len(result.problems) == av.MAX_PROBLEMS + 1
    assert result.problems[-1] == av.MORE_PROBLEMS.format(count=20)


def test_window_validates_itself():
    with pytest.raises(ValueError):
        Window(7, time(9), time(10))
    with pytest.raises(ValueError):
        Window(0, time(10), time(9))
    with pytest.raises(ValueError):
        Window(0, time(9, 0, 30), time(10))
    with pytest.raises(ValueError):
        Window(0, END_OF_DAY, END_OF_DAY)
    assert w(MON, "23:00", "24:00").end_minute == 1440


def test_json_round_trip_and_shape():
    windows = parse_availability("Mon-Fri 10:00-13:00, Sat 09:00-11:00, Sun 22-24").windows
    data = to_json(windows)
    assert data[0] == {"weekday": 0, "start": "10:00", "end": "13:00"}
    assert data[-1] == {"weekday": 6, "start": "22:00", "end": "24:00"}
    assert from_json(data) == windows


@pytest.mark.parametrize("data", [
    None, {"weekday": 0}, [{"weekday": 0, "start": "10:00"}], [{"weekday": 7, "start": "10:00", "end": "11:00"}],
    [{"weekday": True, "start": "10:00", "end": "11:00"}], [{"weekday": 0, "start": "10:00", "end": "09:00"}],
    [{"weekday": 0, "start": "9:00", "end": "10:00"}], [{"weekday": 0, "start": "24:00", "end": "24:00"}],
    [{"weekday": 0, "start": "10:60", "end": "11:00"}], [{"weekday": 0, "start": "10:00", "end": "24:01"}],
    [{"weekday": 0, "start": 600, "end": "11:00"}],
    [{"weekday": 0, "start": "10:00", "end": "11:00", "extra": 1}],
])
def test_from_json_rejects_malformed_data(data):
    with pytest.raises(ValueError):
        from_json(data)


# --- properties ------------------------------------------------------------------------------------------------
@st.composite
def windows_strategy(draw):
    items = draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1439), st.integers(1, 1440)),
                          max_size=12))
    return av.merge(av._window(d, min(a, b), max(a, b)) for d, a, b in items if a != b)


@settings(max_examples=300, deadline=None)
@given(windows_strategy())
def test_parse_of_format_round_trips(windows):
    text = format_availability(windows)
    if windows:
        assert parse_availability(text) == ParseResult(windows, ())
        assert format_availability(parse_availability(text).windows) == text
    assert from_json(to_json(windows)) == windows


_DAY_SPELLINGS = ["Mon", "monday", "TU", "Wed", "thursday", "fri", "Sat", "sunday", "weekdays", "weekends",
                  "daily", "Mon-Fri", "sat to sun"]
_TIME_SPELLINGS = ["9-12", "09:00-12:00", "9am-12pm", "13:30-14", "1pm-3pm", "0-24", "7 to 8", "10:15–11:45"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_DAY_SPELLINGS), st.sampled_from(_TIME_SPELLINGS)), min_size=1,
                max_size=8), st.sampled_from([", ", "; ", "\n"]))
def test_format_of_parse_is_a_fixed_point(parts, separator):
    text = separator.join(f"{d} {t}" for d, t in parts)
    parsed = parse_availability(text)
    assert parsed.problems == ()
    canonical = format_availability(parsed.windows)
    assert parse_availability(canonical).windows == parsed.windows
    assert format_availability(parse_availability(canonical).windows) == canonical


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_gives_valid_windows_or_problems(text):
    result = parse_availability(text)
    assert result.windows or result.problems
    assert len(result.windows) <= av.MAX_WINDOWS
    assert result.windows == av.merge(result.windows)
