"""Bylines → person names (`authors`, page order) and the agency/desk credit.

The same two reporters reach us as "By Jane Fenwick and Omar Castle", "Jane Fenwick,
Omar Castle | Press Association", "Jane Fenwick; Omar Castle", a JSON-LD list of Person
objects, or one Person whose name is the whole printed byline with a role ("…, Local
Democracy Reporters"). Researchers group by author, so every shape must give the same list.

A byline is cut at `|` `;` `,` `/` `·` `•` line breaks and the words "and"/"&"; lead-ins
("By", "Words by", "Reporting by", "Written by") are removed; a piece that is an agency or a
desk ("Press Association", "Reuters", "Staff and agencies") goes to `credit` (wire-origin
evidence for dedup); a piece that is a role ("Political Correspondent", "Local Democracy
Reporters") or not shaped like a name is dropped. The agency list is field knowledge, not a
per-outlet rule: the national news agencies that British and American outlets credit
(members of the European Alliance of News Agencies and the big four wires), plus the desk
words papers print instead of a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

AGENCIES = [
    "Press Association", "PA Media", "PA Wire", "PA Real Life", "PA", "Reuters", "Thomson Reuters",
    "Associated Press", "AP", "Agence France-Presse", "Agence France Presse", "AFP", "Bloomberg",
    "Bloomberg News", "dpa", "Deutsche Presse-Agentur", "ANSA", "EFE", "Europa Press", "ANP", "Belga",
    "Kyodo", "Kyodo News", "Xinhua", "AAP", "Australian Associated Press", "Canadian Press",
    "The Canadian Press", "CNN Wire", "SWNS", "Cover Images", "Getty Images", "UPI",
    "United Press International", "NTB", "TT", "Ritzau", "APA", "Keystone-SDA", "Newsquest",
    "Local Democracy Reporting Service",
]
# a desk or generic credit in place of a name
DESKS = re.compile(
    r"^(?:(?:our|the)\s+)?(?:(?:\w+\s+)?staff(?:\s+(?:reporters?|writers?))?(?:\s+and\s+agenc(?:y|ies))?|agenc(?:y|ies)"
    r"|(?:news|web|online|digital|foreign|sports?|city|business)\s+(?:desk|team|staff)|newsroom|news\s+agencies"
    r"|wires?|wire\s+services?|editorial\s+(?:team|staff|board))$",
    re.I,
)
# role words: a piece holding one of these is a job title, not a name
ROLES = re.compile(
    r"\b(?:reporters?|correspondents?|editors?|writers?|columnists?|contributors?|journalists?|photographers?"
    r"|producers?|presenters?|analysts?|critics?|chief|senior|deputy|associate|freelance|staff|team|desk"
    r"|democracy|political|showbiz|crime|health|science|technology|political|affairs|news)\b",
    re.I,
)
# words of an organisation's name: a piece holding one is a credit ("Associated Newswire")
ORGANISATION = re.compile(
    r"\b(?:news|press|media|agency|agencies|associated|service|syndicate|network|broadcasting|group|ltd|inc)\b|wire\b",
    re.I,
)
_LEAD_IN = re.compile(
    r"^\s*(?:(?:words|reporting|reported|written|story|text|interview|analysis|additional reporting)\s+by|by|from|"
    r"posted by|published by|von|par|por|di|door)\b\s*:?\s*",
    re.I,
)
_SPLIT = re.compile(r"\s*(?:[|;,/·•\n]|\s(?:and|&)\s|\s+-\s+|\s+–\s+|\s+—\s+)\s*", re.I)
_TRAIL = re.compile(r"\s+(?i:in|for|at)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}$")
_NAME = re.compile(r"^[^\W\d_][\w.'’-]*(?:\s+[\w.'’-]+){0,4}$")
_PARTICLES = {"de", "la", "le", "du", "da", "di", "del", "della", "van", "von", "der", "den", "ten", "ter",
              "bin", "al", "el", "dos", "das", "y", "st"}
_AGENCY_KEYS = {a.casefold() for a in AGENCIES}
_AGENCY_PHRASE = re.compile(
    r"\b(?:" + "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True) if len(a) > 3)
    + r")\b",
    re.I,
)
_AND_AGENCIES = re.compile(r"(?:\b(staff)\s+|\s)and\s+agencies\b", re.I)


@dataclass
class Byline:
    """A byline read into names.

    Args:
        authors: person names in page order, each once.
        credit: agencies/desks credited, joined with ", " (None when none).
        raw: the byline as the page wrote it (the pieces joined with " | " when several).
    """

    authors: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    raw: str | None = None

    @property
    def credit(self) -> str | None:
        return ", ".join(self.credits) or None

    @property
    def names(self) -> str | None:
        """The byline field as stored: the names joined with ", " (None when no person)."""
        return ", ".join(self.authors) or None

    def add(self, text: str | None) -> None:
        """Read one more byline string (a meta tag, a JSON-LD name, a visible byline)."""
        if not text or not text.strip():
            return
        text = " ".join(text.split())
        self.raw = text if self.raw is None else (self.raw if text in self.raw else f"{self.raw} | {text}")
        names, credits = split_byline(text)
        for name in names:
            if name.casefold() not in {a.casefold() for a in self.authors}:
                self.authors.append(name)
        for credit in credits:
            if credit.casefold() not in {c.casefold() for c in self.credits}:
                self.credits.append(credit)

    def add_person(self, name: str | None) -> None:
        """A name the page declares to be a person's (JSON-LD `Person`): taken as it is when it
        is one plain name (role words are not checked: "Ann Reporter" is somebody's name),
        otherwise read like any byline ("By A and B, Staff Writers")."""
        text = " ".join((name or "").split())
        if text and len(_SPLIT.split(text)) == 1 and not _LEAD_IN.match(text) and _NAME.match(text) \
                and " " in text and text.casefold() not in _AGENCY_KEYS and not ORGANISATION.search(text):
            self.raw = text if self.raw is None else (self.raw if text in self.raw else f"{self.raw} | {text}")
            if text.casefold() not in {a.casefold() for a in self.authors}:
                self.authors.append(_display(text))
        else:
            self.add(text)

    def add_credit(self, text: str | None) -> None:
        """An organisation named as author (JSON-LD `Organization`): a credit, never a person."""
        text = " ".join((text or "").split())
        if text and text.casefold() not in {c.casefold() for c in self.credits}:
            self.credits.append(text)


def split_byline(text: str) -> tuple[list[str], list[str]]:
    """("By A and B | Reuters") → (["A", "B"], ["Reuters"]). See the module docstring."""
    if text.startswith(("http://", "https://")) or len(text) > 300:
        return [], []
    credits: list[str] = []

    def joined(match: re.Match) -> str:  # "staff and agencies" must not be cut at "and"
        credits.append("Staff and agencies" if match.group(1) else "agencies")
        return " | "

    text = _AND_AGENCIES.sub(joined, text)
    names: list[str] = []
    for piece in _SPLIT.split(text):
        piece = _LEAD_IN.sub("", piece.strip(" .:-–—()[]")).strip(" .:-–—()[]")
        piece = _TRAIL.sub("", piece).strip()
        if not piece:
            continue
        if piece.casefold() in _AGENCY_KEYS or _AGENCY_PHRASE.fullmatch(piece):
            credits.append(piece)
        elif DESKS.match(piece) or (ORGANISATION.search(piece) and _capitalised(piece)):
            credits.append(piece)
        elif _is_name(piece):
            names.append(_display(piece))
    return names, credits


def _is_name(piece: str) -> bool:
    """Shaped like a person's name: 1-5 words, starting with a capital, no digits, no role."""
    if not _NAME.match(piece) or "@" in piece or ROLES.search(piece):
        return False
    tokens = piece.split()
    if len(tokens) == 1:  # a person's byline has a given name and a surname
        return False
    capitals = sum(1 for t in tokens if t[0].isupper() or t.lower() in _PARTICLES)
    return piece[0].isupper() and capitals >= max(1, len(tokens) - 1)


def _capitalised(piece: str) -> bool:
    return all(t[0].isupper() or t.lower() in _PARTICLES | {"and", "of", "the"} for t in piece.split())


def _display(name: str) -> str:
    """"MARK SMITH" → "Mark Smith" (an all-capitals byline is typography, not the name)."""
    return name.title() if name.isupper() and len(name) > 3 else name


def is_byline_line(line: str, authors: list[str]) -> bool:
    """A text line that only prints the byline ("By Ada Quill and Tomasz Wren | Reuters"):
    metadata, not text. Only lines naming nobody but the page's own authors and credits."""
    if not authors or len(line) > 200:
        return False
    folded = line.casefold()
    if not any(a.casefold() in folded for a in authors):  # a byline line names an author: a cheap look first
        return False
    names, _ = split_byline(line)
    known = {a.casefold() for a in authors}
    return bool(names) and {n.casefold() for n in names} <= known and (
        bool(_LEAD_IN.match(line)) or len(names) == len(_SPLIT.split(line.strip()))
    )
