"""Backups in aurorad: each cluster's backup process, snapshots, restores and backtrack.

Every running cluster with a writer has a backup process (``engine/backup/streamer.py``)
that streams its volume's durable redo into the cluster's backup store
(``engine/backup/store.py``); aurorad keeps it running and pointed at the current writer,
prunes the store to each cluster's retention, and takes an automated snapshot a day. A
snapshot records a point (a chain and an LSN) and copies nothing; a restore rebuilds the
pages of that point from the store alone into a new volume and starts a cluster on it; a
backtrack does the same in place: the cluster's instances stop, its volume is replaced by
the rebuilt one, they start again. The cluster's earlier volumes keep their chains, so a
later backtrack can go forward again to any time they cover.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypedDict

from aurora.engine import errors, process
from aurora.engine.backup.restore import export_database, restore_volume
from aurora.engine.backup.store import BackupStore, Chain, NotRestorable, Snapshot
from aurora.engine.control.clusters import ClusterSpec, check_name
from aurora.engine.control.context import Context
from aurora.engine.control.routes import Endpoints
from aurora.engine.layout import clear_status, ensure_private_dir, read_status
from aurora.engine.storage import admin
from aurora.engine.storage.catalog import Catalog, parse_volume_name

log = logging.getLogger("aurorad")

STREAMER_MODULE = "aurora.engine.backup.streamer"
RESPAWN_AFTER_S = 5.0  # a backup process that dies at once (an unwritable store) is not restarted in a loop
MAX_RETENTION_DAYS = 35
MAX_BACKTRACK_S = 72 * 3600
AUTOMATED_EVERY_S = 24 * 3600
MAINTAIN_EVERY_S = float(os.environ.get("AURORA_BACKUP_UPKEEP_S", "60"))
"""Retention and automated snapshots are looked after this often (the variable is for tests)."""


class SnapshotInfo(TypedDict):
    name: Annotated[str, "the snapshot's name"]
    cluster: Annotated[str, "the cluster it was taken of"]
    kind: Annotated[str, "manual or automated"]
    status: Annotated[str, "available, or unrestorable when the backups it needs are gone"]
    time: Annotated[str, "the point it holds (ISO 8601, UTC): the database as of then"]
    lsn: Annotated[int, "the LSN of that point in its volume's history"]
    volume: Annotated[str, "the volume whose backups hold it"]
    created: Annotated[str, "when it was taken (ISO 8601, UTC)"]
    engine: Annotated[str, "the cluster's engine"]
    size_bytes: Annotated[int, "the size of the database it holds (its pages), in bytes"]
    copied_from: Annotated[str | None, "the snapshot it is a copy of, or null"]
    store: Annotated[str, "the backup store's folder"]


class Restored(Endpoints):
    restore_seconds: Annotated[float, "how long the restore took, until the writer served"]
    restored_to: Annotated[str, "the point restored (ISO 8601, UTC)"]


class Backtracked(TypedDict):
    name: Annotated[str, "the cluster's name"]
    backtracked_to: Annotated[str, "the point it now holds (ISO 8601, UTC)"]
    seconds: Annotated[float, "how long the cluster was unavailable"]


class Exported(TypedDict):
    snapshot: Annotated[str, "the snapshot exported"]
    database: Annotated[str, "the database written"]
    path: Annotated[str, "the SQLite database file written"]
    size_bytes: Annotated[int, "its size"]


class BackupWindow(TypedDict):
    backup_retention_days: Annotated[int, "how long continuous backups are kept"]
    earliest_restorable_time: Annotated[str | None, "ISO 8601 (UTC), or null before the first backup"]
    latest_restorable_time: Annotated[str | None, "ISO 8601 (UTC): within seconds of now while the cluster runs"]
    backtrack_window: Annotated[int, "seconds a backtrack may rewind (0: backtrack is off)"]
    earliest_backtrack_time: Annotated[str | None, "the oldest point a backtrack can reach now, or null"]


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(text: str) -> float:
    """ISO 8601; without a zone, UTC (as the AWS CLI reads it)."""
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise errors.UsageError(f"invalid time {text!r}", hint="use ISO 8601, e.g. 2026-12-02T10:30:00Z") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.timestamp()


def check_backup_dir(folder: str) -> str:
    """A store folder given on the command line: absolute, created, writable."""
    path = Path(folder).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = path / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise errors.UsageError(f"cannot use {path} as a backup store: {e.strerror or e}") from None
    return str(path)


def check_backup_settings(retention_days: int, backtrack_window: int) -> None:
    if not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise errors.UsageError(f"--backup-retention-days must be between 1 and {MAX_RETENTION_DAYS}, "
                                f"not {retention_days}")
    if not 0 <= backtrack_window <= MAX_BACKTRACK_S:
        raise errors.UsageError(f"--backtrack-window must be between 0 and {MAX_BACKTRACK_S} seconds (72 h), "
                                f"not {backtrack_window}")


class Backups(Context):
    """Backup processes, snapshots, restore and backtrack."""

    # --- stores -------------------------------------------------------------------------------
    def backup_store(self, spec: ClusterSpec | None = None, folder: str | None = None) -> BackupStore:
        where = folder or (spec.backup_dir if spec is not None else None)
        return BackupStore(Path(where) if where else self.layout.backup_store_dir)

    def _stores(self) -> list[BackupStore]:
        """The home's store and every other store a cluster uses."""
        roots = {self.layout.backup_store_dir} | {Path(s.backup_dir) for s in self.store.all() if s.backup_dir}
        return [BackupStore(r) for r in sorted(roots)]

    def _find_snapshot(self, name: str) -> tuple[BackupStore, Snapshot]:
        for store in self._stores():
            if store.has_snapshot(name):
                return store, store.snapshot(name)
        raise errors.NotFound(f"snapshot {name!r} not found", hint="aurora snapshot list")

    # --- the backup process -------------------------------------------------------------------
    def _backup_dir(self, cluster: str) -> Path:
        return self.layout.backup_process_dir(cluster)

    def backup_record(self, cluster: str) -> process.ProcessRecord | None:
        return process.read_pid_file(self._backup_dir(cluster))

    def backup_call(self, cluster: str, op: str, timeout: float = 30.0, **args: Any) -> Any:
        return self.helper_call(self._backup_dir(cluster), f"the backup process of {cluster}", op, timeout, **args)

    def _write_chain_meta(self, spec: ClusterSpec) -> None:
        chain = self.backup_store(spec).chain(spec.volume)
        meta = chain.meta()
        want = {"cluster": spec.name, "engine": spec.engine, "region": spec.region,
                "master_username": spec.master_username, "database_name": spec.database_name,
                "password": self.store.password(spec.name), "activated": spec.activated or spec.created,
                "retention_days": spec.backup_retention_days,
                "page_size": Catalog(self.layout, spec.region).load_volume(parse_volume_name(spec.volume)).page_size}
        if {k: meta.get(k) for k in want} != want:
            chain.write_meta({**meta, **want})

    def spawn_backup(self, spec: ClusterSpec) -> process.ProcessRecord:
        self._backup_spawned[spec.name] = time.monotonic()
        self._write_chain_meta(spec)
        folder = ensure_private_dir(self._backup_dir(spec.name))
        clear_status(folder)
        args = ["--dir", str(folder), "--cluster", spec.name, "--region", spec.region, "--volume", spec.volume,
                "--writer-socket", self.writer_stream(spec), "--store", str(self.backup_store(spec).root)]
        return process.spawn(STREAMER_MODULE, args, folder, env={"AURORA_HOME": str(self.layout.home)})

    def stop_backup(self, cluster: str) -> None:
        self.stop_helper(self._backup_dir(cluster), timeout=5.0)

    @staticmethod
    def backups_on() -> bool:
        """AURORA_BACKUP=off turns continuous backups off, for benchmarks that measure their cost."""
        return os.environ.get("AURORA_BACKUP", "on") != "off"

    def start_backup(self, spec: ClusterSpec) -> None:
        """Start a new cluster's backup process at once (with its writer), not at the next
        supervision round: its first base image is the earliest restorable point."""
        if self.backups_on() and not spec.secondary:
            record = self.backup_record(spec.name)
            if record is None or not record.alive():
                self.spawn_backup(spec)

    def supervise_backups(self) -> None:
        """Keep a backup process per running cluster, on its current volume and writer."""
        if not self.backups_on():
            return
        for spec in self.store.all():
            if spec.stopped or spec.secondary or spec.region in self.failed_regions:
                continue
            lock = self.lock(spec.name)
            if not lock.acquire(blocking=False):
                continue
            try:
                spec = self.store.load(spec.name)
                record = self.backup_record(spec.name)
                if record is None or not record.alive():
                    if time.monotonic() - self._backup_spawned.get(spec.name, 0.0) >= RESPAWN_AFTER_S:
                        self.spawn_backup(spec)
                    continue
                st = read_status(self._backup_dir(spec.name))
                if not st:
                    continue
                if st.get("source_volume") not in (None, spec.volume):
                    self.stop_backup(spec.name)  # its volume was replaced (a backtrack)
                    continue
                stream = self.writer_stream(spec)
                if st.get("writer_socket") != stream:
                    with contextlib.suppress(errors.AuroraError):
                        self.backup_call(spec.name, "source", timeout=2.0, region=spec.region, volume=spec.volume,
                                         writer_socket=stream)
            except errors.AuroraError as e:
                log.warning("backups of %s: %s", spec.name, e)
            finally:
                lock.release()

    def maintain_backups(self, now: float | None = None) -> None:
        """Prune every chain to its cluster's retention (keeping what snapshots need), expire
        automated snapshots, and take each running cluster's daily automated snapshot."""
        now = time.time() if now is None else now
        live = {s.name: s for s in self.store.all()}
        for store in self._stores():
            snaps = store.snapshots()
            for snap in snaps:
                spec = live.get(snap.cluster)
                days = spec.backup_retention_days if spec else 1
                if snap.kind == "automated" and snap.created < now - days * 86400:
                    with contextlib.suppress(errors.AuroraError):
                        store.delete_snapshot(snap.name)
            snaps = store.snapshots()
            for chain in store.chains():
                meta = chain.meta()
                days = live[meta["cluster"]].backup_retention_days if meta.get("cluster") in live else \
                    int(meta.get("retention_days", 1))
                keep = [s.lsn for s in snaps if s.volume == chain.volume]
                with contextlib.suppress(OSError, errors.AuroraError):
                    chain.prune(now - days * 86400, keep)
                    if not chain.bases() and not chain.segments() and not keep and meta.get("cluster") not in live:
                        shutil.rmtree(chain.dir, ignore_errors=True)  # a deleted cluster's, past retention
        for spec in live.values():
            if spec.stopped or spec.secondary or not self.backups_on():
                continue
            autos = [s for s in self.backup_store(spec).snapshots(spec.name) if s.kind == "automated"]
            if not autos or max(s.created for s in autos) < now - AUTOMATED_EVERY_S:
                stamp = time.strftime("%Y-%m-%d-%H-%M", time.gmtime(now))
                with contextlib.suppress(errors.AuroraError):
                    self._take_snapshot(spec, f"rds:{spec.name}-{stamp}", "automated")

    # --- snapshots ------------------------------------------------------------------------------
    def _take_snapshot(self, spec: ClusterSpec, name: str, kind: str) -> SnapshotInfo:
        store = self.backup_store(spec)
        label = "Manual" if kind == "manual" else "Automated"
        # the point first: a backup process that cannot answer leaves no half-told snapshot
        # in the events (an automated one is tried again at the next upkeep)
        point = self.backup_call(spec.name, "checkpoint", timeout=60.0)
        self.events.add(spec.name, f"Creating {label.lower()} cluster snapshot.", source=name,
                        event_id="RDS-EVENT-0074" if kind == "manual" else "RDS-EVENT-0168")
        size = admin.volume_size(self.fleet(spec.region), spec.volume).get("size_bytes") or 0
        snap = Snapshot(name=name, cluster=spec.name, volume=spec.volume, lsn=int(point["lsn"]),
                        time=float(point["time"]), kind=kind, engine=spec.engine, size_bytes=int(size))
        store.save_snapshot(snap)
        self.events.add(spec.name, f"{label} cluster snapshot created.", source=name,
                        event_id="RDS-EVENT-0075" if kind == "manual" else "RDS-EVENT-0169")
        return self._snapshot_info(store, snap)

    def _snapshot_info(self, store: BackupStore, snap: Snapshot) -> SnapshotInfo:
        chain = store.chain(snap.volume)
        restorable = any(b.lsn <= snap.lsn for b in chain.bases()) and chain.tip() >= snap.lsn
        return {"name": snap.name, "cluster": snap.cluster, "kind": snap.kind,
                "status": "available" if restorable else "unrestorable", "time": iso(snap.time) or "",
                "lsn": snap.lsn, "volume": snap.volume, "created": iso(snap.created) or "", "engine": snap.engine,
                "size_bytes": snap.size_bytes, "copied_from": snap.copied_from, "store": str(store.root)}

    def _check_snapshot_name(self, name: str) -> None:
        check_name(name, "snapshot")
        for store in self._stores():
            if store.has_snapshot(name):
                raise errors.Conflict(f"snapshot {name!r} already exists", hint="aurora snapshot list")

    def op_snapshot_create(self, cluster: str, snapshot: str) -> SnapshotInfo:
        self._check_snapshot_name(snapshot)
        spec = self.store.load(cluster)
        if spec.stopped:
            raise errors.Conflict(f"cluster {cluster} is stopped", hint=f"aurora start {cluster}")
        if spec.secondary:
            raise errors.Conflict(f"cluster {cluster} is a secondary of global database {spec.global_name}: "
                                  "take the snapshot of its primary")
        self._wait_backup(spec)
        return self._take_snapshot(spec, snapshot, "manual")

    def _wait_backup(self, spec: ClusterSpec, timeout: float = 60.0) -> None:
        """A new cluster's backup process may still be writing its first base image."""
        def ready() -> bool:
            st = read_status(self._backup_dir(spec.name))
            return bool(st.get("ready"))

        process.wait_until(ready, timeout, f"the backup process of {spec.name}", interval=0.05)

    def op_snapshot_list(self, cluster: str | None = None) -> list[SnapshotInfo]:
        out = []
        for store in self._stores():
            out += [self._snapshot_info(store, s) for s in store.snapshots(cluster)]
        return sorted(out, key=lambda s: s["created"])

    def op_snapshot_describe(self, snapshot: str) -> SnapshotInfo:
        store, snap = self._find_snapshot(snapshot)
        return self._snapshot_info(store, snap)

    def op_snapshot_delete(self, snapshot: str) -> SnapshotInfo:
        store, snap = self._find_snapshot(snapshot)
        info = self._snapshot_info(store, snap)
        store.delete_snapshot(snapshot)
        self.events.add(snap.cluster, f"Deleted cluster snapshot {snapshot}.", source=snapshot,
                        event_id="RDS-EVENT-0076")
        return info

    def op_snapshot_copy(self, snapshot: str, new: str) -> SnapshotInfo:
        store, snap = self._find_snapshot(snapshot)
        self._check_snapshot_name(new)
        copy = Snapshot(**{**snap.__dict__, "name": new, "kind": "manual", "created": time.time(),
                           "copied_from": snapshot})
        store.save_snapshot(copy)
        self.events.add(snap.cluster, f"Copied cluster snapshot {snapshot} to {new}.", source=new,
                        event_id="RDS-EVENT-0160")
        return self._snapshot_info(store, copy)

    def op_snapshot_export(self, snapshot: str, to: str, database: str | None = None) -> Exported:
        store, snap = self._find_snapshot(snapshot)
        chain = store.chain(snap.volume)
        meta = chain.meta()
        pages = chain.materialize(snap.lsn)
        name = database or meta.get("database_name") or ("mysql" if meta.get("engine") == "mysql" else "postgres")
        path = Path(to).expanduser()
        size = export_database(pages, name, path, int(meta.get("page_size", 4096)))
        return {"snapshot": snapshot, "database": name, "path": str(path.resolve()), "size_bytes": size}

    # --- restore --------------------------------------------------------------------------------
    def op_restore(self, name: str, from_snapshot: str | None = None, source: str | None = None,
                   to_time: str | None = None, latest: bool = False, replicas: int = 0,
                   backup_dir: str | None = None, wait: bool = True) -> Restored:
        started = time.monotonic()
        if (from_snapshot is None) == (source is None):
            raise errors.UsageError("give --from-snapshot SNAPSHOT, or --source CLUSTER with --to-time or --latest")
        if source is not None and (to_time is None) == (not latest):
            raise errors.UsageError("with --source, give exactly one of --to-time and --latest")
        check_name(name)
        if from_snapshot is not None:
            store, snap = self._find_snapshot(from_snapshot)
            chain, lsn, point = store.chain(snap.volume), snap.lsn, snap.time
            what, event = f"Restored from DB cluster snapshot {from_snapshot}", "RDS-EVENT-0170"
        else:
            assert source is not None
            live = self.store.load(source) if self.store.exists(source) else None
            store = self.backup_store(live, backup_dir)
            if to_time is not None:
                point = parse_time(to_time)
                if point > time.time():
                    raise errors.UsageError(f"--to-time {to_time} is in the future")
            else:
                point = time.time()
            chain = store.chain_at(source, point)
            if live is not None and live.volume == chain.volume and not live.stopped \
                    and (latest or point > time.time() - 5):
                # the last second of writes may not be in the store yet: wait until it is
                with contextlib.suppress(errors.AuroraError):
                    self.backup_call(source, "checkpoint", timeout=30.0)
            lsn, point = self._point(chain, point, latest)
            what, event = f"Restored DB cluster {source} to {iso(point)}", "RDS-EVENT-0170"
        meta = chain.meta()
        if not meta:
            raise NotRestorable(f"the backups of volume {chain.volume} have no cluster information")
        pages = chain.materialize(lsn)
        rebuilt = time.monotonic()
        with self.lock(name):
            self.store.claim(name)
            try:
                region = meta.get("region", "local-1")
                self.fleet(region).create(skip_azs=self.failed_in(region))
                # the new volume's backups start from what was restored (its base image is
                # written while the pages go to the storage nodes), before anyone can write
                volume, _vdl = restore_volume(self.fleet(region), pages, base_to=self.backup_store())
                written = time.monotonic()
                log.info("restore of %s: %d pages rebuilt from the backups in %.2fs, written to %s in %.2fs",
                         name, len(pages), rebuilt - started, volume, written - rebuilt)
                result = self._create(name, meta.get("engine", "postgres"), replicas, region,
                                      meta.get("master_username", "postgres"), meta.get("password"),
                                      meta.get("database_name", "postgres"), None, wait, volume=volume)
            except BaseException:
                self._abandon(name)
                raise
        self.events.add(name, what, source=name, event_id=event)
        return {**result, "restore_seconds": round(time.monotonic() - started, 3),  # type: ignore[typeddict-item]
                "restored_to": iso(point) or ""}

    def _point(self, chain: Chain, when: float, latest: bool) -> tuple[int, float]:
        """The LSN to restore for a time, and the time it stands for."""
        window = chain.window()
        if window is None:
            raise NotRestorable(f"nothing of volume {chain.volume} is restorable yet")
        earliest, newest = window
        if latest:
            return chain.lsn_at(newest), newest
        if when < earliest:
            raise NotRestorable(f"{iso(when)} is before the earliest restorable time, {iso(earliest)}")
        if when > newest:
            raise NotRestorable(f"{iso(when)} is after the latest restorable time, {iso(newest)}",
                                hint="use --latest, or a time up to the latest restorable time")
        return chain.lsn_at(when), when

    # --- backtrack ------------------------------------------------------------------------------
    def op_backtrack(self, name: str, to: str) -> Backtracked:
        point = parse_time(to)
        started = time.monotonic()
        with self.lock(name):
            spec = self.store.load(name)
            if spec.stopped:
                raise errors.Conflict(f"cluster {name} is stopped", hint=f"aurora start {name}")
            if spec.backtrack_window <= 0:
                raise errors.Conflict(f"backtrack is not enabled on cluster {name}",
                                      hint="create the cluster with --backtrack-window SECONDS")
            if spec.global_name:
                raise errors.Conflict(f"cluster {name} is in global database {spec.global_name}: "
                                      "it cannot be backtracked")
            earliest = self._earliest_backtrack(spec)
            if earliest is None or point < earliest:
                raise errors.UsageError(f"{iso(point)} is outside the backtrack window (from "
                                        f"{iso(earliest)} to now)")
            if point > time.time():
                raise errors.UsageError(f"{iso(point)} is in the future")
            with contextlib.suppress(errors.AuroraError):
                self.backup_call(name, "checkpoint", timeout=30.0)
            store = self.backup_store(spec)
            chain = store.chain_at(name, point)
            lsn, point = self._point(chain, point, False)
            pages = chain.materialize(lsn)
            self.events.add(name, f"Backtrack started to {iso(point)}", source=name, event_id="RDS-EVENT-0131")
            # close every connection: the instances stop, the volume is replaced, they start again
            self.close_endpoints(name)
            for inst in spec.instances:
                record = self.instance_record(spec, inst)
                if record is not None:
                    process.kill(record, signal.SIGCONT)
                    process.stop(record, timeout=5.0)
            self.stop_backup(name)
            old = spec.volume
            try:
                # its backups start from what was restored (the base image is written with the
                # volume), before the writer starts: every moment from now on is restorable
                spec.volume, _vdl = restore_volume(self.fleet(spec.region), pages, base_to=store)
            except BaseException:
                self._bring_back(spec)
                raise
            spec.activated = time.time()
            self.store.save(spec)
            self._bring_back(spec)
            # the old volume's backups stay (a later backtrack may go forward to them); its storage goes
            admin.drop_volume(self.fleet(spec.region), old)
            seconds = time.monotonic() - started
            self.events.add(name, f"Backtrack completed to {iso(point)}", source=name, event_id="RDS-EVENT-0132")
            return {"name": name, "backtracked_to": iso(point) or "", "seconds": round(seconds, 3)}

    def _bring_back(self, spec: ClusterSpec) -> None:
        self.open_endpoints(spec)
        writer = spec.writer
        for inst in ([writer] if writer else []) + spec.readers:
            if not inst.stopped and not inst.paused:
                self.spawn_instance(spec, inst)
                if inst is writer:
                    self.wait_instance(spec, inst)
        self.spawn_backup(spec)

    def _earliest_restorable(self, spec: ClusterSpec) -> float | None:
        """The oldest point any of the cluster's volumes (a backtrack makes a new one) can restore."""
        starts = []
        for chain in self.backup_store(spec).chains_of(spec.name):
            window = chain.window()
            if window is not None:
                starts.append(window[0])
        return min(starts, default=None)

    def _earliest_backtrack(self, spec: ClusterSpec) -> float | None:
        earliest = self._earliest_restorable(spec)
        return None if earliest is None else max(earliest, time.time() - spec.backtrack_window)

    # --- what describe shows --------------------------------------------------------------------
    def backup_window(self, spec: ClusterSpec) -> BackupWindow:
        chain = self.backup_store(spec).chain(spec.volume)
        window = None
        with contextlib.suppress(OSError, errors.AuroraError):
            window = chain.window()
        earliest = None
        with contextlib.suppress(OSError, errors.AuroraError):
            earliest = self._earliest_restorable(spec)
        return {"backup_retention_days": spec.backup_retention_days,
                "earliest_restorable_time": iso(earliest),
                "latest_restorable_time": iso(window[1]) if window else None,
                "backtrack_window": spec.backtrack_window,
                "earliest_backtrack_time": iso(self._earliest_backtrack(spec)) if spec.backtrack_window else None}
