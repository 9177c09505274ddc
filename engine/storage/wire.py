"""The storage protocol: length-prefixed, checksummed frames over a node's Unix socket.

A frame is ``length u32 | crc32 u32 | version u8 | type u8 | request id u32 | json length
u32 | json | blob``. The JSON part carries the small fields of a request or response; the
blob carries records or a page image, so page data is never JSON-encoded. The checksum is
the CRC32 of the head (version to json) continued from the CRC32 of the blob: a blob sent to
several nodes (a commit's records go to six) is checksummed once, each node's head on top.
Requests are pipelined on one connection and matched to responses by request id. Both ends
drop a connection whose frame fails its checksum, is oversized or is of an unknown version.

A node listens on a Unix socket in its 0700 folder of AURORA_HOME (``Layout.node_socket``),
and drops a connection from a peer of another user before reading from it: only the home's
owner can write pages or steer a node.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import struct
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aurora.engine import localsock
from aurora.engine.errors import ProtocolError, StorageError
from aurora.engine.layout import unix_socket_path

PROTOCOL_VERSION = 2  # 2: the frame checksum runs over the blob first, then the head
MAX_FRAME = 64 * 1024 * 1024

# request types
HELLO = 1
STATUS = 2
CREATE_SEGMENT = 3
SET_EPOCH = 4
WRITE = 5
GET_PAGE = 6
SCAN = 7
FETCH = 8
DROP_SEGMENT = 9
GOSSIP = 10
CONTROL = 11
# the one response type
RESPONSE = 0x80

_PREFIX = struct.Struct("<II")
_HEAD = struct.Struct("<BBII")

Reply = tuple[dict[str, Any], bytes]
# One encoder and decoder for every frame (json.dumps with options builds an encoder a call).
_encode_json = json.JSONEncoder(separators=(",", ":")).encode
_decode_json = json.JSONDecoder().decode


def encode_header(header: dict[str, Any]) -> bytes:
    """A frame's header as it travels: for a header sent to several nodes, encoded once and
    handed to :func:`write_frame` (or ``NodeClient.send``) as these bytes."""
    return _encode_json(header).encode()


class BlobParts:
    """A frame's blob given as its parts in order (a WRITE of several batch pieces): they
    leave after the head in one writev and are never joined into one buffer. ``len()`` is
    the size in bytes, as for a blob in one piece. Its checksum is computed once, however
    many frames carry it."""

    __slots__ = ("_crc", "parts", "size")

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.size = sum(len(p) for p in parts)
        self._crc: int | None = None

    def __len__(self) -> int:
        return self.size

    @property
    def crc(self) -> int:
        """The CRC32 of the parts in order, as of one buffer of them."""
        if self._crc is None:
            crc = 0
            for part in self.parts:
                crc = zlib.crc32(part, crc)
            self._crc = crc
        return self._crc


Blob = bytes | BlobParts


def encode_frame(kind: int, request_id: int, header: dict[str, Any], blob: bytes = b"") -> bytes:
    return frame_head(kind, request_id, header, blob) + blob


def frame_head(kind: int, request_id: int, header: dict[str, Any] | bytes, blob: Blob = b"") -> bytes:
    """Everything of a frame before its blob: the blob (megabytes of records) is written
    after it as it is, never copied into one buffer with the head. ``header`` is a dict, or
    bytes from :func:`encode_header`."""
    js = header if isinstance(header, bytes) else encode_header(header)
    head = _HEAD.pack(PROTOCOL_VERSION, kind, request_id, len(js)) + js
    crc = zlib.crc32(head, blob.crc if isinstance(blob, BlobParts) else zlib.crc32(blob))
    return _PREFIX.pack(len(head) + len(blob) + 4, crc) + head


def write_frame(transport: asyncio.WriteTransport, kind: int, request_id: int, header: dict[str, Any] | bytes,
                blob: Blob = b"") -> None:
    """Send a frame: its head and blob leave in one system call (uvloop's ``writelines`` is a
    ``writev``), not two, so the peer wakes once per frame and reads it whole; the blob is
    not copied."""
    head = frame_head(kind, request_id, header, blob)
    if not blob:
        transport.write(head)
    elif isinstance(blob, BlobParts):
        transport.writelines([head, *blob.parts])
    else:
        transport.writelines((head, blob))


class FrameReader:
    """Accumulates bytes and yields decoded frames: (type, request id, header, blob)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, int, dict[str, Any], bytes]]:
        # Frames are parsed from ``data`` itself when nothing is left over from before (the
        # usual case: a frame leaves in one system call and arrives whole), so a blob is
        # copied once, out of the socket's bytes, not first into the buffer as well.
        buf: bytes | bytearray
        if self._buf:
            self._buf += data
            buf = self._buf
        else:
            buf = data
        frames = []
        pos = 0
        while len(buf) - pos >= 8:
            length, crc = _PREFIX.unpack_from(buf, pos)
            if length < 4 + _HEAD.size or length > MAX_FRAME:
                raise ProtocolError(f"bad frame length {length}")
            if len(buf) - pos - 4 < length:
                break
            body = memoryview(buf)[pos + 8 : pos + 4 + length]
            version, kind, request_id, js_len = _HEAD.unpack_from(body)
            if version != PROTOCOL_VERSION:  # (a peer of another version checksums otherwise)
                raise ProtocolError(f"unsupported storage protocol version {version}")
            js_end = _HEAD.size + js_len
            if js_end > len(body) or zlib.crc32(body[:js_end], zlib.crc32(body[js_end:])) != crc:
                raise ProtocolError("frame checksum mismatch")
            try:
                header = _decode_json(str(body[_HEAD.size : js_end], "utf-8"))
            except (ValueError, RecursionError) as e:
                raise ProtocolError(f"bad frame header: {e!r}") from None
            frames.append((kind, request_id, header, bytes(body[js_end:])))
            body.release()
            pos += 4 + length
        if buf is self._buf:
            if pos:
                del self._buf[:pos]
        elif pos < len(buf):
            self._buf += memoryview(buf)[pos:]
        return frames


class Later:
    """A reply a handler gives later: a WRITE's, once the fdatasync that covers it is done.

    ``give`` sends it at once. A future would not: its callbacks run on the event loop's next
    turn, after the reads that turn brings in, so a node's acknowledgement waited for the next
    WRITE to be read, checked and appended before it left."""

    __slots__ = ("_reply", "_then")

    def __init__(self) -> None:
        self._reply: Reply | None = None
        self._then: Callable[[Reply], None] | None = None

    def then(self, send: Callable[[Reply], None]) -> None:
        if self._reply is not None:
            send(self._reply)
        else:
            self._then = send

    def give(self, reply: Reply) -> None:
        if self._then is not None:
            self._then(reply)
        else:
            self._reply = reply


Handler = Callable[[int, dict[str, Any], bytes], "Reply | Later | Awaitable[Reply] | None"]


class ServerProtocol(asyncio.Protocol):
    """One client connection of a storage node; requests go to ``handler``.

    A handler returns a reply at once, a :class:`Later` (a WRITE waits for its fdatasync) or
    an awaitable; replies may therefore leave in another order than requests came, matched by
    request id.
    """

    def __init__(self, handler: Handler, on_error: Callable[[str], None]) -> None:
        self._handler = handler
        self._on_error = on_error
        self._reader = FrameReader()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not localsock.from_owner(transport.get_extra_info("socket")):
            self._on_error("refusing a connection from another user")
            transport.abort()
            return
        self._transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        if self._transport is None:
            return  # refused in connection_made
        try:
            frames = self._reader.feed(data)
        except ProtocolError as e:
            self._on_error(f"dropping connection: {e}")
            if self._transport:
                self._transport.close()
            return
        for kind, request_id, header, blob in frames:
            try:
                result = self._handler(kind, header, blob)
            except StorageError as e:
                self.reply(request_id, ({"ok": False, "error": type(e).__name__, "message": str(e)}, b""))
                continue
            except Exception as e:  # a bug must not take the node down
                self._on_error(f"request {kind} failed: {e!r}")
                self.reply(request_id, ({"ok": False, "error": "InternalError", "message": str(e)}, b""))
                continue
            if result is None:
                continue  # dropped on purpose (a partitioned node answers nothing)
            if isinstance(result, tuple):
                self.reply(request_id, result)
            elif isinstance(result, Later):
                result.then(functools.partial(self.reply, request_id))
            else:
                fut = asyncio.ensure_future(result)
                fut.add_done_callback(lambda f, rid=request_id: self._finish(rid, f))

    def _finish(self, request_id: int, fut: asyncio.Future) -> None:
        if fut.cancelled():
            return
        exc = fut.exception()
        if exc is None:
            self.reply(request_id, fut.result())
        elif isinstance(exc, StorageError):
            self.reply(request_id, ({"ok": False, "error": type(exc).__name__, "message": str(exc)}, b""))
        else:
            self._on_error(f"request failed: {exc!r}")
            self.reply(request_id, ({"ok": False, "error": "InternalError", "message": str(exc)}, b""))

    def reply(self, request_id: int, reply: Reply) -> None:
        if self._transport is not None and not self._transport.is_closing():
            header, blob = reply
            write_frame(self._transport, RESPONSE, request_id, header, blob)


class RemoteError(StorageError):
    """A storage node answered with an error; ``code`` is the error's class name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


ReplyCallback = Callable[["Reply | BaseException"], None]


class NodeClient(asyncio.Protocol):
    """A pipelined connection to one storage node, opened on first use and after a loss.

    :meth:`request` is the coroutine form; :meth:`send` is the callback form for the write
    path, which sends at once on an open connection without creating a task per request.
    """

    def __init__(self, path: str, connect_timeout: float = 1.0) -> None:
        self.path = path  # the node's Unix socket
        self.connect_timeout = connect_timeout
        self._transport: asyncio.Transport | None = None
        self._reader = FrameReader()
        self._pending: dict[int, tuple[ReplyCallback, asyncio.TimerHandle]] = {}
        self._next_id = 1
        self._connecting: asyncio.Future | None = None

    @property
    def address(self) -> str:
        return self.path

    @property
    def connected(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    # --- asyncio.Protocol -----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            frames = self._reader.feed(data)
        except ProtocolError as e:
            self._fail_all(e)
            if self._transport:
                self._transport.close()
            return
        for _kind, request_id, header, blob in frames:
            entry = self._pending.pop(request_id, None)
            if entry is None:
                continue  # its caller gave up waiting
            callback, timer = entry
            timer.cancel()
            if header.get("ok", False):
                callback((header, blob))
            else:
                callback(RemoteError(header.get("error", "Error"), header.get("message", "")))

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._reader = FrameReader()
        self._fail_all(StorageError(f"connection to storage node {self.address} lost"))

    def _fail_all(self, exc: Exception) -> None:
        pending, self._pending = self._pending, {}
        for callback, timer in pending.values():
            timer.cancel()
            callback(exc)

    # --- requests -------------------------------------------------------------------------
    async def connect(self) -> None:
        if self.connected:
            return
        if self._connecting is None:
            loop = asyncio.get_running_loop()
            self._connecting = loop.create_future()
            try:
                await asyncio.wait_for(
                    loop.create_unix_connection(lambda: self, unix_socket_path(Path(self.path))),
                    self.connect_timeout,
                )
                self._connecting.set_result(None)
            except (OSError, TimeoutError) as e:
                why = str(e) or f"no connection within {self.connect_timeout:g} s"
                err = StorageError(f"storage node {self.address} unreachable: {why}")
                self._connecting.set_exception(err)
                self._connecting.exception()  # retrieved: the waiters below re-raise it
                raise err from None
            finally:
                self._connecting = None
        else:
            await asyncio.shield(self._connecting)

    def send(self, kind: int, header: dict[str, Any] | bytes, blob: Blob, on_reply: ReplyCallback,
             timeout: float) -> None:
        """Send on the open connection; ``on_reply`` gets the reply, a RemoteError, or a
        StorageError (connection lost, or no answer within ``timeout`` seconds)."""
        transport = self._transport
        if transport is None or transport.is_closing():
            on_reply(StorageError(f"storage node {self.address} is not connected"))
            return
        request_id = self._next_id
        self._next_id = (self._next_id + 1) & 0xFFFFFFFF or 1
        timer = asyncio.get_running_loop().call_later(timeout, self._expire, request_id, timeout)
        self._pending[request_id] = (on_reply, timer)
        write_frame(transport, kind, request_id, header, blob)

    def _expire(self, request_id: int, timeout: float) -> None:
        entry = self._pending.pop(request_id, None)
        if entry is not None:
            entry[0](StorageError(f"storage node {self.address} did not answer in {timeout:.1f}s"))

    async def request(
        self, kind: int, header: dict[str, Any], blob: bytes = b"", timeout: float = 5.0
    ) -> Reply:
        """Send one request and wait for its reply; raise RemoteError for an error reply."""
        await self.connect()
        fut: asyncio.Future = asyncio.get_running_loop().create_future()

        def done(result: Reply | BaseException) -> None:
            if not fut.done():
                if isinstance(result, BaseException):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)

        self.send(kind, header, blob, done, timeout)
        return await fut

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        with contextlib.suppress(Exception):
            self._fail_all(StorageError("client closed"))


def request_sync(
    path: str, kind: int, header: dict[str, Any], blob: bytes = b"", timeout: float = 2.0
) -> Reply:
    """One request over a blocking socket, for callers without an event loop (CLI, probes)."""
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(unix_socket_path(Path(path)))
        s.sendall(encode_frame(kind, 1, header, blob))
        reader = FrameReader()
        while True:
            data = s.recv(65536)
            if not data:
                raise StorageError(f"storage node {path} closed the connection")
            frames = reader.feed(data)
            if frames:
                _kind, _rid, reply, reply_blob = frames[0]
                if not reply.get("ok", False):
                    raise RemoteError(reply.get("error", "Error"), reply.get("message", ""))
                return reply, reply_blob
