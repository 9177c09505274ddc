"""Global databases: a primary cluster in one region and up to five read-only secondary
clusters in other regions, each fed by a replication process (engine/globaldb/replicator.py)
that copies the primary volume's durable redo into the secondary's volume; ``promote-region``
swaps the roles (a switchover) or, with ``allow_data_loss``, promotes at once (a failover).

Metadata: ``globals/<name>.toml`` (engine/globaldb/store.py); each member cluster's TOML also
names its global database and its role there.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypedDict

from aurora.engine import errors, process
from aurora.engine.control.clusters import ClusterSpec, InstanceSpec, check_name
from aurora.engine.control.context import AZS, Context, port_free
from aurora.engine.control.endpoints import Endpoint
from aurora.engine.control.routes import EndpointInfo
from aurora.engine.globaldb.store import (
    MAX_SECONDARIES,
    MAX_SECONDARY_READERS,
    GlobalSpec,
    GlobalStore,
    Member,
)
from aurora.engine.layout import Layout, clear_status, ensure_private_dir, read_status
from aurora.engine.storage import admin
from aurora.engine.storage.fleet import free_port

log = logging.getLogger("aurorad")


class GlobalMetrics(TypedDict):
    AuroraGlobalDBReplicationLag: Annotated[float | None, "ms from a commit on the primary to its visibility here"]
    AuroraGlobalDBRPOLag: Annotated[float | None, "ms between the primary's newest commit and the newest one applied here"]
    AuroraGlobalDBReplicatedWriteIO: Annotated[int, "pages written here by replication (once per merged group)"]


class GlobalMember(TypedDict):
    cluster: Annotated[str, "the member cluster's name"]
    region: Annotated[str, "its region"]
    role: Annotated[str, "primary or secondary"]
    status: Annotated[str, "available, catching-up, replicating, unavailable, region-failed or rejoining"]
    readers: Annotated[int, "how many reader instances it has"]
    rtt_ms: Annotated[float, "simulated round trip to the primary's region (0 for the primary)"]
    replication_lag_ms: Annotated[float | None, "latest replication lag (null for the primary)"]
    replication_lag_p99_ms: Annotated[float | None, "p99 of the recent replication lags"]
    rpo_lag_ms: Annotated[float | None, "how far (ms) its newest applied commit is behind the primary's"]
    applied_lsn: Annotated[int | None, "the last LSN applied to its volume (the primary's VDL for the primary)"]
    primary_lsn: Annotated[int | None, "the newest durable LSN of the primary this member has heard of"]
    lag_history_ms: Annotated[list[float], "recent replication lags, oldest first (for sparklines)"]
    metrics: Annotated[GlobalMetrics, "the member's figures under their CloudWatch names"]


class RpoReport(TypedDict):
    lsn_from: Annotated[int, "first LSN lost (on the old primary, not on the new one)"]
    lsn_to: Annotated[int, "last LSN lost"]
    transactions: Annotated[int, "commits the old primary made durable and announced that the new one lacks: "
                            "every acknowledged one, plus any whose acknowledgement was still on its way "
                            "when the region was lost (at most one per committing connection)"]
    cut_transactions: Annotated[int | None, "commits cut from the old primary's volume when it rejoined (null "
                                "until then): the ones above, plus any durable but not yet announced"]
    confirmed: Annotated[bool, "true once the old primary's volume was read (its region came back)"]


class Promotion(TypedDict):
    global_name: Annotated[str, "the global database"]
    mode: Annotated[str, "switchover or failover"]
    old_primary: Annotated[str, "the cluster that was the primary"]
    new_primary: Annotated[str, "the cluster promoted"]
    region: Annotated[str, "the new primary's region"]
    seconds: Annotated[float, "from the command until the new primary took writes"]
    rpo: Annotated[RpoReport | None, "what was lost (failover only; null for a switchover)"]
    at: Annotated[float, "when it finished (Unix time)"]


class GlobalSummary(TypedDict):
    name: Annotated[str, "the global database's name"]
    status: Annotated[str, "available, switching-over, failing-over or unavailable"]
    primary: Annotated[str, "the primary cluster"]
    primary_region: Annotated[str, "the primary's region"]
    secondaries: Annotated[list[str], "the secondary clusters"]
    writer: Annotated[EndpointInfo, "the global writer endpoint: host, port, uri"]


class GlobalDescription(GlobalSummary):
    members: Annotated[list[GlobalMember], "one per member cluster, the primary first"]
    last_promotion: Annotated[Promotion | None, "the latest promote-region, or null"]


class GlobalDeleted(TypedDict):
    name: Annotated[str, "the global database's name"]
    deleted: Annotated[bool, "true"]
    clusters: Annotated[list[str], "the clusters that remain as standalone clusters"]


class RegionFault(TypedDict):
    region: Annotated[str, "the region"]
    mode: Annotated[str, "stop or freeze (fail-region); restore (restore-region)"]
    nodes: Annotated[list[str], "its storage nodes"]
    instances: Annotated[list[str], "the instances of its clusters"]
    replicators: Annotated[list[str], "the replication processes of its secondary clusters"]


class RegionLatency(TypedDict):
    regions: Annotated[list[str], "the pair of regions"]
    rtt_ms: Annotated[float, "the round trip now simulated between them"]


class _Target:
    """An instance a global endpoint hands a connection to, with its cluster."""

    def __init__(self, cluster: str, instance_id: str) -> None:
        self.cluster = cluster
        self.id = instance_id


REPLICATOR_MODULE = "aurora.engine.globaldb.replicator"

SECONDARY_NICE = 2
"""The autogroup nice value of a secondary region's processes (``AURORA_SECONDARY_NICE``, 0 to
19): on AWS a secondary region has machines of its own; here it shares the CPUs with the
primary, and a higher value lets the primary's processes come first, at the cost of lag. Under
pgbench TPC-B on 2 cores with a 70 ms round trip, bench/global_bench.py gave a throughput ratio
(secondary replicating against frozen) of 0.896-0.957 at 2 (median 0.93, ten runs) with a lag
p99 52-98 ms above the round trip; 0.855-0.956 at 0 (median 0.885, eight runs) with 52-188 ms
(under 100 in five); 0.88-0.97 at 1 with 72-145 ms (three runs), 0.97-0.99 at 3 with 117-129
ms (three runs), 0.96 at 5 with 121 ms, and in alternating runs on one global database (a lag
probe running) 1.04 at 10 with a lag p99 of 290-345 ms."""
WEIGH_EVERY_S = 1.0
"""How often supervision sets the CPU weights of the regions' processes (a promotion changes
which region is the secondary)."""


def secondary_nice() -> int:
    try:
        return max(0, min(int(os.environ.get("AURORA_SECONDARY_NICE", SECONDARY_NICE)), 19))
    except ValueError:
        return SECONDARY_NICE


@dataclass
class _RegionProcesses:
    """The processes of one region: storage nodes, the instances of its clusters, and the
    replication processes of its secondaries."""

    nodes: list[tuple[str, process.ProcessRecord]]
    instances: list[tuple[str, str, process.ProcessRecord]] = field(default_factory=list)  # cluster, id
    replicators: list[tuple[str, process.ProcessRecord]] = field(default_factory=list)  # cluster

    def records(self) -> list[process.ProcessRecord]:
        return [r for _, r in self.nodes] + [r for _, _, r in self.instances] + [r for _, r in self.replicators]

    def report(self, region: str, mode: str) -> RegionFault:
        return {"region": region, "mode": mode, "nodes": [n for n, _ in self.nodes],
                "instances": [i for _, i, _ in self.instances], "replicators": [c for c, _ in self.replicators]}


class GlobalDatabases(Context):
    """The global database operations (``aurora global ...``, ``aurora promote-region``),
    the replication processes of secondaries, and whole-region faults."""

    # --- helpers --------------------------------------------------------------------------
    @property
    def globals(self) -> GlobalStore:
        return GlobalStore(self.layout)

    def _global_lock(self, name: str) -> threading.Lock:
        return self.lock(f"global:{name}")

    def _replicator_dir(self, cluster: str) -> Path:
        return self.layout.replicator_dir(cluster)

    def replicator_record(self, cluster: str) -> process.ProcessRecord | None:
        return process.read_pid_file(self._replicator_dir(cluster))

    def replicator_status(self, cluster: str) -> dict[str, Any]:
        return read_status(self._replicator_dir(cluster))

    def replicator_call(self, cluster: str, op: str, timeout: float = 10.0, **args: Any) -> Any:
        return self.helper_call(self._replicator_dir(cluster), f"the replication process of {cluster}", op,
                                timeout, **args)

    def spawn_replicator(self, g: GlobalSpec, member: Member) -> process.ProcessRecord:
        spec = self.store.load(member.cluster)
        primary = self.store.load(g.primary.cluster)
        folder = ensure_private_dir(self._replicator_dir(spec.name))
        clear_status(folder)
        args = ["--dir", str(folder), "--cluster", spec.name, "--region", spec.region, "--volume", spec.volume,
                "--source-region", primary.region, "--source-volume", primary.volume,
                "--source-writer-socket", self.writer_stream(primary),
                "--rtt-ms", str(self.globals.rtt(primary.region, spec.region))]
        if member.rejoin_cut >= 0:
            args += ["--truncate-above", str(member.rejoin_cut)]
        return process.spawn(REPLICATOR_MODULE, args, folder, env={"AURORA_HOME": str(self.layout.home)})

    def stop_replicator(self, cluster: str, timeout: float = 3.0) -> None:
        self.stop_helper(self._replicator_dir(cluster), timeout)

    def wait_replicator(self, cluster: str, timeout: float = 60.0) -> dict[str, Any]:
        record = self.replicator_record(cluster)

        def ready() -> bool:
            st = self.replicator_status(cluster)
            if st.get("state") in ("failed", "diverged"):
                raise errors.Unavailable(f"the replication process of {cluster} failed: {st.get('error')}",
                                         hint=f"aurora logs {cluster}")
            return bool(st.get("ready"))

        process.wait_until(ready, timeout, f"the replication process of {cluster}", interval=0.02,
                           alive=record.alive if record else None,
                           log_file=Layout.log_file(self._replicator_dir(cluster)))
        return self.replicator_status(cluster)

    def region_failed(self, region: str) -> bool:
        return region in self.failed_regions

    def route_global(self, label: str, kind: str) -> list[Any]:
        """The global writer endpoint: the primary's writer, whichever region holds it; none
        while a promotion is under way (connections wait for the new primary)."""
        name = label.split(":", 1)[1]
        try:
            g = self.globals.load(name)
        except errors.AuroraError:
            return []
        if g.status != "available":
            return []
        primary = g.primary.cluster
        return [_Target(primary, i.id) for i in self.route(primary, "writer")]

    def open_global_endpoint(self, g: GlobalSpec) -> None:
        key = (f"global:{g.name}", "writer")
        if key not in self.endpoints:
            ep = Endpoint(self.layout, key[0], "writer", g.writer_port, self.route_global,
                          label=f"global database {g.name}", engine=self._engine_of(g))
            self.run_on_loop(ep.start)
            self.endpoints[key] = ep

    def _engine_of(self, g: GlobalSpec) -> str:
        try:
            return self.store.load(g.primary.cluster).engine
        except errors.AuroraError:
            return "postgres"

    def _global_event(self, g: GlobalSpec, message: str, event_id: str = "AURORA-GLOBAL") -> None:
        for m in g.members:
            self.events.add(m.cluster, message, source=g.name, event_id=event_id)

    # --- reads ----------------------------------------------------------------------------
    def _summary(self, g: GlobalSpec) -> dict[str, Any]:
        primary = self.store.load(g.primary.cluster)
        return {"name": g.name, "status": g.status, "primary": primary.name, "primary_region": primary.region,
                "secondaries": [m.cluster for m in g.secondaries],
                "writer": self.endpoint_info(primary, g.writer_port)}

    def _member(self, g: GlobalSpec, m: Member, primary_lsn: int | None) -> dict[str, Any]:
        try:
            spec: ClusterSpec | None = self.store.load(m.cluster)
        except errors.AuroraError:
            spec = None
        readers = len(spec.readers) if spec else 0
        out: dict[str, Any] = {
            "cluster": m.cluster, "region": m.region, "role": m.role, "readers": readers,
            "rtt_ms": 0.0 if m.role == "primary" else self.globals.rtt(g.primary.region, m.region),
            "replication_lag_ms": None, "replication_lag_p99_ms": None, "rpo_lag_ms": None,
            "applied_lsn": None, "primary_lsn": primary_lsn, "lag_history_ms": [],
        }
        writes_io = 0
        if self.region_failed(m.region):
            out["status"] = "region-failed"
        elif m.role == "primary":
            out["status"] = self.cluster_status(spec) if spec else "unavailable"
            out["applied_lsn"] = primary_lsn
        else:
            st = self.replicator_status(m.cluster)
            record = self.replicator_record(m.cluster)
            alive = record is not None and record.alive()
            state = st.get("state") if alive else None
            out["status"] = ("rejoining" if m.rejoin_cut >= 0 else
                             {"replicating": "replicating", "catching-up": "catching-up", "seeding": "catching-up",
                              "link-down": "unavailable"}.get(state or "", "unavailable"))
            out["replication_lag_ms"] = _round(st.get("lag_ms"))
            out["replication_lag_p99_ms"] = _round(st.get("lag_p99_ms"))
            out["rpo_lag_ms"] = _round(st.get("rpo_lag_ms"))
            out["applied_lsn"] = st.get("applied_lsn")
            out["primary_lsn"] = max(primary_lsn or 0, st.get("heard_lsn") or 0) or None
            out["lag_history_ms"] = st.get("lag_history_ms", [])
            writes_io = st.get("writes_io", 0)
        out["metrics"] = {"AuroraGlobalDBReplicationLag": out["replication_lag_ms"],
                          "AuroraGlobalDBRPOLag": out["rpo_lag_ms"],
                          "AuroraGlobalDBReplicatedWriteIO": writes_io}
        return out

    def _describe(self, g: GlobalSpec) -> dict[str, Any]:
        primary_lsn = None
        with contextlib.suppress(errors.AuroraError):
            primary = self.store.load(g.primary.cluster)
            if primary.writer is not None and not self.region_failed(primary.region):
                primary_lsn = self.instance_status(primary, primary.writer).get("read_lsn")
        members = [self._member(g, m, primary_lsn) for m in [g.primary, *g.secondaries]]
        last = None
        if g.last_promotion:  # stored without nulls (TOML has none)
            last = {"rpo": None, **g.last_promotion}
            if last["rpo"] is not None:
                last["rpo"] = {"cut_transactions": None, **last["rpo"]}
        return {**self._summary(g), "members": members, "last_promotion": last}

    def op_global_list(self) -> list[GlobalSummary]:
        out = []
        for g in self.globals.all():
            with contextlib.suppress(errors.AuroraError):
                out.append(self._summary(g))
        return out  # type: ignore[return-value]

    def op_global_describe(self, name: str) -> GlobalDescription:
        return self._describe(self.globals.load(name))  # type: ignore[return-value]

    # --- create and add a region ----------------------------------------------------------
    def op_global_create(self, name: str, source_cluster: str, port: int | None = None) -> GlobalDescription:
        check_name(name, "global database")
        if port is not None and (not 1024 <= port <= 65535 or not port_free(port)):
            raise errors.Conflict(f"port {port} is not free", hint="choose another --port, or leave it out")
        with self._global_lock(name), self.lock(source_cluster):
            if self.globals.exists(name):
                raise errors.Conflict(f"global database {name!r} already exists", hint="aurora global list")
            spec = self.store.load(source_cluster)
            if spec.global_name:
                raise errors.Conflict(f"cluster {source_cluster} is already a member of global database "
                                      f"{spec.global_name}", hint=f"aurora global describe {spec.global_name}")
            if spec.stopped or spec.writer is None or spec.writer.paused:
                raise errors.Conflict(f"cluster {source_cluster} is not running with a writer",
                                      hint=f"aurora start {source_cluster}")
            if spec.serverless is not None and spec.serverless.min_acu == 0:
                raise errors.Conflict(f"cluster {source_cluster} can pause (its minimum capacity is 0 ACU); "
                                      "a global database's clusters cannot",
                                      hint=f"aurora modify {source_cluster} --min-acu 0.5")
            g = GlobalSpec(name, port or free_port(), [Member(spec.name, spec.region, "primary")])
            self.globals.save(g)
            spec.global_name, spec.global_role = name, "primary"
            self.store.save(spec)
            self.open_global_endpoint(g)
            self._global_event(g, f"Global database {name} created with primary DB cluster {spec.name} "
                               f"in Region {spec.region}.")
            return self._describe(g)  # type: ignore[return-value]

    def op_global_add_region(self, name: str, region: str, cluster: str | None = None, replicas: int = 1,
                             rtt_ms: float = 0.0, wait: bool = True) -> GlobalDescription:
        check_name(region, "region")
        cluster = cluster or f"{name}-{region}"
        check_name(cluster)
        if not 0 <= replicas <= MAX_SECONDARY_READERS:
            raise errors.UsageError(f"--replicas must be between 0 and {MAX_SECONDARY_READERS}, not {replicas}")
        if not 0 <= rtt_ms <= 10_000:
            raise errors.UsageError(f"--rtt-ms must be between 0 and 10000, not {rtt_ms:g}")
        with self._global_lock(name):
            g = self.globals.load(name)
            if any(m.region == region for m in g.members):
                raise errors.Conflict(f"global database {name} has a member in {region} already",
                                      hint=f"aurora global describe {name}")
            if len(g.secondaries) >= MAX_SECONDARIES:
                raise errors.Conflict(f"global database {name} has {MAX_SECONDARIES} secondary regions (the limit)")
            if self.region_failed(region) or self.region_failed(g.primary.region):
                raise errors.Unavailable(f"region {region if self.region_failed(region) else g.primary.region} "
                                         "is failed", hint="aurora chaos restore-region REGION")
            primary = self.store.load(g.primary.cluster)
            with self.lock(cluster):
                self.store.claim(cluster)
                try:
                    self._add_secondary(g, primary, cluster, region, replicas, rtt_ms, wait)
                except BaseException:
                    self._abandon_secondary(cluster, region)
                    raise
            return self._describe(self.globals.load(name))  # type: ignore[return-value]

    def _add_secondary(self, g: GlobalSpec, primary: ClusterSpec, cluster: str, region: str, replicas: int,
                       rtt_ms: float, wait: bool) -> None:
        started = time.monotonic()
        self.fleet(region).create(skip_azs=self.failed_in(region))
        spec = ClusterSpec(
            name=cluster, engine=primary.engine, region=region, volume=admin.new_volume(self.fleet(region)),
            writer_port=free_port(), reader_port=free_port(), master_username=primary.master_username,
            database_name=primary.database_name, global_name=g.name, global_role="secondary")
        for i in range(replicas):
            spec.instances.append(InstanceSpec(spec.new_instance_id(), "reader", AZS[i % len(AZS)], free_port()))
        self.store.save(spec)
        self.store.set_password(cluster, self.store.password(primary.name))  # the same database, the same users
        self.globals.set_rtt(primary.region, region, rtt_ms)
        member = Member(cluster, region, "secondary")
        g.members.append(member)
        self.globals.save(g)
        self.events.add(cluster, "DB cluster created", source=cluster, event_id="RDS-EVENT-0170")
        self._global_event(g, f"DB cluster {cluster} in Region {region} was added to global database {g.name} "
                           "as a secondary.")
        self.spawn_replicator(g, member)
        self.wait_replicator(cluster)
        if wait:
            self._drain(cluster, 120.0)
        self.open_endpoints(spec)
        for inst in spec.readers:
            self.spawn_instance(spec, inst)
        if wait:
            for inst in spec.readers:
                self.wait_instance(spec, inst)
        log.info("secondary %s of %s in %s ready in %.2fs", cluster, g.name, region, time.monotonic() - started)

    def _drain(self, cluster: str, seconds: float, upto: int | None = None) -> dict[str, Any]:
        """Wait until the secondary has every batch the primary made durable (or ``upto``)."""
        return self.replicator_call(cluster, "drain", timeout=seconds + 5.0, upto=upto, seconds=seconds)

    def _abandon_secondary(self, cluster: str, region: str) -> None:
        """Undo an add-region that failed half-way."""
        self.close_endpoints(cluster)
        self._kill_processes_under(self.layout.cluster_dir(cluster))
        with contextlib.suppress(errors.AuroraError):
            spec = self.store.load(cluster)
            admin.drop_volume(self.fleet(spec.region), spec.volume)
            if spec.global_name and self.globals.exists(spec.global_name):
                g = self.globals.load(spec.global_name)
                g.members = [m for m in g.members if m.cluster != cluster]
                self.globals.save(g)
        shutil.rmtree(self.layout.cluster_dir(cluster), ignore_errors=True)

    # --- promotion ------------------------------------------------------------------------
    def op_promote_region(self, name: str, region: str, allow_data_loss: bool = False) -> Promotion:
        started = time.monotonic()
        with self._global_lock(name):
            g = self.globals.load(name)
            target = g.member(region)
            if target.role == "primary":
                raise errors.UsageError(f"{target.cluster} in {region} is the primary of {name} already",
                                        hint=f"aurora global describe {name}")
            if self.region_failed(region):
                raise errors.Unavailable(f"region {region} is failed", hint=f"aurora chaos restore-region {region}")
            old = g.primary
            if self.region_failed(old.region) and not allow_data_loss:
                raise errors.Unavailable(
                    f"the primary's region {old.region} is failed: a switchover needs it to drain",
                    hint=f"aurora promote-region {name} --region {region} --allow-data-loss")
            status = self.replicator_status(target.cluster)
            if status.get("state") == "diverged":
                raise errors.Conflict(f"{target.cluster} cannot be promoted: {status.get('error')}")
            locks = [self.lock(m.cluster) for m in g.members]
            for lk in locks:
                lk.acquire()
            try:
                return self._promote(g, target, old, allow_data_loss, started)
            finally:
                for lk in locks:
                    lk.release()

    def _promote(self, g: GlobalSpec, target: Member, old: Member, data_loss: bool,
                 started: float) -> Promotion:
        mode = "failover" if data_loss else "switchover"
        new_spec = self.store.load(target.cluster)
        old_spec = self.store.load(old.cluster)
        g.status = "failing-over" if data_loss else "switching-over"
        self.globals.save(g)  # the global writer endpoint holds new connections from now on
        self._global_event(g, f"Global {mode} to DB cluster {new_spec.name} in Region {new_spec.region} started.")
        old_down = self.region_failed(old.region)
        rpo: dict[str, Any] | None = None
        try:
            if not old_down:
                self._shut_down_writer(old_spec)
                self._global_event(g, f"Old primary DB cluster {old_spec.name} successfully shut down.")
            if data_loss:
                final = self.replicator_call(new_spec.name, "halt", timeout=10.0)
            else:
                behind = ", ".join(f"{m.cluster}: {self.replicator_status(m.cluster).get('rpo_lag_ms') or 0:.0f} ms"
                                   for m in g.secondaries)
                self._global_event(g, "Waiting for data synchronization across global cluster members. "
                                   f"Current lags behind primary DB cluster: {behind}.")
                final = self._drain(new_spec.name, 60.0)
            self.stop_replicator(new_spec.name)
            writer = self._make_writer(new_spec)
        except BaseException:
            g.status = "available"
            self.globals.save(g)
            raise
        # What the secondary had made durable when it stopped is where the new primary's
        # history parts from the old one's (its writer may commit on top of it at once).
        at = final["applied_lsn"]
        log.info("%s of %s to %s: the secondary had applied LSN %s, heard of %s (%s transactions behind); "
                 "the new writer is %s", mode, g.name, new_spec.name, final.get("applied_lsn"),
                 final.get("heard_lsn"), final.get("heard_transactions"), writer.id)
        if data_loss:
            heard = max(final.get("heard_lsn") or 0, at)
            rpo = {"lsn_from": at + 1, "lsn_to": heard, "transactions": final.get("heard_transactions", 0),
                   "cut_transactions": None, "confirmed": False}
        # the roles change: the global writer endpoint follows the new primary at once
        new_spec.global_role, old_spec.global_role = "primary", "secondary"
        self.store.save(new_spec)
        for m in g.members:
            m.role = "primary" if m is target else "secondary"
        target.rejoin_cut = -1
        old.rejoin_cut = at if data_loss else -1
        g.status = "available"
        seconds = round(time.monotonic() - started, 3)
        promotion = {"global_name": g.name, "mode": mode, "old_primary": old_spec.name,
                     "new_primary": new_spec.name, "region": new_spec.region, "seconds": seconds,
                     "rpo": rpo, "at": time.time()}
        g.last_promotion = _without_nulls(promotion)
        for inst in old_spec.instances:
            inst.role = "reader"
        self.store.save(old_spec)
        self.globals.save(g)
        for reader in new_spec.readers:
            if not reader.stopped:
                self.tell_writer(new_spec, reader)
        self._global_event(g, f"New primary DB cluster {new_spec.name} was successfully promoted.")
        if rpo is not None:
            self._global_event(g, f"RPO of the failover to {new_spec.name}: {rpo['transactions']} transaction(s) "
                               f"in LSNs {rpo['lsn_from']}-{rpo['lsn_to']} acknowledged on {old_spec.name} are not "
                               f"on {new_spec.name} (estimated from its commit stream; counted when "
                               f"{old_spec.region} comes back).")
        # the other members follow the new primary
        for m in g.secondaries:
            if m is old:
                if not old_down:
                    self._rejoin(g, m)
                continue
            if data_loss:
                # it may hold batches the new primary never had: cut them as it follows
                m.rejoin_cut = at
                self.globals.save(g)
                self._rejoin(g, m)
            else:
                self._resource(g, m)
        self._global_event(g, f"Global {mode} to DB cluster {new_spec.name} in Region {new_spec.region} finished.")
        return promotion  # type: ignore[return-value]

    def _shut_down_writer(self, spec: ClusterSpec) -> None:
        """Stop the primary's writer: its clients' connections close and its commits stop;
        what it acknowledged is durable on its volume."""
        writer = spec.writer
        if writer is None:
            return
        record = self.instance_record(spec, writer)
        if record is not None and record.alive():
            process.kill(record, signal.SIGCONT)
            process.stop(record, timeout=1.0)

    def _make_writer(self, spec: ClusterSpec) -> InstanceSpec:
        """Give a secondary a writer: promote its best reader, or start a new instance."""
        ready = [i for i in spec.readers if not i.stopped and self.instance_state(spec, i) == "available"]
        if ready:
            inst = min(ready, key=lambda i: (i.promotion_tier, i.id))
            self.instance_call(spec, inst, "promote")
            inst.role = "writer"
            spec.global_role = "primary"
            self.store.save(spec)
            return inst
        inst = InstanceSpec(spec.new_instance_id(), "writer", AZS[0], free_port())
        spec.instances.append(inst)
        spec.global_role = "primary"
        self.store.save(spec)
        self.spawn_instance(spec, inst)
        self.events.add(spec.name, f"DB instance created: {inst.id}", source=inst.id, event_id="RDS-EVENT-0005")
        self.wait_instance(spec, inst)
        return inst

    def _rejoin(self, g: GlobalSpec, m: Member) -> None:
        """A member becomes a secondary of the current primary: its writer and readers stop,
        its replication process starts (cutting what the primary never had), its instances
        come back as readers of it."""
        spec = self.store.load(m.cluster)
        for inst in spec.instances:
            record = self.instance_record(spec, inst)
            if record is not None and record.alive():
                process.kill(record)  # frozen or running: its state is from before the cut
            inst.role = "reader"
        spec.global_role = "secondary"
        self.store.save(spec)
        self.stop_replicator(m.cluster)
        self.spawn_replicator(g, m)
        status = self.wait_replicator(m.cluster)
        cut = status.get("cut")
        if m.rejoin_cut >= 0:
            last = g.last_promotion
            rpo = last.get("rpo") if last else None
            if rpo is not None and last.get("old_primary") == m.cluster:
                if cut:
                    rpo.update({"lsn_from": cut[0], "lsn_to": cut[1], "cut_transactions": cut[2], "confirmed": True})
                    self._global_event(g, f"RPO confirmed on {m.cluster}: {cut[2]} commit(s) in LSNs {cut[0]}-{cut[1]} "
                                       f"were cut from it ({rpo['transactions']} of them acknowledged to clients); "
                                       "they are not on the new primary.")
                else:
                    rpo.update({"cut_transactions": 0, "lsn_to": rpo["lsn_from"] - 1, "confirmed": True})
            m.rejoin_cut = -1
            g.last_promotion = _without_nulls(g.last_promotion)
            self.globals.save(g)
        if not spec.stopped:
            self.open_endpoints(spec)
            for inst in spec.instances:
                if not inst.stopped:
                    self.spawn_instance(spec, inst)
        self._global_event(g, f"DB cluster {m.cluster} in Region {m.region} is now a secondary of "
                           f"{g.primary.cluster}.")

    def _resource(self, g: GlobalSpec, m: Member) -> None:
        """Point a secondary's replication process at the current primary."""
        primary = self.store.load(g.primary.cluster)
        try:
            self.replicator_call(m.cluster, "source", timeout=2.0, region=primary.region,
                                 volume=primary.volume, writer_socket=self.writer_stream(primary))
            self.replicator_call(m.cluster, "link", timeout=2.0, up=not self.region_failed(primary.region),
                                 rtt_ms=self.globals.rtt(primary.region, m.region))
        except errors.AuroraError as e:
            log.info("could not tell the replicator of %s about the primary: %s", m.cluster, e)

    # --- remove and delete ----------------------------------------------------------------
    def op_global_remove_region(self, name: str, region: str) -> GlobalDescription:
        with self._global_lock(name):
            g = self.globals.load(name)
            m = g.member(region)
            if m.role == "primary":
                raise errors.Conflict(f"{m.cluster} is the primary of {name}",
                                      hint=f"promote another region first (aurora promote-region {name} "
                                      "--region REGION), or aurora global delete")
            with self.lock(m.cluster):
                spec = self.store.load(m.cluster)
                if not self.region_failed(region):
                    with contextlib.suppress(errors.AuroraError):
                        self.replicator_call(m.cluster, "halt", timeout=10.0)
                self.stop_replicator(m.cluster)
                g.members.remove(m)
                self.globals.save(g)
                spec.global_name = spec.global_role = None
                self.store.save(spec)
                if not spec.stopped and not self.region_failed(region):
                    self._make_writer(spec)
                    for reader in spec.readers:
                        self.tell_writer(spec, reader)
                self.events.add(m.cluster, f"DB cluster {m.cluster} was removed from global database {name}; "
                                "it is a standalone read/write cluster now.", source=name, event_id="AURORA-GLOBAL")
            return self._describe(g)  # type: ignore[return-value]

    def op_global_delete(self, name: str) -> GlobalDeleted:
        with self._global_lock(name):
            g = self.globals.load(name)
            if g.secondaries:
                raise errors.Conflict(f"global database {name} still has secondary regions: "
                                      f"{', '.join(m.region for m in g.secondaries)}",
                                      hint=f"aurora global remove-region {name} --region REGION")
            kept = []
            for m in g.members:
                with self.lock(m.cluster), contextlib.suppress(errors.NotFound):
                    spec = self.store.load(m.cluster)
                    spec.global_name = spec.global_role = None
                    self.store.save(spec)
                    kept.append(m.cluster)
            self.close_endpoints(f"global:{name}")
            self.globals.delete(name)
            for c in kept:
                self.events.add(c, f"Global database {name} deleted.", source=name, event_id="AURORA-GLOBAL")
            return {"name": name, "deleted": True, "clusters": kept}

    # --- regions failing on purpose -------------------------------------------------------
    def _region_processes(self, region: str) -> _RegionProcesses:
        fleet = self.fleet(region)
        found = _RegionProcesses([(n.id, r) for n in fleet.status() if (r := fleet.record(n.id)) is not None])
        for spec in self.store.all():
            if spec.region != region:
                continue
            for inst in spec.instances:
                record = self.instance_record(spec, inst)
                if record is not None:
                    found.instances.append((spec.name, inst.id, record))
            record = self.replicator_record(spec.name)
            if record is not None:
                found.replicators.append((spec.name, record))
        return found

    def op_chaos_fail_region(self, region: str, mode: str = "stop") -> RegionFault:
        if mode not in ("stop", "freeze"):
            raise errors.UsageError(f"--mode must be stop or freeze, not {mode!r}")
        if not self.layout.fleet_file(region).exists():
            raise errors.NotFound(f"region {region!r} has no storage fleet", hint="aurora global describe GLOBAL")
        if self.region_failed(region):
            raise errors.Conflict(f"region {region} is failed already", hint=f"aurora chaos restore-region {region}")
        self.failed_regions[region] = mode
        found = self._region_processes(region)
        for record in found.records():
            process.kill(record, signal.SIGSTOP if mode == "freeze" else signal.SIGKILL)
        # the link to the region is cut: secondaries elsewhere stop fetching from it
        for g in self.globals.all():
            if g.primary.region == region:
                for m in g.secondaries:
                    if not self.region_failed(m.region):
                        with contextlib.suppress(errors.AuroraError):
                            self.replicator_call(m.cluster, "link", timeout=2.0, up=False)
        self.events.add(None, f"Region {region} failed ({mode}): {len(found.nodes)} storage nodes, "
                        f"{len(found.instances)} instances and {len(found.replicators)} replication processes",
                        source=region, event_id="AURORA-CHAOS")
        return found.report(region, mode)

    def op_chaos_restore_region(self, region: str) -> RegionFault:
        if region not in self.failed_regions:
            raise errors.Conflict(f"region {region} is not failed")
        found = self._region_processes(region)
        demoted = {m.cluster for g in self.globals.all() for m in g.members
                   if m.region == region and m.rejoin_cut >= 0}
        # storage first; an old primary that lost its role is fenced before anything of it runs
        for _node, record in found.nodes:
            process.kill(record, signal.SIGCONT)
        self.fleet(region).start()
        for cluster, record in [(c, r) for c, _i, r in found.instances] + found.replicators:
            process.kill(record, signal.SIGKILL if cluster in demoted else signal.SIGCONT)
        del self.failed_regions[region]
        for g in self.globals.all():
            with self._global_lock(g.name):
                g = self.globals.load(g.name)
                for m in g.members:
                    if m.region == region and m.rejoin_cut >= 0:
                        with self.lock(m.cluster):
                            self._rejoin(g, m)
                    elif m.role == "secondary" and g.primary.region == region:
                        self._resource(g, m)
        self.events.add(None, f"Region {region} restored", source=region, event_id="AURORA-CHAOS")
        return found.report(region, "restore")

    def op_chaos_region_latency(self, region_a: str, region_b: str, ms: float) -> RegionLatency:
        check_name(region_a, "region")
        check_name(region_b, "region")
        if region_a == region_b:
            raise errors.UsageError("give two different regions")
        if not 0 <= ms <= 10_000:
            raise errors.UsageError(f"--ms must be between 0 and 10000, not {ms:g}")
        self.globals.set_rtt(region_a, region_b, ms)
        for g in self.globals.all():
            for m in g.secondaries:
                if {g.primary.region, m.region} == {region_a, region_b}:
                    with contextlib.suppress(errors.AuroraError):
                        self.replicator_call(m.cluster, "link", timeout=2.0,
                                             up=not self.region_failed(g.primary.region), rtt_ms=ms)
        self.events.add(None, f"Round trip between {region_a} and {region_b} set to {ms:g} ms",
                        source=region_a, event_id="AURORA-CHAOS")
        return {"regions": [region_a, region_b], "rtt_ms": ms}

    # --- supervision ----------------------------------------------------------------------
    def weigh_regions(self, any_global: bool) -> None:
        """Give the processes of global databases' secondaries a lower CPU weight than the
        rest (``AURORA_SECONDARY_NICE``, 2 by default): the secondary clusters' instances
        and replication processes, and the storage nodes of a region that holds only
        secondaries; everything else, the primary after a promotion included, the normal
        weight (and so does what an earlier aurorad, started with another value, left). The
        weight is the nice value of the process's autogroup, which the kernel uses when its
        processes are in the root cgroup (with a desktop's systemd they are not, and it
        changes nothing). At most every ``WEIGH_EVERY_S``; a change the kernel refuses now
        (an unprivileged user gets one every 100 ms) is made on a later round. ``any_global``:
        whether any global database exists."""
        now = time.monotonic()
        if now - self._weighed_at < WEIGH_EVERY_S:
            return
        self._weighed_at = now
        low = secondary_nice() if any_global else 0
        if low == 0 and not self._weights_set:
            return  # every process has the normal weight already
        specs = [s for s in self.store.all() if s.region not in self.failed_regions]
        primary_regions = {s.region for s in specs if not s.secondary}
        want: dict[process.ProcessRecord, int] = {}
        for spec in specs:
            nice = low if spec.secondary else 0
            records = [self.instance_record(spec, inst) for inst in spec.instances]
            for record in [*records, self.replicator_record(spec.name)]:
                if record is not None:
                    want[record] = nice
        for region in {s.region for s in specs}:
            fleet = self.fleet(region)
            for node_id in fleet.nodes():
                record = fleet.record(node_id)
                if record is not None:
                    want[record] = 0 if region in primary_regions else low
        for record, nice in want.items():
            current = process.autogroup_nice(record.pid)
            if current is None or current == nice or not record.alive():
                continue
            if process.set_autogroup_nice(record.pid, nice) == errno.EAGAIN:
                return  # too soon after the last change: the rest on a later round
        self._weights_set = low > 0  # all normal now: nothing to look at until a global sets one

    def supervise_globals(self) -> None:
        """Keep every secondary's replication process running and following the primary's
        current writer; reopen the global writer endpoints (after a restart of aurorad)."""
        globals_ = self.globals.all()
        for g in globals_:
            lock = self._global_lock(g.name)
            if not lock.acquire(blocking=False):
                continue
            try:
                self.open_global_endpoint(g)
                primary = self.store.load(g.primary.cluster)
                stream = self.writer_stream(primary)
                for m in g.secondaries:
                    if self.region_failed(m.region) or m.rejoin_cut >= 0:
                        continue
                    spec = self.store.load(m.cluster)
                    if spec.stopped:
                        continue
                    record = self.replicator_record(m.cluster)
                    if record is None or not record.alive():
                        self.events.add(m.cluster, f"Replication process of {m.cluster} restarted", source=m.cluster,
                                        event_id="AURORA-GLOBAL")
                        self.spawn_replicator(g, m)
                        continue
                    st = self.replicator_status(m.cluster)
                    if st and st.get("writer_socket") != stream and not self.region_failed(primary.region):
                        self._resource(g, m)
            except errors.AuroraError as e:
                log.warning("supervision of global database %s: %s", g.name, e)
            finally:
                lock.release()
        self.weigh_regions(bool(globals_))


def _round(x: Any) -> float | None:
    return None if x is None else round(float(x), 1)


def _without_nulls(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _without_nulls(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None}
