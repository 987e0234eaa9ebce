"""Dedup: LSH recall vs Jaccard, signature throughput, end-to-end articles/s and accuracy.

Three tables, each comparing against the plain datasketch baseline in the same run:

1. Candidate recall vs true Jaccard: synthetic shingle-set pairs of exact Jaccard
   0.1 ... 0.9, indexed in datasketch's own `MinHashLSH(threshold=0.8)` (its default
   choice, 9 bands x 13 rows at 128 permutations) and in ours (32 x 4 body bands, from
   threshold 0.4); then on the sample web's true copy pairs by copy type, where truncated
   copies need the lead bands.
2. Signatures/s: our batch path (xxh32 shingles, numpy affine32 = datasketch's values) vs the plain loop
   `m = MinHash(128); for s in shingles: m.update(s.encode())` (SHA1 per shingle).
3. End to end: the sample web's answer key (`--stories`, 4,500 stories ~ 10,000 articles)
   loaded into a scratch database on the configured server (NEWSCORPUS_DATABASE_URL or
   the embedded one), `dedup()` timed, a no-op rerun timed, pairwise precision/recall.

    python bench/dedup.py [--stories 4500] [--pairs 300] [--docs 1000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psycopg2
from datasketch import MinHash, MinHashLSH
from tabulate import tabulate

from pipeline import db
from pipeline.dedup import dedup, lsh
from pipeline.dedup.fingerprint import fingerprint_batch
from pipeline.dedup.keyload import load_key_articles, pairwise_scores, sample_key
from pipeline.dedup.shingles import shingle_hashes, shingle_strings
from pipeline.dedup.signatures import NUM_PERM, SEED, signatures
from pipeline.migrate import migrate

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


def throughput_table(key, n_docs: int) -> tuple[list[str], list[tuple]]:
    texts = ["\n".join(a.text) for a in key.articles[:n_docs]]
    start = time.perf_counter()
    for text in texts:
        m = MinHash(num_perm=NUM_PERM)
        for s in shingle_strings(text):
            m.update(s.encode())
    plain = time.perf_counter() - start
    start = time.perf_counter()
    signatures([shingle_hashes(t) for t in texts])
    batch = time.perf_counter() - start
    start = time.perf_counter()
    fingerprint_batch(list(enumerate(texts)))
    full = time.perf_counter() - start
    n = len(texts)
    rows = [
        ("plain loop: MinHash.update(s.encode()), SHA1", n, f"{n / plain:,.0f}", "1.0x"),
        ("batch: xxh32 shingles + numpy affine32 MinHash", n, f"{n / batch:,.0f}", f"{plain / batch:.1f}x"),
        ("batch + lead sketch + bucket keys (what dedup runs)", n, f"{n / full:,.0f}", f"{plain / full:.1f}x"),
    ]
    return ["signatures (128 perm, 5-word shingles)", "docs", "docs/s", "speed-up"], rows


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def end_to_end_table(key) -> tuple[list[str], list[tuple]]:
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
            articles = key.articles_on(2)
            ids = load_key_articles(conn, articles)
            first = dedup(conn)
            again = dedup(conn)
            scores = pairwise_scores(conn, articles, ids)
        finally:
            conn.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(f"drop database if exists {SCRATCH_DB}")
        admin.close()
    n = first.articles_fingerprinted
    rows = [
        ("articles", n),
        ("dedup seconds", f"{first.seconds:.1f}"),
        ("articles/s", f"{n / first.seconds:,.0f}"),
        ("candidate pairs / article", f"{first.candidates / n:.2f}"),
        ("verified copy pairs", first.links),
        ("clusters", first.clusters_new),
        ("pairwise precision", f"{scores['precision']:.4f}"),
        ("pairwise recall", f"{scores['recall']:.4f}"),
        ("originals not canonical", len(scores["misplaced_originals"])),
        ("no-op rerun seconds", f"{again.seconds:.2f}"),
    ]
    return ["end to end (sample web key, both nights)", "value"], rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=4500, help="sample-web stories (4,500 ~ 10,000 articles)")
    parser.add_argument("--pairs", type=int, default=300, help="synthetic pairs per Jaccard value")
    parser.add_argument("--docs", type=int, default=1000, help="documents for the throughput table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        key = sample_key(tmp, seed=7, stories=args.stories)
        for table in (recall_table(args.pairs), key_pair_table(key), throughput_table(key, args.docs),
                      end_to_end_table(key)):
            headers, rows = table
            print(tabulate(rows, headers=headers, disable_numparse=True))
            print()


if __name__ == "__main__":
    main()
