"""CREATE FUNCTION ... LANGUAGE sql against stock PostgreSQL 15: the same statements on both
sides must give the same rows, or fail with the same SQLSTATE."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import apsw
import psycopg
import pytest
from stock_postgres import stock_postgres

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError

pytestmark = pytest.mark.integration

STATEMENTS = [
    "create table t (a int, b text)",
    "insert into t values (1, 'x'), (2, 'y'), (3, null)",
    "create function add_one(x int) returns int language sql as $$ select x + 1 $$",
    "select add_one(41), add_one(add_one(1))",
    "create function add_one(x int) returns int as 'select $1 + 100' language sql",
    "create or replace function add_one(x int) returns int as 'select $1 + 100' language sql",
    "select add_one(1)",
    "select a, add_one(a) from t where add_one(a) > 101 order by a",
    "create function cnt(v int) returns bigint language sql return (select count(*) from t where a >= v)",
    "select cnt(1), cnt(3), cnt(4)",
    "create function lookup(int) returns text as $$ select b from t where a = $1 $$ language sql stable",
    "select lookup(2), lookup(5)",
    "select a, lookup(a) from t order by a",
    "create function half(x numeric) returns numeric(10,2) language sql immutable as $$ select x / 2 $$",
    "select half(5), half(1)",
    "create function greet(name text, punct text) returns text language sql as "
    "$body$ select 'hello ' || name || punct $body$",
    "select greet(b, '!') from t order by a",
    "update t set b = greet(b, '?') where a = 1",
    "select b from t order by a",
    "create function two(int, int) returns int language sql as $$ select $1 * $2 $$",
    "select two(3, 4), two(a, a) from t where a = 2",
    "drop function add_one(int)",
    "select add_one(1)",
    "drop function add_one(int)",
    "drop function if exists add_one(int)",
    "drop function two",
    "select two(1, 2)",
]


@pytest.fixture(scope="module")
def postgres() -> Iterator[psycopg.Connection]:
    with stock_postgres() as dsn, psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


def on_postgres(conn: psycopg.Connection, sql: str) -> tuple[str, object]:
    try:
        cur = conn.execute(sql)
        return "ok", cur.fetchall() if cur.description else None
    except psycopg.Error as e:
        return "error", e.sqlstate


def on_engine(s: Session, sql: str) -> tuple[str, object]:
    try:
        r = s.execute(sql)
        return "ok", [tuple(row) for row in r.rows] if r.columns else None
    except SqlError as e:
        return "error", e.sqlstate


def normal(v: object) -> object:
    if isinstance(v, list):
        return [tuple(Decimal(str(x)) if isinstance(x, (int, float, Decimal)) and not isinstance(x, bool)
                      else x for x in row) for row in v]
    return v


def test_sql_functions_behave_as_in_postgres(postgres):
    postgres.execute("drop schema if exists uf cascade")
    postgres.execute("create schema uf")
    postgres.execute("set search_path = uf")
    s = Session(apsw.Connection(":memory:"))
    for sql in STATEMENTS:
        want, got = on_postgres(postgres, sql), on_engine(s, sql)
        assert (want[0], normal(want[1])) == (got[0], normal(got[1])), sql
    postgres.execute("drop schema uf cascade")


def test_what_is_refused(tmp_path):
    s = Session(apsw.Connection(":memory:"))
    for sql, state in (
        ("create function s() returns setof int language sql as $$ select 1 $$", "0A000"),
        ("create function o(out x int) returns int language sql as $$ select 1 $$", "0A000"),
        ("create function n() returns int language sql", "42P13"),
        ("create function two() returns int language sql as $$ select 1, 2 $$", "42P13"),
    ):
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert e.value.sqlstate == state, sql
    s.execute("create function rec(x int) returns int language sql as $$ select rec(x) $$")
    with pytest.raises(SqlError) as e:
        s.execute("select rec(1)")
    assert e.value.sqlstate == "54001"
    s.execute("create function f(x int) returns int language sql as $$ select x $$")
    rows = s.execute("select proname, pg_get_function_result(oid), pg_get_function_arguments(oid) "
                     "from pg_proc where proname in ('f', 'rec') order by 1").rows
    assert rows == [("f", "int", "x int"), ("rec", "int", "x int")]
