"""PostgreSQL's forms of UPDATE / DELETE that SQLite spells otherwise, rewritten on the parsed
statement before the translator's other rules see it.

Every form here ends as a plain write to the table itself, so the table's own checks (NOT
NULL, CHECK, UNIQUE, lengths, ranges, foreign key triggers) and the translator's write
coercions apply to it exactly as to the ordinary statement.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from aurora.engine.sql import types
from aurora.engine.sqlapi import SqlError

if TYPE_CHECKING:
    from aurora.engine.sql.catalog import Catalog


def column_defaults(catalog: Catalog, table: str) -> dict[str, str | None]:
    """The SQLite default text of each column of ``table`` (lower-case names)."""
    info = catalog.conn.execute(
        "SELECT name, dflt_value FROM pragma_table_info(?)", (table,)
    ).fetchall()
    return {name.lower(): dflt for name, dflt in info}


def default_value(defaults: dict[str, str | None], column: str) -> exp.Expression:
    from aurora.engine.sql.translate import Raw

    dflt = defaults.get(column.lower())
    return Raw(this=f"({dflt})") if dflt is not None else exp.Null()


def is_default(e: exp.Expression) -> bool:
    """The DEFAULT keyword where a value goes (sqlglot reads it as a column or a Var)."""
    return (
        (isinstance(e, exp.Column) and not e.table and not e.this.quoted)
        or isinstance(e, exp.Var)
    ) and e.name.upper() == "DEFAULT"


def rewrite_update(tree: exp.Update, catalog: Catalog) -> None:
    """``SET col = DEFAULT``, ``SET (a, b) = (x, DEFAULT)`` / ``= ROW(...)`` become one
    assignment per column; ``SET (a, b) = (SELECT ...)`` stays a row value whose sub-SELECT
    fails with 21000 on a second row, as PostgreSQL's does (SQLite would take the first)."""
    table = tree.this.name
    tree.set("expressions", set_list(tree.expressions, table, catalog, tree))


def set_list(
    items: list[exp.Expression], table: str, catalog: Catalog, stmt: exp.Expression
) -> list[exp.Expression]:
    defaults: dict[str, str | None] | None = None
    out: list[exp.Expression] = []
    seen: set[str] = set()

    def assign(col: exp.Expression, value: exp.Expression) -> None:
        nonlocal defaults
        name = col.name.lower()
        if name in seen:
            raise SqlError("42601", f'multiple assignments to same column "{col.name}"')
        seen.add(name)
        if is_default(value):
            if defaults is None:
                defaults = column_defaults(catalog, table)
            value = default_value(defaults, col.name)
        out.append(exp.EQ(this=col, expression=value))

    for eq in items:
        if not isinstance(eq, exp.EQ):
            out.append(eq)
            continue
        lhs, rhs = eq.this, eq.expression
        if isinstance(lhs, exp.Column):
            assign(lhs, rhs)
            continue
        if isinstance(lhs, exp.Paren) and isinstance(lhs.this, exp.Column):
            targets = [lhs.this]
        elif isinstance(lhs, exp.Tuple) and all(isinstance(c, exp.Column) for c in lhs.expressions):
            targets = list(lhs.expressions)
        else:
            out.append(eq)
            continue
        if isinstance(rhs, exp.Subquery) and isinstance(rhs.this, exp.Select):
            for c in targets:
                if c.name.lower() in seen:
                    raise SqlError("42601", f'multiple assignments to same column "{c.name}"')
                seen.add(c.name.lower())
            out.append(exp.EQ(this=exp.Tuple(expressions=targets), expression=one_row(rhs, len(targets))))
            continue
        if isinstance(rhs, exp.Anonymous) and rhs.name.upper() == "ROW":
            values = _expand_stars(rhs.expressions, stmt, catalog)
        elif isinstance(rhs, exp.Tuple):
            values = list(rhs.expressions)
        elif isinstance(rhs, exp.Paren) and len(targets) == 1 and not is_star(rhs.this):
            values = [rhs.this]
        else:
            raise SqlError(
                "0A000",
                "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() "
                "expression",
            )
        if len(values) != len(targets):
            raise SqlError("42601", "number of columns does not match number of values")
        for c, v in zip(targets, values, strict=True):
            assign(c, v)
    return out


def is_star(e: exp.Expression) -> bool:
    return isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))


def by_position(query: exp.Expression, width: int) -> exp.Select:
    """``WITH _aurora_src(c0, ...) AS (query) SELECT _aurora_src.c0, ... FROM _aurora_src``:
    the values of a query whose items are not known one by one here (a star, a set
    operation), by position, for a caller to wrap some of them. SQLite names a WITH query's
    columns by position whatever the query calls them (a subquery's alias would be matched
    by name). A query of another width fails (SQLite: "has N values for M columns")."""
    inner = query.this if isinstance(query, exp.Subquery) else query
    names = [f"c{i}" for i in range(width)]
    cte = exp.CTE(this=inner, alias=exp.TableAlias(
        this=exp.to_identifier("_aurora_src"), columns=[exp.to_identifier(n) for n in names]))
    select = exp.select(*[exp.column(n, "_aurora_src") for n in names]).from_("_aurora_src")
    select.set("with_", exp.With(expressions=[cte]))
    return select


def _expand_stars(
    values: list[exp.Expression], stmt: exp.Expression, catalog: Catalog
) -> list[exp.Expression]:
    """``ROW(v.*)``: the columns of FROM item ``v`` (a table or an aliased VALUES list)."""
    out: list[exp.Expression] = []
    for v in values:
        if not (isinstance(v, exp.Column) and isinstance(v.this, exp.Star) and v.table):
            out.append(v)
            continue
        names = _source_columns(stmt, v.table, catalog)
        if names is None:
            raise SqlError("0A000", f"cannot expand {v.table}.* here")
        out.extend(exp.column(n, v.table, quoted=True) for n in names)
    return out


def _source_columns(stmt: exp.Expression, alias: str, catalog: Catalog) -> list[str] | None:
    sources = []
    frm = stmt.args.get("from_")
    if frm is not None:
        sources.append(frm.this)
    sources += [j.this for j in stmt.args.get("joins") or []]
    for src in sources:
        name = src.alias_or_name
        if name.lower() != alias.lower():
            continue
        tab_alias = src.args.get("alias")
        if tab_alias is not None and tab_alias.columns:
            return [c.name for c in tab_alias.columns]
        if isinstance(src, exp.Table):
            cols = catalog.table_columns(src.name)
            return [c.name for c in cols] if cols else None
    return None


def one_row(sub: exp.Subquery, width: int) -> exp.Subquery:
    """A row sub-SELECT that fails on a second row (PostgreSQL's 21000) and yields NULLs on
    none: ``(SELECT c0, c1 FROM (SELECT *, count(*) OVER () AS n FROM (<sub> LIMIT 2))
    WHERE n < 2 OR pg_raise_multirow())``."""
    inner = sub.this
    exprs = inner.expressions
    if any(is_star(e) for e in exprs):
        raise SqlError("0A000", "a row sub-SELECT with * is not supported in UPDATE ... SET")
    if len(exprs) != width:
        raise SqlError("42601", "number of columns does not match number of values")
    inner.set(
        "expressions",
        [_named(e.this if isinstance(e, exp.Alias) else e, f"_c{i}") for i, e in enumerate(exprs)],
    )
    limited = exp.select("*").from_(exp.Subquery(this=inner)).limit(2)
    counted = exp.select("*", "count(*) OVER () AS _n").from_(exp.Subquery(this=limited))
    outer = (
        exp.select(*[exp.column(f"_c{i}") for i in range(width)])
        .from_(exp.Subquery(this=counted))
        .where("_n < 2 OR pg_raise_multirow()")
    )
    return exp.Subquery(this=outer)


def rewrite_delete(tree: exp.Delete) -> None:
    """``DELETE FROM t USING u, v WHERE ...``: SQLite has no USING; the rows of ``t`` that
    have a match are those for which ``EXISTS (SELECT 1 FROM u, v WHERE ...)``."""
    using = tree.args.get("using")
    if not using:
        return
    sources = {u.alias_or_name.lower() for u in using}
    _returning_reads_only_target(tree, sources)
    sub = exp.select("1").from_(using[0])
    for u in using[1:]:
        sub = sub.join(u)
    where = tree.args.get("where")
    if where is not None:
        sub = sub.where(where.this)
    tree.set("using", None)
    tree.set("where", exp.Where(this=exp.Exists(this=sub)))


def _returning_reads_only_target(tree: exp.Expression, sources: set[str]) -> None:
    """RETURNING of a statement with other FROM / USING items: PostgreSQL's ``*`` and
    ``u.col`` read those items too, which SQLite's RETURNING cannot: refused, not answered
    with other columns."""
    returning = tree.args.get("returning")
    if returning is None:
        return
    for e in returning.expressions:
        if _marked(e):
            continue
        if isinstance(e, exp.Star) or any(
            isinstance(c, exp.Column) and c.table.lower() in sources for c in e.find_all(exp.Column)
        ):
            raise SqlError(
                "0A000", "RETURNING a column of another FROM or USING item is not supported"
            )


def _named(e: exp.Expression, name: str) -> exp.Alias:
    """``e AS name`` (sqlglot's alias_ would make a sub-SELECT's alias a table alias)."""
    return exp.Alias(this=e, alias=exp.to_identifier(name, quoted=True))


def _marked(e: exp.Expression) -> bool:
    inner = e.this if isinstance(e, exp.Alias) else e
    return isinstance(inner, exp.Subquery) and bool(inner.meta.get("other_items"))


def returning_other_items(tree: exp.Expression, catalog: Catalog) -> None:
    """RETURNING of UPDATE ... FROM / DELETE ... USING that reads the other items (their
    columns, or ``*``, which PostgreSQL extends with theirs): SQLite's RETURNING reads only
    the target, so each such value is a sub-SELECT of the items under the statement's WHERE,
    correlated with the returned row. Only where that is the row PostgreSQL joined: no item is
    the target itself, and an UPDATE neither assigns a column its WHERE reads nor assigns from
    the items (else 0A000, as before)."""
    returning = tree.args.get("returning")
    if returning is None or not isinstance(tree.this, exp.Table):
        return
    joins: list[exp.Join] = []
    if isinstance(tree, exp.Delete):
        items = list(tree.args.get("using") or [])
    elif isinstance(tree, exp.Update) and tree.args.get("from_") is not None:
        items = [tree.args["from_"].this]
        joins = list(tree.args.get("joins") or [])
    else:
        return
    every = items + [j.this for j in joins]
    names = {i.alias_or_name.lower() for i in every}

    def reads_items(e: exp.Expression) -> bool:
        return any(c.table.lower() in names for c in e.find_all(exp.Column))

    exprs = returning.expressions
    if not any(isinstance(e, exp.Star) or (not _marked(e) and reads_items(e)) for e in exprs):
        return
    target = tree.this
    refuse = SqlError("0A000", "RETURNING a column of another FROM or USING item is not supported")
    if any(isinstance(i, exp.Table) and i.name.lower() == target.name.lower() for i in every):
        raise refuse
    where = tree.args.get("where")
    conds = [where.this] if where is not None else []
    conds += [j.args["on"] for j in joins if j.args.get("on") is not None]
    if isinstance(tree, exp.Update):
        assigned = {c.name.lower() for eq in tree.expressions for c in eq.this.find_all(exp.Column)}
        read = {c.name.lower() for cond in conds for c in cond.find_all(exp.Column)
                if c.table.lower() not in names}
        if assigned & read or any(reads_items(eq.expression) for eq in tree.expressions):
            raise refuse

    def other(value: exp.Expression) -> exp.Subquery:
        sel = exp.select(value).from_(items[0].copy())
        for i in items[1:]:
            sel = sel.join(i.copy())
        for j in joins:
            sel.append("joins", j.copy())
        if where is not None:
            sel = sel.where(where.this.copy())
        sub = exp.Subquery(this=sel.limit(1))
        sub.meta["other_items"] = True
        return sub

    from aurora.engine.sql.infer import column_name

    out: list[exp.Expression] = []
    for e in exprs:
        if isinstance(e, exp.Star):
            out += [exp.column(c.name, quoted=True) for c in catalog.table_columns(target.name) or []]
            for i in every:
                alias = i.args.get("alias")
                if alias is not None and alias.columns:
                    cols = [c.name for c in alias.columns]
                elif isinstance(i, exp.Table) and catalog.table_columns(i.name) is not None:
                    cols = [c.name for c in catalog.table_columns(i.name) or []]
                else:
                    raise refuse
                out += [_named(other(exp.column(c, i.alias_or_name, quoted=True)), c)
                        for c in cols]
        elif not _marked(e) and reads_items(e):
            inner = e.this if isinstance(e, exp.Alias) else e
            out.append(_named(other(inner.copy()), column_name(e)))
        else:
            out.append(e)
    returning.set("expressions", out)


def expand_returning_stars(tree: exp.Expression, catalog: Catalog) -> None:
    """``RETURNING t.*`` (SQLite takes only a bare ``*``): the target table's columns."""
    returning = tree.args.get("returning")
    target = tree.this
    if returning is None or not isinstance(target, exp.Table):
        return
    returning_other_items(tree, catalog)
    if isinstance(tree, exp.Update) and tree.args.get("from_") is not None:
        frm = tree.args["from_"]
        items = [frm.this] + [j.this for j in tree.args.get("joins") or []]
        _returning_reads_only_target(tree, {i.alias_or_name.lower() for i in items})
    name = target.alias_or_name.lower()  # an alias hides the table's own name
    out: list[exp.Expression] = []
    for e in returning.expressions:
        if isinstance(e, exp.Column) and isinstance(e.this, exp.Star) and e.table:
            if e.table.lower() != name:
                raise SqlError(
                    "42P01", f'invalid reference to FROM-clause entry for table "{e.table}"'
                    if e.table.lower() == target.name.lower()
                    else f'missing FROM-clause entry for table "{e.table}"',
                )
            cols = catalog.table_columns(target.name) or []
            out.extend(exp.column(c.name, quoted=True) for c in cols)
        else:
            out.append(e)
    returning.set("expressions", out)


# --- writes through a view -------------------------------------------------------------------

_NOT_UPDATABLE = {
    "distinct": "Views containing DISTINCT are not automatically updatable.",
    "group": "Views containing GROUP BY are not automatically updatable.",
    "having": "Views containing HAVING are not automatically updatable.",
    "with_": "Views containing WITH are not automatically updatable.",
    "limit": "Views containing LIMIT or OFFSET are not automatically updatable.",
    "offset": "Views containing LIMIT or OFFSET are not automatically updatable.",
}
_VERB = {exp.Insert: "insert into", exp.Update: "update", exp.Delete: "delete from"}


CHECK_OPTION = re.compile(r"/\*check_option=(local|cascaded|partition)\*/")


def _check_option(catalog: Catalog, name: str) -> str | None:
    row = catalog.conn.execute(
        "SELECT sql FROM sqlite_schema WHERE type='view' AND lower(name)=lower(?)", (name,)
    ).fetchone()
    m = CHECK_OPTION.search(row[0] or "") if row else None
    return m.group(1) if m else None


def _view_query(catalog: Catalog, name: str) -> exp.Expression | None:
    """The PostgreSQL SELECT a view was created with (kept in its SQLite text), or None when
    ``name`` is no view."""
    from aurora.engine.sql.functions import _VIEWDEF
    from aurora.engine.sql.translate import parse

    row = catalog.conn.execute(
        "SELECT sql FROM sqlite_schema WHERE type='view' AND lower(name)=lower(?) "
        "UNION ALL SELECT sql FROM sqlite_temp_schema WHERE type='view' AND lower(name)=lower(?)",
        (name, name),
    ).fetchone()
    if row is None:
        return None
    kept = _VIEWDEF.search(row[0] or "")
    if kept is None:
        return exp.Select()  # a view not made here: treated as not updatable
    return parse(kept.group(1))


def _refuse(tree: exp.Expression, view: str, detail: str) -> SqlError:
    verb = _VERB[type(tree)]
    hint_verb = {"insert into": "inserting into", "update": "updating", "delete from": "deleting from"}[verb]
    return SqlError(
        "0A000",
        f'cannot {verb} view "{view}"',
        detail=detail,
        hint=f"To enable {hint_verb} the view, provide an INSTEAD OF "
        f"{verb.split()[0].upper()} trigger or an unconditional ON "
        f"{verb.split()[0].upper()} DO INSTEAD rule.",
    )


def _view_columns(catalog: Catalog, view: str, query: exp.Select) -> list[tuple[str, exp.Expression]]:
    """Each view column's name and the expression over the base relation it shows."""
    base = query.args["from_"].this
    exprs: list[exp.Expression] = []
    for e in query.expressions:
        if is_star(e):
            cols = catalog.table_columns(base.name) or []
            exprs.extend(exp.column(c.name, quoted=True) for c in cols)
        else:
            exprs.append(e.this if isinstance(e, exp.Alias) else e)
    names = [
        r[0]
        for r in catalog.conn.execute("SELECT name FROM pragma_table_info(?)", (view,)).fetchall()
    ]
    return list(zip(names, exprs, strict=False))


def through_views(tree: exp.Expression, catalog: Catalog) -> exp.Expression:
    """INSERT / UPDATE / DELETE of a simple view (one table or view in FROM, no DISTINCT,
    GROUP BY, HAVING, WITH, LIMIT, set operation, aggregate, window or set-returning
    function) becomes the same write of its base table, as PostgreSQL's automatically
    updatable views do: the view's WHERE bounds the rows an UPDATE or DELETE reaches, its
    columns that are plain base columns may be written, and everything the base table
    checks applies. Other views answer PostgreSQL's 0A000 with its reason."""
    checks: list[tuple[str, exp.Expression]] = []  # (view, condition over its base)
    partition_views: set[str] = set()
    cascaded = False
    for _ in range(16):  # a view of a view of ...
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        if not isinstance(target, exp.Table) or target.args.get("db"):
            break
        query = _view_query(catalog, target.name)
        if query is None or _instead_of(catalog, target.name, tree):
            break
        option = _check_option(catalog, target.name)
        if option == "partition":  # a partition's bound, its partition constraint
            partition_views.add(target.name.lower())
        cascaded = cascaded or option == "cascaded"
        checks = _rewrite_through(tree, target, query, catalog, checks,
                                  bool(option) or cascaded)
    else:
        raise SqlError("42P17", "infinite recursion detected in view definitions")
    if checks and isinstance(tree, (exp.Insert, exp.Update)):
        _enforce_checks(tree, checks, partition_views)
    return tree


def _instead_of(catalog: Catalog, view: str, tree: exp.Expression) -> bool:
    """Whether an INSTEAD OF trigger of ``view`` takes this write (triggers.py): the
    statement then writes the view itself and SQLite runs the trigger per row."""
    event = {exp.Insert: "insert", exp.Update: "update", exp.Delete: "delete"}.get(type(tree))
    return bool(catalog.conn.execute(
        "SELECT 1 FROM main.sqlite_schema WHERE type='trigger' AND name=?",
        (f"_aurora_tg_instead_{event}_{view}",)).fetchall())


def _enforce_checks(
    tree: exp.Expression, checks: list[tuple[str, exp.Expression]], partition_views: set[str]
) -> None:
    """WITH CHECK OPTION: each new row (inserted, updated, or updated by ON CONFLICT) must
    satisfy the views' conditions, else 44000, as in PostgreSQL. The test is a RETURNING
    value computed on the row as written (defaults included); a failure aborts the
    statement. Without a RETURNING of its own the statement's rows are not returned."""
    value: exp.Expression = exp.Null()
    for view, cond in reversed(checks):
        value = exp.Case(
            ifs=[exp.If(this=exp.Paren(this=cond.copy()), true=value)],
            default=exp.Anonymous(
                this="pg_raise_partition" if view.lower() in partition_views
                else "pg_raise_check_option", expressions=[exp.Literal.string(view)]),
        )
    returning = tree.args.get("returning")
    if returning is None or not returning.expressions:
        tree.set("returning", exp.Returning(expressions=[value]))
        return
    first = returning.expressions[0]
    inner = first.this if isinstance(first, exp.Alias) else first
    guarded = exp.Case(ifs=[exp.If(this=exp.Is(this=value, expression=exp.Null()),
                                   true=inner.copy())], default=inner.copy())
    if isinstance(first, exp.Alias):
        first.set("this", guarded)
    else:
        returning.expressions[0] = _named(guarded, first.alias_or_name or "?column?") \
            if isinstance(first, exp.Column) else guarded
        returning.set("expressions", returning.expressions)


def _auto_updatable(tree: exp.Expression, view: str, query: exp.Expression) -> None:
    if not isinstance(query, exp.Select):
        if isinstance(query, (exp.Union, exp.Intersect, exp.Except)):
            raise _refuse(tree, view, "Views containing UNION, INTERSECT, or EXCEPT are not "
                          "automatically updatable.")
        raise _refuse(tree, view, "Views that do not select from a single table or view are "
                      "not automatically updatable.")
    for key, detail in _NOT_UPDATABLE.items():
        if query.args.get(key):
            raise _refuse(tree, view, detail)
    frm = query.args.get("from_")
    if frm is None or query.args.get("joins") or not isinstance(frm.this, exp.Table) or \
            frm.this.args.get("db") or isinstance(frm.this.this, exp.Func):
        raise _refuse(tree, view, "Views that do not select from a single table or view are "
                      "not automatically updatable.")
    for e in query.expressions:
        if e.find(exp.AggFunc):
            raise _refuse(tree, view, "Views that return aggregate functions are not "
                          "automatically updatable.")
        if e.find(exp.Window):
            raise _refuse(tree, view, "Views that return window functions are not "
                          "automatically updatable.")
        if any(f.name.lower() in ("generate_series", "unnest") for f in e.find_all(exp.Func)) \
                or e.find(exp.Explode):
            raise _refuse(tree, view, "Views that return set-returning functions are not "
                          "automatically updatable.")


def _rewrite_through(
    tree: exp.Expression, target: exp.Table, query: exp.Expression, catalog: Catalog,
    checks: list[tuple[str, exp.Expression]], check_here: bool,
) -> list[tuple[str, exp.Expression]]:
    """One level of :func:`through_views`; returns the check conditions, now over the base."""
    view = target.name
    _auto_updatable(tree, view, query)
    assert isinstance(query, exp.Select)
    base: exp.Table = query.args["from_"].this
    columns = _view_columns(catalog, view, query)
    mapped = {n.lower(): e for n, e in columns}
    refs = {view.lower(), target.alias_or_name.lower()}

    def base_column(name: str, verb: str) -> exp.Expression:
        e = mapped.get(name.lower())
        if e is None:
            raise SqlError("42703", f'column "{name}" of relation "{view}" does not exist')
        if not isinstance(e, exp.Column) or isinstance(e.this, exp.Star):
            raise SqlError(
                "0A000",
                f'cannot {verb} column "{name}" of view "{view}"',
                detail="View columns that are not columns of their base relation are not "
                "updatable.",
            )
        return exp.column(e.name, quoted=True)

    def over_base(e: exp.Expression) -> exp.Expression:
        """``e`` with the view's columns read as the base expressions they stand for."""
        def swap(node: exp.Expression) -> exp.Expression:
            if (
                isinstance(node, exp.Column)
                and not isinstance(node.this, exp.Star)
                and (node.table.lower() in refs or (not node.table and _outer(node, e)))
                and node.name.lower() in mapped
            ):
                return exp.Paren(this=mapped[node.name.lower()].copy())
            return node

        return e.transform(swap)

    new_target = base.copy()
    where = query.args.get("where")
    checks = [(v, over_base(c)) for v, c in checks]
    if check_here and where is not None:
        own = {base.name.lower(), base.alias_or_name.lower()}
        cond = where.this.copy()
        checks.append((view, cond.transform(
            lambda c: exp.column(c.name, quoted=True) if isinstance(c, exp.Column)
            and c.table.lower() in own and _outer(c, cond) else c)))
    conflict = tree.args.get("conflict")
    if conflict is not None:
        _conflict_through(conflict, view, mapped, base_column, over_base)
    if isinstance(tree, exp.Insert) and tree.args.get("default"):  # DEFAULT VALUES
        new_target.set("alias", None)
        tree.set("this", new_target)
    elif isinstance(tree, exp.Insert):
        if isinstance(tree.this, exp.Schema):
            names = [c.name for c in tree.this.expressions]
        else:
            width = _insert_width(tree)
            names = [n for n, _ in columns][: width if width is not None else len(columns)]
        cols = [base_column(n, "insert into") for n in names]
        new_target.set("alias", None)
        tree.set("this", exp.Schema(this=new_target, expressions=[c.this for c in cols]))
    else:
        if isinstance(tree, exp.Update):
            sets = []
            for eq in tree.expressions:
                if not isinstance(eq, exp.EQ):  # SET (a, (b) = 10, 20): the parser took a row
                    raise SqlError("42601", f"syntax error: SET {eq.sql(dialect='postgres')} assigns nothing")
                lhs = eq.this
                if isinstance(lhs, exp.Column):
                    lhs = base_column(lhs.name, "update")
                elif isinstance(lhs, (exp.Tuple, exp.Paren)):
                    lhs = lhs.transform(
                        lambda c: base_column(c.name, "update") if isinstance(c, exp.Column) else c
                    )
                sets.append(exp.EQ(this=lhs, expression=over_base(eq.expression)))
            tree.set("expressions", sets)
        mine = tree.args.get("where")
        cond = over_base(mine.this) if mine is not None else None
        if where is not None:
            cond = exp.and_(exp.Paren(this=where.this.copy()), exp.Paren(this=cond)) \
                if cond is not None else where.this.copy()
        if cond is not None:
            tree.set("where", exp.Where(this=cond))
        tree.set("this", new_target)
    returning = tree.args.get("returning")
    if returning is not None:
        out: list[exp.Expression] = []
        for e in returning.expressions:
            if is_star(e):
                out.extend(_named(x.copy(), n) for n, x in columns)
            elif isinstance(e, exp.Column) and e.name.lower() in mapped:
                out.append(_named(over_base(e), e.name))
            elif isinstance(e, exp.Alias):
                out.append(_named(over_base(e.this), e.alias))
            else:
                out.append(over_base(e))
        returning.set("expressions", out)
    return checks


def _conflict_through(
    conflict: exp.Expression, view: str, mapped: dict[str, exp.Expression],
    base_column: Callable[[str, str], exp.Expression],
    over_base: Callable[[exp.Expression], exp.Expression],
) -> None:
    """ON CONFLICT of an INSERT through a view: its target, SET list and WHERE over the base
    table; ``excluded.col`` names the base column the view column shows."""
    keys = conflict.args.get("conflict_keys") or []
    conflict.set("conflict_keys", [
        k.transform(lambda c: base_column(c.name, "insert into")
                    if isinstance(c, exp.Column) else c) for k in keys
    ])

    def excluded(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.table.lower() == "excluded" \
                and not isinstance(node.this, exp.Star):
            col = base_column(node.name, "insert into")
            return exp.column(col.name, "excluded", quoted=True)
        return node

    sets = []
    for eq in conflict.expressions or []:
        lhs = eq.this.transform(
            lambda c: base_column(c.name, "update") if isinstance(c, exp.Column) else c)
        sets.append(exp.EQ(this=lhs, expression=over_base(eq.expression).transform(excluded)))
    conflict.set("expressions", sets)
    w = conflict.args.get("where")
    if w is not None:
        w.set("this", over_base(w.this).transform(excluded))


def _outer(col: exp.Column, root: exp.Expression) -> bool:
    """Whether an unqualified column lies outside every sub-SELECT of ``root`` (it then names
    the written relation)."""
    if col is root:
        return True
    node = col.parent
    while node is not None and node is not root:
        if isinstance(node, exp.Select):
            return False
        node = node.parent
    return True


def _insert_width(tree: exp.Insert) -> int | None:
    src = tree.expression
    if isinstance(src, exp.Values):
        widths = {len(r.expressions) for r in src.expressions if isinstance(r, exp.Tuple)}
        return max(widths) if widths else None
    if isinstance(src, exp.Select) and not any(is_star(e) for e in src.expressions):
        return len(src.expressions)
    return None


def unwrap_source(tree: exp.Insert) -> None:
    """``INSERT INTO t (SELECT ...)``: SQLite takes the SELECT without its parentheses."""
    src = tree.expression
    if isinstance(src, exp.Subquery) and not src.args.get("alias") and isinstance(
        src.this, (exp.Select, exp.Union, exp.Intersect, exp.Except)
    ):
        tree.set("expression", src.this)


def rewrite_conflict(tree: exp.Insert, catalog: Catalog, mysql_rules: bool = False) -> None:
    """INSERT ... ON CONFLICT: DO UPDATE needs a conflict target (42601; not MySQL's ON
    DUPLICATE KEY UPDATE, which has none); a target that names a column twice names the same
    index (SQLite wants each once); the DO UPDATE SET list takes the forms of UPDATE's."""
    conflict = tree.args.get("conflict")
    if conflict is None:
        return
    keys = conflict.args.get("conflict_keys")
    action = str(conflict.args.get("action") or "").upper()
    if "UPDATE" in action and not keys and conflict.args.get("constraint") is None and not mysql_rules:
        raise SqlError(
            "42601", "ON CONFLICT DO UPDATE requires inference specification or constraint name",
            hint="For example, ON CONFLICT (column_name).",
        )
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if "UPDATE" in action and target.alias_or_name.lower() == "excluded":
        raise SqlError("42P09", 'table reference "excluded" is ambiguous')
    if keys:
        seen: set[str] = set()
        unique = []
        for k in keys:
            text = k.sql("postgres")
            if text not in seen:
                seen.add(text)
                unique.append(k)
        conflict.set("conflict_keys", unique)
    if conflict.expressions:
        conflict.set("expressions", set_list(conflict.expressions, target.name, catalog, tree))
    where = conflict.args.get("where")
    if where is not None:
        # i.* = excluded.*: the rows compared column by column (SQLite's row values)
        rows_of = {target.alias_or_name.lower(), "excluded"}
        cols = [c.name for c in catalog.table_columns(target.name) or []]

        def whole_rows(node: exp.Expression) -> exp.Expression:
            if isinstance(node, (exp.EQ, exp.NEQ)) and cols and all(
                isinstance(x, exp.Column) and isinstance(x.this, exp.Star)
                and x.table.lower() in rows_of for x in (node.this, node.expression)
            ):
                for side in ("this", "expression"):
                    alias = node.args[side].table
                    node.set(side, exp.Tuple(
                        expressions=[exp.column(c, alias, quoted=True) for c in cols]))
            return node

        where.set("this", where.this.transform(whole_rows))


# --- data-modifying WITH ------------------------------------------------------------------------

_WRITES = (exp.Insert, exp.Update, exp.Delete)


def modifying_ctes(tree: exp.Expression) -> list[exp.CTE]:
    """The WITH items of ``tree`` that are INSERT / UPDATE / DELETE (cheap: a statement
    without WITH answers at once)."""
    w = tree.args.get("with_")
    if not isinstance(w, exp.With):
        return []
    return [c for c in w.expressions if isinstance(c.this, _WRITES)]


def cte_table(name: str) -> str:
    """The TEMP table that holds a data-modifying WITH item's RETURNING rows."""
    return f"_aurora_cte_{name.lower()}"


def _names(e: exp.Expression) -> set[str]:
    return {t.name.lower() for t in e.find_all(exp.Table) if isinstance(t.this, exp.Identifier)}


def _target(stmt: exp.Expression) -> str:
    t = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
    return t.name.lower()


def _reads(stmt: exp.Expression, ctes: set[str]) -> set[str]:
    """The relations a statement reads (an INSERT's target only when ON CONFLICT looks)."""
    names = _names(stmt) - ctes
    if isinstance(stmt, exp.Insert) and stmt.args.get("conflict") is None:
        inner = set()
        for part in (stmt.expression, stmt.args.get("returning")):
            if part is not None:
                inner |= _names(part)
        names = inner - ctes
    return names


def _returning_select(stmt: exp.Expression, catalog: Catalog) -> exp.Select:
    """The SELECT of a write's RETURNING list over its table (``*`` spelled out), typed by
    inference as the rows the write returns."""
    target = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
    if not isinstance(target, exp.Table):  # DELETE DEFAULT ...: the parser took no table
        raise SqlError("42601", f"syntax error: {stmt.key.upper()} without a table")
    returning = stmt.args.get("returning")
    exprs: list[exp.Expression] = []
    for e in returning.expressions if returning is not None else [exp.Null()]:
        if is_star(e):
            cols = catalog.table_columns(target.name) or []
            exprs += [exp.column(c.name, quoted=True) for c in cols]
        else:
            exprs.append(e.copy())
    return exp.select(*exprs).from_(target.copy())


def inference_tree(tree: exp.Expression, catalog: Catalog) -> exp.Expression:
    """A copy of ``tree`` in which each data-modifying WITH item reads as the SELECT of its
    RETURNING list over its table, so that inference types the columns it yields."""
    copy = tree.copy()
    for cte in modifying_ctes(copy):
        cte.set("this", _returning_select(cte.this, catalog))
    return copy


def _reader(table: str, cols: list | None) -> exp.Select:
    """A data-modifying WITH item's stand-in: the rows of its TEMP table (columns c0, c1 ...
    when the RETURNING list's names and types are known), a numeric column cast to its type
    so that arithmetic on it stays exact."""
    source = exp.Table(this=exp.to_identifier(table, quoted=True))
    if not cols:
        return exp.select("*").from_(source)
    out: list[exp.Expression] = []
    for i, (name, ty) in enumerate(cols):
        value: exp.Expression = exp.column(f"c{i}", quoted=True)
        if ty is not None and ty[0] == types.NUMERIC:
            spec = types.format_type(types.NUMERIC, ty[1])
            value = exp.Cast(this=value, to=exp.DataType.build(spec, dialect="postgres"))
        out.append(_named(value, name))
    return exp.select(*out).from_(source)


def split_writes(
    tree: exp.Expression, catalog: Catalog, typer: Callable[[exp.Select], list]
) -> list[tuple[str, exp.Expression, int | None]]:
    """Take the data-modifying items out of ``tree``'s WITH: each becomes a statement of its
    own (with the plain WITH items before it), run first, once, in an order that runs an
    item before one that reads its rows; in ``tree`` it reads its TEMP table instead
    (:func:`cte_table`). Returns ``(temp table or "", statement, width)`` in running order,
    width the number of RETURNING columns when ``typer`` (inference) knows them: the TEMP
    table's columns are then c0, c1 ...

    PostgreSQL runs every part on one snapshot: no part sees another's changes. Running
    them one after the other is the same only when no part reads a table that a part run
    before it changed (nor one a foreign key cascades to): any other statement is refused
    (0A000), never answered from the changed rows."""
    from aurora.engine.sql import fkeys

    w = tree.args["with_"]
    items: list[exp.CTE] = list(w.expressions)
    names = {c.alias_or_name.lower() for c in items}
    for node in tree.find_all(*_WRITES):
        if node is not tree and not (isinstance(node.parent, exp.CTE) and node.parent in items):
            raise SqlError("0A000", "WITH clause containing a data-modifying statement must be "
                           "at the top level")
    writes = [c for c in items if isinstance(c.this, _WRITES)]
    plain = [c for c in items if not isinstance(c.this, _WRITES)]
    plain_reads: set[str] = set()
    for c in plain:
        plain_reads |= _names(c.this) - names
    # which data-modifying items each item reads, through plain items too
    refs = {c.alias_or_name.lower(): _names(c.this) & names for c in items}
    write_names = {c.alias_or_name.lower() for c in writes}

    def needs(name: str, seen: set[str]) -> set[str]:
        out: set[str] = set()
        for r in refs.get(name, set()):
            if r in seen:
                continue
            seen.add(r)
            if r in write_names:
                out.add(r)
            out |= needs(r, seen)
        return out

    order: list[exp.CTE] = []
    pending = list(writes)
    while pending:
        ready = [c for c in pending if needs(c.alias_or_name.lower(), set()) <= {
            d.alias_or_name.lower() for d in order}]
        if not ready:
            name = pending[0].alias_or_name
            raise SqlError("42P19", f'recursive query "{name}" must not contain data-modifying '
                           "statements")
        order.append(ready[0])
        pending.remove(ready[0])
    main = tree.copy()
    main.set("with_", None)
    used = _names(main) | {r for c in items for r in refs[c.alias_or_name.lower()]}
    for c in writes:
        if c.alias_or_name.lower() in used and c.this.args.get("returning") is None:
            raise SqlError("0A000", f'WITH query "{c.alias_or_name}" does not have a RETURNING '
                           "clause")
    cascades: dict[str, set[str]] = {}
    for fk in fkeys.load(catalog.conn):
        cascades.setdefault(fk.ref_table.lower(), set()).add(fk.table.lower())

    def changed_by(stmt: exp.Expression) -> set[str]:
        out, todo = set(), [_target(stmt)]
        while todo:
            t = todo.pop()
            if t not in out:
                out.add(t)
                todo += list(cascades.get(t, ()))
        return out

    changed: set[str] = set()
    parts = [c.this for c in order] + [tree]
    for stmt in parts:
        body = stmt.copy()
        if stmt is tree:
            body.set("with_", None)
        if (_reads(body, names) | plain_reads) & changed:
            raise SqlError(
                "0A000",
                "a statement that reads a table that its data-modifying WITH changes is not "
                "supported (PostgreSQL's parts share one snapshot)",
            )
        if isinstance(stmt, _WRITES):
            changed |= changed_by(stmt)
    steps: list[tuple[str, exp.Expression, int | None]] = []
    done: list[exp.CTE] = []
    for c in order:
        stmt = c.this.copy()
        before = [p.copy() for p in plain] + [d.copy() for d in done]
        if before:
            stmt.set("with_", exp.With(expressions=before, recursive=w.args.get("recursive")))
        if c.this.args.get("returning") is None:
            steps.append(("", stmt, None))
            continue
        table = cte_table(c.alias_or_name)
        cols = typer(_returning_select(c.this, catalog))
        steps.append((table, stmt, len(cols) if cols else None))
        c.set("this", _reader(table, cols))
        done.append(c)
    w.set("expressions", [c for c in items if c in done or c in plain])
    if not w.expressions:
        tree.set("with_", None)
    return steps


# Set while multirow.py translates one row of a bulk INSERT as the template of all of them:
# the one row gets the many-row form (a single-row upsert is left plain otherwise).
ROW_TEMPLATE: contextvars.ContextVar[bool] = contextvars.ContextVar("row_template", default=False)


def conflict_once(tree: exp.Expression, catalog: Catalog) -> None:
    """INSERT ... ON CONFLICT (cols) DO UPDATE of several rows: PostgreSQL refuses (21000) a
    command whose own rows share a key, where SQLite would insert the first and let the
    second update it. The rows pass through a window count per key that fails on a second
    (a key with a NULL conflicts with nothing). Run on the translated tree."""
    conflict = tree.args.get("conflict")
    if not isinstance(tree, exp.Insert) or conflict is None:
        return
    if "UPDATE" not in str(conflict.args.get("action") or "").upper():
        return
    keys = [k.this if isinstance(k, exp.Ordered) else k for k in conflict.args.get("conflict_keys") or []]
    if not keys or not all(isinstance(k, exp.Column) for k in keys):
        return
    source = tree.expression
    if isinstance(source, exp.Values):
        rows = [r for r in source.expressions if isinstance(r, exp.Tuple)]
        if len(rows) < 2 and not ROW_TEMPLATE.get():
            return
        width = len(rows[0].expressions)
    elif isinstance(source, exp.Select) and not any(is_star(e) for e in source.expressions):
        width = len(source.expressions)
    else:
        return
    if isinstance(tree.this, exp.Schema):
        cols = [c.name.lower() for c in tree.this.expressions]
    else:
        cols = [c.name.lower() for c in catalog.table_columns(tree.this.name) or []]
    try:
        at = [cols.index(k.name.lower()) for k in keys]
    except ValueError:
        return
    if any(i >= width for i in at):
        return
    names = [f"_c{i}" for i in range(width)]
    cte = exp.CTE(
        this=source.copy(),
        alias=exp.TableAlias(
            this=exp.to_identifier("_aurora_rows"),
            columns=[exp.to_identifier(n) for n in names],
        ),
    )
    parts = ", ".join(names[i] for i in at)
    counted = exp.select("*", f"count(*) OVER (PARTITION BY {parts}) AS _n").from_("_aurora_rows")
    nulls = " OR ".join(f"{names[i]} IS NULL" for i in at)
    checked = exp.select(*names).from_(exp.Subquery(this=counted)).where(
        f"_n < 2 OR {nulls} OR pg_raise_conflict_twice()"
    )
    tree.set("expression", checked)
    w = tree.args.get("with_")
    if isinstance(w, exp.With):
        w.append("expressions", cte)
    else:
        tree.set("with_", exp.With(expressions=[cte]))
