-- 008: support objects for the researcher views (schema, so a numbered migration rather
-- than a repeatable view file): a covering index and a per-article furniture cache.

-- A narrow covering index: syndication and story queries join originals and copies by
-- article_id for their source and date only; an index-only scan avoids reading the wide
-- article rows (text, search vector).
create index if not exists articles_story_idx
    on news.articles (article_id) include (source, published_at, is_article);

-- news.article_furniture: which furniture markers each article's text holds, cached per
-- text_hash so news.source_health does not re-read (detoast) every article's text for every
-- marker on each query (~0.5 s for a week of 100,000 articles). Filled incrementally by
-- pipeline.health.refresh(conn); a row whose text_hash no longer matches is ignored and the
-- view checks the text itself, so the cache can be stale but never wrong. Changing
-- news.furniture_markers empties it.
create table if not exists news.article_furniture (
    article_id  bigint primary key references news.articles on delete cascade,
    text_hash   bytea not null,
    markers     text[] not null default '{}',
    checked_at  timestamptz not null default now()
);

create or replace function news.forget_article_furniture() returns trigger
language plpgsql as $$
begin
    truncate news.article_furniture;
    return null;
end
$$;

create or replace trigger furniture_markers_changed
    after insert or update or delete or truncate on news.furniture_markers
    for each statement execute function news.forget_article_furniture();
