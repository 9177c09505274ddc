"""Continuous backups, snapshots, restore and backtrack through the `aurora` command, with real
clients: point-in-time restores to random moments of a writer's history hold exactly the rows
committed by then; restores work from the backup store alone (source deleted, the region's
storage wiped); a killed backup process loses nothing; a snapshot taken under pgbench holds a
consistent database; backtrack goes back and forward again."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from datetime import UTC, datetime

import psutil
import psycopg
import pytest
from instance_support import pg_tool
from test_cluster_cli import poll, sql

from aurora.engine import process

pytestmark = pytest.mark.integration


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Writer(threading.Thread):
    """Inserts rows 0, 1, 2, ... one commit each, ``every`` seconds apart; ``acks`` holds
    (row, time the commit was acknowledged)."""

    def __init__(self, uri: str, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.uri, self.every = uri, every
        self.acks: list[tuple[int, float]] = []
        self.stop = threading.Event()
        self.errors: list[str] = []

    def run(self) -> None:
        with psycopg.connect(self.uri, autocommit=True) as conn:
            n = 0
            while not self.stop.is_set():
                try:
                    conn.execute("INSERT INTO t VALUES (%s, now())", (n,))
                except psycopg.Error as e:
                    self.errors.append(str(e))
                    return
                self.acks.append((n, time.time()))
                n += 1
                time.sleep(self.every)

    def finish(self) -> None:
        self.stop.set()
        self.join(15)


def rows(uri: str) -> list[int]:
    return [r[0] for r in sql(uri, "SELECT id FROM t ORDER BY id")]


def restorable(aurora, name: str) -> dict:
    return aurora.json("describe", name)["backups"]


def backed_up(aurora, name: str) -> None:
    """A new cluster's backup process has written its first base image: the earliest restorable point."""
    poll(lambda: restorable(aurora, name)["earliest_restorable_time"], 15, f"the first backup of {name}")


def caught_up(aurora, name: str, after: float) -> bool:
    latest = restorable(aurora, name)["latest_restorable_time"]
    return latest is not None and datetime.fromisoformat(latest.replace("Z", "+00:00")).timestamp() >= after


def test_point_in_time_restores_hold_exactly_what_was_committed_by_then(aurora):
    created = aurora.json("create", "hist", "--backup-retention-days", "7")
    uri = created["writer"]["uri"]
    backed_up(aurora, "hist")
    sql(uri, "CREATE TABLE t (id int PRIMARY KEY, at timestamptz)")
    writer = Writer(uri, every=0.05)
    writer.start()
    time.sleep(10)
    writer.finish()
    assert not writer.errors and len(writer.acks) > 50
    done = time.time()
    poll(lambda: caught_up(aurora, "hist", done), 15, "the latest restorable time to pass the last commit")
    window = restorable(aurora, "hist")
    assert window["backup_retention_days"] == 7 and window["earliest_restorable_time"] is not None

    rng = random.Random(7)
    acks = writer.acks
    for n, i in enumerate(sorted(rng.sample(range(len(acks) - 1), 5))):
        # halfway between two acknowledgements: commit i is durable by then, commit i+1 not yet
        point = (acks[i][1] + acks[i + 1][1]) / 2
        restored = aurora.json("restore", f"at-{n}", "--source", "hist", "--to-time", iso(point))
        assert restored["restored_to"] == iso(point)
        assert rows(restored["writer"]["uri"]) == [row for row, _ in acks[: i + 1]], f"restore to {iso(point)}"
        aurora.ok("delete", f"at-{n}", "--yes")
    latest = aurora.json("restore", "newest", "--source", "hist", "--latest")
    assert rows(latest["writer"]["uri"]) == [row for row, _ in acks]
    events = [e["message"] for e in aurora.json("events", "newest")]
    assert any(m.startswith("Restored DB cluster hist to ") for m in events)


def test_restores_need_only_the_backup_store(aurora, aurora_home):
    created = aurora.json("create", "gone", "--replicas", "1")
    uri = created["writer"]["uri"]
    backed_up(aurora, "gone")
    sql(uri, "CREATE TABLE t (id int PRIMARY KEY, at timestamptz)")
    sql(uri, "INSERT INTO t SELECT g, now() FROM generate_series(1, 2000) g")
    snap = aurora.json("snapshot", "create", "gone", "before-delete")
    assert snap["kind"] == "manual" and snap["status"] == "available" and snap["cluster"] == "gone"
    sql(uri, "DELETE FROM t WHERE id > 1000")
    after_delete = time.time()
    poll(lambda: caught_up(aurora, "gone", after_delete), 15, "the backups to pass the delete")
    aurora.ok("delete", "gone", "--yes")
    # the cluster is gone; its snapshot and continuous backups are not
    listed = aurora.json("snapshot", "list", "--cluster", "gone")
    assert [s["name"] for s in listed if s["kind"] == "manual"] == ["before-delete"]
    restored = aurora.json("restore", "back", "--from-snapshot", "before-delete", "--replicas", "1")
    assert len(rows(restored["writer"]["uri"])) == 2000
    assert len(rows(restored["reader"]["uri"])) == 2000
    pit = aurora.json("restore", "back2", "--source", "gone", "--latest")
    assert len(rows(pit["writer"]["uri"])) == 1000

    # every storage node of the region killed and its folder removed: the backups remain
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if "aurora.engine.storage.node" in cmd and str(aurora_home.home) in " ".join(cmd):
            proc.kill()
    shutil.rmtree(aurora_home.region_dir("local-1") / "nodes")
    wiped = aurora.json("restore", "after-wipe", "--from-snapshot", "before-delete")
    assert len(rows(wiped["writer"]["uri"])) == 2000

    exported = aurora.json("snapshot", "export", "before-delete", "--to", str(aurora_home.home / "out.sqlite"))
    with sqlite3.connect(exported["path"]) as conn:
        assert conn.execute("SELECT count(*), max(id) FROM t").fetchone() == (2000, 2000)
    copy = aurora.json("snapshot", "copy", "before-delete", "kept")
    assert copy["copied_from"] == "before-delete" and copy["lsn"] == snap["lsn"]
    aurora.ok("snapshot", "delete", "before-delete", "--yes")
    assert aurora.json("snapshot", "describe", "kept")["status"] == "available"
    bad = aurora.run("restore", "x", "--from-snapshot", "nope")
    assert bad.returncode == 3 and "snapshot 'nope' not found" in bad.stderr


def test_a_killed_backup_process_loses_nothing_and_a_snapshot_under_pgbench_is_consistent(aurora, aurora_home):
    pgbench = pg_tool("pgbench")
    created = aurora.json("create", "busy")
    uri = created["writer"]["uri"]
    backed_up(aurora, "busy")
    sql(uri, "CREATE TABLE t (id int PRIMARY KEY, at timestamptz)")
    writer = Writer(uri, every=0.02)
    writer.start()
    folder = aurora_home.backup_process_dir("busy")
    killed: set[int] = set()

    def running() -> int | None:
        record = process.read_pid_file(folder)
        return record.pid if record is not None and record.pid not in killed and record.alive() else None

    for _ in range(3):  # killed mid-stream, three times: aurorad starts it again, it resumes at its tip
        pid = poll(running, 20, "a (new) backup process")
        time.sleep(0.7)
        os.kill(pid, signal.SIGKILL)
        killed.add(pid)
    time.sleep(1.0)
    writer.finish()
    assert not writer.errors
    done = time.time()
    poll(lambda: caught_up(aurora, "busy", done), 20, "the restarted backup process to catch up")
    latest = aurora.json("restore", "busy-latest", "--source", "busy", "--latest")
    assert rows(latest["writer"]["uri"]) == [row for row, _ in writer.acks]

    subprocess.run([pgbench, "-i", "-s", "1", "-q", uri], check=True, capture_output=True, timeout=120)
    load = subprocess.Popen([pgbench, "-c", "4", "-j", "2", "-T", "6", uri], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(2)
        started = time.monotonic()
        aurora.ok("snapshot", "create", "busy", "mid-load")
        took = time.monotonic() - started
        out, _ = load.communicate(timeout=60)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
    assert load.returncode == 0 and "number of failed transactions: 0 " in out, out
    assert took < 10
    restored = aurora.json("restore", "mid", "--from-snapshot", "mid-load")
    r = restored["writer"]["uri"]
    history = sql(r, "SELECT count(*), coalesce(sum(delta), 0) FROM pgbench_history")[0]
    assert 0 < history[0] < sql(uri, "SELECT count(*) FROM pgbench_history")[0][0]  # a point in the middle
    # TPC-B's invariant holds at the snapshot's point: every transaction is whole or absent
    assert sql(r, "SELECT sum(abalance) FROM pgbench_accounts")[0][0] == history[1]
    assert sql(r, "SELECT sum(tbalance) FROM pgbench_tellers")[0][0] == history[1]
    events = [e["message"] for e in aurora.json("events", "busy")]
    assert "Creating manual cluster snapshot." in events and "Manual cluster snapshot created." in events


def test_backtrack_rewinds_in_place_and_goes_forward_again(aurora):
    off = aurora.json("create", "plain")
    refused = aurora.run("backtrack", "plain", "--to", iso(time.time() - 1))
    assert refused.returncode == 4 and "backtrack is not enabled" in refused.stderr
    aurora.ok("delete", "plain", "--yes")
    assert off["name"] == "plain"

    created = aurora.json("create", "tt", "--backtrack-window", "3600")
    uri = created["writer"]["uri"]
    backed_up(aurora, "tt")
    sql(uri, "CREATE TABLE t (id int PRIMARY KEY, at timestamptz)")
    marks = []
    for n in range(4):
        sql(uri, "INSERT INTO t VALUES (%s, now())", (n,))
        time.sleep(0.3)
        marks.append(time.time())
        time.sleep(0.3)
    poll(lambda: caught_up(aurora, "tt", marks[-1]), 15, "the backups to pass the last row")
    window = restorable(aurora, "tt")
    assert window["backtrack_window"] == 3600 and window["earliest_backtrack_time"] is not None
    held = psycopg.connect(uri, autocommit=True)
    back = aurora.json("backtrack", "tt", "--to", iso(marks[0]))
    assert back["backtracked_to"] == iso(marks[0])
    assert rows(uri) == [0]  # the same endpoint, the cluster as it was
    with pytest.raises(psycopg.OperationalError):
        held.execute("SELECT 1")  # its connections were closed
    held.close()
    sql(uri, "INSERT INTO t VALUES (100, now())")  # a new history from there
    aurora.ok("backtrack", "tt", "--to", iso(marks[2]))  # forward again, into the first history
    assert rows(uri) == [0, 1, 2]
    now = time.time()
    poll(lambda: caught_up(aurora, "tt", now), 15, "the new volume's backups")
    aurora.ok("backtrack", "tt", "--to", iso(now))  # to a moment of the third history: the same rows
    assert rows(uri) == [0, 1, 2]
    too_old = aurora.run("backtrack", "tt", "--to", iso(time.time() - 7200))
    assert too_old.returncode == 2 and "outside the backtrack window" in too_old.stderr
    events = [e["message"] for e in aurora.json("events", "tt")]
    assert sum(m.startswith("Backtrack completed to ") for m in events) == 3


def test_an_automated_snapshot_is_taken_and_named_as_in_aws(aurora):
    aurora.env["AURORA_BACKUP_UPKEEP_S"] = "1"  # the aurorad it starts looks after backups every second
    aurora.ok("create", "daily")
    backed_up(aurora, "daily")
    autos = poll(lambda: [s for s in aurora.json("snapshot", "list", "--cluster", "daily")
                          if s["kind"] == "automated"], 30, "the automated snapshot")
    assert len(autos) == 1 and autos[0]["name"].startswith("rds:daily-") and autos[0]["status"] == "available"
    time.sleep(2.5)  # more upkeep rounds: one a day, not one a round
    assert len([s for s in aurora.json("snapshot", "list") if s["kind"] == "automated"]) == 1
    events = [e["message"] for e in aurora.json("events", "daily")]
    assert "Creating automated cluster snapshot." in events and "Automated cluster snapshot created." in events
    restored = aurora.json("restore", "from-auto", "--from-snapshot", autos[0]["name"])
    assert restored["name"] == "from-auto"
