"""Integration fixtures for instances: a six-node fleet, a writer and a reader on one volume.

Real processes on free 127.0.0.1 ports in a temporary AURORA_HOME. Waiting is by polling
with a deadline; teardown stops everything it started, by pid, also when a test failed.
Import the fixture into a test module: ``from instance_support import cluster_fixture``;
tests then take an argument named ``cluster``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psutil
import pytest

from aurora.engine import process
from aurora.engine.instance.runner import InstanceProcess, free_port
from aurora.engine.layout import DEFAULT_REGION, Layout
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet

T = TypeVar("T")
PASSWORD = "s3cret-pw"
CLUSTER = "it"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def pg_tool(name: str) -> str:
    """psql / pgbench: from PATH, else from the PostgreSQL 15 folder."""
    found = shutil.which(name) or (str(PG_BIN / name) if (PG_BIN / name).exists() else None)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def poll(check: Callable[[], T], timeout: float = 15.0, what: str = "condition") -> T:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)


@dataclass
class Cluster:
    layout: Layout
    fleet: Fleet
    writer: InstanceProcess
    reader: InstanceProcess
    password: str = PASSWORD

    def dsn(self, inst: InstanceProcess | None = None, **extra: str) -> str:
        inst = inst or self.writer
        opts = {"host": "127.0.0.1", "port": str(inst.port), "user": "postgres",
                "dbname": "postgres", "password": self.password, "sslmode": "disable", **extra}
        return " ".join(f"{k}={v}" for k, v in opts.items())

    def url(self, inst: InstanceProcess | None = None, driver: str = "postgresql") -> str:
        inst = inst or self.writer
        return f"{driver}://postgres:{self.password}@127.0.0.1:{inst.port}/postgres"

    def run(self, tool: str, *args: str, inst: InstanceProcess | None = None,
            timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run psql or pgbench against an instance; returns the completed process."""
        inst = inst or self.writer
        env = {**os.environ, "PGPASSWORD": self.password, "PGSSLMODE": "disable",
               "PGCONNECT_TIMEOUT": "10"}
        cmd = [pg_tool(tool), "-h", "127.0.0.1", "-p", str(inst.port), "-U", "postgres", *args]
        if tool == "psql":
            cmd += ["-X", "-v", "ON_ERROR_STOP=1", "-d", "postgres"]
        else:
            cmd.append("postgres")
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"{tool} {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done


def start_cluster(home: Path) -> Cluster:
    """Fleet, volume, writer and reader in ``home``; the caller must :func:`stop_cluster`."""
    layout = Layout(home)
    fleet = Fleet(layout, DEFAULT_REGION, node_args=["--gossip-interval", "0.2"])
    fleet.create()
    volume = Catalog(layout, DEFAULT_REGION).new_volume().name
    password_file = layout.password_file(CLUSTER)
    password_file.parent.mkdir(parents=True, exist_ok=True)
    password_file.write_text(PASSWORD + "\n")
    replication_socket = layout.replication_socket(layout.instance_dir(CLUSTER, f"{CLUSTER}-1"))
    writer = InstanceProcess(layout, CLUSTER, f"{CLUSTER}-1", "writer", volume, free_port(),
                             replication_socket, password_file, az="a")
    reader = InstanceProcess(layout, CLUSTER, f"{CLUSTER}-2", "reader", volume, free_port(),
                             replication_socket, password_file, az="b")
    cluster = Cluster(layout, fleet, writer, reader)
    try:
        writer.start()
        reader.start()
        poll(lambda: reader.status().get("following"), 15, "the reader to follow the writer")
    except BaseException:
        stop_cluster(cluster)
        raise
    return cluster


def stop_cluster(cluster: Cluster) -> None:
    """Stop the instances, then the fleet; then SIGKILL anything left with a pid file here."""
    for inst in (cluster.reader, cluster.writer):
        with contextlib.suppress(Exception):
            inst.stop()
    with contextlib.suppress(Exception):
        cluster.fleet.stop()
    for pid_file in cluster.layout.home.rglob("pid"):
        record = process.read_pid_file(pid_file.parent)
        if record is not None and record.alive():
            with contextlib.suppress(ProcessLookupError, psutil.Error):
                psutil.Process(record.pid).send_signal(signal.SIGCONT)
                os.kill(record.pid, signal.SIGKILL)


@pytest.fixture(scope="module", name="cluster")
def cluster_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One fleet, writer and reader shared by the tests of a module."""
    home = tmp_path_factory.mktemp("aurora-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AURORA_HOME", str(home))
        c = start_cluster(home)
        try:
            yield c
        finally:
            stop_cluster(c)


def dump_logs(c: Cluster) -> str:
    """The instances' logs, for assertion messages."""
    out = []
    for inst in (c.writer, c.reader):
        with contextlib.suppress(OSError):
            out.append(f"--- {inst.id}\n{inst.log_file.read_text()[-4000:]}")
    return "\n".join(out)
