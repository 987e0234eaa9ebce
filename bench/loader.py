"""Bulk loader vs executemany: rows/s for narrow rows and article-sized rows.

Loads 100,000 narrow rows (shaped like news.lsh_buckets) and 100,000 article-sized rows
(~4 KB text, shaped like news.articles) into scratch tables, each with
`pipeline.load.upsert` (COPY + one upsert) and with psycopg2 `executemany` of the same
`INSERT ... ON CONFLICT DO UPDATE`, and prints a table. Uses NEWSCORPUS_DATABASE_URL or the
embedded server; the scratch schema is dropped at the end.

    python bench/loader.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from collections.abc import Callable

from tabulate import tabulate

from pipeline import db
from pipeline.load import upsert

SCHEMA = "newscorpus_bench"
TABLES = {
    "narrow": (
        "(band smallint, bucket bigint, article_id bigint, primary key (band, bucket, article_id))",
        ["band", "bucket", "article_id"],
        ["band", "bucket", "article_id"],
    ),
    "article": (
        "(canonical_url text primary key, title text, text text, word_count int, text_hash bytea)",
        ["canonical_url", "title", "text", "word_count", "text_hash"],
        ["canonical_url"],
    ),
}
WORDS = "the police said on monday that a man had been arrested after the crash in".split()


def narrow_rows(n: int) -> list[tuple]:
    rng = random.Random(1)
    return [(i % 32, rng.getrandbits(62), i // 32) for i in range(n)]


def article_rows(n: int) -> list[tuple]:
    rng = random.Random(2)
    paragraph = " ".join(rng.choice(WORDS) for _ in range(700))  # ~4 KB
    rows = []
    for i in range(n):
        text = f"{i} {paragraph}"
        rows.append((f"https://example.com/news/{i}", f"Headline {i}", text, 700,
                     hashlib.sha256(text.encode()).digest()))
    return rows


def with_copy(conn, table: str, columns: list[str], key: list[str], rows: list[tuple]) -> None:
    for start in range(0, len(rows), 50_000):
        with conn:
            upsert(conn, f"{SCHEMA}.{table}", columns, rows[start:start + 50_000], conflict=key)


def with_executemany(conn, table: str, columns: list[str], key: list[str], rows: list[tuple]) -> None:
    others = [c for c in columns if c not in key] or key[:1]
    statement = (
        f"insert into {SCHEMA}.{table} ({', '.join(columns)}) values ({', '.join(['%s'] * len(columns))}) "
        f"on conflict ({', '.join(key)}) do update set "
        + ", ".join(f"{c} = excluded.{c}" for c in others)
    )
    with conn, conn.cursor() as cur:
        cur.executemany(statement, rows)


def timed(load: Callable[[], None]) -> float:
    start = time.perf_counter()
    load()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    makers = {"narrow": narrow_rows, "article": article_rows}
    results = []
    with db.connection() as conn:
        with conn, conn.cursor() as cur:
            cur.execute(f"drop schema if exists {SCHEMA} cascade; create schema {SCHEMA}")
        try:
            for shape, (ddl, columns, key) in TABLES.items():
                rows = makers[shape](args.rows)
                seconds = {}
                for method, load in (("executemany", with_executemany), ("copy+upsert", with_copy)):
                    table = f"{shape}_{method.replace('+', '_')}"
                    with conn, conn.cursor() as cur:
                        cur.execute(f"create table {SCHEMA}.{table} {ddl}")
                    seconds[method] = timed(lambda: load(conn, table, columns, key, rows))
                base = args.rows / seconds["executemany"]
                fast = args.rows / seconds["copy+upsert"]
                results.append((shape, args.rows, f"{base:,.0f}", f"{fast:,.0f}", f"{fast / base:.1f}x"))
        finally:
            with conn, conn.cursor() as cur:
                cur.execute(f"drop schema if exists {SCHEMA} cascade")
    print(tabulate(results, headers=["rows", "n", "executemany rows/s", "copy+upsert rows/s", "speed-up"]))


if __name__ == "__main__":
    main()
