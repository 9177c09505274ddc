"""aurorad's HTTP listener for the RDS Query API, on 127.0.0.1.

A threaded ``http.server`` speaking HTTP/1.1 with keep-alive, so boto3's connection pool
reuses one connection. Each request is checked (Signature V4 against the AURORA_HOME's access
key), parsed by botocore's model of RDS, answered by :class:`aurora.engine.rdsapi.operations.Rds`
in the request's own thread (as the control socket runs an operation in a worker thread) and
shaped back into XML. Every failure is an RDS error response; a bug is logged with its
traceback in aurorad's log and answered as InternalFailure, never as a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aurora.engine.rdsapi import credentials, protocol, sigv4
from aurora.engine.rdsapi.operations import Rds, RdsError, Request

log = logging.getLogger("aurorad")

MAX_BODY = 1 << 20  # a request is a few parameters; the largest RDS request is far below this
IDLE_TIMEOUT_S = 120.0  # an idle keep-alive connection is closed after this


class _Failure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    api: ApiServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aurorad"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    wbufsize = -1  # headers and body leave in one write (flushed after each request)
    server: _Server

    def setup(self) -> None:
        super().setup()
        # without it, Nagle's algorithm and the client's delayed ACK add 40 ms to an answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.api.opened(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.api.closed(self.connection)

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        request_id = str(uuid.uuid4())
        try:
            status, body = 200, self.server.api.answer(self.command, self.path, self._headers(), self._body(),
                                                       request_id)
        except _Failure as e:
            status, body = protocol.http_status(e.code), protocol.error_xml(e.code, e.message, request_id,
                                                                             sender=e.code not in _RECEIVER)
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", request_id)
        self.end_headers()
        self.wfile.write(body)

    def _headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            out[key] = f"{out[key]},{value}" if key in out else value
        return out

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise _Failure("InvalidParameterValue", "chunked request bodies are not supported: send Content-Length")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True  # the body is not read: the connection cannot go on
            raise _Failure("InvalidParameterValue", f"the request body must be 0 to {MAX_BODY} bytes")
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("rds api: " + format, *args)


_RECEIVER = {"InternalFailure", "ServiceUnavailable"}


class ApiServer:
    """The RDS Query API of one aurorad (``cp``) on 127.0.0.1:``port`` (0: any free port)."""

    def __init__(self, cp: Any, port: int) -> None:
        self.cp = cp
        self.requested_port = port
        self.rds = Rds(cp)
        self._http: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}

    @property
    def port(self) -> int:
        assert self._http is not None, "not started"
        return self._http.server_address[1]

    def start(self) -> None:
        """Bind now (OSError if the port is taken), then serve in daemon threads."""
        protocol.service_model()  # loaded before the first request, not during it
        protocol.http_status("InternalFailure")
        key = credentials.load(self.cp.layout)
        self._secrets = {key["access_key_id"]: key["secret_access_key"]}
        http = _Server(("127.0.0.1", self.requested_port), _Handler)
        http.api = self
        self._http = http
        self._thread = threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="rds-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving: close the listener and every open connection, and join the thread."""
        if self._http is None:
            return
        self._http.shutdown()
        self._http.server_close()
        with self._lock:
            for conn in list(self._connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(5)
        self._http = None

    def opened(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def closed(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes, request_id: str) -> bytes:
        """The XML answer to one request, or a :class:`_Failure` to answer with."""
        url = urlsplit(target)
        try:
            region = sigv4.verify(method, url.path, url.query, headers, body, self._secrets)
            form = dict(parse_qsl(url.query, keep_blank_values=True))
            if body:
                form.update(parse_qsl(body.decode(), keep_blank_values=True))
            action = form.pop("Action", None)
            form.pop("Version", None)
            if not action:
                raise _Failure("MissingAction", "The request must contain the parameter Action.")
            model = protocol.service_model()
            if action not in model.operation_names or action not in self.rds.actions:
                raise _Failure("InvalidAction", f"The action {action} is not valid for this web service "
                               "(aurora-local serves the actions listed in docs/rds-api.md).")
            operation = model.operation_model(action)
            params = protocol.parse(operation.input_shape, form)
            result = self.rds.run(Request(action, params, region))
            return protocol.serialize(operation, result, request_id)
        except _Failure:
            raise
        except (sigv4.SignatureError, protocol.ProtocolError, RdsError) as e:
            raise _Failure(e.code, e.message) from None
        except UnicodeDecodeError:
            raise _Failure("InvalidParameterValue", "the request body is not UTF-8") from None
        except OSError as e:  # the machine's trouble, not a bug: a full disk, a vanished socket
            log.warning("rds api: %s failed: %s", target, e)
            raise _Failure("ServiceUnavailable", f"aurorad: {e}") from None
        except Exception as e:  # a bug: logged, and answered without its details
            log.error("rds api: internal error: %s", "".join(traceback.format_exception(e)))
            raise _Failure("InternalFailure", f"internal error in aurorad (see its log: request {request_id})") \
                from None
