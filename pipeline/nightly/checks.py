"""Per-source crawl health, shared by `newscorpus stats` and the DAG's quality checks: read only.

Everything is read from the `news.source_health` view (one row per source and UTC night)
and the `news.furniture_markers` table, so the numbers an operator sees in `stats` are the
numbers the DAG's data-quality task judges. The furniture cache these reads use when it is
current is written by `pipeline.nightly.refresh`; without it they read the texts themselves.
"""

from __future__ import annotations

from datetime import date, timedelta

import psycopg2.extensions

HEALTH_QUERY = """
select *
from news.source_health
where night >= (now() at time zone 'UTC')::date - %(nights)s
  and (%(source)s::text is null or source = %(source)s)
order by night desc, source
"""

# (view column, short header) printed by `newscorpus stats`, in order
STATS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("night", "night"),
    ("source", "source"),
    ("pages_fetched", "fetched"),
    ("pages_failed", "failed"),
    ("blocked_share", "403/429"),
    ("articles", "articles"),
    ("empty_share", "empty"),
    ("undated_share", "undated"),
    ("copy_share", "copies"),
    ("furniture_articles", "furniture"),
    ("published_after_fetched", "pub>fetch"),
    ("published_in_future", "future"),
    ("far_from_lastmod", "!lastmod"),
    ("urls_dropped", "dropped"),   # announced URLs not fetched, per reason (011)
)

NIGHTS_QUERY = """
select source, night, pages_fetched, pages_failed, articles, furniture_articles
from news.source_health
where night in (%(night)s, %(night)s - 1)
"""

FURNITURE_QUERY = """
select a.source, marker, count(*) as articles
from news.pages as p
join news.articles as a on a.page_id = p.page_id and a.is_article
left join news.article_furniture as cached
    on cached.article_id = a.article_id and cached.text_hash = a.text_hash
-- the cached markers when current, else the same rule read live (pipeline.nightly.refresh)
cross join unnest(coalesce(cached.markers, array(
    select f.marker from news.furniture_markers as f
    where strpos(a.text, f.marker) > 0 order by f.marker))) as marker
where (p.fetched_at at time zone 'UTC')::date = %(night)s
group by a.source, marker
order by a.source, marker
"""

# One run's fetches per source, discovery documents included: an unreachable outlet (DNS,
# connection refused, robots.txt unreachable) fails every feed/sitemap and stores no page row.
RUN_FETCHES_QUERY = """
select source,
       pages_fetched + documents_ok + documents_failed  as fetches,
       pages_failed + documents_failed                  as failures,
       document_errors
from news.crawl_run_sources
where run_id = %(run_id)s
order by source
"""

def source_health(
    conn: psycopg2.extensions.connection, nights: int = 7, source: str | None = None
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `news.source_health` for the last `nights` nights."""
    with conn, conn.cursor() as cur:
        cur.execute(HEALTH_QUERY, {"nights": nights, "source": source})
        return [col.name for col in cur.description], cur.fetchall()


def stats_table(columns: list[str], rows: list[tuple]) -> tuple[list[str], list[list]]:
    """The `stats` selection of source_health columns, with short headers."""
    index = [columns.index(name) for name, _ in STATS_COLUMNS if name in columns]
    headers = [header for name, header in STATS_COLUMNS if name in columns]
    return headers, [[_cell(row[i]) for i in index] for row in rows]


def _cell(value: object) -> object:
    """A reason → count mapping as one short cell ("no link: 3; off the source's domains: 1")."""
    if isinstance(value, dict):
        return "; ".join(f"{reason}: {n}" for reason, n in sorted(value.items())) or "-"
    return value


def quality_problems(
    conn: psycopg2.extensions.connection, run_id: int | date | None = None
) -> list[str]:
    """Human-readable data-quality problems of one night; empty when all is well.

    Args:
        run_id: a crawl run (its UTC start date is the night judged), a `date` (that night),
            or None (the latest night with any fetch).

    Reads only: furniture is read from the cache (news.article_furniture) where it is current
    and from the texts where it is not, so the answer is the same before and after a refresh.

    Problems reported, per source:
      - it had articles the night before and has none this night;
      - every fetch failed: with a run, every fetch of that run, feeds and sitemaps included
        (so an outlet unreachable before any page is fetched fires it); without, every page
        fetched that night;
      - articles fetched this night still contain furniture (markers named, with counts).
    """
    night = _night_of(conn, run_id)
    if night is None:
        return []
    run_fetches: list[tuple] = []
    with conn, conn.cursor() as cur:
        if isinstance(run_id, int):
            cur.execute(RUN_FETCHES_QUERY, {"run_id": run_id})
            run_fetches = cur.fetchall()
        cur.execute(NIGHTS_QUERY, {"night": night})
        rows = cur.fetchall()
        cur.execute(FURNITURE_QUERY, {"night": night})
        furniture = cur.fetchall()
    tonight = {row[0]: row for row in rows if row[1] == night}
    before = {row[0]: row for row in rows if row[1] == night - timedelta(days=1)}
    problems: list[str] = []
    for source in sorted(before):
        had = before[source][4]
        now = tonight[source][4] if source in tonight else 0
        if had and not now:
            problems.append(
                f"{source}: no articles on {night} (had {had} on {night - timedelta(days=1)})"
            )
    all_failed: set[str] = set()
    for source, _, fetched, failed, _, _ in sorted(tonight.values()):
        if fetched and failed == fetched:
            all_failed.add(source)
            problems.append(f"{source}: all {fetched} fetches failed on {night}")
    for source, fetches, failures, errors in run_fetches:
        if fetches and failures == fetches and source not in all_failed:
            first = f" (first: {errors[0]})" if errors else ""
            problems.append(f"{source}: every fetch failed in crawl run {run_id}, feeds and sitemaps "
                            f"included: {failures} of {fetches}{first}")
    markers: dict[str, list[str]] = {}
    for source, marker, count in furniture:
        markers.setdefault(source, []).append(f"{marker.strip()!r} in {count}")
    for source, found in sorted(markers.items()):
        articles = tonight[source][5] if source in tonight else 0
        problems.append(
            f"{source}: furniture left in {articles} article(s) fetched on {night}: "
            + ", ".join(found)
        )
    return problems


def _night_of(conn: psycopg2.extensions.connection, run_id: int | date | None) -> date | None:
    with conn, conn.cursor() as cur:
        if isinstance(run_id, date):
            return run_id
        if run_id is None:
            cur.execute("select max((fetched_at at time zone 'UTC')::date) from news.pages")
        else:
            cur.execute(
                "select (started_at at time zone 'UTC')::date from news.crawl_runs where run_id = %s",
                (run_id,),
            )
        row = cur.fetchone()
        return row[0] if row else None
