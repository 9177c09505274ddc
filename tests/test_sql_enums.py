"""Enum types: CREATE TYPE ... AS ENUM, columns and casts checked and ordered as declared,
ALTER TYPE ... ADD VALUE (also seen by another session), DROP TYPE, pg_type / pg_enum."""

from __future__ import annotations

from pathlib import Path

import apsw
import pytest

from aurora.engine.sql import Session
from aurora.engine.sqlapi import SqlError


def rows(s: Session, sql: str, *params: object) -> list[tuple]:
    return s.execute(sql, params).rows


def sqlstate(s: Session, sql: str, *params: object) -> str:
    with pytest.raises(SqlError) as e:
        s.execute(sql, params)
    return e.value.sqlstate


def test_labels_are_checked_and_ordered_as_declared(s: Session) -> None:
    s.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    assert sqlstate(s, "CREATE TYPE mood AS ENUM ('x')") == "42710"
    assert sqlstate(s, "CREATE TYPE twice AS ENUM ('a', 'a')") == "42710"
    s.execute("CREATE TABLE p (name text, m mood)")
    s.execute("INSERT INTO p VALUES ('a', 'happy'), ('b', 'sad'), ('c', 'ok'), ('d', NULL)")
    with pytest.raises(SqlError) as e:
        s.execute("INSERT INTO p VALUES ('e', 'angry')")
    assert e.value.sqlstate == "22P02" and str(e.value) == 'invalid input value for enum mood: "angry"'
    assert sqlstate(s, "UPDATE p SET m = 'glad' WHERE name = 'a'") == "22P02"
    assert sqlstate(s, "INSERT INTO p VALUES ($1, $2)", "e", "hap") == "22P02"
    # declaration order, not alphabetical: ORDER BY, comparisons, min / max, an index
    assert rows(s, "SELECT name FROM p ORDER BY m, name") == [("b",), ("c",), ("a",), ("d",)]
    assert rows(s, "SELECT name FROM p WHERE m > 'sad' ORDER BY name") == [("a",), ("c",)]
    assert rows(s, "SELECT max(m), min(m) FROM p") == [("happy", "sad")]
    s.execute("CREATE INDEX p_m ON p (m)")
    assert rows(s, "SELECT name FROM p WHERE m >= 'ok' ORDER BY m") == [("c",), ("a",)]
    assert rows(s, "SELECT 'ok'::mood < 'happy'::mood, 'ok' < 'happy'") == [(True, False)]
    assert sqlstate(s, "SELECT 'nope'::mood") == "22P02"
    assert rows(s, "SELECT $1::mood", "ok") == [("ok",)]
    assert rows(s, "SELECT enum_range(NULL::mood), enum_first(NULL::mood), "
                   "enum_last(NULL::mood)") == [(["sad", "ok", "happy"], "sad", "happy")]


def test_add_value_keeps_the_order_of_what_is_stored(s: Session) -> None:
    s.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    s.execute("CREATE TABLE p (name text, m mood)")
    s.execute("CREATE INDEX p_m ON p (m)")
    s.execute("INSERT INTO p VALUES ('a', 'happy'), ('b', 'sad'), ('c', 'ok')")
    s.execute("ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'")
    s.execute("ALTER TYPE mood ADD VALUE 'ecstatic'")
    s.execute("ALTER TYPE mood ADD VALUE 'blue' AFTER 'sad'")
    s.execute("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok'")
    assert sqlstate(s, "ALTER TYPE mood ADD VALUE 'ok'") == "42710"
    assert sqlstate(s, "ALTER TYPE mood ADD VALUE 'x' BEFORE 'nope'") == "22023"
    assert sqlstate(s, "ALTER TYPE nosuch ADD VALUE 'x'") == "42704"
    s.execute("INSERT INTO p VALUES ('d', 'meh'), ('e', 'ecstatic'), ('f', 'blue')")
    assert rows(s, "SELECT m FROM p ORDER BY m") == [
        ("sad",), ("blue",), ("meh",), ("ok",), ("happy",), ("ecstatic",)]
    assert rows(s, "SELECT name FROM p WHERE m BETWEEN 'blue' AND 'ok' ORDER BY m") == [
        ("f",), ("d",), ("c",)]
    assert rows(s, "SELECT e.enumlabel, e.enumsortorder FROM pg_enum e JOIN pg_type t "
                   "ON t.oid = e.enumtypid WHERE t.typname = 'mood' AND t.typtype = 'e' "
                   "ORDER BY e.enumsortorder") == [
        ("sad", 1.0), ("blue", 2.0), ("meh", 3.0), ("ok", 4.0), ("happy", 5.0), ("ecstatic", 6.0)]


def test_a_value_added_by_another_session(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite")
    a, b = Session(apsw.Connection(path)), Session(apsw.Connection(path))
    a.execute("CREATE TYPE color AS ENUM ('red', 'green')")
    a.execute("CREATE TABLE c (x color)")
    b.execute("INSERT INTO c VALUES ('green')")
    a.execute("ALTER TYPE color ADD VALUE 'blue' BEFORE 'red'")
    b.execute("INSERT INTO c VALUES ('blue')")
    assert rows(b, "SELECT x FROM c ORDER BY x") == [("blue",), ("green",)]
    assert rows(a, "SELECT x FROM c ORDER BY x") == [("blue",), ("green",)]


def test_drop_type(s: Session) -> None:
    s.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
    s.execute("CREATE TABLE p (m mood)")
    assert sqlstate(s, "DROP TYPE mood") == "2BP01"
    assert sqlstate(s, "DROP TYPE mood CASCADE") == "0A000"
    s.execute("DROP TABLE p")
    s.execute("DROP TYPE mood")
    assert sqlstate(s, "SELECT 'ok'::mood") == "42704"
    assert sqlstate(s, "CREATE TABLE q (m mood)") == "42704"
    s.execute("DROP TYPE IF EXISTS mood")
    assert sqlstate(s, "DROP TYPE mood") == "42704"


def test_what_would_leave_a_column_unchecked_is_refused(s: Session) -> None:
    s.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
    s.execute("CREATE DOMAIN posint AS int CHECK (VALUE > 0)")
    s.execute("CREATE TABLE p (a int, t text)")
    # ADD COLUMN of an enum is a checked column; ALTER COLUMN ... TYPE would keep no check
    # (it made a domain's column plain text that took -5), nor an array of one
    s.execute("ALTER TABLE p ADD COLUMN m mood")
    assert sqlstate(s, "INSERT INTO p (m) VALUES ('x')") == "22P02"
    assert sqlstate(s, "ALTER TABLE p ALTER COLUMN t TYPE mood USING t::mood") == "0A000"
    assert sqlstate(s, "ALTER TABLE p ALTER COLUMN a TYPE posint") == "0A000"
    assert sqlstate(s, "ALTER TABLE p ALTER COLUMN a TYPE nosuch") == "42704"
    assert sqlstate(s, "CREATE TABLE q (m mood[])") == "0A000"
    s.execute("ALTER TABLE p ALTER COLUMN a TYPE bigint")
