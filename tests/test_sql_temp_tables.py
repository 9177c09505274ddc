"""TEMP tables as PostgreSQL has them: private to their session, gone with it, ahead of the
permanent relations in name lookup; in-process on two sessions of one database file, and
once end to end on a real writer and reader."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import apsw
import psycopg
import pytest
from instance_support import Cluster, cluster_fixture  # noqa: F401  (the fixture)

from aurora.engine.sql import Session
from aurora.engine.sqlapi import CopyIn, SqlError


def _session(path: Path, **kw: object) -> Session:
    conn = apsw.Connection(str(path))
    conn.execute("PRAGMA journal_mode=MEMORY")
    return Session(conn, **kw)  # type: ignore[arg-type]


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Session, Session]]:
    """Two sessions on one database file, as two clients of one instance."""
    a, b = _session(tmp_path / "postgres.db"), _session(tmp_path / "postgres.db")
    yield a, b
    a.close()
    b.close()


def rows(s: Session, sql: str, *params: object) -> list[tuple]:
    return s.execute(sql, params).rows


def sqlstate(s: Session, sql: str, *params: object) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql, params)
    return e.value.sqlstate


def test_a_temp_table_is_its_sessions_own(two):
    a, b = two
    a.execute("create temp table t2 (a int)")
    a.execute("insert into t2 values (1)")
    assert sqlstate(b, "select * from t2") == "42P01"
    b.execute("create temporary table t2 (a text)")  # the same name, no clash
    b.execute("insert into t2 values ('b')")
    assert rows(a, "select * from t2") == [(1,)]
    assert rows(b, "select * from t2") == [("b",)]
    assert sqlstate(a, "create temp table t2 (x int)") == "42P07"
    # nothing of it is in the database file
    assert a.conn.execute("select count(*) from main.sqlite_schema where name = 't2'").fetchall() == [(0,)]
    assert a.conn.execute("select count(*) from main._aurora_columns where table_name = 't2'").fetchall() == [(0,)]


def test_a_temp_table_goes_with_its_session(tmp_path):
    a = _session(tmp_path / "postgres.db")
    a.execute("create temp table gone (a int primary key, b text default 'x')")
    a.execute("insert into gone values (1)")
    a.close()
    assert a.conn.execute(
        "select count(*) from temp.sqlite_schema where name = 'gone'").fetchall() == [(0,)]
    c = _session(tmp_path / "postgres.db")
    assert sqlstate(c, "select * from gone") == "42P01"
    c.execute("create temp table gone (z int)")
    assert rows(c, "select * from gone") == []


def test_temp_shadows_permanent_and_drop_takes_the_temp_one_first(two):
    a, b = two
    a.execute("create table temptest (col int)")
    a.execute("create index i_temptest on temptest (col)")
    a.execute("insert into temptest values (1)")
    assert rows(a, "select * from temptest") == [(1,)]  # cached: the permanent table
    a.execute("create temp table temptest (tcol float)")
    a.execute("create index i_temptest on temptest (tcol)")
    a.execute("insert into temptest values (2.1)")
    r = a.execute("select * from temptest")
    assert r.rows == [(2.1,)] and [c.name for c in r.columns] == ["tcol"]
    assert r.columns[0].type_oid == 701
    assert rows(a, "select * from pg_temp.temptest") == [(2.1,)]
    r = a.execute("select * from public.temptest")
    assert r.rows == [(1,)] and [(c.name, c.type_oid) for c in r.columns] == [("col", 23)]
    assert a.execute("insert into public.temptest values (5) returning *").rows == [(5,)]
    a.execute("delete from public.temptest where col = 5")
    assert sqlstate(a, "select * from public.temptest, temptest") == "0A000"
    assert rows(b, "select * from temptest") == [(1,)]
    a.execute("drop index i_temptest")  # the temp table's
    a.execute("drop table temptest")
    r = a.execute("select * from temptest")
    assert r.rows == [(1,)] and [c.name for c in r.columns] == ["col"]
    a.execute("drop index i_temptest")
    a.execute("drop table temptest")
    assert sqlstate(a, "select * from temptest") == "42P01"
    a.execute("create table p1 (a int)")
    a.execute("create temp table t1 (a int)")
    assert sqlstate(a, "drop table t1, p1, nothere") == "42P01"  # all or nothing
    a.execute("drop table t1, p1")
    assert sqlstate(a, "select * from t1") == "42P01"
    assert sqlstate(a, "select * from p1") == "42P01"


def test_prepared_plans_follow_the_temp_table(two):
    a, _ = two
    a.execute("create table k (id int primary key, v text)")
    a.execute("insert into k values (1, 'perm')")
    assert rows(a, "select v from k where id = $1", 1) == [("perm",)]
    a.execute("create temp table k (id int primary key, v text)")
    a.execute("insert into k values (1, 'temp')")
    assert rows(a, "select v from k where id = $1", 1) == [("temp",)]
    assert rows(a, "select v from k where id = 1") == [("temp",)]
    a.execute("drop table k")
    assert rows(a, "select v from k where id = $1", 1) == [("perm",)]
    # a rolled-back CREATE TEMP leaves nothing behind, nor a plan that reads it, also when
    # it was the session's first temp relation (its temp catalog goes with it)
    b = _session(Path(a.conn.filename))
    b.execute("begin")
    b.execute("create temp table k (id int primary key, v text)")
    assert rows(b, "select v from k where id = $1", 1) == []
    b.execute("rollback")
    r = b.execute("select * from k where id = $1", (1,))
    assert r.rows == [(1, "perm")] and [c.name for c in r.columns] == ["id", "v"]
    b.execute("begin")
    assert sqlstate(b, "create temp table k2 (a int references nosuch)") == "42P01"
    b.execute("rollback")
    b.execute("create temp table k2 (a int)")
    assert rows(b, "select relname, relpersistence from pg_class where relname like 'k%' and relkind = 'r' "
                   "order by 1") == [("k", "p"), ("k2", "t")]
    b.close()
    a.execute("begin")
    a.execute("create temp table k (id int, v text)")
    assert rows(a, "select v from k where id = $1", 1) == []
    a.execute("rollback")
    assert rows(a, "select v from k where id = $1", 1) == [("perm",)]


def test_declared_types_constraints_and_dml(two):
    a, b = two
    a.execute("create table p (id int primary key)")
    a.execute("insert into p values (1), (2)")
    a.execute(
        "create temp table t (id serial primary key, pid int references p, n numeric(5,2) "
        "default 1.5, x int check (x > 0), u varchar(3) unique, s bigserial)"
    )
    r = a.execute("insert into t (pid, x, u) values (1, 5, 'q') returning *")
    assert r.rows == [(1, 1, Decimal("1.50"), 5, "q", 1)]
    assert [c.type_oid for c in r.columns] == [23, 23, 1700, 23, 1043, 20]
    r = a.execute("select * from t")
    assert [c.type_oid for c in r.columns] == [23, 23, 1700, 23, 1043, 20]
    assert sqlstate(a, "insert into t (pid, x, u) values (3, 5, 'r')") == "23503"
    assert sqlstate(a, "insert into t (pid, x, u) values (1, -1, 'r')") == "23514"
    assert sqlstate(a, "insert into t (pid, x, u) values (1, 1, 'q')") == "23505"
    assert sqlstate(a, "insert into t (pid, x, u) values (1, 1, 'long')") == "22001"
    assert rows(a, "insert into t (pid, x, u) values (2, 7, 'q') on conflict (u) do update "
                   "set x = excluded.x returning id, x") == [(1, 7)]
    assert a.execute("update t set pid = 2 where id = 1").tag == "UPDATE 1"
    assert sqlstate(a, "delete from p where id = 2") == "23503"
    assert a.execute("delete from p where id = 1").tag == "DELETE 1"
    assert sqlstate(a, "create table perm (a int references t)") == "42P16"
    a.execute("alter table t add column y numeric(4,1) default 2")
    assert rows(a, "select id, y from t") == [(1, Decimal("2.0"))]
    a.execute("create index on t (x)")
    a.execute("truncate t restart identity")
    assert rows(a, "select count(*) from t") == [(0,)]
    assert rows(a, "insert into t (pid, x) values (2, 1) returning id, s") == [(1, 1)]
    # the other session's catalog and the file's know nothing of it
    assert b.catalog.table_columns("t") is None
    for table in ("_aurora_columns", "_aurora_constraints"):
        assert a.conn.execute(
            f"select count(*) from main.{table} where table_name = 't'").fetchall() == [(0,)]
    assert a.conn.execute("select count(*) from main._aurora_sequences").fetchall() == [(0,)]


def test_copy_in_and_out_of_a_temp_table(two):
    a, _ = two
    a.execute("create temp table c (a int, b numeric(4,1), t text)")
    res = a.execute("copy c from stdin")
    assert isinstance(res.copy, CopyIn)
    assert a.copy_rows(res.copy, [["1", "2.25", "x"], ["2", None, "y"]]) == 2
    out = a.execute("copy c to stdout")
    assert out.copy.rows == [(1, Decimal("2.3"), "x"), (2, None, "y")]


def test_on_commit_delete_rows_and_drop(two):
    a, _ = two
    a.execute("create temp table d (col int) on commit delete rows")
    a.execute("begin")
    a.execute("insert into d values (1), (2)")
    assert rows(a, "select * from d") == [(1,), (2,)]
    a.execute("commit")
    assert rows(a, "select * from d") == []
    a.execute("insert into d values (3)")  # its own transaction, emptied at its commit
    assert rows(a, "select * from d") == []
    a.execute("begin")
    a.execute("create temp table dd (col) on commit drop as select 1")
    assert rows(a, "select * from dd") == [(1,)]
    a.execute("commit")
    assert sqlstate(a, "select * from dd") == "42P01"
    a.execute("begin")
    a.execute("create temp table gone (col int) on commit delete rows")
    a.execute("rollback")
    a.execute("create temp table gone (col int)")  # rolled back: no action left for it
    a.execute("insert into gone values (1)")
    assert rows(a, "select * from gone") == [(1,)]
    a.execute("begin")
    a.execute("create temp table pr (col int) on commit preserve rows")
    a.execute("insert into pr values (1)")
    a.execute("commit")
    assert rows(a, "select * from pr") == [(1,)]
    assert sqlstate(a, "create table np (col int) on commit delete rows") == "42P16"
    a.execute("begin")
    a.execute("create temp table t3 (col int primary key) on commit delete rows")
    a.execute("create temp table t4 (col int references t3)")
    assert sqlstate(a, "commit") == "0A000"  # and the block is rolled back
    assert sqlstate(a, "select * from t3") == "42P01"


def test_on_commit_of_a_partitioned_temp_table(two):
    a, _ = two
    a.execute("begin")
    a.execute("create temp table pt (a int) partition by list (a) on commit delete rows")
    a.execute("create temp table pt1 partition of pt for values in (1) on commit preserve rows")
    a.execute("create temp table pt2 partition of pt for values in (2) on commit drop")
    a.execute("insert into pt values (1), (2)")
    a.execute("commit")
    assert rows(a, "select * from pt") == [(1,)]  # pt's own setting counts for nothing
    assert rows(a, "select relname from pg_class where relname like 'pt%' order by 1") == [
        ("pt",), ("pt1",)]
    a.execute("begin")
    a.execute("create temp table pt3 partition of pt for values in (3) on commit delete rows")
    a.execute("insert into pg_temp.pt values (3)")
    a.execute("commit")
    assert rows(a, "select * from pt order by a") == [(1,)]


def test_catalogs_show_temp_tables_to_their_session_only(two):
    a, b = two
    a.execute("create temp table cat (id int primary key, v text)")
    r = rows(a, "select c.relpersistence, n.nspname like 'pg_temp_%' from pg_class c "
                "join pg_namespace n on n.oid = c.relnamespace where c.relname = 'cat'")
    assert r == [("t", True)]
    assert rows(a, "select schemaname like 'pg_temp_%' from pg_tables where tablename = 'cat'") == [(True,)]
    assert rows(a, "select table_schema like 'pg_temp_%' from information_schema.tables "
                   "where table_name = 'cat'") == [(True,)]
    assert rows(a, "select attname from pg_attribute a join pg_class c on c.oid = a.attrelid "
                   "where c.relname = 'cat' and attnum > 0 order by attnum") == [("id",), ("v",)]
    assert rows(a, "select pg_table_is_visible('cat'::regclass), 'cat'::regclass::oid = "
                   "(select oid from pg_class where relname = 'cat')") == [(True, True)]
    assert rows(b, "select count(*) from pg_class where relname = 'cat'") == [(0,)]
    assert rows(b, "select count(*) from information_schema.tables where table_name = 'cat'") == [(0,)]
    a.execute("drop table cat")
    assert rows(a, "select count(*) from pg_class where relname = 'cat'") == [(0,)]


def test_temp_views_and_sequences(two):
    a, b = two
    notices: list[SqlError] = []
    a.set_notice_handler(notices.append)
    a.execute("create temp table base (a int)")
    a.execute("insert into base values (4)")
    a.execute("create view v as select a * 2 as d from base")
    assert [n.message for n in notices] == ['view "v" will be a temporary view']
    assert rows(a, "select * from v") == [(8,)]
    assert sqlstate(b, "select * from v") == "42P01"
    assert sqlstate(a, "drop table base") == "2BP01"
    a.execute("create temp view tv as select 1 as one")
    assert rows(a, "select * from tv") == [(1,)]
    assert rows(a, "select count(*) from pg_class where relname = 'sq'") == [(0,)]
    a.execute("create temp sequence sq")
    assert rows(a, "select nextval('sq'), nextval('sq')") == [(1, 2)]
    assert rows(a, "select relpersistence from pg_class where relname = 'sq' and relkind = 'S'") == [("t",)]
    assert rows(a, "select schemaname like 'pg_temp_%' from pg_sequences where sequencename = 'sq'") == [(True,)]
    assert rows(b, "select count(*) from pg_class where relname = 'sq'") == [(0,)]
    assert sqlstate(b, "select nextval('sq')") == "42P01"
    a.execute("discard temp")
    assert sqlstate(a, "select * from base") == "42P01"
    assert sqlstate(a, "select nextval('sq')") == "42P01"


def test_create_temp_as_select_into_and_prepare_transaction(two):
    a, b = two
    r = a.execute("create temp table ctas as select 1::int as a, 'x'::text as b")
    assert r.tag == "SELECT 1"
    r = a.execute("select * from ctas")
    assert r.rows == [(1, "x")] and [c.type_oid for c in r.columns] == [23, 25]
    a.execute("create table src (a int, b text)")
    a.execute("insert into src values (1, 'a'), (2, 'b'), (3, 'c')")
    assert a.execute("select a, b into temp picked from src where a > 1").tag == "SELECT 2"
    assert rows(a, "select * from picked order by a") == [(2, "b"), (3, "c")]
    assert sqlstate(b, "select * from picked") == "42P01"
    a.execute("begin")
    a.execute("insert into ctas values (2, 'y')")
    assert sqlstate(a, "prepare transaction 'p'") == "0A000"
    assert a.transaction_status == "I"
    assert rows(a, "select count(*) from ctas") == [(1,)]


def test_search_path_places_pg_temp(two):
    a, _ = two
    a.execute("create table public.whereami (f1 text)")
    a.execute("insert into public.whereami values ('public')")
    a.execute("create temp table whereami (f1 text)")
    a.execute("insert into whereami values ('temp')")
    assert rows(a, "select * from whereami") == [("temp",)]
    a.execute("set search_path = pg_temp, public")
    assert rows(a, "select * from whereami") == [("temp",)]
    a.execute("set search_path = public, pg_temp")
    assert rows(a, "select * from whereami") == [("public",)]
    assert rows(a, "select * from pg_temp.whereami") == [("temp",)]
    a.execute("reset search_path")
    assert rows(a, "select * from whereami") == [("temp",)]
    a.execute("drop table public.whereami")
    assert rows(a, "select * from whereami") == [("temp",)]


def test_a_read_only_block_writes_temp_tables_only(two):
    a, _ = two
    a.execute("create table perm (a int)")
    a.execute("create temp table scratch (a int)")
    a.execute("begin read only")
    assert a.execute("insert into scratch values (1)").tag == "INSERT 0 1"
    assert a.execute("delete from scratch").tag == "DELETE 1"
    res = a.execute("copy scratch from stdin")
    assert a.copy_rows(res.copy, [["5"]]) == 1
    assert sqlstate(a, "insert into perm values (1)") == "25006"
    a.execute("rollback")
    a.execute("begin read only")
    assert sqlstate(a, "copy perm from stdin") == "25006"
    a.execute("rollback")
    a.execute("begin read only")
    assert sqlstate(a, "create temp table t (a int)") == "25006"
    a.execute("rollback")


def test_inheritance_and_triggers_on_temp_tables(two):
    a, b = two
    a.execute("create temp table parent (a int)")
    a.execute("create temp table child (b text) inherits (parent)")
    a.execute("insert into parent values (1)")
    a.execute("insert into child values (2, 'x')")
    assert rows(a, "select a from parent order by a") == [(1,), (2,)]
    a.execute("create table log (msg text)")
    a.execute("create function note() returns trigger language plpgsql as $$ begin "
              "insert into log values ('saw ' || new.a); return new; end $$")
    a.execute("create trigger t_note before insert on parent for each row execute function note()")
    a.execute("insert into parent values (3)")
    assert rows(a, "select msg from log") == [("saw 3",)]
    b.execute("create table parent (a int)")  # the other session's own, without the trigger
    b.execute("insert into parent values (9)")
    assert rows(a, "select msg from log") == [("saw 3",)]
    a.execute("drop trigger t_note on parent")
    a.execute("drop table child")
    a.execute("drop table parent")
    assert rows(a, "select a from parent") == [(9,)]


def test_temp_writes_take_no_lock_on_the_database(two):
    a, b = two
    a.execute("create table perm (x int)")
    b.execute("create temp table scratch (x int)")
    a.execute("begin")
    a.execute("insert into perm values (1)")  # a holds the database's write lock
    for sql in ("insert into scratch values (1)", "update scratch set x = 2",
                "delete from scratch", "create temp table s2 (y int)", "drop table s2",
                "truncate scratch", "alter table scratch add column z int",
                "create index on scratch (x)"):
        b.execute(sql)  # no SQLite BUSY: nothing of it goes to the database file
    a.execute("commit")


def test_a_reader_refuses_temp_ddl(tmp_path):
    _session(tmp_path / "postgres.db").close()  # the catalog tables
    r = _session(tmp_path / "postgres.db", read_only=True)
    assert sqlstate(r, "create temp table t (a int)") == "25006"
    r.close()


def test_two_clients_of_a_writer(cluster: Cluster) -> None:
    with psycopg.connect(cluster.dsn(), autocommit=True) as one, \
            psycopg.connect(cluster.dsn(), autocommit=True) as two:
        one.execute("create temp table e2e (id serial primary key, v numeric(6,2))")
        one.execute("insert into e2e (v) values (1.5), (2.25)")
        with pytest.raises(psycopg.errors.UndefinedTable):
            two.execute("select * from e2e")
        two.execute("create temp table e2e (other text)")
        two.execute("insert into e2e values ('mine')")
        assert one.execute("select v from e2e order by id").fetchall() == [
            (Decimal("1.50"),), (Decimal("2.25"),)]
        assert two.execute("select * from e2e").fetchall() == [("mine",)]
        assert one.execute("select count(*) from pg_tables where tablename = 'e2e'").fetchone() == (1,)
    with psycopg.connect(cluster.dsn(), autocommit=True) as three:  # both ended: both gone
        with pytest.raises(psycopg.errors.UndefinedTable):
            three.execute("select * from e2e")
        assert three.execute("select count(*) from pg_class where relname = 'e2e'").fetchone() == (0,)
    with psycopg.connect(cluster.dsn(cluster.reader), autocommit=True) as reader, \
            pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        reader.execute("create temp table r (a int)")
