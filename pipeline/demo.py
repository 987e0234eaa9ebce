"""`newscorpus demo`: the whole nightly pipeline on the bundled sample web, with a summary.

The sample web runs on loopback addresses in a child process; the pipeline loads it into
the database `newscorpus_demo` on the embedded server (or NEWSCORPUS_DATABASE_URL when set),
so demo outlets never mix with a real corpus. Running it again is incremental: nothing new
is fetched and nothing is duplicated.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from pipeline import db

DEMO_DATABASE = "newscorpus_demo"

EXAMPLE_QUERY = """\
select outlet, left(title, 60) as title, copies, array_length(outlets, 1) as outlets
from news.corpus
order by copies desc, published_at
limit 5"""

TOTALS_QUERY = """
select
    (select count(*) from news.pages)                                  as pages_stored,
    (select count(*) from news.pages where body_hash is null)          as fetches_failed,
    (select count(*) from news.articles where is_article)              as articles,
    (select count(*) from news.corpus)                                 as stories,
    (select count(*) from news.syndication)                            as copies_linked
"""


def demo_database_url() -> str:
    """NEWSCORPUS_DATABASE_URL if set, else `newscorpus_demo` on the embedded server."""
    if os.environ.get(db.DATABASE_URL_ENV):
        return os.environ[db.DATABASE_URL_ENV]
    admin_url = db.database_url()
    with db.connection(admin_url) as conn, conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (DEMO_DATABASE,))
        missing = cur.fetchone() is None
    if missing:
        db.run_admin(admin_url, f"create database {DEMO_DATABASE}")
    return db.with_database(admin_url, DEMO_DATABASE)


DEMO_PORT = 8765  # fixed, so a second demo sees the same URLs and crawls incrementally


def run_demo(stories: int, port: int = DEMO_PORT, out=sys.stdout) -> int:  # noqa: ANN001 - text stream
    from tabulate import tabulate

    from pipeline.runner import run_nightly
    from pipeline.sampleweb.testing import running_sample_web

    started = time.perf_counter()
    os.environ[db.DATABASE_URL_ENV] = demo_database_url()
    with tempfile.TemporaryDirectory(prefix="newscorpus-demo-") as tmp:
        with running_sample_web(Path(tmp), stories=stories, port=port) as web:
            print(f"sample web: {len(web.base_urls)} outlets on 127.0.1.x:{web.port}; it includes "
                  "deliberate faults (404, 500, timeouts, redirect loops, binary and oversized pages), "
                  "so the crawl logs some errors", file=out, flush=True)
            result = run_nightly(web.sources_path, trigger="demo")
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(TOTALS_QUERY)
        totals = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
        cur.execute(EXAMPLE_QUERY)
        example_cols = [c.name for c in cur.description]
        example_rows = cur.fetchall()
    print(file=out)
    print(f"database: {db.redact(os.environ[db.DATABASE_URL_ENV])}", file=out)
    print(tabulate(totals.items(), headers=["corpus", "count"]), file=out)
    print(file=out)
    print(tabulate(result.stage_seconds.items(), headers=["stage", "seconds"], floatfmt=".1f"), file=out)
    print(f"\ntotal {time.perf_counter() - started:.1f}s; run {result.run_id}", file=out)
    for problem in result.problems:
        print(f"quality note: {problem}", file=out)
    print(f"\nexample query (psql: newscorpus db psql, or psql '{os.environ[db.DATABASE_URL_ENV]}'):", file=out)
    print(EXAMPLE_QUERY + ";\n", file=out)
    print(tabulate(example_rows, headers=example_cols), file=out)
    return 0
