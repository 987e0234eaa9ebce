"""Adversarial review 2 of news_nightly's fail-fast on bad configuration (47481d9, f12453f): a bad
configuration fails migrate/start_run at once (AirflowFailException), and an unwritable
NEWSCORPUS_WARC_DIR is bad configuration refused before the database is touched. In a DAG run the
WARC folder is checked only by crawl() inside crawl_source, a plain ConfigError there: each
outlet's crawl is retried (2 retries, 5 and 10 minutes apart) and the night opened its run row
first. Real Airflow (dag.test, in process), real PostgreSQL, no network (a closed loopback port)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.plugins.database import new_database, query
from tests.test_dag import _dag, _no_retries, _states


@pytest.fixture(autouse=True)
def _restore_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """dag.test() runs the tasks in this process and they export NEWSCORPUS_DATABASE_URL."""
    monkeypatch.setenv("NEWSCORPUS_DATABASE_URL", os.environ.get("NEWSCORPUS_DATABASE_URL", ""))


def test_an_unwritable_warc_dir_fails_the_night_at_its_start(
    airflow_home: Path, pg_server_url: str, template_database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({
        "settings": {"NEWSCORPUS_ALLOW_NETWORKS": ["127.0.0.0/8"]},
        "sources": [{"name": "local", "outlet": "Local", "kind": "other", "country": "GB",
                     "domains": ["127.0.0.1"], "feeds": ["http://127.0.0.1:9/feed.xml"]}],
    }))
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    monkeypatch.setenv("NEWSCORPUS_WARC_DIR", str(a_file / "warc"))
    dag = _dag(airflow_home)
    _no_retries(dag)
    url = new_database(pg_server_url)
    dag_run = dag.test(run_conf={"sources": str(sources), "database": url})
    states = _states(dag_run)
    assert dag_run.state == "failed"
    assert "failed" in (states[("migrate", -1)], states[("start_run", -1)]), states
    assert query(url, "select count(*) from news.crawl_runs") == [(0,)]
