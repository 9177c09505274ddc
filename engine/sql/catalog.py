"""The declared PostgreSQL types of every column, kept in a table inside the database file.

``_aurora_columns`` holds one row per column (type OID, typmod, the PostgreSQL spelling of
its default, identity kind) and is written by this engine's CREATE / ALTER / DROP handling
in the same transaction as the DDL, so every instance on the volume (writer and readers)
describes columns the same way. :class:`Catalog` is the in-memory copy of a session, reloaded
when SQLite's schema cookie moves. Tables made outside this engine fall back to the SQLite
declared type. A session's temp relations (:mod:`temp`) have the same tables in SQLite's
``temp`` schema; the copy then follows that schema's cookie too, and a temp relation hides a
permanent one of its name, as in PostgreSQL.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import apsw

from aurora.engine.sql import types

CATALOG_DDL = """
CREATE TABLE IF NOT EXISTS _aurora_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    position INTEGER NOT NULL,
    type_oid INTEGER NOT NULL,
    typmod INTEGER NOT NULL DEFAULT -1,
    default_expr TEXT,
    identity TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (table_name, column_name)
);
CREATE TABLE IF NOT EXISTS _aurora_sequences (
    name TEXT PRIMARY KEY,
    last_value INTEGER NOT NULL,
    start_value INTEGER NOT NULL DEFAULT 1,
    increment INTEGER NOT NULL DEFAULT 1,
    min_value INTEGER NOT NULL DEFAULT 1,
    max_value INTEGER NOT NULL DEFAULT 9223372036854775807,
    cycle INTEGER NOT NULL DEFAULT 0,
    is_called INTEGER NOT NULL DEFAULT 0,
    owned_by TEXT
);
CREATE TABLE IF NOT EXISTS _aurora_constraints (
    table_name TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    definition TEXT,
    index_name TEXT,
    PRIMARY KEY (table_name, name)
);
"""

INTERNAL_PREFIXES = ("sqlite_", "_aurora_")


def rel_oid(name: str) -> int:
    """A stable OID for a relation name: the same on every instance and after restarts."""
    return 16384 + (zlib.crc32(name.encode()) & 0x3FFFFFFF)


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    position: int
    type_oid: int
    typmod: int = -1
    default_expr: str | None = None
    identity: str = ""
    not_null: bool = False
    pk: int = 0
    rowid: bool = False
    """The table's one-column INTEGER key: SQLite's rowid, which takes NULL as "the next id"."""

    @property
    def has_default(self) -> bool:
        return bool(self.default_expr or self.identity)


class Catalog:
    """A session's view of the declared types, keyed by lower-cased table name."""

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self.version = -1
        self.tables: dict[str, list[ColumnInfo]] = {}
        self.columns: dict[tuple[str, str], ColumnInfo] = {}
        self._cookie = conn.cursor()
        self.temp = False
        """The session has made a temp relation: ``temp`` holds catalog tables to read."""
        self.temp_names: set[str] = set()  # the temp relations, lower-cased
        self.temp_namespace = "pg_temp_3"  # their schema's name in pg_namespace
        # search_path puts pg_temp first (PostgreSQL's default, even when it is not named);
        # else a permanent relation hides a temp one of its name
        self.temp_first = True
        self.shadowed: dict[str, list[ColumnInfo]] = {}  # the relations hidden that way
        self.enums: dict[str, list[str]] = {}  # enum types' labels in order (enums.py)
        self.enum_order: dict[str, dict[str, int]] = {}

    def ensure_schema(self) -> None:
        """Create the catalog tables if the database has none yet (writer only)."""
        exists = self.conn.execute(
            "SELECT count(*) FROM sqlite_schema WHERE name='_aurora_sequences'"
        ).fetchall()[0][0]
        if not exists:
            self.conn.execute(CATALOG_DDL)

    def schema_version(self) -> int:
        """SQLite's schema cookie; with temp relations, the temp schema's in the high bits."""
        v = self._cookie.execute("PRAGMA schema_version").fetchall()[0][0]
        if self.temp:
            v += self._cookie.execute("PRAGMA temp.schema_version").fetchall()[0][0] << 32
        return v

    def refresh(self, force: bool = False) -> bool:
        """Reload from the database when the schema changed; True when it did."""
        v = self.schema_version()
        if v == self.version and not force:
            return False
        self.version = v
        tables = self._load("main")
        self.shadowed = {}
        self.temp_names = set()
        if self.temp:
            temp = self._load("temp")
            self.temp_names = set(temp)
            if self.temp_first:
                self.shadowed = {n: tables[n] for n in temp if n in tables}
                tables.update(temp)
            else:
                self.shadowed = {n: temp[n] for n in temp if n in tables}
                tables = {**temp, **tables}
        self.tables = tables
        self.columns = {(t, c.name.lower()): c for t, cols in tables.items() for c in cols}
        from aurora.engine.sql import enums

        self.enums = enums.load_all(self.conn)
        self.enum_order = {n: {v: i for i, v in enumerate(vs)} for n, vs in self.enums.items()}
        return True

    def _load(self, schema: str) -> dict[str, list[ColumnInfo]]:
        """The relations of SQLite schema ``main`` or ``temp`` (there, only those made by
        CREATE TEMP: the emulated pg_catalog tables are TEMP tables too)."""
        declared: dict[str, dict[str, tuple]] = {}
        try:
            for row in self.conn.execute(
                "SELECT table_name, column_name, type_oid, typmod, default_expr, identity "
                f"FROM {schema}._aurora_columns"
            ):
                declared.setdefault(row[0].lower(), {})[row[1].lower()] = row
        except apsw.SQLError:
            pass
        tables: dict[str, list[ColumnInfo]] = {}
        for (name,) in self.conn.execute(
            f"SELECT name FROM {schema}.sqlite_schema WHERE type IN ('table','view')"
        ).fetchall():
            if name.startswith(INTERNAL_PREFIXES) or (schema == "temp" and name.lower() not in declared):
                continue
            decl = declared.get(name.lower(), {})
            cols = []
            xinfo = self.conn.execute(
                "SELECT * FROM pragma_table_xinfo(?, ?)", (name, schema)).fetchall()
            keys = sum(1 for r in xinfo if r[5] > 0)
            for cid, cname, ctype, notnull, dflt, pk, hidden in xinfo:
                if hidden:
                    continue
                rowid = keys == 1 and pk == 1 and (ctype or "").upper() == "INTEGER"
                d = decl.get(cname.lower())
                if d is not None:
                    info = ColumnInfo(
                        cname, cid + 1, d[2], d[3], d[4], d[5], bool(notnull) or pk > 0, pk, rowid
                    )
                else:
                    info = ColumnInfo(
                        cname, cid + 1, sqlite_decl_oid(ctype), -1, dflt, "", bool(notnull), pk, rowid
                    )
                cols.append(info)
            tables[name.lower()] = cols
        return tables

    def column(self, table: str, column: str) -> ColumnInfo | None:
        return self.columns.get((table.lower(), column.lower()))

    @contextlib.contextmanager
    def showing(self, names: set[str]) -> Iterator[None]:
        """The relations ``names`` hidden by others of their names take their place for a
        while (a statement that names them explicitly, see :func:`temp.hidden_names`)."""
        saved = self.tables, self.columns
        self.tables = {**self.tables, **{n: self.shadowed[n] for n in names}}
        self.columns = {(t, c.name.lower()): c for t, cols in self.tables.items() for c in cols}
        try:
            yield
        finally:
            self.tables, self.columns = saved

    def columns_in(self, schema: str, table: str) -> list[ColumnInfo] | None:
        """The columns of ``table`` in SQLite schema ``schema`` (``main`` or ``temp``), also
        where a relation of the other schema hides it."""
        table = table.lower()
        if table in self.shadowed and (schema == "main") == self.temp_first:
            return self.shadowed[table]
        if schema == "temp" and table not in self.temp_names:
            return None
        return self.tables.get(table)

    def column_in(self, schema: str, table: str, column: str) -> ColumnInfo | None:
        return next((c for c in self.columns_in(schema, table) or ()
                     if c.name.lower() == column.lower()), None)

    def table_columns(self, table: str) -> list[ColumnInfo] | None:
        return self.tables.get(table.lower())

    def rowid_key(self, table: str) -> ColumnInfo | None:
        """The table's key when it is SQLite's rowid (see ``ColumnInfo.rowid``)."""
        return next((c for c in self.tables.get(table.lower()) or () if c.rowid), None)


def sqlite_decl_oid(decl: str | None) -> int:
    """A PostgreSQL type for a column this engine did not create, from SQLite's declared type."""
    d = (decl or "").upper()
    if not d:
        return types.TEXT
    if "INT" in d:
        return types.INT8
    if "BOOL" in d:
        return types.BOOL
    if any(x in d for x in ("REAL", "FLOA", "DOUB")):
        return types.FLOAT8
    if "NUM" in d or "DEC" in d:
        return types.NUMERIC
    if "BLOB" in d:
        return 17
    if "TIMESTAMP" in d:
        return 1114
    if "DATE" in d:
        return 1082
    return types.TEXT
