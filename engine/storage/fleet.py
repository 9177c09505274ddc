"""A region's storage fleet: the storage node processes, two per AZ by default.

start / stop / status of nodes, in the same shape as every process role. A node listens on
a Unix socket in its folder (``Layout.node_socket``), so volumes that list it find it again
after a restart, and only the owner of AURORA_HOME can reach it.
"""

from __future__ import annotations

import collections
import contextlib
import random
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aurora.engine import process
from aurora.engine.errors import StorageError
from aurora.engine.layout import Layout, ensure_private_dir, file_lock
from aurora.engine.storage import wire
from aurora.engine.storage.catalog import Catalog, NodeAddr

NODE_MODULE = "aurora.engine.storage.node"
DEFAULT_AZS = ("a", "b", "c")


@dataclass
class NodeStatus:
    id: str
    az: str
    socket: str
    pid: int | None
    up: bool

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "az": self.az, "socket": self.socket, "pid": self.pid,
                "status": "up" if self.up else "down"}


_LOWEST_PORT = 10000
_handed: collections.deque[int] = collections.deque(maxlen=4096)


def _ephemeral_start() -> int:
    """The first port the kernel gives to outgoing connections (Linux's default: 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing is bound to, for a listener started later (an endpoint, an
    instance). It comes from below the kernel's ephemeral range: a port from that range can
    be given to an outgoing connection (a client, a storage call) between this choice and
    the listener's bind, which then fails with "Address already in use". A port handed out
    recently by this process is not handed out again."""
    top = _ephemeral_start()
    if top - _LOWEST_PORT > 1000:
        for _ in range(200):
            port = random.randrange(_LOWEST_PORT, top)
            if port in _handed:
                continue
            with socket.socket() as s:
                try:
                    s.bind((host, port))
                except OSError:
                    continue
            _handed.append(port)
            return port
    with socket.socket() as s:
        s.bind((host, 0))
        port = s.getsockname()[1]
    _handed.append(port)
    return port


def node_answers(node: NodeAddr, timeout: float = 0.5) -> bool:
    """True when the node answers a HELLO on its socket."""
    try:
        reply, _ = wire.request_sync(node.socket, wire.HELLO, {}, timeout=timeout)
    except (OSError, StorageError):
        return False
    return reply.get("id") == node.id


class Fleet:
    def __init__(self, layout: Layout, region: str, node_args: list[str] | None = None) -> None:
        self.layout = layout
        self.region = region
        self.catalog = Catalog(layout, region)
        self.node_args = node_args or []

    def nodes(self) -> dict[str, NodeAddr]:
        return self.catalog.fleet_nodes()

    def create(self, nodes_per_az: int = 2, azs: tuple[str, ...] = DEFAULT_AZS,
               skip_azs: set[str] | frozenset[str] = frozenset()) -> list[NodeAddr]:
        """Record a new fleet and start it."""
        with self._locked():
            existing = self.nodes()
            if not existing:
                existing = {n.id: n for n in (
                    self._addr(f"sn-{az}{i}", az) for az in azs for i in range(1, nodes_per_az + 1))}
                self.catalog.save_fleet(list(existing.values()))
            self.start(skip_azs=skip_azs)
        return list(existing.values())

    def _addr(self, node_id: str, az: str) -> NodeAddr:
        return NodeAddr(node_id, az, str(self.layout.node_socket(self.region, node_id)))

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        """One process at a time creates, starts or grows a region's fleet."""
        return file_lock(self.layout.fleet_file(self.region).with_suffix(".lock"))

    def node_status(self, timeout: float = 0.5) -> dict[str, dict[str, Any] | None]:
        """Each node's STATUS answer (its segments with SCL and pages, its disk bytes), or
        None for a node that does not answer."""
        out: dict[str, dict[str, Any] | None] = {}
        for node in self.nodes().values():
            try:
                out[node.id], _ = wire.request_sync(node.socket, wire.STATUS, {}, timeout=timeout)
            except (OSError, StorageError):
                out[node.id] = None
        return out

    def add_node(self, az: str) -> NodeAddr:
        with self._locked():
            nodes = self.nodes()
            n = 1
            while f"sn-{az}{n}" in nodes or self.layout.node_dir(self.region, f"sn-{az}{n}").exists():
                n += 1
            node = self._addr(f"sn-{az}{n}", az)
            self.catalog.save_fleet([*nodes.values(), node])
        self.start_node(node.id)
        return node

    def start(self, timeout: float = 15.0, skip_azs: set[str] | frozenset[str] = frozenset()) -> None:
        """Start every node that is down, except in ``skip_azs`` (AZs failed on purpose)."""
        started = [nid for nid, n in self.nodes().items() if n.az not in skip_azs and self._spawn_if_down(nid)]
        for nid in started:
            self.wait_ready(nid, timeout)

    def start_node(self, node_id: str, timeout: float = 15.0) -> None:
        if self._spawn_if_down(node_id):
            self.wait_ready(node_id, timeout)

    def _spawn_if_down(self, node_id: str) -> bool:
        node = self.nodes()[node_id]
        ensure_private_dir(self.layout.home)  # the home holds every internal socket
        folder = ensure_private_dir(self.layout.node_dir(self.region, node_id))
        record = process.read_pid_file(folder)
        if record is not None and record.alive():
            return False
        process.spawn(NODE_MODULE, [
            "--dir", str(folder), "--id", node.id, "--az", node.az,
            "--socket", node.socket, *self.node_args,
        ], folder)
        return True

    def wait_ready(self, node_id: str, timeout: float = 15.0) -> None:
        node = self.nodes()[node_id]
        record = process.read_pid_file(self.layout.node_dir(self.region, node_id))
        process.wait_until(
            lambda: node_answers(node), timeout, f"storage node {node_id} on {node.socket}",
            interval=0.01, alive=record.alive if record else None,
            log_file=Layout.log_file(self.layout.node_dir(self.region, node_id)),
        )

    def record(self, node_id: str) -> process.ProcessRecord | None:
        return process.read_pid_file(self.layout.node_dir(self.region, node_id))

    def kill_node(self, node_id: str) -> None:
        """SIGKILL, as a crash would: no flush, no goodbye."""
        record = self.record(node_id)
        if record is not None:
            process.kill(record)
            process.wait_until(lambda: not record.alive(), 5.0, f"storage node {node_id} to die")

    def stop_node(self, node_id: str) -> None:
        record = self.record(node_id)
        if record is not None:
            process.stop(record)

    def stop(self) -> None:
        for node_id in self.nodes():
            self.stop_node(node_id)

    def status(self) -> list[NodeStatus]:
        out = []
        for node in self.nodes().values():
            record = self.record(node.id)
            up = record is not None and record.alive()
            out.append(NodeStatus(node.id, node.az, node.socket, record.pid if record else None, up))
        return out
