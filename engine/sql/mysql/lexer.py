"""MySQL text before sqlglot sees it: statement splitting and literal normalisation.

:func:`normalize` replaces every literal and ``?`` of a statement with a sentinel string
(``'__myl3__'`` a number, ``'__mys4__'`` a string, ``'__myp1__'`` a ``?``) so one
translation serves every text that differs only in its values: the sentinel text is the
cache key and what sqlglot parses (a literal's kind is in it: ``'a' = 'A'`` compares
strings, ``'5' = 5`` numbers). Each literal comes
back as PostgreSQL literal text (MySQL's backslash escapes decoded, quotes doubled), which
the session splices into the translated text; the PostgreSQL session then caches on its own
normalised text. A literal after ``INTERVAL`` stays in the key (it is part of the syntax).
"""

from __future__ import annotations

import re

_TOKENS = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>(?:--(?=\s)|\#)[^\n]*|/\*(?!!)[\s\S]*?\*/)
  | (?P<vopen>/\*!\d*)
  | (?P<vclose>\*/)
  | (?P<str>'(?:[^'\\]|\\[\s\S]|'')*'|"(?:[^"\\]|\\[\s\S]|"")*")
  | (?P<ident>`(?:[^`]|``)*`)
  | (?P<hex>(?<![\w$])(?:[xX]'[0-9a-fA-F]*'|[bB]'[01]*'|0x[0-9a-fA-F]+\b|0b[01]+\b))
  | (?P<num>(?<![\w$.@])(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w$]))
  | (?P<param>\?)
  | (?P<word>[@A-Za-z_$][\w$@]*)
  | (?P<semi>;)
  | (?P<other>.)
    """,
    re.X,
)

_ESCAPES = {"0": "\0", "'": "'", '"': '"', "b": "\b", "n": "\n", "r": "\r", "t": "\t",
            "Z": "\x1a", "\\": "\\", "%": "\\%", "_": "\\_"}
_ESC = re.compile(r"\\([\s\S])")

SENTINEL = re.compile(r"'__my([lsp])(\d+)__'")


def string_value(tok: str) -> str:
    """The value of a MySQL quoted string token (either quote, backslash escapes)."""
    q = tok[0]
    body = tok[1:-1]
    if "\\" in body:
        body = _ESC.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)
    return body.replace(q + q, q)


def pg_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def split(text: str) -> list[str]:
    """Statements of a multi-statement text, without their semicolons; empty ones dropped."""
    if ";" not in text and "/*" not in text and "#" not in text and "--" not in text:
        one = text.strip()  # the usual text: one statement, no comment (nothing to scan)
        return [one] if one else []
    return _split_scanned(text)


def _split_scanned(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _TOKENS.finditer(text):
        if m.lastgroup == "semi":
            part = text[start : m.start()].strip()
            if part:
                out.append(part)
            start = m.end()
    tail = text[start:].strip()
    if tail and strip_comments(tail).strip():
        out.append(tail)
    return out


def strip_comments(text: str) -> str:
    """The text without comments; an executable comment ``/*!80000 x */`` keeps ``x``."""
    if "/*" not in text and "#" not in text and "--" not in text:
        return text
    parts: list[str] = []
    for m in _TOKENS.finditer(text):
        kind = m.lastgroup
        if kind == "comment" or kind in ("vopen", "vclose"):
            parts.append(" ")
        else:
            parts.append(m.group())
    return "".join(parts).strip()


_FIRST = re.compile(r"\s*(?:/\*[\s\S]*?\*/\s*|(?:--\s|#)[^\n]*\n\s*)*\(*\s*([A-Za-z]+)")


def first_word(sql: str) -> str:
    m = _FIRST.match(sql)
    return m.group(1).lower() if m else ""


_CHARSETS = ("binary|utf8mb4|utf8mb3|utf8|latin1|ascii|ucs2|utf16le|utf16|utf32|cp1250|cp1251|"
             "cp1256|cp1257|cp850|cp852|cp866|cp932|latin2|latin5|latin7|greek|hebrew|"
             "koi8r|koi8u|sjis|ujis|euckr|gb2312|gbk|gb18030|big5|tis620|armscii8|geostd8|"
             "keybcs2|macce|macroman|swe7|dec8|hp8|eucjpms")
# a string's character set introducer (_utf8mb4'x', _binary 'x') or N'x' (MySQL's national
# character set, utf8)
_INTRODUCER = re.compile(rf"(?:_(?:{_CHARSETS})\s*|[nN])(?=['\"])", re.I)
_LITERALS = re.compile(
    rf"(?<![\w$.@])(?:_(?:{_CHARSETS})\s*|[nN])"
    r"""(?:'(?:[^'\\]|\\[\s\S]|'')*'|"(?:[^"\\]|\\[\s\S]|"")*")"""
    r"""|'(?:[^'\\]|\\[\s\S]|'')*'|"(?:[^"\\]|\\[\s\S]|"")*"|`(?:[^`]|``)*`"""
    r"|(?:--(?=\s)|\#)[^\n]*|/\*[\s\S]*?\*/"
    r"|(?<![\w$.@])(?:[xX]'[0-9a-fA-F]*'|[bB]'[01]*'|0x[0-9a-fA-F]+\b|0b[01]+\b)"
    r"|(?<![\w$.@])(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w$])"
    r"|\?"
)
_INTERVAL = re.compile(r"interval\s*$", re.I)
_LIMIT = re.compile(r"\b(?:limit|offset)\s*$|\blimit\s+[\w.']+\s*,\s*$", re.I)
# a byte of the statement that was no UTF-8, kept as a lone surrogate (surrogateescape)
_UNDECODED = re.compile("[\udc80-\udcff]")


def undecoded_outside_strings(sql: str) -> str | None:
    """The first bytes that are no UTF-8 outside a string literal or a comment (the server
    takes such bytes inside one only), in hex as MySQL's 1300 shows them; None when none."""
    if not _UNDECODED.search(sql):
        return None
    for m in _TOKENS.finditer(sql):
        bad = _UNDECODED.search(m.group()) if m.lastgroup not in ("str", "comment") else None
        if bad is not None:
            at = m.start() + bad.start()
            return sql[at:at + 4].encode("utf-8", "surrogateescape").hex().upper()
    return None


QUOTES = "'\""


def normalize(sql: str, keep_literals: bool = False) -> tuple[str, list[str], list[str], int]:
    """(key, PostgreSQL texts of the literals, their MySQL source texts, number of ``?``).

    Comments are dropped from the key; a hex or bit literal stays in it (sqlglot knows it),
    and so does every literal with ``keep_literals`` (only ``?`` is replaced).
    """
    if "/*!" in sql:
        sql = strip_comments(sql)
    lits: list[str] = []
    raw: list[str] = []
    nparam = 0

    def one(m: re.Match[str]) -> str:
        nonlocal nparam
        tok = m.group()
        c = tok[0]
        if c in "_nN" and (intro := _INTRODUCER.match(tok)):
            # a character set introducer: the string as it is, but _binary's, which is the
            # bytes the string holds (a hex literal, as mysqldump's BLOB values are read)
            tok = tok[intro.end():]
            if intro.group().strip().lower() == "_binary":
                return "X'" + string_value(tok).encode("utf-8", "surrogateescape").hex() + "'"
            c = tok[0]
        if c == "?":
            nparam += 1
            return f"'__myp{nparam}__'"
        if c == "`" or (c in "xXbB0" and len(tok) > 1 and tok[1] in "'xb"):
            return tok
        if c in "-#/" and (tok.startswith(("--", "#", "/*"))):
            return " "
        if c in QUOTES and _UNDECODED.search(tok):
            # bytes that are no UTF-8 (a dump's BLOB value written raw): the string's bytes
            return "X'" + string_value(tok).encode("utf-8", "surrogateescape").hex() + "'"
        if keep_literals or _INTERVAL.search(sql, max(0, m.start() - 12), m.start()):
            return tok
        if c not in QUOTES and ("e" in tok or "E" in tok):
            return tok  # a DOUBLE by its form (2.5e0): kept, the translation types it so
        if c not in QUOTES and "." in tok and _LIMIT.search(sql, max(0, m.start() - 60), m.start()):
            return tok  # LIMIT 1.5: kept, for the translation to refuse (1064)
        if c == "'" and "\\" not in tok:
            lits.append(tok)
        elif c in "'\"":
            lits.append(pg_string(string_value(tok)))
        else:
            lits.append(tok)
        raw.append(tok)
        return f"'__my{'s' if c in QUOTES else 'l'}{len(lits)}__'"

    key = _LITERALS.sub(one, sql).strip()
    return key, lits, raw, nparam


def literal(v: object) -> str:
    """A Python value as MySQL literal text."""
    import datetime as dt

    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "X'" + bytes(v).hex() + "'"
    if isinstance(v, (dt.date, dt.time, dt.datetime)):
        return "'" + v.isoformat(sep=" ") + "'" if isinstance(v, dt.datetime) else f"'{v}'"
    text = str(v).replace("\\", "\\\\").replace("'", "''")
    return "'" + text + "'"


def inline_params(sql: str, params: list[object] | tuple[object, ...]) -> str:
    """``?`` replaced by the parameters as literals (for statements run without a plan)."""
    values = iter(params)

    def one(m: re.Match[str]) -> str:
        tok = m.group()
        return literal(next(values, None)) if tok == "?" else tok

    return _LITERALS.sub(one, sql)


def tokens(sql: str) -> list[tuple[str, str]]:
    """(kind, text) of each token but spaces and comments."""
    return [
        (m.lastgroup or "", m.group())
        for m in _TOKENS.finditer(sql)
        if m.lastgroup not in ("space", "comment", "vopen", "vclose")
    ]


def unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "`\"'":
        q = name[0]
        return name[1:-1].replace(q + q, q)
    return name


def like_regex(pattern: str) -> re.Pattern[str]:
    """A MySQL LIKE pattern (case-insensitive, ``\\`` escapes) as a regex."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.I | re.S)
