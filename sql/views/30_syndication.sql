-- news.syndication: one row per copy, linked to its cluster's original (contract view)
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
    copy.published_at - original.published_at as lag
from news.cluster_members as m
join news.clusters as c on c.cluster_id = m.cluster_id
join news.articles as copy on copy.article_id = m.article_id
join news.articles as original on original.article_id = c.canonical_article_id
join news.sources as copy_source on copy_source.name = copy.source
join news.sources as original_source on original_source.name = original.source
where m.article_id <> c.canonical_article_id;
