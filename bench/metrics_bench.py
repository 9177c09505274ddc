"""Metrics: what recording them every second costs a busy writer.

aurorad samples every running instance once a second (``engine/control/metrics.py``: the
status files, the processes' CPU time) into its store under AURORA_HOME/metrics; each
instance counts its statements and page writes for it (``engine/metrics/activity.py``). In
one run, pgbench TPC-B (``-c 4 -j 2 -T --seconds``, scale ``--scale``) on a cluster with
``--replicas`` readers whose aurorad records metrics, and on the same cluster in a second
temporary AURORA_HOME whose aurorad was started with ``AURORA_METRICS=off`` (its instances
inherit it and count nothing), alternating for ``--rounds`` rounds, the order swapped every
round, because this shared 2-core machine's TPS drifts: ``tps_metrics_on`` and
``tps_metrics_off`` are the medians, ``tps_ratio`` the median of each round's ratio (the two
runs of a round are close in time; goal: at least 0.97). Only one
cluster runs at a time (the other is stopped), and both homes run without backup processes
(``AURORA_BACKUP=off``), so that nothing else moves between the two. Each run starts the
cluster, warms it with ``--warmup`` seconds of uncounted pgbench, and measures CPU time:
``cpu_ms_per_tx_on``/``_off``, the median over the runs of the CPU milliseconds of all the
home's processes (instances, storage nodes, aurorad; not pgbench) per transaction, which
drifts less than TPS when other work shares the machine; ``aurorad_cpu_share_on``/``_off``,
aurorad's CPU seconds per second of load (of 2 cores).

The run checks what it measures: in the metrics-on home, ``aurora metrics --json`` must show
CommitThroughput above zero for the writer and AuroraReplicaLag for a reader (when there is
one) during the counted runs, and the metrics-off home must refuse ``aurora metrics``.

    .venv/bin/python bench/metrics_bench.py [--seconds 15] [--rounds 5] [--scale 5] [--replicas 1]

Ends with ``RESULT tps_metrics_on=... tps_metrics_off=... tps_ratio=... cpu_ms_per_tx_on=...
cpu_ms_per_tx_off=... aurorad_cpu_share_on=...
aurorad_cpu_share_off=... commit_throughput_seen=... store_kb=...``. There is no stock
baseline: the cost is against the same cluster without metrics.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import psutil
from clusterbench import AuroraHome, result_line, run_main
from replica_lag_bench import pgbench, tps

from aurora.engine.metrics.store import store_file

TPCB = ["-c", "4", "-j", "2", "-n"]
DAEMON = "aurora.engine.control.daemon"


def aurorad(home: AuroraHome) -> psutil.Process:
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if DAEMON in (proc.info.get("cmdline") or []) and proc.environ().get("AURORA_HOME") == str(home.home):
                return proc
        except psutil.Error:
            continue
    raise RuntimeError(f"no aurorad for {home.home}")


def cpu_seconds(home: AuroraHome) -> dict[int, float]:
    """CPU seconds (user + system) so far of every process of ``home`` (not pgbench)."""
    found = {}
    for proc in psutil.process_iter(["cmdline"]):
        try:
            cmd = proc.info.get("cmdline") or []
            if any(str(home.home) in part for part in cmd) or proc.environ().get("AURORA_HOME") == str(home.home):
                found[proc.pid] = sum(proc.cpu_times()[:2])
        except psutil.Error:
            continue
    return found


def writer_uri(home: AuroraHome, name: str) -> str:
    return home.json("endpoints", name)["writer"]["uri"]


def peak(home: AuroraHome, name: str, metric: str) -> float:
    """The highest one-second value of ``metric`` in the last 2 minutes, over every series."""
    rows = home.json("metrics", name, "--metric", metric, "--since", "2m", "--period", "1",
                     "--statistic", "Maximum")
    return max((p["Maximum"] for r in rows for p in r["Datapoints"]), default=0.0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scale", type=int, default=5)
    ap.add_argument("--replicas", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    args = ap.parse_args()
    out: dict[str, object] = {}
    with AuroraHome("aurora-metrics-bench-on-") as on, AuroraHome("aurora-metrics-bench-off-") as off:
        # the first `aurora` command of a home starts its aurorad, which inherits this environment
        for home in (on, off):
            home.env["AURORA_BACKUP"] = "off"
        off.env["AURORA_METRICS"] = "off"
        homes = {"on": (on, "mon"), "off": (off, "moff")}
        for key, (home, name) in homes.items():
            print(f"creating the metrics-{key} cluster ({args.replicas} reader(s)), TPC-B scale {args.scale}...",
                  flush=True)
            home.create(name, args.replicas)
            pgbench(writer_uri(home, name), "-i", "-s", str(args.scale), "-q")
            home.run("stop", name, timeout=120)
        refused = off.run("metrics", "moff", check=False)
        if refused.returncode == 0 or "AURORA_METRICS=off" not in refused.stderr:
            raise RuntimeError(f"the AURORA_METRICS=off home answered aurora metrics: {refused.stdout[:200]}")

        runs: dict[str, list[float]] = {"on": [], "off": []}
        cpu_share: dict[str, list[float]] = {"on": [], "off": []}
        cpu_per_tx: dict[str, list[float]] = {"on": [], "off": []}
        for i in range(args.rounds):
            for key in (("on", "off") if i % 2 == 0 else ("off", "on")):
                home, name = homes[key]
                home.run("start", name, timeout=180)
                uri = writer_uri(home, name)
                if args.warmup:
                    pgbench(uri, *TPCB, "-T", str(args.warmup))
                print(f"round {i + 1}/{args.rounds}: TPC-B, metrics {key} ({args.seconds} s)...", flush=True)
                daemon = aurorad(home)
                cpu0, t0, all0 = sum(daemon.cpu_times()[:2]), time.monotonic(), cpu_seconds(home)
                report = pgbench(uri, *TPCB, "-T", str(args.seconds))
                result = tps(report)[0]
                cpu_share[key].append((sum(daemon.cpu_times()[:2]) - cpu0) / (time.monotonic() - t0))
                used = sum(t - all0.get(pid, 0.0) for pid, t in cpu_seconds(home).items())
                txs = int(re.search(r"number of transactions actually processed: (\d+)", report)[1])
                cpu_per_tx[key].append(1000 * used / txs)
                runs[key].append(result)
                print(f"  {result:.1f} tps, {cpu_per_tx[key][-1]:.2f} CPU-ms/tx, aurorad {cpu_share[key][-1]:.3f} "
                      "CPU-s/s", flush=True)
                if key == "on":
                    seen = peak(home, name, "CommitThroughput")
                    if seen <= 0:
                        raise RuntimeError("aurora metrics shows no CommitThroughput during TPC-B")
                    out["commit_throughput_seen"] = round(seen, 1)
                    if args.replicas and not home.json("metrics", name, "--metric", "AuroraReplicaLag",
                                                       "--since", "1m"):
                        raise RuntimeError("aurora metrics shows no AuroraReplicaLag for the reader")
                home.run("stop", name, timeout=120)
            print(f"  round {i + 1} ratio {runs['on'][-1] / runs['off'][-1]:.3f}", flush=True)
        out["tps_metrics_on"] = round(statistics.median(runs["on"]), 1)
        out["tps_metrics_off"] = round(statistics.median(runs["off"]), 1)
        # the two runs of a round are minutes apart at most: their ratio drifts less than the medians'
        out["tps_ratio"] = round(statistics.median(a / b for a, b in zip(runs["on"], runs["off"], strict=True)), 3)
        out["cpu_ms_per_tx_on"] = round(statistics.median(cpu_per_tx["on"]), 3)
        out["cpu_ms_per_tx_off"] = round(statistics.median(cpu_per_tx["off"]), 3)
        out["aurorad_cpu_share_on"] = round(statistics.median(cpu_share["on"]), 4)
        out["aurorad_cpu_share_off"] = round(statistics.median(cpu_share["off"]), 4)
        commit = out.pop("commit_throughput_seen")
        out["commit_throughput_seen"] = commit
        db = store_file(on.layout)
        out["store_kb"] = round(sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 1024)
        print(f"metrics on {runs['on']}, off {runs['off']}", flush=True)
    print(result_line(out))
    return 0


if __name__ == "__main__":
    run_main(main)
