"""Clones (copy-on-write, constant time), corrupt copies, and garbage collection."""

from __future__ import annotations

import asyncio
import time

import pytest
from storage_support import eventually, open_volume, page, run

from aurora.engine.storage import records as rec
from aurora.engine.storage import wire
from aurora.engine.storage.catalog import Catalog

pytestmark = pytest.mark.integration


def test_clone_isolation_both_ways(fleet):
    async def go():
        src = await open_volume(fleet)
        await src.commit({(0, 0): page("p0 v1"), (0, 1): page("p1 v1"), (0, 70): page("p70 v1")})
        clone_meta = await src.clone()
        # The source writes after the clone: the clone must not see it.
        await src.commit({(0, 0): page("p0 v2 source")})
        clone = await open_volume(fleet, meta=clone_meta)
        assert await clone.read_page(0, 0) == page("p0 v1")
        assert await clone.read_page(0, 70) == page("p70 v1")
        # The clone writes: the source must not see it; unwritten pages still come from the parent.
        await clone.commit({(0, 1): page("p1 clone"), (0, 2): page("p2 clone")})
        assert await clone.read_page(0, 1) == page("p1 clone")
        assert await clone.read_page(0, 0) == page("p0 v1")
        assert await src.read_page(0, 1) == page("p1 v1")
        assert await src.read_page(0, 2) is None
        assert await src.read_page(0, 0) == page("p0 v2 source")
        # A clone of the clone sees the clone's pages and, below them, the source's.
        grandchild = await open_volume(fleet, meta=await clone.clone())
        assert await grandchild.read_page(0, 1) == page("p1 clone")
        assert await grandchild.read_page(0, 70) == page("p70 v1")
        for v in (src, clone, grandchild):
            await v.close()

    run(go())


def test_clone_copies_no_pages(fleet):
    """Cloning costs the same for a volume of 2 pages and one of 2,000."""
    # What is measured is the clone's cost, not the nodes' latency: a generous quorum
    # timeout, so that a stall of a loaded machine (seen once in CI: all six nodes silent for
    # the default 2 s during the clone's SCAN) does not fail the test
    async def go():
        small = await open_volume(fleet, quorum_timeout=10.0)
        await small.commit({(0, i): page(i) for i in range(2)})
        big = await open_volume(fleet, quorum_timeout=10.0)
        for start in range(0, 2000, 100):
            await big.commit({(0, i): page(i) for i in range(start, start + 100)})

        async def node_bytes() -> int:
            node = fleet.nodes()["sn-a1"]
            reply, _ = await asyncio.to_thread(wire.request_sync, node.socket, wire.STATUS, {})
            return reply["disk_bytes"]

        before = await node_bytes()
        t = time.perf_counter()
        await small.clone()
        small_s = time.perf_counter() - t
        t = time.perf_counter()
        clone = await big.clone()
        big_s = time.perf_counter() - t
        assert await node_bytes() == before  # no page was copied
        # Time is measured by the benchmarks (a shared machine makes timed asserts flaky);
        # here only a generous bound: a copy of 8 MB six times over would not fit in it.
        assert big_s < max(2.0, small_s * 10), (small_s, big_s)
        c = await open_volume(fleet, meta=clone, quorum_timeout=10.0)
        assert await c.read_page(0, 1999) == page(1999)
        for v in (small, big, c):
            await v.close()

    run(go())


async def held(node, volume_id: str, lsn: int) -> None:
    """Wait until ``node`` holds every record up to ``lsn``: a commit needs only 4 of 6 nodes."""

    async def holds() -> bool:
        r, _ = await asyncio.to_thread(wire.request_sync, node.socket, wire.STATUS, {})
        return any(s["scl"] >= lsn for s in r["segments"] if s["volume"] == volume_id)

    await eventually(holds, 10, f"{node.id} to hold record {lsn}")


def corrupt_record(fleet, node_id: str, lsn: int) -> None:
    """Flip a byte in the body of every sound copy of record ``lsn`` in the node's log."""
    folder = fleet.layout.node_dir(fleet.region, node_id) / "redo"
    hit = 0
    for chunk in sorted(folder.glob("*.log")):
        data = bytearray(chunk.read_bytes())
        offset = 0
        while offset < len(data) and any(data[offset : offset + rec.HEADER_SIZE]):  # zeros: the end
            h = rec.decode_header(data, offset)
            body = data[offset + rec.HEADER_SIZE : offset + h.size]
            if h.lsn == lsn and rec.body_ok(h, body):
                data[offset + rec.HEADER_SIZE + 100] ^= 0xFF
                hit += 1
            offset += h.size
        chunk.write_bytes(bytes(data))
    assert hit, f"no sound copy of record {lsn} on {node_id}"


def test_corrupt_copy_is_detected_and_repaired_from_a_peer(fleet):
    async def go():
        vol = await open_volume(fleet, az="a")
        lsn = await vol.commit({(0, 5): page("precious")})
        await held(fleet.nodes()["sn-a1"], vol.id, lsn)
        await vol.close()
        # Stop the node, damage its copy on disk, start it again: it must notice at start-up.
        fleet.stop_node("sn-a1")
        corrupt_record(fleet, "sn-a1", lsn)
        fleet.start_node("sn-a1")
        node = fleet.nodes()["sn-a1"]
        reply, _ = wire.request_sync(node.socket, wire.STATUS, {})
        assert reply["corrupt_found"] == 1

        await held(node, vol.id, lsn)  # gossip refills the corrupt record
        # Damage the copy while the node runs: the read checks the checksum, fetches a good
        # copy from a peer, appends it, and answers with the right page.
        corrupt_record(fleet, "sn-a1", lsn)  # the refilled copy
        header = {"volume": vol.id, "file": 0, "pg": 0, "page": 5, "as_of": lsn, "need": lsn}
        reply, body = wire.request_sync(node.socket, wire.GET_PAGE, header)
        assert body == page("precious")
        assert reply.get("repaired") is True
        reply, body = wire.request_sync(node.socket, wire.GET_PAGE, header)
        assert body == page("precious") and not reply.get("repaired")

    run(go())


def test_old_versions_are_collected(fleet):
    async def go():
        vol = await open_volume(fleet)
        for i in range(300):
            await vol.commit({(0, 0): page(f"v{i}")})
        await vol.commit({(0, 1): page("moves VDL on")})
        node = fleet.nodes()["sn-c2"]

        async def collected() -> bool:
            r, _ = await asyncio.to_thread(wire.request_sync, node.socket, wire.STATUS, {})
            seg = next(s for s in r["segments"] if s["volume"] == vol.id)
            # 300 versions of 4 KiB filled a 1 MiB log chunk; compaction gave it back
            return seg["records"] <= 3 and r["disk_bytes"] < 600_000

        # retention is 0 s in the test fleet; maintenance runs every 5 s
        await eventually(collected, 15, "old versions to be collected")
        assert await vol.read_page(0, 0) == page("v299")
        await vol.close()

    run(go())


def test_clone_pins_the_versions_it_reads(fleet):
    async def go():
        vol = await open_volume(fleet)
        await vol.commit({(0, 0): page("at clone time")})
        clone = await open_volume(fleet, meta=await vol.clone())
        for i in range(50):
            await vol.commit({(0, 0): page(f"later {i}")})
        await asyncio.sleep(6)  # a maintenance round collects everything collectable
        assert await clone.read_page(0, 0) == page("at clone time")
        assert await vol.read_page(0, 0) == page("later 49")
        catalog = Catalog(fleet.layout, fleet.region)
        assert catalog.load_volume(clone.id).parent == (vol.id, clone.meta.base_lsn)
        await vol.close()
        await clone.close()

    run(go())


def test_scrub_finds_and_repairs_a_copy_nobody_reads(fleet):
    async def go():
        vol = await open_volume(fleet)
        lsn = await vol.commit({(0, 9): page("scrubbed")})
        node = fleet.nodes()["sn-c1"]
        await held(node, vol.id, lsn)
        await vol.close()
        corrupt_record(fleet, "sn-c1", lsn)  # while the node runs: only the scrub can notice

        async def repaired() -> bool:
            r, _ = await asyncio.to_thread(wire.request_sync, node.socket, wire.STATUS, {})
            return r["repaired"] >= 1

        await eventually(repaired, 30, "the scrub to repair the damaged copy")
        header = {"volume": vol.id, "file": 0, "pg": 0, "page": 9, "as_of": lsn, "need": lsn}
        reply, body = wire.request_sync(node.socket, wire.GET_PAGE, header)
        assert body == page("scrubbed") and not reply.get("repaired")

    run(go())
