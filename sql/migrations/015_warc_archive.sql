-- 015: WARC archive and backfill.
--
-- news.pages points at the WARC record of each fetch (crawl output, or the archive a backfill
-- read): warc_file is an absolute path or an http(s) URL, warc_offset the byte offset of the
-- record's gzip member in that file, warc_length the member's compressed length. With the
-- "no bodies in PostgreSQL" setting a page keeps body_hash/body_bytes but no body_zlib; extract
-- then reads the body from the WARC record. Every stored body has a hash, and a hash without a
-- body needs a WARC pointer.

alter table news.pages
    add column warc_file    text,
    add column warc_offset  bigint check (warc_offset >= 0),
    add column warc_length  bigint check (warc_length > 0),
    add constraint pages_warc_pointer_check
        check ((warc_file is null) = (warc_offset is null) and (warc_file is null) = (warc_length is null));

do $$
declare
    name text;
begin
    -- 001's unnamed "(body_zlib is null) = (body_hash is null)" check
    for name in
        select c.conname from pg_constraint as c
        where c.conrelid = 'news.pages'::regclass and c.contype = 'c'
          and pg_get_constraintdef(c.oid) like '%(body_zlib IS NULL) = (body_hash IS NULL)%'
    loop
        execute format('alter table news.pages drop constraint %I', name);
    end loop;
end
$$;

alter table news.pages
    add constraint pages_body_check
        check ((body_zlib is null or body_hash is not null)
               and (body_hash is null or body_zlib is not null or warc_file is not null));

-- news.crawl_runs.trigger is free text (cli | airflow | demo | test); a backfill's run says 'backfill'.
comment on column news.crawl_runs.trigger is 'cli | airflow | demo | test | backfill';

-- one row per WARC file a backfill reads: where it got to, so an interrupted backfill resumes
-- at the next record instead of the file's start. `next_offset` is the compressed byte offset of
-- the first record not yet stored; it moves in the same transaction as the pages it covers.
create table news.backfill_files (
    file          text primary key,           -- absolute path or http(s) URL of a .warc.gz
    run_id        bigint references news.crawl_runs on delete set null,
    status        text not null default 'running' check (status in ('running', 'done', 'failed')),
    next_offset   bigint not null default 0 check (next_offset >= 0),
    records       integer not null default 0 check (records >= 0),   -- WARC records read
    responses     integer not null default 0 check (responses >= 0), -- response records
    kept          integer not null default 0 check (kept >= 0),      -- stored as pages
    foreign_host  integer not null default 0 check (foreign_host >= 0),
    skipped       jsonb not null default '{}',  -- reason -> count of bad records
    error         text,                         -- why the file stopped (status 'failed')
    started_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

-- each bad record a backfill skipped, with its reason (truncated file, corrupt gzip member,
-- broken HTTP block, non-HTML payload, ...), so an operator can look at it with warcio
create table news.backfill_skips (
    file         text not null references news.backfill_files on delete cascade,
    warc_offset  bigint not null check (warc_offset >= 0),
    reason       text not null,
    target_uri   text,
    detail       text,
    primary key (file, warc_offset)
);
