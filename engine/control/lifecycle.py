"""A cluster's life: create, clone, start, stop, scale and delete.

Each operation takes the cluster's lock for its whole length; a create or clone that fails
half-way is undone (:meth:`Lifecycle._abandon`).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import time
from typing import Annotated, TypedDict

from aurora.engine import errors, process
from aurora.engine.control.backups import check_backup_dir, check_backup_settings
from aurora.engine.control.clusters import (
    DEFAULT_DATABASE,
    DEFAULT_USERNAME,
    ENGINES,
    MAX_REPLICAS,
    ClusterSpec,
    InstanceSpec,
    ServerlessSpec,
    check_name,
)
from aurora.engine.control.context import AZS, Context, port_free
from aurora.engine.control.routes import Endpoints
from aurora.engine.control.serverless import check_serverless
from aurora.engine.errors import ClusterDamaged
from aurora.engine.globaldb.store import MAX_SECONDARY_READERS
from aurora.engine.layout import DEFAULT_REGION
from aurora.engine.ml import registry
from aurora.engine.storage import admin
from aurora.engine.storage.fleet import free_port

log = logging.getLogger("aurorad")


class Cloned(Endpoints):
    clone_seconds: Annotated[float, "how long the clone took"]


class ClusterState(TypedDict):
    name: Annotated[str, "the cluster's name"]
    status: Annotated[str, "its status afterwards, as in list --json"]


class Deleted(TypedDict):
    name: Annotated[str, "the cluster's name"]
    deleted: Annotated[bool, "true"]


class Scaled(TypedDict):
    name: Annotated[str, "the cluster's name"]
    replicas: Annotated[int, "how many readers it has now"]
    added: Annotated[list[str], "the instances added"]
    removed: Annotated[list[str], "the instances removed"]


class Lifecycle(Context):
    """Operations that create, change and remove clusters."""

    def op_create(self, name: str, engine: str = "postgres", replicas: int = 0, region: str = DEFAULT_REGION,
                  master_username: str | None = None, master_password: str | None = None,
                  database_name: str | None = None, port: int | None = None, wait: bool = True,
                  serverless: bool = False, min_acu: float | None = None, max_acu: float | None = None,
                  auto_pause_after: int | None = None, backup_retention_days: int = 1, backtrack_window: int = 0,
                  backup_dir: str | None = None) -> Endpoints:
        check_name(name)
        check_backup_settings(backup_retention_days, backtrack_window)
        if backup_dir is not None:
            backup_dir = check_backup_dir(backup_dir)
        capacity = None
        if serverless or min_acu is not None or max_acu is not None or auto_pause_after is not None:
            if not serverless:
                raise errors.UsageError("--min-acu, --max-acu and --auto-pause-after need --serverless")
            capacity = check_serverless(min_acu, max_acu, auto_pause_after)
        if engine not in ENGINES:
            raise errors.UsageError(f"unsupported engine {engine!r}", hint=f"use one of: {', '.join(ENGINES)}")
        if master_username is None:
            master_username = DEFAULT_USERNAME[engine]
        if database_name is None:
            database_name = DEFAULT_DATABASE[engine]
        elif not database_name and engine == "postgres":
            raise errors.UsageError("--database-name must not be empty")
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
                                    database_name, port, wait, serverless=capacity,
                                    backups=(backup_retention_days, backtrack_window, backup_dir))
            except BaseException:
                self._abandon(name)
                raise

    def _create(self, name: str, engine: str, replicas: int, region: str, user: str, password: str | None,
                database: str, port: int | None, wait: bool, volume: str | None = None,
                parent: str | None = None, serverless: ServerlessSpec | None = None,
                backups: tuple[int, int, str | None] = (1, 0, None)) -> Endpoints:
        self.fleet(region).create(skip_azs=self.failed_in(region))
        if volume is None:
            volume = admin.new_volume(self.fleet(region))
        spec = ClusterSpec(
            name=name, engine=engine, region=region, volume=volume,
            writer_port=port or free_port(), reader_port=free_port(),
            master_username=user, database_name=database, parent=parent, serverless=serverless,
            backup_retention_days=backups[0], backtrack_window=backups[1],
            backup_dir=backups[2],
        )
        spec.activated = spec.created
        azs = [a for a in AZS if a not in self.failed_in(region)] or list(AZS)
        spec.instances.append(InstanceSpec(spec.new_instance_id(), "writer", azs[0], free_port()))
        for i in range(replicas):
            spec.instances.append(
                InstanceSpec(spec.new_instance_id(), "reader", azs[(i + 1) % len(azs)], free_port()))
        self.store.save(spec)
        self.store.set_password(name, password)
        self.open_endpoints(spec)
        writer = spec.writer
        assert writer is not None
        self.spawn_instance(spec, writer)
        self.start_backup(spec)
        self.events.add(name, "DB cluster created", source=name, event_id="RDS-EVENT-0170")
        if wait:
            self.wait_instance(spec, writer)
        for inst in spec.readers:
            self.spawn_instance(spec, inst)
        if wait:
            for inst in spec.readers:
                self.wait_instance(spec, inst)
        return self.op_endpoints(name)

    def _abandon(self, name: str) -> None:
        """Undo a create or clone that failed half-way: endpoints, processes, volume, files."""
        self.close_endpoints(name)
        try:
            spec: ClusterSpec | None = self.store.load(name)
        except errors.AuroraError:
            spec = None
        self._kill_processes_under(self.layout.cluster_dir(name))
        if spec is not None:
            admin.drop_volume(self.fleet(spec.region), spec.volume)
        self._remove_cluster_files(name)

    def _stop_idle_fleets(self) -> None:
        """Stop the storage fleet of every region that no cluster uses any more."""
        busy = {s.region for s in self.store.all()}
        regions_dir = self.layout.regions_dir
        for region_dir in regions_dir.iterdir() if regions_dir.exists() else []:
            if region_dir.name not in busy and self.layout.fleet_file(region_dir.name).exists():
                self.fleet(region_dir.name).stop()

    def _remove_cluster_files(self, name: str) -> None:
        shutil.rmtree(self.layout.cluster_dir(name), ignore_errors=True)
        registry.forget_cluster(self.layout, name)  # its ML roles go with it

    def _halt(self, name: str) -> ClusterSpec:
        """Mark a cluster stopped, close its endpoints and stop its instances."""
        spec = self.store.load(name)
        spec.stopped = True
        self.store.save(spec)
        self.close_endpoints(name)
        for inst in spec.instances:
            record = self.instance_record(spec, inst)
            if record is not None:
                process.kill(record, signal.SIGCONT)  # a frozen instance must be able to stop
                process.stop(record)
        self.stop_helper(self.layout.backup_process_dir(name), timeout=5.0)
        self.stop_helper(self.layout.replicator_dir(name))  # a global secondary's
        return spec

    def op_stop(self, name: str) -> ClusterState:
        with self.lock(name):
            self._halt(name)
            self.events.add(name, "DB cluster stopped", source=name, event_id="RDS-EVENT-0150")
            return {"name": name, "status": "stopped"}

    def op_start(self, name: str, wait: bool = True) -> ClusterState:
        with self.lock(name):
            spec = self.store.load(name)
            spec.stopped = False
            for inst in spec.instances:
                inst.paused = False  # a start starts everything; idle instances pause again later
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

    def op_delete(self, name: str) -> Deleted:
        with self.lock(name):
            with contextlib.suppress(ClusterDamaged, errors.NotFound):
                member = self.store.load(name)
                if member.global_name:
                    how = ("aurora global delete" if member.global_role == "primary"
                           else "aurora global remove-region")
                    raise errors.Conflict(f"cluster {name} is a member of global database {member.global_name}",
                                          hint=f"{how} {member.global_name}"
                                          + (f" --region {member.region}" if member.global_role != "primary" else ""))
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
            admin.drop_volume(self.fleet(spec.region), spec.volume)
            self._remove_cluster_files(name)
            self.events.add(name, "DB cluster deleted", source=name, event_id="RDS-EVENT-0172")
            self._stop_idle_fleets()
            return {"name": name, "deleted": True}

    def op_scale(self, name: str, replicas: int, wait: bool = True) -> Scaled:
        with self.lock(name):
            spec = self.store.load(name)
            limit = MAX_SECONDARY_READERS if spec.secondary else MAX_REPLICAS
            if not 0 <= replicas <= limit:
                raise errors.UsageError(f"--replicas must be between 0 and {limit}, not {replicas}")
            readers = spec.readers
            added: list[InstanceSpec] = []
            removed: list[str] = []
            azs_in_use = [i.az for i in spec.instances]
            while len(readers) + len(added) < replicas:
                az = min(AZS, key=lambda a: (azs_in_use.count(a), a))
                azs_in_use.append(az)
                inst = InstanceSpec(spec.new_instance_id(), "reader", az, free_port())
                # a new reader (promotion tier 1) pauses and resumes with a paused writer
                inst.paused = spec.writer is not None and spec.writer.paused
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
                    if inst.paused:
                        continue
                    self.spawn_instance(spec, inst)
                    self.events.add(name, f"DB instance created: {inst.id}", source=inst.id,
                                    event_id="RDS-EVENT-0005")
                if wait:
                    for inst in added:
                        if not inst.paused:
                            self.wait_instance(spec, inst)
            return {"name": name, "replicas": len(spec.readers), "added": [i.id for i in added],
                    "removed": removed}

    def op_clone(self, source: str, name: str, wait: bool = True) -> Cloned:
        check_name(name)
        src = self.store.load(source)
        with self.lock(name):
            self.store.claim(name)
            try:
                started = time.monotonic()
                child = admin.clone_volume(self.fleet(src.region), src.volume)
                password = self.store.password(source)
                result = self._create(name, src.engine, 0, src.region, src.master_username, password,
                                      src.database_name, None, wait, volume=child, parent=source)
                self.events.add(name, f"Cloned from DB cluster {source}", source=name, event_id="RDS-EVENT-0170")
                result["clone_seconds"] = round(time.monotonic() - started, 3)
                return result
            except BaseException:
                self._abandon(name)
                raise
