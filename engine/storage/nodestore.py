"""The durable state of one storage node: an append-only log of records, and its indexes.

The log is a sequence of chunk files (``redo/00000001.log`` ...) shared by every segment the
node holds, so concurrent batches of different volumes share one fsync (group commit). Only
the newest chunk is appended to. Segment metadata (epoch, truncations, base LSN, parent,
members, pins) lives in ``meta.json``, replaced atomically whenever it changes.

In memory, per segment: where each record lies, the backlink chain that gives the segment
complete LSN (SCL), and per page the sorted LSNs of its versions. Acknowledging a write
touches only the log and the chain; versions are indexed ("materialised") afterwards, off
the acknowledgement path, or on demand by a read that needs them.

A record is *valid* unless a truncation ``(E, V)`` with ``record.epoch < E`` and
``record.lsn > V`` exists: that is how a new writer's recovery discards what an old writer
left above the volume's durable point.
"""

from __future__ import annotations

import bisect
import collections
import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aurora.engine.errors import StorageError
from aurora.engine.layout import Layout
from aurora.engine.storage import records as rec

log = logging.getLogger("aurora.storage.node")

SegmentKey = tuple[int, int, int]  # (volume, file, pg)
DEFAULT_CHUNK_BYTES = 64 * 1024 * 1024
PREZERO_BYTES = 2 * 1024 * 1024
"""The active chunk is filled with zeros this far ahead of its last record. Records then
overwrite blocks the file already has, and their fdatasync writes only data: a write that
grows the file makes the fdatasync write the file's new size (its inode) as well, which on
this machine takes about twice as long (0.21 against 0.38-0.62 ms for 4 KiB) and twice the
kernel CPU. PostgreSQL zero-fills its WAL segments for the same reason."""
_ZEROS = bytes(256 * 1024)


@dataclass(slots=True)
class Loc:
    """Where one record lies, and the header fields the indexes need."""

    chunk: int
    offset: int
    size: int
    epoch: int
    page: int
    prev_lsn: int
    batch_first: int
    cpl: int
    ts: float


@dataclass
class Segment:
    """This node's copy of one protection group of one volume."""

    volume: int
    file: int
    pg: int
    base_lsn: int
    epoch: int
    members: list[dict[str, Any]]
    parent: tuple[int, int] | None = None  # (parent volume, LSN) for a clone
    truncations: list[tuple[int, int]] = field(default_factory=list)
    pins: set[int] = field(default_factory=set)  # LSNs clones of this segment read at
    vdl_hint: int = 0
    # A point of the backlink chain up to which every record is present or was collected
    # (superseded): the chain walk starts here, since collected records break the chain below.
    chain_floor: int = 0
    # The LSNs of ``records`` in order (records arrive almost in order, so this is an append
    # mostly). Entries of records since dropped stay, skipped, until they are a fifth of it:
    # a scan or fetch above an LSN then costs what it returns, not the segment's size.
    order: list[int] = field(default_factory=list)
    # in memory only
    records: dict[int, Loc] = field(default_factory=dict)
    next_of: dict[int, int] = field(default_factory=dict)
    scl: int = 0
    max_lsn: int = 0
    versions: dict[int, list[int]] = field(default_factory=dict)
    unindexed: list[int] = field(default_factory=list)
    # Each version that supersedes older ones, as ``LSN << 32 | page`` (an int: no object
    # for the cyclic garbage collector to walk), in the order they were indexed (about
    # commit order): garbage collection takes them from the front once they are older than
    # the retention and drops the versions before each, so its work is what it collects,
    # not every version the segment holds.
    superseding: collections.deque[int] = field(default_factory=collections.deque)

    @property
    def key(self) -> SegmentKey:
        return (self.volume, self.file, self.pg)

    def valid(self, epoch: int, lsn: int) -> bool:
        return all(lsn <= v for e, v in self.truncations if epoch < e)

    def meta(self) -> dict[str, Any]:
        return {
            "volume": self.volume, "file": self.file, "pg": self.pg, "base_lsn": self.base_lsn,
            "epoch": self.epoch, "members": self.members,
            "parent": list(self.parent) if self.parent else None,
            "truncations": [list(t) for t in self.truncations], "pins": sorted(self.pins),
            "vdl_hint": self.vdl_hint, "chain_floor": self.chain_floor,
        }

    @classmethod
    def from_meta(cls, m: dict[str, Any]) -> Segment:
        seg = cls(
            volume=m["volume"], file=m["file"], pg=m["pg"], base_lsn=m["base_lsn"],
            epoch=m["epoch"], members=m["members"],
            parent=tuple(m["parent"]) if m.get("parent") else None,  # type: ignore[arg-type]
            truncations=[(e, v) for e, v in m.get("truncations", [])],
            pins=set(m.get("pins", [])), vdl_hint=m.get("vdl_hint", 0),
            chain_floor=m.get("chain_floor", 0),
        )
        seg.scl = max(seg.base_lsn, seg.chain_floor)
        seg.max_lsn = seg.scl
        return seg

    def advance_scl(self) -> None:
        nxt = self.next_of.pop(self.scl, None)
        while nxt is not None:
            self.scl = nxt
            nxt = self.next_of.pop(self.scl, None)

    def rechain(self, start: int) -> None:
        """Set SCL to ``start`` (a chain point: every record at or below it is present or
        collected) and walk the backlinks up from it again."""
        self.scl = start
        self.next_of = {loc.prev_lsn: lsn for lsn, loc in self.records.items() if lsn > start}
        self.advance_scl()
        self.next_of = {p: n for p, n in self.next_of.items() if n > self.scl}

    def summary(self) -> dict[str, Any]:
        pages = set(self.versions)
        pages.update(self.records[x].page for x in self.unindexed if x in self.records)
        pages.discard(rec.SKIP_PAGE)  # LSN placeholders, not a page
        return {
            "volume": self.volume, "file": self.file, "pg": self.pg, "epoch": self.epoch,
            "scl": self.scl, "max_lsn": self.max_lsn, "records": len(self.records),
            "pages": len(pages),
            "bytes": sum(loc.size for loc in self.records.values()),
            "vdl_hint": self.vdl_hint, "base_lsn": self.base_lsn,
        }


_IOV_MAX = 1024  # buffers a writev takes at most (Linux)


class NodeStore:
    """A node's log, segments and indexes; single-threaded (the node's event loop)."""

    def __init__(self, root: Path, chunk_bytes: int = DEFAULT_CHUNK_BYTES, retention_s: float = 300.0) -> None:
        self.root = root
        self.log_dir = Layout.node_log_dir(root)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.meta_path = root / "meta.json"
        self.chunk_bytes = chunk_bytes
        self.retention_s = retention_s
        self.segments: dict[SegmentKey, Segment] = {}
        self.dropped: set[int] = set()  # deleted volumes: their segments are never created again
        self._read_fds: dict[int, int] = {}
        self._live: dict[int, int] = {}  # live bytes per chunk
        self._sizes: dict[int, int] = {}  # bytes per chunk
        self.active = 0
        self._active_fd = -1
        self._zeroed = 0  # the active chunk's file size: records, then zeros up to here
        self.dirty = False  # appended since the last sync
        self.corrupt_found = 0
        self.repaired = 0
        self._load()

    # --- start-up -------------------------------------------------------------------------
    def _load(self) -> None:
        if self.meta_path.exists():
            meta = json.loads(self.meta_path.read_text())
            self.dropped = set(meta.get("dropped_volumes", []))
            for m in meta.get("segments", []):
                seg = Segment.from_meta(m)
                self.segments[seg.key] = seg
        chunks = sorted(int(p.stem) for p in self.log_dir.glob("*.log"))
        for i, chunk in enumerate(chunks):
            self._scan_chunk(chunk, last=i == len(chunks) - 1)
        for seg in self.segments.values():
            seg.advance_scl()
            self.index_pending(seg)
        self.active = chunks[-1] if chunks else 0
        self._roll(force=not chunks)

    def _scan_chunk(self, chunk: int, last: bool) -> None:
        path = self._chunk_path(chunk)
        data = path.read_bytes()
        self._live.setdefault(chunk, 0)
        view = memoryview(data)
        offset = 0
        while offset < len(data):
            try:
                header = rec.decode_header(view, offset)
            except rec.RecordError as e:
                if data.count(0, offset) == len(data) - offset:
                    break  # the zeros ahead of the last record (see PREZERO_BYTES): the end
                # A torn tail (the node died mid-append, before any acknowledgement) or a
                # damaged header: what follows cannot be framed. Peers hold every
                # acknowledged record, and gossip brings them back.
                log.warning("chunk %d: %s at offset %d; cutting the chunk there", chunk, e, offset)
                self._cut_chunk(chunk, offset)
                break
            end = offset + header.size
            if end > len(data):
                log.warning("chunk %d: torn record at offset %d; cutting the chunk there", chunk, offset)
                self._cut_chunk(chunk, offset)
                break
            if not rec.body_ok(header, view[offset + rec.HEADER_SIZE : end]):
                self.corrupt_found += 1
                log.warning("chunk %d: corrupt record lsn %d skipped; peers will refill it", chunk, header.lsn)
            else:
                self._index_record(header, chunk, offset)
            offset = end
        view.release()
        self._sizes[chunk] = offset
        if last:
            self._zeroed = os.stat(path).st_size
        elif len(data) > offset:
            self._cut_chunk(chunk, offset)  # a sealed chunk keeps no zeros

    def _cut_chunk(self, chunk: int, offset: int) -> None:
        with open(self._chunk_path(chunk), "r+b") as f:
            f.truncate(offset)
            os.fsync(f.fileno())

    def _index_record(self, h: rec.RecordHeader, chunk: int, offset: int) -> bool:
        seg = self.segments.get((h.volume, h.file, h.pg))
        if seg is None or h.lsn in seg.records or not seg.valid(h.epoch, h.lsn) or h.lsn <= seg.base_lsn:
            return False
        seg.records[h.lsn] = Loc(chunk, offset, h.size, h.epoch, h.page, h.prev_lsn, h.batch_first, h.cpl, h.ts)
        if not seg.order or h.lsn > seg.order[-1]:
            seg.order.append(h.lsn)
        else:
            i = bisect.bisect_left(seg.order, h.lsn)
            if i == len(seg.order) or seg.order[i] != h.lsn:  # not left over from a dropped record
                seg.order.insert(i, h.lsn)
        if h.lsn > seg.scl:
            seg.next_of[h.prev_lsn] = h.lsn
        seg.max_lsn = max(seg.max_lsn, h.lsn)
        seg.unindexed.append(h.lsn)
        self._live[chunk] = self._live.get(chunk, 0) + h.size
        return True

    # --- chunks ---------------------------------------------------------------------------
    def _chunk_path(self, chunk: int) -> Path:
        return self.log_dir / f"{chunk:08d}.log"

    def _roll(self, force: bool = False) -> None:
        if not force and self._sizes.get(self.active, 0) < self.chunk_bytes:
            if self._active_fd < 0:
                self._active_fd = os.open(self._chunk_path(self.active), os.O_WRONLY | os.O_CREAT, 0o600)
            return
        if self._active_fd >= 0:
            os.ftruncate(self._active_fd, self._sizes[self.active])  # sealed: no zeros kept
            os.fdatasync(self._active_fd)
            os.close(self._active_fd)
        self.active += 1
        self._active_fd = os.open(self._chunk_path(self.active), os.O_WRONLY | os.O_CREAT, 0o600)
        self._sizes[self.active] = 0
        self._live[self.active] = 0
        self._zeroed = 0
        self._fsync_dir()

    def _append_raw(self, buffers: list[memoryview]) -> int:
        """Write the buffers after the active chunk's last record (unsynced); return where
        they start. The file is zero-filled ahead first when they would pass its end; the
        next fdatasync makes those zeros durable with the records. A failed write is taken
        back, so that the chunk stays a clean sequence of records."""
        fd = self._active_fd
        start = self._sizes[self.active]
        end = start + sum(len(b) for b in buffers)
        try:
            if end > self._zeroed:
                target = max(end, min(self._zeroed + PREZERO_BYTES, self.chunk_bytes))
                at = self._zeroed
                while at < target:
                    at += os.pwrite(fd, _ZEROS[: target - at], at)
                self._zeroed = target
            at = start
            i = 0
            while i < len(buffers):
                n = os.pwritev(fd, buffers[i : i + _IOV_MAX], at)
                if n <= 0:
                    raise OSError(f"short write ({at - start} of {end - start} bytes)")
                at += n
                while i < len(buffers) and n >= len(buffers[i]):
                    n -= len(buffers[i])
                    i += 1
                if n:
                    buffers[i] = buffers[i][n:]
        except OSError as e:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
                self._zeroed = start
            log.error("cannot append to the log: %s", e)
            raise StorageError(f"storage node cannot write its log: {e}") from None
        self._sizes[self.active] = end
        return start

    def _fsync_dir(self) -> None:
        fd = os.open(self.log_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _read_fd(self, chunk: int) -> int:
        fd = self._read_fds.get(chunk)
        if fd is None:
            fd = self._read_fds[chunk] = os.open(self._chunk_path(chunk), os.O_RDONLY)
        return fd

    def append(self, items: list[tuple[rec.RecordHeader, memoryview]]) -> int:
        """Append records (already checked) to the log, unsynced; return how many were new.

        This is the acknowledgement path of every write, a bulk load's tens of thousands of
        records included: one pass picks the new records (consecutive records mostly share
        a segment, looked up once), one write appends them, one pass indexes them."""
        fresh: list[tuple[Segment, rec.RecordHeader, memoryview]] = []
        segments = self.segments
        key: SegmentKey | None = None
        seg: Segment | None = None
        for header, raw in items:
            k = (header.volume, header.file, header.pg)
            if k != key:
                seg = segments.get(k)
                if seg is None:
                    raise StorageError(f"no segment {header.volume:x}/{header.file}/{header.pg} on this node")
                key = k
            assert seg is not None
            lsn = header.lsn
            if lsn in seg.records or lsn <= seg.base_lsn or (seg.truncations and not seg.valid(header.epoch, lsn)):
                continue
            fresh.append((seg, header, raw))
        if not fresh:
            return 0
        self._roll()
        chunk = self.active
        offset = self._append_raw([raw for _, _, raw in fresh])
        live = 0
        for seg, h, raw in fresh:
            size = len(raw)
            lsn = h.lsn
            records = seg.records
            # a record sent twice in one write is appended twice but indexed once
            if lsn not in records:
                records[lsn] = Loc(chunk, offset, size, h.epoch, h.page, h.prev_lsn, h.batch_first, h.cpl, h.ts)
                order = seg.order
                if not order or lsn > order[-1]:
                    order.append(lsn)
                else:
                    i = bisect.bisect_left(order, lsn)
                    if i == len(order) or order[i] != lsn:  # not left over from a dropped record
                        order.insert(i, lsn)
                if lsn > seg.scl:
                    if h.prev_lsn == seg.scl and not seg.next_of:
                        seg.scl = lsn  # the usual case: the next link of the chain, none waiting
                    else:
                        seg.next_of[h.prev_lsn] = lsn
                        if h.prev_lsn == seg.scl:
                            seg.advance_scl()
                if lsn > seg.max_lsn:
                    seg.max_lsn = lsn
                seg.unindexed.append(lsn)
                live += size
            offset += size
        self._live[chunk] = self._live.get(chunk, 0) + live
        self.dirty = True
        return len(fresh)

    def sync(self) -> None:
        """Make every append durable. An fsync error is fatal: the node must not go on."""
        if self.dirty:
            self.dirty = False
            os.fdatasync(self._active_fd)

    def sync_fd(self) -> int:
        """For a sync in another thread: a duplicate of the active chunk's descriptor when
        appends await a sync (the caller fdatasyncs and closes it), else -1. Earlier chunks
        were synced when the log rolled past them."""
        if not self.dirty:
            return -1
        self.dirty = False
        return os.dup(self._active_fd)

    def save_meta(self) -> None:
        data = {"segments": [s.meta() for s in self.segments.values()], "dropped_volumes": sorted(self.dropped)}
        tmp = self.meta_path.with_suffix(".tmp")
        with open(tmp, "w") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.meta_path)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    # --- segments -------------------------------------------------------------------------
    def segment(self, volume: int, file: int, pg: int) -> Segment:
        seg = self.segments.get((volume, file, pg))
        if seg is None:
            raise StorageError(f"no segment {volume:x}/{file}/{pg} on this node")
        return seg

    def create_segment(self, m: dict[str, Any], save: bool = True) -> Segment:
        """Create a segment (or update the members and epoch of one that exists). Without
        ``save`` the caller saves the metadata before it tells anyone (``save_meta``)."""
        if m["volume"] in self.dropped:
            raise StorageError(f"volume {m['volume']:x} was deleted")
        key = (m["volume"], m["file"], m["pg"])
        seg = self.segments.get(key)
        if seg is not None:
            if m.get("members"):
                seg.members = m["members"]
            if m["epoch"] > seg.epoch:
                seg.epoch = m["epoch"]
            if save:
                self.save_meta()
            return seg
        seg = Segment.from_meta({**m, "vdl_hint": m["base_lsn"]})
        if seg.parent is not None:
            parent = self.segments.get((seg.parent[0], seg.file, seg.pg))
            if parent is not None:
                parent.pins.add(seg.parent[1])
        self.segments[key] = seg
        if save:
            self.save_meta()
        return seg

    def drop_volume(self, volume: int) -> None:
        """The volume was deleted: drop all its segments here and refuse to recreate them."""
        self.dropped.add(volume)
        for key in [k for k in self.segments if k[0] == volume]:
            self.drop_segment(*key)
        self.save_meta()

    def drop_segment(self, volume: int, file: int, pg: int) -> None:
        seg = self.segments.pop((volume, file, pg), None)
        if seg is None:
            return
        for loc in seg.records.values():
            self._live[loc.chunk] -= loc.size
        if seg.parent is not None:
            parent = self.segments.get((seg.parent[0], file, pg))
            still = any(
                s.parent == seg.parent and (s.file, s.pg) == (file, pg) for s in self.segments.values()
            )
            if parent is not None and not still:
                parent.pins.discard(seg.parent[1])
                self.unpinned(parent)
        self.save_meta()

    def set_epoch(self, seg: Segment, epoch: int, truncations: list[tuple[int, int]], save: bool = True) -> bool:
        """Adopt ``epoch`` (never lower) and the truncations, dropping what they invalidate;
        whether anything changed (without ``save``, the caller must then save the metadata
        before it tells anyone)."""
        merged = sorted(set(seg.truncations) | {(e, v) for e, v in truncations})
        changed = epoch > seg.epoch or merged != seg.truncations
        for e, v in set(merged) - set(seg.truncations):
            if e >= seg.epoch and v < seg.vdl_hint:
                # durable commits were cut (a global database's old primary rejoining): the
                # hint of the durable point must not name them any more
                seg.vdl_hint = v
        seg.epoch = max(seg.epoch, epoch)
        if merged != seg.truncations:
            seg.truncations = merged
            self._apply_truncations(seg)
        if changed and save:
            self.save_meta()
        return changed

    def _apply_truncations(self, seg: Segment) -> None:
        gone = [lsn for lsn, loc in seg.records.items() if not seg.valid(loc.epoch, lsn)]
        if not gone:
            return
        for lsn in gone:
            loc = seg.records.pop(lsn)
            self._live[loc.chunk] -= loc.size
            vs = seg.versions.get(loc.page)
            if vs:
                i = bisect.bisect_left(vs, lsn)
                if i < len(vs) and vs[i] == lsn:
                    del vs[i]
                    if not vs:
                        del seg.versions[loc.page]
        seg.unindexed = [x for x in seg.unindexed if x in seg.records]
        # Only records above the truncation point went: the chain stands up to the newest
        # surviving record at or below the old SCL and the truncation point.
        limit = min(seg.scl, min(lsn for lsn in gone))
        start = max((x for x in seg.records if x <= limit), default=max(seg.base_lsn, min(seg.chain_floor, limit)))
        seg.chain_floor = min(seg.chain_floor, start)
        seg.rechain(max(start, seg.base_lsn))
        seg.max_lsn = max(seg.records, default=seg.scl)

    def index_pending(self, seg: Segment) -> None:
        """Materialise page versions of records not yet indexed."""
        if not seg.unindexed:
            return
        records = seg.records
        superseding = seg.superseding
        last = superseding[-1] if superseding else -1
        ordered = True
        for lsn in seg.unindexed:
            loc = records.get(lsn)
            if loc is None:
                continue
            vs = seg.versions.setdefault(loc.page, [])
            if not vs or vs[-1] < lsn:
                vs.append(lsn)
                if len(vs) == 1:
                    continue
                key = lsn << 32 | loc.page
            else:
                i = bisect.bisect_left(vs, lsn)
                if i < len(vs) and vs[i] == lsn:
                    continue
                vs.insert(i, lsn)  # an older version filled in late: the next one supersedes it
                key = vs[i + 1] << 32 | loc.page
            superseding.append(key)
            if key < last:
                ordered = False
            last = max(last, key)
        if not ordered:  # records came out of LSN order (a restart after compaction, a late fill)
            seg.superseding = collections.deque(sorted(superseding))
        seg.unindexed = []

    # --- reads ----------------------------------------------------------------------------
    def read_raw(self, seg: Segment, lsn: int) -> bytes | None:
        """The whole record at ``lsn`` if its checksums hold; None if it is corrupt."""
        loc = seg.records[lsn]
        raw = os.pread(self._read_fd(loc.chunk), loc.size, loc.offset)
        try:
            header = rec.decode_header(raw)
        except rec.RecordError:
            return None
        if header.lsn != lsn or not rec.body_ok(header, memoryview(raw)[rec.HEADER_SIZE :]):
            return None
        return raw

    def find_version(self, seg: Segment, page: int, as_of: int) -> tuple[Segment, int] | None:
        """The (segment, LSN) of the newest version of ``page`` at or below ``as_of``,
        following a clone to its parent for pages the clone never wrote."""
        while True:
            self.index_pending(seg)
            vs = seg.versions.get(page)
            if vs:
                i = bisect.bisect_right(vs, as_of)
                if i:
                    return seg, vs[i - 1]
            if seg.parent is None:
                return None
            parent = self.segments.get((seg.parent[0], seg.file, seg.pg))
            if parent is None:
                raise StorageError(f"clone parent {seg.parent[0]:x} of segment missing on this node")
            as_of = min(as_of, seg.parent[1])
            seg = parent

    def mark_corrupt(self, seg: Segment, lsn: int) -> None:
        """Forget a corrupt copy so that a good one can be appended in its place."""
        self.corrupt_found += 1
        loc = seg.records.pop(lsn)
        self._live[loc.chunk] -= loc.size
        vs = seg.versions.get(loc.page, [])
        i = bisect.bisect_left(vs, lsn)
        if i < len(vs) and vs[i] == lsn:
            del vs[i]
        if lsn <= seg.scl:
            # The chain is broken at this LSN until the record is refilled: it stands up to the
            # record before it in the same protection group.
            seg.chain_floor = min(seg.chain_floor, loc.prev_lsn)
            seg.rechain(max(loc.prev_lsn, seg.base_lsn))

    def lsns_above(self, seg: Segment, above: int) -> list[int]:
        """The LSNs of the records above ``above``, in order."""
        order = seg.order
        return [x for x in order[bisect.bisect_right(order, above):] if x in seg.records]

    def tip_at_or_below(self, seg: Segment, lsn: int) -> int:
        """The newest record at or below ``lsn`` (the segment's base LSN if none)."""
        order = seg.order
        i = bisect.bisect_right(order, lsn)
        while i > 0:
            i -= 1
            if order[i] in seg.records:
                return order[i]
        return seg.base_lsn

    def records_above(self, seg: Segment, above: int, limit_bytes: int) -> list[int]:
        lsns = self.lsns_above(seg, above)
        out, total = [], 0
        for lsn in lsns:
            total += seg.records[lsn].size
            if out and total > limit_bytes:
                break
            out.append(lsn)
        return out

    # --- garbage collection ---------------------------------------------------------------
    def collect(self, now: float | None = None) -> int:
        """Drop page versions superseded by a durable version more than ``retention_s`` ago
        and needed by no clone; return how many were dropped.

        The work is proportional to what is dropped: the superseding versions are taken in
        the order they came (``Segment.superseding``) while they are old enough, durable
        (at or below the writer's last durable point) and complete (at or below SCL); each
        drops the versions of its page before it, but for those a clone reads (a pin at or
        above one and below the version after it). A version kept for a clone is looked at
        again when its page gets a newer version, or when the clone goes (``unpinned``)."""
        now = time.time() if now is None else now
        cutoff = now - self.retention_s
        dropped = 0
        for seg in self.segments.values():
            self.index_pending(seg)
            if len(seg.order) > len(seg.records) + len(seg.records) // 4 + 64:
                # forget what was dropped, once it is a fifth of the list (readers skip it
                # meanwhile): the rebuild costs what a fifth of the drops did, not the segment
                seg.order = [x for x in seg.order if x in seg.records]
            queue = seg.superseding
            records = seg.records
            upto: dict[int, int] = {}  # page -> its newest version that supersedes what is before it
            while queue:
                newer, page = queue[0] >> 32, queue[0] & 0xFFFFFFFF
                loc = records.get(newer)
                if loc is not None and (loc.ts > cutoff or newer > seg.vdl_hint or newer > seg.scl):
                    break  # not old enough, or not known durable and complete yet: later
                queue.popleft()
                if loc is not None and upto.get(page, -1) < newer:
                    upto[page] = newer
            pins = sorted(seg.pins)
            here = 0
            for page, newer in upto.items():  # one cut per page: a hot page has many versions
                vs = seg.versions.get(page)
                if not vs:
                    continue
                i = bisect.bisect_left(vs, newer)
                if i == 0 or i == len(vs) or vs[i] != newer:
                    continue  # collected, truncated or found corrupt meanwhile
                keep = []
                for k in range(i):
                    old = vs[k]
                    j = bisect.bisect_left(pins, old)
                    if j < len(pins) and pins[j] < vs[k + 1]:
                        keep.append(old)
                        continue
                    gone = records.pop(old)
                    self._live[gone.chunk] -= gone.size
                    here += 1
                vs[:i] = keep
            if here:
                # Collected records leave holes below SCL: later chain walks start at SCL.
                seg.chain_floor = max(seg.chain_floor, seg.scl)
                dropped += here
        if dropped:
            self.save_meta()  # before compaction makes the holes permanent
        return dropped

    @staticmethod
    def unpinned(seg: Segment) -> None:
        """A clone of ``seg`` is gone: the versions kept for it may go at the next collect
        (rare: it costs what one walk over every version did)."""
        keys = set(seg.superseding)
        keys.update(vs[k] << 32 | page for page, vs in seg.versions.items() for k in range(1, len(vs)))
        seg.superseding = collections.deque(sorted(keys))

    def compact(self, max_chunks: int = 1) -> int:
        """Rewrite up to ``max_chunks`` sealed chunks that are mostly garbage; return bytes freed."""
        freed = 0
        candidates = sorted(
            (c for c in self._sizes if c != self.active and self._sizes[c] > 0
             and self._live.get(c, 0) < self._sizes[c] // 2),
            key=lambda c: self._live.get(c, 0),
        )
        for chunk in candidates[:max_chunks]:
            moving = [
                (seg, lsn, loc) for seg in self.segments.values()
                for lsn, loc in seg.records.items() if loc.chunk == chunk
            ]
            raws = []
            for seg, lsn, loc in moving:
                raw = os.pread(self._read_fd(chunk), loc.size, loc.offset)
                raws.append((seg, lsn, raw))
            self._roll()
            blob = b"".join(r for _, _, r in raws)
            offset = self._sizes[self.active]
            if blob:
                offset = self._append_raw([memoryview(blob)])
                os.fdatasync(self._active_fd)
            for seg, lsn, raw in raws:
                loc = seg.records[lsn]
                loc.chunk, loc.offset = self.active, offset
                offset += len(raw)
            self._live[self.active] = self._live.get(self.active, 0) + len(blob)
            freed += self._sizes[chunk] - len(blob)
            fd = self._read_fds.pop(chunk, None)
            if fd is not None:
                os.close(fd)
            self._chunk_path(chunk).unlink()
            del self._sizes[chunk]
            self._live.pop(chunk, None)
        if freed:
            self._fsync_dir()
        return freed

    def disk_bytes(self) -> int:
        return sum(self._sizes.values())

    def close(self) -> None:
        if self._active_fd >= 0:
            try:
                self.sync()
            finally:
                os.close(self._active_fd)
                self._active_fd = -1
        for fd in self._read_fds.values():
            os.close(fd)
        self._read_fds.clear()
