"""Named schemas: CREATE SCHEMA / DROP SCHEMA, and relations qualified with a schema.

SQLite has one namespace per database file. A relation of ``public`` keeps its bare name; a
relation of a named schema ``x`` is the SQLite object named ``x.t`` (one quoted name with a
dot), so ``x.t`` and ``public.t`` are different tables, and the catalogs show ``t`` in
namespace ``x``. Statements name relations as PostgreSQL does; :func:`qualify_tables`
rewrites a parsed statement's ``x.t`` into that stored name before anything else reads it,
and :func:`stored_name` does the same for names the engine reads from text (DROP, TRUNCATE,
COPY, regclass, nextval). An unqualified name means ``public`` (``search_path`` is not
applied). Each schema is an empty view ``_aurora_schema_<name>``: creating it moves SQLite's
schema cookie, so every session and every reader instance refreshes its pg_namespace the way
it does after CREATE TABLE.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from aurora.engine.sql.catalog import rel_oid
from aurora.engine.sql.temp import is_temp_schema
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from collections.abc import Iterable

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


def ident(raw: str) -> str:
    """A name as written (quoted: as is; unquoted: folded to lower case)."""
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


_PART = re.compile(r'"((?:[^"]|"")*)"|([^."\s]+)')


def split_qualified(text: str) -> tuple[str | None, str]:
    """``x.t``, ``"X"."T"``, ``t`` -> (schema or None, name), unquoted parts folded to lower
    case as PostgreSQL folds them."""
    parts = [
        m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2).lower()
        for m in _PART.finditer(text.strip())
    ]
    if not parts:
        return None, text
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def stored(schema: str | None, name: str) -> str:
    """The SQLite name of relation ``name`` of ``schema``."""
    if schema is None or schema.lower() in BUILT_IN or is_temp_schema(schema):
        return name
    return f"{schema}.{name}"


def stored_name(conn: apsw.Connection, text: str) -> str:
    """The SQLite name of a relation written as SQL text (3F000 for an unknown schema)."""
    schema, name = split_qualified(text)
    if schema is not None and schema.lower() not in BUILT_IN and not is_temp_schema(schema) \
            and not exists(conn, schema):
        raise SqlError("3F000", f'schema "{schema}" does not exist')
    return stored(schema, name)


def split_stored(name: str, named: Iterable[str]) -> tuple[str, str]:
    """(schema, relation name) of a SQLite object name, given the named schemas."""
    head, dot, rest = name.partition(".")
    if dot and head in named:
        return head, rest
    return "public", name


def qualify_tables(tree: exp.Expression, conn: apsw.Connection) -> None:
    """Rewrite every table qualified with a named schema into its stored name."""
    for table in list(tree.find_all(exp.Table)):
        db = table.args.get("db")
        if not isinstance(db, exp.Identifier) or not isinstance(table.this, exp.Identifier):
            continue
        schema = db.this if db.quoted else db.this.lower()
        if schema.lower() in BUILT_IN or is_temp_schema(schema):
            continue
        if not exists(conn, schema):
            raise SqlError("3F000", f'schema "{schema}" does not exist')
        name = table.this.this if table.this.quoted else table.this.this.lower()
        table.set("this", exp.to_identifier(stored(schema, name), quoted=True))
        table.set("db", None)
    for column in list(tree.find_all(exp.Column)):  # x.t.col
        db = column.args.get("db")
        if isinstance(db, exp.Identifier) and db.this.lower() not in BUILT_IN \
                and not is_temp_schema(db.this):
            schema = db.this if db.quoted else db.this.lower()
            name = column.table if column.args["table"].quoted else column.table.lower()
            column.set("table", exp.to_identifier(stored(schema, name), quoted=True))
            column.set("db", None)


def relations(conn: apsw.Connection, schema: str) -> list[tuple[str, str]]:
    """(kind, SQLite name) of the tables, views and sequences of a named schema."""
    pattern = schema.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + ".%"
    out = [
        (kind, name)
        for kind, name in conn.execute(
            "SELECT type, name FROM main.sqlite_schema WHERE type IN ('table', 'view') "
            "AND name LIKE ? ESCAPE '\\' ORDER BY rowid",
            (pattern,),
        )
    ]
    try:
        out += [
            ("sequence", name)
            for (name,) in conn.execute(
                "SELECT name FROM main._aurora_sequences WHERE name LIKE ? ESCAPE '\\' "
                "AND owned_by IS NULL",
                (pattern.lower(),),
            )
        ]
    except apsw.SQLError:
        pass
    return out


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
    name = ident(raw)
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
    create_view(s.conn, name)
    return StatementResult("CREATE SCHEMA")


def create_view(conn: apsw.Connection, name: str) -> None:
    """Record schema ``name`` (see the module's docstring); DROP VIEW undoes it."""
    conn.execute(f'CREATE VIEW main."{PREFIX}{name.replace(chr(34), chr(34) * 2)}" AS SELECT 1')


def drop(s: Session, sql: str) -> StatementResult:
    m = _DROP.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in DROP SCHEMA")
    targets = [ident(x.strip()) for x in re.findall(_NAME, m.group(2))]
    known = names(s.conn)
    for name in targets:
        if name.lower() in BUILT_IN:
            raise SqlError(
                "0A000", f"DROP SCHEMA {name} is not supported (it holds every relation)"
            )
        if name not in known and not m.group(1):
            raise SqlError("3F000", f'schema "{name}" does not exist')
        from aurora.engine.sql import extensions  # it reads schemas through this module

        owner = extensions.owned_schema(s.conn, name)
        if owner is not None:
            raise SqlError("2BP01", f"cannot drop schema {name} because extension {owner} requires it",
                           hint=f"You can drop extension {owner} instead.")
    cascade = bool(m.group(3)) and "cascade" in m.group(3).lower()
    from aurora.engine.sql import ddl  # ddl reads names through this module

    with s.atomic():
        for name in targets:
            if name not in known:
                continue
            held = relations(s.conn, name)
            if held and not cascade:
                kind, first = held[0]
                raise SqlError(
                    "2BP01",
                    f"cannot drop schema {name} because other objects depend on it",
                    detail=f"{kind} {first} depends on schema {name}",
                    hint="Use DROP ... CASCADE to drop the dependent objects too.",
                )
            for kind, rel in held:
                quoted = '"' + rel.replace('"', '""') + '"'
                ddl.drop(s, f"DROP {kind.upper()} IF EXISTS {quoted} CASCADE")
            q = name.replace('"', '""')
            s.conn.execute(f'DROP VIEW main."{PREFIX}{q}"')
    return StatementResult("DROP SCHEMA")
