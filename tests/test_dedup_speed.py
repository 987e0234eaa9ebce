"""The fast paths of dedup give exactly what the plain definitions give (no database needed).

the numpy tokenizer vs regex words/sentences and hashing each token, shingle_hashes vs
hashing each window, signatures vs datasketch's MinHash, containment vs np.isin, lead_length
vs counting paragraph by paragraph, storage round trips.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import xxhash
from datasketch import MinHash

from pipeline.dedup import shingles as sh
from tests.plugins.answer_key import key_without_web as sample_key
from pipeline.dedup.normalize import fold_cased, is_unspaced, words
from pipeline.dedup.sentences import split_sentences
from pipeline.dedup.signatures import (
    LEAD_MAX_CHARS,
    LEAD_MAX_WORDS,
    LEAD_MIN_CHARS,
    LEAD_MIN_WORDS,
    LEAD_PERM,
    MINHASH_SCHEME,
    NUM_PERM,
    SEED,
    _PARAGRAPHS,
    lead_length,
    lead_text,
    signatures,
)
from pipeline.dedup.tokens import token_hash, tokenize

EXTRA = ["", "   ", "a", "a b", "one two three four five", "one two three four five six",
         "Ünïcode “quoted” — dashes\u00a0and nbsp", "x\n\ny\n z", "repeat " * 40,
         "It's the owner's 'quoted' word. Next one!  \"Quoted end.\" Then (bracket.) more\nLine Two 3pm",
         "£2,000 • bullets… and ﬁ ligatures ÉCOLE École", "Mr. Smith met Dr. Jones on 3 May. They agreed.",
         "市港口管理部门21日宣布，由于连日大风。往返北部各岛屿的客运渡轮将从22日起暂停运营两天！\n第二段。"]


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> list[str]:
    key = sample_key(tmp_path_factory.mktemp("key"), seed=7, stories=30)
    return ["\n".join(a.text) for a in key.articles] + EXTRA


def _plain_tokens(text: str) -> list[tuple[str, int, int, bool]]:
    """(token, sentence, paragraph, fact) by the plain definitions: regex words per sentence."""
    out = []
    number = 0
    for p, paragraph in enumerate(text.split("\n")):
        # sentence ends are found in the folded text ("…" is "..."), except in unspaced
        # scripts, whose full stops (。) folding would turn into spaces
        for sentence in split_sentences(paragraph if is_unspaced(text) else fold_cased(paragraph)):
            cased = [w for w in __import__("re").findall(r"[^\W_]+(?:'[^\W_]+)*", fold_cased(sentence))]
            tokens = words(sentence, is_unspaced(text))
            for i, token in enumerate(tokens):
                original = cased[i] if len(cased) == len(tokens) else token
                fact = any(c.isdigit() for c in token) or (i > 0 and "A" <= original[0] <= "Z")
                out.append((token, number, p, fact))
            number += 1
    return out


def test_tokenizer_matches_regex_words_and_sentences(texts) -> None:
    for text in texts:
        plain = _plain_tokens(text)
        got = tokenize(text)
        assert got.hashes.tolist() == [token_hash(t) for t, *_ in plain], text[:40]
        assert [t for t, *_ in plain] == words(text)
        assert got.fact.tolist() == [f for *_, f in plain], text[:40]
        # sentence and paragraph numbers: same grouping (numbering may skip empty ones)
        for field, column in ((got.sentence, 1), (got.paragraph, 2)):
            groups = [x[column] for x in plain]
            assert all((a == b) == (c == d) for a, b, c, d in
                       zip(field[:-1], field[1:], groups[:-1], groups[1:])), text[:40]


def test_shingle_hashes_match_the_definition(texts) -> None:
    for text in texts:
        k = sh.shingle_size(text)
        tokens = np.array([token_hash(t) for t in words(text)], dtype=np.uint32)
        windows = [tokens[i : i + k] for i in range(max(1, tokens.size - k + 1))] if tokens.size else []
        coef = sh._COEF.astype(np.uint64)
        expected = np.unique(np.array(
            [int((w.astype(np.uint64) * coef[: w.size]).sum() % (1 << 32)) for w in windows], dtype=np.uint32))
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


def test_lead_length_counts_tokens_paragraph_by_paragraph(texts) -> None:
    def plain(text: str) -> int:
        tokens = tokenize(text)
        low, high = (LEAD_MIN_CHARS, LEAD_MAX_CHARS) if tokens.unspaced else (LEAD_MIN_WORDS, LEAD_MAX_WORDS)
        count = 0
        for paragraph in text.split("\n"):
            count += len(words(paragraph, tokens.unspaced))
            if count >= low:
                break
        return min(count, high)

    rng = random.Random(3)
    pieces = ["a", "bb", " ", "\n", "\t", " \n ", "\n\n", "x y z ", "渡轮", "."]
    noise = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(2000)]
    for text in texts + noise:
        assert lead_length(tokenize(text)) == plain(text), repr(text)


def test_lead_text_matches_splitting_every_paragraph(texts) -> None:
    def plain(text: str) -> str:
        words: list[str] = []
        for paragraph in _PARAGRAPHS.split(text.strip()):
            words.extend(paragraph.split())
            if len(words) >= LEAD_MIN_WORDS:
                break
        return " ".join(words[:LEAD_MAX_WORDS])

    for text in texts:
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
    from pipeline.dedup.store import stored_fingerprints
    from tests.plugins.answer_key import load_key_articles

    key = sample_key(tmp_path, seed=7, stories=5)
    ids = load_key_articles(conn, [a for a in key.articles if a.day == 1], day=1)
    dedup(conn)
    article_ids = sorted(ids.values())
    with conn.cursor() as cur:
        cur.execute("select article_id, text from news.articles where article_id = any(%s)", (article_ids,))
        texts = dict(cur.fetchall())
    stored = stored_fingerprints(conn, article_ids)
    for article_id in article_ids:
        assert np.array_equal(stored[article_id].shingles, sh.shingle_hashes(texts[article_id]))
    with conn, conn.cursor() as cur:
        cur.execute("update news.fingerprints set shingles = null where article_id = %s", (article_ids[0],))
        cur.execute("update news.articles set text = 'a changed text of nine words for this test',"
                    " text_hash = sha256('changed'::bytea) where article_id = %s", (article_ids[1],))
    again = stored_fingerprints(conn, article_ids)
    assert np.array_equal(again[article_ids[0]].shingles, stored[article_ids[0]].shingles)
    assert np.array_equal(again[article_ids[1]].shingles,
                          sh.shingle_hashes("a changed text of nine words for this test"))


def test_fingerprinting_forks_no_worker(texts) -> None:
    """Issue 12/14: no forked worker inherits the parent's connections or outlives it."""
    import multiprocessing
    import os

    from pipeline.dedup.fingerprint import fingerprint_batch

    before = set(os.listdir(f"/proc/{os.getpid()}/task"))
    fps = fingerprint_batch(list(enumerate(texts * 20)))
    assert len(fps.article_ids) == 20 * len(texts)
    assert multiprocessing.active_children() == []
    assert set(os.listdir(f"/proc/{os.getpid()}/task")) <= before | set()


def test_sentence_hashes_match_the_definition(texts) -> None:
    from pipeline.dedup.sentences import SENTENCE_MIN_CHARS, SENTENCE_MIN_WORDS, long_sentences, sentence_hash

    for text in texts:
        tokens = tokenize(text)
        minimum = SENTENCE_MIN_CHARS if tokens.unspaced else SENTENCE_MIN_WORDS
        groups: dict[int, list[int]] = {}
        for h, s in zip(tokens.hashes.tolist(), tokens.sentence.tolist()):
            groups.setdefault(s, []).append(h)
        expected = [sentence_hash(g) for g in groups.values() if len(g) >= minimum]
        assert [h for _, _, h in long_sentences(tokens)] == expected, text[:40]


def test_bucket_keys_match_xxhash_band_by_band(texts) -> None:
    """The vectorised xxh64 (lsh.xxh64_rows) gives xxhash's value for every row width it
    accepts, and a batch's bucket rows are those of lsh.article_buckets article by article
    (stored buckets stay valid)."""
    from pipeline.dedup import lsh
    from pipeline.dedup.fingerprint import SENTENCE_BAND, fingerprint_batch

    rng = np.random.default_rng(3)
    for width in range(1, 8):
        values = rng.integers(0, 2**32, (300, width), dtype=np.uint64).astype(np.uint32)
        expected = [xxhash.xxh64_intdigest(row.astype("<u4").tobytes()) for row in values]
        assert lsh.xxh64_rows(values).tolist() == expected
    with pytest.raises(ValueError):
        lsh.xxh64_rows(np.zeros((1, 8), dtype=np.uint32))
    fps = fingerprint_batch(list(enumerate(texts)))
    days = {i: 20000 + i for i in range(len(texts))}
    expected_rows = []
    for i, article_id in enumerate(fps.article_ids):
        has_text = fps.shingles[i].size > 0
        expected_rows += [(band, bucket, days[article_id], article_id)
                          for band, bucket in lsh.article_buckets(fps.body[i], fps.lead[i], has_text, has_text)]
        expected_rows += [(SENTENCE_BAND, h, days[article_id], article_id) for h in fps.sentences[i].tolist()]
    assert sorted(map(tuple, fps.buckets(days).tolist())) == sorted(expected_rows)
    assert any(fps.shingles[i].size == 0 for i in range(len(texts)))  # empty texts: no bands


@pytest.mark.parametrize("joined_bytes", [1 << 20, 700, 1])
def test_a_batch_fingerprinted_joined_gives_each_text_s_own_sets(texts, monkeypatch, joined_bytes) -> None:
    """fingerprint_batch tokenises a batch's texts joined by line breaks (fingerprint._joined_sets):
    every set of every text equals the one its own tokens give (`_text_sets`), whatever the
    texts' edges (apostrophes, stops, closers, short texts, empty ones, other scripts) and
    wherever the join limit cuts the batch."""
    from pipeline.dedup import fingerprint

    monkeypatch.setattr(fingerprint, "JOINED_BYTES", joined_bytes)
    rng = random.Random(5)
    pieces = ["a", "bb", " ", "\n", "\t", " \n ", "\n\n", "x y z ", "渡轮", ".", "'", "Don't ", "A.", "1",
              '"', ")", "É", "ß", "İ", "B", '?"', "\n.", "\r", "\u2028", "\x00", "Mr. ", "rock'n'roll "]
    noise = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 80))) for _ in range(1500)]
    edges = ["", "", "one", "one two three four five", "a b c d e f", "it's", "end.'", "'start",
             "日本語のテキストです。" * 5, "Ünïcödé wörds Ünïcödé wörds Ünïcödé.", "İstanbul İzmir"]
    batch = texts + noise + edges
    rng.shuffle(batch)
    for evidence in (True, False):
        got = fingerprint._article_sets(batch, evidence)
        for text, sets in zip(batch, got):
            expected = fingerprint._text_sets(tokenize(text), evidence)
            for name, g, e in zip(("shingles", "lead", "sentences", "facts"), sets, expected):
                assert g.dtype == e.dtype and np.array_equal(g, e), (name, text[:80])


def test_sorted_distinct_is_np_unique() -> None:
    from pipeline.dedup.arrays import sorted_distinct

    rng = np.random.default_rng(2)
    for dtype in (np.uint32, np.int64, np.uint64, np.int16):
        for size in (0, 1, 2, 50, 5000):
            values = rng.integers(0, 40 if size > 40 else 3, size).astype(dtype)
            got = sorted_distinct(values)
            assert got.dtype == values.dtype and np.array_equal(got, np.unique(values))


def test_the_power_tables_of_one_huge_text_are_not_kept() -> None:
    """A text of several MB needs power tables of its size; keeping them held ~128 MB (8 MiB
    text) to 512 MB for the rest of the process (review). Tables up to a joined batch's size stay."""
    from pipeline.dedup import sentences, tokens

    fingerprint_batch = __import__("pipeline.dedup.fingerprint", fromlist=["x"]).fingerprint_batch
    fingerprint_batch([(1, ("word " * 12 + ". ") * 80_000)])  # 5 MB, one text
    assert tokens._held_powers is None or tokens._held_powers[0].size <= tokens._MAX_HELD
    assert sentences._held_powers is None or sentences._held_powers[0].size <= sentences._MAX_HELD
