"""Named schemas: CREATE SCHEMA / DROP SCHEMA recorded in the database file, listed in
pg_namespace and information_schema.schemata, and empty.

Every relation lives in SQLite's one namespace, shown as ``public``. A named schema is a
catalog entry only, which is what migration tools and test set-ups need
(``CREATE SCHEMA IF NOT EXISTS x``, ``DROP SCHEMA x CASCADE``); a relation qualified with a
named schema is refused (0A000 to create one, 42P01 to read one). Each schema is an empty
view ``_aurora_schema_<name>``: creating it moves SQLite's schema cookie, so every session
and every reader instance refreshes its pg_namespace the way it does after CREATE TABLE.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import apsw

from aurora.engine.sql.catalog import rel_oid
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

PREFIX = "_aurora_schema_"
BUILT_IN = ("public", "pg_catalog", "information_schema", "pg_toast")
_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_CREATE = re.compile(
    rf"\s*create\s+schema\s+(if\s+not\s+exists\s+)?(?:{_NAME})?"
    rf"(?:\s+authorization\s+{_NAME})?\s*;?\s*$",
    re.I | re.S,
)
_DROP = re.compile(
    r"\s*drop\s+schema\s+(if\s+exists\s+)?(.+?)(\s+(?:cascade|restrict))?\s*;?\s*$", re.I | re.S
)


def _ident(raw: str) -> str:
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


def names(conn: apsw.Connection) -> list[str]:
    """The named schemas of the database, in creation order."""
    rows = conn.execute(
        "SELECT substr(name, ?) FROM main.sqlite_schema WHERE type='view' AND name LIKE ? "
        "ESCAPE '\\' ORDER BY rowid",
        (len(PREFIX) + 1, PREFIX.replace("_", "\\_") + "%"),
    ).fetchall()
    return [r[0] for r in rows]


def exists(conn: apsw.Connection, name: str) -> bool:
    return name.lower() in BUILT_IN or name in names(conn)


def namespace_oid(name: str) -> int:
    return rel_oid(PREFIX + name)


def create(s: Session, sql: str) -> StatementResult:
    m = _CREATE.match(sql)
    if not m:
        raise SqlError("0A000", "CREATE SCHEMA with schema elements is not supported")
    raw = m.group(2) or m.group(3)
    if raw is None:
        raise SqlError("42601", "syntax error at end of input")
    name = _ident(raw)
    if exists(s.conn, name):
        if m.group(1):
            return StatementResult("CREATE SCHEMA")
        raise SqlError("42P06", f'schema "{name}" already exists')
    if name.lower().startswith("pg_"):
        raise SqlError(
            "42939",
            f'unacceptable schema name "{name}"',
            detail='The prefix "pg_" is reserved for system schemas.',
        )
    s.conn.execute(f'CREATE VIEW main."{PREFIX}{name.replace(chr(34), chr(34) * 2)}" AS SELECT 1')
    return StatementResult("CREATE SCHEMA")


def drop(s: Session, sql: str) -> StatementResult:
    m = _DROP.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in DROP SCHEMA")
    targets = [_ident(x.strip()) for x in re.findall(_NAME, m.group(2))]
    known = names(s.conn)
    for name in targets:
        if name.lower() in BUILT_IN:
            raise SqlError(
                "0A000", f"DROP SCHEMA {name} is not supported (it holds every relation)"
            )
        if name not in known and not m.group(1):
            raise SqlError("3F000", f'schema "{name}" does not exist')
    with s.atomic():
        for name in targets:
            if name in known:
                q = name.replace('"', '""')
                s.conn.execute(f'DROP VIEW main."{PREFIX}{q}"')
    return StatementResult("DROP SCHEMA")


def refuse_relation(conn: apsw.Connection, schema: str) -> None:
    """CREATE of a relation qualified with a schema other than public: always an error."""
    if exists(conn, schema):
        raise SqlError(
            "0A000",
            f'relations in schema "{schema}" are not supported: every relation lives in public',
        )
    raise SqlError("3F000", f'schema "{schema}" does not exist')
