"""A private Airflow for the test session: SQLite metadata under a temp AIRFLOW_HOME.

Airflow reads its configuration when first imported, so the environment is set here, before
any test imports it, and the metadata database is created with `airflow db migrate`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "airflow" in sys.modules:
        pytest.fail("airflow was imported before its test configuration was set")
    home = tmp_path_factory.mktemp("airflow") / ".airflow"
    home.mkdir()
    os.environ.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW_CONFIG=str(REPO / "airflow.cfg"),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return home
