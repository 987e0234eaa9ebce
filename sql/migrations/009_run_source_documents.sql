-- 009: a source's feed/sitemap fetches per crawl run. A night on which an outlet is
-- unreachable (DNS, connection refused, robots.txt unreachable) stores no page row at all,
-- so "every fetch failed" must also count the discovery documents that failed before any
-- page was fetched (pipeline.health reads these columns).
alter table news.crawl_run_sources
    add column if not exists documents_ok     integer not null default 0 check (documents_ok >= 0),
    add column if not exists documents_failed integer not null default 0 check (documents_failed >= 0),
    -- the first few reasons ("https://x/feed.xml: ConnectionRefusedError: ..."), for the report
    add column if not exists document_errors  text[] not null default '{}';
