"""Aurora Serverless v2: throughput per capacity, how fast capacity follows a load, how fast a
paused cluster answers its first client, and that a paused cluster runs nothing.

What an ACU buys is ``engine/instance/capacity.py`` (a CPU share, statements at once, a buffer
pool); aurorad's scaler (``engine/control/serverless.py``) moves it every second. In one run:

(a) throughput vs capacity: ``pgbench -S`` (select-only, ``-c 8 -j 2``, scale ``--scale``,
    ``-T --seconds``) against a writer pinned at 0.5, 1, 2, 4, 8 and 16 ACU, and against a
    provisioned (non-serverless) cluster as the baseline. 1 to 16 ACU are pinned the way a
    user would, ``aurora modify --min-acu X --max-acu X`` on one serverless cluster (the
    scaler's floor and ceiling are then both X), each step checked in ``describe --json``.
    AWS forbids a maximum below 1 ACU, so 0.5 ACU cannot be pinned through aurorad; it is
    measured on an instance process started directly (no aurorad, so no scaler) with
    ``--acu 0.5 --max-acu 0.5``, on its own storage fleet and volume in a second temporary
    AURORA_HOME, pgbench connecting to the instance's port instead of an endpoint (an
    endpoint only hands the socket over at connect time, so this costs nothing per query).
    The same direct instance is then restarted at ``--acu 1 --max-acu 1`` (``tps_1acu_direct``)
    to check this path against the modify-pinned 1 ACU. Goal: the 16 ACU throughput at least 3 times the 0.5 ACU one (``ratio_max_to_min``);
(b) scale-up: the serverless cluster back at ``--min-acu 0.5 --max-acu 16`` and idle at
    0.5 ACU; ``pgbench -S -c 8 -j 2`` for ``--load-seconds`` while a thread polls
    ``describe --json`` every 0.2 s (each poll is an ``aurora`` process, so the samples are
    somewhat further apart; their median spacing is printed). ``scale_up_s``: from the
    load's start to the first sample at the capacity the load needs, ``scale_up_acu`` (the
    median of the writer's capacity over the load's second half; goal: under 10 s);
    ``scale_to_peak_s`` and ``peak_acu``: the same for the highest capacity it reached (a
    late step near the scaler's threshold can come well after). ``scale_down_s``: from the load's end to the
    first sample back at the minimum, 0.5 ACU (the scaler steps down gradually, a tenth of the
    capacity a second after 2 calm seconds, so this is expected to be much slower);
(c) resume: a cluster ``--min-acu 0 --max-acu 4 --auto-pause-after 2``; wait until
    ``describe --json`` shows the writer ``paused`` and the pause has finished (see (d)), then
    time a new client's first answer
    (``psycopg.connect`` through the writer endpoint + ``SELECT 1``, from before the connect
    to the answer), ``--resumes`` times, letting it pause again in between; ``resume_p50_s``
    and ``resume_max_s`` (goal: under 1 s);
(d) paused uses nothing: at every pause in (c), the writer's ``pid`` in ``describe`` is null
    and psutil finds no process whose command line has ``aurora.engine.instance.server`` and
    the cluster's folder. aurorad marks instances paused *before* it stops their processes
    (so that endpoints stop routing to them) and ``describe`` says ``pausing`` until the
    process is gone: ``paused_while_running`` counts the pauses where the first ``paused``
    answer still had a process (goal 0), ``pause_settle_max_s`` the longest time from that
    answer until no process was left. ``paused_instance_processes``
    (the most found at any pause) and ``paused_instance_rss_mb`` (their RSS summed; both goal
    0) are taken 0.5 s after the pause has settled (or 15 s after it was first reported,
    when it never settles). The same scan while the cluster runs must find its one instance,
    or the bench fails (the scan would prove nothing).

There is no stock PostgreSQL baseline: stock PostgreSQL has no capacity to scale; the
provisioned cluster in (a) is the baseline.

    .venv/bin/python bench/serverless_bench.py [--seconds 10] [--scale 5] [--load-seconds 15] [--resumes 5]

Ends with ``RESULT tps_0_5acu=... tps_1acu=... tps_2acu=... tps_4acu=... tps_8acu=... tps_16acu=...
tps_1acu_direct=... tps_max_acu=... ratio_max_to_min=... tps_provisioned=... scale_up_s=...
scale_up_acu=... scale_to_peak_s=... peak_acu=... scale_down_s=... resume_p50_s=... resume_max_s=... paused_instance_processes=...
paused_instance_rss_mb=... paused_while_running=... pause_settle_max_s=...`` (tps_max_acu is
the 16 ACU one; a provisioned instance has a 64 MiB buffer pool, 2 ACU's).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from typing import Any

import psutil
import psycopg
from aurora_instance import stop as stop_direct
from clusterbench import AuroraHome, percentile, poll, result_line, run_main
from replica_lag_bench import pgbench, tps

from aurora.engine.instance.runner import INSTANCE_MODULE, InstanceProcess, free_port
from aurora.engine.layout import DEFAULT_REGION
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet

PINNED = (1.0, 2.0, 4.0, 8.0, 16.0)  # through aurora modify
DIRECT = (0.5, 1.0)  # a direct instance process: 0.5, and 1 to check it against aurora modify
PASSWORD = "bench-password"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def select_only(uri: str, seconds: int) -> float:
    return tps(pgbench(uri, "-S", "-n", "-c", "8", "-j", "2", "-T", str(seconds)))[0]


def acu_key(acu: float) -> str:
    return f"tps_{acu:g}acu".replace(".", "_")


# --- (a) 0.5 ACU: an instance process with a fixed capacity, no aurorad -----------------------
def direct_tps(scale: int, seconds: int) -> dict[float, float]:
    """Storage fleet + volume + one writer started with --acu X --max-acu X, in its own
    temporary AURORA_HOME: X = 0.5, then (a restart on the same volume) X = 1, the check that
    this path and ``aurora modify`` agree where both can pin. Everything is stopped (then
    killed) afterwards."""
    out: dict[float, float] = {}
    with AuroraHome("aurora-serverless-bench-direct-") as d:
        try:
            Fleet(d.layout, DEFAULT_REGION).create()
            volume = Catalog(d.layout, DEFAULT_REGION).new_volume().name
            password_file = d.layout.password_file("half")
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(PASSWORD + "\n")
            layout = d.layout
            for acu in DIRECT:
                writer = InstanceProcess(
                    layout, "half", "half-instance-1", "writer", volume, free_port(),
                    layout.replication_socket(layout.instance_dir("half", "half-instance-1")),
                    password_file, extra_args=["--acu", f"{acu:g}", "--max-acu", f"{acu:g}"],
                )
                writer.start(timeout=60)
                try:
                    cap = writer.status().get("capacity") or {}
                    if cap.get("acu") != acu:
                        raise RuntimeError(f"the direct instance runs at {cap.get('acu')} ACU, not {acu:g}")
                    uri = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{writer.port}/postgres"
                    if not out:
                        t0 = time.monotonic()
                        pgbench(uri, "-i", "-q", "-s", str(scale))
                        log(f"  pgbench -i -s {scale} at {acu:g} ACU took {time.monotonic() - t0:.1f} s")
                    out[acu] = select_only(uri, seconds)
                    cap = writer.status().get("capacity") or {}
                    if cap.get("acu") != acu:
                        raise RuntimeError(f"the direct instance ended at {cap.get('acu')} ACU, not {acu:g}")
                    log(f"  {acu:g} ACU (direct, port {writer.port}, no scaler): {out[acu]:.1f} tps")
                finally:
                    writer.stop()
            return out
        finally:
            stop_direct(d.home)


# --- describe helpers ---------------------------------------------------------------------------
def writer_of(desc: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in desc["instances"] if i["role"] == "writer")


def writer_acu(h: AuroraHome, name: str) -> float | None:
    return writer_of(h.describe(name))["acu"]


def create_serverless(h: AuroraHome, name: str, *opts: str) -> Any:
    h.clusters.append(name)
    return h.json("create", name, "--serverless", *opts, timeout=180)


class AcuSampler(threading.Thread):
    """Polls ``describe --json`` every ``every`` seconds: (monotonic time of the answer, the
    writer's capacity)."""

    def __init__(self, h: AuroraHome, name: str, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.h, self.name, self.every = h, name, every
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                acu = writer_acu(self.h, self.name)
                if acu is not None:
                    self.samples.append((time.monotonic(), acu))
            except Exception as e:  # a failed poll is a missing sample
                log(f"  describe failed: {e}")
            self.stop.wait(max(0.0, self.every - (time.monotonic() - began)))


# --- (d) instance processes of a cluster ---------------------------------------------------------
def instance_processes(h: AuroraHome, name: str) -> list[psutil.Process]:
    folder = str(h.layout.cluster_dir(name))
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            cmd = proc.info.get("cmdline") or []
            if INSTANCE_MODULE in cmd and any(folder in part for part in cmd) \
                    and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def rss_mb(procs: list[psutil.Process]) -> float:
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=int, default=10, help="pgbench -T of each throughput run")
    p.add_argument("--scale", type=int, default=5, help="pgbench -i -s")
    p.add_argument("--load-seconds", type=int, default=15, help="pgbench -T of the scale-up load")
    p.add_argument("--resumes", type=int, default=5, help="pause/resume cycles")
    args = p.parse_args()
    started = time.monotonic()
    out: dict[str, Any] = {}
    curve: dict[float, float] = {}

    log("(a) 0.5 ACU: an instance process started with --acu 0.5 --max-acu 0.5 (no aurorad)...")
    direct = direct_tps(args.scale, args.seconds)
    curve[0.5] = direct[0.5]

    with AuroraHome("aurora-serverless-bench-") as h:
        log("(a) provisioned baseline cluster...")
        prov = h.create("prov", 0)
        pgbench(prov["writer"]["uri"], "-i", "-q", "-s", str(args.scale))
        out["tps_provisioned"] = round(select_only(prov["writer"]["uri"], args.seconds), 1)
        log(f"  provisioned: {out['tps_provisioned']:.1f} tps")
        h.run("delete", "prov", "--yes", timeout=60)
        h.clusters.remove("prov")

        log("(a) serverless cluster, capacity pinned with aurora modify --min-acu X --max-acu X...")
        sv = create_serverless(h, "sv", "--min-acu", "0.5", "--max-acu", "16")
        uri = sv["writer"]["uri"]
        pgbench(uri, "-i", "-q", "-s", str(args.scale))
        for acu in PINNED:
            h.json("modify", "sv", "--min-acu", f"{acu:g}", "--max-acu", f"{acu:g}")
            poll(lambda a=acu: writer_acu(h, "sv") == a, 30, f"the writer at {acu:g} ACU", interval=0.2)
            curve[acu] = select_only(uri, args.seconds)
            now = writer_acu(h, "sv")
            log(f"  {acu:g} ACU: {curve[acu]:.1f} tps" + ("" if now == acu else f" (ENDED AT {now} ACU)"))
            if now != acu:
                raise RuntimeError(f"pinned at {acu:g} ACU, the writer ended the run at {now} ACU")

        log("(b) scale-up: back to --min-acu 0.5 --max-acu 16, waiting for the writer at 0.5 ACU...")
        # --max-acu 1 first: modify clamps the capacity into the range at once (16 -> 1), then
        # the scaler takes it from 1 to the floor, 0.5, after its calm seconds.
        h.json("modify", "sv", "--min-acu", "0.5", "--max-acu", "1")
        h.json("modify", "sv", "--min-acu", "0.5", "--max-acu", "16")
        poll(lambda: writer_acu(h, "sv") == 0.5, 60, "the writer at 0.5 ACU", interval=0.2)
        time.sleep(2)  # idle at 0.5 for a moment: the scaler's calm counter has nothing to undo
        sampler = AcuSampler(h, "sv")
        sampler.start()
        try:
            time.sleep(0.5)
            load_start = time.monotonic()
            log(f"  pgbench -S -c 8 -j 2 for {args.load_seconds} s, polling describe every 0.2 s...")
            load_tps = select_only(uri, args.load_seconds)
            load_end = time.monotonic()
            log(f"  load done ({load_tps:.1f} tps); waiting for the writer back at 0.5 ACU...")
            poll(lambda: any(t > load_end and a == 0.5 for t, a in sampler.samples), 120,
                 "the writer back at 0.5 ACU", interval=0.2)
        finally:
            sampler.stop.set()
            sampler.join(10)
        during = [(t, a) for t, a in sampler.samples if load_start <= t <= load_end]
        if not during:
            raise RuntimeError("no capacity sample during the load")
        # The capacity the load needs: what the writer holds over the load's second half (the
        # median sample); a late step of the scaler near its threshold is reported apart.
        second_half = [a for t, a in during if t >= load_start + (load_end - load_start) / 2]
        needed = statistics.median_low(second_half or [a for _, a in during])
        peak = max(a for _, a in during)
        out["scale_up_s"] = round(next(t for t, a in during if a >= needed) - load_start, 2)
        out["scale_up_acu"] = needed
        out["scale_to_peak_s"] = round(next(t for t, a in during if a == peak) - load_start, 2)
        out["peak_acu"] = peak
        out["scale_down_s"] = round(next(t for t, a in sampler.samples if t > load_end and a == 0.5) - load_end, 2)
        gaps = [b[0] - a[0] for a, b in zip(sampler.samples, sampler.samples[1:], strict=False)]
        steps, last = [], None
        for t, a in sampler.samples:
            if a != last:
                steps.append(f"{t - load_start:+.1f}s:{a:g}")
                last = a
        log(f"  capacity over time (from the load's start): {' '.join(steps)}")
        log(f"  samples: {len(sampler.samples)}, median spacing {statistics.median(gaps):.2f} s, "
            f"max {max(gaps):.2f} s")
        h.run("delete", "sv", "--yes", timeout=60)
        h.clusters.remove("sv")

        log("(c) resume: --min-acu 0 --max-acu 4 --auto-pause-after 2...")
        nap = create_serverless(h, "nap", "--min-acu", "0", "--max-acu", "4", "--auto-pause-after", "2")
        nap_uri = nap["writer"]["uri"]
        running = instance_processes(h, "nap")
        if len(running) != 1:
            raise RuntimeError(f"found {len(running)} instance processes of a running cluster, not 1: "
                               "the process scan does not work")
        log(f"  running: 1 instance process, {rss_mb(running):.0f} MB RSS")
        resumes: list[float] = []
        early = 0  # pauses that describe reported while the instance process still ran
        settle: list[float] = []  # from "paused" in describe to no instance process left
        paused_procs = 0
        paused_rss = 0.0
        for i in range(args.resumes):
            idle_from = time.monotonic()
            desc = poll(lambda: (d := h.describe("nap")) and writer_of(d)["status"] == "paused" and d, 60,
                        "the writer paused", interval=0.2)
            seen = time.monotonic()
            w = writer_of(desc)
            if w["acu"] != 0:
                log(f"  note: paused writer reports acu={w['acu']}")
            procs = instance_processes(h, "nap")
            if procs or w["pid"] is not None:
                early += 1
                log(f"  describe says paused but the instance still runs (pid {w['pid']}, "
                    f"{len(procs)} processes found): waiting for the pause to finish")
            # the pause is over once describe has no pid and no instance process is left
            deadline = seen + 15
            while (procs or w["pid"] is not None) and time.monotonic() < deadline:
                time.sleep(0.05)
                w = writer_of(h.describe("nap"))
                procs = instance_processes(h, "nap")
            settle.append(time.monotonic() - seen)
            time.sleep(0.5)  # paused for a while: what it holds now is what a paused cluster holds
            w = writer_of(h.describe("nap"))
            procs = instance_processes(h, "nap")
            if w["status"] != "paused":
                raise RuntimeError(f"the writer is {w['status']} again without a connection")
            paused_procs = max(paused_procs, max(len(procs), int(w["pid"] is not None)))
            paused_rss = max(paused_rss, rss_mb(procs))
            t0 = time.monotonic()
            with psycopg.connect(nap_uri, autocommit=True, connect_timeout=30) as conn:
                conn.execute("SELECT 1").fetchone()
                resumes.append(time.monotonic() - t0)
            log(f"  resume {i + 1}/{args.resumes}: paused after {seen - idle_from:.1f} s idle (pid {w['pid']}, "
                f"{len(procs)} processes, {rss_mb(procs):.0f} MB), first answer in {resumes[-1]:.3f} s")
        out["resume_p50_s"] = round(percentile(resumes, 50), 3)
        out["resume_max_s"] = round(max(resumes), 3)
        out["paused_instance_processes"] = paused_procs
        out["paused_instance_rss_mb"] = round(paused_rss, 1)
        out["paused_while_running"] = early
        out["pause_settle_max_s"] = round(max(settle), 2)

    out["tps_0_5acu"] = round(curve[0.5], 1)
    out["tps_1acu_direct"] = round(direct[1.0], 1)
    out["tps_max_acu"] = round(curve[max(PINNED)], 1)
    out["ratio_max_to_min"] = round(curve[max(PINNED)] / curve[0.5], 2)
    for acu in PINNED:
        out[acu_key(acu)] = round(curve[acu], 1)
    print(f"select-only -c 8 -T {args.seconds}, scale {args.scale}:")
    for acu, v in sorted(curve.items()):
        print(f"  {acu:>4g} ACU {v:8.1f} tps  ({v / curve[0.5]:.2f}x 0.5 ACU)")
    print(f"  provisioned {out['tps_provisioned']:8.1f} tps;  1 ACU on a direct instance process "
          f"{direct[1.0]:.1f} tps (the 0.5 ACU path; {direct[1.0] / curve[1.0]:.2f}x the modify-pinned 1 ACU)")
    print(f"goals: 16/0.5 ACU ratio >= 3 -> {out['ratio_max_to_min']} "
          f"{'met' if out['ratio_max_to_min'] >= 3 else 'MISSED'}; scale-up < 10 s -> {out['scale_up_s']} s "
          f"{'met' if out['scale_up_s'] < 10 else 'MISSED'}; resume < 1 s -> max {out['resume_max_s']} s "
          f"{'met' if out['resume_max_s'] < 1 else 'MISSED'}; paused processes 0 -> "
          f"{out['paused_instance_processes']} {'met' if out['paused_instance_processes'] == 0 else 'MISSED'}")
    print(f"(total {time.monotonic() - started:.0f} s)", file=sys.stderr)
    order = ["tps_0_5acu", *[acu_key(a) for a in PINNED], "tps_1acu_direct", "tps_max_acu", "ratio_max_to_min",
             "tps_provisioned", "scale_up_s", "scale_up_acu", "scale_to_peak_s", "peak_acu", "scale_down_s", "resume_p50_s", "resume_max_s",
             "paused_instance_processes", "paused_instance_rss_mb", "paused_while_running", "pause_settle_max_s"]
    print(result_line({k: out[k] for k in order}))
    return 0


if __name__ == "__main__":
    run_main(main)
