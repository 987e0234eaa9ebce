"""Text normalisation before shingling: copies differ in typography, not in words.

Outlets re-typeset a story they copy: curly vs straight quotes, em dashes vs hyphens, an
upper-cased first word (tabloid style), non-breaking spaces, a dateline's punctuation. None
of that makes it a different story, so it is folded away before shingling: NFKC, quotes and
dashes mapped to ASCII, case folded, punctuation dropped, whitespace collapsed. What is left
is the sequence of tokens the shingles are built from.

Scripts written without spaces between words (Chinese, Japanese kana/kanji, Thai, Lao, Khmer,
Myanmar) are tokenised per character: `\\w+` would make a whole clause one "word", so one
changed character would break every shingle around it. `is_unspaced` decides per text (share
of such characters among its letters); the cleaner's word_count counts each such character
as one word (pipeline/clean/article.count_words).
"""

from __future__ import annotations

import re
import unicodedata

# typographic quotes and dashes NFKC leaves alone, folded to their ASCII forms
_FOLD = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4\u0060", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2039\u203a", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
}
# str.translate walks every character; a regex over the few folded ones is ~10x faster.
# Every other non-ASCII character that is not a letter or digit (bullets, currency, marks)
# becomes a space, so what is left of non-ASCII after folding is word characters only.
_FOLDED = re.compile(r"[^\x00-\x7f\w]")
# a word: letters and digits; an apostrophe inside a word keeps it whole (owner's, don't)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# letters of scripts written without word spaces (Unicode blocks): Thai, Lao, Myanmar, Khmer,
# CJK radicals/symbols, Hiragana, Katakana, Bopomofo, CJK ext. A, CJK unified, Hangul is spaced
# (not listed), CJK compatibility ideographs, halfwidth katakana, CJK ext. B+ (supplementary)
UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_UNSPACED_CHAR = re.compile(f"[{UNSPACED}]")
# a token of mixed text: one unspaced-script character, or a run of other word characters
_TOKEN = re.compile(rf"[{UNSPACED}]|(?:(?![{UNSPACED}])[^\W_])+(?:'(?:(?![{UNSPACED}])[^\W_])+)*")
_LETTERS = re.compile(r"[^\W_]")
# a text is tokenised per character when at least this share of its letters are unspaced-script
UNSPACED_SHARE = 0.3


def normalize(text: str) -> str:
    """The text as space-separated folded words: 'The “Café” — OK' -> 'the café ok'."""
    return " ".join(words(text))


def fold_cased(text: str) -> str:
    """NFKC, typographic quotes/dashes to ASCII, other non-ASCII non-word characters to spaces."""
    if text.isascii():
        return text
    return _FOLDED.sub(_fold_char, unicodedata.normalize("NFKC", text))


def _fold_char(match: re.Match) -> str:
    return _FOLD.get(match.group(), " ")


def fold(text: str) -> str:
    """`fold_cased`, lower-cased: what tokens are taken from."""
    return fold_cased(text).lower()


def is_unspaced(text: str) -> bool:
    """True when the text is mostly written without word spaces (Chinese, Japanese, Thai...)."""
    if text.isascii() or not _UNSPACED_CHAR.search(text):
        return False
    unspaced = len(_UNSPACED_CHAR.findall(text))
    letters = len(_LETTERS.findall(text))
    return unspaced >= UNSPACED_SHARE * max(letters, 1)


def words(text: str, unspaced: bool | None = None) -> list[str]:
    """The folded tokens of a text, in order (punctuation and whitespace dropped).

    Words for spaced scripts; for a text `is_unspaced` (or unspaced=True: the mode of the
    whole text a part is taken from), each unspaced-script character is a token of its own
    and runs of other letters/digits stay whole ('21日' -> '21', '日').
    """
    if text.isascii():  # the common case: nothing to fold but case (NFKC/translate are slow)
        return _WORD.findall(text.lower())
    folded = fold(text)
    if unspaced if unspaced is not None else is_unspaced(folded):
        return _TOKEN.findall(folded)
    return _WORD.findall(folded)
