"""Start or stop an aurora writer on a six-node fleet in a given AURORA_HOME, for benchmarks.

    python bench/aurora_instance.py start HOME   # prints "PORT PASSWORD_FILE" when serving
    python bench/aurora_instance.py start HOME --engine mysql --database sbtest  # user admin
    python bench/aurora_instance.py stop HOME    # stops the instance and the fleet started there

``stop`` only stops processes whose pid files lie under HOME (those ``start`` made), and is
safe to run when ``start`` failed half way. As under aurorad, the writer keeps its threads to
one CPU and the storage nodes keep off it (``AURORA_INSTANCE_CPU=off`` turns both off).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from aurora.engine import process
from aurora.engine.errors import AuroraError
from aurora.engine.instance.runner import InstanceProcess, free_port
from aurora.engine.layout import DEFAULT_REGION, Layout
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet

CLUSTER = "bench"
PASSWORD = "bench-password"


def start(home: Path, pool_mib: int, engine: str = "postgres", database: str | None = None) -> int:
    home.mkdir(parents=True, exist_ok=True)
    os.environ["AURORA_HOME"] = str(home)
    layout = Layout(home)
    Fleet(layout, DEFAULT_REGION).create()
    volume = Catalog(layout, DEFAULT_REGION).new_volume().name
    password_file = layout.password_file(CLUSTER)
    password_file.parent.mkdir(parents=True, exist_ok=True)
    password_file.write_text(PASSWORD + "\n")
    writer = InstanceProcess(
        layout, CLUSTER, f"{CLUSTER}-instance-1", "writer", volume, free_port(),
        layout.replication_socket(layout.instance_dir(CLUSTER, f"{CLUSTER}-instance-1")),
        password_file, extra_args=["--pool-mib", str(pool_mib)], engine=engine,
        user="admin" if engine == "mysql" else "postgres",
        database=database or ("" if engine == "mysql" else "postgres"),
    )
    writer.start(timeout=60)
    # What aurorad does once a second (Supervision.place_storage_nodes): the storage nodes
    # keep off the CPU the writer keeps its threads to.
    cpu = process.kept_cpu(writer.record.pid) if writer.record else None
    nodes = [n.pid for n in Fleet(layout, DEFAULT_REGION).status() if n.up and n.pid]
    process.keep_off_cpus(nodes, {cpu} if cpu is not None else set())
    print(writer.port, password_file)
    return 0


def stop(home: Path) -> int:
    """Stop every process with a pid file under ``home``: instances first, then the fleet."""
    layout = Layout(home)
    records = []
    for pid_file in sorted(home.rglob("pid")):
        record = process.read_pid_file(pid_file.parent)
        if record is not None:
            records.append((0 if layout.clusters_dir in pid_file.parents else 1, record))
    for _order, record in sorted(records, key=lambda r: r[0]):
        process.stop(record)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("action", choices=("start", "stop"))
    p.add_argument("home", type=Path)
    p.add_argument("--pool-mib", type=int, default=256, help="buffer pool of the writer")
    p.add_argument("--engine", choices=("postgres", "mysql"), default="postgres")
    p.add_argument("--database", default=None, help="the initial database (default: postgres; none for mysql)")
    args = p.parse_args(argv)
    try:
        if args.action == "stop":
            return stop(args.home)
        return start(args.home, args.pool_mib, args.engine, args.database)
    except AuroraError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
