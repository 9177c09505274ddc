"""The volume client: how an instance writes to and reads from its six-way replicated volume.

A :class:`Volume` is opened either as the writer (which bumps the epoch, recovers, and then
ships commit batches) or as a reader (which reads at a durable point it learns). Both read
a page from one storage node whose copy is complete enough, hedging to a second node when
the first is slow; only recovery asks a read quorum.

Writer protocol (engine/storage/DESIGN.md):
  commit  → ``submit``: LSNs for the batch's records in (file, page) order; the records of
            each protection group go to its six nodes in pieces, at most FRAME_BYTES a frame
            and FRAME_WINDOW frames in flight per node (``_flush``; ``_written`` counts the
            acknowledgements). ``wait_durable``: returns once VDL has reached its CPL, which
            takes 4 acknowledgements of every protection group it touched. The bound is on
            progress, not size: when no node acknowledged anything for ``quorum_timeout``
            while fewer than 4 copies of a protection group it waits for are connected (nodes
            down), or for ``stall_timeout`` while enough are connected but silent (a disk
            that stalls), it raises WriteQuorumLost; the batch stays queued and is resent
            until it is durable (its outcome is unknown to the caller), and until then
            further commits fail at once, before they are numbered.
  open    → epoch bump on a write quorum of every protection group (fencing any older writer),
            VDL recomputed from read quorums, everything above it truncated, and the records
            between the last known durable point and VDL written again to a write quorum.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aurora.engine.errors import (
    PageUnavailable,
    ReadQuorumLost,
    StaleEpoch,
    StorageError,
    WriteQuorumLost,
)
from aurora.engine.storage import records as rec
from aurora.engine.storage import wire
from aurora.engine.storage.catalog import Catalog, NodeAddr, PgMeta, VolumeMeta, volume_name
from aurora.engine.storage.quorum import READ_QUORUM, WRITE_QUORUM, DurabilityTracker, PgId

log = logging.getLogger("aurora.storage.volume")

FAR = 1 << 62

PIECE_BYTES = 512 << 10
"""A batch part (the records of one protection group) travels in pieces of about this size."""
FRAME_BYTES = 2 << 20
"""At most this much record data in one WRITE frame, and at most FRAME_WINDOW frames in
flight per node: a large batch neither holds a whole copy per node in buffers nor delays the
reads and the other commits that share the connection."""
FRAME_WINDOW = 2
ENCODED_CACHE_BYTES = 16 << 20
"""Encoded pieces kept for nodes still to be sent them; older ones are encoded again."""
# How long a read waits for copies to fill the holes in their logs (gossip runs every 0.5 s)
# before it fails: every record was acknowledged by 4 of 6 copies, maybe not all by one.
CATCH_UP_WAIT_S = 5.0
STALL_TIMEOUT_S = 10.0
"""How long a batch waits without an acknowledgement while at least 4 copies of each
protection group it waits for are still connected, before its write quorum is called lost.
Such copies are slow, not gone: a shared disk whose fdatasync stalls for seconds under
another process's writeback, a machine that stood still. A commit waits for them, as it
would for its own disk's fsync. (Copies down: the bound is the volume's quorum_timeout.)"""
BULK_ENCODED_CACHE_BYTES = 256 << 20
"""A bulk load (``Volume(bulk=True)``: a restore writing a new volume) keeps its pieces
encoded for the nodes that lag, up to this much, so that a record is encoded once and not
again for every node that falls behind the first. (Its frames stay at FRAME_BYTES: 4 and
8 MiB frames made a 100 MiB load slower, 1.5-2.0 s against 1.2-1.4 s, with more CPU in the
nodes.)"""

PieceKey = tuple[int, PgId, int]


class Outcome:
    """A batch's outcome for a thread that waits for it (:meth:`Volume.send_numbered`): settled
    once, on the volume's loop; :meth:`result` blocks until then, on any thread. The part of
    ``concurrent.futures.Future`` a commit uses, on one lock: the future's ``set_result`` runs
    a condition's ``notify_all`` in Python on the loop, and its ``result`` a condition's
    ``wait`` (a new lock, a list of waiters) on the session's thread, once per commit each,
    while every other session waits for the interpreter lock. Here settling releases a lock
    the waiters block on, and waiting acquires it: one call into C each."""

    __slots__ = ("_error", "_gate", "_settled")

    def __init__(self) -> None:
        self._gate = threading.Lock()
        self._gate.acquire()
        self._settled = False
        self._error: BaseException | None = None

    def done(self) -> bool:
        return self._settled

    def set_result(self, _result: None = None) -> None:
        self._settle(None)

    def set_exception(self, error: BaseException) -> None:
        self._settle(error)

    def _settle(self, error: BaseException | None) -> None:
        if self._settled:  # the first outcome stands (callers check done() first)
            return
        self._error = error
        self._settled = True
        self._gate.release()

    def result(self, timeout: float | None = None) -> None:
        """Wait until settled (at most ``timeout`` seconds: then TimeoutError); raise the
        error it was settled with."""
        if not self._settled:
            if not self._gate.acquire(timeout=-1 if timeout is None else timeout):
                raise TimeoutError(f"not settled within {timeout} s")
            self._gate.release()  # the next waiter, if any, gets the gate in turn
        if self._error is not None:
            raise self._error


class _Part:
    """A batch's records in one protection group: how many pieces, when it was sent, how
    many pieces each node acknowledged (the part counts for a node once it has them all) and
    when a node last acknowledged one."""

    __slots__ = ("acks", "last_ack", "pieces", "sent")

    def __init__(self, pieces: int) -> None:
        self.pieces = pieces
        self.sent = self.last_ack = time.monotonic()
        self.acks: dict[str, int] = {}

    def keys(self, cpl: int, pgid: PgId) -> list[PieceKey]:
        return [(cpl, pgid, n) for n in range(self.pieces)]


class _Piece:
    """Up to PIECE_BYTES of one batch's records in one protection group, encoded on demand:
    the page images are the caller's (the buffer pool holds them until they are durable), so
    a batch costs its size once in memory, not once more per encoded copy."""

    __slots__ = ("blob", "cpl", "epoch", "first", "nbytes", "records", "ts", "volume")

    def __init__(self, volume: int, epoch: int, first: int, cpl: int, ts: float,
                 records: list[tuple[int, int, int, int, int, bytes]]) -> None:
        self.volume = volume
        self.epoch = epoch
        self.first = first
        self.cpl = cpl
        self.ts = ts
        self.records = records  # (file, pg, lsn, prev_lsn, page, body)
        self.nbytes = sum(rec.HEADER_SIZE + len(r[5]) for r in records)
        self.blob: bytes | None = None

    def encode(self) -> bytes:
        parts: list[bytes] = []
        for file, pg, lsn, prev, page, body in self.records:
            parts.append(rec.encode_header(volume=self.volume, epoch=self.epoch, file=file, pg=pg, lsn=lsn,
                                           prev_lsn=prev, batch_first=self.first, cpl=self.cpl, ts=self.ts,
                                           page=page, body=body))
            parts.append(body)
        return b"".join(parts)  # each page image copied once, into the piece


class NodePool:
    """One pipelined connection per storage node, shared by every volume of a process."""

    def __init__(self) -> None:
        self._clients: dict[str, wire.NodeClient] = {}
        self.down_until: dict[str, float] = {}

    def client(self, node: NodeAddr) -> wire.NodeClient:
        c = self._clients.get(node.id)
        if c is None or c.path != node.socket:
            # A node that is gone refuses at once (its socket is closed or removed); the
            # timeout only covers a loaded machine, whose loop may stall for a while.
            c = self._clients[node.id] = wire.NodeClient(node.socket, connect_timeout=2.0)
        return c

    def suspect(self, node_id: str, seconds: float = 1.0) -> None:
        self.down_until[node_id] = time.monotonic() + seconds

    def connected(self, node_id: str) -> bool:
        """Whether this process holds an open connection to the node (a node that stopped
        closed it; one cut off or slow keeps it)."""
        c = self._clients.get(node_id)
        return c is not None and c.connected

    def healthy(self, node_id: str) -> bool:
        return self.down_until.get(node_id, 0.0) <= time.monotonic()

    def close(self) -> None:
        for c in self._clients.values():
            c.close()
        self._clients.clear()


class Volume:
    def __init__(
        self,
        catalog: Catalog,
        meta: VolumeMeta,
        pool: NodePool | None = None,
        *,
        az: str | None = None,
        quorum_timeout: float = 2.0,
        stall_timeout: float = STALL_TIMEOUT_S,
        hedge_after: float = 0.02,
        bulk: bool = False,
    ) -> None:
        self.catalog = catalog
        self.meta = meta
        self.pool = pool or NodePool()
        self.az = az
        self.quorum_timeout = quorum_timeout
        self.stall_timeout = stall_timeout
        self.hedge_after = hedge_after
        # A bulk load also tells the nodes so: they leave the volume to its writer rather
        # than fetch from each other by gossip the records it is sending them anyway.
        self.bulk = bulk
        self.encoded_cache_bytes = BULK_ENCODED_CACHE_BYTES if bulk else ENCODED_CACHE_BYTES
        self.writer = False
        self.epoch = meta.epoch
        self.vdl = meta.base_lsn
        self.next_lsn = meta.base_lsn + 1
        self.tip: dict[PgId, int] = {}  # last record LSN of each PG (exact for the writer)
        self.tracker = DurabilityTracker(meta.base_lsn)
        # Each batch not yet durable, with its future (an asyncio one, or a thread's Outcome
        # for a batch numbered by ``number``) and its pages.
        self._waiters: deque[tuple[int, asyncio.Future | Outcome, list[tuple[int, int]]]] = deque()
        # Told of every batch that becomes durable, in LSN order, also one whose commit had
        # already raised WriteQuorumLost: caches above must learn of it all the same.
        self.durable_listeners: list[Callable[[int, list[tuple[int, int]]], None]] = []
        # Batch parts in flight, in pieces of at most PIECE_BYTES: key (cpl, pg, piece).
        self._inflight: dict[PieceKey, _Piece] = {}
        self._acked: dict[PieceKey, set[str]] = {}  # nodes that acknowledged each piece
        self._parts: dict[tuple[int, PgId], _Part] = {}
        self._queues: dict[str, dict[PieceKey, None]] = {}  # ordered sets, one per node
        self._flushing: dict[str, int] = {}  # WRITE frames in flight, per node
        self._encoded: deque[_Piece] = deque()  # pieces whose records are encoded, oldest first
        self._encoded_bytes = 0
        self._tasks: set[asyncio.Future] = set()
        # Batches numbered by ``number`` not yet durable: their threads' Outcomes, and when
        # they were sent (``_check_watched`` bounds their wait as wait_durable would).
        self._watched: dict[int, tuple[Outcome, float]] = {}
        self._flush_scheduled = False
        self._write_head: tuple[tuple[int, int] | None, bytes] = (None, b"")  # WRITE's, by (epoch, vdl)
        self._last_blob: tuple[list[PieceKey], wire.BlobParts] = ([], wire.BlobParts([]))  # the last WRITE's
        self._stuck = False
        self._fenced: str | None = None
        self._grow_lock = asyncio.Lock()
        self._resender: asyncio.Task | None = None
        self._nodes = catalog.fleet_nodes()
        self._meta_mtime = 0.0
        self.stats = {"commits": 0, "hedged_reads": 0, "reads": 0, "read_retries": 0}
        self.cut: tuple[int, int, int] | None = None  # what open_writer(truncate_above) cut

    @property
    def id(self) -> int:
        return self.meta.id

    # --- helpers --------------------------------------------------------------------------
    def _node(self, node_id: str) -> NodeAddr:
        node = self._nodes.get(node_id)
        if node is None:
            self._nodes = self.catalog.fleet_nodes()
            node = self._nodes.get(node_id)
            if node is None:
                raise StorageError(f"storage node {node_id} is not in the fleet of {self.catalog.region}")
        return node

    def _members(self, pg: PgMeta) -> list[dict[str, Any]]:
        return [self._node(n).as_member() for n in pg.members]

    def _seg(self, pg: PgMeta) -> dict[str, Any]:
        return {"volume": self.id, "file": pg.file, "pg": pg.pg}

    async def _ask_all(
        self, pg: PgMeta, kind: int, header: dict[str, Any], need: int, timeout: float, blob: bytes = b""
    ) -> dict[str, dict[str, Any]]:
        """Send one request to every member of ``pg``; return the replies once ``need`` have
        answered (waiting a moment for the rest), or raise StorageError with the failures."""
        async def one(node_id: str) -> tuple[str, dict[str, Any]]:
            reply, _ = await self.pool.client(self._node(node_id)).request(kind, header, blob, timeout)
            return node_id, reply

        tasks = [asyncio.ensure_future(one(n)) for n in pg.members]
        replies: dict[str, dict[str, Any]] = {}
        errors: list[BaseException] = []
        pending = set(tasks)
        deadline = time.monotonic() + timeout
        while pending and len(replies) < len(tasks):
            wait = deadline - time.monotonic()
            if len(replies) >= need:
                wait = min(wait, 0.05)  # the stragglers may answer at once; do not wait long
            if wait <= 0:
                break
            done, pending = await asyncio.wait(pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            if not done:
                break
            for t in done:
                if t.exception() is None:
                    node_id, reply = t.result()
                    replies[node_id] = reply
                else:
                    errors.append(t.exception())  # type: ignore[arg-type]
        for t in pending:
            t.cancel()
        if len(replies) < need:
            stale = [e for e in errors if isinstance(e, wire.RemoteError) and e.code == "StaleEpoch"]
            if stale:
                raise StaleEpoch(str(stale[0]))
            raise StorageError(
                f"{len(replies)} of {len(pg.members)} copies of protection group {pg.file}/{pg.pg} "
                f"answered; {need} needed ({'; '.join(str(e) for e in errors[:3]) or 'timed out'})"
            )
        return replies

    # --- opening --------------------------------------------------------------------------
    async def open_writer(self, truncate_above: int | None = None) -> None:
        """Become the volume's only writer: fence older writers, recover, truncate.

        ``truncate_above`` also cuts durable commits above that LSN (a global database's old
        primary rejoining as a secondary after a failover that lost them); ``self.cut`` then
        says what went: (first LSN, last LSN, transactions)."""
        pgs = list(self.meta.pgs.values())
        try:
            first = await asyncio.gather(*(
                self._ask_all(pg, wire.SCAN, {**self._seg(pg), "above": FAR}, READ_QUORUM, self.quorum_timeout)
                for pg in pgs))
        except StorageError as e:
            raise ReadQuorumLost(f"cannot open the volume for writing: {e}") from None
        epochs = [self.meta.epoch] + [r["epoch"] for replies in first for r in replies.values()]
        truncations = {tuple(t) for replies in first for r in replies.values() for t in r["truncations"]}
        self.epoch = max(epochs) + 1
        try:
            fenced = await asyncio.gather(*(
                self._ask_all(pg, wire.SET_EPOCH, {**self._seg(pg), "epoch": self.epoch,
                              "truncations": sorted(truncations)}, WRITE_QUORUM, self.quorum_timeout)
                for pg in pgs))
        except StaleEpoch:
            raise
        except StorageError as e:
            raise WriteQuorumLost(f"cannot open the volume for writing: {e}") from None
        base = max([self.meta.base_lsn] + [r["vdl_hint"] for rs in (*first, *fenced) for r in rs.values()])
        if truncate_above is not None:
            base = max(self.meta.base_lsn, min(base, truncate_above))
        try:
            scans = await asyncio.gather(*(
                self._ask_all(pg, wire.SCAN, {**self._seg(pg), "above": base}, READ_QUORUM, self.quorum_timeout)
                for pg in pgs))
        except StorageError as e:
            raise ReadQuorumLost(f"cannot recover the volume: {e}") from None
        present: dict[int, tuple[int, int, PgId]] = {}  # lsn -> (cpl, epoch, pg)
        holders: dict[int, list[str]] = {}
        for pg, replies in zip(pgs, scans, strict=True):
            for node_id, r in replies.items():
                for lsn, epoch, _first, cpl in r["records"]:
                    present[lsn] = (cpl, epoch, pg.id)
                    holders.setdefault(lsn, []).append(node_id)
        vcl = base
        while vcl + 1 in present:
            vcl += 1
        vdl = max([base] + [cpl for lsn, (cpl, _e, _p) in present.items() if lsn == cpl and cpl <= vcl])
        if truncate_above is not None and vdl > truncate_above:
            lost = sum(1 for lsn, (cpl, _e, _p) in present.items() if lsn == cpl and truncate_above < cpl <= vdl)
            self.cut = (truncate_above + 1, vdl, lost)
            vdl = truncate_above
            present = {lsn: v for lsn, v in present.items() if lsn <= vdl}
        truncations.add((self.epoch, vdl))
        try:
            await asyncio.gather(*(
                self._ask_all(pg, wire.SET_EPOCH, {**self._seg(pg), "epoch": self.epoch,
                              "truncations": sorted(truncations)}, WRITE_QUORUM, self.quorum_timeout)
                for pg in pgs))
        except StorageError as e:
            raise WriteQuorumLost(f"cannot truncate the volume above {vdl}: {e}") from None
        # Records between the last announced durable point and VDL may sit on fewer than
        # four nodes: write them again so that what recovery declared committed is durable.
        for pg, replies in zip(pgs, scans, strict=True):
            tip = max(r["tip"] for r in replies.values())
            mine = sorted(lsn for lsn, (_c, _e, p) in present.items() if p == pg.id and lsn <= vdl)
            if mine:
                tip = max(tip, mine[-1])
                await self._rereplicate(pg, mine, holders)
            self.tip[pg.id] = tip
        self.vdl = vdl
        self.next_lsn = vdl + 1
        self.tracker = DurabilityTracker(vdl)
        self.writer = True
        self.meta.epoch = self.epoch

        def set_epoch(m: VolumeMeta) -> None:
            m.epoch = self.epoch

        self._adopt_membership(self.catalog.update_volume(self.id, set_epoch))
        self._resender = asyncio.create_task(self._resend_loop())
        log.info("%s opened for writing: epoch %d, VDL %d", self.meta.name, self.epoch, vdl)

    async def _rereplicate(self, pg: PgMeta, lsns: list[int], holders: dict[int, list[str]]) -> None:
        blob = b""
        for node_id in {h for lsn in lsns for h in holders[lsn]}:
            try:
                _, blob = await self.pool.client(self._node(node_id)).request(
                    wire.FETCH, {**self._seg(pg), "lsns": lsns}, timeout=self.quorum_timeout)
            except StorageError:
                continue
            if len(rec.iter_records(blob)) == len(lsns):
                break
        else:
            # Gather record by record from whoever holds each one.
            parts = []
            for lsn in lsns:
                for node_id in holders[lsn]:
                    with contextlib.suppress(StorageError):
                        _, one = await self.pool.client(self._node(node_id)).request(
                            wire.FETCH, {**self._seg(pg), "lsns": [lsn]}, timeout=self.quorum_timeout)
                        if one:
                            parts.append(one)
                            break
            blob = b"".join(parts)
        try:
            await self._ask_all(pg, wire.WRITE, {**self._seg(pg), "epoch": self.epoch, "vdl": 0},
                                WRITE_QUORUM, self.quorum_timeout, blob)
        except StorageError as e:
            raise WriteQuorumLost(f"cannot make recovered records durable: {e}") from None

    async def open_reader(self) -> None:
        """Open read-only at the newest point known to be durable.

        First the nodes' hints of the durable point (a SCAN above everything returns no
        records), then a refresh from there: a refresh from the volume's base would have
        every node list its whole log."""
        self.meta = self.catalog.load_volume(self.id)
        answers = await asyncio.gather(*(
            self._ask_all(pg, wire.SCAN, {**self._seg(pg), "above": FAR}, READ_QUORUM, self.quorum_timeout)
            for pg in self.meta.pgs.values()), return_exceptions=True)
        hints = [r["vdl_hint"] for replies in answers if not isinstance(replies, BaseException)
                 for r in replies.values()]
        if hints:  # each is a durable point some writer announced
            self.vdl = max(self.vdl, max(hints))
        await self.refresh()

    async def refresh(self) -> int:
        """Reader: learn the durable point from the nodes (a record on 4 nodes is durable)."""
        self.meta = self.catalog.load_volume(self.id)
        pgs = list(self.meta.pgs.values())
        scans = await asyncio.gather(*(
            self._ask_all(pg, wire.SCAN, {**self._seg(pg), "above": self.vdl}, READ_QUORUM, self.quorum_timeout)
            for pg in pgs), return_exceptions=True)
        base = self.vdl
        seen: dict[int, tuple[int, PgId, int]] = {}
        tips: dict[PgId, int] = {}
        for pg, replies in zip(pgs, scans, strict=True):
            if isinstance(replies, BaseException):
                continue
            for r in replies.values():
                base = max(base, r["vdl_hint"])
                tips[pg.id] = max(tips.get(pg.id, 0), r["tip"])
                for lsn, _epoch, _first, cpl in r["records"]:
                    cnt = seen.get(lsn, (cpl, pg.id, 0))[2] + 1
                    seen[lsn] = (cpl, pg.id, cnt)
        durable = base
        vdl = base
        while durable + 1 in seen and seen[durable + 1][2] >= WRITE_QUORUM:
            durable += 1
            if seen[durable][0] == durable:
                vdl = durable
        for lsn, (_cpl, pgid, _n) in seen.items():
            if lsn <= vdl:
                tips[pgid] = max(tips.get(pgid, 0), lsn)
        for pgid, tip in tips.items():
            self.tip[pgid] = max(self.tip.get(pgid, 0), tip)
        self.vdl = max(self.vdl, vdl)
        return self.vdl

    def apply_commit(self, cpl: int, pages: Iterable[tuple[int, int]],
                     tips: Iterable[Iterable[int]] | None = None) -> None:
        """Reader: the writer announced a durable commit (its CPL and the pages it wrote).

        A writer numbers a commit's records in (file, page) order ending at the CPL, so each
        protection group's last record LSN follows from the page list alone. A batch
        numbered elsewhere (a global database's secondary, see ``submit_records``) comes
        with ``tips``: (file, pg, LSN of its last page record in the batch). A read asks a
        node for its chain up to a group's tip, so a tip too high would wait for records
        that never come, and one below a page's version could read an older one."""
        if tips is not None:
            last = [((file, pg), lsn) for file, pg, lsn in tips]
        else:
            ordered = sorted(pages)
            first = cpl - len(ordered) + 1
            last = [((file, page // self.meta.pages_per_pg), first + i) for i, (file, page) in enumerate(ordered)]
        for pgid, lsn in last:
            if pgid not in self.meta.pgs:
                self.meta = self.catalog.load_volume(self.id)
            self.tip[pgid] = max(self.tip.get(pgid, 0), lsn)
        self.vdl = max(self.vdl, cpl)

    # --- growth ---------------------------------------------------------------------------
    def _place(self, placed: Iterable[PgMeta] = ()) -> list[str]:
        """Six nodes for a new protection group: two in each AZ, least loaded first (counting
        the protection groups ``placed`` meanwhile, not yet in the volume's metadata)."""
        self._nodes = self.catalog.fleet_nodes()
        load: dict[str, int] = {n: 0 for n in self._nodes}
        for pg in [*self.meta.pgs.values(), *placed]:
            for n in pg.members:
                if n in load:
                    load[n] += 1
        by_az: dict[str, list[str]] = {}
        for node in sorted(self._nodes.values(), key=lambda n: (load[n.id], n.id)):
            by_az.setdefault(node.az, []).append(node.id)
        if len(by_az) < 3 or any(len(v) < 2 for v in by_az.values()):
            raise StorageError(
                f"the fleet of {self.catalog.region} needs two storage nodes in each of three AZs; "
                f"it has {', '.join(f'{az}: {len(v)}' for az, v in sorted(by_az.items())) or 'none'}")
        return [n for az in sorted(by_az)[:3] for n in by_az[az][:2]]

    async def add_protection_groups(self, pgids: Iterable[PgId]) -> None:
        """Create the protection groups a batch needs: their segments on six nodes each, all
        at once, then one change of the catalog for all of them."""
        async with self._grow_lock:
            new: list[PgMeta] = []
            for pgid in sorted(set(pgids) - self.meta.pgs.keys()):
                new.append(PgMeta(pgid[0], pgid[1], base_lsn=self.next_lsn - 1, members=self._place(new)))
            if not new:
                return

            async def create(pg: PgMeta) -> None:
                segment = {**self._seg(pg), "base_lsn": pg.base_lsn, "epoch": self.epoch,
                           "members": self._members(pg), "parent": None}
                await self._ask_all(pg, wire.CREATE_SEGMENT, {"segment": segment}, WRITE_QUORUM,
                                    self.quorum_timeout)

            results = await asyncio.gather(*(create(pg) for pg in new), return_exceptions=True)
            failed = [(pg, e) for pg, e in zip(new, results, strict=True) if isinstance(e, BaseException)]
            for _pg, e in failed:
                if not isinstance(e, StorageError):
                    raise e
            if failed:
                pg, e = failed[0]
                raise WriteQuorumLost(f"cannot add protection group {pg.file}/{pg.pg}: {e}") from None
            for pg in new:
                self.tip[pg.id] = pg.base_lsn

            def add(m: VolumeMeta) -> None:
                for pg in new:
                    m.pgs[pg.id] = pg

            self._adopt_membership(self.catalog.update_volume(self.id, add))
            for pg in new:
                self.meta.pgs[pg.id] = pg
                log.info("%s grew: protection group %d/%d on %s", self.meta.name, *pg.id, ",".join(pg.members))

    def _adopt_membership(self, fresh: VolumeMeta) -> bool:
        """Take the members of each protection group from the catalog (aurorad replaces a lost
        storage node there); everything else about the volume is this client's own."""
        changed = False
        for pgid, pg in fresh.pgs.items():
            mine = self.meta.pgs.get(pgid)
            if mine is not None and mine.members != pg.members:
                log.info("%s: protection group %d/%d now on %s", self.meta.name, *pgid, ",".join(pg.members))
                mine.members = list(pg.members)
                changed = True
        if changed:
            self._nodes = self.catalog.fleet_nodes()
        self._meta_mtime = self._catalog_mtime()
        return changed

    def _catalog_mtime(self) -> float:
        try:
            return self.catalog.layout.volume_file(self.catalog.region, self.meta.name).stat().st_mtime
        except FileNotFoundError:
            return 0.0

    def check_membership(self) -> bool:
        """Reload the members when the volume's catalog file changed (cheap: one stat);
        True when a protection group's members changed."""
        if self._catalog_mtime() != self._meta_mtime:
            with contextlib.suppress(StorageError, OSError, ValueError, KeyError):
                return self._adopt_membership(self.catalog.load_volume(self.id))
        return False

    # --- writing --------------------------------------------------------------------------
    async def commit(self, writes: Mapping[tuple[int, int], bytes]) -> int:
        """Write one transaction's pages; return its CPL once it is durable."""
        cpl, durable = await self.submit(writes)
        await self.wait_durable(cpl, durable)
        return cpl

    async def submit(self, writes: Mapping[tuple[int, int], bytes]) -> tuple[int, asyncio.Future]:
        """Number one transaction's pages and start sending them; return its CPL and a future
        that is done once the batch is durable (see :meth:`wait_durable`).

        Raises (WriteQuorumLost, StaleEpoch, ValueError) only before the batch is numbered:
        then nothing of it was sent and it never becomes durable. From the return on, the
        batch's place in the log is fixed and it is resent until it is durable."""
        self._check_writable()
        if not writes:
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
            return self.vdl, done
        items = sorted(writes.items())
        self._check_pages(items)
        await self._add_missing_groups({(f, p) for (f, p), _ in items})
        # No await from here to the sends: LSNs are handed out in commit order.
        first, records = self._take_lsns(items)
        durable = asyncio.get_running_loop().create_future()
        return self._send_batch(first, records, durable), durable

    def number(self, writes: Mapping[tuple[int, int], bytes]) -> tuple[int, list[tuple[int, int, int, bytes]]] | None:
        """Number one transaction's pages from a thread other than the loop's, for
        :meth:`send_numbered` to send: the loop's part of a commit is then one callback,
        without the two tasks, the coroutines and the timeouts of :meth:`submit` and
        :meth:`wait_durable`. Returns (first, records), or None when a page is in a
        protection group that does not exist yet (then :meth:`submit` on the loop creates it
        and numbers there). Raises as :meth:`submit` does before numbering.

        The caller serialises this with every :meth:`submit` of the volume (an instance's
        ``CommitPipeline``) and hands the batches to the loop in the order it numbered them;
        the loop takes no LSN otherwise."""
        self._check_writable()
        if not writes:
            return None
        items = sorted(writes.items())
        self._check_pages(items)
        ppg = self.meta.pages_per_pg
        pgs = self.meta.pgs
        if any((file, page // ppg) not in pgs for (file, page), _ in items):
            return None
        return self._take_lsns(items)

    def _take_lsns(self, items: list[tuple[tuple[int, int], bytes]]) -> tuple[int, list[tuple[int, int, int, bytes]]]:
        """The next LSNs, one per page of ``items`` (sorted): (first, [(lsn, file, page, body)])."""
        first = self.next_lsn
        self.next_lsn = first + len(items)
        return first, [(first + i, file, page, body) for i, ((file, page), body) in enumerate(items)]

    def send_numbered(self, first: int, records: list[tuple[int, int, int, bytes]],
                      durable: Outcome, sent: Callable[[], None]) -> None:
        """On the loop: send a batch :meth:`number` numbered, and call ``sent`` once its frames
        have left. ``durable`` (the thread's :class:`Outcome`) gets the outcome
        :meth:`wait_durable` would give: None once the batch is durable, StaleEpoch when this
        writer was fenced, WriteQuorumLost when its wait went on too long without progress
        (``_overdue``; the batch is still resent: its outcome is unknown)."""
        loop = asyncio.get_running_loop()
        try:
            if self._fenced:
                raise StaleEpoch(self._fenced)
            cpl = self._send_batch(first, records, durable)
        except BaseException as exc:  # the thread hears it; the loop goes on
            durable.set_exception(exc)
            sent()
            return
        loop.call_soon(sent)  # after _send_batch's flush, which it scheduled first
        self._watched[cpl] = (durable, time.monotonic())

    def _check_watched(self) -> None:
        """The bound of :meth:`wait_durable` for the batches whose waiters are threads'
        Outcomes (``send_numbered``), checked by the resend loop four times a second. Not a
        timer per batch: one that fires wakes the loop once more per commit, and each wake
        takes the interpreter lock from a session thread. (A fenced writer's are settled by
        ``_fence``, with every waiter.)"""
        now = time.monotonic()
        for cpl, (durable, started) in list(self._watched.items()):
            if durable.done():
                del self._watched[cpl]
                continue
            idle = self._overdue(cpl, started, now)
            if idle is not None:
                self._stuck = True
                durable.set_exception(self._quorum_lost(cpl, idle))

    async def submit_records(self, first: int, records: list[tuple[int, int, int, bytes]]) -> tuple[int, asyncio.Future]:
        """Like :meth:`submit`, for a batch numbered elsewhere (a global database's replication
        copies the primary's batches with their LSNs): ``records`` are (lsn, file, page, body)
        for every LSN from ``first`` on, in order. A record whose page is
        ``records.SKIP_PAGE`` (empty body) keeps the LSN of a page version superseded within
        the batch: nothing reads it, the LSNs stay contiguous for recovery."""
        self._check_writable()
        if first != self.next_lsn:
            raise ValueError(f"batch {first} does not follow LSN {self.next_lsn - 1}")
        if not records or any(r[0] != first + i for i, r in enumerate(records)):
            raise ValueError(f"the records of batch {first} are not numbered {first} on")
        pages = [((f, p), body) for _, f, p, body in records if p != rec.SKIP_PAGE]
        if not pages:
            raise ValueError(f"batch {first} has no page")
        self._check_pages(pages)
        if any(body for _, _, p, body in records if p == rec.SKIP_PAGE):
            raise ValueError(f"a skipped record of batch {first} has a body")
        await self._add_missing_groups({(f, p) for _, f, p, _ in records if p != rec.SKIP_PAGE})
        if self.next_lsn != first:  # another batch was numbered while protection groups were added
            raise ValueError(f"batch {first} does not follow LSN {self.next_lsn - 1}")
        self.next_lsn = first + len(records)
        durable = asyncio.get_running_loop().create_future()
        return self._send_batch(first, records, durable), durable

    def _check_writable(self) -> None:
        if not self.writer:
            raise StorageError("the volume is not open for writing")
        if self._fenced:
            raise StaleEpoch(self._fenced)
        if self._stuck:
            raise WriteQuorumLost(
                f"writes to {self.meta.name} are stopped: a write quorum (4 of 6) was lost",
                hint="bring storage nodes back; queued writes resume once 4 copies answer")

    def _check_pages(self, items: Iterable[tuple[tuple[int, int], bytes]]) -> None:
        page_size = self.meta.page_size
        for (file, page), body in items:
            if len(body) != page_size:
                raise ValueError(f"page {file}/{page} is {len(body)} bytes, not {page_size}")

    async def _add_missing_groups(self, pages: set[tuple[int, int]]) -> None:
        ppg = self.meta.pages_per_pg
        missing = {(f, p // ppg) for f, p in pages} - self.meta.pgs.keys()
        if missing:
            await self.add_protection_groups(missing)
        if self._fenced:
            raise StaleEpoch(self._fenced)

    def _send_batch(self, first: int, records: list[tuple[int, int, int, bytes]],
                    durable: asyncio.Future | Outcome) -> int:
        """Register the batch ``records`` (numbered from ``first``, in order, its LSNs already
        taken) and queue its pieces for every member of the protection groups it touches;
        return its CPL. ``durable`` gets its result once the batch is durable. A skipped
        record (``records.SKIP_PAGE``) goes to the group of the page before it in the batch."""
        loop = asyncio.get_running_loop()
        ppg = self.meta.pages_per_pg
        page_size = self.meta.page_size
        ts = time.time()
        cpl = first + len(records) - 1
        by_pg: dict[PgId, list[tuple[int, int, int, int, int, bytes]]] = {}
        parts: dict[PgId, list[int]] = {}
        pgid: PgId | None = None
        pages: list[tuple[int, int]] = []
        skip = rec.SKIP_PAGE
        for lsn, file, page, body in records:
            if page != skip:
                pgid = (file, page // ppg)
                pages.append((file, page))
            elif pgid is None:
                pgid = next((f, p // ppg) for _, f, p, _ in records if p != skip)
            by_pg.setdefault(pgid, []).append((pgid[0], pgid[1], lsn, self.tip[pgid], page, body))
            self.tip[pgid] = lsn
            parts.setdefault(pgid, []).append(lsn)
        self.tracker.add_batch(first, cpl, parts)
        self._waiters.append((cpl, durable, pages))
        per_piece = max(1, PIECE_BYTES // (rec.HEADER_SIZE + page_size))
        queued: dict[str, list[PieceKey]] = {}
        for pgid, part_records in by_pg.items():
            part = self._parts[(cpl, pgid)] = _Part(-(-len(part_records) // per_piece))
            for key in part.keys(cpl, pgid):
                n = key[2]
                self._inflight[key] = _Piece(self.id, self.epoch, first, cpl, ts,
                                             part_records[n * per_piece:(n + 1) * per_piece])
            for node_id in self.meta.pgs[pgid].members:
                queued.setdefault(node_id, []).extend(part.keys(cpl, pgid))
        for node_id, keys in queued.items():
            self._enqueue(node_id, keys, now=False)
        if not self._flush_scheduled:
            # Sent at the end of this turn of the event loop, not now: the commits of the
            # sessions that wake together (their previous commits became durable in one
            # reply) then leave in one frame per node, one system call and one fdatasync
            # for all of them on each node, instead of a frame each.
            self._flush_scheduled = True
            loop.call_soon(self._flush_all)
        return cpl

    def _flush_all(self) -> None:
        self._flush_scheduled = False
        for node_id in list(self._queues):
            self._flush(node_id)

    async def announce_durable(self, timeout: float = 1.0) -> None:
        """Tell the volume's nodes its durable point now (a WRITE without records), and
        return once a write quorum has it. Writers piggyback the point on their writes, so
        the last ones carry one a little behind; the next writer to open the volume recovers
        from the highest point a node of its quorums was told (any two write quorums meet),
        and would otherwise scan and write again every record above it (after a bulk load,
        its last batches). Best effort: without it, that recovery only takes longer."""
        header = {"volume": self.id, "epoch": self.epoch, "vdl": self.tracker.vdl}
        nodes = sorted({n for pg in self.meta.pgs.values() for n in pg.members})
        pending = set()
        for node_id in nodes:
            with contextlib.suppress(StorageError):
                client = self.pool.client(self._node(node_id))
                pending.add(asyncio.ensure_future(client.request(wire.WRITE, header, b"", timeout)))
        told = 0
        try:
            while pending and told < WRITE_QUORUM:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                told += sum(1 for t in done if t.exception() is None)
        finally:
            for t in pending:
                t.cancel()

    async def wait_durable(self, cpl: int, durable: asyncio.Future) -> None:
        """Wait until the batch ``cpl`` is durable. A large batch takes as long as it takes;
        what is bounded is the time without progress (``_overdue``): then raise
        WriteQuorumLost (the batch stays queued and is resent; its outcome is unknown to the
        caller), or StaleEpoch when this writer was fenced. Progress is an acknowledgement of
        this batch or of one before it (which it waits for anyway); acknowledgements of later
        batches do not keep it waiting."""
        started = time.monotonic()
        while True:
            wait = self._progress(cpl, started) + self.quorum_timeout - time.monotonic()
            if wait <= 0:
                wait = 0.25  # past quorum_timeout, copies connected: look again shortly
            try:
                await asyncio.wait_for(asyncio.shield(durable), wait)
                break
            except TimeoutError:
                if self._fenced:
                    raise StaleEpoch(self._fenced) from None
                idle = self._overdue(cpl, started, time.monotonic())
                if idle is None:
                    continue  # the batch is on its way, or its copies are slow, not gone
                self._stuck = True
                raise self._quorum_lost(cpl, idle) from None

    def _quorum_lost(self, cpl: int, idle: float) -> WriteQuorumLost:
        return WriteQuorumLost(
            f"write quorum lost: commit {cpl} of {self.meta.name} did not reach 4 of 6 "
            f"copies, and no copy acknowledged anything for {idle:.1f}s",
            hint="bring storage nodes back; the batch is resent until it is durable")

    def _overdue(self, cpl: int, since: float, now: float) -> float | None:
        """How long batch ``cpl`` (waited for since ``since``) has gone without progress,
        once that is long enough to call its write quorum lost: ``quorum_timeout`` while a
        protection group it waits for has fewer than 4 copies connected (nodes down),
        ``stall_timeout`` while enough are connected but silent (slow, not gone);
        else None."""
        idle = now - self._progress(cpl, since)
        if idle < self.quorum_timeout:
            return None
        if idle >= self.stall_timeout or not self._copies_connected(cpl):
            return idle
        return None

    def _copies_connected(self, cpl: int) -> bool:
        """Whether every protection group that batch ``cpl``, or one before it, still waits
        for has at least a write quorum of copies this writer is connected to."""
        connected = self.pool.connected
        for c, pgid in self._parts:
            if c <= cpl and self.tracker.missing_acks(c, pgid):
                pg = self.meta.pgs.get(pgid)
                if pg is None or sum(map(connected, pg.members)) < WRITE_QUORUM:
                    return False
        return True

    def _progress(self, cpl: int, since: float) -> float:
        """When a node last acknowledged a piece of batch ``cpl`` or of an earlier one still
        in flight (``since`` if none did since)."""
        return max([since] + [p.last_ack for (c, _pg), p in self._parts.items() if c <= cpl])

    def _enqueue(self, node_id: str, keys: Iterable[PieceKey], now: bool = True) -> None:
        """Queue batch pieces for a node (and send them ``now``, or let the caller). At most
        FRAME_WINDOW WRITEs are in flight per node; pieces that queue up meanwhile leave
        together in the next frame (client-side group commit), up to FRAME_BYTES a frame
        (flow control: the next frame leaves on an answer)."""
        queue = self._queues.setdefault(node_id, {})
        for key in keys:
            queue[key] = None
        if now:
            self._flush(node_id)

    def _flush(self, node_id: str) -> None:
        """Send what is queued for ``node_id`` now, from the caller's turn of the loop, as far
        as the window allows."""
        while self._queues.get(node_id) and self._flushing.get(node_id, 0) < FRAME_WINDOW:
            if not self._flush_frame(node_id):
                return
        if not self._queues.get(node_id):
            self._queues.pop(node_id, None)

    def _sent(self, node_id: str, delta: int) -> None:
        count = self._flushing.get(node_id, 0) + delta
        if count > 0:
            self._flushing[node_id] = count
        else:
            self._flushing.pop(node_id, None)

    def _flush_frame(self, node_id: str) -> bool:
        """Send one frame to ``node_id``; False when nothing more can leave now."""
        queue = self._queues[node_id]
        client = self.pool.client(self._node(node_id))
        if not client.connected and node_id in self._flushing:
            return False  # connecting: the queue leaves once connected
        keys: list[PieceKey] = []
        size = 0
        for key in list(queue):
            piece = self._inflight.get(key)
            if piece is not None and node_id not in self._acked.get(key, ()):
                if keys and size + piece.nbytes > FRAME_BYTES:
                    break
                keys.append(key)
                size += piece.nbytes
            del queue[key]
        if not keys:
            return True
        self._sent(node_id, +1)
        if not client.connected:
            self._spawn(self._connect_and_write(client, node_id, keys))
            return False
        # The pieces leave as one frame's blob in one writev, not joined into a copy first;
        # the nodes sent the same pieces (a commit's six) share the blob and its checksum.
        last_keys, blob = self._last_blob
        if keys != last_keys:
            blob = wire.BlobParts([self._piece_blob(self._inflight[k]) for k in keys])
            self._last_blob = (keys, blob)
        # The same header goes to every node a commit is sent to: encoded once for them.
        vdl = self.tracker.vdl
        if self._write_head[0] != (self.epoch, vdl):
            header = {"volume": self.id, "epoch": self.epoch, "vdl": vdl}
            if self.bulk:
                header["bulk"] = True
            self._write_head = ((self.epoch, vdl), wire.encode_header(header))
        # The answer comes after the node appended and fsynced the frame: allow for its size.
        timeout = self.quorum_timeout + len(blob) / (4 << 20)
        client.send(wire.WRITE, self._write_head[1], blob, lambda r: self._written(node_id, keys, r), timeout)
        return True

    def _piece_blob(self, piece: _Piece) -> bytes:
        """The piece's encoded records: encoded for the first node that needs them, kept for
        the others while the cache of encoded pieces has room."""
        blob = piece.blob
        if blob is None:
            blob = piece.blob = piece.encode()
            self._encoded.append(piece)
            self._encoded_bytes += len(blob)
            while self._encoded_bytes > self.encoded_cache_bytes and len(self._encoded) > 1:
                old = self._encoded.popleft()
                if old.blob is not None:
                    self._encoded_bytes -= len(old.blob)
                    old.blob = None
        return blob

    def _forget(self, key: PieceKey) -> None:
        piece = self._inflight.pop(key, None)
        self._acked.pop(key, None)
        if piece is not None:
            if piece.blob is not None:
                self._encoded_bytes -= len(piece.blob)
                piece.blob = None
            piece.records = []  # the page images belong to the buffer pool now
        encoded = self._encoded
        while encoded and encoded[0].blob is None:
            encoded.popleft()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connect_and_write(self, client: wire.NodeClient, node_id: str, keys: list[PieceKey]) -> None:
        try:
            await client.connect()
        except StorageError as e:
            self._written(node_id, keys, e)
            return
        self._requeue_first(node_id, keys)

    def _requeue_first(self, node_id: str, keys: list[PieceKey]) -> None:
        queue = dict.fromkeys(keys)
        queue.update(self._queues.get(node_id, {}))
        self._queues[node_id] = queue
        self._sent(node_id, -1)
        self._flush(node_id)

    async def _reopen_and_write(self, node_id: str, keys: list[PieceKey]) -> None:
        """The node missed the epoch bump: open it there, then send the parts again."""
        try:
            for pgid in {k[1] for k in keys}:
                await self._open_epoch_on(pgid, node_id)
        except StorageError as e:
            log.debug("cannot open epoch %d on %s: %s", self.epoch, node_id, e)
            self._sent(node_id, -1)
            return
        self._requeue_first(node_id, keys)

    def _written(self, node_id: str, keys: list[PieceKey], result: wire.Reply | BaseException) -> None:
        if isinstance(result, BaseException):
            if isinstance(result, wire.RemoteError) and result.code == "NeedEpoch":
                self._spawn(self._reopen_and_write(node_id, keys))
                return
            self._sent(node_id, -1)
            if isinstance(result, wire.RemoteError) and result.code == "StaleEpoch":
                self._fence(str(result))
            elif not isinstance(result, wire.RemoteError):
                self.pool.suspect(node_id)
            log.debug("write to %s failed: %s", node_id, result)
            return  # the resend loop tries again while the parts are not durable
        self._sent(node_id, -1)
        now = time.monotonic()
        reply, _ = result
        scl = {(f, p): x for f, p, x in reply["scl"]}
        moved = False
        for key in keys:
            cpl, pgid, _n = key
            part = self._parts.get((cpl, pgid))
            if key not in self._inflight or part is None:
                continue  # forgotten meanwhile: durable, and the rest fills in by gossip
            acked = self._acked.setdefault(key, set())
            if node_id in acked:
                continue
            acked.add(node_id)
            part.last_ack = now
            members = len(self.meta.pgs[pgid].members)
            if len(acked) >= members:
                self._forget(key)
            have = part.acks[node_id] = part.acks.get(node_id, 0) + 1
            if have == part.pieces:
                moved = self.tracker.ack(cpl, pgid, node_id, scl.get(pgid)) or moved
                if sum(1 for n in part.acks.values() if n == part.pieces) >= members:
                    self._parts.pop((cpl, pgid), None)
        if moved:
            self._release()
        if node_id in self._queues:
            self._flush(node_id)

    async def _open_epoch_on(self, pgid: PgId, node_id: str) -> None:
        """A node that missed the epoch bump (it was down) learns it, with the truncations."""
        client = self.pool.client(self._node(node_id))
        pg = self.meta.pgs[pgid]
        # The truncation history is on every node that took part in recovery; ask one.
        truncations: set[tuple[int, int]] = set()
        for other in pg.members:
            if other == node_id:
                continue
            with contextlib.suppress(StorageError):
                r, _ = await self.pool.client(self._node(other)).request(
                    wire.SCAN, {**self._seg(pg), "above": FAR}, timeout=1.0)
                if r["epoch"] == self.epoch:
                    truncations.update(tuple(t) for t in r["truncations"])
                    break
        await client.request(wire.SET_EPOCH, {**self._seg(pg), "epoch": self.epoch,
                                              "truncations": sorted(truncations)}, timeout=1.0)

    def _fence(self, why: str) -> None:
        if not self._fenced:
            log.warning("%s: this writer was fenced: %s", self.meta.name, why)
        self._fenced = f"this writer of {self.meta.name} was fenced by a newer one ({why})"
        while self._waiters:
            _, fut, _pages = self._waiters.popleft()
            if not fut.done():
                fut.set_exception(StaleEpoch(self._fenced))

    def _release(self) -> None:
        vdl = self.tracker.vdl
        self.vdl = vdl
        while self._waiters and self._waiters[0][0] <= vdl:
            cpl, fut, pages = self._waiters.popleft()
            self._watched.pop(cpl, None)
            self.stats["commits"] += 1
            for listener in self.durable_listeners:
                listener(cpl, pages)
            if not fut.done():
                fut.set_result(None)
        if self._stuck and self.tracker.pending_batches() == 0:
            self._stuck = False
            log.info("%s: write quorum regained at VDL %d", self.meta.name, vdl)

    async def _resend_loop(self) -> None:
        """Resend batch parts that are not durable yet to the nodes that lack them; forget
        durable parts after a second (nodes still missing them fill in by gossip)."""
        while True:
            await asyncio.sleep(0.25)
            self._check_watched()
            self.check_membership()
            now = time.monotonic()
            for (cpl, pgid), part in list(self._parts.items()):
                keys = part.keys(cpl, pgid)
                if not self.tracker.missing_acks(cpl, pgid):
                    if cpl <= self.tracker.vdl and now - part.sent > 1.0:
                        for key in keys:
                            self._forget(key)
                        del self._parts[(cpl, pgid)]
                    continue
                for node_id in self.meta.pgs[pgid].members:
                    if part.acks.get(node_id, 0) < part.pieces:
                        self._enqueue(node_id, [k for k in keys if k in self._inflight
                                                and node_id not in self._acked.get(k, ())])

    # --- reading --------------------------------------------------------------------------
    async def read_page(self, file: int, page: int, as_of: int | None = None) -> bytes | None:
        """The newest version of a page at or below ``as_of`` (default: VDL); None if never written."""
        as_of = self.vdl if as_of is None else as_of
        pgid = (file, page // self.meta.pages_per_pg)
        pg = self.meta.pgs.get(pgid)
        if pg is None:
            if not self.writer:
                self.meta = self.catalog.load_volume(self.id)
                pg = self.meta.pgs.get(pgid)
            if pg is None:
                return None
        tip = self.tip.get(pgid, pg.base_lsn)
        need = min(as_of, tip)
        header = {**self._seg(pg), "page": page, "as_of": as_of, "need": need, "epoch": self.epoch}
        self.stats["reads"] += 1
        deadline = time.monotonic() + CATCH_UP_WAIT_S
        pause = 0.02
        while True:
            try:
                _, (reply, blob) = await self._hedged(pg, wire.GET_PAGE, header, need)
                break
            except PageUnavailable as e:
                # Perhaps a lost node was replaced meanwhile: look at the membership (one stat,
                # only on this rare path) and ask the new members.
                if self.check_membership():
                    continue
                # Every record up to ``need`` is on 4 of 6 copies, but maybe no single copy
                # holds all of them yet: each missed a different write. Gossip fills such
                # holes within a round or two; a read waits for that, it does not fail.
                if not getattr(e, "behind", False) or time.monotonic() + pause > deadline:
                    raise
                self.stats["reads_waited"] = self.stats.get("reads_waited", 0) + 1
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.25)
        return blob if reply["found"] else None

    def _read_order(self, pg: PgMeta, need: int) -> list[str]:
        def rank(node_id: str) -> tuple[int, int, int]:
            scl = self.tracker.scl.get((node_id, pg.id), -1)
            node = self._nodes.get(node_id)
            return (
                0 if self.pool.healthy(node_id) else 1,
                0 if scl >= need else 1,
                0 if node is not None and node.az == self.az else 1,
            )
        return sorted(pg.members, key=rank)

    async def _hedged(self, pg: PgMeta, kind: int, header: dict[str, Any], need: int,
                      order: list[str] | None = None) -> tuple[str, wire.Reply]:
        """Ask one node; if it is slow, ask a second too; on an error, move on at once. The
        nodes are taken from ``order`` (default: ``_read_order``), which is consumed: what
        is left of it was not asked. Returns the node that answered, and its answer."""
        order = self._read_order(pg, need) if order is None else order
        running: dict[asyncio.Future, str] = {}
        errors: list[str] = []
        behind = False  # a copy answered that it does not hold the records yet (gossip will fill them)

        def start() -> None:
            node_id = order.pop(0)
            req = self.pool.client(self._node(node_id)).request(kind, header, timeout=self.quorum_timeout)
            running[asyncio.ensure_future(req)] = node_id

        start()
        try:
            while running:
                timeout = self.hedge_after if order else None
                done, _ = await asyncio.wait(running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                if not done:
                    self.stats["hedged_reads"] += 1
                    start()
                    continue
                for t in done:
                    node_id = running.pop(t)
                    if t.exception() is None:
                        return node_id, t.result()
                    err = t.exception()
                    if not isinstance(err, wire.RemoteError):
                        self.pool.suspect(node_id)
                    if isinstance(err, wire.RemoteError) and err.code == "NotCaughtUp":
                        behind = True
                    errors.append(f"{node_id}: {err}")
                    self.stats["read_retries"] += 1
                    if order:
                        start()
        finally:
            for t in running:
                t.cancel()
        unavailable = PageUnavailable(
            f"no copy of protection group {pg.file}/{pg.pg} could serve the read "
            f"({'; '.join(errors[:3])})")
        unavailable.behind = behind  # type: ignore[attr-defined]
        raise unavailable

    # --- clones and size ------------------------------------------------------------------
    async def clone(self, at_lsn: int | None = None) -> VolumeMeta:
        """A new volume whose pages are this volume's as of ``at_lsn`` (default: VDL).

        Every protection group gets a segment on the same six nodes that points at its
        parent; no page is copied, so the time does not depend on the data size."""
        at = self.vdl if at_lsn is None else at_lsn
        if at > self.vdl:
            raise ValueError(f"cannot clone at {at}: above the durable point {self.vdl}")
        child = self.catalog.new_volume(self.meta.page_size, self.meta.pages_per_pg * self.meta.page_size)
        child.base_lsn = at
        child.parent = (self.id, at)
        child.pgs = {pid: PgMeta(p.file, p.pg, at, list(p.members)) for pid, p in self.meta.pgs.items()}

        async def create(pg: PgMeta) -> None:
            segment = {"volume": child.id, "file": pg.file, "pg": pg.pg, "base_lsn": at, "epoch": 0,
                       "members": self._members(pg), "parent": [self.id, at]}
            await self._ask_all(pg, wire.CREATE_SEGMENT, {"segment": segment}, WRITE_QUORUM, self.quorum_timeout)

        try:
            await asyncio.gather(*(create(pg) for pg in child.pgs.values()))
        except StorageError as e:
            self.catalog.delete_volume(child.id)
            raise WriteQuorumLost(f"cannot clone {self.meta.name}: {e}") from None
        self.catalog.save_volume(child)
        return child

    async def describe(self) -> dict[str, Any]:
        """Size and protection groups, with how many of each one's six copies are current."""
        member_ids = sorted({n for pg in self.meta.pgs.values() for n in pg.members})

        async def status(node_id: str) -> dict[tuple[int, int], dict[str, Any]]:
            try:
                r, _ = await self.pool.client(self._node(node_id)).request(wire.STATUS, {}, timeout=1.0)
            except StorageError:
                return {}
            return {(s["file"], s["pg"]): s for s in r["segments"] if s["volume"] == self.id}

        statuses = dict(zip(member_ids, await asyncio.gather(*(status(n) for n in member_ids)), strict=True))
        pgs = []
        size = 0
        for pg in sorted(self.meta.pgs.values(), key=lambda p: p.id):
            need = min(self.vdl, self.tip.get(pg.id, self.vdl))
            copies = [statuses[n].get(pg.id) for n in pg.members]
            current = sum(1 for c in copies if c is not None and c["scl"] >= need)
            size += max((c["pages"] for c in copies if c is not None), default=0) * self.meta.page_size
            pgs.append({"file": pg.file, "pg": pg.pg, "members": pg.members, "current_copies": current,
                        "write_quorum": current >= WRITE_QUORUM})
        return {"id": self.meta.name, "size_bytes": size, "protection_groups": pgs,
                "epoch": self.epoch, "vdl": self.vdl,
                "parent": {"volume": volume_name(self.meta.parent[0]), "lsn": self.meta.parent[1]}
                if self.meta.parent else None}

    async def close(self) -> None:
        if self._resender is not None:
            self._resender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._resender
        self.writer = False
