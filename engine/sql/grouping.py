"""PostgreSQL's rule for grouped queries: a column outside an aggregate must be grouped.

In a query with GROUP BY, or with an aggregate and no GROUP BY, each column that the select
list, HAVING or ORDER BY reads outside an aggregate must be one of the GROUP BY expressions,
lie inside one, or belong to a table whose primary key is grouped (the one functional
dependency PostgreSQL knows). Otherwise the query is 42803 "column "t.c" must appear in the
GROUP BY clause or be used in an aggregate function". SQLite answers such a query with the
value of some row of each group, which a PostgreSQL application would never see: this
module refuses it before translation.

It errs on the side of letting a query through. A column is refused only when it surely
belongs to an item of the query's own FROM (its qualifier names one, or it is the only
stored table with a column of that name and every item is a stored table) and the GROUP BY
neither names it nor, for a stored table, covers the table's primary key (a view, a derived
table, a CTE or a function has none). The catalogs of pg_catalog and information_schema are
left alone (their keys are PostgreSQL's, not kept here). Subqueries are not looked into,
nor are window functions, GROUPING SETS, ROLLUP and CUBE, nor a select list with ``*``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from aurora.engine.sql.catalog import Catalog
from aurora.engine.sql.pgcatalog import CATALOG_TABLES
from aurora.engine.sqlapi import SqlError

# PostgreSQL's aggregate functions, by the names sqlglot may leave as Anonymous calls
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
})
_WHOLE = (exp.AggFunc, exp.Filter, exp.WithinGroup, exp.Window, exp.Subquery, exp.Select,
          exp.Exists)


@dataclass
class _Source:
    """A FROM item: its name in the query and, for a stored table, its columns and key."""

    alias: str
    table: str | None  # None: a view, a derived table, a CTE, a function (no key)
    columns: frozenset[str] = frozenset()
    key: tuple[str, ...] = ()
    system: bool = False  # a catalog: its keys are PostgreSQL's, unknown here


def check(tree: exp.Expression, catalog: Catalog) -> None:
    """Raise 42803 for the first ungrouped column of any grouped query in ``tree``."""
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
        _Check(sel, group, catalog, ctes).run()


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
    def __init__(self, sel: exp.Select, group: exp.Group | None, catalog: Catalog,
                 ctes: set[str]) -> None:
        self.sel = sel
        self.catalog = catalog
        self.sources = self._sources(ctes)
        items = sel.expressions
        self.outputs = {e.alias.lower(): e.this for e in items if isinstance(e, exp.Alias)}
        exprs: list[exp.Expression] = []
        for g in group.expressions if group is not None else []:
            if isinstance(g, exp.Literal) and g.is_int and 0 < int(g.name) <= len(items):
                item = items[int(g.name) - 1]  # GROUP BY 1: the first output
                exprs.append(item.this if isinstance(item, exp.Alias) else item)
            elif (isinstance(g, exp.Column) and not g.table and g.name.lower() in self.outputs
                  and self._resolve(g) is None):
                exprs.append(self.outputs[g.name.lower()])  # an output's name, no input column's
            else:
                exprs.append(g)
        self.grouped_text = {_text(e) for e in exprs}
        self.grouped: set[tuple[str | None, str]] = set()
        for e in exprs:
            if isinstance(e, exp.Column):
                src = self._resolve(e)
                self.grouped.add((src.alias if src else None, e.name.lower()))

    def _sources(self, ctes: set[str]) -> dict[str, _Source]:
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
            if item.db.lower() in ("pg_catalog", "information_schema") or name in CATALOG_TABLES:
                sources[alias] = _Source(alias, None, system=True)
                continue
            cols = None if name in ctes and not item.db else self.catalog.table_columns(name)
            if cols is None or self._is_view(name):
                sources[alias] = _Source(alias, None)
                continue
            sources[alias] = _Source(
                alias, name, frozenset(c.name.lower() for c in cols),
                tuple(c.name.lower() for c in sorted(cols, key=lambda c: c.pk) if c.pk))
        return sources

    def _is_view(self, name: str) -> bool:
        rows = self.catalog.conn.execute(
            "SELECT type FROM sqlite_schema WHERE lower(name) = ? UNION ALL "
            "SELECT type FROM temp.sqlite_schema WHERE lower(name) = ?", (name, name)).fetchall()
        return any(r[0] == "view" for r in rows)

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

    def run(self) -> None:
        parts: list[exp.Expression] = list(self.sel.expressions)
        having = self.sel.args.get("having")
        if having is not None:
            parts.append(having.this)
        order = self.sel.args.get("order")
        outputs = {getattr(e, "alias_or_name", "").lower() for e in self.sel.expressions}
        for o in order.expressions if order is not None else []:
            key = o.this
            if (isinstance(key, exp.Literal) and key.is_int) or (
                    isinstance(key, exp.Column) and not key.table and key.name.lower() in outputs):
                continue  # an output's position or name: checked as an output
            parts.append(key)
        for part in parts:
            bad = self._ungrouped(part)
            if bad is not None:
                raise SqlError("42803", f'column "{bad}" must appear in the GROUP BY clause or '
                                        "be used in an aggregate function")

    def _ungrouped(self, e: exp.Expression) -> str | None:
        if _text(e) in self.grouped_text or _is_aggregate(e) or isinstance(e, _WHOLE):
            return None
        if isinstance(e, exp.Column):
            return self._column(e)
        for x in e.iter_expressions():
            bad = self._ungrouped(x)
            if bad is not None:
                return bad
        return None

    def _column(self, col: exp.Column) -> str | None:
        if col.is_star:
            return None
        src = self._resolve(col)
        if src is None or src.system:
            return None  # an outer query's column, a catalog's, or not surely this one's
        name = col.name.lower()
        if src.table is not None and name not in src.columns:
            return None  # (PostgreSQL's 42703 is for the translation to raise)
        grouped = {n for a, n in self.grouped if a in (src.alias, None)}
        if name in grouped or (src.key and set(src.key) <= grouped):
            return None
        return f"{src.alias}.{name}"


def _text(e: exp.Expression) -> str:
    return e.sql(dialect="postgres").lower()
