"""Batches numbered elsewhere (a global database's replication copies the primary's batches
with their LSNs): page versions superseded within a batch travel as skipped records, which
keep the LSNs contiguous and are never read."""

from __future__ import annotations

import asyncio

import pytest
from storage_support import PAGE, open_volume, page, run
from test_storage_nodestore import VOLUME, new_store

from aurora.engine.globaldb.replicator import Diverged, Replicator
from aurora.engine.storage import records as rec
from aurora.engine.storage.catalog import Catalog

SKIP = rec.SKIP_PAGE
pytestmark = pytest.mark.integration


def test_a_batch_with_skipped_records_reads_recovers_and_counts_only_pages(fleet):
    async def go():
        vol = await open_volume(fleet)
        base = await vol.commit({(0, 0): page("a0"), (0, 1): page("b0")})
        first = base + 1
        # a merged copy of two batches, each writing page 0: its first version is skipped
        cpl, durable = await vol.submit_records(first, [
            (first, 0, SKIP, b""), (first + 1, 0, 70, page("far")),
            (first + 2, 0, 0, page("a2")), (first + 3, 0, 1, page("b2"))])
        await vol.wait_durable(cpl, durable)
        assert cpl == first + 3 == vol.vdl
        later = await vol.commit({(0, 0): page("a3")})  # the volume's own numbering goes on
        assert later == cpl + 1
        reader = await open_volume(fleet, vol.meta, writer=False)
        assert await reader.read_page(0, 0) == page("a3")
        assert await reader.read_page(0, 0, as_of=cpl) == page("a2")
        assert await reader.read_page(0, 1, as_of=cpl) == page("b2")
        assert await reader.read_page(0, 70) == page("far")
        assert await reader.read_page(0, 0, as_of=base) == page("a0")
        d = await vol.describe()
        assert d["size_bytes"] == 3 * PAGE  # pages 0, 1 and 70: the skipped record is no page
        await reader.close()
        await vol.close()
        # recovery finds every LSN up to the last batch, the skipped one included
        again = await open_volume(fleet, Catalog(fleet.layout, fleet.region).load_volume(vol.id))
        assert again.vdl == later
        assert await again.read_page(0, 0) == page("a3")
        await again.close()
    run(go())


def test_a_reader_following_merged_batches_reads_at_once(fleet):
    # Three commits, A (page 0 of group 0), B (page 70, group 1), A again, merged: group 0
    # ends at the third LSN, group 1 at the second. The page-order rule would put group 1's
    # tip at the third, which its copies never reach while nothing else is written there.
    async def go():
        vol = await open_volume(fleet)
        await vol.commit({(0, 0): page("a0"), (0, 70): page("b0")})
        reader = await open_volume(fleet, vol.meta, writer=False)
        first = vol.next_lsn
        records = [(first, 0, SKIP, b""), (first + 1, 0, 70, page("b1")), (first + 2, 0, 0, page("a2"))]
        cpl, durable = await vol.submit_records(first, records)
        await vol.wait_durable(cpl, durable)
        reader.apply_commit(cpl, [(0, 0), (0, 70)], [[0, 1, first + 1], [0, 0, first + 2]])
        assert await asyncio.wait_for(reader.read_page(0, 70), 2) == page("b1")
        assert await asyncio.wait_for(reader.read_page(0, 0), 2) == page("a2")
        await reader.close()
        await vol.close()
    run(go())


def test_submit_records_refuses_what_is_not_a_numbered_batch(fleet):
    async def go():
        vol = await open_volume(fleet)
        first = vol.next_lsn
        with pytest.raises(ValueError, match="does not follow"):
            await vol.submit_records(first + 1, [(first + 1, 0, 0, page("x"))])
        with pytest.raises(ValueError, match="not numbered"):
            await vol.submit_records(first, [(first, 0, 0, page("x")), (first + 2, 0, 1, page("y"))])
        with pytest.raises(ValueError, match="has a body"):
            await vol.submit_records(first, [(first, 0, SKIP, page("x")), (first + 1, 0, 1, page("y"))])
        with pytest.raises(ValueError, match="has no page"):
            await vol.submit_records(first, [(first, 0, SKIP, b"")])
        with pytest.raises(ValueError, match="bytes, not"):
            await vol.submit_records(first, [(first, 0, 0, b"short")])
        assert vol.next_lsn == first  # nothing was numbered
        assert await vol.commit({(0, 0): page("ok")}) == first
        await vol.close()
    run(go())


def test_a_node_never_serves_a_skipped_record_and_collects_old_ones(tmp_path):
    store = new_store(tmp_path)

    def write(lsn: int, page_no: int, body: bytes) -> None:
        raw = rec.encode(volume=VOLUME, epoch=1, file=0, pg=0, lsn=lsn, prev_lsn=lsn - 1, batch_first=1,
                         cpl=4, ts=0.0, page=page_no, body=body)
        store.append(rec.iter_records(raw))

    write(1, SKIP, b"")
    write(2, 3, page("p3"))
    write(3, SKIP, b"")
    write(4, 0, page("p0"))
    store.sync()
    seg = store.segment(VOLUME, 0, 0)
    seg.vdl_hint = 4
    assert seg.scl == 4
    assert store.find_version(seg, 0, 3) is None  # below LSN 4 page 0 has no version
    assert store.read_raw(seg, 1)[rec.HEADER_SIZE:] == b""  # a sound record, kept for the chain
    assert seg.summary()["pages"] == 2
    assert store.collect(now=1e12) == 1  # the older of the two skipped records
    assert sorted(seg.records) == [2, 3, 4] and seg.scl == 4
    store.close()


def header(lsn: int, first: int, cpl: int, page_no: int, body: bytes) -> tuple[rec.RecordHeader, bytes]:
    raw = rec.encode(volume=1, epoch=1, file=0, pg=0, lsn=lsn, prev_lsn=lsn - 1, batch_first=first, cpl=cpl,
                     ts=float(cpl), page=page_no, body=body)
    return rec.decode_header(raw), body


def test_replication_merges_whole_batches_and_keeps_what_the_source_skipped():
    # batches 1-2 (pages 0, 1), 3-3 (page 0), 4-6 (a merged source batch: a skip, pages 0 and 2)
    found = {1: header(1, 1, 2, 0, page("a")), 2: header(2, 1, 2, 1, page("b")),
             3: header(3, 3, 3, 0, page("c")),
             4: header(4, 4, 6, SKIP, b""), 5: header(5, 4, 6, 0, page("d")), 6: header(6, 4, 6, 2, page("e"))}
    r = Replicator
    merged = r._records(found, 1, 6, True)
    assert [(lsn, p) for lsn, _, p, _ in merged] == [(1, SKIP), (2, 1), (3, SKIP), (4, SKIP), (5, 0), (6, 2)]
    assert merged[4][3] == page("d") and all(body == b"" for _, _, p, body in merged if p == SKIP)
    one = r._records(found, 1, 2, False)
    assert [(lsn, p) for lsn, _, p, _ in one] == [(1, 0), (2, 1)]
    assert [p for _, _, p, _ in r._records(found, 4, 6, False)] == [SKIP, 0, 2]
    with pytest.raises(Diverged):
        r._records(found, 2, 3, True)  # starts inside batch 1-2
    with pytest.raises(Diverged):
        r._records(found, 3, 5, True)  # ends inside batch 4-6
