"""The on-disk layout under AURORA_HOME: the only module that builds paths.

Every process has a folder with its pid file, log file and data; metadata is TOML written
atomically. ``AURORA_HOME`` overrides the default ``~/.local/share/aurora``.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import tempfile
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

if TYPE_CHECKING:
    import asyncio

DEFAULT_REGION = "local-1"


def default_home() -> Path:
    env = os.environ.get("AURORA_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "aurora"


@dataclass(frozen=True)
class Layout:
    """Paths of one AURORA_HOME."""

    home: Path

    @classmethod
    def from_env(cls) -> Layout:
        return cls(default_home())

    # --- regions and their storage fleet ---------------------------------------------------
    @property
    def regions_dir(self) -> Path:
        return self.home / "regions"

    def region_dir(self, region: str) -> Path:
        return self.regions_dir / region

    def fleet_file(self, region: str) -> Path:
        return self.region_dir(region) / "fleet.toml"

    def node_dir(self, region: str, node_id: str) -> Path:
        return self.region_dir(region) / "nodes" / node_id

    def node_socket(self, region: str, node_id: str) -> Path:
        """Where a storage node listens: a Unix socket in its private folder."""
        return self.peer_node_socket(self.node_dir(region, node_id), node_id)

    @staticmethod
    def peer_node_socket(node_dir: Path, peer_id: str) -> Path:
        """The socket of node ``peer_id`` of the same region, seen from a node's folder:
        a node finds its peers without knowing AURORA_HOME or the region's name."""
        return node_dir.parent / peer_id / "node.sock"

    @staticmethod
    def node_log_dir(node_dir: Path) -> Path:
        """A storage node's redo log: numbered chunk files of checksummed records."""
        return node_dir / "redo"

    # --- volumes ---------------------------------------------------------------------------
    def volumes_dir(self, region: str) -> Path:
        return self.region_dir(region) / "volumes"

    def volume_file(self, region: str, volume_id: str) -> Path:
        return self.volumes_dir(region) / f"{volume_id}.toml"

    # --- the control plane -----------------------------------------------------------------
    @property
    def daemon_dir(self) -> Path:
        return self.home / "aurorad"

    @property
    def control_socket(self) -> Path:
        return self.daemon_dir / "control.sock"

    @property
    def forkserver_dir(self) -> Path:
        """The fork server aurorad starts its storage nodes and instances from."""
        return self.daemon_dir / "forkserver"

    @property
    def forkserver_socket(self) -> Path:
        return self.forkserver_dir / "forkserver.sock"

    @property
    def events_file(self) -> Path:
        return self.daemon_dir / "events.jsonl"

    # --- clusters and their instances --------------------------------------------------------
    @property
    def clusters_dir(self) -> Path:
        return self.home / "clusters"

    def cluster_dir(self, cluster: str) -> Path:
        return self.clusters_dir / cluster

    def cluster_file(self, cluster: str) -> Path:
        return self.cluster_metadata(self.cluster_dir(cluster))

    @staticmethod
    def cluster_metadata(cluster_dir: Path) -> Path:
        return cluster_dir / "cluster.toml"

    def password_file(self, cluster: str) -> Path:
        return self.cluster_dir(cluster) / "password"

    def instances_dir(self, cluster: str) -> Path:
        return self.cluster_dir(cluster) / "instances"

    def instance_dir(self, cluster: str, instance: str) -> Path:
        return self.instances_dir(cluster) / instance

    @staticmethod
    def instance_control_socket(instance_dir: Path) -> Path:
        return instance_dir / "control.sock"

    @staticmethod
    def handoff_socket(instance_dir: Path) -> Path:
        """Where an instance receives the connections its endpoints accepted (SCM_RIGHTS)."""
        return instance_dir / "handoff.sock"

    @staticmethod
    def tls_files(instance_dir: Path) -> tuple[Path, Path]:
        """An instance's self-signed certificate and its key."""
        return instance_dir / "server.crt", instance_dir / "server.key"

    @staticmethod
    def instance_status_file(instance_dir: Path) -> Path:
        return instance_dir / "status.json"

    @staticmethod
    def replication_socket(instance_dir: Path) -> Path:
        """Where an instance streams its commits to the readers while it is the writer."""
        return instance_dir / "replication.sock"

    def replicator_dir(self, cluster: str) -> Path:
        """A global database's secondary cluster: the process that replicates the primary
        volume's redo into its volume, and streams its commits to the cluster's readers."""
        return self.cluster_dir(cluster) / "replicator"

    def backup_process_dir(self, cluster: str) -> Path:
        """The process that streams a cluster volume's redo to the backup store."""
        return self.cluster_dir(cluster) / "backup"

    @property
    def backup_store_dir(self) -> Path:
        """The default backup store (AURORA_BACKUP_DIR, else under the home): outside every
        storage node, so that losing a region's fleet loses no backup."""
        env = os.environ.get("AURORA_BACKUP_DIR")
        return Path(env) if env else self.home / "backups"

    # --- global databases --------------------------------------------------------------------
    @property
    def globals_dir(self) -> Path:
        return self.home / "globals"

    def global_file(self, name: str) -> Path:
        return self.globals_dir / f"{name}.toml"

    # --- metrics ------------------------------------------------------------------------------
    @property
    def metrics_dir(self) -> Path:
        """The metrics store (engine/metrics/store.py): one SQLite file."""
        return self.home / "metrics"

    # --- machine learning ---------------------------------------------------------------------
    @property
    def ml_dir(self) -> Path:
        """The ML service's endpoints, models and cluster roles (engine/ml)."""
        return self.home / "ml"

    @property
    def ml_service_dir(self) -> Path:
        """The ML service process: pid, log, socket."""
        return self.ml_dir / "service"

    @property
    def ml_socket(self) -> Path:
        return self.ml_service_dir / "ml.sock"

    # --- per-process files -----------------------------------------------------------------
    @staticmethod
    def pid_file(process_dir: Path) -> Path:
        return process_dir / "pid"

    @staticmethod
    def log_file(process_dir: Path) -> Path:
        return process_dir / "process.log"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if missing and make it ours alone (0700): internal
    Unix sockets live in such folders, so the kernel keeps other users from reaching them."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = path.stat()
    if st.st_mode & 0o077 and st.st_uid == os.geteuid():
        os.chmod(path, 0o700)
    return path


def write_toml(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            tomli_w.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if missing) across processes, for a
    read-modify-write of metadata that several processes change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


_status_lock = threading.Lock()
_status_seq = itertools.count(1)
_status_done: dict[Path, int] = {}  # per status file: the newest write (or removal) made
_status_thread: Any = None  # a concurrent.futures.ThreadPoolExecutor once needed


def write_status(process_dir: Path, status: dict[str, Any], seq: int = 0) -> None:
    """Replace a process's ``status.json`` at once: aurorad reads it at any moment.

    Writes are ordered by ``seq`` (taken when the status was made; now when 0): a write made
    before the file's last write or removal is dropped, so a status handed to the writer
    thread (:func:`write_status_soon`) never replaces a newer one."""
    seq = seq or next(_status_seq)
    path = Layout.instance_status_file(process_dir)
    with _status_lock:
        if _status_done.get(path, 0) > seq:
            return
        _status_done[path] = seq
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(status))
        os.replace(tmp, path)


def write_status_soon(process_dir: Path, status: dict[str, Any]) -> asyncio.Future[None]:
    """:func:`write_status` in a thread of its own, for an event loop's periodic status: a
    file write and rename take 1-2 ms, and 20-35 ms when the disk is busy (the storage
    nodes' fdatasyncs), which the loop would otherwise stand still for."""
    import asyncio  # not at the top: the CLI imports this module and starts without asyncio
    import concurrent.futures

    global _status_thread
    seq = next(_status_seq)
    if _status_thread is None:
        _status_thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="status")
    return asyncio.get_running_loop().run_in_executor(_status_thread, write_status, process_dir, status, seq)


def read_status(process_dir: Path) -> dict[str, Any]:
    """A process's last ``status.json``; {} when there is none (stopped, starting)."""
    try:
        return json.loads(Layout.instance_status_file(process_dir).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def clear_status(process_dir: Path) -> None:
    """Remove a process's status (before it starts, or as it stops)."""
    path = Layout.instance_status_file(process_dir)
    with _status_lock:
        _status_done[path] = next(_status_seq)
        path.unlink(missing_ok=True)


def read_toml(path: Path) -> dict[str, Any]:
    with open(path, "rb") as f:
        return tomllib.load(f)


_dir_fds: dict[Path, int] = {}
_dir_fds_lock = threading.Lock()


def unix_socket_path(path: Path) -> str:
    """A path to bind or connect a Unix socket at ``path``, short enough for the kernel.

    sun_path holds 107 bytes; a deep AURORA_HOME (a test's temporary folder) can be longer.
    Then the folder is opened once and the socket is named through /proc/self/fd.
    """
    text = str(path)
    if len(text.encode()) < 100:
        return text
    folder = path.parent
    with _dir_fds_lock:
        fd = _dir_fds.get(folder)
        if fd is not None:
            # The folder may have been renamed away and made again (a replaced storage
            # node's id can come back): an fd kept from before would name the old folder.
            # The old fd stays open: another thread may still be connecting through it.
            try:
                now, kept = os.stat(folder), os.fstat(fd)
                if (now.st_dev, now.st_ino) != (kept.st_dev, kept.st_ino):
                    fd = None
            except FileNotFoundError:
                fd = None
        if fd is None:
            fd = _dir_fds[folder] = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    return f"/proc/self/fd/{fd}/{path.name}"
