"""Layer 3, learned site furniture: text blocks that recur across a domain's own pages.

An outlet nobody wrote rules for still repeats its template — a standards line, a
newsletter pitch, a sign-off — on every page. Each cleaned paragraph is fingerprinted
(xxhash64 of its lowercased word tokens); a fingerprint seen on at least K distinct URLs
of one domain (K = 5 by default) *and* on at least a share S of the domain's recent pages
(S = 0.2, over the domain's latest WINDOW = 500 pages) is furniture *for that domain*.

Note:
    Learning is per domain, so article text shared by copies on different domains (the
    syndication the dedup stage is looking for) is never learned. K pages, not 2, so a
    standard sentence that two short stories of one outlet share survives; a wire's
    "Reporting by …" line names different people each time and never repeats.

    The share is what tells a template from a standard sentence: a template block is on
    (nearly) every page of its layout, while a correction notice ("An earlier version of
    this story misstated …"), an editor's note or a live blog's standing intro recurs
    word for word on a few pages only — article text all the same. On the 1,000-story
    sample web (bench/cleaning.py --stories 1000) the one correction notice that repeats
    verbatim is on 9, 16, 5 and 5 pages of four domains (3.2-6.8 % of their pages) and was
    learned at K = 5 alone, dropping 35 real paragraphs; with S = 0.2 none is. The
    window keeps the share about the domain's current template: a block new to an
    outlet with years of history is learned once it is on a fifth of its latest pages.

The stage stores every page's fingerprints (`news.page_blocks`) and what was learned
(`news.learned_furniture`, see sql/migrations/003_extract.sql), so a rerun sees the same
furniture. bench/cleaning.py's `learn_in_memory` applies the same rule without a database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import xxhash

DEFAULT_MIN_PAGES = 5
DEFAULT_MIN_SHARE = 0.2
WINDOW = 500  # a domain's latest pages the share is measured over
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

    What was learned stays learned (a later window without the block does not forget it),
    so pages cleaned earlier and re-cleaned later lose the same furniture.
    """
    new: dict[str, set[int]] = defaultdict(set)
    params = {"domains": sorted(set(domains)), "min_pages": min_pages, "min_share": min_share, "window": WINDOW}
    with conn.cursor() as cur:
        cur.execute(LEARN_SQL, params)
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
