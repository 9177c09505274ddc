"""PostgreSQL's behaviour of the statements that change data and views (the regression files
create_view, insert, update, with, returning, insert_conflict, truncate, delete), in-process."""

from __future__ import annotations

import pytest

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


def rows(s: Session, sql: str, *params: object) -> list[tuple]:
    return s.execute(sql, params).rows


def sqlstate(s: Session, sql: str, *params: object) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql, params)
    return e.value.sqlstate


def test_view_of_a_missing_relation_is_refused_and_leaves_nothing(s):
    assert sqlstate(s, "create view v1 as select * from base_table") == "42P01"
    s.execute("create table t1 (num int, name text)")  # the schema is still readable
    assert rows(s, "select count(*) from pg_class where relname = 'v1'") == [(0,)]
