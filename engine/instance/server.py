"""A database instance process: ``python -m aurora.engine.instance.server --dir D ...``.

Compute only: SQLite (APSW) on a VFS whose pages live in the cluster's volume, behind the
PostgreSQL wire protocol, or for a MySQL cluster (``--engine mysql``) the MySQL protocol and
dialect, which run on the same PostgreSQL SQL sessions underneath. A writer opens the volume for writing (fencing any older writer)
and streams its committed batches to the readers; a reader opens it read-only and follows
that stream. Connections arrive on the instance's own port, or are handed over by aurorad
from an endpoint through the instance's hand-off socket. aurorad asks the rest through the
instance's control socket (:data:`CONTROL`, over :mod:`aurora.engine.rpc`): ``status``,
``promote``, and ``follow``, which tells a reader where the writer streams now (it never
reads the cluster's metadata). The instance writes ``status.json`` in its folder twice a
second for aurorad and the dashboard. Paths come from :mod:`aurora.engine.layout`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from aurora.engine import errors, process, rpc
from aurora.engine.instance import aurora_functions, ml_functions
from aurora.engine.instance.capacity import Capacity, pool_bytes
from aurora.engine.instance.databases import REGISTRY, Databases
from aurora.engine.instance.replication import Broadcaster, Follower
from aurora.engine.instance.vfs import VolumeVFS
from aurora.engine.layout import (
    Layout,
    clear_status,
    unix_socket_path,
    write_status,
    write_status_soon,
)
from aurora.engine.loop import asyncio_run
from aurora.engine.metrics.activity import Activity, CountingSession
from aurora.engine.metrics.names import metrics_enabled
from aurora.engine.pgwire.auth import ScramAuthenticator, make_scram_verifier
from aurora.engine.pgwire.server import PgServer
from aurora.engine.pgwire.tls import ensure_self_signed, server_ssl_context
from aurora.engine.sql.session import Session
from aurora.engine.sqlapi import SqlError
from aurora.engine.storage.catalog import Catalog, parse_volume_name
from aurora.engine.storage.pagestore import VolumePageStore

log = logging.getLogger("aurora.instance")


class Instance:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.dir: Path = args.dir
        self.role: str = args.role
        self.read_only = args.role != "writer"
        self.layout = Layout.from_env()
        self.store: VolumePageStore | None = None
        self.vfs: VolumeVFS | None = None
        self.databases = Databases()
        self.server: Any = None  # PgServer, or MyServer for a MySQL cluster
        self.engine: str = args.engine
        self.broadcaster: Broadcaster | None = None
        self.follower: Follower | None = None
        self.ready = False
        self.started = time.time()
        self.fenced = asyncio.Event()
        self._handoff_server: socket.socket | None = None
        self._follow_task: asyncio.Task | None = None
        self._control_server: asyncio.Server | None = None
        # where the writer streams its commits: told by aurorad (follow), or given at start
        self.writer_socket: Path | None = (args.replication_socket if args.writer_socket is None
                                           else Path(args.writer_socket) if args.writer_socket else None)
        self._tasks: list[asyncio.Task] = []
        self._sessions_before = 0  # sessions of the servers a promotion replaced
        self.activity = Activity(metrics_enabled())  # counters for aurorad's metrics, kept across a promotion
        # a serverless instance's capacity (ACUs); None for a provisioned one
        self.capacity: Capacity | None = None
        if args.acu is not None:
            self.capacity = Capacity(args.acu, args.max_acu, on_change=self._resize_pool)

    # --- start-up -------------------------------------------------------------------------
    async def start(self) -> None:
        await self._open_data()
        await self._open_server()
        self._start_handoff()
        self._start_control()
        self._tasks.append(asyncio.create_task(self._status_loop()))
        self.ready = True
        self._write_status()
        log.info("instance %s (%s, AZ %s) ready on port %d, read point %d", self.args.id, self.role,
                 self.args.az, self.args.port, self.store.read_point())  # type: ignore[union-attr]

    async def _open_data(self) -> None:
        """Open the volume (as writer or reader), the VFS over it and the database registry."""
        catalog = Catalog(self.layout, self.args.region)
        meta = catalog.load_volume(parse_volume_name(self.args.volume))
        self.store = await asyncio.to_thread(
            VolumePageStore.open, catalog, meta, writer=not self.read_only, az=self.args.az)
        if not self.read_only:
            # The stream runs on the volume's loop, where the store tells its listeners of
            # each durable commit: publishing from there wakes no other thread. (A hop to
            # this loop woke the main thread twice per sysbench read-write transaction, and
            # each wake takes the interpreter lock from a session thread.)
            broadcaster = self.broadcaster = Broadcaster(self.args.replication_socket)
            broadcaster.vdl = self.store.read_point()
            await self.store.on_loop(broadcaster.start())
            self.store.subscribe(lambda lsn, pages: broadcaster.publish(lsn, time.time(), pages))
            if self.activity.enabled:
                self.store.subscribe(self.activity.written)
        self.databases = Databases()
        pool = (self.args.pool_mib * 1024 * 1024 if self.capacity is None
                else pool_bytes(self.capacity.acu))
        self.vfs = VolumeVFS(self.store, self.databases.file_of, read_only=self.read_only, pool_bytes=pool)
        registry = self.vfs.connect(REGISTRY)
        # PostgreSQL's maintenance database, or MySQL's `mysql` (used underneath while a MySQL
        # client has no database selected)
        system = "mysql" if self.engine == "mysql" else "postgres"
        initial = [system] + ([self.args.database] if self.args.database not in ("", system) else [])
        await asyncio.to_thread(self.databases.attach, registry, self.read_only, initial)
        if self.read_only:
            self.follower = Follower(self._writer_replication_socket, self._apply, self._resync)
            self._follow_task = asyncio.create_task(self.follower.run())

    async def _open_server(self) -> None:
        password = Path(self.args.password_file).read_text().strip()
        cert, key = Layout.tls_files(self.dir)
        ensure_self_signed(cert, key)
        if self.engine == "mysql":
            from aurora.engine.mywire import MyAuthenticator, MyServer

            self.server = MyServer(
                self._mysql_session, MyAuthenticator({self.args.user: password}),
                host="127.0.0.1", port=self.args.port, ssl_context=server_ssl_context(cert, key),
                admit=None if self.capacity is None else self.capacity.admit,
                max_connections=None if self.capacity is None else self.capacity.max_connections,
            )
            await self.server.start()
            return
        auth = ScramAuthenticator({self.args.user: make_scram_verifier(password)})
        self.server = PgServer(
            self._session, auth, host="127.0.0.1", port=self.args.port,
            ssl_context=server_ssl_context(cert, key), tls_certificate_pem=cert.read_text(),
            pass_startup=True,
            admit=None if self.capacity is None else self.capacity.admit,
            max_connections=None if self.capacity is None else self.capacity.max_connections,
        )
        await self.server.start()

    async def _close_data(self) -> None:
        if self._follow_task is not None:
            self._follow_task.cancel()
            self._follow_task = None
            self.follower = None
        if self.broadcaster is not None:
            if self.store is not None:
                await self.store.on_loop(self.broadcaster.stop())
            self.broadcaster = None
        if self.vfs is not None:
            self.vfs.close()
            self.vfs = None
        if self.store is not None:
            await asyncio.to_thread(self.store.close)
            self.store = None

    async def promote(self) -> dict[str, Any]:
        """Become the writer (failover): every connection is dropped, as in Aurora; the volume
        is opened for writing, which fences the old writer through the epoch."""
        if not self.read_only:
            return {"role": self.role, "read_lsn": self.store.read_point() if self.store else None}
        started = time.monotonic()
        self.ready = False
        self._write_status()
        if self.server is not None:
            await self.server.stop(timeout=1.0)
            self._sessions_before += self.server.sessions_started
            self.server = None
        await self._close_data()
        self.read_only = False
        self.role = "writer"
        await self._open_data()
        await self._open_server()
        self.ready = True
        self._write_status()
        took = time.monotonic() - started
        log.info("promoted to writer in %.3fs at read point %d", took, self.store.read_point())  # type: ignore[union-attr]
        return {"role": self.role, "read_lsn": self.store.read_point(), "seconds": took}  # type: ignore[union-attr]

    # --- control socket (aurorad asks: status, promote, follow) -------------------------------
    def _start_control(self) -> None:
        server = rpc.Server(CONTROL, self, f"instance {self.args.id}", log,
                            log_file=Layout.log_file(self.dir), threads=False)

        async def serve() -> None:
            # keep the Server referenced: once collected, its socket would close
            self._control_server = await server.start(Layout.instance_control_socket(self.dir))

        self._tasks.append(asyncio.create_task(serve()))

    def follow(self, socket: str | None) -> dict[str, Any]:
        """aurorad tells a reader where the writer streams its commits now (after a failover);
        the follower connects there on its next attempt."""
        new = Path(socket) if socket else None
        if new != self.writer_socket:
            log.info("the writer streams on %s now", new)
            self.writer_socket = new
        return {"writer_socket": socket}

    # --- serverless capacity (aurorad's scaler sets it every second) ---------------------------
    def set_capacity(self, acu: float, max_acu: float) -> dict[str, Any]:
        """Change this serverless instance's capacity now: CPU share, concurrency, buffer pool
        and max_connections (which follows max_acu). Statements under way are not paused."""
        if self.capacity is None:
            raise errors.UsageError(f"instance {self.args.id} is not serverless")
        self.capacity.set(acu, max_acu)
        if self.server is not None:
            self.server.max_connections = self.capacity.max_connections
        return self.capacity.sample()

    def _resize_pool(self, acu: float) -> None:
        if self.vfs is not None:
            self.vfs.pool.resize(pool_bytes(acu))

    def _session(self, user: str, database: str, *, settings: dict[str, str] | None = None,
                 backend_pid: int | None = None) -> Session:
        assert self.vfs is not None
        if self.capacity is not None:
            settings = {**(settings or {}), "max_connections": str(self.capacity.max_connections)}
        if database == REGISTRY or self.databases.lookup(database) is None:
            raise SqlError("3D000", f'database "{database}" does not exist')
        conn = self.vfs.connect(database)
        aurora_functions.register(conn, self.layout, self.args.cluster)
        session = CountingSession(
            conn, activity=self.activity, user=user, database=database, read_only=self.read_only,
            create_database=None if self.read_only else self.databases.create,
            drop_database=None if self.read_only else self.databases.drop,
            list_databases=self.databases.names, settings=settings,
            instance_id=self.args.id, backend_pid=backend_pid, data_version=self.vfs.read_lsn,
            read_snapshot=self.vfs.read_snapshot(conn),
        )
        ml_functions.register(conn, session, self.layout, self.args.cluster)
        return session

    def _mysql_session(self, user: str, database: str | None, *, connection_id: int,
                       found_rows: bool = False) -> Any:
        """A MySQL client's session: MySQL's dialect over a PostgreSQL session of the database
        it uses (``USE`` opens another)."""
        from aurora.engine.sql.mysql import MySqlSession

        def open_session(name: str) -> Session:
            return self._session(user, name, backend_pid=connection_id)

        return MySqlSession(
            open_session, user=user, database=database or None, connection_id=connection_id,
            instance_id=self.args.id, read_only=self.read_only, list_databases=self.databases.names,
            replica_status=lambda: aurora_functions.replica_status_rows(self.layout, self.args.cluster),
            found_rows=found_rows,
        )

    # --- reader: following the writer -------------------------------------------------------
    def _writer_replication_socket(self) -> Path | None:
        """The current writer's replication socket, as aurorad last said (see follow)."""
        return None if not self.read_only else self.writer_socket

    def _apply(self, lsn: int, pages: list[tuple[int, int]], tips: list[list[int]] | None = None) -> None:
        assert self.store is not None
        self.store.apply_commit(lsn, pages, tips)

    def _resync(self) -> None:
        """(Re)joined the stream: learn the durable point from storage and drop the cache."""
        assert self.store is not None and self.vfs is not None
        self.store._call(self.store.volume.refresh())
        self.vfs.pool.invalidate()
        self.databases.refresh()

    # --- hand-over of endpoint connections ----------------------------------------------------
    def _start_handoff(self) -> None:
        path = Layout.handoff_socket(self.dir)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(unix_socket_path(path))
        os.chmod(path, 0o600)
        srv.listen(8)
        srv.setblocking(False)
        self._handoff_server = srv
        asyncio.get_running_loop().add_reader(srv.fileno(), self._handoff_accept)

    def _handoff_accept(self) -> None:
        assert self._handoff_server is not None
        loop = asyncio.get_running_loop()
        try:
            conn, _ = self._handoff_server.accept()
        except (BlockingIOError, InterruptedError):
            return
        conn.setblocking(False)
        loop.add_reader(conn.fileno(), self._handoff_receive, conn)

    def _handoff_receive(self, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                msg, fds, _flags, _addr = socket.recv_fds(conn, 64, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                msg, fds = b"", []
            if not msg and not fds:
                loop.remove_reader(conn.fileno())
                conn.close()
                return
            for fd in fds:
                client = socket.socket(fileno=fd)
                client.setblocking(False)
                if self.server is None or not self.ready:
                    client.close()
                    continue
                task = asyncio.ensure_future(self.server.serve_socket(client))
                self._tasks.append(task)
                task.add_done_callback(self._tasks.remove)

    # --- status ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        store = self.store
        follower = self.follower
        return {
            "id": self.args.id, "role": self.role, "az": self.args.az, "pid": os.getpid(),
            "ready": self.ready, "started": self.started, "port": self.args.port,
            "read_lsn": store.read_point() if store else None,
            "connections": self.server.connection_count if self.server else 0,
            "sessions": self.server.session_count if self.server else 0,
            "sessions_started": self._sessions_started(),
            "lag_ms": None if follower is None else follower.last_lag_ms,
            "lag_p99_ms": None if follower is None else follower.lag_p99_ms(),
            "following": None if follower is None else follower.connected,
            "readers_following": self.broadcaster.readers if self.broadcaster else None,
            "commits": store.volume.stats["commits"] if store else 0,
            "capacity": self._capacity_sample(),
            "activity": self._activity_sample(),
            "writer_socket": str(self.writer_socket) if self.read_only and self.writer_socket else None,
            "time": time.time(),
        }

    def _sessions_started(self) -> int:
        """Sessions since the process started (a promotion's new server counts on from there)."""
        if self.server is not None:
            return self._sessions_before + self.server.sessions_started
        return self._sessions_before

    def _activity_sample(self) -> dict[str, float]:
        """Counters for aurorad's metrics: statements, commits' time, page reads and writes, pool hits."""
        sample = self.activity.snapshot()
        if self.store is not None:
            sample["volume_reads"] = self.store.volume.stats["reads"]
        if self.vfs is not None:
            pool = self.vfs.pool.stats(count_versions=False)
            sample.update(pool_hits=pool.hits, pool_misses=pool.misses)
        return sample

    def _capacity_sample(self) -> dict[str, Any] | None:
        """A serverless instance's capacity, gate counters and buffer pool counters."""
        if self.capacity is None:
            return None
        sample = self.capacity.sample()
        if self.vfs is not None:
            pool = self.vfs.pool.stats(count_versions=False)
            sample.update(pool_hits=pool.hits, pool_misses=pool.misses, pool_evictions=pool.evictions,
                          pool_bytes=pool.bytes, pool_capacity_bytes=pool.capacity_bytes)
        return sample

    def _write_status(self) -> None:
        write_status(self.dir, self.status())

    async def _status_loop(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            try:
                await write_status_soon(self.dir, self.status())
            except OSError as e:
                log.warning("cannot write status: %s", e)

    async def stop(self) -> None:
        self.ready = False
        for t in list(self._tasks):
            t.cancel()
        if self.server is not None:
            await self.server.stop()
        await self._close_data()
        clear_status(self.dir)


CONTROL = rpc.Registry([
    rpc.Operation("status", Instance.status),
    rpc.Operation("promote", Instance.promote),
    rpc.Operation("follow", Instance.follow),
    rpc.Operation("set_capacity", Instance.set_capacity),
])
"""What aurorad may ask an instance, on its control socket."""


async def run(args: argparse.Namespace) -> int:
    inst = Instance(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await inst.start()
    except (errors.AuroraError, SqlError, OSError) as e:
        log.critical("cannot start: %s", e)
        with contextlib.suppress(Exception):
            await inst.stop()
        return 1
    await stop.wait()
    await inst.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m aurora.engine.instance.server",
                                description="Run one aurora database instance.")
    p.add_argument("--dir", required=True, type=Path)
    p.add_argument("--cluster", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--role", choices=("writer", "reader"), required=True)
    p.add_argument("--az", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--region", required=True)
    p.add_argument("--volume", required=True)
    p.add_argument("--replication-socket", type=Path, required=True,
                   help="where this instance streams its commits while it is the writer (a reader "
                        "without --writer-socket follows the writer there)")
    p.add_argument("--writer-socket", default=None,
                   help="a reader: where the writer streams its commits now (aurorad's follow "
                        "operation changes it on failover); "" for none")
    p.add_argument("--user", required=True)
    p.add_argument("--database", required=True)
    p.add_argument("--password-file", required=True)
    p.add_argument("--engine", choices=("postgres", "mysql"), default="postgres",
                   help="the protocol and SQL dialect clients speak")
    p.add_argument("--pool-mib", type=int, default=64, help="buffer pool size (a provisioned instance)")
    p.add_argument("--acu", type=float, default=None,
                   help="serverless: the capacity to start with, in ACUs (engine/instance/capacity.py)")
    p.add_argument("--max-acu", type=float, default=None, help="serverless: the maximum capacity")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {args.id} %(levelname)s %(message)s")
    # Before any thread starts: the threads take turns at one interpreter lock, which costs
    # far less when they take them on one CPU (process.keep_to_one_cpu).
    cpu = process.keep_to_one_cpu(f"{args.cluster}/{args.id}", quiet=args.role == "writer")
    if cpu is not None:
        log.info("threads kept to CPU %d", cpu)
    return asyncio_run(run(args))


if __name__ == "__main__":
    sys.exit(main())
