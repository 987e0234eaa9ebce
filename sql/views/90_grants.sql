-- news_reader may read the researcher views and nothing else (re-applied after every migrate):
-- first take back whatever it holds in the schema, then grant exactly the views listed here.
revoke all on all tables in schema news from news_reader;
revoke all on all sequences in schema news from news_reader;
revoke create on schema news from news_reader;
grant usage on schema news to news_reader;
grant select on
    news.story,
    news.corpus,
    news.all_articles,
    news.syndication,
    news.crawl_report,
    news.source_health,
    news.article_versions
to news_reader;
