"""Window frames SQLite lacks: RANGE offsets on numeric, date, time and interval keys.

SQLite takes ``RANGE <n> PRECEDING / FOLLOWING`` for one numeric ORDER BY key and a constant
offset (no function call, so no cast). The rule folds each offset into a literal at translation
(the lexer keeps a frame's literals in the plan's text) and, where the key is not a number,
orders by ``pg_range_key(key, kind, unit, n...)``: a number in which PostgreSQL's
``key +/- offset`` is a plain sum. An offset of months uses a key of month index and the time
within the month; a month offset that a day past the 28th would clamp (Jan 31 - 1 month) is
refused (0A000) rather than answered wrongly. An offset mixing months with days or time, and a
key type without a rule here, keep SQLite's own error.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import struct
from decimal import Decimal, InvalidOperation

import apsw
from sqlglot import exp

from aurora.engine.sql import interval, numeric, types
from aurora.engine.sql.infer import datatype_ref
from aurora.engine.sqlapi import SqlError

USEC = interval.USEC_PER_SEC
# A month's span in a months key: more than its longest time within a month (31 days)
_MONTH = 31 * interval.USEC_PER_DAY
_EPOCH = dt.datetime(2000, 1, 1)
_INF = float("inf")

# key type OID -> pg_range_key kind; numbers need no key, numeric needs a REAL one
_KINDS = {types.NUMERIC: "numeric", 1082: "date", 1114: "timestamp", 1184: "timestamptz",
          1083: "time", 1186: "interval"}
_NUMBERS = (types.INT2, types.INT4, types.INT8, 700, 701)


def _bad_size() -> SqlError:
    return SqlError("22013", "invalid preceding or following size in window function")


def _literal_text(e: exp.Expression) -> tuple[str, int | None] | None:
    """(text, type OID of its cast or None) of a constant offset: a literal, maybe cast,
    negated or in parentheses."""
    cast = None
    while isinstance(e, (exp.Paren, exp.Cast)):
        if isinstance(e, exp.Cast) and cast is None:
            cast = datatype_ref(e.to)[0]
        e = e.this
    if isinstance(e, exp.Neg):
        inner = _literal_text(e.this)
        return None if inner is None else ("-" + inner[0], cast or inner[1])
    if isinstance(e, exp.Literal):
        return e.name, cast
    return None


def _number(text: str, cast: int | None) -> float | int | None:
    try:
        d = numeric.value(text.strip()) if text.strip().lstrip("+-").isalpha() else Decimal(text)
    except (InvalidOperation, SqlError):
        return None
    if d is None:
        return None
    if d.is_nan() or d < 0:
        raise _bad_size()
    if d.is_infinite():
        # SQLite's inf - inf is no bound; PostgreSQL reads it as every row
        raise SqlError("0A000", "an infinite RANGE offset is not supported")
    if cast == 700:
        return struct.unpack("f", struct.pack("f", float(d)))[0]  # float4's own value
    return float(d) if d != d.to_integral_value() else int(d)


def rewrite(window: exp.Window, key_type: int | None) -> None:
    """Fold the RANGE frame's offsets of ``window`` into literals and, for a key that is not
    a plain number, order by ``pg_range_key``. Leaves what it cannot translate unchanged."""
    spec = window.args.get("spec")
    order = window.args.get("order")
    mode = str(spec.args.get("kind") or "").lower() if spec is not None else ""
    if mode == "groups" and order is None and window.args.get("alias") is None:
        raise SqlError("42P20", "GROUPS mode requires an ORDER BY clause")
    if mode != "range":
        return
    bounds = [b for b in ("start", "end") if isinstance(spec.args.get(b), exp.Expression)
              and str(spec.args.get(b + "_side") or "").lower() in ("preceding", "following")]
    if not bounds or order is None or len(order.expressions) != 1 or key_type is None:
        return
    texts = [_literal_text(spec.args[b]) for b in bounds]
    if any(t is None for t in texts):
        return
    _check_offset_types(spec, bounds, key_type)
    if key_type in _NUMBERS or key_type == types.NUMERIC:
        sizes = [_number(*t) for t in texts]  # type: ignore[misc]
        if any(n is None for n in sizes):
            return
        for b, n in zip(bounds, sizes, strict=True):
            spec.set(b, exp.Literal.number(n))
        if key_type == types.NUMERIC:
            _key(order, "numeric", "u", [])
        return
    kind = _KINDS.get(key_type)
    if kind is None:
        return
    try:
        spans = [interval.parse(t[0]) for t in texts]  # type: ignore[index]
    except SqlError:
        return
    if any(m < 0 or d < 0 or u < 0 for m, d, u in spans):
        raise _bad_size()
    if all(d == 0 and u == 0 for _, d, u in spans) and kind in ("date", "timestamp",
                                                                "timestamptz"):
        months = [m for m, _, _ in spans]
        for b, m in zip(bounds, months, strict=True):
            spec.set(b, exp.Literal.number(m * _MONTH))
        _key(order, kind, "m", months)
    elif kind == "interval":  # intervals compare by their span, which a sum adds to
        for b, (m, d, u) in zip(bounds, spans, strict=True):
            spec.set(b, exp.Literal.number((m * 30 + d) * interval.USEC_PER_DAY + u))
        _key(order, kind, "u", [])
    elif all(m == 0 for m, _, _ in spans):
        for b, (_, d, u) in zip(bounds, spans, strict=True):
            spec.set(b, exp.Literal.number(d * interval.USEC_PER_DAY + u))
        # a day is local: timestamptz keeps its wall-clock time across days
        _key(order, kind, "d" if any(d for _, d, _ in spans) else "u", [])


def _offset_type(e: exp.Expression) -> int | None:
    """The type of a frame offset as PostgreSQL types it (None: a quoted literal, which
    takes the type the key's in_range support function wants)."""
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.Cast):
        return datatype_ref(e.to)[0]
    if isinstance(e, exp.Neg):
        return _offset_type(e.this)
    if isinstance(e, exp.Literal) and not e.is_string:
        return types.INT4 if e.name.isdigit() else types.NUMERIC
    return None


# offset types each key type has an in_range for (after implicit casts)
_OFFSETS = {
    **dict.fromkeys((types.INT2, types.INT4, types.INT8), (types.INT2, types.INT4, types.INT8)),
    **dict.fromkeys((700, 701), (types.INT2, types.INT4, types.INT8, types.NUMERIC, 700, 701)),
    **dict.fromkeys(_KINDS, (1186,)),
    types.NUMERIC: (types.INT2, types.INT4, types.INT8, types.NUMERIC),
}


def _check_offset_types(spec: exp.WindowSpec, bounds: list[str], key_type: int) -> None:
    allowed = _OFFSETS.get(key_type, ())
    for b in bounds:
        t = _offset_type(spec.args[b])
        if (t is None and allowed) or t in allowed:
            continue
        key = types.format_type(key_type)
        if t is None:
            raise SqlError("0A000", f"RANGE with offset PRECEDING/FOLLOWING is not supported "
                           f"for column type {key}")
        raise SqlError("0A000", f"RANGE with offset PRECEDING/FOLLOWING is not supported for "
                       f"column type {key} and offset type {types.format_type(t)}")


def _key(order: exp.Order, kind: str, unit: str, months: list[int]) -> None:
    ordered = order.expressions[0]
    args = [ordered.this, exp.Literal.string(kind), exp.Literal.string(unit)]
    args += [exp.Literal.number(m) for m in months]
    ordered.set("this", exp.Anonymous(this="pg_range_key", expressions=args))


def register(conn: apsw.Connection, tz: object) -> None:
    """``pg_range_key``; ``tz`` returns the session's time zone."""
    conn.create_scalar_function(
        "pg_range_key", lambda v, kind, unit, *months: range_key(v, kind, unit, months, tz()),
        -1, deterministic=True)


_TIME = re.compile(r"\s*(\d+):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?\s*$")


def range_key(v: object, kind: str, unit: str, months: tuple, tz: dt.tzinfo) -> object:
    """The number ``v`` orders by in a RANGE frame (see the module docstring)."""
    if v is None:
        return None
    if kind == "numeric":
        d = numeric.value(v)
        assert d is not None
        return "NaN" if d.is_nan() else float(d)  # text: after every number, as NaN sorts
    if kind == "interval":
        m, d, u = interval.parse(str(v))
        return (m * 30 + d) * interval.USEC_PER_DAY + u
    if kind == "time":
        t = _TIME.match(str(v))
        if t is None:
            raise SqlError("22007", f'invalid input syntax for type time: "{v}"')
        h, mi, s, f = t.groups()
        return ((int(h) * 60 + int(mi)) * 60 + int(s or 0)) * USEC + int((f or "0").ljust(6, "0"))
    text = str(v).strip().lower()
    if text in ("infinity", "-infinity"):
        return -_INF if text[0] == "-" else _INF
    if text.endswith(" bc"):
        raise SqlError("0A000", "a RANGE offset over dates before Christ is not supported")
    when = types.parse_timestamp(str(v)) if kind != "date" else dt.datetime.fromisoformat(text)
    if kind == "timestamptz":
        if unit == "u":  # hours, minutes, seconds: absolute time
            return _usec(when.astimezone(dt.UTC).replace(tzinfo=None))
        when = when.astimezone(tz)  # type: ignore[arg-type]
        if _has_dst(tz, when.year):
            raise SqlError("0A000", "a RANGE offset of days or months over timestamptz is not "
                           "supported in a time zone with daylight saving time")
        when = when.replace(tzinfo=None)
    if unit != "m":
        return _usec(when)
    index = (when.year - 2000) * 12 + when.month - 1
    for n in months:
        for target in (index - n, index + n):
            y, m = divmod(target, 12)
            if when.day > calendar.monthrange(y + 2000, m + 1)[1]:
                raise SqlError("0A000", "a RANGE offset of months from a day that the target "
                               "month lacks is not supported")
    within = when - when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return index * _MONTH + within // dt.timedelta(microseconds=1)


def _has_dst(tz: dt.tzinfo, year: int) -> bool:
    jan, jul = (dt.datetime(year, m, 1, tzinfo=tz).utcoffset() for m in (1, 7))
    return jan != jul


def _usec(when: dt.datetime) -> int:
    return (when - _EPOCH) // dt.timedelta(microseconds=1)
