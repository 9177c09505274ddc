"""The MySQL server: accepts connections on the event loop, and serves each one in a thread.

MySQL's server speaks first and every exchange after that is one request and its answer, so a
connection is served start to end by one worker thread doing blocking I/O on its own socket:
the handshake, TLS (``SSLContext.wrap_socket``), authentication, the session factory and the
:class:`Backend` command loop. The event loop only accepts (or takes over a socket handed to
:meth:`MyServer.serve_socket`) and waits for the threads at :meth:`MyServer.stop`.
:class:`ServerThread` runs a server on a loop of its own for synchronous callers and tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable

from aurora.engine.errors import Conflict
from aurora.engine.loop import ServerThread  # noqa: F401 - re-exported
from aurora.engine.sqlapi import MySqlSession, SqlError

from . import protocol as p
from .auth import MyAuthenticator, new_scramble
from .backend import Admit, Backend, ClientGone, Packet
from .errors import (
    ER_CON_COUNT_ERROR,
    ER_NET_PACKET_TOO_LARGE,
    ER_NET_PACKETS_OUT_OF_ORDER,
    ER_NO_SUCH_THREAD,
    ER_UNKNOWN_ERROR,
    mysql_error,
    one_line,
)

log = logging.getLogger("aurora.mywire")

# ``factory(user, database, *, connection_id, found_rows)``; may raise SqlError (1049 unknown database).
SessionFactory = Callable[..., MySqlSession]

AUTH_TIMEOUT = 10.0  # MySQL's connect_timeout
READ_CHUNK = 256 * 1024


class MyServer:
    """A MySQL protocol server in front of ``session_factory(user, database, connection_id=,
    found_rows=)``.

    ``await start()`` listens on ``host:port`` (port 0 picks a free one; see :attr:`port`);
    ``await serve_socket(sock)`` serves one already-connected socket (an endpoint's
    hand-over); ``await stop()`` closes every connection (a running statement is cancelled)
    and waits for their threads. TLS is offered when ``ssl_context`` is set. ``admit`` wraps
    every statement (a serverless instance's capacity gate); above ``max_connections``
    sessions a client gets ERR 1040.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        auth: MyAuthenticator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        server_version: str = "8.0.32",
        admit: Admit | None = None,
        max_connections: int | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.auth = auth
        self.host = host
        self.requested_port = port
        self.ssl_context = ssl_context
        self.server_version = server_version
        self.admit = admit
        self.max_connections = max_connections  # None: no limit
        self.sessions_started = 0  # every session ever, so that short ones between two looks count
        self._listener: socket.socket | None = None
        self._accept_task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._connections: dict[int, Connection] = {}
        self._sessions = 0
        self._ids = itertools.count(1)
        self._questions_done = 0
        self._started_at = time.monotonic()
        self._stopping = False

    @property
    def port(self) -> int:
        assert self._listener is not None, "server not started"
        return self._listener.getsockname()[1]

    @property
    def connection_count(self) -> int:
        """Clients connected now (including those still authenticating)."""
        return len(self._connections)

    @property
    def session_count(self) -> int:
        """Clients past authentication: user sessions (a health probe never gets this far)."""
        return self._sessions

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            family, _, _, _, address = socket.getaddrinfo(
                self.host, self.requested_port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            listener = socket.socket(family, socket.SOCK_STREAM)
            try:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(address)
                listener.listen(512)
                listener.setblocking(False)
            except OSError:
                listener.close()
                raise
        except OSError as exc:
            raise Conflict(
                f"cannot listen on {self.host}:{self.requested_port}: {exc.strerror or exc}",
                hint="choose another port or stop the process that uses it",
            ) from exc
        self._listener = listener
        self._started_at = time.monotonic()
        self._accept_task = asyncio.create_task(self._accept_loop())

    async def serve_socket(self, sock: socket.socket) -> None:
        """Start serving a connected socket handed over by an endpoint (SCM_RIGHTS)."""
        self._loop = asyncio.get_running_loop()
        self._spawn(sock)

    async def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        if self._accept_task is not None:
            self._accept_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._accept_task
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            connections = list(self._connections.values())
        for conn in connections:
            conn.terminate()
        if connections:
            await asyncio.wait(
                [asyncio.ensure_future(c.finished.wait()) for c in connections], timeout=timeout
            )

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._listener is not None
        while True:
            try:
                sock, _ = await loop.sock_accept(self._listener)
            except (ConnectionError, InterruptedError):
                continue
            except OSError as exc:  # out of descriptors: wait for some to be closed
                log.warning("accepting a MySQL connection failed: %s", exc)
                await asyncio.sleep(0.1)
                continue
            self._spawn(sock)

    def _spawn(self, sock: socket.socket) -> None:
        if self._stopping:
            sock.close()
            return
        with contextlib.suppress(OSError):
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            conn = Connection(self, sock, next(self._ids) & 0xFFFFFFFF)
        except OSError as exc:  # out of descriptors (the dup): refuse this one, keep accepting
            log.warning("cannot serve a MySQL connection: %s", exc)
            sock.close()
            return
        with self._lock:
            self._connections[conn.id] = conn
        threading.Thread(
            target=self._run, args=(conn,), name=f"mywire-{conn.id}", daemon=True
        ).start()

    def _run(self, conn: Connection) -> None:
        try:
            conn.run()
        finally:
            with self._lock:
                self._connections.pop(conn.id, None)
                if conn.has_session:
                    self._sessions -= 1
                if conn.backend is not None:
                    self._questions_done += conn.backend.questions
            loop = self._loop
            if loop is not None:
                with contextlib.suppress(RuntimeError):  # the loop is gone
                    loop.call_soon_threadsafe(conn.finished.set)

    def _claim_session(self) -> None:
        with self._lock:
            limit = self.max_connections
            if limit is not None and self._sessions >= limit:
                raise SqlError("08004", "Too many connections", errno=ER_CON_COUNT_ERROR)
            self._sessions += 1

    def _release_session(self, started: bool) -> None:
        """After the session factory: count the session, or give its place back."""
        with self._lock:
            if started:
                self.sessions_started += 1
            else:
                self._sessions -= 1

    def kill(self, connection_id: int, query_only: bool) -> None:
        """``KILL [QUERY|CONNECTION] id``, from any connection's thread."""
        with self._lock:
            conn = self._connections.get(connection_id)
        if conn is None:
            raise SqlError("HY000", f"Unknown thread id: {connection_id}", errno=ER_NO_SUCH_THREAD)
        if query_only:
            conn.cancel()
        else:
            conn.terminate()

    def statistics(self) -> str:
        """COM_STATISTICS' one line, in mysqld's words."""
        with self._lock:
            live = [c.backend.questions for c in self._connections.values() if c.backend]
            questions = self._questions_done + sum(live)
            threads = len(self._connections)
        uptime = max(1, int(time.monotonic() - self._started_at))
        return (
            f"Uptime: {uptime}  Threads: {threads}  Questions: {questions}  "
            f"Slow queries: 0  Opens: 0  Flush tables: 1  Open tables: 0  "
            f"Queries per second avg: {questions / uptime:.3f}"
        )


class Connection:
    """One client, served in its own thread: handshake, TLS, authentication, then a Backend.

    It is also the :class:`AuthChannel` the authenticator talks through."""

    def __init__(self, server: MyServer, sock: socket.socket, connection_id: int) -> None:
        self.server = server
        self.id = connection_id
        self.finished = asyncio.Event()
        self.backend: Backend | None = None
        self.has_session = False
        self.tls = False
        self.capabilities = 0
        self.host = "localhost"
        with contextlib.suppress(OSError, IndexError, TypeError):
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                self.host = sock.getpeername()[0]
        self._sock: socket.socket = sock
        self._waker = sock.dup()  # shut down from other threads to wake this one
        self._seq = 0
        self._closing = False
        self._packets = p.PacketBuffer()

    # --- lifecycle (other threads) ----------------------------------------------------------

    def cancel(self) -> None:
        """KILL QUERY: interrupt the statement running now, if any."""
        backend = self.backend
        if backend is not None:
            try:
                backend.cancel()
            except Exception as exc:
                log.warning("session.cancel() failed: %s", exc)

    def terminate(self) -> None:
        """KILL CONNECTION or shutdown: cancel the statement and close the socket under it."""
        if self._closing:
            return
        self._closing = True
        self.cancel()
        with contextlib.suppress(OSError):
            self._waker.shutdown(socket.SHUT_RDWR)

    # --- the connection's thread ------------------------------------------------------------

    def run(self) -> None:
        session: MySqlSession | None = None
        try:
            session = self._start()
            if session is not None and not self._closing:
                self._serve(session)
        except p.ProtocolViolation as exc:
            log.info("MySQL connection %d from %s refused: %s", self.id, self.host, exc.message)
            self._error_quietly(exc.errno, exc.sqlstate, exc.message)
        except SqlError as err:
            self._error_quietly(*mysql_error(err), err.message)
        except (ClientGone, OSError, ssl.SSLError, ValueError) as exc:
            log.debug("MySQL connection %d ended: %s", self.id, exc)
        except Exception as exc:
            log.error("unexpected error on MySQL connection %d", self.id, exc_info=exc)
            if self.backend is None:
                self._error_quietly(ER_UNKNOWN_ERROR, "HY000", one_line(exc))
        finally:
            if session is not None:
                try:
                    session.close()
                except Exception as exc:
                    log.error("session.close() failed", exc_info=exc)
            for sock in (self._sock, self._waker):
                with contextlib.suppress(OSError):
                    sock.close()

    def _start(self) -> MySqlSession | None:
        """Handshake, TLS and authentication; then the session (ERR 1040/1049 refuse it)."""
        server = self.server
        self._sock.settimeout(AUTH_TIMEOUT)
        scramble = new_scramble()
        capabilities = p.SERVER_CAPABILITIES | (p.SSL if server.ssl_context else 0)
        self.send(
            p.handshake_v10(
                server.server_version,
                self.id,
                scramble,
                capabilities,
                p.STATUS_AUTOCOMMIT,
                server.auth.plugin,
            )
        )
        hello = p.parse_handshake_response(self.receive())
        if hello.ssl_request:
            if server.ssl_context is None:
                raise p.ProtocolViolation("SSL connection error: SSL is not enabled", 2026)
            self._sock = server.ssl_context.wrap_socket(self._sock, server_side=True)
            self.tls = True
            hello = p.parse_handshake_response(self.receive())
            if hello.ssl_request:
                raise p.ProtocolViolation("Malformed communication packet.")
        server.auth.authenticate(
            self,
            hello.user,
            hello.plugin if hello.capabilities & p.PLUGIN_AUTH else "",
            hello.auth_response,
            scramble,
        )
        if self._closing:
            return None
        self.capabilities = capabilities & hello.capabilities
        server._claim_session()
        try:
            session = server.session_factory(hello.user, hello.database, connection_id=self.id,
                                             found_rows=bool(self.capabilities & p.FOUND_ROWS))
        except BaseException:
            server._release_session(False)
            raise
        server._release_session(True)
        self.has_session = True
        return session

    def _serve(self, session: MySqlSession) -> None:
        self._sock.settimeout(None)
        self.backend = backend = Backend(
            session,
            self._receive_packet,
            self._send_bytes,
            self.capabilities,
            connection_id=self.id,
            admit=self.server.admit,
            kill=self.server.kill,
            statistics=self.server.statistics,
        )
        backend.welcome(self._seq)
        backend.run()

    # --- packets ----------------------------------------------------------------------------

    def _read_exact(self, n: int) -> bytes:
        """Exactly n bytes: before TLS no byte past the SSLRequest may be taken (the TLS
        handshake that follows it is already on the way)."""
        buf = bytearray()
        while len(buf) < n:
            chunk = self._sock.recv(n - len(buf))
            if not chunk:
                raise ClientGone
            buf += chunk
        return bytes(buf)

    def receive(self) -> bytes:
        """One packet during the handshake and authentication (64 KiB at most, in order)."""
        header = self._read_exact(4)
        length = int.from_bytes(header[:3], "little")
        if length > p.MAX_PREAUTH_PACKET:
            raise p.ProtocolViolation(
                "Got a packet bigger than 'max_allowed_packet' bytes", ER_NET_PACKET_TOO_LARGE
            )
        if header[3] != self._seq:
            raise p.ProtocolViolation("Got packets out of order", ER_NET_PACKETS_OUT_OF_ORDER)
        self._seq = (header[3] + 1) & 0xFF
        return self._read_exact(length)

    def send(self, payload: bytes) -> None:
        data, self._seq = p.frame(payload, self._seq)
        self._send_bytes(data)

    def _send_bytes(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except (OSError, ssl.SSLError, ValueError):
            raise ClientGone from None

    def _receive_packet(self) -> Packet | None:
        """The next command packet after authentication; None when the client has gone."""
        packets = self._packets
        while True:
            if packets.pending():
                packet = packets.next()
                if packet is not None:
                    return packet
            try:
                data = self._sock.recv(READ_CHUNK)
            except (OSError, ssl.SSLError, ValueError):
                return None
            if not data:
                return None
            # The usual command: one whole packet in one receive, nothing buffered before it
            n = len(data)
            if n > 4 and not packets.pending():
                length = data[0] | data[1] << 8 | data[2] << 16
                if length + 4 == n and length < p.MAX_CHUNK and length <= packets.limit:
                    return data[4:], data[3]
            packets.feed(data)

    def _error_quietly(self, errno: int, sqlstate: str, message: str) -> None:
        if self._closing:
            return
        with contextlib.suppress(ClientGone):
            self.send(p.err_packet(errno, sqlstate, message))
