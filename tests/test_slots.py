"""free_slots / group_by_day / format_slot: daylight-saving changes in London and New York, customer zones, and
properties over random windows, zones and clocks."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.availability import Window, merge, parse_availability
from bot.core.slots import format_slot, format_slot_with_zone, free_slots, group_by_day

LONDON, NEW_YORK, KOLKATA = "Europe/London", "America/New_York", "Asia/Kolkata"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours(text: str):
    result = parse_availability(text)
    assert not result.problems
    return result.windows


def test_a_daily_london_slot_moves_an_hour_in_utc_when_summer_time_starts():
    slots = free_slots(windows=hours("daily 09:00-10:00"), provider_tz=LONDON, duration_minutes=60,
                       now=utc(2026, 3, 26, 0, 0), days=6)
    assert slots == [utc(2026, 3, 26, 9), utc(2026, 3, 27, 9), utc(2026, 3, 28, 9),
                     utc(2026, 3, 29, 8), utc(2026, 3, 30, 8), utc(2026, 3, 31, 8)]


def test_a_daily_london_slot_moves_back_when_summer_time_ends():
    slots = free_slots(windows=hours("daily 9-10"), provider_tz=LONDON, duration_minutes=60,
                       now=utc(2026, 10, 23, 12), days=4)  # BST ends Sun 25 Oct 2026
    assert slots == [utc(2026, 10, 24, 8), utc(2026, 10, 25, 9), utc(2026, 10, 26, 9)]


def test_new_york_slots_across_both_changes():
    spring = free_slots(windows=hours("daily 9-10"), provider_tz=NEW_YORK, duration_minutes=60,
                        now=utc(2026, 3, 7, 6), days=2)  # 01:00 local
    assert spring == [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)]
    autumn = free_slots(windows=hours("daily 9-10"), provider_tz=NEW_YORK, duration_minutes=60,
                        now=utc(2026, 10, 31, 5), days=2)
    assert autumn == [utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)]


def test_spring_forward_gap_is_skipped():
    # 2026-03-08 in New York: 02:00 EST jumps to 03:00 EDT, so 02:00 and 02:30 don't exist.
    slots = free_slots(windows=hours("Sun 01:00-04:00"), provider_tz=NEW_YORK, duration_minutes=30,
                       now=utc(2026, 3, 8, 5), days=1)  # local midnight
    assert [format_slot(s, NEW_YORK) for s in slots] == \
        ["Sun 8 Mar, 01:00", "Sun 8 Mar, 01:30", "Sun 8 Mar, 03:00", "Sun 8 Mar, 03:30"]
    assert slots == [utc(2026, 3, 8, 6), utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 7), utc(2026, 3, 8, 7, 30)]


def test_a_slot_that_would_run_past_the_window_because_of_the_gap_is_dropped():
    # 01:00 EST + 2 h is 04:00 EDT, after the window's 03:30 end; 02:00 doesn't exist; 03:00 + 2 h is too late.
    assert free_slots(windows=hours("Sun 01:00-03:30"), provider_tz=NEW_YORK, duration_minutes=120,
                      step_minutes=60, now=utc(2026, 3, 8, 5), days=1) == []


def test_fall_back_overlap_is_generated_once_at_the_first_occurrence():
    # 2026-11-01 in New York: 01:00-02:00 happens twice (EDT, then EST); 01:30 is offered once, as 05:30Z.
    slots = free_slots(windows=hours("Sun 00:00-03:00"), provider_tz=NEW_YORK, duration_minutes=30,
                       now=utc(2026, 11, 1, 4), days=1)  # local midnight
    assert slots == [utc(2026, 11, 1, 4), utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 5), utc(2026, 11, 1, 5, 30),
                     utc(2026, 11, 1, 7), utc(2026, 11, 1, 7, 30)]
    assert slots.count(utc(2026, 11, 1, 5, 30)) == 1 and utc(2026, 11, 1, 6, 30) not in slots
    assert datetime(2026, 11, 1, 1, 30, tzinfo=ZoneInfo(NEW_YORK)).astimezone(UTC) == utc(2026, 11, 1, 5, 30)


def test_slot_must_end_inside_its_window_and_24_00_is_the_end_of_the_day():
    assert free_slots(windows=hours("Mon 9-10:30"), provider_tz="UTC", duration_minutes=60,
                      now=utc(2026, 3, 9), days=1) == [utc(2026, 3, 9, 9)]
    assert free_slots(windows=hours("Mon 9-10:30"), provider_tz="UTC", duration_minutes=60, step_minutes=30,
                      now=utc(2026, 3, 9), days=1) == [utc(2026, 3, 9, 9), utc(2026, 3, 9, 9, 30)]
    assert free_slots(windows=hours("Mon 22-24"), provider_tz="UTC", duration_minutes=60,
                      now=utc(2026, 3, 9), days=1) == [utc(2026, 3, 9, 22), utc(2026, 3, 9, 23)]
    assert free_slots(windows=hours("Mon 9-9:45"), provider_tz="UTC", duration_minutes=60,
                      now=utc(2026, 3, 9), days=1) == []


def test_several_windows_on_a_day_and_overlapping_windows():
    windows = (Window(0, time(9), time(11)), Window(0, time(10), time(12)), Window(0, time(14), time(15)))
    assert free_slots(windows=windows, provider_tz="UTC", duration_minutes=60, now=utc(2026, 3, 9), days=1) == \
        [utc(2026, 3, 9, 9), utc(2026, 3, 9, 10), utc(2026, 3, 9, 11), utc(2026, 3, 9, 14)]


def test_notice_and_now_drop_early_slots():
    windows = hours("Mon 9-13")
    common = dict(windows=windows, provider_tz="UTC", duration_minutes=60, days=1)
    assert free_slots(now=utc(2026, 3, 9, 10), **common) == [utc(2026, 3, 9, 10), utc(2026, 3, 9, 11),
                                                              utc(2026, 3, 9, 12)]
    assert free_slots(now=utc(2026, 3, 9, 10, 1), **common) == [utc(2026, 3, 9, 11), utc(2026, 3, 9, 12)]
    assert free_slots(now=utc(2026, 3, 9, 8), min_notice_minutes=180, **common) == [utc(2026, 3, 9, 11),
                                                                                      utc(2026, 3, 9, 12)]


def test_taken_slots_are_dropped():
    booked = {utc(2026, 3, 9, 10)}
    assert free_slots(windows=hours("Mon 9-12"), provider_tz="UTC", duration_minutes=60, now=utc(2026, 3, 9),
                      days=1, taken=booked.__contains__) == [utc(2026, 3, 9, 9), utc(2026, 3, 9, 11)]


def test_days_are_counted_from_today_in_the_providers_zone():
    # 23:30Z on Tue 10 Mar is already Wed 11 Mar, 05:00 in Kolkata: the first day offered is Wednesday.
    slots = free_slots(windows=hours("daily 9-10"), provider_tz=KOLKATA, duration_minutes=60,
                       now=utc(2026, 3, 10, 23, 30), days=2)
    assert slots == [utc(2026, 3, 11, 3, 30), utc(2026, 3, 12, 3, 30)]
    assert free_slots(windows=hours("daily 9-10"), provider_tz=KOLKATA, duration_minutes=60,
                      now=utc(2026, 3, 10, 23, 30), days=0) == []


def test_now_can_be_in_any_zone():
    now = datetime(2026, 3, 9, 10, tzinfo=ZoneInfo(KOLKATA))  # 04:30Z
    assert free_slots(windows=hours("Mon 4-6"), provider_tz="UTC", duration_minutes=30, now=now, days=1) == \
        [utc(2026, 3, 9, 4, 30), utc(2026, 3, 9, 5), utc(2026, 3, 9, 5, 30)]


@pytest.mark.parametrize("kwargs", [
    dict(now=datetime(2026, 3, 9, 9)), dict(duration_minutes=0), dict(step_minutes=0), dict(days=-1),
    dict(min_notice_minutes=-5),
])
def test_bad_arguments_are_refused(kwargs):
    args = dict(windows=hours("Mon 9-12"), provider_tz="UTC", duration_minutes=60, now=utc(2026, 3, 9)) | kwargs
    with pytest.raises(ValueError):
        free_slots(**args)


def test_an_indian_customer_sees_a_london_providers_evening_slots_on_their_own_dates():
    slots = free_slots(windows=hours("Mon 18:00-21:00"), provider_tz=LONDON, duration_minutes=60,
                       now=utc(2026, 3, 9), days=1)
    assert slots == [utc(2026, 3, 9, 18), utc(2026, 3, 9, 19), utc(2026, 3, 9, 20)]
    assert group_by_day(slots, KOLKATA) == [(date(2026, 3, 9), [utc(2026, 3, 9, 18)]),
                                            (date(2026, 3, 10), [utc(2026, 3, 9, 19), utc(2026, 3, 9, 20)])]
    assert [format_slot(s, KOLKATA) for s in slots] == ["Mon 9 Mar, 23:30", "Tue 10 Mar, 00:30",
                                                        "Tue 10 Mar, 01:30"]
    assert format_slot_with_zone(slots[0], LONDON) == "Mon 9 Mar, 18:00 (Europe/London)"
    assert format_slot_with_zone(slots[0], KOLKATA) == "Mon 9 Mar, 23:30 (Asia/Kolkata)"
    # after London's clocks go forward, the same 18:00 is 22:30 in Kolkata
    summer = free_slots(windows=hours("Mon 18:00-19:00"), provider_tz=LONDON, duration_minutes=60,
                        now=utc(2026, 3, 30), days=1)
    assert [format_slot(s, KOLKATA) for s in summer] == ["Mon 30 Mar, 22:30"]


def test_format_slot():
    assert format_slot(utc(2026, 3, 10, 14, 30), LONDON) == "Tue 10 Mar, 14:30"
    assert format_slot(utc(2026, 7, 10, 14, 30), LONDON) == "Fri 10 Jul, 15:30"
    assert format_slot(utc(2026, 12, 31, 23, 5), "UTC") == "Thu 31 Dec, 23:05"
    assert format_slot_with_zone(utc(2026, 3, 10, 14, 30), LONDON) == "Tue 10 Mar, 14:30 (Europe/London)"
    with pytest.raises(ValueError):
        format_slot(datetime(2026, 3, 10, 14, 30), LONDON)


def test_group_by_day_sorts_and_handles_nothing():
    assert group_by_day([], KOLKATA) == []
    slots = [utc(2026, 3, 10, 9), utc(2026, 3, 9, 9)]
    assert group_by_day(slots, "UTC") == [(date(2026, 3, 9), [utc(2026, 3, 9, 9)]),
                                          (date(2026, 3, 10), [utc(2026, 3, 10, 9)])]


# --- properties ------------------------------------------------------------------------------------------------
ZONES = ["UTC", LONDON, NEW_YORK, KOLKATA, "Australia/Lord_Howe", "America/Santiago", "Asia/Kathmandu",
         "Pacific/Chatham", "Europe/Berlin"]


@st.composite
def windows_strategy(draw):
    items = draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 95), st.integers(1, 96)), min_size=1,
                          max_size=6))
    return merge(Window(d, *(_t(x) for x in sorted((a, b)))) for d, a, b in items if a != b)


def _t(quarter: int) -> time:
    return time.max if quarter == 96 else time(quarter // 4, quarter % 4 * 15)


def _wall(local: datetime, day: date) -> int:
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


@settings(max_examples=150, deadline=None)
@given(windows=windows_strategy(), tz=st.sampled_from(ZONES),
       now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)),
       duration=st.sampled_from([15, 30, 45, 60, 90, 120]), step=st.sampled_from([None, 15, 30, 60]),
       notice=st.sampled_from([0, 30, 240, 1440]), days=st.integers(0, 9))
def test_free_slots_properties(windows, tz, now, duration, step, notice, days):
    slots = free_slots(windows=windows, provider_tz=tz, duration_minutes=duration, now=now, days=days,
                       min_notice_minutes=notice, step_minutes=step)
    assert slots == sorted(set(slots))
    zone = ZoneInfo(tz)
    first_day = now.astimezone(zone).date()
    for start in slots:
        assert start.tzinfo is UTC and start >= now + timedelta(minutes=notice)
        local = start.astimezone(zone)
        day = local.date()
        assert 0 <= (day - first_day).days < days
        assert local.replace(fold=0).astimezone(UTC) == start  # an ambiguous wall time: first occurrence only
        end = _wall((start + timedelta(minutes=duration)).astimezone(zone), day)
        minute = _wall(local, day)
        assert any(w.weekday == day.weekday() and w.start_minute <= minute and end <= w.end_minute
                   and (minute - w.start_minute) % (step or duration) == 0 for w in windows), (local, windows)
    # taken drops exactly the slots it says are taken
    booked = set(slots[::3])
    assert free_slots(windows=windows, provider_tz=tz, duration_minutes=duration, now=now, days=days,
                      min_notice_minutes=notice, step_minutes=step, taken=booked.__contains__) == \
        [s for s in slots if s not in booked]


@settings(max_examples=100, deadline=None)
@given(windows=windows_strategy(), duration=st.sampled_from([15, 30, 60, 90]),
       day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 24)))
def test_without_daylight_saving_every_step_that_fits_is_offered(windows, duration, day):
    now = datetime.combine(day, time(0), tzinfo=UTC)
    slots = free_slots(windows=windows, provider_tz="UTC", duration_minutes=duration, now=now, days=7)
    expected = sum(len(range(w.start_minute, w.end_minute - duration + 1, duration)) for w in windows)
    assert len(slots) == expected


@settings(max_examples=100, deadline=None)
@given(slots=st.lists(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1),
                                   timezones=st.just(UTC)), max_size=20),
       tz=st.sampled_from(ZONES))
def test_group_by_day_keeps_every_slot_once_under_its_local_date(slots, tz):
    groups = group_by_day(slots, tz)
    assert [s for _, day_slots in groups for s in day_slots] == sorted(slots)
    assert [d for d, _ in groups] == sorted({d for d, _ in groups})
    for day, day_slots in groups:
        assert all(s.astimezone(ZoneInfo(tz)).date() == day for s in day_slots)
