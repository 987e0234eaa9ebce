"""Layer 3, learned site furniture: text blocks that recur across a domain's own pages.

An outlet nobody wrote rules for still repeats its template — a standards line, a
newsletter pitch, a sign-off — on every page. Each cleaned paragraph is fingerprinted
(xxhash64 of its lowercased word tokens); a fingerprint seen on at least K distinct URLs
of one domain (K = 5 by default) is furniture *for that domain*.

Note:
    Learning is per domain, so article text shared by copies on different domains (the
    syndication the dedup stage is looking for) is never learned. K pages, not 2, so a
    standard sentence that two short stories of one outlet share survives; a wire's
    "Reporting by …" line names different people each time and never repeats.

The stage stores every page's fingerprints (`news.page_blocks`) and what was learned
(`news.learned_furniture`, see sql/migrations/003_extract.sql), so a rerun sees the same
furniture. `learn_in_memory` does the same for benchmarks and one-off runs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import xxhash

DEFAULT_MIN_PAGES = 5
_TOKEN = re.compile(r"\w+")


def fingerprint(paragraph: str) -> int:
    """A signed 64-bit fingerprint of a paragraph's words (fits PostgreSQL bigint)."""
    normal = " ".join(_TOKEN.findall(paragraph.lower()))
    return xxhash.xxh64_intdigest(normal.encode("utf-8")) - (1 << 63)


def fingerprints(paragraphs: Iterable[str]) -> set[int]:
    return {fingerprint(p) for p in paragraphs if _TOKEN.search(p)}


def clean_paragraphs(paragraphs: Sequence[str], learned: set[int] | None) -> list[str]:
    """Drop the paragraphs whose fingerprint is learned furniture of this page's domain."""
    if not learned:
        return list(paragraphs)
    return [p for p in paragraphs if fingerprint(p) not in learned]


def learn_in_memory(
    pages: Iterable[tuple[str, str, Sequence[str]]], min_pages: int = DEFAULT_MIN_PAGES
) -> dict[str, set[int]]:
    """Furniture per domain from (domain, url, paragraphs) triples, without a database."""
    urls: dict[tuple[str, int], set[str]] = defaultdict(set)
    for domain, url, paragraphs in pages:
        for fp in fingerprints(paragraphs):
            urls[(domain, fp)].add(url)
    learned: dict[str, set[int]] = defaultdict(set)
    for (domain, fp), seen in urls.items():
        if len(seen) >= min_pages:
            learned[domain].add(fp)
    return dict(learned)


# --------------------------------------------------------------------------- stored state

def record_blocks(conn, blocks: Iterable[tuple[int, str, Iterable[int]]]) -> None:  # noqa: ANN001
    """Store each page's paragraph fingerprints (replacing what an earlier run stored)."""
    from pipeline.load import upsert

    blocks = list(blocks)
    with conn.cursor() as cur:
        cur.execute(
            "delete from news.page_blocks where page_id = any(%s)", ([page_id for page_id, _, _ in blocks],)
        )
    rows = [(page_id, domain, fp) for page_id, domain, fps in blocks for fp in fps]
    upsert(conn, "news.page_blocks", ["page_id", "domain", "fingerprint"], rows, ["page_id", "fingerprint"])


LEARN_SQL = """
with block_pages as (
    select b.domain, b.fingerprint, count(distinct p.url) as pages
    from news.page_blocks as b
    join news.pages as p on p.page_id = b.page_id
    where b.domain = any(%(domains)s)
    group by b.domain, b.fingerprint
    having count(distinct p.url) >= %(min_pages)s
)
insert into news.learned_furniture as lf (domain, fingerprint, pages)
select domain, fingerprint, pages from block_pages
on conflict (domain, fingerprint) do update set pages = excluded.pages
    where lf.pages is distinct from excluded.pages
returning domain, fingerprint, (xmax = 0) as is_new
"""


def learn(conn, domains: Iterable[str], min_pages: int = DEFAULT_MIN_PAGES) -> dict[str, set[int]]:  # noqa: ANN001
    """Learn furniture of these domains from every stored page; returns the NEW fingerprints."""
    new: dict[str, set[int]] = defaultdict(set)
    with conn.cursor() as cur:
        cur.execute(LEARN_SQL, {"domains": sorted(set(domains)), "min_pages": min_pages})
        for domain, fp, is_new in cur.fetchall():
            if is_new:
                new[domain].add(fp)
    return dict(new)


def load(conn, domains: Iterable[str]) -> dict[str, set[int]]:  # noqa: ANN001
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
