"""PostgreSQL's date/time input (datetime.c's ParseDateTime and DecodeDateTime) in Python.

``parse`` reads what PostgreSQL reads for date, time, timestamp and timestamptz: ISO 8601,
month names, day names, MDY/DMY/YMD numeric dates, ``J2451187``, ``1999.008``, AM/PM, zone
abbreviations, zone names and offsets, and the special words. Errors carry PostgreSQL's
SQLSTATE: 22007 for text that is no date, 22008 for a field out of range. Python's datetime
holds years 1 to 9999 only: ``parse_far`` reads BC and later years into that range, moved
by whole 400-year cycles (types.py stores them).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
import zoneinfo
from collections.abc import Callable

from aurora.engine.sqlapi import SqlError

MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
MONTHS.update({"sept": 9, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6,
               "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
               "december": 12})
DAYS = {"sun", "mon", "tue", "tues", "wed", "wednesday", "thu", "thur", "thurs", "fri", "sat",
        "sunday", "monday", "tuesday", "thursday", "friday", "saturday"}
# PostgreSQL's default abbreviations (timezone/tznames/Default), hours east of UTC or a zone.
ABBREVIATIONS: dict[str, float | str] = {
    "utc": 0, "gmt": 0, "ut": 0, "z": 0, "zulu": 0, "wet": 0, "west": 1, "bst": 1, "cet": 1,
    "cest": 2, "met": 1, "mest": 2, "eet": 2, "eest": 3, "msk": "Europe/Moscow",
    "msd": 4, "ist": 2, "idt": 3, "jst": 9, "kst": 9, "hkt": 8, "awst": 8, "acst": 9.5,
    "acdt": 10.5, "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13, "est": -5, "edt": -4,
    "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7, "akst": -9,
    "akdt": -8, "hst": -10, "ast": -4, "adt": -3, "nst": -3.5, "ndt": -2.5, "sast": 2,
    "cat": 2, "eat": 3, "wat": 1, "brt": -3, "art": -3, "sgt": 8, "pht": 8, "wib": 7,
}
DATE_ORDER: contextvars.ContextVar[str] = contextvars.ContextVar("date_order", default="MDY")
# 'now' is the transaction's start (the session's statement_time), set per statement
NOW: contextvars.ContextVar[Callable[[], dt.datetime]] = contextvars.ContextVar(
    "now", default=lambda: dt.datetime.now(dt.UTC))
_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<time>\d+:\d+(?::\d+)?(?:\.\d*)?)"
    r"|(?P<date>\d+(?P<sep>[-/.])[a-z0-9]+(?:(?P=sep)[a-z0-9]+)?)"
    r"|(?P<num>\d+(?:\.\d*)?|\.\d+)"
    r"|(?P<signed>[+-]\d+(?::\d+)*(?:\.\d*)?)"
    r"|(?P<word>[a-z][a-z_]*(?:[/-][a-z0-9_+:-]+)*(?:\+\d[\d:]*)?\.?)"
    r"|(?P<comma>,)"
    r")"
)


def _bad(text: str, kind: str) -> SqlError:
    return SqlError("22007", f'invalid input syntax for type {kind}: "{text}"')


def _range(text: str) -> SqlError:
    return SqlError("22008", f'date/time field value out of range: "{text}"')


def _zone(name: str, text: str, kind: str) -> dt.tzinfo:
    v = ABBREVIATIONS.get(name)
    if isinstance(v, str):
        return zoneinfo.ZoneInfo(v)
    if v is not None:
        return dt.timezone(dt.timedelta(hours=v))
    if posix := re.fullmatch(r"[a-z]{3,}([+-])(\d{1,2})(?::(\d\d))?", name):
        # a POSIX zone such as GMT-1: its offset counts hours west of Greenwich
        sign = 1 if posix.group(1) == "-" else -1
        return dt.timezone(sign * dt.timedelta(hours=int(posix.group(2)),
                                               minutes=int(posix.group(3) or 0)))
    try:
        return zoneinfo.ZoneInfo(next((z for z in zoneinfo.available_timezones()
                                       if z.lower() == name), name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SqlError("22023", f'time zone "{name}" not recognized') from None


def zone(name: str) -> dt.tzinfo:
    """A zone abbreviation (``msk``, ``pst``) or a zone name, lower-cased."""
    return _zone(name, name, "timestamp")


def _offset(tok: str, text: str) -> dt.tzinfo:
    sign = -1 if tok[0] == "-" else 1
    body = tok[1:]
    if ":" in body:
        parts = [int(p) for p in body.split(":")]
        h, m, s = ([*parts, 0, 0])[:3]
    elif len(body) <= 2:
        h, m, s = int(body), 0, 0
    elif len(body) <= 4:
        h, m, s = int(body[:-2]), int(body[-2:]), 0
    else:
        h, m, s = int(body[:-4]), int(body[-4:-2]), int(body[-2:])
    if h > 15 or m > 59 or s > 59:
        raise SqlError("22008", f'time zone displacement out of range: "{text}"')
    return dt.timezone(sign * dt.timedelta(hours=h, minutes=m, seconds=s))


def order_of(datestyle: str) -> str:
    """The field order of numeric dates ("MDY", "DMY" or "YMD") a DateStyle text gives
    (worked out once for each text)."""
    order = _ORDERS.get(datestyle)
    if order is None:
        d = datestyle.lower()
        order = next((o for o in ("ymd", "dmy", "mdy") if o in d),
                     "dmy" if "euro" in d or "german" in d else "mdy").upper()
        if len(_ORDERS) < 64:
            _ORDERS[datestyle] = order
    return order


_ORDERS: dict[str, str] = {}


_TIME_KINDS = frozenset({"time", "time without time zone", "time with time zone"})


def special(text: str) -> str | None:
    """The special word ``text`` is (``infinity``, ``now`` ...), or None."""
    t = text.strip().lower()
    return t if t in ("infinity", "+infinity", "-infinity", "epoch", "now", "today",
                      "tomorrow", "yesterday", "allballs") else None


def parse(text: str, kind: str = "timestamp", order: str | None = None,
          tz: dt.tzinfo = dt.UTC, wall: bool = False) -> dt.datetime:
    """``text`` as PostgreSQL reads it: a naive datetime, or an aware one when a zone is given
    (``tz`` is the session's zone, for now/today; ``order`` MDY, DMY or YMD, by default the
    session's). ``wall``: the time as written, its zone checked and dropped (timestamp
    without time zone input)."""
    return _parse(text, kind, order, tz, wall, False)[0]


def far_shift(year: int) -> int:
    """How many years a BC year (astronomical, <= 0) or a year after 9999 moves to stand in
    Python's range: whole 400-year cycles, to before 1000 for BC (zones then keep their local
    mean time, as PostgreSQL's do) and to about 5000 for later years."""
    return 400 * (((1000 if year <= 0 else 5000) - year) // 400)


def parse_far(text: str, kind: str, tz: dt.tzinfo, wall: bool) -> tuple[dt.datetime, int]:
    """``parse`` for a text that may hold a year Python cannot (BC, after 9999): the value
    with its year moved by ``shift`` (a multiple of 400 years, which keeps the calendar and
    the weekdays) into Python's range, and ``shift`` (0 for an ordinary year)."""
    return _parse(text, kind, None, tz, wall, True)


def _parse(text: str, kind: str, order: str | None, tz: dt.tzinfo, wall: bool,
           far: bool) -> tuple[dt.datetime, int]:
    order = order or DATE_ORDER.get()
    s = text.strip().lower()
    word = special(s)
    time_only = kind in _TIME_KINDS
    if time_only and word in ("epoch", "today", "tomorrow", "yesterday"):
        raise _bad(text, kind)  # a day, no time of day
    if word in ("infinity", "+infinity", "-infinity"):
        raise SqlError("0A000", f'"{word}" {kind} values are not supported')
    if word == "epoch":
        return (dt.datetime(1970, 1, 1) if wall else dt.datetime(1970, 1, 1, tzinfo=dt.UTC)), 0
    if word == "now":
        return NOW.get()().astimezone(dt.UTC), 0
    if not time_only:  # (a time takes no date joined to it by T: '2020-01-02T04:05' is none)
        s = re.sub(r"(?<=\d)t(?=\d)", " ", s)
    if jd := re.fullmatch(r"j(\d+)(.*)", s):
        rest = parse("2000-01-01 " + jd.group(2), kind, order, tz)
        try:
            day = dt.date.fromordinal(int(jd.group(1)) - 1721425)
        except (ValueError, OverflowError):
            raise _range(text) from None
        return dt.datetime.combine(day, rest.timetz()), 0
    pos = 0
    date: dict[str, int] = {}
    text_month = False
    hms: tuple[int, int, int, int] | None = None
    zone: dt.tzinfo | None = None
    bc = False
    century_added = 0  # a two-digit year's century, which a BC year does not take
    ampm: str | None = None
    base: dt.date | None = None
    abbreviation = False

    def put(field: str, value: int) -> None:
        if field in date:
            raise _bad(text, kind)
        date[field] = value

    def number(tok: str, dashed: bool = False) -> None:
        nonlocal hms
        if time_only and not dashed and not date and hms is None and len(tok) in (4, 6) and tok.isdigit():
            hms = (int(tok[:2]), int(tok[2:4]), int(tok[4:6] or 0), 0)  # hhmm, hhmmss
            return
        if time_only and not dashed:
            # a time's date is one delimited field ('2020-01-02 04:05', '01/02/2020 04:05'):
            # '20200102 04:05', 'Jan 2 2020 04:05', '2020-01-02 040506' are no time
            raise _bad(text, kind)
        if "." in tok and not date and len(tok.split(".")[0]) >= 4:    # yyyy.ddd
            y, d = tok.split(".")
            put("year", int(y))
            put("doy", int(d))
            return
        if set(date) >= {"year", "month", "day"}:
            if hms is None and len(tok) in (4, 6) and "." not in tok:  # hhmm, hhmmss
                hms = (int(tok[:2]), int(tok[2:4]), int(tok[4:6] or 0), 0)
                return
            raise _bad(text, kind)
        if not date and len(tok) in (6, 8) and "." not in tok and not text_month and not dashed:
            cut = len(tok) - 4
            put("year", _year(tok[:cut]))
            put("month", int(tok[cut:cut + 2]))
            put("day", int(tok[cut + 2:]))
            return
        if "." in tok:
            raise _bad(text, kind)
        have = set(date) & {"year", "month", "day"}
        if not have:
            field = ("year" if len(tok) >= 3 or order == "YMD" else
                     "day" if order == "DMY" or text_month else "month")
            if text_month and field == "month":
                field = "day"
        elif have == {"year"}:
            field = "day" if text_month else "month"
        elif have == {"year", "month"}:
            field = "day"
        elif have == {"month"}:
            field = "year" if text_month and (len(tok) >= 3 or order == "YMD") else "day"
        elif have == {"day"}:
            field = "year" if text_month else "month"
        else:
            field = "year"
        put(field, _year(tok) if field == "year" else int(tok))

    def _year(tok: str) -> int:
        nonlocal century_added
        y = int(tok)
        if len(tok) <= 2:
            century_added = 2000 if y < 70 else 1900
            y += century_added
        return y

    for m in _TOKEN.finditer(s):
        if m.start() != pos:
            break
        pos = m.end()
        if m.group("time"):
            if hms is not None:
                raise _bad(text, kind)
            parts = m.group("time").split(":")
            sec = parts[2] if len(parts) > 2 else "0"
            whole, _, frac = sec.partition(".")
            if len(parts) == 2 and "." in parts[1]:        # mm:ss.f
                mins, _, frac = parts[1].partition(".")
                hms = (0, int(parts[0]), int(mins), round(float("0." + (frac or "0")) * 1e6))
            else:
                hms = (int(parts[0]), int(parts[1]), int(whole or 0),
                       round(float("0." + (frac or "0")) * 1e6))
        elif m.group("date"):
            sep = m.group("sep")
            parts = m.group("date").split(sep)
            if sep == "." and len(parts) == 2 and all(p.isdigit() for p in parts):
                number(m.group("date"))
                continue
            for p in parts:
                if p.isalpha():
                    if p[:3] not in MONTHS and p not in MONTHS:
                        raise _bad(text, kind)
                    put("month", MONTHS.get(p, MONTHS.get(p[:3], 0)))
                    text_month = True
            for p in parts:
                if p.isdigit():
                    number(p, True)
                elif not p.isalpha():
                    raise _bad(text, kind)
        elif m.group("num"):
            number(m.group("num"))
        elif m.group("signed"):
            if hms is None and not date:
                raise _bad(text, kind)
            zone = _offset(m.group("signed"), text)
        elif m.group("word"):
            w = m.group("word").rstrip(".")
            head, sep, rest = w.partition("-")
            if sep and (head in MONTHS) and re.fullmatch(r"\d+(-\d+)?", rest):
                put("month", MONTHS[head])   # jan-08-99
                text_month = True
                for p in rest.split("-"):
                    number(p, True)
                continue
            if time_only and w in ("today", "tomorrow", "yesterday"):
                raise _bad(text, kind)
            if time_only and w[:1] == "t" and w[1:].isdigit() and len(w) in (5, 7) and hms is None:
                number(w[1:])  # T040506: ISO 8601's time designator
                continue
            if w in ("today", "tomorrow", "yesterday"):
                today = NOW.get()().astimezone(tz).date()
                base = today + dt.timedelta(days={"today": 0, "tomorrow": 1,
                                                  "yesterday": -1}[w])
            elif w == "allballs":
                hms = (0, 0, 0, 0)
            elif w in MONTHS or (len(w) >= 3 and w[:3] in MONTHS and w in MONTHS):
                put("month", MONTHS[w])
                text_month = True
            elif w in DAYS or w in ("at", "on"):
                pass
            elif w in ("am", "pm"):
                ampm = w
            elif w in ("bc", "ad"):
                bc = w == "bc"
            elif w == "t":
                pass
            else:
                try:
                    zone = _zone(w, text, kind)
                except SqlError:
                    if w.isalpha():  # a word that is no zone is no date either
                        raise _bad(text, kind) from None
                    raise
                abbreviation = w in ABBREVIATIONS
        else:
            pass
    if pos != len(s):
        raise _bad(text, kind)
    shift = 0
    if bc and not far:
        raise SqlError("0A000", f"BC {kind} values are not supported")
    if "year" in date and (bc or date["year"] > 9999):
        if bc and date["year"] < 1:
            raise _bad(text, kind)
        if not far:
            raise SqlError("0A000", f"{kind} values after the year 9999 are not supported")
        year = 1 - (date["year"] - century_added) if bc else date["year"]
        shift = far_shift(year)
        date["year"] = year + shift
    if base is not None:
        if date:
            raise _bad(text, kind)
        day = base
    elif "doy" in date:
        day = dt.date(date["year"], 1, 1) + dt.timedelta(days=date["doy"] - 1)
    elif date:
        if set(date) != {"year", "month", "day"}:
            raise _bad(text, kind)
        try:
            day = dt.date(date["year"], date["month"], date["day"])
        except ValueError:
            raise _range(text) from None
    elif time_only:
        day = dt.date(2000, 1, 1)
    else:
        raise _bad(text, kind)
    if time_only and hms is None:
        raise _bad(text, kind)  # '', 't', '2020-01-02': no time of day (it was 00:00:00)
    h, mi, sec, us = hms or (0, 0, 0, 0)
    if ampm is not None:
        if h < 1 or h > 12:
            raise _range(text)
        h = h % 12 + (12 if ampm == "pm" else 0)
    if h == 24 and mi == 0 and sec == 0 and us == 0:
        result = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)
    else:
        if h > 23 or mi > 59 or sec > 60:
            raise _range(text)
        if us >= 1_000_000:
            sec, us = sec + 1, us - 1_000_000
        carry = sec == 60
        result = dt.datetime(day.year, day.month, day.day, h, mi, 59 if carry else sec, us)
        if carry:
            result += dt.timedelta(seconds=1)
    if zone is not None and not wall:
        # A local time a transition skips or repeats takes the smaller of the two offsets
        # (standard time), as PostgreSQL reads a zone name; an abbreviation (MSK) takes the
        # meaning it has after the transition.
        a, b = result.replace(tzinfo=zone), result.replace(tzinfo=zone, fold=1)
        smaller = (b.utcoffset() or dt.timedelta()) < (a.utcoffset() or dt.timedelta())
        result = b if smaller or abbreviation else a
        if isinstance(zone, zoneinfo.ZoneInfo):
            result = result.astimezone(dt.UTC)
    return result, shift
