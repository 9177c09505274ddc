"""Metrics through the `aurora` command and the Prometheus endpoint, with real clients:
CommitThroughput rises while pgbench runs, a reader reports AuroraReplicaLag, the endpoint's
text parses with prometheus_client's parser, bad options get one clear error line, and an
aurorad started with AURORA_METRICS=off says so."""

from __future__ import annotations

import socket
import subprocess
import urllib.request

import pytest
from instance_support import pg_tool
from prometheus_client.parser import text_string_to_metric_families
from test_cluster_cli import poll

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def datapoints(aurora, name: str, metric: str, role: str | None = None, since: str = "1m") -> list[float]:
    """The one-second averages of ``metric`` (of the instances of ``role``), oldest first."""
    rows = aurora.json("metrics", name, "--metric", metric, "--since", since, "--period", "1")
    values = []
    for r in rows:
        dims = {d["Name"]: d["Value"] for d in r["Dimensions"]}
        assert dims["DBClusterIdentifier"] == name and dims["EngineName"] == "aurora-postgresql"
        if role is None or dims.get("Role") == role:
            for p in r["Datapoints"]:
                assert p["Unit"] and p["Timestamp"].endswith("+00:00")
                values.append(p["Average"])
    return values


def test_commit_throughput_rises_under_pgbench_and_a_reader_reports_its_lag(aurora):
    pgbench = pg_tool("pgbench")
    port = free_port()
    aurora.ok("daemon", "start", "--metrics-port", str(port))
    aurora.ok("create", "demo", "--replicas", "1")
    uri = aurora.ok("url", "demo").strip()
    subprocess.run([pgbench, "-i", "-s", "1", "-q", uri], check=True, capture_output=True, timeout=120)
    # idle once the load's last commits are behind: the writer's last seconds show (next to) none
    poll(lambda: max(datapoints(aurora, "demo", "CommitThroughput", "WRITER", "3s"), default=99) < 5, 20,
         "a few idle seconds of CommitThroughput")
    load = subprocess.Popen([pgbench, "-c", "2", "-j", "2", "-T", "10", uri],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        poll(lambda: max(datapoints(aurora, "demo", "CommitThroughput", "WRITER", "5s"), default=0) > 20, 15,
             "CommitThroughput to rise under pgbench")
        poll(lambda: datapoints(aurora, "demo", "AuroraReplicaLag", "READER", "10s"), 15,
             "the reader's AuroraReplicaLag")
        assert all(0 <= v < 10_000 for v in datapoints(aurora, "demo", "AuroraReplicaLag", "READER"))
        assert datapoints(aurora, "demo", "AuroraReplicaLagMaximum", "WRITER")
        assert max(datapoints(aurora, "demo", "DMLThroughput", "WRITER", "10s")) > 0
        families = poll(lambda: scrape_with_commits(port), 10, "a scrape with the writer's commits")
    finally:
        load.kill()
        load.wait()
    commit = next(s for s in families["aurora_commit_throughput_per_second"].samples
                  if s.labels["role"] == "WRITER")
    assert commit.labels["db_cluster_identifier"] == "demo"
    assert commit.labels["engine_name"] == "aurora-postgresql"
    assert any(s.labels["role"] == "READER" for s in families["aurora_replica_lag_seconds"].samples)
    assert "aurora_volume_write_iops" in families
    table = aurora.ok("metrics", "demo", "--instance", "demo-instance-2", "--since", "1m")
    assert "AuroraReplicaLag" in table and "demo-instance-1" not in table
    rows = aurora.json("metrics", "demo", "--metric", "CommitThroughput", "--statistic", "SampleCount")
    assert rows and all("SampleCount" in p for r in rows for p in r["Datapoints"])


def scrape_with_commits(port: int):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        families = {f.name: f for f in text_string_to_metric_families(r.read().decode())}
    family = families.get("aurora_commit_throughput_per_second")
    if family and any(s.labels.get("role") == "WRITER" and s.value > 0 for s in family.samples):
        return families
    return None


BAD_OPTIONS = [
    (("--period", "7"), "--period must be 1, 5, 10, 30 or a multiple of 60"),
    (("--since", "yesterday"), "--since must be a duration"),
    (("--statistic", "p99"), "--statistic must be one of"),
    (("--metric", "Nope"), "no metric named 'Nope'"),
    (("--instance", "nope"), "instance 'nope' not found"),
]


def test_bad_options_get_one_clear_line(aurora):
    aurora.ok("create", "small")
    for args, message in BAD_OPTIONS:
        r = aurora.run("metrics", "small", *args)
        assert r.returncode != 0 and "Traceback" not in r.stderr
        assert r.stderr.startswith("Error: ") and message in r.stderr.splitlines()[0], (args, r.stderr)


def test_an_aurorad_without_metrics_says_so(aurora):
    aurora.env["AURORA_METRICS"] = "off"
    aurora.ok("create", "quiet")
    r = aurora.run("metrics", "quiet")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "AURORA_METRICS=off" in r.stderr
