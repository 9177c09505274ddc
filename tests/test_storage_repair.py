"""Self-healing: a lost storage node is replaced by a new one that copies its segments from
the peers while writes go on."""

from __future__ import annotations

import asyncio

import pytest
from storage_support import eventually, open_volume, page, run

from aurora.engine.storage.repair import copies_current, replace_node

pytestmark = pytest.mark.integration


def test_replacement_node_copies_every_segment_while_writes_go_on(fleet):
    async def go():
        vol = await open_volume(fleet, quorum_timeout=2.0)
        acked: dict[tuple[int, int], bytes] = {}
        for start in range(0, 600, 50):  # ~2.4 MiB over several protection groups
            batch = {(0, i): page(f"v1-{i}") for i in range(start, start + 50)}
            await vol.commit(batch)
            acked.update(batch)
        clone = await open_volume(fleet, meta=await vol.clone())
        fleet.kill_node("sn-b1")
        replacement = await asyncio.to_thread(replace_node, fleet, "sn-b1")
        assert (replacement.old, replacement.new, replacement.az) == ("sn-b1", "sn-b3", "b")
        assert "sn-b1" not in fleet.nodes()
        # Writes go on during the copy, and count the new node among the six.
        for i in range(600, 700):
            acked[(0, i)] = page(f"during-{i}")
            await vol.commit({(0, i): acked[(0, i)]})
        assert any(node == "sn-b3" for node, _pg in vol.tracker.scl)

        async def copied() -> bool:
            done, total = await asyncio.to_thread(copies_current, fleet, "sn-b3")
            return total > 0 and done == total

        await eventually(copied, 30, "the new node to copy its segments")
        # Only the new node left: it alone serves every page, of the volume and of its clone.
        for other in ("sn-a1", "sn-a2", "sn-b2", "sn-c1", "sn-c2"):
            fleet.stop_node(other)
        vol.pool.down_until.clear()
        for key, body in acked.items():
            assert await vol.read_page(*key) == body, key
        clone.pool.down_until.clear()
        clone.check_membership()
        assert await clone.read_page(0, 10) == page("v1-10")
        await vol.close()
        await clone.close()

    run(go())


def test_a_deleted_volume_is_not_brought_back_by_a_node_that_missed_the_delete(fleet):
    from aurora.engine.storage import wire

    async def go():
        vol = await open_volume(fleet)
        await vol.commit({(0, 0): page("doomed")})
        await vol.close()
        return vol.id

    volume = run(go())
    fleet.kill_node("sn-a1")  # misses the delete
    for node_id, node in fleet.nodes().items():
        if node_id != "sn-a1":
            wire.request_sync(node.socket, wire.DROP_SEGMENT,
                              {"volume": volume, "file": 0, "pg": 0, "volume_deleted": True})
    fleet.start_node("sn-a1")

    def segments_of_volume() -> int:
        total = 0
        for node in fleet.nodes().values():
            reply, _ = wire.request_sync(node.socket, wire.STATUS, {})
            total += sum(1 for s in reply["segments"] if s["volume"] == volume)
        return total

    async def gone() -> bool:
        return await asyncio.to_thread(segments_of_volume) == 0

    run(eventually(gone, 15, "the returning node to drop the deleted volume"))
    run(asyncio.sleep(1.0))  # a few more gossip rounds: nothing comes back
    assert segments_of_volume() == 0
