"""The one RPC of every internal socket: aurorad's control socket and each instance's.

A request is one JSON line ``{"op": "<name>", "args": {...}}`` on a Unix socket (0600, in a
0700 folder); the answer is one JSON line, ``{"ok": true, "result": ...}`` or ``{"ok": false,
"error": {"kind", "message", "hint", "exit_code"}}`` where ``kind`` names the error class of
:mod:`aurora.engine.errors` that the client raises again. Framing lives here only:
:func:`request` on the client side, :func:`serve` on the server side.

A server answers from a :class:`Registry`, an explicit table of :class:`Operation` s: a
name, a handler with typed keyword parameters, and the type of its result (a TypedDict, from
which ``--json`` documentation is generated). Arguments are checked against the handler's
annotations before it runs, so a wrong or missing argument is a usage error and a
``TypeError`` raised inside a handler is what it looks like: a bug, logged with its traceback
in the server's log and answered as an internal error.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import socket
import traceback
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aurora.engine import errors
from aurora.engine.layout import unix_socket_path

if TYPE_CHECKING:  # the server imports asyncio when it runs: every CLI command imports this
    import asyncio  # module for request(), and asyncio alone would add 12 ms to its start-up

# The longest request line; servers pass it as their StreamReader limit. Requests are a
# name and a few arguments.
MAX_LINE = 64 * 1024

_MISSING = inspect.Parameter.empty


# --- the registry of operations -------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    type: Any
    required: bool


@dataclass(frozen=True)
class Operation:
    """One operation: ``handler(target, **params)`` answers it; ``result`` is its shape."""

    name: str
    handler: Callable[..., Any]
    result: Any = None
    params: tuple[Param, ...] = field(init=False)

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(self.handler)
        sig = list(inspect.signature(self.handler).parameters.values())[1:]  # the target first
        params = tuple(Param(p.name, hints.get(p.name, Any), p.default is _MISSING) for p in sig)
        object.__setattr__(self, "params", params)

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.handler)

    def bind(self, args: dict[str, Any]) -> dict[str, Any]:
        """``args`` checked against the handler's parameters, or a :class:`UsageError`."""
        known = {p.name: p for p in self.params}
        for name in args:
            if name not in known:
                raise errors.UsageError(f"bad request: {self.name} takes no argument {name!r}")
        for p in self.params:
            if p.name not in args:
                if p.required:
                    raise errors.UsageError(f"bad request: {self.name} needs the argument {p.name!r}")
            elif not _fits(args[p.name], p.type):
                raise errors.UsageError(f"bad request: argument {p.name!r} of {self.name} must be "
                                        f"{_type_name(p.type)}")
        return args


class Registry:
    """The operations a server answers, by name (``-`` and ``_`` are the same)."""

    def __init__(self, operations: list[Operation]) -> None:
        self.operations = {op.name: op for op in operations}

    def get(self, name: str) -> Operation:
        op = self.operations.get(name.replace("-", "_"))
        if op is None:
            raise errors.UsageError(f"unknown operation {name!r}")
        return op


def _fits(value: Any, tp: Any) -> bool:
    if tp is Any:
        return True
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in typing.get_args(tp))
    if tp is type(None) or tp is None:
        return value is None
    if origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        return isinstance(value, list) and all(_fits(v, item) for v in value)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp) if isinstance(tp, type) else True


def _type_name(tp: Any) -> str:
    return str(tp).replace("typing.", "") if not isinstance(tp, type) else tp.__name__


# --- the server -------------------------------------------------------------------------------


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, Any]] | None:
    """The next request's operation and arguments; None when the client sent nothing.

    Whatever arrives, the caller gets the request or a :class:`UsageError` to answer with: an
    oversized line, invalid JSON, nesting too deep for the parser, or the wrong shapes never
    escape (that would drop the connection without a reply)."""
    try:
        line = await reader.readline()
    except ValueError:  # longer than the limit: readline dropped what it had read
        await _skip_line(reader)
        raise errors.UsageError(f"malformed request: longer than {MAX_LINE} bytes") from None
    if not line:
        return None
    return parse_request(line)


def parse_request(line: bytes) -> tuple[str, dict[str, Any]]:
    """A request line's operation and arguments, or a :class:`UsageError` to answer with."""
    try:
        message = json.loads(line)
    except RecursionError:
        raise errors.UsageError("malformed request: nested too deeply") from None
    except ValueError as e:  # not JSON, or not UTF-8
        raise errors.UsageError(f"malformed request: {e}") from None
    op = message.get("op") if isinstance(message, dict) else None
    args = message.get("args", {}) if isinstance(message, dict) else None
    if not isinstance(op, str) or not isinstance(args, dict):
        raise errors.UsageError('malformed request: expected {"op": "<name>", "args": {...}}')
    return op, args


async def _skip_line(reader: asyncio.StreamReader) -> None:
    """Read to the end of an oversized line, so the reply is not lost to a reset."""
    while True:
        chunk = await reader.read(MAX_LINE)
        if not chunk or b"\n" in chunk:
            return


def error_reply(e: errors.AuroraError) -> dict[str, Any]:
    return {"ok": False, "error": {"kind": type(e).__name__, "message": e.message, "hint": e.hint,
                                   "exit_code": e.exit_code}}


@dataclass
class Server:
    """Answers ``registry`` on a Unix socket; handlers get ``target`` as first argument.

    ``name`` says who answers (in internal errors); synchronous handlers run in a worker
    thread when ``threads`` is true (aurorad: a slow operation never stalls the endpoints),
    on the loop otherwise (an instance: its handlers are quick or async)."""

    registry: Registry
    target: Any
    name: str
    log: logging.Logger
    log_file: Path | None = None
    threads: bool = True

    async def answer(self, reader: asyncio.StreamReader) -> dict[str, Any] | None:
        try:
            request = await read_request(reader)
            if request is None:
                return None
            op, args = self.registry.get(request[0]), request[1]
            params = op.bind(args)
            if op.is_async:
                result = await op.handler(self.target, **params)
            elif self.threads:
                import asyncio

                result = await asyncio.to_thread(op.handler, self.target, **params)
            else:
                result = op.handler(self.target, **params)
            json.dumps(result)  # a result that cannot be sent is a bug of its handler
            return {"ok": True, "result": result}
        except errors.AuroraError as e:
            return error_reply(e)
        except OSError as e:  # the machine's trouble, not a bug: a full disk, a vanished socket
            self.log.warning("%s failed: %s", request[0] if request else "request", e)
            return error_reply(errors.Unavailable(f"{self.name}: {e}"))
        except Exception as e:
            self.log.error("internal error: %s", "".join(traceback.format_exception(e)))
            where = f"see {self.name}'s log: {self.log_file}" if self.log_file else f"see {self.name}'s log"
            return error_reply(errors.InternalError(f"internal error in {self.name}: {e!r}", hint=where))

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            reply = await self.answer(reader)
            if reply is not None:
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass  # the asker went away; the operation itself is done
        finally:
            writer.close()

    async def start(self, path: Path) -> asyncio.Server:
        """Listen on ``path`` (made 0600 before anyone can connect)."""
        import asyncio

        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        old = os.umask(0o177)
        try:
            server = await asyncio.start_unix_server(self._handle, path=unix_socket_path(path), limit=MAX_LINE)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        return server


# --- the client -------------------------------------------------------------------------------


def request(path: Path, op: str, args: dict[str, Any] | None = None, *, timeout: float, peer: str) -> Any:
    """Send one request to the server at ``path`` and return its result; raise the server's
    error, or :class:`Unavailable` when ``peer`` cannot be reached or does not answer."""
    if not path.exists():
        raise errors.NotRunning(f"{peer} is not running")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        try:
            s.connect(unix_socket_path(path))
        except (ConnectionRefusedError, FileNotFoundError):
            raise errors.NotRunning(f"{peer} is not running") from None
        buf = bytearray()
        try:
            s.sendall(json.dumps({"op": op, "args": args or {}}).encode() + b"\n")
            while not buf.endswith(b"\n"):
                chunk = s.recv(1 << 16)
                if not chunk:
                    raise errors.Unavailable(f"{peer} closed the connection (did it stop?)")
                buf += chunk
        except TimeoutError:
            raise errors.Unavailable(f"{peer} did not answer {op} in {timeout:.0f}s") from None
        except OSError as e:
            raise errors.Unavailable(f"{peer} did not answer: {e}") from None
    try:
        reply = json.loads(buf)
    except ValueError:
        raise errors.Unavailable(f"{peer} sent an answer that is not JSON") from None
    if reply.get("ok"):
        return reply.get("result")
    err = reply.get("error")
    if not isinstance(err, dict):
        raise errors.AuroraError(str(err))
    cls = getattr(errors, str(err.get("kind", "")), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.AuroraError)):
        cls = errors.AuroraError
    raise cls(err.get("message", "unknown error"), err.get("hint"))
