"""PostgreSQL functions registered on the SQLite connection of a session.

The translator maps PostgreSQL syntax that SQLite lacks (EXTRACT, date_trunc, casts to
boolean or regclass, ``~``, ``@>``, sequences...) onto these functions, and psql's,
SQLAlchemy's and asyncpg's catalog queries call the ``pg_*`` helpers by their own names.
Timestamps go in and out as ISO 8601 text (see :mod:`aurora.engine.sql.types`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import random
import re
import struct
import threading
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import apsw
import regex

from aurora.engine.sql import (
    aggregates,
    arrays,
    binary,
    datetime_in,
    dtformat,
    extensions,
    frames,
    interval,
    jsonb,
    numeric,
    numformat,
    regexp,
    schemas,
    temp,
    tsearch,
    types,
    userfuncs,
)
from aurora.engine.sql.catalog import rel_oid
from aurora.engine.sqlapi import SqlError

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

SERVER_VERSION = "15.4"
SERVER_VERSION_NUM = "150004"
START_TIME = dt.datetime.now(dt.UTC)

_regex_cache: dict[tuple[str, int], regex.Pattern] = {}


def _regex(pattern: str, flags: int = 0) -> regex.Pattern:
    key = (pattern, flags)
    r = _regex_cache.get(key)
    if r is None:
        # PostgreSQL's ARE syntax is close enough to Python's for what clients send.
        r = regex.compile(pattern, flags)
        if len(_regex_cache) > 1000:
            _regex_cache.clear()
        _regex_cache[key] = r
    return r


# A match still running after this long goes on in a thread of its own, so that a cancel can
# answer the client at once; such a thread gives up after _REGEX_LIMIT_S (or at the
# statement's deadline), since Python cannot stop it from outside.
_REGEX_SLOW_S = 0.2
_REGEX_LIMIT_S = 600.0


def _regex_match(s: Session, pattern: object, value: object, flags: int = 0) -> object:
    """``~`` / ``~*``. The ``regex`` module matches without holding the GIL (the instance
    keeps answering while a pattern backtracks) and with a time limit: the statement's
    deadline stops it, and a cancel stops the statement within a poll."""
    if pattern is None or value is None:
        return None
    s.check_cancel()
    try:
        r = _regex(str(pattern), flags)
    except regex.error as e:
        raise SqlError("2201B", f"invalid regular expression: {e}") from None
    text = str(value)
    left = s.time_left()
    try:
        return int(r.search(text, concurrent=True, timeout=min(left or _REGEX_SLOW_S, _REGEX_SLOW_S)) is not None)
    except TimeoutError:
        s.check_cancel()  # the statement's deadline passed: 57014
    outcome: dict[str, object] = {}
    done = threading.Event()

    def match() -> None:
        try:
            outcome["found"] = r.search(
                text, concurrent=True, timeout=s.time_left() or _REGEX_LIMIT_S
            ) is not None
        except TimeoutError:
            outcome["timeout"] = True
        finally:
            done.set()

    threading.Thread(target=match, name="regex-match", daemon=True).start()
    while not done.wait(0.02):
        s.check_cancel()
    if "found" in outcome:
        return int(bool(outcome["found"]))
    s.check_cancel()
    if left is not None:  # its limit was the statement's deadline, a hair before it passed
        raise SqlError("57014", "canceling statement due to statement timeout")
    raise SqlError(
        "54001", f"regular expression match took longer than {_REGEX_LIMIT_S:.0f} s"
    )


def ts_text(t: dt.datetime) -> str:
    """The storage text of an aware datetime (UTC with an explicit offset)."""
    return t.astimezone(dt.UTC).isoformat(" ", "microseconds")


def _to_datetime(v: object, tz: dt.tzinfo) -> dt.datetime | None:
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return dt.datetime.fromtimestamp(v, dt.UTC)
    s = str(v).strip()
    if len(s) == 10:
        with contextlib.suppress(ValueError):
            return dt.datetime.fromisoformat(s).replace(tzinfo=tz)
    if re.match(r"\d{1,2}:\d\d", s):  # a time of day (EXTRACT from a time)
        d = datetime_in.parse(s, "time", tz=tz)
    else:
        d = types.parse_timestamp(s, tz)
    if d.tzinfo is None:
        d = d.replace(tzinfo=tz)
    return d


_UNITS = (
    "microseconds",
    "milliseconds",
    "second",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "decade",
    "century",
    "millennium",
)


_TRUNC_UNITS = ("microseconds", "milliseconds", "second", "minute", "hour", "day", "week",
                "month", "quarter", "year", "decade", "century", "millennium")


def _date_trunc(unit: str, v: object, tz: dt.tzinfo, kind: str | None = None) -> str | None:
    """date_trunc of a timestamp (``kind`` 'timestamp') or a timestamp with time zone (a date
    is one); an infinite value is itself, whatever the unit (timestamp_trunc)."""
    if v is None or unit is None:
        return None
    if (inf := _infinity(v)) is not None:
        return inf
    aware = not (isinstance(v, str) and not types._HAS_TZ.search(v.strip()))
    if kind is not None:
        aware = kind != "timestamp"
    name = interval.unit_words(str(unit))
    what, u = interval.decode_unit(name, special=False)
    if what != "units" or u not in _TRUNC_UNITS:
        of = "timestamp with time zone" if aware else "timestamp without time zone"
        if what == "units":
            raise SqlError("0A000", f'unit "{name}" not supported for type {of}')
        raise SqlError("22023", f'unit "{name}" not recognized for type {of}')
    d = _to_datetime(v, tz)
    if d is None:
        return None
    d = d.astimezone(tz)
    if u in ("microseconds",):
        pass
    elif u == "milliseconds":
        d = d.replace(microsecond=d.microsecond // 1000 * 1000)
    elif u == "second":
        d = d.replace(microsecond=0)
    elif u == "minute":
        d = d.replace(second=0, microsecond=0)
    elif u == "hour":
        d = d.replace(minute=0, second=0, microsecond=0)
    elif u == "day":
        d = d.replace(hour=0, minute=0, second=0, microsecond=0)
    elif u == "week":
        d = (d - dt.timedelta(days=d.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    elif u == "month":
        d = d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif u == "quarter":
        d = d.replace(
            month=(d.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
    elif u == "year":
        d = d.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    elif u == "decade":
        d = d.replace(
            year=d.year // 10 * 10, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
    elif u in ("century", "millennium"):
        span = 100 if u == "century" else 1000
        d = d.replace(
            year=(d.year - 1) // span * span + 1,
            month=1,
            day=1,
            hour=0,
            minute=0,
            second=0,
            microsecond=0,
        )
    if aware:
        return ts_text(d)
    return d.replace(tzinfo=None).isoformat(" ", "microseconds")


# Fields that grow with the value: an infinite date or timestamp has them infinite (the rest
# are NULL).
_MONOTONIC_FIELDS = ("epoch", "julian", "year", "isoyear", "decade", "century", "millennium")


def _field_text(field: object, kind: str = "timestamp") -> str:
    """date_part's field, text: a number computed at run time (date_part((SELECT 1), d)) has
    no function to call."""
    if isinstance(field, str):
        return field
    what = _argument_type(field)
    of = {"timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone"}
    raise SqlError("42883", f"function date_part({what}, {of.get(kind, _TYPE_NAMES.get(kind, kind))}) "
                   "does not exist")


# The fields of each type EXTRACT reads (extract_date, time_part, timetz_part,
# timestamp_part_common), besides epoch; another unit word is 0A000, anything else 22023
_DATE_FIELDS = ("day", "month", "quarter", "week", "dow", "isodow", "doy", "year", "decade",
                "century", "millennium", "julian", "isoyear")
_TIME_FIELDS = ("microseconds", "milliseconds", "second", "minute", "hour")
_ZONE_FIELDS = ("timezone", "timezone_hour", "timezone_minute")
_FIELDS_OF = {"date": _DATE_FIELDS, "time": _TIME_FIELDS, "timetz": _TIME_FIELDS + _ZONE_FIELDS,
              "timestamp": _DATE_FIELDS + _TIME_FIELDS,
              "timestamptz": _DATE_FIELDS + _TIME_FIELDS + _ZONE_FIELDS}
_TYPE_NAMES = {"date": "date", "time": "time without time zone",
               "timetz": "time with time zone", "timestamp": "timestamp without time zone",
               "timestamptz": "timestamp with time zone"}


def _unit_of(field: str, kind: str, infinite: bool) -> str:
    """The field EXTRACT / date_part reads from a value of ``kind``, as PostgreSQL decodes
    its unit: 22023 for no unit word, 0A000 for one the type has not. An infinite date or
    timestamp has every field (NULL or infinite) but the reserved words other than epoch
    (and, a date, its time fields)."""
    name = interval.unit_words(field)
    what, f = interval.decode_unit(name)
    if what == "reserv" and f == "epoch":
        return f
    if what == "units" and (f in _FIELDS_OF[kind] or (infinite and kind.startswith("timestamp"))):
        return f
    if what == "units" or (what == "reserv" and kind in ("date", "timestamp", "timestamptz")):
        raise SqlError("0A000", f'unit "{name}" not supported for type {_TYPE_NAMES[kind]}')
    raise SqlError("22023", f'unit "{name}" not recognized for type {_TYPE_NAMES[kind]}')


def _extract(field: str, v: object, tz: dt.tzinfo, exact: bool = False,
             kind: str | None = None) -> object:
    """EXTRACT / date_part of a date or timestamp (of ``kind``; None: of the type its text
    shows; 'checked': ``field`` is a field _unit_of already decoded)."""
    if v is None:
        return None
    field = _field_text(field)
    if kind is None:  # no type known: the text tells a timestamp from one with a zone
        kind = "timestamptz" if types._HAS_TZ.search(str(v).strip()) else "timestamp"
    f = field if kind == "checked" else _unit_of(field, kind, bool(_infinity(v)))
    if inf := _infinity(v):
        if f in _MONOTONIC_FIELDS:
            return float("-inf") if inf[0] == "-" else float("inf")
        return None
    shift = 0  # a BC or after-9999 value: a stand-in ISO text ``shift`` years later
    if isinstance(v, str) and (far := types.far_read(v)):
        v, shift = far
    cycles = shift // 400 * 146097  # the days of those years
    if f == "epoch":
        if isinstance(v, (int, float)):
            return v
        s = str(v)
        if re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", s):
            return float(s)
        naive = not types._HAS_TZ.search(s.strip())
        d = _to_datetime(v, dt.UTC if naive else tz)
        assert d is not None
        return round(d.timestamp() - cycles * 86400, 6)
    d = _to_datetime(v, tz)
    assert d is not None
    if types._HAS_TZ.search(str(v).strip()):
        d = d.astimezone(tz)
    r = _YEAR_FIELDS[f](d, d.year - shift, cycles) if f in _YEAR_FIELDS else _EXTRACT_FIELDS[f](d)
    return r if exact or not isinstance(r, Decimal) else float(r)


_SCALES = {"epoch": 6, "second": 6, "milliseconds": 3}


def _extract_typed(field: str, v: object, tz: dt.tzinfo, kind: str, numeric_result: int) -> object:
    """EXTRACT (numeric, with PostgreSQL's scales) or date_part (float8) from a value whose
    type is known: a date or a time has no fields of the other (0A000)."""
    if field is None or v is None:
        return None
    field = _field_text(field, kind)
    if kind == "date" and not numeric_result:
        kind = "timestamp"  # date_part(text, date) is date_part of the date as a timestamp
    f = _unit_of(field, kind, bool(_infinity(v)))
    offset = 0
    if kind == "timetz":  # the fields of the time as written; its epoch and zone are UTC's
        local = datetime_in.parse(str(v), "time", tz=tz)
        offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
        zone = {"timezone": offset, "timezone_hour": int(offset / 3600),
                "timezone_minute": int(offset / 60) - int(offset / 3600) * 60}
        if f in zone:
            return zone[f]
        v, kind = local.time().isoformat(), "time"
    if kind == "time" and f == "epoch":
        d = _to_datetime(v, dt.UTC)
        assert d is not None
        r: object = d.hour * 3600 + d.minute * 60 + d.second + d.microsecond / 1e6 - offset
    else:
        r = _extract(f, v, tz, bool(numeric_result) and f == "julian" and kind != "date",
                     "checked")
    if isinstance(r, Decimal):
        return _numeric_result(r)  # EXTRACT's julian of a time of day, numeric's quotient
    if isinstance(r, float) and r.is_integer():
        r = int(r)  # as float8 prints it: 1000, not 1000.0
    if not numeric_result or r is None or (isinstance(r, float) and math.isinf(r)):
        return r
    if kind == "date" and f in ("epoch", "julian"):
        return int(r)  # type: ignore[call-overload]
    scale = _SCALES.get(f)
    if scale is None or isinstance(r, str):
        return r
    return _numeric_result(Decimal(repr(r)).quantize(Decimal(1).scaleb(-scale)))


def _bc(year: int) -> int:
    """An astronomical year (1 BC is 0) as extract shows it (1 BC is -1)."""
    return year if year > 0 else year - 1


def _c_div(a: int, b: int) -> int:
    return -(-a // b) if a < 0 else a // b


# timestamp_part's fields of the year, from the value, its astronomical year and the days of
# the 400-year cycles its stand-in was moved by
_YEAR_FIELDS: dict[str, Callable[[dt.datetime, int, int], object]] = {
    "year": lambda x, y, c: _bc(y),
    "decade": lambda x, y, c: _c_div(y, 10) if y > 0 else -_c_div(8 - (y - 1), 10),
    "century": lambda x, y, c: _c_div(y + 99, 100) if y > 0 else -_c_div(99 - (y - 1), 100),
    "millennium": lambda x, y, c: _c_div(y + 999, 1000) if y > 0 else -_c_div(999 - (y - 1), 1000),
    "isoyear": lambda x, y, c: _bc(x.isocalendar()[0] - (x.year - y)),
    "julian": lambda x, y, c: _julian(x, c),
}


_EXTRACT_FIELDS: dict[str, Callable[[dt.datetime], object]] = {
    "month": lambda x: x.month,
    "day": lambda x: x.day,
    "hour": lambda x: x.hour,
    "minute": lambda x: x.minute,
    "second": lambda x: Decimal(x.second) + Decimal(x.microsecond) / 1_000_000,
    "milliseconds": lambda x: Decimal(x.second * 1000) + Decimal(x.microsecond) / 1000,
    "microseconds": lambda x: x.second * 1_000_000 + x.microsecond,
    "dow": lambda x: (x.weekday() + 1) % 7,
    "isodow": lambda x: x.isoweekday(),
    "doy": lambda x: x.timetuple().tm_yday,
    "week": lambda x: x.isocalendar()[1],
    "quarter": lambda x: (x.month - 1) // 3 + 1,
    "timezone": lambda x: int(x.utcoffset().total_seconds()) if x.utcoffset() else 0,
    "timezone_hour": lambda x: int(_offset_seconds(x) / 3600),
    "timezone_minute": lambda x: int(_offset_seconds(x) / 60) - int(_offset_seconds(x) / 3600) * 60,
}


def _julian(x: dt.datetime, cycles: int) -> object:
    """The Julian day number, with the time of day as a fraction of a day: numeric's
    quotient, as EXTRACT answers it (date_part takes it as a float)."""
    day = x.toordinal() + 1721425 - cycles
    usecs = ((x.hour * 60 + x.minute) * 60 + x.second) * 1_000_000 + x.microsecond
    per_day = Decimal(86_400_000_000)
    scale = numeric.div_scale(Decimal(usecs), per_day)
    return numeric.divide(Decimal(day * 86_400_000_000 + usecs), per_day, scale)


def _offset_seconds(x: dt.datetime) -> float:
    off = x.utcoffset()
    return off.total_seconds() if off else 0.0


def _json(v: object) -> Any:
    if v is None:
        return None
    if isinstance(v, str):
        try:
            return json.loads(v)
        except ValueError:
            items = types.parse_array_literal(v)
            return items if isinstance(items, list) else v
    return v


def _contains(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in a and _contains(a[k], v) for k, v in b.items())
    if isinstance(a, list):
        if isinstance(b, list):
            return all(any(_contains(x, y) for x in a) for y in b)
        return any(_contains(x, b) for x in a)
    return a == b


def _register_jsonb_operators(f: Callable) -> None:
    """jsonb ``->`` ``->>`` ``#>`` ``#>>`` ``?`` ``?|`` ``?&`` and jsonb comparison: values are
    JSON texts; a key is a text (object member) or an integer (array element, negative from
    the end), decided at run time because a key literal reaches the plan as a parameter."""
    f("pg_json_get", lambda j, k: _json_out(_json_step(_json_doc(j), k)), 2, True)
    f("pg_json_get_text", lambda j, k: _json_text(_json_step(_json_doc(j), k)), 2, True)
    f("pg_json_path", lambda j, p: _json_out(_json_walk(_json_doc(j), p)), 2, True)
    f("pg_json_path_text", lambda j, p: _json_text(_json_walk(_json_doc(j), p)), 2, True)
    f("pg_json_has", lambda j, k: _json_has(j, [k], any), 2, True)
    f("pg_json_has_any", lambda j, ks: _json_has(j, _json_keys(ks), any), 2, True)
    f("pg_json_has_all", lambda j, ks: _json_has(j, _json_keys(ks), all), 2, True)
    f("pg_jsonb_cmp", _jsonb_cmp, 2, True)


_MISSING = object()


def _json_doc(v: object) -> Any:
    """A stored JSON value (text) as Python; SQL NULL as _MISSING."""
    if v is None:
        return _MISSING
    if isinstance(v, str):
        return jsonb.loads(v)
    return v


def _json_step(doc: Any, key: object) -> Any:
    if doc is _MISSING or key is None:
        return _MISSING
    if isinstance(doc, dict):
        return doc.get(str(key), _MISSING) if isinstance(key, str) else _MISSING
    if isinstance(doc, list) and isinstance(key, int) and not isinstance(key, bool):
        return doc[key] if -len(doc) <= key < len(doc) else _MISSING
    return _MISSING


def _json_walk(doc: Any, path: object) -> Any:
    """``#>``: path elements are texts; an array takes one that reads as an integer."""
    for key in _json_keys(path):
        if isinstance(doc, list):
            try:
                key = int(str(key))
            except ValueError:
                return _MISSING
        elif key is not None:
            key = str(key)
        doc = _json_step(doc, key)
    return doc


def _json_keys(v: object) -> list:
    if isinstance(v, str) and v.lstrip().startswith("{"):  # a text[] literal: '{a,1}'
        items = types.parse_array_literal(v)
        if isinstance(items, list):
            return items
    keys = _json(v)
    if keys is None:
        return []
    return keys if isinstance(keys, list) else [keys]


def _json_out(v: Any) -> str | None:
    return None if v is _MISSING else jsonb.dumps(v)


def _json_text(v: Any) -> str | None:
    if v is _MISSING or v is None:
        return None
    if isinstance(v, str):
        return v
    return jsonb.dumps(v)


def _json_has(j: object, keys: list, how: Callable) -> int | None:
    """``?`` family: a top-level key of an object, or a string element of an array."""
    doc = _json_doc(j)
    if doc is _MISSING:
        return None
    if isinstance(doc, dict):
        return int(how(str(k) in doc for k in keys if k is not None))
    if isinstance(doc, list):
        return int(how(k in doc for k in keys if isinstance(k, str)))
    return int(how(isinstance(doc, str) and doc == k for k in keys))


def _jsonb_rank(v: Any) -> tuple:
    """PostgreSQL's jsonb order: Object > Array > Boolean > Number > String > Null; objects
    and arrays by size first, then member by member."""
    if v is None:
        return (0,)
    if isinstance(v, str):
        return (1, v)
    if isinstance(v, bool):
        return (3, v)
    if isinstance(v, (int, float)):
        return (2, Decimal(repr(v)) if isinstance(v, float) else v)
    if isinstance(v, list):
        return (4, len(v), [_jsonb_rank(x) for x in v])
    if isinstance(v, dict):
        items = sorted(v.items(), key=lambda kv: (len(kv[0]), kv[0]))
        return (5, len(v), [(k, _jsonb_rank(x)) for k, x in items])
    return (1, str(v))


def _jsonb_cmp(a: object, b: object) -> int | None:
    if a is None or b is None:
        return None
    ra, rb = _jsonb_rank(_json(a)), _jsonb_rank(_json(b))
    return (ra > rb) - (ra < rb)


def parse_interval(text: str) -> tuple[int, dt.timedelta]:
    """(months, rest) of a PostgreSQL interval text such as ``1 day 02:00:00`` or ``3 mons``."""
    months, days, usec = interval.parse(text)
    return months, dt.timedelta(days=days, microseconds=usec)


def _ts_add(ts: object, interval: object, sign: int, tz: dt.tzinfo) -> object:
    if ts is None or interval is None:
        return None
    aware = types._HAS_TZ.search(str(ts).strip()) is not None or (
        len(str(ts).strip()) > 19 and str(ts).strip()[-6] in "+-"
    )
    d = _to_datetime(ts, tz)
    assert d is not None
    months, rest = parse_interval(str(interval))
    if months:
        total = d.year * 12 + d.month - 1 + sign * months
        year, month = divmod(total, 12)
        import calendar

        day = min(d.day, calendar.monthrange(year, month + 1)[1])
        d = d.replace(year=year, month=month + 1, day=day)
    d = d + sign * rest
    if aware:
        return ts_text(d)
    return d.replace(tzinfo=None).isoformat(" ", "microseconds")


def _to_char(v: object, fmt: str, tz: dt.tzinfo) -> str | None:
    if v is None or fmt is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):  # a number of no known type
        return numformat.to_char(v, fmt, "int" if isinstance(v, int) else "float8")
    if _infinity(v):
        return None
    shift = 0  # a BC or after-9999 value: a stand-in ``shift`` years later
    if isinstance(v, str) and (far := types.far_read(v)):
        v, shift = far
    d = _to_datetime(v, tz)
    assert d is not None
    if types._HAS_TZ.search(str(v).strip()):
        d = d.astimezone(tz)
    return dtformat.to_char(d, str(fmt), d.year - shift)


def _array_to_string(arr: object, sep: str, null: str | None = None) -> str | None:
    items = _json(arr)
    if items is None or sep is None:
        return None
    if not isinstance(items, list):
        return str(items)
    return sep.join(
        str(x) if x is not None else null for x in items if x is not None or null is not None
    )


def _null_key(table: str, column: str) -> None:
    """What a NULL written to a rowid key runs into (translate.py's rule for it)."""
    raise SqlError("23502", f'null value in column "{column}" of relation "{table}" violates '
                            "not-null constraint")


def register(conn: apsw.Connection, s: Session) -> None:
    """Register every function on the session's connection."""

    def f(name: str, fn: Callable, nargs: int = -1, deterministic: bool = False) -> None:
        conn.create_scalar_function(name, fn, nargs, deterministic=deterministic)

    tz = lambda: s.tz  # noqa: E731 - the session's zone can change with SET TIME ZONE
    aggregates.register(conn)
    frames.register(conn, tz)

    f("pg_null_key", _null_key, 2)
    f("regexp", lambda p, v: _regex_match(s, p, v), 2, True)
    f("pg_regexp_i", lambda v, p: _regex_match(s, p, v, regex.I), 2, True)
    f("pg_now", lambda: ts_text(s.statement_time()), 0)
    f("pg_clock", lambda: ts_text(dt.datetime.now(dt.UTC)), 0)
    f(
        "pg_localtimestamp",
        lambda: s.statement_time().astimezone(s.tz).replace(tzinfo=None).isoformat(" ", "microseconds"),
        0,
    )
    f("pg_current_date", lambda: s.statement_time().astimezone(s.tz).date().isoformat(), 0)
    f("pg_extract", lambda fld, v: _extract(fld, v, tz()), 2)
    f("pg_extract", lambda fld, v, kind, num: _extract_typed(fld, v, tz(), kind, num), 4)
    f("pg_date_trunc", lambda u, v: _date_trunc(u, v, tz()), 2)
    f("pg_date_trunc", lambda u, v, kind: _date_trunc(u, v, tz(), kind), 3)
    f("pg_at_time_zone", _at_time_zone, 2, True)
    f("pg_div", _div, 2, True)
    f("pg_float_op", _float_op, -1, True)
    f("pg_float_unary", _float_unary, 2, True)
    f("unistr", _unistr, 1, True)
    f("pg_int_div", _int_div, 3, True)
    f("pg_num_to_char", _number_to_char, 3, True)
    f("pg_num_div_trunc", _div_trunc, 2, True)
    f("pg_to_number", lambda t, fmt: _numeric_result(numformat.to_number(t, fmt)), 2, True)
    f("pg_int_check", _int_check, 2, True)
    f("pg_int_shift", _int_shift, 4, True)
    f("pg_float_round", _float_round, 1, True)
    f("pg_int_overflow", _raise_int_overflow, 1)
    f("pg_ts_add", lambda ts, iv, sign: _ts_add(ts, iv, sign, tz()), 3)
    f("pg_interval", interval.cast, 1, True)
    f("pg_interval_key", interval.sort_key, 1, True)
    f("justify_hours", lambda v: interval.justify(v, True, False), 1, True)
    f("justify_days", lambda v: interval.justify(v, False, True), 1, True)
    f("justify_interval", lambda v: interval.justify(v, True, True), 1, True)
    f("to_char", lambda v, fmt: _to_char(v, fmt, tz()), 2)
    f("pg_mod", _mod, 2, True)
    f(
        "version",
        lambda: (
            f"PostgreSQL {SERVER_VERSION} (aurora-local, SQLite "
            f"{apsw.sqlite_lib_version()}) on x86_64-pc-linux-gnu, 64-bit"
        ),
        0,
    )
    f("current_database", lambda: s.database, 0)
    f("current_user", lambda: s.user, 0)
    f("session_user", lambda: s.user, 0)
    def current_schema() -> str:  # the first of search_path: public, or pg_temp named first
        first = s.settings.values.get("search_path", "").split(",")[0].strip().strip("'\"")
        return s.catalog.temp_namespace if temp.is_temp_schema(first) else "public"

    f("current_schema", current_schema, 0)
    f("current_schemas", lambda b=1: json.dumps(["pg_catalog", "public"] if b else ["public"]))
    f("pg_backend_pid", lambda: s.backend_pid, 0)
    f("txid_current", lambda: s.txid(), 0)
    f("pg_current_xact_id", lambda: s.txid(), 0)
    f("pg_postmaster_start_time", lambda: ts_text(START_TIME), 0)
    f("pg_is_in_recovery", lambda: int(s.read_only), 0)
    f("aurora_db_instance_identifier", lambda: s.instance_id, 0)
    for priv in (
        "table",
        "schema",
        "database",
        "column",
        "sequence",
        "function",
        "any_column",
        "type",
        "foreign_data_wrapper",
        "server",
        "tablespace",
        "language",
    ):
        f(f"has_{priv}_privilege", lambda *a: 1)
    for name in (
        "obj_description",
        "col_description",
        "shobj_description",
        "pg_get_statisticsobjdef_columns",
        "pg_get_triggerdef",
        "pg_get_functiondef",
        "pg_tablespace_location",
    ):
        f(name, lambda *a: None)
    # The functions pg_proc lists: the installed extensions' and the SQL functions (userfuncs.py).
    def describe_function(oid: int, part: str) -> str | None:
        return extensions.describe_function(oid, part) or userfuncs.describe(conn, oid, part)

    f("pg_get_function_result", lambda oid: describe_function(oid, "result"), 1)
    for name in ("pg_get_function_arguments", "pg_get_function_identity_arguments"):
        f(name, lambda oid: describe_function(oid, "arguments"), 1)
    f("pg_get_userbyid", lambda oid: s.user, 1)
    # Visible: in the search path, which is public (relations of named schemas are not),
    # and the session's temp schema, whichever comes first for a name in both (temp.py).
    def table_is_visible(oid: int) -> int:
        row = conn.execute("SELECT relnamespace, relname FROM temp.pg_class WHERE oid=?", (oid,)).fetchall()
        if not row:
            return 1
        ns, name = row[0]
        first = s.catalog.temp_first == (ns != 11 and ns != 2200)
        return int((ns in (11, 2200) or ns == schemas.namespace_oid(s.catalog.temp_namespace))
                   and (first or str(name).lower() not in s.catalog.shadowed))

    f("pg_table_is_visible", table_is_visible, 1, True)
    for name in (
        "pg_type_is_visible",
        "pg_function_is_visible",
        "pg_collation_is_visible",
        "pg_opclass_is_visible",
    ):
        f(name, lambda oid: 1, 1, True)
    f("pg_relation_is_publishable", lambda *a: 0)
    f("pg_partition_ancestors", lambda oid: oid, 1)
    f("format_type", lambda oid, tm=None: types.format_type(oid, tm))
    f("pg_get_expr", lambda e, rel=None, pretty=None: e)
    f("pg_get_indexdef", lambda oid, col=0, pretty=None: _indexdef(conn, oid, col))
    f(
        "pg_get_constraintdef",
        lambda oid, pretty=None: _one(conn, "SELECT _def FROM temp.pg_constraint WHERE oid=?", oid),
    )
    f("pg_encoding_to_char", lambda e: "UTF8" if e == 6 else "SQL_ASCII", 1)
    f("pg_char_to_encoding", lambda e: 6, 1)
    f("pg_to_hex", lambda v: None if v is None else format(int(v) & (2**64 - 1) if int(v) < 0 else int(v), "x"), 1)
    f("ln", _ln, 1, True)
    f("log", _log, -1, True)
    f("log10", _log, 1, True)
    f("sqrt", _sqrt, 1, True)
    f("exp", _exp, 1, True)
    f("power", _float_power, 2, True)
    f("pow", _float_power, 2, True)
    for name, domain in _FLOAT_DOMAINS.items():
        f(name, _domain_checked(name, domain), 1, True)
    for name, degrees in _DEGREE_FUNCTIONS.items():
        f(name, _float_args(degrees), -1 if name == "atan2d" else 1, True)
    f("float4send", lambda v: None if v is None else struct.pack(">f", float(v)), 1, True)
    f("float8send", lambda v: None if v is None else struct.pack(">d", float(v)), 1, True)
    f("date_bin", lambda st, src, org: _date_bin(st, src, org, s.tz), 3)
    f("make_date", _make_date, 3, True)
    f("make_time", _make_time, 3, True)
    f("make_timestamp", _make_timestamp, 6, True)
    f("make_timestamptz", lambda *a: _make_timestamptz(s.tz, *a), -1)
    f("gcd", _gcd, 2, True)
    f("lcm", _lcm, 2, True)
    f("factorial", _factorial, 1, True)
    f("pg_chr", _chr, 1, True)
    f("pg_uescape", lambda v, *err: _uescape(s, v, *err))
    f("pg_record", jsonb.record_text, -1, True)
    f("scale", lambda v: _scale(v, "scale"), 1, True)
    f("min_scale", lambda v: _scale(v, "min"), 1, True)
    f("trim_scale", lambda v: _scale(v, "trim"), 1, True)
    f("json_strip_nulls", lambda v: _json_strip_nulls(v, (",", ":")), 1, True)
    f("jsonb_strip_nulls", lambda v: _json_strip_nulls(v, (", ", ": ")), 1, True)
    f("jsonb_contains", lambda a, b: None if a is None or b is None
      else int(_contains(_json(a), _json(b))), 2, True)
    f("jsonb_contained", lambda a, b: None if a is None or b is None
      else int(_contains(_json(b), _json(a))), 2, True)
    f("array_positions", arrays.positions, 2, True)
    f("pg_array_cat", _array_cat, 4, True)
    f("pg_any_all", _any_all, 4, True)
    f("pg_regexp_any", lambda x, arr, every, fold: _regexp_any(s, x, arr, every, fold), 4, True)
    f("pg_row_to_json", _row_to_json, 2, True)
    f("pg_to_timestamp", _to_timestamp, 1, True)
    f("pg_ts_diff", lambda a, b: _ts_diff(a, b, tz()), 2)
    f("pg_interval_q", interval.qualified, 4, True)
    f("pg_interval_mul", interval.multiply, 2, True)
    f("pg_interval_div", interval.divide, 2, True)
    f("pg_interval_neg", interval.negate, 1, True)
    f("pg_interval_add", interval.add, 3, True)
    f("pg_interval_part", lambda u, v: interval.part(u, v, 0), 2, True)
    f("pg_interval_trunc", interval.trunc, 2, True)
    f("pg_interval_extract", lambda u, v: _numeric_result(interval.part(u, v, 1)), 2, True)
    f("pg_date_add", _date_add, 2, True)
    f("pg_date_diff", _date_diff, 2, True)
    f("isfinite", lambda v: None if v is None else int(_infinity(v) is None), 1, True)
    f("array_to_string", _array_to_string)
    for name, func in regexp.FUNCTIONS.items():
        f(name, func)
    f("array_position", arrays.position, -1, True)
    f("array_length", arrays.length, 2, True)
    f("array_upper", arrays.upper, 2, True)
    f("array_lower", arrays.lower, 2, True)
    f("array_ndims", arrays.ndims, 1, True)
    f("array_dims", arrays.array_dims, 1, True)
    f("cardinality", arrays.cardinality, 1, True)
    f("array_fill", arrays.fill, -1, True)
    f("array_replace", arrays.replace, 3, True)
    f("trim_array", arrays.trim, 2, True)
    f("array_append", arrays.append, 2, True)
    f("array_prepend", arrays.prepend, 2, True)
    f("array_cat", arrays.concat, 2, True)
    f("pg_array_cmp", arrays.compare, 2, True)
    f("pg_array_contains", arrays.contains, 2, True)
    conn.create_collation("pg_array", lambda a, b: arrays.compare(a, b) or 0)
    conn.create_collation("pg_jsonb", lambda a, b: _jsonb_cmp(a, b) or 0)  # ORDER BY a jsonb
    conn.create_aggregate_function("pg_array_min", lambda: arrays.Extreme(-1), 1)
    conn.create_aggregate_function("pg_array_max", lambda: arrays.Extreme(1), 1)
    f("pg_array_overlaps", arrays.overlaps, 2, True)
    f("pg_like_any", _like_any, 5, True)
    f("pg_like_glob", _like_glob, -1, True)
    f("pg_array_sub", arrays.get, -1, True)
    f("pg_array_slice", arrays.slice_, -1, True)
    f("pg_array_assign", arrays.assign, -1, True)
    f("pg_array_assign_slice", arrays.assign_slice, -1, True)
    f("pg_array_agg_check", arrays.agg_check, 1, True)
    f("pg_array_in", _array_in, -1, True)
    f("pg_inet_in", lambda v: None if v is None else types.text_in(869, str(v)), 1, True)
    f("pg_char1", _char1, 1, True)
    f("pg_upper", _upper, 1, True)
    f("pg_lower", _lower, 1, True)
    f("pg_int_write", _int_write, -1, True)
    f("pg_array_get", _array_get, 2, True)
    f(
        "pg_json_contains",
        lambda a, b: None if a is None or b is None else int(_contains(_json(a), _json(b))),
        2,
    )
    f("pg_jsonb", lambda v: jsonb.out(jsonb.doc(v)), 1)
    f("pg_json_in", lambda v: _json_in(v, False), 1, True)
    f("pg_jsonb_in", lambda v: _json_in(v, True), 1, True)
    _register_jsonb_operators(f)
    jsonb.register(conn, tz)
    tsearch.register(conn, lambda: s.settings.get("default_text_search_config") or "english")
    f("nextval", lambda name: s.sequences.nextval(_relname(name)), 1)
    f("currval", lambda name: s.sequences.currval(_relname(name)), 1)
    f("setval", lambda name, v, called=1: s.sequences.setval(_relname(name), v, bool(called)))
    f("lastval", lambda: s.sequences.lastval(), 0)
    f("current_setting", lambda name, missing_ok=0: None if name is None or missing_ok is None  # (strict)
      else s.show_value(_setting_name(name), bool(missing_ok)))
    f("set_config", lambda name, v, local=0: s.set_setting(*_set_config_args(name, v)))
    f("pg_get_serial_sequence", lambda t, c: s.sequences.serial_sequence(_relname(t), c), 2)
    f("pg_regclass", lambda v: _regclass(s, v), 1)
    f("pg_regclass_name", lambda v: _regclass_name(conn, v), 1)
    f("to_regclass", lambda v: _regclass(s, v, missing_ok=True), 1)
    f("pg_regtype", lambda v: v if isinstance(v, int) else types.oid_of(str(v)), 1)
    f("to_regtype", lambda v: types.lookup_oid(str(v)) if v is not None else None, 1)
    f(
        "pg_regtype_name",
        lambda v: ("-" if v == 0 else types.format_type(v, -1)) if isinstance(v, int) else v,
        1,
    )
    f("pg_regnamespace_name", lambda v: {11: "pg_catalog", 2200: "public"}.get(v, str(v)), 1)
    f("pg_bool", lambda v: types.bool_in(v), 1)
    f("booleq", lambda a, b: None if a is None or b is None else int(bool(a) == bool(b)), 2, True)
    f("boolne", lambda a, b: None if a is None or b is None else int(bool(a) != bool(b)), 2, True)
    f("pg_bytea", types.bytea_in, 1)
    numeric.register(conn)
    f("pg_int", _int_cast, -1, True)
    f("pg_float", _float_cast, 1, True)
    f("pg_float4", _float4_cast, 1, True)
    f("pg_text", _text_cast, 1)
    f("pg_out", lambda v, oid: _text_out(v, oid, s.tz), 2)
    f("pg_timestamptz", lambda v: _timestamptz_cast(v, s.tz, None), 1, deterministic=True)
    f("pg_timestamptz", lambda v, p: _timestamptz_cast(v, s.tz, p), 2, deterministic=True)
    f("pg_timestamp", lambda v: _timestamp_cast(v, s.tz), 1)
    f("pg_timestamp", lambda v, p: _timestamp_cast(v, s.tz, p), 2)
    f("pg_timestamp_in", lambda v: _timestamp_in(v, s.tz), 1, deterministic=True)
    f("pg_timestamp_in", lambda v, p: _timestamp_in(v, s.tz, p), 2, deterministic=True)
    f("pg_date", lambda v: _date_cast(v, s.tz), 1, deterministic=True)
    f("pg_time", lambda v, p: _time_cast(v, s.tz, p), 2, deterministic=True)
    # a text to time: time_in's reading, a date and zone in it dropped (not a timestamp's)
    f("pg_time_in", lambda v, p: _time_cast(v, s.tz, p, True), 2, deterministic=True)
    f("pg_timetz_in", lambda v, p: _timetz_in(
        v, s.tz, s.statement_time().astimezone(s.tz).date(), p), 2)
    f("pg_uuid", types.uuid_in, 1, True)
    f("gen_random_uuid", lambda: str(uuid.uuid4()), 0)
    f("uuid_generate_v4", lambda: str(uuid.uuid4()), 0)
    f("random", random.random, 0)
    f("pg_sleep", lambda secs: _sleep(s, secs), 1)
    f("pg_series_start", lambda a, b, step: _series_start(a, b, step, tz()), 3)
    f("pg_series_next", lambda v, b, step: _series_next(s, v, b, step, tz()), 3)
    f("left", lambda t, n: None if t is None or n is None else str(t)[:_int_cast(n, 32)], 2, True)
    f("right", _right, 2, True)
    f("split_part", lambda t, d, n: _split_part(t, d, None if n is None else _int_cast(n, 32)),
      3, True)
    f("strpos", lambda t, sub: None if t is None else t.find(sub) + 1, 2, True)
    for name, func in binary.FUNCTIONS.items():
        f(name, func, -1, True)
    f("translate", _translate, 3, True)
    f("ascii", lambda t: None if t is None else (ord(str(t)[0]) if str(t) else 0), 1, True)
    f("reverse", lambda t: None if t is None else str(t)[::-1], 1, True)
    f("repeat", _repeat, 2, True)
    f("pg_overlay", _overlay, -1, True)
    f("pg_regex_substring", _regex_substring, 2, True)
    f("initcap", lambda t: None if t is None else t.title(), 1, True)
    f("lpad", lambda t, n, fill=" ": _pad(t, n, fill, left=True))
    f("rpad", lambda t, n, fill=" ": _pad(t, n, fill, left=False))
    f("pg_size_pretty", _size_pretty, 1, True)
    f("array_remove", arrays.remove, 2, True)
    f("pg_relation_size", lambda rel, fork="main": _relation_size(s, rel, "relation", fork))
    f("pg_table_size", lambda rel: _relation_size(s, rel, "table"), 1)
    f("pg_indexes_size", lambda rel: _relation_size(s, rel, "indexes"), 1)
    f("pg_total_relation_size", lambda rel: _relation_size(s, rel, "total"), 1)
    f("pg_get_viewdef", lambda rel, pretty=None: _viewdef(s, rel))
    f("pg_database_size", lambda *a: 0)
    f("pg_typeof", lambda v: types.format_type(types.value_oid(v)), 1)
    f("pg_raise_div0", _raise_div0, 0)
    f("pg_raise_multirow", _raise_multirow, 0)
    f("pg_raise_conflict_twice", _raise_conflict_twice, 0)
    f("pg_raise_check_option", _raise_check_option, 1)
    f("pg_raise_partition", _raise_partition, 1)
    f("pg_raise", _raise, 2)


def _sleep(s: Session, secs: object) -> str | None:
    """pg_sleep in slices, so that a cancel or statement_timeout stops it within 50 ms; its
    void result prints as an empty text."""
    import time

    if secs is None:
        return None
    deadline = time.monotonic() + float(secs)  # type: ignore[arg-type]
    while (left := deadline - time.monotonic()) > 0:
        s.check_cancel()
        time.sleep(min(left, 0.05))
    s.check_cancel()
    return ""


# PostgreSQL's largest value (MaxAllocSize less the varlena header) and the bytes a UTF-8
# character may take: text functions refuse to build more, as text.c and oracle_compat.c do.
MAX_VALUE_BYTES = 0x3FFFFFFF - 4
_MAX_CHAR_BYTES = 4


def _too_large() -> SqlError:
    return SqlError("54000", "requested length too large")


def _overlay(t: object, new: object, start: object, count: object = None) -> object:
    """overlay(t PLACING new FROM start [FOR count]), on text or bytea."""
    if t is None or new is None or start is None:
        return None
    f = _bigint_arg(start)
    n = len(new) if count is None else _bigint_arg(count)  # type: ignore[arg-type]
    if f < 1 or n < 0:
        raise SqlError("22011", "negative substring length not allowed")
    return t[: f - 1] + new + t[f - 1 + n :]  # type: ignore[index,operator]


def _regex_substring(t: object, pattern: object) -> object:
    """substring(t FROM pattern): the first parenthesised part of the first match, or the
    whole match when the pattern has none; NULL without a match."""
    if t is None or pattern is None:
        return None
    m = regexp.first_match(str(t), pattern)
    if m is None:
        return None
    return m.group(1) if m.re.groups else m.group(0)


def _repeat(t: object, n: object) -> object:
    if t is None or n is None:
        return None
    text, count = str(t), _bigint_arg(n)
    if count <= 0 or not text:
        return ""
    if count * len(text.encode()) > MAX_VALUE_BYTES:
        raise _too_large()
    return text * count


def _pad(t: object, n: object, fill: object, left: bool) -> object:
    """lpad / rpad: truncate to n characters, or fill with the whole fill text repeated."""
    if t is None or n is None or fill is None:
        return None
    text, width, filler = str(t), _bigint_arg(n), str(fill)
    if width <= 0:
        return ""
    if width * _MAX_CHAR_BYTES > MAX_VALUE_BYTES:
        raise _too_large()
    if len(text) >= width or not filler:
        return text[:width]
    need = width - len(text)
    pad = (filler * (need // len(filler) + 1))[:need]
    return pad + text if left else text + pad


# --- generate_series ----------------------------------------------------------------------
# The translator writes generate_series as a recursive CTE whose first row is
# pg_series_start(start, stop, step) and each next row pg_series_next(v, stop, step) (NULL
# past the end). Both run PostgreSQL's checks, so a series with a zero, NaN or infinite step
# or bound is refused at once (22023) instead of running without end.


def _series_kind(*vals: object) -> str:
    if all(type(v) is int for v in vals):
        return "int"
    if any(isinstance(v, str) and _looks_like_time(v) for v in vals):
        return "timestamp"
    return "numeric"


def _looks_like_time(v: str) -> bool:
    """A timestamp or an interval, as opposed to a numeric's text."""
    try:
        numeric.parse(v)
    except SqlError:
        return True
    return False


def _ts_order(v: object, tz: dt.tzinfo) -> tuple[int, dt.datetime]:
    """A timestamp as a key that orders -infinity and infinity around every other one."""
    inf = _infinity(v)
    if inf:
        return (-1 if inf[0] == "-" else 1, dt.datetime.min.replace(tzinfo=dt.UTC))
    d = _to_datetime(v, tz)
    assert d is not None
    return (0, d)


def _bad_series(msg: str) -> SqlError:
    return SqlError("22023", msg)


def _series_start(start: object, stop: object, step: object, tz: dt.tzinfo) -> object:
    if start is None or stop is None or step is None:
        return None
    kind = _series_kind(start, stop, step)
    if kind == "int":
        if step == 0:
            raise _bad_series("step size cannot equal zero")
        return start if (start <= stop if step > 0 else start >= stop) else None  # type: ignore[operator]
    if kind == "timestamp":
        months, rest = parse_interval(str(step))
        if not months and not rest:
            raise _bad_series("step size cannot equal zero")
        forward = months > 0 or (not months and rest > dt.timedelta())
        first, end = _ts_order(start, tz), _ts_order(stop, tz)
        return start if (first <= end if forward else first >= end) else None  # type: ignore[operator]
    for what, v in (("start value", start), ("stop value", stop), ("step size", step)):
        d = numeric.value(v)
        assert d is not None
        if d.is_nan():
            raise _bad_series(f"{what} cannot be NaN")
        if d.is_infinite():
            raise _bad_series(f"{what} cannot be infinity")
    if not numeric.value(step):
        raise _bad_series("step size cannot equal zero")
    first, end = numeric.value(start), numeric.value(stop)
    if not (first <= end if numeric.value(step) > 0 else first >= end):  # type: ignore[operator]
        return None  # an empty series, as the rows after the last one
    return numeric.stored(first)  # type: ignore[arg-type]


def _series_next(s: Session, v: object, stop: object, step: object, tz: dt.tzinfo) -> object:
    if v is None:
        return None
    kind = _series_kind(v, stop, step)
    if kind == "int":
        n = v + step  # type: ignore[operator]
        return n if (n <= stop if step > 0 else n >= stop) else None  # type: ignore[operator]
    s.check_cancel()  # a Python step per row: the progress handler may not come round
    if kind == "timestamp":
        months, rest = parse_interval(str(step))
        forward = months > 0 or (not months and rest > dt.timedelta())
        try:
            n = _ts_add(v, step, 1, tz)
        except (OverflowError, ValueError):
            raise SqlError("22008", "timestamp out of range") from None
        after = _ts_order(n, tz), _ts_order(stop, tz)
        return n if (after[0] <= after[1] if forward else after[0] >= after[1]) else None  # type: ignore[operator]
    d = numeric.value(v) + numeric.value(step)  # type: ignore[operator]
    end, up = numeric.value(stop), numeric.value(step) > 0  # type: ignore[operator]
    return numeric.stored(d) if (d <= end if up else d >= end) else None  # type: ignore[operator]


def _raise(code: str, message: str) -> None:
    """An error a translated expression raises where PostgreSQL's function would."""
    raise SqlError(code, message)


def _raise_div0() -> None:
    raise SqlError("22012", "division by zero")


def _raise_check_option(view: str) -> None:
    raise SqlError("44000", f'new row violates check option for view "{view}"')


def _raise_partition(view: str) -> None:
    raise SqlError("23514", f'new row for relation "{view}" violates partition constraint')


def _raise_conflict_twice() -> None:
    raise SqlError(
        "21000",
        "ON CONFLICT DO UPDATE command cannot affect row a second time",
        hint="Ensure that no rows proposed for insertion within the same command have "
        "duplicate constrained values.",
    )


def _raise_multirow() -> None:
    raise SqlError("21000", "more than one row returned by a subquery used as an expression")


def _div(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            raise SqlError("22012", "division by zero")
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q
    x, y = float(a), float(b)  # type: ignore[arg-type]
    if y == 0:
        if x != x:
            return "NaN"  # NaN / 0 is NaN, as float8div has it
        raise SqlError("22012", "division by zero")
    r = x / y
    return "NaN" if r != r else r  # inf / inf: SQLite would make a NaN NULL


_UNISTR_ESCAPES = tuple(re.compile(p) for p in (
    r"\\([0-9A-Fa-f]{4})", r"\\u([0-9A-Fa-f]{4})", r"\\\+([0-9A-Fa-f]{6})", r"\\U([0-9A-Fa-f]{8})"))


def _unistr(v: object) -> object:
    """unistr(text) as varlena.c reads it: \\XXXX, \\uXXXX, \\+XXXXXX, \\UXXXXXXXX and \\\\,
    UTF-16 surrogate pairs joined (SQLite's own unistr reads other forms and no pairs)."""
    if v is None:
        return None
    s, out, i, first = str(v), [], 0, 0
    while i < len(s):
        if s[i] != "\\":
            if first:
                raise _bad_surrogate()
            out.append(s[i])
            i += 1
            continue
        if s.startswith("\\\\", i):
            if first:
                raise _bad_surrogate()
            out.append("\\")
            i += 2
            continue
        for pattern in _UNISTR_ESCAPES:
            if m := pattern.match(s, i):
                break
        else:
            raise SqlError("42601", "invalid Unicode escape", hint="Unicode escapes must be "
                           "\\XXXX, \\+XXXXXX, \\uXXXX, or \\UXXXXXXXX.")
        c = int(m.group(1), 16)
        if not 0 < c <= 0x10FFFF:
            raise SqlError("22023", f"invalid Unicode code point: {c:04X}")
        if first:
            if not 0xDC00 <= c <= 0xDFFF:
                raise _bad_surrogate()
            c, first = 0x10000 + ((first - 0xD800) << 10) + (c - 0xDC00), 0
        elif 0xDC00 <= c <= 0xDFFF:
            raise _bad_surrogate()
        if 0xD800 <= c <= 0xDBFF:
            first = c
        else:
            out.append(chr(c))
        i = m.end()
    if first:
        raise _bad_surrogate()
    return "".join(out)


def _bad_surrogate() -> SqlError:
    return SqlError("42601", "invalid Unicode surrogate pair")


def _float_op(op: str, a: object, b: object = None) -> object:
    """float8 + - * / and unary - (float8pl ... float8um): IEEE's NaN and infinities (SQLite
    would read a NaN's text as 0 and make inf * 0 NULL), with float.c's range errors."""
    if a is None or (b is None and op != "neg"):
        return None
    x = _float_in(a, "double precision")
    if op == "neg":
        return "NaN" if x != x else -x
    y = _float_in(b, "double precision")
    if op == "+":
        r = x + y
    elif op == "-":
        r = x - y
    elif op == "*":
        r = x * y
        if r == 0 and x != 0 and y != 0:
            raise SqlError("22003", "value out of range: underflow")
    else:
        if y == 0:
            if x != x:
                return "NaN"
            raise SqlError("22012", "division by zero")
        r = x / y
        if r == 0 and x != 0 and not math.isinf(y):
            raise SqlError("22003", "value out of range: underflow")
    if math.isinf(r) and not math.isinf(x) and not math.isinf(y):
        raise SqlError("22003", "value out of range: overflow")
    return "NaN" if r != r else r


def _setting_name(name: object) -> str:
    """current_setting's argument: text (current_setting(0) has no function to call)."""
    if isinstance(name, str):
        return name
    raise SqlError("42883", f"function current_setting({_argument_type(name)}) does not exist")


def _set_config_args(name: object, value: object) -> tuple[object, object]:
    """set_config's name and value: text (set_config(-1, 'off', false) has no function to
    call; a string is shown as the unknown of a literal, the flag as a boolean)."""
    if all(x is None or isinstance(x, str) for x in (name, value)):
        if name is None:
            raise SqlError("22004", "SET requires parameter name")
        return name, value
    shown = ["unknown" if x is None or isinstance(x, str) else _argument_type(x)
             for x in (name, value)]
    raise SqlError("42883", f"function set_config({shown[0]}, {shown[1]}, boolean) does not exist")


def _argument_type(v: object) -> str:
    """The PostgreSQL type a text-taking function got instead of text, for its 42883 message
    (a number or bytea computed at run time)."""
    if isinstance(v, bytes):
        return "bytea"
    if isinstance(v, float):
        return "numeric"
    return "integer" if -2**31 <= v < 2**31 else "bigint"  # type: ignore[operator]


def _float_unary(name: str, v: object) -> object:
    """abs, trunc, ceil, floor and sign of a float8 as C computes them: NaN stays NaN (sign
    of NaN is 0), an infinity its own integral part, -0.5 truncates to -0."""
    if v is None:
        return None
    x = _float_in(v, "double precision")
    if name == "sign":
        return 1.0 if x > 0 else -1.0 if x < 0 else 0.0
    if x != x:
        return "NaN"
    if name == "abs" or math.isinf(x):
        return abs(x) if name == "abs" else x
    r = float(math.trunc(x) if name == "trunc" else math.ceil(x) if name == "ceil" else math.floor(x))
    return math.copysign(r, x) if r == 0 else r


def _mod(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    if b == 0:
        raise SqlError("22012", "division by zero")
    if isinstance(a, int) and isinstance(b, int):
        r = abs(a) % abs(b)
        return r if a >= 0 else -r
    import math

    return math.fmod(float(a), float(b))  # type: ignore[arg-type]


def _one(conn: apsw.Connection, sql: str, *args: object) -> object:
    rows = conn.execute(sql, args).fetchall()
    return rows[0][0] if rows else None


def _indexdef(conn: apsw.Connection, oid: int, col: int) -> object:
    if col:
        keys = _one(conn, "SELECT indkey FROM temp.pg_index WHERE indexrelid=?", oid)
        rel = _one(conn, "SELECT indrelid FROM temp.pg_index WHERE indexrelid=?", oid)
        if keys is None:
            return None
        positions = json.loads(keys)  # type: ignore[arg-type]
        if col > len(positions):
            return ""
        return _one(
            conn,
            "SELECT attname FROM temp.pg_attribute WHERE attrelid=? AND attnum=?",
            rel,
            positions[col - 1],
        )
    return _one(conn, "SELECT _def FROM temp.pg_index WHERE indexrelid=?", oid)


def _relname(name: object) -> str:
    """The stored name of a relation named in text (``'x.t'::regclass``, nextval('s'))."""
    return schemas.stored(*schemas.split_qualified(str(name)))


def _regclass(s: Session, v: object, missing_ok: bool = False) -> object:
    if v is None:
        return None
    if isinstance(v, int) or (isinstance(v, str) and v.strip().isdigit()):
        return int(v)
    name = _relname(v)
    low = name.lower()
    from aurora.engine.sql.pgcatalog import CATALOG_TABLES

    s.catalog.refresh()
    if (
        s.catalog.table_columns(low) is not None
        or low in CATALOG_TABLES
        or s.sequences.exists(low)
        or low in s.sequences.implied()
        or s.index_exists(low)
    ):
        if temp.resolves_to_temp(s, None, low):  # pg_class's OID of a temp relation
            return rel_oid("pg_temp." + temp.stored_name(s, low))
        return rel_oid(name if s.catalog.table_columns(low) is None else _true_name(s, low))
    if missing_ok:
        return None
    raise SqlError("42P01", f'relation "{v}" does not exist')


def _true_name(s: Session, low: str) -> str:
    rows = s.conn.execute(
        "SELECT name FROM main.sqlite_schema WHERE lower(name)=?", (low,)
    ).fetchall()
    return rows[0][0] if rows else low


def _sqlite_relation(s: Session, rel: object) -> str | None:
    """The SQLite table, view or index behind a regclass argument (an OID or a name)."""
    oid = _regclass(s, rel, missing_ok=True)
    if oid is None:
        return None
    # OIDs are a hash of the name: find it among SQLite's objects first (the TEMP pg_class
    # may not have been refilled since the last DDL when the query reads no catalog).
    for (name,) in s.conn.execute("SELECT name FROM main.sqlite_schema").fetchall():
        if rel_oid(name) == oid:
            return name
    name = _regclass_name(s.conn, oid)
    rows = (
        s.conn.execute(  # a constraint's index: PostgreSQL's name -> SQLite's
            "SELECT index_name FROM main._aurora_constraints WHERE lower(name)=lower(?)", (name,)
        ).fetchall()
        if _has_table(s.conn, "_aurora_constraints")
        else []
    )
    if rows and rows[0][0]:
        return rows[0][0]
    # A relation pg_class lists that has no b-tree of its own here: the rowid-alias primary
    # key (the table's b-tree is the index), an implied sequence.
    return "" if _one(s.conn, "SELECT 1 FROM temp.pg_class WHERE oid=?", oid) else None


def _has_table(conn: apsw.Connection, name: str) -> bool:
    return bool(conn.execute("SELECT 1 FROM main.sqlite_schema WHERE name=?", (name,)).fetchall())


def _relation_size(s: Session, rel: object, what: str, fork: object = "main") -> int | None:
    """pg_relation_size and friends: bytes of the relation's SQLite b-tree pages (dbstat),
    its indexes' for ``indexes``, both for ``total``. Forks other than main are empty."""
    if rel is None:
        return None
    name = _sqlite_relation(s, rel)
    if name is None:
        raise SqlError("42P01", f"relation with OID {rel} does not exist")
    if not name:
        return 0
    if what == "relation" and str(fork).lower() != "main":
        return 0
    parts = {"relation": ["self"], "table": ["self"], "indexes": ["indexes"]}.get(
        what, ["self", "indexes"]
    )
    names = [name] if "self" in parts else []
    if "indexes" in parts:
        names += [
            r[0]
            for r in s.conn.execute(
                "SELECT name FROM main.sqlite_schema WHERE type='index' AND tbl_name=? "
                "AND name != ?",
                (name, name),
            )
        ]
    total = 0
    for n in names:
        try:
            rows = s.conn.execute(
                "SELECT pgsize FROM dbstat WHERE name=? AND aggregate=1", (n,)
            ).fetchall()
        except apsw.SQLError:
            return 0  # no dbstat in this SQLite
        total += sum(r[0] or 0 for r in rows)
    return total


_VIEWDEF = re.compile(r"/\*pg_get_viewdef\n(.*?)\n\*/", re.S)


def viewdef_comment(definition: str) -> str:
    """The view's SELECT as written, kept in a comment of the SQLite CREATE VIEW (SQLite
    stores the statement's text as given) for pg_get_viewdef."""
    return "/*pg_get_viewdef\n" + definition.replace("*/", "* /") + "\n*/"


def _viewdef(s: Session, rel: object) -> str | None:
    """A view's SELECT: the definition kept by CREATE VIEW, else its SQLite text read back
    into PostgreSQL's dialect (a view created before that comment existed)."""
    import sqlglot

    name = _sqlite_relation(s, rel) if rel is not None else None
    sql = _one(s.conn, "SELECT sql FROM main.sqlite_schema WHERE type='view' AND name=?", name)
    if sql is None:
        return None
    kept = _VIEWDEF.search(str(sql))
    if kept:
        return " " + kept.group(1).replace("\n", "\n ") + ";"
    try:
        view = sqlglot.parse_one(str(sql), read="sqlite")
        body = view.expression if isinstance(view, sqlglot.exp.Create) else view
        return " " + body.sql("postgres", pretty=True).replace("\n", "\n ") + ";"
    except sqlglot.errors.SqlglotError:
        return str(sql).split(" AS ", 1)[-1]


def _regclass_name(conn: apsw.Connection, v: object) -> object:
    if v is None or (isinstance(v, str) and not v.isdigit()):
        return v
    name = _one(conn, "SELECT relname FROM temp.pg_class WHERE oid=?", int(v))  # type: ignore[arg-type]
    return name if name is not None else str(v)


def _bigint_arg(v: object) -> int:
    """An integer argument given as text or a number (22P02 when it is neither)."""
    try:
        return int(v)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise SqlError("22P02", f'invalid input syntax for type bigint: "{v}"') from None


def _size_pretty(n: object) -> str | None:
    """PostgreSQL's pg_size_pretty: bytes below 10 kB, then halves rounded up per unit."""
    if n is None:
        return None
    size = _bigint_arg(n)
    if abs(size) < 10 * 1024:
        return f"{size} bytes"
    size >>= 9  # half kilobytes
    for unit in ("kB", "MB", "GB", "TB"):
        if abs(size) < 20 * 1024 - 1 or unit == "TB":
            return f"{(size + 1) // 2 if size >= 0 else -((-size + 1) // 2)} {unit}"
        size >>= 10
    return None


def _array_get(arr: object, index: object) -> object:
    """``arr[i]`` with a 0-based index: NULL out of range, a nested array as JSON text."""
    items = _json(arr)
    if not isinstance(items, list) or index is None:
        return None
    i = _bigint_arg(index)
    if not 0 <= i < len(items):
        return None
    v = items[i]
    return json.dumps(v) if isinstance(v, (list, dict)) else v


_INT_NAMES = {16: "smallint", 32: "integer", 64: "bigint"}
_LEADING_NUMBER = re.compile(r"\s*[+-]?(?:\d|\.\d)")


def _int_write(v: object, bits: int = 64, column: object = None) -> object:
    """A value written to an integer column of ``bits``: a fraction rounded half away from
    zero, as PostgreSQL assigns a numeric (see translate._int_write), also an exact numeric's
    text (what numeric arithmetic gives); 22003 past 64 bits. With ``column`` (the MySQL
    edition) a string that is no number is MySQL's 1366, or 1265 when it begins with one
    ('12abc'), as MySQL's strict mode has them, and a binary string (x'41') is the unsigned
    number of its bytes, as MySQL stores a hex literal in a number column (65; past 63
    bits 1264). Anything else as it is, for the column's checks to judge."""
    if type(v) is bytes and column is not None:
        n = int.from_bytes(v, "big")
        if n >= 1 << 63:  # (an UNSIGNED BIGINT's upper half is stored as text, not here)
            raise SqlError("22003", f"Out of range value for column '{column}' at row 1", errno=1264)
        return n
    if type(v) is str:
        try:
            d = Decimal(v.strip())
        except ArithmeticError:
            if column is None:
                return v
            if _LEADING_NUMBER.match(v):
                raise SqlError("01000", f"Data truncated for column '{column}' at row 1",
                               errno=1265) from None
            raise SqlError("22007", f"Incorrect integer value: '{v[:64]}' for column '{column}' "
                           "at row 1", errno=1366) from None
        if not d.is_finite():
            return v
        v = d
    elif type(v) is float:
        if v != v or v in (math.inf, -math.inf):
            return v
        v = Decimal(v)
    else:
        return v
    n = int(v.to_integral_value(ROUND_HALF_UP))
    if not -(1 << 63) <= n < 1 << 63:
        raise SqlError("22003", f"{_INT_NAMES.get(bits, 'bigint')} out of range")
    return n


def _upper(v: object) -> object:
    """upper() as PostgreSQL's (and MySQL's): every letter, not only ASCII's (SQLite's own
    upper leaves 'é' as is), one character for one as the C library maps them (Python's
    'ß'.upper() is 'SS'; PostgreSQL keeps 'ß'). A value that is not text comes back as is."""
    if type(v) is not str:
        return v
    u = v.upper()
    if len(u) == len(v):
        return u
    return "".join([c if len(x := c.upper()) != 1 else x for c in v])


def _lower(v: object) -> object:
    """lower() for every letter, one character for one (see _upper): 'İ' becomes 'i' and a
    final capital sigma the ordinary small sigma (U+03C3), as in PostgreSQL; Python's lower
    gives 'i' with a combining dot and the final form (U+03C2)."""
    if type(v) is not str:
        return v
    lo = v.lower()
    if len(lo) == len(v) and "\u03a3" not in v:
        return lo
    return "".join([x if len(x := c.lower()) == 1 else "i" if c == "\u0130" else c for c in v])


def _char1(v: object) -> object:
    """A value as the one-byte "char" type: its first character, or the byte a ``\\ooo``
    spells (shown that way when it is not ASCII; NUL is empty), as char.c reads it."""
    if v is None:
        return None
    s = v if isinstance(v, str) else _text_cast(v)
    assert isinstance(s, str)
    m = re.fullmatch(r"\\([0-3][0-7]{2})", s)
    if m:
        n = int(m.group(1), 8)
        return "" if n == 0 else (chr(n) if n < 0x80 else s)
    return s[:1]


def _array_in(v: object, elem_oid: object = None, typmod: object = None) -> object:
    """A value cast to an array type (``elem_oid`` its element type, or None when unknown) in
    the array storage form of ``arrays``; a char(n) / varchar(n) element type's length
    (``typmod``) is checked (22001) and char(n) elements padded."""
    if isinstance(typmod, int) and typmod > 4 and v is not None:
        got = arrays.load(_array_in(v, elem_oid))
        if got is None:
            return v
        n = typmod - 4
        name = "character" if elem_oid == 1042 else "character varying"

        def sized(x: object) -> object:
            t = x if isinstance(x, str) else _text_cast(x)
            assert isinstance(t, str)
            if len(t) > n:
                if t[n:].strip(" "):
                    raise SqlError("22001", f"value too long for type {name}({n})")
                t = t[:n]
            return t.ljust(n) if elem_oid == 1042 else t

        return arrays.store(arrays.map_items(got[0], sized), got[1])
    if v is None:
        return None
    if isinstance(v, bytes):
        v = v.decode()
    if not isinstance(v, str):
        return v
    if isinstance(elem_oid, int) and elem_oid:
        if v.lstrip().startswith("{") or arrays.is_bounded(v):
            return types.array_in(elem_oid, v)
        got = arrays.load(v)
        if got is None:  # neither an array literal nor an array's storage form
            if elem_oid in (types.INT2, types.OID):
                return v  # (int2vector / oidvector text: '11 22 33')
            raise SqlError("22P02", f'malformed array literal: "{v}"',
                           detail='Array value must start with "{" or dimension information.')
        if elem_oid in (114, 3802):
            return arrays.store(*got)  # JSON elements are JSON values already
        if elem_oid in (types.TEXT, 1043, 1042, 19):
            conv: Callable[[object], object] = lambda x: x if isinstance(x, str) else _text_cast(x)  # noqa: E731
        else:  # text elements through the element type's input; numbers are kept
            conv = lambda x: types.text_in(elem_oid, x) if isinstance(x, str) else x  # type: ignore[arg-type]  # noqa: E731
        return arrays.store(arrays.map_items(got[0], conv), got[1])
    if v.lstrip().startswith("{"):
        # PostgreSQL's array literal: numbers when every element reads as one, so that
        # '33 = ANY ('{1,2,33}')' compares numbers (the element type comes from the other side)
        try:
            items, lbounds = arrays.parse_literal(v)
        except SqlError:
            raise
        flat = arrays.leaves(items)
        if all(x is None or _NUMBER.fullmatch(x) for x in flat):
            items = arrays.map_items(items, json.loads)
        return arrays.store(items, lbounds)
    if arrays.is_bounded(v):
        got = arrays.load(v)
        return arrays.store(*got) if got is not None else v
    if _VECTOR.fullmatch(v):  # an int2vector / oidvector's text: '11 22 33'
        return json.dumps([int(x) for x in v.split()])
    items = _json(v)
    return json.dumps(items) if isinstance(items, list) else v


_VECTOR = re.compile(r"\s*-?\d+(?:\s+-?\d+)+\s*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


# bits of an integer type: its name and range (int2, int4, int8)
INT_TYPES = {16: ("smallint", -(2**15), 2**15 - 1), 32: ("integer", -(2**31), 2**31 - 1),
             64: ("bigint", -(2**63), 2**63 - 1)}


def int_overflow(bits: int) -> SqlError:
    return SqlError("22003", f"{INT_TYPES[bits][0]} out of range")


def _raise_int_overflow(bits: int) -> None:
    raise int_overflow(bits)


def _float_round(v: object) -> object:
    """round(double precision): C's rint, ties to the even neighbour (SQLite's round takes
    them away from zero: 2.5 gave 3, PostgreSQL gives 2)."""
    if not isinstance(v, float) or not math.isfinite(v):
        return v
    return math.copysign(float(round(v)), v)  # (rint keeps the sign: -0.4 is -0)


def _int_shift(v: object, count: object, bits: int, left: int) -> object:
    """int2 / int4 / int8 << and >> as PostgreSQL's C computes them: the count taken modulo
    the width of the (promoted) operand, a left shift wrapping around in the type (1 << 31
    is -2147483648, 1 << 32 is 1; SQLite computes in 64 bits)."""
    if type(v) is not int or type(count) is not int:
        return None if v is None or count is None else v << count if left else v >> count
    count &= 63 if bits == 64 else 31
    if not left:
        return v >> count
    width = 1 << bits
    r = (v << count) & (width - 1)
    return r - width if r >= width >> 1 else r


def _int_check(v: object, bits: int) -> object:
    """An integer operator's result, 22003 past its type's range (an int8 overflow is a
    REAL in SQLite)."""
    if v is None:
        return v
    _, lo, hi = INT_TYPES[bits]
    if type(v) is not int or not lo <= v <= hi:
        raise int_overflow(bits)
    return v


def _int_cast(v: object, bits: int = 64) -> object:
    """``v::int2 / int4 / int8``: text by int4in's syntax, a float rounded half to even (rint),
    22003 past the type's range."""
    if v is None:
        return v
    if type(v) is int:
        r = v
    elif isinstance(v, float):
        if not math.isfinite(v):
            raise int_overflow(bits)
        r = round(v)
    elif isinstance(v, str):  # text to integer: integer syntax only, as int4in reads it
        s = v.strip()
        if not (v.isascii() and v.isdigit()) and not re.fullmatch(r"[+-]?\d+", s):
            name = INT_TYPES[bits][0]
            raise SqlError("22P02", f'invalid input syntax for type {name}: "{v}"')
        r = int(s)
        _, lo, hi = INT_TYPES[bits]
        if not lo <= r <= hi:
            raise SqlError("22003", f'value "{v}" is out of range for type {INT_TYPES[bits][0]}')
    else:
        try:
            r = round(float(Decimal(str(v))))
        except (ValueError, ArithmeticError):
            raise SqlError("22P02", f'invalid input syntax for type integer: "{v}"') from None
    _, lo, hi = INT_TYPES[bits]
    if not lo <= r <= hi:
        raise int_overflow(bits)
    return r


def _div_trunc(a: object, b: object) -> object:
    """numeric div(a, b): a / b truncated toward zero, exact at any size."""
    x, y = numeric.value(a), numeric.value(b)
    if x is None or y is None:
        return None
    if x.is_nan() or y.is_nan():
        return "NaN"
    if y == 0:
        raise SqlError("22012", "division by zero")
    if x.is_infinite():
        if y.is_infinite():
            return "NaN"
        return numeric.scaled(x if y > 0 else -x)
    if y.is_infinite():
        return 0
    q = (abs(x) / abs(y)).to_integral_value(rounding="ROUND_DOWN", context=numeric._CTX)
    return numeric.scaled(q if (x < 0) == (y < 0) else -q)


def _numeric_result(d: Decimal | None) -> object:
    return None if d is None else numeric.scaled(d)


def _number_to_char(v: object, fmt: object, kind: str) -> object:
    if v is None or fmt is None:
        return None
    if kind == "numeric":
        v = numeric.value(v)
    elif kind != "int":
        v = float(v)  # type: ignore[arg-type]
    return numformat.to_char(v, str(fmt), kind)


def _int_div(a: object, b: object, bits: int) -> object:
    return _int_check(_div(a, b), bits)


def _gcd(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    x, y = numeric.value(a), numeric.value(b)
    assert x is not None and y is not None
    if not (x.is_finite() and y.is_finite()):
        return numeric.scaled(numeric.NAN)  # numeric's gcd of NaN or an infinity is NaN
    if x == x.to_integral_value() and y == y.to_integral_value():
        r = math.gcd(int(x), int(y))
        if r >= 2**63:
            raise SqlError("22003", "bigint out of range")
        return r
    # numeric: Euclid's algorithm on the exact values, at the larger scale
    scale = max(numeric.scale_of(x), numeric.scale_of(y))
    f = Decimal(10) ** scale
    return numeric.scaled((Decimal(math.gcd(int(x * f), int(y * f))) / f).quantize(1 / f))


def _lcm(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    x, y = numeric.value(a), numeric.value(b)
    assert x is not None and y is not None
    if not (x.is_finite() and y.is_finite()):
        return numeric.scaled(numeric.NAN)
    if x == 0 or y == 0:
        return 0
    g = numeric.value(_gcd(a, b))
    assert g is not None
    r = abs(x / g * y)
    if x == x.to_integral_value() and y == y.to_integral_value():
        if r >= 2**63:
            raise SqlError("22003", "bigint out of range")
        return int(r)
    scale = max(numeric.scale_of(x), numeric.scale_of(y))  # numeric_lcm's result scale
    return numeric.scaled(r.quantize(Decimal(1).scaleb(-scale)))


def _uescape(s: Session, v: object, code: str | None = None, message: str = "") -> object:
    """A U&'...' literal: refused while standard_conforming_strings is off, as PostgreSQL's
    scanner does; else its decoded text, or the decoding error translation found."""
    if s.settings.values.get("standard_conforming_strings", "on") == "off":
        raise SqlError("0A000", "unsafe use of string constant with Unicode escapes")
    if code is not None:
        raise SqlError(code, message)
    return v


def _chr(n: object) -> object:
    """chr(int) in a UTF8 database: the code point, with chr()'s own refusals (54000)."""
    if n is None:
        return None
    c = int(n)  # type: ignore[call-overload]
    if c == 0:
        raise SqlError("54000", "null character not permitted")
    if c < 0:
        raise SqlError("22023", "character number must be positive")
    if c > 0x10FFFF:
        raise SqlError("54000", f"requested character too large for encoding: {c}")
    if 0xD800 <= c <= 0xDFFF:
        raise SqlError("54000", f"requested character not valid for encoding: {c}")
    return chr(c)


def _factorial(n: object) -> object:
    """factorial(bigint), a numeric; PostgreSQL's numeric holds 131072 digits before the point."""
    if n is None:
        return None
    k = int(n)  # type: ignore[call-overload]
    if k < 0:
        raise SqlError("22003", "factorial of a negative number is undefined")
    if k > 1 and math.lgamma(k + 1) / math.log(10) >= 131072:
        raise SqlError("22003", "value overflows numeric format")
    return numeric.scaled(Decimal(math.factorial(k)))


def _scale(v: object, what: str) -> object:
    """scale / min_scale / trim_scale of a numeric (its digits after the point)."""
    if v is None:
        return None
    d = numeric.value(v)
    assert d is not None
    if not d.is_finite():
        return numeric.scaled(d) if what == "trim" else None
    if what == "scale":
        return numeric.scale_of(d)
    trimmed = d.normalize(numeric._CTX) if d else Decimal(0)
    if trimmed.as_tuple().exponent > 0:  # type: ignore[operator]
        trimmed = trimmed.quantize(Decimal(1), context=numeric._CTX)
    return numeric.scale_of(trimmed) if what == "min" else numeric.scaled(trimmed)


def _json_strip_nulls(v: object, separators: tuple[str, str]) -> object:
    if v is None:
        return None

    def strip(d: Any) -> Any:
        if isinstance(d, dict):
            return {k: strip(x) for k, x in d.items() if x is not None}
        if isinstance(d, list):
            return [strip(x) for x in d]
        return d

    return json.dumps(strip(_json(v)), separators=separators)  # json prints compact


_OPS: dict[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0, "<>": lambda c: c != 0, ">": lambda c: c > 0,
    ">=": lambda c: c >= 0, "<": lambda c: c < 0, "<=": lambda c: c <= 0,
}


def _compare_values(a: object, b: object) -> int:
    try:
        x, y = Decimal(str(a)), Decimal(str(b))
    except ArithmeticError:
        x, y = str(a), str(b)  # type: ignore[assignment]
    return (x > y) - (x < y)  # type: ignore[operator]


def _regexp_any(s: Session, x: object, arr: object, every: int, fold: int) -> object:
    """``x ~ ANY (array)`` / ``x ~* ALL (array)``: each element a pattern, NULL rules as
    for any operator."""
    got = arrays.load(arr)
    if got is None:
        return None
    unknown = False
    for p in arrays.leaves(got[0]):
        hit = _regex_match(s, p, x, regex.I if fold else 0)
        if hit is None:
            unknown = True
        elif bool(hit) != bool(every):
            return int(not every)
    return None if unknown else int(bool(every))


def _any_all(op: str, x: object, arr: object, every: int) -> object:
    """``x op ANY (array)`` / ``x op ALL (array)`` with PostgreSQL's three-valued logic."""
    if arr is None:
        return None
    if isinstance(arr, str) and arr.lstrip().startswith("{"):
        items = types.parse_array_literal(arr)
    else:
        items = _json(arr)
    if not isinstance(items, list):
        items = [items]
    test = _OPS[op]
    unknown = False
    for item in items:
        if x is None or item is None:
            unknown = True
            continue
        if test(_compare_values(x, item)) != bool(every):
            return int(not every)
    if unknown:
        return None
    return int(bool(every))


def _like_pattern(p: str, fold: bool) -> re.Pattern:
    """A LIKE pattern (``%``, ``_``, ``\\`` escapes) as a regular expression."""
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            i += 1
            out.append(re.escape(p[i]))
        elif c == "%":
            out.append(".*")
        elif c == "_":
            out.append(".")
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.S | (re.I if fold else 0))


def _like_glob(pattern: object, escape: object = "\\") -> object:
    """A LIKE pattern (escape character ``escape``, none when empty) as a GLOB pattern."""
    if pattern is None or escape is None:
        return None
    p, esc = str(pattern), str(escape)
    if len(esc) > 1:
        raise SqlError("22025", "invalid escape string",
                       hint="Escape string must be empty or one character.")
    out, i = [], 0
    while i < len(p):
        c = p[i]
        if esc and c == esc:
            if i + 1 == len(p):
                raise SqlError("22025", "LIKE pattern must not end with escape character")
            i += 1
            c = p[i]
            out.append(f"[{c}]" if c in "*?[" else c)
        elif c == "%":
            out.append("*")
        elif c == "_":
            out.append("?")
        else:
            out.append(f"[{c}]" if c in "*?[" else c)
        i += 1
    return "".join(out)


def _like_any(x: object, arr: object, every: int, fold: int, negate: int) -> object:
    """``x [NOT] [I]LIKE ANY|ALL (array)`` with PostgreSQL's NULL rules."""
    got = arrays.load(arr)
    if got is None:
        return None
    unknown = False
    for p in arrays.leaves(got[0]):
        if x is None or p is None:
            unknown = True
            continue
        hit = _like_pattern(str(p), bool(fold)).fullmatch(str(x)) is not None
        if hit != bool(negate):
            if not every:
                return 1
        elif every:
            return 0
    return None if unknown else int(bool(every))


def _row_to_json(fields: object, pretty: object) -> object:
    """row_to_json(ROW(...)): the record's fields are f1, f2 ...; pretty puts each on a line."""
    items = json.loads(str(fields)) if fields is not None else []

    def value(v: object) -> str:
        if isinstance(v, str) and v[:1] in "[{":  # an array or json a subquery gave as text
            with contextlib.suppress(ValueError):
                return json.dumps(json.loads(v), separators=(",", ":"))
        return json.dumps(v, separators=(",", ":"))

    parts = [f'"f{i}":{value(v)}' for i, v in enumerate(items, 1)]
    return "{" + (",\n " if pretty else ",").join(parts) + "}"


def _array_cat(a: object, b: object, a_array: int, b_array: int) -> object:
    """``||`` with an array operand: arrays end to end, or an element appended / prepended."""
    if a_array and b_array:
        return arrays.concat(a, b)
    if a_array:
        return arrays.append(a, _json_scalar(b))
    return arrays.prepend(_json_scalar(a), b)


def _json_scalar(v: object) -> object:
    return v.decode() if isinstance(v, bytes) else v


def _to_timestamp(v: object) -> object:
    if v is None:
        return None
    x = float(v)  # type: ignore[arg-type]
    if x != x:
        raise SqlError("22008", "timestamp cannot be NaN")
    if math.isinf(x):
        return "infinity" if x > 0 else "-infinity"
    try:
        return ts_text(dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=x))
    except OverflowError:
        raise SqlError("22008", f'timestamp out of range: "{v}"') from None


def _json_in(v: object, binary: bool) -> object:
    """json / jsonb input of a literal: invalid text is 22P02; json keeps the text as
    written, jsonb takes its canonical form (keys shorter first, then by their bytes)."""
    if v is None:
        return None
    text = v.decode() if isinstance(v, bytes) else str(v)
    doc = jsonb.loads(text)
    return jsonb.dumps(doc) if binary else text


def _float_result(x: float) -> object:
    return "NaN" if x != x else x  # SQLite would turn a NaN into NULL


def _ln(v: object) -> object:
    if v is None:
        return None
    x = float(v)  # type: ignore[arg-type]
    if x == 0:
        raise SqlError("2201E", "cannot take logarithm of zero")
    if x < 0:
        raise SqlError("2201E", "cannot take logarithm of a negative number")
    return _float_result(math.log(x)) if math.isfinite(x) else _float_result(x)


def _log(*args: object) -> object:
    """log(x) is the base-10 logarithm; log(b, x) the logarithm of x in base b."""
    if any(a is None for a in args):
        return None
    if len(args) == 1:
        x = float(args[0])  # type: ignore[arg-type]
        if x == 0:
            raise SqlError("2201E", "cannot take logarithm of zero")
        if x < 0:
            raise SqlError("2201E", "cannot take logarithm of a negative number")
        return _float_result(math.log10(x)) if math.isfinite(x) else _float_result(x)
    b, x = float(args[0]), float(args[1])  # type: ignore[arg-type]
    if b == 0 or x == 0:
        raise SqlError("2201E", "cannot take logarithm of zero")
    if b < 0 or x < 0:
        raise SqlError("2201E", "cannot take logarithm of a negative number")
    if b == 1:
        raise SqlError("22012", "division by zero")
    return _float_result(math.log(x) / math.log(b))


def _sqrt(v: object) -> object:
    if v is None:
        return None
    x = float(v)  # type: ignore[arg-type]
    if x < 0:
        raise SqlError("2201F", "cannot take square root of a negative number")
    return _float_result(math.sqrt(x))


def _float_power(a: object, b: object) -> object:
    """float8 ``^`` / power(), with dpow's errors (SQLite's pow answers inf or NULL)."""
    if a is None or b is None:
        return None
    x, y = float(a), float(b)  # type: ignore[arg-type]
    if x != x:
        return 1.0 if y == 0 else "NaN"
    if y != y:
        return 1.0 if x == 1 else "NaN"
    if x == 0 and y < 0:
        raise SqlError("2201F", "zero raised to a negative power is undefined")
    if x < 0 and math.isfinite(y) and math.floor(y) != y:
        raise SqlError("2201F", "a negative number raised to a non-integer power yields a "
                       "complex result")
    try:
        r = math.pow(x, y)
    except OverflowError:
        raise SqlError("22003", "value out of range: overflow") from None
    if r == 0 and x != 0 and math.isfinite(x) and math.isfinite(y):
        raise SqlError("22003", "value out of range: underflow")
    return r


# float8 functions of one argument: the inputs PostgreSQL takes (else 22003)
_FLOAT_DOMAINS: dict[str, Callable[[float], bool]] = {
    "acos": lambda x: -1 <= x <= 1,
    "asin": lambda x: -1 <= x <= 1,
    "acosh": lambda x: x >= 1,
    "atanh": lambda x: -1 <= x <= 1,
    "sin": math.isfinite,
    "cos": math.isfinite,
    "tan": math.isfinite,
    "cot": math.isfinite,
    "sinh": lambda x: True,
    "cosh": lambda x: True,
    "tanh": lambda x: True,
    "asinh": lambda x: True,
    "cbrt": lambda x: True,
}


def _cbrt(x: float) -> float:
    return math.cbrt(x)  # C's cbrt, as float8's ||/


def _domain_checked(name: str, domain: Callable[[float], bool]) -> Callable[[object], object]:
    compute = {"cot": lambda x: 1 / math.tan(x), "cbrt": _cbrt}.get(name) or getattr(math, name)

    def call(v: object) -> object:
        if v is None:
            return None
        x = float(v)  # type: ignore[arg-type]
        if x != x:
            return "NaN"
        if not domain(x):
            raise SqlError("22003", "input is out of range")
        if name == "atanh" and abs(x) == 1:
            return math.copysign(math.inf, x)
        try:
            return compute(x)
        except ZeroDivisionError:
            return math.inf
        except OverflowError:
            if name in ("sinh", "cosh"):  # float.c: past the range is an infinity, not 22003
                return math.copysign(math.inf, x) if name == "sinh" else math.inf
            raise SqlError("22003", "value out of range: overflow") from None
    return call


# float.c's trigonometry in degrees: the argument reduced to the first quadrant, then scaled
# by the function's value at 30, 45 or 60 degrees so that those angles give exact results.
_RADIANS_PER_DEGREE = 0.0174532925199432957692
_SIN_30 = math.sin(30.0 * _RADIANS_PER_DEGREE)
_ONE_MINUS_COS_60 = 1.0 - math.cos(60.0 * _RADIANS_PER_DEGREE)
_ASIN_0_5 = math.asin(0.5)
_ACOS_0_5 = math.acos(0.5)
_ATAN_1_0 = math.atan(1.0)


def _sind_0_to_30(x: float) -> float:
    return (math.sin(x * _RADIANS_PER_DEGREE) / _SIN_30) / 2.0


def _cosd_0_to_60(x: float) -> float:
    return 1.0 - ((1.0 - math.cos(x * _RADIANS_PER_DEGREE)) / _ONE_MINUS_COS_60) / 2.0


def _sind_q1(x: float) -> float:
    return _sind_0_to_30(x) if x <= 30.0 else _cosd_0_to_60(90.0 - x)


def _cosd_q1(x: float) -> float:
    return _cosd_0_to_60(x) if x <= 60.0 else _sind_0_to_30(90.0 - x)


_TAN_45 = _sind_q1(45.0) / _cosd_q1(45.0)
_COT_45 = _cosd_q1(45.0) / _sind_q1(45.0)


def _quadrant(x: float, odd: bool) -> tuple[float, float]:
    """The argument folded into [0, 90] and the sign of the result (sine-like when odd)."""
    if math.isinf(x):
        raise SqlError("22003", "input is out of range")
    x = math.fmod(x, 360.0)
    sign = 1.0
    if x < 0.0:
        x = -x
        sign = -sign if odd else sign
    if x > 180.0:
        x = 360.0 - x
        sign = -sign if odd else sign
    return x, sign


def _sind(x: float) -> float:
    x, sign = _quadrant(x, True)
    return sign * _sind_q1(180.0 - x if x > 90.0 else x)


def _cosd(x: float) -> float:
    x, sign = _quadrant(x, False)
    if x > 90.0:
        x, sign = 180.0 - x, -sign
    return sign * _cosd_q1(x)


def _tand(x: float, cot: bool = False) -> float:
    x, sign = _quadrant(x, True)
    if x > 90.0:
        x, sign = 180.0 - x, -sign
    num, den = (_cosd_q1(x), _sind_q1(x)) if cot else (_sind_q1(x), _cosd_q1(x))
    ratio = num / den if den else math.inf
    r = sign * (ratio / (_COT_45 if cot else _TAN_45))
    return 0.0 if r == 0.0 else r  # not -0


def _asind_q1(x: float) -> float:
    if x <= 0.5:
        return (math.asin(x) / _ASIN_0_5) * 30.0
    return 90.0 - (math.acos(x) / _ACOS_0_5) * 60.0


def _acosd_q1(x: float) -> float:
    if x <= 0.5:
        return 90.0 - (math.asin(x) / _ASIN_0_5) * 30.0
    return (math.acos(x) / _ACOS_0_5) * 60.0


def _unit(x: float) -> float:
    if x < -1.0 or x > 1.0:
        raise SqlError("22003", "input is out of range")
    return x


_DEGREE_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sind": _sind,
    "cosd": _cosd,
    "tand": _tand,
    "cotd": lambda x: _tand(x, True),
    "asind": lambda x: _asind_q1(_unit(x)) if x >= 0.0 else -_asind_q1(-_unit(x)),
    "acosd": lambda x: _acosd_q1(_unit(x)) if x >= 0.0 else 90.0 + _asind_q1(-_unit(x)),
    "atand": lambda x: (math.atan(x) / _ATAN_1_0) * 45.0,
    "atan2d": lambda y, x: (math.atan2(y, x) / _ATAN_1_0) * 45.0,
}


def _float_args(compute: Callable[..., float]) -> Callable[..., object]:
    """A float8 function: NULL in, NULL out; NaN in, NaN out."""

    def call(*args: object) -> object:
        if None in args:
            return None
        xs = [float(a) for a in args]  # type: ignore[arg-type]
        if any(x != x for x in xs):
            return "NaN"
        return compute(*xs)
    return call


def _exp(v: object) -> object:
    if v is None:
        return None
    x = float(v)  # type: ignore[arg-type]
    if x != x or math.isinf(x):
        return _float_result(x if x != x or x > 0 else 0.0)
    try:
        return math.exp(x)  # an underflow is 0, as numeric's exp gives it
    except OverflowError:
        raise SqlError("22003", "value out of range: overflow") from None


def _date_bin(stride: object, source: object, origin: object, tz: dt.tzinfo) -> object:
    if stride is None or source is None or origin is None:
        return None
    months, days, usec = interval.parse(str(stride))
    if months:
        raise SqlError("22023", "timestamps cannot be binned into intervals containing months "
                       "or years")
    step = days * 86_400_000_000 + usec
    if step <= 0:
        raise SqlError("22023", "stride must be greater than zero")
    src, org = _to_datetime(source, tz), _to_datetime(origin, tz)
    assert src is not None and org is not None
    diff = (src - org) // dt.timedelta(microseconds=1)
    delta = diff - int(math.fmod(diff, step))
    if org > src and step > 1 and diff % step:
        delta -= step
    d = org + dt.timedelta(microseconds=delta)
    if types._HAS_TZ.search(str(source).strip()):
        return ts_text(d)
    return d.replace(tzinfo=None).isoformat(" ", "microseconds")


def _make_datetime(y: object, mo: object, d: object, h: object, mi: object,
                   sec: object) -> dt.datetime:
    try:
        secs = Decimal(str(sec))
        whole = int(secs)
        usec = int((secs - whole) * 1_000_000)
        if int(y) == 0:  # type: ignore[call-overload]
            raise ValueError("year zero")
        if int(y) < 1:  # type: ignore[call-overload]
            raise SqlError("0A000", "BC dates are not supported")
        return dt.datetime(int(y), int(mo), int(d), int(h), int(mi), whole, usec)  # type: ignore[call-overload]
    except (ValueError, ArithmeticError):
        # as datetime.c prints the fields: a BC year as its astronomical number (-44 is -43)
        year = int(y) + 1 if int(y) < 0 else int(y)  # type: ignore[call-overload]
        raise SqlError("22008", f"date field value out of range: {year}-{int(mo):02d}-"  # type: ignore[call-overload]
                       f"{int(d):02d}") from None


def _make_date(y: object, mo: object, d: object) -> object:
    if None in (y, mo, d):
        return None
    return _make_datetime(y, mo, d, 0, 0, 0).date().isoformat()


def _make_time(h: object, mi: object, sec: object) -> object:
    if None in (h, mi, sec):
        return None
    try:
        t = _make_datetime(2000, 1, 1, h, mi, sec).time()
    except SqlError:
        raise SqlError("22008", f"time field value out of range: {int(h)}:{int(mi):02d}:"  # type: ignore[call-overload]
                       f"{float(sec):02g}") from None  # type: ignore[arg-type]
    return t.isoformat()


def _make_timestamp(y: object, mo: object, d: object, h: object, mi: object,
                    sec: object) -> object:
    if None in (y, mo, d, h, mi, sec):
        return None
    return _make_datetime(y, mo, d, h, mi, sec).isoformat(" ", "microseconds")


def _make_timestamptz(tz: dt.tzinfo, *a: object) -> object:
    if len(a) not in (6, 7):
        raise SqlError("42883", "function make_timestamptz does not exist")
    if None in a:
        return None
    zone = tz
    if len(a) == 7:
        from aurora.engine.sql.settings import parse_timezone

        try:
            zone = parse_timezone(str(a[6]))
        except SqlError:
            zone = datetime_in.zone(str(a[6]).strip().lower())
    d = _make_datetime(*a[:6]).replace(tzinfo=zone)
    return ts_text(d)


_FLOAT_WORDS = frozenset({"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
_FLOAT_TEXT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _float_in(v: object, name: str) -> float:
    """A float's input: float8in's syntax; a text whose value double precision cannot hold
    (overflow to infinity, underflow to zero) is 22003."""
    if not isinstance(v, str):
        return float(v)  # type: ignore[arg-type]
    if not _FLOAT_TEXT.fullmatch(v):
        if v.strip().lower() not in _FLOAT_WORDS:
            raise SqlError("22P02", f'invalid input syntax for type {name}: "{v}"')
        return float(v)
    x = float(v)
    if math.isinf(x) or (x == 0 and re.search(r"[1-9]", v.lower().partition("e")[0])):
        raise SqlError("22003", f'"{v}" is out of range for type {name}')
    return x


def _float_cast(v: object) -> object:
    if v is None:
        return None
    x = _float_in(v, "double precision")
    return "NaN" if x != x else x  # SQLite would store a NaN as NULL: kept as its text


def _float4_cast(v: object) -> object:
    """real's input: a double that single precision cannot hold is 22003, as in float4in."""
    if v is None:
        return None
    x = _float_in(v, "real")
    if math.isfinite(x):
        # text (or a numeric's text) through float4in names the value; a double computed or
        # cast (dtof, float4 arithmetic) is float.c's overflow / underflow
        computed = isinstance(v, float)
        try:
            single = struct.unpack("!f", struct.pack("!f", x))[0]
        except OverflowError:
            if computed:
                raise SqlError("22003", "value out of range: overflow") from None
            raise SqlError("22003", f'"{v}" is out of range for type real') from None
        if single == 0 and x != 0:
            if computed:
                raise SqlError("22003", "value out of range: underflow")
            raise SqlError("22003", f'"{v}" is out of range for type real')
        return single  # the value single precision holds, as float4 arithmetic sees it
    return "NaN" if x != x else x


def _text_out(v: object, oid: int, tz: dt.tzinfo) -> object:
    """A stored value of type ``oid`` as its type's output function prints it: what a cast to
    text gives in PostgreSQL (``100::float8::text`` is '100', a timestamp has no zero
    fraction, a timestamptz is in the session's zone with its offset, an array is '{1,2}'),
    and what the wire sends for a column of that type."""
    from aurora.engine.pgwire.types import text_function  # (the wire's output functions)

    if v is None:
        return None
    decode = types.make_decoder(oid, -1, tz)
    return text_function(oid)(decode(v) if decode is not None else v)


def _text_cast(v: object) -> object:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    return str(v)


_TZ_SUFFIX = re.compile(r"\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:[+-]\d\d(?::?\d\d)?|Z|UTC)$", re.I)


def _at_time_zone(v: object, zone: object) -> object:
    """``v AT TIME ZONE zone``: a timestamptz (stored with its offset) becomes the wall-clock
    timestamp in ``zone``; a timestamp (no offset) is read as wall-clock time in ``zone`` and
    becomes a timestamptz."""
    from aurora.engine.sql.settings import parse_timezone

    if v is None or zone is None:
        return None
    try:
        tz = parse_timezone(str(zone))
    except SqlError:
        tz = datetime_in.zone(str(zone).strip().lower())  # an abbreviation such as 'MSK'

    d = _to_datetime(v, tz)
    assert d is not None
    if isinstance(v, (int, float)) or _TZ_SUFFIX.search(str(v).strip()):
        return d.astimezone(tz).replace(tzinfo=None).isoformat(" ", "microseconds")
    return ts_text(d)


def _infinity(v: object) -> str | None:
    """'infinity' or '-infinity' when ``v`` is one: kept as that text, which sorts after
    (before) every ISO date."""
    w = datetime_in.special(str(v)) if isinstance(v, str) else None
    return None if w is None or not w.endswith("infinity") else w.lstrip("+")


def _timestamp_cast(v: object, tz: dt.tzinfo, precision: int | None = None) -> object:
    if v is None:
        return None
    if inf := _infinity(v):
        return inf
    if far := _far_in(v, "timestamp", tz, precision):
        return far
    d = _to_datetime(v, tz)
    assert d is not None
    d = _round_to(d.astimezone(tz).replace(tzinfo=None), precision)
    return d.isoformat(" ", "microseconds")


_FAR_HINT = re.compile(r"\bbc\b|\d{5}", re.IGNORECASE)


def _far_in(v: object, kind: str, tz: dt.tzinfo, precision: int | None = None) -> str | None:
    """The storage text of a BC or after-9999 date or timestamp input (types.far_store);
    None for any other value. 22008 past PostgreSQL's range."""
    if not isinstance(v, str) or not _FAR_HINT.search(v):
        return None
    d, shift = datetime_in.parse_far(v, kind, tz, kind != "timestamptz")
    if not shift:
        return None
    if kind == "timestamptz":
        d = (d if d.tzinfo else d.replace(tzinfo=tz)).astimezone(dt.UTC)
    d = _round_to(d, precision)
    year = d.year - shift
    top = types.DATE_MAX_YEAR if kind == "date" else types.TIMESTAMP_MAX_YEAR
    if (year, d.month, d.day) < types.TIMESTAMP_MIN or year > top:
        raise SqlError("22008", f'{"date" if kind == "date" else "timestamp"} out of range: "{v}"')
    if kind == "date":
        return types.far_store(d.date().isoformat(), year)
    if kind == "timestamptz":
        return types.far_store(ts_text(d), year)
    return types.far_store(d.replace(tzinfo=None).isoformat(" ", "microseconds"), year)


def _ts_diff(a: object, b: object, tz: dt.tzinfo) -> object:
    """timestamp - timestamp (timestamp_mi): days and a time of day of one sign."""
    if a is None or b is None:
        return None
    if _infinity(a) or _infinity(b):
        raise SqlError("22008", "cannot subtract infinite timestamps")
    da, db = _to_datetime(a, tz), _to_datetime(b, tz)
    assert da is not None and db is not None
    usec = (da - db) // dt.timedelta(microseconds=1)
    days = abs(usec) // interval.USEC_PER_DAY * (1 if usec >= 0 else -1)
    return interval.format_postgres(0, days, usec - days * interval.USEC_PER_DAY)


def _date_days(v: object) -> int:
    """A stored date as a day number (Python's ordinal, below 1 for BC dates)."""
    text = str(v)
    far = types.far_read(text)
    if far is not None:
        proxy, shift = far
        return dt.date.fromisoformat(proxy).toordinal() - shift // 400 * 146097
    try:
        return dt.date.fromisoformat(text[:10]).toordinal()
    except ValueError:
        raise SqlError("22007", f'invalid input syntax for type date: "{text}"') from None


def _date_of(days: int) -> str:
    """The stored date of a day number: moved by whole 400-year cycles (146097 days) into
    Python's years when it lies outside them."""
    cycles = 0
    if days < 1:
        cycles = (1 - days) // 146097 + 1
    elif days > 3652059:
        cycles = -((days - 3652059) // 146097 + 1)
    proxy = dt.date.fromordinal(days + cycles * 146097)
    year = proxy.year - 400 * cycles
    if (year, proxy.month, proxy.day) < types.TIMESTAMP_MIN or year > types.DATE_MAX_YEAR:
        raise SqlError("22008", "date out of range")
    return types.far_store(proxy.isoformat(), year)


def _date_add(v: object, n: object) -> object:
    """date + integer where SQLite's date() cannot: BC and later years, infinity."""
    if v is None or n is None:
        return None
    if inf := _infinity(v):
        return inf
    return _date_of(_date_days(v) + int(n))  # type: ignore[call-overload]


def _date_diff(a: object, b: object) -> object:
    if a is None or b is None:
        return None
    if _infinity(a) or _infinity(b):
        raise SqlError("22008", "cannot subtract infinite dates")
    return _date_days(a) - _date_days(b)


def _timestamp_in(v: object, tz: dt.tzinfo, precision: int | None = None) -> object:
    """timestamp input of a text: the date and time as written, a zone in it checked and
    ignored (a timestamptz value converts to the session's local time instead)."""
    if not isinstance(v, str) or datetime_in.special(v) in ("now", "infinity", "-infinity"):
        return _timestamp_cast(v, tz, precision)
    if far := _far_in(v, "timestamp", tz, precision):
        return far
    try:
        d = dt.datetime.fromisoformat(v.strip())
    except ValueError:
        d = datetime_in.parse(v, "timestamp", tz=tz, wall=True)
    return _round_to(d.replace(tzinfo=None), precision).isoformat(" ", "microseconds")


def _timestamptz_cast(v: object, tz: dt.tzinfo, precision: int | None) -> object:
    if v is None:
        return None
    if inf := _infinity(v):
        return inf
    if far := _far_in(v, "timestamptz", tz, precision):
        return far
    d = _read_as(v, tz, "timestamp with time zone")
    return ts_text(_round_to(d, precision))


def _read_as(v: object, tz: dt.tzinfo, name: str) -> dt.datetime:
    """A date or timestamptz's input, read by the timestamp reader: a 22007 names the type
    the value was given for (invalid input syntax for type date: "xyz")."""
    try:
        if isinstance(v, str) and re.match(r"\s*\d{1,2}:\d\d", v):
            # a time of day alone is no date (_to_datetime reads it as one, for EXTRACT)
            d = types.parse_timestamp(v.strip(), tz)
            d = d if d.tzinfo is not None else d.replace(tzinfo=tz)
        else:
            d = _to_datetime(v, tz)
    except SqlError as e:
        prefix = "invalid input syntax for type timestamp: "
        if e.sqlstate == "22007" and e.message.startswith(prefix):
            raise SqlError("22007", f"invalid input syntax for type {name}: "
                           + e.message[len(prefix):]) from None
        raise
    assert d is not None
    return d


_Y2K = dt.datetime(2000, 1, 1)


def _round_to(d: dt.datetime, precision: int | None) -> dt.datetime:
    """``d`` kept to ``precision`` fractional digits as AdjustTimestampForTypmod does: half
    away from 2000-01-01, PostgreSQL's epoch."""
    if precision is None or precision < 0 or precision >= 6 or not d.microsecond:
        return d
    scale = 10 ** (6 - precision)
    t = (d.replace(tzinfo=None) - _Y2K) // dt.timedelta(microseconds=1)
    r = (t + scale // 2) // scale * scale if t >= 0 else -((-t + scale // 2) // scale * scale)
    return d + dt.timedelta(microseconds=r - t)


def _time_cast(v: object, tz: dt.tzinfo, typmod: object = -1, text_in: bool = False) -> object:
    """A value to time (without time zone), in its storage form ('HH:MM:SS[.ffffff]'): a
    timestamp's time of day (a timestamptz's in the session's zone), a time's input as is,
    rounded to the type's precision."""
    if v is None:
        return None
    text = str(v).strip()
    if not text_in and re.fullmatch(r"\d{4}-\d\d-\d\d[ T].*", text):
        d = _to_datetime(v, tz)
        assert d is not None
        if types._HAS_TZ.search(text):
            d = d.astimezone(tz)
        moment = d.replace(tzinfo=None)
    elif re.fullmatch(r"\s*24:00(:00(\.0*)?)?\s*", text):
        return "24:00:00"  # PostgreSQL's end of day
    else:
        moment = datetime_in.parse(text, "time")
    digits = int(typmod) if isinstance(typmod, int) and 0 <= typmod < 6 else 6  # type: ignore[arg-type]
    if moment.microsecond and digits < 6:
        step = 10 ** (6 - digits)
        rounded = dt.datetime.combine(moment.date(), moment.time().replace(microsecond=0)) + dt.timedelta(
            microseconds=(moment.microsecond + step // 2) // step * step)  # half up, as a timestamp's
        if rounded.date() != moment.date():
            return "24:00:00"  # 23:59:59.6 rounds up to the end of day, not round to 00:00:00
        moment = rounded
    return moment.time().isoformat()


def _timetz_in(v: object, tz: dt.tzinfo, today: dt.date, typmod: object = -1) -> object:
    """A text to time with time zone, in its output form ('12:00:00.5+05', '01:02:03-07:30'):
    timetz_in's reading (a zone abbreviation or none: the session's zone on ``today``),
    rounded to the type's precision. It was kept as written ('12:00:00.5 +5', 'abc')."""
    if v is None:
        return None
    text = str(v)
    m = datetime_in.parse(text, "time with time zone", tz=tz)
    digits = int(typmod) if isinstance(typmod, int) and 0 <= typmod < 6 else 6  # type: ignore[arg-type]
    if m.microsecond and digits < 6:
        step = 10 ** (6 - digits)
        m = m.replace(microsecond=0) + dt.timedelta(microseconds=round(m.microsecond / step) * step)
    offset = m.utcoffset()
    if offset is None and datetime_in.special(text) == "allballs":
        offset = dt.timedelta(0)  # 00:00:00 UTC
    if offset is None:
        offset = dt.datetime.combine(today, m.time()).replace(tzinfo=tz).utcoffset()
    t = m.time()
    if m.date() == dt.date(2000, 1, 2) and t == dt.time() and "2000" not in text:
        out = "24:00:00"  # '24:00', or 23:59:59.9999999 rounded: the end of the day
    else:
        out = t.strftime("%H:%M:%S") + (f".{t.microsecond:06d}".rstrip("0") if t.microsecond else "")
    return out + types._offset_text(offset)


def _date_cast(v: object, tz: dt.tzinfo) -> object:
    if v is None:
        return None
    s = str(v).strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\d", s):
        try:
            dt.date.fromisoformat(s)
        except ValueError:
            raise SqlError("22008", f'date/time field value out of range: "{s}"') from None
        return s
    if inf := _infinity(v):
        return inf
    if far := _far_in(v, "date", tz):
        return far
    d = _read_as(v, tz, "date")
    if types._HAS_TZ.search(s):
        d = d.astimezone(tz)
    return d.date().isoformat()


def _right(t: object, n: object) -> str | None:
    """right(t, n): the last n characters (all but the first -n when n is negative)."""
    if t is None or n is None:
        return None
    k = _int_cast(n, 32)
    return str(t)[-k:] if k else ""  # type: ignore[operator]


def _split_part(t: str | None, d: str, n: int | None) -> str | None:
    """split_part: the n-th field (from the end when n is negative); an empty delimiter
    leaves the whole text as the one field."""
    if t is None or d is None or n is None:
        return None
    if n == 0:
        raise SqlError("22023", "field position must not be zero")
    parts = t.split(d) if d else ([t] if t else [])
    if n < 0:
        n += len(parts) + 1
    return parts[n - 1] if 0 < n <= len(parts) else ""


def _translate(t: object, src: object, dst: object) -> object:
    """translate(t, from, to): each character of ``from`` becomes the character at its
    position in ``to``, or is deleted when ``to`` is shorter."""
    if t is None or src is None or dst is None:
        return None
    a, b = str(src), str(dst)
    table: dict[int, int | None] = {}
    for i, c in enumerate(a):
        table.setdefault(ord(c), ord(b[i]) if i < len(b) else None)
    return str(t).translate(table)


BACKEND_PID_BASE = os.getpid()
