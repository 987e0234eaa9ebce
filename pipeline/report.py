"""The per-run report: what a crawl run fetched, failed, found new and found syndicated.

Built from the database alone, so the Airflow report task, `newscorpus run` and
`news.crawl_report` tell the same story. Stored in `news.crawl_runs.report`.
"""

from __future__ import annotations

from typing import Any

import psycopg2.extensions

# articles first seen / changed during the run, per source, copied into crawl_run_sources
# (duplicates_found is written by the dedup stage, which knows what it linked)
ARTICLE_COUNTS_SQL = """
with run as (
    select run_id, started_at, coalesce(finished_at, now()) as ended_at
    from news.crawl_runs where run_id = %(run_id)s
),
article_changes as (
    select
        a.source,
        count(*) filter (where a.first_seen_at >= run.started_at)                   as articles_new,
        count(*) filter (where a.first_seen_at < run.started_at
                           and a.updated_at >= run.started_at)                      as articles_updated
    from news.articles as a
    cross join run
    where a.updated_at >= run.started_at and a.updated_at <= run.ended_at
    group by a.source
)
update news.crawl_run_sources as rs
set articles_new = ac.articles_new,
    articles_updated = ac.articles_updated
from article_changes as ac
where rs.run_id = %(run_id)s and rs.source = ac.source
"""

PER_SOURCE_SQL = """
select source, pages_fetched, pages_failed, articles_new, articles_updated, duplicates_found,
       requests_refused
from news.crawl_report where run_id = %(run_id)s order by source
"""

FAILURES_SQL = """
select source, url, status, error
from news.pages
where run_id = %(run_id)s and body_hash is null
order by source, url
limit 50
"""

# feeds/sitemaps that failed before any page was fetched (unreachable outlets leave no page row)
DOCUMENT_FAILURES_SQL = """
select source, documents_failed, documents_ok, document_errors[1] as first_error
from news.crawl_run_sources
where run_id = %(run_id)s and documents_failed > 0
order by source
"""

NEW_STORIES_SQL = """
select count(*)
from news.corpus as s
join news.articles as a on a.article_id = s.article_id
join news.crawl_runs as r on r.run_id = %(run_id)s
where a.first_seen_at >= r.started_at
"""

TOP_SYNDICATED_SQL = """
select title, outlet, copies, outlets
from news.corpus
where copies > 0
order by copies desc, published_at desc nulls last
limit 5
"""


def build_report(
    conn: psycopg2.extensions.connection, run_id: int, problems: list[str] | None = None
) -> dict[str, Any]:
    """Compute the run's report, update its per-source article counts, store and return it.

    `problems` (failed steps, fired quality checks: one line each, naming the source) are kept
    in the report as given.
    """
    with conn, conn.cursor() as cur:
        cur.execute(ARTICLE_COUNTS_SQL, {"run_id": run_id})
        report = {
            "run_id": run_id,
            "sources": _rows(cur, PER_SOURCE_SQL, run_id),
            "failures": _rows(cur, FAILURES_SQL, run_id),
            "document_failures": _rows(cur, DOCUMENT_FAILURES_SQL, run_id),
            "problems": list(problems or []),
            "new_stories": _scalar(cur, NEW_STORIES_SQL, run_id),
            "top_syndicated": _rows(cur, TOP_SYNDICATED_SQL, run_id),
        }
        cur.execute(
            "update news.crawl_runs set report = %s::jsonb where run_id = %s",
            (_json(report), run_id),
        )
    return report


def _rows(cur: psycopg2.extensions.cursor, query: str, run_id: int) -> list[dict[str, Any]]:
    cur.execute(query, {"run_id": run_id})
    names = [col.name for col in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _scalar(cur: psycopg2.extensions.cursor, query: str, run_id: int) -> Any:
    cur.execute(query, {"run_id": run_id})
    return cur.fetchone()[0]


def _json(value: Any) -> str:
    import json

    return json.dumps(value, default=str, ensure_ascii=False)


def format_report(report: dict[str, Any]) -> str:
    """The report as the text an operator reads in a task log or a terminal."""
    from tabulate import tabulate

    lines = [f"crawl run {report['run_id']}: {report['new_stories']} new stories"]
    if report["sources"]:
        lines.append(tabulate(report["sources"], headers="keys", tablefmt="simple"))
    if report["failures"]:
        lines.append(f"{len(report['failures'])} failed fetches (first 50):")
        lines.append(tabulate(report["failures"], headers="keys", tablefmt="simple", maxcolwidths=60))
    if report.get("document_failures"):
        lines.append("feeds/sitemaps that could not be read:")
        lines.append(tabulate(report["document_failures"], headers="keys", tablefmt="simple", maxcolwidths=70))
    if report["top_syndicated"]:
        lines.append("most syndicated stories:")
        rows = [{**r, "outlets": ", ".join(r["outlets"])} for r in report["top_syndicated"]]
        lines.append(tabulate(rows, headers="keys", tablefmt="simple", maxcolwidths=50))
    problems = report.get("problems") or []
    if problems:
        lines.append(f"FAILED: {len(problems)} problem(s):")
        lines.extend(f"  - {problem}" for problem in problems)
    else:
        lines.append("no problems: every source crawled, every quality check passed")
    return "\n".join(lines)
