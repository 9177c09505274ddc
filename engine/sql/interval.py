"""PostgreSQL's interval: input (datetime.c's DecodeInterval, DecodeISO8601Interval) and the
``postgres`` output style, over PostgreSQL's three fields (months, days, microseconds).

An interval is stored as its output text (``1 year 2 mons 3 days 04:05:06``), which every
reader of interval text here parses back. Errors carry PostgreSQL's SQLSTATE: 22007 for text
that is no interval, 22015 for a field out of range.
"""

from __future__ import annotations

import contextvars
import functools
import re
from decimal import ROUND_HALF_EVEN, Decimal

from aurora.engine.sqlapi import SqlError

USEC_PER_SEC = 1_000_000
USEC_PER_DAY = 86_400 * USEC_PER_SEC
INT32 = 2**31
INT64 = 2**63

# unit → (months, days, microseconds) for one of it
_UNITS: dict[str, tuple[int, int, int]] = {}
for names, value in (
    (("microsecond", "microseconds", "us", "usec", "usecs", "microsecon"), (0, 0, 1)),
    (("millisecond", "milliseconds", "ms", "msec", "msecs", "millisecon"), (0, 0, 1000)),
    (("second", "seconds", "s", "sec", "secs"), (0, 0, USEC_PER_SEC)),
    (("minute", "minutes", "m", "min", "mins"), (0, 0, 60 * USEC_PER_SEC)),
    (("hour", "hours", "h", "hr", "hrs"), (0, 0, 3600 * USEC_PER_SEC)),
    (("day", "days", "d"), (0, 1, 0)),
    (("week", "weeks", "w"), (0, 7, 0)),
    (("month", "months", "mon", "mons"), (1, 0, 0)),
    (("year", "years", "y", "yr", "yrs"), (12, 0, 0)),
    (("decade", "decades", "dec", "decs"), (120, 0, 0)),
    (("century", "centuries", "c", "cent"), (1200, 0, 0)),
    (("millennium", "millennia", "millenniums", "mil", "mils"), (12000, 0, 0)),
):
    for n in names:
        _UNITS[n] = value

_TOKEN = re.compile(
    r"\s*(?:(?P<time>[+-]?\d+:\d+(?::\d+(?:\.\d*)?)?(?:\.\d*)?)"
    r"|(?<![\d-])(?P<ym>[+-]?\d+-\d+)(?![-\d])"  # (2020-01-02 is a date: no interval)
    r"|(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>[a-z]+)?"
    r"|(?P<word>[a-z]+))"
)
_ISO = re.compile(r"p(?:(?P<body>(?:[+-]?[\d.]+[ymwd])*)(?:t(?P<tbody>(?:[+-]?[\d.]+[hms])*))?)$")
_ISO_ALT = re.compile(r"p(\d+)-(\d+)-(\d+)(?:t(\d+):(\d+):(\d+(?:\.\d*)?))?$")


def _bad(text: str) -> SqlError:
    return SqlError("22007", f'invalid input syntax for type interval: "{text}"')


def _out_of_range(text: str) -> SqlError:
    return SqlError("22015", f'interval field value out of range: "{text}"')


class _Acc:
    """Fields being summed, with PostgreSQL's carrying of fractions downwards."""

    def __init__(self) -> None:
        self.months = 0
        self.days = 0
        self.usec = Decimal(0)

    def add(self, amount: Decimal, unit: tuple[int, int, int]) -> None:
        months, days, usec = unit
        if months >= 12:
            # a fraction of a year (decade ...) is rounded to whole months, as PostgreSQL 15
            # reads it (AdjustFractYears): '1.1 years' is 1 year 1 mon, no days
            frac = (amount - int(amount)) * months
            self.months += int(amount) * months + int(frac.to_integral_value(ROUND_HALF_EVEN))
        elif months:
            whole = int(amount * months)
            self.months += whole
            # a fraction of a month is 30 days, PostgreSQL's DAYS_PER_MONTH
            frac_days = (amount * months - whole) * 30
            self.days += int(frac_days)
            self.usec += (frac_days - int(frac_days)) * USEC_PER_DAY
        elif days:
            whole = int(amount * days)
            self.days += whole
            self.usec += (amount * days - whole) * USEC_PER_DAY
        else:
            self.usec += amount * usec

    def result(self, text: str, negate: bool) -> tuple[int, int, int]:
        usec = int(self.usec.to_integral_value(ROUND_HALF_EVEN))
        m, d = self.months, self.days
        if negate:
            m, d, usec = -m, -d, -usec
        if not (-INT32 <= m < INT32 and -INT32 <= d < INT32 and -INT64 <= usec < INT64):
            raise _out_of_range(text)
        return m, d, usec


_SECONDS = (_UNITS["second"], _UNITS["millisecond"], _UNITS["microsecond"])


def parse(text: str) -> tuple[int, int, int]:
    """(months, days, microseconds) of an interval's text, as PostgreSQL reads it."""
    s = text.strip().lower()
    if not s:
        raise _bad(text)
    acc = _Acc()
    if s.startswith("p"):
        return _parse_iso(s, text, acc)
    negate = False
    if s.startswith("@"):
        s = s[1:].strip()
    if s.endswith("ago"):
        negate = True
        s = s[:-3].strip()
    tokens = []
    pos = 0
    for m in _TOKEN.finditer(s):
        if m.start() != pos or m.end() == m.start():
            break
        pos = m.end()
        tokens.append(m)
    if pos != len(s) or not tokens:
        raise _bad(text)
    seen: set[object] = set()  # DecodeInterval's fmask: each field given once

    def once(*fields: object) -> None:
        if seen.intersection(fields):
            raise _bad(text)
        seen.update(fields)

    for i, m in enumerate(tokens):
        if m.group("time"):
            once("hour", "minute", *_SECONDS)
            t = m.group("time")
            sign = -1 if t.startswith("-") else 1
            parts = t.lstrip("+-").split(":")
            h, mi = Decimal(parts[0]), Decimal(parts[1])
            sec = Decimal(parts[2]) if len(parts) > 2 else Decimal(0)
            if mi >= 60 or sec >= 60:
                raise _out_of_range(text)
            acc.usec += sign * ((h * 3600 + mi * 60 + sec) * USEC_PER_SEC)
        elif m.group("ym"):
            y, _, mo = m.group("ym").lstrip("+-").partition("-")
            if int(mo) > 11:
                raise _out_of_range(text)  # '10-12': months of a year-month field
            sign = -1 if m.group("ym").startswith("-") else 1
            acc.months += sign * (int(y) * 12 + int(mo))
            once("year", "month", "day")
        elif m.group("num") is not None:
            amount = Decimal(m.group("num"))
            unit_name = m.group("unit")
            if unit_name is None:
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if nxt is not None and nxt.group("ym"):
                    raise _bad(text)  # '1 1-2': no field for the number before a year-month
                # a bare number before a time is days (SQL standard), alone it is seconds
                unit = _UNITS["day"] if nxt is not None and nxt.group("time") else _UNITS["second"]
            elif unit_name in _UNITS:
                unit = _UNITS[unit_name]
            else:
                raise _bad(text)
            fractional_seconds = unit == _UNITS["second"] and amount != amount.to_integral_value()
            once(*(_SECONDS if fractional_seconds else (unit,)))
            acc.add(amount, unit)
        else:
            word = m.group("word")
            if word == "ago" and i == len(tokens) - 1:
                negate = True
            else:
                raise _bad(text)
    return acc.result(text, negate)


def _parse_iso(s: str, text: str, acc: _Acc) -> tuple[int, int, int]:
    if alt := _ISO_ALT.match(s):
        y, mo, d, h, mi, sec = alt.groups()
        acc.months += int(y) * 12 + int(mo)
        acc.days += int(d)
        acc.usec += (int(h or 0) * 3600 + int(mi or 0) * 60 + Decimal(sec or 0)) * USEC_PER_SEC
        return acc.result(text, False)
    m = _ISO.match(s)
    if not m or s == "p" or s.endswith("t"):
        raise _bad(text)
    date_units = {"y": _UNITS["year"], "m": _UNITS["month"], "w": _UNITS["week"],
                  "d": _UNITS["day"]}
    time_units = {"h": _UNITS["hour"], "m": _UNITS["minute"], "s": _UNITS["second"]}
    for body, units in ((m.group("body"), date_units), (m.group("tbody"), time_units)):
        for num, unit in re.findall(r"([+-]?[\d.]+)([a-z])", body or ""):
            try:
                acc.add(Decimal(num), units[unit])
            except ArithmeticError:
                raise _bad(text) from None
    return acc.result(text, False)


def _seconds(usec: int) -> str:
    sec, frac = divmod(abs(usec), USEC_PER_SEC)
    out = f"{sec:02d}"
    if frac:
        out += ("." + f"{frac:06d}").rstrip("0")
    return out


def format_postgres(months: int, days: int, usec: int) -> str:
    """IntervalStyle ``postgres``: ``1 year 2 mons -3 days +04:05:06.5``."""
    parts: list[str] = []
    is_before = False
    year, mon = int(months / 12), months - int(months / 12) * 12
    for value, unit in ((year, "year"), (mon, "mon"), (days, "day")):
        if value == 0:
            continue
        plus = "+" if is_before and value > 0 else ""
        parts.append(f"{plus}{value} {unit}{'' if value == 1 else 's'}")
        is_before = value < 0
    if not parts or usec != 0:
        total = abs(usec)
        hours, rest = divmod(total, 3600 * USEC_PER_SEC)
        minutes, rest = divmod(rest, 60 * USEC_PER_SEC)
        sign = "-" if usec < 0 else ("+" if is_before else "")
        parts.append(f"{sign}{hours:02d}:{minutes:02d}:{_seconds(rest)}")
    return " ".join(parts)


STYLE: contextvars.ContextVar[str] = contextvars.ContextVar("interval_style", default="postgres")


def style_name(style: str) -> str:
    """An IntervalStyle setting's name ("postgres" when empty), read once for each text."""
    name = _STYLES.get(style)
    if name is None:
        name = style.strip().lower() or "postgres"
        if len(_STYLES) < 64:
            _STYLES[style] = name
    return name


_STYLES: dict[str, str] = {}


def output(text: str) -> str:
    """A stored interval in the session's IntervalStyle (EncodeInterval)."""
    style = STYLE.get()
    if style == "postgres":
        return normalize(text)
    months, days, usec = parse(text)
    year, mon = _trunc_div(months, 12), months - _trunc_div(months, 12) * 12
    hour = _trunc_div(usec, 3600 * USEC_PER_SEC)
    minute = _trunc_div(usec - hour * 3600 * USEC_PER_SEC, 60 * USEC_PER_SEC)
    sec_us = usec - hour * 3600 * USEC_PER_SEC - minute * 60 * USEC_PER_SEC
    if style == "postgres_verbose":
        return _verbose(year, mon, days, hour, minute, sec_us)
    if style == "iso_8601":
        return _iso_8601(year, mon, days, hour, minute, sec_us)
    if style == "sql_standard":
        return _sql_standard(year, mon, days, hour, minute, sec_us)
    return normalize(text)


def _secs(sec_us: int, two_digits: bool) -> str:
    """AppendSeconds: the absolute seconds, a fraction without its trailing zeros."""
    sec, frac = divmod(abs(sec_us), USEC_PER_SEC)
    out = f"{sec:02d}" if two_digits else str(sec)
    return out + (("." + f"{frac:06d}").rstrip("0") if frac else "")


def _verbose(year: int, mon: int, day: int, hour: int, minute: int, sec_us: int) -> str:
    out = "@"
    is_zero, is_before = True, False
    for value, unit in ((year, "year"), (mon, "mon"), (day, "day"), (hour, "hour"),
                        (minute, "min")):
        if value == 0:
            continue
        if is_zero:
            is_before, value = value < 0, abs(value)
        elif is_before:
            value = -value
        out += f" {value} {unit}{'' if value == 1 else 's'}"
        is_zero = False
    if sec_us:
        out += " "
        if sec_us < 0:
            if is_zero:
                is_before = True
            elif not is_before:
                out += "-"
        elif is_before:
            out += "-"
        whole = abs(sec_us) // USEC_PER_SEC
        plural = "s" if whole != 1 or abs(sec_us) % USEC_PER_SEC else ""
        out += f"{_secs(sec_us, False)} sec{plural}"
        is_zero = False
    if is_zero:
        out += " 0"
    return out + (" ago" if is_before else "")


def _iso_8601(year: int, mon: int, day: int, hour: int, minute: int, sec_us: int) -> str:
    if not (year or mon or day or hour or minute or sec_us):
        return "PT0S"
    out = "P" + "".join(f"{v}{u}" for v, u in ((year, "Y"), (mon, "M"), (day, "D")) if v)
    if hour or minute or sec_us:
        out += "T" + "".join(f"{v}{u}" for v, u in ((hour, "H"), (minute, "M")) if v)
    if sec_us:
        out += ("-" if sec_us < 0 else "") + _secs(sec_us, False) + "S"
    return out


def _sql_standard(year: int, mon: int, day: int, hour: int, minute: int, sec_us: int) -> str:
    fields = (year, mon, day, hour, minute, sec_us)
    negative, positive = any(v < 0 for v in fields), any(v > 0 for v in fields)
    year_month, day_time = bool(year or mon), bool(day or hour or minute or sec_us)
    standard = not (negative and positive) and not (year_month and day_time)
    out = ""
    if negative and standard:
        out = "-"
        year, mon, day, hour, minute, sec_us = (-v for v in fields)
    if not negative and not positive:
        return "0"
    if not standard:
        year_sign = "-" if year < 0 or mon < 0 else "+"
        day_sign = "-" if day < 0 else "+"
        sec_sign = "-" if hour < 0 or minute < 0 or sec_us < 0 else "+"
        return (f"{year_sign}{abs(year)}-{abs(mon)} {day_sign}{abs(day)} "
                f"{sec_sign}{abs(hour)}:{abs(minute):02d}:{_secs(sec_us, True)}")
    if year_month:
        return f"{out}{year}-{mon}"
    if day:
        return f"{out}{day} {hour}:{minute:02d}:{_secs(sec_us, True)}"
    return f"{out}{hour}:{minute:02d}:{_secs(sec_us, True)}"


def sort_key(v: object) -> object:
    """A text that sorts as PostgreSQL orders intervals: by their span with a month of 30
    days (so '1 mon' = '30 days'), fixed width so that SQLite compares it as text."""
    if v is None:
        return None
    months, days, usec = parse(str(v))
    total = (months * 30 + days) * USEC_PER_DAY + usec
    return f"{total + 10**27:028d}"


@functools.lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """An interval's text in PostgreSQL's output form (the storage form)."""
    return format_postgres(*parse(text))


def cast(v: object) -> object:
    """``::interval``: text (or a number of seconds) to the stored output form."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return normalize(f"{v} seconds")
    return normalize(str(v))


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // b
    return q if a >= 0 else -q


def justify(v: object, hours: bool, days: bool) -> object:
    """justify_hours (24 hours to a day), justify_days (30 days to a month), and
    justify_interval (both, with the signs made to agree), as timestamp.c does them."""
    if v is None:
        return None
    m, d, u = parse(str(v))
    if hours:
        whole = _trunc_div(u, USEC_PER_DAY)
        u -= whole * USEC_PER_DAY
        d += whole
    if days:
        whole = _trunc_div(d, 30)
        d -= whole * 30
        m += whole
    if hours and days:
        if m > 0 and (d < 0 or (d == 0 and u < 0)):
            d, m = d + 30, m - 1
        elif m < 0 and (d > 0 or (d == 0 and u > 0)):
            d, m = d - 30, m + 1
    if hours:
        if d > 0 and u < 0:
            u, d = u + USEC_PER_DAY, d - 1
        elif d < 0 and u > 0:
            u, d = u - USEC_PER_DAY, d + 1
    elif days:
        if m > 0 and d < 0:
            d, m = d + 30, m - 1
        elif m < 0 and d > 0:
            d, m = d - 30, m + 1
    return _checked(m, d, u)



def _checked(months: int, days: int, usec: int) -> str:
    if not (-INT32 <= months < INT32 and -INT32 <= days < INT32 and -INT64 <= usec < INT64):
        raise SqlError("22008", "interval out of range")
    return format_postgres(months, days, usec)


def _tsround(x: float) -> float:
    return round(x * 1e6) / 1e6


def _scaled(m: int, d: int, u: int, fm: float, fd: float, fu: float) -> str:
    """interval_mul's arithmetic: ``fm`` = months * factor (``fd`` days, ``fu`` time), each
    field truncated, its fraction carried down (a month of 30 days)."""
    import math

    if math.isnan(fm) or math.isnan(fd) or not (-INT32 <= fm < INT32 and -INT32 <= fd < INT32):
        raise SqlError("22008", "interval out of range")
    months, days = int(fm), int(fd)
    month_days = _tsround((fm - months) * 30)
    sec = _tsround((fd - days + month_days - int(month_days)) * 86400)
    if abs(sec) >= 86400:
        days += int(sec / 86400)
        sec -= int(sec / 86400) * 86400
    days += int(month_days)
    t = fu + sec * USEC_PER_SEC
    if math.isnan(t) or not (-INT64 <= t < INT64):
        raise SqlError("22008", "interval out of range")
    return _checked(months, days, round(t))


def multiply(v: object, factor: object) -> object:
    """interval * float8 (interval_mul)."""
    if v is None or factor is None:
        return None
    m, d, u = parse(str(v))
    f = float(factor)  # type: ignore[arg-type]
    return _scaled(m, d, u, m * f, d * f, u * f)


def divide(v: object, factor: object) -> object:
    """interval / float8 (interval_div)."""
    if v is None or factor is None:
        return None
    m, d, u = parse(str(v))
    f = float(factor)  # type: ignore[arg-type]
    if f == 0:
        raise SqlError("22012", "division by zero")
    return _scaled(m, d, u, m / f, d / f, u / f)


def add(a: object, b: object, sign: int) -> object:
    """interval + interval, interval - interval (interval_pl / interval_mi): field by field."""
    if a is None or b is None:
        return None
    m1, d1, u1 = parse(str(a))
    m2, d2, u2 = parse(str(b))
    return _checked(m1 + sign * m2, d1 + sign * d2, u1 + sign * u2)


def negate(v: object) -> object:
    """-interval (interval_um)."""
    if v is None:
        return None
    m, d, u = parse(str(v))
    return _checked(-m, -d, -u)


# PostgreSQL's unit words (datetime.c): deltatktbl, which DecodeUnits reads, and the UNITS and
# RESERV entries of datetktbl, which DecodeSpecial reads after it; both compare the first
# TOKMAXLEN (10) characters, so 'milliseconds' is 'millisecon' and 'timezone_hour' 'timezone_h'.
_DELTA_UNITS = {
    **dict.fromkeys(("c", "cent", "centuries", "century"), "century"),
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("dec", "decade", "decades", "decs"), "decade"),
    **dict.fromkeys(("h", "hour", "hours", "hr", "hrs"), "hour"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "minute"),
    **dict.fromkeys(("microsecon", "us", "usec", "usecond", "useconds", "usecs"), "microseconds"),
    **dict.fromkeys(("mil", "millennia", "millennium", "mils"), "millennium"),
    **dict.fromkeys(("millisecon", "ms", "msec", "msecond", "mseconds", "msecs"), "milliseconds"),
    **dict.fromkeys(("mon", "mons", "month", "months"), "month"),
    **dict.fromkeys(("qtr", "quarter"), "quarter"),
    **dict.fromkeys(("s", "sec", "second", "seconds", "secs"), "second"),
    "timezone": "timezone", "timezone_h": "timezone_hour", "timezone_m": "timezone_minute",
    **dict.fromkeys(("w", "week", "weeks"), "week"),
    **dict.fromkeys(("y", "year", "years", "yr", "yrs"), "year"),
}
_SPECIAL_UNITS = {"dow": "dow", "doy": "doy", "isodow": "isodow", "isoyear": "isoyear",
                  "j": "julian", "jd": "julian", "julian": "julian", "mm": "minute"}
_RESERVED_WORDS = ("-infinity", "allballs", "epoch", "infinity", "now", "today", "tomorrow",
                   "yesterday")


def unit_words(text: str) -> str:
    """A unit as PostgreSQL's messages name it: folded to lower case (ASCII only), not trimmed."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def decode_unit(text: str, special: bool = True) -> tuple[str | None, str]:
    """``(kind, field)`` of a unit: kind ``'units'`` (a field: day, dow, ...), ``'reserv'``
    (a reserved word: epoch, now, ...) or None (no unit). ``special``: datetktbl's words as
    well (EXTRACT reads them; date_trunc reads deltatktbl's alone)."""
    key = unit_words(text)[:10]
    if key in _DELTA_UNITS:
        return "units", _DELTA_UNITS[key]
    if special and key in _SPECIAL_UNITS:
        return "units", _SPECIAL_UNITS[key]
    if special and key in _RESERVED_WORDS:
        return "reserv", key
    return None, key


_TRUNC_ORDER = ("millennium", "century", "decade", "year", "quarter", "month", "day", "hour",
                "minute", "second", "milliseconds", "microseconds")


def trunc(unit: object, v: object) -> str | None:
    """date_trunc of an interval (interval_trunc; a time of day is one): its fields below the
    unit zeroed, as interval2itm splits them (C's truncation toward zero)."""
    if unit is None or v is None:
        return None
    name = unit_words(str(unit))
    what, f = decode_unit(name, special=False)
    if what != "units":
        raise SqlError("22023", f'unit "{name}" not recognized for type interval')
    if f not in _TRUNC_ORDER:
        raise SqlError("0A000", f'unit "{name}" not supported for type interval')
    m, d, u = parse(str(v))
    year, mon = _trunc_div(m, 12), m - _trunc_div(m, 12) * 12
    hour = _trunc_div(u, 3600 * USEC_PER_SEC)
    u -= hour * 3600 * USEC_PER_SEC
    minute = _trunc_div(u, 60 * USEC_PER_SEC)
    u -= minute * 60 * USEC_PER_SEC
    sec = _trunc_div(u, USEC_PER_SEC)
    fsec = u - sec * USEC_PER_SEC
    below = _TRUNC_ORDER[_TRUNC_ORDER.index(f):]  # the unit and every one under it fall through
    for step in below:
        if step == "millennium":
            year = _trunc_div(year, 1000) * 1000
        elif step == "century":
            year = _trunc_div(year, 100) * 100
        elif step == "decade":
            year = _trunc_div(year, 10) * 10
        elif step == "year":
            mon = 0
        elif step == "quarter":
            mon = 3 * _trunc_div(mon, 3)
        elif step == "month":
            d = 0
        elif step == "day":
            hour = 0
        elif step == "hour":
            minute = 0
        elif step == "minute":
            sec = 0
        elif step == "second":
            fsec = 0
        elif step == "milliseconds":
            fsec = _trunc_div(fsec, 1000) * 1000
    return _checked(year * 12 + mon, d, ((hour * 60 + minute) * 60 + sec) * USEC_PER_SEC + fsec)


_INTERVAL_FIELDS = ("microseconds", "milliseconds", "second", "minute", "hour", "day", "month",
                    "quarter", "year", "decade", "century", "millennium")


def part(unit: object, v: object, as_numeric: int) -> Decimal | float | None:
    """EXTRACT (numeric, ``as_numeric``) or date_part (float8) of an interval
    (interval_part_common): its fields as interval2tm splits them, C's truncation."""
    if unit is None or v is None:
        return None
    name = unit_words(str(unit))
    kind, f = decode_unit(name)
    if not (kind == "units" and f in _INTERVAL_FIELDS) and not (kind == "reserv" and f == "epoch"):
        if kind == "units":
            raise SqlError("0A000", f'unit "{name}" not supported for type interval')
        raise SqlError("22023", f'unit "{name}" not recognized for type interval')
    m, d, u = parse(str(v))
    years, mons = _trunc_div(m, 12), m - _trunc_div(m, 12) * 12
    hours = _trunc_div(u, 3600 * USEC_PER_SEC)
    rest = u - hours * 3600 * USEC_PER_SEC
    minutes = _trunc_div(rest, 60 * USEC_PER_SEC)
    sec_us = rest - minutes * 60 * USEC_PER_SEC
    if f == "epoch" and not as_numeric:  # date_part sums in double precision, as C does
        return (u / 1_000_000.0 + 365.25 * 86400 * years + 30.0 * 86400 * mons
                + 86400.0 * d)
    if f == "epoch":  # a year of 365.25 days, a month of 30
        secs = 31_557_600 * years + (30 * mons + d) * 86400
        value = (Decimal(u + secs * USEC_PER_SEC) / USEC_PER_SEC).quantize(Decimal("0.000001"))
    elif f in ("microseconds", "milliseconds", "second"):
        scale = {"microseconds": 0, "milliseconds": 3, "second": 6}[f]
        value = (Decimal(sec_us) / 10 ** scale).quantize(Decimal(1).scaleb(-scale))
    else:
        value = Decimal({
            "minute": minutes, "hour": hours, "day": d, "month": mons,
            "quarter": _trunc_div(mons, 3) + 1, "year": years, "decade": _trunc_div(years, 10),
            "century": _trunc_div(years, 100), "millennium": _trunc_div(years, 1000),
        }[f])
    return value if as_numeric else float(value)


_RANGE_UNIT = {"year": "year", "month": "month", "day": "day", "hour": "hour",
               "minute": "minute", "second": "second"}
# A qualified interval type's typmod, as PostgreSQL packs it (INTERVAL_TYPMOD): the bits of
# its fields (datetime.h's YEAR, MONTH, DAY, HOUR, MINUTE, SECOND) above the seconds precision
_FIELD_BITS = {"year": 2, "month": 1, "day": 3, "hour": 10, "minute": 11, "second": 12}
FIELD_ORDER = tuple(_RANGE_UNIT)
FULL_RANGE, FULL_PRECISION = 0x7FFF, 0xFFFF


def typmod(first: str | None, last: str | None, precision: int | None) -> int:
    """The typmod of ``interval first TO last(precision)`` (``interval(p)``: no fields)."""
    if last is None:
        mask = FULL_RANGE
    else:
        span = FIELD_ORDER[FIELD_ORDER.index(first or last):FIELD_ORDER.index(last) + 1]
        mask = sum(1 << _FIELD_BITS[f] for f in span)
    return (mask << 16) | (FULL_PRECISION if precision is None else min(precision, 6))


def typmod_fields(tm: int) -> tuple[str, str, int | None]:
    """(first field, last field, seconds precision or None) of an interval typmod: what
    ``qualified`` cuts a value to (no fields reads as seconds, as PostgreSQL's input does)."""
    mask, precision = (tm >> 16) & FULL_RANGE, tm & FULL_PRECISION
    fields = [f for f in FIELD_ORDER if mask != FULL_RANGE and mask & (1 << _FIELD_BITS[f])]
    first, last = (fields[0], fields[-1]) if fields else ("second", "second")
    return first, last, None if precision == FULL_PRECISION else precision


def type_name(tm: int) -> str:
    """format_type's spelling: ``interval day to second(0)``, ``interval year``, ``interval(2)``."""
    mask, precision = (tm >> 16) & FULL_RANGE, tm & FULL_PRECISION
    fields = [f for f in FIELD_ORDER if mask != FULL_RANGE and mask & (1 << _FIELD_BITS[f])]
    name = "interval" + (f" {fields[0]}" if fields else "") + (
        f" to {fields[-1]}" if len(fields) > 1 else "")
    return name + (f"({precision})" if precision != FULL_PRECISION else "")


def qualified(v: object, first: object, last: object, precision: object) -> object:
    """``INTERVAL 'text' first TO last`` (or one field, with a seconds precision): the SQL
    standard's unit-less fields read right to left as DecodeInterval reads them, then the
    value cut to the range as AdjustIntervalForTypmod cuts it."""
    if v is None:
        return None
    text = str(v)
    lo, hi = str(first or last).lower(), str(last).lower()
    s = text.strip().lower()
    if not s or re.search(r"[a-z@]", s):
        m, d, u = parse(text)
    else:
        m, d, u = _standard_fields(s, text, lo, hi)
    return _typmod_cut(m, d, u, hi, None if precision is None else int(precision))  # type: ignore[call-overload]


def _standard_fields(s: str, text: str, lo: str, hi: str) -> tuple[int, int, int]:
    tokens = s.split()
    signed = [t for t in tokens[1:] if t[:1] in "+-"]
    # a leading minus applies to every field only in IntervalStyle sql_standard (DecodeInterval)
    negate_all = STYLE.get() == "sql_standard" and tokens[0].startswith("-") and not signed
    if negate_all:
        tokens[0] = tokens[0][1:]
    acc = _Acc()
    state: str | None = None  # the unit of the next field to the left
    for tok in reversed(tokens):
        sign = -1 if tok.startswith("-") else 1
        body = tok.lstrip("+-")
        if ":" in body:
            if state is not None:
                raise _bad(text)
            parts = body.split(":")
            if len(parts) == 2 and ("." in parts[1] or (lo, hi) == ("minute", "second")):
                h, mi, sec = Decimal(0), Decimal(parts[0]), Decimal(parts[1])  # mm:ss
            elif len(parts) in (2, 3):
                h, mi = Decimal(parts[0]), Decimal(parts[1])
                sec = Decimal(parts[2]) if len(parts) == 3 else Decimal(0)
            else:
                raise _bad(text)
            if mi >= 60 or sec >= 60:
                raise _out_of_range(text)
            acc.usec += sign * (h * 3600 + mi * 60 + sec) * USEC_PER_SEC
            state = "day"
        elif re.fullmatch(r"\d+-\d+", body):
            if state is not None:
                raise _bad(text)
            y, mo = body.split("-")
            acc.months += sign * (int(y) * 12 + int(mo))
            state = "invalid"
        elif re.fullmatch(r"\d+(\.\d*)?|\.\d+", body):
            if state == "invalid":
                raise _bad(text)
            unit = state or ("month" if hi == "month" else hi)
            acc.add(sign * Decimal(body), _UNITS[unit])
            state = "day" if unit == "hour" and lo == "day" else "invalid"
        else:
            raise _bad(text)
    return acc.result(text, negate_all)


def _typmod_cut(m: int, d: int, u: int, hi: str, precision: int | None) -> str:
    if hi == "year":
        m, d, u = _trunc_div(m, 12) * 12, 0, 0
    elif hi == "month":
        d, u = 0, 0
    elif hi == "day":
        u = 0
    elif hi in ("hour", "minute"):
        step = (3600 if hi == "hour" else 60) * USEC_PER_SEC
        u = _trunc_div(u, step) * step
    elif precision is not None and 0 <= precision < 6:
        scale = 10 ** (6 - precision)
        u = (u + scale // 2) // scale * scale if u >= 0 else -((-u + scale // 2) // scale * scale)
    return _checked(m, d, u)
