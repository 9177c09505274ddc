"""Self-healing speed: how fast a replacement storage node copies a lost node's segments.

Starts a six-node fleet in a temporary AURORA_HOME, writes a volume of ``--mb`` MiB (default
100) through the volume client, kills one node, replaces it (as aurorad does after its
repair threshold) and times until the new node's copy of every segment is current. The
baseline, in the same run, is a plain copy of the lost node's log files with fsync.
Ends with ``RESULT key=value ...``.

    python bench/repair_bench.py [--mb 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from aurora.engine.layout import Layout
from aurora.engine.loop import asyncio_run
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet
from aurora.engine.storage.repair import copies_current, replace_node
from aurora.engine.storage.volume import NodePool, Volume

PAGE = 4096


async def fill(catalog: Catalog, mib: int) -> None:
    vol = Volume(catalog, catalog.new_volume(), NodePool())
    await vol.open_writer()
    pages = mib * 1024 * 1024 // PAGE
    body = os.urandom(PAGE)
    for start in range(0, pages, 256):  # 1 MiB commits
        await vol.commit({(0, i): body for i in range(start, min(pages, start + 256))})
    await vol.close()
    vol.pool.close()


def copy_baseline(src: Path, dst: Path) -> float:
    started = time.perf_counter()
    shutil.copytree(src, dst)
    for f in dst.rglob("*"):
        if f.is_file():
            fd = os.open(f, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
    return time.perf_counter() - started


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=int, default=100, help="volume size in MiB")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="aurora-repair-") as tmp:
        layout = Layout(Path(tmp) / "home")
        fleet = Fleet(layout, "bench-1")
        fleet.create()
        try:
            catalog = Catalog(layout, "bench-1")
            t = time.perf_counter()
            asyncio_run(fill(catalog, args.mb))
            fill_s = time.perf_counter() - t
            lost = fleet.layout.node_dir("bench-1", "sn-b1")
            lost_bytes = sum(f.stat().st_size for f in (lost / "redo").glob("*.log"))
            fleet.stop_node("sn-b1")
            baseline_s = copy_baseline(lost / "redo", Path(tmp) / "baseline-copy")
            started = time.perf_counter()
            replacement = replace_node(fleet, "sn-b1")
            while True:
                done, total = copies_current(fleet, replacement.new)
                if total and done == total:
                    break
                if time.perf_counter() - started > 600:
                    print("the replacement did not finish in 10 minutes", file=sys.stderr)
                    return 1
                time.sleep(0.1)
            repair_s = time.perf_counter() - started
        finally:
            fleet.stop()
    mb = lost_bytes / 1024 / 1024
    print(f"volume {args.mb} MiB written in {fill_s:.1f}s; lost node held {mb:.1f} MiB in "
          f"{replacement.protection_groups} protection groups")
    print(f"{'':>12} {'seconds':>8} {'MiB/s':>8}")
    print(f"{'repair':>12} {repair_s:>8.2f} {mb / repair_s:>8.1f}")
    print(f"{'plain copy':>12} {baseline_s:>8.2f} {mb / baseline_s:>8.1f}")
    print(f"RESULT repair_s={repair_s:.2f} repair_mb_per_s={mb / repair_s:.1f} copy_mb_per_s={mb / baseline_s:.1f} "
          f"repair_ratio={baseline_s / repair_s:.3f} volume_mb={args.mb} protection_groups={replacement.protection_groups}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
