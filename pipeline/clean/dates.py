"""Publication dates read without guessing: zone abbreviations and day/month order resolved.

Pages write dates as ISO 8601 (the easy case), RFC 822 ("Sun, 10 Mar 2024 09:15:00 EDT"),
words ("March 10, 2024 9:15 AM EDT") or numbers ("10/03/2024 09:15"). Two traps make a
silently wrong value: a zone abbreviation that the parser does not know is dropped and the
time read as UTC, and a numeric date is read month-first on a British page. Here

* zone abbreviations come from an explicit table (`TZ_ABBREVIATIONS`); an abbreviation that
  is not in it, or that means different offsets in different countries and the page's country
  does not decide it, makes the value *uncertain*;
* a numeric date whose first two fields are both <= 12 is read in the page's order (from its
  language tag, e.g. en-GB day-first, en-US month-first); with no such evidence it is
  *uncertain*.

An uncertain value is returned as `ParsedDate(None, "date_uncertain")`, never as a guess:
callers store null and flag the article. Parsing is done by python-dateutil with explicit
`tzinfos` and `dayfirst` (no hand-written date grammar); ISO 8601 goes through
`datetime.fromisoformat` first.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from dateutil import parser as date_parser

UNCERTAIN = "date_uncertain"
MIN_YEAR, MAX_YEAR = 1990, 2100

_H = 3600
# Abbreviation → UTC offset in seconds, as newspapers print them. Sources: RFC 822 §5.1
# (UT GMT EST EDT CST CDT MST MDT PST PDT Z) and the time zone database's abbreviations
# (tzdata `zone1970.tab` zones). Ambiguous ones are in `_AMBIGUOUS` and need the country.
TZ_ABBREVIATIONS: dict[str, int] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "BST": 1 * _H, "IST@IE": 1 * _H, "WEST": 1 * _H, "CET": 1 * _H, "MET": 1 * _H,
    "CEST": 2 * _H, "MEST": 2 * _H, "EET": 2 * _H, "SAST": 2 * _H, "EEST": 3 * _H, "MSK": 3 * _H,
    "IST@IN": int(5.5 * _H), "PKT": 5 * _H, "HKT": 8 * _H, "SGT": 8 * _H, "AWST": 8 * _H,
    "JST": 9 * _H, "KST": 9 * _H, "ACST": int(9.5 * _H), "ACDT": int(10.5 * _H),
    "AEST": 10 * _H, "AEDT": 11 * _H, "NZST": 12 * _H, "NZDT": 13 * _H,
    "EST": -5 * _H, "EDT": -4 * _H, "CST@US": -6 * _H, "CDT": -5 * _H, "MST": -7 * _H, "MDT": -6 * _H,
    "PST": -8 * _H, "PDT": -7 * _H, "AKST": -9 * _H, "AKDT": -8 * _H, "HST": -10 * _H,
    "AST": -4 * _H, "ADT": -3 * _H, "NST": int(-3.5 * _H), "NDT": int(-2.5 * _H),
    "IST@IL": 2 * _H, "CST@CN": 8 * _H,
}
# abbreviations with more than one meaning: country → key in TZ_ABBREVIATIONS
_AMBIGUOUS: dict[str, dict[str, str]] = {
    "IST": {"IE": "IST@IE", "IN": "IST@IN", "IL": "IST@IL"},
    "CST": {"US": "CST@US", "CA": "CST@US", "MX": "CST@US", "CN": "CST@CN", "TW": "CST@CN"},
}
# countries that write numeric dates month first (ISO 8601 and year-first forms aside)
_MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "PW", "MH", "AS", "GU", "MP", "PR", "VI", "UM"}
# tokens that look like a zone abbreviation but are not one
_NOT_ZONES = {
    "AM", "PM", "A", "P", "T", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "SEPT",
    "OCT", "NOV", "DEC", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN", "TH", "ST", "ND", "RD",
}
_ZONE_TOKEN = re.compile(r"(?<![A-Za-z])([A-Z]{1,5})(?![A-Za-z])")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?!\d)")
_EPOCH = re.compile(r"^\d{9,13}(\.\d+)?$")


@dataclass(frozen=True)
class ParsedDate:
    """A parse result: an aware UTC datetime, or None with the reason (UNCERTAIN) when the text
    named a time that cannot be placed with confidence. `ParsedDate(None, None)`: no date."""

    value: datetime | None
    problem: str | None = None


@dataclass(frozen=True)
class Locale:
    """What the page says about how it writes dates: its country (ISO 3166 alpha-2, upper)
    and language (lower), from `lang="en-GB"`, `og:locale` or the source's country."""

    language: str | None = None
    country: str | None = None

    @classmethod
    def from_tags(cls, *tags: str | None) -> Locale:
        """The first tag with a region decides the country; the first with a language the language."""
        language = country = None
        for tag in tags:
            if not tag:
                continue
            parts = re.split(r"[-_]", tag.strip())
            if parts and re.fullmatch(r"[A-Za-z]{2,3}", parts[0]) and language is None:
                language = parts[0].lower()
            if len(parts) > 1 and re.fullmatch(r"[A-Za-z]{2}", parts[1]) and country is None:
                country = parts[1].upper()
        return cls(language, country)

    @property
    def day_first(self) -> bool | None:
        """True/False when the page's order is known; None when nothing says."""
        if self.country:
            return self.country not in _MONTH_FIRST_COUNTRIES
        if self.language and self.language != "en":
            return True  # outside English, month-first numeric dates are an American habit
        return None


def parse(value: object, locale: Locale | None = None) -> ParsedDate:
    """Parse one date value as a page or feed writes it.

    Args:
        value: text (ISO 8601, RFC 822, words, numeric), epoch seconds/millis, or a list
            (its first item).
        locale: the page's language/country, for zone abbreviations and day/month order.

    Returns:
        ParsedDate: aware UTC (naive ISO values are taken as UTC, as schema.org and the
        Open Graph protocol specify); `ParsedDate(None, UNCERTAIN)` for an unknown or
        ambiguous zone or day/month order; `ParsedDate(None)` for no date at all.
    """
    locale = locale or Locale()
    if value is None or value == "":
        return ParsedDate(None)
    if isinstance(value, list):
        return parse(value[0], locale) if value else ParsedDate(None)
    if isinstance(value, bool):
        return ParsedDate(None)
    if isinstance(value, (int, float)) or (isinstance(value, str) and _EPOCH.match(value.strip())):
        return ParsedDate(_epoch(float(value)))
    text = " ".join(str(value).split())
    if not text or len(text) > 120:
        return ParsedDate(None)
    try:
        return ParsedDate(_checked(datetime.fromisoformat(text.replace("Z", "+00:00"))))
    except ValueError:
        pass
    tzinfos, problem = _zone(text, locale)
    if problem:
        return ParsedDate(None, problem)
    day_first, problem = _order(text, locale)
    if problem:
        return ParsedDate(None, problem)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = date_parser.parse(text, dayfirst=bool(day_first), tzinfos=tzinfos, fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return ParsedDate(None)
    return ParsedDate(_checked(parsed))


def parse_date(value: object, locale: Locale | None = None) -> datetime | None:
    """`parse(...).value`: the datetime or None (uncertain or no date alike)."""
    return parse(value, locale).value


def _epoch(number: float) -> datetime | None:
    if number > 1e11:  # milliseconds
        number /= 1000
    try:
        return _checked(datetime.fromtimestamp(number, UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _checked(parsed: datetime) -> datetime | None:
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _zone(text: str, locale: Locale) -> tuple[dict[str, timezone], str | None]:
    """dateutil `tzinfos` for the abbreviation in `text`, or an UNCERTAIN problem."""
    tzinfos: dict[str, timezone] = {}
    for token in _ZONE_TOKEN.findall(text):
        if token in _NOT_ZONES:
            continue
        key = token
        if token in _AMBIGUOUS:
            key = _AMBIGUOUS[token].get(locale.country or "")
            if key is None:
                return {}, UNCERTAIN
        if key not in TZ_ABBREVIATIONS:
            return {}, UNCERTAIN  # an unknown abbreviation would silently become UTC
        tzinfos[token] = timezone(timedelta(seconds=TZ_ABBREVIATIONS[key]))
    return tzinfos, None


def _order(text: str, locale: Locale) -> tuple[bool | None, str | None]:
    """(day_first, problem) for a numeric a/b/yyyy date; (None, None) when there is none."""
    match = _NUMERIC_DATE.search(text)
    if not match:
        return None, None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12:
        return True, None
    if second > 12:
        return False, None
    if first == second:
        return True, None
    day_first = locale.day_first
    return (day_first, None) if day_first is not None else (None, UNCERTAIN)
