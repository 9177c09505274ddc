"""Query shapes of PostgreSQL's regression suite (join, subselect, aggregates, window,
transactions ...) answered as PostgreSQL 15 answers them, in process on a real SQLite file."""

from __future__ import annotations

import pytest

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


def rows(s: Session, sql: str) -> list[tuple]:
    return s.execute(sql).rows


def run(s: Session, script: str) -> None:
    for sql in s.split(script):
        s.execute(sql)


@pytest.fixture
def t(s: Session) -> Session:
    run(s, """
        CREATE TABLE a (id int, name text);
        INSERT INTO a VALUES (1, 'one'), (2, 'two'), (3, NULL);
        CREATE TABLE b (k int, v text, flag boolean);
        INSERT INTO b VALUES (1, 'x', true), (1, 'y', false), (2, 'z', true);
    """)
    return s


def test_lateral_subquery_reads_the_tables_to_its_left(t: Session) -> None:
    got = rows(t, "SELECT a.id, ss.v FROM a, LATERAL (SELECT v FROM b WHERE b.k = a.id) ss "
                  "ORDER BY 1, 2")
    assert got == [(1, "x"), (1, "y"), (2, "z")]


def test_left_join_lateral_gives_nulls_for_an_empty_subquery(t: Session) -> None:
    got = rows(t, "SELECT a.id, ss.v FROM a LEFT JOIN LATERAL "
                  "(SELECT v FROM b WHERE b.k = a.id ORDER BY v DESC LIMIT 1) ss ON true ORDER BY 1")
    assert got == [(1, "y"), (2, "z"), (3, None)]


def test_select_star_lists_lateral_columns_in_from_order_with_their_types(t: Session) -> None:
    r = t.execute("SELECT * FROM a, LATERAL (SELECT count(*) AS n, bool_and(flag) AS f "
                  "FROM b WHERE b.k = a.id) ss(cnt) ORDER BY a.id")
    assert [c.name for c in r.columns] == ["id", "name", "cnt", "f"]
    assert r.rows == [(1, "one", 2, False), (2, "two", 1, True), (3, None, 0, None)]


def test_lateral_values_union_and_function(t: Session) -> None:
    assert rows(t, "SELECT count(*) FROM a, b JOIN LATERAL (VALUES (a.id), (-1)) ss(x) "
                   "ON b.k = ss.x") == [(3,)]
    assert rows(t, "SELECT a.id, g FROM a, LATERAL generate_series(1, a.id) g "
                   "ORDER BY 1, 2") == [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)]
    assert rows(t, "SELECT v.* FROM a, LATERAL (SELECT a.id UNION ALL SELECT a.id * 10) v(x) "
                   "WHERE a.id = 2") == [(2,), (20,)]


def test_a_later_lateral_reads_an_earlier_one(t: Session) -> None:
    got = rows(t, "SELECT ss2.* FROM a, LATERAL (SELECT a.id * 2 AS d FROM b LIMIT 1) ss1, "
                  "LATERAL (SELECT ss1.* FROM b LIMIT 1) ss2 ORDER BY 1")
    assert got == [(2,), (4,), (6,)]


def test_unnest_of_an_earlier_items_array_keeps_every_column(s: Session) -> None:
    """``FROM x, unnest(x.tags) AS tag``: ``*`` lists every FROM item's columns in order,
    with their types (a VALUES or subquery item's were dropped, leaving only the unnest's);
    the alias names the element column, and a column named as one of json_each's (id,
    value) still means the table's (it was 42702 "ambiguous column name: id")."""
    run(s, """
        CREATE TABLE t (id int, tags text[], value int);
        INSERT INTO t VALUES (1, '{a,b}', 5), (2, '{c}', 6);
    """)
    assert rows(s, "SELECT id, value, tag FROM t, unnest(t.tags) AS tag ORDER BY 1, 3") == [
        (1, 5, "a"), (1, 5, "b"), (2, 6, "c")]
    r = s.execute("SELECT * FROM (VALUES (1, array[10,20])) AS v(x, ys) "
                  "CROSS JOIN unnest(ys) WITH ORDINALITY AS u(y, n), (SELECT true AS f) q")
    assert [c.name for c in r.columns] == ["x", "ys", "y", "n", "f"]
    assert r.rows == [(1, [10, 20], 10, 1, True), (1, [10, 20], 20, 2, True)]
    assert rows(s, "SELECT * FROM (VALUES (1, array[10,20]), (2, array[20,30])) AS v1(x, ys) "
                   "LEFT JOIN (VALUES (1, 10), (2, 20)) AS v2(k, y) ON k = x "
                   "LEFT JOIN unnest(ys) AS u(e) ON e = y ORDER BY 1") == [
        (1, [10, 20], 1, 10, 10), (2, [20, 30], 2, 20, 20)]


def test_right_join_lateral_is_refused(t: Session) -> None:
    with pytest.raises(SqlError) as e:
        t.execute("SELECT * FROM a RIGHT JOIN LATERAL generate_series(0, a.id) g ON true")
    assert e.value.sqlstate == "42P10"


def test_star_over_a_derived_table_keeps_boolean_type(s: Session) -> None:
    assert rows(s, "SELECT * FROM (SELECT 1 AS x) t, (SELECT true AS b) u") == [(1, True)]


def test_generate_series_past_its_stop_is_empty(s: Session) -> None:
    assert rows(s, "SELECT * FROM generate_series(1, 0) g") == []
    assert rows(s, "SELECT * FROM generate_series(1.5, 0) g") == []
    assert rows(s, "SELECT count(*) FROM generate_series('2020-01-02'::timestamp, "
                   "'2020-01-01'::timestamp, '1 day') g") == [(0,)]
    assert rows(s, "SELECT * FROM generate_series(3, 1, -1) g") == [(3,), (2,), (1,)]


def test_transaction_modes_show_and_chain(s: Session) -> None:
    assert s.execute("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, DEFERRABLE").tag == (
        "START TRANSACTION")
    assert rows(s, "SHOW transaction_deferrable") == [("on",)]
    assert s.execute("COMMIT AND CHAIN").tag == "COMMIT"
    assert rows(s, "SHOW transaction_isolation") == [("repeatable read",)]
    assert rows(s, "SHOW transaction_deferrable") == [("on",)]
    s.execute("ROLLBACK")
    assert rows(s, "SHOW transaction_isolation") == [("read committed",)]
    with pytest.raises(SqlError) as e:
        s.execute("COMMIT AND CHAIN")
    assert e.value.sqlstate == "25P01"


def test_read_write_only_before_the_first_query(s: Session) -> None:
    s.execute("CREATE TABLE w (a int)")
    run(s, "BEGIN; SET TRANSACTION READ ONLY; SET TRANSACTION READ WRITE; "
           "SET TRANSACTION READ ONLY; SELECT * FROM w")
    with pytest.raises(SqlError) as e:
        s.execute("SET TRANSACTION READ WRITE")
    assert e.value.sqlstate == "25001"
    assert s.execute("COMMIT").tag == "ROLLBACK"


def test_session_read_only_refuses_ddl(s: Session) -> None:
    run(s, "CREATE TABLE w (a int); SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    for sql in ("DROP TABLE w", "INSERT INTO w VALUES (1)", "CREATE TABLE w2 AS SELECT 1"):
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert e.value.sqlstate == "25006"
    with pytest.raises(SqlError) as e:  # PostgreSQL 15 refuses a temp table too
        s.execute("CREATE TEMP TABLE tt (a int)")
    assert e.value.sqlstate == "25006"
    s.execute("RESET default_transaction_read_only")
    assert s.execute("DROP TABLE w").tag == "DROP TABLE"


def test_column_alias_lists_rename_table_and_subquery_columns(t: Session) -> None:
    assert rows(t, "SELECT x.n, x.name FROM a AS x(n) WHERE x.n = 2") == [(2, "two")]
    assert rows(t, "SELECT * FROM a t1 (i, nm) JOIN b t2 (i) USING (i) ORDER BY i, v") == [
        (1, "one", "x", True), (1, "one", "y", False), (2, "two", "z", True)]
    assert rows(t, "SELECT q.m FROM (SELECT id * 10 AS p FROM a ORDER BY p DESC) q(m) "
                   "LIMIT 1") == [(30,)]
    with pytest.raises(SqlError) as e:
        t.execute("SELECT * FROM a AS x(p, q, r)")
    assert e.value.sqlstate == "42P10"


def test_ordered_set_aggregates(s: Session) -> None:
    assert rows(s, "SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY x), "
                   "percentile_disc(0.5) WITHIN GROUP (ORDER BY x), "
                   "mode() WITHIN GROUP (ORDER BY x % 2) "
                   "FROM generate_series(1, 6) x") == [(2.25, 3, 0)]
    r = s.execute("SELECT percentile_cont(ARRAY[0, 0.5, 1]) WITHIN GROUP (ORDER BY x) "
                  "FROM generate_series(1, 5) x")
    assert r.rows == [([1.0, 3.0, 5.0],)]
    assert rows(s, "SELECT rank(3) WITHIN GROUP (ORDER BY x), dense_rank(3) WITHIN GROUP "
                   "(ORDER BY x), cume_dist(3) WITHIN GROUP (ORDER BY x) "
                   "FROM (VALUES (1), (1), (2), (2), (3), (3), (4)) v(x)") == [(5, 3, 0.875)]
    assert rows(s, "SELECT percent_rank(0) WITHIN GROUP (ORDER BY x), rank(0) WITHIN GROUP "
                   "(ORDER BY x) FROM generate_series(1, 0) x") == [(0.0, 1)]


def test_ordered_set_errors_match_postgres(s: Session) -> None:
    for sql, state in (
        ("SELECT rank(x) WITHIN GROUP (ORDER BY x) FROM generate_series(1, 5) x", "42803"),
        ("SELECT rank(3) WITHIN GROUP (ORDER BY x, x) FROM generate_series(1, 5) x", "42883"),
        ("SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY x) FROM generate_series(1, 5) x",
         "22003"),
    ):
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert e.value.sqlstate == state, sql


def test_regression_bit_and_every_aggregates(s: Session) -> None:
    run(s, "CREATE TABLE r (x float8, y float8, i int); "
           "INSERT INTO r VALUES (10, 100, 3), (20, 250, 5), (30, 300, 6), (NULL, 1, NULL)")
    assert rows(s, "SELECT regr_count(y, x), regr_sxx(y, x), regr_sxy(y, x), regr_avgy(y, x), "
                   "regr_slope(y, x), covar_samp(y, x) FROM r") == [
        (3, 200.0, 2000.0, 650 / 3, 10.0, 1000.0)]
    assert rows(s, "SELECT bit_and(i), bit_or(i), bit_xor(i), every(i > 2), every(i > 3) "
                   "FROM r") == [(0, 7, 0, True, False)]


def test_intersect_all_and_except_all_keep_duplicates(s: Session) -> None:
    run(s, "CREATE TABLE m (x int); INSERT INTO m VALUES (1), (1), (1), (2), (3)")
    assert rows(s, "SELECT x FROM m INTERSECT ALL (SELECT 1 UNION ALL SELECT 1 UNION ALL "
                   "SELECT 2) ORDER BY 1") == [(1,), (1,), (2,)]
    assert rows(s, "SELECT x FROM m EXCEPT ALL SELECT 1 ORDER BY x") == [(1,), (1,), (2,), (3,)]
    assert rows(s, "SELECT x FROM m EXCEPT ALL SELECT 1 EXCEPT ALL SELECT 1 ORDER BY 1 "
                   "LIMIT 2") == [(1,), (2,)]


def test_union_order_by_names_only_result_columns(s: Session) -> None:
    with pytest.raises(SqlError) as e:
        s.execute("SELECT 1 AS a UNION SELECT 2 ORDER BY b")
    assert e.value.sqlstate == "42703"
    assert rows(s, "(((SELECT 1 AS a)))") == [(1,)]


def test_drop_table_with_a_dependent_view(s: Session) -> None:
    run(s, "CREATE TABLE base (a int); CREATE VIEW v1 AS SELECT a FROM base; "
           "CREATE VIEW v2 AS SELECT * FROM v1")
    with pytest.raises(SqlError) as e:
        s.execute("DROP TABLE base")
    assert e.value.sqlstate == "2BP01"
    assert rows(s, "SELECT count(*) FROM v2") == [(0,)]
    assert s.execute("DROP TABLE base CASCADE").tag == "DROP TABLE"
    assert s.execute("CREATE TABLE other (b int)").tag == "CREATE TABLE"
    with pytest.raises(SqlError) as e:
        s.execute("SELECT * FROM v1")
    assert e.value.sqlstate == "42P01"


@pytest.mark.parametrize("sql", [
    "CREATE SEQUENCE sx INCREMENT BY 0",
    "CREATE SEQUENCE sx INCREMENT BY -1 MINVALUE 20",
    "CREATE SEQUENCE sx START -10",
    "CREATE SEQUENCE sx CACHE 0",
    "CREATE SEQUENCE sx AS text",
    "CREATE SEQUENCE sx AS smallint MAXVALUE 100000",
])
def test_create_sequence_checks_its_parameters(s: Session, sql: str) -> None:
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    assert e.value.sqlstate == "22023"
    assert s.execute("CREATE SEQUENCE sx").tag == "CREATE SEQUENCE"


def test_create_sequence_cache_without_a_number_is_a_syntax_error(s: Session) -> None:
    with pytest.raises(SqlError) as e:  # it was an internal error (an AttributeError)
        s.execute("CREATE SEQUENCE sx CACHE")
    assert e.value.sqlstate == "42601"
    assert s.execute("CREATE SEQUENCE sx CACHE 5").tag == "CREATE SEQUENCE"


@pytest.mark.parametrize("sql", [
    "ALTER SEQUENCE sy CACHE",
    "ALTER SEQUENCE sy INCREMENT",
    "ALTER SEQUENCE sy INCREMENT BY",
    "ALTER SEQUENCE sy START WITH",
    "ALTER SEQUENCE sy RESTART WITH",
    "ALTER SEQUENCE sy MAXVALUE",
    "CREATE SEQUENCE sz INCREMENT",
    "CREATE SEQUENCE sz MINVALUE",
])
def test_sequence_options_without_a_number_are_syntax_errors(s: Session, sql: str) -> None:
    """ALTER SEQUENCE sy CACHE / INCREMENT with no number ran, changing nothing."""
    s.execute("CREATE SEQUENCE sy")
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    assert e.value.sqlstate == "42601"
    run(s, "ALTER SEQUENCE sy INCREMENT BY 2 CACHE 3 NO MINVALUE NO MAXVALUE RESTART")
    assert rows(s, "SELECT nextval('sy'), nextval('sy')") == [(1, 3)]


def test_alter_sequence_bounds_cycle_and_regclass(s: Session) -> None:
    run(s, "CREATE SEQUENCE sq START WITH 32; "
           "ALTER SEQUENCE sq RESTART WITH -24 START WITH -24 INCREMENT BY -4 "
           "MINVALUE -36 MAXVALUE -5 CYCLE")
    got = [rows(s, "SELECT nextval('sq'::regclass)")[0][0] for _ in range(5)]
    assert got == [-24, -28, -32, -36, -5]
    with pytest.raises(SqlError) as e:
        s.execute("SELECT setval('sq', 100)")
    assert e.value.sqlstate == "22003"
    with pytest.raises(SqlError) as e:
        s.execute("ALTER SEQUENCE sq RESTART WITH 0")
    assert e.value.sqlstate == "22023"
    assert rows(s, "SELECT setval('sq', -7), lastval()") == [(-7, -7)]
    assert s.execute("DISCARD SEQUENCES").tag == "DISCARD SEQUENCES"
    with pytest.raises(SqlError) as e:
        s.execute("SELECT lastval()")
    assert e.value.sqlstate == "55000"


def test_order_by_using_operator(t: Session) -> None:
    assert rows(t, "SELECT id FROM a ORDER BY id USING >") == [(3,), (2,), (1,)]
    assert rows(t, "SELECT k, v FROM b ORDER BY k USING <, v USING >") == [
        (1, "y"), (1, "x"), (2, "z")]


def test_generate_series_in_the_select_list(t: Session) -> None:
    r = t.execute("SELECT generate_series(1, 3)")
    assert r.rows == [(1,), (2,), (3,)]
    assert [c.name for c in r.columns] == ["generate_series"]
    assert rows(t, "SELECT id, generate_series(1, id) AS g FROM a ORDER BY id, g") == [
        (1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)]


def test_select_with_no_columns(s: Session) -> None:
    r = s.execute("SELECT FROM generate_series(1, 5) UNION ALL SELECT FROM generate_series(1, 3)")
    assert (r.tag, r.columns, r.rows) == ("SELECT 8", [], [()] * 8)
    assert s.execute("SELECT UNION SELECT").rows == [()]
    assert s.execute("SELECT EXCEPT SELECT").rows == []
    assert rows(s, "SELECT exists(SELECT FROM generate_series(1, 2))") == [(True,)]


def test_parenthesised_arms_of_a_union(s: Session) -> None:
    assert rows(s, "(SELECT 2) UNION SELECT 2") == [(2,)]
    assert rows(s, "SELECT ((SELECT 2) UNION SELECT 2)") == [(2,)]
    assert rows(s, "SELECT 1 UNION ALL (SELECT 2 UNION ALL SELECT 3 ORDER BY 1 DESC LIMIT 1) "
                   "ORDER BY 1") == [(1,), (3,)]


def test_fetch_first_with_ties(t: Session) -> None:
    assert rows(t, "SELECT k FROM b ORDER BY k FETCH FIRST 1 ROW WITH TIES") == [(1,), (1,)]
    with pytest.raises(SqlError) as e:
        t.execute("SELECT k FROM b FETCH FIRST 1 ROW WITH TIES")
    assert e.value.sqlstate == "42601"


def test_join_using_alias_names_the_merged_columns(t: Session) -> None:
    run(t, "CREATE TABLE c (id int, w text); INSERT INTO c VALUES (1, 'c1'), (3, 'c3')")
    assert rows(t, "SELECT x.id, w FROM a JOIN c USING (id) AS x ORDER BY x.id") == [
        (1, "c1"), (3, "c3")]
    assert rows(t, "SELECT x.* FROM a JOIN c USING (id) AS x WHERE a.id = 1") == [(1,)]
    with pytest.raises(SqlError) as e:
        t.execute("SELECT x.w FROM a JOIN c USING (id) AS x")
    assert e.value.sqlstate == "42703"


def test_having_without_group_by_is_one_group(t: Session) -> None:
    assert rows(t, "SELECT 1 AS one FROM a HAVING 1 < 2") == [(1,)]
    assert rows(t, "SELECT 1 AS one FROM a HAVING 1 > 2") == []
    assert rows(t, "SELECT 1 AS one FROM a WHERE false HAVING count(*) = 0") == [(1,)]
    with pytest.raises(SqlError) as e:
        t.execute("SELECT 1 AS one FROM a HAVING id > 1")
    assert e.value.sqlstate == "42803"


def _error(s: Session, sql: str) -> tuple[str, str]:
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    return e.value.sqlstate, e.value.message


def test_a_star_inside_a_name_and_a_two_part_subscript_are_syntax_errors(s: Session) -> None:
    """s.*.x was an internal error (an AttributeError) and a[2, :3] one too (apsw's
    "Incorrect number of bindings": sqlglot took :3 for a parameter); PostgreSQL's grammar
    refuses both with 42601."""
    s.execute("CREATE TABLE src (id int, note text, a int[])")
    assert _error(s, "SELECT s.*.x FROM src s") == ("42601", 'improper use of "*"')
    assert _error(s, "SELECT s.*.'x' FROM src s")[0] == "42601"
    assert _error(s, "SELECT a[2, :3] FROM src") == ("42601", 'syntax error at or near ","')
    assert _error(s, "SELECT a[1, 2] FROM src") == ("42601", 'syntax error at or near ","')
    assert rows(s, "SELECT s.*, a[1:2], a[1] FROM src s") == []


def test_a_column_list_without_an_alias_name_is_a_syntax_error(s: Session) -> None:
    """FROM a AS (n) was an internal error (an AttributeError renaming the columns)."""
    s.execute("CREATE TABLE an (n int)")
    assert _error(s, "SELECT n FROM an AS (n)") == ("42601", 'syntax error at or near "("')
    assert _error(s, "SELECT n FROM (SELECT 1 n) AS (n)") == (
        "42601", 'syntax error at or near "("')
    assert rows(s, "SELECT m FROM an AS x (m)") == []


def test_a_name_with_a_subquery_literal_or_boolean_part_is_refused(s: Session) -> None:
    """src.k.(SELECT 1).id, foo.'x'.i and foo.true.i (in a RETURNING list) were internal
    errors (an AttributeError); PostgreSQL: 42601 for the first two, 42P01 for the last."""
    s.execute("CREATE TABLE foo (f1 int)")
    s.execute("CREATE TABLE i8 (q1 int, q2 int)")
    assert _error(s, "SELECT foo.(SELECT 1).i FROM foo") == (
        "42601", 'syntax error at or near "("')
    assert _error(s, "UPDATE foo src SET f1 = 1 FROM i8 WHERE src.k.(SELECT 1).id") == (
        "42601", 'syntax error at or near "("')
    assert _error(s, "SELECT foo.'x'.i FROM foo")[0] == "42601"
    assert _error(s, "DELETE FROM foo USING i8 i WHERE foo.f1 = i.q2 "
                     "RETURNING foo . true . i, q1 + 1 AS n") == (
        "42P01", 'missing FROM-clause entry for table "true"')
    assert rows(s, "SELECT foo.f1, public.foo.f1 FROM foo") == []


def test_upper_lower_length_of_no_string_are_42883(s):
    """upper(5) was '5' and length of a date 10: PostgreSQL has no such functions."""
    s.execute("CREATE TABLE ut (t text, n int, d date, b bytea)")
    s.execute("INSERT INTO ut VALUES ('ab', 1, '2020-01-02', '\\x0102')")
    for sql, message in [("SELECT upper(n) FROM ut", "function upper(integer) does not exist"),
                         ("SELECT length(d) FROM ut", "function length(date) does not exist"),
                         ("SELECT lower(1.5)", "function lower(numeric) does not exist")]:
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert (e.value.sqlstate, str(e.value)) == ("42883", message), sql
    assert s.execute("SELECT upper(t), length(b), length(n::text) FROM ut").rows == [("AB", 2, 1)]
