"""Bytes → text for stored pages: honour the declared charset, notice when it lies.

Servers and templates often declare UTF-8 and send cp1252 (or the reverse). Valid UTF-8
with non-ASCII bytes is practically never anything else, so a body that decodes strictly
as UTF-8 is UTF-8 whatever the label says; otherwise the declared charset is used, and
cp1252 (the web's de-facto Latin default, a superset of ISO-8859-1's printable range) when
the declaration is missing, unknown or UTF-8. Binary bodies (images, PDFs, archives, NUL
bytes) are refused with a reason instead of being decoded into garbage.

UTF-16 and UTF-32 pages (real servers send them, with or without a byte order mark) are full
of NUL bytes yet text: `wide_encoding` names their form from the BOM (w3lib's `read_bom`, as
Scrapy reads it), else from where the NULs sit in the head — the byte patterns of XML 1.0
Appendix F ("Autodetection of Character Encodings"), which HTML's markup, ASCII in any form,
shows as plainly — and the form must then decode the head strictly into text. The declared
charset alone is not trusted for them: w3lib reads a BOM-less `charset=utf-16` as big-endian,
and a little-endian body then decodes into CJK-looking garbage.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from w3lib.encoding import read_bom

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
_UTF8_NAMES = {"utf-8", "utf8"}


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


# XML 1.0 Appendix F's patterns read statistically over the head: the share of NUL bytes at
# each position modulo the code unit. ASCII markup in UTF-16LE puts NULs at odd offsets
# (`<\0h\0`), UTF-32BE at offsets 0-2 of every four (`\0\0\0<`). A "quiet" offset may hold a
# NUL only for U+xx00 characters, rare in text; a "loud" one holds one for every ASCII (or,
# for UTF-32's high bytes, every BMP) character. Random or structured binary data fits none.
_WIDE_FORMS = (  # (codec, code unit, offsets that are nearly always NUL, offsets that are nearly never)
    ("utf-32-le", 4, (2, 3), (0,)),
    ("utf-32-be", 4, (0, 1), (3,)),
    ("utf-16-le", 2, (1,), (0,)),
    ("utf-16-be", 2, (0,), (1,)),
)
_LOUD = {4: 0.9, 2: 0.3}   # UTF-32's high bytes are NUL for every BMP character; UTF-16's for ASCII
_QUIET = 0.05
_SNIFF_BYTES = 4096


def wide_encoding(body: bytes) -> str | None:
    """The UTF-16/UTF-32 form of a body ("utf-16-le", "utf-32-be", ...), or None.

    A BOM decides (w3lib's table, UTF-32 before UTF-16); without one, the NUL layout of the
    first 4 KiB must match one form (see `_WIDE_FORMS`) and decode strictly into text with
    markup and few control characters. Cost: one pass over 4 KiB, only for bodies with NULs.
    """
    encoding, bom = read_bom(body)
    if encoding and encoding != "utf-8":
        unit = 4 if "32" in encoding else 2
        head = body[len(bom):len(bom) + _SNIFF_BYTES]
        return encoding if _reads_as_text(head[:len(head) // unit * unit], encoding) else None
    head = body[:_SNIFF_BYTES]
    if b"\x00" not in head or len(head) < 8:
        return None
    for codec, unit, loud, quiet in _WIDE_FORMS:
        units = len(head) // unit
        share = [head[offset:units * unit:unit].count(0) / units for offset in range(unit)]
        if all(share[i] >= _LOUD[unit] for i in loud) and all(share[i] <= _QUIET for i in quiet):
            return codec if _reads_as_text(head[:units * unit], codec) else None
    return None


def _reads_as_text(head: bytes, codec: str) -> bool:
    """The head decodes strictly (a cut last character aside) into markup, not control codes."""
    try:
        text = head.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # only a surrogate pair cut at the 4 KiB edge is forgiven
            return False
        text = head[:exc.start].decode(codec)
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\f")
    return "<" in text and controls <= 0.05 * len(text)


def _is_wide_label(label: str) -> bool:
    try:
        return codecs.lookup(label).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        return False


def binary_reason(body: bytes) -> str | None:
    """Why these bytes are not a text document, or None when they may be (UTF-16/32 text may)."""
    for magic, what in _MAGIC.items():
        if body.startswith(magic):
            return what
    head = body[:4096]
    if b"\x00" in head:
        return None if wide_encoding(body) else "binary data (NUL bytes)"
    controls = len(head.translate(None, _NOT_CONTROL))  # the control bytes left, counted in C
    if head and controls / len(head) > 0.05:
        return "binary data (control bytes)"
    return None


def decode_body(body: bytes | str, content_type: str | None = None) -> Decoded:
    """Decode a page body; never raises on garbage."""
    if isinstance(body, str):
        return Decoded(body, "str")
    reason = binary_reason(body)
    if reason:
        return Decoded(None, None, reason)
    wide = wide_encoding(body)
    if wide:
        bom = read_bom(body)[1] or b""
        return Decoded(body[len(bom):].decode(wide, "replace"), wide)
    if body.startswith(codecs.BOM_UTF8):
        return Decoded(body[3:].decode("utf-8", "replace"), "utf-8")
    try:
        return Decoded(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_charset(body, content_type)
    if declared and _is_wide_label(declared):
        declared = None  # these bytes are not UTF-16/32 (no NUL layout): a wrong label, as browsers treat it
    if declared and declared not in _UTF8_NAMES:
        try:
            return Decoded(body.decode(declared, "replace"), declared)
        except LookupError:
            pass  # unknown charset name: fall through to the default
    return Decoded(body.decode("cp1252", "replace"), "cp1252")
