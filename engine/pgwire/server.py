"""The asyncio PostgreSQL server: accepts connections, runs start-up and authentication, and
hands each authenticated connection to a :class:`Backend` in the connection's own worker thread.

The event loop only moves bytes: it reads and splits frames, queues them for the worker, and
writes what the worker flushes. A connection skips even that once it is authenticated: its
worker reads and writes the socket itself (:class:`_DirectIO`), which saves two thread
hand-offs and a loop turn per round trip. For TLS the worker takes the TLS state with the
socket: it lives in an ``SSLObject`` of our own (:class:`_TlsStream`), not inside the
loop's transport, so encryption runs in the worker too. Start-up (SSLRequest,
GSSENCRequest, CancelRequest, StartupMessage) and authentication run on the loop because
they touch no session. An instance starts a :class:`PgServer` on its loop;
:class:`ServerThread` runs one on a loop of its own for synchronous callers and tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import hmac
import itertools
import logging
import os
import queue
import secrets
import select
import socket
import ssl
import threading
from collections.abc import Callable, Mapping

from aurora.engine.errors import Conflict
from aurora.engine.loop import ServerThread  # noqa: F401 - re-exported
from aurora.engine.sqlapi import SqlError, SqlSession

from . import protocol as p
from .auth import AuthenticationFailed, Authenticator
from .backend import Admit, Backend, Batch, one_line

log = logging.getLogger("aurora.pgwire")

# ``factory(user, database)``; with ``PgServer(pass_startup=True)`` also the keyword
# arguments ``settings`` (dict[str, str]) and ``backend_pid`` (int).
SessionFactory = Callable[..., SqlSession]

SERVER_VERSION = "16.6"
AUTH_TIMEOUT = 60.0
READ_CHUNK = 256 * 1024
TLS_RECORD = 16 * 1024  # the most plaintext one TLS record carries
LOOP_LOCK_WAIT = 0.05  # seconds the loop waits for a worker's TLS lock (_DirectIO)
INBOX_HIGH_WATER = 8 * 1024 * 1024
OUTBOX_HIGH_WATER = 4 * 1024 * 1024


def _fatal(sqlstate: str, message: str) -> bytes:
    return p.error_fields(b"E", "FATAL", sqlstate, message)


class PgServer:
    """A PostgreSQL v3 protocol server in front of ``session_factory(user, database)``.

    ``await start()`` listens on ``host:port`` (port 0 picks a free one; see :attr:`port`);
    ``await serve_socket(sock)`` serves one already-accepted socket (an endpoint's hand-over);
    ``await stop()`` tells every client "terminating connection due to administrator
    command" (57P01) and closes the sessions. TLS is offered when ``ssl_context`` is set;
    with ``tls_certificate_pem`` (the context's certificate) SCRAM also offers channel
    binding (SCRAM-SHA-256-PLUS). With ``pass_startup`` the factory is called as
    ``session_factory(user, database, settings=..., backend_pid=...)``: the client's start-up
    settings (application_name, TimeZone, ``options='-c name=value'``...) and the pid the
    client sees in BackendKeyData (for ``pg_backend_pid()``).
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        authenticator: Authenticator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        tls_certificate_pem: str | None = None,
        parameters: Mapping[str, str] | None = None,
        max_message: int = p.MAX_MESSAGE,
        pass_startup: bool = False,
        admit: Admit | None = None,
        max_connections: int | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.admit = admit
        self.max_connections = max_connections  # None: no limit; a serverless instance's follows its max ACU
        self.authenticator = authenticator
        self.host = host
        self.requested_port = port
        self.ssl_context = ssl_context
        self.tls_certificate_pem = tls_certificate_pem
        self.parameters = {
            "server_version": SERVER_VERSION,
            "server_encoding": "UTF8",
            "client_encoding": "UTF8",
            "DateStyle": "ISO, MDY",
            "IntervalStyle": "postgres",
            "integer_datetimes": "on",
            "standard_conforming_strings": "on",
            "TimeZone": "UTC",
            "is_superuser": "on",
            "in_hot_standby": "off",
            "default_transaction_read_only": "off",
            **(parameters or {}),
        }
        self.max_message = max_message
        self.pass_startup = pass_startup
        self._server: asyncio.Server | None = None
        self._connections: set[Connection] = set()
        self._by_pid: dict[int, Connection] = {}
        self._pids = itertools.count((os.getpid() % 10_000) * 100_000 + 1)
        self.sessions_started = 0  # every session ever, so that short ones between two looks count
        self._stopping = False

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.sockets[0].getsockname()[1]

    @property
    def connection_count(self) -> int:
        """Clients connected now (including those still authenticating)."""
        return len(self._connections)

    @property
    def session_count(self) -> int:
        """Clients past authentication: user sessions (a health probe never gets this far)."""
        return len(self._by_pid)

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(
                self._accept, self.host, self.requested_port, reuse_address=True, limit=READ_CHUNK
            )
        except OSError as exc:
            raise Conflict(
                f"cannot listen on {self.host}:{self.requested_port}: {exc.strerror or exc}",
                hint="choose another port or stop the process that uses it",
            ) from exc

    async def serve_socket(self, sock: socket.socket) -> None:
        """Start serving a connected socket handed over by an endpoint (SCM_RIGHTS)."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=READ_CHUNK, loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, self._accept, loop=loop)
        await loop.connect_accepted_socket(lambda: protocol, sock)

    async def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        if self._server is not None:
            self._server.close()
        connections = list(self._connections)
        for conn in connections:
            conn.terminate("57P01", "terminating connection due to administrator command")
        if connections:
            await asyncio.wait(
                [asyncio.ensure_future(c.finished.wait()) for c in connections], timeout=timeout
            )
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _nodelay(writer)
        if self._stopping:
            writer.write(_fatal("57P03", "the database system is shutting down"))
            writer.close()
            return
        conn = Connection(self, reader, writer)
        self._connections.add(conn)
        try:
            await conn.run()
        finally:
            self._connections.discard(conn)
            self._by_pid.pop(conn.pid, None)
            conn.finished.set()

    def _register(self, conn: Connection) -> None:
        conn.pid = next(self._pids) & 0x7FFFFFFF
        self.sessions_started += 1
        conn.secret = secrets.randbits(32)
        self._by_pid[conn.pid] = conn

    async def _cancel(self, pid: int, secret: int) -> None:
        conn = self._by_pid.get(pid)
        if conn is None or not hmac.compare_digest(conn.secret.to_bytes(4), secret.to_bytes(4)):
            log.info("cancel request for unknown backend %s ignored", pid)
            return
        await asyncio.get_running_loop().run_in_executor(None, conn.cancel)


def startup_settings(params: Mapping[str, str]) -> dict[str, str]:
    """Settings a client asked for at start-up, ``options`` (``-c name=value``) included."""
    settings = {
        k: v
        for k, v in params.items()
        if k not in ("user", "database", "options", "replication") and not k.startswith("_pq_.")
    }
    words = params.get("options", "").split()
    for i, word in enumerate(words):
        if word == "-c" and i + 1 < len(words):
            word = words[i + 1]
        elif word.startswith(("-c", "--")):
            word = word[2:]
        else:
            continue
        name, sep, value = word.partition("=")
        if sep:
            settings[name.replace("-", "_")] = value
    return settings


def _nodelay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _StartupRefused(Exception):
    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class Connection:
    """One client: start-up and authentication on the loop, then a Backend in a worker thread."""

    def __init__(
        self, server: PgServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        # After an SSLRequest both are the connection's _TlsStream.
        self.reader: asyncio.StreamReader | _TlsStream = reader
        self.writer: asyncio.StreamWriter | _TlsStream = writer
        self.loop = asyncio.get_running_loop()
        self.pid = 0
        self.secret = 0
        self.finished = asyncio.Event()
        self.backend: Backend | None = None
        self.session: SqlSession | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._inbox: queue.SimpleQueue[Batch] = queue.SimpleQueue()
        self._inbox_bytes = 0
        self._inbox_lock = threading.Lock()
        self._inbox_room = asyncio.Event()
        self._closing = False
        self._reader_task: asyncio.Task[None] | None = None
        self._tls = False
        self._direct: _DirectIO | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            async with asyncio.timeout(AUTH_TIMEOUT):
                started = await self._startup()
            if started is None:
                return
            user, database = started
            await self._serve(user, database)
        except _StartupRefused as exc:
            self._write(_fatal(exc.sqlstate, str(exc)))
        except p.ProtocolViolation as exc:
            self._write(_fatal("08P01", str(exc)))
        except SqlError as exc:
            self._write(_fatal(exc.sqlstate, exc.message))
        except AuthenticationFailed as exc:
            self._write(_fatal("28P01", str(exc)))
        except TimeoutError:
            self._write(_fatal("08006", "canceling authentication due to timeout"))
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        except Exception as exc:
            log.exception("unexpected error on a connection")
            self._write(_fatal("XX000", one_line(exc)))
        finally:
            await self._close()

    async def _close(self) -> None:
        self._closing = True
        if self._reader_task is not None:
            self._reader_task.cancel()
        with contextlib.suppress(Exception):
            self.writer.close()
            try:
                # A TLS close waits for the client's close_notify, which an idle client may
                # never send: do not let that hold a shutdown (or a failover) for long.
                await asyncio.wait_for(self.writer.wait_closed(), 0.3)
            except TimeoutError:
                self.writer.transport.abort()
        if self._executor is not None:
            self._executor.shutdown(wait=False)

    def terminate(self, sqlstate: str, message: str) -> None:
        """From the loop: tell the client why, close, and let the worker wind down."""
        if self._closing:
            return
        self._write(_fatal(sqlstate, message))
        self._closing = True
        self._inbox.put(None)
        if self._direct is not None:
            self._direct.wake()
        self.cancel()
        with contextlib.suppress(Exception):
            self.writer.close()
        if self.backend is None:
            self.finished.set()

    def cancel(self) -> None:
        if self.backend is not None:
            try:
                self.backend.cancel()
            except Exception:
                log.exception("session.cancel() failed")

    # --- start-up ---------------------------------------------------------------------------

    async def _read_startup_packet(self) -> bytes:
        (length,) = p._I32.unpack(await self.reader.readexactly(4))
        if length < 8 or length > p.MAX_STARTUP_LENGTH:
            raise p.ProtocolViolation("invalid length of startup packet")
        return await self.reader.readexactly(length - 4)

    async def _startup(self) -> tuple[str, str] | None:
        tls_done = False
        while True:
            body = await self._read_startup_packet()
            code, params = p.parse_startup(body)
            if code == p.SSL_REQUEST_CODE:
                if tls_done:
                    raise p.ProtocolViolation("SSLRequest after TLS was established")
                if self.server.ssl_context is None:
                    self.writer.write(b"N")
                    continue
                # Bytes sent behind the SSLRequest would be read as if they came over TLS
                # (CVE-2021-23214); PostgreSQL refuses them, and so do we.
                if getattr(self.reader, "_buffer", b""):
                    raise p.ProtocolViolation("received unencrypted data after SSL request")
                self.writer.write(b"S")
                await self.writer.drain()
                assert isinstance(self.reader, asyncio.StreamReader)
                assert isinstance(self.writer, asyncio.StreamWriter)
                tls = _TlsStream(self.reader, self.writer, self.server.ssl_context)
                await tls.handshake()
                self.reader = self.writer = tls
                tls_done = self._tls = True
                continue
            if code == p.GSSENC_REQUEST_CODE:
                self.writer.write(b"N")
                continue
            if code == p.CANCEL_REQUEST_CODE:
                pid, secret = p._I32_PAIR.unpack_from(body, 4) if len(body) >= 12 else (0, 0)
                await self.server._cancel(pid, secret & 0xFFFFFFFF)
                return None
            if code >> 16 != 3:
                raise _StartupRefused(
                    "0A000",
                    f"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: "
                    "server supports 3.0 to 3.0",
                )
            break
        unsupported = [k for k in params if k.startswith("_pq_.")]
        if code & 0xFFFF or unsupported:
            self.writer.write(p.negotiate_protocol_version(0, unsupported))
        user = params.get("user", "")
        if not user:
            raise _StartupRefused("28000", "no PostgreSQL user name specified in startup packet")
        self.startup_params = params
        await self.server.authenticator.authenticate(self, user, params.get("database") or user)
        return user, params.get("database") or user

    # AuthChannel, used by the authenticator before the connection is trusted.
    @property
    def tls_certificate_pem(self) -> str | None:
        return self.server.tls_certificate_pem if self._tls else None

    async def send_auth_request(self, code: int, payload: bytes = b"") -> None:
        self.writer.write(p.authentication(code, payload))
        await self.writer.drain()

    async def read_password_message(self) -> bytes:
        kind, length = p._HDR.unpack(await self.reader.readexactly(5))
        if kind != b"p":
            raise p.ProtocolViolation(f"expected password response, got message type {kind[0]}")
        if length < 4 or length > p.MAX_PREAUTH_MESSAGE:
            raise p.ProtocolViolation(f"invalid message length {length}")
        return await self.reader.readexactly(length - 4)

    # --- serving ----------------------------------------------------------------------------

    async def _serve(self, user: str, database: str) -> None:
        limit = self.server.max_connections
        if limit is not None and len(self.server._by_pid) >= limit:
            self._write(p.error_fields(b"E", "FATAL", "53300", "sorry, too many clients already"))
            return
        self._executor = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix=f"pgwire-{user}"
        )
        self.server._register(self)
        factory = self.server.session_factory
        if self.server.pass_startup:
            factory = functools.partial(
                factory, settings=startup_settings(self.startup_params), backend_pid=self.pid
            )
        try:
            session = await self.loop.run_in_executor(self._executor, factory, user, database)
        except SqlError as err:
            self._write(
                p.error_fields(
                    b"E", "FATAL", err.sqlstate, err.message, detail=err.detail, hint=err.hint
                )
            )
            return
        self.session = session
        try:
            await self._run_backend(session, user)
        finally:
            await self.loop.run_in_executor(self._executor, self._close_session, session)

    async def _run_backend(self, session: SqlSession, user: str) -> None:
        reported = dict(self.server.parameters)
        reported["application_name"] = self.startup_params.get("application_name", "")
        reported["session_authorization"] = user
        reported.update(await self.loop.run_in_executor(self._executor, session.parameter_status))
        hello = [p.AUTH_OK]
        hello += [p.parameter_status(k, v) for k, v in reported.items()]
        hello += [p.backend_key_data(self.pid, self.secret), p.ready_for_query("I")]
        self._write(b"".join(hello))
        self._direct = self._go_direct()
        if self._direct is not None:
            self.backend = Backend(session, self._direct.receive, self._direct.send, reported,
                                   self.server.admit)
        else:
            self.backend = Backend(session, self._receive, self._send_from_worker, reported,
                                   self.server.admit)
            self._reader_task = asyncio.create_task(self._read_frames())
        try:
            if self._closing:  # stopped while starting
                return
            await self.loop.run_in_executor(self._executor, self.backend.run)
            await self._drain_quietly()
        finally:
            if self._direct is not None:
                self._direct.close()
                if isinstance(self.writer, _TlsStream):
                    self.writer.handed_over = False

    def _go_direct(self) -> _DirectIO | None:
        """Hand the socket to the worker: stop the loop reading it, and pass on what it had
        read already (for TLS, with the TLS state). Output still queued on the loop keeps
        the loop path."""
        transport = self.writer.transport
        sock = self.writer.get_extra_info("socket")
        if sock is None or transport.get_write_buffer_size():
            return None
        try:
            fd = os.dup(sock.fileno())
        except (OSError, AttributeError, ValueError):
            return None
        transport.pause_reading()
        tls = self.writer if isinstance(self.writer, _TlsStream) else None
        leftover = tls.hand_over() if tls is not None else _take_buffered(self.reader)
        return _DirectIO(fd, leftover, self.server.max_message, tls)

    @staticmethod
    def _close_session(session: SqlSession) -> None:
        try:
            session.close()
        except Exception:
            log.exception("session.close() failed")

    async def _read_frames(self) -> None:
        frames = p.FrameBuffer(self.server.max_message)
        try:
            while True:
                data = await self.reader.read(READ_CHUNK)
                if not data:
                    break
                frames.feed(data)
                batch = frames.frames()
                if not batch:
                    continue
                size = sum(len(body) for _, body in batch)
                with self._inbox_lock:
                    self._inbox_bytes += size
                    full = self._inbox_bytes > INBOX_HIGH_WATER
                    if full:
                        self._inbox_room.clear()
                self._inbox.put(batch)
                if frames.error is not None:
                    raise frames.error
                if full:
                    await self._inbox_room.wait()
        except p.ProtocolViolation as exc:
            self._inbox.put(exc)  # then None below: a worker that asks again must not hang
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        except asyncio.CancelledError:
            self._inbox.put(None)
            raise
        self._inbox.put(None)

    def _receive(self) -> Batch:
        """Worker side: the next batch of frames (blocks)."""
        batch = self._inbox.get()
        if isinstance(batch, list):
            size = sum(len(body) for _, body in batch)
            with self._inbox_lock:
                before = self._inbox_bytes
                self._inbox_bytes -= size
                wake = before > INBOX_HIGH_WATER >= self._inbox_bytes
            if wake:
                self.loop.call_soon_threadsafe(self._inbox_room.set)
        return batch

    def _write(self, data: bytes) -> None:
        if self._direct is not None and not self._direct.closed:
            self._direct.send_nowait(data)  # (the descriptor is the worker's, and blocking)
            return
        if self.writer.is_closing():
            return
        self.writer.write(data)

    def _send_from_worker(self, data: bytes) -> None:
        """Worker side: queue ``data`` for the socket; wait for room when the client is slow."""
        if self._closing:
            return
        try:
            self.loop.call_soon_threadsafe(self._write_unless_closing, data)
        except RuntimeError:  # the loop is gone
            return
        transport = self.writer.transport
        if transport.get_write_buffer_size() + len(data) > OUTBOX_HIGH_WATER:
            fut = asyncio.run_coroutine_threadsafe(self._drain_quietly(), self.loop)
            with contextlib.suppress(Exception):
                fut.result()

    def _write_unless_closing(self, data: bytes) -> None:
        if not self._closing:
            self._write(data)

    async def _drain_quietly(self) -> None:
        with contextlib.suppress(Exception):
            await self.writer.drain()


def _take_buffered(reader: object) -> bytes:
    """What a StreamReader has read and nobody has asked for yet, taken out of it."""
    buffered = getattr(reader, "_buffer", None)
    if not buffered:
        return b""
    data = bytes(buffered)
    buffered.clear()
    return data


class _TlsStream:
    """TLS over a connection's loop streams, with the TLS state in an ``SSLObject`` of ours.

    asyncio's ``start_tls`` keeps that state inside the loop's transport, out of a worker's
    reach, so a TLS connection had to stay on the loop (every message through it, about 40%
    fewer selects a second than plain TCP). Here the handshake, start-up and authentication
    run on the loop as before, through the memory BIOs, and :meth:`hand_over` then gives
    the ``SSLObject`` to the worker's :class:`_DirectIO` with the socket. The stream offers
    what :class:`Connection` uses of a StreamReader and a StreamWriter. ``lock`` guards the
    ``SSLObject`` once a worker has it (the loop may still write a last FATAL message).
    """

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: ssl.SSLContext
    ) -> None:
        self._reader = reader
        self._writer = writer
        self.transport = writer.transport
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.sslobj = context.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.lock = threading.Lock()
        self.handed_over = False
        self._buffer = bytearray()  # plaintext received and not yet asked for

    async def handshake(self) -> None:
        while True:
            try:
                self.sslobj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                if not await self._fill():
                    raise ConnectionResetError("the client closed the connection") from None
        self._flush()
        await self._writer.drain()

    async def _fill(self) -> bool:
        data = await self._reader.read(READ_CHUNK)
        if data:
            self.incoming.write(data)
        return bool(data)

    def _flush(self) -> None:
        if self.outgoing.pending:
            self._writer.write(self.outgoing.read())

    async def _record(self) -> bytes:
        """The next plaintext the client sent; b"" when it closed the connection."""
        while True:
            try:
                data = self.sslobj.read(TLS_RECORD)
            except ssl.SSLWantReadError:
                self._flush()
                if not await self._fill():
                    return b""
                continue
            self._flush()
            return data

    async def read(self, n: int) -> bytes:
        if not self._buffer:
            self._buffer += await self._record()
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    async def readexactly(self, n: int) -> bytes:
        while len(self._buffer) < n:
            data = await self._record()
            if not data:
                raise asyncio.IncompleteReadError(bytes(self._buffer), n)
            self._buffer += data
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    def write(self, data: bytes) -> None:
        try:
            self.sslobj.write(data)
        except ssl.SSLError:
            return  # TLS has ended (close_notify sent): nothing more can reach the client
        self._flush()

    async def drain(self) -> None:
        await self._writer.drain()

    def is_closing(self) -> bool:
        return self._writer.is_closing()

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self._writer.get_extra_info(name, default)

    def hand_over(self) -> bytes:
        """For the worker: the plaintext read ahead; ciphertext read ahead goes to the BIO."""
        self.handed_over = True
        raw = _take_buffered(self._reader)
        if raw:
            self.incoming.write(raw)
        plain = bytes(self._buffer)
        self._buffer.clear()
        return plain

    def close(self) -> None:
        """Send close_notify (unless a worker has the socket) and close; never wait for the
        client's (an idle client may never send it)."""
        if not self.handed_over and not self._writer.is_closing():
            with contextlib.suppress(ssl.SSLError, ValueError):
                self.sslobj.unwrap()
            with contextlib.suppress(Exception):
                self._flush()
        self._writer.close()

    async def wait_closed(self) -> None:
        await self._writer.wait_closed()


class _DirectIO:
    """A worker thread's own blocking I/O on a connection's socket.

    The socket is a duplicate of the loop transport's descriptor, made blocking for the
    worker (one ``recv`` per statement, not a ``poll`` and a ``recv``); the flag belongs to
    the descriptor both share, so while the worker owns the socket the transport neither
    reads it nor writes it: the loop's last FATAL message goes through :meth:`send_nowait`,
    which never blocks, and :meth:`close` makes the descriptor non-blocking again before
    the transport has it back. :meth:`wake` (from the loop) shuts the socket down, which
    ends a worker waiting for the client either way.

    With ``tls`` the worker also decrypts what it receives and encrypts what it sends, with
    the connection's ``SSLObject``, under ``tls.lock``; a send holds the lock until its last
    byte is out, so that the loop's :meth:`send_nowait` cannot put a record in the middle of
    another (it waits a moment for the lock, and gives up if a send is stuck).
    """

    def __init__(
        self, fd: int, leftover: bytes, max_message: int, tls: _TlsStream | None = None
    ) -> None:
        self._sock = socket.socket(fileno=fd)
        self._sock.setblocking(True)
        self._fd = fd
        self._frames = p.FrameBuffer(max_message)
        self._frames.feed(leftover)
        self._tls = tls
        self._loop_gave_up = False
        self._gone = False
        self._closed = False

    def receive(self) -> Batch:
        while True:
            try:
                batch = self._frames.frames()
            except p.ProtocolViolation as exc:
                return exc
            if batch:
                return batch
            if self._gone:
                return None
            data = self._recv() if self._tls is None else self._recv_tls(self._tls)
            if not data:
                return None
            self._frames.feed(data)

    def _recv(self) -> bytes:
        while True:
            try:
                return self._sock.recv(READ_CHUNK)
            except (BlockingIOError, InterruptedError):
                self._wait(select.POLLIN)
            except OSError:
                return b""

    def _recv_tls(self, tls: _TlsStream) -> bytes:
        """The next plaintext; b"" at the end (close_notify, a closed socket, a bad record)."""
        while True:
            with tls.lock:
                data: bytes | None = None
                # Only when there is something to decrypt: a read that finds nothing raises,
                # and every call into OpenSSL lets another thread take the GIL.
                if tls.incoming.pending or tls.sslobj.pending():
                    try:
                        data = tls.sslobj.read(TLS_RECORD)
                    except ssl.SSLWantReadError:
                        pass
                    except ssl.SSLError:
                        return b""
                    if tls.outgoing.pending:  # a key update or session ticket to answer
                        self._send_all(tls.outgoing.read())
            if data is not None:
                return data
            raw = self._recv()
            if not raw:
                return b""
            with tls.lock:
                tls.incoming.write(raw)

    def send(self, data: bytes) -> None:
        tls = self._tls
        if tls is None:
            self._send_all(data)
            return
        with tls.lock:
            try:
                tls.sslobj.write(data)
            except ssl.SSLError:
                self._gone = True
                return
            self._send_all(tls.outgoing.read())

    def _send_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._gone:
            try:
                sent = self._sock.send(view)
            except (BlockingIOError, InterruptedError):
                self._wait(select.POLLOUT)
                continue
            except OSError:
                self._gone = True  # the client went away; the next receive ends the backend
                return
            view = view[sent:]

    @property
    def closed(self) -> bool:
        return self._closed

    def send_nowait(self, data: bytes) -> None:
        """From the loop: what fits in the socket's buffer now, the rest dropped (a FATAL
        message to a client that does not read is not worth blocking the loop for)."""
        if self._closed:
            return
        tls = self._tls
        if tls is None:
            with contextlib.suppress(OSError):
                self._sock.send(data, socket.MSG_DONTWAIT)
            return
        if not self._lock_from_loop(tls):
            return  # the worker is stuck in a send; the connection closes anyway
        try:
            tls.sslobj.write(data)
            self._sock.send(tls.outgoing.read(), socket.MSG_DONTWAIT)
        except (OSError, ssl.SSLError):
            pass
        finally:
            tls.lock.release()

    def _lock_from_loop(self, tls: _TlsStream) -> bool:
        """The TLS lock, for the loop: the worker holds it for a moment at a time (it may
        just have sent the answer the client is reading), or for as long as a client that
        reads nothing keeps its send waiting; so wait briefly, and once only."""
        if self._loop_gave_up:
            return False
        if tls.lock.acquire(timeout=LOOP_LOCK_WAIT):
            return True
        self._loop_gave_up = True
        return False

    def _wait(self, events: int) -> None:
        poller = select.poll()
        poller.register(self._fd, events)
        poller.poll()

    def wake(self) -> None:
        tls = self._tls
        if tls is not None and not self._closed and self._lock_from_loop(tls):
            # close_notify first, as the loop's close would send it: a client told nothing
            # reports the TLS connection cut ("SSL SYSCALL error: EOF detected")
            try:
                with contextlib.suppress(ssl.SSLError, ValueError):
                    tls.sslobj.unwrap()
                with contextlib.suppress(OSError):
                    self._sock.send(tls.outgoing.read(), socket.MSG_DONTWAIT)
            finally:
                tls.lock.release()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._gone = True
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.setblocking(False)  # the transport's again, as it was
            self._sock.close()
