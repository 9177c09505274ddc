"""PostgreSQL query ASTs rewritten for SQLite: the project's rules on top of sqlglot.

:func:`parse` reads PostgreSQL with sqlglot (its "unsupported" warnings silenced per call);
:func:`to_sqlite` rewrites a parsed SELECT / INSERT / UPDATE / DELETE in place and generates
SQLite text with numbered ``?N`` parameters. Each rule below names the PostgreSQL construct it
replaces; functions it targets are registered by :mod:`aurora.engine.sql.functions`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterator

import sqlglot
from sqlglot import exp
from sqlglot.dialects.sqlite import SQLite

from aurora.engine.sql import types
from aurora.engine.sql.catalog import Catalog
from aurora.engine.sql.infer import datatype_ref
from aurora.engine.sql.pgcatalog import CATALOG_TABLES
from aurora.engine.sqlapi import SqlError

_SQLGLOT_LOG = logging.getLogger("sqlglot")


class _Quiet(logging.Filter):
    """Drops sqlglot's "unsupported" warnings raised while this thread translates: they cost
    time and fill logs. A thread-local switch, because sessions translate in parallel."""

    local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.local, "on", False) or record.levelno >= logging.ERROR


_SQLGLOT_LOG.addFilter(_Quiet())
# A cast to an array type (``$1::oid[]``) is beyond sqlglot's parser: name it a user type.
_ARRAY_CAST = re.compile(r"::\s*((?:pg_catalog\.)?\"?\w+\"?)\s*\[\]")
_PARAM_ADJ = re.compile(r"(\$\d+)(?=\S)")
_ESTRING = re.compile(r"(?<![\w'])[eE]'((?:[^'\\]|\\.|'')*)'")
_CATALOG_SCHEMAS = ("pg_catalog", "public", "information_schema")


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


def _estring(m: re.Match) -> str:
    value = re.sub(
        r"\\(.)|''",
        lambda x: _ESCAPES.get(x.group(1), x.group(1)) if x.group(1) else "'",
        m.group(1),
    )
    return "'" + value.replace("'", "''") + "'"


def parse(sql: str) -> exp.Expression:
    """Parse one PostgreSQL statement (raises SqlError 42601 on a syntax error)."""
    if "E'" in sql or "e'" in sql:
        # E'...' escape strings: sqlglot reads them as byte strings SQLite cannot take.
        sql = _ESTRING.sub(_estring, sql)
    if "[]" in sql:
        sql = _ARRAY_CAST.sub(lambda m: "::" + m.group(1).replace('"', "") + "__array", sql)
    if "$" in sql:
        # sqlglot reads "$1,$2" as a dollar-quoted string: keep parameters apart.
        sql = _PARAM_ADJ.sub(r"\1 ", sql)
    try:
        with _quiet():
            tree = sqlglot.parse_one(sql, read="postgres")
    except sqlglot.errors.TokenError as e:
        raise SqlError("42601", f"syntax error: {str(e).splitlines()[0]}") from None
    except sqlglot.errors.ParseError as e:
        msg = str(e.errors[0]["description"]) if e.errors else str(e).splitlines()[0]
        near = e.errors[0].get("highlight") if e.errors else None
        raise SqlError(
            "42601", f'syntax error at or near "{near}"' if near else f"syntax error: {msg}"
        ) from None
    if tree is None:
        raise SqlError("42601", "syntax error: empty statement")
    return tree


class Raw(exp.Expression):
    """SQLite text spliced into the generated statement as is."""

    arg_types = {"this": True}


class _Gen(SQLite.Generator):
    """SQLite generation with numbered parameters and no NULLS ordering where SQLite forbids it."""

    TRANSFORMS = {
        **SQLite.Generator.TRANSFORMS,
        exp.Parameter: lambda self, e: f"?{e.name}",
        exp.Placeholder: lambda self, e: f"?{e.name}" if e.name else "?",
        Raw: lambda self, e: e.this,
    }

    def ordered_sql(self, expression: exp.Ordered) -> str:
        parent = expression.parent
        if isinstance(parent, (exp.OnConflict, exp.IndexParameters)) or (
            parent is not None and isinstance(parent.parent, exp.IndexParameters)
        ):
            desc = " DESC" if expression.args.get("desc") else ""
            return f"{self.sql(expression, 'this')}{desc}"
        return super().ordered_sql(expression)


class _Dialect(SQLite):
    Generator = _Gen


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    _Quiet.local.on = True
    try:
        yield
    finally:
        _Quiet.local.on = False


def generate(tree: exp.Expression) -> str:
    with _quiet():
        return tree.sql(dialect=_Dialect, unsupported_level=sqlglot.ErrorLevel.IGNORE)


def fn(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _str(s: str) -> exp.Literal:
    return exp.Literal.string(s)


class Rewriter:
    """One statement's rewrite; records what the session needs to know about it."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.touches_catalog = False
        self.empty_catalogs: set[str] = set()
        self._srf_n = 0

    def run(self, tree: exp.Expression) -> exp.Expression:
        self._lateral(tree)
        self._srf_in_select(tree)
        tree = self.walk(tree)
        self._coerce_writes(tree)
        return tree

    def walk(self, node: exp.Expression) -> exp.Expression:
        """Rewrite bottom-up: children first, so a rule always sees rewritten operands
        (sqlglot's own transform skips the children of a replaced node)."""
        for key, value in list(node.args.items()):
            if isinstance(value, exp.Expression):
                new = self.walk(value)
                if new is not value:
                    node.set(key, new)
            elif (
                isinstance(value, list)
                and value
                and any(isinstance(x, exp.Expression) for x in value)
            ):
                node.set(key, [self.walk(x) if isinstance(x, exp.Expression) else x for x in value])
        return self._node(node)

    # -- rules per node -------------------------------------------------------------------

    def _node(self, e: exp.Expression) -> exp.Expression:
        if isinstance(e, exp.Table):
            return self._table(e)
        if isinstance(e, exp.Unnest) and e.expressions:
            return self._unnest_table(e, e.expressions[0])
        if (
            isinstance(e, exp.Values)
            and isinstance(e.parent, (exp.From, exp.Join))
            and e.args.get("alias") is not None
            and e.args["alias"].columns
        ):
            return self._values_table(e)
        if isinstance(e, exp.Column):
            db = e.args.get("catalog") or e.args.get("db")
            if db is not None and e.args.get("db") and e.db.lower() in _CATALOG_SCHEMAS:
                if e.db.lower() == "information_schema" and e.table:
                    e.set("table", exp.to_identifier("_is_" + e.table))
                e.set("db", None)
            elif e.table.lower() in ("pg_catalog", "public") and not e.args.get("db"):
                # pg_catalog.f without parentheses (CURRENT_USER-like): a column of no table.
                pass
            return e
        if (
            isinstance(e, exp.Dot)
            and isinstance(e.this, exp.Identifier)
            and e.this.name.lower() in ("pg_catalog", "public")
            and isinstance(e.expression, exp.Func)
        ):
            return e.expression
        if isinstance(e, exp.Cast):
            return self._cast(e)
        if isinstance(e, exp.Operator):
            op = str(e.args.get("operator")).split(".")[-1]
            target = e.expression.this if isinstance(e.expression, exp.Collate) else e.expression
            if op == "~":
                return exp.RegexpLike(this=e.this, expression=target)
            if op == "!~":
                return exp.Not(this=exp.RegexpLike(this=e.this, expression=target))
            if op == "~*":
                return fn("pg_regexp_i", e.this, target)
            if op == "=":
                return exp.EQ(this=e.this, expression=target)
            raise SqlError("0A000", f"operator {op} is not supported")
        if isinstance(e, exp.Collate):
            return e.this
        if isinstance(e, exp.RegexpILike):
            return fn("pg_regexp_i", e.this, e.expression)
        if isinstance(e, (exp.EQ, exp.NEQ)) and isinstance(e.expression, (exp.Any, exp.All)):
            return self._any(e)
        if isinstance(e, exp.Array):
            return self._array(e)
        if isinstance(e, exp.ArrayAgg):
            return fn("json_group_array", e.this)
        if isinstance(e, exp.Extract):
            return fn("pg_extract", _str(e.this.name.lower()), e.expression)
        if isinstance(e, (exp.TimestampTrunc, exp.DateTrunc)):
            unit = e.args.get("unit")
            u = unit if not isinstance(unit, (exp.Var, exp.Identifier)) else _str(unit.name.lower())
            return fn("pg_date_trunc", u, e.this)
        if isinstance(e, exp.CurrentTimestamp):
            return fn("pg_now")
        if isinstance(e, exp.Localtimestamp):
            return fn("pg_localtimestamp")
        if isinstance(e, exp.CurrentDate):
            return fn("pg_current_date")
        if isinstance(e, exp.CurrentUser):
            return fn("current_user")
        if isinstance(e, exp.SessionUser):
            return fn("session_user")
        if isinstance(e, exp.CurrentSchema):
            return fn("current_schema")
        if isinstance(e, exp.CurrentVersion):
            return fn("version")
        if isinstance(e, exp.Interval):
            return _interval_text(e)
        if isinstance(e, (exp.Add, exp.Sub)) and _is_interval(e.expression):
            sign = exp.Literal.number(-1 if isinstance(e, exp.Sub) else 1)
            return fn("pg_ts_add", e.this, e.expression, sign)
        if isinstance(e, exp.Add) and _is_interval(e.this):
            return fn("pg_ts_add", e.expression, e.this, exp.Literal.number(1))
        if isinstance(e, exp.TimeToStr):
            fmt = e.args.get("format")
            name = "pg_strftime" if isinstance(fmt, exp.Literal) else "to_char"
            return fn(name, e.this, fmt)
        if isinstance(e, exp.Uuid):
            return fn("gen_random_uuid")
        if isinstance(e, exp.Div):
            d = e.expression
            if isinstance(d, exp.Literal) and not d.is_string and float(d.this) != 0:
                return e  # SQLite divides like PostgreSQL; only a zero divisor differs
            return fn("pg_div", e.this, e.expression)
        if isinstance(e, exp.Mod):
            return fn("pg_mod", e.this, e.expression)
        if isinstance(e, exp.ArrayContainsAll):
            return fn("pg_json_contains", e.this, e.expression)
        if isinstance(e, exp.Anonymous):
            return self._anonymous(e)
        if isinstance(e, exp.LogicalAnd):
            return exp.Min(this=e.this)
        if isinstance(e, exp.LogicalOr):
            return exp.Max(this=e.this)
        return e

    def _anonymous(self, e: exp.Anonymous) -> exp.Expression:
        name = str(e.this).lower()
        if name in ("now", "transaction_timestamp", "statement_timestamp"):
            return fn("pg_now")
        if name == "clock_timestamp":
            return fn("pg_clock")
        if name == "date_part" and len(e.expressions) == 2:
            return fn("pg_extract", *e.expressions)
        if name == "unnest":
            return exp.Explode(this=e.expressions[0])
        if name == "jsonb_build_object":
            return fn("json_build_object", *e.expressions)
        if name in ("array_agg",):
            return fn("json_group_array", *e.expressions)
        e.set("this", name)
        return e

    def _table(self, e: exp.Table) -> exp.Expression:
        if isinstance(e.this, (exp.ExplodingGenerateSeries, exp.GenerateSeries)):
            return self._generate_series(e)
        if isinstance(e.this, exp.Anonymous) and str(e.this.this).lower() in ("unnest",):
            return self._unnest_table(e, e.this.expressions[0])
        if isinstance(e.this, exp.Explode):
            return self._unnest_table(e, e.this.this)
        if isinstance(e.this, exp.Dot) and isinstance(e.this.expression, exp.Explode):
            return self._unnest_table(e, e.this.expression.this)
        db = e.db.lower()
        name = e.name.lower()
        if db == "information_schema":
            e.set("this", exp.to_identifier("_is_" + name))
            e.set("db", None)
            self.touches_catalog = True
        elif db in ("pg_catalog", "public", ""):
            if db:
                e.set("db", None)
            if name in CATALOG_TABLES and (
                db == "pg_catalog" or self.catalog.table_columns(name) is None
            ):
                self.touches_catalog = True
                from aurora.engine.sql.pgcatalog import EMPTY_CATALOGS

                if name in EMPTY_CATALOGS:
                    self.empty_catalogs.add(name)
        elif db:
            raise SqlError("3F000", f'schema "{e.db}" does not exist')
        if e.args.get("catalog") is not None:
            e.set("catalog", None)
        return e

    def _generate_series(self, e: exp.Table) -> exp.Expression:
        g = e.this
        start, end = g.args.get("start"), g.args.get("end")
        step = g.args.get("step") or exp.Literal.number(1)
        alias = e.args.get("alias")
        tname = alias.name if alias is not None and alias.name else "generate_series"
        cols = alias.columns if alias is not None else []
        cname = cols[0].name if cols else tname
        self._srf_n += 1
        cte = f"_gs{self._srf_n}"
        sql = (
            f"(WITH RECURSIVE {cte}(v) AS (SELECT {generate(start)} UNION ALL "
            f"SELECT v + ({generate(step)}) FROM {cte} WHERE "
            f"CASE WHEN ({generate(step)}) > 0 THEN v + ({generate(step)}) <= ({generate(end)}) "
            f"ELSE v + ({generate(step)}) >= ({generate(end)}) END) "
            f'SELECT v AS "{cname}" FROM {cte}) AS "{tname}"'
        )
        return exp.Table(this=Raw(this=sql))

    def _unnest_table(self, e: exp.Table, arr: exp.Expression) -> exp.Expression:
        alias = e.args.get("alias")
        tname = alias.name if alias is not None and alias.name else "unnest"
        cols = alias.columns if alias is not None else []
        cname = cols[0].name if cols else tname
        arr = arr
        sql = f'(SELECT value AS "{cname}" FROM json_each({generate(arr)})) AS "{tname}"'
        return exp.Table(this=Raw(this=sql))

    def _values_table(self, e: exp.Values) -> exp.Expression:
        """``(VALUES ...) AS v(a, b)``: SQLite names VALUES columns column1, column2..."""
        alias = e.args["alias"]
        cols = ", ".join(f'column{i + 1} AS "{c.name}"' for i, c in enumerate(alias.columns))
        e.set("alias", None)
        return exp.Table(this=Raw(this=f'(SELECT {cols} FROM ({generate(e)})) AS "{alias.name}"'))

    def _cast(self, e: exp.Cast) -> exp.Expression:
        oid, typmod = datatype_ref(e.to)
        v = e.this
        if oid in (2205,):
            if isinstance(v, exp.Column) or isinstance(e.parent, exp.Cast):
                return fn("pg_regclass_name", v)
            return fn("pg_regclass", v)
        if oid == 2206:
            if isinstance(v, (exp.Literal, exp.Parameter)):
                return fn("pg_regtype", v)
            return fn("pg_regtype_name", v)
        if oid == 4089:
            return fn("pg_regnamespace_name", v)
        if oid in (types.INT2, types.INT4, types.INT8, types.OID, 24, 28):
            if isinstance(v, exp.Literal) and not v.is_string:
                return v
            if isinstance(e.parent, exp.Cast):
                return v
            return fn("pg_int", v)
        if oid == types.BOOL:
            return fn("pg_bool", v)
        if oid == 17:
            return fn("pg_bytea", v)
        if oid == types.NUMERIC:
            scale = types.numeric_scale(typmod)
            return (
                fn("pg_numeric", v, exp.Literal.number(scale))
                if scale is not None
                else fn("pg_numeric", v)
            )
        if oid in (700, 701):
            return fn("pg_float", v)
        if oid == 1184:
            return fn("pg_timestamptz", v)
        if oid == 1114:
            return fn("pg_timestamp", v)
        if oid == 1082:
            return fn("pg_date", v)
        if oid in (114, 3802):
            return fn("pg_jsonb", v)
        if oid == 2950:
            return fn("pg_uuid", v)
        if oid == 1186:
            return fn("pg_interval", v)
        if oid in (25, 1043, 1042, 19, 18):
            if isinstance(v, exp.Literal) and v.is_string:
                return v
            return fn("pg_text", v)
        t = types.BY_OID.get(oid)
        if t is not None and t.category == "A":
            return fn("pg_array_in", v)
        return v

    def _any(self, e: exp.Binary) -> exp.Expression:
        q = e.expression
        inner = q.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        negate = isinstance(e, exp.NEQ)
        if isinstance(inner, exp.Anonymous) and str(inner.this) == "json_array":
            node: exp.Expression = exp.In(this=e.this, expressions=list(inner.expressions))
        else:
            if isinstance(inner, exp.Cast):
                inner = inner.this
            src = inner
            sub = exp.select("value").from_(
                exp.Table(this=Raw(this=f"json_each({generate(fn('pg_array_in', src))})"))
            )
            node = exp.In(this=e.this, query=exp.Subquery(this=sub))
        return exp.Not(this=node) if negate else node

    def _array(self, e: exp.Array) -> exp.Expression:
        if len(e.expressions) == 1 and isinstance(e.expressions[0], (exp.Select, exp.Subquery)):
            sel = e.expressions[0]
            if isinstance(sel, exp.Subquery):
                sel = sel.this
            sel = sel
            return _array_subquery(sel)
        return fn("json_array", *e.expressions)

    # -- rules over whole queries ---------------------------------------------------------

    def _lateral(self, tree: exp.Expression) -> None:
        """``CROSS JOIN LATERAL (SELECT expr) AS o(n)`` (pgbench): inline ``o.n`` as ``expr``."""
        for sel in list(tree.find_all(exp.Select)):
            joins = sel.args.get("joins") or []
            for j in list(joins):
                lat = j.this
                if not isinstance(lat, exp.Lateral) or not isinstance(lat.this, exp.Subquery):
                    continue
                inner = lat.this.this
                if not isinstance(inner, exp.Select) or inner.args.get("from_") is not None:
                    raise SqlError("0A000", "LATERAL subqueries with FROM are not supported")
                alias = lat.args.get("alias")
                aname = alias.name.lower() if alias is not None else ""
                names = [c.name.lower() for c in alias.columns] if alias is not None else []
                exprs = inner.expressions
                mapping = {}
                for i, x in enumerate(exprs):
                    key = names[i] if i < len(names) else x.alias_or_name.lower()
                    mapping[key] = x.this if isinstance(x, exp.Alias) else x
                joins.remove(j)
                for col in list(sel.find_all(exp.Column)):
                    if col.table.lower() == aname and col.name.lower() in mapping:
                        col.replace(mapping[col.name.lower()].copy())

    def _srf_in_select(self, tree: exp.Expression) -> None:
        """``SELECT unnest(a), generate_subscripts(a, 1) FROM t``: one json_each join per query."""
        for sel in list(tree.find_all(exp.Select)):
            srfs = [
                x
                for x in sel.expressions
                for x in x.find_all(exp.Explode, exp.Anonymous)
                if isinstance(x, exp.Explode)
                or str(x.this).lower() in ("unnest", "generate_subscripts")
            ]
            srfs = [x for x in srfs if _owner_select(x) is sel]
            if not srfs:
                continue
            first = srfs[0]
            base = first.this if isinstance(first, exp.Explode) else first.expressions[0]
            self._srf_n += 1
            alias = f"_srf{self._srf_n}"
            base_sql = self.walk(base.copy())
            join_table = exp.Table(
                this=Raw(this=f"json_each({generate(fn('pg_array_in', base_sql))}) AS {alias}")
            )
            for x in srfs:
                if isinstance(x, exp.Explode) or str(x.this).lower() == "unnest":
                    arr = x.this if isinstance(x, exp.Explode) else x.expressions[0]
                    if arr == base:
                        x.replace(exp.column("value", alias))
                    else:
                        arr_sql = generate(self.walk(arr.copy()))
                        x.replace(
                            exp.maybe_parse(
                                f"json_extract(pg_array_in({arr_sql}), '$[' || {alias}.key || ']')",
                                dialect="sqlite",
                            )
                        )
                else:
                    x.replace(exp.maybe_parse(f"({alias}.key + 1)", dialect="sqlite"))
            if sel.args.get("from_") is None:
                sel.set("from_", exp.From(this=join_table))
            else:
                sel.append("joins", exp.Join(this=join_table))

    def _coerce_writes(self, tree: exp.Expression) -> None:
        """Values written to NUMERIC / BOOLEAN / JSON columns pass through their input function,
        so a ``'19.90'`` string or ``'t'`` lands in the storage form that compares correctly."""
        targets: list[tuple[exp.Expression, str, str]] = []
        if isinstance(tree, exp.Insert) and isinstance(tree.this, (exp.Schema, exp.Table)):
            if isinstance(tree.this, exp.Schema):
                table = tree.this.this.name
                cols = [c.name for c in tree.this.expressions]
            else:
                table = tree.this.name
                cols = [c.name for c in self.catalog.table_columns(table) or []]
            values = tree.expression
            if isinstance(values, exp.Values):
                for row in values.expressions:
                    for i, v in enumerate(row.expressions):
                        if i < len(cols):
                            targets.append((v, table, cols[i]))
            conflict = tree.args.get("conflict")
            if conflict is not None:
                for eq in conflict.expressions or []:
                    if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column):
                        targets.append((eq.expression, table, eq.this.name))
        elif isinstance(tree, exp.Update):
            table = tree.this.name
            for eq in tree.expressions:
                if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column):
                    targets.append((eq.expression, table, eq.this.name))
        for value, table, col in targets:
            info = self.catalog.column(table, col)
            if info is None or isinstance(value, exp.Null):
                continue
            wrap = _WRITE_FUNCS.get(info.type_oid)
            if wrap is None:
                continue
            if isinstance(value, exp.Anonymous) and str(value.this) == wrap:
                continue
            value.replace(fn(wrap, value.copy()))


_WRITE_FUNCS = {
    types.NUMERIC: "pg_numeric",
    types.BOOL: "pg_bool",
    17: "pg_bytea",
    114: "pg_jsonb",
    3802: "pg_jsonb",
    1184: "pg_timestamptz",
}


def _interval_text(e: exp.Interval) -> exp.Expression:
    """``INTERVAL '2' HOURS`` (sqlglot's split form) back to the text ``'2 hours'``."""
    unit = e.args.get("unit")
    value = e.this
    if unit is None:
        return value
    u = unit.name.lower()
    if isinstance(value, exp.Literal):
        return _str(f"{value.this} {u}")
    return exp.DPipe(this=exp.DPipe(this=value, expression=_str(" ")), expression=_str(u))


def _is_interval(e: exp.Expression) -> bool:
    """Whether an already rewritten operand is an interval value."""
    if isinstance(e, exp.Literal) and e.is_string:
        return bool(re.fullmatch(r"\s*-?\d+(\.\d+)?\s+[a-z]+.*|\s*\d+:\d\d(:\d\d)?", e.this))
    return isinstance(e, exp.Anonymous) and str(e.this) == "pg_interval"


def _owner_select(e: exp.Expression) -> exp.Expression | None:
    node = e.parent
    while node is not None and not isinstance(node, exp.Select):
        node = node.parent
    return node


def _array_subquery(sel: exp.Expression) -> exp.Expression:
    """``ARRAY(SELECT x ...)`` as a JSON array built by a correlated scalar subquery."""
    return Raw(this=_array_subquery_sql(sel))


def _array_subquery_sql(sel: exp.Expression) -> str:
    # Name the subquery's single column so the outer aggregate can refer to it.
    sel = sel.copy()
    if isinstance(sel, exp.Select) and sel.expressions:
        first = sel.expressions[0]
        sel.expressions[0].replace(
            exp.alias_(first.this if isinstance(first, exp.Alias) else first, "_v")
        )
    return f"(SELECT json_group_array(_v) FROM ({generate(sel)}))"


def to_sqlite(tree: exp.Expression, catalog: Catalog) -> tuple[str, Rewriter]:
    """Rewrite ``tree`` in place and return the SQLite text and what the rewrite saw."""
    rw = Rewriter(catalog)
    tree = rw.run(tree)
    return generate(tree), rw
