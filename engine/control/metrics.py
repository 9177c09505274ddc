"""Metrics in aurorad: the sampling round every second, and ``aurora metrics``.

Every ``SAMPLE_EVERY_S`` aurorad reads each running instance's status file and process, the
serverless capacities and the global databases' replication figures, turns them into
CloudWatch's metrics (:mod:`aurora.engine.metrics.sampler`) and appends them to the store
(:mod:`aurora.engine.metrics.store`). Figures that cost a round of storage-node questions
or a walk of the backup store (VolumeBytesUsed, SnapshotStorageUsed, BacktrackWindowActual)
are measured every ``SLOW_EVERY_S``. Nothing here is on an instance's path: an instance only
counts, in its status file. The newest samples stay in memory for the Prometheus exporter.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, TypedDict

from aurora.engine import errors
from aurora.engine.control.clusters import ClusterSpec
from aurora.engine.control.context import Context
from aurora.engine.metrics.names import METRICS, STATISTICS, metric, metrics_enabled
from aurora.engine.metrics.sampler import ClusterReading, InstanceReading, Sampler
from aurora.engine.metrics.store import ROLLUP_KEEP_S, MetricsStore, Sample
from aurora.engine.storage import admin

log = logging.getLogger("aurorad")

SAMPLE_EVERY_S = 1.0
SLOW_EVERY_S = 60.0
SHORT_PERIODS = (1, 5, 10, 30)
_SINCE = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_ORDER = {m.name: i for i, m in enumerate(METRICS)}


class MetricDimension(TypedDict):
    Name: Annotated[str, "DBClusterIdentifier, DBInstanceIdentifier, Role or EngineName"]
    Value: Annotated[str, "the cluster, the instance, WRITER or READER, or aurora-postgresql"]


class Datapoint(TypedDict):
    Timestamp: Annotated[str, "the start of the period, ISO 8601 (UTC)"]
    Average: Annotated[float, "the statistic asked for, under its own name: Average, Minimum, Maximum, "
                              "Sum or SampleCount"]
    Unit: Annotated[str, "CloudWatch's unit: Percent, Bytes, Count, Count/Second, Milliseconds, Minutes"]


class MetricStatistics(TypedDict):
    Label: Annotated[str, "the metric's CloudWatch name, e.g. CommitThroughput"]
    Dimensions: Annotated[list[MetricDimension], "a list of objects, Name and Value, that say whose figures these are:"]
    Datapoints: Annotated[list[Datapoint], "a list, oldest first, one per period that has samples; as in "
                                           "CloudWatch's GetMetricStatistics:"]


@dataclass
class _MetricsState:
    store: MetricsStore
    sampler: Sampler = field(default_factory=Sampler)
    latest: list[Sample] = field(default_factory=list)
    slow: dict[str, tuple[int | None, int | None, float | None]] = field(default_factory=dict)
    slow_at: float = 0.0


def parse_since(text: str) -> int:
    """``15m``, ``90s``, ``2h``, ``1d`` (a bare number is seconds) in seconds, at most 24 hours."""
    m = _SINCE.match(text)
    if not m or int(m.group(1)) == 0:
        raise errors.UsageError(f"--since must be a duration such as 90s, 15m, 3h or 1d, not {text!r}")
    seconds = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds > ROLLUP_KEEP_S:
        raise errors.UsageError(f"--since goes back at most 24h (metrics are kept 24 hours), not {text}")
    return seconds


def check_period(period: int) -> None:
    if period not in SHORT_PERIODS and (period <= 0 or period % 60):
        raise errors.UsageError(f"--period must be 1, 5, 10, 30 or a multiple of 60 seconds, not {period}")


def check_statistic(statistic: str) -> str:
    for name in STATISTICS:
        if name.lower() == statistic.lower():
            return name
    raise errors.UsageError(f"--statistic must be one of {', '.join(STATISTICS)}, not {statistic!r}")


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


class Metrics(Context):
    """The sampling round and the ``metrics`` operation."""

    _metrics_state: _MetricsState | None = None

    def metrics_state(self) -> _MetricsState:
        with self._global:
            if self._metrics_state is None:
                self._metrics_state = _MetricsState(MetricsStore.open(self.layout))
            return self._metrics_state

    def metrics_latest(self) -> list[Sample]:
        """The samples of the last round (for the Prometheus exporter); [] while metrics are off."""
        if not metrics_enabled() or self._metrics_state is None:
            return []
        return self._metrics_state.latest

    # --- the round ----------------------------------------------------------------------------
    def sample_metrics(self) -> None:
        """One round: read every running cluster, record a sample of each metric."""
        if self._metrics_state is None and not any(not spec.stopped for spec in self.store.all()):
            return  # nothing to record: an aurorad without clusters leaves its home as it is
        state = self.metrics_state()
        now = time.time()
        slow = now - state.slow_at >= SLOW_EVERY_S
        if slow:
            state.slow_at = now
        readings = []
        for spec in self.store.all():
            if spec.stopped:
                state.slow.pop(spec.name, None)
                continue
            reading = self._read_cluster(spec)
            if slow or spec.name not in state.slow:
                state.slow[spec.name] = self._slow_figures(spec, now)
            reading.volume_bytes, reading.snapshot_bytes, reading.backtrack_shortfall_min = \
                state.slow.get(spec.name, (None, None, None))
            readings.append(reading)
        samples = state.sampler.sample(readings, time.time)
        state.latest = samples
        state.store.add(int(now), samples)

    def _read_cluster(self, spec: ClusterSpec) -> ClusterReading:
        reading = ClusterReading(spec.name, spec.engine)
        max_acu = spec.serverless.max_acu if spec.serverless is not None else None
        for inst in spec.instances:
            if inst.stopped:
                continue
            pid, status = None, {}
            if not inst.paused:
                record = self.instance_record(spec, inst)
                if record is not None and record.alive():
                    pid, status = record.pid, self.instance_status(spec, inst)
            acu = None
            if max_acu is not None:
                acu = 0.0 if inst.paused else (status.get("capacity") or {}).get("acu")
            reading.instances.append(InstanceReading(inst.id, inst.role, pid, status, acu, max_acu))
        if spec.secondary:
            replicator = self.replicator_status(spec.name)  # type: ignore[attr-defined]
            reading.global_lag_ms = replicator.get("lag_ms")
            reading.global_rpo_ms = replicator.get("rpo_lag_ms")
        return reading

    def _slow_figures(self, spec: ClusterSpec, now: float) -> tuple[int | None, int | None, float | None]:
        """VolumeBytesUsed, SnapshotStorageUsed and BacktrackWindowActual (minutes), or None each."""
        volume = snapshots = shortfall = None
        if spec.region not in self.failed_regions:
            with contextlib.suppress(OSError, errors.AuroraError):
                volume = admin.volume_size(self.fleet(spec.region), spec.volume).get("size_bytes")
        with contextlib.suppress(OSError, errors.AuroraError):
            store = self.backup_store(spec)  # type: ignore[attr-defined]
            snapshots = sum(chain.size_bytes() for chain in store.chains_of(spec.name))
        if spec.backtrack_window:
            with contextlib.suppress(OSError, errors.AuroraError, ValueError, TypeError):
                earliest = self.backup_window(spec).get("earliest_backtrack_time")  # type: ignore[attr-defined]
                reach = now - datetime.fromisoformat(earliest).timestamp() if earliest else 0.0
                shortfall = round(max(0.0, spec.backtrack_window - reach) / 60.0, 2)
        return volume, snapshots, shortfall

    # --- aurora metrics -----------------------------------------------------------------------
    def op_metrics(self, name: str, instance: str | None = None, metric_name: str | None = None,
                   since: str = "15m", period: int = 60, statistic: str = "Average") -> list[MetricStatistics]:
        """A cluster's metrics over the last ``since``: one statistic per period, per series,
        in the shape of CloudWatch's GetMetricStatistics."""
        seconds = parse_since(since)
        check_period(period)
        stat = check_statistic(statistic)
        wanted = None
        if metric_name is not None:
            found = metric(metric_name)
            if found is None:
                raise errors.UsageError(f"no metric named {metric_name!r} (CommitThroughput, CommitLatency, ...)",
                                        hint="aurora metrics --help")
            wanted = [found.name]
        spec = self.store.load(name)
        if instance is not None:
            spec.instance(instance)
        if not metrics_enabled():
            raise errors.Unavailable("aurorad records no metrics: it was started with AURORA_METRICS=off",
                                     hint="aurora daemon stop, then run aurora again without AURORA_METRICS=off")
        store = self.metrics_state().store
        end = int(time.time()) + 1
        start = end - seconds
        start -= start % period
        out: list[MetricStatistics] = []
        series = store.series(name, wanted, instance)
        for sid, key in sorted(series, key=lambda s: (_ORDER.get(s[1].metric, 99), s[1].instance, s[1].role)):
            aggregates = store.aggregates(sid, start, end, period)
            if not aggregates:
                continue
            dims = [{"Name": "DBClusterIdentifier", "Value": key.cluster}]
            if key.instance:
                dims += [{"Name": "DBInstanceIdentifier", "Value": key.instance}, {"Name": "Role", "Value": key.role}]
            dims.append({"Name": "EngineName", "Value": key.engine})
            points = [{"Timestamp": iso(t), stat: round(aggregates[t].statistic(stat), 4), "Unit": key.unit}
                      for t in sorted(aggregates)]
            out.append({"Label": key.metric, "Dimensions": dims, "Datapoints": points})  # type: ignore[typeddict-item]
        return out

