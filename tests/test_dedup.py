"""Dedup against the sample web's answer key, in a real PostgreSQL (no crawler needed).

Articles are loaded straight from the key (expected clean text, published_at) with
tests.plugins.answer_key; clusters are scored pairwise against the key's story_ids.
"""

from __future__ import annotations

import pytest

from pipeline.dedup import dedup
from tests.plugins.answer_key import key_without_web as sample_key
from tests.plugins.answer_key import load_key_articles, pairwise_scores, stored_clusters

SEED, STORIES = 7, 40


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return sample_key(tmp_path_factory.mktemp("key"), seed=SEED, stories=STORIES)


def day1(key):
    return [a for a in key.articles if a.day == 1]


def test_two_nights_match_the_key(conn, key) -> None:
    ids = load_key_articles(conn, day1(key), day=1)
    first = dedup(conn, batch_size=50)
    assert first.articles_fingerprinted == len(ids)
    ids = load_key_articles(conn, key.articles_on(2), day=2)
    second = dedup(conn, batch_size=50)
    updated = sum(1 for a in key.articles if a.day == 1 and a.day2)
    assert second.articles_fingerprinted == len(key.articles_on(2)) - len(day1(key)) + updated
    scores = pairwise_scores(conn, key.articles_on(2), ids)
    print(f"\npairwise precision {scores['precision']:.3f} recall {scores['recall']:.3f} "
          f"({scores['pairs']} pairs found, {scores['true_pairs']} true)")
    assert scores["wrong"] == [] and scores["missed"] == []
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.95
    assert scores["misplaced_originals"] == []
    # distractors share quotes, templates or a sentence with other stories: never merged
    stored = stored_clusters(conn)
    story_of_cluster: dict[int, set[str]] = {}
    for a in key.articles_on(2):
        story_of_cluster.setdefault(stored[ids[a.url]][0], set()).add(a.story_id)
    distractors = [a for a in key.articles_on(2) if a.distractor]
    assert distractors
    for a in distractors:
        assert story_of_cluster[stored[ids[a.url]][0]] == {a.story_id}, a.url
    # the late original (published first, listed on night 2) took over its copies' cluster
    assert second.canonicals_rechosen >= 1


def test_contract_views_show_copies_and_originals(conn, key) -> None:
    ids = load_key_articles(conn, day1(key))
    dedup(conn)
    copies = [a for a in day1(key) if a.copy_of and a.copy_of in ids]
    with conn.cursor() as cur:
        cur.execute("select copy_url, original_url, similarity, method from news.syndication")
        links = {row[0]: row[1:] for row in cur.fetchall()}
        cur.execute("select count(*), count(distinct cluster_id) from news.corpus")
        stories, clusters = cur.fetchone()
        cur.execute("select similarity from news.all_articles where is_canonical")
        canonical_similarity = {row[0] for row in cur.fetchall()}
    assert {a.url: a.copy_of for a in copies} == {url: links[url][0] for url in links if url in
                                                  {a.url for a in copies}}
    # copies of the late original (listed on night 2) link to its earliest copy meanwhile
    story = {a.url: a.story_id for a in day1(key)}
    assert all(story[copy] == story[original] for copy, (original, *_) in links.items())
    assert {row[2] for row in links.values()} <= {"minhash", "containment"}
    truncated = [a for a in copies if a.copy_type == "truncated"]
    assert truncated and all(links[a.url][2] == "containment" for a in truncated)
    assert all(0 < row[1] <= 1 for row in links.values())
    assert stories == clusters == len({a.story_id for a in day1(key)})
    assert canonical_similarity == {1.0}


def test_canonical_rechosen_when_originals_arrive_after_copies(conn, key) -> None:
    articles = key.articles  # both nights' articles, with their first-night text
    copies = [a for a in articles if not a.is_original]
    ids = load_key_articles(conn, copies)
    dedup(conn)
    before = stored_clusters(conn)
    ids = load_key_articles(conn, articles)
    summary = dedup(conn)
    after = stored_clusters(conn)
    originals = {a.url: ids[a.url] for a in articles if a.is_original}
    for a in copies:
        cluster, canonical = after[ids[a.url]]
        assert canonical == originals[a.copy_of], a.url
    assert summary.canonicals_rechosen >= 1
    # the copies' cluster rows were kept: re-chosen, not dropped and recreated
    kept = {before[ids[a.url]][0] for a in copies} & {after[ids[a.url]][0] for a in copies}
    assert len(kept) >= summary.canonicals_rechosen
    scores = pairwise_scores(conn, articles, ids)
    assert scores["wrong"] == [] and scores["missed"] == [] and scores["misplaced_originals"] == []


SNAPSHOT = {
    "fingerprints": "select xmin::text, article_id, text_hash, signature from news.fingerprints",
    "lsh_buckets": "select xmin::text, band, bucket, article_id from news.lsh_buckets",
    "dedup_matches": "select xmin::text, * from news.dedup_matches",
    "clusters": "select xmin::text, cluster_id, canonical_article_id, updated_at from news.clusters",
    "cluster_members": "select xmin::text, * from news.cluster_members",
}


def snapshot(conn) -> dict[str, list[tuple]]:
    with conn, conn.cursor() as cur:
        out = {}
        for table, query in SNAPSHOT.items():
            cur.execute(query + " order by 2, 3")
            out[table] = cur.fetchall()
        return out


def memberships(conn) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for article_id, (cluster_id, _) in stored_clusters(conn).items():
        groups.setdefault(cluster_id, set()).add(article_id)
    return {frozenset(g) for g in groups.values()}


def test_rerun_changes_nothing_and_rebuild_gives_the_same_clusters(conn, key) -> None:
    load_key_articles(conn, day1(key))
    dedup(conn, batch_size=30)
    load_key_articles(conn, key.articles_on(2), day=2)
    dedup(conn, batch_size=30)
    before = snapshot(conn)
    again = dedup(conn)
    assert (again.articles_fingerprinted, again.links, again.copies_linked, again.clusters_new) == (0, 0, 0, 0)
    assert snapshot(conn) == before
    incremental = memberships(conn)
    canonicals = {canonical for _, canonical in stored_clusters(conn).values()}
    rebuilt = dedup(conn, rebuild=True)
    assert rebuilt.articles_fingerprinted == len(key.articles_on(2))
    assert memberships(conn) == incremental
    assert {canonical for _, canonical in stored_clusters(conn).values()} == canonicals


def _set_text(conn, article_id: int, text: str) -> None:
    import hashlib

    with conn, conn.cursor() as cur:
        cur.execute(
            "update news.articles set text = %s, word_count = %s, text_hash = %s where article_id = %s",
            (text, len(text.split()), hashlib.sha256(text.encode()).digest(), article_id),
        )


def test_updated_text_is_refingerprinted_and_reclustered(conn, key) -> None:
    ids = load_key_articles(conn, day1(key))
    dedup(conn)
    copy = next(a for a in day1(key) if a.copy_type == "edited")
    original = ids[copy.copy_of]
    unrelated = next(a for a in day1(key) if a.is_original and a.story_id != copy.story_id
                     and not a.distractor and a.word_count > 300)
    # the copy's URL now carries a different story: it leaves the cluster
    _set_text(conn, ids[copy.url], "\n".join(unrelated.text[::-1]) + "\nA new closing line.")
    summary = dedup(conn)
    assert summary.articles_fingerprinted == 1
    stored = stored_clusters(conn)
    assert stored[ids[copy.url]][1] != original
    with conn.cursor() as cur:
        cur.execute("select f.text_hash = a.text_hash from news.fingerprints as f "
                    "join news.articles as a using (article_id) where article_id = %s", (ids[copy.url],))
        assert cur.fetchone() == (True,)
    # a reversed paragraph order keeps most 5-word shingles: it now sits with the unrelated story
    assert stored[ids[copy.url]][1] == ids[unrelated.url]
    # and back: the copy text again joins its original
    _set_text(conn, ids[copy.url], "\n".join(copy.text))
    dedup(conn)
    assert stored_clusters(conn)[ids[copy.url]][1] == original


WORDS = ("harbour council budget tram strike river school ferry hospital vote storm mayor "
         "bridge museum airport union police festival market library court farm rail").split()


def _story(seed: int, n: int = 220) -> str:
    import random

    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randint(0, 99)) for _ in range(n))


def _load_texts(conn, texts: list[tuple[str, str, str, str]]) -> dict[str, int]:
    """(url, source, kind, published_at, text) rows as key-like records."""
    from types import SimpleNamespace

    records = [SimpleNamespace(url=url, source=src, outlet=src, kind=kind, title=url, byline=None,
                               published_at=pub, text=[text], day=1, day2=None)
               for url, src, kind, pub, text in texts]
    return load_key_articles(conn, records)


def test_no_chaining_through_a_roundup(conn) -> None:
    a, c = _story(1), _story(2)
    ids = _load_texts(conn, [
        ("https://a.example/1", "outlet-a", "wire", "2026-11-20T08:00:00Z", a),
        ("https://c.example/1", "outlet-c", "tabloid", "2026-11-20T09:00:00Z", c),
        # a later roundup pasting both stories whole: it contains each of them
        ("https://b.example/1", "outlet-b", "aggregator", "2026-11-20T10:00:00Z", a + "\n" + c),
    ])
    summary = dedup(conn)
    assert summary.links == 2  # a-b and c-b, not a-c
    stored = stored_clusters(conn)
    a_id, b_id, c_id = ids["https://a.example/1"], ids["https://b.example/1"], ids["https://c.example/1"]
    assert stored[a_id][0] != stored[c_id][0]
    assert stored[b_id][0] in (stored[a_id][0], stored[c_id][0])


def test_source_link_counts_only_with_overlapping_text(conn) -> None:
    story, other = _story(3, 400), _story(4, 400)
    half = " ".join(story.split()[:240])  # 60% of the story, then 400 words of its own: J ~0.3, containment ~0.6
    _load_texts(conn, [
        ("https://tab.example/story", "tab", "tabloid", "2026-11-20T08:00:00Z", story),
        ("https://tab.example/other", "tab", "tabloid", "2026-11-20T08:30:00Z", other),
        ("https://agg.example/1", "agg", "aggregator", "2026-11-20T09:00:00Z", half + " " + _story(5, 400)),
        ("https://agg.example/2", "agg", "aggregator", "2026-11-20T09:00:00Z", _story(6, 300)),
    ])
    with conn, conn.cursor() as cur:
        cur.execute("update news.articles set source_link = 'https://tab.example/story' "
                    "where canonical_url = 'https://agg.example/1'")
        cur.execute("update news.articles set source_link = 'https://tab.example/other' "
                    "where canonical_url = 'https://agg.example/2'")  # a wrong link
    dedup(conn)
    with conn.cursor() as cur:
        cur.execute("select copy_url, original_url, method from news.syndication")
        assert cur.fetchall() == [("https://agg.example/1", "https://tab.example/story", "source-link")]


def test_duplicates_found_per_run_and_cli(conn, key, capsys) -> None:
    from pipeline.cli import main

    ids = load_key_articles(conn, day1(key))
    with conn, conn.cursor() as cur:
        cur.execute("insert into news.crawl_runs (trigger) values ('test') returning run_id")
        (run_id,) = cur.fetchone()
        cur.execute("update news.pages set run_id = %s", (run_id,))
    assert main(["dedup", "--run-id", str(run_id)]) == 0
    assert f"{len(ids)} articles fingerprinted" in capsys.readouterr().out
    with conn.cursor() as cur:
        cur.execute("select sum(duplicates_found) from news.crawl_run_sources where run_id = %s", (run_id,))
        (found,) = cur.fetchone()
    stories = {a.story_id for a in day1(key)}
    assert found == len(day1(key)) - len(stories)  # every article but one per story is a copy


def test_tie_on_publication_goes_to_the_first_fetched_even_after_it_is_edited(conn) -> None:
    story = _story(7, 400)
    ids = _load_texts(conn, [
        ("https://first.example/1", "first", "tabloid", "2026-11-20T08:00:00Z", story),
        ("https://second.example/1", "second", "tabloid", "2026-11-20T08:00:00Z", story),
    ])
    first, second = ids["https://first.example/1"], ids["https://second.example/1"]
    with conn, conn.cursor() as cur:  # fetched in this order on two nights
        cur.execute("update news.articles set first_seen_at = now() - interval '2 days' where article_id = %s", (first,))
        cur.execute("update news.articles set first_seen_at = now() - interval '1 day' where article_id = %s", (second,))
        # the first article's page is fetched again later (an edit): its current page is the newest
        cur.execute("update news.pages set fetched_at = now() where page_id = "
                    "(select page_id from news.articles where article_id = %s)", (first,))
    dedup(conn)
    stored = stored_clusters(conn)
    assert stored[first][0] == stored[second][0]
    with conn.cursor() as cur:
        cur.execute("select canonical_article_id from news.clusters where cluster_id = %s", (stored[first][0],))
        assert cur.fetchone() == (first,)


def test_worker_batches_match_one_batch(conn, key) -> None:
    """Many batches (the next one fingerprinted by the worker process, candidates probed
    against stored history, pairs within a batch found in memory) give the clusters and
    the matches one in-process batch gives."""

    def state():
        with conn.cursor() as cur:
            cur.execute("select article_id, other_id, method from news.dedup_matches order by 1, 2")
            matches = cur.fetchall()
            cur.execute("select count(*) from news.lsh_buckets")
            canonicals = {a: c for a, (_, c) in stored_clusters(conn).items()}
            return matches, canonicals, cur.fetchone()[0]

    load_key_articles(conn, day1(key), day=1)
    one = dedup(conn)
    single = state()
    many = dedup(conn, rebuild=True, batch_size=7)
    assert many.articles_fingerprinted == one.articles_fingerprinted > 7
    assert state() == single
    assert single[0]


def test_deleting_an_article_deletes_its_bucket_rows(conn, key) -> None:
    load_key_articles(conn, day1(key), day=1)
    dedup(conn)
    with conn, conn.cursor() as cur:
        # copies (a cluster's canonical is referenced by news.clusters)
        cur.execute("select m.article_id from news.cluster_members as m"
                    " join news.clusters as c using (cluster_id)"
                    " where c.canonical_article_id <> m.article_id order by 1 limit 3")
        gone = [row[0] for row in cur.fetchall()]
        assert gone
        cur.execute("select count(*) from news.lsh_buckets where article_id = any(%s)", (gone,))
        assert cur.fetchone()[0] > 0
        cur.execute("delete from news.articles where article_id = any(%s)", (gone,))
        cur.execute("select count(*) from news.lsh_buckets where article_id = any(%s)", (gone,))
        assert cur.fetchone()[0] == 0
