"""The event loop every aurora process runs on: uvloop where it is installed.

uvloop cuts the per-message cost of the storage protocol and the wire front ends roughly in
half against the default loop (bench/storage_bench.py shows it); the code does not depend
on it otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

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
