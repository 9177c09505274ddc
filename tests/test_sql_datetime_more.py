"""Dates, timestamps and intervals as PostgreSQL answers them: infinite values, storage
forms that sort as the values do, field extraction and input checks."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

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


def test_columns_store_dates_and_timestamps_in_one_form(s: Session) -> None:
    s.execute("CREATE TABLE t (ts timestamp(2), d date)")
    s.execute("INSERT INTO t VALUES ('Mon Feb 10 17:32:01.555 1997 PST', 'Feb 10 1997'), "
              "('1997-02-10 17:32:01.125', '1997-02-10')")
    # timestamp input ignores the zone; timestamp(2) rounds half away from 2000-01-01
    assert rows(s, "SELECT ts, d FROM t ORDER BY ts") == [
        (dt.datetime(1997, 2, 10, 17, 32, 1, 120000), dt.date(1997, 2, 10)),
        (dt.datetime(1997, 2, 10, 17, 32, 1, 550000), dt.date(1997, 2, 10))]
    assert rows(s, "SELECT count(*) FROM t WHERE d = date '1997-02-10'") == [(2,)]
    assert sqlstate(s, "INSERT INTO t (d) VALUES ('1997-02-29')") == "22008"
    assert sqlstate(s, "UPDATE t SET ts = 'Feb 29 17:32:01 1997'") == "22008"
    assert sqlstate(s, "INSERT INTO t (ts) VALUES ('garbage')") == "22007"
    assert rows(s, "SELECT timestamp '2000-03-15 13:14:02 GMT-1'") == [
        (dt.datetime(2000, 3, 15, 13, 14, 2),)]
    assert rows(s, "SELECT timestamptz '2000-03-15 13:14:02 GMT-1'") == [
        (dt.datetime(2000, 3, 15, 12, 14, 2, tzinfo=dt.UTC),)]


def test_bc_and_far_future_values_store_sort_and_print(s: Session) -> None:
    s.execute("CREATE TABLE t (ts timestamp, tz timestamptz, d date)")
    s.execute("CREATE INDEX t_d ON t (d)")
    s.execute("INSERT INTO t VALUES ('Feb 16 17:32:01 0097 BC', 'Feb 16 17:32:01 0097 BC', "
              "'0097-02-16 BC'), ('Feb 16 17:32:01 0597 BC', '4714-11-23 16:00:00-08 BC', "
              "'4714-11-24 BC'), ('294276-12-31 23:59:59', 'infinity', '5874897-12-31'), "
              "('-infinity', '1997-02-10 17:32:01', '1997-02-10')")
    assert rows(s, "SELECT ts FROM t ORDER BY ts") == [
        ("-infinity",), ("0597-02-16 17:32:01 BC",), ("0097-02-16 17:32:01 BC",),
        ("294276-12-31 23:59:59",)]
    assert rows(s, "SELECT tz FROM t ORDER BY tz") == [
        ("4714-11-24 00:00:00+00 BC",), ("0097-02-16 17:32:01+00 BC",),
        (dt.datetime(1997, 2, 10, 17, 32, 1, tzinfo=dt.UTC),), ("infinity",)]
    assert rows(s, "SELECT d FROM t WHERE d < '1000-01-01' ORDER BY d") == [
        ("4714-11-24 BC",), ("0097-02-16 BC",)]
    assert rows(s, "SELECT date 'January 8, 99 BC'") == [("0099-01-08 BC",)]
    assert sqlstate(s, "SELECT date '4714-11-23 BC'") == "22008"
    assert sqlstate(s, "SELECT timestamp '4714-11-23 23:59:59 BC'") == "22008"
    assert sqlstate(s, "SELECT date '5874898-01-01'") == "22008"


def test_fields_and_arithmetic_of_bc_dates(s: Session) -> None:
    got = rows(s, "SELECT extract(century FROM date '0101-12-31 BC'), "
                  "extract(decade FROM date '0001-01-01 BC'), extract(year FROM date '2020-08-11 BC'), "
                  "extract(isoyear FROM date '2020-08-11 BC'), extract(dow FROM date '0044-03-15 BC')")
    assert [int(x) for x in got[0]] == [-2, 0, -2020, -2020, 5]
    assert rows(s, "SELECT date '0044-03-15 BC' + 1, date '0001-01-01' - 1, date 'infinity' + 1") == [
        ("0044-03-16 BC", "0001-12-31 BC", "infinity")]
    assert rows(s, "SELECT date '2000-01-01' - date '0044-03-15 BC'") == [(746117,)]
    assert sqlstate(s, "SELECT date 'infinity' - date '2000-01-01'") == "22008"
    assert sqlstate(s, "SELECT date '4714-11-24 BC' - 1") == "22008"


def test_timestamp_minus_timestamp_is_an_interval(s: Session) -> None:
    assert rows(s, "SELECT timestamp '1997-02-10 17:32:01' - timestamp '1997-01-02', "
                   "timestamp '1970-01-01' - timestamp '1997-01-02', "
                   "timestamp '1997-01-02' - timestamp '1997-01-02 03:04:05'") == [
        ("39 days 17:32:01", "-9863 days", "-03:04:05")]


def test_interval_times_and_over_a_number(s: Session) -> None:
    # interval_mul / interval_div: each field truncated, its fraction carried down
    assert rows(s, "SELECT interval '41 mon 12 days 360:00' * 0.3, "
                   "interval '-3 years 482 days 76:54:32.189' / 10, 2 * interval '1 day', "
                   "- interval '1 year -3 days 4 hours'") == [
        ("1 year 12 days 122:24:00", "-3 mons +30 days 12:29:27.2189", "2 days",
         "-1 years +3 days -04:00:00")]
    assert sqlstate(s, "SELECT '3000000 months'::interval * 1000") == "22008"
    assert sqlstate(s, "SELECT interval '1 day' / 0") == "22012"
    assert sqlstate(s, "SELECT justify_hours(interval '2147483647 days 24 hrs')") == "22008"


def test_fields_of_an_interval(s: Session) -> None:
    got = rows(s, "SELECT extract(decade FROM interval '-99 y'), "
                  "extract(epoch FROM interval '1 year 1 mon 1 day 00:00:01.5'), "
                  "extract(second FROM interval '1 min 2.5 s'), "
                  "date_part('hour', interval '1 day 25:00')")[0]
    assert [float(x) for x in got] == [-9, 34236001.5, 2.5, 25]
    assert sqlstate(s, "SELECT extract(timezone FROM interval '2 days')") == "0A000"
    assert sqlstate(s, "SELECT extract(fortnight FROM interval '2 days')") == "22023"


def test_an_interval_field_given_twice_is_refused(s: Session) -> None:
    for text in ("1 day 1 day", "1 second 2 seconds", "5.5 seconds 3 milliseconds",
                 "1:20:05 5 microseconds"):
        assert sqlstate(s, f"SELECT '{text}'::interval") == "22007"
    assert rows(s, "SELECT '5 seconds 3 milliseconds'::interval, '1 week 2 days'::interval") == [
        ("00:00:05.003", "9 days")]


def test_a_fraction_of_a_year_is_whole_months(s: Session) -> None:
    """PostgreSQL 15 rounds a fraction of a year (decade, century ...) to months: '1.1
    years' is 1 year 1 mon ('1 year 1 mon 6 days' before); a month's fraction is days."""
    s.execute("CREATE TABLE plan (name text, term interval)")
    s.execute("INSERT INTO plan VALUES ('a', '1.1 years'), ('b', 'P.1Y0M3DT4H5M6S'), "
              "('c', '-1.1 years'), ('d', '1.15 decades'), ('e', '0.125 years'), "
              "('f', '1.5 months')")
    assert rows(s, "SELECT name, term FROM plan ORDER BY name") == [
        ("a", "1 year 1 mon"), ("b", "1 mon 3 days 04:05:06"), ("c", "-1 years -1 mons"),
        ("d", "11 years 6 mons"), ("e", "2 mons"), ("f", "1 mon 15 days")]


def test_aggregates_of_intervals(s: Session) -> None:
    s.execute("CREATE TABLE t (f interval)")
    s.execute("INSERT INTO t VALUES ('1 day'), ('2 hours'), ('1 mon'), ('10 days'), ('9 days')")
    assert rows(s, "SELECT avg(f), sum(f), min(f), max(f) FROM t") == [
        ("10 days 00:24:00", "1 mon 20 days 02:00:00", "02:00:00", "1 mon")]
    assert rows(s, "SELECT max(f) FROM t WHERE f < '1 mon'") == [("10 days",)]


def test_interval_style(s: Session) -> None:
    s.execute("SET IntervalStyle TO postgres_verbose")
    assert rows(s, "SELECT '-00:00:14'::interval, '1 year -1 sec'::interval, '0'::interval") == [
        ("@ 14 secs ago", "@ 1 year -1 sec", "@ 0")]
    s.execute("SET IntervalStyle TO sql_standard")
    assert rows(s, "SELECT '-1 year -2 mons'::interval, '1 day 02:03:04.5'::interval, "
                   "'1 year -1 day'::interval") == [("-1-2", "1 2:03:04.5", "+1-0 -1 +0:00:00")]
    s.execute("SET IntervalStyle TO iso_8601")
    assert rows(s, "SELECT '-1 year -2 mons -3 days -04:05:06.7'::interval, '0'::interval") == [
        ("P-1Y-2M-3DT-4H-5M-6.7S", "PT0S")]
    s.execute("RESET IntervalStyle")
    assert rows(s, "SELECT '1 year -1 sec'::interval") == [("1 year -00:00:01",)]


def test_to_char_of_timestamps(s: Session) -> None:
    ts = "timestamp '1997-02-10 17:32:01.4'"
    assert rows(s, f"SELECT to_char({ts}, 'DAY Day dy MONTH Mon RM'), "
                   f"to_char({ts}, 'FMDay FMMonth FMRM'), "
                   f"to_char({ts}, 'Y,YYY YYYY CC Q MM WW DDD DD D J'), "
                   f"to_char({ts}, 'HH HH12 HH24 MI SS SSSS MS US FF2'), "
                   f"to_char({ts}, 'YYYYTH Jth A.D. p.m. IYYY IW IDDD ID')") == [(
        "MONDAY    Monday    mon FEBRUARY  Feb II  ", "Monday February II",
        "1,997 1997 20 1 02 06 041 10 2 2450490", "05 05 17 32 01 63121 400 400000 40",
        "1997TH 2450490th A.D. p.m. 1997 07 043 1")]
    assert rows(s, f"SELECT to_char({ts}, E'\"HH:MI:SS is\" HH:MI:SS')") == [
        ("HH:MI:SS is 05:32:01",)]
    assert rows(s, "SELECT to_char(timestamp '0097-02-16 17:32:01 BC', 'YYYY BC CC')") == [
        ("0097 BC -01",)]
    assert rows(s, "SELECT to_char(timestamptz '2000-01-01 00:00+00', 'OF TZH:TZM')") == [
        ("+00 +00:00",)]


def test_extract_by_the_type_of_its_operand(s: Session) -> None:
    assert rows(s, "SELECT extract(epoch FROM date '2020-08-11'), "
                   "extract(epoch FROM time '13:30:25.575401'), "
                   "extract(second FROM timestamp '2000-01-01 00:00:01.5')") == [
        (1597104000, Decimal("48625.575401"), Decimal("1.500000"))]
    assert sqlstate(s, "SELECT extract(hour FROM date '2020-08-11')") == "0A000"
    assert sqlstate(s, "SELECT extract(timezone_m FROM date '2020-08-11')") == "0A000"
    assert sqlstate(s, "SELECT extract(day FROM time '13:30')") == "0A000"
    # a field is a word or a string in PostgreSQL's grammar: a number was an internal error
    assert sqlstate(s, "SELECT extract(0 FROM date '2024-01-05')") == "42601"
    assert sqlstate(s, "SELECT extract(1.5 FROM date '2024-01-05')") == "42601"


def test_date_part_of_a_number_or_boolean_field_does_not_exist(s: Session) -> None:
    """date_part(0, d) is a call with no such function (it was EXTRACT's 42601)."""
    for sql, message in [
            ("SELECT date_part(0, date '2024-01-05')", "date_part(integer, date)"),
            ("SELECT date_part(1.5, timestamp '2024-01-05')",
             "date_part(numeric, timestamp without time zone)"),
            ("SELECT date_part(true, interval '1 day')", "date_part(boolean, interval)")]:
        with pytest.raises(SqlError) as err:
            s.execute(sql)
        assert (err.value.sqlstate, err.value.message) == (
            "42883", f"function {message} does not exist")
    assert rows(s, "SELECT date_part('day', date '2024-01-05'), date_part($$day$$, "
                   "date '2024-01-05'), date_part(NULL, date '2024-01-05')") == [(5.0, 5.0, None)]
    assert s.execute("SELECT date_part($1, date '2024-01-05')", ("year",)).rows == [(2024.0,)]


def test_date_part_of_a_number_computed_at_run_time_does_not_exist(s: Session) -> None:
    """date_part((SELECT 1), ts) was an internal error (an AttributeError)."""
    assert sqlstate(s, "SELECT date_part((SELECT 1), timestamp '1997-02-10 17:32:01')") == "42883"
    assert sqlstate(s, "SELECT date_part((SELECT 1), time '10:00')") == "42883"
    assert rows(s, "SELECT date_part((SELECT 'day'), timestamp '2024-01-03')") == [(3.0,)]


def test_date_part_is_double_precision_and_extract_numeric(s: Session) -> None:
    """date_part answers double precision, EXTRACT numeric, from every date/time type:
    date_part('second', interval '1 min 4 sec') is 4 (it was numeric 4.000000)."""
    s.execute("CREATE TABLE ev (ts timestamp, tz timestamptz, d date, t time, i interval, "
              "tt timetz)")
    s.execute("INSERT INTO ev VALUES ('2020-01-02 03:04:05.5', '2020-01-02 03:04:05.5+00', "
              "'2020-01-02', '03:04:05.25', '1 day 1 min 4.5 sec', '01:00:00.25+02')")
    r = s.execute("SELECT date_part('second', ts), date_part('second', tz), date_part('day', d), "
                  "date_part('second', t), date_part('second', i), date_part('epoch', tt), "
                  "date_part('second', interval '1 min 4 sec') FROM ev")
    assert [c.type_oid for c in r.columns] == [701] * 7
    assert [c.name for c in r.columns] == ["date_part"] * 7
    assert r.rows == [(5.5, 5.5, 2, 5.25, 4.5, -3599.75, 4)]
    r = s.execute("SELECT extract(second FROM ts), extract(second FROM tz), extract(day FROM d), "
                  "extract(second FROM t), extract(second FROM i), extract(epoch FROM tt), "
                  "extract(julian FROM ts) FROM ev")
    assert [c.type_oid for c in r.columns] == [1700] * 7
    assert r.rows == [(Decimal("5.500000"), Decimal("5.500000"), 2, Decimal("5.250000"),
                       Decimal("4.500000"), Decimal("-3599.750000"),
                       Decimal("2458851.12784143518518518519"))]
    # a time with time zone has its zone's fields; its epoch is UTC's
    assert rows(s, "SELECT extract(hour FROM tt), extract(timezone FROM tt), "
                   "extract(timezone_hour FROM tt), date_part('timezone_minute', tt) FROM ev") == [
        (1, 7200, 2, 0)]
    assert sqlstate(s, "SELECT extract(day FROM tt) FROM ev") == "0A000"
    s.execute("CREATE VIEW ev_parts AS SELECT date_part('minute', i) AS m, "
              "date_part('second', ts) AS sec FROM ev")
    r = s.execute("SELECT m, sec FROM ev_parts")
    assert [c.type_oid for c in r.columns] == [701, 701]
    assert r.rows == [(1, 5.5)]


def test_extract_of_a_quoted_field_is_numeric(s: Session) -> None:
    """EXTRACT('day' FROM d) (the field as a string) answered double precision, like
    date_part; it is EXTRACT all the same, numeric, for every date/time type."""
    s.execute("CREATE TABLE exq (ts timestamp, tz timestamptz, d date, t time, i interval)")
    s.execute("INSERT INTO exq VALUES ('2020-01-01 00:00:01.5', '2020-01-01 00:00:01.5+00', "
              "'2020-01-05', '01:02:03.5', '1 day 2 hours 3.5 seconds')")
    r = s.execute("SELECT extract('epoch' FROM ts), extract('second' FROM tz), "
                  "extract('day' FROM d), extract('dow' FROM d), extract('julian' FROM d), "
                  "extract('microseconds' FROM t), extract('epoch' FROM i), "
                  "extract('second' FROM interval '3.5 seconds'), pg_typeof(extract('day' FROM d)) "
                  "FROM exq")
    assert [c.type_oid for c in r.columns] == [1700] * 8 + [2206]
    assert [c.name for c in r.columns][:2] == ["extract", "extract"]
    assert r.rows == [(Decimal("1577836801.500000"), Decimal("1.500000"), 5, 0, 2458854,
                       3500000, Decimal("93603.500000"), Decimal("3.500000"), "numeric")]
    assert [str(v) for v in r.rows[0][:3]] == ["1577836801.500000", "1.500000", "5"]
    # date_part stays double precision
    r = s.execute("SELECT date_part('epoch', ts), date_part('second', i) FROM exq")
    assert [c.type_oid for c in r.columns] == [701, 701]
    assert r.rows == [(1577836801.5, 3.5)]


def test_date_part_of_a_dollar_quoted_or_computed_field_is_double_precision(s: Session) -> None:
    """date_part($$day$$, d) and date_part((SELECT 'day'), ts) answered numeric, as EXTRACT
    does; EXTRACT($$day$$ FROM d) is numeric all the same."""
    r = s.execute("SELECT date_part($$day$$, date '2024-01-05'), date_part($x$day$x$, "
                  "date '2024-01-05'), date_part((SELECT 'day'), timestamp '2024-01-03'), "
                  "extract($$day$$ FROM date '2024-01-05'), "
                  "extract($$day$$ FROM interval '3 days')")
    assert [c.type_oid for c in r.columns] == [701, 701, 701, 1700, 1700]
    assert r.rows == [(5, 5, 3, 5, 3)]


def test_make_date_and_make_time_name_the_fields_as_postgres_prints_them(s: Session) -> None:
    """make_date(2013, 2, 30) said 2013-2-30 and make_date(0, 2, 3) was 0A000 (BC dates);
    datetime.c prints two-digit fields, and year zero is no date (22008)."""
    assert error(s, "SELECT make_date(2013, 2, 30)") == (
        "22008", "date field value out of range: 2013-02-30")
    assert error(s, "SELECT make_date(0, 2, 3)") == (
        "22008", "date field value out of range: 0-02-03")
    assert error(s, "SELECT make_timestamp(2013, 13, 1, 1, 1, 1)") == (
        "22008", "date field value out of range: 2013-13-01")
    assert error(s, "SELECT make_time(25, 0, 0)") == (
        "22008", "time field value out of range: 25:00:00")
    assert error(s, "SELECT make_time(1, 60, 5.5)") == (
        "22008", "time field value out of range: 1:60:5.5")


def test_bad_date_input_names_its_type(s: Session) -> None:
    """date 'xyz' said invalid input syntax for type timestamp (the reader it goes through);
    PostgreSQL names date, or timestamp with time zone."""
    assert error(s, "SELECT date 'xyz'") == ("22007", 'invalid input syntax for type date: "xyz"')
    assert error(s, "SELECT 'xyz'::timestamptz") == (
        "22007", 'invalid input syntax for type timestamp with time zone: "xyz"')
    assert error(s, "SELECT 'xyz'::timestamp") == (
        "22007", 'invalid input syntax for type timestamp: "xyz"')
    s.execute("CREATE TABLE dx (d date)")
    assert error(s, "INSERT INTO dx VALUES ('xyz')") == (
        "22007", 'invalid input syntax for type date: "xyz"')


def test_a_timetz_literal_is_a_time_with_time_zone(s: Session) -> None:
    """select timetz '10:00:01.5-03:30' was 42601 (near "?1": the literal was taken out of
    the statement as a parameter, timetz not being among the words a literal may follow)."""
    r = s.execute("select timetz '10:00:01.5-03:30'")
    assert [c.type_oid for c in r.columns] == [1266]
    assert rows(s, "select extract(hour from timetz '10:00+02'), timetz '10:00+02' IS NULL") == [
        (10, False)]


def test_extract_of_a_constant_that_is_no_date_has_no_function(s: Session) -> None:
    """extract(day FROM '2020-01-05'::text), date_part('day', 5) and date_trunc('day', '...')
    answered as if given a timestamp; PostgreSQL finds no function for a text or a number
    (42883) and several for an untyped string or NULL (42725)."""
    for sql, want in [
            ("SELECT extract(day FROM '2020-01-05'::text)",
             ("42883", "function pg_catalog.extract(unknown, text) does not exist")),
            ("SELECT extract(day FROM '2020-01-05')",
             ("42725", "function pg_catalog.extract(unknown, unknown) is not unique")),
            ("SELECT date_part('day', 5)",
             ("42883", "function date_part(unknown, integer) does not exist")),
            ("SELECT date_part('day', NULL)",
             ("42725", "function date_part(unknown, unknown) is not unique")),
            ("SELECT date_trunc('day', '2020-01-05'::varchar)",
             ("42883", "function date_trunc(unknown, character varying) does not exist")),
            ("SELECT date_trunc('day', '2020-01-05')",
             ("42725", "function date_trunc(unknown, unknown) is not unique"))]:
        assert error(s, sql) == want, sql
    assert rows(s, "SELECT extract(day FROM '2020-01-05'::date), date_part('day', NULL::date), "
                   "date_trunc('day', '2020-01-05 10:00'::timestamp)") == [
        (5, None, dt.datetime(2020, 1, 5))]


def error(s: Session, sql: str) -> tuple[str, str]:
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    return e.value.sqlstate, e.value.message


def test_a_unit_is_refused_for_the_type_it_was_given(s: Session) -> None:
    """An unknown unit was 'not recognized for type timestamp' whatever the argument: the
    message names the type PostgreSQL reads (EXTRACT a date, date_part a date as a timestamp,
    date_trunc a date as a timestamp with time zone), the unit in lower case; a unit word
    the type has not is 0A000."""
    d = "date '2021-03-07'"
    assert error(s, f"SELECT extract(foo FROM {d})") == (
        "22023", 'unit "foo" not recognized for type date')
    assert error(s, f"SELECT date_part('FOO', {d})") == (
        "22023", 'unit "foo" not recognized for type timestamp without time zone')
    assert error(s, f"SELECT date_trunc('foo', {d})") == (
        "22023", 'unit "foo" not recognized for type timestamp with time zone')
    assert error(s, "SELECT extract(foo FROM timestamptz '2021-03-07 10:00+00')") == (
        "22023", 'unit "foo" not recognized for type timestamp with time zone')
    assert error(s, "SELECT extract(foo FROM time '10:00')") == (
        "22023", 'unit "foo" not recognized for type time without time zone')
    assert error(s, "SELECT date_part(' day', timestamp '2021-03-07')") == (
        "22023", 'unit " day" not recognized for type timestamp without time zone')
    assert error(s, "SELECT extract(timezone FROM timestamp '2021-03-07')") == (
        "0A000", 'unit "timezone" not supported for type timestamp without time zone')
    assert error(s, "SELECT date_trunc('timezone', timestamp '2021-03-07')") == (
        "0A000", 'unit "timezone" not supported for type timestamp without time zone')
    assert error(s, "SELECT extract(now FROM timestamp '2021-03-07')") == (
        "0A000", 'unit "now" not supported for type timestamp without time zone')
    assert error(s, "SELECT extract(now FROM time '10:00')") == (
        "22023", 'unit "now" not recognized for type time without time zone')
    assert error(s, "SELECT date_trunc('dow', timestamp '2021-03-07')") == (
        "22023", 'unit "dow" not recognized for type timestamp without time zone')
    assert error(s, "SELECT extract(timezone_m FROM interval '1 day')") == (
        "0A000", 'unit "timezone_m" not supported for type interval')
    # units as datetime.c reads them: its abbreviations, the first ten characters
    assert rows(s, f"SELECT date_part('hour', {d}), date_trunc('secs', "
                   "timestamp '2021-03-07 13:45:06.789'), extract(millisecondsxyz FROM "
                   "time '13:45:06.789'), extract(jd FROM date '2021-03-07'), date_part('mm', "
                   "timestamp '2021-03-07 13:45'), extract(timezone FROM timestamp 'infinity')") == [
        (0, dt.datetime(2021, 3, 7, 13, 45, 6), Decimal("6789.000"), 2459281, 45, None)]
    assert rows(s, "SELECT date_trunc('foo', timestamp 'infinity')") == [("infinity",)]


def test_date_trunc_of_an_interval_or_a_time(s: Session) -> None:
    """date_trunc of an interval (or a time of day, which is one) was 22007 (its text read as
    a timestamp) or a timestamp of 2000-01-01; it is interval_trunc's interval."""
    r = s.execute("SELECT date_trunc('hour', interval '1 year 2 mons 3 days 04:05:06.789'), "
                  "date_trunc('quarter', interval '1 year 5 mons 3 days'), "
                  "date_trunc('millisecon', time '13:45:06.789123'), "
                  "date_trunc('century', interval '-250 years 1 day')")
    assert [c.type_oid for c in r.columns] == [1186] * 4
    assert r.rows == [("1 year 2 mons 3 days 04:00:00", "1 year 3 mons", "13:45:06.789",
                       "-200 years")]
    assert error(s, "SELECT date_trunc('week', interval '1 day')") == (
        "0A000", 'unit "week" not supported for type interval')
    assert error(s, "SELECT date_trunc('epoch', time '10:00')") == (
        "22023", 'unit "epoch" not recognized for type interval')
    assert error(s, "SELECT date_trunc('hour', timetz '10:00+02')") == (
        "42883", "function date_trunc(unknown, time with time zone) does not exist")
    # date_part's epoch of an interval is summed in double precision, as PostgreSQL does
    assert rows(s, "SELECT date_part('epoch', interval '1 year 2 mons 3 days 04:05:06.789')") == [
        (37015506.789000005,)]


def test_date_part_reads_its_field_from_a_column_per_row(s: Session) -> None:
    """date_part(u, d) of a text column u was 22023 (unit "u" not recognized): the column's
    name was read as the field."""
    s.execute("CREATE TABLE dpu (u text, d date, n int)")
    s.execute("INSERT INTO dpu VALUES ('year', '2024-01-05', 1), ('day', '2024-03-07', 2), "
              "(NULL, '2024-01-01', 3)")
    assert rows(s, "SELECT date_part(u, d), date_part(dpu.u, d::timestamp), "
                   "date_part(u, interval '1 year 2 days') FROM dpu ORDER BY n") == [
        (2024, 2024, 1), (7, 7, 2), (None, None, None)]
    assert sqlstate(s, "SELECT date_part(n, d) FROM dpu") == "42883"
    assert sqlstate(s, "SELECT extract(u FROM d) FROM dpu") == "22023"


def test_extract_of_a_reserved_word_is_a_syntax_error(s: Session) -> None:
    """EXTRACT(null FROM d) was 22023 (unit "null" not recognized); PostgreSQL's grammar
    takes no reserved word as a field. Quoted, it is a field name like any other."""
    assert sqlstate(s, "SELECT extract(null FROM date '2024-01-05')") == "42601"
    assert sqlstate(s, "SELECT extract(TRUE FROM date '2024-01-05')") == "42601"
    assert sqlstate(s, "SELECT extract(\"null\" FROM date '2024-01-05')") == "22023"
    assert rows(s, "SELECT extract(day FROM date '2024-01-05')") == [(5,)]


def test_interval_types_with_fields_cut_values_to_them(s: Session) -> None:
    """A cast to, or a column of, interval day to minute / year / day to second(0) keeps only
    those fields and reads a bare number by them (the qualifier was ignored: the value was
    stored whole, and a column with second(0) was 42601)."""
    assert rows(s, "SELECT '1 day 2 hours 3 minutes 4 seconds'::INTERVAL DAY TO MINUTE, "
                   "'3 days 4 hours'::interval YEAR, '1'::interval day, "
                   "cast('1' AS interval minute), '1-2'::interval year to month, "
                   "'1 2:03:04.567'::interval day to second(0), interval(2) '1.23456 seconds'") == [
        ("1 day 02:03:00", "00:00:00", "1 day", "00:01:00", "1 year 2 mons", "1 day 02:03:05",
         "00:00:01.23")]
    s.execute("CREATE TABLE shift (id int, len interval day to second(0), term interval year, "
              "slot interval hour to minute, lag interval(2))")
    assert rows(s, "SELECT format_type(atttypid, atttypmod), atttypmod FROM pg_attribute "
                   "WHERE attrelid = 'shift'::regclass AND attnum > 1 ORDER BY attnum") == [
        ("interval day to second(0)", 470286336), ("interval year", 327679),
        ("interval hour to minute", 201392127), ("interval(2)", 2147418114)]
    s.execute("INSERT INTO shift VALUES (1, '1 day 2:03:04.567', '3 years 5 months', "
              "'1 day 2:03:04', '1.23456 seconds'), (2, '1', '1', '1', '1')")
    copy = s.execute("COPY shift FROM STDIN").copy
    assert copy is not None
    s.copy_rows(copy, [["3", "4 days 00:00:00.7", "2", "1:30", "0.125"]])
    assert rows(s, "SELECT len, term, slot, lag FROM shift ORDER BY id") == [
        ("1 day 02:03:05", "3 years", "1 day 02:03:00", "00:00:01.23"),
        ("00:00:01", "1 year", "00:01:00", "00:00:01"),
        ("4 days 00:00:01", "2 years", "01:30:00", "00:00:00.13")]
    # a leading minus is the first field's only (outside IntervalStyle sql_standard)
    assert rows(s, "SELECT '-1 2:03'::interval day to minute, "
                   "interval '-1 2:03' day to minute") == [("-1 days +02:03:00",) * 2]
    s.execute("UPDATE shift SET term = '7 years 11 months' WHERE id = 1")
    assert rows(s, "SELECT term FROM shift WHERE id = 1") == [("7 years",)]


def test_now_today_and_posix_zones_in_input(s: Session) -> None:
    s.execute("CREATE TABLE t (d timestamp(2))")
    s.execute("BEGIN")
    s.execute("INSERT INTO t VALUES ('now')")
    s.execute("SELECT pg_sleep(0.01)")
    s.execute("INSERT INTO t VALUES ('now')")
    # 'now' is the transaction's start, as now() is
    assert rows(s, "SELECT count(DISTINCT d), count(*) FILTER (WHERE d = timestamp(2) 'now') FROM t") == [
        (1, 2)]
    s.execute("COMMIT")
    assert rows(s, "SELECT pg_sleep(0)") == [("",)]
    assert rows(s, "SELECT timestamptz '2000-03-15 08:14:01 GMT+8', "
                   "timestamptz 'Wed Jul 11 10:51:14 PST-03:00 2001'") == [
        (dt.datetime(2000, 3, 15, 16, 14, 1, tzinfo=dt.UTC),
         dt.datetime(2001, 7, 11, 7, 51, 14, tzinfo=dt.UTC))]


def test_set_time_zone_to_a_quoted_offset_is_posix(s: Session) -> None:
    s.execute("SET timezone = '+02:00'")  # POSIX: two hours west of Greenwich
    assert rows(s, "SELECT to_char(now(), 'OF')") == [("-02",)]
    s.execute("SET TIME ZONE 2")  # a number: hours east
    assert rows(s, "SELECT to_char(now(), 'OF')") == [("+02",)]
    s.execute("SET TIME ZONE 'UTC'")
    assert rows(s, "SELECT date_part('msec', timestamp '1997-02-10 17:32:01'), "
                   "extract(msec FROM timestamp '1997-02-10 17:32:01')") == [
        (1000.0, Decimal("1000.000"))]


def test_interval_literals_with_a_range(s: Session) -> None:
    assert rows(s, "SELECT interval '1' year to month, interval '1-2' year to month, "
                   "interval '1 2' day to hour, interval '1 2:03:04' day to hour, "
                   "interval '1 2:03' minute to second, interval '1 2:03.4567' day to second(2), "
                   "interval '1.234' second(2), interval '-1 2:03:04' day to second") == [(
        "1 mon", "1 year 2 mons", "1 day 02:00:00", "1 day 02:00:00", "1 day 00:02:03",
        "1 day 00:02:03.46", "00:00:01.23", "-1 days +02:03:04")]
    for bad in ("interval '1 2' day to minute", "interval '123 11' day",
                "interval '1 2.345' hour to second(2)"):
        assert sqlstate(s, f"SELECT {bad}") == "22007"


def test_arithmetic_with_computed_intervals_and_dates(s):
    """``ts + n * interval '1 day'``, an interval column, interval + interval, and a date
    plus an interval (a timestamp in PostgreSQL: the time part is kept)."""
    s.execute("create table e (at timestamp, dt date, n int, iv interval)", ())
    s.execute("insert into e values ('2024-01-31 10:00:00', '2024-01-31', 2, '3 hours')", ())
    assert s.execute("select at + n * interval '1 day', at + interval '1 day' * n, at - iv, iv + at, "
                     "at + (iv + iv) from e", ()).rows == [(
                         dt.datetime(2024, 2, 2, 10), dt.datetime(2024, 2, 2, 10), dt.datetime(2024, 1, 31, 7),
                         dt.datetime(2024, 1, 31, 13), dt.datetime(2024, 1, 31, 16))]
    assert s.execute("select dt + interval '36 hours', dt - interval '1 hour', dt + 2 * interval '1 month', "
                     "dt + 1 from e", ()).rows == [(
                         dt.datetime(2024, 2, 1, 12), dt.datetime(2024, 1, 30, 23), dt.datetime(2024, 3, 31),
                         dt.date(2024, 2, 1))]
    assert s.execute("select interval '1 day' + interval '2 hours', iv * 2 + iv, "
                     "interval '1 month' - interval '1 day' from e", ()).rows == [
                         ("1 day 02:00:00", "09:00:00", "1 mon -1 days")]


def test_a_default_of_now_keeps_the_microseconds(s):
    """SQLite's CURRENT_TIMESTAMP has whole seconds; now() as a column default is the
    statement's time to the microsecond, rounded to the column's precision."""
    s.execute("create table ts (id int, at timestamptz default now(), a2 timestamp default current_timestamp, "
              "a0 timestamptz(0) default now())", ())
    for i in range(3):
        s.execute(f"insert into ts (id) values ({i})", ())
    got = s.execute("select at, a2, a0 from ts order by id", ()).rows
    assert any(at.microsecond for at, _, _ in got)  # (all three on a whole second: one in 10**18)
    assert all(a2 == at.replace(tzinfo=None) and a0.microsecond == 0 for at, a2, a0 in got)


def test_a_cast_to_time_takes_the_time_of_day(s: Session) -> None:
    """timestamp::time was the timestamp's stored text, whatever printed it or compared it:
    '2024-01-02 03:04:05.000000' || '' and its length 26. It is the time of day (a
    timestamptz's in the session's zone), rounded to the type's precision."""
    s.execute("SET TimeZone = 'UTC'")
    assert rows(s, "SELECT (TIMESTAMP '2024-01-02 03:04:05')::time::text,"
                   " CAST(TIMESTAMP '2024-01-02 03:04:05.678' AS time(0)) || '',"
                   " length(CAST(localtimestamp AS time(0))::text)") == [("03:04:05", "03:04:06", 8)]
    assert rows(s, "SELECT (TIMESTAMPTZ '2024-01-02 03:04:05+02')::time, CAST('04:05:06.7' AS time(0)),"
                   " '04:05 PM'::time, (TIMESTAMP '2024-01-02 03:04:05')::time = '03:04:05'") == [
        (dt.time(1, 4, 5), dt.time(4, 5, 7), dt.time(16, 5), True)]
    s.execute("CREATE TABLE tt (t time)")
    s.execute("INSERT INTO tt VALUES ((TIMESTAMP '2024-01-02 10:11:12')::time)")
    assert rows(s, "SELECT t, t::text FROM tt WHERE t < '12:00'") == [(dt.time(10, 11, 12), "10:11:12")]


def test_a_time_column_refuses_what_time_input_refuses_and_stores_one_form(s: Session) -> None:
    """A time column took any text ('12:61:00', 'junk') and then every read of the row
    failed (22008): PostgreSQL's input refuses them on write, as for date and timestamp.
    What it accepts is stored as 'HH:MM:SS[.ffffff]', rounded to the column's precision."""
    s.execute("CREATE TABLE tm (id int, t time, t2 time(2))")
    assert sqlstate(s, "INSERT INTO tm VALUES (1, '12:61:00', NULL)") == "22008"
    assert sqlstate(s, "INSERT INTO tm VALUES (1, 'junk', NULL)") == "22007"
    s.execute("INSERT INTO tm VALUES (2, '10:00', '10:00:01.129'), (3, '04:05 PM', NULL), (4, NULL, NULL)")
    assert sqlstate(s, "UPDATE tm SET t = '25:00' WHERE id = 2") == "22008"
    s.execute("UPDATE tm SET t2 = '09:30' WHERE id = 3")
    assert rows(s, "SELECT id, t, t2, t::text FROM tm ORDER BY id") == [
        (2, dt.time(10), dt.time(10, 0, 1, 130000), "10:00:00"), (3, dt.time(16, 5), dt.time(9, 30), "16:05:00"),
        (4, None, None, None)]
    assert rows(s, "SELECT id FROM tm WHERE t = '10:00:00' OR t2 = '09:30'") == [(2,), (3,)]


def test_make_time_arity_and_empty_arguments(s: Session) -> None:
    """make_time(8, 15) was 42601 (sqlglot's parser refused it) and make_time(8, , 15, 23.5)
    ran, the empty argument skipped."""
    assert sqlstate(s, "SELECT make_time(8, 15)") == "42883"
    assert sqlstate(s, "SELECT make_time(1, 2, 3, 4)") == "42883"
    assert sqlstate(s, "SELECT make_time(8, , 15, 23.5)") == "42601"
    assert sqlstate(s, "SELECT coalesce(1, )") == "42601"
    assert sqlstate(s, "SELECT ARRAY[1, , 2]") == "42601"
    assert rows(s, "SELECT make_time(8, 15, 23.5), ',,'") == [(dt.time(8, 15, 23, 500000), ",,")]


def test_make_timestamp_with_too_few_arguments_does_not_exist(s: Session) -> None:
    """make_timestamp(2014, 12, 28, 6, 30) was an internal error (a KeyError)."""
    assert sqlstate(s, "SELECT make_timestamp(2014, 12, 28, 6, 30)") == "42883"
    assert rows(s, "SELECT make_timestamp(2014, 12, 28, 6, 30, 1.5)") == [
        (dt.datetime(2014, 12, 28, 6, 30, 1, 500000),)]


def test_time_input_needs_a_time_of_day(s):
    """A time is read as PostgreSQL's DecodeTimeOnly reads it: a text without a time of day
    ('', 't', a date, today, epoch) is 22007 (it was stored as 00:00:00), and 040506,
    T040506 and 0405 are hhmmss / hhmm (040506 was 00:00:00, 0405 refused)."""
    for text in ("", "t", "2020-01-02", "today", "epoch", "yesterday 03:04", "12"):
        assert sqlstate(s, f"SELECT '{text}'::time") == "22007", text
    assert rows(s, "SELECT '040506'::time, 'T040506'::time, '0405'::time, "
                   "'2020-01-02 03:04:05'::time, 'J2451187 04:05'::time, 'allballs'::time") == [
        (dt.time(4, 5, 6), dt.time(4, 5, 6), dt.time(4, 5), dt.time(3, 4, 5), dt.time(4, 5),
         dt.time(0, 0))]
    s.execute("CREATE TABLE tt (t time)")
    assert sqlstate(s, "INSERT INTO tt VALUES ('t')") == "22007"
    assert rows(s, "SELECT '040506'::timestamp") == [(dt.datetime(2004, 5, 6),)]  # (a date)


def test_interval_input_refuses_a_date_and_a_thirteenth_month(s):
    """'2020-01-02' is no interval (22007; it was 2020 years 1 mon -00:00:02), and a
    year-month field's months are below 12 ('10-12' is 22015; it was 11 years)."""
    assert sqlstate(s, "SELECT '2020-01-02'::interval") == "22007"
    assert sqlstate(s, "SELECT '1 day 2020-01-02'::interval") == "22007"
    assert sqlstate(s, "SELECT '10-12'::interval") == "22015"
    assert rows(s, "SELECT '1-2'::interval::text, '-1-2'::interval::text, "
                   "'1-2 3 4:05:06'::interval::text, '10-11'::interval::text") == [
        ("1 year 2 mons", "-1 years -2 mons", "1 year 2 mons 3 days 04:05:06", "10 years 11 mons")]


def test_a_time_as_text_drops_a_zero_fraction(s):
    """time's output function, in a cast to text, concat, || and a write to a text column:
    '03:04:05.5' (it was '03:04:05.500000'; checked against PostgreSQL 15)."""
    assert rows(s, "SELECT '03:04:05.5'::time::text, concat('03:04:05.5'::time), "
                   "'03:04:05.5'::time || 'x', '03:04:05'::time::text, "
                   "'03:04:05.123456'::time::text, '24:00:00'::time::text") == [
        ("03:04:05.5", "03:04:05.5", "03:04:05.5x", "03:04:05", "03:04:05.123456", "24:00:00")]
    s.execute("CREATE TABLE tx (s text)")
    s.execute("INSERT INTO tx VALUES (time '03:04:05.250')")
    assert rows(s, "SELECT s FROM tx") == [("03:04:05.25",)]


def test_timetz_input_is_checked_and_stored_in_its_output_form(s: Session) -> None:
    """A timetz was kept as written: '12:00:00.5 +5' read back so, 'x' was stored."""
    s.execute("CREATE TABLE z (a timetz, b timetz(0))")
    s.execute("INSERT INTO z VALUES ('12:00:00.5 +5', '10:11:12.6-0730'), "
              "('04:05 PM PST', '23:59:59.9 +01'), ('allballs', '12:00:00.000+00')")
    assert s.execute("SELECT a::text, b::text FROM z").rows == [
        ("12:00:00.5+05", "10:11:13-07:30"), ("16:05:00-08", "24:00:00+01"),
        ("00:00:00+00", "12:00:00+00")]
    assert sqlstate(s, "INSERT INTO z (a) VALUES ('x')") == "22007"
    assert sqlstate(s, "SELECT '25:00+01'::timetz") == "22008"
    s.execute("SET timezone = 'Europe/Paris'")
    assert s.execute("SELECT '12:00'::timetz::text, '12:00 +5'::timetz::text").rows == [
        ("12:00:00+01", "12:00:00+05")]
    s.execute("UPDATE z SET a = '13:14:15 -2' WHERE b = '12:00:00+00'")
    assert s.execute("SELECT a::text FROM z WHERE b = '12:00:00+00'").rows == [("13:14:15-02",)]


def test_a_time_of_day_alone_is_no_date_or_timestamptz(s: Session) -> None:
    """'03:04:05' was read as 2000-01-01 (03:04:05) by date and timestamptz input."""
    s.execute("CREATE TABLE d (a date, b timestamptz)")
    assert sqlstate(s, "INSERT INTO d (a) VALUES ('03:04:05')") == "22007"
    assert sqlstate(s, "INSERT INTO d (b) VALUES ('03:04')") == "22007"
    assert sqlstate(s, "SELECT '03:04:05'::date") == "22007"
    assert sqlstate(s, "SELECT '12:00 PM'::timestamptz") == "22007"
    assert rows(s, "SELECT count(*) FROM d") == [(0,)]
    assert rows(s, "SELECT extract(hour FROM '03:04:05'::time), '2020-01-02 03:04'::timestamptz "
                   "= '2020-01-02 03:04+00'::timestamptz") == [(3, True)]


def test_a_time_takes_its_date_as_one_delimited_field(s: Session) -> None:
    """'20200102 040506', '20200102 04:05:06' and 'Jan 2 2020 04:05' were read as times of
    day; PostgreSQL's time input takes a date only as one field with its delimiters."""
    for text in ("20200102 040506", "20200102 04:05:06", "20200102T040506", "Jan 2 2020 04:05",
                 "2 Jan 2020 04:05", "1 04:05", "04:05 2"):
        assert sqlstate(s, f"SELECT '{text}'::time") == "22007", text
    assert rows(s, "SELECT '01/02/2020 04:05'::time, 'Jan-02-2020 04:05'::time, "
                   "'2020.01.02 04:05'::time, 'T0405'::time, '040506'::time, "
                   "'J2451187 04:05'::time") == [
        (dt.time(4, 5), dt.time(4, 5), dt.time(4, 5), dt.time(4, 5), dt.time(4, 5, 6),
         dt.time(4, 5))]
    assert rows(s, "SELECT '20200102T040506'::timestamp, 'jan-08-99'::date") == [
        (dt.datetime(2020, 1, 2, 4, 5, 6), dt.date(1999, 1, 8))]


def test_a_bare_number_before_a_year_month_field_is_no_interval(s: Session) -> None:
    """'1 -1-2' was -1 years -2 mons +00:00:01 and '1 1-2' 1 year 2 mons 00:00:01: PostgreSQL
    finds no field for the number."""
    for text in ("1 -1-2", "1 1-2", "1 +1-2", "1.5 1-2", "1 1-2 ago"):
        assert sqlstate(s, f"SELECT '{text}'::interval") == "22007", text
    assert rows(s, "SELECT '1-2 3'::interval::text, '1 day 1-2'::interval::text, "
                   "'1-2 3 4:05'::interval::text") == [
        ("1 year 2 mons 00:00:03", "1 year 2 mons 1 day", "1 year 2 mons 3 days 04:05:00")]


def test_a_text_to_time_drops_its_date_and_zone(s: Session) -> None:
    """A text with a date was read as a timestamptz, moved to the session's zone:
    '2020-01-02 04:05:06+02'::time was 02:05:06; '2020-01-02T04:05:06' and
    '2020-01-02 040506' were times."""
    s.execute("SET timezone = 'Europe/Paris'")
    s.execute("CREATE TABLE tm (t time)")
    s.execute("INSERT INTO tm VALUES ('2020-01-02 04:05:06+02')")
    assert rows(s, "SELECT t, '2020-01-02 04:05:06+00'::time, '2020-01-02 04:05'::time FROM tm") == [
        (dt.time(4, 5, 6), dt.time(4, 5, 6), dt.time(4, 5))]
    assert sqlstate(s, "SELECT '2020-01-02T04:05:06'::time") == "22007"
    assert sqlstate(s, "INSERT INTO tm VALUES ('2020-01-02 040506')") == "22007"
    # a timestamptz's time of day is the session zone's
    assert rows(s, "SELECT '2020-06-01 10:00:00+00'::timestamptz::time") == [(dt.time(12, 0),)]


def test_no_cast_from_a_number_to_a_date_or_timestamp(s: Session) -> None:
    """5::date was 1970-01-01 and 9223372036854775807::date an internal error (XX000)."""
    s.execute("CREATE TABLE nn (i int, d date)")
    s.execute("INSERT INTO nn VALUES (1, '2020-01-02')")
    for sql, message in [
            ("SELECT 5::date", "cannot cast type integer to date"),
            ("SELECT 9223372036854775807::timestamptz",
             "cannot cast type bigint to timestamp with time zone"),
            ("SELECT 1.5::timestamp", "cannot cast type numeric to timestamp without time zone"),
            ("SELECT i::date FROM nn", "cannot cast type integer to date")]:
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert (e.value.sqlstate, str(e.value)) == ("42846", message), sql
    assert rows(s, "SELECT (d + i)::date, '2020-01-03'::date FROM nn") == [
        (dt.date(2020, 1, 3), dt.date(2020, 1, 3))]
