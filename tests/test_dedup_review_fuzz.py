"""Adversarial review (session 23) of dedup's batch shortcuts, as randomised checks with fixed
seeds (pure computation, no database):

- fingerprint_batch's joined tokenisation gives each text exactly the sets of the per-text
  path, on hostile texts (NUL, CR, U+2028/2029/0085, form feeds, apostrophes at text ends,
  stops and closers, mixed scripts, empty and punctuation-only texts);
- prefilter.rejected never rejects a pair verify.verify accepts, on random evidence built
  near every threshold (MinHash 0.5/0.9, containment 0.3/0.8 and 20 shingles, 3 shared
  sentences, facts, credits whose 63-bit name masks collide), held in memory, in summaries,
  mixed, or in a ring that evicted some;
- the tokeniser's hashes are those of normalize.words (also where letters whose lower case has
  another length cancel out in the text's length).
"""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from pipeline.dedup import fingerprint as F
from pipeline.dedup import prefilter
from pipeline.dedup.normalize import words
from pipeline.dedup.signatures import NUM_PERM
from pipeline.dedup.tokens import token_hash, tokenize
from pipeline.dedup.verify import Evidence, verify


PIECES = ["the", "The", "Police", "said", "42", "6am", "owner's", "don't", "'", "''", ".", "!", "?",
          '."', ".)", ".'", "\n", "\r", "\r\n", "\x00", "\u2028", "\u2029", "\u0085", "\x0c", "\x0b", "\t",
          "İstanbul", "ẞ", "café", "naïve", "—", "“", "”", "‘", "’", "日本", "東京都", "ไทย", "한국어",
          "ǅ", "ﬁ", "Σ", "ß", "x²", "١٢٣", "_", "a_b", "  ", "\x1c", "\x1f", "...", "U.S.", "Mr.",
          "(", ")", '"', "(AP) —", "\U0001F600", "\U00020000", "ŉ", "e\u0301"]
WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
         "sigma tau upsilon phi chi psi omega London Friday Met Office 2026 30mm").split()


def _text(r: random.Random) -> str:
    kind = r.random()
    if kind < 0.1:
        return ""
    if kind < 0.15:
        return "".join(r.choice([".", "!", "?", "'", "\n", " ", "—", '"', ")"]) for _ in range(r.randint(1, 20)))
    out = []
    for _ in range(r.choice([1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 30, 80])):
        out.append(r.choice(PIECES) if r.random() < 0.35 else r.choice(WORDS))
        out.append(r.choice([" ", " ", " ", "", ". ", "\n", "'", ".\n", "!'\n"]))
    text = "".join(out)
    if r.random() < 0.2:
        text = text.strip()
    return ("'" if r.random() < 0.1 else "") + text + ("'" if r.random() < 0.1 else "")


@pytest.mark.parametrize("seed", range(3))
def test_joined_fingerprints_equal_per_text_sets_on_hostile_texts(seed: int) -> None:
    r = random.Random(seed)
    for _ in range(60):
        texts = [_text(r) for _ in range(r.randint(1, 12))]
        joined = F._article_sets(texts, True)
        for text, got in zip(texts, joined):
            want = F._text_sets(tokenize(text), True)
            for name, a, b in zip(("shingles", "lead", "sentences", "facts"), want, got):
                assert a.dtype == b.dtype and np.array_equal(a, b), (name, text)


def test_token_hashes_are_those_of_normalize_words_when_lower_case_lengths_cancel() -> None:
    """tokens.prepare once compared the lower case's length over the whole text: 'ẞ' (-1 byte)
    and 'İ' (+1 byte) cancelled, and every token between them hashed other bytes (review)."""
    for text in ("ẞ alpha beta gamma delta epsilon İ zeta", "Ⱥ one two three Ɐ four", "İ ẞ x"):
        assert tokenize(text).hashes.tolist() == [token_hash(w) for w in words(text)], text


def _colliding_names() -> list[str]:
    """Names in pairs whose crc32 % 63 (prefilter.name_bits) collide."""
    first: dict[int, str] = {}
    out: list[str] = []
    for i in range(5000):
        name = f"outlet {i}"
        bit = zlib.crc32(name.encode()) % 63
        if bit in first and len(out) < 20:
            out += [first[bit], name]
        first.setdefault(bit, name)
    return out


NAMES = ["ap", "associated press", "reuters", "pa", "新华社", *_colliding_names()]


def _evidence(r: random.Random, base: Evidence | None) -> Evidence:
    universe = r.choice([30, 200, 5000, 1 << 32])
    if base is not None and base.shingles.size and r.random() < 0.7:
        keep = r.random()
        shingles = base.shingles[np.array([r.random() < keep for _ in range(base.shingles.size)], dtype=bool)]
        extra = [r.randrange(universe) for _ in range(r.choice([0, 1, 3, 10, 100]))]
        shingles = np.concatenate([shingles.astype(np.uint64), np.array(extra, dtype=np.uint64)])
    else:
        size = r.choice([0, 1, 5, 19, 20, 21, 25, 50, 100, 400, 1000])
        shingles = np.array([r.randrange(universe) for _ in range(size)], dtype=np.uint64)
    if shingles.size and r.random() < 0.2:  # values colliding in the 4096-bit bitmap
        shingles = np.concatenate([shingles, shingles + 4096 * r.randint(1, 5)])
    shingles = np.unique((shingles % (1 << 32)).astype(np.uint32))
    if base is not None and r.random() < 0.7:
        equal = r.choice([0.0, 0.49, 0.5, 0.51, 0.89, 0.9, 0.91, 1.0, r.random()])
        signature = base.signature.copy()
        flip = np.array([r.random() >= equal for _ in range(NUM_PERM)])
        signature[flip] = np.array([r.randrange(1 << 32) for _ in range(int(flip.sum()))], dtype=np.uint32)
    else:
        signature = np.array([r.randrange(1 << 32) for _ in range(NUM_PERM)], dtype=np.uint32)
    pool = r.choice([3, 8, 30])
    sentences = np.unique(np.array([r.randrange(-pool, pool) * 1234567890123
                                    for _ in range(r.choice([0, 1, 2, 3, 4, 6, 12]))], dtype=np.int64))
    pool = r.choice([4, 10, 50])
    facts = np.unique(np.array([r.randrange(pool) for _ in range(r.choice([0, 2, 3, 4, 6, 20]))], dtype=np.uint32))
    return Evidence(signature, shingles, sentences, facts, None,
                    frozenset(r.sample(NAMES, r.choice([0, 0, 1, 2]))), frozenset(r.sample(NAMES, r.choice([0, 1, 2]))))


@pytest.mark.parametrize("seed", range(4))
def test_prefilter_never_rejects_a_pair_verify_accepts_on_random_evidence(seed: int) -> None:
    r = random.Random(seed)
    accepted = rejected_total = 0
    for _ in range(40):
        evidence: dict[int, Evidence] = {}
        for i in range(r.randint(2, 25)):
            base = evidence[r.choice(list(evidence))] if evidence and r.random() < 0.8 else None
            evidence[i * 7 + 3] = _evidence(r, base)
        ids = list(evidence)
        pairs = sorted({tuple(sorted(r.sample(ids, 2))) for _ in range(r.randint(1, 60))})
        hashes = sorted({int(x) for e in evidence.values() for x in e.sentences})
        common = (frozenset(r.sample(hashes, r.randint(0, len(hashes)))) if hashes and r.random() < 0.5
                  else frozenset())
        mode = r.choice(["memory", "summaries", "mixed", "ring"])
        if mode == "summaries":
            rejected = prefilter.rejected(pairs, prefilter.summaries_of(evidence, evidence), None, common)
        else:
            memory = prefilter.RunMemory(len(ids) if mode != "ring" else max(1, len(ids) // 2), NUM_PERM)
            held = ids if mode != "mixed" else r.sample(ids, len(ids) // 2)
            memory.add_batch({i: evidence[i] for i in held})
            rest = [i for i in ids if i not in memory]
            rejected = prefilter.rejected(pairs, prefilter.summaries_of(evidence, rest), memory, common)

        def distinctive(pair):
            return evidence[pair[0]].shingles, evidence[pair[1]].shingles

        for pair in pairs:
            match = verify(pair, evidence[pair[0]], evidence[pair[1]], None, common,
                           lambda pair=pair: distinctive(pair))
            assert match is None or pair not in rejected, (mode, pair, match)
            accepted += match is not None
            rejected_total += pair in rejected
    assert accepted and rejected_total  # both sides exercised
