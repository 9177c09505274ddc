"""Start, stop and inspect one instance process, the same verbs as the storage fleet's.

For callers that run instances without aurorad: integration tests and benchmarks. The
instance's folder holds its pid file, log, ``status.json`` and TLS certificate; it is ready
once ``status.json`` says so and its port answers (engine/probe.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aurora.engine import process
from aurora.engine.layout import Layout, clear_status, ensure_private_dir, read_status
from aurora.engine.probe import answers
from aurora.engine.storage.fleet import free_port

INSTANCE_MODULE = process.INSTANCE_MODULE
__all__ = ["InstanceProcess", "answers", "free_port"]


@dataclass
class InstanceProcess:
    """One instance of a cluster: its folder, role, ports and the volume it serves."""

    layout: Layout
    cluster: str
    id: str
    role: str
    volume: str
    port: int
    replication_socket: Path  # the writer's: Layout.replication_socket of its folder
    password_file: Path
    az: str = "a"
    region: str = "local-1"
    user: str = "postgres"
    database: str = "postgres"
    engine: str = "postgres"
    extra_args: list[str] = field(default_factory=list)
    record: process.ProcessRecord | None = None

    @property
    def dir(self) -> Path:
        return self.layout.instance_dir(self.cluster, self.id)

    @property
    def log_file(self) -> Path:
        return Layout.log_file(self.dir)

    def start(self, timeout: float = 30.0) -> None:
        """Spawn the process and wait until it serves."""
        folder = ensure_private_dir(self.dir)
        clear_status(folder)
        args = [
            "--dir", str(folder), "--cluster", self.cluster, "--id", self.id, "--role", self.role,
            "--az", self.az, "--port", str(self.port), "--region", self.region,
            "--volume", self.volume, "--replication-socket", str(self.replication_socket),
            "--user", self.user, "--database", self.database,
            "--password-file", str(self.password_file), "--engine", self.engine, *self.extra_args,
        ]
        self.record = process.spawn(INSTANCE_MODULE, args, folder,
                                    env={"AURORA_HOME": str(self.layout.home)})
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 30.0) -> None:
        record = self.record
        process.wait_until(
            lambda: bool(self.status().get("ready")) and answers(self.port, engine=self.engine),
            timeout, f"instance {self.id} on port {self.port}", interval=0.05,
            alive=record.alive if record else None, log_file=self.log_file,
        )

    def status(self) -> dict[str, Any]:
        return read_status(self.dir)

    def alive(self) -> bool:
        return self.record is not None and self.record.alive()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL; returns when the process is gone."""
        if self.record is not None:
            process.stop(self.record)

    def kill(self) -> None:
        """SIGKILL, as a crash would, and wait until the process is gone."""
        record = self.record
        if record is not None:
            process.kill(record)
            process.wait_until(lambda: not record.alive(), 5.0, f"instance {self.id} to die")
