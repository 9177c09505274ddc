"""The backup store (engine/backup/store.py) on real files: chains of base images and redo
segments, point-in-time lookups, gaps, damaged and half-written files, pruning, merging, and
snapshot records. No processes, no mocks."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from aurora.engine import errors
from aurora.engine.backup.store import (
    BackupStore,
    Batch,
    Chain,
    NotRestorable,
    Pages,
    Snapshot,
)

PAGE = 4096


def img(tag: str) -> bytes:
    """A distinct 4096-byte page image."""
    return (tag.encode() * (PAGE // len(tag) + 1))[:PAGE]


def batch(first: int, t: float, writes: Pages) -> Batch:
    """A batch numbered as a volume numbers it: one LSN per page written."""
    return Batch(first, first + len(writes) - 1, t, writes)


def replay(base: Pages, batches: list[Batch], lsn: int) -> Pages:
    """What the volume held at ``lsn``, computed here the simple way."""
    pages = dict(base)
    for b in batches:
        if b.cpl <= lsn:
            pages.update(b.writes)
    return pages


BASE0: Pages = {(0, 0): img("a0"), (0, 1): img("b0"), (1, 0): img("c0")}
SEG1 = [batch(11, 1001.0, {(0, 0): img("a1"), (0, 2): img("d1")}),  # 11-12
        batch(13, 1002.0, {(0, 0): img("a2")})]  # 13
SEG2 = [batch(14, 1003.0, {(0, 1): img("b3"), (1, 0): img("c3")}),  # 14-15
        batch(16, 1004.0, {(0, 0): img("a4")})]  # 16
SEG3 = [batch(17, 1005.5, {(0, 2): img("d5")}),  # 17
        batch(18, 1006.0, {(0, 2): img("d6"), (2, 7): img("e6")})]  # 18-19
ALL = SEG1 + SEG2 + SEG3


@pytest.fixture
def store(tmp_path: Path) -> BackupStore:
    return BackupStore(tmp_path / "store")


@pytest.fixture
def chain(store: BackupStore) -> Chain:
    """Base image at LSN 10 (t=1000), then three redo segments up to LSN 19 (t=1006)."""
    c = store.chain("vol-1")
    c.write_base(10, 1000.0, BASE0)
    for seg in (SEG1, SEG2, SEG3):
        c.write_redo(seg)
    return c


def names(c: Chain) -> set[str]:
    return {p.name for p in c.dir.iterdir()}


# --- a chain's round trip -----------------------------------------------------------------------


def test_materialize_gives_the_pages_at_each_batch_boundary(chain: Chain):
    assert [(s.first, s.last) for s in chain.segments()] == [(11, 13), (14, 16), (17, 19)]
    assert [(b.lsn, b.t) for b in chain.bases()] == [(10, 1000.0)]
    assert chain.tip() == 19
    for lsn in (10, 12, 13, 15, 16, 17, 19):
        assert chain.materialize(lsn) == replay(BASE0, ALL, lsn), lsn
    # later writes win, within a segment and across segments
    assert chain.materialize(13)[(0, 0)] == img("a2")
    assert chain.materialize(16)[(0, 0)] == img("a4")
    assert chain.materialize(19)[(0, 2)] == img("d6")
    assert chain.materialize(19)[(2, 7)] == img("e6")
    assert chain.materialize(12)[(0, 1)] == img("b0")  # untouched pages come from the base


def test_materialize_outside_the_chain_or_inside_a_batch_is_not_restorable(chain: Chain):
    with pytest.raises(NotRestorable, match="no base image"):
        chain.materialize(9)
    with pytest.raises(NotRestorable, match="end at LSN 19"):
        chain.materialize(20)
    with pytest.raises(NotRestorable):
        chain.materialize(14)  # batch 14-15 is all or nothing


def test_materialize_starts_from_the_newest_base_image_at_or_below(chain: Chain):
    newer = replay(BASE0, ALL, 16)
    chain.write_base(16, 1004.5, newer)
    chain.write_redo([batch(20, 1007.0, {(0, 0): img("a7")})])
    # without the redo below the newer base, only points from it on can be rebuilt
    for seg in chain.segments():
        if seg.last <= 16:
            seg.path.unlink()
    assert chain.materialize(16) == newer
    assert chain.materialize(20) == {**replay(BASE0, ALL, 19), (0, 0): img("a7")}
    with pytest.raises(NotRestorable, match="gap"):
        chain.materialize(13)


def test_pages_round_trip_byte_for_byte(store: BackupStore):
    c = store.chain("v")
    pages = {(f, p): os.urandom(PAGE) for f in range(3) for p in range(40)}
    pages[(9, 2**31)] = b"\0" * PAGE
    c.write_base(1, 5.0, pages)
    assert Chain.read_base(c.bases()[0]) == pages
    batches = [batch(2, 6.0, {(0, 0): os.urandom(PAGE)}), batch(3, 6.25, {(1, 1): os.urandom(PAGE)})]
    seg = c.write_redo(batches)
    assert Chain.read_redo(seg) == batches
    with pytest.raises(ValueError):
        c.write_redo([])


# --- point in time ------------------------------------------------------------------------------


@pytest.mark.parametrize(("when", "lsn"), [
    (1000.0, 10),  # the base image
    (1000.5, 10),
    (1001.0, 12),  # exactly a batch's time
    (1001.5, 12),  # inside segment 1
    (1002.0, 13),
    (1003.5, 15),  # inside segment 2
    (1004.0, 16),
    (1005.4, 16),  # between segments 2 and 3
    (1005.5, 17),
    (1005.9, 17),  # inside segment 3
    (1006.0, 19),
    (9999.0, 19),  # after the end: the tip
])
def test_lsn_at_picks_the_last_batch_durable_at_or_before(chain: Chain, when: float, lsn: int):
    assert chain.lsn_at(when) == lsn


def test_lsn_at_before_the_first_base_image_is_not_restorable(chain: Chain, store: BackupStore):
    with pytest.raises(NotRestorable, match="begin after"):
        chain.lsn_at(999.999)
    with pytest.raises(NotRestorable):
        store.chain("empty").lsn_at(1e12)


def test_window(store: BackupStore):
    c = store.chain("v")
    assert c.window() is None
    c.write_redo(SEG1)  # redo without a base image restores nothing
    assert c.window() is None
    c.write_base(10, 1000.0, BASE0)
    assert c.window() == (1000.0, 1002.0)
    c.write_redo(SEG2)
    c.write_redo(SEG3)
    assert c.window() == (1000.0, 1006.0)
    c.write_progress(19, 1010.25)  # confirmed later that nothing newer was committed
    assert c.progress() == (19, 1010.25)
    assert c.window() == (1000.0, 1010.25)
    c.write_progress(13, 1002.0)  # a stale progress record does not hide newer segments
    assert c.window() == (1000.0, 1006.0)


def test_progress_without_a_record_is_the_tip(chain: Chain):
    assert chain.progress() == (19, 0.0)
    (chain.dir / "progress.json").write_text("{not json")
    assert chain.progress() == (19, 0.0)


# --- gaps ---------------------------------------------------------------------------------------


def test_a_gap_between_segments(store: BackupStore):
    c = store.chain("v")
    c.write_base(10, 1000.0, BASE0)
    c.write_redo(SEG1)  # 11-13
    c.write_redo(SEG3)  # 17-19: 14-16 are missing
    assert c.materialize(13) == replay(BASE0, SEG1, 13)
    for lsn in (17, 19):
        with pytest.raises(NotRestorable, match="gap: LSNs 14 to 16"):
            c.materialize(lsn)


def test_a_gap_inside_a_segment(store: BackupStore):
    c = store.chain("v")
    c.write_base(10, 1000.0, BASE0)
    c.write_redo([SEG1[0], SEG2[1]])  # 11-12, then 16: 13-15 are missing
    assert c.materialize(12) == replay(BASE0, SEG1[:1], 12)
    with pytest.raises(NotRestorable, match="gap at LSN 13"):
        c.materialize(16)


# --- damage and crashes -------------------------------------------------------------------------


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flip-body":
        data[16 + (len(data) - 16) // 2] ^= 0x40
    elif how == "flip-last":
        data[-1] ^= 0x01
    elif how == "flip-crc":
        data[9] ^= 0x01
    elif how == "flip-size":
        data[15] ^= 0x01
    elif how == "flip-magic":
        data[0] ^= 0x01
    elif how == "truncate-half":
        data = data[:len(data) // 2]
    elif how == "truncate-header":
        data = data[:12]
    elif how == "empty":
        data = bytearray()
    path.write_bytes(bytes(data))


DAMAGE = ["flip-body", "flip-last", "flip-crc", "flip-size", "flip-magic", "truncate-half",
          "truncate-header", "empty"]


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_redo_segment_is_not_restorable(chain: Chain, how: str):
    _damage(chain.segments()[1].path, how)  # 14-16
    assert chain.materialize(13) == replay(BASE0, ALL, 13)  # below it: not read
    for lsn in (16, 19):
        with pytest.raises(NotRestorable):
            chain.materialize(lsn)
    with pytest.raises(NotRestorable):
        chain.lsn_at(1003.5)  # inside it: it must be read
    with pytest.raises(NotRestorable):
        Chain.read_redo(chain.segments()[1])


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_base_image_is_not_restorable(chain: Chain, how: str):
    _damage(chain.bases()[0].path, how)
    for lsn in (10, 19):
        with pytest.raises(NotRestorable):
            chain.materialize(lsn)


def test_every_flipped_byte_is_caught(chain: Chain):
    path = chain.segments()[0].path
    good = path.read_bytes()
    for at in range(0, len(good), max(1, len(good) // 64)):
        data = bytearray(good)
        data[at] ^= 0xFF
        path.write_bytes(bytes(data))
        with pytest.raises(NotRestorable):
            chain.materialize(13)
    path.write_bytes(good)
    assert chain.materialize(13) == replay(BASE0, ALL, 13)


def test_every_single_bit_flip_is_caught_including_a_frame_that_claims_a_huge_size(store: BackupStore):
    chain = store.chain("vol-bits")
    seg = chain.write_redo([Batch(11, 11, 1001.0, {(0, 0): b"x" * 4096})])
    good = seg.path.read_bytes()
    for at in range(len(good)):
        for bit in (0x01, 0x80):
            data = bytearray(good)
            data[at] ^= bit
            seg.path.write_bytes(bytes(data))
            with pytest.raises(NotRestorable):
                Chain.read_redo(seg)


def test_a_crash_mid_write_leaves_the_chain_readable(chain: Chain):
    before = names(chain)
    size = chain.size_bytes()
    # a temporary file left as it was when the process died...
    (chain.dir / f".tmp-redo-{20:020d}-{20:020d}-1007000-1007000.zst-4242").write_bytes(b"garbage")
    # ...and a partial write of a new segment and base image that were never renamed
    other = BackupStore(chain.dir.parent.parent.parent / "scratch").chain("x")
    seg = other.write_redo([batch(20, 1007.0, {(0, 0): img("a7")})])
    base = other.write_base(20, 1007.5, replay(BASE0, ALL, 19))
    for f in (seg.path, base.path):
        data = f.read_bytes()
        (chain.dir / f".tmp-{f.name}-{os.getpid()}").write_bytes(data[:len(data) // 2])
    assert [(s.first, s.last) for s in chain.segments()] == [(11, 13), (14, 16), (17, 19)]
    assert [b.lsn for b in chain.bases()] == [10]
    assert chain.tip() == 19
    assert chain.size_bytes() == size
    assert chain.window() == (1000.0, 1006.0)
    assert chain.materialize(19) == replay(BASE0, ALL, 19)
    assert chain.lsn_at(1e10) == 19
    assert chain.merge_segments() == 3  # the leftovers are no segments to merge
    chain.remove_leftovers()
    assert not [n for n in names(chain) if n.startswith(".tmp-")]
    assert {n for n in names(chain) if n.startswith("base-")} == {n for n in before if n.startswith("base-")}
    assert chain.materialize(19) == replay(BASE0, ALL, 19)


def test_writes_leave_no_temporary_files(chain: Chain):
    chain.write_progress(19, 1006.0)
    chain.write_meta({"cluster": "c"})
    assert not [n for n in names(chain) if n.startswith(".")]
    assert (chain.dir / "chain.json").stat().st_mode & 0o777 == 0o600


# --- retention ----------------------------------------------------------------------------------


@pytest.fixture
def long_chain(store: BackupStore) -> tuple[Chain, dict[str, str]]:
    """Three base images and five segments, one page per batch (one LSN each):

        base A 10@1000 | s1 11-12 | s2 13-14 | base B 14@1004.5 | s3 15-16 | s4 17-18 |
        base C 18@1008.5 | s5 19-20
    batch N commits at 990 + N."""
    c = store.chain("v")
    batches = [Batch(n, n, 990.0 + n, {(0, n % 3): img(f"p{n}")}) for n in range(11, 21)]
    files = {"A": c.write_base(10, 1000.0, BASE0).path.name}
    for name, lo in (("s1", 11), ("s2", 13)):
        files[name] = c.write_redo(batches[lo - 11:lo - 9]).path.name
    files["B"] = c.write_base(14, 1004.5, replay(BASE0, batches, 14)).path.name
    for name, lo in (("s3", 15), ("s4", 17)):
        files[name] = c.write_redo(batches[lo - 11:lo - 9]).path.name
    files["C"] = c.write_base(18, 1008.5, replay(BASE0, batches, 18)).path.name
    files["s5"] = c.write_redo(batches[8:10]).path.name
    c.write_meta({"cluster": "c"})
    c.batches = batches  # type: ignore[attr-defined]
    return c, files


def test_prune_keeps_what_a_restore_from_keep_from_needs(long_chain):
    c, files = long_chain
    expected = {lsn: c.materialize(lsn) for lsn in range(15, 21)}
    assert c.lsn_at(1005.5) == 15
    deleted = c.prune(1005.5)
    assert {p.name for p in deleted} == {files["A"], files["s1"], files["s2"]}
    assert names(c) == {files[k] for k in ("B", "s3", "s4", "C", "s5")} | {"chain.json"}
    assert c.lsn_at(1005.5) == 15
    for lsn, pages in expected.items():
        assert c.materialize(lsn) == pages
    assert c.window() == (1004.5, 1010.0)
    assert c.prune(1005.5) == []  # nothing more to delete


def test_prune_keeps_the_base_and_redo_a_snapshot_needs(long_chain):
    c, files = long_chain
    at12, at20 = c.materialize(12), c.materialize(20)
    deleted = c.prune(1009.5, keep_lsns=[12])
    assert c.lsn_at(1009.5) == 19
    assert {p.name for p in deleted} == {files[k] for k in ("B", "s2", "s3", "s4")}
    assert names(c) == {files[k] for k in ("A", "s1", "C", "s5")} | {"chain.json"}
    assert c.materialize(12) == at12
    assert c.materialize(20) == at20
    with pytest.raises(NotRestorable):
        c.materialize(16)  # neither retained nor a snapshot's


def test_prune_keeps_everything_when_the_chain_begins_after_keep_from(long_chain):
    c, files = long_chain
    assert c.prune(500.0) == []
    assert c.prune(500.0, keep_lsns=[5, 16]) == []
    assert names(c) == set(files.values()) | {"chain.json"}


def test_prune_past_the_tip_keeps_the_newest_base_and_what_follows(long_chain):
    c, files = long_chain
    c.prune(1e10)
    assert names(c) == {files["C"], files["s5"], "chain.json"}
    assert c.materialize(20) == replay(BASE0, c.batches, 20)  # type: ignore[attr-defined]


def test_prune_of_an_empty_chain(store: BackupStore):
    assert store.chain("none").prune(0.0, [1]) == []


# --- merging segments ---------------------------------------------------------------------------


def _small_segments(store: BackupStore) -> tuple[Chain, list[Batch]]:
    c = store.chain("v")
    c.write_base(10, 1000.0, BASE0)
    batches = []
    for i in range(6):
        seg = [Batch(11 + 2 * i, 11 + 2 * i, 1001.0 + i, {(0, i % 4): img(f"x{i}")}),
               Batch(12 + 2 * i, 12 + 2 * i, 1001.25 + i, {(1, i): img(f"y{i}")})]
        c.write_redo(seg)
        batches += seg
    return c, batches


def test_merge_segments_merges_a_run_of_small_segments(store: BackupStore):
    c, batches = _small_segments(store)
    before = {lsn: c.materialize(lsn) for lsn in range(10, 23)}
    times = {t: c.lsn_at(t) for t in (1000.0, 1001.1, 1003.25, 1004.6, 1006.25, 2000.0)}
    window = c.window()
    assert len(c.segments()) == 6
    assert c.merge_segments() == 6
    segs = c.segments()
    assert [(s.first, s.last, s.t_first, s.t_last) for s in segs] == [(11, 22, 1001.0, 1006.25)]
    assert Chain.read_redo(segs[0]) == batches
    assert {lsn: c.materialize(lsn) for lsn in range(10, 23)} == before
    assert {t: c.lsn_at(t) for t in times} == times
    assert c.window() == window
    assert c.merge_segments() == 0  # one segment left: nothing to merge


def _frames(path: Path) -> list[bytes]:
    """The zstandard frames of a backup file, read by hand: one after the 16-byte header of a
    segment written whole; after the 8-byte magic of a merged one, each behind its own
    12-byte header (CRC32, payload size, frame size)."""
    data = path.read_bytes()
    if data[:8] == b"AURBKUP1":
        return [data[16:]]
    assert data[:8] == b"AURBKUP2"
    frames, at = [], 8
    while at < len(data):
        (length,) = struct.unpack_from(">I", data, at + 8)
        frames.append(data[at + 12:at + 12 + length])
        at += 12 + length
    return frames


def test_a_merge_keeps_the_compressed_frames_and_merges_again(store: BackupStore):
    c, batches = _small_segments(store)
    frames = [f for s in c.segments() for f in _frames(s.path)]
    sizes = [s.path.stat().st_size for s in c.segments()]
    assert c.merge_segments(max_bytes=sum(sizes[:3]) + min(sizes) // 2) == 6
    halves = c.segments()
    assert [(s.first, s.last) for s in halves] == [(11, 16), (17, 22)]
    # the segments' frames, byte for byte, nothing compressed again
    assert [f for s in halves for f in _frames(s.path)] == frames
    assert c.merge_segments() == 2  # merged segments merge again
    (whole,) = c.segments()
    assert _frames(whole.path) == frames
    assert Chain.read_redo(whole) == batches
    assert c.materialize(22) == replay(BASE0, batches, 22)


def test_a_run_with_a_damaged_segment_is_not_merged(store: BackupStore):
    c, _ = _small_segments(store)
    _damage(c.segments()[2].path, "flip-body")
    assert c.merge_segments() == 0
    assert len(c.segments()) == 6


def test_no_flipped_bit_of_a_merged_segment_reads_as_other_batches(store: BackupStore):
    c, batches = _small_segments(store)
    c.merge_segments()
    (seg,) = c.segments()
    good = seg.path.read_bytes()
    caught = 0
    for at in range(len(good)):
        for bit in (0x01, 0x80):
            data = bytearray(good)
            data[at] ^= bit
            seg.path.write_bytes(bytes(data))
            try:
                # a bit the decoder never uses (padding inside a compressed block) changes nothing
                assert Chain.read_redo(seg) == batches
            except NotRestorable:
                caught += 1
    assert caught >= 2 * len(good) - 8
    for cut in (len(good) - 1, len(good) // 2, 9, 8):
        seg.path.write_bytes(good[:cut])
        with pytest.raises(NotRestorable):
            Chain.read_redo(seg)
    seg.path.write_bytes(good)
    assert Chain.read_redo(seg) == batches


def test_merge_segments_respects_the_size_limit_and_gaps(store: BackupStore):
    c, _ = _small_segments(store)
    assert c.merge_segments(max_bytes=1) == 0  # no two fit
    seg_sizes = [s.path.stat().st_size for s in c.segments()]
    assert c.merge_segments(max_bytes=seg_sizes[0] + seg_sizes[1] + min(seg_sizes) // 2) == 6
    assert [(s.first, s.last) for s in c.segments()] == [(11, 14), (15, 18), (19, 22)]
    # a gap splits the runs: segments on either side are not merged together
    c2 = store.chain("gap")
    c2.write_base(10, 1000.0, BASE0)
    c2.write_redo(SEG1)
    c2.write_redo(SEG3)
    assert c2.merge_segments() == 0
    assert [(s.first, s.last) for s in c2.segments()] == [(11, 13), (17, 19)]


def test_overlapping_segments_after_a_crash_in_a_merge(store: BackupStore):
    c, batches = _small_segments(store)
    before = {lsn: c.materialize(lsn) for lsn in range(10, 23)}
    times = {t: c.lsn_at(t) for t in (1001.1, 1003.25, 1004.6, 2000.0)}
    small = c.segments()
    # the merged file was written, then the process died before the small ones were deleted
    c.write_redo(batches)
    assert len(c.segments()) == 7
    assert {lsn: c.materialize(lsn) for lsn in range(10, 23)} == before
    assert {t: c.lsn_at(t) for t in times} == times
    # ...or died after deleting some of them
    for seg in small[1::2]:
        seg.path.unlink()
    assert {lsn: c.materialize(lsn) for lsn in range(10, 23)} == before
    # a merge over partly overlapping segments (11-14 merged, 11-12 and 13-14 left over)
    c3 = store.chain("partly")
    c3.write_base(10, 1000.0, BASE0)
    for i in range(6):
        c3.write_redo(batches[2 * i:2 * i + 2])
    c3.write_redo(batches[:4])
    assert {lsn: c3.materialize(lsn) for lsn in range(10, 23)} == before
    c3.merge_segments()
    assert {lsn: c3.materialize(lsn) for lsn in range(10, 23)} == before
    assert c3.tip() == 22
    # pruning an overlapping chain keeps it restorable
    c.prune(1004.6)
    assert c.materialize(22) == before[22]


# --- snapshots and chains -----------------------------------------------------------------------


def test_snapshot_records(store: BackupStore):
    assert store.snapshots() == []
    a1 = Snapshot("a-one", "a", "vol-a", 17, 1005.5, created=100.0, size_bytes=8192)
    b1 = Snapshot("b-one", "b", "vol-b", 3, 20.0, kind="automated", created=50.0)
    a2 = Snapshot("a-two", "a", "vol-a", 19, 1006.0, created=200.0, copied_from="a-one")
    for s in (a1, b1, a2):
        store.save_snapshot(s)
    assert store.snapshot("a-one") == a1
    assert store.snapshot("a-two") == a2
    assert store.has_snapshot("b-one")
    assert [s.name for s in store.snapshots()] == ["b-one", "a-one", "a-two"]  # by creation
    assert store.snapshots("a") == [a1, a2]
    assert store.snapshots("b") == [b1]
    assert store.snapshots("nobody") == []
    store.delete_snapshot("a-one")
    assert not store.has_snapshot("a-one")
    assert store.snapshots("a") == [a2]
    with pytest.raises(errors.NotFound):
        store.snapshot("a-one")
    with pytest.raises(errors.NotFound):
        store.delete_snapshot("a-one")
    with pytest.raises(errors.NotFound):
        BackupStore(store.root / "elsewhere").snapshot("x")
    # a damaged record: an error of its own when asked for, skipped when listing
    (store.root / "snapshots" / "broken.json").write_text('{"name": "broken"')
    with pytest.raises(errors.ClusterDamaged):
        store.snapshot("broken")
    assert [s.name for s in store.snapshots()] == ["b-one", "a-two"]
    assert not [p for p in (store.root / "snapshots").iterdir() if p.name.startswith(".")]


def test_chains_of_and_chain_at_go_by_activation_time(store: BackupStore):
    assert store.chains() == []
    with pytest.raises(NotRestorable):
        store.chain_at("c", 100.0)
    for volume, cluster, activated in (("v1", "c", 100.0), ("v2", "c", 300.0), ("v3", "c", 200.0),
                                       ("v4", "other", 250.0)):
        store.chain(volume).write_meta({"cluster": cluster, "activated": activated})
    store.chain("v0").write_meta({"cluster": "c"})  # no activation time: the oldest
    store.chain("v5").write_base(1, 1.0, BASE0)  # no chain.json: no one's
    assert [c.volume for c in store.chains()] == ["v0", "v1", "v2", "v3", "v4"]
    assert [c.volume for c in store.chains_of("c")] == ["v0", "v1", "v3", "v2"]
    assert [c.volume for c in store.chains_of("other")] == ["v4"]
    assert store.chains_of("nobody") == []
    assert store.chain_at("c", 150.0).volume == "v1"
    assert store.chain_at("c", 200.0).volume == "v3"  # activated exactly then
    assert store.chain_at("c", 299.9).volume == "v3"
    assert store.chain_at("c", 300.0).volume == "v2"
    assert store.chain_at("c", 1e10).volume == "v2"
    assert store.chain_at("c", 50.0).volume == "v0"
    assert store.chain_at("other", 10.0).volume == "v4"  # before it: the first one
    with pytest.raises(NotRestorable, match="no backups of cluster 'nobody'"):
        store.chain_at("nobody", 100.0)
    assert store.chain("v1").meta() == {"cluster": "c", "activated": 100.0}
    assert store.chain("v5").meta() == {}
