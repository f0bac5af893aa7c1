"""Bookable start times from weekly availability windows. Pure: the clock (`now`) and the bookings (`taken`) are
passed in. Slots are generated on the provider's wall clock and returned as aware UTC datetimes.

Daylight-saving rules (zoneinfo only):
- a wall-clock start that doesn't exist (spring-forward gap) is skipped;
- an ambiguous one (fall-back overlap) is generated once, at its first occurrence (fold=0);
- a slot must end inside its window by real elapsed time, so on a short day a slot that would run past the
  window's end is dropped."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.availability import Window, merge

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _wall_minutes(local: datetime, day: date) -> int:
    """Minutes of wall-clock time from the start of `day` to `local` (1440 for midnight the next day)."""
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


def _local_start(day: date, minute: int, tz: ZoneInfo) -> datetime | None:
    """The instant at `minute` past local midnight on `day`, or None if that wall time doesn't exist."""
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=tz)  # fold=0
    utc = wall.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        return None  # in the spring-forward gap
    return utc


def free_slots(*, windows: Iterable[Window], provider_tz: str, duration_minutes: int, now: datetime,
               days: int = 14, min_notice_minutes: int = 0, step_minutes: int | None = None,
               taken: Callable[[datetime], bool] = lambda start: False) -> list[datetime]:
    """Start times (aware UTC, sorted, unique) of free slots on the provider's local dates from today over `days`
    days. A slot starts at a window's start + k*step and ends within the window; slots starting before
    now + min_notice, and those for which `taken(start)` is true, are left out."""
    _aware(now, "now")
    step = duration_minutes if step_minutes is None else step_minutes
    if duration_minutes <= 0 or step <= 0:
        raise ValueError("duration_minutes and step_minutes must be positive")
    if days < 0 or min_notice_minutes < 0:
        raise ValueError("days and min_notice_minutes can't be negative")
    tz = ZoneInfo(provider_tz)
    duration = timedelta(minutes=duration_minutes)
    earliest = now + timedelta(minutes=min_notice_minutes)
    by_day: dict[int, list[Window]] = {}
    for w in merge(windows):
        by_day.setdefault(w.weekday, []).append(w)

    today = now.astimezone(tz).date()
    found: set[datetime] = set()
    for offset in range(days):
        day = today + timedelta(days=offset)
        for w in by_day.get(day.weekday(), ()):
            for minute in range(w.start_minute, w.end_minute, step):
                start = _local_start(day, minute, tz)
                if start is None or start < earliest:
                    continue
                if _wall_minutes((start + duration).astimezone(tz), day) > w.end_minute:
                    continue
                if not taken(start):
                    found.add(start)
    return sorted(found)


def group_by_day(slots: Iterable[datetime], customer_tz: str) -> list[tuple[date, list[datetime]]]:
    """Slots (UTC) grouped by the customer's local date, days and slots in order; slots stay in UTC."""
    tz = ZoneInfo(customer_tz)
    groups: dict[date, list[datetime]] = {}
    for slot in sorted(slots):
        _aware(slot, "slot")
        groups.setdefault(slot.astimezone(tz).date(), []).append(slot)
    return list(groups.items())


def format_day(start_utc: datetime, tz: str) -> str:
    """ "Tue 10 Mar" on the calendar of `tz`."""
    return format_slot(start_utc, tz).split(",")[0]


def format_slot(start_utc: datetime, tz: str) -> str:
    """ "Tue 10 Mar, 14:30" on the wall clock of `tz` (English names whatever the process locale)."""
    _aware(start_utc, "start_utc")
    local = start_utc.astimezone(ZoneInfo(tz))
    return f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}, {local:%H:%M}"


def format_slot_with_zone(start_utc: datetime, tz: str) -> str:
    """ "Tue 10 Mar, 14:30 (Europe/London)"."""
    return f"{format_slot(start_utc, tz)} ({tz})"
