"""Phone-number helpers: normalising WhatsApp addresses, masking for logs, country and time-zone guesses."""
from __future__ import annotations

import functools

import phonenumbers
from babel import Locale
from phonenumbers import timezone as pn_timezone


@functools.lru_cache(maxsize=4096)  # every webhook asks, for the same few thousand numbers; phonenumbers takes ~50 us
def e164(address: str) -> str | None:
    """'whatsapp:+91 99407 90402' -> '+919940790402'; None if it is not a valid international number."""
    raw = address.strip().removeprefix("whatsapp:").strip()
    if not raw.startswith("+"):
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def whatsapp(phone: str) -> str:
    return f"whatsapp:{phone}"


def mask(phone: str | None) -> str:
    """For logs: '+919940790402' -> '+91******0402'."""
    if not phone:
        return "?"
    digits = phone.removeprefix("whatsapp:")
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def country_of(phone: str) -> str | None:
    """ISO country of the number's calling code ('+44 7911...' -> 'GB', not a Crown dependency)."""
    try:
        code = phonenumbers.parse(phone, None).country_code
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_country_code(code)
    return None if region in (None, "ZZ", "001") else region


@functools.cache
def _english() -> Locale:
    return Locale.parse("en")  # loaded on first use, not at import


def country_name(region: str | None) -> str | None:
    if not region:
        return None
    # CLDR's names through Babel, not phonenumbers' geocoder: the same names (kept current: "Czechia"), without
    # the geocoder's ~100 MB of place names in every process.
    return _english().territories.get(region.upper()) or None


# Countries whose English name takes "the" ("it's from the United States"); names with these words always do.
_WITH_THE = frozenset({"BS", "GM", "KM", "MV", "NL", "PH", "VA"})
_THE_WORDS = ("United ", "Republic", "Islands", "Kingdom", "Emirates", "States")


def country_phrase(region: str | None) -> str | None:
    """The country's name as said in a sentence, with "the" where English puts it: "the United States", "India"."""
    name = country_name(region)
    if name is None:
        return None
    return f"the {name}" if region.upper() in _WITH_THE or any(w in name for w in _THE_WORDS) else name


def timezones_for(phone: str) -> list[str]:
    """IANA zones the number may be in (one for most countries, several for the US, Brazil, Australia...)."""
    try:
        zones = pn_timezone.time_zones_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return []
    return [z for z in zones if z != "Etc/Unknown"]
