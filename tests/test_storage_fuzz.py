"""Fuzzing the storage-node protocol: malformed, truncated, oversized and random frames.

A seeded generator, bounded in time. Every input gets an error reply or a dropped
connection; afterwards every node is up (same pid), another client's session still commits
and reads, and the volume's pages and each copy's epoch, SCL and truncations are unchanged.
"""

from __future__ import annotations

import collections
import random
import socket
import struct
import time
import zlib

import pytest
from storage_support import connect_raw, eventually, open_volume, page, run

from aurora.engine.storage import records as rec
from aurora.engine.storage import wire

pytestmark = pytest.mark.integration

SEED = 20261201
SECONDS = 20.0
MAX_INPUTS = 20_000

# values of the wrong kind for an integer, a flag or a list field
BAD_INTS = [None, "7", 1.5, -1, 1 << 63, 1 << 80, True, [], {}, [1], float("nan")]
BAD_FLAGS = [None, "yes", 1, 0, [], {}, 2.0]
BAD_LISTS = [None, "x", 3, {}, [None], [[1]], [["a", "b"]], [[-1, 2, 3]], [[1, 2, 3, 4]], [1.5]]
OPTIONAL = {wire.WRITE: {"vdl"}, wire.GET_PAGE: {"need", "epoch"}, wire.CREATE_SEGMENT: {"parent"},
            wire.SET_EPOCH: {"truncations"}, wire.DROP_SEGMENT: {"volume_deleted"},
            wire.CONTROL: {"latency_ms", "partition"}}


def templates(volume: int, epoch: int) -> dict[int, dict]:
    """A well-formed header of each request type, aimed at the volume's first segment."""
    seg = {"volume": volume, "file": 0, "pg": 0}
    member = {"id": "sn-a1", "az": "a"}
    return {
        wire.WRITE: {"epoch": epoch, "vdl": 0},  # the records say which segments
        wire.GET_PAGE: {**seg, "page": 1, "as_of": 5, "need": 1, "epoch": epoch},
        wire.CREATE_SEGMENT: {"segment": {**seg, "base_lsn": 0, "epoch": epoch, "members": [member],
                                          "parent": None}},
        wire.SET_EPOCH: {**seg, "epoch": epoch, "truncations": [[1, 2]]},
        wire.SCAN: {**seg, "above": 0},
        wire.FETCH: {**seg, "lsns": [1, 2]},
        wire.DROP_SEGMENT: {**seg, "volume_deleted": False},
        wire.GOSSIP: {"segments": [[volume, 0, 0]]},
        wire.CONTROL: {"latency_ms": 0, "partition": False},
    }


def bad_value(rng: random.Random, key: str, good: object) -> object:
    if key == "latency_ms":
        return rng.choice([None, "7", -1, 60_001, 1 << 80, True, [], {}, float("nan"), float("inf")])
    if isinstance(good, bool):
        return rng.choice(BAD_FLAGS)
    if isinstance(good, int):
        return rng.choice(BAD_INTS)
    if isinstance(good, list):
        return rng.choice(BAD_LISTS)
    return rng.choice(["x", 5, [], [1], {"members": "x"}])  # for a segment, or its parent (None)


def malformed_header(rng: random.Random, kind: int, template: dict) -> dict:
    """``template`` with one field (possibly nested in a segment) made wrong or removed."""
    h = {k: (dict(v) if isinstance(v, dict) else v) for k, v in template.items()}
    target = h["segment"] if kind == wire.CREATE_SEGMENT and rng.random() < 0.8 else h
    key = rng.choice(sorted(target))
    # removing a required field is malformed too (an optional one would leave a valid request)
    if rng.random() < 0.25 and key not in OPTIONAL.get(kind, ()):
        del target[key]
    else:
        target[key] = bad_value(rng, key, target[key])
    return h


def random_json(rng: random.Random, depth: int = 0) -> object:
    choice = rng.randrange(7 if depth < 4 else 4)
    if choice == 0:
        return rng.randrange(-(1 << 70), 1 << 70)
    if choice == 1:
        return rng.random() * 1e6
    if choice == 2:
        return "".join(rng.choice("abcxyz_-\u00e9\u2603") for _ in range(rng.randrange(12)))
    if choice == 3:
        return rng.choice([None, True, False])
    if choice in (4, 5):
        return {rng.choice(["volume", "file", "pg", "epoch", "page", "as_of", "segment", "lsns", "x"]):
                random_json(rng, depth + 1) for _ in range(rng.randrange(5))}
    return [random_json(rng, depth + 1) for _ in range(rng.randrange(5))]


def raw_frame(kind: int, body_json: bytes, blob: bytes = b"", version: int = wire.PROTOCOL_VERSION,
              crc_delta: int = 0) -> bytes:
    head = struct.pack("<BBII", version, kind, 1, len(body_json)) + body_json
    crc = zlib.crc32(head, zlib.crc32(blob))  # the blob's checksum, continued over the head
    return struct.pack("<II", len(head) + len(blob) + 4, (crc + crc_delta) & 0xFFFFFFFF) + head + blob


def record_blob(rng: random.Random, volume: int, epoch: int, corrupt: bool) -> bytes:
    out = b""
    for i in range(rng.randrange(1, 4)):
        r = bytearray(rec.encode(volume=volume, epoch=epoch, file=0, pg=0, lsn=10_000 + i, prev_lsn=0,
                                 batch_first=10_000, cpl=10_000 + i, ts=0.0, page=i, body=rng.randbytes(4096)))
        if corrupt:
            at = rng.randrange(len(r))
            r[at] ^= 1 << rng.randrange(8)
        out += bytes(r)
    return out[: rng.randrange(1, len(out))] if corrupt and rng.random() < 0.3 else out


def read_replies(s: socket.socket) -> list[dict]:
    """Every reply until the node closes the connection (after our shutdown)."""
    reader, replies = wire.FrameReader(), []
    while True:
        data = s.recv(65536)
        if not data:
            return replies
        replies += [h for _k, _r, h, _b in reader.feed(data)]


def ask(sock: socket.socket, frame: bytes) -> dict:
    """Send a well-framed request; return its one reply."""
    sock.sendall(frame)
    reader = wire.FrameReader()
    while True:
        data = sock.recv(65536)
        assert data, "the node dropped a connection that sent a well-framed request"
        frames = reader.feed(data)
        if frames:
            return frames[0][2]


def copies(fleet, volume: int) -> dict[str, list]:
    out = {}
    for node_id, reply in fleet.node_status(timeout=2.0).items():
        assert reply is not None, f"{node_id} does not answer"
        out[node_id] = sorted((s["file"], s["pg"], s["base_lsn"], s["epoch"], s["scl"], s["max_lsn"],
                               s["records"], s["bytes"]) for s in reply["segments"] if s["volume"] == volume)
    return out


def test_fuzzed_frames_get_errors_and_change_nothing(fleet):
    rng = random.Random(SEED)
    nodes = list(fleet.nodes().values())
    pids = {n.id: fleet.record(n.id).pid for n in nodes}
    counts: collections.Counter[str] = collections.Counter()

    async def go():
        vol = await open_volume(fleet, az="a")  # the other client, open throughout
        pages = {(0, i): page(f"before-{i}") for i in range(1, 9)}
        await vol.commit(pages)

        async def six_copies() -> bool:
            return all(g["current_copies"] == 6 for g in (await vol.describe())["protection_groups"])

        await eventually(six_copies, 10, "six current copies")
        vdl = vol.vdl
        before = copies(fleet, vol.id)
        good = templates(vol.id, vol.epoch)
        kinds = sorted(good)
        persistent = {n.id: connect_raw(n.socket, timeout=5.0) for n in nodes}
        deadline = time.monotonic() + SECONDS
        try:
            while time.monotonic() < deadline and sum(counts.values()) < MAX_INPUTS:
                node = rng.choice(nodes)
                category = rng.choice(["random_bytes", "truncated", "oversized", "bad_crc", "bad_version",
                                       "bad_json", "random_header", "malformed_fields", "bad_records",
                                       "big_blob"])
                counts[category] += 1
                if category in ("malformed_fields", "random_header", "bad_records", "big_blob"):
                    # well framed: the node must answer with an error and keep the connection
                    if category == "malformed_fields":
                        kind = rng.choice(kinds)
                        frame = wire.encode_frame(kind, rng.randrange(1 << 32), malformed_header(rng, kind, good[kind]))
                    elif category == "random_header":
                        kind = rng.choice([k for k in range(256) if k not in (wire.HELLO, wire.STATUS, wire.CONTROL)])
                        frame = wire.encode_frame(kind, rng.randrange(1 << 32), random_json(rng))  # type: ignore[arg-type]
                    elif category == "bad_records":
                        volume = vol.id if rng.random() < 0.5 else rng.randrange(1 << 63)
                        corrupt = volume == vol.id or rng.random() < 0.5
                        frame = wire.encode_frame(wire.WRITE, 7, {"epoch": vol.epoch, "vdl": 0},
                                                  record_blob(rng, volume, vol.epoch, corrupt))
                    else:
                        kind = rng.choice([wire.WRITE, wire.GET_PAGE, wire.FETCH, 200])
                        frame = wire.encode_frame(kind, 9, {"epoch": "x"}, rng.randbytes(rng.randrange(1, 8) << 20))
                    reply = ask(persistent[node.id], frame)
                    assert reply.get("ok") is False, (category, reply)
                    continue
                # broken framing: the node drops the connection and answers nothing
                if category == "random_bytes":
                    data = rng.randbytes(rng.randrange(1, 4096))
                elif category == "truncated":
                    kind = rng.choice(kinds)
                    whole = wire.encode_frame(kind, 1, good[kind], rng.randbytes(rng.randrange(0, 9000)))
                    data = whole[: rng.randrange(len(whole))]
                elif category == "oversized":
                    length = rng.choice([wire.MAX_FRAME + 1, 0xFFFFFFFF, rng.randrange(wire.MAX_FRAME + 1, 1 << 32),
                                         rng.randrange(0, 14)])
                    data = struct.pack("<II", length, 0) + rng.randbytes(rng.randrange(64))
                elif category == "bad_crc":
                    kind = rng.choice(kinds)
                    data = raw_frame(kind, b"{}", crc_delta=rng.randrange(1, 1 << 32))
                elif category == "bad_version":
                    data = raw_frame(rng.choice(kinds), b"{}", version=rng.choice([0, wire.PROTOCOL_VERSION - 1, wire.PROTOCOL_VERSION + 1, 255]))
                else:
                    js = rng.choice([rng.randbytes(rng.randrange(1, 64)), b"{", b"[" * 100_000, b'{"a":}', b"\xff\xfe"])
                    data = raw_frame(rng.choice(kinds), js)
                with connect_raw(node.socket, timeout=5.0) as s:
                    s.sendall(data)
                    s.shutdown(socket.SHUT_WR)
                    replies = read_replies(s)
                assert all(r.get("ok") is False for r in replies), (category, replies)
        finally:
            for s in persistent.values():
                s.close()

        total = sum(counts.values())
        print(f"storage protocol fuzz: {total} inputs in {SECONDS:.0f}s (seed {SEED}): {dict(sorted(counts.items()))}")
        assert total >= 500
        # every node is the same process and answers; the data and each copy are unchanged
        assert {n.id: fleet.record(n.id).pid for n in nodes} == pids
        for n in nodes:
            assert wire.request_sync(n.socket, wire.HELLO, {})[0]["id"] == n.id
            status, _ = wire.request_sync(n.socket, wire.STATUS, {})
            assert (status["latency_ms"], status["partitioned"]) == (0, False)
        assert copies(fleet, vol.id) == before
        assert vol.vdl == vdl
        reader = await open_volume(fleet, vol.meta, writer=False)
        for (file, p), body in pages.items():
            assert await reader.read_page(file, p) == body
        await reader.close()
        # the other client's session goes on
        await vol.commit({(0, 20): page("after")})
        assert await vol.read_page(0, 20) == page("after")
        await vol.close()

    run(go())
