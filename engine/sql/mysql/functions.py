"""MySQL functions with no PostgreSQL spelling, registered on each connection as SQLite ones.

The translator (:mod:`.translate`) turns the sqlglot node of such a call into a call of
``mysql_<name>``; values arrive as SQLite stores them (dates and datetimes as ISO text).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import apsw

from aurora.engine.sqlapi import SqlError

# MySQL's STR_TO_DATE / DATE_FORMAT specifiers as strptime's
_FORMAT = {"%Y": "%Y", "%y": "%y", "%m": "%m", "%c": "%m", "%d": "%d", "%e": "%d", "%H": "%H",
           "%k": "%H", "%h": "%I", "%I": "%I", "%l": "%I", "%i": "%M", "%s": "%S", "%S": "%S",
           "%f": "%f", "%p": "%p", "%M": "%B", "%b": "%b", "%W": "%A", "%a": "%a", "%j": "%j",
           "%T": "%H:%M:%S", "%r": "%I:%M:%S %p", "%%": "%%"}


def _date(v: object) -> dt.datetime | None:
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return dt.datetime.fromtimestamp(v, dt.UTC).replace(tzinfo=None)
    text = str(v).strip().replace("T", " ")
    text = re.sub(r"[+-]\d\d:?\d\d$", "", text)
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
    try:
        got = dt.datetime.strptime(str(text), py)
    except ValueError:
        return None
    if not re.search(r"%[HIMSfpXT]", py):
        return got.date().isoformat()
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
    if v is None:
        return None
    if isinstance(v, int):
        return format(v, "X")
    data = v if isinstance(v, bytes) else str(v).encode()
    return data.hex().upper()


def datediff(a: object, b: object) -> int | None:
    x, y = _date(a), _date(b)
    return None if x is None or y is None else (x.date() - y.date()).days


def regexp(text: object, pattern: object) -> int | None:
    """MySQL's REGEXP: a search, case-insensitive as the default collation is."""
    if text is None or pattern is None:
        return None
    try:
        return int(re.search(str(pattern), str(text), re.I) is not None)
    except re.error:
        return None


def reverse(v: object) -> str | None:
    return None if v is None else str(v)[::-1]


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


def json_length(v: object) -> int | None:
    if v is None:
        return None
    got = _json(v)
    return len(got) if isinstance(got, (list, dict)) else 1


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
    """``->>``: the value unquoted (a string as itself, anything else as JSON text)."""
    import json

    if doc is None or path is None:
        return None
    ok, v = _walk(_json(doc), str(path))
    if not ok or v is None:
        return None
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


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
        raise SqlError("22007", f"Incorrect {kind} value: '{v}' for column '{column}' at row 1",
                       errno=1292) from None
    return dt.datetime.combine(day, clock).isoformat(" ")


FUNCTIONS = {
    "mysql_number_datetime": (number_datetime, 2),
    "mysql_json_extract": (json_extract, -1),
    "mysql_json_value": (json_value, 2),
    "mysql_json_unquote": (json_unquote, 1),
    "mysql_json_length": (json_length, 1),
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
