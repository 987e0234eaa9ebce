-- news.corpus: one row per story, the canonical (original) article of each cluster (contract view).
-- copies/outlets are computed per cluster in a lateral subquery, so a query that selects a
-- few stories (by date, id or search) reads only their members, never the whole table.
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
    story.copies,
    story.outlets
from news.clusters as c
join news.articles as a on a.article_id = c.canonical_article_id
join news.sources as s on s.name = a.source
cross join lateral (
    select
        (count(*) filter (where m.article_id <> c.canonical_article_id))::integer as copies,
        array_agg(distinct member_source.outlet order by member_source.outlet)     as outlets
    from news.cluster_members as m
    join news.articles as member on member.article_id = m.article_id
    join news.sources as member_source on member_source.name = member.source
    where m.cluster_id = c.cluster_id
) as story
where a.is_article;
