"""Enum types: ``CREATE TYPE name AS ENUM (...)``, ``ALTER TYPE name ADD VALUE``, DROP TYPE.

An enum is kept as an empty view ``_aurora_enum_<name>`` whose one row holds its labels in
order (JSON), as composite types and domains are kept. A column of an enum type is text
with two additions:

- ``CHECK (pg_enum_check('name', col))``, which refuses a label the type lacks with
  PostgreSQL's 22P02 ``invalid input value for enum name: "x"``;
- ``COLLATE "_aurora_enum_<name>"``, a collation that orders labels as the type declares
  them, so ORDER BY, ``<``, ``>``, min / max and indexes follow the declaration.

A cast to an enum (``'a'::mood``) is checked the same way and carries the collation.
``ADD VALUE`` only ever puts a label before, between or after others: the relative order of
the labels already stored never changes, so an index built under the old order stays valid.
The session's :class:`~aurora.engine.sql.catalog.Catalog` holds every enum's order; the
check reads a type again when it meets a label its copy lacks (another session added it).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.catalog import Catalog
    from aurora.engine.sql.session import Session

PREFIX = "_aurora_enum_"
_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_LABEL = r"'((?:[^']|'')*)'"
CREATE = re.compile(rf"\s*create\s+type\s+{_NAME}\s+as\s+enum\s*\((.*)\)\s*;?\s*$", re.I | re.S)
_ALTER = re.compile(
    rf"\s*alter\s+type\s+{_NAME}\s+add\s+value\s+(if\s+not\s+exists\s+)?{_LABEL}"
    rf"(?:\s+(before|after)\s+{_LABEL})?\s*;?\s*$", re.I | re.S)


def _ident(raw: str) -> str:
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


def labels(conn: apsw.Connection, name: str) -> list[str] | None:
    """The labels of enum ``name`` in order, or None when there is no such enum."""
    view = PREFIX + name
    if not conn.execute("SELECT 1 FROM main.sqlite_schema WHERE type='view' AND name=?",
                        (view,)).fetchall():
        return None
    return json.loads(conn.execute(f'SELECT def FROM main."{view}"').fetchall()[0][0])


def load_all(conn: apsw.Connection) -> dict[str, list[str]]:
    """Every enum of the database, by name."""
    out = {}
    for (view,) in conn.execute("SELECT name FROM main.sqlite_schema WHERE type='view' AND "
                                "name LIKE '\\_aurora\\_enum\\_%' ESCAPE '\\'").fetchall():
        out[view[len(PREFIX):]] = json.loads(
            conn.execute(f'SELECT def FROM main."{view}"').fetchall()[0][0])
    return out


def _store(conn: apsw.Connection, name: str, values: list[str]) -> None:
    text = json.dumps(values).replace("'", "''")
    conn.execute(f'CREATE VIEW main."{PREFIX}{name}" AS SELECT \'{text}\' AS def')


def create(s: Session, sql: str) -> StatementResult:
    from aurora.engine.sql import composite, types

    m = CREATE.match(sql)
    if m is None:
        raise SqlError("42601", "syntax error in CREATE TYPE ... AS ENUM")
    name = _ident(m.group(1))
    if (labels(s.conn, name) is not None or composite.columns(s.conn, name) is not None
            or composite.domain(s.conn, name) is not None or name in types.ALIASES):
        raise SqlError("42710", f'type "{name}" already exists')
    body = m.group(2).strip()
    values = [v.replace("''", "'") for v in re.findall(_LABEL, body)]
    if re.sub(rf"{_LABEL}|,|\s", "", body):
        raise SqlError("42601", f"syntax error in the labels of enum {name}")
    for v in values:
        if len(v.encode()) > 63:
            raise SqlError("22023", f'invalid enum label "{v}"',
                           detail="Labels must be 63 bytes or less.")
        if values.count(v) > 1:
            raise SqlError("42710", f'enum label "{v}" used more than once')
    _store(s.conn, name, values)
    return StatementResult("CREATE TYPE")


def alter(s: Session, sql: str) -> StatementResult:
    """ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'x' [BEFORE | AFTER 'y']."""
    m = _ALTER.match(sql)
    if m is None:
        raise SqlError("0A000", "only ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'label' "
                                "[BEFORE | AFTER 'label'] is supported")
    name = _ident(m.group(1))
    values = labels(s.conn, name)
    if values is None:
        raise SqlError("42704", f'type "{name}" does not exist')
    new = m.group(3).replace("''", "'")
    if new in values:
        if m.group(2):
            s.notice(SqlError("42710", f'enum label "{new}" already exists, skipping'))
            return StatementResult("ALTER TYPE")
        raise SqlError("42710", f'enum label "{new}" already exists')
    if len(new.encode()) > 63:
        raise SqlError("22023", f'invalid enum label "{new}"', detail="Labels must be 63 bytes or less.")
    where = len(values)
    if m.group(4):
        near = m.group(5).replace("''", "'")
        if near not in values:
            raise SqlError("22023", f'"{near}" is not an existing enum label')
        where = values.index(near) + (m.group(4).lower() == "after")
    values.insert(where, new)
    s.conn.execute(f'DROP VIEW main."{PREFIX}{name}"')
    _store(s.conn, name, values)
    return StatementResult("ALTER TYPE")


def drop(conn: apsw.Connection, name: str, cascade: bool) -> None:
    """DROP TYPE of an enum: refused while a column is of it (2BP01; with CASCADE, which
    would drop those columns, 0A000)."""
    users = conn.execute(
        "SELECT name FROM main.sqlite_schema WHERE type='table' AND sql LIKE ?",
        (f"%pg_enum_check('{name}'%",)).fetchall()
    if users and cascade:
        raise SqlError("0A000", f"DROP TYPE {name} CASCADE, which would drop the columns of "
                                f"table {users[0][0]} of that type, is not supported")
    if users:
        raise SqlError("2BP01", f"cannot drop type {name} because other objects depend on it",
                       detail=f"column of table {users[0][0]} depends on type {name}",
                       hint="Use ALTER TABLE to drop or change the column first.")
    conn.execute(f'DROP VIEW main."{PREFIX}{name}"')


def column(col: exp.ColumnDef, name: str) -> exp.DataType:
    """A table column of enum ``name``: text, checked, ordered as the type declares."""
    quoted = exp.column(col.name, quoted=True)
    check = exp.Anonymous(this="pg_enum_check", expressions=[exp.Literal.string(name), quoted])
    col.append("constraints", exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=check)))
    col.append("constraints", exp.ColumnConstraint(
        kind=exp.CollateColumnConstraint(this=exp.to_identifier(PREFIX + name, quoted=True))))
    return exp.DataType.build("text")


def cast(name: str, value: exp.Expression) -> exp.Expression:
    """``value::name``: the label, checked, carrying the type's order."""
    checked = exp.Anonymous(this="pg_enum_in", expressions=[exp.Literal.string(name), value])
    return exp.Collate(this=checked, expression=exp.to_identifier(PREFIX + name, quoted=True))


def enum_call(name: str, call: str, values: list[str]) -> exp.Expression:
    """enum_first / enum_last / enum_range of a NULL of the type."""
    if call == "enum_first":
        return cast(name, exp.Literal.string(values[0])) if values else exp.Null()
    if call == "enum_last":
        return cast(name, exp.Literal.string(values[-1])) if values else exp.Null()
    body = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return exp.Cast(this=exp.Literal.string("{" + body + "}"), to=exp.DataType.build("text[]"))


def register(conn: apsw.Connection, catalog: Catalog) -> None:
    """The check and cast functions and the per-type collations of one connection."""

    def order(name: str, label: str) -> dict[str, int]:
        known = catalog.enum_order.get(name)
        if known is None or label not in known:
            values = labels(conn, name)  # another session may have added it
            if values is not None:
                catalog.enums[name] = values
                catalog.enum_order[name] = known = {v: i for i, v in enumerate(values)}
        if known is None:
            raise SqlError("42704", f'type "{name}" does not exist')
        return known

    def check(name: str, value: object) -> object:
        if value is None:
            return value
        if not isinstance(value, str) or value not in order(name, value):
            raise SqlError("22P02", f'invalid input value for enum {name}: "{value}"')
        return value

    def valid(name: str, value: object) -> bool:
        check(name, value)
        return True

    conn.create_scalar_function("pg_enum_in", check, 2, deterministic=True)
    conn.create_scalar_function("pg_enum_check", valid, 2, deterministic=True)

    def needed(_conn: apsw.Connection, collation: str) -> None:
        if not collation.startswith(PREFIX):
            return
        name = collation[len(PREFIX):]

        def compare(a: str, b: str) -> int:
            # labels this copy does not know (yet) sort after the known ones, by text
            known = catalog.enum_order.get(name, {})
            ka = (0, known[a], "") if a in known else (1, 0, a)
            kb = (0, known[b], "") if b in known else (1, 0, b)
            return (ka > kb) - (ka < kb)

        conn.create_collation(collation, compare)

    conn.collation_needed(needed)
