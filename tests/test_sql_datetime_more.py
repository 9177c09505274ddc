"""Dates, timestamps and intervals as PostgreSQL answers them: infinite values, storage
forms that sort as the values do, field extraction and input checks."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


def rows(s: Session, sql: str) -> list[tuple]:
    return s.execute(sql).rows


def sqlstate(s: Session, sql: str) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    return e.value.sqlstate


def test_infinite_timestamps_sort_around_every_other(s: Session) -> None:
    s.execute("CREATE TABLE t (ts timestamp, tz timestamptz, d date)")
    s.execute("INSERT INTO t VALUES ('infinity', 'infinity', 'infinity'), "
              "('-infinity', '-infinity', '-infinity'), ('1997-01-02', '1997-01-02', '1997-01-02')")
    s.execute("CREATE INDEX t_ts ON t (ts)")
    assert rows(s, "SELECT ts FROM t ORDER BY ts") == [
        ("-infinity",), (dt.datetime(1997, 1, 2),), ("infinity",)]
    assert rows(s, "SELECT tz FROM t WHERE tz > timestamptz '1997-01-01' ORDER BY tz") == [
        (dt.datetime(1997, 1, 2, tzinfo=dt.UTC),), ("infinity",)]
    assert rows(s, "SELECT d FROM t WHERE d < '2000-01-01' ORDER BY d") == [
        ("-infinity",), (dt.date(1997, 1, 2),)]
    assert rows(s, "SELECT count(*) FROM t WHERE ts < 'infinity'") == [(2,)]


def test_fields_of_an_infinite_value(s: Session) -> None:
    year, month, epoch = rows(
        s, "SELECT date_part('year', ts), extract(month FROM ts), extract(epoch FROM ts) "
           "FROM (SELECT timestamp '-infinity' AS ts) x")[0]
    assert math.isinf(year) and year < 0 and month is None and math.isinf(epoch)
    assert rows(s, "SELECT extract(day FROM date 'infinity')") == [(None,)]
    assert sqlstate(s, "SELECT extract(microsec FROM date 'infinity')") == "22023"
    assert rows(s, "SELECT to_char(timestamp 'infinity', 'YYYY')") == [(None,)]
    assert rows(s, "SELECT isfinite('infinity'::date), isfinite('-infinity'::timestamp), "
                   "isfinite('2000-01-01'::date)") == [(False, False, True)]


def test_julian_day_and_zone_fields(s: Session) -> None:
    assert rows(s, "SELECT extract(julian FROM date '2020-08-11')")[0][0] == 2459073
    assert rows(s, "SELECT date_part('timezone_hour', timestamptz '2000-01-01 00:00+00')") == [
        (0,)]


def test_series_up_to_infinity(s: Session) -> None:
    got = rows(s, "SELECT generate_series('2022-01-01'::timestamp, 'infinity'::timestamp, "
                  "'1 month'::interval) LIMIT 2")
    assert len(got) == 2
    assert rows(s, "SELECT to_timestamp('-Infinity'::float)") == [("-infinity",)]
