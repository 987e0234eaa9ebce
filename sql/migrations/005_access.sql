-- 005: researchers' and operators' access — full-text search, the indexes the cookbook
-- queries use, and the furniture markers shared by news.source_health and the DAG's checks.

-- Full-text search over title (weight A) and text (weight B), english configuration.
-- A generated column keeps it in step with every loader without their help. The text is
-- capped at 200,000 characters: a tsvector cannot exceed 1 MB, and an oversized page must
-- not make the extraction stage's upsert fail.
alter table news.articles
    add column search_tsv tsvector generated always as (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, left(text, 200000)), 'B')
    ) stored;
create index articles_search_idx on news.articles using gin (search_tsv);

-- news.source_health groups by the UTC night of a fetch; this lets "the last 7 nights"
-- read 7 nights of pages instead of all history.
create index pages_night_idx on news.pages (((fetched_at at time zone 'UTC')::date), source);

-- Site furniture that must never survive cleaning. One list, read by the news.source_health
-- view (furniture_articles) and by pipeline.health.quality_problems (which names the
-- markers found). Matched case-sensitively as substrings of an article's text.
create table news.furniture_markers (
    marker  text primary key check (length(marker) >= 6),
    note    text not null default ''
);
insert into news.furniture_markers (marker, note) values
    ('Most read in ', 'tabloid "Most read in <outlet>" rail pasted inline'),
    ('Read More on ', 'tabloid "Read More on <outlet>" related-links block'),
    ('Source: Read Full Article', 'aggregator footer linking to the original'),
    ('Sign up to our newsletter', 'newsletter sign-up box'),
    ('Get the latest news sent to your inbox', 'regional newsletter box'),
    ('Get the biggest stories sent straight to your inbox', 'tabloid newsletter box'),
    ('READ MORE:', 'regional related-link line')
on conflict (marker) do nothing;
