"""Prices: which currency a country uses, reading a price a provider types, and showing one. Pure (Babel's CLDR
data for currencies and number formats). Amounts are integers in minor units (cents, paise; yen for JPY)."""
from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal

from babel import Locale, UnknownLocaleError, localedata
from babel.core import get_global
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_territory_currencies,
)

from bot.core.text import normalise

DEFAULT_CURRENCY = "USD"
_ASCII_DIGITS = re.compile(r"[0-9]+")
MAX_MAJOR = 1_000_000
FREE = "Free"
FREE_WORDS = {"free", "gratis", "for free", "free of charge", "no charge", "nothing", "zero"}

# Symbols that name one currency family: "€20" is not a price in INR. "$" is left out on purpose (dollars,
# pesos and reais all use it), so "$" is accepted for any currency.
_SYMBOL_CURRENCIES = {
    "€": {"EUR"}, "£": {"GBP", "EGP", "GIP", "FKP", "SHP", "SYP", "LBP", "SSP"}, "₹": {"INR"},
    "¥": {"JPY", "CNY"}, "￥": {"JPY", "CNY"}, "₩": {"KRW", "KPW"}, "₦": {"NGN"}, "₱": {"PHP"}, "₺": {"TRY"},
    "₽": {"RUB"}, "₪": {"ILS"}, "฿": {"THB"}, "₫": {"VND"}, "₴": {"UAH"}, "₵": {"GHS"}, "₸": {"KZT"},
    "৳": {"BDT"}, "₨": {"INR", "PKR", "LKR", "NPR", "MUR", "SCR"},
}
_RUPEES = {"INR", "PKR", "LKR", "NPR", "MUR", "SCR", "IDR"}
_DOLLARS = {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "JMD", "TTD", "BSD", "BBD", "BZD", "FJD", "LRD",
            "NAD", "SBD", "SRD", "GYD", "KYD", "XCD", "BND", "BMD", "ZWL"}
# Words around the number that name a currency (after accent folding), and the currencies they fit.
_CURRENCY_WORDS = {
    "rs": _RUPEES, "rupee": _RUPEES, "rupees": _RUPEES, "inr": {"INR"},
    "dollar": _DOLLARS, "dollars": _DOLLARS, "bucks": _DOLLARS, "us": {"USD"}, "ca": {"CAD"}, "c": {"CAD"},
    "a": {"AUD"}, "au": {"AUD"}, "nz": {"NZD"}, "s": {"SGD"}, "hk": {"HKD"}, "r": {"BRL", "ZAR"},
    "euro": {"EUR"}, "euros": {"EUR"}, "eur": {"EUR"}, "pound": {"GBP"}, "pounds": {"GBP"}, "quid": {"GBP"},
    "yen": {"JPY"}, "yuan": {"CNY"}, "rmb": {"CNY"}, "naira": {"NGN"}, "rand": {"ZAR"}, "reais": {"BRL"},
    "real": {"BRL"}, "peso": {"MXN", "PHP", "ARS", "COP", "CLP"}, "pesos": {"MXN", "PHP", "ARS", "COP", "CLP"},
    "dirham": {"AED", "MAD"}, "dirhams": {"AED", "MAD"}, "franc": {"CHF"}, "francs": {"CHF"}, "chf": {"CHF"},
}
_IGNORED_WORDS = {"only", "per", "session", "each", "flat"}


def currency_for_country(country: str | None) -> str:
    """ISO 4217 code in use today in an ISO 3166 alpha-2 country ("IN" -> "INR", "DE" -> "EUR"); "USD" when the
    country is missing or unknown."""
    if not country or not re.fullmatch(r"[A-Za-z]{2}", country.strip()):
        return DEFAULT_CURRENCY
    try:
        currencies = get_territory_currencies(country.strip().upper(), tender=True)
    except Exception:  # Babel raises plain exceptions for bad territories; unknown means default
        return DEFAULT_CURRENCY
    return currencies[0] if currencies else DEFAULT_CURRENCY


def precision(currency: str) -> int:
    """Digits after the decimal point for this currency: 2 for USD, 0 for JPY, 3 for KWD."""
    return get_currency_precision(currency.upper())


@functools.cache
def _own_symbols(currency: str) -> tuple[str, ...]:
    """How the currency is written in English and in the countries that use it ("JP¥", "¥", "￥"), longest first."""
    locales = {"en", "en_IN", "en_US", "en_GB", "en_CA", "en_AU"}
    locales |= {_locale_for(t) for t in get_global("territory_currencies")
                if currency in get_territory_currencies(t, tender=True)}
    symbols = {get_currency_symbol(currency, locale).casefold() for locale in locales}
    return tuple(sorted(symbols, key=len, reverse=True))


def _currency_marks_fit(marks: str, currency: str) -> bool:
    """Symbols and words around the number ("Rs.", "€", "USD", "only") must not name another currency."""
    marks = marks.casefold()
    for symbol in _own_symbols(currency):
        marks = marks.replace(symbol, " ")
    symbols = "".join(c for c in marks if unicodedata.category(c) == "Sc")
    for symbol in symbols:
        if symbol == "$":
            continue
        owners = _SYMBOL_CURRENCIES.get(symbol)
        if owners is not None and currency not in owners:
            return False
        if owners is None and symbol not in get_currency_symbol(currency, "en"):
            return False
    for word in re.findall(r"[^\W\d_]+", normalise(marks)):
        if word.upper() == currency or word in _IGNORED_WORDS:
            continue
        owners = _CURRENCY_WORDS.get(word)
        if owners is None or currency not in owners:
            return False
    return True


_GROUPING = "'\u2019\u00a0\u202f\u2009 "  # apostrophes (Swiss) and spaces only ever group digits
_NUMBER = re.compile(rf"\d[\d,.{_GROUPING}]*")


def _split_decimal(number: str, digits: int) -> tuple[str, str] | None:
    """'1,500.50' -> ('1500', '50'); '1.500,50' -> ('1500', '50'); '12,5' -> ('12', '5'); None if malformed.
    A separator used once is the decimal point, except spaces and a lone ',' or '.' before exactly three digits
    ("1,500", "1.500"; but "1.500" is 1.5 in a 3-decimal currency like KWD); one used more than once groups
    thousands (or lakhs: "1,50,000")."""
    number = re.sub(f"[{_GROUPING}]", " ", number)
    seps = [c for c in number if c in ",. "]
    if not seps:
        return number, ""
    last = seps[-1]
    head, _, tail = number.rpartition(last)
    thousands = len(tail) == 3 and set(seps) == {last} and (last == "," or digits < 3) and head.strip("0")
    if seps.count(last) > 1 or last == " " or thousands:
        integer, fraction = number, ""  # grouping only: "1,500", "1.500" (not KWD), "1.500.000", "1,50,000"
    else:
        integer, fraction = head, tail
    groups = re.split(r"[,. ]", integer)
    if len({c for c in integer if c in ",. "}) > 1 or not all(_ASCII_DIGITS.fullmatch(g) for g in groups):
        return None
    if len(groups) > 1:
        indian = integer.count(",") == len(groups) - 1 and all(len(g) == 2 for g in groups[1:-1])
        western = all(len(g) == 3 for g in groups[1:])
        if not 1 <= len(groups[0]) <= 3 or len(groups[-1]) != 3 or not (western or indian):
            return None
    if fraction and not _ASCII_DIGITS.fullmatch(fraction):
        return None
    return "".join(groups), fraction


def parse_price(text: str, currency: str) -> int | None:
    """A typed price in minor units: "500" -> 50000, "₹1,500" -> 150000, "12.50" -> 1250, "free" -> 0 (with USD
    or INR); "500" -> 500 with JPY. None for anything else: nonsense, negative, more decimals than the currency
    has, another currency's symbol, or more than 1,000,000."""
    currency = currency.upper()
    if not isinstance(text, str) or len(text) > 60:
        return None
    if normalise(text) in FREE_WORDS:
        return 0
    cleaned = re.sub(r"(/-|[.,]-)\s*$", "", text.strip())  # "500/-" (India), "12.-" / "12,-" (Europe)
    numbers = list(_NUMBER.finditer(cleaned))
    if len(numbers) != 1:
        return None
    number = numbers[0].group().rstrip(",." + _GROUPING)
    after = cleaned[numbers[0].start() + len(number):]
    before = cleaned[:numbers[0].start()]
    multiplier = 1
    if re.match(r"\s*k\b", after, re.IGNORECASE):  # "1.5k"
        multiplier, after = 1000, re.sub(r"^\s*k", "", after, flags=re.IGNORECASE)
    if re.search(r"[-\u2212(]", before) or not _currency_marks_fit(before + " " + after, currency):
        return None
    digits = precision(currency)
    parts = _split_decimal(number, digits)
    if parts is None:
        return None
    integer, fraction = parts
    amount = Decimal(f"{integer}.{fraction or '0'}") * multiplier
    if fraction and multiplier == 1 and (len(fraction) > max(digits, 2) or fraction[digits:].strip("0")):
        return None  # "12.505" USD, "500.5" JPY; "500.00" JPY is fine
    minor = amount.scaleb(digits)
    if minor != minor.to_integral_value() or amount > MAX_MAJOR:
        return None
    return int(minor)


@functools.cache
def _locale_for(country: str | None) -> str:
    """English with the country's number conventions when CLDR has it (en_IN, en_DE), else the country's main
    language when it writes left to right with Latin digits (pt_BR, ja_JP), else plain English (messages are in
    English, so no right-to-left marks or other digits)."""
    if not country or not re.fullmatch(r"[A-Za-z]{2}", country):
        return "en"
    country = country.upper()
    if localedata.exists(f"en_{country}"):
        return f"en_{country}"
    try:
        likely = Locale.parse(f"und_{country}")
    except (UnknownLocaleError, ValueError):
        return "en"
    readable = likely.character_order == "left-to-right" and likely.default_numbering_system == "latn"
    return str(likely) if readable and likely.territory == country else "en"


def format_price(minor: int, currency: str, country: str | None = None) -> str:
    """ "$12.50", "₹1,500", "12,50 €" (country DE), "Free" for 0. Whole amounts drop the ".00"."""
    if minor < 0:
        raise ValueError("a price can't be negative")
    if minor == 0:
        return FREE
    currency = currency.upper()
    locale = _locale_for(country)
    digits = precision(currency)
    amount = Decimal(minor).scaleb(-digits)
    text = format_currency(amount, currency, locale=locale)
    if digits and minor % 10 ** digits == 0:
        decimal = re.escape(get_decimal_symbol(locale))
        text = re.sub(rf"{decimal}0+(?!\d)", "", text, count=1)
    return text
