"""Numbers as PostgreSQL computes them: integer overflow, casts to integers, float range and
output, with PostgreSQL's SQLSTATEs (in-process, on a real SQLite file)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from aurora.engine.sqlapi import SqlError


def _state(s, sql: str) -> str:
    with pytest.raises(SqlError) as err:
        s.execute(sql)
    return err.value.sqlstate


@pytest.fixture
def ints(s):
    s.execute("CREATE TABLE n (a int4, b int2, c int8)")
    s.execute("INSERT INTO n VALUES (2147483647, 32767, 9223372036854775807), (1, 2, 3)")
    return s


@pytest.mark.parametrize("sql", [
    "SELECT a + 1 FROM n",
    "SELECT a * b FROM n",
    "SELECT b * b FROM n",  # smallint * smallint is smallint
    "SELECT c + 1 FROM n",
    "SELECT -c - 2 FROM n",
    "SELECT 2147483647::int4 + 1",
    "SELECT (-2147483648)::int4 / (-1)::int4",
    "SELECT (-32768)::int2 * (-1)::int2",
    "SELECT abs((-2147483648)::int4)",
    "SELECT -2147483648 - 1",  # the sign belongs to the constant: an integer
    "SELECT -2147483648 * 2",
    "SELECT 1 - 2147483648::int4",  # the cast comes first
    "SELECT 2147483648::int4 + 0",
    "SELECT '9223372036854775800'::int8 * '100'::int4",
    "SELECT count(*) FROM n WHERE a + a > 0",
])
def test_integer_overflow_is_22003(ints, sql):
    assert _state(ints, sql) == "22003"


def test_integer_arithmetic_in_range(ints):
    assert ints.execute("SELECT a - 1, b - 1, c - 1, a + 3000000000 FROM n ORDER BY a").rows == [
        (0, 1, 2, 3000000001),
        (2147483646, 32766, 9223372036854775806, 5147483647),
    ]
    # int2 + an integer constant is integer
    assert ints.execute("SELECT b + 40000 FROM n WHERE b = 32767").rows == [(72767,)]
    assert ints.execute("SELECT a / b, a % b FROM n WHERE a = 1").rows == [(0, 1)]


def test_negative_constant_types(s):
    """PostgreSQL's parser takes a minus sign into the constant after it: -2147483648 is an
    integer and -(-2147483648) a bigint."""
    assert s.execute("SELECT pg_typeof(-2147483648), pg_typeof(-(2147483648)), "
                     "pg_typeof(-2147483649), pg_typeof(-(-2147483648)), "
                     "pg_typeof(-9223372036854775808)").rows == [
        ("integer", "integer", "bigint", "bigint", "bigint")]
    assert s.execute("SELECT - - 2147483648, -(-2147483648) + 1").rows == [(2147483648, 2147483649)]
    assert s.execute("SELECT -2147483648 % -1, -2147483648 + 0").rows == [(0, -2147483648)]
    assert s.execute("SELECT pg_typeof(-2147483648 + 0)").rows == [("integer",)]


def test_integer_division_by_zero(ints):
    assert _state(ints, "SELECT a / 0 FROM n") == "22012"
    assert _state(ints, "SELECT c / (b - b) FROM n") == "22012"


@pytest.mark.parametrize("sql,state", [
    ("SELECT 32767.5::int2", "22003"),
    ("SELECT (-2147483648.5)::int4", "22003"),
    ("SELECT '32767.6'::float8::int2", "22003"),
    ("SELECT '100000'::int2", "22003"),
    ("SELECT 'abc'::int8", "22P02"),
    ("SELECT CAST(c AS int4) FROM n", "22003"),
])
def test_casts_to_integers_check_the_range(ints, sql, state):
    assert _state(ints, sql) == state


def test_casts_to_integers_round(s):
    # numeric rounds half away from zero, float8 half to even (rint)
    assert s.execute("SELECT 32766.5::int2, (-2.5)::int4, 2.5::float8::int4, 3.5::float8::int8"
                     ).rows == [(32767, -3, 2, 4)]


def test_float_input_range(s):
    s.execute("CREATE TABLE f (r real, d float8)")
    for sql, state in [
        ("INSERT INTO f (r) VALUES ('10e-70')", "22003"),  # underflow to zero in single
        ("INSERT INTO f (r) VALUES ('10e-70'::float8)", "22003"),
        ("INSERT INTO f (r) VALUES ('-10e400')", "22003"),
        ("INSERT INTO f (d) VALUES ('10e400')", "22003"),  # not Infinity
        ("INSERT INTO f (d) VALUES ('-10e-400')", "22003"),  # not -0
        ("INSERT INTO f (d) VALUES ('1.5x')", "22P02"),
        ("SELECT '10e400'::float8", "22003"),
    ]:
        assert _state(s, sql) == state, sql
    s.execute("INSERT INTO f VALUES ('  -Infinity ', ' 1.5 '), ('NaN', '0.0e-5')")
    got = s.execute("SELECT r, d FROM f").rows
    assert str(got) == "[(-inf, 1.5), (nan, 0.0)]"


@pytest.mark.parametrize("sql,state", [
    ("SELECT gcd((-2147483648)::int4, 0::int4)", "22003"),  # gcd of integers is an integer
    ("SELECT lcm(2147483647::int4, 2147483646::int4)", "22003"),
    ("SELECT power(float8 '0', float8 '-inf')", "2201F"),
    ("SELECT power(float8 '-inf', float8 '3.5')", "2201F"),
    ("SELECT float8 '10' ^ float8 '400'", "22003"),
    ("SELECT acosh(float8 '-infinity')", "22003"),
    ("SELECT atanh(float8 'infinity')", "22003"),
    ("SELECT asin(float8 '2')", "22003"),
])
def test_float_and_integer_function_domains(s, sql, state):
    assert _state(s, sql) == state


def test_float_power_of_infinities(s):
    assert s.execute(
        "SELECT power(float8 '-1', float8 'inf'), power(float8 '-1.1', float8 '-inf'), "
        "power(float8 '-inf', float8 '3'), power(float8 'nan', float8 '0'), gcd(12, 18)"
    ).rows == [(1.0, 0.0, float("-inf"), 1.0, 6)]


@pytest.mark.parametrize("sql,expected", [
    ("SELECT to_char(4567890123456789::int8, '9G999G999G999G999G999')", " 4,567,890,123,456,789"),
    ("SELECT to_char(-123::int8, '9999999999999999PR')", "             <123>"),
    ("SELECT to_char(-456::int8, 'FMS9999999999999999')", "-456"),
    ("SELECT to_char(123::int4, 'FM9999999999999999THPR')", "123RD"),
    ("SELECT to_char(456::int4, '0999999999999999')", " 0000000000000456"),
    ("SELECT to_char(-34338492.215397047, '9G999G999G999G999G999D999G999')",
     "           -34,338,492.215,397"),
    ("SELECT to_char(0::numeric, 'FM9999999999999999.999999999999999')", "0."),
    ("SELECT to_char(4.31, 'SG9999999999999999.999999999999999th')",
     "+               4.310000000000000"),
    ("SELECT to_char(99.995, '9.99EEEE')", " 10.00e+01"),
    ("SELECT to_char(485, 'RN'), to_char(12.4, '99V999')", None),
    ("SELECT to_char('100'::numeric, 'f\"ool\"999')", "fool 100"),
    ("SELECT to_char(1234.5::float8, 'L9,999.99')", "  1,234.50"),
    ("SELECT to_char(0.5, '9.99'), to_char(-0.5, '9.99')", None),
])
def test_to_char_of_numbers(s, sql, expected):
    row = s.execute(sql).rows[0]
    if expected is None:
        assert row in [("        CDLXXXV", " 12400"), ("  .50", " -.50")]
    else:
        assert row == (expected,)


def test_real_holds_single_precision(s):
    s.execute("CREATE TABLE r (f real)")
    s.execute("INSERT INTO r VALUES ('1.2345678901234e+20'), (1004.3)")
    # the stored value is the single-precision one: float8 shows its exact digits
    assert s.execute("SELECT f::float8 FROM r ORDER BY f").rows == [
        (1004.2999877929688,), (1.2345678955701443e+20,)]
    # a quoted or numeric value compared with a real is read as a real
    assert s.execute("SELECT count(*) FROM r WHERE f = '1004.3'").rows == [(1,)]
    assert s.execute("SELECT count(*) FROM r WHERE f = 1004.3").rows == [(1,)]
    assert s.execute("SELECT count(*) FROM r WHERE f = 1004.3::float8").rows == [(0,)]
    assert _state(s, "SELECT '2147483647'::float4::int4") == "22003"


def test_real_out_of_range_names_the_text_or_says_overflow(s):
    """A computed real past single precision (float4 arithmetic, a double cast) said
    '"3.000000005497756e+39" is out of range for type real'; PostgreSQL's float.c says
    value out of range: overflow (underflow), and float4in names the text it was given."""
    for sql, msg in [
            ("SELECT '3e38'::float4 * '10'::float4", "value out of range: overflow"),
            ("SELECT 1e39::float8::float4", "value out of range: overflow"),
            ("SELECT 1e-50::float8::float4", "value out of range: underflow"),
            ("SELECT '1e39'::float4", '"1e39" is out of range for type real')]:
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert (e.value.sqlstate, e.value.message) == ("22003", msg), sql


def test_float_nan_results(s):
    assert str(s.execute(
        "SELECT 'Infinity'::float8 / 'Infinity'::float8, 'nan'::float8 / '0'::float8, "
        "var_pop('inf'::float8), sinh(float8 'nan'), cbrt(float8 '27')").rows) == (
        "[(nan, nan, nan, nan, 3.0000000000000004)]")  # C's cbrt, as PostgreSQL on glibc
    assert _state(s, "SELECT 1.5::float8 / 0::float8") == "22012"
    # past float8's range sinh and cosh are infinite, as float.c's dsinh / dcosh answer
    # (it was 22003)
    assert s.execute("SELECT cosh(float8 '1000'), cosh(float8 '-1000'), sinh(float8 '1000'), "
                     "sinh(float8 '-1000')").rows == [
        (math.inf, math.inf, math.inf, -math.inf)]


def test_extra_float_digits_zero(s):
    s.execute("SET extra_float_digits = 0")
    assert s.execute("SELECT sqrt(1004.3::float8), '1.2345678901234e+20'::float4").rows == [
        (31.6906926399535, 1.23457e+20)]
    s.execute("RESET extra_float_digits")
    assert s.execute("SELECT sqrt(1004.3::float8)").rows == [(31.690692639953454,)]


@pytest.mark.parametrize("text,fmt,expected", [
    ("-34,338,492.654,878", "99G999G999D999G999", "-34338492.654878"),
    ("<564646.654564>", "999999.999999PR", "-564646.654564"),
    ("5.01-", "FM9.999999MI", "-5.01"),
    (".-01", "S99.99", "-0.01"),
    ("$1,234.56", "L99,999.99", "1234.56"),
    ("34,50", "999,99", "3450"),
    ("123456", "99", "12"),
    (".0", "99999999.99999999", "0.0"),
])
def test_to_number(s, text, fmt, expected):
    assert s.execute("SELECT to_number($1, $2)", (text, fmt)).rows == [(Decimal(expected),)]


def test_numeric_div_truncates_exactly(s):
    assert str(s.execute(
        "SELECT div(-9999999999999999999999::numeric, 1000000000000000000000), "
        "div(12345678901234567890, 123), div(-7.5, 2), div('nan'::numeric, 0)").rows) == (
        "[(Decimal('-9'), Decimal('100371373180768844'), Decimal('-3'), Decimal('NaN'))]")
    assert _state(s, "SELECT div('inf'::numeric, 0)") == "22012"


def test_numeric_ln_log_exp_at_postgres_scale(s):
    assert str(s.execute(
        "SELECT ln(4.2), log(4.2), exp(1.0), exp(0.0), log(2.0, 64), log(1.0)").rows) == (
        "[(Decimal('1.4350845252893226'), Decimal('0.6232492903979005'), "
        "Decimal('2.7182818284590452'), Decimal('1.0000000000000000'), "
        "Decimal('6.0000000000000000'), Decimal('0E-16'))]")
    # an integer argument takes the float8 function, as PostgreSQL resolves it
    assert s.execute("SELECT ln(2), exp(1)").rows == [(0.6931471805599453, 2.718281828459045)]
    assert _state(s, "SELECT ln(0.0)") == "2201E"
    assert _state(s, "SELECT log(-1.0)") == "2201E"
    assert _state(s, "SELECT log(1.0, 5.0)") == "22012"


def test_numeric_log_keeps_every_digit_of_its_scale(s):
    """log(x) / log(b, x) of a value of many digits: every digit of the result's scale is
    right (past the 28th they were zeros: ...4012000000)."""
    assert s.execute("SELECT log(3.4634998359873254962349856073435545), "
                     "log(1.23e-89, 6.4689e45)").rows == [(
        Decimal("0.5395151714070134409152404011959981"),
        Decimal("-0.5152489207781856983977054971756484879653568168479201885425588841094788842"
                "469115325262329756"))]


def test_values_cte_columns_are_typed(s):
    rows = s.execute("WITH v(x) AS (VALUES ('4.2'::numeric), ('1')) "
                     "SELECT sqrt(x), to_char(x, '9.9') FROM v").rows
    assert rows == [(Decimal("2.049390153191920"), " 4.2"), (Decimal("1.000000000000000"), " 1.0")]


def test_integer_check_needs_integer_operands(ints):
    # sum(int) + a float: not an integer operator, so no range check on a REAL result
    assert ints.execute("SELECT sum(a) + random() * 0 FROM n WHERE a = 1").rows[0][0] == 1
    assert ints.execute("SELECT (a + 1) * b, -a FROM n WHERE a = 1").rows == [(4, -1)]


def test_to_char_of_a_huge_number_and_width_bucket_of_text(s):
    """to_char(1e308, '9.99') overflowed the decimal context (an internal error): PostgreSQL
    fills the picture with #. width_bucket of text that is no number was an internal error
    too: 22P02."""
    assert s.execute("SELECT to_char(1e308, '9.99'), to_char(-0.5, '9.99')").rows == [(" #.##", " -.50")]
    assert _state(s, "select width_bucket(5.0, '1|2|3|', 4.0, 5)") == "22P02"
    assert s.execute("select width_bucket(5.0, 1, 10, 3)").rows == [(2,)]


def _ieee(rows):
    return [tuple("NaN" if v != v else v for v in row) for row in rows]


def test_float8_nan_and_infinity_follow_ieee(s):
    inf = float("inf")
    assert _ieee(s.execute(
        "SELECT 'NaN'::float8 + 1, 'Infinity'::float8 * 0, 'Infinity'::float8 - 'Infinity'::float8, "
        "-('NaN'::float8), 'Infinity'::float8 + 1, 'NaN'::float4 + 1, 0 * 'Infinity'::float4, "
        "'NaN'::float8 / 2").rows) == [("NaN", "NaN", "NaN", "NaN", inf, "NaN", "NaN", "NaN")]
    assert _state(s, "SELECT 1e308::float8 * 10") == "22003"
    assert _state(s, "SELECT 1e-300::float8 * 1e-300") == "22003"
    s.execute("CREATE TABLE f (x float8)")
    s.execute("INSERT INTO f VALUES (1), (2), ('NaN'), ('Infinity'), ('-Infinity'), (NULL)")
    assert _ieee(s.execute("SELECT sum(x), avg(x), min(x), max(x) FROM f").rows) == [
        ("NaN", "NaN", -inf, "NaN")]
    assert _ieee(s.execute("SELECT sum(x), avg(x) FROM f WHERE x > 1").rows) == [("NaN", "NaN")]
    assert s.execute("SELECT sum(x), avg(x) FROM f WHERE x IN (1, 'Infinity')").rows == [
        (inf, inf)]
    assert s.execute("SELECT x FROM f WHERE x = 'Infinity'").rows == [(inf,)]
    assert _ieee(s.execute("SELECT sum(x) OVER (ORDER BY x ROWS 1 PRECEDING) FROM f "
                           "WHERE x IS NOT NULL ORDER BY x").rows) == [
        (-inf,), (-inf,), (3.0,), (inf,), ("NaN",)]
    assert _ieee(s.execute("SELECT x FROM f WHERE x IS NOT NULL ORDER BY x DESC").rows) == [
        ("NaN",), (inf,), (2.0,), (1.0,), (-inf,)]
    assert _state(s, "SELECT sum(1e308::float8) FROM generate_series(1, 3)") == "22003"


def test_float8_integral_functions_keep_nan_and_infinity(s):
    inf = float("inf")
    assert _ieee(s.execute(
        "SELECT trunc('NaN'::float8), ceil('NaN'::float8), floor('NaN'::float8), "
        "abs('NaN'::float8), sign('NaN'::float8), trunc('Infinity'::float8), "
        "ceil('-Infinity'::float8), abs('-Infinity'::float8), sign('-Infinity'::float8)").rows) == [
        ("NaN", "NaN", "NaN", "NaN", 0.0, inf, -inf, inf, -1.0)]
    row = s.execute("SELECT trunc(-0.5::float8), ceil(-0.5::float8), floor(-0.5::float8), "
                    "trunc(2.7::float8), abs(-2.5::float8)").rows[0]
    assert row == (0.0, 0.0, -1.0, 2.0, 2.5) and str(row[0]) == str(row[1]) == "-0.0"


def test_a_value_written_to_a_text_or_integer_column_is_stored_as_postgresql_stores_it(s):
    """PostgreSQL's assignment of a float8 or real (a timestamp, an array, a bytea) to a text
    column is its output text, and of a float to an integer column rint's rounding (half to
    even); SQLite's column affinity had stored '100.0', '1.0e-05', '0.0' for -0,
    '2020-01-02 03:04:05.500000', '[1,2]' and raw bytes, and 3 for 2.5 (checked against
    PostgreSQL 15)."""
    s.execute("CREATE TABLE f (t text, v varchar(30), c char(8), i int, b bigint, h smallint)")
    s.execute("INSERT INTO f (t, v, c) VALUES (100::float8, 1e20::float8, 1e-5::float8), "
              "(-0.0::float8, 0.1::float8 + 0.2::float8, 2.5::real), "
              "(123456789012345678::float8, 'NaN'::float8, 0.1::real)")
    assert s.execute("SELECT t, v, c FROM f").rows == [
        ("100", "1e+20", "1e-05   "), ("-0", "0.30000000000000004", "2.5     "),
        ("1.2345678901234568e+17", "NaN", "0.1     ")]
    s.execute("DELETE FROM f")
    s.execute("INSERT INTO f (i, b, h) VALUES (2.5::float8, -2.5::float8, 3.5::real)")
    s.execute("INSERT INTO f (i, t) SELECT 6.5::float8, 8::float8")
    s.execute("UPDATE f SET i = 0.5::float8, t = 7::float8 WHERE i = 2")
    assert s.execute("SELECT i, b, h, t FROM f ORDER BY t").rows == [
        (0, -2, 4, "7"), (6, None, None, "8")]
    s.execute("INSERT INTO f (i) VALUES (2.5)")  # a numeric rounds half away from zero
    assert s.execute("SELECT i FROM f WHERE t IS NULL").rows == [(3,)]
    assert _state(s, "INSERT INTO f (i) VALUES (1e10::float8)") == "22003"
    s.execute("CREATE TABLE u (id int PRIMARY KEY, t text, n int)")
    s.execute("INSERT INTO u VALUES (1, 'a', 1)")
    s.execute("INSERT INTO u VALUES (1, 'b', 1) ON CONFLICT (id) DO UPDATE SET t = 9::float8, "
              "n = 2.5::float8")
    assert s.execute("SELECT t, n FROM u").rows == [("9", 2)]
    s.execute("INSERT INTO u (id, t, n) VALUES ($1, $2::float8, $3::float8)", (2, 1e-5, 4.5))
    assert s.execute("SELECT t, n FROM u WHERE id = 2").rows == [("1e-05", 4)]
    # any value stored otherwise than it prints: its output text too
    s.execute("INSERT INTO u (id, t) VALUES (3, timestamp '2020-01-02 03:04:05.5'), "
              "(4, ARRAY[1, 2]), (5, '\\x0102'::bytea), (6, timestamptz '2020-01-02 03:04:05+00'), "
              "(7, date '2020-01-02'), (8, 1.50)")
    assert s.execute("SELECT t FROM u WHERE id > 2 ORDER BY id").rows == [
        ("2020-01-02 03:04:05.5",), ("{1,2}",), ("\\x0102",), ("2020-01-02 03:04:05+00",),
        ("2020-01-02",), ("1.50",)]


def test_prefix_at_is_absolute_value(s):
    """PostgreSQL's prefix @ operator (sqlglot read ``@ x`` as a parameter named x, and the
    client got a Python error text under 22P02)."""
    assert s.execute("SELECT @ -5, @ -5.5, @ '-2'::float8, @ 3").rows == [
        (5, Decimal("5.5"), 2.0, 3)]
    assert s.execute("SELECT @ x, @(x) FROM (VALUES (-3), (4)) v(x) ORDER BY 1").rows == [
        (3, 3), (4, 4)]
    assert s.execute("SELECT x FROM (VALUES (-3), (4)) v(x) WHERE @x > 3").rows == [(4,)]
    assert _state(s, "SELECT @ (-2147483648)") == "22003"
    assert s.execute("SELECT $1::int + 1", [2]).rows == [(3,)]


def test_integer_bitwise_types_and_shifts(s):
    """& | # ~ << >> on integers have the operands' type (they were bigint), and a shift is
    C's in that type: the count modulo its width, a left shift wrapping around."""
    s.execute("CREATE TABLE bi (s int2, i int4, l int8)")
    s.execute("INSERT INTO bi VALUES (6, 12, 24)")
    r = s.execute("SELECT s & s, s | i, i # l, ~s, s << 1, i >> 2 FROM bi")
    assert [c.type_oid for c in r.columns] == [21, 23, 20, 21, 21, 23]
    assert r.rows == [(6, 14, 20, -7, 12, 3)]
    assert s.execute("SELECT 1 << 31, 1 << 32, 8 >> 33, 1::int2 << 15, 1::int2 << 16, "
                     "1::int8 << 63, 1::int8 << 64, i << 31 FROM bi").rows == [
        (-2147483648, 1, 4, -32768, 0, -9223372036854775808, 1, 0)]


def test_text_written_to_an_integer_column_is_read_by_int4in(s):
    """SQLite's INTEGER affinity took '1e3' as 1000 and '1.0' as 1; PostgreSQL refuses them."""
    s.execute("CREATE TABLE ti (a int4, b int8, c int2)")
    for v in ("'1e3'", "'1.0'", "'1E3'", "'0x1F'"):
        assert _state(s, f"INSERT INTO ti (a) VALUES ({v})") == "22P02"
    assert _state(s, "INSERT INTO ti (c) VALUES ('40000')") == "22003"
    s.execute("INSERT INTO ti VALUES (' 12 ', '+5', '-7'), ('3', $1, 4)", ["9"])
    assert _state(s, "UPDATE ti SET b = '2.5'") == "22P02"
    assert s.execute("SELECT a, b, c FROM ti ORDER BY a").rows == [(3, 9, 4), (12, 5, -7)]


def test_round_trunc_ceil_floor_of_an_integer_or_real_is_double_precision(s):
    """PostgreSQL takes round(integer) as round(double precision): round(9223372036854775807)
    was the bigint 9223372036854775808 here, and round(7) / 2 is 3.5 there."""
    s.execute("CREATE TABLE rr (i int, r real, b bigint)")
    s.execute("INSERT INTO rr VALUES (7, 2.5, 9223372036854775807)")
    r = s.execute("SELECT round(i), trunc(i), ceil(r), floor(r), round(r), round(b), "
                  "round(i) / 2 FROM rr")
    assert [c.type_oid for c in r.columns] == [701] * 7
    assert r.rows == [(7.0, 7.0, 3.0, 2.0, 2.0, 9.223372036854776e18, 3.5)]
    r = s.execute("SELECT round(i, 1), round(i::numeric) FROM rr")
    assert [c.type_oid for c in r.columns] == [1700, 1700]


def test_math_functions_of_no_number_are_42883(s):
    """abs of a date was its year, round of an interval 1, trunc of a jsonb NULL: SQLite's
    arithmetic on the stored text. PostgreSQL has no such functions."""
    s.execute("CREATE TABLE nn (d date, i interval, j jsonb, b boolean, a int[], n numeric)")
    s.execute("INSERT INTO nn VALUES ('2020-01-02', '1 mon', '{}', true, '{1}', -2.5)")
    for sql, message in [("SELECT abs(d) FROM nn", "function abs(date) does not exist"),
                         ("SELECT round(i, 1) FROM nn", "function round(interval, integer) does not exist"),
                         ("SELECT trunc(j) FROM nn", "function trunc(jsonb) does not exist"),
                         ("SELECT ceil(b) FROM nn", "function ceil(boolean) does not exist"),
                         ("SELECT sqrt(a) FROM nn", "function sqrt(integer[]) does not exist")]:
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert (e.value.sqlstate, str(e.value)) == ("42883", message), sql
    assert s.execute("SELECT abs(n), round(n), sign(n) FROM nn").rows == [
        (Decimal("2.5"), Decimal("-3"), Decimal("-1"))]


def test_boolean_casts_only_to_and_from_integer_and_text(s):
    """1.5::bool was true and true::float8 1: PostgreSQL has no such casts (42846)."""
    s.execute("CREATE TABLE bb (b bool, i int, n numeric)")
    s.execute("INSERT INTO bb VALUES (true, 1, 1.5)")
    for sql, message in [("SELECT n::bool FROM bb", "cannot cast type numeric to boolean"),
                         ("SELECT 1::int2::bool", "cannot cast type smallint to boolean"),
                         ("SELECT b::int8 FROM bb", "cannot cast type boolean to bigint"),
                         ("SELECT true::float8", "cannot cast type boolean to double precision")]:
        with pytest.raises(SqlError) as e:
            s.execute(sql)
        assert (e.value.sqlstate, str(e.value)) == ("42846", message), sql
    assert s.execute("SELECT b::int, i::bool, b::text, 0::bool FROM bb").rows == [
        (1, True, "true", False)]
