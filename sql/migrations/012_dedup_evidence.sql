-- 012: dedup evidence for the hard cases (issue 14): template stories, rewrites, versions,
-- unspaced scripts, wire credits; and candidate search windowed by publication time.
--
-- news.articles.credit: the agency/desk credited in the byline (metadata work, migration 011
-- adds it too; `if not exists` makes either order work). dedup reads it as wire-origin evidence.
alter table news.articles add column if not exists credit text;

-- news.fingerprints: the evidence verification needs besides the shingles (migration 007):
-- sentences: sorted distinct int64 hashes (little-endian) of the text's long sentences;
-- facts: sorted distinct uint32 hashes (little-endian) of its numbers, names, places, dates.
-- NULL until the article is fingerprinted under the current scheme (the scheme tag changed
-- with this migration, so the next dedup run re-fingerprints every article).
alter table news.fingerprints add column sentences bytea, add column facts bytea;
alter table news.fingerprints alter column sentences set storage external;

-- news.dedup_matches: each decision keeps its evidence and the versions it was made against.
-- A match stays when one side's text changes later (an updated original keeps its copies);
-- it is re-decided only when the same versions are fingerprinted again.
alter table news.dedup_matches
    add column evidence jsonb not null default '{}'::jsonb,
    add column article_text_hash bytea,
    add column other_text_hash bytea;
alter table news.dedup_matches drop constraint if exists dedup_matches_method_check;
alter table news.dedup_matches add constraint dedup_matches_method_check
    check (method in ('minhash', 'containment', 'canonical-link', 'source-link', 'sentences',
                      'wire-credit'));
comment on column news.dedup_matches.evidence is
    'why the pair was linked: shared distinctive sentences, fact containment, wire credit, ...';
comment on column news.dedup_matches.article_text_hash is
    'text_hash of article_id''s version the match was decided on (other_text_hash: other_id''s)';

-- news.lsh_buckets.day: publication day (days since 1970-01-01, else the first fetch's day).
-- Candidate search looks up (band, bucket) within a window of days around the article's
-- (pipeline/dedup/candidates.py WINDOW_DAYS), an index range scan whatever the history size.
-- Rows written before this migration get day 0 and are rewritten by the re-fingerprinting.
alter table news.lsh_buckets add column day integer not null default 0;
alter table news.lsh_buckets drop constraint lsh_buckets_pkey;
alter table news.lsh_buckets add primary key (band, bucket, day, article_id);

-- cluster memberships carry the method of the match that made them
alter table news.cluster_members drop constraint if exists cluster_members_method_check;
alter table news.cluster_members add constraint cluster_members_method_check
    check (method in ('self', 'minhash', 'containment', 'canonical-link', 'source-link',
                      'sentences', 'wire-credit'));
