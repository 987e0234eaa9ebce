"""The researcher views: contract columns and meanings on the answer-key corpus, index-ready
plans, and the news_reader role reading exactly the views and nothing else."""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import pytest

from pipeline.db import reader_url

from tests.plugins.answer_key import LoadedKey

CONTRACT_COLUMNS = {
    "corpus": ["cluster_id", "article_id", "url", "source", "outlet", "kind", "title", "byline",
               "published_at", "language", "text", "word_count", "copies", "outlets"],
    "all_articles": ["article_id", "url", "source", "outlet", "kind", "title", "byline", "published_at",
                     "fetched_at", "language", "text", "word_count", "cluster_id", "is_canonical",
                     "similarity"],
    "syndication": ["copy_article_id", "copy_url", "copy_outlet", "original_article_id", "original_url",
                    "original_outlet", "similarity", "lag"],
    "crawl_report": ["run_id", "started_at", "finished_at", "status", "source", "pages_fetched",
                     "pages_failed", "articles_new", "articles_updated", "duplicates_found"],
}
READER_VIEWS = {"story", "corpus", "all_articles", "syndication", "crawl_report", "source_health", "article_versions"}


def _query(conn, sql: str, params=None) -> list[tuple]:
    with conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.mark.parametrize("view", list(CONTRACT_COLUMNS))
def test_contract_columns_are_all_there(key_conn, view: str) -> None:
    rows = _query(key_conn, "select column_name from information_schema.columns"
                            " where table_schema = 'news' and table_name = %s", (view,))
    assert set(CONTRACT_COLUMNS[view]) <= {r[0] for r in rows}


def test_corpus_is_one_row_per_story_its_original(key_conn, key_database: LoadedKey) -> None:
    key = key_database.key
    rows = _query(key_conn, "select url, copies, outlets from news.corpus")
    stories = key.stories()
    assert sorted(r[0] for r in rows) == sorted(a.url for a in key if a.is_original)
    by_original = {next(a.url for a in s if a.is_original): s for s in stories.values()}
    for url, copies, outlets in rows:
        assert copies == len(by_original[url]) - 1
        assert outlets == sorted({a.outlet for a in by_original[url]})


def test_all_articles_marks_canonicals_and_similarity(key_conn, key_database: LoadedKey) -> None:
    rows = _query(key_conn, "select url, is_canonical, similarity, cluster_id from news.all_articles")
    key = key_database.key
    assert len(rows) == len(key)
    for url, is_canonical, similarity, cluster_id in rows:
        article = key.by_url(url)
        assert is_canonical == article.is_original
        assert cluster_id == key_database.cluster_ids[article.story_id]
        assert (similarity == 1.0) if is_canonical else (0 < similarity <= 1)


def test_syndication_links_every_copy_to_its_original(key_conn, key_database: LoadedKey) -> None:
    rows = _query(key_conn, "select copy_url, original_url, lag, copy_published_at - original_published_at"
                            " from news.syndication")
    assert {(r[0], r[1]) for r in rows} == key_database.key.duplicate_pairs()
    assert all(r[2] == r[3] for r in rows)


def test_unclustered_articles_count_as_their_own_canonical(conn) -> None:
    with conn, conn.cursor() as cur:
        cur.execute("insert into news.sources (name, outlet, kind) values ('wire', 'Wire', 'wire')")
        cur.execute("insert into news.pages (source, url, final_url, status) values ('wire', 'u', 'u', 200)"
                    " returning page_id")
        page_id = cur.fetchone()[0]
        cur.execute("insert into news.articles (canonical_url, source, page_id, text, word_count, text_hash,"
                    " extractor_version) values ('u', 'wire', %s, 'a b', 2, sha256('x'), 't')", (page_id,))
    assert _query(conn, "select is_canonical, cluster_id from news.all_articles") == [(True, None)]
    assert _query(conn, "select count(*) from news.corpus") == [(0,)]


@pytest.mark.parametrize(
    ("sql", "indexes"),
    [
        ("select * from news.all_articles where search_vector @@ websearch_to_tsquery('english', 'crisis')",
         {"articles_search_idx"}),
        ("select * from news.source_health where night >= (now() at time zone 'UTC')::date - 7",
         {"pages_night_idx"}),
        ("select * from news.article_versions where url = 'x'", {"pages_url_fetched_idx"}),
        ("select * from news.corpus where published_at >= now() - interval '7 days'",
         {"articles_published_idx", "articles_source_published_idx"}),
        ("select * from news.all_articles where cluster_id = 1", {"cluster_members_cluster_idx"}),
    ],
)
def test_cookbook_filters_can_use_an_index(key_conn, sql: str, indexes: set[str]) -> None:
    """The plan shape, not speed (a tiny table would rather be scanned): with full scans
    priced out, the filter must be answerable from an index. bench/queries.py shows the
    plans and times on 100,000 articles."""
    with key_conn, key_conn.cursor() as cur:
        cur.execute("set local enable_seqscan = off")
        cur.execute("set local enable_indexscan = off")  # bitmap scans name the index they filter with
        cur.execute("explain " + sql)
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert any(f"Bitmap Index Scan on {index}" in plan for index in indexes), plan


def test_reader_can_select_exactly_the_views(key_database: LoadedKey) -> None:
    conn = psycopg2.connect(key_database.url)
    try:
        rows = _query(conn, """
            select c.relname, c.relkind
            from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = 'news' and has_table_privilege('news_reader', c.oid, 'select')
        """)
        writable = _query(conn, """
            select c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname = 'news' and c.relkind in ('r', 'v', 'm', 'p')
              and (has_table_privilege('news_reader', c.oid, 'insert')
                   or has_table_privilege('news_reader', c.oid, 'update')
                   or has_table_privilege('news_reader', c.oid, 'delete'))
        """)
    finally:
        conn.close()
    assert {name for name, _ in rows} == READER_VIEWS
    assert {kind for _, kind in rows} == {"v"}
    assert writable == []


@pytest.mark.parametrize(
    "statement",
    ["select * from news.furniture_markers", "select * from news.pages",
     "select search_tsv from news.articles", "delete from news.furniture_markers"],
)
def test_reader_cannot_reach_the_tables_behind_the_views(key_database: LoadedKey, statement: str) -> None:
    conn = psycopg2.connect(reader_url(key_database.url))
    conn.autocommit = True
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute(statement)
    finally:
        conn.close()
