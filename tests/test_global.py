"""Global databases through the `aurora` command: a secondary region fed by storage-level
replication, writes refused there, a replication process killed mid-stream, a switchover
under load, a failover after the primary's region fails (its RPO checked against what a
client saw acknowledged), the old primary rejoining, remove-region, the simulated round trip
changed live, and the CPU weights of the secondary's processes."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import threading
import time

import psycopg
import pytest
from test_cluster_cli import poll, sql

from aurora.engine import process

pytestmark = pytest.mark.integration


class Writer(threading.Thread):
    """Inserts rows 0, 1, 2, ... one commit each through ``uri``, reconnecting after an error
    as an application does, and logs every commit that was acknowledged."""

    def __init__(self, uri: str, start_at: int = 0) -> None:
        super().__init__(daemon=True)
        self.uri = uri
        self.next = start_at
        self.acked: list[int] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = psycopg.connect(self.uri, autocommit=True, connect_timeout=3)
                conn.execute("INSERT INTO t VALUES (%s)", (self.next,))
                self.acked.append(self.next)
                self.next += 1
            except psycopg.Error:
                if conn is not None:
                    conn.close()
                    conn = None
                self.next += 1  # its outcome is unknown: never reuse the key
                time.sleep(0.02)
        if conn is not None:
            conn.close()

    def finish(self) -> None:
        self.stop.set()
        self.join(15)


def ids(uri: str) -> list[int]:
    return [r[0] for r in sql(uri, "SELECT id FROM t ORDER BY id")]


def weights(aurora) -> dict[str, int | None]:
    """The autogroup nice value (the CPU weight) of each storage node, instance and
    replication process: ``region/node``, ``cluster/instance``, ``cluster/replicator``."""
    out = {}
    for pid_file in aurora.home.glob("regions/*/nodes/*/pid"):
        out[f"{pid_file.parent.parent.parent.name}/{pid_file.parent.name}"] = pid_file.parent
    for pid_file in aurora.home.glob("clusters/*/instances/*/pid"):
        out[f"{pid_file.parent.parent.parent.name}/{pid_file.parent.name}"] = pid_file.parent
    for pid_file in aurora.home.glob("clusters/*/replicator/pid"):
        out[f"{pid_file.parent.parent.name}/replicator"] = pid_file.parent
    return {k: process.autogroup_nice(r.pid) for k, folder in out.items()
            if (r := process.read_pid_file(folder)) is not None and r.alive()}


def weighed(aurora, low: set[str], nice_low: int = 3) -> bool:
    """Every process whose name starts with one of ``low`` has the secondary's CPU weight
    (``nice_low``: the first test's AURORA_SECONDARY_NICE, 3, or the default, 2), the others
    the normal one (where the kernel has autogroups)."""
    have = weights(aurora)
    if new_sessions_get_autogroups():
        return all(nice == (nice_low if k.startswith(tuple(low)) else 0) for k, nice in have.items())
    return all(nice is None for nice in have.values())


@functools.cache
def new_sessions_get_autogroups() -> bool:
    """Whether the kernel gives a new session (every aurora process leads one) an autogroup.
    This process's own autogroup says nothing: a session that no process ever made with
    setsid, as a container's first one may be, has none."""
    leader = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        return process.autogroup_nice(leader.pid) is not None
    finally:
        leader.kill()
        leader.wait()


def member(desc: dict, cluster: str) -> dict:
    return next(m for m in desc["members"] if m["cluster"] == cluster)


def test_secondary_region_replicates_refuses_writes_survives_a_killed_replicator_and_switches_over(aurora):
    aurora.env["AURORA_SECONDARY_NICE"] = "3"  # for aurorad, which the next command starts
    primary = aurora.json("create", "demo", "--replicas", "1")
    sql(primary["writer"]["uri"], "CREATE TABLE t (id int PRIMARY KEY)")
    sql(primary["writer"]["uri"], "INSERT INTO t SELECT g FROM generate_series(100000, 100999) g")

    created = aurora.json("global", "create", "world", "--source-cluster", "demo")
    assert created["primary"] == "demo" and created["secondaries"] == []
    gw = created["writer"]["uri"]
    desc = aurora.json("global", "add-region", "world", "--region", "eu-west-1", "--replicas", "1",
                       "--rtt-ms", "20")
    sec = member(desc, "world-eu-west-1")
    assert sec["role"] == "secondary" and sec["region"] == "eu-west-1" and sec["rtt_ms"] == 20
    assert sec["applied_lsn"] >= member(desc, "demo")["applied_lsn"]
    assert [g["name"] for g in aurora.json("global", "list")] == ["world"]

    # what was there before add-region (the base image) and what comes after (the stream)
    secondary = aurora.json("endpoints", "world-eu-west-1")
    sql(gw, "INSERT INTO t VALUES (1), (2), (3)")
    poll(lambda: len(ids(secondary["reader"]["uri"])) == 1003, 15, "rows on the secondary's reader")

    # the secondary region's processes yield the CPUs to the primary's
    poll(lambda: weighed(aurora, {"eu-west-1/", "world-eu-west-1/"}), 15, "the secondary's CPU weight")
    assert {"eu-west-1/sn-a1", "world-eu-west-1/replicator", "demo/demo-instance-1"} <= weights(aurora).keys()

    # the simulated distance changes live: a commit takes at least the one-way trip to arrive
    for bad in (["local-1", "local-1", "--ms", "10"], ["local-1", "eu-west-1", "--ms", "-5"]):
        r = aurora.run("chaos", "region-latency", *bad)
        assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    changed = aurora.json("chaos", "region-latency", "local-1", "eu-west-1", "--ms", "600")
    assert changed == {"regions": ["local-1", "eu-west-1"], "rtt_ms": 600}
    assert member(aurora.json("global", "describe", "world"), "world-eu-west-1")["rtt_ms"] == 600
    committed = time.monotonic()
    sql(gw, "INSERT INTO t VALUES (7)")
    poll(lambda: 7 in ids(secondary["reader"]["uri"]), 15, "the row to cross 600 ms of round trip")
    assert time.monotonic() - committed >= 0.3
    aurora.json("chaos", "region-latency", "eu-west-1", "local-1", "--ms", "20")
    assert member(aurora.json("global", "describe", "world"), "world-eu-west-1")["rtt_ms"] == 20

    # a secondary is read-only, through every endpoint it has
    for uri in (secondary["writer"]["uri"], secondary["reader"]["uri"]):
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            sql(uri, "INSERT INTO t VALUES (99)")
    r = aurora.run("failover", "world-eu-west-1")
    assert r.returncode != 0 and "promote-region" in r.stderr
    r = aurora.run("delete", "world-eu-west-1", "--yes")
    assert r.returncode != 0 and "remove-region" in r.stderr and "Traceback" not in r.stderr

    # the replication process killed in the middle of a stream of commits: it comes back and
    # resumes where its volume stands, with no gap and no duplicate
    writer = Writer(gw, 10)
    writer.start()
    try:
        poll(lambda: len(writer.acked) > 30, 20, "commits before the kill")
        pid_dir = aurora.home / "clusters" / "world-eu-west-1" / "replicator"
        record = process.read_pid_file(pid_dir)
        assert record is not None and record.alive()
        os.kill(record.pid, signal.SIGKILL)
        poll(lambda: (r := process.read_pid_file(pid_dir)) is not None and r.pid != record.pid and r.alive(),
             10, "the replication process to be restarted")
        poll(lambda: len(writer.acked) > 80, 20, "commits after the restart")
    finally:
        writer.finish()
    expected = {1, 2, 3, 7, *writer.acked}
    on_primary = ids(gw)
    poll(lambda: ids(secondary["reader"]["uri"]) == on_primary, 20, "the secondary to catch up")
    assert expected <= set(on_primary)
    events = [e["message"] for e in aurora.json("events", "world-eu-west-1")]
    assert any("Replication process of world-eu-west-1 restarted" in m for m in events)

    # switchover with a client writing through the global writer endpoint: nothing is lost
    writer = Writer(gw, 20000)
    writer.start()
    try:
        poll(lambda: len(writer.acked) > 30, 20, "commits before the switchover")
        promoted = aurora.json("promote-region", "world", "--region", "eu-west-1")
        assert promoted["mode"] == "switchover" and promoted["rpo"] is None
        assert promoted["old_primary"] == "demo" and promoted["new_primary"] == "world-eu-west-1"
        assert promoted["seconds"] < 10
        done = len(writer.acked)
        poll(lambda: len(writer.acked) > done + 30, 20, "commits through the global endpoint after it")
    finally:
        writer.finish()
    on_new = set(ids(gw))
    assert set(writer.acked) <= on_new, "a commit acknowledged before or after the switchover is missing"
    desc = aurora.json("global", "describe", "world")
    assert desc["primary"] == "world-eu-west-1" and desc["primary_region"] == "eu-west-1"
    assert member(desc, "demo")["role"] == "secondary"
    messages = [e["message"] for e in aurora.json("events", "world-eu-west-1")]
    assert "Global switchover to DB cluster world-eu-west-1 in Region eu-west-1 started." in messages
    assert "New primary DB cluster world-eu-west-1 was successfully promoted." in messages

    # the CPU weights follow the roles
    poll(lambda: weighed(aurora, {"local-1/", "demo/"}), 15, "the CPU weights to follow the switchover")

    # the old primary now replicates from the new one, and refuses writes
    old = aurora.json("endpoints", "demo")
    sql(gw, "INSERT INTO t VALUES (4)")
    poll(lambda: 4 in ids(old["reader"]["uri"]), 20, "the old primary to follow the new one")
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        sql(old["writer"]["uri"], "INSERT INTO t VALUES (98)")

    # remove-region: the old primary leaves as a standalone read/write cluster
    desc = aurora.json("global", "remove-region", "world", "--region", "local-1")
    assert [m["cluster"] for m in desc["members"]] == ["world-eu-west-1"]
    poll(lambda: sql(old["writer"]["uri"], "INSERT INTO t VALUES (5) RETURNING id") == [(5,)], 20,
         "a write on the detached cluster")
    assert 5 not in ids(gw)
    poll(lambda: weighed(aurora, set()), 15, "the detached cluster's normal CPU weight")
    r = aurora.run("global", "delete", "world", "--yes")
    assert r.returncode == 0, r.stderr
    assert aurora.json("global", "list") == []


def test_failover_after_the_primary_region_fails_reports_the_rpo_and_the_old_primary_rejoins(aurora):
    primary = aurora.json("create", "demo", "--replicas", "1")
    sql(primary["writer"]["uri"], "CREATE TABLE t (id int PRIMARY KEY)")
    gw = aurora.json("global", "create", "world", "--source-cluster", "demo")["writer"]["uri"]
    aurora.json("global", "add-region", "world", "--region", "us-west-2", "--replicas", "1", "--rtt-ms", "70")
    # by default the secondary's processes have the autogroup nice value 2
    poll(lambda: weighed(aurora, {"us-west-2/", "world-us-west-2/"}, nice_low=2), 15, "the default CPU weight")

    r = aurora.run("promote-region", "world", "--region", "local-1")
    assert r.returncode != 0 and "primary" in r.stderr

    writer = Writer(gw)
    writer.start()
    try:
        poll(lambda: len(writer.acked) > 200, 30, "commits before the region fails")
        fault = aurora.json("chaos", "fail-region", "local-1", "--mode", "freeze")
        assert len(fault["nodes"]) == 6 and len(fault["instances"]) == 2
        r = aurora.run("promote-region", "world", "--region", "us-west-2")
        assert r.returncode != 0 and "--allow-data-loss" in r.stderr
        started = time.monotonic()
        promoted = aurora.json("promote-region", "world", "--region", "us-west-2", "--allow-data-loss")
        took = time.monotonic() - started
    finally:
        writer.stop.set()  # its connection is to the frozen writer: it ends when that dies
    assert promoted["mode"] == "failover" and promoted["new_primary"] == "world-us-west-2"
    assert took < 10
    sql(gw, "INSERT INTO t VALUES (-1)")  # the global writer endpoint reaches the new primary
    acked = list(writer.acked)
    have = set(ids(gw))
    missing = [a for a in acked if a not in have]
    rpo = promoted["rpo"]
    # every acknowledged commit that is missing is counted; the one commit in flight when
    # the region froze (durable and announced, its acknowledgement never sent) may be too
    assert len(missing) <= rpo["transactions"] <= len(missing) + 1, (rpo, missing)
    assert rpo["confirmed"] is False
    if missing:
        assert rpo["lsn_to"] >= rpo["lsn_from"]

    # the old region comes back: its unreplicated tail is cut and it follows the new primary
    aurora.json("chaos", "restore-region", "local-1")
    writer.join(15)
    desc = aurora.json("global", "describe", "world")
    old = member(desc, "demo")
    assert old["role"] == "secondary"
    confirmed = desc["last_promotion"]["rpo"]
    assert confirmed["confirmed"] is True and confirmed["transactions"] == rpo["transactions"]
    # what was cut: those, and at most one commit durable but not yet announced when it froze
    assert rpo["transactions"] <= confirmed["cut_transactions"] <= rpo["transactions"] + 1
    assert rpo["cut_transactions"] is None
    old_uri = aurora.json("endpoints", "demo")["reader"]["uri"]
    sql(gw, "INSERT INTO t VALUES (-2)")
    poll(lambda: ids(old_uri) == sorted(have | {-2}), 30, "the old primary to hold exactly the new primary's rows")
    messages = [e["message"] for e in aurora.json("events", "demo")]
    assert "Global failover to DB cluster world-us-west-2 in Region us-west-2 finished." in messages
    assert any(m.startswith("RPO confirmed on demo") for m in messages)
