"""Crawl settings: polite, hardened defaults; a sources file may only change the allow-listed ones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from spiders import settings
from spiders.middlewares import _seconds, backoff_seconds


def test_defaults_are_polite_and_hardened() -> None:
    d = settings.DEFAULTS
    assert d["ROBOTSTXT_OBEY"] is True and d["AUTOTHROTTLE_ENABLED"] is True
    assert d["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert "newscorpus" in d["USER_AGENT"] and "+http" in d["USER_AGENT"]
    assert {429, 500, 502, 503, 504} <= set(d["RETRY_HTTP_CODES"])
    assert d["DOWNLOAD_MAXSIZE"] == 8 * 1024 * 1024 and d["DOWNLOAD_WARNSIZE"] < d["DOWNLOAD_MAXSIZE"]
    assert d["DOWNLOAD_HANDLERS"] == {"file": None, "data": None, "s3": None, "ftp": None}
    assert d["TELNETCONSOLE_ENABLED"] is False and d["DOWNLOAD_TIMEOUT"] > 0


def test_sources_file_settings_merge_over_the_defaults() -> None:
    merged = settings.build({"DOWNLOAD_TIMEOUT": 2, "CONCURRENT_REQUESTS_PER_DOMAIN": 8}, NEWSCORPUS_RUN_ID=3)
    assert merged["DOWNLOAD_TIMEOUT"] == 2 and merged["CONCURRENT_REQUESTS_PER_DOMAIN"] == 8
    assert merged["ROBOTSTXT_OBEY"] is True and merged["NEWSCORPUS_RUN_ID"] == 3


@pytest.mark.parametrize(
    "overrides",
    [
        {"ROBOTSTXT_OBEY": False},
        {"USER_AGENT": "Mozilla/5.0"},
        {"DOWNLOAD_HANDLERS": {"file": "x"}},
        {"DOWNLOAD_MAXSIZE": 64 * 1024 * 1024},
        {"DOWNLOAD_TIMEOUT": "soon"},
        {"CONCURRENT_REQUESTS_PER_DOMAIN": 0},
        {"AUTOTHROTTLE_ENABLED": "no"},
    ],
)
def test_settings_outside_the_allow_list_are_refused(overrides: dict) -> None:
    with pytest.raises(ValueError):
        settings.check_overrides(overrides)


def test_retry_after_values() -> None:
    assert _seconds("120") == 120.0
    later = datetime.now(timezone.utc) + timedelta(seconds=90)
    assert 60 < _seconds(format_datetime(later, usegmt=True)) <= 90
    assert _seconds("whenever") is None


def test_backoff_doubles_per_retry_and_is_capped() -> None:
    assert [backoff_seconds(n, 1.0, 120, None) for n in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_seconds(10, 1.0, 120, None) == 120
    assert backoff_seconds(0, 1.0, 120, 30.0) == 30.0  # the server's Retry-After wins
    assert backoff_seconds(0, 1.0, 120, 3600.0) == 120
