"""Per-source crawl health, shared by `newscorpus stats` and the DAG's quality checks."""

from __future__ import annotations

import psycopg2.extensions

HEALTH_QUERY = """
select *
from news.source_health
where night >= (now() at time zone 'UTC')::date - %(nights)s
  and (%(source)s::text is null or source = %(source)s)
order by night desc, source
"""


def source_health(
    conn: psycopg2.extensions.connection, nights: int = 7, source: str | None = None
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `news.source_health` for the last `nights` nights."""
    with conn, conn.cursor() as cur:
        cur.execute(HEALTH_QUERY, {"nights": nights, "source": source})
        return [col.name for col in cur.description], cur.fetchall()
