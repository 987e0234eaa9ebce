-- news.crawl_report: one row per crawl run and source (contract view)
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
