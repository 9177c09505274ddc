"""A node's log and indexes in-process: SCL survives garbage collection, compaction, restart,
truncation and a corrupt copy."""

from __future__ import annotations

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
