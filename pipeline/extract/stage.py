"""The extract stage: stored pages (news.pages) → cleaned articles (news.articles).

Per batch of pages not yet extracted (or fetched again since: an older version that came
back, see `store.PENDING_SQL`), oldest fetch first:

1. draft every page (decode, metadata, generic + outlet cleaning, trafilatura: see
   `pipeline.clean.article`), optionally in a process pool (`pipeline.extract.pool`);
2. store each page's paragraph fingerprints and learn the furniture of the batch's
   domains from every stored page (`pipeline.clean.learned`'s rule, set-oriented SQL in
   `pipeline.extract.store`);
3. finish each draft with its domain's learned furniture and upsert the articles, keyed
   by canonical URL (only a canonical on the page's own source; a foreign canonical is kept
   in `canonical_link`), the latest fetched version winning;
4. record the page as extracted (news.page_extractions) with the extractor version and the
   fetched_at of the version cleaned.

Furniture learned in a later batch also re-cleans the current articles it appears in, so
the result does not depend on batch boundaries. Earlier versions of an article stay
reachable through news.pages.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2.errors

from pipeline import netguard
from pipeline.clean import EXTRACTOR_VERSION, CleanedArticle, Draft, finish
from pipeline.clean import learned as learned_layer
from pipeline.errors import LoadError
from pipeline.extract import pool, store
from pipeline.extract.pool import DEFAULT_WORKERS, FAILED, Drafter
from pipeline.extract.store import Conn, Page
from pipeline.progress import progress
from pipeline.source_rules import rules_for_extract
from pipeline.sources import Boilerplate, SourcesFile
from pipeline.urls import host_of
from pipeline.urls import normalise as normalise_url

log = logging.getLogger(__name__)


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


def extract_pending(
    conn: Conn,
    sources_path: str | Path | None = None,
    reextract: bool = False,
    batch_size: int = 500,
    min_pages: int = learned_layer.DEFAULT_MIN_PAGES,
    workers: int | None = None,
    page_seconds: float | None = None,
    sources_file: SourcesFile | None = None,
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
        page_seconds: per-page cleaning time limit (default pool.page_seconds(), env
            NEWSCORPUS_PAGE_SECONDS); a page over it is recorded as 'failed', the batch goes on.
        sources_file: the file at `sources_path` as the caller already loaded it (the edge
            loads configuration once; `sources_path` then only names it in messages and as
            the rules' origin); None with a `sources_path`: read here.
    """
    started = time.monotonic()
    page_seconds = pool.page_seconds() if page_seconds is None else page_seconds
    summary = ExtractSummary()
    rules = rules_for_extract(conn, sources_path, sources_file)  # the rules each source was crawled with
    domains = store.source_domains(conn)
    pending = store.pending(conn, reextract)
    if not pending:
        summary.seconds = time.monotonic() - started
        return summary
    workers = workers or DEFAULT_WORKERS
    pending_set = set(pending)
    reclean: set[int] = set()
    done: set[int] = set()
    with Drafter(workers, page_seconds) as draft_all, progress("extract", len(pending), "pages") as bar:
        for batch in _chunks(pending, batch_size):
            new_furniture = _extract_batch(conn, batch, rules, domains, min_pages, draft_all, summary)
            summary.furniture_learned += sum(len(fps) for fps in new_furniture.values())
            # cleaned before this furniture was known: earlier batches and earlier runs
            reclean |= {p for p in store.pages_with(conn, new_furniture) if p in done or p not in pending_set}
            done.update(batch)
            bar.advance(len(batch))
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

    Drafting runs unlocked; everything from learning to recording holds store.EXTRACT_LOCK_KEY, so
    a concurrent extract never writes from a stale view of the current article versions.
    """
    pages, jobs = [], []
    for page, content_type, body in store.read_pages(conn, page_ids):
        pages.append(page)
        jobs.append((body, page.final_url, rules.get(page.source), content_type))
    drafts = draft_all(jobs)
    return _write_split(conn, pages, drafts, domains, min_pages, summary)


def _write_split(
    conn: Conn,
    pages: list[Page],
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


def _record_failed(conn: Conn, page: Page, reason: str, summary: ExtractSummary) -> None:
    """The page cannot be stored: recorded as extracted with outcome 'failed' and the reason,
    so it is not retried by every later run (only by `extract --reextract`)."""
    log.warning("page %d (%s) could not be stored: %s", page.page_id, page.url, reason)
    with conn:
        store.record_failed(conn, page, reason)
    summary.add(page.source, pages_seen=1, failed=1)


def _write(
    conn: Conn,
    pages: list[Page],
    drafts: list[Draft],
    domains: dict[str, list[str]],
    min_pages: int,
    summary: ExtractSummary,
) -> dict[str, set[int]]:
    with conn:
        store.lock(conn)
        store.record_blocks(
            conn, [(p.page_id, host_of(p.final_url) or "", learned_layer.fingerprints(d.paragraphs))
                   for p, d in zip(pages, drafts)]
        )
        page_domains = {host_of(p.final_url) or "" for p in pages}
        new_furniture = store.learn(conn, page_domains, min_pages)
        furniture = store.load_furniture(conn, page_domains)
        cleaned = [
            (page, _announced_date(page, finish(draft, furniture.get(host_of(page.final_url) or ""))))
            for page, draft in zip(pages, drafts)
        ]
        for page, draft in zip(pages, drafts):
            if draft.refused and draft.refused.startswith(FAILED):
                summary.add(page.source, failed=1)
        refused = {p.page_id: d.refused for p, d in zip(pages, drafts) if d.refused}
        _keep_latest(conn, cleaned, domains, summary, refused)
    return new_furniture


def _keep_latest(
    conn: Conn,
    cleaned: list[tuple[Page, CleanedArticle]],
    domains: dict[str, list[str]],
    summary: ExtractSummary,
    refused: dict[int, str],
) -> None:
    """Upsert the batch's articles (latest fetch wins) and record every page as extracted.

    `refused`: page_id → the draft's refusal (FAILED-prefixed: outcome 'failed'; otherwise
    the page is 'not_article' and the reason is kept in news.page_extractions.error).

    A page with no paragraphs (refused by the cleaner, or nothing extracted) never replaces
    an article that is a good one (is_article); it is recorded as 'superseded'.
    """
    keyed = [(page, article, *_key(page, article, domains.get(page.source, []))) for page, article in cleaned]
    current = store.current_articles(conn, {key for _, _, key, _ in keyed})
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
            extractions.append((page.page_id, EXTRACTOR_VERSION, "superseded", key, None, page.fetched_at))
            continue
        current[key] = (page.fetched_at, page.page_id, article.is_article)
        if held is None:
            new_keys[page.source].add(key)
        rows_by_source[page.source].append(store.article_row(page, article, key, canonical_link))
        reason = refused.get(page.page_id)
        if reason and reason.startswith(FAILED):  # the cleaner broke or ran out of time: flagged, batch goes on
            extractions.append((page.page_id, EXTRACTOR_VERSION, "failed", key, reason[:1000], page.fetched_at))
        else:  # a page the cleaner refused (binary bytes, a parser limit) keeps its reason
            extractions.append((page.page_id, EXTRACTOR_VERSION, "article" if article.is_article else "not_article",
                                key, reason[:1000] if reason else None, page.fetched_at))
    for source, rows in rows_by_source.items():
        changed = store.write_articles(conn, rows)
        new = len(new_keys[source])
        summary.add(source, articles_new=new, articles_updated=max(0, changed - new))
    store.record_extractions(conn, extractions)


def _key(page: Page, article: CleanedArticle, own_domains: list[str]) -> tuple[str, str | None]:
    """(article key, foreign canonical link): a canonical keys the article only on its own source."""
    own_url = normalise_url(page.final_url)
    canonical = article.canonical_link or page.canonical_url
    if canonical and netguard.owns(own_domains, netguard.host(canonical)):
        return normalise_url(canonical), None
    return own_url, (canonical if canonical and canonical != own_url else None)


def _announced_date(page: Page, article: CleanedArticle) -> CleanedArticle:
    """The date the feed/sitemap announced, when the page itself gave none (or only its URL's
    day): the fourth evidence of `pipeline.clean.metadata`'s order, known only to the crawl."""
    if page.lastmod is not None and (article.published_at is None or "date_from_url" in article.flags):
        article.published_at = page.lastmod
        article.flags = sorted((set(article.flags) - {"date_from_url", "undated"}) | {"date_from_announcement"})
    return article


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), max(1, size)):
        yield list(items[start:start + size])
