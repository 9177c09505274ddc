"""Declarative partitioning: ``PARTITION BY`` tables and their ``PARTITION OF`` partitions.

A partitioned table is one SQLite table holding the rows of every partition; each partition
is a view of its parent filtered by its bound, WITH CHECK OPTION (a row written into it
that is outside its bound is 23514, as PostgreSQL's partition constraint). The root table
has one CHECK, ``_aurora_partition:<root>``: the row is in some leaf partition (else 23514 "no
partition of relation ... found for row"). So routing, an UPDATE that moves a row to
another partition, and unique keys over the whole table (PostgreSQL requires them to hold
the partition key) are SQLite's own. ``tableoid`` is the OID of the leaf whose bound the row
satisfies, a CASE over the bounds. ``_aurora_partitions`` keeps the tree: each relation's
parent, its bound (PostgreSQL text) and, for a partitioned one, its strategy and key. It is
made with the first partitioned table: a database without one pays nothing.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from aurora.engine.sql import types
from aurora.engine.sql.catalog import rel_oid
from aurora.engine.sql.tabledef import quote as _q
from aurora.engine.sqlapi import SqlError

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session


_OWN = "_aurora_own:"  # the CHECKs of one partition on the root table: _aurora_own:part:name


def _check_name(root: str) -> str:
    """The root table's CHECK that a row is in some partition; errors.py reads the name."""
    return f"_aurora_partition:{root}"

_CATALOG = """
CREATE TABLE IF NOT EXISTS main._aurora_partitions (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    parent TEXT COLLATE NOCASE,
    bound TEXT,
    strategy TEXT,
    key TEXT,
    columns TEXT,
    constraints TEXT
)
"""

_STRATEGY = {"RANGE": "r", "LIST": "l", "HASH": "h"}


class Rel:
    """One relation of a partition tree. ``constraints`` are the partition's own CHECKs
    (``["c", name, SQLite expression]``) and unique keys (``["u", name, [columns]]``), kept
    on the root table for the rows of this partition."""

    def __init__(self, name: str, parent: str | None, bound: str | None, strategy: str | None,
                 key: str | None, columns: str | None, constraints: str | None = None) -> None:
        self.name, self.parent, self.bound = name, parent, bound
        self.strategy = strategy
        self.key: list[str] = json.loads(key) if key else []
        self.columns: list[str] | None = json.loads(columns) if columns else None
        self.constraints: list[list] = json.loads(constraints) if constraints else []

    @property
    def is_default(self) -> bool:
        return self.bound == "DEFAULT"


def load(conn: apsw.Connection) -> dict[str, Rel]:
    """Every relation of every partition tree, by lower-case name: the database's, then the
    session's temp ones (temp.py; ``"main"`` is main there too)."""
    out: dict[str, Rel] = {}
    for schema in ('"main"', "temp"):
        if conn.execute(
                f"SELECT 1 FROM {schema}.sqlite_schema WHERE name='_aurora_partitions'").fetchall():
            out.update((r[0].lower(), Rel(*r)) for r in conn.execute(
                "SELECT name, parent, bound, strategy, key, columns, constraints "
                f"FROM {schema}._aurora_partitions ORDER BY rowid"))
    return out


def find(conn: apsw.Connection, name: str) -> Rel | None:
    return load(conn).get(name.lower())


def root_of(rels: dict[str, Rel], name: str) -> Rel:
    rel = rels[name.lower()]
    while rel.parent:
        rel = rels[rel.parent.lower()]
    return rel


def children(rels: dict[str, Rel], name: str) -> list[Rel]:
    return [r for r in rels.values() if (r.parent or "").lower() == name.lower()]


def subtree(rels: dict[str, Rel], name: str) -> list[Rel]:
    """``name`` and everything under it, parents before their partitions."""
    out = [rels[name.lower()]]
    for rel in out:
        out.extend(children(rels, rel.name))
    return out


def leaves(rels: dict[str, Rel], name: str) -> list[Rel]:
    return [r for r in subtree(rels, name) if r.strategy is None]


# --- bounds as conditions ----------------------------------------------------------------------

def _parse_expr(text: str) -> exp.Expression:
    from aurora.engine.sql.translate import parse

    select = parse(f"SELECT {text}")
    return select.expressions[0]


def _value(v: exp.Expression, type_name: str | None) -> exp.Expression:
    if type_name and isinstance(v, exp.Literal) and v.is_string:
        return exp.Cast(this=v.copy(), to=exp.DataType.build(type_name, dialect="postgres"))
    return v.copy()


def _is_inf(v: exp.Expression) -> str | None:
    if isinstance(v, (exp.Var, exp.Column)) and v.name.upper() in ("MINVALUE", "MAXVALUE"):
        return v.name.upper()
    return None


def _lexical(keys: list[exp.Expression], vals: list[exp.Expression], lower: bool) -> str:
    """PostgreSQL's range bound test of the key against one bound (MINVALUE / MAXVALUE
    included): key >= lower or key < upper, column by column."""
    n = len(vals)
    inf = None
    for i, v in enumerate(vals):
        if (inf := _is_inf(v)) is not None:
            n = i
            break
    if lower:
        last, strict = (">" if inf == "MAXVALUE" else ">="), ">"
    else:
        last, strict = ("<=" if inf == "MAXVALUE" else "<"), "<"
    if n == 0:
        return "TRUE" if (inf == "MINVALUE") == lower else "FALSE"
    k = [f"({keys[i].sql('postgres')})" for i in range(n)]
    v = [vals[i].sql("postgres") for i in range(n)]
    cond = f"{k[n - 1]} {last} {v[n - 1]}"
    for i in range(n - 2, -1, -1):
        cond = f"{k[i]} {strict} {v[i]} OR ({k[i]} = {v[i]} AND ({cond}))"
    return f"({cond})"


def _check_infinities(vals: list[exp.Expression]) -> None:
    seen = None
    for v in vals:
        inf = _is_inf(v)
        if seen and inf != seen:
            raise SqlError("42804", f"every bound following {seen} must also be {seen}")
        seen = seen or inf


class Bound:
    """A partition bound read from its FOR VALUES clause."""

    def __init__(self, spec: exp.Expression | None) -> None:
        self.default = spec is None or isinstance(spec, exp.Var)
        self.values: list[exp.Expression] = []
        self.lower: list[exp.Expression] = []
        self.upper: list[exp.Expression] = []
        self.modulus = self.remainder = None
        if self.default:
            return
        assert spec is not None
        if spec.args.get("from_expressions") is not None:
            self.kind = "r"
            self.lower = list(spec.args["from_expressions"])
            self.upper = list(spec.args["to_expressions"])
        elif isinstance(spec.this, list):
            self.kind = "l"
            self.values = list(spec.this)
        else:
            self.kind = "h"
            self.modulus, self.remainder = spec.this, spec.expression

    def text(self) -> str:
        if self.default:
            return "DEFAULT"
        if self.kind == "l":
            return "FOR VALUES IN (" + ", ".join(v.sql("postgres") for v in self.values) + ")"
        if self.kind == "r":
            return ("FOR VALUES FROM (" + ", ".join(v.sql("postgres") for v in self.lower)
                    + ") TO (" + ", ".join(v.sql("postgres") for v in self.upper) + ")")
        return f"FOR VALUES WITH (MODULUS {self.modulus}, REMAINDER {self.remainder})"


def _read_bound(text: str) -> Bound:
    from aurora.engine.sql.translate import parse

    tree = parse(f"CREATE TABLE _x PARTITION OF _p {text}")
    prop = tree.find(exp.PartitionedOfProperty)
    assert prop is not None
    return Bound(prop.expression)


def _key_types(s: Session, parent: Rel) -> list[str | None]:
    """The type name of each key column (None for an expression key)."""
    cols = {c.name.lower(): c for c in s.catalog.table_columns(root_name(s, parent)) or []}
    out: list[str | None] = []
    for k in parent.key:
        c = cols.get(k.strip('"').lower())
        out.append(types.format_type(c.type_oid, c.typmod) if c is not None else None)
    return out


def root_name(s: Session, rel: Rel) -> str:
    return root_of(load(s.conn), rel.name).name


def own_condition(s: Session, rels: dict[str, Rel], rel: Rel) -> str:
    """The PostgreSQL condition of ``rel``'s own bound, over its parent's columns."""
    parent = rels[rel.parent.lower()]  # type: ignore[union-attr]
    bound = _read_bound(rel.bound or "DEFAULT")
    if bound.default:
        others = [own_condition(s, rels, r) for r in children(rels, parent.name)
                  if not r.is_default]
        if not others:
            return "TRUE"
        return "NOT (" + " OR ".join(f"({c}) IS TRUE" for c in others) + ")"
    keys = [_parse_expr(k) for k in parent.key]
    kinds = _key_types(s, parent)
    if bound.kind == "l":
        vals = [v for v in bound.values if not isinstance(v, exp.Null)]
        parts = []
        if vals:
            parts.append(f"({keys[0].sql('postgres')}) IN ("
                         + ", ".join(_value(v, kinds[0]).sql("postgres") for v in vals) + ")")
        if len(vals) < len(bound.values):
            parts.append(f"({keys[0].sql('postgres')}) IS NULL")
        return " OR ".join(parts) or "FALSE"
    if bound.kind == "r":
        lo = [_value(v, kinds[i]) for i, v in enumerate(bound.lower)]
        hi = [_value(v, kinds[i]) for i, v in enumerate(bound.upper)]
        return f"{_lexical(keys, lo, True)} AND {_lexical(keys, hi, False)}"
    raise SqlError("0A000", "hash partitioning is not supported")


def full_condition(s: Session, rels: dict[str, Rel], rel: Rel) -> str:
    """The condition a row of the root table meets to be in ``rel`` (TRUE for the root)."""
    conds = []
    while rel.parent:
        conds.append(f"({own_condition(s, rels, rel)})")
        rel = rels[rel.parent.lower()]
    return " AND ".join(reversed(conds)) or "TRUE"


def _sqlite_condition(s: Session, pg: str) -> str:
    from aurora.engine.sql.translate import Rewriter, generate

    return generate(Rewriter(s.catalog).walk(_parse_expr(pg)))


# --- keeping the SQLite objects in step with the catalog ----------------------------------------

def _refresh(s: Session, root: str) -> None:
    """Make the root's CHECK and every partition's view say what the catalog says."""
    from aurora.engine.sql import tabledef

    s.catalog.refresh(force=True)
    rels = load(s.conn)
    leaf_conds = [full_condition(s, rels, r) for r in leaves(rels, root)
                  if r.name.lower() != root.lower()]
    pg = " OR ".join(f"({c}) IS TRUE" for c in leaf_conds) or "FALSE"
    text = tabledef.TableText(s.conn, root)
    text.drop_check(_check_name(root))
    text.add_check(_check_name(root), _sqlite_condition(s, pg) if leaf_conds else "0")
    for name, _e, _c in text.checks():
        if name and name.startswith(_OWN):
            text.drop_check(name)
    for rel in subtree(rels, root)[1:]:
        cond = None
        for kind, name, what in rel.constraints:
            cond = cond or _sqlite_condition(s, full_condition(s, rels, rel))
            if kind == "c":
                text.add_check(f"{_OWN}{rel.name}:{name}",
                               f"CASE WHEN ({cond}) THEN ({what}) ELSE 1 END")
            else:
                s.conn.execute(f"DROP INDEX IF EXISTS {_q(name)}")
                cols = ", ".join(_q(c) for c in what)
                try:
                    s.conn.execute(f"CREATE UNIQUE INDEX {_q(name)} ON {_q(root)} ({cols}) "
                                   f"WHERE ({cond}) IS TRUE")
                except apsw.SQLError:
                    raise SqlError("0A000", "this unique key of a partition is not supported "
                                   "here") from None
    tabledef.write(s.conn, text)
    for rel in subtree(rels, root)[1:]:
        _make_view(s, rels, rel)


def _make_view(s: Session, rels: dict[str, Rel], rel: Rel) -> None:
    from aurora.engine.sql.ddl import _create_view
    from aurora.engine.sql.translate import parse

    cols = ", ".join(_q(c) for c in rel.columns) if rel.columns else "*"
    cond = own_condition(s, rels, rel)
    tree = parse(f"CREATE OR REPLACE VIEW {_q(rel.name)} AS SELECT {cols} FROM "
                 f"{_q(rel.parent or '')} WHERE {cond}")
    tree.meta["check_option"] = "partition"
    s.conn.execute(f"DROP VIEW IF EXISTS {_q(rel.name)}")
    tree.set("replace", False)
    _create_view(s, tree)


def _record(s: Session, name: str, parent: str | None, bound: str | None,
            strategy: str | None, key: list[str] | None, columns: list[str] | None,
            constraints: list[list] | None = None) -> None:
    s.conn.execute(_CATALOG)
    s.conn.execute(
        "INSERT OR REPLACE INTO main._aurora_partitions(name, parent, bound, strategy, key, "
        "columns, constraints) VALUES (?,?,?,?,?,?,?)",
        (name, parent, bound, strategy, json.dumps(key) if key else None,
         json.dumps(columns) if columns else None,
         json.dumps(constraints) if constraints else None),
    )


def partition_by(tree: exp.Expression) -> tuple[str, list[str]] | None:
    """(strategy, key expressions' text) of a CREATE TABLE's PARTITION BY, or None."""
    prop = tree.find(exp.PartitionedByProperty)
    if prop is None:
        return None
    spec = prop.this
    word = "LIST" if isinstance(spec, exp.List) else \
        str(spec.this).upper() if isinstance(spec, exp.Anonymous) else ""
    if word not in _STRATEGY:
        raise SqlError("42601", "syntax error in PARTITION BY")
    keys = []
    for e in spec.expressions:
        while isinstance(e, exp.Paren):
            e = e.this
        keys.append(e.sql("postgres"))
    return _STRATEGY[word], keys


def created_partitioned(s: Session, table: str, spec: tuple[str, list[str]]) -> None:
    """After CREATE TABLE ... PARTITION BY: record it; it takes no row until a partition."""
    strategy, keys = spec
    if strategy == "l" and len(keys) > 1:
        raise SqlError("42P17", 'cannot use "list" partition strategy with more than one column')
    cols = {c.name.lower() for c in s.catalog.table_columns(table) or []}
    for k in keys:
        e = _parse_expr(k)
        for c in e.find_all(exp.Column):
            if c.name.lower() not in cols:
                raise SqlError("42703", f'column "{c.name}" named in partition key does not exist')
    _record(s, table, None, None, strategy, keys, None)
    _refresh(s, table)


def create_partition(s: Session, tree: exp.Expression) -> None:
    """CREATE TABLE c PARTITION OF p [(...)] FOR VALUES ... | DEFAULT [PARTITION BY ...]."""
    prop = tree.find(exp.PartitionedOfProperty)
    assert prop is not None
    target = tree.this
    name = target.this.name if isinstance(target, exp.Schema) else target.name
    parent_node = prop.this.this if isinstance(prop.this, exp.Schema) else prop.this
    parent = parent_node.name
    if s.conn.execute("SELECT 1 FROM main.sqlite_schema WHERE lower(name)=lower(?)",
                      (name,)).fetchall():
        if tree.args.get("exists"):
            return
        raise SqlError("42P07", f'relation "{name}" already exists')
    own = _own_constraints(s, name, prop.this) if isinstance(prop.this, exp.Schema) else []
    _attach(s, name, parent, Bound(prop.expression), partition_by(tree), None, own)


def _own_constraints(s: Session, table: str, schema: exp.Schema) -> list[list]:
    """The column and table constraints written in ``PARTITION OF p (...)``: CHECK, NOT
    NULL, UNIQUE and PRIMARY KEY hold for this partition's rows (a DEFAULT is not kept)."""
    out: list[list] = []

    def check(name: str | None, pg: str, cols: list[str]) -> None:
        out.append(["c", name or f"{table}_{'_'.join(cols)}_check", _sqlite_condition(s, pg)])

    def unique(name: str | None, cols: list[str], suffix: str) -> None:
        out.append(["u", name or f"{table}_{'_'.join(cols)}_{suffix}", cols])

    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            col = item.name
            for cons in item.args.get("constraints") or []:
                k = cons.args.get("kind")
                if isinstance(k, exp.NotNullColumnConstraint):
                    out.append(["c", f"{table}_{col}_not_null", f"{_q(col)} IS NOT NULL"])
                elif isinstance(k, exp.CheckColumnConstraint):
                    check(cons.name or None, k.this.sql("postgres"), [col])
                elif isinstance(k, exp.UniqueColumnConstraint):
                    unique(cons.name or None, [col], "key")
                elif isinstance(k, exp.PrimaryKeyColumnConstraint):
                    out.append(["c", f"{table}_{col}_not_null", f"{_q(col)} IS NOT NULL"])
                    unique(cons.name or None, [col], "pkey")
            continue
        name = item.name or None if isinstance(item, exp.Constraint) else None
        inner = item.expressions[0] if isinstance(item, exp.Constraint) and item.expressions \
            else item
        if isinstance(inner, exp.CheckColumnConstraint):
            check(name, inner.this.sql("postgres"),
                  sorted({c.name for c in inner.this.find_all(exp.Column)}))
        elif isinstance(inner, exp.UniqueColumnConstraint):
            sch = inner.this
            cols = [c.name for c in (sch.expressions if isinstance(sch, exp.Schema)
                                     else inner.expressions)]
            unique(name, cols, "key")
        elif isinstance(inner, exp.PrimaryKey):
            cols = [c.name for c in inner.expressions]
            for c in cols:
                out.append(["c", f"{table}_{c}_not_null", f"{_q(c)} IS NOT NULL"])
            unique(name, cols, "pkey")
    return out


def _true_name(s: Session, name: str) -> str:
    rows = s.conn.execute("SELECT name FROM main.sqlite_schema WHERE lower(name)=lower(?)",
                          (name,)).fetchall()
    return rows[0][0] if rows else name


def _attach(s: Session, name: str, parent: str, bound: Bound,
            sub: tuple[str, list[str]] | None, columns: list[str] | None,
            constraints: list[list] | None = None) -> None:
    rels = load(s.conn)
    prel = rels.get(parent.lower())
    if prel is None:
        if s.catalog.table_columns(parent) is None:
            raise SqlError("42P01", f'relation "{parent}" does not exist')
        raise SqlError("42809", f'table "{parent}" is not partitioned')
    if prel.strategy is None:
        raise SqlError("42809", f'table "{prel.name}" is not partitioned')
    if not bound.default:
        want = {"l": "list", "r": "range", "h": "hash"}[prel.strategy]
        if bound.kind != prel.strategy:
            raise SqlError("42P17", f"invalid bound specification for a {want} partition")
        if bound.kind == "r":
            for vals in (bound.lower, bound.upper):
                if len(vals) != len(prel.key):
                    raise SqlError("42P17", "FROM must specify exactly one value per "
                                   "partitioning column" if vals is bound.lower else
                                   "TO must specify exactly one value per partitioning column")
                _check_infinities(vals)
    siblings = children(rels, prel.name)
    if bound.default:
        if (d := next((r for r in siblings if r.is_default), None)) is not None:
            raise SqlError("42P17", f'partition "{name}" conflicts with existing default '
                           f'partition "{d.name}"')
    else:
        _check_overlap(s, rels, prel, name, bound, siblings)
    _fix_times(s, prel, bound)
    root = root_of(rels, prel.name).name
    new = Rel(name, prel.name, bound.text(), None, None, json.dumps(columns) if columns else None)
    rels[name.lower()] = new
    if not bound.default:
        # a row of the default partition that the new bound takes would change partition
        cond = _sqlite_condition(s, full_condition(s, rels, new))
        if s.conn.execute(f"SELECT 1 FROM {_q(root)} WHERE ({cond}) LIMIT 1").fetchall():
            d = next((r for r in siblings if r.is_default), None)
            raise SqlError("23514", f'updated partition constraint for default partition '
                           f'"{d.name if d else prel.name}" would be violated by some row')
    _record(s, name, prel.name, bound.text(),
            sub[0] if sub else None, sub[1] if sub else None, columns, constraints)
    _refresh(s, root)


def _fix_times(s: Session, prel: Rel, bound: Bound) -> None:
    """A date/time bound is read once, when the partition is made (as PostgreSQL stores
    it): its value replaces its text, so that no later TimeZone or DateStyle moves it."""
    kinds = _key_types(s, prel)

    def fixed(v: exp.Expression, kind: str | None) -> exp.Expression:
        if not (kind and ("date" in kind or "time" in kind) and isinstance(v, exp.Literal)
                and v.is_string):
            return v
        value = s.conn.execute(
            f"SELECT {_sqlite_condition(s, _value(v, kind).sql('postgres'))}").fetchall()[0][0]
        return exp.Literal.string(value) if isinstance(value, str) else v

    bound.values = [fixed(v, kinds[0]) for v in bound.values]
    bound.lower = [fixed(v, kinds[i]) for i, v in enumerate(bound.lower)]
    bound.upper = [fixed(v, kinds[i]) for i, v in enumerate(bound.upper)]


def _check_overlap(s: Session, rels: dict[str, Rel], prel: Rel, name: str, bound: Bound,
                   siblings: list[Rel]) -> None:
    """42P17 when the bound overlaps a sibling's (or a range is empty)."""
    def val(v: exp.Expression) -> tuple[int, object]:
        if (inf := _is_inf(v)) is not None:
            return (-1 if inf == "MINVALUE" else 1, None)
        return (0, s.conn.execute(f"SELECT {_sqlite_condition(s, v.sql('postgres'))}")
                .fetchall()[0][0])

    def cmp(a: list[exp.Expression], b: list[exp.Expression]) -> int:
        for x, y in zip(a, b, strict=False):
            vx, vy = val(x), val(y)
            if vx[0] != vy[0] or vx[0] != 0:
                if vx[0] != vy[0]:
                    return -1 if vx[0] < vy[0] else 1
                return 0
            if vx[1] != vy[1]:
                try:
                    return -1 if vx[1] < vy[1] else 1  # type: ignore[operator]
                except TypeError:
                    return -1 if str(vx[1]) < str(vy[1]) else 1
        return 0

    if bound.kind == "r" and cmp(bound.lower, bound.upper) >= 0:
        raise SqlError("42P17", f'empty range bound specified for partition "{name}"',
                       detail=f"Specified lower bound ({', '.join(v.sql('postgres') for v in bound.lower)}) "
                       f"is greater than or equal to upper bound "
                       f"({', '.join(v.sql('postgres') for v in bound.upper)}).")
    kinds = _key_types(s, prel)
    for sib in siblings:
        if sib.is_default:
            continue
        other = _read_bound(sib.bound or "")
        if bound.kind == "l":
            mine = {repr(val(_value(v, kinds[0]))) for v in bound.values}
            theirs = {repr(val(_value(v, kinds[0]))) for v in other.values}
            hit = bool(mine & theirs)
        elif bound.kind == "r":
            lo = [_value(v, kinds[i]) for i, v in enumerate(bound.lower)]
            hi = [_value(v, kinds[i]) for i, v in enumerate(bound.upper)]
            olo = [_value(v, kinds[i]) for i, v in enumerate(other.lower)]
            ohi = [_value(v, kinds[i]) for i, v in enumerate(other.upper)]
            hit = cmp(lo, ohi) < 0 and cmp(olo, hi) < 0
        else:
            hit = False
        if hit:
            raise SqlError("42P17", f'partition "{name}" would overlap partition "{sib.name}"')


# --- statements ---------------------------------------------------------------------------------

def attach(s: Session, parent: str, table: str, bound_text: str) -> None:
    """ALTER TABLE parent ATTACH PARTITION table FOR VALUES ...: the table's rows move into
    the parent's root table (each must fit the bound: 23514) and the table becomes a view;
    its CHECK and NOT NULL constraints hold on for its rows."""
    from aurora.engine.sql import ddl, tabledef, triggers

    parent, table = _true_name(s, parent), _true_name(s, table)
    pcols = s.catalog.table_columns(parent)
    tcols = s.catalog.table_columns(table)
    if tcols is None or not ddl._exists(s, table, "table"):
        raise SqlError("42P01", f'relation "{table}" does not exist')
    if pcols is None:
        raise SqlError("42P01", f'relation "{parent}" does not exist')
    rels = load(s.conn)
    if table.lower() in rels and rels[table.lower()].parent:
        raise SqlError("42P17", f'"{table}" is already a partition')
    if triggers.exists(s.conn) and any(
            t.table.lower() == table.lower() and t.level == "row" for t in triggers.all_triggers(s.conn)):
        # a partition is a view here, which has no row-level BEFORE / AFTER triggers
        raise SqlError("0A000", f'row-level triggers on partition "{table}" are not supported',
                       hint=f'Drop them, or create them on the partitioned table "{parent}".')
    pnames = {c.name.lower(): c for c in pcols}
    for c in tcols:
        if c.name.lower() not in pnames:
            raise SqlError("42804", f'table "{table}" contains column "{c.name}" not found in '
                           f'parent "{parent}"',
                           detail="The new partition may contain only the columns present "
                           "in parent.")
    if len(tcols) != len(pcols):
        missing = next(c.name for c in pcols if c.name.lower() not in
                       {t.name.lower() for t in tcols})
        raise SqlError("42804", f'child table is missing column "{missing}"')
    bound = _read_bound(bound_text)
    own = rels.get(table.lower())
    sub = (own.strategy, own.key) if own is not None and own.strategy else None
    names = [c.name for c in tcols]
    prel = rels.get(parent.lower())
    if prel is None or prel.strategy is None:
        raise SqlError("42809", f'table "{parent}" is not partitioned')
    root = root_of(rels, parent).name
    # the table's rows must satisfy the new partition constraint
    probe = Rel(table, prel.name, bound.text(), None, None, None)
    rels2 = dict(rels)
    rels2[table.lower()] = probe
    if not bound.default:
        cond = _sqlite_condition(s, own_condition(s, rels2, probe))
        if s.conn.execute(f"SELECT 1 FROM {_q(table)} WHERE NOT (({cond}) IS TRUE) "
                          "LIMIT 1").fetchall():
            raise SqlError("23514", f'partition constraint of relation "{table}" is violated '
                           "by some row")
    listed = ", ".join(_q(n) for n in names)
    rows = s.conn.execute(f"SELECT {listed} FROM {_q(table)}").fetchall()
    kept = [["c", name, expr] for name, expr, _c in tabledef.TableText(s.conn, table).checks()
            if name and not name.startswith("_aurora_")]
    kept += [["c", f"{table}_{n}_not_null", f"{_q(n)} IS NOT NULL"] for n, in s.conn.execute(
        "SELECT name FROM pragma_table_info(?) WHERE \"notnull\" AND NOT pk", (table,))]
    under = subtree(rels, table)[1:] if own is not None else []
    for rel in reversed(under):  # views of the table: made again over the view it becomes
        s.conn.execute(f"DROP VIEW IF EXISTS {_q(rel.name)}")
    s.conn.execute(f"DROP TABLE {_q(table)}")
    s.conn.execute("DELETE FROM main._aurora_columns WHERE lower(table_name)=lower(?)", (table,))
    s.conn.execute("DELETE FROM main._aurora_constraints WHERE lower(table_name)=lower(?)",
                   (table,))
    _attach(s, table, parent, bound, sub, names if names != [c.name for c in pcols] else None,
            kept + (own.constraints if own is not None else []))
    for rel in under:
        _make_view(s, load(s.conn), rel)
    if rows:
        marks = ", ".join("?" for _ in names)
        s.conn.executemany(f"INSERT INTO {_q(root)} ({listed}) VALUES ({marks})", rows)


def detach(s: Session, parent: str, table: str) -> None:
    """ALTER TABLE parent DETACH PARTITION table: the partition becomes a table of its own
    with its rows (a partitioned one becomes the root of its sub-tree)."""
    from aurora.engine.sql import tabledef

    rels = load(s.conn)
    rel = rels.get(table.lower())
    if rel is None or (rel.parent or "").lower() != parent.lower():
        if s.catalog.table_columns(table) is None:
            raise SqlError("42P01", f'relation "{table}" does not exist')
        raise SqlError("42P01", f'relation "{table}" is not a partition of relation "{parent}"')
    table = rel.name
    root = root_of(rels, parent).name
    cond = _sqlite_condition(s, full_condition(s, rels, rel))
    under = subtree(rels, table)
    root_cols = s.catalog.table_columns(root) or []
    names = rel.columns or [c.name for c in root_cols]
    listed = ", ".join(_q(n) for n in names)
    rows = s.conn.execute(f"SELECT {listed} FROM {_q(root)} WHERE ({cond}) IS TRUE").fetchall()
    s.conn.execute(f"DELETE FROM {_q(root)} WHERE ({cond}) IS TRUE")
    for r in under:
        s.conn.execute(f"DROP VIEW IF EXISTS {_q(r.name)}")
        s.conn.execute("DELETE FROM main._aurora_columns WHERE lower(table_name)=lower(?)",
                       (r.name,))
    s.conn.execute("DELETE FROM main._aurora_partitions WHERE lower(name)=lower(?)", (table,))
    text = tabledef.TableText(s.conn, root)
    text.drop_check(_check_name(root))
    by_name = {c.name.lower(): c for c in text.columns()}
    body = ", ".join([by_name[n.lower()].sql() for n in names]
                     + [i.sql() for i in text.constraints()
                        if not (i.name or "").startswith(_OWN)]
                     + [f"CONSTRAINT {_q(name)} CHECK ({what})"
                        for kind, name, what in rel.constraints if kind == "c"])
    s.conn.execute(f"CREATE TABLE {_q(table)} ({body})")
    for kind, name, what in rel.constraints:
        if kind == "u":
            s.conn.execute(f"DROP INDEX IF EXISTS {_q(name)}")
            cols = ", ".join(_q(c) for c in what)
            s.conn.execute(f"CREATE UNIQUE INDEX {_q(name)} ON {_q(table)} ({cols})")
    info = {c.name.lower(): c for c in root_cols}
    s.conn.executemany(
        "INSERT OR REPLACE INTO main._aurora_columns(table_name, column_name, position, "
        "type_oid, typmod, default_expr, identity) VALUES (?,?,?,?,?,?,?)",
        [(table, n, i + 1, info[n.lower()].type_oid, info[n.lower()].typmod,
          getattr(info[n.lower()], "default_expr", None), "")
         for i, n in enumerate(names)],
    )
    if rows:
        marks = ", ".join("?" for _ in names)
        s.conn.executemany(f"INSERT INTO {_q(table)} ({listed}) VALUES ({marks})", rows)
    if rel.strategy:
        s.conn.execute("UPDATE main._aurora_partitions SET parent=NULL, bound=NULL, columns=NULL "
                       "WHERE lower(name)=lower(?)", (table,))
        _record(s, table, None, None, rel.strategy, rel.key, None)
        _refresh(s, table)
    _refresh(s, root)


def drop(s: Session, name: str) -> list[str]:
    """DROP TABLE of a partitioned table or a partition: the partitions under it go too (and
    a partition's rows leave the root); the partitions dropped (none: no part of a tree)."""
    rels = load(s.conn)
    rel = rels.get(name.lower())
    if rel is None:
        return []
    under = subtree(rels, rel.name)
    if rel.parent:
        root = root_of(rels, rel.name).name
        cond = _sqlite_condition(s, full_condition(s, rels, rel))
        s.conn.execute(f"DELETE FROM {_q(root)} WHERE ({cond}) IS TRUE")
    for r in reversed(under):
        for kind, cname, _what in r.constraints:
            if kind == "u":
                s.conn.execute(f"DROP INDEX IF EXISTS {_q(cname)}")
        if r.parent:
            s.conn.execute(f"DROP VIEW IF EXISTS {_q(r.name)}")
            s.conn.execute("DELETE FROM main._aurora_columns WHERE lower(table_name)=lower(?)",
                           (r.name,))
        s.conn.execute("DELETE FROM main._aurora_partitions WHERE lower(name)=lower(?)",
                       (r.name,))
    if rel.parent:
        _refresh(s, root)
    return [r.name.lower() for r in under if r.parent]


def before_alter(s: Session, table: str) -> bool:
    """Before ALTER TABLE of a partitioned table: its partitions' views go (they are made
    again by :func:`after_alter` over the altered columns). False: no partitioned table."""
    rels = load(s.conn)
    rel = rels.get(table.lower())
    if rel is None or rel.parent:
        return False
    for r in reversed(subtree(rels, rel.name)[1:]):
        s.conn.execute(f"DROP VIEW IF EXISTS {_q(r.name)}")
    return True


def after_alter(s: Session, old: str, table: str) -> None:
    """After ALTER TABLE of a partitioned table (``old`` its name before a RENAME)."""
    from aurora.engine.sql import tabledef

    table = _true_name(s, table)
    if old.lower() != table.lower():
        s.conn.execute("UPDATE main._aurora_partitions SET name=? WHERE lower(name)=lower(?)",
                       (table, old))
        s.conn.execute("UPDATE main._aurora_partitions SET parent=? "
                       "WHERE lower(parent)=lower(?)", (table, old))
        text = tabledef.TableText(s.conn, table)
        text.drop_check(_check_name(old))
        tabledef.write(s.conn, text)
    _refresh(s, table)


def drop_column(s: Session, table: str, column: str) -> None:
    """DROP COLUMN of a partitioned table: refused for a partition key column (42P16); the
    partitions' own constraints on it go with it, as in PostgreSQL."""
    rels = load(s.conn)
    if table.lower() not in rels:
        return
    low = column.lower()
    for rel in subtree(rels, table):
        for k in rel.key:
            if any(c.name.lower() == low for c in _parse_expr(k).find_all(exp.Column)):
                raise SqlError("42P16", f'cannot drop column "{column}" because it is part of '
                               f'the partition key of relation "{rel.name}"')
    mention = re.compile(rf'(?<![\w"]){re.escape(column)}(?![\w"])|"{re.escape(column)}"', re.I)
    for rel in subtree(rels, table)[1:]:
        kept = []
        for kind, name, what in rel.constraints:
            if kind == "u" and low in (c.lower() for c in what):
                s.conn.execute(f"DROP INDEX IF EXISTS {_q(name)}")
            elif not (kind == "c" and mention.search(what)):
                kept.append([kind, name, what])
        columns = [c for c in rel.columns if c.lower() != low] if rel.columns else None
        s.conn.execute("UPDATE main._aurora_partitions SET constraints=?, columns=? "
                       "WHERE lower(name)=lower(?)",
                       (json.dumps(kept) if kept else None,
                        json.dumps(columns) if columns else None, rel.name))


def truncate(s: Session, name: str, only: bool) -> bool:
    """TRUNCATE of a partitioned table or a partition (False: ``name`` is neither)."""
    rels = load(s.conn)
    rel = rels.get(name.lower())
    if rel is None:
        return False
    if only and rel.strategy:
        raise SqlError("42809", "cannot truncate only a partitioned table",
                       hint="Do not specify the ONLY keyword, or use TRUNCATE ONLY on the "
                       "partitions directly.")
    root = root_of(rels, rel.name).name
    if rel.parent:
        cond = _sqlite_condition(s, full_condition(s, rels, rel))
        s.conn.execute(f"DELETE FROM {_q(root)} WHERE ({cond}) IS TRUE")
    else:
        s.conn.execute(f"DELETE FROM {_q(root)}")
    return True


def tableoid(tree: exp.Expression, s: Session) -> None:
    """Every ``tableoid`` column becomes the OID of the relation its row is in: a literal for
    a table, a CASE over the leaves' bounds for a partitioned table or a partition;
    ``tableoid::regclass`` becomes the name."""
    rels = load(s.conn)
    for col in list(tree.find_all(exp.Column)):
        if col.name.lower() != "tableoid" or isinstance(col.this, exp.Star):
            continue
        rel, alias = _relation_of(col, tree)
        if rel is None:
            continue
        if s.catalog.table_columns(rel) is not None and "tableoid" in {
                c.name.lower() for c in s.catalog.table_columns(rel) or []}:
            continue
        keep_name(col)
        node: exp.Expression = col
        as_name = isinstance(col.parent, exp.Cast) and col.parent.to.sql("postgres").lower() \
            == "regclass"
        if as_name:
            node = col.parent

        def lit(name: str, as_name: bool = as_name) -> exp.Expression:
            return exp.Literal.string(name) if as_name else exp.Literal.number(rel_oid(name))

        if rel.lower() in rels:
            ifs = []
            for leaf in leaves(rels, rel):
                cond = _parse_expr(full_condition(s, rels, leaf))
                if alias:
                    for c in cond.find_all(exp.Column):
                        c.set("table", exp.to_identifier(alias))
                ifs.append(exp.If(this=cond, true=lit(leaf.name)))
            value: exp.Expression = exp.Case(ifs=ifs) if ifs else exp.Null()
        elif s.conn.execute("SELECT 1 FROM main.sqlite_schema WHERE type='table' AND "
                            "lower(name)=lower(?)", (rel,)).fetchall():
            value = lit(_true_name(s, rel))
        else:
            continue
        node.replace(exp.Paren(this=value) if not as_name else value)


def keep_name(col: exp.Column) -> None:
    """Name a projected ``tableoid`` (or a cast of it) as PostgreSQL does, before the column
    is replaced by what computes it."""
    top: exp.Expression = col
    while isinstance(top.parent, exp.Cast):
        top = top.parent
    if isinstance(top.parent, exp.Select) and top in top.parent.expressions:
        alias = exp.Alias(alias=exp.to_identifier("tableoid", quoted=True))
        top.replace(alias)
        alias.set("this", top)  # the same nodes: the caller goes on replacing ``col``


def _relation_of(col: exp.Column, tree: exp.Expression) -> tuple[str | None, str | None]:
    """(relation, alias to qualify its columns with) that a ``tableoid`` column reads."""
    scope = col.parent
    while scope is not None and not isinstance(scope, (exp.Select, exp.Insert, exp.Update,
                                                       exp.Delete)):
        scope = scope.parent
    if scope is None:
        return None, None
    if isinstance(scope, (exp.Insert, exp.Update, exp.Delete)):
        target = scope.this.this if isinstance(scope.this, exp.Schema) else scope.this
        if isinstance(target, exp.Table):
            return target.name, target.alias or None
        return None, None
    tables = []
    frm = scope.args.get("from_")
    if frm is not None:
        tables.append(frm.this)
    tables.extend(j.this for j in scope.args.get("joins") or [])
    tables = [t for t in tables if isinstance(t, exp.Table) and isinstance(t.this, exp.Identifier)]
    if col.table:
        for t in tables:
            if t.alias_or_name.lower() == col.table.lower():
                return t.name, t.alias_or_name
        return None, None
    if len(tables) == 1:
        t = tables[0]
        return t.name, (t.alias or None)
    return None, None
