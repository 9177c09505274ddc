"""Unit tests of the MySQL dialect (aurora.engine.sql.mysql) on real APSW databases.

Each database of the fake instance is its own SQLite file in a tmp_path, opened through a
PostgreSQL Session the way the instance process opens them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import apsw
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.engine.sql import Session
from aurora.engine.sql.mysql import MySqlSession, lexer
from aurora.engine.sqlapi import SqlError


class FakeInstance:
    """The instance's side of MySqlSession: a registry of database files."""

    def __init__(self, folder, read_only: bool = False) -> None:
        self.folder = folder
        self.read_only = read_only
        self.databases = {"mysql"}

    def open_session(self, name: str) -> Session:
        conn = apsw.Connection(str(self.folder / f"{name}.db"))
        conn.execute("PRAGMA journal_mode=MEMORY")
        return Session(
            conn,
            user="admin",
            database=name,
            read_only=self.read_only,
            create_database=self.databases.add,
            drop_database=self.databases.discard,
            list_databases=lambda: sorted(self.databases),
        )

    def session(self, database: str | None = None, **kw) -> MySqlSession:
        return MySqlSession(
            self.open_session,
            user="admin",
            database=database,
            connection_id=42,
            instance_id="demo-instance-1",
            read_only=self.read_only,
            list_databases=lambda: sorted(self.databases),
            **kw,
        )


@pytest.fixture
def instance(tmp_path):
    return FakeInstance(tmp_path)


@pytest.fixture
def m(instance):
    s = instance.session()
    s.execute("CREATE DATABASE app")
    s.execute("USE app")
    yield s
    s.close()


def rows(s: MySqlSession, sql: str, *params: object) -> list[tuple]:
    return s.execute(sql, params).rows


def errno(s: MySqlSession, sql: str, *params: object) -> int:
    with pytest.raises(SqlError) as e:
        s.execute(sql, params)
    assert e.value.errno is not None
    return e.value.errno


SBTEST = (
    "CREATE TABLE sbtest1 (id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' NOT NULL,"
    " c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, PRIMARY KEY (id))"
    " /*! ENGINE = innodb */"
)


# --- databases, USE, 1046 ---------------------------------------------------------------------


def test_no_database_selected_then_use(instance):
    s = instance.session()
    assert rows(s, "SELECT DATABASE()") == [(None,)]
    assert errno(s, "SELECT * FROM t") == 1046
    assert errno(s, "CREATE TABLE t (a int)") == 1046
    s.execute("CREATE DATABASE IF NOT EXISTS shop")
    r = s.execute("CREATE DATABASE IF NOT EXISTS shop")
    assert r.warnings == 1
    assert errno(s, "CREATE DATABASE shop") == 1007
    assert ("shop",) in rows(s, "SHOW DATABASES")
    assert errno(s, "USE nosuch") == 1049
    s.execute("USE `shop`")
    assert s.database == "shop"
    assert rows(s, "SELECT DATABASE(), SCHEMA()") == [("shop", "shop")]
    s.execute("CREATE TABLE t (a int)")
    s.execute("DROP DATABASE shop")
    assert s.database is None
    assert errno(s, "DROP DATABASE shop") == 1008
    s.execute("DROP DATABASE IF EXISTS shop")


def test_handshake_database_and_use_method(instance):
    instance.databases.add("x")
    s = instance.session("x")
    assert s.database == "x"
    with pytest.raises(SqlError) as e:
        instance.session("nope")
    assert e.value.errno == 1049
    s.use("mysql")
    assert rows(s, "SELECT DATABASE()") == [("mysql",)]


def test_use_inside_transaction(m, instance):
    instance.databases.add("other")
    m.execute("CREATE TABLE t (a INT)")
    m.execute("BEGIN")
    m.execute("INSERT INTO t VALUES (1)")
    assert errno(m, "USE other") == 1179  # one database file per transaction
    m.execute("COMMIT")
    m.execute("SET autocommit = 0")
    assert rows(m, "SELECT COUNT(*) FROM t") == [(1,)]
    assert m.transaction_status == "T"
    m.use("other")  # a transaction that only read ends
    assert m.database == "other" and m.transaction_status == "I"


# --- DDL, AUTO_INCREMENT, insert_id --------------------------------------------------------


def test_auto_increment_and_insert_id(m):
    m.execute(SBTEST)
    r = m.execute("INSERT INTO sbtest1 (k, c, pad) VALUES (1, 'a', 'b'), (2, 'c', 'd')")
    assert (r.affected_rows, r.insert_id) == (2, 1)
    r = m.execute("INSERT INTO sbtest1 (k, c, pad) VALUES (3, 'e', 'f')")
    assert r.insert_id == 3
    assert rows(m, "SELECT LAST_INSERT_ID()") == [(3,)]
    r = m.execute("INSERT INTO sbtest1 VALUES (NULL, 4, 'g', 'h')")
    assert r.insert_id == 4
    r = m.execute("INSERT INTO sbtest1 (id, k) VALUES (10, 1)")
    assert r.insert_id == 10  # the id given, in the OK packet; LAST_INSERT_ID() keeps 4
    assert rows(m, "SELECT @@last_insert_id, LAST_INSERT_ID()") == [(4, 4)]
    r = m.execute("INSERT INTO sbtest1 (k) VALUES (?)", [5])
    assert r.insert_id == 11
    # the column written with NULL or 0: the first id generated, not the last (checked
    # against MariaDB 10.11), for the OK packet and LAST_INSERT_ID() alike
    r = m.execute("INSERT INTO sbtest1 VALUES (NULL, 1, '', ''), (NULL, 2, '', ''), (0, 3, '', '')")
    assert (r.affected_rows, r.insert_id) == (3, 12)
    assert rows(m, "SELECT LAST_INSERT_ID()") == [(12,)]
    r = m.execute("INSERT INTO sbtest1 (id, k) VALUES (?, 1), (?, 2), (?, 3)", [20, None, 30])
    assert r.insert_id == 21  # generated between two given ids
    assert rows(m, "SELECT LAST_INSERT_ID()") == [(21,)]
    r = m.execute("INSERT INTO sbtest1 (id, k) VALUES (40, 1), (41, 2)")
    assert r.insert_id == 41  # none generated: the last id given
    assert rows(m, "SELECT LAST_INSERT_ID()") == [(21,)]
    r = m.execute("INSERT INTO sbtest1 (id, k) SELECT NULL, k FROM sbtest1 WHERE id > 39")
    assert r.insert_id == 42


def test_update_counts_changed_rows_or_matched_ones_with_found_rows(instance):
    for found_rows, counts in ((False, (1, 0, 1, 0)), (True, (2, 2, 1, 1))):
        m = instance.session(found_rows=found_rows)
        m.execute("CREATE DATABASE IF NOT EXISTS app")
        m.execute("USE app")
        m.execute("DROP TABLE IF EXISTS u")
        m.execute("CREATE TABLE u (id INT PRIMARY KEY, name VARCHAR(10), n INT)")
        m.execute("INSERT INTO u VALUES (1, 'a', 1), (2, 'b', 2)")
        got = (
            m.execute("UPDATE u SET n = 2").affected_rows,  # row 2 had it already
            m.execute("UPDATE u SET n = 2 WHERE id < 3").affected_rows,
            # a case-insensitive column still changes 'a' to 'A': the stored bytes differ
            m.execute("UPDATE u SET name = 'A' WHERE id = 1").affected_rows,
            m.execute("INSERT INTO u VALUES (1, 'A', 2) ON DUPLICATE KEY UPDATE n = 2").affected_rows,
        )
        assert got == counts, found_rows
        r = m.execute("UPDATE u SET n = n + 1 WHERE id = 1")
        assert r.info == "Rows matched: 1  Changed: 1  Warnings: 0"
        assert rows(m, "SELECT id, name, n FROM u ORDER BY id") == [(1, "A", 3), (2, "b", 2)]
        m.execute("ALTER TABLE u ADD COLUMN extra INT")  # the counting follows new columns
        assert m.execute("UPDATE u SET extra = 7 WHERE id = 2").affected_rows == 1
        m.close()


def test_update_counts_survive_a_rolled_back_first_update(m):
    # The first UPDATE of a table makes the TEMP trigger that counts changed rows; a rollback
    # of that transaction (or of that statement) undoes the trigger too.
    m.execute("CREATE TABLE u (id INT PRIMARY KEY, n TINYINT)")
    m.execute("INSERT INTO u VALUES (1, 1), (2, 2)")
    m.execute("BEGIN")
    assert m.execute("UPDATE u SET n = n + 1 WHERE id = 1").affected_rows == 1
    m.execute("ROLLBACK")
    assert m.execute("UPDATE u SET n = n + 1 WHERE id = 1").affected_rows == 1
    m.execute("CREATE TABLE w (id INT PRIMARY KEY, n TINYINT)")
    m.execute("INSERT INTO w VALUES (1, 127), (2, 2)")
    m.execute("BEGIN")
    assert errno(m, "UPDATE w SET n = n + 1 WHERE id = 1") == 1264  # out of range: undone
    assert m.execute("UPDATE w SET n = n + 1 WHERE id = 2").affected_rows == 1
    m.execute("COMMIT")
    assert rows(m, "SELECT n FROM w ORDER BY id") == [(127,), (3,)]


def test_auto_increment_table_option_sets_the_next_id_and_show_create_table_shows_it(m):
    m.execute("CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT, v INT, PRIMARY KEY (id))"
              " ENGINE=InnoDB AUTO_INCREMENT=1000 DEFAULT CHARSET=utf8mb4")
    assert m.execute("INSERT INTO t (v) VALUES (1)").insert_id == 1000
    assert ") ENGINE=InnoDB AUTO_INCREMENT=1001 DEFAULT" in rows(m, "SHOW CREATE TABLE t")[0][1]
    m.execute("ALTER TABLE t AUTO_INCREMENT = 5000")
    assert m.execute("INSERT INTO t (v) VALUES (2)").insert_id == 5000
    m.execute("ALTER TABLE t AUTO_INCREMENT = 10")  # below the largest id: InnoDB goes on
    assert m.execute("INSERT INTO t (v) VALUES (3)").insert_id == 5001
    assert rows(m, "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_NAME = 't'") == [(5002,)]
    m.execute("CREATE TABLE t2 LIKE t")  # the definition, not the counter
    assert m.execute("INSERT INTO t2 (v) VALUES (1)").insert_id == 1


def test_a_scalar_subquery_of_two_rows_is_1242(m):
    m.execute("CREATE TABLE s (a INT)")
    m.execute("INSERT INTO s VALUES (1), (2)")
    assert errno(m, "SELECT (SELECT a FROM s)") == 1242
    assert rows(m, "SELECT (SELECT a FROM s WHERE a = 2)") == [(2,)]


def test_an_auto_increment_id_is_not_given_again(m):
    m.execute(SBTEST)
    m.execute("INSERT INTO sbtest1 (k) VALUES (1), (2), (3)")
    m.execute("DELETE FROM sbtest1 WHERE id = 3")
    assert m.execute("INSERT INTO sbtest1 (k) VALUES (4)").insert_id == 4  # as InnoDB: not 3
    assert m.execute("INSERT INTO sbtest1 VALUES (NULL, 5, '', '')").insert_id == 5
    m.execute("CREATE TABLE plain (id INT PRIMARY KEY, v INT)")
    assert errno(m, "INSERT INTO plain VALUES (NULL, 1)") == 1048
    assert rows(m, "SELECT count(*) FROM plain") == [(0,)]


def test_create_table_types_and_ranges(m):
    m.execute(
        "CREATE TABLE `types` (`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT, i INT, iu INT UNSIGNED,"
        " b BOOL DEFAULT FALSE, d DECIMAL(6,2), f FLOAT, db DOUBLE, vc VARCHAR(5),"
        " tt TINYTEXT, tx TEXT, bl BLOB, dt DATE, dtm DATETIME, ts TIMESTAMP NULL, tm TIME,"
        " y YEAR, j JSON, e ENUM('red','green') DEFAULT 'red', bt BIT(1))"
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
    )
    m.execute(
        "INSERT INTO types (ti, tu, si, mi, i, iu, b, d, f, db, vc, tt, tx, bl, dt, dtm, tm, y, j,"
        " e, bt) VALUES (-128, 255, -32768, 8388607, -2147483648, 4294967295, TRUE, 1234.5,"
        " 1.5, 2.25, 'abcde', 'tiny', 'text', X'0102', '2024-02-29', '2024-01-02 03:04:05',"
        " '10:11:12', 2024, '{\"a\": 1}', 'green', 1)"
    )
    (row,) = rows(m, "SELECT ti, tu, si, mi, i, iu, b, d, f, db, vc, dt, dtm, y, e FROM types")
    assert row == (
        -128, 255, -32768, 8388607, -2147483648, 4294967295, 1, Decimal("1234.50"), 1.5,
        2.25, "abcde", dt.date(2024, 2, 29), dt.datetime(2024, 1, 2, 3, 4, 5), 2024, "green",
    )
    for col, value in [("ti", 128), ("tu", -1), ("si", 40000), ("mi", 8388608), ("iu", -5),
                       ("i", 2147483648), ("y", 1800), ("d", 99999)]:
        with pytest.raises(SqlError) as e:
            m.execute(f"INSERT INTO types ({col}) VALUES ({value})")
        assert (e.value.errno, e.value.sqlstate) == (1264, "22003"), col
        assert f"column '{col}'" in e.value.message
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO types (vc) VALUES ('abcdef')")
    assert (e.value.errno, e.value.message) == (1406, "Data too long for column 'vc' at row 1")
    assert errno(m, "INSERT INTO types (e) VALUES ('blue')") == 1265


def test_out_of_range_and_too_long_name_the_row_of_a_multi_row_insert(m):
    """1264 and 1406 said "at row 1" whichever row of a multi-row INSERT failed; MySQL names
    that row. The rows tried to find it leave nothing behind, in a transaction or not."""
    m.execute("CREATE TABLE e6 (id INT AUTO_INCREMENT PRIMARY KEY, t TINYINT, vc VARCHAR(3), d DECIMAL(4, 1))")
    for sql, expected in [
        ("INSERT INTO e6 (t) VALUES (1), (2), (300)", (1264, "Out of range value for column 't' at row 3")),
        ("INSERT INTO e6 (vc) VALUES ('a'), ('abcd')", (1406, "Data too long for column 'vc' at row 2")),
        ("REPLACE INTO e6 (d) VALUES (1), (2), (3), (12345)", (1264, "Out of range value for column 'd' at row 4")),
        ("INSERT INTO e6 (t, vc) VALUES (1, 'a'), (2, CONCAT('abc', 'd'))",
         (1406, "Data too long for column 'vc' at row 2")),
        ("INSERT INTO e6 (t) VALUES (300), (1)", (1264, "Out of range value for column 't' at row 1")),
    ]:
        with pytest.raises(SqlError) as e:
            m.execute(sql)
        assert (e.value.errno, e.value.message) == expected, sql
    assert rows(m, "SELECT COUNT(*) FROM e6") == [(0,)]
    m.execute("BEGIN")
    m.execute("INSERT INTO e6 (t) VALUES (5)")
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO e6 (t) VALUES (?), (?)", (6, 700))
    assert e.value.message == "Out of range value for column 't' at row 2"
    m.execute("INSERT INTO e6 (t) VALUES (8)")
    m.execute("COMMIT")
    assert rows(m, "SELECT t FROM e6 ORDER BY id") == [(5,), (8,)]
    assert rows(m, "SELECT LAST_INSERT_ID()") == [(2,)]


def test_not_null_and_unknown_column_errors(m):
    m.execute("CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(10) NOT NULL)")
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO p VALUES (1, NULL)")
    assert (e.value.errno, e.value.sqlstate, e.value.message) == (
        1048, "23000", "Column 'name' cannot be null")
    with pytest.raises(SqlError) as e:
        m.execute("SELECT nosuch FROM p")
    assert (e.value.errno, e.value.sqlstate) == (1054, "42S22")
    assert e.value.message == "Unknown column 'nosuch' in 'field list'"
    with pytest.raises(SqlError) as e:
        m.execute("SELECT id FROM p WHERE nosuch = 1")
    assert e.value.message == "Unknown column 'nosuch' in 'where clause'"
    with pytest.raises(SqlError) as e:
        m.execute("SELECT * FROM missing")
    assert (e.value.errno, e.value.sqlstate, e.value.message) == (
        1146, "42S02", "Table 'app.missing' doesn't exist")
    assert errno(m, "CREATE TABLE p (a int)") == 1050
    assert m.execute("CREATE TABLE IF NOT EXISTS p (a int)").warnings == 1


def test_syntax_error_is_1064(m):
    with pytest.raises(SqlError) as e:
        m.execute("SELEC 1")
    assert (e.value.errno, e.value.sqlstate) == (1064, "42000")
    assert e.value.message.startswith("You have an error in your SQL syntax; check the manual")
    assert e.value.message.endswith("at line 1")


def test_duplicate_entry_message(m):
    m.execute(
        "CREATE TABLE u (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(50),"
        " UNIQUE KEY uk_email (email))"
    )
    m.execute("INSERT INTO u (id, email) VALUES (1, 'a@x')")
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO u (id, email) VALUES (1, 'b@x')")
    assert (e.value.errno, e.value.sqlstate) == (1062, "23000")
    assert e.value.message == "Duplicate entry '1' for key 'u.PRIMARY'"
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO u (email) VALUES ('A@X')")  # case-insensitive, as utf8mb4_0900_ai_ci
    assert e.value.message == "Duplicate entry 'A@X' for key 'u.uk_email'"


def test_duplicate_entry_names_the_value_of_updates_several_rows_and_parameters(m):
    m.execute("CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(50), a INT, b VARCHAR(5),"
              " UNIQUE KEY uk_email (email), UNIQUE KEY uk_ab (a, b))")
    m.execute("INSERT INTO u VALUES (1, 'a@x', 1, 'x'), (2, 'b@x', 2, 'y')")

    def message(sql, params=()):
        with pytest.raises(SqlError) as e:
            m.execute(sql, params)
        assert (e.value.errno, e.value.sqlstate) == (1062, "23000")
        return e.value.message

    assert message("UPDATE u SET email = 'b@x' WHERE id = 1") == "Duplicate entry 'b@x' for key 'u.uk_email'"
    assert message("UPDATE `u` SET `u`.`id` = 2, email = 'q' WHERE id = 1") == "Duplicate entry '2' for key 'u.PRIMARY'"
    assert message("UPDATE u SET a = 2, b = 'y' WHERE id = 1") == "Duplicate entry '2-y' for key 'u.uk_ab'"
    assert message("UPDATE u SET email = ? WHERE id = ?", ["b@x", 1]) == "Duplicate entry 'b@x' for key 'u.uk_email'"
    assert message("INSERT INTO u (id, email) VALUES (?, ?)", [2, "new"]) == "Duplicate entry '2' for key 'u.PRIMARY'"
    # several rows: the first whose key is taken, by the table or by an earlier row
    assert message("INSERT INTO u (id, email) VALUES (3, 'c'), (4, 'a@x'), (5, 'b@x')") == \
        "Duplicate entry 'a@x' for key 'u.uk_email'"
    assert message("INSERT INTO u (id, email) VALUES (3, 'c'), (4, 'd'), (5, 'c')") == \
        "Duplicate entry 'c' for key 'u.uk_email'"
    # an expression or a query: MySQL would know the value, the message here cannot
    assert message("UPDATE u SET id = id + 1 WHERE id = 1") == "Duplicate entry '?' for key 'u.PRIMARY'"
    assert message("INSERT INTO u (id, email) SELECT 1, 'z'") == "Duplicate entry '?' for key 'u.PRIMARY'"
    assert m.execute("SELECT id, email FROM u ORDER BY id").rows == [(1, "a@x"), (2, "b@x")]


def test_update_set_names_its_columns_with_the_table_or_its_alias(m):
    m.execute("CREATE TABLE u (id INT PRIMARY KEY, n INT)")
    m.execute("INSERT INTO u VALUES (1, 0)")
    assert m.execute("UPDATE `u` SET `u`.`n` = 5 WHERE u.id = 1").affected_rows == 1
    assert m.execute("UPDATE u AS t SET t.n = t.n + 1 WHERE t.id = 1").affected_rows == 1
    assert m.execute("UPDATE app.u SET u.n = u.n * 2").affected_rows == 1
    assert m.execute("SELECT n FROM u").rows == [(12,)]
    with pytest.raises(SqlError) as e:
        m.execute("UPDATE u SET v.n = 1")
    assert (e.value.errno, e.value.sqlstate, e.value.message) == (1054, "42S22", "Unknown column 'v.n' in 'field list'")


def test_foreign_keys(m):
    m.execute("CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB")
    m.execute(
        "CREATE TABLE child (id INT PRIMARY KEY, pid INT, KEY idx_pid (pid),"
        " CONSTRAINT fk_parent FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE)"
    )
    m.execute("INSERT INTO parent VALUES (1)")
    m.execute("INSERT INTO child VALUES (1, 1)")
    assert errno(m, "INSERT INTO child VALUES (2, 99)") == 1452
    m.execute("DELETE FROM parent WHERE id = 1")
    assert rows(m, "SELECT COUNT(*) FROM child") == [(0,)]
    m.execute("CREATE TABLE strict_child (id INT PRIMARY KEY, pid INT REFERENCES parent (id))")
    m.execute("INSERT INTO parent VALUES (2)")
    m.execute("INSERT INTO strict_child VALUES (1, 2)")
    with pytest.raises(SqlError) as e:
        m.execute("DELETE FROM parent WHERE id = 2")
    assert (e.value.errno, e.value.sqlstate) == (1451, "23000")
    assert e.value.message.startswith("Cannot delete or update a parent row")
    text = rows(m, "SHOW CREATE TABLE child")[0][1]
    assert "CONSTRAINT `fk_parent` FOREIGN KEY (`pid`) REFERENCES `parent` (`id`) ON DELETE CASCADE" in text


def test_alter_table(m):
    m.execute("CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, n INT)")
    m.execute("INSERT INTO a (n) VALUES (1)")
    m.execute("ALTER TABLE a ADD COLUMN note VARCHAR(10) AFTER n, ADD INDEX idx_note (note)")
    m.execute("UPDATE a SET note = 'n'")
    m.execute("ALTER TABLE a MODIFY COLUMN note VARCHAR(30) NOT NULL DEFAULT 'q'")
    m.execute("ALTER TABLE a CHANGE COLUMN note remark VARCHAR(30)")
    m.execute("ALTER TABLE a ADD UNIQUE KEY uk_n (n)")
    m.execute("ALTER TABLE a ADD COLUMN cnt INT NOT NULL, ADD COLUMN label VARCHAR(5) NOT NULL")
    assert rows(m, "SELECT cnt, label FROM a") == [(0, "")]
    m.execute("ALTER TABLE a ADD COLUMN flag INT DEFAULT 7")
    m.execute("ALTER TABLE a ALTER COLUMN flag DROP DEFAULT")
    assert rows(m, "SELECT flag FROM a") == [(7,)]
    m.execute("ALTER TABLE a DROP COLUMN cnt, DROP COLUMN label, DROP COLUMN flag")
    desc = {r[0]: r for r in rows(m, "DESCRIBE a")}
    assert desc["remark"][1] == "varchar(30)"
    assert desc["n"][3] == "UNI"
    m.execute("ALTER TABLE a DROP INDEX idx_note")
    m.execute("ALTER TABLE a DROP COLUMN remark")
    assert [r[0] for r in rows(m, "SHOW COLUMNS FROM a")] == ["id", "n"]
    m.execute("ALTER TABLE a RENAME TO b")
    assert rows(m, "SHOW TABLES") == [("b",)]
    m.execute("RENAME TABLE b TO c")
    assert rows(m, "SELECT n FROM c") == [(1,)]


def test_first_and_after_put_columns_where_mysql_does(m):
    """ADD / MODIFY / CHANGE COLUMN ... FIRST | AFTER move the column, rows and all: SELECT *
    and an INSERT without a column list follow the new order (values go into the columns
    MySQL would put them in); keys, AUTO_INCREMENT and foreign keys keep working."""
    m.execute("CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(10))")
    m.execute("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, b VARCHAR(10) UNIQUE, pid INT,"
              " KEY kb (b), FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE)")
    m.execute("INSERT INTO p VALUES (1, 'one'), (2, 'two')")
    m.execute("INSERT INTO t (b, pid) VALUES ('x', 1), ('y', 2)")
    m.execute("ALTER TABLE t ADD COLUMN c INT AFTER id")
    m.execute("ALTER TABLE t ADD COLUMN d INT NOT NULL FIRST")
    assert [r[0] for r in rows(m, "SHOW COLUMNS FROM t")] == ["d", "id", "c", "b", "pid"]
    assert rows(m, "SELECT * FROM t ORDER BY id") == [(0, 1, None, "x", 1), (0, 2, None, "y", 2)]
    m.execute("INSERT INTO t VALUES (7, NULL, 5, 'z', 1)")  # the id is the next one
    assert rows(m, "SELECT d, id, c, b FROM t WHERE b = 'z'") == [(7, 3, 5, "z")]
    m.execute("INSERT INTO t (d, b) VALUES (0, 'gone')")
    m.execute("DELETE FROM t WHERE b = 'gone'")  # id 4 is used up, as in InnoDB
    m.execute("ALTER TABLE t CHANGE COLUMN b label VARCHAR(20) NOT NULL AFTER d, MODIFY pid INT FIRST")
    assert [r[0] for r in rows(m, "SHOW COLUMNS FROM t")] == ["pid", "d", "label", "id", "c"]
    assert rows(m, "SELECT * FROM t WHERE id = 1") == [(1, 0, "x", 1, None)]
    assert errno(m, "INSERT INTO t (d, label) VALUES (0, 'x')") == 1062  # the unique key
    assert errno(m, "INSERT INTO t (pid, d, label) VALUES (9, 0, 'q')") == 1452  # the foreign key
    m.execute("DELETE FROM p WHERE id = 2")  # ON DELETE CASCADE
    assert rows(m, "SELECT label FROM t ORDER BY id") == [("x",), ("z",)]
    assert rows(m, "SELECT column_name, ordinal_position FROM information_schema.columns"
                   " WHERE table_name = 't' ORDER BY ordinal_position")[:2] == [("pid", 1), ("d", 2)]
    [(_, create)] = rows(m, "SHOW CREATE TABLE t")
    assert "KEY `kb` (`label`)" in create and "AUTO_INCREMENT=5" in create
    assert errno(m, "ALTER TABLE t ADD COLUMN e INT, MODIFY c INT AFTER nope") == 1054
    assert [r[0] for r in rows(m, "SHOW COLUMNS FROM t")] == ["pid", "d", "label", "id", "c"]  # all or none
    m.execute("CREATE TEMPORARY TABLE tt (a INT)")
    assert errno(m, "ALTER TABLE tt ADD COLUMN z INT FIRST") == 1235


def test_date_number_and_string_functions_as_mysql_documents_them(m):
    """The examples of MySQL's reference manual for functions that were missing or broken."""
    assert rows(m, "SELECT TO_DAYS('2007-10-07'), FROM_DAYS(TO_DAYS('2024-02-29')), TO_DAYS('nope'),"
                   " TO_SECONDS('2009-11-29 13:43:32')") == [(733321, "2024-02-29", None, 63426721412)]
    assert rows(m, "SELECT PERIOD_ADD(200801, 2), PERIOD_ADD(0801, 13), PERIOD_DIFF(200802, 200703)") == [
        (200803, 200902, 11)]
    assert rows(m, "SELECT ADDDATE('2008-01-02', 31), ADDDATE('2008-01-02', INTERVAL 31 DAY),"
                   " SUBDATE('2008-01-02', INTERVAL 31 DAY), SUBDATE('2008-01-02 12:00:00', 1)") == [
        (dt.date(2008, 2, 2), dt.date(2008, 2, 2), dt.date(2007, 12, 2), dt.datetime(2008, 1, 1, 12))]
    assert rows(m, "SELECT INET_ATON('10.0.5.9'), INET_ATON('127.1'), INET_ATON('1.2.3.256'),"
                   " INET_NTOA(167773449)") == [(167773449, 2130706433, None, "10.0.5.9")]
    assert rows(m, "SELECT MAKE_SET(1 | 4, 'hello', 'nice', 'world'), MAKE_SET(1 | 4, 'hello', 'nice', NULL,"
                   " 'world'), EXPORT_SET(5, 'Y', 'N', ',', 4), EXPORT_SET(6, '1', '0', ',', 10)") == [
        ("hello,world", "hello", "Y,N,Y,N", "0,1,1,0,0,0,0,0,0,0")]
    assert rows(m, "SELECT SOUNDEX('Hello'), SOUNDEX('Quadratically'), BIT_COUNT(64), BIT_COUNT(BINARY 64),"
                   " BIT_COUNT(-1), BIT_LENGTH('text')") == [("H400", "Q36324", 1, 7, 64, 32)]
    assert rows(m, "SELECT TIME_FORMAT('100:00:00', '%H %k %h %I %l'), TIME_FORMAT('13:04:05', '%r'),"
                   " TIME_FORMAT('13:04:05', '%Y'), WEEKOFYEAR('2008-02-20')") == [
        ("100 100 04 04 4", "01:04:05 PM", None, 8)]
    m.execute("CREATE TABLE ev (d DATE)")
    m.execute("INSERT INTO ev VALUES ('2024-01-01'), ('2024-03-01')")
    assert rows(m, "SELECT TO_DAYS(MAX(d)) - TO_DAYS(MIN(d)) FROM ev") == [(60,)]


def test_a_number_where_a_date_is_expected_is_read_as_mysql_reads_it(m):
    """YYYYMMDD, YYMMDD and YYYYMMDDhhmmss, not a Unix time (which answered 1970 dates); a
    number that is no date is NULL."""
    assert rows(m, "SELECT DAYOFWEEK(20240102), DATEDIFF(20240310, 20240301), TO_DAYS(950501),"
                   " DATE_FORMAT(20240102101112, '%Y-%m-%d %H:%i'), YEAR(20240102), MONTH(240102)") == [
        (3, 9, 728779, "2024-01-02 10:11", 2024, 1)]
    assert rows(m, "SELECT DATE(20240102101112), DATE_ADD(20240131, INTERVAL 1 MONTH), LAST_DAY(20240210),"
                   " UNIX_TIMESTAMP(20240102)") == [
        (dt.date(2024, 1, 2), dt.date(2024, 2, 29), dt.date(2024, 2, 29), 1704153600)]
    assert rows(m, "SELECT YEAR(20241302), DAYOFWEEK(20241302)") == [(None, None)]


def test_parameters_in_date_arithmetic_and_date_functions(m):
    """A prepared statement's parameters where MySQL reads a date or an interval's amount:
    they failed as an internal error (AssertionError, 'Unsafe'). Bound as the binary
    protocol binds them: strings, numbers, datetime and date values."""
    m.execute("CREATE TABLE e (id INT, d DATE, ts DATETIME)")
    m.execute("INSERT INTO e VALUES (1, '2024-01-02', '2024-01-02 10:00:00'),"
              " (2, '2020-01-01', '2020-01-01 00:00:00')")
    assert rows(m, "SELECT d + INTERVAL ? DAY, DATE_ADD(d, INTERVAL ? MONTH), DATE_SUB(ts, INTERVAL ? HOUR),"
                   " ts + INTERVAL ? SECOND FROM e WHERE id = 1", 1, 1, 2, 1.5) == [
        (dt.date(2024, 1, 3), dt.date(2024, 2, 2), dt.datetime(2024, 1, 2, 8, 0),
         dt.datetime(2024, 1, 2, 10, 0, 1, 500000))]
    assert rows(m, "SELECT id FROM e WHERE ts > ? - INTERVAL ? DAY", dt.datetime(2024, 1, 3), 2) == [(1,)]
    assert rows(m, "SELECT id FROM e WHERE d >= DATE_SUB(?, INTERVAL ? YEAR)", "2024-06-01", 1) == [(1,)]
    # a value plus an interval is a string, the date's alone when it was a date (MySQL's)
    assert rows(m, "SELECT DATE_ADD(?, INTERVAL 1 HOUR), DATE_ADD(?, INTERVAL 1 DAY), ? + INTERVAL 1 DAY,"
                   " DATE_ADD(?, INTERVAL 1 DAY)", dt.datetime(2024, 3, 4, 5, 6, 7), dt.date(2024, 3, 4),
                   "2024-01-31", "nonsense") == [("2024-03-04 06:06:07", "2024-03-05", "2024-02-01", None)]
    assert rows(m, "SELECT YEAR(?), DATE(?), MONTH(?), TIMESTAMPDIFF(DAY, ?, ?), EXTRACT(MONTH FROM ?)",
                20240102, dt.datetime(2024, 3, 4, 5, 6, 7), "2024/05/06", "2024-01-01", "2024-03-01",
                "2024-07-08") == [(2024, dt.date(2024, 3, 4), 5, 60, 7)]
    assert rows(m, "SELECT DATE_ADD('2024-01-01', INTERVAL ? QUARTER), DATE_ADD('2024-01-01', INTERVAL ? WEEK),"
                   " DATE_FORMAT(?, '%Y'), STR_TO_DATE(?, '%d.%m.%Y')", 1, 2, "2024-01-02", "03.04.2024") == [
        (dt.date(2024, 4, 1), dt.date(2024, 1, 15), "2024", dt.date(2024, 4, 3))]
    # a compound interval's amount is text to parse: a clear refusal, not an internal error
    assert errno(m, "SELECT DATE_ADD('2024-01-01', INTERVAL ? DAY_HOUR)", "1 2") == 1235
    # a result named after its text shows a parameter as MySQL does ("WEEKDAY('__myp1__')")
    named = m.execute("SELECT WEEKDAY(?), ? + 1, ?, CONCAT(?, 'lit')", ("2024-02-10", 1, 5, "a")).columns
    assert [c.name for c in named] == ["WEEKDAY(?)", "? + 1", "?", "CONCAT(?, 'lit')"]


def test_date_parts_are_integers_and_a_string_plus_an_interval_is_a_string(m):
    """YEAR, MONTH, DAY and EXTRACT are integers (they were DECIMAL); EXTRACT's SECOND
    has no fraction, MICROSECOND is the fraction's, WEEK is WEEK(d) (not the ISO week). A
    string column plus an interval, DATE_ADD or TIMESTAMPADD of it, is a string (it was cut
    to the column's length: '2024-01-03 00:00:00.')."""
    m.execute("CREATE TABLE n (s VARCHAR(20), d DATE)")
    m.execute("INSERT INTO n VALUES ('2024-01-02', '2024-01-02')")
    r = m.execute("SELECT YEAR(d), MONTH(d), DAY(d), EXTRACT(YEAR FROM d),"
                  " EXTRACT(SECOND FROM '2024-01-02 10:00:05.5'), EXTRACT(MICROSECOND FROM '2024-01-02 10:00:05.5'),"
                  " EXTRACT(WEEK FROM '2024-01-09') FROM n")
    assert r.rows == [(2024, 1, 2, 2024, 5, 500000, 1)]
    assert all(type(v) is int for v in r.rows[0])
    assert rows(m, "SELECT DATE_ADD(s, INTERVAL 1 DAY), DATE_ADD(s, INTERVAL 1 HOUR), s + INTERVAL 1 MONTH,"
                   " DATE_SUB(s, INTERVAL '1 2' DAY_HOUR), TIMESTAMPADD(HOUR, 2, s), TIMESTAMPADD(DAY, 2, d),"
                   " TIMESTAMPADD(HOUR, 2, '2024-01-01 00:00:00') FROM n") == [
        ("2024-01-03", "2024-01-02 01:00:00", "2024-02-02", "2023-12-31 22:00:00", "2024-01-02 02:00:00",
         dt.date(2024, 1, 4), dt.datetime(2024, 1, 1, 2, 0))]


def test_sleep_rand_last_insert_id_uuids_and_charset_as_mysql_documents_them(m):
    started = time.monotonic()
    assert rows(m, "SELECT SLEEP(0.2)") == [(0,)]
    assert time.monotonic() - started >= 0.2
    assert errno(m, "SELECT SLEEP(-1)") == 1210
    # RAND(N): MySQL's generator, one sequence per call in the statement, again each time
    m.execute("CREATE TABLE r (i INT)")
    m.execute("INSERT INTO r VALUES (1), (2), (3)")
    mysql_manual = [0.90576975597606, 0.37307905813035, 0.14808605345719]
    for _ in range(2):
        got = rows(m, "SELECT i, RAND(3), RAND(3) FROM r ORDER BY i")
        assert [round(a, 14) for _, a, _ in got] == mysql_manual
        assert all(a == b for _, a, b in got)
    # LAST_INSERT_ID(expr): a counter table's next value, for the next LAST_INSERT_ID()
    m.execute("CREATE TABLE seq (id INT NOT NULL)")
    m.execute("INSERT INTO seq VALUES (41)")
    assert m.execute("UPDATE seq SET id = LAST_INSERT_ID(id + 1)").insert_id == 42
    assert rows(m, "SELECT LAST_INSERT_ID(), id FROM seq") == [(42, 42)]
    uuid = "6ccd780c-baba-1026-9564-5b8c656024db"
    assert rows(m, f"SELECT HEX(UUID_TO_BIN('{uuid}')), HEX(UUID_TO_BIN('{uuid}', 1)),"
                   f" BIN_TO_UUID(UUID_TO_BIN('{uuid}', 1), 1), IS_UUID('{{{uuid}}}'),"
                   " IS_UUID('6ccd780cbaba102695645b8c656024db'), IS_UUID('6ccd780c-baba'),"
                   " UUID_SHORT() < UUID_SHORT()") == [
        ("6CCD780CBABA102695645B8C656024DB", "1026BABA6CCD780C95645B8C656024DB", uuid, 1, 1, 0, 1)]
    assert errno(m, "SELECT UUID_TO_BIN('nope')") == 1411
    assert rows(m, "SELECT CHARSET('a'), COLLATION('a'), CHARSET(1)") == [
        ("utf8mb4", "utf8mb4_0900_ai_ci", "binary")]


def test_get_lock_is_the_instances_and_ends_with_its_session(instance):
    """GET_LOCK's locks: one holder at a time, taken again by it as often as released,
    waited for up to the timeout, released at the holder's end (or COM_RESET_CONNECTION)."""
    a, b = instance.session(), instance.session()
    try:
        assert rows(a, "SELECT GET_LOCK('Migrate', 0), GET_LOCK('migrate', 0), IS_FREE_LOCK('migrate'),"
                       " IS_USED_LOCK('MIGRATE')") == [(1, 1, 0, 42)]
        started = time.monotonic()
        assert rows(b, "SELECT GET_LOCK('migrate', 0.3), RELEASE_LOCK('migrate')") == [(0, 0)]
        assert time.monotonic() - started >= 0.3
        assert rows(a, "SELECT RELEASE_LOCK('migrate'), IS_FREE_LOCK('migrate')") == [(1, 0)]
        waiting = threading.Thread(target=lambda: got.append(rows(b, "SELECT GET_LOCK('migrate', 10)")))
        got: list[object] = []
        waiting.start()
        time.sleep(0.2)
        assert got == []
        assert rows(a, "SELECT RELEASE_LOCK('migrate')") == [(1,)]
        waiting.join(5)
        assert got == [[(1,)]]
        assert rows(a, "SELECT RELEASE_LOCK('migrate')") == [(0,)]  # b's now
        assert rows(b, "SELECT GET_LOCK('other', 0), RELEASE_ALL_LOCKS(), IS_FREE_LOCK('migrate'),"
                       " RELEASE_LOCK('nobody')") == [(1, 2, 1, None)]
        assert errno(a, "SELECT GET_LOCK('" + "x" * 65 + "', 0)") == 3057
        assert rows(b, "SELECT GET_LOCK('job', 0)") == [(1,)]
        b.reset()
        assert rows(a, "SELECT GET_LOCK('job', 0)") == [(1,)]
        a.close()
        assert rows(b, "SELECT GET_LOCK('job', 0)") == [(1,)]
    finally:
        a.close()
        b.close()


def test_a_numeric_column_where_a_date_is_expected_holds_dates_as_mysql_reads_them(m):
    """A column of numbers given to a date function: its values are dates (20240102, and
    20240102101112 in a BIGINT), not days or seconds since 1970; one that is no date is
    NULL. Strings of digits and dates with other punctuation read as dates too."""
    m.execute("CREATE TABLE n (v INT, b BIGINT, dc DECIMAL(14,0), s VARCHAR(20), bad INT)")
    m.execute("INSERT INTO n VALUES (20240102, 20240102101112, 240102, '20240102', 12345)")
    assert rows(m, "SELECT YEAR(v), MONTH(v), DAY(v), DAYOFWEEK(v), DATE(v), TO_DAYS(v),"
                   " LAST_DAY(v), EXTRACT(YEAR FROM v), UNIX_TIMESTAMP(v) FROM n") == [
        (2024, 1, 2, 3, dt.date(2024, 1, 2), 739252, dt.date(2024, 1, 31), 2024, 1704153600)]
    assert rows(m, "SELECT DATE_ADD(v, INTERVAL 1 DAY), v + INTERVAL 1 MONTH, ADDDATE(v, 30),"
                   " TIMESTAMPDIFF(DAY, v, 20240201), DATE_FORMAT(b, '%Y-%m-%d %H:%i'),"
                   " DATE(b), DATE(dc) FROM n") == [
        (dt.date(2024, 1, 3), dt.date(2024, 2, 2), dt.date(2024, 2, 1), 30, "2024-01-02 10:11",
         dt.date(2024, 1, 2), dt.date(2024, 1, 2))]
    assert rows(m, "SELECT v FROM n WHERE YEAR(v) = 2024 AND MONTH(v) = 1") == [(20240102,)]
    assert rows(m, "SELECT YEAR(bad), DATE(bad), DATE_ADD(bad, INTERVAL 1 DAY), v + 1 FROM n") == [
        (None, None, None, 20240103)]
    assert rows(m, "SELECT TO_DAYS(s), DAYOFWEEK(s), TO_DAYS('2024/01/02'),"
                   " DAYOFWEEK('2024.01.02') FROM n") == [(739252, 3, 739252, 3)]


def test_create_table_like_and_as_select(m):
    m.execute("CREATE TABLE src (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(10) NOT NULL,"
              " KEY idx_name (name))")
    m.execute("INSERT INTO src (name) VALUES ('a'), ('b')")
    m.execute("CREATE TABLE copy1 LIKE src")
    # the same definition; the AUTO_INCREMENT counter is not copied (as in MySQL)
    assert rows(m, "SHOW CREATE TABLE copy1")[0][1] == rows(m, "SHOW CREATE TABLE src")[0][1].replace(
        "`src`", "`copy1`").replace(" AUTO_INCREMENT=3", "")
    m.execute("CREATE TABLE copy2 AS SELECT id, UPPER(name) AS name FROM src WHERE id > 1")
    assert rows(m, "SELECT id, name FROM copy2") == [(2, "B")]


def test_create_table_with_columns_and_a_select(m):
    """CREATE TABLE t (id INT PRIMARY KEY) SELECT ... made a table of the declared columns
    only, without the query's rows, and (PRIMARY KEY (id)) SELECT ... was 1113. MySQL's
    table has the declared columns, then the query's other columns, and its rows; a row a
    key refuses fails the statement and leaves no table. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE cs (id INT PRIMARY KEY, x INT, s VARCHAR(10))")
    m.execute("INSERT INTO cs VALUES (1, 10, 'p'), (2, 20, 'q')")
    m.execute("CREATE TABLE c1 (id INT PRIMARY KEY) SELECT id, x FROM cs")
    m.execute("CREATE TABLE c2 (PRIMARY KEY (id)) ENGINE=InnoDB AS SELECT id, x FROM cs")
    m.execute("CREATE TABLE c3 (extra INT DEFAULT 9, id INT NOT NULL, UNIQUE KEY (x)) (SELECT id, x FROM cs)")
    for t in ("c1", "c2"):
        assert rows(m, f"SELECT * FROM {t} ORDER BY id") == [(1, 10), (2, 20)]
        assert [r[:4] for r in rows(m, f"DESCRIBE {t}")] == [
            ("id", "int", "NO", "PRI"), ("x", "int", "YES", "")]
    assert rows(m, "SELECT * FROM c3 ORDER BY id") == [(9, 1, 10), (9, 2, 20)]
    assert errno(m, "INSERT INTO c2 VALUES (1, 5)") == 1062
    assert errno(m, "INSERT INTO c3 (id, x) VALUES (3, 10)") == 1062
    assert errno(m, "CREATE TABLE c4 (id INT PRIMARY KEY) SELECT 1 AS id UNION ALL SELECT 1") == 1062
    assert errno(m, "SELECT * FROM c4") == 1146
    assert errno(m, "CREATE TABLE c4 (s VARCHAR(1)) SELECT CONCAT(s, 'z') AS s FROM cs") == 1406
    assert errno(m, "SELECT * FROM c4") == 1146


def test_create_table_select_counts_the_rows_it_wrote(m):
    """CREATE TABLE ... SELECT reported 0 rows; MySQL's OK packet has the rows written, with
    an INSERT ... SELECT's info, and ROW_COUNT() is that number."""
    m.execute("CREATE TABLE cr (id INT PRIMARY KEY, x INT)")
    m.execute("INSERT INTO cr VALUES (1, 10), (2, 20), (3, 30)")
    r = m.execute("CREATE TABLE cr1 SELECT * FROM cr")
    assert (r.affected_rows, r.info) == (3, "Records: 3  Duplicates: 0  Warnings: 0")
    assert rows(m, "SELECT ROW_COUNT()") == [(3,)]
    assert m.execute("CREATE TABLE cr2 AS SELECT id FROM cr WHERE id > 1").affected_rows == 2
    r = m.execute("CREATE TABLE cr3 (y INT) SELECT id, x FROM cr")
    assert (r.affected_rows, r.info) == (3, "Records: 3  Duplicates: 0  Warnings: 0")
    assert m.execute("CREATE TABLE cr4 AS SELECT * FROM cr WHERE id > 5").affected_rows == 0
    r = m.execute("CREATE TABLE cr5 (z INT)")
    assert (r.affected_rows, r.info) == (0, "")


def test_an_insert_of_several_rows_or_a_select_has_mysqls_info(m):
    """A multi-row INSERT and INSERT ... SELECT had no info in the OK packet; MySQL's has
    Records, Duplicates (rows IGNORE skipped, rows an upsert changed, rows REPLACE deleted)
    and Warnings. A single-row INSERT has none."""
    m.execute("CREATE TABLE ir (a INT PRIMARY KEY, b INT)")
    assert m.execute("INSERT INTO ir VALUES (1, 1)").info == ""
    r = m.execute("INSERT INTO ir VALUES (2, 1), (3, 1)")
    assert (r.affected_rows, r.info) == (2, "Records: 2  Duplicates: 0  Warnings: 0")
    r = m.execute("INSERT INTO ir SELECT a + 10, b FROM ir")
    assert (r.affected_rows, r.info) == (3, "Records: 3  Duplicates: 0  Warnings: 0")
    r = m.execute("INSERT INTO ir SELECT a, b FROM ir WHERE a = 0")
    assert (r.affected_rows, r.info) == (0, "Records: 0  Duplicates: 0  Warnings: 0")
    r = m.execute("INSERT IGNORE INTO ir VALUES (1, 1), (4, 1), (2, 2)")
    assert (r.affected_rows, r.info) == (1, "Records: 3  Duplicates: 2  Warnings: 2")
    assert m.execute("INSERT IGNORE INTO ir VALUES (1, 1)").info == ""
    r = m.execute("INSERT INTO ir VALUES (1, 1), (2, 5), (5, 1) ON DUPLICATE KEY UPDATE b = VALUES(b)")
    assert (r.affected_rows, r.info) == (3, "Records: 3  Duplicates: 1  Warnings: 0")
    r = m.execute("REPLACE INTO ir VALUES (1, 7), (6, 1)")
    assert (r.affected_rows, r.info) == (3, "Records: 2  Duplicates: 1  Warnings: 0")
    assert m.execute("REPLACE INTO ir VALUES (1, 8)").info == ""
    assert m.execute("INSERT INTO ir SET a = 50").info == ""


def test_a_unit_in_backticks_is_a_syntax_error(m):
    """``EXTRACT(`DAY` FROM d)`` ran as EXTRACT(DAY ...); a unit is a word of MySQL's grammar,
    and in backticks it is 1064 (as an alias or a column it is a name as ever)."""
    for sql in ("SELECT EXTRACT(`DAY` FROM '2024-01-02')", "SELECT EXTRACT(`year_month` FROM '2024-01-02')",
                "SELECT DATE_ADD('2024-01-02', INTERVAL 1 `DAY`)",
                "SELECT TIMESTAMPDIFF(`DAY`, '2024-01-01', '2024-01-03')",
                "SELECT TIMESTAMPADD(`DAY`, 1, '2024-01-01')"):
        assert errno(m, sql) == 1064, sql
    assert rows(m, "SELECT EXTRACT(DAY FROM '2024-01-02'), 1 `DAY`") == [(2, 1)]
    assert rows(m, "SELECT `day` FROM (SELECT 3 AS day) x") == [(3,)]


def test_a_limit_that_is_no_integer_and_a_quoted_unit_after_any_amount_are_1064(m):
    """``LIMIT 1.0`` ran (and ``LIMIT 1.5`` was 1105); ``INTERVAL (1+1) `DAY``` and
    ``INTERVAL -1 `DAY``` ran as the unit. MySQL's grammar takes an integer in LIMIT and a
    unit word after an interval's amount, whatever the amount: 1064 each."""
    for sql in ("SELECT 1 LIMIT 1.0", "SELECT 1 LIMIT 1.5", "SELECT 1 LIMIT 1e0", "SELECT 1 LIMIT 0, 1.5",
                "SELECT 1 LIMIT 1 OFFSET 0.0", "SELECT DATE_ADD('2024-01-01', INTERVAL (1+1) `DAY`)",
                "SELECT DATE_ADD('2024-01-01', INTERVAL -1 `DAY`)"):
        assert errno(m, sql) == 1064, sql
    m.execute("CREATE TABLE iv (`day` INT)")
    m.execute("INSERT INTO iv VALUES (2)")
    assert rows(m, "SELECT DATE_ADD('2024-01-01', INTERVAL iv.`day` DAY), DATE_ADD('2024-01-01', INTERVAL 1 + `day` DAY), "
                   "DATE_ADD('2024-01-01', INTERVAL (1+1) DAY), 1.5 FROM iv LIMIT 0, 1") == [
        (dt.date(2024, 1, 3), dt.date(2024, 1, 4), dt.date(2024, 1, 3), Decimal("1.5"))]


def test_a_literal_with_an_exponent_is_a_double(m):
    """``2.5e0`` was a DECIMAL (0.1e0 + 0.2e0 was exactly 0.3); in MySQL a number written
    with an exponent is a DOUBLE, in type and in value: ``1e2`` written to a VARCHAR is '100',
    beside a string in a UNION it is a string, 1e400 is 1367 and 1e-400 is 0."""
    r = m.execute("SELECT 2.5e0, 1e2 + 1, 2.5e0 * 2, 2.5, 0.1e0 + 0.2e0, 1e0 / 3, -1E2")
    assert [c.type_oid for c in r.columns] == [701, 701, 701, 1700, 701, 701, 701]
    assert r.rows == [(2.5, 101.0, 5.0, Decimal("2.5"), 0.1 + 0.2, 1 / 3, -100.0)]
    assert isinstance(r.rows[0][0], float)
    r = m.execute("SELECT @k := 2.5e0")
    assert (r.columns[0].type_oid, r.rows) == (701, [(2.5,)])
    assert rows(m, "SELECT @k * 2, CONCAT(1e2, ''), 1e0 = '1', ROUND(0.125e0, 2), LEFT('abcd', 1.5e0)") == [
        (5.0, "100", 1, 0.12, "ab")]
    assert rows(m, "SELECT 1e2 AS x UNION SELECT 'a' ORDER BY x") == [("100",), ("a",)]
    m.execute("CREATE TABLE ex (vc VARCHAR(10), i INT, d DATE)")
    m.execute("INSERT INTO ex VALUES (1e2, 1e2, 20240102e0), (1.5e-5, 3e0, NULL)")
    assert rows(m, "SELECT vc, i, d FROM ex ORDER BY i DESC") == [
        ("100", 100, dt.date(2024, 1, 2)), ("0.000015", 3, None)]
    assert errno(m, "SELECT 1e400") == 1367
    assert rows(m, "SELECT 1e-400") == [(0.0,)]


def test_a_double_made_an_integer_rounds_half_to_even(m):
    """A DOUBLE written to an integer column, cast to SIGNED or given as a count (LEFT,
    REPEAT, SUBSTRING) rounds half to even in MySQL (C's rint(): 2.5e0 is 2, -2.5e0 -2,
    0.5e0 0); it rounded half away from zero, as a DECIMAL does (2.5 is 3, kept)."""
    m.execute("CREATE TABLE r4 (k INT AUTO_INCREMENT PRIMARY KEY, i INT, t TINYINT, u INT UNSIGNED)")
    m.execute("INSERT INTO r4 (i) VALUES (2.5e0), (3.5e0), (-2.5e0), (0.5e0), (2.5), (-2.5)")
    m.execute("INSERT INTO r4 (i, t) SELECT CAST(4.5 AS DOUBLE), 126.5e0")
    m.execute("UPDATE r4 SET u = 6.5e0 WHERE k = 1")
    assert rows(m, "SELECT i, t, u FROM r4 ORDER BY k") == [
        (2, None, 6), (4, None, None), (-2, None, None), (0, None, None), (3, None, None),
        (-3, None, None), (4, 126, None)]
    m.execute("CREATE TABLE r5 (d DOUBLE, n DECIMAL(5, 1))")
    m.execute("INSERT INTO r5 VALUES (2.5, 2.5)")
    assert rows(m, "SELECT CAST(2.5e0 AS SIGNED), CAST(-2.5e0 AS SIGNED), CAST(2.5 AS SIGNED), CAST(d AS SIGNED), "
                   "CAST(n AS SIGNED), CAST(d * 1 AS SIGNED), LEFT('abcd', 2.5e0), LEFT('abcd', 2.5), "
                   "REPEAT('a', d), SUBSTRING('abcdef', 1.5e0, 2.5e0), SUBSTRING('abcdef', 1.5, 2.5) FROM r5") == [
        (2, -2, 3, 2, 3, 2, "ab", "abc", "aa", "bc", "bcd")]


def test_a_double_out_of_range_is_1690(m):
    """``CAST(1e308 AS DOUBLE) * 10`` was inf; MySQL's DOUBLE has no infinity, and a result
    past its range is 1690 (a division by zero stays NULL)."""
    with pytest.raises(SqlError) as e:
        m.execute("SELECT CAST(1e308 AS DOUBLE) * 10")
    assert (e.value.errno, e.value.sqlstate) == (1690, "22003")
    m.execute("CREATE TABLE fo (d DOUBLE, n DECIMAL(10, 2))")
    m.execute("INSERT INTO fo VALUES (1e308, 1.5), (2, 2.5)")
    with pytest.raises(SqlError) as e:
        m.execute("SELECT d + d FROM fo")
    assert (e.value.errno, str(e.value)) == (1690, "DOUBLE value is out of range in '`d` + `d`'")
    assert errno(m, "SELECT ABS(d) * 10 FROM fo") == 1690
    assert rows(m, "SELECT d * n, d / n, d - 1, 1e308 / 0 FROM fo WHERE d < 10") == [(5.0, 0.8, 1.0, None)]


def test_having_names_a_select_alias(m):
    """``SELECT SUM(amt) AS t ... HAVING t > 10`` kept every group: the alias of an exact sum
    is its text in SQLite, and text against a number is true. A HAVING's alias is its
    expression, as MySQL reads it (a GROUP BY column of that name first). Checked against
    MariaDB 10.11."""
    m.execute("CREATE TABLE hv (id INT PRIMARY KEY, cust VARCHAR(10), amt DECIMAL(8,2), n INT)")
    m.execute("INSERT INTO hv VALUES (1, 'a', 5, 1), (2, 'b', 20, 2), (3, 'c', NULL, 3), (4, 'a', 1.5, 4)")
    assert rows(m, "SELECT cust, SUM(amt) AS t FROM hv GROUP BY cust HAVING t IS NULL OR t > 10 "
                   "ORDER BY cust") == [("b", Decimal("20.00")), ("c", None)]
    assert rows(m, "SELECT cust, SUM(amt) AS amt FROM hv GROUP BY cust HAVING `amt` > 6 "
                   "ORDER BY cust") == [("a", Decimal("6.50")), ("b", Decimal("20.00"))]
    assert rows(m, "SELECT cust, AVG(amt) AS a FROM hv GROUP BY cust HAVING a BETWEEN 3 AND 4") == [
        ("a", Decimal("3.250000"))]
    assert rows(m, "SELECT cust AS k, COUNT(*) AS cust FROM hv GROUP BY cust HAVING cust = 'a'") == [
        ("a", 2)]


def test_truncate_and_drop(m):
    m.execute(SBTEST)
    m.execute("INSERT INTO sbtest1 (k) VALUES (1), (2)")
    m.execute("TRUNCATE TABLE sbtest1")
    assert rows(m, "SELECT COUNT(*) FROM sbtest1") == [(0,)]
    m.execute("DROP TABLE sbtest1")
    assert errno(m, "DROP TABLE sbtest1") == 1051
    assert m.execute("DROP TABLE IF EXISTS sbtest1").warnings == 1


# --- INSERT variants ---------------------------------------------------------------------------


@pytest.fixture
def users(m):
    m.execute(
        "CREATE TABLE users (id INT NOT NULL AUTO_INCREMENT, email VARCHAR(40) NOT NULL,"
        " visits INT NOT NULL DEFAULT 0, PRIMARY KEY (id), UNIQUE KEY uk_email (email))"
    )
    m.execute("INSERT INTO users (email, visits) VALUES ('a@x', 1), ('b@x', 1)")
    return m


def test_on_duplicate_key_update_counts(users):
    m = users
    r = m.execute(
        "INSERT INTO users (email, visits) VALUES ('a@x', 5) "
        "ON DUPLICATE KEY UPDATE visits = visits + VALUES(visits)"
    )
    assert (r.affected_rows, r.insert_id) == (2, 0)
    r = m.execute(
        "INSERT INTO users (email, visits) VALUES ('c@x', 5) "
        "ON DUPLICATE KEY UPDATE visits = visits + VALUES(visits)"
    )
    # the first upsert took id 3 although it updated instead (InnoDB's and MariaDB's gap)
    assert (r.affected_rows, r.insert_id) == (1, 4)
    r = m.execute(
        "INSERT INTO users (email, visits) VALUES ('a@x', 1), ('d@x', 1), ('b@x', 7) AS new "
        "ON DUPLICATE KEY UPDATE visits = new.visits"
    )
    assert r.affected_rows == 2 + 1 + 2
    assert rows(m, "SELECT email, visits FROM users ORDER BY id") == [
        ("a@x", 1), ("b@x", 7), ("c@x", 5), ("d@x", 1)]


def test_replace_and_insert_ignore(users):
    m = users
    r = m.execute("REPLACE INTO users (id, email, visits) VALUES (1, 'a@x', 9)")
    assert r.affected_rows == 2
    r = m.execute("REPLACE INTO users (email, visits) VALUES ('z@x', 1)")
    assert r.affected_rows == 1
    r = m.execute("INSERT IGNORE INTO users (email) VALUES ('a@x'), ('new@x'), ('b@x')")
    assert (r.affected_rows, r.warnings) == (1, 2)
    warnings = rows(m, "SHOW WARNINGS")
    assert [w[:2] for w in warnings] == [("Warning", 1062), ("Warning", 1062)]
    assert rows(m, "SELECT visits FROM users WHERE email = 'a@x'") == [(9,)]
    # REPLACE puts a new row in the old one's place: a column it does not name takes its
    # default
    r = m.execute("REPLACE INTO users (id, email) VALUES (1, 'a2@x')")
    assert r.affected_rows == 2
    assert rows(m, "SELECT id, email, visits FROM users WHERE id = 1") == [(1, "a2@x", 0)]
    m.execute("REPLACE INTO users (email) VALUES ('b@x')")  # by the unique email
    assert rows(m, "SELECT email, visits FROM users WHERE email = 'b@x'") == [("b@x", 0)]


def test_replace_of_an_identical_row_counts_once(m):
    """MySQL replaces a row in place when the key it collides on is the table's last unique
    key and nothing acts on a delete: a row identical to the one it replaces (value for
    value, case included) then counts 1, not 2. With a second unique key, or a foreign key
    referencing the table, it deletes and inserts: 2. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE r (id INT PRIMARY KEY, v VARCHAR(10), d DOUBLE)")
    m.execute("INSERT INTO r VALUES (1, 'a', 2), (2, 'b', 3)")
    assert m.execute("REPLACE INTO r VALUES (1, 'a', 2.0)").affected_rows == 1
    assert m.execute("REPLACE INTO r VALUES (1, 'A', 2)").affected_rows == 2
    r = m.execute("REPLACE INTO r VALUES (1, 'A', 2), (2, 'c', 3), (3, 'c', 4)")
    assert (r.affected_rows, r.info) == (4, "Records: 3  Duplicates: 1  Warnings: 0")
    assert m.execute("REPLACE INTO r VALUES (4, 'd', 0), (4, 'd', 0)").affected_rows == 2
    assert rows(m, "SELECT * FROM r ORDER BY id") == [(1, "A", 2.0), (2, "c", 3.0), (3, "c", 4.0),
                                                      (4, "d", 0.0)]
    m.execute("CREATE TABLE u (id INT PRIMARY KEY, k INT UNIQUE)")
    m.execute("INSERT INTO u VALUES (1, 1)")
    assert m.execute("REPLACE INTO u VALUES (1, 1)").affected_rows == 2
    m.execute("CREATE TABLE k (a INT, b VARCHAR(3), UNIQUE KEY (a))")  # no primary key
    m.execute("INSERT INTO k VALUES (1, 'x')")
    assert m.execute("REPLACE INTO k VALUES (1, 'x')").affected_rows == 1
    m.execute("CREATE TABLE c (id INT PRIMARY KEY, rid INT, FOREIGN KEY (rid) REFERENCES r(id))")
    assert m.execute("REPLACE INTO r VALUES (2, 'c', 3)").affected_rows == 2


def test_insert_ignore_stores_what_its_columns_hold(m):
    """INSERT IGNORE of a string too long for its VARCHAR (1406) or a number out of its
    column's range (1264) was refused as in strict mode; with IGNORE MySQL stores the first
    characters / the bound, with a warning "at row n". Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE ii (id INT PRIMARY KEY, x INT, s VARCHAR(3), t TINYINT)")
    m.execute("INSERT INTO ii VALUES (1, 0, 'a', 1)")
    r = m.execute("INSERT IGNORE INTO ii (id, s, t) VALUES (10, 'hello', 300), (11, 'ok', -300), "
                  "(1, 'dup', 1), (12, 'abcd', 5)")
    assert (r.affected_rows, r.warnings) == (3, 5)
    assert rows(m, "SHOW WARNINGS")[:4] == [
        ("Warning", 1265, "Data truncated for column 's' at row 1"),
        ("Warning", 1264, "Out of range value for column 't' at row 1"),
        ("Warning", 1264, "Out of range value for column 't' at row 2"),
        ("Warning", 1265, "Data truncated for column 's' at row 4")]
    r = m.execute("INSERT IGNORE INTO ii (id, s, t, x) SELECT id + 100, CONCAT(s, 'xxxx'), 1000, ? "
                  "FROM ii WHERE id IN (1, 10) ORDER BY id", (99999999999,))
    assert (r.affected_rows, r.warnings) == (2, 6)
    assert rows(m, "SELECT * FROM ii ORDER BY id") == [
        (1, 0, "a", 1), (10, None, "hel", 127), (11, None, "ok", -128), (12, None, "abc", 5),
        (101, 2147483647, "axx", 127), (110, 2147483647, "hel", 127)]
    assert errno(m, "INSERT INTO ii (id, s) VALUES (20, 'hello')") == 1406  # strict without IGNORE


def test_ignore_stores_strings_that_are_no_number_and_nulls_for_not_null(m):
    """INSERT / UPDATE IGNORE of a string that is no number for a numeric column, or of a
    NULL for a NOT NULL column, failed as in strict mode (1366 / 1048). MySQL stores the
    leading number (1265) or 0 (1366), and the type's implicit default for a NULL (0, '',
    an ENUM's first member; 1048). Without IGNORE '12abc' is 1265 and 'abc' 1366, as
    MySQL 8's strict mode (it was 1366 for both). Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE ni (id INT PRIMARY KEY AUTO_INCREMENT, n INT NOT NULL, "
              "d DECIMAL(5,2) NOT NULL DEFAULT 1, v VARCHAR(5) NOT NULL, e ENUM('a','b') NOT NULL, "
              "tx TEXT NOT NULL, y INT)")
    r = m.execute("INSERT IGNORE INTO ni VALUES (1, 'abc', '1.5x', NULL, 'b', NULL, '7y'), "
                  "(NULL, NULL, NULL, 'x', NULL, '', '')")
    assert (r.affected_rows, r.insert_id) == (2, 2)
    assert rows(m, "SHOW WARNINGS") == [
        ("Warning", 1366, "Incorrect integer value: 'abc' for column 'n' at row 1"),
        ("Warning", 1265, "Data truncated for column 'd' at row 1"),
        ("Warning", 1048, "Column 'v' cannot be null"),
        ("Warning", 1048, "Column 'tx' cannot be null"),
        ("Warning", 1265, "Data truncated for column 'y' at row 1"),
        ("Warning", 1048, "Column 'n' cannot be null"),
        ("Warning", 1048, "Column 'd' cannot be null"),
        ("Warning", 1048, "Column 'e' cannot be null"),
        ("Warning", 1366, "Incorrect integer value: '' for column 'y' at row 2")]
    r = m.execute("UPDATE IGNORE ni SET n = '12abc', v = NULL, y = NULL WHERE id = 2")
    assert (r.affected_rows, r.warnings) == (1, 2)
    r = m.execute("INSERT IGNORE INTO ni (id, n, d, v, e, tx) SELECT id + 10, y, NULL, v, e, tx FROM ni")
    assert (r.affected_rows, r.warnings) == (2, 3)
    assert rows(m, "SELECT * FROM ni ORDER BY id") == [
        (1, 0, Decimal("1.50"), "", "b", "", 7), (2, 12, Decimal("0.00"), "", "a", "", None),
        (11, 7, Decimal("0.00"), "", "b", "", None), (12, 0, Decimal("0.00"), "", "a", "", None)]
    assert errno(m, "INSERT INTO ni (n, v, tx) VALUES ('12abc', '', '')") == 1265
    assert errno(m, "INSERT INTO ni (n, v, tx) VALUES ('abc', '', '')") == 1366
    assert errno(m, "UPDATE ni SET n = '5x'") == 1265
    assert errno(m, "UPDATE ni SET v = NULL") == 1048
    assert rows(m, "SELECT count(*), sum(n) FROM ni") == [(4, 19)]


def test_replace_deletes_the_rows_it_collides_with(m):
    """REPLACE deletes each row the new one collides with, on any unique key, and inserts it
    (checked against MariaDB 10.11): the deletes run the foreign keys' actions, RESTRICT and
    NO ACTION refuse at once, the new row takes the next AUTO_INCREMENT id, and a NULL for
    a NOT NULL column is refused even when the column has a default."""
    m.execute("CREATE TABLE p (id INT PRIMARY KEY, u INT UNIQUE, v INT)")
    m.execute("CREATE TABLE c (id INT PRIMARY KEY, pid INT, "
              "FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE)")
    m.execute("CREATE TABLE r (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p(id))")
    m.execute("INSERT INTO p VALUES (1, 10, 100), (2, 20, 200), (3, 30, 300)")
    m.execute("INSERT INTO c VALUES (1, 1), (2, 2)")
    assert m.execute("REPLACE INTO p VALUES (1, 11, 101)").affected_rows == 2
    assert rows(m, "SELECT id FROM c") == [(2,)]  # the old row 1's child went with it
    m.execute("INSERT INTO r VALUES (1, 3)")
    assert errno(m, "REPLACE INTO p VALUES (3, 33, 303)") == 1451  # r's row refers to 3
    assert errno(m, "REPLACE INTO p VALUES (4, 30, 0)") == 1451  # ... by the unique u too
    assert rows(m, "SELECT * FROM p ORDER BY id") == [(1, 11, 101), (2, 20, 200), (3, 30, 300)]
    # one row colliding with two (the key of one, the unique u of another): both go
    assert m.execute("REPLACE INTO p VALUES (1, 20, 9)").affected_rows == 3
    assert rows(m, "SELECT * FROM p ORDER BY id") == [(1, 20, 9), (3, 30, 300)]
    assert rows(m, "SELECT id FROM c") == []
    # row by row: a later row replaces an earlier one of the same statement
    r = m.execute("REPLACE INTO p VALUES (5, 50, 1), (6, 50, 2), (7, 70, 3)")
    assert r.affected_rows == 4
    assert rows(m, "SELECT * FROM p WHERE id > 3 ORDER BY id") == [(6, 50, 2), (7, 70, 3)]
    r = m.execute("REPLACE INTO p SELECT id + 10, u, v FROM p WHERE id > 5")
    assert r.affected_rows == 4
    assert rows(m, "SELECT id FROM p ORDER BY id") == [(1,), (3,), (16,), (17,)]

    m.execute("CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, u INT UNIQUE, "
              "n INT NOT NULL DEFAULT 5, d INT DEFAULT 7)")
    m.execute("INSERT INTO a (u, d) VALUES (1, 1), (2, 2)")
    r = m.execute("REPLACE INTO a (u) VALUES (1)")
    assert (r.affected_rows, r.insert_id) == (2, 3)  # a new row, the next id
    assert rows(m, "SELECT id, u, n, d FROM a ORDER BY id") == [(2, 2, 5, 2), (3, 1, 5, 7)]
    assert errno(m, "REPLACE INTO a (id, u, n) VALUES (2, 2, NULL)") == 1048
    assert errno(m, "REPLACE INTO a VALUES (2, 2, NULL, 0)") == 1048
    assert rows(m, "SELECT id, n FROM a WHERE id = 2") == [(2, 5)]
    m.execute("INSERT INTO a (u, n) VALUES (9, 9)")  # (the guard acts in a REPLACE only)
    m.execute("BEGIN")
    assert m.execute("REPLACE INTO a (id, u) VALUES (2, 8)").affected_rows == 2
    m.execute("ROLLBACK")
    assert rows(m, "SELECT id, u FROM a ORDER BY id") == [(2, 2), (3, 1), (4, 9)]
    # the table's columns change: the REPLACE triggers follow
    m.execute("ALTER TABLE a ADD COLUMN w INT NOT NULL DEFAULT 1")
    assert errno(m, "REPLACE INTO a (id, u, w) VALUES (2, 2, NULL)") == 1048
    assert m.execute("REPLACE INTO a (id, u, w) VALUES (2, 2, 3)").affected_rows == 2
    assert rows(m, "SELECT id, u, n, w FROM a WHERE id = 2") == [(2, 2, 5, 3)]


def test_string_expressions_group_sort_and_dedupe_without_case(m):
    """A string expression (not a bare column) groups, sorts, deduplicates and compares by
    the collation, as a column does: all of these went bytewise, 'Apple' apart from 'apple'
    and before 'BANANA' (values as MariaDB 10.11 gives them)."""
    m.execute("CREATE TABLE s1 (id INT PRIMARY KEY, name VARCHAR(20))")
    m.execute("INSERT INTO s1 VALUES (1, 'apple'), (2, 'Apple'), (3, 'BANANA'), (4, 'banana'), "
              "(5, 'cherry')")
    assert rows(m, "SELECT COUNT(*) FROM (SELECT CONCAT(name, '') AS x FROM s1 "
                   "GROUP BY CONCAT(name, '')) q") == [(3,)]
    assert rows(m, "SELECT COUNT(DISTINCT CONCAT(name, '!')) FROM s1") == [(3,)]
    assert rows(m, "SELECT COUNT(*) FROM (SELECT DISTINCT TRIM(name) FROM s1) q") == [(3,)]
    assert rows(m, "SELECT MIN(CONCAT('x', name)), MAX(LEFT(name, 1)) FROM s1 WHERE id > 2") == [
        ("xBANANA", "c")]
    assert rows(m, "SELECT CONCAT(name, '') AS x FROM s1 WHERE id IN (2, 3, 5) ORDER BY x") == [
        ("Apple",), ("BANANA",), ("cherry",)]
    assert rows(m, "SELECT LEFT(name, 1), COUNT(*) FROM s1 GROUP BY 1 ORDER BY 2 DESC, 1") == [
        ("a", 2), ("B", 2), ("c", 1)]
    assert rows(m, "SELECT COUNT(*) FROM (SELECT CONCAT(name, '') FROM s1 WHERE id < 3 "
                   "UNION SELECT 'APPLE') u") == [(1,)]
    assert rows(m, "SELECT id FROM s1 WHERE COALESCE(name, '') = 'BANANA' ORDER BY id") == [(3,), (4,)]
    assert rows(m, "SELECT id FROM s1 WHERE IF(id > 4, name, 'x') = 'CHERRY'") == [(5,)]


def test_out_of_range_names_the_column_written_or_the_type(m):
    """1264 names the column that went out of range: it named the table's first DECIMAL
    column whatever the statement wrote. A value computed out of range in a query is 1690."""
    m.execute("CREATE TABLE nn (id INT PRIMARY KEY, d DECIMAL(5,2), i INT, b BIGINT, s SMALLINT)")
    m.execute("INSERT INTO nn VALUES (1, 1, 2147483647, 9223372036854775807, 32767)")
    for sql, column in (("UPDATE nn SET i = i + 1 WHERE id = 1", "i"),
                        ("UPDATE nn SET s = 5, i = i + 1", "i"),
                        ("UPDATE nn SET b = b + 1 WHERE id = 1", "b"),
                        ("INSERT INTO nn (id, d) VALUES (2, 99999)", "d"),
                        ("INSERT INTO nn (id, i, s) VALUES (3, 1, 40000)", "s")):
        with pytest.raises(SqlError) as failed:
            m.execute(sql)
        assert (failed.value.errno, failed.value.message) == (
            1264, f"Out of range value for column '{column}' at row 1"), sql
    assert errno(m, "SELECT 9223372036854775807 + 1") == 1690
    assert errno(m, "SELECT b * 2 FROM nn") == 1690


def test_a_date_column_against_a_number_or_a_loosely_written_date(m):
    """A DATE / DATETIME column compared with a number compares with the date the number
    spells, and the strings of an IN list on a DATE column are read as dates: both matched
    nothing (values as MariaDB 10.11 gives them)."""
    m.execute("CREATE TABLE dd (id INT PRIMARY KEY, d DATE, dt DATETIME)")
    m.execute("INSERT INTO dd VALUES (1, '2024-01-10', '2024-01-10 09:30:00'), "
              "(2, '2024-02-03', '2024-02-03 00:00:00')")
    assert rows(m, "SELECT id FROM dd WHERE d = 20240110") == [(1,)]
    assert rows(m, "SELECT id FROM dd WHERE d BETWEEN 20240101 AND 20240131") == [(1,)]
    assert rows(m, "SELECT id FROM dd WHERE dt >= 20240110093000 ORDER BY id") == [(1,), (2,)]
    assert rows(m, "SELECT id FROM dd WHERE dt = 20240203") == [(2,)]
    assert rows(m, "SELECT id FROM dd WHERE d = 2024") == []
    assert rows(m, "SELECT id FROM dd WHERE d IN (20240110, 20240203) ORDER BY id") == [(1,), (2,)]
    assert rows(m, "SELECT id FROM dd WHERE d IN ('2024-1-10', '2024-02-03') ORDER BY id") == [
        (1,), (2,)]
    assert rows(m, "SELECT id FROM dd WHERE d > '2024-1-5' ORDER BY id") == [(1,), (2,)]


def test_lock_tables_and_maintenance_statements_commit_the_open_transaction(m):
    """LOCK TABLES, UNLOCK TABLES after it, FLUSH, ANALYZE / OPTIMIZE / CHECK TABLE, GRANT and
    REVOKE commit the open transaction first, as in MySQL: a ROLLBACK after one undid the rows
    MySQL had committed (as MariaDB 10.11 does)."""
    m.execute("CREATE TABLE ic (id INT PRIMARY KEY)")
    m.execute("SET autocommit = 0")
    for i, sql in enumerate(["LOCK TABLES ic WRITE", "FLUSH TABLES", "ANALYZE TABLE ic",
                             "OPTIMIZE TABLE ic", "CHECK TABLE ic"], 1):
        m.execute(f"INSERT INTO ic VALUES ({i})")
        m.execute(sql)
        assert m.transaction_status == "I", sql
        m.execute("ROLLBACK")
        assert rows(m, "SELECT COUNT(*) FROM ic") == [(i,)], sql
    m.execute("INSERT INTO ic VALUES (10)")
    m.execute("UNLOCK TABLES")  # after the LOCK TABLES above: commits
    m.execute("ROLLBACK")
    m.execute("INSERT INTO ic VALUES (11)")
    m.execute("UNLOCK TABLES")  # no table locked since: commits nothing
    m.execute("ROLLBACK")
    assert rows(m, "SELECT id FROM ic WHERE id >= 10") == [(10,)]


def test_only_full_group_by_refuses_what_mysql_8_refuses(m):
    """MySQL 8's default sql_mode has ONLY_FULL_GROUP_BY: a column outside an aggregate must
    be grouped or functionally dependent on the grouped columns (a primary key, a unique key
    of NOT NULL columns, equalities of WHERE and ON). Such a query was answered with some
    row's value of each group; it is 1055 / 1140 now, and runs once sql_mode drops the mode."""
    m.execute("CREATE TABLE a (id INT PRIMARY KEY, name VARCHAR(10), code VARCHAR(5) NOT NULL UNIQUE, "
              "x INT UNIQUE)")
    m.execute("CREATE TABLE b (id INT PRIMARY KEY, a_id INT, v INT)")
    m.execute("INSERT INTO a VALUES (1, 'n1', 'c1', 1), (2, 'n2', 'c2', 2)")
    m.execute("INSERT INTO b VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30)")
    for sql, code, where in (
            ("SELECT name, COUNT(*) FROM a GROUP BY LEFT(code, 1)", 1055, "#1 of SELECT list"),
            ("SELECT name, COUNT(*) FROM a GROUP BY x", 1055, "#1 of SELECT list"),  # x may be NULL
            ("SELECT v, COUNT(*) FROM b GROUP BY a_id", 1055, "#1 of SELECT list"),
            ("SELECT a_id FROM b GROUP BY a_id ORDER BY v", 1055, "#1 of ORDER BY clause"),
            ("SELECT COUNT(*), name FROM a", 1140, "expression #2 of SELECT list")):
        with pytest.raises(SqlError) as failed:
            m.execute(sql)
        assert failed.value.errno == code and where in failed.value.message, sql
        assert "sql_mode=only_full_group_by" in failed.value.message
    for sql, n in (("SELECT id, name FROM a GROUP BY id", 2),
                   ("SELECT name, COUNT(*) FROM a GROUP BY code", 2),
                   ("SELECT a.name, SUM(b.v) FROM a JOIN b ON a.id = b.a_id GROUP BY b.a_id", 2),
                   ("SELECT name, v FROM a JOIN b ON a.id = b.a_id WHERE b.id = 1 GROUP BY a.id", 1),
                   ("SELECT ANY_VALUE(name), COUNT(*) FROM a GROUP BY LEFT(code, 1)", 1),
                   ("SELECT UPPER(name) AS u, COUNT(*) FROM a GROUP BY u", 2),
                   ("SELECT CONCAT(name, '') AS c, COUNT(*) FROM a GROUP BY CONCAT(name, '')", 2)):
        assert len(rows(m, sql)) == n, sql
    m.execute("SET sql_mode = 'STRICT_TRANS_TABLES'")
    assert len(rows(m, "SELECT name, COUNT(*) FROM a GROUP BY LEFT(code, 1)")) == 1
    assert errno(m, "SELECT name, COUNT(*) FROM a GROUP BY 3") == 1054  # whatever the mode
    m.execute("SET sql_mode = DEFAULT")
    assert errno(m, "SELECT name, COUNT(*) FROM a GROUP BY LEFT(code, 1)") == 1055


def test_character_set_introducers_and_national_strings(m):
    """``_utf8mb4'x'``, ``_latin1 'x'``, ``N'x'`` are strings and ``_binary'...'`` (MySQL 8's
    mysqldump writes BLOB values so) the bytes the string holds: all were 1064 / 1054."""
    assert rows(m, "SELECT _utf8mb4'x', N'y', n'z', _latin1 'abc' COLLATE latin1_bin, "
                   "_utf8mb4'x' = 'X'") == [("x", "y", "z", "abc", 1)]
    assert rows(m, "SELECT _binary'q', HEX(_binary 'a\\0b'), _binary''") == [(b"q", "610062", b"")]
    m.execute("CREATE TABLE bb (id INT PRIMARY KEY, b BLOB, t TEXT)")
    m.execute("INSERT INTO bb VALUES (1, _binary'ab\\0c\\'', _utf8mb4'h\u00e9llo'), (2, _binary '', N'x')")
    assert rows(m, "SELECT id, HEX(b), t FROM bb ORDER BY id") == [
        (1, "61620063" + "27", "h\u00e9llo"), (2, "", "x")]
    assert rows(m, "SELECT id FROM bb WHERE b = _binary'ab\\0c\\''") == [(1,)]
    # a word ending in N before a string is no introducer
    assert rows(m, "SELECT id FROM bb WHERE t IN('x')") == [(2,)]


def test_what_a_mysqldump_writes_runs(m):
    """A dump's statements: executable comments (/*!40101 SET NAMES utf8mb4 */), a child
    table made before its parent under foreign_key_checks = 0 (its key is added when the
    parent comes; rows are not checked meanwhile), a view whose query names alias.column
    (it was 1235 "DDL on another database"), a BIT value as a hex string (0xA5)."""
    for sql in ("/*!40101 SET NAMES utf8mb4 */", "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS="
                "@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */",
                "/*M!999999\\- enable the sandbox mode */ \n-- a comment\n/*!40101 SET @X=1 */"):
        m.execute(sql)
    assert rows(m, "SELECT @@foreign_key_checks, @X") == [(0, 1)]
    m.execute("CREATE TABLE child (id INT PRIMARY KEY, pid INT, b BIT(8), "
              "CONSTRAINT fk FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE)")
    m.execute("INSERT INTO child VALUES (1, 1, 0xA5), (2, 2, b'101'), (3, 9, NULL)")  # 9: no parent
    m.execute("/*!40000 ALTER TABLE `child` DISABLE KEYS */")
    m.execute("CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(9))")
    m.execute("INSERT INTO parent VALUES (1, 'a'), (2, 'b')")
    m.execute("/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`root`@`localhost` SQL "
              "SECURITY DEFINER */ /*!50001 VIEW `v` AS select `p`.`name` AS `name`,count(`c`.`id`) "
              "AS `n` from (`parent` `p` left join `child` `c` on(`c`.`pid` = `p`.`id`)) group by "
              "`p`.`id`,`p`.`name` */")
    m.execute("/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */")
    assert rows(m, "SELECT * FROM v ORDER BY name") == [("a", 1), ("b", 1)]
    assert rows(m, "SELECT id, b + 0 FROM child ORDER BY id") == [(1, 165), (2, 5), (3, None)]
    assert "CONSTRAINT `fk` FOREIGN KEY (`pid`) REFERENCES `parent` (`id`) ON DELETE CASCADE" in \
        rows(m, "SHOW CREATE TABLE child")[0][1]
    assert errno(m, "INSERT INTO child VALUES (4, 7, NULL)") == 1452  # checked again
    m.execute("DELETE FROM parent WHERE id = 1")
    assert rows(m, "SELECT id FROM child ORDER BY id") == [(2,), (3,)]  # the key's CASCADE
    # (a dump's CREATE TABLE whose parent never comes keeps its index, not its key)
    m.execute("SET foreign_key_checks = 0")
    m.execute("CREATE TABLE orphan (id INT PRIMARY KEY, gid INT, FOREIGN KEY (gid) REFERENCES gone (id))")
    assert "KEY `orphan_ibfk_1` (`gid`)" in rows(m, "SHOW CREATE TABLE orphan")[0][1]
    m.execute("SET foreign_key_checks = 1")
    with pytest.raises(SqlError) as failed:  # with the checks on, MySQL 8's refusal
        m.execute("CREATE TABLE orphan2 (id INT PRIMARY KEY, gid INT, FOREIGN KEY (gid) REFERENCES gone (id))")
    assert (failed.value.errno, failed.value.message) == (1824, "Failed to open the referenced table 'gone'")
    assert rows(m, "SHOW TABLES LIKE 'orphan2'") == []


def test_foreign_key_checks_off_runs_no_action_and_truncate_follows_innodb(m):
    """With foreign_key_checks = 0 MySQL runs no referential action: deleting or re-keying a
    parent left its CASCADE / SET NULL children as they were (here they were deleted and
    changed). TRUNCATE of a table another table references is InnoDB's 1701 (it was 1235
    "... doesn't yet support"), and with the checks off empties that table alone."""
    m.execute("CREATE TABLE p (id INT PRIMARY KEY AUTO_INCREMENT)")
    m.execute("CREATE TABLE c (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id) "
              "ON DELETE CASCADE ON UPDATE CASCADE)")
    m.execute("CREATE TABLE n (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id) "
              "ON DELETE SET NULL)")
    m.execute("INSERT INTO p VALUES (1), (2), (3)")
    m.execute("INSERT INTO c VALUES (10, 1), (20, 2)")
    m.execute("INSERT INTO n VALUES (10, 1), (30, 3)")
    m.execute("SET foreign_key_checks = 0")
    m.execute("DELETE FROM p WHERE id = 1")
    m.execute("UPDATE p SET id = 5 WHERE id = 2")
    assert rows(m, "SELECT * FROM c ORDER BY id") == [(10, 1), (20, 2)]
    assert rows(m, "SELECT * FROM n ORDER BY id") == [(10, 1), (30, 3)]
    m.execute("SET foreign_key_checks = 1")
    m.execute("DELETE FROM p WHERE id = 3")  # the checks on: the action runs again
    assert rows(m, "SELECT * FROM n ORDER BY id") == [(10, 1), (30, None)]
    with pytest.raises(SqlError) as failed:
        m.execute("TRUNCATE p")
    assert (failed.value.errno, failed.value.message) == (
        1701, "Cannot truncate a table referenced in a foreign key constraint (`app`.`c`, "
        "CONSTRAINT `c_ibfk_1` FOREIGN KEY (`pid`) REFERENCES `app`.`p` (`id`))")
    m.execute("SET foreign_key_checks = 0")
    m.execute("TRUNCATE TABLE p")
    assert rows(m, "SELECT count(*) FROM p") == [(0,)]
    assert rows(m, "SELECT * FROM c ORDER BY id") == [(10, 1), (20, 2)]
    m.execute("INSERT INTO p VALUES (NULL)")  # AUTO_INCREMENT starts again
    assert rows(m, "SELECT id FROM p") == [(1,)]
    m.execute("SET foreign_key_checks = 1")
    m.execute("CREATE TABLE tree (id INT PRIMARY KEY, up INT, FOREIGN KEY (up) REFERENCES tree (id))")
    m.execute("INSERT INTO tree VALUES (1, NULL), (2, 1)")
    m.execute("TRUNCATE tree")  # a key of the table to itself does not stop it
    assert rows(m, "SELECT count(*) FROM tree") == [(0,)]


def test_update_order_by_writes_the_rows_in_that_order(m):
    """MySQL writes an UPDATE ... ORDER BY's rows in that order, each checked against the
    unique keys as it is written: shifting positions (SET pos = pos + 1 ORDER BY pos DESC)
    works there and was 1062 here. A collision still undoes every row of the statement, and
    only the statement inside a transaction. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE it (id INT PRIMARY KEY, pos INT UNIQUE, name VARCHAR(10))")
    m.execute("INSERT INTO it VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c'), (4, 4, 'd')")
    r = m.execute("UPDATE it SET pos = pos + 1 WHERE pos >= 2 ORDER BY pos DESC")
    assert (r.affected_rows, r.info) == (3, "Rows matched: 3  Changed: 3  Warnings: 0")
    assert rows(m, "SELECT id, pos FROM it ORDER BY id") == [(1, 1), (2, 3), (3, 4), (4, 5)]
    r = m.execute("UPDATE it SET pos = pos - ? WHERE pos >= ? ORDER BY pos LIMIT ?", (1, 3, 10))
    assert r.affected_rows == 3
    assert rows(m, "SELECT id, pos FROM it ORDER BY id") == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert errno(m, "UPDATE it SET pos = pos + 1 ORDER BY pos") == 1062  # as in MySQL
    assert rows(m, "SELECT id, pos FROM it ORDER BY id") == [(1, 1), (2, 2), (3, 3), (4, 4)]
    m.execute("UPDATE it SET name = 'z' ORDER BY pos DESC LIMIT 2")
    r = m.execute("UPDATE it SET name = 'z' ORDER BY pos LIMIT 3")
    assert (r.affected_rows, r.info) == (2, "Rows matched: 3  Changed: 2  Warnings: 0")
    m.execute("BEGIN")
    m.execute("UPDATE it SET name = 'y' WHERE id = 1")
    assert errno(m, "UPDATE it SET pos = pos + 1 ORDER BY pos") == 1062
    m.execute("UPDATE it SET pos = 10 - pos ORDER BY pos DESC")
    assert rows(m, "SELECT id, pos, name FROM it ORDER BY pos") == [
        (4, 6, "z"), (3, 7, "z"), (2, 8, "z"), (1, 9, "y")]
    m.execute("ROLLBACK")
    assert rows(m, "SELECT id, pos, name FROM it ORDER BY id") == [
        (1, 1, "z"), (2, 2, "z"), (3, 3, "z"), (4, 4, "z")]


def test_update_and_delete_ignore_skip_the_rows_a_key_refuses(m):
    """UPDATE IGNORE and DELETE IGNORE were 1064. They run row by row: a row a unique key or
    a foreign key refuses is left as it was, with the error as a warning (MySQL 8's; MariaDB
    10.11 gives none for an UPDATE), and an UPDATE's value its column cannot hold is made to
    fit (the range's bound, the string cut) with MySQL's warning. Stored rows and counts
    checked against MariaDB 10.11."""
    m.execute("CREATE TABLE ui (id INT PRIMARY KEY, u INT UNIQUE, s VARCHAR(3), t TINYINT, "
              "d DECIMAL(5,2))")
    m.execute("INSERT INTO ui VALUES (1, 10, 'a', 1, 1), (2, 20, 'b', 2, 1), (3, 30, 'c', 3, 1)")
    # row 1 would take row 2's 20, row 2 row 3's 30: only row 3 moves
    r = m.execute("UPDATE IGNORE ui SET u = u + 10")
    assert (r.affected_rows, r.info) == (1, "Rows matched: 3  Changed: 1  Warnings: 2")
    assert [w[1] for w in rows(m, "SHOW WARNINGS")] == [1062, 1062]
    assert rows(m, "SELECT id, u FROM ui ORDER BY id") == [(1, 10), (2, 20), (3, 40)]
    r = m.execute("UPDATE IGNORE ui SET s = CONCAT(s, 'wxyz'), t = t * 100")
    assert (r.affected_rows, r.warnings) == (3, 5)
    assert sorted(rows(m, "SHOW WARNINGS")) == [
        ("Warning", 1264, "Out of range value for column 't' at row 2"),
        ("Warning", 1264, "Out of range value for column 't' at row 3"),
        ("Warning", 1265, "Data truncated for column 's' at row 1"),
        ("Warning", 1265, "Data truncated for column 's' at row 2"),
        ("Warning", 1265, "Data truncated for column 's' at row 3")]
    r = m.execute("UPDATE IGNORE ui SET d = ?, t = -1000, u = ? WHERE id = ?", (123456, 30, 1))
    assert (r.affected_rows, r.warnings) == (1, 2)
    assert rows(m, "SELECT * FROM ui ORDER BY id") == [
        (1, 30, "awx", -128, Decimal("999.99")), (2, 20, "bwx", 127, Decimal("1.00")),
        (3, 40, "cwx", 127, Decimal("1.00"))]
    r = m.execute("UPDATE IGNORE ui SET u = 40 WHERE id < 3 ORDER BY id DESC")
    assert (r.affected_rows, r.info) == (0, "Rows matched: 2  Changed: 0  Warnings: 2")
    assert errno(m, "UPDATE ui SET s = 'abcdef'") == 1406  # without IGNORE: strict mode
    m.execute("CREATE TABLE pi (id INT PRIMARY KEY)")
    m.execute("CREATE TABLE ci (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES pi (id))")
    m.execute("INSERT INTO pi VALUES (1), (2), (3)")
    m.execute("INSERT INTO ci VALUES (1, 2)")
    r = m.execute("DELETE IGNORE FROM pi")
    assert (r.affected_rows, [w[1] for w in rows(m, "SHOW WARNINGS")]) == (2, [1451])
    assert rows(m, "SELECT id FROM pi") == [(2,)]
    r = m.execute("UPDATE IGNORE ci SET pid = 99")
    assert (r.affected_rows, r.info) == (0, "Rows matched: 1  Changed: 0  Warnings: 1")
    assert rows(m, "SELECT * FROM ci") == [(1, 2)]
    m.execute("BEGIN")
    assert m.execute("DELETE IGNORE ci, pi FROM ci JOIN pi ON pi.id = ci.pid").affected_rows == 2
    m.execute("ROLLBACK")
    assert rows(m, "SELECT (SELECT count(*) FROM pi), (SELECT count(*) FROM ci)") == [(1, 1)]


def test_a_date_made_in_the_statement_is_a_number_in_arithmetic(m):
    """MySQL reads a DATE, DATETIME or TIME in arithmetic as the number its digits spell,
    whether a column holds it or the statement makes it (CAST(x AS DATE), DATE(x), NOW()):
    CAST('2024-02-03' AS DATE) + 0 was the date itself here and DATE(t) + 1 the next day.
    DATE(x) plus days is a DATE (it was a DATETIME at midnight)."""
    m.execute("CREATE TABLE dd (d DATE, t DATETIME(3))")
    m.execute("INSERT INTO dd VALUES ('2024-02-03', '2024-02-03 10:20:30.125')")
    assert rows(m, "SELECT CAST('2024-02-03' AS DATE) + 0, DATE(t) + 1, CAST(t AS TIME) + 0, "
                   "CAST(t AS DATETIME) + 0, LAST_DAY(d) * 1 FROM dd") == [
        (20240203, 20240204, 102030, 20240203102030, 20240229)]
    got = rows(m, "SELECT CURDATE() + 0, NOW() + 0, CURDATE() FROM dd")[0]
    assert got[0] == int(got[2].strftime("%Y%m%d")) and got[1] // 1000000 in (got[0], got[0] + 1)
    assert rows(m, "SELECT DATE(t) - INTERVAL 1 DAY, CAST(t AS DATE) + INTERVAL 1 MONTH FROM dd") == [
        (dt.date(2024, 2, 2), dt.date(2024, 3, 3))]
    assert rows(m, "SELECT CAST(1.5 AS DECIMAL(4,2)) + 1, CAST('5' AS SIGNED) + 1") == [
        (Decimal("2.50"), 6)]  # other casts as they were


def test_a_cast_to_a_date_reads_its_value_as_mysql_does(m):
    """CAST(x AS DATE | DATETIME) reads a number as its digits, as DATE(x) did: CAST(20240105 AS
    DATE) was 1970-08-23 here (days since 1970), and a write stored it. In a query a value
    that is no date is NULL, as in MySQL (here the statement was refused); in a write it is
    still 1292, as MySQL's strict mode has it. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE dd (id INT, d DATE, s VARCHAR(20), n BIGINT)")
    m.execute("INSERT INTO dd VALUES (1, '2024-02-03', '2024/01/05', 20240105)")
    jan5 = dt.date(2024, 1, 5)
    assert rows(m, "SELECT CAST(20240105 AS DATE), CAST(20240105101112 AS DATETIME), CAST(n AS DATE),"
                   " CAST(s AS DATE), CAST('20240105' AS DATE), DATE(n) FROM dd") == [
        (jan5, dt.datetime(2024, 1, 5, 10, 11, 12), jan5, jan5, jan5, jan5)]
    assert rows(m, "SELECT CAST('2024-02-30' AS DATE), CAST('abc' AS DATE), CAST('' AS DATE), "
                   "CAST(id AS DATE), CAST(d AS DATETIME) FROM dd") == [
        (None, None, None, None, dt.datetime(2024, 2, 3))]
    assert rows(m, "SELECT CAST(? AS DATE), CAST(? AS DATE)", 20240105, "2024-02-30") == [(jan5, None)]
    m.execute("INSERT INTO dd (id, d) VALUES (2, CAST(20240107 AS DATE))")
    m.execute("UPDATE dd SET d = CAST(n AS DATE) WHERE id = 1")
    assert rows(m, "SELECT id, d FROM dd ORDER BY id") == [(1, jan5), (2, dt.date(2024, 1, 7))]
    with pytest.raises(SqlError) as failed:
        m.execute("INSERT INTO dd (d) VALUES (CAST(20241399 AS DATE))")
    assert (failed.value.errno, failed.value.message) == (1292, "Incorrect date value: '20241399'")
    assert errno(m, "INSERT INTO dd (d) VALUES (DATE('2024-02-30'))") == 1292
    assert errno(m, "INSERT INTO dd (d) VALUES (CAST(? AS DATE))", 20241399) == 1292


def test_a_cast_to_decimal_reads_a_string_and_bounds_a_value_as_mysql_does(m):
    """CAST('abc' AS DECIMAL), CAST('1.5x' AS DECIMAL(5,2)), CAST('' AS DECIMAL): MySQL answers
    0, 1.50, 0 with a 1292 warning, and CAST(1e20 AS DECIMAL(5,2)) 999.99 with a 1264 one;
    here they were 1292 and 1690. The leading number is read as written ('0.1' stays exact at
    20 digits); in a write both are errors, as strict mode has them. Checked against MariaDB
    10.11."""
    r = m.execute("SELECT CAST('abc' AS DECIMAL), CAST('1.5x' AS DECIMAL(5,2)), CAST('' AS DECIMAL),"
                  " CAST(' 12.5e1xyz' AS DECIMAL(6,1)), CAST('0.1' AS DECIMAL(30,20)), CONVERT('-0.5', DECIMAL)")
    assert r.rows == [(Decimal(0), Decimal("1.50"), Decimal(0), Decimal("125.0"),
                       Decimal("0.10000000000000000000"), Decimal(-1))]
    assert rows(m, "SHOW WARNINGS") == [
        ("Warning", 1292, f"Truncated incorrect DECIMAL value: '{v}'") for v in ("abc", "1.5x", "", " 12.5e1xyz")]
    assert rows(m, "SELECT CAST(1e20 AS DECIMAL(5,2)), CAST(-1e20 AS DECIMAL(5,2)), CAST('999.996' AS DECIMAL(5,2)),"
                   " CAST(999.994 AS DECIMAL(5,2))") == [
        (Decimal("999.99"), Decimal("-999.99"), Decimal("999.99"), Decimal("999.99"))]
    assert [w[1] for w in rows(m, "SHOW WARNINGS")] == [1264, 1264, 1264]
    m.execute("CREATE TABLE cd (id INT PRIMARY KEY, s VARCHAR(10), x DECIMAL(5,2))")
    m.execute("INSERT INTO cd VALUES (1, '7.5q', NULL), (2, '12.345', NULL), (3, NULL, NULL)")
    assert rows(m, "SELECT id, CAST(s AS DECIMAL(4,2)), CAST(? AS DECIMAL(5,2)) FROM cd ORDER BY id", "2x") == [
        (1, Decimal("7.50"), Decimal("2.00")), (2, Decimal("12.35"), Decimal("2.00")), (3, None, Decimal("2.00"))]
    assert errno(m, "INSERT INTO cd VALUES (4, 'a', CAST('1.5x' AS DECIMAL(5,2)))") == 1292
    assert errno(m, "INSERT INTO cd VALUES (4, 'a', CAST(1e20 AS DECIMAL(5,2)))") == 1264
    assert errno(m, "UPDATE cd SET x = CAST(s AS DECIMAL(5,2))") == 1292
    m.execute("UPDATE cd SET x = CAST(s AS DECIMAL(5,1)) WHERE id = 2")
    assert rows(m, "SELECT x FROM cd WHERE id = 2") == [(Decimal("12.30"),)]


def test_a_string_that_is_no_date_in_a_date_function_is_null_in_a_query(m):
    """DATE('abc'), YEAR('2024-02-30'), DATE_FORMAT(s, ...) of a string column holding no
    date: MySQL answers NULL (with a warning) in a query; here the statement was refused with
    1292. A date function reads a string as MySQL does, loosely ('24-01-05 10:11'), also a
    string column's; a write is still 1292. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE sd (id INT PRIMARY KEY, s VARCHAR(30), d DATE)")
    m.execute("INSERT INTO sd VALUES (1, '2024-01-05', '2024-01-05'), (2, 'nope', NULL),"
              " (3, '2024-02-30 10:00', '2024-03-01')")
    assert rows(m, "SELECT DATE('abc'), DATE(''), YEAR('abc'), MONTH('2024-02-30'), DAYOFWEEK('x'),"
                   " LAST_DAY('abc'), UNIX_TIMESTAMP('abc'), WEEK('abc'), DATE_FORMAT('abc', '%Y'),"
                   " EXTRACT(YEAR FROM 'abc'), TIMESTAMPDIFF(DAY, 'x', '2024-02-01')") == [(None,) * 11]
    assert rows(m, "SELECT DATE('24-01-05 10:11'), YEAR('2024-03-05'), LAST_DAY('2024-02-10'),"
                   " EXTRACT(HOUR FROM '2024-01-01 10:11:12')") == [
        (dt.date(2024, 1, 5), 2024, dt.date(2024, 2, 29), 10)]
    assert rows(m, "SELECT id, DATE(s), YEAR(s), DATE_FORMAT(s, '%d/%m'), YEAR(d) FROM sd ORDER BY id") == [
        (1, dt.date(2024, 1, 5), 2024, "05/01", 2024), (2, None, None, None, None),
        (3, None, None, None, 2024)]
    assert rows(m, "SELECT id FROM sd WHERE DATE(s) = '2024-01-05'") == [(1,)]
    assert errno(m, "INSERT INTO sd (id, d) VALUES (9, DATE('abc'))") == 1292


def test_date_arithmetic_on_a_string_that_is_no_date_is_null_in_a_query(m):
    """DATE_ADD('abc', INTERVAL 1 DAY), 'abc' + INTERVAL 1 DAY, DATE_SUB('2024-02-30', ...):
    MySQL answers NULL (with a warning) in a query; here the statement was refused with 1292,
    as it was for a date MySQL reads loosely ('24-01-05', which gave 1292, and '2024/1/5',
    whose sum came with a time) and for a string expression (CONCAT(...) + INTERVAL). A
    write still refuses a string that is no date. Checked against MariaDB 10.11."""
    assert rows(m, "SELECT DATE_ADD('abc', INTERVAL 1 DAY), 'abc' + INTERVAL 1 DAY, DATE_SUB('', INTERVAL 1 DAY),"
                   " DATE_ADD('2024-02-30', INTERVAL 1 DAY), DATE_ADD('abc', INTERVAL '1:30' HOUR_MINUTE)") == [
        (None,) * 5]
    assert rows(m, "SELECT DATE_ADD('24-01-05', INTERVAL 1 DAY), DATE_ADD('2024/1/5', INTERVAL 1 DAY),"
                   " DATE_ADD('20240105', INTERVAL 1 DAY), DATE_ADD('2024/1/5 10:11', INTERVAL 1 HOUR)") == [
        (dt.date(2024, 1, 6), dt.date(2024, 1, 6), dt.date(2024, 1, 6), dt.datetime(2024, 1, 5, 11, 11))]
    m.execute("CREATE TABLE sa (id INT PRIMARY KEY, d VARCHAR(20))")
    m.execute("INSERT INTO sa VALUES (1, NULL), (2, NULL)")
    assert rows(m, "SELECT DATE_ADD(CONCAT('2024-01-0', id), INTERVAL 1 DAY), CONCAT('x', id) + INTERVAL 1 DAY,"
                   " CONCAT('2024-01-0', id) + INTERVAL 1 HOUR FROM sa ORDER BY id") == [
        ("2024-01-02", None, "2024-01-01 01:00:00"), ("2024-01-03", None, "2024-01-02 01:00:00")]
    assert errno(m, "UPDATE sa SET d = DATE_ADD('abc', INTERVAL 1 DAY)") == 1292
    m.execute("UPDATE sa SET d = DATE_ADD(CONCAT('2024-01-0', id), INTERVAL 1 MONTH)")
    assert rows(m, "SELECT d FROM sa ORDER BY id") == [("2024-02-01",), ("2024-02-02",)]


def test_greatest_and_least_of_strings_compare_without_case(m):
    """GREATEST('a', 'B') is 'B' in MySQL (the collation ignores case); it was 'a' here, and
    GREATEST of two string columns compared them bytewise too."""
    m.execute("CREATE TABLE gg (id INT PRIMARY KEY, n VARCHAR(5), m VARCHAR(5))")
    m.execute("INSERT INTO gg VALUES (1, 'a', 'B'), (2, 'Z', 'y'), (3, NULL, 'q')")
    assert rows(m, "SELECT GREATEST('a', 'B'), LEAST('a', 'B'), LEAST(CONCAT('b', ''), 'A')") == [
        ("B", "a", "A")]
    assert rows(m, "SELECT GREATEST(n, m), LEAST(n, m), LEAST('m', n), GREATEST(id, 5) FROM gg "
                   "ORDER BY id") == [("B", "a", "a", 5), ("Z", "y", "m", 5), (None, None, None, 5)]


def test_greatest_and_least_of_numbers_and_strings_compare_strings(m):
    """A number among strings: MySQL 8 compares them all as strings and answers a string (its
    manual; MariaDB and MySQL 5.7 compare numbers). SQLite put every number before every
    string: LEAST(3, '2') was 3, GREATEST(id, '2') the string whatever the id."""
    m.execute("CREATE TABLE gn (id INT PRIMARY KEY, s VARCHAR(5), p DECIMAL(5,2))")
    m.execute("INSERT INTO gn VALUES (1, 'apple', 1.5), (2, '10', NULL), (3, NULL, 30)")
    assert rows(m, "SELECT LEAST(3, '2'), LEAST(3, '20'), GREATEST('10', 9), GREATEST('abc', 9),"
                   " GREATEST('a', 'B', 1)") == [("2", "20", "9", "abc", "B")]
    assert rows(m, "SELECT LEAST(id, '2'), GREATEST(s, 5), LEAST(p, '10'), LEAST(id + 10, '9')"
                   " FROM gn ORDER BY id") == [
        ("1", "apple", "1.50", "11"), ("2", "5", None, "12"), ("2", None, "10", "13")]
    assert rows(m, "SELECT GREATEST(1, 2.5, 2), LEAST(id, 2) FROM gn WHERE id = 3") == [
        (Decimal("2.5"), 2)]


def test_a_choice_between_a_number_and_a_string_is_a_string(m):
    """IF(1, 1, 'a'), IFNULL(2, 'x'), COALESCE(n, s): MySQL's result is a string (VARCHAR)
    when the choices mix numbers and strings ('1', '2'). The engine typed it by the number:
    a BIGINT column that carried 'a' for IF(0, 1, 'a'), and an INT one carrying 'x' for
    COALESCE(n, s). Checked against MariaDB 10.11."""
    r = m.execute("SELECT IF(1, 1, 'a'), IF(0, 1, 'a'), IFNULL(2, 'x'), COALESCE(1, 'a'),"
                  " CASE WHEN 1 THEN 1.5 ELSE 'a' END, IF(1, 2, 3)")
    assert r.rows == [("1", "a", "2", "1", "1.5", 2)]
    assert [c.type_oid for c in r.columns] == [25, 25, 25, 25, 25, 23]
    m.execute("CREATE TABLE ch (id INT PRIMARY KEY, s VARCHAR(5), n INT, p DECIMAL(5,2))")
    m.execute("INSERT INTO ch VALUES (1, 'x', NULL, 1.5), (2, NULL, 7, NULL)")
    r = m.execute("SELECT IF(id = 1, id, s), IFNULL(n, 'none'), COALESCE(n, s), IF(id = 1, p, s),"
                  " IFNULL(SUM(n), 'none') FROM ch GROUP BY id ORDER BY id")
    assert r.rows == [("1", "none", "x", "1.50", "none"), (None, "7", "7", None, "7")]
    assert {c.type_oid for c in r.columns} == {25}
    assert rows(m, "SELECT id FROM ch WHERE IF(id = 1, 1, 'a') = 1") == [(1,)]  # still compared as numbers


def test_string_functions_read_a_number_or_a_datetime_as_mysql_writes_it(m):
    """LEFT / RIGHT of a number column or literal were an internal error (the engine's
    string functions take no number), CHAR_LENGTH of one 1305, ELT of one the number; a
    DATETIME in UPPER, REVERSE, REPLACE, TRIM, MD5, CRC32, TO_BASE64 ... was its stored text
    with six fraction digits. Each reads MySQL's text of the value: '12', '1.5',
    '2024-01-05 10:11:12' (its fsp digits only). Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE sf (id INT PRIMARY KEY, f DOUBLE, d DECIMAL(6,2), dt DATETIME, ts DATETIME(3))")
    m.execute("INSERT INTO sf VALUES (12, 1.5, 12.30, '2024-01-05 10:11:12', '2024-01-05 10:11:12.5')")
    assert rows(m, "SELECT LEFT(id, 1), RIGHT(f, 1), LEFT(1.5, 2), RIGHT(id + 1, 1), CHAR_LENGTH(id),"
                   " CHAR_LENGTH(f), ELT(1, id, f), ELT(2, id, f) FROM sf") == [
        ("1", "5", "1.", "3", 2, 3, "12", "1.5")]
    assert rows(m, "SELECT UPPER(dt), LCASE(ts), REVERSE(dt), REPLACE(dt, '1', 'z'), TRIM(dt),"
                   " REPEAT(dt, 2), INSERT(dt, 1, 1, 'z'), QUOTE(dt), ELT(1, dt), UPPER(d) FROM sf") == [
        ("2024-01-05 10:11:12", "2024-01-05 10:11:12.500", "21:11:01 50-10-4202", "2024-0z-05 z0:zz:z2",
         "2024-01-05 10:11:12", "2024-01-05 10:11:122024-01-05 10:11:12", "z024-01-05 10:11:12",
         "'2024-01-05 10:11:12'", "2024-01-05 10:11:12", "12.30")]
    assert rows(m, "SELECT MD5(dt), SHA1(dt), SHA2(dt, 256), CRC32(dt), BIT_LENGTH(dt), OCTET_LENGTH(ts),"
                   " TO_BASE64(dt) FROM sf") == [
        ("5761afeb197ff4ec4fcdea541bd09c78", "c4c99223a6604b901b1030e1a47acad6ff0a6ad7",
         "d3653c7875ff2a66dd60f77535a99a870303b7bf8983a5395c5788ae2582f864", 806410281, 152, 23,
         "MjAyNC0wMS0wNSAxMDoxMToxMg==")]
    assert rows(m, "SELECT LEFT(?, 2), CHAR_LENGTH(?)", 1234, 1.5) == [("12", 3)]


def test_delete_using_and_delete_of_several_tables(m):
    """``DELETE FROM a USING a JOIN b ON ... WHERE ...`` deleted every row of a (the
    translation kept PostgreSQL's USING, where the a after USING is a second a, joined with
    nothing): it deletes the rows the join finds now. ``DELETE a, b FROM a JOIN b ...`` (and
    ``DELETE FROM a, b USING ...``) was 1235: each target's rows are found first, then
    deleted, all or none. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE a3 (id INT PRIMARY KEY, v INT)")
    m.execute("CREATE TABLE b3 (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES a3 (id))")
    m.execute("INSERT INTO a3 VALUES (1, 10), (2, 20), (3, 30), (4, 40), (5, 50)")
    m.execute("INSERT INTO b3 VALUES (1, 1), (2, 2), (3, 2), (4, 4), (5, 5)")
    m.execute("DELETE FROM b3 USING b3 JOIN a3 ON a3.id = b3.a_id WHERE a3.v = 10")
    assert rows(m, "SELECT id FROM b3 ORDER BY id") == [(2,), (3,), (4,), (5,)]
    assert m.execute("DELETE b3, a3 FROM a3 JOIN b3 ON b3.a_id = a3.id WHERE a3.id = 2").affected_rows == 3
    assert rows(m, "SELECT id FROM a3 ORDER BY id") == [(1,), (3,), (4,), (5,)]
    assert rows(m, "SELECT id FROM b3 ORDER BY id") == [(4,), (5,)]
    r = m.execute("DELETE FROM y, x USING a3 AS x JOIN b3 AS y ON y.a_id = x.id WHERE x.v >= ?", (50,))
    assert r.affected_rows == 2
    assert rows(m, "SELECT id FROM a3 ORDER BY id") == [(1,), (3,), (4,)]
    assert errno(m, "DELETE zz FROM a3 JOIN b3 ON b3.a_id = a3.id") == 1109
    m.execute("BEGIN")
    # the parent named first: its referencing rows go first all the same, as in MariaDB
    m.execute("DELETE a3, b3 FROM a3 JOIN b3 ON b3.a_id = a3.id")
    assert rows(m, "SELECT (SELECT count(*) FROM a3), (SELECT count(*) FROM b3)") == [(2, 0)]
    m.execute("ROLLBACK")
    assert rows(m, "SELECT (SELECT count(*) FROM a3), (SELECT count(*) FROM b3)") == [(3, 1)]
    # a parent row that a row left out still references: 1451, and nothing of the statement stays
    m.execute("INSERT INTO b3 VALUES (6, 4)")
    assert errno(m, "DELETE a3, b3 FROM a3 JOIN b3 ON b3.a_id = a3.id WHERE b3.id = 4") == 1451
    assert rows(m, "SELECT (SELECT count(*) FROM a3), (SELECT count(*) FROM b3)") == [(3, 2)]


def test_update_of_several_tables(m):
    """``UPDATE a JOIN b ... SET a.x = ..., b.y = ...`` was 1235: every target's rows, and the
    values they are set to, are found from the join first (``b.y = a.x`` reads a.x as it
    was), then written table after table, a row once, all or none; affected rows are the
    rows whose values changed. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE ua (id INT PRIMARY KEY, x INT, s VARCHAR(3))")
    m.execute("CREATE TABLE ub (id INT PRIMARY KEY, a_id INT, y INT, u INT UNIQUE)")
    m.execute("INSERT INTO ua VALUES (1, 0, 'a'), (2, 0, 'b'), (3, 0, 'c')")
    m.execute("INSERT INTO ub VALUES (1, 1, 5, 1), (2, 1, 6, 2), (3, 2, 7, 3)")
    r = m.execute("UPDATE ua JOIN ub ON ua.id = ub.a_id SET ua.x = ua.x + ub.y, "
                  "ub.y = ua.x + 100 WHERE ua.id < ?", (3,))
    assert (r.affected_rows, r.info) == (5, "Rows matched: 5  Changed: 5  Warnings: 0")
    assert rows(m, "SELECT id, x FROM ua ORDER BY id") == [(1, 5), (2, 7), (3, 0)]
    assert rows(m, "SELECT id, y FROM ub ORDER BY id") == [(1, 100), (2, 100), (3, 100)]
    r = m.execute("UPDATE ua AS t, ub SET x = 9, t.s = 'z', y = 100 WHERE t.id = ub.a_id AND ub.id = 3")
    assert (r.affected_rows, r.info) == (1, "Rows matched: 2  Changed: 1  Warnings: 0")
    assert rows(m, "SELECT id, x, s FROM ua ORDER BY id") == [(1, 5, "a"), (2, 9, "z"), (3, 0, "c")]
    # a collision in the second table undoes the first table's rows too
    assert errno(m, "UPDATE ua JOIN ub ON ua.id = ub.a_id SET ua.x = 0, ub.u = 3") == 1062
    assert rows(m, "SELECT id, x FROM ua ORDER BY id") == [(1, 5), (2, 9), (3, 0)]
    assert rows(m, "SELECT id, u FROM ub ORDER BY id") == [(1, 1), (2, 2), (3, 3)]
    # with IGNORE the colliding rows are skipped, the rest written (MariaDB counts 4 here)
    r = m.execute("UPDATE IGNORE ua JOIN ub ON ua.id = ub.a_id SET ua.s = 'toolong', ub.u = 3")
    assert (r.affected_rows, r.info) == (2, "Rows matched: 5  Changed: 2  Warnings: 4")
    assert rows(m, "SELECT id, s FROM ua ORDER BY id") == [(1, "too"), (2, "too"), (3, "c")]
    assert rows(m, "SELECT id, u FROM ub ORDER BY id") == [(1, 1), (2, 2), (3, 3)]
    assert errno(m, "UPDATE ua JOIN ub ON ua.id = ub.a_id SET ua.x = 1, zz.y = 2") == 1054


def test_a_string_column_compared_with_numbers_compares_numbers(m):
    """MySQL compares a string with a number as numbers, the string read as MySQL reads a
    number ('1abc' is 1, 'abc' 0): ``code = 0`` finds 'abc', ``code IN (1, 2)`` finds
    '1abc' and '2', ``code > 1`` skips 'abc'. Here the column's text was compared with the
    number's (``code = 0`` found nothing, ``code > 1`` took every string), and ``'abc' =
    0`` was refused (1292). A write whose WHERE reads a string that is no number is 1292,
    as in strict mode. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE sx (id INT PRIMARY KEY, code VARCHAR(10), n INT, e ENUM('a', 'b', 'c'))")
    m.execute("INSERT INTO sx VALUES (1, 'abc', 0, 'a'), (2, '1abc', 1, 'b'), (3, '2', 2, 'c'), "
              "(4, NULL, 3, NULL), (5, ' 3', 3, 'b')")

    def ids(where: str) -> list[int]:
        return [r[0] for r in rows(m, f"SELECT id FROM sx WHERE {where} ORDER BY id")]

    assert ids("code = 0") == [1] and ids("0 = code") == [1]
    assert ids("code IN (1, 2)") == [2, 3]
    assert ids("code > 1") == [3, 5] and ids("1 < code") == [3, 5]
    assert ids("code BETWEEN 1 AND 2") == [2, 3]
    assert ids("code <> 0") == [2, 3, 5]
    assert ids("code = '2'") == [3]  # a string: compared as strings
    assert ids("e = 2") == [2, 5]  # an ENUM against a number: its member's number
    assert rows(m, "SELECT 'abc' = 0, '1abc' = 1, ' 3' = 3") == [(1, 1, 1)]
    assert ("Warning", 1292, "Truncated incorrect DOUBLE value: 'abc'") in m.warnings
    assert errno(m, "UPDATE sx SET n = 9 WHERE code = 2") == 1292
    assert rows(m, "SELECT n FROM sx WHERE id = 3") == [(2,)]


def test_avg_as_a_window_function(m):
    """AVG(x) OVER (...) was 1235 "PG_NUM_ROUND() may not be used as a window function": the
    rounding to MySQL's scale went inside the window; the window's value is rounded now."""
    m.execute("CREATE TABLE w (id INT PRIMARY KEY, g VARCHAR(5), v INT)")
    m.execute("INSERT INTO w VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', 5), (4, 'a', 20)")
    assert rows(m, "SELECT id, AVG(v) OVER (PARTITION BY g) FROM w ORDER BY id") == [
        (1, Decimal("16.6667")), (2, Decimal("16.6667")), (3, Decimal("5.0000")),
        (4, Decimal("16.6667"))]


def test_concat_of_predicates_and_terms(m):
    """CONCAT's arguments become ``a || b``: ``CONCAT('a', NULL IS NULL)`` came out as
    ``'a' || NULL IS NULL`` (1064, or the wrong grouping), and a truth value was 'true'
    where MySQL writes 1. (And ASCII() is the first byte: ASCII('é') was the code point; LPAD
    and RPAD are NULL where MySQL's are: they gave '' and the string as it was.)"""
    assert rows(m, "SELECT ASCII('é'), ASCII('a'), ASCII('')") == [(195, 97, 0)]  # its first byte
    # LPAD / RPAD: NULL for a negative length and for an empty pad that has to pad
    assert rows(m, "SELECT LPAD('a', -1, 'x'), LPAD('abc', 5, ''), RPAD('abc', 2, ''), "
                   "RPAD('abc', 6, 'xy'), LPAD('7', 3, '0')") == [(None, None, "ab", "abcxyx", "007")]
    assert rows(m, "SELECT CONCAT('a', NULL IS NULL), CONCAT('x', 1 = 1, 2 + 3, -4, 2 > 3), "
                   "CONCAT('n', 'abc' LIKE 'A%', 1 IN (1, 2))") == [("a1", "x15-40", "n11")]


def test_a_string_longer_than_max_allowed_packet_is_null_with_1301(m):
    """RPAD / LPAD / REPEAT / SPACE of a length past max_allowed_packet were 1105 "requested
    length too large" (or 1690); MySQL's result is NULL with warning 1301. A length counts
    four bytes a character (utf8mb4's widest) for a pad, a repeat its string's bytes."""
    for sql, name in [("SELECT RPAD('abc', 1e308, 'x')", "rpad"), ("SELECT LPAD('abc', 1e308, 'x')", "lpad"),
                      ("SELECT REPEAT('ab', 1e308)", "repeat"), ("SELECT SPACE(1e308)", "space"),
                      ("SELECT REPEAT('ab', 40000000)", "repeat"), ("SELECT RPAD('a', 16777217, 'x')", "rpad")]:
        r = m.execute(sql)
        assert (r.rows, r.warnings) == ([(None,)], 1), sql
        assert rows(m, "SHOW WARNINGS") == [("Warning", 1301, f"Result of {name}() was larger than "
                                             "max_allowed_packet (67108864) - truncated")]
    assert rows(m, "SELECT LENGTH(RPAD('a', 16777216, 'x')), LENGTH(REPEAT('ab', 33554432))") == [
        (16777216, 67108864)]
    # MySQL's whole numbers of a count (half away from zero, a string's leading number)
    assert rows(m, "SELECT REPEAT('ab', 2.5), REPEAT('ab', '2x'), REPEAT('ab', -1), RPAD('a', 2.5, 'x'), "
                   "SPACE(2.5), RPAD('abc', 1e308 - 1e308 + 2, 'x'), REPEAT('', 1e308)") == [
        ("ababab", "abab", "", "axx", "   ", "ab", "")]


def test_concat_in_arithmetic_is_one_operand(m):
    """CONCAT(s, '') + 1 came out as ``s || '' + 1``: '11' for CONCAT('1', '') + 1 where
    MySQL says 2, and an UPDATE stored 101 for a row whose s was '10' (MySQL: 11). Checked
    against MariaDB 10.11."""
    assert rows(m, "SELECT CONCAT('1', '') + 1, CONCAT('1', '2') * 2, 1 + CONCAT('1', '2'),"
                   " CONCAT('1', '') - 1") == [(2, 24, 13, 0)]
    m.execute("CREATE TABLE cc (id INT PRIMARY KEY, s VARCHAR(5), n INT)")
    m.execute("INSERT INTO cc VALUES (1, '10', 0), (2, '9', 0)")
    m.execute("UPDATE cc SET n = CONCAT(s, '') + 1")
    assert rows(m, "SELECT id, n FROM cc ORDER BY CONCAT(s, '') * 1") == [(2, 10), (1, 11)]


def test_a_string_expression_compared_with_a_number_compares_numbers(m):
    """TRIM(s) > 9, LEFT(s, 2) = 10, CONCAT('1', '') = 1: MySQL reads the string as a number;
    the engine compared its text with the number (TRIM(s) > 9 held for every row, the others
    for none). Checked against MariaDB 10.11."""
    assert rows(m, "SELECT CONCAT('1', '') = 1, TRIM(' 5 ') = 5, SUBSTRING('123', 1, 2) > 9,"
                   " CONCAT('1', '2') IN (12, 13), LOWER('5') BETWEEN 4 AND 6, CONCAT('ab', '') = 0") == [
        (1, 1, 1, 1, 1, 1)]
    m.execute("CREATE TABLE se (id INT PRIMARY KEY, s VARCHAR(5))")
    m.execute("INSERT INTO se VALUES (1, '10'), (2, '9'), (9, ' 9')")
    assert rows(m, "SELECT id FROM se WHERE TRIM(s) > 9") == [(1,)]
    assert rows(m, "SELECT id FROM se WHERE LEFT(s, 2) = 10") == [(1,)]
    assert rows(m, "SELECT id FROM se WHERE TRIM(s) = id ORDER BY id") == [(9,)]
    m.execute("UPDATE se SET s = 'z' WHERE CONCAT(s, '') = 10")
    assert rows(m, "SELECT id, s FROM se ORDER BY id") == [(1, "z"), (2, "9"), (9, " 9")]
    assert errno(m, "UPDATE se SET s = 'y' WHERE CONCAT(s, 'x') = 10") == 1292  # strict, as MySQL


def test_is_true_and_is_false_as_mysql(m):
    """``x IS TRUE`` is 1 for any number but 0 (2 IS TRUE was 0 here: the engine compared with
    1, MySQL's TRUE), ``x IS FALSE`` 1 for 0, neither ever NULL."""
    m.execute("CREATE TABLE it9 (id INT PRIMARY KEY, n INT)")
    m.execute("INSERT INTO it9 VALUES (1, 2), (2, 0), (3, NULL), (4, -1)")
    assert rows(m, "SELECT n IS TRUE, n IS FALSE, n IS NOT TRUE, n IS NOT FALSE FROM it9 ORDER BY id") == [
        (1, 0, 0, 1), (0, 1, 1, 0), (0, 0, 1, 1), (1, 0, 0, 1)]
    assert rows(m, "SELECT id FROM it9 WHERE n IS TRUE ORDER BY id") == [(1,), (4,)]


def test_views_whose_query_qualifies_columns(m):
    """``CREATE VIEW w AS SELECT p.name FROM parent p`` was 1235 "DDL on another database (p)";
    ``AS (SELECT ...)`` was 1235 too."""
    m.execute("CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(9))")
    m.execute("INSERT INTO parent VALUES (1, 'a')")
    m.execute("CREATE VIEW w AS SELECT p.name FROM parent p")
    m.execute("CREATE VIEW w2 AS (SELECT p.id FROM parent AS p)")
    m.execute("CREATE TABLE t3 AS SELECT p.id FROM parent p")
    assert rows(m, "SELECT * FROM w") == [("a",)]
    assert rows(m, "SELECT * FROM w2") == [(1,)]
    assert rows(m, "SELECT * FROM t3") == [(1,)]
    assert errno(m, "CREATE VIEW other.w3 AS SELECT 1") == 1235


def test_bytes_that_are_no_utf8_are_a_string_literals_bytes_or_1300(m):
    """A statement's bytes that are no UTF-8 (the server keeps them as lone surrogates) are
    the bytes of the string literal they stand in (a dump's raw BLOB value, MySQL 8's
    ``_binary '...'``); anywhere else, MySQL's 1300."""
    m.execute("CREATE TABLE b (id INT PRIMARY KEY, x BLOB)")
    raw = b"INSERT INTO b VALUES (1, '\\0\xff\x10\\''), (2, _binary '\xfe\xed') /* \xff */"
    assert m.execute(raw.decode("utf-8", "surrogateescape")).affected_rows == 2
    assert rows(m, "SELECT id, HEX(x) FROM b ORDER BY id") == [(1, "00FF1027"), (2, "FEED")]
    with pytest.raises(SqlError) as failed:
        m.execute(b"SELECT \xff\xfe FROM b".decode("utf-8", "surrogateescape"))
    assert (failed.value.errno, failed.value.message) == (1300, "Invalid utf8mb4 character string: 'FFFE2046'")


def test_a_quotient_keeps_mysqls_hidden_digits_inside_arithmetic(m):
    """MySQL computes a quotient to whole decimal words (9 digits) and rounds it to its
    scale (the dividend's + 4) only where the value leaves the expression: (1/3)*3 is 1.0000,
    not the 0.9999 of 0.3333 * 3 (values as MariaDB 10.11 gives them)."""
    m.execute("CREATE TABLE p (id INT, price DECIMAL(10,2), qty INT)")
    m.execute("INSERT INTO p VALUES (1, 10.00, 3)")
    assert [tuple(map(str, r)) for r in rows(
        m, "SELECT 1/3 + 1/3 + 1/3, 1/3, 2/3*3, (1/3)*1000000, 100/7*7, CAST(1/3 AS DECIMAL(20,10)), "
           "ROUND(1/3, 6), (1/3)/(1/3), price / qty, price / qty * qty, 1/3 = 0.3333, "
           "CONCAT(1/3, '') FROM p")] == [(
        "1.0000", "0.3333", "2.0000", "333333.3330", "100.0000", "0.3333333330", "0.333333",
        "1.00000000", "3.333333", "10.000000", "1", "0.3333")]
    assert [str(r[0]) for r in rows(m, "SELECT AVG(1/3) FROM p")] == ["0.33333333"]
    assert [str(r[0]) for r in rows(m, "SELECT SUM(1/3) FROM p, p AS q, (SELECT 1 UNION ALL SELECT 2 "
                                       "UNION ALL SELECT 3) AS r")] == ["1.0000"]
    m.execute("CREATE TABLE r AS SELECT 1/3 AS x")  # stored: its scale's digits only
    assert [tuple(map(str, r)) for r in rows(m, "SELECT x, x * 3 FROM r")] == [("0.3333", "0.9999")]


def test_innodb_no_action_refuses_at_once(m):
    """InnoDB's NO ACTION is RESTRICT: a parent row whose key a child refers to cannot be
    deleted or changed, even when the statement puts the key back (PostgreSQL's NO ACTION
    looks only at the statement's end)."""
    m.execute("CREATE TABLE p (id INT PRIMARY KEY, u INT UNIQUE)")
    m.execute("CREATE TABLE c (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p(id) "
              "ON DELETE NO ACTION ON UPDATE NO ACTION)")
    m.execute("INSERT INTO p VALUES (1, 1), (2, 2)")
    m.execute("INSERT INTO c VALUES (1, 1)")
    assert errno(m, "DELETE FROM p WHERE id = 1") == 1451
    assert errno(m, "UPDATE p SET id = 3 WHERE id = 1") == 1451
    assert errno(m, "REPLACE INTO p VALUES (1, 5)") == 1451
    assert m.execute("UPDATE p SET id = 5 WHERE id = 2").affected_rows == 1
    assert rows(m, "SELECT * FROM p ORDER BY id") == [(1, 1), (5, 2)]


# --- queries ----------------------------------------------------------------------------------


def test_select_semantics(m):
    r = m.execute(
        "SELECT 7/2, 7 DIV 2, 1 = 1, TRUE, NULL IS NULL, IFNULL(NULL, 'x'), IF(1 > 2, 'y', 'n'),"
        " CONCAT('a', 'b', 'c'), CONCAT_WS('-', 'a', 'b'), 1 || 0, 5 % 3"
    )
    assert r.rows == [(Decimal("3.5000"), 3, 1, 1, 1, "x", "n", "abc", "a-b", 1, 2)]
    assert [c.name for c in r.columns][:3] == ["7/2", "7 DIV 2", "1 = 1"]
    assert rows(m, "SELECT 1/0") == [(None,)]
    now, today = rows(m, "SELECT NOW(), CURDATE()")[0]
    assert now.tzinfo is None and now.microsecond == 0
    assert isinstance(today, dt.date)
    assert abs(rows(m, "SELECT UNIX_TIMESTAMP()")[0][0] - time.time()) < 5
    assert rows(m, "SELECT DATE_FORMAT('2024-03-05 10:11:12', '%Y-%m-%d')") == [("2024-03-05",)]


def test_string_comparison_is_case_insensitive_on_columns(m):
    m.execute("CREATE TABLE names (n VARCHAR(20))")
    m.execute("INSERT INTO names VALUES ('Alice'), ('bob')")
    assert rows(m, "SELECT n FROM names WHERE n = 'ALICE'") == [("Alice",)]
    assert rows(m, "SELECT n FROM names WHERE n LIKE 'B%'") == [("bob",)]
    assert rows(m, "SELECT n FROM names ORDER BY n") == [("Alice",), ("bob",)]
    m.execute("INSERT INTO names VALUES ('a_c'), ('abc')")
    assert rows(m, "SELECT n FROM names WHERE n LIKE 'A\\_c'") == [("a_c",)]
    assert rows(m, "(SELECT n FROM names WHERE n = 'bob') UNION (SELECT n FROM names WHERE"
                " n = 'abc') ORDER BY n") == [("abc",), ("bob",)]
    # a binary collation compares bytes; a case-insensitive one changes nothing
    assert rows(m, "SELECT n FROM names WHERE n COLLATE utf8mb4_bin = 'ALICE'") == []
    assert rows(m, "SELECT n FROM names WHERE n COLLATE utf8mb4_bin = 'Alice'") == [("Alice",)]
    assert rows(m, "SELECT n FROM names WHERE n = 'BOB' COLLATE utf8mb4_general_ci") == [
        ("bob",)]


def test_limit_offset_group_concat_and_ordinals(m):
    m.execute("CREATE TABLE g (id INT PRIMARY KEY, grp VARCHAR(5), v INT)")
    m.execute("INSERT INTO g VALUES (1,'a',1),(2,'a',2),(3,'b',3),(4,'b',4),(5,'c',5)")
    assert rows(m, "SELECT id FROM g ORDER BY id LIMIT 1, 2") == [(2,), (3,)]
    assert rows(m, "SELECT grp, GROUP_CONCAT(v ORDER BY v SEPARATOR ';') FROM g GROUP BY grp"
                " ORDER BY 1") == [("a", "1;2"), ("b", "3;4"), ("c", "5")]
    assert rows(m, "SELECT grp, SUM(v) FROM g GROUP BY 1 ORDER BY 2 DESC LIMIT 1") == [
        ("b", 7)]
    assert rows(m, "SELECT SQL_CALC_FOUND_ROWS id FROM g LIMIT 2") == [(1,), (2,)]
    assert rows(m, "SELECT FOUND_ROWS()") == [(5,)]  # (the rows without the LIMIT)


def test_insert_defaults_and_on_update(m):
    m.execute(
        "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(10) DEFAULT 'anon',"
        " n INT DEFAULT 3, updated TIMESTAMP NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP)"
    )
    assert m.execute("INSERT INTO t VALUES (DEFAULT, 'x', DEFAULT, NULL)").insert_id == 1
    assert m.execute("INSERT INTO t () VALUES ()").insert_id == 2
    assert m.execute("INSERT INTO t (name, n) VALUES ('y', DEFAULT)").insert_id == 3
    m.execute("INSERT INTO t SELECT NULL, name, n + 1, NULL FROM t WHERE id = 3")
    assert rows(m, "SELECT id, name, n, updated FROM t ORDER BY id") == [
        (1, "x", 3, None), (2, "anon", 3, None), (3, "y", 3, None), (4, "y", 4, None)]
    m.execute("UPDATE t SET n = 5 WHERE id = 1")
    assert rows(m, "SELECT updated IS NOT NULL FROM t ORDER BY id") == [(1,), (0,), (0,), (0,)]
    # a row whose values stay as they were keeps its time, and is not a changed row
    assert m.execute("UPDATE t SET n = n, name = 'y' WHERE id IN (2, 3)").affected_rows == 1
    assert rows(m, "SELECT updated IS NOT NULL FROM t ORDER BY id") == [(1,), (1,), (0,), (0,)]
    m.execute("UPDATE t SET updated = NULL")
    assert m.execute("UPDATE t SET name = 'Y' WHERE id = 3").affected_rows == 1
    assert m.execute("UPDATE t SET n = '4' WHERE id = 4").affected_rows == 0
    assert rows(m, "SELECT id FROM t WHERE updated IS NOT NULL") == [(3,)]
    # ON DUPLICATE KEY UPDATE: the same rule (2 = one row updated, 0 = left as it was)
    assert m.execute("INSERT INTO t (id, n) VALUES (4, 4) ON DUPLICATE KEY UPDATE"
                     " n = VALUES(n)").affected_rows == 0
    assert m.execute("INSERT INTO t (id, n) VALUES (2, 9) ON DUPLICATE KEY UPDATE"
                     " n = VALUES(n)").affected_rows == 2
    assert rows(m, "SELECT id FROM t WHERE updated IS NOT NULL ORDER BY id") == [(2,), (3,)]
    assert "`updated` timestamp NULL DEFAULT NULL ON UPDATE CURRENT_TIMESTAMP" in rows(
        m, "SHOW CREATE TABLE t")[0][1]
    assert rows(m, "DESCRIBE t")[3][5] == "on update CURRENT_TIMESTAMP"


def test_update_delete_with_order_and_limit(m):
    m.execute("CREATE TABLE q (id INT PRIMARY KEY, v INT)")
    m.execute("INSERT INTO q VALUES (1, 0), (2, 0), (3, 0)")
    assert m.execute("UPDATE q SET v = 1 ORDER BY id DESC LIMIT 2").affected_rows == 2
    assert m.execute("DELETE FROM q WHERE v = 1 ORDER BY id LIMIT 1").affected_rows == 1
    # ROW_COUNT(): the previous statement's affected rows, -1 after a SELECT
    assert rows(m, "SELECT ROW_COUNT()") == [(1,)]
    assert rows(m, "SELECT id, v FROM q ORDER BY id") == [(1, 0), (3, 1)]
    assert rows(m, "SELECT ROW_COUNT()") == [(-1,)]


def test_json_columns_and_paths(m):
    m.execute("CREATE TABLE doc (id INT AUTO_INCREMENT PRIMARY KEY, body JSON)")
    m.execute("""INSERT INTO doc (body) VALUES ('{"a": {"b": 2}, "tags": ["x", "y"]}')""")
    # the text a MySQL client reads (MySQL's normal form: keys by length, then bytes)
    assert rows(m, "SELECT body FROM doc") == [('{"a": {"b": 2}, "tags": ["x", "y"]}',)]
    assert rows(m, "SELECT body->'$.a.b', body->>'$.tags[0]', JSON_EXTRACT(body, '$.a'),"
                " JSON_UNQUOTE(JSON_EXTRACT(body, '$.tags[1]')), JSON_LENGTH(body),"
                " JSON_TYPE(body) FROM doc") == [("2", "x", '{"b": 2}', "y", 2, "OBJECT")]
    assert rows(m, "SELECT id FROM doc WHERE body->>'$.tags[0]' = 'x'") == [(1,)]
    assert rows(m, "SELECT id FROM doc WHERE body->>'$.tags[0]' = 'z'") == []
    # a JSON null is the text 'null' to ->> as to JSON_UNQUOTE(JSON_EXTRACT()) (it was NULL)
    m.execute("""INSERT INTO doc (body) VALUES ('{"gone": null}')""")
    assert rows(m, "SELECT body->>'$.gone', JSON_UNQUOTE(JSON_EXTRACT(body, '$.gone')),"
                   " body->>'$.gone' IS NULL, body->>'$.nothing' IS NULL FROM doc WHERE id = 2") == [
        ("null", "null", 0, 1)]
    # col->'$.path' as a function's argument (sqlglot reads it as a lambda there): it was
    # PostgreSQL's -> with the path as a key, NULL every time
    assert rows(m, "SELECT JSON_LENGTH(body->'$.tags'), JSON_UNQUOTE(body->'$.tags[1]'),"
                   " JSON_CONTAINS(body->'$.tags', '\"y\"'), COALESCE(body->'$.none', 'no'),"
                   " CONCAT('<', body->'$.a.b', '>') FROM doc WHERE id = 1") == [(2, "y", 1, "no", "<2>")]
    assert rows(m, "SELECT id FROM doc WHERE JSON_UNQUOTE(body->'$.tags[0]') = 'x'") == [(1,)]
    # a JSON value against a number compares numbers (Django's numeric key lookups): the
    # JSON's text against 15 compared as text, and matched every row
    m.execute("""INSERT INTO doc (body) VALUES ('{"n": 2}'), ('{"n": 20}'), ('{"n": "x"}')""")
    assert rows(m, """SELECT id FROM doc WHERE JSON_EXTRACT(body, '$."n"') >= 15""") == [(4,)]
    assert rows(m, "SELECT id FROM doc WHERE body->'$.n' < 15 OR body->'$.n' IN (20) ORDER BY id") == [
        (3,), (4,)]
    assert rows(m, "SELECT id FROM doc WHERE body->'$.n' BETWEEN 1 AND 3") == [(3,)]
    # ORDER BY a JSON value: numbers by value ('20' before '9' as text), then strings
    m.execute("""INSERT INTO doc (body) VALUES ('{"n": 9}'), ('{"n": 100.5}')""")
    assert rows(m, "SELECT id FROM doc WHERE id > 2 ORDER BY body->'$.n' DESC") == [(5,), (7,), (4,), (6,), (3,)]
    assert rows(m, "SELECT id FROM doc WHERE id > 2 ORDER BY JSON_EXTRACT(body, '$.n'), id") == [
        (3,), (6,), (4,), (7,), (5,)]


def test_mysql_only_functions(m):
    assert rows(m, "SELECT DAYOFWEEK('2024-01-07'), WEEKDAY('2024-01-07'), SHA1('a'), HEX('abc'),"
                " REVERSE('abc'), 'Banana' REGEXP '^b', DATEDIFF('2024-03-01', '2024-02-01')") == [
        (1, 6, "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", "616263", "cba", 1, 29)]
    assert rows(m, "SELECT STR_TO_DATE('05/03/2024', '%d/%m/%Y'),"
                " STR_TO_DATE('05/03/2024 10:11', '%d/%m/%Y %H:%i'), FROM_UNIXTIME(86400)") == [
        (dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 10, 11), dt.datetime(1970, 1, 2))]


def test_str_to_date_of_a_format_with_time_parts_only_is_a_time(m):
    """STR_TO_DATE with a format of time parts only was a DATETIME of 1900-01-01 (MySQL's
    manual: a TIME), and STR_TO_DATE(...) + 0 a DATETIME of 1970; checked against MariaDB 10.11."""
    assert rows(m, "SELECT STR_TO_DATE('10:11 PM', '%h:%i %p'), STR_TO_DATE('10:11:12', '%T'),"
                   " STR_TO_DATE('10:11:12.5', '%H:%i:%s.%f'), STR_TO_DATE('25:11', '%H:%i')") == [
        (dt.time(22, 11), dt.time(10, 11, 12), dt.time(10, 11, 12, 500000), None)]
    assert rows(m, "SELECT STR_TO_DATE('10:11 PM', '%h:%i %p') + 0, STR_TO_DATE('2024-01-05', '%Y-%m-%d') + 0,"
                   " STR_TO_DATE('2024-01-05 10:11', '%Y-%m-%d %H:%i') + 0,"
                   " CONCAT(STR_TO_DATE('10:11 PM', '%h:%i %p'), '')") == [
        (221100, 20240105, 20240105101100, "22:11:00")]


def test_a_negated_string_is_the_number_mysql_reads_in_it(m):
    """-CONCAT('1', '2') and -'12' were the string '-12' (the engine negated the text),
    -'abc' the string '0'; MySQL negates the number it reads in the string. Checked
    against MariaDB 10.11."""
    m.execute("CREATE TABLE ng (id INT PRIMARY KEY, s VARCHAR(10), n INT)")
    m.execute("INSERT INTO ng VALUES (1, '7', 3)")
    assert rows(m, "SELECT -CONCAT('1', '2'), -CONCAT('1.5', '2'), -'12', -'abc', -'1e2', -(LOWER('3')),"
                   " -s, -n FROM ng") == [(-12, -1.52, -12, 0, -100.0, -3, -7, -3)]
    m.execute("UPDATE ng SET n = -s")
    assert rows(m, "SELECT n FROM ng") == [(-7,)]


def test_a_hex_literal_written_to_an_integer_column_is_its_number(m):
    """x'41' written to an INT primary key was 1105 'datatype mismatch' (SQLite's rowid takes
    no bytes), to another INT column 1264; MySQL stores a hex literal in a number column as
    the unsigned number of its bytes (Item_hex_string::save_in_field), as x'41' + 0 is 65."""
    m.execute("CREATE TABLE hx (id INT PRIMARY KEY, k INT, b BIGINT, t TINYINT)")
    m.execute("INSERT INTO hx VALUES (x'41', x'3133', x'7fffffffffffffff', 1)")
    m.execute("UPDATE hx SET k = x'3134'")
    assert rows(m, "SELECT * FROM hx") == [(65, 12596, 9223372036854775807, 1)]
    assert errno(m, "INSERT INTO hx VALUES (2, 1, x'8000000000000000', 1)") == 1264
    assert errno(m, "INSERT INTO hx VALUES (3, 1, 1, x'ff')") == 1264


def test_multi_table_update_and_delete(m):
    m.execute("CREATE TABLE a (id INT PRIMARY KEY, x INT)")
    m.execute("CREATE TABLE b (aid INT, y INT)")
    m.execute("CREATE TABLE c (cid INT, z INT)")
    m.execute("INSERT INTO a VALUES (1, 0), (2, 0), (3, 0)")
    m.execute("INSERT INTO b VALUES (1, 5), (2, 1)")
    m.execute("INSERT INTO c VALUES (1, 9)")
    r = m.execute("UPDATE a JOIN b ON a.id = b.aid SET a.x = b.y WHERE b.y > 1")
    assert r.affected_rows == 1
    m.execute("UPDATE a AS t INNER JOIN b ON t.id = b.aid JOIN c ON c.cid = t.id"
              " SET t.x = b.y + c.z")
    assert rows(m, "SELECT id, x FROM a ORDER BY id") == [(1, 14), (2, 0), (3, 0)]
    assert m.execute("DELETE a FROM a JOIN b ON a.id = b.aid WHERE b.y < 3").affected_rows == 1
    assert rows(m, "SELECT id FROM a ORDER BY id") == [(1,), (3,)]
    assert m.execute("DELETE a, b FROM a JOIN b ON a.id = b.aid").affected_rows == 2
    assert rows(m, "SELECT id FROM a") == [(3,)] and rows(m, "SELECT aid FROM b") == [(2,)]
    assert errno(m, "UPDATE a LEFT JOIN b ON a.id = b.aid SET a.x = 1") == 1235


def test_user_variables(m):
    m.execute("SET @x = 5, @s = 'hi'")
    assert rows(m, "SELECT @x, @x + 1, @s, @missing") == [(5, 6, "hi", None)]
    m.execute("SET @p = ?, @q = ?", ["it's", 3])
    assert rows(m, "SELECT @p, @q") == [("it's", 3)]
    m.execute("SET @x = @x * 2")
    assert rows(m, "SELECT @x") == [(10,)]
    assert rows(m, "SELECT @x / 4, IFNULL(@x DIV 3, 0)") == [(Decimal("2.5000"), 3)]
    m.execute("SET @x = 'now text'")
    r = m.execute("SELECT @x")
    assert r.rows == [("now text",)] and r.columns[0].type_oid == 25


def test_user_variables_assigned_in_a_query(m):
    """``SELECT @r := @r + 1 AS n, x FROM t`` (the ranking idiom) was 1064. A variable is
    assigned row by row and read as it stands at that row; the numbers follow the ORDER BY,
    as MySQL computes the select list after its sort; a derived table that sets variables
    (``(SELECT @i := 100) init``) runs before the query. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE rk (id INT PRIMARY KEY, name VARCHAR(10), score INT)")
    m.execute("INSERT INTO rk VALUES (1, 'pear', 10), (2, 'Apple', 30), (3, 'fig', 20), (4, 'kiwi', 30)")
    m.execute("SET @r = 0")
    assert rows(m, "SELECT @r := @r + 1 AS n, name FROM rk ORDER BY id") == [
        (1, "pear"), (2, "Apple"), (3, "fig"), (4, "kiwi")]
    assert rows(m, "SELECT @r, @r := 10, @r + 1") == [(4, 10, 11)]
    m.execute("SET @r = 0")
    assert rows(m, "SELECT @r := @r + 1 AS n, name FROM rk ORDER BY score DESC, 2") == [
        (1, "Apple"), (2, "kiwi"), (3, "fig"), (4, "pear")]
    m.execute("SET @rank = 0, @prev = NULL")
    assert rows(m, "SELECT name, @rank := IF(@prev = score, @rank, @rank + 1) AS rnk, @prev := score"
                   " FROM rk ORDER BY score DESC, id") == [
        ("Apple", 1, 30), ("kiwi", 1, 30), ("fig", 2, 20), ("pear", 3, 10)]
    assert rows(m, "SELECT @i := @i + 1 AS n, name FROM rk, (SELECT @i := 100) init WHERE id < 3"
                   " ORDER BY id") == [(101, "pear"), (102, "Apple")]
    m.execute("SET @j = 0")
    assert rows(m, "SELECT n, name FROM (SELECT @j := @j + 1 AS n, name FROM rk"
                   " ORDER BY name DESC) q ORDER BY n LIMIT 2") == [(1, "pear"), (2, "kiwi")]
    assert rows(m, "SELECT @c := @c + 1 FROM rk") == [(None,)] * 4
    assert rows(m, "SELECT @s := name FROM rk WHERE id = 2") == [("Apple",)]
    assert rows(m, "SELECT @s, @i, @rank") == [("Apple", 102, 3)]


def test_a_decimal_assigned_in_a_query_stays_exact(m):
    """``SELECT @d := 1.10 + 0`` kept the numeric's text ('1.10'; ``@d * 3`` was then the
    DOUBLE 3.3000000000000003) and a DECIMAL column's value a float; MySQL's variable keeps
    the exact decimal, with its scale (a DECIMAL(6, 3) column's 2.250)."""
    m.execute("CREATE TABLE dx (x DECIMAL(6,3))")
    m.execute("INSERT INTO dx VALUES (1.5), (2.25)")
    r = m.execute("SELECT @d := 1.10 + 0")
    assert r.rows == [(Decimal("1.10"),)] and r.columns[0].type_oid == 1700
    assert rows(m, "SELECT @d, @d * 3") == [(Decimal("1.10"), Decimal("3.30"))]
    m.execute("SELECT @g := CAST(2.5 AS DECIMAL(5,2)), @s := x FROM dx")
    assert rows(m, "SELECT @g, @s") == [(Decimal("2.50"), Decimal("2.250"))]
    m.execute("SET @e = CAST(1.10 AS DECIMAL(5,2))")
    assert rows(m, "SELECT @e, @e * 3") == [(Decimal("1.10"), Decimal("3.30"))]
    m.execute("SET @q = 1.5")
    m.execute("SELECT @q := @q + 1")  # (a DECIMAL read as it changes was an internal error)
    assert rows(m, "SELECT @q") == [(Decimal("2.5"),)]
    m.execute("SET @r = 0")
    r = m.execute("SELECT @r := @r + 1 FROM dx")
    assert r.rows == [(1,), (2,)] and r.columns[0].type_oid == 20  # an integer stays BIGINT
    r = m.execute("SELECT @r")
    assert r.rows == [(2,)] and r.columns[0].type_oid == 20


# --- variables and SET ---------------------------------------------------------------------


def test_system_variables(m):
    r = m.execute(
        "SELECT @@version, @@version_comment, @@aurora_version, AURORA_VERSION(),"
        " @@aurora_server_id, @@innodb_read_only, @@read_only, @@autocommit,"
        " @@transaction_isolation, @@tx_isolation, @@session.sql_mode, @@global.max_allowed_packet,"
        " @@lower_case_table_names, @@time_zone, @@system_time_zone, @@character_set_client,"
        " @@collation_connection, VERSION(), CONNECTION_ID(), USER(), CURRENT_USER()"
    )
    (row,) = r.rows
    assert row[:10] == ("8.0.32", "Source distribution", "3.05.2", "3.05.2", "demo-instance-1",
                        0, 0, 1, "REPEATABLE-READ", "REPEATABLE-READ")
    assert "STRICT_TRANS_TABLES" in row[10]
    assert row[11] == 67108864
    assert row[12:] == (0, "SYSTEM", "UTC", "utf8mb4", "utf8mb4_0900_ai_ci", "8.0.32", 42,
                        "admin@localhost", "admin@%")
    assert r.columns[0].name == "@@version"
    assert errno(m, "SELECT @@nosuchvar") == 1193


def test_set_statements(m):
    m.execute("SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci")
    m.execute("SET SESSION sql_mode = 'TRADITIONAL', @@session.wait_timeout = 100")
    m.execute("SET character_set_results = NULL")
    m.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    assert rows(m, "SELECT @@sql_mode, @@wait_timeout, @@collation_connection,"
                " @@transaction_isolation") == [
        ("TRADITIONAL", 100, "utf8mb4_unicode_ci", "READ-COMMITTED")]
    assert errno(m, "SET nosuch = 1") == 1193
    assert errno(m, "SET @@read_only = 1") == 1238
    vals = dict(rows(m, "SHOW VARIABLES LIKE 'wait%'"))
    assert vals == {"wait_timeout": "100"}
    vals = dict(rows(m, "SHOW SESSION VARIABLES WHERE Variable_name IN ('autocommit', 'version')"))
    assert vals == {"autocommit": "ON", "version": "8.0.32"}
    assert dict(rows(m, "SHOW VARIABLES LIKE 'lower_case_table_names'")) == {
        "lower_case_table_names": "0"}
    # what tools set (mysqldump's SQL_LOG_BIN, Workbench's profiling, connectors'
    # session_track_*): MySQL 8.0's variables, taken (they were 1193)
    m.execute("SET @@SESSION.SQL_LOG_BIN= 0")
    m.execute("SET profiling = 1, information_schema_stats_expiry = 0, SQL_BIG_SELECTS = 1, "
              "session_track_state_change = ON, optimizer_switch = 'index_merge=off', "
              "lc_time_names = 'en_US', sql_require_primary_key = OFF, join_buffer_size = 1048576")
    assert rows(m, "SELECT @@sql_log_bin, @@profiling, @@session_track_state_change, "
                   "@@join_buffer_size") == [(0, 1, 1, 1048576)]
    assert dict(rows(m, "SHOW VARIABLES LIKE 'sql_log_bin'")) == {"sql_log_bin": "OFF"}


# --- transactions ------------------------------------------------------------------------------


def test_statement_error_keeps_transaction_usable(users):
    m = users
    m.execute("START TRANSACTION")
    assert m.transaction_status == "T"
    m.execute("INSERT INTO users (email) VALUES ('t1@x')")
    assert errno(m, "INSERT INTO users (email) VALUES ('a@x')") == 1062
    assert errno(m, "SELECT nosuch FROM users") == 1054
    assert m.transaction_status == "T"
    m.execute("INSERT INTO users (email) VALUES ('t2@x')")
    m.execute("COMMIT")
    assert m.transaction_status == "I"
    assert rows(m, "SELECT COUNT(*) FROM users WHERE email LIKE 't%'") == [(2,)]


def test_a_failed_write_in_a_transaction_undoes_itself_only(m):
    m.execute("CREATE TABLE parent (id INT PRIMARY KEY)")
    m.execute("CREATE TABLE child (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES parent (id))")
    m.execute("INSERT INTO parent VALUES (1)")
    m.execute("BEGIN")
    # the transaction's first statement fails on its third row: its first two go too
    assert errno(m, "INSERT INTO parent VALUES (2), (3), (1)") == 1062
    m.execute("INSERT INTO parent VALUES (4)")
    assert errno(m, "INSERT INTO child VALUES (1, 1), (2, 99)") == 1452  # a foreign key
    m.execute("INSERT INTO child VALUES (3, 4)")
    assert errno(m, "UPDATE parent SET id = 5 WHERE id = 4") == 1451  # a child refers to it
    assert m.execute("UPDATE parent SET id = 6 WHERE id = 1").affected_rows == 1
    assert m.transaction_status == "T"
    m.execute("COMMIT")
    assert rows(m, "SELECT id FROM parent ORDER BY id") == [(4,), (6,)]
    assert rows(m, "SELECT id, p FROM child") == [(3, 4)]


def test_a_write_interrupted_inside_a_transaction_ends_it(m):
    # SQLite rolls the whole transaction back when a write is interrupted (KILL QUERY): the
    # session must then be outside a transaction too, not go on in autocommit mode.
    m.execute("CREATE TABLE w (id BIGINT PRIMARY KEY)")
    m.execute("BEGIN")
    m.execute("INSERT INTO w VALUES (1)")
    m.execute("SET cte_max_recursion_depth = 4294967295")
    threading.Timer(0.1, m.cancel).start()
    endless = ("INSERT INTO w (id) WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
               "FROM r) SELECT i + 1000 FROM r")
    assert errno(m, endless) == 1317
    assert m.transaction_status == "I"
    m.execute("INSERT INTO w VALUES (2)")
    assert rows(m, "SELECT id FROM w") == [(2,)]


def test_rollback_and_savepoints(users):
    m = users
    m.execute("BEGIN")
    m.execute("INSERT INTO users (email) VALUES ('r1@x')")
    m.execute("SAVEPOINT sp1")
    m.execute("INSERT INTO users (email) VALUES ('r2@x')")
    m.execute("ROLLBACK TO SAVEPOINT sp1")
    m.execute("RELEASE SAVEPOINT sp1")
    m.execute("COMMIT")
    assert rows(m, "SELECT email FROM users WHERE email LIKE 'r%'") == [("r1@x",)]
    m.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
    m.execute("DELETE FROM users")
    m.execute("ROLLBACK")
    assert rows(m, "SELECT COUNT(*) FROM users") == [(3,)]
    assert errno(m, "ROLLBACK TO SAVEPOINT nosuch") == 1305


def test_autocommit_off(users, instance):
    m = users
    m.execute("SET autocommit = 0")
    assert not m.autocommit
    assert rows(m, "SELECT @@autocommit") == [(0,)]
    m.execute("INSERT INTO users (email) VALUES ('ac@x')")
    assert m.transaction_status == "T"
    other = instance.session("app")
    assert rows(other, "SELECT COUNT(*) FROM users WHERE email = 'ac@x'") == [(0,)]
    m.execute("ROLLBACK")
    assert m.transaction_status == "I"
    m.execute("INSERT INTO users (email) VALUES ('ac2@x')")
    m.execute("CREATE TABLE ddl_commits (a INT)")  # DDL commits first, as in MySQL
    assert rows(other, "SELECT COUNT(*) FROM users WHERE email = 'ac2@x'") == [(1,)]
    m.execute("INSERT INTO users (email) VALUES ('ac3@x')")
    m.execute("SET autocommit = 1")  # commits
    assert m.transaction_status == "I"
    assert rows(other, "SELECT COUNT(*) FROM users WHERE email = 'ac3@x'") == [(1,)]
    other.close()


def test_prepare_error_keeps_transaction(users):
    m = users
    m.execute("BEGIN")
    m.execute("INSERT INTO users (email) VALUES ('p1@x')")
    with pytest.raises(SqlError) as e:
        m.prepare("SELECT nosuch FROM users WHERE id = ?")
    assert e.value.errno == 1054
    assert m.transaction_status == "T"
    m.execute("COMMIT")
    assert rows(m, "SELECT COUNT(*) FROM users WHERE email = 'p1@x'") == [(1,)]


def test_kill_query_is_1317(m):
    import threading

    m.execute("SET cte_max_recursion_depth = 100000000")
    threading.Timer(0.3, m.cancel).start()
    with pytest.raises(SqlError) as e:
        m.execute("WITH RECURSIVE c (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
                  " WHERE x < 100000000) SELECT COUNT(*) FROM c")
    assert (e.value.errno, e.value.message) == (1317, "Query execution was interrupted")
    assert rows(m, "SELECT 1") == [(1,)]
    threading.Timer(0.2, m.cancel).start()
    with pytest.raises(SqlError) as e:  # information_schema runs on SQLite itself
        m.execute("SELECT COUNT(*) FROM " + ", ".join(
            f"information_schema.ENGINES t{i}" for i in range(10)))
    assert e.value.errno == 1317
    assert rows(m, "SELECT 2") == [(2,)]


def error(s: MySqlSession, sql: str) -> SqlError:
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    return e.value


def test_a_recursive_cte_stops_past_cte_max_recursion_depth_with_3636(m):
    # Without its stopping condition a recursive CTE ran until the instance ran out of memory.
    endless = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c"
    e = error(m, endless)
    assert (e.errno, e.sqlstate, e.message) == (
        3636, "HY000", "Recursive query aborted after 1001 iterations. "
        "Try increasing @@cte_max_recursion_depth to a larger value.")
    assert rows(m, "SELECT @@cte_max_recursion_depth") == [(1000,)]
    # 1,000 iterations are allowed; the result keeps its own columns, no depth among them
    result = m.execute("WITH RECURSIVE c AS (SELECT 1 AS n, 'a' AS s UNION ALL SELECT x.n + 1, "
                       "CONCAT(x.s, 'b') FROM c AS x WHERE x.n < 1001) SELECT * FROM c ORDER BY n DESC LIMIT 1")
    assert [c.name for c in result.columns] == ["n", "s"]
    assert result.rows == [(1001, "a" + "b" * 1000)]
    m.execute("SET cte_max_recursion_depth = 10")
    assert error(m, endless).message.startswith("Recursive query aborted after 11 iterations.")
    assert rows(m, "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 11) "
                   "SELECT COUNT(*), MAX(n) FROM c") == [(11, 11)]
    m.execute("CREATE TABLE emp (id INT PRIMARY KEY, boss INT)")
    m.execute("INSERT INTO emp VALUES (1, NULL), (2, 1), (3, 1), (4, 2), (5, 5)")
    tree = ("WITH RECURSIVE sub AS (SELECT id, 0 AS lvl FROM emp WHERE id = {} UNION ALL "
            "SELECT e.id, s.lvl + 1 FROM emp e JOIN sub s ON e.boss = s.id AND e.id <> s.id) "
            "SELECT id, lvl FROM sub ORDER BY id")
    assert rows(m, tree.format(1)) == [(1, 0), (2, 1), (3, 1), (4, 2)]
    cycle = ("WITH RECURSIVE sub AS (SELECT id FROM emp WHERE id = 5 UNION ALL "
             "SELECT e.id FROM emp e JOIN sub s ON e.boss = s.id) SELECT COUNT(*) FROM sub")
    assert error(m, cycle).errno == 3636
    m.execute("CREATE TABLE t (n INT)")
    assert error(m, "INSERT INTO t " + endless).errno == 3636
    assert rows(m, "SELECT COUNT(*) FROM t") == [(0,)]
    m.execute("SET cte_max_recursion_depth = 2000")
    assert rows(m, "SELECT COUNT(*) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
                   "FROM c WHERE n < 1501) SELECT n FROM c) x") == [(1501,)]
    assert error(m, "SELECT COUNT(*) FROM (" + endless + ") x").errno == 3636


def test_a_statement_that_outgrows_its_memory_is_1041(m, monkeypatch):
    from aurora.engine.sql import session as session_module

    monkeypatch.setattr(session_module, "STATEMENT_MEMORY", 64 * 1024 * 1024)
    m.execute("SET cte_max_recursion_depth = 4294967295")
    e = error(m, "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c")
    assert (e.errno, e.sqlstate, e.message) == (
        1041, "HY000", "Out of memory. The statement grew the instance's memory by more than 64 MiB.")
    assert rows(m, "SELECT 1") == [(1,)]


def test_max_execution_time_and_its_hint_stop_a_select_with_3024(m):
    # They were read and shown but bounded nothing.
    c900 = "(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 900) SELECT n FROM c)"
    endless = f"SELECT COUNT(*) FROM {c900} a, {c900} b, {c900} d"  # 729 million rows
    m.execute("SET max_execution_time = 200")
    e = error(m, endless)
    assert (e.errno, e.sqlstate, e.message) == (
        3024, "HY000", "Query execution was interrupted, maximum statement execution time exceeded")
    m.execute("SET cte_max_recursion_depth = 1000000")
    m.execute("CREATE TABLE w (n INT)")  # a write is not bounded by it
    m.execute("INSERT INTO w WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
              "WHERE n < 400000) SELECT n FROM c")
    m.execute("SET max_execution_time = 0")
    hinted = endless.replace("SELECT COUNT", "SELECT /*+ MAX_EXECUTION_TIME(150) */ COUNT", 1)
    assert error(m, hinted).errno == 3024
    # the next statement has no limit again
    assert rows(m, f"SELECT COUNT(*) FROM w, {c900} a WHERE w.n <= 2000") == [(1800000,)]


def test_sql_select_limit_and_sql_safe_updates_apply(m):
    # Both were read and shown but changed nothing; max_join_size (set with them by the mysql
    # client's --safe-updates) was 1193.
    m.execute("SET SQL_SAFE_UPDATES=1, SQL_SELECT_LIMIT=2, MAX_JOIN_SIZE=1000000")
    assert rows(m, "SELECT @@max_join_size") == [(1000000,)]
    m.execute("CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT, KEY (b))")
    m.execute("INSERT INTO t VALUES (1, 1, 1), (2, 2, 2), (3, 3, 3), (4, 4, 4)")
    assert rows(m, "SELECT id FROM t ORDER BY id") == [(1,), (2,)]
    assert rows(m, "SELECT id FROM t ORDER BY id LIMIT 3") == [(1,), (2,), (3,)]  # its own LIMIT
    assert rows(m, "SELECT id FROM t UNION SELECT 9") == [(1,), (2,)]
    assert rows(m, "SELECT COUNT(*) FROM (SELECT id FROM t) x") == [(4,)]  # not in a subquery
    m.execute("CREATE TABLE u (x INT)")
    assert m.execute("INSERT INTO u SELECT id FROM t").affected_rows == 4  # nor an INSERT ... SELECT
    unsafe = "You are using safe update mode and you tried to update a table without a WHERE that uses a KEY column."
    for sql in ("UPDATE t SET a = 5", "UPDATE t SET a = 5 WHERE a = 1", "DELETE FROM t WHERE a = 3",
                "DELETE FROM t", "UPDATE u SET x = 1 WHERE x = 2"):
        e = error(m, sql)
        assert (e.errno, e.sqlstate) == (1175, "HY000") and e.message.startswith(unsafe), sql
    assert m.execute("UPDATE t SET a = 5 WHERE id = 1").affected_rows == 1  # the primary key
    assert m.execute("UPDATE t SET a = 6 WHERE b = 2").affected_rows == 1  # an index's column
    assert m.execute("DELETE FROM t WHERE a = 3 LIMIT 1").affected_rows == 1  # a LIMIT
    m.execute("SET sql_safe_updates = 0, sql_select_limit = DEFAULT")
    assert m.execute("UPDATE t SET a = 0").affected_rows == 3
    assert rows(m, "SELECT COUNT(*) FROM t, t t2") == [(9,)]
    assert len(rows(m, "SELECT * FROM t")) == 3


def test_names_of_a_with_query_a_compound_and_a_parenthesised_query(m):
    # A query after a WITH clause named its columns as PostgreSQL would ('count'), a
    # compound as '?column?', and a parenthesised query at the top was 1235.
    def names(sql):
        return [c.name for c in m.execute(sql).columns]

    assert names("WITH c(n) AS (SELECT 1) SELECT COUNT(*), n + 1, 'x(' FROM c") == ["COUNT(*)", "n + 1", "x("]
    assert names("SELECT 1+1 UNION SELECT 5") == ["1+1"]
    assert names("(SELECT 1+1, 'a' x) UNION (SELECT 5, 'b')") == ["1+1", "x"]
    assert names("WITH c AS (SELECT 1 AS a) SELECT a+1 FROM c UNION SELECT 5") == ["a+1"]
    m.execute("CREATE TABLE t (a INT, b VARCHAR(5))")
    m.execute("INSERT INTO t VALUES (1, 'x'), (2, 'y')")
    # a derived table's unnamed columns: as written, not PostgreSQL's 'count', 'upper'
    assert names("SELECT * FROM (SELECT count(*), upper(b), a*a FROM t GROUP BY b, a) x "
                 "ORDER BY 1") == ["count(*)", "upper(b)", "a*a"]
    assert rows(m, "SELECT x.`max(a)` FROM (SELECT max(a) FROM t) x") == [(2,)]
    assert names("SELECT * FROM t JOIN (SELECT count(*), max(a) m FROM t) y ON y.m = t.a") == [
        "a", "b", "count(*)", "m"]
    assert names("SELECT * FROM (SELECT * FROM (SELECT min(a) FROM t) a) b") == ["min(a)"]
    assert names("SELECT null, true, false, NULL AS x") == ["NULL", "TRUE", "FALSE", "x"]
    assert names("((SELECT 1+1)) UNION SELECT 3") == ["1+1"]
    assert rows(m, "(SELECT 1+1)") == [(2,)]
    assert rows(m, "((SELECT 2 AS x))") == [(2,)]
    assert rows(m, "(SELECT 3 UNION SELECT 1) ORDER BY 1 LIMIT 1") == [(1,)]


def test_read_only_transaction(users):
    m = users
    m.execute("START TRANSACTION READ ONLY")
    assert errno(m, "INSERT INTO users (email) VALUES ('ro@x')") == 1792
    m.execute("COMMIT")


def test_reader_instance_is_read_only(tmp_path):
    writer = FakeInstance(tmp_path)
    w = writer.session()
    w.execute("CREATE DATABASE app")
    w.execute("USE app")
    w.execute("CREATE TABLE t (id INT PRIMARY KEY)")
    w.execute("INSERT INTO t VALUES (1)")
    reader = FakeInstance(tmp_path, read_only=True)
    reader.databases = writer.databases
    r = reader.session("app")
    assert rows(r, "SELECT @@read_only, @@innodb_read_only") == [(1, 1)]
    assert rows(r, "SELECT id FROM t") == [(1,)]
    with pytest.raises(SqlError) as e:
        r.execute("INSERT INTO t VALUES (2)")
    assert (e.value.errno, e.value.sqlstate) == (1290, "HY000")
    assert "--read-only option" in e.value.message
    assert errno(r, "CREATE TABLE x (a INT)") == 1290
    assert errno(r, "DROP DATABASE app") == 1290
    assert rows(r, "DESCRIBE t")[0][:2] == ("id", "int")


# --- SHOW, DESCRIBE, information_schema ---------------------------------------------------


@pytest.fixture
def shop(m):
    m.execute(
        "CREATE TABLE customers (id INT UNSIGNED NOT NULL AUTO_INCREMENT COMMENT 'the key',"
        " email VARCHAR(100) NOT NULL, name VARCHAR(50) DEFAULT NULL,"
        " created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,"
        " PRIMARY KEY (id), UNIQUE KEY uk_email (email), KEY idx_name (name))"
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='people'"
    )
    m.execute(
        "CREATE TABLE orders (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " customer_id INT UNSIGNED NOT NULL, total DECIMAL(10,2) NOT NULL DEFAULT '0.00',"
        " status ENUM('new','paid') NOT NULL DEFAULT 'new',"
        " CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers (id))"
    )
    return m


def test_show_tables_columns_index(shop):
    m = shop
    assert rows(m, "SHOW TABLES") == [("customers",), ("orders",)]
    r = m.execute("SHOW FULL TABLES FROM app LIKE 'cust%'")
    assert [c.name for c in r.columns] == ["Tables_in_app", "Table_type"]
    assert r.rows == [("customers", "BASE TABLE")]
    assert rows(m, "DESCRIBE customers") == [
        ("id", "int unsigned", "NO", "PRI", None, "auto_increment"),
        ("email", "varchar(100)", "NO", "UNI", None, ""),
        ("name", "varchar(50)", "YES", "MUL", None, ""),
        ("created_at", "datetime", "NO", "", "CURRENT_TIMESTAMP", "DEFAULT_GENERATED"),
    ]
    assert rows(m, "DESC orders")[2] == ("total", "decimal(10,2)", "NO", "", "0.00", "")
    full = m.execute("SHOW FULL COLUMNS FROM customers")
    assert full.columns[2].name == "Collation" and full.rows[0][8] == "the key"
    idx = rows(m, "SHOW INDEX FROM customers")
    assert [(r[2], r[1], r[4]) for r in idx] == [
        ("PRIMARY", 0, "id"), ("uk_email", 0, "email"), ("idx_name", 1, "name")]
    assert rows(m, "EXPLAIN customers") == rows(m, "DESCRIBE customers")


def test_show_create_table_parses_with_sqlalchemy(shop):
    from sqlalchemy.dialects.mysql.base import MySQLDialect
    from sqlalchemy.dialects.mysql.reflection import MySQLTableDefinitionParser

    dialect = MySQLDialect()
    parser = MySQLTableDefinitionParser(dialect, dialect.identifier_preparer)
    for table in ("customers", "orders"):
        ((name, text),) = rows(shop, f"SHOW CREATE TABLE {table}")
        assert name == table
        state = parser.parse(text, "utf8mb4")
        assert state.table_name == table
        if table == "customers":
            assert [c["name"] for c in state.columns] == ["id", "email", "name", "created_at"]
            kinds = {k["name"]: k["type"] for k in state.keys}
            assert kinds == {None: "PRIMARY", "uk_email": "UNIQUE", "idx_name": None}
            assert state.table_options["mysql_engine"] == "InnoDB"
            assert state.table_options["mysql_comment"] == "people"
            assert state.columns[0]["autoincrement"] is True
        else:
            (fk,) = state.fk_constraints
            assert (fk["name"], fk["table"], fk["local"], fk["foreign"]) == (
                "fk_customer", ["customers"], ["customer_id"], ["id"])
            assert "enum('new','paid')" in text


def test_information_schema(shop):
    m = shop
    assert rows(m, "SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES"
                " WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME") == [
        ("customers", "BASE TABLE", "InnoDB"), ("orders", "BASE TABLE", "InnoDB")]
    cols = rows(m, "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY, EXTRA"
                " FROM information_schema.columns WHERE table_schema = 'app' AND"
                " table_name = 'customers' ORDER BY ordinal_position")
    assert cols[0] == ("id", "int", "int unsigned", "NO", "PRI", "auto_increment")
    r = m.execute("SELECT table_name, table_rows AS n FROM information_schema.tables LIMIT 1")
    assert [c.name for c in r.columns] == ["TABLE_NAME", "n"]
    assert cols[1][:3] == ("email", "varchar", "varchar(100)")
    assert ("app",) in rows(m, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
    stats = rows(m, "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS"
                 " WHERE TABLE_NAME = 'customers' ORDER BY INDEX_NAME")
    assert stats == [("idx_name", 1, "name"), ("PRIMARY", 0, "id"), ("uk_email", 0, "email")]
    fks = rows(m, "SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME,"
               " REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
               " WHERE TABLE_NAME = 'orders' AND REFERENCED_TABLE_NAME IS NOT NULL")
    assert fks == [("fk_customer", "customer_id", "customers", "id")]
    assert ("fk_customer", "FOREIGN KEY") in rows(
        m, "SELECT CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS"
        " WHERE TABLE_NAME = 'orders'")
    assert rows(m, "SELECT CONSTRAINT_NAME, DELETE_RULE, REFERENCED_TABLE_NAME FROM"
                " information_schema.REFERENTIAL_CONSTRAINTS") == [
        ("fk_customer", "NO ACTION", "customers")]
    m.execute("CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100")
    assert rows(m, "SELECT TABLE_NAME FROM information_schema.VIEWS") == [("big_orders",)]
    assert ("InnoDB", "DEFAULT") in [r[:2] for r in rows(m, "SELECT * FROM information_schema.ENGINES")]
    assert errno(m, "SELECT * FROM information_schema.nosuch") == 1109


def test_replica_host_status(tmp_path):
    inst = FakeInstance(tmp_path)
    status = [("demo-instance-1", "MASTER_SESSION_ID", 100, 100, None, "2026-12-02 10:00:00", "a"),
              ("demo-instance-2", "demo-instance-2-session", 100, 98, 3.5, "2026-12-02 10:00:00", "b")]
    s = inst.session(replica_status=lambda: status)
    got = rows(s, "SELECT SERVER_ID, SESSION_ID, REPLICA_LAG_IN_MILLISECONDS FROM"
               " information_schema.replica_host_status ORDER BY SERVER_ID")
    assert got == [("demo-instance-1", "MASTER_SESSION_ID", None),
                   ("demo-instance-2", "demo-instance-2-session", 3.5)]


def test_other_shows(m):
    assert ("InnoDB", "DEFAULT") in [r[:2] for r in rows(m, "SHOW ENGINES")]
    assert ("utf8mb4_0900_ai_ci", "utf8mb4") in [r[:2] for r in rows(m, "SHOW COLLATION")]
    assert ("utf8mb4",) in [r[:1] for r in rows(m, "SHOW CHARACTER SET")]
    assert rows(m, "SHOW PROCESSLIST")[0][0] == 42
    assert dict(rows(m, "SHOW STATUS LIKE 'Threads_connected'")) == {"Threads_connected": "1"}
    assert rows(m, "SHOW WARNINGS") == []
    assert rows(m, "SHOW CREATE DATABASE app")[0][0] == "app"


def test_field_list_and_prepare(users):
    m = users
    assert [c.name for c in m.field_list("users")] == ["id", "email", "visits"]
    p = m.prepare("SELECT email, visits FROM users WHERE id = ?")
    assert len(p.param_oids) == 1 and [c.name for c in p.columns] == ["email", "visits"]
    assert rows(m, "SELECT email FROM users WHERE id = ?", 2) == [("b@x",)]
    assert m.prepare("INSERT INTO users (email) VALUES (?)").columns is None
    # a prepared text first, then the same statement with a literal: two different plans
    assert rows(m, "SELECT visits FROM users WHERE email = ?", "a@x") == [(1,)]
    assert rows(m, "SELECT visits FROM users WHERE email = 'b@x'") == [(1,)]
    assert rows(m, "SELECT visits FROM users WHERE email = ?", "b@x") == [(1,)]


def test_unexpected_exception_is_1105(m, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("kaput\nsecond line")

    monkeypatch.setattr(m, "_dml", boom)
    with pytest.raises(SqlError) as e:
        m.execute("SELECT 1")
    assert e.value.errno == 1105 and "\n" not in e.value.message


def test_split_and_comments(m):
    assert m.split("SELECT 1; SELECT 'a;b'; -- c\n") == ["SELECT 1", "SELECT 'a;b'"]
    assert m.split("  SELECT 2\n") == ["SELECT 2"] and m.split(" \t") == []
    assert rows(m, "/* hello */ SELECT 1 # trailing") == [(1,)]
    assert rows(m, "SELECT /*!40001 SQL_NO_CACHE */ 2") == [(2,)]


@given(st.text(alphabet="ab eE;\n\t-/*#'\"`\\1", max_size=40))
def test_split_without_a_scan_agrees_with_the_scan(text: str) -> None:
    # a text with no ";" and no comment is one statement, taken without the scan
    assert lexer.split(text) == lexer._split_scanned(text)


# --- sysbench and the translation cache ----------------------------------------------------


def test_sysbench_statements_and_cache(m):
    m.execute(SBTEST)
    m.execute("CREATE INDEX k_1 ON sbtest1(k)")
    m.execute("INSERT INTO sbtest1 (k, c, pad) VALUES " + ", ".join(
        f"({i}, 'c{i:03}', 'p{i}')" for i in range(1, 101)))
    m.stats.update(hits=0, misses=0)
    for i in range(1, 21):
        m.execute("BEGIN")
        assert rows(m, f"SELECT c FROM sbtest1 WHERE id={i}") == [(f"c{i:03}",)]
        assert rows(m, "SELECT c FROM sbtest1 WHERE id=?", i) == [(f"c{i:03}",)]
        assert len(rows(m, f"SELECT c FROM sbtest1 WHERE id BETWEEN {i} AND {i + 9}")) == 10
        assert rows(m, f"SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN {i} AND {i + 1}") == [
            (2 * i + 1,)]
        assert len(rows(m, f"SELECT c FROM sbtest1 WHERE id BETWEEN {i} AND {i + 9} ORDER BY c")) == 10
        assert len(rows(m, f"SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN {i} AND {i + 9}"
                    " ORDER BY c")) == 10
        assert m.execute(f"UPDATE sbtest1 SET k=k+1 WHERE id={i}").affected_rows == 1
        assert m.execute(f"UPDATE sbtest1 SET c='x{i}' WHERE id={i}").affected_rows == 1
        assert m.execute(f"DELETE FROM sbtest1 WHERE id={i}").affected_rows == 1
        assert m.execute(f"INSERT INTO sbtest1 (id, k, c, pad) VALUES ({i}, {i}, 'c{i:03}',"
                         f" 'p{i}')").affected_rows == 1
        m.execute("COMMIT")
    assert m.stats["misses"] <= 10
    assert m.stats["hits"] >= 190


def test_a_query_run_again_goes_straight_to_its_plan_with_mysqls_rules(instance, m):
    """A prepared statement's query run again inside a transaction goes straight to the
    session's cached plan (MySqlSession._query_again), not the whole way through the
    dialect: the same rows and FOUND_ROWS(); an error undoes only that statement and the
    transaction goes on (MySQL's rule); with autocommit off the first query still opens the
    transaction; a query whose values the dialect converts (a TIMESTAMP, shown in the
    session's zone) takes the whole way."""
    m.execute("CREATE TABLE t (id INT PRIMARY KEY, v BIGINT, ts TIMESTAMP)")
    m.execute("INSERT INTO t VALUES (1, 10, '2020-01-02 03:04:05'), (2, 20, NULL), (3, 30, NULL)")
    q, above, scaled, flag = ("SELECT v FROM t WHERE id = ?", "SELECT v FROM t WHERE id > ?",
                              "SELECT v * ? FROM t WHERE id = ?", "SELECT ts FROM t WHERE id = ?")
    m.execute("BEGIN")
    for _ in range(2):  # translated and planned, then found in both caches as this text
        assert rows(m, q, 1) == [(10,)]
        assert rows(m, above, 2) == [(30,)]
        assert rows(m, scaled, 2, 1) == [(20,)]
        assert rows(m, flag, 1) == [(dt.datetime(2020, 1, 2, 3, 4, 5),)]
    whole: list[str] = []
    real = m.pg.execute

    def counting(sql, params=()):
        whole.append(sql)
        return real(sql, params)

    m.pg.execute = counting
    assert rows(m, q, 2) == [(20,)]
    assert rows(m, above, 1) == [(20,), (30,)]
    assert whole == []
    assert rows(m, "SELECT FOUND_ROWS()") == [(2,)]
    whole.clear()
    with pytest.raises(SqlError) as failed:
        m.execute(scaled, (2**62, 1))
    assert failed.value.errno == 1690 and m.transaction_status == "T"  # BIGINT out of range
    assert rows(m, scaled, 3, 3) == [(90,)]
    assert rows(m, flag, 2) == [(None,)] and len(whole) == 1
    m.execute("UPDATE t SET v = 11 WHERE id = 1")
    assert rows(m, q, 1) == [(11,)]
    m.execute("COMMIT")
    m.execute("SET autocommit = 0")
    whole.clear()
    assert rows(m, q, 1) == [(11,)] and m.transaction_status == "T"
    assert whole == ["BEGIN", 'SELECT "v" FROM "t" WHERE "id" = $1']
    assert rows(m, q, 3) == [(30,)] and len(whole) == 2
    m.execute("ROLLBACK")


def test_char_values_lose_their_trailing_spaces_as_in_mysql(m):
    """MySQL pads a CHAR value to its length and strips the padding when it reads it: what
    comes back, what = compares and what LENGTH() and CONCAT() see has no trailing spaces,
    however it was written (VALUES, a parameter, INSERT ... SELECT, ON DUPLICATE KEY UPDATE,
    UPDATE). A VARCHAR keeps them; a value too long is still refused (1406)."""
    m.execute("CREATE TABLE codes (id INT PRIMARY KEY, c CHAR(5), v VARCHAR(5))")
    m.execute("INSERT INTO codes VALUES (1, 'cd   ', 'ef   '), (2, 'ab', 'ab')")
    m.execute("INSERT INTO codes (id, c) SELECT 3, 'x  '")
    m.execute("INSERT INTO codes (id, c) VALUES (?, ?)", (4, "p  "))
    m.execute("INSERT INTO codes (id, c) VALUES (4, 'q') ON DUPLICATE KEY UPDATE c = 'r   '")
    assert m.execute("UPDATE codes SET c = 'ab   ' WHERE id = 2").affected_rows == 0  # the same
    assert m.execute("UPDATE codes SET c = ? WHERE id = 3", ("z   ",)).affected_rows == 1
    m.execute("INSERT INTO codes (id, c) VALUES (5, 5), (6, 'abcde   ')")
    assert rows(m, "SELECT id, c, CONCAT(c, '|'), LENGTH(c), CONCAT(v, '|') FROM codes ORDER BY id") == [
        (1, "cd", "cd|", 2, "ef   |"), (2, "ab", "ab|", 2, "ab|"), (3, "z", "z|", 1, None),
        (4, "r", "r|", 1, None), (5, "5", "5|", 1, None), (6, "abcde", "abcde|", 5, None)]
    assert rows(m, "SELECT id FROM codes WHERE c = 'cd'") == [(1,)]
    assert errno(m, "INSERT INTO codes (id, c) VALUES (9, 'abcdef')") == 1406


def test_char_values_copied_by_a_query_of_unknown_items_lose_their_trailing_spaces(m):
    """INSERT ... SELECT *, a UNION or a parenthesised query: the items are not known when
    the statement is translated, so the values are read by position; a query of the wrong
    width is MySQL's 1136."""
    m.execute("CREATE TABLE src (id INT PRIMARY KEY, c VARCHAR(5), v VARCHAR(5))")
    m.execute("INSERT INTO src VALUES (1, 'ab  ', 'cd  '), (2, 'x', NULL)")
    m.execute("CREATE TABLE dst (id INT PRIMARY KEY, c CHAR(5), v VARCHAR(5))")
    m.execute("INSERT INTO dst SELECT * FROM src")
    m.execute("INSERT INTO dst SELECT id + 10, c, v FROM src UNION ALL SELECT 30, 'u  ', 'w  '")
    m.execute("INSERT INTO dst (id, c, v) (SELECT id + 20, c, v FROM src WHERE id = 1)")
    m.execute("INSERT INTO dst SELECT src.* FROM src WHERE id = 2 ON DUPLICATE KEY UPDATE c = 'q  '")
    assert rows(m, "SELECT id, CONCAT(c, '|'), LENGTH(c), CONCAT(v, '|') FROM dst ORDER BY id") == [
        (1, "ab|", 2, "cd  |"), (2, "q|", 1, None), (11, "ab|", 2, "cd  |"), (12, "x|", 1, None),
        (21, "ab|", 2, "cd  |"), (30, "u|", 1, "w  |")]
    m.execute("CREATE TABLE narrow (id INT PRIMARY KEY, c VARCHAR(5))")
    assert errno(m, "INSERT INTO dst SELECT * FROM narrow") == 1136
    assert errno(m, "INSERT INTO dst SELECT * FROM narrow UNION SELECT * FROM narrow") == 1136
    assert errno(m, "INSERT INTO dst SELECT id, c FROM narrow") == 1136
    assert errno(m, "INSERT INTO narrow VALUES (7)") == 1136  # (PostgreSQL would fill the rest)
    assert errno(m, "INSERT INTO narrow SELECT 7") == 1136
    assert rows(m, "SELECT count(*) FROM narrow") == [(0,)]


def test_sysbench_prepared_mode(m):
    m.execute(SBTEST)
    m.execute("INSERT INTO sbtest1 (k, c, pad) VALUES " + ", ".join(
        f"({i}, 'c{i:03}', 'p')" for i in range(1, 51)))
    stmts = {
        "begin": "BEGIN", "commit": "COMMIT",
        "point": "SELECT c FROM sbtest1 WHERE id=?",
        "range": "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?",
        "sum": "SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?",
        "order": "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
        "distinct": "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
        "index_update": "UPDATE sbtest1 SET k=k+1 WHERE id=?",
        "non_index_update": "UPDATE sbtest1 SET c=? WHERE id=?",
        "delete": "DELETE FROM sbtest1 WHERE id=?",
        "insert": "INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)",
    }
    prepared = {k: m.prepare(v) for k, v in stmts.items()}
    assert len(prepared["insert"].param_oids) == 4
    assert [c.name for c in prepared["point"].columns] == ["c"]
    assert [c.name for c in prepared["sum"].columns] == ["SUM(k)"]
    for i in range(1, 11):
        m.execute(stmts["begin"])
        assert rows(m, stmts["point"], i) == [(f"c{i:03}",)]
        assert len(rows(m, stmts["range"], i, i + 9)) == 10
        assert rows(m, stmts["sum"], i, i)[0][0] >= i
        assert len(rows(m, stmts["order"], i, i + 9)) == 10
        assert len(rows(m, stmts["distinct"], i, i + 9)) == 10
        assert m.execute(stmts["index_update"], [i]).affected_rows == 1
        assert m.execute(stmts["non_index_update"], ["x" * 120, i]).affected_rows == 1
        assert m.execute(stmts["delete"], [i]).affected_rows == 1
        assert m.execute(stmts["insert"], [i, i, "c", "p"]).affected_rows == 1
        with pytest.raises(SqlError) as e:  # an error inside the transaction, which goes on
            m.execute(stmts["insert"], [i, i, "c", "p"])
        assert e.value.errno == 1062
        m.execute(stmts["commit"])
    assert m.transaction_status == "I"


def test_other_databases_and_reset(m, instance):
    m.execute("CREATE TABLE here (id INT PRIMARY KEY)")
    m.execute("CREATE DATABASE other")
    o = instance.session("other")
    o.execute("CREATE TABLE there (id INT PRIMARY KEY, v VARCHAR(3))")
    assert rows(m, "SHOW TABLES FROM other") == [("there",)]
    assert rows(m, "DESCRIBE other.there")[1][:2] == ("v", "varchar(3)")
    assert rows(m, "SHOW COLUMNS FROM there FROM other")[0][0] == "id"
    got = rows(m, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES"
               " ORDER BY TABLE_SCHEMA, TABLE_NAME")
    assert got == [("app", "here"), ("other", "there")]
    assert errno(m, "SELECT * FROM other.there") == 1235
    assert errno(m, "DROP TABLE other.here") == 1235
    m.execute("CREATE TABLE app.qualified (a INT)")
    m.execute("DROP TABLE `app`.`qualified`")
    assert errno(m, "SHOW TABLES FROM nosuch") == 1049
    m.execute("SET @u = 1, SESSION wait_timeout = 5")
    m.execute("BEGIN")
    m.execute("INSERT INTO here VALUES (1)")
    m.reset()
    assert m.transaction_status == "I"
    assert rows(m, "SELECT @u, @@wait_timeout, COUNT(*) FROM here") == [(None, 28800, 0)]
    o.close()


def test_translation_cost(m):
    m.execute(SBTEST)
    m.execute("INSERT INTO sbtest1 (k) VALUES (1)")
    n = 300
    t0 = time.perf_counter()
    for i in range(n):
        m.execute(f"SELECT c FROM sbtest1 WHERE id={i}")
    hit = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for i in range(20):
        m._clear_cache()
        m.execute(f"SELECT c FROM sbtest1 WHERE id={i}")
    miss = (time.perf_counter() - t0) / 20
    print(f"\npoint select: cache hit {hit * 1e6:.0f} us/statement, miss {miss * 1e6:.0f} us")
    assert hit < miss


# --- differential: stock MariaDB ------------------------------------------------------------

DIFF_SETUP = [
    "CREATE TABLE items (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL,"
    " qty INT NOT NULL DEFAULT 0, price DECIMAL(8,2), cat VARCHAR(10), UNIQUE KEY uk_name (name),"
    " KEY idx_cat (cat)) ENGINE=InnoDB",
    "INSERT INTO items (name, qty, price, cat) VALUES ('apple', 5, 1.25, 'fruit'),"
    " ('Banana', 0, 0.50, 'fruit'), ('carrot', 12, 0.99, 'veg'), ('dill', 3, NULL, 'herb'),"
    " ('eggplant', 7, 2.10, 'veg')",
    "INSERT INTO items (name, qty) VALUES ('apple', 1) ON DUPLICATE KEY UPDATE qty = qty + VALUES(qty)",
    "INSERT IGNORE INTO items (id, name, qty) VALUES (3, 'carrot', 100), (6, 'fig', 2)",
    "REPLACE INTO items (id, name, qty, price, cat) VALUES (4, 'dill', 4, 3.00, 'herb')",
    "UPDATE items SET qty = qty - 1 WHERE cat = 'veg'",
    "DELETE FROM items WHERE name = 'nothing'",
    # affected rows are the rows changed, not the rows matched (no CLIENT_FOUND_ROWS)
    "UPDATE items SET cat = 'veg' WHERE qty > 5",
    "UPDATE items SET price = 0.5 WHERE name = 'Banana'",
    "UPDATE items SET name = 'BANANA' WHERE id = 2",
    "UPDATE items SET name = 'Banana', qty = qty WHERE id = 2",
    "INSERT INTO items (name, qty) VALUES ('fig', 2) ON DUPLICATE KEY UPDATE qty = 2",
    "INSERT INTO items (name, qty) VALUES ('fig', 2) ON DUPLICATE KEY UPDATE qty = 3",
    # the rows in that order, each checked against the unique key as it is written
    "UPDATE items SET id = id + 10 WHERE id >= 2 ORDER BY id DESC",
    "UPDATE items SET id = id - 10 WHERE id >= 12 ORDER BY id",
]
DIFF_QUERIES = [
    "SELECT id, name, qty, price, cat FROM items ORDER BY id",
    "SELECT name FROM items WHERE name = 'BANANA'",
    "SELECT name FROM items WHERE name LIKE 'c%' OR name LIKE 'E%' ORDER BY name",
    "SELECT cat, COUNT(*), SUM(qty), MIN(price), MAX(price) FROM items GROUP BY cat ORDER BY cat",
    "SELECT cat, SUM(qty) AS total FROM items GROUP BY cat HAVING SUM(qty) > 5 ORDER BY total DESC",
    "SELECT DISTINCT cat FROM items ORDER BY cat",
    "SELECT id, name FROM items ORDER BY id LIMIT 2, 2",
    "SELECT id FROM items WHERE id BETWEEN 2 AND 4 ORDER BY id DESC",
    "SELECT id, IFNULL(price, 0), IF(qty > 4, 'many', 'few') FROM items ORDER BY id",
    "SELECT CONCAT(name, ':', qty), CONCAT_WS('/', cat, name) FROM items ORDER BY id",
    "SELECT UPPER(name), LENGTH(name), SUBSTRING(name, 2, 3) FROM items ORDER BY id",
    "SELECT 7 DIV 2, 7 MOD 3, 10 - 3 * 2, ABS(-4), ROUND(2.345, 2), 1 = 1, 2 < 1",
    "SELECT COUNT(*) FROM items WHERE price IS NULL",
    "SELECT name FROM items WHERE cat IN ('veg', 'herb') ORDER BY name",
    "SELECT i.name, j.name FROM items i JOIN items j ON i.cat = j.cat AND i.id < j.id"
    " ORDER BY i.id, j.id",
    "SELECT name FROM items WHERE qty = (SELECT MAX(qty) FROM items)",
    "SELECT cat, GROUP_CONCAT(name ORDER BY name SEPARATOR ',') FROM items GROUP BY cat"
    " ORDER BY cat",
    "SELECT CASE WHEN qty = 0 THEN 'none' WHEN qty < 5 THEN 'low' ELSE 'ok' END FROM items"
    " ORDER BY id",
    "SELECT COALESCE(cat, 'none'), NULLIF(qty, 0) FROM items ORDER BY id",
    "SELECT name FROM items ORDER BY qty DESC, name LIMIT 3",
    "SELECT 7/2, 1/3, qty/2 FROM items ORDER BY id",
    "SELECT price * qty, price + 1 FROM items ORDER BY id",
    "SELECT CAST(price AS CHAR), CAST(qty AS DECIMAL(5,1)) FROM items ORDER BY id",
    "SELECT TRUE, FALSE, NULL IS NULL, 3 BETWEEN 1 AND 5",
    "SELECT LEFT(name, 2), RIGHT(name, 2), REPEAT('ab', 2), REVERSE(name), LOCATE('a', name),"
    " INSTR(name, 'n') FROM items ORDER BY id",
    "SELECT CONCAT(name, '') AS x FROM items ORDER BY x",
    "SELECT MIN(CONCAT(name, '')), MAX(TRIM(name)), COUNT(DISTINCT IF(id % 2 = 0, UPPER(cat), cat))"
    " FROM items",
    "SELECT COUNT(*) FROM (SELECT IF(id % 2 = 0, UPPER(cat), cat) AS c FROM items GROUP BY c) q",
    "SELECT id FROM items WHERE COALESCE(cat, '') = 'VEG' ORDER BY id",
    "SELECT LOCATE('A', name), INSTR(name, 'PP'), POSITION('E' IN name), LOCATE('a', name, 3),"
    " LOCATE('', name), LOCATE('', name, 2) FROM items ORDER BY id",
    "SELECT DATE_FORMAT('2024-03-05 10:11:12', '%Y-%m-%d %H:%i'), DATE('2024-03-05 10:11:12'),"
    " YEAR('2024-03-05'), MONTH('2024-03-05'), DAY('2024-03-05')",
    "SELECT DATEDIFF('2024-03-01', '2024-02-01'), LAST_DAY('2024-02-10')",
    "SELECT 5 % 3, -7 DIV 2, POWER(2, 3), SQRT(16), GREATEST(1, 2), FLOOR(-1.5), CEILING(1.2)",
    "SELECT COUNT(DISTINCT cat), COUNT(cat) FROM items",
    "SELECT id FROM items WHERE name REGEXP '^[a-c]' ORDER BY id",
    "SELECT HEX(255), LOWER('ABC'), LPAD('7', 3, '0'), TRIM(' x '), REPLACE('abc', 'b', 'z')",
    "SELECT name FROM items WHERE cat = 'VEG' ORDER BY id",
    "SELECT cat, MAX(name) FROM items GROUP BY cat ORDER BY cat",
    "SELECT name FROM items WHERE name > 'b' ORDER BY name",
    "SELECT id FROM items WHERE price = '0.5'",
    "SELECT STR_TO_DATE('05/03/2024', '%d/%m/%Y'), FROM_UNIXTIME(86400)",
    # a DATE / DATETIME / TIME made in the statement is a number in arithmetic, as a column
    "SELECT CAST('2024-02-03' AS DATE) + 0, DATE('2024-02-03 10:20:30') + 1, LAST_DAY('2024-02-03')"
    " + 0, TIMESTAMP('2024-01-01 01:02:03') + 0, CAST('12:30:00' AS TIME) + 0",
    "SELECT DATE('2024-02-03 10:00') - INTERVAL 1 DAY, DATE_SUB(DATE('2024-02-03'), INTERVAL 1 DAY),"
    " LAST_DAY('2024-02-03') + INTERVAL 1 DAY, DATE('2024-02-03') + INTERVAL 1 HOUR",
    "SELECT ASCII('é'), ASCII('a'), ASCII(''), ASCII(NULL), ASCII(5)",
    "SELECT LPAD('a', -1, 'x'), RPAD('a', -1, 'x'), LPAD('abc', 5, ''), RPAD('ab', 4, ''),"
    " LPAD('abcdef', 3, ''), LPAD('日本', 3, '語'), RPAD('abc', 6, 'xy'), LPAD(1.5, 5, '*')",
    "SELECT id, qty IS TRUE, qty IS FALSE, qty IS NOT TRUE, price IS NOT FALSE, (qty > 3) IS FALSE"
    " FROM items ORDER BY id",
    # CONCAT of a predicate, an arithmetic term, a truth value
    "SELECT CONCAT('a', NULL IS NULL), CONCAT('x', 1 = 1, 2 + 3, -4, NOT 0, 1 IN (1, 2), 2 > 3,"
    " 'abc' LIKE 'A%', 1 AND 0)",
    # AVG as a window function keeps MySQL's scale (it was 1235)
    "SELECT id, AVG(qty) OVER (PARTITION BY cat), AVG(price) OVER (ORDER BY id ROWS BETWEEN 1"
    " PRECEDING AND CURRENT ROW) FROM items ORDER BY id",
    # a string column compared with numbers compares numbers
    "SELECT id FROM items WHERE cat = 0 OR name > 1 ORDER BY id",
    "SELECT 'abc' = 0, '1abc' = 1, ' 3' = 3",
    # GREATEST / LEAST of strings compare without case, as the collation does
    "SELECT GREATEST('a', 'B'), LEAST('a', 'B'), LEAST(CONCAT('b', ''), 'A')",
    "SELECT id, GREATEST(name, cat), LEAST(name, 'C'), GREATEST('m', cat) FROM items ORDER BY id",
    # a number cast to a date is its digits; a value that is no date is NULL in a query
    "SELECT CAST(20240105 AS DATE), CAST(20240105101112 AS DATETIME), CAST('2024/01/05' AS DATE),"
    " CAST('2024-02-30' AS DATE), CAST('abc' AS DATE), CAST('24-01-05 10:11' AS DATETIME)",
]
# compared digit for digit: the scale of a decimal result shows
DIFF_SCALE_QUERIES = [
    "SELECT AVG(qty), AVG(price), SUM(price) FROM items",
    "SELECT price / 3, qty / 7, SUM(price) / COUNT(*), 1.5 / 3, 10 / 4 FROM items GROUP BY id,"
    " price, qty ORDER BY id",
    "SELECT i.price / 2, AVG(qty * price) FROM items i GROUP BY i.id, i.price ORDER BY i.id",
    "SELECT cat, AVG(qty) FROM items GROUP BY cat ORDER BY cat",
    # a quotient keeps 9 digits inside arithmetic, rounded where it leaves it
    "SELECT 1/3 + 1/3 + 1/3, 2/3*3, (1/3)*1000000, 100/7*7, SUM(1/3), AVG(1/3), ROUND(1/3, 6),"
    " CAST(1/3 AS DECIMAL(20,10)), (1/3)/(1/3), 1/3 = 0.3333, CONCAT(1/3, '') FROM items WHERE id = 1",
    "SELECT price / qty * qty, (price / qty) * qty * 2, price / 3 * 3, SUM(price / qty) FROM items"
    " WHERE qty > 0"
    " GROUP BY id, price, qty ORDER BY id",
]


@contextlib.contextmanager
def stock_mariadb() -> Iterator[str]:
    """Stock MariaDB on a temporary datadir and a free port; yields its socket path. The
    server is killed at the end, also when the test fails."""
    work = tempfile.mkdtemp(prefix="aurora-stock-mariadb-")
    data = os.path.join(work, "data")
    sock = os.path.join(work, "mysqld.sock")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = None
    try:
        subprocess.run(
            ["mariadb-install-db", "--auth-root-authentication-method=normal",
             f"--datadir={data}", "--user=root", "--skip-test-db"],
            check=True, capture_output=True, timeout=120,
        )
        proc = subprocess.Popen(
            ["/usr/sbin/mariadbd", "--no-defaults", "--user=root", f"--datadir={data}",
             f"--socket={sock}", f"--port={port}", "--bind-address=127.0.0.1",
             f"--pid-file={work}/mariadb.pid", "--skip-log-bin",
             "--innodb-flush-log-at-trx-commit=0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not os.path.exists(sock):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mariadbd did not start")
            time.sleep(0.1)
        yield sock
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def _plain(v: object) -> object:
    if isinstance(v, float):
        return round(v, 6)
    return v


DUMP_SOURCE = [
    "CREATE TABLE parent (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, "
    "UNIQUE KEY uk (name)) DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE child (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, pid INT, amount DECIMAL(10,2),"
    " d DATE, ts TIMESTAMP NULL DEFAULT NULL, dt DATETIME(3), t TIME, blobby BLOB, txt TEXT,"
    " e ENUM('a','b') NOT NULL, s SET('x','y'), j JSON, f FLOAT, y YEAR, bits BIT(8), KEY k_pid (pid),"
    " CONSTRAINT fk FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE) DEFAULT CHARSET=utf8mb4",
    "INSERT INTO parent (name) VALUES ('alpha'), ('beta'), ('it''s'), ('back\\\\slash')",
    "INSERT INTO child (pid, amount, d, ts, dt, t, blobby, txt, e, s, j, f, y, bits) VALUES"
    " (1, 12.50, '2024-01-02', '2024-01-02 03:04:05', '2024-01-02 03:04:05.123', '12:34:56', X'00FF10',"
    " 'line1\\nline2\\ttab', 'b', 'x,y', '{\"k\": [1, 2]}', 1.5, 2024, b'10100101'),"
    " (2, -3.25, NULL, NULL, NULL, NULL, NULL, NULL, 'a', '', NULL, NULL, NULL, NULL),"
    " (3, 0, '1999-12-31', '2038-01-01 00:00:00', '2000-01-01 00:00:00.001', '00:00:00', X'',"
    " '\u00fcn\u00efc\u00f6d\u00e9 \U0001f600', 'a', 'y', '\"str\"', -0.25, 1999, b'1')",
    "CREATE VIEW v AS SELECT p.name, COUNT(c.id) AS n FROM parent p LEFT JOIN child c ON c.pid = p.id"
    " GROUP BY p.id, p.name",
]
DUMP_CHECKS = [
    "SELECT id, pid, amount, d, ts, dt, TIME_FORMAT(t, '%H:%i:%s'), HEX(blobby), txt, e, s, j, f, y,"
    " bits + 0 FROM child ORDER BY id",
    "SELECT * FROM parent ORDER BY id",
    "SELECT * FROM v ORDER BY name",
]


@pytest.mark.integration
def test_a_mysqldump_of_stock_mariadb_loads(m):
    """mysqldump's own output (``--hex-blob``, as MariaDB's client writes it: executable
    comments, a child table before its parent under foreign_key_checks = 0, LOCK TABLES,
    DISABLE KEYS, a view's temporary table then the view) loads, and the data reads back as
    MariaDB holds it; the foreign key is there afterwards."""
    if not (os.path.exists("/usr/sbin/mariadbd") and shutil.which("mariadb-install-db")
            and shutil.which("mysqldump")):
        pytest.skip("mariadb-server or mysqldump is not installed")
    pymysql = pytest.importorskip("pymysql")

    with stock_mariadb() as sock:
        conn = pymysql.connect(unix_socket=sock, user="root", password="", autocommit=True,
                               charset="utf8mb4")
        try:
            cur = conn.cursor()
            cur.execute("CREATE DATABASE dumpsrc CHARACTER SET utf8mb4")
            cur.execute("USE dumpsrc")
            for sql in DUMP_SOURCE:
                cur.execute(sql)
            theirs = {}
            for sql in DUMP_CHECKS:
                cur.execute(sql)
                theirs[sql] = [tuple(_plain(v) for v in r) for r in cur.fetchall()]
        finally:
            conn.close()
        dumps = [subprocess.run(
            ["mysqldump", f"--socket={sock}", "-uroot", *hex_blob, "--default-character-set=utf8mb4",
             "dumpsrc"], check=True, capture_output=True, timeout=60).stdout
            for hex_blob in (["--hex-blob"], [])]
    assert b"0x00FF10" in dumps[0] and b"'\\0\xff\x10'" in dumps[1]  # the BLOB: hex, raw bytes
    for n, dump in enumerate(dumps):
        text = dump.decode("utf-8", "surrogateescape")  # as the server reads a statement
        assert "FOREIGN_KEY_CHECKS=0" in text and text.index("`child`") < text.index("`parent`")
        m.execute(f"CREATE DATABASE load{n}")
        m.execute(f"USE load{n}")
        for statement in lexer.split(text):
            m.execute(statement)
        for sql in DUMP_CHECKS:
            ours = [tuple(_plain(v) for v in r) for r in rows(m, sql)]
            assert [tuple(map(str, r)) for r in ours] == [tuple(map(str, r)) for r in theirs[sql]], sql
        assert "CONSTRAINT `fk` FOREIGN KEY" in rows(m, "SHOW CREATE TABLE child")[0][1]
        assert errno(m, "INSERT INTO child (pid, e) VALUES (99, 'a')") == 1452


@pytest.mark.integration
def test_differential_against_mariadb(m):
    if not (os.path.exists("/usr/sbin/mariadbd") and shutil.which("mariadb-install-db")):
        pytest.skip("mariadb-server is not installed")
    pymysql = pytest.importorskip("pymysql")
    with stock_mariadb() as sock:
        conn = pymysql.connect(unix_socket=sock, user="root", password="", autocommit=True)
        try:
            cur = conn.cursor()
            cur.execute("CREATE DATABASE diff")
            cur.execute("USE diff")
            cur.execute("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'")
            for sql in DIFF_SETUP:
                cur.execute(sql)
                ours = m.execute(sql)
                assert ours.affected_rows == cur.rowcount, sql
            for sql in DIFF_QUERIES + DIFF_SCALE_QUERIES:
                cur.execute(sql)
                theirs = [tuple(_plain(v) for v in r) for r in cur.fetchall()]
                ours = [tuple(_plain(v) for v in r) for r in rows(m, sql)]
                assert ours == theirs, sql
                if sql in DIFF_SCALE_QUERIES:
                    assert [tuple(map(str, r)) for r in ours] == [
                        tuple(map(str, r)) for r in theirs], sql
            for sql in ["INSERT INTO items (name) VALUES ('apple')",
                        "INSERT INTO items (name, qty) VALUES (NULL, 1)",
                        "SELECT nosuch FROM items", "SELECT * FROM missing",
                        "INSERT INTO items (name) VALUES ('" + "x" * 41 + "')"]:
                with pytest.raises(pymysql.MySQLError) as theirs:
                    cur.execute(sql)
                assert errno(m, sql) == theirs.value.args[0], sql
        finally:
            conn.close()


# --- SQLAlchemy's MySQL dialect over a PEP 249 shim (the wire server is not needed) --------


class _ShimCursor:
    def __init__(self, conn: _ShimConnection) -> None:
        self.connection = conn
        self.description = None
        self.rowcount = -1
        self.lastrowid = None
        self.arraysize = 1
        self._rows: list[tuple] = []

    def execute(self, sql: str, args=None):
        import pymysql

        if args is not None:
            from pymysql.converters import escape_item

            if isinstance(args, dict):
                sql = sql % {k: escape_item(v, "utf8mb4") for k, v in args.items()}
            else:
                sql = sql % tuple(escape_item(v, "utf8mb4") for v in args)
        try:
            r = self.connection.session.execute(sql)
        except SqlError as e:
            cls = pymysql.err.error_map.get(e.errno, pymysql.err.OperationalError)
            raise cls(e.errno, e.message) from None
        if r.columns is not None:
            self.description = [(c.name, c.type_oid, None, None, None, None, True)
                                for c in r.columns]
            self._rows = list(r.rows)
            self.rowcount = len(r.rows)
        else:
            self.description = None
            self._rows = []
            self.rowcount = r.affected_rows
            self.lastrowid = r.insert_id
        return self.rowcount

    def executemany(self, sql, seq):
        for args in seq:
            self.execute(sql, args)

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size=None):
        n = size or self.arraysize
        out, self._rows = self._rows[:n], self._rows[n:]
        return out

    def fetchall(self):
        out, self._rows = self._rows, []
        return out

    def close(self):
        pass


class _ShimConnection:
    def __init__(self, session: MySqlSession) -> None:
        self.session = session

    def cursor(self, *a, **k):
        return _ShimCursor(self)

    def commit(self):
        self.session.execute("COMMIT")

    def rollback(self):
        self.session.execute("ROLLBACK")

    def close(self):
        pass

    def autocommit(self, on: bool):
        self.session.execute(f"SET autocommit = {int(on)}")

    def get_autocommit(self):
        return self.session.autocommit

    def get_server_info(self):
        return "8.0.32"

    def character_set_name(self):
        return "utf8mb4"

    def ping(self, reconnect=False):
        return True


def test_sqlalchemy_core_and_reflection(m):
    sa = pytest.importorskip("sqlalchemy")
    engine = sa.create_engine("mysql+pymysql://", creator=lambda: _ShimConnection(m),
                              poolclass=sa.pool.StaticPool)
    meta = sa.MetaData()
    author = sa.Table("author", meta, sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("name", sa.String(50), nullable=False, unique=True))
    book = sa.Table(
        "book", meta, sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("author_id", sa.ForeignKey("author.id", ondelete="CASCADE"), index=True),
        sa.Column("title", sa.String(100)), sa.Column("price", sa.Numeric(8, 2)),
        sa.Column("published", sa.DateTime, server_default=sa.func.now()),
        mysql_engine="InnoDB", mysql_charset="utf8mb4",
    )
    meta.create_all(engine)
    with engine.begin() as c:
        r = c.execute(author.insert().values(name="Ann"))
        assert r.inserted_primary_key == (1,)
        c.execute(book.insert(), [{"author_id": 1, "title": "A", "price": 9.5},
                                  {"author_id": 1, "title": "B", "price": 12}])
        got = c.execute(sa.select(book.c.title, book.c.price).order_by(book.c.id)).all()
        assert [tuple(g) for g in got] == [("A", Decimal("9.50")), ("B", Decimal("12.00"))]
        assert c.execute(book.update().where(book.c.title == "A").values(price=1)).rowcount == 1
    insp = sa.inspect(engine)
    assert sorted(insp.get_table_names()) == ["author", "book"]
    assert insp.has_table("book") and not insp.has_table("nosuch")
    cols = {c["name"]: c for c in insp.get_columns("book")}
    assert str(cols["price"]["type"]) == "DECIMAL(8, 2)"
    assert cols["id"]["autoincrement"] is True
    (fk,) = insp.get_foreign_keys("book")
    assert (fk["referred_table"], fk["constrained_columns"]) == ("author", ["author_id"])
    assert insp.get_pk_constraint("author")["constrained_columns"] == ["id"]
    assert {i["name"] for i in insp.get_indexes("book")} >= {"ix_book_author_id"}
    meta2 = sa.MetaData()
    reflected = sa.Table("book", meta2, autoload_with=engine)
    assert [c.name for c in reflected.columns] == ["id", "author_id", "title", "price",
                                                   "published"]
    meta.drop_all(engine)
    assert insp.get_table_names() == [] or sa.inspect(engine).get_table_names() == []


# --- real clients over the MySQL wire server ---------------------------------------------


@pytest.fixture
def wire(instance):
    from aurora.engine.mywire import MyAuthenticator, MyServer, ServerThread

    instance.databases.add("app")

    def factory(user, database, *, connection_id, found_rows=False):
        return MySqlSession(
            instance.open_session, user=user, database=database or None,
            connection_id=connection_id, instance_id="demo-instance-1", read_only=False,
            list_databases=lambda: sorted(instance.databases), found_rows=found_rows,
        )

    auth = MyAuthenticator({"admin": "pw"}, plugins={"admin": "mysql_native_password"})
    thread = ServerThread(MyServer(factory, auth))
    port = thread.start()
    yield port
    thread.stop()


@pytest.mark.timeout(120)
def test_pymysql_and_mysql_connector_end_to_end(wire):
    import mysql.connector
    import pymysql

    conn = pymysql.connect(host="127.0.0.1", port=wire, user="admin", password="pw",
                           database="app", autocommit=False)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE acct (id INT AUTO_INCREMENT PRIMARY KEY, owner VARCHAR(20)"
                    " NOT NULL, balance DECIMAL(10,2) NOT NULL DEFAULT 0, opened DATETIME,"
                    " UNIQUE KEY uk_owner (owner))")
        cur.execute("INSERT INTO acct (owner, balance, opened) VALUES (%s, %s, %s)",
                    ("ann", Decimal("10.50"), dt.datetime(2024, 1, 2, 3, 4, 5)))
        assert cur.lastrowid == 1
        cur.executemany("INSERT INTO acct (owner, balance) VALUES (%s, %s)",
                        [("bob", 5), ("it's", 1)])
        conn.commit()
        cur.execute("SELECT id, owner, balance, opened FROM acct ORDER BY id")
        assert cur.fetchall() == ((1, "ann", Decimal("10.50"), dt.datetime(2024, 1, 2, 3, 4, 5)),
                                  (2, "bob", Decimal("5.00"), None), (3, "it's", Decimal("1.00"), None))
        with pytest.raises(pymysql.err.IntegrityError) as e:
            cur.execute("INSERT INTO acct (owner) VALUES ('ann')")
        assert e.value.args[0] == 1062
        cur.execute("UPDATE acct SET balance = balance - 1 WHERE owner = %s", ("ann",))
        conn.commit()
        cur.execute("SELECT @@version, DATABASE(), @@autocommit")
        assert cur.fetchone() == ("8.0.32", "app", 0)
        with pytest.raises(pymysql.err.ProgrammingError) as e:
            cur.execute("SELECT * FROM nosuch")
        assert e.value.args[0] == 1146
    conn.close()

    cnx = mysql.connector.connect(host="127.0.0.1", port=wire, user="admin", password="pw",
                                  database="app", auth_plugin="mysql_native_password")
    cur = cnx.cursor(prepared=True)
    cur.execute("SELECT owner, balance FROM acct WHERE id = %s", (1,))
    assert cur.fetchall() == [("ann", Decimal("9.50"))]
    cur.execute("INSERT INTO acct (owner, balance) VALUES (%s, %s)", ("cy", Decimal("2.25")))
    assert cur.lastrowid == 4
    cnx.commit()
    plain = cnx.cursor()
    plain.execute("SHOW TABLES")
    assert plain.fetchall() == [("acct",)]
    plain.execute("DESCRIBE acct")
    assert [r[0] for r in plain.fetchall()] == ["id", "owner", "balance", "opened"]
    cnx.close()


@pytest.mark.timeout(60)
def test_mysql_command_line_client(wire):
    mysql_cli = shutil.which("mysql") or shutil.which("mariadb")
    if mysql_cli is None:
        pytest.skip("no mysql client")
    out = subprocess.run(
        [mysql_cli, "-h", "127.0.0.1", "-P", str(wire), "-u", "admin", "-ppw", "--batch",
         "--skip-ssl", "app", "-e",
         "CREATE TABLE cli (id INT PRIMARY KEY, v VARCHAR(5)); INSERT INTO cli VALUES (1, 'x');"
         " SELECT id, v FROM cli; SHOW TABLES"],
        capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:4] == ["id\tv", "1\tx", "Tables_in_app", "cli"]


def test_modify_widens_an_enum_and_timestamp_keeps_its_range(m) -> None:
    m.execute("CREATE TABLE e (id int PRIMARY KEY, c enum('a','b'), ts timestamp NULL)")
    assert errno(m, "INSERT INTO e VALUES (1, 'c', NULL)") == 1265
    # The old value list went with MODIFY (it stayed, refusing the new value).
    m.execute("ALTER TABLE e MODIFY c enum('a','b','c')")
    m.execute("INSERT INTO e VALUES (1, 'c', NULL)")
    assert errno(m, "INSERT INTO e VALUES (2, 'd', NULL)") == 1265
    # TIMESTAMP holds 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC; strict mode says 1292.
    assert errno(m, "INSERT INTO e VALUES (2, 'a', '1960-01-01 00:00:00')") == 1292
    assert errno(m, "INSERT INTO e VALUES (2, 'a', '2038-01-19 03:14:08')") == 1292
    m.execute("INSERT INTO e VALUES (2, 'a', '2038-01-19 03:14:07')")
    m.execute("SET time_zone = '+05:00'")
    assert errno(m, "INSERT INTO e VALUES (3, 'a', '1970-01-01 05:00:00')") == 1292
    m.execute("INSERT INTO e VALUES (3, 'a', '1970-01-01 05:00:01')")
    # DATETIME has no such range; an ALTER to TIMESTAMP over a row outside it fails whole.
    m.execute("ALTER TABLE e MODIFY ts datetime")
    m.execute("INSERT INTO e VALUES (4, 'a', '1960-01-01 00:00:00')")
    assert errno(m, "ALTER TABLE e CHANGE ts ts2 timestamp(3) NULL") == 1292
    assert rows(m, "SELECT ts FROM e WHERE id = 4")[0][0].year == 1960
    assert "`ts` datetime" in rows(m, "SHOW CREATE TABLE e")[0][1]


def test_length_xor_and_date_arithmetic_on_strings(m):
    """LENGTH counts bytes, ``^`` is XOR, and a date string plus an interval is a DATE (a
    DATETIME with a unit under a day or a time in the string), not a timestamp with a zone."""
    assert m.execute("SELECT LENGTH('héllo'), CHAR_LENGTH('héllo'), LENGTH(123), 2 ^ 3, 12 ^ 10").rows == [
        (6, 5, 3, 1, 6)]
    assert m.execute("SELECT DATE_ADD('2024-01-31', INTERVAL 1 MONTH), DATE_SUB('2024-03-31', INTERVAL 1 MONTH), "
                     "'2024-01-31' + INTERVAL 1 DAY").rows == [
        (dt.date(2024, 2, 29), dt.date(2024, 2, 29), dt.date(2024, 2, 1))]
    assert m.execute("SELECT DATE_ADD('2024-01-31 10:00:00', INTERVAL 1 HOUR), "
                     "DATE_ADD('2024-01-31', INTERVAL 90 MINUTE)").rows == [
        (dt.datetime(2024, 1, 31, 11, 0), dt.datetime(2024, 1, 31, 1, 30))]


def test_a_date_plus_days_stays_a_date(m):
    m.execute("CREATE TABLE ev (d DATE, t DATETIME)")
    m.execute("INSERT INTO ev VALUES ('2024-01-31', '2024-01-31 10:00:00')")
    assert m.execute("SELECT DATE_ADD(d, INTERVAL 1 MONTH), d + INTERVAL 1 DAY, d - INTERVAL 1 WEEK, "
                     "d + INTERVAL 1 HOUR, t + INTERVAL 1 DAY FROM ev").rows == [
        (dt.date(2024, 2, 29), dt.date(2024, 2, 1), dt.date(2024, 1, 24), dt.datetime(2024, 1, 31, 1, 0),
         dt.datetime(2024, 2, 1, 10, 0))]


def test_functional_key_parts_index_the_expression(m):
    """A key part in parentheses is an expression (MySQL 8's functional index), not a column
    named '(': a unique one refuses a second row with the same value of the expression only."""
    m.execute("CREATE TABLE u (id INT PRIMARY KEY, name VARCHAR(20), n INT, "
              "UNIQUE KEY k ((LOWER(name))), KEY ((n + 1)))")
    m.execute("CREATE INDEX by_name ON u ((UPPER(name)), n DESC)")
    m.execute("ALTER TABLE u ADD INDEX ((n * 2))")
    m.execute("INSERT INTO u VALUES (1, 'École', 1), (2, 'xyz', 1)")
    assert errno(m, "INSERT INTO u VALUES (3, 'ÉCOLE', 1)") == 1062
    assert rows(m, "SELECT id FROM u WHERE LOWER(name) = 'école'") == [(1,)]
    create = rows(m, "SHOW CREATE TABLE u")[0][1]
    assert "UNIQUE KEY `k` ((lower(`name`)))" in create
    assert "KEY `functional_index` ((`n` + 1))" in create
    assert "KEY `functional_index_2` ((`n` * 2))" in create
    assert "KEY `by_name` ((upper(`name`)),`n`)" in create
    index = [(r[2], r[3], r[4], r[14]) for r in rows(m, "SHOW INDEX FROM u")]
    assert ("k", 1, None, "lower(`name`)") in index
    assert ("by_name", 2, "n", None) in index
    assert rows(m, "SELECT column_name, expression FROM information_schema.statistics "
                   "WHERE table_name = 'u' AND index_name = 'k'") == [(None, "lower(`name`)")]
    assert [r[0] for r in rows(m, "DESCRIBE u")] == ["id", "name", "n"]
    assert errno(m, "CREATE TABLE p (id INT, PRIMARY KEY ((id + 1)))") == 3756


def test_check_constraints_with_two_character_operators(m):
    """``<>``, ``>=``, ``<=>``, ``!=`` and ``||`` in a CHECK reach it whole (they came back as
    ``< >``, a syntax error); unnamed checks are numbered t_chk_1, t_chk_2 as MySQL does."""
    m.execute("CREATE TABLE w (id INT PRIMARY KEY, name VARCHAR(20), n INT, CHECK (name <> 'x'), "
              "CHECK (n >= 0 AND n <=> n), CONSTRAINT c3 CHECK (n != 5 || n < -1))")
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO w VALUES (1, 'x', 1)")
    assert (e.value.errno, "w_chk_1" in e.value.message) == (3819, True)
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO w VALUES (2, 'y', -1)")
    assert (e.value.errno, "w_chk_2" in e.value.message) == (3819, True)
    assert errno(m, "INSERT INTO w VALUES (3, 'y', 5)") == 3819
    m.execute("INSERT INTO w VALUES (4, 'y', 3)")
    assert rows(m, "SELECT id FROM w") == [(4,)]


def test_upper_and_lower_beyond_ascii(m):
    assert rows(m, "SELECT UPPER('é'), LOWER('ÉCOLE'), UCASE('straße'), LCASE('Ä')") == [
        ("É", "école", "STRAßE", "ä")]
    m.execute("CREATE TABLE p (name VARCHAR(20))")
    m.execute("INSERT INTO p VALUES ('École'), ('zcole')")
    assert rows(m, "SELECT name FROM p WHERE name LIKE 'éc%'") == [("École",)]


def test_column_checks_are_enforced_and_shown(m):
    """A CHECK written on a column is enforced, as since MySQL 8.0.16 (it was parsed and
    dropped: the row went in); NOT ENFORCED ones are not; SHOW CREATE TABLE and
    information_schema show the table's checks, and the DDL it shows makes the same table."""
    m.execute("CREATE TABLE w (id INT PRIMARY KEY, name VARCHAR(20), n INT CHECK (n > 0), "
              "m INT CONSTRAINT m_pos CHECK (m >= 0), x INT CHECK (x > 0) NOT ENFORCED, "
              "CHECK (name LIKE 'a%'))")
    assert errno(m, "INSERT INTO w VALUES (1, 'a', 0, 1, 1)") == 3819
    assert errno(m, "INSERT INTO w VALUES (2, 'a', 1, -1, 1)") == 3819
    assert errno(m, "INSERT INTO w VALUES (3, 'b', 1, 1, 1)") == 3819
    m.execute("INSERT INTO w VALUES (4, 'ABC', 1, 1, -5)")  # LIKE as MySQL's: any case
    m.execute("ALTER TABLE w ADD COLUMN z INT CHECK (z < 10)")
    assert errno(m, "INSERT INTO w VALUES (5, 'a', 1, 1, 1, 11)") == 3819
    m.execute("ALTER TABLE w MODIFY x INT CHECK (x <> 3)")
    assert errno(m, "INSERT INTO w VALUES (6, 'a', 1, 1, 3, 1)") == 3819
    create = rows(m, "SHOW CREATE TABLE w")[0][1]
    assert "  CONSTRAINT `w_chk_1` CHECK ((`n` > 0)),\n" in create
    assert "  CONSTRAINT `m_pos` CHECK ((`m` >= 0)),\n" in create
    assert "CONSTRAINT `w_chk_3` CHECK ((`name` LIKE 'a%'))" in create
    assert "CHECK ((`z` < 10))" in create and "CHECK ((`x` <> 3))" in create
    assert "`x` > 0" not in create
    assert ("w_chk_1", "(`n` > 0)") in rows(
        m, "SELECT constraint_name, check_clause FROM information_schema.check_constraints")
    assert ("m_pos", "CHECK") in rows(
        m, "SELECT constraint_name, constraint_type FROM information_schema.table_constraints "
           "WHERE table_name = 'w'")
    from sqlalchemy.dialects.mysql.base import MySQLDialect
    from sqlalchemy.dialects.mysql.reflection import MySQLTableDefinitionParser

    dialect = MySQLDialect()  # SQLAlchemy's reflection reads the checks from it
    state = MySQLTableDefinitionParser(dialect, dialect.identifier_preparer).parse(create, "utf8mb4")
    assert {"name": "m_pos", "sqltext": "(`m` >= 0)"} in state.ck_constraints
    m.execute("DROP TABLE w")
    m.execute(create)
    assert rows(m, "SHOW CREATE TABLE w")[0][1] == create
    assert errno(m, "INSERT INTO w VALUES (1, 'a', 0, 1, 1, 1)") == 3819
    m.execute("INSERT INTO w VALUES (1, 'Ab', 1, 1, 1, 1)")


def test_numbers_written_to_integer_columns_are_rounded(m):
    """MySQL rounds a fraction written to an integer column, also a number in a string
    ('3.7' is 4); a string that is no number is 1366 (it was 1292 or 1264)."""
    m.execute("CREATE TABLE n (id INT PRIMARY KEY, i INT, ti TINYINT UNSIGNED, b BIGINT)")
    m.execute("INSERT INTO n VALUES (1, 3.7, 2.5, -2.5), (2, '3.7', '2.5', ' 7 ')")
    m.execute("INSERT INTO n VALUES (?, ?, ?, ?)", (3, 7.5, "1e2", 0.4))
    m.execute("UPDATE n SET i = ? WHERE id = ?", ("9.5", 1))
    assert errno(m, "INSERT INTO n VALUES (4, 'abc', 1, 1)") == 1366
    assert errno(m, "INSERT INTO n VALUES (4, ?, 1, 1)", "") == 1366
    assert errno(m, "INSERT INTO n VALUES (4, 1, 255.5, 1)") == 1264
    assert rows(m, "SELECT * FROM n ORDER BY id") == [(1, 10, 3, -3), (2, 4, 3, 7), (3, 8, 100, 0)]


def test_json_columns_refuse_text_that_is_not_json_and_json_object_builds_one(m):
    """'{bad' in a JSON column is 3140 (it was stored as the JSON string "{bad"), from a
    literal or a parameter; JSON_OBJECT gave NULL and JSON_ARRAY a compact text that
    JSON_OBJECT then quoted as a string."""
    m.execute("CREATE TABLE tj (id INT PRIMARY KEY, j JSON)")
    assert errno(m, "INSERT INTO tj VALUES (1, '{bad')") == 3140
    assert errno(m, "INSERT INTO tj VALUES (?, ?)", 1, "not json") == 3140
    m.execute("INSERT INTO tj VALUES (?, ?)", (2, '{"b": 1, "a": [1, 2]}'))
    m.execute("INSERT INTO tj VALUES (3, JSON_OBJECT('x', 1, 'yy', 'z', 'a', NULL)), (4, '\"s\"'), (5, 5)")
    m.execute("UPDATE tj SET j = JSON_SET(j, '$.c', 3) WHERE id = 2")
    assert rows(m, "SELECT id, j FROM tj ORDER BY id") == [
        (2, '{"a": [1, 2], "b": 1, "c": 3}'), (3, '{"a": null, "x": 1, "yy": "z"}'), (4, '"s"'), (5, "5")]
    assert rows(m, "SELECT JSON_ARRAY(1, 'a', NULL), JSON_OBJECT('n', JSON_ARRAY(1, 2)), JSON_OBJECT()") == [
        ('[1, "a", null]', '{"n": [1, 2]}', "{}")]


def test_a_number_written_to_a_date_column_reads_as_yyyymmdd(m):
    """MySQL reads 20240301 as 2024-03-01 (it was taken as seconds since 1970:
    1970-01-03 for 240301), 20240301101112 as a date and time, YYMMDD with 70-99 as 19YY;
    a number that is no date is 1292."""
    m.execute("CREATE TABLE td (id INT PRIMARY KEY, d DATE, ts DATETIME, t2 TIMESTAMP)")
    m.execute("INSERT INTO td VALUES (1, 20240301, 20240301101112, 20240301101112)")
    m.execute("INSERT INTO td VALUES (2, 240301, 240301101112.5, 700101000001)")
    m.execute("INSERT INTO td VALUES (?, ?, ?, NULL)", (3, 991231, 20240301))
    assert errno(m, "INSERT INTO td VALUES (4, 20240230, NULL, NULL)") == 1292
    assert errno(m, "INSERT INTO td VALUES (4, 2024.5, NULL, NULL)") == 1292
    m.execute("UPDATE td SET d = 10101 WHERE id = 1")
    assert rows(m, "SELECT id, d, ts, t2 FROM td ORDER BY id") == [
        (1, dt.date(2001, 1, 1), dt.datetime(2024, 3, 1, 10, 11, 12), dt.datetime(2024, 3, 1, 10, 11, 12)),
        (2, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 10, 11, 13), dt.datetime(1970, 1, 1, 0, 0, 1)),
        (3, dt.date(1999, 12, 31), dt.datetime(2024, 3, 1, 0, 0), None)]


def test_zero_for_an_auto_increment_key_takes_the_next_id(m):
    """As NULL does (MySQL without NO_AUTO_VALUE_ON_ZERO); it was stored as id 0."""
    m.execute("CREATE TABLE ta (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
    assert m.execute("INSERT INTO ta VALUES (0, 1)").insert_id == 1
    assert m.execute("INSERT INTO ta VALUES (?, ?)", (0, 2)).insert_id == 2
    m.execute("INSERT INTO ta VALUES (10, 3), (0, 4)")
    m.execute("INSERT INTO ta (id, v) SELECT 0, 5")
    m.execute("UPDATE ta SET id = 0 WHERE v = 5")  # an UPDATE stores what it is given
    assert rows(m, "SELECT id, v FROM ta ORDER BY v") == [(1, 1), (2, 2), (10, 3), (11, 4), (0, 5)]


def test_date_format_dayname_and_compound_extract(m):
    """DATE_FORMAT's names were padded to nine characters ('Tuesday  ', PostgreSQL's to_char)
    and %D, %U, %r, %p... came out as written; DAYNAME was 1305; EXTRACT(YEAR_MONTH ...) 1105."""
    assert rows(m, "SELECT DATE_FORMAT('2024-03-05 14:07:09', '%Y/%m/%d %H:%i:%s %W %M %j'), "
                   "DATE_FORMAT('2024-01-01 00:00:00.123', '%a %b %D %e %c %k %l %p %r %T %U %u %V %X %v %x "
                   "%f %h %w %y %% %q'), DAYNAME('2024-03-05'), MONTHNAME('2024-03-05')") == [
        ("2024/03/05 14:07:09 Tuesday March 065",
         "Mon Jan 1st 1 1 0 12 AM 12:00:00 AM 00:00:00 00 01 53 2023 01 2024 123000 12 1 24 % q",
         "Tuesday", "March")]
    m.execute("CREATE TABLE ev (id INT PRIMARY KEY, at DATETIME, fmt VARCHAR(20))")
    m.execute("INSERT INTO ev VALUES (1, '2024-01-31 10:05:07', '%d.%m.%Y')")
    assert rows(m, "SELECT DATE_FORMAT(at, fmt), EXTRACT(YEAR_MONTH FROM at), "
                   "EXTRACT(DAY_MINUTE FROM at), EXTRACT(HOUR_SECOND FROM at) FROM ev") == [
        ("31.01.2024", 202401, 311005, 100507)]


def test_a_select_divided_by_zero_is_null(m):
    """MySQL's SELECT gives NULL for / , DIV, % and MOD by zero (it was 1365)."""
    assert rows(m, "SELECT 5 DIV 0, 5 % 0, 5 / 0, MOD(5, 0), 7 DIV 2, 10 / 4") == [
        (None, None, None, None, 3, Decimal("2.5000"))]
    m.execute("CREATE TABLE dz (id INT PRIMARY KEY, v INT)")
    m.execute("INSERT INTO dz VALUES (1, 0), (2, 4)")
    assert rows(m, "SELECT id, 8 / v FROM dz ORDER BY id") == [(1, None), (2, Decimal("2.0000"))]
    assert errno(m, "UPDATE dz SET v = 1 DIV v") == 1365  # a write's is an error
    assert errno(m, "INSERT INTO dz VALUES (3, 5 / 0)") == 1365  # (it stored NULL)
    assert errno(m, "UPDATE dz SET v = 4 / v") == 1365
    assert errno(m, "INSERT INTO dz VALUES (9223372036854775808, 1)") == 1264


def test_functions_answer_as_mysql_does_where_postgresql_differs(m):
    """Each of these answered otherwise, checked against a MySQL-family server side by side:
    GREATEST / LEAST are NULL with a NULL argument, LEFT / RIGHT of a negative length are '',
    SIGN is an integer, QUOTE escapes with backslashes, STR_TO_DATE reads %e / %c / %l
    without leading zeros, FROM_UNIXTIME takes a format."""
    assert rows(m, "SELECT GREATEST(1, NULL), LEAST(NULL, 'a'), GREATEST(2, 3), LEAST('b', 'a')") == [
        (None, None, 3, "a")]
    assert rows(m, "SELECT LEFT('abc', -1), RIGHT('abc', -1), LEFT('abc', NULL), LEFT('abc', 2), RIGHT('abc', 2)") == [
        ("", "", None, "ab", "bc")]
    m.execute("CREATE TABLE sv (id INT PRIMARY KEY, g VARCHAR(5), v INT)")
    m.execute("INSERT INTO sv VALUES (1, 'a', 10), (2, 'a', NULL), (3, 'B', 30), (4, 'b', 40)")
    # COUNT(DISTINCT a, b): combinations without NULL, compared as the collation does (1235 before)
    assert rows(m, "SELECT COUNT(DISTINCT v, g), COUNT(DISTINCT g), COUNT(DISTINCT id, v),"
                   " COUNT(DISTINCT UPPER(g), g) FROM sv") == [(3, 2, 3, 2)]
    # SUM of a condition counts the rows where it holds (it gave 1, the conditions' OR)
    assert rows(m, "SELECT SUM(v > 15), SUM(g = 'a'), SUM(v IN (10, 30)), SUM(v > 5 AND g = 'a'),"
                   " SUM(v IS NULL), SUM(v) FROM sv") == [(2, 2, 2, 1, 1, 80)]
    assert rows(m, "SELECT HEX(-1), HEX(3.5), HEX('abc'), CHAR(0x41, 0x42), CHAR(256), CHAR(72, 105 USING utf8mb4),"
                   " UNHEX('414'), UNHEX('zz'), ROUND(ATAN(1, 1), 6), CHAR_LENGTH(123), LENGTH(NOW())") == [
        ("FFFFFFFFFFFFFFFF", "4", "616263", b"AB", b"\x01\x00", "Hi", b"\x04\x14", None, 0.785398, 3, 19)]
    # outside a math function's domain: NULL (an internal error, 1105, before); POW out of range: 1690
    assert rows(m, "SELECT SQRT(-1), LN(0), LOG(-1), LOG(2, 8), LOG10(-5), LOG2(0), SQRT(16), POW(2, 10)") == [
        (None, None, None, 3.0, None, None, 4.0, 1024.0)]
    assert errno(m, "SELECT POW(-8, 0.5)") == 1690
    assert errno(m, "SELECT EXP(1000)") == 1690
    # CAST AS SIGNED / UNSIGNED of a string: its leading integer with a 1292 warning (1292 error before)
    r = m.execute("SELECT CAST('12abc' AS SIGNED), CAST('3.7' AS UNSIGNED), CAST(' 42 ' AS SIGNED),"
                  " CAST(-2.5 AS SIGNED), CAST('x' AS SIGNED)")
    assert r.rows == [(12, 3, 42, -3, 0)] and r.warnings == 3
    assert [w[1] for w in rows(m, "SHOW WARNINGS")] == [1292, 1292, 1292]
    m.execute("CREATE TABLE fi (id INT PRIMARY KEY, v VARCHAR(10), KEY k ((CAST(v AS UNSIGNED))))")
    m.execute("INSERT INTO fi VALUES (1, '5'), (2, '10')")
    assert rows(m, "SELECT id FROM fi ORDER BY CAST(v AS UNSIGNED) DESC") == [(2,), (1,)]
    entry, lits, _raw = m._translation("SELECT id FROM fi WHERE CAST(v AS UNSIGNED) = 5")
    assert "mysql_cast_int" not in entry.text(lits).lower()  # a condition's cast: the index's
    assert rows(m, "SELECT id FROM fi WHERE CAST(v AS UNSIGNED) = 5") == [(1,)]
    # CURTIME() as a string is the time of day (it was the whole timestamp's stored text)
    got = rows(m, "SELECT CONCAT(CURTIME(), ''), LENGTH(CURTIME())")[0]
    assert len(got[0]) == 8 and got[0][2] == ":" and got[1] == 8
    got = rows(m, "SELECT SIGN(-2), SIGN(0.5), SIGN(0)")
    assert got == [(-1, 1, 0)] and all(type(v) is int for v in got[0])
    assert rows(m, "SELECT QUOTE('it''s a \\\\ b'), QUOTE(NULL)") == [("'it\\'s a \\\\ b'", "NULL")]
    assert rows(m, "SELECT STR_TO_DATE('5/3/2024', '%c/%e/%Y'), STR_TO_DATE('Jan 2 2024', '%b %e %Y'),"
                   " STR_TO_DATE('2024-01-02 1:05:07 PM', '%Y-%m-%d %l:%i:%s %p')") == [
        (dt.date(2024, 5, 3), dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 13, 5, 7))]
    m.execute("SET time_zone = '+00:00'")
    assert rows(m, "SELECT FROM_UNIXTIME(1704067200, '%Y-%m-%d %H:%i'), FROM_UNIXTIME(NULL, '%Y')") == [
        ("2024-01-01 00:00", None)]
    assert rows(m, "SELECT IS_IPV4('1.2.3.4'), IS_IPV4('256.1.1.1'), IS_IPV6('::1'), HEX(INET6_ATON('::1')),"
                   " INET6_NTOA(INET6_ATON('10.0.0.1')), INET6_ATON('junk')") == [
        (1, 0, 1, "00000000000000000000000000000001", "10.0.0.1", None)]


def test_string_expressions_compare_case_insensitively_as_mysqls_collation_does(m):
    """A comparison of string expressions (no column as an operand, which brings its own
    collation) was bytewise: TRIM(name) = 'ALICE' found nothing. A number against a string
    still compares as numbers. A ``?`` in a statement run as text is a syntax error (it was
    an internal error naming a bind message)."""
    m.execute("CREATE TABLE u (id INT PRIMARY KEY, name VARCHAR(20))")
    m.execute("INSERT INTO u VALUES (1, 'Alice'), (2, 'bob'), (3, 'alice ')")
    assert rows(m, "SELECT id FROM u WHERE TRIM(name) = 'ALICE' ORDER BY id") == [(1,), (3,)]
    assert rows(m, "SELECT id FROM u WHERE CONCAT(name, '!') = 'BOB!'") == [(2,)]
    assert rows(m, "SELECT id FROM u WHERE TRIM(name) IN ('alice', 'x') ORDER BY id") == [(1,), (3,)]
    # LOWER(x) = ... keeps its own collation: an index of LOWER(x) serves it (NOCASE would scan)
    m.execute("CREATE TABLE ue (id INT PRIMARY KEY, email VARCHAR(50), UNIQUE KEY k ((LOWER(email))))")
    entry, lits, _raw = m._translation("SELECT id FROM ue WHERE LOWER(email) = 'a@x'")
    assert "nocase" not in entry.text(lits).lower()
    assert rows(m, "SELECT id FROM u WHERE TRIM(name) BETWEEN 'A' AND 'B' ORDER BY id") == [(1,), (3,)]
    assert rows(m, "SELECT id FROM u WHERE CONCAT(name, '') = ? ORDER BY id", "BOB") == [(2,)]
    assert rows(m, "SELECT id FROM u WHERE name = 'ALICE'") == [(1,)]  # (NO PAD: 'alice ' differs)
    assert rows(m, "SELECT '1' = 1, '10' > 9, TRIM(' x ') = 'X'") == [(1, 1, 1)]
    assert errno(m, "SELECT 1 + ?") == 1064


def test_a_bin_collation_compares_and_keys_bytes_and_an_added_column_ignores_case(m):
    """A column declared COLLATE utf8mb4_bin (or BINARY, or in a table whose default is
    utf8mb4_bin) compares, sorts and keys by bytes: 'Ab' and 'ab' are two keys. It compared
    case-insensitively (its UNIQUE refused 'ab' after 'Ab'). A string column added by ALTER
    TABLE ignores case like the table's others (it compared bytes)."""
    m.execute("CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(10) COLLATE utf8mb4_bin UNIQUE,"
              " name VARCHAR(10), b2 VARCHAR(5) BINARY)")
    m.execute("INSERT INTO p VALUES (1, 'Ab', 'Ab', 'x'), (2, 'ab', 'ab', 'X')")
    assert errno(m, "INSERT INTO p VALUES (3, 'ab', 'q', 'q')") == 1062
    assert rows(m, "SELECT id FROM p WHERE code = 'ab'") == [(2,)]
    assert rows(m, "SELECT id FROM p WHERE b2 = 'x'") == [(1,)]
    assert rows(m, "SELECT id FROM p WHERE name = 'ab' ORDER BY id") == [(1,), (2,)]
    assert rows(m, "SELECT code FROM p ORDER BY code") == [("Ab",), ("ab",)]
    shown = rows(m, "SHOW CREATE TABLE p")[0][1]
    assert "`code` varchar(10) COLLATE utf8mb4_bin DEFAULT NULL" in shown
    assert "`name` varchar(10) DEFAULT NULL" in shown
    assert rows(m, "SELECT COLUMN_NAME, COLLATION_NAME FROM information_schema.COLUMNS"
                   " WHERE TABLE_NAME = 'p' ORDER BY ORDINAL_POSITION") == [
        ("id", None), ("code", "utf8mb4_bin"), ("name", "utf8mb4_0900_ai_ci"), ("b2", "utf8mb4_bin")]
    m.execute("CREATE TABLE bt (id INT PRIMARY KEY, s VARCHAR(5)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
    m.execute("ALTER TABLE bt ADD COLUMN u VARCHAR(5), ADD COLUMN v VARCHAR(5) COLLATE utf8mb4_0900_ai_ci")
    m.execute("ALTER TABLE p ADD COLUMN added VARCHAR(5)")
    m.execute("INSERT INTO bt VALUES (1, 'A', 'A', 'A')")
    m.execute("UPDATE p SET added = 'Q' WHERE id = 1")
    assert rows(m, "SELECT COUNT(*) FROM bt WHERE s = 'a' OR u = 'a'") == [(0,)]
    assert rows(m, "SELECT COUNT(*) FROM bt WHERE v = 'a'") == [(1,)]
    assert rows(m, "SELECT id FROM p WHERE added = 'q'") == [(1,)]


def test_a_foreign_key_gets_an_index_when_none_leads_with_its_columns(m):
    """InnoDB's rule: a foreign key's columns are indexed (named after the constraint, or
    its first column) unless an index already leads with them; SHOW CREATE TABLE and
    information_schema show it, and a parent's DELETE finds the children by it."""
    m.execute("CREATE TABLE pa (id INT PRIMARY KEY)")
    m.execute("CREATE TABLE ch (id INT PRIMARY KEY, pa_id INT, FOREIGN KEY (pa_id) REFERENCES pa (id)"
              " ON DELETE CASCADE)")
    m.execute("CREATE TABLE ch2 (id INT PRIMARY KEY, pa_id INT, KEY k (pa_id, id),"
              " CONSTRAINT f2 FOREIGN KEY (pa_id) REFERENCES pa (id))")
    m.execute("CREATE TABLE ch3 (id INT PRIMARY KEY, pa_id INT)")
    m.execute("ALTER TABLE ch3 ADD CONSTRAINT f3 FOREIGN KEY (pa_id) REFERENCES pa (id)")
    assert "  KEY `pa_id` (`pa_id`),\n  CONSTRAINT `ch_ibfk_1`" in rows(m, "SHOW CREATE TABLE ch")[0][1]
    assert "KEY `pa_id`" not in rows(m, "SHOW CREATE TABLE ch2")[0][1]
    assert "  KEY `f3` (`pa_id`)," in rows(m, "SHOW CREATE TABLE ch3")[0][1]
    assert rows(m, "SELECT TABLE_NAME, INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA ="
                   " DATABASE() AND INDEX_NAME <> 'PRIMARY' ORDER BY TABLE_NAME, INDEX_NAME") == [
        ("ch", "pa_id"), ("ch2", "k"), ("ch2", "k"), ("ch3", "f3")]
    m.execute("INSERT INTO pa VALUES (1), (2)")
    m.execute("INSERT INTO ch VALUES (10, 1), (11, 2)")
    m.execute("DELETE FROM pa WHERE id = 1")
    assert rows(m, "SELECT id FROM ch") == [(11,)]
    plan = m.pg.conn.execute("EXPLAIN QUERY PLAN SELECT id FROM ch WHERE pa_id = 2").fetchall()
    assert any("INDEX" in str(r[-1]).upper() for r in plan), plan


def test_group_concat_distinct_ordered_by_another_expression(m):
    """GROUP_CONCAT(DISTINCT x ORDER BY y) was 1105 (PostgreSQL's rule that a DISTINCT
    aggregate orders by its argument); MySQL takes it. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE gd (id INT PRIMARY KEY, x VARCHAR(5), y INT, k INT)")
    m.execute("INSERT INTO gd VALUES (1, 'b', 2, 1), (2, 'c', 1, 1), (3, 'B', 0, 1), (4, 'a', 5, 2),"
              " (5, 'd', 3, 1)")
    assert rows(m, "SELECT k, GROUP_CONCAT(DISTINCT x ORDER BY y), GROUP_CONCAT(DISTINCT x ORDER BY y DESC"
                   " SEPARATOR '-') FROM gd GROUP BY k ORDER BY k") == [(1, "c,b,d", "d-b-c"), (2, "a", "a")]
    assert rows(m, "SELECT GROUP_CONCAT(DISTINCT x ORDER BY id) FROM gd") == [("b,c,a,d",)]


def test_literals_compare_without_case_distinct_group_concat_and_enums_against_numbers(m):
    """Two string literals compared bytewise ('a' = 'A' was 0: the lexer takes literals out
    of the text, and a taken-out literal could have been a number); GROUP_CONCAT(DISTINCT)
    kept 'a' and 'A' apart, though the column compares them equal; an ENUM compared with a
    number compared its text (c = 2 found nothing, c > 1 every row). A number against a
    string still compares as numbers."""
    assert rows(m, "SELECT 'a' = 'A', 'abc' < 'ABD', 'a' IN ('A', 'b'), 'b' BETWEEN 'A' AND 'C',"
                   " STRCMP('a', 'A'), '10' = 10, 'x' = 'y'") == [(1, 1, 1, 1, 0, 1, 0)]
    m.execute("CREATE TABLE g (k INT, t VARCHAR(9), b VARCHAR(9) COLLATE utf8mb4_bin)")
    m.execute("INSERT INTO g VALUES (1, 'a', 'a'), (1, 'A', 'A'), (1, 'b', NULL), (2, NULL, 'b')")
    # (which of 'a' and 'A' stands for both is not said, in MySQL either)
    assert rows(m, "SELECT k, LOWER(GROUP_CONCAT(DISTINCT t ORDER BY t)), LOWER(GROUP_CONCAT(DISTINCT t"
                   " SEPARATOR ';')), GROUP_CONCAT(DISTINCT b ORDER BY b), GROUP_CONCAT(DISTINCT k)"
                   " FROM g GROUP BY k ORDER BY k") == [(1, "a,b", "a;b", "A,a", "1"), (2, None, None, "b", "2")]
    m.execute("CREATE TABLE e (id INT PRIMARY KEY, c ENUM('b', 'a'))")
    m.execute("INSERT INTO e VALUES (1, 'a'), (2, 'b'), (3, 2), (4, NULL)")
    assert rows(m, "SELECT id FROM e WHERE c = 2 ORDER BY id") == [(1,), (3,)]
    assert rows(m, "SELECT id FROM e WHERE 1 = c") == [(2,)]
    assert rows(m, "SELECT id FROM e WHERE c > 1 ORDER BY id") == [(1,), (3,)]
    assert rows(m, "SELECT id FROM e WHERE c IN (1, 5)") == [(2,)]
    assert rows(m, "SELECT id FROM e WHERE c BETWEEN 2 AND 3 ORDER BY id") == [(1,), (3,)]
    assert rows(m, "SELECT id FROM e WHERE c = 'A' ORDER BY id") == [(1,), (3,)]
    m.execute("UPDATE e SET id = id + 10 WHERE c = 1")
    assert m.execute("DELETE FROM e WHERE c = 2").affected_rows == 2
    assert rows(m, "SELECT id, c FROM e ORDER BY id") == [(4, None), (12, "b")]


def test_a_set_column_stores_its_members_once_in_declared_order_and_is_their_bits_as_a_number(m):
    """A SET column kept what was written ('b,a' stayed 'b,a', 'd' of SET('a','b','c') went
    in) and was 0 as a number: MySQL stores each named member once, in declared order and
    spelling, refuses a name that is no member (1265), and reads a number as members' bits."""
    m.execute("CREATE TABLE st (id INT PRIMARY KEY, tags SET('a', 'b', 'c'))")
    m.execute("INSERT INTO st VALUES (1, 'a,b'), (2, 'c'), (3, ''), (4, 'A'), (5, 'b,a,b '), (6, NULL), (7, 5)")
    assert rows(m, "SELECT id, tags, tags + 0 FROM st ORDER BY id") == [
        (1, "a,b", 3), (2, "c", 4), (3, "", 0), (4, "a", 1), (5, "a,b", 3), (6, None, None), (7, "a,c", 5)]
    assert rows(m, "SELECT id FROM st WHERE tags = 'a,b' ORDER BY id") == [(1,), (5,)]
    assert rows(m, "SELECT id FROM st WHERE tags = 3 ORDER BY id") == [(1,), (5,)]
    assert rows(m, "SELECT id FROM st ORDER BY tags, id") == [(6,), (3,), (4,), (1,), (5,), (2,), (7,)]
    assert errno(m, "INSERT INTO st VALUES (8, 'd')") == 1265
    assert errno(m, "INSERT INTO st VALUES (8, 'b,,a')") == 1265
    assert errno(m, "INSERT INTO st VALUES (8, 8)") == 1265
    m.execute("UPDATE st SET tags = 'c,A' WHERE id = 3")
    m.execute("INSERT INTO st VALUES (2, 'b') ON DUPLICATE KEY UPDATE tags = 'c,b'")
    assert rows(m, "SELECT id, tags FROM st WHERE id IN (2, 3) ORDER BY id") == [(2, "b,c"), (3, "a,c")]


def test_a_time_column_refuses_what_it_cannot_hold_and_reads_a_number_as_hhmmss(m):
    """A TIME column stored any text ('12:61:00', '-01:30:00', the number 123456 as
    '123456') and the row could no longer be read (1292 on every SELECT of it)."""
    m.execute("CREATE TABLE tt (id INT PRIMARY KEY, t TIME)")
    for bad in ("'12:61:00'", "'-01:30:00'", "'junk'", "126000"):
        assert errno(m, f"INSERT INTO tt VALUES (1, {bad})") == 1292, bad
    m.execute("INSERT INTO tt VALUES (1, '10:00'), (2, 123456), (3, 930.25)")
    assert rows(m, "SELECT id, t FROM tt ORDER BY id") == [
        (1, dt.time(10)), (2, dt.time(12, 34, 56)), (3, dt.time(0, 9, 30))]  # (TIME: no fraction)
    assert rows(m, "SELECT id FROM tt WHERE t = '12:34:56' OR t = '10:00'") == [(1,), (2,)]


def test_update_assignments_run_left_to_right_and_default_is_the_keyword(m):
    """``SET a = a + 1, b = a`` set b to the old a (SQLite reads the old row in every
    assignment); MySQL runs a single-table UPDATE's assignments, and ON DUPLICATE KEY
    UPDATE's, from left to right. ``SET c = DEFAULT`` was 1054 "Unknown column 'DEFAULT'"."""
    m.execute("CREATE TABLE lr (id INT PRIMARY KEY, a INT, b INT, c VARCHAR(5) DEFAULT 'd')")
    m.execute("INSERT INTO lr VALUES (1, 1, 0, 'x'), (2, 5, 0, 'y')")
    m.execute("UPDATE lr SET a = a + 1, b = a * 10 WHERE id = 1")
    m.execute("UPDATE lr SET b = a, a = a + 10, c = DEFAULT WHERE id = 2")
    assert rows(m, "SELECT id, a, b, c FROM lr ORDER BY id") == [(1, 2, 20, "x"), (2, 15, 5, "d")]
    m.execute("UPDATE lr SET a = 7, b = (SELECT MAX(a) FROM (SELECT a FROM lr) t) WHERE id = 1")
    assert rows(m, "SELECT a, b FROM lr WHERE id = 1") == [(7, 15)]  # a subquery reads the table
    m.execute("INSERT INTO lr (id, a) VALUES (1, 100) ON DUPLICATE KEY UPDATE a = a + VALUES(a), b = a,"
              " c = DEFAULT")
    assert rows(m, "SELECT a, b, c FROM lr WHERE id = 1") == [(107, 107, "d")]


def test_not_like_keeps_its_not(m):
    """``name NOT LIKE '%e%'`` ran as ``name LIKE '%e%'``: the rows it should have left out,
    and none of those it should have found (the translation to a case-insensitive LIKE
    dropped the NOT, which the parser keeps on the LIKE itself)."""
    m.execute("CREATE TABLE nl (id INT PRIMARY KEY, name VARCHAR(10))")
    m.execute("INSERT INTO nl VALUES (1, 'apple'), (2, 'Apple'), (3, 'kiwi'), (4, 'a%b')")
    assert rows(m, "SELECT id FROM nl WHERE name NOT LIKE '%E%' ORDER BY id") == [(3,), (4,)]
    assert rows(m, "SELECT id FROM nl WHERE id > 1 AND name NOT LIKE 'a!%%' ESCAPE '!' ORDER BY id") == [(2,), (3,)]
    assert rows(m, "SELECT id FROM nl WHERE NOT name NOT LIKE '%e%' ORDER BY id") == [(1,), (2,)]
    assert rows(m, "SELECT name NOT LIKE 'k%' FROM nl ORDER BY id") == [(1,), (1,), (0,), (1,)]
    assert m.execute("DELETE FROM nl WHERE name NOT LIKE '%p%'").affected_rows == 2
    m.execute("CREATE VIEW nv AS SELECT id FROM nl WHERE name NOT LIKE 'A%'")
    assert rows(m, "SELECT * FROM nv") == []


def test_binary_comparisons_and_likes_compare_bytes(m):
    """``BINARY name = 'apple'`` found nothing (bytes never equal a text in SQLite) and
    ``name LIKE BINARY 'a%'`` or ``name COLLATE utf8mb4_bin LIKE 'A%'`` ignored case: MySQL
    compares the strings' bytes."""
    m.execute("CREATE TABLE bc (id INT PRIMARY KEY, name VARCHAR(10))")
    m.execute("INSERT INTO bc VALUES (1, 'apple'), (2, 'Apple'), (3, 'APPLE')")
    assert rows(m, "SELECT id FROM bc WHERE BINARY name = 'apple'") == [(1,)]
    assert rows(m, "SELECT id FROM bc WHERE name = BINARY 'Apple'") == [(2,)]
    assert rows(m, "SELECT id FROM bc WHERE BINARY name IN ('APPLE', 'x')") == [(3,)]
    assert rows(m, "SELECT id FROM bc WHERE name LIKE BINARY 'a%'") == [(1,)]
    assert rows(m, "SELECT id FROM bc WHERE BINARY name NOT LIKE 'a%' ORDER BY id") == [(2,), (3,)]
    assert rows(m, "SELECT id FROM bc WHERE name COLLATE utf8mb4_bin LIKE 'A%' ORDER BY id") == [(2,), (3,)]
    assert rows(m, "SELECT id FROM bc WHERE name LIKE 'A%' ORDER BY id") == [(1,), (2,), (3,)]
    assert rows(m, "SELECT HEX(BINARY name) FROM bc WHERE id = 1") == [("6170706C65",)]


def test_dates_and_times_in_arithmetic_are_the_numbers_their_digits_spell(m):
    """d + 0 of a DATE was the date itself, a DATETIME + 0 a timestamp in 1970 and d + 1 the
    next day: MySQL reads a temporal value in arithmetic as a number (20240229, and
    20240230 for d + 1); + INTERVAL is still date arithmetic."""
    m.execute("CREATE TABLE tn (id INT PRIMARY KEY, d DATE, at DATETIME, t TIME, ts TIMESTAMP, f DATETIME(2))")
    m.execute("INSERT INTO tn VALUES (1, '2024-02-29', '2024-01-02 03:04:05', '13:14:15', '2024-02-29 13:14:15',"
              " '2024-01-02 03:04:05.25')")
    assert rows(m, "SELECT d + 0, d + 1, at + 0, t + 0, ts * 1, f + 0 FROM tn") == [
        (20240229, 20240230, 20240102030405, 131415, 20240229131415, 20240102030405.25)]
    assert rows(m, "SELECT SUM(d) FROM tn") == [(20240229,)]
    assert rows(m, "SELECT id FROM tn WHERE d + 0 = 20240229") == [(1,)]
    assert rows(m, "SELECT d + INTERVAL 1 DAY, at - INTERVAL 5 SECOND FROM tn") == [
        (dt.date(2024, 3, 1), dt.datetime(2024, 1, 2, 3, 4))]
    m.execute("SET time_zone = '+02:00'")
    assert rows(m, "SELECT ts + 0 FROM tn") == [(20240229151415,)]


def test_a_binary_column_against_a_string_compares_bytes(m):
    """VARBINARY / BLOB against a string literal never matched (SQLite's bytes never equal a
    text): MySQL compares the string's bytes, case and all."""
    m.execute("CREATE TABLE bn (id INT PRIMARY KEY, vb VARBINARY(8), bl BLOB, KEY k (vb))")
    m.execute("INSERT INTO bn VALUES (1, 'AB', 'x'), (2, x'6162', 'Y'), (3, 'é', NULL)")
    assert rows(m, "SELECT id FROM bn WHERE vb = 'AB'") == [(1,)]
    assert rows(m, "SELECT id FROM bn WHERE vb IN ('ab', 'é') ORDER BY id") == [(2,), (3,)]
    assert rows(m, "SELECT id FROM bn WHERE bl = 'Y' OR bl = 'X'") == [(2,)]
    assert rows(m, "SELECT id FROM bn WHERE vb > 'AA' ORDER BY id") == [(1,), (2,), (3,)]
    # LIKE on a binary column matched nothing (NOT LIKE everything): its bytes, case and all
    assert rows(m, "SELECT id FROM bn WHERE vb LIKE 'a%'") == [(2,)]
    assert rows(m, "SELECT id FROM bn WHERE vb LIKE 'A_' OR bl LIKE '%Y%' ORDER BY id") == [(1,), (2,)]
    assert rows(m, "SELECT id FROM bn WHERE bl NOT LIKE 'x%' ORDER BY id") == [(2,)]


def test_a_number_column_against_a_string_compares_numbers_as_mysql_reads_the_string(m):
    """``id = 'abc'`` failed (1292 "invalid input syntax for type integer"), as did '5.0'
    and '12abc': MySQL compares a number with a string as numbers, the string's leading
    number with a warning (0 when there is none), and refuses such a string in a statement
    that writes (strict mode). The column's index still serves the comparison."""
    m.execute("CREATE TABLE n (id INT PRIMARY KEY, k INT, p DECIMAL(5, 2), KEY kk (k))")
    m.execute("INSERT INTO n VALUES (0, 0, 2), (5, 5, 1.5), (12, 12, 3)")
    assert rows(m, "SELECT id FROM n WHERE id = '5.0'") == [(5,)]
    assert rows(m, "SELECT id FROM n WHERE p = '1.5' OR p = '3'") == [(5,), (12,)]
    assert rows(m, "SELECT id FROM n WHERE k BETWEEN '1' AND '6.5'") == [(5,)]
    assert rows(m, "SELECT id FROM n WHERE '12' = k") == [(12,)]
    assert m.warnings == []
    assert rows(m, "SELECT id FROM n WHERE id = 'abc'") == [(0,)]
    assert m.warnings == [("Warning", 1292, "Truncated incorrect DOUBLE value: 'abc'")]
    assert rows(m, "SELECT id FROM n WHERE k IN ('12abc', 'x') ORDER BY id") == [(0,), (12,)]
    assert len(m.warnings) == 2
    assert errno(m, "UPDATE n SET p = 0 WHERE id = 'zz'") == 1292
    assert errno(m, "DELETE FROM n WHERE k = '12abc'") == 1292
    assert m.execute("UPDATE n SET p = 0 WHERE id = '5'").affected_rows == 1
    entry, lits, _raw = m._translation("SELECT id FROM n WHERE k = 'abc'")
    plan, params = m.pg._plan(entry.text(lits))
    assert "USING COVERING INDEX" in str(list(m.pg.conn.execute("EXPLAIN QUERY PLAN " + plan.sql, params)))


def test_bit_literals_hex_numbers_year_columns_and_enum_order_as_mysql_has_them(m):
    """b'101' and 0b101 are numbers (they failed: "Unknown column 'b$1'"); x'41' + 0 is 65
    (it was 0); YEAR(y) of a YEAR column is y; an ENUM column sorts by its members' order
    and is its member's number in arithmetic (it sorted alphabetically, + 0 gave 0)."""
    m.execute("CREATE TABLE ty (id INT PRIMARY KEY, bt BIT(8), y YEAR, st ENUM('new', 'active', 'done'))")
    m.execute("INSERT INTO ty VALUES (1, b'101', 2024, 'done'), (2, 0b11, 1999, 'new'), (3, 1, 2000, 'active'),"
              " (4, 0, 2001, NULL)")
    assert rows(m, "SELECT bt + 0, b'101' + 1, 0b11, x'41' + 0, 0x41 + 1, YEAR(y) FROM ty WHERE id = 1") == [
        (5, 6, 3, 65, 66, 2024)]
    assert rows(m, "SELECT id FROM ty ORDER BY st") == [(4,), (2,), (3,), (1,)]
    assert rows(m, "SELECT id FROM ty ORDER BY st DESC, id") == [(1,), (3,), (2,), (4,)]
    assert rows(m, "SELECT st + 0 FROM ty ORDER BY id") == [(3,), (1,), (2,), (None,)]
    assert rows(m, "SELECT id FROM ty WHERE st > 'active' ORDER BY id") == [(1,), (2,)]  # (as strings)


def test_json_functions_mysql_has_and_its_form_of_a_document(m):
    """MySQL writes a document with ', ' and ': ' and an object's keys by length, then bytes
    (JSON_SET and its kin gave SQLite's '{"a":1,"b":2}'); the JSON functions that answered
    1305 answer as MySQL's manual shows."""
    assert rows(m, """SELECT JSON_SET('{"bb":1,"a":2}', '$.c', 3), JSON_REMOVE('[1,2,3]', '$[1]'),"""
                   """ JSON_INSERT('{"a":1}', '$.b', 'x'), JSON_REPLACE('{"a":1}', '$.a', 5)""") == [
        ('{"a": 2, "c": 3, "bb": 1}', "[1, 3]", '{"a": 1, "b": "x"}', '{"a": 5}')]
    assert rows(m, """SELECT JSON_ARRAY_APPEND('{"a":[1]}', '$.a', 2, '$.a', 3),"""
                   """ JSON_ARRAY_APPEND('{"a":1}', '$.a', 2), JSON_ARRAY_APPEND('[1]', '$', 'x')""") == [
        ('{"a": [1, 2, 3]}', '{"a": [1, 2]}', '[1, "x"]')]
    assert rows(m, """SELECT JSON_MERGE_PATCH('{"a":1,"b":{"c":1}}', '{"b":{"c":null,"d":2}}', '{"e":3}'),"""
                   """ JSON_MERGE_PRESERVE('[1]', '{"a":1}', '2'), JSON_MERGE('{"a":1}', '{"a":2}')""") == [
        ('{"a": 1, "b": {"d": 2}, "e": 3}', '[1, {"a": 1}, 2]', '{"a": [1, 2]}')]
    assert rows(m, """SELECT JSON_SEARCH('{"a":"abc","b":["xbc","y"]}', 'all', '%bc'),"""
                   """ JSON_SEARCH('{"a":"abc","b":["xbc","y"]}', 'one', '%bc'), JSON_SEARCH('{"a":"x"}', 'one', 'z'),"""
                   """ JSON_CONTAINS_PATH('{"a":1}', 'one', '$.a', '$.b'), JSON_CONTAINS_PATH('{"a":1}', 'all', '$.a', '$.b')""") == [
        ('["$.a", "$.b[0]"]', '"$.a"', None, 1, 0)]
    assert rows(m, """SELECT JSON_DEPTH('{}'), JSON_DEPTH('[10, {"a": 20}]'), JSON_OVERLAPS('[1,2]', '[2,3]'),"""
                   """ JSON_OVERLAPS('{"a":1,"b":2}', '{"b":2}'), JSON_OVERLAPS('[1,2]', '3'), JSON_QUOTE('a"b')""") == [
        (1, 3, 1, 1, 0, '"a\\"b"')]
    assert errno(m, "SELECT JSON_DEPTH('{nope')") == 3141
    # JSON_SET and its kin: a JSON function's result, a JSON column or CAST AS JSON goes in
    # as JSON (it went in as a string of its text), TRUE as true; paths as MySQL reads them
    m.execute("CREATE TABLE j (id INT, doc JSON, extra JSON)")
    m.execute("""INSERT INTO j VALUES (1, '{"a": 1}', '{"x": [1]}')""")
    m.execute("""UPDATE j SET doc = JSON_SET(doc, '$.tags', JSON_ARRAY('a', 'b'), '$.more', extra,"""
              """ '$.on', TRUE, '$.s', '[1]', '$.c', CAST('{"z": 1}' AS JSON))""")
    assert rows(m, "SELECT doc FROM j") == [
        ('{"a": 1, "c": {"z": 1}, "s": "[1]", "on": true, "more": {"x": [1]}, "tags": ["a", "b"]}',)]
    assert rows(m, """SELECT JSON_INSERT('{}', '$.a', JSON_OBJECT('k', 2)), JSON_ARRAY_APPEND('[1]', '$', JSON_OBJECT('k', 2)),"""
                   """ JSON_SET('{"a":[1,2]}', '$.a[last]', 9), JSON_SET('[1,2]', '$[last-1]', 0), JSON_SET('[1]', '$[5]', 2),"""
                   """ JSON_INSERT('[1]', '$[0]', 5), JSON_REPLACE('[1]', '$[3]', 5), JSON_SET('1', '$[1]', 2),"""
                   """ JSON_ARRAY_INSERT('[1,2]', '$[0]', 0), JSON_ARRAY_INSERT('{"a":[1]}', '$.a[1]', 2), JSON_SET('{}', '$.x.y', 1)""") == [
        ('{"a": {"k": 2}}', '[1, {"k": 2}]', '{"a": [1, 9]}', "[0, 2]", "[1, 2]", "[1]", "[1]", "[1, 2]",
         "[0, 1, 2]", '{"a": [1, 2]}', "{}")]
    assert errno(m, "SELECT JSON_SET('{}', '$.*', 1)") == 3143
    assert errno(m, """SELECT JSON_CONTAINS_PATH('{"a":1}', 'some', '$.a')""") == 3154


def test_the_interval_function(m):
    """INTERVAL(N, N1, N2, ...) was 1054 (read as an interval of a row): the index of the
    last bound N is not below, 0 below the first, -1 for NULL. Checked against MariaDB 10.11."""
    assert rows(m, "SELECT INTERVAL(5, 1, 3, 7), INTERVAL(0, 1, 3), INTERVAL(7, 1, 3, 7), INTERVAL(NULL, 1),"
                   " INTERVAL(23, 1, 15, 17, 30, 44, 200), INTERVAL('5', 1, 10), INTERVAL(2.5, 1, 2.5, 3)") == [
        (2, 0, 3, -1, 3, 1, 2)]
    m.execute("CREATE TABLE iv (id INT PRIMARY KEY, n INT)")
    m.execute("INSERT INTO iv VALUES (1, 1), (2, 3), (3, 5), (4, NULL)")
    assert rows(m, "SELECT id, INTERVAL(n, 2, 4) FROM iv ORDER BY id") == [(1, 0), (2, 1), (3, 2), (4, -1)]
    assert rows(m, "SELECT DATE_ADD('2024-01-01', INTERVAL 1 DAY)") == [(dt.date(2024, 1, 2),)]


def test_string_date_and_json_functions_mysql_has(m):
    """Each was 1305 (FUNCTION does not exist); values as MariaDB gives them."""
    one = lambda sql: rows(m, "SELECT " + sql)[0]  # noqa: E731
    assert one("FIELD('B', 'a', 'b'), FIELD('z', 'a'), ELT(2, 'a', 'b'), FIND_IN_SET('b', 'a,b,c'), "
               "STRCMP('a', 'B'), ORD('a')") == (2, 0, "b", 2, -1, 97)
    # LOCATE / INSTR / POSITION follow the collation: case-insensitive (they were not), but
    # for a binary string
    assert one("LOCATE('L', 'hello'), INSTR('hello', 'LL'), POSITION('H' IN 'hello'), "
               "LOCATE('l', 'hello', 4), LOCATE(BINARY 'L', 'hello'), LOCATE('', ''), "
               "LOCATE('b', 'abc', NULL)") == (3, 3, 1, 4, 0, 1, None)
    assert one("SUBSTRING_INDEX('www.mysql.com', '.', 2), SUBSTRING_INDEX('www.mysql.com', '.', -2), "
               "INSERT('abcdef', 2, 3, 'X'), MID('abcdef', 2, 3)") == ("www.mysql", "mysql.com", "aXef", "bcd")
    assert one("QUARTER('2024-05-01'), WEEK('2024-03-05'), WEEK('2024-12-31', 1), YEARWEEK('2024-01-01'), "
               "TIME_TO_SEC('01:01:01'), SEC_TO_TIME(3661)") == (2, 9, 53, 202353, 3661, "01:01:01")
    assert one("FROM_DAYS(739251), MAKEDATE(2024, 60), CRC32('MySQL'), BIN(5), OCT(8), "
               "CONV('ff', 16, 10), CONV('-1', 10, 16)") == (
        "2024-01-01", "2024-02-29", 3259397556, "101", "10", "255", "FFFFFFFFFFFFFFFF")
    assert one("SHA2('a', 256), TO_BASE64('abc'), FROM_BASE64('YWJj'), FORMAT(1234567.891, 2), "
               "FORMAT(1234567.891, 2, 'de_DE')") == (
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", "YWJj", "abc",
        "1,234,567.89", "1.234.567,89")
    assert one("JSON_KEYS('{\"a\": {\"c\": 1}, \"b\": 2}'), JSON_KEYS('{\"a\": {\"c\": 1}}', '$.a'), "
               "JSON_CONTAINS('{\"a\": [1, 2]}', '1', '$.a'), JSON_CONTAINS('[1, 2]', '3')") == (
        '["a", "b"]', '["c"]', 1, 0)
    assert one("DAYOFYEAR('2024-03-10'), JSON_LENGTH('{\"c\": [1, 2]}', '$.c'), "
               "JSON_LENGTH('{\"a\": 1}', '$.x')") == (70, 2, None)


def test_enum_takes_the_member_and_year_two_digits(m):
    """'B' into ENUM('a','b') is stored as 'b' and 2 as its second member (they were stored
    as 'B' and refused); a YEAR of 69 is 2069, '99' 1999, '0' 2000 (they were 1264)."""
    m.execute("CREATE TABLE te (id INT PRIMARY KEY, e ENUM('a','b','Mixed'), y YEAR)")
    m.execute("INSERT INTO te VALUES (1, 'B', 69), (2, 2, '99'), (3, 'mixed ', 0), (4, 'a', '0')")
    m.execute("INSERT INTO te SELECT 5, 'MIXED', 2024")
    m.execute("UPDATE te SET e = 'A' WHERE id = 2")
    m.execute("INSERT INTO te VALUES (1, 'a', 1) ON DUPLICATE KEY UPDATE e = 'b', y = 70")
    assert errno(m, "INSERT INTO te VALUES (6, 'zz', 2000)") == 1265
    assert errno(m, "INSERT INTO te VALUES (6, 4, 2000)") == 1265
    assert errno(m, "INSERT INTO te VALUES (6, 'a', 1900)") == 1264
    assert rows(m, "SELECT id, e, y FROM te ORDER BY id") == [
        (1, "b", 1970), (2, "a", 1999), (3, "Mixed", 0), (4, "a", 2000), (5, "Mixed", 2024)]


def test_a_set_item_is_a_write_not_a_comparison(m):
    """``SET e = 2`` of an ENUM was 1064 and ``SET v = 5`` of a VARCHAR too: the rules for
    a column compared with a number rewrote the SET target. A number (or a quoted number
    that names no member) written to an ENUM is its member; an ENUM in arithmetic is its
    member's number in a write as in a query (``SET n = e + 0`` stored 0); a joined
    UPDATE's ``SET b.y = DEFAULT`` was 1054. Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE se (id INT PRIMARY KEY, e ENUM('a','b','c'), n INT, v VARCHAR(5))")
    m.execute("INSERT INTO se VALUES (1, 'a', 0, 'x'), (2, 'c', 0, 'y')")
    assert m.execute("UPDATE se SET e = 2").affected_rows == 2
    assert m.execute("UPDATE se SET e = 3, v = 5 WHERE id = 1").affected_rows == 1
    assert m.execute("UPDATE se SET e = '1' WHERE id = 2").affected_rows == 1
    assert m.execute("UPDATE se SET n = e * 10").affected_rows == 2
    assert rows(m, "SELECT * FROM se ORDER BY id") == [(1, "c", 30, "5"), (2, "a", 10, "y")]
    assert m.execute("UPDATE se SET e = e - 1 WHERE e = 3").affected_rows == 1
    assert m.execute("INSERT INTO se (id) VALUES (2) ON DUPLICATE KEY UPDATE e = 3").affected_rows == 2
    m.execute("CREATE TABLE sf (id INT PRIMARY KEY, e ENUM('a','b','c'), n INT)")
    assert m.execute("INSERT INTO sf SELECT id, 2, e + 0 FROM se").affected_rows == 2
    assert rows(m, "SELECT * FROM se ORDER BY id") == [(1, "b", 30, "5"), (2, "c", 10, "y")]
    assert rows(m, "SELECT * FROM sf ORDER BY id") == [(1, "b", 2), (2, "b", 3)]
    assert errno(m, "UPDATE se SET e = 4") == 1265
    assert errno(m, "UPDATE se SET n = 'abc'") == 1366
    m.execute("CREATE TABLE sd (id INT PRIMARY KEY, y INT DEFAULT 7)")
    m.execute("INSERT INTO sd VALUES (1, 1), (2, 2)")
    r = m.execute("UPDATE sd JOIN se ON se.id = sd.id SET sd.y = DEFAULT WHERE se.n = 30")
    assert r.affected_rows == 1
    r = m.execute("UPDATE sd JOIN se ON se.id = sd.id SET sd.y = DEFAULT, se.n = DEFAULT")
    assert r.affected_rows == 3
    assert rows(m, "SELECT * FROM sd ORDER BY id") == [(1, 7), (2, 7)]
    assert rows(m, "SELECT n FROM se ORDER BY id") == [(None,), (None,)]


def test_an_enum_not_null_defaults_to_its_first_member(m):
    """An ENUM NOT NULL without DEFAULT takes its first member where a value is left out:
    in an INSERT (it was 1364) and in the rows an ADD COLUMN meets (it was 1048); a SET
    NOT NULL has no such default. SHOW CREATE TABLE shows no DEFAULT (as MariaDB 10.11)."""
    m.execute("CREATE TABLE ef (id INT PRIMARY KEY, e ENUM('x','y') NOT NULL, "
              "g ENUM('it''s','b') NOT NULL, h ENUM('p','q'))")
    m.execute("INSERT INTO ef (id) VALUES (1)")
    assert rows(m, "SELECT * FROM ef") == [(1, "x", "it's", None)]
    assert "`e` enum('x','y') NOT NULL,\n" in rows(m, "SHOW CREATE TABLE ef")[0][1]
    m.execute("CREATE TABLE eg (id INT PRIMARY KEY)")
    m.execute("INSERT INTO eg VALUES (1)")
    m.execute("ALTER TABLE eg ADD COLUMN e ENUM('x','y') NOT NULL, ADD COLUMN f SET('p','q') NOT NULL")
    assert rows(m, "SELECT * FROM eg") == [(1, "x", "")]
    assert errno(m, "INSERT INTO eg (id) VALUES (2)") == 1364  # f
    m.execute("INSERT INTO eg (id, f) VALUES (2, 'q')")
    assert rows(m, "SELECT e FROM eg WHERE id = 2") == [("x",)]


def test_a_string_that_is_no_number_for_a_numeric_column_is_1366_at_its_row(m):
    """'abc' written to a DECIMAL or DOUBLE column was 1292 ("Incorrect value: invalid input
    syntax for type numeric"), and an integer column's error said row 1 for any row. In
    strict mode MySQL 8 says 1366 for a string that is no number (a DOUBLE's is 1265, as
    Field_double has it), 1265 for one with more after its number, at the VALUES row."""
    m.execute("CREATE TABLE sn (id INT, d DECIMAL(5,2), f DOUBLE, i INT)")
    for sql, code, message in [
        ("INSERT INTO sn (id, d) VALUES (1, 'abc')", 1366,
         "Incorrect decimal value: 'abc' for column 'd' at row 1"),
        ("INSERT INTO sn (id, d) VALUES (1, 1), (2, 2), (3, 'abc')", 1366,
         "Incorrect decimal value: 'abc' for column 'd' at row 3"),
        ("INSERT INTO sn (id, d) VALUES (1, 1), (2, '1.5x')", 1265, "Data truncated for column 'd' at row 2"),
        ("INSERT INTO sn (id, f) VALUES (1, 'abc')", 1265, "Data truncated for column 'f' at row 1"),
        ("INSERT INTO sn (id, i) VALUES (1, 1), (2, 'abc')", 1366,
         "Incorrect integer value: 'abc' for column 'i' at row 2"),
        ("INSERT INTO sn (id, i) VALUES (1, 1), (2, 2), (3, '12abc')", 1265,
         "Data truncated for column 'i' at row 3"),
        ("UPDATE sn SET d = '' WHERE id = 1", None, None),
    ]:
        if code is None:
            m.execute("INSERT INTO sn (id, d) VALUES (1, 1)")
            code, message = 1366, "Incorrect decimal value: '' for column 'd' at row 1"
        with pytest.raises(SqlError) as e:
            m.execute(sql)
        assert (e.value.errno, e.value.message) == (code, message), sql
    m.execute("INSERT INTO sn VALUES (2, '3.25', '1e1', ' 7 ')")  # numbers written as strings
    assert rows(m, "SELECT d, f, i FROM sn WHERE id = 2") == [(Decimal("3.25"), 10.0, 7)]
    m.execute("UPDATE sn SET d = 'abc' WHERE id = 99")  # (no row: nothing to refuse)


def test_a_string_parameter_that_is_no_number_for_a_numeric_column_is_1366_or_1265(m):
    """A ``?`` bound to a string written to a DECIMAL, DOUBLE or FLOAT column was 1292
    ("Incorrect value: invalid input syntax for type numeric"); it is checked as the same
    string written as a literal: 1366 for no number, 1265 for more after its number."""
    m.execute("CREATE TABLE sp (id INT, d DECIMAL(5,2), f DOUBLE, r FLOAT, i INT)")
    for sql, params, code, message in [
        ("INSERT INTO sp (id, d) VALUES (1, ?)", ("abc",), 1366,
         "Incorrect decimal value: 'abc' for column 'd' at row 1"),
        ("INSERT INTO sp (id, d) VALUES (1, ?)", ("1.5x",), 1265, "Data truncated for column 'd' at row 1"),
        ("INSERT INTO sp (id, f) VALUES (1, 1), (2, ?)", ("1.5x",), 1265,
         "Data truncated for column 'f' at row 2"),
        ("INSERT INTO sp (id, r) VALUES (1, ?)", ("abc",), 1265, "Data truncated for column 'r' at row 1"),
        ("INSERT INTO sp (id, i) VALUES (1, 1), (2, ?)", ("x",), 1366,
         "Incorrect integer value: 'x' for column 'i' at row 2"),
    ]:
        with pytest.raises(SqlError) as e:
            m.execute(sql, params)
        assert (e.value.errno, e.value.message) == (code, message), sql
    m.execute("INSERT INTO sp VALUES (?, ?, ?, ?, ?)", (1, "3.255", "1e1", " 2.5 ", "7"))
    m.execute("INSERT INTO sp VALUES (?, ?, ?, ?, ?)", (2, Decimal("1.5"), 2.5, None, 3))
    assert rows(m, "SELECT d, f, r, i FROM sp ORDER BY id") == [
        (Decimal("3.26"), 10.0, 2.5, 7), (Decimal("1.50"), 2.5, None, 3)]
    with pytest.raises(SqlError) as e:
        m.execute("UPDATE sp SET d = ? WHERE id = 1", ("zz",))
    assert e.value.errno == 1366


def test_a_float_column_as_text_has_six_significant_digits(m):
    """A FLOAT column read as a string (CONCAT, CAST AS CHAR, UPPER, LIKE) had its shortest
    float digits, '1.2345679' and '1.2345679e+08'; MySQL writes a FLOAT with 6 significant
    digits: '1.23457', '123457000'. In arithmetic it is still the float it holds."""
    m.execute("CREATE TABLE ft (id INT, f FLOAT)")
    m.execute("INSERT INTO ft VALUES (1, 1.23456789), (2, 123456789), (3, 0.1), (4, 3), (5, NULL)")
    assert rows(m, "SELECT CONCAT(f), CAST(f AS CHAR), UPPER(f), f LIKE '1.23%' FROM ft ORDER BY id") == [
        ("1.23457", "1.23457", "1.23457", 1), ("123457000", "123457000", "123457000", 0),
        ("0.1", "0.1", "0.1", 0), ("3", "3", "3", 0), (None, None, None, None)]
    assert rows(m, "SELECT f + 0 FROM ft WHERE id = 1") == [(1.2345678806304932,)]


def test_a_float_decimal_or_datetime_column_written_to_a_string_column_is_its_mysql_text(m):
    """INSERT ... SELECT and UPDATE of a FLOAT, DECIMAL(p, s) or DATETIME column into a
    string column stored the engine's text ('3.0', '1.5', '2020-01-02 03:04:05.000000');
    MySQL stores '3', '1.50', '2020-01-02 03:04:05' (a DATETIME(3)'s 3 digits; a FLOAT as
    the double it reads in a VARCHAR, as its own 6 digits in a TEXT)."""
    m.execute("CREATE TABLE src (id INT, f FLOAT, n DECIMAL(6,2), dt DATETIME, d3 DATETIME(3), "
              "v VARCHAR(40), tx TEXT)")
    m.execute("INSERT INTO src (id, f, n, dt, d3) VALUES "
              "(1, 3, 1.5, '2020-01-02 03:04:05', '2020-01-02 03:04:05.5')")
    m.execute("CREATE TABLE dst (v VARCHAR(40), tx TEXT)")
    m.execute("INSERT INTO dst SELECT f, f FROM src")
    m.execute("INSERT INTO dst SELECT n, src.dt FROM src")
    m.execute("INSERT INTO dst (tx, v) SELECT d3, n AS x FROM src")
    assert rows(m, "SELECT v, tx FROM dst") == [
        ("3", "3"), ("1.50", "2020-01-02 03:04:05"), ("1.50", "2020-01-02 03:04:05.500")]
    m.execute("UPDATE src SET v = n, tx = dt")
    assert rows(m, "SELECT v, tx FROM src") == [("1.50", "2020-01-02 03:04:05")]
    m.execute("UPDATE src SET f = 1.23456789")
    m.execute("UPDATE src SET v = f, tx = f")
    assert rows(m, "SELECT v, tx FROM src") == [("1.2345678806304932", "1.23457")]


def test_group_concat_of_a_float_decimal_or_datetime_column_is_its_mysql_text(m):
    """GROUP_CONCAT of a FLOAT, DECIMAL(p, s) or DATETIME column joined the engine's text
    ('3.0', '1.5', '2020-01-02 03:04:05.000000'); MySQL joins the column's text: '3',
    '1.50', '2020-01-02 03:04:05' (a DATETIME(3)'s 3 digits)."""
    m.execute("CREATE TABLE gc (id INT, f FLOAT, n DECIMAL(6,2), dt DATETIME, d3 DATETIME(3))")
    m.execute("INSERT INTO gc VALUES (1, 3, 1.5, '2020-01-02 03:04:05', '2020-01-02 03:04:05.5'), "
              "(2, 1.23456789, -2, '2020-01-02', '2020-01-02')")
    assert rows(m, "SELECT GROUP_CONCAT(f), GROUP_CONCAT(n), GROUP_CONCAT(dt), GROUP_CONCAT(d3) FROM gc") == [
        ("3,1.23457", "1.50,-2.00", "2020-01-02 03:04:05,2020-01-02 00:00:00",
         "2020-01-02 03:04:05.500,2020-01-02 00:00:00.000")]
    assert rows(m, "SELECT GROUP_CONCAT(n ORDER BY id DESC SEPARATOR ';') FROM gc") == [("-2.00;1.50",)]


def test_a_time_column_keeps_its_fsp_digits(m):
    """A TIME(n) column kept all six fraction digits of what was written, and its text had
    them ('03:04:05.500000' of a TIME(3), '03:04:05.600000' of a TIME, which then equalled
    no '03:04:05' nor '03:04:06'); MySQL rounds a value to the column's n digits, as for a
    DATETIME, and writes a TIME(n) with n digits: '03:04:05.500', '03:04:06'."""
    m.execute("CREATE TABLE tf (id INT, t TIME, t3 TIME(3))")
    m.execute("INSERT INTO tf VALUES (1, '03:04:05.6', '03:04:05.5'), (2, '01:02:03', '00:00:00.0004'), "
              "(3, '23:59:59.6', '23:59:59.9996')")
    assert rows(m, "SELECT id, t, t3, CONCAT(t), CONCAT(t3), CAST(t3 AS CHAR) FROM tf WHERE id < 3 ORDER BY id") == [
        (1, dt.time(3, 4, 6), dt.time(3, 4, 5, 500000), "03:04:06", "03:04:05.500", "03:04:05.500"),
        (2, dt.time(1, 2, 3), dt.time(0, 0), "01:02:03", "00:00:00.000", "00:00:00.000")]
    assert rows(m, "SELECT id FROM tf WHERE t = '03:04:06'") == [(1,)]
    # rounded past 23:59:59 it is the end of day, as MySQL's 24:00:00 (it was 00:00:00)
    assert rows(m, "SELECT CONCAT(t) FROM tf WHERE id = 3") == [("24:00:00",)]
    assert rows(m, "SELECT GROUP_CONCAT(t3 ORDER BY id) FROM tf WHERE id < 3") == [("03:04:05.500,00:00:00.000",)]


def test_date_add_in_a_string_function_has_no_zero_fraction(m):
    """CONCAT(DATE_ADD(...)) (and TIMESTAMPADD, ADDDATE, DATE_SUB) of a DATETIME had six
    zero fraction digits, '2020-01-02 01:30:00.000000', where ``+ INTERVAL`` had none;
    MySQL writes '2020-01-02 01:30:00'."""
    m.execute("CREATE TABLE da (dt DATETIME)")
    m.execute("INSERT INTO da VALUES ('2020-01-02 03:04:05')")
    assert rows(m, "SELECT CONCAT(DATE_ADD('2020-01-02', INTERVAL 90 MINUTE)), "
                   "CONCAT(TIMESTAMPADD(MINUTE, 1, '2020-01-02')), LENGTH(DATE_SUB(dt, INTERVAL 1 SECOND)), "
                   "CONCAT(DATE_ADD(dt, INTERVAL 1 MINUTE)), UPPER(ADDDATE(dt, 1)) FROM da") == [
        ("2020-01-02 01:30:00", "2020-01-02 00:01:00", 19, "2020-01-02 03:05:05", "2020-01-03 03:04:05")]


def test_cast_as_datetime_or_time_has_its_fsp_digits(m):
    """CAST(x AS DATETIME) kept six fraction digits (CAST('2020-01-02 03:04:05.6' AS
    DATETIME) was 03:04:05.600000, and CONCAT of it '2020-01-02 00:00:00.000000' for a
    date); MySQL rounds to the cast's n digits (0 without) and writes that many: 03:04:06,
    '2020-01-02 00:00:00', '2020-01-02 03:04:05.600' of DATETIME(3), '03:04:05.50' of TIME(2)."""
    assert rows(m, "SELECT CAST('2020-01-02 03:04:05.6' AS DATETIME), CAST('2020-01-02 03:04:05.66' AS DATETIME(1))") == [
        (dt.datetime(2020, 1, 2, 3, 4, 6), dt.datetime(2020, 1, 2, 3, 4, 5, 700000))]
    assert rows(m, "SELECT CONCAT(CAST('2020-01-02' AS DATETIME)), LENGTH(CAST(20200102 AS DATETIME)), "
                   "CONCAT(CAST('2020-01-02 03:04:05.6' AS DATETIME(3))), CONCAT(CAST('03:04:05.5' AS TIME(2))), "
                   "CONCAT(CAST('03:04:05.25' AS TIME))") == [
        ("2020-01-02 00:00:00", 19, "2020-01-02 03:04:05.600", "03:04:05.50", "03:04:05")]


def test_a_time_rounds_half_up_to_its_digits(m):
    """A TIME rounded half to even ('03:04:05.5' into a TIME was 03:04:05, '03:04:05.25'
    into a TIME(1) 03:04:05.2); MySQL rounds half up, as it does a DATETIME: 03:04:06, .3."""
    m.execute("CREATE TABLE th (t TIME, t1 TIME(1), d DATETIME)")
    m.execute("INSERT INTO th VALUES ('03:04:05.5', '03:04:05.25', '2020-01-02 03:04:05.5')")
    assert rows(m, "SELECT t, t1, d, CAST('01:02:03.5' AS TIME) FROM th") == [
        (dt.time(3, 4, 6), dt.time(3, 4, 5, 300000), dt.datetime(2020, 1, 2, 3, 4, 6), dt.time(1, 2, 4))]


def test_a_binary_or_varbinary_column_holds_at_most_its_length(m):
    """A VARBINARY(3) or BINARY(2) column stored a value of any length ('abcd', x'01020304');
    MySQL's strict mode refuses one longer than the column's bytes with 1406 (at its VALUES
    row), and INSERT / UPDATE IGNORE stores its first bytes with 1265."""
    m.execute("CREATE TABLE vbl (id INT, b VARBINARY(3), c BINARY(2))")
    for sql, message in [
        ("INSERT INTO vbl (id, b) VALUES (1, 'abcd')", "Data too long for column 'b' at row 1"),
        ("INSERT INTO vbl (id, b) VALUES (1, 'a'), (2, x'01020304')", "Data too long for column 'b' at row 2"),
        ("INSERT INTO vbl (id, c) VALUES (1, 'abc')", "Data too long for column 'c' at row 1"),
        ("INSERT INTO vbl (id, b) VALUES (1, 'éé')", "Data too long for column 'b' at row 1"),
    ]:
        with pytest.raises(SqlError) as e:
            m.execute(sql)
        assert (e.value.errno, e.value.message) == (1406, message), sql
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO vbl (id, b) VALUES (?, ?)", (1, b"\x01\x02\x03\x04"))
    assert e.value.errno == 1406
    m.execute("INSERT INTO vbl (id, b) VALUES (1, 'abc'), (2, 'é')")
    m.execute("INSERT IGNORE INTO vbl (id, b) VALUES (3, 'abcdef'), (4, 12345)")
    assert [w[1] for w in m.warnings] == [1265, 1265]
    m.execute("UPDATE IGNORE vbl SET b = 'qwerty' WHERE id = 1")
    assert rows(m, "SELECT id, b FROM vbl ORDER BY id") == [
        (1, b"qwe"), (2, "é".encode()), (3, b"abc"), (4, b"123")]


def test_a_hex_literal_written_to_a_numeric_column_is_its_number(m):
    """0x41 or x'41' written to a DECIMAL, DOUBLE or FLOAT column was 1292 ("Incorrect
    value: invalid input syntax for type numeric"); MySQL stores the number its bytes
    spell (Item_hex_string stores an integer in a column that is no string): 65."""
    m.execute("CREATE TABLE hxn (id INT, n DECIMAL(6,2), d DOUBLE, f FLOAT, i INT, v VARCHAR(5))")
    m.execute("INSERT INTO hxn VALUES (1, 0x41, x'41', 0x0100, 0x41, 0x41)")
    m.execute("INSERT IGNORE INTO hxn (id, n) VALUES (2, X'20')")
    assert rows(m, "SELECT id, n, d, f, i, v FROM hxn ORDER BY id") == [
        (1, Decimal("65.00"), 65.0, 256.0, 65, "A"), (2, Decimal("32.00"), None, None, None, None)]
    m.execute("UPDATE hxn SET d = 0x10 WHERE id = 1")
    assert rows(m, "SELECT d FROM hxn WHERE id = 1") == [(16.0,)]


def test_a_bit_column_too_small_for_a_value_is_1406_and_ignore_sets_its_bits(m):
    """A value with more bits than a BIT(n) column was 1264 "Out of range value", and
    INSERT IGNORE failed with it too; MySQL says 1406 "Data too long" (at its VALUES row),
    and INSERT / UPDATE IGNORE stores the column's largest value with 1264."""
    m.execute("CREATE TABLE bit8 (id INT, c BIT(8))")
    for sql, message in [
        ("INSERT INTO bit8 VALUES (1, 256)", "Data too long for column 'c' at row 1"),
        ("INSERT INTO bit8 VALUES (1, -1)", "Data too long for column 'c' at row 1"),
        ("INSERT INTO bit8 VALUES (1, 1), (2, b'111111111')", "Data too long for column 'c' at row 2"),
    ]:
        with pytest.raises(SqlError) as e:
            m.execute(sql)
        assert (e.value.errno, e.value.message) == (1406, message), sql
    m.execute("INSERT IGNORE INTO bit8 VALUES (1, 300), (2, -1), (3, 7)")
    assert [w[1] for w in m.warnings] == [1264, 1264]
    m.execute("UPDATE IGNORE bit8 SET c = 1000 WHERE id = 3")
    assert rows(m, "SELECT id, c + 0 FROM bit8 ORDER BY id") == [(1, 255), (2, 255), (3, 255)]


def test_a_number_with_a_fraction_written_to_a_year_column_is_its_nearest_year(m):
    """1.5 written to a YEAR column was 1264 (as 1.5, out of its range), and -0.4 was
    stored as 0000; MySQL rounds a DECIMAL to the nearest year, half away from zero (1.5
    is 2002, 2001.6 2002, 99.5 is 100, out of range), and refuses a negative one (1264)."""
    m.execute("CREATE TABLE yf (id INT, y YEAR)")
    m.execute("INSERT INTO yf VALUES (1, 1.5), (2, 2.5), (3, 2001.6), (4, 69.4)")
    assert rows(m, "SELECT y FROM yf ORDER BY id") == [(2002,), (2003,), (2002,), (2069,)]
    for v in ("-0.4", "99.5", "2155.5"):
        with pytest.raises(SqlError) as e:
            m.execute(f"INSERT INTO yf VALUES (5, {v})")
        assert e.value.errno == 1264, v


def test_insert_ignore_of_a_value_a_year_column_cannot_hold_stores_0000(m):
    """INSERT IGNORE of a year out of YEAR's range (255, 1e3) or of a string that is no
    number failed with 1264 / 1366, as without IGNORE; MySQL stores 0000 with the warning,
    and a string's leading number as its year ('2020-01-02' is 2020, 1265)."""
    m.execute("CREATE TABLE yi (id INT, y YEAR)")
    m.execute("INSERT IGNORE INTO yi VALUES (1, 255), (2, 'abc'), (3, '2020-01-02'), (4, 1e3), (5, 0x41), (6, 1999)")
    assert [w[1] for w in m.warnings] == [1264, 1366, 1265, 1264]
    assert rows(m, "SELECT id, y FROM yi ORDER BY id") == [(1, 0), (2, 0), (3, 2020), (4, 0), (5, 2065), (6, 1999)]
    m.execute("UPDATE IGNORE yi SET y = 3000 WHERE id = 6")
    assert rows(m, "SELECT y FROM yi WHERE id = 6") == [(0,)]


def test_a_year_column_as_text_has_four_digits(m):
    """A YEAR column holding 0 was '0' in CONCAT, LENGTH, LIKE, CAST AS CHAR and
    GROUP_CONCAT (and on the wire); MySQL writes a YEAR with four digits: '0000'."""
    m.execute("CREATE TABLE y4 (id INT, y YEAR)")
    m.execute("INSERT INTO y4 VALUES (1, 0), (2, 1999)")
    assert rows(m, "SELECT CONCAT(y), LENGTH(y), y LIKE '00%', CAST(y AS CHAR), y + 0 FROM y4 ORDER BY id") == [
        ("0000", 4, 1, "0000", 0), ("1999", 4, 0, "1999", 1999)]
    assert rows(m, "SELECT GROUP_CONCAT(y ORDER BY id) FROM y4") == [("0000,1999",)]


def test_a_string_of_more_than_eight_bytes_for_a_bit_column_names_the_column(m):
    """A string of more than 8 bytes written to a BIT column overflowed the engine's
    integer: 1264 naming another column ('id'); MySQL says 1406 for the BIT column, and
    INSERT IGNORE stores all its bits set."""
    m.execute("CREATE TABLE b9 (id INT, c BIT(8))")
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO b9 VALUES (1, '2020-01-02')")
    assert (e.value.errno, e.value.message) == (1406, "Data too long for column 'c' at row 1")
    m.execute("INSERT IGNORE INTO b9 VALUES (2, '2020-01-02')")
    assert rows(m, "SELECT id, c + 0 FROM b9") == [(2, 255)]


def test_a_negative_number_where_a_date_is_expected_is_null(m):
    """DATE(-3) was 1969-12-31 and YEAR(-3) 1969 (the engine read the number as seconds
    before 1970), and DATE(-9223372036854775808) an internal error (1105 OSError); MySQL
    reads a negative number as no date: NULL."""
    assert rows(m, "SELECT DATE(-3), YEAR(-3), MONTH(-1.5), DAYOFWEEK(-3), -3 + INTERVAL 1 DAY, "
                   "DATE(-9223372036854775808), DATE(20200102)") == [
        (None, None, None, None, None, None, dt.date(2020, 1, 2))]


def test_cast_of_a_string_as_double_is_its_leading_number(m):
    """CAST(s AS DOUBLE) of a string that is not all a number failed the query with 1292
    ("invalid input syntax for type double precision"); MySQL reads the number it begins
    with ('12abc' is 12, 'abc' 0) with its 1292 warning, and a write keeps strict mode's
    1292 error."""
    assert rows(m, "SELECT CAST('abc' AS DOUBLE), CAST('12abc' AS DOUBLE), CAST('' AS FLOAT), "
                   "CAST(CONCAT('1', '2') AS DOUBLE), CAST(1.5 AS DOUBLE)") == [(0.0, 12.0, 0.0, 12.0, 1.5)]
    assert [w[1] for w in m.warnings] == [1292, 1292, 1292]
    m.execute("CREATE TABLE csd (s VARCHAR(10), d DOUBLE)")
    m.execute("INSERT INTO csd VALUES ('7x', NULL), ('2.5', NULL)")
    assert rows(m, "SELECT CAST(s AS DOUBLE) FROM csd ORDER BY s") == [(2.5,), (7.0,)]
    assert rows(m, "SELECT CAST(? AS DOUBLE)", "3x") == [(3.0,)]
    with pytest.raises(SqlError) as e:
        m.execute("UPDATE csd SET d = CAST(s AS DOUBLE)")
    assert e.value.errno == 1292


def test_math_functions_read_the_number_a_string_begins_with(m):
    """SQRT, POW, LN, LOG and EXP of a string that only begins with a number read it as 0
    (SQRT('12abc') was 0, POW('2020-01-02', 2) 0); MySQL reads the number it begins with."""
    assert rows(m, "SELECT SQRT('16abc'), POW('2020-01-02', 2), LN('1x'), LOG(2, '8x'), EXP('0x'), SQRT('abc')") == [
        (4.0, 4080400.0, 0.0, 3.0, 1.0, 0.0)]


def test_format_of_a_string_reads_the_number_it_begins_with(m):
    """FORMAT('12abc', 2) was '0.00'; MySQL formats the number the string begins with."""
    assert rows(m, "SELECT FORMAT('12abc', 2), FORMAT('1234.5x', 1), FORMAT('abc', 2)") == [
        ("12.00", "1,234.5", "0.00")]


def test_trigonometry_of_a_string_reads_its_double(m):
    """SIN('1x') was 1292 with a Python message ("could not convert string to float") and
    DEGREES('1x') NULL; MySQL reads the DOUBLE the string begins with, with its warning."""
    m.execute("CREATE TABLE trg (s VARCHAR(5), x DOUBLE)")
    m.execute("INSERT INTO trg VALUES ('0x', 0)")
    assert rows(m, "SELECT SIN('0x'), COS(s), DEGREES('1x') > 57, ATAN('0x'), RADIANS(x) FROM trg") == [
        (0.0, 1.0, 1, 0.0, 0.0)]
    assert [w[1] for w in m.warnings] == [1292, 1292, 1292, 1292]


def test_bit_count_of_a_string_or_a_big_number(m):
    """BIT_COUNT('abc') was 1292 with a Python message ("invalid literal for int() with
    base 10"), and BIT_COUNT(1e20) 24; MySQL counts the bits of the integer it reads in a
    string ('12abc' is 12: 2, 'abc' 0) and of a number past 64 bits as the largest (64)."""
    assert rows(m, "SELECT BIT_COUNT('abc'), BIT_COUNT('12abc'), BIT_COUNT(''), BIT_COUNT(1e20), "
                   "BIT_COUNT(2.5), BIT_COUNT(255)") == [(0, 2, 0, 64, 2, 8)]


def test_a_bit_literal_in_a_string_function_is_its_bytes(m):
    """b'11' in a string function was its number's text: CHAR_LENGTH(b'11') was 1305
    ("FUNCTION length does not exist"), HEX(b'11') '3', CONCAT(b'1000001', 'x') '65x';
    MySQL takes the bytes it spells: 1, '03', 'Ax'. In arithmetic it stays a number."""
    assert rows(m, "SELECT CHAR_LENGTH(b'11'), HEX(b'11'), CONCAT(b'1000001', 'x'), MD5(b'11'), b'11' + 0") == [
        (1, "03", "Ax", "8666683506aacd900bbd5a74ac4edf68", 3)]


def test_a_string_in_a_list_of_numbers_and_strings_compares_by_each_pair(m):
    """'x' IN (2, 'y') was 1: every value was read as a number ('x' and 'y' both 0); MySQL
    compares the string with each value by the pair's types, with 'y' as strings (false)
    and with 2 as numbers (false), so 0; 'ABC' IN (1, 'abc') is 1 by the collation."""
    assert rows(m, "SELECT 'x' IN (2, 'y'), 'abc' IN (1, 'a'), 'ABC' IN (1, 'abc'), 'x' IN (0, 'y'), "
                   "'x' NOT IN (2, 'y'), 'x' IN (2, NULL, 'y'), '1x' IN (1, 'a')") == [(0, 0, 1, 1, 1, None, 1)]


def test_a_json_value_in_arithmetic_is_the_double_it_holds(m):
    """``body - 'x'`` and ``body + 1`` of a JSON column were internal errors (1105 "cannot
    delete from scalar": the engine's jsonb - text deletes a key); MySQL reads a JSON value
    in arithmetic as a DOUBLE: its number, 0 for anything else."""
    m.execute("CREATE TABLE jd (id INT, body JSON)")
    m.execute("""INSERT INTO jd VALUES (1, '{"n": 2}'), (2, '5')""")
    assert rows(m, "SELECT id, body - 'x', body + 1, body->'$.n' * 2 FROM jd ORDER BY id") == [
        (1, 0.0, 1.0, 4.0), (2, 5.0, 6.0, None)]
    assert rows(m, "SELECT id FROM jd WHERE body - 1 > 3") == [(2,)]


def test_a_double_in_arithmetic_and_comparisons_reads_strings_as_mysql_does(m):
    """MySQL's DOUBLE has no NaN or infinity: a string beside it is its leading number (0 for
    'x'), a division by zero is NULL, SUM and AVG are plain sums (PostgreSQL's IEEE float8
    rules, with their strict reading of a string, are the other edition's)."""
    m.execute("CREATE TABLE fd (d DOUBLE)")
    m.execute("INSERT INTO fd VALUES (1.5), (0)")
    assert rows(m, "SELECT CAST(2 AS DOUBLE) - 'x', CAST(2 AS DOUBLE) * '3abc', CAST(1 AS DOUBLE) / 0"
                ) == [(2.0, 6.0, None)]
    assert rows(m, "SELECT d FROM fd WHERE d = 'abc'") == [(0.0,)]
    assert rows(m, "SELECT d FROM fd WHERE d IN ('1.5x', 2)") == [(1.5,)]
    assert rows(m, "SELECT SUM(d), AVG(d) FROM fd") == [(1.5, 0.75)]
    # FLOAT op FLOAT is computed in DOUBLE, as MySQL does (1e30 * 1e30 was 1690, out of
    # a single-precision range)
    m.execute("CREATE TABLE ff (a FLOAT, b FLOAT)")
    m.execute("INSERT INTO ff VALUES (1e30, 1e30)")
    assert rows(m, "SELECT a * b, a / b FROM ff") == [(1.0000000300949327e+60, 1.0)]


def test_a_not_null_column_left_out_without_a_default_is_1364(m):
    m.execute("CREATE TABLE tn (id INT PRIMARY KEY, a INT NOT NULL, b INT NOT NULL)")
    assert errno(m, "INSERT INTO tn (id, a) VALUES (1, 1)") == 1364
    assert errno(m, "INSERT INTO tn (id, `a`) SELECT 2, 3") == 1364
    assert errno(m, "INSERT INTO tn (id, a, b) VALUES (1, 1, NULL)") == 1048
    assert errno(m, "INSERT INTO tn VALUES (1, 1, NULL)") == 1048


def test_default_of_a_column_is_its_declared_default(m):
    """DEFAULT(col) reads the column's default, of its type (it was 1064): NULL without one,
    0 for AUTO_INCREMENT, the zero value for a NOT NULL column's CURRENT_TIMESTAMP; 1364 for a
    NOT NULL column without a default, 3773 for a default that is an expression."""
    m.execute("CREATE TABLE td (id INT AUTO_INCREMENT PRIMARY KEY, a INT DEFAULT 5, "
              "b VARCHAR(10) DEFAULT 'x', c INT, d INT NOT NULL, g DECIMAL(5,2) DEFAULT 1.5, "
              "h DATE NOT NULL DEFAULT '2024-01-01', e ENUM('p','q') NOT NULL, "
              "f DOUBLE DEFAULT (RAND()), t DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)")
    m.execute("INSERT INTO td (a, b, c, d) VALUES (1, 'y', 2, 3)")
    assert rows(m, "SELECT DEFAULT(a), DEFAULT(td.b), DEFAULT (c), DEFAULT(g), DEFAULT(h), "
                   "DEFAULT(id), DEFAULT(e), DEFAULT(t) FROM td") == [
        (5, "x", None, Decimal("1.50"), dt.date(2024, 1, 1), 0, "p", "0000-00-00 00:00:00")]
    assert rows(m, "SELECT DEFAULT(a) + 1 FROM td WHERE DEFAULT(a) = 5") == [(6,)]
    m.execute("UPDATE td SET a = DEFAULT(a), c = DEFAULT(c) + 1, b = CONCAT(DEFAULT(b), 'z')")
    m.execute("INSERT INTO td (a, d) VALUES (DEFAULT(a) * 2, 1)")
    assert rows(m, "SELECT a, b, c FROM td ORDER BY id") == [(5, "xz", None), (10, "x", None)]
    assert errno(m, "SELECT DEFAULT(d) FROM td") == 1364
    assert errno(m, "SELECT DEFAULT(f) FROM td") == 3773
    assert errno(m, "SELECT DEFAULT(zz) FROM td") == 1054
    assert errno(m, "SELECT DEFAULT(a + 1) FROM td") == 1064


def test_a_variable_is_no_table_name_in_ddl(m):
    """``REFERENCES @v (id)`` was 1146 (1824, or 1105 in an ALTER TABLE), ``CREATE TABLE @v``
    made a table named @v; a variable is no name in MySQL's grammar: 1064."""
    m.execute("CREATE TABLE vp (id INT PRIMARY KEY)")
    m.execute("CREATE TABLE vc (a INT)")
    for sql in [
        "CREATE TABLE c (a INT, FOREIGN KEY (a) REFERENCES @v (id))",
        "CREATE TABLE c (a INT REFERENCES @v (id))",
        "ALTER TABLE vc ADD FOREIGN KEY (a) REFERENCES @v (id)",
        "CREATE TABLE @v (a INT)",
        "ALTER TABLE @v ADD COLUMN b INT",
        "DROP TABLE @v",
        "DESCRIBE @v",
        "SHOW COLUMNS FROM @v",
    ]:
        assert errno(m, sql) == 1064, sql
    m.execute("CREATE TABLE `@v` (a INT, FOREIGN KEY (a) REFERENCES vp (id))")  # quoted, a name
    assert rows(m, "SHOW TABLES LIKE '@v'") == [("@v",)]


def test_found_rows_after_sql_calc_found_rows_counts_without_the_limit(m):
    """WordPress's pagination: FOUND_ROWS() after SQL_CALC_FOUND_ROWS ... LIMIT is the count
    without the LIMIT (it was the rows returned); the count column is not among the result's."""
    m.execute("CREATE TABLE tf (id INT PRIMARY KEY, s VARCHAR(10))")
    m.execute("INSERT INTO tf VALUES (1, 'x'), (2, 'y'), (3, 'z')")
    r = m.execute("SELECT SQL_CALC_FOUND_ROWS * FROM tf ORDER BY id LIMIT 1")
    assert (r.rows, [c.name for c in r.columns]) == ([(1, "x")], ["id", "s"])
    assert rows(m, "SELECT FOUND_ROWS()") == [(3,)]
    assert rows(m, "SELECT SQL_CALC_FOUND_ROWS id FROM tf WHERE id > ? ORDER BY id LIMIT ?", 1, 1) == [(2,)]
    assert rows(m, "SELECT FOUND_ROWS()") == [(2,)]
    assert [c.name for c in m.prepare("SELECT SQL_CALC_FOUND_ROWS id FROM tf LIMIT ?").columns] == ["id"]
    rows(m, "SELECT * FROM tf LIMIT 2")
    assert rows(m, "SELECT FOUND_ROWS()") == [(2,)]


def test_concat_writes_values_as_mysql_does_and_json_aggregates(m):
    """CONCAT of a DATETIME had '.000000' and of a DECIMAL(5,2) lost its zero ('1.5'); of two
    numbers it failed (1305); JSON_ARRAYAGG was 1305 and JSON_OBJECTAGG 1064."""
    m.execute("CREATE TABLE tc (id INT PRIMARY KEY, d DATETIME, d3 DATETIME(3), ts TIMESTAMP, n DECIMAL(5,2), g CHAR(1))")
    m.execute("INSERT INTO tc VALUES (1, '2024-01-31 10:00:00', '2024-01-31 10:00:00.5', '2024-01-31 10:00:00', 1.50, 'x'),"
              " (2, NULL, NULL, NULL, 2, 'x'), (3, NULL, NULL, NULL, 3, 'y')")
    assert rows(m, "SELECT CONCAT('x', d), CONCAT('x', d3), CONCAT('x', ts), CONCAT('x', n), CONCAT(id, n), "
                   "CAST(n AS CHAR), CONCAT_WS('-', id, n, d) FROM tc WHERE id = 1") == [
        ("x2024-01-31 10:00:00", "x2024-01-31 10:00:00.500", "x2024-01-31 10:00:00", "x1.50", "11.50",
         "1.50", "1-1.50-2024-01-31 10:00:00")]
    assert rows(m, "SELECT CONCAT(1, 2), CONCAT(1.50, 'a'), CONCAT('a', NULL)") == [("12", "1.50a", None)]
    assert rows(m, "SELECT g, JSON_ARRAYAGG(id) FROM tc GROUP BY g ORDER BY g") == [("x", "[1, 2]"), ("y", "[3]")]
    assert rows(m, "SELECT JSON_OBJECTAGG(g, id) FROM tc") == [('{"x": 2, "y": 3}',)]


def test_a_double_as_text_is_what_mysql_writes():
    """MySQL writes a DOUBLE with its shortest digits, plainly from 1e-15 up to below 1e15
    (and a 16-digit number with a fraction), else with an exponent without '+' or leading
    zeros; Python's repr switches at 1e-4 and 1e16 and writes 1e-05."""
    from aurora.engine.sql.mysql.types import double_text

    cases = {
        0.0: "0", 1.0: "1", 100.0: "100", -2.5: "-2.5", 1e14: "100000000000000", 1e15: "1e15",
        -1e15: "-1e15", 1e16: "1e16", 999999999999999.0: "999999999999999",
        1234567890123456.0: "1.234567890123456e15", 1234567890123456.8: "1234567890123456.8",
        1e-4: "0.0001", 1e-5: "0.00001", 1e-7: "0.0000001", 1.25e-5: "0.0000125",
        1e-15: "0.000000000000001", 1e-16: "1e-16", 123456789012345678.0: "1.2345678901234568e17",
        0.1 + 0.2: "0.30000000000000004", 1 / 3: "0.3333333333333333", 1e308: "1e308",
        -2.5e-300: "-2.5e-300", 5e-324: "5e-324", 1.7976931348623157e308: "1.7976931348623157e308",
    }
    assert {x: double_text(x) for x in cases} == cases


def test_a_double_becomes_text_as_mysql_writes_it(m):
    """A DOUBLE made text (CONCAT, CAST AS CHAR, string functions, LIKE, GROUP_CONCAT, a
    CHAR / VARCHAR / TEXT column) was Python's or SQLite's text: '1e-05', '1.0e-05',
    '100.0', '1000000000000000.0'."""
    m.execute("CREATE TABLE dt (id INT PRIMARY KEY, x DOUBLE, vc VARCHAR(40), c CHAR(20), tx TEXT)")
    m.execute("INSERT INTO dt (id, x) VALUES (1, 1e-5), (2, 100), (3, 1e15), (4, 0.5)")
    assert rows(m, "SELECT CONCAT(x, '|'), CAST(x AS CHAR), LENGTH(x), SUBSTRING_INDEX(x, '.', 1), "
                   "x LIKE '%e%', x REGEXP 'e', REVERSE(x) FROM dt ORDER BY id") == [
        ("0.00001|", "0.00001", 7, "0", 0, 0, "10000.0"),
        ("100|", "100", 3, "100", 0, 0, "001"),
        ("1e15|", "1e15", 4, "1e15", 1, 1, "51e1"),
        ("0.5|", "0.5", 3, "0", 0, 0, "5.0"),
    ]
    assert rows(m, "SELECT GROUP_CONCAT(x ORDER BY id) FROM dt") == [("0.00001,100,1e15,0.5",)]
    # a CAST to a number given to a string function: its MySQL text ('1', not SQLite's '1.0')
    assert rows(m, "SELECT LENGTH(CAST(1 = 1 AS DOUBLE)), UPPER(CAST(id AS DOUBLE)), MD5(CAST(1e-5 AS DOUBLE)) = "
                   "MD5('0.00001') FROM dt WHERE id = 2") == [(1, "2", 1)]
    m.execute("UPDATE dt SET vc = x, c = x, tx = x * 2")
    m.execute("INSERT INTO dt (id, vc, c, tx) SELECT id + 10, x, x, CAST(x AS DOUBLE) FROM dt WHERE id < 3")
    m.execute("INSERT INTO dt (id, vc) VALUES (20, CAST(1e-7 AS DOUBLE))")
    assert rows(m, "SELECT id, vc, c, tx FROM dt ORDER BY id") == [
        (1, "0.00001", "0.00001", "0.00002"), (2, "100", "100", "200"), (3, "1e15", "1e15", "2e15"),
        (4, "0.5", "0.5", "1"), (11, "0.00001", "0.00001", "0.00001"), (12, "100", "100", "100"),
        (20, "0.0000001", None, None),
    ]


def test_concat_of_one_number_is_a_string(m):
    """``CONCAT(d)`` of a DOUBLE column, ``CONCAT(CAST(2.5 AS DOUBLE))`` and ``CONCAT(d + 1)``
    came back as the number (a DOUBLE column, 1e-05); CONCAT is a string in MySQL."""
    m.execute("CREATE TABLE c1 (d DOUBLE, i INT, n DECIMAL(5,2), s VARCHAR(5))")
    m.execute("INSERT INTO c1 VALUES (1e-5, 7, 1.5, 'x')")
    r = m.execute("SELECT CONCAT(d), CONCAT(CAST(2.5 AS DOUBLE)), CONCAT(d + 1), CONCAT(-d), CONCAT(i), "
                  "CONCAT(n), CONCAT(s), CONCAT(i + 1) FROM c1")
    assert r.rows == [("0.00001", "2.5", "1.00001", "-0.00001", "7", "1.50", "x", "8")]
    assert {c.type_oid for c in r.columns} == {25}


def test_a_string_function_of_a_computed_number_reads_its_text(m):
    """LEFT(SQRT(i), 3), LEFT(0.1e0 - i, 3), LEFT(NULLIF(i, NULL), 3) and LEFT(IF(x, 1, 0), 3)
    were internal errors (1105: the engine's LEFT takes no number); MySQL reads the number's
    text. A binary column's bytes stay bytes (LENGTH(NULLIF(b, 'x')) is 2). Checked against
    MariaDB 10.11."""
    m.execute("CREATE TABLE sf (id INT PRIMARY KEY, d DOUBLE, n DECIMAL(8,3), i INT, b VARBINARY(4))")
    m.execute("INSERT INTO sf VALUES (1, 2.5, 1.250, 3, 'ab'), (2, -1e-5, -0.5, -2, NULL)")
    assert rows(m, "SELECT LEFT(SQRT(i), 3), LEFT((0.1e0 - i), 3), LEFT(NULLIF(i, NULL), 3), LEFT(IF(1.25, 1, 0), 3), "
                   "UPPER(GREATEST(i, 2)), LEFT(ABS(d), 3), REVERSE(FLOOR(d)), LENGTH(IF(i > 0, d, n)), "
                   "LENGTH(NULLIF(b, 'x')) FROM sf ORDER BY id") == [
        ("1.7", "-2.", "3", "1", "3", "2.5", "2", 3, 2),
        (None, "2.1", "-2", "1", "2", "0.0", "1-", 4, None)]
    # CONCAT of computed numbers: number || number was 1305 (no such operator)
    assert rows(m, "SELECT CONCAT((IF(7, 1e2, 0)), FLOOR(1e-5)), CONCAT(1e2 / 1e15, NOT 1.25), "
                   "CONCAT_WS('-', FLOOR(2.5), ABS(-1e0), 3 DIV 2)") == [("1000", "0.00000000000010", "2-1-1")]


def test_computed_doubles_inside_string_functions_and_string_divisors(m):
    """UPPER(POW(id, LEFT(d, 3))) was 1105 (LEFT inside a cast expression lost its own cast)
    and POW's text '1.0'; CONCAT(d, LENGTH(i)) of a DOUBLE column was 1305; ROUND(d, s) of a
    string s and MOD(x, REVERSE(0)) were 1105 (MySQL reads the string's integer, and a
    divisor that is '0' makes NULL). Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE cd (id INT, d DOUBLE, i INT, s VARCHAR(5))")
    m.execute("INSERT INTO cd VALUES (1, 2.5, 10, 'abc'), (2, 2.55, 7, ' 1x')")
    assert rows(m, "SELECT UPPER((POW(id, LEFT(d, 3)))), CONCAT(d, LENGTH(i)), CONCAT(POW(2, 3), SQRT(4)), "
                   "ROUND(d, s), MOD(SQRT(0.5), REVERSE(0)), 7 DIV REVERSE(0) FROM cd ORDER BY id") == [
        ("1", "2.52", "82", 2.0, None, None), ("5.656854249492381", "2.551", "82", 2.6, None, None)]
    # a string dividend is the number MySQL reads in it, a string past the DOUBLE's range its
    # largest value ('312E3235', HEX('1.25'), was a math domain error)
    assert rows(m, "SELECT MOD(HEX(CAST(1.25 AS CHAR)), CAST(-1 AS SIGNED)), MOD(HEX(17), 7), MOD(CONCAT('7'), 2)") == [
        (0.0, 4.0, 1.0)]


def test_statements_that_were_internal_errors(m):
    """``COUNT(DISTINCT v, x'41')`` was 1105 (the GROUP BY check wrote it in sqlglot's
    PostgreSQL dialect, which re-parses it and fails); ``DELETE b USING b JOIN a ...``
    without FROM was 1105 (an AttributeError): MySQL's grammar refuses it, 1064."""
    m.execute("CREATE TABLE g2 (v VARCHAR(5), g VARCHAR(5))")
    m.execute("INSERT INTO g2 VALUES ('a', 'b'), ('c', NULL)")
    assert rows(m, "SELECT COUNT(DISTINCT v, x'41'), COUNT(DISTINCT x'41', g) FROM g2") == [(2, 1)]
    m.execute("CREATE TABLE a3 (id INT PRIMARY KEY)")
    m.execute("CREATE TABLE b3 (id INT PRIMARY KEY, a_id INT)")
    assert errno(m, "DELETE b3 USING b3 JOIN a3 ON a3.id = b3.a_id") == 1064
    assert m.execute("DELETE FROM b3 USING b3 JOIN a3 ON a3.id = b3.a_id").affected_rows == 0


def test_a_string_divided_or_dividing_in_a_select_is_the_double_read_in_it(m):
    """``2.5 / 'abc'``, ``MOD(2, 'abc')`` and ``'abc' DIV 0.1e0`` failed a SELECT (1292
    "invalid input syntax"); MySQL reads the string's number (0, with a warning), and a
    division by it is NULL; ``'7' / 2`` was the DECIMAL 3.5000 (a string operand makes a
    DOUBLE: 3.5). Checked against MariaDB 10.11."""
    r = m.execute("SELECT 2.5e0 / 'abc', 2.5 / 'abc', MOD(2, 'abc'), 'abc' DIV 0.1e0, '7' / 2, 7 / '2', "
                  "MOD('7.5', 2)")
    assert r.rows == [(None, None, None, 0, 3.5, 3.5, 1.5)]
    assert [c.type_oid for c in r.columns][4:] == [701, 701, 701]
    # a string column or literal in arithmetic too (n - 'abc' and 1e2 / s were 1292); an
    # ENUM's number stays its index
    m.execute("CREATE TABLE sa (s VARCHAR(9), n DECIMAL(5, 2), e ENUM('x', 'y'))")
    m.execute("INSERT INTO sa VALUES ('abc', 1, 'y'), ('7', 2, 'x')")
    assert rows(m, "SELECT 1e2 / s, n - 'abc', s + 1, MOD(-1, s), '2.5' + n, e + 0 FROM sa ORDER BY n") == [
        (None, 1.0, 1.0, None, 3.5, 2), (100 / 7, 2.0, 8.0, -1.0, 4.5, 1)]


def test_a_truth_value_made_text_is_1_or_0(m):
    """``CONCAT('x', (7 < 8))``, ``CAST(1 = 1 AS CHAR)`` and ``CONCAT((1 OR 0), '')`` were
    'xtrue', 'true' and 'true' (the engine's text of a boolean); MySQL's truth values are the
    numbers 1 and 0, in text too. Checked against MariaDB 10.11."""
    r = m.execute("SELECT CONCAT('x', (7 < 8)), CAST((1 = 2) AS CHAR), CAST(1 = 1 AS CHAR), CONCAT((1 OR 0), ''), "
                  "CONCAT((NOT 1), 'a'), CONCAT((1 < 2)), CAST(NULL = 1 AS CHAR)")
    assert r.rows == [("x1", "0", "1", "1", "0a", "1", None)]
    assert {c.type_oid for c in r.columns} == {25}


def test_substring_counts_a_negative_position_from_the_end_and_time_functions(m):
    """SUBSTRING('Hello World', -5, 3) is 'Wor' (it was ''); TIMEDIFF gave
    '+0000-00-00 01:30:00.000' for '01:30:00'; TIMESTAMP() and ADDTIME were 1305."""
    assert rows(m, "SELECT SUBSTRING('Hello World', -5, 3), SUBSTR('Hello', 0, 2), SUBSTRING('Hello', -3), "
                   "SUBSTRING('Hello', -10), MID('Hello', 2, 2), SUBSTRING('Hello' FROM 2 FOR 2)") == [
        ("Wor", "", "llo", "", "el", "el")]
    assert rows(m, "SELECT TIMEDIFF('12:00:00', '10:30:00'), TIMEDIFF('10:00:00', '12:00:00'), "
                   "TIMEDIFF('2024-03-11 00:00:00', '2024-03-10 22:30:00'), TIMESTAMP('2024-03-10', '10:30:00'), "
                   "ADDTIME('2024-03-10 23:00:00', '02:00:00'), SUBTIME('10:00:00', '11:00:00')") == [
        ("01:30:00", "-02:00:00", "01:30:00", "2024-03-10 10:30:00", "2024-03-11 01:00:00", "-01:00:00")]


def test_compound_interval_units(m):
    """INTERVAL '1:30' HOUR_MINUTE and the other compound units were 1292."""
    assert rows(m, "SELECT DATE_ADD('2024-03-10', INTERVAL '1:30' HOUR_MINUTE), "
                   "DATE_SUB('2024-03-10 10:00:00', INTERVAL '1 2' DAY_HOUR), "
                   "'2024-03-10 00:00:00' + INTERVAL '1-2' YEAR_MONTH, "
                   "DATE_ADD('2024-03-10 10:00:00', INTERVAL '-1:30' HOUR_MINUTE), "
                   "DATE_ADD('2024-03-10 10:00:00', INTERVAL '1.5' SECOND_MICROSECOND), "
                   "DATE_ADD('2024-03-10', INTERVAL '1-2' YEAR_MONTH)") == [
        (dt.datetime(2024, 3, 10, 1, 30), dt.datetime(2024, 3, 9, 8, 0), dt.datetime(2025, 5, 10, 0, 0),
         dt.datetime(2024, 3, 10, 8, 30), dt.datetime(2024, 3, 10, 10, 0, 1, 500000), dt.date(2025, 5, 10))]


def test_select_star_after_alter_table_add_column(m):
    m.execute("CREATE TABLE tz (id INT PRIMARY KEY, v INT)")
    m.execute("INSERT INTO tz VALUES (1, 2)")
    assert rows(m, "SELECT * FROM tz") == [(1, 2)]
    m.execute("ALTER TABLE tz ADD COLUMN x INT")
    assert rows(m, "SELECT * FROM tz") == [(1, 2, None)]


def test_truncate_restarts_auto_increment(m):
    """As InnoDB's TRUNCATE does (ids went on from the old counter)."""
    m.execute("CREATE TABLE tr (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
    m.execute("INSERT INTO tr (v) VALUES (1), (2)")
    m.execute("TRUNCATE TABLE tr")
    assert m.execute("INSERT INTO tr (v) VALUES (3)").insert_id == 1
    assert rows(m, "SELECT id, v FROM tr") == [(1, 3)]


def test_alter_to_a_column_shorter_than_its_data_is_1265(m):
    m.execute("CREATE TABLE tm (id INT PRIMARY KEY, v VARCHAR(10))")
    m.execute("INSERT INTO tm VALUES (1, 'abc')")
    with pytest.raises(SqlError) as e:
        m.execute("ALTER TABLE tm MODIFY v VARCHAR(2)")
    assert (e.value.errno, e.value.message) == (1265, "Data truncated for column 'v' at row 1")
    assert rows(m, "SELECT v FROM tm") == [("abc",)]  # (the table as it was)
    assert errno(m, "INSERT INTO tm VALUES (2, 'abcdefghijkl')") == 1406


def test_a_column_named_twice_in_an_insert_is_1110(m):
    """``INSERT INTO t (id, id)`` stored one of the two values without a word; MySQL refuses
    it with 1110 and stores nothing (checked against MariaDB 10.11)."""
    m.execute("CREATE TABLE tw (id INT PRIMARY KEY, x INT)")
    assert errno(m, "INSERT INTO tw (id, id) VALUES (1, 2)") == 1110
    assert errno(m, "INSERT INTO tw (id, x, x) VALUES (1, 2, 3)") == 1110
    assert rows(m, "SELECT * FROM tw") == []


def test_an_interval_amount_that_is_an_expression(m):
    """INTERVAL 1+1 DAY added '1 DAY' (the amount lost: 2024-01-02), INTERVAL (1+1) DAY was
    1064 and d + INTERVAL n DAY of a column n 1292. Checked against MariaDB 10.11."""
    assert rows(m, "SELECT '2024-01-01' + INTERVAL 1+1 DAY, '2024-01-01' + INTERVAL (1+1) DAY,"
                   " '2024-01-03' - INTERVAL (1) DAY, '2024-01-01 10:00:00' + INTERVAL 2*3 HOUR") == [
        (dt.date(2024, 1, 3), dt.date(2024, 1, 3), dt.date(2024, 1, 2), dt.datetime(2024, 1, 1, 16, 0))]
    m.execute("CREATE TABLE ia (id INT PRIMARY KEY, n INT, d DATE)")
    m.execute("INSERT INTO ia VALUES (1, 2, '2024-01-01')")
    assert rows(m, "SELECT d + INTERVAL n DAY, d + INTERVAL n+1 DAY, d - INTERVAL -n MONTH, INTERVAL n*2 DAY + d"
                   " FROM ia") == [(dt.date(2024, 1, 3), dt.date(2024, 1, 4), dt.date(2024, 3, 1),
                                    dt.date(2024, 1, 5))]
    m.execute("UPDATE ia SET d = d + INTERVAL n+1 DAY")
    assert rows(m, "SELECT d FROM ia") == [(dt.date(2024, 1, 4),)]


def test_an_interval_before_a_date_string(m):
    """INTERVAL 1 DAY + '2024-01-05' was an interval's text ('2024 years 1 mon 1 day
    -00:00:05': the string read as a second interval); MySQL adds the interval to the date.
    Checked against MariaDB 10.11."""
    assert rows(m, "SELECT INTERVAL 1 DAY + '2024-01-05', INTERVAL 1 MONTH + '2024-01-31 10:00:00',"
                   " INTERVAL 2 HOUR + '2024-01-05'") == [
        (dt.date(2024, 1, 6), dt.datetime(2024, 2, 29, 10, 0), dt.datetime(2024, 1, 5, 2, 0))]


def test_date_arithmetic_on_date_arithmetic_keeps_the_date(m):
    """DATE_ADD('2024-01-05', INTERVAL 1 DAY) - INTERVAL 1 MONTH was the DATETIME 2023-12-06
    00:00:00 (MySQL: the DATE 2023-12-06), and DATE_ADD(s, ...) - INTERVAL 1 MONTH of a
    string column a timestamp with a time zone (MySQL: a string). Checked against MariaDB
    10.11."""
    assert rows(m, "SELECT DATE_ADD('2024-01-05', INTERVAL 1 DAY) - INTERVAL 1 MONTH,"
                   " DATE_SUB(DATE_ADD('2024-01-05', INTERVAL 1 DAY), INTERVAL 1 YEAR),"
                   " DATE_ADD('2024-01-05', INTERVAL 1 DAY) + INTERVAL 1 HOUR") == [
        (dt.date(2023, 12, 6), dt.date(2023, 1, 6), dt.datetime(2024, 1, 6, 1, 0))]
    m.execute("CREATE TABLE dd (id INT PRIMARY KEY, s VARCHAR(20))")
    m.execute("INSERT INTO dd VALUES (1, '2024-01-05'), (2, 'abc')")
    assert rows(m, "SELECT DATE_ADD(s, INTERVAL 1 DAY) - INTERVAL 1 MONTH, DATE_ADD(s, INTERVAL 1 DAY)"
                   " + INTERVAL 1 HOUR FROM dd ORDER BY id") == [
        ("2023-12-06", "2024-01-06 01:00:00"), (None, None)]


def test_round_of_a_double_rounds_half_to_even(m):
    """ROUND(2.5e0) was 3 and ROUND(0.125e0, 2) / ROUND(f, 2) of a DOUBLE column 0.13: MySQL
    rounds an approximate value half to even (its manual: C's rint(); 2, 0.12), an exact one
    half away from zero (ROUND(2.5) is 3). Checked against MariaDB 10.11."""
    assert rows(m, "SELECT ROUND(2.5e0), ROUND(-2.5e0), ROUND(0.125e0, 2), ROUND(25e0, -1), ROUND(2.5),"
                   " ROUND(-2.5), ROUND(0.125, 2)") == [(2.0, -2.0, 0.12, 20.0, 3, -3, Decimal("0.13"))]
    m.execute("CREATE TABLE rd (id INT PRIMARY KEY, f DOUBLE, c DECIMAL(5,3))")
    m.execute("INSERT INTO rd VALUES (1, 0.125, 0.125), (2, 2.5, 2.5)")
    assert rows(m, "SELECT ROUND(f), ROUND(f, 2), ROUND(c, 2) FROM rd ORDER BY id") == [
        (0.0, 0.12, Decimal("0.13")), (2.0, 2.5, Decimal("2.50"))]


def test_truncate_and_round_of_a_double_with_digits_are_mysqls(m):
    """TRUNCATE of a DOUBLE dropped its digits (TRUNCATE(0.1e0, 1) and TRUNCATE(d, 1) of a
    DOUBLE column were 0.0 and 2.0); ROUND(CAST(x AS DOUBLE), 2) rounded as a DECIMAL, and
    ROUND(123456789012345678e0, 1) lost digits in SQLite's round(). MySQL's my_double_round:
    x times 10^d rounded half to even or cut, divided back. Checked against MariaDB 10.11."""
    assert rows(m, "SELECT TRUNCATE(0.1e0, 1), TRUNCATE(2.55e0, 1), TRUNCATE(-2.55e0, 1), TRUNCATE(1234.5e0, -2), "
                   "TRUNCATE(2.55, 1), ROUND(CAST(0.125 AS DOUBLE), 2), ROUND(123456789012345678e0, 1), "
                   "ROUND(1e308, 2), ROUND(1250e0, -2)") == [
        (0.1, 2.5, -2.5, 1200.0, Decimal("2.5"), 0.12, 1.2345678901234568e17, 1e308, 1200.0)]
    m.execute("CREATE TABLE tr (d DOUBLE)")
    m.execute("INSERT INTO tr VALUES (2.55), (-0.125)")
    assert rows(m, "SELECT TRUNCATE(d, 1), TRUNCATE(d * 2, 1), ROUND(d, 2) FROM tr ORDER BY d") == [
        (-0.1, -0.2, -0.12), (2.5, 5.1, 2.55)]


def test_round_of_an_integer_ceil_of_a_string_and_choices_in_parentheses(m):
    """ROUND(i, 1) and TRUNCATE(i, 1) of an INT were DECIMALs ('3.0'; MySQL's is the integer
    3), CONCAT(ROUND(1)) was '1.0'; CEIL('2.5') was the text '3.0' (MySQL's DOUBLE 3);
    IFNULL((0 - 1e2), 'x') was the DOUBLE -100.0 (a choice of a number and a string is a
    string: '-100'). Checked against MariaDB 10.11."""
    m.execute("CREATE TABLE ri (i INT, s VARCHAR(5))")
    m.execute("INSERT INTO ri VALUES (3, '2.5')")
    r = m.execute("SELECT ROUND(i, 1), TRUNCATE(i, 1), ROUND(15, -1), TRUNCATE(17, -1), CONCAT(ROUND(1)), "
                  "CEIL('2.5'), FLOOR(s), IFNULL((0 - 1e2), 'x'), COALESCE((1 + 1), 'x') FROM ri")
    assert r.rows == [(3, 3, 20, 10, "1", 3.0, 2.0, "-100", "2")]
    assert [c.type_oid for c in r.columns][5:] == [701, 701, 25, 25]
    # ABS / SIGN of a string: of the DOUBLE read in it (ABS('abc') was the text '0.0',
    # SIGN('abc') NULL)
    r = m.execute("SELECT ABS('abc'), ABS('-7'), ABS(s), SIGN('abc'), SIGN('-2') FROM ri")
    assert r.rows == [(0.0, 7.0, 2.5, 0, -1)]
    # ROUND's digits from a string: its integer (ROUND(1, 'abc') was 1292), and ROUND(i, s)
    # of an INT column an integer
    assert rows(m, "SELECT ROUND(IF(1, 1, 0), 'abc'), ROUND(i, s), TRUNCATE(i, '1'), ROUND(2.55, '1') FROM ri") == [
        (1, 3, 3, Decimal("2.6"))]
    assert [c.type_oid for c in r.columns][:3] == [701, 701, 701]


def test_round_of_a_string_rounds_the_double_read_in_it(m):
    """ROUND('2.5') was the string '3.0' (the text rounded as a numeric): MySQL reads a
    string as a DOUBLE and rounds it half to even, 2. Checked against MariaDB 10.11."""
    assert rows(m, "SELECT ROUND('2.5'), ROUND('2.5', 0), ROUND('0.125', 2), ROUND(CONCAT('3', '.5'))") \
        == [(2.0, 2.0, 0.12, 4.0)]
    m.execute("CREATE TABLE rs (id INT PRIMARY KEY, s VARCHAR(10), n INT)")
    m.execute("INSERT INTO rs VALUES (1, '4.5', ROUND('2.5'))")
    assert rows(m, "SELECT ROUND(s), n FROM rs") == [(4.0, 2)]
    assert errno(m, "INSERT INTO rs VALUES (2, 'x', ROUND('2.5x'))") == 1292


def test_time_function_in_arithmetic_is_its_hhmmss_number(m):
    """TIME('22:11:00') + 0 was 22 (the text's leading number): MySQL's TIME in arithmetic is
    the number its digits spell, 221100, as a TIME column's is. Checked against MariaDB 10.11."""
    assert rows(m, "SELECT TIME('22:11:00') + 0, TIME('01:02:03') * 2") == [(221100, 20406)]
    m.execute("CREATE TABLE tf (id INT PRIMARY KEY, s VARCHAR(20))")
    m.execute("INSERT INTO tf VALUES (1, '10:20:30')")
    assert rows(m, "SELECT TIME(s) + 0 FROM tf") == [(102030,)]
def test_malformed_statements_are_syntax_errors_not_internal_ones(m):
    """Statements a fuzzer made by mutating this file's own: each reached the client as 1105
    "Unknown error: AttributeError / ValueError / ParseError ..." or an internal StopIteration
    (the parser or a rule tripped over them); MySQL answers them with a syntax error."""
    m.execute("CREATE TABLE fz (id INT PRIMARY KEY, d DATE, n INT)")
    for sql in [
        "UPDATE fz SET d = DATE_ADD ( CONCAT '2024-01-0' , id ) , INTERVAL 1 MONTH )",
        "SELECT CAST('1.5x' AS DECIMAL(5, '2024-02-30'))",
        "ALTER TABLE fz ADD INDEX ((fz n * 2))",
        "SHOW FULL TABLES LIKE",
        "SHOW TABLES LIKE fz",
        "DELETE fz b , FROM fz JOIN fz AS b ON b.id = fz.id WHERE b.id = 4",
        "INSERT INTO fz (id, n) VALUES (1, 5) ON DUPLICATE KEY UPDATE n = n + VALUES ( )",
        "SELECT MONTH()",
        "ALTER TABLE fz ADD CONSTRAINT c1 c2 FOREIGN KEY (n) REFERENCES fz (id)",
        "SELECT COUNT() FROM fz",
        "UPDATE fz SET n = 1 ORDER BY id LIMIT @v",
        "SELECT id FROM fz LIMIT NULL",
        "SELECT id FROM fz LIMIT 1 OFFSET @v",
        "SELECT column_name FROM @v . columns",
        "SELECT INTERVAL 1 DAY ( )",
        "INSERT INTO fz (id, n) VALUES (1, 5) ON DUPLICATE KEY UPDATE n , n + VALUES(n)",
        "UPDATE fz WHERE n = 1 SET id = 5",
        "UPDATE fz UPDATE SET n = 1",
        "UPDATE fz ORDER BY id SET n = 1",
        "CREATE TABLE fz2 (a VARCHAR(5, 2))",
        "CREATE TABLE fz2 (a BINARY(@v))",
        "ALTER TABLE fz ADD COLUMN c VARCHAR(3, 1)",
        "ALTER TABLE fz ADD CONSTRAINT f3 FOREIGN KEY (n) REFERENCES fz CONCAT('a', 1) id )",
        "ALTER TABLE fz ADD CONSTRAINT f4 FOREIGN KEY (n) REFERENCES fz (id) garbage",
        "CREATE TABLE fz4 (a INT, FOREIGN KEY (a) REFERENCES fz CONCAT('a', 1) id ))",
        "SELECT EXTRACT(DATE FROM '2024-01-01 10:11:12')",
    ]:
        assert errno(m, sql) == 1064, sql
    # a length written as a decimal is MySQL's grammar's, read as its whole part (VARBINARY(1.5)
    # went into the catalog as written and information_schema.COLUMNS then failed on it)
    m.execute("CREATE TABLE fz3 (a VARBINARY(1.5))")
    assert rows(m, "SELECT CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS"
                   " WHERE TABLE_NAME = 'fz3'") == [(1,)]
    # the engine's own wording of an ambiguous name was 1105; MySQL's is 1052
    assert errno(m, "SELECT id FROM fz, fz AS b") == 1052
    with pytest.raises(SqlError) as e:
        m.execute("INSERT INTO fz (id, n) VALUES (1, 1 1, (2, )), (3 AS, 7)")
    assert e.value.errno != 1105 and "internal" not in e.value.message
