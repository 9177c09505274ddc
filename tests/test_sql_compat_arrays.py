"""PostgreSQL's arrays, strings, bytea functions and uuid input on the SQL engine: each answer
is what PostgreSQL 15 gives (rows as psql prints them, SQLSTATEs)."""

from __future__ import annotations

import pytest

from aurora.engine.pgwire.types import text_function
from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


def shown(s: Session, sql: str) -> list[tuple]:
    """The rows as psql prints them (text format)."""
    r = s.execute(sql, ())
    fns = [text_function(c.type_oid) for c in r.columns]
    return [tuple(None if v is None else f(v) for f, v in zip(fns, row, strict=True))
            for row in r.rows]


def state(s: Session, sql: str) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql, ())
    return e.value.sqlstate


def test_multidimensional_literals_and_constructors(s):
    assert shown(s, "SELECT '{{1,2,3},{4,5,6}}'::int[], ARRAY[[1,2],[3,4]], "
                 "ARRAY[ARRAY['a'],ARRAY['b']], '{ { \",\" } , { 3 } }'::text[]") == [
        ("{{1,2,3},{4,5,6}}", "{{1,2},{3,4}}", "{{a},{b}}", '{{","},{3}}')]
    assert state(s, "SELECT '{{1},{2,3}}'::int[]") == "22P02"
    assert state(s, "SELECT '{1,a}'::int[]") == "22P02"


def test_lower_bounds_kept_and_printed(s):
    assert shown(s, "SELECT '[0:2]={1,2,3}'::int[], array_dims('[0:2]={1,2,3}'::int[]), "
                 "('[0:2]={1,2,3}'::int[])[0], array_lower('[0:2]={1,2,3}'::int[], 1)") == [
        ("[0:2]={1,2,3}", "[0:2]", "1", "0")]


def test_element_assignment_grows_with_nulls(s):
    s.execute("CREATE TABLE arrtest1 (i int[], t text[])", ())
    s.execute("INSERT INTO arrtest1 VALUES (array[1,2,null,4], array['one','two',null,'four'])",
              ())
    s.execute("UPDATE arrtest1 SET i[2] = 22, t[2] = 'twenty-two'", ())
    s.execute("UPDATE arrtest1 SET i[0] = 0, t[0] = 'zero'", ())
    s.execute("UPDATE arrtest1 SET i[6:7] = array[6,7]", ())
    assert shown(s, "SELECT * FROM arrtest1") == [
        ("[0:7]={0,1,22,NULL,4,NULL,6,7}", "[0:4]={zero,one,twenty-two,NULL,four}")]
    assert state(s, "UPDATE arrtest1 SET i[NULL] = 1") == "22004"
    assert state(s, "UPDATE arrtest1 SET i[1:4] = '{1}'") == "2202E"
    assert state(s, "UPDATE arrtest1 SET i[2147483647] = 1") == "54000"


def test_subscripted_insert_and_multidimensional_update(s):
    s.execute("CREATE TABLE arrtest (a int2[], b int4[][][], e float8[])", ())
    s.execute("INSERT INTO arrtest (a[1:5], b[1:1][1:2][1:2]) "
              "VALUES ('{1,2,3,4,5}', '{{{0,0},{1,2}}}')", ())
    s.execute("UPDATE arrtest SET e[0] = '1.1', b[1:1][1:1][1:2] = '{113, 117}'", ())
    assert shown(s, "SELECT a, b, e, a[2:3], b[1][1][2], array_ndims(b) FROM arrtest") == [
        ("{1,2,3,4,5}", "{{{113,117},{1,2}}}", "[0:0]={1.1}", "{2,3}", "117", "3")]
    assert state(s, "INSERT INTO arrtest (b[2]) VALUES (now())") == "42804"
    # a subscript with no column before it: an internal error (an IndexError) before
    assert state(s, "INSERT INTO arrtest ([2]) VALUES (1)") == "42601"
    assert state(s, "INSERT INTO arrtest (a, [2]) VALUES ('{1}', 2)") == "42601"


def test_insert_of_several_elements_of_one_array_assigns_them_all(s):
    """``INSERT INTO t (a[1], a[2])``: each value goes into the one array, in order (only the
    first was stored: a[1] = 1 gave {1}); a column named twice otherwise is 42701."""
    s.execute("CREATE TABLE t (id int, a int[], b int)", ())
    s.execute("INSERT INTO t (id, a[1], a[2]) VALUES (1, 1, 2), (2, 3, 4)", ())
    s.execute("INSERT INTO t (id, a[2], b, a[1]) VALUES (3, 20, 7, 10)", ())
    s.execute("INSERT INTO t (id, a[1:2], a[3]) VALUES (4, '{1,2}', 3)", ())
    assert shown(s, "SELECT * FROM t ORDER BY id") == [
        ("1", "{1,2}", None), ("2", "{3,4}", None), ("3", "{10,20}", "7"),
        ("4", "{1,2,3}", None)]
    assert state(s, "INSERT INTO t (id, id) VALUES (5, 6)") == "42701"
    assert state(s, "INSERT INTO t (id, a[1], a) VALUES (5, 1, '{2}')") == "42701"
    assert state(s, "INSERT INTO t (id, a[1], a[2]) VALUES (5, 1, DEFAULT)") == "0A000"
    assert shown(s, "SELECT count(*) FROM t") == [("4",)]


def test_array_functions(s):
    assert shown(s, "SELECT array_fill(7, array[3], array[4]), array_fill(1, array[2,2]), "
                 "array_replace(array[1,2,5,4], 5, 3), trim_array(array[1,2,3], 1), "
                 "array_length(array[[1,2,3],[4,5,6]], 2), cardinality(array[[1,2],[3,4]]), "
                 "array_remove(array[1,2,2,3], 2), array_position('[2:4]={1,2,3}'::int[], 1)"
                 ) == [("[4:6]={7,7,7}", "{{1,1},{1,1}}", "{1,2,3,4}", "{1,2}", "3", "4",
                        "{1,3}", "2")]
    assert shown(s, "SELECT array_agg(x) FROM (SELECT 1 x WHERE false) v") == [(None,)]
    assert shown(s, "SELECT array_agg(ar) FROM (VALUES ('{1,2}'::int[]), ('{3,4}'::int[])) "
                 "v(ar)") == [("{{1,2},{3,4}}",)]
    assert state(s, "SELECT array_agg(ar) FROM (VALUES ('{1,2}'::int[]), ('{3}'::int[])) "
                 "v(ar)") == "2202E"
    assert state(s, "SELECT array_position(ARRAY[[1,2],[3,4]], 3)") == "0A000"


def test_array_comparison_and_containment(s):
    s.execute("CREATE TABLE a (i int[], t varchar(5)[])", ())
    s.execute("INSERT INTO a VALUES ('{1,2,3}', '{ab}'), ('{1,2,10}', NULL), ('{}', NULL), "
              "('{NULL}', NULL)", ())
    # NULL elements sort after every value
    assert shown(s, "SELECT i FROM a WHERE i > '{1,2,3}' ORDER BY i") == [("{1,2,10}",),
                                                                          ("{NULL}",)]
    assert shown(s, "SELECT i FROM a WHERE i = '{}'") == [("{}",)]
    assert shown(s, "SELECT i FROM a WHERE i @> '{2}' ORDER BY i") == [("{1,2,3}",), ("{1,2,10}",)]
    assert shown(s, "SELECT count(*) FROM a WHERE i @> '{NULL}'") == [("0",)]
    assert shown(s, "SELECT i FROM a WHERE i && '{10}'") == [("{1,2,10}",)]
    assert shown(s, "SELECT max(i), min(i) FROM a") == [("{NULL}", "{}")]
    assert state(s, "INSERT INTO a (t) VALUES ('{toolong}')") == "22001"


def test_quantified_like_and_comparisons(s):
    assert shown(s, "SELECT 'foo' LIKE ANY (array['%a', '%o']), "
                 "'foo' NOT LIKE ALL (array['%a', '%o']), 'foo' ILIKE ALL (array['F%', '%O']), "
                 "33.4 > ALL (array[1,2,3]), 'hawkeye' LIKE 'H%', 'h%' LIKE 'h#%' ESCAPE '#'"
                 ) == [("t", "f", "t", "t", "f", "t")]


def test_similar_to_and_substring(s):
    assert shown(s, "SELECT 'abcdefg' SIMILAR TO '_bcd%', 'abcd%' SIMILAR TO '_bcd#%' ESCAPE '#', "
                 "SUBSTRING('abcdefg' SIMILAR 'a#\"(b_d)#\"%' ESCAPE '#'), "
                 "SUBSTRING('abcdefg' FROM 'b(.*)f'), OVERLAY('babosa' PLACING 'ubb' FROM 2 FOR 4)"
                 ) == [("t", "t", "bcd", "cde", "bubba")]
    # PostgreSQL 15's code: invalid use of escape character (it was 2201B)
    assert state(s, "SELECT SUBSTRING('abcdefg' SIMILAR 'a*#\"%#\"g*#\"x' ESCAPE '#')") == "2200C"
    assert state(s, "SELECT 'abcdefg' SIMILAR TO 'a*#\"%#\"g*#\"x' ESCAPE '#'") == "2200C"
    assert state(s, "SELECT 'abcdefg' SIMILAR TO '_bcd#%' ESCAPE '##'") == "22025"


def test_substring_similar_matches_the_first_part_short_and_the_quoted_part_long(s):
    """PostgreSQL's engine takes as little as it can before the quoted part and as much as it
    can in it (a*#"%#"g* returned bcdefg: the first part took the a)."""
    assert shown(s, "SELECT SUBSTRING('abcdefg' SIMILAR 'a*#\"%#\"g*' ESCAPE '#'), "
                 "SUBSTRING('abcdefg' SIMILAR 'a|b#\"%#\"g' ESCAPE '#'), "
                 "SUBSTRING('abcdefg' SIMILAR 'a#\"%|ab#\"g' ESCAPE '#'), "
                 "SUBSTRING('abcdefg' SIMILAR 'a#\"%g' ESCAPE '#'), "
                 "SUBSTRING('xaay' SIMILAR '%#\"a+#\"%' ESCAPE '#'), "
                 "SUBSTRING('aaa' SIMILAR '#\"a*#\"a*' ESCAPE '#')"
                 ) == [("abcdefg", "bcdef", "bcdef", "bcdefg", "aa", "aaa")]
    assert shown(s, "SELECT SUBSTRING('foobar' SIMILAR '#\"o_b#\"%' ESCAPE '#')") == [(None,)]


def test_set_returning_string_functions(s):
    assert shown(s, "SELECT regexp_matches('foobarbequebazilbarfbonk', "
                 "'(b[^b]+)(b[^b]+)', 'g')") == [("{bar,beque}",), ("{bazil,barf}",)]
    assert shown(s, "SELECT foo FROM regexp_split_to_table('the quick', '\\s+') AS foo") == [
        ("the",), ("quick",)]
    assert shown(s, "SELECT string_to_table('1|2', '|')") == [("1",), ("2",)]


def test_bytea_functions(s):
    assert shown(s, "SELECT encode('\\x1234567890abcdef00', 'hex'), "
                 "decode('1234567890abcdef00', 'hex'), "
                 "encode('\\x1234567890abcdef00', 'escape'), md5('abc'::bytea)") == [
        ("1234567890abcdef00", "\\x1234567890abcdef00", "\x124Vx\\220\\253\\315\\357\\000",
         "900150983cd24fb0d6963f7d28e17f72")]
    assert shown(s, "SELECT sha224(''), get_bit('\\x1234567890abcdef00'::bytea, 43), "
                 "set_byte('\\x1234567890abcdef00'::bytea, 7, 11)") == [
        ("\\xd14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", "1",
         "\\x1234567890abcd0b00")]
    assert state(s, "SELECT get_byte('\\x1234567890abcdef00'::bytea, 99)") == "2202E"


def test_string_functions(s):
    assert shown(s, "SELECT translate('12345', '134', 'a'), ascii('x'), reverse('abcde'), "
                 "split_part('joeuser@mydatabase', '@', -1), split_part('a@b', '', 1), "
                 "regexp_replace('A PostgreSQL function', 'a|e|i|o|u', 'X', 1, 0, 'i')") == [
        ("a25", "120", "edcba", "mydatabase", "a@b", "X PXstgrXSQL fXnctXXn")]
    assert state(s, "SELECT split_part('a@b', '@', 0)") == "22023"
    assert state(s, "SELECT regexp_like('abc', 'a.c', 'g')") == "22023"


def test_string_functions_take_their_count_as_an_integer(s):
    """split_part('a@b', '@', '1') and right('abc', '2') were internal errors (a TypeError):
    a quoted count is read as an integer (22P02 if it is none); a count of another type
    (numeric, an array, boolean, bigint) has no such function (42883), as in PostgreSQL."""
    assert shown(s, "SELECT split_part('a@b', '@', '2'), right('abc', '2'), left('abc', ' 2 '), "
                 "right('abcd', -1), left('abcd', -1)") == [("b", "bc", "ab", "bcd", "abc")]
    with pytest.raises(SqlError) as e:
        s.execute("SELECT split_part('a@b', '@', 'x')", ())
    assert (e.value.sqlstate, e.value.message) == (
        "22P02", 'invalid input syntax for type integer: "x"')
    for sql, msg in [
            ("SELECT split_part('a@b', '@', ARRAY[1])",
             "function split_part(unknown, unknown, integer[]) does not exist"),
            ("SELECT left('abc', 1.5)", "function left(unknown, numeric) does not exist"),
            ("SELECT repeat('ab', 2.5)", "function repeat(unknown, numeric) does not exist"),
            ("SELECT lpad('abc', ARRAY[1])", "function lpad(unknown, integer[]) does not exist"),
            ("SELECT split_part('a@b', '@', true)",
             "function split_part(unknown, unknown, boolean) does not exist"),
            ("SELECT right('abc', 2::bigint)", "function right(unknown, bigint) does not exist")]:
        with pytest.raises(SqlError) as e:
            s.execute(sql, ())
        assert (e.value.sqlstate, e.value.message) == ("42883", msg), sql


def test_uuid_input(s):
    s.execute("CREATE TABLE guid1 (guid_field uuid)", ())
    for bad in ("11111111-1111-1111-1111-111111111111F", "{22222222-2222-2222-2222-222222222222 ",
                "111-11111-1111-1111-1111-111111111111"):
        assert state(s, f"INSERT INTO guid1 VALUES ('{bad}')") == "22P02"
    s.execute("INSERT INTO guid1 VALUES ('{22222222-2222-2222-2222-222222222222}'), "
              "('3F3E3C3B3A3039383736353433A2313E')", ())
    assert shown(s, "SELECT guid_field FROM guid1 ORDER BY 1") == [
        ("22222222-2222-2222-2222-222222222222",), ("3f3e3c3b-3a30-3938-3736-353433a2313e",)]
    assert shown(s, "SELECT count(*) FROM guid1 "
                 "WHERE guid_field = '22222222222222222222222222222222'") == [("1",)]


def test_substr_counts_like_postgresql(s):
    assert shown(s, "SELECT substr('1234567', -1, 5), substr('1234567', 0), "
                 "substring('abc' FROM 2 FOR 1)") == [("123", "1234567", "b")]
    assert state(s, "SELECT substr('12345', 5, -1)") == "22011"


def test_escape_strings(s):
    assert shown(s, "SELECT E'd\\u0061t\\U00000061', E'De\\123dBeEf'::bytea, E'\\x41'") == [
        ("data", "\\x4465536442654566", "A")]
    assert state(s, "SELECT E'wrong: \\u061'") == "22025"
    assert state(s, "SELECT E'wrong: \\udb99xy'") == "42601"


def test_boolean_input_prefixes_and_text(s):
    assert shown(s, "SELECT bool 'of', bool 'tr', true::boolean::text, (1 = 2)::varchar, "
                 "booleq(true, false), boolne(true, false)") == [
        ("f", "t", "true", "false", "f", "t")]
    assert state(s, "SELECT bool 'o'") == "22P02"


def test_one_byte_char_and_vectors(s):
    assert shown(s, "SELECT '\\101'::\"char\", '\\377'::\"char\", '\\000'::\"char\"::text, "
                 "'ab'::\"char\"") == [("A", "\\377", "", "a")]
    assert shown(s, "SELECT unnest('11 22 33'::int2vector)") == [("11",), ("22",), ("33",)]


def test_concatenation_binds_looser_than_arithmetic(s):
    assert shown(s, "SELECT 'four: ' || 2+2, 2*3 || 'x'") == [("four: 4", "6x")]


def test_trim_of_bytea(s):
    assert shown(s, "SELECT trim('\\x00'::bytea FROM '\\x00546f6d00'::bytea), "
                 "trim(leading '\\x00'::bytea FROM '\\x00546f6d00'::bytea), "
                 "btrim('\\x00546f6d00'::bytea, ''::bytea)") == [
        ("\\x546f6d", "\\x546f6d00", "\\x00546f6d00")]


def test_array_and_inet_columns_refuse_what_their_input_refuses(s):
    """An array column took any text that was no array ('junk' went in as it was), and an
    inet column any text at all: PostgreSQL's input refuses both (22P02). A valid inet is
    stored in PostgreSQL's output form (the prefix length only when it is not the whole
    address, IPv6 in lower case)."""
    s.execute("CREATE TABLE va (id int, ar int[], tx text[], ip inet, ips inet[])", ())
    assert state(s, "INSERT INTO va (ar) VALUES ('junk')") == "22P02"
    assert state(s, "INSERT INTO va (tx) VALUES ('a,b')") == "22P02"
    assert state(s, "INSERT INTO va (ip) VALUES ('junk')") == "22P02"
    assert state(s, "INSERT INTO va (ip) VALUES ('300.1.1.1')") == "22P02"
    assert state(s, "INSERT INTO va (ip) VALUES ('10.1.2.3/33')") == "22P02"
    assert state(s, "INSERT INTO va (ips) VALUES ('{10.0.0.1,junk}')") == "22P02"
    s.execute("INSERT INTO va VALUES (1, '{1,2}', '{a}', '192.168.1.5/24', '{10.0.0.1}'),"
              " (2, ARRAY[3], ARRAY['b'], '2001:DB8::1/128', NULL)", ())
    s.execute("UPDATE va SET ip = '10.0.0.0/8' WHERE id = 1", ())
    assert state(s, "UPDATE va SET ip = 'x' WHERE id = 1") == "22P02"
    assert shown(s, "SELECT id, ar, tx, ip, ips FROM va ORDER BY id") == [
        ("1", "{1,2}", "{a}", "10.0.0.0/8", "{10.0.0.1}"), ("2", "{3}", "{b}", "2001:db8::1", None)]
