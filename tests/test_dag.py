"""The nightly DAG, loaded and run by Airflow itself (DagBag, dag.test()).

The scheduler/API-server path is tests/test_airflow_api.py; these runs are in-process and
cheap, for the night's outcome: failed nights fail, reasons name sources, CLI runs and DAG runs
exclude each other.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import yaml

from tests.plugins.database import new_database, query

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _restore_database_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """dag.test() runs the tasks in this process and they export NEWSCORPUS_DATABASE_URL."""
    monkeypatch.setenv("NEWSCORPUS_DATABASE_URL", os.environ.get("NEWSCORPUS_DATABASE_URL", ""))


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
    assert dag.timetable.expression == "30 2 * * *" and dag.timetable.run_immediately is False
    assert set(dag.params) == {"sources", "database"}  # the UI's trigger form
    assert dag.params["sources"] is None and dag.params["database"] is None
    tasks = {task.task_id: task for task in dag.tasks}
    judged = {"quality_checks", "report"}  # judgements: a retry would only delay the failed run
    assert all(task.retries >= 1 for name, task in tasks.items() if name not in judged)
    assert all(tasks[name].retries == 0 for name in judged)
    assert all(task.doc_md for task in tasks.values())
    crawl = tasks["crawl_source"]
    assert crawl.map_index_template == "{{ task.op_kwargs['source'] }}"
    assert crawl.max_active_tis_per_dag == 2
    assert tasks["extract"].trigger_rule == "all_done"
    assert tasks["report"].trigger_rule == "all_done"


def test_a_fresh_install_schedules_nothing_until_unpaused_then_waits_for_the_next_night(
        airflow_home: Path) -> None:
    """Created paused (an operator chooses the database first), and once unpaused the first
    night Airflow's scheduler computes (the serialized DAG's timetable, as the scheduler reads
    it) is the next 02:30, never the one that already passed."""
    from datetime import datetime, timedelta, timezone

    from airflow.serialization.serialized_objects import DagSerialization

    from pipeline.runs import ORCHESTRATED_RUN_LIMIT_HOURS

    dag = _dag(airflow_home)
    assert dag.is_paused_upon_creation is True
    scheduled = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    first = scheduled.next_dagrun_info(last_automated_run_info=None)
    now = datetime.now(timezone.utc)
    assert now < first.run_after <= now.replace(hour=2, minute=30) + timedelta(days=1)
    assert (first.run_after.hour, first.run_after.minute) == (2, 30)
    # the DAG run time limit and the one runs.close_abandoned assumes for orphaned Airflow rows
    assert dag.dagrun_timeout.total_seconds() == ORCHESTRATED_RUN_LIMIT_HOURS * 3600


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dead_source(name: str) -> dict:
    dead = f"http://127.0.0.1:{_closed_port()}"  # connection refused: no page row ever exists
    return {"name": name, "outlet": name.title(), "kind": "tabloid", "domains": ["127.0.0.1"],
            "feeds": [f"{dead}/feed.xml"], "sitemaps": [f"{dead}/sitemap.xml"]}


def _sources(web_sources: Path, out: Path, dead: list[str] = (), keep_live: bool = True) -> Path:
    config = yaml.safe_load(web_sources.read_text())
    if not keep_live:
        config["sources"] = []
    config["sources"] += [_dead_source(name) for name in dead]
    out.write_text(yaml.safe_dump(config))
    return out


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def _no_retries(dag) -> None:
    for task in dag.tasks:
        task.retries = 0  # dag.test would otherwise wait out the retry delay


def _runs(url: str) -> list[tuple]:
    return query(url, "select status, error, report from news.crawl_runs order by run_id")


def test_dag_run_fails_on_one_dead_source_naming_it_and_stores_the_report(
    airflow_home: Path, pg_server_url: str, template_database_url: str, tmp_path: Path
) -> None:
    from pipeline.sampleweb.serving import running_sample_web

    dag = _dag(airflow_home)
    _no_retries(dag)
    url = new_database(pg_server_url)
    with running_sample_web(tmp_path / "web", stories=12) as web:
        sources = _sources(web.sources_path, tmp_path / "sources.yaml", dead=["dead-outlet"])
        dag_run = dag.test(run_conf={"sources": str(sources), "database": url})  # the trigger form's params

    names = {ti.rendered_map_index for ti in dag_run.get_task_instances() if ti.task_id == "crawl_source"}
    assert names == set(web.base_urls) | {"dead-outlet"}  # the UI names each mapped crawl

    assert dag_run.state == "failed"  # a failed night is a failed run
    states = _states(dag_run)
    crawl_states = {i: s for (task, i), s in states.items() if task == "crawl_source"}
    assert sorted(crawl_states.values()).count("failed") == 1, crawl_states
    assert sorted(crawl_states.values()).count("success") == len(web.base_urls)
    for task in ("migrate", "start_run", "extract", "dedup", "refresh"):
        assert states[(task, -1)] == "success", (task, states)
    assert states[("quality_checks", -1)] == "failed"  # dead-outlet: every fetch failed
    assert states[("report", -1)] == "failed"          # after storing the report

    stories, copies = query(url, "select (select count(*) from news.corpus), (select count(*) from news.syndication)")[0]
    assert stories > 0 and copies > 0  # the live outlets' night went through

    [(status, error, report)] = _runs(url)
    assert status == "failed"
    assert "crawl of dead-outlet failed" in error and "crawl_source" not in error  # names, not indexes
    assert "dead-outlet: every fetch failed" in error
    assert report["problems"] and report["run_id"]
    assert {row["source"] for row in report["sources"]} == set(web.base_urls) | {"dead-outlet"}
    assert "dead-outlet" in [row["source"] for row in report["document_failures"]]


def test_every_outlet_unreachable_is_a_failed_run_naming_each_source(
    airflow_home: Path, pg_server_url: str, template_database_url: str, tmp_path: Path
) -> None:
    dag = _dag(airflow_home)
    _no_retries(dag)
    url = new_database(pg_server_url)
    dead = ["gone-daily", "gone-wire", "gone-herald"]
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [_dead_source(name) for name in dead]}))
    dag_run = dag.test(run_conf={"sources": str(sources), "database": url})

    assert dag_run.state == "failed"
    states = _states(dag_run)
    assert states[("quality_checks", -1)] == "failed"   # the check fired
    assert query(url, "select count(*) from news.pages") == [(0,)]  # no page row: failures before any page
    [(status, error, report)] = _runs(url)
    assert status == "failed"
    for name in dead:
        assert f"{name}: every fetch failed" in error, error
        assert f"crawl of {name} failed" in error


def test_dag_run_and_cli_run_at_once_fetch_every_page_once(
    airflow_home: Path, pg_server_url: str, template_database_url: str, tmp_path: Path
) -> None:
    from pipeline.sampleweb.serving import running_sample_web

    dag = _dag(airflow_home)
    _no_retries(dag)
    url = new_database(pg_server_url)
    with running_sample_web(tmp_path / "web", stories=12) as web:
        env = {**os.environ, "NEWSCORPUS_DATABASE_URL": url}
        cli: dict[str, subprocess.CompletedProcess] = {}
        thread = threading.Thread(target=lambda: cli.setdefault("run", subprocess.run(
            [sys.executable, "-m", "pipeline", "run", "--sources", str(web.sources_path)],
            env=env, capture_output=True, text=True, timeout=600)))
        thread.start()
        dag_run = dag.test(run_conf={"sources": str(web.sources_path), "database": url})
        thread.join()

    result = cli["run"]
    # either the CLI ran (the DAG's tasks waited for it) or it found the DAG's lock and said so
    refused = "another newscorpus run is in progress" in result.stderr
    assert result.returncode == 0 or refused, result.stderr[-2000:]
    if refused:
        assert "airflow" in result.stderr.splitlines()[-1]  # names the holder
    assert dag_run.state == "success"
    fetched = query(url, "select coalesce(sum(pages_fetched), 0) from news.crawl_run_sources")[0][0]
    distinct = query(url, "select count(distinct url) from news.pages")[0][0]
    assert distinct > 0 and fetched == distinct  # every page fetched once, by one of the two


def test_database_param_names_a_database_on_the_configured_server(
    airflow_home: Path, pg_server_url: str, template_database_url: str, tmp_path: Path, monkeypatch
) -> None:
    from pipeline.nightly import stages as nightly

    monkeypatch.setenv("NEWSCORPUS_DATABASE_URL", pg_server_url)
    name = f"param_{os.getpid()}"
    target = nightly.resolve_target(None, name, create_database=True)
    assert urlsplit(target.database_url).path == f"/{name}"
    assert os.environ["NEWSCORPUS_DATABASE_URL"] == pg_server_url  # passed on explicitly, never exported
    psycopg2.connect(target.database_url).close()  # created
    assert nightly.resolve_target("x.yaml", "postgresql://h/db").sources_path == "x.yaml"
    assert nightly.resolve_target("", None, default_sources="v.yaml").sources_path == "v.yaml"


def test_cli_crawl_is_refused_while_a_dag_task_holds_the_lock_naming_it(database_url: str, tmp_path: Path) -> None:
    from pipeline.nightly import stages as nightly

    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [_dead_source("solo")]}))
    with nightly.dag_run_lock("manual__2026-11-30 crawl_source[solo]"):
        result = subprocess.run([sys.executable, "-m", "pipeline", "crawl", "--sources", str(sources)],
                                env=dict(os.environ), capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "in progress" in line and "airflow manual__2026-11-30 crawl_source[solo]" in line
    assert query(database_url, "select count(*) from news.crawl_runs") == [(0,)]  # nothing started


def test_a_dag_task_waits_for_a_cli_run_then_gives_up_naming_it(database_url: str) -> None:
    from pipeline.nightly import stages as nightly
    from pipeline.nightly.lock import RunInProgress, exclusive_run

    said: list[str] = []
    with exclusive_run(holder="newscorpus run (pid 4242)"):
        with pytest.raises(RunInProgress, match=r"newscorpus run \(pid 4242\)"):
            with nightly.dag_run_lock("manual__x extract", wait_seconds=3):
                pass
        # two tasks of one DAG run share it; a CLI run cannot join them
    with nightly.dag_run_lock("manual__x crawl_source[a]"), nightly.dag_run_lock("manual__x crawl_source[b]"):
        with pytest.raises(RunInProgress, match=r"crawl_source\[a\]"):
            with exclusive_run():
                pass
    from pipeline.nightly.lock import run_lock

    with exclusive_run(holder="newscorpus crawl (pid 7)"):
        with pytest.raises(RunInProgress):
            with run_lock("waiter", shared=True, wait_seconds=2.5, say=said.append):
                pass
    assert said and "newscorpus crawl (pid 7)" in said[0]


def test_a_scheduled_night_refuses_the_demo_databases_a_manual_run_may_load_them() -> None:
    """After `make demo` the folder's current database is the demo's: a scheduled night (the
    real sources.yaml) must not load real outlets into it; `make airflow-demo`'s manual run
    loads its own demo database."""
    from pipeline import airflow_demo, demo
    from pipeline.db import with_database
    from pipeline.errors import ConfigError
    from pipeline.nightly.stages import refuse_demo_database

    server = "postgresql://postgres:@/postgres?host=/tmp/x"
    for name in (demo.DEMO_DATABASE, airflow_demo.DEMO_DATABASE):
        with pytest.raises(ConfigError, match=f"into {name}, the sample web's demo database.*newscorpus_db"):
            refuse_demo_database("scheduled", with_database(server, name))
        refuse_demo_database("manual", with_database(server, name))
    refuse_demo_database("scheduled", with_database(server, "news"))


def test_a_bad_configuration_fails_a_task_at_once_without_its_retries(
    airflow_home: Path, pg_server_url: str, template_database_url: str, tmp_path: Path
) -> None:
    """A bad configuration is not fixed by waiting: the DAG turns ConfigError into Airflow's
    AirflowFailException (a failure its retries skip; a trial waited 15 minutes for two
    retries of a missing sources file), and a night with a missing sources file fails at
    start_run, naming the file."""
    from airflow.sdk.exceptions import AirflowFailException

    from pipeline.errors import ConfigError
    from pipeline.nightly import stages

    with pytest.raises(AirflowFailException, match="no such file"):
        with stages.fails_at_once_on_bad_configuration():
            raise ConfigError("no such file: sources.yaml")

    dag = _dag(airflow_home)
    _no_retries(dag)
    url = new_database(pg_server_url)
    dag_run = dag.test(run_conf={"sources": str(tmp_path / "no-such-sources.yaml"), "database": url})
    assert dag_run.state == "failed"
    states = _states(dag_run)
    assert states[("start_run", -1)] == "failed"
    # the night did not start: extract (run after failed crawls too) is skipped, not retried on
    # the same bad file, and report fails on its own line, not on a missing run (trial)
    assert states[("extract", -1)] == "skipped", states
    assert states[("report", -1)] == "failed", states
    assert query(url, "select count(*) from news.crawl_runs") == [(0,)]
