"""The ML service's protocol and its client (used by instances and by aurorad).

A message is a 4-byte big-endian length and that many bytes of JSON, on the service's Unix
socket (0600, in a 0700 folder). A request is ``{"op": ..., ...}``; the answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": {"code", "message"}}``, ``code``
being the AWS exception name (:class:`~aurora.engine.ml.errors.MlError`). Frames are not
lines because a batch of a thousand texts is larger than a line should be.

The client waits for an answer in short slices so that the caller can give up: a cancelled
statement (``check`` raises) or a deadline closes the connection, and the service's answer,
when it comes, goes nowhere. Nothing the service does can hang a SQL session.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aurora.engine.layout import unix_socket_path
from aurora.engine.ml.errors import MlError

HEADER = struct.Struct(">I")
MAX_FRAME = 256 * 1024 * 1024
SLICE_S = 0.05


def encode(obj: Any) -> bytes:
    data = json.dumps(obj, separators=(",", ":")).encode()
    return HEADER.pack(len(data)) + data


def read_frame(sock: socket.socket) -> Any | None:
    """One message from a blocking socket; None at a clean end of stream."""
    head = _read_exact(sock, HEADER.size)
    if head is None:
        return None
    (size,) = HEADER.unpack(head)
    if size > MAX_FRAME:
        raise ValueError(f"frame of {size} bytes is larger than {MAX_FRAME}")
    body = _read_exact(sock, size)
    if body is None:
        raise ConnectionError("connection closed in the middle of a message")
    return json.loads(body)


def _read_exact(sock: socket.socket, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            if chunks:
                raise ConnectionError("connection closed in the middle of a message")
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


UNAVAILABLE = "ServiceUnavailable"


class MlClient:
    """A connection to the ML service, opened on first use and reopened after any failure.
    One caller at a time (a session's statements run one after another)."""

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._pending: dict[str, Any] | None = None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def call(self, request: dict[str, Any], check: Callable[[], None] | None = None,
             timeout: float | None = None) -> Any:
        """Send ``request`` and return the service's result; MlError on any failure.
        ``check`` is called every few milliseconds while waiting and may raise to give up."""
        limit = self.timeout if timeout is None else timeout
        self.send(request)
        return self.receive(time.monotonic() + limit, check, limit)

    def send(self, request: dict[str, Any]) -> None:
        """Send one request (its answer is read by :meth:`receive`)."""
        data = encode(request)
        for attempt in (1, 2):  # a connection the service closed (it restarted) is opened again once
            sock = self._connect()
            try:
                sock.sendall(data)
                self._pending = request
                return
            except OSError as e:
                self.close()
                if attempt == 2:
                    raise MlError(UNAVAILABLE, f"the ML service closed the connection ({e})") from None

    def receive(self, deadline: float, check: Callable[[], None] | None = None, limit: float | None = None) -> Any:
        """The answer to the request sent last; a connection found closed (the service
        restarted since it was opened) is opened again and the request sent once more."""
        try:
            return self._answer(deadline, check, limit)
        except (ConnectionError, OSError):
            self.close()
            request, self._pending = self._pending, None
            if request is None or time.monotonic() >= deadline:
                raise MlError(UNAVAILABLE, "the ML service closed the connection") from None
        self.send(request)
        try:
            return self._answer(deadline, check, limit)
        except (ConnectionError, OSError) as e:
            self.close()
            raise MlError(UNAVAILABLE, f"the ML service closed the connection ({e})") from None
        except BaseException:
            self.close()
            raise

    def _connect(self) -> socket.socket:
        if self._sock is not None:
            return self._sock
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(unix_socket_path(self.path))
        except OSError:
            sock.close()
            raise MlError(UNAVAILABLE, "the ML service is not running (aurorad starts it again "
                                       "within seconds; see aurora ml status)") from None
        self._sock = sock
        return sock

    def _answer(self, deadline: float, check: Callable[[], None] | None, limit: float | None) -> Any:
        sock = self._sock
        if sock is None:
            raise ConnectionError("no request was sent")
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    within = f"within {limit:g} s" if limit is not None else "in the time allowed"
                    raise MlError(UNAVAILABLE, f"the ML service did not answer {within}")
                ready, _, _ = select.select([sock], [], [], min(SLICE_S, left))
                if check is not None:
                    check()
                if ready:
                    break
            reply = read_frame(sock)
        except (MlError, ValueError):
            self.close()
            raise
        except (ConnectionError, OSError):
            raise
        except BaseException:
            self.close()  # a cancelled wait: the answer, when it comes, goes nowhere
            raise
        if reply is None:
            raise ConnectionError("the ML service closed the connection")
        self._pending = None
        if reply.get("ok"):
            return reply.get("result")
        error = reply.get("error") or {}
        raise MlError(str(error.get("code", "InternalFailure")), str(error.get("message", "unknown error")))
