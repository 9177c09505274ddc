"""Continuous backups: what they cost a busy writer, how far the latest restorable time lags,
and how long a snapshot, a restore from it and (for comparison) a clone take.

Every running cluster has a backup process (``engine/backup/streamer.py``) that streams its
volume's durable redo into the backup store (``engine/backup/store.py``). In one run:

(a) cost: pgbench TPC-B (``-c 4 -j 2 -T --seconds``, scale 5) on a cluster whose aurorad runs
    its backup process, and on one in a second temporary AURORA_HOME whose aurorad was started
    with ``AURORA_BACKUP=off`` (no backup process; checked with psutil), alternating for
    ``--rounds`` rounds, the order swapped every round, because this shared 2-core machine's
    TPS drifts between runs: ``tps_backup_on`` and ``tps_backup_off`` are the medians,
    ``tps_ratio`` their ratio (goal: at least 0.9). Only one cluster runs at a time: the idle
    one is stopped (``aurora stop``: its instance and, in the backups-on home, its backup
    process, which otherwise keeps polling the volume's durable point and would tax the
    backups-off runs, flattering the ratio). Each run starts the cluster again, waits until
    the backup process (if any) has caught up, and warms the buffer pool with a short
    uncounted pgbench run. ``backup_cpu_share``, measured in (b), is the backup process's
    CPU seconds (user + system) per second of TPC-B: this machine has 2 cores.
    ``cpu_ms_per_tx_on``/``_off``: CPU time of all of the home's processes (instance, storage
    nodes, backup process, aurorad; not pgbench) per transaction over the counted runs, and
    ``backup_cpu_ms_per_tx`` the backup process's part (a breakdown by process is printed);
(b) lag: during one more TPC-B run on the backups-on cluster, ``describe --json`` every
    0.5 s; lag = the time the command returned - ``backups.latest_restorable_time``
    (so an upper bound, by the command's own duration; each poll is an ``aurora`` process,
    so under load the samples are up to about 1 s apart, ``lag_samples`` of them):
    ``restorable_lag_p50_s`` and ``restorable_lag_max_s`` (goal: under 5 s). These polls
    cost CPU: not in the ratio;
(c) a ``--db-mb`` (default 100) MB database in a new cluster with backups on: ``pgbench -i``
    at the scale (``big_scale``) that gives that size, from the volume size of the scale-5
    cluster of (a) right after its load (rows are stored more tightly than in PostgreSQL:
    scale 7, ~100 MB there, is ~19 MB here; ``--big-scale`` forces a scale), ``db_mb`` from
    ``describe --json`` volume size_bytes; a few TPC-B transactions so the
    data is not only the initial load; once the backup has caught up (``catchup_s``: from the
    load's end until the latest restorable time passes it), ``aurora snapshot create``
    (``snapshot_s``, goal under 1 s), ``aurora restore NEW --from-snapshot`` until the command
    returns, which waits until the new writer serves (``restore_s``, goal under 5 s;
    ``restore_reported_s`` is the command's own figure), checking that the restored cluster
    has the source's ``count(*)`` of pgbench_accounts (``restore_rows_match``) and the same
    balances and history; then the restored cluster is deleted and ``aurora clone`` of the
    source is timed the same way (``clone_s``; no data is copied, so it should be much faster).

    .venv/bin/python bench/backup_bench.py [--seconds 15] [--rounds 3] [--db-mb 100 | --big-scale N]
        [--restore-only] [--restores N]

``--restore-only`` skips (a) and (b) (the scale-5 cluster is still loaded, to size (c));
``--restores N`` restores the snapshot N times (each restored cluster deleted before the
next): ``restore_s`` and ``restore_reported_s`` are then the medians, and
``restore_s_all`` lists every figure. Each restore starts once the home's processes are
idle (at most 30 s of waiting: the storage nodes clean up after a deleted cluster), and
prints what aurorad logged of it (pages rebuilt from the backups, then written into the new
volume, each with its time) and when the new writer was ready. ``restore_cpu_s`` is the
CPU time (user + system) all of the home's processes spent during the restore command
(new processes counted whole): on this shared machine it moves less than the seconds.

Ends with ``RESULT tps_backup_on=... tps_backup_off=... tps_ratio=... cpu_ms_per_tx_on=...
cpu_ms_per_tx_off=... backup_cpu_ms_per_tx=... backup_cpu_share=... restorable_lag_p50_s=...
restorable_lag_max_s=... restorable_lag_p90_s=... lag_samples=... big_scale=... catchup_s=...
db_mb=... rows=... snapshot_s=... restore_rows_match=... restore_s=... restore_reported_s=...
restore_s_all=... restore_cpu_s=... clone_s=...``. There is no stock
baseline: the cost in (a) is against the same cluster without its backup process.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import threading
import time
from datetime import datetime

import psutil
from clusterbench import AuroraHome, percentile, poll, result_line, run_main, sql
from replica_lag_bench import pgbench, tps

STREAMER = "aurora.engine.backup.streamer"
TPCB = ["-c", "4", "-j", "2", "-n"]


def parse_iso(text: str | None) -> float | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def latest_restorable(home: AuroraHome, name: str) -> float | None:
    return parse_iso(home.describe(name)["backups"]["latest_restorable_time"])


def streamers(home: AuroraHome) -> list[int]:
    """PIDs of the backup processes of clusters in ``home``."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmd = proc.info.get("cmdline") or []
        if any(STREAMER in part for part in cmd) and any(str(home.home) in part for part in cmd):
            found.append(proc.pid)
    return found


def wait_backed_up(home: AuroraHome, name: str, since: float, timeout: float = 120) -> float:
    """Wait until the latest restorable time of ``name`` is at or past ``since``; the seconds waited."""
    t0 = time.monotonic()
    poll(lambda: (latest_restorable(home, name) or 0) >= since, timeout,
         f"the backups of {name} to reach {since:.1f}", interval=0.1)
    return time.monotonic() - t0


GROUPS = {"aurora.engine.instance.server": "instance", "aurora.engine.storage.node": "storage",
          STREAMER: "backup", "aurora.engine.control.daemon": "aurorad"}


def cpu_by_process(home: AuroraHome) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) so far of every process of ``home``, with its group."""
    found = {}
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmd = proc.info.get("cmdline") or []
            mine = any(str(home.home) in part for part in cmd) or \
                proc.environ().get("AURORA_HOME") == str(home.home)
            if mine:
                group = next((g for m, g in GROUPS.items() if m in cmd), "other")
                found[proc.pid] = (group, sum(proc.cpu_times()[:2]))
        except psutil.Error:
            continue
    return found


def cpu_delta(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds per group between two samples (a process new since ``before`` counts whole)."""
    out: dict[str, float] = {}
    for pid, (group, t) in after.items():
        out[group] = out.get(group, 0.0) + t - before.get(pid, (group, 0.0))[1]
    return out


def writer_uri(home: AuroraHome, name: str) -> str:
    return home.json("endpoints", name)["writer"]["uri"]


class LagPoller(threading.Thread):
    """``describe --json`` every ``interval`` seconds: now - the latest restorable time."""

    def __init__(self, home: AuroraHome, name: str, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.home, self.name, self.interval = home, name, interval
        self.lags: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                latest = latest_restorable(self.home, self.name)
                now = time.time()
                if latest is None:
                    self.errors.append("no latest restorable time")
                else:
                    self.lags.append(now - latest)
            except Exception as e:  # reported at the end
                self.errors.append(repr(e))
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - started)))


def timed(home: AuroraHome, *args: str, timeout: float = 600) -> tuple[float, object]:
    t0 = time.monotonic()
    out = home.json(*args, timeout=timeout)
    return time.monotonic() - t0, out


def wait_quiet(home: AuroraHome, timeout: float = 30.0) -> None:
    """Until the home's processes use less than a third of a core: a restore measured right
    after another one's deletion would share the machine with the storage nodes' clean-up."""
    def quiet() -> bool:
        before = sum(t for _g, t in cpu_by_process(home).values())
        time.sleep(1.0)
        return sum(t for _g, t in cpu_by_process(home).values()) - before < 0.3

    with contextlib.suppress(TimeoutError):
        poll(quiet, timeout, "the home's processes to be idle", interval=0.0)


def restore_timeline(home: AuroraHome, name: str) -> list[str]:
    """What aurorad and the restored writer logged about the restore, with their times."""
    lines = [ln for ln in home.daemon_log.read_text(errors="replace").splitlines()
             if f"restore of {name}:" in ln][-1:]
    for log in sorted(home.layout.instances_dir(name).glob("*/process.log")):
        lines += [ln for ln in log.read_text(errors="replace").splitlines() if " ready on port " in ln]
    return lines


def fingerprint(uri: str) -> tuple:
    """What must be equal between a cluster and its restored copy."""
    return (sql(uri, "SELECT count(*) FROM pgbench_accounts", timeout=30)[0][0],
            sql(uri, "SELECT sum(abalance) FROM pgbench_accounts", timeout=30)[0][0],
            sql(uri, "SELECT count(*), sum(delta) FROM pgbench_history", timeout=30)[0],
            sql(uri, "SELECT sum(bbalance) FROM pgbench_branches", timeout=30)[0][0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=int, default=5, help="pgbench scale of the cost runs (a)")
    ap.add_argument("--db-mb", type=float, default=100.0, help="size of the database of (c)")
    ap.add_argument("--big-scale", type=int, default=0, help="pgbench scale of (c) (default: from --db-mb)")
    ap.add_argument("--warmup", type=int, default=2, help="seconds of uncounted pgbench after each start")
    ap.add_argument("--restore-only", action="store_true", help="only (c): no TPC-B cost runs, no lag polling")
    ap.add_argument("--restores", type=int, default=1, help="how many times (c) restores the snapshot")
    args = ap.parse_args()
    out: dict[str, object] = {}
    bench = [*TPCB, "-T", str(args.seconds)]
    started_at = time.monotonic()
    with AuroraHome("aurora-backup-bench-on-") as on, AuroraHome("aurora-backup-bench-off-") as off:
        # every `aurora` command of this home runs with it, and the first one starts aurorad:
        # aurorad inherits it (engine/control/client.py, engine/process.py spawn with os.environ)
        off.env["AURORA_BACKUP"] = "off"
        homes = {"on": (on, "bon"), "off": (off, "boff")}
        for key, (home, name) in homes.items():
            print(f"creating the backups-{key} cluster and loading TPC-B scale {args.scale}...", flush=True)
            home.create(name, 0)
            pgbench(writer_uri(home, name), "-i", "-s", str(args.scale), "-q")
        mb_per_scale = on.describe("bon")["volume"]["size_bytes"] / 1e6 / args.scale
        big_scale = args.big_scale or max(1, round(args.db_mb / mb_per_scale))
        poll(lambda: streamers(on), 30, "the backup process of the backups-on cluster")
        if streamers(off):
            raise RuntimeError("the AURORA_BACKUP=off home runs a backup process")
        if off.describe("boff")["backups"]["latest_restorable_time"] is not None:
            raise RuntimeError("the AURORA_BACKUP=off cluster has backups")
        for home, name in homes.values():
            home.run("stop", name, timeout=120)
        if not args.restore_only:
            cost_and_lag(args, out, homes, bench)
        restore_and_clone(args, out, on, big_scale, mb_per_scale)
        print(f"({time.monotonic() - started_at:.0f} s; cleaning up)", flush=True)
    print(result_line(out))
    return 0


def cost_and_lag(args: argparse.Namespace, out: dict[str, object],
                 homes: dict[str, tuple[AuroraHome, str]], bench: list[str]) -> None:
    on = homes["on"][0]

    def one_run(key: str, i: int) -> float:
        home, name = homes[key]
        home.run("start", name, timeout=180)
        uri = writer_uri(home, name)
        if key == "on":
            wait_backed_up(home, name, time.time())
            if not streamers(home):
                raise RuntimeError("no backup process on the backups-on cluster")
        elif streamers(home):
            raise RuntimeError("a backup process on the backups-off cluster")
        if args.warmup:
            pgbench(uri, *TPCB, "-T", str(args.warmup))
        print(f"round {i + 1}/{args.rounds}: TPC-B, backups {key} ({args.seconds} s)...", flush=True)
        cpu0 = cpu_by_process(home)
        report = pgbench(uri, *bench)
        result = tps(report)[0]
        txs = int(re.search(r"number of transactions actually processed: (\d+)", report)[1])
        for group, secs in cpu_delta(cpu0, cpu_by_process(home)).items():
            cpu[key][group] = cpu[key].get(group, 0.0) + secs
        cpu_txs[key] += txs
        print(f"  {result:.1f} tps", flush=True)
        home.run("stop", name, timeout=120)
        return result

    runs: dict[str, list[float]] = {"on": [], "off": []}
    cpu: dict[str, dict[str, float]] = {"on": {}, "off": {}}  # CPU seconds of each home's processes
    cpu_txs = {"on": 0, "off": 0}
    for i in range(args.rounds):
        for key in (("on", "off") if i % 2 == 0 else ("off", "on")):
            runs[key].append(one_run(key, i))
        print(f"  round {i + 1} ratio {runs['on'][-1] / runs['off'][-1]:.3f}", flush=True)
    out["tps_backup_on"] = round(statistics.median(runs["on"]), 1)
    out["tps_backup_off"] = round(statistics.median(runs["off"]), 1)
    out["tps_ratio"] = round(out["tps_backup_on"] / out["tps_backup_off"], 3)
    print(f"backups on {runs['on']}, off {runs['off']}", flush=True)
    for key in ("on", "off"):
        per_tx = {g: round(1000 * secs / cpu_txs[key], 3) for g, secs in sorted(cpu[key].items())}
        print(f"CPU ms per transaction, backups {key}: {per_tx}", flush=True)
        out[f"cpu_ms_per_tx_{key}"] = round(1000 * sum(cpu[key].values()) / cpu_txs[key], 3)
    out["backup_cpu_ms_per_tx"] = round(1000 * cpu["on"].get("backup", 0.0) / cpu_txs["on"], 3)

    print("TPC-B on the backups-on cluster, polling its latest restorable time every 0.5 s...", flush=True)
    on.run("start", "bon", timeout=180)
    uri = writer_uri(on, "bon")
    wait_backed_up(on, "bon", time.time())
    streamer = psutil.Process(streamers(on)[0])
    cpu0, t_run = sum(streamer.cpu_times()[:2]), time.monotonic()
    poller = LagPoller(on, "bon")
    poller.start()
    try:
        pgbench(uri, *bench)
    finally:
        poller.stop.set()
        poller.join(15)
    # where (a)'s cost goes: the backup process's CPU time per second of load (of 2 cores)
    out["backup_cpu_share"] = round((sum(streamer.cpu_times()[:2]) - cpu0) / (time.monotonic() - t_run), 3)
    if len(poller.lags) < max(3, args.seconds // 4):
        raise RuntimeError(f"only {len(poller.lags)} lag samples: {poller.errors[:3]}")
    print(f"  {len(poller.lags)} samples in {args.seconds} s (each poll is an `aurora` process: "
          "under load they are further apart than 0.5 s)", flush=True)
    out["restorable_lag_p50_s"] = round(statistics.median(poller.lags), 3)
    out["restorable_lag_max_s"] = round(max(poller.lags), 3)
    out["restorable_lag_p90_s"] = round(percentile(poller.lags, 90), 3)
    out["lag_samples"] = len(poller.lags)
    on.run("stop", "bon", timeout=120)


def restore_and_clone(args: argparse.Namespace, out: dict[str, object], on: AuroraHome,
                      big_scale: int, mb_per_scale: float) -> None:
    print(f"a ~{big_scale * mb_per_scale:.0f} MB database: pgbench -i -s {big_scale}...", flush=True)
    out["big_scale"] = big_scale
    on.create("big", 0)
    big = writer_uri(on, "big")
    t0 = time.monotonic()
    pgbench(big, "-i", "-s", str(big_scale), "-q")
    pgbench(big, "-c", "2", "-j", "2", "-t", "200", "-n")  # some updates and history too
    loaded = time.time()
    print(f"  loaded in {time.monotonic() - t0:.1f} s; waiting for the backups to catch up...", flush=True)
    out["catchup_s"] = round(wait_backed_up(on, "big", loaded, timeout=600), 3)
    out["db_mb"] = round(on.describe("big")["volume"]["size_bytes"] / 1e6, 1)
    source = fingerprint(big)
    out["rows"] = source[0]

    print("snapshot create...", flush=True)
    out["snapshot_s"], _ = timed(on, "snapshot", "create", "big", "big-snap", timeout=300)
    took, reported, cpu = [], [], []
    for i in range(max(1, args.restores)):
        print(f"restore --from-snapshot ({i + 1}/{max(1, args.restores)})...", flush=True)
        wait_quiet(on)
        on.clusters.append("big-restored")
        started = datetime.now().isoformat(sep=" ", timespec="milliseconds")
        cpu0 = cpu_by_process(on)
        secs, restored = timed(on, "restore", "big-restored", "--from-snapshot", "big-snap")
        used = cpu_delta(cpu0, cpu_by_process(on))
        took.append(secs)
        reported.append(restored["restore_seconds"])  # type: ignore[index]
        cpu.append(sum(used.values()))
        print(f"  {secs:.3f} s (reported {reported[-1]} s); started {started}; CPU s "
              f"{ {g: round(t, 2) for g, t in sorted(used.items())} }", flush=True)
        for line in restore_timeline(on, "big-restored"):
            print(f"    {line}", flush=True)
        copy = fingerprint(writer_uri(on, "big-restored"))
        out["restore_rows_match"] = copy[0] == source[0]
        if copy != source:
            raise RuntimeError(f"the restored cluster differs from its source: {copy} != {source}")
        on.run("delete", "big-restored", "--yes", timeout=120)
        on.clusters.remove("big-restored")
    out["restore_s"] = statistics.median(took)
    out["restore_reported_s"] = statistics.median(reported)
    out["restore_s_all"] = "/".join(f"{t:.3f}" for t in took)
    out["restore_cpu_s"] = round(statistics.median(cpu), 2)

    print("clone...", flush=True)
    on.clusters.append("big-clone")
    out["clone_s"], _ = timed(on, "clone", "big", "big-clone")
    cloned = fingerprint(writer_uri(on, "big-clone"))
    if cloned != source:
        raise RuntimeError(f"the clone differs from its source: {cloned} != {source}")
    for key in ("snapshot_s", "restore_s", "clone_s"):
        out[key] = round(out[key], 3)  # type: ignore[call-overload]


if __name__ == "__main__":
    run_main(main)
