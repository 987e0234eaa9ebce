"""`newscorpus search`: one row per story by default, every copy with --all-copies, filters
bound as parameters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.cli import main
from pipeline.search import search

from tests.plugins.answer_key import LoadedKey

PHRASE = '"injury crisis"'
HOSTILE = "x'; drop table news.articles; --"


def _matching(loaded: LoadedKey) -> list:
    """Key articles whose current title or text holds the phrase (the stemmed match is a superset)."""
    def current(a):
        return (a.day2["title"], a.day2["text"]) if a.day2 else (a.title, a.text)

    return [a for a in loaded.key if "injury crisis" in " ".join([current(a)[0], *current(a)[1]]).lower()]


def test_one_row_per_story_shown_as_its_original(key_conn, key_database: LoadedKey) -> None:
    result = search(key_conn, PHRASE, limit=100)
    rows = [dict(zip(result.columns, row)) for row in result.rows]
    clusters = [r["cluster_id"] for r in rows]
    assert len(clusters) == len(set(clusters))
    assert all(r["is_canonical"] for r in rows)
    expected = {key_database.cluster_ids[a.story_id] for a in _matching(key_database)}
    assert expected <= set(clusters)
    originals = {a.url for a in key_database.key if a.is_original}
    assert {r["url"] for r in rows} <= originals
    assert [r["rank"] for r in rows] == sorted((r["rank"] for r in rows), reverse=True)


def test_all_copies_lists_every_matching_article(key_conn, key_database: LoadedKey) -> None:
    stories = search(key_conn, PHRASE, limit=100)
    copies = search(key_conn, PHRASE, all_copies=True, limit=100)
    urls = [row[copies.columns.index("url")] for row in copies.rows]
    assert len(urls) == len(set(urls)) > len(stories.rows)
    assert {a.url for a in _matching(key_database)} <= set(urls)


def test_source_and_since_select_the_matching_copies(key_conn, key_database: LoadedKey) -> None:
    matching = _matching(key_database)
    source = matching[0].source
    result = search(key_conn, PHRASE, source=source, all_copies=True, limit=100)
    assert {row[result.columns.index("source")] for row in result.rows} == {source}
    stories = search(key_conn, PHRASE, source=source, limit=100)
    expected = {key_database.cluster_ids[a.story_id] for a in matching if a.source == source}
    assert expected <= {row[stories.columns.index("cluster_id")] for row in stories.rows}

    cutoff = max(key_database.when(a.published_at) for a in matching) - timedelta(minutes=1)
    recent = search(key_conn, PHRASE, since=cutoff, all_copies=True, limit=100)
    assert recent.rows and all(row[recent.columns.index("published_at")] >= cutoff for row in recent.rows)
    assert len(recent.rows) < len(search(key_conn, PHRASE, all_copies=True, limit=100).rows)
    assert search(key_conn, PHRASE, since=key_database.night(2) + timedelta(days=2)).rows == []


def test_hostile_input_is_only_ever_a_value(key_conn) -> None:
    assert search(key_conn, HOSTILE, source=HOSTILE).rows == []
    assert search(key_conn, "'); drop table news.articles; --").rows == []
    with key_conn, key_conn.cursor() as cur:
        cur.execute("select count(*) from news.articles")
        assert cur.fetchone()[0] > 0


def test_cli_prints_a_ranked_table(key_database: LoadedKey, monkeypatch, capsys) -> None:
    monkeypatch.setenv("NEWSCORPUS_DATABASE_URL", key_database.url)
    assert main(["search", PHRASE, "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "rank" in out and "title" in out and "story(ies)" in out
    assert main(["search", "nosuchwordanywhere"]) == 0
    assert "no matches" in capsys.readouterr().out
    assert main(["search", PHRASE, "--source", HOSTILE]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no source named" in err[0] and "worldwire" in err[0]


@pytest.mark.parametrize("args", [["--since", "yesterday"], ["--limit", "0"]])
def test_cli_refuses_bad_arguments_with_exit_2(args: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["search", PHRASE, *args])
    assert exit_info.value.code == 2


def test_since_filters_stories_by_their_own_date(key_conn, key_database: LoadedKey) -> None:
    """A story first published before DATE is not listed because a later copy matches."""
    stories = key_database.key.stories()
    late_copy = next(
        (a, original) for a in key_database.key if a.copy_of
        for original in [key_database.key.by_url(a.copy_of)]
        if key_database.when(a.published_at).date() > key_database.when(original.published_at).date())
    copy, original = late_copy
    since = key_database.when(copy.published_at).date()
    phrase = " ".join(w for w in original.title.split()[:4] if w.isalpha())
    everything = search(key_conn, phrase, limit=100)
    cluster = key_database.cluster_ids[original.story_id]
    assert cluster in {row[everything.columns.index("cluster_id")] for row in everything.rows}
    recent = search(key_conn, phrase, since=since, limit=100)
    assert cluster not in {row[recent.columns.index("cluster_id")] for row in recent.rows}
    assert all(row[recent.columns.index("published_at")].date() >= since for row in recent.rows)
    assert len(stories[original.story_id]) > 1
