"""Instance CPU per pgbench select-only transaction, this code against a baseline, in one run.

Starts two aurora writers, each on its own six-node fleet in a temporary AURORA_HOME: one runs
the code importable now, the other the code under ``--baseline`` (a folder holding a package
``aurora``, e.g. a ``git archive`` of the base commit with a symlink). Both get
``pgbench -i -s SCALE``; then, for each protocol mode, ``pgbench -S -n -c 1 -t N`` runs against
one and the other in turns (the order flips every round), and the instance process's CPU time
(user + system, from psutil) is divided by the transactions. CPU per statement is what this
machine measures reliably while others share its cores; wall-clock TPS is printed too.

    PYTHONPATH=PP python bench/select_cpu_bench.py --baseline /tmp/base-pp
    PYTHONPATH=PP python bench/select_cpu_bench.py --baseline /tmp/base-pp --modes prepared -t 5000

Ends with one line per mode: RESULT mode=... base_us=... new_us=... ratio=... (medians).
Everything it started is stopped on exit, also on error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from aurora.engine import process
from aurora.engine.layout import Layout

ROOT = Path(__file__).resolve().parent.parent
PGBENCH = shutil.which("pgbench") or "pgbench"


class Side:
    """One writer instance: its AURORA_HOME, port, password and process."""

    def __init__(self, name: str, home: Path, pythonpath: str) -> None:
        self.name = name
        self.home = home
        self.env = {**os.environ, "PYTHONPATH": pythonpath, "AURORA_HOME": str(home),
                    "PGSSLMODE": "disable"}
        self.port = 0
        self.password = ""
        self.proc: psutil.Process | None = None

    def start(self) -> None:
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "aurora_instance.py"), "start", str(self.home)],
            env=self.env, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise SystemExit(f"{self.name}: the instance did not start: {out.stderr.strip()}")
        port, password_file = out.stdout.split()
        self.port = int(port)
        self.password = Path(password_file).read_text().strip()
        clusters = Layout(self.home).clusters_dir
        for pid_file in clusters.rglob("pid"):
            record = process.read_pid_file(pid_file.parent)
            if record is not None:
                self.proc = psutil.Process(record.pid)
        if self.proc is None:
            raise SystemExit(f"{self.name}: no instance pid file under {clusters}")

    def pgbench(self, *args: str) -> str:
        env = {**self.env, "PGPASSWORD": self.password}
        out = subprocess.run(
            [PGBENCH, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", *args, "postgres"],
            env=env, capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise SystemExit(f"{self.name}: pgbench {' '.join(args)} failed:\n{out.stderr}")
        return out.stdout

    def cpu(self) -> float:
        assert self.proc is not None
        t = self.proc.cpu_times()
        return t.user + t.system

    def stop(self) -> None:
        subprocess.run([sys.executable, str(ROOT / "bench" / "aurora_instance.py"), "stop",
                        str(self.home)], env=self.env, capture_output=True, timeout=120)


def measure(side: Side, mode: str, transactions: int) -> tuple[float, float]:
    """CPU microseconds of the instance per transaction, and the TPS pgbench reported."""
    before = side.cpu()
    out = side.pgbench("-S", "-n", "-M", mode, "-c", "1", "-t", str(transactions))
    used = side.cpu() - before
    tps = next((float(line.split()[2]) for line in out.splitlines() if line.startswith("tps = ")), 0.0)
    return used / transactions * 1e6, tps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="PYTHONPATH of the baseline code")
    ap.add_argument("--modes", default="prepared,extended,simple")
    ap.add_argument("-t", "--transactions", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="select-cpu-bench."))
    sides = [Side("base", work / "base", args.baseline),
             Side("new", work / "new", os.environ.get("PYTHONPATH", ""))]
    try:
        for side in sides:
            print(f"starting the {side.name} writer...", file=sys.stderr)
            side.start()
            side.pgbench("-i", "-q", "-s", str(args.scale))
            side.pgbench("-S", "-n", "-c", "1", "-t", "500")  # warm the buffer pool and caches
        modes = args.modes.split(",")
        us: dict[tuple[str, str], list[float]] = {}
        tps: dict[tuple[str, str], list[float]] = {}
        for r in range(args.rounds):
            for mode in modes:
                for side in sides if r % 2 == 0 else sides[::-1]:
                    cpu, rate = measure(side, mode, args.transactions)
                    us.setdefault((mode, side.name), []).append(cpu)
                    tps.setdefault((mode, side.name), []).append(rate)
                    print(f"round {r + 1} {mode:9} {side.name:5} {cpu:7.1f} us/txn  {rate:8.0f} tps",
                          file=sys.stderr)
                    time.sleep(0.2)
        print(f"{'mode':10} {'base us (range)':>24} {'new us (range)':>24} {'ratio':>6} "
              f"{'base tps':>9} {'new tps':>9}")
        results = []
        for mode in modes:
            b, n = us[(mode, "base")], us[(mode, "new")]
            ratio = statistics.median(n) / statistics.median(b)
            print(f"{mode:10} {statistics.median(b):8.1f} ({min(b):6.1f}-{max(b):6.1f})   "
                  f"{statistics.median(n):8.1f} ({min(n):6.1f}-{max(n):6.1f}) {ratio:6.2f} "
                  f"{statistics.median(tps[(mode, 'base')]):9.0f} {statistics.median(tps[(mode, 'new')]):9.0f}")
            results.append(f"RESULT mode={mode} base_us={statistics.median(b):.1f} "
                           f"new_us={statistics.median(n):.1f} ratio={ratio:.2f}")
        print("\n".join(results))
        return 0
    finally:
        for side in sides:
            side.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
