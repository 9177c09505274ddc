"""CREATE / DROP EXTENSION, the extensions' functions in the catalogs, and their calls.

An installed extension is an empty view ``_aurora_extension_<name>`` in the database file,
like a named schema (schemas.py): creating it moves SQLite's schema cookie, so every session
and every reader instance sees it, and it is undone with the transaction that created it.
The extensions known here:

- ``plpgsql`` (always there), ``uuid-ossp`` and ``pgcrypto`` (their functions are built in:
  installing them only records them);
- ``aws_commons`` (schema ``aws_commons``) and ``aws_ml`` (schemas ``aws_comprehend`` and
  ``aws_sagemaker``; it requires ``aws_commons``: ``CREATE EXTENSION aws_ml CASCADE`` installs
  both), whose functions call the ML service (engine/instance/ml_functions.py registers them
  on the instance's connections).

The translator (translate.py) turns a call of an extension's function into the SQLite
function that implements it: ``aws_comprehend.detect_sentiment(t, 'en')`` in the select list
is ``aws_ml_detect_sentiment(...)`` (PostgreSQL shows the record as ``(POSITIVE,0.9912)``),
``(aws_comprehend.detect_sentiment(t, 'en')).sentiment`` picks a field, and in FROM the call
is the table-valued function ``aws_ml_detect_sentiment_rows``. Every SQLite name of these
functions starts with ``aws_ml_``: a plan whose text holds it is run with the batching of
ml_functions.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from aurora.engine.sql import schemas
from aurora.engine.sql.catalog import rel_oid
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

PREFIX = "_aurora_extension_"
EXTERNAL_PREFIX = "aws_ml_"  # SQLite functions that call the ML service


@dataclass(frozen=True)
class Extension:
    name: str
    version: str
    schemas: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()


KNOWN = {
    e.name: e
    for e in (
        Extension("plpgsql", "1.0"),
        Extension("uuid-ossp", "1.1"),
        Extension("pgcrypto", "1.3"),
        Extension("aws_commons", "1.2", ("aws_commons",)),
        Extension("aws_ml", "2.0", ("aws_comprehend", "aws_sagemaker"), ("aws_commons",)),
    )
}
BUILT_IN = ("plpgsql",)


@dataclass(frozen=True)
class Function:
    schema: str
    name: str
    extension: str
    result: str  # as pg_get_function_result shows it
    arguments: str  # as pg_get_function_arguments shows it
    min_args: int
    max_args: int | None  # None: VARIADIC


FUNCTIONS = {
    (f.schema, f.name): f
    for f in (
        Function("aws_comprehend", "detect_sentiment", "aws_ml",
                 "TABLE(sentiment character varying, confidence real)",
                 "input_text character varying, language_code character varying, "
                 "max_rows_per_batch integer DEFAULT NULL::integer", 2, 3),
        Function("aws_sagemaker", "invoke_endpoint", "aws_ml", "character varying",
                 'endpoint_name character varying, max_rows_per_batch integer DEFAULT NULL::integer, '
                 'VARIADIC model_input "any"', 3, None),
    )
}
ML_SCHEMAS = frozenset(f.schema for f in FUNCTIONS.values())
SENTIMENT_FIELDS = ("sentiment", "confidence")


def function_oid(f: Function) -> int:
    return rel_oid(f"_aurora_function_{f.schema}.{f.name}")


# --- what is installed ------------------------------------------------------------------------


def installed(conn: apsw.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM main.sqlite_schema WHERE type='view' AND name LIKE ? ESCAPE '\\'",
        (PREFIX.replace("_", "\\_") + "%",),
    ).fetchall()
    return sorted({*BUILT_IN, *(r[0][len(PREFIX):] for r in rows)})


def extension_oid(name: str) -> int:
    return rel_oid(PREFIX + name)


def catalog_rows(conn: apsw.Connection) -> tuple[list[dict], list[dict]]:
    """Rows for pg_extension and pg_proc."""
    exts = installed(conn)
    ext_rows = []
    for name in exts:
        ext = KNOWN.get(name)
        schema = ext.schemas[0] if ext and ext.schemas else ("pg_catalog" if name in BUILT_IN else "public")
        nsp = {"pg_catalog": 11, "public": 2200}.get(schema) or schemas.namespace_oid(schema)
        ext_rows.append({"oid": extension_oid(name), "extname": name, "extowner": 10,
                         "extnamespace": nsp, "extversion": ext.version if ext else "1.0"})
    proc_rows = [
        {"oid": function_oid(f), "proname": f.name, "pronamespace": schemas.namespace_oid(f.schema),
         "prorettype": 1043 if f.result.startswith("character") else 2249, "prokind": "f"}
        for f in FUNCTIONS.values() if f.extension in exts
    ]
    return ext_rows, proc_rows


def describe_function(oid: int, part: str) -> str | None:
    """pg_get_function_result / pg_get_function_arguments of an extension's function."""
    for f in FUNCTIONS.values():
        if function_oid(f) == oid:
            return f.result if part == "result" else f.arguments
    return None


# --- CREATE / DROP EXTENSION -----------------------------------------------------------------

_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][\w$-]*)'
_CREATE = re.compile(
    rf"\s*create\s+extension\s+(if\s+not\s+exists\s+)?{_NAME}"
    rf"((?:\s+with)?(?:\s+schema\s+{_NAME}|\s+version\s+('[^']*'|{_NAME})|\s+cascade)*)\s*;?\s*$",
    re.I | re.S,
)
_DROP = re.compile(r"\s*drop\s+extension\s+(if\s+exists\s+)?(.+?)(\s+(?:cascade|restrict))?\s*;?\s*$",
                   re.I | re.S)



def create(s: Session, sql: str) -> StatementResult:
    m = _CREATE.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in CREATE EXTENSION")
    name = schemas.ident(m.group(2))
    cascade = bool(re.search(r"\bcascade\b", m.group(3) or "", re.I))
    if name not in KNOWN:
        raise SqlError("0A000", f'extension "{name}" is not available',
                       detail=f"Available here: {', '.join(sorted(KNOWN))}.")
    have = installed(s.conn)
    if name in have:
        if m.group(1):
            return StatementResult("CREATE EXTENSION")
        raise SqlError("42710", f'extension "{name}" already exists')
    missing = [r for r in KNOWN[name].requires if r not in have]
    if missing and not cascade:
        raise SqlError("42704", f'required extension "{missing[0]}" is not installed',
                       hint="Use CREATE EXTENSION ... CASCADE to install required extensions too.")
    with s.atomic():
        for ext in [*missing, name]:
            for schema in KNOWN[ext].schemas:
                if not schemas.exists(s.conn, schema):
                    schemas.create_view(s.conn, schema)
            s.conn.execute(f'CREATE VIEW main."{PREFIX}{ext}" AS SELECT 1')
    return StatementResult("CREATE EXTENSION")


def drop(s: Session, sql: str) -> StatementResult:
    m = _DROP.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in DROP EXTENSION")
    targets = [schemas.ident(x.strip()) for x in re.findall(_NAME, m.group(2))]
    cascade = bool(m.group(3)) and "cascade" in m.group(3).lower()
    have = installed(s.conn)
    for name in targets:
        if name not in have:
            if m.group(1):
                continue
            raise SqlError("42704", f'extension "{name}" does not exist')
        if name in BUILT_IN:
            raise SqlError("2BP01", f"cannot drop extension {name} because other objects depend on it")
    doomed = [t for t in targets if t in have]
    if cascade:
        doomed += [e for e in have if e not in doomed and any(r in doomed for r in KNOWN.get(e, Extension(e, "")).requires)]
    for name in have:
        ext = KNOWN.get(name)
        if name not in doomed and ext is not None:
            for r in ext.requires:
                if r in doomed:
                    raise SqlError("2BP01", f"cannot drop extension {r} because other objects depend on it",
                                   detail=f"extension {name} depends on extension {r}",
                                   hint="Use DROP ... CASCADE to drop the dependent objects too.")
    with s.atomic():
        for name in doomed:
            for schema in KNOWN[name].schemas if name in KNOWN else ():
                if not schemas.relations(s.conn, schema):
                    s.conn.execute(f'DROP VIEW IF EXISTS main."{schemas.PREFIX}{schema}"')
            s.conn.execute(f'DROP VIEW IF EXISTS main."{PREFIX}{name}"')
    return StatementResult("DROP EXTENSION")


def owned_schema(conn: apsw.Connection, schema: str) -> str | None:
    """The installed extension that owns ``schema``, if any (DROP SCHEMA refuses it)."""
    for name in installed(conn):
        ext = KNOWN.get(name)
        if ext is not None and schema in ext.schemas:
            return name
    return None


# --- calls ------------------------------------------------------------------------------------


def _function(conn: apsw.Connection, schema: str, call: exp.Anonymous) -> Function:
    name = str(call.this).lower()
    f = FUNCTIONS.get((schema, name))
    if not schemas.exists(conn, schema):
        raise SqlError("3F000", f'schema "{schema}" does not exist',
                       hint="CREATE EXTENSION aws_ml CASCADE creates it." if schema in ML_SCHEMAS else None)
    n = len(call.expressions)
    if f is None or n < f.min_args or (f.max_args is not None and n > f.max_args):
        raise SqlError("42883", f"function {schema}.{name}({', '.join(['unknown'] * n)}) does not exist",
                       hint="No function matches the given name and argument types.")
    return f


def _sqlite_args(f: Function, args: list[exp.Expression]) -> list[exp.Expression]:
    if f.name == "detect_sentiment" and len(args) == 2:
        return [*args, exp.Null()]
    return args


def scalar_call(conn: apsw.Connection, schema: str, call: exp.Anonymous) -> exp.Expression:
    """``schema.f(args)`` in an expression."""
    f = _function(conn, schema, call)
    return exp.Anonymous(this=f"aws_ml_{f.name}", expressions=_sqlite_args(f, list(call.expressions)))


def field_of(call: exp.Anonymous, field: str) -> exp.Expression | None:
    """``(aws_comprehend.detect_sentiment(...)).field`` (the call already rewritten)."""
    if str(call.this) != "aws_ml_detect_sentiment":
        return None
    if field not in SENTIMENT_FIELDS:
        raise SqlError("42703", f'column "{field}" not found in data type record')
    return exp.Anonymous(this=f"aws_ml_detect_sentiment_{field}", expressions=list(call.expressions))


def table_call(conn: apsw.Connection, table: exp.Table) -> exp.Expression | None:
    """``schema.f(args) [AS] alias`` in FROM, or None when ``table`` is no such call."""
    schema = table.db.lower()
    if schema not in ML_SCHEMAS or not isinstance(table.this, exp.Anonymous):
        return None
    call = table.this
    f = _function(conn, schema, call)
    if f.name != "detect_sentiment":
        raise SqlError("0A000", f"{schema}.{f.name} in FROM is not supported; call it in the select list")
    alias = table.args.get("alias")
    if alias is None or not alias.name:
        alias = exp.TableAlias(this=exp.to_identifier(f.name))
    if alias.columns:
        raise SqlError("0A000", "column aliases for detect_sentiment are not supported; "
                                "use s.sentiment AS name")
    rows = exp.Anonymous(this="aws_ml_detect_sentiment_rows", expressions=_sqlite_args(f, list(call.expressions)))
    return exp.Table(this=rows, alias=alias)
