"""The rule for grouped queries: a column outside an aggregate must be grouped.

In a query with GROUP BY, or with an aggregate and no GROUP BY, each column that the select
list, HAVING or ORDER BY reads outside an aggregate must be one of the GROUP BY expressions,
lie inside one, or be functionally dependent on the grouped columns. SQLite answers such a
query with the value of some row of each group, which PostgreSQL and MySQL 8 (its default
``sql_mode`` has ONLY_FULL_GROUP_BY) refuse; the SQL engines refuse it before translation.

- PostgreSQL knows one functional dependency: a table's primary key grouped covers the
  table's other columns. Otherwise 42803 "column "t.c" must appear in the GROUP BY clause or
  be used in an aggregate function".
- MySQL knows more (``mysql=True``): a unique key of NOT NULL columns as well as the primary
  key, and columns equal to a constant or to a column already covered, by the WHERE clause or
  a join's ON (``a.id = b.a_id``), so that ``SELECT a.name ... JOIN ... GROUP BY b.a_id``
  passes. Otherwise 1055 (1140 for an aggregate query without GROUP BY).

Both err on the side of letting a query through. A column is refused only when it surely
belongs to an item of the query's own FROM (its qualifier names one, or it is the only
stored table with a column of that name and every item is a stored table) and is not
covered (a view, a derived table, a CTE or a function has no key). The catalogs of
pg_catalog and information_schema are left alone (their keys are not kept here).
Subqueries are not looked into, nor are window functions, GROUPING SETS, ROLLUP and CUBE,
nor a select list with ``*``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.errors import SqlglotError

from aurora.engine.sql.catalog import Catalog
from aurora.engine.sql.pgcatalog import CATALOG_TABLES
from aurora.engine.sqlapi import SqlError

# PostgreSQL's and MySQL's aggregate functions, by the names sqlglot may leave as calls
AGGREGATES = frozenset({
    "array_agg", "avg", "bit_and", "bit_or", "bit_xor", "bool_and", "bool_or", "count", "every",
    "json_agg", "jsonb_agg", "json_agg_strict", "jsonb_agg_strict", "json_object_agg",
    "jsonb_object_agg", "json_object_agg_strict", "jsonb_object_agg_strict",
    "json_object_agg_unique", "jsonb_object_agg_unique", "json_object_agg_unique_strict",
    "jsonb_object_agg_unique_strict", "json_arrayagg", "json_objectagg", "max", "min",
    "range_agg", "range_intersect_agg", "string_agg", "sum", "xmlagg", "any_value", "corr",
    "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_count", "regr_intercept",
    "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "stddev", "stddev_pop",
    "stddev_samp", "variance", "var_pop", "var_samp", "mode", "percentile_cont",
    "percentile_disc", "rank", "dense_rank", "percent_rank", "cume_dist", "grouping",
    "group_concat", "std",
})
_WHOLE = (exp.AggFunc, exp.Filter, exp.WithinGroup, exp.Window, exp.Subquery, exp.Select,
          exp.Exists)

Table = tuple[list[str], list[tuple[str, ...]]]
"""A stored table's columns and its keys (the primary key first), lower-cased."""
Describe = Callable[[str], "Table | None"]
"""A FROM item's name to its :data:`Table`; None when it is no stored table (a view)."""


@dataclass
class _Source:
    """A FROM item: its name in the query and, for a stored table, its columns and keys."""

    alias: str
    table: str | None  # None: a view, a derived table, a CTE, a function (no key)
    columns: frozenset[str] = frozenset()
    keys: list[tuple[str, ...]] = field(default_factory=list)
    system: bool = False  # a catalog: its keys are PostgreSQL's, unknown here


def check(tree: exp.Expression, describe: Describe, mysql: bool = False,
          database: str | None = None) -> None:
    """Raise for the first ungrouped column of any grouped query in ``tree`` (``database``:
    the MySQL database that names the column in 1055)."""
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for sel in list(tree.find_all(exp.Select)):
        group = sel.args.get("group")
        if group is not None:
            if not group.expressions or any(group.args.get(k) for k in ("rollup", "cube", "grouping_sets")):
                continue
        elif not any(_has_aggregate(e) for e in sel.expressions):
            continue
        if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and e.is_star)
               for e in sel.expressions):
            continue
        _Check(sel, group, describe, ctes, mysql, database).run()


def stored_table(catalog: Catalog, name: str, unique_keys: bool = False) -> Table | None:
    """A relation's columns and its primary key, and with ``unique_keys`` each unique key of
    NOT NULL columns (MySQL's dependencies); None when SQLite keeps it as a view."""
    cols = catalog.table_columns(name)
    conn = catalog.conn
    if cols is None or any(r[0] == "view" for r in conn.execute(
            "SELECT type FROM sqlite_schema WHERE lower(name) = lower(?) UNION ALL "
            "SELECT type FROM temp.sqlite_schema WHERE lower(name) = lower(?)", (name, name))):
        return None
    keys = [tuple(c.name.lower() for c in sorted(cols, key=lambda c: c.pk) if c.pk)]
    if unique_keys:
        not_null = {c.name.lower() for c in cols if c.not_null}
        for _seq, index, unique, _origin, partial in conn.execute(
                "SELECT * FROM pragma_index_list(?)", (name,)).fetchall():
            if unique and not partial:
                key = tuple(r[2].lower() for r in conn.execute(
                    "SELECT * FROM pragma_index_info(?)", (index,)).fetchall() if r[2])
                if set(key) <= not_null:
                    keys.append(key)
    return [c.name.lower() for c in cols], [k for k in keys if k]


def _has_aggregate(e: exp.Expression) -> bool:
    """An aggregate of this query level (not inside a subquery or a window)."""
    if _is_aggregate(e):
        return True
    if isinstance(e, (exp.Subquery, exp.Select, exp.Exists, exp.Window)):
        return False
    return any(_has_aggregate(x) for x in e.iter_expressions())


def _is_aggregate(e: exp.Expression) -> bool:
    return isinstance(e, (exp.AggFunc, exp.WithinGroup)) or (
        isinstance(e, exp.Anonymous) and str(e.this).lower() in AGGREGATES)


class _Check:
    def __init__(self, sel: exp.Select, group: exp.Group | None, describe: Describe,
                 ctes: set[str], mysql: bool, database: str | None) -> None:
        self.sel = sel
        self.grouped_query = group is not None
        self.mysql = mysql
        self.database = database
        self.sources = self._sources(describe, ctes)
        items = sel.expressions
        outputs = {e.alias.lower(): e.this for e in items if isinstance(e, exp.Alias)}
        exprs: list[exp.Expression] = []
        for g in group.expressions if group is not None else []:
            if isinstance(g, exp.Literal) and g.is_int:
                if not 0 < int(g.name) <= len(items):
                    raise (SqlError("42S22", f"Unknown column '{g.name}' in 'group statement'", errno=1054)
                           if mysql else SqlError("42P10", f"GROUP BY position {g.name} is not in select list"))
                item = items[int(g.name) - 1]  # GROUP BY 1: the first output
                exprs.append(item.this if isinstance(item, exp.Alias) else item)
            elif (isinstance(g, exp.Column) and not g.table and g.name.lower() in outputs
                  and self._resolve(g) is None):
                exprs.append(outputs[g.name.lower()])  # an output's name, no input column's
            else:
                exprs.append(g)
        self.grouped_text = {_text(e) for e in exprs}
        # the columns known to have one value per group: (FROM item or None, name)
        self.covered: set[tuple[str | None, str]] = set()
        for e in exprs:
            if isinstance(e, exp.Column):
                self._cover(e)
        if mysql:
            self._follow_equalities()

    def _sources(self, describe: Describe, ctes: set[str]) -> dict[str, _Source]:
        sources: dict[str, _Source] = {}
        from_ = self.sel.args.get("from_") or self.sel.args.get("from")
        items = [from_.this] if from_ is not None else []
        items += [j.this for j in self.sel.args.get("joins") or []]
        for item in items:
            alias = item.alias_or_name.lower()
            if not isinstance(item, exp.Table) or not isinstance(item.this, exp.Identifier):
                sources[alias] = _Source(alias, None)
                continue
            name = item.name.lower()
            if item.db.lower() in ("pg_catalog", "information_schema", "mysql", "performance_schema",
                                   "sys") or (name in CATALOG_TABLES and not self.mysql):
                sources[alias] = _Source(alias, None, system=True)
                continue
            table = None if name in ctes and not item.db else describe(name)
            if table is None:
                sources[alias] = _Source(alias, None)
                continue
            columns, keys = table
            sources[alias] = _Source(alias, name, frozenset(columns), keys)
        return sources

    def _resolve(self, col: exp.Column) -> _Source | None:
        """The FROM item a column reads, when it is surely one of this query's: the one its
        qualifier names, or the only stored table with a column of its name when every FROM
        item is a stored table (the columns of the others are not known here)."""
        name = col.name.lower()
        if col.table:
            return self.sources.get(col.table.lower())
        having = [s for s in self.sources.values() if name in s.columns]
        if len(having) == 1 and all(s.table is not None for s in self.sources.values()):
            return having[0]
        return None

    def _cover(self, col: exp.Column) -> bool:
        """Note a column as covered; True when it was not before."""
        src = self._resolve(col)
        key = (src.alias if src else None, col.name.lower())
        if key in self.covered:
            return False
        self.covered.add(key)
        return True

    def _is_covered(self, src: _Source, name: str) -> bool:
        names = {n for a, n in self.covered if a in (src.alias, None)}
        return name in names or any(k and set(k) <= names for k in src.keys)

    def _follow_equalities(self) -> None:
        """MySQL: a column equal to a constant, or to a covered column, in the WHERE clause
        or a join's ON (conjuncts only) is covered too; and so, by a key, its table's."""
        conds = [self.sel.args.get("where")] + [j.args.get("on") for j in self.sel.args.get("joins") or []]
        pairs: list[tuple[exp.Column, exp.Expression]] = []
        for cond in conds:
            for eq in _conjuncts(cond.this if isinstance(cond, exp.Where) else cond):
                if isinstance(eq, exp.EQ):
                    for a, b in ((eq.this, eq.expression), (eq.expression, eq.this)):
                        if isinstance(a, exp.Column):
                            pairs.append((a, b))
        changed = True
        while changed:
            changed = False
            for a, b in pairs:
                constant = isinstance(b, (exp.Literal, exp.Placeholder, exp.Parameter)) or (
                    isinstance(b, exp.Neg) and isinstance(b.this, exp.Literal))
                if constant or (isinstance(b, exp.Column) and self._covers(b)):
                    changed |= self._cover(a)

    def _covers(self, col: exp.Column) -> bool:
        src = self._resolve(col)
        if src is None:
            return (None, col.name.lower()) in self.covered
        return self._is_covered(src, col.name.lower())

    def run(self) -> None:
        parts: list[tuple[str, int, exp.Expression]] = [
            ("SELECT list", i, e) for i, e in enumerate(self.sel.expressions, 1)]
        having = self.sel.args.get("having")
        if having is not None:
            parts.append(("HAVING clause", 1, having.this))
        order = self.sel.args.get("order")
        outputs = {getattr(e, "alias_or_name", "").lower() for e in self.sel.expressions}
        for i, o in enumerate(order.expressions if order is not None else [], 1):
            key = o.this
            if (isinstance(key, exp.Literal) and key.is_int) or (
                    isinstance(key, exp.Column) and not key.table and key.name.lower() in outputs):
                continue  # an output's position or name: checked as an output
            parts.append(("ORDER BY clause", i, key))
        for where, n, part in parts:
            bad = self._ungrouped(part)
            if bad is not None:
                raise self._error(where, n, *bad)

    def _error(self, where: str, n: int, src: _Source, name: str) -> SqlError:
        if not self.mysql:
            return SqlError("42803", f'column "{src.alias}.{name}" must appear in the GROUP BY '
                                     "clause or be used in an aggregate function")
        column = ".".join(x for x in (self.database, src.table or src.alias, name) if x)
        if not self.grouped_query:
            return SqlError("42000", f"In aggregated query without GROUP BY, expression #{n} of "
                            f"{where} contains nonaggregated column '{column}'; this is "
                            "incompatible with sql_mode=only_full_group_by", errno=1140)
        return SqlError("42000", f"Expression #{n} of {where} is not in GROUP BY clause and "
                        f"contains nonaggregated column '{column}' which is not functionally "
                        "dependent on columns in GROUP BY clause; this is incompatible with "
                        "sql_mode=only_full_group_by", errno=1055)

    def _ungrouped(self, e: exp.Expression) -> tuple[_Source, str] | None:
        if _text(e) in self.grouped_text or _is_aggregate(e) or isinstance(e, _WHOLE):
            return None
        if isinstance(e, exp.Column):
            return self._column(e)
        for x in e.iter_expressions():
            bad = self._ungrouped(x)
            if bad is not None:
                return bad
        return None

    def _column(self, col: exp.Column) -> tuple[_Source, str] | None:
        if col.is_star:
            return None
        src = self._resolve(col)
        if src is None or src.system:
            return None  # an outer query's column, a catalog's, or not surely this one's
        name = col.name.lower()
        if src.table is not None and name not in src.columns:
            return None  # (an unknown column's error is for the translation to raise)
        return None if self._is_covered(src, name) else (src, name)


def _conjuncts(e: exp.Expression | None) -> list[exp.Expression]:
    while isinstance(e, exp.Paren):
        e = e.this
    if e is None:
        return []
    if isinstance(e, exp.And):
        return _conjuncts(e.this) + _conjuncts(e.expression)
    return [e]


_SENTINEL = re.compile(r"'__my[lsp]\d+__'")


def _text(e: exp.Expression) -> str:
    """An expression's text to match GROUP BY's with: without the columns' qualifiers
    (``t.a % 2`` is ``a % 2``) and with the MySQL lexer's literal sentinels (each literal has
    its own) all read as one, so that ``CONCAT(name, '')`` in the select list matches it in
    GROUP BY. (Two different literals, or two tables' columns of one name, then match too:
    such a query is let through.)"""
    if any(isinstance(c, exp.Column) and c.table for c in e.find_all(exp.Column)):
        e = e.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) and n.table else n)
    try:
        text = e.sql(dialect="postgres")
    except SqlglotError:  # (COUNT(DISTINCT v, x'41'): its generator re-parses)
        text = e.sql()
    return _SENTINEL.sub("?", text.lower())
