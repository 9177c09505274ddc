"""MySQL functions with no PostgreSQL spelling, registered on each connection as SQLite ones.

The translator (:mod:`.translate`) turns the sqlglot node of such a call into a call of
``mysql_<name>``; values arrive as SQLite stores them (dates and datetimes as ISO text).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import re
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, localcontext

import apsw

from aurora.engine.sql.mysql.types import INT_RANGES
from aurora.engine.sql.mysql.types import double_text as _double_text
from aurora.engine.sqlapi import SqlError

# MySQL's STR_TO_DATE / DATE_FORMAT specifiers as strptime's
_FORMAT = {"%Y": "%Y", "%y": "%y", "%m": "%m", "%c": "%m", "%d": "%d", "%e": "%d", "%H": "%H",
           "%k": "%H", "%h": "%I", "%I": "%I", "%l": "%I", "%i": "%M", "%s": "%S", "%S": "%S",
           "%f": "%f", "%p": "%p", "%M": "%B", "%b": "%b", "%W": "%A", "%a": "%a", "%j": "%j",
           "%T": "%H:%M:%S", "%r": "%I:%M:%S %p", "%%": "%%"}


# strptime's specifiers of a date's parts (%-d, %-m: sqlglot's unpadded ones)
DATE_PARTS = re.compile(r"%-?[YymdBbAajUuWwGVxc]")
_DIGITS_DATE = re.compile(r"(?:\d{6}|\d{8}|\d{12}|\d{14})(?:\.\d+)?")
_DELIMITED_DATE = re.compile(
    r"(\d{4}|\d{2})[^\w\s](\d{1,2})[^\w\s](\d{1,2})"
    r"(?:\s+(\d{1,2})[^\w\s](\d{1,2})(?:[^\w\s](\d{1,2})(\.\d+)?)?)?")


def _date(v: object) -> dt.datetime | None:
    if v is None:
        return None
    if isinstance(v, Decimal):
        v = int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        # MySQL reads a number as a date (20240102, 240102, 20240102101112), not as a Unix
        # time; one that is no date is NULL (with a warning, in MySQL)
        try:
            v = number_datetime(v)
        except SqlError:
            return None
    text = str(v).strip().replace("T", " ")
    text = re.sub(r"[+-]\d\d:?\d\d$", "", text)
    if _DIGITS_DATE.fullmatch(text):
        # '20240102', '240102', '20240102101112': a string of digits is read as the number
        return _date(float(text) if "." in text else int(text))
    parts = _DELIMITED_DATE.fullmatch(text)
    if parts:
        # any punctuation between the parts ('2024/01/02', '2024.01.02 10.11.12'), as MySQL
        # allows: as the dashes and colons of ISO's form; a two-digit year 70-99 is 19YY,
        # 00-69 20YY, and a time without seconds has 00 ('24-01-02 10:11')
        y, mo, d, h, mi, sec, frac = parts.groups()
        if len(y) == 2:
            y = ("19" if int(y) >= 70 else "20") + y
        text = f"{y}-{mo}-{d}" + (f" {h}:{mi}:{sec or '00'}{frac or ''}" if h is not None else "")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def str_to_date(text: object, fmt: object, python_format: int = 1) -> str | None:
    """sqlglot hands a literal format over already in strftime's spelling."""
    if text is None or fmt is None:
        return None
    py = str(fmt)
    if not python_format:
        py = re.sub(r"%.", lambda m: _FORMAT.get(m.group(), m.group()), py)
    else:
        py = py.replace("%-", "%")  # (sqlglot's %-d, %-m, %-I: strptime reads %d ... without zeros too)
    try:
        got = dt.datetime.strptime(str(text), py)
    except ValueError:
        return None
    if not re.search(r"%[HIMSfpXT]", py):
        return got.date().isoformat()
    if not DATE_PARTS.search(py):
        return got.time().isoformat()  # a format of time parts only: MySQL's TIME
    return got.isoformat(sep=" ")


def dayofweek(v: object) -> int | None:
    d = _date(v)
    return None if d is None else (d.isoweekday() % 7) + 1


def weekday(v: object) -> int | None:
    d = _date(v)
    return None if d is None else d.weekday()


_MICROSECONDS = {
    "MICROSECOND": 1,
    "SECOND": 10**6,
    "MINUTE": 60 * 10**6,
    "HOUR": 3600 * 10**6,
    "DAY": 86400 * 10**6,
    "WEEK": 7 * 86400 * 10**6,
}
_MONTHS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}


def timestampdiff(unit: str, a: object, b: object) -> int | None:
    """TIMESTAMPDIFF(unit, a, b): whole units from a to b, truncated toward zero. A month
    counts only once b's day and time of the month reach a's (MySQL: 01-31 to 02-29 is 0
    months)."""
    x, y = _date(a), _date(b)
    if x is None or y is None:
        return None
    if unit in _MONTHS:
        months = (y.year - x.year) * 12 + (y.month - x.month)
        rest_x, rest_y = (x.day, x.time()), (y.day, y.time())
        if months > 0 and rest_y < rest_x:
            months -= 1
        elif months < 0 and rest_y > rest_x:
            months += 1
        whole = abs(months) // _MONTHS[unit]
        return whole if months >= 0 else -whole
    micro = (y - x) // dt.timedelta(microseconds=1)
    whole = abs(micro) // _MICROSECONDS[unit]
    return whole if micro >= 0 else -whole


def dayofmonth(v: object) -> int | None:
    d = _date(v)
    return None if d is None else d.day


def sha1(v: object) -> str | None:
    if v is None:
        return None
    data = v if isinstance(v, bytes) else str(v).encode()
    return hashlib.sha1(data).hexdigest()


def hex_(v: object) -> str | None:
    """HEX(n) of a number: the BIGINT it rounds to, a negative one as its 64 bits (-1 is
    FFFFFFFFFFFFFFFF); HEX(s) of a string: its bytes."""
    if v is None:
        return None
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        n = int(Decimal(str(v)).to_integral_value(rounding="ROUND_HALF_UP")) if not isinstance(v, int) else v
        return format(n & 0xFFFFFFFFFFFFFFFF, "X")
    data = v if isinstance(v, bytes) else str(v).encode()
    return data.hex().upper()


def char_(charset: object, *codes: object) -> object:
    """CHAR(n, ... [USING charset]): the bytes of each number (NULLs skipped)."""
    out = bytearray()
    for c in codes:
        if c is None:
            continue
        if isinstance(c, bytes):
            n = int.from_bytes(c, "big")
        else:
            try:
                n = int(Decimal(str(c)).to_integral_value(rounding="ROUND_HALF_UP"))
            except ArithmeticError:
                n = 0
        n &= 0xFFFFFFFF
        out += n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    if charset:
        return bytes(out).decode("utf-8", "replace")
    return bytes(out)


def unhex(v: object) -> bytes | None:
    """UNHEX: the bytes of hex digits (an odd count has a 0 first); NULL for other text."""
    if v is None:
        return None
    text = v.decode("latin-1") if isinstance(v, bytes) else str(v)
    if len(text) % 2:
        text = "0" + text
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def datediff(a: object, b: object) -> int | None:
    x, y = _date(a), _date(b)
    return None if x is None or y is None else (x.date() - y.date()).days


def regexp(text: object, pattern: object) -> int | None:
    """MySQL's REGEXP: a search, case-insensitive as the default collation is."""
    if text is None or pattern is None:
        return None
    try:
        return int(re.search(_text(pattern), _text(text), re.I) is not None)
    except re.error:
        return None


def reverse(v: object) -> str | None:
    return None if v is None else _text(v)[::-1]


def _json(v: object) -> object:
    import json

    if isinstance(v, (bytes, str)):
        try:
            return json.loads(v)
        except ValueError:
            return v
    return v


def json_unquote(v: object) -> object:
    if v is None:
        return None
    got = _json(v)
    return got if isinstance(got, str) else v


def json_length(v: object, path: object = "$") -> int | None:
    """JSON_LENGTH(doc[, path]): an array's elements, an object's keys, 1 for a scalar; NULL
    when the path finds nothing."""
    if v is None or path is None:
        return None
    ok, got = _walk(_json(v), _text(path))
    if not ok:
        return None
    return len(got) if isinstance(got, (list, dict)) else 1


def dayofyear(v: object) -> int | None:
    d = _date(v)
    return None if d is None else d.timetuple().tm_yday


def json_type(v: object) -> str | None:
    if v is None:
        return None
    got = _json(v)
    if got is None:
        return "NULL"
    return {dict: "OBJECT", list: "ARRAY", str: "STRING", bool: "BOOLEAN", int: "INTEGER",
            float: "DOUBLE"}.get(type(got), "STRING")


_STEP = re.compile(r'\.(?:"((?:[^"\\]|\\.)*)"|([\w$]+))|\[(\d+)\]')


def _walk(doc: object, path: str) -> tuple[bool, object]:
    """MySQL's JSON path (``$.a."b c"[0]``) into a parsed document: (found, value)."""
    path = path.strip()
    if not path.startswith("$"):
        return False, None
    pos = 1
    cur = doc
    while pos < len(path):
        m = _STEP.match(path, pos)
        if m is None:
            return False, None
        pos = m.end()
        if m.group(3) is not None:
            i = int(m.group(3))
            if isinstance(cur, list) and i < len(cur):
                cur = cur[i]
            elif not isinstance(cur, list) and i == 0:
                pass  # MySQL treats a scalar as an array of one
            else:
                return False, None
        else:
            key = m.group(1) if m.group(1) is not None else m.group(2)
            if not isinstance(cur, dict) or key not in cur:
                return False, None
            cur = cur[key]
    return True, cur


def json_extract(doc: object, *paths: object) -> str | None:
    import json

    if doc is None or any(p is None for p in paths):
        return None
    parsed = _json(doc)
    found = [v for ok, v in (_walk(parsed, str(p)) for p in paths) if ok]
    if not found:
        return None
    value = found[0] if len(paths) == 1 else found
    return json.dumps(value, ensure_ascii=False)


def json_value(doc: object, path: object) -> object:
    """``->>``: the value unquoted (a string as itself, anything else as JSON text: a JSON
    null is the text 'null', as JSON_UNQUOTE(JSON_EXTRACT()) has it); NULL where the path
    finds nothing."""
    import json

    if doc is None or path is None:
        return None
    ok, v = _walk(_json(doc), str(path))
    if not ok:
        return None
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")


def _sunday_week(d: dt.date) -> tuple[int, int]:
    """(year, week) with Sunday first and week 1 the first with a Sunday (WEEK mode 2)."""
    week = int(d.strftime("%U"))
    if week == 0:
        last = dt.date(d.year - 1, 12, 31)
        return last.year, int(last.strftime("%U"))
    return d.year, week


def _format_one(c: str, d: dt.datetime) -> str:
    if c in "aW":
        name = _DAY_NAMES[d.weekday()]
        return name[:3] if c == "a" else name
    if c in "bM":
        name = _MONTH_NAMES[d.month - 1]
        return name[:3] if c == "b" else name
    if c == "D":
        suffix = "th" if 11 <= d.day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
        return f"{d.day}{suffix}"
    hour12 = d.hour % 12 or 12
    if c == "u":  # Monday first, week 1 the first with four days of this year (mode 1)
        year, week, _ = d.isocalendar()
        return f"{0 if year < d.year else 53 if year > d.year else week:02d}"
    if c in "VX":
        year, week = _sunday_week(d.date())
        return f"{week:02d}" if c == "V" else f"{year:04d}"
    simple = {
        "c": str(d.month), "d": f"{d.day:02d}", "e": str(d.day), "f": f"{d.microsecond:06d}",
        "H": f"{d.hour:02d}", "h": f"{hour12:02d}", "I": f"{hour12:02d}", "i": f"{d.minute:02d}",
        "j": f"{d.timetuple().tm_yday:03d}", "k": str(d.hour), "l": str(hour12),
        "m": f"{d.month:02d}", "p": "AM" if d.hour < 12 else "PM", "S": f"{d.second:02d}",
        "s": f"{d.second:02d}", "T": d.strftime("%H:%M:%S"), "U": d.strftime("%U"),
        "v": f"{d.isocalendar()[1]:02d}", "w": str((d.weekday() + 1) % 7),
        "x": f"{d.isocalendar()[0]:04d}", "Y": f"{d.year:04d}", "y": f"{d.year % 100:02d}",
        "r": f"{hour12:02d}:{d.minute:02d}:{d.second:02d} {'AM' if d.hour < 12 else 'PM'}",
    }
    return simple.get(c, c)  # %% is %, and an unknown %x is x


def date_format(v: object, fmt: object) -> str | None:
    """MySQL's DATE_FORMAT, every specifier of its manual (day and month names in English,
    unpadded: PostgreSQL's to_char pads 'Tuesday' to nine characters)."""
    if v is None or fmt is None:
        return None
    d = _date(v)
    if d is None:
        return None
    return re.sub(r"%(.)", lambda m: _format_one(m.group(1), d), str(fmt), flags=re.S)


# EXTRACT's units made of two or more fields: their digits run together (YEAR_MONTH 202401)
COMPOUND_UNITS = {
    "YEAR_MONTH": ("%Y", "%m"), "DAY_HOUR": ("%d", "%H"), "DAY_MINUTE": ("%d", "%H", "%M"),
    "DAY_SECOND": ("%d", "%H", "%M", "%S"), "DAY_MICROSECOND": ("%d", "%H", "%M", "%S", "%f"),
    "HOUR_MINUTE": ("%H", "%M"), "HOUR_SECOND": ("%H", "%M", "%S"),
    "HOUR_MICROSECOND": ("%H", "%M", "%S", "%f"), "MINUTE_SECOND": ("%M", "%S"),
    "MINUTE_MICROSECOND": ("%M", "%S", "%f"), "SECOND_MICROSECOND": ("%S", "%f"),
}


def extract_compound(unit: object, v: object) -> int | None:
    """EXTRACT(YEAR_MONTH FROM d) and the other compound units, as MySQL gives them: the
    fields' digits as one number (2024-01-31 10:05 has DAY_MINUTE 311005)."""
    d = _date(v)
    if d is None or unit is None:
        return None
    return int("".join(d.strftime(f) for f in COMPOUND_UNITS[str(unit).upper()]))


def dayname(v: object) -> str | None:
    d = _date(v)
    return None if d is None else _DAY_NAMES[d.weekday()]


# --- string, number and date functions MySQL has and PostgreSQL spells otherwise --------------


def _text(v: object) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float):
        return _double_text(v)
    return str(v)


def double_text(v: object) -> object:
    """A DOUBLE's text as MySQL writes it (``types.double_text``); NULL and text as they are."""
    if isinstance(v, float):
        return _double_text(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return _double_text(float(v))
    return v


def real_text(v: object) -> object:
    """A FLOAT column's text as MySQL writes it: at most 6 significant digits (FLT_DIG;
    1.23457, 123457000), else as a DOUBLE's; NULL and text as they are."""
    if isinstance(v, int) and not isinstance(v, bool):
        v = float(v)
    if isinstance(v, float) and v == v and v not in (float("inf"), float("-inf")):
        return _double_text(float(f"{v:.6g}"))
    return double_text(v)


def rint(v: object) -> object:
    """A DOUBLE made an integer as MySQL does (C's rint(): half to even, 2.5e0 is 2 and
    3.5e0 is 4); anything else as it is."""
    if isinstance(v, float) and -9.2e18 < v < 9.2e18:  # (past BIGINT a double is whole)
        return round(v)
    return v


def round_double(v: object, digits: object, truncate: object) -> float | None:
    """ROUND / TRUNCATE(x, d) of a DOUBLE as MySQL's my_double_round: x times 10^d rounded
    half to even (rint) or cut towards zero, divided back (for d < 0, x divided by 10^-d,
    then multiplied back); x as it is when x * 10^d is past the double's range, 0 when
    10^-d is."""
    if v is None or digits is None:
        return None
    value = float(v)  # type: ignore[arg-type]
    if isinstance(digits, int):
        d = digits
    elif isinstance(digits, str | bytes):  # a string's leading integer, as MySQL reads it ('abc' is 0)
        text = digits.decode("utf-8", "replace") if isinstance(digits, bytes) else digits
        m = re.match(r"\s*[+-]?\d+", text)
        d = int(m.group()) if m else 0
    else:
        d = int(Decimal(str(digits)).to_integral_value(ROUND_HALF_UP))
    scale = 10.0 ** min(abs(d), 400) if abs(d) < 309 else math.inf
    if d < 0:
        if math.isinf(scale):
            return 0.0
        q = value / scale
        r = (math.floor(q) if value >= 0 else math.ceil(q)) if truncate else _rint(q)
        return r * scale
    p = value * scale
    if math.isinf(p):
        return value
    r = (math.floor(p) if value >= 0 else math.ceil(p)) if truncate else _rint(p)
    return r / scale


def _rint(x: float) -> float:
    return float(round(x)) if math.isfinite(x) else x


def _nulls(fn: Callable[..., object]) -> Callable[..., object]:
    """NULL in any argument is NULL out (MySQL's rule for these functions)."""

    def call(*args: object) -> object:
        return None if any(a is None for a in args) else fn(*args)

    call.__name__ = fn.__name__
    return call


def field(v: object, *items: object) -> int:
    """FIELD(v, a, b, ...): the 1-based position of v among the items, 0 when absent or NULL
    (strings compared case-insensitively, as the default collation does)."""
    if v is None:
        return 0
    if isinstance(v, str):
        low = v.lower()
        return next((i for i, x in enumerate(items, 1) if isinstance(x, str) and x.lower() == low), 0)
    return next((i for i, x in enumerate(items, 1) if x is not None and not isinstance(x, str) and x == v), 0)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def locate(sub: object, v: object, *pos: object) -> int | None:
    """LOCATE(sub, str[, pos]), INSTR(str, sub), POSITION(sub IN str): the 1-based position of
    sub in str from pos on, 0 when absent. Case-insensitive, as the default collation
    compares, unless an argument is a binary string (then bytes, case and all)."""
    if sub is None or v is None or (pos and pos[0] is None):
        return None
    if not pos:
        start = 1
        if sub == "" or sub == b"":
            return 1
    else:
        try:
            start = int(Decimal(_text(pos[0])).to_integral_value(ROUND_HALF_UP))
        except ArithmeticError:
            start = 0
    if isinstance(sub, bytes) or isinstance(v, bytes):
        needle = sub if isinstance(sub, bytes) else _text(sub).encode()
        hay = v if isinstance(v, bytes) else _text(v).encode()
    else:
        needle, hay = _text(sub), _text(v)
        low_needle, low_hay = needle.lower(), hay.lower()
        if len(low_needle) == len(needle) and len(low_hay) == len(hay):
            needle, hay = low_needle, low_hay
        else:  # (a letter whose lower case is longer: ASCII only, so that positions hold)
            needle, hay = needle.translate(_ASCII_LOWER), hay.translate(_ASCII_LOWER)
    if start < 1 or start > len(hay) + (0 if not needle else 1):
        return 0
    return hay.find(needle, start - 1) + 1  # type: ignore[arg-type]


def bit_value(v: object) -> object:
    """A value written to a BIT column: a string, binary or not, is the number its bytes
    spell, big end first (0xA5 is 165, as mysqldump --hex-blob writes a BIT(8); a one-byte
    string of byte 1 is 1, as it writes one without; '5' is 0x35 = 53, as in MySQL); a
    number as it is (the column's range check judges it)."""
    if isinstance(v, str):
        v = v.encode("utf-8", "surrogateescape")
    if isinstance(v, bytes) and len(v) > 8:
        return -1  # more bits than any BIT(n) holds: the range check's refusal (it overflowed)
    return int.from_bytes(v, "big") if isinstance(v, bytes) else v


def elt(n: object, *items: object) -> object:
    if n is None:
        return None
    i = int(n)  # type: ignore[call-overload]
    return items[i - 1] if 1 <= i <= len(items) else None


def interval(n: object, *bounds: object) -> int:
    """INTERVAL(N, N1, N2, ...): how many of the ascending bounds N is not below (0 when N <
    N1, 1 when N1 <= N < N2 ...), compared as numbers; -1 for a NULL N."""
    x = _double(n)
    if x is None:
        return -1
    for i, bound in enumerate(bounds):
        b = _double(bound)
        if b is not None and x < b:
            return i
    return len(bounds)


def find_in_set(v: object, items: object) -> int:
    low = _text(v).lower()
    text = _text(items)
    if "," in low or not text:
        return 0
    return next((i for i, x in enumerate(text.split(","), 1) if x.lower() == low), 0)


def substring_index(v: object, delim: object, count: object) -> str:
    text, sep, n = _text(v), _text(delim), int(count)  # type: ignore[call-overload]
    if not sep or n == 0:
        return ""
    parts = text.split(sep)
    return sep.join(parts[:n]) if n > 0 else sep.join(parts[n:])


def insert_string(v: object, pos: object, length: object, new: object) -> str:
    """INSERT(str, pos, len, newstr): len characters from pos replaced (str as is when pos is
    out of range)."""
    text, p, n = _text(v), int(pos), int(length)  # type: ignore[call-overload]
    if not 1 <= p <= len(text):
        return text
    end = len(text) if n < 0 else p - 1 + n
    return text[: p - 1] + _text(new) + text[end:]


def ord_(v: object) -> int:
    """ORD: the first character's UTF-8 bytes as one number ('é' is 50089)."""
    text = _text(v)
    return int.from_bytes(text[0].encode(), "big") if text else 0


def strcmp(a: object, b: object) -> int:
    x, y = _text(a).lower(), _text(b).lower()
    return (x > y) - (x < y)


def quarter(v: object) -> int | None:
    d = _date(v)
    return None if d is None else (d.month - 1) // 3 + 1


def week(v: object, mode: object = 0) -> int | None:
    """WEEK(date[, mode]) for MySQL's modes 0 to 7."""
    d = _date(v)
    if d is None:
        return None
    m = int(mode or 0) & 7  # type: ignore[call-overload]
    day = d.date()
    if m in (0, 2):  # Sunday first, week 1 the first with a Sunday
        year, w = _sunday_week(day)
        return w if m == 2 or year == day.year else 0
    if m in (1, 3):  # Monday first, week 1 the first with four days (ISO)
        year, w, _ = day.isocalendar()
        if m == 3:
            return w
        return 0 if year < day.year else 53 if year > day.year else w
    if m in (4, 6):  # Sunday first, week 1 the first with four days
        start = dt.date(day.year, 1, 1)
        first = start - dt.timedelta(days=(start.isoweekday() % 7))  # the Sunday on or before
        if (start - first).days > 3:
            first += dt.timedelta(days=7)
        w = (day - first).days // 7 + 1
        if w < 1:
            return 0 if m == 4 else week(dt.date(day.year - 1, 12, 31), 6)
        return w
    # 5, 7: Monday first, week 1 the first with a Monday
    w = int(day.strftime("%W"))
    if w == 0 and m == 7:
        return int(dt.date(day.year - 1, 12, 31).strftime("%W"))
    return w


def yearweek(v: object, mode: object = 0) -> int | None:
    """YEARWEEK: year and week, the week as WEEK's mode 2 (mode 0) or ISO (mode 1, 3)."""
    d = _date(v)
    if d is None:
        return None
    if int(mode or 0) & 1:  # type: ignore[call-overload]
        year, w, _ = d.isocalendar()
        return year * 100 + w
    year, w = _sunday_week(d.date())
    return year * 100 + w


def sec_to_time(v: object) -> str:
    """SEC_TO_TIME: seconds as a TIME, within TIME's range (838:59:59)."""
    total = float(v)  # type: ignore[arg-type]
    limit = 838 * 3600 + 59 * 60 + 59
    return _time_text(dt.timedelta(seconds=max(-limit, min(limit, total))))


def time_to_sec(v: object) -> int | None:
    """TIME_TO_SEC: a TIME's whole seconds (a DATETIME's time of day)."""
    d = _delta(v)
    if d is None:
        when = _date(v)
        return None if when is None else when.hour * 3600 + when.minute * 60 + when.second
    whole = int(abs(d).total_seconds())
    return -whole if d < dt.timedelta(0) else whole


_DAY_ONE = dt.date(1, 1, 1).toordinal() - 366  # FROM_DAYS(366) is 0001-01-01


def from_days(n: object) -> str | None:
    days = int(n)  # type: ignore[call-overload]
    if days < 366:
        return None  # MySQL's 0000-00-00
    return dt.date.fromordinal(days + _DAY_ONE).isoformat()


def to_days(v: object) -> int | None:
    """TO_DAYS(date): days since year 0 (FROM_DAYS's inverse); NULL for a value not a date."""
    d = _date(v)
    return None if d is None else d.toordinal() - _DAY_ONE


def to_seconds(v: object) -> int | None:
    """TO_SECONDS(datetime): seconds since year 0."""
    d = _date(v)
    if d is None:
        return None
    return (d.toordinal() - _DAY_ONE) * 86400 + d.hour * 3600 + d.minute * 60 + d.second


def _period_months(period: object) -> int:
    """A period (YYMM or YYYYMM) as months since year 0; YY below 70 is 20YY, as MySQL reads it."""
    year, month = divmod(int(period), 100)  # type: ignore[call-overload]
    if year < 70:
        year += 2000
    elif year < 100:
        year += 1900
    return year * 12 + month - 1


def period_add(period: object, months: object) -> int:
    """PERIOD_ADD(P, N): the period N months after P, as YYYYMM."""
    year, month = divmod(_period_months(period) + int(months), 12)  # type: ignore[call-overload]
    return year * 100 + month + 1


def period_diff(a: object, b: object) -> int:
    """PERIOD_DIFF(P1, P2): months from P2 to P1."""
    return _period_months(a) - _period_months(b)


def inet_aton(v: object) -> int | None:
    """INET_ATON('10.0.0.1'): the address as a number; a short form's last part fills the rest
    ('127.1' is 127.0.0.1), as MySQL reads it; NULL for anything else."""
    parts = _text(v).split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() and p.isascii() for p in parts):
        return None
    numbers = [int(p) for p in parts]
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 1 << (8 * (5 - len(numbers))):
        return None
    value = 0
    for n in numbers[:-1]:
        value = value << 8 | n
    return value << (8 * (5 - len(numbers))) | numbers[-1]


def inet_ntoa(v: object) -> str | None:
    """INET_NTOA(n): the dotted address of a number below 2**32; NULL otherwise."""
    n = int(v)  # type: ignore[call-overload]
    if not 0 <= n < 1 << 32:
        return None
    return ".".join(str(n >> shift & 255) for shift in (24, 16, 8, 0))


def make_set(bits: object, *items: object) -> str | None:
    """MAKE_SET(bits, a, b, ...): the items whose bit is set, comma-separated (NULL items
    left out)."""
    if bits is None:
        return None
    mask = int(bits) & (1 << 64) - 1  # type: ignore[call-overload]
    return ",".join(_text(x) for i, x in enumerate(items) if mask >> i & 1 and x is not None)


def export_set(bits: object, on: object, off: object, sep: object = ",", count: object = 64) -> str:
    """EXPORT_SET(bits, on, off [, separator [, number of bits]]): on or off for each bit,
    lowest first, at most 64."""
    mask = int(bits) & (1 << 64) - 1  # type: ignore[call-overload]
    n = min(max(int(count), 0), 64)  # type: ignore[call-overload]
    return _text(sep).join(_text(on) if mask >> i & 1 else _text(off) for i in range(n))


_SOUNDEX = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "01230120022455012623010202", strict=True))


def soundex(v: object) -> str:
    """SOUNDEX(text), MySQL's: the first letter, then the codes of the letters after it
    (vowels, H, W and Y have none; a code equal to the last one written is dropped), padded
    with zeros to four characters and not cut after them."""
    letters = [c for c in _text(v).upper() if c in _SOUNDEX]
    if not letters:
        return ""
    out, last = [letters[0]], _SOUNDEX[letters[0]]
    for c in letters[1:]:
        code = _SOUNDEX[c]
        if code != "0" and code != last:
            out.append(code)
            last = code
    return "".join(out).ljust(4, "0")


def bit_count(v: object) -> int:
    """BIT_COUNT(n): the bits set in n as a 64-bit integer (in a binary string: in its bytes)."""
    if isinstance(v, bytes):
        return sum(bin(b).count("1") for b in v)
    if isinstance(v, str):  # the integer MySQL reads in it ('12abc' is 12, 'abc' 0)
        lead = leading_number(v) if not NUMBER_TEXT.fullmatch(v.strip()) else v.strip()
        v = Decimal(lead).to_integral_value(ROUND_HALF_UP) if lead is not None else 0
    if isinstance(v, (float, Decimal)) and not float(v).is_integer() and math.isfinite(v):
        v = Decimal(str(v)).to_integral_value(ROUND_HALF_UP)
    if isinstance(v, (float, Decimal)) and (not math.isfinite(v) or abs(v) >= 1 << 64):
        return 64 if v > 0 else 0  # past 64 bits: the largest unsigned integer (or 0)
    return bin(int(v) & (1 << 64) - 1).count("1")  # type: ignore[call-overload]


def bit_length(v: object) -> int:
    return 8 * (len(v) if isinstance(v, bytes) else len(_text(v).encode()))


_TIME_SPECIFIERS = re.compile(r"%(.)", re.S)


def time_format(v: object, fmt: object) -> str | None:
    """TIME_FORMAT(time, format): only the hour, minute, second and microsecond specifiers
    (%H and %k go past 23); NULL when the format has another."""
    d = _delta(v)
    if d is None:
        return None
    sign = "-" if d < dt.timedelta(0) else ""
    total = abs(d)
    hours, rest = divmod(total.days * 86400 + total.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    twelve = hours % 12 or 12
    parts = {"H": f"{hours:02d}", "k": str(hours), "h": f"{twelve:02d}", "I": f"{twelve:02d}",
             "l": str(twelve), "i": f"{minutes:02d}", "s": f"{seconds:02d}", "S": f"{seconds:02d}",
             "f": f"{total.microseconds:06d}", "p": "AM" if hours % 24 < 12 else "PM",
             "T": f"{hours:02d}:{minutes:02d}:{seconds:02d}", "%": "%"}
    parts["r"] = f"{twelve:02d}:{minutes:02d}:{seconds:02d} {parts['p']}"
    text = _text(fmt)
    if any(m.group(1) not in parts for m in _TIME_SPECIFIERS.finditer(text)):
        return None
    return sign + _TIME_SPECIFIERS.sub(lambda m: parts[m.group(1)], text)


def makedate(year: object, day: object) -> str | None:
    y, n = int(year), int(day)  # type: ignore[call-overload]
    if n <= 0:
        return None
    if 0 <= y < 70:
        y += 2000
    elif 70 <= y < 100:
        y += 1900
    return (dt.date(y, 1, 1) + dt.timedelta(days=n - 1)).isoformat()


def crc32(v: object) -> int:
    import zlib

    return zlib.crc32(_text(v).encode() if not isinstance(v, bytes) else v)


def sha2(v: object, bits: object) -> str | None:
    algo = {0: "sha256", 224: "sha224", 256: "sha256", 384: "sha384", 512: "sha512"}.get(int(bits))  # type: ignore[call-overload]
    if algo is None:
        return None
    data = v if isinstance(v, bytes) else _text(v).encode()
    return hashlib.new(algo, data).hexdigest()


def to_base64(v: object) -> str:
    import base64

    data = v if isinstance(v, bytes) else _text(v).encode()
    text = base64.b64encode(data).decode()
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def from_base64(v: object) -> object:
    import base64
    import binascii

    try:
        data = base64.b64decode("".join(_text(v).split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data


def conv(v: object, from_base: object, to_base: object) -> str | None:
    """CONV(n, from, to): bases 2 to 36; a negative to-base reads the result as signed."""
    f, t = abs(int(from_base)), int(to_base)  # type: ignore[call-overload]
    if not (2 <= f <= 36 and 2 <= abs(t) <= 36):
        return None
    text = _text(v).strip()
    negative = text.startswith("-")
    digits = re.match(r"[0-9a-zA-Z]*", text.lstrip("+-")).group()  # type: ignore[union-attr]
    n = 0
    for c in digits:
        d = int(c, 36)
        if d >= f:
            break
        n = n * f + d
    if negative:
        n = -n if t < 0 else (1 << 64) - n
    sign = "-" if n < 0 else ""
    n = abs(n)
    out = ""
    while True:
        n, r = divmod(n, abs(t))
        out = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[r] + out
        if n == 0:
            break
    return sign + out


def format_number(v: object, places: object, locale: object = None) -> str:
    """FORMAT(x, d): rounded to d places (half away from zero), thousands separated by
    commas (en_US; de_DE swaps the separators)."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    d = max(0, min(int(places), 30))  # type: ignore[call-overload]
    try:
        x = Decimal(_text(v).strip() or "0")
    except InvalidOperation:
        lead = leading_number(_text(v))  # the number a string begins with ('12abc' is 12), or 0
        x = Decimal(lead) if lead is not None else Decimal(0)
    text = f"{x.quantize(Decimal(1).scaleb(-d), ROUND_HALF_UP):,.{d}f}"
    if str(locale or "").lower().startswith(("de", "es", "it", "nl", "pt", "da", "id", "tr")):
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def json_keys(doc: object, path: object = "$") -> str | None:
    import json

    ok, v = _walk(_json(doc), _text(path))
    if not ok or not isinstance(v, dict):
        return None
    return json.dumps(list(v), ensure_ascii=False)


def json_contains(target: object, candidate: object, path: object = "$") -> int | None:
    """JSON_CONTAINS: an object contains an object whose keys it has with contained values,
    an array contains a value (or each element of an array) one of its elements contains, a
    scalar only an equal scalar."""
    ok, doc = _walk(_json(target), _text(path))
    if not ok:
        return None

    def contains(a: object, b: object) -> bool:
        if isinstance(a, dict):
            return isinstance(b, dict) and all(k in a and contains(a[k], x) for k, x in b.items())
        if isinstance(a, list):
            if isinstance(b, list):
                return all(any(contains(x, y) for x in a) for y in b)
            return any(contains(x, b) for x in a)
        if isinstance(b, (dict, list)):
            return False
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return a == b
        return type(a) is type(b) and a == b

    return int(contains(doc, _json(candidate)))


def _position(v: object) -> int:
    """A position or length as MySQL reads it: a number rounded half away from zero (1.5 is
    2; a DOUBLE comes rounded already, ``rint``), a string's number cut (MySQL's '1.5' is 1)."""
    if isinstance(v, float):
        return int(Decimal(repr(v)).to_integral_value(ROUND_HALF_UP))
    return int(float(v))  # type: ignore[arg-type]


def substr(v: object, pos: object, length: object = None) -> object:
    """SUBSTRING / SUBSTR / MID: a negative position counts from the end ('Hello', -3 is
    'llo'), position 0 is '' (PostgreSQL's substring reads both otherwise)."""
    if v is None or pos is None:
        return None
    text: str | bytes = v if isinstance(v, bytes) else _text(v)
    p = _position(pos)
    start = p - 1 if p > 0 else len(text) + p
    if p == 0 or start < 0:
        return text[:0]
    if length is None:
        return text[start:]
    n = _position(length)
    return text[start : start + n] if n > 0 else text[:0]


def _delta(v: object) -> dt.timedelta | None:
    """A TIME value ('-1 10:30:00.5', '10:30', '103000') as a timedelta."""
    m = re.fullmatch(r"\s*([-+])?(?:(\d+)\s+)?(\d+):(\d\d)(?::(\d\d)(\.\d+)?)?\s*", _text(v))
    if m is None:
        return None
    days, hours, minutes, seconds = (int(x or 0) for x in m.group(2, 3, 4, 5))
    micro = round(float(m.group(6) or 0) * 1_000_000)
    d = dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, microseconds=micro)
    return -d if m.group(1) == "-" else d


def _time_text(d: dt.timedelta) -> str:
    sign = "-" if d < dt.timedelta(0) else ""
    d = abs(d)
    whole = d.days * 86400 + d.seconds
    text = f"{sign}{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    return text + (f".{d.microseconds:06d}" if d.microseconds else "")


def _datetime_text(d: dt.datetime) -> str:
    return d.isoformat(" ", "microseconds" if d.microsecond else "seconds")


def _is_datetime(v: object) -> bool:
    return bool(re.match(r"\s*\d{4}-\d\d-\d\d", _text(v)))


def timestamp(v: object, add: object = None) -> str | None:
    """TIMESTAMP(expr[, time]): the date or datetime as a DATETIME, plus the time if given."""
    d = _date(v)
    if d is None:
        return None
    if add is not None:
        delta = _delta(add)
        if delta is None:
            return None
        d += delta
    return _datetime_text(d)


def addtime(a: object, b: object, sign: int = 1) -> str | None:
    """ADDTIME / SUBTIME: a DATETIME or a TIME plus (minus) a TIME."""
    delta = _delta(b)
    if delta is None:
        return None
    if _is_datetime(a):
        d = _date(a)
        return None if d is None else _datetime_text(d + sign * delta)
    start = _delta(a)
    return None if start is None else _time_text(start + sign * delta)


def timediff(a: object, b: object) -> str | None:
    """TIMEDIFF: a - b, two DATETIMEs or two TIMEs, as a TIME."""
    if _is_datetime(a) and _is_datetime(b):
        x, y = _date(a), _date(b)
        return None if x is None or y is None else _time_text(x - y)
    if _is_datetime(a) or _is_datetime(b):
        return None  # MySQL: NULL for a DATETIME and a TIME
    x2, y2 = _delta(a), _delta(b)
    return None if x2 is None or y2 is None else _time_text(x2 - y2)


def datetime_text(v: object, fsp: object) -> str | None:
    """A DATETIME / TIMESTAMP's text as MySQL writes it: seconds, then its fsp digits."""
    if v is None:
        return None
    text = str(v).replace("T", " ")
    head, _, fraction = text.partition(".")
    digits = int(fsp or 0)  # type: ignore[call-overload]
    return head[:19] + ("." + (fraction + "000000")[:digits] if digits else "")


def decimal_text(v: object, scale: object) -> str | None:
    """A DECIMAL(p, s)'s text as MySQL writes it: s digits after the point."""
    if v is None:
        return None
    from decimal import Decimal, InvalidOperation

    try:
        d = Decimal(str(v))
    except InvalidOperation:
        return str(v)
    return str(d.quantize(Decimal(1).scaleb(-int(scale))))  # type: ignore[call-overload]


def divisor(v: object) -> object:
    """The divisor of a write's division: zero is 1365, as in MySQL's strict mode."""
    if v is not None and not isinstance(v, (str, bytes)) and v == 0:
        raise SqlError("22012", "Division by 0", errno=1365)
    if isinstance(v, str):
        try:
            if float(v) == 0:
                raise SqlError("22012", "Division by 0", errno=1365)
        except ValueError:
            pass
    return v


def _member_key(v: object) -> str:
    """An ENUM or SET member as the column compares it: case and trailing spaces aside."""
    return str(v).rstrip(" ").lower()


def enum_member(v: object, *members: object) -> object:
    """A value written to an ENUM column: the member it names, as declared (case and
    trailing spaces aside, as the column compares), or by its 1-based index, also written
    as a string that names no member ('2'); anything else as it is, for the column's check
    to refuse (1265)."""
    if isinstance(v, str):
        key = _member_key(v)
        named = next((m for m in members if isinstance(m, str) and _member_key(m) == key), None)
        if named is not None or not v.strip().isdigit():
            return v if named is None else named
        v = int(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer():
        i = int(v)
        return members[i - 1] if 1 <= i <= len(members) else v
    return v


def _double(v: object) -> float | None:
    if v is None:
        return None
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        # MySQL reads a string that is no number as the number it begins with ('12abc' is
        # 12), or 0
        text = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
        lead = leading_number(text) if isinstance(text, str) else None
        return float(lead) if lead is not None else 0.0


def _out_of_range(expression: str) -> SqlError:
    return SqlError("22003", f"DOUBLE value is out of range in '{expression}'", errno=1690)


def double_range(v: object, expression: str) -> object:
    """A DOUBLE operator's result, 1690 when it is no finite number."""
    if isinstance(v, float) and math.isinf(v):
        if not expression:
            raise SqlError("22003", "DOUBLE value is out of range", errno=1690)
        raise _out_of_range(expression)
    return v


def sqrt(v: object) -> float | None:
    x = _double(v)
    return None if x is None or x < 0 else math.sqrt(x)


def ln(v: object) -> float | None:
    x = _double(v)
    return None if x is None or x <= 0 else math.log(x)


def log(base: object, v: object) -> float | None:
    """LOG(b, x): NULL for x <= 0 or a base <= 0 or of 1, as MySQL answers."""
    b, x = _double(base), _double(v)
    if b is None or x is None or x <= 0 or b <= 0 or b == 1:
        return None
    return math.log(x) / math.log(b)


def exp_(v: object) -> float | None:
    x = _double(v)
    if x is None:
        return None
    try:
        return math.exp(x)
    except OverflowError:
        raise _out_of_range(f"exp({v})") from None


def pow_(a: object, b: object) -> float | None:
    x, y = _double(a), _double(b)
    if x is None or y is None:
        return None
    try:
        got = math.pow(x, y)
    except (ValueError, OverflowError, ZeroDivisionError):
        raise _out_of_range(f"pow({a},{b})") from None
    if math.isinf(got):
        raise _out_of_range(f"pow({a},{b})")
    return got


def distinct_key(*values: object) -> str | None:
    """COUNT(DISTINCT a, b)'s key of one row: NULL when a value is NULL (the row is not
    counted), else the values as the comparison sees them (a string without case, as the
    default collation compares; 1 and 1.0 alike)."""
    import json

    if any(v is None for v in values):
        return None
    key: list[object] = []
    for v in values:
        if isinstance(v, str):
            key.append(["s", v.lower()])
        elif isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            key.append(["n", str(Decimal(str(v)).normalize())])
        elif isinstance(v, bytes):
            key.append(["b", v.hex()])
        else:
            key.append(["o", str(v)])
    return json.dumps(key)


def enum_index(v: object, *members: object) -> int | None:
    """An ENUM value's member number (1 for the first; 0 for '', the invalid value)."""
    if v is None:
        return None
    key = _member_key(v)
    return next((i for i, m in enumerate(members, 1) if _member_key(m) == key), 0)


def set_value(v: object, column: object, *members: object) -> object:
    """A value written to a SET column, as MySQL stores it: the members it names (a
    comma-separated list, case and trailing spaces aside, or a number's bits), once each,
    in declared order and spelling ('b,a,b' of SET('a','b') is 'a,b'; 3 too). A name that
    is no member is 1265, as strict mode has it."""
    if v is None:
        return None
    names = [str(m) for m in members]
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        bits = int(v)
        if bits != v or not 0 <= bits < 1 << len(names):
            raise SqlError("01000", f"Data truncated for column '{column}' at row 1", errno=1265)
        return ",".join(m for i, m in enumerate(names) if bits >> i & 1)
    text = v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    if not text:
        return ""
    keys = [_member_key(m) for m in names]
    chosen = set()
    for part in text.split(","):
        key = _member_key(part)
        if key not in keys:
            raise SqlError("01000", f"Data truncated for column '{column}' at row 1", errno=1265)
        chosen.add(keys.index(key))
    return ",".join(names[i] for i in sorted(chosen))


def set_bits(v: object, *members: object) -> int | None:
    """A SET value as a number: the bit of each member it holds (the first member is 1)."""
    if v is None:
        return None
    text = str(v)
    if not text:
        return 0
    held = {_member_key(part) for part in text.split(",")}
    return sum(1 << i for i, m in enumerate(members) if _member_key(m) in held)


def year_value(v: object) -> object:
    """A value written to a YEAR column: a one- or two-digit year is 2000-2069 from 1 to 69
    and 1970-1999 from 70 to 99 (the number 0 is 0000, the string '0' or '00' is 2000), as
    MySQL reads it; anything else as it is, for the column's range check."""
    if isinstance(v, str):
        text = v.strip()
        if text.isdigit() and len(text) <= 2:
            n = int(text)
            return 2000 + n if n < 70 else 1900 + n
        return v
    if isinstance(v, (float, Decimal)) and math.isfinite(v) and not float(v).is_integer():
        # a number with a fraction is its nearest year, half away from zero (1.5 is 2002,
        # 2001.6 2002); a negative one is out of YEAR's range, as in MySQL (-0.4 was 0000)
        if v < 0:
            return -1
        v = int(Decimal(str(v)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer():
        n = int(v)
        if 1 <= n <= 69:
            return 2000 + n
        if 70 <= n <= 99:
            return 1900 + n
    return v


_TEMPORAL_TEXT = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?)?|(-?)(\d+):(\d\d):(\d\d)(?:\.(\d+))?")


def ascii_(v: object) -> int | None:
    """ASCII(s): the first byte of the string's UTF-8 (195 for 'é', as in MySQL), 0 for ''."""
    if v is None:
        return None
    data = v if isinstance(v, bytes) else str(v).encode("utf-8", "surrogateescape")
    return data[0] if data else 0


class TooLarge(Exception):
    """A string function's result longer than max_allowed_packet: MySQL's NULL, with its
    warning 1301 (the function's name is the warning's)."""

    def __init__(self, function: str) -> None:
        super().__init__(function)
        self.function = function


_INT32_MAX = (1 << 31) - 1


def _count(v: object) -> int:
    """A length or count argument as MySQL's val_int reads it: rounded half away from zero
    (2.5 is 3), 0 for no number, and no more than INT_MAX32, where MySQL stops counting."""
    text = _text(v).strip() if isinstance(v, str | bytes) else str(v)
    try:
        d = Decimal(leading_number(text) or "0") if isinstance(v, str | bytes) else Decimal(text)
        n = int(d.to_integral_value(rounding=ROUND_HALF_UP)) if d.is_finite() else 0
    except ArithmeticError:
        n = 0
    return min(n, _INT32_MAX)


def pad(v: object, length: object, fill: object, left: object, limit: int = 1 << 26) -> str | None:
    """LPAD / RPAD(s, n, pad): s cut or padded to n characters; NULL when an argument is,
    when n is negative, or when the pad is empty and s is shorter than n (MySQL's).
    ``limit``: max_allowed_packet, which n characters of four bytes may not pass (TooLarge)."""
    if v is None or length is None or fill is None:
        return None
    n = _count(length)
    text, filler = _text(v), _text(fill)
    if n < 0:
        return None
    if len(text) >= n:
        return text[:n]
    if n * 4 > limit:  # (utf8mb4's widest character, as MySQL reckons it)
        raise TooLarge("lpad" if left else "rpad")
    if not filler:
        return None
    need = n - len(text)
    padding = (filler * (need // len(filler) + 1))[:need]
    return padding + text if left else text + padding


def repeat(v: object, count: object, limit: int = 1 << 26) -> object:
    """REPEAT(s, n): s n times, '' for n < 1; TooLarge past ``limit`` bytes (MySQL's
    max_allowed_packet)."""
    if v is None or count is None:
        return None
    n = _count(count)
    if n < 1:
        return b"" if isinstance(v, bytes) else ""
    data = v if isinstance(v, bytes) else _text(v)
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if n > 1 and size > limit // n:
        raise TooLarge("repeat")
    return data * n


def space(count: object, limit: int = 1 << 26) -> str | None:
    """SPACE(n): n spaces, '' for n < 1; TooLarge past ``limit`` (max_allowed_packet)."""
    if count is None:
        return None
    n = _count(count)
    if n > limit:
        raise TooLarge("space")
    return " " * max(n, 0)


def temporal_number(v: object, digits: object) -> object:
    """A DATE, DATETIME, TIMESTAMP or TIME in arithmetic, as MySQL reads it there: the number
    its digits spell (2024-02-29 is 20240229, 2024-02-29 13:14:15 20240229131415, 13:14:15
    131415), with ``digits`` fractional digits (a DATETIME(3)'s); anything else as it is."""
    if not isinstance(v, str):
        return v
    m = _TEMPORAL_TEXT.fullmatch(v.strip())
    if m is None:
        return v
    if m.group(1) is not None:
        whole = int("".join(g for g in m.groups()[:6] if g is not None))
        fraction, sign = m.group(7) or "", 1
    else:
        whole = int(m.group(9) + m.group(10) + m.group(11))
        fraction, sign = m.group(12) or "", -1 if m.group(8) else 1
    n = digits if isinstance(digits, int) and 0 < digits <= 6 else 0
    if not n:
        return sign * whole
    return sign * float(f"{whole}.{fraction[:n].ljust(n, '0')}")


def json_number(v: object) -> object:
    """A JSON value compared with a number: the number it holds, NULL when it holds none."""
    x = _json(v)
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def json_double(v: object) -> object:
    """A JSON value in arithmetic, as MySQL reads it there: the number it holds, a string's
    leading number, 0 for anything else (true is 1); NULL for NULL."""
    if v is None:
        return None
    x = _json(v)
    if isinstance(x, bool):
        return float(x)
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str):
        lead = leading_number(x)
        return float(lead) if lead is not None else 0.0
    return 0.0


def json_sort_key(v: object) -> object:
    """A JSON value as it sorts among others in MySQL: a number by its value, a string by its
    text, after every number (SQLite sorts numbers before text), anything else after both
    (as bytes)."""
    x = _json(v)  # (a text that is no JSON comes back as it is: a string)
    if x is None or isinstance(x, str) or (isinstance(x, (int, float)) and not isinstance(x, bool)):
        return x
    return str(v).encode()


def bytes_text(v: object) -> object:
    """A binary column's bytes as text, for a LIKE to match (UTF-8; other bytes kept)."""
    return bytes(v).decode("utf-8", "surrogateescape") if isinstance(v, (bytes, memoryview)) else v


def utf8_bytes(v: object) -> object:
    """A string compared with a binary column: its UTF-8 bytes."""
    return v.encode("utf-8", "surrogateescape") if isinstance(v, str) else v


def number_time(v: object, column: object = None) -> object:
    """A number written to a TIME column, read as MySQL reads one: [H]HMMSS with a fraction
    as fractional seconds (123456.5 is '12:34:56.5', 930 '00:09:30'). Returned as text for
    the column's time input; a value that is not a number as it is; minutes or seconds past
    59 are 1292, as in MySQL's strict mode."""
    if type(v) not in (int, float) or isinstance(v, bool):
        return v
    whole = int(abs(v))
    fraction = abs(v) - whole if isinstance(v, float) else 0.0
    hours, rest = divmod(whole, 10000)
    minutes, seconds = divmod(rest, 100)
    if minutes > 59 or seconds > 59:
        raise SqlError("22007", f"Incorrect time value: '{v}' for column '{column}' at row 1", errno=1292)
    text = f"{'-' if v < 0 else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return text + f"{fraction:.6f}"[1:] if fraction else text


def number_datetime(v: object, column: object = None) -> object:
    """A number written to a DATE / DATETIME / TIMESTAMP column, read as MySQL reads one:
    YYYYMMDD or YYMMDD, with hhmmss after for a date and time (20240301101112), fewer digits
    zero-filled on the left, a two-digit year 70-99 as 19YY and 00-69 as 20YY, a fraction as
    fractional seconds. Returned as ISO text; a value that is not a number as it is; a
    number that is no date is 1292, as in MySQL's strict mode."""
    if type(v) not in (int, float) or isinstance(v, bool):
        return v
    whole = int(v)
    fraction = abs(v - whole) if isinstance(v, float) else 0.0
    digits = str(abs(whole))
    n = len(digits)
    size = 6 if n <= 6 else 8 if n <= 8 else 12 if n <= 12 else 14
    digits = digits.zfill(size)
    if size in (6, 12):
        yy = int(digits[:2])
        digits = ("19" if yy >= 70 else "20") + digits
    try:
        if whole < 0 or (fraction and len(digits) == 8):
            raise ValueError
        day = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
        if len(digits) == 8:
            return day.isoformat()
        clock = dt.time(int(digits[8:10]), int(digits[10:12]), int(digits[12:14]),
                        round(fraction * 1_000_000) if fraction else 0)
    except ValueError:
        kind = "date" if size <= 8 else "datetime"
        where = f" for column '{column}' at row 1" if column is not None else ""  # (a CAST's)
        raise SqlError("22007", f"Incorrect {kind} value: '{v}'{where}", errno=1292) from None
    return dt.datetime.combine(day, clock).isoformat(" ")


def _json_order(v: object) -> object:
    """An object's keys in MySQL's order (by length, then bytes: how it stores them)."""
    if isinstance(v, dict):
        return {k: _json_order(v[k]) for k in sorted(v, key=lambda k: (len(k.encode()), k.encode()))}
    if isinstance(v, list):
        return [_json_order(x) for x in v]
    return v


def _json_text(v: object) -> str:
    """A parsed JSON value as MySQL writes it: ``{"a": 1, "b": [1, 2]}``."""
    import json

    return json.dumps(_json_order(v), ensure_ascii=False)


def _json_doc(v: object, function: str) -> object:
    """A JSON document argument, parsed; 3141 when it is not JSON (MySQL's error)."""
    import json

    try:
        return json.loads(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SqlError("22032", f"Invalid JSON text in argument 1 to function {function}.",
                       errno=3141) from None


def json_form(v: object) -> object:
    if v is None:
        return None
    import json

    try:
        return _json_text(json.loads(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return v


def _json_value(v: object) -> object:
    """An SQL value given where a JSON value goes: a string is a JSON string."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, Decimal):
        return float(v)
    return v


_LEG = re.compile(r'\.(?:"((?:[^"\\]|\\.)*)"|([\w$]+))|\[\s*(?:(\d+)|last(?:\s*-\s*(\d+))?)\s*\]')


def _legs(path: object, function: str) -> list[str | tuple[int, bool]]:
    """A modifying function's path as its legs: a key, or (index, from the end) for
    ``[n]`` / ``[last]`` / ``[last-n]``; 3143 for a path with wildcards or none at all."""
    text = _text(path).strip()
    legs: list[str | tuple[int, bool]] = []
    pos = 1
    if not text.startswith("$"):
        raise SqlError("42000", f"Invalid JSON path expression. The error is around character "
                       f"position 0 in argument of {function}.", errno=3143)
    while pos < len(text):
        m = _LEG.match(text, pos)
        if m is None:
            raise SqlError("42000", f"Invalid JSON path expression. The error is around character "
                           f"position {pos} in argument of {function}.", errno=3143)
        pos = m.end()
        if m.group(1) is not None or m.group(2) is not None:
            key = m.group(1) if m.group(1) is not None else m.group(2)
            legs.append(re.sub(r"\\(.)", r"\1", key))
        elif m.group(3) is not None:
            legs.append((int(m.group(3)), False))
        else:
            legs.append((int(m.group(4) or 0), True))
    return legs


def _index(leg: tuple[int, bool], size: int) -> int:
    n, from_end = leg
    return size - 1 - n if from_end else n


def _arg(v: object, as_json: bool, function: str) -> object:
    """A value given to a modifying function: JSON when the statement made it JSON (a JSON
    function's result, a JSON column, CAST AS JSON), else an SQL value (a string is a string)."""
    if as_json and v is not None:
        return _json_doc(v, function)
    return _json_value(v)


def json_modify(mode: object, flags: object, doc: object, *pairs: object) -> str | None:
    """JSON_SET / JSON_INSERT / JSON_REPLACE / JSON_ARRAY_INSERT / JSON_ARRAY_APPEND (``mode``
    set, insert, replace, array_insert, append), path by path in order, as MySQL applies
    them: set adds a missing key or an element past the end (appended) and replaces what is
    there; insert only adds, replace only replaces; a scalar given an index past 0 becomes an
    array of it first. ``flags`` holds 1 for each value that is JSON."""
    function = "json_" + str(mode)
    if doc is None or any(p is None for p in pairs[0::2]):
        return None
    root = _json_doc(doc, function)
    for i, (path, value) in enumerate(zip(pairs[0::2], pairs[1::2], strict=False)):
        legs = _legs(path, function)
        flag = str(flags)[i : i + 1]
        v = bool(value) if flag == "b" and value is not None else _arg(value, flag == "1", function)
        if not legs:
            if mode in ("set", "replace"):
                root = v
            elif mode == "append":
                root = (root if isinstance(root, list) else [root]) + [v]
            continue
        root = _modify(root, legs, v, str(mode))
    return _json_text(root)


def _modify(node: object, legs: list, value: object, mode: str) -> object:
    """``node`` with ``value`` put at ``legs`` (returns the node, which may be new: a
    scalar that became an array)."""
    leg, rest = legs[0], legs[1:]
    if isinstance(leg, str):
        if not isinstance(node, dict):
            return node
        if rest:
            if leg in node:
                node[leg] = _modify(node[leg], rest, value, mode)
            return node
        if mode == "append":
            if leg in node:
                old = node[leg]
                node[leg] = (old if isinstance(old, list) else [old]) + [value]
        elif leg in node:
            if mode in ("set", "replace"):
                node[leg] = value
        elif mode in ("set", "insert"):
            node[leg] = value
        return node
    if not isinstance(node, list):
        if _index(leg, 1) == 0:  # a scalar is an array of one
            return _modify([node], legs, value, mode)[0] if rest or mode in ("set", "replace", "append") \
                else node
        if rest or mode not in ("set", "insert"):
            return node
        return [node, value]
    i = _index(leg, len(node))
    if rest:
        if 0 <= i < len(node):
            node[i] = _modify(node[i], rest, value, mode)
        return node
    if mode == "array_insert":
        node.insert(max(0, min(i, len(node))), value)
    elif mode == "append":
        if 0 <= i < len(node):
            old = node[i]
            node[i] = (old if isinstance(old, list) else [old]) + [value]
    elif 0 <= i < len(node):
        if mode in ("set", "replace"):
            node[i] = value
    elif mode in ("set", "insert"):
        node.append(value)
    return node


def json_merge_patch(*docs: object) -> str | None:
    """JSON_MERGE_PATCH: RFC 7396, left to right (a null in a patch removes the key)."""
    if any(d is None for d in docs):
        return None

    def patch(target: object, p: object) -> object:
        if not isinstance(p, dict):
            return p
        out = dict(target) if isinstance(target, dict) else {}
        for k, v in p.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = patch(out.get(k), v)
        return out

    merged = _json_doc(docs[0], "json_merge_patch")
    for d in docs[1:]:
        merged = patch(merged, _json_doc(d, "json_merge_patch"))
    return _json_text(merged)


def json_merge_preserve(*docs: object) -> str | None:
    """JSON_MERGE_PRESERVE: arrays concatenated, objects merged key by key (the values of a
    key in both merged in turn), a scalar taken as an array of one."""
    if any(d is None for d in docs):
        return None

    def merge(a: object, b: object) -> object:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for k, v in b.items():
                out[k] = merge(out[k], v) if k in out else v
            return out
        return (a if isinstance(a, list) else [a]) + (b if isinstance(b, list) else [b])

    merged = _json_doc(docs[0], "json_merge_preserve")
    for d in docs[1:]:
        merged = merge(merged, _json_doc(d, "json_merge_preserve"))
    return _json_text(merged)


def _one_or_all(v: object) -> str:
    mode = _text(v).lower()
    if mode not in ("one", "all"):
        raise SqlError("42000", "The oneOrAll argument to json_contains_path may take these values: "
                       "'one' or 'all'.", errno=3154)
    return mode


def json_contains_path(doc: object, mode: object, *paths: object) -> int | None:
    if doc is None or mode is None or any(p is None for p in paths):
        return None
    parsed = _json_doc(doc, "json_contains_path")
    found = [_walk(parsed, _text(p))[0] for p in paths]
    return int(any(found) if _one_or_all(mode) == "one" else all(found))


def json_depth(doc: object) -> int | None:
    if doc is None:
        return None

    def depth(v: object) -> int:
        children = list(v.values()) if isinstance(v, dict) else v if isinstance(v, list) else []
        return 1 + max((depth(c) for c in children), default=0)  # type: ignore[union-attr]

    return depth(_json_doc(doc, "json_depth"))


def json_overlaps(a: object, b: object) -> int | None:
    """JSON_OVERLAPS: arrays share an element, objects a key with the same value, a scalar
    is an element of the array or equal to the other scalar."""
    if a is None or b is None:
        return None
    x, y = _json_doc(a, "json_overlaps"), _json_doc(b, "json_overlaps")
    if isinstance(x, dict) and isinstance(y, dict):
        return int(any(k in y and y[k] == v for k, v in x.items()))
    xs = x if isinstance(x, list) else [x]
    ys = y if isinstance(y, list) else [y]
    if isinstance(x, dict) != isinstance(y, dict) and not (isinstance(x, list) or isinstance(y, list)):
        return 0
    return int(any(v in ys for v in xs))


def _json_path_key(k: str) -> str:
    return f".{k}" if re.fullmatch(r"[A-Za-z_$][\w$]*", k) else '."' + k.replace('"', '\\"') + '"'


def json_search(doc: object, mode: object, search: object, escape: object = None, *paths: object) -> str | None:
    """JSON_SEARCH(doc, 'one'|'all', pattern[, escape[, path ...]]): the path of the first
    (or of every) string that matches the LIKE pattern, in MySQL's key order; NULL if none."""
    import fnmatch  # noqa: F401 - (patterns are translated below, as LIKE reads them)
    import json

    if doc is None or mode is None or search is None or any(p is None for p in paths):
        return None
    which = _one_or_all(mode)
    esc = _text(escape) if escape not in (None, "") else "\\"
    regex, i, pat = "", 0, _text(search)
    while i < len(pat):
        c = pat[i]
        if c == esc and i + 1 < len(pat):
            regex += re.escape(pat[i + 1])
            i += 2
            continue
        regex += ".*" if c == "%" else "." if c == "_" else re.escape(c)
        i += 1
    like = re.compile(regex, re.S | re.I)
    parsed = _json_doc(doc, "json_search")
    found: list[str] = []

    def visit(v: object, path: str) -> None:
        if isinstance(v, dict):
            for k in sorted(v, key=lambda k: (len(k.encode()), k.encode())):
                visit(v[k], path + _json_path_key(k))
        elif isinstance(v, list):
            for n, x in enumerate(v):
                visit(x, f"{path}[{n}]")
        elif isinstance(v, str) and like.fullmatch(v):
            found.append(path)

    starts = [_text(p) for p in paths] or ["$"]
    for start in starts:
        ok, v = _walk(parsed, start)
        if ok:
            visit(v, start.strip())
    found = list(dict.fromkeys(found))
    if not found:
        return None
    if which == "one" or len(found) == 1:
        return json.dumps(found[0])
    return json.dumps(found)


def json_quote(v: object) -> str | None:
    import json

    return None if v is None else json.dumps(_text(v), ensure_ascii=False)


def quote(v: object) -> str:
    """QUOTE(s): a string literal of s ('it\\'s'), the word NULL for NULL."""
    if v is None:
        return "NULL"
    text = _text(v)
    for a, b in (("\\", "\\\\"), ("'", "\\'"), ("\0", "\\0"), ("\x1a", "\\Z")):
        text = text.replace(a, b)
    return f"'{text}'"


def _is_address(version: int, v: object) -> int:
    """IS_IPV4 / IS_IPV6: 1 when ``v`` is an address of that version, in its text form."""
    import ipaddress

    try:
        return int(ipaddress.ip_address(_text(v)).version == version)
    except ValueError:
        return 0


def inet6_aton(v: object) -> bytes | None:
    """INET6_ATON: 4 bytes for an IPv4 address, 16 for an IPv6 one, NULL for neither."""
    import ipaddress

    try:
        return ipaddress.ip_address(_text(v)).packed
    except ValueError:
        return None


def inet6_ntoa(v: object) -> str | None:
    import ipaddress

    raw = bytes(v) if isinstance(v, (bytes, bytearray, memoryview)) else None
    if raw is None or len(raw) not in (4, 16):
        return None
    return str(ipaddress.ip_address(raw))


def text_datetime(v: object) -> str | None:
    """A string or a number as the date and time MySQL reads in it ('2024-01-02',
    '2024/01/02 10:11:12', 20240102, 20240102101112), as ISO text; NULL when it holds none."""
    moment = _date(v)
    return None if moment is None else moment.isoformat(" ")


def temporal_text(moment: object, original: object, dated: object) -> str | None:
    """DATE_ADD's result for a string: the date alone when the string was a date and the
    unit counts days or more, else the date and time (fractional seconds when there are)."""
    when = _date(moment)
    if when is None:
        return None
    if dated and date_only(original):
        return when.date().isoformat()
    return when.isoformat(" ", "microseconds" if when.microsecond else "seconds")


def date_only(v: object) -> bool:
    """Whether a string MySQL reads as a date holds a date alone ('2024-01-05', '24/1/5')."""
    text = str(v).strip()
    return bool(re.fullmatch(r"\d{6}|\d{8}|(?:\d{4}|\d{2})[^\w\s]\d{1,2}[^\w\s]\d{1,2}", text))


def seeded_rand(seed: int) -> Callable[[], float]:
    """The sequence of MySQL's RAND(seed): its generator (``my_rnd``, seeded as
    ``Item_func_rand`` seeds it), so that a seeded shuffle orders rows as MySQL does."""
    max_value = 0x3FFFFFFF
    state = [((seed * 0x10001 + 55555555) & 0xFFFFFFFF) % max_value,
             ((seed * 0x10000001) & 0xFFFFFFFF) % max_value]

    def rand() -> float:
        s1 = (state[0] * 3 + state[1]) % max_value
        state[0], state[1] = s1, (s1 + state[1] + 33) % max_value
        return s1 / max_value

    return rand


# UUID_SHORT(): (server_id & 255) << 56, the server's start time in seconds << 24, and a
# counter: unique in the instance while it runs, increasing
_uuid_short = itertools.count((1 << 56) + (int(time.time()) << 24))


def uuid_short() -> int:
    return next(_uuid_short)


_UUID = re.compile(r"\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?"
                   r"([0-9a-fA-F]{12})\}?")


def _uuid_parts(v: object) -> list[str] | None:
    text = v.decode("latin-1") if isinstance(v, bytes) else str(v)
    m = _UUID.fullmatch(text)
    if m is None or (text.startswith("{") != text.endswith("}")):
        return None
    dashes = text.strip("{}").count("-")
    return list(m.groups()) if dashes in (0, 4) else None


def is_uuid(v: object) -> int:
    return int(_uuid_parts(v) is not None)


def uuid_to_bin(v: object, swap: object = 0) -> bytes:
    """UUID_TO_BIN(uuid[, swap]): 16 bytes; with swap the time's high part first (an
    index then grows in order with version-1 UUIDs)."""
    parts = _uuid_parts(v)
    if parts is None:
        raise SqlError("HY000", f"Incorrect string value: '{v}' for function uuid_to_bin", errno=1411)
    raw = bytes.fromhex("".join(parts))
    return raw[6:8] + raw[4:6] + raw[0:4] + raw[8:] if swap else raw


def bin_to_uuid(v: object, swap: object = 0) -> str:
    raw = bytes(v) if isinstance(v, (bytes, bytearray, memoryview)) else None
    if raw is None or len(raw) != 16:
        shown = raw.hex() if raw is not None else v
        raise SqlError("HY000", f"Incorrect string value: '{shown}' for function bin_to_uuid", errno=1411)
    if swap:
        raw = raw[4:8] + raw[2:4] + raw[0:2] + raw[8:]
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# a number's text as MySQL reads one in a string ('5', '-1.5', '.5', '1e3'), whole or leading
NUMBER_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LEADING_NUMBER = re.compile(r"\s*(" + NUMBER_TEXT.pattern + ")")
_NUMERIC_KINDS = {*INT_RANGES, "decimal", "float", "double"}


def leading_number(v: str) -> str | None:
    """The number a string that is no number begins with, as MySQL reads it when it stores
    one ('12abc' is 12, '0x10' 0, '1.5e2px' 150), or None when it begins with none."""
    m = _LEADING_NUMBER.match(v)
    return m.group(1) if m is not None else None


def fit(v: object, kind: str) -> tuple[object, int | None]:
    """A value an INSERT or UPDATE IGNORE writes to a column of ``kind`` (MySQL's spelling:
    ``tinyint unsigned``, ``varchar(3)``, ``decimal(5,2)``, with `` not null`` for a NOT
    NULL column), as MySQL stores it, and the warning that says so: a number out of the
    column's range is its nearest bound (1264), a string longer than a CHAR / VARCHAR its
    first characters (1265), than a BINARY / VARBINARY its first bytes (1265), a string that is no number written to a numeric column its
    leading number (1265) or else 0 (1366; a FLOAT / DOUBLE's 1265), a NULL for a NOT NULL
    column the type's implicit default (1048: 0, '', an ENUM's first member). Anything
    else as it is, for the write to check."""
    not_null = kind.endswith(" not null")
    kind = kind.removesuffix(" not null")
    name = kind.split("(")[0].split()[0]
    args = re.search(r"\(([^)]*)\)", kind)
    if v is None:
        return (_implicit_default(name, kind), 1048) if not_null else (None, None)
    if name in ("char", "varchar") and args is not None:
        text = v if isinstance(v, str) else str(v) if isinstance(v, int) and not isinstance(v, bool) else None
        n = int(args.group(1))
        if text is None or len(text.rstrip(" ")) <= n:
            return v, None
        return text[:n], 1265
    if name == "year" and isinstance(v, (str, int, float, Decimal)) and not isinstance(v, bool):
        # out of YEAR's range: 0000 (1264); a string that is no number its leading number's
        # year (1265) or 0000 (1366), as MySQL stores them
        errno = None
        if isinstance(v, str):
            lead = v.strip() if NUMBER_TEXT.fullmatch(v.strip()) else leading_number(v)
            if lead is None:
                return 0, 1366
            errno = None if lead == v.strip() else 1265
            v = year_value(lead if lead.isdigit() else float(lead))
            v = int(v) if isinstance(v, str) else v  # (a year of 3 or 4 digits)
        if isinstance(v, str) or not (v == 0 or 1901 <= v <= 2155):  # type: ignore[operator]
            return 0, 1264
        return v, errno
    if name == "bit" and isinstance(v, int) and not isinstance(v, bool):
        top = (1 << int(args.group(1) if args is not None else 1)) - 1
        return (v, None) if 0 <= v <= top else (top, 1264)  # all its bits set, as MySQL's
    if name in ("binary", "varbinary") and args is not None and isinstance(v, (str, bytes, int)) \
            and not isinstance(v, bool):
        data = v if isinstance(v, bytes) else str(v).encode()
        n = int(args.group(1))
        return (v, None) if len(data) <= n else (data[:n], 1265)  # its first n bytes
    if name not in _NUMERIC_KINDS:
        return v, None
    errno = None
    if isinstance(v, str) and not NUMBER_TEXT.fullmatch(v.strip()):
        lead = leading_number(v)
        errno = 1265 if lead is not None or name in ("float", "double") else 1366
        v = lead if lead is not None else "0"
    if name in INT_RANGES:
        lo, hi = (Decimal(b) for b in INT_RANGES[name]["unsigned" in kind.split()])
    elif name == "decimal" and args is not None:
        hi = _decimal_bound(*(int(a) for a in args.group(1).split(",")))
        lo = Decimal(0) if "unsigned" in kind.split() else -hi
    else:
        return (float(v) if isinstance(v, str) else v), errno
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        number = Decimal(str(v)) if not isinstance(v, float) or math.isfinite(v) else None
    elif isinstance(v, str) and NUMBER_TEXT.fullmatch(v.strip()):
        number = Decimal(v.strip())
    else:
        number = None
    if number is None or lo <= number <= hi:
        return v, errno
    bound = hi if number > hi else lo
    return (int(bound) if name in INT_RANGES else str(bound)), 1264


def cast_decimal(v: object, precision: int, scale: int) -> tuple[str | None, bool, bool]:
    """CAST(v AS DECIMAL(p, s)) as MySQL computes it, as text (the engine's NUMERIC keeps
    its digits exactly: '0.1' stays 0.1 to any scale), whether v was a string that is no
    number, and whether it was out of range. Such a string is its leading number ('1.5x'
    is 1.5, 'abc' and '' 0), read as written, not as a double; the value is rounded half
    away from zero to s digits, and one DECIMAL(p, s) cannot hold is its nearest bound
    (999.99 for DECIMAL(5,2))."""
    if v is None:
        return None, False, False
    truncated = False
    if isinstance(v, (str, bytes)):
        text = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
        if NUMBER_TEXT.fullmatch(text.strip()):
            number = Decimal(text.strip())
        else:
            truncated = True
            number = Decimal(leading_number(text) or "0")
    elif isinstance(v, float):
        if math.isnan(v):
            return None, False, False
        number = Decimal(repr(v)) if math.isfinite(v) else Decimal(v)
    else:
        number = Decimal(v)  # type: ignore[arg-type]
    with localcontext(prec=100):  # (DECIMAL has up to 65 digits)
        hi = _decimal_bound(precision, scale)
        if number.is_finite() and number.adjusted() < precision - scale:
            number = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
            if abs(number) <= hi:
                return str(abs(number) if number == 0 else number), truncated, False
        return str(hi if number > 0 else -hi), truncated, True


def _decimal_bound(precision: int, scale: int) -> Decimal:
    """The largest value a DECIMAL(precision, scale) holds (999.99 for DECIMAL(5, 2))."""
    return Decimal(10) ** (precision - scale) - Decimal(10) ** -scale


def number_text(v: object, column: object, kind: object, row: object) -> object:
    """A string written to a numeric column in strict mode, checked as MySQL's column checks
    it (``kind``: integer, decimal or double): one that is no number is 1366 ("Incorrect
    integer value", "Incorrect decimal value"), one that only begins with a number ('1.5x')
    1265, as is any that is not all a number for a DOUBLE / FLOAT (MySQL's Field_double has
    no 1366). ``row``: the VALUES row, which the message names. A number's text goes on as
    it is (a DOUBLE's as the float), for the write to round and range-check it."""
    if not isinstance(v, str):
        return v
    text = v.strip()
    if NUMBER_TEXT.fullmatch(text):
        return float(text) if kind == "double" else v
    at = f"at row {row if row is not None else 1}"
    if kind == "double" or leading_number(v) is not None:
        raise SqlError("01000", f"Data truncated for column '{column}' {at}", errno=1265)
    raise SqlError("HY000", f"Incorrect {kind} value: '{v[:128]}' for column '{column}' {at}",
                   errno=1366)


def _implicit_default(name: str, kind: str) -> object:
    """What MySQL stores for a NULL written to a NOT NULL column of this type with IGNORE:
    0, '', an ENUM's first member; None where it would store a zero date, which the engine
    cannot hold (the write then fails with 1048)."""
    if name in _NUMERIC_KINDS or name in ("year", "bit"):
        return 0
    if name == "enum":
        m = re.match(r"enum\('((?:[^']|'')*)'", kind)
        return m.group(1).replace("''", "'") if m is not None else None
    if name in ("char", "varchar", "set", "tinytext", "text", "mediumtext", "longtext"):
        return ""
    return None


def charset(v: object) -> str:
    """CHARSET(x): a string's character set, 'binary' for anything else (as for a number)."""
    return "utf8mb4" if isinstance(v, str) else "binary"


def collation(v: object) -> str:
    return "utf8mb4_0900_ai_ci" if isinstance(v, str) else "binary"


FUNCTIONS = {
    "mysql_number_datetime": (number_datetime, 2),
    "mysql_number_time": (number_time, 2),
    "mysql_bytes": (utf8_bytes, 1),
    "mysql_bytes_text": (bytes_text, 1),
    "mysql_json_number": (json_number, 1),
    "mysql_json_double": (json_double, 1),
    "mysql_json_sort_key": (json_sort_key, 1),
    "mysql_temporal_number": (temporal_number, 2),
    "mysql_number_text": (number_text, 4),
    "mysql_ascii": (ascii_, 1),
    "mysql_is_uuid": (_nulls(is_uuid), 1),
    "mysql_distinct_key": (distinct_key, -1),
    "mysql_double_range": (double_range, 2),
    "mysql_sqrt": (sqrt, 1),
    "mysql_ln": (ln, 1),
    "mysql_log": (log, 2),
    "mysql_exp": (exp_, 1),
    "mysql_pow": (pow_, 2),
    "mysql_enum_index": (enum_index, -1),
    "mysql_char": (char_, -1),
    "mysql_unhex": (unhex, 1),
    "mysql_json_form": (json_form, 1),
    "mysql_json_modify": (json_modify, -1),
    "mysql_json_merge_patch": (json_merge_patch, -1),
    "mysql_json_merge_preserve": (json_merge_preserve, -1),
    "mysql_json_contains_path": (json_contains_path, -1),
    "mysql_json_depth": (json_depth, 1),
    "mysql_json_overlaps": (json_overlaps, 2),
    "mysql_json_search": (json_search, -1),
    "mysql_json_quote": (json_quote, 1),
    "mysql_quote": (quote, 1),
    "mysql_is_ipv4": (_nulls(lambda v: _is_address(4, v)), 1),
    "mysql_is_ipv6": (_nulls(lambda v: _is_address(6, v)), 1),
    "mysql_inet6_aton": (_nulls(inet6_aton), 1),
    "mysql_inet6_ntoa": (_nulls(inet6_ntoa), 1),
    "mysql_text_datetime": (text_datetime, 1),
    "mysql_temporal_text": (temporal_text, 3),
    "mysql_uuid_to_bin": (_nulls(uuid_to_bin), -1),
    "mysql_bin_to_uuid": (_nulls(bin_to_uuid), -1),
    "mysql_charset": (charset, 1),
    "mysql_collation": (collation, 1),
    "mysql_enum_member": (enum_member, -1),
    "mysql_set_value": (set_value, -1),
    "mysql_set_bits": (set_bits, -1),
    "mysql_divisor": (divisor, 1),
    "mysql_substr": (substr, -1),
    "mysql_double_text": (double_text, 1),
    "mysql_real_text": (real_text, 1),
    "mysql_float_text": (lambda v: _double_text(v) if isinstance(v, float) else v, 1),
    "mysql_rint": (rint, 1),
    "mysql_round_double": (round_double, 3),
    "mysql_timestamp": (timestamp, -1),
    "mysql_addtime": (_nulls(addtime), 2),
    "mysql_subtime": (_nulls(lambda a, b: addtime(a, b, -1)), 2),
    "mysql_timediff": (_nulls(timediff), 2),
    "mysql_datetime_text": (datetime_text, 2),
    "mysql_decimal_text": (decimal_text, 2),
    "mysql_year": (year_value, 1),
    "mysql_date_format": (date_format, 2),
    "mysql_dayname": (dayname, 1),
    "mysql_field": (field, -1),
    "mysql_locate": (locate, -1),
    "mysql_bit_value": (bit_value, 1),
    "mysql_elt": (elt, -1),
    "mysql_find_in_set": (_nulls(find_in_set), 2),
    "mysql_interval": (interval, -1),
    "mysql_substring_index": (_nulls(substring_index), 3),
    "mysql_insert": (_nulls(insert_string), 4),
    "mysql_ord": (_nulls(ord_), 1),
    "mysql_strcmp": (_nulls(strcmp), 2),
    "mysql_quarter": (quarter, 1),
    "mysql_week": (week, -1),
    "mysql_yearweek": (yearweek, -1),
    "mysql_sec_to_time": (_nulls(sec_to_time), 1),
    "mysql_time_to_sec": (_nulls(time_to_sec), 1),
    "mysql_from_days": (_nulls(from_days), 1),
    "mysql_makedate": (_nulls(makedate), 2),
    "mysql_to_days": (to_days, 1),
    "mysql_to_seconds": (to_seconds, 1),
    "mysql_period_add": (_nulls(period_add), 2),
    "mysql_period_diff": (_nulls(period_diff), 2),
    "mysql_inet_aton": (_nulls(inet_aton), 1),
    "mysql_inet_ntoa": (_nulls(inet_ntoa), 1),
    "mysql_make_set": (make_set, -1),
    "mysql_export_set": (_nulls(export_set), -1),
    "mysql_soundex": (_nulls(soundex), 1),
    "mysql_bit_count": (_nulls(bit_count), 1),
    "mysql_bit_length": (_nulls(bit_length), 1),
    "mysql_time_format": (_nulls(time_format), 2),
    "mysql_crc32": (_nulls(crc32), 1),
    "mysql_sha2": (_nulls(sha2), 2),
    "mysql_to_base64": (_nulls(to_base64), 1),
    "mysql_from_base64": (_nulls(from_base64), 1),
    "mysql_conv": (_nulls(conv), 3),
    "mysql_format": (lambda v, d, loc=None: None if v is None or d is None else format_number(v, d, loc), -1),
    "mysql_json_keys": (_nulls(json_keys), -1),
    "mysql_json_contains": (_nulls(json_contains), -1),
    "mysql_extract_compound": (extract_compound, 2),
    "mysql_json_extract": (json_extract, -1),
    "mysql_json_value": (json_value, 2),
    "mysql_json_unquote": (json_unquote, 1),
    "mysql_json_length": (json_length, -1),
    "mysql_dayofyear": (dayofyear, 1),
    "mysql_json_type": (json_type, 1),
    "mysql_datediff": (datediff, 2),
    "mysql_regexp": (regexp, 2),
    "mysql_reverse": (reverse, 1),
    "mysql_str_to_date": (str_to_date, -1),
    "mysql_dayofweek": (dayofweek, 1),
    "mysql_weekday": (weekday, 1),
    "mysql_dayofmonth": (dayofmonth, 1),
    "mysql_timestampdiff": (timestampdiff, 3),
    "mysql_sha1": (sha1, 1),
    "mysql_hex": (hex_, 1),
}


def register(conn: apsw.Connection) -> None:
    for name, (fn, n) in FUNCTIONS.items():
        conn.create_scalar_function(name, fn, n, deterministic=True)
