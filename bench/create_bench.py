"""Cold `aurora create demo --replicas 2`: from nothing running to a real connection.

Each round starts in its own fresh AURORA_HOME with no aurorad and runs the command as a user
would (it starts aurorad, the six storage nodes, the writer, then the two readers, and by
default returns once all three are ready). Meanwhile, as soon as the cluster's metadata and
password exist, psycopg connects through the writer endpoint and runs ``SELECT 1``, polling
every 5 ms; the time to its first answer is the create time. Before the cluster is deleted
its logs give the phases (aurorad serving, storage nodes serving, writer ready, readers
ready). The baseline, in the same run, is stock PostgreSQL from nothing: initdb, pg_ctl start
and the same connect and ``SELECT 1`` (skipped when PostgreSQL is not installed).
``--spawn-baseline`` adds, in each round and in alternating order, the same create with
``AURORA_FORKSERVER=0`` (every process a fresh ``python -m``, as before the fork server), and
both creates' CPU seconds: every process of the home (aurorad, the fork server, storage nodes,
instances, the backup process) plus the command's own. Goal: every instance serving in under
1.5 s.

    .venv/bin/python bench/create_bench.py [--rounds 3] [--no-baseline] [--spawn-baseline]

Ends with ``RESULT create_median_s=... create_worst_s=... pg_median_s=... ratio=...``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import subprocess
import time
import tomllib
from pathlib import Path

from clusterbench import (
    AURORA,
    AuroraHome,
    cpu_seconds,
    pg_bindir,
    poll,
    result_line,
    run_main,
    sql,
    stock_postgres,
)

PHASES = ("aurorad", "storage", "preloaded", "writer", "readers")


def writer_endpoint_uri(h: AuroraHome, name: str) -> str | None:
    """The writer endpoint's URI once the cluster's metadata and password are on disk."""
    try:
        spec = tomllib.loads(h.layout.cluster_file(name).read_text())
        password = h.layout.password_file(name).read_text().strip()
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return None
    if not password:
        return None
    return (f"postgresql://{spec['master_username']}:{password}@127.0.0.1:{spec['writer_port']}/"
            f"{spec['database_name']}")


def log_time(path: Path, needle: str) -> float:
    """Wall-clock time of the first line of a process log that contains ``needle`` (NaN
    without such a line or log)."""
    if not path.exists():
        return float("nan")
    for line in path.read_text().splitlines():
        if needle in line:
            stamp = datetime.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
            return stamp.timestamp()
    return float("nan")


def phases(h: AuroraHome, name: str, started_wall: float) -> dict[str, float]:
    """Seconds from the command's start to: aurorad serving, every storage node serving,
    the fork server done with its imports, the writer ready, every reader ready."""
    nodes = sorted(h.layout.region_dir("local-1").glob("nodes/*"))
    instances = sorted(h.layout.cluster_dir(name).glob("instances/*"))
    ready = {i.name: log_time(i / "process.log", " ready on port ") for i in instances}
    writer = min(ready)  # demo-instance-1 is the first writer
    return {
        "aurorad": log_time(h.daemon_log, "serving") - started_wall,
        "storage": max(log_time(n / "process.log", "serving on") for n in nodes) - started_wall,
        "preloaded": log_time(h.layout.forkserver_dir / "process.log", "preloaded") - started_wall,
        "writer": ready[writer] - started_wall,
        "readers": max((t for i, t in ready.items() if i != writer), default=float("nan")) - started_wall,
    }


def one_create(replicas: int, spawn: bool = False) -> tuple[float, float, dict[str, float], float]:
    """Seconds until ``SELECT 1`` answered on the writer endpoint, and until the command
    returned, the phases, and the CPU seconds of the create (``spawn``: without the fork
    server)."""
    with AuroraHome() as h:
        if spawn:
            h.env["AURORA_FORKSERVER"] = "0"
        h.clusters.append("demo")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started_wall = time.time()
        started = time.monotonic()
        cmd = subprocess.Popen([*AURORA, "create", "demo", "--replicas", str(replicas)], env=h.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            uri = poll(lambda: writer_endpoint_uri(h, "demo"), 60, "the cluster's metadata", interval=0.005)
            poll(lambda: sql(uri, "SELECT 1", timeout=2) == [(1,)], 60, "SELECT 1 through the writer endpoint",
                 interval=0.005)
            ready = time.monotonic() - started
            _, err = cmd.communicate(timeout=120)
            returned = time.monotonic() - started
        finally:
            if cmd.poll() is None:
                cmd.kill()
                cmd.wait()
        if cmd.returncode != 0:
            raise RuntimeError(f"aurora create exited {cmd.returncode}: {err.strip()}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = cpu_seconds(h.home) + (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return ready, returned, phases(h, "demo", started_wall), cpu


def one_postgres() -> float:
    started = time.monotonic()
    with stock_postgres(pg_bindir()) as uri:
        poll(lambda: sql(uri, "SELECT 1", timeout=2) == [(1,)], 30, "SELECT 1 on PostgreSQL", interval=0.005)
        return time.monotonic() - started


def summary(label: str, rows: list[tuple[float, float, dict[str, float], float]]) -> None:
    ready = [r[0] for r in rows]
    print(f"\n{label:34} {'median s':>9} {'worst s':>8} {'best s':>8}")
    print(f"{'aurora create -> SELECT 1 (writer)':34} {statistics.median(ready):>9.3f} {max(ready):>8.3f} "
          f"{min(ready):>8.3f}")
    for k in PHASES:
        xs = [r[2][k] for r in rows]
        print(f"{'  ' + k + ' ready':34} {statistics.median(xs):>9.3f} {max(xs):>8.3f} {min(xs):>8.3f}")
    returned = [r[1] for r in rows]
    print(f"{'  command returned':34} {statistics.median(returned):>9.3f} {max(returned):>8.3f} "
          f"{min(returned):>8.3f}")
    cpu = [r[3] for r in rows]
    print(f"{'  CPU seconds, every process':34} {statistics.median(cpu):>9.3f} {max(cpu):>8.3f} {min(cpu):>8.3f}")


def show(label: str, n: int, row: tuple[float, float, dict[str, float], float], pg: float | None = None) -> None:
    ready, returned, ph, cpu = row
    print(f"round {n + 1}{label}: SELECT 1 through the writer endpoint at {ready:.3f} s, command returned at "
          f"{returned:.3f} s, {cpu:.2f} CPU s"
          + (f" | PostgreSQL initdb+start+SELECT 1 {pg:.3f} s" if pg is not None else ""))
    print("    phases from the command's start: " + ", ".join(f"{k} {v:.3f} s" for k, v in ph.items()),
          flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3, help="creates, each in a fresh AURORA_HOME")
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--no-baseline", action="store_true", help="skip stock PostgreSQL")
    p.add_argument("--spawn-baseline", action="store_true",
                   help="also create without the fork server (AURORA_FORKSERVER=0), alternating")
    args = p.parse_args()
    baseline = not args.no_baseline and pg_bindir() is not None
    os.environ.pop("AURORA_FORKSERVER", None)
    rows, spawned, pgs = [], [], []
    for n in range(args.rounds):
        if args.spawn_baseline and n % 2 == 0:
            spawned.append(one_create(args.replicas, spawn=True))
            show(" (spawn)", n, spawned[-1])
        rows.append(one_create(args.replicas))
        pgs.append(one_postgres() if baseline else None)
        show("", n, rows[-1], pgs[-1])
        if args.spawn_baseline and n % 2 == 1:
            spawned.append(one_create(args.replicas, spawn=True))
            show(" (spawn)", n, spawned[-1])
    summary("with the fork server", rows)
    ready = [r[0] for r in rows]
    returned = [r[1] for r in rows]
    result = {"create_median_s": round(statistics.median(ready), 3), "create_worst_s": round(max(ready), 3),
              "returned_median_s": round(statistics.median(returned), 3),
              "returned_worst_s": round(max(returned), 3)}
    if spawned:
        summary("spawned afresh (AURORA_FORKSERVER=0)", spawned)
        spawn_returned = statistics.median(r[1] for r in spawned)
        spawn_cpu = statistics.median(r[3] for r in spawned)
        cpu = statistics.median(r[3] for r in rows)
        print(f"ratio fork server / spawn (medians): command returned "
              f"{statistics.median(returned) / spawn_returned:.2f}, CPU {cpu / spawn_cpu:.2f}")
        result |= {"spawn_returned_median_s": round(spawn_returned, 3), "cpu_median_s": round(cpu, 2),
                   "spawn_cpu_median_s": round(spawn_cpu, 2)}
    if baseline:
        pg = [x for x in pgs if x is not None]
        print(f"{'stock PostgreSQL':34} {statistics.median(pg):>9.3f} {max(pg):>8.3f}")
        ratio = statistics.median(ready) / statistics.median(pg)
        print(f"ratio aurora / PostgreSQL (medians): {ratio:.2f}")
        result |= {"pg_median_s": round(statistics.median(pg), 3), "ratio": round(ratio, 2)}
    print(f"goal: every instance serving in under 1.5 s -> {'met' if max(returned) < 1.5 else 'MISSED'} "
          f"(worst {max(returned):.3f} s)")
    print(result_line(result))
    return 0


if __name__ == "__main__":
    run_main(main)
