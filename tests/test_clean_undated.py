"""A date is a day the page (or its URL) names, never a guess (README: an unknown date is
stored null). htmldate's last resorts made days out of a footer's copyright year, a lone
year or a month ("© 2024" → 2024-01-01, no flag); its URL answer came without the
`date_from_url` flag the URL fallback sets. pipeline/clean/article.py `_date_from_htmldate`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.clean import clean_html

_BODY = ("The council voted on Tuesday to close the old harbour bridge for repairs after engineers "
         "found cracks in two of its supports during a routine inspection last month.")


def _page(inside: str = "", footer: str = "", head: str = "", lang: str = "en") -> str:
    return (f"<html lang='{lang}'><head><title>Bridge closed for repairs</title>{head}</head><body>"
            f"<article><h1>Bridge closed for repairs</h1>{inside}<p>{_BODY}</p>"
            f"<p>{_BODY.replace('Tuesday', 'Monday')}</p><p>{_BODY.replace('council', 'mayor')}</p></article>"
            f"{footer}</body></html>")


UNDATED_URL = "https://news.example/local/bridge-closed-for-repairs"

# the page names a year or a month, never a day
LESS_THAN_A_DAY = {
    "copyright sign": dict(footer="<footer><p>Copyright © 2024 Harbour Gazette Ltd</p></footer>"),
    "copyright word": dict(footer="<footer><small>Copyright 2023 Harbour Gazette. All rights reserved.</small></footer>"),
    "(c)": dict(footer="<div class='legal'>(c) 2022 Harbour Gazette</div>"),
    "&copy;": dict(footer="<footer>&copy; 2021-2025 Harbour Gazette</footer>"),
    "chinese copyright": dict(footer="<footer><p>版权所有 © 2026 港湾日报</p></footer>", lang="zh"),
    "copyright mid-year": dict(footer="<footer><p>© 2025</p></footer>"),
    "a year in the text": dict(inside="<p>The bridge was last rebuilt in 2019 after a storm.</p>"),
    "a month": dict(inside="<div class='dateline'>May 2024</div>"),
    "a month and year label": dict(inside="<p class='meta'>Posted: March 2025</p>"),
}


@pytest.mark.parametrize("case", LESS_THAN_A_DAY, ids=str)
def test_a_year_or_month_is_no_publication_date(case: str) -> None:
    article = clean_html(_page(**LESS_THAN_A_DAY[case]), UNDATED_URL, None)
    assert article.is_article
    assert article.published_at is None, article.published_at
    assert "undated" in article.flags


@pytest.mark.parametrize("inside, head, day", [
    ("<div class='byline'>Published 1 March 2024</div>", "", datetime(2024, 3, 1, tzinfo=UTC)),
    ("<p class='meta'>Posted 2024-05-01 10:00</p>", "", datetime(2024, 5, 1, tzinfo=UTC)),
    ("", "<meta name='date' content='2024-01-01'>", datetime(2024, 1, 1, tzinfo=UTC)),
    ("<div class='byline'>Published 2 March 2024</div>", "", datetime(2024, 3, 2, tzinfo=UTC)),
], ids=["text 1st", "timestamp 1st", "meta 1 January", "text 2nd"])
def test_a_day_the_page_names_stays_with_a_copyright_footer(inside: str, head: str, day: datetime) -> None:
    """The first of a month is a real day when the page writes it so."""
    footer = "<footer><p>Copyright © 2023 Harbour Gazette</p></footer>"
    article = clean_html(_page(inside, footer, head), UNDATED_URL, None)
    assert article.published_at == day
    assert "undated" not in article.flags


@pytest.mark.parametrize("url, canonical", [
    ("https://news.example/2024/05/03/bridge-closed", None),
    ("https://news.example/news/20240503/bridge-closed", None),
    ("https://news.example/amp/bridge-closed", "https://news.example/2024/05/03/bridge-closed"),
], ids=["url path", "url compact", "canonical link"])
def test_a_url_day_says_so(url: str, canonical: str | None) -> None:
    """htmldate's answer from the URL (or the canonical link) is the URL's day: flagged, so the
    feed's announced date may still outrank it (pipeline/extract/stage.py `_announced_date`)."""
    head = f"<link rel='canonical' href='{canonical}'>" if canonical else ""
    footer = "<footer><p>Copyright © 2023 Harbour Gazette</p></footer>"
    article = clean_html(_page(footer=footer, head=head), url, None)
    assert article.published_at == datetime(2024, 5, 3, tzinfo=UTC)
    assert "date_from_url" in article.flags
    assert "undated" not in article.flags


def test_a_page_date_outranks_the_url_and_has_no_url_flag() -> None:
    head = "<meta property='article:published_time' content='2024-05-04T09:30:00+01:00'>"
    article = clean_html(_page(head=head), "https://news.example/2024/05/03/bridge-closed", None)
    assert article.published_at == datetime(2024, 5, 4, 8, 30, tzinfo=UTC)
    assert "date_from_url" not in article.flags
