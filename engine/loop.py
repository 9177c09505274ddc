"""The event loop every aurora process runs on: uvloop where it is installed.

uvloop cuts the per-message cost of the storage protocol and the wire front ends roughly in
half against the default loop (bench/storage_bench.py shows it); the code does not depend
on it otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform
    uvloop = None


def new_event_loop() -> asyncio.AbstractEventLoop:
    return uvloop.new_event_loop() if uvloop is not None else asyncio.new_event_loop()


def asyncio_run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on the fastest loop available."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coro)


class _Server(Protocol):
    port: int

    async def start(self) -> None: ...

    async def stop(self, timeout: float = ...) -> None: ...


class ServerThread:
    """Runs a wire server (PgServer, MyServer) on its own event loop in a daemon thread, for
    tests and synchronous callers: ``with ServerThread(server) as port:`` starts it and stops
    it (the server tells its clients it is shutting down)."""

    def __init__(self, server: Any, name: str = "server-loop") -> None:
        self.server: _Server = server
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)

    def start(self) -> int:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self.server.port

    def stop(self, timeout: float = 5.0) -> None:
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.server.stop(timeout), self.loop).result(timeout + 5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self.loop.close()

    def __enter__(self) -> int:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
