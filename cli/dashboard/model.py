"""What the dashboard shows, read from the control API: plain data, no widgets.

:func:`collect` runs in a worker thread and turns one round of control-API calls (``list``,
``describe``, ``fleet``, ``events``, ``global_list``, ``global_describe``, ``snapshot_list``,
``metrics``) into a :class:`Snapshot`; :class:`History` keeps the last minutes of per-cluster
series for the sparklines (and, for serverless clusters, the writer's capacity in ACUs). Where
aurorad records metrics, the sparklines are its store's one-second series, the ones
``aurora metrics`` shows; otherwise History derives them from successive polls. Both are free of
Textual, so they are tested and reused without an App. A missing field in a reply is shown as
unknown, never a crash.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

import psutil

from aurora.engine import errors

# re-exported for the widgets; DEFAULT_REGION's fleet is shown even before any cluster exists
from aurora.engine.layout import DEFAULT_REGION as DEFAULT_REGION
from aurora.engine.storage.fleet import DEFAULT_AZS as DEFAULT_AZS
from aurora.engine.storage.quorum import COPIES as COPIES
from aurora.engine.storage.quorum import WRITE_QUORUM as WRITE_QUORUM

READ_TIMEOUT = 10.0
"""Seconds a poll waits for one answer: a hung aurorad shows as unreachable, not as stale data."""
EVENTS_KEPT = 200
"""Events the stream keeps; older ones fall off its end."""


class DataSource(Protocol):
    """Anything with ControlClient's ``call``: the real client, or fixed data in tests.

    Reads pass ``timeout=`` (seconds), which ControlClient takes for itself; another source
    may ignore it.
    """

    def call(self, op: str, **args: Any) -> Any: ...


class Usage(NamedTuple):
    """CPU and resident memory of one instance process, and whether it is frozen (SIGSTOP)."""

    cpu_percent: float | None
    rss_bytes: int | None
    stopped: bool = False


Probe = Callable[[int], Usage | None]
"""Measures a process by pid; None when the process is gone."""


class ProcessProbe:
    """CPU and memory of instance processes through psutil.

    ``cpu_percent`` needs two samples, so the first look at a pid gives no CPU figure. The
    psutil objects are kept between polls; one whose pid was reused is replaced.
    """

    def __init__(self) -> None:
        self._procs: dict[int, psutil.Process] = {}

    def __call__(self, pid: int) -> Usage | None:
        proc = self._procs.get(pid)
        first = proc is None or not proc.is_running()
        try:
            if first:
                self._forget_exited()
                proc = psutil.Process(pid)
                self._procs[pid] = proc
            assert proc is not None
            with proc.oneshot():
                cpu = proc.cpu_percent(None)
                rss = proc.memory_info().rss
                stopped = proc.status() == psutil.STATUS_STOPPED
        except psutil.Error:
            self._procs.pop(pid, None)
            return None
        return Usage(None if first else cpu, rss, stopped)

    def _forget_exited(self) -> None:
        for pid in [p for p, proc in self._procs.items() if not proc.is_running()]:
            del self._procs[pid]


@dataclass(frozen=True)
class InstanceView:
    id: str
    role: str
    status: str
    az: str
    promotion_tier: int | None = None
    lag_ms: float | None = None
    pid: int | None = None
    port: int | None = None
    connections: int = 0
    commits: int | None = None
    cpu_percent: float | None = None
    rss_bytes: int | None = None
    acu: float | None = None
    """A serverless instance's capacity now, in ACUs (0 while paused); None when provisioned."""

    @property
    def is_writer(self) -> bool:
        return self.role == "writer"

    @property
    def healthy(self) -> bool:
        return self.status == "available"


@dataclass(frozen=True)
class ProtectionGroupView:
    file: int
    pg: int
    current_copies: int
    write_quorum: bool
    members: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"f{self.file}·pg{self.pg}"


@dataclass(frozen=True)
class ServerlessView:
    """A serverless v2 cluster's capacity range: every instance scales between the two."""

    min_acu: float
    max_acu: float
    seconds_until_auto_pause: int | None = None
    """Idle seconds before the instances pause (only with a minimum of 0 ACU), or None."""

    @property
    def acu_range(self) -> str:
        """"0.5-16": the range without its unit, for tight columns."""
        return f"{human_acu(self.min_acu)}-{human_acu(self.max_acu)}"


@dataclass(frozen=True)
class BackupWindowView:
    """A cluster's continuous backups: the times it can be restored to, and its backtrack window.

    Times are Unix seconds; None where aurorad gave none (before the first backup) or gave
    something that is not a time.
    """

    retention_days: int | None = None
    earliest: float | None = None
    """The earliest restorable time."""
    latest: float | None = None
    """The latest restorable time: seconds behind now while backups keep up."""
    backtrack_window: int = 0
    """Seconds a backtrack may rewind; 0 when backtrack is off."""
    earliest_backtrack: float | None = None
    """The oldest point a backtrack can reach now."""

    def latest_age(self, now: float) -> float | None:
        """Seconds since the latest restorable time: how far the backups have fallen behind."""
        return None if self.latest is None else max(0.0, now - self.latest)


@dataclass(frozen=True)
class SnapshotView:
    """A cluster snapshot: a point of a cluster's history kept by name (nothing copied)."""

    name: str
    cluster: str
    kind: str
    """"manual" or "automated"."""
    status: str
    """"available", or "unrestorable" when the backups it needs are gone."""
    time: float | None = None
    """The point in time it holds."""
    created: float | None = None
    size_bytes: int | None = None
    copied_from: str | None = None


@dataclass(frozen=True)
class ClusterView:
    name: str
    region: str
    status: str
    engine: str = "postgres"
    instances: tuple[InstanceView, ...] = ()
    volume: str | None = None
    size_bytes: int | None = None
    parent: str | None = None
    serverless: ServerlessView | None = None
    """The capacity range of a serverless cluster; None when provisioned."""
    backups: BackupWindowView | None = None
    """Its restorable window; None when aurorad did not say (one without backups)."""
    ml_features: tuple[str, ...] = ()
    """The ML services it may call (aurora ml attach)."""
    error: str | None = None
    """Why describe failed for this cluster, if it did."""

    @property
    def writer(self) -> InstanceView | None:
        return next((i for i in self.instances if i.is_writer), None)

    @property
    def readers(self) -> tuple[InstanceView, ...]:
        return tuple(i for i in self.instances if not i.is_writer)

    def instance(self, instance_id: str | None) -> InstanceView | None:
        return next((i for i in self.instances if i.id == instance_id), None)


@dataclass(frozen=True)
class NodeView:
    id: str
    az: str
    status: str
    port: int | None = None
    segments: int = 0
    bytes: int = 0

    @property
    def up(self) -> bool:
        return self.status == "up"


@dataclass(frozen=True)
class FleetView:
    region: str
    nodes: tuple[NodeView, ...] = ()
    protection_groups: Mapping[str, tuple[ProtectionGroupView, ...]] = field(default_factory=dict)
    """Per cluster name, the protection groups of its volume."""
    error: str | None = None

    @property
    def azs(self) -> list[str]:
        return sorted({n.az for n in self.nodes})


@dataclass(frozen=True)
class GlobalMemberView:
    """One cluster of a global database: the primary, or a secondary fed by replication."""

    cluster: str
    region: str
    role: str
    status: str
    readers: int = 0
    rtt_ms: float | None = None
    lag_ms: float | None = None
    lag_p99_ms: float | None = None
    rpo_lag_ms: float | None = None
    applied_lsn: int | None = None
    primary_lsn: int | None = None
    lag_history_ms: tuple[float, ...] = ()
    """Recent replication lags, oldest first, as aurorad keeps them."""

    @property
    def is_primary(self) -> bool:
        return self.role == "primary"


@dataclass(frozen=True)
class PromotionView:
    """The latest promote-region of a global database, and what a failover lost."""

    mode: str
    old_primary: str
    new_primary: str
    region: str
    seconds: float | None = None
    lost_transactions: int | None = None
    lost_lsns: tuple[int, int] | None = None
    loss_confirmed: bool = False


@dataclass(frozen=True)
class GlobalView:
    name: str
    status: str
    primary: str | None = None
    primary_region: str | None = None
    writer_uri: str | None = None
    members: tuple[GlobalMemberView, ...] = ()
    last_promotion: PromotionView | None = None
    error: str | None = None
    """Why describe failed for this global database, if it did."""

    @property
    def secondaries(self) -> tuple[GlobalMemberView, ...]:
        return tuple(m for m in self.members if not m.is_primary)

    @property
    def regions(self) -> list[str]:
        return [m.region for m in self.members]


@dataclass(frozen=True)
class Snapshot:
    """One round of answers from the control plane."""

    time: float
    reachable: bool = True
    problem: str | None = None
    """Why the control plane could not be read (when not reachable)."""
    hint: str | None = None
    clusters: tuple[ClusterView, ...] = ()
    fleets: Mapping[str, FleetView] = field(default_factory=dict)
    events: tuple[dict[str, Any], ...] = ()
    """Events newer than the ``since`` the round asked for, oldest first."""
    globals: tuple[GlobalView, ...] = ()
    """Global databases; empty also when aurorad could not say (they are extra, not essential)."""
    snapshots: Mapping[str, tuple[SnapshotView, ...]] = field(default_factory=dict)
    """Per cluster name, its snapshots, newest first; empty also when aurorad could not say."""
    metrics: Mapping[str, StoredSeries] = field(default_factory=dict)
    """Per cluster name, the metrics store's series for the sparklines; empty when aurorad records none."""

    def cluster(self, name: str | None) -> ClusterView | None:
        return next((c for c in self.clusters if c.name == name), None)

    def global_db(self, name: str | None) -> GlobalView | None:
        return next((g for g in self.globals if g.name == name), None)

    def snapshots_of(self, cluster: str | None) -> tuple[SnapshotView, ...]:
        return tuple(self.snapshots.get(cluster, ())) if cluster else ()

    def protection_groups(self, cluster: str) -> tuple[ProtectionGroupView, ...]:
        view = self.cluster(cluster)
        fleet = self.fleets.get(view.region) if view else None
        return tuple(fleet.protection_groups.get(cluster, ())) if fleet else ()

    def quorum_lost(self) -> list[str]:
        """Clusters with at least one protection group that cannot take writes."""
        return [c.name for c in self.clusters
                if any(not pg.write_quorum for pg in self.protection_groups(c.name))]

    @property
    def regions(self) -> list[str]:
        return sorted({c.region for c in self.clusters} | set(self.fleets))


# --- reading the control API ------------------------------------------------------------------


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) else default


def _instance(raw: Mapping[str, Any], probe: Probe) -> InstanceView:
    pid = raw.get("pid")
    usage = probe(pid) if isinstance(pid, int) else None
    commits = raw.get("commits")
    status = str(raw.get("status", "?"))
    if usage is not None and usage.stopped and status in ("available", "starting"):
        # SIGSTOP (chaos pause-instance) is "frozen"; "paused" is a serverless instance at rest.
        status = "frozen"  # describe may not have noticed yet (or cannot, if older); the kernel knows
    return InstanceView(
        id=str(raw.get("id", "?")), role=str(raw.get("role", "?")), status=status,
        az=str(raw.get("az", "?")), promotion_tier=raw.get("promotion_tier"), lag_ms=raw.get("lag_ms"),
        pid=pid if isinstance(pid, int) else None, port=raw.get("port"),
        connections=_int(raw.get("connections")),
        commits=commits if isinstance(commits, int) else None,
        cpu_percent=usage.cpu_percent if usage else None, rss_bytes=usage.rss_bytes if usage else None,
        acu=_float(raw.get("acu")),
    )


def _serverless(raw: Any) -> ServerlessView | None:
    if not isinstance(raw, Mapping):
        return None
    low, high, pause = _float(raw.get("min_acu")), _float(raw.get("max_acu")), raw.get("seconds_until_auto_pause")
    if low is None or high is None:
        return None
    return ServerlessView(low, high, pause if isinstance(pause, int) and not isinstance(pause, bool) else None)


def _time(value: Any) -> float | None:
    """An ISO 8601 time of the control API as Unix seconds (UTC when it names no zone), or None."""
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).timestamp()


def _backups(raw: Any) -> BackupWindowView | None:
    if not isinstance(raw, Mapping):
        return None
    retention, backtrack = raw.get("backup_retention_days"), raw.get("backtrack_window")
    return BackupWindowView(
        retention_days=retention if isinstance(retention, int) and not isinstance(retention, bool) else None,
        earliest=_time(raw.get("earliest_restorable_time")), latest=_time(raw.get("latest_restorable_time")),
        backtrack_window=max(0, backtrack) if isinstance(backtrack, int) and not isinstance(backtrack, bool) else 0,
        earliest_backtrack=_time(raw.get("earliest_backtrack_time")),
    )


def _cluster(summary: Mapping[str, Any], described: Mapping[str, Any], probe: Probe) -> ClusterView:
    volume = described.get("volume") or {}
    return ClusterView(
        name=str(described.get("name", summary["name"])),
        region=str(described.get("region", summary.get("region", DEFAULT_REGION))),
        status=str(described.get("status", summary.get("status", "?"))),
        engine=str(described.get("engine", summary.get("engine", "postgres"))),
        instances=tuple(_instance(i, probe) for i in described.get("instances", [])),
        volume=volume.get("id"), size_bytes=volume.get("size_bytes"), parent=described.get("parent"),
        serverless=_serverless(described.get("serverless")), backups=_backups(described.get("backups")),
        ml_features=tuple(str(f) for f in described.get("ml_features") or ()),
    )


def _fleet(region: str, raw: Mapping[str, Any]) -> FleetView:
    nodes = tuple(
        NodeView(id=str(n.get("id", "?")), az=str(n.get("az", "?")), status=str(n.get("status", "?")),
                 port=n.get("port"), segments=_int(n.get("segments")), bytes=_int(n.get("bytes")))
        for n in raw.get("nodes", [])
    )
    groups: dict[str, tuple[ProtectionGroupView, ...]] = {}
    for vol in raw.get("volumes", []):
        if vol.get("cluster"):
            groups[vol["cluster"]] = tuple(
                ProtectionGroupView(file=_int(pg.get("file")), pg=_int(pg.get("pg")),
                                    current_copies=_int(pg.get("current_copies")),
                                    write_quorum=bool(pg.get("write_quorum")),
                                    members=tuple(pg.get("members", ())))
                for pg in vol.get("protection_groups", [])
            )
    return FleetView(region=region, nodes=nodes, protection_groups=groups)


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _member(raw: Mapping[str, Any]) -> GlobalMemberView:
    applied, primary = raw.get("applied_lsn"), raw.get("primary_lsn")
    history = raw.get("lag_history_ms") or ()
    return GlobalMemberView(
        cluster=str(raw.get("cluster", "?")), region=str(raw.get("region", "?")),
        role=str(raw.get("role", "?")), status=str(raw.get("status", "?")), readers=_int(raw.get("readers")),
        rtt_ms=_float(raw.get("rtt_ms")), lag_ms=_float(raw.get("replication_lag_ms")),
        lag_p99_ms=_float(raw.get("replication_lag_p99_ms")), rpo_lag_ms=_float(raw.get("rpo_lag_ms")),
        applied_lsn=applied if isinstance(applied, int) else None,
        primary_lsn=primary if isinstance(primary, int) else None,
        lag_history_ms=tuple(v for v in (_float(h) for h in history) if v is not None),
    )


def _promotion(raw: Mapping[str, Any] | None) -> PromotionView | None:
    if not raw:
        return None
    rpo = raw.get("rpo") or {}
    lsns = (rpo.get("lsn_from"), rpo.get("lsn_to"))
    return PromotionView(
        mode=str(raw.get("mode", "?")), old_primary=str(raw.get("old_primary", "?")),
        new_primary=str(raw.get("new_primary", "?")), region=str(raw.get("region", "?")),
        seconds=_float(raw.get("seconds")),
        lost_transactions=rpo.get("transactions") if isinstance(rpo.get("transactions"), int) else None,
        lost_lsns=(lsns[0], lsns[1]) if isinstance(lsns[0], int) and isinstance(lsns[1], int) else None,
        loss_confirmed=bool(rpo.get("confirmed")),
    )


def _global(summary: Mapping[str, Any], described: Mapping[str, Any]) -> GlobalView:
    writer = described.get("writer") or summary.get("writer") or {}
    return GlobalView(
        name=str(described.get("name", summary["name"])),
        status=str(described.get("status", summary.get("status", "?"))),
        primary=described.get("primary", summary.get("primary")),
        primary_region=described.get("primary_region", summary.get("primary_region")),
        writer_uri=writer.get("uri"),
        members=tuple(_member(m) for m in described.get("members", [])),
        last_promotion=_promotion(described.get("last_promotion")),
    )


def collect_globals(source: DataSource) -> tuple[GlobalView, ...]:
    """The global databases, described one by one; an aurorad that cannot say means none.

    Global databases are an addition to the screen: an error here (an aurorad without them, a
    reply that makes no sense) must not hide the clusters, so it reads as "no data".
    """
    try:
        summaries = source.call("global_list", timeout=READ_TIMEOUT)
        views = []
        for summary in summaries:
            try:
                described = source.call("global_describe", name=summary["name"], timeout=READ_TIMEOUT)
            except errors.NotFound:
                continue  # deleted between list and describe
            except errors.AuroraError as e:
                views.append(GlobalView(summary["name"], "unknown", primary=summary.get("primary"),
                                        primary_region=summary.get("primary_region"), error=e.message))
                continue
            views.append(_global(summary, described))
    except (errors.AuroraError, ValueError, KeyError, TypeError, AttributeError):
        return ()
    return tuple(views)


def _snapshot(raw: Mapping[str, Any]) -> SnapshotView:
    size, copied = raw.get("size_bytes"), raw.get("copied_from")
    return SnapshotView(
        name=str(raw.get("name", "?")), cluster=str(raw.get("cluster", "?")), kind=str(raw.get("kind", "?")),
        status=str(raw.get("status", "?")), time=_time(raw.get("time")), created=_time(raw.get("created")),
        size_bytes=size if isinstance(size, int) and not isinstance(size, bool) else None,
        copied_from=copied if isinstance(copied, str) else None,
    )


def collect_snapshots(source: DataSource) -> dict[str, tuple[SnapshotView, ...]]:
    """Every cluster snapshot of the home in one call, per cluster and newest first.

    Like global databases, snapshots are extra: an aurorad without ``snapshot_list`` or a
    reply that makes no sense reads as "no snapshots", never as a control plane down.
    """
    try:
        views = [_snapshot(raw) for raw in source.call("snapshot_list", timeout=READ_TIMEOUT)]
    except (errors.AuroraError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    views.sort(key=lambda s: (s.created or s.time or 0.0, s.name), reverse=True)
    grouped: dict[str, tuple[SnapshotView, ...]] = {}
    for view in views:
        grouped[view.cluster] = (*grouped.get(view.cluster, ()), view)
    return grouped


class StoredSeries(NamedTuple):
    """A cluster's sparkline series from aurorad's metrics store, one value a second, oldest first."""

    lag_ms: list[float]
    """The writer's AuroraReplicaLagMaximum (empty without readers)."""
    transactions: list[float]
    """CommitThroughput summed over the instances."""
    capacity: list[float]
    """The writer's ServerlessDatabaseCapacity (empty when provisioned)."""


CHART_WINDOW_S = 300


def _stored(rows: Any, writer_only: bool) -> list[float]:
    """One value per second from ``metrics`` rows: the writer's, or the sum over the instances."""
    per_second: dict[str, float] = {}
    for row in rows if isinstance(rows, list) else ():
        dims = {d.get("Name"): d.get("Value") for d in row.get("Dimensions", ())}
        if writer_only and dims.get("Role") != "WRITER":
            continue
        for point in row.get("Datapoints", ()):
            stamp, value = point.get("Timestamp"), _float(point.get("Average"))
            if stamp is not None and value is not None:
                per_second[stamp] = per_second.get(stamp, 0.0) + value
    return [per_second[t] for t in sorted(per_second)]


def collect_metrics(source: DataSource, names: list[str]) -> dict[str, StoredSeries]:
    """Per cluster, the last minutes of the store's series for the sparklines; {} when aurorad
    records no metrics (AURORA_METRICS=off, or an aurorad without the ``metrics`` operation)."""
    out: dict[str, StoredSeries] = {}
    for name in names:
        series = []
        for metric in ("AuroraReplicaLagMaximum", "CommitThroughput", "ServerlessDatabaseCapacity"):
            try:
                rows = source.call("metrics", name=name, metric_name=metric, since=f"{CHART_WINDOW_S}s",
                                   period=1, timeout=READ_TIMEOUT)
            except errors.AuroraError as e:
                if _control_plane_down(e):
                    raise
                return {}
            if not isinstance(rows, list):
                return {}
            series.append(_stored(rows, writer_only=metric != "CommitThroughput"))
        if series[1]:
            out[name] = StoredSeries(*series)
    return out


def _control_plane_down(e: errors.AuroraError) -> bool:
    """aurorad itself did not answer (a storage error inside an answer is not that)."""
    return isinstance(e, errors.Unavailable) and not isinstance(e, errors.StorageError)


def collect(source: DataSource, probe: Probe, since: int = 0,
            clock: Callable[[], float] = time.time) -> Snapshot:
    """One round of control-API calls; a control plane that cannot be read is a Snapshot too."""
    now = clock()
    try:
        summaries = source.call("list", timeout=READ_TIMEOUT)
        clusters = []
        for summary in summaries:
            try:
                described = source.call("describe", name=summary["name"], timeout=READ_TIMEOUT)
            except errors.NotFound:
                continue  # deleted between list and describe
            except errors.AuroraError as e:
                if _control_plane_down(e):
                    raise
                clusters.append(ClusterView(summary["name"], summary.get("region", DEFAULT_REGION),
                                            "unknown", error=e.message))
                continue
            clusters.append(_cluster(summary, described, probe))
        fleets: dict[str, FleetView] = {}
        for region in sorted({c.region for c in clusters} | {DEFAULT_REGION}):
            try:
                fleets[region] = _fleet(region, source.call("fleet", region=region, timeout=READ_TIMEOUT))
            except errors.AuroraError as e:
                if _control_plane_down(e):
                    raise
                fleets[region] = FleetView(region, error=e.message)
        globals_ = collect_globals(source)
        snapshots = collect_snapshots(source)
        metrics = collect_metrics(source, [c.name for c in clusters if not c.error])
        events = tuple(source.call("events", since=since, limit=EVENTS_KEPT, timeout=READ_TIMEOUT))
    except errors.AuroraError as e:
        return Snapshot(now, reachable=False, problem=e.message, hint=e.hint)
    except (OSError, ValueError, KeyError, TypeError) as e:
        # A socket or reply that makes no sense: the control plane is not usable right now.
        return Snapshot(now, reachable=False, problem=f"{type(e).__name__}: {e}")
    return Snapshot(now, clusters=tuple(clusters), fleets=fleets, events=events, globals=globals_,
                    snapshots=snapshots, metrics=metrics)


# --- series for the sparklines -----------------------------------------------------------------


class Series(NamedTuple):
    """The recent values of one cluster, oldest first."""

    lag_ms: list[float]
    activity: list[float]
    activity_kind: str
    """"transactions/s" when instances report commits, else "connections"."""
    capacity: list[float]
    """A serverless cluster's writer capacity in ACUs (0 while paused); empty when provisioned."""
    serverless: ServerlessView | None = None
    """The cluster's capacity range, for the caption; None when provisioned."""


class History:
    """The last ``window`` seconds of replica lag, activity and capacity per cluster.

    Transactions per second come from the difference of successive ``commits`` counts of each
    instance (a restarted instance starts again from zero, so a drop counts as no commits).
    Capacity is the writer's ACUs, as AWS's ServerlessDatabaseCapacity of that instance: the
    min-max range applies per instance, and the writer is what scales with the write load
    (readers in promotion tiers 0 and 1 follow it). A poll without a writer's figure adds no point.
    """

    def __init__(self, window: float = 300.0, refresh: float = 1.0) -> None:
        # At least a minute of points, also when polls are rare (or, in tests, manual).
        self.points = max(60, int(window / max(refresh, 0.05)))
        self._lag: dict[str, deque[float]] = {}
        self._activity: dict[str, deque[float]] = {}
        self._kind: dict[str, str] = {}
        self._capacity: dict[str, deque[float]] = {}
        self._serverless: dict[str, ServerlessView] = {}
        self._commits: dict[tuple[str, str], tuple[float, int]] = {}
        self._stored: Mapping[str, StoredSeries] = {}

    def record(self, snapshot: Snapshot) -> None:
        if not snapshot.reachable:
            return
        self._stored = snapshot.metrics
        for cluster in snapshot.clusters:
            if cluster.error:
                continue
            lags = [i.lag_ms for i in cluster.readers if i.lag_ms is not None]
            self._series(self._lag, cluster.name).append(max(lags, default=0.0))
            tps = self._tps(snapshot.time, cluster)
            if tps is not None:
                self._kind[cluster.name] = "transactions/s"
                self._series(self._activity, cluster.name).append(tps)
            elif all(i.commits is None for i in cluster.instances):
                self._kind[cluster.name] = "connections"
                self._series(self._activity, cluster.name).append(
                    float(sum(i.connections for i in cluster.instances)))
            self._record_capacity(cluster)
        names = {c.name for c in snapshot.clusters}
        for table in (self._lag, self._activity, self._kind, self._capacity, self._serverless):
            for name in [n for n in table if n not in names]:
                del table[name]

    def _record_capacity(self, cluster: ClusterView) -> None:
        if cluster.serverless is None:  # modified to provisioned: its old capacity means nothing now
            self._capacity.pop(cluster.name, None)
            self._serverless.pop(cluster.name, None)
            return
        self._serverless[cluster.name] = cluster.serverless
        writer = cluster.writer
        if writer is not None and writer.acu is not None:
            self._series(self._capacity, cluster.name).append(writer.acu)

    def _series(self, table: dict[str, deque[float]], name: str) -> deque[float]:
        return table.setdefault(name, deque(maxlen=self.points))

    def _tps(self, now: float, cluster: ClusterView) -> float | None:
        total, measured = 0.0, False
        for inst in cluster.instances:
            if inst.commits is None:
                continue
            key = (cluster.name, inst.id)
            previous = self._commits.get(key)
            self._commits[key] = (now, inst.commits)
            if previous is None or now <= previous[0]:
                continue
            measured = True
            total += max(0, inst.commits - previous[1]) / (now - previous[0])
        return total if measured else None

    def series(self, cluster: str) -> Series:
        stored = self._stored.get(cluster)
        if stored is not None:  # aurorad's metrics store: the figures `aurora metrics` shows
            return Series(stored.lag_ms or list(self._lag.get(cluster, ())), stored.transactions,
                          "transactions/s", stored.capacity if cluster in self._serverless else [],
                          self._serverless.get(cluster))
        return Series(list(self._lag.get(cluster, ())), list(self._activity.get(cluster, ())),
                      self._kind.get(cluster, "transactions/s"), list(self._capacity.get(cluster, ())),
                      self._serverless.get(cluster))


# --- words and numbers as the screen shows them ---------------------------------------------


def human_bytes(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def short_bytes(n: int | None) -> str:
    """Bytes in at most five characters, for tight columns: 980K, 12.0M, 1.2G."""
    if n is None:
        return "—"
    for unit, scale in (("G", 2**30), ("M", 2**20), ("K", 2**10)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{n}B"


def human_lag(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms < 1:
        return "<1 ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{ms / 1000:.1f} s"


def human_rate(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def human_acu(value: float | None) -> str:
    """Capacity as AWS writes it: 0.5, 1, 2.5, 128 (no trailing zeros)."""
    return "—" if value is None else f"{round(value, 2):g}"
