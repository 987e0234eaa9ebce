"""The sources file is read once, at the edge: `run_nightly`, the crawl (and its Scrapy child)
and extract get the loaded SourcesFile, never re-read the path. A file edited (here: broken)
after the edge loaded it changes nothing in the run. Real Scrapy over loopback HTTP (the sample
web), real PostgreSQL."""

from __future__ import annotations

import shutil

from pipeline.nightly import stages
from pipeline.nightly.local import run_nightly
from pipeline.sources import load_sources
from tests.plugins.database import query


def test_a_run_uses_the_sources_file_as_loaded(database_url: str, sample_web_day, tmp_path) -> None:
    path = tmp_path / "sources.yaml"
    shutil.copy(sample_web_day.sources_path, path)
    loaded = load_sources(path)
    path.write_text("sources: [broken after loading]\n", encoding="utf-8")  # no stage may read it again

    assert stages.source_names(loaded) == [s.name for s in loaded.sources]
    result = run_nightly(path, trigger="test", sources_file=loaded)

    assert result.crawl["status"] == "succeeded", result.crawl.get("error")
    assert result.crawl["failed_sources"] == []
    assert result.extract["articles_new"] > 0
    assert query(database_url, "select count(distinct source) from news.pages")[0][0] == len(loaded.sources)
    assert query(database_url, "select status from news.crawl_runs") == [("succeeded",)]
