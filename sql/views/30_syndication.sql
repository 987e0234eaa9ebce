-- news.syndication: one row per copy, linked to its cluster's original (contract view).
-- Columns after `lag` are additions: filter by kind ("wire stories in tabloids") or by when
-- the copy ran without joining back to news.all_articles.
create or replace view news.syndication as
select
    copy.article_id          as copy_article_id,
    copy.canonical_url       as copy_url,
    copy_source.outlet       as copy_outlet,
    original.article_id      as original_article_id,
    original.canonical_url   as original_url,
    original_source.outlet   as original_outlet,
    m.similarity,
    m.method,
    copy.published_at - original.published_at as lag,
    m.cluster_id,
    copy_source.kind         as copy_kind,
    original_source.kind     as original_kind,
    copy.published_at        as copy_published_at,
    original.published_at    as original_published_at
from news.cluster_members as m
join news.clusters as c on c.cluster_id = m.cluster_id
join news.articles as copy on copy.article_id = m.article_id
join news.articles as original on original.article_id = c.canonical_article_id
join news.sources as copy_source on copy_source.name = copy.source
join news.sources as original_source on original_source.name = original.source
where m.article_id <> c.canonical_article_id
  and copy.is_article;
