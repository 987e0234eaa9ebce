-- 003: the extract stage (pages -> articles) and its learned site furniture.

-- links the dedup stage uses as evidence: a canonical pointing at ANOTHER source's page (an
-- aggregator's copy names the tabloid original) and an aggregator's "Source: Read Full
-- Article" target. A canonical on the article's own source is its key, not a link.
alter table news.articles
    add column canonical_link text,
    add column source_link    text;

-- one row per page the extract stage has processed, so `extract` only takes new pages and a
-- rerun changes nothing; `extract --reextract` processes history again
create table news.page_extractions (
    page_id            bigint primary key references news.pages on delete cascade,
    extractor_version  text not null,
    outcome            text not null check (outcome in ('article', 'not_article', 'superseded')),
    canonical_url      text,            -- the news.articles key the page was cleaned into
    extracted_at       timestamptz not null default now()
);

-- the paragraph fingerprints of each page after generic and outlet cleaning (xxhash64 of the
-- lowercased words): what learned furniture is counted from
create table news.page_blocks (
    page_id      bigint not null references news.pages on delete cascade,
    fingerprint  bigint not null,
    domain       text not null,
    primary key (page_id, fingerprint)
);
create index page_blocks_domain_fingerprint_idx on news.page_blocks (domain, fingerprint);

-- a paragraph on at least K distinct URLs of one domain is that domain's furniture
create table news.learned_furniture (
    domain       text not null,
    fingerprint  bigint not null,
    pages        integer not null check (pages > 0),
    learned_at   timestamptz not null default now(),
    primary key (domain, fingerprint)
);

-- updated_at moves when a row really changes; the bulk loader skips unchanged rows, so a
-- rerun of extract leaves it alone (news.crawl_report counts articles_updated from it)
create function news.touch_updated_at() returns trigger
language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end
$$;

create trigger articles_touch_updated_at
    before update on news.articles
    for each row execute function news.touch_updated_at();
