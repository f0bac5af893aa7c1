"""Days and times as people type them (bot.core.when), against the days the bot listed."""
from datetime import date

import pytest
from hypothesis import given, strategies as st

from bot.core.addresses import suggest_domain
from bot.core.when import DayPick, parse_clock, pick_day

TODAY = date(2026, 12, 3)  # a Thursday
LISTED = [date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 25)]


@pytest.mark.parametrize("typed, index", [
    ("Thu 3 Dec", 0), ("thu 3 dec", 0), ("Thu, 3 Dec", 0), ("today", 0), ("3 Dec", 0), ("3rd December", 0),
    ("tomorrow", 1), ("Fri", 1), ("friday", 1), ("Dec 4", 1), ("4th of December", 1),
    ("monday", 2), ("7 dec", 2), ("25 December", 3), ("25 dec", 3), ("December 25th", 3),
])
def test_a_listed_day_as_typed(typed, index):
    assert pick_day(typed, LISTED, TODAY) == DayPick(index=index, day=LISTED[index])


@pytest.mark.parametrize("typed, day", [("yesterday", date(2026, 12, 2)), ("1 Dec", date(2026, 12, 1)),
                                        ("Tue 1 Dec", date(2026, 12, 1))])
def test_a_past_day_is_said_to_be_past(typed, day):
    assert pick_day(typed, LISTED, TODAY) == DayPick(day=day, past=True)


@pytest.mark.parametrize("typed, day", [("sat", date(2026, 12, 5)), ("5 dec", date(2026, 12, 5)),
                                        ("2 jan", date(2027, 1, 2))])
def test_a_real_day_that_is_not_listed(typed, day):
    pick = pick_day(typed, LISTED, TODAY)
    assert pick.not_listed and pick.day == day and pick.index is None


@pytest.mark.parametrize("typed", ["someday", "1.5", "31 feb", "3 decimal", "ma", "", "the 3rd", "xyz 3 dec"])
def test_text_that_is_no_day(typed):
    assert pick_day(typed, LISTED, TODAY) == DayPick()


@pytest.mark.parametrize("typed, clock", [
    ("14:30", (14, 30)), ("7:30pm", (19, 30)), ("7:30 PM", (19, 30)), ("7pm", (19, 0)), ("7 pm", (19, 0)),
    ("7.30", (7, 30)), ("19h30", (19, 30)), ("12am", (0, 0)), ("12pm", (12, 0)), ("noon", (12, 0)),
    ("9 a.m.", (9, 0)), ("09:05", (9, 5)),
])
def test_clock_times_as_typed(typed, clock):
    assert parse_clock(typed) == clock


@pytest.mark.parametrize("typed", ["7", "25:00", "13pm", "0am", "7:60", "seven", "", "12:3"])
def test_not_a_clock_time(typed):
    assert parse_clock(typed) is None


@given(st.text(max_size=40))
def test_any_text_gives_an_answer_not_an_error(text):
    pick = pick_day(text, LISTED, TODAY)
    assert pick.index is None or 0 <= pick.index < len(LISTED)
    clock = parse_clock(text)
    assert clock is None or (0 <= clock[0] <= 23 and 0 <= clock[1] <= 59)


@pytest.mark.parametrize("typed, suggested", [
    ("ravi@gmial.con", "ravi@gmail.com"), ("ravi@gmail.co", "ravi@gmail.com"), ("Ravi@GMAIL.CMO", "Ravi@gmail.com"),
    ("a.b@hotmial.com", "a.b@hotmail.com"), ("x@yaho.com", "x@yahoo.com"), ("x@outlok.com", "x@outlook.com"),
])
def test_a_common_domain_mistyped_gets_a_suggestion(typed, suggested):
    assert suggest_domain(typed) == suggested


@pytest.mark.parametrize("typed", ["ravi@gmail.com", "ravi@example.com", "ravi@mynextslot.com", "x@gmx.de",
                                   "x@mail.com", "no-at-sign", "@gmial.con", "x@acme-consulting.in"])
def test_right_or_unknown_domains_get_none(typed):
    assert suggest_domain(typed) is None
