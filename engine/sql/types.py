"""PostgreSQL types as this engine stores them in SQLite, and back.

Each declared PostgreSQL type has an OID, a SQLite column affinity and a decoder that turns
the stored value into the Python value the wire front end encodes. Storage conventions:
integers and booleans as INTEGER (0/1); float4/float8 as REAL; NUMERIC with no affinity
(BLOB) holding an INTEGER or REAL when that is exactly the decimal value, else the decimal
as TEXT, so no digit is ever lost and common values still compare numerically;
timestamps, dates, times, intervals, uuid and json as TEXT (ISO 8601; timestamptz in UTC
with an explicit offset); arrays as JSON text; bytea as BLOB.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation

from aurora.engine.sql import arrays, datetime_in, interval, numeric
from aurora.engine.sqlapi import SqlError


@dataclass(frozen=True)
class PgType:
    """One PostgreSQL type: name as format_type prints it, OID, size and SQLite affinity."""

    name: str
    oid: int
    typname: str
    size: int
    affinity: str
    category: str
    array_oid: int = 0
    elem_oid: int = 0


_TYPES = [
    PgType("boolean", 16, "bool", 1, "INTEGER", "B", 1000),
    PgType("bytea", 17, "bytea", -1, "BLOB", "U", 1001),
    PgType('"char"', 18, "char", 1, "TEXT", "S", 1002),
    PgType("name", 19, "name", 64, "TEXT", "S", 1003),
    PgType("bigint", 20, "int8", 8, "INTEGER", "N", 1016),
    PgType("smallint", 21, "int2", 2, "INTEGER", "N", 1005),
    PgType("int2vector", 22, "int2vector", -1, "TEXT", "A", 1006, 21),
    PgType("integer", 23, "int4", 4, "INTEGER", "N", 1007),
    PgType("regproc", 24, "regproc", 4, "INTEGER", "N", 1008),
    PgType("text", 25, "text", -1, "TEXT", "S", 1009),
    PgType("oid", 26, "oid", 4, "INTEGER", "N", 1028),
    PgType("oidvector", 30, "oidvector", -1, "TEXT", "A", 1013, 26),
    PgType("json", 114, "json", -1, "TEXT", "U", 199),
    PgType("real", 700, "float4", 4, "REAL", "N", 1021),
    PgType("double precision", 701, "float8", 8, "REAL", "N", 1022),
    PgType("unknown", 705, "unknown", -2, "TEXT", "X"),
    PgType("money", 790, "money", 8, "BLOB", "N", 791),
    PgType("character", 1042, "bpchar", -1, "TEXT", "S", 1014),
    PgType("character varying", 1043, "varchar", -1, "TEXT", "S", 1015),
    PgType("date", 1082, "date", 4, "TEXT", "D", 1182),
    PgType("time without time zone", 1083, "time", 8, "TEXT", "D", 1183),
    PgType("timestamp without time zone", 1114, "timestamp", 8, "TEXT", "D", 1115),
    PgType("timestamp with time zone", 1184, "timestamptz", 8, "TEXT", "D", 1185),
    PgType("interval", 1186, "interval", 16, "TEXT", "T", 1187),
    PgType("time with time zone", 1266, "timetz", 12, "TEXT", "D", 1270),
    PgType("numeric", 1700, "numeric", -1, "BLOB", "N", 1231),
    PgType("regclass", 2205, "regclass", 4, "INTEGER", "N", 2210),
    PgType("regtype", 2206, "regtype", 4, "INTEGER", "N", 2211),
    PgType("regnamespace", 4089, "regnamespace", 4, "INTEGER", "N", 4090),
    PgType("record", 2249, "record", -1, "TEXT", "P", 2287),
    PgType("void", 2278, "void", 4, "TEXT", "P"),
    PgType("uuid", 2950, "uuid", 16, "TEXT", "U", 2951),
    PgType("jsonb", 3802, "jsonb", -1, "TEXT", "U", 3807),
    PgType("tsvector", 3614, "tsvector", -1, "TEXT", "U", 3643),
    PgType("tsquery", 3615, "tsquery", -1, "TEXT", "U", 3645),
    PgType("xid", 28, "xid", 4, "INTEGER", "U", 1011),
    PgType("pg_lsn", 3220, "pg_lsn", 8, "TEXT", "U", 3221),
    PgType("inet", 869, "inet", -1, "TEXT", "I", 1041),
    PgType("aclitem", 1033, "aclitem", 12, "TEXT", "U", 1034),
    PgType("pg_node_tree", 194, "pg_node_tree", -1, "TEXT", "S"),
    PgType("anyarray", 2277, "anyarray", -1, "TEXT", "P"),
    PgType("trigger", 2279, "trigger", 4, "TEXT", "P"),
]

BY_OID: dict[int, PgType] = {t.oid: t for t in _TYPES}
for _t in list(_TYPES):
    if _t.array_oid:
        _arr = PgType(_t.name + "[]", _t.array_oid, "_" + _t.typname, -1, "TEXT", "A", 0, _t.oid)
        _TYPES.append(_arr)
        BY_OID[_arr.oid] = _arr

# Every spelling PostgreSQL (and sqlglot's names for it) uses for a type, to its OID.
ALIASES: dict[str, int] = {}
for _t in _TYPES:
    ALIASES[_t.typname] = _t.oid
    ALIASES[_t.name] = _t.oid
ALIASES.update(
    {
        "bool": 16,
        "int": 23,
        "int4": 23,
        "integer": 23,
        "serial": 23,
        "serial4": 23,
        "bigint": 20,
        "int8": 20,
        "bigserial": 20,
        "serial8": 20,
        "smallint": 21,
        "int2": 21,
        "smallserial": 21,
        "serial2": 21,
        "tinyint": 21,
        "float": 701,
        "double": 701,
        "float8": 701,
        "float4": 700,
        "real": 700,
        "decimal": 1700,
        "numeric": 1700,
        "varchar": 1043,
        "char": 1042,
        "bpchar": 1042,
        "nchar": 1042,
        "character": 1042,
        "string": 25,
        "text": 25,
        "citext": 25,
        "timestamp": 1114,
        "datetime": 1114,
        "timestamptz": 1184,
        "timestampltz": 1184,
        "timetz": 1266,
        "time": 1083,
        "json": 114,
        "jsonb": 3802,
        "uuid": 2950,
        "bytea": 17,
        "blob": 17,
        "varbinary": 17,
        "binary": 17,
        "name": 19,
        "oid": 26,
        "regclass": 2205,
        "regtype": 2206,
        "regproc": 24,
        "regprocedure": 24,
        "regnamespace": 4089,
        "date": 1082,
        "interval": 1186,
        "money": 790,
        "xid": 28,
        "inet": 869,
        "cidr": 869,
        "bit": 1043,
        "varbit": 1043,
        "userdefined": 25,
        "unknown": 705,
        '"char"': 18,
    }
)

BOOL, INT2, INT4, INT8, TEXT, OID, FLOAT8, NUMERIC = 16, 21, 23, 20, 25, 26, 701, 1700
INTEGER_OIDS = frozenset({20, 21, 23, 26, 24, 28})
SERIAL_NAMES = {
    "serial": 23,
    "serial4": 23,
    "bigserial": 20,
    "serial8": 20,
    "smallserial": 21,
    "serial2": 21,
}


def lookup_oid(name: str) -> int | None:
    """``to_regtype``: the OID of a type this engine knows, else None."""
    n = name.strip().lower().replace("pg_catalog.", "").strip('"')
    if n.endswith("[]"):
        elem = lookup_oid(n[:-2])
        t = BY_OID.get(elem) if elem else None
        return t.array_oid if t and t.array_oid else None
    n = re.sub(r"\s*\(.*\)", "", n)
    return ALIASES.get(n) if n not in ("userdefined", "unknown") else None


def oid_of(name: str) -> int:
    """The OID of a type name as written in SQL (``int4``, ``character varying``, ``text[]``)."""
    n = name.strip().lower().replace("pg_catalog.", "").strip('"')
    if n.endswith("]"):  # int[], int[][] and int[3] are all int's array type
        elem = oid_of(re.sub(r"(\s*\[\s*\d*\s*\])+$", "", n))
        t = BY_OID.get(elem)
        return t.array_oid if t and t.array_oid else 1009
    n = re.sub(r"\s*\(.*\)", "", n)
    if n in ALIASES:
        return ALIASES[n]
    if n.startswith("timestamp"):
        return 1184 if "with time zone" in n and "without" not in n else 1114
    if n.startswith("time"):
        return 1266 if "with time zone" in n and "without" not in n else 1083
    if n.startswith(("character varying", "varchar")):
        return 1043
    if n.startswith("double"):
        return 701
    return 25


def typmod_of(name: str, oid: int) -> int:
    """PostgreSQL's atttypmod for a declared type (``numeric(10,2)``, ``varchar(20)``)."""
    m = re.search(r"\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)", name)
    if not m:
        return -1
    a = int(m.group(1))
    if oid == NUMERIC:
        return numeric_typmod(a, int(m.group(2) or 0))
    if oid in (1042, 1043, 1014, 1015):  # char(n), varchar(n) and their arrays
        return a + 4
    if oid in (1083, 1114, 1184, 1266):
        return a
    if oid == 1186:  # interval(p): every field, p digits of seconds (or translate's typmod)
        return a if a > interval.FULL_PRECISION else interval.typmod(None, None, a)
    return -1


def is_array(oid: int) -> bool:
    """Whether ``oid`` is an array type."""
    info = BY_OID.get(oid)
    return info is not None and info.category == "A"


def format_type(oid: int | None, typmod: int | None = -1) -> str | None:
    """``pg_catalog.format_type``: the SQL spelling of a type and its modifier."""
    if oid is None:
        return None
    t = BY_OID.get(int(oid))
    if t is None:
        return "???"
    name = t.name
    tm = -1 if typmod is None else int(typmod)
    if tm >= 0:
        if t.oid == NUMERIC and tm >= 4:
            precision, scale = numeric_precision_scale(tm)  # type: ignore[misc]
            name = f"numeric({precision},{scale})"
        elif t.oid in (1042, 1043) and tm >= 4:
            name = f"{name}({tm - 4})"
        elif t.oid in (1014, 1015) and tm >= 4:
            name = f"{name[:-2]}({tm - 4})[]"
        elif t.oid in (1114, 1184):
            name = name.replace("timestamp", f"timestamp({tm})", 1)
        elif t.oid == 1186:
            name = interval.type_name(tm)
    return name


def numeric_typmod(precision: int, scale: int) -> int:
    """numeric(p,s)'s typmod as numeric.c packs it: the scale in 11 bits, two's complement
    (PostgreSQL 15 takes scales from -1000 to 1000, also above the precision)."""
    return ((precision << 16) | (scale & 0x7FF)) + 4


def numeric_precision_scale(typmod: int) -> tuple[int, int] | None:
    """(precision, scale) of a numeric(p,s) typmod; None for plain numeric."""
    if typmod is None or typmod < 4:
        return None
    return (typmod - 4) >> 16, (((typmod - 4) & 0x7FF) ^ 1024) - 1024


def numeric_scale(typmod: int) -> int | None:
    """The display scale of a numeric(p,s) value: s, or 0 for a negative s."""
    ps = numeric_precision_scale(typmod)
    return None if ps is None else max(ps[1], 0)


# --- values into SQLite -------------------------------------------------------------------


def decimal_to_storage(d: Decimal) -> int | float | str:
    """The exact-storage form of a NUMERIC value (see the module docstring)."""
    return numeric.stored(numeric.value(d))  # type: ignore[arg-type]


def numeric_in(value: object) -> object:
    """Coerce any value written to a NUMERIC column to its exact-storage form."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return decimal_to_storage(value)
    if isinstance(value, (str, bytes)):
        return numeric.stored(numeric.value(value))  # type: ignore[arg-type]
    return value


# bool.c's parse_bool: any prefix of true / false / yes / no, on, of(f), 1 and 0
_TRUE = {"t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"}
_FALSE = {"f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"}


def bool_in(value: object) -> object:
    if value is None or isinstance(value, int):
        return None if value is None else int(bool(value))
    if isinstance(value, (str, bytes)):
        s = (value.decode() if isinstance(value, bytes) else value).strip().lower()
        if s in _TRUE:
            return 1
        if s in _FALSE:
            return 0
        raise SqlError("22P02", f'invalid input syntax for type boolean: "{value!s}"')
    return int(bool(value))


_UUID = re.compile(r"(\{)?((?:[0-9a-fA-F]{4}-?){7}[0-9a-fA-F]{4})(\})?")


def uuid_in(value: object) -> object:
    """uuid input as uuid.c reads it: 32 hex digits, a hyphen allowed after any group of
    four, the whole optionally in braces; stored in the canonical lower-case form."""
    if value is None or isinstance(value, uuid.UUID):
        return None if value is None else str(value)
    s = value.decode() if isinstance(value, bytes) else str(value)
    m = _UUID.fullmatch(s)
    if m is None or bool(m.group(1)) != bool(m.group(3)) or s.endswith("-}") or s.endswith("-"):
        raise SqlError("22P02", f'invalid input syntax for type uuid: "{s}"')
    return str(uuid.UUID(hex=m.group(2).replace("-", "")))


def to_sqlite(value: object) -> object:
    """A Python parameter value as APSW can bind it, in this module's storage form."""
    if value is None or type(value) in (int, str, float, bytes):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        # A numeric parameter keeps its scale ($1 * 2 with 1.50 is 3.00); writes to a
        # column still store it with pg_numeric.
        return numeric.scaled(numeric.value(value))  # type: ignore[arg-type]
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
            return value.isoformat(" ", "microseconds")
        return value.isoformat(" ", "microseconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return interval_text(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return str(value)


def interval_text(td: dt.timedelta) -> str:
    secs = td.seconds + td.microseconds / 1e6
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    body = f"{int(h):02d}:{int(m):02d}:{s:09.6f}".rstrip("0").rstrip(".")
    return f"{td.days} days {body}" if td.days else body


# --- values out of SQLite -----------------------------------------------------------------

Decoder = Callable[[object], object]


def _dec_bool(v: object) -> object:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, str):
        return v.strip().lower() in _TRUE
    return bool(v)


def _dec_int(v: object) -> object:
    if v is None or type(v) is int:
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        try:
            return int(v)
        except ValueError:
            return v
    return v


def _dec_float(v: object) -> object:
    if v is None or type(v) is float:
        return v
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return v


def _make_numeric(scale: int | None) -> Decoder:
    q = Decimal(1).scaleb(-scale) if scale is not None else None

    def dec(v: object) -> object:
        if v is None or isinstance(v, Decimal):
            return v
        if isinstance(v, float):
            d = Decimal(repr(v))
        elif isinstance(v, (int, str)):
            try:
                d = Decimal(v)
            except InvalidOperation:
                return v
        elif isinstance(v, bytes):
            d = Decimal(v.decode())
        else:
            return v
        if q is not None and d.is_finite():
            d = d.quantize(q, context=_WIDE)
        return d

    return dec


# Wide enough for any numeric PostgreSQL holds (131072 digits before the point, 16383 after).
_WIDE = Context(prec=147_500)
_dec_numeric = _make_numeric(None)


def _dec_text(v: object) -> object:
    if v is None or type(v) is str:
        return v
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, float) and v.is_integer():
        return repr(v)
    return str(v)


_BYTEA_ESCAPE = re.compile(r"\\\\|\\([0-3][0-7][0-7])|\\")


def bytea_in(value: object) -> object:
    """bytea input: bytes as they are; text in the hex (``\\x0a1b``) or escape format."""
    if value is None or isinstance(value, bytes):
        return value
    text = str(value)
    if text.startswith("\\x"):
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            raise SqlError("22P02", "invalid hexadecimal data") from None

    out = bytearray()
    pos = 0
    for m in _BYTEA_ESCAPE.finditer(text):
        out += text[pos : m.start()].encode()
        if m.group(1) is not None:
            out.append(int(m.group(1), 8))
        elif m.group(0) == "\\\\":
            out.append(0x5C)
        else:
            raise SqlError("22P02", "invalid input syntax for type bytea")
        pos = m.end()
    out += text[pos:].encode()
    return bytes(out)


def _dec_bytes(v: object) -> object:
    if v is None or isinstance(v, bytes):
        return v
    return str(v).encode()


def parse_timestamp(s: str, tz: dt.tzinfo = dt.UTC) -> dt.datetime:
    """A timestamp's text as PostgreSQL reads it (ISO 8601 fast; ``tz`` is for today/now)."""
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    m = re.match(r"(.*[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)([+-]\d\d)(?::?(\d\d))?$", s)
    if m and m.group(3) is None:
        s = m.group(1) + m.group(2) + ":00"
    elif m:
        s = m.group(1) + m.group(2) + ":" + m.group(3)
    try:
        return dt.datetime.fromisoformat(s)
    except ValueError:
        return datetime_in.parse(s, tz=tz)


# --- dates and timestamps outside Python's years 1 to 9999 ---------------------------------
# A BC year (astronomical year y <= 0, 1 BC being 0) is stored as "." and y + 9999 in four
# digits, a year after 9999 as "A" and seven digits, then the ISO text's month, day, time
# and offset. So every stored text sorts as its value does: -infinity < BC < ordinary
# years < later years < infinity, in SQLite's own comparisons and indexes.
_FAR = re.compile(r"(?:\.(\d{4})|A(\d{7}))(-.*)")
TIMESTAMP_MIN = (-4713, 11, 24)  # 4714-11-24 BC, Julian day 0
TIMESTAMP_MAX_YEAR, DATE_MAX_YEAR = 294276, 5874897


def far_store(proxy_text: str, year: int) -> str:
    """The storage text of a value whose ISO text, ``proxy_text``, has a four-digit
    stand-in year, with its true (astronomical) ``year``."""
    rest = proxy_text[proxy_text.index("-", 1):]
    if year <= 0:
        return f".{year + 9999:04d}{rest}"
    if year > 9999:
        return f"A{year:07d}{rest}"
    return f"{year:04d}{rest}"


def far_read(v: str) -> tuple[str, int] | None:
    """(ISO text with a stand-in year, how many years it was moved) for a stored BC or
    after-9999 value; None for any other text."""
    m = _FAR.match(v)
    if m is None:
        return None
    year = int(m.group(1)) - 9999 if m.group(1) else int(m.group(2))
    shift = datetime_in.far_shift(year)
    return f"{year + shift:04d}{m.group(3)}", shift


def _far_text(v: str, tz: dt.tzinfo, kind: str) -> object:
    """PostgreSQL's ISO output of a stored BC or after-9999 value (a text: Python's
    datetime cannot hold it), or an ordinary datetime when the session's zone brings a
    timestamptz back into years 1 to 9999."""
    proxy, shift = far_read(v) or (v, 0)
    if kind == "date":
        year, rest = int(proxy[:4]) - shift, proxy[4:10]
        return _year_text(year) + rest + (" BC" if year <= 0 else "")
    d = dt.datetime.fromisoformat(proxy)
    if kind == "timestamptz":
        d = (d if d.tzinfo else d.replace(tzinfo=dt.UTC)).astimezone(tz)
    year = d.year - shift
    if 1 <= year <= 9999:
        return d.replace(year=year)
    frac = f".{d.microsecond:06d}".rstrip("0") if d.microsecond else ""
    out = f"{_year_text(year)}-{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}:{d.second:02d}{frac}"
    if kind == "timestamptz":
        out += _offset_text(d.utcoffset())
    return out + (" BC" if year <= 0 else "")


def _year_text(year: int) -> str:
    return f"{1 - year:04d}" if year <= 0 else f"{year:04d}"


def _offset_text(offset: dt.timedelta | None) -> str:
    """A UTC offset as PostgreSQL prints it: +00, -07:52:58."""
    seconds = int(offset.total_seconds()) if offset else 0
    sign = "-" if seconds < 0 else "+"
    h, rest = divmod(abs(seconds), 3600)
    m, sec = divmod(rest, 60)
    return f"{sign}{h:02d}" + (f":{m:02d}" if m or sec else "") + (f":{sec:02d}" if sec else "")


def make_decoder(oid: int, typmod: int, tz: dt.tzinfo) -> Decoder | None:
    """The function that turns a stored value of this type into its Python value (None: as is)."""
    if oid == BOOL:
        return _dec_bool
    if oid in INTEGER_OIDS:
        return _dec_int
    if oid in (700, 701):
        return _dec_float
    if oid == NUMERIC:
        scale = numeric_scale(typmod)
        return _dec_numeric if scale is None else _make_numeric(scale)
    if oid in (1042, 1043) and typmod > 4:
        return _make_char_decoder(typmod - 4, oid == 1042)
    if oid in (25, 1043, 1042, 19, 18, 705, 2205, 2206, 4089):
        return _dec_text
    if oid == 17:
        return _dec_bytes
    if oid in (114, 3802):
        return _dec_json  # json keeps the text as written, jsonb is stored as it prints
    if oid == 2950:
        return lambda v: uuid.UUID(v) if isinstance(v, str) else v
    if oid == 1082:
        return _dec_date
    if oid == 1186:
        return _dec_interval
    if oid == 1083:
        return _dec_time
    if oid == 1114:
        return lambda v: _dec_timestamp(v, tz, False)
    if oid == 1184:
        return lambda v: _dec_timestamp(v, tz, True)
    if oid in (22, 30):
        return _dec_vector
    t = BY_OID.get(oid)
    if t is not None and t.category == "A":
        return _make_array_decoder(t.elem_oid, tz)
    return None


def _dec_vector(v: object) -> object:
    """int2vector / oidvector print as space-separated numbers, not as an array literal."""
    if isinstance(v, str) and v.startswith("["):
        return " ".join(str(x) for x in json.loads(v))
    return v


def _dec_json(v: object) -> object:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return json.dumps(v)
    return _dec_text(v)


def _make_char_decoder(n: int, pad: bool) -> Decoder:
    """char(n) shows its value padded with spaces to n; both char(n) and varchar(n) drop the
    trailing spaces past n that their length check let in (PostgreSQL truncates them)."""

    def dec(v: object) -> object:
        if type(v) is not str:  # (a string, nearly always: no second call for it)
            v = _dec_text(v)
            if not isinstance(v, str):
                return v
        if len(v) > n:
            v = v[:n]
        return v.ljust(n) if pad else v

    if not pad:
        dec.max_chars = n  # type: ignore[attr-defined]  # a string this long is its own value
    return dec


def _dec_interval(v: object) -> object:
    if isinstance(v, str):
        try:
            return interval.output(v)
        except SqlError:
            return v
    return v


def _dec_time(v: object) -> object:
    if not isinstance(v, str):
        return v
    try:
        return dt.time.fromisoformat(v)
    except ValueError:
        if re.fullmatch(r"\s*24:00(:00(\.0*)?)?\s*", v):
            return "24:00:00"       # PostgreSQL's end of day, which Python's time cannot hold
        return datetime_in.parse(v, "time").time()


def _dec_date(v: object) -> object:
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return _far_text(v, dt.UTC, "date") if _FAR.match(v) else v
    return v


def _dec_timestamp(v: object, tz: dt.tzinfo, aware: bool) -> object:
    if v in ("infinity", "-infinity"):
        return v  # stored as that text, which sorts after (before) every ISO timestamp
    if isinstance(v, str) and _FAR.match(v):
        return _far_text(v, tz, "timestamptz" if aware else "timestamp")
    if not isinstance(v, str):
        if isinstance(v, (int, float)):
            v = dt.datetime.fromtimestamp(v, dt.UTC)
        else:
            return v
    else:
        try:
            v = parse_timestamp(v)
        except ValueError:
            return v
    assert isinstance(v, dt.datetime)
    if aware:
        if v.tzinfo is None:
            v = v.replace(tzinfo=dt.UTC)
        return v.astimezone(tz)
    if v.tzinfo is not None:
        v = v.astimezone(tz).replace(tzinfo=None)
    return v


def _make_array_decoder(elem_oid: int, tz: dt.tzinfo) -> Decoder:
    inner = make_decoder(elem_oid, -1, tz)

    def dec(v: object) -> object:
        if isinstance(v, (int, float)):
            return [v]
        return arrays.output(v, inner)

    return dec


def parse_array_literal(s: str) -> list | str:
    """A PostgreSQL array literal such as ``{1,2,"a b"}`` to nested lists of strings (and
    None); any other text is returned as is."""
    if not s.lstrip().startswith(("{", "[")):
        return s
    try:
        return arrays.parse_literal(s)[0]
    except SqlError:
        return s


def array_in(elem_oid: int, s: str) -> str:
    """An array literal to its storage form, each element through its type's input (22P02)."""
    if elem_oid in (0, TEXT, 1043, 1042, 19, 705):
        conv = None
    elif elem_oid == 1186:
        conv = interval.normalize
    else:
        conv = lambda x: text_in(elem_oid, x)  # noqa: E731
    items, lbounds = arrays.parse_literal(s, conv)
    return arrays.store(items, lbounds)


# --- text input (COPY FROM, casts) ---------------------------------------------------------


def inet_in(s: str) -> str:
    """inet (and cidr, which shares it here) input in PostgreSQL's output form: an IPv4 or
    IPv6 address, with its prefix length unless it is the whole address ('10.1.2.3/8',
    '::1'); ValueError for anything else."""
    import ipaddress

    text = s.strip()
    if "/" in text:
        address, bits = text.split("/", 1)
        if not bits.isdigit():
            raise ValueError(text)
        iface = ipaddress.ip_interface(f"{ipaddress.ip_address(address)}/{int(bits)}")
        if iface.network.prefixlen != iface.max_prefixlen:
            return f"{iface.ip}/{iface.network.prefixlen}"
        return str(iface.ip)
    return str(ipaddress.ip_address(text))


def text_in(oid: int, s: str) -> object:
    """A text field (COPY, a text-format parameter) to its storage form for a column type."""
    try:
        if oid in INTEGER_OIDS:
            return int(s)
        if oid in (700, 701):
            return float(s)
        if oid == NUMERIC:
            return numeric_in(s)
        if oid == BOOL:
            return bool_in(s)
        if oid == 17:
            return bytea_in(s)
        if oid == 1184:
            return to_sqlite(
                parse_timestamp(s)
                if _HAS_TZ.search(s)
                else parse_timestamp(s).replace(tzinfo=dt.UTC)
            )
        if oid == 114:
            json.loads(s)
            return s
        if oid == 3802:
            from aurora.engine.sql import jsonb

            return jsonb.dumps(jsonb.loads(s))
        if oid == 2950:
            return uuid_in(s)
        if oid == 869:
            return inet_in(s)
        t = BY_OID.get(oid)
        if t is not None and t.category == "A":
            return array_in(t.elem_oid, s)
    except ValueError:
        name = BY_OID[oid].name if oid in BY_OID else str(oid)
        raise SqlError("22P02", f'invalid input syntax for type {name}: "{s}"') from None
    return s


_HAS_TZ = re.compile(r"(?:[+-]\d\d(?::?\d\d)?|Z)$")


def value_oid(v: object) -> int:
    """The type OID to describe a computed value with, from the Python value alone."""
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return INT8
    if isinstance(v, float):
        return FLOAT8
    if isinstance(v, Decimal):
        return NUMERIC
    if isinstance(v, bytes):
        return 17
    return TEXT
