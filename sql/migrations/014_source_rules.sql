-- 014: each source keeps the outlet rules (sources file `boilerplate:`) it was last crawled
-- with, and the file they came from, so `newscorpus extract` re-cleans its pages with them
-- even when run without --sources or with another file (issue 16). Null: not recorded yet
-- (a source stored before this migration); extract then falls back to sources.yaml.
alter table news.sources
    add column if not exists boilerplate      jsonb,
    add column if not exists sources_file     text,
    add column if not exists rules_updated_at timestamptz;
