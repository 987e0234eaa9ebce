"""A page redirected onto another source's host counts for ONE source in news.crawl_report and
news.source_health: the source that announced it (whose feed listed it, whose crawl fetched
it). Real Scrapy over loopback HTTP (the sample web's redirect-offsite fault), real PostgreSQL."""

from __future__ import annotations

from pipeline.crawl import crawl
from tests.plugins.database import query


def test_a_redirect_onto_another_outlet_counts_for_the_announcing_source(database_url: str, sample_web_day) -> None:
    web = sample_web_day
    fault = next(f for f in web.key.faults if f["fault"] == "redirect-offsite")
    crawl(web.sources_path, trigger="test")
    moved = query(database_url, "select source from news.pages where url = %s and url <> final_url",
                  (fault["url"],))
    assert moved and moved[0][0] != fault["source"]  # stored under the outlet it landed on
    report = dict((s, (f, pf)) for s, f, pf in query(
        database_url, "select source, sum(pages_fetched)::int, sum(pages_failed)::int from news.crawl_report"
                      " group by source"))
    health = dict((s, (f, pf)) for s, f, pf in query(
        database_url, "select source, sum(pages_fetched)::int, sum(pages_failed)::int from news.source_health"
                      " group by source"))
    assert health == report
    assert fault["source"] in health
