"""Bind parameters on the SQL engine in-process: where ``$n`` is one, and how many there may be."""

from __future__ import annotations

import apsw
import pytest

from aurora.engine.sql.lexer import inline_params, param_count, spaced_params, split
from aurora.engine.sqlapi import SqlError


def test_dollar_inside_literals_and_comments_is_not_a_parameter(s):
    assert s.execute("SELECT 'a$1b'").rows == [("a$1b",)]
    assert s.execute("SELECT 'a$1b', $1::int", [7]).rows == [("a$1b", 7)]
    assert s.execute("SELECT $$a$1b$$, $t$x$2 $$ y$t$").rows == [("a$1b", "x$2 $$ y")]
    assert s.execute("SELECT E'it''s $3' -- $4\n").rows == [("it's $3",)]
    assert s.execute('SELECT /* $2 */ 1 AS "c$5"').rows == [(1,)]
    s.execute("CREATE TABLE auth_user (id int, password text DEFAULT 'x$1y')")
    django = "pbkdf2_sha256$1000000$salt$hash"
    s.execute(f"INSERT INTO auth_user (id, password) VALUES (1, '{django}')")
    s.execute("INSERT INTO auth_user (id) VALUES (2)")
    s.execute("INSERT INTO auth_user VALUES ($1, 'sha1$' || $2)", [3, "abc"])
    assert s.execute("SELECT password FROM auth_user ORDER BY id").rows == [
        (django,),
        ("x$1y",),
        ("sha1$abc",),
    ]
    prepared = s.prepare(f"UPDATE auth_user SET password = '{django}' WHERE id = $1", [0])
    assert len(prepared.param_oids) == 1


def test_param_scanning_is_lexical():
    assert param_count("SELECT 'a$1b', $2, \"x$9\", a$7, $$ $8 $$, $q$ $$ $6 $q$ -- $5") == 2
    assert param_count("SELECT E'\\' $4', $3 /* $9 */") == 3
    assert spaced_params("SELECT $1,$2, '$3,x'") == "SELECT $1 ,$2 , '$3,x'"
    assert spaced_params("SELECT $10::int") == "SELECT $10 ::int"
    # A tagged dollar quote ends at its own tag, not at the first "$$".
    assert split("SELECT $t$ a $$; b $t$; SELECT 2") == ["SELECT $t$ a $$; b $t$", " SELECT 2"]


def test_ten_and_more_uncast_parameters(s):
    sql = "SELECT " + ", ".join(f"${i}" for i in range(1, 13))
    assert s.execute(sql, [str(i) for i in range(12)]).rows == [tuple(str(i) for i in range(12))]
    assert s.execute("SELECT $10", [str(i) for i in range(10)]).rows == [("9",)]
    assert s.execute("SELECT $1 || $11", [str(i) for i in range(11)]).rows == [("010",)]


def test_more_parameters_than_sqlite_binds(s):
    limit = s.conn.limit(apsw.SQLITE_LIMIT_VARIABLE_NUMBER, -1)
    n = 60_000
    assert n > limit
    s.execute("CREATE TABLE wide (" + ", ".join(f"c{i} int" for i in range(10)) + ")")
    values = ", ".join(
        "(" + ", ".join(f"${r * 10 + c + 1}" for c in range(10)) + ")" for r in range(n // 10)
    )
    sql = f"INSERT INTO wide VALUES {values}"
    assert len(s.prepare(sql, [0] * n).param_oids) == n
    assert s.execute(sql, list(range(n))).tag == "INSERT 0 6000"
    assert s.execute("SELECT count(*), sum(c9), min(c0) FROM wide").rows == [
        (6000, sum(range(9, n, 10)), 0)
    ]
    # A SELECT too, with text, NULL and negative values, and more literals than SQLite binds.
    keys = ["it's", None, "-1", "$1"] + [f"k{i}" for i in range(limit)]
    sel = (
        "SELECT count(*) FROM wide WHERE c0::text IN ("
        + ", ".join(f"${i + 1}" for i in range(len(keys)))
        + ") OR c0 = -$3::int"
    )
    assert s.execute(sel, keys).rows == [(0,)]
    lits = (
        "SELECT count(*) FROM wide WHERE c1 IN ("
        + ", ".join(str(i) for i in range(limit + 10))
        + ")"
    )
    assert s.execute(lits).rows == [(len(range(1, limit + 10, 10)),)]


def test_inline_params_spells_sqlite_literals():
    text = inline_params(
        "SELECT ?1, '?2', ?2, \"?3\", ?3, ?4, ?5, ?6, ?7, ? -- ?1",
        [-5, "it's", b"\x00\xff", 1.5, float("-inf"), None, -(2**63), "a\0b"],
    )
    assert text == (
        "SELECT (-5), '?2', 'it''s', \"?3\", X'00ff', 1.5, (-9e999), NULL,"
        " (-9223372036854775807-1), CAST(X'610062' AS TEXT) -- ?1"
    )
    conn = apsw.Connection(":memory:")
    row = conn.execute(text.split(" --")[0]).fetchall()[0]
    assert row == (-5, "?2", "it's", "?3", b"\x00\xff", 1.5, float("-inf"), None, -(2**63), "a\0b")


def test_bind_count_mismatch_is_an_error(s):
    with pytest.raises(SqlError) as e:
        s.execute("SELECT $2::int", [1])
    assert e.value.sqlstate == "08P01"


@pytest.mark.parametrize(
    "columns, row, tail",
    [
        (
            "c0, c1, label, ratio, n, ts",
            "{}::BIGINT, {}::INTEGER, {}::VARCHAR, {}::FLOAT, {}::NUMERIC,"
            " {}::TIMESTAMP WITH TIME ZONE",
            "",
        ),
        ("c0, label, n, ts", "{}, {}, {}, {}", ""),
        ("c1, label", "{}, upper({}) || $$?1 $9$$", ""),
        ("c0, c1", "{}, {}", " ON CONFLICT (c0) DO UPDATE SET c1 = excluded.c1 RETURNING c0, c1"),
    ],
)
def test_wide_insert_plan_is_the_row_plan_repeated(s, monkeypatch, columns, row, tail):
    from aurora.engine.sql import multirow

    s.execute(
        "CREATE TABLE w (c0 bigint PRIMARY KEY, c1 int, label text, ratio float,"
        " n numeric(10,2), ts timestamptz)"
    )
    width = row.count("{}")
    rows = 40
    values = ", ".join(
        "(" + row.format(*(f"${r * width + c + 1}" for c in range(width))) + ")"
        for r in range(rows)
    )
    sql = f"INSERT INTO w ({columns}) VALUES {values}{tail}"
    direct = multirow.build_plan(sql, rows * width, [], [0] * (rows * width), s._build)
    assert direct is not None  # the statement takes the two-row path
    fast = s.prepare(sql, [0] * (rows * width))
    fast_plan = s._plan(sql)[0]
    assert fast_plan.sql == direct.sql
    monkeypatch.setattr(multirow, "MIN_ROWS", 10**9)
    s._cache.clear()
    s._exact.clear()
    slow = s.prepare(sql, [0] * (rows * width))
    slow_plan = s._plan(sql)[0]
    assert fast_plan is not slow_plan
    assert fast_plan.sql == slow_plan.sql
    assert (fast_plan.nparams, fast_plan.param_oids) == (slow_plan.nparams, slow_plan.param_oids)
    assert fast == slow


@pytest.mark.parametrize("row", ["{}, {}, {}", "{}::BIGINT, {}::INTEGER, {}::VARCHAR"])
def test_wide_insert_rows_may_differ_in_integer_width_and_nulls(s, monkeypatch, row):
    # psycopg types an int parameter int2, int4 or int8 by its value, and None as unknown (0).
    from aurora.engine.sql import multirow

    s.execute("CREATE TABLE w (c0 bigint, c1 int, label text)")
    rows = 30
    sql = "INSERT INTO w (c0, c1, label) VALUES " + ", ".join(
        "(" + row.format(*(f"${r * 3 + c + 1}" for c in range(3))) + ")" for r in range(rows)
    )
    given = [
        oid for r in range(rows) for oid in ((21, 23, 20, 0)[r % 4], (23, 0)[r % 2], (25, 0)[r % 2])
    ]
    assert multirow.build_plan(sql, rows * 3, [], given, s._build) is not None
    fast = s.prepare(sql, given)
    fast_sql = s._plan(sql)[0].sql
    monkeypatch.setattr(multirow, "MIN_ROWS", 10**9)
    s._cache.clear()
    s._exact.clear()
    assert s.prepare(sql, given) == fast
    assert s._plan(sql)[0].sql == fast_sql
    values = [v for r in range(rows) for v in (r * 2**20, None if r % 2 else r, f"l{r}")]
    assert s.execute(sql, values).tag == f"INSERT 0 {rows}"
