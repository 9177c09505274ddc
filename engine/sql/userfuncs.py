"""SQL functions: CREATE FUNCTION ... LANGUAGE sql, inlined where they are called.

A function whose body is one SELECT (``$$ SELECT expr $$``, ``'SELECT ...'``, or the
standard ``RETURN expr``) is stored in ``_aurora_functions`` (the database file: readers see
it, a rolled-back CREATE never existed) and, when a statement calls it, replaced by its body
with the arguments put in place of the parameters (by name, or ``$1``, ``$2`` ...), cast to
the declared result type. That is what PostgreSQL itself does with a simple SQL function
(inlining), and it keeps a call inside the statement: an ML function wrapped in a SQL
function is still batched with the rest of the statement. A body with a FROM becomes a
scalar subquery (its first row's first column, NULL without rows).

A ``LANGUAGE plpgsql`` function is stored in ``_aurora_plpgsql_functions`` (its body
checked by plpgsql.py's parser) and a call becomes ``pg_plpgsql('name', args...)``, the
interpreter's SQLite function, with the arguments and the result cast to the declared types.

Not supported: other languages, set-returning SQL functions (RETURNS TABLE / SETOF),
OUT parameters, procedures; each is refused with 0A000. Overloading is by number of
arguments.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import TYPE_CHECKING

import apsw
from sqlglot import exp

from aurora.engine.sql import schemas
from aurora.engine.sql.catalog import Catalog, rel_oid
from aurora.engine.sqlapi import SqlError, StatementResult

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

TABLE = "_aurora_functions"
PL_TABLE = "_aurora_plpgsql_functions"
MAX_DEPTH = 16

_HEAD = re.compile(
    r"\s*create\s+(or\s+replace\s+)?function\s+((?:\"[^\"]+\"|[\w$]+)(?:\s*\.\s*(?:\"[^\"]+\"|[\w$]+))?)\s*\(",
    re.I | re.S,
)



def _name(qualified: str) -> str:
    schema, name = schemas.split_qualified(qualified)
    if schema not in (None, "public"):
        raise SqlError("0A000", "functions live in schema public here")
    return name


def _split_top(text: str) -> list[str]:
    """``text`` split at commas outside parentheses and quotes."""
    out, depth, cur, quote = [], 0, [], None
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur))
    return out


def close_paren(text: str, start: int, statement: str = "CREATE FUNCTION") -> int:
    """The index of the ``)`` that closes the one opened before ``start`` (quotes skipped)."""
    depth, quote = 1, None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise SqlError("42601", f"syntax error in {statement}: unbalanced parentheses")


_MODES = ("in", "out", "inout", "variadic")


def _params(text: str) -> list[tuple[str | None, str]]:
    params: list[tuple[str | None, str]] = []
    for raw in _split_top(text):
        part = re.split(r"\s+default\s+|\s*=\s*", raw.strip(), maxsplit=1, flags=re.I)[0].strip()
        words = part.split()
        if words and words[0].lower() in _MODES:
            if words[0].lower() != "in":
                raise SqlError("0A000", f"{words[0].upper()} parameters are not supported")
            words = words[1:]
        if not words:
            raise SqlError("42601", "syntax error in CREATE FUNCTION: empty parameter")
        if len(words) == 1:
            params.append((None, words[0].lower()))
        else:
            params.append((schemas.ident(words[0]), " ".join(words[1:]).lower()))
    return params


_DOLLAR = re.compile(r"\$([A-Za-z_]\w*)?\$")


def _body(rest: str) -> str:
    """The body after RETURNS: AS $tag$...$tag$ | AS '...' | RETURN expr."""
    m = re.search(r"\bas\s+", rest, re.I)
    if m:
        tail = rest[m.end():]
        d = _DOLLAR.match(tail)
        if d:
            end = tail.find(d.group(0), d.end())
            if end < 0:
                raise SqlError("42601", "unterminated dollar-quoted string")
            return tail[d.end():end]
        if tail.startswith("'"):
            out, i = [], 1
            while i < len(tail):
                if tail[i] == "'":
                    if tail[i + 1:i + 2] == "'":
                        out.append("'")
                        i += 2
                        continue
                    return "".join(out)
                out.append(tail[i])
                i += 1
            raise SqlError("42601", "unterminated quoted string")
    m = re.search(r"\breturn\s+(.*)$", rest, re.I | re.S)
    if m:
        return "SELECT " + m.group(1).strip().rstrip(";")
    if re.search(r"\bbegin\s+atomic\b", rest, re.I):
        raise SqlError("0A000", "BEGIN ATOMIC function bodies are not supported")
    raise SqlError("42P13", "no function body specified")


def create(s: Session, sql: str) -> StatementResult:
    m = _HEAD.match(sql)
    if not m:
        raise SqlError("42601", "syntax error in CREATE FUNCTION")
    name = _name(m.group(2))
    close = close_paren(sql, m.end())
    params = _params(sql[m.end():close])
    rest = sql[close + 1:]
    lang = re.search(r"\blanguage\s+'?(\w+)'?", rest, re.I)
    language = (lang.group(1).lower() if lang else "sql")
    if language == "plpgsql":
        return _create_plpgsql(s, name, bool(m.group(1)), params, rest)
    if language != "sql":
        raise SqlError("0A000", f"functions in language {language} are not supported here; LANGUAGE sql is")
    ret = re.match(r"\s*returns\s+(.+?)(?=\s+(?:as|language|immutable|stable|volatile|strict|called|"
                   r"returns\s+null|security|parallel|leakproof|cost|rows|set|return|begin)\b|\s*$)",
                   rest, re.I | re.S)
    if not ret:
        raise SqlError("42P13", "function result type must be specified")
    returns = ret.group(1).strip().lower()
    if returns.startswith(("setof", "table")) or returns in ("void", "trigger", "record"):
        raise SqlError("0A000", f"functions returning {returns} are not supported here")
    body = _body(rest[ret.end():]).strip().rstrip(";").strip()
    tree = _parse_body(body, name)
    if not isinstance(tree, exp.Select) or len(tree.expressions) != 1:
        raise SqlError("42P13", f"the body of function {name} must be one SELECT of one value")
    nargs = len(params)
    _ensure_table(s.conn)
    _replacing(s.conn, name, nargs, bool(m.group(1)))
    s.conn.execute(f"INSERT OR REPLACE INTO main.{TABLE}(name, nargs, params, returns, body) VALUES (?,?,?,?,?)",
                   (name, nargs, json.dumps(params), returns, body))
    return StatementResult("CREATE FUNCTION")


def _replacing(conn: apsw.Connection, name: str, nargs: int, replace: bool) -> None:
    """Make room for function ``name`` of ``nargs`` arguments (42723 when one exists and this
    is no CREATE OR REPLACE)."""
    for table in (TABLE, PL_TABLE):
        if not _exists(conn, table):
            continue
        if conn.execute(f"SELECT 1 FROM main.{table} WHERE name=? AND nargs=?", (name, nargs)).fetchall():
            if not replace:
                raise SqlError("42723", f"function {name} with {nargs} argument(s) already exists",
                               hint="Use CREATE OR REPLACE FUNCTION.")
            conn.execute(f"DELETE FROM main.{table} WHERE name=? AND nargs=?", (name, nargs))


_RETURNS = re.compile(r"\s*returns\s+(.+?)(?=\s+(?:as|language|immutable|stable|volatile|strict|called|"
                      r"returns\s+null|security|parallel|leakproof|cost|rows|set|return|begin)\b|\s*$)",
                      re.I | re.S)


def _create_plpgsql(s: Session, name: str, replace: bool, params: list, rest: str) -> StatementResult:
    from aurora.engine.sql import plpgsql

    ret = _RETURNS.match(rest)
    if not ret:
        raise SqlError("42P13", "function result type must be specified")
    returns = " ".join(ret.group(1).strip().lower().split())
    if returns in ("record", "setof record"):
        raise SqlError("0A000", f"PL/pgSQL functions returning {returns} are not supported here")
    body = _body(rest[ret.end():])
    names = [("found", "boolean")] + [(p or f"${i + 1}", t) for i, (p, t) in enumerate(params)]
    names += table_columns(returns) or []
    if returns == "trigger":
        if params:
            raise SqlError("42P13", "trigger functions cannot have declared arguments",
                           hint="The arguments of the trigger can be accessed through TG_NARGS and TG_ARGV instead.")
        names += [(n, "record") for n in ("new", "old")] + [
            (n, "text") for n in ("tg_op", "tg_name", "tg_when", "tg_level", "tg_table_name", "tg_relname",
                                  "tg_table_schema")] + [("tg_nargs", "integer"), ("tg_argv", "text[]"),
                                                         ("tg_relid", "oid")]
    plpgsql.parse(body, tuple(names + [(f"${i + 1}", t) for i, (_, t) in enumerate(params)]))
    nargs = len(params)
    _ensure_table(s.conn)
    _replacing(s.conn, name, nargs, replace)
    vol = re.search(r"\b(immutable|stable|volatile)\b", rest[:ret.end()] + _outside_body(rest[ret.end():]), re.I)
    s.conn.execute(f"INSERT INTO main.{PL_TABLE}(name, nargs, params, returns, body, volatility) "
                   "VALUES (?,?,?,?,?,?)",
                   (name, nargs, json.dumps(params), returns, body, (vol.group(1) if vol else "volatile").lower()))
    return StatementResult("CREATE FUNCTION")


def table_columns(returns: str) -> list[tuple[str, str]] | None:
    """The columns of ``RETURNS TABLE (name type, ...)``, None for another result."""
    m = re.match(r"table\s*\((.*)\)\s*$", returns, re.S)
    if not m:
        return None
    out = []
    for part in _split_top(m.group(1)):
        words = part.split()
        if len(words) < 2:
            raise SqlError("42601", "syntax error in RETURNS TABLE")
        out.append((schemas.ident(words[0]), " ".join(words[1:])))
    return out


def set_columns(returns: str, fname: str, catalog: Catalog | None) -> list[tuple[str, str]]:
    """The columns a set-returning PL/pgSQL function's rows have: RETURNS TABLE's, a table
    type's (SETOF t), or one named after the function (SETOF integer)."""
    cols = table_columns(returns)
    if cols is not None:
        return cols
    elem = returns[len("setof"):].strip()
    table = catalog.table_columns(elem) if catalog is not None else None
    if table:
        from aurora.engine.sql.types import format_type

        return [(c.name, format_type(c.type_oid, -1) or "text") for c in table]
    return [(fname, elem)]


def _outside_body(text: str) -> str:
    """``text`` without its quoted or dollar-quoted parts (the body)."""
    return re.sub(r"(\$\w*\$).*?\1|'(?:[^']|'')*'", " ", text, flags=re.S)


def volatility(conn: apsw.Connection, name: str, nargs: int) -> str:
    rows = conn.execute(f'SELECT volatility FROM "main".{PL_TABLE} WHERE name=? AND nargs=?',
                        (name.lower(), nargs)).fetchall()
    return rows[0][0] if rows else "volatile"


def plpgsql_function(conn: apsw.Connection, name: str, nargs: int) -> tuple[list, str, str] | None:
    """(params, returns, body) of PL/pgSQL function ``name`` of ``nargs`` arguments."""
    if not _exists(conn, PL_TABLE):
        return None
    # functions are permanent: "main" also where DDL about a temp table runs (temp.py)
    rows = conn.execute(f'SELECT params, returns, body FROM "main".{PL_TABLE} WHERE name=? AND nargs=?',
                        (name.lower(), nargs)).fetchall()
    return (json.loads(rows[0][0]), rows[0][1], rows[0][2]) if rows else None


def _parse_body(body: str, name: str) -> exp.Expression:
    from aurora.engine.sql.translate import parse  # translate imports this module

    try:
        return parse(body)
    except SqlError as e:
        raise SqlError(e.sqlstate, f"in the body of function {name}: {e}") from None


def drop(s: Session, sql: str) -> StatementResult:
    m = re.match(r"\s*drop\s+function\s+(if\s+exists\s+)?(.+?)\s*(cascade|restrict)?\s*;?\s*$", sql, re.I | re.S)
    if not m:
        raise SqlError("42601", "syntax error in DROP FUNCTION")
    for item in _split_top(m.group(2)):
        item = item.strip()
        paren = item.find("(")
        name = _name(item[:paren] if paren >= 0 else item)
        nargs = len(_split_top(item[paren + 1:item.rfind(")")])) if paren >= 0 else None
        found = _rows(s.conn, name) + _rows(s.conn, name, PL_TABLE)
        if nargs is not None:
            found = [r for r in found if r[0] == nargs]
        if not found:
            if m.group(1):
                continue
            raise SqlError("42883", f"function {name} does not exist")
        if len(found) > 1:
            raise SqlError("42725", f'function name "{name}" is not unique',
                           hint="Specify the argument list to select the function unambiguously.")
        for table in (TABLE, PL_TABLE):
            if _exists(s.conn, table):
                s.conn.execute(f"DELETE FROM main.{table} WHERE name=? AND nargs=?", (name, found[0][0]))
    return StatementResult("DROP FUNCTION")


def _ensure_table(conn: apsw.Connection) -> None:
    conn.execute(f"CREATE TABLE IF NOT EXISTS main.{TABLE} (name TEXT NOT NULL, nargs INTEGER NOT NULL, "
                 "params TEXT NOT NULL, returns TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (name, nargs))")
    conn.execute(f"CREATE TABLE IF NOT EXISTS main.{PL_TABLE} (name TEXT NOT NULL, nargs INTEGER NOT NULL, "
                 "params TEXT NOT NULL, returns TEXT NOT NULL, body TEXT NOT NULL, volatility TEXT NOT NULL, "
                 "PRIMARY KEY (name, nargs))")


def _exists(conn: apsw.Connection, table: str = TABLE) -> bool:
    return bool(conn.execute('SELECT 1 FROM "main".sqlite_schema WHERE name=?', (table,)).fetchall())


def _rows(conn: apsw.Connection, name: str, table: str = TABLE) -> list[tuple]:
    if not _exists(conn, table):
        return []
    return conn.execute(f"SELECT nargs, params, returns, body FROM main.{table} WHERE name=?", (name,)).fetchall()


def all_functions(conn: apsw.Connection, table: str = TABLE) -> list[tuple[str, int, list, str, str]]:
    if not _exists(conn, table):
        return []
    return [(n, k, json.loads(p), r, b) for n, k, p, r, b in
            conn.execute(f"SELECT name, nargs, params, returns, body FROM main.{table} ORDER BY name, nargs")]


def function_oid(name: str, nargs: int) -> int:
    return rel_oid(f"_aurora_function_public.{name}/{nargs}")


def describe(conn: apsw.Connection, oid: int, part: str) -> str | None:
    for name, nargs, params, returns, _ in all_functions(conn):
        if function_oid(name, nargs) == oid:
            if part == "result":
                return returns
            return ", ".join(f"{n} {t}" if n else t for n, t in params)
    return None


# --- inlining -----------------------------------------------------------------------------------


def inline(tree: exp.Expression, conn: apsw.Connection, catalog: Catalog | None = None) -> bool:
    """Replace every call of a SQL function in ``tree`` by its body, in place, and every call
    of a PL/pgSQL function by a call of the interpreter. True when there was one of those."""
    if not _exists(conn):
        return False
    table = {(n, k): (p, r, b) for n, k, p, r, b in all_functions(conn)}
    if table:
        _inline(tree, table, 0)
    return _calls_plpgsql(tree, conn, catalog)


def _calls_plpgsql(tree: exp.Expression, conn: apsw.Connection, catalog: Catalog | None) -> bool:
    pl = {(n, k): (p, r) for n, k, p, r, _ in all_functions(conn, PL_TABLE)}
    if not pl:
        return False
    found = False
    for table in list(tree.find_all(exp.Table)):
        call = table.this
        if not isinstance(call, exp.Anonymous):
            continue
        name = str(call.this).lower()
        key = (name, len(call.expressions))
        if key not in pl or not pl[key][1].startswith(("setof", "table")):
            continue
        table.replace(_set_source(name, pl[key], list(call.expressions), table.args.get("alias"), catalog))
        found = True
    for call in list(tree.find_all(exp.Anonymous)):
        name = str(call.this).lower()
        key = (name, len(call.expressions))
        if key not in pl:
            continue
        params, returns = pl[key]
        if returns == "trigger":
            raise SqlError("0A000", "trigger functions can only be called as triggers")
        if returns.startswith("setof"):
            raise SqlError("0A000", "set-returning PL/pgSQL functions are not supported here")
        args = [_typed(a, params[i][1]) for i, a in enumerate(call.expressions)]
        new: exp.Expression = exp.Anonymous(this="pg_plpgsql", expressions=[exp.Literal.string(name), *args])
        to = _type(returns) if returns != "void" else None
        if to is not None:
            new = exp.Cast(this=new, to=to)
        call.replace(new)
        found = True
    return found


def _inline(node: exp.Expression, table: dict, depth: int) -> None:
    for call in list(node.find_all(exp.Anonymous)):
        key = (str(call.this).lower(), len(call.expressions))
        if key not in table:
            continue
        if depth >= MAX_DEPTH:
            raise SqlError("54001", f"SQL function {key[0]} calls itself too deeply")
        params, returns, body = table[key]
        replacement = _expand(key[0], params, returns, body, list(call.expressions))
        _inline(replacement, table, depth + 1)
        parent = call.parent
        call.replace(replacement)
        if parent is None:
            return


def _set_source(name: str, fn: tuple, args: list, alias: exp.TableAlias | None,
                catalog: Catalog | None) -> exp.Expression:
    """``f(args) [AS a(cols)]`` in FROM for a set-returning PL/pgSQL function: its rows, which
    ``pg_plpgsql_set`` returns as one JSON array, spread by SQLite's json_each."""
    from aurora.engine.sql.translate import Raw, parse  # translate imports this module

    params, returns = fn
    cols = set_columns(returns, name, catalog)
    names = [c[0] for c in cols]
    if alias is not None and alias.columns:
        given = [c.name for c in alias.columns]
        if len(given) > len(names):
            raise SqlError("42601", f"too many column aliases specified for function {name}")
        names[:len(given)] = given
    elif alias is not None and alias.name and len(cols) == 1 and cols[0][0] == name:
        names = [alias.name]  # SETOF integer: the column takes the alias's name
    items = ", ".join(f'CAST(pg_plpgsql_col(_j.value, {i}) AS {t}) AS "{n}"'
                      for i, ((_, t), n) in enumerate(zip(cols, names, strict=True)))
    sub = parse(f"SELECT {items} FROM (SELECT pg_plpgsql_set('{name}') AS _set) AS _s")
    assert isinstance(sub, exp.Select)
    call = next(c for c in sub.find_all(exp.Anonymous) if str(c.this).lower() == "pg_plpgsql_set")
    call.set("expressions", [exp.Literal.string(name), *(_typed(a, params[i][1]) for i, a in enumerate(args))])
    sub.set("joins", [exp.Join(this=exp.Table(this=Raw(this="json_each(_s._set) AS _j")))])
    out_alias = exp.TableAlias(this=exp.to_identifier(alias.name if alias is not None and alias.name else name))
    return exp.Subquery(this=sub, alias=out_alias)


_bindings = itertools.count(1)


def _expand(name: str, params: list, returns: str, body: str, args: list[exp.Expression]) -> exp.Expression:
    """The body of ``name`` for one call. A body that reads tables gets its arguments from a
    one-row derived table, ``(SELECT arg1 AS _p1, ...) AS _argsN``: an argument that names a
    column of the caller's table then still means the caller's row, also when the body reads
    a table with a column of that name."""
    tree = _parse_body(body, name)
    assert isinstance(tree, exp.Select)
    names = {p[0]: i for i, p in enumerate(params) if p[0]}
    bound = bool(args) and any(True for _ in tree.find_all(exp.Table))
    alias = f"_args{next(_bindings)}"

    typed = [_typed(a, params[i][1]) for i, a in enumerate(args)]

    def arg(i: int) -> exp.Expression:
        return exp.column(f"_p{i + 1}", table=alias) if bound else typed[i].copy()

    def put(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Parameter) and isinstance(node.this, exp.Literal):
            i = int(node.this.this) - 1
            if 0 <= i < len(args):
                return arg(i)
        if isinstance(node, exp.Column) and not node.table and node.name.lower() in names:
            return arg(names[node.name.lower()])
        return node

    tree = tree.transform(put)
    assert isinstance(tree, exp.Select)
    value = tree.expressions[0]
    if isinstance(value, exp.Alias):
        value = value.this
    to = _type(returns)
    from_key = "from_" if "from_" in exp.Select.arg_types else "from"  # sqlglot renamed it
    if not bound and tree.args.get(from_key) is None and not tree.args.get("where"):
        return exp.Paren(this=value) if to is None else exp.Cast(this=exp.Paren(this=value), to=to)
    tree.set("expressions", [value])
    if bound:
        derived = exp.Subquery(
            this=exp.Select(expressions=[exp.alias_(a.copy(), f"_p{i + 1}") for i, a in enumerate(typed)]),
            alias=exp.TableAlias(this=exp.to_identifier(alias)),
        )
        if tree.args.get(from_key) is None:
            tree.set(from_key, exp.From(this=derived))
        else:
            tree.set("joins", [exp.Join(this=derived), *(tree.args.get("joins") or [])])
    return exp.Subquery(this=tree) if to is None else exp.Cast(this=exp.Subquery(this=tree), to=to)


def _type(name: str) -> exp.DataType | None:
    """A parameter's or result's declared type without its modifier: PostgreSQL keeps none
    for either (``numeric(10,2)`` is ``numeric``). None for a type not known here."""
    try:
        t = exp.DataType.build(name, dialect="postgres")
    except Exception:
        return None
    t.set("expressions", [])
    return t


def _typed(arg: exp.Expression, declared: str) -> exp.Expression:
    """An argument converted to its parameter's type, as a call converts it."""
    t = _type(declared)
    return arg if t is None else exp.Cast(this=arg.copy(), to=t)
