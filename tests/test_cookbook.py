"""Every SQL query of README's "Querying the corpus" cookbook runs, as the owner and as
news_reader, against a corpus loaded from the sample web's answer key, and its result is
checked against the key wherever the key determines it."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import datetime

import psycopg2
import pytest

from pipeline.db import reader_url
from pipeline.paths import REPO_ROOT

from tests.plugins.answer_key import LoadedKey

# the README's "this week's most copied story" sub-query (one line per README line, spaces collapsed)
MOST_COPIED = re.compile(r"\(select url from news\.corpus\s+where published_at >= .*?limit 1\)", re.S)
REQUIRED = (
    "Stories per outlet per day",
    "The most syndicated stories this week",
    "How fast wire stories reach the tabloids",
    "Which outlets copy which",
    "Full-text search of a phrase, one row per story",
    "An article's versions over time",
    "A story's copies with their similarity",
    "Source health over the last 7 nights crawled",
)


def cookbook() -> dict[str, str]:
    """heading -> SQL of each ```sql block under a #### heading between the querying markers."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- querying:start -->", 1)[1].split("<!-- querying:end -->", 1)[0]
    found = re.findall(r"^#### (.+?)\n+```sql\n(.*?)```", section, flags=re.M | re.S)
    return {heading.strip(): sql.strip() for heading, sql in found}


QUERIES = cookbook()


def test_cookbook_has_the_required_queries() -> None:
    assert len(QUERIES) >= 8
    assert set(REQUIRED) <= set(QUERIES)


def _when(loaded: LoadedKey, iso: str) -> datetime:
    return loaded.when(iso)


def _updated_article(loaded: LoadedKey):
    """An article edited on night 2 that belongs to a story with copies."""
    stories = loaded.key.stories()
    return next(a for a in loaded.key if a.day2 and len(stories[a.story_id]) > 1)


def _prepare(heading: str, sql: str, loaded: LoadedKey) -> str:
    """Point the README's per-article queries at an article the key knows was edited on night 2
    (the README picks the most copied story, which runs verbatim on any corpus: see
    test_readme_querying)."""
    return MOST_COPIED.sub(f"'{_updated_article(loaded).url}'", sql)


def _run(url: str, sql: str) -> tuple[list[str], list[tuple]]:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("set time zone 'UTC'")
            cur.execute(sql)
            return [c.name for c in cur.description], cur.fetchall()
    finally:
        conn.close()


def _dicts(columns: list[str], rows: list[tuple]) -> list[dict]:
    return [dict(zip(columns, row)) for row in rows]


# ---------------------------------------------------------------- checks against the key

def check_stories_per_outlet(rows: list[dict], loaded: LoadedKey) -> None:
    expected = Counter((_when(loaded, a.published_at).date(), a.outlet) for a in loaded.key if a.is_original)
    assert {(r["day"], r["outlet"]): r["stories"] for r in rows} == expected


def check_most_syndicated(rows: list[dict], loaded: LoadedKey) -> None:
    stories = loaded.key.stories()
    sizes = sorted((len(s) - 1 for s in stories.values()), reverse=True)
    assert [r["copies"] for r in rows] == sizes[:20]
    by_cluster = {loaded.cluster_ids[sid]: story for sid, story in stories.items()}
    for row in rows:
        story = by_cluster[row["cluster_id"]]
        assert row["copies"] == len(story) - 1
        assert sorted(row["outlets"]) == sorted({a.outlet for a in story})


def check_wire_lag(rows: list[dict], loaded: LoadedKey) -> None:
    lags: dict[str, list[float]] = {}
    for copy in loaded.key:
        original = loaded.key.by_url(copy.copy_of) if copy.copy_of else None
        if original and original.kind == "wire" and copy.kind == "tabloid":
            lag = _when(loaded, copy.published_at) - _when(loaded, original.published_at)
            lags.setdefault(copy.outlet, []).append(lag.total_seconds())
    assert lags, "the sample web has wire stories copied by tabloids"
    got = {r["copy_outlet"]: (r["copies"], r["median_lag"].total_seconds()) for r in rows}
    assert got == {outlet: (len(v), statistics.median(v)) for outlet, v in lags.items()}


def check_outlet_pairs(rows: list[dict], loaded: LoadedKey) -> None:
    expected = Counter(
        (loaded.key.by_url(a.copy_of).outlet, a.outlet) for a in loaded.key if a.copy_of
    )
    assert {(r["original_outlet"], r["copy_outlet"]): r["copies"] for r in rows} == expected


def check_search(rows: list[dict], loaded: LoadedKey) -> None:
    def mentions(title: str, text: list[str]) -> bool:
        return "injury crisis" in " ".join([title, *text]).lower()

    expected = {loaded.cluster_ids[a.story_id] for a in loaded.key
                if mentions(*((a.day2["title"], a.day2["text"]) if a.day2 else (a.title, a.text)))}
    clusters = [r["cluster_id"] for r in rows]
    assert expected and expected <= set(clusters)
    assert len(clusters) == len(set(clusters)), "one row per story"


def check_versions(rows: list[dict], loaded: LoadedKey) -> None:
    assert [r["fetch_no"] for r in rows] == [1, 2]
    assert [r["is_current"] for r in rows] == [False, True]
    assert rows[0]["body_sha256"] != rows[1]["body_sha256"]
    assert rows[1]["fetched_at"].date() == loaded.night(2)


def check_copies(rows: list[dict], loaded: LoadedKey) -> None:
    story = loaded.key.stories()[_updated_article(loaded).story_id]
    assert sorted(r["url"] for r in rows) == sorted(a.url for a in story)
    canonical = [r for r in rows if r["is_canonical"]]
    assert [r["url"] for r in canonical] == [next(a.url for a in story if a.is_original)]
    assert rows[0]["is_canonical"] and rows[0]["similarity"] == 1.0
    assert all(0 < r["similarity"] <= 1 for r in rows)


def expected_pages(loaded: LoadedKey) -> Counter:
    """(source, night) -> pages the loader stored: articles, night-2 edits, failed fetches."""
    pages = Counter((a.source, loaded.night(a.day)) for a in loaded.key)
    pages.update((a.source, loaded.night(2)) for a in loaded.key if a.day2)
    sources = {s["base_url"]: s["name"] for s in loaded.key.sources}
    for fault in loaded.key.faults:
        if fault["expected"].startswith(("http-404", "error", "timeout")):
            source = next(name for base, name in sources.items() if fault["url"].startswith(base + "/"))
            pages[(source, loaded.night(1))] += 1
    return pages


def check_source_health(rows: list[dict], loaded: LoadedKey) -> None:
    assert {(r["source"], r["night"]): r["pages_fetched"] for r in rows} == expected_pages(loaded)
    current_night = Counter(
        (a.source, loaded.night(2 if a.day2 else a.day)) for a in loaded.key
    )
    assert {(r["source"], r["night"]): r["articles"] for r in rows} == current_night
    assert all(r["furniture_articles"] == 0 for r in rows)


def check_crawl_report(rows: list[dict], loaded: LoadedKey) -> None:
    pages = expected_pages(loaded)
    got = {(r["source"], r["started_at"].date()): r["pages_fetched"] for r in rows}
    assert got == pages


CHECKS = {
    "Stories per outlet per day": check_stories_per_outlet,
    "The most syndicated stories this week": check_most_syndicated,
    "How fast wire stories reach the tabloids": check_wire_lag,
    "Which outlets copy which": check_outlet_pairs,
    "Full-text search of a phrase, one row per story": check_search,
    "An article's versions over time": check_versions,
    "A story's copies with their similarity": check_copies,
    "Source health over the last 7 nights crawled": check_source_health,
    "The last week of crawls": check_crawl_report,
}


@pytest.mark.parametrize("role", ["owner", "news_reader"])
@pytest.mark.parametrize("heading", list(QUERIES))
def test_cookbook_query(heading: str, role: str, key_database: LoadedKey) -> None:  # noqa: F811
    url = key_database.url if role == "owner" else reader_url(key_database.url)
    columns, rows = _run(url, _prepare(heading, QUERIES[heading], key_database))
    assert rows, f"{heading!r} returned nothing on the sample corpus"
    check = CHECKS.get(heading)
    assert check, f"add a check against the answer key for {heading!r}"
    check(_dicts(columns, rows), key_database)
