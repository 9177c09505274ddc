"""aurorad: the control plane, one per AURORA_HOME (``python -m aurora.engine.control.daemon``).

It keeps cluster metadata, starts the storage fleet of a region and the instances of each
cluster, watches them, and owns the endpoints: listening sockets on stable ports whose
connections are handed to the right instance (SCM_RIGHTS), so that aurorad is never on the
data path after the hand-over. Requests arrive on a Unix socket (0600) through
:mod:`aurora.engine.rpc`, answered from the table in :mod:`aurora.engine.control.api`; each
runs in a worker thread, so a slow operation never stalls the endpoints.

This module is start-up, the socket loop and the wiring; each role is a room of its own
(engine/control/DESIGN.md). If aurorad dies, storage nodes and instances keep serving; a
restarted aurorad re-adopts them from their pid files and restarts nothing that is healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time

from aurora.engine import process, rpc
from aurora.engine.control.api import OPERATIONS
from aurora.engine.control.backups import MAINTAIN_EVERY_S, Backups
from aurora.engine.control.chaos import Chaos
from aurora.engine.control.context import SUPERVISE_EVERY_S
from aurora.engine.control.failover import Failover
from aurora.engine.control.globaldb import GlobalDatabases
from aurora.engine.control.instances import Instances
from aurora.engine.control.lifecycle import Lifecycle
from aurora.engine.control.metrics import SAMPLE_EVERY_S, Metrics
from aurora.engine.control.ml import MachineLearning
from aurora.engine.control.routes import Routes
from aurora.engine.control.serverless import SCALE_EVERY_S, Serverless
from aurora.engine.control.settings import Settings
from aurora.engine.control.status import Status
from aurora.engine.control.supervision import Supervision
from aurora.engine.layout import Layout, ensure_private_dir
from aurora.engine.loop import asyncio_run
from aurora.engine.metrics.names import metrics_enabled

log = logging.getLogger("aurorad")


class ControlPlane(Metrics, GlobalDatabases, Backups, Serverless, Lifecycle, Failover, Supervision, Chaos, Status, Routes,
                   Instances, Settings, MachineLearning):
    """One aurorad: the rooms over one shared :class:`~aurora.engine.control.context.Context`."""


async def serve(layout: Layout) -> None:
    loop = asyncio.get_running_loop()
    cp = ControlPlane(layout, loop)
    ensure_private_dir(layout.daemon_dir)
    me = process.this_process()
    process.start_fork_server(layout, me)
    server = await rpc.Server(OPERATIONS, cp, "aurorad", log,
                              log_file=Layout.log_file(layout.daemon_dir)).start(layout.control_socket)
    await asyncio.to_thread(cp.adopt)
    await asyncio.to_thread(cp.start_listeners)
    log.info("aurorad %d serving %s", os.getpid(), layout.home)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    fork_server_checked = time.monotonic()

    def supervision_round() -> None:
        """One round, in one worker thread: handing each step to a thread of its own woke
        two threads five times a round, five rounds a second, also on an idle machine."""
        nonlocal fork_server_checked
        cp.supervise_once()
        cp.supervise_fleet()
        cp.place_storage_nodes()
        cp.supervise_globals()
        cp.supervise_backups()
        cp.supervise_ml()
        if time.monotonic() - fork_server_checked >= 1.0:  # started again when it died
            fork_server_checked = time.monotonic()
            process.start_fork_server(layout, me)

    async def supervise() -> None:
        while True:
            await asyncio.sleep(SUPERVISE_EVERY_S)
            try:
                process.reap_children()
                await asyncio.to_thread(supervision_round)
            except Exception as e:
                log.warning("supervision round failed: %r", e)

    async def scale() -> None:
        while True:
            await asyncio.sleep(SCALE_EVERY_S)
            try:
                await asyncio.to_thread(cp.scale_serverless)
            except Exception as e:
                log.warning("serverless scaling round failed: %r", e)

    async def maintain() -> None:
        while True:
            await asyncio.sleep(MAINTAIN_EVERY_S)
            try:
                await asyncio.to_thread(cp.maintain_backups)
            except Exception as e:
                log.warning("backup upkeep failed: %r", e)

    async def measure() -> None:
        while True:  # on whole seconds, so that each sample has a second of its own
            await asyncio.sleep(SAMPLE_EVERY_S - time.time() % SAMPLE_EVERY_S)
            try:
                await asyncio.to_thread(cp.sample_metrics)
            except Exception as e:
                log.warning("metrics round failed: %r", e)

    task = asyncio.create_task(supervise())
    scaler = asyncio.create_task(scale())
    upkeep = asyncio.create_task(maintain())
    sampler = asyncio.create_task(measure()) if metrics_enabled() else None
    try:
        while not stop.is_set() and not cp.stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)
    finally:
        task.cancel()
        scaler.cancel()
        upkeep.cancel()
        if sampler is not None:
            sampler.cancel()
        server.close()
        await asyncio.to_thread(cp.stop_listeners)
        for ep in list(cp.endpoints.values()):
            await ep.stop()
        with contextlib.suppress(FileNotFoundError):
            layout.control_socket.unlink()
        forkserver = process.read_pid_file(layout.forkserver_dir)
        if forkserver is not None:
            await asyncio.to_thread(process.stop, forkserver)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s aurorad %(levelname)s %(message)s")
    layout = Layout.from_env()
    process.prefer_short_time_slices()  # and the processes it spawns without the fork server
    try:
        asyncio_run(serve(layout))
    except RuntimeError as e:
        if "Event loop stopped" not in str(e):
            raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
