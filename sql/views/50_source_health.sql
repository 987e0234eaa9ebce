-- news.source_health: per source and night (UTC date of fetch), how healthy the crawl was
create or replace view news.source_health as
with page_nights as (
    select
        p.source,
        (p.fetched_at at time zone 'UTC')::date            as night,
        count(*)                                             as pages_fetched,
        count(*) filter (where p.status not between 200 and 299 or p.body_hash is null) as pages_failed,
        count(*) filter (where p.status in (403, 429))       as pages_blocked
    from news.pages as p
    group by 1, 2
),
article_nights as (
    select
        a.source,
        (p.fetched_at at time zone 'UTC')::date              as night,
        count(*)                                             as articles,
        count(*) filter (where a.word_count = 0)             as empty_text,
        count(*) filter (where a.published_at is null)       as undated,
        count(*) filter (where c.canonical_article_id is distinct from a.article_id
                          and m.article_id is not null)      as copies
    from news.articles as a
    join news.pages as p on p.page_id = a.page_id
    left join news.cluster_members as m on m.article_id = a.article_id
    left join news.clusters as c on c.cluster_id = m.cluster_id
    where a.is_article
    group by 1, 2
)
select
    pn.source,
    pn.night,
    pn.pages_fetched,
    pn.pages_failed,
    round(pn.pages_blocked::numeric / nullif(pn.pages_fetched, 0), 3)   as blocked_share,
    coalesce(an.articles, 0)                                            as articles,
    round(an.empty_text::numeric / nullif(an.articles, 0), 3)          as empty_share,
    round(an.undated::numeric / nullif(an.articles, 0), 3)             as undated_share,
    round(an.copies::numeric / nullif(an.articles, 0), 3)              as copy_share
from page_nights as pn
left join article_nights as an on an.source = pn.source and an.night = pn.night;
