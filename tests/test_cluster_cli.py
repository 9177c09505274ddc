"""End to end through the `aurora` command: clusters, endpoints, failover, clones, aurorad restarts."""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import time

import psutil
import psycopg
import pytest

from aurora.engine.errors import ExitCode

pytestmark = pytest.mark.integration


def sql(uri: str, query: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(uri, autocommit=True, connect_timeout=10) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def poll(check, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (psycopg.OperationalError, AssertionError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_create_write_through_writer_read_through_reader(aurora):
    out = aurora.ok("create", "demo", "--replicas", "2")
    assert "writer" in out and "psql" in out
    ep = aurora.json("endpoints", "demo")
    assert {i["role"] for i in ep["instances"]} == {"writer", "reader"}
    assert len({i["az"] for i in ep["instances"]}) == 3  # writer and readers spread over AZs
    writer_uri, reader_uri = ep["writer"]["uri"], ep["reader"]["uri"]
    assert aurora.ok("url", "demo").strip() == writer_uri
    sql(writer_uri, "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL)")
    sql(writer_uri, "INSERT INTO items (name) VALUES ('first'), ('second')")
    assert sql(writer_uri, "SELECT aurora_db_instance_identifier()")[0][0] == "demo-instance-1"
    rows = poll(lambda: sql(reader_uri, "SELECT name FROM items ORDER BY id"), what="the reader to see the rows")
    assert rows == [("first",), ("second",)]
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        sql(reader_uri, "INSERT INTO items (name) VALUES ('nope')")
    def replica_status() -> list[tuple] | None:
        rows = sql(writer_uri, "SELECT server_id, session_id, replica_lag_in_msec FROM aurora_replica_status() "
                               "ORDER BY server_id")
        return rows if all(r[1] == "MASTER_SESSION_ID" or r[2] is not None for r in rows) else None

    status = poll(replica_status, what="replica lag in SQL")
    assert [r[0] for r in status] == ["demo-instance-1", "demo-instance-2", "demo-instance-3"]
    assert status[0][1] == "MASTER_SESSION_ID" and all(r[2] >= 0 for r in status[1:])
    d = aurora.json("describe", "demo")
    assert d["status"] == "available" and d["volume"]["protection_groups"] >= 1
    assert d["volume"]["size_bytes"] > 0
    for inst in d["instances"]:
        assert {"id", "role", "status", "az", "promotion_tier", "lag_ms", "pid"} <= set(inst)
        assert psutil.pid_exists(inst["pid"])
    assert any(e["message"] == "DB cluster created" for e in aurora.json("events", "demo"))


def test_reader_endpoint_spreads_connections(aurora):
    aurora.ok("create", "spread", "--replicas", "2")
    reader_uri = aurora.json("endpoints", "spread")["reader"]["uri"]
    seen = collections.Counter(sql(reader_uri, "SELECT aurora_db_instance_identifier()")[0][0] for _ in range(100))
    assert set(seen) == {"spread-instance-2", "spread-instance-3"}
    assert min(seen.values()) >= 30, seen


def test_failover_keeps_acknowledged_rows_and_the_old_writer_rejoins(aurora):
    aurora.ok("create", "ha", "--replicas", "2")
    writer_uri = aurora.json("endpoints", "ha")["writer"]["uri"]
    sql(writer_uri, "CREATE TABLE acked (n int PRIMARY KEY)")
    for n in range(200):
        sql(writer_uri, "INSERT INTO acked VALUES (%s)", (n,))
    result = aurora.json("failover", "ha")
    assert result["old_writer"] == "ha-instance-1"
    assert result["new_writer"] in ("ha-instance-2", "ha-instance-3")
    assert result["seconds"] < 5
    assert sql(writer_uri, "SELECT aurora_db_instance_identifier()")[0][0] == result["new_writer"]
    assert sql(writer_uri, "SELECT count(*), min(n), max(n) FROM acked")[0] == (200, 0, 199)
    sql(writer_uri, "INSERT INTO acked VALUES (200)")
    roles = {i["id"]: i["role"] for i in aurora.json("describe", "ha")["instances"]}
    assert roles["ha-instance-1"] == "reader" and roles[result["new_writer"]] == "writer"
    old_uri = next(i["uri"] for i in aurora.json("endpoints", "ha")["instances"] if i["id"] == "ha-instance-1")
    poll(lambda: sql(old_uri, "SELECT count(*) FROM acked")[0][0] == 201, 20, "the old writer to rejoin as a reader")
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        sql(old_uri, "INSERT INTO acked VALUES (999)")
    messages = [e["message"] for e in aurora.json("events", "ha")]
    assert f"Started cross AZ failover to DB instance: {result['new_writer']}" in messages
    assert f"Completed failover to DB instance: {result['new_writer']}" in messages


def test_clone_time_does_not_grow_with_the_data(aurora):
    aurora.ok("create", "small")
    aurora.ok("create", "big")
    small_uri = aurora.json("endpoints", "small")["writer"]["uri"]
    big_uri = aurora.json("endpoints", "big")["writer"]["uri"]
    sql(small_uri, "CREATE TABLE blobs (id int, b bytea)")
    sql(small_uri, "INSERT INTO blobs SELECT i, randomblob(1000) FROM generate_series(1, 1000) AS s(i)")  # ~1 MB
    sql(big_uri, "CREATE TABLE blobs (id int, b bytea)")
    for start in range(0, 20_000, 10_000):  # ~20 MB, 20 times the small one, in two transactions
        sql(big_uri, f"INSERT INTO blobs SELECT i, randomblob(1000) FROM generate_series({start + 1}, {start + 10_000}) AS s(i)")
    assert aurora.json("describe", "big")["volume"]["size_bytes"] > 18_000_000
    small_s = aurora.json("clone", "small", "small-clone")["clone_seconds"]
    big_s = aurora.json("clone", "big", "big-clone")["clone_seconds"]
    assert big_s < max(1.0, 3 * small_s), (small_s, big_s)
    clone_uri = aurora.json("endpoints", "big-clone")["writer"]["uri"]
    assert sql(clone_uri, "SELECT count(*) FROM blobs")[0][0] == 20_000
    sql(clone_uri, "DELETE FROM blobs WHERE id <= 100")
    assert sql(big_uri, "SELECT count(*) FROM blobs")[0][0] == 20_000  # the source is untouched


def test_aurorad_killed_and_restarted_readopts_everything(aurora):
    aurora.ok("create", "adopt", "--replicas", "1")
    writer_uri = aurora.json("endpoints", "adopt")["writer"]["uri"]
    sql(writer_uri, "CREATE TABLE t (x int)")
    before = {i["id"]: i["pid"] for i in aurora.json("describe", "adopt")["instances"]}
    daemon_pid = aurora.json("daemon", "status")["pid"]
    os.kill(daemon_pid, signal.SIGKILL)
    poll(lambda: not psutil.pid_exists(daemon_pid) or psutil.Process(daemon_pid).status() == psutil.STATUS_ZOMBIE)
    # instances keep serving on their own ports while aurorad is gone
    inst_uri = aurora.json("endpoints", "adopt")["instances"][0]["uri"]  # this call restarts aurorad
    sql(inst_uri, "INSERT INTO t VALUES (1)")
    after = {i["id"]: i["pid"] for i in aurora.json("describe", "adopt")["instances"]}
    assert after == before  # nothing that was healthy restarted
    assert aurora.json("daemon", "status")["pid"] != daemon_pid
    sql(writer_uri, "INSERT INTO t VALUES (2)")  # the writer endpoint is back
    assert sql(writer_uri, "SELECT count(*) FROM t")[0][0] == 2


def test_delete_leaves_no_process_and_no_file(aurora):
    aurora.ok("create", "gone", "--replicas", "1")
    pids = [i["pid"] for i in aurora.json("describe", "gone")["instances"]]
    volume = aurora.json("describe", "gone")["volume"]["id"]
    r = aurora.run("delete", "gone", input="")
    assert r.returncode == ExitCode.USAGE and "--yes" in r.stderr  # not interactive: refuses
    aurora.ok("delete", "gone", "--yes")
    for pid in pids:
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not (aurora.home / "clusters" / "gone").exists()
    assert not list(aurora.home.glob(f"regions/*/volumes/{volume}.toml"))
    leftovers = [p for p in psutil.process_iter(["cmdline"])
                 if any(str(aurora.home) in c for c in (p.info["cmdline"] or []))
                 and "aurora.engine.control.daemon" not in " ".join(p.info["cmdline"] or [])]
    assert leftovers == []  # the storage fleet of a region with no cluster left is stopped too
    assert aurora.json("list") == []


@pytest.mark.parametrize(("args", "code"), [
    (["create"], ExitCode.USAGE),
    (["create", "Bad_Name"], ExitCode.USAGE),
    (["create", "x", "--replicas", "16"], ExitCode.USAGE),
    (["list", "--bogus"], ExitCode.USAGE),
    (["nosuchcommand"], ExitCode.USAGE),
    (["describe", "nope"], ExitCode.NOT_FOUND),
    (["failover", "nope"], ExitCode.NOT_FOUND),
    (["url", "nope"], ExitCode.NOT_FOUND),
])
def test_bad_arguments_give_the_documented_exit_codes(aurora, args, code):
    r = aurora.run(*args)
    assert r.returncode == code, r.stderr
    assert r.stderr.startswith("Error: ")
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def test_conflicts(aurora):
    aurora.ok("create", "twice")
    r = aurora.run("create", "twice")
    assert r.returncode == ExitCode.CONFLICT and "already exists" in r.stderr
    port = aurora.json("endpoints", "twice")["writer"]["port"]
    r = aurora.run("create", "other", "--port", str(port))
    assert r.returncode == ExitCode.CONFLICT and f"port {port}" in r.stderr
    r = aurora.run("failover", "twice")  # no reader to promote
    assert r.returncode == ExitCode.CONFLICT and r.stderr.startswith("Error: ")
    assert json.loads(aurora.ok("list", "--json"))[0]["name"] == "twice"


def test_aurorad_cleans_up_after_a_crash(aurora):
    """A create that aurorad never finished leaves a claimed folder; a cluster folder removed
    by hand leaves a running instance. A restarted aurorad cleans up both."""
    aurora.ok("create", "keep")
    aurora.ok("create", "lost")
    lost_pid = aurora.json("describe", "lost")["instances"][0]["pid"]
    aurora.ok("daemon", "stop")
    (aurora.home / "clusters" / "half").mkdir()  # claimed, never saved
    shutil.rmtree(aurora.home / "clusters" / "lost")  # removed by hand, its instance still runs
    assert [c["name"] for c in aurora.json("list")] == ["keep"]  # starts aurorad again
    poll(lambda: not psutil.pid_exists(lost_pid) or psutil.Process(lost_pid).status() == psutil.STATUS_ZOMBIE,
         15, "the orphan instance to stop")
    assert not (aurora.home / "clusters" / "half").exists()
    aurora.ok("create", "half")  # the name is free again
