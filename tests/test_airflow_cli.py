"""`make airflow-cli ARGS=…` (pipeline/airflow_cli.py): README's `airflow connections add` and
`airflow dags …` steps reach the `make airflow` stack's metadata database with its secrets,
not ~/airflow's SQLite. Real Airflow CLI on a real PostgreSQL metadata database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline import paths
from tests.plugins.database import new_database


def _airflow_cli(home: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.airflow_cli", "--home", str(home), "--", *args],
                          capture_output=True, text=True, timeout=600, env=env, cwd=paths.REPO_ROOT)


def test_airflow_cli_uses_the_stacks_metadata_database_and_secrets(pg_server_url: str, tmp_path: Path) -> None:
    metadata = new_database(pg_server_url, "template0").replace("postgresql://", "postgresql+psycopg2://", 1)
    home = tmp_path / ".airflow"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(HOME=str(tmp_path / "user"), AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=metadata)
    assert _airflow_cli(home, "db", "migrate", env=env).returncode == 0
    # `dags` commands import Airflow's graph renderer, which warns that graphviz is missing
    listed = _airflow_cli(home, "dags", "list", env=env)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "UserWarning" not in listed.stdout + listed.stderr, listed.stdout + listed.stderr
    added = _airflow_cli(home, "connections", "add", "newscorpus_db",
                         "--conn-uri", "postgresql://news:s3cret@db.example:5432/news", env=env)
    assert added.returncode == 0, added.stderr[-2000:]
    got = _airflow_cli(home, "connections", "get", "newscorpus_db", "-o", "json", env=env)
    assert got.returncode == 0, got.stderr[-2000:]
    row = json.loads(got.stdout)[0]
    assert (row["host"], row["login"], row["password"]) == ("db.example", "news", "s3cret")
    # the stack's own home, not the user's ~/airflow; the password encrypted with its Fernet key
    secrets = json.loads((home / "secrets.json").read_text())
    assert not (tmp_path / "user" / "airflow").exists()
    import psycopg2
    from cryptography.fernet import Fernet

    with psycopg2.connect(metadata.replace("+psycopg2", "")) as conn, conn.cursor() as cur:
        cur.execute("select password, is_encrypted from connection where conn_id = 'newscorpus_db'")
        stored, encrypted = cur.fetchone()
    conn.close()
    assert encrypted and Fernet(secrets["AIRFLOW__CORE__FERNET_KEY"].encode()).decrypt(stored.encode()) == b"s3cret"
