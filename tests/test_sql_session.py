"""Unit tests of the SQL engine (aurora.engine.sql) on real APSW databases in a tmp_path."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal

import apsw
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aurora.engine.sql import Session, lexer
from aurora.engine.sql.lexer import normalize, split
from aurora.engine.sqlapi import CopyIn, CopyOut, SqlError


def _connect(path: str) -> apsw.Connection:
    conn = apsw.Connection(path)
    conn.execute("PRAGMA journal_mode=MEMORY")
    return conn


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "postgres.db")


@pytest.fixture
def s(db):
    session = Session(_connect(db))
    yield session
    session.close()


def rows(s: Session, sql: str, *params: object) -> list[tuple]:
    return s.execute(sql, params).rows


def sqlstate(s: Session, sql: str, *params: object) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql, params)
    return e.value.sqlstate


# --- types ------------------------------------------------------------------------------------


def test_types_round_trip(s):
    s.execute(
        "create table t (i int, b bigint, sm smallint, f double precision, r real, n numeric(10,2),"
        " txt text, v varchar(20), ok boolean, d date, ts timestamp, tz timestamptz, j jsonb,"
        " u uuid, by bytea, arr int[])"
    )
    s.execute(
        "insert into t values (1, 9000000000, 2, 1.5, 2.5, 19.90, 'x', 'y', true, '2024-02-29',"
        " '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+02', '{\"a\": [1, 2]}',"
        " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', $1, '{1,2,3}')",
        [b"\x00\x01"],
    )
    r = s.execute("select * from t")
    assert [c.type_oid for c in r.columns] == [
        23,
        20,
        21,
        701,
        700,
        1700,
        25,
        1043,
        16,
        1082,
        1114,
        1184,
        3802,
        2950,
        17,
        1007,
    ]
    (row,) = r.rows
    assert row[:9] == (1, 9000000000, 2, 1.5, 2.5, Decimal("19.90"), "x", "y", True)
    assert row[9] == dt.date(2024, 2, 29)
    assert row[10] == dt.datetime(2024, 1, 2, 3, 4, 5, 123456)
    assert row[11] == dt.datetime(2024, 1, 2, 1, 4, 5, tzinfo=dt.UTC)
    assert row[12] == '{"a": [1, 2]}'  # jsonb as PostgreSQL prints it
    assert str(row[13]) == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert row[14] == b"\x00\x01"
    assert row[15] == [1, 2, 3]


def test_booleans_in_and_out(s):
    s.execute("create table f (id int, ok boolean)")
    s.execute("insert into f values (1, true), (2, 'f'), (3, $1)", [True])
    assert rows(s, "select id, ok from f where ok order by id") == [(1, True), (3, True)]
    assert rows(s, "select true, false, 1 = 1, ok is false from f where id = 2") == [
        (True, False, True, True)
    ]


def test_expression_types(s):
    s.execute("create table e (a int, n numeric)")
    s.execute("insert into e values (1, 1.5), (2, 2.5)")
    r = s.execute("select count(*), sum(a), 'lit', 1.5, a + 1, now(), max(n) from e group by a")
    assert [c.type_oid for c in r.columns] == [20, 20, 25, 1700, 23, 1184, 1700]
    assert [c.name for c in r.columns] == [
        "count",
        "sum",
        "?column?",
        "?column?",
        "?column?",
        "now",
        "max",
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(0, 12).flatmap(
        lambda p: st.decimals(min_value=Decimal("-1e25"), max_value=Decimal("1e25"), places=p)
    )
)
def test_numeric_is_exact(s, value):
    s.execute("create table if not exists num (n numeric)")
    s.execute("delete from num")
    s.execute("insert into num values ($1)", [value])
    got = rows(s, "select n from num")[0][0]
    assert got == value


def test_numeric_text_exact_and_comparable(s):
    s.execute("create table m (n numeric)")
    s.execute("insert into m values ('12345678901234567890.123456789'), ('19.90'), (5)")
    assert rows(s, "select n from m where n > 10 and n < 20") == [(Decimal("19.9"),)]
    assert Decimal("12345678901234567890.123456789") in [r[0] for r in rows(s, "select n from m")]


# --- ids, sequences -------------------------------------------------------------------------------


def test_serial_and_identity_ids_are_assigned(s):
    s.execute("create table a (id serial primary key, x text)")
    s.execute("create table b (id bigint generated always as identity, k bigserial, x text)")
    assert rows(s, "insert into a (x) values ('p'), ('q') returning id") == [(1,), (2,)]
    assert rows(s, "insert into b (x) values ('p'), ('q') returning id, k") == [(1, 1), (2, 2)]


def test_sequences(s):
    s.execute("create sequence s1 start 10 increment by 5")
    assert rows(s, "select nextval('s1')") == [(10,)]
    assert rows(s, "select nextval('public.s1'), currval('s1')") == [(15, 15)]
    assert rows(s, "select setval('s1', 100)") == [(100,)]
    assert rows(s, "select nextval('s1')") == [(105,)]
    assert [r[0] for r in rows(s, "select relname from pg_class where relkind = 'S'")] == ["s1"]
    s.execute("drop sequence s1")
    assert sqlstate(s, "select nextval('s1')") == "42P01"


# --- DML rewrites ------------------------------------------------------------------------------


def test_upsert_on_conflict_do_update(s):
    s.execute("create table kv (k text primary key, v int)")
    s.execute("insert into kv values ('a', 1)")
    s.execute("insert into kv (k, v) values ('a', 2) on conflict (k) do update set v = excluded.v")
    s.execute("insert into kv (k, v) values ('a', 3) on conflict (k) do nothing")
    assert rows(s, "select k, v from kv") == [("a", 2)]


def test_truncate_restart_identity(s):
    s.execute("create table tr (id int generated by default as identity, x int)")
    s.execute("insert into tr (x) values (1), (2)")
    s.execute("truncate table tr restart identity")
    assert rows(s, "select count(*) from tr") == [(0,)]
    assert rows(s, "insert into tr (x) values (3) returning id") == [(1,)]


def test_add_primary_key_then_duplicate(s):
    s.execute("create table p (id int not null, v text)")
    s.execute("create index p_v on p (v)")
    s.execute("insert into p values (1, 'a'), (2, 'b')")
    s.execute("alter table p add primary key (id)")
    assert sqlstate(s, "insert into p values (1, 'c')") == "23505"
    assert rows(s, "select indexname from pg_indexes where tablename = 'p' order by 1") == [
        ("p_pkey",),
        ("p_v",),
    ]
    s.execute("create table q (id int)")
    s.execute("insert into q values (1), (1)")
    assert sqlstate(s, "alter table q add primary key (id)") == "23505"


def test_add_unique_constraint(s):
    s.execute("create table u (a int, b int)")
    s.execute("alter table u add constraint u_ab unique (a, b)")
    s.execute("insert into u values (1, 2)")
    assert sqlstate(s, "insert into u values (1, 2)") == "23505"


def test_functions_and_time(s):
    s.execute("set time zone 'Europe/Paris'")
    assert rows(s, "show timezone") == [("Europe/Paris",)]
    (r,) = rows(
        s,
        "select extract(epoch from timestamptz '2024-01-01 00:00:00+00'),"
        " date_trunc('month', timestamp '2024-03-15 10:11:12'), now() = now(),"
        " current_database(), current_schema(), version() like 'PostgreSQL%'",
    )
    assert r[0] == 1704067200
    assert r[1] == dt.datetime(2024, 3, 1)
    assert r[2:] == (True, "postgres", "public", True)
    (ts,) = rows(s, "select now()")[0]
    assert ts.utcoffset() == dt.timedelta(hours=1)
    assert rows(s, "select i from generate_series(1, 5, 2) as g(i)") == [(1,), (3,), (5,)]
    assert rows(s, 'select \'{"a": 1, "b": 2}\'::jsonb @> \'{"a": 1}\'') == [(True,)]


# --- errors ---------------------------------------------------------------------------------


def test_error_sqlstates(s):
    s.execute("create table e1 (id int primary key, v int not null, c int check (c > 0))")
    s.execute("insert into e1 values (1, 1, 1)")
    assert sqlstate(s, "insert into e1 values (1, 1, 1)") == "23505"
    assert sqlstate(s, "insert into e1 values (2, null, 1)") == "23502"
    assert sqlstate(s, "insert into e1 values (3, 1, -1)") == "23514"
    assert sqlstate(s, "select * from missing") == "42P01"
    assert sqlstate(s, "select nope from e1") == "42703"
    assert sqlstate(s, "selec 1") == "42601"
    assert sqlstate(s, "select 1/0") == "22012"
    assert sqlstate(s, "select 'abc'::int") == "22P02"
    assert sqlstate(s, "create table e1 (x int)") == "42P07"
    assert sqlstate(s, "create database other") == "0A000"


def test_foreign_keys_enforced(db):
    conn = _connect(db)
    conn.execute("PRAGMA foreign_keys=ON")
    s = Session(conn)
    s.execute("create table par (id int primary key)")
    s.execute("create table chi (p int references par(id))")
    assert sqlstate(s, "insert into chi values (7)") == "23503"


def test_read_only_session(db):
    Session(_connect(db)).execute("create table r (x int)")
    ro = Session(_connect(db), read_only=True)
    assert sqlstate(ro, "insert into r values (1)") == "25006"
    assert sqlstate(ro, "create table r2 (x int)") == "25006"
    assert rows(ro, "select count(*) from r") == [(0,)]


def test_unexpected_exception_is_one_line_xx000(s, monkeypatch):
    monkeypatch.setattr(s, "_plan", lambda *a, **k: (_ for _ in ()).throw(KeyError("boom")))
    with pytest.raises(SqlError) as e:
        s.execute("select 1")
    assert e.value.sqlstate == "XX000" and "\n" not in e.value.message


def test_busy_is_serialization_failure(db):
    class StaleSnapshot(Exception):
        pass

    s = Session(_connect(db), serialization_errors=(StaleSnapshot,))
    s.execute("create table z (x int)")
    s.conn.create_scalar_function("stale", lambda: (_ for _ in ()).throw(StaleSnapshot()))
    assert sqlstate(s, "select stale()") == "40001"
    other = _connect(db)
    other.execute("BEGIN EXCLUSIVE")
    assert sqlstate(s, "insert into z values (1)") == "40001"
    other.execute("ROLLBACK")


# --- transactions -----------------------------------------------------------------------------


def test_transaction_status_and_aborted_block(s):
    s.execute("create table tx (x int primary key)")
    assert s.transaction_status == "I"
    s.execute("begin isolation level repeatable read")
    assert s.transaction_status == "T"
    assert rows(s, "show transaction isolation level") == [("repeatable read",)]
    s.execute("insert into tx values (1)")
    with pytest.raises(SqlError):
        s.execute("insert into tx values (1)")
    assert s.transaction_status == "E"
    assert sqlstate(s, "select 1") == "25P02"
    assert s.execute("commit").tag == "ROLLBACK"
    assert s.transaction_status == "I"
    assert rows(s, "select count(*) from tx") == [(0,)]


def test_savepoints(s):
    s.execute("create table sp (x int primary key)")
    s.execute("start transaction")
    s.execute("insert into sp values (1)")
    s.execute("savepoint a")
    with pytest.raises(SqlError):
        s.execute("insert into sp values (1)")
    assert s.transaction_status == "E"
    s.execute("rollback to savepoint a")
    assert s.transaction_status == "T"
    s.execute("insert into sp values (2)")
    s.execute("release savepoint a")
    s.execute("end")
    assert rows(s, "select x from sp order by x") == [(1,), (2,)]
    assert sqlstate(s, "savepoint b") == "25P01"


def test_error_outside_block_stays_idle(s):
    assert sqlstate(s, "select * from nope") == "42P01"
    assert s.transaction_status == "I"


def test_settings(s):
    s.execute("set application_name = 'app'")
    s.execute("SET search_path TO public")
    assert s.parameter_status()["application_name"] == "app"
    assert rows(s, "show search_path") == [("public",)]
    assert rows(s, "select current_setting('application_name')") == [("app",)]
    s.execute("reset application_name")
    assert s.parameter_status()["application_name"] == ""
    assert s.parameter_status()["server_version"].startswith("15")


def test_database_hooks(db):
    made: list[str] = []
    s = Session(_connect(db), create_database=made.append, drop_database=made.remove)
    s.execute("create database other")
    assert made == ["other"]
    s.execute("drop database other")
    assert made == []
    s.execute("begin")
    assert sqlstate(s, "create database x") == "25001"


def test_cancel_interrupts_statement(s):
    s.execute("create table big (x int)")
    timer = threading.Timer(0.2, s.cancel)
    timer.start()
    start = time.monotonic()
    assert sqlstate(s, "select count(*) from generate_series(1, 100000000) as g(i)") == "57014"
    assert time.monotonic() - start < 5


def test_statement_timeout(s):
    s.execute("set statement_timeout = 100")
    with pytest.raises(SqlError) as e:
        s.execute("select count(*) from generate_series(1, 100000000) as g(i)")
    assert e.value.sqlstate == "57014" and "timeout" in e.value.message


# --- COPY ----------------------------------------------------------------------------------


def test_copy_in_text_and_csv_and_out(s):
    s.execute("create table cp (id int, name text, amount numeric, ok boolean)")
    r = s.execute("copy cp (id, name, amount, ok) from stdin")
    assert isinstance(r.copy, CopyIn) and r.copy.delimiter == "\t" and r.copy.null == "\\N"
    assert s.copy_rows(r.copy, [["1", "a", "1.10", "t"], ["2", None, "2", "f"]]) == 2
    r = s.execute("COPY cp FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')")
    assert (r.copy.format, r.copy.header, r.copy.delimiter) == ("csv", True, ";")
    r = s.execute("copy cp from stdin with csv header")
    assert (r.copy.format, r.copy.header, r.copy.null) == ("csv", True, "")
    s.copy_rows(r.copy, [["3", "c", "3.5", "true"]])
    out = s.execute("copy (select id, amount, ok from cp order by id) to stdout")
    assert isinstance(out.copy, CopyOut)
    assert out.copy.rows == [
        (1, Decimal("1.1"), True),
        (2, Decimal(2), False),
        (3, Decimal("3.5"), True),
    ]
    assert s.execute("copy cp to stdout with (format csv)").copy.format == "csv"


def test_copy_bad_field(s):
    s.execute("create table cb (id int)")
    r = s.execute("copy cb from stdin")
    with pytest.raises(SqlError) as e:
        s.copy_rows(r.copy, [["x"]])
    assert e.value.sqlstate == "22P02"


# --- cache, split, prepare -------------------------------------------------------------------


def test_literal_normalised_cache_hits(s):
    s.execute(
        "create table pgbench_accounts (aid int primary key, bid int, abalance int, filler char(84))"
    )
    s.execute("insert into pgbench_accounts values (1, 1, 0, ''), (2, 1, 0, '')")
    s.execute("UPDATE pgbench_accounts SET abalance = abalance + -4752 WHERE aid = 1;")
    before = dict(s.stats)
    s.execute("UPDATE pgbench_accounts SET abalance = abalance + 11 WHERE aid = 2;")
    assert rows(s, "SELECT abalance FROM pgbench_accounts WHERE aid = 2;") == [(11,)]
    assert rows(s, "SELECT abalance FROM pgbench_accounts WHERE aid = 1;") == [(-4752,)]
    assert s.stats["hits"] == before["hits"] + 2
    assert rows(s, "select aid, bid from pgbench_accounts order by 1 desc") == [(2, 1), (1, 1)]
    assert rows(s, "select aid, bid from pgbench_accounts order by 2, 1") == [(1, 1), (2, 1)]


def test_normalize_keeps_ordinals_and_typmods():
    key, lits = normalize(
        "select a::numeric(10,2), 'x' from t where b = 5 order by 1, 2 limit 3", 1
    )
    assert "numeric(10,2)" in key and "order by 1, 2" in key
    assert lits == [("s", "'x'"), ("n", "5"), ("n", "3")]
    assert normalize("create table t (a int)", 1) is None


def test_split():
    assert split("select 1; select ';' ; -- x;\n") == ["select 1", " select ';' "]
    assert split("  ") == []
    assert split("select $$a;b$$; select 2") == ["select $$a;b$$", " select 2"]


@given(st.text(alphabet="ab eE;\n\t-/*'\"$\\1", max_size=40))
def test_split_fast_path_agrees_with_the_scan(text: str) -> None:
    # A text with no quote, comment or dollar quote is cut at every ";" without the scan.
    assert split(text) == lexer._split_scanned(text)


def test_prepare_infers_parameter_and_result_types(s):
    s.execute("create table pt (id bigint primary key, name text, price numeric(8,2), ok boolean)")
    p = s.prepare("select id, name from pt where id = $1 and price > $2", [0, 0])
    assert p.param_oids == [20, 1700]
    assert [(c.name, c.type_oid) for c in p.columns] == [("id", 20), ("name", 25)]
    p = s.prepare("insert into pt (id, name, price, ok) values ($1, $2, $3, $4) returning id", [])
    assert p.param_oids == [20, 25, 1700, 16]
    assert [c.type_oid for c in p.columns] == [20]
    assert rows(s, "select count(*) from pt") == [(0,)]
    p = s.prepare("select $1::int + 1 as x, $2", [0, 0])
    assert p.param_oids == [23, 25]
    assert s.prepare("update pt set name = $1 where id = $2", []).columns is None


def test_found_with_real_clients(s):
    # psycopg's hstore probe: an unknown type must not resolve to text.
    assert rows(s, "select to_regtype('hstore') is null, to_regtype('int4') = 23") == [(True, True)]
    s.execute("create table v (id serial primary key, at timestamptz default now())")
    s.execute("insert into v (id) values (1)")
    assert rows(s, "select count(*) from v where at > now() - interval '1 hour'") == [(1,)]
    assert rows(s, "select to_char(timestamp '2024-05-06 07:08:09', 'YYYY-MM-DD HH24:MI')") == [
        ("2024-05-06 07:08",)
    ]
    # SQLAlchemy splits int2vector text on spaces.
    s.execute("create index v_at on v (at)")
    assert rows(
        s, "select indoption from pg_index where indrelid = 'v'::regclass and not indisprimary"
    ) == [("0",)]
    assert rows(s, "select current_setting('default_table_access_method')") == [("heap",)]


def test_public_schema_casts_and_concurrent_index(s):
    s.execute("create table public.q (id int, v text) with (fillfactor=90)")
    s.execute("create index concurrently if not exists q_v on public.q using btree (v)")
    s.execute("insert into public.q values (1, 'a')")
    assert rows(s, "select id::text, '5'::int + 1, v::varchar from public.q") == [("1", 6, "a")]
    assert rows(s, "select pg_catalog.count(*) from q") == [(1,)]
    assert sqlstate(s, "select * from other.q") == "3F000"
    assert rows(s, "select E'a\\nb', E'it\\'s'") == [("a\nb", "it's")]


def test_information_schema(s):
    s.execute("create table info (id serial primary key, name varchar(10) not null)")
    assert rows(
        s,
        "select column_name, data_type, is_nullable, character_maximum_length"
        " from information_schema.columns where table_name = 'info' order by ordinal_position",
    ) == [("id", "integer", "NO", None), ("name", "character varying", "NO", 10)]
    assert rows(s, "select table_name from information_schema.tables") == [("info",)]


def test_numeric_overflow_is_22003_not_an_internal_error(s):
    assert sqlstate(s, "select 99999999999999999999999::int") == "22003"
    assert sqlstate(s, "select (-9223372036854775808)::bigint / -1") == "22003"
    assert s.transaction_status == "I"


def test_integer_ranges_and_string_lengths_are_enforced(s):
    s.execute("create table r (a int, b smallint, v varchar(3), c char(2), big bigint)")
    s.execute("insert into r (a, b, v, c) values (2147483647, -32768, 'abc', 'xy')")
    assert sqlstate(s, "insert into r (a) values (2147483648)") == "22003"
    assert sqlstate(s, "insert into r (b) values (70000)") == "22003"
    assert sqlstate(s, "update r set a = a + 1") == "22003"
    assert sqlstate(s, "insert into r (v) values ('abcd')") == "22001"
    assert sqlstate(s, "insert into r (c) values ('xyz')") == "22001"
    s.execute("insert into r (big) values (9223372036854775807)")
    assert s.execute("select count(*) from r").rows == [(2,)]
    # the checks are the types' own: psql's \\d and SQLAlchemy do not see them as constraints
    assert s.execute("select count(*) from pg_constraint where conrelid = 'r'::regclass").rows == [(0,)]


def test_a_literal_keeps_its_own_type_whatever_ran_before(s):
    """1.5 and 1 share a normalised text but not a type; nor does a literal text share the
    plan of the prepared statement it normalises to."""
    assert rows(s, "SELECT 1.5") == [(Decimal("1.5"),)]
    assert rows(s, "SELECT 1") == [(1,)] and type(rows(s, "SELECT 1")[0][0]) is int
    assert rows(s, "SELECT 'a'") == [("a",)]
    s.execute("CREATE TABLE kv (id int PRIMARY KEY, v text)")
    s.execute("INSERT INTO kv VALUES (1, 'x')")
    assert rows(s, "SELECT v FROM kv WHERE id = $1", 1) == [("x",)]
    assert rows(s, "SELECT v FROM kv WHERE id = 1") == [("x",)]
    assert rows(s, "SELECT v FROM kv WHERE id = $1", 1) == [("x",)]


def test_dropping_a_default_keeps_the_values_older_rows_had(s):
    s.execute("CREATE TABLE t (id int PRIMARY KEY)")
    s.execute("INSERT INTO t VALUES (1)")
    s.execute("ALTER TABLE t ADD COLUMN d int DEFAULT 7")
    s.execute("ALTER TABLE t ALTER COLUMN d DROP DEFAULT")
    s.execute("INSERT INTO t VALUES (2)")
    s.execute("ALTER TABLE t ADD COLUMN e text DEFAULT 'x'")
    s.execute("ALTER TABLE t ALTER COLUMN e SET DEFAULT 'y'")
    assert rows(s, "SELECT id, d, e FROM t ORDER BY id") == [(1, 7, "x"), (2, None, "x")]


def test_date_arithmetic_moves_by_days(s):
    s.execute("CREATE TABLE d (a date, b date)")
    s.execute("INSERT INTO d VALUES ('2020-01-05', '2020-01-01')")
    assert rows(s, "SELECT a - b, a - 1, a + 3, 3 + a FROM d") == [
        (4, dt.date(2020, 1, 4), dt.date(2020, 1, 8), dt.date(2020, 1, 8))]
    s.execute("UPDATE d SET a = a + 30")
    assert rows(s, "SELECT a FROM d") == [(dt.date(2020, 2, 4),)]


def test_current_setting_of_null_is_null(s):
    """current_setting(NULL) was an internal error (an AttributeError); PostgreSQL's function
    is strict: NULL for a NULL argument."""
    assert rows(s, "select current_setting(NULL), current_setting(NULL, true), "
                   "current_setting('TimeZone', NULL)") == [(None, None, None)]
    assert rows(s, "select current_setting('application_name', true)") == [("",)]


def test_set_config_takes_text_and_a_null_value_resets(s):
    """set_config(-1, 'off', false) and set_config(NULL, 'x', false) were internal errors (an
    AttributeError), and set_config('work_mem', NULL, false) set work_mem to 'None'."""
    with pytest.raises(SqlError) as e:
        s.execute("select set_config(-1, 'off', false)")
    assert (e.value.sqlstate, e.value.message) == (
        "42883", "function set_config(integer, unknown, boolean) does not exist")
    assert sqlstate(s, "select set_config('jit', 1.5, false)") == "42883"
    with pytest.raises(SqlError) as e:
        s.execute("select set_config(NULL, 'x', false)")
    assert (e.value.sqlstate, e.value.message) == ("22004", "SET requires parameter name")
    assert rows(s, "select set_config('work_mem', '8MB', false)") == [("8MB",)]
    assert rows(s, "select set_config('work_mem', NULL, false)") == [("4MB",)]
    assert rows(s, "show work_mem") == [("4MB",)]


def test_current_setting_of_a_number_does_not_exist(s):
    """current_setting(0) was an internal error (an AttributeError)."""
    assert sqlstate(s, "select current_setting(0)") == "42883"
    assert sqlstate(s, "select current_setting(1.5, true)") == "42883"
