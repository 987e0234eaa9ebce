-- news.corpus: one row per story, the canonical (original) article of each cluster (contract view).
-- authors … paywalled (after outlets): added in round two (011).
-- copies/outlets are scalar subqueries over the cluster's members: PostgreSQL evaluates them
-- only for the rows a query returns, and not at all when it does not select them, so
-- "stories per day" or a search joined on cluster_id never aggregates the whole table.
create or replace view news.corpus as
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
    (select count(*)::integer
     from news.cluster_members as m
     where m.cluster_id = c.cluster_id
       and m.article_id <> c.canonical_article_id)                         as copies,
    (select array_agg(distinct member_source.outlet order by member_source.outlet)
     from news.cluster_members as m
     join news.articles as member on member.article_id = m.article_id
     join news.sources as member_source on member_source.name = member.source
     where m.cluster_id = c.cluster_id)                                     as outlets,
    a.authors,
    a.credit,
    a.modified_at,
    a.site_name,
    a.categories,
    a.flags,
    a.paywalled
from news.clusters as c
join news.articles as a on a.article_id = c.canonical_article_id
join news.sources as s on s.name = a.source
where a.is_article;
