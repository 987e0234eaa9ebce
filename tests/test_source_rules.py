"""extract cleans each source's pages with the outlet rules it was crawled with (stored in
news.sources by migration 014), so re-extracting without --sources, or with a file that lacks
the source, never silently drops them; a file that changes them says so and is stored."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from pipeline.extract import extract_pending
from pipeline.sources import load_sources, upsert_sources
from tests.test_extract_learned import store_pages, texts

RULED = ("daily-courier", "worldwire")  # outlets whose sample pages need their own rules


@pytest.fixture(scope="module")
def written_web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.sampleweb.writer import write_site

    return write_site(tmp_path_factory.mktemp("web"), stories=40)


@pytest.fixture
def crawled(conn, written_web: Path):  # noqa: ANN001, ANN201
    """The ruled outlets' night-1 pages stored as the crawl stores them, sources file recorded."""
    from pipeline.sampleweb.key import load_key

    sources_path = written_web / "sources.yaml"
    with conn:
        upsert_sources(conn, load_sources(sources_path).sources, sources_path)
    articles = [a for a in load_key(written_web / "key").articles_on(1) if a.source in RULED]
    when = datetime(2026, 11, 23, 5, tzinfo=UTC)
    pages = []
    for i, article in enumerate(articles):
        parts = urlsplit(article.url)
        path = parts.path + ("index.html" if parts.path.endswith("/") else "")
        pages.append((article.source, article.url,
                      (written_web / parts.hostname / path.lstrip("/")).read_bytes(), when + timedelta(seconds=i)))
    store_pages(conn, pages)
    return articles


def _clean_as_the_key_says(conn, articles) -> None:  # noqa: ANN001
    stored = texts(conn)
    for article in articles:
        assert stored[article.url] == "\n\n".join(article.text), article.url


def test_extract_without_sources_uses_the_rules_stored_at_the_crawl(conn, crawled) -> None:
    extract_pending(conn)  # no --sources: ./sources.yaml knows none of these outlets
    _clean_as_the_key_says(conn, crawled)
    extract_pending(conn, reextract=True)  # `extract --all` weeks later, elsewhere
    _clean_as_the_key_says(conn, crawled)


def test_a_file_lacking_the_sources_keeps_their_rules_and_says_so(conn, crawled, tmp_path: Path, caplog) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("sources:\n  - name: elsewhere\n    outlet: Elsewhere\n    kind: wire\n"
                     "    domains: [elsewhere.test]\n")
    with caplog.at_level(logging.WARNING):
        extract_pending(conn, sources_path=other)
    _clean_as_the_key_says(conn, crawled)
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "does not list" in warning and all(name in warning for name in RULED)


def test_a_file_that_changes_the_rules_applies_stores_and_says_so(
        conn, crawled, written_web: Path, tmp_path: Path, caplog) -> None:
    courier = [a for a in crawled if a.source == "daily-courier"]
    # the new rules drop one real paragraph: visible in the stored text, whatever generic cleaning does
    rule = "^" + re.escape(courier[0].text[0]) + "$"
    raw = yaml.safe_load((written_web / "sources.yaml").read_text())
    for source in raw["sources"]:
        if source["name"] == "daily-courier":
            source["boilerplate"] = {"drop_lines": [rule]}
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(raw))
    with caplog.at_level(logging.WARNING):
        extract_pending(conn, sources_path=changed, reextract=True)
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "changes the outlet rules of daily-courier" in warning
    stored = texts(conn)
    assert stored[courier[0].url] == "\n\n".join(courier[0].text[1:])  # the new rule applied, as asked
    with conn, conn.cursor() as cur:
        cur.execute("select boilerplate, sources_file from news.sources where name = 'daily-courier'")
        boilerplate, origin = cur.fetchone()
    assert boilerplate == {"drop_selectors": [], "drop_blocks_headed": [], "drop_lines": [rule]}
    assert origin == str(changed.resolve())


def test_the_cli_warns_in_one_line_per_disagreement(database_url: str, conn, crawled, tmp_path: Path) -> None:
    import subprocess
    import sys

    other = tmp_path / "other.yaml"
    other.write_text("sources:\n  - name: elsewhere\n    outlet: Elsewhere\n    kind: wire\n"
                     "    domains: [elsewhere.test]\n")
    result = subprocess.run([sys.executable, "-m", "pipeline", "extract", "--sources", str(other)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(lines) == 1 and lines[0].startswith("newscorpus extract: WARNING:")
