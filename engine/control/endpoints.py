"""Endpoints: stable ports whose new connections are handed to an instance (SCM_RIGHTS).

aurorad accepts on the endpoint's port, picks an instance (the writer, or the next healthy
reader round-robin), and passes the accepted socket to that instance over the instance's
hand-off Unix socket. The instance then talks to the client directly: the endpoint costs one
accept and one sendmsg per connection and nothing per query. While no instance can take a
connection (a failover under way), it waits, up to WAIT_FOR_INSTANCE_S, for one that can; then
it answers the client with an ErrorResponse that says why, never a silent close. When the
instances it needs are paused (serverless auto-pause), ``wake`` resumes them and the
connection is held up to RESUME_WAIT_S.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from aurora.engine.errors import Conflict
from aurora.engine.layout import Layout, unix_socket_path
from aurora.engine.pgwire.protocol import (
    CANCEL_REQUEST_CODE,
    GSSENC_REQUEST_CODE,
    SSL_REQUEST_CODE,
    error_fields,
)

log = logging.getLogger("aurorad.endpoints")

WAIT_FOR_INSTANCE_S = 3.0  # a failover takes well under this: the client sees a slow connect
RESUME_WAIT_S = 15.0  # a paused serverless instance resumes in about a second (AWS: up to 15 s)
RETRY_EVERY_S = 0.02


class Endpoint:
    def __init__(self, layout: Layout, cluster: str, kind: str, port: int,
                 route: Callable[[str, str], list[Any]], label: str | None = None,
                 wake: Callable[[str, str], bool] | None = None, engine: str = "postgres") -> None:
        self.layout = layout
        self.engine = engine  # the protocol its clients speak: how a refusal is worded
        self.cluster = cluster
        self.label = label or f"cluster {cluster}"  # how errors name what the endpoint belongs to
        self.kind = kind
        self.port = port
        self.route = route
        self.wake = wake  # resumes paused instances the endpoint needs; True while that is under way
        self._sock: socket.socket | None = None
        self._handoffs: dict[str, socket.socket] = {}
        self._rr = itertools.count()
        self._waiting: list[tuple[socket.socket, float]] = []  # (accepted socket, deadline)
        self._retry: asyncio.TimerHandle | None = None
        self._refusals: set[asyncio.Task] = set()
        self.handed = 0
        self.refused = 0

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self.port))
        except OSError as e:
            sock.close()
            raise Conflict(f"port {self.port} of the {self.kind} endpoint of {self.cluster} is in use: {e.strerror}",
                           hint="stop what uses it, or recreate the cluster with another --port") from None
        sock.listen(512)
        sock.setblocking(False)
        self._sock = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self._on_accept)

    async def stop(self) -> None:
        if self._sock is not None:
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
        for s in self._handoffs.values():
            s.close()
        self._handoffs.clear()
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        for conn, _ in self._waiting:
            conn.close()
        self._waiting.clear()

    def _on_accept(self) -> None:
        assert self._sock is not None
        while True:
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                log.warning("%s %s endpoint: accept failed: %s", self.cluster, self.kind, e)
                return
            if self._waiting or not self._hand_off(conn, self.route(self.cluster, self.kind)):
                self._wait(conn)  # behind those waiting already, so that they keep their order
            else:
                conn.close()  # the instance holds its own copy now

    def _hand_off(self, conn: socket.socket, targets: list[Any]) -> bool:
        if not targets:
            return False
        start = next(self._rr) % len(targets)
        for inst in targets[start:] + targets[:start]:
            # a global database's endpoint names each target's cluster (it moves between them)
            if self._send_to(getattr(inst, "cluster", self.cluster), inst.id, conn):
                self.handed += 1
                return True
        return False

    def _wait(self, conn: socket.socket) -> None:
        """No instance can take the connection now: try again shortly, until the deadline."""
        resuming = self.wake is not None and self.wake(self.cluster, self.kind)
        self._waiting.append((conn, time.monotonic() + (RESUME_WAIT_S if resuming else WAIT_FOR_INSTANCE_S)))
        if self._retry is None:
            self._retry = asyncio.get_running_loop().call_later(RETRY_EVERY_S, self._retry_waiting)

    def _retry_waiting(self) -> None:
        self._retry = None
        targets = self.route(self.cluster, self.kind)
        now = time.monotonic()
        waiting, self._waiting = self._waiting, []
        for conn, deadline in waiting:
            if self._hand_off(conn, targets):
                conn.close()
            elif now >= deadline:
                task = asyncio.ensure_future(self._refuse(conn))
                self._refusals.add(task)
                task.add_done_callback(self._refusals.discard)
            else:
                self._waiting.append((conn, deadline))
        if self._waiting:
            self._retry = asyncio.get_running_loop().call_later(RETRY_EVERY_S, self._retry_waiting)

    async def _refuse(self, conn: socket.socket) -> None:
        """Answer the client's startup (declining TLS) with a FATAL ErrorResponse that says
        why: no instance behind this endpoint can take a connection now."""
        self.refused += 1
        what = "writer" if self.kind == "writer" else "instance"
        log.warning("%s %s endpoint: no %s took a connection within %.0f s; refused", self.cluster, self.kind,
                    what, WAIT_FOR_INSTANCE_S)
        text = (f"the {self.kind} endpoint of {self.label} has no available {what} "
                "(a failover or restart is under way)")
        hint = f"retry in a moment; `aurora describe {self.cluster}` shows the instances"
        loop = asyncio.get_running_loop()
        conn.setblocking(False)
        if self.engine == "mysql":  # MySQL's server speaks first: an ERR packet instead of its greeting
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(1.0):
                    await loop.sock_sendall(conn, mysql_error_packet(3032, f"{text}; {hint}"))
            conn.close()
            return
        message = error_fields(b"E", "FATAL", "57P03", text, hint=hint)
        try:
            async with asyncio.timeout(1.0):
                length, code = struct.unpack("!ii", await _recv_exactly(loop, conn, 8))
                if code in (SSL_REQUEST_CODE, GSSENC_REQUEST_CODE):
                    await loop.sock_sendall(conn, b"N")
                    length, code = struct.unpack("!ii", await _recv_exactly(loop, conn, 8))
                if code != CANCEL_REQUEST_CODE and 8 <= length <= 10_000:
                    await _recv_exactly(loop, conn, length - 8)  # the startup message's parameters
                    await loop.sock_sendall(conn, message)
        except (OSError, TimeoutError, struct.error, EOFError):
            pass  # the client went away (or sent nothing we understand): nothing to tell it
        finally:
            conn.close()

    def _send_to(self, cluster: str, instance_id: str, conn: socket.socket) -> bool:
        for _attempt in range(2):
            s = self._handoffs.get(instance_id)
            if s is None:
                path = Layout.handoff_socket(self.layout.instance_dir(cluster, instance_id))
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(0.5)
                try:
                    s.connect(unix_socket_path(path))
                except OSError:
                    s.close()
                    return False
                self._handoffs[instance_id] = s
            try:
                socket.send_fds(s, [b"c"], [conn.fileno()])
                return True
            except OSError:
                with contextlib.suppress(OSError):
                    s.close()
                del self._handoffs[instance_id]  # the instance restarted: connect again
        return False


def mysql_error_packet(errno: int, message: str) -> bytes:
    """A MySQL ERR packet sent in place of the server's greeting (sequence id 0, no SQLSTATE:
    the client's capabilities are not known yet)."""
    body = b"\xff" + errno.to_bytes(2, "little") + message.encode()[:1000]
    return len(body).to_bytes(3, "little") + b"\x00" + body


async def _recv_exactly(loop: asyncio.AbstractEventLoop, conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = await loop.sock_recv(conn, n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data
