"""Composite types and domains: CREATE / DROP TYPE name AS (column type, ...), CREATE /
DROP DOMAIN name AS type [NOT NULL] [CHECK (...)].

A composite type is a catalog object that functions shape records with (json_populate_record,
``NULL::name``). Each is an empty view ``_aurora_type_<name>`` whose one value is the JSON
list of its columns, ``[[name, type as written, oid, typmod, kind], ...]``; a domain is an
empty view ``_aurora_domain_<name>`` holding its base type, NOT NULL and CHECK text. Creating
either moves SQLite's schema cookie, so every session and reader instance sees it as after
CREATE TABLE. A column's ``kind`` is None for a plain type, ``{"domain": ...}`` or
``{"composite": name}``: record functions enforce a domain's NOT NULL and refuse (0A000) a
value they would have to check against a domain's CHECK or shape as a nested record. A table
column of a domain has the domain's base type and its NOT NULL and CHECK as column
constraints; one of a composite type is refused (0A000); an unknown type name is 42704.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import apsw
import sqlglot
from sqlglot import exp

from aurora.engine.sql import enums, types
from aurora.engine.sql.tabledef import split_top
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

PREFIX = "_aurora_type_"
DOMAIN_PREFIX = "_aurora_domain_"
_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_CREATE = re.compile(rf"\s*create\s+type\s+{_NAME}\s+as\s*\((.*)\)\s*;?\s*$", re.I | re.S)
_DROP = re.compile(r"\s*drop\s+type\s+(if\s+exists\s+)?(.+?)(\s+(?:cascade|restrict))?\s*;?\s*$",
                   re.I | re.S)
_KNOWN_PREFIXES = ("timestamp", "time", "character", "double", "varchar", "bit", "interval")

Column = tuple  # name, type as written, oid, typmod, kind (None, {"domain"...}, {"composite"...})
_DOMAIN = re.compile(rf"\s*create\s+domain\s+{_NAME}\s+(?:as\s+)?(.*?)\s*;?\s*$", re.I | re.S)
_DOMAIN_DROP = re.compile(
    r"\s*drop\s+domain\s+(if\s+exists\s+)?(.+?)(\s+(?:cascade|restrict))?\s*;?\s*$", re.I | re.S)


def _ident(raw: str) -> str:
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


def type_ref(conn: apsw.Connection, text: str) -> tuple[int, int, dict | None]:
    """(oid, typmod, kind) of a column's type as written; 42704 for a name no type has."""
    t = " ".join(text.lower().split())
    array = "[]" in t or t.startswith("_")
    base = re.sub(r"\[\s*\d*\s*\]", "", t).strip().lstrip("_")
    name = re.sub(r"\s*\(.*\)", "", base).strip('"')
    known = name in types.ALIASES or name.startswith(_KNOWN_PREFIXES)
    if not known:
        if columns(conn, name) is not None:
            return (2287 if array else 2249), -1, {"composite": name}
        d = domain(conn, name)
        if d is not None and not array:
            return d["oid"], d["typmod"], {"domain": name, "notnull": d["notnull"],
                                           "check": d["check"], "base": d.get("kind")}
        raise SqlError("42704", f'type "{name}" does not exist')
    oid = types.oid_of(base + ("[]" if array else ""))
    return oid, (types.typmod_of(base, oid) if not array else -1), None


def column_type(conn: apsw.Connection, col: exp.ColumnDef, dtype: exp.DataType) -> exp.DataType:
    """A table column's type with domains resolved (see domain_column); an array of a
    domain or composite type is refused (0A000): its elements would not be checked."""
    if dtype.this == exp.DataType.Type.USERDEFINED and dtype.args.get("kind") is not None:
        kind = dtype.args["kind"]
        if isinstance(kind, exp.Identifier):
            ename = kind.name if kind.quoted else kind.name.lower()
            if enums.labels(conn, ename) is not None:
                return enums.column(col, ename)
        resolved = domain_column(conn, col, dtype)
        if resolved is None:
            known_or_42704(conn, dtype.args["kind"])
        return resolved or dtype
    for inner in dtype.find_all(exp.DataType):
        if inner is not dtype and inner.this == exp.DataType.Type.USERDEFINED:
            n = inner.args["kind"].name.lower().strip('"') if inner.args.get("kind") else ""
            if (columns(conn, n) is not None or domain(conn, n) is not None
                    or enums.labels(conn, n) is not None):
                raise SqlError("0A000", f'a table column of an array of "{n}" is not supported')
    return dtype


# PostgreSQL's own types that the parser does not know by name: a column of one is kept as
# text (as before), while a name no type has is refused as PostgreSQL refuses it.
_BUILTIN_NAMES = frozenset({
    "box", "line", "lseg", "path", "polygon", "circle", "macaddr", "macaddr8", "jsonpath",
    "txid_snapshot", "pg_snapshot", "cid", "tid", "refcursor", "regoper", "regoperator",
    "regconfig", "regdictionary", "regcollation", "regrole", "regprocedure", "pg_lsn",
    "int2vector", "oidvector", "tsvector", "tsquery", "aclitem", "xid8", "any", "anyelement",
    "anyenum", "anynonarray", "anyrange", "cstring", "internal", "language_handler", "opaque",
})


def resolve_casts(conn: apsw.Connection, tree: exp.Expression) -> None:
    """Casts to types the catalog defines: 42704 for a name that is no type
    (``''::nosuchtype``, which would hand back the value as text); a cast to an enum is
    checked and carries the enum's order (enums.py), and ``enum_range(NULL::e)`` and its
    kin become the labels; a cast to a domain becomes a cast to its base type that enforces
    the domain's NOT NULL and CHECK."""
    for call in list(tree.find_all(exp.Anonymous)):
        fname = str(call.this).lower()
        if fname in ("enum_first", "enum_last", "enum_range") and call.expressions:
            arg = call.expressions[0]
            to = arg.args.get("to") if isinstance(arg, exp.Cast) else None
            kind = to.args.get("kind") if isinstance(to, exp.DataType) else None
            if isinstance(kind, exp.Identifier):
                ename = kind.name if kind.quoted else kind.name.lower()
                values = enums.labels(conn, ename)
                if values is not None and len(call.expressions) == 1:
                    call.replace(enums.enum_call(ename, fname, values))
    for cast in list(tree.find_all(exp.Cast)):
        to = cast.args.get("to")
        if not isinstance(to, exp.DataType) or to.this != exp.DataType.Type.USERDEFINED:
            continue
        kind = to.args.get("kind")
        array = isinstance(kind, exp.Identifier) and kind.name.endswith("__array")  # T[]
        if array:
            kind = exp.to_identifier(kind.name[: -len("__array")], quoted=kind.quoted)
        if kind is None:
            continue
        known_or_42704(conn, kind)
        if not array and isinstance(kind, exp.Identifier):
            name = kind.name if kind.quoted else kind.name.lower()
            if enums.labels(conn, name) is not None:
                cast.replace(enums.cast(name, cast.this))
                continue
            d = domain(conn, name)
            if d is not None and not d.get("kind"):
                cast.replace(_domain_value(name, d, cast.this))


_VALUE = "_aurora_domain_value"


def _domain_value(name: str, d: dict, value: exp.Expression) -> exp.Expression:
    """``value::domain``: the value cast to the base type, evaluated once (a correlated
    subquery), 23502 when it is NULL and the domain says NOT NULL, 23514 when the domain's
    CHECK is false, as PostgreSQL answers such a cast."""
    base = exp.Cast(this=value, to=exp.DataType.build(d["base"], dialect="postgres"))
    if not d["notnull"] and not d["check"]:
        return base
    v = exp.column(_VALUE, quoted=True)
    ok: list[exp.Expression] = []
    if d["notnull"]:
        ok.append(exp.Not(this=exp.Is(this=v.copy(), expression=exp.Null())))
    if d["check"]:
        text = re.sub(r"\bvalue\b", f'"{_VALUE}"', d["check"], flags=re.I)
        cond = sqlglot.parse_one(text, read="postgres")
        ok.append(exp.Not(this=exp.Is(this=exp.Paren(this=cond), expression=exp.false())))

    def fail(code: str, message: str) -> exp.Expression:
        return exp.Anonymous(this="pg_raise", expressions=[exp.Literal.string(code),
                                                           exp.Literal.string(message)])

    ifs = [exp.If(this=exp.and_(*ok), true=v.copy())]
    if d["notnull"]:
        ifs.append(exp.If(this=exp.Is(this=v.copy(), expression=exp.Null()),
                          true=fail("23502", f"domain {name} does not allow null values")))
    case = exp.Case(ifs=ifs, default=fail(
        "23514", f'value for domain {name} violates check constraint "{name}_check"'))
    inner = exp.select(exp.alias_(base, _VALUE, quoted=True)).subquery()
    checked = exp.Subquery(this=exp.select(case).from_(inner))
    return exp.Cast(this=checked, to=exp.DataType.build(d["base"], dialect="postgres"))


def known_or_42704(conn: apsw.Connection, kind: exp.Expression) -> None:
    """42704 for a column type that is no type at all (a typo would otherwise make a text
    column that takes anything); a schema-qualified name is left as it was."""
    if not isinstance(kind, exp.Identifier):
        return
    name = kind.name
    low = name.lower()
    if low in types.ALIASES or low in _BUILTIN_NAMES or low.startswith(_KNOWN_PREFIXES):
        return
    if any(columns(conn, n) is not None or domain(conn, n) is not None for n in {name, low}):
        return
    # a table's or view's row type (kept as text as before), a type seen from temp DDL
    names = (name, low, PREFIX + low, DOMAIN_PREFIX + low, enums.PREFIX + low, enums.PREFIX + name)
    marks = ",".join("?" * len(names))
    for schema in ('"main"', "temp"):
        found = conn.execute(
            f"SELECT 1 FROM {schema}.sqlite_schema WHERE name IN ({marks}) LIMIT 1", names
        ).fetchone()
        if found:
            return
    raise SqlError("42704", f'type "{name if kind.quoted else low}" does not exist')


def domain_column(conn: apsw.Connection, col: exp.ColumnDef,
                  dtype: exp.DataType) -> exp.DataType | None:
    """A table column of a domain: the domain's base type, its NOT NULL and CHECK (VALUE
    read as the column) added to the column's constraints. A column of a composite type, or
    of a domain over one, is refused (0A000): its rules would not be kept."""
    name = dtype.args["kind"].name.lower().strip('"')
    if columns(conn, name) is not None:
        raise SqlError("0A000", f'a table column of composite type "{name}" is not supported')
    d = domain(conn, name)
    if d is None:
        return None
    if d.get("kind"):
        raise SqlError("0A000", f'a table column of domain "{name}" over a composite type is '
                       "not supported")
    if d["notnull"]:
        col.append("constraints", exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
    if d["check"]:
        quoted = '"' + col.name.replace('"', '""') + '"'
        text = re.sub(r"\bvalue\b", quoted, d["check"], flags=re.I)
        cond = sqlglot.parse_one(text, read="postgres")
        col.append("constraints", exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=cond)))
    return exp.DataType.build(d["base"], dialect="postgres")


def domain(conn: apsw.Connection, name: str) -> dict | None:
    view = DOMAIN_PREFIX + name.lower()
    rows = conn.execute(
        "SELECT 1 FROM main.sqlite_schema WHERE type='view' AND name=?", (view,)
    ).fetchall()
    if not rows:
        return None
    return json.loads(conn.execute(f'SELECT def FROM main."{view}"').fetchall()[0][0])


def create_domain(s: Session, sql: str) -> StatementResult:
    m = _DOMAIN.match(sql)
    if m is None:
        raise SqlError("42601", "syntax error in CREATE DOMAIN")
    name = _ident(m.group(1))
    if domain(s.conn, name) is not None or columns(s.conn, name) is not None:
        raise SqlError("42710", f'type "{name}" already exists')
    rest = m.group(2)
    stop = re.search(r"\b(not\s+null|null|check|default|constraint|collate)\b", rest, re.I)
    type_text = rest[: stop.start()].strip() if stop else rest.strip()
    tail = rest[stop.start():] if stop else ""
    if re.search(r"\b(default|collate)\b", tail, re.I):
        raise SqlError("0A000", "CREATE DOMAIN with DEFAULT or COLLATE is not supported")
    check = None
    c = re.search(r"\bcheck\s*\(", tail, re.I)
    if c:
        depth, i = 1, c.end()
        while i < len(tail) and depth:
            depth += {"(": 1, ")": -1}.get(tail[i], 0)
            i += 1
        check = tail[c.end(): i - 1].strip()
    oid, typmod, kind = type_ref(s.conn, type_text)
    d = {"base": type_text, "oid": oid, "typmod": typmod, "kind": kind,
         "notnull": bool(re.search(r"\bnot\s+null\b", tail, re.I)), "check": check}
    text = json.dumps(d).replace("'", "''")
    s.conn.execute(f'CREATE VIEW main."{DOMAIN_PREFIX}{name}" AS SELECT \'{text}\' AS def')
    return StatementResult("CREATE DOMAIN")


def drop_domain(s: Session, sql: str) -> StatementResult:
    return _drop(s, _DOMAIN_DROP.match(sql), "DOMAIN", DOMAIN_PREFIX, domain)


def _drop(s: Session, m: re.Match[str] | None, what: str, prefix: str,
          lookup: Callable[[apsw.Connection, str], object],
          dropped_elsewhere: Callable[[str], bool] = lambda _name: False) -> StatementResult:
    """DROP TYPE / DROP DOMAIN [IF EXISTS] a, b: the views that keep them go (a name that
    ``dropped_elsewhere`` takes care of is done)."""
    if m is None:
        raise SqlError("42601", f"syntax error in DROP {what}")
    for raw in split_top(m.group(2)):
        name = _ident(raw.strip())
        if dropped_elsewhere(name):
            continue
        if lookup(s.conn, name) is None:
            if m.group(1):
                continue
            raise SqlError("42704", f'type "{name}" does not exist')
        s.conn.execute(f'DROP VIEW main."{prefix}{name}"')
    return StatementResult(f"DROP {what}")


def columns(conn: apsw.Connection, name: str) -> list[Column] | None:
    """The columns of composite type ``name`` (None when there is no such type)."""
    view = PREFIX + name.lower()
    rows = conn.execute(
        "SELECT 1 FROM main.sqlite_schema WHERE type='view' AND name=?", (view,)
    ).fetchall()
    if not rows:
        return None
    (text,) = conn.execute(f'SELECT def FROM main."{view}"').fetchall()[0]
    return [tuple(c) for c in json.loads(text)]  # type: ignore[misc]


def create(s: Session, sql: str) -> StatementResult:
    m = _CREATE.match(sql)
    if m is None:
        raise SqlError("0A000", "only CREATE TYPE name AS (column type, ...) is supported")
    name = _ident(m.group(1))
    if columns(s.conn, name) is not None or name in types.ALIASES:
        raise SqlError("42710", f'type "{name}" already exists')
    cols: list[Column] = []
    for item in split_top(m.group(2)):
        cm = re.match(rf"{_NAME}\s+(.+)$", item, re.S)
        if cm is None:
            raise SqlError("42601", f'syntax error at or near "{item}"')
        oid, typmod, kind = type_ref(s.conn, cm.group(2))
        cols.append((_ident(cm.group(1)), " ".join(cm.group(2).split()), oid, typmod, kind))
    text = json.dumps(cols).replace("'", "''")
    s.conn.execute(f'CREATE VIEW main."{PREFIX}{name}" AS SELECT \'{text}\' AS def')
    return StatementResult("CREATE TYPE")


def drop(s: Session, sql: str) -> StatementResult:
    """DROP TYPE of composite types and enums (enums.py keeps and drops those)."""
    m = _DROP.match(sql)
    cascade = m is not None and (m.group(3) or "").strip().lower() == "cascade"

    def an_enum(name: str) -> bool:
        if enums.labels(s.conn, name) is None:
            return False
        enums.drop(s.conn, name, cascade)
        return True

    return _drop(s, m, "TYPE", PREFIX, columns, an_enum)
