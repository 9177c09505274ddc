"""Types on the MySQL wire: column definitions from PostgreSQL type OIDs, row values in the
text and binary protocols, and binary-protocol parameters.

A session describes its columns with PostgreSQL OIDs and type modifiers (the SQL layer is
shared with the PostgreSQL front end), and a table column with the MySQL type it was declared
with where the OID says less (TINYINT, MEDIUMINT, UNSIGNED, YEAR, the TEXT kinds, ENUM);
:func:`mysql_type` turns these into what a MySQL column definition carries. Text-protocol
values are encoded by their Python type; binary-protocol values must match the type code
announced for their column (TINY 1 byte, SHORT and YEAR 2, INT24 and LONG 4, LONGLONG 8,
unsigned where the column is), so those encoders coerce.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import struct
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from aurora.engine.sql.mysql.types import double_text
from aurora.engine.sqlapi import Column, SqlError

from . import protocol as p
from .errors import ER_WRONG_ARGUMENTS

# Field types (enum_field_types).
DECIMAL, TINY, SHORT, LONG, FLOAT, DOUBLE, NULL, TIMESTAMP = 0, 1, 2, 3, 4, 5, 6, 7
LONGLONG, INT24, DATE, TIME, DATETIME, YEAR, NEWDATE, VARCHAR, BIT = (
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
)
JSON, NEWDECIMAL, ENUM, SET = 245, 246, 247, 248
TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB, VAR_STRING, STRING, GEOMETRY = (
    249, 250, 251, 252, 253, 254, 255,
)  # fmt: skip

# Column flags.
NOT_NULL_FLAG, BLOB_FLAG, UNSIGNED_FLAG, ZEROFILL_FLAG, BINARY_FLAG = 1, 16, 32, 64, 128
ENUM_FLAG, SET_FLAG, NUM_FLAG = 256, 2048, 32768

NOT_FIXED_DEC = 31  # "decimals" of a float or double without a declared scale
_LONGEST = 0xFFFFFFFF

# PostgreSQL type OIDs (pg_type.oid) a session may describe columns with.
_BOOL, _BYTEA, _CHAR, _NAME, _INT8, _INT2, _INT4, _TEXT, _OID = 16, 17, 18, 19, 20, 21, 23, 25, 26
_PG_JSON, _FLOAT4, _FLOAT8, _BPCHAR, _VARCHAR = 114, 700, 701, 1042, 1043
_DATE, _TIME, _TIMESTAMP, _TIMESTAMPTZ, _INTERVAL, _NUMERIC = 1082, 1083, 1114, 1184, 1186, 1700
_UUID, _JSONB = 2950, 3802
_ARRAYS = frozenset(
    {199, 1000, 1001, 1002, 1003, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1115,
     1182, 1183, 1185, 1187, 1231, 2951, 3807}
)  # fmt: skip

_INT_TYPES = frozenset({TINY, SHORT, LONG, LONGLONG, INT24, YEAR})
_TEXT_PARAMS = frozenset({DECIMAL, NEWDECIMAL, VARCHAR, VAR_STRING, STRING, ENUM, SET, JSON})
_BYTES_PARAMS = frozenset({TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB, BIT, GEOMETRY})


@dataclass(frozen=True)
class MyType:
    """What a MySQL column definition says about a column's type."""

    code: int
    charset: int
    length: int
    flags: int
    decimals: int
    fsp: int | None = None
    """Fractional-second digits a temporal column declares; None: as many as the value has
    (up to 6, which is what ``decimals`` then says)."""


def _number(code: int, length: int, decimals: int = 0, flags: int = 0) -> MyType:
    return MyType(code, p.CHARSET_BINARY, length, BINARY_FLAG | NUM_FLAG | flags, decimals)


def _text(code: int, chars: int | None, flags: int = 0) -> MyType:
    length = _LONGEST if chars is None else min(chars * 4, _LONGEST)
    return MyType(code, p.CHARSET_UTF8MB4, length, flags, 0)


def _temporal(code: int, base: int, typmod: int) -> MyType:
    fsp = typmod if 0 <= typmod <= 6 else None
    digits = 6 if fsp is None else fsp
    length = base + (digits + 1 if digits else 0)
    return MyType(code, p.CHARSET_BINARY, length, BINARY_FLAG, digits, fsp)


# MySQL 8's integer columns: type code, display length signed and unsigned
_INTEGERS = {"tinyint": (TINY, 4, 3), "smallint": (SHORT, 6, 5), "mediumint": (INT24, 9, 8),
             "int": (LONG, 11, 10), "bigint": (LONGLONG, 20, 20)}
# the TEXT and BLOB kinds: their longest value in bytes (characters for TEXT, 4 bytes each)
_LOBS = {"tinytext": 255, "text": 65535, "mediumtext": 16777215, "longtext": _LONGEST,
         "tinyblob": 255, "blob": 65535, "mediumblob": 16777215, "longblob": _LONGEST}
_DECLARED = re.compile(r"(\w+)(?:\((.*)\))?( unsigned)?")


def declared_type(spelling: str) -> MyType | None:
    """The column type of a table column the MySQL dialect declared (``tinyint unsigned``,
    ``mediumtext``, ``enum('a','b')``, as SHOW CREATE TABLE spells it), where its PostgreSQL
    type would say less; None for the others."""
    m = _DECLARED.fullmatch(spelling)
    if m is None:
        return None
    base, args, unsigned = m.group(1), m.group(2), m.group(3) is not None
    if base in _INTEGERS:
        code, length, unsigned_length = _INTEGERS[base]
        if base == "tinyint" and args == "1":
            length = unsigned_length = 1
        flags = UNSIGNED_FLAG if unsigned else 0
        return _number(code, unsigned_length if unsigned else length, 0, flags)
    if base == "year":
        return _number(YEAR, 4, 0, UNSIGNED_FLAG | ZEROFILL_FLAG)
    if base == "decimal" and unsigned and args:
        precision, _, scale = args.partition(",")
        digits, places = int(precision), int(scale or 0)
        return _number(NEWDECIMAL, digits + (1 if places else 0), places, UNSIGNED_FLAG)
    if base in _LOBS:
        size = _LOBS[base]
        if base.endswith("text"):
            return MyType(BLOB, p.CHARSET_UTF8MB4, min(size * 4, _LONGEST), BLOB_FLAG, 0)
        return MyType(BLOB, p.CHARSET_BINARY, size, BLOB_FLAG | BINARY_FLAG, 0)
    if base in ("enum", "set") and args:
        values = [v[1:-1].replace("''", "'") for v in re.findall(r"'(?:[^']|'')*'", args)]
        if base == "enum":
            chars = max((len(v) for v in values), default=0)
            return MyType(STRING, p.CHARSET_UTF8MB4, chars * 4, ENUM_FLAG, 0)
        chars = sum(len(v) for v in values) + max(len(values) - 1, 0)
        return MyType(STRING, p.CHARSET_UTF8MB4, chars * 4, SET_FLAG, 0)
    return None


@functools.lru_cache(maxsize=1024)
def mysql_type(oid: int, typmod: int = -1, declared: str | None = None) -> MyType:
    """The MySQL column type for a PostgreSQL type OID and type modifier, or for the MySQL
    type a table column was declared with."""
    if declared is not None:
        got = declared_type(declared)
        if got is not None:
            return got
    if oid == _BOOL:
        return _number(TINY, 1)
    if oid == _INT2:
        return _number(SHORT, 6)
    if oid == _INT4:
        return _number(LONG, 11)
    if oid in (_INT8, _OID):
        return _number(LONGLONG, 20)
    if oid == _FLOAT4:
        return _number(FLOAT, 12, NOT_FIXED_DEC)
    if oid == _FLOAT8:
        return _number(DOUBLE, 22, NOT_FIXED_DEC)
    if oid == _NUMERIC:
        if typmod >= 4:
            precision, scale = (typmod - 4) >> 16 & 0xFFFF, (typmod - 4) & 0xFFFF
            return _number(NEWDECIMAL, precision + (1 if scale else 0) + 1, min(scale, 30))
        return _number(NEWDECIMAL, 67, 30)
    if oid == _DATE:
        return MyType(DATE, p.CHARSET_BINARY, 10, BINARY_FLAG, 0)
    if oid == _TIME:
        return _temporal(TIME, 10, typmod)
    if oid == _INTERVAL:
        return _temporal(TIME, 10, typmod)
    if oid == _TIMESTAMP:
        return _temporal(DATETIME, 19, typmod)
    if oid == _TIMESTAMPTZ:
        return _temporal(TIMESTAMP, 19, typmod)
    if oid == _BYTEA:
        return MyType(BLOB, p.CHARSET_BINARY, _LONGEST, BLOB_FLAG | BINARY_FLAG, 0)
    if oid == _TEXT:
        return _text(BLOB, None, BLOB_FLAG)
    if oid in (_VARCHAR, _BPCHAR):
        chars = typmod - 4 if typmod >= 4 else None
        if oid == _BPCHAR:
            return _text(STRING, chars if chars is not None else 1)
        return _text(VAR_STRING, chars if chars is not None else 16383)
    if oid == _UUID:
        return _text(STRING, 36)
    if oid in (_PG_JSON, _JSONB) or oid in _ARRAYS:
        return MyType(JSON, p.CHARSET_BINARY, _LONGEST, BLOB_FLAG | BINARY_FLAG, 0)
    if oid in (_CHAR, _NAME):
        return _text(VAR_STRING, 64)
    return _text(VAR_STRING, 16383)


@functools.lru_cache(maxsize=4096)
def _definition(
    name: str, oid: int, typmod: int, declared: str | None, default: bytes | None
) -> bytes:
    t = mysql_type(oid, typmod, declared)
    return p.column_definition(
        name, t.code, t.charset, t.length, t.flags, t.decimals, default=default
    )


def column_definition(column: Column, *, field_list: bool = False) -> bytes:
    """The ColumnDefinition41 payload of a session's column (COM_FIELD_LIST adds a default)."""
    return _definition(
        column.name, column.type_oid, column.type_modifier, column.mysql_type,
        b"" if field_list else None,
    )


def param_definition(oid: int) -> bytes:
    """A parameter's definition in a COM_STMT_PREPARE answer (named ``?``, as MySQL does)."""
    return _definition("?", oid, -1, None, None)


# --- text protocol --------------------------------------------------------------------------


def float_text(x: float, single: bool = False) -> str:
    """MySQL's output of a double (``mysql.types.double_text``: shortest round trip, ``3``
    not ``3.0``, ``0.00001``, ``1e15``); ``single``: of a FLOAT, as MySQL writes one: at
    most 6 significant digits (FLT_DIG; ``1.23457``, ``123457000``)."""
    if single and x == x and x not in (float("inf"), float("-inf")):
        return double_text(float(f"{x:.6g}"))
    return double_text(x)


def _fraction(us: int, fsp: int | None) -> str:
    if fsp is None:
        return f".{us:06d}" if us else ""
    return f".{us:06d}"[: fsp + 1] if fsp else ""


def time_text(v: dt.time | dt.timedelta, fsp: int | None = None) -> str:
    """MySQL TIME: ``[-]HH:MM:SS[.ffffff]``, hours past 24 for a duration."""
    if isinstance(v, dt.time):
        return f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}{_fraction(v.microsecond, fsp)}"
    total = v // dt.timedelta(microseconds=1)
    sign = "-" if total < 0 else ""
    seconds, us = divmod(abs(total), 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}{_fraction(us, fsp)}"


def datetime_text(v: dt.datetime, fsp: int | None = None) -> str:
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}{_fraction(v.microsecond, fsp)}"
    )


def json_text(v: object) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)


def text_of(v: object, fsp: int | None = None) -> bytes:
    """The text-protocol form of a non-NULL value, chosen by its Python type."""
    if isinstance(v, str):
        return v.encode("utf-8", "surrogateescape")
    if isinstance(v, bool):
        return b"1" if v else b"0"
    if isinstance(v, int):
        return str(v).encode()
    if isinstance(v, float):
        return double_text(v).encode()
    if isinstance(v, Decimal):
        return format(v, "f").encode()
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v)
    if isinstance(v, dt.datetime):
        return datetime_text(v, fsp).encode()
    if isinstance(v, dt.date):
        return v.isoformat().encode()
    if isinstance(v, dt.time | dt.timedelta):
        return time_text(v, fsp).encode()
    if isinstance(v, uuid.UUID):
        return str(v).encode()
    if isinstance(v, dict | list | tuple):
        return json_text(list(v) if isinstance(v, tuple) else v).encode()
    return str(v).encode("utf-8", "surrogateescape")


Encoder = Callable[[object], bytes]


def text_encoder(t: MyType) -> Encoder:
    """A function from a non-NULL value to its length-encoded text cell for a column of ``t``."""
    if t.code == FLOAT:
        return lambda v: p.lenenc_str(
            float_text(float(v), single=True).encode() if isinstance(v, float) else text_of(v)
        )
    if t.code in (DATETIME, TIMESTAMP, TIME):
        fsp = t.fsp
        return lambda v: p.lenenc_str(text_of(v, fsp))
    if t.code == TINY:
        return lambda v: p.lenenc_str(b"1" if v is True else b"0" if v is False else text_of(v))
    if t.code == YEAR:  # four digits, as MySQL's ZEROFILL YEAR(4): 0000
        return lambda v: p.lenenc_str(
            f"{v:04d}".encode() if isinstance(v, int) and not isinstance(v, bool) else text_of(v))
    return text_cell


_SHORT_LENGTH = [bytes((n,)) for n in range(251)]


def text_cell(v: object) -> bytes:
    """A non-NULL value as a length-encoded text cell; strings (most cells) take a short cut."""
    if type(v) is str:
        try:
            data = v.encode()
        except UnicodeEncodeError:  # a raw byte kept as a lone surrogate
            data = v.encode("utf-8", "surrogateescape")
        n = len(data)
        return (_SHORT_LENGTH[n] if n < 251 else p.lenenc_int(n)) + data
    if type(v) is float:  # (a double's text is short)
        data = double_text(v).encode()
        return _SHORT_LENGTH[len(data)] + data
    return p.lenenc_str(text_of(v))


def text_row(row: Sequence[object], encoders: Sequence[Encoder]) -> bytes:
    return b"".join(
        [b"\xfb" if v is None else enc(v) for v, enc in zip(row, encoders, strict=False)]
    )


# --- binary protocol ------------------------------------------------------------------------


def _as_int(v: object) -> int:
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float | Decimal):
        return int(v)
    return int(str(v).strip())


def _as_datetime(v: object) -> dt.datetime | dt.date:
    if isinstance(v, dt.date):
        return v
    text = v.decode() if isinstance(v, bytes) else str(v)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return dt.date.fromisoformat(text)


def _binary_datetime(v: object, date_only: bool) -> bytes:
    value = _as_datetime(v)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    head = struct.pack("<HBB", value.year, value.month, value.day)
    if date_only or not isinstance(value, dt.datetime):
        return b"\x04" + head
    clock = bytes((value.hour, value.minute, value.second))
    if value.microsecond:
        return b"\x0b" + head + clock + struct.pack("<I", value.microsecond)
    if value.hour or value.minute or value.second:
        return b"\x07" + head + clock
    return b"\x04" + head


def _binary_time(v: object) -> bytes:
    if isinstance(v, dt.time):
        v = dt.timedelta(
            hours=v.hour, minutes=v.minute, seconds=v.second, microseconds=v.microsecond
        )
    elif not isinstance(v, dt.timedelta):
        v = parse_time(str(v))
    total = v // dt.timedelta(microseconds=1)
    negative = total < 0
    seconds, us = divmod(abs(total), 1_000_000)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    body = struct.pack("<BIBBB", negative, days, hours, minutes, secs)
    if us:
        return b"\x0c" + body + struct.pack("<I", us)
    if total:
        return b"\x08" + body
    return b"\x00"


def _binary_longlong(v: object) -> bytes:
    n = 1 if v is True else 0 if v is False else _as_int(v)
    return struct.pack("<Q" if n >= 1 << 63 else "<q", n)


def binary_encoder(t: MyType) -> Encoder:
    """A function from a non-NULL value to its binary-protocol form for a column of ``t``."""
    code = t.code
    unsigned = bool(t.flags & UNSIGNED_FLAG)
    if code == TINY:
        tiny = struct.Struct("<B" if unsigned else "<b").pack
        return lambda v: tiny(1 if v is True else 0 if v is False else _as_int(v))
    if code in (SHORT, YEAR):  # 2 bytes
        short = struct.Struct("<H" if unsigned else "<h").pack
        return lambda v: short(_as_int(v))
    if code in (LONG, INT24):  # 4 bytes, INT24 too
        long = struct.Struct("<I" if unsigned else "<i").pack
        return lambda v: long(_as_int(v))
    if code == LONGLONG:
        return _binary_longlong
    if code == FLOAT:
        return lambda v: struct.pack("<f", float(v))  # type: ignore[arg-type]
    if code == DOUBLE:
        return lambda v: struct.pack("<d", float(v))  # type: ignore[arg-type]
    if code == DATE:
        return lambda v: _binary_datetime(v, True)
    if code in (DATETIME, TIMESTAMP):
        return lambda v: _binary_datetime(v, False)
    if code == TIME:
        return _binary_time
    return text_encoder(t)


_NO_NULLS = [b"\x00" + bytes((n + 9) // 8) for n in range(64)]  # header of a row without NULL


def binary_row(row: Sequence[object], encoders: Sequence[Encoder]) -> bytes:
    """A binary-protocol row: 0x00, the NULL bitmap (offset 2), the non-NULL values."""
    n = len(encoders)
    if n < 64 and None not in row:
        try:
            return _NO_NULLS[n] + b"".join([enc(v) for enc, v in zip(encoders, row, strict=False)])
        except (ValueError, TypeError, OverflowError, struct.error):
            pass  # the loop below names the value
    bitmap = bytearray((n + 9) // 8)
    values = []
    for i, (v, enc) in enumerate(zip(row, encoders, strict=False)):
        if v is None:
            bitmap[(i + 2) >> 3] |= 1 << ((i + 2) & 7)
        else:
            try:
                values.append(enc(v))
            except (ValueError, TypeError, OverflowError, struct.error) as exc:
                raise SqlError(
                    "22018",
                    f"cannot send value {str(v)[:40]!r} in the binary protocol: {exc}",
                    errno=1366,
                ) from None
    return b"\x00" + bytes(bitmap) + b"".join(values)


# --- binary-protocol parameters -------------------------------------------------------------


def _bad_param(what: str) -> SqlError:
    return SqlError(
        "HY000", f"Incorrect arguments to mysqld_stmt_execute ({what})", errno=ER_WRONG_ARGUMENTS
    )


def parse_time(text: str) -> dt.timedelta:
    """A MySQL TIME literal (``[-][D ]HH:MM:SS[.f]``) as a duration."""
    s = text.strip()
    negative = s.startswith("-")
    s = s.lstrip("-")
    days = 0
    if " " in s:
        d, s = s.split(" ", 1)
        days = int(d)
    parts = s.split(":")
    seconds = float(parts[-1]) if parts else 0.0
    hours = int(parts[0]) if len(parts) >= 2 else 0
    minutes = int(parts[1]) if len(parts) >= 3 else 0
    td = dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return -td if negative else td


def _text_param(data: bytes, code: int) -> object:
    if code in _BYTES_PARAMS:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # a client sends bytes as MYSQL_TYPE_STRING too
    if code in (DECIMAL, NEWDECIMAL):
        try:
            return Decimal(text)
        except InvalidOperation:
            raise _bad_param(f"invalid decimal {text[:40]!r}") from None
    return text


def long_data_param(data: bytes, code: int) -> object:
    """A parameter sent with COM_STMT_SEND_LONG_DATA, typed by its execute's type code."""
    return _text_param(data, code if code in _TEXT_PARAMS or code in _BYTES_PARAMS else BLOB)


def _datetime_param(data: bytes, code: int) -> object:
    n = len(data)
    if n not in (0, 4, 7, 11):
        raise _bad_param(f"invalid date/time length {n}")
    if n == 0:
        return "0000-00-00" if code == DATE else "0000-00-00 00:00:00"
    year, month, day = struct.unpack_from("<HBB", data)
    hour = minute = second = us = 0
    if n >= 7:
        hour, minute, second = data[4], data[5], data[6]
    if n == 11:
        (us,) = struct.unpack_from("<I", data, 7)
    try:
        if code == DATE:
            return dt.date(year, month, day)
        return dt.datetime(year, month, day, hour, minute, second, us)
    except ValueError:
        if code == DATE:
            return f"{year:04d}-{month:02d}-{day:02d}"
        return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"


def _time_param(data: bytes) -> dt.timedelta:
    n = len(data)
    if n not in (0, 8, 12):
        raise _bad_param(f"invalid time length {n}")
    if n == 0:
        return dt.timedelta(0)
    negative, days, hours, minutes, seconds = struct.unpack_from("<BIBBB", data)
    us = struct.unpack_from("<I", data, 8)[0] if n == 12 else 0
    td = dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, microseconds=us)
    return -td if negative else td


_INT_FORMATS = {TINY: "b", SHORT: "h", YEAR: "h", LONG: "i", INT24: "i", LONGLONG: "q"}
_INTS = {
    (code, unsigned): struct.Struct("<" + (fmt.upper() if unsigned else fmt))
    for code, fmt in _INT_FORMATS.items()
    for unsigned in (False, True)
}


def fixed_layout(types: list[tuple[int, bool]]) -> struct.Struct | None:
    """One ``Struct`` that reads every parameter value of an execute at once, when each of
    ``types`` has a fixed size (the integers, FLOAT, DOUBLE: what ``read_param`` unpacks
    with the same format); None otherwise."""
    fmt = "<"
    for code, unsigned in types:
        layout = _INTS.get((code, unsigned))
        if layout is not None:
            fmt += layout.format[1:]
        elif code == DOUBLE:
            fmt += "d"
        elif code == FLOAT:
            fmt += "f"
        else:
            return None
    return struct.Struct(fmt)


def read_param(r: p.Reader, code: int, unsigned: bool) -> object:
    """One binary-protocol parameter value of type ``code`` from a COM_STMT_EXECUTE."""
    layout = _INTS.get((code, unsigned))
    if layout is not None:
        return layout.unpack(r.take(layout.size))[0]
    if code == DOUBLE:
        return struct.unpack("<d", r.take(8))[0]
    if code == FLOAT:
        return struct.unpack("<f", r.take(4))[0]
    if code in _TEXT_PARAMS or code in _BYTES_PARAMS:
        return _text_param(r.lenenc_bytes(), code)
    if code in (DATE, DATETIME, TIMESTAMP, NEWDATE):
        return _datetime_param(r.take(r.u8()), DATE if code == NEWDATE else code)
    if code == TIME:
        return _time_param(r.take(r.u8()))
    if code == NULL:
        return None
    raise _bad_param(f"unsupported parameter type {code}")
