"""Cookbook queries on a 100,000-article corpus: time, rows, and whether the plan uses an index.

Generates a synthetic corpus into a scratch database on the server of NEWSCORPUS_DATABASE_URL
(or the embedded one) through `pipeline.load.upsert`: 20 sources, 60 nights of crawl runs,
pages (failures and re-fetched versions included), 100,000 articles, their clusters and
members (about 45% of articles are copies). Then runs every ```sql query of README's
cookbook three times and prints the median, next to the same query with index scans
switched off (the plain-scan baseline), the row count and the indexes the plan uses.

    python bench/queries.py [--articles 100000] [--keep]

The scratch database (`--database`, default `newscorpus_bench_queries`) is dropped at the
end unless --keep (a kept database is reused by the next run with the same --articles).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import sys
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import psycopg2.errors
from tabulate import tabulate

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pipeline import db  # noqa: E402
from pipeline.nightly.refresh import refresh_furniture as refresh  # noqa: E402
from pipeline.load import upsert  # noqa: E402
from pipeline.migrate import migrate  # noqa: E402

SCRATCH_DB = "newscorpus_bench_queries"
NIGHTS = 60
EXAMPLE_URL = "'https://www.thesun.co.uk/news/31234567/example-story/'"
SOURCES = (
    [(f"wire-{i}", f"Wire {i}", "wire") for i in range(4)]
    + [(f"tabloid-{i}", f"Tabloid {i}", "tabloid") for i in range(8)]
    + [(f"paper-{i}", f"Paper {i}", "broadsheet") for i in range(4)]
    + [(f"aggregator-{i}", f"Aggregator {i}", "aggregator") for i in range(3)]
    + [("regional-0", "Regional 0", "other")]
)
PHRASES = ["injury crisis", "council tax", "wind farm", "cost of living", "train strike"]


def cookbook(readme: Path = REPO_ROOT / "README.md") -> dict[str, str]:
    """heading -> SQL of each ```sql block under a #### heading between the querying markers."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("<!-- querying:start -->", 1)[1].split("<!-- querying:end -->", 1)[0]
    found = re.findall(r"^#### (.+?)\n+```sql\n(.*?)```", section, flags=re.M | re.S)
    return {heading.strip(): sql.strip() for heading, sql in found}


# ---------------------------------------------------------------- synthetic corpus

def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    syllables = ["ba", "ko", "ri", "ta", "men", "sol", "ver", "lin", "dra", "pe", "qu", "zo", "mar", "el", "tun"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(size * 2)}
    return sorted(words)[:size]


def _text(rng: random.Random, vocab: list[str], weights: list[float]) -> str:
    words = rng.choices(vocab, weights=weights, k=rng.randint(150, 350))
    if rng.random() < 0.01:
        words.insert(rng.randrange(len(words)), rng.choice(PHRASES))
    if rng.random() < 0.005:
        words.insert(rng.randrange(len(words)), "Most read in The Tabloid")
    return " ".join(words)


def generate(conn, articles: int, seed: int = 42) -> None:
    """Load the synthetic corpus, night by night, through pipeline.load.upsert."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]
    today = datetime.now(UTC).replace(hour=5, minute=0, second=0, microsecond=0)
    per_night = articles // NIGHTS
    originals: list[tuple[str, str]] = []   # (url, source) of every original so far
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind"], SOURCES, conflict=["name"])
    for night_no in range(NIGHTS):
        crawl = today - timedelta(days=NIGHTS - 1 - night_no)
        count = per_night if night_no < NIGHTS - 1 else articles - per_night * (NIGHTS - 1)
        with conn, conn.cursor() as cur:
            cur.execute("insert into news.crawl_runs (started_at, finished_at, status, trigger)"
                        " values (%s, %s, 'succeeded', 'test') returning run_id",
                        (crawl, crawl + timedelta(minutes=40)))
            run_id = cur.fetchone()[0]
            _load_night(conn, cur, rng, vocab, weights, run_id, crawl, night_no, count, originals)
        if sys.stderr.isatty() or (night_no + 1) % 10 == 0:
            print(f"\rgenerating: night {night_no + 1}/{NIGHTS}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    refresh(conn)  # what the nightly job does after dedup: the furniture cache
    conn.autocommit = True  # vacuum refuses to run in a transaction
    with conn.cursor() as cur:
        cur.execute("vacuum analyze")
    conn.autocommit = False


def _load_night(conn, cur, rng, vocab, weights, run_id, crawl, night_no, count, originals) -> None:
    pages, articles, plan = [], [], []
    for i in range(count):
        is_copy = originals and rng.random() < 0.45
        name, _, _ = rng.choice([s for s in SOURCES if s[2] != "wire"] if is_copy else SOURCES)
        url = f"https://{name}.example/news/{night_no}/{i}/"
        published = crawl - timedelta(minutes=rng.randint(30, 24 * 60))
        text = _text(rng, vocab, weights)
        body = f"<html><body><p>{text}</p></body></html>".encode()
        lastmod = published + timedelta(days=3) if rng.random() < 0.01 else published
        pages.append((run_id, name, url, url, 200, "text/html", zlib.compress(body, 1),
                      hashlib.sha256(body).digest(), len(body), None, crawl + timedelta(minutes=i % 40), lastmod))
        articles.append([url, name, None, f"Headline {night_no}-{i} " + " ".join(rng.choices(vocab, k=6)),
                         "By Reporter", published, "en", text, len(text.split()),
                         hashlib.sha256(text.encode()).digest(), "bench"])
        if is_copy:
            original = rng.choice(originals[-4000:])
            plan.append((url, original[0], round(rng.uniform(0.5, 1.0), 3)))
        else:
            plan.append((url, None, 1.0))
    for i in range(count // 20):  # failed fetches: 403, 429, 500, timeouts
        name = rng.choice(SOURCES)[0]
        pages.append((run_id, name, f"https://{name}.example/broken/{night_no}/{i}/",
                      f"https://{name}.example/broken/{night_no}/{i}/", rng.choice([403, 429, 500, 0]),
                      None, None, None, None, "failed", crawl + timedelta(minutes=5), None))
    updated = rng.sample(originals, min(len(originals), count // 30))  # a new version of earlier articles
    for url, name in updated:
        body = f"<html>updated {night_no} {url}</html>".encode()
        pages.append((run_id, name, url, url, 200, "text/html", zlib.compress(body, 1),
                      hashlib.sha256(body).digest(), len(body), None, crawl + timedelta(minutes=30), crawl))
    upsert(conn, "news.pages", ["run_id", "source", "url", "final_url", "status", "content_type", "body_zlib",
                                "body_hash", "body_bytes", "error", "fetched_at", "lastmod"], pages, conflict=None)
    cur.execute("select url, page_id from news.pages where run_id = %s and body_hash is not null", (run_id,))
    page_of = dict(cur.fetchall())  # a re-fetched URL appears once: its new page
    for row in articles:
        row[2] = page_of[row[0]]
    upsert(conn, "news.articles", ["canonical_url", "source", "page_id", "title", "byline", "published_at",
                                   "language", "text", "word_count", "text_hash", "extractor_version"],
           articles, conflict=["canonical_url"])
    cur.execute(  # updated articles point at their newest page
        "update news.articles as a set page_id = p.page_id from news.pages as p"
        " where a.canonical_url = any(%s) and p.run_id = %s and p.url = a.canonical_url"
        " and p.body_hash is not null", ([url for url, _ in updated], run_id))
    urls = [u for u, _, _ in plan] + [o for _, o, _ in plan if o]
    cur.execute("select canonical_url, article_id from news.articles where canonical_url = any(%s)", (urls,))
    article_id = dict(cur.fetchall())
    upsert(conn, "news.clusters", ["canonical_article_id"],
           [(article_id[u],) for u, o, _ in plan if o is None], conflict=["canonical_article_id"])
    cur.execute("select canonical_article_id, cluster_id from news.clusters where canonical_article_id = any(%s)",
                ([article_id[u] for u, o, _ in plan if o is None] + [article_id[o] for _, o, _ in plan if o],))
    cluster_of = dict(cur.fetchall())
    members = []
    for url, original, similarity in plan:
        if original is None:
            members.append((article_id[url], cluster_of[article_id[url]], None, 1.0, "self"))
        else:
            members.append((article_id[url], cluster_of[article_id[original]], article_id[original],
                            similarity, "minhash"))
    upsert(conn, "news.cluster_members", ["article_id", "cluster_id", "matched_article_id", "similarity", "method"],
           members, conflict=["article_id"])
    cur.execute("""
        insert into news.crawl_run_sources (run_id, source, pages_fetched, pages_failed, articles_new, duplicates_found)
        select p.run_id, p.source, count(*), count(*) filter (where p.body_hash is null),
               count(a.article_id), count(m.article_id) filter (where m.method <> 'self')
        from news.pages as p
        left join news.articles as a on a.page_id = p.page_id
        left join news.cluster_members as m on m.article_id = a.article_id
        where p.run_id = %s
        group by p.run_id, p.source
    """, (run_id,))
    originals.extend((url, url.split("//", 1)[1].split(".", 1)[0]) for url, o, _ in plan if o is None)


# ---------------------------------------------------------------- measuring

def example_url(conn) -> str:
    """An article with several versions and copies, for the queries that take a URL."""
    with conn, conn.cursor() as cur:
        cur.execute("""
            select a.canonical_url
            from news.articles as a
            join news.cluster_members as m on m.article_id = a.article_id
            where exists (select from news.pages as p where p.url = a.canonical_url and p.page_id <> a.page_id)
              and (select count(*) from news.cluster_members as o where o.cluster_id = m.cluster_id) > 1
            limit 1
        """)
        return cur.fetchone()[0]


def _index_names(plan: dict) -> list[str]:
    names = []
    if "Index Name" in plan:
        names.append(plan["Index Name"])
    for child in plan.get("Plans", []):
        names.extend(_index_names(child))
    return names


BASELINE_TIMEOUT_MS = 20_000


def measure(conn, sql: str, runs: int = 3) -> tuple[float, int, list[str]]:
    """Median wall time in ms, row count, indexes in the plan."""
    times, rows = [], 0
    with conn, conn.cursor() as cur:
        cur.execute("set local time zone 'UTC'")
        for _ in range(runs):
            start = time.perf_counter()
            cur.execute(sql)
            rows = len(cur.fetchall())
            times.append((time.perf_counter() - start) * 1000)
        cur.execute("explain (format json) " + sql)
        plan = cur.fetchone()[0]
        plan = plan if isinstance(plan, list) else json.loads(plan)
    return statistics.median(times), rows, sorted(set(_index_names(plan[0]["Plan"])))


def baseline(conn, sql: str) -> str:
    """One run with index scans switched off (plain scans only), capped at BASELINE_TIMEOUT_MS."""
    with conn, conn.cursor() as cur:
        cur.execute("set local time zone 'UTC'")
        for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
            cur.execute(f"set local {setting} = off")
        cur.execute(f"set local statement_timeout = {BASELINE_TIMEOUT_MS}")
        start = time.perf_counter()
        try:
            cur.execute(sql)
            cur.fetchall()
        except psycopg2.errors.QueryCanceled:
            conn.rollback()
            return f"> {BASELINE_TIMEOUT_MS:,}"
        return f"{(time.perf_counter() - start) * 1000:,.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the scratch database")
    parser.add_argument("--database", default=SCRATCH_DB, help=f"scratch database name (default {SCRATCH_DB})")
    args = parser.parse_args()
    server = db.database_url()
    url = db.with_database(server, args.database)
    conn = None
    try:
        conn = _open_scratch(server, url, args.database, args.articles)
        target = example_url(conn)
        results = []
        for heading, sql in cookbook().items():
            sql = sql.replace(EXAMPLE_URL, f"'{target}'")
            ms, rows, used = measure(conn, sql)
            results.append((heading, f"{ms:,.1f}", baseline(conn, sql), rows,
                            "yes" if used else "no", ", ".join(used)[:70]))
        with conn, conn.cursor() as cur:
            cur.execute("select count(*) from news.articles")
            total = cur.fetchone()[0]
        print(f"{total:,} articles; ms = median of 3 runs; no-index = one run of the same query with index scans off")
        print(tabulate(results, headers=["query", "ms", "ms no-index", "rows", "index", "indexes used"]))
    finally:
        if conn is not None:
            conn.close()
        if not args.keep:
            db.run_admin(server, f"drop database if exists {args.database}")


def _open_scratch(server: str, url: str, name: str, articles: int):
    """The scratch database, generated now unless a kept one already holds `articles`."""
    try:
        conn = psycopg2.connect(url)
        migrate(conn)
        with conn, conn.cursor() as cur:
            cur.execute("select count(*) from news.articles")
            if cur.fetchone()[0] == articles:
                return conn
        conn.close()
    except psycopg2.OperationalError:
        pass
    db.run_admin(server, f"drop database if exists {name}")
    db.run_admin(server, f"create database {name}")
    conn = psycopg2.connect(url)
    migrate(conn)
    started = time.perf_counter()
    generate(conn, articles)
    print(f"generated {articles:,} articles in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return conn


if __name__ == "__main__":
    main()
