-- news.corpus: one row per story, the canonical (original) article of each cluster (contract view).
-- authors … paywalled (after outlets): added in round two (011).
-- copies/outlets come from news.story (15_story.sql: the rule, written once; evaluated only
-- for the rows a query returns). Only clustered stories: an article dedup has not seen yet
-- is not in news.corpus.
create or replace view news.corpus as
select
    st.cluster_id,
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
    st.copies,
    st.outlets,
    a.authors,
    a.credit,
    a.modified_at,
    a.site_name,
    a.categories,
    a.flags,
    a.paywalled
from news.story as st
join news.articles as a on a.article_id = st.canonical_article_id
join news.sources as s on s.name = a.source
where a.is_article
  and st.cluster_id is not null;
