"""Benchmark: the volume VFS (over MemoryPageStore) against stock SQLite with WAL on a file.

Both sides run through APSW in this process, one after the other, so the ratio is what counts
(this machine is shared). Small transactions: single-row autocommit INSERTs (commits/s).
Bulk: one transaction inserting many rows (rows/s). The baseline is a temporary file with
journal_mode=WAL, at synchronous=FULL (durable per commit) and NORMAL (SQLite's usual WAL
setting). The VFS's store is in memory: this measures the VFS and buffer pool, not storage.

    .venv/bin/python bench/vfs_bench.py [--commits N] [--rows N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable

import apsw

from aurora.engine.instance.vfs import VolumeVFS
from aurora.engine.storage.pagestore import MemoryPageStore

SCHEMA = "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)"
INDEX = "CREATE INDEX t_k ON t(k)"
THREADS = 4


def small_commits(conn: apsw.Connection, n: int) -> float:
    conn.execute(SCHEMA)
    started = time.perf_counter()
    for i in range(n):
        conn.execute("INSERT INTO t(k, v) VALUES (?, ?)", (i, f"payload-{i:08d}"))
    return n / (time.perf_counter() - started)


def bulk_insert(conn: apsw.Connection, n: int) -> float:
    conn.execute(SCHEMA)
    conn.execute(INDEX)
    rows = [(i * 7919 % n, f"row-{i:010d}") for i in range(n)]
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO t(k, v) VALUES (?, ?)", rows)
    return n / (time.perf_counter() - started)


def contended_increments(connect: Callable[[], apsw.Connection], n: int) -> float:
    """THREADS connections each run n/THREADS autocommit UPDATEs of one counter row."""
    setup = connect()
    setup.execute("CREATE TABLE counter(id INTEGER PRIMARY KEY, v INTEGER)")
    setup.execute("INSERT INTO counter VALUES (1, 0)")
    per_thread = n // THREADS
    conns = [connect() for _ in range(THREADS)]

    def work(conn: apsw.Connection) -> None:
        for _ in range(per_thread):
            conn.execute("UPDATE counter SET v = v + 1 WHERE id = 1")

    threads = [threading.Thread(target=work, args=(c,)) for c in conns]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = setup.execute("SELECT v FROM counter").fetchall()[0][0]
    if total != per_thread * THREADS:
        raise SystemExit(f"lost updates: counter is {total}, expected {per_thread * THREADS}")
    return total / elapsed


def on_vfs(run: Callable, n: int, *, threaded: bool = False) -> float:
    vfs = VolumeVFS(MemoryPageStore(), {"bench": 1}, pool_bytes=256 << 20)
    try:
        if threaded:
            return run(lambda: vfs.connect("bench"), n)
        return run(vfs.connect("bench"), n)
    finally:
        vfs.close()


def on_file(run: Callable, n: int, synchronous: str, *, threaded: bool = False) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.db")

        def connect() -> apsw.Connection:
            conn = apsw.Connection(path)
            conn.set_busy_timeout(30_000)
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            conn.execute(f"PRAGMA synchronous={synchronous}")
            return conn

        if threaded:
            return run(connect, n)
        return run(connect(), n)


def best_of(repeats: int, measure: Callable[[], float]) -> float:
    return max(measure() for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    vfs_commits = best_of(args.repeats, lambda: on_vfs(small_commits, args.commits))
    full_commits = best_of(args.repeats, lambda: on_file(small_commits, args.commits, "FULL"))
    normal_commits = best_of(args.repeats, lambda: on_file(small_commits, args.commits, "NORMAL"))
    vfs_contended = best_of(
        args.repeats, lambda: on_vfs(contended_increments, args.commits, threaded=True)
    )
    file_contended = best_of(
        args.repeats,
        lambda: on_file(contended_increments, args.commits, "NORMAL", threaded=True),
    )
    vfs_rows = best_of(args.repeats, lambda: on_vfs(bulk_insert, args.rows))
    file_rows = best_of(args.repeats, lambda: on_file(bulk_insert, args.rows, "NORMAL"))

    print(f"small commits ({args.commits} single-row autocommit INSERTs), commits/s:")
    print(f"  volume VFS (MemoryPageStore)        {vfs_commits:10.0f}")
    print(
        f"  SQLite WAL file, synchronous=FULL   {full_commits:10.0f}  ratio {vfs_commits / full_commits:.2f}"
    )
    print(
        f"  SQLite WAL file, synchronous=NORMAL {normal_commits:10.0f}  ratio {vfs_commits / normal_commits:.2f}"
    )
    print(f"contended increments ({THREADS} threads, one counter row, autocommit), commits/s:")
    print(f"  volume VFS (MemoryPageStore)        {vfs_contended:10.0f}")
    print(
        f"  SQLite WAL file, synchronous=NORMAL {file_contended:10.0f}"
        f"  ratio {vfs_contended / file_contended:.2f}"
    )
    print(f"bulk insert ({args.rows} rows, one transaction, indexed), rows/s:")
    print(f"  volume VFS (MemoryPageStore)        {vfs_rows:10.0f}")
    print(
        f"  SQLite WAL file, synchronous=NORMAL {file_rows:10.0f}  ratio {vfs_rows / file_rows:.2f}"
    )
    print(
        f"RESULT vfs_commits_per_s={vfs_commits:.0f} wal_full_commits_per_s={full_commits:.0f} "
        f"wal_normal_commits_per_s={normal_commits:.0f} "
        f"commit_ratio_full={vfs_commits / full_commits:.2f} "
        f"commit_ratio_normal={vfs_commits / normal_commits:.2f} "
        f"vfs_contended_per_s={vfs_contended:.0f} wal_contended_per_s={file_contended:.0f} "
        f"contended_ratio={vfs_contended / file_contended:.2f} "
        f"vfs_rows_per_s={vfs_rows:.0f} wal_rows_per_s={file_rows:.0f} "
        f"bulk_ratio={vfs_rows / file_rows:.2f}"
    )


if __name__ == "__main__":
    main()
