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

A value that names less than a calendar day ("2024", "2024-05", "May 2024", "March 3", "10:30",
"Tuesday", "2024-W10") is no date: `ParsedDate(None)`, so the next source is asked. Completing
it (dateutil fills the missing parts from the day of parsing) would date one page differently
on each day it is cleaned.

An uncertain value is returned as `ParsedDate(None, "date_uncertain")`, never as a guess:
callers store null and flag the article. Parsing is done by python-dateutil with explicit
`tzinfos` and `dayfirst` (no hand-written date grammar); ISO 8601 goes through
`datetime.fromisoformat` first.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import dateparser
from dateparser.search import search_dates
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
_WHOLE_DATE = 60  # longest text read as one date expression ("Friday, 1 March 2024, 9:30am BST")
_ISO_WEEK = re.compile(r"^\d{4}-?W\d{2}$")  # ISO 8601 week date without its weekday
# two defaults that differ in year, month and day (midnight both: a missing time is 00:00)
_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))


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
    if _ISO_WEEK.match(text):
        return ParsedDate(None)  # a week, not a day: fromisoformat would make it its Monday
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
    parsed = _full_day(text, bool(day_first), tzinfos)
    return ParsedDate(_checked(parsed) if parsed else None)


def parse_date(value: object, locale: Locale | None = None) -> datetime | None:
    """`parse(...).value`: the datetime or None (uncertain or no date alike)."""
    return parse(value, locale).value


def writes_day(segments: Iterable[tuple[str, str | None]], day: date) -> bool:
    """True when one of the page's text segments writes `day` in full: day, month and year.

    Used to check a day a date finder reports from free text (htmldate's text search, see
    article.py): its last resorts complete a copyright year, a lone year or a month with
    "01" and a partial value with the day of parsing, while a day written in the text ("1
    March 2024", "Friday, March 1, 2024 at 9:30 am", "1. März 2024", "01/03/2024") is a day
    whatever its number. Each segment is (text, its language tag or None). dateparser reads
    it, with `REQUIRE_PARTS` (a reading without a written day, month and year is dropped):
    `search_dates` finds a date inside a labelled text ("LONDON, 1 March 2024") and `parse`
    reads a text that is a date as a whole, which `search_dates` splits at abbreviations
    ("Apr. 28, 2023 1:15 pm", "Sat 24 Feb 2024 12.42 CET"). A numeric date is read both
    day-first and month-first: the finder chose the order, the check is only that the day is
    written. Relative expressions ("yesterday") are read from 1900, so they never match.
    """
    for text, language in segments:
        languages = _languages(language)
        orders = ("DMY", "MDY") if _NUMERIC_DATE.search(text) else ("DMY",)  # the order only matters there
        if any(day in _dateparser_days(text, languages, order) for order in orders):
            return True
    return False


def _languages(tag: str | None) -> tuple[str, ...]:
    language = Locale.from_tags(tag).language
    return ("en",) if language in (None, "en") else (language, "en")


def _dateparser_days(text: str, languages: tuple[str, ...], order: str) -> set[date]:
    """The full days dateparser reads in `text` (found inside it, or the text as a whole)."""
    settings = {"REQUIRE_PARTS": ["day", "month", "year"], "RELATIVE_BASE": datetime(1900, 1, 1),
                "DATE_ORDER": order, "PREFER_LOCALE_DATE_ORDER": False}
    try:
        found = [when for _, when in search_dates(text, languages=list(languages), settings=settings) or []]
        if len(text) <= _WHOLE_DATE:
            found.append(dateparser.parse(text, languages=list(languages), settings=settings))
    except ValueError:  # a language dateparser does not know
        return set() if languages == ("en",) else _dateparser_days(text, ("en",), order)
    return {when.date() for when in found if when is not None}


def _full_day(text: str, day_first: bool, tzinfos: dict[str, timezone]) -> datetime | None:
    """dateutil's reading of `text` when it names a whole calendar day, else None.

    dateutil fills whatever the text leaves out from its `default` (by default the day of
    parsing): "2024" → this month and day of 2024, "March 3" → this year's, "10:30" or
    "Tuesday" → today. So the same page would get another date on another day. The text
    is parsed against two defaults that differ in year, month and day; a text that names
    all three gives the same result both times, a partial one does not (dateutil reports no
    per-field result; comparing two defaults is the usual way to tell parsed from filled).
    """
    readings = set()
    for default in _DEFAULTS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                readings.add(date_parser.parse(text, default=default, dayfirst=day_first,
                                               tzinfos=tzinfos, fuzzy=False))
        except (ValueError, OverflowError, TypeError):
            return None
    return readings.pop() if len(readings) == 1 else None


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
