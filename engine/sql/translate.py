"""PostgreSQL query ASTs rewritten for SQLite: the project's rules on top of sqlglot.

:func:`parse` reads PostgreSQL with sqlglot (its "unsupported" warnings silenced per call);
:func:`to_sqlite` rewrites a parsed SELECT / INSERT / UPDATE / DELETE in place and generates
SQLite text with numbered ``?N`` parameters. Each rule below names the PostgreSQL construct it
replaces; functions it targets are registered by :mod:`aurora.engine.sql.functions`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import re
import threading
from collections.abc import Iterator

import apsw
import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.dialects.sqlite import SQLite
from sqlglot.time import format_time

from aurora.engine.sql import (
    arrays,
    dml,
    extensions,
    frames,
    fromitems,
    grouping,
    interval,
    lexer,
    regexp,
    schemas,
    types,
)
from aurora.engine.sql.catalog import Catalog
from aurora.engine.sql.infer import (
    Inferer,
    column_name,
    datatype_ref,
    infer_select,
    is_extract,
    negated_constant,
)
from aurora.engine.sql.jsonb import TABLE_FUNCTIONS
from aurora.engine.sql.numeric_rewrite import (
    VARIANCES,
    NumericRules,
    cast_call,
    printed_otherwise,
    write_call,
)
from aurora.engine.sql.pgcatalog import CATALOG_COLUMNS, CATALOG_TABLES
from aurora.engine.sql.temp import is_temp_schema
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
_ARRAY_CAST = re.compile(r"::\s*((?:pg_catalog\.)?\"?\w+\"?)(?:\s*\[\])+")  # [][] is []
_ESTRING = re.compile(r"(?<![\w'])[eE]'((?:[^'\\]|\\.|'')*)'")
_CATALOG_SCHEMAS = ("pg_catalog", "public", "information_schema")


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}


_E_ESCAPE = re.compile(
    r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{0,4})|U([0-9a-fA-F]{0,8})|(.))|''",
    re.S)


def _estring(m: re.Match) -> str:
    """An E'...' string's value (scan.l's escapes: \\b \\f \\n \\r \\t, octal and hex bytes,
    \\uXXXX and \\UXXXXXXXX code points with their surrogate pairs) as a plain literal."""
    body = m.group(1)
    out = bytearray()
    high = 0  # a pending high surrogate
    pos = 0
    for x in _E_ESCAPE.finditer(body):
        literal = body[pos : x.start()]
        if high and (literal or (x.group(3) is None and x.group(4) is None)):
            near = literal[:1] if literal else x.group(0)[:1]
            raise SqlError("42601", f'invalid Unicode surrogate pair at or near "{near}"')
        out += literal.encode()
        pos = x.end()
        octal, hexa, u4, u8, other = x.groups()
        if x.group(0) == "''":
            out += b"'"
        elif octal is not None:
            out.append(int(octal, 8) & 0xFF)
        elif hexa is not None:
            out.append(int(hexa, 16))
        elif u4 is not None or u8 is not None:
            digits = u4 if u4 is not None else u8
            if len(digits) != (4 if u4 is not None else 8):
                raise SqlError("22025", "invalid Unicode escape",
                               hint="Unicode escapes must be \\uXXXX or \\UXXXXXXXX.")
            cp = int(digits, 16)
            if high:
                if not 0xDC00 <= cp <= 0xDFFF:
                    raise SqlError("42601", "invalid Unicode surrogate pair at or near "
                                   f'"{x.group(0)}"')
                cp, high = 0x10000 + ((high - 0xD800) << 10) + (cp - 0xDC00), 0
            elif 0xD800 <= cp <= 0xDBFF:
                high = cp
                continue
            elif 0xDC00 <= cp <= 0xDFFF:
                raise SqlError("42601", f'invalid Unicode surrogate pair at or near "{x.group(0)}"')
            if cp > 0x10FFFF or cp == 0:
                raise SqlError("42601", f'invalid Unicode escape value at or near "{x.group(0)}"')
            out += chr(cp).encode()
        else:
            out += _ESCAPES.get(other, other).encode()
    if high:
        near = body[pos : pos + 1] or "'"
        raise SqlError("42601", f'invalid Unicode surrogate pair at or near "{near}"')
    out += body[pos:].encode()
    try:
        value = out.decode()
    except UnicodeDecodeError:
        raise SqlError("22021", 'invalid byte sequence for encoding "UTF8"') from None
    return "'" + value.replace("'", "''") + "'"


_INTERVAL_LITERAL = re.compile(
    r"\binterval\s+('(?:[^']|'')*')(?!\s*(?:year|month|day|hour|minute|second)s?\b)", re.I
)


_INTERVAL_TYPE = re.compile(
    r"\binterval\s+(?:(year|month|day|hour|minute)\s+to\s+)?(year|month|day|hour|minute|second)"
    r"\b(?:\s*\(\s*(\d+)\s*\))?|\binterval\s*\(\s*(\d+)\s*\)\s*('(?:[^']|'')*'|\$\d+)", re.I)


def _interval_typmod(m: re.Match) -> str:
    if m.group(5) is not None:  # interval(p) '...': a typed literal with a precision
        return f"CAST({m.group(5)} AS INTERVAL({m.group(4)}))"
    first, last, p = m.group(1), m.group(2).lower(), m.group(3)
    return f"INTERVAL({interval.typmod(first and first.lower(), last, p and int(p))})"


_INSERT_INTO = re.compile(r"\s*INSERT\s+INTO\s+[\w.\"]+\s*\(", re.I)
_SUBSCRIPT = re.compile(r"\[\s*([+-]?\d+)\s*(?::\s*([+-]?\d+)\s*)?\]")


def _insert_subscripts(sql: str) -> tuple[str, dict[int, list[tuple[int, int | None]]]]:
    """``INSERT INTO t (a[1:2], b[3], c)``, beyond sqlglot: the column list without its
    subscripts, and each subscripted column's (lower, upper) pairs by position (upper None
    for a plain subscript)."""
    m = _INSERT_INTO.match(sql)
    if not m:
        return sql, {}
    end = sql.find(")", m.end())
    if end < 0:
        return sql, {}
    found: dict[int, list[tuple[int, int | None]]] = {}
    columns = sql[m.end() : end].split(",")
    for i, col in enumerate(columns):
        if "[" not in col:
            continue
        name, _, rest = col.partition("[")
        if not name.strip():
            raise SqlError("42601", 'syntax error at or near "["')
        pairs = [(int(x.group(1)), int(x.group(2)) if x.group(2) else None)
                 for x in _SUBSCRIPT.finditer("[" + rest)]
        if _SUBSCRIPT.sub("", "[" + rest).strip():
            return sql, {}  # not integer subscripts: left to the parser
        found[i] = pairs
        columns[i] = name
    return sql[: m.end()] + ",".join(columns) + sql[end:], found


_ARG = r"(\$\d+|'(?:[^']|'')*'|NULL|[\w.]+)"
_SIMILAR_SUBSTRING = re.compile(
    rf"\bsubstring\s*\(\s*{_ARG}\s+similar\s+{_ARG}\s+escape\s+{_ARG}\s*\)", re.I)


# A SELECT with no result columns (PostgreSQL allows it; SQLite does not): one placeholder
# column, which the session drops from the answer.
NO_COLUMNS = "?nocol?"
_EMPTY_SELECT = re.compile(
    r"\bselect(?=\s*(?:;|\)|$)|\s+(?:from|where|union|intersect|except)\b)", re.I
)
_ORDER_USING = re.compile(r"\s+using\s*(<|>)(?![=>~])", re.I)


def parse(sql: str) -> exp.Expression:
    """Parse one PostgreSQL statement (raises SqlError 42601 on a syntax error)."""
    sql = lexer.continued_strings(sql)
    if "imilar" in sql or "IMILAR" in sql:
        # substring(s SIMILAR pattern ESCAPE escape), which sqlglot does not read
        sql = _SIMILAR_SUBSTRING.sub(r"pg_similar_substring(\1, \2, \3)", sql)
    subscripts: dict[int, list[tuple[int, int | None]]] = {}
    if "[" in sql and _INSERT_INTO.match(sql):
        sql, subscripts = _insert_subscripts(sql)
    if "E'" in sql or "e'" in sql:
        # E'...' escape strings: sqlglot reads them as byte strings SQLite cannot take.
        sql = _ESTRING.sub(_estring, sql)
    if "[]" in sql:
        sql = _ARRAY_CAST.sub(lambda m: "::" + m.group(1).replace('"', "") + "__array", sql)
    if "$" in sql:
        sql = lexer.spaced_params(sql)
    if "extract_path" in sql:
        # sqlglot reads json_extract_path(j, a, b) as j -> a, dropping b
        sql = _JSON_EXTRACT_PATH.sub(r"pg_\1(", sql)
    if _EMPTY_SELECT.search(sql):
        sql = _EMPTY_SELECT.sub(f'SELECT NULL AS "{NO_COLUMNS}"', sql)
    using_aliases: dict[str, list[str]] = {}
    if "sing" in sql or "SING" in sql:
        # ORDER BY x USING < / >: the default btree operators are ASC and DESC
        sql = _ORDER_USING.sub(lambda m: " DESC" if m.group(1).startswith(">") else " ASC", sql)
        for m in _USING_ALIAS.finditer(sql):
            if re.match(r"\s*\)\s*(?:as\s+)?\w", sql[m.end():], re.I):
                continue  # a parenthesised join with its own alias hides this one
            using_aliases[m.group(3).lower()] = [
                c.strip().strip('"').lower() for c in m.group(2).split(",")]
        if using_aliases:
            sql = _USING_ALIAS.sub(r"\1", sql)
    if sql[:4].lower() == "with" and ("values" in sql or "VALUES" in sql):
        sql = _with_values(sql)
    if 'U&"' in sql or 'u&"' in sql:
        # U&"d\0061t" UESCAPE '!': a quoted name with Unicode escapes, which sqlglot cannot read
        sql = _UNICODE_NAME.sub(
            lambda m: '"' + unicode_string(m.group(1).replace('""', '"'), m.group(2) or "\\")
            .replace('"', '""') + '"', sql)
    if ", -" in sql or ",-" in sql:
        # numeric(3, -6): sqlglot reads no negative type modifier; the scale goes in as
        # numeric.c's 11-bit two's complement, which types.numeric_precision_scale reads
        sql = _NEGATIVE_SCALE.sub(lambda m: f"{m.group(1)}, {2048 - int(m.group(2))})", sql)
    if "ate_part" in sql or "ATE_PART" in sql:
        # sqlglot reads date_part('unit', x) as EXTRACT(unit FROM x); a parenthesised unit
        # stays an expression, which tells date_part (float8) from EXTRACT (numeric) and
        # date_part(0, x) (no such function) from EXTRACT(0 FROM x) (a syntax error), and
        # date_part(col, x) (the column's value per row) from EXTRACT(field FROM x)
        sql = _DATE_PART_UNIT.sub(r"\1(\2)", sql)
    if "arying" in sql or "ARYING" in sql:
        # bit varying(n), which sqlglot does not read: its other name, varbit(n)
        sql = _BIT_VARYING.sub(lambda m: "varbit" if m.group(1) else m.group(0), sql)
    if "nterval" in sql or "NTERVAL" in sql:
        # sqlglot splits INTERVAL '...' into a number and one unit, losing the rest of the
        # text ('1 day 02:00', 'ago'): a cast keeps it whole.
        sql = _INTERVAL_LITERAL.sub(r"CAST(\1 AS INTERVAL)", sql)
        # a qualified interval type (interval day to second(0), interval year): sqlglot reads
        # no seconds precision after a field, so the type goes in as interval(typmod)
        sql = _INTERVAL_TYPE.sub(_interval_typmod, sql)
    if "xtract" in sql or "XTRACT" in sql:
        for m in _EXTRACT_WORD.finditer(sql):
            if m.group(1).lower() in regexp.RESERVED_WORDS:
                # EXTRACT(null FROM d): a reserved word is no field in PostgreSQL's grammar
                raise SqlError("42601", f'syntax error at or near "{m.group(1)}"')
    if _EMPTY_ITEM.search(sql):
        _no_empty_items(sql)
    try:
        with _quiet():
            tree = sqlglot.parse_one(sql, read=_Read)
    except sqlglot.errors.TokenError as e:
        _bad_bit_string(sql)
        raise SqlError("42601", f"syntax error: {str(e).splitlines()[0]}") from None
    except sqlglot.errors.ParseError as e:
        msg = str(e.errors[0]["description"]) if e.errors else str(e).splitlines()[0]
        if "TimeFromParts" in msg and _MAKE_TIME.search(sql):
            _make_time_arity(sql)
        near = e.errors[0].get("highlight") if e.errors else None
        raise SqlError(
            "42601", f'syntax error at or near "{near}"' if near else f"syntax error: {msg}"
        ) from None
    except (AttributeError, TypeError, ValueError, IndexError, KeyError) as e:
        # the parser tripped over a malformed statement (``CREATE DEFAULT TEMP TABLE``
        # handed a property builder an argument it takes not): a syntax error as well
        raise SqlError("42601", f"syntax error: {type(e).__name__}") from None
    if tree is None:
        raise SqlError("42601", "syntax error: empty statement")
    if "." in sql or "[" in sql:
        _misread_shapes(tree, sql)
    for neg in list(tree.find_all(exp.Neg)):
        if isinstance(neg.this.unnest(), exp.Neg) and (v := negated_constant(neg)) is not None:
            # -(-9223372036854775808): the parser folds the signs into one constant
            folded = exp.Literal.number(abs(v)) if abs(v) < 2**63 else exp.Cast(
                this=exp.Literal.string(str(abs(v))), to=exp.DataType.build("numeric"))
            neg.replace(folded if v >= 0 else exp.Neg(this=folded))
    if subscripts:
        tree.meta["insert_subscripts"] = subscripts
    if using_aliases:
        _join_using_aliases(tree, using_aliases)
    return tree


def _misread_shapes(tree: exp.Expression, sql: str) -> None:
    """What sqlglot reads and PostgreSQL's grammar refuses: a name with something other
    than a name before its last dot: ``s.*.x`` (42601 improper use of "*"), ``s.(SELECT
    1).x``, ``s.'x'.y`` (42601), ``s.true.x`` (a table "true", which no FROM item is); and
    ``a[1, 2]`` (a subscript of two expressions, whose ``:3`` sqlglot takes for a bind
    parameter)."""
    if "." in sql:
        for col in tree.find_all(exp.Column):
            for k in ("table", "db", "catalog"):
                part = col.args.get(k)
                if part is None or isinstance(part, exp.Identifier):
                    continue
                if isinstance(part, exp.Star):
                    raise SqlError("42601", 'improper use of "*"')
                if isinstance(part, exp.Boolean):
                    word = "true" if part.this else "false"
                    raise SqlError("42P01", f'missing FROM-clause entry for table "{word}"')
                near = "(" if isinstance(part, (exp.Subquery, exp.Paren)) else (
                    part.sql("postgres") if not isinstance(part, exp.Parameter) else "")
                raise SqlError("42601", f'syntax error at or near "{near}"' if near
                               else "syntax error")
    if "[" in sql:
        for b in tree.find_all(exp.Bracket):
            if len(b.expressions) > 1:
                raise SqlError("42601", 'syntax error at or near ","')


_BIT_LITERAL = re.compile(r"(?<![\w'])([bx])'([^']*)'", re.I)


def _bad_bit_string(sql: str) -> None:
    """B'102' / X'1G', which sqlglot's tokenizer refuses: PostgreSQL's 22P02 for the digit."""
    for m in _BIT_LITERAL.finditer(sql):
        hexa = m.group(1) in "xX"
        for c in m.group(2):
            if c not in ("0123456789abcdefABCDEF" if hexa else "01"):
                kind = "hexadecimal" if hexa else "binary"
                raise SqlError("22P02", f'"{c}" is not a valid {kind} digit')


_BIT_VARYING = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\b(bit\s+varying)\b", re.I)
_EXTRACT_WORD = re.compile(r"\bextract\s*\(\s*([a-z_]\w*)\s+from\b", re.I)
_EMPTY_ITEM = re.compile(r"[(\[,]\s*,|,\s*[)\]]")
_OPENERS = (sqlglot.TokenType.L_PAREN, sqlglot.TokenType.L_BRACKET, sqlglot.TokenType.COMMA)
_CLOSERS = (sqlglot.TokenType.R_PAREN, sqlglot.TokenType.R_BRACKET)
_MAKE_TIME = re.compile(r"\bmake_time\s*\(", re.I)


def _no_empty_items(sql: str) -> None:
    """``f(1, , 2)``, ``f(1, )``, ``(, 1)``: sqlglot skips an empty list item; PostgreSQL
    reads a syntax error at the comma or the bracket after it."""
    try:
        tokens = Postgres().tokenize(sql)
    except sqlglot.errors.TokenError:
        return  # the parser reports it
    for prev, tok in itertools.pairwise(tokens):
        if ((tok.token_type == sqlglot.TokenType.COMMA and prev.token_type in _OPENERS)
                or (prev.token_type == sqlglot.TokenType.COMMA and tok.token_type in _CLOSERS)):
            raise SqlError("42601", f'syntax error at or near "{tok.text}"')


def _make_time_arity(sql: str) -> None:
    """make_time with other than three arguments, which sqlglot refuses to parse: PostgreSQL
    has no such function (42883)."""
    try:
        with _quiet():
            tree = sqlglot.parse_one(_MAKE_TIME.sub("pg_make_time_arity(", sql), read="postgres")
    except sqlglot.errors.SqlglotError:
        return
    for call in tree.find_all(exp.Anonymous) if tree else ():
        if str(call.this).lower() == "pg_make_time_arity" and len(call.expressions) != 3:
            shown = ", ".join(_literal_type(x) for x in call.expressions)
            raise SqlError("42883", f"function make_time({shown}) does not exist")


def _with_values(sql: str) -> str:
    """``WITH ... VALUES (...)``: sqlglot reads no VALUES after a WITH list, so the main VALUES
    becomes ``SELECT * FROM (VALUES ...)`` (its columns keep the names column1, column2...)."""
    depth = 0
    i = 0
    quote = ""
    while i < len(sql):
        c = sql[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and sql[i:i + 6].lower() == "values" and not (
                sql[i - 1:i].isalnum() or sql[i - 1:i] == "_" or sql[i + 6:i + 7].isalnum()
                or sql[i + 6:i + 7] == "_"):
            head = sql[:i].rstrip()
            if head.endswith(")"):  # the WITH list ends here: this is the main statement
                body = sql[i:].rstrip().rstrip(";")
                return f'{head} SELECT * FROM ({body}) AS "*VALUES*"'
            return sql
        i += 1
    return sql


_DATE_PART_UNIT = re.compile(
    r"\b(date_part\s*\(\s*)('(?:[^']|'')*'|\$\$.*?\$\$|\$(?P<dq>[a-z_]\w*)\$.*?\$(?P=dq)\$|\$\d+|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\b|true\b|false\b"
    r"|(?:\"(?:[^\"]|\"\")*\"|[a-z_][\w$]*)(?:\s*\.\s*(?:\"(?:[^\"]|\"\")*\"|[a-z_][\w$]*))*(?=\s*,))",
    re.I)
_UNICODE_NAME = re.compile(r"""[uU]&"((?:[^"]|"")*)"(?:\s+UESCAPE\s+'([^'])')?""", re.I)
_NEGATIVE_SCALE = re.compile(r"\b((?:numeric|decimal)\s*\(\s*\d+)\s*,\s*-\s*(\d{1,4})\s*\)", re.I)
_JSON_EXTRACT_PATH = re.compile(r"\b(json_extract_path(?:_text)?)\s*\(", re.I)


_USING_ALIAS = re.compile(r"(\busing\s*\(([^()]*)\))\s+as\s+(\w+)", re.I)


def _join_using_aliases(tree: exp.Expression, aliases: dict[str, list[str]]) -> None:
    """``a JOIN b USING (i) AS x``: ``x.i`` is the merged join column, which SQLite names
    without a qualifier; ``x.*`` is the USING columns."""
    for t in tree.find_all(exp.Table):
        if t.alias_or_name.lower() in aliases:
            raise SqlError("42712", f'table name "{t.alias_or_name}" specified more than once')
    for col in list(tree.find_all(exp.Column)):
        cols = aliases.get(col.table.lower()) if col.table else None
        if cols is None:
            continue
        if col.is_star:
            sel = col.parent
            if isinstance(sel, exp.Select) and col.arg_key == "expressions":
                at = sel.expressions.index(col)
                sel.set("expressions", sel.expressions[:at] + [
                    exp.column(exp.to_identifier(c)) for c in cols] + sel.expressions[at + 1:])
        elif col.name.lower() in cols:
            col.set("table", None)


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
        # Letters beyond ASCII too (SQLite's upper and lower leave 'é' as is); ILIKE, which
        # SQLite runs as lower(a) LIKE lower(b), with them
        exp.Upper: lambda self, e: f"pg_upper({self.sql(e, 'this')})",
        exp.Lower: lambda self, e: f"pg_lower({self.sql(e, 'this')})",
        # SQLite has no XOR operator: a # b (MySQL's a ^ b) is (a | b) - (a & b)
        exp.BitwiseXor: lambda self, e: (
            f"(({self.sql(e, 'this')}) | ({self.sql(e, 'expression')})) - "
            f"(({self.sql(e, 'this')}) & ({self.sql(e, 'expression')}))"),
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


def _prefix_at(self: Postgres.Parser) -> exp.Expression | None:
    """PostgreSQL's prefix @ (absolute value): sqlglot reads ``@ x`` as a parameter named x."""
    if self._prev.text == "@":
        return exp.Abs(this=self._parse_unary())
    self._retreat(self._index - 1)  # $1: a parameter, read as a primary
    return self._parse_type()


class _Read(Postgres):
    class Parser(Postgres.Parser):
        UNARY_PARSERS = {**Postgres.Parser.UNARY_PARSERS, sqlglot.TokenType.PARAMETER: _prefix_at}


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


def _bool_text(v: exp.Expression) -> exp.Expression:
    """A boolean (SQLite's 1 / 0) as PostgreSQL's text of it, 'true' / 'false'."""
    return exp.Case(ifs=[exp.If(this=v.copy(), true=_str("true")),
                         exp.If(this=exp.Not(this=v.copy()), true=_str("false"))])


_DATE = 1082
_TIMESTAMPS = (1114, 1184)
_INTEGERS = (20, 21, 23)


def _date_arithmetic(e: exp.Add | exp.Sub, ts: tuple) -> exp.Expression | None:
    """date - date is the integer number of days between; date + / - integer is a date (a
    date is text in SQLite, which would otherwise subtract its year)."""
    a, b = ts
    if a is None or b is None:
        return None
    # SQLite's own date functions give NULL for what they cannot read (BC and later years,
    # infinity): only then does Python compute the answer, or PostgreSQL's error
    if a[0] == _DATE and b[0] == _DATE and isinstance(e, exp.Sub):
        days = exp.Sub(this=fn("julianday", e.this), expression=fn("julianday", e.expression))
        return fn("coalesce", exp.Cast(this=fn("round", days), to=exp.DataType.build("integer")),
                  fn("pg_date_diff", e.this.copy(), e.expression.copy()))
    if a[0] in _TIMESTAMPS and b[0] in _TIMESTAMPS and isinstance(e, exp.Sub):
        return fn("pg_ts_diff", e.this, e.expression)  # an interval of days and time
    if a[0] == _DATE and b[0] in _INTEGERS:
        date, n = e.this, e.expression
    elif b[0] == _DATE and a[0] in _INTEGERS and isinstance(e, exp.Add):
        date, n = e.expression, e.this
    else:
        return None
    if isinstance(e, exp.Sub):
        n = exp.Neg(this=exp.Paren(this=n))
    day = fn("date", date, fn("printf", _str("%d days"), n))
    ordinary = exp.Between(this=day, low=_str("0001-01-01"), high=_str("9999-12-31"))
    return exp.Case(ifs=[exp.If(this=ordinary, true=day.copy())],
                    default=fn("pg_date_add", date.copy(), n.copy()))


class Rewriter:
    """One statement's rewrite; records what the session needs to know about it."""

    def __init__(self, catalog: Catalog, inferer: Inferer | None = None) -> None:
        self.catalog = catalog
        self.numeric = NumericRules(catalog, inferer or Inferer(catalog, {}, {}))
        self.lit_kinds = inferer.lit_kinds if inferer is not None else {}
        self.touches_catalog = False
        self.mysql_rules = False
        self.empty_catalogs: set[str] = set()
        self._srf_n = 0

    def run(self, tree: exp.Expression) -> exp.Expression:
        if isinstance(tree, exp.Insert) and tree.args.get("alternative") and not self.mysql_rules:
            # INSERT OR REPLACE / OR IGNORE is SQLite's (the MySQL edition's REPLACE), not SQL
            raise SqlError("42601", 'syntax error at or near "OR"')
        if not self.mysql_rules:
            grouping.check(tree, lambda name: grouping.stored_table(self.catalog, name))
        _json_arrows(tree)
        if isinstance(tree, (exp.Update, exp.Delete, exp.Insert)):
            tree = dml.through_views(tree, self.catalog)
            self._identity_always(tree)  # (before an UPDATE's DEFAULT is spelled out)
        if isinstance(tree, (exp.Update, exp.Delete)):
            dml.returning_other_items(tree, self.catalog)
        if isinstance(tree, exp.Update):
            dml.rewrite_update(tree, self.catalog)
        elif isinstance(tree, exp.Delete):
            dml.rewrite_delete(tree)
        elif isinstance(tree, exp.Insert):
            dml.unwrap_source(tree)
            dml.rewrite_conflict(tree, self.catalog, self.mysql_rules)
        if isinstance(tree, (exp.Update, exp.Delete, exp.Insert)):
            dml.expand_returning_stars(tree, self.catalog)
        _scalar_subqueries(tree)
        _nested_joins(tree)
        fromitems.expand_merged_stars(tree, self.catalog.conn)
        self._scalars_in_from(tree)
        self._insert_short_rows(tree)
        self._rowid_key_not_null(tree)
        self._zero_takes_the_next_id(tree)
        self._insert_defaults(tree)
        self._assignments(tree)
        _set_functions_as_unnest(tree)
        fromitems.rename_columns(tree, self.catalog.conn)
        self._series_in_select(tree)
        fromitems.lateral(tree, self.catalog.conn, self._next_n)
        for e in tree.find_all(exp.WithinGroup):
            _check_ordered_set(e, self.catalog.conn)
        tree = self._set_all(tree)
        tree = _with_ties(tree, self.catalog.conn)
        _having_without_group(tree)
        _bare_set_arms(tree)
        _unnest_element_types(tree)
        _subscript_offsets(tree)
        self._jsonb_assignments(tree)  # before the array rule: j['a'] = v is jsonb's
        self._check_subscripted(tree)
        _array_assignments(tree)
        _insert_subscripted(tree)
        self._correlated_unnest(tree)
        self._srf_in_select(tree)
        self._json_srf_in_select(tree)
        self._whole_rows(tree)
        self._jsonb_casts(tree)
        self._json_types(tree)
        tree = self.walk(tree)
        tree = _distinct_on(tree, self.catalog.conn)
        self._coerce_writes(tree)
        if isinstance(tree, exp.Insert) and tree.args.get("conflict") is not None and not self.mysql_rules:
            dml.conflict_once(tree, self.catalog)  # MySQL: a later row updates an earlier one
        return tree

    def _set_all(self, tree: exp.Expression) -> exp.Expression:
        """``A INTERSECT ALL B`` / ``EXCEPT ALL``: SQLite has only the DISTINCT forms, so each
        arm's rows are numbered within their group of equal rows (row_number), which makes
        them distinct; the DISTINCT operation then keeps min(m, n) (or m - n) of each."""
        for op in tree.find_all(exp.SetOperation):
            order = op.args.get("order")
            names = fromitems.query_names(op.this, self.catalog.conn) if order else None
            for col in order.find_all(exp.Column) if names is not None else []:
                if not col.table and col.name.lower() not in {n.lower() for n in names}:
                    # PostgreSQL sorts a UNION by its result columns only
                    raise SqlError("42703", f'column "{col.name}" does not exist')
        ops = [o for o in tree.find_all(exp.Intersect, exp.Except)
               if o.args.get("distinct") is False]
        for op in reversed(ops):
            names = fromitems.query_names(op.this, self.catalog.conn)
            if names is None:
                raise SqlError("0A000", f"{op.key.upper()} ALL over a * of a USING join is not "
                                        "supported")
            other = fromitems.query_names(op.expression, self.catalog.conn)
            if other is not None and len(other) != len(names):
                raise SqlError("42601", f"each {op.key.upper()} query must have the same number of columns")
            n = self._next_n()
            cols = [f"_c{i}" for i in range(len(names))]
            arms = []
            for arm in (op.this, op.expression):
                while isinstance(arm, exp.Subquery) and not arm.alias:
                    arm = arm.this
                cte = f"_sa{n}_{len(arms)}"
                numbered = exp.select(
                    *cols, exp.alias_(Raw(this=f"row_number() OVER (PARTITION BY "
                                           f"{', '.join(cols)})"), "_rn")
                ).from_(cte)
                numbered.set("with_", exp.With(expressions=[exp.CTE(
                    this=arm, alias=exp.TableAlias(this=exp.to_identifier(cte),
                                                   columns=[exp.to_identifier(c) for c in cols]))]))
                arms.append(exp.select("*").from_(exp.Subquery(this=numbered)))
            setop = type(op)(this=arms[0], expression=arms[1], distinct=True)
            outer = exp.select(*[exp.alias_(exp.column(c), name, quoted=True)
                                 for c, name in zip(cols, names, strict=True)]).from_(
                exp.Subquery(this=setop, alias=exp.TableAlias(this=exp.to_identifier(f"_s{n}"))))
            for key in ("order", "limit", "offset", "with_"):
                if op.args.get(key) is not None:
                    outer.set(key, op.args[key])
            while (isinstance(op.parent, exp.Subquery) and not op.parent.alias
                   and isinstance(op.parent.parent, exp.SetOperation)):
                op = op.parent
            if op is tree:
                tree = outer
            elif isinstance(op.parent, exp.SetOperation) and (
                    outer.args.get("order") or outer.args.get("limit")):
                op.replace(exp.select("*").from_(exp.Subquery(this=outer)))
            else:
                op.replace(outer)
        return tree

    def _series_in_select(self, tree: exp.Expression) -> None:
        """``SELECT f1, generate_series(1, f1) FROM t``: the set-returning call becomes a
        LATERAL join (CROSS, so each row of t is followed by its series, as PostgreSQL
        returns them). One call per query level, and not under aggregation, whose rows
        PostgreSQL expands after grouping."""
        for sel in list(tree.find_all(exp.Select)):
            calls = [
                c for e in sel.expressions
                for c in e.find_all(exp.ExplodingGenerateSeries, exp.GenerateSeries)
                if _owner_select(c) is sel
            ]
            if len(calls) != 1 or any(
                sel.args.get(k) for k in ("group", "having", "distinct", "windows")
            ) or any(e.find(exp.AggFunc, exp.Window) for e in sel.expressions):
                continue
            call = calls[0]
            name = f"_gs{self._next_n()}"
            ref = exp.column(name, name)
            if call.parent is sel:
                ref = exp.alias_(ref, "generate_series", quoted=True)
            source = call.copy()
            call.replace(ref)
            alias = exp.TableAlias(this=exp.to_identifier(name))
            if sel.args.get("from_") is None:
                sel.set("from_", exp.From(this=exp.Table(this=source, alias=alias)))
            else:
                sel.append("joins", exp.Join(this=exp.Lateral(this=source, alias=alias),
                                             kind="CROSS"))

    def _next_n(self) -> int:
        self._srf_n += 1
        return self._srf_n

    def _insert_short_rows(self, tree: exp.Expression) -> None:
        """``INSERT INTO t VALUES (1)``, ``SELECT 1`` or ``SELECT * FROM narrower`` into a
        table of more columns: PostgreSQL fills the leading columns and gives the rest their
        defaults; SQLite wants a value for each unless the columns are named, so they are.
        (MySQL refuses it, 1136.)"""
        if (self.mysql_rules or not isinstance(tree, exp.Insert)
                or not isinstance(tree.this, exp.Table)):
            return
        source = tree.expression
        if isinstance(source, exp.Values):
            widths = {len(row.expressions) for row in source.expressions
                      if isinstance(row, exp.Tuple)}
        elif isinstance(source, (exp.Select, exp.SetOperation)):
            items = fromitems.query_names(source, self.catalog.conn)  # (a star counted)
            if items is None:
                return
            widths = {len(items)}
        else:
            return
        if len(widths) != 1:
            return
        names = [r[0] for r in self.catalog.conn.execute(
            "SELECT name FROM pragma_table_info(?)", (tree.this.name,)).fetchall()]
        width = widths.pop()
        if 0 < width < len(names):
            tree.set("this", exp.Schema(this=tree.this, expressions=[
                exp.to_identifier(n, quoted=True) for n in names[:width]]))

    def _zero_takes_the_next_id(self, tree: exp.Expression) -> None:
        """MySQL: an INSERT's 0 for an AUTO_INCREMENT key (an identity) generates the next id,
        as NULL does (its sql_mode has no NO_AUTO_VALUE_ON_ZERO); SQLite would store 0."""
        if not self.mysql_rules or not isinstance(tree, exp.Insert):
            return
        table, cols = self._insert_columns(tree)
        key = self.catalog.rowid_key(table) if table else None
        if key is None or not key.identity or key.name.lower() not in [c.lower() for c in cols]:
            return
        i = [c.lower() for c in cols].index(key.name.lower())
        values = tree.expression
        if isinstance(values, exp.Values):
            items = [row.expressions[i] for row in values.expressions if i < len(row.expressions)]
        elif isinstance(values, exp.Select) and not any(
                isinstance(v, exp.Star) or (isinstance(v, exp.Column) and isinstance(v.this, exp.Star))
                for v in values.expressions[: i + 1]):
            items = [values.expressions[i]] if i < len(values.expressions) else []
            items = [v.this if isinstance(v, exp.Alias) else v for v in items]
        else:
            return
        for v in items:
            if isinstance(v, exp.Literal) and not v.is_string and v.name != "0":
                continue  # an id given
            if isinstance(v, (exp.Null, exp.Var)):
                continue  # NULL and DEFAULT take the next id already
            v.replace(exp.Nullif(this=v.copy(), expression=exp.Literal.number(0)))

    def _rowid_key_not_null(self, tree: exp.Expression) -> None:
        """A one-column integer key is SQLite's rowid, which takes NULL as "the next id": in
        PostgreSQL a NULL there is error 23502, and so is leaving out a key that has no
        default. Each value written to it is ``coalesce(v, pg_null_key(...))`` (the call runs
        only for a NULL), and a plain key left out of an INSERT's columns gets that call as
        its value. A SERIAL or IDENTITY key left out takes the next id, as it should."""
        if isinstance(tree, exp.Insert):
            target = tree.this
            table = target.this.name if isinstance(target, exp.Schema) else target.name
        elif isinstance(tree, exp.Update) and isinstance(tree.this, exp.Table):
            table = tree.this.name
        else:
            return
        key = self.catalog.rowid_key(table)
        if key is None or (self.mysql_rules and key.has_default):
            return
        quoted = ", ".join("'" + x.replace("'", "''") + "'" for x in (table, key.name))
        refuse = Raw(this=f"pg_null_key({quoted})")

        def guard(v: exp.Expression) -> None:
            if isinstance(v, exp.Var) and v.name.upper() == "DEFAULT":
                if not key.has_default:  # a key without a default: its DEFAULT is NULL
                    v.replace(refuse.copy())
                return
            if isinstance(v, exp.Literal):
                return
            v.replace(exp.Coalesce(this=v.copy(), expressions=[refuse.copy()]))

        if isinstance(tree, exp.Update):
            for eq in tree.expressions:
                if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column) \
                        and eq.this.name.lower() == key.name.lower():
                    guard(eq.expression)
            return
        source = tree.expression
        if tree.args.get("default") and source is None:  # INSERT ... DEFAULT VALUES
            if not key.has_default:
                tree.set("default", None)
                tree.set("this", exp.Schema(this=target, expressions=[exp.to_identifier(key.name, quoted=True)]))
                tree.set("expression", exp.Values(expressions=[exp.Tuple(expressions=[refuse.copy()])]))
            return
        cols = [c.lower() for c in self._insert_columns(tree)[1]]
        if key.name.lower() not in cols:
            if key.has_default or not isinstance(target, exp.Schema):
                return
            # left out, with no default: every row written would have a NULL key
            if isinstance(source, exp.Values):
                target.append("expressions", exp.to_identifier(key.name, quoted=True))
                for row in source.expressions:
                    if isinstance(row, exp.Tuple):
                        row.append("expressions", refuse.copy())
            elif isinstance(source, (exp.Select, exp.SetOperation)):
                select = self._itemised(tree, source)
                if select is not None:
                    target.append("expressions", exp.to_identifier(key.name, quoted=True))
                    select.append("expressions", refuse.copy())
            return
        at = cols.index(key.name.lower())
        if isinstance(source, exp.Values):
            for row in source.expressions:
                if isinstance(row, exp.Tuple) and at < len(row.expressions):
                    guard(row.expressions[at])
        elif isinstance(source, (exp.Select, exp.SetOperation)):
            select = self._itemised(tree, source)
            if select is not None and at < len(select.expressions):
                v = select.expressions[at]
                guard(v.this if isinstance(v, exp.Alias) else v)

    def _itemised(self, tree: exp.Insert, source: exp.Select | exp.SetOperation) -> exp.Select | None:
        """The INSERT's query as a SELECT of one item per value: the query itself when it is
        a SELECT without a star, else the query read by position (a star, ``t.*``, a UNION:
        ``dml.by_position``), which then becomes the INSERT's source; None when its width is
        not known here."""
        if isinstance(source, exp.Select) and not any(dml.is_star(e) for e in source.expressions):
            return source
        names = fromitems.query_names(source, self.catalog.conn)
        if names is None:
            return None
        select = dml.by_position(source, len(names))
        tree.set("expression", select)
        return select

    def _insert_columns(self, tree: exp.Insert) -> tuple[str, list[str]]:
        """An INSERT's table and the columns its values go to, in order: those it names, else
        every column of the table."""
        target = tree.this
        table = target.this.name if isinstance(target, exp.Schema) else target.name
        if isinstance(target, exp.Schema):
            return table, [c.name for c in target.expressions]
        return table, [c.name for c in self.catalog.table_columns(table) or []]

    def _identity_always(self, tree: exp.Expression) -> None:
        """A GENERATED ALWAYS AS IDENTITY column takes no value but its own: an INSERT or
        UPDATE that gives it one is 428C9, as in PostgreSQL."""
        if self.mysql_rules or not isinstance(tree, (exp.Insert, exp.Update)):
            return

        def default(v: exp.Expression) -> bool:
            return isinstance(v, (exp.Var, exp.Column)) and not v.args.get("table") and v.name.upper() == "DEFAULT"

        def refuse(column: str, verb: str) -> SqlError:
            message = (f'cannot insert a non-DEFAULT value into column "{column}"' if verb == "insert"
                       else f'column "{column}" can only be updated to DEFAULT')
            return SqlError("428C9", message,
                            detail=f'Column "{column}" is an identity column defined as GENERATED ALWAYS.',
                            hint="Use OVERRIDING SYSTEM VALUE to override." if verb == "insert" else None)

        if isinstance(tree, exp.Update):
            if not isinstance(tree.this, exp.Table):
                return
            for eq in tree.expressions:
                if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column) and not default(eq.expression):
                    info = self.catalog.column(tree.this.name, eq.this.name)
                    if info is not None and info.identity == "a":
                        raise refuse(info.name, "update")
            return
        table, cols = self._insert_columns(tree)
        for i, name in enumerate(cols):
            info = self.catalog.column(table, name)
            if info is None or info.identity != "a":
                continue
            source = tree.expression
            if isinstance(source, exp.Values):
                if any(isinstance(row, exp.Tuple) and i < len(row.expressions)
                       and not default(row.expressions[i]) for row in source.expressions):
                    raise refuse(info.name, "insert")
            elif source is not None:
                raise refuse(info.name, "insert")  # a query gives it a value

    def _assignments(self, tree: exp.Expression) -> None:
        """What INSERT, UPDATE and ON CONFLICT write, checked and converted as PostgreSQL's
        assignment casts do. A value whose type has none to its column's type is 42804 (true
        into an integer; SQLite would store 1). A value written to a text column is its
        output text, not the stored form SQLite's column affinity would make text: a
        boolean 'true' / 'false' (not 1 / 0), a float8 '100' and '1e-05' (not '100.0' and
        '1.0e-05'), a timestamp '2020-01-02 03:04:05.5', an array '{1,2}' (not '[1,2]'),
        a bytea '\\x0102' (not its raw bytes). In the MySQL dialect a boolean and a
        DOUBLE (its MySQL text, '0.00001'). A float8 or real written to an integer column is
        rounded as a cast rounds it, half to even (``mysql_rint`` in the MySQL dialect), not
        as SQLite's column affinity does (2.5 was 3)."""
        targets: list[tuple[exp.Expression, str, str]] = []
        elements: set[str] = set()  # columns written an element or a field at a time (a[1])
        if isinstance(tree, exp.Insert):
            table, cols = self._insert_columns(tree)
            elements = {cols[i].lower() for i in tree.meta.get("insert_subscripts") or {} if i < len(cols)}
            source = tree.expression
            rows = (list(source.expressions) if isinstance(source, exp.Values)
                    else [source] if isinstance(source, exp.Select) else [])
            for row in rows:
                items = row.expressions
                if any(dml.is_star(v) for v in items):
                    continue
                targets += [(v.this if isinstance(v, exp.Alias) else v, table, c)
                            for v, c in zip(items, cols, strict=False)]
            conflict = tree.args.get("conflict")
            if conflict is not None:
                for eq in conflict.expressions or []:
                    targets += _assigned(eq, table)
        elif isinstance(tree, exp.Update) and isinstance(tree.this, exp.Table):
            for eq in tree.expressions:
                targets += _assigned(eq, tree.this.name)
        for value, table, col in targets:
            info = self.catalog.column(table, col)
            if info is None:
                continue
            t = self.numeric._type(value)
            if (not self.mysql_rules and col.lower() not in elements and t is not None
                    and not _assignable(t[0], info.type_oid)):
                raise SqlError(
                    "42804",
                    f'column "{info.name}" is of type {types.format_type(info.type_oid)} but '
                    f"expression is of type {types.format_type(t[0])}",
                    hint="You will need to rewrite or cast the expression.",
                )
            if info.type_oid in _INT_BITS:
                if t is not None and t[0] in (700, types.FLOAT8) and value.parent is not None:
                    # a float stored in an integer column is rounded half to even (C's
                    # rint(): 2.5 is 2), a numeric / DECIMAL half away from zero (2.5 is 3)
                    value.replace(fn("mysql_rint", value.copy()) if self.mysql_rules else
                                  exp.Cast(this=value.copy(),
                                           to=exp.DataType.build(types.format_type(info.type_oid))))
                continue
            if info.type_oid not in (types.TEXT, 1043, 1042):
                continue
            if self.mysql_rules:
                as_text = t is not None and t[0] in (types.BOOL, types.FLOAT8)
            else:  # whatever is stored otherwise than it prints, bytea's raw bytes too
                as_text = t is not None and (t[0] in (types.BOOL, _BYTEA) or printed_otherwise(t))
            if as_text and value.parent is not None:
                value.replace(exp.Cast(this=value.copy(), to=exp.DataType.build("text")))

    def _doubles_as_text(self, node: exp.Expression) -> None:
        """MySQL's LIKE and GROUP_CONCAT read a DOUBLE operand as its MySQL text
        (``mysql_double_text``: 0.00001 LIKE '%e%' is false), not as SQLite writes a real
        ('1.0e-05')."""
        sides = [node.this.this if isinstance(node.this, exp.Order) else node.this]
        if isinstance(node, (exp.Like, exp.ILike)):
            sides.append(node.expression)
        for x in sides:
            t = self.numeric._type(x)
            if t is not None and t[0] == types.FLOAT8 and x.parent is not None:
                x.replace(fn("mysql_double_text", x.copy()))

    def _insert_defaults(self, tree: exp.Expression) -> None:
        """``VALUES (DEFAULT, ...)``: SQLite has no DEFAULT there; each becomes the column's
        default as the SQLite table holds it (NULL when it has none: a rowid key's next id).
        An array element takes no DEFAULT (``INSERT INTO t (a[1]) VALUES (DEFAULT)``)."""
        if not isinstance(tree, exp.Insert) or not isinstance(tree.expression, exp.Values):
            return
        rows = tree.expression.expressions
        marks = [v for row in rows for v in row.expressions
                 if isinstance(v, exp.Var) and v.name.upper() == "DEFAULT"]
        if not marks:
            return
        target = tree.this
        table = target.this.name if isinstance(target, exp.Schema) else target.name
        info = self.catalog.conn.execute(
            "SELECT name, dflt_value FROM pragma_table_info(?)", (table,)).fetchall()
        defaults = {name.lower(): dflt for name, dflt in info}
        cols = ([c.name for c in target.expressions] if isinstance(target, exp.Schema)
                else [name for name, _ in info])
        subscripted = tree.meta.get("insert_subscripts") or {}
        for row in rows:
            for i, v in enumerate(row.expressions):
                if v in marks and i in subscripted:
                    raise SqlError("0A000", "cannot set an array element to DEFAULT")
                if v in marks and i < len(cols):
                    dflt = defaults.get(cols[i].lower())
                    v.replace(Raw(this=f"({dflt})") if dflt is not None else exp.Null())

    def walk(self, node: exp.Expression) -> exp.Expression:
        """Rewrite bottom-up: children first, so a rule always sees rewritten operands
        (sqlglot's own transform skips the children of a replaced node)."""
        typed = self.numeric.operand_types(node)  # on the operands as written
        if isinstance(node, exp.Anonymous) and str(node.this).lower() in ("gcd", "lcm"):
            typed = tuple(self.numeric._type(x) for x in node.expressions)
        # an integer operator: every operand's leaves typed integer (random() * 0 is not one)
        integer = isinstance(node, _INT_OPERATORS) and bool(typed) and all(
            self._surely_int(x) for x in node.iter_expressions())
        number_kind = None
        if isinstance(node, exp.TimeToStr):  # to_char of a number: its picture, not a date's
            t = self.numeric._type(node.this)
            number_kind = _NUMBER_KINDS.get(t[0]) if t is not None else None
        if isinstance(node, (exp.Array, exp.ArrayAgg)):
            self._note_array_elements(node)
        if isinstance(node, (exp.DPipe, exp.Length)):
            self._refuse_numbers_as_text(node)
        if isinstance(node, exp.Length) and (t := self.numeric._type(node.this)) is not None and t[0] == 1042:
            # character(n): its trailing spaces are padding, not counted (bpcharlen)
            node.set("this", fn("rtrim", node.this, _str(" ")))
        if isinstance(node, exp.DPipe):
            for side in ("this", "expression"):  # boolean || text: 'true' / 'false', not 1 / 0
                t = self.numeric._type(node.args[side])
                if t is not None and t[0] == types.BOOL:
                    node.set(side, _bool_text(node.args[side]))
        if self.mysql_rules and isinstance(node, (exp.Like, exp.ILike, exp.GroupConcat)):
            self._doubles_as_text(node)
        if isinstance(node, exp.Values) and len(node.expressions) > 1:
            self._values_types([r.expressions for r in node.expressions
                                if isinstance(r, exp.Tuple)], len(node.expressions))
        if isinstance(node, exp.SetOperation) and not isinstance(node.parent, exp.SetOperation):
            arms = _set_arms(node)
            self._values_types([[_unalias(x) for x in a.expressions] for a in arms], len(arms))
        if isinstance(node, exp.GroupConcat):
            t = self.numeric._type(node.this.this if isinstance(node.this, exp.Order)
                                   else node.this)
            node.meta["bytea"] = t is not None and t[0] == 17
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "row":
            bools = [(t := self.numeric._type(a)) is not None and t[0] == types.BOOL
                     for a in node.expressions]
            node = _row_value(node, bools)
        if isinstance(node, exp.Window) and node.args.get("spec") is not None:
            order = node.args.get("order")
            t = self.numeric._type(order.expressions[0].this) if order else None
            frames.rewrite(node, t[0] if t is not None else None)  # RANGE offsets
        if isinstance(node, exp.Cast) and datatype_ref(node.to)[0] in (25, 1043, 1042):
            t = self.numeric._type(node.this)
            node.meta["from_bool"] = t is not None and t[0] == types.BOOL
        if isinstance(node, exp.Trim) and node.args.get("expression") is not None:
            t = self.numeric._type(node.this)
            node.meta["bytea"] = t is not None and t[0] == 17
        if (isinstance(node, exp.Anonymous) and str(node.this).lower() == "mysql_set_uservar"
                and len(node.expressions) >= 3 and isinstance(node.expressions[2], exp.Null)):
            # the MySQL edition's @v := value: the value's type, known here, which the variable
            # keeps (a numeric's exact digits are text to SQLite)
            t = self.numeric._type(node.expressions[1])
            if t is not None and types.format_type(t[0], t[1]):
                node.expressions[2].replace(_str(types.format_type(t[0], t[1])))
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "pg_typeof":
            if node.expressions and isinstance(
                    node.expressions[0].unnest(), (exp.BitString, exp.HexString)):
                return _str("bit")  # held as text
            if node.expressions and (self._is_text(node.expressions[0]) or isinstance(
                    node.expressions[0], (exp.Null, exp.UnicodeString, exp.RawString))):
                return _str("unknown")  # a quoted literal or NULL has no type of its own
            # the type the expression has, known here: the value's own storage class tells
            # integer from bigint, numeric from double precision or a date from text not
            t = self.numeric._type(node.expressions[0]) if node.expressions else None
            if t is not None and types.format_type(t[0], -1):
                return _str(types.format_type(t[0], -1))
        if isinstance(node, (exp.Min, exp.Max)) and not node.expressions:
            t = self.numeric._type(node.this)
            if t is not None and _array_elem(t[0]) is not None:
                node.meta["array_extreme"] = True
        unit = node.this if isinstance(node, exp.Extract) else None
        if unit is not None and (  # EXTRACT(0 FROM d), its 0 a parameter by now or a Var
                (isinstance(unit, exp.Parameter) and self.lit_kinds.get(int(unit.name), "s") != "s")
                or (isinstance(unit, (exp.Var, exp.Literal)) and not unit.is_string
                    and re.match(r"\.?\d", unit.name))):
            # a field is a word or a string in PostgreSQL's grammar (a number reached pg_extract)
            raise SqlError("42601", "syntax error: the field of EXTRACT is a number")
        if unit is not None and not isinstance(unit, (exp.Var, exp.Identifier)) and (
                t := self.numeric._type(unit.unnest())) is not None and t[0] not in (
                    types.TEXT, 705, 1043, 1042, 19):
            # date_part(0, d), date_part((SELECT 1), d): date_part takes its field as text
            of = self.numeric._type(node.expression)
            names = [types.format_type(x[0], -1) if x is not None else "unknown" for x in (t, of)]
            raise SqlError("42883", f"function date_part({names[0]}, {names[1]}) does not exist")
        if isinstance(node, (exp.Mul, exp.Div, exp.Neg, exp.Extract, *_INTERVAL_AGGREGATES)) or (
                isinstance(node, exp.Anonymous) and str(node.this).lower() == "date_part"
                and len(node.expressions) == 2):
            self._note_interval_operand(node)
        if type(node) in _INT_ARGUMENTS and not self.mysql_rules:
            self._int_argument(node)
        if isinstance(node, (exp.Extract, exp.TimestampTrunc, exp.DateTrunc)) and not self.mysql_rules:
            self._datetime_argument(node)
        if isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)) and (
                t := self.numeric._type(node.this)) is not None and t[0] in (1082, 1114, 1184):
            # date_trunc of a timestamp, or of a timestamp with time zone (a date is one)
            node.meta["trunc_kind"] = "timestamp" if t[0] == 1114 else "timestamptz"
        elif isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)) and (
                t := self.numeric._type(node.this)) is not None and t[0] in (1083, 1186):
            node.meta["trunc_kind"] = "interval"  # a time of day goes in as an interval
        elif isinstance(node, (exp.TimestampTrunc, exp.DateTrunc)) and (
                t := self.numeric._type(node.this)) is not None and t[0] == 1266:
            unit = node.args.get("unit")
            u = self.numeric._type(unit) if unit is not None and not self._is_text(unit) else None
            raise SqlError("42883", f"function date_trunc({types.format_type(u[0], -1) if u else 'unknown'}"
                           ", time with time zone) does not exist")
        if isinstance(node, (exp.Add, exp.Sub)):
            # a date or time plus or minus an interval the rewrite will not spell as one
            # (n * interval '1 day', an interval column): where the interval is
            ivs = [(t := self.numeric._type(x)) is not None and t[0] == 1186
                   for x in (node.this, node.expression)]
            if ivs == [False, True] or (ivs == [True, False] and isinstance(node, exp.Add)):
                node.meta["interval_at"] = ivs.index(True)
            elif ivs == [True, True]:
                node.meta["interval_at"] = 2  # interval +/- interval
        if isinstance(node, (exp.ArrayContainsAll, exp.ArrayContainedBy)):
            node.meta["arrays"] = any(
                t is not None and _array_elem(t[0]) is not None
                for t in (self.numeric._type(node.this), self.numeric._type(node.expression)))
        if isinstance(node, exp.Cast) and not self.mysql_rules and (
                t := self.numeric._type(node.this)) is not None and (
                ((target := datatype_ref(node.to)[0]) in (1082, 1114, 1184) and t[0] in _NUMBER_OIDS)
                or (target == types.BOOL and (t[0] in _NOT_BOOLS or types.is_array(t[0])))
                or (t[0] == types.BOOL and target in _NOT_BOOLS)):
            # no cast from a number to a date or timestamp (5::date was 1970-01-01), and a
            # boolean casts to and from integer and text only (1.5::bool was true)
            raise SqlError("42846", f"cannot cast type {types.format_type(t[0], -1)} to "
                                    f"{types.format_type(target, -1)}")
        if isinstance(node, tuple(_MATH_FUNCTIONS)) and not self.mysql_rules and (
                t := self.numeric._type(node.this)) is not None and (
                t[0] in _NOT_NUMBERS or types.is_array(t[0])):
            # abs(date), round(interval), trunc(jsonb): no such function (they answered
            # SQLite's arithmetic on the stored text: abs of a date was its year)
            args = [types.format_type(t[0], -1)]
            if node.args.get("decimals") is not None:
                d = self.numeric._type(node.args["decimals"])
                args.append(types.format_type(d[0], -1) if d is not None else "integer")
            raise SqlError("42883", f"function {_MATH_FUNCTIONS[type(node)]}({', '.join(args)}) "
                                    "does not exist",
                           hint="No function matches the given name and argument types. "
                                "You might need to add explicit type casts.")
        if isinstance(node, (exp.Upper, exp.Lower, exp.Length)) and not self.mysql_rules and (
                t := self.numeric._type(node.this)) is not None and (
                t[0] in _NUMBER_OIDS or t[0] in _NOT_NUMBERS or types.is_array(t[0])) and not (
                isinstance(node, exp.Length) and t[0] == 17):
            # upper(5), length(date): no such function (they read the stored text)
            name = {exp.Upper: "upper", exp.Lower: "lower", exp.Length: "length"}[type(node)]
            raise SqlError("42883", f"function {name}({types.format_type(t[0], -1)}) does not "
                                    "exist",
                           hint="No function matches the given name and argument types. "
                                "You might need to add explicit type casts.")
        shifted = None
        if isinstance(node, (exp.BitwiseLeftShift, exp.BitwiseRightShift)) and not self.mysql_rules:
            t = self.numeric._type(node.this)
            shifted = _INT_BITS.get(t[0]) if t is not None else None
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
        if isinstance(node, _BIT_OPERATORS) and (folded := _bit_operation(node)) is not None:
            return folded
        if shifted is not None:  # an integer shift: C's, in the left operand's width
            return fn("pg_int_shift", node.this, node.expression, exp.Literal.number(shifted),
                      exp.Literal.number(int(isinstance(node, exp.BitwiseLeftShift))))
        if isinstance(node, (exp.Length, exp.BitLength, exp.Anonymous)) and (
                measured := _bit_measure(node)) is not None:
            return measured
        if number_kind is not None:
            return fn("pg_num_to_char", node.this, node.args["format"], _str(number_kind))
        if isinstance(node, exp.Ordered) and typed and typed[0] is not None and _array_elem(
                typed[0][0]) is not None:
            # ORDER BY an array: PostgreSQL's array order, by the collation functions.py adds
            node.set("this", exp.Collate(this=node.this, expression=exp.Var(this="pg_array")))
            return node
        if isinstance(node, exp.Ordered) and typed and typed[0] is not None and typed[0][0] == 3802:
            # ORDER BY a jsonb value: PostgreSQL's jsonb order (numbers by value: 9 before
            # 20), by the collation functions.py adds, not its text's
            node.set("this", exp.Collate(this=node.this, expression=exp.Var(this="pg_jsonb")))
            return node
        if node.meta.get("array_extreme"):
            return fn("pg_array_max" if isinstance(node, exp.Max) else "pg_array_min", node.this)
        if "interval_operand" in node.meta:
            return _interval_rule(node)
        if "extract_kind" in node.meta:  # EXTRACT (numeric) / date_part (float8) by type
            # sqlglot reads date_part as EXTRACT too: its unit is a string, EXTRACT's a word
            numeric = exp.Literal.number(int(isinstance(node, exp.Extract) and is_extract(node)))
            kind = _str(node.meta["extract_kind"])
            if isinstance(node, exp.Extract):
                unit = node.this
                u = _str(unit.name.lower()) if isinstance(unit, (exp.Var, exp.Identifier)) else unit
                return fn("pg_extract", u, node.expression, kind, numeric)
            return fn("pg_extract", *node.expressions, kind, numeric)
        if typed is not None:
            if isinstance(node, _COMPARISONS) and (
                    _quantified(node) is not None or isinstance(node.expression, (exp.Any, exp.All))):
                return self._node(node)  # x op ANY/ALL (array): element by element
            if isinstance(node, (*_COMPARISONS, exp.Between)):
                self._datetime_literals(node, typed)
            if isinstance(node, _COMPARISONS) and len(typed) == 2:
                compared = _array_comparison(node, typed)
                if compared is not None:
                    return compared
            if isinstance(node, (exp.Add, exp.Sub)) and len(typed) == 2:
                dated = _date_arithmetic(node, typed)
                if dated is not None:
                    return dated
            if isinstance(node, exp.Anonymous):  # gcd / lcm of integers: their type's range
                if all(t is not None and t[0] in (types.INT2, types.INT4) for t in typed):
                    return fn("pg_int_check", self._node(node), exp.Literal.number(32))
                return self._node(node)
            # (MySQL's DOUBLE has no NaN or infinity, divides by zero into NULL and reads a
            # string in arithmetic as its leading number: SQLite's own arithmetic is its)
            floated = None if self.mysql_rules else _float_arithmetic(node, typed)
            if self.mysql_rules and isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)) \
                    and _float_arithmetic(node, typed) is not None:
                return _double_range(self._node(node))
            if floated is not None and isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)) \
                    and self._float4_pair(node, typed):
                # real op real is real: single precision (the double result rounded once is
                # what float4 arithmetic gives), its range checked
                self._float4_operands(node, typed)
                return fn("pg_float4", _float_arithmetic(node, typed))
            if floated is not None:
                return floated
            exact = self.numeric.rewrite(node, typed)
            if exact is not None:
                return exact
            checked = _int_checked(node, typed) if integer else None
            if checked is not None:
                return checked
            if isinstance(node, _COMPARISONS) and len(typed) == 2:
                self._float4_operands(node, typed)
            if isinstance(node, exp.In) and typed and typed[0] is not None and typed[0][0] in (
                    700, types.FLOAT8) and not self.mysql_rules:
                node.set("expressions", [fn("pg_float4" if typed[0][0] == 700 else "pg_float", v)
                                         if self._is_text(v) else v for v in node.expressions])
            if isinstance(node, exp.In) and typed and typed[0] is not None and typed[0][0] == types.BOOL:
                node.set("expressions", [fn("pg_bool", v) if self._is_text(v) else v
                                         for v in node.expressions])
        return self._node(node)

    # -- rules per node -------------------------------------------------------------------

    def _node(self, e: exp.Expression) -> exp.Expression:
        if isinstance(e, exp.Table):
            return self._table(e)
        if isinstance(e, exp.Chr) and len(e.expressions) == 1:
            return fn("pg_chr", e.expressions[0])
        if isinstance(e, exp.GroupConcat) and e.meta.get("bytea"):
            # string_agg(bytea, bytea): SQLite's group_concat would make text of the bytes
            sep = e.args.get("separator") or exp.Null()
            if isinstance(e.this, exp.Order):
                return fn("pg_bytea_agg", e.this.this,
                          exp.Order(this=sep, expressions=e.this.expressions))
            return fn("pg_bytea_agg", e.this, sep)
        if isinstance(e, exp.GroupConcat) and e.args.get("separator") is not None and isinstance(
                e.this.this if isinstance(e.this, exp.Order) else e.this, exp.Distinct):
            return _distinct_string_agg(e, self.mysql_rules)
        if isinstance(e, exp.Window) and isinstance(e.this, exp.Ntile) and isinstance(
                e.this.this, exp.Null):
            return exp.Cast(this=exp.Null(), to=exp.DataType.build("int"))  # ntile(NULL) is NULL
        if isinstance(e, exp.Count) and e.this is None and not e.expressions:
            raise SqlError("42809", "count(*) must be used to call a parameterless aggregate "
                           "function")
        if isinstance(e, exp.Select) and len(e.args.get("windows") or []) > 1:
            names = [w.this.name.lower() for w in e.args["windows"]
                     if isinstance(w.this, exp.Identifier)]
            dup = next((n for i, n in enumerate(names) if n in names[:i]), None)
            if dup is not None:
                raise SqlError("42P20", f'window "{dup}" is already defined')
        if isinstance(e, exp.With):
            if e.args.get("recursive"):
                _check_recursive(e)
            _materialize_volatile(e)
        if isinstance(e, exp.Unnest) and e.expressions:
            return self._unnest_table(e, *e.expressions)
        if (
            isinstance(e, exp.Insert)
            and e.args.get("conflict") is not None
            and isinstance(e.expression, exp.Select)
            and e.expression.args.get("where") is None
        ):
            # INSERT ... SELECT ... ON CONFLICT: SQLite would read ON as a join's condition
            # unless the SELECT has a WHERE (its documented parsing ambiguity).
            e.expression.set("where", exp.Where(this=exp.true()))
            return e
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
        if (
            isinstance(e, exp.Dot)
            and isinstance(e.this, exp.Identifier)
            and isinstance(e.expression, exp.Anonymous)
            and e.this.name.lower() in extensions.ML_SCHEMAS
        ):
            return extensions.scalar_call(self.catalog.conn, e.this.name.lower(), e.expression)
        if (
            isinstance(e, exp.Dot)
            and isinstance(e.this, exp.Paren)
            and isinstance(e.this.this, exp.Anonymous)
            and isinstance(e.expression, exp.Identifier)
        ):
            field = extensions.field_of(e.this.this, e.expression.name.lower())
            if field is not None:
                return field
        if isinstance(e, exp.WithinGroup):
            return _ordered_set(e)
        if isinstance(e, exp.Cast):
            return self._cast(e)
        if isinstance(e, (exp.BitString, exp.HexString)):
            return _bit_string(e)
        if isinstance(e, exp.UnicodeString):
            # checked when run: PostgreSQL refuses U&'' while standard_conforming_strings is off
            escape = e.args.get("escape")
            try:
                return fn("pg_uescape", exp.Literal.string(
                    unicode_string(e.this, escape.name if escape else "\\")))
            except SqlError as err:
                return fn("pg_uescape", exp.Null(), _str(err.sqlstate), _str(err.message))
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
            # ``COLLATE binary`` and ``COLLATE nocase`` come only from the MySQL edition
            # (PostgreSQL has no such collations): SQLite's byte comparison, against a
            # column's nocase collation, and its case-insensitive one, for expressions
            binary = isinstance(e.expression, exp.Var) and e.expression.name in ("binary", "nocase")
            # an enum's order (enums.py), which the cast to it carries
            enum = e.expression.name.startswith("_aurora_enum_")
            return e if binary or enum else e.this
        if (isinstance(e, (exp.RegexpLike, exp.RegexpILike)) and not isinstance(e.parent, exp.Not)
                and (quantified := _quantified(e)) is not None):
            # x ~ ANY / ALL (array): each element a pattern (x !~ ANY reads as NOT (x ~ ANY)
            # here, which is not the same, so that one stays refused)
            every, arr = quantified
            return fn("pg_regexp_any", e.this, arr, exp.Literal.number(int(every)),
                      exp.Literal.number(int(isinstance(e, exp.RegexpILike))))
        if isinstance(e, exp.RegexpILike):
            return fn("pg_regexp_i", e.this, e.expression)
        if isinstance(e, _COMPARISONS) and (quantified := _quantified(e)) is not None:
            # x op ANY / ALL (array) beyond = ANY and <> ANY: element by element, as
            # PostgreSQL does, with its NULL rules
            every, arr = quantified
            return fn("pg_any_all", _str(_OP_NAMES[type(e)]), e.this, arr,
                      exp.Literal.number(int(every)))
        if isinstance(e, (exp.EQ, exp.NEQ)) and isinstance(e.expression, (exp.Any, exp.All)):
            return self._any(e)
        if isinstance(e, exp.Array):
            return self._array(e)
        if isinstance(e, exp.Bracket) and e.meta.get("jsonb"):
            return _jsonb_subscript(e)
        if isinstance(e, exp.Bracket) and len(e.expressions) == 1:
            return _subscript(e)
        if isinstance(e, exp.ArrayAgg):
            return _array_agg(e, e.this)
        if isinstance(e, exp.Trim) and e.meta.get("bytea"):
            # trim / btrim / ltrim / rtrim of bytea: bytes, which SQLite's trim reads as text
            where = str(e.args.get("position") or "BOTH").upper()
            return fn("pg_bytea_trim", e.this, e.args["expression"], _str(where))
        if isinstance(e, exp.DPipe):
            # SQLite's || binds tighter than + - * /, PostgreSQL's looser: keep the operands
            for key in ("this", "expression"):
                side = e.args.get(key)
                if isinstance(side, exp.Binary) and not isinstance(side, (exp.DPipe, exp.Dot)):
                    e.set(key, exp.Paren(this=side))
        if isinstance(e, exp.SHA2Digest):
            return fn(f"sha{e.args.get('length') or 256}", e.this)
        if isinstance(e, exp.Getbit):
            return fn("get_bit", e.this, e.expression)
        if isinstance(e, (exp.Encode, exp.Decode)):
            return fn(type(e).__name__.lower(), e.this, e.args["charset"])
        if isinstance(e, exp.RegexpLike) and e.args.get("flag") is not None:
            return fn("regexp_like", e.this, e.expression, e.args["flag"])
        if isinstance(e, exp.Like) and not isinstance(e.expression, (exp.Any, exp.All)):
            # PostgreSQL's LIKE is case-sensitive and escapes with \\ unless told otherwise:
            # SQLite's GLOB with the pattern translated (pg_like_glob is deterministic, so a
            # constant pattern is translated once per statement)
            glob = exp.Glob(this=e.this, expression=fn("pg_like_glob", e.expression))
            return exp.Not(this=glob) if e.args.get("negate") else glob
        if isinstance(e, exp.Escape) and isinstance(e.this, (exp.Glob, exp.Not)):
            glob = e.this.this if isinstance(e.this, exp.Not) else e.this
            if isinstance(glob, exp.Glob):
                pattern = glob.expression
                glob.set("expression", fn("pg_like_glob", *pattern.expressions, e.expression))
                return e.this
        if isinstance(e, exp.SimilarTo):
            return fn("pg_similar_to", e.this, e.expression)
        if isinstance(e, exp.Escape) and isinstance(e.this, exp.Anonymous) and str(
                e.this.this) == "pg_similar_to":
            return fn("pg_similar_to", *e.this.expressions[:2], e.expression)
        if isinstance(e, exp.Overlay):
            length = e.args.get("for_")
            return fn("pg_overlay", e.this, e.expression, e.args.get("from_"),
                      *([length] if length is not None else []))
        if isinstance(e, exp.Substring) and self._is_text(e.args.get("start")):
            # substring(s FROM pattern [FOR escape]): a POSIX or a SIMILAR TO pattern
            length = e.args.get("length")
            if length is not None:
                return fn("pg_similar_substring", e.this, e.args["start"], length)
            return fn("pg_regex_substring", e.this, e.args["start"])
        if isinstance(e, exp.Substring) and e.args.get("start") is not None:
            return _substring(e)
        if isinstance(e, exp.ArraySize):
            return fn("array_length", e.this, e.expression or exp.Literal.number(1))
        if isinstance(e, exp.ArrayAppend):
            return fn("array_append", e.this, e.expression)
        if isinstance(e, exp.ArrayPrepend):
            return fn("array_prepend", e.expression, e.this)
        if isinstance(e, exp.ArrayConcat):
            out = e.this
            for x in e.expressions:
                out = fn("array_cat", out, x)
            return out
        if isinstance(e, exp.Extract):
            unit = e.this  # date_part's unit may be a parameter (a normalised literal)
            u = _str(unit.name.lower()) if isinstance(unit, (exp.Var, exp.Identifier)) else unit
            return fn("pg_extract", u, e.expression)
        if isinstance(e, (exp.TimestampTrunc, exp.DateTrunc)):
            unit = e.args.get("unit")
            u = unit if not isinstance(unit, (exp.Var, exp.Identifier)) else _str(unit.name.lower())
            if e.meta.get("trunc_kind") == "interval":
                return fn("pg_interval_trunc", u, e.this)
            if "trunc_kind" in e.meta:
                return fn("pg_date_trunc", u, e.this, _str(e.meta["trunc_kind"]))
            return fn("pg_date_trunc", u, e.this)
        if isinstance(e, exp.AtTimeZone):
            return fn("pg_at_time_zone", e.this, e.args["zone"])
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
        if isinstance(e, exp.Hex):
            return fn("pg_to_hex", e.this)
        if isinstance(e, (exp.Concat, exp.ConcatWs, exp.Format)):
            args = ([e.this] if isinstance(e, exp.Format) else []) + list(e.expressions)
            if args and isinstance(args[-1], exp.Variadic):
                kind = {exp.Concat: "concat", exp.ConcatWs: "concat_ws"}.get(type(e), "format")
                first = args[0] if kind != "concat" else exp.Null()
                return fn("pg_variadic", _str(kind), first, args[-1].this)
            if isinstance(e, exp.Format):
                return fn("format", *args)
        if isinstance(e, exp.UnixToTime) and not e.args.get("scale"):
            return fn("pg_to_timestamp", e.this)
        if isinstance(e, exp.JSONStripNulls):
            return fn("json_strip_nulls", e.this)
        if isinstance(e, exp.DateBin):
            return fn("date_bin", e.this, e.expression, e.args["unit"])
        if isinstance(e, (exp.TimeFromParts, exp.TimestampFromParts)):
            name, keys = (("make_time", ("hour", "min", "sec")) if isinstance(e, exp.TimeFromParts)
                          else ("make_timestamp", ("year", "month", "day", "hour", "min", "sec")))
            given = [e.args.get(k) for k in keys]
            extra = [e.args[k] for k in ("nano", "milli", "zone") if e.args.get(k) is not None]
            if None in given or extra:  # make_timestamp(2014, 12, 28, 6, 30): no such function
                shown = ", ".join(_literal_type(x) for x in given + extra if x is not None)
                raise SqlError("42883", f"function {name}({shown}) does not exist")
            return fn(name, *given)
        if type(e) in VARIANCES:  # over float8 (numeric_rewrite took the exact ones)
            return fn("pg_float_var", _str(VARIANCES[type(e)]), e.this)
        at = e.meta.get("interval_at")
        if at == 2:
            return fn("pg_interval_add", e.this, e.expression,
                      exp.Literal.number(-1 if isinstance(e, exp.Sub) else 1))
        if isinstance(e, (exp.Add, exp.Sub)) and (at == 1 or (at is None and _is_interval(e.expression))):
            sign = exp.Literal.number(-1 if isinstance(e, exp.Sub) else 1)
            return fn("pg_ts_add", e.this, e.expression, sign)
        if isinstance(e, exp.Add) and (at == 0 or (at is None and _is_interval(e.this))):
            return fn("pg_ts_add", e.expression, e.this, exp.Literal.number(1))
        if isinstance(e, exp.TimeToStr):
            fmt = e.args.get("format")
            if isinstance(fmt, exp.Literal):  # sqlglot's strftime form of the pattern: back
                fmt = _str(format_time(fmt.this, Postgres.INVERSE_TIME_MAPPING,
                                       Postgres.INVERSE_TIME_TRIE) or "")
            return fn("to_char", e.this, fmt)
        if isinstance(e, exp.Uuid):
            return fn("gen_random_uuid")
        if isinstance(e, exp.IntDiv):  # div(a, b): the quotient truncated, exactly
            return fn("pg_num_div_trunc", e.this, e.expression)
        if isinstance(e, exp.ToNumber) and e.args.get("format") is not None:
            return fn("pg_to_number", e.this, e.args["format"])
        if isinstance(e, exp.Div):
            d = e.expression
            if isinstance(d, exp.Literal) and not d.is_string and float(d.this) != 0:
                return e  # SQLite divides like PostgreSQL; only a zero divisor differs
            return fn("pg_div", e.this, e.expression)
        if isinstance(e, exp.Mod):
            return fn("pg_mod", e.this, e.expression)
        if isinstance(e, exp.ArrayContainsAll):
            name = "pg_array_contains" if e.meta.get("arrays") else "pg_json_contains"
            return fn(name, e.this, e.expression)
        if isinstance(e, exp.ArrayContainedBy):
            name = "pg_array_contains" if e.meta.get("arrays") else "pg_json_contains"
            return fn(name, e.expression, e.this)
        if isinstance(e, exp.ArrayOverlaps):
            return fn("pg_array_overlaps", e.this, e.expression)
        if isinstance(e, (exp.Like, exp.ILike)) and isinstance(e.expression, (exp.Any, exp.All)):
            q = e.expression
            return fn("pg_like_any", e.this, _unparen(q.this), exp.Literal.number(
                isinstance(q, exp.All)), exp.Literal.number(isinstance(e, exp.ILike)),
                exp.Literal.number(bool(e.args.get("negate"))))
        if type(e) in _JSON_OPERATORS:
            return self._json_operator(e)
        if e.meta.get("json_kinds") is not None or e.meta.get("jsonb_op"):
            return _json_rule(e)
        if (
            isinstance(e, _COMPARISONS)
            and not isinstance(e.parent, (exp.Update, exp.OnConflict))  # SET col = ...
            and (_is_json(e.this) or _is_json(e.expression) or e.meta.get("jsonb_cmp"))
        ):
            # jsonb compares by value (numbers as numbers, objects by size...), not as text.
            return type(e)(
                this=fn("pg_jsonb_cmp", e.this, e.expression), expression=exp.Literal.number(0)
            )
        if isinstance(e, exp.In) and _is_json(e.this) and e.expressions:
            # jsonb IN (...): every item as canonical JSON text (a jsonb parameter arrives
            # decoded, '"blue"' as blue).
            e.set("expressions", [x if _is_json(x) else fn("pg_jsonb", x) for x in e.expressions])
        if isinstance(e, exp.Anonymous):
            return self._anonymous(e)
        if isinstance(e, exp.LogicalAnd):
            return exp.Min(this=e.this)
        if isinstance(e, exp.LogicalOr):
            return exp.Max(this=e.this)
        return e

    def _anonymous(self, e: exp.Anonymous) -> exp.Expression:
        name = str(e.this).lower()
        if name in _NAMED_PARAMS and any(isinstance(a, exp.Kwarg) for a in e.expressions):
            e.set("expressions", _positional(name, e.expressions))
        if name == "row_to_json" and e.expressions:
            row = e.expressions[0]
            if isinstance(row, exp.Anonymous) and str(row.this).lower() == "row":
                # ROW(a, b) as a record: its fields are f1, f2 ...
                pretty = e.expressions[1] if len(e.expressions) > 1 else exp.false()
                return fn("pg_row_to_json", fn("json_array", *row.expressions), pretty)
        if name in ("now", "transaction_timestamp", "statement_timestamp"):
            return fn("pg_now")
        if name == "clock_timestamp":
            return fn("pg_clock")
        if name == "date_part" and len(e.expressions) == 2:
            return fn("pg_extract", *e.expressions)
        if name == "unnest":
            return exp.Explode(this=e.expressions[0])
        if name == "timezone" and len(e.expressions) == 2:
            return fn("pg_at_time_zone", e.expressions[1], e.expressions[0])
        if name in ("array_agg",) and len(e.expressions) == 1:
            return _array_agg(e, e.expressions[0])
        e.set("this", name)
        return e

    def _json_operator(self, e: exp.Expression) -> exp.Expression:
        name = _JSON_OPERATORS[type(e)]
        key = e.expression
        if isinstance(key, exp.JSONPath):
            # A literal key sqlglot turned into a path: back to a key, or to a path of keys.
            parts = [
                exp.Literal.number(p.this)
                if isinstance(p, exp.JSONPathSubscript)
                else exp.Literal.string(str(p.this))
                for p in key.expressions
                if not isinstance(p, exp.JSONPathRoot)
            ]
            if len(parts) == 1:
                key = parts[0]
            else:
                key = fn("json_array", *parts)
                name = {"pg_json_get": "pg_json_path"}.get(name, "pg_json_path_text")
        if e.meta.get("json_text") and name in _JSON_TEXT_OPERATORS:
            name = _JSON_TEXT_OPERATORS[name]  # json keeps its text: slices of it
        return fn(name, e.this, key)

    def _whole_rows(self, tree: exp.Expression) -> None:
        """``row_to_json(q)``, ``json_agg(q)``, ``array_agg(q)`` of a FROM item ``q``: the
        row as a JSON object (``pg_record_json``), its members typed by their columns."""
        for col in list(tree.find_all(exp.Column)):
            if col.table or not isinstance(col.this, exp.Identifier):
                continue
            parent = col.parent
            call = parent
            if isinstance(call, exp.Order):
                call = call.parent
            if not (_json_builder_name(call) or isinstance(call, exp.ArrayAgg) or (
                    isinstance(call, exp.Anonymous) and str(call.this).lower() == "row_to_json")):
                continue
            row = self._row_of(col)
            if row is None:
                continue
            names, kinds = row
            alias = col.name
            pretty: exp.Expression = exp.false()
            if isinstance(call, exp.Anonymous) and str(call.this).lower() == "row_to_json":
                if len(call.expressions) > 1:
                    pretty = call.expressions[1]
                target = call
            else:
                target = col
            target.replace(fn(
                "pg_record_json", pretty, _str(json.dumps(names)), _str(json.dumps(kinds)),
                *[exp.column(n, alias, quoted=True) for n in names]))

    def _row_of(self, col: exp.Column) -> tuple[list[str], list[str]] | None:
        """(column names, kinds) of the FROM item a bare column names, if it names one."""
        sel = _owner_select(col)
        if sel is None:
            return None
        name = col.name.lower()
        sources = []
        frm = sel.args.get("from_")
        if frm is not None:
            sources.append(frm.this)
        sources.extend(j.this for j in sel.args.get("joins") or [])
        found: tuple[list[str], list[str]] | None = None
        for src in sources:
            alias = src.alias_or_name.lower()
            if isinstance(src, exp.Table) and isinstance(src.this, exp.Identifier):
                cols = self.catalog.table_columns(src.name)
                if cols is None:
                    return None  # not a table this engine knows: leave the name alone
                names = [c.name for c in cols]
                # a text column holds text (SQLite's affinity); one without it its value
                kinds = [_kind_of(c.type_oid).replace("s", "?") for c in cols]
            elif isinstance(src, exp.Subquery):
                typed = infer_select(src.this, self.catalog, self.numeric.inferer)
                if not typed:
                    return None
                names = [n for n, _ in typed]
                kinds = [_kind_of(t[0] if t else None) for _, t in typed]
            else:
                return None
            if any(n.lower() == name for n in names):
                return None  # a column of that name comes first, as in PostgreSQL
            if alias == name:
                found = (names, kinds)
        return found

    def _jsonb_casts(self, tree: exp.Expression) -> None:
        """``jsonb::int`` / ``::numeric`` / ``::float8`` / ``::bool``: the JSON number (or
        boolean) itself, 22023 for any other JSON type; to an integer it rounds as numeric
        does."""
        casts = [c for c in tree.find_all(exp.Cast)
                 if datatype_ref(c.to)[0] in _JSONB_CASTS and self._oid(c.this) == _JSONB]
        for c in casts:
            oid = datatype_ref(c.to)[0]
            value = fn("pg_jsonb_scalar", c.this.copy(), _str(_JSONB_CASTS[oid]))
            if oid in types.INTEGER_OIDS:
                value = exp.Cast(this=value, to=exp.DataType.build("numeric"))
            c.set("this", value)

    def _jsonb_assignments(self, tree: exp.Expression) -> None:
        """``UPDATE t SET j['a'][0] = v``: ``j = pg_jsonb_assign(j, v, 'a', 0)``."""
        if not isinstance(tree, exp.Update):
            return
        for eq in tree.expressions:
            if not isinstance(eq, exp.EQ) or not isinstance(eq.this, exp.Bracket):
                continue
            chain = []
            base = eq.this
            while isinstance(base, exp.Bracket):
                chain.append(base)
                base = base.this
            if not isinstance(base, exp.Column) or self._oid(base) != _JSONB:
                continue
            keys = [k for b in reversed(chain) for k in _jsonb_keys(b)]
            value = exp.Cast(this=eq.expression, to=exp.DataType.build("jsonb"))
            eq.set("expression", fn("pg_jsonb_assign", base.copy(), value, *keys))
            eq.set("this", base.copy())

    def _json_types(self, tree: exp.Expression) -> None:
        """Before the rewrite: note on each json-related node what it needs of its operands'
        types (jsonb ``||`` and ``-``, json's own operators, builders' argument kinds)."""
        for e in tree.walk():
            if isinstance(e, exp.DPipe):
                # jsonb || jsonb (or an untyped literal); jsonb || text is text's ||
                a, b = self._json_operand(e.this), self._json_operand(e.expression)
                if _JSONB in (a, b) and a in (_JSONB, None) and b in (_JSONB, None):
                    e.meta["jsonb_op"] = "pg_jsonb_concat"
            elif isinstance(e, exp.Sub):
                if self._oid(e.this) == _JSONB:
                    right = types.BY_OID.get(self._oid(e.expression) or 0)
                    array = right is not None and right.category == "A"
                    e.meta["jsonb_op"] = "pg_jsonb_minus_keys" if array else "pg_jsonb_minus"
            elif isinstance(e, _COMPARISONS) and not isinstance(e.parent, exp.Update):
                if _JSONB in (self._oid(e.this), self._oid(e.expression)):
                    e.meta["jsonb_cmp"] = True
            elif isinstance(e, exp.JSONBDeleteAtPath):
                e.meta["jsonb_op"] = "pg_jsonb_delete_path"
            elif isinstance(e, exp.MatchAgainst) and len(e.expressions) == 1:
                e.meta["jsonb_op"] = self._match_op(e)  # @@
            elif isinstance(e, exp.JSONBPathExists):
                e.meta["jsonb_op"] = "pg_jsonb_path_exists"  # @?
            elif type(e) in _JSON_OPERATORS:
                if self._oid(e.this) == 114:
                    e.meta["json_text"] = True
            elif isinstance(e, exp.Bracket):
                base = e.this
                while isinstance(base, exp.Bracket):
                    base = base.this
                if self._oid(base) == _JSONB:
                    e.meta["jsonb"] = True
            else:
                if isinstance(e, exp.Anonymous):
                    self._text_search_json(e)
                name = _json_builder_name(e)
                if name is not None:
                    args = [a.this if isinstance(a, (exp.Order, exp.Variadic)) else a
                            for a in _json_args(e)]
                    e.meta["json_kinds"] = (name, [self._json_kind(a) for a in args])

    def _json_operand(self, e: exp.Expression) -> int | None:
        """jsonb, None for an untyped literal, else the operand's type."""
        if (isinstance(e, exp.Literal) and e.is_string) or (
                isinstance(e, exp.Parameter) and self.lit_kinds.get(int(e.name)) == "s"):
            return None
        return self._oid(e) or 0

    def _match_op(self, e: exp.MatchAgainst) -> str:
        """``@@``: jsonb's path match, or text search by its operands' types (tsvector @@
        tsquery, tsquery @@ tsvector, text @@ tsquery, text @@ text)."""
        left, right = self._oid(e.expressions[0]), self._oid(e.this)
        texts = (25, 1043, 1042)
        if left == _JSONB:
            return "pg_jsonb_path_match"
        if left == 3615 and right == 3614:
            return "pg_ts_match_swapped"
        if left in texts:
            return "pg_ts_match_texts" if right in texts else "pg_ts_match_text"
        if 3614 in (left, right) or 3615 in (left, right):
            return "pg_ts_match"
        return "pg_jsonb_path_match"

    def _text_search_json(self, e: exp.Anonymous) -> None:
        """to_tsvector / ts_headline of a json(b) document call their json forms; length of a
        tsvector counts lexemes."""
        name = str(e.this).lower()
        if name == "length" and len(e.expressions) == 1 and self._oid(e.expressions[0]) == 3614:
            e.set("this", "pg_tsvector_length")  # its number of lexemes
        if name not in ("to_tsvector", "ts_headline"):
            return
        kinds = {self._oid(a) for a in e.expressions[:2]}
        if name == "to_tsvector" and kinds & {114, _JSONB}:
            e.set("this", "pg_json_to_tsvector")
        elif name == "ts_headline" and kinds & {114, _JSONB}:
            e.set("this", "pg_jsonb_headline" if _JSONB in kinds else "pg_json_headline")

    def _oid(self, e: exp.Expression) -> int | None:
        t = self.numeric._type(e)
        return t[0] if t is not None else None

    def _json_kind(self, e: exp.Expression) -> str:
        if isinstance(e, exp.ArrayAgg):
            # array_agg(x): x's kind (its default type, text[], would make numbers strings)
            inner = e.this.this if isinstance(e.this, exp.Order) else e.this
            return "a" + _kind_of(self._oid(inner))
        if isinstance(e, exp.Array) and len(e.expressions) == 1 and isinstance(
                e.expressions[0], (exp.Select, exp.Subquery)):
            cols = infer_select(e.expressions[0], self.catalog, self.numeric.inferer)
            return "a" + _kind_of(cols[0][1][0] if cols and cols[0][1] else None)
        return _kind_of(self._oid(e))

    def _table(self, e: exp.Table) -> exp.Expression:
        if e.args.get("only"):
            e.set("only", None)  # FROM ONLY t: INHERITS here copies columns, never rows
        if isinstance(e.this, (exp.ExplodingGenerateSeries, exp.GenerateSeries)):
            return self._generate_series(e)
        if isinstance(e.this, exp.Anonymous) and str(e.this.this).lower() in ("unnest",):
            return self._unnest_table(e, e.this.expressions[0])
        if isinstance(e.this, exp.Explode):
            return self._unnest_table(e, e.this.this)
        if (isinstance(e.this, exp.Anonymous) and str(e.this.this).lower() in TABLE_FUNCTIONS
                and not e.this.meta.get("sqlite")):
            join = e.parent
            if (isinstance(join, exp.Join) and not join.args.get("kind")
                    and not join.args.get("side") and e.this.find(exp.Column) is not None):
                join.set("kind", "CROSS")  # reads a column of an earlier table: after it
            return _json_table(e)
        if isinstance(e.this, exp.Dot) and isinstance(e.this.expression, exp.Explode):
            return self._unnest_table(e, e.this.expression.this)
        db = e.db.lower()
        name = e.name.lower()
        if db == "information_schema":
            e.set("this", exp.to_identifier("_is_" + name))
            e.set("db", None)
            self.touches_catalog = True
        elif is_temp_schema(db):  # the session's temp relations only (temp.py)
            e.set("db", exp.to_identifier("temp"))
        elif not db and name in getattr(self.catalog, "shadowed", ()) \
                and not self.catalog.temp_first:  # type: ignore[attr-defined]
            e.set("db", exp.to_identifier("main"))  # search_path puts pg_temp last (temp.py)
        elif db in ("pg_catalog", "public", ""):
            if db:
                # public.x is the permanent x even where a temp x hides it
                e.set("db", exp.to_identifier("main") if db == "public"
                      and name in getattr(self.catalog, "temp_names", ()) else None)
            if name in CATALOG_TABLES and (
                db == "pg_catalog" or self.catalog.table_columns(name) is None
            ):
                self.touches_catalog = True
                from aurora.engine.sql.pgcatalog import EMPTY_CATALOGS

                if name in EMPTY_CATALOGS:
                    self.empty_catalogs.add(name)
        elif db:
            call = extensions.table_call(self.catalog.conn, e)
            if call is not None:
                return call
            if schemas.exists(self.catalog.conn, e.db):
                # A named schema is a catalog entry with no relations (see schemas.py).
                raise SqlError("42P01", f'relation "{e.db}.{e.name}" does not exist')
            raise SqlError("3F000", f'schema "{e.db}" does not exist')
        if e.args.get("catalog") is not None:
            e.set("catalog", None)
        return e

    def _scalars_in_from(self, tree: exp.Expression) -> None:
        """A scalar function as a FROM item (``FROM repeat('x', 3) s``) that reads no other
        FROM item: a one-row table (before the rewrite, while the call is as written)."""
        for t in list(tree.find_all(exp.Table)):
            if isinstance(t.this, exp.Func) and self._scalar_in_from(t.this):
                t.replace(_scalar_table(t))

    def _scalar_in_from(self, f: exp.Func) -> bool:
        if isinstance(f, (exp.AggFunc, exp.UDTF, exp.GenerateSeries, exp.ExplodingGenerateSeries,
                          exp.Case, exp.If)) or f.find(exp.Column) is not None:
            return False
        t = self.numeric._type(f)
        if t is None or t[0] not in (25, 1043, 19, 20, 21, 23):
            return False  # the column's type is only inferred for text and integers here
        if not isinstance(f, exp.Anonymous):
            return True
        name = str(f.this).lower()
        if name.startswith("pg_") or name in TABLE_FUNCTIONS:
            return False
        scalars = self.catalog.__dict__.get("_scalar_functions")
        if scalars is None:
            scalars = {r[0].lower() for r in self.catalog.conn.execute(
                "SELECT name FROM pragma_function_list WHERE type = 's'")}
            self.catalog.__dict__["_scalar_functions"] = scalars
        return name in scalars

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
        # pg_series_start runs PostgreSQL's checks (22023 for a zero, NaN or infinite step
        # or bound); integers step in SQLite, numeric and timestamps in pg_series_next
        # (functions.py). The row after the last is NULL and ends the recursion.
        lo, hi, by = generate(start), generate(end), generate(step)
        nxt = (
            f"CASE WHEN typeof(v) = 'integer' AND typeof({by}) = 'integer' "
            f"AND typeof({hi}) = 'integer' THEN CASE WHEN ({by}) > 0 AND v + ({by}) <= ({hi}) "
            f"OR ({by}) < 0 AND v + ({by}) >= ({hi}) THEN v + ({by}) END "
            f"ELSE pg_series_next(v, {hi}, {by}) END"
        )
        sql = (
            f"(WITH RECURSIVE {cte}(v) AS (SELECT pg_series_start({lo}, {hi}, {by}) UNION ALL "
            f"SELECT {nxt} FROM {cte} WHERE v IS NOT NULL) "
            f'SELECT v AS "{cname}" FROM {cte} WHERE v IS NOT NULL) AS "{tname}"'
        )
        return exp.Table(this=Raw(this=sql))

    def _unnest_table(self, e: exp.Expression, *arrays: exp.Expression) -> exp.Expression:
        """``unnest(a [, b ...]) [WITH ORDINALITY] [AS t(x, y, n)]`` as a subquery over
        json_each: several arrays are zipped by index, the longest one driving (PostgreSQL
        pads the shorter ones with NULLs). An array cast to ``numeric[]``, ``jsonb[]``...
        (Django's bulk_create) gives its elements that type's storage form."""
        alias = e.args.get("alias")
        tname = alias.name if alias is not None and alias.name else "unnest"
        cols = [c.name for c in alias.columns] if alias is not None else []
        elem_oids = e.meta.get("unnest_types") or [None] * len(arrays)
        offset = e.args.get("offset")
        ordinality = None
        if offset:
            ordinality = offset.name if isinstance(offset, exp.Expression) else "ordinality"
            if len(cols) > len(arrays):
                ordinality = cols[len(arrays)]
        if len(arrays) == 1:
            names = [cols[0] if cols else tname]
            driver, values = _zipped([_array_sql(arrays[0])], "_i")
            source = f"json_each({driver}) AS _i"
        else:
            names = [cols[i] if i < len(cols) else "unnest" for i in range(len(arrays))]
            driver, values = _zipped([f"_u.a{i}" for i in range(len(arrays))], "_i")
            arrays_sql = ", ".join(f"{_array_sql(a)} AS a{i}" for i, a in enumerate(arrays))
            source = f"(SELECT {arrays_sql}) AS _u, json_each({driver}) AS _i"
        outs = [
            f'{_element_sql(self, v, elem_oids[i] if i < len(elem_oids) else None)} AS "{n}"'
            for i, (v, n) in enumerate(zip(values, names, strict=True))
        ]
        if ordinality is not None:
            outs.append(f'_i.key + 1 AS "{ordinality}"')
        sql = f'(SELECT {", ".join(outs)} FROM {source}) AS "{tname}"'
        return exp.Table(this=Raw(this=sql))

    def _values_types(self, rows: list[list[exp.Expression]], count: int) -> None:
        """VALUES ('0'::numeric), ('inf') (or the arms of a UNION): a column's quoted literals
        take the type another row casts to, as PostgreSQL resolves the column's type before
        reading them."""
        if not rows or len(rows) != count:
            return
        for i in range(min(len(r) for r in rows)):
            to = next((r[i].to for r in rows if isinstance(r[i], exp.Cast)), None)
            if to is None:
                continue
            for r in rows:
                v = r[i]
                if (isinstance(v, exp.Literal) and v.is_string) or (
                        isinstance(v, exp.Parameter) and self.lit_kinds.get(int(v.name)) == "s"):
                    v.replace(exp.Cast(this=v.copy(), to=to.copy()))

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
            if isinstance(e.parent, exp.Anonymous) and str(e.parent.this).lower() in (
                "nextval", "currval", "setval"
            ):
                return v  # nextval('s'::regclass): the sequence by its name
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
            if v.unnest().meta.get("bits") is not None:
                return _bits_to_int(v.unnest().meta["bits"], oid)
            bits = _INT_BITS.get(oid)
            if isinstance(v, exp.Literal) and not v.is_string and (not v.is_int or bits is None
                                                                   or int(v.this) < 2 ** (bits - 1)):
                # (a constant past the type's range, 2147483648::int4, is 22003 in pg_int)
                return v
            if isinstance(v, exp.Anonymous) and str(v.this) == "pg_regclass_name":
                return fn("pg_regclass", *v.expressions)  # 'name'::regclass::oid
            if isinstance(e.parent, (exp.Cast, exp.WindowSpec)):
                return v  # SQLite refuses a function call as a frame offset
            return fn("pg_int", v, exp.Literal.number(bits)) if bits else fn("pg_int", v)
        if oid == types.BOOL:
            return fn("pg_bool", v)
        if oid == 17:
            return fn("pg_bytea", v)
        if oid == types.NUMERIC:
            return cast_call(v, typmod)
        if oid in (700, 701):
            return fn("pg_float4" if oid == 700 else "pg_float", v)
        if oid in (1184, 1114):
            return _timestamp_call(oid, v, typmod, self._is_text(v))
        if oid == 1082:
            return fn("pg_date", v)
        if oid == 1083:
            return fn("pg_time_in" if self._is_text(v) and not self.mysql_rules else "pg_time", v,
                      exp.Literal.number(typmod))
        if oid == 1266 and self._is_text(v):
            return fn("pg_timetz_in", v, exp.Literal.number(typmod))
        if oid in (114, 3802):
            if (isinstance(v, exp.Literal) and v.is_string) or (
                    isinstance(v, exp.Parameter) and self.lit_kinds.get(int(v.name)) == "s"):
                # a string literal of the statement (not a client's decoded jsonb parameter):
                # PostgreSQL's json input, json keeping its text, jsonb its canonical form
                return fn("pg_json_in" if oid == 114 else "pg_jsonb_in", v)
            if isinstance(v, exp.Parameter):
                return fn("pg_jsonb", v)  # a client's jsonb parameter may arrive decoded
            return fn("pg_json_in" if oid == 114 else "pg_jsonb_in", v)
        if oid == 2950:
            return fn("pg_uuid", v)
        if oid in (3614, 3615):
            return fn("pg_tsvector_in" if oid == 3614 else "pg_tsquery_in", v)
        if oid == 1186:
            return _interval_call(v, typmod)
        if oid == 18:
            return fn("pg_char1", v)
        width = bit_width(e.to)
        if width is not None:
            n, varying = width
            bits = v.unnest().meta.get("bits")
            if bits is not None:
                if n < 0:
                    return _bits_literal(bits)
                return _bits_literal(bits[:n] if varying else bits[:n].ljust(n, "0"))
            return fn("pg_bit_cast", v, exp.Literal.number(n), exp.Literal.number(int(varying)))
        if oid in (25, 1043, 1042, 19):
            if isinstance(v, exp.Literal) and v.is_string:
                return v
            if e.meta.get("from_bool"):  # boolean to text is 'true' / 'false' (boolout is t/f)
                return _bool_text(v)
            return fn("pg_text", v)
        t = types.BY_OID.get(oid)
        if t is not None and t.category == "A":
            return fn("pg_array_in", v, exp.Literal.number(t.elem_oid))
        return v

    def _any(self, e: exp.Binary) -> exp.Expression:
        q = e.expression
        inner = q.this
        while isinstance(inner, exp.Paren):
            inner = inner.this
        negate = isinstance(e, exp.NEQ)  # (<> ALL: NOT IN)
        if isinstance(inner, exp.Subquery):
            inner = _unparen(inner.this)
        if isinstance(inner, (exp.Select, exp.SetOperation)):
            # = ANY (subquery) is IN (subquery), with its rules for NULLs
            node: exp.Expression = exp.In(this=e.this, query=exp.Subquery(this=inner))
        elif isinstance(inner, exp.Anonymous) and str(inner.this) == "json_array":
            node = exp.In(this=e.this, expressions=list(inner.expressions))
        else:
            if isinstance(inner, exp.Cast):
                inner = inner.this
            src = inner
            sub = exp.select("value").from_(
                exp.Table(this=Raw(this=f"json_each({generate(fn('pg_array_in', src))})"))
            )
            node = exp.In(this=e.this, query=exp.Subquery(this=sub))
            if not isinstance(src, (exp.Literal, exp.Array)):  # x = ANY (NULL) is NULL
                node = exp.Case(ifs=[exp.If(this=exp.Is(this=src.copy(), expression=exp.Null()),
                                            true=exp.Null())], default=node)
        return exp.Not(this=node) if negate else node

    def _array(self, e: exp.Array) -> exp.Expression:
        if not e.expressions:
            outer = e.parent
            while isinstance(outer, (exp.Array, exp.Paren)):
                outer = outer.parent
            if not isinstance(outer, exp.Cast):
                raise SqlError("42P18", "cannot determine type of empty array",
                               hint="Explicitly cast to the desired type, for example "
                                    "ARRAY[]::integer[].")
        if len(e.expressions) == 1 and isinstance(e.expressions[0], (exp.Select, exp.Subquery)):
            sel = e.expressions[0]
            if isinstance(sel, exp.Subquery):
                sel = sel.this
            return _array_subquery(sel, bool(e.meta.get("array_rows")))
        nested = e.meta.get("array_elements", ())
        return fn("json_array", *(fn("json", x) if i in nested else x
                                  for i, x in enumerate(e.expressions)))

    def _check_subscripted(self, tree: exp.Expression) -> None:
        """A value assigned to ``a[i]`` / ``a[lo:hi]`` of a type PostgreSQL would not cast to
        the element (a timestamp into integer[]): 42804, as PostgreSQL answers."""
        pairs: list[tuple[str, bool, exp.Expression]] = []  # (column, sliced, value)
        if isinstance(tree, exp.Update):
            for eq in tree.expressions:
                if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Bracket):
                    target: exp.Expression = eq.this
                    sliced = False
                    while isinstance(target, exp.Bracket):
                        sliced = sliced or isinstance(target.expressions[0], exp.Slice)
                        target = target.this
                    pairs.append((target.name, sliced, eq.expression))
            table = tree.this.name
        elif isinstance(tree, exp.Insert) and tree.meta.get("insert_subscripts"):
            if not isinstance(tree.this, exp.Schema) or not isinstance(tree.expression, exp.Values):
                return
            table = tree.this.this.name
            cols = [c.name for c in tree.this.expressions]
            for i, subs in tree.meta["insert_subscripts"].items():
                sliced = any(hi is not None for _, hi in subs)
                for row in tree.expression.expressions:
                    if i < len(row.expressions) and i < len(cols):
                        pairs.append((cols[i], sliced, row.expressions[i]))
        else:
            return
        for col, sliced, value in pairs:
            info = self.catalog.column(table, col)
            elem = _array_elem(info.type_oid) if info is not None else None
            t = self.numeric._type(value)
            if elem is None or t is None:
                continue
            want, got = types.BY_OID.get(elem), types.BY_OID.get(t[0])
            if want is None or got is None or {want.category, got.category} != {"N", "D"}:
                continue
            need = types.format_type(info.type_oid if sliced else elem, -1)  # type: ignore[union-attr]
            raise SqlError("42804", f'subscripted assignment to "{col}" requires type {need} but '
                           f"expression is of type {types.format_type(t[0], -1)}")

    def _datetime_literals(self, e: exp.Expression, typed: tuple) -> None:
        """A date / timestamp / time compared with a string literal: the literal through that
        type's input (its stored form), so that 'Jan 2 1997' or 'now' compares as the value."""
        t = typed[0] if typed else None
        if (t is None or t[0] not in _DATETIME_INPUT) and not isinstance(e, exp.Between) \
                and len(typed) == 2:
            t = typed[1]  # 'literal' op column
            others = [e.this]
        else:
            others = ([e.args["low"], e.args["high"]] if isinstance(e, exp.Between)
                      else [e.expression])
        if t is None or t[0] not in _DATETIME_INPUT:
            return
        for x in others:
            if self._is_text(x):
                x.replace(fn(_DATETIME_INPUT[t[0]], x.copy(), *(
                    [exp.Literal.number(-1)] if t[0] == 1083 else [])))

    def _datetime_argument(self, e: exp.Expression) -> None:
        """EXTRACT / date_part / date_trunc of a constant that is no date or time: a string
        literal could be several of them (42725 not unique), a number or a cast to another
        type none (42883). Only constants and casts are judged, whose type is sure."""
        value = e.expression if isinstance(e, exp.Extract) else e.this
        value = value.unnest() if value is not None else None
        if isinstance(e, exp.Extract):
            name = "pg_catalog.extract" if is_extract(e) else "date_part"
        else:
            name = "date_trunc"
        if self._is_text(value) or isinstance(value, exp.Null):
            raise SqlError("42725", f"function {name}(unknown, unknown) is not unique")
        number = isinstance(value, exp.Parameter) and self.lit_kinds.get(int(value.name)) in (
            "i", "l", "n")
        if (isinstance(value, exp.Cast) and isinstance(value.to, exp.DataType)) or number or (
                isinstance(value, exp.Literal) and not value.is_string):
            t = self.numeric._type(value)
        else:
            return
        if t is None or t[0] in (1082, 1083, 1114, 1184, 1186, 1266, 705):
            return
        raise SqlError("42883", f"function {name}(unknown, {types.format_type(t[0], -1)}) "
                                "does not exist")

    def _int_argument(self, e: exp.Expression) -> None:
        """left / right / split_part / repeat / lpad / rpad take their count as an integer:
        an argument of another known type (numeric, boolean, an array, text) has no function
        to call (42883), as no implicit cast leads there."""
        name, keys = _INT_ARGUMENTS[type(e)]
        if isinstance(e, exp.Pad):
            name = "lpad" if e.args.get("is_left") else "rpad"
        arg = e.args.get(keys[-1])
        if arg is None or isinstance(arg, exp.Null) or self._is_text(arg):
            return
        t = self.numeric._type(arg)
        if t is None or t[0] in (types.INT2, types.INT4, 705):
            return  # (bigint has no implicit cast to integer either)
        names = []
        for k in keys:
            x = e.args.get(k)
            if x is None:
                continue
            if isinstance(x, exp.Null) or self._is_text(x):
                names.append("unknown")
                continue
            xt = self.numeric._type(x)
            if xt is None:
                return  # a type not known: left for the call to judge
            names.append(types.format_type(xt[0], -1))
        raise SqlError("42883", f"function {name}({', '.join(names)}) does not exist")

    def _note_interval_operand(self, e: exp.Expression) -> None:
        """Before the rewrite: whether an operand of ``*``, ``/``, unary minus or EXTRACT is
        an interval (its text would otherwise meet SQLite's arithmetic or a timestamp's
        fields)."""
        if isinstance(e, exp.Extract):
            sides = [e.expression]
        elif isinstance(e, exp.Anonymous):  # date_part(unit, value)
            sides = [e.expressions[1]]
        elif isinstance(e, (exp.Neg, exp.Div, *_INTERVAL_AGGREGATES)):
            sides = [e.this]  # a number / an interval is no operator
        else:
            sides = [e.this, e.expression]
        for i, x in enumerate(sides):
            t = self.numeric._type(x)
            if t is not None and t[0] == 1186:
                e.meta["interval_operand"] = i
                return
            if t is not None and t[0] in _EXTRACT_KINDS and isinstance(e, (exp.Extract,
                                                                             exp.Anonymous)):
                e.meta["extract_kind"] = _EXTRACT_KINDS[t[0]]

    def _note_array_elements(self, e: exp.Expression) -> None:
        """Before the rewrite: which elements of ``ARRAY[...]`` (or the argument of array_agg)
        are arrays themselves, to nest them as JSON rather than as text."""
        args = e.expressions if isinstance(e, exp.Array) else [e.this]
        if isinstance(e, exp.Array) and len(args) == 1 and isinstance(args[0], (exp.Select,
                                                                                exp.Subquery)):
            sel = args[0].this if isinstance(args[0], exp.Subquery) else args[0]
            first = sel.expressions[0] if isinstance(sel, exp.Select) and sel.expressions else None
            t = self.numeric._type(first.unalias()) if first is not None else None
            # ARRAY(SELECT an array ...): one dimension more, the rows nested as JSON
            e.meta["array_rows"] = t is not None and _array_elem(t[0]) is not None
            return
        found = set()
        for i, x in enumerate(args):
            if isinstance(x, exp.Order):
                x = x.this
            if isinstance(x, exp.Array):
                continue  # rewritten to json_array, which nests by itself
            t = self.numeric._type(x)
            if t is not None and _array_elem(t[0]) is not None:
                found.add(i)
        e.meta["array_elements"] = found

    # -- rules over whole queries ---------------------------------------------------------

    def _correlated_unnest(self, tree: exp.Expression) -> None:
        """``FROM pg_index i, unnest(i.indkey, i.indoption) WITH ORDINALITY k(key, opt, n)``
        (Django's index introspection): SQLite has no LATERAL, so the unnest becomes a
        json_each join on the driving array, and its columns (named, or in ``*``) become
        expressions of that join's key."""
        for sel in list(tree.find_all(exp.Select)):
            frm = sel.args.get("from_")
            joins = sel.args.get("joins") or []
            sources = ([frm.this] if frm is not None else []) + [j.this for j in joins]
            for u in sources:
                if not isinstance(u, exp.Unnest) or len(sources) < 2:
                    continue
                if not any(a.find(exp.Column) for a in u.expressions):
                    continue  # reads no column: the subquery form serves
                self._inline_unnest(sel, u, sources)

    def _inline_unnest(self, sel: exp.Select, u: exp.Unnest, sources: list) -> None:
        self._srf_n += 1
        key = f"_lu{self._srf_n}"
        alias = u.args.get("alias")
        uname = (alias.name if alias is not None and alias.name else "unnest").lower()
        cols = [c.name for c in alias.columns] if alias is not None else []
        arrays = [_array_sql(self.walk(a.copy())) for a in u.expressions]
        driver, values = _zipped(arrays, key)
        if not cols and alias is not None and alias.name and len(arrays) == 1:
            cols = [alias.name]  # unnest(a) AS tag: its one column is tag, as in PostgreSQL
        names = [cols[i] if i < len(cols) else "unnest" for i in range(len(arrays))]
        exprs = dict(zip((n.lower() for n in names), values, strict=True))
        offset = u.args.get("offset")
        if offset:
            oname = (
                cols[len(arrays)]
                if len(cols) > len(arrays)
                else (offset.name if isinstance(offset, exp.Expression) else "ordinality")
            )
            exprs[oname.lower()] = f"({key}.key + 1)"
        u.replace(exp.Table(this=Raw(this=f"json_each({driver}) AS {key}")))
        for col in list(sel.find_all(exp.Column)):
            name = col.name.lower()
            if name in exprs and (col.table.lower() in ("", uname)) and _owner_select(col) is sel:
                col.replace(Raw(this=exprs[name]))
        own = [exp.alias_(Raw(this=v), n, quoted=True) for n, v in exprs.items()]
        others = [o for o in sources if o is not u]
        every = [  # SELECT *: each source's columns in FROM order
            x for o in sources
            for x in (own if o is u else
                      [exp.Column(this=exp.Star(), table=exp.to_identifier(o.alias_or_name))])]
        fromitems.qualify_shadowed(sel, others, self.catalog.conn)
        out: list[exp.Expression] = []
        for e in sel.expressions:
            if isinstance(e, exp.Star):
                out += every
            elif isinstance(e, exp.Column) and e.is_star and e.table.lower() == uname:
                out += own  # SELECT koi.*
            else:
                out.append(e)
        sel.set("expressions", out)

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
                        # Raw: parsed back, json_extract would meet the jsonb -> rule.
                        x.replace(
                            Raw(
                                this=f"json_extract(pg_array_in({arr_sql}), "
                                f"'$[' || {alias}.key || ']')"
                            )
                        )
                else:
                    x.replace(exp.maybe_parse(f"({alias}.key + 1)", dialect="sqlite"))
            if sel.args.get("from_") is None:
                sel.set("from_", exp.From(this=join_table))
            else:
                sel.append("joins", exp.Join(this=join_table))

    def _surely_int(self, e: exp.Expression) -> bool:
        """Whether every leaf of an operand is typed int2 / int4 / int8 (the inferer takes
        the known side's type where one side of an operator is unknown)."""
        while isinstance(e, exp.Paren):
            e = e.this
        if isinstance(e, (*_INT_OPERATORS, exp.Mod)):
            return all(self._surely_int(x) for x in e.iter_expressions())
        t = self.numeric._type(e)
        return t is not None and t[0] in _INT_BITS

    def _refuse_numbers_as_text(self, e: exp.Expression) -> None:
        """``3 || 4.0`` and ``length(42)``: PostgreSQL has no operator or function for
        numbers there (42883), and does not read them as text."""
        numbers = (20, 21, 23, 700, 701, 1700)
        sides = [e.this, e.expression] if isinstance(e, exp.DPipe) else [e.this]
        found = [self.numeric._type(x) for x in sides]
        if not all(t is not None and t[0] in numbers for t in found):
            return
        names = [types.format_type(t[0], -1) for t in found if t is not None]
        if isinstance(e, exp.DPipe):
            raise SqlError("42883", f"operator does not exist: {names[0]} || {names[1]}")
        raise SqlError("42883", f"function length({names[0]}) does not exist")

    def _float4_pair(self, e: exp.Expression, ts: tuple) -> bool:
        """Both operands real, or real and a quoted value (which PostgreSQL reads as real)."""
        if len(ts) != 2:
            return False
        a, b = (t[0] if t is not None else None for t in ts)
        return (a == b == 700) or (a == 700 and b in (types.TEXT, 705) and self._is_text(
            e.expression)) or (b == 700 and a in (types.TEXT, 705) and self._is_text(e.this))

    def _float4_operands(self, e: exp.Expression, ts: tuple) -> None:
        """real compared with a quoted value: the value is read as a real too (single
        precision), as PostgreSQL resolves the unknown literal to the other side's type."""
        a, b = (t[0] if t is not None else None for t in ts)
        for side, mine, other in (("this", a, b), ("expression", b, a)):
            value = e.args[side]
            if other == 700 and mine in (types.TEXT, 705) and self._is_text(value):
                e.set(side, fn("pg_float4", value))
            elif other == types.FLOAT8 and mine in (types.TEXT, 705) and self._is_text(value) \
                    and not self.mysql_rules:
                e.set(side, fn("pg_float", value))  # 'Infinity' is no number to SQLite
            elif other in _INT_BITS and mine in (types.TEXT, 705) and self._is_text(value):
                # an expression (or a derived table's column) has no affinity to read '4' as 4
                e.set(side, fn("pg_int", value, exp.Literal.number(_INT_BITS[other])))
            elif other == types.BOOL and mine in (types.TEXT, 705) and self._is_text(value):
                e.set(side, fn("pg_bool", value))  # b = 't': the quoted value read as a boolean

    def _numeric_literal(self, e: exp.Expression) -> bool:
        """A number literal of the statement taken out by the normaliser (a parameter)."""
        return isinstance(e, exp.Parameter) and self.lit_kinds.get(int(e.name)) == "n"

    def _is_text(self, e: exp.Expression) -> bool:
        """A string literal of the statement (as written, or taken out by the normaliser)."""
        if isinstance(e, exp.Literal):
            return e.is_string
        return isinstance(e, exp.Parameter) and self.lit_kinds.get(int(e.name)) == "s"

    def _json_srf_in_select(self, tree: exp.Expression) -> None:
        """``SELECT json_each(j) FROM t``, ``(jsonb_each(j)).key``: one json set-returning
        function in a select list becomes a join on its virtual table; a whole row of two
        columns prints as a record, ``(key,value)``."""
        for sel in list(tree.find_all(exp.Select)):
            calls = [
                x for proj in sel.expressions for x in proj.find_all(exp.Anonymous)
                if str(x.this).lower() in TABLE_FUNCTIONS and _owner_select(x) is sel
            ]
            if len(calls) != 1:
                continue
            call = calls[0]
            name = str(call.this).lower()
            cols = TABLE_FUNCTIONS[name][0]
            self._srf_n += 1
            alias = f"_srf{self._srf_n}"
            args = ", ".join(generate(self.walk(a.copy())) for a in call.expressions)
            join_table = exp.Table(this=Raw(this=f"pg_{name}({args}) AS {alias}"))
            outer = call.parent
            if (isinstance(outer, exp.Paren) and isinstance(outer.parent, exp.Dot)
                    and outer.parent.name.lower() in cols):
                outer.parent.replace(exp.column(outer.parent.name.lower(), alias))
            elif len(cols) == 1:
                call.replace(exp.column(cols[0], alias))
            else:
                call.replace(Raw(this=f"pg_record_text({alias}.key, {alias}.value)"))
            if sel.args.get("from_") is None:
                sel.set("from_", exp.From(this=join_table))
            else:
                # CROSS JOIN: SQLite keeps the table first, as the function reads its row
                sel.append("joins", exp.Join(this=join_table, kind="CROSS"))

    def _coerce_writes(self, tree: exp.Expression) -> None:
        """Values written to NUMERIC / BOOLEAN / JSON columns pass through their input function,
        so a ``'19.90'`` string or ``'t'`` lands in the storage form that compares correctly."""
        targets: list[tuple[exp.Expression, str, str]] = []
        if isinstance(tree, exp.Insert) and isinstance(tree.this, (exp.Schema, exp.Table)):
            table, cols = self._insert_columns(tree)
            values = tree.expression
            if isinstance(values, exp.Values):
                for row in values.expressions:
                    for i, v in enumerate(row.expressions):
                        if i < len(cols):
                            targets.append((v, table, cols[i]))
            elif isinstance(values, exp.Select):
                # INSERT ... SELECT: only numeric (whose computed, scaled form is not stored) and
                # integer columns (a fraction is rounded)
                for i, v in enumerate(values.expressions[: len(cols)]):
                    if isinstance(v, exp.Star) or (isinstance(v, exp.Column) and isinstance(v.this, exp.Star)):
                        break  # (t.* stands for several columns: the later ones are not at i)
                    info = self.catalog.column(table, cols[i])
                    numeric = info is not None and (info.type_oid == types.NUMERIC
                                                    or info.type_oid in _INT_BITS)
                    if numeric:
                        targets.append((v.this if isinstance(v, exp.Alias) else v, table, cols[i]))
            conflict = tree.args.get("conflict")
            if conflict is not None:
                for eq in conflict.expressions or []:
                    targets += _assigned(eq, table)
        elif isinstance(tree, exp.Update):
            table = tree.this.name
            for eq in tree.expressions:
                targets += _assigned(eq, table)
        for value, table, col in targets:
            info = self.catalog.column(table, col)
            if info is None or isinstance(value, exp.Null):
                continue
            if info.type_oid == types.NUMERIC:
                value.replace(write_call(value.copy(), info.typmod))
                continue
            if info.type_oid in _INT_BITS:
                # (MySQL also rounds a number in a string, '3.7' is 4: 22P02 in PostgreSQL)
                mysql_col = col if self.mysql_rules else None
                bits = _INT_BITS[info.type_oid]
                if self._is_text(value):
                    if mysql_col is not None:
                        value.replace(fn("pg_int_write", value.copy(), exp.Literal.number(bits),
                                         _str(col)))
                    else:
                        # int4in's syntax: SQLite's INTEGER affinity took '1e3' as 1000, '1.0' as 1
                        value.replace(fn("pg_int", value.copy(), exp.Literal.number(bits)))
                elif (rounded := _int_write(value, bits, mysql_col, self._numeric_literal(value))) is not None:
                    value.replace(rounded)
                continue
            if info.type_oid == 1042:
                # character(n): trailing spaces are padding, stored without them (it reads
                # back padded; concatenated or cast to text, without, as PostgreSQL's does)
                cut = _cut_spaces(value.copy(), info.typmod - 4) if info.typmod > 4 else value.copy()
                value.replace(fn("rtrim", cut, _str(" ")))
                continue
            if info.type_oid == 1043 and info.typmod > 4:
                value.replace(_cut_spaces(value.copy(), info.typmod - 4))
                continue
            elem = _array_elem(info.type_oid)
            if elem is not None:
                if not (isinstance(value, exp.Anonymous) and str(value.this) == "pg_array_in"):
                    sized = [exp.Literal.number(info.typmod)] if info.typmod > 4 else []
                    value.replace(fn("pg_array_in", value.copy(), exp.Literal.number(elem),
                                     *sized))
                continue
            if info.type_oid in (1114, 1184, 1082):
                text = self._is_text(value)
                written = value.copy()
                if self.mysql_rules and not text and (not isinstance(value, exp.Anonymous)
                                                      or str(value.this).lower() == "pg_float"):
                    # MySQL reads a number as YYYYMMDD[hhmmss] (or YYMMDD...): 20240301
                    written = fn("mysql_number_datetime", written, _str(col))
                    text = True
                value.replace(datetime_write(written, info.type_oid, info.typmod, text))
                continue
            if info.type_oid == 1083:
                # time: checked (22007 / 22008) and stored as 'HH:MM:SS[.ffffff]', as date and
                # timestamp are; a value its input refuses went in and made the row unreadable
                if not (isinstance(value, exp.Anonymous) and str(value.this) in ("pg_time", "pg_time_in")):
                    written = value.copy()
                    if self.mysql_rules and not self._is_text(value):
                        written = fn("mysql_number_time", written, _str(col))  # 123456: 12:34:56
                    text_in = self._is_text(value) and not self.mysql_rules
                    value.replace(fn("pg_time_in" if text_in else "pg_time", written,
                                     exp.Literal.number(info.typmod)))
                continue
            if info.type_oid == 1266 and not self.mysql_rules and self._is_text(value):
                # timetz: checked and stored in its output form, as time is (it was kept as
                # written: '12:00:00.5 +5', or any text)
                value.replace(fn("pg_timetz_in", value.copy(), exp.Literal.number(info.typmod)))
                continue
            if info.type_oid == 1186 and info.typmod >= 0:
                value.replace(_interval_call(value.copy(), info.typmod))
                continue
            wrap = _WRITE_FUNCS.get(info.type_oid)
            if info.type_oid == 3802 and (self.mysql_rules or self._is_text(value)):
                # JSON text that is no JSON is refused (22P02; MySQL's 3140), not kept as a
                # JSON string: pg_jsonb reads it so because a jsonb parameter may arrive decoded
                wrap = "pg_jsonb_in"
            if info.type_oid in (700, 701) and self._is_text(value):
                # a float's text input ('10e400' is 22003, not Infinity as SQLite reads it)
                wrap = "pg_float4" if info.type_oid == 700 else "pg_float"
            if wrap is None:
                continue
            if isinstance(value, exp.Anonymous) and str(value.this) == wrap:
                continue
            value.replace(fn(wrap, value.copy()))


_INT_BITS = {types.INT2: 16, types.INT4: 32, types.INT8: 64}
_NUMBER_OIDS = frozenset({types.INT2, types.INT4, types.INT8, types.NUMERIC, 700, 701})
_NOT_BOOLS = frozenset({types.INT2, types.INT8, types.NUMERIC, 700, 701, 17, 1082, 1083, 1114,
                        1184, 1186, 1266, 2950})
_MATH_FUNCTIONS = {exp.Abs: "abs", exp.Round: "round", exp.Trunc: "trunc", exp.Ceil: "ceil",
                   exp.Floor: "floor", exp.Sign: "sign", exp.Sqrt: "sqrt", exp.Ln: "ln",
                   exp.Exp: "exp", exp.Cbrt: "cbrt"}
# types no math function takes (bool, bytea, json, dates and times, intervals, uuid, jsonb)
_NOT_NUMBERS = frozenset({types.BOOL, 17, 114, 1082, 1083, 1114, 1184, 1186, 1266, 2950, 3802})
# PostgreSQL's assignment casts (pg_cast, castcontext 'a' or 'i') among the types below: what
# a value of the key's type may be written to. Numbers go to any number; any type to text.
_NUMBERS = frozenset({types.INT2, types.INT4, types.INT8, types.NUMERIC, 700, types.FLOAT8})
_ASSIGNABLE = {
    types.BOOL: {types.BOOL},
    1082: {1082, 1114, 1184},  # date
    1114: {1082, 1114, 1184, 1083},  # timestamp
    1184: {1082, 1114, 1184, 1083, 1266},  # timestamptz
    1083: {1083, 1186, 1266},  # time
    1266: {1266, 1083},  # timetz
    1186: {1186, 1083},  # interval
    114: {114, 3802},  # json
    3802: {3802, 114},  # jsonb
    17: {17},  # bytea
    2950: {2950},  # uuid
    **{n: _NUMBERS for n in _NUMBERS},
}
_STRINGS = frozenset({types.TEXT, 1043, 1042, 705, 19})
_BYTEA = 17


def _assignable(source: int, target: int) -> bool:
    """Whether PostgreSQL writes a value of type ``source`` to a column of type ``target``
    (else 42804, "column ... is of type ... but expression is of type ..."): only among the
    types it knows here, whose casts it checks; an unknown literal is inferred as text, so
    a string never fails, nor a type (an enum, a domain, inet) it does not know."""
    if target in _STRINGS or source in _STRINGS or source == target:
        return True  # any type goes to text by its output (I/O conversion)
    source_array, target_array = types.is_array(source), types.is_array(target)
    if source_array or target_array:
        known = (source_array or source in _ASSIGNABLE) and (target_array or target in _ASSIGNABLE)
        return source_array == target_array or not known
    allowed = _ASSIGNABLE.get(source)
    return allowed is None or target not in _ASSIGNABLE or target in allowed


# Functions with an integer count (its argument last in the list): their argument names
_INT_ARGUMENTS = {exp.Left: ("left", ("this", "expression")),
                  exp.Right: ("right", ("this", "expression")),
                  exp.SplitPart: ("split_part", ("this", "delimiter", "part_index")),
                  exp.Repeat: ("repeat", ("this", "times")),
                  exp.Pad: ("lpad", ("this", "expression"))}
_NUMBER_KINDS = {types.INT2: "int", types.INT4: "int", types.INT8: "int",
                 types.NUMERIC: "numeric", 700: "float4", 701: "float8"}
_INT_OPERATORS = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg, exp.Abs)
# What may be evaluated twice in SQLite (the range test and the value) at no Python cost
_PLAIN_SQL = (exp.Column, exp.Identifier, exp.Literal, exp.Parameter, exp.Paren, exp.Neg,
              exp.Add, exp.Sub, exp.Mul, exp.Abs, exp.Case, exp.If, exp.Between, exp.Not,
              exp.EQ, exp.Null, exp.Star)


_FLOAT_OIDS = frozenset({700, types.FLOAT8})
_FLOAT_PARTNERS = frozenset({*_FLOAT_OIDS, *_INT_BITS, types.NUMERIC, types.TEXT, 705})
_FLOAT_OPERATORS = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Neg: "neg",
                    exp.Abs: "abs", exp.Trunc: "trunc", exp.Ceil: "ceil", exp.Floor: "floor",
                    exp.Sign: "sign"}
_FLOAT_UNARY = frozenset({"abs", "trunc", "ceil", "floor", "sign"})


def _float_arithmetic(e: exp.Expression, ts: tuple) -> exp.Expression | None:
    """A float8 (or real) operator, sum or avg: IEEE's NaN and infinities, which SQLite has
    not (a NaN is stored as its text, which SQLite reads as 0; inf * 0 is NULL there)."""
    op = _FLOAT_OPERATORS.get(type(e))
    if op is None and not isinstance(e, (exp.Sum, exp.Avg)):
        return None
    if not ts or any(t is None or t[0] not in _FLOAT_PARTNERS for t in ts) or not any(
            t[0] in _FLOAT_OIDS for t in ts):
        return None
    if op is None:
        return fn("pg_float_avg" if isinstance(e, exp.Avg) else "pg_float_sum", e.this)
    if op in _FLOAT_UNARY:
        if any(v is not None for k, v in e.args.items() if k != "this"):
            return None  # trunc(x, n): numeric's
        return fn("pg_float_unary", _str(op), e.this)
    if op == "neg":
        if isinstance(e.this, exp.Literal):
            return None
        return fn("pg_float_op", _str(op), e.this)
    return fn("pg_float_op", _str(op), e.this, e.expression)


def _double_range(e: exp.Expression) -> exp.Expression:
    """MySQL's DOUBLE operator: 1690 when its finite operands make no finite result (SQLite
    gives an infinity). SQLite's own CASE on the result, unless an operand calls a function
    (which must not run twice): then through Python."""
    written = e.sql(dialect="mysql")
    # (the expression as MySQL names it, unless a literal or a rewrite is in it)
    text = _str("" if re.search(r"@\d|\bPG_|\bMYSQL_", written, re.I) else written)
    nodes = list(e.walk())
    if len(nodes) > 40 or not all(isinstance(n, _PLAIN_SQL) or _is_check(n) for n in nodes):
        return fn("mysql_double_range", e, text)
    test = exp.GT(this=fn("abs", e.copy()), expression=exp.Literal.number("1.7976931348623157e308"))
    return exp.Case(ifs=[exp.If(this=test, true=fn("mysql_double_range", e.copy(), text))], default=e)


def _int_checked(e: exp.Expression, ts: tuple) -> exp.Expression | None:
    """An operator on int2 / int4 / int8 operands, with PostgreSQL's 22003 when its result
    leaves its type's range (SQLite computes in 64 bits and turns an overflow into a REAL).
    The test is SQLite's own CASE over the operator (so ordinary arithmetic never calls
    Python) unless the operands call functions anyway."""
    if not isinstance(e, _INT_OPERATORS) or not ts:
        return None
    if isinstance(e, exp.Neg) and negated_constant(e) is not None:
        return None  # a negative constant (-(-5) too), whose type fits its value
    if any(t is None or t[0] not in _INT_BITS for t in ts):
        return None
    bits = max(_INT_BITS[t[0]] for t in ts)
    width = exp.Literal.number(bits)
    if isinstance(e, exp.Div):
        d = e.expression
        if isinstance(d, exp.Literal) and not d.is_string and int(d.this) != 0:
            return e  # a positive constant divisor: SQLite's division is PostgreSQL's
        return fn("pg_int_div", e.this, e.expression, width)
    nodes = list(e.walk())
    if len(nodes) > 40 or not all(isinstance(n, _PLAIN_SQL) or _is_check(n) for n in nodes):
        return fn("pg_int_check", e, width)
    if bits == 64:
        test: exp.Expression = exp.EQ(this=fn("typeof", e.copy()), expression=_str("real"))
    else:
        lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        test = exp.Not(this=exp.Between(this=e.copy(), low=exp.Literal.number(lo),
                                        high=exp.Literal.number(hi)))
    return exp.Case(ifs=[exp.If(this=test, true=fn("pg_int_overflow", width))], default=e)


def _int_write(v: exp.Expression, bits: int, mysql_col: str | None = None,
               numeric_text: bool = False) -> exp.Expression | None:
    """A value written to an integer column of ``bits``, rounded when it is a fraction
    (PostgreSQL's assignment of numeric 3.7 is 4, of -2.5 is -3; SQLite would store the
    REAL, which the column's type check refuses), 22003 when it is a REAL past 64 bits; for
    the MySQL edition (``mysql_col``, the column's name) a string too, as MySQL reads a
    number in one (``numeric_text``: a numeric literal of the statement, which may arrive as
    text). Behind SQLite's CASE on its type when the value may be evaluated twice, else
    through Python once (a nextval or random() must not run twice); None when the value
    cannot be a fraction (an integer literal)."""
    if isinstance(v, exp.Literal) and not v.is_string and v.name.isdigit() and len(v.name) < 19:
        return None
    args = [exp.Literal.number(bits)] + ([_str(mysql_col)] if mysql_col is not None else [])
    nodes = list(v.walk())
    if len(nodes) > 40 or not all(isinstance(n, _PLAIN_SQL) or _is_check(n) for n in nodes):
        return fn("pg_int_write", v.copy(), *args)
    # One typeof and the value itself on the common path (an integer); a REAL (or MySQL's
    # string) goes to Python, which rounds it exactly
    kinds = [_str("real"), _str("text")] if mysql_col or numeric_text else [_str("real")]
    if mysql_col:
        kinds.append(_str("blob"))  # (MySQL's x'41': the number of its bytes)
    python = exp.In(this=fn("typeof", v.copy()), expressions=kinds)
    return exp.Case(ifs=[exp.If(this=python, true=fn("pg_int_write", v.copy(), *args))],
                    default=v.copy())


def _is_check(e: exp.Expression) -> bool:
    return isinstance(e, exp.Anonymous) and str(e.this) in ("typeof", "pg_int_overflow")


def _assigned(eq: exp.Expression, table: str) -> list[tuple[exp.Expression, str, str]]:
    """The values an UPDATE SET item writes, with their columns: ``col = v``, or the outer
    columns of the row sub-SELECT of ``(a, b) = (SELECT ...)``."""
    if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column):
        return [(eq.expression, table, eq.this.name)]
    if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Tuple):
        for c in eq.this.expressions:
            if not isinstance(c, exp.Column):  # SET ((SELECT 1), v) = ...
                raise SqlError("42601", 'syntax error at or near "("')
        values = eq.expression.this.expressions
        return [(v, table, c.name) for c, v in zip(eq.this.expressions, values, strict=False)]
    return []


def _cut_spaces(v: exp.Expression, n: int) -> exp.Expression:
    """char(n) / varchar(n) input: spaces past n are cut (in SQLite, no Python call); any
    other excess stays for the column's length check to refuse (22001)."""
    size = exp.Literal.number(n)
    over = exp.and_(
        exp.GT(this=exp.Length(this=v.copy()), expression=size),
        exp.LTE(this=exp.Length(this=exp.Anonymous(
            this="rtrim", expressions=[v.copy(), exp.Literal.string(" ")])), expression=size))
    cut = exp.Substring(this=v.copy(), start=exp.Literal.number(1), length=size.copy())
    return exp.Case(ifs=[exp.If(this=over, true=cut)], default=v)


def _timestamp_call(oid: int, v: exp.Expression, typmod: int, text: bool) -> exp.Expression:
    """A value to timestamp / timestamptz, with its precision when the type has one; ``text``:
    a string literal, whose zone timestamp input ignores."""
    name = "pg_timestamptz" if oid == 1184 else "pg_timestamp_in" if text else "pg_timestamp"
    return fn(name, v, exp.Literal.number(typmod)) if 0 <= typmod < 6 else fn(name, v)


# What a date / timestamp column stores already in its storage form (no second call)
_DATETIME_STORED = {1114: ("pg_localtimestamp", "pg_timestamp", "pg_timestamp_in"),
                    1184: ("pg_now", "pg_timestamptz"), 1082: ("pg_current_date", "pg_date")}


def datetime_write(value: exp.Expression, oid: int, typmod: int, text: bool) -> exp.Expression:
    """A value written to a date / timestamp / timestamptz column, in its storage form (ISO
    text, so that stored values sort and compare as the values do; infinity and -infinity
    as that text) and checked (22007 / 22008) as PostgreSQL's input checks it."""
    if isinstance(value, exp.Anonymous):
        name = str(value.this).lower()
        if oid == 1114 and name == "pg_now" and not value.expressions:
            return fn("pg_localtimestamp")  # now() to timestamp is the session's local time
        if name in _DATETIME_STORED[oid] and (typmod < 0 or typmod >= 6 or len(value.expressions) == 2):
            return value
    if oid == 1082:
        return fn("pg_date", value)
    return _timestamp_call(oid, value, typmod, text)


_WRITE_FUNCS = {
    types.BOOL: "pg_bool",
    700: "pg_float4",  # real holds single precision: 1.2345678901234e+20 is 1.2345679e+20
    17: "pg_bytea",
    114: "pg_json_in",
    3802: "pg_jsonb",
    1186: "pg_interval",
    2950: "pg_uuid",
    869: "pg_inet_in",
    3614: "pg_tsvector_in",
    3615: "pg_tsquery_in",
}


_JSON_OPERATORS: dict[type, str] = {
    exp.JSONExtract: "pg_json_get",  # ->
    exp.JSONExtractScalar: "pg_json_get_text",  # ->>
    exp.JSONBExtract: "pg_json_path",  # #>
    exp.JSONBExtractScalar: "pg_json_path_text",  # #>>
    exp.JSONBContainsTopKey: "pg_json_has",  # ?
    exp.JSONBContainsAnyTopKeys: "pg_json_has_any",  # ?|
    exp.JSONBContainsAllTopKeys: "pg_json_has_all",  # ?&
}
_JSON_VALUED = ("pg_json_get", "pg_json_path", "pg_jsonb")
_JSON_TEXT_OPERATORS = {
    "pg_json_get": "pg_json_step",
    "pg_json_get_text": "pg_json_step_text",
    "pg_json_path": "pg_json_walk",
    "pg_json_path_text": "pg_json_walk_text",
}
_JSONB = 3802
_JSONB_CASTS = {21: "smallint", 23: "integer", 20: "bigint", 700: "real",
                701: "double precision", 1700: "numeric", 16: "boolean"}
# builders: name as called -> (SQLite function, per-argument conversion)
_JSON_BUILDERS = {
    "json_build_object": ("json_build_object", "pg_to_json"),
    "jsonb_build_object": ("jsonb_build_object", "pg_to_json"),
    "json_build_array": ("json_build_array", "pg_to_json"),
    "jsonb_build_array": ("jsonb_build_array", "pg_to_json"),
    "to_json": (None, "pg_to_json"),
    "to_jsonb": (None, "pg_to_jsonb"),
    "array_to_json": (None, "pg_to_json"),
    "json_agg": ("pg_json_agg", "pg_to_json"),
    "jsonb_agg": ("pg_jsonb_agg", "pg_to_json"),
    "json_object_agg": ("pg_json_object_agg", "pg_to_json"),
    "jsonb_object_agg": ("pg_jsonb_object_agg", "pg_to_json"),
}


# parameters that may be named (name => value): their order and defaults
_PATH_PARAMS = (("target", None), ("path", None), ("vars", "'{}'"), ("silent", "0"))
_NAMED_PARAMS = {
    "jsonb_set": (("jsonb_in", None), ("path", None), ("replacement", None),
                  ("create_if_missing", "1")),
    "jsonb_set_lax": (("jsonb_in", None), ("path", None), ("replacement", None),
                      ("create_if_missing", "1"), ("null_value_treatment", "'use_json_null'")),
    "jsonb_insert": (("jsonb_in", None), ("path", None), ("replacement", None),
                     ("insert_after", "0")),
    "jsonb_path_exists": _PATH_PARAMS,
    "jsonb_path_match": _PATH_PARAMS,
    "jsonb_path_query": _PATH_PARAMS,
    "jsonb_path_query_array": _PATH_PARAMS,
    "jsonb_path_query_first": _PATH_PARAMS,
}


def _positional(name: str, args: list) -> list:
    """Arguments given by name (``silent => true``) in their places, defaults between."""
    params = _NAMED_PARAMS[name]
    names = [p for p, _ in params]
    given: dict[int, exp.Expression] = {}
    for i, a in enumerate(args):
        if isinstance(a, exp.Kwarg):
            key = a.this.name.lower()
            if key not in names:
                raise SqlError("42883", f"function {name} with a parameter named {key} "
                               "does not exist")
            given[names.index(key)] = a.expression
        else:
            given[i] = a
    last = max(given)
    out = []
    for i in range(last + 1):
        if i in given:
            out.append(given[i])
        elif params[i][1] is None:
            raise SqlError("42883", f"function {name} does not exist")
        else:
            out.append(exp.maybe_parse(params[i][1], dialect="sqlite"))
    return out


def _json_builder_name(e: exp.Expression) -> str | None:
    if isinstance(e, exp.Anonymous):
        name = str(e.this).lower()
        return name if name in _JSON_BUILDERS else None
    if isinstance(e, exp.JSONArrayAgg):
        return "json_agg"
    if isinstance(e, exp.JSONObjectAgg):
        return "json_object_agg"
    if isinstance(e, exp.JSONBObjectAgg):
        return "jsonb_object_agg"
    return None


def _kind_of(oid: int | None) -> str:
    """How pg_to_json reads a value of this type (see jsonb.to_json)."""
    if oid is None:
        return "?"
    if oid == types.BOOL:
        return "b"
    if oid in (114, _JSONB):
        return "j"
    if oid in types.INTEGER_OIDS or oid in (700, 701, types.NUMERIC, 26):
        return "n"
    if oid == 1114:
        return "t"
    if oid == 1184:
        return "tz"
    t = types.BY_OID.get(oid)
    if t is not None and t.category == "A":
        return "a" + _kind_of(t.elem_oid)
    return "s" if oid in (types.TEXT, 1043, 1042, 19, 18) else "?"


def _scalar_table(e: exp.Table) -> exp.Expression:
    """``FROM f(args) [AS s [(c)]]`` of a scalar f: one row, its column named c, else s, else
    after the function, as PostgreSQL names it."""
    f = e.this
    alias = e.args.get("alias")
    name = str(f.this).lower() if isinstance(f, exp.Anonymous) else f.sql_name().lower()
    table = alias.name if alias is not None and alias.name else name
    column = alias.columns[0].name if alias is not None and alias.columns else table
    sel = exp.select(exp.alias_(f, column, quoted=True))
    return exp.Subquery(this=sel, alias=exp.TableAlias(this=exp.to_identifier(table, quoted=True)))


def _distinct_on(tree: exp.Expression, conn: apsw.Connection) -> exp.Expression:
    """``SELECT DISTINCT ON (g) ... ORDER BY g, x DESC``: the first row of each g, numbered
    in a subquery, and the rows then in the ORDER BY's order (sqlglot's own rewrite for SQLite
    drops the ORDER BY, so they came out in any order). The sort keys ride along as hidden
    columns, since ORDER BY may name what the select list does not."""
    for sel in reversed(list(tree.find_all(exp.Select))):
        distinct = sel.args.get("distinct")
        on = distinct.args.get("on") if isinstance(distinct, exp.Distinct) else None
        if on is None:
            continue
        outer = _first_of_each(sel, on.expressions if isinstance(on, exp.Tuple) else [on], conn)
        if outer is None:
            continue
        if sel is tree:
            tree = outer
        else:
            sel.replace(outer)
    return tree


def _first_of_each(sel: exp.Select, keys: list[exp.Expression], conn: apsw.Connection) -> exp.Select | None:
    """The query of :func:`_distinct_on` for one SELECT; None to leave it to sqlglot."""
    if any(dml.is_star(e) for e in sel.expressions):
        # a star of one FROM item: its columns by name (of a join, sqlglot's own rewrite)
        names = fromitems.query_names(sel, conn)
        if names is None or sel.args.get("joins") or len({n.lower() for n in names}) != len(names):
            return None
        sel.set("expressions", [exp.column(exp.to_identifier(n, quoted=True)) for n in names])
    order = sel.args.get("order")
    names = [column_name(e) for e in sel.expressions]
    aliases = {e.alias.lower(): e.this for e in sel.expressions if isinstance(e, exp.Alias)}

    def sort_key(e: exp.Expression) -> exp.Expression:
        """An ORDER BY item as an expression of the FROM items: ``ORDER BY 2`` and an output
        name stand for their select item."""
        if isinstance(e, exp.Literal) and e.is_int and 1 <= int(e.this) <= len(sel.expressions):
            item = sel.expressions[int(e.this) - 1]
            return item.this if isinstance(item, exp.Alias) else item
        if isinstance(e, exp.Column) and not e.table and e.name.lower() in aliases:
            return aliases[e.name.lower()]
        return e

    ordered = [o.copy() for o in order.expressions] if order is not None else []
    for o in ordered:
        o.set("this", sort_key(o.this).copy())
    inner = sel.copy()
    for key in ("distinct", "order", "limit", "offset"):
        inner.set(key, None)
    over = exp.Window(this=exp.RowNumber(), partition_by=[sort_key(k).copy() for k in keys],
                      order=exp.Order(expressions=[o.copy() for o in ordered]) if ordered else None)
    inner.set("expressions", [
        *(exp.alias_(e.this.copy() if isinstance(e, exp.Alias) else e.copy(), f"_c{i}")
          for i, e in enumerate(sel.expressions)),
        *(exp.alias_(o.this.copy(), f"_o{i}") for i, o in enumerate(ordered)),
        exp.alias_(over, "_rn")])
    outer = exp.select(*(exp.alias_(exp.column(f"_c{i}"), n, quoted=True) for i, n in enumerate(names))).from_(
        exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("_don"))))
    outer = outer.where(exp.EQ(this=exp.column("_rn"), expression=exp.Literal.number(1)))
    if ordered:
        outer.set("order", exp.Order(expressions=[
            exp.Ordered(this=exp.column(f"_o{i}"), desc=o.args.get("desc"), nulls_first=o.args.get("nulls_first"))
            for i, o in enumerate(ordered)]))
    for key in ("limit", "offset"):
        if sel.args.get(key) is not None:
            outer.set(key, sel.args[key].copy())
    return outer


def _json_arrows(tree: exp.Expression) -> None:
    """``f(data -> $1)``: inside a call's arguments sqlglot reads ``name -> value`` as a lambda
    (SQL has none); it is the JSON operator, as it is everywhere else (SQLite's own ``->``
    would run otherwise, and its JSON text would be taken for a string)."""
    for lam in list(tree.find_all(exp.Lambda)):
        params = lam.expressions
        if len(params) == 1 and isinstance(params[0], exp.Identifier):
            lam.replace(exp.JSONExtract(this=exp.column(params[0].copy()), expression=lam.this.copy()))


def _nested_joins(tree: exp.Expression) -> None:
    """``a JOIN b LEFT JOIN c ON x ON y``: the inner join is written in parentheses, which
    SQLite reads (it has no join whose ON follows another join's)."""
    for j in reversed(list(tree.find_all(exp.Join))):  # the innermost first
        inner = j.this
        if isinstance(inner, (exp.Table, exp.Subquery)) and inner.args.get("joins"):
            j.set("this", exp.Subquery(this=inner))


def _json_rule(e: exp.Expression) -> exp.Expression:
    """jsonb operators and json builders noted by ``Rewriter._json_types``."""
    op = e.meta.get("jsonb_op")
    if op == "pg_ts_match_swapped":  # tsquery @@ tsvector
        return fn("pg_ts_match", e.this, e.expressions[0])
    if isinstance(e, exp.MatchAgainst):  # sqlglot read j @@ p as MATCH (j) AGAINST (p)
        return fn(op, e.expressions[0], e.this)
    if op is not None:
        return fn(op, e.this, e.expression)
    name, kinds = e.meta["json_kinds"]
    target, conv = _JSON_BUILDERS[name]
    args = _json_args(e)
    order = args[0] if len(args) == 1 and isinstance(args[0], exp.Order) else None
    if order is not None:
        args = [order.this]
    pretty = None
    if name == "array_to_json":
        pretty = args[1] if len(args) > 1 else None
        args, kinds = args[:1], kinds[:1]
    if len(args) == 1 and isinstance(args[0], exp.Variadic) and name.endswith(
            ("_object", "_array")):
        elem = kinds[0][1:] if kinds[0].startswith("a") else "?"
        return fn("pg_json_variadic", _str(name), args[0].this, _str(elem))
    if target is None and len(args) != 1:  # to_json(), to_jsonb(a, b): no such function
        raise SqlError("42883", f"function {name}() does not exist" if not args else
                       f"function {name} with {len(args)} arguments does not exist",
                       hint="No function matches the given name and argument types.")
    if len(args) != len(kinds):
        return e
    wrapped = [fn(conv, a, _str(k)) for a, k in zip(args, kinds, strict=True)]
    if target is None:
        return wrapped[0] if pretty is None else fn("pg_json_pretty_array", wrapped[0], pretty)
    if order is not None:  # json_agg(x ORDER BY y): SQLite takes ORDER BY in an aggregate too
        keys = ", ".join(generate(o) for o in order.expressions)
        return Raw(this=f"{target}({generate(wrapped[0])} ORDER BY {keys})")
    return fn(target, *wrapped)


def _json_args(e: exp.Expression) -> list:
    if isinstance(e, exp.JSONBObjectAgg):
        return [e.this, e.expression]
    if isinstance(e, exp.AggFunc) and not isinstance(e, exp.JSONObjectAgg):
        return [e.this]
    return list(e.expressions)


def _jsonb_keys(e: exp.Bracket) -> list:
    keys = []
    for idx in e.expressions:
        if isinstance(idx, exp.Slice):
            raise SqlError("42804", "jsonb subscript does not support slices")
        lit = idx.this if isinstance(idx, exp.Neg) else idx
        if isinstance(lit, exp.Literal) and not lit.is_string and e.meta.get("shifted", True):
            k = int(lit.this) * (-1 if isinstance(idx, exp.Neg) else 1) + 1
            idx = exp.Literal.number(k) if k >= 0 else exp.Neg(this=exp.Literal.number(-k))
        keys.append(idx)
    return keys


def _json_table(e: exp.Table) -> exp.Expression:
    """``json_each(j) [AS q(k, v)]`` and the other json set-returning functions in FROM: the
    ``pg_`` virtual table of jsonb.py (columns renamed through a subquery when listed)."""
    call = e.this
    name = str(call.this).lower()
    cols = TABLE_FUNCTIONS[name][0]
    alias = e.args.get("alias")
    tname = alias.name if alias is not None and alias.name else name
    renamed = [c.name for c in alias.columns] if alias is not None else []
    source = f"pg_{name}({', '.join(generate(a) for a in call.expressions)})"
    if renamed:
        outs = ", ".join(f'{c} AS "{renamed[i] if i < len(renamed) else c}"'
                         for i, c in enumerate(cols))
        return exp.Table(this=Raw(this=f'(SELECT {outs} FROM {source}) AS "{tname}"'))
    if len(cols) == 1 and cols[0] == name and tname != name:
        # the one column is named after the table's alias, as PostgreSQL names it
        return exp.Table(this=Raw(this=f'(SELECT {cols[0]} AS "{tname}" FROM {source}) AS "{tname}"'))
    return exp.Table(this=Raw(this=f'{source} AS "{tname}"'))


def _jsonb_subscript(e: exp.Bracket) -> exp.Expression:
    """``jsonb[k1][k2]``: a path of keys (texts, or integers on arrays); sqlglot made an
    integer literal 0-based, which jsonb is already."""
    keys = _jsonb_keys(e)
    inner = e.this
    if isinstance(inner, exp.Anonymous) and str(inner.this) == "pg_jsonb_subscript":
        return fn("pg_jsonb_subscript", *inner.expressions, *keys)
    return fn("pg_jsonb_subscript", inner, *keys)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_OP_NAMES = {exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}


def _distinct_string_agg(e: exp.GroupConcat, mysql: bool = False) -> exp.Expression:
    """string_agg(DISTINCT x, sep ORDER BY x): SQLite's DISTINCT takes one argument. With
    the same separator on every row (a literal, a parameter) the distinct values gather in
    ``json_group_array(DISTINCT x)``, which compares them in x's collation (a column of the
    MySQL edition ignores case: 'a' and 'A' are one value), and ``pg_json_join`` joins them.
    A separator that varies by row travels with its value as one JSON pair to
    ``pg_string_agg_distinct`` (the pairs are compared as their text). PostgreSQL refuses
    an ORDER BY of something else than x (42P10); MySQL's ``GROUP_CONCAT(DISTINCT x ORDER
    BY y)`` (``mysql``) orders the values by the y of the row each came first from, as
    SQLite does."""
    order = e.this if isinstance(e.this, exp.Order) else None
    distinct = order.this if order is not None else e.this
    args = distinct.expressions
    if len(args) != 1:
        return e
    if not mysql and order is not None and any(generate(o.this) != generate(args[0])
                                               for o in order.expressions):
        raise SqlError("42P10", "in an aggregate with DISTINCT, ORDER BY expressions must "
                       "appear in argument list")
    separator = e.args["separator"]
    if separator.find(exp.Column) is None:
        values: exp.Expression = exp.Distinct(expressions=[args[0]])
        if order is not None:
            values = exp.Order(this=values, expressions=order.expressions)
        return fn("pg_json_join", fn("json_group_array", values), separator)
    pair: exp.Expression = exp.Distinct(
        expressions=[fn("json_array", args[0], e.args["separator"])])
    if order is not None:
        pair = exp.Order(this=pair, expressions=order.expressions)
    return fn("pg_string_agg_distinct", pair)


def _set_arms(e: exp.Expression) -> list[exp.Select]:
    """The SELECTs of a chain of UNION / INTERSECT / EXCEPT, left to right ([] if an arm is
    something else)."""
    if isinstance(e, exp.Select):
        return [e]
    if isinstance(e, exp.Subquery):
        return _set_arms(e.this)
    if isinstance(e, exp.SetOperation):
        left, right = _set_arms(e.this), _set_arms(e.expression)
        return left + right if left and right else []
    return []


def _unalias(e: exp.Expression) -> exp.Expression:
    return e.this if isinstance(e, exp.Alias) else e


def _row_value(e: exp.Anonymous, bools: list[bool]) -> exp.Expression:
    """ROW(a, b): compared with another row, SQLite's row value; otherwise a record, as the
    text PostgreSQL prints for it (``(1,"a b",)``), which equality and UNION compare."""
    parent = e.parent
    quantified = isinstance(parent, (exp.EQ, exp.NEQ)) and isinstance(
        parent.expression, (exp.Any, exp.All))
    if isinstance(parent, (exp.Array, exp.ArrayConcat, exp.DPipe)) or (
            quantified and not isinstance(_unparen(parent.expression.this), exp.Subquery)):
        # an array of records would hold their text, which ANY and ORDER BY misread
        raise SqlError("0A000", "arrays of records are not supported")
    if isinstance(parent, (*_COMPARISONS, exp.In)):
        new: exp.Expression = exp.Tuple(expressions=list(e.expressions))
    elif not (isinstance(parent, (exp.Select, exp.Alias, exp.Tuple, exp.Values))
              or (isinstance(parent, exp.Anonymous) and str(parent.this).lower() == "pg_record")):
        return e  # row_to_json(ROW(...)), ROW(...)::type, IS NULL: each its own rule
    else:
        new = fn("pg_record", *(
            exp.Case(ifs=[exp.If(this=a.copy(), true=_str("t")),
                          exp.If(this=exp.Not(this=a.copy()), true=_str("f"))])
            if is_bool else a if isinstance(a, exp.Anonymous) and str(a.this).lower() == "row"
            else exp.Cast(this=a, to=exp.DataType.build("text"))
            for a, is_bool in zip(e.expressions, bools, strict=True)))  # boolout: t / f
    e.replace(new)
    return new


def _quantified(e: exp.Binary) -> tuple[bool, exp.Expression] | None:
    """(is ALL, the array) of ``x op ANY|SOME|ALL (array)`` when the engine's own IN rule
    (``= ANY``, ``<> ANY``) does not take it; None for a subquery or anything else."""
    q = e.expression
    if isinstance(q, (exp.Any, exp.All)):
        every, arr = isinstance(q, exp.All), q.this
    elif (isinstance(q, exp.Anonymous) and str(q.this).lower() in ("any", "some", "all")
          and len(q.expressions) == 1):
        every, arr = str(q.this).lower() == "all", q.expressions[0]
    else:
        return None
    in_rule = isinstance(e, exp.EQ) and not every  # = ANY: the engine's IN rule (_any)
    query = _unparen(arr)
    if isinstance(query, exp.Subquery):
        query = _unparen(query.this)
    if isinstance(query, (exp.Select, exp.SetOperation)):
        if in_rule or (isinstance(e, exp.NEQ) and every):  # <> ALL (subquery): NOT IN
            return None
        if isinstance(query, exp.SetOperation):
            query = dml.by_position(query, 1)  # one item to name
        return every, _array_subquery(query)  # the subquery's values as an array
    return None if in_rule else (every, arr)


def _unparen(e: exp.Expression) -> exp.Expression:
    while isinstance(e, exp.Paren):
        e = e.this
    return e


def _is_json(e: exp.Expression) -> bool:
    """Whether a rewritten operand is a jsonb value (an operator's result or a cast)."""
    while isinstance(e, exp.Paren):
        e = e.this
    return isinstance(e, exp.Anonymous) and str(e.this) in _JSON_VALUED


# int2vector / oidvector catalog columns (pg_index.indkey...) count from 0, other arrays from 1.
_VECTOR_COLUMNS = frozenset(
    col for cols in CATALOG_COLUMNS.values() for col, oid in cols.items() if oid in (22, 30)
)


def _subscript_offsets(tree: exp.Expression) -> None:
    """Before the rewrite: note on each subscript whether sqlglot's parser already made its
    index 0-based. It does so for an integer literal on an operand it types as an array or
    not at all (``a[1]`` reads ``a[0]``), and leaves other indexes and operands 1-based."""
    for b in tree.find_all(exp.Bracket):
        t = b.this.type
        b.meta["shifted"] = t is None or t.this in (
            exp.DataType.Type.UNKNOWN,
            exp.DataType.Type.ARRAY,
        )


def _subscript(e: exp.Bracket) -> exp.Expression:
    """``arr[i][j]`` as pg_array_sub(arr, i, j) and ``arr[a:b]`` as pg_array_slice(arr, a, b),
    with PostgreSQL's 1-based subscripts; a chain of subscripts is one call (the inner one was
    rewritten first). An int2vector catalog column counts from 0 (pg_array_get)."""
    arr, idx = e.this, e.expressions[0]
    vector = isinstance(arr, exp.Column) and arr.name.lower() in _VECTOR_COLUMNS
    if isinstance(idx, exp.Slice):
        lo, hi = (_subscript_value(x, e, shifted=False) if x is not None else _str(arrays.OMITTED)
                  for x in (idx.args.get("this"), idx.args.get("expression")))
        bounds = [lo, hi]
    else:
        k = _subscript_value(idx, e, e.meta.get("shifted", True))
        if vector:
            return fn("pg_array_get", arr, k)
        bounds = [k]
    prior: list[exp.Expression] = []
    if isinstance(arr, exp.Anonymous) and str(arr.this) in ("pg_array_sub", "pg_array_slice"):
        prior = list(arr.expressions[1:])
        if str(arr.this) == "pg_array_sub" and len(bounds) == 2:
            prior = [x for k in prior for x in (exp.Literal.number(1), k)]
        if str(arr.this) == "pg_array_slice" and len(bounds) == 1:
            bounds = [exp.Literal.number(1), bounds[0]]
        arr = arr.expressions[0]
    name = "pg_array_slice" if len(bounds) == 2 else "pg_array_sub"
    return fn(name, arr, *prior, *bounds)


def _array_assignments(tree: exp.Expression) -> None:
    """``UPDATE t SET a[i] = x, a[lo:hi] = y``: each subscripted target becomes ``a = `` an
    assignment call on the column's value (several on one column apply in order)."""
    if isinstance(tree, exp.Insert) and tree.args.get("conflict") is not None:
        tree = tree.args["conflict"]  # ON CONFLICT DO UPDATE SET a[i] = ...
    if not isinstance(tree, (exp.Update, exp.OnConflict)) or not any(
            isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Bracket)
            for eq in tree.expressions or []):
        return
    out: list[exp.Expression] = []
    merged: dict[str, exp.EQ] = {}
    for eq in tree.expressions:
        if not (isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Bracket)):
            out.append(eq)
            continue
        chain: list[exp.Bracket] = []
        target: exp.Expression = eq.this
        while isinstance(target, exp.Bracket):
            chain.insert(0, target)
            target = target.this
        if not isinstance(target, exp.Column):
            raise SqlError("42601", "syntax error at or near \"[\"")
        sliced = any(isinstance(x, exp.Slice) for b in chain for x in b.expressions)
        args: list[exp.Expression] = []
        for b in chain:
            idx = b.expressions[0]
            if isinstance(idx, exp.Slice):
                args += [_str(arrays.OMITTED) if x is None else _subscript_value(x, b, shifted=False)
                         for x in (idx.args.get("this"), idx.args.get("expression"))]
            else:
                k = _subscript_value(idx, b, b.meta.get("shifted", True))
                args += [exp.Literal.number(1), k] if sliced else [k]
        name = target.name.lower()
        prior = merged.get(name)
        current = prior.expression if prior is not None else exp.column(target.name)
        call = fn("pg_array_assign_slice" if sliced else "pg_array_assign", current,
                  eq.expression, *args)
        if prior is not None:
            prior.set("expression", call)
        else:
            merged[name] = exp.EQ(this=exp.column(target.name), expression=call)
            out.append(merged[name])
    tree.set("expressions", out)


# Set-returning functions that are unnest() of an array function.
_UNNESTED = {
    "string_to_table": "string_to_array",
    "regexp_split_to_table": "regexp_split_to_array",
    "regexp_matches": "pg_regexp_matches",
}


def _set_functions_as_unnest(tree: exp.Expression) -> None:
    """``string_to_table(...)``, ``regexp_split_to_table(...)`` and ``regexp_matches(...)``
    are ``unnest`` of an array (regexp_matches: of an array of text arrays), so that they go
    where unnest goes, in FROM or in a select list."""
    for f in list(tree.find_all(exp.Anonymous)):
        array_fn = _UNNESTED.get(str(f.this).lower())
        if array_fn is not None:
            f.replace(exp.Anonymous(this="unnest", expressions=[fn(array_fn, *f.expressions)]))


def _insert_subscripted(tree: exp.Expression) -> None:
    """``INSERT INTO t (a[1:2], a[3]) VALUES (x, y)``: the values are assigned in order into
    one array, which starts empty. A column named twice otherwise is 42701, as in PostgreSQL
    (SQLite would keep one of the values)."""
    if not isinstance(tree, exp.Insert) or not isinstance(tree.this, exp.Schema):
        return
    subscripts = tree.meta.get("insert_subscripts") or {}
    cols = tree.this.expressions
    names = [c.name if isinstance(c, exp.Identifier) and c.quoted else c.name.lower()
             for c in cols]
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first and (i not in subscripts or first[name] not in subscripts):
            raise SqlError("42701", f'column "{name}" specified more than once')
        first.setdefault(name, i)
    if not subscripts:
        return
    if not isinstance(tree.expression, exp.Values):
        raise SqlError("0A000", "INSERT ... SELECT into subscripted columns is not supported")
    kept = [i for i, name in enumerate(names) if first[name] == i]
    for row in tree.expression.expressions:
        values = list(row.expressions)
        for i, pairs in sorted(subscripts.items()):
            if i >= len(values):
                continue
            v = values[i]
            sliced = any(hi is not None for _, hi in pairs)
            args = [exp.Literal.number(x) for lo, hi in pairs
                    for x in ((lo if hi is not None else 1, hi if hi is not None else lo)
                              if sliced else (lo,))]
            target = first[names[i]]
            array = exp.Null() if target == i else values[target]
            values[target] = fn("pg_array_assign_slice" if sliced else "pg_array_assign",
                                array, v.copy(), *args)
        row.set("expressions", [values[i] for i in kept if i < len(values)]
                + values[len(names):])
    tree.this.set("expressions", [cols[i] for i in kept])


def _subscript_value(idx: exp.Expression, e: exp.Bracket, shifted: bool) -> exp.Expression:
    """A subscript as a 1-based integer expression (sqlglot made some literals 0-based)."""
    if not isinstance(idx, (exp.Literal, exp.Neg)) or (
        isinstance(idx, exp.Literal) and idx.is_string
    ):
        return fn("pg_int", idx)  # '2' is 2 and 'x' is 22P02, as PostgreSQL coerces it
    if isinstance(idx, exp.Neg) and not isinstance(idx.this, exp.Literal):
        return idx
    k = int(idx.this.this if isinstance(idx, exp.Neg) else idx.this)
    k = -k if isinstance(idx, exp.Neg) else k
    return exp.Literal.number(k + 1 if shifted else k)


def _positive_literal(e: exp.Expression | None) -> bool:
    return isinstance(e, exp.Literal) and not e.is_string and int(float(e.this)) >= 1


def _substring(e: exp.Substring) -> exp.Expression:
    """substr / substring(s FROM start FOR count) as PostgreSQL counts: a start before 1
    still counts its characters off ``count`` (SQLite's counts from the end), and a
    negative count is 22011. Plain SQLite, no Python call."""
    start, count = e.args["start"], e.args.get("length")
    if _positive_literal(start) and (count is None or (
            isinstance(count, exp.Literal) and not count.is_string)):
        return e
    first = exp.func("max", start.copy(), exp.Literal.number(1), dialect="sqlite")
    if count is None:
        return exp.Substring(this=e.this, start=first)
    size = exp.func("max", exp.Sub(this=exp.Add(this=start.copy(), expression=count.copy()),
                                   expression=first.copy()),
                    exp.Literal.number(0), dialect="sqlite")
    return exp.Case(
        ifs=[exp.If(this=exp.LT(this=count.copy(), expression=exp.Literal.number(0)),
                    true=fn("pg_raise", _str("22011"),
                            _str("negative substring length not allowed")))],
        default=exp.Substring(this=e.this, start=first, length=size))


def _array_elem(oid: int) -> int | None:
    """The element type of an array type (not the 0-based int2vector / oidvector)."""
    t = types.BY_OID.get(oid)
    if t is None or t.category != "A" or oid in (22, 30):
        return None
    return t.elem_oid or types.TEXT


def _array_comparison(e: exp.Expression, typed: tuple) -> exp.Expression | None:
    """``a op b`` with an array operand: PostgreSQL's array order (element by element, NULL
    elements last, then by size), a text or parameter operand read as an array literal."""
    oids = [t[0] if t else None for t in typed]
    if 2950 in oids and oids.count(2950) == 1:
        # a uuid against text: the text through uuid input ('{...}', no hyphens, upper case)
        other = e.expression if oids[0] == 2950 else e.this
        if isinstance(other, (exp.Literal, exp.Parameter)) and not isinstance(other, exp.Null):
            other.replace(fn("pg_uuid", other.copy()))
        return None
    elems = [_array_elem(o) if o is not None else None for o in oids]
    elem = next((x for x in elems if x is not None), None)
    if elem is None:
        return None
    sides = []
    for side, x in zip((e.this, e.expression), elems, strict=True):
        if x is None:
            if isinstance(side, exp.Null):
                return None
            side = fn("pg_array_in", side, exp.Literal.number(elem))
        sides.append(side)
    return type(e)(this=fn("pg_array_cmp", *sides), expression=exp.Literal.number(0))


def _array_agg(e: exp.Expression, arg: exp.Expression) -> exp.Expression:
    """array_agg(x): NULL over no rows; an array argument nests (a dimension more)."""
    nested = 0 in e.meta.get("array_elements", ())
    if nested:
        if isinstance(arg, exp.Order):
            arg.set("this", fn("json", arg.this))
        else:
            arg = fn("json", arg)
        return fn("pg_array_agg_check", fn("nullif", fn("json_group_array", arg), _str("[]")))
    return fn("nullif", fn("json_group_array", arg), _str("[]"))


def _unnest_element_types(tree: exp.Expression) -> None:
    """Before the rewrite turns ``$1::numeric[]`` into pg_array_in: note on each unnest the
    element type OID of each argument cast to an array type (None when not cast)."""
    for u in tree.find_all(exp.Unnest):
        oids: list[int | None] = []
        for arg in u.expressions:
            while isinstance(arg, exp.Paren):
                arg = arg.this
            t = types.BY_OID.get(datatype_ref(arg.to)[0]) if isinstance(arg, exp.Cast) else None
            oids.append(t.elem_oid or None if t is not None and t.category == "A" else None)
        u.meta["unnest_types"] = oids


def _zipped(arrays: list[str], key: str) -> tuple[str, list[str]]:
    """Several JSON arrays side by side: the array whose json_each (aliased ``key``) drives
    (the longest), and each array's element at that row's index (NULL past its end)."""
    if len(arrays) == 1:
        return arrays[0], [f"{key}.value"]
    lengths = [f"coalesce(json_array_length({a}), 0)" for a in arrays]
    longest = " ".join(f"WHEN {n} THEN {a}" for n, a in zip(lengths[:-1], arrays, strict=False))
    driver = f"CASE max({', '.join(lengths)}) {longest} ELSE {arrays[-1]} END"
    return driver, [f"json_extract({a}, '$[' || {key}.key || ']')" for a in arrays]


def _array_sql(arr: exp.Expression) -> str:
    """SQLite text of an array operand as JSON (a PostgreSQL ``{...}`` literal is converted)."""
    if isinstance(arr, exp.Anonymous) and str(arr.this) in ("pg_array_in", "json_array"):
        return generate(arr)
    return generate(fn("pg_array_in", arr))


def _element_sql(rw: Rewriter, value: str, oid: int | None) -> str:
    """An unnested element in the storage form of its declared element type."""
    if oid is None or oid in (types.TEXT, 1043):
        return value
    name = types.format_type(oid, -1)
    to = exp.DataType.build(name, dialect="postgres", udt=True)
    return generate(rw._cast(exp.Cast(this=Raw(this=value), to=to)))


def _interval_text(e: exp.Interval) -> exp.Expression:
    """``INTERVAL '2' HOURS`` (sqlglot's split form) back to the text ``'2 hours'``."""
    unit = e.args.get("unit")
    value = e.this
    if unit is None:
        return fn("pg_interval", value)
    if isinstance(unit, (exp.IntervalSpan, exp.Second)) or (
            isinstance(value, exp.Literal)
            and not re.fullmatch(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*", value.this)):
        # a range (DAY TO HOUR), a seconds precision, or more than a number: SQL standard
        first, last = (unit.this, unit.expression) if isinstance(unit, exp.IntervalSpan) else (
            unit, unit)
        precision = last.this if isinstance(last, exp.Second) else exp.Null()
        for field in (first, last):  # DAY TO TO HOUR: the parser took TO for a field
            if _field_name(field) not in interval.FIELD_ORDER:
                raise SqlError("42601", f'syntax error at or near "{field.name}"')
        return fn("pg_interval_q", value, _str(_field_name(first)), _str(_field_name(last)),
                  precision)
    u = unit.name.lower()
    if isinstance(value, exp.Literal):
        return fn("pg_interval", _str(f"{value.this} {u}"))
    return exp.DPipe(this=exp.DPipe(this=value, expression=_str(" ")), expression=_str(u))


def _bit_string(e: exp.BitString | exp.HexString) -> exp.Literal:
    """B'0101' / X'1F': its digits of 0 and 1 as text, the form bit and varbit columns hold
    (text compares as bit strings do: bit by bit, a prefix first)."""
    bits = e.this if isinstance(e, exp.BitString) else "".join(
        f"{int(c, 16):04b}" for c in e.this)  # the tokenizer took only binary / hex digits
    return _bits_literal(bits)


_BIT_OPERATORS = (exp.BitwiseAnd, exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseNot,
                  exp.BitwiseLeftShift, exp.BitwiseRightShift, exp.Getbit)
_BIT_VERBS = {exp.BitwiseAnd: "AND", exp.BitwiseOr: "OR", exp.BitwiseXor: "XOR"}


def _bit_operation(e: exp.Expression) -> exp.Expression | None:
    """``B'0101' & B'0011'``, ``~B'01'`` of bit string literals, folded at translation as
    varbit.c computes them, and ``B'01' << n``, ``get_bit(B'0101', n)`` as calls (the text
    they are held as has no bitwise operators); None for any other operand."""
    bits = e.this.unnest().meta.get("bits")
    if bits is None:
        return None
    if isinstance(e, exp.BitwiseNot):
        return _bits_literal(bits.translate(str.maketrans("01", "10")))
    other = e.expression.unnest()
    if isinstance(e, tuple(_BIT_VERBS)):
        if other.meta.get("bits") is None:
            return None
        if len(other.meta["bits"]) != len(bits):
            raise SqlError("22026", f"cannot {_BIT_VERBS[type(e)]} bit strings of different sizes")
        a, b = int(bits or "0", 2), int(other.meta["bits"] or "0", 2)
        n = a & b if isinstance(e, exp.BitwiseAnd) else a | b if isinstance(e, exp.BitwiseOr) else a ^ b
        return _bits_literal(format(n, f"0{len(bits)}b") if bits else "")
    if isinstance(e, exp.Getbit):
        return fn("pg_bit_get", _str(bits), other)
    # (the count is a parameter of the cached plan)
    return fn("pg_bit_shift", _str(bits),
              exp.Neg(this=exp.Paren(this=other)) if isinstance(e, exp.BitwiseRightShift) else other)


_BIT_MEASURES = {"length": len, "bit_length": len, "octet_length": lambda b: (len(b) + 7) // 8,
                 "bit_count": lambda b: b.count("1")}


def _bit_measure(e: exp.Expression) -> exp.Expression | None:
    """length, bit_length, octet_length and bit_count of a bit string literal, folded as
    varbit.c counts (the text it is held as has a byte per bit); bit_length of anything else
    is its octet_length in bits."""
    if isinstance(e, exp.Anonymous):
        name = str(e.this).lower()
        if name not in ("bit_count", "octet_length") or len(e.expressions) != 1:
            return None
        arg = e.expressions[0]
    else:
        name, arg = "bit_length" if isinstance(e, exp.BitLength) else "length", e.this
    bits = arg.unnest().meta.get("bits")
    if bits is not None:
        return exp.Literal.number(_BIT_MEASURES[name](bits))
    if name == "bit_length":
        return exp.Mul(this=fn("octet_length", arg), expression=exp.Literal.number(8))
    return None


def _literal_type(e: exp.Expression) -> str:
    """The type PostgreSQL gives a constant argument, for a 42883 message."""
    e = e.unnest()
    if isinstance(e, exp.Neg):
        e = e.this
    if isinstance(e, exp.Literal) and not e.is_string:
        return "integer" if e.is_int and abs(int(e.this)) < 2**31 else (
            "bigint" if e.is_int else "numeric")
    return "unknown" if isinstance(e, exp.Literal) else "integer"


def bit_width(to: exp.Expression) -> tuple[int, bool] | None:
    """The length a cast to bit(n) / varbit(n) gives (bit alone is bit(1), varbit alone -1:
    any), and whether it is varying; None for other types."""
    if not isinstance(to, exp.DataType):
        return None
    varying = to.this == exp.DataType.Type.USERDEFINED and str(to.args.get("kind")).lower() == "varbit"
    if to.this != exp.DataType.Type.BIT and not varying:
        return None
    params = to.expressions
    if not params:
        return (-1, True) if varying else (1, False)
    n = params[0].this if isinstance(params[0], exp.DataTypeParam) else params[0]
    return (int(n.name), varying) if isinstance(n, exp.Literal) and n.is_int else None


def _bits_literal(bits: str) -> exp.Literal:
    lit = _str(bits)
    lit.meta["bits"] = bits
    return lit


def _bits_to_int(bits: str, oid: int) -> exp.Expression:
    """A bit string literal cast to int4 / int8: its bits as a number (bittoint4, bittoint8)."""
    if oid not in (types.INT4, types.INT8):
        raise SqlError("42846", f"cannot cast type bit to {types.format_type(oid)}")
    width = _INT_BITS[oid]
    if len(bits) > width:
        raise SqlError("22003", f"{'integer' if width == 32 else 'bigint'} out of range")
    n = int(bits or "0", 2)
    return exp.Literal.number(n - (1 << width) if n >> (width - 1) else n)


def _interval_call(value: exp.Expression, typmod: int) -> exp.Expression:
    """A value cast or written to interval: with a typmod (interval day to second(0)), read
    by its fields and cut to them, as interval_in and interval_scale do."""
    if typmod < 0:
        return fn("pg_interval", value)
    first, last, precision = interval.typmod_fields(typmod)
    return fn("pg_interval_q", value, _str(first), _str(last),
              exp.Null() if precision is None else exp.Literal.number(precision))


def _field_name(e: exp.Expression) -> str:
    """The field of an interval qualifier: YEAR ... SECOND (sqlglot: a Var, or Second)."""
    return "second" if isinstance(e, exp.Second) else e.name.lower().rstrip("s")


_DATETIME_INPUT = {1082: "pg_date", 1114: "pg_timestamp_in", 1184: "pg_timestamptz", 1083: "pg_time"}
_EXTRACT_KINDS = {1082: "date", 1083: "time", 1266: "timetz", 1114: "timestamp",
                  1184: "timestamptz"}
_INTERVAL_AGGREGATES = {exp.Sum: "pg_interval_sum", exp.Avg: "pg_interval_avg",
                        exp.Min: "pg_interval_min", exp.Max: "pg_interval_max"}


def _interval_rule(e: exp.Expression) -> exp.Expression:
    """interval * number, number * interval, interval / number, -interval, EXTRACT from an
    interval: PostgreSQL's interval_mul / interval_div / interval_um / interval_part."""
    if isinstance(e, exp.Extract):
        unit = e.this
        if not is_extract(e):  # date_part: double precision
            return fn("pg_interval_part", unit, e.expression)
        u = _str(unit.name.lower()) if isinstance(unit, (exp.Var, exp.Identifier)) else unit
        return fn("pg_interval_extract", u, e.expression)
    if isinstance(e, exp.Neg):
        return fn("pg_interval_neg", e.this)
    if isinstance(e, tuple(_INTERVAL_AGGREGATES)):
        return fn(_INTERVAL_AGGREGATES[type(e)], e.this)
    if isinstance(e, exp.Anonymous):  # already rewritten (pg_extract of date_part)
        return fn("pg_interval_part", *e.expressions)
    iv, factor = (e.this, e.expression) if e.meta["interval_operand"] == 0 else (
        e.expression, e.this)
    return fn("pg_interval_div" if isinstance(e, exp.Div) else "pg_interval_mul", iv, factor)


def _is_interval(e: exp.Expression) -> bool:
    """Whether an already rewritten operand is an interval value."""
    if isinstance(e, exp.Literal) and e.is_string:
        return bool(re.fullmatch(r"\s*-?\d+(\.\d+)?\s+[a-z]+.*|\s*\d+:\d\d(:\d\d)?", e.this))
    return isinstance(e, exp.Anonymous) and str(e.this) == "pg_interval"


_ORDERED_SETS = {
    exp.PercentileCont: "percentile_cont",
    exp.PercentileDisc: "percentile_disc",
    exp.Mode: "mode",
    exp.Rank: "rank",
    exp.DenseRank: "dense_rank",
    exp.PercentRank: "percent_rank",
    exp.CumeDist: "cume_dist",
}


def _with_ties(tree: exp.Expression, conn: apsw.Connection) -> exp.Expression:
    """``ORDER BY k FETCH FIRST n ROWS WITH TIES``: the rows whose rank() over that order is
    at most n (SQLite's LIMIT has no ties)."""
    for sel in list(tree.find_all(exp.Select)):
        fetch = sel.args.get("limit")
        opts = fetch.args.get("limit_options") if isinstance(fetch, exp.Fetch) else None
        if opts is None or not opts.args.get("with_ties"):
            continue
        order = sel.args.get("order")
        if order is None:
            raise SqlError("42601", "WITH TIES cannot be specified without ORDER BY clause")
        if any(lock.args.get("wait") is False for lock in sel.args.get("locks") or []):
            raise SqlError("42601", "SKIP LOCKED and WITH TIES options cannot be used together")
        if sel.args.get("offset") is not None:
            continue  # not carried over: LIMIT without the ties
        star = sel.is_star
        names = fromitems.query_names(sel, conn) if star else [
            column_name(e) for e in sel.expressions]
        if names is None or (star and len({n.lower() for n in names}) != len(names)):
            continue
        by_alias = {n.lower(): exp.column(exp.to_identifier(n, quoted=True)) for n in names}
        if not star:
            by_alias = {n.lower(): (e.this if isinstance(e, exp.Alias) else e)
                        for n, e in zip(names, sel.expressions, strict=True)}
        keys = []
        for o in order.expressions:
            k = o.copy()
            key = k.this
            if isinstance(key, exp.Literal) and key.is_int and 0 < int(key.name) <= len(names):
                k.set("this", by_alias[names[int(key.name) - 1].lower()].copy())
            elif isinstance(key, exp.Column) and not key.table and key.name.lower() in by_alias:
                k.set("this", by_alias[key.name.lower()].copy())
            keys.append(k)
        count = fetch.args.get("count") or exp.Literal.number(1)
        inner = sel.copy()
        inner.set("limit", None)
        inner.set("order", None)
        own = [e.copy() for e in sel.expressions] if star else [
            exp.alias_(e.this.copy() if isinstance(e, exp.Alias) else e.copy(), f"_w{i}")
            for i, e in enumerate(sel.expressions)]
        rank = exp.Window(this=exp.Anonymous(this="rank", expressions=[]),
                          order=exp.Order(expressions=keys))
        inner.set("expressions", [*own, exp.alias_(rank, "_rk")])
        outer = exp.select(*[
            exp.alias_(exp.column(exp.to_identifier(n, quoted=True) if star else f"_w{i}"), n,
                       quoted=True)
            for i, n in enumerate(names)]).from_(
            exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("_wt")))
        ).where(exp.LTE(this=exp.column("_rk"), expression=exp.Paren(this=count.copy())))
        outer.set("order", exp.Order(expressions=[exp.Ordered(this=exp.column("_rk"))]))
        if sel is tree:
            tree = outer
        else:
            sel.replace(outer)
    return tree


def _having_without_group(tree: exp.Expression) -> None:
    """``SELECT 1 FROM t HAVING 1 < 2``: without GROUP BY the whole input is one group; a
    plain column outside an aggregate is 42803. SQLite takes HAVING only in a query whose
    result has an aggregate, so the first column becomes ``CASE WHEN count(*) >= 0 THEN
    col END``."""
    for sel in list(tree.find_all(exp.Select)):
        having = sel.args.get("having")
        if having is None or sel.args.get("group") is not None:
            continue
        for part in [*sel.expressions, having]:
            for col in part.find_all(exp.Column):
                if col.is_star or _owner_select(col) is not sel:
                    continue
                agg = col.find_ancestor(exp.AggFunc, exp.Select)
                if not isinstance(agg, exp.AggFunc):
                    raise SqlError("42803", f'column "{col.sql()}" must appear in the GROUP BY '
                                            "clause or be used in an aggregate function")
        if any(e.find(exp.AggFunc) for e in sel.expressions) or not sel.expressions:
            continue
        first = sel.expressions[0]
        value = first.this if isinstance(first, exp.Alias) else first
        counted = exp.Case(ifs=[exp.If(this=exp.GTE(this=exp.Count(this=exp.Star()),
                                                   expression=exp.Literal.number(0)),
                                       true=value.copy())])
        first.replace(exp.alias_(counted, column_name(first), quoted=True))


def _bare_set_arms(tree: exp.Expression) -> None:
    """``(SELECT 2) UNION SELECT 2``: SQLite takes no parentheses around a compound's arm; a
    plain SELECT loses them, one with ORDER BY / LIMIT becomes ``SELECT * FROM (...)``."""
    for op in list(tree.find_all(exp.SetOperation)):
        for key in ("this", "expression"):
            arm = op.args.get(key)
            if not isinstance(arm, exp.Subquery) or arm.alias:
                continue
            inner = arm.this
            while isinstance(inner, exp.Subquery) and not inner.alias:
                inner = inner.this
            if isinstance(inner, exp.Select) and not any(
                inner.args.get(k) for k in ("order", "limit", "offset", "with_")
            ):
                op.set(key, inner)
            else:
                op.set(key, exp.select("*").from_(exp.Subquery(this=inner)))


def _check_ordered_set(e: exp.WithinGroup, conn: apsw.Connection) -> None:
    """Explicit collations must agree (42P21). An ordered-set aggregate whose sort key reads
    only an outer query's columns belongs to that query (PostgreSQL's rule), which this
    translation does not carry over."""
    collations = {c.expression.name for c in e.find_all(exp.Collate)}
    if len(collations) > 1:
        a, b = sorted(collations)[:2]
        raise SqlError("42P21", f'collation mismatch between explicit collations "{a}" and "{b}"')
    sel = _owner_select(e)
    cols = [c for k in e.expression.find_all(exp.Column) for c in [k] if not c.table]
    if sel is None or _owner_select(sel) is None or not cols:
        return
    frm = sel.args.get("from_")
    local: set[str] = set()
    for src in ([frm.this] if frm is not None else []) + [j.this for j in sel.args.get("joins") or []]:
        names = fromitems.source_names(src, sel, conn)
        if names is None:
            return
        local.update(n.lower() for n in names)
    if any(c.name.lower() in local for c in cols):
        return
    if e.this.find(exp.Column):
        raise SqlError("42803", "direct arguments of an ordered-set aggregate must use only "
                                "grouped columns")
    raise SqlError("0A000", "an ordered-set aggregate of an outer query is not supported")


def _ordered_set(e: exp.WithinGroup) -> exp.Expression:
    """``agg(args) WITHIN GROUP (ORDER BY x)``: aggregates.py's ``pg_os_<agg>(desc, x, args)``."""
    kind = _ORDERED_SETS.get(type(e.this))
    order = e.expression
    keys = order.expressions if isinstance(order, exp.Order) else []
    agg = e.this
    name = kind or (str(agg.this) if isinstance(agg, exp.Anonymous) else agg.sql_name().lower())
    hypothetical = kind in ("rank", "dense_rank", "percent_rank", "cume_dist")
    nargs = len(agg.expressions) if hypothetical else 1
    if kind is None or len(keys) != nargs:
        raise SqlError("42883", f"function {name} does not exist")
    if isinstance(agg.this, exp.Order):
        raise SqlError("42601", 'syntax error at or near "ORDER"')
    args = [agg.this] if agg.this is not None else []
    args += [a for a in agg.expressions]
    sel = _owner_select(e)
    grouped = {
        c.name.lower()
        for g in ((sel.args.get("group") or exp.Group()).expressions if sel else [])
        for c in g.find_all(exp.Column)
    }
    for a in args:
        for c in a.find_all(exp.Column):
            if c.name.lower() not in grouped:
                raise SqlError("42803", "direct arguments of an ordered-set aggregate must use "
                                        f'only grouped columns: "{c.name}"')
    dirs = _str("".join("1" if k.args.get("desc") else "0" for k in keys))
    return fn(f"pg_os_{kind}", dirs, *[k.this for k in keys], *args)


_NOT_SCALAR = (exp.From, exp.Join, exp.In, exp.Exists, exp.Any, exp.All, exp.Lateral, exp.Table,
               exp.Array, exp.SetOperation, exp.CTE, exp.Subquery, exp.Insert, exp.Create)


def _scalar_subqueries(tree: exp.Expression) -> None:
    """A sub-SELECT used as a value answers one row: a second one is PostgreSQL's 21000
    (SQLite takes the first, a wrong answer). One that cannot return two rows is left as it
    is: an aggregate without GROUP BY, or LIMIT 1; the others go through dml's row check
    (LIMIT 2 and a count of the rows)."""
    for sub in list(tree.find_all(exp.Subquery)):
        inner = sub.this
        if (isinstance(sub.parent, _NOT_SCALAR) or not isinstance(inner, exp.Select)
                or len(inner.expressions) != 1 or isinstance(inner.expressions[0], exp.Star)
                or sub.args.get("alias") is not None):
            continue
        limit = inner.args.get("limit")
        if isinstance(limit, exp.Limit) and isinstance(limit.expression, exp.Literal) \
                and limit.expression.name in ("0", "1"):
            continue
        if not inner.args.get("group") and any(
                e.find(exp.AggFunc) is not None and e.find(exp.Window) is None
                for e in inner.expressions):
            continue
        where = inner.args.get("where")
        if where is not None and "pg_raise_multirow" in where.sql():
            continue  # already one (an UPDATE's row sub-SELECT)
        sub.replace(dml.one_row(sub.copy(), 1))


def _owner_select(e: exp.Expression) -> exp.Expression | None:
    node = e.parent
    while node is not None and not isinstance(node, exp.Select):
        node = node.parent
    return node


def _array_subquery(sel: exp.Expression, nested: bool = False) -> exp.Expression:
    """``ARRAY(SELECT x ...)`` as a JSON array built by a correlated scalar subquery; rows
    that are arrays themselves (``nested``) go in as JSON, a dimension each."""
    return Raw(this=_array_subquery_sql(sel, nested))


def _array_subquery_sql(sel: exp.Expression, nested: bool = False) -> str:
    # Name the subquery's single column so the outer aggregate can refer to it.
    sel = sel.copy()
    if isinstance(sel, exp.Select) and sel.expressions:
        first = sel.expressions[0]
        sel.expressions[0].replace(
            exp.alias_(first.this if isinstance(first, exp.Alias) else first, "_v")
        )
    value = "json(pg_array_in(_v))" if nested else "_v"
    return f"(SELECT json_group_array({value}) FROM ({generate(sel)}))"


_VOLATILE = frozenset(("random", "nextval", "setval", "gen_random_uuid", "clock_timestamp",
                       "uuid_generate_v4", "timeofday"))


def _materialize_volatile(w: exp.With) -> None:
    """PostgreSQL computes a WITH item read more than once a single time; SQLite may compute
    it once per reference, which shows when it calls a volatile function (random(),
    nextval ...): such an item is MATERIALIZED, as it is there."""
    owner = w.parent
    if owner is None:
        return
    for cte in w.expressions:
        if cte.args.get("materialized") is not None:
            continue
        volatile = cte.this.find(exp.Rand) is not None or any(
            isinstance(f, exp.Anonymous) and str(f.this).lower() in _VOLATILE
            for f in cte.this.find_all(exp.Anonymous)
        )
        if not volatile:
            continue
        name = cte.alias_or_name.lower()
        uses = sum(1 for t in owner.find_all(exp.Table) if t.name.lower() == name)
        if uses > 1:
            cte.set("materialized", True)


def _check_recursive(w: exp.With) -> None:
    """What PostgreSQL refuses in a recursive term (SQLite would loop on some of it)."""
    for cte in w.expressions:
        body = cte.this
        if not isinstance(body, exp.Union):
            continue
        name = cte.alias_or_name.lower()
        term = body.expression
        if not any(t.name.lower() == name for t in term.find_all(exp.Table)):
            continue
        for arg, what in (("order", "ORDER BY"), ("limit", "LIMIT"), ("offset", "OFFSET")):
            if body.args.get(arg) is not None or term.args.get(arg) is not None:
                raise SqlError("0A000", f"{what} in a recursive query is not implemented")
        if term.args.get("locks"):
            raise SqlError("0A000", "FOR UPDATE/SHARE in a recursive query is not implemented")
        _check_outer_join(term, name)


def _check_outer_join(term: exp.Expression, name: str) -> None:
    """The recursive reference may not sit on the nullable side of an outer join (42P19)."""
    frm = term.args.get("from_")
    if not isinstance(term, exp.Select) or frm is None:
        return

    def is_ref(item: exp.Expression) -> bool:
        return isinstance(item, exp.Table) and item.name.lower() == name

    seen = is_ref(frm.this)
    for join in term.args.get("joins") or []:
        side = str(join.args.get("side") or "").upper()
        here = is_ref(join.this)
        if (side in ("LEFT", "FULL") and here) or (side in ("RIGHT", "FULL") and seen):
            raise SqlError("42P19", f'recursive reference to query "{name}" must not appear '
                           "within an outer join")
        seen = seen or here


def unicode_string(body: str, escape: str) -> str:
    """The text of ``U&'body' UESCAPE 'escape'`` as PostgreSQL's scanner decodes it."""
    if len(escape) != 1 or escape in "0123456789abcdefABCDEF+'\" \t\n\r\f":
        raise SqlError("42601", "invalid Unicode escape character")
    hexd = "[0-9a-fA-F]"
    pattern = re.compile(
        f"{re.escape(escape)}(?:({re.escape(escape)})|({hexd}{{4}})|\\+({hexd}{{6}})|)")
    out: list[str] = []
    pos = 0
    high: int | None = None
    for m in pattern.finditer(body):
        out.append(body[pos:m.start()])
        pos = m.end()
        if m.group(1):
            out.append(escape)
            continue
        code = m.group(2) or m.group(3)
        if code is None:
            raise SqlError("42601", "invalid Unicode escape",
                           hint="Unicode escapes must be \\XXXX or \\+XXXXXX.")
        cp = int(code, 16)
        if high is not None:
            if not 0xDC00 <= cp <= 0xDFFF:
                raise SqlError("42601", "invalid Unicode surrogate pair")
            out.append(chr(0x10000 + ((high - 0xD800) << 10) + (cp - 0xDC00)))
            high = None
        elif 0xD800 <= cp <= 0xDBFF:
            high = cp
        elif 0xDC00 <= cp <= 0xDFFF or cp > 0x10FFFF or cp == 0:
            raise SqlError("42601", "invalid Unicode escape value")
        else:
            out.append(chr(cp))
    if high is not None:
        raise SqlError("42601", "invalid Unicode surrogate pair")
    out.append(body[pos:])
    return "".join(out)


def to_sqlite(
    tree: exp.Expression, catalog: Catalog, inferer: Inferer | None = None,
    mysql_rules: bool = False,
) -> tuple[str, Rewriter]:
    """Rewrite ``tree`` in place and return the SQLite text and what the rewrite saw
    (``inferer``: the statement's parameter and literal types, for the numeric rule;
    ``mysql_rules``: the statement comes from the MySQL dialect; see ``Session.mysql_rules``)."""
    rw = Rewriter(catalog, inferer)
    rw.mysql_rules = rw.numeric.mysql_rules = mysql_rules
    tree = rw.run(tree)
    return generate(tree), rw
