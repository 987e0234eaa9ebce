-- 011: metadata researchers can trust (issue 13), and the announcements discovery dropped.
--
-- news.articles: `byline` now holds the person names (", "-joined); `authors` the same names
-- as a list in page order, `byline_raw` the byline(s) as printed, `credit` the agency/desk
-- credited ("Press Association", "Reuters": wire-origin evidence for dedup), `modified_at`
-- the page's modification time, `paywalled` whether the page declared or showed a paywall
-- (a paywall *stub* is flagged `paywalled_stub` and is not an article). `if not exists`:
-- another migration may add `credit text` too.
alter table news.articles add column if not exists authors text[] not null default '{}';
alter table news.articles add column if not exists credit text;
alter table news.articles add column if not exists byline_raw text;
alter table news.articles add column if not exists modified_at timestamptz;
alter table news.articles add column if not exists paywalled boolean not null default false;

-- news.crawl_run_sources: announced URLs not fetched, per reason, e.g.
-- {"no link": 3, "off the source's domains": 2, "not matching article_url": 1}
alter table news.crawl_run_sources add column if not exists urls_announced integer not null default 0;
alter table news.crawl_run_sources add column if not exists urls_dropped jsonb not null default '{}';
