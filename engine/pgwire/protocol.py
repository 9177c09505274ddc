"""Framing and message layouts of the PostgreSQL v3 protocol: nothing here does I/O.

Frontend messages are parsed from ``(type, body)`` frames with :class:`Body`; backend messages
are built by the small functions below, each returning the complete frame as bytes. Names
follow the protocol documentation ("Message Formats").
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Iterable, Sequence

from aurora.engine.sqlapi import Column, SqlError

PROTOCOL_3_0 = 196608  # major 3, minor 0
SSL_REQUEST_CODE = 80877103
GSSENC_REQUEST_CODE = 80877104
CANCEL_REQUEST_CODE = 80877102

# PostgreSQL refuses start-up packets above 10,000 bytes; SASL messages are a few hundred.
MAX_STARTUP_LENGTH = 10_000
MAX_PREAUTH_MESSAGE = 64 * 1024
MAX_MESSAGE = 1 << 30
# PostgreSQL's limits per message type (postgres.c, SocketBackend): statements and COPY data
# may be large, the other messages carry a name or nothing. Judged from the 5-byte header, so
# a huge length claim, or a type the server never reads, is refused before any body arrives.
MAX_SMALL_MESSAGE = 10_000
LARGE_TYPES = frozenset(b"QPBd")  # type bytes as ints
SMALL_TYPES = frozenset(b"CDEHSXcf")

_I32 = struct.Struct("!i")
_I16 = struct.Struct("!h")
_U16 = struct.Struct("!H")
_HDR = struct.Struct("!ci")
_I32_PAIR = struct.Struct("!ii")


class ProtocolViolation(Exception):
    """The client broke the framing or a message layout (SQLSTATE 08P01; the connection ends)."""


class Body:
    """A cursor over one frontend message body; every read checks the bounds."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise ProtocolViolation("invalid message format")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def int32(self) -> int:
        end = self.pos + 4
        if end > len(self.data):
            raise ProtocolViolation("invalid message format")
        (value,) = _I32.unpack_from(self.data, self.pos)
        self.pos = end
        return value

    def int16(self) -> int:
        end = self.pos + 2
        if end > len(self.data):
            raise ProtocolViolation("invalid message format")
        (value,) = _I16.unpack_from(self.data, self.pos)
        self.pos = end
        return value

    def uint16(self) -> int:
        """A count: PostgreSQL reads Int16 counts unsigned (a Bind may carry 65,535 values)."""
        end = self.pos + 2
        if end > len(self.data):
            raise ProtocolViolation("invalid message format")
        (value,) = _U16.unpack_from(self.data, self.pos)
        self.pos = end
        return value

    def byte(self) -> bytes:
        return self._take(1)

    def cstring(self) -> str:
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise ProtocolViolation("invalid string in message")
        raw = self.data[self.pos : end]
        self.pos = end + 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            # An ERROR, not a broken frame: PostgreSQL keeps the connection.
            raise SqlError("22021", 'invalid byte sequence for encoding "UTF8"') from None

    def raw(self, n: int) -> bytes:
        return self._take(n)

    def rest(self) -> bytes:
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk

    def int16_list(self) -> list[int]:
        return [self.int16() for _ in range(self.uint16())]

    def int32_list(self) -> list[int]:
        return [self.int32() for _ in range(self.uint16())]

    def end(self) -> None:
        if self.pos != len(self.data):
            raise ProtocolViolation("invalid message format")


def _name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SqlError("22021", 'invalid byte sequence for encoding "UTF8"') from None


def parse_bind(data: bytes) -> tuple[str, str, tuple[int, ...], list[bytes | None], tuple[int, ...]]:
    """Bind's portal and statement names, parameter format codes, values (None for NULL) and
    result format codes, read in one pass: the hot message of every prepared statement.
    The checks are :class:`Body`'s; bytes after the last field are ignored, as there."""
    try:
        end = data.index(b"\0")
        portal = data[:end]
        pos = end + 1
        end = data.index(b"\0", pos)
        statement = data[pos:end]
        pos = end + 1
    except ValueError:
        raise ProtocolViolation("invalid string in message") from None
    size = len(data)
    try:
        (n,) = _U16.unpack_from(data, pos)
        param_codes = struct.unpack_from(f"!{n}h", data, pos + 2) if n else ()
        pos += 2 + 2 * n
        (count,) = _U16.unpack_from(data, pos)
        pos += 2
        values: list[bytes | None] = []
        append = values.append
        unpack = _I32.unpack_from
        for _ in range(count):
            (length,) = unpack(data, pos)
            pos += 4
            if length == -1:
                append(None)
                continue
            end = pos + length
            if length < 0 or end > size:
                raise ProtocolViolation("invalid message format")
            append(data[pos:end])
            pos = end
        (n,) = _U16.unpack_from(data, pos)
        result_codes = struct.unpack_from(f"!{n}h", data, pos + 2) if n else ()
    except struct.error:
        raise ProtocolViolation("invalid message format") from None
    return _name(portal), _name(statement), param_codes, values, result_codes


def parse_target(data: bytes) -> tuple[bytes, str]:
    """Describe's or Close's kind (``S`` statement, ``P`` portal) and name."""
    if not data:
        raise ProtocolViolation("invalid message format")
    end = data.find(b"\0", 1)
    if end < 0:
        raise ProtocolViolation("invalid string in message")
    return data[:1], _name(data[1:end])


def parse_execute(data: bytes) -> tuple[str, int]:
    """Execute's portal name and row limit (0: all rows)."""
    end = data.find(b"\0")
    if end < 0:
        raise ProtocolViolation("invalid string in message")
    if end + 5 > len(data):
        raise ProtocolViolation("invalid message format")
    return _name(data[:end]), _I32.unpack_from(data, end + 1)[0]


_TYPE_BYTES = [bytes([i]) for i in range(256)]


class FrameBuffer:
    """Splits a byte stream into ``(type, body)`` frames, refusing oversized ones early."""

    def __init__(self, max_message: int = MAX_MESSAGE) -> None:
        self.buf = bytearray()
        self.max_message = max_message
        # A framing error behind complete frames: those are handed out first (the client
        # gets their answers, as from PostgreSQL), the error on the next call.
        self.error: ProtocolViolation | None = None

    def feed(self, data: bytes) -> None:
        self.buf += data

    def frames(self) -> list[tuple[bytes, bytes]]:
        """Every complete frame in the buffer (possibly none)."""
        if self.error is not None:
            raise self.error
        buf = self.buf
        if not buf:
            return []
        out: list[tuple[bytes, bytes]] = []
        pos = 0
        n = len(buf)
        while pos < n:
            kind = buf[pos]
            if kind in LARGE_TYPES:
                limit = self.max_message
            elif kind in SMALL_TYPES:
                limit = min(MAX_SMALL_MESSAGE, self.max_message)
            else:
                self.error = ProtocolViolation(f"invalid frontend message type {kind}")
                break
            if n - pos < 5:
                break
            (length,) = _I32.unpack_from(buf, pos + 1)
            if length < 4 or length - 4 > limit:
                self.error = ProtocolViolation(f"invalid message length {length}")
                break
            end = pos + 1 + length
            if end > n:
                break
            out.append((_TYPE_BYTES[kind], bytes(buf[pos + 5 : end])))
            pos = end
        if pos:
            del buf[:pos]
        if self.error is not None and not out:
            raise self.error
        return out


def parse_startup(body: bytes) -> tuple[int, dict[str, str]]:
    """The protocol code and ``name -> value`` pairs of a start-up packet (after its length)."""
    b = Body(body)
    code = b.int32()
    params: dict[str, str] = {}
    if code >> 16 == 3:
        while True:
            name = b.cstring()
            if not name:
                break
            params[name] = b.cstring()
    return code, params


# --- backend messages -----------------------------------------------------------------------


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return _HDR.pack(kind, len(payload) + 4) + payload


def cstr(text: str) -> bytes:
    return text.encode("utf-8") + b"\0"


def authentication(code: int, payload: bytes = b"") -> bytes:
    return frame(b"R", _I32.pack(code) + payload)


AUTH_OK = authentication(0)


def parameter_status(name: str, value: str) -> bytes:
    return frame(b"S", cstr(name) + cstr(value))


def backend_key_data(pid: int, secret: int) -> bytes:
    return frame(b"K", struct.pack("!iI", pid, secret))


def ready_for_query(status: str) -> bytes:
    return _READY.get(status) or frame(b"Z", status.encode("ascii"))


_READY = {s: frame(b"Z", s.encode("ascii")) for s in "ITE"}


def negotiate_protocol_version(newest_minor: int, unsupported: Sequence[str]) -> bytes:
    payload = _I32.pack(newest_minor) + _I32.pack(len(unsupported))
    return frame(b"v", payload + b"".join(cstr(o) for o in unsupported))


def row_description(columns: Sequence[Column], formats: Sequence[int]) -> bytes:
    parts = [_I16.pack(len(columns))]
    for col, fmt in zip(columns, formats, strict=True):
        parts.append(cstr(col.name))
        parts.append(
            struct.pack(
                "!ihihih",
                col.table_oid,
                col.column_number,
                col.type_oid,
                col.type_size,
                col.type_modifier,
                fmt,
            )
        )
    return frame(b"T", b"".join(parts))


def data_rows(rows: Iterable[Sequence[object]], encoders: Sequence[Callable[[object], bytes]]) -> bytes:
    """DataRow messages of ``rows``, each value through its column's encoder (None: NULL),
    as one bytes: the rows of an Execute are encoded in one pass."""
    count = len(encoders)
    head = _I16.pack(count)
    pack = _I32.pack
    hdr = _HDR.pack
    out: list[bytes] = []
    append = out.append
    for row in rows:
        parts = [head]
        for value, enc in zip(row, encoders, strict=False):
            if value is None:
                parts.append(b"\xff\xff\xff\xff")
            else:
                data = enc(value)
                parts.append(pack(len(data)))
                parts.append(data)
        payload = b"".join(parts)
        append(hdr(b"D", len(payload) + 4))
        append(payload)
    return b"".join(out)


@functools.lru_cache(maxsize=1024)  # the same few tags ("SELECT 1", "UPDATE 1") again and again
def command_complete(tag: str) -> bytes:
    return frame(b"C", cstr(tag))


def parameter_description(oids: Sequence[int]) -> bytes:
    return frame(b"t", _U16.pack(len(oids)) + b"".join(struct.pack("!I", o) for o in oids))


def copy_response(kind: bytes, columns: int, overall_format: int = 0) -> bytes:
    """CopyInResponse (``G``) or CopyOutResponse (``H``); every column in ``overall_format``."""
    payload = struct.pack("!bh", overall_format, columns)
    payload += _I16.pack(overall_format) * columns
    return frame(kind, payload)


def copy_data(data: bytes) -> bytes:
    return frame(b"d", data)


PARSE_COMPLETE = frame(b"1")
BIND_COMPLETE = frame(b"2")
CLOSE_COMPLETE = frame(b"3")
NO_DATA = frame(b"n")
PORTAL_SUSPENDED = frame(b"s")
EMPTY_QUERY = frame(b"I")
COPY_DONE = frame(b"c")


def error_fields(
    kind: bytes,
    severity: str,
    sqlstate: str,
    message: str,
    *,
    detail: str | None = None,
    hint: str | None = None,
    position: int | None = None,
    table: str | None = None,
    column: str | None = None,
    constraint: str | None = None,
) -> bytes:
    """ErrorResponse (``E``) or NoticeResponse (``N``) with the fields clients display (and
    the schema, table, column and constraint names that drivers expose, e.g. Django's)."""
    parts = [b"S", cstr(severity), b"V", cstr(severity), b"C", cstr(sqlstate), b"M", cstr(message)]
    if detail:
        parts += [b"D", cstr(detail)]
    if hint:
        parts += [b"H", cstr(hint)]
    if position is not None:
        parts += [b"P", cstr(str(position))]
    if table:
        parts += [b"s", cstr("public"), b"t", cstr(table)]
    if column:
        parts += [b"c", cstr(column)]
    if constraint:
        parts += [b"n", cstr(constraint)]
    parts.append(b"\0")
    return frame(kind, b"".join(parts))
