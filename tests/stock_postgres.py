"""Stock PostgreSQL on a temporary data directory and a free port, for differential tests.

The server binaries come from Debian's ``postgresql`` package (``scripts/setup`` installs it
when missing). PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` user that package creates. :func:`stock_postgres` stops the server, also when the
test fails.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

from aurora.engine.storage.fleet import free_port


def pg_bindir() -> str | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    return None


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextlib.contextmanager
def stock_postgres() -> Iterator[str]:
    """Start stock PostgreSQL; yield a libpq connection string for it."""
    bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError(
            "stock PostgreSQL is not installed (initdb under /usr/lib/postgresql/*/bin): "
            "run ./scripts/setup"
        )
    work = tempfile.mkdtemp(prefix="aurora-stock-pg-")
    os.chmod(work, 0o755)
    data = os.path.join(work, "data")
    os.mkdir(data)
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        shutil.chown(data, "postgres")
    port = free_port()
    started = False
    try:
        subprocess.run(
            _as_server_user([f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                             "--no-sync"]),
            check=True, capture_output=True, timeout=120,
        )
        subprocess.run(
            _as_server_user([f"{bindir}/pg_ctl", "-D", data, "-l", f"{work}/server.log", "-w",
                             "-t", "60", "-o",
                             f"-p {port} -k {work} -c listen_addresses=127.0.0.1 -c fsync=off",
                             "start"]),
            check=True, capture_output=True, timeout=120,
        )
        started = True
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable"
    finally:
        if started:
            subprocess.run(
                _as_server_user([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]),
                capture_output=True, timeout=60,
            )
        shutil.rmtree(work, ignore_errors=True)
