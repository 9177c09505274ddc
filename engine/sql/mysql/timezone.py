"""MySQL's ``time_zone``: the values it takes, and the functions that depend on it.

A session's zone is ``SYSTEM`` (the instance's ``system_time_zone``, UTC, as Aurora MySQL
runs), an offset ``+HH:MM`` (from -13:59 to +14:00) or a name of the tz database (Aurora has
MySQL's tz tables loaded; here Python's zoneinfo reads the system's tzdata). The session
hands its zone to the PostgreSQL session underneath as its TimeZone, so NOW(), CURDATE() and
TIMESTAMP columns (PostgreSQL ``timestamptz``) follow it; what only this dialect computes
(FROM_UNIXTIME, CONVERT_TZ) reads it from the MySQL session.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Callable

from aurora.engine.sql.mysql.errors import err

SYSTEM = dt.UTC  # system_time_zone: what SYSTEM means on this instance
_OFFSET = re.compile(r"([+-])(\d+):(\d+)")
_LOW, _HIGH = -(13 * 3600 + 59 * 60), 14 * 3600
# CONVERT_TZ converts values whose instant is in this range only (MySQL 8.0.28 and later on
# 64-bit platforms: 1970-01-01 00:00:00 to 3001-01-18 23:59:59 UTC); others it returns as given
_MY_TIME_T_MAX = 32536850399


def parse(value: str) -> tuple[str, dt.tzinfo] | None:
    """(the name @@time_zone then reads, the zone) of a time_zone value; None if MySQL
    does not know it."""
    if value.upper() == "SYSTEM":
        return "SYSTEM", SYSTEM
    m = _OFFSET.fullmatch(value)
    if m:  # MySQL's str_to_offset: a sign, hours, a colon, minutes
        minutes = int(m.group(3))
        seconds = (int(m.group(2)) * 60 + minutes) * 60 * (-1 if m.group(1) == "-" else 1)
        if minutes > 59 or not _LOW <= seconds <= _HIGH:
            return None
        sign = "-" if seconds < 0 else "+"
        hours, rest = divmod(abs(seconds) // 60, 60)
        return f"{sign}{hours:02d}:{rest:02d}", dt.timezone(dt.timedelta(seconds=seconds))
    return _named(value)


@functools.lru_cache(maxsize=256)
def _named(value: str) -> tuple[str, dt.tzinfo] | None:
    """A zone of the tz database, by name, case-insensitively (as MySQL's tz tables)."""
    if not value or value.startswith("/") or ".." in value:
        return None
    for key in (value, _keys().get(value.lower())):
        if key is None:
            continue
        try:
            return key, zoneinfo.ZoneInfo(key)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


@functools.cache
def _keys() -> dict[str, str]:
    return {k.lower(): k for k in zoneinfo.available_timezones()}


def zone(value: object, variable: str = "time_zone") -> tuple[str, dt.tzinfo]:
    """A SET time_zone value: (its name, the zone), or MySQL's error."""
    if value is None:
        raise err(1231, "42000", f"Variable '{variable}' can't be set to the value of 'NULL'")
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise err(1232, "42000", f"Incorrect argument type to variable '{variable}'")
    got = parse(value)
    if got is None:
        raise err(1298, "HY000", f"Unknown or incorrect time zone: '{value}'")
    return got


def postgres_name(tz: dt.tzinfo) -> str:
    """The zone as the PostgreSQL session's ``SET TIME ZONE`` reads it (an offset east of
    UTC unquoted, as PostgreSQL's ``SET TIME ZONE '+02:00'`` would read it west)."""
    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz.key
    offset = tz.utcoffset(None) or dt.timedelta(0)
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def wall_time(text: str) -> dt.datetime | None:
    """A DATETIME literal's value ('2024-06-01 12:00:00', '2024-06-01'), None if it is none."""
    try:
        d = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return d if d.tzinfo is None else None


def _wall(v: object, tz: dt.tzinfo) -> dt.datetime | None:
    """A value as a wall time of ``tz``: text as SQLite stores it (a TIMESTAMP column's
    with its UTC offset), a date, a datetime; None when it is none of these."""
    if isinstance(v, dt.datetime):
        d = v
    elif isinstance(v, dt.date):
        d = dt.datetime(v.year, v.month, v.day)
    elif isinstance(v, str | bytes):
        text = (v.decode() if isinstance(v, bytes) else v).strip().replace("T", " ")
        try:
            d = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if d.tzinfo is not None:
        d = d.astimezone(tz).replace(tzinfo=None)
    return d


def _text(d: dt.datetime) -> str:
    return d.isoformat(" ", "microseconds" if d.microsecond else "seconds")


def convert_tz(value: object, source: object, target: object, session: dt.tzinfo) -> str | None:
    """CONVERT_TZ(dt, from, to): NULL for a NULL or unknown argument, as MySQL; a value
    whose instant is outside MySQL's range comes back as it was."""
    if value is None or source is None or target is None:
        return None
    a, b = parse(str(source)), parse(str(target))
    if a is None or b is None:
        return None
    d = _wall(value, session)
    if d is None:
        return None
    instant = d.replace(tzinfo=a[1])
    if not 0 <= instant.timestamp() <= _MY_TIME_T_MAX:
        return _text(d)
    return _text(instant.astimezone(b[1]).replace(tzinfo=None))


def from_unixtime(value: object, session: dt.tzinfo) -> str | None:
    """FROM_UNIXTIME(n): the wall time of ``session`` at n seconds after the epoch."""
    if value is None:
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not 0 <= seconds <= _MY_TIME_T_MAX:
        return None
    d = dt.datetime.fromtimestamp(seconds, dt.UTC).astimezone(session).replace(tzinfo=None)
    return _text(d)


# [-]h:mm[:ss[.ffffff]]: a TIME's text
_TIME = re.compile(r"-?(\d+):(\d+)(?::(\d+)(?:\.(\d+))?)?")


def time_part(field: str, v: object, session: dt.tzinfo) -> int | None:
    """HOUR(), MINUTE(), SECOND() or MICROSECOND() of a DATETIME, TIMESTAMP (its wall time
    in ``session``), DATE (0), TIME or text; NULL for anything else."""
    if v is None:
        return None
    d = _wall(v, session)
    if d is not None:
        return {"HOUR": d.hour, "MINUTE": d.minute, "SECOND": d.second}.get(field, d.microsecond)
    m = _TIME.match(str(v).strip())
    if m is None:
        return None
    if field == "MICROSECOND":
        return int((m.group(4) or "0")[:6].ljust(6, "0"))
    return int(m.group({"HOUR": 1, "MINUTE": 2, "SECOND": 3}[field]) or 0)


def functions(current: Callable[[], dt.tzinfo]) -> dict[str, tuple[Callable[..., object], int]]:
    """This module's SQL functions, reading the session's zone through ``current``."""
    return {
        "mysql_from_unixtime": (lambda v: from_unixtime(v, current()), 1),
        "mysql_convert_tz": (lambda v, a, b: convert_tz(v, a, b, current()), 3),
        "mysql_time_part": (lambda f, v: time_part(f, v, current()), 2),
    }
