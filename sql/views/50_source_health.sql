-- news.source_health: per source and night (UTC date of fetch), how healthy the crawl was.
-- One grouped scan of that night's pages with their articles, so a filter on `night` (a
-- grouping column) is pushed down to pages_night_idx: the last 7 nights read 7 nights.
-- Shares are over pages_fetched (blocked) or articles (the rest); the counts next to them
-- let operators check the arithmetic. Furniture markers live in news.furniture_markers; what
-- each article holds is cached in news.article_furniture (see 45_article_furniture.sql).
-- Which source a fetch counts for (the one definition news.crawl_report shares): the source
-- that ANNOUNCED it, i.e. whose feed or sitemap listed the URL and whose crawl fetched it.
-- A page redirected onto another configured outlet's host is stored under that outlet
-- (news.pages.source, and its article's source), but is counted here, with what its article
-- shows, for the announcing source: the owner of the announced URL's host (pipeline/urls.owns:
-- the host or a subdomain of one of the source's domains, 'www.' on a domain naming the whole
-- site; the longest matching domain wins). Pages fetched where they were announced
-- (url = final_url) are the page's own source without any lookup.
create or replace view news.source_health as
with page_articles as (
    select
        coalesce(announcer.name, p.source)                          as source,
        (p.fetched_at at time zone 'UTC')::date                     as night,
        p.page_id,
        p.status,
        p.error like 'refused: %'                                   as refused,
        p.body_hash is not null                                     as has_body,
        p.fetched_at,
        p.lastmod,
        a.article_id,
        a.word_count,
        a.published_at,
        (m.article_id is not null
         and c.canonical_article_id is distinct from a.article_id)  as is_copy,
        case
            when cached.article_id is not null then cardinality(cached.markers) > 0
            when a.article_id is not null then exists (  -- by id: keeps text out of the sort
                select from news.articles as uncached
                join news.furniture_markers as f on strpos(uncached.text, f.marker) > 0
                where uncached.article_id = a.article_id)
        end                                                         as has_furniture
    from news.pages as p
    left join lateral (
        select s.name
        from news.sources as s
        cross join lateral unnest(s.domains) as d(domain)
        cross join lateral (
            select lower(substring(p.url from '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^]]*\]|[^:/?#]*)'))
                       as host,
                   case when lower(rtrim(d.domain, '.')) like 'www.%.%'
                        then substr(lower(rtrim(d.domain, '.')), 5)
                        else lower(rtrim(d.domain, '.')) end as site
        ) as h
        where p.url <> p.final_url
          and (rtrim(trim(both '[]' from h.host), '.') = h.site
               or rtrim(h.host, '.') like '%.' || h.site)
        order by length(h.site) desc, s.name
        limit 1
    ) as announcer on true
    left join news.articles as a on a.page_id = p.page_id and a.is_article
    left join news.cluster_members as m on m.article_id = a.article_id
    left join news.clusters as c on c.cluster_id = m.cluster_id
    left join news.article_furniture as cached
        on cached.article_id = a.article_id and cached.text_hash = a.text_hash
),
nightly as (
    select
        source,
        night,
        count(distinct page_id)                                                  as pages_fetched,
        count(distinct page_id) filter (where status not between 200 and 299 or not has_body)
                                                                                 as pages_failed,
        count(distinct page_id) filter (where status in (403, 429))              as pages_blocked,
        count(article_id)                                                        as articles,
        count(article_id) filter (where word_count = 0)                          as empty_text,
        count(article_id) filter (where published_at is null)                    as undated,
        count(article_id) filter (where is_copy)                                 as copies,
        count(article_id) filter (where has_furniture)                           as furniture_articles,
        count(article_id) filter (where published_at > fetched_at)               as published_after_fetched,
        count(article_id) filter (where published_at > now())                    as published_in_future,
        count(article_id) filter (where published_at - lastmod > interval '2 days'
                                     or lastmod - published_at > interval '2 days')
                                                                                 as far_from_lastmod,
        count(distinct page_id) filter (where refused)                           as pages_refused
    from page_articles
    group by source, night
),
-- announced URLs discovery dropped (no link, off the domains, not an article URL…), per
-- reason, as the night's LAST crawl of the source counted them (news.crawl_report.urls_dropped
-- of that run). Every crawl reads the whole feed again and drops the same URLs again, so
-- summing two runs of one night counted each dropped URL twice; drops are counted per item
-- read, without a URL to tell them apart ("no link"), so one run's count is the night's.
-- A run that read nothing of the source (no announcement, no drop: feeds unreachable) does
-- not replace an earlier run's count. A source whose every announcement was dropped has no
-- pages that night and still gets a row, with its reasons.
dropped as (
    select distinct on (rs.source, night.night) rs.source, night.night, rs.urls_dropped
    from news.crawl_run_sources as rs
    join news.crawl_runs as r on r.run_id = rs.run_id
    cross join lateral (select (r.started_at at time zone 'UTC')::date as night) as night
    where rs.urls_announced > 0 or rs.urls_dropped <> '{}'::jsonb
    order by rs.source, night.night, r.started_at desc, r.run_id desc
)
select
    n.source,
    n.night,
    pages_fetched,
    pages_failed,
    round(pages_blocked::numeric / nullif(pages_fetched, 0), 3)   as blocked_share,
    articles,
    round(empty_text::numeric / nullif(articles, 0), 3)           as empty_share,
    round(undated::numeric / nullif(articles, 0), 3)              as undated_share,
    round(copies::numeric / nullif(articles, 0), 3)               as copy_share,
    pages_blocked,
    empty_text,
    undated,
    copies,
    furniture_articles,
    published_after_fetched,
    published_in_future,
    far_from_lastmod,
    pages_refused,   -- page fetches the SSRF guard refused (reason in news.pages.error)
    coalesce(d.urls_dropped, '{}'::jsonb)                         as urls_dropped
from nightly as n
left join dropped as d on d.source = n.source and d.night = n.night
union all
select
    d.source, d.night, 0, 0, null, 0, null, null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, d.urls_dropped
from dropped as d
where d.urls_dropped <> '{}'::jsonb
  and not exists (
    select from news.pages as p
    where (p.fetched_at at time zone 'UTC')::date = d.night  -- pages_night_idx
      and p.source = d.source
);
