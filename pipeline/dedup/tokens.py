"""Tokenise an article once, in numpy: token hashes with their sentence, paragraph and fact flags.

Everything dedup derives from a text (shingles, the lead, long sentences, fact tokens) is a
function of its token sequence. Building that sequence with `re.findall` creates one Python
string per word (~0.3 ms for a 650-word article, most of the fingerprinting time); here the
folded text is encoded once and tokens are found and hashed with array operations over its
bytes, no per-word Python object:

- word bytes: ASCII letters and digits and every byte >= 0x80 (after `normalize.fold_cased`
  maps non-ASCII non-word characters to ASCII or space, what is left of non-ASCII is letters);
  an apostrophe between two word bytes joins them (owner's). Same tokens as `normalize.words`.
- token hash: fmix32(sum(byte[i] * C**i) mod 2**32) over the token's UTF-8 bytes, from one
  prefix sum and modular inverse powers (C is odd, so invertible mod 2**32); `token_hash`
  is the plain definition tests compare with.
- sentence ends: whitespace after . ! ? (an optional closing quote or bracket between), and
  line breaks; paragraphs end at line breaks (the extract stage stores one paragraph a line).
- fact flag: a token with a digit, or one starting with a capital A-Z that does not open its
  sentence (see facts.py).

Text in scripts without word spaces (Chinese, Japanese, Thai...) goes through the regex path
(`normalize.words`, one token per character): rare, and correct before fast.
"""

from __future__ import annotations

import re

import numpy as np

from pipeline.dedup.normalize import fold_cased, is_unspaced, words
from pipeline.dedup.sentences import split_sentences

_C = np.uint32(0x9E3779B1)  # odd (golden-ratio constant): invertible mod 2**32
_MAX_CACHED = 1 << 16
# the largest power table kept between calls: a joined batch (fingerprint.JOINED_BYTES) fits
_MAX_HELD = 1 << 21

# byte classes
_WORD = np.zeros(256, dtype=bool)
_WORD[[*range(48, 58), *range(65, 91), *range(97, 123), *range(128, 256)]] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True
_UPPER = np.zeros(256, dtype=bool)
_UPPER[65:91] = True
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True
_STOP = np.zeros(256, dtype=bool)
_STOP[[ord("."), ord("!"), ord("?")]] = True
_CLOSER = np.zeros(256, dtype=bool)
_CLOSER[[ord('"'), ord("'"), ord(")")]] = True


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """C**i and C**-i mod 2**32 for i < n."""
    inverse = np.uint32(pow(int(_C), -1, 1 << 32))
    pw = np.empty(n, dtype=np.uint32)
    inv = np.empty(n, dtype=np.uint32)
    pw[0] = inv[0] = 1
    with np.errstate(over="ignore"):
        np.multiply.accumulate(np.full(n - 1, _C, dtype=np.uint32), out=pw[1:])
        np.multiply.accumulate(np.full(n - 1, inverse, dtype=np.uint32), out=inv[1:])
    return pw, inv


_held_powers: tuple[np.ndarray, np.ndarray] | None = None


def _powers_for(n: int) -> tuple[np.ndarray, np.ndarray]:
    """At least n powers (the largest table made so far is kept: a batch's joined texts
    and single texts alternate in one process)."""
    global _held_powers
    if _held_powers is not None and _held_powers[0].size >= n:
        return _held_powers
    size = _MAX_CACHED
    while size < n:
        size *= 2
    powers = _powers(size)
    if size <= _MAX_HELD:  # a table for one huge text (up to 32 MiB: 256 MB) is not kept
        _held_powers = powers
    return powers


def fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def token_hash(token: str) -> int:
    """The plain definition of a token's hash: fmix32(sum(byte[i] * C**i) mod 2**32)."""
    total = 0
    for i, byte in enumerate(token.encode()):
        total = (total + byte * pow(int(_C), i, 1 << 32)) % (1 << 32)
    return int(fmix32(np.array([total], dtype=np.uint32))[0])


class Tokens:
    """A text's tokens: hashes[i] of token i, its sentence and paragraph number, fact flag.

    hashes: uint32; sentence, paragraph: int64, non-decreasing; fact: bool. Sentence,
    paragraph and fact arrays are computed on first use from the text's bytes (shingling and
    MinHash need only the hashes).
    """

    def __init__(self, hashes: np.ndarray, sentence=None, paragraph=None, fact=None,
                 unspaced: bool = False, raw: np.ndarray | None = None,
                 starts: np.ndarray | None = None, ends: np.ndarray | None = None) -> None:
        self.hashes = hashes
        self.unspaced = unspaced
        self._sentence, self._paragraph, self._fact = sentence, paragraph, fact
        self._raw, self._starts, self._ends = raw, starts, ends

    @property
    def paragraph(self) -> np.ndarray:
        if self._paragraph is None:
            self._paragraph = np.searchsorted(np.flatnonzero(self._raw == 10), self._starts)
        return self._paragraph

    @property
    def sentence(self) -> np.ndarray:
        if self._sentence is None:
            raw, n = self._raw, self._raw.size
            # sentence ends: whitespace after a stop (or a stop + closing quote/bracket), line breaks
            newlines = np.flatnonzero(raw == 10)
            after = np.flatnonzero(_STOP[raw]) + 1
            after = after[after < n]
            closed = after[_CLOSER[raw[after]]] + 1
            ends_at = np.concatenate((after, closed[closed < n]))
            ends_at = ends_at[_SPACE[raw[ends_at]]]
            # a break may be listed twice (a line break after a full stop): numbers then skip
            # one, the grouping of tokens into sentences is the same
            breaks = np.concatenate((ends_at, newlines))
            breaks.sort()
            self._sentence = np.searchsorted(breaks, self._starts)
        return self._sentence

    @property
    def fact(self) -> np.ndarray:
        if self._fact is None:
            raw, starts = self._raw, self._starts
            digits = np.flatnonzero(_DIGIT[raw])
            has_digit = np.searchsorted(digits, self._ends) > np.searchsorted(digits, starts)
            sentence = self.sentence
            opens = np.ones(starts.size, dtype=bool)
            opens[1:] = sentence[1:] != sentence[:-1]
            self._fact = has_digit | (_UPPER[raw[starts]] & ~opens)
        return self._fact


_MAYBE_UNSPACED = re.compile(rb"[\xe0-\xe9\xf0]")
_CASED_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_EMPTY = np.array([], dtype=np.int64)


def tokenize(text: str) -> Tokens:
    """Tokens of a text (see module docstring)."""
    prepared = prepare(text)
    if isinstance(prepared, bool):
        return _tokenize_regex(text, unspaced=prepared)
    return scan(*prepared)


def prepare(text: str) -> "tuple[bytes, bytes] | bool":
    """The text's (cased, lower-cased) UTF-8 bytes for `scan`, of equal length; or, for the
    regex path, whether the text is unspaced (scripts without word spaces, or a letter whose
    lower case has another length: rare)."""
    folded = fold_cased(text)
    cased = folded.encode()
    if folded.isascii():
        return cased, cased.lower()
    # lead bytes of Thai..Myanmar..CJK (E0-E9) and supplementary planes (F0): only then
    # can the text be unspaced (folding turned other symbols into ASCII or spaces)
    if _MAYBE_UNSPACED.search(cased) and is_unspaced(text):
        return True
    # a character whose lower case has another UTF-8 length would shift every byte after it
    # (two such, one longer and one shorter, cancel in the whole text's length: review)
    if any(len(c.encode()) != len(c.lower().encode()) for c in set(folded) if not c.isascii()):
        return False
    return cased, folded.lower().encode()


def scan(cased: bytes, lowered: bytes) -> Tokens:
    """The byte scanner: tokens of `prepare`d bytes (see module docstring).

    Also the tokens of several texts at once, their bytes joined by line breaks
    (fingerprint.fingerprint_batch): a line break is no word byte, ends a sentence and a
    paragraph, and a token's hash does not depend on its position, so each text's tokens,
    hashes and groupings are those of scanning it alone."""
    raw = np.frombuffer(cased, dtype=np.uint8)
    n = raw.size
    if n == 0:
        return Tokens(np.array([], dtype=np.uint32), _EMPTY, _EMPTY, np.array([], dtype=bool))
    is_word = np.empty(n + 2, dtype=bool)  # padded with a non-word byte at both ends
    is_word[0] = is_word[-1] = False
    np.take(_WORD, raw, out=is_word[1:-1])
    apostrophe = np.flatnonzero(raw == 39) + 1
    if apostrophe.size:
        joins = apostrophe[is_word[apostrophe - 1] & is_word[apostrophe + 1]]
        is_word[joins] = True
    change = np.flatnonzero(is_word[1:] != is_word[:-1])
    starts, ends = change[0::2], change[1::2]
    if starts.size == 0:
        return Tokens(np.array([], dtype=np.uint32), _EMPTY, _EMPTY, np.array([], dtype=bool))
    pw, inv = _powers_for(n + 1)
    low = np.frombuffer(lowered, dtype=np.uint8)
    prefix = np.empty(n + 1, dtype=np.uint32)
    prefix[0] = 0
    np.multiply(low, pw[:n], out=prefix[1:])
    np.cumsum(prefix[1:], out=prefix[1:])
    hashes = fmix32((prefix[ends] - prefix[starts]) * inv[starts])
    return Tokens(hashes, unspaced=False, raw=raw, starts=starts, ends=ends)


def _tokenize_regex(text: str, unspaced: bool) -> Tokens:
    """The plain path (`normalize.words` per sentence): unspaced scripts, one token a character."""
    hashes: list[int] = []
    sentence: list[int] = []
    paragraph: list[int] = []
    fact: list[bool] = []
    number = 0
    for p, par in enumerate(text.split("\n")):
        for sentence_text in split_sentences(par):
            tokens = words(sentence_text, unspaced)
            cased = _CASED_WORD.findall(fold_cased(sentence_text))
            if len(cased) != len(tokens):
                cased = tokens
            for i, (token, original) in enumerate(zip(tokens, cased)):
                hashes.append(token_hash(token))
                sentence.append(number)
                paragraph.append(p)
                fact.append(any(c.isdigit() for c in token) or (i > 0 and "A" <= original[0] <= "Z"))
            number += 1
    return Tokens(np.array(hashes, dtype=np.uint32), np.array(sentence, dtype=np.int64),
                  np.array(paragraph, dtype=np.int64), np.array(fact, dtype=bool), unspaced=unspaced)
