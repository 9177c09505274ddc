"""Value codecs: Python values to and from PostgreSQL's text and binary wire formats, by type OID.

``encoder(oid, fmt)`` and ``decoder(oid, fmt)`` return cached one-argument functions, so
the hot path (one call per value) does no lookups. Encoders accept loosely typed values (an
int for a text column, a str for an int column), because a session describes columns before
it knows every value. Decoders raise :class:`SqlError` with PostgreSQL's SQLSTATE codes.
Unknown OIDs pass text through as ``str`` and binary as ``bytes``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import math
import re
import struct
import uuid
from collections.abc import Callable
from decimal import Decimal

from aurora.engine.sqlapi import SqlError

# Type OIDs (pg_type.oid) of the types this module knows.
BOOL, BYTEA, CHAR, NAME, INT8, INT2, INT4, TEXT, OID = 16, 17, 18, 19, 20, 21, 23, 25, 26
JSON, FLOAT4, FLOAT8, UNKNOWN, BPCHAR, VARCHAR = 114, 700, 701, 705, 1042, 1043
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, NUMERIC = 1082, 1083, 1114, 1184, 1186, 1700
UUID, JSONB = 2950, 3802

ARRAY_OF: dict[int, int] = {
    BOOL: 1000,
    BYTEA: 1001,
    CHAR: 1002,
    NAME: 1003,
    INT2: 1005,
    INT4: 1007,
    TEXT: 1009,
    OID: 1028,
    BPCHAR: 1014,
    VARCHAR: 1015,
    INT8: 1016,
    FLOAT4: 1021,
    FLOAT8: 1022,
    DATE: 1182,
    TIME: 1183,
    TIMESTAMP: 1115,
    TIMESTAMPTZ: 1185,
    INTERVAL: 1187,
    NUMERIC: 1231,
    UUID: 2951,
    JSON: 199,
    JSONB: 3807,
}
ELEMENT_OF: dict[int, int] = {arr: elem for elem, arr in ARRAY_OF.items()}

TEXT_FORMAT, BINARY_FORMAT = 0, 1

Encoder = Callable[[object], bytes]
Decoder = Callable[[bytes], object]

_EPOCH_DATE = dt.date(2000, 1, 1)
_EPOCH = dt.datetime(2000, 1, 1)
_EPOCH_TZ = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
_TYPE_NAMES = {
    BOOL: "boolean",
    INT2: "smallint",
    INT4: "integer",
    INT8: "bigint",
    OID: "oid",
    FLOAT4: "real",
    FLOAT8: "double precision",
    NUMERIC: "numeric",
    DATE: "date",
    TIME: "time without time zone",
    TIMESTAMP: "timestamp without time zone",
    TIMESTAMPTZ: "timestamp with time zone",
    INTERVAL: "interval",
    UUID: "uuid",
    JSON: "json",
    JSONB: "json",
    BYTEA: "bytea",
}


def _invalid(oid: int, text: object) -> SqlError:
    name = _TYPE_NAMES.get(oid, "unknown")
    code = "22007" if oid in (DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL) else "22P02"
    return SqlError(code, f'invalid input syntax for type {name}: "{text}"')


# --- text output ----------------------------------------------------------------------------


def _float_style(shortest: str, max_exp: int) -> str:
    """PostgreSQL's float output: shortest digits, exponent form outside [-4, max_exp)."""
    sign, digits, exp = Decimal(shortest).as_tuple()
    assert isinstance(exp, int)
    ds = "".join(map(str, digits))
    stripped = ds.rstrip("0")
    if not stripped:
        return "-0" if sign else "0"
    exp += len(ds) - len(stripped)
    sci = len(stripped) - 1 + exp
    minus = "-" if sign else ""
    if sci < -4 or sci >= max_exp:
        mantissa = stripped[0] + ("." + stripped[1:] if len(stripped) > 1 else "")
        return f"{minus}{mantissa}e{'-' if sci < 0 else '+'}{abs(sci):02d}"
    return format(Decimal((sign, tuple(int(c) for c in stripped), exp)), "f")


def float8_text(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return _float_style(repr(x), 15)


def float4_text(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        return float8_text(x)
    (single,) = struct.unpack("!f", struct.pack("!f", x))
    for precision in range(1, 10):
        candidate = f"{single:.{precision}g}"
        if struct.unpack("!f", struct.pack("!f", float(candidate)))[0] == single:
            return _float_style(candidate, 6)
    return _float_style(repr(single), 6)


def numeric_text(d: Decimal) -> str:
    if d.is_nan():
        return "NaN"
    if d.is_infinite():
        return "Infinity" if d > 0 else "-Infinity"
    return format(d, "f")


def _frac(us: int) -> str:
    return f".{us:06d}".rstrip("0") if us else ""


def _offset_text(offset: dt.timedelta | None) -> str:
    seconds = int(offset.total_seconds()) if offset else 0
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    out = f"{sign}{h:02d}"
    if m or s:
        out += f":{m:02d}"
    if s:
        out += f":{s:02d}"
    return out


def time_text(t: dt.time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}{_frac(t.microsecond)}"


def timestamp_text(v: dt.datetime, with_tz: bool) -> str:
    base = f"{v.year:04d}-{v.month:02d}-{v.day:02d} {time_text(v.timetz())}"
    if not with_tz:
        return base
    return base + _offset_text(v.utcoffset())


def interval_text(td: dt.timedelta) -> str:
    total = td // _US
    neg = total < 0
    total = abs(total)
    days, rest = divmod(total, 86_400_000_000)
    sign = "-" if neg else ""
    parts = []
    if days:
        parts.append(f"{sign}{days} day{'' if days == 1 and not neg else 's'}")
    if rest or not days:
        seconds, us = divmod(rest, 1_000_000)
        h, rest_s = divmod(seconds, 3600)
        m, s = divmod(rest_s, 60)
        parts.append(f"{sign}{h:02d}:{m:02d}:{s:02d}{_frac(us)}")
    return " ".join(parts)


def bytea_text(b: bytes) -> str:
    return "\\x" + bytes(b).hex()


def json_text(v: object) -> str:
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def text_of(v: object) -> str:
    """The PostgreSQL text form of a Python value, chosen by its Python type."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return float8_text(v)
    if isinstance(v, Decimal):
        return numeric_text(v)
    if isinstance(v, bytes | bytearray | memoryview):
        return bytea_text(bytes(v))
    if isinstance(v, dt.datetime):
        return timestamp_text(v, v.tzinfo is not None)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return time_text(v)
    if isinstance(v, dt.timedelta):
        return interval_text(v)
    if isinstance(v, dict):
        return json_text(v)
    if isinstance(v, list | tuple):
        return array_text(v, text_of)
    return str(v)


_ARRAY_QUOTE_RE = re.compile(r'[{}",\\\s]')


def array_text(values: list | tuple, elem: Callable[[object], str]) -> str:
    out = []
    for v in values:
        if v is None:
            out.append("NULL")
        elif isinstance(v, list | tuple):
            out.append(array_text(v, elem))
        else:
            s = elem(v)
            if s == "" or s.upper() == "NULL" or _ARRAY_QUOTE_RE.search(s):
                s = '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
            out.append(s)
    return "{" + ",".join(out) + "}"


def _truthy(v: object) -> bool:
    """A bool column's value; sessions may hand over 0/1 or PostgreSQL's spellings."""
    if isinstance(v, str):
        return v.strip().lower() in _TRUE
    return bool(v)


def text_function(oid: int) -> Callable[[object], str]:
    """The text form of a value for a column of type ``oid``."""
    if oid == BOOL:
        return lambda v: "t" if _truthy(v) else "f"
    if oid == FLOAT4:
        return lambda v: float4_text(float(v)) if isinstance(v, int | float) else text_of(v)
    if oid == FLOAT8:
        return lambda v: float8_text(float(v)) if isinstance(v, int | float) else text_of(v)
    if oid in (JSON, JSONB):
        return json_text
    if oid == TIMESTAMPTZ:
        return lambda v: timestamp_text(v, True) if isinstance(v, dt.datetime) else text_of(v)
    if oid == TIMESTAMP:
        return lambda v: timestamp_text(v, False) if isinstance(v, dt.datetime) else text_of(v)
    if oid in ELEMENT_OF:
        elem = text_function(ELEMENT_OF[oid])
        return lambda v: array_text(v, elem) if isinstance(v, list | tuple) else text_of(v)
    return text_of


# --- binary output --------------------------------------------------------------------------


def _as_int(v: object) -> int:
    return v if isinstance(v, int) else int(str(v))


# infinity and -infinity in the binary form of timestamp and timestamptz
_INFINITE = {"infinity": 2**63 - 1, "-infinity": -(2**63)}


def _as_datetime(v: object) -> dt.datetime:
    return v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(str(v))


def numeric_send(d: Decimal) -> bytes:
    if d.is_nan():
        return struct.pack("!hhHh", 0, 0, 0xC000, 0)
    if d.is_infinite():
        return struct.pack("!hhHh", 0, 0, 0xD000 if d > 0 else 0xF000, 0)
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    dscale = max(0, -exp)
    ds = "".join(map(str, digits))
    if exp > 0:
        ds += "0" * exp
        exp = 0
    point = len(ds) + exp
    if point < 0:
        ds = "0" * -point + ds
        point = 0
    int_part, frac_part = ds[:point], ds[point:]
    int_part = int_part.rjust((len(int_part) + 3) // 4 * 4, "0")
    frac_part = frac_part.ljust((len(frac_part) + 3) // 4 * 4, "0")
    groups = [int(int_part[i : i + 4]) for i in range(0, len(int_part), 4)]
    weight = len(groups) - 1
    groups += [int(frac_part[i : i + 4]) for i in range(0, len(frac_part), 4)]
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    head = struct.pack("!hhHH", len(groups), weight, 0x4000 if sign else 0, dscale)
    return head + struct.pack(f"!{len(groups)}H", *groups)


def numeric_recv(b: bytes) -> Decimal:
    ndigits, weight, sign, dscale = struct.unpack_from("!hhHH", b)
    if sign == 0xC000:
        return Decimal("NaN")
    if sign in (0xD000, 0xF000):
        return Decimal("Infinity") if sign == 0xD000 else Decimal("-Infinity")
    groups = struct.unpack_from(f"!{ndigits}H", b, 8)
    n = 0
    for g in groups:
        n = n * 10000 + g
    exponent = (weight - ndigits + 1) * 4
    with decimal.localcontext() as ctx:
        ctx.prec = max(28, ndigits * 4 + dscale + 8)
        value = Decimal(n).scaleb(exponent)
        value = value.quantize(Decimal(1).scaleb(-dscale))
        return -value if sign == 0x4000 else value


def _interval_parts(v: object) -> tuple[int, int, int]:
    td = v if isinstance(v, dt.timedelta) else parse_interval(str(v))
    return td.seconds * 1_000_000 + td.microseconds, td.days, 0


def _array_send(values: list | tuple, elem_oid: int) -> bytes:
    dims: list[int] = []
    probe: object = values
    while isinstance(probe, list | tuple):
        dims.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    if dims == [0]:
        return struct.pack("!iiI", 0, 0, elem_oid)
    enc = encoder(elem_oid, BINARY_FORMAT)
    flat: list[object] = []

    def walk(v: object, depth: int) -> None:
        if depth < len(dims):
            if not isinstance(v, list | tuple) or len(v) != dims[depth]:
                raise SqlError("2202E", "multidimensional arrays must have matching extents")
            for item in v:
                walk(item, depth + 1)
        else:
            flat.append(v)

    walk(values, 0)
    has_null = any(v is None for v in flat)
    parts = [struct.pack("!iiI", len(dims), int(has_null), elem_oid)]
    parts += [struct.pack("!ii", n, 1) for n in dims]
    for v in flat:
        if v is None:
            parts.append(b"\xff\xff\xff\xff")
        else:
            data = enc(v)
            parts.append(struct.pack("!i", len(data)) + data)
    return b"".join(parts)


def _binary_function(oid: int) -> Encoder | None:
    if oid == BOOL:
        return lambda v: b"\x01" if _truthy(v) else b"\x00"
    if oid == BYTEA:
        return lambda v: (
            bytes(v) if isinstance(v, bytes | bytearray | memoryview) else str(v).encode()
        )
    if oid == INT2:
        return lambda v: struct.pack("!h", _as_int(v))
    if oid == INT4:
        return lambda v: struct.pack("!i", _as_int(v))
    if oid == INT8:
        return lambda v: struct.pack("!q", _as_int(v))
    if oid == OID:
        return lambda v: struct.pack("!I", _as_int(v))
    if oid == FLOAT4:
        return lambda v: struct.pack("!f", float(v))  # type: ignore[arg-type]
    if oid == FLOAT8:
        return lambda v: struct.pack("!d", float(v))  # type: ignore[arg-type]
    if oid == NUMERIC:
        return lambda v: numeric_send(v if isinstance(v, Decimal) else Decimal(str(v)))
    if oid == JSONB:
        return lambda v: b"\x01" + json_text(v).encode()
    if oid == JSON:
        return lambda v: json_text(v).encode()
    if oid == UUID:
        return lambda v: (v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))).bytes
    if oid == DATE:
        return lambda v: struct.pack(
            "!i",
            (_INFINITE[v] >> 32) if v in _INFINITE else
            ((v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))) - _EPOCH_DATE).days,
        )
    if oid == TIME:

        def time_send(v: object) -> bytes:
            t = v if isinstance(v, dt.time) else dt.time.fromisoformat(str(v))
            us = ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
            return struct.pack("!q", us)

        return time_send
    if oid == TIMESTAMP:

        def timestamp_send(v: object) -> bytes:
            if v in _INFINITE:
                return struct.pack("!q", _INFINITE[v])
            ts = _as_datetime(v)
            if ts.tzinfo is not None:
                ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
            return struct.pack("!q", (ts - _EPOCH) // _US)

        return timestamp_send
    if oid == TIMESTAMPTZ:

        def timestamptz_send(v: object) -> bytes:
            if v in _INFINITE:
                return struct.pack("!q", _INFINITE[v])
            ts = _as_datetime(v)
            if ts.tzinfo is None:
                ts = ts.replace(tzinfo=dt.UTC)
            return struct.pack("!q", (ts - _EPOCH_TZ) // _US)

        return timestamptz_send
    if oid == INTERVAL:
        return lambda v: struct.pack("!qii", *_interval_parts(v))
    if oid == CHAR:
        return lambda v: str(v).encode()[:1]
    if oid in ELEMENT_OF:
        elem = ELEMENT_OF[oid]
        return lambda v: _array_send(v, elem)  # type: ignore[arg-type]
    return None


@functools.cache
def encoder(oid: int, fmt: int) -> Encoder:
    """A function from a (non-None) Python value to its wire bytes for type ``oid``."""
    if fmt == BINARY_FORMAT:
        binary = _binary_function(oid)
        if binary is not None:
            return binary
    text = text_function(oid)
    if text is text_of:
        return _text_bytes
    return lambda v: text(v).encode()


def _text_bytes(v: object) -> bytes:
    """text_of(v).encode(), with str and int (most values) taken first."""
    kind = type(v)
    if kind is str:
        return v.encode()  # type: ignore[attr-defined]
    if kind is int:
        return b"%d" % v  # type: ignore[str-format]
    return text_of(v).encode()


# --- text input -----------------------------------------------------------------------------

_TRUE = {"t", "true", "y", "yes", "on", "1"}
_FALSE = {"f", "false", "n", "no", "off", "0"}


def parse_bool(s: str) -> bool:
    key = s.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise _invalid(BOOL, s)


def parse_bytea(s: str) -> bytes:
    if s.startswith("\\x"):
        try:
            return bytes.fromhex(s[2:])
        except ValueError:
            raise SqlError("22P02", "invalid hexadecimal data") from None
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode()
            i += 1
        elif s[i + 1 : i + 2] == "\\":
            out.append(0x5C)
            i += 2
        elif re.fullmatch(r"[0-3][0-7][0-7]", s[i + 1 : i + 4]):
            out.append(int(s[i + 1 : i + 4], 8))
            i += 4
        else:
            raise SqlError("22P02", "invalid input syntax for type bytea")
    return bytes(out)


_INTERVAL_UNITS = {
    "microsecond": 1e-6,
    "millisecond": 1e-3,
    "second": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
    "day": 86400.0,
    "week": 604800.0,
    "month": 2592000.0,
    "mon": 2592000.0,
    "year": 31557600.0,
    "decade": 315576000.0,
    "century": 3155760000.0,
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "y": 31557600.0,
    "yr": 31557600.0,
}
_INTERVAL_TOKEN = re.compile(r"([+-]?\d+(?:\.\d*)?)\s*([a-z]+)|([+-]?\d+:\d+(?::\d+(?:\.\d*)?)?)")
_ISO_INTERVAL = re.compile(
    r"P(?:(?P<Y>[\d.]+)Y)?(?:(?P<Mo>[\d.]+)M)?(?:(?P<W>[\d.]+)W)?(?:(?P<D>[\d.]+)D)?"
    r"(?:T(?:(?P<H>[\d.]+)H)?(?:(?P<Mi>[\d.]+)M)?(?:(?P<S>[\d.]+)S)?)?"
)


def parse_interval(s: str) -> dt.timedelta:
    """PostgreSQL interval input (postgres and ISO 8601 styles); a month counts 30 days."""
    text = s.strip().lower()
    iso = _ISO_INTERVAL.fullmatch(s.strip().upper()) if text.startswith("p") else None
    if iso:
        scale = {"Y": 31557600, "Mo": 2592000, "W": 604800, "D": 86400, "H": 3600, "Mi": 60, "S": 1}
        secs = sum(float(v) * scale[k] for k, v in iso.groupdict().items() if v)
        return dt.timedelta(seconds=secs)
    ago = text.endswith(" ago")
    text = text.removesuffix(" ago").removeprefix("@").strip()
    total = 0.0
    pos = 0
    matched = False
    for m in _INTERVAL_TOKEN.finditer(text):
        if text[pos : m.start()].strip():
            raise _invalid(INTERVAL, s)
        pos = m.end()
        matched = True
        if m.group(3):
            clock = m.group(3)
            neg = clock.startswith("-")
            pieces = clock.lstrip("+-").split(":")
            secs = (
                int(pieces[0]) * 3600
                + int(pieces[1]) * 60
                + (float(pieces[2]) if len(pieces) > 2 else 0)
            )
            total += -secs if neg else secs
        else:
            unit = m.group(2).rstrip("s") if m.group(2) not in ("s", "ms", "us") else m.group(2)
            if unit not in _INTERVAL_UNITS:
                raise _invalid(INTERVAL, s)
            total += float(m.group(1)) * _INTERVAL_UNITS[unit]
    if not matched or text[pos:].strip():
        raise _invalid(INTERVAL, s)
    return dt.timedelta(seconds=-total if ago else total)


def parse_array(s: str, elem: Callable[[str], object]) -> list:
    """An array literal (``{1,2,NULL}``, nested, quoted) into nested lists."""
    text = s.strip()
    if text.startswith("["):  # explicit bounds: "[1:3]={...}"
        text = text[text.index("=") + 1 :].strip()
    pos = 0

    def parse_level() -> list:
        nonlocal pos
        if text[pos : pos + 1] != "{":
            raise SqlError("22P02", f'malformed array literal: "{s}"')
        pos += 1
        out: list = []
        if text[pos : pos + 1] == "}":
            pos += 1
            return out
        while True:
            while text[pos : pos + 1].isspace():
                pos += 1
            c = text[pos : pos + 1]
            if c == "{":
                out.append(parse_level())
            elif c == '"':
                pos += 1
                buf = []
                while pos < len(text) and text[pos] != '"':
                    if text[pos] == "\\":
                        pos += 1
                    buf.append(text[pos : pos + 1])
                    pos += 1
                pos += 1
                out.append(elem("".join(buf)))
            else:
                start = pos
                while pos < len(text) and text[pos] not in ",}":
                    pos += 1
                raw = text[start:pos].strip()
                if not raw:
                    raise SqlError("22P02", f'malformed array literal: "{s}"')
                out.append(None if raw.upper() == "NULL" else elem(raw.replace("\\", "")))
            while text[pos : pos + 1].isspace():
                pos += 1
            c = text[pos : pos + 1]
            pos += 1
            if c == "}":
                return out
            if c != ",":
                raise SqlError("22P02", f'malformed array literal: "{s}"')

    result = parse_level()
    if text[pos:].strip():
        raise SqlError("22P02", f'malformed array literal: "{s}"')
    return result


def _parse_timestamptz(s: str) -> dt.datetime:
    ts = dt.datetime.fromisoformat(s.strip())
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=dt.UTC)


def _text_parser(oid: int) -> Callable[[str], object]:
    if oid in (INT2, INT4, INT8, OID):
        return int
    if oid in (FLOAT4, FLOAT8):
        return float
    if oid == NUMERIC:
        return Decimal
    if oid == BOOL:
        return parse_bool
    if oid == BYTEA:
        return parse_bytea
    if oid in (JSON, JSONB):
        return json.loads
    if oid == DATE:
        return lambda s: dt.date.fromisoformat(s.strip())
    if oid == TIME:
        return lambda s: dt.time.fromisoformat(s.strip())
    if oid == TIMESTAMP:
        return lambda s: dt.datetime.fromisoformat(s.strip())
    if oid == TIMESTAMPTZ:
        return _parse_timestamptz
    if oid == INTERVAL:
        return parse_interval
    if oid == UUID:
        return uuid.UUID
    if oid in ELEMENT_OF:
        elem = _text_parser(ELEMENT_OF[oid])
        return lambda s: parse_array(s, elem)
    return str


# --- binary input ---------------------------------------------------------------------------


def _array_recv(b: bytes) -> list:
    ndim, _flags, elem_oid = struct.unpack_from("!iiI", b)
    if ndim == 0:
        return []
    dims = [struct.unpack_from("!ii", b, 12 + 8 * i)[0] for i in range(ndim)]
    pos = 12 + 8 * ndim
    dec = decoder(elem_oid, BINARY_FORMAT)
    flat: list[object] = []
    for _ in range(math.prod(dims)):
        (n,) = struct.unpack_from("!i", b, pos)
        pos += 4
        if n < 0:
            flat.append(None)
        else:
            flat.append(dec(b[pos : pos + n]))
            pos += n

    def build(depth: int, items: list[object]) -> list:
        if depth == ndim - 1:
            return items
        step = len(items) // dims[depth]
        return [build(depth + 1, items[i : i + step]) for i in range(0, len(items), step)]

    return build(0, flat)


def _binary_parser(oid: int) -> Decoder | None:
    table: dict[int, Decoder] = {
        BOOL: lambda b: b != b"\x00",
        BYTEA: bytes,
        INT2: lambda b: struct.unpack("!h", b)[0],
        INT4: lambda b: struct.unpack("!i", b)[0],
        INT8: lambda b: struct.unpack("!q", b)[0],
        OID: lambda b: struct.unpack("!I", b)[0],
        FLOAT4: lambda b: struct.unpack("!f", b)[0],
        FLOAT8: lambda b: struct.unpack("!d", b)[0],
        NUMERIC: numeric_recv,
        JSON: lambda b: json.loads(b.decode()),
        JSONB: lambda b: json.loads(b[1:].decode()),
        UUID: lambda b: uuid.UUID(bytes=bytes(b)),
        DATE: lambda b: _EPOCH_DATE + dt.timedelta(days=struct.unpack("!i", b)[0]),
        TIME: lambda b: (dt.datetime.min + struct.unpack("!q", b)[0] * _US).time(),
        TIMESTAMP: lambda b: _EPOCH + struct.unpack("!q", b)[0] * _US,
        TIMESTAMPTZ: lambda b: _EPOCH_TZ + struct.unpack("!q", b)[0] * _US,
        INTERVAL: _interval_recv,
        CHAR: lambda b: b.decode("utf-8", "replace"),
    }
    if oid in table:
        return table[oid]
    if oid in ELEMENT_OF:
        return _array_recv
    if oid in (TEXT, VARCHAR, BPCHAR, NAME, UNKNOWN):
        return lambda b: b.decode("utf-8")
    return None


def _interval_recv(b: bytes) -> dt.timedelta:
    us, days, months = struct.unpack("!qii", b)
    return dt.timedelta(days=days + 30 * months, microseconds=us)


@functools.lru_cache(maxsize=1024)  # bounded: Parse lets a client name any OID
def decoder(oid: int, fmt: int) -> Decoder:
    """A function from a Bind parameter's bytes to a Python value for type ``oid``."""
    if fmt == BINARY_FORMAT:
        binary = _binary_parser(oid)
        if binary is None:
            return bytes

        def decode_binary(data: bytes) -> object:
            try:
                return binary(data)
            except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
                raise SqlError(
                    "22P03", f"incorrect binary data format in bind parameter ({exc})"
                ) from None

        return decode_binary
    parse = _text_parser(oid)
    if parse is str:
        return lambda data: data.decode("utf-8")

    def decode_text(data: bytes) -> object:
        text = data.decode("utf-8")
        try:
            return parse(text)
        except SqlError:
            raise
        except (ValueError, ArithmeticError, IndexError):
            raise _invalid(oid, text) from None

    return decode_text
