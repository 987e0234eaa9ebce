"""The news_backfill DAG, loaded and run by Airflow itself: one mapped task per file of a
CC-NEWS month served on loopback, then extract, dedup and the run's report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.plugins import warcfiles
from tests.plugins.database import query

REPO = Path(__file__).resolve().parents[1]
DAG_TEST = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder=sys.argv[1]).dags["news_backfill"]
for task in dag.tasks:
    task.retries = 0
run = dag.test(variable_file_path=sys.argv[2], run_conf=json.loads(sys.argv[3]))
tis = run.get_task_instances()
print(json.dumps({"states": [[ti.task_id, ti.map_index, ti.state] for ti in tis],
                  "labels": [ti.rendered_map_index for ti in tis if ti.task_id == "backfill_file"]}))
"""


def _dag(airflow_home: Path):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    return bag.dags["news_backfill"]


def test_backfill_dag_settings(airflow_home: Path) -> None:
    dag = _dag(airflow_home)
    assert dag.schedule is None and dag.catchup is False and "backfill" in dag.tags and dag.doc_md
    assert set(dag.params) >= {"months", "files", "cc_news_base", "all_hosts"}
    tasks = {task.task_id: task for task in dag.tasks}
    assert all(task.retries >= 1 and task.doc_md for task in tasks.values())
    assert tasks["backfill_file"].map_index_template == "{{ file_name }}"
    assert tasks["report"].trigger_rule == "all_done"


def test_backfill_dag_maps_one_task_per_file(airflow_home: Path, database_url: str, sample_web,
                                              tmp_path: Path) -> None:
    urls = sorted({a.url for a in sample_web.key.articles_on(1)})[:24]
    names = []
    for number, part in enumerate((urls[:12], urls[12:])):
        path = tmp_path / "crawl-data" / "CC-NEWS" / "2026" / "01" / f"part-{number}.warc.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        warcfiles.write_month(path, part, warcfiles.month_start("2026-01"))
        names.append(str(path.relative_to(tmp_path)))
    warcfiles.write_listing(tmp_path, "2026-01", names)
    variables = tmp_path / "variables.json"
    variables.write_text(json.dumps({"newscorpus_sources": str(sample_web.sources_path)}))
    with warcfiles.serving(tmp_path) as server:
        # dag.test in its own interpreter: Airflow's in-process state (ORM session, task
        # context) then cannot leak into the nightly DAG's tests that run after this one
        child = subprocess.run(
            [sys.executable, "-c", DAG_TEST, str(REPO / "dags"), str(variables),
             json.dumps({"months": "2026-01", "cc_news_base": server.url()})],
            capture_output=True, text=True, timeout=900, env=dict(os.environ),
        )
    lines = [line for line in child.stdout.splitlines() if line.startswith('{"states"')]
    assert child.returncode == 0 and lines, child.stdout[-3000:] + child.stderr[-3000:]
    result = json.loads(lines[-1])
    states = {(task, index): state for task, index, state in result["states"]}
    mapped = {i: s for (task, i), s in states.items() if task == "backfill_file"}
    assert sorted(mapped) == [0, 1] and set(mapped.values()) == {"success"}, states
    assert states[("report", -1)] == "success"
    assert set(result["labels"]) == {"part-0.warc.gz", "part-1.warc.gz"}
    assert query(database_url, "select trigger, status from news.crawl_runs") == [("backfill", "succeeded")]
    assert query(database_url, "select count(*) from news.backfill_files where status = 'done'") == [(2,)]
    assert query(database_url, "select count(*) from news.articles")[0][0] >= 20


# dag.test with one quick retry per task (no delay): a task that fails at once has one try, one
# retried after a plain error has two
FAIL_FAST_TEST = """
import json, sys
from datetime import timedelta
from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder=sys.argv[1]).dags["news_backfill"]
for task in dag.tasks:
    task.retries, task.retry_delay, task.retry_exponential_backoff = 1, timedelta(0), False
run = dag.test(run_conf=json.loads(sys.argv[2]))
print(json.dumps({"state": run.state,
                  "tis": [[ti.task_id, ti.state, ti.try_number] for ti in run.get_task_instances()]}))
"""


def _backfill_run(conf: dict, env: dict[str, str]) -> tuple[str, dict[str, tuple[str, int]]]:
    """dag.test of news_backfill in its own interpreter (see above): the run's state and each
    task's (state, try number)."""
    child = subprocess.run([sys.executable, "-c", FAIL_FAST_TEST, str(REPO / "dags"), json.dumps(conf)],
                           capture_output=True, text=True, timeout=900, env=env)
    lines = [line for line in child.stdout.splitlines() if line.startswith('{"state"')]
    assert child.returncode == 0 and lines, child.stdout[-3000:] + child.stderr[-3000:]
    result = json.loads(lines[-1])
    return result["state"], {task: (state, tries) for task, state, tries in result["tis"]}


def test_a_bad_configuration_fails_the_backfill_at_once_without_its_retries(
    airflow_home: Path, pg_server_url: str, template_database_url: str, tmp_path: Path
) -> None:
    """As news_nightly (tests/test_dag.py): waiting does not fix a bad configuration, so the task
    that meets it fails on its first try (AirflowFailException), the tasks after it that run
    anyway (trigger rule all_done) are skipped instead of retrying the same error, and no run
    row is opened. A missing sources file fails start_run; a bad NEWSCORPUS_* setting fails
    migrate, before any database work."""
    from tests.plugins.database import new_database

    url = new_database(pg_server_url)
    conf = {"files": [str(tmp_path / "none.warc.gz")], "database": url}
    env = dict(os.environ)
    state, tasks = _backfill_run({**conf, "sources": str(tmp_path / "no-such-sources.yaml")}, env)
    assert state == "failed"
    assert tasks["start_run"] == ("failed", 1), tasks
    assert tasks["extract"][0] == tasks["dedup"][0] == "skipped", tasks
    assert tasks["report"] == ("failed", 1), tasks
    assert query(url, "select count(*) from news.crawl_runs") == [(0,)]

    state, tasks = _backfill_run(conf, {**env, "NEWSCORPUS_WARC_PG_BODIES": "perhaps"})
    assert state == "failed"
    assert tasks["migrate"] == ("failed", 1), tasks
    assert tasks["report"] == ("failed", 1), tasks
