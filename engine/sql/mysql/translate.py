"""MySQL queries and DML as PostgreSQL text for the wrapped session (sqlglot plus our rules).

:func:`translate` takes the sentinel text of :func:`.lexer.normalize` and returns a
:class:`Translation`: the PostgreSQL text cut at each literal (the session splices the
values in), result column names as MySQL makes them (the expression's text), and what the
session needs to count rows (INSERT's mode and target). The rules:

- ``@@var``, ``@var``, DATABASE(), USER(), LAST_INSERT_ID()... become calls of functions
  the session registers on the connection (``mysql_sysvar('x')``...), so a translation does
  not depend on session state and stays cacheable.
- NOW()/CURRENT_TIMESTAMP are DATETIME without a zone (``LOCALTIMESTAMP`` to the second: the
  session's time_zone is the PostgreSQL session's TimeZone, so they follow it at run time);
  ``/`` is decimal division with the dividend's scale plus 4 (div_precision_increment),
  NULL on zero; ``DIV`` is an integer; TRUE and FALSE are 1 and 0.
- ON DUPLICATE KEY UPDATE (``VALUES(c)`` and the 8.0 ``AS alias`` form), REPLACE and INSERT
  IGNORE become ``ON CONFLICT`` without a target (SQLite's upsert takes any unique key).
- DELETE / UPDATE with ORDER BY or LIMIT select their rows by rowid.
- ``information_schema.x`` is this dialect's TEMP table ``_my_is_x``: such a statement is
  generated for SQLite and run there directly.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from aurora.engine.sql import dml, grouping
from aurora.engine.sql.mysql import types as mysql_types
from aurora.engine.sql.mysql.functions import COMPOUND_UNITS, DATE_PARTS, date_only, text_datetime
from aurora.engine.sql.mysql.lexer import SENTINEL, string_value
from aurora.engine.sql.mysql.lexer import tokens as lexer_tokens
from aurora.engine.sql.mysql.lexer import unquote as lexer_unquote
from aurora.engine.sqlapi import SqlError


class Unsafe(Exception):
    """A literal sits where its value shapes the translation (a format, an ordinal):
    translate the text with its literals in place instead."""


@dataclass
class Translation:
    kind: str  # select | insert | update | delete
    parts: list[str]  # text between literal slots
    slots: list[int]  # for each gap, the index of the literal that fills it
    names: list[str | None] | None = None  # MySQL result names, sentinels inside
    # for each result column that is one literal, its text (a sentinel): its type follows it
    literals: list[str | None] | None = None
    # UNION / INTERSECT / EXCEPT: a column's table (its first arm's) does not bound its values
    compound: bool = False
    table: str | None = None  # INSERT target; UPDATE's, when it is one table
    columns: list[str] | None = None  # INSERT column list as written
    mode: str = ""  # "" | ignore | upsert | replace
    rows: int = 0  # VALUES rows of an INSERT
    direct: bool = False  # run on SQLite itself (information_schema)
    is_tables: list[str] = field(default_factory=list)  # information_schema tables used
    nparams: int = 0
    calc_found_rows: bool = False
    dynamic: bool = False  # reads @@/@ variables: result types follow the values
    described: tuple[list, list] | None = None  # (the session's columns, ours), settled
    # (the session's columns, their bool ones, their timestamptz ones): converted in each row
    converted: tuple[list, list[int], list[int]] | None = None
    # (index, is a TIMESTAMP's) of the parameters the session types timestamp / timestamptz
    zoned_params: list[tuple[int, bool]] | None = None
    # UPDATE ... ORDER BY, UPDATE / DELETE IGNORE: the query of its rows' ids (in that
    # order); the statement itself then writes one row, its id the parameter after the
    # statement's own (MySqlSession._row_by_row)
    ordered: Translation | None = None
    # DELETE / UPDATE of several tables: for each, its real name, the query of its rows'
    # ids (and of the values an UPDATE sets), all run before the first row is written, and
    # the write of one row: its values, then its id, as parameters (MySqlSession._several)
    several: list[tuple[str, Translation, str]] | None = None
    locks: bool = False  # a locking read (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE)
    again: bool = False  # a plain query that may go straight to the session's plan (_query_again)
    # 1055 / 1140: what ONLY_FULL_GROUP_BY refuses in it (raised while sql_mode has it)
    full_group_by: SqlError | None = None
    # user variables the statement assigns (``@r := @r + 1``): read row by row, not as a
    # literal of the value the statement began with
    assigned: frozenset[str] = frozenset()
    limited: bool = False  # a query with a LIMIT of its own: sql_select_limit leaves it alone
    # an UPDATE / DELETE of one table: the columns its WHERE reads (None without a WHERE),
    # and whether it has a LIMIT; what sql_safe_updates looks at (MySqlSession._safe_update)
    where_columns: frozenset[str] | None = None
    write_limit: bool = False
    write_target: str | None = None  # that one table


    def text(self, lits: list[str]) -> str:
        if not self.slots:
            return self.parts[0]
        out = [self.parts[0]]
        for i, s in enumerate(self.slots):
            out.append(lits[s])
            out.append(self.parts[i + 1])
        return "".join(out)


@dataclass(frozen=True)
class ColumnDefault:
    """What DEFAULT(col) reads of a column."""

    pg_type: str  # the column's type as the PostgreSQL session spells it
    pg_default: str | None  # its default as the PostgreSQL session stores it
    mysql_default: str | None  # as MySQL shows it ('x', CURRENT_TIMESTAMP, (RAND()))
    declared: bool  # made by this dialect's DDL (mysql_default is MySQL's text)
    nullable: bool
    auto_increment: bool


@dataclass
class Context:
    """What a translation may depend on: constant while the cache lives."""

    database: str | None  # None: no database selected (1046 for an unqualified table)
    table_columns: Callable[[str], list[str] | None]
    on_update: Callable[[str], list[str]] = lambda table: []  # ON UPDATE CURRENT_TIMESTAMP
    # (type OID, typmod) of table.column as the PostgreSQL session stores it, or None
    column_type: Callable[[str, str], tuple[int, int] | None] = lambda table, column: None
    # the table's columns (lower case) and the MySQL types they were declared with
    # (see _write_forms)
    declared_types: Callable[[str], dict[str, str]] = lambda table: {}
    # a stored table's columns and keys (primary, then unique NOT NULL); None for a view
    stored_table: Callable[[str], grouping.Table | None] = lambda table: None
    # table.column is NOT NULL and takes no NULL as "the next id" (AUTO_INCREMENT)
    not_null: Callable[[str, str], bool] = lambda table, column: False
    # what DEFAULT(table.column) reads, or None for no such column
    column_default: Callable[[str, str], ColumnDefault | None] = lambda table, column: None


_STRIP_WORDS = re.compile(
    r"\b(SQL_CALC_FOUND_ROWS|SQL_NO_CACHE|SQL_CACHE|HIGH_PRIORITY|LOW_PRIORITY|DELAYED|"
    r"STRAIGHT_JOIN|SQL_BUFFER_RESULT|SQL_SMALL_RESULT|SQL_BIG_RESULT|QUICK)\b",
    re.I,
)
_EMPTY_VALUES = re.compile(
    r"\s*insert\s+(?:ignore\s+)?(?:into\s+)?(`[^`]+`|[\w$]+)\s*(?:\(\s*\))?\s*values?\s*\(\s*\)\s*$",
    re.I,
)
_LOCK_SHARE = re.compile(r"\bLOCK\s+IN\s+SHARE\s+MODE\b", re.I)
_WRITE_IGNORE = re.compile(r"^(\s*(?:UPDATE|DELETE))\s+IGNORE\b", re.I)
_REPLACE = re.compile(r"^\s*REPLACE\b(\s+INTO\b)?", re.I)
# DEFAULT(col), the function (sqlglot reads no such call); a quoted name is left as it is
_DEFAULT_OF = re.compile(r"(`(?:[^`]|``)*`)|\bDEFAULT(?=\s*\()", re.I)

_FUNCS = {
    "DATABASE": "mysql_database",
    "SCHEMA": "mysql_database",
    "USER": "mysql_user",
    "SESSION_USER": "mysql_user",
    "SYSTEM_USER": "mysql_user",
    "CURRENT_USER": "mysql_current_user",
    "CONNECTION_ID": "mysql_connection_id",
    "LAST_INSERT_ID": "mysql_last_insert_id",
    "ROW_COUNT": "mysql_row_count",
    "FOUND_ROWS": "mysql_found_rows",
    "SLEEP": "mysql_sleep",
    "GET_LOCK": "mysql_get_lock",
    "RELEASE_LOCK": "mysql_release_lock",
    "RELEASE_ALL_LOCKS": "mysql_release_all_locks",
    "IS_FREE_LOCK": "mysql_is_free_lock",
    "IS_USED_LOCK": "mysql_is_used_lock",
    "UUID_SHORT": "mysql_uuid_short",
}
_VAR_FUNCS = {"VERSION": "version", "AURORA_VERSION": "aurora_version"}
_NOW = {"NOW", "LOCALTIME", "LOCALTIMESTAMP", "CURRENT_TIMESTAMP"}
_SIMPLE: dict[type, str] = {
    exp.DayOfWeek: "mysql_dayofweek",
    exp.DayOfMonth: "mysql_dayofmonth",
    exp.SHA: "mysql_sha1",
    exp.Hex: "mysql_hex",
    exp.Reverse: "mysql_reverse",
    exp.JSONType: "mysql_json_type",
}
# MySQL functions run in Python (engine/sql/mysql/functions.py), by name and by sqlglot node
_PY_FUNCS = {"ORD", "FIELD", "FIND_IN_SET", "STRCMP", "SEC_TO_TIME", "TIME_TO_SEC", "YEARWEEK",
             "CRC32", "FROM_DAYS", "MAKEDATE", "CONV", "JSON_CONTAINS", "ADDTIME", "SUBTIME",
             "TIMEDIFF", "TO_SECONDS", "PERIOD_ADD", "PERIOD_DIFF", "INET_ATON", "INET_NTOA",
             "MAKE_SET", "EXPORT_SET", "TIME_FORMAT", "IS_UUID", "UUID_TO_BIN", "BIN_TO_UUID",
             "CHARSET", "QUOTE", "IS_IPV4", "IS_IPV6", "INET6_ATON", "INET6_NTOA", "JSON_MERGE_PATCH",
             "JSON_MERGE_PRESERVE", "JSON_CONTAINS_PATH", "JSON_DEPTH", "JSON_OVERLAPS", "JSON_SEARCH",
             "JSON_QUOTE"}
_PY_NODES: dict[type, tuple[str, tuple[str, ...]]] = {
    exp.Elt: ("mysql_elt", ("this",)),
    exp.StrPosition: ("mysql_locate", ("substr", "this", "position")),
    exp.SubstringIndex: ("mysql_substring_index", ("this", "delimiter", "count")),
    exp.Substring: ("mysql_substr", ("this", "start", "length")),
    exp.Timestamp: ("mysql_timestamp", ("this", "zone")),
    exp.Stuff: ("mysql_insert", ("this", "start", "length", "expression")),
    exp.Quarter: ("mysql_quarter", ("this",)),
    exp.DayOfYear: ("mysql_dayofyear", ("this",)),
    exp.Week: ("mysql_week", ("this", "mode")),
    exp.SHA2: ("mysql_sha2", ("this", "length")),
    exp.ToBase64: ("mysql_to_base64", ("this",)),
    exp.FromBase64: ("mysql_from_base64", ("this",)),
    exp.NumberToStr: ("mysql_format", ("this", "format", "culture")),
    exp.JSONKeys: ("mysql_json_keys", ("this", "expression")),
    exp.Soundex: ("mysql_soundex", ("this",)),
    exp.BitwiseCount: ("mysql_bit_count", ("this",)),
    exp.BitLength: ("mysql_bit_length", ("this",)),
}
_RAND_SITES = itertools.count(1)
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Neg, exp.BitwiseAnd,
               exp.BitwiseOr, exp.BitwiseXor, exp.BitwiseNot, exp.BitwiseLeftShift, exp.BitwiseRightShift)
_UNSAFE_PARENTS = (exp.Ordered, exp.Group, exp.Interval, exp.DataType, exp.DataTypeParam)
_ORDERINGS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.NullSafeEQ)
_COMPARED = (*_ORDERINGS, exp.In, exp.Between)


def _assignment(node: exp.Expression) -> bool:
    """``c = v`` of an UPDATE's SET or an ON DUPLICATE KEY UPDATE: a write, no comparison."""
    return isinstance(node, exp.EQ) and node.arg_key == "expressions" and isinstance(
        node.parent, exp.Update | exp.OnConflict)


def _comparisons(tree: exp.Expression) -> list[exp.Expression]:
    """The statement's comparisons (``_COMPARED``), its SET items left out."""
    return [n for n in tree.find_all(*_COMPARED) if not _assignment(n)]


def _compared_values(node: exp.Expression) -> list[exp.Expression | None]:
    """What a comparison (``_COMPARED``) compares its left side with: an IN list, BETWEEN's
    bounds, or the right side."""
    if isinstance(node, exp.In):
        return list(node.expressions)
    if isinstance(node, exp.Between):
        return [node.args.get("low"), node.args.get("high")]
    return [node.expression]


# What sqlglot raises when a malformed statement trips its parser or its generator (a
# function taken without its arguments, a property builder handed one it takes not): the
# statement's syntax error, as a ParseError is
_PARSER_TRIPS = (AttributeError, TypeError, ValueError, IndexError, KeyError)


def _syntax(near: str) -> SqlError:
    return SqlError(
        "42000",
        "You have an error in your SQL syntax; check the manual that corresponds to your MySQL "
        f"server version for the right syntax to use near '{near[:80]}' at line 1",
        errno=1064,
    )


def _pg_name(name: str) -> str:
    return '"' + lexer_unquote(name).replace('"', '""') + '"'


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _bigint(e: exp.Expression) -> exp.Expression:
    return exp.Cast(this=e, to=exp.DataType.build("bigint"))


def _time_part(field: str, value: exp.Expression) -> exp.Expression:
    """HOUR / MINUTE / SECOND / MICROSECOND of a DATETIME, TIMESTAMP (its wall time in the
    session's zone), TIME, DATE (0) or text."""
    return _bigint(_fn("mysql_time_part", exp.Literal.string(field), value))


# TIMESTAMPDIFF's units (MICROSECOND ... WEEK count time, MONTH ... YEAR count whole months)
_DIFF_UNITS = {"MICROSECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"}


@functools.lru_cache(maxsize=8)
def _pg(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read="postgres")


def _now(fsp: exp.Expression | None, clock: str = "LOCALTIMESTAMP") -> exp.Expression:
    """NOW(fsp) as a DATETIME of ``clock``: the session's wall time (LOCALTIMESTAMP, which
    follows the session's time zone) or UTC's (UTC_TIMESTAMP). Truncated to fsp digits, as
    MySQL does, and typed with them (NOW() is DATETIME(0): 19 characters on the wire)."""
    if isinstance(fsp, exp.Literal) and SENTINEL.fullmatch("'" + fsp.this + "'"):
        raise Unsafe  # the digits shape the translation
    digits = fsp.this if isinstance(fsp, exp.Literal) else "6" if fsp is not None else "0"
    unit = {"": "second", "0": "second", "3": "milliseconds", "6": None}.get(digits, "")
    if unit == "":  # 1, 2, 4, 5 digits: no unit to truncate to, all six are kept
        return _pg(clock).copy()
    value = f"date_trunc('{unit}', {clock})" if unit else clock
    return _pg(f"CAST({value} AS timestamp({0 if unit == 'second' else digits}))").copy()


_UTC = "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"


FOUND_ROWS_COLUMN = "_aurora_found_rows"


def _count_found_rows(tree: exp.Expression, tr: Translation) -> None:
    """SQL_CALC_FOUND_ROWS: the rows the query would give without its LIMIT, for FOUND_ROWS(),
    counted by a last column ``count(*) OVER ()`` (a window is computed before the LIMIT;
    the session takes the column off). A DISTINCT or a UNION is not counted so: FOUND_ROWS()
    then gives the rows returned."""
    if not isinstance(tree, exp.Select) or tree.args.get("distinct") or not tree.args.get("limit"):
        tr.calc_found_rows = False
        return
    counted = exp.Window(this=exp.Count(this=exp.Star()))
    tree.append("expressions", exp.alias_(counted, FOUND_ROWS_COLUMN, quoted=True))


def _division_by_zero_is_null(tree: exp.Expression, ctx: Context) -> None:
    """A SELECT's division, DIV or MOD by zero is NULL in MySQL (a write's is 1365, as
    strict mode with ERROR_FOR_DIVISION_BY_ZERO has it: PostgreSQL's 22012 maps to it). A
    string operand of arithmetic there (a string literal, a string function, a string
    column) is the DOUBLE MySQL reads in it, with its 1292 warning: ``2.5 / 'abc'`` is
    NULL, ``n - 'abc'`` n, ``1e2 / s`` of a column holding 'abc' NULL (each was 1292)."""
    column = declared = None

    def string(e: exp.Expression) -> bool:
        nonlocal column, declared
        if _string_operand(e):
            return True
        inner = e.unnest()
        if isinstance(inner, exp.Column):
            column = column or _column_types(tree, ctx)
            declared = declared or _declared_types(tree, ctx)
            # (an ENUM's or a SET's number is its member's index or bits: _enum_order)
            return ((column(inner) or (0,))[0] in _STRING_OIDS
                    and not (declared(inner) or "").lower().startswith(("enum(", "set(")))
        return False

    def as_double(e: exp.Expression) -> exp.Expression:
        return exp.Cast(this=_as_number(e, False), to=exp.DataType.build("double"))

    for node in list(tree.find_all(exp.Add, exp.Sub, exp.Mul)):
        sides = (node.this, node.expression)
        if any(isinstance(x.unnest(), exp.Interval) for x in sides) or "interval_operand" in node.meta:
            continue  # (a date's arithmetic)
        for key in ("this", "expression"):
            if string(node.args[key]):
                node.set(key, as_double(node.args[key]))
    for node in list(tree.find_all(exp.Div, exp.IntDiv, exp.Mod)):
        # MOD(x, REVERSE(0)), 2.5 / 'abc', MOD(HEX(x), 2): the DOUBLE read in the string
        divisor = node.expression
        if string(divisor):
            divisor = as_double(divisor)
        if string(node.this):
            node.set("this", as_double(node.this))
        node.set("expression", exp.Nullif(this=divisor, expression=exp.Literal.number(0)))


def _string_operand(e: exp.Expression) -> bool:
    """A string by its form: a string literal (taken out or left in) or a string function."""
    inner = e.unnest()
    if isinstance(inner, exp.Literal):
        return inner.is_string and _taken_out(inner) in ("s", None)
    return _string_expression(e)


def parse(key: str) -> exp.Expression:
    _check_quoted_units(key)
    try:
        trees = sqlglot.parse(key, read="mysql")
    except (ParseError, TokenError) as e:
        near = key
        errs = getattr(e, "errors", None) or []
        if errs and errs[0].get("highlight"):
            h = errs[0]["highlight"]
            pos = key.find(h)
            near = key[pos:] if pos >= 0 else h
        raise _syntax(near) from None
    except _PARSER_TRIPS:
        # the parser tripped over a malformed statement (``DATE_ADD(CONCAT 'a', 1), ...``
        # reached a function's check with no function): a syntax error as well
        raise _syntax(key) from None
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        raise _syntax(key)
    tree = trees[0]
    if isinstance(tree, exp.Command):
        raise _syntax(key)
    _malformed(tree, key)
    for node in list(tree.find_all(exp.Lambda)):
        # sqlglot reads ``doc->'$.a'`` as a function's argument (JSON_LENGTH(doc->'$.a'),
        # COALESCE(doc->'$.a', ...)) as a lambda ``x -> body``, which MySQL has not: it is
        # JSON_EXTRACT(doc, '$.a'), as it is everywhere else
        params = node.expressions
        if len(params) == 1 and isinstance(params[0], exp.Identifier) and isinstance(node.this, exp.Literal):
            node.replace(exp.JSONExtract(this=exp.Column(this=params[0].copy()), expression=node.this.copy()))
    for node in list(tree.find_all(exp.TimestampAdd)):
        # TIMESTAMPADD(unit, n, value) is DATE_ADD(value, INTERVAL n unit) in MySQL (one
        # Item_date_add_interval): its types and forms follow
        node.replace(exp.DateAdd(this=node.this, expression=node.expression, unit=node.args.get("unit")))
    for node in list(tree.find_all(exp.Anonymous)):
        name = str(node.this).upper()
        if name in ("ADDDATE", "SUBDATE") and len(node.expressions) == 2:
            # ADDDATE(d, INTERVAL n unit) is DATE_ADD; ADDDATE(d, n) adds n days
            value, amount = node.expressions
            unit = amount.args.get("unit") if isinstance(amount, exp.Interval) else exp.var("DAY")
            amount = amount.this if isinstance(amount, exp.Interval) else amount
            op = exp.DateAdd if name == "ADDDATE" else exp.DateSub
            node.replace(op(this=value, expression=amount, unit=unit))
    for node in list(tree.find_all(exp.Interval)):
        parent = node.parent
        if node.args.get("unit") is None and isinstance(parent, exp.Add) and node.arg_key == "expression" \
                and isinstance(parent.this, exp.Interval) and parent.this.args.get("unit") is not None:
            # INTERVAL 1 DAY + '2024-01-05': sqlglot reads the string as a second interval (of
            # its sums of intervals); MySQL has none without a unit, it is the date
            node.replace(node.this)
            continue
        if isinstance(node.this, exp.Literal) or node.args.get("unit") is None \
                or not isinstance(parent, exp.Add | exp.Sub):
            continue
        # ``d + INTERVAL n + 1 DAY``, ``INTERVAL (n) DAY``: an amount that is an expression is
        # DATE_ADD's (one Item_date_add_interval in MySQL), which sqlglot writes as the amount
        # times one unit; as an interval it lost the amount ('1 DAY' for 1+1, 1064 for (1+1))
        value = parent.expression if node.arg_key == "this" else parent.this
        if isinstance(parent, exp.Sub) and node.arg_key == "this":
            continue  # INTERVAL 1 DAY - d: no MySQL
        op = exp.DateAdd if isinstance(parent, exp.Add) else exp.DateSub
        parent.replace(op(this=value, expression=node.this, unit=node.args["unit"]))
    for e in _date_operands(tree):
        if isinstance(e, exp.Literal) and not e.is_string:
            e.replace(_number_date(e))  # YEAR(20240102), DATE_ADD(20240102, ...)
        elif isinstance(e, exp.Neg) and isinstance(e.this, exp.Literal) and not e.this.is_string:
            # a negative number is no date: NULL, as MySQL answers (the engine read it as
            # seconds before 1970: DATE(-3) was 1969-12-31, DATE(-9223372036854775808) 1105)
            e.replace(exp.null())
    return tree


_EXTRACT_UNITS = frozenset({"MICROSECOND", "SECOND", "MINUTE", "HOUR", "DAY", "WEEK", "MONTH", "QUARTER",
                            "YEAR", *COMPOUND_UNITS})
_QUOTED_UNIT = re.compile(r"`(?:" + "|".join(sorted(_EXTRACT_UNITS)) + r")`", re.I)
_UNIT_FIRST = frozenset(("EXTRACT", "TIMESTAMPDIFF", "TIMESTAMPADD"))


def _check_quoted_units(key: str) -> None:
    """A unit is a word of MySQL's grammar: in backticks (``EXTRACT(`DAY` FROM d)``,
    ``INTERVAL 1 `DAY```) it is 1064; sqlglot read it as the unit."""
    if not _QUOTED_UNIT.search(key):
        return
    try:
        toks = sqlglot.Dialect.get_or_raise("mysql").tokenize(key)
    except TokenError:
        return  # (parse says why)
    for i, t in enumerate(toks):
        if i < 2 or t.token_type.name != "IDENTIFIER" or t.text.upper() not in _EXTRACT_UNITS:
            continue
        first = toks[i - 1].token_type.name == "L_PAREN" and toks[i - 2].text.upper() in _UNIT_FIRST
        if first or _after_interval_amount(toks, i):
            raise _syntax(key[t.start:])


# the tokens an INTERVAL's amount may be made of (a parenthesized part is skipped whole)
_AMOUNT_TOKENS = frozenset(("NUMBER", "STRING", "VAR", "IDENTIFIER", "DOT", "PLUS", "DASH", "STAR",
                            "SLASH", "MOD", "PARAMETER", "PLACEHOLDER"))


def _after_interval_amount(toks: list, i: int) -> bool:
    """Token ``i`` follows ``INTERVAL <amount>`` (``INTERVAL 1``, ``INTERVAL (1+1)``,
    ``INTERVAL -n``): where the unit goes."""
    if toks[i - 1].token_type.name in ("DOT", "PLUS", "DASH", "STAR", "SLASH", "MOD"):
        return False  # (t.`day`, 1 + `day`: a column)
    j, seen = i - 1, 0
    while j >= 0 and seen < 64:
        kind = toks[j].token_type.name
        if kind == "INTERVAL":
            return j < i - 1
        if kind == "R_PAREN":
            depth = 0
            while j >= 0:
                depth += (toks[j].token_type.name == "R_PAREN") - (toks[j].token_type.name == "L_PAREN")
                if depth == 0:
                    break
                j -= 1
        elif kind not in _AMOUNT_TOKENS or (kind == "VAR" and toks[j].text.upper() in _EXTRACT_UNITS):
            return False  # (a unit word: that interval has its unit)
        j -= 1
        seen += 1
    return False


def _malformed(tree: exp.Expression, key: str) -> None:
    """What MySQL's grammar refuses (1064) and sqlglot's reads: a LIMIT or OFFSET of anything
    but a number written in the statement or a ``?`` (``LIMIT @v``, ``LIMIT NULL``), a
    variable as a table's or schema's name (``FROM @v.columns``), an INTERVAL whose unit is
    a function call (``INTERVAL 1 DAY ()``). Each reached the engine (1105 'datatype
    mismatch', schema "null") or tripped the generator."""
    for node in tree.find_all(exp.Limit, exp.Offset):
        e = node.expression
        if e is not None and not (_taken_out(e) in ("l", "p") or (isinstance(e, exp.Literal) and e.is_int)):
            raise _syntax(f"{e.sql(dialect='mysql')} ...")
    for node in tree.find_all(exp.Table):
        if any(isinstance(node.args.get(k), exp.Parameter) for k in ("this", "db", "catalog")):
            raise _syntax(f"{node.sql(dialect='mysql')} ...")
    for node in tree.find_all(exp.Interval):
        if isinstance(node.args.get("unit"), exp.Func):
            raise _syntax(key)
    for node in tree.find_all(exp.Extract):
        unit = node.this
        word = isinstance(unit, exp.Var) or (isinstance(unit, exp.Column) and not unit.table
                                             and not unit.this.quoted)
        if not (word and unit.name.upper() in _EXTRACT_UNITS):
            raise _syntax(f"{node.sql(dialect='mysql')} ...")  # EXTRACT(DATE FROM d): no unit
    if isinstance(tree, exp.Update):
        _update_clauses_in_order(key)


# what may not stand between UPDATE and its SET (sqlglot takes an UPDATE's clauses in any
# order, and UPDATE as a table's alias)
_BEFORE_SET = frozenset(("WHERE", "ORDER_BY", "LIMIT", "UPDATE", "GROUP_BY", "HAVING"))


def _update_clauses_in_order(key: str) -> None:
    """``UPDATE t WHERE d = 1 SET id = 5`` and ``UPDATE t UPDATE SET ...`` are 1064 in MySQL;
    sqlglot read the first as ``UPDATE t SET id = 5 WHERE d = 1`` and ran it."""
    depth, started = 0, False
    for t in sqlglot.Dialect.get_or_raise("mysql").tokenize(key):
        kind = t.token_type.name
        depth += (kind == "L_PAREN") - (kind == "R_PAREN")
        if depth:
            continue
        if kind == "SET" and started:
            return
        if started and kind in _BEFORE_SET:
            raise _syntax(f"{t.text} ...")
        started = started or kind == "UPDATE"


def _number_date(number: exp.Literal) -> exp.Expression:
    """A number where MySQL expects a date: the date and time it reads (YYYYMMDD, YYMMDD,
    with hhmmss after), as a string literal; NULL when it is none (MySQL's NULL and warning)."""
    from aurora.engine.sql.mysql.functions import number_datetime

    try:
        value = float(number.this) if re.search(r"[.eE]", number.this) else int(number.this)
        return exp.Literal.string(str(number_datetime(value)))
    except (SqlError, ValueError):
        return exp.null()


def translate(key: str, nparams: int, ctx: Context) -> Translation:
    text = key
    mode = ""
    calc = bool(re.search(r"\bSQL_CALC_FOUND_ROWS\b", text, re.I))
    if _REPLACE.match(text):
        text = _REPLACE.sub("INSERT INTO", text, count=1)
        mode = "replace"
    m = _EMPTY_VALUES.match(text)
    if m:  # INSERT INTO t () VALUES (): every column takes its default
        return Translation("insert", [f"INSERT INTO {_pg_name(m.group(1))} DEFAULT VALUES"], [],
                           table=lexer_unquote(m.group(1)), columns=[], rows=1)
    text = _STRIP_WORDS.sub(" ", text)
    text, share_locks = _LOCK_SHARE.subn(" ", text)
    text, ignored = _WRITE_IGNORE.subn(r"\1", text, count=1)  # (sqlglot reads no IGNORE there)
    text, defaults = _DEFAULT_OF.subn(lambda m: m.group(1) or "MYSQL_DEFAULT_OF", text)
    tree = _unparenthesized(parse(text))
    kind = (
        "select"
        if isinstance(tree, (exp.Select, exp.Union, exp.Intersect, exp.Except))
        else {exp.Insert: "insert", exp.Update: "update", exp.Delete: "delete"}.get(type(tree), "")
    )
    if not kind:
        raise SqlError("42000", f"This version of MySQL doesn't yet support '{key[:60]}'",
                       errno=1235)
    if defaults:
        _defaults_of_columns(tree, ctx)
    _date_params(tree)
    _check_literals(tree)
    _having_aliases(tree)
    tr = Translation(kind, [], [], nparams=nparams, calc_found_rows=calc,
                     mode="ignore" if ignored else "", assigned=_variable_assignments(tree))
    if kind == "select":
        tr.limited = tree.args.get("limit") is not None
    elif kind in ("update", "delete"):
        where = tree.args.get("where")
        if where is not None:
            tr.where_columns = frozenset(c.name.lower() for c in where.find_all(exp.Column))
        tr.write_limit = tree.args.get("limit") is not None
        target = tree.this
        if isinstance(target, exp.Table) and not (tree.args.get("joins") or tree.args.get("from")
                                                  or tree.args.get("using") or tree.args.get("tables")):
            tr.write_target = target.name
    try:
        grouping.check(tree, ctx.stored_table, mysql=True, database=ctx.database)
    except SqlError as e:
        if e.errno == 1054:
            raise  # GROUP BY 3 of two columns: whatever sql_mode says
        tr.full_group_by = e
    names = _result_names(tree, key) if kind == "select" else None
    _derived_table_names(tree, key)
    tr.literals = _literal_items(tree) if kind == "select" else None
    tr.compound = isinstance(tree, (exp.Union, exp.Intersect, exp.Except))
    _recursion_limited(tree)
    _tables(tree, ctx, tr)
    if isinstance(tree, exp.Update) and isinstance(tree.this, exp.Table) and not (
            tree.this.args.get("joins") or tree.args.get("from")):
        _left_to_right(tree.expressions, {tree.this.name.lower(), tree.this.alias_or_name.lower()})
    elif isinstance(tree, exp.Update):
        for eq in tree.expressions:  # (a joined UPDATE's: the keyword, not a column DEFAULT)
            if isinstance(eq, exp.EQ) and _is_default(eq.expression):
                eq.set("expression", exp.Var(this="DEFAULT"))
    if calc:
        _count_found_rows(tree, tr)
    if tr.direct and names is not None and isinstance(tree, exp.Select):
        # MySQL 8 names information_schema's columns in capitals whatever the query wrote
        names = [
            n.upper() if isinstance(e, exp.Column) and n is not None else n
            for e, n in zip(tree.expressions, names, strict=True)
        ]
    if kind == "select":
        _division_by_zero_is_null(tree, ctx)
    else:
        for div in tree.find_all(exp.Div):
            div.meta["mysql_write"] = True  # (by zero: 1365, see _rewrite)
    _compound_intervals(tree)
    _decimal_scales(tree, ctx)
    _temporal_operands(tree, ctx)
    _dates_against_numbers(tree, ctx)
    _numeric_dates(tree, ctx)
    _casts_to_dates(tree, ctx, kind == "select")
    if kind == "select":
        _loose_date_strings(tree, ctx)
    _json_values(tree, ctx)
    _json_comparisons(tree)
    _json_arithmetic(tree, ctx)
    _choices_of_strings_and_numbers(tree, ctx)
    _rounds_of_doubles(tree, ctx, strict=kind != "select")
    _case_insensitive(tree)
    _ordered_without_case(tree)
    _greatest_without_case(tree, ctx)
    _is_truth(tree)
    _strings_as_numbers(tree, ctx, strict=kind != "select")
    _negated_strings(tree, ctx, strict=kind != "select")
    _temporal_numbers(tree, ctx)
    _enum_order(tree, ctx)
    _date_arithmetic(tree, ctx, kind == "select")
    _unions_of_strings_and_numbers(tree, ctx)
    _concat_of_one_number(tree, ctx)
    _exponent_literals(tree)
    _integer_casts_of_doubles(tree, ctx)
    if isinstance(tree, (exp.Insert, exp.Update)):
        _hex_numbers(tree, ctx)
    _string_double_casts(tree, ctx)
    tree = rewrite(tree)
    if isinstance(tree, (exp.Insert, exp.Update)):
        _column_text_writes(tree, ctx)
        _write_forms(tree, ctx)
    if ignored or (isinstance(tree, exp.Insert) and tree.args.get("ignore") and not mode):
        _fitted_writes(tree, ctx)
    elif isinstance(tree, (exp.Insert, exp.Update)):
        _strict_number_strings(tree, ctx)
    suffix = ""
    if isinstance(tree, exp.Insert):
        suffix = _insert(tree, tr, mode, ctx)
    elif isinstance(tree, (exp.Update, exp.Delete)):
        _multi_table(tree, ctx, several=bool(ignored))
        if isinstance(tree, exp.Update):
            _touch_on_update(tree, ctx)
            if isinstance(tree.this, exp.Table) and "several" not in tree.meta:
                tr.table = tree.this.name  # (the target of a joined UPDATE too)
        _limited_write(tree, nparams, row_by_row=bool(ignored) and "several" not in tree.meta)
    if isinstance(tree, exp.Select):
        tr.locks = bool(share_locks or tree.args.get("locks"))
        tree.set("locks", None)
    for setop in tree.find_all(exp.Union, exp.Intersect, exp.Except):
        _unwrap_arms(setop)
    _likes_as_mysql(tree, ilike=not tr.direct)  # (SQLite's own LIKE, on the direct path, is not)
    _concat_operands_grouped(tree)
    dialect = "sqlite" if tr.direct else "postgres"
    try:
        sql = tree.sql(dialect=dialect, identify=True) + suffix
    except _PARSER_TRIPS:
        # a function the parser took without its arguments (``MONTH()``), which the
        # generator then trips over: MySQL's syntax error
        raise _syntax(key) from None
    if tr.direct:
        sql = re.sub(r"'__myp(\d+)__'", r"?\1", sql)
    elif "'__myp" in sql:
        sql = re.sub(r"'__myp(\d+)__'", r"$\1", sql)
    _slots(tr, sql)
    if "ordered" in tree.meta:
        tr.ordered = _rows_query(tree.meta["ordered"], nparams)
    if "several" in tree.meta:
        tr.several = [(real, _rows_query(sub, nparams), write)
                      for real, sub, write in tree.meta["several"]]
    tr.names = names
    low = sql.lower()
    tr.dynamic = "mysql_sysvar" in low or "mysql_uservar" in low or bool(tr.assigned)
    return tr


_ATOMIC = (exp.Column, exp.Literal, exp.Func, exp.Paren, exp.Null, exp.Placeholder)
_TRUTHS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.Is, exp.In,
           exp.Between, exp.Like, exp.ILike, exp.Escape, exp.RegexpLike, exp.RegexpILike, exp.Not,
           exp.And, exp.Or, exp.Xor, exp.Boolean)


def _unparenthesized(tree: exp.Expression) -> exp.Expression:
    """``(SELECT 1)``, ``((SELECT ...)) ORDER BY 1``: a parenthesised query at the top is the
    query, the modifiers after the parentheses going to it when it has none of its own."""
    while isinstance(tree, exp.Subquery) and isinstance(tree.this, (exp.Select, exp.Union, exp.Subquery,
                                                                    exp.Intersect, exp.Except)):
        inner = tree.this
        moved = {k: v for k, v in tree.args.items() if k != "this" and v}
        if any(k not in ("order", "limit", "offset") or inner.args.get(k) for k in moved):
            break
        for k, v in moved.items():
            inner.set(k, v)
        tree = inner
    return tree


_DEPTH = "__aurora_depth"


def _recursion_limited(tree: exp.Expression) -> None:
    """MySQL ends a recursive CTE with 3636 once it passes ``@@cte_max_recursion_depth``
    iterations (1,000); SQLite recurses for as long as rows come, so a CTE without its
    stopping condition grew the instance's memory without bound. A CTE ``c`` of an anchor
    SELECT UNION ALL one recursive SELECT becomes ``c__aurora_r``, with a depth column the
    anchor starts at 0 and the recursive arm counts up through ``mysql_cte_depth`` (which
    raises 3636 past the limit), and ``c`` a plain CTE over it that leaves the depth out.
    Other shapes (UNION DISTINCT, several recursive arms, an anchor of unnamed columns
    without a column list) are left as written."""
    for with_ in list(tree.find_all(exp.With)):
        if not with_.args.get("recursive"):
            continue
        ctes = []
        for cte in with_.expressions:
            ctes.append(cte)
            plain = _limited_cte(cte)
            if plain is not None:
                ctes.append(plain)
        with_.set("expressions", ctes)


def _limited_cte(cte: exp.CTE) -> exp.CTE | None:
    body = cte.this
    if not isinstance(body, exp.Union) or body.args.get("distinct") is not False:
        return None
    anchor, step = body.this, body.expression
    if not isinstance(anchor, exp.Select) or not isinstance(step, exp.Select):
        return None
    name = cte.alias_or_name
    if not name:
        return None

    def refs(e: exp.Expression) -> list[exp.Table]:
        return [t for t in e.find_all(exp.Table) if not t.db and t.name.lower() == name.lower()]

    found = refs(step)
    if refs(anchor) or len(found) != 1 or step.args.get("distinct") or step.args.get("group"):
        return None
    alias = cte.args.get("alias")
    listed = [c.name for c in alias.columns] if alias is not None and alias.columns else []
    columns = listed or [e.alias_or_name for e in anchor.expressions]
    if not all(columns) or (any(isinstance(e, exp.Star) for e in anchor.expressions) and not listed):
        return None
    inner = f"{name}__aurora_r"
    ref = found[0]
    seen_as = ref.alias_or_name
    if not ref.alias:
        ref.set("alias", exp.TableAlias(this=exp.to_identifier(ref.name)))
    ref.set("this", exp.to_identifier(inner))
    anchor.append("expressions", exp.alias_(exp.Literal.number(0), _DEPTH))
    step.append("expressions", exp.alias_(
        exp.func("mysql_cte_depth", exp.Add(this=exp.column(_DEPTH, table=seen_as),
                                            expression=exp.Literal.number(1))), _DEPTH))
    cte.set("alias", exp.TableAlias(this=exp.to_identifier(inner),
                                    columns=[exp.to_identifier(c) for c in [*columns, _DEPTH]]))
    plain = exp.select(*[exp.column(c, quoted=True) for c in columns]).from_(exp.Table(this=exp.to_identifier(inner)))
    return exp.CTE(this=plain, alias=exp.TableAlias(this=exp.to_identifier(name)))


def _defaults_of_columns(tree: exp.Expression, ctx: Context) -> None:
    """``DEFAULT(col)``: the column's declared default, of the column's type, as MySQL reads
    it: NULL for a nullable column without one, 0 for an AUTO_INCREMENT column, NULL (or
    the zero value when NOT NULL) for a default CURRENT_TIMESTAMP; 1364 for a NOT NULL
    column without a default and 3773 for a default that is an expression."""
    tables = _tables_of(tree)
    for node in list(tree.find_all(exp.Anonymous)):
        if str(node.this).upper() != "MYSQL_DEFAULT_OF":
            continue
        args = node.expressions
        if len(args) != 1 or not isinstance(args[0], exp.Column) or isinstance(args[0].this, exp.Star):
            raise _syntax(f"DEFAULT({', '.join(a.sql(dialect='mysql') for a in args)})")
        column = args[0]
        found = next((got for name in tables(column)
                      if (got := ctx.column_default(name, column.name)) is not None), None)
        if found is None:
            shown = f"{column.table}.{column.name}" if column.table else column.name
            raise SqlError("42S22", f"Unknown column '{shown}' in 'field list'", errno=1054)
        node.replace(_default_value(found, column.name))


def _default_value(d: ColumnDefault, name: str) -> exp.Expression:
    mysql = d.mysql_default if d.declared else None
    mysql = d.pg_default if mysql is None else mysql  # (an ENUM NOT NULL's first member)
    if mysql is not None and mysql.upper() == "NULL":
        mysql = None
    if mysql is None and d.auto_increment:
        return exp.Literal.number(0)
    if mysql is None:
        if not d.nullable:
            raise SqlError("HY000", f"Field '{name}' doesn't have a default value", errno=1364)
        value: exp.Expression = exp.null()
    elif d.declared and mysql.upper().startswith("CURRENT_TIMESTAMP"):
        if d.nullable:
            value = exp.null()
        else:
            digits = re.search(r"\((\d)\)", mysql)
            zero = "0000-00-00 00:00:00" + ("." + "0" * int(digits.group(1)) if digits and digits.group(1) != "0" else "")
            return exp.Literal.string(zero)
    elif d.declared and mysql.startswith("("):
        raise SqlError("HY000", "DEFAULT function cannot be used with default value expressions",
                       errno=3773)
    else:
        try:
            value = sqlglot.parse_one(d.pg_default or "NULL", read="postgres")
        except (ParseError, TokenError):
            raise SqlError("HY000", "DEFAULT function cannot be used with default value expressions",
                           errno=3773) from None
    cast = exp.Cast(this=value, to=exp.DataType.build(d.pg_type, dialect="postgres"))
    cast.meta["mysql_default"] = True
    return cast


def _variable_assignments(tree: exp.Expression) -> frozenset[str]:
    """``@r := expr`` inside a statement (``SELECT @r := @r + 1 AS n, x FROM t``, the ranking
    idiom) becomes ``mysql_set_uservar('r', expr, NULL)``, which stores the value and gives
    it, row after row. The PostgreSQL session writes the type of expr in place of the NULL
    (its 'numeric' keeps a DECIMAL exact). The names it assigns are returned: the session
    reads those variables live in this statement (see MySqlSession._variable_literal).

    MySQL computes a select list after its ORDER BY's sort, so the numbers follow the
    output's order; SQLite computes it before it sorts. Such an assignment is given a fourth
    argument, ``ROW_NUMBER() OVER (<the ORDER BY>)``, which the function ignores: SQLite
    then computes the select list over the rows as the window sorted them. A derived table
    that only sets variables (``FROM t, (SELECT @r := 0) AS init``) is made a MATERIALIZED
    CTE: MySQL fills it before the query, where SQLite would drop its unused column, and
    the assignment with it."""
    names = set()
    for node in list(tree.find_all(exp.PropertyEQ)):
        target = node.this
        if isinstance(target, exp.Parameter):
            name = target.name.lower()
            names.add(name)
            node.replace(_fn("mysql_set_uservar", exp.Literal.string(name), node.expression, exp.null()))
    if not names:
        return frozenset()
    for sel in list(tree.find_all(exp.Select)):
        order = sel.args.get("order")
        keys = [_order_key(o, sel) for o in order.expressions] if order is not None else []
        if not keys or any(k is None for k in keys):
            continue  # (ORDER BY an item that assigns itself: MySQL's order is its own)
        for item in sel.expressions:
            for call in item.find_all(exp.Anonymous):
                if str(call.this) == "mysql_set_uservar" and call.find_ancestor(exp.Select) is sel:
                    window = exp.Window(this=exp.RowNumber(), partition_by=[],
                                        order=exp.Order(expressions=[k.copy() for k in keys]))
                    call.append("expressions", window)
    for sub in list(tree.find_all(exp.Subquery)):
        inner = sub.this
        if (isinstance(inner, exp.Select) and inner.args.get("from_") is None and sub.alias
                and isinstance(sub.parent, exp.From | exp.Join) and any(str(a.this) == "mysql_set_uservar" for a in inner.find_all(exp.Anonymous))):
            cte = exp.CTE(this=inner.copy(), alias=exp.TableAlias(this=exp.to_identifier(sub.alias)),
                          materialized=True)
            sub.replace(exp.Table(this=exp.to_identifier(sub.alias)))
            with_ = tree.args.get("with_")
            if with_ is None:
                tree.set("with_", exp.With(expressions=[cte]))
            else:
                with_.append("expressions", cte)
    return frozenset(names)


def _order_key(o: exp.Ordered, sel: exp.Select) -> exp.Ordered | None:
    """An ORDER BY key spelled for a window: a position or a select alias stands for its
    item's expression; None when that item sets a variable."""
    items = sel.expressions
    item = None
    if isinstance(o.this, exp.Literal) and not o.this.is_string and o.this.this.isdigit():
        at = int(o.this.this) - 1
        item = items[at] if 0 <= at < len(items) else None
    elif isinstance(o.this, exp.Column) and not o.this.table:
        item = next((e for e in items if isinstance(e, exp.Alias) and e.alias.lower() == o.this.name.lower()),
                    None)
    if item is None:
        return o
    value = item.this if isinstance(item, exp.Alias) else item
    if any(str(a.this) == "mysql_set_uservar" for a in value.find_all(exp.Anonymous)):
        return None
    key = o.copy()
    key.set("this", value.copy())
    return key


def _having_aliases(tree: exp.Expression) -> None:
    """A HAVING's name of a select item's alias is that item's expression (``SELECT SUM(amt)
    AS t ... HAVING t > 10`` is ``HAVING SUM(amt) > 10``), as MySQL resolves it (a GROUP BY
    column of that name first). SQLite resolves the alias itself, but to the value's storage
    form: an exact sum is text there, and ``t > 10`` compared text with a number, true for
    every group."""
    for sel in list(tree.find_all(exp.Select)):
        having = sel.args.get("having")
        if having is None:
            continue
        aliased = {e.alias.lower(): e.this for e in sel.expressions
                   if isinstance(e, exp.Alias) and not (
                       isinstance(e.this, exp.Column) and e.this.name.lower() == e.alias.lower())}
        group = sel.args.get("group")
        for g in group.expressions if group is not None else []:
            if isinstance(g, exp.Column):
                aliased.pop(g.name.lower(), None)
        if not aliased:
            continue
        for col in list(having.find_all(exp.Column)):
            if not col.table and col.name.lower() in aliased and col.find_ancestor(exp.Select) is sel:
                col.replace(exp.Paren(this=aliased[col.name.lower()].copy()))


def _concat_operands_grouped(tree: exp.Expression) -> None:
    """CONCAT's arguments are written as ``a || b``, and the generator does not group an
    argument that binds less tightly: ``CONCAT('a', x IS NULL)`` came out as ``'a' || x IS
    NULL`` (``('a' || x) IS NULL``) and ``CONCAT('a', 1 = 1)`` as ``'a' || 1 = 1``. Each
    argument that is not a single term gets its parentheses; a truth value is its number
    (MySQL's ``CONCAT('x', 1 = 1)`` is 'x1', the engine's text of true 'true'). Nor does
    it group the CONCAT itself, an operand of an operator that binds more tightly than
    ``||``: ``CONCAT('1', '') + 1`` came out as ``'1' || '' + 1``, '11' where MySQL says
    2; such a CONCAT gets its parentheses too."""
    for node in list(tree.find_all(exp.Cast)):
        # CAST(1 = 1 AS CHAR) is '1' (the engine's text of true is 'true')
        if node.to.this in (*_TEXTS, exp.DataType.Type.TEXT) and isinstance(_unwrapped(node.this), _TRUTHS):
            node.set("this", exp.Cast(this=exp.Paren(this=node.this.copy()), to=exp.DataType.build("int")))
    for node in list(tree.find_all(exp.Concat)):
        for arg in list(node.expressions):
            if isinstance(_unwrapped(arg), _TRUTHS):  # a truth value is 1 or 0 in MySQL, also in text
                arg.replace(exp.Cast(this=exp.Paren(this=arg.copy()), to=exp.DataType.build("int")))
            elif not isinstance(arg, _ATOMIC):
                arg.replace(exp.Paren(this=arg.copy()))
        if isinstance(node.parent, exp.Binary | exp.Unary) and not isinstance(node.parent, exp.Paren):
            grouped = exp.Paren()
            node.replace(grouped)
            grouped.set("this", node)


def _rows_query(sub: exp.Select, nparams: int) -> Translation:
    """A write's query of its rows' ids (``meta["ordered"]``, ``meta["several"]``), kept out
    of the statement's tree: made as the statement is after its last rewrite."""
    _likes_as_mysql(sub, ilike=True)
    _concat_operands_grouped(sub)
    q = Translation("select", [], [], nparams=nparams)
    _slots(q, re.sub(r"'__myp(\d+)__'", r"$\1", sub.sql(dialect="postgres", identify=True)))
    return q


def _slots(tr: Translation, sql: str) -> None:
    """The text of a translation between its literals' slots, and the slots."""
    pieces = re.split(r"'__my[ls](\d+)__'", sql)
    tr.parts = pieces[0::2]
    tr.slots = [int(n) - 1 for n in pieces[1::2]]
    if len(set(tr.slots)) != len(tr.slots) or any(re.search("__my[ls]", p) for p in tr.parts):
        raise Unsafe  # a literal was taken apart (a JSON path) or used twice


def expression_to_pg(text: str) -> str:
    """One MySQL expression (a DEFAULT, a CHECK, a key part) as PostgreSQL text; 1064 for
    one that does not parse."""
    try:
        parsed = sqlglot.parse_one(text, read="mysql")
    except (ParseError, TokenError, *_PARSER_TRIPS):
        raise _syntax(text) from None
    tree = exp.Paren(this=rewrite(parsed))  # (a parent for replace)
    _likes_as_mysql(tree)
    return tree.this.sql(dialect="postgres", identify=True)


def _likes_as_mysql(tree: exp.Expression, ilike: bool = True) -> None:
    """MySQL's LIKE follows the collation, case-insensitive by default (PostgreSQL's LIKE is
    case-sensitive, its ILIKE is not: ``ilike`` makes it one, unless an operand has a binary
    collation: ``name LIKE BINARY 'a%'``), and escapes with a backslash by default."""
    for like in list(tree.find_all(exp.Like, exp.ILike)):
        binary = any(isinstance(x, exp.Collate) and x.expression.name.lower() == "binary"
                     for x in (like.this, like.expression))
        if isinstance(like, exp.Like) and ilike and not binary:
            # (NOT LIKE is a LIKE that says negate: the NOT goes with it)
            folded = exp.ILike(this=like.this, expression=like.expression, negate=like.args.get("negate"))
            like.replace(folded)
            like = folded
        if not isinstance(like.parent, exp.Escape):
            like.replace(exp.Escape(this=like.copy(), expression=exp.Literal.string("\\")))


def _is_param(e: exp.Expression) -> bool:
    """A prepared statement's parameter (a ``?``, as the lexer marks it)."""
    return _taken_out(e) == "p"


# units whose amount a parameter may give (a compound unit's amount is text to parse)
_PARAM_UNITS = {"MICROSECOND": "1 microsecond", "SECOND": "1 second", "MINUTE": "1 minute",
                "HOUR": "1 hour", "DAY": "1 day", "WEEK": "7 day", "MONTH": "1 month",
                "QUARTER": "3 month", "YEAR": "1 year"}


def _date_params(tree: exp.Expression) -> None:
    """Parameters of a prepared statement in date arithmetic and date functions, whose
    values the translation cannot read (a literal there is read by its text, see
    :func:`_check_literals`): ``INTERVAL ? DAY`` becomes the parameter times one day, a
    parameter given a date function is read as MySQL reads a date at run time, and
    DATE_ADD of one gives a string, as MySQL's does (see :func:`_date_string_operand`)."""
    for node in list(tree.find_all(exp.DateAdd, exp.DateSub)):
        if _is_param(node.expression):  # DATE_ADD(x, INTERVAL ? DAY): as x + INTERVAL ? DAY
            op = exp.Add if isinstance(node, exp.DateAdd) else exp.Sub
            node.replace(op(this=node.this, expression=exp.Interval(
                this=node.expression, unit=node.args.get("unit") or exp.var("DAY"))))
    for iv in tree.find_all(exp.Interval):
        unit = str(iv.args.get("unit") or "").upper()
        if _is_param(iv.this) and unit in _PARAM_UNITS:
            iv.meta["mysql_param"] = True
            iv.this.meta["mysql_param_ok"] = True
    for e in _date_operands(tree):
        if not _is_param(e):
            continue
        parent = e.parent
        if _date_operand(parent) is not None:
            parent.meta["mysql_text"] = True
            e.meta["mysql_param_ok"] = True
        elif isinstance(parent, exp.TsOrDsToDate | exp.TsOrDsToTimestamp | exp.Extract | exp.TimestampDiff
                        | exp.LastDay):
            e.meta["mysql_param_ok"] = True
            e.replace(exp.Cast(this=_fn("mysql_text_datetime", e.copy()), to=exp.DataType.build("timestamp")))
    for e in tree.find_all(exp.Literal):
        parent = e.parent
        if _is_param(e) and e.arg_key == "this" and isinstance(parent, exp.StrToDate | exp.StrToTime | exp.TimeToStr):
            e.meta["mysql_param_ok"] = True  # (computed in Python, on the value it is given)


def _exponent_literals(tree: exp.Expression) -> None:
    """A number written with an exponent (``2.5e0``, ``1e-5``) is a DOUBLE in MySQL, in type
    and in value (``0.1e0 + 0.2e0`` is 0.30000000000000004; ``1e2`` written to a VARCHAR is
    '100'); the lexer leaves it in the statement, and it is cast to DOUBLE here. An interval's
    amount stays as written (INTERVAL 1.5e0 DAY reads its text as MySQL does)."""
    for lit in list(tree.find_all(exp.Literal)):
        if lit.is_string or not re.search(r"[eE]", lit.this):
            continue
        if isinstance(lit.parent, exp.Interval) or lit.find_ancestor(exp.Interval) is not None:
            continue
        value = float(lit.this)
        if value in (float("inf"), float("-inf")):
            raise SqlError("22007", f"Illegal double '{lit.this}' value found during parsing",
                           errno=1367)
        number = lit.copy() if value else exp.Literal.number(0)  # (1e-400 is 0)
        lit.replace(exp.Cast(this=number, to=exp.DataType.build("double")))


def _check_literals(tree: exp.Expression) -> None:
    for lit in tree.find_all(exp.Literal):
        if not lit.is_string or not SENTINEL.fullmatch("'" + lit.this + "'"):
            continue
        if lit.meta.get("mysql_param_ok"):
            continue
        parent = lit.parent
        while isinstance(parent, (exp.Paren, exp.Neg)):
            parent = parent.parent
        if isinstance(parent, _UNSAFE_PARENTS) or lit.arg_key in ("format", "unit", "path"):
            raise Unsafe
        if isinstance(parent, exp.Round) and _unwrapped(parent.this) is lit and _taken_out(lit) == "l":
            raise Unsafe  # exact or approximate, by its form (see _rounds_of_doubles)
        if isinstance(parent, exp.Div | exp.Avg) and parent.this is lit:
            raise Unsafe  # its scale sets the quotient's (MySQL: dividend's scale + 4)
        if isinstance(parent, exp.Add | exp.Sub) and any(
                isinstance(x, exp.Interval) for x in (parent.this, parent.expression)):
            raise Unsafe  # a date or a datetime, by its text (see _date_string_operand)
        pname = type(parent).__name__
        if any(w in pname for w in ("JSON", "Format", "StrTo", "TimeTo", "Time", "Date")):
            raise Unsafe
        if isinstance(parent, exp.Anonymous) and str(parent.this).upper() in (
            "STR_TO_DATE", "DATE_FORMAT", "TIME_FORMAT", "JSON_EXTRACT", "JSON_UNQUOTE",
            "CONVERT_TZ", "GET_FORMAT",
        ):
            raise Unsafe


def _tables(tree: exp.Expression, ctx: Context, tr: Translation) -> None:
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    for t in list(tree.find_all(exp.Table)):
        if not isinstance(t.this, exp.Identifier):
            continue
        name = t.name
        db = t.text("db")
        if db:
            if db.lower() == "information_schema":
                tr.direct = True
                tr.is_tables.append(name.lower())
                t.set("this", exp.to_identifier("_my_is_" + name.lower()))
                t.set("db", None)
                if not t.alias:
                    t.set("alias", exp.TableAlias(this=exp.to_identifier(name)))
                continue
            if ctx.database is None or db.lower() != ctx.database.lower():
                raise SqlError(
                    "0A000",
                    f"This version of MySQL doesn't yet support 'queries across databases "
                    f"({db}.{name})'",
                    errno=1235,
                )
            t.set("db", None)
            continue
        if name.lower() == "dual" and isinstance(t.parent, exp.From):
            sel = t.parent.parent
            if isinstance(sel, exp.Select):
                sel.set("from_", None)
                sel.set("from", None)
            continue
        if name.lower() in ctes:
            continue
        if ctx.database is None:
            raise SqlError("3D000", "No database selected", errno=1046)


def rewrite(tree: exp.Expression) -> exp.Expression:
    """Apply :func:`_rewrite` bottom-up: a node is rewritten after its children, so a
    replacement's arguments are rewritten too (sqlglot's transform skips them)."""
    root = tree
    for node in reversed(list(tree.walk(bfs=False))):
        new = _rewrite(node)
        digits = node.meta.get("mysql_round")
        if digits is not None:  # (see _decimal_scales: a quotient's hidden digits end here)
            new = _fn("round", new.copy() if new is node else new, exp.Literal.number(digits))
        if new is node:
            continue
        if node is root:
            root = new
        elif node.parent is not None:
            node.replace(new)
    return root


_DATE_UNITS = frozenset({"DAY", "WEEK", "MONTH", "QUARTER", "YEAR", "YEAR_MONTH"})


def _date_operand(node: exp.Expression) -> tuple[exp.Expression, str] | None:
    """(the value, the interval's unit) of DATE_ADD / DATE_SUB / ``value +- INTERVAL``."""
    if isinstance(node, exp.DateAdd | exp.DateSub):
        return node.this, str(node.args.get("unit") or "DAY").upper()
    if not isinstance(node, exp.Add | exp.Sub):
        return None
    sides = [node.this, node.expression]
    iv = next((x for x in sides if isinstance(x, exp.Interval) or "mysql_unit" in x.meta), None)
    value = next((x for x in sides if x is not iv), None)
    if iv is None or value is None or isinstance(value, exp.Interval) or "mysql_unit" in value.meta:
        return None
    return value, str(iv.args.get("unit") or iv.meta.get("mysql_unit") or "DAY").upper()


def _compound_intervals(tree: exp.Expression) -> None:
    """``INTERVAL '1:30' HOUR_MINUTE`` and the other compound units, in DATE_ADD / DATE_SUB
    or with + and -: the value's numbers, the last ones for the last fields when there are
    fewer, as PostgreSQL's interval text ('1 hour 30 minute'); a leading '-' negates all."""
    for node in list(tree.find_all(exp.DateAdd, exp.DateSub, exp.Interval)):
        unit = str(node.args.get("unit") or "").upper()
        value = node.expression if isinstance(node, exp.DateAdd | exp.DateSub) else node.this
        if unit not in COMPOUND_UNITS or not (isinstance(value, exp.Literal) and value.is_string) \
                or _is_param(value):
            continue
        fields = unit.split("_")
        if fields[0] == "DAY" and len(fields) == 2 and fields[1] != "HOUR":
            fields = ["DAY", "HOUR", "MINUTE", "SECOND", "MICROSECOND"][: {"MINUTE": 3, "SECOND": 4,
                                                                          "MICROSECOND": 5}[fields[1]]]
        elif fields[0] == "HOUR" and fields[1] in ("SECOND", "MICROSECOND"):
            fields = ["HOUR", "MINUTE", "SECOND", "MICROSECOND"][: 3 if fields[1] == "SECOND" else 4]
        elif fields == ["MINUTE", "MICROSECOND"]:
            fields = ["MINUTE", "SECOND", "MICROSECOND"]
        numbers = re.findall(r"\d+", value.this)[-len(fields):]
        if fields[-1] == "MICROSECOND" and "." in value.this and numbers:
            numbers[-1] = (numbers[-1] + "000000")[:6]  # '1.5' is 1.5 seconds
        sign = "-" if value.this.strip().startswith("-") else ""
        parts = list(zip(fields[len(fields) - len(numbers):], numbers, strict=True))
        text = " ".join(f"{sign}{n} {f.lower()}" for f, n in parts) or "0 second"
        interval = exp.Interval(this=exp.Literal.string(text))
        interval.meta["mysql_unit"] = unit  # (a DATE plus YEAR_MONTH stays a DATE)
        if isinstance(node, exp.Interval):
            node.replace(interval)
        else:
            op = exp.Add if isinstance(node, exp.DateAdd) else exp.Sub
            node.replace(op(this=node.this, expression=interval))


# A numeric column where MySQL expects a date is read as YYYYMMDD[hhmmss]: as a DATE when its
# type holds no more digits than a date (INT: at most ten), else as a DATETIME
_NUMBER_AS_DATE = {21: "date", 23: "date", 20: "timestamp", 700: "timestamp", 701: "timestamp",
                   1700: "timestamp"}


_JSON_MODIFIERS = {exp.JSONSet: "set", exp.JSONArrayInsert: "array_insert", exp.JSONArrayAppend: "append"}
_JSON_RESULTS = (exp.JSONObject, exp.JSONArray, exp.JSONExtract, exp.JSONSet, exp.JSONRemove,
                 exp.JSONArrayInsert, exp.JSONArrayAppend, exp.JSONObjectAgg, exp.JSONKeys)
_JSON_FUNCTIONS = {"JSON_ARRAY", "JSON_OBJECT", "JSON_INSERT", "JSON_REPLACE", "JSON_MERGE",
                   "JSON_MERGE_PATCH", "JSON_MERGE_PRESERVE", "JSON_ARRAYAGG", "JSON_OBJECTAGG",
                   "JSON_EXTRACT", "JSON_KEYS", "JSON_ARRAY_APPEND", "JSON_ARRAY_INSERT", "JSON_SET"}


def _json_modifier(node: exp.Expression) -> str | None:
    """The mode of a function that modifies a JSON document (JSON_SET ...), else None."""
    mode = _JSON_MODIFIERS.get(type(node))
    if mode is None and isinstance(node, exp.Anonymous):
        mode = {"JSON_INSERT": "insert", "JSON_REPLACE": "replace"}.get(str(node.this).upper())
    return mode


def _json_values(tree: exp.Expression, ctx: Context) -> None:
    """Note on each JSON_SET (and kin) which of its values are JSON: a JSON function's
    result, CAST(... AS JSON), a JSON column; MySQL puts those in as JSON, anything else as
    an SQL value (a string as a JSON string). Read before the rewrite, which renames them."""
    column = None
    for node in tree.find_all(*_JSON_MODIFIERS, exp.Anonymous):
        if _json_modifier(node) is None:
            continue
        flags = ""
        for v in node.expressions[2::2] if isinstance(node, exp.Anonymous) else node.expressions[1::2]:
            if isinstance(v, exp.Boolean):
                flags += "b"  # TRUE / FALSE: JSON's true and false, not 1 and 0
                continue
            is_json = isinstance(v, _JSON_RESULTS) or (
                isinstance(v, exp.Anonymous) and str(v.this).upper() in _JSON_FUNCTIONS) or (
                isinstance(v, exp.Cast) and v.to.this == exp.DataType.Type.JSON)
            if not is_json and isinstance(v, exp.Column):
                column = column or _column_types(tree, ctx)
                typed = column(v)
                is_json = typed is not None and typed[0] in (114, 3802)
            flags += "1" if is_json else "0"
        node.meta["mysql_json_values"] = flags


def _date_operands(tree: exp.Expression) -> list[exp.Expression]:
    """The operands the statement gives where MySQL expects a date: of YEAR, MONTH,
    DAYOFWEEK, DATE, DATE_ADD, EXTRACT, LAST_DAY, TIMESTAMPDIFF, UNIX_TIMESTAMP, TO_DAYS,
    ``+ INTERVAL`` and the like (sqlglot reads most as the function of a TsOrDsToDate)."""
    operands: list[exp.Expression] = []
    for node in tree.find_all(exp.TsOrDsToDate, exp.TsOrDsToTimestamp, exp.DateAdd, exp.DateSub,
                              exp.LastDay, exp.Quarter, exp.Dayname, exp.TimestampDiff,
                              exp.Extract, exp.Add, exp.Sub, exp.Anonymous):
        if isinstance(node, exp.Extract):
            operands.append(node.expression)
        elif isinstance(node, exp.TimestampDiff):
            operands += [node.this, node.expression]
        elif isinstance(node, exp.Add | exp.Sub):
            got = _date_operand(node)
            if got is not None:
                operands.append(got[0])
        elif isinstance(node, exp.Anonymous):
            if str(node.this).upper() in ("UNIX_TIMESTAMP", "WEEKDAY") and len(node.expressions) == 1:
                operands.append(node.expressions[0])
        else:
            operands.append(node.this)
    return operands


def _numeric_dates(tree: exp.Expression, ctx: Context) -> None:
    """A numeric column where MySQL expects a date (:func:`_date_operands`) holds dates as
    MySQL reads numbers, 20240102 or 20240102101112; PostgreSQL's casts would read it as
    days or seconds since 1970. The column becomes the date it holds (NULL when it holds
    none), typed by what its type can hold. (Numeric literals are read so in :func:`parse`;
    the functions computed in Python read numbers so themselves.)"""
    columns = [e for e in _date_operands(tree) if isinstance(e, exp.Column)]
    if not columns:
        return
    column = _column_types(tree, ctx)
    declared = _declared_types(tree, ctx)
    for c in columns:
        got = column(c)
        kind = _NUMBER_AS_DATE.get(got[0]) if got is not None else None
        if kind is None:
            continue
        value: exp.Expression = c.copy()
        if (declared(c) or "").lower() == "year":  # a YEAR column: January 1st of it (YEAR(y) is y)
            value = exp.Add(this=exp.Mul(this=value, expression=exp.Literal.number(10000)),
                            expression=exp.Literal.number(101))
            kind = "date"
        c.replace(exp.Cast(this=_fn("mysql_text_datetime", value), to=exp.DataType.build(kind)))


_STRING_OIDS = frozenset((25, 1042, 1043))
_DATE_CASTS = {exp.DataType.Type.DATE, exp.DataType.Type.DATETIME, exp.DataType.Type.TIMESTAMP}


def _casts_to_dates(tree: exp.Expression, ctx: Context, select: bool) -> None:
    """``CAST(x AS DATE | DATETIME)`` reads x as MySQL reads a date: a number as its digits
    (``CAST(20240105 AS DATE)`` is 2024-01-05; the PostgreSQL engine's cast read days since
    1970: 1970-08-23). In a query a string is read as MySQL reads one too, and one that is no
    date is NULL (``CAST('2024-02-30' AS DATE)``: MySQL's NULL and warning, where the
    engine's cast refused the statement); in a write a number that is no date is 1292 and a
    string keeps the engine's strict reading, as MySQL's strict mode refuses both."""
    casts = [c for c in tree.find_all(exp.Cast) if c.to.this in _DATE_CASTS]
    if not casts:
        return
    column = _column_types(tree, ctx)
    for cast in casts:
        value = cast.this
        if isinstance(value, exp.Column):
            got = column(value)
            if got is None or (got[0] not in _NUMBER_AS_DATE and not (select and got[0] in _STRING_OIDS)):
                continue  # a date already, or a type MySQL would not read so either
        elif not (_numeric_literal(value) or _is_param(value)
                  or (select and isinstance(value, exp.Literal) and value.is_string)):
            continue
        if select:
            value.replace(_fn("mysql_text_datetime", value.copy()))
        else:
            value.replace(_fn("mysql_number_datetime", value.copy(), exp.null()))


def _loose_date_strings(tree: exp.Expression, ctx: Context) -> None:
    """In a query, a string where MySQL expects a date (``DATE('abc')``, ``YEAR(col)``,
    ``DATE_FORMAT('2024-02-30', ...)``, ``EXTRACT(YEAR FROM s)``) is read as MySQL reads
    one, loosely ('24-01-05 10:11'), and one that is no date is NULL (MySQL's NULL and
    warning; the engine's strict reading refused the statement with 1292). DATE_ADD and
    ``+ INTERVAL`` keep their own reading (their result is a string of the string's
    form). A write keeps the strict reading, as MySQL's strict mode refuses such a value."""
    column = None
    for node in list(tree.find_all(exp.TsOrDsToDate, exp.TsOrDsToTimestamp, exp.LastDay,
                                   exp.Extract, exp.TimestampDiff, exp.Anonymous)):
        if isinstance(node, exp.Extract):
            operands = [node.expression]
        elif isinstance(node, exp.TimestampDiff):
            operands = [node.this, node.expression]
        elif isinstance(node, exp.Anonymous):
            if str(node.this).upper() not in ("UNIX_TIMESTAMP", "WEEKDAY") or len(node.expressions) != 1:
                continue
            operands = [node.expressions[0]]
        elif isinstance(node.parent, exp.DateDiff):
            continue  # (DATEDIFF and TO_DAYS read their strings themselves)
        else:
            operands = [node.this]
        for value in operands:
            if isinstance(value, exp.Column):
                column = column or _column_types(tree, ctx)
                got = column(value)
                if got is None or got[0] not in _STRING_OIDS:
                    continue
            elif not (isinstance(value, exp.Literal) and _stringish(value)):
                continue
            value.replace(_fn("mysql_text_datetime", value.copy()))


_STRING_RESULTS = (exp.Concat, exp.ConcatWs, exp.Trim, exp.Lower, exp.Upper, exp.Substring, exp.Left,
                   exp.Right, exp.Pad, exp.Repeat, exp.Reverse, exp.Initcap, exp.Hex, exp.MD5, exp.SHA,
                   exp.SHA2, exp.ToBase64)
_STRING_FUNCTIONS = {"REPLACE", "LPAD", "RPAD", "REVERSE", "MID", "SUBSTR", "TRIM", "LTRIM", "RTRIM",
                     "INSERT", "SUBSTRING_INDEX", "ELT", "CONCAT", "CONCAT_WS", "LOWER", "UPPER",
                     "LCASE", "UCASE", "QUOTE", "SPACE"}


def _stringish(e: exp.Expression) -> bool:
    """An expression whose value is a string by its form: a string literal, a string
    function's result, a cast to CHAR."""
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.Literal):  # (one taken out of the text says its kind; a ? does not)
        return e.is_string and _taken_out(e) in (None, "s")
    if isinstance(e, exp.Cast):
        return e.to.this in _TEXTS
    if isinstance(e, exp.Anonymous):
        return str(e.this).upper() in _STRING_FUNCTIONS
    # a choice among values, one of which is a string by its form: COALESCE(name, ''),
    # IF(x, 'a', b), CASE ... THEN 'a' ... END, NULLIF(TRIM(name), '')
    if isinstance(e, exp.Coalesce):
        return any(_stringish(x) for x in (e.this, *e.expressions))
    if isinstance(e, exp.If):
        return any(x is not None and _stringish(x) for x in (e.args.get("true"), e.args.get("false")))
    if isinstance(e, exp.Case):
        branches = [i.args.get("true") for i in e.args.get("ifs") or []] + [e.args.get("default")]
        return any(x is not None and _stringish(x) for x in branches)
    if isinstance(e, exp.Nullif):
        return _stringish(e.this)
    return isinstance(e, _STRING_RESULTS)


def _taken_out(e: exp.Expression) -> str | None:
    """What the lexer took out of the text where this literal stands: 'l' a number, 's' a
    string, 'p' a ``?``; None for anything else."""
    if not (isinstance(e, exp.Literal) and e.is_string):
        return None
    m = SENTINEL.fullmatch("'" + e.this + "'")
    return m.group(1) if m else None


def _case_folded(e: exp.Expression) -> bool:
    while isinstance(e, exp.Paren):
        e = e.this
    return isinstance(e, exp.Lower | exp.Upper) or (
        isinstance(e, exp.Anonymous) and str(e.this).upper() in ("LOWER", "UPPER", "LCASE", "UCASE"))


def _case_insensitive(tree: exp.Expression) -> None:
    """MySQL compares strings by the collation, case-insensitive by default, whatever the
    operands: ``TRIM(name) = 'ALICE'``, ``CONCAT(a, b) = 'XY'``, ``'abc' = 'ABC'``. SQLite
    compares two operands that are no column bytewise (a column brings its own NOCASE), so
    a comparison whose operands are all strings by their form gets NOCASE explicitly. One
    with a column as an operand keeps the column's collation."""
    for node in _comparisons(tree):
        left = node.this
        sides = [left, *_compared_values(node)]
        if _case_folded(left):
            # LOWER(email) = ...: its case is folded already, and an index of LOWER(email)
            # (MySQL's functional key part, a common one) serves only a comparison in its
            # own collation: a NOCASE here turned its lookup into a scan
            continue
        # strings on every side (a parameter may be one): a number against a string
        # compares as numbers, which a collation would stop
        if all(s is not None and (_stringish(s) or _is_param(s)) for s in sides) and any(
                _stringish(s) for s in sides):
            left.replace(exp.Collate(this=left.copy(), expression=exp.Var(this="nocase")))


def _ordered_without_case(tree: exp.Expression) -> None:
    """MySQL groups, sorts, deduplicates and takes MIN / MAX of strings by the collation too:
    ``GROUP BY CONCAT(name, '')`` puts 'apple' and 'Apple' in one group, ``SELECT DISTINCT
    TRIM(name)`` keeps one of them, ``ORDER BY LEFT(name, 3)`` sorts without case. A column
    brings its NOCASE to SQLite; an expression that is a string by its form has no collation
    there (bytewise), so it gets NOCASE: as a select item (which DISTINCT, UNION, ORDER BY its
    alias or position and an outer query's use of it follow; the value is the same), as a
    GROUP BY or ORDER BY expression, and as the argument of MIN, MAX and COUNT(DISTINCT).
    LOWER / UPPER (case folded already, maybe indexed) and bare literals are left alone."""

    def nocase(e: exp.Expression | None) -> None:
        if e is None or isinstance(e, exp.Collate) or not _stringish(e) or _case_folded(e):
            return
        inner = e
        while isinstance(inner, exp.Paren):
            inner = inner.this
        if not isinstance(inner, exp.Literal):
            e.replace(exp.Collate(this=e.copy(), expression=exp.Var(this="nocase")))

    for select in list(tree.find_all(exp.Select)):
        for item in select.expressions:
            nocase(item.this if isinstance(item, exp.Alias) else item)
        group = select.args.get("group")
        for e in list(group.expressions) if group is not None else []:
            nocase(e)
        order = select.args.get("order")
        for o in list(order.expressions) if order is not None else []:
            nocase(o.this)
    for agg in list(tree.find_all(exp.Min, exp.Max, exp.Count)):
        arg = agg.this
        if isinstance(agg, exp.Count):
            if isinstance(arg, exp.Distinct):
                for e in list(arg.expressions):
                    nocase(e)
        else:
            nocase(arg)


_NUMBER_RESULTS = (*_ARITHMETIC, exp.Abs, exp.Round, exp.Floor, exp.Ceil, exp.Sign, exp.Length,
                   exp.Count, exp.Sum, exp.Avg)


def _value_kinds(tree: exp.Expression, ctx: Context) -> tuple[Callable[[exp.Expression], bool],
                                                               Callable[[exp.Expression], bool]]:
    """Two tests of an expression: a string (by its form, or a string column), and a number
    (a numeric literal or column, arithmetic, a numeric function)."""
    column = _column_types(tree, ctx)

    def string(e: exp.Expression) -> bool:
        while isinstance(e, exp.Paren):
            e = e.this
        if isinstance(e, exp.Column):
            got = column(e)
            return got is not None and got[0] in _STRING_OIDS
        return _stringish(e)

    def number(e: exp.Expression) -> bool:
        while isinstance(e, exp.Paren):
            e = e.this
        if isinstance(e, exp.Column):
            got = column(e)
            return got is not None and got[0] in _NUMBER_OIDS
        return (_numeric_literal(e) or isinstance(e, _NUMBER_RESULTS)
                or (isinstance(e, exp.Cast) and e.to.is_type(*exp.DataType.NUMERIC_TYPES)))

    return string, number


def _as_strings(args: list[exp.Expression | None], number: Callable[[exp.Expression], bool]) -> None:
    for a in args:
        if a is not None and number(a):
            a.replace(exp.Cast(this=a.copy(), to=exp.DataType.build("CHAR")))


def _choices_of_strings_and_numbers(tree: exp.Expression, ctx: Context) -> None:
    """IF, IFNULL, COALESCE and CASE choosing between a number and a string are strings in
    MySQL, whichever they choose (``IF(1, 1, 'a')`` is '1', a VARCHAR): such a number is
    cast to CHAR. The engine typed the choice by its first number, so ``IF(0, 1, 'a')``
    sent 'a' in a BIGINT column, and ``COALESCE(n, s)`` of an INT and a VARCHAR too."""
    nodes = list(tree.find_all(exp.If, exp.Coalesce, exp.Case))
    if not nodes:
        return
    string, number = _value_kinds(tree, ctx)
    for node in nodes:
        if isinstance(node, exp.If):
            args = [node.args.get("true"), node.args.get("false")]
        elif isinstance(node, exp.Coalesce):
            args = [node.this, *node.expressions]
        else:
            args = [i.args.get("true") for i in node.args.get("ifs") or []] + [node.args.get("default")]
        if any(a is not None and string(a) for a in args):
            _as_strings(args, number)


def _concat_of_one_number(tree: exp.Expression, ctx: Context) -> None:
    """CONCAT of one number is its text, a string, as any CONCAT is in MySQL: the engine
    wrote ``CONCAT(x)`` as ``x``, and a DOUBLE's came back a number (``CONCAT(d)`` 1e-05
    in a DOUBLE column): the number is cast to CHAR."""
    nodes = [n for n in tree.find_all(exp.Concat) if len(n.expressions) == 1]
    if not nodes:
        return
    _, number = _value_kinds(tree, ctx)
    for node in nodes:
        arg = node.expressions[0]
        inner = arg.this if isinstance(arg, exp.Paren) else arg
        if number(inner) or isinstance(_unwrapped(arg), _TRUTHS):
            arg.replace(exp.Cast(this=arg.copy(), to=exp.DataType.build("CHAR")))


def _integer_casts_of_doubles(tree: exp.Expression, ctx: Context) -> None:
    """CAST(x AS SIGNED | UNSIGNED) of a DOUBLE rounds half to even in MySQL (C's rint():
    CAST(2.5e0 AS SIGNED) is 2), of a DECIMAL half away from zero (CAST(2.5 AS SIGNED) 3):
    a DOUBLE (a DOUBLE column, a CAST to DOUBLE or an exponent literal, arithmetic on one)
    is rounded so first (``mysql_rint``); so is a DOUBLE count of LEFT, RIGHT, REPEAT,
    SUBSTRING and LPAD / RPAD."""
    D = exp.DataType.Type
    casts = [c for c in tree.find_all(exp.Cast) if c.to.this in (D.UBIGINT, D.UINT, D.BIGINT, D.INT)]
    counts = [a for n in tree.find_all(*_COUNT_ARGS) for k in _COUNT_ARGS[type(n)]
              if (a := n.args.get(k)) is not None]
    counts += [a for n in tree.find_all(exp.Anonymous) if str(n.this).upper() in ("MID", "SUBSTR")
               for a in n.expressions[1:3]]
    if not casts and not counts:
        return
    double = _double_test(_column_types(tree, ctx))
    for c in casts:
        if double(c.this):
            c.set("this", _fn("mysql_rint", c.this.copy()))
    for a in counts:  # LEFT(s, 2.5e0), REPEAT('a', 2.5e0): two
        if double(a):
            a.replace(_fn("mysql_rint", a.copy()))


# the arguments that count characters or times, which MySQL reads as integers
_COUNT_ARGS: dict[type[exp.Expression], tuple[str, ...]] = {
    exp.Left: ("expression",), exp.Right: ("expression",), exp.Repeat: ("times",),
    exp.Substring: ("start", "length"), exp.Pad: ("expression",),
}


def _unions_of_strings_and_numbers(tree: exp.Expression, ctx: Context) -> None:
    """A UNION column of a string in one arm and a number in another is a string in MySQL
    (``SELECT 1e2 UNION SELECT 'a'`` is '100' and 'a'): such a number is cast to CHAR. The
    engine typed the column by its first arm, and a DOUBLE's then read 'a' as a double."""
    from aurora.engine.sql.translate import _set_arms

    tops = [op for op in tree.find_all(exp.SetOperation) if not isinstance(op.parent, exp.SetOperation)]
    if not tops:
        return
    string, number = _value_kinds(tree, ctx)
    for op in tops:
        arms = _set_arms(op)
        if len(arms) < 2 or any(dml.is_star(e) for a in arms for e in a.expressions):
            continue
        for items in zip(*(a.expressions for a in arms), strict=False):
            values = [e.this if isinstance(e, exp.Alias) else e for e in items]
            if any(string(v) for v in values):
                _as_strings(values, number)


def _trigonometry_of_strings(tree: exp.Expression, ctx: Context, strict: bool) -> None:
    """SIN, COS, TAN, ASIN, ACOS, ATAN, COT, DEGREES and RADIANS of a string read the
    DOUBLE MySQL reads in it ('1x' is 1, with its 1292 warning); the engine's cast refused
    it with a Python message (1292 "could not convert string to float") or gave NULL."""
    nodes = list(tree.find_all(exp.Sin, exp.Cos, exp.Tan, exp.Asin, exp.Acos, exp.Atan, exp.Cot,
                               exp.Degrees, exp.Radians))
    if not nodes:
        return
    column = _column_types(tree, ctx)
    for node in nodes:
        x = node.this
        inner = _unwrapped(x) if x is not None else None
        if inner is not None and (_string_expression(inner) or (
                isinstance(inner, exp.Literal) and inner.is_string and _taken_out(inner) in ("s", None)) or (
                isinstance(inner, exp.Column) and (column(inner) or (0,))[0] in _STRING_OIDS)):
            node.set("this", exp.Cast(this=_as_number(x, strict), to=exp.DataType.build("double")))


def _rounds_of_doubles(tree: exp.Expression, ctx: Context, strict: bool) -> None:
    """ROUND of a DOUBLE rounds half to even in MySQL (C's rint(): ROUND(2.5e0) is 2, and
    with digits the value times 10^d, rounded so, divided back: ROUND(0.125e0, 2) 0.12),
    an exact value half away from zero (ROUND(2.5) is 3); TRUNCATE of a DOUBLE cuts the
    value times 10^d (TRUNCATE(2.55e0, 1) is 2.5). The engine read ``2.5e0`` as exact,
    rounded a double with digits as a numeric (0.13) and cut it to a whole number whatever
    its digits (TRUNCATE(0.1e0, 1) was 0). With digits, ``mysql_round_double`` does what
    MySQL's my_double_round does (a value past the digits a double holds stays as it is).
    A string is read as the DOUBLE MySQL reads in it (ROUND('2.5') is 2; the engine
    rounded the text, '3.0')."""
    _trigonometry_of_strings(tree, ctx, strict)
    nodes = list(tree.find_all(exp.Round, exp.Trunc, exp.Ceil, exp.Floor, exp.Abs, exp.Sign))
    if not nodes:
        return
    column = _column_types(tree, ctx)
    double_kind = _double_test(column)
    for node in nodes:
        x, digits = node.this, node.args.get("decimals")
        if digits is not None and (_string_operand(digits) or (
                isinstance(digits.unnest(), exp.Column) and (column(digits.unnest()) or (0,))[0] in _STRING_OIDS)):
            # ROUND(x, 'abc'): the integer MySQL reads in the string (0)
            digits = _fn("mysql_cast_int", digits.copy())
            node.set("decimals", digits)
        inner = _unwrapped(x)
        if isinstance(node, exp.Ceil | exp.Floor | exp.Abs | exp.Sign):
            if _string_expression(inner) or (isinstance(inner, exp.Literal) and inner.is_string
                                              and _taken_out(inner) in ("s", None)) or (
                    isinstance(inner, exp.Column) and (column(inner) or (0,))[0] in _STRING_OIDS):
                # CEIL('2.5') is the DOUBLE 3 (the engine's was the text '3.0'), ABS('abc') 0
                node.set("this", exp.Cast(this=_as_number(x, strict), to=exp.DataType.build("double")))
            continue
        integer = ((isinstance(inner, exp.Literal) and not inner.is_string and inner.is_int)
                   or (isinstance(inner, exp.Column) and (column(inner) or (0,))[0] in (20, 21, 23)))
        if integer and digits is None and isinstance(node, exp.Round):
            node.replace(x.copy())  # ROUND(i) is i (SQLite's round gave the REAL 1.0)
            continue
        if integer and digits is not None:
            # ROUND / TRUNCATE of an integer is an integer in MySQL (ROUND(i, 1) is 3, not 3.0;
            # ROUND(15, -1) is 20; ROUND(i, s) too)
            node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build("bigint")))
            continue
        string = ((isinstance(inner, exp.Literal) and inner.is_string and _taken_out(inner) in ("s", None))
                  or _string_expression(inner)
                  or (isinstance(inner, exp.Column) and (column(inner) or (0,))[0] in _STRING_OIDS))
        if not string and not double_kind(x):
            continue
        truncate = isinstance(node, exp.Trunc)
        if truncate and digits is None:
            continue
        double = exp.Cast(this=_as_number(x, strict) if string else x.copy(),
                          to=exp.DataType.build("double"))
        if digits is None:
            node.replace(exp.Round(this=double))
            continue
        node.replace(exp.Cast(this=_fn("mysql_round_double", double, digits.copy(),
                                       exp.Literal.number(int(truncate))),
                              to=exp.DataType.build("double")))


def _double_test(column: Callable[[exp.Column], tuple[int, int] | None]) -> Callable[[exp.Expression], bool]:
    """A test of an expression that is a DOUBLE by its form: a DOUBLE or FLOAT column, a
    number written with an exponent, a CAST to DOUBLE, arithmetic on one of those."""
    D = exp.DataType.Type

    def double(e: exp.Expression) -> bool:
        while isinstance(e, exp.Paren | exp.Neg):
            e = e.this
        if isinstance(e, exp.Literal):
            return not e.is_string and bool(re.search(r"[eE]", e.this))
        if isinstance(e, exp.Cast):
            return e.to.this in (D.DOUBLE, D.FLOAT)
        if isinstance(e, exp.Column):
            return (column(e) or (0,))[0] in (700, 701)
        if isinstance(e, exp.Add | exp.Sub | exp.Mul | exp.Div):
            return double(e.this) or double(e.expression)
        return False

    return double


def _greatest_without_case(tree: exp.Expression, ctx: Context) -> None:
    """GREATEST and LEAST of strings compare them by the collation too: GREATEST('a', 'B')
    is 'B' in MySQL. SQLite's max() and min() of several values take the first collation
    their arguments name, so the first argument gets NOCASE when every argument is a
    string (by its form, or a string column). Numbers among strings are compared as strings
    in MySQL 8 (its manual; 5.7 and MariaDB compare numbers), and the result is a string:
    such a number is cast to CHAR (SQLite put every number before every string, so
    ``LEAST(3, '2')`` was 3)."""
    nodes = list(tree.find_all(exp.Greatest, exp.Least))
    if not nodes:
        return
    string, number = _value_kinds(tree, ctx)
    for node in nodes:
        args = [node.this, *node.expressions]
        if any(a is not None and string(a) for a in args):
            _as_strings(args, number)
        first = node.this
        if (first is not None and not isinstance(first, exp.Collate) and not _case_folded(first)
                and all(string(a) for a in (first, *node.expressions))):
            first.replace(exp.Collate(this=first.copy(), expression=exp.Var(this="nocase")))


def _date_arithmetic(tree: exp.Expression, ctx: Context, select: bool) -> None:
    """A DATE plus or minus days, weeks, months or years is a DATE in MySQL (PostgreSQL's
    date + interval is a timestamp), and a string column's or string expression's value
    plus an interval is a string: such nodes are noted for _date_string_operand. In a
    query (``select``) a string literal is read as MySQL reads a date ('24-01-05',
    '2024/1/5'), and one that is none makes the sum NULL, as MySQL answers a query (the
    engine's cast refused the statement with 1292); a write keeps the strict reading."""
    column = None
    # (inner sums first: DATE_ADD(s, INTERVAL 1 DAY) - INTERVAL 1 MONTH is a string's too)
    for node in reversed(list(tree.find_all(exp.DateAdd, exp.DateSub, exp.Add, exp.Sub))):
        got = _date_operand(node)
        if got is None:
            continue
        value = got[0]
        if value.meta.get("mysql_text"):
            node.meta["mysql_text"] = True
            continue
        if isinstance(value, exp.Column):
            column = column or _column_types(tree, ctx)
            typed = column(value)
            if typed is not None and typed[0] in _STRING_OIDS:
                node.meta["mysql_text"] = True
                continue
        elif isinstance(value, exp.Literal) and value.is_string:
            if select and _taken_out(value) is None:
                moment = text_datetime(value.this)
                if moment is None:
                    node.replace(exp.null())
                    continue
                value.replace(exp.Literal.string(moment[:10] if date_only(value.this) else moment))
        elif _stringish(value) and not _is_param(value):
            node.meta["mysql_text"] = True  # CONCAT(...) + INTERVAL 1 DAY
            continue
        if got[1] not in _DATE_UNITS:
            continue
        if isinstance(value, exp.CurrentDate | exp.TsOrDsToDate | exp.LastDay | exp.UtcDate) or (
                isinstance(value, exp.Cast) and value.to.this == exp.DataType.Type.DATE):
            node.meta["mysql_date"] = True
        elif isinstance(value, exp.Column):
            column = column or _column_types(tree, ctx)
            typed = column(value)
            if typed is not None and typed[0] == 1082:
                node.meta["mysql_date"] = True


def _date_string_operand(node: exp.Expression) -> exp.Expression:
    """``DATE_ADD('2024-01-31', INTERVAL 1 MONTH)``, ``'2024-01-31' + INTERVAL 1 DAY``, a DATE
    column plus days: MySQL reads a string as a DATE when it is one and the unit counts days
    or more, else as a DATETIME, and a DATE plus such a unit stays a DATE (PostgreSQL's date
    + interval is a timestamp; its unknown + interval a timestamp with a time zone)."""
    got = _date_operand(node)
    if got is None:
        return node
    value, unit = got
    if node.meta.get("mysql_text"):
        # A string column or expression: read as MySQL reads a date or a date and time (NULL when it holds
        # neither), and the result a string again, a date's when the string was one and the
        # unit counts days or more (MySQL's DATE_ADD of a string)
        text = value.copy()
        value.replace(exp.Cast(this=_fn("mysql_text_datetime", text.copy()),
                               to=exp.DataType.build("timestamp")))
        return _fn("mysql_temporal_text", node.copy(), text, exp.Literal.number(int(unit in _DATE_UNITS)))
    # (a DATE_ADD giving a DATE has been rewritten to its cast by now: a sum of a sum, as
    # DATE_ADD(d, INTERVAL 1 DAY) - INTERVAL 1 MONTH, stays a DATE too)
    dated = bool(node.meta.get("mysql_date")) or (
        unit in _DATE_UNITS and isinstance(value, exp.Cast) and value.to.this == exp.DataType.Type.DATE)
    if isinstance(value, exp.Literal) and value.is_string:
        dated = unit in _DATE_UNITS and bool(re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*", value.this))
        value.replace(exp.Cast(this=value.copy(), to=exp.DataType.build("date" if dated else "timestamp")))
    if dated:
        return exp.Cast(this=node.copy(), to=exp.DataType.build("date"))
    return node


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Interval) and isinstance(node.this, exp.Tuple) and node.args.get("unit") is None:
        # INTERVAL(N, N1, N2, ...), the function (sqlglot reads an interval of a row)
        return _fn("mysql_interval", *node.this.expressions)
    if isinstance(node, exp.Interval) and node.meta.get("mysql_param"):
        # INTERVAL ? unit: the parameter times one unit, a whole number of them but for
        # seconds (MySQL rounds the others' amounts)
        unit = str(node.args.get("unit")).upper()
        kind = "double precision" if unit in ("SECOND", "MICROSECOND") else "bigint"
        amount = exp.Cast(this=node.this, to=exp.DataType.build(kind))
        times = exp.Mul(this=amount, expression=exp.Interval(this=exp.Literal.string(_PARAM_UNITS[unit])))
        times.meta["mysql_unit"] = unit
        return times
    if isinstance(node, exp.SessionParameter):
        name = node.name.lower()
        if str(node.args.get("kind") or "").lower() == "global":
            name = "global." + name  # @@global.x: the value later sessions start with
        return _fn("mysql_sysvar", exp.Literal.string(name))
    if isinstance(node, exp.Parameter):
        return _fn("mysql_uservar", exp.Literal.string(node.name.lower()))
    if isinstance(node, exp.CurrentSchema):
        return _fn("mysql_database")
    if isinstance(node, exp.CurrentUser):
        return _fn("mysql_current_user")
    if isinstance(node, exp.CurrentVersion):
        return _fn("mysql_sysvar", exp.Literal.string("version"))
    if isinstance(node, exp.CurrentTimestamp | exp.Localtime | exp.Localtimestamp):
        return _now(node.this)
    if isinstance(node, exp.UtcTimestamp):
        return _now(node.this, _UTC)
    if isinstance(node, exp.CurrentTime | exp.UtcTime):
        clock = _UTC if isinstance(node, exp.UtcTime) else "LOCALTIMESTAMP"
        return exp.Cast(this=_now(None, clock), to=exp.DataType.build("time(0)"))
    if isinstance(node, exp.UtcDate):
        return _pg(f"CAST({_UTC} AS date)").copy()
    if isinstance(node, exp.ConvertTimezone):
        args = [node.args.get(k) or exp.null() for k in ("timestamp", "source_tz", "target_tz")]
        return exp.Cast(this=_fn("mysql_convert_tz", *args), to=exp.DataType.build("timestamp"))
    if isinstance(node, exp.Collate):
        # a binary collation (``binary``, ``utf8mb4_bin``) compares bytes: SQLite's BINARY;
        # a case-insensitive one (``utf8mb4_0900_ai_ci`` ...) is SQLite's NOCASE, which every
        # string column has already (see _case_insensitive for expressions)
        name = node.expression.name.lower()
        if name == "binary" or name.endswith("_bin"):
            return exp.Collate(this=node.this, expression=exp.Var(this="binary"))
        if name == "nocase" or name.endswith("_ci"):
            return exp.Collate(this=node.this, expression=exp.Var(this="nocase"))
        return node.this
    if isinstance(node, exp.UnixToTime) and node.args.get("format") is not None:
        # FROM_UNIXTIME(ts, format): DATE_FORMAT of the moment in the session's zone
        moment = exp.Cast(this=_fn("mysql_from_unixtime", node.this), to=exp.DataType.build("timestamp"))
        node = exp.TimeToStr(this=moment, format=node.args["format"])
    if isinstance(node, exp.TimeToStr):
        # DATE_FORMAT / MONTHNAME: MySQL's specifiers, in Python (PostgreSQL's to_char pads
        # day and month names, and has no %D, %U, %r...); sqlglot hands a literal format over
        # in strftime's spelling: back to MySQL's
        fmt = node.args["format"]
        if isinstance(fmt, exp.Literal) and fmt.is_string:
            from sqlglot.dialects.mysql import MySQL

            written = MySQL().generator().format_time(node)  # (as a quoted literal)
            fmt = sqlglot.parse_one(written or "''", read="mysql")
        return _fn("mysql_date_format", node.this, fmt)
    if isinstance(node, exp.Dayname):
        return _fn("mysql_dayname", node.this)
    if isinstance(node, exp.Greatest | exp.Least) and not node.args.get("ignore_nulls"):
        # NULL when any argument is NULL, in MySQL (PostgreSQL's skip NULLs)
        args = [node.this, *node.expressions]
        return exp.Case(ifs=[exp.If(this=exp.or_(*[exp.Is(this=a.copy(), expression=exp.Null()) for a in args]),
                                    true=exp.null())], default=node.copy())
    if isinstance(node, exp.Left | exp.Right):
        # a negative length is '' (PostgreSQL's counts it from the other end), NULL's NULL;
        # a length that is no integer is the integer MySQL reads in it (LEFT(s, 1.5e0))
        n = node.expression
        if not (isinstance(n, exp.Literal) and n.is_int) and not _is_param(n) and isinstance(
                node.root(), exp.Query | exp.Insert | exp.Update | exp.Delete):
            n = _fn("mysql_cast_int", n.copy())
        clamp = exp.Case(ifs=[exp.If(this=exp.LT(this=n.copy(), expression=exp.Literal.number(0)),
                                     true=exp.Literal.number(0))], default=n.copy())
        return exp.Case(ifs=[exp.If(this=exp.Is(this=n.copy(), expression=exp.Null()), true=exp.null())],
                        default=type(node)(this=node.this, expression=clamp))
    if isinstance(node, exp.Sign):
        return _bigint(node.copy())  # an integer in MySQL
    if isinstance(node, exp.Sqrt | exp.Ln | exp.Exp):
        # NULL outside the domain (SQRT(-1), LN(0)) as in MySQL, where the PostgreSQL
        # engine raised an error; EXP too large is 1690 (DOUBLE out of range)
        return _fn("mysql_" + type(node).__name__.lower(), node.this)
    if isinstance(node, exp.Log):
        return _fn("mysql_log", node.this, node.expression)  # LOG(b, x), LOG2, LOG10
    if isinstance(node, exp.Pow):
        return _fn("mysql_pow", node.this, node.expression)
    if isinstance(node, exp.Atan) and node.expression is not None:
        return exp.Atan2(this=node.this, expression=node.expression)  # ATAN(y, x)
    if isinstance(node, exp.Chr):
        # CHAR(n, ...): each number's bytes (256 is two of them), a binary string unless
        # USING names a character set
        charset = node.args.get("charset")
        return _fn("mysql_char", exp.Literal.string(charset.name if charset else ""), *node.expressions)
    if isinstance(node, exp.Unhex):
        return _fn("mysql_unhex", node.this)
    if isinstance(node, exp.Count) and isinstance(node.this, exp.Distinct) and len(node.this.expressions) > 1:
        # COUNT(DISTINCT a, b): the distinct combinations with no NULL, as one key each
        key = _fn("mysql_distinct_key", *node.this.expressions)
        return exp.Count(this=exp.Distinct(expressions=[key]))
    if isinstance(node, exp.Sum) and isinstance(node.this, exp.Predicate | exp.Connector | exp.Not):
        # SUM(v > 15) counts the rows where it holds (MySQL's truth is 1); the PostgreSQL
        # engine's sum of a boolean was its OR (1)
        return exp.Sum(this=exp.Cast(this=node.this, to=exp.DataType.build("int")))
    if isinstance(node, exp.JSONRemove):
        # the document as MySQL writes one ({"a": 1, "b": 2}: keys by length, then bytes)
        return _fn("mysql_json_form", node.copy())
    mode = _json_modifier(node)
    if mode is not None:
        # in Python, told which values are JSON (a JSON function's result goes in as JSON,
        # not as a string of its text) by _json_values
        args = node.expressions if isinstance(node, exp.Anonymous) else [node.this, *node.expressions]
        flags = node.meta.get("mysql_json_values", "")
        return _fn("mysql_json_modify", exp.Literal.string(mode), exp.Literal.string(flags), *args)
    if isinstance(node, exp.Anonymous) and str(node.this).upper() == "JSON_MERGE":
        return _fn("mysql_json_merge_preserve", *node.expressions)  # (its old name)
    if isinstance(node, exp.Rand) and node.this is not None:
        # RAND(seed): MySQL's own sequence, one per place the statement calls it
        return _fn("mysql_rand", node.this, exp.Literal.number(next(_RAND_SITES)))
    if isinstance(node, exp.Collation):
        return _fn("mysql_collation", node.this)
    python = _PY_NODES.get(type(node))
    if python is not None:
        name, keys = python
        args = [node.args[k] for k in keys if node.args.get(k) is not None]
        args = [_json_path(a) for a in args]  # (a JSON path parsed back to its text)
        return _fn(name, *args, *(node.expressions if isinstance(node, exp.Elt) else []))
    if isinstance(node, exp.Extract) and node.name.upper() in COMPOUND_UNITS:
        return _fn("mysql_extract_compound", exp.Literal.string(node.name.upper()), node.expression)
    if isinstance(node, exp.Year | exp.Month | exp.Day) or (
            isinstance(node, exp.Extract) and node.name.upper() != "EPOCH"):
        # an integer in MySQL (PostgreSQL's EXTRACT is a numeric: 2024 went out as DECIMAL,
        # and EXTRACT(SECOND ...) with its fraction, which MySQL drops)
        unit = node.name.upper() if isinstance(node, exp.Extract) else ""
        if unit == "WEEK":  # WEEK(d), mode 0 (PostgreSQL's is the ISO week)
            return _fn("mysql_week", node.expression, exp.Literal.number(0))
        part = node.copy()
        if unit == "SECOND":
            part = _fn("trunc", part)
        elif unit == "MICROSECOND":  # the fraction's (PostgreSQL counts the seconds' too)
            part = exp.Mod(this=_fn("trunc", part), expression=exp.Literal.number(1000000))
        return _bigint(part)
    if isinstance(node, exp.JSONObject):
        # JSON_OBJECT('k', v, ...) as a JSON object in MySQL's form (keys ordered by length,
        # then bytes, as MySQL stores them): jsonb's; sqlglot's PostgreSQL spelling of it is
        # PostgreSQL 16's JSON_OBJECT('k': v), which nothing here reads
        pairs = [x for kv in node.expressions for x in (kv.this, kv.expression)]
        return _fn("jsonb_build_object", *pairs)
    if isinstance(node, exp.JSONObjectAgg) and len(node.expressions) == 1 \
            and isinstance(node.expressions[0], exp.JSONKeyValue):
        pair = node.expressions[0]  # JSON_OBJECTAGG(k, v): the last value of a key wins
        return _fn("jsonb_object_agg", pair.this, pair.expression)
    if isinstance(node, exp.Anonymous) and str(node.this).upper() == "JSON_ARRAYAGG" \
            and len(node.expressions) == 1:
        return _fn("jsonb_agg", node.expressions[0])  # '[1, 2]', as MySQL writes it
    if isinstance(node, exp.JSONArray) or (
            isinstance(node, exp.Anonymous) and str(node.this).lower() == "json_array"):
        # '[1, "a"]' as MySQL writes it (SQLite's json_array: '[1,"a"]'), and a JSON value
        # inside JSON_OBJECT, not a string
        return _fn("jsonb_build_array", *node.expressions)
    simple = _SIMPLE.get(type(node))
    if simple is not None:
        return _fn(simple, node.this)
    if isinstance(node, exp.Length) and node.args.get("binary"):
        return _fn("octet_length", node.this)  # LENGTH counts bytes (CHAR_LENGTH characters)
    if isinstance(node, exp.DateAdd | exp.DateSub | exp.Add | exp.Sub):
        node = _date_string_operand(node)
    if isinstance(node, exp.StrToDate | exp.StrToTime):
        fmt = node.args.get("format")
        # the format's parts give the type, as in MySQL: a date's only a DATE, a time's only
        # a TIME, both a DATETIME (a format known only when run: a DATETIME)
        literal = isinstance(fmt, exp.Literal)
        timed = not (literal and not re.search(r"%[HIMSfpXT]", fmt.this))
        dated = not (literal and not DATE_PARTS.search(fmt.this))
        call = _fn("mysql_str_to_date", node.this, fmt if fmt is not None else exp.null())
        return exp.Cast(this=call, to=exp.DataType.build(
            "timestamp" if timed and dated else "time" if timed else "date"))
    if isinstance(node, exp.UnixToTime) and not node.args.get("format"):
        call = _fn("mysql_from_unixtime", node.this)
        return exp.Cast(this=call, to=exp.DataType.build("timestamp"))
    if (isinstance(node, exp.DateDiff) and isinstance(node.expression, exp.TsOrDsToDate)
            and node.expression.this == exp.Literal.string("0000-01-01")):
        # TO_DAYS(x), which sqlglot reads as DATEDIFF(x, '0000-01-01') + 1: a date of year 0
        # is none in PostgreSQL (or Python), so the days are counted from FROM_DAYS's origin
        value = node.this.this if isinstance(node.this, exp.TsOrDsToDate) else node.this
        return exp.Sub(this=_fn("mysql_to_days", value), expression=exp.Literal.number(1))
    if isinstance(node, exp.WeekOfYear):
        return _fn("mysql_week", node.this, exp.Literal.number(3))  # WEEK(d, 3), as MySQL defines it
    if isinstance(node, exp.DateDiff) and not node.args.get("unit"):
        return _fn("mysql_datediff", node.this, node.expression)
    if isinstance(node, exp.Hour | exp.Minute | exp.Second):
        return _time_part(type(node).__name__.upper(), node.this)
    if isinstance(node, exp.TimestampDiff):
        unit = str(node.unit or "").upper().removeprefix("SQL_TSI_")
        if unit not in _DIFF_UNITS:
            raise _syntax(f"{unit}, ...")
        # as wall times (a TIMESTAMP's in the session's zone), in a text form _date reads
        stamps = [
            exp.Cast(
                this=exp.Cast(this=v, to=exp.DataType.build("timestamp")),
                to=exp.DataType.build("text"),
            )
            for v in (node.expression, node.this)
        ]
        return _bigint(_fn("mysql_timestampdiff", exp.Literal.string(unit), *stamps))
    if isinstance(node, exp.RegexpLike):
        return _fn("mysql_regexp", node.this, node.expression)
    if isinstance(node, exp.JSONExtract | exp.JSONExtractScalar):
        paths = [node.expression, *(node.args.get("expressions") or [])]
        args = [_json_path(p) for p in paths]
        if isinstance(node, exp.JSONExtractScalar) and len(args) == 1:
            return _fn("mysql_json_value", node.this, args[0])
        return _fn("mysql_json_extract", node.this, *args)
    if isinstance(node, exp.BitString):
        # b'101' / 0b101: a number (what BIT columns and flags take), but the bytes it spells
        # as the argument of a string function (CONCAT(b'11', 'x'), HEX(b'11') '03',
        # CHAR_LENGTH(b'11') 1: as a number it was 1305 "FUNCTION length does not exist")
        if isinstance(node.parent, (exp.Concat, exp.ConcatWs, exp.Hex, exp.Length, exp.Upper, exp.Lower,
                                    exp.Reverse, exp.MD5, exp.SHA, exp.SHA2, exp.BitLength, exp.ToBase64)):
            bits = node.this or ""
            data = int(bits or "0", 2).to_bytes((len(bits) + 7) // 8, "big") if bits else b""
            return exp.Cast(this=exp.Literal.string("\\x" + data.hex()), to=exp.DataType.build("bytea"))
        return exp.Literal.number(int(node.this or "0", 2))
    if isinstance(node, exp.HexString):
        if isinstance(node.parent, _ARITHMETIC):  # x'41' + 0 is 65: a number there
            return exp.Literal.number(int(node.this or "0", 16))
        return exp.Cast(this=exp.Literal.string("\\x" + node.this), to=exp.DataType.build("bytea"))
    if isinstance(node, exp.Boolean):
        return exp.Literal.number(1 if node.this else 0)
    if isinstance(node, exp.Div):
        scale = node.meta.get("mysql_scale", 0)
        # a SELECT's division by zero is NULL; a write's is 1365 (strict mode with
        # ERROR_FOR_DIVISION_BY_ZERO, MySQL 8's default)
        divisor = (_fn("mysql_divisor", node.expression) if node.meta.get("mysql_write")
                   else _fn("NULLIF", node.expression, exp.Literal.number(0)))
        if scale == "float":  # a DOUBLE operand: the quotient is a DOUBLE
            num = exp.Cast(this=node.this, to=exp.DataType.build("double"))
            return exp.Div(this=num, expression=divisor)
        num = exp.Cast(this=node.this, to=exp.DataType.build("numeric"))
        digits = scale + 4
        if node.meta.get("mysql_inner"):  # inside arithmetic: MySQL's whole decimal words
            digits = -(-digits // 9) * 9
        return _fn("round", exp.Div(this=num, expression=divisor), exp.Literal.number(digits))
    if isinstance(node, exp.Avg) and isinstance(node.meta.get("mysql_scale"), int):
        digits = node.meta["mysql_scale"] + 4
        window = node.parent
        if isinstance(window, exp.Window) and window.this is node:
            # AVG(x) OVER (...): the window's value is rounded (round() is no window function)
            window.meta["mysql_round"] = digits
            return node
        return _fn("round", exp.Avg(this=node.this), exp.Literal.number(digits))
    if isinstance(node, exp.IntDiv):
        return exp.Cast(this=_fn("div", node.this, node.expression), to=exp.DataType.build("bigint"))
    if isinstance(node, exp.Ascii):  # the first byte (the engine's ascii() is a code point)
        return _fn("mysql_ascii", node.this)
    if isinstance(node, exp.Pad) and node.args.get("fill_pattern") is not None:
        # LPAD / RPAD as MySQL's: NULL for a negative length, and for an empty pad that
        # would have to pad (the engine's lpad gave '' and the string as it was)
        return _fn("mysql_pad", node.this, node.expression, node.args["fill_pattern"],
                   exp.Literal.number(1 if node.args.get("is_left") else 0))
    if isinstance(node, exp.Repeat):  # (MySQL's counts and max_allowed_packet)
        return _fn("mysql_repeat", node.this, node.args["times"])
    if isinstance(node, exp.Space):
        return _fn("mysql_space", node.this)
    if isinstance(node, exp.Cast):
        return _cast(node)
    if isinstance(node, exp.Anonymous):
        name = str(node.this).upper()
        if name in _FUNCS:
            return _fn(_FUNCS[name], *node.expressions)
        if name in _PY_FUNCS:
            return _fn("mysql_" + name.lower(), *node.expressions)
        if name in ("BIN", "OCT") and len(node.expressions) == 1:
            base = exp.Literal.number(2 if name == "BIN" else 8)
            return _fn("mysql_conv", node.expressions[0], exp.Literal.number(10), base)
        if name == "MID":
            return _fn("mysql_substr", *node.expressions)
        if name in _VAR_FUNCS:
            return _fn("mysql_sysvar", exp.Literal.string(_VAR_FUNCS[name]))
        if name in _NOW:
            return _now(node.expressions[0] if node.expressions else None)
        if name == "SYSDATE":  # the time it runs, not the statement's
            return _now(node.expressions[0] if node.expressions else None, "clock_timestamp()")
        if name in ("JSON_UNQUOTE", "JSON_LENGTH", "JSON_TYPE") and len(node.expressions) == 1:
            return _fn("mysql_" + name.lower(), node.expressions[0])
        if name == "JSON_LENGTH" and len(node.expressions) == 2:
            return _fn("mysql_json_length", node.expressions[0], _json_path(node.expressions[1]))
        if name == "MICROSECOND" and len(node.expressions) == 1:
            return _time_part(name, node.expressions[0])
        if name == "WEEKDAY" and len(node.expressions) == 1:
            return _fn("mysql_weekday", node.expressions[0])
        if name in _ML_FUNCS and len(node.expressions) in (2, 3):
            # Aurora MySQL's built-in Comprehend functions: the instance's ML functions, batched
            args = list(node.expressions) + ([exp.null()] if len(node.expressions) == 2 else [])
            return _fn(_ML_FUNCS[name], *args)
        if name == "UNIX_TIMESTAMP":
            # a DATETIME (or text) is a wall time of the session's zone: as timestamptz
            arg = (
                exp.Cast(this=node.expressions[0], to=exp.DataType.build("timestamptz"))
                if node.expressions else _pg("CURRENT_TIMESTAMP").copy()
            )
            epoch = _fn("floor", exp.Extract(this=exp.var("EPOCH"), expression=arg))
            return exp.Cast(this=epoch, to=exp.DataType.build("bigint"))
    return node


# Aurora MySQL's aws_comprehend_detect_sentiment[_confidence](text, language [, max_batch_size])
_ML_FUNCS = {
    "AWS_COMPREHEND_DETECT_SENTIMENT": "aws_ml_detect_sentiment_sentiment",
    "AWS_COMPREHEND_DETECT_SENTIMENT_CONFIDENCE": "aws_ml_detect_sentiment_confidence",
}


def _json_path(path: exp.Expression) -> exp.Expression:
    """A path sqlglot parsed (JSONPath) back as MySQL's text; anything else as it is."""
    if isinstance(path, exp.JSONPath):
        return exp.Literal.string(path.sql(dialect="mysql").strip("'"))
    return path


def _tables_of(tree: exp.Expression) -> Callable[[exp.Column], list[str]]:
    """The tables a column the statement names may belong to, by its qualifier or alias
    (every table of the statement for an unqualified one)."""
    tables: dict[str, str] = {}
    for t in tree.find_all(exp.Table):
        if isinstance(t.this, exp.Identifier):
            tables[t.alias_or_name.lower()] = t.name
            tables.setdefault(t.name.lower(), t.name)

    def of(c: exp.Column) -> list[str]:
        if c.table and c.table.lower() in tables:
            return [tables[c.table.lower()]]
        return list(dict.fromkeys(tables.values()))

    return of


def _column_types(
    tree: exp.Expression, ctx: Context
) -> Callable[[exp.Column], tuple[int, int] | None]:
    """(type OID, typmod) of a column the statement names, by its tables and aliases."""
    tables = _tables_of(tree)

    def column(c: exp.Column) -> tuple[int, int] | None:
        return next((got for name in tables(c) if (got := ctx.column_type(name, c.name)) is not None), None)

    return column


def _declared_types(tree: exp.Expression, ctx: Context) -> Callable[[exp.Column], str | None]:
    """The MySQL type a column the statement names was declared with ('year', 'int' ...)."""
    tables = _tables_of(tree)

    def declared(c: exp.Column) -> str | None:
        return next((kind for name in tables(c)
                     if (kind := ctx.declared_types(name).get(c.name.lower())) is not None), None)

    return declared


def _unwrapped(e: exp.Expression) -> exp.Expression:
    """``e`` without the parentheses and minus signs around it."""
    while isinstance(e, exp.Paren | exp.Neg):
        e = e.this
    return e


def _numeric_literal(e: exp.Expression) -> bool:
    """A number written in the statement (``2``, ``-1``; the lexer's sentinel says so)."""
    while isinstance(e, exp.Paren | exp.Neg):
        e = e.this
    return isinstance(e, exp.Literal) and (not e.is_string or _taken_out(e) == "l")


def _compared_with_numbers(c: exp.Column) -> bool:
    """The column is compared with numbers written in the statement: ``c = 2``, ``1 < c``,
    ``c IN (1, 3)``, ``c BETWEEN 1 AND 2``."""
    p = c.parent
    if _assignment(p):
        return False
    if isinstance(p, _ORDERINGS):
        return _numeric_literal(p.expression if p.this is c else p.this)
    values = _compared_values(p) if isinstance(p, exp.In | exp.Between) and p.this is c else []
    return bool(values) and all(v is not None and _numeric_literal(v) for v in values)


_COMPARISONS = (*_COMPARED, exp.Like, exp.ILike)
_NUMBER_OIDS = frozenset((16, 20, 21, 23, 700, 701, 1700))


def _json_value_expression(e: exp.Expression) -> bool:
    """JSON_EXTRACT(doc, path) or ``doc->path``: a JSON value."""
    return isinstance(e, exp.JSONExtract) or (
        isinstance(e, exp.Anonymous) and str(e.this).upper() == "JSON_EXTRACT")


def _json_comparisons(tree: exp.Expression) -> None:
    """A JSON value compared with a number written in the statement compares numbers, as
    MySQL compares a JSON number with one (``JSON_EXTRACT(doc, '$.n') >= 15``, which Django's
    numeric key lookups write): the JSON's text against 15 compared as text, and every row
    matched. A JSON value that holds no number matches no such comparison. ORDER BY a JSON
    value sorts as MySQL's JSON comparison does (``mysql_json_sort_key``: numbers by value,
    then strings, then the rest), not by its text ('9' after '20')."""
    for ordered in tree.find_all(exp.Ordered):
        if _json_value_expression(ordered.this):
            ordered.this.replace(exp.Anonymous(this="mysql_json_sort_key", expressions=[ordered.this.copy()]))
    for node in _comparisons(tree):
        pairs = [(node.this, _compared_values(node))]
        if isinstance(node, _ORDERINGS):
            pairs.append((node.expression, [node.this]))
        for side, others in pairs:
            if _json_value_expression(side) and others and all(
                    o is not None and _numeric_literal(o) for o in others):
                side.replace(exp.Anonymous(this="mysql_json_number", expressions=[side.copy()]))
                break


def _json_arithmetic(tree: exp.Expression, ctx: Context) -> None:
    """A JSON column or value in arithmetic is the DOUBLE MySQL reads in it
    (``mysql_json_double``: its number, else 0): the engine's jsonb - text deleted a key
    (``body - 'x'``, an internal error for a scalar) and jsonb + 1 failed."""
    declared = _declared_types(tree, ctx)
    for node in list(tree.find_all(exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.IntDiv)):
        for side in (node.this, node.expression):
            json = _json_value_expression(side) or (
                isinstance(side, exp.Column) and (declared(side) or "").split("(")[0] == "json")
            if json:
                side.replace(exp.Cast(this=exp.Anonymous(this="mysql_json_double", expressions=[side.copy()]),
                                      to=exp.DataType.build("double")))


def _strings_as_numbers(tree: exp.Expression, ctx: Context, strict: bool) -> None:
    """A numeric column compared with a string written in the statement compares numbers, the
    string read as MySQL reads it (``mysql_number``: '5.0' is 5, '12abc' 12 and 'abc' 0,
    those two with a 1292 warning in a query, and 1292 errors in a statement that writes, as
    strict mode has it): ``SELECT ... WHERE id = 'abc'`` finds the rows of id 0, where the
    PostgreSQL engine's integer input refused the statement (22P02). A string expression
    compared with a number (``TRIM(s) > 9``, ``CONCAT(a, b) = 12``) is read so too (the
    engine compared its text with the number: false, or true for any text). A binary column
    (BINARY, VARBINARY, BLOB) compared with a string compares bytes, the string's UTF-8
    (``vb = 'AB'`` never matched: SQLite's bytes never equal a text), and a LIKE on one
    matches its bytes as text, case and all (it matched nothing). The column stays bare in
    a comparison, so its index serves it."""
    column = None
    for like in tree.find_all(exp.Like):
        if isinstance(like.this, exp.Column):
            column = column or _column_types(tree, ctx)
            typed = column(like.this)
            if typed is not None and typed[0] == 17:
                like.set("this", exp.Collate(this=exp.Anonymous(this="mysql_bytes_text", expressions=[
                    like.this.copy()]), expression=exp.Var(this="binary")))
    declared = None
    for node in _comparisons(tree):
        sides = [node.this, *_compared_values(node)]
        # (a string the lexer took out, or one left in the statement when it keeps its literals)
        strings = [s for s in sides if isinstance(s, exp.Literal) and s.is_string
                   and _taken_out(s) in ("s", None)]
        if not strings:
            # ``code = 0``: a string column against numbers written in the statement
            col = _column_against_numbers(node, sides)
            if col is None:
                # ``TRIM(s) > 9``, ``CONCAT(a, b) = id``: a string expression against a number
                exprs = [s for s in sides if s is not None and _string_expression(s)]
                if exprs:
                    column = column or _column_types(tree, ctx)
                    if any(_numeric_literal(s) or isinstance(s, _ARITHMETIC)
                           or (isinstance(s, exp.Column) and (column(s) or (0,))[0] in _NUMBER_OIDS)
                           for s in sides if s is not None):
                        for s in exprs:
                            s.replace(_as_number(s, strict))
                continue
            column = column or _column_types(tree, ctx)
            declared = declared or _declared_types(tree, ctx)
            typed = column(col)
            if (typed is not None and typed[0] in _STRING_OIDS
                    and not (declared(col) or "").lower().startswith(("enum(", "set("))):
                col.replace(_as_number(col, strict))  # (an ENUM's is its member's: _enum_order)
            continue
        columns = [s for s in sides if isinstance(s, exp.Column)]
        if not columns and any(_numeric_literal(s) for s in sides if s is not None):
            string_ids = {id(s) for s in strings}
            if (isinstance(node, exp.In) and id(node.this) in string_ids
                    and any(id(x) in string_ids for x in node.expressions)):
                # 'x' IN (2, 'y'): MySQL compares the string with each value by the pair's
                # types, 'x' = 'y' as strings and 'x' = 2 as numbers (all read as numbers,
                # 'x' and 'y' were both 0: true)
                texts = [x.copy() for x in node.expressions if id(x) in string_ids]
                numbers = [x.copy() for x in node.expressions if id(x) not in string_ids]
                left = node.this.copy()
                as_text = exp.In(this=left.copy(), expressions=texts)
                node.replace(exp.Paren(this=exp.Or(
                    this=as_text, expression=exp.In(this=_as_number(left, strict), expressions=numbers))))
                _case_insensitive(as_text.parent)  # (as the collation compares: 'ABC' is 'abc')
                continue
            # '12abc' = 12: the string is the number MySQL reads in it
            for s in strings:
                s.replace(_as_number(s, strict))
            continue
        if len(columns) != 1 or (isinstance(node, exp.In | exp.Between) and node.this is not columns[0]):
            continue
        column = column or _column_types(tree, ctx)
        typed = column(columns[0])
        if typed is not None and typed[0] == 17:
            for s in strings:
                s.replace(exp.Anonymous(this="mysql_bytes", expressions=[s.copy()]))
        elif typed is not None and typed[0] in _NUMBER_OIDS:
            for s in strings:
                s.replace(_as_number(s, strict))


def _string_expression(e: exp.Expression) -> bool:
    """A string by its form that is no literal and no column: ``TRIM(s)``, ``CONCAT(a, b)``,
    ``IF(c, 1, 'a')``."""
    while isinstance(e, exp.Collate | exp.Paren):
        e = e.this
    return not isinstance(e, exp.Literal | exp.Column | exp.Placeholder) and _stringish(e)


def _negated_strings(tree: exp.Expression, ctx: Context, strict: bool) -> None:
    """``-'12'``, ``-CONCAT('1', '2')``, ``-s`` of a string column: the number MySQL reads in
    the string, negated (the engine negated the text: the string '-12', and 'abc' was '0')."""
    column = None
    for node in list(tree.find_all(exp.Neg)):
        e = node.this
        if _taken_out(e) != "s" and not _string_expression(e):
            if not isinstance(e, exp.Column):
                continue
            column = column or _column_types(tree, ctx)
            if (column(e) or (0,))[0] not in _STRING_OIDS:
                continue
        e.replace(_as_number(e, strict))


def _as_number(e: exp.Expression, strict: bool) -> exp.Expression:
    """``e``, a string, read as MySQL reads a number in it (1292 a warning, or with
    ``strict`` an error)."""
    return exp.Anonymous(this="mysql_number", expressions=[e.copy(), exp.Literal.number(int(strict))])


def _is_truth(tree: exp.Expression) -> None:
    """``x IS TRUE`` is 1 for any number but 0 in MySQL, and ``x IS FALSE`` for 0, never NULL:
    the engine's ``x IS 1`` (MySQL's TRUE is 1) took 2 for false."""
    for node in list(tree.find_all(exp.Is)):
        truth = node.expression
        if not isinstance(truth, exp.Boolean):
            continue
        test = exp.NEQ if truth.this else exp.EQ
        node.replace(_fn("COALESCE", exp.Paren(this=test(this=node.this.copy(),
                                                       expression=exp.Literal.number(0))),
                         exp.Literal.number(0)))


def _column_against_numbers(node: exp.Expression, sides: list) -> exp.Column | None:
    """The column a comparison compares with numbers written in the statement only (``code
    = 0``, ``0 = code``, ``zip IN (1, 2)``, ``s > 1``), else None. A string column there
    compares numbers in MySQL, each value read as MySQL reads a number in a string ('1abc' is
    1, 'abc' 0, with 1292 as a warning in a query and an error in a statement that writes):
    here the text was compared with the number's text, and ``code = 0`` found nothing.
    (MySQL cannot use the column's index then either.)"""
    column = node.this
    if not isinstance(column, exp.Column) and isinstance(node, _ORDERINGS):
        column, sides = node.expression, [node.expression, node.this]
    if not isinstance(column, exp.Column):
        return None
    others = [s for s in sides[1:] if s is not None]
    return column if others and all(_numeric_literal(s) for s in others) else None


def _temporal_numbers(tree: exp.Expression, ctx: Context) -> None:
    """A DATE, DATETIME, TIMESTAMP or TIME column in arithmetic or summed is the number its
    digits spell, as in MySQL (``d + 0`` is 20240229, ``SUM(d)`` adds such numbers): the
    PostgreSQL engine's date + 1 was a date and a datetime + 0 a timestamp of 1970. Date
    arithmetic with INTERVAL is not this (``_date_arithmetic``)."""
    uses = []
    for c in tree.find_all(exp.Column, *_TEMPORAL_VALUES):
        p = c.parent
        if isinstance(p, exp.Sum | exp.Avg) or (isinstance(p, _ARITHMETIC) and not any(
                isinstance(x, exp.Interval) for x in (p.args.get("this"), p.args.get("expression")))):
            uses.append(c)
    if not uses:
        return
    column = _column_types(tree, ctx)
    for c in uses:
        if isinstance(c, exp.Column):
            got = column(c)
            if got is None or got[0] not in (1082, 1083, 1114, 1184):
                continue
            oid, typmod = got
            digits = max(typmod, 0) if oid in (1114, 1184) else 0
        else:  # a DATE / DATETIME / TIME value made in the statement: CAST(x AS DATE), NOW()
            digits = _temporal_digits(c)
            if digits is None:
                continue
            oid = 1184 if isinstance(c, exp.Cast) and c.to.this == exp.DataType.Type.TIMESTAMPTZ else 0
        wall = exp.Cast(this=c.copy(), to=exp.DataType.build("timestamp")) if oid == 1184 else c.copy()
        c.replace(_fn("mysql_temporal_number", exp.Cast(this=wall, to=exp.DataType.build("text")),
                      exp.Literal.number(digits)))


# What makes a DATE, DATETIME or TIME value in a statement (besides a column): arithmetic
# takes the number its digits spell, as from a column (_temporal_numbers)
_TEMPORAL_VALUES = (exp.Cast, exp.TsOrDsToDate, exp.CurrentDate, exp.CurrentTime,
                    exp.CurrentTimestamp, exp.UtcDate, exp.UtcTime, exp.UtcTimestamp,
                    exp.LastDay, exp.Timestamp, exp.Time, exp.StrToDate, exp.StrToTime,
                    exp.Anonymous)
_TEMPORAL_CASTS = {exp.DataType.Type.DATE, exp.DataType.Type.DATETIME, exp.DataType.Type.TIMESTAMP,
                   exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIME}
_NOW_NAMES = {"now", "sysdate", "localtime", "localtimestamp", "current_timestamp"}


def _temporal_digits(e: exp.Expression) -> int | None:
    """The fractional digits of the temporal value ``e`` makes (0 for a DATE), or None when
    ``e`` makes none."""
    if isinstance(e, exp.Cast):
        if e.to.this not in _TEMPORAL_CASTS:
            return None
        if e.to.this == exp.DataType.Type.DATE:
            return 0
        size = e.to.find(exp.DataTypeParam)
        return int(size.name) if size is not None and size.name.isdigit() else 0
    if isinstance(e, exp.Anonymous):
        if e.name.lower() not in _NOW_NAMES:
            return None
        arg = e.expressions[0] if e.expressions else None
        return int(arg.name) if isinstance(arg, exp.Literal) and arg.name.isdigit() else 0
    if isinstance(e, exp.StrToDate | exp.StrToTime):  # STR_TO_DATE: six digits with %f
        fmt = e.args.get("format")
        return 6 if isinstance(fmt, exp.Literal) and "%f" in fmt.this else 0
    if isinstance(e, exp.CurrentTimestamp | exp.CurrentTime | exp.UtcTime | exp.UtcTimestamp):
        arg = e.this
        return int(arg.name) if isinstance(arg, exp.Literal) and arg.name.isdigit() else 0
    return 0


def _enum_order(tree: exp.Expression, ctx: Context) -> None:
    """An ENUM column sorts by its members' order (ORDER BY status of ENUM('new', 'active',
    'done') puts 'new' first) and is its member's number in arithmetic (status + 0) and
    compared with numbers (status = 2: 'active'), in any statement, as in MySQL; compared
    with a string it stays the string, and a number written to it (``SET status = 2``, an
    assignment, no comparison) is its member (``_enum_member``). A SET column is the sum of
    its members' bits in the same places (SET('a', 'b', 'c'): 'a,c' is 5)."""
    uses = [c for c in tree.find_all(exp.Column)
            if isinstance(c.parent, (exp.Ordered, *_ARITHMETIC)) or _compared_with_numbers(c)]
    if not uses:
        return
    declared = _declared_types(tree, ctx)
    for c in uses:
        kind = declared(c) or ""
        if kind.startswith(("enum(", "set(")):
            members = [string_value(t) for k, t in lexer_tokens(kind[kind.index("("):]) if k == "str"]
            c.replace(exp.Anonymous(this="mysql_enum_index" if kind[0] == "e" else "mysql_set_bits",
                                    expressions=[c.copy(), *[exp.Literal.string(m) for m in members]]))


_TEXT_OF = (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime, exp.Localtimestamp, exp.Localtime,
            exp.UtcTimestamp, exp.UtcDate, exp.UtcTime, exp.Add, exp.Sub, exp.Mul, exp.Div,
            exp.Neg, exp.Literal, exp.DateAdd, exp.DateSub)
# a number (or a truth value, a choice among numbers) by its form, whose text a string
# function reads (LEFT(SQRT(x), 3), LENGTH(NULLIF(i, 0))): the engine's take no number
_NUMBER_FORMS = (exp.Mod, exp.IntDiv, exp.Sqrt, exp.Pow, exp.Ln, exp.Log, exp.Exp, exp.Round, exp.Trunc,
                 exp.Floor, exp.Ceil, exp.Abs, exp.Sign, exp.Greatest, exp.Least, exp.Nullif, exp.If,
                 exp.Coalesce, exp.Case, *_TRUTHS)
_CHOICES = (exp.Nullif, exp.If, exp.Case, exp.Coalesce, exp.Greatest, exp.Least)
_TEXTS = (exp.DataType.Type.CHAR, exp.DataType.Type.NCHAR, exp.DataType.Type.VARCHAR,
          exp.DataType.Type.NVARCHAR, exp.DataType.Type.TEXT)


# MySQL's string functions, by the arguments that are strings: a number, DATETIME or
# DECIMAL there is read as MySQL writes it (_temporal_operands)
_STRING_ARGS: dict[type[exp.Expression], tuple[str, ...]] = {
    exp.Substring: ("this",), exp.Left: ("this",), exp.Right: ("this",), exp.Length: ("this",),
    exp.Upper: ("this",), exp.Lower: ("this",), exp.Reverse: ("this",),
    exp.Replace: ("this", "expression", "replacement"), exp.Trim: ("this",), exp.Repeat: ("this",),
    exp.Stuff: ("this", "expression"), exp.MD5: ("this",), exp.SHA: ("this",), exp.SHA2: ("this",),
    exp.BitLength: ("this",), exp.ToBase64: ("this",), exp.Elt: ("expressions",),
}
_STRING_ANONYMOUS = frozenset(("CRC32", "QUOTE", "OCTET_LENGTH"))


def _string_args(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Anonymous):
        return node.expressions[:1] if str(node.this).upper() in _STRING_ANONYMOUS else []
    args = []
    for name in _STRING_ARGS.get(type(node), ()):
        arg = node.args.get(name)
        args.extend(arg if isinstance(arg, list) else [arg] if arg is not None else [])
    return args


def _as_text_in_place(e: exp.Expression) -> None:
    """``e`` cast to text, the node itself kept (not a copy): the nodes under it that a rule
    has collected are still in the tree when it rewrites them."""
    cast = exp.Cast(to=exp.DataType.build("text"))
    e.replace(cast)
    cast.set("this", e)


def _temporal_operands(tree: exp.Expression, ctx: Context) -> None:
    """A TIMESTAMP column (timestamptz) used as a string (CAST AS CHAR, CONCAT, LIKE, UPPER,
    LEFT, MD5 ... ``_STRING_ARGS``) is its wall time in the session's zone, as MySQL reads
    it: cast to timestamp first (the session's text of a timestamptz is its UTC storage
    form); a DATETIME's has its fsp digits only, a DECIMAL's its scale's, a number's is
    its text (the session's string functions take no number). The values of an IN list on
    a DATETIME or TIMESTAMP column are cast to its type."""
    operands: list[exp.Expression] = []
    strings: list[exp.Expression] = []
    typed = None

    def numberish(e: exp.Expression) -> bool:
        """A number by its form, or a choice among numbers (NULLIF(i, 0) of an INT column)."""
        nonlocal typed
        e = _unwrapped(e)
        if isinstance(e, exp.Literal):
            return not e.is_string or _taken_out(e) == "l"
        if isinstance(e, exp.Null):
            return True
        if isinstance(e, exp.Column):
            typed = typed or _column_types(tree, ctx)
            return (typed(e) or (0,))[0] in _NUMBER_OIDS
        if isinstance(e, exp.Cast):
            return e.to.is_type(*exp.DataType.NUMERIC_TYPES)
        if isinstance(e, (*_NUMBER_FORMS, *_TEXT_OF, *_NUMBER_RESULTS)) and not isinstance(e, _CHOICES):
            return True
        if isinstance(e, exp.Nullif):
            return numberish(e.this)
        if isinstance(e, exp.If):
            return all(x is None or numberish(x) for x in (e.args.get("true"), e.args.get("false")))
        if isinstance(e, exp.Case):
            return all(x is None or numberish(x) for x in
                       [i.args.get("true") for i in e.args.get("ifs") or []] + [e.args.get("default")])
        if isinstance(e, exp.Coalesce | exp.Greatest | exp.Least):
            return all(numberish(x) for x in (e.this, *e.expressions))
        return False

    for node in tree.find_all(exp.Cast, exp.Concat, exp.ConcatWs, exp.Like, exp.GroupConcat, exp.Anonymous,
                              *_STRING_ARGS):
        if isinstance(node, exp.GroupConcat):
            # GROUP_CONCAT(col [ORDER BY ...]): the column's text as MySQL writes it ('1.50',
            # '2020-01-02 03:04:05'); not under DISTINCT, whose ORDER BY must name it as it is
            item = node.this.this if isinstance(node.this, exp.Order) else node.this
            if isinstance(item, exp.Column):
                operands.append(item)
        elif isinstance(node, exp.Cast):
            if node.to.this in _TEXTS:
                operands.append(node.this)
        elif isinstance(node, exp.Concat | exp.ConcatWs):
            operands.extend(node.expressions)
        elif isinstance(node, exp.Like):
            operands.append(node.this)
        else:
            strings.extend(_string_args(node))
    for e in strings:
        if isinstance(e, exp.Literal) and e.is_string:
            taken = SENTINEL.fullmatch("'" + e.this + "'")
            number = taken is not None and taken.group(1) != "s"  # (a number or a parameter)
        else:
            number = isinstance(e, _TEXT_OF) or (
                isinstance(e, exp.Anonymous) and str(e.this).upper() in _NOW | {"SYSDATE"}) or (
                isinstance(e, exp.Cast) and e.to.is_type(*exp.DataType.NUMERIC_TYPES)) or (
                not isinstance(e, exp.Column) and not _stringish(e) and numberish(e))
        if number:
            # LENGTH(NOW()), UPPER(1.5), LEFT(id + 1, 2): the value's text as MySQL writes
            # it (not a timestamp's stored form; a number has no text in the engine's
            # string functions)
            _as_text_in_place(e)
        else:
            operands.append(e)
    for e in operands:
        if isinstance(e, exp.Cast) and e.to.this in (exp.DataType.Type.DATETIME, exp.DataType.Type.TIME):
            # CAST(x AS DATETIME(n) | TIME(n)): its n digits, as MySQL writes it (the
            # session's text of a timestamp has six)
            params = e.to.expressions
            fsp = int(params[0].name) if params and params[0].name.isdigit() else 0
            text = _fn("mysql_datetime_text", exp.null(), exp.Literal.number(fsp))
            e.replace(text)
            text.expressions[0].replace(e)
        elif isinstance(e.parent, exp.Concat | exp.ConcatWs) and isinstance(e, exp.Literal) and (
                not e.is_string or SENTINEL.fullmatch("'" + e.this + "'")):
            # a number (a literal taken out is a parameter typed by its value): || takes text
            _as_text_in_place(e)
        elif (isinstance(e.parent, exp.Concat | exp.ConcatWs) and not isinstance(e, exp.Column | exp.Literal)
              and not _stringish(e) and numberish(e)):
            # a computed number, FLOOR(x), IF(c, 1e2, 0): || takes text (number || number
            # was 1305, no such operator)
            _as_text_in_place(e)
    columns = [e for e in operands if isinstance(e, exp.Column)]
    lists = [n for n in tree.find_all(exp.In) if isinstance(n.this, exp.Column) and n.expressions]
    if not columns and not lists:
        return
    column = _column_types(tree, ctx)
    declared = _declared_types(tree, ctx)
    for c in columns:
        got = column(c)
        if got is None:
            continue
        oid, typmod = got
        if oid == 21 and declared(c) == "year":
            # a YEAR as MySQL writes it: four digits (0000, not 0)
            c.replace(_fn("lpad", exp.Cast(this=c.copy(), to=exp.DataType.build("text")),
                          exp.Literal.number(4), exp.Literal.string("0")))
        elif oid in (1114, 1184):
            # a DATETIME or TIMESTAMP as MySQL writes it: its fsp digits, no more (the
            # session's text of a timestamp has six)
            wall = c.copy() if oid == 1114 else exp.Cast(this=c.copy(), to=exp.DataType.build("timestamp"))
            c.replace(_fn("mysql_datetime_text", wall, exp.Literal.number(max(typmod, 0))))
        elif oid == 1083:
            # a TIME(n) as MySQL writes it: n fraction digits ('03:04:05.500' of a TIME(3),
            # '03:04:05' of a TIME; the session's text had what was stored)
            c.replace(_fn("mysql_datetime_text", c.copy(), exp.Literal.number(max(typmod, 0))))
        elif oid == 1700 and typmod >= 4:
            # a DECIMAL(p, s) as MySQL writes it: s digits after the point (1.50, not 1.5)
            c.replace(_fn("mysql_decimal_text", c.copy(), exp.Literal.number((typmod - 4) & 0xFFFF)))
        elif oid == 700:
            # a FLOAT as MySQL writes it: 6 significant digits (1.23457; the engine's text
            # of a real has its shortest float digits, 1.2345679)
            c.replace(_fn("mysql_real_text", c.copy()))
        elif oid in (20, 21, 23, 700, 701) and isinstance(c.parent, exp.Concat | exp.ConcatWs):
            c.replace(exp.Cast(this=c.copy(), to=exp.DataType.build("text")))  # (|| takes text)
        elif oid in (20, 21, 23, 700, 701) and not isinstance(c.parent, exp.Cast | exp.Like | exp.Concat
                                                                 | exp.ConcatWs):
            c.replace(exp.Cast(this=c.copy(), to=exp.DataType.build("text")))
    for node in lists:
        # ``c IN ('2024-06-01 12:00:00', ...)``: the session types the values of a list
        # by themselves (text, which never equals a stored DATETIME or TIMESTAMP, and a
        # DATE's text only when written as it is stored: '2024-1-5' is not '2024-01-05'): as c's
        got = column(node.this)
        kind = _TEMPORAL_OR_DATE.get(got[0]) if got is not None else None
        if kind is not None:
            node.set("expressions", [
                e if isinstance(e, exp.Column) else exp.Cast(
                    this=_fn("mysql_text_datetime", e) if _numeric_literal(e) else e,
                    to=exp.DataType.build(kind))
                for e in node.expressions])


def _dates_against_numbers(tree: exp.Expression, ctx: Context) -> None:
    """A DATE / DATETIME / TIMESTAMP column compared with a number (``d = 20240110``,
    ``dt >= 20240110093000``) compares with the date the number spells, as MySQL reads it;
    the number against the column's text matched nothing."""
    nodes = [n for n in _comparisons(tree) if isinstance(n.this, exp.Column)]
    if not nodes:
        return
    column = _column_types(tree, ctx)
    for node in nodes:
        got = column(node.this)
        kind = _TEMPORAL_OR_DATE.get(got[0]) if got is not None else None
        if kind is None:
            continue
        for v in _compared_values(node):
            if _numeric_literal(v):
                v.replace(exp.Cast(this=_fn("mysql_text_datetime", v.copy()), to=exp.DataType.build(kind)))


def _decimal_scales(tree: exp.Expression, ctx: Context) -> None:
    """Note on each ``/`` and AVG the scale of its dividend (or argument) where the schema
    tells it: MySQL's quotient has that scale plus div_precision_increment (4); a DOUBLE
    operand makes a DOUBLE. Unknown scales count as 0 (integers, the common case)."""
    divs = list(tree.find_all(exp.Div, exp.Avg))
    if not divs:
        return
    column = _column_types(tree, ctx)

    def scale(e: exp.Expression) -> int | str | None:
        while isinstance(e, exp.Paren):
            e = e.this
        if isinstance(e, exp.Literal):
            if e.is_string:
                return None
            if "e" in e.this.lower():
                return "float"
            return len(e.this.split(".")[1]) if "." in e.this else 0
        if isinstance(e, exp.Column):
            got = column(e)
            if got is None:
                return None
            oid, typmod = got
            if oid in (20, 21, 23):
                return 0
            if oid in (700, 701):
                return "float"
            if oid == 1700 and typmod > 4:
                return (typmod - 4) & 0xFFFF
            return None
        if isinstance(e, exp.Count):
            return 0
        if isinstance(e, exp.Cast) and e.to.this in (exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT):
            return "float"
        if isinstance(e, exp.Sum | exp.Min | exp.Max | exp.Abs | exp.Neg):
            return scale(e.this)
        if isinstance(e, exp.Div):  # the dividend's scale + div_precision_increment
            a, b = scale(e.this), scale(e.expression)
            return "float" if "float" in (a, b) else a + 4 if isinstance(a, int) else None
        if isinstance(e, exp.Avg):
            a = scale(e.this)
            return a + 4 if isinstance(a, int) else a
        if isinstance(e, exp.Add | exp.Sub | exp.Mul):
            a, b = scale(e.this), scale(e.expression)
            if "float" in (a, b):
                return "float"
            if a is None or b is None:
                return None
            assert isinstance(a, int) and isinstance(b, int)
            return a + b if isinstance(e, exp.Mul) else max(a, b)
        return None

    for node in divs:
        s = scale(node.this)
        if isinstance(node, exp.Div) and scale(node.expression) == "float":
            s = "float"
        if s is not None:
            node.meta["mysql_scale"] = s
    # MySQL keeps a quotient to whole decimal words (9 digits) and rounds it to its scale
    # (the dividend's + 4) where the value leaves the expression: (1/3)*3 is 1.0000, and
    # SUM(1/3) over three rows too. A quotient inside arithmetic keeps 9 digits here, and the
    # outermost arithmetic around it is rounded to the scale MySQL gives it.
    for node in divs:
        if not isinstance(node, exp.Div) or not isinstance(node.meta.get("mysql_scale"), int):
            continue
        top = node
        while (up := _arithmetic_parent(top)) is not None:
            top = up
            if isinstance(top, (exp.Cast, *_ROUNDS_ITSELF)):
                break  # CAST(1/3 AS DECIMAL(20,10)), ROUND(1/3, 6), AVG(1/3): it rounds
        if top is node:
            continue
        digits = scale(top)
        if isinstance(top, (exp.Cast, *_ROUNDS_ITSELF)):
            node.meta["mysql_inner"] = True
        elif isinstance(digits, int):
            node.meta["mysql_inner"] = True
            top.meta["mysql_round"] = digits
        elif digits is None and any(_taken_out(x) == "l" for x in top.find_all(exp.Literal)):
            raise Unsafe  # a number taken out of the text: its scale decides (price / 3 * 3)


_KEEPS_DIGITS = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg, exp.Abs, exp.Sum)
_ROUNDS_ITSELF = (exp.Round, exp.Floor, exp.Ceil, exp.Avg)  # (and CAST AS DECIMAL)


def _arithmetic_parent(node: exp.Expression) -> exp.Expression | None:
    """What takes ``node`` as an operand and keeps a quotient's digits: + - * /, ABS, SUM,
    or ROUND, FLOOR, CEIL, AVG, CAST AS DECIMAL (which round it themselves); None when none
    (parentheses and a division's guard against zero, NULLIF(d, 0), skipped)."""
    parent = node.parent
    while isinstance(parent, exp.Paren) or (
            isinstance(parent, exp.Nullif) and isinstance(parent.parent, exp.Div)):
        parent = parent.parent
    if isinstance(parent, _KEEPS_DIGITS + _ROUNDS_ITSELF) or (
            isinstance(parent, exp.Cast) and parent.to.this == exp.DataType.Type.DECIMAL):
        return parent
    return None


def _cast(node: exp.Cast) -> exp.Expression:
    if node.meta.get("mysql_default"):
        return node  # (DEFAULT(col): a value of the column's own type)
    to = node.to
    t = to.this
    D = exp.DataType.Type
    if (t in (D.UBIGINT, D.UINT, D.BIGINT, D.INT)
            and not (isinstance(node.this, exp.Literal) and not node.this.is_string)
            and isinstance(node.root(), exp.Query | exp.Insert | exp.Update | exp.Delete)
            and node.find_ancestor(exp.Where, exp.Join, exp.Having) is None):
        # CAST(s AS SIGNED | UNSIGNED) of a string reads its leading integer ('12abc' is 12,
        # with a warning) and rounds a number, as MySQL does; the PostgreSQL engine's cast
        # refused such a string (22P02). Not in a DEFAULT, CHECK or index expression (those
        # live in the schema, where only deterministic, connection-free functions may go), nor
        # in a condition, which a functional index of the cast may serve.
        return exp.Cast(this=_fn("mysql_cast_int", node.this), to=exp.DataType.build("bigint"))
    if (t in (D.DOUBLE, D.FLOAT) and node.meta.get("mysql_string_double")
            and isinstance(node.root(), exp.Query | exp.Insert | exp.Update | exp.Delete)
            and node.find_ancestor(exp.Where, exp.Join, exp.Having) is None):
        # CAST(s AS DOUBLE | FLOAT) of a string reads the number it begins with ('12abc' is
        # 12, 'abc' 0) with MySQL's 1292 warning (its error in a write, as strict mode has
        # it); the engine's cast refused any string that is not all a number (1292)
        strict = isinstance(node.root(), exp.Insert | exp.Update | exp.Delete)
        node.set("this", _fn("mysql_number", node.this, exp.Literal.number(int(strict))))
    if (t == D.DECIMAL and not isinstance(node.this, exp.Null)
            and isinstance(node.root(), exp.Query | exp.Insert | exp.Update | exp.Delete)
            and node.find_ancestor(exp.Where, exp.Join, exp.Having) is None):
        # CAST(s AS DECIMAL(p, s)) of a string reads its leading number exactly ('1.5x' is
        # 1.50, 'abc' 0, with a warning), and a value out of range is the type's bound
        # (999.99, with a warning), as MySQL's; both are errors in a write, as strict mode
        # has them. The engine's cast refused such a string (1292) and value (1690). Not
        # in a condition, which a functional index of the cast may serve (as above).
        if not all(p.name.isdigit() for p in to.expressions):  # DECIMAL(5, 'x')
            raise _syntax(node.sql(dialect="mysql"))
        args = [int(p.name) for p in to.expressions] + [10, 0][len(to.expressions):]
        strict = isinstance(node.root(), exp.Insert | exp.Update | exp.Delete)
        shown = re.sub(r"'__my[lsp]\d+__'", "?", node.sql(dialect="mysql"))
        return exp.Cast(
            this=_fn("mysql_cast_decimal", node.this, *map(exp.Literal.number, (*args, int(strict))),
                     exp.Literal.string(shown)),
            to=exp.DataType.build(f"numeric({args[0]},{args[1]})"))
    if t in (D.UBIGINT, D.UINT, D.BIGINT, D.INT):
        node.set("to", exp.DataType.build("bigint"))
    elif t in (D.CHAR, D.NCHAR, D.VARCHAR, D.NVARCHAR) and not to.expressions:
        node.set("to", exp.DataType.build("text"))
    elif t in (D.CHAR, D.NCHAR) and to.expressions:
        node.set("to", exp.DataType.build(f"varchar({to.expressions[0].sql()})"))
    elif t == D.DATETIME:  # DATETIME(n): rounded to n digits (0 without), as MySQL's
        fsp = to.expressions[0].name if to.expressions else "0"
        node.set("to", exp.DataType.build(f"timestamp({fsp if fsp.isdigit() and int(fsp) <= 6 else 0})"))
    elif t == D.TIME and not to.expressions:  # TIME: whole seconds, rounded
        node.set("to", exp.DataType.build("time(0)"))
    elif t in (D.DECIMAL,) and not to.expressions:
        node.set("to", exp.DataType.build("numeric(10,0)"))
    elif t == D.JSON:
        node.set("to", exp.DataType.build("jsonb"))
    elif t in (D.BINARY, D.VARBINARY):
        if not to.expressions and isinstance(node.parent, _COMPARISONS) and not (
                isinstance(node.this, exp.Literal) and not node.this.is_string):
            # BINARY x compared (BINARY name = 'abc', name LIKE BINARY 'a%'): a comparison
            # of the strings' bytes, as a binary collation has it; bytes against a text
            # never compare equal in SQLite
            return exp.Collate(this=node.this, expression=exp.Var(this="binary"))
        node.set("to", exp.DataType.build("bytea"))
    return node


def _insert(tree: exp.Insert, tr: Translation, mode: str, ctx: Context) -> str:
    schema = tree.this
    table = schema.this if isinstance(schema, exp.Schema) else schema
    tr.table = table.name if isinstance(table, exp.Table) else None
    cols = (
        [c.name for c in schema.expressions] if isinstance(schema, exp.Schema) else None
    )
    tr.columns = cols
    values = tree.expression
    alias = None
    if isinstance(values, exp.Values) and len(values.expressions) == 1:
        _drop_defaults(tree, values, cols or ctx.table_columns(tr.table or "") or [])
        schema = tree.this
        cols = [c.name for c in schema.expressions] if isinstance(schema, exp.Schema) else cols
        tr.columns = cols
    if isinstance(values, exp.Select) and tr.table:
        _cast_to_columns(values, tr.table, cols or ctx.table_columns(tr.table) or [], ctx)
    if isinstance(values, exp.Values):
        tr.rows = len(values.expressions)
        a = values.args.get("alias")
        if a is not None:
            alias = a.name.lower()
            values.set("alias", None)
    if tree.args.get("ignore"):
        tree.set("ignore", False)
        mode = mode or "ignore"
    conflict = tree.args.get("conflict")
    tree.set("conflict", None)
    if mode == "ignore":
        tr.mode = "ignore"
        return " ON CONFLICT DO NOTHING"
    if mode == "replace":
        # REPLACE deletes every row the new one collides with (on the primary key or any
        # unique key) and inserts the new one, row by row: SQLite's INSERT OR REPLACE. The
        # deletes fire the table's DELETE triggers (recursive triggers are on), and so the
        # foreign keys' actions: a child row is deleted by ON DELETE CASCADE, a RESTRICT or
        # NO ACTION reference refuses the statement (1451), as InnoDB does. A column the
        # statement does not name takes its default and the AUTO_INCREMENT column the next id.
        tr.mode = "replace"
        tree.set("alternative", "REPLACE")
        return ""
    if conflict is not None and conflict.args.get("duplicate"):
        tr.mode = "upsert"
        if not all(isinstance(eq, exp.EQ) for eq in conflict.expressions):
            raise _syntax(f"{conflict.expressions[0].sql(dialect='mysql')} ...")  # UPDATE a, b = 1
        items = [
            exp.EQ(this=exp.column(eq.this.name),
                   expression=rewrite(eq.expression.transform(lambda n: _excluded(n, alias))))
            for eq in conflict.expressions
        ]
        _left_to_right(items, {(tr.table or "").lower()})
        items += _on_update_sets(items, ctx.on_update(tr.table or ""))
        return " ON CONFLICT DO UPDATE SET " + ", ".join(
            e.sql(dialect="postgres", identify=True) for e in items)
    return ""


Form = Callable[[exp.Expression], exp.Expression]


def _enum_member(members: list[str], v: exp.Expression) -> exp.Expression:
    """A value written to an ENUM column as the member it names, spelled as declared: 'B'
    is 'b' of ENUM('a','b') (the column compares without case), 2 is its second member."""
    return exp.Anonymous(this="mysql_enum_member", expressions=[
        v, *[exp.Literal.string(m) for m in members]])


def _set_value(column: str, members: list[str], v: exp.Expression) -> exp.Expression:
    """A value written to a SET column as MySQL stores it (``functions.set_value``)."""
    return exp.Anonymous(this="mysql_set_value", expressions=[
        v, exp.Literal.string(column), *[exp.Literal.string(m) for m in members]])


def _forms(ctx: Context, table: str) -> dict[str, Form]:
    forms: dict[str, Form] = {}
    for column, kind in ctx.declared_types(table).items():
        if kind.startswith("char("):
            forms[column] = _without_trailing_spaces
        elif kind.startswith("enum("):
            members = [string_value(t) for k, t in lexer_tokens(kind[4:]) if k == "str"]
            forms[column] = functools.partial(_enum_member, members)
        elif kind.startswith("set("):
            members = [string_value(t) for k, t in lexer_tokens(kind[3:]) if k == "str"]
            forms[column] = functools.partial(_set_value, column, members)
        elif kind == "year":  # 69 is 2069, '99' 1999
            forms[column] = lambda v: exp.Anonymous(this="mysql_year", expressions=[v])
        elif kind.startswith("bit"):  # a binary string (0xA5, b'...', mysqldump's) is its bits
            forms[column] = lambda v: exp.Anonymous(this="mysql_bit_value", expressions=[v])
    return forms


def _string_double_casts(tree: exp.Expression, ctx: Context) -> None:
    """Note each CAST(x AS DOUBLE | FLOAT) of a string (a string by its form, a ``?``, a
    CHAR / VARCHAR / TEXT column), which ``_cast`` reads as MySQL does (its leading number)."""
    casts = [c for c in tree.find_all(exp.Cast)
             if c.to.this in (exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT)]
    if not casts:
        return
    column = _column_types(tree, ctx)
    declared = _declared_types(tree, ctx)
    for cast in casts:
        value = cast.this
        while isinstance(value, exp.Paren):
            value = value.this
        if isinstance(value, exp.Column):
            got = column(value)
            kind = (declared(value) or "").lower()
            string = got is not None and got[0] in _STRING_OIDS and not kind.startswith(("enum", "set"))
        else:
            string = _stringish(value) or _is_param(value)
        if string:
            cast.meta["mysql_string_double"] = True


def _hex_numbers(tree: exp.Insert | exp.Update, ctx: Context) -> None:
    """A hexadecimal literal (x'41', 0x41) written to a numeric column is the number its
    bytes spell, as MySQL reads it there (65); as a binary string it was refused by a
    DECIMAL, FLOAT or DOUBLE column (1292 "invalid input syntax for type numeric")."""
    numeric = {*mysql_types.INT_RANGES, "decimal", "float", "double", "year"}
    for table, column, v, _row in _values_written(tree, ctx):
        if isinstance(v, exp.HexString) and _base_type(ctx, table, column) in numeric:
            v.replace(exp.Literal.number(int(v.this or "0", 16)))


def _base_type(ctx: Context, table: str, column: str) -> str | None:
    """The column's declared MySQL type without its length or attributes ('int', 'decimal')."""
    spelled = ctx.declared_types(table).get(column.lower())
    return spelled.split("(")[0].split()[0] if spelled else None


def _values_written(tree: exp.Insert | exp.Update, ctx: Context
                    ) -> list[tuple[str, str, exp.Expression, int | None]]:
    """(table, column, value, VALUES row number or None) of each value an UPDATE's SET or an
    INSERT's VALUES rows write; none for an INSERT of a SELECT."""
    if isinstance(tree, exp.Update):
        return [(table.name, eq.this.name, eq.expression, None) for eq, table in _update_targets(tree, ctx)]
    target = tree.this
    table = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(table, exp.Table) or not isinstance(tree.expression, exp.Values):
        return []
    names = ([c.name for c in target.expressions] if isinstance(target, exp.Schema)
             else ctx.table_columns(table.name) or [])
    return [(table.name, name, v, i) for i, row in enumerate(tree.expression.expressions, 1)
            for v, name in zip(row.expressions, names, strict=False)]


def _column_text_writes(tree: exp.Insert | exp.Update, ctx: Context) -> None:
    """A FLOAT, DECIMAL(p, s), DATETIME or TIMESTAMP column written to a CHAR, VARCHAR or
    TEXT column (``INSERT INTO s SELECT n FROM t``, ``UPDATE t SET v = n``) is stored as
    MySQL writes it: '1.50', '2020-01-02 03:04:05' (its fsp digits), a TIMESTAMP's wall
    time, a FLOAT as its double's text in a CHAR / VARCHAR ('3', '1.2345678806304932': MySQL
    stores the DOUBLE it reads) and as its own text in a TEXT ('1.23457'); the engine stored
    its own text, '3.0', '1.5', '2020-01-02 03:04:05.000000'."""
    def kind(table: str, column: str) -> str | None:
        base = _base_type(ctx, table, column)
        return "char" if base in ("char", "varchar") else "text" if base in mysql_types.TEXT_KINDS else None

    def as_text(v: exp.Expression, types: Callable[[exp.Column], tuple[int, int] | None], to: str | None) -> None:
        v = v.this if isinstance(v, exp.Alias) else v
        got = types(v) if to is not None and isinstance(v, exp.Column) else None
        if got is None:
            return
        oid, typmod = got
        if oid == 700:
            v.replace(_fn("mysql_real_text" if to == "text" else "mysql_double_text", v.copy()))
        elif oid == 1700 and typmod >= 4:
            v.replace(_fn("mysql_decimal_text", v.copy(), exp.Literal.number((typmod - 4) & 0xFFFF)))
        elif oid in (1114, 1184):
            wall = v.copy() if oid == 1114 else exp.Cast(this=v.copy(), to=exp.DataType.build("timestamp"))
            v.replace(_fn("mysql_datetime_text", wall, exp.Literal.number(max(typmod, 0))))
        elif oid == 1083:
            v.replace(_fn("mysql_datetime_text", v.copy(), exp.Literal.number(max(typmod, 0))))

    if isinstance(tree, exp.Update):
        types = _column_types(tree, ctx)
        for eq, table in _update_targets(tree, ctx):
            as_text(eq.expression, types, kind(table.name, eq.this.name))
        return
    target = tree.this
    table = target.this if isinstance(target, exp.Schema) else target
    values = tree.expression
    if not isinstance(table, exp.Table) or not isinstance(values, exp.Select) or any(
            dml.is_star(e) for e in values.expressions):
        return
    names = ([c.name for c in target.expressions] if isinstance(target, exp.Schema)
             else ctx.table_columns(table.name) or [])
    types = _column_types(values, ctx)
    for v, name in zip(values.expressions, names, strict=False):
        as_text(v, types, kind(table.name, name))


def _write_forms(tree: exp.Insert | exp.Update, ctx: Context) -> None:
    """Values written to CHAR columns lose their trailing spaces, as in MySQL, which pads a
    CHAR value to the column's length and strips the padding when it reads it: ``'ab  '``
    comes back ``'ab'``, and ``= 'ab'``, LENGTH() and CONCAT() see ``'ab'``; values written
    to ENUM columns become the member they name (``_enum_member``), to YEAR columns a year
    (``functions.year_value``). The session keeps a CHAR(n) as a VARCHAR(n), an ENUM as text
    and a YEAR as a smallint, so this is done where the value is written:
    INSERT's VALUES and SELECT (REPLACE's too), ON DUPLICATE KEY UPDATE, and UPDATE's SET of
    any of its tables' columns."""
    if isinstance(tree, exp.Update):
        for eq, table in _update_targets(tree, ctx):
            form = _forms(ctx, table.name).get(eq.this.name.lower())
            if form is not None and not isinstance(eq.expression, exp.Null):
                eq.set("expression", form(eq.expression.copy()))
        return
    target = tree.this
    table = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(table, exp.Table):
        return
    forms = _forms(ctx, table.name)
    if not forms:
        return
    sets: list[exp.Expression] = []
    if isinstance(tree, exp.Insert):
        names = ([c.name for c in target.expressions] if isinstance(target, exp.Schema)
                 else ctx.table_columns(table.name) or [])
        wanted = [forms.get(n.lower()) for n in names]
        values = tree.expression
        rows = values.expressions if isinstance(values, exp.Values) else []
        if isinstance(values, exp.Select) and len(values.expressions) == len(names) and not any(
            dml.is_star(e) for e in values.expressions
        ):
            rows = [values]
        elif isinstance(values, (exp.Select, exp.SetOperation, exp.Subquery)) and names:
            # SELECT * or a UNION: its items are not known here, so read them by position
            # from the query as a subquery, whose columns take the target's count.
            tree.set("expression", _by_position_in_forms(values, wanted))
        for row in rows:
            for v, form in zip(row.expressions, wanted, strict=False):
                v = v.this if isinstance(v, exp.Alias) else v
                if form is not None and not (_is_default(v) or isinstance(v, exp.Null)):
                    v.replace(form(v.copy()))
        conflict = tree.args.get("conflict")
        sets = list(conflict.expressions or []) if conflict is not None else []
    for eq in sets:
        column = eq.this if isinstance(eq, exp.EQ) else None
        if (isinstance(column, exp.Column) and column.name.lower() in forms
                and column.table in ("", table.name, table.alias_or_name)
                and not isinstance(eq.expression, exp.Null)):
            eq.set("expression", forms[column.name.lower()](eq.expression.copy()))


def _update_targets(tree: exp.Update, ctx: Context) -> list[tuple[exp.EQ, exp.Table]]:
    """Each ``col = value`` of an UPDATE's SET and the table of the statement it writes: the
    one its qualifier names (a table or an alias; 1054 for another), or for an unqualified
    column the first table that has it (the first table if none has)."""
    target = tree.this
    if not isinstance(target, exp.Table):
        return []
    tables = [t for t in (target, *(j.this for j in target.args.get("joins") or []))
              if isinstance(t, exp.Table)]
    out = []
    for eq in tree.expressions:
        column = eq.this if isinstance(eq, exp.EQ) else None
        if not isinstance(column, exp.Column):
            continue
        if column.table:
            table = next((t for t in tables if t.alias_or_name.lower() == column.table.lower()), None)
            if table is None:
                raise SqlError("42S22", f"Unknown column '{column.table}.{column.name}' in "
                               "'field list'", errno=1054)
        else:
            table = next((t for t in tables if column.name.lower() in
                          (c.lower() for c in ctx.table_columns(t.name) or [])), target)
        out.append((eq, table))
    return out


def _fitted_writes(tree: exp.Insert | exp.Update, ctx: Context) -> None:
    """INSERT / UPDATE IGNORE: a value its column cannot hold is made to fit, as MySQL does
    with a warning where strict mode fails (``functions.fit``: a number out of range is the
    bound, a string too long is cut, a string that is no number its leading number or 0, a
    NULL for a NOT NULL column the type's implicit default). The value is written as
    ``mysql_fit(v, 'col', 'kind')`` outside the column's form (``kind`` ends in ``not
    null`` for such a column); ``row`` is the VALUES row (NULL elsewhere: the session knows
    the row, for the warning's "at row n")."""
    def kind(table: str, column: str) -> str | None:
        spelled = ctx.declared_types(table).get(column.lower())
        if spelled is None:
            got = ctx.column_type(table, column)
            spelled = mysql_types.pg_oid_spelling(*got) if got is not None else None
        base = spelled.split("(")[0].split()[0] if spelled is not None else None
        if base in _FITTED or base in _FITTED_NULLS:
            not_null = ctx.not_null(table, column)
            if base in _FITTED or not_null:
                return f"{spelled} not null" if not_null else spelled
        return None

    def fitted(table: str, column: str, v: exp.Expression, row: int | None = None) -> exp.Expression | None:
        k = kind(table, column)
        if k is None or _is_default(v) or (isinstance(v, exp.Null) and not k.endswith(" not null")):
            return None
        return exp.Anonymous(this="mysql_fit", expressions=[
            v.copy(), exp.Literal.string(column), exp.Literal.string(k),
            exp.null() if row is None else exp.Literal.number(row)])

    if isinstance(tree, exp.Update):
        for eq, table in _update_targets(tree, ctx):
            value = fitted(table.name, eq.this.name, eq.expression)
            if value is not None:
                eq.set("expression", value)
        return
    target = tree.this
    table = target.this if isinstance(target, exp.Schema) else target
    if not isinstance(table, exp.Table):
        return
    names = ([c.name for c in target.expressions] if isinstance(target, exp.Schema)
             else ctx.table_columns(table.name) or [])
    values = tree.expression
    if isinstance(values, exp.Values):
        rows = [(row.expressions, i) for i, row in enumerate(values.expressions, 1)]
    elif isinstance(values, exp.Select) and not any(dml.is_star(e) for e in values.expressions):
        rows = [(values.expressions, None)]  # (a SELECT's row: the session counts them)
    else:
        rows = []
    for items, row in rows:
        for v, name in zip(items, names, strict=False):
            v = v.this if isinstance(v, exp.Alias) else v
            value = fitted(table.name, name, v, row)
            if value is not None:
                v.replace(value)


_FITTED = {*mysql_types.INT_RANGES, "decimal", "float", "double", "char", "varchar", "binary", "varbinary", "bit", "year"}
# kinds whose values need fitting only where a NULL goes to a NOT NULL column
_FITTED_NULLS = {"enum", "set", *mysql_types.TEXT_KINDS}


def _strict_number_strings(tree: exp.Insert | exp.Update, ctx: Context) -> None:
    """A string written to a numeric column, in strict mode: ``mysql_number_text(v, 'col',
    kind, row)`` checks it as MySQL does (``functions.number_text``: 1366 for no number,
    1265 for one with more after it), naming the VALUES row it is in; the engine's own
    refusal was 1292 for a DECIMAL or DOUBLE, and said row 1 for any row. A ``?`` is
    checked too (its value is known only when bound; one that is no string goes through)."""
    def kind(table: str, column: str) -> str | None:
        base = _base_type(ctx, table, column)
        if base in mysql_types.INT_RANGES:
            return "integer"
        return {"decimal": "decimal", "float": "double", "double": "double"}.get(base or "")

    for table, column, v, row in _values_written(tree, ctx):
        k = kind(table, column) if _taken_out(v) in ("s", "p") else None
        if k is not None:
            v.replace(_fn("mysql_number_text", v.copy(), exp.Literal.string(column), exp.Literal.string(k),
                          exp.null() if row is None else exp.Literal.number(row)))


def _by_position_in_forms(query: exp.Expression, wanted: list[Form | None]) -> exp.Select:
    """The query's values by position (``dml.by_position``), each in its column's form."""
    select = dml.by_position(query, len(wanted))
    select.set("expressions", [c if form is None else form(c)
                               for c, form in zip(select.expressions, wanted, strict=True)])
    return select


def _without_trailing_spaces(v: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this="rtrim", expressions=[
        exp.Cast(this=v, to=exp.DataType.build("text")), exp.Literal.string(" ")])


_TEMPORAL = {1114: "timestamp", 1184: "timestamptz"}
_TEMPORAL_OR_DATE = {**_TEMPORAL, 1082: "date"}


def _cast_to_columns(select: exp.Select, table: str, names: list[str], ctx: Context) -> None:
    """INSERT ... SELECT into DATETIME and TIMESTAMP columns: each value cast to its column's
    type, as MySQL converts it (the PostgreSQL session stores a SELECT's values as they come:
    a DATETIME into a TIMESTAMP would not be read in the session's zone)."""
    items = select.expressions
    if len(items) != len(names) or any(dml.is_star(e) for e in items):
        return
    for e, name in zip(items, names, strict=True):
        got = ctx.column_type(table, name)
        kind = _TEMPORAL.get(got[0]) if got is not None else None
        if kind is None or got is None:
            continue
        if 0 <= got[1] <= 6:
            kind = f"{kind}({got[1]})"  # rounded to the column's digits, as a write is
        target = e.this if isinstance(e, exp.Alias) else e
        cast = exp.Cast(this=target.copy(), to=exp.DataType.build(kind))
        if isinstance(e, exp.Alias):
            e.set("this", cast)
        else:
            e.replace(cast)


def _drop_defaults(tree: exp.Insert, values: exp.Values, names: list[str]) -> None:
    """``VALUES (DEFAULT, 'x')``: the PostgreSQL session takes no DEFAULT item, so the column
    leaves the list (one row only: rows of a multi-row VALUES must keep one shape)."""
    row = values.expressions[0]
    items = list(row.expressions)
    if not any(_is_default(e) for e in items) or len(names) != len(items):
        return
    keep = [(n, e) for n, e in zip(names, items, strict=True) if not _is_default(e)]
    table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    if not keep:
        return
    tree.set("this", exp.Schema(this=table, expressions=[exp.to_identifier(n) for n, _ in keep]))
    row.set("expressions", [e for _, e in keep])


def _left_to_right(sets: list[exp.Expression], tables: set[str]) -> None:
    """MySQL runs a single-table UPDATE's assignments, and ON DUPLICATE KEY UPDATE's, from
    left to right: a later one reads a column an earlier one set at its new value (``SET
    a = a + 1, b = a`` sets b to the new a). PostgreSQL's, and SQLite's, all read the old
    row, so the earlier assignment's expression stands in for the column in the later ones
    (not inside a subquery, whose columns are its own). ``SET c = DEFAULT`` is the keyword,
    not a column of that name."""
    assigned: dict[str, exp.Expression] = {}

    def current(node: exp.Expression) -> exp.Expression:
        if (isinstance(node, exp.Column) and node.name.lower() in assigned
                and (not node.table or node.table.lower() in tables)
                and node.find_ancestor(exp.Select, exp.Subquery) is None):
            return exp.Paren(this=assigned[node.name.lower()].copy())
        return node

    for eq in sets:
        if not (isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column)):
            continue
        value = eq.expression
        if _is_default(value):
            eq.set("expression", exp.Var(this="DEFAULT"))
            assigned.pop(eq.this.name.lower(), None)
            continue
        if assigned:
            value = value.transform(current)
            eq.set("expression", value)
        assigned[eq.this.name.lower()] = value


def _is_default(e: exp.Expression) -> bool:
    return isinstance(e, (exp.Var, exp.Column)) and e.name.upper() == "DEFAULT" and not (
        isinstance(e, exp.Column) and e.this.quoted
    )


def _excluded(node: exp.Expression, alias: str | None) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and str(node.this).upper() == "VALUES":
        if len(node.expressions) != 1 or not getattr(node.expressions[0], "name", None):
            raise _syntax(node.sql(dialect="mysql"))  # VALUES() names one column
        return exp.column(node.expressions[0].name, table="EXCLUDED")
    if isinstance(node, exp.Values) and len(node.expressions) == 1:
        return exp.column(node.expressions[0].name, table="EXCLUDED")
    if (
        alias is not None
        and isinstance(node, exp.Column)
        and node.table
        and node.table.lower() == alias
    ):
        return exp.column(node.name, table="EXCLUDED")
    return node


def _unsupported(what: str) -> SqlError:
    return SqlError("42000", f"This version of MySQL doesn't yet support '{what}'", errno=1235)


def _multi_table(tree: exp.Update | exp.Delete, ctx: Context, several: bool = False) -> None:
    """``UPDATE a JOIN b ON ... SET a.x = b.y`` becomes PostgreSQL's ``UPDATE a SET x = b.y
    FROM b WHERE ...``; ``DELETE a FROM a JOIN b ...`` (or ``DELETE FROM a USING a JOIN b``)
    deletes a's rows by rowid; ``DELETE a, b FROM a JOIN b ...`` and ``UPDATE a JOIN b ...
    SET a.x = 1, b.y = 2`` note, for each target, the query of its rows' ids (and of the
    values it is set to) and the write of one row (``meta["several"]``; see
    MySqlSession._several), as does any joined UPDATE with ``several`` (IGNORE, row by row).
    Inner joins only."""
    using = tree.args.get("using") if isinstance(tree, exp.Delete) else None
    if using:
        # MySQL's USING is where the targets are found (PostgreSQL's is other tables: there
        # ``DELETE FROM a USING a JOIN b`` joins a second a, and every row of the first went)
        named = tree.this
        if not isinstance(named, exp.Table):  # DELETE a USING ...: USING needs FROM (1064)
            raise _syntax(f"USING {using[0].sql(dialect='mysql')} ...")
        targets_named = [named, *(j.this for j in named.args.get("joins") or [])]
        source = using[0].copy()
        for extra in using[1:]:
            source.append("joins", exp.Join(this=extra.copy()))
        tree.set("this", source)
        tree.set("using", None)
        tree.set("tables", [exp.Table(this=exp.to_identifier(t.alias_or_name)) for t in targets_named])
    target = tree.this
    joins = target.args.get("joins") if isinstance(target, exp.Table) else None
    targets = tree.args.get("tables") if isinstance(tree, exp.Delete) else None
    if not isinstance(target, exp.Table) and targets:
        raise _syntax(tree.sql(dialect="mysql"))  # (``DELETE a b, FROM ...``: no table there)
    if not joins and not (targets and len(targets) > 1):
        if targets and isinstance(target, exp.Table):
            if targets[0].name.lower() not in (target.name.lower(), target.alias_or_name.lower()):
                raise SqlError("42S02", f"Unknown table '{targets[0].name}' in MULTI DELETE", errno=1109)
            tree.set("tables", None)
        if isinstance(tree, exp.Update) and isinstance(target, exp.Table):
            _unqualified_sets(tree, target)
        return
    conds = []
    for j in joins or []:
        if j.side or (j.kind and j.kind.upper() not in ("INNER", "CROSS")):
            raise _unsupported(f"{j.side or j.kind} JOIN in UPDATE / DELETE")
        if j.args.get("on") is not None:
            conds.append(j.args["on"])
    where = tree.args.get("where")
    if where is not None:
        conds.append(where.this)
    others = [j.this for j in joins or []]
    bare = target.copy()
    bare.set("joins", None)
    if isinstance(tree, exp.Update):
        for key, clause in (("order", "ORDER BY"), ("limit", "LIMIT")):
            if tree.args.get(key) is not None:  # (MySQL's; MariaDB takes them)
                raise SqlError("HY000", f"Incorrect usage of UPDATE and {clause}", errno=1221)
        targets = _update_targets(tree, ctx)
        if several or any(t is not target for _, t in targets):
            tree.meta["several"] = _updates_of_several(target, targets, where, ctx)
            return
        for eq, _ in targets:
            eq.this.set("table", None)
        tree.set("this", bare)
        first = others[0]
        if len(others) > 1:  # FROM b, c: the join conditions are in WHERE
            first.set("joins", [exp.Join(this=t) for t in others[1:]])
        tree.set("from_", exp.From(this=first))
    else:
        sources = {t.alias_or_name.lower(): t.name for t in (target, *others)}
        chosen = []
        for t in targets or [exp.Table(this=exp.to_identifier(target.alias_or_name))]:
            real = sources.get(t.name.lower())
            if real is None:
                raise SqlError("42S02", f"Unknown table '{t.name}' in MULTI DELETE", errno=1109)
            sub = exp.select(exp.column("rowid", table=t.name)).from_(target.copy())
            if where is not None:
                sub.set("where", where.copy())
            chosen.append((real, sub))
        if len(chosen) > 1:
            if tree.args.get("order") is not None or tree.args.get("limit") is not None:
                raise SqlError("HY000", "Incorrect usage of DELETE and ORDER BY", errno=1221)
            tree.meta["several"] = [(real, sub.distinct(), f'DELETE FROM {_pg_name(real)} WHERE "rowid" = $1')
                                    for real, sub in chosen]
        real, sub = chosen[0]  # (the statement itself is the first target's, by rowid)
        tree.set("this", exp.Table(this=exp.to_identifier(real)))
        tree.set("tables", None)
        tree.set("where", exp.Where(this=exp.In(this=exp.column("rowid"), query=sub.subquery())))
        return
    if conds:
        cond = conds[0]
        for c in conds[1:]:
            cond = exp.And(this=cond, expression=c)
        tree.set("where", exp.Where(this=cond))


def _updates_of_several(
    source: exp.Table, targets: list[tuple[exp.EQ, exp.Table]], where: exp.Where | None, ctx: Context
) -> list[tuple[str, exp.Select, str]]:
    """``meta["several"]`` of a joined UPDATE: for each table it sets (in the order of its
    first SET item), the query of its rows' ids and of the values they are set to, over the
    whole join (MySQL computes them from the rows the join finds, before any is written), and
    the UPDATE of one row: ``c = $1, ...``, its id the last parameter. ``c = DEFAULT`` stays
    in the UPDATE, and so does an IGNORE's ``mysql_fit`` (around the parameter); an ON
    UPDATE CURRENT_TIMESTAMP column takes the time where a value changes."""
    out = []
    for table in dict.fromkeys(t for _, t in targets):
        items = [eq for eq, t in targets if t is table]
        sub = exp.select(exp.column("rowid", table=table.alias_or_name)).from_(source.copy())
        if where is not None:
            sub.set("where", where.copy())
        sets: list[exp.Expression] = []
        for eq in items:
            column = exp.column(eq.this.name)
            if _is_default(eq.expression):
                sets.append(exp.EQ(this=column, expression=exp.Var(this="DEFAULT")))
                continue
            value = eq.expression.copy()
            fit = value if isinstance(value, exp.Anonymous) and value.name == "mysql_fit" else None
            if fit is not None:  # (fitted as the row is written: its warning's row)
                value = fit.expressions[0]
            sub.select(value, copy=False)
            value = exp.Literal.string(f"__myw{len(sub.expressions) - 1}__")
            if fit is not None:
                value = exp.Anonymous(this="mysql_fit", expressions=[value, *fit.expressions[1:]])
            sets.append(exp.EQ(this=column, expression=value))
        given = [e for e in sets if not isinstance(e.expression, exp.Var)]
        named = {e.this.name.lower() for e in sets}
        sets += [e for e in _on_update_sets(given, ctx.on_update(table.name))
                 if e.this.name.lower() not in named]
        row = exp.Literal.string(f"__myw{len(sub.expressions)}__")
        write = exp.Update(this=exp.Table(this=exp.to_identifier(table.name)), expressions=sets,
                           where=exp.Where(this=exp.EQ(this=exp.column("rowid"), expression=row)))
        text = re.sub(r"'__myw(\d+)__'", r"$\1", write.sql(dialect="postgres", identify=True))
        out.append((table.name, sub, text))
    return out


def _unqualified_sets(tree: exp.Update, target: exp.Table) -> None:
    """``UPDATE t SET t.x = 1`` (or ``UPDATE t AS a SET a.x = 1``): PostgreSQL names SET
    targets without their table. A qualifier that is not the table's is MySQL's 1054."""
    names = {target.name.lower(), target.alias_or_name.lower()}
    for eq in tree.expressions:
        col = eq.this
        if isinstance(col, exp.Column) and col.table:
            if col.table.lower() not in names:
                raise SqlError("42S22", f"Unknown column '{col.table}.{col.name}' in 'field list'",
                               errno=1054)
            col.set("table", None)
            col.set("db", None)


def _unwrap_arms(setop: exp.Expression) -> None:
    """``(SELECT ...) UNION (SELECT ...)``: arms without their own ORDER BY / LIMIT lose the
    parentheses, which the PostgreSQL session does not take."""
    for key in ("this", "expression"):
        arm = setop.args.get(key)
        if (
            isinstance(arm, exp.Subquery)
            and isinstance(arm.this, exp.Select)
            and not arm.this.args.get("order")
            and not arm.this.args.get("limit")
            and not arm.alias
        ):
            setop.set(key, arm.this)


def _touch_on_update(tree: exp.Update, ctx: Context) -> None:
    """``ON UPDATE CURRENT_TIMESTAMP`` columns the statement does not set take the time, in the
    rows where a value the statement sets changes (as MySQL: ``SET n = n`` leaves them, and the
    row is then not counted as changed). SQLite evaluates every SET expression against the old
    row, so ``CASE WHEN x IS NOT (expr) ...`` compares the old value with the new one."""
    table = tree.this
    if not isinstance(table, exp.Table):
        return
    cols = ctx.on_update(table.name)
    if not cols:
        return
    for eq in _on_update_sets(tree.expressions, cols):
        tree.append("expressions", eq)


def _on_update_sets(sets: list[exp.Expression], cols: list[str]) -> list[exp.EQ]:
    """``c = CASE WHEN <a value set changes> THEN now ELSE c END`` for each ON UPDATE column
    ``cols`` that ``sets`` (``x = expr`` items, evaluated against the old row) leave out."""
    sets = [e for e in sets if isinstance(e, exp.EQ)]
    named = {e.this.name.lower() for e in sets}
    changed = [
        exp.Not(this=exp.NullSafeEQ(
            this=exp.Collate(this=exp.column(e.this.name), expression=exp.Var(this="binary")),
            expression=e.expression.copy(),
        ))
        for e in sets
    ]
    if not changed:
        return []
    return [
        exp.EQ(this=exp.column(c), expression=exp.Case(
            ifs=[exp.If(this=exp.or_(*changed, copy=True), true=_now(None))],
            default=exp.column(c),
        ))
        for c in cols if c.lower() not in named
    ]


def _limited_write(tree: exp.Expression, nparams: int, row_by_row: bool = False) -> None:
    """DELETE / UPDATE with ORDER BY or LIMIT: its rows selected by rowid (SQLite has
    neither clause on a write). An UPDATE with ORDER BY writes its rows in that order in
    MySQL, each checked against the unique keys as it is written (``SET pos = pos + 1 ORDER
    BY pos DESC`` moves each row into the place the one before it left): it becomes the
    write of one row, and the query of the rows' ids in order (``meta["ordered"]``), which
    the session runs first (MySqlSession._row_by_row). ``row_by_row``: so is any UPDATE or
    DELETE IGNORE, whose rows the keys or a foreign key refuse are skipped one by one."""
    order = tree.args.get("order")
    limit = tree.args.get("limit")
    if order is None and limit is None and not row_by_row:
        return
    table = tree.this
    sub = exp.select("rowid").from_(table.copy())
    where = tree.args.get("where")
    if where is not None:
        sub.set("where", where.copy())
    if order is not None:
        sub.set("order", order)
    if limit is not None:
        sub.set("limit", limit)
    tree.set("order", None)
    tree.set("limit", None)
    if row_by_row or (isinstance(tree, exp.Update) and order is not None):
        # the rows' ids in order (meta["ordered"]), and the write of the one whose id is the
        # parameter after the statement's own
        tree.meta["ordered"] = sub
        row = exp.Literal.string(f"__myp{nparams + 1}__")
        tree.set("where", exp.Where(this=exp.EQ(this=exp.column("rowid"), expression=row)))
        return
    tree.set("where", exp.Where(this=exp.In(this=exp.column("rowid"), query=sub.subquery())))


# --- result column names ---------------------------------------------------------------


_ITEM_END = {"from", "where", "group", "order", "limit", "having", "into", "union", "for",
             "lock", "window", "intersect", "except"}
_WORDS = re.compile(
    r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"|`(?:[^`]|``)*`|[\w@$.]+|\S", re.S
)


def _result_names(tree: exp.Expression, key: str) -> list[str | None] | None:
    while isinstance(tree, (exp.Union, exp.Intersect, exp.Except, exp.Subquery)):
        tree = tree.this  # a compound's names are its first SELECT's
    if not isinstance(tree, exp.Select):
        return None
    items = _select_items(key)
    exprs = tree.expressions
    if items is None or len(items) != len(exprs):
        return None
    names: list[str | None] = []
    for e, text in zip(exprs, items, strict=True):
        if isinstance(e, exp.Alias):
            names.append(e.alias)
        elif isinstance(e, exp.Column) and not isinstance(e.this, exp.Star):
            names.append(e.name)
        elif isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            names.append(None)
        elif isinstance(e, exp.Literal) and e.is_string and not SENTINEL.fullmatch("'" + e.this + "'"):
            names.append(e.this)
        elif isinstance(e, (exp.Null, exp.Boolean)):
            names.append(e.sql(dialect="mysql").upper())  # (null is named NULL, true TRUE)
        else:
            names.append(text)
    return names


def _literal_items(tree: exp.Expression) -> list[str | None] | None:
    """For each result column that is one literal (or a negated number), its MySQL text,
    a sentinel while literals are cut out; None if there is none (or a ``*``)."""
    if not isinstance(tree, exp.Select):
        return None
    out: list[str | None] = []
    for e in tree.expressions:
        if isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star)):
            return None
        e = e.this if isinstance(e, exp.Alias) else e
        e = e.this if isinstance(e, exp.Neg) else e
        out.append(e.sql(dialect="mysql") if isinstance(e, exp.Literal) else None)
    return out if any(out) else None


def _select_items(key: str) -> list[str] | None:
    m = re.match(r"\s*(?:\(\s*)*select\b", key, re.I)
    if m:
        pos = m.end()
    elif (m := re.match(r"\s*with\b", key, re.I)) and (found := _main_select(key, m.end())):
        pos = found  # (the SELECT after a WITH clause's CTEs)
    else:
        return None
    return _items_from(key, pos)


def _items_from(key: str, pos: int) -> list[str]:
    """The select list's items as written, from just after the SELECT at ``pos``."""
    depth = 0
    items: list[str] = []
    start = pos
    end = len(key)
    for w in _WORDS.finditer(key, pos):
        t = w.group()
        low = t.lower()
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
            if depth < 0:
                end = w.start()
                break
        elif depth == 0 and t == ",":
            items.append(key[start : w.start()].strip())
            start = w.end()
        elif depth == 0 and low in _ITEM_END:
            end = w.start()
            break
        elif depth == 0 and low in ("distinct", "all", "distinctrow") and not key[
            start : w.start()
        ].strip():
            start = w.end()
    items.append(key[start:end].strip())
    return items


def _derived_table_names(tree: exp.Expression, key: str) -> None:
    """A derived table's unnamed columns (``FROM (SELECT COUNT(*) FROM t) AS x``) take MySQL's
    names, the items as written ('COUNT(*)'), not PostgreSQL's ('count'), so that ``SELECT *``
    over it shows them and ``x.`COUNT(*)``` finds one. The subquery's items are found in the
    text: each ``(SELECT`` there, in order, whose unnamed items read as the subquery's. An
    item with a literal keeps the engine's name (its text holds a placeholder until the
    statement runs)."""
    selects = [
        sub.this for sub in tree.find_all(exp.Subquery)
        if isinstance(sub.parent, (exp.From, exp.Join)) and isinstance(sub.this, exp.Select)
        and any(_nameable(e) for e in sub.this.expressions)
    ]
    if not selects:
        return
    written = [_items_from(key, w.end()) for w in _WORDS.finditer(key)
               if w.group().lower() == "select" and re.search(r"\(\s*$", key[: w.start()])]
    for sel in selects:
        for items in written:
            if len(items) == len(sel.expressions) and all(
                _written_as(e, text) for e, text in zip(sel.expressions, items, strict=True)
                if _nameable(e) and "'__my" not in text
            ):
                for e, text in zip(sel.expressions, items, strict=True):
                    if _nameable(e) and "'__my" not in text:
                        e.replace(exp.alias_(e.copy(), text, quoted=True))
                written.remove(items)
                break


def _nameable(e: exp.Expression) -> bool:
    return not isinstance(e, (exp.Alias, exp.Column, exp.Star)) and "'__my" not in e.sql()


def _written_as(e: exp.Expression, text: str) -> bool:
    try:
        return sqlglot.parse_one(text, read="mysql").sql(dialect="mysql") == e.sql(dialect="mysql")
    except Exception:  # (any text sqlglot cannot read back: the item keeps the engine's name)
        return False


def _main_select(key: str, pos: int) -> int | None:
    """Where the items of the SELECT that follows a WITH clause begin: its first SELECT
    outside parentheses (each CTE's query is inside them)."""
    depth = 0
    for w in _WORDS.finditer(key, pos):
        t = w.group()
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif depth == 0 and t.lower() == "select":
            return w.end()
    return None


def name_of(template: str, raw: list[str]) -> str:
    """A result name with its literals' source text put back (and a parameter's ``?``)."""
    if "'__my" not in template:
        return template
    m = SENTINEL.fullmatch(template)
    if m and m.group(1) == "p":
        return "?"
    if m:
        tok = raw[int(m.group(2)) - 1]
        return string_value(tok) if tok[0] in "'\"" else tok
    return SENTINEL.sub(lambda m: raw[int(m.group(2)) - 1] if m.group(1) != "p" else "?", template)
