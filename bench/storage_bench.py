"""Commit latency and throughput of a six-node volume against one local fsync.

Starts a real fleet (six storage node processes) in a temporary AURORA_HOME, commits
batches of 1 to 8 pages from 1 and from 8 concurrent writers, and does the same with
write + fdatasync to one local file as the baseline, in the same run. Also measures the CPU
time each commit costs, in the six node processes and in the writer (the bench's own
process), which the noise of a shared machine moves far less than wall-clock figures, and
the floor this disk sets for a 4-of-6 commit: six processes that do nothing but write one
record in place and fdatasync their own file, started together, timed to the fourth that
finishes (``quorum_floor_ms``; every software cost of a commit is what lies above it).
Prints a table and ends with one line ``RESULT key=value ...``.

    python bench/storage_bench.py [--seconds 3] [--pages 1,4,8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import selectors
import statistics
import subprocess
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


FLOOR_CHILD = """
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
size = 8 << 20
os.write(fd, bytes(size)); os.fsync(fd)
record = os.urandom(int(sys.argv[2]))
offset = 0
out = sys.stdout.buffer
out.write(b"r"); out.flush()
while sys.stdin.buffer.read(1) == b"g":
    os.pwrite(fd, record, offset)
    offset = (offset + len(record)) % (size - len(record))
    os.fdatasync(fd)
    out.write(b"d"); out.flush()
"""


def quorum_floor(folder: Path, rounds: int, nodes: int = 6, quorum: int = 4) -> list[float]:
    """What the disk alone allows a 4-of-6 commit: ``nodes`` processes each write one record
    in place and fdatasync their own pre-zeroed file (as a storage node does, with no
    protocol, no Python work and no event loop), all started at once; each round's time is
    when the ``quorum``-th of them is done. Six fdatasyncs on one disk do not run side by
    side: the figure is several times one alone."""
    children = [subprocess.Popen([sys.executable, "-c", FLOOR_CHILD, str(folder / f"floor-{i}.dat"),
                                  str(PAGE + 84)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
                for i in range(nodes)]
    sel = selectors.DefaultSelector()
    try:
        for c in children:
            assert c.stdout is not None
            if c.stdout.read(1) != b"r":
                raise RuntimeError("a floor process did not start")
            sel.register(c.stdout, selectors.EVENT_READ)
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            for c in children:
                assert c.stdin is not None
                c.stdin.write(b"g")
                c.stdin.flush()
            done = 0
            quorum_at = 0.0
            while done < nodes:
                for key, _ in sel.select():
                    key.fileobj.read(1)  # type: ignore[union-attr]
                    done += 1
                    if done == quorum:
                        quorum_at = time.perf_counter() - t
            times.append(quorum_at)
        return times
    finally:
        sel.close()
        for c in children:
            with contextlib.suppress(OSError):
                c.stdin.close()  # type: ignore[union-attr]
        for c in children:
            c.wait(10)
            c.stdout.close()  # type: ignore[union-attr]
        for i in range(nodes):
            (folder / f"floor-{i}.dat").unlink(missing_ok=True)


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
    floor = quorum_floor(folder, max(200, int(args.seconds * 500)))
    print(f"{'writers':>7} {'pages':>5} | {'commits/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'bytes/commit':>12} |"
          f" {'fsync/s':>8} {'p50 ms':>7} {'p99 ms':>7} | {'lat x':>6} {'tput x':>6} |"
          f" {'node us':>7} {'writer us':>9}")
    for writers, pages, lat, rate, flat, frate, cpu in rows:
        print(f"{writers:>7} {pages:>5} | {rate:>9} {pct(lat, .5):>7.3f} {pct(lat, .99):>7.3f} "
              f"{pages * (PAGE + 84) * 6:>12} | {frate:>8} {pct(flat, .5):>7.3f} {pct(flat, .99):>7.3f} |"
              f" {pct(lat, .5) / pct(flat, .5):>6.2f} {rate / frate:>6.2f} | {cpu[0]:>7.0f} {cpu[1]:>9.0f}")
    print("node us / writer us: CPU microseconds per commit in the six node processes together / in the writer")
    one = next(r for r in rows if r[0] == 1 and r[1] == 1)
    print(f"quorum floor (6 bare write+fdatasync processes on this disk, the 4th done): p50 {pct(floor, .5):.3f} ms,"
          f" {pct(floor, .5) / pct(one[4], .5):.2f}x one fdatasync; a 1-page commit is"
          f" {pct(one[2], .5) / pct(floor, .5):.2f}x the floor")
    many = [r for r in rows if r[0] == 8]
    best = max(many, key=lambda r: r[3])
    return {
        "commit_p50_ms": round(pct(one[2], .5), 3),
        "commit_p99_ms": round(pct(one[2], .99), 3),
        "fsync_p50_ms": round(pct(one[4], .5), 3),
        "latency_ratio": round(pct(one[2], .5) / pct(one[4], .5), 2),
        "quorum_floor_ms": round(pct(floor, .5), 3),
        "floor_ratio": round(pct(floor, .5) / pct(one[4], .5), 2),
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
    if 1 not in args.pages or min(args.pages) < 1:
        p.error("--pages takes page counts of at least 1, with 1 among them (the summary's commit)")
    with tempfile.TemporaryDirectory(prefix="aurora-bench-", dir=os.environ.get("BENCH_DIR")) as tmp:
        home = Path(tmp) / "home"
        result = asyncio_run(main_async(args, Layout(home), Path(tmp)))
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
