"""Text search, and other types' behaviour as PostgreSQL 15 answers it (in-process Session)."""

from __future__ import annotations

import pytest

from aurora.engine.sql import Session
from aurora.engine.sql.stemmer import stem
from aurora.engine.sqlapi import SqlError


def one(s: Session, sql: str) -> object:
    return s.execute(sql, ()).rows[0][0]


def sqlstate(s: Session, sql: str) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql, ())
    return e.value.sqlstate


# -- text search -----------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "want"), [
    ("running", "run"), ("easily", "easili"), ("generously", "generous"), ("foxes", "fox"),
    ("hoped", "hope"), ("agreed", "agre"), ("cries", "cri"), ("ties", "tie"),
    ("national", "nation"), ("relational", "relat"), ("skies", "sky"), ("false", "fals"),
    ("communication", "communic"), ("yelling", "yell"), ("succeeding", "succeed"),
])
def test_english_stemmer_as_snowball(word: str, want: str) -> None:
    assert stem(word) == want


def test_to_tsvector_english_and_simple(s: Session) -> None:
    assert one(s, "select to_tsvector('english', 'The quick brown foxes jumped easily')") == (
        "'brown':3 'easili':6 'fox':4 'jump':5 'quick':2")
    assert one(s, "select to_tsvector('simple', 'The Fat-Cats x-5 don''t')") == (
        "'-5':6 'cats':4 'don':7 'fat':3 'fat-cats':2 't':8 'the':1 'x':5")
    assert one(s, "select to_tsvector('Fat cats')") == "'cat':2 'fat':1"  # english by default
    col = s.execute("select to_tsvector('x')", ()).columns[0]
    assert col.type_oid == 3614


def test_text_search_refuses_tokens_it_cannot_split(s: Session) -> None:
    assert sqlstate(s, "select to_tsvector('simple', 'see http://example.com/a')") == "0A000"
    assert sqlstate(s, "select to_tsvector('simple', 'pi is 3.14')") == "0A000"
    assert sqlstate(s, "select to_tsvector('nosuch', 'x')") == "42704"


def test_text_search_function_without_its_text_is_42883(s: Session) -> None:
    """to_tsvector() was an internal error (an IndexError reached the client as XX000)."""
    for sql in ("SELECT to_tsvector()", "SELECT to_tsquery()", "SELECT to_tsvector('a', 'b', 'c')"):
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert e.value.sqlstate == "42883", sql


def test_tsvector_and_tsquery_input_output(s: Session) -> None:
    assert one(s, "select 'b:2 a:1A,3 b'::tsvector") == "'a':1A,3 'b':2"
    assert one(s, "select 'a & b | !c <-> (d | e) <2> f:*AB'::tsquery") == (
        "'a' & 'b' | !'c' <-> ( 'd' | 'e' ) <2> 'f':*AB")
    assert one(s, "select tsquery('bbb & ddd & hhh')") == "'bbb' & 'ddd' & 'hhh'"
    assert sqlstate(s, "select 'a & '::tsquery") == "42601"
    s.execute("create table docs (id int, tsv tsvector)", ())
    s.execute("insert into docs values (1, 'b a b')", ())
    assert s.execute("select tsv from docs", ()).rows == [("'a' 'b'",)]


def test_to_tsquery_forms(s: Session) -> None:
    assert one(s, "select to_tsquery('english', 'The & fat-rats:* | !cats')") == (
        "'fat-rat':* <-> 'fat':* <-> 'rat':* | !'cat'")
    assert one(s, "select plainto_tsquery('english', 'The fat rats')") == "'fat' & 'rat'"
    assert one(s, "select phraseto_tsquery('english', 'The fat and the rats')") == (
        "'fat' <3> 'rat'")


def test_match_operator(s: Session) -> None:
    v = "to_tsvector('english', 'a fat cat sat on a mat')"
    assert one(s, f"select {v} @@ to_tsquery('english', 'fat <-> cat & !dog')") == 1
    assert one(s, f"select {v} @@ to_tsquery('english', 'cat <-> fat')") == 0
    assert one(s, f"select {v} @@ to_tsquery('english', 'fat <2> sat')") == 1
    assert one(s, "select 'a fat cat sat'::text @@ 'cats & sitting'::text") == 0
    assert one(s, "select 'a fat cat sat on a mat' @@ 'cat & mat'::tsquery") == 1
    assert one(s, "select 'fat:1A cat:2B'::tsvector @@ 'cat:A'::tsquery") == 0
    assert one(s, "select strip('fat:1 cat:2'::tsvector) @@ 'fat <-> cat'::tsquery") == 0
    s.execute("create table docs (id int, body text)", ())
    s.execute("insert into docs values (1, 'The fat cats'), (2, 'dogs bark')", ())
    assert s.execute("select id from docs where to_tsvector('english', body) @@ "
                     "plainto_tsquery('english', 'barking dog')", ()).rows == [(2,)]


def test_json_to_tsvector(s: Session) -> None:
    doc = """'{"a": "aaa in bbb", "b": 123, "c": 456, "d": true, "f": false, "g": null}'"""
    assert one(s, f"select json_to_tsvector('english', {doc}::json, '\"all\"')") == (
        "'123':8 '456':12 'aaa':2 'b':6 'bbb':4 'c':10 'd':14 'f':18 'fals':20 'g':22 "
        "'true':16")
    assert one(s, f"select jsonb_to_tsvector('english', {doc}::jsonb, '[\"numeric\"]')") == (
        "'123':1 '456':3")
    assert sqlstate(s, f"select jsonb_to_tsvector({doc}::jsonb, '{{}}')") == "22023"
    assert one(s, """select to_tsvector('{"a": "aaa bbb", "b": ["ccc"]}'::json)""") == (
        "'aaa':1 'bbb':2 'ccc':4")


def test_ts_headline(s: Session) -> None:
    assert one(s, "select ts_headline('english', 'The fat cats ate the rats', "
                  "to_tsquery('english', 'cat & rat'))") == (
        "The fat <b>cats</b> ate the <b>rats</b>")
    q = "tsquery('bbb & ddd')"
    assert one(s, f"""select ts_headline('{{"a": "aaa bbb", "b": [1, "ddd"]}}'::json, {q})""") \
        == '{"a":"aaa <b>bbb</b>","b":[1,"<b>ddd</b>"]}'
    assert one(s, f"""select ts_headline('{{"a": "aaa bbb"}}'::jsonb, {q}, 'StartSel=<,StopSel=>')""") \
        == '{"a": "aaa <bbb>"}'


# -- float4 / float8 -------------------------------------------------------------------------


def test_real_arithmetic_is_single_precision(s: Session) -> None:
    s.execute("create table f4 (f1 real)", ())
    s.execute("insert into f4 values ('1004.3')", ())
    r = s.execute("select f1 * '-10', f1 + '-10', f1 * 2, '0.1'::float4 * '3' from f4", ())
    assert [c.type_oid for c in r.columns] == [700, 700, 701, 700]
    assert r.rows[0][0] == -10043.0 and r.rows[0][1] == pytest.approx(994.3, rel=1e-7)
    assert r.rows[0][3] == pytest.approx(0.3, rel=1e-7) and r.rows[0][3] != 0.30000000000000004
    assert sqlstate(s, "select '3e38'::float4 * '10'::float4") == "22003"


def test_float_send_and_degree_trigonometry(s: Session) -> None:
    assert one(s, "select float4send('5e-20'::float4)") == bytes.fromhex("1f6c1e4a")
    assert one(s, "select float8send('2.2250738585072014E-308'::float8)") == bytes.fromhex(
        "0010000000000000")
    assert s.execute("select sind(30), cosd(60), tand(45), cotd(45), asind(0.5), acosd(-0.5), "
                     "atand(1), atan2d(1, -1), sind(-210), cosd(240), tand(135)", ()).rows == [
        (0.5, 0.5, 1.0, 1.0, 30.0, 120.0, 45.0, 135.0, 0.5, -0.5, -1.0)]
    assert one(s, "select tand(90)") == float("inf")
    assert sqlstate(s, "select sind('infinity'::float8)") == "22003"
    assert sqlstate(s, "select asind(2)") == "22003"
    assert one(s, "select cbrt(27::float8)") == 3.0000000000000004  # C's cbrt, as PostgreSQL


# -- arrays ----------------------------------------------------------------------------------


def test_json_record_fills_multidimensional_arrays(s: Session) -> None:
    assert s.execute("""select * from json_to_record('{"ia": [[1, 2], [null, 4]]}') """
                     "as x(ia int[])", ()).rows == [([[1, 2], [None, 4]],)]
    assert sqlstate(s, """select * from jsonb_to_record('{"ia": [[1, 2], [3]]}') """
                       "as x(ia int[])") == "22P02"


# -- sequences, joins, operators -------------------------------------------------------------


def test_sequence_rename_and_dependent_defaults(s: Session) -> None:
    s.execute("create sequence foo_seq", ())
    assert s.execute("alter table foo_seq rename to foo_seq_new", ()).tag == "ALTER TABLE"
    assert one(s, "select nextval('foo_seq_new')") == 1
    s.execute("alter sequence foo_seq_new rename to foo_seq2", ())
    assert one(s, "select nextval('foo_seq2')") == 2
    assert sqlstate(s, "select nextval('foo_seq_new')") == "42P01"
    s.execute("create sequence myseq2", ())
    s.execute("create sequence myseq3", ())
    s.execute("create table t1 (f1 serial, f2 int default nextval('myseq2'), "
              "f3 int default nextval('myseq3'::text))", ())
    assert sqlstate(s, "drop sequence t1_f1_seq") == "2BP01"
    assert sqlstate(s, "drop sequence myseq2") == "2BP01"
    s.execute("drop sequence myseq3", ())  # a text argument makes no dependency
    s.execute("drop table t1", ())
    s.execute("drop sequence myseq2", ())


def test_serial2_and_serial8_columns(s: Session) -> None:
    s.execute("create table st (f1 text, f4 serial2, f6 serial8)", ())
    s.execute("insert into st (f1) values ('x')", ())
    r = s.execute("select f4, f6 from st", ())
    assert r.rows == [(1, 1)] and [c.type_oid for c in r.columns] == [21, 20]
    assert one(s, "select nextval('st_f4_seq')") == 2


def test_join_whose_on_follows_an_inner_join(s: Session) -> None:
    for t in ("a", "b", "c"):
        s.execute(f"create table {t} (x int, y int)", ())
    s.execute("insert into a values (1, 1), (2, 2)", ())
    s.execute("insert into b values (1, 1), (2, 5)", ())
    s.execute("insert into c values (1, 7)", ())
    assert s.execute("select a.x, b.y, c.y from a inner join b left join c on b.x = c.x "
                     "on a.y = b.y order by 1", ()).rows == [(1, 1, 7)]
    assert s.execute("select a.x, b.y, c.y from a left join (select * from b) b "
                     "left join c on b.x = c.x on a.y = b.y order by 1", ()).rows == [
        (1, 1, 7), (2, None, None)]


def test_regex_match_any_all(s: Session) -> None:
    assert s.execute("select 'abc' ~ any(array['^a', 'x']), 'abc' ~ all(array['^a', 'x']), "
                     "'abc' ~* any(array['^A']), 'abc' ~ any(array['x', null])", ()).rows == [
        (True, False, True, None)]


def test_array_rules(s: Session) -> None:
    assert s.execute("select 33 = any (null::int[]), 3 = any('{1,null}'::int[]), "
                     "1 = any('{1,2}')", ()).rows == [(None, None, True)]
    assert sqlstate(s, "select array[]") == "42P18"
    assert one(s, "select cardinality(array[]::int[])") == 0
    assert one(s, "select array(select array[i, i * 10] from generate_series(1, 2) i)") == [
        ["1", "10"], ["2", "20"]]  # {{1,10},{2,20}}
    assert one(s, "select width_bucket(5, '{}')") == 0
    assert sqlstate(s, "select width_bucket(5, array[array[1, 2], array[3, 4]])") == "2202E"
    assert one(s, "select trim_array('[10:16]={1,2,3,4,5,6,7}'::int[], 2)") == [1, 2, 3, 4, 5]


def test_two_dimensional_casts_and_scalar_from_items(s: Session) -> None:
    assert one(s, "select '{{1,4},{2,5}}'::int[][]") == [[1, 4], [2, 5]]
    assert one(s, "select json_build_array(variadic '{{1,4},{2,5}}'::int[][])") == (
        "[1, 4, 2, 5]")
    r = s.execute("select * from repeat('ab', 2) as t(x)", ())
    assert r.columns[0].name == "x" and r.rows == [("abab",)]
    assert s.execute("select s from repeat('xy', 2) s", ()).rows == [("xyxy",)]


def test_numbers_are_not_text_for_concat_and_length(s: Session) -> None:
    assert sqlstate(s, "select 3 || 4.0") == "42883"
    assert sqlstate(s, "select length(42)") == "42883"
    assert s.execute("select 3 || 'x', 'a' || 4, length(42::text)", ()).rows == [("3x", "a4", 2)]


def test_char_n_ignores_trailing_spaces_in_comparisons_and_keys(s: Session) -> None:
    """bpchar semantics: a char(n) value read back padded finds its row again, as a literal
    or a parameter, and 'a' and 'a ' are one key; varchar keeps its spaces significant."""
    s.execute("CREATE TABLE rooms (roomno char(8) PRIMARY KEY, v varchar(8))")
    s.execute("INSERT INTO rooms VALUES ('001', '001'), ('ab  ', 'x')")
    padded = s.execute("SELECT roomno FROM rooms WHERE v = '001'").rows[0][0]
    assert padded == "001     "
    assert s.execute("SELECT v FROM rooms WHERE roomno = $1", [padded]).rows == [("001",)]
    assert s.execute("SELECT v FROM rooms WHERE roomno = 'ab'").rows == [("x",)]
    assert s.execute("SELECT count(*) FROM rooms WHERE roomno IN ('001  ', 'zz')").rows == [(1,)]
    assert s.execute("SELECT count(*) FROM rooms WHERE v = '001 '").rows == [(0,)]
    with pytest.raises(SqlError) as e:
        s.execute("INSERT INTO rooms VALUES ('001 ', 'dup')")
    assert e.value.sqlstate == "23505"
    s.execute("ALTER TABLE rooms ADD COLUMN c char(3)")
    s.execute("UPDATE rooms SET c = 'a'")
    assert s.execute("SELECT count(*) FROM rooms WHERE c = 'a  '").rows == [(2,)]


def test_a_column_of_a_type_that_does_not_exist_is_refused(s: Session) -> None:
    # A typo in a type name made a text column that took anything; PostgreSQL says 42704.
    assert sqlstate(s, "create table typo (a intt)") == "42704"
    assert sqlstate(s, 'create table typo (a "NoSuch")') == "42704"
    s.execute("create table ok (a int4)", ())
    assert sqlstate(s, "alter table ok add column b nosuchtype") == "42704"
    assert [r[0] for r in s.execute("select column_name from information_schema.columns "
                                     "where table_name = 'ok'", ()).rows] == ["a"]
    # Types that do exist still make columns: built-in ones the parser has no name for,
    # domains, serial aliases, a table's row type, and from a temp table's DDL too.
    s.execute("create domain posint as int check (value > 0)", ())
    s.execute("create table other (x int)", ())
    s.execute("create table fine (a box, b macaddr, c serial4, d posint, e other)", ())
    s.execute("create temp table tfine (d posint, e other)", ())
    assert sqlstate(s, "insert into fine (d) values (0)") == "23514"


def test_a_cast_to_a_type_that_does_not_exist_is_refused(s: Session) -> None:
    # It handed the value back as text; PostgreSQL says 42704 (also for a parameter's cast).
    assert sqlstate(s, "select ''::nonexistent_type") == "42704"
    assert sqlstate(s, "select cast(1 as nosuchtype)") == "42704"
    assert sqlstate(s, "select '{1}'::nosuch[]") == "42704"
    with pytest.raises(SqlError) as e:
        s.execute("select $1::nosuch", ("1",))
    assert e.value.sqlstate == "42704" and 'type "nosuch" does not exist' in str(e.value)
    # Casts to types that exist are untouched: built-ins the parser has no name for, arrays
    # of built-ins, domains, a table's row type.
    s.execute("create domain posint as int check (value > 0)", ())
    s.execute("create table other (x int)", ())
    assert s.execute("select '1'::box, '{1,2}'::oid[], '{}'::regtype[], 3::posint, "
                     "null::other, '08:00:2b:01:02:03'::macaddr", ()).rows[0][0] == "1"


def test_a_cast_to_a_domain_enforces_it(s: Session) -> None:
    # It handed back the value as text, unchecked; PostgreSQL casts to the base type and
    # checks the domain's CHECK (23514) and NOT NULL (23502).
    s.execute("create domain posint as int check (value > 0)", ())
    s.execute("create domain code as varchar(3) not null", ())
    r = s.execute("select 3::posint, cast('7' as posint) * 2, 'abcd'::code", ())
    assert r.rows == [(3, 14, "abc")]
    assert [c.type_oid for c in r.columns] == [23, 23, 1043]
    assert sqlstate(s, "select 0::posint") == "23514"
    assert sqlstate(s, "select null::code") == "23502"
    assert s.execute("select null::posint", ()).rows == [(None,)]
    # evaluated once per row, also where a row fails
    s.execute("create table t (a int)", ())
    s.execute("insert into t values (1), (2)", ())
    assert s.execute("select sum(a::posint) from t", ()).rows == [(3,)]
    with pytest.raises(SqlError) as e:
        s.execute("update t set a = (a - 1)::posint", ())
    assert e.value.sqlstate == "23514" and 'check constraint "posint_check"' in str(e.value)
    assert s.execute("select a from t order by a", ()).rows == [(1,), (2,)]


def test_round_of_a_float_takes_ties_to_the_even_neighbour(s):
    """round(double precision) is C's rint in PostgreSQL; round(numeric) takes ties away from zero."""
    assert s.execute("select round(2.5::float8), round(3.5::float8), round(-2.5::float8), "
                     "round(0.5::float4)", ()).rows == [(2.0, 4.0, -2.0, 0.0)]
    assert str(one(s, "select round(-0.4::float8)")) == "-0.0"
    assert str(one(s, "select round(2.5)")) == "3" and str(one(s, "select round(-2.5)")) == "-3"
    assert one(s, "select round(2.567::float8)") == 3.0


def test_a_boolean_concatenated_to_text_reads_true_or_false(s):
    s.execute("create table flags (id int, b boolean)", ())
    s.execute("insert into flags values (1, true), (2, false), (3, null)", ())
    assert s.execute("select 'a' || 1 || true, b || '!' from flags order by id", ()).rows == [
        ("a1true", "true!"), ("a1true", "false!"), ("a1true", None)]


def test_length_of_a_character_value_leaves_out_its_padding(s):
    s.execute("create table c (x char(4), y varchar(4))", ())
    s.execute("insert into c values ('ab', 'ab  ')", ())
    assert s.execute("select length(x), length(y), length('abc  '::char(5)) from c", ()).rows == [(2, 4, 3)]


def test_a_boolean_compared_with_a_quoted_value_reads_it_as_a_boolean(s):
    s.execute("create table flags (id int, b boolean)", ())
    s.execute("insert into flags values (1, true), (2, false), (3, null)", ())

    def ids(where: str) -> list[int]:
        return [r[0] for r in s.execute(f"select id from flags where {where} order by id", ()).rows]

    assert ids("b = 't'") == ids("b = 'true'") == ids("b = 'on'") == ids("b in ('yes')") == [1]
    assert ids("b <> 'f'") == [1] and ids("b in ('f', 'y')") == [1, 2]
    assert s.execute("select true = 't', 'f' = false", ()).rows == [(True, True)]
    assert sqlstate(s, "select id from flags where b = 'maybe'") == "22P02"


def test_a_boolean_written_to_a_text_column_is_its_text(s):
    s.execute("create table flags (id int, b boolean)", ())
    s.execute("insert into flags values (1, true), (2, false)", ())
    s.execute("create table tx (s text, v varchar(10), n int)", ())
    s.execute("insert into tx values (true, false, 0)", ())
    s.execute("insert into tx select b, not b, id from flags", ())
    s.execute("update tx set v = (n > 1) where n = 2", ())
    assert s.execute("select s, v, n from tx order by n", ()).rows == [
        ("true", "false", 0), ("true", "false", 1), ("false", "true", 2)]


def test_character_n_trailing_spaces_are_padding(s):
    """char(n) keeps no trailing spaces of its own: they read back as padding, and go when
    the value is concatenated (varchar(n) keeps them)."""
    s.execute("create table c (x char(4), y varchar(4))", ())
    s.execute("insert into c values ('ab  ', 'ab  '), ('ab', 'ab')", ())
    assert s.execute("select x, x || '|', y || '|', length(x) from c", ()).rows == [
        ("ab  ", "ab|", "ab  |", 2), ("ab  ", "ab|", "ab|", 2)]
    assert sqlstate(s, "insert into c values ('abcde', 'x')") == "22001"


def test_a_cast_to_text_prints_what_the_types_output_function_prints(s: Session) -> None:
    """PostgreSQL's ``x::text`` (and ``||``, concat, format) is x's output text, as psql shows
    x: not the stored form (a float's 100.0 and inf, a timestamp's six zeros, a timestamptz in
    UTC, an array's JSON)."""
    row = s.execute("select 100::float8::text, 'inf'::float8::text, 1e20::float8::text, 1234567.0::real::text,"
                    " '2024-01-02 03:04:05'::timestamp::text, '2024-01-02 03:04:05.5'::timestamp::text,"
                    " '{1,2}'::int[]::text, array['a b', null]::text, 1.50::numeric::text,"
                    " '2024-01-02 BC'::date::text, '2024-01-02'::date::text", ()).rows[0]
    assert row == ("100", "Infinity", "1e+20", "1.234567e+06", "2024-01-02 03:04:05", "2024-01-02 03:04:05.5",
                   "{1,2}", '{"a b",NULL}', "1.50", "2024-01-02 BC", "2024-01-02")
    s.execute("create table t (f float8, ts timestamp, tz timestamptz, a int[])", ())
    s.execute("insert into t values (100, '2024-01-02 03:04:05', '2024-01-02 03:04:05+00', '{3,4}')", ())
    s.execute("set timezone = 'Asia/Kolkata'", ())
    assert s.execute("select f::text, ts::text, tz::text, a::text, cast(f as varchar(5)) from t", ()).rows == [
        ("100", "2024-01-02 03:04:05", "2024-01-02 08:34:05+05:30", "{3,4}", "100")]
    assert s.execute("select ts::text from t where ts::text = '2024-01-02 03:04:05'", ()).rows == [
        ("2024-01-02 03:04:05",)]
    # || , concat(), concat_ws() and format() take the same text of each argument
    assert s.execute("select 'f=' || f || ' ts=' || ts, concat(tz, '|', a), concat_ws(',', f, ts),"
                     " format('%s %L', tz, f) from t", ()).rows == [
        ("f=100 ts=2024-01-02 03:04:05", "2024-01-02 08:34:05+05:30|{3,4}", "100,2024-01-02 03:04:05",
         "2024-01-02 08:34:05+05:30 '100'")]


def test_bit_string_literals_are_bit_strings(s: Session) -> None:
    """B'0101' and X'1F' are bit strings (42703 before: read as a column named B$1): shown as
    their bits, compared bit by bit, cast to int4 / int8 as numbers."""
    assert s.execute("SELECT B'0101', X'1F', pg_typeof(B'0101')", ()).rows == [
        ("0101", "00011111", "bit")]
    assert s.execute("SELECT B'0101' = B'0101', B'1' = B'01', B'1' > B'01', B'10' > B'1'",
                     ()).rows == [(True, False, True, True)]
    assert s.execute("SELECT B'0101'::int, X'1F'::int8, X'FFFFFFFF'::int", ()).rows == [
        (5, 31, -1)]
    assert sqlstate(s, "SELECT B'0101'::int2") == "42846"
    assert sqlstate(s, "SELECT X'1FFFFFFFF'::int") == "22003"
    s.execute("CREATE TABLE flags (b varbit)", ())
    s.execute("INSERT INTO flags VALUES (B'101'), (X'A')", ())
    assert s.execute("SELECT b FROM flags WHERE b = B'1010'", ()).rows == [("1010",)]


def test_format_variadic_elements_and_a_positioned_width(s: Session) -> None:
    """VARIADIC array's elements print as their type does (booleans were 1 and 0), and a
    width taken from argument n (%*1$s) is followed by argument n + 1 (it printed n)."""
    assert one(s, "SELECT format('%s, %s', VARIADIC array[true, false])") == "t, f"
    assert one(s, "SELECT concat_ws(',', VARIADIC '{t,f}'::bool[])") == "t,f"
    assert one(s, "SELECT format('%s %s', VARIADIC array[1.5, 2]::float8[])") == "1.5 2"
    assert one(s, "SELECT format('%s %s %s', VARIADIC array[array[1, 2], array[3, 4]])") == "1 2 3"
    assert one(s, "SELECT format('>>%*1$s<<', 10, 'Hello')") == ">>     Hello<<"
    assert one(s, "SELECT format('|%*2$s|', 'foo', 10, 'bar')") == "|       bar|"
    assert one(s, "SELECT format('|%1$*2$s|', 'foo', 10, 'bar')") == "|       foo|"


def test_pg_typeof_is_the_expressions_type_not_its_values(s: Session) -> None:
    """pg_typeof names the type the expression has (it read the stored value: an int was
    bigint, a numeric double precision, a date text, date_part of a whole second bigint)."""
    s.execute("CREATE TABLE m (ts timestamp, d date, n numeric(10,2), i int)", ())
    s.execute("INSERT INTO m VALUES ('2020-01-01 00:00:05', '2020-01-01', 1.5, 2)", ())
    assert s.execute(
        "SELECT pg_typeof(date_part('second', ts)), pg_typeof(extract(second FROM ts)), "
        "pg_typeof(extract(year FROM ts)), pg_typeof(ts), pg_typeof(d + 1), pg_typeof(n), "
        "pg_typeof(i), pg_typeof(1), pg_typeof(1.5), pg_typeof(10.0 / 3), pg_typeof(true), "
        "pg_typeof(i::float4), pg_typeof(ts - ts), pg_typeof(now()) FROM m", ()).rows == [(
            "double precision", "numeric", "numeric", "timestamp without time zone", "date",
            "numeric", "integer", "integer", "numeric", "numeric", "boolean", "real",
            "interval", "timestamp with time zone")]


def test_pg_typeof_of_a_quoted_literal_or_null_is_unknown(s: Session) -> None:
    """A bare quoted literal or NULL has no type of its own (pg_typeof said text)."""
    assert s.execute(
        "SELECT pg_typeof('abc'), pg_typeof(NULL), pg_typeof(E'a'), pg_typeof(U&'a'), "
        "pg_typeof($$x$$), pg_typeof('abc'::text), pg_typeof(1), pg_typeof(1.5), "
        "pg_typeof(x) FROM (SELECT 'a' AS x) t", ()).rows == [(
            "unknown", "unknown", "unknown", "unknown", "unknown", "text", "integer", "numeric",
            "text")]


def test_bit_string_literal_lengths_count_bits(s: Session) -> None:
    """bit_count(B'1011') was 11 and octet_length(B'101') 3 (the bytes of the text the bits
    are held as); bit_length was 42883. Checked against PostgreSQL 15."""
    assert s.execute(
        "SELECT bit_count(B'1011'), octet_length(B'101'), length(B'101'), bit_length(B'101'), "
        "octet_length(B'101010101'), length(X'1F'), bit_count(X'F1'), bit_count(~B'0001'), "
        "octet_length(B'1100' | B'0011'), bit_length('abc'), bit_length('\\x0102'::bytea)",
        ()).rows == [(3, 1, 3, 3, 2, 8, 5, 3, 1, 24, 16)]


def test_casts_to_bit_n_pad_or_cut_and_to_varbit_n_cut(s: Session) -> None:
    """B'1011'::bit(6) was '1011' (no zeros added) and B'1011011'::varbit(3) kept its seven
    bits. Checked against PostgreSQL 15."""
    assert s.execute(
        "SELECT B'1011'::bit(6), length(B'1011'::bit(6)), B'1011011'::bit(6), "
        "B'1011011'::varbit(3), B'10'::bit, B'10'::varbit, B'1011'::bit(6)::int", ()).rows == [
        ("101100", 6, "101101", "101", "1", "10", 44)]
    s.execute("CREATE TABLE bc (b varchar(9))")
    s.execute("INSERT INTO bc VALUES ('1011'), (NULL)")
    assert s.execute("SELECT b::bit(6), b::varbit(2) FROM bc", ()).rows == [
        ("101100", "10"), (None, None)]


def error(s: Session, sql: str) -> tuple[str, str]:
    with pytest.raises(SqlError) as e:
        s.execute(sql, ())
    return e.value.sqlstate, e.value.message


def test_bit_string_input_takes_binary_or_hex_digits_only(s: Session) -> None:
    """'5'::bit(6) was 500000 (any text went in); bit_in takes binary digits, or hex ones
    after an x, and refuses the rest with 22P02. Checked against PostgreSQL 15."""
    assert error(s, "SELECT '5'::bit(6)") == ("22P02", '"5" is not a valid binary digit')
    assert error(s, "SELECT '10x'::varbit") == ("22P02", '"x" is not a valid binary digit')
    assert error(s, "SELECT 'x1G'::bit(8)") == ("22P02", '"G" is not a valid hexadecimal digit')
    assert error(s, "SELECT B'102'") == ("22P02", '"2" is not a valid binary digit')
    assert error(s, "SELECT X'1G'") == ("22P02", '"G" is not a valid hexadecimal digit')
    assert s.execute("SELECT 'x1F'::bit(8), 'X1F'::varbit, 'b101'::bit(3), ''::bit(3)",
                     ()).rows == [("00011111", "00011111", "101", "000")]


def test_bit_varying_n_is_varbit_n(s: Session) -> None:
    """'101'::bit varying(5) and a bit varying(5) column were 42601; the spelling is
    varbit's, and its length is kept (the 5 was taken for a parameter)."""
    assert s.execute("SELECT '101'::bit varying(5), '101101'::bit varying(3), "
                     "CAST('101101' AS bit varying(3)), '101'::bit varying, "
                     "'abcdef'::character varying(3)", ()).rows == [
        ("101", "101", "101", "101", "abc")]
    s.execute("CREATE TABLE bv (c bit varying(5))")
    s.execute("INSERT INTO bv VALUES ('10110')")
    assert s.execute("SELECT c FROM bv", ()).rows == [("10110",)]


def test_bit_columns_take_their_length_and_binary_digits(s: Session) -> None:
    """A bit(n) column took a value of another length with 22001 (or none, if shorter), a
    varbit(n) column any length and any text; as PostgreSQL: bit(n) exactly n bits (22026),
    varbit(n) at most n (22001), binary digits only (22P02), on INSERT, UPDATE and ALTER."""
    s.execute("CREATE TABLE bl (id int, a bit(4), b varbit(3), d bit)")
    assert error(s, "INSERT INTO bl (a) VALUES ('101')") == (
        "22026", "bit string length 3 does not match type bit(4)")
    assert error(s, "INSERT INTO bl (a) VALUES (B'10101')") == (
        "22026", "bit string length 5 does not match type bit(4)")
    assert error(s, "INSERT INTO bl (d) VALUES ('11')") == (
        "22026", "bit string length 2 does not match type bit(1)")
    assert error(s, "INSERT INTO bl (b) VALUES ('1011')") == (
        "22001", "bit string too long for type bit varying(3)")
    assert error(s, "INSERT INTO bl (a) VALUES ('1012')") == (
        "22P02", '"2" is not a valid binary digit')
    s.execute("INSERT INTO bl VALUES (1, '1010', '101', '1'), (2, NULL, '', NULL)")
    assert error(s, "UPDATE bl SET a = '11' WHERE id = 1") == (
        "22026", "bit string length 2 does not match type bit(4)")
    assert error(s, "UPDATE bl SET b = '1111'") == (
        "22001", "bit string too long for type bit varying(3)")
    assert error(s, "ALTER TABLE bl ALTER COLUMN b TYPE varbit(2)") == (
        "22001", "bit string too long for type bit varying(2)")
    s.execute("ALTER TABLE bl ADD COLUMN e varbit(2)")
    assert error(s, "INSERT INTO bl (e) VALUES ('111')") == (
        "22001", "bit string too long for type bit varying(2)")
    assert s.execute("SELECT a, b, d FROM bl ORDER BY id", ()).rows == [
        ("1010", "101", "1"), (None, "", None)]


def test_an_integer_cast_to_bit_n_is_its_low_bits(s: Session) -> None:
    """5::bit(6) was 5 (the integer's digits as the text). Checked against PostgreSQL 15."""
    assert s.execute("SELECT 5::bit(6), (-1)::bit(4), 5::bigint::bit(3), (-3)::bit(40)",
                     ()).rows == [("000101", "1111", "101", "1" * 38 + "01")]


def test_bit_operators_on_bit_string_literals_answer_bit_strings(s: Session) -> None:
    """B'0101' & B'0011' was 1 (the bits' text read as the numbers 101 and 11), ~B'01' -2,
    B'01' << 1 2 and get_bit(B'0101', 1) 0 (the text's bytes). Checked against PostgreSQL 15."""
    assert s.execute(
        "SELECT B'0101' & B'0011', B'0101' | B'0011', B'0101' # B'0011', ~B'01', ~X'F0', "
        "B'01' << 1, B'10110' >> 2, B'10110' << -1, B'10110' << 7, "
        "(B'0101' & B'0011') | B'1000'", ()).rows == [
            ("0001", "0111", "0110", "10", "00001111", "10", "00101", "01011", "00000", "1001")]
    assert s.execute("SELECT get_bit(B'0101', 1), get_bit(B'0101', 0)", ()).rows == [(1, 0)]
    assert sqlstate(s, "SELECT B'01' & B'011'") == "22026"
    assert sqlstate(s, "SELECT get_bit(B'0101', 9)") == "2202E"
    assert s.execute("SELECT 5 & 3, ~1, 1 << 2, 5 # 3", ()).rows == [(1, -2, 4, 6)]
