"""FROM items SQLite lacks: column alias lists on tables and subqueries, and LATERAL.

``t AS x(a, b)`` and ``(query) AS x(a, b)`` rename the item's leading columns; SQLite takes
no column list there, so the item becomes ``(SELECT c1 AS a, c2 AS b, c3 FROM t) AS x``.

LATERAL: a table-valued function's arguments may read the tables to its left
(``json_each(t.a)``), so ``a, LATERAL (query) AS ss(x, y)`` becomes ``a, json_each((WITH
_lq1(c0, c1) AS (query) SELECT json_group_array(json_array(c0, c1)) FROM _lq1)) AS _lat1``:
for each row of ``a`` a correlated scalar subquery gathers the query's rows as one JSON array,
json_each reads them back in order, and every ``ss.x`` becomes ``json_extract(_lat1.value,
'$[0]')``. A LEFT JOIN keeps its ON, and an empty array gives it its row of NULLs. Values
keep their storage form (integer, real, text; a blob cannot pass through JSON). A query
without FROM, WHERE, LIMIT or a set-returning call (pgbench's ``CROSS JOIN LATERAL (SELECT
expr) AS o(n)``) is one row: its expressions are inlined instead, which keeps their types for
result inference.
"""

from __future__ import annotations

from collections.abc import Callable

import apsw
from sqlglot import exp

from aurora.engine.sql.infer import column_name, visible_cte
from aurora.engine.sql.pgcatalog import CATALOG_COLUMNS
from aurora.engine.sqlapi import SqlError

_ONE_ROW_BLOCKERS = ("from_", "where", "group", "having", "order", "limit", "offset", "distinct",
                     "with_")
_JSON_EACH_COLUMNS = {"key", "value", "type", "atom", "id", "parent", "fullkey", "path"}
_SRF = (exp.Explode, exp.ExplodingGenerateSeries, exp.GenerateSeries)


def rename_columns(tree: exp.Expression, conn: apsw.Connection) -> None:
    """``FROM t AS x(a, b)`` / ``(query) AS x(a, b)`` as a subquery naming its columns."""
    # the innermost first: an outer one is rebuilt around a copy of what it holds
    for i, src in enumerate(reversed(list(tree.find_all(exp.Table, exp.Subquery)))):
        alias = src.args.get("alias")
        if (
            not isinstance(alias, exp.TableAlias)
            or not alias.columns
            or not isinstance(src.parent, (exp.From, exp.Join))
            or (isinstance(src, exp.Table) and not isinstance(src.this, exp.Identifier))
        ):
            continue
        if alias.this is None:  # FROM t AS (a, b): a column list needs the alias's name
            raise SqlError("42601", 'syntax error at or near "("')
        if isinstance(src, exp.Subquery) and _rename_in_place(src.this, alias):
            continue
        sel = _owner(src)
        bare = src.copy()
        bare.set("alias", None)
        names = source_names(bare, sel if sel is not None else src, conn)
        renamed = [c.name for c in alias.columns]
        if names is None:
            continue
        if len(renamed) > len(names):
            raise SqlError("42P10", f'table "{alias.name}" has {len(names)} columns available '
                                    f"but {len(renamed)} columns specified")
        if isinstance(bare, exp.Subquery):
            # Named by position, as a WITH query's column list names them: the query's own
            # names may be none SQLite knows (PostgreSQL's "?column?" for an expression).
            cte = f"_ca{i}"
            named = exp.select("*").from_(cte)
            named.set("with_", exp.With(expressions=[exp.CTE(this=bare.this, alias=exp.TableAlias(
                this=exp.to_identifier(cte), columns=[
                    exp.to_identifier(renamed[k] if k < len(renamed) else n, quoted=True)
                    for k, n in enumerate(names)]))]))
            src.replace(exp.Subquery(this=named, alias=exp.TableAlias(this=alias.this.copy())))
            continue
        if len(set(n.lower() for n in names)) != len(names):
            continue
        cols = [
            exp.alias_(exp.column(exp.to_identifier(n, quoted=True)),
                       renamed[k] if k < len(renamed) else n, quoted=True)
            for k, n in enumerate(names)
        ]
        src.replace(exp.Subquery(this=exp.select(*cols).from_(bare), alias=exp.TableAlias(
            this=alias.this.copy())))


def _rename_in_place(query: exp.Expression, alias: exp.TableAlias) -> bool:
    """Alias the leading result columns of the query's first SELECT (SQLite names a UNION's
    columns after it), and its ORDER BY's references to their old names."""
    first = query
    while isinstance(first, (exp.SetOperation, exp.Subquery, exp.Paren)):
        first = first.this
    if not isinstance(first, exp.Select) or first.is_star:
        return False
    renamed = [c.name for c in alias.columns]
    if len(renamed) > len(first.expressions):
        raise SqlError("42P10", f'table "{alias.name}" has {len(first.expressions)} columns '
                                f"available but {len(renamed)} columns specified")
    old: dict[str, str] = {}
    for e, new in zip(first.expressions, renamed, strict=False):
        old[column_name(e).lower()] = new
        e.replace(exp.alias_(e.this.copy() if isinstance(e, exp.Alias) else e.copy(), new,
                             quoted=True))
    for q in {id(first): first, id(query): query}.values():
        order = q.args.get("order")
        for col in order.find_all(exp.Column) if order is not None else []:
            if not col.table and col.name.lower() in old:
                col.replace(exp.column(exp.to_identifier(old[col.name.lower()], quoted=True)))
    alias.set("columns", None)
    return True


def lateral(tree: exp.Expression, conn: apsw.Connection, counter: Callable[[], int]) -> None:
    """Rewrite every LATERAL join of ``tree``, innermost query first (an outer one then sees
    the inner stars already expanded)."""
    sels = [
        s for s in tree.find_all(exp.Select)
        if any(isinstance(j.this, exp.Lateral) for j in s.args.get("joins") or [])
    ]
    for sel in reversed(sels):
        _Select(sel, conn, counter).run()


class _Select:
    """One SELECT's LATERAL joins, rewritten left to right."""

    def __init__(self, sel: exp.Select, conn: apsw.Connection, counter: Callable[[], int]) -> None:
        self.sel = sel
        self.conn = conn
        self.counter = counter
        frm = sel.args.get("from_")
        self.sources = ([frm.this] if frm is not None else []) + [
            j.this for j in sel.args.get("joins") or []]
        self.own: dict[int, list[tuple[str, exp.Expression]]] = {}

    def run(self) -> None:
        for j in list(self.sel.args.get("joins") or []):
            if isinstance(j.this, exp.Lateral):
                self._join(j)
        self._expand_star()
        if self.own:
            qualify_shadowed(self.sel, [s for s in self.sources if not isinstance(s, exp.Lateral)],
                             self.conn)

    def _join(self, j: exp.Join) -> None:
        lat = j.this
        if j.side in ("RIGHT", "FULL"):
            raise SqlError("42P10", "invalid reference to FROM-clause entry: the combining JOIN "
                                    "type must be INNER or LEFT for a LATERAL reference")
        alias = lat.args.get("alias")
        aname = alias.name.lower() if alias is not None and alias.name else ""
        renamed = [c.name for c in alias.columns] if alias is not None else []
        body = lat.this
        if isinstance(body, exp.Subquery):
            query = body.this
            names = query_names(query, self.conn)
        else:  # LATERAL f(...): a set-returning function of one column
            tname = aname or column_name(body)
            query = exp.select(exp.Star()).from_(exp.Table(this=body, alias=exp.TableAlias(
                this=exp.to_identifier(tname), columns=[exp.to_identifier(c) for c in renamed])))
            names = [renamed[0] if renamed else tname]
        if names is None:
            raise SqlError("0A000", "LATERAL with a column list that cannot be worked out "
                                    "(a * over a USING join) is not supported")
        names = renamed[: len(names)] + names[len(renamed):]
        inline = _one_row(query, j)
        if inline:
            exprs = [x.this if isinstance(x, exp.Alias) else x for x in query.expressions]
        else:
            n = self.counter()
            key, cte = f"_lat{n}", f"_lq{n}"
            cols = [exp.to_identifier(f"c{i}") for i in range(len(names))]
            gather = exp.select(
                _fn("json_group_array", _fn("json_array", *[exp.column(c.copy()) for c in cols]))
            ).from_(cte)
            gather.set("with_", exp.With(expressions=[exp.CTE(
                this=query, alias=exp.TableAlias(this=exp.to_identifier(cte), columns=cols))]))
            each = _fn("json_each", exp.Subquery(this=gather))
            each.meta["sqlite"] = True  # SQLite's own json_each, not PostgreSQL's (jsonb.py)
            j.set("this", exp.Table(this=each, alias=exp.TableAlias(this=exp.to_identifier(key))))
            exprs = [_fn("json_extract", exp.column("value", key), exp.Literal.string(f"$[{i}]"))
                     for i in range(len(names))]
        own = list(zip(names, exprs, strict=True))
        self.own[id(lat)] = own
        self._substitute(lat, aname, own)
        if inline:
            self.sel.args["joins"].remove(j)

    def _substitute(self, lat: exp.Lateral, aname: str, own: list) -> None:
        mapping = {n.lower(): e for n, e in own}
        others: set[str] = set()
        known = True
        for src in self.sources:
            if src is lat:
                continue
            got = source_names(src, self.sel, self.conn)
            if got is None:
                known = False
            else:
                others.update(n.lower() for n in got)
        for col in list(self.sel.find_all(exp.Column)):
            name = col.name.lower()
            if col.is_star or name not in mapping:
                continue
            qual = col.table.lower()
            if qual:
                if qual != aname or col.args.get("db"):
                    continue
            elif not known or name in others or _owner(col) is not self.sel:
                continue
            new = mapping[name].copy()
            if col.arg_key == "expressions" and isinstance(col.parent, exp.Select):
                new = exp.alias_(new, col.name, quoted=True)
            col.replace(new)
        if not aname:
            return
        for s in self.sel.find_all(exp.Select):
            if any(_is_star_of(e, aname) for e in s.expressions):
                out: list[exp.Expression] = []
                for e in s.expressions:
                    out += _aliased(own) if _is_star_of(e, aname) else [e]
                s.set("expressions", out)

    def _expand_star(self) -> None:
        """``SELECT *`` lists the sources in FROM order, a LATERAL one by its columns."""
        if not any(isinstance(e, exp.Star) for e in self.sel.expressions):
            return
        if any(j.args.get("using") or j.args.get("method") for j in self.sel.args.get("joins") or []):
            raise SqlError("0A000", "SELECT * over LATERAL and a USING or NATURAL join is not "
                                    "supported")
        stars: list[exp.Expression] = []
        for src in self.sources:
            if id(src) in self.own:
                stars += _aliased(self.own[id(src)])
            else:
                name = src.alias_or_name if isinstance(src, (exp.Table, exp.Subquery, exp.Values)) else ""
                if not name:
                    raise SqlError("0A000", "SELECT * over LATERAL and an unnamed source is not "
                                            "supported")
                stars.append(exp.Column(this=exp.Star(), table=exp.to_identifier(name)))
        out: list[exp.Expression] = []
        for e in self.sel.expressions:
            out += [s.copy() for s in stars] if isinstance(e, exp.Star) else [e]
        self.sel.set("expressions", out)


def query_names(q: exp.Expression, conn: apsw.Connection) -> list[str] | None:
    """A query's result column names as PostgreSQL gives them; None when a star hides them."""
    while isinstance(q, (exp.Subquery, exp.Paren)):
        q = q.this
    if isinstance(q, exp.SetOperation):
        return query_names(q.this, conn)
    if isinstance(q, exp.Values):
        return [f"column{i + 1}" for i in range(len(q.expressions[0].expressions))]
    if not isinstance(q, exp.Select):
        return None
    frm = q.args.get("from_")
    joins = q.args.get("joins") or []
    sources = ([frm.this] if frm is not None else []) + [j.this for j in joins]
    out: list[str] = []
    for e in q.expressions:
        if isinstance(e, exp.Star):
            if any(_merges(j) for j in joins):
                merged = merged_star(q, conn)
                if merged is None:
                    return None
                out += [name for name, _ in merged]
                continue
            picked = sources
        elif isinstance(e, exp.Column) and e.is_star:
            picked = [s for s in sources if s.alias_or_name.lower() == e.table.lower()]
        else:
            out.append(column_name(e))
            continue
        if not picked:
            return None
        for src in picked:
            got = source_names(src, q, conn)
            if got is None:
                return None
            out += got
    return out


def _merges(j: exp.Join) -> bool:
    """A join that merges the columns it matches on: USING or NATURAL."""
    return bool(j.args.get("using")) or str(j.args.get("method") or "").upper() == "NATURAL"


def merged_star(q: exp.Select, conn: apsw.Connection) -> list[tuple[str, exp.Expression]] | None:
    """What ``*`` stands for in a SELECT whose joins merge columns (USING, NATURAL), as
    PostgreSQL orders it: each join's merged columns first, then the left side's other
    columns, then the right side's; as (name, expression) pairs. A merged column is the
    left side's (an inner or left join), the right side's (a right join) or the first of
    both not NULL (a full join). None when a FROM item's columns are not known here."""
    frm = q.args.get("from_")
    if frm is None:
        return None

    def columns(src: exp.Expression) -> list[tuple[str, exp.Expression]] | None:
        names = source_names(src, q, conn)
        table = src.alias_or_name
        if names is None or not table:
            return None
        return [(n, exp.column(exp.to_identifier(n, quoted=True), exp.to_identifier(table, quoted=True)))
                for n in names]

    left = columns(frm.this)
    for j in q.args.get("joins") or []:
        right = columns(j.this)
        if left is None or right is None:
            return None
        if not _merges(j):
            left += right
            continue
        if j.args.get("using"):
            on = [c.name for c in j.args["using"]]
        else:  # NATURAL: the names both sides have, in the left side's order
            theirs = {n.lower() for n, _ in right}
            on = [n for n, _ in left if n.lower() in theirs]
        keys = {n.lower() for n in on}
        mine = {n.lower(): e for n, e in reversed(left)}
        other = {n.lower(): e for n, e in reversed(right)}
        if any(k not in mine or k not in other for k in keys):
            return None  # PostgreSQL's error (42703), from SQLite's own USING check
        side = str(j.args.get("side") or "").upper()
        merged: list[tuple[str, exp.Expression]] = []
        for n in on:
            a, b = mine[n.lower()], other[n.lower()]
            e = b if side == "RIGHT" else exp.Coalesce(this=a, expressions=[b]) if side == "FULL" else a
            merged.append((n, e))
        left = (merged + [(n, e) for n, e in left if n.lower() not in keys]
                + [(n, e) for n, e in right if n.lower() not in keys])
    return left


def expand_merged_stars(tree: exp.Expression, conn: apsw.Connection) -> None:
    """``SELECT *`` over a join with USING or NATURAL: SQLite keeps each table's columns in
    place (``x, k, y`` for ``a(x, k) JOIN b(k, y) USING (k)``), PostgreSQL puts the merged
    ones first (``k, x, y``); a star copied into a table by position would put values in the
    wrong columns. The star becomes PostgreSQL's list (innermost queries first, so that an
    outer star counts an inner one's columns right)."""
    for q in reversed(list(tree.find_all(exp.Select))):
        if not any(isinstance(e, exp.Star) for e in q.expressions) or not any(
                _merges(j) for j in q.args.get("joins") or []):
            continue
        merged = merged_star(q, conn)
        if merged is None:
            continue
        items: list[exp.Expression] = []
        for e in q.expressions:
            if isinstance(e, exp.Star):
                items += [c.copy() if isinstance(c, exp.Column) else exp.alias_(c.copy(), n, quoted=True)
                          for n, c in merged]
            else:
                items.append(e)
        q.set("expressions", items)


def qualify_shadowed(sel: exp.Select, sources: list[exp.Expression],
                     conn: apsw.Connection) -> None:
    """``sel`` joins a json_each, whose own columns (id, key, value, type ...) would make a
    plain ``id`` of one of ``sources`` ambiguous: such a reference gets its source's name."""
    owners: dict[str, str | None] = {}
    for src in sources:
        for n in source_names(src, sel, conn) or []:
            key = n.lower()
            owners[key] = None if key in owners else src.alias_or_name
    for col in list(sel.find_all(exp.Column)):
        name = col.name.lower()
        if (not col.table and name in _JSON_EACH_COLUMNS and owners.get(name)
                and not _inner_source_has(sel, col, name, conn)):
            col.set("table", exp.to_identifier(owners[name]))


def _inner_source_has(sel: exp.Select, col: exp.Column, name: str,
                      conn: apsw.Connection) -> bool:
    """Whether a query between ``col`` and ``sel`` has (or may have) a source with a column
    ``name``, which the plain reference then means."""
    at = _owner(col)
    while at is not None and at is not sel:
        frm = at.args.get("from_")
        joins = at.args.get("joins") or []
        for src in ([frm.this] if frm is not None else []) + [j.this for j in joins]:
            got = source_names(src, at, conn)
            if got is None or name in (n.lower() for n in got):
                return True
        at = _owner(at)
    return False


def source_names(src: exp.Expression, sel: exp.Expression, conn: apsw.Connection) -> list[str] | None:
    """The column names a FROM item gives ``sel``, after its alias's column list."""
    alias = src.args.get("alias")
    renamed = [c.name for c in alias.columns] if isinstance(alias, exp.TableAlias) else []
    names: list[str] | None = None
    if isinstance(src, exp.Table) and isinstance(src.this, exp.Identifier):
        cte = None if src.db else visible_cte(sel, src.name.lower())
        if cte is not None:
            names = query_names(cte.this, conn)
            cols = [c.name for c in cte.args["alias"].columns]
            if names is not None:
                names = cols + names[len(cols):]
        else:
            rows = conn.execute("SELECT name FROM pragma_table_info(?)", (src.name,)).fetchall()
            names = [r[0] for r in rows] or list(CATALOG_COLUMNS.get(src.name.lower(), {})) or None
    elif isinstance(src, exp.Table) and isinstance(
            src.this, (exp.ExplodingGenerateSeries, exp.GenerateSeries)):
        names = [src.alias_or_name or "generate_series"]
    elif isinstance(src, (exp.Subquery, exp.Values)):
        names = query_names(src.this if isinstance(src, exp.Subquery) else src, conn)
    elif isinstance(src, exp.Lateral) and isinstance(src.this, exp.Subquery):
        names = query_names(src.this, conn)
    if names is None:
        return None
    return renamed[: len(names)] + names[len(renamed):]


def _one_row(query: exp.Expression, j: exp.Join) -> bool:
    """A query that yields exactly one row, joined so that the row always joins."""
    if not isinstance(query, exp.Select) or any(query.args.get(k) for k in _ONE_ROW_BLOCKERS):
        return False
    if any(x.find(*_SRF) for x in query.expressions) or any(
        str(a.this).lower() in ("unnest", "generate_series", "generate_subscripts")
        for a in query.find_all(exp.Anonymous)
    ):
        return False
    on = j.args.get("on")
    return j.side in ("", "LEFT") and (on is None or on == exp.true())


def _is_star_of(e: exp.Expression, aname: str) -> bool:
    return isinstance(e, exp.Column) and e.is_star and e.table.lower() == aname


def _aliased(own: list[tuple[str, exp.Expression]]) -> list[exp.Expression]:
    return [exp.alias_(e.copy(), n, quoted=True) for n, e in own]


def _owner(e: exp.Expression) -> exp.Expression | None:
    node = e.parent
    while node is not None and not isinstance(node, exp.Select):
        node = node.parent
    return node


def _fn(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))
