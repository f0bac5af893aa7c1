"""When reminders fall due (pure): 24 hours and 1 hour before a booking's start, in real elapsed time; a 24-hour
reminder that would arrive at night in the recipient's zone (22:00 to 08:00) goes at 21:00 the evening before
instead. Local times are read with zoneinfo, so the days a clock changes (DST) are handled."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A provider's settings, for their customers and for themselves: which reminders go ("24h1h", "1h", "off").
SETTINGS = ("24h1h", "1h", "off")
LEADS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
AUDIENCES = ("customer", "provider")
KINDS = tuple(f"{audience}_{lead}" for audience in AUDIENCES for lead in LEADS)  # customer_24h ... provider_1h
NIGHT_STARTS, NIGHT_ENDS, EVENING = time(22), time(8), time(21)
# The earliest a reminder can fall due before the start: a start just before 08:00 has its 24-hour reminder at
# 21:00 two evenings before (24 h + 11 h). The sweep looks that far ahead.
MAX_LEAD = LEADS["24h"] + timedelta(hours=11)


def wanted(setting: str, lead: str) -> bool:
    """Does this setting ask for the reminder `lead` ("24h" or "1h") before?"""
    return setting == "24h1h" or (setting == "1h" and lead == "1h")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def at_night(moment: datetime, zone: str) -> bool:
    local = moment.astimezone(_zone(zone)).time()
    return local >= NIGHT_STARTS or local < NIGHT_ENDS


def due_at(start: datetime, lead: str, zone: str) -> datetime:
    """When the reminder `lead` before `start` (aware) is due for someone in `zone` (aware UTC)."""
    due = start - LEADS[lead]
    if lead != "24h" or not at_night(due, zone):
        return due
    local = due.astimezone(_zone(zone))
    evening = local.date() if local.time() >= NIGHT_STARTS else local.date() - timedelta(days=1)
    return datetime.combine(evening, EVENING, tzinfo=_zone(zone)).astimezone(timezone.utc)


def split_kind(kind: str) -> tuple[str, str]:
    """'customer_24h' -> ('customer', '24h')."""
    audience, _, lead = kind.partition("_")
    return audience, lead
