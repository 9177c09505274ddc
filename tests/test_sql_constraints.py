"""Foreign keys, named constraints and ALTER TABLE on the SQL engine, in-process on real APSW
files: what is enforced must be what the catalog says, with PostgreSQL's SQLSTATEs, messages
and constraint names."""

from __future__ import annotations

import apsw
import pytest

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


def rows(s: Session, sql: str) -> list[tuple]:
    return s.execute(sql).rows


def error(s: Session, sql: str) -> SqlError:
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    return e.value


def run(s: Session, *sqls: str) -> None:
    for sql in sqls:
        s.execute(sql)


@pytest.fixture
def family(s):
    run(
        s,
        "create table parent (id int primary key, code text unique)",
        "create table child (id int primary key, pid int references parent(id), note text)",
        "insert into parent values (1, 'a'), (2, 'b')",
    )
    return s


# --- enforcement ----------------------------------------------------------------------------


def test_insert_without_parent_is_23503_with_name_and_key(family):
    e = error(family, "insert into child values (1, 42, 'x')")
    assert e.sqlstate == "23503"
    assert str(e) == (
        'insert or update on table "child" violates foreign key constraint "child_pid_fkey"'
    )
    assert e.detail == 'Key (pid)=(42) is not present in table "parent".'
    assert rows(family, "select count(*) from child") == [(0,)]


def test_null_key_and_existing_parent_pass(family):
    run(family, "insert into child values (1, 1, 'x'), (2, null, 'y')")
    assert rows(family, "select id from child order by id") == [(1,), (2,)]


def test_update_child_to_missing_parent_and_parent_delete_no_action(family):
    run(family, "insert into child values (1, 1, 'x')")
    assert error(family, "update child set pid = 9 where id = 1").sqlstate == "23503"
    e = error(family, "delete from parent where id = 1")
    assert e.sqlstate == "23503"
    assert str(e) == (
        'update or delete on table "parent" violates foreign key constraint "child_pid_fkey" '
        'on table "child"'
    )
    assert e.detail == 'Key (id)=(1) is still referenced from table "child".'
    assert error(family, "update parent set id = 5 where id = 1").sqlstate == "23503"
    # A parent nobody references goes.
    run(family, "delete from parent where id = 2")
    # Updating a child's other columns does not check the key again.
    run(family, "update child set note = 'y' where id = 1")


@pytest.mark.parametrize(
    "action, after_delete, after_update",
    [
        ("cascade", [], [(1, 10)]),
        ("set null", [(1, None)], [(1, None)]),
        ("set default", [(1, 0)], [(1, 0)]),
    ],
)
def test_referential_actions(s, action, after_delete, after_update):
    run(
        s,
        "create table p (id int primary key)",
        f"create table c (id int primary key, pid int default 0 references p on delete {action}"
        f" on update {action})",
        "insert into p values (0), (1)",
        "insert into c values (1, 1)",
        "update p set id = 10 where id = 1",
    )
    assert rows(s, "select id, pid from c") == after_update
    run(s, "delete from c", "delete from p where id <> 0", "insert into p values (1)")
    run(s, "insert into c values (1, 1)", "delete from p where id = 1")
    assert rows(s, "select id, pid from c") == after_delete


def test_set_default_to_a_missing_parent_fails(s):
    run(
        s,
        "create table p (id int primary key)",
        "create table c (id int primary key, pid int default 7 references p on delete set default)",
        "insert into p values (1)",
        "insert into c values (1, 1)",
    )
    e = error(s, "delete from p where id = 1")
    assert e.sqlstate == "23503" and 'Key (pid)=(7)' in (e.detail or "")
    assert rows(s, "select pid from c") == [(1,)]


def test_restrict_is_checked_even_when_deferred(s):
    run(
        s,
        "create table p (id int primary key)",
        "create table c (id int primary key, pid int references p on delete restrict"
        " deferrable initially deferred)",
        "insert into p values (1)",
        "insert into c values (1, 1)",
        "begin",
    )
    assert error(s, "delete from p").sqlstate == "23503"
    run(s, "rollback")


def test_cascade_through_several_levels_and_self_reference(s):
    run(
        s,
        "create table a (id int primary key)",
        "create table b (id int primary key, a_id int references a on delete cascade)",
        "create table c (id int primary key, b_id int references b on delete cascade)",
        "create table tree (id int primary key, parent int references tree on delete cascade)",
        "insert into a values (1), (2)",
        "insert into b values (10, 1), (20, 2)",
        "insert into c values (100, 10), (200, 20)",
        "insert into tree values (1, null), (2, 1), (3, 2), (4, 3), (5, null)",
        "delete from a where id = 1",
        "delete from tree where id = 1",
    )
    assert rows(s, "select id from b") == [(20,)]
    assert rows(s, "select id from c") == [(200,)]
    assert rows(s, "select id from tree") == [(5,)]


def test_deferred_constraint_checked_at_commit(s):
    run(
        s,
        "create table p (id int primary key)",
        "create table c (id int primary key, pid int, constraint c_p foreign key (pid)"
        " references p (id) deferrable initially deferred)",
        "begin",
        "insert into c values (1, 1)",  # no parent yet: fine until COMMIT
        "insert into p values (1)",
        "commit",
    )
    assert rows(s, "select pid from c") == [(1,)]
    run(s, "begin", "insert into c values (2, 2)")
    e = error(s, "commit")
    assert e.sqlstate == "23503" and '"c_p"' in str(e)
    assert s.transaction_status == "I"
    assert rows(s, "select id from c") == [(1,)]  # the whole transaction was rolled back
    # A parent deleted and put back inside the block is no violation.
    run(s, "begin", "delete from p where id = 1", "insert into p values (1)", "commit")


def test_set_constraints(s):
    run(
        s,
        "create table p (id int primary key)",
        "create table c (id int primary key, pid int, constraint c_p foreign key (pid)"
        " references p (id) deferrable initially immediate)",
        "create table d (id int primary key, pid int constraint d_p references p)",
        "begin",
    )
    assert error(s, "insert into c values (1, 1)").sqlstate == "23503"
    run(s, "rollback", "begin", "set constraints all deferred", "insert into c values (1, 1)")
    e = error(s, "set constraints all immediate")  # checks what was deferred at once
    assert e.sqlstate == "23503"
    run(s, "rollback", "begin", "set constraints c_p deferred", "insert into c values (1, 1)")
    run(s, "insert into p values (1)", "set constraints c_p immediate", "commit")
    run(s, "begin")
    assert error(s, "set constraints d_p deferred").sqlstate == "55000"
    run(s, "rollback", "begin")
    assert error(s, "set constraints nope deferred").sqlstate == "42704"
    run(s, "rollback")
    # Deferral ends with the transaction.
    run(s, "begin", "set constraints all deferred", "commit", "begin")
    assert error(s, "insert into c values (9, 9)").sqlstate == "23503"
    run(s, "rollback")


def test_alter_table_add_foreign_key_validates_and_is_enforced(s):
    run(
        s,
        "create table p (id int primary key, k int)",
        "create table c (id int primary key, pid int)",
        "insert into p values (1, 1)",
        "insert into c values (1, 1), (2, 3)",
    )
    e = error(
        s, 'alter table c add constraint "c_pid_fk_p_id" foreign key (pid) references p (id)'
        " deferrable initially deferred",
    )
    assert e.sqlstate == "23503" and e.detail == 'Key (pid)=(3) is not present in table "p".'
    run(
        s,
        "delete from c where id = 2",
        'alter table c add constraint "c_pid_fk_p_id" foreign key (pid) references p (id)'
        " deferrable initially deferred",
    )
    assert error(s, "insert into c values (3, 3)").sqlstate == "23503"
    assert rows(
        s,
        "select conname, contype, condeferrable, condeferred, pg_get_constraintdef(oid) "
        "from pg_constraint where contype = 'f'",
    ) == [
        (
            "c_pid_fk_p_id",
            "f",
            True,
            True,
            "FOREIGN KEY (pid) REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED",
        )
    ]
    assert error(s, "alter table c add foreign key (pid) references p (k)").sqlstate == "42830"
    assert error(s, "alter table c add foreign key (pid) references nope").sqlstate == "42P01"
    run(s, "alter table c drop constraint c_pid_fk_p_id", "insert into c values (3, 3)")
    assert rows(s, "select count(*) from pg_constraint where contype = 'f'") == [(0,)]


def test_drop_and_truncate_of_a_referenced_table(family):
    run(family, "insert into child values (1, 1, 'x')")
    assert error(family, "drop table parent").sqlstate == "2BP01"
    assert error(family, "truncate parent").sqlstate == "0A000"
    run(family, "truncate parent, child")
    assert rows(family, "select count(*) from child") == [(0,)]
    run(family, "insert into parent values (1, 'a')", "insert into child values (1, 1, 'x')")
    run(family, "truncate parent cascade")
    assert rows(family, "select count(*) from child") == [(0,)]
    run(family, "drop table parent cascade")  # drops the constraint, not the child
    run(family, "insert into child values (1, 99, 'x')")
    run(family, "create table parent (id int primary key)", "drop table child, parent")


def test_rename_table_and_column_keep_the_constraint(family):
    run(
        family,
        "alter table parent rename to mother",
        "alter table child rename column pid to mother_id",
        "insert into child values (1, 1, 'x')",
    )
    e = error(family, "insert into child values (2, 5, 'x')")
    assert e.detail == 'Key (mother_id)=(5) is not present in table "mother".'
    assert error(family, "delete from mother").sqlstate == "23503"
    run(family, "alter table child rename constraint child_pid_fkey to child_mother_fk")
    e = error(family, "insert into child values (2, 5, 'x')")
    assert '"child_mother_fk"' in str(e)


def test_constraint_errors_roll_back_the_statement_only_in_a_block(family):
    run(family, "begin", "insert into child values (1, 1, 'x')", "savepoint a")
    assert error(family, "insert into child values (2, 7, 'x')").sqlstate == "23503"
    run(family, "rollback to savepoint a", "commit")
    assert rows(family, "select id from child") == [(1,)]


# --- names ----------------------------------------------------------------------------------


def test_named_unique_constraint_keeps_its_name(s):
    run(
        s,
        "create table customers (id serial primary key, email text constraint uq_email unique,"
        " a int, b int, constraint uq_ab unique (a, b), c int unique)",
    )
    run(s, "insert into customers (email, a, b, c) values ('x', 1, 1, 1)")
    e = error(s, "insert into customers (email, a, b, c) values ('x', 2, 2, 2)")
    assert e.sqlstate == "23505" and '"uq_email"' in str(e)
    e = error(s, "insert into customers (email, a, b, c) values ('y', 1, 1, 3)")
    assert '"uq_ab"' in str(e)
    e = error(s, "insert into customers (email, a, b, c) values ('z', 3, 3, 1)")
    assert '"customers_c_key"' in str(e)
    e = error(s, "insert into customers (id, email) values (1, 'w')")
    assert '"customers_pkey"' in str(e)
    got = rows(
        s, "select conname, contype from pg_constraint where conrelid = 'customers'::regclass"
        " order by conname",
    )
    assert got == [
        ("customers_c_key", "u"),
        ("customers_pkey", "p"),
        ("uq_ab", "u"),
        ("uq_email", "u"),
    ]
    run(s, "alter table customers drop constraint uq_email")
    run(s, "insert into customers (email) values ('x')")


def test_check_constraints_named_as_postgresql_names_them(s):
    run(
        s,
        "create table t (a int check (a > 0), b int, c int, check (b > c), check (b > 0),"
        " constraint mine check (c < 100))",
    )
    assert rows(
        s, "select conname from pg_constraint where contype = 'c' order by conname"
    ) == [("mine",), ("t_a_check",), ("t_b_check",), ("t_check",)]
    e = error(s, "insert into t values (1, 1, 2)")
    assert e.sqlstate == "23514" and '"t_check"' in str(e)


# --- ALTER TABLE ----------------------------------------------------------------------------


def test_alter_column_not_null_both_ways(s):
    run(s, "create table t (id int primary key, name text not null)", "insert into t values (1, 'a')")
    assert error(s, "insert into t values (2, null)").sqlstate == "23502"
    run(s, "alter table t alter column name drop not null", "insert into t values (2, null)")
    e = error(s, "alter table t alter column name set not null")
    assert e.sqlstate == "23502"
    assert str(e) == 'column "name" of relation "t" contains null values'
    run(s, "update t set name = 'b'", "alter table t alter column name set not null")
    assert error(s, "insert into t values (3, null)").sqlstate == "23502"
    assert rows(s, "select attnotnull from pg_attribute where attname = 'name'") == [(True,)]
    assert error(s, "alter table t alter column id drop not null").sqlstate == "42P16"


def test_alter_column_type_changes_what_is_enforced(s):
    run(s, "create table t (id int primary key, name varchar(5), n int)")
    assert error(s, "insert into t values (1, 'abcdefgh', 1)").sqlstate == "22001"
    run(s, "alter table t alter column name type varchar(150)")
    run(s, "insert into t values (1, 'abcdefgh', 1)")
    assert error(s, "alter table t alter column name type varchar(3)").sqlstate == "22001"
    assert error(s, "insert into t values (2, 'x', 3000000000)").sqlstate == "22003"
    run(s, "alter table t alter column n type bigint", "insert into t values (2, 'x', 3000000000)")
    assert error(s, "alter table t alter column n type int").sqlstate == "22003"
    run(s, "alter table t alter column n type text using n::text")
    assert rows(s, "select n from t order by id") == [("1",), ("3000000000",)]
    run(s, "update t set n = 'abc' where id = 2")
    assert error(s, "alter table t alter column n type int using n::int").sqlstate == "22P02"
    run(s, "update t set n = '7' where id = 2", "alter table t alter column n type int using n::int")
    assert rows(s, "select n from t order by id") == [(1,), (7,)]
    assert rows(
        s,
        "select attname, format_type(atttypid, atttypmod) from pg_attribute"
        " where attname in ('name', 'n') order by attname",
    ) == [("n", "integer"), ("name", "character varying(150)")]


def test_alter_column_default(s):
    run(s, "create table t (id serial primary key, x text default 'a')")
    run(s, "alter table t alter column x set default 'b'", "insert into t default values")
    run(s, "alter table t alter column x drop default", "insert into t default values")
    assert rows(s, "select x from t order by id") == [("b",), (None,)]
    run(s, "alter table t alter column x set default now()::text", "insert into t default values")
    assert rows(s, "select x is not null from t where id = 3") == [(True,)]


def test_add_column_forms(s):
    run(s, "create table t (id int primary key)", "insert into t values (1), (2)")
    run(s, "alter table t add column j jsonb default '{}'::jsonb not null")
    run(s, "alter table t add column n numeric(10,2) default 1.5")
    run(s, "alter table t add column s serial")
    run(s, "alter table t add column code text constraint t_code_uq unique")
    assert rows(s, "select id, j, n, s, code from t order by id") == [
        (1, "{}", pytest.approx(1.5), 1, None),
        (2, "{}", pytest.approx(1.5), 2, None),
    ]
    e = error(s, "alter table t add column must int not null")
    assert e.sqlstate == "23502"
    run(s, "alter table t add column positive int check (positive > 0)")
    assert error(s, "insert into t (id, positive) values (3, -1)").sqlstate == "23514"
    assert error(s, "alter table t add column id int").sqlstate == "42701"
    run(s, "alter table t add column if not exists id int")


def test_add_and_drop_check(s):
    run(s, "create table t (id int primary key, qty int)", "insert into t values (1, 5)")
    e = error(s, "alter table t add constraint qty_small check (qty < 3)")
    assert e.sqlstate == "23514"
    assert str(e) == 'check constraint "qty_small" of relation "t" is violated by some row'
    run(s, "alter table t add constraint qty_small check (qty < 10)")
    assert error(s, "insert into t values (2, 11)").sqlstate == "23514"
    assert error(s, "alter table t add constraint qty_small check (qty < 9)").sqlstate == "42710"
    run(s, "alter table t drop constraint qty_small", "insert into t values (2, 11)")
    assert error(s, "alter table t drop constraint qty_small").sqlstate == "42704"
    run(s, "alter table t drop constraint if exists qty_small")


def test_drop_column_takes_its_constraints_and_indexes(s):
    run(
        s,
        "create table p (id int primary key, code text)",
        "create unique index p_code on p (code)",
        "create table c (id int primary key, pid int references p, x int, y int,"
        " check (x > y), note text)",
        "create index c_x on c (x)",
        "insert into p values (1, 'a')",
        "insert into c values (1, 1, 2, 1, 'n')",
    )
    run(s, "alter table c drop column pid", "alter table c drop column x")
    run(s, "insert into c values (2, 0, 'n')")  # neither the key nor the check is left
    assert rows(s, "select indexname from pg_indexes where tablename = 'c'") == [("c_pkey",)]
    assert error(s, "alter table c drop column nope").sqlstate == "42703"
    run(s, "alter table c drop column if exists nope")
    run(s, "create table d (id int primary key, code text references p (code))")
    assert error(s, "alter table p drop column code").sqlstate == "2BP01"
    run(s, "alter table p drop column code cascade", "insert into d values (1, 'zz')")


def test_alter_table_is_transactional(s):
    run(s, "create table t (id int primary key, name text not null)", "begin")
    run(s, "alter table t alter column name drop not null", "alter table t add column z int")
    run(s, "insert into t values (1, null, 1)", "rollback")
    assert error(s, "insert into t values (1, null)").sqlstate == "23502"
    assert rows(s, "select count(*) from pg_attribute where attname = 'z'") == [(0,)]


def test_every_instance_sees_the_new_rules(tmp_path):
    """A second connection on the same file (as a reader instance on the volume) enforces
    and describes what ALTER TABLE changed on the first."""
    path = str(tmp_path / "shared.db")
    a = Session(apsw.Connection(path))
    b = Session(apsw.Connection(path))
    run(a, "create table p (id int primary key)", "create table t (id int primary key, name text not null)")
    b.execute("select * from t")
    run(a, "alter table t alter column name drop not null", "alter table t add foreign key (id) references p")
    assert error(b, "insert into t values (1, null)").sqlstate == "23503"
    run(b, "insert into p values (1)", "insert into t values (1, null)")
    assert rows(b, "select conname from pg_constraint where contype = 'f'") == [("t_id_fkey",)]


def test_not_valid_then_validate_constraint(s):
    run(
        s,
        "create table p (id int primary key)",
        "create table c (id int primary key, pid int)",
        "insert into c values (1, 5)",
        "alter table c add constraint c_p foreign key (pid) references p not valid",
    )
    assert rows(s, "select convalidated, pg_get_constraintdef(oid) from pg_constraint"
                   " where conname = 'c_p'") == [(False, "FOREIGN KEY (pid) REFERENCES p(id) NOT VALID")]
    assert error(s, "insert into c values (2, 6)").sqlstate == "23503"  # new rows are checked
    e = error(s, "alter table c validate constraint c_p")
    assert e.sqlstate == "23503" and e.detail == 'Key (pid)=(5) is not present in table "p".'
    run(s, "insert into p values (5)", "alter table c validate constraint c_p")
    assert rows(s, "select convalidated from pg_constraint where conname = 'c_p'") == [(True,)]


def test_alter_table_forms_with_nothing_to_do_and_identity(s):
    run(
        s,
        "create table t (id int primary key, n int)",
        "alter table t owner to postgres",
        "alter table t set (fillfactor = 70)",
        "alter table t alter column n set statistics 100",
        "alter table t alter column n add generated by default as identity",
    )
    assert rows(s, "select attidentity from pg_attribute where attname = 'n'") == [("d",)]
    assert error(s, "alter table t alter column n add generated always as identity").sqlstate == (
        "55000"
    )
    run(s, "alter table t alter column n drop identity")
    assert rows(s, "select attidentity from pg_attribute where attname = 'n'") == [("",)]
    run(s, "alter table t alter column n drop identity if exists")
    assert error(s, "alter table t alter column n drop identity").sqlstate == "55000"
    assert error(s, "alter table nope owner to postgres").sqlstate == "42P01"


def test_alter_refused_while_deferred_checks_are_pending(s):
    run(
        s,
        "create table p (id int primary key)",
        "create table c (id int primary key, pid int references p deferrable initially deferred)",
        "begin",
        "insert into c values (1, 1)",
    )
    e = error(s, "alter table c add column x int")
    assert e.sqlstate == "55006"
    run(s, "rollback", "alter table c add column x int")


# --- relations of named schemas ----------------------------------------------------------------


def test_relations_in_a_named_schema(s):
    run(
        s,
        "create schema app",
        "create table p (id serial primary key)",
        "create table t (id int)",  # public.t and app.t are different tables
        "create table app.t (id serial primary key, pid int references public.p,"
        " code text unique, n int check (n > 0))",
        "create index t_n_idx on app.t (n)",
        "insert into p default values",
        "insert into app.t (pid, code, n) values (1, 'a', 1)",
        "insert into t values (7)",
    )
    assert rows(s, "select app.t.code, x.n from app.t join app.t x using (id)") == [("a", 1)]
    assert rows(s, "select * from public.t") == [(7,)]
    e = error(s, "insert into app.t (pid, code, n) values (2, 'b', 1)")
    assert str(e) == 'insert or update on table "t" violates foreign key constraint "t_pid_fkey"'
    assert '"t_code_key"' in str(error(s, "insert into app.t (pid, code, n) values (1, 'a', 1)"))
    assert rows(
        s,
        "select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = 'app' order by 1",
    ) == [("t", "r"), ("t_code_key", "i"), ("t_id_seq", "S"), ("t_n_idx", "i"), ("t_pkey", "i")]
    assert rows(
        s,
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in ('app', 'public') order by 1, 2",
    ) == [("app", "t"), ("public", "p"), ("public", "t")]
    assert rows(s, "select indexdef from pg_indexes where indexname = 't_n_idx'") == [
        ("CREATE INDEX t_n_idx ON app.t USING btree (n)",)
    ]
    run(s, "alter table app.t add column z int", "alter table app.t rename to u")
    assert rows(s, "select code, z from app.u") == [("a", None)]
    run(s, "alter table app.u rename to t", "truncate app.t")
    e = error(s, "drop schema app")
    assert e.sqlstate == "2BP01" and e.detail == "table app.t depends on schema app"
    run(s, "drop schema app cascade")
    assert error(s, "select * from app.t").sqlstate == "3F000"
    assert rows(s, "select count(*) from t") == [(1,)]
    assert error(s, "create table nope.t (id int)").sqlstate == "3F000"
    run(s, "drop table if exists nope.t")


# --- keys: never NULL, ids never given twice ------------------------------------------------


@pytest.mark.parametrize("ddl", [
    "create table t (id serial primary key, v text)",
    "create table t (id bigserial, v text, primary key (id))",
    "create table t (id int generated by default as identity primary key, v text)",
    "create table t (id int generated always as identity, v text, constraint t_pk primary key (id))",
])
def test_a_deleted_newest_id_is_not_given_again(s, ddl):
    run(s, ddl, "insert into t (v) values ('a'), ('b'), ('c')", "delete from t where id = 3")
    assert rows(s, "insert into t (v) values ('d') returning id") == [(4,)]
    run(s, "delete from t")  # all gone, as after a DELETE without WHERE
    assert rows(s, "insert into t (v) values ('e') returning id") == [(5,)]


def test_setval_and_truncate_restart_identity_move_a_rowid_keys_counter(s):
    run(s, "create table t (id serial primary key, v text)", "insert into t (v) values ('a')")
    assert rows(s, "select setval(pg_get_serial_sequence('t', 'id'), 100)") == [(100,)]
    assert rows(s, "insert into t (v) values ('b') returning id") == [(101,)]
    run(s, "select setval('t_id_seq', 200, false)")
    assert rows(s, "insert into t (v) values ('c') returning id") == [(200,)]
    run(s, "truncate t")  # without RESTART IDENTITY the numbers go on
    assert rows(s, "insert into t (v) values ('d') returning id") == [(201,)]
    run(s, "truncate t restart identity")
    assert rows(s, "insert into t (v) values ('e') returning id") == [(1,)]


@pytest.mark.parametrize("ddl, insert", [
    ("create table t (k text primary key, v int)", "insert into t values (null, 1)"),
    ("create table t (a int, b text, v int, primary key (a, b))", "insert into t values (1, null, 1)"),
    ("create table t (k int primary key, v int)", "insert into t values (null, 1)"),
    ("create table t (k int primary key, v int)", "insert into t (v) values (1)"),
    ("create table t (k int primary key, v int)", "insert into t select null, 1"),
    ("create table t (k int, v int, primary key (k))", "insert into t (v) select 1"),
    ("create table t (k serial primary key, v int)", "insert into t values (null, 1)"),
    ("create table t (k int primary key, v int default 1)", "insert into t default values"),
    ("create table t (k int primary key, v int)", "insert into t values (default, 1)"),
])
def test_a_null_key_is_refused(s, ddl, insert):
    run(s, ddl)
    e = error(s, insert)
    assert e.sqlstate == "23502", e
    assert "violates not-null constraint" in str(e)
    assert rows(s, "select count(*) from t") == [(0,)]


def test_a_null_rowid_key_from_a_parameter_or_an_update_is_refused(s):
    run(s, "create table t (k int primary key, v int)", "insert into t values (1, 1)")
    with pytest.raises(SqlError) as e:
        s.execute("insert into t values ($1, $2)", [None, 2])
    assert e.value.sqlstate == "23502"
    with pytest.raises(SqlError) as e:
        s.execute("insert into t values ($1, 2), ($2, 3)", [2, None])
    assert e.value.sqlstate == "23502"
    assert error(s, "update t set k = null where k = 1").sqlstate == "23502"
    assert rows(s, "select k, v from t") == [(1, 1)]
    # what PostgreSQL takes still goes in: no row, a key given, DEFAULT of a serial
    assert s.execute("insert into t (v) select 1 where false").tag == "INSERT 0 0"
    s.execute("insert into t values ($1, $2)", [5, 5])
    run(s, "create table u (id serial primary key, v int)")
    assert rows(s, "insert into u values (default, 1) returning id") == [(1,)]


def test_insert_select_of_qualified_stars_into_a_rowid_key(s):
    """``t.*`` stands for every column of t: the key's value is not the select item at the
    key's position (it was wrapped there, and SQLite refused ``coalesce(t.*, ...)``)."""
    run(s, "create table src (id int primary key, v text)", "insert into src values (1, 'a'), (2, 'b')",
        "create table dst (id int primary key, v text)", "create table extra (n int, id int, v text)")
    assert s.execute("insert into dst select src.* from src where id = 1").tag == "INSERT 0 1"
    assert s.execute("insert into dst select s.* from src s where id = 2 "
                     "on conflict (id) do update set v = excluded.v || '!'").tag == "INSERT 0 1"
    assert s.execute("insert into dst select s.* from src s on conflict (id) do nothing").tag == "INSERT 0 0"
    assert s.execute("insert into extra select 0, s.* from src s").tag == "INSERT 0 2"
    assert rows(s, "select id, v from dst order by id") == [(1, "a"), (2, "b")]
    assert rows(s, "select n, id, v from extra order by id") == [(0, 1, "a"), (0, 2, "b")]


def test_a_null_key_from_a_star_or_a_set_operation_is_refused(s):
    """Where the select's items are not the values one by one (a star, ``t.*``, a UNION, a
    parenthesised query), the key's value is found by position: a NULL there is 23502 as
    anywhere else, not SQLite's "next id"."""
    run(s, "create table src (id int, v text)", "insert into src values (null, 'a'), (5, 'b')",
        "create table dst (id int primary key, v text)",
        "create table wide (id int primary key, v text, note text default 'kept')",
        "create table one (v text)", "insert into one values ('c')")
    for sql in [
        "insert into dst select * from src",
        "insert into dst select s.* from src s",
        "insert into dst (select * from src)",
        "insert into dst select null, 'x' union all select 9, 'y'",
        "insert into dst select * from src on conflict (id) do nothing",
        "insert into dst with q as (select * from src) select * from q",
        "with q as (select * from src) insert into dst select * from q",
        "insert into wide select * from src",
        "insert into dst (v) select * from one",  # the key left out, and it has no default
    ]:
        assert error(s, sql).sqlstate == "23502", sql
    assert rows(s, "select count(*) from dst") == [(0,)]
    assert rows(s, "select count(*) from wide") == [(0,)]
    # rows with a key go in, through the same forms
    run(s, "delete from src where id is null")
    assert rows(s, "insert into dst select * from src returning id, v") == [(5, "b")]
    assert rows(s, "insert into dst select s.* from src s on conflict (id) do update "
                   "set v = excluded.v || '!' returning *") == [(5, "b!")]
    assert rows(s, "insert into dst select 7, 'u' union select 8, 'w' returning id") == [(7,), (8,)]
    assert rows(s, "insert into wide select * from src returning *") == [(5, "b", "kept")]
    assert rows(s, "select id, v from dst order by id") == [(5, "b!"), (7, "u"), (8, "w")]


def test_nextval_of_a_rowid_keys_sequence_takes_an_id(s):
    """nextval('t_id_seq') of a SERIAL / IDENTITY key (SQLite's rowid, with no sequence row):
    the next id, which later rows then skip, as a sequence's value is taken once."""
    run(s, "create table t (id serial primary key, k text)", "insert into t (k) values ('a')",
        "create table u (id int generated always as identity primary key, k text)")
    assert rows(s, "select nextval('t_id_seq'), currval('t_id_seq'), lastval()") == [(2, 2, 2)]
    assert rows(s, "insert into t (k) values ('b') returning id") == [(3,)]
    assert rows(s, "select nextval(pg_get_serial_sequence('t', 'id'))") == [(4,)]
    run(s, "select setval('t_id_seq', 10)")
    assert rows(s, "insert into t (k) values ('c') returning id") == [(11,)]
    assert rows(s, "select nextval('u_id_seq')") == [(1,)]
    assert rows(s, "insert into u (k) values ('x') returning id") == [(2,)]
    assert error(s, "select nextval('nope_seq')").sqlstate == "42P01"


def test_a_generated_always_identity_takes_no_value_but_its_own(s):
    run(s, "create table i (id int generated always as identity primary key, k text)",
        "create table d (id int generated by default as identity primary key, k text)",
        "insert into i (k) values ('a')", "insert into i values (default, 'b')",
        "insert into d (id, k) values (7, 'x')")
    for sql in ["insert into i (id, k) values (7, 'x')", "insert into i values (8, 'y')",
                "insert into i (id, k) select 9, 'z'", "insert into i select * from d", "update i set id = 9"]:
        e = error(s, sql)
        assert e.sqlstate == "428C9", sql
    assert str(error(s, "update i set id = 9")) == 'column "id" can only be updated to DEFAULT'
    assert rows(s, "insert into i (k) select 'w' returning id") == [(3,)]
    assert rows(s, "select id, k from i order by id") == [(1, "a"), (2, "b"), (3, "w")]


def test_add_primary_key_makes_its_columns_not_null(s):
    run(s, "create table t (a text, b int)", "insert into t values ('x', 1)",
        "alter table t add primary key (a)")
    assert error(s, "insert into t values (null, 2)").sqlstate == "23502"
    assert rows(s, "select attnotnull from pg_attribute where attrelid = 't'::regclass "
                   "and attname = 'a'") == [(True,)]


def test_copy_refuses_a_null_rowid_key(s):
    run(s, "create table t (k int primary key, v text)", "create table u (id serial primary key, v text)")
    copy = s.execute("copy t (k, v) from stdin").copy
    with pytest.raises(SqlError) as e:
        s.copy_rows(copy, [["1", "a"], [None, "b"]])
    assert e.value.sqlstate == "23502"
    copy = s.execute("copy t (v) from stdin").copy  # the key left out, and it has no default
    with pytest.raises(SqlError) as e:
        s.copy_rows(copy, [["c"]])
    assert e.value.sqlstate == "23502"
    assert rows(s, "select count(*) from t") == [(0,)]
    assert s.copy_rows(s.execute("copy u (v) from stdin").copy, [["x"], ["y"]]) == 2  # serial: next ids
    assert rows(s, "select id, v from u order by id") == [(1, "x"), (2, "y")]


def test_identity_start_with_on_a_rowid_key(s):
    run(s, "create table i (id int generated always as identity (start with 44) primary key, v text)")
    assert rows(s, "insert into i (v) values ('a'), ('b') returning id") == [(44,), (45,)]


def test_a_scalar_sub_select_of_two_rows_is_an_error_not_its_first_row(s):
    run(s, "create table t (a int, b text)", "insert into t values (1, 'x'), (2, 'y')")
    e = error(s, "select (select a from t)")
    assert (e.sqlstate, str(e)) == ("21000", "more than one row returned by a subquery used as an expression")
    assert error(s, "select b from t where a = (select a from t)").sqlstate == "21000"
    # one row, none, an aggregate, LIMIT 1, a correlated one: as before
    assert rows(s, "select (select a from t where a = 1), (select a from t where a = 5)") == [(1, None)]
    assert rows(s, "select (select max(a) from t), (select a from t order by a desc limit 1)") == [(2, 2)]
    assert rows(s, "select b, (select t2.b from t t2 where t2.a = t.a + 1) from t order by 1") == [
        ("x", "y"), ("y", None)]


def test_text_written_to_an_integer_column_is_bad_input_not_out_of_range(s):
    run(s, "create table src (id int, v text)", "insert into src values (1, 'a')",
        "create table t (n int, m int, o smallint, b bigint)")
    for sql, kind in [("insert into t values (1, 'abc')", 'integer: "abc"'),
                      ("insert into t (o) values ('x')", 'smallint: "x"'),
                      ("insert into t (b) values ('34.5')", 'bigint: "34.5"'),
                      ("insert into t select id, v from src", "integer")]:
        e = error(s, sql)
        assert (e.sqlstate, str(e)) == ("22P02", f"invalid input syntax for type {kind}"), sql
    assert error(s, "insert into t values (1, 3000000000)").sqlstate == "22003"
    assert error(s, "insert into t (o) values (40000)").sqlstate == "22003"
    assert rows(s, "select count(*) from t") == [(0,)]
