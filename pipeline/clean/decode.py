"""Bytes → text for stored pages: honour the declared charset, notice when it lies.

Servers and templates often declare UTF-8 and send cp1252 (or the reverse). Valid UTF-8
with non-ASCII bytes is practically never anything else, so a body that decodes strictly
as UTF-8 is UTF-8 whatever the label says; otherwise the declared charset is used, read as
browsers read it (WHATWG labels: `us-ascii` and `iso-8859-1` mean windows-1252). A body
declared UTF-8, or not declared usably (no label, an unknown name), that is not strictly
UTF-8 is read as UTF-8 when most of its non-ASCII characters are valid UTF-8 (a stray byte,
a character cut short, a CESU-8 surrogate: each bad sequence becomes U+FFFD, as a browser's
UTF-8 decoder and Scrapy's `to_unicode(errors="replace")` make it), else as cp1252 (the web's
de-facto Latin default, a superset of ISO-8859-1's printable range): a cp1252 page labelled
UTF-8 has no valid multi-byte sequences, only invalid ones (`utf8_majority`). Binary bodies (images, PDFs, archives, NUL or
control bytes) are refused with a reason instead of being decoded into garbage; a few stray
NULs in a text page are not binary (they are dropped from the text).

UTF-16 and UTF-32 pages (real servers send them, with or without a byte order mark) are full
of NUL bytes yet text: `wide_encoding` names their form from the BOM (w3lib's `read_bom`, as
Scrapy reads it), else by decoding the head strictly in each form and keeping the one that
reads as text with markup — HTML's tags are ASCII in any script, so the right form shows them
whether the text is English or Chinese. The declared charset alone is not trusted for them:
w3lib reads a BOM-less `charset=utf-16` as big-endian, and a little-endian body then decodes
into CJK-looking garbage.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from typing import AnyStr

from w3lib.encoding import read_bom, resolve_encoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]+)", re.I)
_MAGIC = {
    b"\x89PNG": "png image",
    b"GIF8": "gif image",
    b"\xff\xd8\xff": "jpeg image",
    b"%PDF": "pdf document",
    b"PK\x03\x04": "zip archive",
    b"\x1f\x8b": "gzip data",
    b"RIFF": "riff media",
}


@dataclass(frozen=True)
class Decoded:
    """The page text, or why there is none (`text` is None when `refused` says why)."""

    text: str | None
    encoding: str | None
    refused: str | None = None


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The charset named by the Content-Type header, else by a <meta> in the first 4 KiB."""
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            return match.group(1).lower()
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii").lower() if match else None


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))

# Without a BOM, a body is tried as each wide form (UTF-32 first: UTF-32 text read as UTF-16
# is half NULs) and kept in the form that decodes strictly into markup-bearing text: HTML is
# written in ASCII tags in any script, so the right form shows `<p`, `</`, `<!` and the wrong
# byte order shows none (its `<` is U+3C00, a CJK letter). The NUL layout of XML 1.0 Appendix F
# ("Autodetection of Character Encodings") counted NULs instead, and a page mostly in CJK,
# whose characters have no NUL byte, fell below its thresholds.
_WIDE_FORMS = ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be")
_SNIFF_BYTES = 4096
_MARKUP = re.compile(r"<[A-Za-z!/?]")
_MAX_ODD_SHARE = 0.05      # control codes, unassigned, private-use or surrogate code points in text
# NULs a text page may carry astray (a CMS bug, a pasted byte): at most this share of the head.
# UTF-16/32 text is 25-75 % NULs, binary formats with NULs far more than 1 % (headers, tables, padding).
_MAX_STRAY_NUL_SHARE = 0.01
_MAX_CONTROL_SHARE = 0.05  # control bytes in a text page's head (random binary: ~11 %)


def wide_encoding(body: bytes) -> str | None:
    """The UTF-16/UTF-32 form of a body ("utf-16-le", "utf-32-be", ...), or None.

    A BOM decides (w3lib's table, UTF-32 before UTF-16); without one, the first 4 KiB must
    decode strictly in one form into text with markup (`_text_score`); when several do, the
    one showing the most tags wins. (A UTF-8 or cp1252 page with a stray NUL after a `<`
    does not pass: its byte pairs read as UTF-16 are too often unassigned code points.)
    Cost: a few decodes of 4 KiB, only for bodies with NULs.
    """
    encoding, bom = read_bom(body)
    if encoding and encoding != "utf-8":
        unit = 4 if "32" in encoding else 2
        head = body[len(bom):len(bom) + _SNIFF_BYTES]
        return encoding if _text_score(head[:len(head) // unit * unit], encoding) else None
    head = body[:_SNIFF_BYTES]
    if b"\x00" not in head or len(head) < 8:
        return None  # wide HTML always has NULs: its ASCII tags
    best, best_score = None, 0
    for codec in _WIDE_FORMS:
        unit = 4 if "32" in codec else 2
        score = _text_score(head[:len(head) // unit * unit], codec)
        if score > best_score:
            best, best_score = codec, score
    return best


def _text_score(head: bytes, codec: str) -> int:
    """How many tags the head shows decoded strictly in `codec` (a cut last character aside),
    0 when it does not decode or reads as anything but text (more than 5 % control codes,
    unassigned, private-use or surrogate code points)."""
    try:
        text = head.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # only a character cut at the 4 KiB edge is forgiven
            return 0
        text = head[:exc.start].decode(codec)
    if not text:
        return 0
    odd = sum(1 for c in text if (c < " " and c not in "\t\n\r\f")
              or (c > "~" and unicodedata.category(c) in ("Cc", "Cn", "Co", "Cs")))
    if odd > _MAX_ODD_SHARE * len(text):
        return 0
    return len(_MARKUP.findall(text))


def _is_wide_label(label: str) -> bool:
    try:
        return codecs.lookup(label).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        return False


def binary_reason(body: bytes) -> str | None:
    """Why these bytes are not a text document, or None when they may be.

    Binary: a file signature (`_MAGIC`), more than 5 % control bytes in the first 4 KiB, or
    NUL bytes there that are neither a UTF-16/32 form (`wide_encoding`) nor a few strays
    (at most `_MAX_STRAY_NUL_SHARE` of the head, in a head that shows markup).
    """
    for magic, what in _MAGIC.items():
        if body.startswith(magic):
            return what
    head = body[:_SNIFF_BYTES]
    controls = len(head.translate(None, _NOT_CONTROL))  # the control bytes left (NULs too), counted in C
    too_many = bool(head) and controls > _MAX_CONTROL_SHARE * len(head)
    if nuls := head.count(0):
        if wide_encoding(body):
            return None
        stray = (nuls <= _MAX_STRAY_NUL_SHARE * len(head) and not too_many
                 and _MARKUP.search(head.decode("latin-1")) is not None)
        return None if stray else "binary data (NUL bytes)"
    return "binary data (control bytes)" if too_many else None


def nul_bytes_binary(body: bytes) -> bool:
    """True when NUL bytes in the head make the body binary (the crawler's and the WARC
    backfill's test before keeping a page): not a UTF-16/32 form, more than stray NULs."""
    return b"\x00" in body[:_SNIFF_BYTES] and binary_reason(body) is not None


def decode_body(body: bytes | str, content_type: str | None = None) -> Decoded:
    """Decode a page body; never raises on garbage."""
    if isinstance(body, str):
        return Decoded(_without_nuls(body), "str")
    reason = binary_reason(body)
    if reason:
        return Decoded(None, None, reason)
    wide = wide_encoding(body)
    if wide:
        bom = read_bom(body)[1] or b""
        return Decoded(_without_nuls(body[len(bom):].decode(wide, "replace")), wide)
    if body.startswith(codecs.BOM_UTF8):
        return Decoded(_without_nuls(body[3:].decode("utf-8", "replace")), "utf-8")
    try:
        return Decoded(_without_nuls(body.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    declared = _usable_label(declared_charset(body, content_type))
    if declared is not None and codecs.lookup(declared).name != "utf-8":
        return Decoded(_without_nuls(body.decode(declared, "replace")), declared)
    text = utf8_majority(body)
    if text is not None:
        return Decoded(_without_nuls(text), "utf-8")
    return Decoded(_without_nuls(body.decode("cp1252", "replace")), "cp1252")


def _usable_label(declared: str | None) -> str | None:
    """The codec a declared charset means, as browsers read it, when it may describe these
    (ASCII-compatible) bytes; else None: an unknown name, or a UTF-16/32 label on bytes with no
    wide form (no wide form reads as text, `wide_encoding`): a wrong label, as browsers treat it.

    The label goes through w3lib's `resolve_encoding` (as Scrapy's responses do), which maps
    the labels the WHATWG Encoding Standard ("Encodings", its label table) gives a superset
    decoder: `us-ascii`, `ascii`, `iso-8859-1`, `latin1` and the rest of windows-1252's labels
    to cp1252, `gb2312` to gb18030, `iso-8859-9` to cp1254, `shift_jis` to cp932…
    Python's own codecs, taken as labelled, gave a `us-ascii` page U+FFFD for every byte over
    0x7F and dropped an `iso-8859-1` page's curly quotes (0x91-0x94, C1 controls in Latin-1):
    servers and templates write those labels on cp1252 text.
    """
    if not declared or _is_wide_label(declared):
        return None
    return resolve_encoding(declared)


_HIGH_BYTES = bytes(range(0x80, 0x100))


def utf8_majority(body: bytes) -> str | None:
    """The body decoded as UTF-8, each invalid sequence replaced by U+FFFD, when its valid
    multi-byte characters outnumber its invalid sequences; else None (not UTF-8).

    Why a majority: a UTF-8 page with one bad byte (a stray 0xFF, a character cut short, a
    CESU-8 surrogate from a UTF-16 round trip) was read whole as cp1252, and every accented
    letter and curly quote of the article became mojibake ("cafÃ©", "â€™"). Text really in
    cp1252 or ISO-8859-1 forms a valid multi-byte sequence only by accident (a letter from
    U+00C2-U+00EF followed by the right punctuation), so it has almost none and is left to
    the caller's legacy fallback. Sequences are counted as Python's decoder reports them, one
    per maximal invalid subpart (Unicode 15, section 3.9, "U+FFFD Substitution of Maximal
    Subparts", as the WHATWG UTF-8 decoder does). Cost: two C-level decodes of the body.
    """
    replaced = body.decode("utf-8", "replace")
    valid = body.decode("utf-8", "ignore")
    invalid = len(replaced) - len(valid)
    multibyte = len(valid) - len(body.translate(None, _HIGH_BYTES))  # ASCII bytes are always valid
    return replaced if multibyte > invalid else None


# Characters XML 1.0 cannot hold (its `Char` production: everything but TAB, LF and CR below
# U+0020, the surrogates, U+FFFE and U+FFFF). lxml refuses them in any text it is asked to set
# (ValueError "All strings must be XML compatible"), and trafilatura, which rebuilds the text
# as elements, then extracts nothing: one ESC in a paragraph lost the whole article. Those
# Python's str.split() reads as whitespace (VT, FF, the separators U+001C-U+001F) become a
# space, as they read already; the rest are dropped, NUL as before (a stray control code is
# a lost byte, not a word boundary).
_TO_SPACE = "\x0b\x0c\x1c\x1d\x1e\x1f"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_XML_TABLE = str.maketrans({chr(c): (" " if chr(c) in _TO_SPACE else None)
                                for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]})
# the same characters written as numeric character references (`&#27;`, `&#x1B;`, `&#0027`;
# the semicolon is optional in HTML), which libxml2 expands into the text, and references to no
# character at all (a surrogate, `&#xD800;`, or a number past U+10FFFF, `&#1114112;`), which
# libxml2 and the HTML standard turn into U+FFFD ("character reference outside unicode range",
# "surrogate character reference"). Every numeric reference matches; `_ref_replacement` keeps
# those to characters XML holds as they were.
_NUMERIC_REF = r"&#(?:0*(?P<dec>[0-9]+)|[xX]0*(?P<hex>[0-9a-fA-F]+));?"
_REF = re.compile(_NUMERIC_REF)
_REF_BYTES = re.compile(_NUMERIC_REF.encode("ascii"))
_MAX_REF_DIGITS = 7  # 1114111 = U+10FFFF; longer numbers (zeros aside) are no character, and int() is spared them


def _without_nuls(text: str) -> str:
    """The text without the characters XML cannot hold, raw or as numeric references
    (`_NOT_XML`): NUL, the C0 controls but TAB, LF and CR, surrogates, U+FFFE and U+FFFF, and
    without references to no character (`_code_point`), which libxml2 made U+FFFD.
    Whitespace-like ones (VT, FF, U+001C-U+001F) become a space, the others are dropped.
    (A stray NUL also became U+FFFD in lxml, ending a sentence with a replacement character.)
    Cost: one C-level regex scan of a clean page; `&#` scanned only where the page has one."""
    if _NOT_XML.search(text):
        text = "".join(text.split("\x00")).translate(_NOT_XML_TABLE)
        text = _NOT_XML.sub("", text)  # lone surrogates (only a str body can carry them)
    if "&#" in text:
        text = _drop_references(_REF, text)
    return text


def without_bad_references(data: bytes) -> bytes:
    """An ASCII-compatible document (a feed, a sitemap) without the numeric character references
    to characters XML cannot hold or to no character (`_ref_replacement`), the bytes twin of what
    `decode_body` does to pages: feedparser's loose parser raised UnicodeEncodeError on one
    `&#xD800;` in an item title (`chr(0xD800).encode("utf-8")` in its `handle_charref`) and the
    whole feed was lost. Cost: one C-level scan when the document has no `&#`."""
    return _drop_references(_REF_BYTES, data) if b"&#" in data else data


def _drop_references(pattern: re.Pattern, text: AnyStr) -> AnyStr:
    """`text` with `_ref_replacement` applied, in two linear passes: a dropped reference can
    join its neighbours into a new one (`&&#1;#27;` gives `&#27;`), and such a reference left
    after the first pass has its `&` written as `&amp;` (it reads as text, never as the
    character): dropping again until nothing changes took one pass per level of nesting,
    quadratic on hostile input (16,000 levels: 0.9 s; a feed may hold 8 MiB)."""
    text = pattern.sub(_ref_replacement, text)
    return pattern.sub(_escaped_if_dropped, text) if ("&#" if isinstance(text, str) else b"&#") in text else text


def _escaped_if_dropped(match: re.Match) -> str | bytes:
    """A reference `_ref_replacement` keeps, as it is; any other with its `&` escaped."""
    if _ref_replacement(match) == match[0]:
        return match[0]
    return ("&amp;" if isinstance(match[0], str) else b"&amp;") + match[0][1:]


def _ref_replacement(match: re.Match) -> str | bytes:
    """What a numeric reference becomes: itself when it names a character XML holds, a space
    for a whitespace-like control (`_TO_SPACE`), nothing for the other characters XML cannot
    hold and for a reference to no character (`_code_point` None)."""
    code = _code_point(match["dec"], match["hex"])
    if code is None:
        kept = ""
    elif _NOT_XML.match(chr(code)) is None:
        return match[0]
    else:
        kept = " " if chr(code) in _TO_SPACE else ""
    return kept.encode("ascii") if isinstance(match[0], bytes) else kept


def _code_point(dec: str | bytes | None, hex_: str | bytes | None) -> int | None:
    """The code point a reference names, None when it names none (a surrogate, past U+10FFFF)."""
    digits, base = (dec, 10) if dec is not None else (hex_, 16)
    if len(digits) > _MAX_REF_DIGITS:
        return None
    code = int(digits, base)
    return None if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF else code
