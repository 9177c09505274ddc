"""Helpers for storage tests: a fleet fixture and a way to run a coroutine in a test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet
from aurora.engine.storage.volume import NodePool, Volume

T = TypeVar("T")
PAGE = 4096


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def page(tag: int | str, size: int = PAGE) -> bytes:
    """A recognisable page image."""
    text = f"{tag}|".encode()
    return (text * (size // len(text) + 1))[:size]


async def open_volume(fleet: Fleet, meta=None, writer: bool = True, **kw) -> Volume:
    catalog = Catalog(fleet.layout, fleet.region)
    meta = meta or catalog.new_volume(pg_bytes=kw.pop("pg_bytes", 64 * PAGE))
    vol = Volume(catalog, meta, NodePool(), **kw)
    if writer:
        await vol.open_writer()
    else:
        await vol.open_reader()
    return vol


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while True:
        if await check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
