"""Composite types: CREATE TYPE name AS (column type, ...) and DROP TYPE.

A composite type is a catalog object that functions shape records with (json_populate_record,
``NULL::name``). Each is an empty view ``_aurora_type_<name>`` whose one value is the JSON
list of its columns, ``[[name, type as written, oid, typmod], ...]``: creating it moves
SQLite's schema cookie, so every session and reader instance sees it as after CREATE TABLE.
A column of a domain or of another composite type is refused (0A000); an unknown type name
is 42704, as in PostgreSQL.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import apsw

from aurora.engine.sql import types
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

PREFIX = "_aurora_type_"
_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_CREATE = re.compile(rf"\s*create\s+type\s+{_NAME}\s+as\s*\((.*)\)\s*;?\s*$", re.I | re.S)
_DROP = re.compile(r"\s*drop\s+type\s+(if\s+exists\s+)?(.+?)(\s+(?:cascade|restrict))?\s*;?\s*$",
                   re.I | re.S)
_KNOWN_PREFIXES = ("timestamp", "time", "character", "double", "varchar", "bit", "interval")

Column = tuple[str, str, int, int]  # name, type as written, oid, typmod


def _ident(raw: str) -> str:
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


def _split(text: str) -> list[str]:
    """Column definitions separated by commas outside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def type_ref(conn: apsw.Connection, text: str) -> tuple[int, int]:
    """(oid, typmod) of a column's type as written; 42704 for a name no type has."""
    t = " ".join(text.lower().split())
    array = "[]" in t or t.startswith("_")
    base = re.sub(r"\[\s*\d*\s*\]", "", t).strip().lstrip("_")
    name = re.sub(r"\s*\(.*\)", "", base).strip('"')
    known = name in types.ALIASES or name.startswith(_KNOWN_PREFIXES)
    if not known:
        if columns(conn, name) is not None:
            raise SqlError("0A000", f'a column of composite type "{name}" is not supported')
        raise SqlError("42704", f'type "{name}" does not exist')
    oid = types.oid_of(base + ("[]" if array else ""))
    return oid, types.typmod_of(base, oid) if not array else -1


def columns(conn: apsw.Connection, name: str) -> list[Column] | None:
    """The columns of composite type ``name`` (None when there is no such type)."""
    view = PREFIX + name.lower()
    rows = conn.execute(
        "SELECT 1 FROM main.sqlite_schema WHERE type='view' AND name=?", (view,)
    ).fetchall()
    if not rows:
        return None
    (text,) = conn.execute(f'SELECT def FROM main."{view}"').fetchall()[0]
    return [tuple(c) for c in json.loads(text)]  # type: ignore[misc]


def create(s: Session, sql: str) -> StatementResult:
    m = _CREATE.match(sql)
    if m is None:
        raise SqlError("0A000", "only CREATE TYPE name AS (column type, ...) is supported")
    name = _ident(m.group(1))
    if columns(s.conn, name) is not None or name in types.ALIASES:
        raise SqlError("42710", f'type "{name}" already exists')
    cols: list[Column] = []
    for item in _split(m.group(2)):
        cm = re.match(rf"{_NAME}\s+(.+)$", item, re.S)
        if cm is None:
            raise SqlError("42601", f'syntax error at or near "{item}"')
        oid, typmod = type_ref(s.conn, cm.group(2))
        cols.append((_ident(cm.group(1)), " ".join(cm.group(2).split()), oid, typmod))
    text = json.dumps(cols).replace("'", "''")
    s.conn.execute(f'CREATE VIEW main."{PREFIX}{name}" AS SELECT \'{text}\' AS def')
    return StatementResult("CREATE TYPE")


def drop(s: Session, sql: str) -> StatementResult:
    m = _DROP.match(sql)
    if m is None:
        raise SqlError("42601", "syntax error in DROP TYPE")
    for raw in _split(m.group(2)):
        name = _ident(raw.strip())
        if columns(s.conn, name) is None:
            if m.group(1):
                continue
            raise SqlError("42704", f'type "{name}" does not exist')
        s.conn.execute(f'DROP VIEW main."{PREFIX}{name}"')
    return StatementResult("DROP TYPE")
