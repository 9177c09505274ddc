"""Queries as PostgreSQL answers them: window frames, numeric typmods and functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


def rows(s: Session, sql: str) -> list[tuple]:
    return s.execute(sql, ()).rows


def _sqlstate(s: Session, sql: str) -> str:
    with pytest.raises(SqlError) as err:
        s.execute(sql, ())
    return err.value.sqlstate


@pytest.fixture
def emp(s: Session) -> Session:
    s.execute("create table emp (id int, salary int, enroll date, n numeric, f float8)", ())
    s.execute("insert into emp values (1, 5000, '2006-10-01', 1.0, 1.0), "
              "(2, 3900, '2006-12-23', 2.5, 2.5), (3, 4800, '2007-08-08', -3, -3), "
              "(4, 3500, '2007-12-10', 'NaN', 'NaN'), (5, 4200, '2008-01-01', 2, 2)", ())
    return s


def test_range_offset_of_months_over_dates(emp: Session) -> None:
    got = rows(emp, "select id, sum(salary) over (order by enroll range between "
                    "'1 year'::interval preceding and '1 year'::interval following) "
                    "from emp order by id")
    assert got == [(1, 13700), (2, 17200), (3, 21400), (4, 16400), (5, 12500)]


def test_range_offset_of_days_over_dates(emp: Session) -> None:
    got = rows(emp, "select id, count(*) over (order by enroll range between "
                    "'30 days' preceding and current row) from emp order by id")
    assert got == [(1, 1), (2, 1), (3, 1), (4, 1), (5, 2)]


def test_range_offset_over_numeric_orders_by_value(emp: Session) -> None:
    # numeric keys are compared as numbers (not their text sort key); NaN only meets NaN
    got = rows(emp, "select id, first_value(id) over w, last_value(id) over w from emp "
                    "window w as (order by n range between 1 preceding and 1.1 following) "
                    "order by id")
    assert got == [(1, 1, 5), (2, 5, 2), (3, 3, 3), (4, 4, 4), (5, 1, 2)]


def test_range_offset_cast_to_float4_is_float4(emp: Session) -> None:
    got = rows(emp, "select id, count(*) over (order by f range between 0 preceding "
                    "and 1.5::float8 following) from emp where id <> 4 order by id")
    assert got == [(1, 3), (2, 1), (3, 1), (5, 2)]


def test_range_offset_errors(emp: Session) -> None:
    assert _sqlstate(emp, "select sum(id) over (order by n range between 1 preceding "
                          "and 'NaN' following) from emp") == "22013"
    assert _sqlstate(emp, "select sum(id) over (order by f range between -1 preceding "
                          "and current row) from emp") == "22013"
    assert _sqlstate(emp, "select sum(id) over (order by n range between 1 preceding "
                          "and 1.1::float8 following) from emp") == "0A000"
    assert _sqlstate(emp, "select sum(id) over (order by id, n range between 1 preceding "
                          "and current row) from emp") == "42P20"


def test_range_offset_of_months_refuses_a_clamped_day(s: Session) -> None:
    s.execute("create table d (t timestamp)", ())
    s.execute("insert into d values ('2007-03-31 10:00'), ('2007-02-28 10:00')", ())
    assert _sqlstate(s, "select count(*) over (order by t range between '1 month' "
                        "preceding and current row) from d") == "0A000"


def test_range_offset_over_time_and_interval(s: Session) -> None:
    s.execute("create table d (t time, i interval)", ())
    s.execute("insert into d values ('11:00', '1 year'), ('12:00', '2 years'), "
              "('13:30', '4 years')", ())
    assert rows(s, "select count(*) over (order by t range between '70 min' preceding "
                   "and current row) from d order by t") == [(1,), (2,), (1,)]
    assert rows(s, "select count(*) over (order by i range between '1 year' preceding "
                   "and '1 year' following) from d order by i") == [(2,), (2,), (1,)]


def test_numeric_negative_scale_and_scale_above_precision(s: Session) -> None:
    s.execute("create table nt (millions numeric(3, -6), thousandths numeric(3, 3), "
              "millionths numeric(3, 6))", ())
    s.execute("insert into nt values (123456789, 0.987654, 0.000987654)", ())
    assert rows(s, "select * from nt") == [
        (Decimal("123000000"), Decimal("0.988"), Decimal("0.000988"))]
    assert _sqlstate(s, "insert into nt (millions) values (999500000)") == "22003"
    assert _sqlstate(s, "insert into nt (millionths) values (0.0009995)") == "22003"
    assert rows(s, "select 1234::numeric(3,-3)") == [(Decimal("1000"),)]


def test_factorial(s: Session) -> None:
    assert rows(s, "select factorial(15), factorial(0)") == [
        (Decimal("1307674368000"), Decimal("1"))]
    assert _sqlstate(s, "select factorial(-4)") == "22003"
    assert _sqlstate(s, "select factorial(100000)") == "22003"


def test_gcd_lcm_of_numeric_specials_and_scales(s: Session) -> None:
    got = rows(s, "select gcd(0::numeric, 'NaN'::numeric), lcm('inf'::numeric, 42::numeric), "
                  "gcd(4331.250::numeric, 463.75000::numeric), "
                  "lcm(4232.820::numeric, 132.72000::numeric)")
    assert [str(v) for v in got[0]] == ["NaN", "NaN", "8.75000", "118518.96000"]
