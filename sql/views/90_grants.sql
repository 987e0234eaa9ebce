-- news_reader may read the researcher views and nothing else (re-applied after every migrate)
grant usage on schema news to news_reader;
grant select on news.corpus, news.all_articles, news.syndication, news.crawl_report,
    news.source_health to news_reader;
