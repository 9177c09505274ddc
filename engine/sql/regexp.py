"""PostgreSQL's regexp_* functions, format and quote_*, string_to_array, width_bucket,
json_typeof.

Patterns run on Python's ``regex`` module (PostgreSQL's ARE syntax is close to it for what
clients send) with PostgreSQL's defaults: ``.`` matches a newline unless the ``n`` flag is
given. Arrays are returned in this engine's array form, JSON text. A match is bounded by a
time limit (54001), as ``~`` is in functions.py.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

import regex

from aurora.engine.sql import arrays
from aurora.engine.sql.types import parse_array_literal
from aurora.engine.sqlapi import SqlError

_LIMIT_S = 10.0
_cache: dict[tuple[str, int], regex.Pattern] = {}


def _compile(pattern: object, flags: object) -> tuple[regex.Pattern, bool]:
    """The compiled pattern and whether the ``g`` flag asked for every match."""
    bits = regex.S | regex.V0
    glob = False
    for ch in str(flags or ""):
        if ch == "g":
            glob = True
        elif ch == "i":
            bits |= regex.I
        elif ch == "c":
            bits &= ~regex.I
        elif ch in "nmw":
            bits = (bits & ~regex.S) | regex.M
        elif ch == "s":
            bits = (bits | regex.S) & ~regex.M
        elif ch == "x":
            bits |= regex.X
        elif ch in "pqtbe":
            pass
        else:
            raise SqlError("22023", f'invalid regular expression option: "{ch}"')
    key = (str(pattern), bits)
    r = _cache.get(key)
    if r is None:
        try:
            r = regex.compile(str(pattern), bits)
        except regex.error as e:
            raise SqlError("2201B", f"invalid regular expression: {e}") from None
        if len(_cache) > 1000:
            _cache.clear()
        _cache[key] = r
    return r, glob


def _matches(r: regex.Pattern, text: str, start: int = 0) -> Iterator[regex.Match]:
    try:
        yield from r.finditer(text, start, timeout=_LIMIT_S)
    except TimeoutError:
        raise SqlError("54001", "regular expression match took too long") from None


def _start(start: object) -> int:
    s = int(start)  # type: ignore[call-overload]
    if s < 1:
        raise SqlError("22023", f'invalid value for parameter "start": {s}')
    return s - 1


def _positive(n: object, name: str) -> int:
    v = int(n)  # type: ignore[call-overload]
    if v < 1:
        raise SqlError("22023", f'invalid value for parameter "{name}": {v}')
    return v


def _replacement(template: str) -> Callable[[regex.Match], str]:
    def expand(m: regex.Match) -> str:
        out = []
        i = 0
        while i < len(template):
            c = template[i]
            if c == "\\" and i + 1 < len(template):
                nxt = template[i + 1]
                if nxt.isdigit() and nxt != "0":
                    g = int(nxt)
                    out.append((m.group(g) or "") if g <= len(m.groups()) else "")
                    i += 2
                    continue
                if nxt == "&":
                    out.append(m.group(0))
                    i += 2
                    continue
                if nxt == "\\":
                    out.append("\\")
                    i += 2
                    continue
            out.append(c)
            i += 1
        return "".join(out)

    return expand


def regexp_replace(src: object, pattern: object, repl: object, *rest: object) -> object:
    if src is None or pattern is None or repl is None or any(x is None for x in rest):
        return None
    text = str(src)
    if rest and isinstance(rest[0], int):   # (start [, N [, flags]])
        start = _start(rest[0])
        n = int(rest[1]) if len(rest) > 1 else 0  # type: ignore[call-overload]
        if n < 0:
            raise SqlError("22023", f'invalid value for parameter "n": {n}')
        r, glob = _compile(pattern, rest[2] if len(rest) > 2 else "")
        if len(rest) == 1:
            n = 0 if glob else 1
        elif n:
            glob = False
    else:
        start, n = 0, 0
        r, glob = _compile(pattern, rest[0] if rest else "")
        n = 0 if glob else 1
    expand = _replacement(str(repl))
    out = [text[:start]]
    pos = start
    for i, m in enumerate(_matches(r, text, start), 1):
        if n and i != n:
            continue
        out.append(text[pos:m.start()])
        out.append(expand(m))
        pos = m.end()
        if n:
            break
    out.append(text[pos:])
    return "".join(out)


def regexp_match(src: object, pattern: object, flags: object = "") -> object:
    if src is None or pattern is None or flags is None:
        return None
    r, glob = _compile(pattern, flags)
    if glob:
        raise SqlError("22023", "regexp_match() does not support the \"global\" option",
                       hint="Use the regexp_matches function instead.")
    m = next(_matches(r, str(src)), None)
    if m is None:
        return None
    return json.dumps(list(m.groups()) if r.groups else [m.group(0)])


def first_match(text: str, pattern: object) -> regex.Match | None:
    r, _ = _compile(pattern, "")
    return next(_matches(r, text), None)


def regexp_matches(src: object, pattern: object, flags: object = "") -> object:
    """The matches (every one with ``g``) as a JSON array of text arrays: the set
    regexp_matches returns, unnested by the caller."""
    if src is None or pattern is None or flags is None:
        return None
    r, glob = _compile(pattern, flags)
    out = []
    for m in _matches(r, str(src)):
        out.append(list(m.groups()) if r.groups else [m.group(0)])
        if not glob:
            break
    return json.dumps(out)


def similar_to_regex(pattern: str, escape: str | None) -> str:
    """A SQL ``SIMILAR TO`` pattern as the POSIX regular expression PostgreSQL makes of it
    (regexp.c's similar_escape): anchored, ``%`` and ``_`` as ``.*`` and ``.``, groups not
    capturing, and the escape's double quotes marking the part substring() returns."""
    parts = similar_parts(pattern, escape)
    if len(parts) == 1:
        return f"^(?:{parts[0]})$"
    if len(parts) == 2:
        return f"^(?:{parts[0]}){{1,1}}?({parts[1]})$"
    return f"^(?:{parts[0]}){{1,1}}?({parts[1]}){{1,1}}(?:{parts[2]})$"


def similar_parts(pattern: str, escape: str | None) -> list[str]:
    """The regular expressions of a SIMILAR pattern's parts between its escaped double
    quotes (one part without them, at most three)."""
    if escape is not None and len(escape) > 1:
        raise SqlError("22025", "invalid escape string",
                       hint="Escape string must be empty or one character.")
    parts: list[list[str]] = [[]]
    out = parts[0]
    after_escape = False
    in_class = 0  # position inside a bracket expression (0: outside)
    for c in pattern:
        if after_escape:
            if c == '"' and not in_class:
                if len(parts) == 3:
                    raise SqlError("2200C", "SQL regular expression may not contain more than "
                                   "two escape-double-quote separators")
                out = []
                parts.append(out)
            else:
                out.append("\\" + c)
            after_escape = False
        elif escape and c == escape:
            after_escape = True
        elif in_class:
            out.append("\\" + c if c == "\\" else c)
            if c == "]" and in_class > 1:
                in_class = 0
            elif not (c == "^" and in_class == 1):
                in_class += 1
        elif c == "[":
            out.append(c)
            in_class = 1
        elif c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        elif c == "(":
            out.append("(?:")
        elif c in "\\.^$":
            out.append("\\" + c)
        else:
            out.append(c)
    return ["".join(p) for p in parts]


def similar_to(src: object, pattern: object, escape: object = "\\") -> object:
    """``src SIMILAR TO pattern [ESCAPE escape]``."""
    if src is None or pattern is None or escape is None:
        return None
    r, _ = _compile(similar_to_regex(str(pattern), str(escape)), "")
    return int(next(_matches(r, str(src)), None) is not None)


def similar_substring(src: object, pattern: object, escape: object) -> object:
    """``substring(src SIMILAR pattern ESCAPE escape)``: the part between the escaped double
    quotes of the first match (the whole match without them), NULL without one."""
    if src is None or pattern is None or escape is None:
        return None
    parts = similar_parts(str(pattern), str(escape))
    if len(parts) == 1:
        m = next(_matches(_compile(f"^(?:{parts[0]})$", "")[0], str(src)), None)
        return None if m is None else m.group(0)
    # PostgreSQL's regex engine matches the part before the quotes as short as it can, then
    # the quoted part as long as it can (a*#"%#"g* returns abcdefg, not bcdefg): a lazy
    # prefix that must match the first part whole, then a greedy middle that must match the
    # second from where the prefix ends (the prefix's own text, \1, anchors the lookbehind)
    first, middle, last = (*parts, "")[:3]
    r, _ = _compile(f"^(.*?)(?<=^(?:{first}))(.*)(?<=^\\1(?:{middle}))(?:{last})$", "")
    m = next(_matches(r, str(src)), None)
    return None if m is None else m.group(2)


def regexp_split_to_array(src: object, pattern: object, flags: object = "") -> object:
    if src is None or pattern is None or flags is None:
        return None
    r, glob = _compile(pattern, flags)
    if glob:
        raise SqlError("22023", "regexp_split_to_array() does not support the \"global\" option")
    text = str(src)
    parts = []
    pos = 0
    prev_end = -1
    for m in _matches(r, text):
        # a zero-length match at either end, or right after a match, splits nothing
        if m.start() == m.end() and m.start() in (0, len(text), prev_end):
            continue
        parts.append(text[pos:m.start()])
        pos = prev_end = m.end()
    parts.append(text[pos:])
    return json.dumps(parts)


def regexp_count(src: object, pattern: object, start: object = 1, flags: object = "") -> object:
    if src is None or pattern is None or start is None or flags is None:
        return None
    r, _ = _compile(pattern, flags)
    return sum(1 for _ in _matches(r, str(src), _start(start)))


def _nth(src: object, pattern: object, start: object, n: object, flags: object, name: str):
    r, glob = _compile(pattern, flags)
    if glob:
        raise SqlError("22023", f'{name}() does not support the "global" option')
    want = _positive(n, "n")
    for i, m in enumerate(_matches(r, str(src), _start(start)), 1):
        if i == want:
            return m
    return None


def regexp_instr(src: object, pattern: object, start: object = 1, n: object = 1,
                 endoption: object = 0, flags: object = "", subexpr: object = 0) -> object:
    if any(x is None for x in (src, pattern, start, n, endoption, flags, subexpr)):
        return None
    if int(endoption) not in (0, 1):  # type: ignore[call-overload]
        raise SqlError("22023", f'invalid value for parameter "endoption": {endoption}')
    m = _nth(src, pattern, start, n, flags, "regexp_instr")
    g = int(subexpr)  # type: ignore[call-overload]
    if g < 0:
        raise SqlError("22023", f'invalid value for parameter "subexpr": {g}')
    if m is None or g > len(m.groups()) or m.start(g) < 0:
        return 0
    return (m.end(g) if int(endoption) else m.start(g)) + 1  # type: ignore[call-overload]


def regexp_substr(src: object, pattern: object, start: object = 1, n: object = 1,
                  flags: object = "", subexpr: object = 0) -> object:
    if any(x is None for x in (src, pattern, start, n, flags, subexpr)):
        return None
    m = _nth(src, pattern, start, n, flags, "regexp_substr")
    g = int(subexpr)  # type: ignore[call-overload]
    if g < 0:
        raise SqlError("22023", f'invalid value for parameter "subexpr": {g}')
    if m is None or g > len(m.groups()):
        return None
    return m.group(g)


def regexp_like(src: object, pattern: object, flags: object = "") -> object:
    if src is None or pattern is None or flags is None:
        return None
    r, glob = _compile(pattern, flags)
    if glob:
        raise SqlError("22023", "regexp_like() does not support the \"global\" option")
    return int(next(_matches(r, str(src)), None) is not None)


def string_to_array(src: object, delim: object, null: object = None) -> object:
    if src is None:
        return None
    text = str(src)
    if text == "":
        return "[]"
    if delim is None:
        items = list(text)
    elif str(delim) == "":
        items = [text]
    else:
        items = text.split(str(delim))
    return json.dumps([None if null is not None and x == str(null) else x for x in items])


def _bucket_key(v: object) -> tuple[int, object]:
    """Numbers by value with NaN above all (PostgreSQL's order), other values as text."""
    try:
        d = Decimal(str(v))
    except ArithmeticError:
        return (2, str(v))
    return (1, 0) if d.is_nan() else (0, d)


def _bucket_decimal(v: object) -> Decimal:
    if isinstance(v, float):
        return Decimal(v)
    try:
        return Decimal(str(v))
    except InvalidOperation:  # width_bucket(5.0, '1|2|3|', 4.0, 5): text that is no number
        raise SqlError("22P02", f'invalid input syntax for type numeric: "{v}"') from None


def width_bucket(op: object, low: object, high: object = None, count: object = None) -> object:
    if op is not None and isinstance(low, str) and low.lstrip()[:1] in "[{" and count is None:
        # width_bucket(operand, thresholds): how many thresholds are at or below it
        got = arrays.load(low)
        if got is None:
            raise SqlError("22P02", f'malformed array literal: "{low}"')
        bounds = got[0]
        if any(isinstance(b, list) for b in bounds):
            raise SqlError("2202E", "thresholds must be one-dimensional array")
        if any(b is None for b in bounds):
            raise SqlError("22004", "thresholds array must not contain NULLs")
        return bisect.bisect_right([_bucket_key(b) for b in bounds], _bucket_key(op))
    if op is None or low is None or high is None or count is None:
        return None
    n = int(count)  # type: ignore[call-overload]
    if n <= 0:
        raise SqlError("2201G", "count must be greater than zero")
    x, lo, hi = (_bucket_decimal(v) for v in (op, low, high))
    if x.is_nan() or lo.is_nan() or hi.is_nan():
        raise SqlError("2201G", "operand, lower bound, and upper bound cannot be NaN")
    if not (lo.is_finite() and hi.is_finite()):
        raise SqlError("2201G", "lower and upper bounds must be finite")
    if lo == hi:
        raise SqlError("2201G", "lower bound cannot equal upper bound")
    if lo < hi:
        if x < lo:
            return 0
        if x >= hi:
            return n + 1
        return math.floor((x - lo) * n / (hi - lo)) + 1
    if x > lo:
        return 0
    if x <= hi:
        return n + 1
    return math.floor((lo - x) * n / (lo - hi)) + 1


def json_typeof(v: object) -> object:
    if v is None:
        return None
    try:
        d = json.loads(v) if isinstance(v, str) else v
    except ValueError:
        raise SqlError("22P02", "invalid input syntax for type json") from None
    if d is None:
        return "null"
    if isinstance(d, bool):
        return "boolean"
    if isinstance(d, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(d), "string")


# PostgreSQL's reserved words, which quote_ident and %I put in quotes
RESERVED_WORDS = frozenset((
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
    "case", "cast", "check", "collate", "column", "constraint", "create", "current_catalog",
    "current_date", "current_role", "current_time", "current_timestamp", "current_user",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false",
    "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
    "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
    "null", "offset", "on", "only", "or", "order", "placing", "primary", "references",
    "returning", "select", "session_user", "some", "symmetric", "table", "then", "to",
    "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where",
    "window", "with",
))


def _text(v: object) -> str:
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, float) and v.is_integer():
        return repr(v)
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return v.decode() if isinstance(v, bytes) else str(v)


def quote_ident(v: object) -> object:
    if v is None:
        return None
    s = _text(v)
    if regex.fullmatch(r"[a-z_][a-z0-9_$]*", s) and s not in RESERVED_WORDS:
        return s
    return '"' + s.replace('"', '""') + '"'


def quote_literal(v: object) -> object:
    if v is None:
        return None
    s = _text(v)
    if "\\" in s:
        return "E'" + s.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + s.replace("'", "''") + "'"


def quote_nullable(v: object) -> object:
    return "NULL" if v is None else quote_literal(v)


_SPEC = regex.compile(r"%(?:(\d+)\$)?(-)?(\*(?:\d+\$)?|\d+)?([a-zA-Z%])?")


def pg_format(fmt: object, *args: object) -> object:
    """PostgreSQL's format(): %s, %I, %L and %%, with positions (%2$s), the - flag and widths."""
    if fmt is None:
        return None
    text = _text(fmt)
    out: list[str] = []
    pos = 0
    nxt = 0

    def arg(n: int) -> object:
        if n >= len(args):
            raise SqlError("22023", "too few arguments for format()")
        return args[n]

    for m in _SPEC.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        position, minus, width, kind = m.groups()
        if kind is None:
            raise SqlError("22023", "unterminated format() type specifier",
                           hint='For a single "%" use "%%".')
        if kind == "%" and position is None and width is None and minus is None:
            out.append("%")
            continue
        if kind not in "sIL":
            raise SqlError("22023", f'unrecognized format() type specifier "{kind}"',
                           hint='For a single "%" use "%%".')
        if width is not None and width.startswith("*"):
            w_at = width[1:-1]
            if w_at:  # *n$: the width is argument n, the value (unless positioned) n + 1
                wv = arg(int(w_at) - 1)
                nxt = int(w_at)
            else:
                wv = arg(nxt)
                nxt += 1
            w = 0 if wv is None else int(wv)  # type: ignore[call-overload]
            if w < 0:
                minus, w = "-", -w
        else:
            w = int(width) if width else 0
        if position is not None:
            if int(position) == 0:
                raise SqlError("22023", "format specifies argument 0, but arguments are "
                               "numbered from 1")
            nxt = int(position) - 1
        v = arg(nxt)
        nxt += 1
        if kind == "s":
            s = "" if v is None else _text(v)
        elif kind == "I":
            if v is None:
                raise SqlError("22004", "null values cannot be formatted as an SQL identifier")
            s = str(quote_ident(v))
        else:
            s = str(quote_nullable(v))
        out.append(s.ljust(w) if minus else s.rjust(w))
    out.append(text[pos:])
    return "".join(out)


def variadic(kind: str, first: object, arr: object) -> object:
    """concat / concat_ws / format with their last argument ``VARIADIC array``."""
    if isinstance(arr, str) and arr.lstrip().startswith("{"):  # an array literal '{a,b}'
        items = parse_array_literal(arr)
    else:
        try:
            items = json.loads(arr) if isinstance(arr, str) else arr
        except ValueError:
            items = arr
    if items is not None and not isinstance(items, list):
        raise SqlError("42804", "VARIADIC argument must be an array")
    while items and any(isinstance(x, list) for x in items):  # a 2-D array: its elements
        items = [y for x in items for y in (x if isinstance(x, list) else [x])]
    if kind == "concat":
        return None if items is None else "".join(_text(x) for x in items if x is not None)
    if kind == "concat_ws":
        if first is None or items is None:
            return None
        return _text(first).join(_text(x) for x in items if x is not None)
    return pg_format(first, *(items or []))


FUNCTIONS: dict[str, Callable[..., object]] = {
    "pg_regexp_matches": regexp_matches,
    "pg_similar_to": similar_to,
    "pg_similar_substring": similar_substring,
    "format": pg_format,
    "quote_ident": quote_ident,
    "quote_literal": quote_literal,
    "quote_nullable": quote_nullable,
    "pg_variadic": variadic,
    "regexp_replace": regexp_replace,
    "regexp_match": regexp_match,
    "regexp_split_to_array": regexp_split_to_array,
    "regexp_count": regexp_count,
    "regexp_instr": regexp_instr,
    "regexp_substr": regexp_substr,
    "regexp_like": regexp_like,
    "string_to_array": string_to_array,
    "width_bucket": width_bucket,
    "json_typeof": json_typeof,
    "jsonb_typeof": json_typeof,
}
