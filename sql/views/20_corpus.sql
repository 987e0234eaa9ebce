-- news.corpus: one row per story, the canonical (original) article of each cluster (contract view)
create or replace view news.corpus as
with cluster_outlets as (
    select
        m.cluster_id,
        count(*) - 1                          as copies,
        array_agg(distinct s.outlet order by s.outlet) as outlets
    from news.cluster_members as m
    join news.articles as a on a.article_id = m.article_id
    join news.sources as s on s.name = a.source
    group by m.cluster_id
)
select
    c.cluster_id,
    a.article_id,
    a.canonical_url   as url,
    a.source,
    s.outlet,
    s.kind,
    a.title,
    a.byline,
    a.published_at,
    a.language,
    a.text,
    a.word_count,
    co.copies::integer as copies,
    co.outlets
from news.clusters as c
join news.articles as a on a.article_id = c.canonical_article_id
join news.sources as s on s.name = a.source
join cluster_outlets as co on co.cluster_id = c.cluster_id
where a.is_article;
