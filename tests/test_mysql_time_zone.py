"""MySQL's time_zone and result column types in the MySQL dialect.

In-process tests of MySqlSession (two sessions on one database file, each in its own zone)
for what MySQL 8 does with ``SET time_zone``: NOW() and TIMESTAMP columns follow the
session's zone, DATETIME columns do not; then real PyMySQL and mysql-connector-python
clients against a real MyServer in front of MySqlSession, for the type codes a result's
columns carry and the width of each value in the binary protocol.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal

import mysql.connector
import pymysql
import pytest
from test_mysql_sql import FakeInstance

from aurora.engine.mywire import MyAuthenticator, MyServer, ServerThread
from aurora.engine.sql.mysql import MySqlSession, variables
from aurora.engine.sql.mysql import types as mytypes
from aurora.engine.sqlapi import SqlError

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def instance(tmp_path) -> FakeInstance:
    inst = FakeInstance(tmp_path)
    s = inst.session()
    s.execute("CREATE DATABASE app")
    s.close()
    return inst


@pytest.fixture
def pair(instance) -> Iterator[tuple[MySqlSession, MySqlSession]]:
    """Two connections to database ``app``."""
    a, b = instance.session("app"), instance.session("app")
    yield a, b
    a.close()
    b.close()


def one(s: MySqlSession, sql: str, *params: object) -> object:
    return s.execute(sql, params).rows[0][0]


def rows(s: MySqlSession, sql: str, *params: object) -> list[tuple]:
    return s.execute(sql, params).rows


def errno(s: MySqlSession, sql: str) -> tuple[int | None, str, str]:
    with pytest.raises(SqlError) as info:
        s.execute(sql)
    return info.value.errno, info.value.sqlstate, info.value.message


# --- SET time_zone -----------------------------------------------------------------------------


def test_time_zone_values_as_mysql_takes_and_spells_them(pair) -> None:
    s, _ = pair
    assert rows(s, "SELECT @@time_zone, @@system_time_zone") == [("SYSTEM", "UTC")]
    for value, shown in [("+02:00", "+02:00"), ("+5:30", "+05:30"), ("-13:59", "-13:59"),
                         ("+14:00", "+14:00"), ("-00:00", "+00:00"), ("UTC", "UTC"),
                         ("Europe/Paris", "Europe/Paris"), ("america/new_york", "America/New_York"),
                         ("system", "SYSTEM")]:
        s.execute(f"SET time_zone = '{value}'")
        assert one(s, "SELECT @@time_zone") == shown, value
        assert one(s, "SELECT @@session.time_zone") == shown, value
    for bad in ["+14:01", "-14:00", "+02:60", "+02", "02:00", "Mars/Olympus", "", "../etc/passwd",
                "/usr/share/zoneinfo/UTC"]:
        assert errno(s, f"SET time_zone = '{bad}'") == (
            1298, "HY000", f"Unknown or incorrect time zone: '{bad}'"), bad
    assert one(s, "SELECT @@time_zone") == "SYSTEM"  # a refused value changes nothing
    s.execute("SET @@session.time_zone = '+01:00'")
    assert one(s, "SELECT @@time_zone") == "+01:00"
    s.execute("SET SESSION time_zone = DEFAULT")
    assert one(s, "SELECT @@time_zone") == "SYSTEM"
    s.execute("SET time_zone = '+03:00', autocommit = 1")
    assert rows(s, "SHOW VARIABLES LIKE 'time_zone'") == [("time_zone", "+03:00")]
    assert errno(s, "SET time_zone = NULL")[0] == 1231
    s.reset()  # COM_RESET_CONNECTION: back to the global value
    assert one(s, "SELECT @@time_zone") == "SYSTEM"


def test_set_global_time_zone_is_the_default_of_later_connections(instance) -> None:
    s = instance.session("app")
    try:
        assert errno(s, "SET GLOBAL time_zone = 'Nowhere/Land'")[0] == 1298
        s.execute("SET GLOBAL time_zone = '+09:00'")
        assert rows(s, "SELECT @@time_zone, @@global.time_zone") == [("SYSTEM", "+09:00")]
        later = instance.session("app")
        assert one(later, "SELECT @@time_zone") == "+09:00"
        assert _minutes(later, "NOW()", "UTC_TIMESTAMP()") == 540
        later.execute("SET time_zone = DEFAULT")
        assert one(later, "SELECT @@time_zone") == "+09:00"
        later.close()
    finally:
        variables.GLOBALS["time_zone"] = "SYSTEM"
        s.close()


# --- NOW() and friends ----------------------------------------------------------------------------


def _minutes(s: MySqlSession, a: str, b: str) -> float:
    x, y = rows(s, f"SELECT {a}, {b}")[0]
    if isinstance(x, dt.time):
        x, y = (dt.datetime.combine(dt.date(2000, 1, 2), v) for v in (x, y))
    if isinstance(x, dt.date) and not isinstance(x, dt.datetime):
        return (x - y).days * 1440
    return round((x - y).total_seconds() / 60)


def test_now_follows_the_zone_utc_functions_do_not(pair) -> None:
    s, _ = pair
    s.execute("SET time_zone = '+05:30'")
    for local in ["NOW()", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP()", "LOCALTIME()",
                  "LOCALTIMESTAMP", "SYSDATE()", "NOW(6)", "SYSDATE(3)"]:
        assert _minutes(s, local, "UTC_TIMESTAMP()") == 330, local
    now, utc = rows(s, "SELECT NOW(), UTC_TIMESTAMP()")[0]
    assert now.microsecond == 0 and utc.microsecond == 0  # DATETIME(0), as MySQL
    assert _minutes(s, "CURTIME()", "UTC_TIME()") % 1440 == 330
    before = dt.datetime.now(dt.UTC)
    today, utc_today = rows(s, "SELECT CURDATE(), UTC_DATE()")[0]
    after = dt.datetime.now(dt.UTC)
    assert today in {(t + dt.timedelta(hours=5.5)).date() for t in (before, after)}
    assert utc_today in {before.date(), after.date()}
    assert abs(one(s, "SELECT UNIX_TIMESTAMP()") - dt.datetime.now(dt.UTC).timestamp()) < 5
    assert abs(one(s, "SELECT UNIX_TIMESTAMP(NOW())") - dt.datetime.now(dt.UTC).timestamp()) < 5
    # a DATETIME or a text is a wall time of the session's zone
    assert one(s, "SELECT UNIX_TIMESTAMP('2024-01-01 05:30:00')") == 1704067200
    assert one(s, "SELECT FROM_UNIXTIME(1704067200)") == dt.datetime(2024, 1, 1, 5, 30)
    s.execute("SET time_zone = 'America/New_York'")
    assert _minutes(s, "NOW()", "UTC_TIMESTAMP()") in (-300, -240)
    assert one(s, "SELECT FROM_UNIXTIME(1719835200)") == dt.datetime(2024, 7, 1, 8, 0)  # EDT
    assert one(s, "SELECT UNIX_TIMESTAMP('2024-01-01 00:00:00')") == 1704085200  # EST
    s.execute("BEGIN")  # SYSDATE() is the time it runs (NOW(), here, the transaction's start)
    first = one(s, "SELECT SYSDATE()")
    time.sleep(1.1)
    assert one(s, "SELECT SYSDATE()") > first
    s.execute("COMMIT")
    s.execute("SET time_zone = SYSTEM")
    assert _minutes(s, "NOW()", "UTC_TIMESTAMP()") == 0
    assert one(s, "SELECT FROM_UNIXTIME(0)") == dt.datetime(1970, 1, 1)


def test_convert_tz(pair) -> None:
    s, _ = pair
    assert rows(s, "SELECT CONVERT_TZ('2024-06-01 12:00:00', '+00:00', '+02:00'), "
                   "CONVERT_TZ('2024-06-01 12:00:00', 'Europe/Paris', 'UTC'), "
                   "CONVERT_TZ('2024-01-01 12:00:00', 'Europe/Paris', 'America/New_York'), "
                   "CONVERT_TZ('2024-06-01 12:00:00.25', 'SYSTEM', '-01:30')") == [(
        dt.datetime(2024, 6, 1, 14), dt.datetime(2024, 6, 1, 10), dt.datetime(2024, 1, 1, 6),
        dt.datetime(2024, 6, 1, 10, 30, 0, 250000))]
    assert rows(s, "SELECT CONVERT_TZ('2024-06-01 12:00:00', 'Nowhere', 'UTC'), "
                   "CONVERT_TZ('2024-06-01 12:00:00', '+00:00', '+15:00'), "
                   "CONVERT_TZ(NULL, '+00:00', '+01:00')") == [(None, None, None)]
    # outside MySQL's TIMESTAMP range the value comes back as it was
    assert one(s, "SELECT CONVERT_TZ('1960-01-01 00:00:00', '+00:00', '+02:00')") == dt.datetime(1960, 1, 1)


# --- TIMESTAMP and DATETIME columns ------------------------------------------------------------------


def test_two_sessions_in_two_zones_see_one_timestamp_instant(pair) -> None:
    paris, tokyo = pair
    paris.execute("CREATE TABLE t (id INT PRIMARY KEY, ts TIMESTAMP NULL, d DATETIME)")
    paris.execute("SET time_zone = 'Europe/Paris'")
    tokyo.execute("SET time_zone = '+09:00'")
    paris.execute("INSERT INTO t VALUES (1, '2024-06-01 12:00:00', '2024-06-01 12:00:00')")
    tokyo.execute("INSERT INTO t VALUES (2, '2024-06-01 19:00:00', '2024-06-01 19:00:00')")
    # the same instant, each in its reader's zone; a DATETIME is the wall time it was given
    assert rows(paris, "SELECT id, ts, d FROM t ORDER BY id") == [
        (1, dt.datetime(2024, 6, 1, 12), dt.datetime(2024, 6, 1, 12)),
        (2, dt.datetime(2024, 6, 1, 12), dt.datetime(2024, 6, 1, 19))]
    assert rows(tokyo, "SELECT id, ts, d FROM t ORDER BY id") == [
        (1, dt.datetime(2024, 6, 1, 19), dt.datetime(2024, 6, 1, 12)),
        (2, dt.datetime(2024, 6, 1, 19), dt.datetime(2024, 6, 1, 19))]
    # a wall time in a query is read in the session's zone, a literal or a parameter alike
    assert rows(tokyo, "SELECT id FROM t WHERE ts = '2024-06-01 19:00:00' ORDER BY id") == [(1,), (2,)]
    assert rows(paris, "SELECT id FROM t WHERE ts = '2024-06-01 19:00:00'") == []
    for value in ("2024-06-01 12:00:00", dt.datetime(2024, 6, 1, 12)):
        assert rows(paris, "SELECT id FROM t WHERE ts = ? ORDER BY id", value) == [(1,), (2,)]
        assert rows(tokyo, "SELECT id FROM t WHERE ts = ? ORDER BY id", value) == []
    assert rows(tokyo, "SELECT id FROM t WHERE ts IN ('2024-06-01 19:00:00', '2000-01-01') "
                       "AND d IN ('2024-06-01 12:00:00') ") == [(1,)]
    assert rows(paris, "SELECT id FROM t WHERE ts IN (?, ?) ORDER BY id", "2024-06-01 12:00:00",
                dt.datetime(2000, 1, 1)) == [(1,), (2,)]
    assert rows(tokyo, "SELECT id FROM t WHERE d = ? ORDER BY id", "2024-06-01 19:00:00") == [(2,)]
    assert rows(tokyo, "SELECT id FROM t WHERE d = ? ORDER BY id", dt.datetime(2024, 6, 1, 12)) == [(1,)]
    assert rows(paris, "SELECT id FROM t WHERE ts > ? AND d < ?", "2024-06-01 11:59:59",
                "2024-06-01 12:30:00") == [(1,)]
    assert rows(tokyo, "SELECT EXTRACT(HOUR FROM ts), DATE(ts), UNIX_TIMESTAMP(ts), "
                       "CONVERT_TZ(ts, '+09:00', '+00:00') FROM t WHERE id = 1") == [
        (19, dt.date(2024, 6, 1), 1717236000, dt.datetime(2024, 6, 1, 10))]
    # used as a string, a TIMESTAMP is its wall time too (as a DATETIME's text is)
    text, d_text, like = rows(tokyo, "SELECT CAST(ts AS CHAR), CONCAT(d, ''), x.ts LIKE '2024-06-01 19:%' "
                                     "FROM t x WHERE id = 1")[0]
    assert text.startswith("2024-06-01 19:00:00") and d_text.startswith("2024-06-01 12:00:00")
    assert "+" not in text and like == 1
    paris.execute("UPDATE t SET ts = ? WHERE id = ?", (dt.datetime(2024, 12, 24, 18), 2))
    assert one(tokyo, "SELECT ts FROM t WHERE id = 2") == dt.datetime(2024, 12, 25, 2)  # CET
    # one statement text, cached, runs in whatever zone the session is in now
    tokyo.execute("SET time_zone = 'UTC'")
    assert one(tokyo, "SELECT ts FROM t WHERE id = 1") == dt.datetime(2024, 6, 1, 10)
    assert rows(tokyo, "SELECT id FROM t WHERE ts = '2024-06-01 10:00:00'") == [(1,)]
    for value in ("2024-06-01 10:00:00", dt.datetime(2024, 6, 1, 10)):
        assert rows(tokyo, "SELECT id FROM t WHERE ts = ? ORDER BY id", value) == [(1,)]


def test_insert_select_converts_between_the_kinds(pair) -> None:
    s, _ = pair
    s.execute("CREATE TABLE src (id INT PRIMARY KEY, ts TIMESTAMP NULL, d DATETIME)")
    s.execute("CREATE TABLE dst (id INT PRIMARY KEY, ts TIMESTAMP NULL, d DATETIME)")
    s.execute("INSERT INTO src VALUES (1, '2024-06-01 12:00:00', '2024-06-01 12:00:00')")
    s.execute("SET time_zone = '+02:00'")
    # a DATETIME into a TIMESTAMP is a wall time of the zone; a TIMESTAMP into a DATETIME
    # becomes the zone's wall time
    s.execute("INSERT INTO dst SELECT id, d, ts FROM src")
    s.execute("INSERT INTO dst (id, ts, d) SELECT 2, '2024-06-01 12:00:00', '2024-06-01 12:00:00'")
    assert rows(s, "SELECT id, ts, d FROM dst ORDER BY id") == [
        (1, dt.datetime(2024, 6, 1, 12), dt.datetime(2024, 6, 1, 14)),
        (2, dt.datetime(2024, 6, 1, 12), dt.datetime(2024, 6, 1, 12))]
    assert rows(s, "SELECT id FROM dst WHERE ts = '2024-06-01 12:00:00' AND d >= '2024-06-01 12:00:00' "
                   "ORDER BY id") == [(1,), (2,)]
    s.execute("SET time_zone = 'UTC'")
    assert rows(s, "SELECT ts FROM dst ORDER BY id") == [(dt.datetime(2024, 6, 1, 10),)] * 2


def test_defaults_and_on_update_of_both_kinds(pair) -> None:
    s, other = pair
    s.execute("CREATE TABLE t (id INT PRIMARY KEY, n INT, "
              "ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "
              "d DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "
              "t3 TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP(3))")
    s.execute("SET time_zone = '-07:00'")
    s.execute("INSERT INTO t (id, n) VALUES (1, 0)")
    ts, d, t3, utc = rows(s, "SELECT ts, d, t3, UTC_TIMESTAMP() FROM t")[0]
    assert abs((ts - utc).total_seconds() + 7 * 3600) < 5  # the session's wall time
    assert abs((d - utc).total_seconds() + 7 * 3600) < 5
    assert abs((t3 - utc).total_seconds() + 7 * 3600) < 5
    # another zone sees the TIMESTAMPs moved, the DATETIME as it was written
    ts2, d2 = rows(other, "SELECT ts, d FROM t")[0]
    assert ts2 - ts == dt.timedelta(hours=7) and d2 == d
    s.execute("UPDATE t SET ts = '2000-01-01 00:00:00', d = '2000-01-01 00:00:00'")
    s.execute("UPDATE t SET n = 1")  # ON UPDATE: the time, in the kind's own terms
    ts, d, utc = rows(s, "SELECT ts, d, UTC_TIMESTAMP() FROM t")[0]
    assert abs((ts - utc).total_seconds() + 7 * 3600) < 5
    assert abs((d - utc).total_seconds() + 7 * 3600) < 5
    s.execute("UPDATE t SET ts = '2000-01-01 00:00:00', d = '2000-01-01 00:00:00'")
    s.execute("INSERT INTO t (id, n) VALUES (1, 5) ON DUPLICATE KEY UPDATE n = VALUES(n)")
    ts, d, utc = rows(s, "SELECT ts, d, UTC_TIMESTAMP() FROM t")[0]
    assert abs((ts - utc).total_seconds() + 7 * 3600) < 5
    assert abs((d - utc).total_seconds() + 7 * 3600) < 5
    assert rows(s, "SHOW CREATE TABLE t")[0][1].count("timestamp") == 2


def test_a_constant_default_is_fixed_when_declared_and_modify_converts(pair) -> None:
    s, other = pair
    s.execute("SET time_zone = '+02:00'")
    s.execute("CREATE TABLE c (id INT PRIMARY KEY, ts TIMESTAMP NOT NULL DEFAULT '2000-01-01 00:00:00', "
              "d DATETIME DEFAULT '2000-01-01 00:00:00')")
    other.execute("INSERT INTO c (id) VALUES (1)")  # in UTC: the instant is the creator's
    assert rows(other, "SELECT ts, d FROM c") == [(dt.datetime(1999, 12, 31, 22), dt.datetime(2000, 1, 1))]
    assert rows(s, "SELECT ts, d FROM c") == [(dt.datetime(2000, 1, 1), dt.datetime(2000, 1, 1))]
    assert rows(s, "SELECT id FROM c WHERE ts = '2000-01-01 00:00:00' AND d = '2000-01-01 00:00:00'") == [(1,)]
    s.execute("ALTER TABLE c ADD COLUMN t2 TIMESTAMP NULL DEFAULT '2001-01-01 02:00:00'")
    assert one(other, "SELECT t2 FROM c") == dt.datetime(2001, 1, 1)
    # DATETIME to TIMESTAMP reads the wall time in the session's zone, and back
    s.execute("ALTER TABLE c MODIFY d TIMESTAMP NULL")
    assert rows(other, "SELECT d FROM c") == [(dt.datetime(1999, 12, 31, 22),)]
    other.execute("ALTER TABLE c MODIFY ts DATETIME NOT NULL")
    assert rows(s, "SELECT ts, d FROM c") == [(dt.datetime(1999, 12, 31, 22), dt.datetime(2000, 1, 1))]
    assert rows(s, "SELECT id FROM c WHERE ts = '1999-12-31 22:00:00' AND d = '2000-01-01'") == [(1,)]


def test_tables_made_before_keep_their_timestamp_columns(pair, monkeypatch) -> None:
    """A TIMESTAMP column created before time_zone applied is PostgreSQL ``timestamp``: it
    keeps reading and writing the wall time it was given."""
    s, other = pair
    made = mytypes.column_type

    def as_before(*args: object) -> mytypes.MyType:
        t = made(*args)  # type: ignore[arg-type]
        return dataclasses.replace(t, pg="timestamp") if t.pg_base == "timestamptz" else t

    monkeypatch.setattr(mytypes, "column_type", as_before)
    s.execute("CREATE TABLE old (id INT PRIMARY KEY, ts TIMESTAMP NULL)")
    monkeypatch.undo()
    s.execute("SET time_zone = '+02:00'")
    s.execute("INSERT INTO old VALUES (1, '2024-06-01 12:00:00')")
    assert one(other, "SELECT ts FROM old") == dt.datetime(2024, 6, 1, 12)
    assert one(s, "SELECT id FROM old WHERE ts = '2024-06-01 12:00:00'") == 1
    s.execute("ALTER TABLE old ALTER COLUMN ts SET DEFAULT '2000-01-01 00:00:00'")
    s.execute("INSERT INTO old (id) VALUES (2)")
    assert one(other, "SELECT ts FROM old WHERE id = 2") == dt.datetime(2000, 1, 1)
    # MODIFY makes it a TIMESTAMP of today: its values were UTC's wall times
    s.execute("ALTER TABLE old MODIFY ts TIMESTAMP NULL")
    assert rows(other, "SELECT ts FROM old ORDER BY id") == [(dt.datetime(2024, 6, 1, 12),), (dt.datetime(2000, 1, 1),)]
    assert rows(s, "SELECT ts FROM old ORDER BY id") == [(dt.datetime(2024, 6, 1, 14),), (dt.datetime(2000, 1, 1, 2),)]
    assert rows(other, "SELECT id FROM old WHERE ts = '2024-06-01 12:00:00'") == [(1,)]


# --- over the wire --------------------------------------------------------------------------------


@pytest.fixture
def port(instance) -> Iterator[int]:
    """A MyServer in front of MySqlSession on the instance's databases."""

    def make(user: str, database: str | None, *, connection_id: int,
             found_rows: bool = False) -> MySqlSession:
        return MySqlSession(
            instance.open_session, user=user, database=database, connection_id=connection_id,
            instance_id="demo-instance-1", read_only=False,
            list_databases=lambda: sorted(instance.databases), found_rows=found_rows,
        )

    thread = ServerThread(MyServer(make, MyAuthenticator({"u": "pw"})))  # type: ignore[arg-type]
    try:
        yield thread.start()
    finally:
        thread.stop()


def pymysql_conn(port: int) -> pymysql.Connection:
    return pymysql.connect(host="127.0.0.1", port=port, user="u", password="pw", database="app",
                           autocommit=True, connect_timeout=5, read_timeout=30)


def connector_conn(port: int):
    return mysql.connector.connect(host="127.0.0.1", port=port, user="u", password="pw",
                                   database="app", autocommit=True, ssl_disabled=True)


def test_timestamp_over_both_protocols_in_two_zones(port: int) -> None:
    a, b = pymysql_conn(port), connector_conn(port)
    try:
        with a.cursor() as cur:
            cur.execute("CREATE TABLE e (id INT PRIMARY KEY, ts TIMESTAMP(6) NULL, d DATETIME)")
            cur.execute("SET time_zone = '+02:00'")
            cur.execute("INSERT INTO e VALUES (1, %s, %s)",
                        (dt.datetime(2024, 6, 1, 12, 0, 0, 500000), dt.datetime(2024, 6, 1, 12)))
            cur.execute("SELECT ts, d FROM e")
            assert cur.fetchall() == ((dt.datetime(2024, 6, 1, 12, 0, 0, 500000),
                                       dt.datetime(2024, 6, 1, 12)),)
            assert [d[1] for d in cur.description] == [7, 12]  # TIMESTAMP, DATETIME
            with pytest.raises(pymysql.MySQLError) as info:
                cur.execute("SET time_zone = 'Europe/Atlantis'")
            assert info.value.args == (1298, "Unknown or incorrect time zone: 'Europe/Atlantis'")
        cur = b.cursor(prepared=True)
        cur.execute("SET time_zone = '-05:00'")
        cur.execute("SELECT ts, d FROM e WHERE id = ?", (1,))
        assert cur.fetchall() == [(dt.datetime(2024, 6, 1, 5, 0, 0, 500000), dt.datetime(2024, 6, 1, 12))]
        cur.execute("INSERT INTO e VALUES (?, ?, ?)", (2, dt.datetime(2024, 6, 1, 5), dt.datetime(2024, 6, 1, 5)))
        cur.execute("SELECT id FROM e WHERE ts >= ? ORDER BY id", (dt.datetime(2024, 6, 1, 5),))
        assert cur.fetchall() == [(1,), (2,)]
        cur.close()
        with a.cursor() as cur:
            cur.execute("SELECT ts, d FROM e WHERE id = 2")
            assert cur.fetchall() == ((dt.datetime(2024, 6, 1, 12), dt.datetime(2024, 6, 1, 5)),)
    finally:
        a.close()
        b.close()


# --- result column types ----------------------------------------------------------------------------

INTEGERS = ("CREATE TABLE ints (ti TINYINT, si SMALLINT, mi MEDIUMINT, bi BIGINT, i INT, "
            "tu TINYINT UNSIGNED, su SMALLINT UNSIGNED, mu MEDIUMINT UNSIGNED, iu INT UNSIGNED, "
            "bu BIGINT UNSIGNED, b TINYINT(1), y YEAR)")
LOWEST = (-128, -32768, -8388608, -(2**63), -(2**31), 0, 0, 0, 0, 0, 0, 1901)
HIGHEST = (127, 32767, 8388607, 2**63 - 1, 2**31 - 1, 255, 65535, 16777215, 2**32 - 1,
           2**63 - 1, 1, 2155)  # BIGINT UNSIGNED stops at 2**63 - 1 here
# MySQL 8: (type code, length, UNSIGNED flag) of each column above
INTEGER_TYPES = [(1, 4, 0), (2, 6, 0), (9, 9, 0), (8, 20, 0), (3, 11, 0), (1, 3, 32), (2, 5, 32),
                 (9, 8, 32), (3, 10, 32), (8, 20, 32), (1, 1, 0), (13, 4, 32)]


def test_integer_columns_carry_mysql_type_codes_in_both_protocols(port: int) -> None:
    a, b = pymysql_conn(port), connector_conn(port)
    try:
        with a.cursor() as cur:
            cur.execute(INTEGERS)
            cur.execute("INSERT INTO ints VALUES (" + ", ".join(["%s"] * 12) + ")", LOWEST)
            cur.execute("INSERT INTO ints VALUES (" + ", ".join(["%s"] * 12) + ")", HIGHEST)
            cur.execute("SELECT * FROM ints ORDER BY ti")
            assert cur.fetchall() == (LOWEST, HIGHEST)
            fields = cur._result.fields
            assert [(f.type_code, f.length, f.flags & 32) for f in fields] == INTEGER_TYPES
        # the binary protocol: each value in the width its type code promises
        # (YEAR is 2 bytes there, as MySQL sends it, which Connector/Python's pure-Python
        # reader does not know: it reads a YEAR from MySQL 8 wrong too)
        cur = b.cursor(prepared=True)
        cur.execute("SELECT ti, si, mi, bi, i, tu, su, mu, iu, bu, b FROM ints WHERE ti < ? "
                    "ORDER BY ti", (1000,))
        assert [tuple(r) for r in cur.fetchall()] == [LOWEST[:11], HIGHEST[:11]]
        assert [d[1] for d in cur.description] == [t[0] for t in INTEGER_TYPES[:11]]
        cur.execute("SELECT tu, mi, mu, iu FROM ints WHERE tu = ?", (255,))
        assert cur.fetchall() == [(255, 8388607, 16777215, 2**32 - 1)]
        # a UNION's column is not bounded by its first arm's table column
        cur.execute("SELECT ti FROM ints WHERE ti = ? UNION ALL SELECT 1000", (127,))
        assert cur.fetchall() == [(127,), (1000,)]
        cur.close()
        plain = b.cursor()
        plain.execute("SELECT * FROM ints ORDER BY ti")
        assert [tuple(r) for r in plain.fetchall()] == [LOWEST, HIGHEST]
        plain.close()
        with a.cursor() as cur:  # COM_FIELD_LIST answers the same types
            a._execute_command(4, b"ints\x00")  # COM_FIELD_LIST
            got = []
            while True:
                packet = a._read_packet()
                if packet.is_eof_packet():
                    break
                field = pymysql.protocol.FieldDescriptorPacket(packet._data, a.encoding)
                got.append((field.type_code, field.length, field.flags & 32))
            assert got == INTEGER_TYPES
    finally:
        a.close()
        b.close()


def test_literals_and_now_typed_as_mysql_types_them(port: int) -> None:
    a, b = pymysql_conn(port), connector_conn(port)
    try:
        with a.cursor() as cur:
            cur.execute("SELECT 'a', 'héllo', '', 1.5, 0.25, -1.5, NOW(), UTC_TIMESTAMP(), CURDATE(), "
                        "CURTIME(), NOW(3)")
            row = cur.fetchone()
            assert row[:6] == ("a", "héllo", "", Decimal("1.5"), Decimal("0.25"), Decimal("-1.5"))
            fields = cur._result.fields
            # as MySQL 8 (and MariaDB 10.11, checked) describe them
            assert [(f.type_code, f.length, f.scale) for f in fields] == [
                (253, 4, 0), (253, 20, 0), (253, 0, 0), (246, 4, 1), (246, 5, 2), (246, 4, 1),
                (12, 19, 0), (12, 19, 0), (10, 10, 0), (11, 10, 0), (12, 23, 3)]
            assert [f.name for f in fields[:4]] == ["a", "héllo", "", "1.5"]
            for text in ("ab", "abcd"):  # one cached translation, each its own length
                cur.execute(f"SELECT '{text}' AS x, 12.5 AS y")
                assert [(f.length, f.scale) for f in cur._result.fields] == [(4 * len(text), 0), (5, 1)]
        cur = b.cursor(prepared=True)
        cur.execute("SELECT 'a', 1.5, NOW() FROM DUAL WHERE 1 = ?", (1,))
        got = cur.fetchall()
        assert got[0][:2] == ("a", Decimal("1.5")) and got[0][2].microsecond == 0
        assert [d[1] for d in cur.description] == [253, 246, 12]
        cur.close()
    finally:
        a.close()
        b.close()


def test_declared_string_kinds(port: int) -> None:
    with pymysql_conn(port) as a, a.cursor() as cur:
        cur.execute("CREATE TABLE s (tt TINYTEXT, t TEXT, mt MEDIUMTEXT, lt LONGTEXT, "
                    "e ENUM('x', 'long one'), v VARCHAR(10), d DECIMAL(5,2) UNSIGNED)")
        cur.execute("INSERT INTO s VALUES ('a', 'b', 'c', 'd', 'long one', 'v', 1.25)")
        cur.execute("SELECT * FROM s")
        assert cur.fetchall() == (("a", "b", "c", "d", "long one", "v", Decimal("1.25")),)
        assert [(f.type_code, f.length, f.flags & (256 | 32)) for f in cur._result.fields] == [
            (252, 1020, 0), (252, 262140, 0), (252, 67108860, 0), (252, 4294967295, 0),
            (254, 32, 256), (253, 40, 0), (246, 6, 32)]


def test_binary_integers_take_their_type_codes_width() -> None:
    from aurora.engine.mywire import types as t

    for declared, value, width in [("tinyint", -128, 1), ("tinyint unsigned", 255, 1),
                                   ("smallint", -32768, 2), ("smallint unsigned", 65535, 2),
                                   ("mediumint", -8388608, 4), ("mediumint unsigned", 16777215, 4),
                                   ("int", -(2**31), 4), ("int unsigned", 2**32 - 1, 4),
                                   ("bigint", -(2**63), 8), ("bigint unsigned", 2**63 - 1, 8),
                                   ("year", 2155, 2), ("tinyint(1)", 1, 1)]:
        mt = t.mysql_type(20, -1, declared)
        data = t.binary_encoder(mt)(value)
        assert len(data) == width, declared
        signed = not mt.flags & t.UNSIGNED_FLAG
        assert int.from_bytes(data, "little", signed=signed) == value, declared
    assert t.mysql_type(23, -1, "varchar(10)") == t.mysql_type(23)  # the OID says enough


def test_temporal_columns_keep_their_fractional_digits(port: int) -> None:
    """A DATETIME or TIMESTAMP keeps fsp digits (0 unless declared), rounding a value written
    with more as MySQL does, and is described with them (DATETIME: 19 characters)."""
    a, b = pymysql_conn(port), connector_conn(port)
    try:
        with a.cursor() as cur:
            cur.execute("CREATE TABLE f (id INT PRIMARY KEY, d DATETIME, ts TIMESTAMP NULL, "
                        "d3 DATETIME(3), t6 TIMESTAMP(6) NULL)")
            cur.execute("INSERT INTO f VALUES (1, '2024-06-01 12:00:00.7', '2024-06-01 12:00:00.2', "
                        "'2024-06-01 12:00:00.1236', '2024-06-01 12:00:00.123456')")
            cur.execute("INSERT INTO f SELECT 2, d3, t6, t6, d3 FROM f")
            cur.execute("SELECT d, ts, d3, t6 FROM f ORDER BY id")
            assert cur.fetchall() == (
                (dt.datetime(2024, 6, 1, 12, 0, 1), dt.datetime(2024, 6, 1, 12),
                 dt.datetime(2024, 6, 1, 12, 0, 0, 124000), dt.datetime(2024, 6, 1, 12, 0, 0, 123456)),
                (dt.datetime(2024, 6, 1, 12), dt.datetime(2024, 6, 1, 12),
                 dt.datetime(2024, 6, 1, 12, 0, 0, 123000), dt.datetime(2024, 6, 1, 12, 0, 0, 124000)))
            assert [(f.type_code, f.length, f.scale) for f in cur._result.fields] == [
                (12, 19, 0), (7, 19, 0), (12, 23, 3), (7, 26, 6)]
        cur = b.cursor(prepared=True)
        cur.execute("UPDATE f SET d = ? WHERE id = ?", (dt.datetime(2024, 6, 1, 12, 0, 0, 600000), 2))
        cur.execute("SELECT d, ts FROM f WHERE id = ?", (2,))
        assert cur.fetchall() == [(dt.datetime(2024, 6, 1, 12, 0, 1), dt.datetime(2024, 6, 1, 12))]
        cur.close()
    finally:
        a.close()
        b.close()


def test_time_parts_and_timestampdiff_read_wall_times_of_the_session_zone(pair) -> None:
    a, _ = pair
    a.execute("CREATE TABLE ev (id INT PRIMARY KEY, ts TIMESTAMP, d DATETIME(3), tm TIME, dd DATE)")
    a.execute(
        "INSERT INTO ev VALUES (1, '2024-01-02 13:14:15', '2024-01-02 13:14:15.250', '10:11:12', "
        "'2024-01-31')"
    )
    a.execute("SET time_zone = '+02:00'")
    # A TIMESTAMP's parts are those of its wall time in the session's zone; a DATETIME's are
    # as written; a DATE's time is midnight.
    assert rows(
        a, "SELECT HOUR(ts), HOUR(d), MINUTE(d), SECOND(d), MICROSECOND(d), HOUR(tm), HOUR(dd), "
        "HOUR(NULL) FROM ev"
    ) == [(15, 13, 14, 15, 250000, 10, 0, None)]
    assert rows(a, "SELECT HOUR(?), MINUTE('13:14:15')", "2024-01-02 07:00:00") == [(7, 14)]
    # Whole units, truncated toward zero; a month counts once the day and time reach it.
    assert rows(
        a,
        "SELECT TIMESTAMPDIFF(MINUTE, '2024-01-02 13:14:15', '2024-01-02 15:14:14'), "
        "TIMESTAMPDIFF(MONTH, '2024-01-31', '2024-02-29'), "
        "TIMESTAMPDIFF(MONTH, '2024-01-31', '2024-03-31'), "
        "TIMESTAMPDIFF(YEAR, '2000-02-29', '2024-02-28'), "
        "TIMESTAMPDIFF(DAY, '2024-01-02', '2023-12-31 12:00:00')",
    ) == [(119, 0, 2, 23, -1)]
    assert rows(
        a, "SELECT TIMESTAMPDIFF(SECOND, ts, d), TIMESTAMPDIFF(MICROSECOND, ts, d) FROM ev"
    ) == [(-7199, -7199750000)]
    assert errno(a, "SELECT TIMESTAMPDIFF(FORTNIGHT, '2024-01-01', '2024-01-02')")[0] == 1064
