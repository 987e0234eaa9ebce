"""Sample-web fixtures: the sample web served over real HTTP for the whole test session.

    def test_x(sample_web):
        sample_web.port, sample_web.base_urls, sample_web.sources_path, sample_web.key_path
        sample_web.key                      # pipeline.sampleweb.key.AnswerKey
        sample_web.url("daily-beacon", "/news/feed/")
        sample_web.set_day(2)               # remember to set_day(1) after, the server is shared

`sample_web_day` gives a function-scoped guard that puts the shared server back on day 1.
`sample_web_factory` starts a private server (own seed/size/day) for the duration of a test.
"""
from __future__ import annotations

import contextlib

import pytest

from pipeline.sampleweb.testing import running_sample_web


@pytest.fixture(scope="session")
def sample_web(tmp_path_factory):
    with running_sample_web(tmp_path_factory.mktemp("sampleweb")) as web:
        yield web


@pytest.fixture
def sample_web_day(sample_web):
    """The shared sample web, restored to day 1 (and fault counters reset) after the test."""
    yield sample_web
    sample_web.set_day(1)
    sample_web.reset_faults()


@pytest.fixture
def sample_web_factory(tmp_path_factory):
    with contextlib.ExitStack() as stack:
        def start(**kw):
            return stack.enter_context(running_sample_web(tmp_path_factory.mktemp("sampleweb-own"), **kw))
        yield start
