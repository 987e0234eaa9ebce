"""Verification: which candidate pairs are copies of each other, and by what evidence.

A candidate pair is first checked for **distinct facts** (template stories): when both texts
carry at least MIN_FACTS fact tokens (facts.py: numbers, names, places, dates) and fewer than
FACT_MIN_CONTAINMENT of the smaller fact set appear in the other, the pair is two stories told
from one template (two weather warnings for other regions, days and rainfall measured J 0.58;
local briefs from one frame 0.51-0.53) and is no copy, unless the overlap is near-total
(MinHash Jaccard >= NEAR_TOTAL_JACCARD: a copy that corrected a few figures).

Otherwise the pair is a copy pair, by the first rule that holds:
- 'minhash': the MinHash estimate of Jaccard >= MINHASH_THRESHOLD (edited wire copies measure
  0.74-1.0 on the sample web; unrelated stories <= 0.06, shared-quote/live-blog/standard-sentence
  distractors <= 0.2);
- 'containment': the smaller text's shingles lie mostly (>= CONTAINMENT_THRESHOLD) inside the
  larger's, computed exactly: a truncated aggregator copy is fully contained in its original
  (1.0 measured) while distractors stay <= 0.33; the smaller text needs
  MIN_CONTAINED_SHINGLES shingles, so a one-line brief cannot attach itself to every long
  story that happens to contain its sentence;
- a link ('canonical-link', 'source-link') names the other article and the texts overlap
  (containment >= LINK_MIN_CONTAINMENT), so a wrong or generic link cannot merge stories;
- 'sentences': a rewrite that kept at least MIN_SHARED_SENTENCES long sentences verbatim,
  and at least SHARED_SENTENCE_SHARE of the smaller text's long sentences; sentences that
  recur across many articles (store.common_sentences) never count, so one or two shared
  standard sentences link nothing (a pair sharing SYNDICATED_SENTENCES long sentences is one
  story whose many copies made its sentences common: measured on the whole texts). Issue 14's heavy rewrite: J 0.30, 43% of its sentences
  verbatim; two briefs sharing one standard 31-word sentence: J 0.26, one sentence;
- 'wire-credit': one article credits the other's source (credit.py: "(AP)", "- Reuters",
  byline "PA") and the texts overlap (containment >= CREDIT_MIN_CONTAINMENT or one shared
  distinctive sentence).

The Match keeps the evidence (shared sentences, fact containment, credit) and the text
versions (text_hash) it was decided on, as stored in news.dedup_matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from pipeline.dedup.credit import credits_source
from pipeline.dedup.shingles import containment
from pipeline.dedup.shingles import jaccard as exact_jaccard
from pipeline.dedup.signatures import estimated_jaccard

MINHASH_THRESHOLD = 0.5
CONTAINMENT_THRESHOLD = 0.8
MIN_CONTAINED_SHINGLES = 20
LINK_MIN_CONTAINMENT = 0.5
MIN_FACTS = 3
FACT_MIN_CONTAINMENT = 0.5
NEAR_TOTAL_JACCARD = 0.9
MIN_SHARED_SENTENCES = 3
# standard sentences come in small blocks (a police appeal's two or three contact lines, a
# warning's advice); a pair sharing this many long sentences shares a story, not a block: a
# wire story run by more than COMMON_SENTENCE_ARTICLES outlets makes its own sentences
# common, and its copies must still link to it (review)
SYNDICATED_SENTENCES = 5
SHARED_SENTENCE_SHARE = 0.25
CREDIT_MIN_CONTAINMENT = 0.3
# a copy matched to an earlier version of an article stays its copy when the smaller of the
# copy and the new version keeps this much of itself in the larger (or they share a long
# sentence that is not standard): issue 14's updated original keeps 0.60 of its first
# version and 2 of its long sentences (fieldcases D03), while a URL a site reuses for
# another story keeps next to nothing
VERSION_MIN_CONTAINMENT = 0.3


@dataclass
class Evidence:
    """What verification knows about one article (a batch row or a stored fingerprint)."""

    signature: np.ndarray
    shingles: np.ndarray                      # sorted distinct uint32
    sentences: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    facts: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.uint32))
    text_hash: bytes | None = None
    credits: frozenset[str] = frozenset()     # names the article credits (credit.wire_credits)
    names: frozenset[str] = frozenset()       # names its source answers to (credit.source_names)
    # the sentence and fact hashes as Python sets, made on first use: an article is verified
    # against several partners, and set operations on a few dozen ints cost a tenth of
    # numpy's per-call overhead
    _sentence_set: frozenset[int] | None = field(default=None, init=False, repr=False, compare=False)
    _fact_set: frozenset[int] | None = field(default=None, init=False, repr=False, compare=False)

    def sentence_set(self) -> frozenset[int]:
        if self._sentence_set is None:
            self._sentence_set = frozenset(self.sentences.tolist())
        return self._sentence_set

    def fact_set(self) -> frozenset[int]:
        if self._fact_set is None:
            self._fact_set = frozenset(self.facts.tolist())
        return self._fact_set


@dataclass(frozen=True)
class Match:
    """A verified copy pair (article_id < other_id), as stored in news.dedup_matches."""

    article_id: int
    other_id: int
    jaccard: float
    containment: float
    method: str
    evidence: dict | None = field(default=None, compare=False, hash=False)
    article_text_hash: bytes | None = field(default=None, compare=False, hash=False)
    other_text_hash: bytes | None = field(default=None, compare=False, hash=False)

    @property
    def score(self) -> float:
        """How strongly the pair matches: Jaccard, or containment for a truncated copy."""
        return max(self.jaccard, self.containment)


def pair_containment(a: np.ndarray, b: np.ndarray) -> float:
    """Exact containment of the smaller set in the larger."""
    small, large = (a, b) if a.size <= b.size else (b, a)
    return containment(small, large)


def fact_containment(a: "np.ndarray | frozenset[int]", b: "np.ndarray | frozenset[int]") -> float | None:
    """Share of the smaller fact set found in the other; None when either has < MIN_FACTS.

    a, b: distinct fact hashes (arrays, or Evidence.fact_set)."""
    a = a if isinstance(a, frozenset) else frozenset(np.asarray(a).tolist())
    b = b if isinstance(b, frozenset) else frozenset(np.asarray(b).tolist())
    if min(len(a), len(b)) < MIN_FACTS:
        return None
    return len(a & b) / min(len(a), len(b))


def verify(
    pair: tuple[int, int],
    a: Evidence,
    b: Evidence,
    link_method: str | None = None,
    common: set[int] | frozenset[int] = frozenset(),
    distinctive: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None,
    jaccard: float | None = None,
) -> Match | None:
    """The Match for a candidate pair, or None when the evidence does not hold.

    distinctive: gives both texts' shingle sets without their common sentences
    (fingerprint.distinctive_shingles); called only when the pair shares a common sentence,
    is not a near-total copy and shares fewer than SYNDICATED_SENTENCES long sentences, and
    then Jaccard (exact) and containment are measured on those sets: standard sentences
    never count, for MinHash and containment either.
    jaccard: the MinHash estimate of the pair when the caller computed it already (for a
    whole batch at once, `estimated_jaccard` row-wise); the same value as computed here.
    """
    if a.shingles.size == 0 or b.shingles.size == 0:
        return None
    if jaccard is None:
        jaccard = float(estimated_jaccard(a.signature, b.signature))
    contained = pair_containment(a.shingles, b.shingles)
    facts = fact_containment(a.fact_set(), b.fact_set())
    evidence: dict = {}
    smaller = min(a.shingles.size, b.shingles.size)
    both = a.sentence_set() & b.sentence_set()
    standard = len(both.intersection(common)) if both else 0
    # a pair sharing SYNDICATED_SENTENCES long sentences is one story run by many outlets
    # (its sentences became "common" through its own copies): measured on the whole texts
    if standard and jaccard < NEAR_TOTAL_JACCARD and distinctive is not None \
            and len(both) < SYNDICATED_SENTENCES:
        own_a, own_b = distinctive()
        evidence["common_sentences"] = standard
        if own_a.size == 0 or own_b.size == 0:
            return None
        jaccard, contained = exact_jaccard(own_a, own_b), pair_containment(own_a, own_b)
        smaller = min(own_a.size, own_b.size)
        evidence["distinctive_jaccard"] = round(jaccard, 4)
    if facts is not None:
        evidence["fact_containment"] = round(facts, 4)
        if facts < FACT_MIN_CONTAINMENT and jaccard < NEAR_TOTAL_JACCARD:
            return None  # template stories: same frame, other facts
    shared = len(both.difference(common)) if both else 0
    if shared:
        evidence["shared_sentences"] = shared
    if jaccard >= MINHASH_THRESHOLD:
        method = "minhash"
    elif contained >= CONTAINMENT_THRESHOLD and smaller >= MIN_CONTAINED_SHINGLES:
        method = "containment"
    elif link_method and contained >= LINK_MIN_CONTAINMENT:
        method = link_method
    elif shared >= MIN_SHARED_SENTENCES and shared >= SHARED_SENTENCE_SHARE * _distinct(a, b, common):
        method = "sentences"
    else:
        credit = credits_source(set(a.credits), set(b.names)) or credits_source(set(b.credits), set(a.names))
        if credit and (contained >= CREDIT_MIN_CONTAINMENT or shared >= 1):
            method = "wire-credit"
            evidence["credit"] = credit
        else:
            return None
    return Match(pair[0], pair[1], jaccard, round(contained, 6), method, evidence,
                 a.text_hash, b.text_hash)


def _distinct(a: Evidence, b: Evidence, common: set[int] | frozenset[int]) -> int:
    """Long sentences of the text with fewer of them, common sentences left out."""
    return min(len(x.sentence_set().difference(common)) for x in (a, b))


def same_story(copy: Evidence, new: Evidence, standard: set[int] | frozenset[int]) -> bool:
    """Whether a copy matched to an earlier version of an article tells the story the
    article's new version tells, so it stays its copy (store.forget keep_versions).

    copy, new: their shingle, sentence and fact sets; standard: long sentences that recur
    across many articles (no evidence, as in `verify`). The same story when:
    - the copy has fewer than MIN_CONTAINED_SHINGLES shingles: the copy of a "breaking" stub
      is too short to tell (the new version's size says nothing: a URL reused for a short
      other story must lose the old story's copies; review 2);
    - the smaller keeps at least VERSION_MIN_CONTAINMENT of its shingles in the larger;
    - or they share a long sentence that is not standard and their facts do not disagree
      (`fact_containment` >= FACT_MIN_CONTAINMENT, or too few facts to tell): verify's
      distinct-facts rule, so a sign-off or republication notice the copy kept does not make
      the site's next story at that URL the same story (review 2).
    Compared with the copy, not with the version before: a URL drifting to another story over
    several updates loses the first story's copies (review)."""
    if copy.shingles.size < MIN_CONTAINED_SHINGLES:
        return True
    if pair_containment(copy.shingles, new.shingles) >= VERSION_MIN_CONTAINMENT:
        return True
    if not (copy.sentence_set() & new.sentence_set()) - set(standard):
        return False
    facts = fact_containment(copy.fact_set(), new.fact_set())
    return facts is None or facts >= FACT_MIN_CONTAINMENT
