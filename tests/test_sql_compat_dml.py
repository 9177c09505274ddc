"""PostgreSQL's behaviour of the statements that change data and views (the regression files
create_view, insert, update, with, returning, insert_conflict, truncate, delete), in-process."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


def rows(s: Session, sql: str, *params: object) -> list[tuple]:
    return s.execute(sql, params).rows


def sqlstate(s: Session, sql: str, *params: object) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql, params)
    return e.value.sqlstate


def test_view_of_a_missing_relation_is_refused_and_leaves_nothing(s):
    assert sqlstate(s, "create view v1 as select * from base_table") == "42P01"
    s.execute("create table t1 (num int, name text)")  # the schema is still readable
    assert rows(s, "select count(*) from pg_class where relname = 'v1'") == [(0,)]


def test_insert_of_fewer_values_than_columns_fills_the_leading_ones(s):
    """VALUES or a SELECT of fewer items than the table's columns: the leading columns take
    them and the rest their defaults (a SELECT was refused with 42601)."""
    s.execute("create table t (id int primary key, c text default 'd', n int)")
    s.execute("insert into t values (1)")
    s.execute("insert into t select 2")
    s.execute("insert into t select g, 'y' from generate_series(3, 4) g")
    assert rows(s, "select id, c, n from t order by id") == [
        (1, "d", None), (2, "d", None), (3, "y", None), (4, "y", None)]
    assert sqlstate(s, "insert into t select 5, 'a', 1, 2") == "42601"


def test_insert_select_star_into_a_wider_table_fills_the_leading_columns(s):
    """An archive table with a column more: ``INSERT INTO archive SELECT * FROM t`` (the
    star's width counted from the FROM items: tables, aliases with columns, subqueries)."""
    s.execute("create table src (id int, v text)")
    s.execute("insert into src values (1, 'a'), (2, 'b')")
    s.execute("create table archive (id int primary key, v text, note text default 'kept', n int)")
    s.execute("insert into archive select * from src where id = 1")
    s.execute("insert into archive select s.* from src s where id = 2")
    s.execute("insert into archive select * from (select id + 10, v from src) q")
    s.execute("insert into archive select s.*, 'x' from src s where id = 1 "
              "on conflict (id) do update set note = excluded.note")
    s.execute("insert into archive select * from src, (select 7) q(z) where id = 2 "
              "on conflict (id) do update set n = excluded.note::int")
    # a WITH query of the name of a wider table is the one the star reads
    s.execute("create table shadowed (id int, v text, w text)")
    s.execute("with shadowed as (select 20 as id, 'c' as v) insert into archive select * from shadowed")
    s.execute("insert into archive with q(a, b) as (select 21, 'd') select q.* from q")
    assert sqlstate(s, "with a as (select * from b), b as (select * from a) "
                       "insert into archive select * from a") == "42P19"
    assert rows(s, "select id, v, note, n from archive order by id") == [
        (1, "a", "x", None), (2, "b", "kept", 7), (11, "a", "kept", None), (12, "b", "kept", None),
        (20, "c", "kept", None), (21, "d", "kept", None)]


# --- UPDATE ---------------------------------------------------------------------------------


@pytest.fixture
def ut(s):
    s.execute("create table update_test (a int default 10, b int, c text)")
    s.execute("insert into update_test values (5, 10, 'foo')")
    s.execute("insert into update_test(b, a) values (15, 10)")
    return s


def test_update_set_default_and_multiple_columns(ut):
    s = ut
    assert s.execute("update update_test set a = default, b = default").tag == "UPDATE 2"
    assert rows(s, "select a, b, c from update_test order by c") == [(10, None, "foo"), (10, None, None)]
    s.execute("update update_test set (c, b, a) = ('bugle', 7, default) where c = 'foo'")
    s.execute("update update_test set (a, b) = row(v.*) from (values (10, 100)) as v(i, j) "
              "where update_test.c is null and update_test.a = v.i")
    assert rows(s, "select a, b, c from update_test order by c") == [(10, 7, "bugle"), (10, 100, None)]


def test_update_set_list_errors(ut):
    s = ut
    assert sqlstate(s, "update update_test set (c, b) = ('car', a + b), b = a + 1") == "42601"
    assert sqlstate(s, "update update_test set (a, b) = (v.*) from (values (1, 2)) as v(i, j)") == "0A000"
    assert sqlstate(s, "update update_test set (a, b) = (1, 2, 3)") == "42601"


def test_update_row_subselect_one_row_or_none(ut):
    s = ut
    # two rows: 21000 and nothing changed
    assert sqlstate(s, "update update_test set (b, a) = (select a + 1, b from update_test)") == "21000"
    assert rows(s, "select a, b from update_test order by a") == [(5, 10), (10, 15)]
    # no row: the columns become NULL
    s.execute("update update_test set (b, a) = (select a, b from update_test where a = 1000) "
              "where a = 5")
    assert rows(s, "select a, b from update_test order by a") == [(10, 15), (None, None)]
    # correlated
    s.execute("update update_test o set (b, a) = (select a + 1, b from update_test i "
              "where i.a = o.a) where a = 10")
    assert rows(s, "select a, b from update_test order by a") == [(15, 11), (None, None)]


def test_update_set_list_keeps_column_checks(s):
    s.execute("create table n (x numeric(5,2), v varchar(3), k int not null check (k > 0))")
    s.execute("insert into n values (1, 'a', 1)")
    s.execute("update n set (x, v) = (select 1.234, 'ab   ')")
    s.execute("update n set (x, v) = row(2.345, 'cd  ')")
    assert rows(s, "select x::text, v from n") == [("2.35", "cd ")]
    assert sqlstate(s, "update n set (x, v) = (select 12345.6, 'ab')") == "22003"
    assert sqlstate(s, "update n set (x, v) = (1, 'abcd')") == "22001"
    assert sqlstate(s, "update n set (k) = (select 0)") == "23514"
    assert sqlstate(s, "update n set (k, x) = (null, 1)") == "23502"
    assert sqlstate(s, "update n set k = default") == "23502"


def test_update_from_keeps_constraints(s):
    s.execute("create table p (id int primary key)")
    s.execute("create table c (id int primary key, pid int references p, n numeric(3,1), "
              "u int unique)")
    s.execute("insert into p values (1), (2)")
    s.execute("insert into c values (1, 1, 1.0, 1), (2, 1, 2.0, 2)")
    s.execute("create table src (k int, pid int, n numeric, u int)")
    s.execute("insert into src values (1, 9, 1.0, 5), (2, 2, 123.45, 6), (1, 2, 1.0, 2)")
    assert sqlstate(s, "update c set pid = src.pid from src where src.k = c.id and src.pid = 9") == "23503"
    assert sqlstate(s, "update c set n = src.n from src where src.k = c.id and src.k = 2") == "22003"
    assert sqlstate(s, "update c set u = src.u from src where src.k = c.id and src.u = 2") == "23505"
    s.execute("update c set pid = src.pid, n = src.n from src where src.k = c.id and src.u = 2")
    assert rows(s, "select id, pid, n::text from c order by id") == [(1, 2, "1.0"), (2, 1, "2.0")]


# --- DELETE / RETURNING -----------------------------------------------------------------------


def test_delete_using_and_returning_star_of_target(s):
    s.execute("create table foo (f1 int, f2 text)")
    s.execute("insert into foo values (1, 'a'), (2, 'b'), (3, 'c')")
    s.execute("create table i (f1 int)")
    s.execute("insert into i values (2), (3), (3)")
    r = s.execute("delete from foo using i where foo.f1 = i.f1 returning foo.*, f1 > 2 as big")
    assert r.tag == "DELETE 2"
    assert [c.name for c in r.columns] == ["f1", "f2", "big"]
    assert sorted(r.rows) == [(2, "b", False), (3, "c", True)]
    # PostgreSQL's * includes i's columns too
    s.execute("insert into i values (1)")
    r = s.execute("update foo set f2 = 'x' from i where foo.f1 = i.f1 returning *")
    assert [c.name for c in r.columns] == ["f1", "f2", "f1"] and r.rows == [(1, "x", 1)]


# --- views ----------------------------------------------------------------------------------


def test_view_column_names_and_replace_rules(s):
    s.execute("create table vt (a int, b int, c numeric(10,1), d text collate \"C\")")
    s.execute("insert into vt values (1, 2, 3.5, 'x')")
    s.execute("create view v as select a, b::numeric, c + 1 as c1 from vt")
    r = s.execute("select * from v")
    assert [c.name for c in r.columns] == ["a", "b", "c1"]
    assert r.rows == [(1, 2, 4.5)]
    s.execute("create view w (x, y) as select * from vt")
    assert [c.name for c in s.execute("select * from w").columns] == ["x", "y", "c", "d"]
    assert sqlstate(s, "create view w2 (p, q, r, s, t) as select * from vt") == "42601"
    assert sqlstate(s, "create view w3 as select a, a from vt") == "42701"
    assert sqlstate(s, "create view v as select 1") == "42P07"
    assert sqlstate(s, "create or replace view vt as select 1") == "42809"
    s.execute("create or replace view vr as select * from vt")
    assert sqlstate(s, "create or replace view vr as select a from vt") == "42P16"
    assert sqlstate(s, "create or replace view vr as select 1, * from vt") == "42P16"
    assert sqlstate(s, "create or replace view vr as select a, b::numeric, c, d from vt") == "42P16"
    s.execute("create or replace view vr as select a, b, c, d, 0 as e from vt")
    assert rows(s, "select e from vr") == [(0,)]


def test_recursive_temp_and_option_views(s):
    s.execute("create recursive view nums (n) as values (1) union all "
              "select n + 1 from nums where n < 5")
    assert rows(s, "select * from nums") == [(1,), (2,), (3,), (4,), (5,)]
    s.execute("create or replace recursive view nums (n) as values (1) union all "
              "select n + 1 from nums where n < 3")
    assert rows(s, "select count(*) from nums") == [(3,)]
    # the same text again: SQLite's cached statement of the old view is not reused
    assert rows(s, "select * from nums") == [(1,), (2,), (3,)]
    s.execute("create temp view tv as select 1 as one")
    s.execute("create view sb with (security_barrier=true) as select 1 as one")
    assert sqlstate(s, "create view sb2 with (security_barrier=100) as select 1") == "22023"
    assert sqlstate(s, "create view sb3 with (invalid_option=1) as select 1") == "22023"


@pytest.fixture
def base(s):
    s.execute("create table base (id serial primary key, a int not null check (a > 0), "
              "b varchar(3) default 'zz', n numeric(4,1) unique)")
    s.execute("insert into base (a, b) values (1, 'x'), (5, 'y'), (20, 'q')")
    s.execute("create view v as select id, a as aa, b, n * 2 as n2 from base where a < 10")
    return s


def test_insert_update_delete_through_a_simple_view(base):
    s = base
    r = s.execute("insert into v (aa) values (3) returning *")
    assert r.tag == "INSERT 0 1"
    assert [c.name for c in r.columns] == ["id", "aa", "b", "n2"]
    assert r.rows == [(4, 3, "zz", None)]
    s.execute("insert into v values (default, 7)")
    assert rows(s, "select id, a, b from base where id > 3 order by id") == [(4, 3, "zz"), (5, 7, "zz")]
    # the view's WHERE bounds what UPDATE and DELETE reach; the row a = 20 is not in it
    assert s.execute("update v set aa = aa + 1").tag == "UPDATE 4"
    assert rows(s, "select a from base order by id") == [(2,), (6,), (20,), (4,), (8,)]
    r = s.execute("update v x set b = 'w' where x.aa > 5 returning aa, v.b")
    assert sorted(r.rows) == [(6, "w"), (8, "w")]
    assert s.execute("delete from v where aa < 5").tag == "DELETE 2"
    assert rows(s, "select a, b from base order by id") == [(6, "w"), (20, "q"), (8, "w")]


def test_view_column_mapping_with_swapped_names(s):
    s.execute("create table sw (a int default 5, b int)")
    s.execute("insert into sw values (1, 2)")
    s.execute("create view vs as select a as b, b as a from sw")
    s.execute("update vs set (a, b) = (10, 20)")
    assert rows(s, "select a, b from sw") == [(20, 10)]
    s.execute("update vs set (a, b) = row(default, vs.a)")
    assert rows(s, "select a, b from sw") == [(10, None)]
    s.execute("update vs set b = default")
    assert rows(s, "select a, b from sw") == [(5, None)]


def test_writes_through_views_keep_table_checks(base):
    s = base
    assert sqlstate(s, "insert into v (aa) values (0)") == "23514"
    assert sqlstate(s, "insert into v (aa) values (null)") == "23502"
    assert sqlstate(s, "insert into v (aa, b) values (4, 'long')") == "22001"
    assert sqlstate(s, "insert into v (id, aa) values (1, 4)") == "23505"
    assert sqlstate(s, "update v set aa = -1") == "23514"
    assert sqlstate(s, "update v set b = 'abcd'") == "22001"
    assert sqlstate(s, "update v set id = 2 where id = 1") == "23505"
    s.execute("create view vn as select id, n from base")
    assert sqlstate(s, "update vn set n = 12345") == "22003"
    s.execute("update vn set n = 1.25 where id = 1")
    assert rows(s, "select n::text from base where id = 1") == [("1.3",)]
    s.execute("create table child (bid int references base (id))")
    s.execute("insert into child values (1)")
    assert sqlstate(s, "delete from v where id = 1") == "23503"
    s.execute("create view vc as select bid from child")
    assert sqlstate(s, "insert into vc values (99)") == "23503"
    assert rows(s, "select count(*) from base") == [(3,)]


def test_views_that_are_not_updatable(base):
    s = base
    with pytest.raises(SqlError) as e:
        s.execute("insert into v (aa, n2) values (4, 1)")
    assert e.value.sqlstate == "0A000" and 'column "n2"' in str(e.value)
    s.execute("create view g as select a, count(*) from base group by a")
    s.execute("create view d as select distinct a from base")
    s.execute("create view j as select base.a from base, base as b2")
    s.execute("create view u as select a from base union select 1")
    for sql in ("insert into g values (1, 2)", "delete from d", "update j set a = 1",
                "delete from u"):
        assert sqlstate(s, sql) == "0A000"
    assert rows(s, "select count(*) from base") == [(3,)]


# --- INSERT ... ON CONFLICT -------------------------------------------------------------------


def test_on_conflict_forms(s):
    s.execute("create table ic (key int primary key, fruit text, n numeric(3,1) check (n < 50))")
    assert sqlstate(s, "insert into ic values (1, 'Apple') on conflict do update "
                       "set fruit = excluded.fruit") == "42601"
    s.execute("insert into ic values (1, 'Apple') on conflict do nothing")
    s.execute("insert into ic values (1, 'Orange') on conflict (key, key, key) "
              "do update set fruit = excluded.fruit")
    s.execute("insert into ic values (1, 'Pear') on conflict (key) "
              "do update set (fruit, n) = (select excluded.fruit || '!', 1.25)")
    assert rows(s, "select key, fruit, n::text from ic") == [(1, "Pear!", "1.3")]
    assert sqlstate(s, "insert into ic values (1, 'x') on conflict (key) "
                       "do update set (fruit, n) = (excluded.fruit, 123.4)") == "22003"
    assert sqlstate(s, "insert into ic values (1, 'x') on conflict (key) "
                       "do update set (fruit, n) = (excluded.fruit, 60)") == "23514"
    s.execute("insert into ic values (1, 'Fig') on conflict (key) "
              "do update set (fruit, n) = (excluded.fruit, default)")
    assert rows(s, "select key, fruit, n from ic") == [(1, "Fig", None)]


# --- data-modifying WITH ----------------------------------------------------------------------


@pytest.fixture
def y(s):
    s.execute("create table y (a int)")
    s.execute("insert into y select x from generate_series(1, 10) x")
    return s


def test_with_delete_feeding_an_insert(y):
    s = y
    r = s.execute("with t as (delete from y where a <= 3 returning *) "
                  "insert into y select -a from t returning *")
    assert r.tag == "INSERT 0 3"
    assert sorted(r.rows) == [(-3,), (-2,), (-1,)]
    assert rows(s, "select count(*), sum(a) from y") == [(10, 43)]


def test_with_update_runs_to_completion(y):
    s = y
    r = s.execute("with t as (update y set a = a * 100 returning *) select * from t limit 3")
    assert r.tag == "SELECT 3"
    assert rows(s, "select min(a), count(*) from y") == [(100, 10)]  # every row updated


def test_with_items_in_dependency_order_and_without_returning(y):
    s = y
    s.execute("create table yy (a int)")
    s.execute("with t1 as (insert into y select * from y returning *), "
              "t2 as (insert into yy select * from t1 returning *) select 1")
    assert rows(s, "select count(*) from y") == [(20,)]
    assert rows(s, "select count(*) from yy") == [(10,)]
    assert s.execute("with t as (insert into yy values (42)) select 1").rows == [(1,)]
    assert rows(s, "select count(*) from yy") == [(11,)]
    assert sqlstate(s, "with t as (insert into yy values (42)) select * from t") == "0A000"


def test_with_reading_a_changed_table_is_refused_not_answered(y):
    s = y
    # PostgreSQL's parts share one snapshot: the outer SELECT would see y unchanged
    assert sqlstate(s, "with t as (update y set a = a + 1 returning *) select * from y") == "0A000"
    s.execute("create table p (id int primary key)")
    s.execute("create table c (pid int references p on delete cascade)")
    s.execute("insert into p values (1), (2)")
    s.execute("insert into c values (1), (2)")
    assert sqlstate(s, "with t as (delete from p where id = 1 returning *) select * from c") == "0A000"
    assert rows(s, "select count(*) from c") == [(2,)]
    assert rows(s, "select sum(a) from y") == [(55,)]


def test_with_writes_keep_constraints_and_are_atomic(s):
    s.execute("create table p (id int primary key)")
    s.execute("create table c (pid int references p)")
    s.execute("insert into p values (1)")
    s.execute("create table n (x numeric(3,1) check (x < 50), v varchar(2) not null)")
    r = s.execute("with t as (insert into n values (1.25, 'ab') returning *) "
                  "select x, x + 0.1, v from t")
    assert r.rows == [(Decimal("1.3"), Decimal("1.4"), "ab")]
    assert sqlstate(s, "with t as (insert into n values (123, 'ab') returning *) select * from t") == "22003"
    assert sqlstate(s, "with t as (insert into n values (60, 'ab') returning *) select * from t") == "23514"
    assert sqlstate(s, "with t as (insert into n values (6, 'abc') returning *) select * from t") == "22001"
    assert sqlstate(s, "with t as (update n set v = null returning *) select * from t") == "23502"
    assert sqlstate(s, "with t as (insert into c values (5) returning *) select * from t") == "23503"
    # a failing outer statement undoes the WITH item's write too
    assert sqlstate(s, "with t as (insert into c values (1) returning *) "
                       "insert into n select pid, 'toolong' from t") == "22001"
    assert rows(s, "select count(*) from c") == [(0,)]
    assert rows(s, "select x::text, v from n") == [("1.3", "ab")]


def test_with_write_in_a_read_only_transaction(y):
    s = y
    s.execute("begin read only")
    assert sqlstate(s, "with t as (delete from y returning *) select count(*) from t") == "25006"
    s.execute("rollback")
    assert rows(s, "select count(*) from y") == [(10,)]


def test_on_conflict_do_update_cannot_affect_a_row_twice(s):
    s.execute("create table sc (f1 int primary key, f2 int)")
    s.execute("insert into sc values (1, 1)")
    assert sqlstate(s, "insert into sc values (4, 1), (4, 2) on conflict (f1) "
                       "do update set f2 = 0") == "21000"
    assert sqlstate(s, "insert into sc select 1, x from generate_series(1, 3) x "
                       "on conflict (f1) do update set f2 = 7") == "21000"
    r = s.execute("insert into sc values (1, 5), (6, 2) on conflict (f1) "
                  "do update set f2 = excluded.f2 + 10 returning *")
    assert sorted(r.rows) == [(1, 15), (6, 2)]
    s.execute("insert into sc values (4, 1), (4, 2) on conflict (f1) do nothing")
    assert rows(s, "select * from sc order by f1") == [(1, 15), (4, 1), (6, 2)]
    s.execute("create table nk (a int, b int, unique (a, b))")
    s.execute("insert into nk values (1, null), (1, null) on conflict (a, b) do update set a = 9")
    assert rows(s, "select count(*) from nk") == [(2,)]


def test_identity_start_and_owned_sequences(s):
    s.execute("create table tb (id int generated always as identity (start with 44), v int)")
    s.execute("insert into tb (v) values (1), (2)")
    assert rows(s, "select id from tb") == [(44,), (45,)]
    s.execute("truncate tb restart identity")
    s.execute("insert into tb (v) values (3)")
    assert rows(s, "select id from tb") == [(44,)]
    s.execute("create sequence ta_id1 start with 33")
    s.execute("create table ta (id serial, id1 int default nextval('ta_id1'))")
    s.execute("alter sequence ta_id1 owned by ta.id1")
    s.execute("insert into ta default values")
    s.execute("truncate ta restart identity")
    s.execute("insert into ta default values")
    assert rows(s, "select id1 from ta") == [(33,)]
    s.execute("drop table ta")
    assert sqlstate(s, "select nextval('ta_id1')") == "42P01"


def test_bulk_upsert_keeps_the_one_row_rule(s):
    # many rows of $n parameters take the bulk (multirow) plan; the rule still holds there
    s.execute("create table bu (k int primary key, v int)")
    n = 40
    sql = ("insert into bu values " + ", ".join(f"(${2 * i + 1}, ${2 * i + 2})" for i in range(n))
           + " on conflict (k) do update set v = excluded.v")
    s.execute(sql, [x for i in range(n) for x in (i, i)])
    assert rows(s, "select count(*), sum(v) from bu") == [(40, 780)]
    dup = [x for i in range(n) for x in (min(i, 38), i)]  # rows 38 and 39 share key 38
    with pytest.raises(SqlError) as e:
        s.execute(sql, dup)
    assert e.value.sqlstate == "21000"
    assert rows(s, "select count(*), sum(v) from bu") == [(40, 780)]


def test_insert_forms(s):
    s.execute("create table it (a int, b text default 'd')")
    s.execute("insert into it (select 1, 'x')")
    s.execute("insert into it (select 2, 'y' union all select 3, 'z')")
    s.execute("insert into it default values")
    assert rows(s, "select * from it order by a") == [(1, "x"), (2, "y"), (3, "z"), (None, "d")]
    assert sqlstate(s, "insert into it as bar default values returning it.*") == "42P01"
    assert rows(s, "insert into it as bar default values returning bar.*") == [(None, "d")]
    s.execute("create table y (a int)")
    assert s.execute("insert into y select generate_series(1, 10)").tag == "INSERT 0 10"
    r = s.execute("select generate_series(1, 3)")
    assert [c.name for c in r.columns] == ["generate_series"] and r.rows == [(1,), (2,), (3,)]


def test_with_item_read_twice_is_computed_once(s):
    assert rows(s, "select count(*) from (with q1(x) as (select random() from "
                   "generate_series(1, 5)) select * from q1 union select * from q1) ss") == [(5,)]


def test_returning_columns_of_from_and_using_items(s):
    s.execute("create table foo (f1 int, f2 text, f3 int)")
    s.execute("insert into foo values (1, 'test', 42), (2, 'more', 42)")
    s.execute("create table i8 (q1 int8, q2 int8)")
    s.execute("insert into i8 values (7, 2)")
    r = s.execute("update foo set f3 = f3 * 2 from i8 i where foo.f1 = i.q2 returning *")
    assert [c.name for c in r.columns] == ["f1", "f2", "f3", "q1", "q2"]
    assert r.rows == [(2, "more", 84, 7, 2)]
    r = s.execute("delete from foo using i8 i where foo.f1 = i.q2 returning foo.*, i.q1 + 1 as n")
    assert [c.name for c in r.columns] == ["f1", "f2", "f3", "n"]
    assert r.rows == [(2, "more", 84, 8)]
    # where the returned row's join partner could differ from PostgreSQL's: still refused
    assert sqlstate(s, "update foo set f1 = f1 + 1 from i8 i where foo.f1 = i.q2 returning *") == "0A000"
    assert rows(s, "select * from foo") == [(1, "test", 42)]


def test_on_conflict_where_compares_whole_rows(s):
    s.execute("create table ict (key int primary key, fruit text)")
    s.execute("insert into ict values (23, 'Jackfruit')")
    same = ("insert into ict as i values (23, 'Jackfruit') on conflict (key) do update "
            "set fruit = excluded.fruit where i.* {} excluded.* returning *")
    assert s.execute(same.format("!=")).tag == "INSERT 0 0"
    assert s.execute(same.format("=")).rows == [(23, "Jackfruit")]


def test_comment_on_a_missing_relation(s):
    s.execute("create table toy (a int)")
    s.execute("create view toyemp as select * from toy")
    assert s.execute("comment on view toyemp is 'is a view'").tag == "COMMENT"
    assert sqlstate(s, "comment on view noview is 'no view'") == "42P01"
    assert sqlstate(s, "comment on sequence asdf is 'x'") == "42P01"


def test_views_with_check_option(s):
    s.execute("create table cb (a int, b int default 5)")
    s.execute("create view vc as select * from cb c where c.a > 0 with check option")
    s.execute("insert into vc values (1, 2)")
    assert sqlstate(s, "insert into vc values (-1, 2)") == "44000"
    assert s.execute("insert into vc (a) values (3) returning *").rows == [(3, 5)]
    assert sqlstate(s, "update vc set a = -5 where a = 1") == "44000"
    assert s.execute("update vc set a = 10 where a = 1").tag == "UPDATE 1"
    s.execute("create view vl as select a, b from cb where b > 3")
    s.execute("create view vcas as select * from vl where a < 100 with cascaded check option")
    s.execute("create view vloc as select * from vl where a < 100 with local check option")
    assert sqlstate(s, "insert into vcas values (50, 1)") == "44000"  # vl's condition too
    s.execute("insert into vloc values (50, 1)")  # only vloc's own
    assert sqlstate(s, "insert into vloc values (500, 9)") == "44000"
    assert rows(s, "select a, b from cb order by a") == [(3, 5), (10, 2), (50, 1)]


def test_on_conflict_through_a_view(s):
    s.execute("create table ic (f1 int primary key, f2 text)")
    s.execute("create view icv as select f1 as k, f2 as v from ic where f1 < 10 "
              "with check option")
    s.execute("insert into icv values (1, 'foo') on conflict (k) do update set v = excluded.v")
    s.execute("insert into icv values (1, 'bar') on conflict (k) do update "
              "set v = excluded.v || '!' where icv.k = 1")
    assert rows(s, "select * from ic") == [(1, "bar!")]
    assert sqlstate(s, "insert into icv values (1, 'x') on conflict (k) do update set k = 20") == "44000"
    assert rows(s, "select * from ic") == [(1, "bar!")]


def test_with_and_conflict_refusals(s):
    s.execute("create table graph (f int)")
    s.execute("insert into graph values (1)")
    assert rows(s, "with recursive x(n) as (delete from graph returning f) "
                   "select * from x") == [(1,)]
    assert sqlstate(s, "with recursive x(n) as (with sub as (select * from x) "
                       "delete from graph returning f) select * from x") == "42P19"
    s.execute("create table excluded (key int primary key, data text)")
    assert sqlstate(s, "insert into excluded values (1, '2') on conflict (key) "
                       "do update set data = excluded.data") == "42P09"
    assert s.execute("insert into excluded as t values (1, '2') on conflict (key) "
                     "do update set data = excluded.data").tag == "INSERT 0 1"
    # SQLite's INSERT OR REPLACE / OR IGNORE is no PostgreSQL: a syntax error, nothing written
    for word in ("replace", "ignore"):
        assert sqlstate(s, f"insert or {word} into excluded values (1, 'x')") == "42601"
    assert rows(s, "select data from excluded") == [("2",)]


def test_malformed_statements_the_parser_took_are_syntax_errors(s):
    """Statements the parser read into no proper tree were internal errors (XX000: a
    TypeError in a property builder, a function call for ALTER's table, a missing DELETE
    target, a subquery as an UPDATE column, a SET item with no = through a view, TO read as
    an interval field); PostgreSQL 15 answers 42601 for each."""
    s.execute("create table n (a int, v text)")
    s.execute("create view vs as select a as b, v as a from n")
    for sql in ("create DEFAULT temp table gone (col int)",
                "CREATE TABLE w (a int) DEFAULT SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                "alter table now() add column x text default 'x'",
                "alter table ARRAY[1] alter name drop not null",
                "update n set ((SELECT 1), v) = row(2.345, 'cd')",
                "with x as (delete DEFAULT n returning a) select * from x",
                "select interval '1 2' day to to hour",
                "update vs set (a, (b) = 10, 20)"):
        assert sqlstate(s, sql) == "42601", sql
    s.execute("update n set (a, v) = row(2, 'x')")  # still read
    s.execute("update vs set (a, b) = ('y', 3)")
    assert rows(s, "select a, v from n") == []


def test_a_value_of_a_type_with_no_assignment_cast_to_its_column_is_42804(s):
    """PostgreSQL writes a value to a column only through an assignment cast: a number to
    any number, a date to a timestamp, any type to text. Otherwise 42804; SQLite had stored
    true into an integer as 1, 3 into a boolean as true and into a date as 1970-01-01, and
    a number into jsonb, bytea or an array as itself (checked against PostgreSQL 15)."""
    s.execute("CREATE TABLE a (i int, b bool, d date, ts timestamp, j jsonb, y bytea, "
              "arr int[], t text, n numeric, tm time)")
    for column, value, kinds in [
        ("i", "true", ("integer", "boolean")),
        ("b", "3", ("boolean", "integer")),
        ("b", "2.5", ("boolean", "numeric")),
        ("d", "3", ("date", "integer")),
        ("ts", "interval '1 day'", ("timestamp without time zone", "interval")),
        ("j", "3", ("jsonb", "integer")),
        ("y", "3", ("bytea", "integer")),
        ("arr", "3", ("integer[]", "integer")),
        ("i", "ARRAY[1]", ("integer", "integer[]")),
        ("tm", "date '2020-01-02'", ("time without time zone", "date")),
    ]:
        with pytest.raises(SqlError) as err:
            s.execute(f"INSERT INTO a ({column}) VALUES ({value})")
        assert err.value.sqlstate == "42804"
        assert err.value.message == (f'column "{column}" is of type {kinds[0]} but expression '
                                     f"is of type {kinds[1]}")
        assert err.value.hint == "You will need to rewrite or cast the expression."
    assert sqlstate(s, "UPDATE a SET i = true") == "42804"
    assert sqlstate(s, "INSERT INTO a (d) SELECT 7") == "42804"
    assert rows(s, "SELECT count(*) FROM a") == [(0,)]
    # what PostgreSQL casts on assignment goes in; strings and parameters are read as input
    s.execute("INSERT INTO a (i, b, d, ts, j, y, arr, t, n, tm) VALUES (2.5::float8, 't', "
              "'2020-01-02', date '2020-01-03', '{\"a\": 1}'::json, '\\x41', '{1,2}', true, 7, "
              "timestamp '2020-01-02 03:04:05')")
    s.execute("INSERT INTO a (i, b, ts, tm) VALUES ($1, $2, $3, $4)", (5, True, "2020-01-01",
                                                                        "01:02:03"))
    s.execute("UPDATE a SET n = i, t = ts WHERE i = 5")
    assert rows(s, "SELECT i, b, d::text, ts::text, t, n, tm::text FROM a ORDER BY i") == [
        (2, True, "2020-01-02", "2020-01-03 00:00:00", "true", Decimal("7"), "03:04:05"),
        (5, True, None, "2020-01-01 00:00:00", "2020-01-01 00:00:00", Decimal("5"), "01:02:03")]
