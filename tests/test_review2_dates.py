"""Adversarial review 2 of 4ff5e74 (a copyright year, a lone year or a month is no publication date):
a full day the page writes must stay a date on the 1st of a month as on any other day.
pipeline/clean/article.py `_date_from_htmldate` keeps htmldate's first-of-month day only when
htmldate finds it again without its text search, so a day written in the page's text is kept on
the 2nd and dropped on the 1st. Fixed: htmldate's day is kept when the page writes it in full
(`dates.writes_day`), whatever its number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.clean import clean_html
from tests.test_clean_undated import UNDATED_URL, _page

# htmldate finds each of these only by its text search (no date class, no <time>, no meta)
WRITTEN_DAYS = {
    "published line": "<p>Published {d} March 2024</p>",
    "US style": "<p>Published: March {d}, 2024</p>",
    "dateline div": "<div class='dateline'>LONDON, {d} March 2024</div>",
    "day and time": "<div>Friday, March {d}, 2024 at 9:30 am</div>",
    "last updated": "<p>Last updated: Friday {d} March 2024</p>",
    "numeric": "<p>0{d}/03/2024</p>",
    "german": "<p lang='de'>{d}. März 2024</p>",
}


@pytest.mark.parametrize("case", WRITTEN_DAYS, ids=str)
def test_the_2nd_written_in_the_text_is_a_date(case: str) -> None:
    """The control: the same markup on the 2nd of the month is dated."""
    article = clean_html(_page(WRITTEN_DAYS[case].format(d=2)), UNDATED_URL, None)
    assert article.published_at == datetime(2024, 3, 2, tzinfo=UTC)


@pytest.mark.parametrize("footer", ["", "<footer><p>Copyright © 2023 Harbour Gazette</p></footer>"],
                         ids=["no footer", "copyright footer"])
@pytest.mark.parametrize("case", WRITTEN_DAYS, ids=str)
def test_the_1st_written_in_the_text_is_a_date(case: str, footer: str) -> None:
    article = clean_html(_page(WRITTEN_DAYS[case].format(d=1), footer), UNDATED_URL, None)
    assert article.published_at == datetime(2024, 3, 1, tzinfo=UTC), article.flags
    assert "undated" not in article.flags


@pytest.mark.parametrize("written", [
    "<div class='dcr-date'>Fri 1 Mar 2024 12.42 CET</div>",
    "<span class='posted-on'>Mar. 1, 2024 1:15 pm</span>",
    "<div><span>By Jane Doe</span> Published March 1, 2024 at 1:15pm, and updated since with comments"
    " from the council, the harbour master and the engineers who found the cracks</div>",
], ids=["abbreviated, dotted time", "dotted month", "in a long block"])
def test_the_1st_in_the_shapes_real_pages_write_it(written: str) -> None:
    """Shapes from real pages (The Guardian, The Gateway Pundit) with their metadata gone."""
    article = clean_html(_page(written), UNDATED_URL, None)
    assert article.published_at == datetime(2024, 3, 1, tzinfo=UTC), article.flags


@pytest.mark.parametrize("inside", [
    "<div class='dateline'>March 2024</div><p>In 2024, 1 in 3 households paid more for water.</p>",
    "<p class='meta'>Posted: May 2024</p><p>Figures for 2024: 1 bridge shut, 3 repaired.</p>",
], ids=["month and a 1 nearby", "month label and numbers"])
def test_a_month_is_no_day_even_with_a_1_on_the_page(inside: str) -> None:
    article = clean_html(_page(inside), UNDATED_URL, None)
    assert article.published_at is None, article.published_at
    assert "undated" in article.flags
