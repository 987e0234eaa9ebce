"""Full-text search over the corpus: one row per story (its canonical), or every copy.

Matching uses `news.articles.search_tsv` (title weight A, text weight B, 'english') through
its GIN index, with `websearch_to_tsquery`, so `"exact phrase"`, `or` and `-word` work as on
a search engine. A story matches when any of its copies matches, and ranks by its best copy;
`--source` selects the matching copies (stories SOURCE ran, in any version); `--since` selects
the stories listed by their own date (the original's published_at; with all_copies, each
article's), so a story first published before DATE is not listed because a late copy matched.
`copies` is news.story's: null for an article dedup has not seen yet, 0 for one it has and
found no copy of.
Every filter is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import psycopg2.extensions

from pipeline.db_types import lenient_times

SEARCH_SQL = """
with query as (
    select websearch_to_tsquery('english', %(phrase)s) as tsquery
),
matched as (
    select
        case when %(all_copies)s then a.article_id
             else coalesce(c.canonical_article_id, a.article_id) end  as shown_article_id,
        ts_rank(a.search_tsv, query.tsquery, 1)                        as rank
    from query
    join news.articles as a on a.search_tsv @@ query.tsquery
    left join news.cluster_members as m on m.article_id = a.article_id
    left join news.clusters as c on c.cluster_id = m.cluster_id
    where a.is_article
      and (%(source)s::text is null or a.source = %(source)s::text)
),
stories as (
    select shown_article_id, max(rank) as rank, count(*) as matching_copies
    from matched
    group by shown_article_id
)
select
    round(s.rank::numeric, 4)               as rank,
    shown.published_at,
    shown.source,
    shown.outlet,
    shown.cluster_id,
    shown.is_canonical,
    -- the story's copies (news.story); null for an article dedup has not seen yet
    (select story.copies from news.story as story
     where story.cluster_id = shown.cluster_id)                     as copies,
    s.matching_copies,
    shown.title,
    shown.url
from stories as s
join news.all_articles as shown on shown.article_id = s.shown_article_id
where (%(since)s::timestamptz is null or shown.published_at >= %(since)s::timestamptz)
order by s.rank desc, shown.published_at desc nulls last, shown.article_id
limit %(limit)s
"""


@dataclass(frozen=True)
class SearchResult:
    columns: list[str]
    rows: list[tuple]


def search(
    conn: psycopg2.extensions.connection,
    phrase: str,
    *,
    since: date | datetime | None = None,
    source: str | None = None,
    all_copies: bool = False,
    limit: int = 20,
) -> SearchResult:
    """Stories (or, with all_copies, articles) matching `phrase`, best first.

    Args:
        phrase: web-search syntax: words, "quoted phrase", or, -excluded.
        since: only stories (rows listed) published on or after this (a date means 00:00 UTC).
        source: only matching articles from this source (its sources.yaml name).
        all_copies: one row per matching article instead of one per story.
    """
    params = {
        "phrase": phrase,
        "since": as_utc(since),
        "source": source,
        "all_copies": all_copies,
        "limit": limit,
    }
    with conn, conn.cursor() as cur:
        lenient_times(cur)  # a published_at Python cannot hold (BC, ±infinity) is listed as null
        cur.execute("set local time zone 'UTC'")
        cur.execute(SEARCH_SQL, params)
        return SearchResult([col.name for col in cur.description], cur.fetchall())


def as_utc(moment: date | datetime | None) -> datetime | None:
    """A date as its 00:00 UTC; a naive datetime as UTC (the corpus keeps UTC throughout)."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
