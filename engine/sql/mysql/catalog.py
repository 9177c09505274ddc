"""MySQL's view of a database's tables: declared MySQL types, keys and table options.

``_aurora_mysql_columns`` and ``_aurora_mysql_tables`` live in the database file next to the
PostgreSQL session's own catalog, written by this dialect's DDL, so a reader instance shows
the same types. Everything else (columns and their order, NOT NULL, keys, foreign keys) is
read from SQLite and the PostgreSQL session's ``_aurora_constraints``: one truth per fact.
A table made by PostgreSQL SQL (no rows here) is described from its PostgreSQL types.
Index and unique-constraint names are stored as ``<table>_<name>`` (SQLite's index names
are per database, MySQL's per table) and shown without the prefix.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import apsw

from aurora.engine.sql.mysql import types as mytypes

if TYPE_CHECKING:
    from sqlglot import exp

SIDE_DDL = """
CREATE TABLE IF NOT EXISTS _aurora_mysql_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    mysql_type TEXT NOT NULL,
    default_sql TEXT,
    extra TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (table_name, column_name)
);
CREATE TABLE IF NOT EXISTS _aurora_mysql_tables (
    table_name TEXT PRIMARY KEY,
    engine TEXT NOT NULL DEFAULT 'InnoDB',
    charset TEXT NOT NULL DEFAULT 'utf8mb4',
    collation TEXT NOT NULL DEFAULT 'utf8mb4_0900_ai_ci',
    comment TEXT NOT NULL DEFAULT ''
);
"""

INTERNAL = ("sqlite_", "_aurora_")


@dataclass
class ColumnDesc:
    name: str
    mysql_type: str
    nullable: bool
    default_sql: str | None  # MySQL text of the default (NULL, 'x', 0, CURRENT_TIMESTAMP), or None
    extra: str = ""
    comment: str = ""
    pk: int = 0
    binary_order: bool = False  # a string column that compares bytes (a _bin collation)

    @property
    def is_string(self) -> bool:
        return self.mysql_type.split("(")[0].split()[0] in mytypes.STRING_KINDS


@dataclass
class IndexDesc:
    name: str
    unique: bool
    columns: list[str | None]  # None: a key part that is an expression (a functional index)
    expressions: list[str | None] = field(default_factory=list)  # those, as MySQL shows them


@dataclass
class ForeignKey:
    name: str
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    on_delete: str
    on_update: str


@dataclass
class TableDesc:
    name: str
    kind: str  # BASE TABLE | VIEW
    columns: list[ColumnDesc]
    primary: list[str]
    indexes: list[IndexDesc] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    engine: str = "InnoDB"
    charset: str = "utf8mb4"
    collation: str = "utf8mb4_0900_ai_ci"
    comment: str = ""
    view_sql: str | None = None
    checks: list[tuple[str, str]] = field(default_factory=list)  # (name, MySQL text): the user's
    next_id: int | None = None  # the AUTO_INCREMENT counter's next id, once one was given

    def auto_increment(self) -> int | None:
        """Its AUTO_INCREMENT as SHOW TABLE STATUS and information_schema.TABLES show it:
        the next id, for a table with an AUTO_INCREMENT column."""
        if self.auto_increment_column() is None:
            return None
        return self.next_id or 1

    def auto_increment_column(self) -> str | None:
        for c in self.columns:
            if "auto_increment" in c.extra:
                return c.name
        return None


def ensure(conn: apsw.Connection) -> None:
    conn.execute(SIDE_DDL)


def _has_side(conn: apsw.Connection) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM main.sqlite_schema WHERE name='_aurora_mysql_columns'"
        ).fetchall()
    )


def table_names(conn: apsw.Connection) -> list[tuple[str, str]]:
    """(name, BASE TABLE | VIEW) of every user relation, by name."""
    out = []
    for name, kind in conn.execute(
        "SELECT name, type FROM main.sqlite_schema WHERE type IN ('table','view') ORDER BY name"
    ).fetchall():
        if name.startswith(INTERNAL) or "." in name:
            continue
        out.append((name, "VIEW" if kind == "view" else "BASE TABLE"))
    return out


def real_name(conn: apsw.Connection, table: str) -> str | None:
    """The stored spelling of ``table`` (SQLite names are case-insensitive), or None."""
    rows = _relation(conn, table)
    if not rows or rows[0][0].startswith(INTERNAL):
        return None
    return rows[0][0]


# A session's temporary table (sql/temp.py) first; the emulated pg_catalog tables (pg_*,
# _is_*) are TEMP tables too.
_RELATION = (
    "SELECT name, type, sql FROM temp.sqlite_schema WHERE type IN ('table','view') "
    "AND lower(name)=lower(?1) AND name NOT LIKE 'pg\\_%' ESCAPE '\\' "
    "AND name NOT LIKE '\\_is\\_%' ESCAPE '\\' "
    "UNION ALL SELECT name, type, sql FROM main.sqlite_schema WHERE type IN ('table','view') "
    "AND lower(name)=lower(?1)"
)


def _relation(conn: apsw.Connection, table: str) -> list[tuple]:
    return conn.execute(_RELATION, (table,)).fetchall()


def declared_types(conn: apsw.Connection) -> list[tuple[str, str, str]]:
    """(table, column, MySQL type) of every column this dialect's DDL made."""
    if not _has_side(conn):
        return []
    return [tuple(r) for r in conn.execute(
        "SELECT table_name, column_name, mysql_type FROM _aurora_mysql_columns")]


def column_default(conn: apsw.Connection, table: str, column: str) -> tuple[str | None, str] | None:
    """(MySQL text of the default, extra) of a column this dialect's DDL made, or None."""
    if not _has_side(conn):
        return None
    got = conn.execute(
        "SELECT default_sql, extra FROM _aurora_mysql_columns "
        "WHERE lower(table_name)=lower(?) AND lower(column_name)=lower(?)",
        (table, column),
    ).fetchall()
    return (got[0][0], got[0][1] or "") if got else None


def describe(conn: apsw.Connection, table: str) -> TableDesc | None:
    name = real_name(conn, table)
    if name is None:
        return None
    kind_row = _relation(conn, name)[0][1:]
    side: dict[str, tuple] = {}
    opts: tuple | None = None
    pg_cols: dict[str, tuple] = {}
    if _has_side(conn):
        for row in conn.execute(
            "SELECT column_name, mysql_type, default_sql, extra, comment "
            "FROM _aurora_mysql_columns WHERE table_name=?",
            (name,),
        ):
            side[row[0].lower()] = row
        got = conn.execute(
            "SELECT engine, charset, collation, comment FROM _aurora_mysql_tables "
            "WHERE table_name=?",
            (name,),
        ).fetchall()
        opts = got[0] if got else None
    for schema in ("main", "temp"):  # a temp table's (sql/temp.py) over a permanent one's
        try:
            for row in conn.execute(
                "SELECT column_name, type_oid, typmod, default_expr, identity "
                f"FROM {schema}._aurora_columns WHERE table_name=?",
                (name,),
            ):
                pg_cols[row[0].lower()] = row
        except apsw.SQLError:
            pass
    cols: list[ColumnDesc] = []
    pk_cols: list[tuple[int, str]] = []
    for _cid, cname, ctype, notnull, dflt, pk, hidden in conn.execute(
        "SELECT * FROM pragma_table_xinfo(?)", (name,)
    ).fetchall():
        if hidden:
            continue
        s = side.get(cname.lower())
        if pk:
            pk_cols.append((pk, cname))
        if s is not None:
            cols.append(ColumnDesc(cname, s[1], not (notnull or pk), s[2], s[3], s[4], pk))
            continue
        p = pg_cols.get(cname.lower())
        if p is not None:
            mt = mytypes.pg_oid_spelling(p[1], p[2])
            extra = "auto_increment" if p[4] else ""
            d = p[3]
        else:
            from aurora.engine.sql.catalog import sqlite_decl_oid

            mt = mytypes.pg_oid_spelling(sqlite_decl_oid(ctype), -1)
            extra, d = "", dflt
        cols.append(ColumnDesc(cname, mt, not (notnull or pk), d, extra, "", pk))
    desc = TableDesc(
        name,
        "VIEW" if kind_row[0] == "view" else "BASE TABLE",
        cols,
        [c for _, c in sorted(pk_cols)],
    )
    if opts:
        desc.engine, desc.charset, desc.collation, desc.comment = opts
    for c in cols:
        if c.is_string:  # SQLite's collation of the column says how it compares
            with contextlib.suppress(apsw.Error):
                c.binary_order = conn.column_metadata("main", name, c.name)[1].upper() == "BINARY"
    if desc.kind == "VIEW":
        desc.view_sql = kind_row[1]
        return desc
    if kind_row[1]:
        desc.checks = _checks(name, kind_row[1])
    if desc.auto_increment_column() is not None:
        try:
            got = conn.execute("SELECT seq FROM main.sqlite_sequence WHERE name=?", (name,)).fetchall()
        except apsw.SQLError:
            got = []
        if got and got[0][0] is not None:
            desc.next_id = int(got[0][0]) + 1
    prefix = name.lower() + "_"
    for _seq, iname, unique, origin, _partial in conn.execute(
        "SELECT * FROM pragma_index_list(?)", (name,)
    ).fetchall():
        if origin == "pk":
            if not desc.primary:
                desc.primary = _index_columns(conn, iname)
            continue
        if iname.lower().endswith("_pkey"):
            continue
        shown = iname[len(prefix) :] if iname.lower().startswith(prefix) else iname
        columns = _index_columns(conn, iname)
        expressions = _index_expressions(conn, iname, columns) if None in columns else []
        desc.indexes.append(IndexDesc(shown, bool(unique), columns, expressions))
    desc.indexes.sort(key=lambda i: (not i.unique, i.name))
    try:
        for (definition,) in conn.execute(
            "SELECT definition FROM main._aurora_constraints WHERE kind='f' AND lower(table_name)=?"
            " ORDER BY rowid",
            (name.lower(),),
        ):
            d = json.loads(definition)
            desc.foreign_keys.append(
                ForeignKey(
                    d["name"], d["columns"], d["ref_table"], d["ref_columns"],
                    d.get("on_delete", "NO ACTION"), d.get("on_update", "NO ACTION"),
                )
            )
    except apsw.SQLError:
        pass
    return desc


def _checks(table: str, sql: str) -> list[tuple[str, str]]:
    """The table's own CHECK constraints, (name, expression as MySQL writes it), in the order
    declared; a column type's range or length check is not one."""
    import sqlglot

    from aurora.engine.sql.pgcatalog import as_written
    from aurora.engine.sql.tabledef import TableText

    out = []
    for name, body, _column in TableText.of(table, sql).checks():
        if not name or name.startswith(("_aurora_", *mytypes.CHECK_PREFIXES)):
            continue
        try:
            tree = sqlglot.parse_one(body, read="sqlite")
            while isinstance(tree, sqlglot.exp.Paren):  # (shown in two pairs, added back)
                tree = tree.this
            text = _as_mysql_like(tree).sql("mysql", identify=True)
        except sqlglot.errors.SqlglotError:
            text = body
        out.append((name, as_written(text)))
    return out


def _as_mysql_like(tree: exp.Expression) -> exp.Expression:
    """A MySQL LIKE as it was written: it is stored as pg_lower(a) LIKE pg_lower(b) ESCAPE
    '\\' (case-insensitive, MySQL's default escape)."""
    from sqlglot import exp  # (here, not at the top: start-up time)

    def back(node: exp.Expression) -> exp.Expression:
        like = node.this if isinstance(node, exp.Escape) else node
        if not isinstance(like, exp.Like) or (
            isinstance(node, exp.Escape) and node.expression.name != "\\"):
            return node
        sides = [like.this, like.expression]
        if all(isinstance(x, exp.Anonymous) and x.name.lower() == "pg_lower" and len(x.expressions) == 1
               for x in sides):
            return exp.Like(this=sides[0].expressions[0], expression=sides[1].expressions[0],
                            negate=like.args.get("negate"))
        return node

    return tree.transform(back)


def _index_columns(conn: apsw.Connection, index: str) -> list[str | None]:
    return [r[2] for r in conn.execute("SELECT * FROM pragma_index_info(?)", (index,)).fetchall()]


def _index_expressions(conn: apsw.Connection, index: str, columns: list[str | None]) -> list[str | None]:
    """A functional index's key parts that are expressions, as MySQL writes them
    (``lower(`name`)``), read back from the index's CREATE statement; None for a column."""
    import sqlglot

    from aurora.engine.sql.pgcatalog import as_written

    row = conn.execute("SELECT sql FROM main.sqlite_schema WHERE type='index' AND name=?", (index,)).fetchall()
    try:
        keys = sqlglot.parse_one(row[0][0], read="sqlite").this.args["params"].args.get("columns") or []
        texts = [(k.this if isinstance(k, sqlglot.exp.Ordered) else k) for k in keys]
        texts = [(t.this if isinstance(t, sqlglot.exp.Paren) else t) for t in texts]
        shown = [as_written(t.sql("mysql", identify=True)) for t in texts]
    except (IndexError, KeyError, AttributeError, TypeError, sqlglot.errors.SqlglotError):
        shown = []
    if len(shown) != len(columns):
        shown = ["?"] * len(columns)
    return [None if c is not None else shown[i] for i, c in enumerate(columns)]


def key_parts(index: IndexDesc) -> list[tuple[str | None, str | None]]:
    """(column, expression) of each key part of an index: one of the two is None."""
    return [(c, index.expressions[i] if c is None and i < len(index.expressions) else None)
            for i, c in enumerate(index.columns)]


def record_columns(
    conn: apsw.Connection, table: str, cols: list[tuple[str, str, str | None, str, str]]
) -> None:
    """Write (name, mysql type, default, extra, comment) rows for ``table``."""
    ensure(conn)
    conn.executemany(
        "INSERT OR REPLACE INTO _aurora_mysql_columns VALUES (?, ?, ?, ?, ?, ?)",
        [(table, *c) for c in cols],
    )


def record_table(conn: apsw.Connection, table: str, options: dict[str, str]) -> None:
    ensure(conn)
    conn.execute(
        "INSERT OR REPLACE INTO _aurora_mysql_tables VALUES (?, ?, ?, ?, ?)",
        (
            table,
            options.get("engine", "InnoDB"),
            options.get("charset", "utf8mb4"),
            options.get("collation", "utf8mb4_0900_ai_ci"),
            options.get("comment", ""),
        ),
    )


def forget(conn: apsw.Connection, table: str, column: str | None = None) -> None:
    if not _has_side(conn):
        return
    if column is None:
        conn.execute("DELETE FROM _aurora_mysql_columns WHERE lower(table_name)=lower(?)", (table,))
        conn.execute("DELETE FROM _aurora_mysql_tables WHERE lower(table_name)=lower(?)", (table,))
    else:
        conn.execute(
            "DELETE FROM _aurora_mysql_columns WHERE lower(table_name)=lower(?) "
            "AND lower(column_name)=lower(?)",
            (table, column),
        )


def rename(conn: apsw.Connection, table: str, new: str) -> None:
    if not _has_side(conn):
        return
    conn.execute(
        "UPDATE _aurora_mysql_columns SET table_name=? WHERE lower(table_name)=lower(?)", (new, table)
    )
    conn.execute(
        "UPDATE _aurora_mysql_tables SET table_name=? WHERE lower(table_name)=lower(?)", (new, table)
    )


def rename_column(conn: apsw.Connection, table: str, old: str, new: str) -> None:
    if not _has_side(conn):
        return
    conn.execute(
        "UPDATE _aurora_mysql_columns SET column_name=? WHERE lower(table_name)=lower(?) "
        "AND lower(column_name)=lower(?)",
        (new, table, old),
    )


def column_collation(desc: TableDesc, c: ColumnDesc) -> str | None:
    """A string column's collation: the table's, or its charset's _bin when it compares
    bytes; None for a column that is no string."""
    if not c.is_string:
        return None
    if c.binary_order:
        return "binary" if desc.charset == "binary" else f"{desc.charset}_bin"
    return desc.collation if not desc.collation.endswith("_bin") else f"{desc.charset}_0900_ai_ci"


# --- SHOW CREATE TABLE ---------------------------------------------------------------------


def q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def show_create(desc: TableDesc) -> str:
    if desc.kind == "VIEW":
        body = desc.view_sql or ""
        return f"CREATE ALGORITHM=UNDEFINED DEFINER=`admin`@`%` SQL SECURITY DEFINER VIEW {q(desc.name)} AS {_view_select(body)}"
    lines = []
    for c in desc.columns:
        parts = [q(c.name), c.mysql_type]
        collation = column_collation(desc, c)
        if collation is not None and collation != desc.collation:
            parts.append(f"COLLATE {collation}")
        if not c.nullable:
            parts.append("NOT NULL")
        elif c.mysql_type.startswith("timestamp"):
            parts.append("NULL")  # MySQL spells it out for TIMESTAMP
        d = c.default_sql
        if d is not None and d.upper() != "NULL":
            parts.append("DEFAULT " + d)
        elif (c.nullable and d is None and not _no_default_null(c.mysql_type)) or (d is not None and d.upper() == "NULL" and c.nullable):
            parts.append("DEFAULT NULL")
        extra = c.extra.replace("DEFAULT_GENERATED", "").strip()
        if extra:
            parts.append(extra.upper() if extra == "auto_increment" else
                         extra.replace("on update", "ON UPDATE"))
        if c.comment:
            parts.append("COMMENT '" + c.comment.replace("'", "''") + "'")
        lines.append("  " + " ".join(parts))
    if desc.primary:
        lines.append(f"  PRIMARY KEY ({','.join(q(c) for c in desc.primary)})")
    for i in desc.indexes:
        kind = "UNIQUE KEY" if i.unique else "KEY"
        parts = [q(c) if c is not None else f"({e})" for c, e in key_parts(i)]
        lines.append(f"  {kind} {q(i.name)} ({','.join(parts)})")
    for fk in desc.foreign_keys:
        line = (
            f"  CONSTRAINT {q(fk.name)} FOREIGN KEY ({','.join(q(c) for c in fk.columns)}) "
            f"REFERENCES {q(fk.ref_table)} ({','.join(q(c) for c in fk.ref_columns)})"
        )
        if fk.on_delete and fk.on_delete.upper() not in ("NO ACTION", "RESTRICT"):
            line += f" ON DELETE {fk.on_delete.upper()}"
        if fk.on_update and fk.on_update.upper() not in ("NO ACTION", "RESTRICT"):
            line += f" ON UPDATE {fk.on_update.upper()}"
        lines.append(line)
    for name, text in desc.checks:
        lines.append(f"  CONSTRAINT {q(name)} CHECK (({text}))")
    tail = f") ENGINE={desc.engine}"
    if desc.next_id is not None and desc.next_id > 1:
        tail += f" AUTO_INCREMENT={desc.next_id}"  # as MySQL shows it (and mysqldump keeps it)
    tail += f" DEFAULT CHARSET={desc.charset} COLLATE={desc.collation}"
    if desc.comment:
        tail += " COMMENT='" + desc.comment.replace("'", "''") + "'"
    return f"CREATE TABLE {q(desc.name)} (\n" + ",\n".join(lines) + "\n" + tail


def _no_default_null(mysql_type: str) -> bool:
    base = mysql_type.split("(")[0].split()[0]
    return base in ("tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob",
                    "mediumblob", "longblob", "json")


def _view_select(sqlite_text: str) -> str:
    """The SELECT of a view, from its SQLite text (after the PostgreSQL session's comment)."""

    body = re.sub(r"^.*?\bAS\b\s*(?:/\*.*?\*/\s*)?", "", sqlite_text, count=1, flags=re.S | re.I)
    return body.strip().replace('"', "`")
