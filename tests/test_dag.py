"""The nightly DAG, loaded and run by Airflow itself (DagBag, dag.test())."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import psycopg2
import yaml

REPO = Path(__file__).resolve().parents[1]


def _dag(airflow_home: Path):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    return bag.dags["news_nightly"]


def test_dag_imports_with_operator_settings(airflow_home: Path) -> None:
    dag = _dag(airflow_home)
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert "newscorpus" in dag.tags and dag.doc_md
    assert dag.schedule == "30 2 * * *"
    tasks = {task.task_id: task for task in dag.tasks}
    assert list(tasks) and all(task.retries >= 1 for task in tasks.values())
    assert all(task.doc_md for name, task in tasks.items() if name != "source_list")
    crawl = tasks["crawl_source"]
    assert crawl.map_index_template == "{{ source }}"
    assert crawl.max_active_tis_per_dag == 2
    assert tasks["extract"].trigger_rule == "all_done"
    assert tasks["report"].trigger_rule == "all_done"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sources_with_a_dead_outlet(web_sources: Path, out: Path) -> Path:
    config = yaml.safe_load(web_sources.read_text())
    dead = f"http://127.0.0.1:{_closed_port()}"
    config["sources"].append({
        "name": "dead-outlet",
        "outlet": "Dead Outlet",
        "kind": "tabloid",
        "domains": ["127.0.0.1"],
        "feeds": [f"{dead}/feed.xml"],
        "sitemaps": [f"{dead}/sitemap.xml"],
    })
    out.write_text(yaml.safe_dump(config))
    return out


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def _corpus_counts(url: str) -> tuple[int, int, int]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select (select count(*) from news.pages), (select count(*) from news.corpus),"
                " (select count(*) from news.syndication)"
            )
            return cur.fetchone()
    finally:
        conn.close()


def test_dag_run_crawls_cleans_dedups_and_one_dead_source_fails_alone(
    airflow_home: Path, database_url: str, tmp_path: Path
) -> None:
    from pipeline.sampleweb.testing import running_sample_web

    dag = _dag(airflow_home)
    for task in dag.tasks:
        task.retries = 0  # dag.test would otherwise wait out the retry delay
    with running_sample_web(tmp_path / "web", stories=12) as web:
        sources = _sources_with_a_dead_outlet(web.sources_path, tmp_path / "sources.yaml")
        variables = tmp_path / "variables.json"
        variables.write_text(json.dumps({"newscorpus_sources": str(sources)}))
        first = dag.test(variable_file_path=str(variables))
        counts_after_first = _corpus_counts(database_url)
        second = dag.test(variable_file_path=str(variables))

    labels = {ti.rendered_map_index for ti in first.get_task_instances() if ti.task_id == "crawl_source"}
    assert labels == set(web.base_urls) | {"dead-outlet"}  # the UI names each mapped crawl

    states = _states(first)
    crawl_states = {i: s for (task, i), s in states.items() if task == "crawl_source"}
    assert sorted(crawl_states.values()).count("failed") == 1, crawl_states
    assert sorted(crawl_states.values()).count("success") == len(web.base_urls)
    for task in ("migrate", "start_run", "extract", "dedup", "refresh", "report"):
        assert states[(task, -1)] == "success", (task, states)

    pages, stories, copies = counts_after_first
    assert pages > 0 and stories > 0 and copies > 0
    assert _corpus_counts(database_url)[1:] == (stories, copies)  # a re-run duplicates nothing

    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("select status, report from news.crawl_runs order by run_id")
            runs = cur.fetchall()
            cur.execute("select error from news.crawl_runs order by run_id")
            errors = [row[0] for row in cur.fetchall()]
            cur.execute("select distinct source from news.crawl_report")
            reported = {row[0] for row in cur.fetchall()}
    finally:
        conn.close()
    assert len(runs) == 2 and all(status == "failed" for status, _ in runs)  # the dead outlet
    assert all("crawl_source" in error for error in errors), errors
    assert runs[0][1]["run_id"] and runs[0][1]["sources"]
    assert set(web.base_urls) <= reported
    assert _states(second)[("report", -1)] == "success"
