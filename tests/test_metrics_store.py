"""The metrics store, the sampler and the Prometheus exporter, in-process on real objects:
samples in, statistics of periods out; rollups and pruning; rates from status counters;
Prometheus text that prometheus_client's own parser reads back."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from aurora.engine.control.metrics import check_period, check_statistic, parse_since
from aurora.engine.errors import UsageError
from aurora.engine.metrics.activity import Activity
from aurora.engine.metrics.exporter import MetricsExporter
from aurora.engine.metrics.names import BY_NAME, METRICS, metric
from aurora.engine.metrics.sampler import ClusterReading, InstanceReading, Sampler
from aurora.engine.metrics.store import RAW_KEEP_S, ROLLUP_KEEP_S, MetricsStore, Sample

T0 = 1_800_000_000  # a whole minute


def commits(cluster: str, value: float, instance: str = "c-instance-1") -> Sample:
    return Sample("CommitThroughput", cluster, instance, "WRITER", "aurora-postgresql", "Count/Second", value)


@pytest.fixture
def store(tmp_path: Path):
    s = MetricsStore(tmp_path / "metrics" / "metrics.db")
    yield s
    s.close()


def only_series(store: MetricsStore, cluster: str = "c") -> int:
    (sid, _key), = store.series(cluster)
    return sid


def test_statistics_of_a_period_come_from_the_seconds_in_it(store) -> None:
    for i in range(120):
        store.add(T0 + i, [commits("c", float(i))])
    sid = only_series(store)
    minutes = store.aggregates(sid, T0, T0 + 120, 60)
    assert sorted(minutes) == [T0, T0 + 60]
    first = minutes[T0]
    assert (first.statistic("SampleCount"), first.statistic("Minimum"), first.statistic("Maximum")) == (60, 0, 59)
    assert first.statistic("Average") == pytest.approx(29.5)
    assert first.statistic("Sum") == sum(range(60))
    two = store.aggregates(sid, T0, T0 + 120, 120)[T0]
    assert two.statistic("Average") == pytest.approx(59.5) and two.n == 120
    tens = store.aggregates(sid, T0, T0 + 120, 10)
    assert len(tens) == 12 and tens[T0 + 110].statistic("Minimum") == 110


def test_rollups_answer_once_the_raw_seconds_are_pruned(store, tmp_path: Path) -> None:
    for i in range(60):
        store.add(T0 + i, [commits("c", 2.0)])
    late = T0 + RAW_KEEP_S + 120
    store.add(late, [commits("c", 4.0)])  # a minute later than the raw seconds are kept
    sid = only_series(store)
    assert store.aggregates(sid, T0, T0 + 60, 1) == {}  # the raw seconds are gone
    minute = store.aggregates(sid, T0, T0 + 60, 60)[T0]
    assert (minute.n, minute.statistic("Average")) == (60, 2.0)
    store.add(T0 + ROLLUP_KEEP_S + 3600, [commits("c", 1.0)])
    assert store.aggregates(sid, T0, T0 + 60, 60) == {}  # past 24 hours: pruned
    reopened = MetricsStore(tmp_path / "metrics" / "metrics.db")
    try:
        assert reopened.latest(sid) == (T0 + ROLLUP_KEEP_S + 3600, 1.0)
    finally:
        reopened.close()


def test_series_are_kept_apart_by_cluster_instance_and_metric(store) -> None:
    store.add(T0, [commits("a", 1.0), commits("a", 5.0, "a-instance-2"), commits("b", 9.0)])
    assert {k.instance for _sid, k in store.series("a")} == {"c-instance-1", "a-instance-2"}
    assert [k.cluster for _sid, k in store.series("b")] == ["b"]
    assert store.series("a", ["CPUUtilization"]) == []
    (sid, key), = store.series("a", ["CommitThroughput"], "a-instance-2")
    assert key.unit == "Count/Second" and store.latest(sid) == (T0, 5.0)


def status(t: float, commits: int, **activity: float) -> dict:
    return {"time": t, "commits": commits, "connections": 3, "activity": activity}


def test_the_sampler_turns_counters_into_rates_and_ratios() -> None:
    sampler = Sampler(memory_available=lambda: 1 << 30)

    def reading(t: float, n: int, **activity: float) -> list[ClusterReading]:
        writer = InstanceReading("c-instance-1", "writer", 1, status(t, n, **activity))
        reader = InstanceReading("c-instance-2", "reader", 1, {**status(t, 0), "lag_ms": 4.0})
        return [ClusterReading("c", "postgres", [writer, reader])]

    first = sampler.sample(reading(100.0, 10, selects=0, dml=0, commit_statements=0, commit_seconds=0.0,
                                   pool_hits=0, pool_misses=0, pages_written=0), lambda: 100.0)
    assert "CommitThroughput" not in {s.metric for s in first}  # a rate needs two looks
    second = sampler.sample(reading(102.0, 210, selects=100, dml=300, commit_statements=200,
                                    commit_seconds=1.0, pool_hits=90, pool_misses=10, pages_written=500),
                            lambda: 102.0)
    got = {(s.metric, s.instance): s.value for s in second}
    assert got[("CommitThroughput", "c-instance-1")] == 100.0
    assert got[("SelectThroughput", "c-instance-1")] == 50.0
    assert got[("DMLThroughput", "c-instance-1")] == 150.0
    assert got[("CommitLatency", "c-instance-1")] == pytest.approx(5.0)  # 1 s over 200 commits, in ms
    assert got[("BufferCacheHitRatio", "c-instance-1")] == pytest.approx(90.0)
    assert got[("VolumeWriteIOPs", "")] == 250.0
    assert got[("AuroraReplicaLag", "c-instance-2")] == 4.0
    assert got[("AuroraReplicaLagMaximum", "c-instance-1")] == 4.0
    assert got[("DatabaseConnections", "c-instance-1")] == 3
    assert got[("FreeableMemory", "c-instance-1")] == 1 << 30
    assert {s.role for s in second if s.instance == "c-instance-2"} == {"READER"}
    assert {s.engine for s in second} == {"aurora-postgresql"}
    for s in second:
        assert s.unit == BY_NAME[s.metric].unit


def test_a_restarted_instance_counts_from_zero_without_a_negative_rate() -> None:
    sampler = Sampler(memory_available=lambda: 0)
    one = [ClusterReading("c", "postgres", [InstanceReading("i", "writer", 1, status(1.0, 500))])]
    sampler.sample(one, lambda: 1.0)
    sampler.sample([ClusterReading("c", "postgres", [InstanceReading("i", "writer", 1, status(2.0, 600))])],
                   lambda: 2.0)
    after = sampler.sample([ClusterReading("c", "postgres", [InstanceReading("i", "writer", 1, status(3.0, 40))])],
                           lambda: 3.0)
    assert {s.metric: s.value for s in after}["CommitThroughput"] == 40.0


def test_serverless_capacity_is_recorded_even_while_paused() -> None:
    paused = InstanceReading("i", "writer", None, {}, acu=0.0, max_acu=8.0)
    running = InstanceReading("j", "reader", None, {}, acu=2.0, max_acu=8.0)
    got = {(s.metric, s.instance): s.value for s in
           Sampler(memory_available=lambda: 0).sample([ClusterReading("c", "postgres", [paused, running])],
                                                      lambda: 1.0)}
    assert got == {("ServerlessDatabaseCapacity", "i"): 0.0, ("ACUUtilization", "i"): 0.0,
                   ("ServerlessDatabaseCapacity", "j"): 2.0, ("ACUUtilization", "j"): 25.0}


def test_an_instance_counts_statements_commits_and_conflicts() -> None:
    a = Activity()
    a.statement("SELECT 1", 0.001)
    a.statement("INSERT 0 1", 0.001)
    a.statement("UPDATE 3", 0.001)
    a.statement("COMMIT", 0.004)
    a.statement("BEGIN", 0.0)
    a.failed("40001")
    a.failed("23505")
    a.written(7, [(0, 1), (0, 2)])
    assert a.snapshot() == {"selects": 1, "dml": 2, "commit_statements": 1, "commit_seconds": 0.004,
                            "conflicts": 1, "pages_written": 2}


@pytest.mark.parametrize("text, seconds", [("15m", 900), ("90s", 90), ("90", 90), ("3h", 10800), ("1d", 86400)])
def test_since_reads_durations(text: str, seconds: int) -> None:
    assert parse_since(text) == seconds


@pytest.mark.parametrize("call, message", [
    (lambda: parse_since("2x"), "--since must be a duration"),
    (lambda: parse_since("2d"), "at most 24h"),
    (lambda: parse_since("0m"), "--since must be a duration"),
    (lambda: check_period(7), "--period must be 1, 5, 10, 30 or a multiple of 60"),
    (lambda: check_period(0), "--period must be"),
    (lambda: check_statistic("p99"), "--statistic must be one of Average"),
])
def test_bad_options_are_usage_errors(call, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call()


def test_names_follow_cloudwatch_and_prometheus_conventions() -> None:
    assert check_statistic("samplecount") == "SampleCount"
    assert metric("commitlatency") is BY_NAME["CommitLatency"]
    assert BY_NAME["CommitLatency"].prometheus_name == "aurora_commit_latency_seconds"
    assert BY_NAME["CommitLatency"].prometheus_value(250.0) == 0.25
    assert BY_NAME["AuroraReplicaLag"].prometheus_name == "aurora_replica_lag_seconds"
    assert BY_NAME["VolumeReadIOPs"].prometheus_name == "aurora_volume_read_iops"
    names = [m.prometheus_name for m in METRICS]
    assert len(set(names)) == len(names)


class _Latest:
    def __init__(self, samples: list[Sample]) -> None:
        self.samples = samples

    def metrics_latest(self) -> list[Sample]:
        return self.samples


def test_the_exporter_serves_text_that_prometheus_parses() -> None:
    samples = [commits("c", 12.5), Sample("CommitLatency", "c", "c-instance-1", "WRITER", "aurora-postgresql",
                                          "Milliseconds", 4.0),
               Sample("VolumeBytesUsed", "c", "", "", "aurora-postgresql", "Bytes", 4096.0)]
    exporter = MetricsExporter(_Latest(samples), 0)
    exporter.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{exporter.port}/metrics", timeout=5) as r:
            text = r.read().decode()
    finally:
        exporter.stop()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    latency = families["aurora_commit_latency_seconds"].samples[0]
    assert latency.value == pytest.approx(0.004)
    assert latency.labels == {"db_cluster_identifier": "c", "db_instance_identifier": "c-instance-1",
                              "role": "WRITER", "engine_name": "aurora-postgresql"}
    assert families["aurora_volume_used_bytes"].samples[0].labels == {"db_cluster_identifier": "c",
                                                                      "engine_name": "aurora-postgresql"}
    assert families["aurora_commit_throughput_per_second"].samples[0].value == 12.5


def test_the_exporter_refuses_a_port_in_use() -> None:
    first = MetricsExporter(_Latest([]), 0)
    first.start()
    try:
        with pytest.raises(OSError):
            MetricsExporter(_Latest([]), first.port).start()
    finally:
        first.stop()


class _MetricsSource:
    """Answers ``metrics`` as aurorad does, for the dashboard's model."""

    def call(self, op: str, **args):
        assert op == "metrics" and args["period"] == 1
        role = "READER" if args["metric_name"] == "AuroraReplicaLag" else "WRITER"

        def row(instance: str, role: str, values: list[float]) -> dict:
            return {"Label": args["metric_name"],
                    "Dimensions": [{"Name": "DBClusterIdentifier", "Value": args["name"]},
                                   {"Name": "DBInstanceIdentifier", "Value": instance},
                                   {"Name": "Role", "Value": role}],
                    "Datapoints": [{"Timestamp": f"2026-12-02T10:00:0{i}+00:00", "Average": v, "Unit": "x"}
                                   for i, v in enumerate(values)]}

        if args["metric_name"] == "CommitThroughput":
            return [row("w", "WRITER", [10.0, 20.0]), row("r", "READER", [1.0, 2.0])]
        if args["metric_name"] == "AuroraReplicaLagMaximum":
            return [row("w", role, [3.0, 4.0])]
        return []


def test_the_dashboard_draws_the_stores_series() -> None:
    from aurora.cli.dashboard.model import History, Snapshot, collect_metrics

    stored = collect_metrics(_MetricsSource(), ["c"])
    assert stored["c"].transactions == [11.0, 22.0]  # summed over the instances, second by second
    assert stored["c"].lag_ms == [3.0, 4.0] and stored["c"].capacity == []
    history = History(60, 1.0)
    history.record(Snapshot(0.0, metrics=stored))
    series = history.series("c")
    assert (series.activity, series.lag_ms, series.activity_kind) == ([11.0, 22.0], [3.0, 4.0], "transactions/s")
