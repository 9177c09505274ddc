"""Bulk loads (a restore writing a new volume): durable on a write quorum when they return,
with the base image beside them; a node lost midway costs nothing and catches up after;
a failed load leaves no volume and no base image; checksums are checked on the way in."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from storage_support import eventually, open_volume, page, run

from aurora.engine import errors
from aurora.engine.backup.restore import restore_volume
from aurora.engine.backup.store import BackupStore, Chain
from aurora.engine.storage import records as rec
from aurora.engine.storage import wire
from aurora.engine.storage.catalog import Catalog, parse_volume_name
from aurora.engine.storage.fleet import Fleet
from aurora.engine.storage.quorum import WRITE_QUORUM

pytestmark = pytest.mark.integration

PAGES = 6_000  # 24 MiB: several protection groups of the default 10 MiB, several frames each


def restored_pages(count: int = PAGES) -> dict[tuple[int, int], bytes]:
    pages = {(1, i): page(f"restored-{i}") for i in range(count)}
    pages[(0, 0)] = page("registry")
    return pages


def segments_of(fleet: Fleet, volume_id: int) -> dict[str, dict[tuple[int, int], dict]]:
    """Each answering node's segments of the volume: (file, pg) -> its STATUS summary."""
    out = {}
    for node_id, node in fleet.nodes().items():
        try:
            reply, _ = wire.request_sync(node.socket, wire.STATUS, {}, timeout=2.0)
        except (OSError, errors.StorageError):
            continue
        out[node_id] = {(s["file"], s["pg"]): s for s in reply["segments"] if s["volume"] == volume_id}
    return out


def records_on(fleet: Fleet, node_id: str | None = None) -> int:
    """Records of every volume on one node (or on all): the fleet is the test's own."""
    held = segments_of_all(fleet)
    return sum(s["records"] for n, segs in held.items() if node_id in (None, n) for s in segs)


def segments_of_all(fleet: Fleet) -> dict[str, list[dict]]:
    out = {}
    for node_id, node in fleet.nodes().items():
        try:
            reply, _ = wire.request_sync(node.socket, wire.STATUS, {}, timeout=2.0)
        except (OSError, errors.StorageError):
            continue
        out[node_id] = reply["segments"]
    return out


def complete_copies(fleet: Fleet, name: str, pages: dict) -> dict[tuple[int, int], int]:
    """How many nodes hold every record of each protection group of the volume."""
    meta = Catalog(fleet.layout, fleet.region).load_volume(parse_volume_name(name))
    want: dict[tuple[int, int], int] = {}
    for f, p in pages:
        pgid = (f, p // meta.pages_per_pg)
        want[pgid] = want.get(pgid, 0) + 1
    held = segments_of(fleet, meta.id)
    return {pgid: sum(1 for segs in held.values() if segs.get(pgid, {}).get("records") == n)
            for pgid, n in want.items()}


async def read_all(fleet: Fleet, name: str, pages: dict) -> None:
    """Every page reads back as restored, through a reader (nodes check both checksums)."""
    meta = Catalog(fleet.layout, fleet.region).load_volume(parse_volume_name(name))
    vol = await open_volume(fleet, meta=meta, writer=False)
    try:
        for key in sorted(pages):
            assert await vol.read_page(*key) == pages[key], key
    finally:
        await vol.close()
        vol.pool.close()


def test_a_restore_is_durable_on_a_write_quorum_when_it_returns(fleet, tmp_path):
    pages = restored_pages()
    store = BackupStore(tmp_path / "backups")
    name, vdl = restore_volume(fleet, pages, base_to=store)
    assert vdl == len(pages)  # one record per page, LSNs from 1
    copies = complete_copies(fleet, name, pages)
    assert len(copies) >= 3, copies
    assert all(n >= WRITE_QUORUM for n in copies.values()), copies
    # The base image was written with the volume, as of its durable point.
    bases = store.chain(name).bases()
    assert [b.lsn for b in bases] == [vdl]
    assert Chain.read_base(bases[0]) == pages
    # A write quorum was told the final durable point: the next writer recovers from there.
    meta = Catalog(fleet.layout, fleet.region).load_volume(parse_volume_name(name))
    told = segments_of(fleet, meta.id)
    for pgid in copies:
        assert sum(1 for segs in told.values() if segs.get(pgid, {}).get("vdl_hint") == vdl) >= WRITE_QUORUM
    run(read_all(fleet, name, pages))

    async def reopen() -> tuple[int, int]:
        vol = await open_volume(fleet, meta=meta)
        try:
            return vol.vdl, await vol.commit({(1, 0): page("after")})
        finally:
            await vol.close()
            vol.pool.close()

    # The lagging copies catch up (gossip leaves a bulk-loaded volume alone only while it loads).
    deadline = time.monotonic() + 30
    while min(complete_copies(fleet, name, pages).values()) < 6:
        assert time.monotonic() < deadline, complete_copies(fleet, name, pages)
        time.sleep(0.1)
    # The next writer recovers from the announced point, and writes on after it.
    assert run(reopen()) == (vdl, vdl + 1)


def test_a_node_killed_during_a_restore_costs_nothing_and_catches_up(fleet, tmp_path):
    pages = restored_pages()
    outcome: dict[str, object] = {}

    def restore() -> None:
        try:
            outcome["result"] = restore_volume(fleet, pages, base_to=BackupStore(tmp_path / "backups"))
        except BaseException as e:  # reported by the assertion below
            outcome["error"] = e

    thread = threading.Thread(target=restore)
    thread.start()
    victim = "sn-b1"
    deadline = time.monotonic() + 30
    while not records_on(fleet, victim):  # the load is under way there
        if time.monotonic() > deadline or not thread.is_alive():
            break
        time.sleep(0.01)
    midway = thread.is_alive()
    fleet.kill_node(victim)
    thread.join(60)
    assert midway, "the restore ended before the node was killed"
    assert not thread.is_alive()
    assert "error" not in outcome, outcome
    name, vdl = outcome["result"]  # type: ignore[misc]
    assert vdl == len(pages)
    assert all(n >= WRITE_QUORUM for n in complete_copies(fleet, name, pages).values())
    run(read_all(fleet, name, pages))
    # The node comes back and fills its copy from its peers.
    fleet.start_node(victim)
    meta = Catalog(fleet.layout, fleet.region).load_volume(parse_volume_name(name))

    async def victim_complete() -> bool:
        copies = segments_of(fleet_only(fleet, victim), meta.id).get(victim, {})
        return sum(s["records"] for s in copies.values()) == sum(
            1 for f, p in pages if victim in meta.pgs[(f, p // meta.pages_per_pg)].members)

    run(eventually(victim_complete, 30, f"{victim} to catch up by gossip"))


def fleet_only(fleet: Fleet, node_id: str) -> Fleet:
    """A view of the fleet that lists one node (for STATUS polls of that node alone)."""
    view = Fleet(fleet.layout, fleet.region)
    node = fleet.nodes()[node_id]
    view.nodes = lambda: {node_id: node}  # type: ignore[method-assign]
    return view


def test_a_restore_that_loses_its_quorum_leaves_no_volume_and_no_base_image(fleet, tmp_path):
    pages = restored_pages()
    store = BackupStore(tmp_path / "backups")
    catalog = Catalog(fleet.layout, fleet.region)
    before = {v.name for v in catalog.volumes()}
    outcome: dict[str, object] = {}

    def restore() -> None:
        try:
            outcome["result"] = restore_volume(fleet, pages, base_to=store)
        except BaseException as e:  # what the test expects
            outcome["error"] = e

    thread = threading.Thread(target=restore)
    thread.start()
    deadline = time.monotonic() + 30
    while not records_on(fleet):  # the load is under way
        if time.monotonic() > deadline or not thread.is_alive():
            break
        time.sleep(0.01)
    # Three of six copies gone: no write quorum, the load cannot become durable.
    midway = thread.is_alive()
    for node_id in ("sn-a1", "sn-b1", "sn-c1"):
        fleet.kill_node(node_id)
    thread.join(60)
    assert midway, "the restore ended before its quorum was lost"
    assert not thread.is_alive()
    assert "result" not in outcome, "a restore without a write quorum returned"
    assert isinstance(outcome["error"], errors.AuroraError), repr(outcome["error"])
    volumes = store.root / "volumes"
    assert not volumes.exists() or not any(volumes.iterdir()), list(volumes.iterdir())
    assert {v.name for v in catalog.volumes()} == before


def test_a_bulk_write_with_a_corrupt_record_is_refused_whole(fleet):
    async def go() -> None:
        vol = await open_volume(fleet)
        await vol.commit({(0, 0): page("first")})
        pg = vol.meta.pgs[(0, 0)]
        good = rec.encode(volume=vol.id, epoch=vol.epoch, file=0, pg=0, lsn=2, prev_lsn=1, batch_first=2,
                          cpl=3, ts=time.time(), page=1, body=page("second"))
        bad = bytearray(rec.encode(volume=vol.id, epoch=vol.epoch, file=0, pg=0, lsn=3, prev_lsn=2,
                                   batch_first=2, cpl=3, ts=time.time(), page=2, body=page("third")))
        bad[-1] ^= 0xFF  # the body no longer matches its checksum
        node = fleet.nodes()[pg.members[0]]
        client = wire.NodeClient(node.socket)
        try:
            with pytest.raises(wire.RemoteError, match="checksum"):
                await client.request(wire.WRITE, {"volume": vol.id, "epoch": vol.epoch, "vdl": 1, "bulk": True},
                                     good + bytes(bad))
            reply, _ = await client.request(wire.SCAN, {"volume": vol.id, "file": 0, "pg": 0, "above": 1})
            assert reply["records"] == []  # not even the good record of that write
        finally:
            client.close()
            await vol.close()
            vol.pool.close()

    run(go())


def test_segment_changes_are_saved_before_they_are_answered(fleet):
    """CREATE_SEGMENT and SET_EPOCH that arrive together share one save of the node's
    metadata; each is answered only after it, so a node killed right after still has them."""
    node_id = "sn-a2"
    node = fleet.nodes()[node_id]
    members = [n.as_member() for n in fleet.nodes().values()]

    async def go() -> None:
        client = wire.NodeClient(node.socket)
        try:
            await asyncio.gather(*(
                client.request(wire.CREATE_SEGMENT, {"segment": {
                    "volume": 0xB0, "file": 1, "pg": pg, "base_lsn": 0, "epoch": 1, "members": members,
                    "parent": None}}) for pg in range(40)))
            await asyncio.gather(*(
                client.request(wire.SET_EPOCH, {"volume": 0xB0, "file": 1, "pg": pg, "epoch": 7,
                                                "truncations": [[7, 0]]}) for pg in range(40)))
        finally:
            client.close()

    run(go())
    fleet.kill_node(node_id)
    fleet.start_node(node_id)
    segs = segments_of(fleet_only(fleet, node_id), 0xB0)[node_id]
    assert sorted(segs) == [(1, pg) for pg in range(40)]
    assert {s["epoch"] for s in segs.values()} == {7}
    assert Path(fleet.layout.node_dir(fleet.region, node_id), "meta.json").exists()
