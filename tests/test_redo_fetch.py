"""How a global secondary's replication process and a cluster's backup process read the
primary volume's redo from its storage nodes: one member of a protection group first (not
the same one for the two of them), a second one too when the first is slow; a fetch under
way gives up at once when the link to the primary's region is cut."""

from __future__ import annotations

import asyncio
import time

import pytest
from storage_support import open_volume, page, run

from aurora.engine import errors
from aurora.engine.backup.streamer import Streamer
from aurora.engine.globaldb.replicator import Replicator
from aurora.engine.storage import admin

pytestmark = pytest.mark.integration

SLOW_S = 30.0
"""Latency put on one storage node: a fetch that waited for it would take this long."""


def reader_of_redo(kind: type[Replicator]) -> Replicator:
    """The fetching side of ``kind`` alone (no process, no target volume)."""
    r = object.__new__(kind)
    r.link_up, r._cut, r.source, r.wake = True, asyncio.Event(), None, asyncio.Event()
    return r


def test_the_two_readers_of_the_redo_start_at_different_ends_of_a_group():
    members = ["sn-a1", "sn-a2", "sn-b1", "sn-b2", "sn-c1", "sn-c2"]
    for kind, first in ((Replicator, "sn-a1"), (Streamer, "sn-c2")):
        r = reader_of_redo(kind)
        assert min(members, key=lambda n: r._fetch_rank(members, n)) == first


def test_a_fetch_passes_a_slow_storage_node_by(fleet):
    async def go() -> None:
        vol = await open_volume(fleet)
        wrote = {}
        for i in range(5):
            body = page(f"v{i}")
            lsn = await vol.commit({(0, i): body})
            wrote[lsn] = body
        # quorum_timeout: a request to the slow node would wait for it, not give up on it
        source = await open_volume(fleet, vol.meta, writer=False, quorum_timeout=SLOW_S * 2)
        pg = source.meta.pgs[(0, 0)]
        try:
            for kind in (Replicator, Streamer):
                r = reader_of_redo(kind)
                first = min(pg.members, key=lambda n, r=r: r._fetch_rank(pg.members, n))
                admin.node_control(fleet, first, {"latency_ms": SLOW_S * 1000})
                try:
                    started = time.monotonic()
                    found = await asyncio.wait_for(r._fetch(source, pg, sorted(wrote), {}), SLOW_S / 2)
                    assert time.monotonic() - started < SLOW_S / 2
                finally:
                    admin.node_control(fleet, first, {"latency_ms": 0})
                assert {lsn: body for lsn, (_, body) in found.items()} == wrote
                assert all(header.lsn == lsn and header.page == lsn - min(wrote)
                           for lsn, (header, _) in found.items())
        finally:
            await source.close()
            await vol.close()

    run(go())


def test_a_fetch_under_way_gives_up_when_the_link_is_cut(fleet):
    """A failover halts the replication process and waits for its step under way: a fetch from
    a region that froze must not wait out its request timeout."""
    async def go() -> None:
        vol = await open_volume(fleet)
        lsn = await vol.commit({(0, 0): page("x")})
        source = await open_volume(fleet, vol.meta, writer=False, quorum_timeout=SLOW_S * 2)
        pg = source.meta.pgs[(0, 0)]
        for node_id in pg.members:
            admin.node_control(fleet, node_id, {"latency_ms": SLOW_S * 1000})
        try:
            r = reader_of_redo(Replicator)
            fetch = asyncio.ensure_future(r._fetch(source, pg, [lsn], {}))
            await asyncio.sleep(0.3)  # every member asked by now (one more every 20 ms)
            assert not fetch.done()
            started = time.monotonic()
            r._set_link(False)
            with pytest.raises(errors.Unavailable, match="link"):
                await asyncio.wait_for(fetch, SLOW_S / 2)
            assert time.monotonic() - started < 1.0
            with pytest.raises(errors.Unavailable, match="link"):  # and nothing new starts
                await r._fetch(source, pg, [lsn], {})
        finally:
            for node_id in pg.members:
                admin.node_control(fleet, node_id, {"latency_ms": 0})
            await source.close()
            await vol.close()

    run(go())
