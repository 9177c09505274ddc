"""The metrics aurorad records, under CloudWatch's names, units and meanings.

An instance metric has the dimensions DBInstanceIdentifier, DBClusterIdentifier, Role (WRITER
or READER) and EngineName; a cluster metric has DBClusterIdentifier and EngineName. Prometheus
sees the same figures as gauges named in its own style (``aurora_commit_latency_seconds``),
in base units (milliseconds become seconds, minutes seconds), with the dimensions as labels.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

INSTANCE = "instance"
CLUSTER = "cluster"

STATISTICS = ("Average", "Minimum", "Maximum", "Sum", "SampleCount")
"""CloudWatch's statistics, in its spelling."""

ENGINE_NAMES = {"postgres": "aurora-postgresql", "mysql": "aurora-mysql"}


def metrics_enabled() -> bool:
    """Whether aurorad records metrics: AURORA_METRICS=off turns them off (to measure their cost)."""
    return os.environ.get("AURORA_METRICS", "on").strip().lower() not in ("off", "0", "false", "no")


def engine_name(engine: str) -> str:
    """CloudWatch's EngineName of a cluster's engine."""
    return ENGINE_NAMES.get(engine, f"aurora-{engine}")


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    level: str
    meaning: str

    @property
    def prometheus_name(self) -> str:
        words = self.name.removeprefix("Aurora").replace("IOPs", "Iops").replace("DBRPO", "DbRpo")
        snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", words).lower()
        snake = snake.replace("bytes_used", "used").replace("_ratio", "")  # the unit says it
        suffix = {"Percent": "_percent", "Bytes": "_bytes", "Milliseconds": "_seconds", "Seconds": "_seconds",
                  "Minutes": "_seconds", "Count/Second": "_per_second"}.get(self.unit, "")
        return f"aurora_{snake}{suffix}"

    def prometheus_value(self, value: float) -> float:
        """``value`` in the base unit of :attr:`prometheus_name`."""
        if self.unit == "Milliseconds":
            return value / 1000.0
        if self.unit == "Minutes":
            return value * 60.0
        return value


METRICS: tuple[Metric, ...] = (
    # every instance
    Metric("CPUUtilization", "Percent", INSTANCE,
           "CPU time of the instance's process, as a percentage of the machine's cores"),
    Metric("FreeableMemory", "Bytes", INSTANCE, "memory the machine has available (instances share it)"),
    Metric("DatabaseConnections", "Count", INSTANCE, "client connections open to the instance"),
    Metric("CommitThroughput", "Count/Second", INSTANCE, "commits made durable on the volume, per second"),
    Metric("CommitLatency", "Milliseconds", INSTANCE,
           "average time of a COMMIT (or END) statement, durability on 4 of 6 copies included"),
    Metric("DMLThroughput", "Count/Second", INSTANCE, "INSERT, UPDATE, DELETE, MERGE and COPY statements per second"),
    Metric("SelectThroughput", "Count/Second", INSTANCE, "SELECT statements per second"),
    Metric("Deadlocks", "Count/Second", INSTANCE,
           "transactions aborted by a lock conflict per second (SQLSTATE 40P01, or 40001: a write "
           "on a snapshot another commit overtook)"),
    Metric("BufferCacheHitRatio", "Percent", INSTANCE, "page reads served by the buffer pool, as a percentage"),
    Metric("AuroraReplicaLag", "Milliseconds", INSTANCE, "a reader's lag behind the writer"),
    Metric("AuroraReplicaLagMaximum", "Milliseconds", INSTANCE, "on the writer: the largest lag of its readers"),
    Metric("AuroraReplicaLagMinimum", "Milliseconds", INSTANCE, "on the writer: the smallest lag of its readers"),
    # serverless instances
    Metric("ServerlessDatabaseCapacity", "Count", INSTANCE, "a serverless instance's capacity in ACUs (0 while paused)"),
    Metric("ACUUtilization", "Percent", INSTANCE, "that capacity as a percentage of the cluster's maximum ACUs"),
    # the cluster's volume, backups and global database
    Metric("VolumeBytesUsed", "Bytes", CLUSTER, "bytes of pages the cluster's volume holds (measured every minute)"),
    Metric("VolumeReadIOPs", "Count", CLUSTER,
           "page reads from the volume by the cluster's instances in each second (Sum over a period: its I/Os)"),
    Metric("VolumeWriteIOPs", "Count", CLUSTER,
           "page images written to the volume in each second (Sum over a period: its I/Os)"),
    Metric("SnapshotStorageUsed", "Bytes", CLUSTER,
           "bytes the cluster's backups take in the backup store (measured every minute)"),
    Metric("BacktrackWindowActual", "Minutes", CLUSTER,
           "how far the backtrack window reachable now falls short of the target (0: all of it)"),
    Metric("AuroraGlobalDBReplicationLag", "Milliseconds", CLUSTER,
           "a secondary cluster: time from a commit on the primary to its visibility here"),
    Metric("AuroraGlobalDBRPOLag", "Milliseconds", CLUSTER,
           "a secondary cluster: how far its newest applied commit is behind the primary's"),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}


def metric(name: str) -> Metric | None:
    """The metric named ``name`` (any case), or None."""
    found = BY_NAME.get(name)
    if found is None:
        found = next((m for m in METRICS if m.name.lower() == name.lower()), None)
    return found
