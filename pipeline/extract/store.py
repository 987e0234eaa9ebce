"""The extract stage's storage: every query it runs, over the tables of migration 003.

Reads news.pages (pending pages, their bodies, from the WARC archive when migration 015
dropped `body_zlib`) and news.sources (each source's domains); writes news.page_blocks and
news.learned_furniture (the set-oriented side of `pipeline.clean.learned`), news.articles
and news.page_extractions. Every function runs inside the caller's transaction and does not
commit; writes go through `pipeline.load.upsert`, which raises `pipeline.errors.LoadError`
when the database refuses a batch.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg2.extensions

from pipeline.clean import EXTRACTOR_VERSION, CleanedArticle
from pipeline.clean.learned import DEFAULT_MIN_PAGES, DEFAULT_MIN_SHARE, WINDOW
from pipeline.load import upsert

log = logging.getLogger(__name__)

Conn = psycopg2.extensions.connection
# serialises the write half of extract batches on one database (the Airflow task and a CLI
# run at once): "which version is current?" must be read by the transaction that writes
EXTRACT_LOCK_KEY = 0x65787472  # b"extr"

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
  and (e.page_id is null
       or e.fetched_at is distinct from p.fetched_at  -- 017: an older version fetched again (A → B → A)
       or %(reextract)s)
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
class Page:
    """One stored fetch (a news.pages row) as the stage keys and dates it."""

    page_id: int
    source: str
    url: str
    final_url: str
    canonical_url: str | None
    status: int
    fetched_at: datetime
    lastmod: datetime | None = None   # what the feed/sitemap announced


def pending(conn: Conn, reextract: bool) -> list[int]:
    """Page ids to extract, oldest fetch first: not yet extracted, or fetched again since
    (pipeline/pages.py moves an older version's fetched_at when it comes back); every page
    with `reextract`."""
    with conn.cursor() as cur:
        cur.execute(PENDING_SQL, {"reextract": reextract})
        return [row[0] for row in cur.fetchall()]


def read_pages(conn: Conn, page_ids: Sequence[int]) -> list[tuple[Page, str | None, bytes]]:
    """(page, content type, zlib-compressed body) of each page, oldest fetch first."""
    pages = []
    with conn.cursor() as cur:
        cur.execute(PAGES_SQL, (list(page_ids),))
        for page_id, source, url, final_url, canonical, status, content_type, body, fetched_at, lastmod, *warc in cur:
            page = Page(page_id, source, url, final_url or url, canonical, status, fetched_at, lastmod)
            pages.append((page, content_type, bytes(body) if body is not None else _warc_body(*warc)))
    return pages


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


def source_domains(conn: Conn) -> dict[str, list[str]]:
    """Each source's domains (news.sources), the hosts whose canonical may key its articles."""
    with conn.cursor() as cur:
        cur.execute("select name, domains from news.sources")
        return {name: list(domains or []) for name, domains in cur.fetchall()}


def lock(conn: Conn) -> None:
    """Hold EXTRACT_LOCK_KEY until the caller's transaction ends."""
    with conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(%s)", (EXTRACT_LOCK_KEY,))


# --------------------------------------------------------------------------- learned furniture

def record_blocks(conn, blocks: Iterable[tuple[int, str, Iterable[int]]]) -> None:  # noqa: ANN001
    """Store each page's paragraph fingerprints (replacing what an earlier run stored)."""
    blocks = list(blocks)
    with conn.cursor() as cur:
        cur.execute(
            "delete from news.page_blocks where page_id = any(%s)", ([page_id for page_id, _, _ in blocks],)
        )
    rows = [(page_id, domain, fp) for page_id, domain, fps in blocks for fp in fps]
    upsert(conn, "news.page_blocks", ["page_id", "domain", "fingerprint"], rows, ["page_id", "fingerprint"])


LEARN_SQL = """
with recent as (  -- each domain's latest pages (page_blocks_domain_page_idx, newest first)
    select d.domain, w.page_id
    from unnest(%(domains)s::text[]) as d(domain)
    cross join lateral (
        select distinct b.page_id
        from news.page_blocks as b
        where b.domain = d.domain
        order by b.page_id desc
        limit %(window)s
    ) as w
),
domain_pages as (
    select r.domain, count(distinct p.url) as pages
    from recent as r
    join news.pages as p on p.page_id = r.page_id
    group by r.domain
),
block_pages as (
    select r.domain, b.fingerprint, count(distinct p.url) as pages
    from recent as r
    join news.page_blocks as b on b.page_id = r.page_id
    join news.pages as p on p.page_id = r.page_id
    group by r.domain, b.fingerprint
)
insert into news.learned_furniture as lf (domain, fingerprint, pages)
select bp.domain, bp.fingerprint, bp.pages
from block_pages as bp
join domain_pages as dp on dp.domain = bp.domain
where bp.pages >= %(min_pages)s and bp.pages >= %(min_share)s * dp.pages
on conflict (domain, fingerprint) do update set pages = excluded.pages
    where lf.pages is distinct from excluded.pages
returning domain, fingerprint, (xmax = 0) as is_new
"""


def learn(
    conn,  # noqa: ANN001
    domains: Iterable[str],
    min_pages: int = DEFAULT_MIN_PAGES,
    min_share: float = DEFAULT_MIN_SHARE,
) -> dict[str, set[int]]:
    """Learn furniture of these domains from their latest stored pages; returns the NEW fingerprints.

    The rule (K pages and a share S of the domain's latest WINDOW pages) is
    `pipeline.clean.learned`'s. What was learned stays learned (a later window without the
    block does not forget it), so pages cleaned earlier and re-cleaned later lose the same furniture.
    """
    new: dict[str, set[int]] = defaultdict(set)
    params = {"domains": sorted(set(domains)), "min_pages": min_pages, "min_share": min_share, "window": WINDOW}
    with conn.cursor() as cur:
        cur.execute(LEARN_SQL, params)
        for domain, fp, is_new in cur.fetchall():
            if is_new:
                new[domain].add(fp)
    return dict(new)


def load_furniture(conn, domains: Iterable[str]) -> dict[str, set[int]]:  # noqa: ANN001
    """The stored furniture of these domains."""
    learned: dict[str, set[int]] = defaultdict(set)
    with conn.cursor() as cur:
        cur.execute(
            "select domain, fingerprint from news.learned_furniture where domain = any(%s)",
            (sorted(set(domains)),),
        )
        for domain, fp in cur.fetchall():
            learned[domain].add(fp)
    return dict(learned)


def pages_with(conn: Conn, furniture: dict[str, set[int]]) -> set[int]:
    """Pages currently holding an article whose paragraphs include this furniture."""
    pairs = [(domain, fp) for domain, fps in furniture.items() for fp in fps]
    if not pairs:
        return set()
    with conn.cursor() as cur:
        cur.execute(RECLEAN_SQL, {"domains": [d for d, _ in pairs], "fingerprints": [f for _, f in pairs]})
        return {row[0] for row in cur.fetchall()}


# --------------------------------------------------------------------------- articles

def current_articles(conn: Conn, keys: Iterable[str]) -> dict[str, tuple[datetime, int, bool]]:
    """key → (fetched_at, page_id, is_article) of the version news.articles holds now."""
    with conn.cursor() as cur:
        cur.execute(CURRENT_SQL, (list(keys),))
        return {key: (fetched_at, page_id, good) for key, fetched_at, page_id, good in cur.fetchall()}


def article_row(page: Page, article: CleanedArticle, key: str, canonical_link: str | None) -> tuple:
    """The news.articles row (ARTICLE_COLUMNS order) of a cleaned page kept under `key`."""
    text = article.text
    return (
        key, page.source, page.page_id, article.title, article.byline, article.published_at,
        article.language, article.site_name, article.categories, text, article.word_count,
        hashlib.sha256(text.encode("utf-8")).digest(), EXTRACTOR_VERSION, article.flags,
        article.is_article, canonical_link, article.source_link,
        article.authors, article.credit, article.byline_raw, article.modified_at, article.paywalled,
    )


def write_articles(conn: Conn, rows: list[tuple]) -> int:
    """Upsert article rows (ARTICLE_COLUMNS) on canonical_url; returns how many were new or changed."""
    return upsert(conn, "news.articles", ARTICLE_COLUMNS, rows, ["canonical_url"])


def record_extractions(conn: Conn, extractions: list[tuple]) -> None:
    """Record pages as extracted: (page_id, extractor_version, outcome, canonical_url, error,
    fetched_at) rows, fetched_at being that of the page version cleaned (migration 017)."""
    upsert(conn, "news.page_extractions",
           ["page_id", "extractor_version", "outcome", "canonical_url", "error", "fetched_at"],
           extractions, ["page_id"])


def record_failed(conn: Conn, page: Page, reason: str) -> None:
    """Record a page that cannot be stored as extracted with outcome 'failed' and the reason."""
    upsert(conn, "news.page_extractions", ["page_id", "extractor_version", "outcome", "error", "fetched_at"],
           [(page.page_id, EXTRACTOR_VERSION, "failed", reason[:1000], page.fetched_at)], ["page_id"])
