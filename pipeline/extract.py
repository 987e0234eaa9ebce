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
import os
import signal
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg2.errors
import psycopg2.extensions

from pipeline.clean import EXTRACTOR_VERSION, CleanedArticle, Draft, extract_draft, finish
from pipeline.clean import learned as learned_layer
from pipeline.clean.metadata import Metadata
from pipeline.clean.urls import host_of, normalise_url
from pipeline import netguard
from pipeline.errors import LoadError
from pipeline.load import upsert
from pipeline.progress import progress
from pipeline.source_rules import rules_for_extract
from pipeline.sources import Boilerplate

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
# per-page cleaning time limit, seconds: a normal page takes 10-100 ms here (bench/cleaning.py);
# a hostile one (80,000 attributes, 40,000 paragraphs) must not hold the batch for minutes
PAGE_SECONDS = float(os.environ.get("NEWSCORPUS_PAGE_SECONDS", "20"))

ARTICLE_COLUMNS = [
    "canonical_url", "source", "page_id", "title", "byline", "published_at", "language",
    "site_name", "categories", "text", "word_count", "text_hash", "extractor_version", "flags",
    "is_article", "canonical_link", "source_link",
    "authors", "credit", "byline_raw", "modified_at", "paywalled",
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
       p.body_zlib, p.fetched_at, p.lastmod, p.warc_file, p.warc_offset, p.warc_length
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
    lastmod: datetime | None = None   # what the feed/sitemap announced


def extract_pending(
    conn: Conn,
    sources_path: str | Path | None = None,
    reextract: bool = False,
    batch_size: int = 500,
    min_pages: int = learned_layer.DEFAULT_MIN_PAGES,
    workers: int | None = None,
    page_seconds: float | None = None,
) -> ExtractSummary:
    """Clean every stored page not yet extracted (all pages with `reextract`) into articles.

    Args:
        conn: an open connection; each batch commits on its own, so an interruption keeps
            what was done.
        sources_path: a sources file whose `boilerplate:` rules apply to the sources it lists;
            None: the rules stored with each source at its crawl (pipeline.source_rules).
        reextract: clean the whole history again (after changing rules or the extractor).
        batch_size: pages per transaction.
        min_pages: K, the number of distinct pages of a domain a paragraph must appear on
            to be learned as that domain's furniture.
        workers: processes drafting pages; 1 (in-process) by default, see DEFAULT_WORKERS.
        page_seconds: per-page cleaning time limit (default PAGE_SECONDS, env
            NEWSCORPUS_PAGE_SECONDS); a page over it is recorded as 'failed', the batch goes on.
    """
    started = time.monotonic()
    page_seconds = PAGE_SECONDS if page_seconds is None else page_seconds
    summary = ExtractSummary()
    rules = rules_for_extract(conn, sources_path)  # the rules each source was crawled with
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
    with _Drafter(workers, page_seconds) as draft_all, progress("extract", len(pending), "pages") as bar:
        for batch in _chunks(pending, batch_size):
            new_furniture = _extract_batch(conn, batch, rules, domains, min_pages, draft_all, summary, page_seconds)
            summary.furniture_learned += sum(len(fps) for fps in new_furniture.values())
            # cleaned before this furniture was known: earlier batches and earlier runs
            reclean |= {p for p in _pages_with(conn, new_furniture) if p in done or p not in pending_set}
            done.update(batch)
            bar.advance(len(batch))
        summary.recleaned = len(reclean)
        for batch in _chunks(sorted(reclean), batch_size):
            counts = ExtractSummary()
            _extract_batch(conn, batch, rules, domains, min_pages, draft_all, counts, page_seconds)
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
    page_seconds: float = 0,
) -> dict[str, set[int]]:
    """One transaction: draft, learn, finish, upsert, record. Returns the furniture learned now.

    Drafting runs unlocked; everything from learning to recording holds EXTRACT_LOCK_KEY, so
    a concurrent extract never writes from a stale view of the current article versions.
    """
    pages, jobs = [], []
    with conn.cursor() as cur:
        cur.execute(PAGES_SQL, (list(page_ids),))
        for page_id, source, url, final_url, canonical, status, content_type, body, fetched_at, lastmod, *warc in cur:
            pages.append(_Page(page_id, source, url, final_url or url, canonical, status, fetched_at, lastmod))
            body = bytes(body) if body is not None else _warc_body(*warc)
            jobs.append((body, final_url or url, rules.get(source), content_type, page_seconds))
    drafts = draft_all(jobs)
    return _write_split(conn, pages, drafts, domains, min_pages, summary)


def _write_split(
    conn: Conn,
    pages: list[_Page],
    drafts: list[Draft],
    domains: dict[str, list[str]],
    min_pages: int,
    summary: ExtractSummary,
) -> dict[str, set[int]]:
    """Write a batch; when the database refuses a value in it, write each half on its own, so
    one bad page is recorded as 'failed' with the reason and the rest load (log2(batch)
    extra attempts per bad page). Errors that are not about the data (connection lost,
    lock timeout) are raised: the batch stays pending for the next run."""
    counts = ExtractSummary()
    try:
        new_furniture = _write(conn, pages, drafts, domains, min_pages, counts)
    except LoadError as exc:
        if not isinstance(exc.__cause__, (psycopg2.DataError, psycopg2.IntegrityError,
                                          psycopg2.errors.ProgramLimitExceeded)):
            raise
        if len(pages) == 1:
            _record_failed(conn, pages[0], str(exc), summary)
            return {}
        middle = len(pages) // 2
        first = _write_split(conn, pages[:middle], drafts[:middle], domains, min_pages, summary)
        second = _write_split(conn, pages[middle:], drafts[middle:], domains, min_pages, summary)
        return {d: first.get(d, set()) | second.get(d, set()) for d in {*first, *second}}
    for name, per_source in counts.sources.items():
        summary.add(name, **{k: getattr(per_source, k) for k in SourceExtractCounts.__dataclass_fields__})
    return new_furniture


def _record_failed(conn: Conn, page: _Page, reason: str, summary: ExtractSummary) -> None:
    """The page cannot be stored: recorded as extracted with outcome 'failed' and the reason,
    so it is not retried by every later run (only by `extract --reextract`)."""
    log.warning("page %d (%s) could not be stored: %s", page.page_id, page.url, reason)
    with conn:
        upsert(conn, "news.page_extractions", ["page_id", "extractor_version", "outcome", "error"],
               [(page.page_id, EXTRACTOR_VERSION, "failed", reason[:1000])], ["page_id"])
    summary.add(page.source, pages_seen=1, failed=1)


def _write(
    conn: Conn,
    pages: list[_Page],
    drafts: list[Draft],
    domains: dict[str, list[str]],
    min_pages: int,
    summary: ExtractSummary,
) -> dict[str, set[int]]:
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
            (page, _announced_date(page, finish(draft, furniture.get(host_of(page.final_url) or ""))))
            for page, draft in zip(pages, drafts)
        ]
        for page, draft in zip(pages, drafts):
            if draft.refused and draft.refused.startswith(FAILED):
                summary.add(page.source, failed=1)
        refused = {p.page_id: d.refused for p, d in zip(pages, drafts) if d.refused and d.refused.startswith(FAILED)}
        _store(conn, cleaned, domains, summary, refused)
    return new_furniture


def _store(
    conn: Conn,
    cleaned: list[tuple[_Page, CleanedArticle]],
    domains: dict[str, list[str]],
    summary: ExtractSummary,
    refused: dict[int, str],
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
        # nor does a paywall stub (the teaser of an article already stored in full)
        if held is not None and (held[:2] > (page.fetched_at, page.page_id)
                                 or (held[2] and (not article.paragraphs or "paywalled_stub" in article.flags))):
            extractions.append((page.page_id, EXTRACTOR_VERSION, "superseded", key, None))
            continue
        current[key] = (page.fetched_at, page.page_id, article.is_article)
        if held is None:
            new_keys[page.source].add(key)
        rows_by_source[page.source].append(_article_row(page, article, key, canonical_link))
        if page.page_id in refused:  # the cleaner broke or ran out of time: flagged, batch goes on
            extractions.append((page.page_id, EXTRACTOR_VERSION, "failed", key, refused[page.page_id][:1000]))
        else:
            extractions.append((page.page_id, EXTRACTOR_VERSION, "article" if article.is_article else "not_article",
                                key, None))
    for source, rows in rows_by_source.items():
        changed = upsert(conn, "news.articles", ARTICLE_COLUMNS, rows, ["canonical_url"])
        new = len(new_keys[source])
        summary.add(source, articles_new=new, articles_updated=max(0, changed - new))
    upsert(conn, "news.page_extractions", ["page_id", "extractor_version", "outcome", "canonical_url", "error"],
           extractions, ["page_id"])


def _key(page: _Page, article: CleanedArticle, own_domains: list[str]) -> tuple[str, str | None]:
    """(article key, foreign canonical link): a canonical keys the article only on its own source."""
    own_url = normalise_url(page.final_url)
    canonical = article.canonical_link or page.canonical_url
    if canonical and netguard.owns(own_domains, netguard.host(canonical)):
        return normalise_url(canonical), None
    return own_url, (canonical if canonical and canonical != own_url else None)


def _article_row(page: _Page, article: CleanedArticle, key: str, canonical_link: str | None) -> tuple:
    text = article.text
    return (
        key, page.source, page.page_id, article.title, article.byline, article.published_at,
        article.language, article.site_name, article.categories, text, article.word_count,
        hashlib.sha256(text.encode("utf-8")).digest(), EXTRACTOR_VERSION, article.flags,
        article.is_article, canonical_link, article.source_link,
        article.authors, article.credit, article.byline_raw, article.modified_at, article.paywalled,
    )


def _announced_date(page: _Page, article: CleanedArticle) -> CleanedArticle:
    """The date the feed/sitemap announced, when the page itself gave none (or only its URL's
    day): the fourth evidence of `pipeline.clean.metadata`'s order, known only to the crawl."""
    if page.lastmod is not None and (article.published_at is None or "date_from_url" in article.flags):
        article.published_at = page.lastmod
        article.flags = sorted((set(article.flags) - {"date_from_url", "undated"}) | {"date_from_announcement"})
    return article


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

class PageTimeLimit(BaseException):
    """Raised inside a page's cleaning when its time is up. A BaseException so that the broad
    `except Exception` blocks inside trafilatura and friends cannot swallow it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise PageTimeLimit in the block after `seconds` of wall time (SIGALRM timer).

    Only the main thread can take signals: elsewhere (a thread of a host application) the
    block runs unbounded and a warning says so. Pool workers are processes, so they are bound.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        if seconds > 0:
            log.warning("per-page time limit not enforced outside the main thread")
        yield
        return

    def expire(signum: int, frame: object) -> None:  # noqa: ARG001
        raise PageTimeLimit()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def draft_job(job: tuple) -> Draft:
    """Draft one stored page (zlib body); a page that breaks the cleaner or runs past the
    per-page time limit is refused ('failed: …'), not fatal.

    job: (body_zlib, url, rules, content_type[, seconds]); seconds defaults to PAGE_SECONDS.
    """
    body_zlib, url, rules, content_type, *rest = job
    seconds = rest[0] if rest else PAGE_SECONDS
    try:
        with time_limit(seconds):
            return extract_draft(zlib.decompress(body_zlib), url, rules, content_type)
    except PageTimeLimit:
        log.warning("cleaning %s took more than %.1fs: flagged as failed", url, seconds)
        return Draft(Metadata(), refused=f"{FAILED}extraction time limit of {seconds:g}s exceeded")
    except zlib.error:
        return Draft(Metadata(), refused=FAILED + "body is not valid zlib data")
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop the night
        log.warning("cleaning %s failed: %s: %s", url, type(exc).__name__, exc)
        return Draft(Metadata(), refused=f"{FAILED}cleaner error: {type(exc).__name__}")


class _Drafter:
    """Context manager yielding `draft_all(jobs) -> list[Draft]`.

    With a per-page time limit (the default) pages are drafted in `_BoundedPool` worker
    processes that are killed when a page runs over: a hostile page can stall inside one C
    call (libxml2 on 80,000 attributes: 260 s in a single call), which no signal interrupts.
    `page_seconds <= 0`: no limit, drafting in-process (workers == 1) or in a plain pool.
    """

    def __init__(self, workers: int, page_seconds: float = 0) -> None:
        self.workers = workers
        self.page_seconds = page_seconds
        self.pool = None

    def __enter__(self):  # noqa: ANN204
        if self.page_seconds > 0:
            self.pool = _BoundedPool(self.workers, self.page_seconds)
            return self.pool.map
        if self.workers > 1:
            # spawn: forking a process that holds a database connection (or Airflow's
            # threads) is unsafe; the workers import only the cleaner
            self.pool = multiprocessing.get_context("spawn").Pool(self.workers)
            return lambda jobs: self.pool.map(draft_job, jobs, chunksize=8)
        return lambda jobs: [draft_job(job) for job in jobs]

    def __exit__(self, *exc: object) -> None:
        if isinstance(self.pool, _BoundedPool):
            self.pool.close()
        elif self.pool is not None:
            self.pool.terminate() if exc[0] else self.pool.close()
            self.pool.join()


WORKER_START_SECONDS = 120  # a spawned worker imports the cleaner (2-3 s here) before its first page
PAGE_MEMORY_MB = int(os.environ.get("NEWSCORPUS_PAGE_MEMORY_MB", "2048"))  # address space of a worker


def _serve(conn) -> None:  # noqa: ANN001 - multiprocessing Connection
    """A drafting worker: jobs in, drafts out, until the pipe closes. It dies with its parent,
    ignores Ctrl-C (the parent decides) and has its address space bounded (MemoryError is a
    refused page, not a swapping machine)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    try:
        import resource

        limit = PAGE_MEMORY_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    import pipeline.clean  # noqa: F401 - warm up before saying ready

    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        body_zlib, url, rules, content_type, *_ = job
        conn.send(draft_job((body_zlib, url, rules, content_type, 0)))


class _BoundedPool:
    """`size` spawned drafting workers; a page not drafted within `seconds` gets its worker
    killed (and replaced) and is returned as a 'failed: … time limit' draft."""

    def __init__(self, size: int, seconds: float) -> None:
        self.size = max(1, size)
        self.seconds = seconds
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[tuple] = []

    def _start(self) -> tuple:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child,), daemon=True, name="newscorpus-draft")
        process.start()
        child.close()
        if not parent.poll(WORKER_START_SECONDS) or parent.recv() != "ready":
            process.kill()
            raise RuntimeError("a drafting worker did not start")
        return process, parent

    def _stop(self, worker: tuple) -> None:
        process, conn = worker
        conn.close()
        process.kill()
        process.join()

    def map(self, jobs: list[tuple]) -> list[Draft]:
        from multiprocessing.connection import wait

        results: list[Draft | None] = [None] * len(jobs)
        todo = list(range(len(jobs)))[::-1]
        while len(self.workers) < min(self.size, len(jobs)):
            self.workers.append(self._start())
        idle = list(self.workers)
        busy: dict[int, tuple[tuple, int, float]] = {}  # id(conn) -> (worker, job index, deadline)
        while todo or busy:
            while todo and idle:
                worker = idle.pop()
                index = todo.pop()
                worker[1].send(jobs[index])
                busy[id(worker[1])] = (worker, index, time.monotonic() + self.seconds)
            earliest = min(deadline for _, _, deadline in busy.values())
            ready = wait([w[1] for w, _, _ in busy.values()], timeout=max(0.0, earliest - time.monotonic()))
            for conn in ready:
                worker, index, _ = busy.pop(id(conn))
                try:
                    results[index] = conn.recv()
                    idle.append(worker)
                except (EOFError, OSError):
                    results[index] = Draft(Metadata(), refused=f"{FAILED}the drafting worker died")
                    idle.append(self._replace(worker))
            now = time.monotonic()
            for key, (worker, index, deadline) in list(busy.items()):
                if deadline <= now:
                    del busy[key]
                    log.warning("cleaning %s took more than %.1fs: worker killed, page flagged", jobs[index][1],
                                self.seconds)
                    results[index] = Draft(Metadata(), refused=f"{FAILED}extraction time limit of "
                                                              f"{self.seconds:g}s exceeded")
                    idle.append(self._replace(worker))
        return results  # type: ignore[return-value]

    def _replace(self, worker: tuple) -> tuple:
        self._stop(worker)
        fresh = self._start()
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        for worker in self.workers:
            self._stop(worker)
        self.workers = []
