"""A commit of any size succeeds on a healthy fleet: the time bound is on progress (no copy
acknowledging anything), not on the whole batch, and a batch travels in bounded frames."""

from __future__ import annotations

import asyncio
import time

import pytest
from storage_support import eventually, open_volume, page, run

from aurora.engine.storage import records as rec
from aurora.engine.storage import volume as volume_module
from aurora.engine.storage import wire

pytestmark = pytest.mark.integration

PAGES = 12_000  # 48 MiB in one commit


def test_a_large_commit_is_durable_in_bounded_frames(fleet, monkeypatch):
    frames: list[int] = []
    send = wire.NodeClient.send

    def counting_send(self, kind, header, blob, on_reply, timeout):  # type: ignore[no-untyped-def]
        if kind == wire.WRITE:
            frames.append(len(blob))
        return send(self, kind, header, blob, on_reply, timeout)

    monkeypatch.setattr(wire.NodeClient, "send", counting_send)

    async def go() -> None:
        # A bound far below the time the whole batch takes, well above one frame's round trip.
        vol = await open_volume(fleet, pg_bytes=8 << 20)
        # (one page in each protection group the batch touches: creating them is not what
        # the short bound below is about, and takes longer on a loaded machine)
        before = await vol.commit({(1, 0): page("before"),
                                   **{(0, i): page("first") for i in range(0, PAGES, 2048)}})
        vol.quorum_timeout = 1.0
        writes = {(0, i): page(f"bulk-{i}") for i in range(PAGES)}
        t = time.monotonic()
        big = asyncio.ensure_future(vol.commit(writes))

        async def under_way() -> bool:
            return len(frames) > 12

        await eventually(under_way, 30, "the big batch to be on its way")
        # A read on the connections the batch travels on is not stuck behind all of it.
        r = time.monotonic()
        assert await vol.read_page(1, 0, before) == page("before")
        read_s = time.monotonic() - r
        cpl = await big
        took = time.monotonic() - t
        assert read_s < 1.0 or read_s < took / 4, (read_s, took)
        assert vol.vdl == cpl
        for i in (0, 1, PAGES // 2, PAGES - 1):
            assert await vol.read_page(0, i) == writes[(0, i)]
        # And a small commit right after it, on the same volume.
        assert await vol.commit({(0, PAGES): page("small")}) == cpl + 1
        print(f"read during the big commit: {read_s * 1000:.0f} ms")
        await vol.close()
        vol.pool.close()
        return took

    took = run(go())
    record = rec.HEADER_SIZE + 4096
    assert max(frames) <= volume_module.FRAME_BYTES, max(frames)
    # A write quorum of copies got the whole batch, in several frames each (a copy that
    # lags may be left to fill in by gossip once the batch is durable).
    assert sum(frames) >= 4 * PAGES * record
    assert len(frames) >= 4 * (PAGES * record // volume_module.FRAME_BYTES)
    print(f"{PAGES * 4096 / 2**20:.0f} MiB committed in {took:.2f}s")
