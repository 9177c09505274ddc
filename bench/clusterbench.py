"""What the cluster benchmarks share: a throw-away AURORA_HOME that runs `aurora` commands and
always cleans up, stock PostgreSQL as a baseline, polling with a deadline, and percentiles.

The benchmark scripts beside it import it (Python puts bench/ on sys.path when running
``.venv/bin/python bench/X.py``). Cleanup runs on success, on error, on Ctrl-C and on SIGTERM:
``aurora delete NAME --yes`` for each cluster, ``aurora daemon stop``, then SIGKILL by PID
for anything left whose command line or environment names this AURORA_HOME.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import psutil
import psycopg

from aurora.engine import process
from aurora.engine.layout import Layout

T = TypeVar("T")
AURORA = [str(Path(sys.executable).with_name("aurora"))]
if not Path(AURORA[0]).exists():
    AURORA = [sys.executable, "-m", "aurora.cli"]


class CommandFailed(RuntimeError):
    pass


def _raise_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so that ``finally`` blocks (the cleanup) run."""
    def handler(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


class AuroraHome:
    """A fresh temporary AURORA_HOME; ``aurora`` commands run in it; ``close`` removes every trace."""

    def __init__(self, prefix: str = "aurora-bench-") -> None:
        _raise_on_sigterm()
        self.tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("BENCH_DIR")))
        self.home = self.tmp / "home"
        self.home.mkdir()
        self.layout = Layout(self.home)
        self.env = {**os.environ, "AURORA_HOME": str(self.home)}
        self.clusters: list[str] = []

    def __enter__(self) -> AuroraHome:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one `aurora` command --------------------------------------------------------------
    def run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        r = subprocess.run([*AURORA, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise CommandFailed(f"aurora {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
        return r

    def json(self, *args: str, timeout: float = 120) -> Any:
        return json.loads(self.run(*args, "--json", timeout=timeout).stdout)

    def create(self, name: str, replicas: int) -> Any:
        self.clusters.append(name)
        return self.json("create", name, "--replicas", str(replicas), timeout=180)

    # --- what a cluster looks like ----------------------------------------------------------
    def describe(self, name: str) -> Any:
        return self.json("describe", name)

    def writer_id(self, name: str) -> str | None:
        return next((i["id"] for i in self.describe(name)["instances"]
                     if i["role"] == "writer" and i["status"] == "available"), None)

    def healthy(self, name: str, instances: int) -> bool:
        """Every instance available, and exactly one writer."""
        d = self.describe(name)
        inst = d["instances"]
        return (len(inst) == instances and all(i["status"] == "available" for i in inst)
                and sum(i["role"] == "writer" for i in inst) == 1)

    def status_file(self, cluster: str, instance: str) -> dict[str, Any]:
        path = self.layout.instance_status_file(self.layout.instance_dir(cluster, instance))
        try:
            return json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def events(self, name: str) -> list[dict[str, Any]]:
        return self.json("events", name)

    @property
    def daemon_log(self) -> Path:
        return Layout.log_file(self.layout.daemon_dir)

    # --- cleanup --------------------------------------------------------------------------
    def close(self) -> None:
        # Ctrl-C twice must not leave processes behind: ignore it while cleaning up.
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for name in self.clusters:
                with contextlib.suppress(Exception):
                    self.run("delete", name, "--yes", check=False, timeout=60)
            with contextlib.suppress(Exception):
                self.run("daemon", "stop", check=False, timeout=30)
            kill_processes_of(self.home)
            if os.environ.get("BENCH_KEEP"):
                print(f"(kept {self.tmp})", file=sys.stderr)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, old)


def kill_processes_of(home: Path) -> list[int]:
    """SIGKILL (after SIGCONT, for frozen ones) every process whose command line contains
    ``home`` or whose AURORA_HOME is ``home``; returns their PIDs."""
    me = os.getpid()
    killed = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.pid == me:
            continue
        try:
            mine = any(str(home) in part for part in proc.info.get("cmdline") or [])
            if not mine:
                mine = proc.environ().get("AURORA_HOME") == str(home)
            if mine and proc.status() != psutil.STATUS_ZOMBIE:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
                killed.append(proc.pid)
        except psutil.Error:
            continue
    return killed


def cpu_seconds(*roots: Path) -> float:
    """CPU seconds (user and system) of every live process with a pid file below ``roots``
    (an AURORA_HOME, a region's or a cluster's folder)."""
    total = 0.0
    for root in roots:
        for pid_file in root.rglob("pid"):
            record = process.read_pid_file(pid_file.parent)
            if record is not None and record.alive():
                try:
                    t = psutil.Process(record.pid).cpu_times()
                except psutil.Error:
                    continue
                total += t.user + t.system
    return total


# --- stock PostgreSQL, the baseline -----------------------------------------------------------
def pg_bindir() -> Path | None:
    dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                  if p.parent.name.isdigit() else 0, reverse=True)
    return next((d for d in dirs if (d / "initdb").exists() and (d / "pg_ctl").exists()), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def stock_postgres(bindir: Path) -> Iterator[str]:
    """initdb a temporary data directory, start PostgreSQL on a free port, yield its URI;
    stopped (immediate) and removed afterwards. Runs the server as 'postgres' when root."""
    _raise_on_sigterm()
    tmp = Path(tempfile.mkdtemp(prefix="aurora-bench-pg-", dir=os.environ.get("BENCH_DIR")))
    os.chmod(tmp, 0o755)
    data = tmp / "data"
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        shutil.chown(tmp, "postgres")
    port = free_port()
    started = False
    try:
        subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                        "--no-sync"], check=True, capture_output=True)
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-o",
                        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1", "start"],
                       check=True, capture_output=True)
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if started:
                subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                "stop"], capture_output=True)
            kill_processes_of(tmp)
            shutil.rmtree(tmp, ignore_errors=True)
        finally:
            signal.signal(signal.SIGINT, old)


# --- small tools ------------------------------------------------------------------------------
def poll(check: Callable[[], T], timeout: float, what: str, interval: float = 0.01) -> T:
    """Call ``check`` until it returns something true; errors count as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (psycopg.Error, CommandFailed, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def sql(uri: str, query: str, params: tuple = (), timeout: float = 10) -> list[tuple]:
    with psycopg.connect(uri, autocommit=True, connect_timeout=timeout) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def percentile(xs: list[float], p: float) -> float:
    """Nearest-rank percentile, p in [0, 100]."""
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return s[k]


def run_main(main: Callable[[], int]) -> None:
    """Exit with ``main()``'s status; Ctrl-C (after the cleanup has run) exits 130 quietly."""
    try:
        status = main()
    except KeyboardInterrupt:
        print("Interrupted; everything this benchmark started has been stopped.", file=sys.stderr)
        status = 130
    sys.exit(status)


def result_line(values: dict[str, Any]) -> str:
    def fmt(v: Any) -> str:
        return f"{v:.3f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)

    return "RESULT " + " ".join(f"{k}={fmt(v)}" for k, v in values.items())
