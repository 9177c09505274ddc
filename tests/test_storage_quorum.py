"""Quorum behaviour of a real six-node fleet: losing nodes, fencing, crash recovery, gossip."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
from storage_support import eventually, open_volume, page, run

from aurora.engine import process
from aurora.engine.errors import StaleEpoch, WriteQuorumLost
from aurora.engine.storage import wire
from aurora.engine.storage.catalog import Catalog

pytestmark = pytest.mark.integration


async def node_scl(fleet, node_id: str, volume_id: int) -> dict[tuple[int, int], int]:
    node = fleet.nodes()[node_id]
    reply, _ = await asyncio.to_thread(wire.request_sync, node.socket, wire.STATUS, {})
    return {(s["file"], s["pg"]): s["scl"] for s in reply["segments"] if s["volume"] == volume_id}


async def writable(vol, key: tuple[int, int]) -> bool:
    """Whether a commit (of one page at ``key``) succeeds: writes have resumed."""
    try:
        await vol.commit({key: page("after")})
        return True
    except WriteQuorumLost:
        return False


@pytest.mark.parametrize("victims", [("sn-a1", "sn-b2"), ("sn-c1", "sn-c2")], ids=["two-nodes", "one-az"])
def test_two_nodes_down_then_a_third(fleet, victims):
    async def go():
        vol = await open_volume(fleet, quorum_timeout=1.5)
        acknowledged = {}
        for i in range(20):
            acknowledged[(0, i)] = page(f"before-{i}")
            await vol.commit({(0, i): acknowledged[(0, i)]})
        for v in victims:
            fleet.kill_node(v)
        # Two copies lost (or a whole AZ): 4 of 6 remain, writes and reads go on.
        for i in range(20, 40):
            acknowledged[(0, i)] = page(f"during-{i}")
            await vol.commit({(0, i): acknowledged[(0, i)]})
        for key, body in acknowledged.items():
            assert await vol.read_page(*key) == body
        # A third copy lost: the write fails with the typed error, in bounded time.
        third = next(n for n in ("sn-b1", "sn-a2", "sn-b2") if n not in victims)
        fleet.kill_node(third)
        t = time.monotonic()
        with pytest.raises(WriteQuorumLost):
            await vol.commit({(0, 99): page("lost")})
        assert time.monotonic() - t < 5
        with pytest.raises(WriteQuorumLost):  # and at once while the quorum stays lost
            await vol.commit({(0, 98): page("lost too")})
        # Reads still succeed, and nothing acknowledged is lost.
        for key, body in acknowledged.items():
            assert await vol.read_page(*key) == body
        # Bring the nodes back: they catch up from their peers and writes resume.
        for v in (*victims, third):
            fleet.start_node(v)

        await eventually(lambda: writable(vol, (0, 50)), 15, "writes to resume")
        vdl = vol.vdl

        async def caught_up() -> bool:
            for v in (*victims, third):
                scl = await node_scl(fleet, v, vol.id)
                if scl.get((0, 0), 0) < vol.tip[(0, 0)]:
                    return False
            return True

        await eventually(caught_up, 15, "restarted nodes to catch up by gossip")
        assert vol.vdl >= vdl
        for key, body in acknowledged.items():
            assert await vol.read_page(*key) == body
        await vol.close()

    run(go())


def test_copies_that_stall_are_waited_for_and_only_then_called_lost(fleet):
    """Three copies that stop answering but keep their connections (SIGSTOP: a disk whose
    fdatasync stalls, a starved process) are slow, not gone: a commit waits for them past
    quorum_timeout and succeeds once they answer. Only after stall_timeout is the write
    quorum called lost. (Copies killed are gone at quorum_timeout: the test above.)"""
    async def go():
        vol = await open_volume(fleet)
        await vol.commit({(0, 0): page("first")})  # creates the protection group
        vol.quorum_timeout = 0.5
        stalled = [fleet.record(n) for n in ("sn-a1", "sn-b1", "sn-c1")]

        def stall(sig: signal.Signals) -> None:
            for record in stalled:
                process.kill(record, sig)

        stall(signal.SIGSTOP)
        try:
            waiting = asyncio.ensure_future(vol.commit({(0, 1): page("waits")}))
            await asyncio.sleep(2.0)  # four times quorum_timeout
            assert not waiting.done(), waiting
        finally:
            stall(signal.SIGCONT)
        cpl = await asyncio.wait_for(waiting, 30)
        assert vol.vdl >= cpl
        assert await vol.read_page(0, 1) == page("waits")

        vol.stall_timeout = 1.5
        stall(signal.SIGSTOP)
        try:
            t = time.monotonic()
            with pytest.raises(WriteQuorumLost):
                await asyncio.wait_for(vol.commit({(0, 2): page("lost")}), 30)
            assert time.monotonic() - t >= 1.5
        finally:
            stall(signal.SIGCONT)

        await eventually(lambda: writable(vol, (0, 3)), 15, "writes to resume")
        assert await vol.read_page(0, 2) == page("lost")  # resent until durable
        await vol.close()

    run(go())


def test_older_epoch_is_fenced(fleet):
    async def go():
        old = await open_volume(fleet)
        await old.commit({(0, 1): page("old writer")})
        catalog = Catalog(fleet.layout, fleet.region)
        new = await open_volume(fleet, meta=catalog.load_volume(old.id))
        assert new.epoch > old.epoch
        assert await new.read_page(0, 1) == page("old writer")
        with pytest.raises(StaleEpoch):
            await old.commit({(0, 1): page("zombie")})
        await new.commit({(0, 2): page("new writer")})
        assert await new.read_page(0, 1) == page("old writer")
        await old.close()
        await new.close()

    run(go())


def test_recovery_truncates_what_was_never_durable(fleet):
    """A batch that reached only two nodes was never durable. A new writer that recovers
    without those two nodes computes VDL below it and truncates it; when the two come back
    they learn the truncation and drop their copies."""
    async def go():
        vol = await open_volume(fleet)
        good = await vol.commit({(0, 0): page("good")})
        # (short only now: the first commit creates the protection group, which a loaded
        # machine may take longer than a second to do on six nodes)
        vol.quorum_timeout = 1.0
        holders, others = ("sn-a2", "sn-b2"), ("sn-a1", "sn-b1", "sn-c1", "sn-c2")
        for n in others:
            fleet.kill_node(n)
        with pytest.raises(WriteQuorumLost):
            await vol.commit({(0, 0): page("never durable")})
        await vol.close()
        for n in holders:
            fleet.kill_node(n)
        for n in others:
            fleet.start_node(n)
        catalog = Catalog(fleet.layout, fleet.region)
        new = await open_volume(fleet, meta=catalog.load_volume(vol.id))
        assert new.vdl == good
        assert await new.read_page(0, 0) == page("good")
        later = await new.commit({(0, 1): page("after recovery")})
        for n in holders:
            fleet.start_node(n)

        async def learned() -> bool:
            for n in holders:
                node = fleet.nodes()[n]
                reply, _ = await asyncio.to_thread(wire.request_sync, node.socket, wire.STATUS, {})
                seg = next(s for s in reply["segments"] if s["volume"] == vol.id and s["pg"] == 0)
                # the orphan also sat at LSN `later`: the epoch tells that the truncation was learned
                if seg["epoch"] < new.epoch or seg["scl"] < later:
                    return False
            return True

        await eventually(learned, 15, "the returning nodes to learn the truncation")
        for n in others:
            fleet.stop_node(n)
        new.pool.down_until.clear()
        # Only the two former holders of the orphan are left to answer.
        assert later == good + 1  # the new writer reused the orphan's LSN, with a newer epoch
        assert await new.read_page(0, 0) == page("good")
        assert await new.read_page(0, 0, as_of=later) == page("good")
        assert await new.read_page(0, 1) == page("after recovery")
        await new.close()

    run(go())


def test_kill_9_mid_stream_keeps_every_acknowledged_record(fleet):
    async def go():
        vol = await open_volume(fleet)
        acked: dict[tuple[int, int], tuple[bytes, int]] = {}
        history: list[tuple[tuple[int, int], bytes, int]] = []
        stop = asyncio.Event()

        async def writer(w: int) -> None:
            n = 0
            while not stop.is_set():
                key = (0, w * 16 + n % 16)
                body = page(f"w{w}-{n}")
                acked[key] = (body, await vol.commit({key: body}))
                history.append((key, body, acked[key][1]))
                n += 1

        tasks = [asyncio.create_task(writer(w)) for w in range(4)]
        await asyncio.sleep(0.5)
        process.kill(fleet.record("sn-b1"), signal.SIGKILL)  # in the middle of the stream
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*tasks)
        # What sn-b1 acknowledged before it died, by its own SCL in its acknowledgements.
        promised = {pg: vol.tracker.scl.get(("sn-b1", pg), 0) for pg in vol.meta.pgs}
        assert all(v > 0 for v in promised.values())
        # Restart it alone, so that nothing can come from its peers: its own log must hold
        # every record it acknowledged (a torn tail, never acknowledged, is dropped).
        for other in ("sn-a1", "sn-a2", "sn-b2", "sn-c1", "sn-c2"):
            fleet.stop_node(other)
        fleet.start_node("sn-b1")
        scl = await node_scl(fleet, "sn-b1", vol.id)
        for pg, lsn in promised.items():
            assert scl[pg] >= lsn
        vol.pool.down_until.clear()
        checked = 0
        for key, body, lsn in history:
            pg = (key[0], key[1] // vol.meta.pages_per_pg)
            if lsn <= promised[pg]:
                assert await vol.read_page(*key, as_of=lsn) == body
                checked += 1
        assert checked > 0
        # With its peers back, gossip fills what it missed while it was down.
        for other in ("sn-a1", "sn-a2", "sn-b2", "sn-c1", "sn-c2"):
            fleet.start_node(other)

        async def complete() -> bool:
            s = await node_scl(fleet, "sn-b1", vol.id)
            return all(s.get(pg, 0) >= vol.tip[pg] for pg in vol.meta.pgs)

        await eventually(complete, 20, "sn-b1 to catch up from its peers")
        for other in ("sn-a1", "sn-a2", "sn-b2", "sn-c1", "sn-c2"):
            fleet.stop_node(other)
        vol.pool.down_until.clear()
        for key, (body, _lsn) in acked.items():
            assert await vol.read_page(*key) == body, key
        await vol.close()

    run(go())
