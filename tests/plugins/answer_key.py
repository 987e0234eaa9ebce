"""The sample web's answer key in a database: the one loader of the key for tests and bench.

Two states of a database are loaded from the key, both without serving the web:
- `load_answer_key` (the `key_database` fixture, for the views/search/export/cookbook tests):
  the state after crawl, extract AND dedup. No crawl, no extraction, no dedup: sources, pages and articles come straight from the key
through `pipeline.load.upsert`; clusters and members are built from the key's story_ids
(canonical = the key's original, similarity = the word 5-shingle Jaccard of the texts).
The key's clock is shifted so its second night is *today* (UTC): queries written with
`now()` (this week, last 7 nights) see the data whatever day the tests run.
- `load_key_articles` (the dedup tests and bench/dedup.py): the state dedup starts from —
  sources, one stub page per article text and the articles as the extract stage stores them,
  no clusters — so dedup can be run and scored against the key's story_ids (`pairwise_scores`).

The key is written by `write_sample_key` (without serving the web).

A pytest plugin (tests/conftest.py): the fixtures are available to every test module.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from itertools import combinations
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from pipeline.load import upsert
from pipeline.sampleweb.cli import base_urls_for
from pipeline.sampleweb.key import AnswerKey, KeyArticle, load_key, write_key
from pipeline.sampleweb.site import Site
from pipeline.sampleweb.world import CRAWL, World
from tests.plugins.database import new_database

STORIES, SEED = 40, 7
# the first night's crawl time of load_key_articles' pages
NIGHT_1 = datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc)


@dataclass
class LoadedKey:
    """What the loader put in the database, for assertions."""

    url: str
    key: AnswerKey
    shift: timedelta                 # added to every key time
    article_ids: dict[str, int]      # key url -> article_id
    cluster_ids: dict[str, int]      # story_id -> cluster_id

    def when(self, iso: str) -> datetime:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")) + self.shift

    def night(self, day: int):
        return (CRAWL[day] + self.shift).date()


def key_shift(now: datetime | None = None) -> timedelta:
    """Whole days that move the key's night 2 onto today (UTC)."""
    today = (now or datetime.now(UTC)).date()
    return timedelta(days=(today - CRAWL[2].date()).days)


def write_sample_key(directory: str | Path, seed: int = SEED, stories: int = STORIES,
                     base_urls: dict[str, str] | None = None) -> AnswerKey:
    """The sample web's answer key without serving it.

    base_urls: outlet slug -> base URL; default the loopback URLs a served sample web has
    (http://127.0.1.N:8000). The dedup tests and bench use `example_urls()`: there the key's
    texts and story labels are what matter.
    """
    site = Site(World(seed, stories), base_urls if base_urls is not None else base_urls_for("127.0.1", 8000),
                day=1, slow_seconds=6)
    return load_key(write_key(site, Path(directory)))


def example_urls() -> dict[str, str]:
    """Outlet slug -> https://<slug>.example (no server behind them)."""
    from pipeline.sampleweb import outlets

    return {o.slug: f"https://{o.slug}.example" for o in outlets.OUTLETS}


def key_without_web(out_dir: str | Path, seed: int = SEED, stories: int = STORIES) -> AnswerKey:
    """`write_sample_key` on https://<slug>.example URLs (the dedup tests' and bench's key)."""
    return write_sample_key(out_dir, seed, stories, example_urls())


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i:i + size]) for i in range(max(1, len(words) - size + 1))}


def jaccard(a: str, b: str) -> float:
    left, right = shingles(a), shingles(b)
    return len(left & right) / len(left | right) if left | right else 1.0


def load_answer_key(conn: psycopg2.extensions.connection, key: AnswerKey, shift: timedelta) -> LoadedKey:
    """Load the key as if both nights had been crawled, extracted and deduplicated."""
    def when(iso: str) -> datetime:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")) + shift

    with conn, conn.cursor() as cur:
        upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"],
               [(s["name"], s["outlet"], s["kind"], [s["host"]]) for s in key.sources],
               conflict=["name"])
        runs = {}
        for day in (1, 2):
            cur.execute(
                "insert into news.crawl_runs (started_at, finished_at, status, trigger)"
                " values (%s, %s, 'succeeded', 'test') returning run_id",
                (CRAWL[day] + shift, CRAWL[day] + shift + timedelta(minutes=20)),
            )
            runs[day] = cur.fetchone()[0]
        pages = []
        for article in key:
            pages.append(_page(article, article.day, article.title, article.text, runs, shift))
            if article.day2:
                pages.append(_page(article, 2, article.day2["title"], article.day2["text"], runs, shift))
        failed = [f for f in key.faults if f["expected"].startswith(("http-404", "error", "timeout"))]
        for fault in failed:
            source = next(s["name"] for s in key.sources if fault["url"].startswith(s["base_url"] + "/"))
            status = 404 if fault["expected"].startswith("http-404") else 0
            pages.append((runs[1], source, fault["url"], fault["url"], status, None, None, None,
                          fault["fault"], CRAWL[1] + shift, None))
        upsert(conn, "news.pages",
               ["run_id", "source", "url", "final_url", "status", "content_type", "body_zlib",
                "body_hash", "error", "fetched_at", "lastmod"],
               pages, conflict=None)
        cur.execute("select url, fetched_at, page_id from news.pages")
        page_ids = {(url, fetched): page_id for url, fetched, page_id in cur.fetchall()}
        articles = []
        for article in key:
            day = 2 if article.day2 else article.day
            title, text = (article.day2["title"], article.day2["text"]) if article.day2 else (article.title, article.text)
            body = "\n\n".join(text)
            articles.append((article.url, article.source, page_ids[(article.url, CRAWL[day] + shift)],
                             title, article.byline, when(article.published_at), "en", body,
                             len(body.split()), hashlib.sha256(body.encode()).digest(), "answer-key"))
        upsert(conn, "news.articles",
               ["canonical_url", "source", "page_id", "title", "byline", "published_at", "language",
                "text", "word_count", "text_hash", "extractor_version"],
               articles, conflict=["canonical_url"])
        cur.execute("select canonical_url, article_id, text from news.articles")
        stored = {url: (article_id, text) for url, article_id, text in cur.fetchall()}
        article_ids = {url: article_id for url, (article_id, _) in stored.items()}
        upsert(conn, "news.clusters", ["canonical_article_id"],
               [(article_ids[a.url],) for a in key if a.is_original], conflict=["canonical_article_id"])
        cur.execute("select canonical_article_id, cluster_id from news.clusters")
        cluster_of_canonical = dict(cur.fetchall())
        cluster_ids, members = {}, []
        for story_id, story in key.stories().items():
            original = next(a for a in story if a.is_original)
            cluster_id = cluster_of_canonical[article_ids[original.url]]
            cluster_ids[story_id] = cluster_id
            for article in story:
                if article is original:
                    members.append((article_ids[article.url], cluster_id, None, 1.0, "self"))
                else:
                    similarity = round(jaccard(stored[article.url][1], stored[original.url][1]), 4)
                    members.append((article_ids[article.url], cluster_id, article_ids[original.url],
                                    similarity, "minhash"))
        upsert(conn, "news.cluster_members",
               ["article_id", "cluster_id", "matched_article_id", "similarity", "method"],
               members, conflict=["article_id"])
        cur.execute("""
            insert into news.crawl_run_sources
                (run_id, source, pages_fetched, pages_failed, articles_new, articles_updated, duplicates_found)
            select p.run_id, p.source, count(*), count(*) filter (where p.body_hash is null),
                   count(a.article_id) filter (where p.fetched_at = r.started_at
                                                and not exists (select from news.pages as earlier
                                                                where earlier.url = p.url
                                                                  and earlier.fetched_at < p.fetched_at)),
                   count(*) filter (where exists (select from news.pages as earlier
                                                  where earlier.url = p.url
                                                    and earlier.fetched_at < p.fetched_at)),
                   count(m.article_id) filter (where m.method <> 'self')
            from news.pages as p
            join news.crawl_runs as r on r.run_id = p.run_id
            left join news.articles as a on a.canonical_url = p.url
            left join news.cluster_members as m on m.article_id = a.article_id and a.page_id = p.page_id
            group by p.run_id, p.source
        """)
    return LoadedKey(url="", key=key, shift=shift, article_ids=article_ids, cluster_ids=cluster_ids)


def text_of(paragraphs: Sequence[str]) -> str:
    """Paragraphs as the extract stage stores them: one per line."""
    return "\n".join(paragraphs)


def load_key_articles(
    conn: psycopg2.extensions.connection,
    records: Iterable[Any],
    day: int = 1,
    fetched_at: datetime | None = None,
) -> dict[str, int]:
    """Store key records (their text as of `day`) as sources, pages and articles; url -> article_id.

    Records are the sample web's KeyArticle (or anything with the same fields). Pages get
    fetched_at = the night's crawl time unless given. Runs in one transaction.
    """
    records = list(records)
    fetched = fetched_at or NIGHT_1 + timedelta(days=day - 1)
    rows = []
    for r in records:
        text = r.day2["text"] if (day >= 2 and r.day2) else r.text
        title = r.day2["title"] if (day >= 2 and r.day2) else r.title
        body = text_of(text)
        digest = hashlib.sha256(body.encode()).digest()
        rows.append((r, title, body, digest))
    sources = {r.source: (r.source, r.outlet, r.kind, [r.url.split("/")[2]]) for r in records}
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"], list(sources.values()),
               conflict=["name"], update=[])
        upsert(
            conn, "news.pages",
            ["source", "url", "final_url", "status", "content_type", "body_zlib", "body_hash",
             "body_bytes", "fetched_at"],
            [(r.source, r.url, r.url, 200, "text/html", zlib.compress(body.encode()), digest,
              len(body.encode()), fetched) for r, _, body, digest in rows],
            conflict=["url", "body_hash"], update=[],
        )
        with conn.cursor() as cur:
            cur.execute(
                """
                select p.url, p.page_id from news.pages as p
                join unnest(%s::text[], %s::bytea[]) as k (url, body_hash)
                  on k.url = p.url and k.body_hash = p.body_hash
                """,
                ([r.url for r, *_ in rows], [digest for *_, digest in rows]),
            )
            page_of = dict(cur.fetchall())
        upsert(
            conn, "news.articles",
            ["canonical_url", "source", "page_id", "title", "byline", "published_at", "language",
             "text", "word_count", "text_hash", "extractor_version"],
            [(r.url, r.source, page_of[r.url], title, r.byline, r.published_at, "en", body,
              len(body.split()), digest, "answer-key") for r, title, body, digest in rows],
            conflict=["canonical_url"],
        )
        with conn.cursor() as cur:
            cur.execute("select canonical_url, article_id from news.articles where canonical_url = any(%s)",
                        ([r.url for r in records],))
            return dict(cur.fetchall())


def stored_clusters(conn: psycopg2.extensions.connection) -> dict[int, tuple[int, int]]:
    """article_id -> (cluster_id, canonical article_id) as dedup stored them."""
    with conn.cursor() as cur:
        cur.execute(
            """
            select m.article_id, m.cluster_id, c.canonical_article_id
            from news.cluster_members as m
            join news.clusters as c on c.cluster_id = m.cluster_id
            """
        )
        return {row[0]: (row[1], row[2]) for row in cur.fetchall()}


def _pairs(groups: dict[Any, set[int]]) -> set[tuple[int, int]]:
    return {pair for members in groups.values() for pair in combinations(sorted(members), 2)}


def pairwise_scores(conn: psycopg2.extensions.connection, records: Iterable[Any],
                    article_ids: dict[str, int]) -> dict[str, Any]:
    """Pairwise precision and recall of the stored clusters against the key's story_ids.

    Returns precision, recall, the wrong and missed pairs (as URL pairs) and the originals
    that are not their cluster's canonical.
    """
    records = [r for r in records if r.url in article_ids]
    stored = stored_clusters(conn)
    url_of = {article_ids[r.url]: r.url for r in records}
    found: dict[int, set[int]] = {}
    truth: dict[str, set[int]] = {}
    for r in records:
        article_id = article_ids[r.url]
        found.setdefault(stored[article_id][0] if article_id in stored else -article_id, set()).add(article_id)
        truth.setdefault(r.story_id, set()).add(article_id)
    found_pairs, true_pairs = _pairs(found), _pairs(truth)
    hits = len(found_pairs & true_pairs)
    return {
        "precision": hits / len(found_pairs) if found_pairs else 1.0,
        "recall": hits / len(true_pairs) if true_pairs else 1.0,
        "pairs": len(found_pairs),
        "true_pairs": len(true_pairs),
        "wrong": sorted((url_of[a], url_of[b]) for a, b in found_pairs - true_pairs),
        "missed": sorted((url_of[a], url_of[b]) for a, b in true_pairs - found_pairs),
        "misplaced_originals": sorted(
            r.url for r in records
            if r.is_original and stored.get(article_ids[r.url], (0, 0))[1] != article_ids[r.url]
            and len(truth[r.story_id]) > 1
        ),
    }


def _page(article: KeyArticle, day: int, title: str, text: list[str], runs: dict, shift: timedelta) -> tuple:
    html = f"<html><head><title>{title}</title></head><body>{''.join(f'<p>{p}</p>' for p in text)}</body></html>"
    body = html.encode()
    published = datetime.fromisoformat(article.published_at.replace("Z", "+00:00")) + shift
    lastmod = published if day == article.day else CRAWL[day] + shift - timedelta(hours=3)
    return (runs[day], article.source, article.url, article.url, 200, "text/html; charset=utf-8",
            zlib.compress(body), hashlib.sha256(body).digest(), None, CRAWL[day] + shift, lastmod)


@pytest.fixture(scope="session")
def sample_key(tmp_path_factory: pytest.TempPathFactory) -> AnswerKey:
    return write_sample_key(tmp_path_factory.mktemp("answer-key"))


@pytest.fixture(scope="session")
def key_database(pg_server_url: str, template_database_url: str, sample_key: AnswerKey) -> Iterator[LoadedKey]:
    """One database loaded from the key, shared read-only by the tests of a session."""
    url = new_database(pg_server_url)
    conn = psycopg2.connect(url)
    try:
        loaded = load_answer_key(conn, sample_key, key_shift())
    finally:
        conn.close()
    loaded.url = url
    yield loaded


@pytest.fixture
def key_conn(key_database: LoadedKey) -> Iterator[psycopg2.extensions.connection]:
    conn = psycopg2.connect(key_database.url)
    yield conn
    conn.close()
