"""The translator's rule for PostgreSQL ``numeric``: what is typed numeric runs exactly.

Operators, comparisons, casts, aggregates, functions and ORDER BY keys whose operands the
:class:`~aurora.engine.sql.infer.Inferer` types numeric become calls of the ``pg_num_*``
functions of :mod:`aurora.engine.sql.numeric`. Operand types are taken on the statement as
written, before the operands themselves are rewritten. Integer and float operators stay
SQLite's (pgbench's arithmetic never reaches Python); a numeric meeting a float8 is compared
as a REAL, as PostgreSQL compares it as float8. Equality between a table's columns and
values stays SQLite's too, so an index still serves it: the stored form is one per value.
Where a result has no type modifier (CASE, COALESCE, GREATEST, LEAST or UNION arms of
different numeric types), a numeric(p,s) column's arm carries its scale in the value.
"""

from __future__ import annotations

from sqlglot import exp

from aurora.engine.sql import types
from aurora.engine.sql.catalog import Catalog
from aurora.engine.sql.infer import (
    Inferer,
    Scope,
    TypeRef,
    arms_of,
    column_name,
    datatype_ref,
    infer_select,
)
from aurora.engine.sqlapi import SqlError

# var_pop, var_samp / variance, stddev_pop, stddev_samp / stddev: their aggregate's kind
VARIANCES = {
    exp.VariancePop: "var_pop",
    exp.Variance: "var_samp",
    exp.StddevPop: "stddev_pop",
    exp.StddevSamp: "stddev_samp",
    exp.Stddev: "stddev_samp",
}

_ARITH: dict[type, str] = {
    exp.Add: "pg_num_add",
    exp.Sub: "pg_num_sub",
    exp.Mul: "pg_num_mul",
    exp.Div: "pg_num_div",
    exp.Mod: "pg_num_mod",
    exp.Pow: "pg_num_pow",
}
_COMPARE = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_UNARY: dict[type, str] = {
    exp.Neg: "pg_num_neg",
    exp.Abs: "pg_num_abs",
    exp.Sqrt: "pg_num_sqrt",
    exp.Ln: "pg_num_ln",
    exp.Exp: "pg_num_exp",
}
_INTEGRAL: dict[type, str] = {exp.Ceil: "pg_num_ceil", exp.Floor: "pg_num_floor",
                              exp.Sign: "pg_num_sign"}
_ROUNDING: dict[type, str] = {exp.Round: "pg_num_round", exp.Trunc: "pg_num_trunc"}
_CANDIDATES = (
    *_ARITH,
    *_COMPARE,
    *_UNARY,
    *_INTEGRAL,
    *_ROUNDING,
    exp.Between,
    exp.In,
    exp.Nullif,
    exp.Greatest,
    exp.Least,
    exp.Sum,
    exp.Avg,
    exp.Min,
    exp.Max,
    *VARIANCES,
    exp.Cast,
    exp.Ordered,
    exp.DPipe,
    exp.Log,
    exp.Concat,
    exp.ConcatWs,
    exp.Format,
)
_TEXT_OIDS = frozenset({types.TEXT, 1043, 1042})
# Types whose stored value is not the text their output function prints (a float's 100.0
# and inf, a timestamp's zero fraction and a timestamptz's UTC, a BC date's stored proxy;
# arrays too, stored as JSON)
_OUTPUT_FUNCTION_OIDS = frozenset({700, 701, 1082, 1083, 1114, 1184})
_TIME = 1083  # time's output drops a zero fraction ('03:04:05.5'); MySQL's TIME keeps its own
_INTERVAL = 1186  # compared and ordered by interval.sort_key (this rule types the operands)
_CAST_TARGETS = frozenset({types.NUMERIC, types.INT2, types.INT4, types.INT8, *_TEXT_OIDS})
_UNKNOWN_SHAPE = (AttributeError, KeyError, TypeError, ValueError, IndexError)
_QUERIES = (exp.Select, exp.Update, exp.Delete, exp.Insert)
# Operand types a numeric may meet exactly: integers, numeric, unknown and untyped literals.
_EXACT_PARTNERS = frozenset({*types.INTEGER_OIDS, types.NUMERIC, types.TEXT, 705})


def _leaves(e: exp.Expression) -> list[exp.Expression]:
    """The queries a (nested) set operation combines."""
    while isinstance(e, (exp.Subquery, exp.Paren)):
        e = e.this
    if isinstance(e, exp.SetOperation):
        return [*_leaves(e.this), *_leaves(e.expression)]
    return [e]


def _fn(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def printed_otherwise(t: TypeRef | None) -> bool:
    """A value of this type prints other text than its stored form (``pg_out`` prints it)."""
    return t is not None and (t[0] in _OUTPUT_FUNCTION_OIDS or _is_array(t))


def _is_array(t: TypeRef | None) -> bool:
    return t is not None and types.is_array(t[0])


def _num(t: TypeRef | None) -> bool:
    return t is not None and t[0] == types.NUMERIC


def _float(t: TypeRef | None) -> bool:
    return t is not None and t[0] in (700, 701)


def _partner(t: TypeRef | None) -> bool:
    return t is None or t[0] in _EXACT_PARTNERS


def _exact(ts: tuple[TypeRef | None, ...]) -> bool:
    """Whether operands of these types make a numeric operation (not float8, not a date)."""
    return any(_num(t) for t in ts) and all(_partner(t) for t in ts)


def _declared_scale(t: TypeRef | None) -> int | None:
    """The scale of a numeric(p,s) column or cast, which the stored form drops."""
    return types.numeric_scale(t[1]) if t is not None and _num(t) else None


def _hint(t: TypeRef | None) -> exp.Literal:
    s = _declared_scale(t)
    return exp.Literal.number(-1 if s is None else s)


def _operand(e: exp.Expression) -> exp.Expression:
    """A decimal literal left in the text goes to Python as text: SQLite would make it a
    REAL and drop its digits past the 17th and its scale."""
    if isinstance(e, exp.Literal) and not e.is_string and any(c in e.this for c in ".eE"):
        return exp.Literal.string(e.this)
    return e


def _scaled(e: exp.Expression, t: TypeRef | None) -> exp.Expression:
    """``e`` carrying its declared scale in the value, where storage dropped it."""
    s = _declared_scale(t)
    return _fn("pg_num_scaled", e, exp.Literal.number(s)) if s else e


def _stored(e: exp.Expression) -> exp.Expression:
    if isinstance(e, (exp.Parameter, exp.Literal)):
        return _fn("pg_numeric", _operand(e))
    return e


def _typmod_args(typmod: int) -> list[exp.Expression]:
    ps = types.numeric_precision_scale(typmod)
    return [] if ps is None else [exp.Literal.number(ps[0]), exp.Literal.number(ps[1])]


def cast_call(value: exp.Expression, typmod: int, from_float: bool = False,
              single: bool = False) -> exp.Expression:
    """``value::numeric(p,s)``; a float8 converts with 15 significant digits, as float8_numeric,
    a real (``single``) with 6, as float4_numeric."""
    name = ("pg_num_float4_cast" if single else "pg_num_float_cast") if from_float \
        else "pg_num_cast"
    return _fn(name, _operand(value), *_typmod_args(typmod))


def stored_literal(text: str) -> exp.Literal:
    """A numeric default in the stored form: a REAL or INTEGER literal unless only text is
    exact (a '1.5' text default would never equal the REAL 1.5 a write stores)."""
    value = types.numeric_in(text)
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Literal.number(value)  # type: ignore[arg-type]


def write_call(value: exp.Expression, typmod: int) -> exp.Expression:
    """A value written to a numeric(p,s) column: rounded to s, checked against p, stored."""
    return _fn("pg_numeric", value, *_typmod_args(typmod))


class NumericRules:
    """The numeric rule of one statement's rewrite (scopes cached per query node)."""

    def __init__(self, catalog: Catalog, inferer: Inferer) -> None:
        self.catalog = catalog
        self.inferer = inferer
        self.mysql_rules = False  # the MySQL dialect's statement (its ROUND(double, n) exists)
        self._scopes: dict[int, tuple[exp.Expression, Scope]] = {}
        self._listed: dict[int, tuple[exp.Expression, list[TypeRef | None]]] = {}

    # -- types, before the operands are rewritten -----------------------------------------

    def operand_types(self, e: exp.Expression) -> tuple[TypeRef | None, ...] | None:
        """The types the rule needs for ``e`` (None: not a candidate)."""
        if isinstance(e, (exp.Case, exp.Coalesce)):
            self._scale_arms(e)
            return None
        if isinstance(e, exp.SetOperation):
            self._scale_set_arms(e)
            return None
        if isinstance(e, exp.Select) and e.args.get("order") is not None:
            # ORDER BY is rewritten after the select list: type that list while it is as written
            self._listed[id(e)] = (e, [self._type(x) for x in e.expressions])
            return None
        if not isinstance(e, _CANDIDATES):
            return None
        if isinstance(e, exp.Ordered):
            return (self._order_type(e),)
        if isinstance(e, exp.Cast):
            if datatype_ref(e.to)[0] not in _CAST_TARGETS:
                return None
            return (self._type(e.this),)
        if isinstance(e, exp.EQ) and isinstance(e.parent, (exp.Update, exp.OnConflict)):
            return None  # SET col = value: an assignment, not a comparison
        if isinstance(e, exp.Between):
            return tuple(self._type(x) for x in (e.this, e.args["low"], e.args["high"]))
        if isinstance(e, (exp.Greatest, exp.Least)):
            return tuple(self._type(x) for x in (e.this, *e.expressions))
        if isinstance(e, exp.In):
            if e.args.get("query") is not None or e.args.get("unnest") is not None:
                return None
            return tuple(self._type(x) for x in (e.this, *e.expressions))
        if isinstance(e, (exp.Min, exp.Max)) and e.expressions:
            return None  # SQLite's scalar max(a, b)
        if isinstance(e, (exp.Concat, exp.ConcatWs, exp.Format)):  # VARIADIC a: a's type
            return tuple(self._type(x.this if isinstance(x, exp.Variadic) else x)
                         for x in e.expressions)
        if isinstance(e, exp.Log):  # log(x) / log(b, x)
            return tuple(self._type(x) for x in (e.this, e.args.get("expression")) if x)
        if isinstance(e, (exp.Binary, exp.Nullif)):
            return self._type(e.this), self._type(e.expression)
        inner = e.this
        if isinstance(inner, exp.Distinct) and inner.expressions:
            inner = inner.expressions[0]
        return (self._type(inner),)

    def _scope(self, e: exp.Expression) -> Scope:
        query = e.parent
        while query is not None and not isinstance(query, _QUERIES):
            query = query.parent
        cached = self._scopes.get(id(query))
        if cached is None:
            cached = (query, Scope(self.catalog, query, self.inferer))  # type: ignore[arg-type]
            self._scopes[id(query)] = cached  # the node is kept: its id stays its own
        return cached[1]

    def _type(self, e: exp.Expression | None) -> TypeRef | None:
        if e is None:
            return None
        try:
            return self.inferer.type_of(e, self._scope(e))
        except _UNKNOWN_SHAPE:
            return None  # a shape the inferer does not know: leave it to SQLite

    def _scale_arms(self, e: exp.Expression) -> None:
        """CASE / COALESCE whose result has no modifier (arms of different types): an arm
        from a numeric(p,s) column carries its scale in the value, which storage dropped."""
        arms = arms_of(e)
        try:
            if not arms or self.inferer.arms_type(arms, self._scope(e)) is None:
                return
        except _UNKNOWN_SHAPE:
            return
        for arm in arms:
            t = self._type(arm)
            if _declared_scale(t):
                arm.replace(_scaled(arm.copy(), t))

    def _scale_set_arms(self, e: exp.SetOperation) -> None:
        """The same for UNION / INTERSECT / EXCEPT columns whose sides' modifiers differ."""
        try:
            merged = infer_select(e, self.catalog, self.inferer)
            leaves = [(leaf, infer_select(leaf, self.catalog, self.inferer)) for leaf in _leaves(e)]
        except _UNKNOWN_SHAPE:
            return
        for leaf, cols in leaves:
            if len(cols) != len(merged) or not isinstance(leaf, exp.Select):
                continue
            for i, ((_, t), (_, m)) in enumerate(zip(cols, merged, strict=True)):
                if not _declared_scale(t) or m != (types.NUMERIC, -1):
                    continue
                item = leaf.expressions[i]
                inner = item.this if isinstance(item, exp.Alias) else item
                if isinstance(inner, exp.Anonymous) and inner.name == "pg_num_scaled":
                    continue  # an enclosing set operation did it
                wrapped = _scaled(inner.copy(), t)
                if isinstance(item, exp.Alias):
                    item.set("this", wrapped)
                else:  # keep the column's name: ORDER BY of the compound refers to it
                    item.replace(exp.alias_(wrapped, column_name(item), quoted=True))

    def _plain(self, e: exp.Expression) -> bool:
        """A value SQLite's own equality compares exactly: a table's column (the stored form,
        one per value; a derived table's column holds computed values) or a value that
        ``pg_numeric`` puts in the stored form."""
        if isinstance(e, (exp.Parameter, exp.Literal, exp.Null)):
            return True
        if not isinstance(e, exp.Column):
            return False
        scope = self._scope(e)
        if e.table:
            return e.table.lower() in scope.tables
        return any(self.catalog.column(t, e.name) for t in scope.tables.values())

    def _order_type(self, e: exp.Ordered) -> TypeRef | None:
        order = e.parent
        owner = order.parent if isinstance(order, exp.Order) else None
        if owner is None or isinstance(owner, exp.SetOperation):
            return None  # a compound's ORDER BY must name its result columns as they are
        x = e.this
        listed = self._listed.get(id(owner), (None, []))[1]
        if isinstance(x, exp.Literal):  # an ordinal
            n = int(x.this) if x.is_int else 0
            return listed[n - 1] if 0 < n <= len(listed) else None
        if isinstance(owner, exp.Select) and isinstance(x, exp.Column) and not x.table:
            for sel, t in zip(owner.expressions, listed, strict=False):
                if isinstance(sel, exp.Alias) and sel.alias.lower() == x.name.lower():
                    return t  # ORDER BY an output name
        return self._type(x)

    # -- the rewrite, after the operands are rewritten ------------------------------------

    def _output(self, x: exp.Expression, t: TypeRef | None) -> exp.Expression:
        """``x`` as its type's output text: ``pg_out``; a double of the MySQL dialect as
        MySQL writes it (``mysql_double_text``: 0.00001 and 1e15, not 1e-05 and 1000000000000000)."""
        assert t is not None
        if self.mysql_rules and t[0] == types.FLOAT8:
            return _fn("mysql_double_text", x)
        return _fn("pg_out", x, exp.Literal.number(t[0]))

    def _printed_otherwise(self, t: TypeRef | None) -> bool:
        return printed_otherwise(t) and not (self.mysql_rules and t is not None and t[0] == _TIME)

    def rewrite(self, e: exp.Expression, ts: tuple[TypeRef | None, ...]) -> exp.Expression | None:
        """The exact form of ``e``, or None to leave it to the other rules."""
        kind = type(e)
        if kind is exp.Cast:
            oid, typmod = datatype_ref(e.to)
            if oid == types.NUMERIC:
                return cast_call(e.this, typmod, _float(ts[0]),
                                 ts[0] is not None and ts[0][0] == 700)
            if oid in _TEXT_OIDS and _declared_scale(ts[0]):  # numeric(10,2) 1.5 is '1.50'
                e.set("this", _scaled(e.this, ts[0]))
            elif oid in _TEXT_OIDS and self._printed_otherwise(ts[0]):
                # the type's output text ('100', not the stored 100.0; '{1,2}', not '[1,2]')
                e.set("this", self._output(e.this, ts[0]))
            elif oid in _TEXT_OIDS and ts[0] is None and self.mysql_rules and isinstance(e.this.unnest(), exp.Anonymous):
                # a MySQL function of no known type (MYSQL_POW): a double it gives is
                # written as MySQL writes it ('1', not '1.0')
                e.set("this", _fn("mysql_float_text", e.this))
            elif oid not in _TEXT_OIDS and _num(ts[0]):  # to an integer: half away from zero
                e.set("this", _fn("pg_num_int", e.this))
            return None
        if kind in (exp.Concat, exp.ConcatWs, exp.Format):
            # each argument as its type prints it, as the text PostgreSQL concatenates
            for x, t in list(zip(e.expressions, ts, strict=False)):
                if isinstance(x, exp.Variadic):
                    # VARIADIC array: the array's text ('{t,f}'), its elements as they print
                    if _is_array(t):
                        x.set("this", self._output(x.this, t))
                elif self._printed_otherwise(t):
                    x.replace(self._output(x.copy(), t))
            return None
        if kind is exp.DPipe:
            arrays = [_is_array(t) for t in ts]
            if not any(arrays):
                for side, t in (("this", ts[0]), ("expression", ts[1])):
                    if self._printed_otherwise(t):  # text || x: x's output text
                        e.set(side, self._output(e.args[side], t))
                return None
            # array || array, element || array, array || element (PostgreSQL's array_cat)
            return _fn("pg_array_cat", e.this, e.expression, *(exp.Literal.number(int(a))
                                                             for a in arrays))
        if kind is exp.Ordered and ts[0] is not None and ts[0][0] == _INTERVAL:
            e.set("this", _fn("pg_interval_key", e.this))  # by value, not by its text
            return None
        if kind in _COMPARE and any(t is not None and t[0] == _INTERVAL for t in ts):
            return kind(this=_fn("pg_interval_key", e.this),
                        expression=_fn("pg_interval_key", e.expression))
        if kind is exp.Ordered:
            if _num(ts[0]):
                key = e.this
                if isinstance(key, exp.Literal):  # ORDER BY 2: the key of the 2nd column
                    picked = e.parent.parent.expressions[int(key.this) - 1]  # type: ignore[union-attr]
                    key = (picked.this if isinstance(picked, exp.Alias) else picked).copy()
                e.set("this", _fn("pg_num_key", key))
            return None
        if kind in _ARITH:
            if not _exact(ts):
                return None
            return _fn(
                _ARITH[kind], _operand(e.this), _operand(e.expression), _hint(ts[0]), _hint(ts[1])
            )
        if kind in _COMPARE:
            return self._compare(e, ts)
        if kind is exp.Between:
            if not _exact(ts):
                return None
            x = _operand(e.this)
            low = _fn("pg_num_cmp", x, _operand(e.args["low"]))
            high = _fn("pg_num_cmp", x.copy(), _operand(e.args["high"]))
            zero = exp.Literal.number(0)
            return exp.Paren(
                this=exp.And(
                    this=exp.GTE(this=low, expression=zero),
                    expression=exp.LTE(this=high, expression=zero.copy()),
                )
            )
        if kind is exp.In:
            if not _exact(ts):
                return None
            if all(self._plain(x) for x in (e.this, *e.expressions)):
                e.set("this", _stored(e.this))
                e.set("expressions", [_stored(x) for x in e.expressions])
                return e
            # x IN (a, b) is x = a OR x = b, NULLs included
            x = _operand(e.this)
            zero = exp.Literal.number(0)
            tests = [
                exp.EQ(this=_fn("pg_num_cmp", x.copy(), _operand(item)), expression=zero.copy())
                for item in e.expressions
            ]
            return exp.Paren(this=exp.or_(*tests))
        if kind in (exp.Greatest, exp.Least):
            if not _exact(ts):
                return None
            name = "pg_num_greatest" if kind is exp.Greatest else "pg_num_least"
            args = [
                _scaled(_operand(x), t) for x, t in zip((e.this, *e.expressions), ts, strict=True)
            ]
            return _fn(name, *args)
        if kind is exp.Nullif:
            if not _exact(ts):
                return None
            equal = exp.EQ(
                this=_fn("pg_num_cmp", _operand(e.this), _operand(e.expression)),
                expression=exp.Literal.number(0),
            )
            return exp.Case(
                ifs=[exp.If(this=equal, true=exp.Null())], default=_operand(e.this.copy())
            )
        if kind is exp.Log:
            if not _exact(ts):
                return None
            if e.args.get("expression") is None:  # log(x): base 10
                return _fn("pg_num_log", exp.Literal.number(10), _operand(e.this),
                           exp.Literal.number(-1), _hint(ts[0]))
            return _fn("pg_num_log", _operand(e.this), _operand(e.expression), _hint(ts[0]),
                       _hint(ts[1]))
        if kind in _UNARY:
            if not _num(ts[0]):
                return None
            return _fn(_UNARY[kind], _operand(e.this), _hint(ts[0]))
        if kind in _INTEGRAL:
            return _fn(_INTEGRAL[kind], _operand(e.this)) if _num(ts[0]) else None
        if kind in _ROUNDING:
            places = e.args.get("decimals")
            if kind is exp.Round and places is None and _float(ts[0]):
                return _fn("pg_float_round", _operand(e.this))
            if places is not None and _float(ts[0]) and not self.mysql_rules:  # round(numeric, int) only
                name = "round" if kind is exp.Round else "trunc"
                t = None if isinstance(places, exp.Null) else self._type(places)
                raise SqlError("42883", f"function {name}({types.format_type(ts[0][0])}, "  # type: ignore[index]
                               f"{types.format_type(t[0]) if t else 'unknown'}) does not exist")
            integer = ts[0] is not None and ts[0][0] in types.INTEGER_OIDS
            if not (_num(ts[0]) or (integer and places is not None)):
                return None
            places = places if places is not None else exp.Literal.number(0)
            return _fn(_ROUNDING[kind], _operand(e.this), places, _hint(ts[0]))
        return self._aggregate(e, ts[0])

    def _compare(self, e: exp.Expression, ts: tuple[TypeRef | None, ...]) -> exp.Expression | None:
        a, b = ts
        if not (_num(a) or _num(b)):
            return None
        left, right = e.this, e.expression  # type: ignore[attr-defined]
        if _float(a) or _float(b):
            # float8 against numeric compares as float8: the numeric side (text when it has
            # many digits or a scale a REAL cannot spell) as a REAL.
            real = exp.DataType.build("DOUBLE")
            single = any(t is not None and t[0] == 700 for t in ts)  # numeric to real: single
            if _num(a):
                left = (_fn("pg_float4", _operand(left)) if single
                        else exp.Cast(this=_operand(left), to=real))
            if _num(b):
                right = (_fn("pg_float4", _operand(right)) if single
                         else exp.Cast(this=_operand(right), to=real.copy()))
            return type(e)(this=left, expression=right)
        if not _exact(ts):
            return None
        if isinstance(e, (exp.EQ, exp.NEQ)) and self._plain(left) and self._plain(right):
            return type(e)(this=_stored(left), expression=_stored(right))
        cmp = _fn("pg_num_cmp", _operand(left), _operand(right))
        return type(e)(this=cmp, expression=exp.Literal.number(0))

    def _aggregate(self, e: exp.Expression, t: TypeRef | None) -> exp.Expression | None:
        if isinstance(e, (exp.Min, exp.Max)):
            if not _num(t) or isinstance(e.parent, exp.Window):
                return None  # min/max have no inverse for a moving frame: SQLite's own
            inner = e.this
            if isinstance(inner, exp.Distinct) and inner.expressions:
                inner = inner.expressions[0]
            return _fn("pg_num_min" if isinstance(e, exp.Min) else "pg_num_max", inner)
        integer = t is not None and t[0] in types.INTEGER_OIDS
        if type(e) in VARIANCES:
            if not (_num(t) or integer) or isinstance(e.this, exp.Distinct):
                return None  # float8: the translator's pg_float_var
            kind = exp.Literal.string(VARIANCES[type(e)])
            return _fn("pg_num_var", kind, _operand(e.this), _hint(t))
        if isinstance(e, exp.Sum):
            # sum(bigint) is numeric in PostgreSQL: exact, never SQLite's integer overflow
            exact = _num(t) or (t is not None and t[0] == types.INT8)
            name = "pg_num_sum"
        else:
            exact = _num(t) or integer  # avg(integer) is numeric with 16 significant digits
            name = "pg_num_avg"
        if not exact:
            return None
        inner = e.this
        if isinstance(inner, exp.Distinct) and inner.expressions:
            # A DISTINCT aggregate takes one argument: the scale goes into the value.
            arg = _scaled(_operand(inner.expressions[0]), t)
            return _fn(name, exp.Distinct(expressions=[arg]))
        return _fn(name, _operand(inner), _hint(t))
