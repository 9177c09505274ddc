"""Writes around an event loop's transport (``localsock.write_now``), as an instance makes them.

The bytes must arrive whole and in order whatever the socket takes at once: all of a write, a
part of it (the transport queues the rest), or nothing while the transport still holds bytes
(then the write queues behind them). A peer that went away is the transport's to report.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading

import pytest

from aurora.engine import localsock
from aurora.engine.loop import asyncio_run


@pytest.fixture
def without_gil():
    localsock.write_without_gil(True)
    try:
        yield
    finally:
        localsock.write_without_gil(False)


class Sink(asyncio.Protocol):
    def __init__(self) -> None:
        self.lost = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(exc)


def test_every_byte_arrives_in_order_through_full_partial_and_queued_writes(without_gil):
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    rng = random.Random(7)
    messages = [[rng.randbytes(rng.choice((10, 4096, 100_000))) for _ in range(rng.randint(1, 4))]
                for _ in range(300)]
    expected = b"".join(b"".join(m) for m in messages)
    received = bytearray()

    def read_slowly() -> None:
        with theirs:
            while len(received) < len(expected):
                chunk = theirs.recv(32 * 1024)
                if not chunk:
                    return
                received.extend(chunk)

    reader = threading.Thread(target=read_slowly)
    reader.start()

    async def write() -> int:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_connection(Sink, sock=ours)
        queued = 0
        for i, buffers in enumerate(messages):
            localsock.write_now(transport, list(buffers))
            queued += transport.get_write_buffer_size() > 0
            if i % 50 == 49:
                await asyncio.sleep(0.01)  # the reader catches up: writes go around the transport again
        while transport.get_write_buffer_size():
            await asyncio.sleep(0.005)
        transport.close()
        return queued

    try:
        queued = asyncio_run(write())
    finally:
        reader.join(timeout=30)
    assert not reader.is_alive()
    assert queued > 0  # some writes were partial or queued behind others
    assert bytes(received) == expected


def test_a_peer_gone_is_reported_by_the_transport(without_gil):
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    theirs.close()

    async def write() -> tuple[bool, object]:
        loop = asyncio.get_running_loop()
        transport, sink = await loop.create_connection(Sink, sock=ours)
        localsock.write_now(transport, [b"x" * 1000])
        localsock.write_now(transport, [b"y"])  # after the error: no exception here either
        exc = await asyncio.wait_for(sink.lost, 5)  # EOF or EPIPE, whichever the loop sees first
        return transport.is_closing(), exc

    closing, exc = asyncio_run(write())
    assert closing
    assert exc is None or isinstance(exc, OSError)
