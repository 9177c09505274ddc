"""json(b)_populate_record(set) and json(b)_to_record(set) in FROM, as typed subqueries.

Expanded on the parsed statement before inference, so the record's columns have their
types: ``json_to_record(j) AS x(a int, b text)`` becomes ``(SELECT CAST(pg_json_field(j,
'a', ...) AS int) AS a, ...) AS x``; the ``set`` forms read each element of the array
(``json_array_elements``). ``json_populate_record(base, j)`` takes its columns from the
composite type of ``base`` (composite.py), and a member missing from ``j`` keeps the base
record's value. Each member becomes its column's type through that type's input, as in
PostgreSQL: a JSON string as its contents, an array as an array literal, json/jsonb as text.
"""

from __future__ import annotations

import re

import apsw
from sqlglot import exp

from aurora.engine.sql import composite, types
from aurora.engine.sql.catalog import Catalog
from aurora.engine.sql.infer import Inferer, Scope
from aurora.engine.sqlapi import SqlError

# name: (jsonb, a set of records, populate from a base record)
_FUNCS = {
    "json_populate_record": (False, False, True),
    "jsonb_populate_record": (True, False, True),
    "json_populate_recordset": (False, True, True),
    "jsonb_populate_recordset": (True, True, True),
    "json_to_record": (False, False, False),
    "jsonb_to_record": (True, False, False),
    "json_to_recordset": (False, True, False),
    "jsonb_to_recordset": (True, True, False),
}


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def expand(tree: exp.Expression, conn: apsw.Connection, catalog: Catalog) -> None:
    for call in list(tree.find_all(exp.Anonymous)):
        if str(call.this).lower() in _FUNCS and not isinstance(call.parent, exp.Table):
            _in_select_list(call, catalog)
    for table in list(tree.find_all(exp.Table)):
        call = table.this
        if not isinstance(call, exp.Anonymous) or str(call.this).lower() not in _FUNCS:
            continue
        name = str(call.this).lower()
        binary, many, populate = _FUNCS[name]
        alias = table.args.get("alias")
        args = list(call.expressions)
        if len(args) != (2 if populate else 1):
            raise SqlError("42883", f"function {name} does not exist")
        src = args[-1]
        defs = [c for c in (alias.columns if alias is not None else [])
                if isinstance(c, exp.ColumnDef)]
        bases: list[exp.Expression | None] = []
        if populate:
            cols, bases = _base_record(conn, args[0], defs)
        elif defs:
            cols = _column_defs(conn, defs)
        else:
            raise SqlError("42601", "a column definition list is required for functions "
                           'returning "record"')
        select = exp.Select()
        source = src
        if many:
            elements = "jsonb_array_elements" if binary else "json_array_elements"
            select = select.from_(exp.Table(
                this=_fn(elements, src), alias=exp.TableAlias(this=exp.to_identifier("_r"))))
            source = exp.column("value", "_r")
        for i, (cname, oid, typmod, kind, limit) in enumerate(cols):
            mode = "j" if oid in (114, 3802) else (
                "a" if (t := types.BY_OID.get(oid)) is not None and t.category == "A" else "s")
            if oid == 199:
                mode = "aj"  # json[]: each element's JSON text
            args = [source.copy(), exp.Literal.string(cname), exp.Literal.string(mode),
                    exp.Literal.number(int(binary))]
            if limit:
                args.append(exp.Literal.string(limit))  # char(n): longer input is 22001
            text: exp.Expression = _fn("pg_json_field", *args)
            if kind is not None and ("composite" in kind or "composite" in (kind.get("base") or {})):
                # a nested record is not shaped here: refused when the object has a value
                text = _fn("pg_json_refuse", text, exp.Literal.string(
                    f"a column of composite type {kind.get('composite') or kind['domain']}"))
                select = select.select(exp.alias_(text, cname, quoted=True))
                continue
            if kind is not None:
                text = _fn("pg_domain_value", text, exp.Literal.string(kind["domain"]),
                           exp.Literal.number(int(bool(kind["notnull"]))),
                           exp.Literal.number(int(kind["check"] is not None)))
            to = exp.DataType.build(types.format_type(oid, typmod) or "text", dialect="postgres")
            value: exp.Expression = exp.Cast(this=text, to=to)
            base = bases[i] if i < len(bases) else None
            if base is not None and not isinstance(base, exp.Null):
                has = _fn("pg_json_has_field", source.copy(), exp.Literal.string(cname))
                value = exp.Case(ifs=[exp.If(this=has, true=value)],
                                 default=exp.Cast(this=base.copy(), to=to.copy()))
            select = select.select(exp.alias_(value, cname, quoted=True))
        tname = alias.name if alias is not None and alias.name else name
        sub = exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(tname)))
        table.replace(sub)
        _expand_star(sub, tname, [c[0] for c in cols])


_RECORD_FIELD_TYPES = {23: "int4", 20: "int8", 25: "text", 1700: "numeric"}


def _in_select_list(call: exp.Anonymous, catalog: Catalog) -> None:
    """``SELECT json_populate_record(row(1, 2), j)``: a record of fields f1, f2 ... typed as
    the row's values, printed as PostgreSQL prints a record; the ``set`` form gives a row
    per element. Other bases are refused: their columns would need a FROM clause."""
    name = str(call.this).lower()
    binary, many, populate = _FUNCS[name]
    args = list(call.expressions)
    base = args[0] if populate and len(args) == 2 else None
    while isinstance(base, exp.Paren):
        base = base.this
    if isinstance(base, exp.Cast) and isinstance(base.this, exp.Null) and (
            base.to.sql("postgres").lower() == "record"):
        raise SqlError("0A000", f"could not determine row type for result of {name}",
                       hint="Provide a non-null record argument, or call the function in the "
                       "FROM clause using a column definition list.")
    if not (isinstance(base, exp.Anonymous) and str(base.this).lower() == "row"):
        raise SqlError("0A000", f"{name} in a select list needs ROW(...) as its base; call it "
                       "in FROM")
    values = list(base.expressions)
    source = args[1]
    owner = call.parent
    while owner is not None and not isinstance(owner, exp.Select):
        owner = owner.parent
    if many:
        if owner is None:
            raise SqlError("0A000", f"{name} is not supported here")
        n = sum(1 for _ in owner.find_all(exp.Table)) + 1
        alias = f"_rec{n}"
        elements = "jsonb_array_elements" if binary else "json_array_elements"
        join = exp.Table(this=_fn(elements, source),
                         alias=exp.TableAlias(this=exp.to_identifier(alias)))
        if owner.args.get("from_") is None:
            owner.set("from_", exp.From(this=join))
        else:
            owner.append("joins", exp.Join(this=join, kind="CROSS"))
        source = exp.column("value", alias)
    fields = []
    inferer = Inferer(catalog, {}, {})
    scope = Scope(catalog, owner, inferer)
    for i, v in enumerate(values):
        t = inferer.type_of(v, scope) if not isinstance(v, exp.Null) else (types.TEXT, -1)
        kind = _RECORD_FIELD_TYPES.get(t[0]) if t is not None else None
        if kind is None:
            raise SqlError("0A000", f"a record field of this type is not supported by {name} "
                           "in a select list")
        key = f"f{i + 1}"
        text = _fn("pg_json_field", source.copy(), exp.Literal.string(key),
                   exp.Literal.string("s"), exp.Literal.number(int(binary)))
        to = exp.DataType.build(kind, dialect="postgres")
        has = _fn("pg_json_has_field", source.copy(), exp.Literal.string(key))
        fields.append(exp.Case(ifs=[exp.If(this=has, true=exp.Cast(this=text, to=to))],
                               default=exp.Cast(this=v.copy(), to=to.copy())))
    call.replace(_fn("pg_record_text", *fields))


def _expand_star(sub: exp.Subquery, tname: str, names: list[str]) -> None:
    """``SELECT * FROM json_to_record(...) x``: the columns by name, so inference types
    them (a star leaves a query's types to its values)."""
    owner = sub.parent.parent if isinstance(sub.parent, exp.From) else None
    if not isinstance(owner, exp.Select) or owner.args.get("joins"):
        return
    out = []
    for e in owner.expressions:
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)
                                       and e.table.lower() in ("", tname.lower())):
            out.extend(exp.column(n, tname, quoted=True) for n in names)
        else:
            out.append(e)
    owner.set("expressions", out)


def _limit(text: str) -> str | None:
    """``character(10)`` for a char(10) or char(10)[] column, whose input refuses longer text."""
    m = re.match(r"\s*(character\s+varying|varchar|character|char|bpchar)\s*\(\s*(\d+)\s*\)",
                 text, re.I)
    if m is None:
        return None
    var = m.group(1).lower() in ("varchar",) or "varying" in m.group(1).lower()
    return f"{'character varying' if var else 'character'}({m.group(2)})"


def _column_defs(conn: apsw.Connection, defs: list) -> list[tuple]:
    out = []
    for d in defs:
        kind = d.args.get("kind")
        text = kind.sql("postgres") if kind is not None else "text"
        if kind is not None and kind.this == exp.DataType.Type.USERDEFINED:
            text = kind.args["kind"].name
        oid, typmod, ckind = composite.type_ref(conn, text)
        out.append((d.name, oid, typmod, ckind, _limit(text)))
    return out


def _base_record(conn: apsw.Connection, base: exp.Expression,
                 defs: list) -> tuple[list[tuple], list]:
    """The columns and values of ``NULL::type``, ``row(...)::type`` or ``NULL::record``
    with a column definition list."""
    while isinstance(base, exp.Paren):
        base = base.this
    if defs and isinstance(base, (exp.Tuple, exp.Anonymous)) and (
            isinstance(base, exp.Tuple) or str(base.this).lower() == "row"):
        # an anonymous record: its columns must be the column definition list's
        cols = _column_defs(conn, defs)
        values = list(base.expressions)
        given = [composite.type_ref(conn, v.to.sql("postgres"))[0]
                 if isinstance(v, exp.Cast) else None for v in values]
        if len(values) != len(cols) or any(
                g is not None and g != c[1] for g, c in zip(given, cols, strict=False)):
            raise SqlError("42804", "function return row and query-specified return row do "
                           "not match")
        return cols, values
    if not isinstance(base, exp.Cast):
        raise SqlError("0A000", "json_populate_record needs a base of a named composite type")
    to = base.to
    tname = (to.args["kind"].name if to.this == exp.DataType.Type.USERDEFINED
             else to.sql("postgres")).lower()
    if tname == "record":
        if not defs:
            raise SqlError("42804", "could not determine row type for result of "
                           "json_populate_record",
                           hint="Provide a non-null record argument, or call the function in "
                           "the FROM clause using a column definition list.")
        return _column_defs(conn, defs), []
    cols = composite.columns(conn, tname)
    if cols is None:
        raise SqlError("42704", f'type "{tname}" does not exist')
    values: list = []
    inner = base.this
    if isinstance(inner, (exp.Tuple, exp.Anonymous)) and (
            isinstance(inner, exp.Tuple) or str(inner.this).lower() == "row"):
        values = list(inner.expressions)
        if len(values) != len(cols):
            raise SqlError("42846", f"cannot cast type record to {tname}",
                           detail=f"Input has too {'few' if len(values) < len(cols) else 'many'}"
                           " columns.")
    elif not isinstance(inner, exp.Null):
        raise SqlError("0A000", "json_populate_record needs NULL or ROW(...) as its base")
    return [(c[0], c[2], c[3], c[4] if len(c) > 4 else None, _limit(c[1])) for c in cols], values
