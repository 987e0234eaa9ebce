"""Adversarial review 2 of publication dates (README: a date is a day the page names, never a guess;
4ff5e74: a lone year or a month is no publication date). The page's own metadata (og/article
meta, JSON-LD, <time>) goes through pipeline/clean/dates.parse, whose dateutil fallback fills
whatever the value leaves out from the day the page is CLEANED: "2024" -> 2024-<this month>-<today>,
"2024-05" -> 2024-05-<today>, "March 3" -> this year's 3 March, "10:30" or "Tuesday" -> today.
So the same page gets another date on another day (a re-extraction, a CC-NEWS backfill of 2019
pages dated in the cleaning year), unflagged. "Today" is fixed here by replacing dateutil's
clock, the only one the parse reads. Fixed: dates.parse gives no date for less than a day, and
htmldate's day is kept only when the page writes it in full (article.py `_date_from_htmldate`)."""

from __future__ import annotations

import datetime as _dt
import types

import pytest

from pipeline.clean import clean_html
from tests.test_clean_undated import UNDATED_URL, _page


def _at(today: _dt.datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """dateutil's parser reads `datetime.datetime.now()` for its default: make it `today`."""
    import dateutil.parser._parser as dateutil_parser

    class _Today(_dt.datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return cls(today.year, today.month, today.day, 9, 0, tzinfo=tz)

    clock = types.SimpleNamespace(**{name: getattr(_dt, name) for name in dir(_dt) if not name.startswith("__")})
    clock.datetime = _Today
    monkeypatch.setattr(dateutil_parser, "datetime", clock)


def _og(value: str) -> tuple[str, str]:
    return "", f"<meta property='article:published_time' content='{value}'>"


def _jsonld(value: str) -> tuple[str, str]:
    return "", ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Bridge closed for'
                f' repairs", "datePublished": "{value}"}}</script>')


def _time(value: str) -> tuple[str, str]:
    return f"<time>{value}</time>", ""


MARKUP = {"og": _og, "json-ld": _jsonld, "time": _time}
PARTIAL = ["2024", "2024-05", "May 2024", "March 3", "10:30", "Tuesday"]


def _published(value: str, where: str) -> _dt.datetime | None:
    inside, head = MARKUP[where](value)
    return clean_html(_page(inside, "", head), UNDATED_URL, None).published_at


@pytest.mark.parametrize("where", MARKUP)
@pytest.mark.parametrize("value", PARTIAL)
def test_a_partial_date_is_not_completed_from_the_day_of_cleaning(
        value: str, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _at(_dt.datetime(2026, 12, 15), monkeypatch)
    first = _published(value, where)
    _at(_dt.datetime(2027, 6, 20), monkeypatch)
    assert _published(value, where) == first, first


@pytest.mark.parametrize("where", MARKUP)
@pytest.mark.parametrize("value", ["2024", "2024-05", "May 2024"])
def test_a_year_or_month_in_metadata_is_no_publication_date(value: str, where: str) -> None:
    assert _published(value, where) is None


@pytest.mark.parametrize("where", MARKUP)
@pytest.mark.parametrize("value", PARTIAL)
def test_a_partial_date_is_no_date_on_any_day(value: str, where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only the same answer on two days: no answer. htmldate (the fallback when the page's
    metadata gives no day) completes '2024-05' from the day of cleaning too; its parse cache is
    cleared so the patched day is the one it reads."""
    import htmldate.extractors

    htmldate.extractors.try_date_expr.cache_clear()
    _at(_dt.datetime(2026, 12, 15), monkeypatch)
    try:
        assert _published(value, where) is None
    finally:
        htmldate.extractors.try_date_expr.cache_clear()


@pytest.mark.parametrize("value", PARTIAL + ["2024-W10", "Spring 2024", "Tuesday 10:30"])
def test_dates_parse_gives_no_date_for_less_than_a_day(value: str) -> None:
    from pipeline.clean.dates import ParsedDate, parse

    assert parse(value) == ParsedDate(None)


@pytest.mark.parametrize("value, expected", [
    ("2024-03-01", _dt.datetime(2024, 3, 1, tzinfo=_dt.UTC)),
    ("2024-03-01T09:30:00+01:00", _dt.datetime(2024, 3, 1, 8, 30, tzinfo=_dt.UTC)),
    ("2024-W09-5", _dt.datetime(2024, 3, 1, tzinfo=_dt.UTC)),
    ("Fri, 01 Mar 2024 09:15:00 GMT", _dt.datetime(2024, 3, 1, 9, 15, tzinfo=_dt.UTC)),
    ("1 March 2024", _dt.datetime(2024, 3, 1, tzinfo=_dt.UTC)),
    ("Friday, March 1, 2024 at 9:30 am", _dt.datetime(2024, 3, 1, 9, 30, tzinfo=_dt.UTC)),
    ("March 1, 2024 9:15 AM EDT", _dt.datetime(2024, 3, 1, 13, 15, tzinfo=_dt.UTC)),
])
def test_dates_parse_keeps_a_full_day_on_any_day(value: str, expected: _dt.datetime,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.clean.dates import parse_date

    for today in (_dt.datetime(2026, 12, 15), _dt.datetime(2027, 6, 20)):
        _at(today, monkeypatch)
        assert parse_date(value) == expected
