-- 001: the news schema. Every table has the natural key its loader upserts on, so a re-run
-- of any stage updates rows instead of duplicating them, and foreign keys make bugs loud.

create schema if not exists news;

-- one row per configured outlet, upserted from sources.yaml at every crawl
create table news.sources (
    name        text primary key check (name ~ '^[a-z0-9][a-z0-9-]*$'),
    outlet      text not null,
    kind        text not null check (kind in ('tabloid', 'wire', 'broadsheet', 'aggregator', 'other')),
    country     text,
    domains     text[] not null default '{}',
    updated_at  timestamptz not null default now()
);

-- one row per run of a stage that fetches (crawl, run, Airflow DAG run)
create table news.crawl_runs (
    run_id       bigint generated always as identity primary key,
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    status       text not null default 'running'
                 check (status in ('running', 'succeeded', 'failed', 'interrupted')),
    trigger      text not null default 'cli',   -- cli | airflow | demo | test
    error        text,
    report       jsonb,
    check (finished_at is null or finished_at >= started_at),
    check ((status = 'running') = (finished_at is null))
);
create index crawl_runs_started_idx on news.crawl_runs (started_at desc);

-- per run and source counters, written as the crawl goes and finalised at its end
create table news.crawl_run_sources (
    run_id            bigint not null references news.crawl_runs on delete cascade,
    source            text not null references news.sources,
    pages_fetched     integer not null default 0 check (pages_fetched >= 0),
    pages_failed      integer not null default 0 check (pages_failed >= 0),
    pages_new         integer not null default 0 check (pages_new >= 0),
    pages_updated     integer not null default 0 check (pages_updated >= 0),
    articles_new      integer not null default 0 check (articles_new >= 0),
    articles_updated  integer not null default 0 check (articles_updated >= 0),
    duplicates_found  integer not null default 0 check (duplicates_found >= 0),
    bytes             bigint not null default 0 check (bytes >= 0),
    primary key (run_id, source)
);

-- every fetch, raw body kept (zlib) so history can be re-cleaned without re-crawling.
-- An unchanged page (same url, same body hash) is stored once; failures have no body.
create table news.pages (
    page_id        bigint generated always as identity primary key,
    run_id         bigint references news.crawl_runs on delete set null,
    source         text not null references news.sources,
    url            text not null,           -- normalised URL as discovered
    final_url      text not null,           -- after redirects
    canonical_url  text,                    -- <link rel=canonical>, when the page has one
    status         smallint not null check (status between 0 and 999),  -- 0: no HTTP response
    content_type   text,
    body_zlib      bytea,
    body_hash      bytea check (body_hash is null or octet_length(body_hash) = 32),  -- sha256 of body
    body_bytes     integer check (body_bytes >= 0),
    lastmod        timestamptz,             -- what the feed or sitemap announced
    error          text,                    -- why a fetch failed
    fetched_at     timestamptz not null default now(),
    check ((body_zlib is null) = (body_hash is null)),
    unique (url, body_hash)
);
create index pages_url_fetched_idx on news.pages (url, fetched_at desc);
create index pages_source_fetched_idx on news.pages (source, fetched_at);
create index pages_run_idx on news.pages (run_id);

-- one row per canonical URL holding its latest version; earlier versions stay in news.pages
create table news.articles (
    article_id         bigint generated always as identity primary key,
    canonical_url      text not null unique,
    source             text not null references news.sources,
    page_id            bigint not null references news.pages,
    title              text,
    byline             text,
    published_at       timestamptz,
    language           text,
    site_name          text,
    categories         text[] not null default '{}',
    text               text not null,
    word_count         integer not null check (word_count >= 0),
    text_hash          bytea not null check (octet_length(text_hash) = 32),
    extractor_version  text not null,
    flags              text[] not null default '{}',   -- quality flags: too_short, not_article, ...
    is_article         boolean not null default true,
    first_seen_at      timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);
create index articles_source_published_idx on news.articles (source, published_at);
create index articles_published_idx on news.articles (published_at);
create index articles_page_idx on news.articles (page_id);

-- MinHash signature of an article's current text (text_hash tells which version)
create table news.fingerprints (
    article_id     bigint primary key references news.articles on delete cascade,
    text_hash      bytea not null,
    num_perm       smallint not null check (num_perm > 0),
    signature      bytea not null,
    shingle_count  integer not null check (shingle_count >= 0),
    created_at     timestamptz not null default now()
);

-- LSH band buckets: candidates of an article are the rows sharing a (band, bucket)
create table news.lsh_buckets (
    band        smallint not null check (band >= 0),
    bucket      bigint not null,
    article_id  bigint not null references news.articles on delete cascade,
    primary key (band, bucket, article_id)
);
create index lsh_buckets_article_idx on news.lsh_buckets (article_id);

-- a story: its canonical article is the original (earliest published, non-aggregator, earliest fetched)
create table news.clusters (
    cluster_id            bigint generated always as identity primary key,
    canonical_article_id  bigint not null unique references news.articles,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now()
);

-- every deduplicated article belongs to exactly one cluster (singletons included)
create table news.cluster_members (
    article_id           bigint primary key references news.articles on delete cascade,
    cluster_id           bigint not null references news.clusters on delete cascade,
    matched_article_id   bigint references news.articles,  -- the article it matched best; null for the first
    similarity           real not null check (similarity between 0 and 1),
    method               text not null
                         check (method in ('self', 'minhash', 'containment', 'canonical-link', 'source-link')),
    matched_at           timestamptz not null default now()
);
create index cluster_members_cluster_idx on news.cluster_members (cluster_id);

-- the researchers' role: SELECT on the contract views only (granted in sql/views/)
do $$
begin
    if not exists (select from pg_roles where rolname = 'news_reader') then
        create role news_reader login;
    end if;
exception when duplicate_object or unique_violation then
    null;  -- created concurrently by a migration of another database on this server
end
$$;
