"""Wire-origin evidence: which news agency a copy credits, from its byline, credit or text.

Outlets that run agency copy say so: a byline or credit "PA", "By Reuters staff", a dateline
"LONDON (AP) —", a closing "- Reuters" or "(Source: ...)" line. When a copy credits a wire
and overlaps that wire's article, the credit is evidence of a copy even where the rewrite
leaves too few shingles for MinHash (verify: method 'wire-credit').

`wire_credits` is pure: it returns the normalised names the credit can refer to (an agency's
aliases: "(AP)" -> {"ap", "associated press"}), to compare with `source_names` of the other
article's source (its outlet name and source name, normalised). An outlet name written in a
byline or credit also counts (a wire the alias table does not know).

Agency aliases (AGENCIES) are the agencies' own names and the abbreviations their clients
print in credits; a bare abbreviation is trusted in the byline/credit field, in a dateline
"(XX)" near the start or in a trailing "- XX" / "(XX)" line, never anywhere in running text
("PA" is also a US state and a public-address system).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# agency -> aliases (normalised: NFKC, case-folded, non-letters collapsed to one space)
AGENCIES: dict[str, tuple[str, ...]] = {
    "ap": ("ap", "associated press", "the associated press"),
    "reuters": ("reuters", "thomson reuters"),
    "pa": ("pa", "pa media", "press association", "the press association", "pa wire"),
    "afp": ("afp", "agence france presse", "agence france-presse"),
    "dpa": ("dpa", "deutsche presse agentur"),
    "bloomberg": ("bloomberg", "bloomberg news"),
    "upi": ("upi", "united press international"),
    "ansa": ("ansa",),
    "efe": ("efe",),
    "xinhua": ("xinhua", "新华社"),
    "kyodo": ("kyodo", "kyodo news", "共同通信"),
    "aap": ("aap", "australian associated press"),
    "cp": ("the canadian press", "canadian press"),
}
_ALIAS = {alias: agency for agency, aliases in AGENCIES.items() for alias in aliases}
_SEP = re.compile(r"[\W_]+")
# dateline "(AP) —", "(Reuters) -" in the opening, "(PA)" or "- Reuters" closing a line at the end
_DATELINE = re.compile(r"\(([^()\n]{2,40})\)\s*[-\u2013\u2014:]")
_PAREN = re.compile(r"\(([^()\n]{2,40})\)\s*$", re.M)
# words after an agency's name in a byline that still mean the agency
_ROLES = {"reporter", "reporters", "staff", "correspondent", "correspondents", "newsdesk", "desk",
          "news", "wire", "writer", "writers"}
_TRAILER = re.compile(r"(?:^|\n)\s*(?:[-\u2013\u2014]\s*|additional reporting by\s+|source:\s*|来源[:：]\s*)"
                      r"([^\n]{2,40}?)\s*[)）]?\s*$", re.IGNORECASE)
_SOURCE_CJK = re.compile(r"[（(]\s*来源[:：]\s*([^）)\n]{2,30})[）)]")
OPENING_CHARS = 200
CLOSING_CHARS = 300


def norm(name: str) -> str:
    """'Press  Association.' -> 'press association' (NFKC, case-folded, punctuation to spaces)."""
    return _SEP.sub(" ", unicodedata.normalize("NFKC", name).casefold()).strip()


@lru_cache(maxsize=4096)
def _names(phrase: str) -> frozenset[str]:
    """The names a credit phrase refers to: itself, and every alias of the agency it names.

    Cached: bylines, credits and source names repeat across a corpus (a dedup run asks for
    every article's)."""
    key = norm(phrase)
    if not key:
        return frozenset()
    names = {key}
    words = key.removeprefix("by ").split()
    while words and words[-1] in _ROLES:  # "PA Reporter", "Reuters staff"
        words.pop()
    agency = _ALIAS.get(" ".join(words))
    if agency:
        names.update(AGENCIES[agency])
        names.add(agency)
    return frozenset(names)


def wire_credits(byline: str | None, credit: str | None, text: str | None) -> set[str]:
    """Normalised names the article credits (see module docstring); empty when none."""
    names: set[str] = set()
    for field in (credit, byline):
        if not field:
            continue
        for part in re.split(r"\s*(?:[,;/|&]|\band\b|\bwith\b)\s*", field):
            names |= _names(part)
    if text:
        opening, closing = text[:OPENING_CHARS], text[-CLOSING_CHARS:]
        for m in _DATELINE.finditer(opening):
            names |= _agency_only(m.group(1))
        for m in _PAREN.finditer(closing):
            names |= _agency_only(m.group(1))
        for m in _TRAILER.finditer(closing):
            names |= _agency_only(m.group(1))
        for m in _SOURCE_CJK.finditer(closing):
            names |= _names(m.group(1))
    return names


def _agency_only(phrase: str) -> set[str]:
    """Names of a known agency in a dateline/trailer phrase; nothing for other words."""
    key = norm(phrase).removeprefix("by ").removeprefix("source ")
    agency = _ALIAS.get(key)
    return {agency, *AGENCIES[agency]} if agency else set()


def source_names(outlet: str | None, name: str | None) -> set[str]:
    """Normalised names a source answers to: its outlet and source names, and agency aliases."""
    names: set[str] = set()
    for value in (outlet, name):
        if value:
            names |= _names(value)
    return names


def credits_source(credits: set[str], names: set[str]) -> str | None:
    """The credited name that designates this source, or None."""
    hits = sorted(credits & names)
    return hits[0] if hits else None
