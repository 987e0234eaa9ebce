"""The news_reader role reads the contract views and nothing else."""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import pytest

from pipeline.db import reader_url

from .test_migrate import CONTRACT_VIEWS


@pytest.fixture
def reader(database_url: str):
    conn = psycopg2.connect(reader_url(database_url))
    conn.autocommit = True
    yield conn
    conn.close()


def test_reader_can_select_every_contract_view(reader) -> None:
    with reader.cursor() as cur:
        for view in CONTRACT_VIEWS:
            cur.execute(f"select * from news.{view} limit 1")
            assert cur.description is not None


@pytest.mark.parametrize(
    "statement",
    [
        "select * from news.pages",
        "select * from news.articles",
        "insert into news.sources (name, outlet, kind) values ('x', 'X', 'other')",
        "delete from news.crawl_runs",
        "create table news.mine (x int)",
    ],
)
def test_reader_cannot_touch_tables(reader, statement: str) -> None:
    with reader.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute(statement)
