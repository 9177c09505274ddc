"""Framing and packet layouts of the MySQL client/server protocol: nothing here does I/O.

A packet is a 3-byte little-endian payload length, a sequence id and the payload; a payload
of 16 MiB - 1 or more is split into full-size chunks and ends with a shorter one (possibly
empty). :class:`PacketBuffer` turns received bytes into whole payloads, :func:`frame` does
the reverse; :class:`Reader` parses a payload with bounds checks. Names follow MySQL's
source and its protocol documentation (``Protocol::HandshakeV10``, ``OK_Packet``...).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_CHUNK = 0xFFFFFF
MAX_PACKET = 64 * 1024 * 1024  # MySQL 8's default max_allowed_packet
MAX_PREAUTH_PACKET = 64 * 1024  # a handshake response with its connection attributes

# Capability flags (CLIENT_*).
LONG_PASSWORD = 1
FOUND_ROWS = 1 << 1
LONG_FLAG = 1 << 2
CONNECT_WITH_DB = 1 << 3
NO_SCHEMA = 1 << 4
COMPRESS = 1 << 5
ODBC = 1 << 6
LOCAL_FILES = 1 << 7
IGNORE_SPACE = 1 << 8
PROTOCOL_41 = 1 << 9
INTERACTIVE = 1 << 10
SSL = 1 << 11
IGNORE_SIGPIPE = 1 << 12
TRANSACTIONS = 1 << 13
RESERVED = 1 << 14
SECURE_CONNECTION = 1 << 15
MULTI_STATEMENTS = 1 << 16
MULTI_RESULTS = 1 << 17
PS_MULTI_RESULTS = 1 << 18
PLUGIN_AUTH = 1 << 19
CONNECT_ATTRS = 1 << 20
PLUGIN_AUTH_LENENC_CLIENT_DATA = 1 << 21
CAN_HANDLE_EXPIRED_PASSWORDS = 1 << 22
SESSION_TRACK = 1 << 23
DEPRECATE_EOF = 1 << 24

# What this server offers. Left out on purpose: COMPRESS, LOCAL_FILES (LOAD DATA LOCAL),
# SESSION_TRACK, OPTIONAL_RESULTSET_METADATA and QUERY_ATTRIBUTES (each changes packet
# layouts for a feature no session offers). LONG_PASSWORD tells MariaDB clients that this is
# a MySQL server, not a MariaDB one (MariaDB reuses that bit).
SERVER_CAPABILITIES = (
    LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | CONNECT_WITH_DB | NO_SCHEMA | ODBC | IGNORE_SPACE
    | PROTOCOL_41 | INTERACTIVE | IGNORE_SIGPIPE | TRANSACTIONS | RESERVED | SECURE_CONNECTION
    | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH | CONNECT_ATTRS
    | PLUGIN_AUTH_LENENC_CLIENT_DATA | CAN_HANDLE_EXPIRED_PASSWORDS | DEPRECATE_EOF
)  # fmt: skip

# Server status flags (SERVER_STATUS_* / SERVER_MORE_RESULTS_EXISTS).
STATUS_IN_TRANS = 0x0001
STATUS_AUTOCOMMIT = 0x0002
STATUS_MORE_RESULTS = 0x0008

# Commands (COM_*).
COM_QUIT = 0x01
COM_INIT_DB = 0x02
COM_QUERY = 0x03
COM_FIELD_LIST = 0x04
COM_STATISTICS = 0x09
COM_PROCESS_KILL = 0x0C
COM_PING = 0x0E
COM_STMT_PREPARE = 0x16
COM_STMT_EXECUTE = 0x17
COM_STMT_SEND_LONG_DATA = 0x18
COM_STMT_CLOSE = 0x19
COM_STMT_RESET = 0x1A
COM_SET_OPTION = 0x1B
COM_STMT_FETCH = 0x1C
COM_RESET_CONNECTION = 0x1F

CHARSET_UTF8MB4 = 255  # utf8mb4_0900_ai_ci
CHARSET_BINARY = 63

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


class ProtocolViolation(Exception):
    """The client broke the framing or a packet layout; the connection ends (after an ERR
    when one can still be sent)."""

    def __init__(self, message: str, errno: int = 1835, sqlstate: str = "08S01") -> None:
        super().__init__(message)
        self.message = message
        self.errno = errno  # 1835 ER_MALFORMED_PACKET, 1153 ER_NET_PACKET_TOO_LARGE...
        self.sqlstate = sqlstate


# --- length-encoded integers and strings ----------------------------------------------------


def lenenc_int(n: int) -> bytes:
    if n < 251:
        return bytes((n,))
    if n < 1 << 16:
        return b"\xfc" + _U16.pack(n)
    if n < 1 << 24:
        return b"\xfd" + n.to_bytes(3, "little")
    return b"\xfe" + _U64.pack(n)


def lenenc_str(data: bytes) -> bytes:
    n = len(data)
    return (bytes((n,)) if n < 251 else lenenc_int(n)) + data


class Reader:
    """A cursor over one packet payload; every read checks the bounds."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise ProtocolViolation("Malformed communication packet.")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def u8(self) -> int:
        if self.pos >= len(self.data):
            raise ProtocolViolation("Malformed communication packet.")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def u16(self) -> int:
        return _U16.unpack(self.take(2))[0]

    def u32(self) -> int:
        return _U32.unpack(self.take(4))[0]

    def uint(self, size: int) -> int:
        return int.from_bytes(self.take(size), "little")

    def lenenc_int(self) -> int | None:
        """A length-encoded integer; None for 0xFB (NULL)."""
        first = self.u8()
        if first < 0xFB:
            return first
        if first == 0xFB:
            return None
        if first == 0xFC:
            return self.uint(2)
        if first == 0xFD:
            return self.uint(3)
        if first == 0xFE:
            return self.uint(8)
        raise ProtocolViolation("Malformed communication packet.")

    def lenenc_bytes(self) -> bytes:
        n = self.lenenc_int()
        return b"" if n is None else self.take(n)

    def cstring(self) -> bytes:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise ProtocolViolation("Malformed communication packet.")
        value = self.data[self.pos : end]
        self.pos = end + 1
        return value

    def cstring_or_rest(self) -> bytes:
        """A NUL-terminated string, or the rest of the payload when the NUL is missing."""
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            end = len(self.data)
        value = self.data[self.pos : end]
        self.pos = min(end + 1, len(self.data))
        return value

    def rest(self) -> bytes:
        value = self.data[self.pos :]
        self.pos = len(self.data)
        return value


# --- framing --------------------------------------------------------------------------------


def frame(payload: bytes, seq: int) -> tuple[bytes, int]:
    """The packet(s) carrying ``payload`` from sequence id ``seq``, and the next sequence id.

    A payload of 16 MiB - 1 or more goes out in full-size chunks and a last, shorter one
    (empty when the size is an exact multiple)."""
    n = len(payload)
    if n < MAX_CHUNK:
        return n.to_bytes(3, "little") + bytes((seq & 0xFF,)) + payload, (seq + 1) & 0xFF
    parts = []
    pos = 0
    while True:
        chunk = payload[pos : pos + MAX_CHUNK]
        parts.append(len(chunk).to_bytes(3, "little") + bytes((seq & 0xFF,)) + chunk)
        seq = (seq + 1) & 0xFF
        pos += MAX_CHUNK
        if len(chunk) < MAX_CHUNK:
            break
    return b"".join(parts), seq


class PacketBuffer:
    """Bytes in, whole payloads out: joins the chunks of a split packet.

    :meth:`next` returns ``(payload, last_sequence_id)`` or None when more bytes are needed.
    A payload above ``limit`` raises :class:`ProtocolViolation` as soon as its first chunk
    header shows it, so a huge length claim is never buffered."""

    def __init__(self, limit: int = MAX_PACKET) -> None:
        self.limit = limit
        self._buf = bytearray()
        self._pos = 0

    def feed(self, data: bytes) -> None:
        if self._pos and self._pos == len(self._buf):
            self._buf.clear()
            self._pos = 0
        self._buf += data

    def pending(self) -> int:
        return len(self._buf) - self._pos

    def next(self) -> tuple[bytes, int] | None:
        buf = self._buf
        pos = self._pos
        total = 0
        ends: list[tuple[int, int]] = []
        while True:
            if len(buf) - pos < 4:
                return None
            length = buf[pos] | buf[pos + 1] << 8 | buf[pos + 2] << 16
            seq = buf[pos + 3]
            total += length
            if total > self.limit:
                raise ProtocolViolation(
                    "Got a packet bigger than 'max_allowed_packet' bytes", 1153, "08S01"
                )
            if len(buf) - pos - 4 < length:
                return None
            ends.append((pos + 4, pos + 4 + length))
            pos += 4 + length
            if length < MAX_CHUNK:
                break
        if len(ends) == 1:
            start, end = ends[0]
            payload = bytes(buf[start:end])
        else:
            payload = b"".join(bytes(buf[s:e]) for s, e in ends)
        self._pos = pos
        if pos > 1 << 20 and pos * 2 > len(buf):
            del buf[:pos]
            self._pos = 0
        return payload, seq


# --- server packets -------------------------------------------------------------------------


def ok_packet(
    affected_rows: int = 0,
    insert_id: int = 0,
    status: int = STATUS_AUTOCOMMIT,
    warnings: int = 0,
    header: int = 0x00,
    info: bytes = b"",
) -> bytes:
    """OK_Packet; ``header`` 0xFE makes it the end of a result set under DEPRECATE_EOF.
    ``info`` goes as a length-encoded string, as MySQL's and MariaDB's servers send it (and
    libmysqlclient reads it: raw bytes there are a malformed packet to it)."""
    return (
        bytes((header,))
        + lenenc_int(affected_rows)
        + lenenc_int(insert_id)
        + _U16.pack(status & 0xFFFF)
        + _U16.pack(min(warnings, 0xFFFF))
        + (lenenc_int(len(info)) + info if info else b"")
    )


def err_packet(errno: int, sqlstate: str, message: str) -> bytes:
    state = (sqlstate.encode("ascii", "replace") + b"HY000")[:5]
    text = message.encode("utf-8", "replace")[:8000]
    return b"\xff" + _U16.pack(errno & 0xFFFF) + b"#" + state + text


def eof_packet(status: int, warnings: int = 0) -> bytes:
    return b"\xfe" + _U16.pack(min(warnings, 0xFFFF)) + _U16.pack(status & 0xFFFF)


def handshake_v10(
    server_version: str,
    connection_id: int,
    scramble: bytes,
    capabilities: int,
    status: int,
    plugin: str,
) -> bytes:
    """Protocol::HandshakeV10, the first packet of a connection (the server speaks first)."""
    return b"".join(
        [
            b"\x0a",
            server_version.encode() + b"\x00",
            _U32.pack(connection_id & 0xFFFFFFFF),
            scramble[:8],
            b"\x00",
            _U16.pack(capabilities & 0xFFFF),
            bytes((CHARSET_UTF8MB4,)),
            _U16.pack(status),
            _U16.pack(capabilities >> 16 & 0xFFFF),
            bytes((len(scramble) + 1,)),
            b"\x00" * 10,
            scramble[8:] + b"\x00",
            plugin.encode() + b"\x00",
        ]
    )


def column_definition(
    name: str,
    type_code: int,
    charset: int,
    length: int,
    flags: int,
    decimals: int,
    *,
    table: str = "",
    schema: str = "",
    default: bytes | None = None,
) -> bytes:
    """Protocol::ColumnDefinition41; ``default`` (COM_FIELD_LIST only) adds the default value."""
    encoded_name = name.encode("utf-8", "replace")
    encoded_table = table.encode("utf-8", "replace")
    out = b"".join(
        [
            b"\x03def",
            lenenc_str(schema.encode("utf-8", "replace")),
            lenenc_str(encoded_table),
            lenenc_str(encoded_table),
            lenenc_str(encoded_name),
            lenenc_str(encoded_name),
            b"\x0c",
            _U16.pack(charset),
            _U32.pack(min(length, 0xFFFFFFFF)),
            bytes((type_code, flags & 0xFF, flags >> 8 & 0xFF, decimals)),
            b"\x00\x00",
        ]
    )
    if default is not None:
        out += lenenc_str(default)
    return out


def stmt_prepare_ok(statement_id: int, columns: int, params: int, warnings: int = 0) -> bytes:
    return (
        b"\x00"
        + _U32.pack(statement_id)
        + _U16.pack(columns)
        + _U16.pack(params)
        + b"\x00"
        + _U16.pack(warnings)
    )


# --- client packets -------------------------------------------------------------------------


@dataclass
class HandshakeResponse:
    """Protocol::HandshakeResponse41, or an SSLRequest (its first 32 bytes, ``ssl_request``)."""

    capabilities: int
    user: str = ""
    auth_response: bytes = b""
    database: str | None = None
    plugin: str = ""
    ssl_request: bool = False


def parse_handshake_response(payload: bytes) -> HandshakeResponse:
    r = Reader(payload)
    capabilities = r.u32()
    if not capabilities & PROTOCOL_41:
        raise ProtocolViolation(
            "Client does not support authentication protocol requested by server; "
            "consider upgrading MySQL client",
            1251,
            "08004",
        )
    r.take(4 + 1 + 23)  # max packet size, character set, filler
    if capabilities & SSL and r.remaining() == 0:
        return HandshakeResponse(capabilities, ssl_request=True)
    user = r.cstring().decode("utf-8", "replace")
    if capabilities & PLUGIN_AUTH_LENENC_CLIENT_DATA:
        response = r.lenenc_bytes()
    elif capabilities & SECURE_CONNECTION:
        response = r.take(r.u8())
    else:
        response = r.cstring()
    database = None
    if capabilities & CONNECT_WITH_DB and r.remaining():
        database = r.cstring_or_rest().decode("utf-8", "replace") or None
    plugin = ""
    if capabilities & PLUGIN_AUTH and r.remaining():
        plugin = r.cstring_or_rest().decode("ascii", "replace")
    return HandshakeResponse(capabilities, user, response, database, plugin)
