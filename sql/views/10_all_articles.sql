-- news.all_articles: one row per article, copies included (contract view).
-- authors/credit/modified_at/site_name/categories/flags/paywalled: added in round two (011).
-- cluster_id/similarity are null until `newscorpus dedup` has seen the article; an article
-- not yet deduplicated counts as its own canonical. search_vector (title weight A, text
-- weight B, 'english') is what full-text queries match with @@ websearch_to_tsquery(...).
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
    case when c.canonical_article_id = a.article_id then 1.0::real else m.similarity end as similarity,
    a.search_tsv                            as search_vector,
    m.method                                as match_method,
    a.authors,
    a.credit,
    a.modified_at,
    a.site_name,
    a.categories,
    a.flags,
    a.paywalled
from news.articles as a
join news.sources as s on s.name = a.source
join news.pages as p on p.page_id = a.page_id
left join news.cluster_members as m on m.article_id = a.article_id
left join news.clusters as c on c.cluster_id = m.cluster_id
where a.is_article;
