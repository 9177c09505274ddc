"""Endpoints: stable ports whose new connections are handed to an instance (SCM_RIGHTS).

aurorad accepts on the endpoint's port, picks an instance (the writer, or the next healthy
reader round-robin), and passes the accepted socket to that instance over the instance's
hand-off Unix socket. The instance then talks to the client directly: the endpoint costs one
accept and one sendmsg per connection and nothing per query.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aurora.engine.errors import Conflict
from aurora.engine.layout import Layout, unix_socket_path

log = logging.getLogger("aurorad.endpoints")

def handoff_path(instance_dir: Path) -> Path:
    return instance_dir / "handoff.sock"


class Endpoint:
    def __init__(self, layout: Layout, cluster: str, kind: str, port: int,
                 route: Callable[[str, str], list[Any]]) -> None:
        self.layout = layout
        self.cluster = cluster
        self.kind = kind
        self.port = port
        self.route = route
        self._sock: socket.socket | None = None
        self._handoffs: dict[str, socket.socket] = {}
        self._rr = itertools.count()
        self.handed = 0

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
            try:
                self._hand_off(conn)
            finally:
                conn.close()  # the instance holds its own copy now (or the client is refused)

    def _hand_off(self, conn: socket.socket) -> None:
        targets = self.route(self.cluster, self.kind)
        if not targets:
            log.warning("%s %s endpoint: no instance available; connection refused", self.cluster, self.kind)
            return
        start = next(self._rr) % len(targets)
        for inst in targets[start:] + targets[:start]:
            if self._send_to(inst.id, conn):
                self.handed += 1
                return
        log.warning("%s %s endpoint: no instance took the connection", self.cluster, self.kind)

    def _send_to(self, instance_id: str, conn: socket.socket) -> bool:
        for _attempt in range(2):
            s = self._handoffs.get(instance_id)
            if s is None:
                path = handoff_path(self.layout.instance_dir(self.cluster, instance_id))
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
