"""From what aurorad reads each second to CloudWatch's figures: rates, ratios and lags.

Instances count (commits, statements, page reads and writes, buffer pool hits) in the status
file they write twice a second; the sampler keeps each instance's previous counters and turns
the differences into per-second rates over the time between the two status files. A counter
that went down belongs to a restarted (or promoted) process: its difference is its value.
CPU time comes from the process itself (psutil), so the instance does no work for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil

from aurora.engine.metrics.names import BY_NAME, engine_name
from aurora.engine.metrics.store import Sample

ROLES = {"writer": "WRITER", "reader": "READER"}


@dataclass
class InstanceReading:
    """One instance as aurorad found it this second."""

    id: str
    role: str
    pid: int | None
    status: dict[str, Any]
    acu: float | None = None
    """A serverless instance's capacity in ACUs (0 while paused); None when provisioned."""
    max_acu: float | None = None


@dataclass
class ClusterReading:
    """One cluster's instances and the figures of its volume, backups and global database.
    A figure left None was not measured this second."""

    name: str
    engine: str
    instances: list[InstanceReading] = field(default_factory=list)
    volume_bytes: int | None = None
    snapshot_bytes: int | None = None
    backtrack_shortfall_min: float | None = None
    global_lag_ms: float | None = None
    global_rpo_ms: float | None = None


@dataclass
class _Previous:
    pid: int | None
    time: float
    counters: dict[str, float]


def _counters(status: dict[str, Any]) -> dict[str, float]:
    activity = status.get("activity") or {}
    out = {k: float(v) for k, v in activity.items() if isinstance(v, int | float)}
    out["commits"] = float(status.get("commits") or 0)
    return out


class Sampler:
    """Turns one round of readings into samples; keeps what the next round's rates need."""

    def __init__(self, memory_available: Callable[[], int] | None = None) -> None:
        self._previous: dict[tuple[str, str], _Previous] = {}
        self._cpu: dict[int, tuple[psutil.Process, float, float]] = {}
        self._cores = psutil.cpu_count() or 1
        self._memory = memory_available or (lambda: psutil.virtual_memory().available)

    def sample(self, clusters: list[ClusterReading], wall: Callable[[], float]) -> list[Sample]:
        out: list[Sample] = []
        seen: set[tuple[str, str]] = set()
        pids: set[int] = set()
        free = self._memory()
        for c in clusters:
            engine = engine_name(c.engine)

            def put(metric: str, value: float | None, inst: str = "", role: str = "", c=c, engine=engine) -> None:
                if value is not None:
                    out.append(Sample(metric, c.name, inst, role, engine, BY_NAME[metric].unit, float(value)))

            reads = writes = 0.0
            measured_io = False
            reader_lags = [float(i.status["lag_ms"]) for i in c.instances
                           if i.role == "reader" and i.status.get("lag_ms") is not None]
            for inst in c.instances:
                role = ROLES.get(inst.role, inst.role.upper())

                def iput(metric: str, value: float | None, inst=inst, role=role, put=put) -> None:
                    put(metric, value, inst.id, role)

                if inst.acu is not None:
                    iput("ServerlessDatabaseCapacity", inst.acu)
                    if inst.max_acu:
                        iput("ACUUtilization", round(100.0 * inst.acu / inst.max_acu, 2))
                if not inst.status or inst.pid is None:
                    continue
                key = (c.name, inst.id)
                seen.add(key)
                pids.add(inst.pid)
                iput("CPUUtilization", self._cpu_percent(inst.pid, wall()))
                iput("FreeableMemory", free)
                iput("DatabaseConnections", inst.status.get("connections", 0))
                if inst.role == "reader":
                    iput("AuroraReplicaLag", inst.status.get("lag_ms"))
                elif reader_lags:
                    iput("AuroraReplicaLagMaximum", max(reader_lags))
                    iput("AuroraReplicaLagMinimum", min(reader_lags))
                rates = self._rates(key, inst)
                if rates is None:
                    continue
                d, dt = rates
                iput("CommitThroughput", d["commits"] / dt)
                iput("DMLThroughput", d.get("dml", 0.0) / dt)
                iput("SelectThroughput", d.get("selects", 0.0) / dt)
                iput("Deadlocks", d.get("conflicts", 0.0) / dt)
                if d.get("commit_statements"):
                    iput("CommitLatency", 1000.0 * d.get("commit_seconds", 0.0) / d["commit_statements"])
                lookups = d.get("pool_hits", 0.0) + d.get("pool_misses", 0.0)
                if lookups:
                    iput("BufferCacheHitRatio", 100.0 * d.get("pool_hits", 0.0) / lookups)
                reads += d.get("volume_reads", 0.0) / dt
                writes += d.get("pages_written", 0.0) / dt
                measured_io = True
            if measured_io:
                put("VolumeReadIOPs", reads)
                put("VolumeWriteIOPs", writes)
            put("VolumeBytesUsed", c.volume_bytes)
            put("SnapshotStorageUsed", c.snapshot_bytes)
            put("BacktrackWindowActual", c.backtrack_shortfall_min)
            put("AuroraGlobalDBReplicationLag", c.global_lag_ms)
            put("AuroraGlobalDBRPOLag", c.global_rpo_ms)
        for key in [k for k in self._previous if k not in seen]:
            del self._previous[key]
        for pid in [p for p in self._cpu if p not in pids]:
            del self._cpu[pid]
        return out

    def _rates(self, key: tuple[str, str], inst: InstanceReading) -> tuple[dict[str, float], float] | None:
        """Each counter's difference since the instance's previous status, and the seconds between."""
        now = float(inst.status.get("time") or 0.0)
        counters = _counters(inst.status)
        previous = self._previous.get(key)
        if previous is not None and previous.pid == inst.pid and now <= previous.time:
            return None  # the same status file as last round: nothing new to difference
        self._previous[key] = _Previous(inst.pid, now, counters)
        if previous is None or previous.pid != inst.pid:
            return None
        dt = now - previous.time
        deltas = {}
        for name, value in counters.items():
            before = previous.counters.get(name, 0.0)
            deltas[name] = value - before if value >= before else value
        return deltas, dt

    def _cpu_percent(self, pid: int, now: float) -> float | None:
        try:
            entry = self._cpu.get(pid)
            proc = entry[0] if entry else psutil.Process(pid)
            times = proc.cpu_times()
        except psutil.Error:
            self._cpu.pop(pid, None)
            return None
        used = times.user + times.system
        self._cpu[pid] = (proc, used, now)
        if entry is None or now <= entry[2]:
            return None
        return max(0.0, min(100.0, 100.0 * (used - entry[1]) / (now - entry[2]) / self._cores))
