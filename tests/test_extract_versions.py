"""Versions of one article over a real database: which fetch holds news.articles.

A later fetch the cleaner refuses or that yields no paragraphs must not replace a good
article; two extracts at once (Airflow task and CLI) must not put an older version back.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest

import pipeline.extract.pool as pool_module
import pipeline.extract.store as store_module
from pipeline.extract import extract_pending
from tests.test_extract_learned import store_pages

URL = "https://tab.example/news/1/bridge/"
WHEN = datetime(2026, 11, 23, 5, tzinfo=UTC)


def article_page(title: str, sentence: str) -> bytes:
    paragraphs = "".join(f"<p>Paragraph {i}: {sentence}</p>" for i in range(8))
    return (f"<html lang='en'><head><title>{title}</title><meta property='og:type' content='article'>"
            f"<meta property='article:published_time' content='2026-11-22T09:00:00Z'></head>"
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>").encode()


GOOD = article_page("Bridge shut", "the council confirmed the bridge would stay shut for several weeks.")
NEWER = article_page("Bridge reopens", "the council now says the bridge will reopen to traffic on Monday.")


def add_source(conn) -> None:  # noqa: ANN001
    with conn, conn.cursor() as cur:
        cur.execute("insert into news.sources (name, outlet, kind, domains) values "
                    "('tab', 'The Tab', 'tabloid', '{tab.example}')")


def article(conn) -> tuple:  # noqa: ANN001
    """(page_id, title, is_article, word_count) of the article at URL."""
    with conn, conn.cursor() as cur:
        cur.execute("select page_id, title, is_article, word_count from news.articles where canonical_url = %s",
                    (URL,))
        return cur.fetchone()


def page_id(conn, fetched_at: datetime) -> int:  # noqa: ANN001
    with conn, conn.cursor() as cur:
        cur.execute("select page_id from news.pages where url = %s and fetched_at = %s", (URL, fetched_at))
        return cur.fetchone()[0]


def outcome(conn, page: int) -> tuple:  # noqa: ANN001
    with conn, conn.cursor() as cur:
        cur.execute("select outcome, canonical_url from news.page_extractions where page_id = %s", (page,))
        return cur.fetchone()


@pytest.mark.parametrize("junk", ["binary", "blank", "cleaner_error", "no_paragraphs"])
def test_a_bad_later_fetch_keeps_the_good_article(conn, monkeypatch: pytest.MonkeyPatch, junk: str) -> None:
    add_source(conn)
    store_pages(conn, [("tab", URL, GOOD, WHEN)])
    extract_pending(conn)
    good = article(conn)
    assert good[2] is True and good[3] > 50

    body = {
        "binary": b"\x00\x01\x02\xff\xfe" * 400,
        "blank": b"   ",
        "cleaner_error": b"<html><body><p>BOOM</p></body></html>",
        "no_paragraphs": b"<html><head><title>Bridge shut</title></head><body><nav></nav></body></html>",
    }[junk]
    if junk == "cleaner_error":
        real = pool_module.extract_draft

        def breaks(html, *args):  # noqa: ANN001, ANN002, ANN202
            if b"BOOM" in html:
                raise RuntimeError("cleaner broke")
            return real(html, *args)

        monkeypatch.setattr(pool_module, "extract_draft", breaks)
        monkeypatch.setattr(pool_module, "page_seconds", lambda: 0)  # draft in-process: the patch applies
    store_pages(conn, [("tab", URL, body, WHEN + timedelta(hours=1))])
    summary = extract_pending(conn)
    assert summary.pages_seen == 1 and summary.articles_updated == 0
    assert summary.failed == (1 if junk == "cleaner_error" else 0)
    assert article(conn) == good
    junk_page = page_id(conn, WHEN + timedelta(hours=1))
    assert outcome(conn, junk_page) == ("superseded", URL)
    with conn, conn.cursor() as cur:
        cur.execute("select count(*) from news.all_articles where url = %s", (URL,))
        assert cur.fetchone() == (1,)

    # the whole history again gives the same answer
    extract_pending(conn, reextract=True)
    assert article(conn) == good
    # and a newer good fetch still replaces the article
    store_pages(conn, [("tab", URL, NEWER, WHEN + timedelta(hours=2))])
    assert extract_pending(conn).articles_updated == 1
    assert article(conn)[1:3] == ("Bridge reopens", True)


def test_a_bad_fetch_in_the_same_batch_keeps_the_good_article(conn) -> None:
    add_source(conn)
    store_pages(conn, [("tab", URL, GOOD, WHEN), ("tab", URL, b"\x00\xff" * 500, WHEN + timedelta(hours=1))])
    summary = extract_pending(conn)
    assert summary.articles_new == 1
    assert article(conn)[1:3] == ("Bridge shut", True)


def test_a_bad_page_with_no_good_version_is_still_stored_as_not_article(conn) -> None:
    add_source(conn)
    store_pages(conn, [("tab", URL, b"\x00\xff" * 500, WHEN)])
    store_pages(conn, [("tab", URL, b"   ", WHEN + timedelta(hours=1))])
    summary = extract_pending(conn)
    assert (summary.articles_new, summary.not_articles) == (1, 2)
    held = article(conn)
    assert held[2:] == (False, 0)
    assert outcome(conn, held[0]) == ("not_article", URL)


def test_a_concurrent_extract_never_puts_an_older_version_back(conn, database_url: str, monkeypatch) -> None:
    """CLI `extract --reextract` of the old fetch races the nightly extract of a newer one.

    The reextract reads "which version is current" and is held just before it writes the
    article; meanwhile the nightly extract stores the newer version. Without serialising, the
    held reextract then overwrites the newer article with the old one.
    """
    add_source(conn)
    store_pages(conn, [("tab", URL, GOOD, WHEN)])
    extract_pending(conn)
    old_page = article(conn)[0]

    reextract = psycopg2.connect(database_url)
    nightly = psycopg2.connect(database_url)
    nightly_pid = nightly.get_backend_pid()
    watch = psycopg2.connect(database_url)  # the held reextract's view of the nightly session
    watch.autocommit = True
    nightly_done = threading.Event()
    held = threading.Event()
    real_upsert = store_module.upsert

    def nightly_finished_or_waiting() -> bool:
        if nightly_done.is_set():
            return True
        with watch.cursor() as cur:
            cur.execute("select wait_event_type = 'Lock' from pg_stat_activity where pid = %s", (nightly_pid,))
            return bool(cur.fetchone()[0])

    def slow_upsert(db, table, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        if table == "news.articles" and threading.current_thread().name == "reextract":
            held.set()
            deadline = time.monotonic() + 30
            while not nightly_finished_or_waiting() and time.monotonic() < deadline:
                time.sleep(0.05)
        return real_upsert(db, table, *args, **kw)

    monkeypatch.setattr(store_module, "upsert", slow_upsert)
    errors: list[BaseException] = []

    def run(connection, done: threading.Event | None = None, **kw) -> None:  # noqa: ANN001, ANN003
        try:
            extract_pending(connection, **kw)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            held.set()
            if done is not None:
                done.set()

    first = threading.Thread(target=run, args=(reextract,), kwargs={"reextract": True}, name="reextract")
    first.start()
    assert held.wait(30)
    store_pages(conn, [("tab", URL, NEWER, WHEN + timedelta(hours=1))])
    second = threading.Thread(target=run, args=(nightly, nightly_done), name="nightly")
    second.start()
    first.join(60)
    second.join(60)
    reextract.close()
    nightly.close()
    watch.close()
    assert not errors and not first.is_alive() and not second.is_alive()
    new_page, title, is_article, _ = article(conn)
    assert (title, is_article) == ("Bridge reopens", True)
    assert new_page != old_page
    assert outcome(conn, old_page) == ("article", URL)
    assert outcome(conn, new_page) == ("article", URL)


def test_an_older_version_fetched_again_is_found_by_extract_not_reset_by_the_store(conn) -> None:
    """A → B → A through the page store with historical fetch times (a WARC backfill): the store
    only moves the A row's fetched_at (it writes no extract table), and extract finds the row
    again by that move — not by comparing clocks, so dates long before the extraction work."""
    from types import SimpleNamespace

    from pipeline.pages import store

    def fetch(body: bytes, fetched_at: datetime) -> SimpleNamespace:
        return SimpleNamespace(source="tab", url=URL, final_url=URL, canonical_url=None, status=200,
                               content_type="text/html; charset=utf-8", body=body, lastmod=None, error=None,
                               fetched_at=fetched_at, warc_file=None, warc_offset=None, warc_length=None)

    add_source(conn)
    long_ago = datetime(2024, 3, 1, tzinfo=UTC)
    for body, when in [(GOOD, long_ago), (NEWER, long_ago + timedelta(days=1))]:
        with conn:
            store(conn, None, [fetch(body, when)])
        extract_pending(conn)
    assert article(conn)[1] == "Bridge reopens"
    first = page_id(conn, long_ago)
    with conn:
        store(conn, None, [fetch(GOOD, long_ago + timedelta(days=2))])  # back to the first version
    assert outcome(conn, first) == ("article", URL)  # the page store left extract's record alone
    summary = extract_pending(conn)
    assert (summary.pages_seen, summary.articles_updated) == (1, 1)
    held = article(conn)
    assert held[:2] == (first, "Bridge shut")
    assert extract_pending(conn).pages_seen == 0  # and it is done: a rerun finds nothing
