"""The fast paths of dedup give exactly what the plain definitions give (no database needed).

shingle_hashes vs hashing shingle_strings one by one, signatures vs datasketch's MinHash,
containment vs np.isin, lead_text vs splitting every paragraph, shingle storage round trip.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import xxhash
from datasketch import MinHash

from pipeline.dedup import shingles as sh
from pipeline.dedup.keyload import sample_key
from pipeline.dedup.signatures import (
    LEAD_MAX_WORDS,
    LEAD_MIN_WORDS,
    LEAD_PERM,
    MINHASH_SCHEME,
    NUM_PERM,
    SEED,
    _PARAGRAPHS,
    lead_text,
    signatures,
)

EXTRA = ["", "   ", "a", "a b", "one two three four five", "one two three four five six",
         "Ünïcode “quoted” — dashes\u00a0and nbsp", "x\n\ny\n z", "repeat " * 40]


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> list[str]:
    key = sample_key(tmp_path_factory.mktemp("key"), seed=7, stories=30)
    return ["\n".join(a.text) for a in key.articles] + EXTRA


def test_shingle_hashes_match_the_definition(texts) -> None:
    for text in texts:
        expected = np.unique(np.array([xxhash.xxh32_intdigest(s.encode()) for s in sh.shingle_strings(text)],
                                      dtype=np.uint32))
        got = sh.shingle_hashes(text)
        assert got.dtype == np.uint32 and np.array_equal(got, expected), text[:40]


def test_signatures_match_datasketch(texts) -> None:
    sets = [sh.shingle_hashes(t) for t in texts]
    for num_perm in (NUM_PERM, LEAD_PERM):
        expected = np.array([m.hashvalues for m in MinHash.generator(
            sets, num_perm=num_perm, seed=SEED, hashfunc=int, scheme=MINHASH_SCHEME)], dtype=np.uint32)
        assert np.array_equal(signatures(sets, num_perm), expected)


def test_containment_matches_isin(texts) -> None:
    sets = [sh.shingle_hashes(t) for t in texts]
    rng = random.Random(1)
    pairs = [(rng.choice(sets), rng.choice(sets)) for _ in range(200)]
    pairs += [(s, np.union1d(s, rng.choice(sets))) for s in sets[:20]]
    for small, large in pairs:
        expected = float(np.isin(small, large, assume_unique=True).sum()) / small.size if small.size else 0.0
        assert sh.containment(small, large) == expected


def test_lead_text_matches_splitting_every_paragraph(texts) -> None:
    def plain(text: str) -> str:
        words: list[str] = []
        for paragraph in _PARAGRAPHS.split(text.strip()):
            words.extend(paragraph.split())
            if len(words) >= LEAD_MIN_WORDS:
                break
        return " ".join(words[:LEAD_MAX_WORDS])

    rng = random.Random(3)
    pieces = ["a", "bb", " ", "\n", "\t", " \n ", "\n\n", "x y z "]
    noise = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(2000)]
    for text in texts + noise:
        assert lead_text(text) == plain(text)


def test_shingle_storage_round_trip(texts) -> None:
    for text in texts:
        hashes = sh.shingle_hashes(text)
        data = sh.to_bytes(hashes)
        assert len(data) == 4 * hashes.size
        assert np.array_equal(sh.from_bytes(memoryview(data)), hashes)


def test_stored_shingles_read_back_or_recomputed(conn, tmp_path) -> None:
    """Verification reads stored shingle sets; without one (pre-007 row) or for a changed text, the text."""
    from pipeline.dedup import dedup
    from pipeline.dedup.candidates import stored_fingerprints
    from pipeline.dedup.keyload import load_key_articles

    key = sample_key(tmp_path, seed=7, stories=5)
    ids = load_key_articles(conn, [a for a in key.articles if a.day == 1], day=1)
    dedup(conn)
    article_ids = sorted(ids.values())
    with conn.cursor() as cur:
        cur.execute("select article_id, text from news.articles where article_id = any(%s)", (article_ids,))
        texts = dict(cur.fetchall())
    stored = stored_fingerprints(conn, article_ids)
    for article_id in article_ids:
        assert np.array_equal(stored[article_id][1], sh.shingle_hashes(texts[article_id]))
    with conn, conn.cursor() as cur:
        cur.execute("update news.fingerprints set shingles = null where article_id = %s", (article_ids[0],))
        cur.execute("update news.articles set text = 'a changed text of nine words for this test',"
                    " text_hash = sha256('changed'::bytea) where article_id = %s", (article_ids[1],))
    again = stored_fingerprints(conn, article_ids)
    assert np.array_equal(again[article_ids[0]][1], stored[article_ids[0]][1])
    assert np.array_equal(again[article_ids[1]][1],
                          sh.shingle_hashes("a changed text of nine words for this test"))


def test_parallel_fingerprints_equal_serial(texts) -> None:
    from pipeline.dedup.fingerprint import PARALLEL_MIN_CHUNK, fingerprint_batch

    articles = list(enumerate((texts * (1 + 2 * PARALLEL_MIN_CHUNK // len(texts)))[: 2 * PARALLEL_MIN_CHUNK + 7]))
    serial, parallel = fingerprint_batch(articles, workers=1), fingerprint_batch(articles, workers=2)
    assert parallel.article_ids == serial.article_ids
    assert np.array_equal(parallel.body, serial.body) and np.array_equal(parallel.lead, serial.lead)
    assert all(np.array_equal(a, b) for a, b in zip(parallel.shingles, serial.shingles))
    assert parallel.buckets() == serial.buckets()
