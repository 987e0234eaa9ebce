"""Shared fixtures. Each area keeps its own in tests/plugins/ (one file per area)."""

pytest_plugins = [
    "tests.plugins.database",
    "tests.plugins.sampleweb",
    "tests.plugins.airflow",
    "tests.plugins.answer_key",
]
