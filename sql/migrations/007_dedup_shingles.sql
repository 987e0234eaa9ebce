-- 007: each fingerprint keeps its article's shingle set, so verifying a candidate pair against
-- a stored article reads the hashes instead of re-reading and re-shingling its text.
--
-- news.fingerprints.shingles: the sorted distinct uint32 shingle hashes (little-endian, 4 bytes
-- each, shingle_count of them) of the text whose hash is text_hash. NULL for fingerprints
-- written before this migration: dedup then falls back to shingling the article's text.
alter table news.fingerprints add column shingles bytea;
-- random 32-bit hashes do not compress: skip pglz's attempt, store out of line as is
alter table news.fingerprints alter column shingles set storage external;

comment on column news.fingerprints.shingles is
    'sorted distinct uint32 shingle hashes (little-endian) of the fingerprinted text';
