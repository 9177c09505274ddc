"""numeric against stock PostgreSQL 15: the same statements must show the same text.

Every query runs on stock PostgreSQL (tests/stock_postgres.py) and on the engine over the
same rows; values compare as the text PostgreSQL shows (scale included), errors as SQLSTATE,
message and detail. Left out on purpose: the scale of a value in an *unconstrained* numeric
column (stored as its value: 19.90 shows as 19.9; see engine/sql/DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import apsw
import psycopg
import pytest
from stock_postgres import stock_postgres

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError

pytestmark = pytest.mark.integration

SETUP = [
    "create table m (id int primary key, n numeric, p numeric(10,2), f float8, i int, b bigint)",
    "insert into m values (1, '12345678901234567890.123456789', 1.5, 0.1, 7, 9223372036854775807),"
    " (2, 19.9, 2.255, 2.5, -3, 9223372036854775807), (3, 5, 3, null, 0, 1),"
    " (4, 0.3, 12345678.5, 1e20, 2, null), (5, 'NaN', null, 3.5, 4, 5),"
    " (6, -0.25, -1.125, -1, 1, 2)",
]

QUERIES = """
select 0.1::numeric + 0.2::numeric, 12345678901234567890.12::numeric + 1, 1.50::numeric(10,2) * 3
select 1::numeric / 3, 2::numeric / 3, 10::numeric / 4, 123456789012345678::numeric / 7
select 1.000000000000000000000 / 3, 0::numeric / 100000000, 0.0001::numeric / 3
select 99999.9999::numeric / 0.0003, 1000000::numeric / 3, 1::numeric / 1000000
select 7.5 % 2, -7 % 3::numeric, 5 % 3.0, mod(-10.5, 3)
select round(2.5::numeric), round(-2.5::numeric), round(1.2345, 2), round(4.5::numeric, 3)
select round(1250::numeric, -2), round(7, 2), trunc(-1.999, 2), trunc(123.456, -1)
select ceil(1.01::numeric), floor(-1.01::numeric), ceil(-0.5::numeric), abs(-1.50)
select sqrt(2::numeric), sqrt(100::numeric), sqrt(0.0001::numeric), sqrt(0::numeric)
select sqrt(12345678901234567890::numeric)
select power(2::numeric, 3), 2::numeric ^ 0.5, 2.0 ^ 10, 10::numeric ^ -3, 0.5 ^ 100
select (-2)::numeric ^ 3, 2::numeric ^ 100, 9::numeric ^ 0.5, 1.1 ^ 1.1, 0::numeric ^ 0
select 1.0001 ^ 10000, 0.99 ^ 1000, 7::numeric ^ 35, 3.5 ^ -2, 1.5 ^ 2.50
select 1e5 + 0, 1.5e-3 + 0, '  1.10 '::numeric, 2.675::numeric(10,2), -2.675::numeric(10,2)
select 'NaN'::numeric + 1, 'Infinity'::numeric - 'Infinity'::numeric, 'Infinity'::numeric * -2
select 'Infinity'::numeric * 0, 1 / 'Infinity'::numeric, 'NaN'::numeric > 'Infinity'::numeric
select 0.1::numeric + 0.2::float8, 7 / 2, 1.5::numeric = 1.5::float8
select 123.456::numeric(4,2)
select 0.5::numeric(2,2) + 0.996::numeric(2,2)
select 'Infinity'::numeric(4,2)
select 10::numeric ^ 200000
select '1e131072'::numeric
select 'abc'::numeric
select 1::numeric / 0
select sqrt(-1::numeric)
select 0::numeric ^ -1
select (-8)::numeric ^ 0.5
select 'NaN'::numeric::int
select id, n + p, n - p, p * 2, p / 3, n / 7, p % 1 from m order by id
select n from m where id <> 2 order by n desc
select sum(n), avg(n), min(n), max(n), sum(p), avg(p), min(p), max(p) from m
select sum(i), avg(i), sum(b), avg(b) from m
select id from m where n > 10 order by id
select id from m where n < 'NaN' and p between 1.5 and 3 order by id
select id, sum(p) over (order by id rows between 1 preceding and current row) from m order by id
select sum(distinct p), count(distinct p * 1) from m
select p::text, (p * 2)::text, f::numeric, (f * 3)::numeric from m order by id
select least(i, p), greatest(p, 2), nullif(p, 3.00), coalesce(p, 0) from m order by id
select case when id = 1 then p else 0 end from m order by id
select id from m where n * 2 in (10, 0.6) or n in (5, 0.30) order by id
select avg(x) from (values (1), (2)) t(x)
select sum(x), avg(x) from (values (0.1::numeric), (0.2)) t(x)
select (1.5::numeric)::int, 2.5::numeric::int, (-2.5::numeric)::int, (-0.5::numeric)::smallint
select p, p * 1 from (select p from m union all select 1.5::numeric(10,3)) t order by 1
with x as (select p * 2 as v from m) select sum(v), avg(v), count(*) filter (where v = 3) from x
select p * 2 as v, count(*) from m group by p * 2 order by v
select distinct p * 1 from m order by 1
select id, rank() over (order by p desc) from m order by id
select i * 1.5, b + 0.5, i / 2.0 from m order by id
select id from m where f < p order by id
""".strip().splitlines()


def _shown(v: object) -> str | None:
    return None if v is None else str(v)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[psycopg.Connection, Session]]:
    conn = apsw.Connection(str(tmp_path_factory.mktemp("numeric") / "postgres.db"))
    conn.execute("PRAGMA journal_mode=MEMORY")
    session = Session(conn)
    with stock_postgres() as dsn, psycopg.connect(dsn, autocommit=True) as pg:
        for sql in SETUP:
            pg.execute(sql)
            session.execute(sql)
        yield pg, session
    session.close()


@pytest.mark.parametrize("sql", QUERIES)
def test_same_text_as_postgresql(pair: tuple[psycopg.Connection, Session], sql: str) -> None:
    pg, session = pair
    try:
        expected: object = [tuple(map(_shown, r)) for r in pg.execute(sql).fetchall()]
    except psycopg.Error as e:
        expected = (e.sqlstate, e.diag.message_primary, e.diag.message_detail)
    try:
        got: object = [tuple(map(_shown, r)) for r in session.execute(sql, ()).rows]
    except SqlError as e:
        got = (e.sqlstate, e.message, e.detail)
    assert got == expected
