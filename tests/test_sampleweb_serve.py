"""`newscorpus sample-web serve` as a process: stopped by SIGTERM or SIGINT, it removes the temp
folder it made for sources.yaml and key/ (a folder given with --out is the caller's and stays)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _serve(*args: str, tmpdir: Path) -> tuple[subprocess.Popen, dict]:
    """Start serve (TMPDIR pointed at `tmpdir`, so its folder is easy to find) and read its JSON line."""
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "sample-web", "serve", "--stories", "3",
                             "--host-prefix", "127.0.9", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    return proc, json.loads(line)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_removes_its_temp_folder_when_stopped(tmp_path: Path, sig: signal.Signals) -> None:
    proc, info = _serve(tmpdir=tmp_path)
    try:
        folder = Path(info["sources"]).parent
        assert folder.parent == tmp_path and folder.name.startswith("sampleweb-")
        with urllib.request.urlopen(info["admin"] + "state", timeout=30) as response:
            assert response.status == 200
        assert (folder / "sources.yaml").is_file()
        proc.send_signal(sig)
        assert proc.wait(60) == 0
        assert "Traceback" not in proc.stderr.read()
        assert not folder.exists() and list(tmp_path.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_keeps_a_folder_given_with_out(tmp_path: Path) -> None:
    out = tmp_path / "web"
    proc, info = _serve("--out", str(out), tmpdir=tmp_path)
    try:
        assert Path(info["sources"]) == out / "sources.yaml"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        assert (out / "sources.yaml").is_file() and (out / "key").is_dir()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
