"""Dedup: LSH recall, fingerprint speed per CPU-second, sample-web quality, end to end at scale.

Tables, each comparing against its baseline in the same run:

1. Candidate recall vs true Jaccard: synthetic pairs in datasketch's `MinHashLSH(threshold=0.8)`
   (9 bands x 13 rows at 128 permutations) and in ours (32 x 4 body bands); then the sample
   web's true copy pairs by copy type (truncated copies need the lead bands).
2. Fingerprinting per CPU-second (time.process_time, shingling included on every side) on the
   same --docs texts: datasketch's batch paths with its default hash (SHA1) — `MinHash.bulk`
   and `update_batch` over the shingle strings —, rensa's `RMinHash.update` (Rust; the row is
   skipped when rensa is not installed), ours (tokens + shingles + 128-permutation MinHash)
   and ours with everything dedup stores (lead sketch, sentence and fact hashes).
3. Quality on the sample web's key (both nights loaded, dedup run), at --quality-stories
   sizes: pairwise precision/recall, adjusted Rand index, distractors merged.
4. End to end (fingerprint, candidates, verify, cluster, store) at --sizes articles, each in a
   child process on a fresh scratch database (its own peak RSS): the key is written once to a
   JSONL file and streamed, story labels kept in the database, never the whole key in memory.
   The key file is built (and each size's articles loaded) before dedup's clock starts.
   Per size: wall seconds, ms/article and its ratio to the first size, CPU seconds of dedup
   and its fingerprint worker and of the PostgreSQL backend, candidate pairs per article,
   peak RSS (dedup / worker), the run's own memory (prefilter summaries and, on an empty
   index, the run's bucket rows: stage.MEMORY_ARTICLES, stage.RUN_INDEX_ARTICLES) and wall
   seconds per phase summed over batches. Each size starts with nothing fingerprinted, so it
   is a bulk load (stage._run_index): probes answered from the run's rows (runindex.py),
   news.lsh_buckets' indexes built once at its end, clustering once at its end. The largest
   size then dedups the key's next NIGHTLY_ARTICLES articles on top, as a nightly run does
   (history stored: probes go to the indexed table, clustering batch by batch), and prints
   both candidate queries' plans (EXPLAIN ANALYZE) for one batch of that table and the time
   per batch of the bulk run.

    python bench/dedup.py [--docs 1000] [--quality-stories 40,1000] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psycopg2
from datasketch import MinHash, MinHashLSH
from tabulate import tabulate

# the answer-key loader lives with the tests (tests/plugins/answer_key.py): the repo root on the path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline import db
from pipeline.dedup import dedup, lsh
from pipeline.dedup.fingerprint import SENTENCE_BAND, fingerprint_batch
from pipeline.dedup.shingles import shingle_strings
from pipeline.dedup.signatures import NUM_PERM, SEED, signatures
from pipeline.load import upsert
from pipeline.migrate import migrate
from tests.plugins.answer_key import key_without_web as sample_key
from tests.plugins.answer_key import load_key_articles, pairwise_scores

SCRATCH_DB = "newscorpus_bench_dedup"


def jaccard_pairs(jaccard: float, n: int, rng: random.Random, size: int = 400) -> list[tuple[np.ndarray, np.ndarray]]:
    """n pairs of uint32 sets of `size` elements with exactly the given Jaccard."""
    shared = round(2 * size * jaccard / (1 + jaccard))
    pairs = []
    for _ in range(n):
        values = np.array(rng.sample(range(1, 2**32 - 1), 2 * size - shared), dtype=np.uint32)
        pairs.append((values[:size], values[size - shared:]))
    return pairs


def recall_table(n_pairs: int) -> list[tuple]:
    rng = random.Random(1)
    default_b, default_r = MinHashLSH(threshold=0.8, num_perm=NUM_PERM).b, MinHashLSH(threshold=0.8, num_perm=NUM_PERM).r
    rows = []
    for j in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        pairs = jaccard_pairs(j, n_pairs, rng)
        sigs_a = signatures([a for a, _ in pairs])
        sigs_b = signatures([b for _, b in pairs])
        index = MinHashLSH(threshold=0.8, num_perm=NUM_PERM)
        for i, sig in enumerate(sigs_a):
            index.insert(i, MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=sig, scheme="affine32"))
        found_default = sum(
            i in index.query(MinHash(num_perm=NUM_PERM, seed=SEED, hashvalues=sig, scheme="affine32"))
            for i, sig in enumerate(sigs_b)
        )
        found_ours = sum(bool(set(lsh.BODY.buckets(a)) & set(lsh.BODY.buckets(b))) for a, b in zip(sigs_a, sigs_b))
        rows.append((j, f"{found_default / n_pairs:.3f}", f"{lsh.banding(0.8, NUM_PERM).probability(j):.3f}",
                     f"{found_ours / n_pairs:.3f}", f"{lsh.BODY.probability(j):.3f}"))
    headers = [f"true J ({n_pairs} pairs)", f"datasketch t=0.8 ({default_b}x{default_r}) found",
               "theory", f"ours body ({lsh.BODY.bands}x{lsh.BODY.rows}) found", "theory"]
    return headers, rows


def key_pair_table(key) -> tuple[list[str], list[tuple]]:
    """Recall of true copy pairs in the key by copy type: default bands, body bands, body+lead."""
    articles = {a.url: a for a in key.articles}
    day_text = {a.url: "\n".join(a.text) for a in key.articles}
    urls = list(day_text)
    fps = fingerprint_batch([(i, day_text[u]) for i, u in enumerate(urls)])
    index = {u: i for i, u in enumerate(urls)}
    default = lsh.banding(0.8, NUM_PERM)
    counts: dict[str, list[int]] = {}
    for a in key.articles:
        if not a.copy_of:
            continue
        i, j = index[a.url], index[a.copy_of]
        body_i, body_j = set(lsh.BODY.buckets(fps.body[i])), set(lsh.BODY.buckets(fps.body[j]))
        lead_i, lead_j = set(lsh.LEAD.buckets(fps.lead[i])), set(lsh.LEAD.buckets(fps.lead[j]))
        row = counts.setdefault(a.copy_type, [0, 0, 0, 0])
        row[0] += 1
        row[1] += bool(set(default.buckets(fps.body[i])) & set(default.buckets(fps.body[j])))
        row[2] += bool(body_i & body_j)
        row[3] += bool((body_i & body_j) or (lead_i & lead_j))
    rows = [(t, n, f"{d / n:.3f}", f"{b / n:.3f}", f"{bl / n:.3f}") for t, (n, d, b, bl) in sorted(counts.items())]
    headers = ["copy type (sample web)", "pairs", f"t=0.8 ({default.bands}x{default.rows})",
               f"body ({lsh.BODY.bands}x{lsh.BODY.rows})", f"body + lead ({lsh.LEAD.bands}x{lsh.LEAD.rows})"]
    del articles
    return headers, rows


def _cpu(fn) -> float:
    """CPU seconds (this process, user + system) of one call."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def throughput_table(key, n_docs: int) -> tuple[list[str], list[tuple]]:
    texts = ["\n".join(a.text) for a in key.articles[:n_docs]]
    n = len(texts)
    load = os.getloadavg()[0]

    def ds_bulk():
        MinHash.bulk([[s.encode() for s in shingle_strings(t)] for t in texts], num_perm=NUM_PERM)

    def ds_update_batch():
        for t in texts:
            MinHash(num_perm=NUM_PERM).update_batch([s.encode() for s in shingle_strings(t)])

    rows_in = [("datasketch MinHash.bulk (SHA1, shingle strings)", ds_bulk),
               ("datasketch update_batch (SHA1, shingle strings)", ds_update_batch)]
    try:
        from rensa import RMinHash

        def rensa_update():
            for t in texts:
                m = RMinHash(num_perm=NUM_PERM, seed=SEED)
                m.update(shingle_strings(t))
                m.digest()

        rows_in.append(("rensa RMinHash.update (Rust, shingle strings)", rensa_update))
    except ImportError:
        print("rensa not installed: its row is skipped (pip install rensa)")
    rows_in += [
        ("newscorpus: tokens + shingles + MinHash (128)",
         lambda: fingerprint_batch(list(enumerate(texts)), evidence=False)),
        ("newscorpus: + lead, sentences, facts (what dedup stores)",
         lambda: fingerprint_batch(list(enumerate(texts)))),
    ]
    fingerprint_batch(list(enumerate(texts[:20])))  # warm caches (permutations, powers)
    measured = [(name, _cpu(fn)) for name, fn in rows_in]
    bulk = measured[0][1]
    rensa_cpu = next((cpu for name, cpu in measured if name.startswith("rensa")), None)
    rows = [(name, n, f"{n / cpu:,.0f}", f"{bulk / cpu:.2f}x",
             f"{rensa_cpu / cpu:.2f}x" if rensa_cpu else "-") for name, cpu in measured]
    headers = [f"fingerprinting, {NUM_PERM} perm (load {load:.1f})", "docs", "docs/CPU-s",
               "vs MinHash.bulk", "vs rensa"]
    return headers, rows


def adjusted_rand(labels_true: list, labels_found: list) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same items."""
    from collections import Counter

    def pairs(x: int) -> float:
        return x * (x - 1) / 2

    n = len(labels_true)
    joint = sum(pairs(c) for c in Counter(zip(labels_true, labels_found)).values())
    a = sum(pairs(c) for c in Counter(labels_true).values())
    b = sum(pairs(c) for c in Counter(labels_found).values())
    expected = a * b / pairs(n) if n > 1 else 0.0
    top = (a + b) / 2
    return 1.0 if top == expected else (joint - expected) / (top - expected)


def quality_table(sizes: list[int]) -> tuple[list[str], list[tuple]]:
    from tests.plugins.answer_key import stored_clusters

    rows = []
    for stories in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            key = sample_key(tmp, seed=7, stories=stories)
        with scratch_database() as conn:
            load_key_articles(conn, [a for a in key.articles if a.day == 1], day=1)
            dedup(conn)
            articles = key.articles_on(2)
            ids = load_key_articles(conn, articles, day=2)
            dedup(conn)
            scores = pairwise_scores(conn, articles, ids)
            stored = stored_clusters(conn)
        found = [stored[ids[a.url]][0] for a in articles]
        truth = [a.story_id for a in articles]
        stories_in: dict[int, set[str]] = {}
        for a, c in zip(articles, found):
            stories_in.setdefault(c, set()).add(a.story_id)
        distractors = [c for a, c in zip(articles, found) if a.distractor]
        merged = sum(1 for c in distractors if len(stories_in[c]) > 1)
        rows.append((stories, len(articles), f"{scores['precision']:.4f}", f"{scores['recall']:.4f}",
                     f"{adjusted_rand(truth, found):.4f}", f"{merged}/{len(distractors)}",
                     len(scores["misplaced_originals"])))
    return ["sample web stories", "articles", "pairwise precision", "pairwise recall", "ARI",
            "distractors merged", "originals not canonical"], rows


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@contextmanager
def scratch_database():
    """A fresh migrated database on the configured server, dropped afterwards."""
    server = db.database_url()
    admin = psycopg2.connect(server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"drop database if exists {SCRATCH_DB}")
        cur.execute(f"create database {SCRATCH_DB}")
    try:
        conn = psycopg2.connect(_with_database(server, SCRATCH_DB))
        try:
            migrate(conn)
            yield conn
        finally:
            conn.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(f"drop database if exists {SCRATCH_DB}")
        admin.close()


def write_scale_key(path: Path, articles: int) -> Path:
    """The sample web's key with at least `articles` articles (both nights), as JSONL."""
    from pipeline.sampleweb.key import write_key
    from pipeline.sampleweb import outlets
    from pipeline.sampleweb.site import Site
    from pipeline.sampleweb.world import World

    stories = max(40, int(articles / 3.0) + 100)  # ~3.06 article URLs a story (45,000 -> 137,571)
    site = Site(World(7, stories), {o.slug: f"https://{o.slug}.example" for o in outlets.OUTLETS})
    return write_key(site, path) / "articles.jsonl"


def _stream(jsonl: Path, limit: int):
    """The first `limit` articles of the key file, one KeyArticle-like record at a time."""
    with open(jsonl, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= limit:
                return
            d = json.loads(line)
            yield SimpleNamespace(**{k: d.get(k) for k in (
                "url", "source", "outlet", "kind", "story_id", "title", "byline", "published_at",
                "text", "day", "day2")})


def end_to_end_one(jsonl: Path, size: int, show_plan: bool) -> dict:
    """Load `size` articles (streamed, in chunks), dedup them once, measure; runs in a child."""
    from itertools import islice

    from pipeline.dedup import store as sql

    out: dict = {"size": size}
    with scratch_database() as conn:
        with conn, conn.cursor() as cur:
            cur.execute("create table bench_truth (article_id bigint primary key, story_id text)")
        records = _stream(jsonl, size)
        loaded = 0
        while True:
            chunk = list(islice(records, 5000))
            if not chunk:
                break
            ids = load_key_articles(conn, chunk, day=2)
            upsert(conn, "bench_truth", ["article_id", "story_id"],
                   [(ids[r.url], r.story_id) for r in chunk], conflict=["article_id"])
            conn.commit()
            loaded += len(chunk)
        with conn.cursor() as cur:
            cur.execute("select pg_backend_pid()")
            backend = cur.fetchone()[0]
        conn.commit()
        cpu0, server0 = _own_cpu(), _process_cpu(backend)
        summary = dedup(conn)
        out.update(articles=summary.articles_fingerprinted, seconds=summary.seconds,
                   cpu=_own_cpu() - cpu0, server_cpu=_process_cpu(backend) - server0,
                   candidates=summary.candidates, links=summary.links,
                   batches=summary.batch_seconds, phases=summary.phase_seconds,
                   memory_mb=getattr(summary, "memory_mb", 0.0))
        with conn.cursor() as cur:
            # pairwise precision/recall from the database, never the key in memory
            cur.execute("""
                with m as (select t.story_id, c.cluster_id from bench_truth as t
                           join news.cluster_members as c using (article_id)),
                     found as (select sum(n * (n - 1) / 2) as p from (select count(*) as n from m group by cluster_id) x),
                     truth as (select sum(n * (n - 1) / 2) as p from (select count(*) as n from m group by story_id) x),
                     hits as (select sum(n * (n - 1) / 2) as p from (select count(*) as n from m group by cluster_id, story_id) x)
                select (select p from hits)::float / nullif((select p from found), 0),
                       (select p from hits)::float / nullif((select p from truth), 0)
            """)
            out["precision"], out["recall"] = cur.fetchone()
            if show_plan:
                out["nightly"] = _nightly(conn, jsonl, size)
                # the last batch's keys, probed as dedup probes them (its own rows are in the
                # table by now, so the plan shows them found too)
                cur.execute("select band, bucket, day, article_id from news.lsh_buckets"
                            " where article_id > (select max(article_id) - 1000 from news.articles)")
                keys = cur.fetchall()
                by_key = sql.batch_keys(keys, [])
                # one statement per MinHash band; band 0's is shown
                cur.execute("explain (analyze, buffers, costs off) " + sql.CANDIDATES_SQL,
                            sql.candidate_params(by_key, sql.WINDOW_DAYS)[0])
                out["plan"] = [row[0] for row in cur.fetchall()]
                hashes = sorted({k[1] for k in keys if k[0] == SENTENCE_BAND})
                cur.execute("explain (analyze, buffers, costs off) " + sql.SENTENCE_ROWS_SQL,
                            {"hashes": hashes, "band": SENTENCE_BAND,
                             "limit": sql.COMMON_SENTENCE_ARTICLES + 1})
                out["plan"] += [""] + [row[0] for row in cur.fetchall()]
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


NIGHTLY_ARTICLES = 2000


def _nightly(conn, jsonl: Path, size: int) -> dict:
    """The key's next NIGHTLY_ARTICLES articles deduplicated on top of the `size` just
    done, as a nightly run is: history stored, so its probes go to the indexed table
    (store.CANDIDATES_SQL / SENTENCE_ROWS_SQL), it clusters batch by batch."""
    from itertools import islice

    chunk = list(islice(_stream(jsonl, size + NIGHTLY_ARTICLES), size, None))
    if not chunk:
        return {}
    load_key_articles(conn, chunk, day=2)
    conn.commit()
    summary = dedup(conn)
    return {"articles": summary.articles_fingerprinted, "seconds": summary.seconds,
            "history": size, "phases": summary.phase_seconds}


def _own_cpu() -> float:
    """CPU seconds of this process and its finished children (dedup's fingerprint worker)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process on this machine (the PostgreSQL backend), from
    /proc/<pid>/stat; NaN when it cannot be read (a remote server)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _shortened(line: str, limit: int = 160) -> str:
    """A plan line with its literal arrays cut (the batch's thousands of bucket keys)."""
    return line if len(line) <= limit else f"{line[:limit]}... ({len(line):,} characters)"


def end_to_end_tables(sizes: list[int]) -> list[tuple[list[str], list[tuple]]]:
    rows, plan, batches, phases, nightly = [], [], [], {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        jsonl = write_scale_key(Path(tmp) / "key", max(sizes))
        print(f"scale key: {sum(1 for _ in open(jsonl)):,} articles written in "
              f"{time.perf_counter() - started:.0f}s (load {os.getloadavg()[0]:.1f}); each size loads "
              "its first N into a fresh database before dedup's clock starts", flush=True)
        for size in sizes:
            child = subprocess.run(
                [sys.executable, __file__, "--e2e-one", str(jsonl), str(size),
                 "--plan" if size == max(sizes) else "--no-plan"],
                capture_output=True, text=True, check=False)
            if child.returncode != 0:
                print(child.stderr[-3000:])
                continue
            r = json.loads(child.stdout.strip().splitlines()[-1])
            n = r["articles"]
            ms = 1000 * r["seconds"] / n
            base = base if rows else ms
            rows.append((n, f"{r['seconds']:.1f}", f"{ms:.3f}", f"{ms / base:.2f}x",
                         f"{n / r['seconds']:,.0f}", f"{r['cpu']:.1f}", f"{r['server_cpu']:.1f}",
                         f"{r['candidates'] / n:.2f}", f"{r['precision']:.4f}", f"{r['recall']:.4f}",
                         f"{r['peak_rss_mb']:.0f} / {r['worker_rss_mb']:.0f}",
                         f"{r.get('memory_mb', 0):.0f}",
                         f"{os.getloadavg()[0]:.1f}"))
            phases[n] = r["phases"]
            if r.get("nightly"):
                nightly = r["nightly"]
            if "plan" in r:
                plan = r["plan"]
                b = r["batches"]
                batches = [(f"batch {i + 1}", f"{x:.2f}") for i, x in enumerate(b)]
                batches = batches[:3] + [("...", "")] + batches[-3:] if len(batches) > 7 else batches
                batches.append(("mean / max", f"{sum(b) / len(b):.2f} / {max(b):.2f}"))
    first = ["articles", "dedup s (wall)", "ms/article", "vs first size", "articles/s",
             "CPU s dedup+worker", "CPU s PostgreSQL", "candidates/article", "precision", "recall",
             "peak RSS MB dedup / worker", "run memory MB", "load after"]
    tables = [(first, rows)]
    if phases:
        names = list(dict.fromkeys(name for p in phases.values() for name in p))
        tables.append((["phase (wall s, summed over batches)"] + [f"{n:,}" for n in phases],
                       [(name, *(f"{p.get(name, 0):.1f}" for p in phases.values())) for name in names]))
    if nightly:
        n = nightly["articles"]
        tables.append((["nightly run on top of the largest size (history stored, indexed table probes)", ""],
                       [("history articles", f"{nightly['history']:,}"), ("new articles", f"{n:,}"),
                        ("dedup s (wall)", f"{nightly['seconds']:.1f}"),
                        ("ms/article", f"{1000 * nightly['seconds'] / max(n, 1):.3f}")]
                       + [(f"phase: {k}", f"{v:.1f}") for k, v in nightly["phases"].items()]))
    if batches:
        tables.append((["seconds per 1,000-article batch (largest size)", "s"], batches))
    if plan:
        tables.append((["candidate queries' plans, last batch of the largest size (EXPLAIN ANALYZE)"],
                       [(_shortened(line),) for line in plan]))
    return tables


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--e2e-one":
        result = end_to_end_one(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "--plan")
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=600, help="sample-web stories for tables 1-2")
    parser.add_argument("--pairs", type=int, default=300, help="synthetic pairs per Jaccard value")
    parser.add_argument("--docs", type=int, default=1000, help="documents for the fingerprint table")
    parser.add_argument("--quality-stories", default="40,1000",
                        help="sample-web sizes for the quality table (40 = the sample web's default)")
    parser.add_argument("--sizes", default="1000,10000,100000", help="end-to-end sizes in articles")
    parser.add_argument("--only", default="recall,pairs,fingerprint,quality,e2e",
                        help="tables to run, comma-separated")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores shared)")
    tables = []
    if only & {"recall", "pairs", "fingerprint"}:
        with tempfile.TemporaryDirectory() as tmp:
            key = sample_key(tmp, seed=7, stories=args.stories)
        if "recall" in only:
            tables.append(recall_table(args.pairs))
        if "pairs" in only:
            tables.append(key_pair_table(key))
        if "fingerprint" in only:
            tables.append(throughput_table(key, args.docs))
    for headers, rows in tables:
        print(tabulate(rows, headers=headers, disable_numparse=True), end="\n\n", flush=True)
    if "quality" in only:
        headers, rows = quality_table([int(x) for x in args.quality_stories.split(",")])
        print(tabulate(rows, headers=headers, disable_numparse=True), end="\n\n", flush=True)
    if "e2e" in only:
        for headers, rows in end_to_end_tables([int(x) for x in args.sizes.split(",")]):
            print(tabulate(rows, headers=headers, disable_numparse=True), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
