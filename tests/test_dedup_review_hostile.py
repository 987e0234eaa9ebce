"""Adversarial review (session 23): a dedup run over hostile texts finishes, fingerprints every
article and links the one real copy pair (no traceback, no article blocking the rest)."""

from __future__ import annotations

from pipeline.dedup import dedup
from tests.test_dedup_kinds import WIRE_STORY, _load, _together

HOSTILE = [
    "", "word", "?!...''\"\")))", "\r\n\r\n\u2028\u2029\u0085\x0c\x0b", "'" * 5000,
    "ẞ alpha beta gamma delta epsilon İ zeta " * 50, "日本語の記事です。" * 400 + " mixed English words here.",
    ("A" * 100_000 + " ") * 12, ". " * 200_000, "\n".join(["Same sentence repeated many times over in this text for sure."] * 3000),
    "Ⱥx Ɐy " * 10_000, "x'" * 100_000 + "y",
]


def test_hostile_texts_do_not_block_a_run(conn) -> None:
    rows = [(f"https://h{i}.example/a", f"h{i}", f"H {i}", "other", "2026-11-20T08:00:00Z", t)
            for i, t in enumerate(HOSTILE)]
    rows += [("https://wire.example/x", "wire", "Wire", "wire", "2026-11-20T07:00:00Z", "\n".join(WIRE_STORY)),
             ("https://tab.example/x", "tab", "Tab", "tabloid", "2026-11-20T09:00:00Z", "\n".join(WIRE_STORY[:9]))]
    ids = _load(conn, rows)
    summary = dedup(conn, batch_size=5)
    assert summary.articles_fingerprinted == len(ids)
    assert _together(conn, ids["https://wire.example/x"], ids["https://tab.example/x"])
