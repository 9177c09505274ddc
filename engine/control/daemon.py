"""aurorad: the control plane, one per AURORA_HOME (``python -m aurora.engine.control.daemon``).

It keeps cluster metadata, starts the storage fleet of a region and the instances of each
cluster, watches them, and owns the endpoints: listening sockets on stable ports whose
connections are handed to the right instance (SCM_RIGHTS), so that aurorad is never on the
data path after the hand-over. Requests arrive as JSON lines on a Unix socket (0600); each
runs in a worker thread, so a slow operation never stalls the endpoints.

If aurorad dies, storage nodes and instances keep serving on their own ports; a restarted
aurorad re-adopts them from their pid files and restarts nothing that is healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import psutil

from aurora.engine import errors, process
from aurora.engine.control.clusters import (
    ENGINES,
    MAX_REPLICAS,
    ClusterSpec,
    ClusterStore,
    CustomEndpoint,
    InstanceSpec,
    check_name,
)
from aurora.engine.control.endpoints import Endpoint
from aurora.engine.control.events import EventLog
from aurora.engine.control.request import MAX_LINE, read_request
from aurora.engine.errors import ClusterDamaged
from aurora.engine.layout import DEFAULT_REGION, Layout, ensure_private_dir, unix_socket_path
from aurora.engine.loop import asyncio_run
from aurora.engine.pgwire.probe import answers as instance_answers
from aurora.engine.storage.catalog import Catalog, parse_volume_name
from aurora.engine.storage.fleet import Fleet, free_port

log = logging.getLogger("aurorad")

INSTANCE_MODULE = "aurora.engine.instance.server"
AZS = ("a", "b", "c")
SUPERVISE_EVERY_S = 0.2
# Busy is not dead. An instance answers the health ping from its event loop while statements
# run in worker threads, but a long statement competing for the GIL (or a collection of a big
# result) can delay that answer by a few hundred ms: the ping waits this long, and one miss
# does not take the instance off its endpoints (two make it unresponsive, see health()).
PING_TIMEOUT_S = 1.0
ROUTE_MAX_MISSES = 1


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class ControlPlane:
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
        self._node_down_since: dict[tuple[str, str], float] = {}
        self._unsafe_logged: dict[tuple[str, str], bool] = {}
        self.node_repair_after = float(os.environ.get("AURORA_NODE_REPAIR_AFTER", "10"))
        self.started = time.time()
        self.stopping = False

    # --- helpers --------------------------------------------------------------------------
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
        path = self.layout.instance_status_file(self.layout.instance_dir(spec.name, inst.id))
        try:
            return json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def spawn_instance(self, spec: ClusterSpec, inst: InstanceSpec) -> process.ProcessRecord:
        folder = ensure_private_dir(self.layout.instance_dir(spec.name, inst.id))
        with contextlib.suppress(FileNotFoundError):
            self.layout.instance_status_file(folder).unlink()
        args = [
            "--dir", str(folder), "--cluster", spec.name, "--id", inst.id, "--role", inst.role,
            "--az", inst.az, "--port", str(inst.port), "--region", spec.region,
            "--volume", spec.volume, "--replication-socket", str(self.layout.replication_socket(folder)),
            "--user", spec.master_username, "--database", spec.database_name,
            "--password-file", str(self.layout.password_file(spec.name)),
        ]
        return process.spawn(INSTANCE_MODULE, args, folder, env={"AURORA_HOME": str(self.layout.home)})

    def wait_instance(self, spec: ClusterSpec, inst: InstanceSpec, timeout: float = 30.0) -> None:
        record = self.instance_record(spec, inst)
        process.wait_until(
            lambda: instance_answers(inst.port) and self.instance_status(spec, inst).get("ready", False),
            timeout, f"instance {inst.id} on port {inst.port}", interval=0.02,
            alive=record.alive if record else None,
        )

    def _run_on_loop(self, fn: Callable[[], Any]) -> Any:
        fut = asyncio.run_coroutine_threadsafe(_call(fn), self.loop)
        return fut.result()

    def open_endpoints(self, spec: ClusterSpec) -> None:
        wanted = {("writer", spec.writer_port), ("reader", spec.reader_port)}
        wanted |= {(f"custom:{e.name}", e.port) for e in spec.custom_endpoints}
        for kind, port in wanted:
            key = (spec.name, kind)
            if key not in self.endpoints:
                ep = Endpoint(self.layout, spec.name, kind, port, self.route)
                self._run_on_loop(ep.start)
                self.endpoints[key] = ep

    def close_endpoints(self, name: str) -> None:
        for key in [k for k in self.endpoints if k[0] == name]:
            ep = self.endpoints.pop(key)
            self._run_on_loop(ep.stop)

    def route(self, cluster: str, kind: str) -> list[InstanceSpec]:
        """The instances a new connection to an endpoint may go to, in preference order."""
        try:
            spec = self.store.load(cluster)
        except errors.NotFound:
            return []
        healthy = []
        for i in spec.instances:
            status = self.instance_status(spec, i)
            # a fenced old writer that has not been restarted yet still says "writer"
            if not i.stopped and status.get("ready") and status.get("role") == i.role \
                    and self._misses.get((spec.name, i.id), 0) <= ROUTE_MAX_MISSES:
                healthy.append(i)
        if kind == "writer":
            return [i for i in healthy if i.role == "writer"]
        if kind == "reader":
            readers = [i for i in healthy if i.role == "reader"]
            return readers or [i for i in healthy if i.role == "writer"]
        name = kind.split(":", 1)[1]
        members = next((e.members for e in spec.custom_endpoints if e.name == name), [])
        return [i for i in healthy if i.id in members]

    # --- operations -----------------------------------------------------------------------
    def op_ping(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "started": self.started, "home": str(self.layout.home)}

    def op_daemon_status(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "started": self.started, "uptime_s": round(time.time() - self.started, 1),
                "home": str(self.layout.home), "clusters": len(self.store.names()),
                "endpoints": len(self.endpoints)}

    def op_create(self, name: str, engine: str = "postgres", replicas: int = 0, region: str = DEFAULT_REGION,
                  master_username: str = "postgres", master_password: str | None = None,
                  database_name: str = "postgres", port: int | None = None, wait: bool = True) -> dict[str, Any]:
        check_name(name)
        if engine not in ENGINES:
            raise errors.UsageError(f"unsupported engine {engine!r}", hint=f"use one of: {', '.join(ENGINES)}")
        if not 0 <= replicas <= MAX_REPLICAS:
            raise errors.UsageError(f"--replicas must be between 0 and {MAX_REPLICAS}, not {replicas}")
        check_name(region, "region")
        if not master_username or not master_username.replace("_", "a").isalnum():
            raise errors.UsageError(f"invalid master username {master_username!r}")
        if port is not None:
            if not 1024 <= port <= 65535:
                raise errors.UsageError(f"--port must be between 1024 and 65535, not {port}")
            if not port_free(port) or any(port in (s.writer_port, s.reader_port) for s in self.store.all()):
                raise errors.Conflict(f"port {port} is already in use", hint="choose another --port, or leave it out")
        with self.lock(name):
            self.store.claim(name)
            try:
                return self._create(name, engine, replicas, region, master_username, master_password,
                                    database_name, port, wait)
            except BaseException:
                self._abandon(name)
                raise

    def _sweep_orphans(self) -> None:
        """Remove what a crash can leave: a cluster folder claimed but never saved (aurorad
        died during a create), and instance processes whose cluster no longer exists."""
        clusters_dir = self.layout.clusters_dir
        if clusters_dir.exists():
            for folder in clusters_dir.iterdir():
                if folder.is_dir() and not (folder / "cluster.toml").exists():
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

    def _stop_idle_fleets(self) -> None:
        """Stop the storage fleet of every region that no cluster uses any more."""
        busy = {s.region for s in self.store.all()}
        regions_dir = self.layout.home / "regions"
        for region_dir in regions_dir.iterdir() if regions_dir.exists() else []:
            if region_dir.name not in busy and (region_dir / "fleet.toml").exists():
                self.fleet(region_dir.name).stop()

    def _abandon(self, name: str) -> None:
        """Undo a create or clone that failed half-way: endpoints, processes, volume, files."""
        self.close_endpoints(name)
        try:
            spec: ClusterSpec | None = self.store.load(name)
        except errors.AuroraError:
            spec = None
        self._kill_processes_under(self.layout.cluster_dir(name))
        if spec is not None:
            self._drop_volume(spec)
        self._remove_cluster_files(name)

    def _kill_processes_under(self, folder: Any) -> None:
        for pid_file in folder.rglob("pid"):
            record = process.read_pid_file(pid_file.parent)
            if record is not None and record.alive():
                process.kill(record, signal.SIGCONT)
                process.stop(record, timeout=2.0)

    def _create(self, name: str, engine: str, replicas: int, region: str, user: str, password: str | None,
                database: str, port: int | None, wait: bool, volume: str | None = None,
                parent: str | None = None) -> dict[str, Any]:
        self.fleet(region).create(skip_azs=self.failed_in(region))
        catalog = Catalog(self.layout, region)
        if volume is None:
            volume = catalog.new_volume().name
        spec = ClusterSpec(
            name=name, engine=engine, region=region, volume=volume,
            writer_port=port or free_port(), reader_port=free_port(),
            master_username=user, database_name=database, parent=parent,
        )
        azs = [a for a in AZS if a not in self.failed_in(region)] or list(AZS)
        spec.instances.append(InstanceSpec(spec.new_instance_id(), "writer", azs[0], free_port(), free_port()))
        for i in range(replicas):
            spec.instances.append(
                InstanceSpec(spec.new_instance_id(), "reader", azs[(i + 1) % len(azs)], free_port(), free_port()))
        self.store.save(spec)
        self.store.set_password(name, password)
        self.open_endpoints(spec)
        writer = spec.writer
        assert writer is not None
        self.spawn_instance(spec, writer)
        self.events.add(name, "DB cluster created", source=name, event_id="RDS-EVENT-0170")
        if wait:
            self.wait_instance(spec, writer)
        for inst in spec.readers:
            self.spawn_instance(spec, inst)
        if wait:
            for inst in spec.readers:
                self.wait_instance(spec, inst)
        return self.op_endpoints(name)

    def op_list(self) -> list[dict[str, Any]]:
        out = []
        for spec in self.store.all():
            out.append({"name": spec.name, "engine": spec.engine, "region": spec.region,
                        "status": self.cluster_status(spec), "instances": len(spec.instances),
                        "writer": spec.writer.id if spec.writer else None,
                        "writer_port": spec.writer_port, "reader_port": spec.reader_port})
        return out

    def cluster_status(self, spec: ClusterSpec) -> str:
        if spec.stopped:
            return "stopped"
        writer = spec.writer
        if writer is None or not self.instance_alive(spec, writer):
            return "unavailable"
        if not self.instance_status(spec, writer).get("ready"):
            return "starting"
        return "available"

    def instance_state(self, spec: ClusterSpec, inst: InstanceSpec) -> str:
        if inst.stopped or spec.stopped:
            return "stopped"
        if not self.instance_alive(spec, inst):
            return "down"
        if self.instance_frozen(spec, inst):
            return "paused"
        if self._misses.get((spec.name, inst.id), 0) >= 2:
            return "unresponsive"
        return "available" if self.instance_status(spec, inst).get("ready") else "starting"

    def op_describe(self, name: str) -> dict[str, Any]:
        spec = self.store.load(name)
        instances = []
        for inst in spec.instances:
            status = self.instance_status(spec, inst)
            record = self.instance_record(spec, inst)
            instances.append({
                "id": inst.id, "role": inst.role, "status": self.instance_state(spec, inst), "az": inst.az,
                "promotion_tier": inst.promotion_tier, "lag_ms": status.get("lag_ms"),
                "pid": record.pid if record and record.alive() else None, "port": inst.port,
                "connections": status.get("connections", 0), "commits": status.get("commits"),
            })
        volume = {"id": spec.volume, "size_bytes": None, "protection_groups": None}
        vol_status = self.volume_summary(spec)
        volume.update(vol_status)
        return {"name": spec.name, "engine": spec.engine, "status": self.cluster_status(spec),
                "region": spec.region, "instances": instances, "volume": volume,
                "parent": spec.parent, "created": spec.created,
                "endpoints": self.op_endpoints(name)}

    def volume_summary(self, spec: ClusterSpec) -> dict[str, Any]:
        """Size and protection groups of the cluster's volume, from the storage nodes."""
        catalog = Catalog(self.layout, spec.region)
        try:
            meta = catalog.load_volume(parse_volume_name(spec.volume))
        except errors.NotFound:
            return {}
        pages: dict[tuple[int, int], int] = {}
        for status in self.fleet(spec.region).node_status().values():
            for seg in (status or {}).get("segments", []):
                if seg["volume"] == meta.id:
                    key = (seg["file"], seg["pg"])
                    pages[key] = max(pages.get(key, 0), seg["pages"])
        return {"size_bytes": sum(pages.values()) * meta.page_size, "protection_groups": len(meta.pgs)}

    def endpoint_info(self, spec: ClusterSpec, port: int, database: str | None = None) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": port, "uri": self.uri(spec, port, database)}

    def uri(self, spec: ClusterSpec, port: int, database: str | None = None, password: bool = True) -> str:
        from urllib.parse import quote

        secret = f":{quote(self.store.password(spec.name), safe='')}" if password else ""
        return (f"postgresql://{quote(spec.master_username, safe='')}{secret}@127.0.0.1:{port}/"
                f"{quote(database or spec.database_name, safe='')}")

    def op_endpoints(self, name: str) -> dict[str, Any]:
        spec = self.store.load(name)
        return {
            "name": spec.name,
            "writer": self.endpoint_info(spec, spec.writer_port),
            "reader": self.endpoint_info(spec, spec.reader_port),
            "instances": [{"id": i.id, "role": i.role, "az": i.az, **self.endpoint_info(spec, i.port)}
                          for i in spec.instances],
            "custom": [{"name": e.name, "members": e.members, **self.endpoint_info(spec, e.port)}
                       for e in spec.custom_endpoints],
        }

    def op_url(self, name: str, reader: bool = False, instance: str | None = None) -> str:
        spec = self.store.load(name)
        if instance:
            return self.uri(spec, spec.instance(instance).port)
        return self.uri(spec, spec.reader_port if reader else spec.writer_port)

    def _halt(self, name: str) -> ClusterSpec:
        """Mark a cluster stopped, close its endpoints and stop its instances."""
        spec = self.store.load(name)
        spec.stopped = True
        self.store.save(spec)
        self.close_endpoints(name)
        for inst in spec.instances:
            record = self.instance_record(spec, inst)
            if record is not None:
                process.kill(record, signal.SIGCONT)  # a paused instance must be able to stop
                process.stop(record)
        return spec

    def op_stop(self, name: str) -> dict[str, Any]:
        with self.lock(name):
            self._halt(name)
            self.events.add(name, "DB cluster stopped", source=name, event_id="RDS-EVENT-0150")
            return {"name": name, "status": "stopped"}

    def op_start(self, name: str, wait: bool = True) -> dict[str, Any]:
        with self.lock(name):
            spec = self.store.load(name)
            spec.stopped = False
            self.store.save(spec)
            self.fleet(spec.region).start(skip_azs=self.failed_in(spec.region))
            self.open_endpoints(spec)
            order = ([spec.writer] if spec.writer else []) + spec.readers
            for inst in order:
                if not inst.stopped and not self.instance_alive(spec, inst):
                    self.spawn_instance(spec, inst)
                    if wait and inst.role == "writer":
                        self.wait_instance(spec, inst)
            if wait:
                for inst in spec.readers:
                    if not inst.stopped:
                        self.wait_instance(spec, inst)
            self.events.add(name, "DB cluster started", source=name, event_id="RDS-EVENT-0151")
            return {"name": name, "status": self.cluster_status(spec)}

    def op_delete(self, name: str) -> dict[str, Any]:
        with self.lock(name):
            try:
                spec = self._halt(name)
            except ClusterDamaged:
                # Nothing trustworthy to read: stop what runs in its folder and remove it.
                self._kill_processes_under(self.layout.cluster_dir(name))
                self._remove_cluster_files(name)
                self.events.add(name, "DB cluster deleted (its metadata was damaged)", source=name,
                                event_id="RDS-EVENT-0172")
                self._stop_idle_fleets()
                return {"name": name, "deleted": True}
            self._drop_volume(spec)
            self._remove_cluster_files(name)
            self.events.add(name, "DB cluster deleted", source=name, event_id="RDS-EVENT-0172")
            self._stop_idle_fleets()
            return {"name": name, "deleted": True}

    def _drop_volume(self, spec: ClusterSpec) -> None:
        from aurora.engine.storage import wire

        catalog = Catalog(self.layout, spec.region)
        try:
            meta = catalog.load_volume(parse_volume_name(spec.volume))
        except errors.NotFound:
            return
        nodes = catalog.fleet_nodes()
        for pg in meta.pgs.values():
            for node_id in pg.members:
                node = nodes.get(node_id)
                if node is None:
                    continue
                with contextlib.suppress(OSError, errors.StorageError):
                    wire.request_sync(node.socket, wire.DROP_SEGMENT,
                                      {"volume": meta.id, "file": pg.file, "pg": pg.pg, "volume_deleted": True},
                                      timeout=2.0)
        catalog.delete_volume(meta.id)

    def _remove_cluster_files(self, name: str) -> None:
        shutil.rmtree(self.layout.cluster_dir(name), ignore_errors=True)

    def op_events(self, name: str | None = None, since: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        return self.events.read(cluster=name, since=since, limit=limit)

    # --- failover, scaling, clones, custom endpoints ------------------------------------------
    def instance_call(self, spec: ClusterSpec, inst: InstanceSpec, message: dict[str, Any],
                      timeout: float = 30.0) -> Any:
        """One request to an instance's control socket."""
        path = self.layout.instance_control_socket(self.layout.instance_dir(spec.name, inst.id))
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            try:
                s.connect(unix_socket_path(path))
                s.sendall(json.dumps(message).encode() + b"\n")
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
            except OSError as e:
                raise errors.Unavailable(f"instance {inst.id} did not answer: {e}") from None
        try:
            reply = json.loads(buf)
        except ValueError:
            raise errors.Unavailable(f"instance {inst.id} did not answer") from None
        if not reply.get("ok"):
            raise errors.Unavailable(f"instance {inst.id}: {reply.get('error')}")
        return reply["result"]

    def failover_target(self, spec: ClusterSpec, target: str | None) -> InstanceSpec:
        if target is not None:
            inst = spec.instance(target)
            if inst.role != "reader":
                raise errors.UsageError(f"{target} is the writer already", hint=f"aurora describe {spec.name}")
            if self.instance_state(spec, inst) != "available":
                raise errors.Unavailable(f"{target} is not available", hint=f"aurora describe {spec.name}")
            return inst
        ready = [i for i in spec.readers if self.instance_state(spec, i) == "available"]
        if not ready:
            raise errors.Conflict(f"cluster {spec.name} has no available reader to fail over to",
                                  hint=f"aurora scale {spec.name} --replicas 1")
        inf = float("inf")
        return min(ready, key=lambda i: (i.promotion_tier,
                                         self.instance_status(spec, i).get("lag_ms") or inf, i.id))

    def op_failover(self, name: str, target: str | None = None) -> dict[str, Any]:
        with self.lock(name):
            spec = self.store.load(name)
            if spec.stopped:
                raise errors.Conflict(f"cluster {name} is stopped", hint=f"aurora start {name}")
            return self._failover(spec, self.failover_target(spec, target))

    def _failover(self, spec: ClusterSpec, new: InstanceSpec) -> dict[str, Any]:
        old = spec.writer
        started = time.monotonic()
        self.events.add(spec.name, f"Started cross AZ failover to DB instance: {new.id}", source=spec.name,
                        event_id="RDS-EVENT-0073")
        # Promotion opens the volume for writing: the epoch bump fences the old writer, even
        # one that is frozen and wakes up later.
        try:
            self.instance_call(spec, new, {"op": "promote"})
        except errors.AuroraError as e:
            self.events.add(spec.name, f"Failover to DB instance {new.id} failed: {e.message}", source=spec.name,
                            event_id="RDS-EVENT-0072")
            raise
        new.role = "writer"
        if old is not None:
            old.role = "reader"
        self.store.save(spec)
        seconds = time.monotonic() - started
        self.events.add(spec.name, f"Completed failover to DB instance: {new.id}", source=spec.name,
                        event_id="RDS-EVENT-0071")
        if old is not None:  # fenced already: stop it (its clients reconnect) and bring it back
            record = self.instance_record(spec, old)
            if record is not None:
                process.kill(record, signal.SIGCONT)  # a paused writer must be able to die
                process.stop(record, timeout=1.0)
            if not old.stopped and (spec.region, old.az) not in self.failed_azs:
                self.spawn_instance(spec, old)
                self.events.add(spec.name, f"DB instance restarted as a reader: {old.id}", source=old.id,
                                event_id="RDS-EVENT-0006")
        return {"cluster": spec.name, "old_writer": old.id if old else None, "new_writer": new.id,
                "seconds": round(seconds, 3)}

    def op_scale(self, name: str, replicas: int, wait: bool = True) -> dict[str, Any]:
        if not 0 <= replicas <= MAX_REPLICAS:
            raise errors.UsageError(f"--replicas must be between 0 and {MAX_REPLICAS}, not {replicas}")
        with self.lock(name):
            spec = self.store.load(name)
            readers = spec.readers
            added: list[InstanceSpec] = []
            removed: list[str] = []
            azs_in_use = [i.az for i in spec.instances]
            while len(readers) + len(added) < replicas:
                az = min(AZS, key=lambda a: (azs_in_use.count(a), a))
                azs_in_use.append(az)
                inst = InstanceSpec(spec.new_instance_id(), "reader", az, free_port(), free_port())
                spec.instances.append(inst)
                added.append(inst)
            for inst in sorted(readers, key=lambda i: i.id, reverse=True)[: max(0, len(readers) - replicas)]:
                record = self.instance_record(spec, inst)
                spec.instances.remove(inst)
                self.store.save(spec)
                if record is not None:
                    process.stop(record)
                shutil.rmtree(self.layout.instance_dir(name, inst.id), ignore_errors=True)
                removed.append(inst.id)
                self.events.add(name, f"DB instance deleted: {inst.id}", source=inst.id, event_id="RDS-EVENT-0003")
            self.store.save(spec)
            if not spec.stopped:
                for inst in added:
                    self.spawn_instance(spec, inst)
                    self.events.add(name, f"DB instance created: {inst.id}", source=inst.id,
                                    event_id="RDS-EVENT-0005")
                if wait:
                    for inst in added:
                        self.wait_instance(spec, inst)
            return {"name": name, "replicas": len(spec.readers), "added": [i.id for i in added],
                    "removed": removed}

    def op_clone(self, source: str, name: str, wait: bool = True) -> dict[str, Any]:
        check_name(name)
        src = self.store.load(source)
        with self.lock(name):
            self.store.claim(name)
            try:
                started = time.monotonic()
                child = self._clone_volume(src)
                password = self.store.password(source)
                result = self._create(name, src.engine, 0, src.region, src.master_username, password,
                                      src.database_name, None, wait, volume=child, parent=source)
                self.events.add(name, f"Cloned from DB cluster {source}", source=name, event_id="RDS-EVENT-0170")
                result["clone_seconds"] = round(time.monotonic() - started, 3)
                return result
            except BaseException:
                self._abandon(name)
                raise

    def _clone_volume(self, src: ClusterSpec) -> str:
        """A copy-on-write clone of the source's volume at its durable point (constant time)."""
        from aurora.engine.storage.volume import Volume

        catalog = Catalog(self.layout, src.region)
        meta = catalog.load_volume(parse_volume_name(src.volume))

        async def clone() -> str:
            vol = Volume(catalog, meta)
            try:
                await vol.open_reader()
                return (await vol.clone()).name
            finally:
                vol.pool.close()

        return asyncio_run(clone())

    def op_endpoint_create(self, name: str, endpoint: str, members: list[str]) -> dict[str, Any]:
        check_name(endpoint, "endpoint")
        with self.lock(name):
            spec = self.store.load(name)
            if any(e.name == endpoint for e in spec.custom_endpoints):
                raise errors.Conflict(f"endpoint {endpoint} already exists in {name}")
            if len(spec.custom_endpoints) >= 5:
                raise errors.Conflict(f"cluster {name} has 5 custom endpoints already (the limit)")
            if not members:
                raise errors.UsageError("a custom endpoint needs at least one member (--members)")
            for m in members:
                spec.instance(m)
            spec.custom_endpoints.append(CustomEndpoint(endpoint, free_port(), list(members)))
            self.store.save(spec)
            if not spec.stopped:
                self.open_endpoints(spec)
            return self.op_endpoints(name)

    def op_fleet(self, region: str = DEFAULT_REGION) -> dict[str, Any]:
        """The region's storage nodes, and per volume the health of each protection group."""
        catalog = Catalog(self.layout, region)
        fleet = self.fleet(region)
        answers = fleet.node_status()
        nodes = []
        segments: dict[tuple[int, int, int], list[tuple[str, int]]] = {}
        for st in fleet.status():
            info: dict[str, Any] = {**st.as_dict(), "segments": 0, "bytes": 0}
            reply = answers.get(st.id)
            if st.up and reply is None:
                info["status"] = "unresponsive"
            elif reply is not None:
                info["segments"] = len(reply["segments"])
                info["bytes"] = reply["disk_bytes"]
                for seg in reply["segments"]:
                    segments.setdefault((seg["volume"], seg["file"], seg["pg"]), []).append((st.id, seg["scl"]))
            nodes.append(info)
        clusters = {s.volume: s.name for s in self.store.all()}
        volumes = []
        for meta in catalog.volumes():
            pgs = []
            for pg in sorted(meta.pgs.values(), key=lambda p: p.id):
                copies = segments.get((meta.id, pg.file, pg.pg), [])
                best = max((scl for _, scl in copies), default=0)
                current = sum(1 for node_id, scl in copies if scl >= best and node_id in pg.members)
                pgs.append({"file": pg.file, "pg": pg.pg, "members": pg.members, "current_copies": current,
                            "write_quorum": current >= 4})
            volumes.append({"id": meta.name, "cluster": clusters.get(meta.name), "protection_groups": pgs})
        return {"region": region, "nodes": nodes, "volumes": volumes}

    # --- chaos ----------------------------------------------------------------------------
    def _chaos_event(self, cluster: str | None, source: str, message: str) -> None:
        self.events.add(cluster, f"Chaos: {message}", source=source, event_id="AURORA-CHAOS")

    def _instance_for_chaos(self, name: str, instance: str) -> tuple[ClusterSpec, InstanceSpec, process.ProcessRecord]:
        spec = self.store.load(name)
        inst = spec.instance(instance)
        record = self.instance_record(spec, inst)
        if record is None or not record.alive():
            raise errors.Conflict(f"instance {instance} is not running", hint=f"aurora describe {name}")
        return spec, inst, record

    def op_chaos_kill_instance(self, name: str, instance: str) -> dict[str, Any]:
        _spec, inst, record = self._instance_for_chaos(name, instance)
        process.kill(record, signal.SIGKILL)
        self._chaos_event(name, inst.id, f"killed DB instance {inst.id} ({inst.role}) with SIGKILL")
        return {"instance": inst.id, "role": inst.role, "pid": record.pid, "killed": True}

    def op_chaos_pause_instance(self, name: str, instance: str) -> dict[str, Any]:
        _spec, inst, record = self._instance_for_chaos(name, instance)
        process.kill(record, signal.SIGSTOP)
        self._chaos_event(name, inst.id, f"paused DB instance {inst.id} ({inst.role}) with SIGSTOP")
        return {"instance": inst.id, "role": inst.role, "pid": record.pid, "paused": True}

    def op_chaos_resume_instance(self, name: str, instance: str) -> dict[str, Any]:
        _spec, inst, record = self._instance_for_chaos(name, instance)
        process.kill(record, signal.SIGCONT)
        self._chaos_event(name, inst.id, f"resumed DB instance {inst.id} with SIGCONT")
        return {"instance": inst.id, "pid": record.pid, "paused": False}

    def _node(self, region: str, node: str) -> Any:
        nodes = self.fleet(region).nodes()
        if node not in nodes:
            raise errors.NotFound(f"storage node {node!r} not found in region {region}",
                                  hint=f"aurora fleet --region {region}")
        return nodes[node]

    def op_chaos_kill_node(self, node: str, region: str = DEFAULT_REGION) -> dict[str, Any]:
        self._node(region, node)
        self.fleet(region).kill_node(node)
        self._node_down_since[(region, node)] = time.monotonic()
        self._chaos_event(None, node, f"killed storage node {node} with SIGKILL")
        return {"node": node, "killed": True}

    def op_chaos_fail_az(self, az: str, region: str = DEFAULT_REGION) -> dict[str, Any]:
        """Every storage node and instance in one AZ goes down, and stays down until restore-az."""
        fleet = self.fleet(region)
        nodes = [n.id for n in fleet.nodes().values() if n.az == az]
        if not nodes:
            raise errors.NotFound(f"no storage node in AZ {az!r} of region {region}", hint=f"aurora fleet --region {region}")
        self.failed_azs.add((region, az))
        for n in nodes:
            fleet.kill_node(n)
        killed = []
        for spec in self.store.all():
            if spec.region != region:
                continue
            for inst in spec.instances:
                record = self.instance_record(spec, inst)
                if inst.az == az and record is not None and record.alive():
                    process.kill(record, signal.SIGKILL)
                    killed.append(inst.id)
        self._chaos_event(None, f"az-{az}", f"AZ {az} failed: storage nodes {', '.join(nodes)}"
                          + (f" and instances {', '.join(killed)}" if killed else "") + " are down")
        return {"az": az, "region": region, "nodes": nodes, "instances": killed}

    def op_chaos_restore_az(self, az: str, region: str = DEFAULT_REGION) -> dict[str, Any]:
        self.failed_azs.discard((region, az))
        fleet = self.fleet(region)
        nodes = [n.id for n in fleet.nodes().values() if n.az == az]
        for n in nodes:
            fleet.start_node(n)
            self._node_down_since.pop((region, n), None)
        self._chaos_event(None, f"az-{az}", f"AZ {az} restored")
        return {"az": az, "region": region, "nodes": nodes}

    def _node_control(self, region: str, node: str, header: dict[str, Any]) -> dict[str, Any]:
        from aurora.engine.storage import wire

        addr = self._node(region, node)
        try:
            reply, _ = wire.request_sync(addr.socket, wire.CONTROL, header, timeout=2.0)
        except (OSError, errors.StorageError) as e:
            raise errors.Unavailable(f"storage node {node} did not answer: {e}") from None
        return reply

    def op_chaos_latency(self, node: str, ms: float, region: str = DEFAULT_REGION) -> dict[str, Any]:
        if ms < 0:
            raise errors.UsageError("--ms must be 0 or more")
        r = self._node_control(region, node, {"latency_ms": ms})
        self._chaos_event(None, node, f"storage node {node} answers {ms:.0f} ms late")
        return {"node": node, "latency_ms": r["latency_ms"]}

    def op_chaos_partition(self, node: str, region: str = DEFAULT_REGION) -> dict[str, Any]:
        self._node_control(region, node, {"partition": True})
        self._chaos_event(None, node, f"storage node {node} is cut off from the network")
        return {"node": node, "partitioned": True}

    def op_chaos_heal(self, node: str, region: str = DEFAULT_REGION) -> dict[str, Any]:
        self._node_control(region, node, {"partition": False, "latency_ms": 0})
        self._chaos_event(None, node, f"storage node {node} healed")
        return {"node": node, "partitioned": False}

    def op_chaos_corrupt(self, node: str, pages: int = 1, region: str = DEFAULT_REGION) -> dict[str, Any]:
        """Flip a byte in the bodies of ``pages`` random records of a node's log, on disk."""
        import random

        from aurora.engine.storage import records as rec

        if pages < 1:
            raise errors.UsageError("--pages must be at least 1")
        self._node(region, node)
        folder = self.layout.node_dir(region, node) / "redo"
        spots: list[tuple[Any, int, int]] = []
        for chunk in sorted(folder.glob("*.log")):
            data = chunk.read_bytes()
            offset = 0
            while offset + rec.HEADER_SIZE <= len(data):
                try:
                    h = rec.decode_header(data, offset)
                except rec.RecordError:
                    break
                spots.append((chunk, offset + rec.HEADER_SIZE + h.body_len // 2, h.lsn))
                offset += h.size
        chosen = random.sample(spots, min(pages, len(spots)))
        for chunk, at, _lsn in chosen:
            with open(chunk, "r+b") as f:
                f.seek(at)
                byte = f.read(1)
                f.seek(at)
                f.write(bytes([byte[0] ^ 0xFF]))
        self._chaos_event(None, node, f"corrupted {len(chosen)} record(s) on storage node {node}")
        return {"node": node, "corrupted": len(chosen), "lsns": sorted(lsn for _, _, lsn in chosen)}

    def supervise_fleet(self) -> None:
        """Replace a storage node that has been down longer than the repair threshold (unless
        its AZ is failed on purpose) with a new node in the same AZ, which copies the lost
        node's segments from their peers while writes go on."""
        from aurora.engine.storage.repair import replace_node, safe_to_replace

        for region in {s.region for s in self.store.all()}:
            fleet = self.fleet(region)
            for st in fleet.status():
                key = (region, st.id)
                if st.up:
                    self._node_down_since.pop(key, None)
                    continue
                if (region, st.az) in self.failed_azs:
                    continue
                since = self._node_down_since.setdefault(key, time.monotonic())
                down_for = time.monotonic() - since
                if down_for < self.node_repair_after:
                    continue
                up = {n.id for n in fleet.status() if n.up}
                if not safe_to_replace(fleet, st.id, up):
                    if not self._unsafe_logged.get(key):
                        log.warning("storage node %s is down, but some of its protection groups have fewer than "
                                    "4 other live copies: not replacing it; trying to restart it", st.id)
                        self._unsafe_logged[key] = True
                    with contextlib.suppress(errors.AuroraError):
                        fleet.start_node(st.id)
                    continue
                self._unsafe_logged.pop(key, None)
                try:
                    r = replace_node(fleet, st.id)
                except errors.AuroraError as e:
                    log.warning("cannot replace storage node %s: %s", st.id, e)
                    continue
                self._node_down_since.pop(key, None)
                self.events.add(None, f"Storage node {r.old} was down for {down_for:.0f}s and was replaced by "
                                f"{r.new} in AZ {r.az}; {r.protection_groups} protection group(s) are copied "
                                "from their peers", source=r.new, event_id="AURORA-STORAGE-REPAIR")
                return  # one replacement a round: the next one sees the new node up

    def op_chaos_replace_node(self, node: str, region: str = DEFAULT_REGION) -> dict[str, Any]:
        """Replace a storage node now (what aurorad does on its own after the threshold)."""
        from aurora.engine.storage.repair import replace_node

        self._node(region, node)
        self.fleet(region).kill_node(node)
        r = replace_node(self.fleet(region), node)
        self.events.add(None, f"Storage node {r.old} was replaced by {r.new} in AZ {r.az}; "
                        f"{r.protection_groups} protection group(s) are copied from their peers",
                        source=r.new, event_id="AURORA-STORAGE-REPAIR")
        return r.as_dict()

    def op_log_path(self, name: str, instance: str | None = None) -> str:
        spec = self.store.load(name)
        inst = spec.instance(instance) if instance else spec.writer
        if inst is None:
            raise errors.NotFound(f"cluster {name!r} has no writer", hint=f"aurora describe {name}")
        return str(Layout.log_file(self.layout.instance_dir(name, inst.id)))

    def op_shutdown(self) -> dict[str, Any]:
        self.stopping = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        return {"stopping": True}

    # --- supervision ----------------------------------------------------------------------
    def health(self, spec: ClusterSpec, inst: InstanceSpec) -> str:
        """dead (no process), starting, ok, or unresponsive: frozen (the process is stopped,
        SIGSTOP: known at once, no ping needed) or wedged (two protocol pings in a row went
        unanswered). A busy instance answers pings, from its event loop, while statements run."""
        key = (spec.name, inst.id)
        if not self.instance_alive(spec, inst):
            self._misses.pop(key, None)
            return "dead"
        if self.instance_frozen(spec, inst):
            self._misses[key] = max(self._misses.get(key, 0), 2)  # the endpoints pass it by
            return "unresponsive"
        if not self.instance_status(spec, inst).get("ready"):
            return "starting"
        if instance_answers(inst.port, timeout=PING_TIMEOUT_S):
            self._misses.pop(key, None)
            return "ok"
        self._misses[key] = self._misses.get(key, 0) + 1
        return "unresponsive" if self._misses[key] >= 2 else "ok"

    def supervise_once(self) -> None:
        """Fail over from a lost writer, restart lost readers, and turn a resumed old writer
        (a zombie that the failover fenced) back into the reader the cluster says it is."""
        for spec in self.store.all():
            if spec.stopped:
                continue
            for inst in sorted(spec.instances, key=lambda i: i.role != "writer"):  # the writer first
                if inst.stopped:
                    continue
                health = self.health(spec, inst)
                if health == "dead" and (spec.region, inst.az) in self.failed_azs and inst.role != "writer":
                    continue  # its AZ is down on purpose: it comes back with restore-az
                if inst.role == "writer" and health in ("dead", "unresponsive"):
                    self._auto_failover(spec.name, inst.id, health)
                elif health == "dead":
                    self._with_lock(spec.name, lambda n=spec.name, i=inst.id: self._restart(n, i, "restarted"))
                elif health == "ok" and self.instance_status(spec, inst).get("role") not in (None, inst.role):
                    self._with_lock(spec.name, lambda n=spec.name, i=inst.id: self._restart(
                        n, i, "restarted as a reader (it was fenced while unresponsive)"))

    def _with_lock(self, name: str, fn: Callable[[], Any]) -> None:
        lock = self.lock(name)
        if not lock.acquire(blocking=False):
            return  # an operation on this cluster is under way; look again next round
        try:
            fn()
        except errors.AuroraError as e:
            log.warning("supervision of %s: %s", name, e)
        finally:
            lock.release()

    def _restart(self, name: str, instance_id: str, what: str) -> None:
        spec = self.store.load(name)
        inst = spec.instance(instance_id)
        if spec.stopped or inst.stopped:
            return
        record = self.instance_record(spec, inst)
        if record is not None and record.alive():
            if self.instance_status(spec, inst).get("role") in (None, inst.role):
                return  # healthy again, or already restarted
            process.stop(record, timeout=2.0)
        if (spec.region, inst.az) in self.failed_azs:
            # Its AZ is down: bring it up in another one, as Aurora does for a lost writer.
            inst.az = next(a for a in AZS if (spec.region, a) not in self.failed_azs)
            self.store.save(spec)
        self.events.add(name, f"DB instance {what}: {instance_id}", source=instance_id, event_id="RDS-EVENT-0006")
        self.spawn_instance(spec, inst)

    def _auto_failover(self, name: str, writer_id: str, why: str) -> None:
        if time.monotonic() < self._failover_backoff.get(name, 0.0):
            return

        def act() -> None:
            spec = self.store.load(name)
            writer = spec.writer
            if spec.stopped or writer is None or writer.id != writer_id:
                return
            if why == "dead" and self.instance_alive(spec, writer):
                return
            try:
                target = self.failover_target(spec, None)
            except errors.AuroraError:
                if why == "dead":  # no reader to promote: restart the writer instead
                    self._restart(name, writer_id, "restarted (no reader to fail over to)")
                return
            log.warning("writer %s of %s is %s; failing over to %s", writer_id, name, why, target.id)
            try:
                # Once the promotion has fenced it, a frozen writer is resumed and stopped: its
                # clients' connections stay open (the kernel keeps them) and their statements
                # wait on it until it answers or dies; stopping it sends them to the endpoint.
                self._failover(spec, target)
            except errors.AuroraError:
                self._failover_backoff[name] = time.monotonic() + 2.0
                raise

        self._with_lock(name, act)

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


async def _call(fn: Callable[[], Any]) -> Any:
    result = fn()
    if asyncio.iscoroutine(result):
        return await result
    return result


def _error_reply(e: BaseException) -> dict[str, Any]:
    if isinstance(e, errors.AuroraError):
        return {"ok": False, "error": {"kind": type(e).__name__, "message": e.message, "hint": e.hint,
                                       "exit_code": e.exit_code}}
    if isinstance(e, TypeError):
        return {"ok": False, "error": {"kind": "UsageError", "message": f"bad request: {e}", "hint": None,
                                       "exit_code": errors.ExitCode.USAGE}}
    log.error("unexpected error: %s", "".join(traceback.format_exception(e)))
    return {"ok": False, "error": {"kind": "AuroraError", "message": f"internal error in aurorad: {e}",
                                   "hint": f"see aurorad's log: {Layout.from_env().daemon_dir / 'process.log'}", "exit_code": 1}}


async def serve(layout: Layout) -> None:
    loop = asyncio.get_running_loop()
    cp = ControlPlane(layout, loop)
    folder = ensure_private_dir(layout.daemon_dir)
    sock_path = layout.control_socket
    with contextlib.suppress(FileNotFoundError):
        sock_path.unlink()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            try:
                request = await read_request(reader)
                if request is None:
                    return
                op, args = request
                fn = getattr(cp, f"op_{op.replace('-', '_')}", None)
                if fn is None:
                    raise errors.UsageError(f"unknown operation {op!r}")
            except errors.AuroraError as e:
                reply = _error_reply(e)
            else:
                try:
                    result = await asyncio.to_thread(fn, **args)
                    reply = {"ok": True, "result": result}
                except Exception as e:
                    reply = _error_reply(e)
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    old = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(handle, path=unix_socket_path(sock_path), limit=MAX_LINE)
    finally:
        os.umask(old)
    os.chmod(sock_path, 0o600)
    await asyncio.to_thread(cp.adopt)
    log.info("aurorad %d serving %s", os.getpid(), layout.home)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def supervise() -> None:
        while True:
            await asyncio.sleep(SUPERVISE_EVERY_S)
            try:
                process.reap_children()
                await asyncio.to_thread(cp.supervise_once)
                await asyncio.to_thread(cp.supervise_fleet)
            except Exception as e:
                log.warning("supervision round failed: %r", e)

    task = asyncio.create_task(supervise())
    try:
        while not stop.is_set() and not cp.stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)
    finally:
        task.cancel()
        server.close()
        for ep in list(cp.endpoints.values()):
            await ep.stop()
        with contextlib.suppress(FileNotFoundError):
            sock_path.unlink()
        del folder


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s aurorad %(levelname)s %(message)s")
    layout = Layout.from_env()
    try:
        asyncio_run(serve(layout))
    except RuntimeError as e:
        if "Event loop stopped" not in str(e):
            raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
