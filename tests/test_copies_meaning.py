"""`copies` means one thing in news.story, news.corpus, export and search: null = not known
yet (dedup has not seen the article), 0 = deduplicated and no copy, N = N other articles.

Real PostgreSQL; the clusters come from the real `dedup` stage.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import zlib

import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.dedup import dedup
from pipeline.export import export
from pipeline.load import upsert
from pipeline.search import search

WORDS = [f"{a}{b}" for a in ("mar", "tol", "ves", "kin", "dor", "pal", "ru", "sel") for b in
         ("ba", "ce", "do", "fu", "gi", "ho", "ja", "ke", "lo", "mu")]


def _text(seed: int, words: int = 160) -> str:
    rng = random.Random(seed)
    return "Harbour " + " ".join(rng.choice(WORDS) for _ in range(words)) + "."


def _add(conn, n: int, url: str, source: str, text: str) -> None:  # noqa: ANN001
    body = f"<p>{text}</p>".encode()
    upsert(conn, "news.pages", ["source", "url", "final_url", "status", "body_zlib", "body_hash"],
           [(source, url, url, 200, zlib.compress(body), hashlib.sha256(body).digest())], None)
    with conn.cursor() as cur:
        cur.execute("select page_id from news.pages where url = %s", (url,))
        page_id = cur.fetchone()[0]
    upsert(conn, "news.articles",
           ["canonical_url", "source", "page_id", "title", "published_at", "text", "word_count",
            "text_hash", "extractor_version"],
           [(url, source, page_id, f"Harbour story {n}", f"2026-11-20T{10 + n}:00:00+00:00", text,
             len(text.split()), hashlib.sha256(text.encode()).digest(), "test")], ["canonical_url"])


@pytest.fixture
def three_states(conn) -> dict[str, str]:  # noqa: ANN001
    """url → expected copies: a copied story (1 each), a lone deduplicated article (0), an
    article stored after dedup ran (None)."""
    with conn:
        upsert(conn, "news.sources", ["name", "outlet", "kind", "domains"],
               [("alpha", "Alpha", "wire", ["alpha.test"]), ("beta", "Beta", "tabloid", ["beta.test"])],
               ["name"])
        _add(conn, 0, "http://alpha.test/original", "alpha", _text(1))
        _add(conn, 1, "http://beta.test/copy", "beta", _text(1))
        _add(conn, 2, "http://alpha.test/lone", "alpha", _text(2))
    dedup(conn)
    with conn:
        _add(conn, 3, "http://beta.test/unseen", "beta", _text(3))
    return {"http://alpha.test/original": 1, "http://beta.test/copy": 1, "http://alpha.test/lone": 0,
            "http://beta.test/unseen": None}


def test_story_view(conn, three_states: dict) -> None:  # noqa: ANN001
    with conn, conn.cursor() as cur:
        cur.execute("select a.canonical_url, st.copies from news.story as st"
                    " join news.articles as a on a.article_id = st.canonical_article_id")
        got = dict(cur.fetchall())
        cur.execute("select url, copies from news.corpus")
        corpus = dict(cur.fetchall())
    assert got == {url: n for url, n in three_states.items() if url != "http://beta.test/copy"}
    assert corpus == {"http://alpha.test/original": 1, "http://alpha.test/lone": 0}  # deduplicated only


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export(conn, three_states: dict, tmp_path, fmt: str) -> None:  # noqa: ANN001
    out = tmp_path / f"x.{fmt}"
    export(conn, fmt, out)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    elif fmt == "parquet":
        rows = pq.read_table(out).to_pylist()
    else:
        with open(out, newline="", encoding="utf-8") as fh:
            rows = [{**r, "copies": int(r["copies"]) if r["copies"] else None} for r in csv.DictReader(fh)]
    assert {r["url"]: r["copies"] for r in rows} == three_states


def test_search(conn, three_states: dict, database_url: str, capsys) -> None:  # noqa: ANN001
    result = search(conn, "harbour", all_copies=True)
    at = result.columns.index("url"), result.columns.index("copies")
    assert {row[at[0]]: row[at[1]] for row in result.rows} == three_states
    assert main(["search", "harbour", "--all-copies"]) == 0
    table = {line.split()[-1]: line for line in capsys.readouterr().out.splitlines() if "http://" in line}
    assert " - " in table["http://beta.test/unseen"] and " -1 " not in table["http://beta.test/unseen"]
