"""A global database under load: replication lag, the cost of a secondary to the primary,
switchover and failover times, and the RPO of a failover.

One primary cluster (one reader) in local-1 and one secondary (one reader) in eu-west-1 with a
simulated round trip of ``--rtt-ms`` (default 70). In one run:
(a) pgbench TPC-B (``-c 4 -j 2 -T --seconds``, scale 2) on the primary with the secondary
    replicating, and with the secondary's region frozen (``aurora chaos fail-region
    --mode freeze``: its processes stopped, the primary alone again), alternating for
    ``--rounds`` rounds (default 4), the order turned every round (replicating then frozen,
    frozen then replicating), because this machine's TPS drifts between runs and falls
    within a run: the ratio of the medians (goal: at least 0.9). Each replicating run
    starts once the secondary has caught up (with a frozen run before it) and its
    processes are quiet again (the nodes go on indexing and syncing a catch-up for about
    a second after the applied LSN is the primary's: the cost of a backlog, not of a
    secondary that keeps up).
    ``tps_alone`` is one run before the secondary existed;
(b) during one more run, replication lag: the replication process's own per-batch figure
    (primary commit to durable on the secondary's quorum) and a probe, a row committed
    through the primary every 20 ms, its lag from the acknowledgement to the first poll of
    the secondary's reader (every 2 ms) that shows it, 300 to 450 samples a run, so that its
    p99 is not just its largest sample (``probe_samples``, ``probe_lag_max_ms``)
    (goal: p99 under 100 ms above the RTT). The probe starts 2 s into the run: the run
    follows the catch-up after the last ``restore-region``, and for about a second after
    a catch-up of 15 s of TPC-B the secondary's nodes are still busy with it (the probe's
    first commit then took 0.3 to 1 s); that transient is not the lag under load. Then
    the same again with pgbench paced (``-R``) at ``--paced`` (default 0.6) of
    ``tps_secondary_frozen``: flat out, the primary's processes keep both cores busy and
    the secondary region's processes, which on AWS have machines of their own, wait for a
    core at every hop (its replication process's event loop wakes 20 to 150 ms late with
    2-3 ms of CPU used meanwhile); paced, the lag is the replication's own;
(c) ``aurora promote-region`` (switchover) with a client writing through the global writer
    endpoint: from the command's start to the first write acknowledged by the new primary
    (goal: under 2 s), and that nothing acknowledged is missing;
(d) ``aurora chaos fail-region`` (freeze) of that primary's region with the client writing,
    then ``promote-region --allow-data-loss``: time to the first write on the new primary
    (goal: under 2 s), the RPO reported against what the client finds missing;
(e) after ``restore-region`` (the old primary rejoins), a failover with the secondary
    caught up and no writes: the RPO must be zero.

    .venv/bin/python bench/global_bench.py [--rtt-ms 70] [--seconds 15] [--rounds 4] [--paced 0.6]

Ends with ``RESULT lag_p99_ms=... probe_lag_p99_ms=... probe_lag_median_ms=... probe_lag_max_ms=...
probe_samples=... rtt_ms=... lag_p99_above_rtt_ms=... paced_tps=... paced_lag_p99_ms=...
paced_probe_lag_p99_ms=... paced_probe_lag_max_ms=... paced_lag_p99_above_rtt_ms=...
tps_alone=... tps_with_secondary=... tps_secondary_frozen=... tps_ratio=...
switchover_first_write_s=... switchover_lost=... failover_first_write_s=...
failover_rpo_transactions=... failover_missing=... failover_rpo_cut_transactions=...
caught_up_rpo_transactions=...`` (the RPO may count the one commit in flight, announced but
never acknowledged, when the region froze; the cut count also any durable but not yet
announced). There is no stock baseline for a global database: the ratio in (a) is against
the same primary without its secondary working, in the same run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import threading
import time

import psycopg
from clusterbench import AuroraHome, cpu_seconds, percentile, poll, result_line, run_main, sql
from replica_lag_bench import pgbench


def tps(output: str) -> float:
    m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", output)
    if m is None:
        raise RuntimeError(f"no tps in pgbench output:\n{output}")
    return float(m.group(1))


class Writer(threading.Thread):
    """Inserts without pause through ``uri``, each row stamped by the instance that committed
    it; ``acks`` holds (monotonic time, instance id, row id) of every acknowledged commit."""

    def __init__(self, uri: str, start_at: int) -> None:
        super().__init__(daemon=True)
        self.uri = uri
        self.n = start_at
        self.acks: list[tuple[float, str, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = psycopg.connect(self.uri, autocommit=True, connect_timeout=3)
                self.n += 1
                who = conn.execute("INSERT INTO w VALUES (%s, aurora_db_instance_identifier()) RETURNING who",
                                   (self.n,)).fetchone()[0]
                self.acks.append((time.monotonic(), who, self.n))
            except psycopg.Error:
                if conn is not None:
                    conn.close()
                    conn = None
                time.sleep(0.005)
        if conn is not None:
            conn.close()

    def first_by(self, cluster: str, since: float) -> float:
        return next(t for t, who, _ in self.acks if t >= since and who.startswith(cluster + "-instance-")) - since


def wait_caught_up(home: AuroraHome) -> None:
    def caught_up() -> bool:
        d = home.json("global", "describe", "gg")
        m = next(x for x in d["members"] if x["role"] == "secondary")
        p = next(x for x in d["members"] if x["role"] == "primary")
        return m["status"] == "replicating" and m["applied_lsn"] == p["applied_lsn"]

    poll(caught_up, 120, "the secondary to catch up", interval=0.2)


def wait_settled(home: AuroraHome, busy: float = 0.1, deadline_s: float = 20.0) -> float:
    """Wait until the secondary's processes use less than ``busy`` of a core over half a
    second: caught up (the secondary's applied LSN is the primary's) is not yet finished, its
    nodes still index and sync what a catch-up of a whole frozen run wrote, for about a
    second, which would be counted against the next run with the secondary replicating.
    Returns the seconds it took."""
    start = time.monotonic()
    secondary = (home.home / "regions" / "eu-west-1", home.home / "clusters" / "gg-eu-west-1")
    before = cpu_seconds(*secondary)
    while time.monotonic() - start < deadline_s:
        time.sleep(0.5)
        now = cpu_seconds(*secondary)
        if now - before < busy * 0.5:
            break
        before = now
    return time.monotonic() - start


class Probe(threading.Thread):
    """Commits a row through the primary every ``every_s`` (20 ms) without waiting for it to
    arrive, and watches the secondary's reader (``SELECT max(id)``, every 2 ms) for the rows
    to become visible: a row's lag is from the moment its INSERT was acknowledged to the first
    poll that sees it (commits become visible in order, so a row is visible once the largest
    visible id reaches it). 25 to 35 samples a second: the p99 of a run is a p99, not its
    largest sample. Its connection to the secondary runs one query first: a session's first
    statement loads the schema (from storage, with a cold cache after a region was
    restored), which is not replication lag."""

    def __init__(self, primary_uri: str, secondary_uri: str, start_at: int, every_s: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.primary_uri = primary_uri
        self.secondary_uri = secondary_uri
        self.start_at = start_at
        self.every_s = every_s
        self.lags_ms: list[float] = []
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self._acked: dict[int, float] = {}  # id -> when its INSERT was acknowledged
        self._seen: dict[int, float] = {}  # id -> when the secondary first showed it
        self._lock = threading.Lock()
        self._committed = start_at  # the newest id acknowledged

    def run(self) -> None:
        watcher = threading.Thread(target=self._watch, daemon=True)
        try:
            with psycopg.connect(self.primary_uri, autocommit=True) as p:
                watcher.start()
                n = self.start_at
                while not self.stop.is_set() and self.error is None:
                    n += 1
                    p.execute("INSERT INTO probe VALUES (%s)", (n,))
                    with self._lock:
                        self._acked[n] = time.monotonic()
                        self._committed = n
                        self._settle(n)
                    time.sleep(self.every_s)
        except BaseException as e:  # re-raised in the main thread
            self.error = e
        self.stop.set()
        if watcher.ident is not None:  # started (not when the connection to the primary failed)
            watcher.join(15)

    def _settle(self, n: int) -> None:
        if n in self._acked and n in self._seen:
            self.lags_ms.append(max(0.0, self._seen.pop(n) - self._acked.pop(n)) * 1000)

    def _watch(self) -> None:
        try:
            with psycopg.connect(self.secondary_uri, autocommit=True) as s:
                s.execute("SELECT 1 FROM probe WHERE id = 0").fetchall()
                visible = self.start_at
                # after the last commit, wait (up to 10 s) until it arrives too
                while not (self.stop.is_set() and visible >= self._committed):
                    (top,) = s.execute("SELECT coalesce(max(id), 0) FROM probe").fetchone()
                    now = time.monotonic()
                    with self._lock:
                        for n in range(visible + 1, top + 1):
                            self._seen[n] = now
                            self._settle(n)
                        visible = max(visible, top)
                        oldest = min(self._acked.values(), default=now)
                    if now - oldest > 10:
                        raise RuntimeError(f"probe row {visible + 1} not visible on the secondary after 10 s")
                    time.sleep(0.002)
        except BaseException as e:
            self.error = e


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rtt-ms", type=float, default=70.0)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--paced", type=float, default=0.6,
                    help="the paced run's rate, as a fraction of tps_secondary_frozen")
    args = ap.parse_args()
    out: dict[str, object] = {}
    with AuroraHome("aurora-global-bench-") as home:
        primary = home.create("gp", 1)
        uri = primary["writer"]["uri"]
        sql(uri, "CREATE TABLE w (id bigint PRIMARY KEY, who text)")
        sql(uri, "CREATE TABLE probe (id int PRIMARY KEY)")
        pgbench(uri, "-i", "-s", "2", "-q")
        bench = ["-c", "4", "-j", "2", "-T", str(args.seconds), "-n"]
        print(f"TPC-B on the primary alone ({args.seconds} s)...", flush=True)
        out["tps_alone"] = tps(pgbench(uri, *bench))

        gw = home.json("global", "create", "gg", "--source-cluster", "gp")["writer"]["uri"]
        home.json("global", "add-region", "gg", "--region", "eu-west-1", "--replicas", "1",
                  "--rtt-ms", f"{args.rtt_ms:g}", timeout=300)
        secondary = home.json("endpoints", "gg-eu-west-1")["reader"]["uri"]
        # This machine's TPS drifts by a third from one run to the next, and within a bench
        # run it falls (tps_alone, the first run, was above the frozen runs' median in all
        # fourteen runs of the bench), so the cost of the secondary is measured in
        # alternating runs, the order turned every round (replicating then frozen, frozen
        # then replicating, ...: with an even number of rounds a steady drift weighs on both
        # alike), medians of each.
        # Frozen: the secondary region's processes stopped, the primary alone again.
        attached, frozen = [], []
        state = "replicating"
        for i in range(args.rounds):
            for arm in (("attached", "frozen") if i % 2 == 0 else ("frozen", "attached")):
                if arm == "attached":
                    if state == "frozen":
                        home.json("chaos", "restore-region", "eu-west-1", timeout=120)
                        state = "replicating"
                    wait_caught_up(home)
                    settled = wait_settled(home)
                    print(f"round {i + 1}/{args.rounds}: TPC-B with the secondary replicating "
                          f"(its processes quiet after {settled:.1f} s)...", flush=True)
                    attached.append(tps(pgbench(uri, *bench)))
                    print(f"  {attached[-1]:.1f} tps", flush=True)
                else:
                    if state == "replicating":
                        home.json("chaos", "fail-region", "eu-west-1", "--mode", "freeze")
                        state = "frozen"
                    print(f"round {i + 1}/{args.rounds}: TPC-B with the secondary region frozen...", flush=True)
                    frozen.append(tps(pgbench(uri, *bench)))
                    print(f"  {frozen[-1]:.1f} tps", flush=True)
        if state == "frozen":
            home.json("chaos", "restore-region", "eu-west-1", timeout=120)
        out["tps_with_secondary"] = round(statistics.median(attached), 1)
        out["tps_secondary_frozen"] = round(statistics.median(frozen), 1)
        out["tps_ratio"] = round(out["tps_with_secondary"] / out["tps_secondary_frozen"], 3)

        probes: list[Probe] = []

        def probed(rate: float | None) -> tuple[float, Probe]:
            """One more TPC-B run (at ``rate`` transactions per second, or flat out) with the
            probe; the replication process's lag p99 over it and the probe."""
            wait_caught_up(home)
            probe = Probe(uri, secondary, 1_000_000 * (len(probes) + 1))
            probes.append(probe)
            failed: list[BaseException] = []

            def run_load() -> None:
                try:
                    pgbench(uri, *bench, *(["-R", f"{rate:g}"] if rate else []))
                except BaseException as e:  # re-raised below, in the main thread
                    failed.append(e)

            load = threading.Thread(target=run_load, daemon=True)
            load.start()
            time.sleep(2)
            probe.start()
            try:
                load.join(args.seconds + 60)
            finally:
                probe.stop.set()
                probe.join(15)
            if failed:
                raise failed[0]
            if probe.error is not None:
                raise probe.error
            if not probe.lags_ms:
                raise RuntimeError("the probe took no sample")
            desc = home.json("global", "describe", "gg")
            return next(m for m in desc["members"] if m["role"] == "secondary")["replication_lag_p99_ms"], probe

        print("TPC-B again, flat out, probing the lag (the probe's queries cost CPU: not counted in the ratio)...",
              flush=True)
        out["lag_p99_ms"], probe = probed(None)
        out["probe_lag_p99_ms"] = round(percentile(probe.lags_ms, 99), 1)
        out["probe_lag_median_ms"] = round(statistics.median(probe.lags_ms), 1)
        out["probe_lag_max_ms"] = round(max(probe.lags_ms), 1)
        out["probe_samples"] = len(probe.lags_ms)
        out["rtt_ms"] = args.rtt_ms
        out["lag_p99_above_rtt_ms"] = round(max(out["lag_p99_ms"], out["probe_lag_p99_ms"]) - args.rtt_ms, 1)
        # Flat out, the primary's processes take both cores and the secondary region's wait
        # for them; paced below what the primary can do, the lag is the replication's own.
        out["paced_tps"] = round(args.paced * out["tps_secondary_frozen"])
        print(f"TPC-B paced at {out['paced_tps']} tps, probing the lag...", flush=True)
        out["paced_lag_p99_ms"], probe = probed(out["paced_tps"])
        out["paced_probe_lag_p99_ms"] = round(percentile(probe.lags_ms, 99), 1)
        out["paced_probe_lag_max_ms"] = round(max(probe.lags_ms), 1)
        out["paced_lag_p99_above_rtt_ms"] = round(
            max(out["paced_lag_p99_ms"], out["paced_probe_lag_p99_ms"]) - args.rtt_ms, 1)

        print("switchover with a client writing through the global writer endpoint...", flush=True)
        writer = Writer(gw, 0)
        writer.start()
        poll(lambda: len(writer.acks) > 50, 30, "writes before the switchover")
        started = time.monotonic()
        promoted = home.json("promote-region", "gg", "--region", "eu-west-1", timeout=120)
        poll(lambda: any(who.startswith("gg-eu-west-1-") for t, who, _ in writer.acks if t >= started), 30,
             "a write on the new primary")
        out["switchover_first_write_s"] = round(writer.first_by("gg-eu-west-1", started), 3)
        out["switchover_command_s"] = promoted["seconds"]
        acked = [n for _, _, n in writer.acks]  # before the query: the writer goes on
        have = {r[0] for r in sql(gw, "SELECT id FROM w")}
        out["switchover_lost"] = sum(1 for n in acked if n not in have)

        print("fail-region eu-west-1, then promote-region local-1 --allow-data-loss...", flush=True)
        poll(lambda: len(writer.acks) > len(have) + 100, 30, "writes on the new primary")
        home.json("chaos", "fail-region", "eu-west-1", "--mode", "freeze")
        started = time.monotonic()
        writer.stop.set()  # its connection hangs on the frozen writer
        failover = home.json("promote-region", "gg", "--region", "local-1", "--allow-data-loss", timeout=120)
        second = Writer(gw, 10_000_000)
        second.start()
        poll(lambda: second.acks, 30, "a write on the new primary after the failover")
        out["failover_first_write_s"] = round(second.acks[0][0] - started, 3)
        out["failover_command_s"] = failover["seconds"]
        second.stop.set()
        second.join(10)
        have = {r[0] for r in sql(gw, "SELECT id FROM w")}
        acked = [n for _, _, n in writer.acks]
        out["failover_rpo_transactions"] = failover["rpo"]["transactions"]
        out["failover_missing"] = sum(1 for n in acked if n not in have)

        print("restore-region eu-west-1 (rejoins), then a failover with the secondary caught up...", flush=True)
        home.json("chaos", "restore-region", "eu-west-1", timeout=120)
        writer.join(15)
        confirmed = home.json("global", "describe", "gg")["last_promotion"]["rpo"]
        out["failover_rpo_cut_transactions"] = confirmed["cut_transactions"]

        wait_caught_up(home)
        home.json("chaos", "fail-region", "local-1", "--mode", "freeze")
        clean = home.json("promote-region", "gg", "--region", "eu-west-1", "--allow-data-loss", timeout=120)
        out["caught_up_rpo_transactions"] = clean["rpo"]["transactions"]
        home.json("chaos", "restore-region", "local-1", timeout=120)
    order = ["lag_p99_ms", "probe_lag_p99_ms", "probe_lag_median_ms", "probe_lag_max_ms", "probe_samples", "rtt_ms",
             "lag_p99_above_rtt_ms", "paced_tps", "paced_lag_p99_ms", "paced_probe_lag_p99_ms", "paced_probe_lag_max_ms",
             "paced_lag_p99_above_rtt_ms",
             "tps_alone", "tps_with_secondary", "tps_secondary_frozen", "tps_ratio", "switchover_first_write_s", "switchover_command_s",
             "switchover_lost", "failover_first_write_s", "failover_command_s", "failover_rpo_transactions",
             "failover_missing", "failover_rpo_cut_transactions", "caught_up_rpo_transactions"]
    print(result_line({k: out[k] for k in order}))
    return 0


if __name__ == "__main__":
    run_main(main)
