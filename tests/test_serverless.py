"""Serverless v2: what an ACU buys (the instance's gate and buffer pool), the scaler's policy,
and, through the `aurora` command with real clients, capacity that rises under pgbench and falls
when it stops, readers in tier 0/1 that follow the writer, `modify` under load, auto-pause and
the resume of a paused cluster by its first connection."""

from __future__ import annotations

import subprocess
import threading
import time

import psutil
import psycopg
import pytest
from instance_support import pg_tool
from test_cluster_cli import poll, sql
from test_vfs_bufferpool import PAGE, image
from test_vfs_support import RecordingStore

from aurora.engine.control.clusters import ServerlessSpec
from aurora.engine.control.serverless import check_serverless, decide
from aurora.engine.errors import UsageError
from aurora.engine.instance.bufferpool import BufferPool
from aurora.engine.instance.capacity import CPU_PER_ACU, Capacity, max_connections
from aurora.engine.storage.pagestore import MemoryPageStore

# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    ((0.3, 4, None), "--min-acu must be 0, or 0.5"),
    ((0.5, 0.5, None), "--max-acu must be 1"),
    ((0.5, 300, None), "--max-acu must be 1"),
    ((8, 4, None), "is above --max-acu"),
    ((0.5, 4, 60), "--auto-pause-after applies only with --min-acu 0"),
    ((0, 4, 0), "--auto-pause-after must be 1 to 86400"),
])
def test_capacity_settings_are_checked_as_aws_checks_them(args, message) -> None:
    with pytest.raises(UsageError, match=message):
        check_serverless(*args)


def test_settings_default_and_keep_what_a_modify_does_not_name() -> None:
    assert check_serverless(None, None, None) == ServerlessSpec(0.5, 16.0, 300)
    current = ServerlessSpec(0, 8, 60)
    assert check_serverless(None, 4, None, current) == ServerlessSpec(0, 4, 60)


def test_max_connections_follows_the_maximum_capacity_as_in_aws() -> None:
    assert max_connections(1) == 225
    assert max_connections(0.5) == 225  # the formula's memory is that of at least 1 ACU
    assert max_connections(4) == 901
    assert max_connections(256) == 5000


# --- the scaler's policy --------------------------------------------------------------------


def sample(cpu: float = 0.0, waited: float = 0.0, **pool: int) -> dict:
    return {"cpu_seconds": cpu, "throttled_seconds": waited, "queued_seconds": 0.0, **pool}


def test_a_saturated_instance_doubles_and_a_busy_one_grows_by_half() -> None:
    share = 2 * CPU_PER_ACU  # of 2 ACUs, for one second
    assert decide(2, sample(), sample(cpu=share), 1.0, 0, floor=0.5, ceiling=16)[0] == 4
    assert decide(2, sample(), sample(cpu=0.8 * share), 1.0, 0, floor=0.5, ceiling=16)[0] == 3
    assert decide(2, sample(), sample(waited=1.0), 1.0, 0, floor=0.5, ceiling=16)[0] == 4
    assert decide(8, sample(), sample(cpu=8 * CPU_PER_ACU), 1.0, 0, floor=0.5, ceiling=12)[0] == 12  # the max


def test_an_idle_instance_comes_down_gradually_after_calm_seconds() -> None:
    acu, calm = 8.0, 0.0
    acu, calm, why = decide(acu, sample(), sample(), 1.0, calm, floor=0.5, ceiling=16)
    assert (acu, why) == (8.0, "")  # one calm second is not enough
    acu, calm, why = decide(acu, sample(), sample(), 1.0, calm, floor=0.5, ceiling=16)
    assert acu == 7.0 and "CPU 0%" in why  # a tenth of 8, rounded up to a step of 0.5
    steps = 0
    while acu > 1:
        acu, calm, _ = decide(acu, sample(), sample(), 1.0, calm, floor=1, ceiling=16)
        steps += 1
    assert acu == 1 and steps >= 6  # at most a tenth (or 0.5 ACU) a second, never below the floor


def test_a_floor_raises_an_idle_reader_to_the_writers_capacity() -> None:
    assert decide(0.5, sample(), sample(), 1.0, 0, floor=4, ceiling=16)[:3:2] == (4, "below its floor")


def test_buffer_pool_misses_while_evicting_ask_for_memory() -> None:
    before = sample(pool_hits=100, pool_misses=0, pool_evictions=0)
    after = sample(cpu=0.1 * CPU_PER_ACU, pool_hits=150, pool_misses=50, pool_evictions=40)
    acu, _, why = decide(1, before, after, 1.0, 0, floor=0.5, ceiling=16)
    assert acu == 1.5 and "buffer pool misses" in why


# --- the gate -------------------------------------------------------------------------------


def burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def cpu_used_in(capacity: Capacity, wall: float, threads: int = 4) -> float:
    """CPU time the gate let ``threads`` busy statements of 5 ms use in ``wall`` seconds."""
    stop = time.monotonic() + wall
    before = capacity.sample()["cpu_seconds"]

    def work() -> None:
        while time.monotonic() < stop:
            with capacity.admit(False):
                burn(0.005)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return capacity.sample()["cpu_seconds"] - before


def test_the_gate_holds_an_instance_to_its_cpu_share() -> None:
    held = Capacity(0.5, 16)
    small = cpu_used_in(held, 1.0)
    share = 0.5 * CPU_PER_ACU
    assert small <= share * 1.0 + 0.05  # its share, a little credit and the last statements
    assert held.sample()["throttled_seconds"] > 0.5  # its statements waited for their turn
    # 8 ACUs are a whole CPU: four threads of one process (one GIL) never wait. How much CPU
    # they get in that second is the machine's to say (the test is not a benchmark)
    free = Capacity(8, 16)
    large = cpu_used_in(free, 1.0)
    assert free.sample()["throttled_seconds"] < 0.05
    assert large > small


def test_statements_inside_a_transaction_are_never_held_at_the_gate() -> None:
    capacity = Capacity(0.5, 16)  # one statement at a time
    inside = threading.Event()
    release = threading.Event()

    def hold_the_slot() -> None:
        with capacity.admit(False):
            inside.set()
            release.wait(5)

    holder = threading.Thread(target=hold_the_slot)
    holder.start()
    assert inside.wait(5)
    started = time.monotonic()
    with capacity.admit(True):  # a transaction's next statement: it may hold a lock the slot holder needs
        pass
    assert time.monotonic() - started < 0.5
    assert capacity.sample()["waiting"] == 0
    release.set()
    holder.join()


def test_a_capacity_change_reaches_a_statement_waiting_at_the_gate() -> None:
    capacity = Capacity(0.5, 16)
    with capacity.admit(False):
        burn(0.2)  # deep in debt at 0.0625 CPU-s/s: the next statement would wait about a second
    done = threading.Event()

    def next_statement() -> None:
        with capacity.admit(False):
            done.set()

    waiter = threading.Thread(target=next_statement)
    waiter.start()
    time.sleep(0.05)
    capacity.set(256, 256)  # the debt is the same CPU, paid at 32 cores' rate
    assert done.wait(0.5)
    waiter.join()


def test_the_buffer_pool_shrinks_at_once_when_capacity_falls() -> None:
    store = RecordingStore(MemoryPageStore(PAGE))
    lsn = store.commit({(1, n): image(n) for n in range(32)})
    pool = BufferPool(store, 64 * PAGE)
    for n in range(32):
        pool.read(1, n, lsn)
    assert pool.stats().bytes == 32 * PAGE
    pool.resize(8 * PAGE)
    stats = pool.stats()
    assert stats.bytes <= 8 * PAGE and stats.capacity_bytes == 8 * PAGE and stats.evictions >= 24
    assert pool.read(1, 31, lsn) == image(31)  # the most recently used pages stayed
    pool.resize(64 * PAGE)
    for n in range(32):
        pool.read(1, n, lsn)
    assert pool.stats().bytes == 32 * PAGE


# --- through the aurora command -------------------------------------------------------------


def instances(aurora, name: str) -> dict[str, dict]:
    return {i["id"]: i for i in aurora.json("describe", name)["instances"]}


def instance_processes(cluster: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if "aurora.engine.instance.server" in cmd and cluster in cmd:
            found.append(proc)
    return found


@pytest.mark.integration
def test_capacity_follows_pgbench_readers_follow_the_writer_and_modify_works_under_load(aurora):
    pgbench = pg_tool("pgbench")
    created = aurora.json("create", "lab", "--serverless", "--min-acu", "0.5", "--max-acu", "8", "--replicas", "1")
    uri = created["writer"]["uri"]
    desc = aurora.json("describe", "lab")
    assert desc["serverless"] == {"min_acu": 0.5, "max_acu": 8.0, "seconds_until_auto_pause": None}
    writer, reader = "lab-instance-1", "lab-instance-2"
    assert {i: v["acu"] for i, v in instances(aurora, "lab").items()} == {writer: 0.5, reader: 0.5}
    assert sql(uri, "SHOW max_connections") == [("1802",)]  # follows the max ACU (8)
    subprocess.run([pgbench, "-i", "-s", "1", "-q", uri], check=True, capture_output=True, timeout=120)
    poll(lambda: instances(aurora, "lab")[writer]["acu"] == 0.5, 30, "the writer back at 0.5 ACU after the load")

    load = subprocess.Popen([pgbench, "-c", "8", "-j", "2", "-T", "12", uri],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        started = time.monotonic()
        poll(lambda: instances(aurora, "lab")[writer]["acu"] >= 2, 10, "the writer to scale up under pgbench")
        rise_s = time.monotonic() - started
        # the reader has no load of its own: it rises only because tier 1 follows the writer
        poll(lambda: instances(aurora, "lab")[reader]["acu"] >= 2, 5, "the tier-1 reader to follow the writer")
        modified = aurora.json("modify", "lab", "--max-acu", "1.5")
        assert modified["serverless"]["max_acu"] == 1.5
        assert all(i["acu"] <= 1.5 for i in modified["instances"])
        # (describe reads the instances' status files, which lag by up to half a second)
        poll(lambda: all(i["acu"] <= 1.5 for i in instances(aurora, "lab").values()), 5, "the new maximum")
        assert sql(uri, "SHOW max_connections") == [("337",)]
        out, _ = load.communicate(timeout=60)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
    assert load.returncode == 0, out
    assert "number of failed transactions: 0 " in out, out
    assert rise_s < 10
    poll(lambda: all(i["acu"] == 0.5 for i in instances(aurora, "lab").values()), 30,
         "capacity to come back down to the minimum")
    events = aurora.json("events", "lab")
    assert any("scaled from 0.5 to" in e["message"] for e in events)
    steps = [e["message"].split(" scaled from ")[1].split(" ACUs")[0].split(" to ") for e in events
             if " scaled from " in e["message"]]
    assert all(0.5 <= float(a) <= 8 and 0.5 <= float(b) <= 8 for a, b in steps)  # never out of range
    assert any(e["message"].startswith("DB cluster modified: capacity 0.5 to 1.5 ACUs") for e in events)

    # a transaction that holds the write lock across a capacity change is not paused by it
    with psycopg.connect(uri) as conn:
        conn.execute("UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 1")
        raised = aurora.json("modify", "lab", "--min-acu", "1", "--max-acu", "4")
        conn.execute("UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 1")
        conn.commit()
    assert all(i["acu"] == 1 for i in raised["instances"])
    # (describe reads the instances' status files, which lag by up to half a second)
    poll(lambda: all(1 <= i["acu"] <= 4 for i in instances(aurora, "lab").values()), 5, "the new range in describe")
    # a reader added to a serverless cluster is serverless too, in the cluster's range
    added = aurora.json("scale", "lab", "--replicas", "2")["added"]
    assert 1 <= poll(lambda: instances(aurora, "lab")[added[0]]["acu"], 10, "the new reader's capacity") <= 4


@pytest.mark.integration
def test_an_idle_cluster_pauses_and_its_first_connection_resumes_it(aurora):
    psql = pg_tool("psql")
    created = aurora.json("create", "nap", "--serverless", "--min-acu", "0", "--max-acu", "2",
                          "--auto-pause-after", "30", "--replicas", "2")
    uri = created["writer"]["uri"]
    sql(uri, "CREATE TABLE t (id int PRIMARY KEY, note text)")
    sql(uri, "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 500) g")
    # readers in tiers 0 and 1 pause and resume with the writer; one in tier 2 on its own
    writer, follower, loner = "nap-instance-1", "nap-instance-2", "nap-instance-3"
    modified = aurora.json("modify", "nap", "--instance", loner, "--promotion-tier", "2")
    assert {i["id"]: i["promotion_tier"] for i in modified["instances"]} == {writer: 1, follower: 1, loner: 2}
    aurora.ok("modify", "nap", "--auto-pause-after", "2")
    # short connections, each gone before the scaler's next look, keep it awake all the same
    until = time.monotonic() + 5
    while time.monotonic() < until:
        assert sql(uri, "SELECT count(*) FROM t") == [(500,)]
        time.sleep(0.5)
    assert not any(e["message"].startswith(f"DB instance paused: {writer}") for e in aurora.json("events", "nap"))
    loner_uri = next(i["uri"] for i in created["instances"] if i["id"] == loner)
    if instances(aurora, "nap")[loner]["status"] != "available":  # it was idle meanwhile: paused alone
        assert sql(created["reader"]["uri"], "SELECT 1") == [(1,)]  # (the reader endpoint has the follower)
        aurora.ok("start", "nap")
    with psycopg.connect(loner_uri, autocommit=True) as held:
        poll(lambda: aurora.json("describe", "nap")["status"] == "paused", 20, "the writer's group to pause")
        # the group's processes stop one after the other: wait for the last
        poll(lambda: instances(aurora, "nap")[follower]["status"] == "paused", 10, "the tier-1 reader to pause")
        desc = instances(aurora, "nap")
        assert desc[writer]["status"] == desc[follower]["status"] == "paused"
        assert desc[writer]["acu"] == 0 and desc[writer]["pid"] is None
        assert desc[loner]["status"] == "available"  # it has a session: it stays
        assert held.execute("SELECT count(*) FROM t").fetchone() == (500,)
    poll(lambda: instances(aurora, "nap")[loner]["status"] == "paused", 20, "the tier-2 reader to pause alone")
    assert all(i["pid"] is None for i in instances(aurora, "nap").values())
    assert instance_processes("nap") == []  # no CPU, no memory: no process at all

    started = time.monotonic()
    first = subprocess.run([psql, uri, "-Atc", "SELECT count(*), sum(id) FROM t"], capture_output=True,
                           text=True, timeout=30)
    took = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "500|125250"  # the data is intact after the pause
    assert took < 10  # the goal is under a second: bench/serverless_bench.py measures it
    poll(lambda: instances(aurora, "nap")[follower]["status"] == "available", 20,
         "the tier-1 reader to resume with the writer")
    assert instances(aurora, "nap")[loner]["status"] == "paused"  # not needed by the writer endpoint
    events = [e["message"] for e in aurora.json("events", "nap")]
    assert any(m.startswith(f"DB instance paused: {writer}") for m in events)
    assert any(m.startswith(f"DB instance resumed: {writer} (a connection arrived)") for m in events)
    # the reader endpoint goes to the resumed tier-1 reader; the loner's own port is closed while paused
    reader_uri = created["reader"]["uri"]
    # (the endpoint learns of the resumed reader at aurorad's next look: until then the writer
    # answers for it, as Aurora's reader endpoint does without a reader)
    poll(lambda: sql(reader_uri, "SELECT aurora_db_instance_identifier()") == [(follower,)], 20,
         "the reader endpoint to send connections to the resumed reader")

    # a write after the resume, then idle again: it pauses again, and the write is there after
    sql(uri, "INSERT INTO t VALUES (501, 'after')")
    poll(lambda: aurora.json("describe", "nap")["status"] == "paused", 20, "the cluster to pause again")
    assert sql(uri, "SELECT note FROM t WHERE id = 501") == [("after",)]
    # a minimum above 0 brings everything back for good
    aurora.ok("modify", "nap", "--min-acu", "0.5")
    assert all(i["status"] in ("available", "starting") for i in instances(aurora, "nap").values())
    assert all(i["acu"] == 0.5 for i in aurora.json("modify", "nap", "--max-acu", "2")["instances"])
