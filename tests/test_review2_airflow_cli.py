"""Adversarial review 2 of `make airflow-cli ARGS=…` (pipeline/airflow_cli.py, 8cf813b): before running
airflow it starts the embedded PostgreSQL for the metadata database (airflow_stack.metadata_url);
a failure there is not caught."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def test_airflow_cli_without_a_usable_embedded_server_says_so_in_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__DATABASE", "NEWSCORPUS_DATABASE"))}
    env["NEWSCORPUS_HOME"] = str(a_file / "home")
    result = subprocess.run([sys.executable, "-m", "pipeline.airflow_cli", "--home", str(tmp_path / "af"),
                             "--", "version"], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
