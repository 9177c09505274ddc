"""Table inheritance (``CREATE TABLE c (...) INHERITS (p)``): a query of the parent reads the
rows of its children too, as in PostgreSQL.

Each child is a table of its own that starts with the parent's columns. ``_aurora_inherits``
(made with the first INHERITS) records the links. A parent named in a query's FROM (not
``ONLY``) becomes a UNION ALL of the parent and every descendant, breadth first as
PostgreSQL appends them, each projected onto the parent's columns; ``tableoid`` of that
relation is then a literal per branch. UPDATE and DELETE of a parent run again on each
descendant (one statement, the row counts added up; with RETURNING they are 0A000).
TRUNCATE empties the descendants too, DROP TABLE of a parent needs CASCADE (which drops
them), ADD COLUMN adds the column to the descendants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from aurora.engine.sql import temp
from aurora.engine.sql.catalog import rel_oid
from aurora.engine.sql.tabledef import quote as _q
from aurora.engine.sqlapi import SqlError

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

_CATALOG = """
CREATE TABLE IF NOT EXISTS main._aurora_inherits (
    child TEXT NOT NULL COLLATE NOCASE,
    parent TEXT NOT NULL COLLATE NOCASE,
    seq INTEGER NOT NULL,
    PRIMARY KEY (child, parent)
)
"""
_OID = "_aurora_tableoid"
_NAME = "_aurora_tablename"  # tableoid::regclass


def record(s: Session, child: str, parents: list[str]) -> None:
    s.conn.execute(_CATALOG)
    s.conn.executemany(
        "INSERT OR REPLACE INTO main._aurora_inherits(child, parent, seq) VALUES (?,?,?)",
        [(child, p, i + 1) for i, p in enumerate(parents)],
    )


def _catalogs(conn: apsw.Connection) -> list[str]:
    """The schemas that hold ``_aurora_inherits``: the database's, and the session's temp
    schema when its temp tables inherit (temp.py; ``"main"`` is main there too)."""
    return [schema for schema in ('"main"', "temp") if conn.execute(
        f"SELECT 1 FROM {schema}.sqlite_schema WHERE name='_aurora_inherits'").fetchall()]


def children(conn: apsw.Connection) -> dict[str, list[str]]:
    """Each parent's direct children (lower-case parent name), in the order they were made."""
    out: dict[str, list[str]] = {}
    for schema in _catalogs(conn):
        for child, parent in conn.execute(
                f"SELECT child, parent FROM {schema}._aurora_inherits ORDER BY rowid"):
            out.setdefault(parent.lower(), []).append(child)
    return out


def descendants(kids: dict[str, list[str]], name: str) -> list[str]:
    """Every table under ``name``, breadth first."""
    out: list[str] = []
    queue = list(kids.get(name.lower(), []))
    while queue:
        t = queue.pop(0)
        if t.lower() not in {o.lower() for o in out}:
            out.append(t)
            queue.extend(kids.get(t.lower(), []))
    return out


def _columns(conn: apsw.Connection, table: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))]


def expand(tree: exp.Expression, conn: apsw.Connection, text: str) -> None:
    """Each parent read in FROM becomes the UNION ALL of it and its descendants."""
    only = [t for t in tree.find_all(exp.Table) if t.args.get("only")]
    for table in only:
        _only(conn, table)
    kids = children(conn)
    if not kids:
        return
    with_oid = "tableoid" in text.lower()
    for table in list(tree.find_all(exp.Table)):
        if any(table is o for o in only):
            continue
        if not isinstance(table.this, exp.Identifier) or table.args.get("db") \
                or table.name.lower() not in kids:
            continue
        if (stmt := _written(table)) is not None:
            if not isinstance(stmt, exp.Insert):
                _write_below(tree, stmt, table, descendants(kids, table.name))
            continue
        cols = _columns(conn, table.name)
        arms = []
        for t in [table.name, *descendants(kids, table.name)]:
            name = _true_name(conn, t)
            oid = f", {rel_oid(name)} AS {_OID}, '{name}' AS {_NAME}" if with_oid else ""
            own = {c.lower() for c in _columns(conn, t)}
            listed = ", ".join(_q(c) if c.lower() in own else f"NULL AS {_q(c)}" for c in cols)
            arms.append(f"SELECT {listed}{oid} FROM {_q(t)}")
        from aurora.engine.sql.translate import parse

        alias = table.alias or table.name
        sub = exp.Subquery(this=parse(" UNION ALL ".join(arms)),
                           alias=exp.TableAlias(this=exp.to_identifier(alias)))
        scope = table.parent_select
        table.replace(sub)
        if with_oid and scope is not None:
            _tableoid_of(scope, alias, cols)


def _only(conn: apsw.Connection, table: exp.Table) -> None:
    """``ONLY t``: t's own rows, which a partitioned table has none of."""
    from aurora.engine.sql import partitions
    from aurora.engine.sql.translate import parse

    table.set("only", None)
    rel = partitions.find(conn, table.name) if isinstance(table.this, exp.Identifier) else None
    if rel is not None and rel.strategy and _written(table) is None:
        empty = parse(f"SELECT * FROM {_q(table.name)} WHERE FALSE")
        table.replace(exp.Subquery(this=empty, alias=exp.TableAlias(
            this=exp.to_identifier(table.alias_or_name))))


def _write_below(tree: exp.Expression, stmt: exp.Expression, table: exp.Table,
                 below: list[str]) -> None:
    """UPDATE / DELETE of a parent: the same statement of each descendant (under the parent's
    name as its alias) runs after it, in ``tree.meta["also"]``. With RETURNING, inside a
    WITH, or reading the family's tables again, it is not done (0A000): writing the
    parent's rows alone would answer wrongly."""
    verb = "UPDATE" if isinstance(stmt, exp.Update) else "DELETE"
    family = {table.name.lower(), *(b.lower() for b in below)}
    rereads = any(isinstance(t.this, exp.Identifier) and t.name.lower() in family
                  for t in stmt.find_all(exp.Table) if t is not table)
    if stmt is not tree or stmt.args.get("returning") is not None or stmt.args.get("with_") \
            or rereads:  # each run would see the earlier ones' changes, unlike PostgreSQL
        raise SqlError("0A000", f"this {verb} of a table with inheritance children is not "
                       "supported (RETURNING, WITH or a second read of the table)",
                       hint=f"Use {verb} ... ONLY {table.name} or write each child table.")
    also = []
    for child in below:
        copy = stmt.copy()
        target = copy.this
        target.set("this", exp.to_identifier(child, quoted=True))
        target.set("alias", exp.TableAlias(this=exp.to_identifier(table.alias_or_name)))
        also.append(copy)
    tree.meta["also"] = also


def _written(table: exp.Table) -> exp.Expression | None:
    """The INSERT / UPDATE / DELETE whose target ``table`` is, or None."""
    parent = table.parent
    if isinstance(parent, exp.Schema):
        parent = parent.parent
    if isinstance(parent, (exp.Insert, exp.Update, exp.Delete)) and parent.this in (
            table, table.parent):
        return parent
    return None


def _true_name(conn: apsw.Connection, name: str) -> str:
    found = temp.relation(conn, name)
    return found[0] if found else name


def _tableoid_of(select: exp.Select, alias: str, cols: list[str]) -> None:
    """``tableoid`` of the expanded relation reads its branch's literal; ``*`` keeps
    showing only the parent's columns."""
    sources = [select.args["from_"].this] if select.args.get("from_") else []
    sources += [j.this for j in select.args.get("joins") or []]
    single = len(sources) == 1
    for col in list(select.find_all(exp.Column)):
        if col.name.lower() == "tableoid" and (
                col.table.lower() == alias.lower() or (not col.table and single)):
            from aurora.engine.sql.partitions import keep_name

            keep_name(col)
            cast = col.parent
            if isinstance(cast, exp.Cast) and cast.to.sql("postgres").lower() == "regclass":
                cast.replace(exp.column(_NAME, alias, quoted=True))
            else:
                col.replace(exp.column(_OID, alias, quoted=True))
    out: list[exp.Expression] = []
    for e in select.expressions:
        if (isinstance(e, exp.Star) and single) or (
                isinstance(e, exp.Column) and isinstance(e.this, exp.Star)
                and e.table.lower() == alias.lower()):
            out.extend(exp.column(c, alias, quoted=True) for c in cols)
        else:
            out.append(e)
    select.set("expressions", out)


def truncate_set(conn: apsw.Connection, names: list[str], only: set[str]) -> list[str]:
    """TRUNCATE t empties t's descendants too (TRUNCATE ONLY t does not)."""
    kids = children(conn)
    out = list(names)
    for n in names:
        if n.lower() not in only:
            out.extend(d for d in descendants(kids, n) if d.lower() not in
                       {o.lower() for o in out})
    return out


def drop_set(s: Session, names: list[str], cascade: bool) -> list[str]:
    """DROP TABLE of a parent: its descendants go with CASCADE, else 2BP01."""
    kids = children(s.conn)
    if not kids:
        return names
    out = list(names)
    for n in names:
        for d in descendants(kids, n):
            if d.lower() in {o.lower() for o in out}:
                continue
            if not cascade:
                raise SqlError(
                    "2BP01", f"cannot drop table {n} because other objects depend on it",
                    detail=f"table {d} depends on table {n}",
                    hint="Use DROP ... CASCADE to drop the dependent objects too.")
            out.append(d)
    return out


def alter(s: Session, child: str, parent: str, add: bool) -> None:
    """ALTER TABLE child [NO] INHERIT parent. The schema cookie moves: plans that read the
    parent are made again."""
    from aurora.engine.sql.tabledef import touch_schema

    touch_schema(s.conn)
    for t in (child, parent):
        if s.catalog.table_columns(t) is None:
            raise SqlError("42P01", f'relation "{t}" does not exist')
    if not add:
        if parent.lower() not in {p.lower() for p in _parents(s.conn, child)}:
            raise SqlError("42P01", f'relation "{parent}" is not a parent of relation "{child}"')
        s.conn.execute("DELETE FROM main._aurora_inherits WHERE lower(child)=lower(?) AND "
                       "lower(parent)=lower(?)", (child, parent))
        return
    if parent.lower() in {d.lower() for d in [child, *descendants(children(s.conn), child)]}:
        raise SqlError("42P07", "circular inheritance not allowed",
                       detail=f'"{parent}" is already a child of "{child}".')
    own = {c.name.lower() for c in s.catalog.table_columns(child) or []}
    for c in s.catalog.table_columns(parent) or []:
        if c.name.lower() not in own:
            raise SqlError("42804", f'child table is missing column "{c.name}"')
    record(s, child, [*_parents(s.conn, child), parent])


def add_column_below(s: Session, table: str, col: exp.ColumnDef,
                     add: Callable[[str, exp.ColumnDef], None]) -> None:
    """ALTER TABLE parent ADD COLUMN: every descendant gets the column too (``add`` adds it to
    one table), as PostgreSQL's inheritance does."""
    for d in descendants(children(s.conn), table):
        if col.name.lower() not in {c.lower() for c in _columns(s.conn, d)}:
            add(d, col.copy())


def _parents(conn: apsw.Connection, child: str) -> list[str]:
    return [r[0] for schema in _catalogs(conn) for r in conn.execute(
        f"SELECT parent FROM {schema}._aurora_inherits WHERE lower(child)=lower(?) ORDER BY seq",
        (child,))]


def forget(conn: apsw.Connection, table: str) -> None:
    if conn.execute("SELECT 1 FROM main.sqlite_schema WHERE name='_aurora_inherits'").fetchall():
        conn.execute("DELETE FROM main._aurora_inherits WHERE lower(child)=lower(?) "
                     "OR lower(parent)=lower(?)", (table, table))
