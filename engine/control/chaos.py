"""Chaos: break things on purpose, each recorded as an event (``aurora chaos ...``)."""

from __future__ import annotations

import logging
import signal
import time
from typing import Annotated, Any, TypedDict

from aurora.engine import errors, process
from aurora.engine.control.clusters import (
    ClusterSpec,
    InstanceSpec,
)
from aurora.engine.control.context import Context
from aurora.engine.layout import DEFAULT_REGION
from aurora.engine.storage import admin
from aurora.engine.storage.repair import replace_node

log = logging.getLogger("aurorad")


class InstanceFault(TypedDict, total=False):
    instance: Annotated[str, "the instance id"]
    role: Annotated[str, "writer or reader (kill and pause)"]
    pid: Annotated[int, "its process id"]
    killed: Annotated[bool, "true (kill-instance)"]
    paused: Annotated[bool, "true after pause-instance, false after resume-instance"]


class NodeFault(TypedDict, total=False):
    node: Annotated[str, "the storage node's id"]
    killed: Annotated[bool, "true (kill-node)"]
    latency_ms: Annotated[float, "the latency it now adds (latency)"]
    partitioned: Annotated[bool, "true after partition, false after heal"]


class AzFault(TypedDict, total=False):
    az: Annotated[str, "the Availability Zone"]
    region: Annotated[str, "its region"]
    nodes: Annotated[list[str], "the storage nodes in it"]
    instances: Annotated[list[str], "the instances killed with it (fail-az)"]


class Corrupted(TypedDict):
    node: Annotated[str, "the storage node's id"]
    corrupted: Annotated[int, "how many records were damaged"]
    lsns: Annotated[list[int], "their LSNs"]


class Replaced(TypedDict):
    old: str
    new: str
    az: str
    protection_groups: int


class Chaos(Context):
    """Faults injected on purpose."""

    def _chaos_event(self, cluster: str | None, source: str, message: str) -> None:
        self.events.add(cluster, f"Chaos: {message}", source=source, event_id="AURORA-CHAOS")

    def _instance_for_chaos(self, name: str, instance: str) -> tuple[ClusterSpec, InstanceSpec, process.ProcessRecord]:
        spec = self.store.load(name)
        inst = spec.instance(instance)
        record = self.instance_record(spec, inst)
        if record is None or not record.alive():
            raise errors.Conflict(f"instance {instance} is not running", hint=f"aurora describe {name}")
        return spec, inst, record

    def op_chaos_kill_instance(self, name: str, instance: str) -> InstanceFault:
        _spec, inst, record = self._instance_for_chaos(name, instance)
        process.kill(record, signal.SIGKILL)
        self._chaos_event(name, inst.id, f"killed DB instance {inst.id} ({inst.role}) with SIGKILL")
        return {"instance": inst.id, "role": inst.role, "pid": record.pid, "killed": True}

    def op_chaos_pause_instance(self, name: str, instance: str) -> InstanceFault:
        _spec, inst, record = self._instance_for_chaos(name, instance)
        process.kill(record, signal.SIGSTOP)
        self._chaos_event(name, inst.id, f"paused DB instance {inst.id} ({inst.role}) with SIGSTOP")
        return {"instance": inst.id, "role": inst.role, "pid": record.pid, "paused": True}

    def op_chaos_resume_instance(self, name: str, instance: str) -> InstanceFault:
        _spec, inst, record = self._instance_for_chaos(name, instance)
        process.kill(record, signal.SIGCONT)
        self._chaos_event(name, inst.id, f"resumed DB instance {inst.id} with SIGCONT")
        return {"instance": inst.id, "pid": record.pid, "paused": False}

    def _node_control(self, region: str, node: str, settings: dict[str, Any]) -> dict[str, Any]:
        self._node(region, node)
        return admin.node_control(self.fleet(region), node, settings)

    def _node(self, region: str, node: str) -> Any:
        nodes = self.fleet(region).nodes()
        if node not in nodes:
            raise errors.NotFound(f"storage node {node!r} not found in region {region}",
                                  hint=f"aurora fleet --region {region}")
        return nodes[node]

    def op_chaos_kill_node(self, node: str, region: str = DEFAULT_REGION) -> NodeFault:
        self._node(region, node)
        self.fleet(region).kill_node(node)
        self._node_down_since[(region, node)] = time.monotonic()
        self._chaos_event(None, node, f"killed storage node {node} with SIGKILL")
        return {"node": node, "killed": True}

    def op_chaos_fail_az(self, az: str, region: str = DEFAULT_REGION) -> AzFault:
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

    def op_chaos_restore_az(self, az: str, region: str = DEFAULT_REGION) -> AzFault:
        self.failed_azs.discard((region, az))
        fleet = self.fleet(region)
        nodes = [n.id for n in fleet.nodes().values() if n.az == az]
        for n in nodes:
            fleet.start_node(n)
            self._node_down_since.pop((region, n), None)
        self._chaos_event(None, f"az-{az}", f"AZ {az} restored")
        return {"az": az, "region": region, "nodes": nodes}

    def op_chaos_latency(self, node: str, ms: float, region: str = DEFAULT_REGION) -> NodeFault:
        if ms < 0:
            raise errors.UsageError("--ms must be 0 or more")
        r = self._node_control(region, node, {"latency_ms": ms})
        self._chaos_event(None, node, f"storage node {node} answers {ms:.0f} ms late")
        return {"node": node, "latency_ms": r["latency_ms"]}

    def op_chaos_partition(self, node: str, region: str = DEFAULT_REGION) -> NodeFault:
        self._node_control(region, node, {"partition": True})
        self._chaos_event(None, node, f"storage node {node} is cut off from the network")
        return {"node": node, "partitioned": True}

    def op_chaos_heal(self, node: str, region: str = DEFAULT_REGION) -> NodeFault:
        self._node_control(region, node, {"partition": False, "latency_ms": 0})
        self._chaos_event(None, node, f"storage node {node} healed")
        return {"node": node, "partitioned": False}

    def op_chaos_corrupt(self, node: str, pages: int = 1, region: str = DEFAULT_REGION) -> Corrupted:
        """Flip a byte in the bodies of ``pages`` random records of a node's log, on disk."""
        if pages < 1:
            raise errors.UsageError("--pages must be at least 1")
        self._node(region, node)
        lsns = admin.corrupt_records(self.fleet(region), node, pages)
        self._chaos_event(None, node, f"corrupted {len(lsns)} record(s) on storage node {node}")
        return {"node": node, "corrupted": len(lsns), "lsns": lsns}

    def op_chaos_replace_node(self, node: str, region: str = DEFAULT_REGION) -> Replaced:
        """Replace a storage node now (what aurorad does on its own after the threshold)."""
        self._node(region, node)
        self.fleet(region).kill_node(node)
        r = replace_node(self.fleet(region), node)
        self.events.add(None, f"Storage node {r.old} was replaced by {r.new} in AZ {r.az}; "
                        f"{r.protection_groups} protection group(s) are copied from their peers",
                        source=r.new, event_id="AURORA-STORAGE-REPAIR")
        return Replaced(**r.as_dict())
