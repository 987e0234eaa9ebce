"""Bytes → text for stored pages: honour the declared charset, notice when it lies.

Servers and templates often declare UTF-8 and send cp1252 (or the reverse). Valid UTF-8
with non-ASCII bytes is practically never anything else, so a body that decodes strictly
as UTF-8 is UTF-8 whatever the label says; otherwise the declared charset is used, and
cp1252 (the web's de-facto Latin default, a superset of ISO-8859-1's printable range) when
the declaration is missing, unknown or UTF-8. Binary bodies (images, PDFs, archives, NUL
bytes) are refused with a reason instead of being decoded into garbage.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

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


def binary_reason(body: bytes) -> str | None:
    """Why these bytes are not a text document, or None when they may be."""
    for magic, what in _MAGIC.items():
        if body.startswith(magic):
            return what
    head = body[:4096]
    if b"\x00" in head:
        return "binary data (NUL bytes)"
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
    if body.startswith(codecs.BOM_UTF8):
        return Decoded(body[3:].decode("utf-8", "replace"), "utf-8")
    try:
        return Decoded(body.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_charset(body, content_type)
    if declared and declared not in _UTF8_NAMES:
        try:
            return Decoded(body.decode(declared, "replace"), declared)
        except LookupError:
            pass  # unknown charset name: fall through to the default
    return Decoded(body.decode("cp1252", "replace"), "cp1252")
