"""Lexical work on PostgreSQL text without parsing it: statement splitting and literal
normalisation for the translation cache.

:func:`normalize` replaces the literals of a DML statement by numbered placeholders so that
statements differing only in their literal values (pgbench's simple mode pastes them) share
one cached translation. Literals that change meaning when parameterised stay in the text:
ORDER BY / GROUP BY ordinals, type modifiers (``numeric(10,2)``), typed literals
(``INTERVAL '1 day'``), E'' and dollar-quoted strings, bit strings (``B'0101'``).
"""

from __future__ import annotations

import re

from aurora.engine.sql import numeric
from aurora.engine.sqlapi import SqlError

_TOKEN = re.compile(
    r"""
    (?P<s>'(?:[^']|'')*')
  | (?P<e>[eE]'(?:[^'\\]|\\.|'')*')
  | (?P<d>\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?(tag)(?P=tag))\$)
  | (?P<q>"(?:[^"]|"")*")
  | (?P<c>--[^\n]*|/\*.*?\*/)
  | (?P<n>(?<![\w$.])(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)(?![\w.]))
  | (?P<w>[A-Za-z_][\w$]*)
  | (?P<p>\$\d+)
  | (?P<o>::|[(),;\[\]])
    """,
    re.S | re.X,
)

_SPLIT = re.compile(
    r"""'(?:[^']|'')*'|[eE]'(?:[^'\\]|\\.|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/
      |\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?(tag)(?P=tag))\$|(?P<semi>;)|[^'"\-/$;eE]+|.""",
    re.S | re.X,
)

# Words after which a following literal is part of a type or a typed literal.
_TYPE_WORDS = frozenset(
    [
        "interval",
        "date",
        "time",
        "timestamp",
        "timestamptz",
        "timetz",
        "numeric",
        "decimal",
        "varchar",
        "char",
        "character",
        "bit",
        "varbit",
        "varying",  # bit varying(n), character varying(n)
        "float",
        "double",
        "precision",
        "json",
        "jsonb",
        "uuid",
        "bytea",
        "inet",
        "cidr",
        "money",
        # typed literals of the base types: bool 't', int2 '2', text 'x'
        "bool",
        "boolean",
        "int2",
        "int4",
        "int8",
        "smallint",
        "integer",
        "bigint",
        "int",
        "float4",
        "float8",
        "real",
        "text",
        "name",
        "oid",
        "bpchar",
        "timetz",
    ]
)
_ORDINAL_END = frozenset(
    [
        "limit",
        "offset",
        "having",
        "from",
        "where",
        "union",
        "intersect",
        "except",
        "for",
        "window",
        "fetch",
        "returning",
    ]
)
_DML = frozenset(("select", "insert", "update", "delete", "with", "values"))
# Statements with none of these need no context tracking: a plain regex pass is exact.
# (Scanning the words and testing a set is about three times faster than one regex search.)
_RISKY_SCAN = re.compile(r"[ebx]'|[a-z_][a-z0-9_$]*|::|\[|\$[a-z_]*\$")
_RISKY_TOKENS = frozenset(
    [
        "by",
        "preceding",
        "following",
        "interval",
        "date",
        "time",
        "timestamp",
        "timestamptz",
        "timetz",  # (every word of _TYPE_WORDS a literal may follow)
        "numeric",
        "decimal",
        "varchar",
        "char",
        "character",
        "bit",
        "varbit",
        "float",
        "double",
        "json",
        "jsonb",
        "uuid",
        "bytea",
        "money",
        "inet",
        "cidr",
        "collate",
        "bool",
        "boolean",
        "int2",
        "int4",
        "int8",
        "smallint",
        "integer",
        "bigint",
        "int",
        "float4",
        "float8",
        "real",
        "text",
        "name",
        "oid",
        "bpchar",
        "::",
        "[",
        "e'",
        "b'",
        "x'",
        "$$",
    ]
)


def _risky(text: str) -> bool:
    toks = _RISKY_SCAN.findall(text.lower())
    if _RISKY_TOKENS.isdisjoint(toks):
        return any(t[0] == "$" for t in toks)
    return True


_SIMPLE = re.compile(
    r"""(?P<s>'(?:[^']|'')*')|(?P<n>(?<![\w$.])(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)(?![\w.]))
        |"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/""",
    re.S | re.X,
)
# A minus sign right before a number that follows an operator, "(" or ",": a negative literal.
_NEGATES = re.compile(
    r"(?:[-+*/%=<>(,]|\b(?:and|or|not|then|else|when|values|select|return))\s*-\s*\Z", re.I
)
_FIRST_WORD = re.compile(r"\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*\(*\s*([A-Za-z]+)", re.S)


def split(text: str) -> list[str]:
    """Split a simple-query string into statements, dropping empty ones."""
    if ";" not in text:
        return [text] if _has_content(text) else []
    if not _QUOTING.search(text):
        # No quotes, comments or dollar quotes: every ";" ends a statement (pgbench's
        # simple-protocol queries, mostly; the scan below costs ten times more).
        return [stmt for stmt in text.split(";") if _has_content(stmt)]
    return _split_scanned(text)


def _split_scanned(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _SPLIT.finditer(text):
        if m.group("semi"):
            stmt = text[start : m.start()]
            if _has_content(stmt):
                out.append(stmt)
            start = m.end()
    tail = text[start:]
    if _has_content(tail):
        out.append(tail)
    return out


_BLANK = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)
_QUOTING = re.compile(r"['\"$]|--|/\*")  # what can hide a ";" from split


def _has_content(s: str) -> bool:
    m = _BLANK.fullmatch(s)
    return m is None


# A ``$n`` is a parameter only outside string literals, dollar quotes, quoted names and
# comments, and not inside a name (``a$1`` is one identifier): every alternative but the last
# consumes one of those whole, so the last matches real parameters only.
_PARAMS = re.compile(
    r"""'(?:[^']|'')*'|[eE]'(?:[^'\\]|\\.|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/
      |\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?(tag)(?P=tag))\$|[^\W\d]\w*(?:\$\w*)*
      |\$(?P<n>\d+)""",
    re.S | re.X,
)


def param_count(text: str) -> int:
    """The highest ``$n`` parameter ``text`` uses (0 for none)."""
    if "$" not in text:
        return 0
    return max((int(n) for m in _PARAMS.finditer(text) if (n := m.group("n"))), default=0)


def spaced_params(text: str) -> str:
    """``text`` with a space after each ``$n`` parameter (sqlglot reads ``$1,$2`` as a
    dollar-quoted string); literals and comments are left as they are."""
    if "$" not in text:
        return text
    return _PARAMS.sub(lambda m: m.group() + " " if m.group("n") else m.group(), text)


def first_word(text: str) -> str:
    m = _FIRST_WORD.match(text)
    return m.group(1).lower() if m else ""


_ADJACENT = re.compile(r"'(?:\s|--[^\n\r]*)+'")
_GAP = re.compile(r"(?:[ \t\f\r\n]|--[^\n\r]*)*")


def continued_strings(text: str) -> str:
    """String constants side by side: separated by whitespace with a newline they are one
    constant (PostgreSQL's quote continuation); on one line, a syntax error."""
    if "'" not in text or not _ADJACENT.search(text):
        return text
    parts: list[str] = []
    pos = 0
    prev: re.Match | None = None
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "c" and m.group().startswith("--"):
            continue
        if kind == "s" and prev is not None and _GAP.fullmatch(text, prev.end(), m.start()):
            if "\n" not in text[prev.end():m.start()] and "\r" not in text[prev.end():m.start()]:
                raise SqlError("42601", f'syntax error at or near "{m.group()}"')
            parts.append(text[pos:prev.end() - 1])
            pos = m.start() + 1
        prev = m if kind in ("s", "e") else None
    return "".join(parts) + text[pos:] if parts else text


def normalize(text: str, first_param: int) -> tuple[str, list[tuple[str, str]]] | None:
    """``(key, literals)``: the text with literals replaced by ``$n`` (n from ``first_param``)
    and the replaced literals as ``(kind, token)`` with kind ``'s'`` or ``'n'``.

    None when the statement is not DML (DDL, SET, ... are cached on their exact text).
    """
    if first_word(text) not in _DML:
        return None
    text = continued_strings(text)
    if "&'" in text and re.search(r"[uU]&'", text):
        return None  # U&'...' escapes are decoded at translation: kept in the text
    lits: list[tuple[str, str]] = []
    if not _risky(text):
        parts: list[str] = []
        pos = 0
        for m in _SIMPLE.finditer(text):
            kind = "s" if m.group("s") else "n" if m.group("n") else None
            if kind is None:
                continue
            start = m.start()
            tok = m.group()
            if (
                kind == "n"
                and text[start - 1 : start] in ("-", " ")
                and _NEGATES.search(text[max(0, start - 12) : start])
            ):
                # "x + -5" and "x + 5" share a plan: the sign belongs to the literal.
                start = text.rindex("-", 0, start)
                tok = "-" + tok
            if kind == "n" and _sign_folded(text, start, tok):
                continue
            parts.append(text[pos:start])
            lits.append((kind, tok))
            parts.append(f"${first_param + len(lits) - 1}")
            pos = m.end()
        parts.append(text[pos:])
        return "".join(parts), lits
    return _normalize_tracked(text, first_param)


def _sign_folded(text: str, start: int, tok: str) -> bool:
    """An integer of 10 digits or more after a minus sign (parentheses between too): it stays
    in the text, as PostgreSQL's parser takes the sign into the constant and types it by the
    signed value (-2147483648 is an integer, -(-2147483648) a bigint)."""
    digits = tok.lstrip("-")
    # (not past bigint's range: SQLite would read such a constant in the text as a REAL)
    return digits.isdigit() and 10 <= len(digits) <= 19 and int(digits) < 2**63 \
        and text[:start].rstrip("( \t\r\n").endswith("-")


def _normalize_tracked(text: str, first_param: int) -> tuple[str, list[tuple[str, str]]]:
    lits: list[tuple[str, str]] = []
    parts: list[str] = []
    pos = 0
    prev = ""  # previous significant token, lower-cased
    prev2 = ""
    ordinals = False  # inside ORDER BY / GROUP BY
    type_paren = 0  # depth inside a type modifier's parentheses
    depth = 0
    # A window frame's offsets stay in the text: SQLite takes no function call there, so
    # translate.py folds them into constants (``'1 day'::interval preceding``).
    frame_depth = -1
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        tok = m.group()
        if kind == "c":
            continue
        if kind == "tag":
            kind = "d"
        low = tok.lower()
        keep = True
        if kind == "s":
            # B'0101' / X'1F' is a bit string, read at translation: its prefix is no word
            bits = prev in ("b", "x") and text[m.start() - 1 : m.start()].lower() == prev
            keep = prev in _TYPE_WORDS or prev == "collate" or bits
        elif kind == "n":
            keep = (
                type_paren > 0 or (ordinals and prev in ("by", ",")) or prev == "[" or prev2 == "["
            )
        if frame_depth >= 0 and kind in ("s", "n"):
            keep = True
        if kind == "n" and _sign_folded(text, m.start(), tok):
            keep = True
        if kind in ("s", "n") and not keep:
            parts.append(text[pos : m.start()])
            lits.append((kind, tok))
            parts.append(f"${first_param + len(lits) - 1}")
            pos = m.end()
        if kind == "w":
            if low in ("rows", "range", "groups") and depth > 0 and frame_depth < 0:
                frame_depth = depth
            if low == "by" and prev in ("order", "group"):
                ordinals = True
            elif low in _ORDINAL_END:
                ordinals = False
        elif kind == "o":
            if tok == "(":
                depth += 1
                if type_paren or prev in _TYPE_WORDS or (
                        prev == "second" and prev2 in ("interval", "to")):  # interval second(0)
                    type_paren += 1
            elif tok == ")":
                if depth == frame_depth:
                    frame_depth = -1
                depth -= 1
                if type_paren:
                    type_paren -= 1
                if ordinals and depth < 0:
                    ordinals = False
        prev2 = prev
        prev = low
    parts.append(text[pos:])
    return "".join(parts), lits


def param_template(text: str) -> tuple[str, list[int]]:
    """``text`` with each ``$n`` parameter replaced by ``$``, and the numbers in order."""
    numbers: list[int] = []

    def take(m: re.Match) -> str:
        n = m.group("n")
        if n is None:
            return m.group()
        numbers.append(int(n))
        return "$"

    return _PARAMS.sub(take, text), numbers


_ROW_TOKENS = re.compile(
    r"""'(?:[^']|'')*'|[eE]'(?:[^'\\]|\\.|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/
      |\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?(tag)(?P=tag))\$|(?P<p>[(),;])|(?P<w>[^\W\d][\w$]*)
      |(?P<x>\S)""",
    re.S | re.X,
)


def values_rows(text: str) -> tuple[int, list[tuple[int, int]], int] | None:
    """For ``INSERT INTO ... VALUES (...), (...) [tail]``: where the first row starts, the
    ``(start, end)`` of each row, parentheses included, and where the last row ends."""
    if first_word(text) != "insert":
        return None
    rows: list[tuple[int, int]] = []
    depth = 0
    start = -1
    state = "before"  # before VALUES | row (a row may start) | comma (a comma may follow)
    for m in _ROW_TOKENS.finditer(text):
        p, w = m.group("p"), m.group("w")
        if state == "before":
            if p == "(":
                depth += 1
            elif p == ")":
                depth -= 1
            elif w is not None and depth == 0 and w.lower() == "values":
                state = "row"
            continue
        if depth == 0:
            if state == "row" and p == "(":
                start, depth = m.start(), 1
                continue
            if state == "comma" and p == ",":
                state = "row"
                continue
            break
        if p == "(":
            depth += 1
        elif p == ")":
            depth -= 1
            if depth == 0:
                rows.append((start, m.end()))
                state = "comma"
    if not rows or state != "comma":
        return None
    return rows[0][0], rows, rows[-1][1]


def shift_sqlite_params(sqlite_text: str, offset: int) -> str:
    """Generated SQLite text with each ``?N`` renumbered ``?(N + offset)``."""

    def shift(m: re.Match) -> str:
        n = m.group("n")
        if not n:
            return m.group()
        return f"?{int(n) + offset}"

    return _SQLITE_PARAMS.sub(shift, sqlite_text)


# Parameters of generated SQLite text: ``?N`` or ``?`` outside SQLite's quoted forms.
_SQLITE_PARAMS = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|--[^\n]*|/\*.*?\*/
      |\?(?P<n>\d*)""",
    re.S | re.X,
)


def inline_params(sqlite_text: str, values: list[object]) -> str:
    """SQLite text with each ``?N`` replaced by ``values[N-1]`` as a SQLite literal.

    For statements with more parameters than SQLite binds (SQLITE_MAX_VARIABLE_NUMBER,
    32,766; PostgreSQL takes 65,535). ``values`` are in storage form (None, int, float, str,
    bytes), and each literal has the value and storage class the binding would have had.
    """
    last = 0

    def literal(m: re.Match) -> str:
        nonlocal last
        n = m.group("n")
        if n is None:
            return m.group()
        last = int(n) if n else last + 1
        return _sqlite_literal(values[last - 1])

    return _SQLITE_PARAMS.sub(literal, sqlite_text)


def _sqlite_literal(v: object) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        if v == -(2**63):
            return "(-9223372036854775807-1)"
        return f"({v})" if v < 0 else str(v)
    if isinstance(v, float):
        if v != v:
            return "NULL"  # SQLite binds a NaN as NULL
        text = repr(v) if abs(v) != float("inf") else ("9e999" if v > 0 else "-9e999")
        return f"({text})" if text.startswith("-") else text
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "X'" + bytes(v).hex() + "'"
    text = str(v)
    if "\0" in text:  # SQLite's tokenizer ends a literal at NUL: spell it as a blob
        return "CAST(X'" + text.encode("utf-8").hex() + "' AS TEXT)"
    return "'" + text.replace("'", "''") + "'"


def literal_value(kind: str, tok: str) -> object:
    """The Python value to bind for a literal token taken out by :func:`normalize`."""
    if kind == "s":
        return tok[1:-1].replace("''", "'")
    if "." in tok or "e" in tok or "E" in tok:
        # A numeric literal keeps its digits and its scale ('1.50' stays text, 0.5 a REAL).
        return numeric.scaled(numeric.parse(tok))
    v = int(tok)
    if v >= 2**63:
        return tok
    return v
