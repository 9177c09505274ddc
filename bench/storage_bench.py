"""Commit latency and throughput of a six-node volume against one local fsync.

Starts a real fleet (six storage node processes) in a temporary AURORA_HOME, commits
batches of 1 to 8 pages from 1 and from 8 concurrent writers, and does the same with
write + fdatasync to one local file as the baseline, in the same run. Also measures the CPU
time each commit costs, in the six node processes and in the writer (the bench's own
process), which the noise of a shared machine moves far less than wall-clock figures.
Prints a table and ends with one line ``RESULT key=value ...``.

    python bench/storage_bench.py [--seconds 3] [--pages 1,4,8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from aurora.engine.layout import Layout
from aurora.engine.loop import asyncio_run
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet
from aurora.engine.storage.volume import NodePool, Volume

PAGE = 4096


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000


async def volume_run(vol: Volume, pages: int, writers: int, seconds: float) -> tuple[list[float], int]:
    lat: list[float] = []
    stop = time.perf_counter() + seconds
    body = os.urandom(PAGE)

    async def writer(w: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            batch = {(0, (w * 64 + n * pages + i) % 4096): body for i in range(pages)}
            t = time.perf_counter()
            await vol.commit(batch)
            lat.append(time.perf_counter() - t)
            n += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    return lat, int(len(lat) / (time.perf_counter() - t0))


class CpuMeter:
    """CPU seconds (user + system) spent by the node processes and by this process."""

    def __init__(self, fleet: Fleet) -> None:
        self.nodes = [psutil.Process(r.pid) for r in (fleet.record(n) for n in fleet.nodes()) if r is not None]

    def read(self) -> tuple[float, float]:
        nodes = 0.0
        for p in self.nodes:
            t = p.cpu_times()
            nodes += t.user + t.system
        own = resource.getrusage(resource.RUSAGE_SELF)
        return nodes, own.ru_utime + own.ru_stime


def fsync_run(folder: Path, pages: int, writers: int, seconds: float) -> tuple[list[float], int]:
    """The baseline: each commit appends its pages to one file and fdatasyncs it."""
    path = folder / "baseline.dat"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    body = os.urandom(PAGE) * pages
    lat: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def writer() -> None:
        mine = []
        while time.perf_counter() < stop:
            t = time.perf_counter()
            os.write(fd, body)
            os.fdatasync(fd)
            mine.append(time.perf_counter() - t)
        with lock:
            lat.extend(mine)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rate = int(len(lat) / (time.perf_counter() - t0))
    os.close(fd)
    path.unlink()
    return lat, rate


async def main_async(args: argparse.Namespace, layout: Layout, folder: Path) -> dict[str, float]:
    fleet = Fleet(layout, "bench-1")
    try:
        fleet.create()
        catalog = Catalog(layout, "bench-1")
        vol = Volume(catalog, catalog.new_volume(), NodePool())
        await vol.open_writer()
        await volume_run(vol, 1, 1, 0.5)  # warm up: connections, protection groups
        meter = CpuMeter(fleet)
        rows = []
        for writers in (1, 8):
            for pages in args.pages:
                n0, c0 = meter.read()
                lat, rate = await volume_run(vol, pages, writers, args.seconds)
                n1, c1 = meter.read()
                cpu = ((n1 - n0) / len(lat) * 1e6, (c1 - c0) / len(lat) * 1e6)
                flat, frate = fsync_run(folder, pages, writers, args.seconds)
                rows.append((writers, pages, lat, rate, flat, frate, cpu))
        await vol.close()
    finally:
        fleet.stop()
    print(f"{'writers':>7} {'pages':>5} | {'commits/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'bytes/commit':>12} |"
          f" {'fsync/s':>8} {'p50 ms':>7} {'p99 ms':>7} | {'lat x':>6} {'tput x':>6} |"
          f" {'node us':>7} {'writer us':>9}")
    for writers, pages, lat, rate, flat, frate, cpu in rows:
        print(f"{writers:>7} {pages:>5} | {rate:>9} {pct(lat, .5):>7.3f} {pct(lat, .99):>7.3f} "
              f"{pages * (PAGE + 84) * 6:>12} | {frate:>8} {pct(flat, .5):>7.3f} {pct(flat, .99):>7.3f} |"
              f" {pct(lat, .5) / pct(flat, .5):>6.2f} {rate / frate:>6.2f} | {cpu[0]:>7.0f} {cpu[1]:>9.0f}")
    print("node us / writer us: CPU microseconds per commit in the six node processes together / in the writer")
    one = next(r for r in rows if r[0] == 1 and r[1] == 1)
    many = [r for r in rows if r[0] == 8]
    best = max(many, key=lambda r: r[3])
    return {
        "commit_p50_ms": round(pct(one[2], .5), 3),
        "commit_p99_ms": round(pct(one[2], .99), 3),
        "fsync_p50_ms": round(pct(one[4], .5), 3),
        "latency_ratio": round(pct(one[2], .5) / pct(one[4], .5), 2),
        "commits_per_s": best[3],
        "fsync_commits_per_s": best[5],
        "throughput_ratio": round(best[3] / best[5], 2),
        "bytes_per_commit": (PAGE + 84) * 6,
        "mean_commit_ms_8w": round(statistics.mean(best[2]) * 1000, 3),
        "node_cpu_us_1w": round(one[6][0]),
        "writer_cpu_us_1w": round(one[6][1]),
        "node_cpu_us_8w": round(best[6][0]),
        "writer_cpu_us_8w": round(best[6][1]),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    p.add_argument("--pages", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 8])
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="aurora-bench-", dir=os.environ.get("BENCH_DIR")) as tmp:
        home = Path(tmp) / "home"
        result = asyncio_run(main_async(args, Layout(home), Path(tmp)))
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
