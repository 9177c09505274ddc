"""Temporary relations: a session's own tables, views and sequences, in SQLite's ``temp`` schema.

CREATE TEMP TABLE makes a SQLite TEMP table of the session's connection: no other connection
sees it, it goes with the connection, and writing it takes no lock on the database file and
ships nothing to the volume. Its declared types, constraints and sequences are rows of
``temp._aurora_columns`` / ``_aurora_constraints`` / ``_aurora_sequences``, tables shaped as
``main``'s. DDL about a temp relation runs the ordinary DDL code under :func:`context`, whose
connection reads every ``main.`` as ``temp.`` and makes the tables, views and triggers it
creates TEMP; code that must reach the permanent catalog from there spells it ``"main".``.
SQLite looks an unqualified name up in ``temp`` first, as PostgreSQL puts ``pg_temp`` at the
head of ``search_path``; the catalog (:mod:`catalog`) does the same.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from aurora.engine.sql.catalog import CATALOG_DDL
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

_MAIN = re.compile(r"\bmain\.", re.I)
_CREATE = re.compile(r"(^|;)(\s*CREATE\s+)(TABLE|VIEW|TRIGGER)\b", re.I)
# CREATE [GLOBAL | LOCAL] TEMP[ORARY] ..., and the ON COMMIT clause of a temp table
_TEMP_WORD = re.compile(r"^(\s*create\s+(?:or\s+replace\s+)?)(?:(?:global|local)\s+)?"
                        r"temp(?:orary)?\s+", re.I)
_ON_COMMIT = re.compile(r"\s+on\s+commit\s+(preserve\s+rows|delete\s+rows|drop)\b", re.I)
_TRIGGER = re.compile(r"(CREATE\s+TEMP\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?)temp\.", re.I)
_PRAGMA = re.compile(r"PRAGMA\s+schema_version", re.I)
_IN_TEMP = re.compile(r"\s*create\s+(?:or\s+replace\s+)?(?:table|view|sequence)\s+"
                      r"(?:if\s+not\s+exists\s+)?pg_temp(?:_\d+)?\s*\.", re.I)
_SCHEMA = re.compile(r"pg_temp(?:_\d+)?", re.I)


def is_temp_schema(name: str | None) -> bool:
    """``pg_temp`` or ``pg_temp_N``: the session's own temporary schema."""
    return bool(name) and _SCHEMA.fullmatch(name or "") is not None


def first_in_path(search_path: str) -> bool:
    """Whether ``search_path`` looks in pg_temp before any other schema: when it does not
    name pg_temp (PostgreSQL's implicit place), or names it before the others."""
    entries = [e.strip().strip("'\"").lower() for e in search_path.split(",")]
    if "pg_temp" not in entries:
        return True
    return all(e in ("$user", "") for e in entries[: entries.index("pg_temp")])


def namespace(s: Session) -> str:
    """The name pg_namespace gives the session's temporary schema."""
    return f"pg_temp_{s.backend_pid % 1000 + 3}"


class TempConn:
    """The session's connection as DDL about a temp relation sees it (see the module)."""

    schema = "temp"

    def __init__(self, conn: apsw.Connection) -> None:
        self._conn = conn

    @staticmethod
    def text(sql: str) -> str:
        sql = _PRAGMA.sub("PRAGMA temp.schema_version", _MAIN.sub("temp.", sql))
        return _TRIGGER.sub(r"\1", _CREATE.sub(r"\1\2TEMP \3", sql))  # a TEMP trigger: no schema

    def execute(self, sql: str, bindings: object = None) -> apsw.Cursor:
        return self._conn.execute(self.text(sql), bindings)

    def executemany(self, sql: str, seq: object) -> apsw.Cursor:
        return self._conn.executemany(self.text(sql), seq)

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)


def ensure(s: Session) -> None:
    """The temp catalog tables, made at the session's first temp relation."""
    if s.catalog.temp:
        return
    s.conn.execute(re.sub(r"CREATE TABLE IF NOT EXISTS (\w+)", r"CREATE TEMP TABLE IF NOT EXISTS \1",
                          CATALOG_DDL))
    s.catalog.temp = s.sequences.temp = s.fk.temp = True
    s.catalog.temp_namespace = namespace(s)


def after_rollback(s: Session) -> None:
    """A rollback may have undone :func:`ensure` (the session's first temp DDL ran in the
    block): the session then has no temp catalog, as before it."""
    if not s.conn.execute("SELECT 1 FROM temp.sqlite_schema WHERE name='_aurora_columns'").fetchall():
        s.catalog.temp = s.sequences.temp = s.fk.temp = False
        s.temp_on_commit.clear()
        s.catalog.version = -1  # the next statement reloads it and drops the plans


@contextlib.contextmanager
def context(s: Session) -> Iterator[None]:
    """Run DDL about a temp relation: ``s.conn`` (and the sequences') is a :class:`TempConn`."""
    ensure(s)
    real = s.conn
    if isinstance(real, TempConn):
        yield
        return
    proxy = TempConn(real)
    s.conn = s.sequences.conn = proxy  # type: ignore[assignment]
    try:
        yield
    finally:
        s.conn = s.sequences.conn = real


def split_create(sql: str) -> tuple[str, str | None] | None:
    """A CREATE TEMP statement as (the statement without TEMP and ON COMMIT, the ON COMMIT
    action: 'preserve rows', 'delete rows', 'drop' or None); None for any other text."""
    m = _TEMP_WORD.match(sql)
    if not m:
        return (sql, None) if _IN_TEMP.match(sql) else None
    rest = m.group(1) + sql[m.end():]
    action = None
    c = _ON_COMMIT.search(rest)
    if c:
        action = " ".join(c.group(1).lower().split())
        rest = rest[: c.start()] + rest[c.end():]
    return rest, action


def on_commit_outside_temp(sql: str) -> None:
    """ON COMMIT on a permanent table: 42P16, as PostgreSQL answers."""
    if re.match(r"\s*create\s+(?:unlogged\s+)?table\b", sql, re.I) and _ON_COMMIT.search(sql):
        raise SqlError("42P16", "ON COMMIT can only be used on temporary tables")


def relation(conn: apsw.Connection, name: str) -> tuple[str, str] | None:
    """(stored name, SQLite type) of the table or view ``name`` (any case) as SQLite finds
    it: the session's temp relation first, then the permanent one; None if neither."""
    for schema in ("temp", '"main"'):
        row = conn.execute(
            f"SELECT name, type FROM {schema}.sqlite_schema WHERE type IN ('table', 'view') "
            "AND lower(name)=lower(?) LIMIT 1",
            (name,),
        ).fetchone()
        if row:
            return row[0], row[1]
    return None


def exists(s: Session, name: str, kind: str | None = None) -> bool:
    """Whether the session has a temp relation or index ``name`` (of SQLite type ``kind``):
    one of a table or view the temp catalog describes (not an emulated pg_catalog table)."""
    if not s.catalog.temp:
        return False
    sql = "SELECT 1 FROM temp.sqlite_schema WHERE lower(name)=lower(?) AND lower(tbl_name) IN " \
          "(SELECT lower(table_name) FROM temp._aurora_columns)"
    args: tuple = (name,)
    if kind:
        sql += " AND type=?"
        args = (name, kind)
    return bool(s.conn.execute(sql, args).fetchall())


def create(s: Session, sql: str, run: Callable[[Session, str], StatementResult]) -> StatementResult:
    """CREATE TEMP TABLE / VIEW / SEQUENCE ``sql`` run by ``run`` (ddl.create) in the temp
    context, TEMP and ON COMMIT taken out; the ON COMMIT action kept for :func:`at_commit`."""
    if s.read_only:
        raise SqlError("25006", "cannot execute CREATE TABLE in a read-only transaction")
    parts = split_create(sql)
    if parts is None:  # a view that reads a temp relation is temporary itself
        text, action = sql, None
        m = re.match(rf"\s*create\s+(?:or\s+replace\s+)?(?:recursive\s+)?view\s+{_NAME}", sql, re.I)
        name = _ident(m.group(1)) if m else "?"
        s.notice(SqlError("00000", f'view "{name}" will be a temporary view', severity="NOTICE"))
    else:
        text, action = parts
    if action is not None and not re.match(r"\s*create\s+table\b", text, re.I):
        raise SqlError("42601", 'syntax error at or near "ON"')
    if action == "delete rows" and re.search(r"\bpartition\s+by\b", text, re.I):
        action = None  # PostgreSQL ignores it for a partitioned table: its partitions' count
    with context(s):
        result = run(s, text)
    name = created_name(text)
    if name is not None:
        if action in ("delete rows", "drop"):
            s.temp_on_commit[name.lower()] = action
        else:  # a table of that name dropped (or rolled back) before had an action
            s.temp_on_commit.pop(name.lower(), None)
    return result


_NAME = r'("(?:[^"]|"")+"|[\w$]+)'


def _ident(raw: str) -> str:
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


def created_name(text: str) -> str | None:
    m = re.match(rf"\s*create\s+table\s+(?:if\s+not\s+exists\s+)?(?:{_NAME}\s*\.\s*)?{_NAME}",
                 text, re.I)
    return _ident(m.group(2)) if m else None


def reads_temp(s: Session, sql: str) -> bool:
    """Whether ``sql`` creates a view (not said TEMP) that reads a temp relation."""
    if not s.catalog.temp_names or not _VIEW.match(sql):
        return False
    from aurora.engine.sql.translate import parse  # translate reads the catalog this module feeds

    try:
        tree = parse(sql)
    except Exception:
        return False
    query = tree.args.get("expression")
    return isinstance(query, exp.Expression) and any(
        t.name.lower() in s.catalog.temp_names and (not t.db or is_temp_schema(t.db))
        for t in query.find_all(exp.Table))


_VIEW = re.compile(r"\s*create\s+(?:or\s+replace\s+)?(?:recursive\s+)?view\b", re.I)
# The relation a DDL statement is about: the first one it names.
_TARGET = re.compile(
    r"\s*(?:"
    r"alter\s+(?:table|index|view|sequence)\s+(?:if\s+exists\s+)?(?:only\s+)?"
    r"|drop\s+(?:table|index|view|sequence)\s+(?:concurrently\s+)?(?:if\s+exists\s+)?"
    r"|truncate\s+(?:table\s+)?(?:only\s+)?"
    r"|create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:(?:if\s+not\s+exists\s+)?"
    r"(?:\"(?:[^\"]|\"\")+\"|[\w$]+)\s+)?on\s+(?:only\s+)?"
    r"|create\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\s+.*?\son\s+"
    r"|drop\s+trigger\s+(?:if\s+exists\s+)?(?:\"(?:[^\"]|\"\")+\"|[\w$]+)\s+on\s+"
    r")"
    rf"(?:{_NAME}\s*\.\s*)?{_NAME}", re.I | re.S)


def concerns(s: Session, sql: str) -> bool:
    """Whether DDL ``sql`` is about one of the session's temp relations (the first it names):
    an unqualified name finds a temp relation first, ``pg_temp.x`` only there."""
    m = _TARGET.match(sql)
    if not m:
        return False
    schema = _ident(m.group(1)) if m.group(1) else None
    name = _ident(m.group(2))
    if not exists(s, name):
        return False
    if name.lower() not in s.catalog.temp_names:  # an index: looked up in pg_temp first
        return schema is None or is_temp_schema(schema)
    return resolves_to_temp(s, schema, name)


def stored_name(s: Session, name: str) -> str:
    """The spelling SQLite keeps of temp relation ``name``."""
    rows = s.conn.execute("SELECT name FROM temp.sqlite_schema WHERE lower(name)=lower(?) "
                          "AND type IN ('table', 'view')", (name,)).fetchall()
    return rows[0][0] if rows else name


def resolves_to_temp(s: Session, schema: str | None, name: str) -> bool:
    """Whether ``schema.name`` (``schema`` empty when unqualified) names the session's temp
    relation ``name``, by PostgreSQL's lookup with search_path's place of pg_temp."""
    if name.lower() not in s.catalog.temp_names:
        return False
    if schema:
        return is_temp_schema(schema)
    return s.catalog.temp_first or name.lower() not in s.catalog.shadowed


def at_commit(s: Session) -> None:
    """The ON COMMIT actions, as a transaction ends (COMMIT, or a statement outside a block):
    DELETE ROWS empties the table, DROP drops it. A table emptied so that another one's
    foreign key references is refused, as PostgreSQL's heap_truncate_check_FKs does (0A000)."""
    emptied = {n for n, a in s.temp_on_commit.items() if a == "delete rows"}
    if emptied:
        from aurora.engine.sql import fkeys  # fkeys reads the catalog this module writes

        for fk in fkeys.load(s.conn):
            if fk.ref_table.lower() in emptied and fk.table.lower() not in emptied \
                    and fk.table.lower() in s.catalog.temp_names:
                raise SqlError("0A000", "unsupported ON COMMIT and foreign key combination",
                               detail=f'Table "{fk.table}" references "{fk.ref_table}", but they do '
                                      "not have the same ON COMMIT setting.")
    drop = []
    for name, action in list(s.temp_on_commit.items()):
        if not exists(s, name):  # (a partition is a view of its root: partitions.py)
            del s.temp_on_commit[name]
        elif action == "drop":
            drop.append(name)
        else:  # as a statement: a partition is written through its root (partitions.py)
            s.run_nested(f'DELETE FROM pg_temp."{name.replace(chr(34), chr(34) * 2)}"')
    for name in drop:
        del s.temp_on_commit[name]
        quoted = '"' + name.replace('"', '""') + '"'
        s.execute_ddl(f"DROP TABLE IF EXISTS pg_temp.{quoted} CASCADE")


def discard(s: Session) -> None:
    """Drop every temp relation of the session (DISCARD TEMP / ALL, and the session's end:
    the connection may outlive the session object until it is collected)."""
    if not s.catalog.temp:
        return
    s.temp_on_commit.clear()
    rows = s.conn.execute(
        "SELECT type, name FROM temp.sqlite_schema WHERE type IN ('view', 'table') "
        "ORDER BY type = 'table'").fetchall()
    for kind, name in rows:
        if name.lower() in s.catalog.temp_names:
            quoted = '"' + name.replace('"', '""') + '"'
            with contextlib.suppress(SqlError):
                s.execute_ddl(f"DROP {kind.upper()} IF EXISTS pg_temp.{quoted} CASCADE")
    s.conn.execute("DELETE FROM temp._aurora_sequences")


def unqualify(s: Session, tree: exp.Expression) -> None:
    """``pg_temp.t`` as plain ``t`` where that finds the same temp relation (the rewrites of
    writes through views and partitions look for a bare name)."""
    for t in tree.find_all(exp.Table):
        if is_temp_schema(t.db) and resolves_to_temp(s, None, t.name):
            t.set("db", None)


def hidden_names(s: Session, tree: exp.Expression) -> set[str]:
    """The relations a statement names in the schema where another relation of their name
    hides them (``public.t`` while a temp ``t`` comes first); 0A000 when it also names the
    visible one."""
    hidden: set[str] = set()
    visible: set[str] = set()
    for t in tree.find_all(exp.Table):
        name = t.name.lower()
        if name not in s.catalog.shadowed:
            continue
        db = t.db.lower()
        if (db in ("public", "main")) if s.catalog.temp_first else is_temp_schema(db):
            hidden.add(name)
        else:
            visible.add(name)
    if hidden & visible:
        raise SqlError("0A000", f'a statement naming both the temporary and the permanent "{min(hidden & visible)}" '
                                "is not supported here")
    return hidden


_DROP = re.compile(rf"\s*drop\s+(table|view|index|sequence)\s+(if\s+exists\s+)?"
                   rf"((?:{_NAME}\s*\.\s*)?{_NAME}(?:\s*,\s*(?:{_NAME}\s*\.\s*)?{_NAME})+)"
                   r"(\s+(?:cascade|restrict))?\s*;?\s*$", re.I | re.S)


def split_drop(s: Session, sql: str) -> list[str] | None:
    """A DROP of several relations, some temp and some not, as one DROP of each (they run
    in different contexts); None for any other statement."""
    m = _DROP.match(sql)
    if not m:
        return None
    names = [n.group(0) for n in re.finditer(rf"(?:{_NAME}\s*\.\s*)?{_NAME}", m.group(3))]
    kinds = {concerns(s, f"DROP {m.group(1)} {n}") for n in names}
    if len(kinds) < 2:
        return None
    return [f"DROP {m.group(1)} {m.group(2) or ''}{n}{m.group(4) or ''}" for n in names]
