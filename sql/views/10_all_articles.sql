-- news.all_articles: one row per article, copies included (contract view)
create or replace view news.all_articles as
select
    a.article_id,
    a.canonical_url                         as url,
    a.source,
    s.outlet,
    s.kind,
    a.title,
    a.byline,
    a.published_at,
    p.fetched_at,
    a.language,
    a.text,
    a.word_count,
    m.cluster_id,
    coalesce(c.canonical_article_id = a.article_id, true) as is_canonical,
    case when c.canonical_article_id = a.article_id then 1.0::real else m.similarity end as similarity
from news.articles as a
join news.sources as s on s.name = a.source
join news.pages as p on p.page_id = a.page_id
left join news.cluster_members as m on m.article_id = a.article_id
left join news.clusters as c on c.cluster_id = m.cluster_id
where a.is_article;
