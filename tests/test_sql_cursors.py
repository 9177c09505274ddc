"""SQL cursors (DECLARE / FETCH / MOVE / CLOSE, pg_cursors) on the SQL engine in-process."""

from __future__ import annotations

import datetime as dt

import apsw
import pytest

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


@pytest.fixture
def s(tmp_path):
    conn = apsw.Connection(str(tmp_path / "postgres.db"))
    conn.execute("PRAGMA journal_mode=MEMORY")
    session = Session(conn)
    session.execute("CREATE TABLE t (a int PRIMARY KEY, b text)")
    session.execute("INSERT INTO t SELECT g, 'x' || g FROM generate_series(1, 10) AS g")
    yield session
    session.close()


def fetch(s: Session, sql: str) -> list:
    result = s.execute(sql)
    assert result.tag == f"{sql.split()[0].upper()} {len(result.rows)}"
    return [r[0] for r in result.rows]


def sqlstate(s: Session, sql: str) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    return e.value.sqlstate


def test_fetch_directions_on_a_scroll_cursor(s):
    s.execute("BEGIN")
    assert s.execute("DECLARE c SCROLL CURSOR FOR SELECT a, b FROM t ORDER BY a").tag == (
        "DECLARE CURSOR"
    )
    result = s.execute("FETCH 2 FROM c")
    assert result.tag == "FETCH 2"
    assert [(c.name, c.type_oid) for c in result.columns or []] == [("a", 23), ("b", 25)]
    assert result.rows == [(1, "x1"), (2, "x2")]
    assert fetch(s, "FETCH NEXT FROM c") == [3]
    assert fetch(s, "FETCH PRIOR FROM c") == [2]
    assert fetch(s, "FETCH FIRST IN c") == [1]
    assert fetch(s, "FETCH LAST c") == [10]
    assert fetch(s, "FETCH NEXT c") == []  # now after the last row
    assert fetch(s, "FETCH BACKWARD 3 FROM c") == [10, 9, 8]
    assert fetch(s, "FETCH ABSOLUTE 4 FROM c") == [4]
    assert fetch(s, "FETCH ABSOLUTE -2 FROM c") == [9]
    assert fetch(s, "FETCH RELATIVE -3 FROM c") == [6]
    assert fetch(s, "FETCH RELATIVE 0 FROM c") == [6]
    assert fetch(s, "FETCH FORWARD 0 FROM c") == [6]
    assert fetch(s, "FETCH -2 FROM c") == [5, 4]
    assert fetch(s, "FETCH FORWARD ALL FROM c") == [5, 6, 7, 8, 9, 10]
    assert fetch(s, "FETCH BACKWARD ALL FROM c") == list(range(10, 0, -1))
    assert fetch(s, "FETCH BACKWARD 1 FROM c") == []  # before the first row
    assert fetch(s, "FETCH ALL c") == list(range(1, 11))
    assert fetch(s, "FETCH ABSOLUTE 11 FROM c") == []
    assert fetch(s, "FETCH ABSOLUTE 0 FROM c") == []
    assert fetch(s, "FETCH FORWARD FROM c") == [1]
    assert s.execute("MOVE FORWARD 3 IN c").tag == "MOVE 3"
    assert fetch(s, "FETCH c") == [5]
    assert s.execute("MOVE ALL FROM c").tag == "MOVE 5"
    assert s.execute("MOVE BACKWARD ALL FROM c").tag == "MOVE 10"
    assert s.execute("MOVE ABSOLUTE 7 FROM c").tag == "MOVE 1"
    assert s.execute("MOVE RELATIVE 9 FROM c").tag == "MOVE 0"
    assert s.execute("MOVE LAST FROM c").tag == "MOVE 1"
    assert s.execute("CLOSE c").tag == "CLOSE CURSOR"
    s.execute("COMMIT")


def test_no_scroll_cursor_only_goes_forward(s):
    s.execute("BEGIN")
    s.execute("DECLARE c NO SCROLL CURSOR FOR SELECT a FROM t ORDER BY a")
    assert fetch(s, "FETCH 3 FROM c") == [1, 2, 3]
    with pytest.raises(SqlError) as e:
        s.execute("FETCH PRIOR FROM c")
    assert (e.value.sqlstate, e.value.message) == ("55000", "cursor can only scan forward")
    assert e.value.hint == "Declare it with SCROLL option to enable backward scan."


def test_no_scroll_refuses_every_backward_motion(s):
    for motion in (
        "FETCH LAST",
        "MOVE -1",
        "FETCH ABSOLUTE 1",
        "FETCH RELATIVE 0",
        "MOVE BACKWARD ALL",
    ):
        s.execute("BEGIN")
        s.execute("DECLARE c NO SCROLL CURSOR FOR SELECT a FROM t ORDER BY a")
        s.execute("FETCH 2 FROM c")
        assert sqlstate(s, f"{motion} FROM c") == "55000", motion
        s.execute("ROLLBACK")
    s.execute("BEGIN")
    s.execute("DECLARE c NO SCROLL CURSOR FOR SELECT a FROM t ORDER BY a")
    assert fetch(s, "FETCH ABSOLUTE 3 FROM c") == [3]
    assert fetch(s, "FETCH RELATIVE 2 FROM c") == [5]
    assert fetch(s, "FETCH FORWARD ALL FROM c") == [6, 7, 8, 9, 10]


def test_default_cursor_scrolls_back_beyond_its_window_by_running_again(s):
    s.execute("BEGIN")
    s.execute("DECLARE c CURSOR FOR SELECT g FROM generate_series(1, 2000) AS g")
    assert s.execute("MOVE 1500 FROM c").tag == "MOVE 1500"
    assert fetch(s, "FETCH ABSOLUTE 3 FROM c") == [3]
    assert fetch(s, "FETCH LAST FROM c") == [2000]
    assert fetch(s, "FETCH RELATIVE -1998 FROM c") == [2]


def test_errors_as_postgresql(s):
    assert sqlstate(s, "DECLARE c CURSOR FOR SELECT 1") == "25P01"
    with pytest.raises(SqlError) as e:
        s.execute("DECLARE c CURSOR FOR SELECT 1")
    assert e.value.message == "DECLARE CURSOR can only be used in transaction blocks"
    with pytest.raises(SqlError) as e:
        s.execute("FETCH NEXT FROM nope")
    assert (e.value.sqlstate, e.value.message) == ("34000", 'cursor "nope" does not exist')
    assert sqlstate(s, "CLOSE nope") == "34000"
    assert sqlstate(s, "MOVE 1 IN nope") == "34000"
    s.execute("BEGIN")
    s.execute("DECLARE c CURSOR FOR SELECT 1")
    with pytest.raises(SqlError) as e:
        s.execute("DECLARE c CURSOR FOR SELECT 2")
    assert (e.value.sqlstate, e.value.message) == ("42P03", 'cursor "c" already exists')
    s.execute("ROLLBACK")
    s.execute("BEGIN")
    assert sqlstate(s, "DECLARE d CURSOR FOR DELETE FROM t") == "42601"
    s.execute("ROLLBACK")
    s.execute("BEGIN")
    assert sqlstate(s, "FETCH FORWARD FROM") == "42601"
    s.execute("ROLLBACK")
    assert s.execute("SELECT count(*) FROM t").rows == [(10,)]


def test_cursors_close_at_transaction_end(s):
    s.execute("BEGIN")
    s.execute('DECLARE "Mixed" CURSOR FOR SELECT a FROM t ORDER BY a')
    assert fetch(s, 'FETCH 1 FROM "Mixed"') == [1]
    assert sqlstate(s, "FETCH 1 FROM mixed") == "34000"
    s.execute("ROLLBACK")
    s.execute("BEGIN")
    s.execute('DECLARE "Mixed" CURSOR FOR SELECT a FROM t ORDER BY a')
    s.execute("COMMIT")
    assert sqlstate(s, 'FETCH 1 FROM "Mixed"') == "34000"
    # An error ends the transaction's cursors with it.
    s.execute("BEGIN")
    s.execute("DECLARE c CURSOR FOR SELECT a FROM t")
    assert sqlstate(s, "SELECT 1/0") == "22012"
    assert sqlstate(s, "FETCH c") == "25P02"
    s.execute("ROLLBACK")
    assert sqlstate(s, "FETCH c") == "34000"


def test_with_hold_survives_commit_not_rollback(s):
    s.execute("BEGIN")
    s.execute("DECLARE h NO SCROLL CURSOR WITH HOLD FOR SELECT a FROM t ORDER BY a")
    s.execute("DECLARE w CURSOR WITHOUT HOLD FOR SELECT a FROM t")
    assert fetch(s, "FETCH 3 FROM h") == [1, 2, 3]
    s.execute("COMMIT")
    assert s.transaction_status == "I"
    s.execute("INSERT INTO t VALUES (11, 'x11')")  # after the commit: not in the held rows
    assert fetch(s, "FETCH 2 FROM h") == [4, 5]
    assert sqlstate(s, "FETCH w") == "34000"
    assert fetch(s, "FETCH ALL FROM h") == [6, 7, 8, 9, 10]
    s.execute("CLOSE h")
    # A scrollable held cursor keeps every row, so it still scrolls back.
    s.execute("BEGIN")
    s.execute("DECLARE h SCROLL CURSOR WITH HOLD FOR SELECT a FROM t ORDER BY a")
    assert fetch(s, "FETCH 5 FROM h") == [1, 2, 3, 4, 5]
    s.execute("COMMIT")
    assert fetch(s, "FETCH FIRST FROM h") == [1]
    assert fetch(s, "FETCH LAST FROM h") == [11]
    # ROLLBACK closes a held cursor the transaction declared, not an older one.
    s.execute("BEGIN")
    s.execute("DECLARE g CURSOR WITH HOLD FOR SELECT a FROM t")
    s.execute("ROLLBACK")
    assert sqlstate(s, "FETCH g") == "34000"
    assert fetch(s, "FETCH PRIOR FROM h") == [10]
    # Outside a block WITH HOLD is allowed: the statement's own transaction commits at once.
    s.execute("DECLARE auto CURSOR WITH HOLD FOR SELECT a FROM t WHERE a > $1 ORDER BY a", [8])
    assert fetch(s, "FETCH ALL FROM auto") == [9, 10, 11]
    s.execute("CLOSE ALL")
    assert sqlstate(s, "FETCH h") == "34000"


def test_pg_cursors_view(s):
    assert s.execute("SELECT * FROM pg_cursors").rows == []
    s.execute("BEGIN")
    before = dt.datetime.now(dt.UTC)
    s.execute("DECLARE c BINARY SCROLL CURSOR WITH HOLD FOR SELECT a FROM t")
    s.execute("DECLARE n NO SCROLL CURSOR FOR SELECT b FROM t")
    result = s.execute(
        "SELECT name, statement, is_holdable, is_binary, is_scrollable, creation_time"
        " FROM pg_catalog.pg_cursors ORDER BY name"
    )
    assert [c.type_oid for c in result.columns or []] == [25, 25, 16, 16, 16, 1184]
    (c, n) = result.rows
    assert c[:5] == (
        "c",
        "DECLARE c BINARY SCROLL CURSOR WITH HOLD FOR SELECT a FROM t",
        True,
        True,
        True,
    )
    assert n[:5] == ("n", "DECLARE n NO SCROLL CURSOR FOR SELECT b FROM t", False, False, False)
    assert before - dt.timedelta(seconds=1) <= c[5] <= dt.datetime.now(dt.UTC)
    s.execute("COMMIT")
    assert s.execute("SELECT name FROM pg_cursors").rows == [("c",)]
    s.execute("BEGIN")
    s.execute("CLOSE c")
    assert s.execute("SELECT name FROM pg_cursors").rows == []
    s.execute("ROLLBACK")
    assert s.execute("SELECT name FROM pg_cursors").rows == []


def test_declare_with_parameters_is_described(s):
    prepared = s.prepare("DECLARE c CURSOR FOR SELECT a, b FROM t WHERE a > $1", [0])
    assert prepared.param_oids == [23] and prepared.columns is None
    s.execute("BEGIN")
    s.execute("DECLARE c CURSOR FOR SELECT a, b FROM t WHERE a > $1 ORDER BY a", [7])
    prepared = s.prepare("FETCH FORWARD 10 FROM c", [])
    assert [c.name for c in prepared.columns or []] == ["a", "b"]
    assert s.prepare("MOVE 1 FROM c", []).columns is None
    assert [c.name for c in s.cursor_columns("c") or []] == ["a", "b"]
    assert s.cursor_columns("nope") is None
    assert s.execute("FETCH FORWARD 10 FROM c").rows == [(8, "x8"), (9, "x9"), (10, "x10")]


def test_fetch_reads_only_what_it_returns(s):
    s.execute("BEGIN")
    s.execute("DECLARE big CURSOR FOR SELECT g, g * 2 FROM generate_series(1, 1000000) AS g")
    result = s.execute("FETCH 100 FROM big")
    assert result.tag == "FETCH 100" and result.rows[-1] == (100, 200)
    rows = s.cursors.open["big"].rows
    assert rows.total is None and rows._taken == 100  # the statement stepped 100 rows, no more
    assert s.execute("FETCH 100 FROM big").rows[0] == (101, 202)
    assert rows._taken == 200
    s.execute("COMMIT")


def test_statement_forms(s):
    s.execute("BEGIN")
    s.execute(
        '/* orm */ DECLARE "we""ird" INSENSITIVE NO SCROLL CURSOR WITHOUT HOLD FOR\n'
        "  SELECT a FROM t WHERE b <> 'x$1;' ORDER BY a;"
    )
    assert fetch(s, 'FETCH IN "we""ird"') == [1]
    assert fetch(s, 'FETCH "we""ird";') == [2]
    assert fetch(s, 'fetch forward 2 from "we""ird"') == [3, 4]
    assert fetch(s, 'FETCH +1 FROM "we""ird"') == [5]
    assert s.execute('MOVE FROM "we""ird"').tag == "MOVE 1"
    s.execute("DECLARE all_rows CURSOR FOR VALUES (1), (2)")
    assert fetch(s, "FETCH all_rows") == [1]
    assert fetch(s, "FETCH ALL all_rows") == [2]
    s.execute('CLOSE "we""ird"')
    s.execute("CLOSE all_rows")
    assert s.execute("SELECT count(*) FROM pg_cursors").rows == [(0,)]
    for bad in (
        "FETCH NEXT FROM",
        "FETCH ABSOLUTE FROM c",
        "MOVE 1 2 FROM c",
        "CLOSE",
        "DECLARE c",
    ):
        assert sqlstate(s, bad) == "42601", bad
        s.execute("ROLLBACK")
        s.execute("BEGIN")
