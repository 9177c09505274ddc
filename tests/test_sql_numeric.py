"""PostgreSQL numeric is exact: in-process Session tests on real APSW files in a tmp_path.

Arithmetic, aggregates, casts and output are checked against Python's decimal module and
against the scales PostgreSQL shows (numeric.c's rules); comparisons and ORDER BY against
values stored as INTEGER, REAL and TEXT alike.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora.engine.sql import Session
from aurora.engine.sql.translate import parse, to_sqlite
from aurora.engine.sqlapi import SqlError

_WIDE = Context(prec=400)


def one(s: Session, sql: str, *params: object) -> object:
    return s.execute(sql, params).rows[0][0]


def error(s: Session, sql: str, *params: object) -> SqlError:
    with pytest.raises(SqlError) as e:
        s.execute(sql, params)
    return e.value


def scale(d: Decimal) -> int:
    return max(0, -d.as_tuple().exponent)  # type: ignore[operator]


# --- the examples of the brief, and the scales PostgreSQL shows ------------------------------


def test_decimal_arithmetic_is_exact_and_keeps_its_scale(s):
    assert str(one(s, "select 0.1::numeric + 0.2::numeric")) == "0.3"
    assert str(one(s, "select 12345678901234567890.12::numeric + 1")) == "12345678901234567891.12"
    assert str(one(s, "select 1.50::numeric(10,2) * 3")) == "4.50"
    assert str(one(s, "select 0.1::numeric(3,2) + 0.2")) == "0.30"
    assert str(one(s, "select 0.1 + 0.2")) == "0.3"  # a decimal literal is numeric


@pytest.mark.parametrize(
    ("sql", "shown"),
    [
        ("select 1.50 + 1", "2.50"),
        ("select 1.5 - 1.25", "0.25"),
        ("select 1.5 * 1.25", "1.875"),
        ("select -1.50", "-1.50"),
        ("select 1::numeric / 3", "0.33333333333333333333"),
        ("select 2::numeric / 3", "0.66666666666666666667"),
        ("select 10::numeric / 4", "2.5000000000000000"),
        ("select 1.000000000000000000000 / 3", "0.333333333333333333333"),
        ("select 123456789012345678::numeric / 7", "17636684144620811"),  # 16 digits
        ("select 7.5 % 2", "1.5"),
        ("select -7 % 3::numeric", "-1"),
        ("select 5 % 3.0", "2.0"),
        ("select round(2.5::numeric)", "3"),
        ("select round(-2.5::numeric)", "-3"),
        ("select round(1.2345, 2)", "1.23"),
        ("select round(4.5::numeric, 3)", "4.500"),
        ("select round(1250::numeric, -2)", "1300"),
        ("select round(7, 2)", "7.00"),
        ("select trunc(-1.999, 2)", "-1.99"),
        ("select ceil(1.01::numeric), floor(-1.01::numeric)", "2"),
        ("select abs(-1.50)", "1.50"),
        ("select sqrt(2::numeric)", "1.414213562373095"),
        ("select sqrt(100::numeric)", "10.000000000000000"),
        ("select power(2::numeric, 3)", "8.0000000000000000"),
        ("select 2::numeric ^ 0.5", "1.4142135623730950"),
        ("select 1e5 + 0", "100000"),
        ("select 1.5e-3 + 0", "0.0015"),
        ("select '  1.10 '::numeric", "1.10"),
        ("select 2.675::numeric(10,2)", "2.68"),
        ("select -2.675::numeric(10,2)", "-2.68"),
    ],
)
def test_result_scales_are_postgresql_s(s, sql, shown):
    assert str(one(s, sql)) == shown
    assert s.execute(sql, ()).columns[0].type_oid == 1700


def test_nan_and_infinities(s):
    assert [
        str(v)
        for v in s.execute("select 'NaN'::numeric, 'Infinity'::numeric, '-inf'::numeric", ()).rows[
            0
        ]
    ] == ["NaN", "Infinity", "-Infinity"]
    assert str(one(s, "select 'NaN'::numeric + 1")) == "NaN"
    assert str(one(s, "select 'Infinity'::numeric - 'Infinity'::numeric")) == "NaN"
    assert str(one(s, "select 'Infinity'::numeric * 0")) == "NaN"
    assert str(one(s, "select 'Infinity'::numeric * -2")) == "-Infinity"
    assert one(s, "select 1 / 'Infinity'::numeric") == 0
    assert one(s, "select 'NaN'::numeric = 'NaN'::numeric") is True
    assert one(s, "select 'NaN'::numeric > 'Infinity'::numeric") is True


def test_float8_wins_and_integer_division_stays_integer(s):
    r = s.execute("select 0.1::numeric + 0.2::float8, 7 / 2, 7 % 2, 1.5::numeric = 1.5::float8", ())
    assert r.rows == [(0.30000000000000004, 3, 1, True)]
    assert [c.type_oid for c in r.columns] == [701, 23, 23, 16]


def test_integer_and_float_arithmetic_stays_in_sqlite(s):
    s.execute("create table acc (aid int primary key, abalance int, f float8)")
    for sql in (
        "update acc set abalance = abalance + -5 where aid = 3",
        "select abalance * 2, f / 2, sum(abalance) from acc where aid = 7 group by aid",
    ):
        generated, _ = to_sqlite(parse(sql), s.catalog)
        assert "pg_num" not in generated.lower(), generated


def test_casts_subqueries_ctes_and_values_stay_exact(s):
    s.execute("create table c (id int, p numeric(10,2), n numeric, f float8)")
    s.execute("insert into c values (1, 1.5, '12345678901234567890.5', 0.1), (2, 2, 1, null)")
    assert s.execute("select p::text, p::varchar from c where id = 1", ()).rows == [
        ("1.50", "1.50")
    ]
    # float8 to numeric keeps 15 significant digits, as float8_numeric does
    assert str(one(s, "select (0.1::float8 + 0.2::float8)::numeric")) == "0.3"
    assert one(s, "select f::numeric from c where id = 2") is None
    assert str(one(s, "with x as (select n * 2 as v from c) select sum(v) from x")) == (
        "24691357802469135783.0"
    )
    union = "select sum(v) from (select n as v from c union all select 0.5) t"
    assert str(one(s, union)) == "12345678901234567892.0"
    assert s.execute("values (1.50, 1), (2, 2)", ()).rows == [(Decimal("1.50"), 1), (2, 2)]
    assert s.execute("select id from c where n * 2 in (2, 3)", ()).rows == [(2,)]
    assert one(s, "select 1 / nullif(0.00::numeric, 0)") is None
    assert s.execute("select greatest(n, 1), least(id, 0.50) from c where id = 1", ()).rows == [
        (Decimal("12345678901234567890.5"), Decimal("0.50"))
    ]


def test_parameters_keep_their_scale(s):
    assert str(one(s, "select $1::numeric * 2", Decimal("1.50"))) == "3.00"
    assert str(one(s, "select $1 + 0.0", Decimal("1.50"))) == "1.50"


# --- storage, comparisons and ORDER BY ----------------------------------------------------------

_MIXED = [
    "12345678901234567890.123456789",  # TEXT: more digits than a REAL holds
    "19.9",  # REAL
    "5",  # INTEGER
    "-3",
    "0.3",
    "-12345678901234567890.5",
    "9007199254740993",  # an integer a REAL cannot hold, stored as INTEGER
    "NaN",
    "Infinity",
    "-Infinity",
]


def _key(d: Decimal) -> tuple[int, Decimal]:
    return (1, Decimal(0)) if d.is_nan() else (0, d)


def test_comparisons_and_order_by_mix_integers_reals_and_texts(s):
    s.execute("create table m (id int primary key, n numeric, i int)")
    for k, text in enumerate(_MIXED):
        s.execute("insert into m values ($1, $2, $1)", [k, text])
    stored = {r[0] for r in s.conn.execute("select typeof(n) from m")}
    assert stored == {"integer", "real", "text"}
    values = [Decimal(t) for t in _MIXED]
    asc = [r[0] for r in s.execute("select n from m order by n", ()).rows]
    assert [str(v) for v in asc] == [str(v) for v in sorted(values, key=_key)]
    desc = [r[0] for r in s.execute("select n as x from m order by x desc", ()).rows]
    assert [str(v) for v in desc] == [str(v) for v in asc[::-1]]
    finite = [v for v in values if v.is_finite()]
    big = [r[0] for r in s.execute("select n from m where n > 10 and n <= 19.9", ()).rows]
    assert big == [Decimal("19.9")]
    over = s.execute("select count(*) from m where n > 9007199254740992", ()).rows[0][0]
    assert over == 2 + sum(1 for v in finite if v > 9007199254740992)  # Infinity and NaN
    assert s.execute("select id from m where n = 19.90", ()).rows == [(1,)]
    assert s.execute("select id from m where n * 1 = 19.90", ()).rows == [(1,)]
    assert s.execute("select id from m where n = $1", [Decimal("0.30")]).rows == [(4,)]
    assert s.execute("select id from m where n in (5, 0.30) order by id", ()).rows == [(2,), (4,)]
    assert s.execute("select id from m where n between -3 and 5 order by id", ()).rows == [
        (2,),
        (3,),
        (4,),
    ]
    above = s.execute("select id from m where n > i order by id", ()).rows
    assert above == [(0,), (1,), (2,), (6,), (7,), (8,)]  # NaN is above everything
    extremes = s.execute("select min(n), max(n) from m where n <> 'NaN'", ()).rows[0]
    assert extremes == (Decimal("-Infinity"), Decimal("Infinity"))


def test_numeric_equality_is_served_by_an_index(s):
    s.execute("create table ix (id int primary key, n numeric)")
    s.execute("create index ix_n on ix (n)")
    plan = " ".join(r[0] for r in s.execute("explain select id from ix where n = 19.90", ()).rows)
    assert "INDEX ix_n" in plan


def test_writes_round_half_away_from_zero_and_unique_sees_equal_values(s):
    s.execute("create table w (id int primary key, p numeric(10,2) unique, d numeric default 1.5)")
    s.execute("insert into w (id, p) values (1, 2.255), (2, -2.255), (3, '1.5')")
    assert s.execute("select p from w order by id", ()).rows == [
        (Decimal("2.26"),),
        (Decimal("-2.26"),),
        (Decimal("1.50"),),
    ]
    assert error(s, "insert into w (id, p) values (4, 1.50)").sqlstate == "23505"
    assert s.execute("select id from w where d = 1.5 order by id", ()).rows == [(1,), (2,), (3,)]
    s.execute("update w set p = p * 1.1 where id = 3")
    assert one(s, "select p from w where id = 3") == Decimal("1.65")
    s.execute("create table w2 (p numeric(10,2))")
    s.execute("insert into w2 select p / 3 from w where id = 1")
    assert one(s, "select p from w2") == Decimal("0.75")


def test_round_and_trunc_to_places_take_numeric_only(s):
    """trunc(2.75::float8, 1) was 2.0 and round(float8, int) ran: PostgreSQL has both for
    numeric only (42883)."""
    assert error(s, "select trunc(2.75::float8, 1)").sqlstate == "42883"
    assert error(s, "select round(2.75::float8, 1)").sqlstate == "42883"
    assert error(s, "select round(2.75::real, 1)").sqlstate == "42883"
    assert s.execute("select trunc(2.75::numeric, 1), round(2.75, 1), trunc(2.75::float8), "
                     "round(2.75::float8)", ()).rows == [(Decimal("2.7"), Decimal("2.8"), 2.0, 3.0)]


def test_copy_into_numeric_rounds_and_checks_precision(s):
    s.execute("create table cp (id int, p numeric(5,2), n numeric)")
    copy = s.execute("copy cp from stdin", ()).copy
    assert s.copy_rows(copy, [["1", "2.255", "12345678901234567890.123"], ["2", None, "1"]]) == 2
    assert s.execute("select p, n from cp order by id", ()).rows == [
        (Decimal("2.26"), Decimal("12345678901234567890.123")),
        (None, Decimal(1)),
    ]
    with pytest.raises(SqlError) as e:
        s.copy_rows(copy, [["3", "1000", "1"]])
    assert e.value.sqlstate == "22003"


# --- aggregates ---------------------------------------------------------------------------------


def test_aggregates_are_exact_with_postgresql_s_scales(s):
    s.execute("create table a (id int, n numeric, p numeric(10,2), big bigint)")
    s.execute(
        "insert into a values (1, 0.1, 1.5, 9223372036854775807), (2, 0.2, 2.25, 9223372036854775807),"
        " (3, '12345678901234567890.123456789', 3, 1)"
    )
    r = s.execute(
        "select sum(n), avg(n), sum(p), avg(p), min(p), max(p), sum(big), avg(id) from a", ()
    )
    assert [str(v) for v in r.rows[0]] == [
        "12345678901234567890.423456789",
        "4115226300411522630.141152263",
        "6.75",
        "2.2500000000000000",
        "1.50",
        "3.00",
        "18446744073709551615",
        "2.0000000000000000",
    ]
    assert [c.type_oid for c in r.columns] == [1700] * 8
    window = s.execute(
        "select sum(p) over (order by id rows between 1 preceding and current row) from a order by id",
        (),
    ).rows
    assert [str(v[0]) for v in window] == ["1.50", "3.75", "5.25"]
    assert str(one(s, "select sum(distinct p) from a")) == "6.75"


# --- errors and limits ---------------------------------------------------------------------------


def test_overflow_and_domain_errors(s):
    e = error(s, "select 123.456::numeric(4,2)")
    assert (e.sqlstate, e.message) == ("22003", "numeric field overflow")
    assert e.detail == (
        "A field with precision 4, scale 2 must round to an absolute value less than 10^2."
    )
    e = error(s, "select 0.5::numeric(2,2) + 0.996::numeric(2,2)")
    assert e.detail == (
        "A field with precision 2, scale 2 must round to an absolute value less than 1."
    )
    e = error(s, "select 'Infinity'::numeric(4,2)")
    assert e.detail == "A field with precision 4, scale 2 cannot hold an infinite value."
    s.execute("create table o (p numeric(5,2))")
    assert error(s, "insert into o values (1000)").sqlstate == "22003"
    assert error(s, "insert into o values ($1)", Decimal("999.995")).sqlstate == "22003"
    assert error(s, "select 10::numeric ^ 200000").message == "value overflows numeric format"
    assert error(s, "select repeat('9', 140000)::numeric").sqlstate == "22003"
    assert error(s, "select ('0.' || repeat('1', 17000))::numeric").sqlstate == "22003"
    assert error(s, "select 1e131072 + 0").sqlstate == "22003"
    assert error(s, "select 1.5e-16383 + 0").sqlstate == "22003"
    assert error(s, "select 'abc'::numeric").sqlstate == "22P02"
    assert error(s, "select 1::numeric / 0").sqlstate == "22012"
    assert error(s, "select 1.5 % 0").sqlstate == "22012"
    assert error(s, "select sqrt(-1::numeric)").sqlstate == "2201F"
    assert error(s, "select 0::numeric ^ -1").sqlstate == "2201F"
    assert error(s, "select (-8)::numeric ^ 0.5").sqlstate == "2201F"
    assert s.transaction_status == "I"
    # the largest values PostgreSQL takes still compute
    assert len(str(one(s, "select 10::numeric ^ 131071 + 0.5"))) == 131072 + 1 + 16
    assert one(s, "select 1e1001 + 0") == Decimal("1e1001")


# --- against Python's decimal module ---------------------------------------------------------------

_DECIMALS = st.integers(0, 8).flatmap(
    lambda p: st.decimals(
        min_value=Decimal("-1e18"), max_value=Decimal("1e18"), places=p, allow_nan=False
    )
)


def _pg_div(a: Decimal, b: Decimal, shown: Decimal) -> None:
    """The quotient is a/b rounded half away from zero at its scale, and that scale is
    select_div_scale's: at least 16 significant digits and no less than either input's."""
    exact = _WIDE.divide(a, b)
    sc = scale(shown)
    assert shown == exact.quantize(Decimal(1).scaleb(-sc), rounding=ROUND_HALF_UP, context=_WIDE)
    assert sc >= max(scale(a), scale(b))
    if shown:
        assert shown.adjusted() + sc + 1 >= 16 or sc >= 1000
        assert sc <= max(scale(a), scale(b), 24 - exact.adjusted())


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_DECIMALS, _DECIMALS)
def test_arithmetic_matches_python_decimal(s, a, b):
    x, y = "$1::numeric", "$2::numeric"
    sql = f"select {x} + {y}, {x} - {y}, {x} * {y}, {x} = {y}, {x} < {y}"
    r = s.execute(sql, [a, b]).rows[0]
    add, sub, mul, eq, lt = r
    assert (add, sub, mul) == (_WIDE.add(a, b), _WIDE.subtract(a, b), _WIDE.multiply(a, b))
    assert scale(add) == scale(sub) == max(scale(a), scale(b))
    assert scale(mul) == scale(a) + scale(b)
    assert (eq, lt) == (a == b, a < b)
    if b:
        _pg_div(a, b, one(s, f"select {x} / {y}", a, b))
        assert one(s, f"select {x} % {y}", a, b) == _WIDE.remainder(a, b)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_DECIMALS, min_size=1, max_size=12))
def test_sum_and_avg_match_python_decimal(s, values):
    # numeric(30,8): every value then has PostgreSQL's scale 8 (an unconstrained column's
    # storage keeps the value, not its scale)
    s.execute("create table if not exists agg (n numeric(30,8))")
    s.execute("delete from agg")
    for v in values:
        s.execute("insert into agg values ($1)", [v])
    total, avg = s.execute("select sum(n), avg(n) from agg", ()).rows[0]
    exact = sum((v.quantize(Decimal("1e-8")) for v in values), Decimal(0))
    assert total == exact and scale(total) == 8
    _pg_div(exact, Decimal(len(values)), avg)
