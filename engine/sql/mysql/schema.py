"""MySQL DDL statements: databases, tables, indexes, views, renames, on the wrapped session.

Each statement becomes PostgreSQL DDL for the session of the current database (see
:mod:`.ddl` for tables) and keeps the MySQL side catalog in step. Returns the number of
warnings (a note for ``IF [NOT] EXISTS`` that found nothing to do), as MySQL counts them.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

import apsw

from aurora.engine.sql import fkeys
from aurora.engine.sql.mysql import catalog, ddl, lexer
from aurora.engine.sql.mysql.errors import err, syntax
from aurora.engine.sqlapi import SqlError

if TYPE_CHECKING:
    from aurora.engine.sql.mysql.session import MySqlSession


def _pq(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def run_ddl(s: MySqlSession, sql: str) -> tuple[int, int | None]:
    """Run one DDL statement: its warnings and, for CREATE TABLE ... SELECT, the rows it
    wrote (None for any other)."""
    got = _run_ddl(s, sql)
    return got if isinstance(got, tuple) else (got, None)


def _run_ddl(s: MySqlSession, sql: str) -> int | tuple[int, int | None]:
    text = lexer.strip_comments(sql)
    low = " ".join(text.lower().split())
    if re.match(r"(create|drop) (database|schema)\b", low):
        return _database(s, text)
    if s.database is None:
        raise err(1046, "3D000", "No database selected")
    # (a view's or CREATE TABLE ... SELECT's query names columns as alias.column: only what
    # comes before it names what the DDL makes)
    query = re.search(r"\b(?:as\s*\(*\s*)?(?:select|with)\b", text, re.I) if re.match(
        r"\s*create\b", text, re.I) else None
    _same_database(s.database, text[:query.start()] if query else text)
    conn = s.pg.conn

    def run(pg_sql: str) -> object:
        return s.pg.execute(pg_sql)

    if re.match(r"create (temporary )?table\b", low):
        return ddl.create_table(text, run, conn, lambda t: _show_create(s, t), s.database, s.zone,
                                fk_checks=s.foreign_key_checks)
    if re.match(r"create (unique |fulltext |spatial )?index\b", low):
        ddl.create_index(text, run)
        return 0
    if re.match(r"create (or replace )?(algorithm\s*=\s*\w+ )?(definer\s*=\s*\S+ )?(sql security \w+ )?view\b", low):
        return _create_view(s, text)
    if re.match(r"drop (temporary )?tables?\b", low) or low.startswith("drop view"):
        return _drop_tables(s, text)
    if low.startswith("drop index"):
        ddl.drop_index(text, run)
        return 0
    if low.startswith("alter table") or low.startswith("alter online table") or low.startswith(
        "alter ignore table"
    ):
        # one ALTER may be several steps (rename, retype, constraints): all or none, as
        # MySQL's atomic DDL (a value the new type refuses must not leave a renamed column)
        s.pg.execute("BEGIN")
        try:
            ddl.alter_table(text, run, conn, s.zone)
        except BaseException:
            with contextlib.suppress(SqlError, apsw.Error):
                s.pg.execute("ROLLBACK")
            raise
        s.pg.execute("COMMIT")
        return 0
    if low.startswith("truncate"):
        toks = ddl.Tokens(text)
        toks.expect("truncate")
        toks.accept("table")
        name = toks.name()
        _must_exist(s, name)
        _may_truncate(s, name)
        # With foreign_key_checks = 0 the table alone is emptied and its references are left
        # as they are (the session's suspended checks run no action either).
        s.pg.fk.suspended = not s.foreign_key_checks
        run(f"TRUNCATE {_pq(name)} RESTART IDENTITY")  # (InnoDB restarts AUTO_INCREMENT)
        return 0
    if low.startswith("rename table") or low.startswith("rename tables"):
        toks = ddl.Tokens(text)
        toks.next()
        toks.next()
        while not toks.at_end():
            old = toks.name()
            toks.expect("to")
            new = toks.name()
            _must_exist(s, old)
            run(f"ALTER TABLE {_pq(old)} RENAME TO {_pq(new)}")
            catalog.rename(conn, old, new)
            toks.accept(",")
        return 0
    if re.match(r"(create|drop|alter) (user|role)\b", low):
        return 0
    if re.match(r"(create|drop) (or replace )?(definer\s*=\s*\S+ )?(procedure|function|trigger|event)\b", low):
        raise err(1235, "42000", "This version of MySQL doesn't yet support 'stored programs'")
    if low.startswith("alter database") or low.startswith("alter schema"):
        return 0
    raise syntax(text[:80])


def _same_database(current: str, text: str) -> None:
    """DDL names tables of the current database only: ``other.t`` is refused (each database
    is another file and session), ``current.t`` is ``t``."""
    toks = lexer.tokens(text)
    for i in range(len(toks) - 2):
        if toks[i + 1][1] == "." and toks[i][0] in ("word", "ident") and toks[i + 2][0] in (
            "word", "ident"
        ):
            db = lexer.unquote(toks[i][1])
            if db.lower() != current.lower():
                raise err(1235, "42000", "This version of MySQL doesn't yet support "
                          f"'DDL on another database ({db})'")


def _must_exist(s: MySqlSession, name: str) -> None:
    if catalog.real_name(s.pg.conn, name) is None:
        raise err(1146, "42S02", f"Table '{s.database}.{name}' doesn't exist")


def _may_truncate(s: MySqlSession, name: str) -> None:
    """InnoDB refuses to truncate a table another table's foreign key references (1701),
    unless ``foreign_key_checks`` is off; a key of the table to itself does not count."""
    if not s.foreign_key_checks:
        return
    low = name.lower()
    for fk in fkeys.load(s.pg.conn):
        if fk.ref_table.lower() == low and fk.table.lower() != low:
            cols = ", ".join(f"`{c}`" for c in fk.columns)
            refs = ", ".join(f"`{c}`" for c in fk.ref_columns)
            raise err(1701, "42000", "Cannot truncate a table referenced in a foreign key "
                      f"constraint (`{s.database}`.`{fk.table}`, CONSTRAINT `{fk.name}` FOREIGN "
                      f"KEY ({cols}) REFERENCES `{s.database}`.`{fk.ref_table}` ({refs}))")


def _show_create(s: MySqlSession, table: str) -> str:
    desc = catalog.describe(s.pg.conn, table)
    if desc is None:
        raise err(1146, "42S02", f"Table '{s.database}.{table}' doesn't exist")
    return catalog.show_create(desc)


def _database(s: MySqlSession, text: str) -> int:
    m = re.match(
        r"\s*(create|drop)\s+(?:database|schema)\s+(if\s+(?:not\s+)?exists\s+)?(`[^`]+`|[\w$]+)",
        text,
        re.I,
    )
    if not m:
        raise syntax(text[:80])
    verb = m.group(1).lower()
    name = lexer.unquote(m.group(3))
    existing = {d.lower(): d for d in s.list_databases()}
    if verb == "create":
        if name.lower() in existing or name.lower() == "information_schema":
            if m.group(2):
                s.warnings.append(("Note", 1007, f"Can't create database '{name}'; database exists"))
                return 1
            raise err(1007, "HY000", f"Can't create database '{name}'; database exists")
        s.pg.execute(f"CREATE DATABASE {_pq(name)}")
        return 0
    if name.lower() not in existing:
        if m.group(2):
            s.warnings.append(("Note", 1008, f"Can't drop database '{name}'; database doesn't exist"))
            return 1
        raise err(1008, "HY000", f"Can't drop database '{name}'; database doesn't exist")
    real = existing[name.lower()]
    if real.lower() == "mysql":
        raise err(3552, "HY000", "Access to system schema 'mysql' is rejected.")
    if s.database is not None and s.database.lower() == real.lower():
        s.leave_database()
    old = s.sessions.pop(real, None)
    if old is not None:
        old.close()
    s.pg.execute(f"DROP DATABASE {_pq(real)}")
    return 0


def _create_view(s: MySqlSession, text: str) -> int:
    m = re.match(
        r"\s*create\s+(or\s+replace\s+)?(?:algorithm\s*=\s*\w+\s+)?(?:definer\s*=\s*\S+\s+)?"
        r"(?:sql\s+security\s+\w+\s+)?view\s+(`[^`]+`|[\w$.]+)\s*(\([^)]*\))?\s+as\s+(.*)$",
        text,
        re.I | re.S,
    )
    if not m:
        raise syntax(text[:80])
    name = lexer.unquote(m.group(2).split(".")[-1])
    from aurora.engine.sql.mysql.translate import translate

    body = m.group(4).strip()
    while body.startswith("(") and body.endswith(")") and _one_group(body):
        body = body[1:-1].strip()  # AS (SELECT ...)
    key, lits, _raw, n = lexer.normalize(body, keep_literals=True)
    tr = translate(key, n, s._context())
    select = tr.text(lits)
    if m.group(1) and catalog.real_name(s.pg.conn, name) is not None:
        s.pg.execute(f"DROP VIEW {_pq(name)}")
    cols = ""
    if m.group(3):
        cols = " (" + ", ".join(_pq(lexer.unquote(c)) for c in m.group(3)[1:-1].split(",")) + ")"
    s.pg.execute(f"CREATE VIEW {_pq(name)}{cols} AS {select}")
    return 0


def _one_group(text: str) -> bool:
    """Whether the parenthesis that opens ``text`` is closed by its last character."""
    depth = 0
    toks = [t for k, t in lexer.tokens(text) if k == "other" and t in "()"]
    for i, tok in enumerate(toks):
        depth += 1 if tok == "(" else -1
        if depth == 0:
            return i == len(toks) - 1
    return False


def _drop_tables(s: MySqlSession, text: str) -> int:
    toks = ddl.Tokens(text)
    toks.expect("drop")
    toks.accept("temporary")
    view = toks.accept("view")
    if not view:
        toks.next()
    if_exists = toks.accept("if", "exists")
    missing = []
    names = []
    while not toks.at_end() and toks.peek_word() not in ("restrict", "cascade"):
        names.append(toks.name())
        toks.accept(",")
    warnings = 0
    for name in names:
        real = catalog.real_name(s.pg.conn, name)
        if real is None:
            missing.append(name)
            continue
        s.pg.execute(f"DROP {'VIEW' if view else 'TABLE'} {_pq(real)}")
        catalog.forget(s.pg.conn, real)
    if missing:
        listed = ",".join(f"{s.database}.{n}" for n in missing)
        if not if_exists:
            raise err(1051, "42S02", f"Unknown table '{listed}'")
        for n in missing:
            s.warnings.append(("Note", 1051, f"Unknown table '{s.database}.{n}'"))
            warnings += 1
    return warnings
