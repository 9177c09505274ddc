"""Bulk load: ``COPY`` of ``--mb`` MiB (default 100) in one transaction, aurora against stock
PostgreSQL in the same run, with the writer instance's peak memory.

``aurora create bulk`` in a throw-away AURORA_HOME (six storage nodes, one writer); psycopg
connects to the writer instance's own port and runs ``BEGIN``, ``COPY t FROM STDIN`` of rows
``id<TAB>500 characters`` generated on the fly (5,000 rows a write), ``COMMIT``, then checks
``count(*)``. The time is from BEGIN to COMMIT's answer. The writer's peak RSS is its
``VmHWM`` (Linux) read after the load; its RSS before the load is reported too, so the growth
a transaction of this size costs is ``peak - before``. The baseline, in the same run, is the
same COPY on stock PostgreSQL with its default settings (skipped when it is not installed).

    .venv/bin/python bench/bulk_load_bench.py [--mb 100] [--no-baseline]

Ends with ``RESULT aurora_s=... pg_s=... ratio=... aurora_peak_rss_mb=... ...``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import psycopg
from clusterbench import AuroraHome, pg_bindir, result_line, run_main, stock_postgres

PAD = "x" * 500
ROW_BYTES = len(f"1000000\t{PAD}\n")
BLOCK = 5_000


def rss_mb(pid: int, field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def load(uri: str, rows: int) -> tuple[float, float]:
    """Seconds for BEGIN, COPY of ``rows`` rows, COMMIT, and of those the COMMIT's; checks
    the count afterwards."""
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bulk")
        conn.execute("CREATE TABLE bulk (id int, pad text)")
        started = time.monotonic()
        conn.execute("BEGIN")
        with conn.cursor() as cur, cur.copy("COPY bulk (id, pad) FROM STDIN") as cp:
            for start in range(0, rows, BLOCK):
                cp.write("".join(f"{i}\t{PAD}\n" for i in range(start, min(rows, start + BLOCK))))
        committing = time.monotonic()
        conn.execute("COMMIT")
        done = time.monotonic()
        count = conn.execute("SELECT count(*) FROM bulk").fetchone()
        if count != (rows,):
            raise RuntimeError(f"expected {rows} rows after the load, found {count}")
        return done - started, done - committing


def writer_uri(h: AuroraHome, name: str) -> tuple[str, int]:
    """The URI of the writer instance's own port (no endpoint in between), and its pid."""
    d = h.describe(name)
    writer = next(i for i in d["instances"] if i["role"] == "writer")
    uri = next(e["uri"] for e in d["endpoints"]["instances"] if e["id"] == writer["id"])
    return uri, writer["pid"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mb", type=int, default=100, help="size of the COPY's data in MiB")
    p.add_argument("--no-baseline", action="store_true", help="skip stock PostgreSQL")
    args = p.parse_args()
    rows = args.mb * 2**20 // ROW_BYTES
    baseline = not args.no_baseline and pg_bindir() is not None
    result: dict[str, object] = {"mb": args.mb, "rows": rows}
    with AuroraHome() as h:
        h.create("bulk", replicas=0)
        uri, pid = writer_uri(h, "bulk")
        before = rss_mb(pid, "VmRSS")
        aurora_s, aurora_commit_s = load(uri, rows)
        peak = rss_mb(pid, "VmHWM")
        after = rss_mb(pid, "VmRSS")
    print(f"aurora: {args.mb} MiB ({rows} rows) in one transaction in {aurora_s:.2f} s "
          f"({args.mb / aurora_s:.1f} MiB/s; COMMIT {aurora_commit_s:.2f} s); writer RSS before {before:.0f} MiB, peak {peak:.0f} MiB, "
          f"after {after:.0f} MiB; growth {peak - before:.0f} MiB = {(peak - before) / args.mb:.2f}x the data")
    result |= {"aurora_s": round(aurora_s, 2), "aurora_commit_s": round(aurora_commit_s, 2),
               "aurora_peak_rss_mb": round(peak),
               "aurora_rss_before_mb": round(before), "rss_growth_per_mb": round((peak - before) / args.mb, 2)}
    if baseline:
        with stock_postgres(pg_bindir()) as pg_uri:
            pg_s, pg_commit_s = load(pg_uri, rows)
        print(f"stock PostgreSQL: {pg_s:.2f} s ({args.mb / pg_s:.1f} MiB/s; COMMIT {pg_commit_s:.2f} s)")
        result |= {"pg_s": round(pg_s, 2), "ratio": round(aurora_s / pg_s, 2)}
    print(result_line(result))
    return 0


if __name__ == "__main__":
    run_main(main)
