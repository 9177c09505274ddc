"""The backup store: a folder that stands in for S3, outside every storage node.

One **chain** per volume (``volumes/<volume>/``): base images (every page of the volume as of
an LSN) and redo segments (whole committed batches, in LSN order, each with the time it became
durable), written by the volume's backup process (``engine/backup/streamer.py``). Any state
of the volume from its first base image to its newest batch can be rebuilt from the chain
alone: the newest base image at or below the LSN, then the batches above it. Snapshots are
small records (``snapshots/<name>.json``) that name a chain and an LSN: taking one copies no
data. Every file is written to a temporary name, synced, then renamed, so a crash in the
middle leaves the store as it was; payloads are zstandard frames with content checksums and a
CRC32 of their own, checked on every read. A merged redo segment holds the frames of the
segments it replaced, unchanged, one after another (``MAGIC_PARTS``).

File names carry what listing needs (LSNs, times in ms): ``base-<lsn>-<ms>.zst``,
``redo-<first>-<last>-<ms of first batch>-<ms of last batch>.zst``; ``chain.json`` holds what
a restore needs of the cluster (engine, users, database, password, page size) and
``progress.json`` the LSN up to which the chain is complete and when that was last confirmed
(the latest restorable time).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import zstandard

from aurora.engine import errors

Pages = dict[tuple[int, int], bytes]

MAGIC = b"AURBKUP1"
MAGIC_PARTS = b"AURBKUP2"
"""A merged redo segment: the parts of the segments it replaced, each as it was written."""
_PART = struct.Struct(">III")  # a part of a merged segment: CRC32 and size of its payload, size of its frame
_BATCH = struct.Struct(">QQdI")  # first, cpl, durable time, pages
_PAGE = struct.Struct(">IIi")  # file, page, length
_BASE_RE = re.compile(r"^base-(\d{20})-(\d+)\.zst$")
_REDO_RE = re.compile(r"^redo-(\d{20})-(\d{20})-(\d+)-(\d+)\.zst$")
_LEVEL = 3


class NotRestorable(errors.NotFound):
    """The backup store cannot rebuild the state asked for."""


@dataclass(frozen=True)
class Batch:
    first: int
    cpl: int
    t: float  # when it became durable (Unix time)
    writes: Pages


@dataclass(frozen=True)
class Base:
    lsn: int
    t: float
    path: Path


@dataclass(frozen=True)
class Segment:
    first: int
    last: int
    t_first: float
    t_last: float
    path: Path


@dataclass
class Snapshot:
    name: str
    cluster: str
    volume: str
    lsn: int
    time: float  # the point it records: the latest commit time it holds
    kind: str = "manual"  # or automated
    created: float = field(default_factory=time.time)
    engine: str = "postgres"
    size_bytes: int = 0
    copied_from: str | None = None


# --- files --------------------------------------------------------------------------------------


def _write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    """Temporary name, fsync, rename, fsync of the folder: all of it or nothing (without
    ``durable``, a crash may keep the old version; never a torn one). The temporary name is
    the writing thread's own: two threads may write the same file at once (the streamer's
    progress, from its loop and from a snapshot's request)."""
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{threading.get_ident()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        if durable:
            os.fsync(f.fileno())
    os.replace(tmp, path)
    if not durable:
        return
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pack(payload: bytes) -> bytes:
    body = zstandard.ZstdCompressor(level=_LEVEL, write_checksum=True).compress(payload)
    return MAGIC + struct.pack(">II", zlib.crc32(payload), len(payload)) + body


def _parts(path: Path) -> list[tuple[int, int, bytes]]:
    """The (CRC32, size, zstandard frame) of each payload of a backup file, not yet checked:
    one for a file written whole, one per merged segment for a merged one."""
    data = path.read_bytes()
    if data[:8] == MAGIC and len(data) >= 16:
        crc, size = struct.unpack(">II", data[8:16])
        return [(crc, size, data[16:])]
    if data[:8] != MAGIC_PARTS or len(data) < 8 + _PART.size:
        raise NotRestorable(f"{path} is not a backup file")
    parts = []
    at = 8
    while at < len(data):
        if at + _PART.size > len(data):
            raise NotRestorable(f"{path} is damaged: it ends inside a part's header")
        crc, size, length = _PART.unpack_from(data, at)
        at += _PART.size
        if at + length > len(data):
            raise NotRestorable(f"{path} is damaged: a part runs past its end")
        parts.append((crc, size, data[at:at + length]))
        at += length
    return parts


def _decompress(path: Path, crc: int, size: int, frame: bytes) -> bytes:
    try:
        # a damaged frame header can claim any size: believe only the one recorded beside it
        if zstandard.frame_content_size(frame) not in (size, -1):
            raise NotRestorable(f"{path} is damaged: its frame does not have the recorded size")
        payload = zstandard.ZstdDecompressor().decompress(frame, max_output_size=size)
    except (zstandard.ZstdError, MemoryError) as e:
        raise NotRestorable(f"{path} is damaged: {e}") from None
    if len(payload) != size or zlib.crc32(payload) != crc:
        raise NotRestorable(f"{path} is damaged: its checksum does not match")
    return payload


def _unpack(path: Path) -> list[bytes]:
    """The payloads of a backup file, each checked."""
    return [_decompress(path, *part) for part in _parts(path)]


def _encode_pages(out: list[bytes], pages: Pages) -> None:
    for (file, page), image in sorted(pages.items()):
        out.append(_PAGE.pack(file, page, len(image)))
        out.append(image)


def _decode_pages(payload: memoryview, at: int, count: int, into: Pages) -> int:
    for _ in range(count):
        file, page, length = _PAGE.unpack_from(payload, at)
        at += _PAGE.size
        into[(file, page)] = bytes(payload[at:at + length])
        at += length
    return at


# --- one volume's chain -------------------------------------------------------------------------


class Chain:
    """The backups of one volume."""

    def __init__(self, root: Path, volume: str) -> None:
        self.volume = volume
        self.dir = root / "volumes" / volume

    def exists(self) -> bool:
        return (self.dir / "chain.json").exists()

    # --- what a restore needs of the cluster ---------------------------------------------------
    def write_meta(self, meta: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_atomic(self.dir / "chain.json", json.dumps(meta, sort_keys=True).encode())
        os.chmod(self.dir / "chain.json", 0o600)  # it holds the master password

    def meta(self) -> dict[str, Any]:
        try:
            return json.loads((self.dir / "chain.json").read_text())
        except (OSError, ValueError):
            return {}

    # --- listing ------------------------------------------------------------------------------
    def bases(self) -> list[Base]:
        out = []
        for p in self._files():
            m = _BASE_RE.match(p.name)
            if m:
                out.append(Base(int(m[1]), int(m[2]) / 1000, p))
        return sorted(out, key=lambda b: b.lsn)

    def segments(self) -> list[Segment]:
        out = []
        for p in self._files():
            m = _REDO_RE.match(p.name)
            if m:
                out.append(Segment(int(m[1]), int(m[2]), int(m[3]) / 1000, int(m[4]) / 1000, p))
        return sorted(out, key=lambda s: s.first)

    def _files(self) -> Iterator[Path]:
        with contextlib.suppress(FileNotFoundError):
            yield from self.dir.iterdir()

    def tip(self) -> int:
        """The newest LSN the chain holds (a base image's or a batch's)."""
        segs, bases = self.segments(), self.bases()
        return max([s.last for s in segs] + [b.lsn for b in bases] + [0])

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self._files() if not p.name.startswith("."))

    # --- writing ------------------------------------------------------------------------------
    def write_base(self, lsn: int, t: float, pages: Pages) -> Base:
        out: list[bytes] = [struct.pack(">QdI", lsn, t, len(pages))]
        _encode_pages(out, pages)
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.dir / f"base-{lsn:020d}-{_ms_up(t)}.zst"
        _write_atomic(path, _pack(b"".join(out)))
        return Base(lsn, t, path)

    def write_redo(self, batches: list[Batch]) -> Segment:
        if not batches:
            raise ValueError("no batches")
        out: list[bytes] = [struct.pack(">I", len(batches))]
        for b in batches:
            out.append(_BATCH.pack(b.first, b.cpl, b.t, len(b.writes)))
            _encode_pages(out, b.writes)
        first, last = batches[0], batches[-1]
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.dir / (f"redo-{first.first:020d}-{last.cpl:020d}-{math.floor(first.t * 1000)}-"
                           f"{_ms_up(last.t)}.zst")
        _write_atomic(path, _pack(b"".join(out)))
        return Segment(first.first, last.cpl, first.t, last.t, path)

    def write_progress(self, lsn: int, t: float) -> None:
        """The chain holds every batch up to ``lsn``, and nothing was committed between that
        batch and ``t`` (the latest restorable time)."""
        # written every second: a crash may lose the last one, which only makes the latest
        # restorable time look a little older, so it is not synced
        _write_atomic(self.dir / "progress.json", json.dumps({"lsn": lsn, "time": t}).encode(), durable=False)

    def progress(self) -> tuple[int, float]:
        try:
            p = json.loads((self.dir / "progress.json").read_text())
            return int(p["lsn"]), float(p["time"])
        except (OSError, ValueError, KeyError, TypeError):
            return self.tip(), 0.0

    # --- reading ------------------------------------------------------------------------------
    @staticmethod
    def read_base(base: Base) -> Pages:
        payloads = _unpack(base.path)
        if len(payloads) != 1:
            raise NotRestorable(f"{base.path} is damaged: a base image is one part")
        payload = memoryview(payloads[0])
        _lsn, _t, count = struct.unpack_from(">QdI", payload, 0)
        pages: Pages = {}
        _decode_pages(payload, struct.calcsize(">QdI"), count, pages)
        return pages

    @staticmethod
    def read_redo(segment: Segment) -> list[Batch]:
        batches = []
        for part in _unpack(segment.path):
            payload = memoryview(part)
            (count,) = struct.unpack_from(">I", payload, 0)
            at = 4
            for _ in range(count):
                first, cpl, t, n = _BATCH.unpack_from(payload, at)
                at += _BATCH.size
                writes: Pages = {}
                at = _decode_pages(payload, at, n, writes)
                batches.append(Batch(first, cpl, t, writes))
        return batches

    def window(self) -> tuple[float, float] | None:
        """(earliest, latest) restorable times, or None when nothing is restorable yet."""
        bases = self.bases()
        if not bases:
            return None
        _lsn, latest = self.progress()
        segs = self.segments()
        newest = max([bases[-1].t] + [s.t_last for s in segs if s.last > bases[-1].lsn])
        return bases[0].t, max(latest, newest)

    def lsn_at(self, when: float) -> int:
        """The LSN of the last commit durable at or before ``when`` (Unix time)."""
        bases = [b for b in self.bases() if b.t <= when]
        if not bases:
            raise NotRestorable(f"the backups of {self.volume} begin after {_iso(when)}")
        lsn = bases[-1].lsn
        for seg in self.segments():
            if seg.last <= lsn or seg.t_first > when:
                continue
            if seg.t_last <= when:
                lsn = max(lsn, seg.last)
                continue
            for b in self.read_redo(seg):
                if b.t <= when and b.cpl > lsn:
                    lsn = b.cpl
        return lsn

    def materialize(self, lsn: int) -> Pages:
        """Every page of the volume as of ``lsn``: the newest base image at or below it, then
        the batches above it, which must follow on without a gap."""
        bases = [b for b in self.bases() if b.lsn <= lsn]
        if not bases:
            raise NotRestorable(f"no base image of {self.volume} at or below LSN {lsn}")
        base = bases[-1]
        pages = self.read_base(base)
        at = base.lsn
        for seg in self.segments():
            if seg.last <= at or at >= lsn:
                continue
            if seg.first > at + 1:
                raise NotRestorable(f"the backups of {self.volume} have a gap: LSNs {at + 1} to {seg.first - 1} "
                                    "are missing")
            for b in self.read_redo(seg):
                if b.cpl <= at:
                    continue
                if b.cpl > lsn:
                    break
                if b.first != at + 1:
                    raise NotRestorable(f"the backups of {self.volume} have a gap at LSN {at + 1}")
                pages.update(b.writes)
                at = b.cpl
        if at < lsn:
            raise NotRestorable(f"the backups of {self.volume} end at LSN {at}, before {lsn}")
        return pages

    # --- retention ----------------------------------------------------------------------------
    def prune(self, keep_from: float, keep_lsns: Iterable[int] = ()) -> list[Path]:
        """Delete what neither a restore to any time from ``keep_from`` on nor a snapshot at an
        LSN of ``keep_lsns`` needs; returns what was deleted. A point needs the newest base
        image at or below it and the batches from there up to it."""
        bases, segs = self.bases(), self.segments()
        if not bases:
            return []
        try:
            floor = self.lsn_at(keep_from)
        except NotRestorable:
            floor = bases[0].lsn  # the chain begins after keep_from: all of it is needed

        def newest_base(point: int) -> Base | None:
            below = [b for b in bases if b.lsn <= point]
            return below[-1] if below else None

        start = newest_base(floor) or bases[0]
        keep = {b.path for b in bases if b.lsn >= start.lsn} | {s.path for s in segs if s.last > start.lsn}
        for point in keep_lsns:
            base = newest_base(point)
            if base is None:
                continue
            keep.add(base.path)
            keep |= {s.path for s in segs if s.last > base.lsn and s.first <= point}
        deleted = [p.path for p in [*bases, *segs] if p.path not in keep]
        for path in deleted:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return deleted

    def merge_segments(self, max_bytes: int = 4 * 1024 * 1024) -> int:
        """Merge runs of small consecutive redo segments into one (a segment is written twice
        a second; a day of them would be a hundred thousand files). The merged file holds the
        compressed parts of the segments it replaces as they are, each checked first (a run
        with a damaged segment is left as it is): merging decompresses once and compresses
        nothing. The merged file is written before the small ones go, and readers skip
        batches they have already seen, so a crash in between leaves overlapping segments,
        never a gap. Returns the segments merged."""
        runs: list[list[Segment]] = [[]]
        size = 0
        for seg in self.segments():
            try:
                seg_size = seg.path.stat().st_size
            except FileNotFoundError:
                continue
            run = runs[-1]
            if run and (seg.first != run[-1].last + 1 or size + seg_size > max_bytes):
                runs.append([])
                size = 0
            runs[-1].append(seg)
            size += seg_size
        merged = 0
        for run in runs:
            if len(run) < 2:
                continue
            out = [MAGIC_PARTS]
            try:
                for seg in run:
                    for crc, length, frame in _parts(seg.path):
                        _decompress(seg.path, crc, length, frame)
                        out += [_PART.pack(crc, length, len(frame)), frame]
            except (FileNotFoundError, NotRestorable):
                continue  # pruned meanwhile, or damaged: leave it as it is
            first, last = _REDO_RE.match(run[0].path.name), _REDO_RE.match(run[-1].path.name)
            assert first is not None and last is not None
            _write_atomic(self.dir / f"redo-{first[1]}-{last[2]}-{first[3]}-{last[4]}.zst", b"".join(out))
            for seg in run:
                with contextlib.suppress(FileNotFoundError):
                    seg.path.unlink()
            merged += len(run)
        return merged

    def remove_leftovers(self) -> None:
        """Temporary files of writes a crash interrupted."""
        for p in self._files():
            if p.name.startswith(".tmp-"):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()


def _ms_up(t: float) -> int:
    """A time in a file name, in ms rounded up: a name never says a batch came earlier than it did
    (``lsn_at`` trusts a segment whose last time is at or before the time asked)."""
    return math.ceil(t * 1000)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


# --- the store ----------------------------------------------------------------------------------


class BackupStore:
    """Chains and snapshot records under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def chain(self, volume: str) -> Chain:
        return Chain(self.root, volume)

    def chains(self) -> list[Chain]:
        folder = self.root / "volumes"
        if not folder.exists():
            return []
        return [Chain(self.root, p.name) for p in sorted(folder.iterdir()) if (p / "chain.json").exists()]

    def chains_of(self, cluster: str) -> list[Chain]:
        """A cluster's chains, oldest first by when each volume became the cluster's (a backtrack
        or a restore under the same name starts a new one)."""
        mine = [c for c in self.chains() if c.meta().get("cluster") == cluster]
        return sorted(mine, key=lambda c: c.meta().get("activated", 0.0))

    def chain_at(self, cluster: str, when: float) -> Chain:
        """The chain of ``cluster`` whose volume was the cluster's at ``when``."""
        chains = self.chains_of(cluster)
        if not chains:
            raise NotRestorable(f"the backup store has no backups of cluster {cluster!r}",
                                hint="aurora snapshot list")
        live = [c for c in chains if c.meta().get("activated", 0.0) <= when]
        return live[-1] if live else chains[0]

    # --- snapshots ----------------------------------------------------------------------------
    def _snapshot_path(self, name: str) -> Path:
        return self.root / "snapshots" / f"{name}.json"

    def save_snapshot(self, snap: Snapshot) -> None:
        (self.root / "snapshots").mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_atomic(self._snapshot_path(snap.name), json.dumps(asdict(snap), sort_keys=True).encode())

    def snapshot(self, name: str) -> Snapshot:
        try:
            return Snapshot(**json.loads(self._snapshot_path(name).read_text()))
        except FileNotFoundError:
            raise errors.NotFound(f"snapshot {name!r} not found", hint="aurora snapshot list") from None
        except (ValueError, TypeError) as e:
            raise errors.ClusterDamaged(f"snapshot {name!r} is damaged: {e}") from None

    def has_snapshot(self, name: str) -> bool:
        return self._snapshot_path(name).exists()

    def snapshots(self, cluster: str | None = None) -> list[Snapshot]:
        folder = self.root / "snapshots"
        out = []
        for p in sorted(folder.glob("*.json")) if folder.exists() else []:
            with contextlib.suppress(errors.AuroraError):
                s = self.snapshot(p.stem)
                if cluster is None or s.cluster == cluster:
                    out.append(s)
        return sorted(out, key=lambda s: s.created)

    def delete_snapshot(self, name: str) -> None:
        try:
            self._snapshot_path(name).unlink()
        except FileNotFoundError:
            raise errors.NotFound(f"snapshot {name!r} not found", hint="aurora snapshot list") from None
