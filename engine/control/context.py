"""The shared context of aurorad's rooms: layout, cluster store, events, locks, fleets, and
what every room asks about an instance process (its pid record, liveness, status file, and
its control socket).

The rooms (instances, routes, lifecycle, failover, supervision, chaos, status) each add the
methods of one role to :class:`Context`; :class:`~aurora.engine.control.daemon.ControlPlane`
is their sum. State lives here only, so that each room can be read on its own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from aurora.engine import errors, process, rpc
from aurora.engine.control.clusters import ClusterSpec, ClusterStore, InstanceSpec
from aurora.engine.control.events import EventLog
from aurora.engine.layout import Layout, read_status
from aurora.engine.storage.fleet import DEFAULT_AZS, Fleet

if TYPE_CHECKING:
    from aurora.engine.control.endpoints import Endpoint

AZS = DEFAULT_AZS
SUPERVISE_EVERY_S = 0.2
# Busy is not dead. An instance answers the health ping from its event loop while statements
# run in worker threads, but a long statement competing for the GIL (or a collection of a big
# result) can delay that answer by a few hundred ms: the ping waits this long, and one miss
# does not take the instance off its endpoints (two make it unresponsive, see health()).
PING_TIMEOUT_S = 1.0
ROUTE_MAX_MISSES = 1
RETELL_AFTER_S = 2.0  # supervision tells a reader again where the writer is, at most this often


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Context:
    """State of one aurorad. Locks: ``lock(cluster)`` is held by every operation that changes
    a cluster (supervision only tries it); ``_global`` guards the table of those locks."""

    def __init__(self, layout: Layout, loop: asyncio.AbstractEventLoop) -> None:
        self.layout = layout
        self.loop = loop
        self.store = ClusterStore(layout)
        self.events = EventLog(layout.events_file)
        self.endpoints: dict[tuple[str, str], Endpoint] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._global = threading.Lock()
        self._misses: dict[tuple[str, str], int] = {}
        self._failover_backoff: dict[str, float] = {}
        self.failed_azs: set[tuple[str, str]] = set()
        self.failed_regions: dict[str, str] = {}  # region -> stop or freeze (aurora chaos fail-region)
        self._node_down_since: dict[tuple[str, str], float] = {}
        self._unsafe_logged: dict[tuple[str, str], bool] = {}
        self._told: dict[tuple[str, str], float] = {}  # when a reader was last told where the writer is
        self._nodes_placed = 0.0  # when the storage nodes were last kept off the writers' CPUs
        self._weighed_at = 0.0  # when the CPU weights of the regions' processes were last set (globaldb.py)
        self._weights_set = True  # some process may have a lower CPU weight (globaldb.weigh_regions)
        self.node_repair_after = float(os.environ.get("AURORA_NODE_REPAIR_AFTER", "10"))
        self.scaling: dict[tuple[str, str], Any] = {}  # serverless instance -> serverless.Scaling
        self.resuming: dict[str, Any] = {}  # cluster -> serverless._Resume, guarded by _global
        self._backup_spawned: dict[str, float] = {}  # cluster -> when its backup process was last started
        self.ml_spawned = 0.0  # when the ML service was last started (control/ml.py)
        self.listeners: dict[str, Any] = {}  # setting -> HTTP listener (control/settings.py)
        self.listeners_lock = threading.Lock()
        self.started = time.time()
        self.stopping = False

    def lock(self, name: str) -> threading.Lock:
        with self._global:
            return self._locks.setdefault(name, threading.Lock())

    def fleet(self, region: str) -> Fleet:
        return Fleet(self.layout, region)

    def failed_in(self, region: str) -> set[str]:
        return {az for r, az in self.failed_azs if r == region}

    def instance_record(self, spec: ClusterSpec, inst: InstanceSpec) -> process.ProcessRecord | None:
        return process.read_pid_file(self.layout.instance_dir(spec.name, inst.id))

    def instance_alive(self, spec: ClusterSpec, inst: InstanceSpec) -> bool:
        record = self.instance_record(spec, inst)
        return record is not None and record.alive()

    def instance_frozen(self, spec: ClusterSpec, inst: InstanceSpec) -> bool:
        """The process is stopped (SIGSTOP): it cannot answer anything until it is resumed."""
        record = self.instance_record(spec, inst)
        try:
            return record is not None and psutil.Process(record.pid).status() == psutil.STATUS_STOPPED
        except psutil.Error:
            return False

    def instance_status(self, spec: ClusterSpec, inst: InstanceSpec) -> dict[str, Any]:
        return read_status(self.layout.instance_dir(spec.name, inst.id))

    def instance_call(self, spec: ClusterSpec, inst: InstanceSpec, op: str, timeout: float = 30.0,
                      **args: Any) -> Any:
        """One operation on an instance's control socket (engine/instance/server.py CONTROL)."""
        path = self.layout.instance_control_socket(self.layout.instance_dir(spec.name, inst.id))
        try:
            return rpc.request(path, op, args, timeout=timeout, peer=f"instance {inst.id}")
        except errors.Unavailable:
            raise
        except errors.AuroraError as e:
            raise errors.Unavailable(f"instance {inst.id}: {e.message}") from None

    # --- a cluster's helper processes (a replication process, a backup process) --------------
    def helper_call(self, folder: Path, peer: str, op: str, timeout: float = 10.0, **args: Any) -> Any:
        """One operation on the control socket of the helper process whose folder is ``folder``."""
        return rpc.request(self.layout.instance_control_socket(folder), op, args, timeout=timeout, peer=peer)

    def stop_helper(self, folder: Path, timeout: float = 3.0) -> None:
        """SIGTERM (after SIGCONT: it may be frozen), then SIGKILL; it writes what it holds first."""
        record = process.read_pid_file(folder)
        if record is not None and record.alive():
            process.kill(record, signal.SIGCONT)
            process.stop(record, timeout=timeout)

    def run_on_loop(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` (a coroutine function or a plain one) on aurorad's loop and wait."""
        async def call() -> Any:
            result = fn()
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result()
