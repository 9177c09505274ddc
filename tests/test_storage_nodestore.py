"""A node's log and indexes in-process: SCL survives garbage collection, compaction, restart,
truncation and a corrupt copy."""

from __future__ import annotations

import itertools
import random

from storage_support import page

from aurora.engine.storage import records as rec
from aurora.engine.storage.nodestore import NodeStore

VOLUME = 7


def write(store: NodeStore, lsn: int, prev: int, page_no: int, body: bytes, epoch: int = 1, ts: float = 0.0) -> None:
    raw = rec.encode(volume=VOLUME, epoch=epoch, file=0, pg=0, lsn=lsn, prev_lsn=prev, batch_first=lsn,
                     cpl=lsn, ts=ts, page=page_no, body=body)
    store.append(rec.iter_records(raw))
    store.sync()


def new_store(tmp_path) -> NodeStore:
    store = NodeStore(tmp_path, chunk_bytes=64 * 1024, retention_s=0)
    store.create_segment({"volume": VOLUME, "file": 0, "pg": 0, "base_lsn": 0, "epoch": 1, "members": []})
    return store


def test_scl_survives_collection_compaction_and_restart(tmp_path):
    store = new_store(tmp_path)
    for lsn in range(1, 201):
        write(store, lsn, lsn - 1, page_no=0, body=page(f"v{lsn}"))
    seg = store.segment(VOLUME, 0, 0)
    seg.vdl_hint = 200
    assert seg.scl == 200
    assert store.collect(now=1e12) == 199
    assert store.compact(max_chunks=10) > 0
    assert seg.scl == 200
    store.close()
    store = NodeStore(tmp_path, chunk_bytes=64 * 1024, retention_s=0)
    seg = store.segment(VOLUME, 0, 0)
    assert seg.scl == 200 and len(seg.records) < 200  # what was compacted away stays away
    found = store.find_version(seg, 0, 200)
    assert found is not None and store.read_raw(*found)[rec.HEADER_SIZE:] == page("v200")
    # the chain goes on from there
    write(store, 201, 200, page_no=1, body=page("next"))
    assert seg.scl == 201
    store.close()


def test_truncation_and_a_corrupt_copy_keep_the_chain_below_them(tmp_path):
    store = new_store(tmp_path)
    for lsn in range(1, 11):
        write(store, lsn, lsn - 1, page_no=lsn, body=page(lsn))
    seg = store.segment(VOLUME, 0, 0)
    store.set_epoch(seg, 2, [(2, 7)])  # an old writer's records above 7 are dropped
    assert seg.scl == 7 and max(seg.records) == 7
    write(store, 8, 7, page_no=99, body=page("new 8"), epoch=2)
    assert seg.scl == 8
    store.mark_corrupt(seg, 5)  # until refilled, the chain stands at 4
    assert seg.scl == 4
    write(store, 5, 4, page_no=5, body=page(5))
    assert seg.scl == 8
    store.close()


def test_the_active_chunk_is_zero_filled_ahead_and_a_restart_finds_its_end(tmp_path):
    store = NodeStore(tmp_path, chunk_bytes=1024 * 1024, retention_s=0)
    store.create_segment({"volume": VOLUME, "file": 0, "pg": 0, "base_lsn": 0, "epoch": 1, "members": []})
    for lsn in range(1, 4):
        write(store, lsn, lsn - 1, page_no=lsn, body=page(lsn))
    chunk = store._chunk_path(store.active)
    records = 3 * (rec.HEADER_SIZE + len(page(1)))
    assert store.disk_bytes() == records
    assert chunk.stat().st_size > records  # appends overwrite zeros: the file does not grow
    assert not any(chunk.read_bytes()[records:])
    store.close()

    store = NodeStore(tmp_path, chunk_bytes=1024 * 1024, retention_s=0)
    seg = store.segment(VOLUME, 0, 0)
    assert seg.scl == 3 and store.disk_bytes() == records and store.corrupt_found == 0
    write(store, 4, 3, page_no=4, body=page("after the restart"))
    store.close()

    # A torn append (not zeros, not a record) after the last record is cut at restart;
    # the records before it stay, and the next append goes where the torn one was.
    with open(chunk, "r+b") as f:
        f.seek(records + rec.HEADER_SIZE + len(page(1)))
        f.write(b"torn" * 10)
    store = NodeStore(tmp_path, chunk_bytes=1024 * 1024, retention_s=0)
    seg = store.segment(VOLUME, 0, 0)
    assert seg.scl == 4 and store.disk_bytes() == records + rec.HEADER_SIZE + len(page(1))
    write(store, 5, 4, page_no=5, body=page(5))
    found = store.find_version(seg, 5, 5)
    assert found is not None and store.read_raw(*found)[rec.HEADER_SIZE:] == page(5)
    store.close()
    store = NodeStore(tmp_path, chunk_bytes=1024 * 1024, retention_s=0)
    assert store.segment(VOLUME, 0, 0).scl == 5 and store.corrupt_found == 0
    store.close()


def test_a_sealed_chunk_keeps_no_zeros(tmp_path):
    store = new_store(tmp_path)  # 64 KiB chunks
    for lsn in range(1, 41):
        write(store, lsn, lsn - 1, page_no=lsn, body=page(lsn))
    sealed = [store._chunk_path(c) for c in sorted(store._sizes) if c != store.active]
    assert sealed
    for path in sealed:
        data = path.read_bytes()
        offset = 0
        while offset < len(data):  # whole records up to the file's last byte
            offset += rec.decode_header(data, offset).size
        assert offset == len(data) == store._sizes[int(path.stem)]
    store.close()


def test_collection_drops_what_a_walk_over_every_version_would(tmp_path):
    """Collection takes superseding versions in order instead of walking every version of
    every page each time; what it drops must be what the rule says, for hot pages, pages
    written once, a clone's pin and the clone going away, at several times."""
    rng = random.Random(7)
    store = NodeStore(tmp_path, chunk_bytes=1 << 20, retention_s=100)
    store.create_segment({"volume": VOLUME, "file": 0, "pg": 0, "base_lsn": 0, "epoch": 1, "members": []})
    seg = store.segment(VOLUME, 0, 0)
    page_of: dict[int, int] = {}
    for lsn in range(1, 801):
        page_of[lsn] = rng.choice([0, 0, 0, 1, 2, rng.randrange(3, 60)])
        write(store, lsn, lsn - 1, page_of[lsn], page(lsn), ts=float(lsn))  # one commit a second
    seg.vdl_hint = 800
    store.create_segment({"volume": VOLUME + 1, "file": 0, "pg": 0, "base_lsn": 0, "epoch": 1, "members": [],
                          "parent": [VOLUME, 333]})
    assert seg.pins == {333}
    left = set(range(1, 801))

    def rule(now: float) -> None:
        """Drop a version when the next version of its page is older than the retention and
        no pin lies between them, until nothing more goes."""
        while True:
            by_page: dict[int, list[int]] = {}
            for lsn in sorted(left):
                by_page.setdefault(page_of[lsn], []).append(lsn)
            gone = {v for vs in by_page.values() for v, n in itertools.pairwise(vs)
                    if n <= now - 100 and not any(v <= p < n for p in seg.pins)}
            if not gone:
                return
            left.difference_update(gone)

    for now in (150.0, 151.0, 400.0, 650.0):
        dropped = store.collect(now=now)
        before = len(left)
        rule(now)
        assert dropped == before - len(left)
        assert set(seg.records) == left, now
    store.drop_segment(VOLUME + 1, 0, 0)  # the clone goes: what it pinned may go now
    assert store.collect(now=650.0) > 0
    rule(650.0)
    assert set(seg.records) == left
    for page_no in {page_of[x] for x in left}:  # every page still reads as it was last written
        found = store.find_version(seg, page_no, 800)
        newest = max(x for x in page_of if page_of[x] == page_no)
        assert found is not None and found[1] == newest
    store.close()
