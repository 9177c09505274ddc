"""What aurorad reports: clusters, their instances and volumes, the fleet, events, logs.

These operations only read; their results are the ``--json`` output of the CLI, and their
result types document it (scripts/gen_cli_docs.py writes the man pages' JSON sections from them).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Annotated, Any, TypedDict

from aurora.engine import errors
from aurora.engine.control.backups import BackupWindow
from aurora.engine.control.clusters import (
    ClusterSpec,
    InstanceSpec,
)
from aurora.engine.control.context import Context
from aurora.engine.control.routes import Endpoints
from aurora.engine.control.serverless import ServerlessSettings
from aurora.engine.control.settings import listener_ports
from aurora.engine.layout import DEFAULT_REGION, Layout
from aurora.engine.ml import registry
from aurora.engine.storage import admin

log = logging.getLogger("aurorad")


class Ping(TypedDict):
    pid: int
    started: float
    home: str


class DaemonStatus(TypedDict):
    running: Annotated[bool, 'true (when aurorad is not running, the output is {"running": false}, exit status 5)']
    pid: Annotated[int, "aurorad's process id"]
    started: Annotated[float, "when aurorad started (Unix time)"]
    uptime_s: Annotated[float, "seconds since aurorad started"]
    home: Annotated[str, "the AURORA_HOME aurorad serves"]
    clusters: Annotated[int, "how many clusters exist"]
    endpoints: Annotated[int, "how many endpoints are listening"]
    metrics_port: Annotated[int | None, "port of the Prometheus endpoint on 127.0.0.1, or null when off"]
    api_port: Annotated[int | None, "port of the RDS Query API on 127.0.0.1, or null when off"]


class ClusterSummary(TypedDict):
    name: Annotated[str, "the cluster's name"]
    engine: Annotated[str, "the database engine, postgres"]
    status: Annotated[str, "available, starting, stopped, pausing or paused (serverless, idle) or unavailable"]
    region: Annotated[str, "the region whose storage fleet holds the volume"]
    instances: Annotated[int, "how many instances the cluster has"]
    writer: Annotated[str | None, "the writer's instance id, or null"]
    writer_port: Annotated[int, "port of the writer endpoint"]
    reader_port: Annotated[int, "port of the reader endpoint"]


class InstanceDescription(TypedDict):
    id: Annotated[str, "the instance id, e.g. demo-instance-1"]
    role: Annotated[str, "writer or reader"]
    status: Annotated[str, "available, starting, stopped, down, pausing or paused (serverless, idle), frozen "
                           "(chaos pause-instance) or unresponsive"]
    az: Annotated[str, "the instance's Availability Zone"]
    promotion_tier: Annotated[int, "0 to 15; failover prefers the lowest"]
    lag_ms: Annotated[float | None, "replica lag in milliseconds, or null"]
    pid: Annotated[int | None, "the instance's process id, or null when it is not running"]
    port: Annotated[int, "the instance endpoint's port"]
    connections: Annotated[int, "open client connections"]
    commits: Annotated[int | None, "commits since the instance started, or null"]
    acu: Annotated[float | None, "a serverless instance's capacity now, in ACUs (0 while paused); null when provisioned"]
    acu_utilization: Annotated[float | None, "that capacity as a percentage of the maximum, or null"]


class VolumeDescription(TypedDict):
    id: Annotated[str, "the volume's name"]
    size_bytes: Annotated[int | None, "bytes of pages on the storage nodes, or null when unknown"]
    protection_groups: Annotated[int | None, "how many protection groups, or null when unknown"]


class ClusterDescription(TypedDict):
    name: Annotated[str, "the cluster's name"]
    engine: Annotated[str, "the database engine, postgres"]
    status: Annotated[str, "available, starting, stopped or unavailable"]
    region: Annotated[str, "the region whose storage fleet holds the volume"]
    instances: Annotated[list[InstanceDescription], "a list of objects, one per instance:"]
    volume: Annotated[VolumeDescription, "an object:"]
    parent: Annotated[str | None, "the cluster this one was cloned from, or null"]
    created: Annotated[float, "when the cluster was created (Unix time)"]
    endpoints: Annotated[Endpoints, "as in endpoints --json"]
    serverless: Annotated[ServerlessSettings | None, "a serverless cluster's capacity range, or null:"]
    backups: Annotated[BackupWindow, "continuous backups and backtrack:"]
    ml_features: Annotated[list[str], "the ML services the cluster may call (aurora ml attach): comprehend, sagemaker"]


class FleetNode(TypedDict):
    id: Annotated[str, "the storage node's id, e.g. sn-a1"]
    az: Annotated[str, "its Availability Zone"]
    socket: Annotated[str, "the Unix socket it listens on"]
    pid: Annotated[int | None, "its process id, or null"]
    status: Annotated[str, "up, down or unresponsive"]
    segments: Annotated[int, "how many segments it holds"]
    bytes: Annotated[int, "bytes of its log on disk"]


class ProtectionGroupHealth(TypedDict):
    file: Annotated[int, "the volume file (one per database)"]
    pg: Annotated[int, "the protection group's number in that file"]
    members: Annotated[list[str], "the six storage nodes that hold it"]
    current_copies: Annotated[int, "how many of them are current (0 to 6)"]
    write_quorum: Annotated[bool, "whether 4 or more are current"]


class VolumeHealth(TypedDict):
    id: Annotated[str, "the volume's name"]
    cluster: Annotated[str | None, "the cluster it belongs to, or null"]
    protection_groups: Annotated[list[ProtectionGroupHealth], "a list, one per protection group: file, pg, "
                                 "members, current_copies (0 to 6), write_quorum (4 or more current)"]


class FleetReport(TypedDict):
    region: Annotated[str, "the region"]
    nodes: Annotated[list[FleetNode], "a list, one per storage node:"]
    volumes: Annotated[list[VolumeHealth], "a list, one per volume:"]


class Event(TypedDict):
    id: Annotated[int, "the event's number, increasing"]
    time: Annotated[float, "when it happened (Unix time)"]
    cluster: Annotated[str | None, "the cluster, or null for the fleet"]
    source: Annotated[str, "what it happened to: a cluster, instance, storage node or AZ"]
    event_id: Annotated[str | None, "the RDS event id, e.g. RDS-EVENT-0071, or an AURORA- one"]
    message: Annotated[str, "what happened, in Aurora's wording"]


class Stopping(TypedDict):
    stopping: bool


class Status(Context):
    """Read-only operations."""

    def op_ping(self) -> Ping:
        return {"pid": os.getpid(), "started": self.started, "home": str(self.layout.home)}

    def op_daemon_status(self) -> DaemonStatus:
        return {"running": True, "pid": os.getpid(), "started": self.started, "uptime_s": round(time.time() - self.started, 1),
                "home": str(self.layout.home), "clusters": len(self.store.names()),
                "endpoints": len(self.endpoints), **listener_ports(self.listeners)}

    def op_list(self) -> list[ClusterSummary]:
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
        if spec.region in self.failed_regions:
            return "unavailable"
        if spec.secondary:
            ready = any(self.instance_status(spec, i).get("ready") for i in spec.readers)
            return "available" if ready or not spec.readers else "starting"
        writer = spec.writer
        if writer is not None and writer.paused:
            return "pausing" if self.instance_alive(spec, writer) else "paused"
        if writer is None or not self.instance_alive(spec, writer):
            return "unavailable"
        if not self.instance_status(spec, writer).get("ready"):
            return "starting"
        return "available"

    def op_describe(self, name: str) -> ClusterDescription:
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
                **self._capacity_now(spec, inst, status),
            })
        volume = {"id": spec.volume, "size_bytes": None, "protection_groups": None}
        volume.update(admin.volume_size(self.fleet(spec.region), spec.volume))
        return {"name": spec.name, "engine": spec.engine, "status": self.cluster_status(spec),
                "region": spec.region, "instances": instances, "volume": volume,
                "parent": spec.parent, "created": spec.created,
                "endpoints": self.op_endpoints(name), "serverless": self.serverless_settings(spec),
                "backups": self.backup_window(spec), "ml_features": registry.load_roles(self.layout).get(spec.name, [])}

    @staticmethod
    def _capacity_now(spec: ClusterSpec, inst: InstanceSpec, status: dict[str, Any]) -> dict[str, Any]:
        """A serverless instance's capacity (AWS's ServerlessDatabaseCapacity: 0 while paused)
        and ACUUtilization (that capacity as a percentage of the maximum); null when provisioned."""
        if spec.serverless is None:
            return {"acu": None, "acu_utilization": None}
        capacity = status.get("capacity") or {}
        acu = 0.0 if inst.paused else capacity.get("acu")
        return {"acu": acu, "acu_utilization": None if acu is None else round(100 * acu / spec.serverless.max_acu, 1)}

    def op_fleet(self, region: str = DEFAULT_REGION) -> FleetReport:
        """The region's storage nodes, and per volume the health of each protection group."""
        nodes, volumes = admin.fleet_health(self.fleet(region), {s.volume: s.name for s in self.store.all()})
        return {"region": region, "nodes": nodes, "volumes": volumes}

    def op_events(self, name: str | None = None, since: int = 0, limit: int = 1000) -> list[Event]:
        return self.events.read(cluster=name, since=since, limit=limit)

    def op_log_path(self, name: str, instance: str | None = None) -> str:
        spec = self.store.load(name)
        inst = spec.instance(instance) if instance else spec.writer
        if inst is None:
            raise errors.NotFound(f"cluster {name!r} has no writer", hint=f"aurora describe {name}")
        return str(Layout.log_file(self.layout.instance_dir(name, inst.id)))

    def op_shutdown(self) -> Stopping:
        self.stopping = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        return {"stopping": True}
