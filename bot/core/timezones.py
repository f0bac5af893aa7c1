"""Time-zone guesses and lookups: from a phone number (confirmed by the user) or from a typed city or zone name.
Uses the IANA database shipped by tzdata (zone.tab for countries, tzdata.zi for legacy names)."""
from __future__ import annotations

import functools
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from bot.core import messages as msg
from bot.core import choices, phones
from bot.core.choices import Choice, Numbered
from bot.core.text import YES, normalise, number

# Big cities that are not zone names, by their normalised spelling.
CITY_ALIASES = {
    "mumbai": "Asia/Kolkata", "bombay": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata", "chennai": "Asia/Kolkata", "hyderabad": "Asia/Kolkata",
    "pune": "Asia/Kolkata", "calcutta": "Asia/Kolkata", "india": "Asia/Kolkata", "ist": "Asia/Kolkata",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles", "boston": "America/New_York",
    "washington": "America/New_York", "miami": "America/New_York", "atlanta": "America/New_York",
    "houston": "America/Chicago", "dallas": "America/Chicago", "austin": "America/Chicago",
    "san diego": "America/Los_Angeles", "las vegas": "America/Los_Angeles", "montreal": "America/Toronto",
    "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin", "milan": "Europe/Rome",
    "barcelona": "Europe/Madrid", "manchester": "Europe/London", "edinburgh": "Europe/London", "uk": "Europe/London",
    "geneva": "Europe/Zurich", "abu dhabi": "Asia/Dubai", "beijing": "Asia/Shanghai", "melbourne": "Australia/Melbourne",
    "utc": "UTC", "gmt": "Europe/London",
}
# Zone abbreviations people type ("EST", "PST", "IST"), each to the zone most of our users mean by it; the times
# then follow that zone's own summer time. IST is India's (the product's home), not Israel's or Ireland's.
ABBREVIATIONS = {
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York", "eastern": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago", "central": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver", "mountain": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "akst": "America/Anchorage", "hst": "Pacific/Honolulu",
    "bst": "Europe/London", "wet": "Europe/Lisbon", "cet": "Europe/Paris", "cest": "Europe/Paris",
    "eet": "Europe/Athens", "eest": "Europe/Athens", "msk": "Europe/Moscow", "gst": "Asia/Dubai",
    "pkt": "Asia/Karachi", "npt": "Asia/Kathmandu", "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "awst": "Australia/Perth", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland", "wat": "Africa/Lagos",
    "cat": "Africa/Maputo", "eat": "Africa/Nairobi", "sast": "Africa/Johannesburg", "brt": "America/Sao_Paulo",
}


@functools.cache
def _tzdata_file(name: str) -> str:
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")


@functools.cache
def _links() -> dict[str, str]:
    links = {}
    for line in _tzdata_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()[:3]
            links[alias] = target
    return links


@functools.cache
def _zones_by_country() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for line in _tzdata_file("zone.tab").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        zones.setdefault(fields[0], []).append(fields[2])
    return zones


@functools.cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for zone in available_timezones():
        if zone.startswith(("Etc/", "SystemV/", "posix/", "right/")) or "/" not in zone:
            continue
        target = canonical(zone)
        index.setdefault(normalise(target), target)
        index.setdefault(normalise(target.rsplit("/", 1)[-1].replace("_", " ")), target)
    for zone in available_timezones():  # legacy names ('Asia/Calcutta', 'US/Eastern') after today's, never over them
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            index.setdefault(normalise(zone), canonical(zone))
            index.setdefault(normalise(zone.rsplit("/", 1)[-1].replace("_", " ")), canonical(zone))
    index.update(CITY_ALIASES)
    index.update(ABBREVIATIONS)
    return index


def canonical(zone: str) -> str:
    """Legacy names to today's: 'Asia/Calcutta' -> 'Asia/Kolkata'."""
    return _links().get(zone, zone)


def guess_for_phone(phone: str) -> list[str]:
    """Likely zones for a number, best first: the number's own zones within its country's; [] if unknown."""
    country = phones.country_of(phone)
    by_number = [canonical(z) for z in phones.timezones_for(phone)]
    by_country = _zones_by_country().get(country or "", [])
    both = [z for z in by_number if z in by_country]
    return sorted(set(both or by_number or by_country), key=lambda z: (z not in by_country, z))


def lookup(text: str) -> str | None:
    """A typed city or zone ('london', 'America/New_York', 'são paulo') to a zone name, or None."""
    key = normalise(text)
    if not key:
        return None
    return _index().get(key) or _index().get(key.replace(" ", "_"))


def local_time(zone: str, now: datetime) -> str:
    return now.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def choose(text: str, guess: str | None, choices: list[str]) -> str | None:
    """The zone a user picked: "yes" to the guess, a number from the offered choices, or a typed city/zone."""
    words = normalise(text)
    if guess and words in YES:
        return guess
    picked = number(words)
    if picked is not None and 1 <= picked <= len(choices):
        return choices[picked - 1]
    return lookup(text)


def numbered(zones: list[str], now: datetime) -> Numbered:
    """'1. Australia/Perth (17:00)' lines for a pick list (a list row each: the zone, and its time now)."""
    return choices.numbered([Choice(z, z, local_time(z, now)) for z in zones],
                            [msg.OPTION_LINE.format(number=i, label=f"{z} ({local_time(z, now)})")
                             for i, z in enumerate(zones, 1)])
