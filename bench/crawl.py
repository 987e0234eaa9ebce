"""Crawl throughput on the sample web: `newscorpus crawl` (Scrapy child, sample settings,
pages stored in PostgreSQL) against a plain baseline that fetches the same article URLs one
after another with urllib and stores nothing.

    .venv/bin/python bench/crawl.py [--stories 1000]

Uses a throw-away embedded PostgreSQL and its own sample-web server; prints one table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=1000)
    args = parser.parse_args()

    import psycopg2
    from tabulate import tabulate

    from pipeline.crawl import crawl
    from pipeline.db import DATABASE_URL_ENV
    from pipeline.embedded import _import_pgserver
    from pipeline.migrate import migrate
    from pipeline.sampleweb.serving import running_sample_web

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        server = _import_pgserver().get_server(Path(tmp) / "pg", cleanup_mode="delete")
        url = server.get_uri()
        os.environ[DATABASE_URL_ENV] = url
        conn = psycopg2.connect(url)
        migrate(conn)
        with running_sample_web(Path(tmp) / "web", stories=args.stories, slow_seconds=6) as web:
            started = time.perf_counter()
            summary = crawl(web.sources_path, trigger="bench")
            crawl_seconds = time.perf_counter() - started
            with conn, conn.cursor() as cur:
                cur.execute("select url from news.pages where body_hash is not null order by page_id")
                urls = [row[0] for row in cur]
                cur.execute("select pg_size_pretty(sum(octet_length(body_zlib))), sum(body_bytes) from news.pages")
                zsize, raw = cur.fetchone()
            started = time.perf_counter()
            for page in urls:
                try:
                    with urllib.request.urlopen(page, timeout=10) as response:
                        response.read()
                except (urllib.error.URLError, OSError):
                    pass
            plain_seconds = time.perf_counter() - started
        conn.close()
        server.cleanup()

    rows = [
        ("newscorpus crawl (Scrapy, sample settings, stored)", summary.pages_fetched, f"{crawl_seconds:.1f}",
         f"{summary.pages_fetched / crawl_seconds:.1f}"),
        ("plain sequential urllib GET (no discovery, not stored)", len(urls), f"{plain_seconds:.1f}",
         f"{len(urls) / plain_seconds:.1f}"),
    ]
    print(f"sample web: {args.stories} stories; status {summary.status}; raw {raw / 1e6:.1f} MB stored as {zsize} zlib")
    print(tabulate(rows, headers=("crawler", "pages", "seconds", "pages/s"), tablefmt="simple"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
