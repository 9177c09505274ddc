"""aurorad's instance processes: spawn, wait for, stop, and re-adopt them at start-up.

An instance's folder (engine/layout.py) holds its pid file, log and ``status.json``; aurorad
reads that status and never holds the instance's state itself. Methods of :class:`Instances`
are mixed into :class:`~aurora.engine.control.daemon.ControlPlane`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import time
from typing import Any

import psutil

from aurora.engine import errors, process
from aurora.engine.control.clusters import (
    ClusterSpec,
    InstanceSpec,
)
from aurora.engine.control.context import Context
from aurora.engine.instance.capacity import MIN_RUNNING_ACU
from aurora.engine.layout import Layout, clear_status, ensure_private_dir
from aurora.engine.probe import answers as instance_answers

log = logging.getLogger("aurorad")

INSTANCE_MODULE = process.INSTANCE_MODULE


class Instances(Context):
    """The instance processes of every cluster."""

    def spawn_instance(self, spec: ClusterSpec, inst: InstanceSpec) -> process.ProcessRecord:
        folder = ensure_private_dir(self.layout.instance_dir(spec.name, inst.id))
        clear_status(folder)
        args = [
            "--dir", str(folder), "--cluster", spec.name, "--id", inst.id, "--role", inst.role,
            "--az", inst.az, "--port", str(inst.port), "--region", spec.region,
            "--volume", spec.volume, "--replication-socket", str(self.layout.replication_socket(folder)),
            "--user", spec.master_username, "--database", spec.database_name,
            "--password-file", str(self.layout.password_file(spec.name)),
            "--writer-socket", self.writer_socket(spec, inst), "--engine", spec.engine,
        ]
        if spec.serverless is not None:
            args += ["--acu", str(self.start_acu(spec, inst)), "--max-acu", str(spec.serverless.max_acu)]
        return process.spawn(INSTANCE_MODULE, args, folder, env={"AURORA_HOME": str(self.layout.home)})

    def start_acu(self, spec: ClusterSpec, inst: InstanceSpec) -> float:
        """The capacity an instance starts with: the last one the scaler gave it, in range."""
        assert spec.serverless is not None
        known = self.scaling.get((spec.name, inst.id))
        lo = max(MIN_RUNNING_ACU, spec.serverless.min_acu)
        return min(spec.serverless.max_acu, max(lo, known.acu if known else lo))

    def writer_socket(self, spec: ClusterSpec, inst: InstanceSpec) -> str:
        """Where ``inst`` follows the writer's commits: the writer's replication socket ("" for
        the writer itself, or a cluster with no writer)."""
        if spec.secondary:  # a global database's secondary: its replication process streams
            return str(self.layout.replication_socket(self.layout.replicator_dir(spec.name)))
        writer = spec.writer
        return "" if writer is None or writer.id == inst.id else self.writer_stream(spec)

    def writer_stream(self, spec: ClusterSpec) -> str:
        """Where the cluster's writer streams its committed batches ("" without a writer): what
        readers, a global secondary's replication process and the backup process follow."""
        writer = spec.writer
        if writer is None:
            return ""
        return str(self.layout.replication_socket(self.layout.instance_dir(spec.name, writer.id)))

    def tell_writer(self, spec: ClusterSpec, inst: InstanceSpec) -> None:
        """Tell a reader where the writer streams now (best effort: supervision tells it again
        while its status shows another place)."""
        self._told[(spec.name, inst.id)] = time.monotonic()
        try:
            self.instance_call(spec, inst, "follow", timeout=0.5, socket=self.writer_socket(spec, inst))
        except errors.AuroraError as e:
            log.info("could not tell %s where the writer is: %s", inst.id, e)

    def wait_instance(self, spec: ClusterSpec, inst: InstanceSpec, timeout: float = 30.0) -> None:
        record = self.instance_record(spec, inst)
        process.wait_until(
            lambda: instance_answers(inst.port, engine=spec.engine) and self.instance_status(spec, inst).get("ready", False),
            timeout, f"instance {inst.id} on port {inst.port}", interval=0.02,
            alive=record.alive if record else None,
            log_file=Layout.log_file(self.layout.instance_dir(spec.name, inst.id)),
        )

    def instance_state(self, spec: ClusterSpec, inst: InstanceSpec) -> str:
        if inst.stopped or spec.stopped:
            return "stopped"
        if inst.paused:  # marked first, so that the endpoints pass it by; then its process stops
            return "pausing" if self.instance_alive(spec, inst) else "paused"
        if not self.instance_alive(spec, inst):
            return "down"
        if self.instance_frozen(spec, inst):
            return "frozen"
        if self._misses.get((spec.name, inst.id), 0) >= 2:
            return "unresponsive"
        return "available" if self.instance_status(spec, inst).get("ready") else "starting"

    def _kill_processes_under(self, folder: Any) -> None:
        for pid_file in folder.rglob("pid"):
            record = process.read_pid_file(pid_file.parent)
            if record is not None and record.alive():
                process.kill(record, signal.SIGCONT)
                process.stop(record, timeout=2.0)

    def _sweep_orphans(self) -> None:
        """Remove what a crash can leave: a cluster folder claimed but never saved (aurorad
        died during a create), and instance processes whose cluster no longer exists."""
        clusters_dir = self.layout.clusters_dir
        if clusters_dir.exists():
            for folder in clusters_dir.iterdir():
                if folder.is_dir() and not Layout.cluster_metadata(folder).exists():
                    log.warning("removing %s: a create that never finished", folder)
                    self._kill_processes_under(folder)
                    shutil.rmtree(folder, ignore_errors=True)
        prefix = str(clusters_dir) + os.sep
        for proc in psutil.process_iter(["cmdline"]):
            cmd = proc.info.get("cmdline") or []
            if INSTANCE_MODULE not in cmd or "--dir" not in cmd:
                continue
            folder = cmd[cmd.index("--dir") + 1] if cmd.index("--dir") + 1 < len(cmd) else ""
            if folder.startswith(prefix):
                cluster = folder[len(prefix):].split(os.sep, 1)[0]
                if not self.store.exists(cluster):
                    log.warning("stopping instance pid %d of a cluster that no longer exists (%s)", proc.pid, cluster)
                    with contextlib.suppress(psutil.Error):
                        proc.resume()
                        proc.terminate()

    def adopt(self) -> None:
        """On start: bring back the storage fleets of running clusters (after a reboot their
        nodes are down, their data intact), reopen every running cluster's endpoints; restart
        nothing healthy."""
        self._sweep_orphans()
        for region in {s.region for s in self.store.all() if not s.stopped}:
            try:
                self.fleet(region).start()
            except errors.AuroraError as e:
                log.warning("cannot start the storage fleet of %s: %s", region, e)
        for spec in self.store.all():
            if not spec.stopped:
                try:
                    self.open_endpoints(spec)
                except errors.AuroraError as e:
                    log.warning("cannot open the endpoints of %s: %s", spec.name, e)
