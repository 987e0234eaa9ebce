"""The extract stage: stored pages (news.pages) → cleaned articles (news.articles).

Per batch of pages not yet extracted, oldest fetch first:

1. draft every page (decode, metadata, generic + outlet cleaning, trafilatura: see
   `pipeline.clean.article`), optionally in a process pool;
2. store each page's paragraph fingerprints and learn the furniture of the batch's
   domains from every stored page (`pipeline.clean.learned`, set-oriented SQL);
3. finish each draft with its domain's learned furniture and upsert the articles, keyed
   by canonical URL (only a canonical on the page's own source; a foreign canonical is kept
   in `canonical_link`), the latest fetched version winning;
4. record the page as extracted (news.page_extractions) with the extractor version.

Furniture learned in a later batch also re-cleans the current articles it appears in, so
the result does not depend on batch boundaries. Earlier versions of an article stay
reachable through news.pages.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg2.extensions

from pipeline.clean import EXTRACTOR_VERSION, CleanedArticle, Draft, extract_draft, finish
from pipeline.clean import learned as learned_layer
from pipeline.clean.metadata import Metadata
from pipeline.clean.urls import host_of, normalise_url
from pipeline.load import upsert
from pipeline.sources import Boilerplate, load_sources

log = logging.getLogger(__name__)

Conn = psycopg2.extensions.connection
# bench/cleaning.py, 600 pages on this project's 2 cores shared with other jobs: in-process
# 90 and 71 pages/s, 2-process spawn pool 60 and 118 pages/s in two runs. Inconclusive while
# the cores are shared, so the pool is opt-in (`workers=2`, `extract --workers 2`).
DEFAULT_WORKERS = 1
FAILED = "failed: "  # Draft.refused prefix: the cleaner broke (counted), not a bad page
# serialises the write half of extract batches on one database (the Airflow task and a CLI
# run at once): "which version is current?" must be read by the transaction that writes
EXTRACT_LOCK_KEY = 0x65787472  # b"extr"

ARTICLE_COLUMNS = [
    "canonical_url", "source", "page_id", "title", "byline", "published_at", "language",
    "site_name", "categories", "text", "word_count", "text_hash", "extractor_version", "flags",
    "is_article", "canonical_link", "source_link",
]

PENDING_SQL = """
select p.page_id
from news.pages as p
left join news.page_extractions as e on e.page_id = p.page_id
where (p.body_zlib is not null or p.body_hash is not null and p.warc_file is not null)  -- 015: body in WARC
  and (e.page_id is null or %(reextract)s)
order by p.fetched_at, p.page_id
"""

PAGES_SQL = """
select p.page_id, p.source, p.url, p.final_url, p.canonical_url, p.status, p.content_type,
       p.body_zlib, p.fetched_at, p.warc_file, p.warc_offset, p.warc_length
from news.pages as p
where p.page_id = any(%s)
order by p.fetched_at, p.page_id
"""

# current article rows for a set of keys, with the fetch time of the page they hold
CURRENT_SQL = """
select a.canonical_url, p.fetched_at, p.page_id, a.is_article
from news.articles as a
join news.pages as p on p.page_id = a.page_id
where a.canonical_url = any(%s)
"""

# article pages already cleaned that contain furniture learned just now
RECLEAN_SQL = """
with new_furniture as (
    select * from unnest(%(domains)s::text[], %(fingerprints)s::bigint[]) as n(domain, fingerprint)
)
select distinct b.page_id
from news.page_blocks as b
join new_furniture as n on n.domain = b.domain and n.fingerprint = b.fingerprint
join news.articles as a on a.page_id = b.page_id
"""


@dataclass
class SourceExtractCounts:
    pages_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    not_articles: int = 0
    failed: int = 0


@dataclass
class ExtractSummary(SourceExtractCounts):
    """What `extract_pending` did: the counts in total, and per source name in `sources`."""

    furniture_learned: int = 0
    recleaned: int = 0
    seconds: float = 0.0
    extractor_version: str = EXTRACTOR_VERSION
    sources: dict[str, SourceExtractCounts] = field(default_factory=dict)

    def add(self, source: str, **counts: int) -> None:
        per_source = self.sources.setdefault(source, SourceExtractCounts())
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)
            setattr(per_source, name, getattr(per_source, name) + value)


@dataclass
class _Page:
    page_id: int
    source: str
    url: str
    final_url: str
    canonical_url: str | None
    status: int
    fetched_at: datetime


def extract_pending(
    conn: Conn,
    sources_path: str | Path | None = None,
    reextract: bool = False,
    batch_size: int = 500,
    min_pages: int = learned_layer.DEFAULT_MIN_PAGES,
    workers: int | None = None,
) -> ExtractSummary:
    """Clean every stored page not yet extracted (all pages with `reextract`) into articles.

    Args:
        conn: an open connection; each batch commits on its own, so an interruption keeps
            what was done.
        sources_path: the sources file whose `boilerplate:` rules apply (default sources.yaml).
        reextract: clean the whole history again (after changing rules or the extractor).
        batch_size: pages per transaction.
        min_pages: K, the number of distinct pages of a domain a paragraph must appear on
            to be learned as that domain's furniture.
        workers: processes drafting pages; 1 (in-process) by default, see DEFAULT_WORKERS.
    """
    started = time.monotonic()
    summary = ExtractSummary()
    rules = {s.name: s.boilerplate for s in load_sources(sources_path).sources}
    domains = _source_domains(conn)
    with conn.cursor() as cur:
        cur.execute(PENDING_SQL, {"reextract": reextract})
        pending = [row[0] for row in cur.fetchall()]
    if not pending:
        summary.seconds = time.monotonic() - started
        return summary
    workers = workers or DEFAULT_WORKERS
    pending_set = set(pending)
    reclean: set[int] = set()
    done: set[int] = set()
    with _Drafter(workers) as draft_all:
        for batch in _chunks(pending, batch_size):
            new_furniture = _extract_batch(conn, batch, rules, domains, min_pages, draft_all, summary)
            summary.furniture_learned += sum(len(fps) for fps in new_furniture.values())
            # cleaned before this furniture was known: earlier batches and earlier runs
            reclean |= {p for p in _pages_with(conn, new_furniture) if p in done or p not in pending_set}
            done.update(batch)
        summary.recleaned = len(reclean)
        for batch in _chunks(sorted(reclean), batch_size):
            counts = ExtractSummary()
            _extract_batch(conn, batch, rules, domains, min_pages, draft_all, counts)
            for name, per_source in counts.sources.items():
                summary.add(name, articles_updated=per_source.articles_updated)
    summary.seconds = time.monotonic() - started
    log.info("extract: %d pages, %d new, %d updated articles in %.1fs", summary.pages_seen,
             summary.articles_new, summary.articles_updated, summary.seconds)
    return summary


def _extract_batch(
    conn: Conn,
    page_ids: Sequence[int],
    rules: dict[str, Boilerplate],
    domains: dict[str, list[str]],
    min_pages: int,
    draft_all,  # noqa: ANN001 - (jobs) -> list[Draft]
    summary: ExtractSummary,
) -> dict[str, set[int]]:
    """One transaction: draft, learn, finish, upsert, record. Returns the furniture learned now.

    Drafting runs unlocked; everything from learning to recording holds EXTRACT_LOCK_KEY, so
    a concurrent extract never writes from a stale view of the current article versions.
    """
    pages, jobs = [], []
    with conn.cursor() as cur:
        cur.execute(PAGES_SQL, (list(page_ids),))
        for page_id, source, url, final_url, canonical, status, content_type, body, fetched_at, *warc in cur:
            pages.append(_Page(page_id, source, url, final_url or url, canonical, status, fetched_at))
            body = bytes(body) if body is not None else _warc_body(*warc)
            jobs.append((body, final_url or url, rules.get(source), content_type))
    drafts = draft_all(jobs)
    with conn:
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_xact_lock(%s)", (EXTRACT_LOCK_KEY,))
        learned_layer.record_blocks(
            conn, [(p.page_id, host_of(p.final_url) or "", learned_layer.fingerprints(d.paragraphs))
                   for p, d in zip(pages, drafts)]
        )
        page_domains = {host_of(p.final_url) or "" for p in pages}
        new_furniture = learned_layer.learn(conn, page_domains, min_pages)
        furniture = learned_layer.load(conn, page_domains)
        cleaned = [
            (page, finish(draft, furniture.get(host_of(page.final_url) or "")))
            for page, draft in zip(pages, drafts)
        ]
        for page, draft in zip(pages, drafts):
            if draft.refused and draft.refused.startswith(FAILED):
                summary.add(page.source, failed=1)
        _store(conn, cleaned, domains, summary)
    return new_furniture


def _store(
    conn: Conn,
    cleaned: list[tuple[_Page, CleanedArticle]],
    domains: dict[str, list[str]],
    summary: ExtractSummary,
) -> None:
    """Upsert the batch's articles (latest fetch wins) and record every page as extracted.

    A page with no paragraphs (refused by the cleaner, or nothing extracted) never replaces
    an article that is a good one (is_article); it is recorded as 'superseded'.
    """
    keyed = [(page, article, *_key(page, article, domains.get(page.source, []))) for page, article in cleaned]
    with conn.cursor() as cur:
        cur.execute(CURRENT_SQL, (list({key for _, _, key, _ in keyed}),))
        current = {key: (fetched_at, page_id, good) for key, fetched_at, page_id, good in cur.fetchall()}
    rows_by_source: dict[str, list[tuple]] = defaultdict(list)
    new_keys: dict[str, set[str]] = defaultdict(set)
    extractions = []
    for page, article, key, canonical_link in keyed:
        summary.add(page.source, pages_seen=1)
        if not article.is_article:
            summary.add(page.source, not_articles=1)
        held = current.get(key)
        # a newer fetch the cleaner refused or got nothing from (junk bytes, an error page,
        # a cleaner failure) does not replace a good article: the story stays in the corpus
        if held is not None and (held[:2] > (page.fetched_at, page.page_id) or (held[2] and not article.paragraphs)):
            extractions.append((page.page_id, EXTRACTOR_VERSION, "superseded", key))
            continue
        current[key] = (page.fetched_at, page.page_id, article.is_article)
        if held is None:
            new_keys[page.source].add(key)
        rows_by_source[page.source].append(_article_row(page, article, key, canonical_link))
        extractions.append((page.page_id, EXTRACTOR_VERSION, "article" if article.is_article else "not_article", key))
    for source, rows in rows_by_source.items():
        changed = upsert(conn, "news.articles", ARTICLE_COLUMNS, rows, ["canonical_url"])
        new = len(new_keys[source])
        summary.add(source, articles_new=new, articles_updated=max(0, changed - new))
    upsert(conn, "news.page_extractions", ["page_id", "extractor_version", "outcome", "canonical_url"],
           extractions, ["page_id"])


def _key(page: _Page, article: CleanedArticle, own_domains: list[str]) -> tuple[str, str | None]:
    """(article key, foreign canonical link): a canonical keys the article only on its own source."""
    own_url = normalise_url(page.final_url)
    canonical = article.canonical_link or page.canonical_url
    if canonical and _owned(host_of(canonical), own_domains):
        return normalise_url(canonical), None
    return own_url, (canonical if canonical and canonical != own_url else None)


def _owned(host: str | None, domains: list[str]) -> bool:
    host = (host or "").split(":")[0]
    return bool(host) and any(host == d or host.endswith("." + d) for d in (d.removeprefix("www.") for d in domains))


def _article_row(page: _Page, article: CleanedArticle, key: str, canonical_link: str | None) -> tuple:
    text = article.text
    return (
        key, page.source, page.page_id, article.title, article.byline, article.published_at,
        article.language, article.site_name, article.categories, text, article.word_count,
        hashlib.sha256(text.encode("utf-8")).digest(), EXTRACTOR_VERSION, article.flags,
        article.is_article, canonical_link, article.source_link,
    )


def _pages_with(conn: Conn, furniture: dict[str, set[int]]) -> set[int]:
    """Pages currently holding an article whose paragraphs include this furniture."""
    pairs = [(domain, fp) for domain, fps in furniture.items() for fp in fps]
    if not pairs:
        return set()
    with conn.cursor() as cur:
        cur.execute(RECLEAN_SQL, {"domains": [d for d, _ in pairs], "fingerprints": [f for _, f in pairs]})
        return {row[0] for row in cur.fetchall()}


def _source_domains(conn: Conn) -> dict[str, list[str]]:
    with conn.cursor() as cur:
        cur.execute("select name, domains from news.sources")
        return {name: list(domains or []) for name, domains in cur.fetchall()}


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), max(1, size)):
        yield list(items[start:start + size])


def _warc_body(location: str, offset: int, length: int) -> bytes:
    """A page kept only in WARC (NEWSCORPUS_WARC_PG_BODIES off): its payload, zlib-compressed
    as news.pages holds bodies; b"" (refused as not valid zlib) when the record cannot be read."""
    from pipeline.backfill.records import Skipped, read_payload
    from pipeline.errors import NewscorpusError

    try:
        return zlib.compress(read_payload(location, offset, length), 1)
    except (NewscorpusError, Skipped, OSError) as exc:
        log.warning("reading the WARC record %s@%d failed: %s", location, offset, exc)
        return b""


# --------------------------------------------------------------------------- drafting

def draft_job(job: tuple[bytes, str, Boilerplate | None, str | None]) -> Draft:
    """Draft one stored page (zlib body); a page that breaks the cleaner is refused, not fatal."""
    body_zlib, url, rules, content_type = job
    try:
        return extract_draft(zlib.decompress(body_zlib), url, rules, content_type)
    except zlib.error:
        return Draft(Metadata(), refused=FAILED + "body is not valid zlib data")
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop the night
        log.warning("cleaning %s failed: %s: %s", url, type(exc).__name__, exc)
        return Draft(Metadata(), refused=f"{FAILED}cleaner error: {type(exc).__name__}")


class _Drafter:
    """Context manager yielding `draft_all(jobs) -> list[Draft]`, pooled when workers > 1."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool = None

    def __enter__(self):  # noqa: ANN204
        if self.workers > 1:
            # spawn: forking a process that holds a database connection (or Airflow's
            # threads) is unsafe; the workers import only the cleaner
            self.pool = multiprocessing.get_context("spawn").Pool(self.workers)
            return lambda jobs: self.pool.map(draft_job, jobs, chunksize=8)
        return lambda jobs: [draft_job(job) for job in jobs]

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate() if exc[0] else self.pool.close()
            self.pool.join()
