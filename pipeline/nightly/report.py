"""The per-run report: what a crawl run fetched, failed, found new and found syndicated.

Built from the database alone (read only), so the Airflow report task, `newscorpus run` and
`news.crawl_report` tell the same story. Stored once in `news.crawl_runs.report` when the run
is closed (`pipeline.runs.close_run`); the per-source article counts it shows are written
before it is built (`pipeline.runs.record_article_counts`).
"""

from __future__ import annotations

from typing import Any

import psycopg2.extensions

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
    """Compute the run's report (reads only) and return it.

    `problems` (failed steps, fired quality checks: one line each, naming the source) are kept
    in the report as given.
    """
    with conn, conn.cursor() as cur:
        report = {
            "run_id": run_id,
            "sources": _rows(cur, PER_SOURCE_SQL, run_id),
            "failures": _rows(cur, FAILURES_SQL, run_id),
            "document_failures": _rows(cur, DOCUMENT_FAILURES_SQL, run_id),
            "problems": list(problems or []),
            "new_stories": _scalar(cur, NEW_STORIES_SQL, run_id),
            "top_syndicated": _rows(cur, TOP_SYNDICATED_SQL, run_id),
        }
    return report


def _rows(cur: psycopg2.extensions.cursor, query: str, run_id: int) -> list[dict[str, Any]]:
    cur.execute(query, {"run_id": run_id})
    names = [col.name for col in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _scalar(cur: psycopg2.extensions.cursor, query: str, run_id: int) -> Any:
    cur.execute(query, {"run_id": run_id})
    return cur.fetchone()[0]


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
