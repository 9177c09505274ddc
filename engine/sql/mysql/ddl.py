"""MySQL DDL as PostgreSQL DDL for the wrapped session, plus the MySQL side catalog.

CREATE TABLE is read by a small parser of its own (MySQL's column and key grammar is
regular; sqlglot's tree of it loses options we need to show again), and written as one
PostgreSQL CREATE TABLE (MySQL types mapped by :mod:`.types`, a ``_my_range_<col>`` CHECK
per integer column, ``COLLATE "nocase"`` on every string column for MySQL's case-insensitive
default collation, AUTO_INCREMENT as an identity column) and one CREATE INDEX per plain key.
Each function takes ``run(pg_sql)`` and the raw SQLite connection for the side catalog.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import apsw

from aurora.engine.sql import ddl as pg_ddl
from aurora.engine.sql.mysql import catalog, timezone
from aurora.engine.sql.mysql import types as mytypes
from aurora.engine.sql.mysql.lexer import pg_string, string_value, tokens, unquote
from aurora.engine.sqlapi import SqlError

Run = Callable[[str], object]


def _pq(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Tokens:
    """A cursor over a statement's tokens."""

    def __init__(self, sql: str) -> None:
        self.toks = tokens(sql)
        self.i = 0

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.toks[j][1] if j < len(self.toks) else ""

    def peek_word(self, k: int = 0) -> str:
        j = self.i + k
        if j < len(self.toks) and self.toks[j][0] == "word":
            return self.toks[j][1].lower()
        return ""

    def next(self) -> str:
        t = self.peek()
        self.i += 1
        return t

    def accept(self, *words: str) -> bool:
        """Consume the words if they come next (case-insensitive)."""
        for k, w in enumerate(words):
            if self.peek(k).lower() != w:
                return False
        self.i += len(words)
        return True

    def expect(self, word: str) -> None:
        if not self.accept(word):
            raise syntax_error(self.peek() or "")

    def _name_part(self) -> str:
        """One part of a name; a variable (``@v``) is none in MySQL's grammar (1064)."""
        t = self.next()
        if not t or t in "(),;" or t.startswith("@"):
            raise syntax_error(t)
        return unquote(t)

    def name(self) -> str:
        n = self._name_part()
        while self.peek() == ".":
            self.next()
            n = self._name_part()  # db.table: the session checks the database itself
        return n

    def qualified(self) -> tuple[str | None, str]:
        t = self._name_part()
        if self.peek() == ".":
            self.next()
            return t, self._name_part()
        return None, t

    def parens(self) -> list[tuple[str, str]]:
        """The tokens inside the parentheses that come next (consumed)."""
        if self.peek() != "(":
            raise syntax_error(self.peek())
        depth = 0
        start = self.i
        while self.i < len(self.toks):
            t = self.next()
            if t == "(":
                depth += 1
            elif t == ")":
                depth -= 1
                if depth == 0:
                    return self.toks[start + 1 : self.i - 1]
        raise syntax_error("")

    def at_end(self) -> bool:
        return self.i >= len(self.toks) or self.peek() == ";"

    def rest_text(self) -> str:
        return join(self.toks[self.i :])


# Operators the lexer gives one character at a time ('<>' is '<' then '>'): written back
# without a space between, or 'a <> b' would come back as 'a < > b'
_OPERATORS = {"<>", "<=", ">=", "!=", "<=>", "||", "&&", "<<", ">>", ":=", "->", "->>"}


def join(toks: list[tuple[str, str]]) -> str:
    out = []
    op = ""  # the operator characters just written
    for kind, t in toks:
        if kind == "other" and op and op + t in _OPERATORS:
            op += t
            out.append(t)
            continue
        if out and not (t in ",)." or out[-1] in "(." or (kind == "other" and t == "(")):
            out.append(" ")
        out.append(t)
        op = t if kind == "other" else ""
    return "".join(out)


def split_commas(toks: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    parts: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for tok in toks:
        if tok[1] == "(":
            depth += 1
        elif tok[1] == ")":
            depth -= 1
        if tok[1] == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(tok)
    return [p for p in parts if p]


def syntax_error(near: str) -> SqlError:
    return SqlError(
        "42000",
        "You have an error in your SQL syntax; check the manual that corresponds to your MySQL "
        f"server version for the right syntax to use near '{near}' at line 1",
        errno=1064,
    )


@dataclass
class ColumnSpec:
    name: str
    mytype: mytypes.MyType
    not_null: bool = False
    default_sql: str | None = None  # MySQL's text
    default_pg: str | None = None
    auto_increment: bool = False
    primary: bool = False
    unique: bool = False
    comment: str = ""
    on_update: str = ""
    references: str | None = None  # PostgreSQL REFERENCES clause
    checks: list[KeySpec] = field(default_factory=list)  # its CHECKs (MySQL: table checks)
    collation: str = ""  # COLLATE / BINARY given with the column ('' : the table's)

    @property
    def binary_order(self) -> bool:
        """A ``_bin`` (or ``binary``) collation: compared, sorted and keyed by bytes."""
        return self.collation == "binary" or self.collation.endswith("_bin")

    def extra(self) -> str:
        if self.auto_increment:
            return "auto_increment"
        e = []
        if self.default_sql and self.default_sql.upper().startswith("CURRENT_TIMESTAMP"):
            e.append("DEFAULT_GENERATED")
        if self.on_update:
            e.append("on update " + self.on_update)
        return " ".join(e)

    def pg(self, for_alter: bool = False) -> str:
        parts = [_pq(self.name), self.mytype.pg]
        if self.mytype.check:
            name = self.mytype.check_prefix + self.name
            parts.append(f"CONSTRAINT {_pq(name)} CHECK ({self.mytype.check})")
        if self.mytype.is_string:
            # MySQL's default collations ignore case (SQLite's NOCASE); a _bin one compares
            # bytes (PostgreSQL's "C", SQLite's BINARY): 'Ab' and 'ab' are two keys then
            parts.append('COLLATE "C"' if self.binary_order else 'COLLATE "nocase"')
        if self.not_null or self.primary:
            parts.append("NOT NULL")
        if self.default_pg is not None and not self.auto_increment:
            parts.append("DEFAULT " + self.default_pg)
        if self.auto_increment:
            parts.append("GENERATED BY DEFAULT AS IDENTITY")
        if for_alter and self.primary:
            parts.append("PRIMARY KEY")
        if for_alter and self.unique:
            parts.append("UNIQUE")
        if self.references:
            parts.append(self.references)
        return " ".join(parts)


_TIME_DEFAULT = re.compile(
    r"^(current_timestamp|now|localtime|localtimestamp)\s*(\(\s*(\d*)\s*\))?$", re.I
)


def _default(toks: Tokens, mytype: mytypes.MyType, zone: dt.tzinfo) -> tuple[str, str]:
    """(MySQL text, PostgreSQL text) of a DEFAULT value; a TIMESTAMP's is read in ``zone``,
    the time_zone of the session that declares it, as MySQL fixes it then."""
    kind, t = toks.toks[toks.i] if toks.i < len(toks.toks) else ("", "")
    toks.next()
    if t == "(":
        toks.i -= 1
        inner = join(toks.parens())
        from aurora.engine.sql.mysql.translate import expression_to_pg

        return f"({inner})", f"({expression_to_pg(inner)})"
    if t in ("-", "+") and toks.toks[toks.i][0] == "num":
        num = t + toks.next()
        return f"'{num}'", num
    if kind == "str":
        v = string_value(t)
        if mytype.is_integer or mytype.pg.startswith(("numeric", "real", "double")):
            return "'" + v + "'", v if re.fullmatch(r"-?\d+(\.\d*)?", v) else pg_string(v)
        if mytype.pg_base in ("timestamp", "timestamptz"):
            # stored as the session stores such a value (a TIMESTAMP as its UTC instant)
            when = timezone.wall_time(v)
            if when is not None:
                if mytype.pg_base == "timestamptz":
                    when = when.replace(tzinfo=zone).astimezone(dt.UTC)
                return "'" + v.replace("'", "''") + "'", f"CAST('{when.isoformat(' ')}' AS {mytype.pg})"
        return "'" + v.replace("'", "''") + "'", pg_string(v)
    if kind == "num":
        return f"'{t}'", t
    if kind == "hex" and t[0] in "bB":
        return t, str(int(t[2:-1] or "0", 2))
    low = t.lower()
    if low == "null":
        return "NULL", "NULL"
    if low in ("true", "false"):
        return ("'1'", "1") if low == "true" else ("'0'", "0")
    if low in ("current_timestamp", "now", "localtime", "localtimestamp"):
        fsp = ""
        if toks.peek() == "(":
            fsp = join(toks.parens()).strip()
        shown = f"CURRENT_TIMESTAMP({fsp})" if fsp and fsp != "0" else "CURRENT_TIMESTAMP"
        # a TIMESTAMP (timestamptz) takes the instant; a DATETIME the session's wall time
        clock = "CURRENT_TIMESTAMP" if mytype.pg_base == "timestamptz" else "LOCALTIMESTAMP"
        pg = clock if fsp and fsp != "0" else f"date_trunc('second', {clock})"
        return shown, pg
    if low in ("current_date", "curdate"):
        if toks.peek() == "(":
            toks.parens()
        return "(curdate())", "CURRENT_DATE"
    raise syntax_error(t)


def parse_column(toks: Tokens, name: str, zone: dt.tzinfo = dt.UTC) -> ColumnSpec:
    base = toks.next().lower()
    if base == "double" and toks.peek_word() == "precision":
        toks.next()
    if base in ("national", "long") and toks.peek_word() in ("char", "varchar", "varbinary"):
        base = toks.next().lower()
    if base in ("char", "character") and toks.peek_word() == "varying":
        toks.next()
        base = "varchar"
    args: list[str] = []
    if toks.peek() == "(":
        args = [join(p) for p in split_commas(toks.parens())]
    unsigned = False
    collation = ""
    while True:
        w = toks.peek_word()
        if w in ("unsigned", "zerofill"):
            toks.next()
            unsigned = True
        elif w == "binary" and base not in ("binary",):
            toks.next()
            collation = collation or "utf8mb4_bin"  # VARCHAR(n) BINARY: the charset's _bin
        elif w == "signed":
            toks.next()
        elif toks.accept("character", "set") or toks.accept("charset"):
            if unquote(toks.next()).lower() == "binary":
                collation = collation or "binary"
        elif w == "collate":
            toks.next()
            collation = unquote(toks.next()).lower()
        else:
            break
    try:
        mt = mytypes.column_type(base, args, unsigned, name)
    except ValueError:
        raise SqlError(
            "42000",
            "You have an error in your SQL syntax; check the manual that corresponds to your "
            f"MySQL server version for the right syntax to use near '{base}' at line 1",
            errno=1064,
        ) from None
    col = ColumnSpec(name, mt, collation=collation)
    constraint_name = None
    while not toks.at_end() and toks.peek() not in (",", ")"):
        if toks.peek_word() in ("first", "after"):
            break
        if toks.accept("not", "null"):
            col.not_null = True
        elif toks.accept("null"):
            pass
        elif toks.accept("default"):
            col.default_sql, col.default_pg = _default(toks, mt, zone)
        elif toks.accept("auto_increment"):
            col.auto_increment = True
            col.not_null = True
        elif toks.accept("primary", "key") or toks.accept("key"):
            col.primary = True
        elif toks.accept("unique"):
            toks.accept("key")
            col.unique = True
        elif toks.accept("comment"):
            col.comment = string_value(toks.next())
        elif toks.accept("on", "update"):
            t = toks.next()
            if toks.peek() == "(":
                fsp = join(toks.parens())
                t = f"CURRENT_TIMESTAMP({fsp})" if fsp.strip() else "CURRENT_TIMESTAMP"
            col.on_update = "CURRENT_TIMESTAMP" if t.lower() in ("now", "current_timestamp") else t
        elif toks.accept("collate"):
            col.collation = unquote(toks.next()).lower()
        elif toks.accept("character", "set") or toks.accept("charset"):
            if unquote(toks.next()).lower() == "binary":
                col.collation = col.collation or "binary"
        elif toks.accept("references"):
            col.references = _references(toks)
        elif toks.accept("check"):
            col.checks.append(_check(toks, constraint_name))
            constraint_name = None
        elif toks.accept("constraint"):
            if toks.peek_word() != "check":
                constraint_name = unquote(toks.next())
        elif toks.accept("visible") or toks.accept("invisible"):
            pass
        elif toks.accept("column_format") or toks.accept("storage"):
            toks.next()
        elif toks.accept("generated", "always") or toks.peek_word() == "as":
            raise SqlError("0A000", "generated columns are not supported", errno=1235)
        else:
            raise syntax_error(toks.rest_text()[:80])
    if mt.pg == "jsonb" and col.default_pg is not None and col.default_sql and not col.default_sql.startswith("("):
        raise SqlError("42000", f"BLOB, TEXT, GEOMETRY or JSON column '{name}' can't have a default value", errno=1101)
    if mt.enum_check and col.not_null and col.default_pg is None:
        # an ENUM NOT NULL without DEFAULT defaults to its first member (an INSERT that
        # leaves it out, the rows an ADD COLUMN meets); SHOW CREATE TABLE shows no DEFAULT
        first = re.match(r"enum\(('(?:[^']|'')*')", mt.mysql, re.I)
        col.default_pg = first.group(1) if first else None
    return col


_ACTIONS = ("cascade", "restrict", "set null", "set default", "no action")


def _references(toks: Tokens) -> str:
    table = toks.name()
    cols = [unquote(join(c)) for c in split_commas(toks.parens())] if toks.peek() == "(" else []
    out = f"REFERENCES {_pq(table)}"
    if cols:
        out += " (" + ", ".join(_pq(c) for c in cols) + ")"
    while True:
        if toks.accept("on", "delete"):
            out += " ON DELETE " + _action(toks)
        elif toks.accept("on", "update"):
            out += " ON UPDATE " + _action(toks)
        elif toks.accept("match"):
            toks.next()
        else:
            return out


def _action(toks: Tokens) -> str:
    for a in _ACTIONS:
        if toks.accept(*a.split()):
            return a.upper()
    raise syntax_error(toks.peek())


@dataclass
class KeySpec:
    kind: str  # primary | unique | index | foreign | check
    name: str | None
    columns: list[str] = field(default_factory=list)
    references: str = ""
    check: str = ""


def _check(toks: Tokens, name: str | None) -> KeySpec:
    """A CHECK's body after the word CHECK; kind "unenforced" for one declared NOT ENFORCED
    (MySQL keeps those as metadata only; this edition does not keep them)."""
    body = join(toks.parens())
    if toks.accept("not", "enforced"):
        return KeySpec("unenforced", name, check=body)
    toks.accept("enforced")
    return KeySpec("check", name, check=body)


class KeyExpression(str):
    """A key part that is an expression, ``(lower(name))`` (MySQL's functional key part),
    as its MySQL text without the outer parentheses."""


def _key_columns(toks: Tokens, expressions: bool = True) -> list[str]:
    out: list[str] = []
    for part in split_commas(toks.parens()):
        if not part:
            raise syntax_error(")")
        if part[0][1] == "(":
            if not expressions:
                raise syntax_error("(")
            inner = Tokens("")
            inner.toks = part
            out.append(KeyExpression(join(inner.parens())))  # ASC/DESC after it is dropped
        else:
            out.append(unquote(part[0][1]))  # prefix lengths and ASC/DESC are dropped
    return out


def _key_parts(cols: list[str]) -> str:
    """A key's parts as PostgreSQL writes them in CREATE INDEX."""
    from aurora.engine.sql.mysql.translate import expression_to_pg

    return ", ".join(
        f"({expression_to_pg(c)})" if isinstance(c, KeyExpression) else _pq(c) for c in cols)


def _functional_name(used: set[str]) -> str:
    """MySQL's name of an unnamed index whose first part is an expression."""
    name, n = "functional_index", 2
    while name.lower() in used:
        name, n = f"functional_index_{n}", n + 1
    return name


def parse_key(toks: Tokens) -> KeySpec | None:
    """A table-level key or constraint, or None when the item is a column."""
    start = toks.i
    name = None
    if toks.accept("constraint") and toks.peek_word() not in (
        "primary", "unique", "foreign", "check"
    ):
        name = unquote(toks.next())
    w = toks.peek_word()
    if w == "primary":
        toks.next()
        toks.expect("key")
        _index_type(toks)
        cols = _key_columns(toks)
        if any(isinstance(c, KeyExpression) for c in cols):
            raise SqlError("HY000", "The primary key cannot be a functional index", errno=3756)
        return KeySpec("primary", name, cols)
    if w == "unique":
        toks.next()
        if toks.peek_word() in ("key", "index"):
            toks.next()
        if toks.peek() != "(" and toks.peek_word() != "using":
            name = unquote(toks.next())
        _index_type(toks)
        k = KeySpec("unique", name, _key_columns(toks))
        _index_options(toks)
        return k
    if w in ("key", "index", "fulltext", "spatial"):
        toks.next()
        if w in ("fulltext", "spatial") and toks.peek_word() in ("key", "index"):
            toks.next()
        if toks.peek() != "(" and toks.peek_word() != "using":
            name = unquote(toks.next())
        _index_type(toks)
        k = KeySpec("index", name, _key_columns(toks))
        _index_options(toks)
        return k
    if w == "foreign":
        toks.next()
        toks.expect("key")
        if toks.peek() != "(":
            name = name or unquote(toks.next())
        cols = _key_columns(toks, expressions=False)
        toks.expect("references")
        key = KeySpec("foreign", name, cols, references=_references(toks))
        if not toks.at_end() and toks.peek() not in (",", ")"):
            raise syntax_error(toks.rest_text()[:80])  # (REFERENCES pa CONCAT(...) ...)
        return key
    if w == "check":
        toks.next()
        return _check(toks, name)
    toks.i = start
    return None


def _index_type(toks: Tokens) -> None:
    if toks.accept("using"):
        toks.next()


def _index_options(toks: Tokens) -> None:
    while True:
        if toks.accept("using") or toks.accept("comment"):
            toks.next()
        elif toks.accept("visible") or toks.accept("invisible"):
            pass
        elif toks.accept("key_block_size"):
            toks.accept("=")
            toks.next()
        else:
            return


def parse_table_options(toks: Tokens) -> dict[str, str]:
    opts: dict[str, str] = {}
    while not toks.at_end():
        if toks.peek() == ",":
            toks.next()
            continue
        if toks.peek_word() in ("as", "select", "ignore", "replace") or toks.peek() == "(":
            break  # (CREATE TABLE ... SELECT: the query follows the options)
        toks.accept("default")
        if toks.accept("character", "set") or toks.accept("charset"):
            toks.accept("=")
            opts["charset"] = unquote(toks.next()).lower()
            continue
        w = toks.next().lower()
        toks.accept("=")
        if w in ("partition",):
            break
        v = toks.next()
        if w == "engine":
            opts["engine"] = "InnoDB" if unquote(v).lower() == "innodb" else unquote(v)
        elif w == "collate":
            opts["collation"] = unquote(v).lower()
        elif w == "comment":
            opts["comment"] = string_value(v)
        elif w == "auto_increment" and unquote(v).isdigit():
            opts["auto_increment"] = unquote(v)
    if "charset" in opts and "collation" not in opts:
        opts["collation"] = {"utf8mb4": "utf8mb4_0900_ai_ci", "latin1": "latin1_swedish_ci",
                             "utf8": "utf8mb3_general_ci", "utf8mb3": "utf8mb3_general_ci",
                             "ascii": "ascii_general_ci", "binary": "binary"}.get(
            opts["charset"], opts["charset"] + "_general_ci")
    if opts.get("charset") == "utf8":
        opts["charset"] = "utf8mb3"
    return opts


@dataclass
class CreateTable:
    table: str
    if_not_exists: bool
    columns: list[ColumnSpec]
    keys: list[KeySpec]
    options: dict[str, str]
    temporary: bool = False
    like: str | None = None
    as_select: str | None = None


def parse_create_table(sql: str, zone: dt.tzinfo = dt.UTC) -> CreateTable:
    toks = Tokens(sql)
    toks.expect("create")
    temporary = toks.accept("temporary")
    toks.expect("table")
    ine = toks.accept("if", "not", "exists")
    table = toks.name()
    if toks.accept("like"):
        return CreateTable(table, ine, [], [], {}, temporary, like=toks.name())
    if toks.peek() == "(" and toks.peek_word(1) == "like":
        inner = Tokens(join(toks.parens()))
        inner.expect("like")
        return CreateTable(table, ine, [], [], {}, temporary, like=inner.name())
    if toks.peek() != "(":
        opts = parse_table_options(toks) if toks.peek_word() not in ("as", "select") else {}
        toks.accept("as")
        return CreateTable(table, ine, [], [], opts, temporary, as_select=toks.rest_text())
    items = split_commas(toks.parens())
    cols: list[ColumnSpec] = []
    keys: list[KeySpec] = []
    for item in items:
        it = Tokens("")
        it.toks = item
        key = parse_key(it)
        if key is not None:
            keys.append(key)
            continue
        name = unquote(it.next())
        cols.append(parse_column(it, name, zone))
        keys.extend(cols[-1].checks)  # (numbered with the table's, in the order written)
    opts = parse_table_options(toks)
    table_collation = opts.get("collation", "")
    for c in cols:  # a string column without its own collation takes the table's
        if c.mytype.is_string and not c.collation:
            c.collation = table_collation
    as_select = None
    if not toks.at_end():  # CREATE TABLE t (columns, keys) [IGNORE | REPLACE] [AS] SELECT ...
        as_select = toks.rest_text()
    return CreateTable(table, ine, cols, keys, opts, temporary, as_select=as_select)


def create_table_pg(ct: CreateTable) -> tuple[str, list[str]]:
    """The PostgreSQL CREATE TABLE and the CREATE INDEX statements that follow it."""
    t = ct.table
    items = [c.pg() for c in ct.columns]
    pk = [c.name for c in ct.columns if c.primary]
    after: list[str] = []
    used: set[str] = set()

    def key_name(given: str | None, cols: list[str]) -> str:
        if not given and isinstance(cols[0], KeyExpression):
            given = _functional_name(used)
        base = given or cols[0]
        name, n = base, 2
        while name.lower() in used:
            name, n = f"{base}_{n}", n + 1
        used.add(name.lower())
        return name

    for c in ct.columns:
        if c.unique:
            items.append(f"CONSTRAINT {_pq(t + '_' + key_name(c.name, [c.name]))} UNIQUE ({_pq(c.name)})")
    fk_n = chk_n = 0
    for k in ct.keys:
        cols = _key_parts(k.columns)
        if k.kind == "primary":
            pk = k.columns
        elif k.kind == "unique" and any(isinstance(c, KeyExpression) for c in k.columns):
            # (a UNIQUE constraint holds columns only: an expression needs a unique index)
            after.append(f"CREATE UNIQUE INDEX {_pq(t + '_' + key_name(k.name, k.columns))} ON {_pq(t)} ({cols})")
        elif k.kind == "unique":
            items.append(f"CONSTRAINT {_pq(t + '_' + key_name(k.name, k.columns))} UNIQUE ({cols})")
        elif k.kind == "index":
            after.append(f"CREATE INDEX {_pq(t + '_' + key_name(k.name, k.columns))} ON {_pq(t)} ({cols})")
        elif k.kind == "foreign":
            fk_n += 1
            name = k.name or f"{t}_ibfk_{fk_n}"
            items.append(f"CONSTRAINT {_pq(name)} FOREIGN KEY ({cols}) {k.references}")
            if not _indexed(k.columns, _leading_columns(ct)):
                # InnoDB indexes a foreign key's columns when no index leads with them
                # (named after the constraint, or its first column): a parent's DELETE then
                # finds the children by it, not by a scan
                iname = key_name(k.name, k.columns)
                after.append(f"CREATE INDEX {_pq(t + '_' + iname)} ON {_pq(t)} ({cols})")
        elif k.kind in ("check", "unenforced"):
            from aurora.engine.sql.mysql.translate import expression_to_pg

            if not k.name:  # MySQL numbers a table's unnamed checks from 1
                chk_n += 1
            name = k.name or f"{t}_chk_{chk_n}"
            if k.kind == "check":
                items.append(f"CONSTRAINT {_pq(name)} CHECK ({expression_to_pg(k.check)})")
    if pk:
        items.append(f"PRIMARY KEY ({', '.join(_pq(c) for c in pk)})")
    temp = "TEMPORARY " if ct.temporary else ""
    return f"CREATE {temp}TABLE {_pq(t)} ({', '.join(items)})", after


def _leading_columns(ct: CreateTable) -> list[list[str]]:
    """The column lists of the table's keys and indexes (a foreign key's own index aside)."""
    lists = [[c.name] for c in ct.columns if c.unique or c.primary]
    lists += [[c for c in k.columns if isinstance(c, str)] for k in ct.keys
              if k.kind in ("primary", "unique", "index")]
    return lists


def _indexed(columns: list, lists: list[list[str]]) -> bool:
    """Some index leads with ``columns``, in their order."""
    want = [str(c).lower() for c in columns]
    return any([c.lower() for c in have[: len(want)]] == want for have in lists)


def _create_with_select(ct: CreateTable, select: str, run: Run, conn: apsw.Connection,
                        zone: dt.tzinfo, fk_checks: bool) -> int:
    """CREATE TABLE t (columns, keys) SELECT ...: MySQL's table has the declared columns,
    then each column of the query that none of them names (typed as the query's), and the
    query's rows, written by name; a row a key refuses fails it all (no table is left)."""
    got = run(f"SELECT * FROM ({select}) AS _q LIMIT 0")
    names = [c.name for c in got.columns]  # type: ignore[attr-defined]
    declared = {c.name.lower() for c in ct.columns}
    for c in got.columns:  # type: ignore[attr-defined]
        if c.name.lower() not in declared:
            declared.add(c.name.lower())
            spelling = mytypes.pg_oid_spelling(c.type_oid, c.type_modifier)
            ct.columns.append(parse_column(Tokens(spelling), c.name, zone))
    run("BEGIN")
    try:
        _create_columns(ct, run, conn, fk_checks)
        listed = ", ".join(_pq(n) for n in names)
        written = run(f"INSERT INTO {_pq(ct.table)} ({listed}) SELECT * FROM ({select}) AS _q")
    except BaseException:
        with contextlib.suppress(SqlError, apsw.Error):
            run("ROLLBACK")
        raise
    run("COMMIT")
    return _rows_of(written)


def _rows_of(result: object) -> int:
    """The rows a command tag counts (``INSERT 0 3``, ``SELECT 3``)."""
    tag = str(getattr(result, "tag", ""))
    return int(tag.rsplit(" ", 1)[-1]) if tag[-1:].isdigit() else 0


def side_rows(cols: list[ColumnSpec]) -> list[tuple[str, str, str | None, str, str]]:
    return [(c.name, c.mytype.mysql, c.default_sql, c.extra(), c.comment) for c in cols]


def create_table(
    sql: str,
    run: Run,
    conn: apsw.Connection,
    show_create: Callable[[str], str],
    context_db: str | None = None,
    zone: dt.tzinfo = dt.UTC,
    fk_checks: bool = True,
) -> tuple[int, int | None]:
    """Run CREATE TABLE; the number of warnings (1050 for IF NOT EXISTS on an existing one)
    and, for CREATE TABLE ... SELECT, the rows it wrote (None for another).
    ``zone``: the session's time_zone, which a TIMESTAMP's DEFAULT is read in.
    ``fk_checks`` false (``SET foreign_key_checks = 0``): a foreign key may name a table that
    does not exist yet (see :func:`_defer_foreign_keys`)."""
    ct = parse_create_table(sql, zone)
    if catalog.real_name(conn, ct.table) is not None:
        if ct.if_not_exists:
            return 1, None
        raise SqlError("42S01", f"Table '{ct.table}' already exists", errno=1050)
    if ct.like is not None:
        text = show_create(ct.like)
        text = re.sub(r"^CREATE TABLE `(?:[^`]|``)*`", "CREATE TABLE " + catalog.q(ct.table), text)
        text = re.sub(r"\) ENGINE=(\w+) AUTO_INCREMENT=\d+", r") ENGINE=\1", text)  # starts at 1
        return create_table(text, run, conn, show_create, context_db, zone, fk_checks)
    if ct.as_select is not None:
        from aurora.engine.sql.mysql.lexer import normalize
        from aurora.engine.sql.mysql.translate import Context, translate

        query = Tokens(ct.as_select)
        if query.peek_word() in ("ignore", "replace"):
            raise SqlError("42000", f"This version of MySQL doesn't yet support 'CREATE TABLE ... "
                           f"{query.peek_word().upper()} SELECT'", errno=1235)
        query.accept("as")
        if query.at_end():
            raise syntax_error(ct.as_select)
        text = query.rest_text()
        if query.peek() == "(":  # (SELECT ...) in parentheses, as a whole
            inner = join(query.parens())
            text = inner if query.at_end() else text
        key, lits, _raw, n = normalize(text, keep_literals=True)
        select = translate(key, n, Context(context_db, lambda t: None)).text(lits)
        if not ct.columns and not ct.keys:
            written = run(f"CREATE TABLE {_pq(ct.table)} AS {select}")
            catalog.record_table(conn, ct.table, ct.options)
            return 0, _rows_of(written)
        return 0, _create_with_select(ct, select, run, conn, zone, fk_checks)
    return _create_columns(ct, run, conn, fk_checks), None


def _create_columns(ct: CreateTable, run: Run, conn: apsw.Connection, fk_checks: bool) -> int:
    """CREATE TABLE of the columns and keys ``ct`` declares."""
    if not ct.columns:
        raise SqlError("42000", "A table must have at least 1 column", errno=1113)
    deferred = [] if ct.temporary else _defer_foreign_keys(ct, conn)
    if deferred and fk_checks:
        raise SqlError("HY000", f"Failed to open the referenced table '{deferred[0][1]}'", errno=1824)
    create, indexes = create_table_pg(ct)
    run(create)
    for stmt in indexes:
        run(stmt)
    if not ct.temporary:
        catalog.record_columns(conn, ct.table, side_rows(ct.columns))
        catalog.record_table(conn, ct.table, ct.options)
    if "auto_increment" in ct.options:
        set_auto_increment(conn, ct.table, int(ct.options["auto_increment"]))
    if deferred:
        conn.execute(f"CREATE TABLE IF NOT EXISTS main.{_PENDING} "
                     "(child TEXT, name TEXT, parent TEXT, definition TEXT)")
        conn.executemany(f"INSERT INTO main.{_PENDING} VALUES (?, ?, ?, ?)",
                         [(ct.table, name, parent, d) for name, parent, d in deferred])
    if not ct.temporary:
        _add_deferred_foreign_keys(ct.table, run, conn)
    return 0


_PENDING = "_aurora_mysql_pending_fks"


def _defer_foreign_keys(ct: CreateTable, conn: apsw.Connection) -> list[tuple[str, str, str]]:
    """The foreign keys that name a table not made yet, as (name, parent, definition); with
    foreign_key_checks off (mysqldump makes tables in name order, a child before its parent)
    they are left out of the CREATE (their columns still get their index), to be added when
    the parent is made; with it on, the first is 1824."""
    deferred: list[tuple[str, str, str]] = []
    keys: list[KeySpec] = []
    n = 0
    for k in ct.keys:
        if k.kind == "foreign":
            n += 1
            m = re.match(r'REFERENCES "((?:[^"]|"")*)"', k.references)
            parent = m.group(1).replace('""', '"') if m else ""
            name = k.name or f"{ct.table}_ibfk_{n}"  # (MySQL's numbering, kept when one goes)
            if parent and parent.lower() != ct.table.lower() and not catalog.real_name(conn, parent):
                deferred.append((name, parent, f"FOREIGN KEY ({_key_parts(k.columns)}) {k.references}"))
                if not _indexed(k.columns, _leading_columns(ct)):
                    keys.append(KeySpec("index", name, k.columns))
                continue
            k = KeySpec("foreign", name, k.columns, k.references)
        keys.append(k)
    if deferred:
        ct.keys = keys
    return deferred


def _add_deferred_foreign_keys(parent: str, run: Run, conn: apsw.Connection) -> None:
    """The foreign keys left out of earlier CREATE TABLEs that name ``parent``, now that it
    exists: added NOT VALID (the rows written meanwhile are not checked, as MySQL does not
    check them when foreign_key_checks is turned back on)."""
    try:
        rows = conn.execute(f"SELECT rowid, child, name, definition FROM main.{_PENDING} "
                            "WHERE lower(parent) = lower(?)", (parent,)).fetchall()
    except apsw.SQLError:
        return  # (no table of them: none was ever left out)
    for rowid, child, name, definition in rows:
        if catalog.real_name(conn, child) is not None:
            run(f"ALTER TABLE {_pq(child)} ADD CONSTRAINT {_pq(name)} {definition} NOT VALID")
        conn.execute(f"DELETE FROM main.{_PENDING} WHERE rowid = ?", (rowid,))


def set_auto_increment(conn: apsw.Connection, table: str, next_id: int) -> None:
    """``AUTO_INCREMENT=n`` (CREATE or ALTER TABLE, and every mysqldump): the next id is n,
    or one more than the largest id when that is larger, as InnoDB does. The counter is
    SQLite's, of the AUTOINCREMENT table an AUTO_INCREMENT key makes; a table without one
    has none to set."""
    try:
        updated = conn.execute("UPDATE main.sqlite_sequence SET seq=? WHERE name=? RETURNING 1",
                               (next_id - 1, table)).fetchall()
        counts = conn.execute("SELECT 1 FROM main.sqlite_schema WHERE type='table' AND name=? "
                              "AND sql LIKE '%AUTOINCREMENT%'", (table,)).fetchall()
        if not updated and counts:
            conn.execute("INSERT INTO main.sqlite_sequence(name, seq) VALUES (?, ?)",
                         (table, next_id - 1))
    except apsw.SQLError:
        pass  # no AUTOINCREMENT table in the database yet: nothing counts ids


def create_index(sql: str, run: Run) -> None:
    m = re.match(
        r"\s*create\s+(unique\s+|fulltext\s+|spatial\s+)?index\s+(`[^`]+`|\w+)\s+"
        r"(?:using\s+\w+\s+)?on\s+(`[^`]+`|[\w.]+)\s*(\(.*\))",
        sql,
        re.I | re.S,
    )
    if not m:
        raise syntax_error(sql[:80])
    table = unquote(m.group(3).split(".")[-1])
    toks = Tokens(m.group(4))
    cols = _key_columns(toks)
    unique = "UNIQUE " if (m.group(1) or "").strip().lower() == "unique" else ""
    name = table + "_" + unquote(m.group(2))
    run(f"CREATE {unique}INDEX {_pq(name)} ON {_pq(table)} ({_key_parts(cols)})")


def drop_index(sql: str, run: Run) -> None:
    m = re.match(r"\s*drop\s+index\s+(`[^`]+`|\w+)\s+on\s+(`[^`]+`|[\w.]+)", sql, re.I)
    if not m:
        raise syntax_error(sql[:80])
    table = unquote(m.group(2).split(".")[-1])
    name = unquote(m.group(1))
    if name.lower() == "primary":
        raise SqlError("0A000", "dropping a primary key is not supported", errno=1235)
    run(f"DROP INDEX {_pq(table + '_' + name)}")


def alter_table(sql: str, run: Run, conn: apsw.Connection, zone: dt.tzinfo = dt.UTC) -> None:
    toks = Tokens(sql)
    toks.expect("alter")
    toks.accept("online")
    toks.accept("ignore")
    toks.expect("table")
    table = toks.name()
    t = _pq(table)
    rest = toks.toks[toks.i :]
    for spec in split_commas(rest):
        s = Tokens("")
        s.toks = spec
        if s.accept("add"):
            if s.accept("column") or parse_key_peek(s) is False:
                if s.peek() == "(":
                    raise SqlError("0A000", "ADD COLUMN (...) lists are not supported", errno=1235)
                name = unquote(s.next())
                col = parse_column(s, name, zone)
                if col.mytype.is_string and not col.collation:  # the table's, as in CREATE
                    desc = catalog.describe(conn, table)
                    col.collation = desc.collation if desc is not None else ""
                position = _position(s)
                implicit = _implicit_default(col)
                if implicit is not None:
                    # MySQL fills existing rows with the type's implicit default (0, '')
                    col.default_pg, col.not_null = implicit, False
                    run(f"ALTER TABLE {t} ADD COLUMN {col.pg(for_alter=True)}")
                    # SQLite keeps an added column's default in the schema for the rows that
                    # existed: write it into them before the default goes away.
                    run(f"UPDATE {t} SET {_pq(name)} = {implicit}")
                    run(f"ALTER TABLE {t} ALTER COLUMN {_pq(name)} SET NOT NULL")
                    run(f"ALTER TABLE {t} ALTER COLUMN {_pq(name)} DROP DEFAULT")
                    col.default_pg, col.not_null = None, True
                else:
                    run(f"ALTER TABLE {t} ADD COLUMN {col.pg(for_alter=True)}")
                    if col.default_pg not in (None, "NULL"):
                        # the existing rows' value lives in the schema until written: a later
                        # change of the default would otherwise change them too
                        run(f"UPDATE {t} SET {_pq(name)} = {_pq(name)}")
                catalog.record_columns(conn, table, side_rows([col]))
                _add_checks(table, col.checks, run, conn)
                if position is not None:
                    pg_ddl.move_column(conn, table, name, position[0])
                continue
            key = parse_key(s)
            if key is None:  # (ADD CONSTRAINT name name2 ...: neither a key nor a column)
                raise syntax_error(s.rest_text()[:80] or sql[:80])
            cols = _key_parts(key.columns) if key.kind != "check" else ""
            unnamed = None
            if key.columns and isinstance(key.columns[0], KeyExpression):
                prefix = table.lower() + "_"
                unnamed = _functional_name({
                    n.lower()[len(prefix):] for (n,) in conn.execute(
                        "SELECT name FROM pragma_index_list(?)", (table,)).fetchall()
                    if n.lower().startswith(prefix)})
            if key.kind == "index":
                iname = key.name or unnamed or key.columns[0]
                run(f"CREATE INDEX {_pq(table + '_' + iname)} ON {t} ({cols})")
            elif key.kind == "unique":
                iname = key.name or unnamed or key.columns[0]
                run(f"CREATE UNIQUE INDEX {_pq(table + '_' + iname)} ON {t} ({cols})")
            elif key.kind == "primary":
                run(f"ALTER TABLE {t} ADD PRIMARY KEY ({cols})")
            elif key.kind == "foreign":
                name = key.name or f"{table}_ibfk_1"
                run(f"ALTER TABLE {t} ADD CONSTRAINT {_pq(name)} FOREIGN KEY ({cols}) {key.references}")
                desc = catalog.describe(conn, table)
                lists = ([list(desc.primary)] + [[c for c in i.columns if c] for i in desc.indexes]
                         if desc is not None else [])
                if not _indexed(key.columns, lists):  # (as CREATE TABLE does: see there)
                    run(f"CREATE INDEX {_pq(table + '_' + (key.name or str(key.columns[0])))} ON {t} ({cols})")
            elif key.kind == "check":
                _add_checks(table, [key], run, conn)
        elif s.accept("drop"):
            if s.accept("primary", "key"):
                raise SqlError("0A000", "dropping a primary key is not supported", errno=1235)
            if s.accept("foreign", "key") or s.accept("constraint") or s.accept("check"):
                run(f"ALTER TABLE {t} DROP CONSTRAINT {_pq(unquote(s.next()))}")
            elif s.accept("index") or s.accept("key"):
                run(f"DROP INDEX {_pq(table + '_' + unquote(s.next()))}")
            else:
                s.accept("column")
                name = unquote(s.next())
                run(f"ALTER TABLE {t} DROP COLUMN {_pq(name)}")
                catalog.forget(conn, table, name)
        elif s.accept("modify"):
            s.accept("column")
            name = unquote(s.next())
            position = _modify(table, name, name, s, run, conn, zone)
            if position is not None:
                pg_ddl.move_column(conn, table, name, position[0])
        elif s.accept("change"):
            s.accept("column")
            old = unquote(s.next())
            new = unquote(s.next())
            position = _modify(table, old, new, s, run, conn, zone)
            if position is not None:
                pg_ddl.move_column(conn, table, new, position[0])
        elif s.accept("rename", "column"):
            old = unquote(s.next())
            s.expect("to")
            new = unquote(s.next())
            run(f"ALTER TABLE {t} RENAME COLUMN {_pq(old)} TO {_pq(new)}")
            catalog.rename_column(conn, table, old, new)
        elif s.accept("rename", "index") or s.accept("rename", "key"):
            old = unquote(s.next())
            s.expect("to")
            new = unquote(s.next())
            run(f"ALTER INDEX {_pq(table + '_' + old)} RENAME TO {_pq(table + '_' + new)}")
        elif s.accept("rename"):
            if not s.accept("to"):
                s.accept("as")
            new = s.name()
            run(f"ALTER TABLE {t} RENAME TO {_pq(new)}")
            catalog.rename(conn, table, new)
            table, t = new, _pq(new)
        elif s.accept("alter"):
            s.accept("column")
            name = unquote(s.next())
            if s.accept("set", "default"):
                col = catalog.describe(conn, table)
                spec_col = next((c for c in (col.columns if col else []) if c.name.lower() == name.lower()), None)
                mt = _mytype_of(spec_col, name, conn, table)
                shown, pg = _default(s, mt, zone)
                run(f"ALTER TABLE {t} ALTER COLUMN {_pq(name)} SET DEFAULT {pg}")
                conn.execute(
                    "UPDATE _aurora_mysql_columns SET default_sql=? WHERE lower(table_name)=lower(?)"
                    " AND lower(column_name)=lower(?)",
                    (shown, table, name),
                )
            elif s.accept("drop", "default"):
                run(f"ALTER TABLE {t} ALTER COLUMN {_pq(name)} DROP DEFAULT")
                conn.execute(
                    "UPDATE _aurora_mysql_columns SET default_sql=NULL WHERE lower(table_name)="
                    "lower(?) AND lower(column_name)=lower(?)",
                    (table, name),
                )
        else:
            # ENGINE=, CONVERT TO CHARACTER SET, ALGORITHM=, LOCK=, comments: options only
            opts = parse_table_options(s)
            if "auto_increment" in opts:
                set_auto_increment(conn, table, int(opts.pop("auto_increment")))
            if opts:
                desc = catalog.describe(conn, table)
                if desc is not None:
                    merged = {"engine": desc.engine, "charset": desc.charset,
                              "collation": desc.collation, "comment": desc.comment}
                    merged.update(opts)
                    catalog.record_table(conn, table, merged)


def _implicit_default(col: ColumnSpec) -> str | None:
    """The value MySQL gives existing rows for a new NOT NULL column without a DEFAULT."""
    if not col.not_null or col.default_pg is not None or col.auto_increment or col.primary:
        return None
    if col.mytype.is_integer or col.mytype.pg.startswith(("numeric", "real", "double")):
        return "0"
    if col.mytype.is_string and not col.mytype.enum_check:
        return "''"
    return None


def parse_key_peek(s: Tokens) -> bool:
    """False when what follows ADD is a column, not a key."""
    w = s.peek_word()
    return w in ("constraint", "primary", "unique", "key", "index", "fulltext", "spatial",
                 "foreign", "check")


def _position(s: Tokens) -> tuple[str | None] | None:
    """A column's ``FIRST`` or ``AFTER col``: (None,) or (col,); None when neither follows."""
    if s.accept("first"):
        return (None,)
    if s.accept("after"):
        return (unquote(s.next()),)
    return None


def _mytype_of(
    col: catalog.ColumnDesc | None, name: str, conn: apsw.Connection, table: str
) -> mytypes.MyType:
    if col is None:
        return mytypes.MyType("text", "text")
    m = re.match(r"(\w+)(?:\((.*)\))?(\s+unsigned)?", col.mysql_type)
    assert m
    args = [a.strip() for a in (m.group(2) or "").split(",") if a.strip()]
    try:
        mt = mytypes.column_type(m.group(1), args, bool(m.group(3)), name)
    except ValueError:
        return mytypes.MyType(col.mysql_type, "text")
    if mt.pg_base == "timestamptz" and _stored_oid(conn, table, name) == 1114:
        # a TIMESTAMP made before time_zone applied is a PostgreSQL timestamp
        mt = dataclasses.replace(mt, pg="timestamp")
    return mt


def _stored_oid(conn: apsw.Connection, table: str, column: str) -> int | None:
    """The PostgreSQL type OID the session stores ``table.column`` as."""
    try:
        got = conn.execute(
            "SELECT type_oid FROM _aurora_columns WHERE lower(table_name)=lower(?) "
            "AND lower(column_name)=lower(?)", (table, column)).fetchall()
    except apsw.SQLError:
        return None
    return got[0][0] if got else None


def _add_checks(table: str, checks: list[KeySpec], run: Run, conn: apsw.Connection) -> None:
    """ALTER TABLE's CHECKs: an unnamed one takes the table's next t_chk_N."""
    from aurora.engine.sql.mysql.translate import expression_to_pg

    for check in checks:
        if check.kind != "check":
            continue
        name = check.name
        if not name:
            rows = conn.execute(
                "SELECT sql FROM main.sqlite_schema WHERE type='table' AND name=?", (table,)).fetchall()
            taken = [int(n) for n in re.findall(
                r'"' + re.escape(table) + r'_chk_(\d+)"', rows[0][0] if rows else "", re.I)]
            name = f"{table}_chk_{max(taken, default=0) + 1}"
        run(f"ALTER TABLE {_pq(table)} ADD CONSTRAINT {_pq(name)} CHECK ({expression_to_pg(check.check)})")


def _modify(
    table: str, old: str, new: str, s: Tokens, run: Run, conn: apsw.Connection, zone: dt.tzinfo
) -> tuple[str | None] | None:
    """MODIFY / CHANGE of one column; returns its FIRST / AFTER (``_position``), for the
    caller to move it once changed."""
    t = _pq(table)
    col = parse_column(s, new, zone)
    position = _position(s)
    desc = catalog.describe(conn, table)
    cur = next((c for c in (desc.columns if desc else []) if c.name.lower() == old.lower()), None)
    if cur is None:
        raise SqlError("42S22", f"Unknown column '{old}' in '{table}'", errno=1054)
    if old != new:
        run(f"ALTER TABLE {t} RENAME COLUMN {_pq(old)} TO {_pq(new)}")
    c = _pq(new)
    old_type = _mytype_of(cur, new, conn, table)
    if old_type.check != col.mytype.check:
        # whichever kind the old CHECK was (a range, an ENUM's list, TIMESTAMP's range); it
        # goes before the values are converted, the new one comes after
        for prefix in mytypes.CHECK_PREFIXES:
            run(f"ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {_pq(prefix + old)}")
            if old != new:
                run(f"ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {_pq(prefix + new)}")
    if old_type.pg != col.mytype.pg:
        run(f"ALTER TABLE {t} ALTER COLUMN {c} TYPE {col.mytype.pg} USING {c}")
        if {old_type.pg_base, col.mytype.pg_base} == {"timestamp", "timestamptz"}:
            # The session keeps the stored values as they were: read each as its old kind
            # and store it as the new one (a DATETIME becomes the instant its wall time is in
            # the session's zone, a TIMESTAMP that zone's wall time), as MySQL converts them.
            # A TIMESTAMP made before time_zone applied held UTC's wall times (NOW() was UTC).
            # (pg_text: the stored text as it is; a cast to text prints the new type's output)
            value = (f"CAST(pg_text({c}) || '+00:00' AS timestamptz)"
                     if cur.mysql_type.startswith("timestamp") and old_type.pg == "timestamp"
                     else f"CAST(pg_text({c}) AS {old_type.pg_base})")
            run(f"UPDATE {t} SET {c} = {value}")
    if old_type.check != col.mytype.check and col.mytype.check:
        name = col.mytype.check_prefix + new
        run(f"ALTER TABLE {t} ADD CONSTRAINT {_pq(name)} CHECK ({col.mytype.check})")
    if col.not_null and cur.nullable:
        run(f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL")
    elif not col.not_null and not cur.nullable and not cur.pk:
        run(f"ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL")
    if col.default_pg is not None:
        run(f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {col.default_pg}")
    elif cur.default_sql is not None and "auto_increment" not in cur.extra:
        run(f"ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")
    if col.auto_increment or "auto_increment" in cur.extra:
        col.auto_increment = True
    catalog.forget(conn, table, old)
    catalog.record_columns(conn, table, side_rows([col]))
    _add_checks(table, col.checks, run, conn)
    return position
