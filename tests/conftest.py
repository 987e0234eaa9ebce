"""Shared fixtures. Each area keeps its own in tests/plugins/ (one file per area)."""

pytest_plugins = [
    "tests.plugins.database",
    "tests.plugins.sampleweb",
    "tests.plugins.airflow",
    "tests.plugins.answer_key",
]


def pytest_configure(config) -> None:  # noqa: ANN001 - pytest's Config
    """Crawls started by tests archive their WARC records in a temp folder of this session,
    never in the checkout's .newscorpus/ (tests that check WARC output set their own folder)."""
    import os
    import tempfile

    if "NEWSCORPUS_WARC_DIR" not in os.environ:
        config._newscorpus_warc_dir = tempfile.mkdtemp(prefix="newscorpus-test-warc-")
        os.environ["NEWSCORPUS_WARC_DIR"] = config._newscorpus_warc_dir


def pytest_unconfigure(config) -> None:  # noqa: ANN001 - pytest's Config
    import shutil

    folder = getattr(config, "_newscorpus_warc_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
