-- news.crawl_report: one row per crawl run and source (contract view).
-- A fetch counts for the source that ANNOUNCED it (whose feed or sitemap listed the URL, whose
-- crawl fetched it: spiders.pipelines counts item.announced_by), also when a redirect took it
-- onto another configured outlet's host and the page is stored under that outlet. The same
-- definition as news.source_health (50_source_health.sql), so the two never disagree on a redirect.
create or replace view news.crawl_report as
select
    r.run_id,
    r.started_at,
    r.finished_at,
    r.status,
    rs.source,
    rs.pages_fetched,
    rs.pages_failed,
    rs.articles_new,
    rs.articles_updated,
    rs.duplicates_found,
    rs.requests_refused,  -- SSRF guard refusals (pipeline/netguard.py), added by 010
    rs.urls_announced,
    rs.urls_dropped       -- announced URLs not fetched, per reason (011)
from news.crawl_runs as r
join news.crawl_run_sources as rs on rs.run_id = r.run_id;
