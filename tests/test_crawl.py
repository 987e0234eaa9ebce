"""The crawl end to end: real Scrapy over real HTTP against the sample web, real PostgreSQL.

One day-1 crawl (module fixture, own database) is checked for discovery, politeness and
every fault in the answer key; then the same database is crawled again (nothing new) and on
day 2 (updated articles get a new version). Separate tests cover SIGTERM, a failing source
and crawl() being called repeatedly in one process with a caller-owned run.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import yaml

from pipeline import paths
from pipeline.crawl import CrawlSummary, crawl
from pipeline.runs import close_run as finish_run
from pipeline.runs import open_run as start_run
from pipeline.sources import load_sources
from tests.plugins.database import exported_database, query as _query


class Day1:
    def __init__(self, url: str, summary: CrawlSummary, hits: dict):
        self.url, self.summary, self.hits = url, summary, hits

    def pages(self) -> dict[str, list[tuple]]:
        """url → rows of (source, final_url, status, content_type, has_body, error)."""
        out: dict[str, list[tuple]] = {}
        for row in _query(self.url, "select url, source, final_url, status, content_type, body_hash is not null, "
                                    "error from news.pages order by page_id"):
            out.setdefault(row[0], []).append(row[1:])
        return out


@pytest.fixture(scope="module")
def day1(sample_web, pg_server_url: str, template_database_url: str) -> Iterator[Day1]:
    with exported_database(pg_server_url) as url:
        sample_web.set_day(1)
        sample_web.reset_faults()
        summary = crawl(sample_web.sources_path, trigger="test")
        yield Day1(url, summary, sample_web.state()["hits"])


def _fault(sample_web, name: str) -> dict:
    return next(f for f in sample_web.key.faults if f["fault"] == name)


def test_every_announced_day1_article_is_stored(day1: Day1, sample_web) -> None:
    pages = day1.pages()
    announced = [a for a in sample_web.key.articles if a.day == 1 and (a.in_feeds or a.in_sitemaps)]
    assert announced
    missing = [a.url for a in announced if not any(row[4] for row in pages.get(a.url, []))]
    assert missing == []
    assert day1.summary.status == "succeeded" and day1.summary.failed_sources == []
    run = _query(day1.url, "select status, finished_at is not null, report->>'status' from news.crawl_runs")
    assert run == [("succeeded", True, "succeeded")]


def test_urls_are_stored_once_without_tracking_parameters(day1: Day1) -> None:
    pages = day1.pages()
    assert not [u for u in pages if re.search(r"[?&](utm_|fbclid|gclid)|#", u)]
    assert {u: len(rows) for u, rows in pages.items() if len(rows) > 1} == {}


def test_only_article_urls_of_the_source_are_fetched(day1: Day1, sample_web) -> None:
    sources_file = load_sources(sample_web.sources_path)
    for url in day1.pages():
        owner = sources_file.for_host(re.match(r"https?://([^/:]+)", url).group(1))
        assert owner is not None and re.search(owner.article_url, url), url


def test_robots_disallowed_page_is_not_fetched(day1: Day1, sample_web) -> None:
    fault = _fault(sample_web, "robots-disallowed")
    assert fault["url"] not in day1.pages()
    path = re.sub(r"^https?://[^/]+", "", fault["url"])
    assert day1.hits.get(fault["source"] + path, 0) == 0
    assert day1.summary.sources[fault["source"]].robots_blocked >= 1


@pytest.mark.parametrize(
    ("fault", "status", "error"),
    [
        ("not-found", 404, r"HTTP 404"),
        ("slow", 0, r"(?i)timeout|took longer"),
        ("redirect-loop", 0, r"(?i)redirect"),
        ("oversized", 0, r"(?i)max size|maxsize|larger than"),
        ("not-html", 200, r"not HTML"),
        ("not-html-jpeg", 200, r"not HTML"),
    ],
)
def test_failed_fetches_are_recorded_without_body(day1: Day1, sample_web, fault: str, status: int, error: str) -> None:
    url = _fault(sample_web, fault)["url"]
    ((source, final_url, got_status, content_type, has_body, got_error),) = day1.pages()[url]
    assert (got_status, has_body) == (status, False)
    assert re.search(error, got_error or ""), got_error
    if status == 200:
        assert content_type  # the fetch is kept with its declared type, but no body


def test_pages_that_work_after_a_retry_or_with_a_bad_charset_are_stored(day1: Day1, sample_web) -> None:
    for name in ("server-error-once", "wrong-charset"):
        rows = day1.pages()[_fault(sample_web, name)["url"]]
        assert [(r[2], r[4]) for r in rows] == [(200, True)], name


def test_offsite_redirect_is_stored_under_the_target_source(day1: Day1, sample_web) -> None:
    fault = _fault(sample_web, "redirect-offsite")
    ((source, final_url, status, _, has_body, _),) = day1.pages()[fault["url"]]
    assert (status, has_body) == (200, True)
    target = load_sources(sample_web.sources_path).for_host(re.match(r"https?://([^/:]+)", final_url).group(1))
    assert source == target.name != fault["source"]


def test_broken_feeds_and_sitemaps_are_reported_and_the_source_still_crawled(day1: Day1, sample_web) -> None:
    for name in ("broken-gzip-sitemap", "malformed-feed", "billion-laughs"):
        fault = _fault(sample_web, name)
        counts = day1.summary.sources[fault["source"]]
        assert counts.status == "ok" and counts.documents_failed >= 1, name
        assert any(fault["url"] in e for e in counts.errors), (name, counts.errors)
        assert counts.pages_new > 0, name


def test_run_counts_match_the_stored_pages(day1: Day1) -> None:
    # a page redirected onto another outlet is stored under that outlet but counted for the
    # source that announced it (a crawl writes only its own sources' counters)
    stored = _query(day1.url, "select count(*), count(*) filter (where body_hash is null) from news.pages")[0]
    counted = _query(day1.url, "select sum(pages_fetched), sum(pages_failed) from news.crawl_report")[0]
    assert counted == stored
    assert sum(c.pages_fetched for c in day1.summary.sources.values()) == stored[0]
    canonical = _query(day1.url, "select count(*) filter (where canonical_url is not null), "
                                 "count(*) filter (where body_hash is not null) from news.pages")[0]
    assert canonical[0] > 0.9 * canonical[1]


def test_recrawl_fetches_nothing_new_then_day2_stores_new_versions(day1: Day1, sample_web_day) -> None:
    """Runs after the checks above (module order): it adds runs to the day-1 database."""
    web = sample_web_day
    before = _query(day1.url, "select count(*) from news.pages")[0][0]
    again = crawl(web.sources_path, trigger="test")
    assert again.status == "succeeded"
    assert sum(c.pages_new + c.pages_updated for c in again.sources.values()) == 0
    assert _query(day1.url, "select count(*) from news.pages")[0][0] == before

    day1_dates = _announced_dates(web.sources_path)
    web.set_day(2)
    day2_dates = _announced_dates(web.sources_path)
    day2 = crawl(web.sources_path, trigger="test")
    assert day2.status == "succeeded"
    # an update is visible to a crawler when its feed/sitemap date moves (an RSS pubDate does not)
    updated = {a.url for a in web.key.articles if a.day == 1 and a.day2
               and day2_dates.get(a.url) and day2_dates[a.url] > (day1_dates.get(a.url) or day2_dates[a.url])}
    versions = dict(_query(day1.url, "select url, count(*) from news.pages where body_hash is not null group by url"))
    assert updated and all(versions.get(u) == 2 for u in updated), {u: versions.get(u) for u in updated}
    unchanged = {a.url for a in web.key.articles if a.day == 1 and not a.day2 and a.fault is None
                 and (a.in_feeds or a.in_sitemaps)}
    assert all(versions.get(u) == 1 for u in unchanged)
    new_on_day2 = {a.url for a in web.key.articles if a.day == 2 and (a.in_feeds or a.in_sitemaps)}
    assert new_on_day2 <= set(versions)
    assert sum(c.pages_updated for c in day2.sources.values()) >= len(updated)


def _announced_dates(sources_path: Path) -> dict:
    """normalised URL → newest date its feeds/sitemaps give, read the way the spider reads them."""
    import urllib.request

    from pipeline import urls
    from spiders import discovery

    dates: dict = {}
    for source in load_sources(sources_path).sources:
        todo = [*source.feeds, *source.sitemaps]
        while todo:
            try:
                with urllib.request.urlopen(todo.pop(), timeout=10) as response:
                    document = discovery.parse(response.read())
            except (OSError, discovery.DiscoveryError):
                continue
            todo += [child.url for child in document.sitemaps]
            for entry in document.entries:
                url = urls.normalise(entry.url)
                if entry.lastmod and (url not in dates or entry.lastmod > dates[url]):
                    dates[url] = entry.lastmod
    return dates


def _slow_sources(sample_web, tmp_path: Path) -> Path:
    """The sample web's sources, one request per host at a time with a delay: a crawl long enough to stop."""
    doc = yaml.safe_load(Path(sample_web.sources_path).read_text())
    doc["settings"].update({"CONCURRENT_REQUESTS_PER_DOMAIN": 1, "DOWNLOAD_DELAY": 1.0, "NEWSCORPUS_FLUSH_SECONDS": 0.5})
    path = tmp_path / "slow-sources.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_sigterm_ends_the_run_interrupted_and_keeps_pages(sample_web, database_url: str, tmp_path: Path) -> None:
    sample_web.set_day(1)
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "crawl", "--sources", str(_slow_sources(sample_web, tmp_path))],
        cwd=paths.REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if _query(database_url, "select count(*) from news.pages")[0][0] > 0:
            break
        time.sleep(0.1)
    assert process.poll() is None, "the crawl finished before it could be interrupted"
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode != 0
    ((status, finished, error),) = _query(database_url, "select status, finished_at is not null, error from news.crawl_runs")
    assert (status, finished) == ("interrupted", True), err[-2000:]
    stored = _query(database_url, "select count(*) from news.pages")[0][0]
    counted = _query(database_url, "select coalesce(sum(pages_fetched), 0) from news.crawl_run_sources")[0][0]
    assert stored > 0 and counted == stored
    total = sum(1 for a in sample_web.key.articles if a.day == 1 and (a.in_feeds or a.in_sitemaps))
    assert stored < total  # stopped mid-crawl


def test_failing_source_does_not_stop_others_and_runs_belong_to_the_caller(
    sample_web, database_url: str, tmp_path: Path
) -> None:
    doc = yaml.safe_load(Path(sample_web.sources_path).read_text())
    lantern = next(s for s in doc["sources"] if s["name"] == "daily-lantern")
    dead = {"name": "dead-wire", "outlet": "Dead Wire", "kind": "wire", "domains": ["127.0.0.1"],
            "feeds": ["http://127.0.0.1:9/feed.xml"], "sitemaps": ["http://127.0.0.1:9/sitemap.xml"]}
    doc["sources"] = [lantern, dead]
    path = tmp_path / "two.yaml"
    path.write_text(yaml.safe_dump(doc))

    conn = psycopg2.connect(database_url)
    try:
        run_id = start_run(conn, "test")
        first = crawl(path, run_id=run_id, trigger="test")
        second = crawl(path, only=["daily-lantern"], max_pages=1, run_id=run_id, trigger="test")  # same process
        assert first.failed_sources == ["dead-wire"] and first.status == "succeeded"
        assert first.sources["daily-lantern"].pages_new > 0
        assert second.run_id == run_id and second.sources["daily-lantern"].pages_fetched == 0
        assert _query(database_url, "select status from news.crawl_runs") == [("running",)]
        rows = dict(_query(database_url, "select source, pages_fetched from news.crawl_run_sources"))
        assert rows["daily-lantern"] == first.sources["daily-lantern"].pages_fetched
        assert rows["dead-wire"] == 0
        finish_run(conn, run_id, "succeeded", report=first.as_report())
    finally:
        conn.close()
    assert _query(database_url, "select status from news.crawl_runs") == [("succeeded",)]


def test_max_pages_bounds_a_run(sample_web, database_url: str) -> None:
    sample_web.set_day(1)
    summary = crawl(sample_web.sources_path, only=["daily-beacon", "daily-courier"], max_pages=3, trigger="test")
    assert sum(c.pages_fetched for c in summary.sources.values()) == 3
    assert _query(database_url, "select count(*) from news.pages")[0][0] == 3


def test_revisit_catches_an_update_its_feed_does_not_redate(
    database_url: str, sample_web_factory, tmp_path: Path
) -> None:
    web = sample_web_factory(stories=40)
    doc = yaml.safe_load(Path(web.sources_path).read_text())
    doc["settings"]["NEWSCORPUS_REVISIT_EVERY_HOURS"] = 0  # due at once: the test's "next night"
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump(doc))
    crawl(sources, trigger="test")
    web.set_day(2)
    day2 = crawl(sources, trigger="test")
    assert day2.status == "succeeded"
    updated = {a.url for a in web.key.articles if a.day == 1 and a.day2 and a.fault is None}
    versions = dict(_query(database_url, "select url, count(*) from news.pages where body_hash is not null group by url"))
    assert updated and {u: versions.get(u) for u in updated} == {u: 2 for u in updated}
    unchanged = {a.url for a in web.key.articles if a.day == 1 and not a.day2 and a.fault is None}
    assert all(versions.get(u, 1) == 1 for u in unchanged)  # revisited, same body: stored once
