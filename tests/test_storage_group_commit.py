"""A node's group commit in-process: writes sent together share fdatasyncs, each is answered
only once durable, whether the event loop runs the fdatasync itself (a fast disk) or hands it
to the sync thread (a slow one); and the frame reader and record decoder it relies on."""

from __future__ import annotations

import asyncio
import os
import zlib

import pytest
from storage_support import page

from aurora.engine.errors import ProtocolError
from aurora.engine.loop import asyncio_run
from aurora.engine.storage import node as node_module
from aurora.engine.storage import records as rec
from aurora.engine.storage import wire
from aurora.engine.storage.node import StorageNode
from aurora.engine.storage.nodestore import NodeStore

VOLUME = 7
MEMBERS = [{"id": f"sn-{az}{i}", "az": az} for az in "abc" for i in (1, 2)]


def record(lsn: int, body: bytes) -> bytes:
    return rec.encode(volume=VOLUME, epoch=1, file=0, pg=0, lsn=lsn, prev_lsn=lsn - 1, batch_first=lsn,
                      cpl=lsn, ts=0.0, page=lsn % 5, body=body)


@pytest.mark.parametrize("inline_below", [10.0, 0.0], ids=["on-the-loop", "in-the-sync-thread"])
def test_writes_sent_together_are_all_answered_once_durable(tmp_path, monkeypatch, inline_below):
    monkeypatch.setattr(node_module, "INLINE_SYNC_S", inline_below)
    folder = tmp_path / "sn-a1"

    async def go() -> list[dict]:
        node = StorageNode(folder, "sn-a1", "a", gossip_interval=3600)
        await node.start()
        client = wire.NodeClient(str(node.socket_path))
        try:
            await client.request(wire.CREATE_SEGMENT, {"segment": {
                "volume": VOLUME, "file": 0, "pg": 0, "base_lsn": 0, "epoch": 1, "members": MEMBERS}})
            # 40 WRITEs of one or three records, all sent before any answer comes back
            sends, lsn = [], 0
            for i in range(40):
                n = 1 if i % 2 else 3
                blob = b"".join(record(lsn + j + 1, page(f"p{lsn + j + 1}")) for j in range(n))
                lsn += n
                sends.append(client.request(wire.WRITE, {"volume": VOLUME, "epoch": 1, "vdl": 0}, blob))
            replies = [r for r, _ in await asyncio.gather(*sends)]
            assert node._sync_thread is not None and node._sync_thread.is_alive()
        finally:
            client.close()
            await node.stop()
        assert node._sync_thread is not None and not node._sync_thread.is_alive()
        return replies

    replies = asyncio_run(go())
    assert all(r["ok"] for r in replies)
    # each answer names the SCL the node had once that write was durable: never below its own records
    assert [r["scl"][0][2] for r in replies] == sorted(r["scl"][0][2] for r in replies)
    assert replies[-1]["scl"] == [[0, 0, 80]]
    store = NodeStore(folder)  # what was acknowledged is on disk
    seg = store.segment(VOLUME, 0, 0)
    assert seg.scl == 80 and len(seg.records) == 80
    raw = store.read_raw(seg, 80)
    assert raw is not None and raw[rec.HEADER_SIZE:] == page("p80")
    store.close()


def test_record_decoding_tells_torn_from_corrupt():
    body = os.urandom(4096)
    one = record(3, body)
    [(header, raw)] = rec.iter_records(one)
    assert (header.lsn, header.prev_lsn, header.page, header.body_len, header.size) == (3, 2, 3, 4096, len(one))
    assert bytes(raw) == one and rec.decode_header(one) == header
    assert len(rec.iter_records(one * 3)) == 3
    with pytest.raises(rec.RecordError) as torn:
        rec.iter_records(one + one[:100])
    assert torn.value.torn
    bad_body = bytearray(one)
    bad_body[-1] ^= 1
    with pytest.raises(rec.RecordError) as corrupt:
        rec.iter_records(bytes(one + bad_body))
    assert not corrupt.value.torn
    bad_head = bytearray(one)
    bad_head[40] ^= 1
    with pytest.raises(rec.RecordError) as header_crc:
        rec.decode_header(bytes(bad_head))
    assert not header_crc.value.torn


def test_frame_reader_takes_frames_in_any_split():
    frames = [wire.encode_frame(wire.WRITE, i + 1, {"i": i}, os.urandom(i * 997 % 9000)) for i in range(60)]
    stream = b"".join(frames)
    for step in (1, 7, 4096, 65536, len(stream)):
        reader = wire.FrameReader()
        got = []
        for at in range(0, len(stream), step):
            got += reader.feed(stream[at : at + step])
        assert [(kind, rid, h) for kind, rid, h, _ in got] == [(wire.WRITE, i + 1, {"i": i}) for i in range(60)]
        assert all(f.endswith(blob) for f, (_, _, _, blob) in zip(frames, got, strict=True))


def test_a_blob_in_parts_is_the_same_frame_as_the_joined_blob():
    parts = [os.urandom(4180), os.urandom(3 * 4180), b"x"]
    blob = wire.BlobParts(parts)
    assert len(blob) == sum(map(len, parts))
    head = wire.frame_head(wire.WRITE, 5, {"volume": VOLUME}, blob)
    assert head == wire.frame_head(wire.WRITE, 5, {"volume": VOLUME}, b"".join(parts))
    [(kind, rid, header, got)] = wire.FrameReader().feed(head + b"".join(parts))
    assert (kind, rid, header, got) == (wire.WRITE, 5, {"volume": VOLUME}, b"".join(parts))


def test_one_blob_shared_by_frames_to_several_nodes_checks_in_each():
    """A commit's blob goes to six nodes under six heads: its checksum is computed once and
    each frame still fails on any flipped bit of the blob or of its own head."""
    parts = [os.urandom(4180), os.urandom(2 * 4180)]
    blob = wire.BlobParts(parts)
    heads = [wire.frame_head(wire.WRITE, rid, {"node": rid}, blob) for rid in range(1, 7)]
    assert blob.crc == zlib.crc32(b"".join(parts))
    for rid, head in enumerate(heads, 1):
        [(kind, got_rid, header, got)] = wire.FrameReader().feed(head + b"".join(parts))
        assert (kind, got_rid, header, got) == (wire.WRITE, rid, {"node": rid}, b"".join(parts))
        frame = head + b"".join(parts)
        for at in (10, len(head) - 1, len(head), len(frame) - 1):  # request id, head's last, blob's
            bad = bytearray(frame)
            bad[at] ^= 0x10
            with pytest.raises(ProtocolError):
                wire.FrameReader().feed(bytes(bad))


def test_a_write_is_answered_in_the_turn_of_its_fdatasync(tmp_path):
    """The answer leaves with the fdatasync that made the write durable, not on the event
    loop's next turn, after whatever reads that turn brings in (the next WRITE's parse and
    append): on a busy node that wait came on top of every commit's latency."""

    class Transport:
        def __init__(self) -> None:
            self.sent: list[bytes] = []

        def get_extra_info(self, name: str) -> None:
            return None

        def is_closing(self) -> bool:
            return False

        def write(self, data: bytes) -> None:
            self.sent.append(bytes(data))

        def writelines(self, parts) -> None:
            self.sent.append(b"".join(parts))

    async def go() -> None:
        node = StorageNode(tmp_path / "sn-a1", "sn-a1", "a", gossip_interval=3600)
        node._loop = asyncio.get_running_loop()
        node.store.create_segment({"volume": VOLUME, "file": 0, "pg": 0, "base_lsn": 0, "epoch": 1,
                                   "members": MEMBERS})
        server = wire.ServerProtocol(node.handle, lambda message: None)
        transport = Transport()
        server._transport = transport  # type: ignore[assignment]
        try:
            for lsn in (1, 2, 3):
                frame = wire.encode_frame(wire.WRITE, lsn, {"epoch": 1, "vdl": 0}, record(lsn, page(f"p{lsn}")))
                server.data_received(frame)
                assert len(transport.sent) == lsn - 1, "answered before its fdatasync"
                await asyncio.sleep(0)  # one turn: the fdatasync the WRITE scheduled runs in it
                assert len(transport.sent) == lsn
                answers = wire.FrameReader().feed(transport.sent[-1])
                assert [(kind, rid, header["scl"]) for kind, rid, header, _ in answers] == [
                    (wire.RESPONSE, lsn, [[0, 0, lsn]])]
                assert not node.store.dirty
        finally:
            node.store.close()

    asyncio_run(go())
