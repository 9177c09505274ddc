"""A storage node process: ``python -m aurora.engine.storage.node --dir D --socket S --az A --id N``.

One asyncio process serving segments of many volumes over the storage protocol
(:mod:`aurora.engine.storage.wire`). Writes are appended to the log and acknowledged after
one fdatasync shared by every write that arrived in the same turn of the event loop (group
commit). In the background the node materialises page versions, gossips with the peers of
each segment to fill the gaps it missed while it was down, collects old versions and
compacts its log. It listens on a Unix socket in its folder, and reaches each peer at the
peer's socket in the sibling folder of the same name (``Layout.peer_node_socket``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import queue
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aurora.engine import localsock
from aurora.engine.errors import StaleEpoch, StorageError
from aurora.engine.layout import Layout
from aurora.engine.loop import asyncio_run
from aurora.engine.storage import records as rec
from aurora.engine.storage import wire
from aurora.engine.storage.nodestore import NodeStore, Segment

log = logging.getLogger("aurora.storage.node")

FETCH_LIMIT_BYTES = 4 * 1024 * 1024
INLINE_SYNC_S = 0.002
"""Group commits run their fdatasync on the event loop while it takes less than this on
average, in the sync thread when the disk is slower (``StorageNode._sync``)."""
BULK_QUIET_S = 1.0
"""Gossip leaves a volume alone until this long after its last bulk WRITE
(``StorageNode._bulk_loading``)."""


class NotCaughtUp(StorageError):
    """This node's copy does not yet hold every record up to the requested LSN."""


class BadRequest(StorageError):
    """A request with a field missing or of the wrong type: refused before it reaches the
    store, where a float epoch or a string page would corrupt state or fail deep inside."""


def _is_lsn(v: Any) -> bool:
    """LSNs, epochs, page numbers, volume ids: integers in [0, 2**63)."""
    return type(v) is int and 0 <= v < 1 << 63


def _is_list_of(v: Any, item: Callable[[Any], bool]) -> bool:
    return type(v) is list and all(item(x) for x in v)


def _is_tuple(n: int) -> Callable[[Any], bool]:
    return lambda v: type(v) is list and len(v) == n and all(_is_lsn(x) for x in v)


def _is_member(v: Any) -> bool:
    return (type(v) is dict and type(v.get("id")) is str and NODE_ID.fullmatch(v["id"]) is not None
            and type(v.get("az")) is str)


def _is_segment(v: Any) -> bool:
    return type(v) is dict and _fields_ok(v, {
        "volume": _is_lsn, "file": _is_lsn, "pg": _is_lsn, "base_lsn": _is_lsn, "epoch": _is_lsn,
        "members": lambda m: _is_list_of(m, _is_member),
        "parent?": lambda p: p is None or _is_tuple(2)(p), "truncations?": lambda t: _is_list_of(t, _is_tuple(2)),
        "pins?": lambda p: _is_list_of(p, _is_lsn), "chain_floor?": _is_lsn, "vdl_hint?": _is_lsn,
    }) is None


def _fields_ok(h: dict[str, Any], fields: dict[str, Callable[[Any], bool]]) -> str | None:
    """None when ``h`` has every field (``name?``: optional) of the right kind, else the
    name of the first field that is missing or wrong."""
    for name, ok in fields.items():
        key = name.rstrip("?")
        if key not in h:
            if name.endswith("?"):
                continue
            return key
        if not ok(h[key]):
            return key
    return None


NODE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SEG = {"volume": _is_lsn, "file": _is_lsn, "pg": _is_lsn}
REQUEST_FIELDS: dict[int, dict[str, Callable[[Any], bool]]] = {
    wire.HELLO: {},
    wire.STATUS: {},
    wire.WRITE: {"epoch": _is_lsn, "vdl?": _is_lsn, "volume?": _is_lsn, "bulk?": lambda v: type(v) is bool},
    wire.GET_PAGE: {**_SEG, "page": _is_lsn, "as_of": _is_lsn, "need?": _is_lsn, "epoch?": _is_lsn},
    wire.CREATE_SEGMENT: {"segment": _is_segment},
    wire.SET_EPOCH: {**_SEG, "epoch": _is_lsn, "truncations?": lambda t: _is_list_of(t, _is_tuple(2))},
    wire.SCAN: {**_SEG, "above": _is_lsn},
    wire.FETCH: {**_SEG, "lsns?": lambda v: _is_list_of(v, _is_lsn), "above?": _is_lsn, "limit_bytes?": _is_lsn},
    wire.DROP_SEGMENT: {"volume": _is_lsn, "file?": _is_lsn, "pg?": _is_lsn,
                        "volume_deleted?": lambda v: type(v) is bool},
    wire.GOSSIP: {"segments": lambda v: _is_list_of(v, _is_tuple(3))},
    wire.CONTROL: {"latency_ms?": lambda v: type(v) in (int, float) and 0 <= v <= 60_000,
                   "partition?": lambda v: type(v) is bool},
}


def check_request(kind: int, h: Any) -> None:
    """Raise BadRequest unless ``h`` is a well-formed header for a request of type ``kind``."""
    fields = REQUEST_FIELDS.get(kind)
    if fields is None:
        raise BadRequest(f"unknown request type {kind}")
    if type(h) is not dict:
        raise BadRequest(f"request {kind}: the header is not an object")
    bad = _fields_ok(h, fields)
    if bad is None and kind == wire.DROP_SEGMENT and not h.get("volume_deleted"):
        bad = next((k for k in ("file", "pg") if k not in h), None)
    if bad is None and kind == wire.FETCH and "lsns" not in h and "above" not in h:
        bad = "above"
    if bad is not None:
        raise BadRequest(f"request {kind}: field {bad!r} is missing or malformed")


class StorageNode:
    def __init__(
        self,
        root: Path,
        node_id: str,
        az: str,
        socket_path: Path | None = None,
        chunk_bytes: int | None = None,
        retention_s: float = 300.0,
        gossip_interval: float = 0.5,
    ) -> None:
        self.node_id = node_id
        self.az = az
        self.socket_path = socket_path or Layout.peer_node_socket(root, node_id)
        kwargs = {"chunk_bytes": chunk_bytes} if chunk_bytes else {}
        self.store = NodeStore(root, retention_s=retention_s, **kwargs)
        self.root = root
        self.gossip_interval = gossip_interval
        self._waiting: list[tuple[wire.Later, list[Segment]]] = []
        self._bulk: dict[int, float] = {}  # volume -> when its last bulk WRITE arrived
        self._sync_scheduled = False
        self._syncing = False  # an fdatasync is running in the sync thread
        self._sync_requests: queue.SimpleQueue[tuple[int, list] | None] = queue.SimpleQueue()
        self._sync_thread: threading.Thread | None = None
        self._sync_s = 0.0  # how long an fdatasync takes lately
        self._loop: asyncio.AbstractEventLoop | None = None
        self._meta_waiting: list[tuple[asyncio.Future, dict[str, Any]]] = []
        self._meta_scheduled = False
        self._peers: dict[str, wire.NodeClient] = {}
        self._server: asyncio.Server | None = None
        self._tasks: list[asyncio.Task] = []
        self.started = time.time()
        self.latency_s = 0.0
        self.partitioned = False
        self._scrub_queue: list[tuple[tuple[int, int, int], list[int]]] = []  # (segment, LSNs left)
        self.scrub_passes = 0

    # --- serving --------------------------------------------------------------------------
    async def start(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._sync_thread = threading.Thread(target=self._sync_worker, name="fdatasync", daemon=True)
        self._sync_thread.start()
        self._server = await loop.create_unix_server(
            lambda: wire.ServerProtocol(self.handle, log.warning), localsock.claim(self.socket_path))
        localsock.restrict(self.socket_path)
        self._tasks = [
            asyncio.create_task(self._gossip_loop()),
            asyncio.create_task(self._maintenance_loop()),
        ]
        log.info("storage node %s (AZ %s) serving on %s", self.node_id, self.az, self.socket_path)

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(OSError):
                self.socket_path.unlink()  # a stopped node leaves no socket behind
        for c in self._peers.values():
            c.close()
        if self._sync_thread is not None:
            self._sync_requests.put(None)
            await asyncio.to_thread(self._sync_thread.join)
        self.store.close()

    def handle(self, kind: int, h: dict[str, Any], blob: bytes) -> wire.Reply | wire.Later | asyncio.Future | None:
        if kind == wire.CONTROL:
            check_request(kind, h)
            return self._control(h), b""
        if self.partitioned:
            return None  # as if the network dropped it: the caller times out
        check_request(kind, h)
        if self.latency_s:
            return asyncio.ensure_future(self._delayed(kind, h, blob))
        return self._handle(kind, h, blob)

    async def _delayed(self, kind: int, h: dict[str, Any], blob: bytes) -> wire.Reply:
        await asyncio.sleep(self.latency_s)
        result = self._handle(kind, h, blob)
        if isinstance(result, wire.Later):
            fut: asyncio.Future = asyncio.get_running_loop().create_future()
            result.then(fut.set_result)
            return await fut
        return result if isinstance(result, tuple) else await result

    def _control(self, h: dict[str, Any]) -> dict[str, Any]:
        """Fault injection for `aurora chaos`: added latency and network partition."""
        if "latency_ms" in h:
            self.latency_s = max(0.0, float(h["latency_ms"]) / 1000)
        if "partition" in h:
            self.partitioned = bool(h["partition"])
        log.warning("chaos: latency %.0f ms, partitioned %s", self.latency_s * 1000, self.partitioned)
        return {"ok": True, "latency_ms": self.latency_s * 1000, "partitioned": self.partitioned}

    def _handle(self, kind: int, h: dict[str, Any], blob: bytes) -> wire.Reply | wire.Later | asyncio.Future:
        if kind == wire.WRITE:
            return self._write(h, blob)
        if kind == wire.GET_PAGE:
            return self._get_page(h)
        if kind == wire.HELLO:
            return {"ok": True, "id": self.node_id, "az": self.az, "pid": os.getpid(),
                    "protocol": wire.PROTOCOL_VERSION}, b""
        if kind == wire.STATUS:
            return self._status(), b""
        if kind == wire.CREATE_SEGMENT:
            seg = self.store.create_segment(h["segment"], save=False)
            return self._once_meta_saved({"ok": True, "epoch": seg.epoch})
        if kind == wire.SET_EPOCH:
            return self._set_epoch(h)
        if kind == wire.SCAN:
            return self._scan(h), b""
        if kind == wire.FETCH:
            return self._fetch(h)
        if kind == wire.DROP_SEGMENT:
            if h.get("volume_deleted"):
                self.store.drop_volume(h["volume"])
            else:
                self.store.drop_segment(h["volume"], h["file"], h["pg"])
            return {"ok": True}, b""
        if kind == wire.GOSSIP:
            return self._gossip_reply(h), b""
        raise StorageError(f"unknown request type {kind}")

    def _status(self) -> dict[str, Any]:
        return {
            "ok": True, "id": self.node_id, "az": self.az, "pid": os.getpid(),
            "started": self.started, "disk_bytes": self.store.disk_bytes(),
            "corrupt_found": self.store.corrupt_found, "repaired": self.store.repaired,
            "latency_ms": self.latency_s * 1000, "partitioned": self.partitioned,
            "scrub_passes": self.scrub_passes,
            "segments": [s.summary() for s in self.store.segments.values()],
        }

    def _check_epoch(self, seg: Segment, epoch: int) -> None:
        if epoch < seg.epoch:
            raise StaleEpoch(f"epoch {epoch} is older than the volume's epoch {seg.epoch}")
        if epoch > seg.epoch:
            raise NeedEpoch(f"epoch {epoch} not yet opened on this node (have {seg.epoch})")

    def _write(self, h: dict[str, Any], blob: bytes) -> wire.Later:
        """Append records (of one or more segments of one volume); answer after the fsync."""
        try:
            items = rec.iter_records(blob)
        except rec.RecordError as e:
            raise StorageError(f"rejected write: {e}") from None
        segs: dict[tuple[int, int, int], Segment] = {}
        last = None
        for header, _ in items:
            key = (header.volume, header.file, header.pg)
            if key != last and key not in segs:  # records of one segment mostly come together
                seg = self.store.segment(*key)
                self._check_epoch(seg, h["epoch"])
                segs[key] = seg
            last = key
        self.store.append(items)
        vdl = h.get("vdl", 0)
        if not items and "volume" in h:
            # No records: the writer only announces its durable point (a bulk load's end),
            # which holds for the whole volume, so for every segment of it the writer's epoch owns.
            segs = {k: s for k, s in self.store.segments.items() if k[0] == h["volume"] and s.epoch == h["epoch"]}
        for seg in segs.values():
            if vdl > seg.vdl_hint:
                seg.vdl_hint = vdl
        if h.get("bulk"):
            now = time.monotonic()
            for volume in {key[0] for key in segs}:
                self._bulk[volume] = now
        later = wire.Later()
        self._waiting.append((later, list(segs.values())))
        self._schedule_sync()
        return later

    def _schedule_sync(self) -> None:
        if not self._sync_scheduled:
            self._sync_scheduled = True
            self._loop.call_soon(self._sync)  # type: ignore[union-attr]

    def _sync(self) -> None:
        """Group commit: one fdatasync for every write that arrived since the last one.

        While fdatasyncs are short (under INLINE_SYNC_S on average) the event loop runs them
        itself: a read that arrives meanwhile waits at most that long, and each one saves
        the hand-off to another thread and back, two context switches that cost the node
        more CPU than the fdatasync's own system call. When the disk is slower they run in
        the node's sync thread, on a duplicate of the log's descriptor (the log may roll to
        a new chunk meanwhile, which syncs and closes the old one itself): the node goes on
        answering reads and taking the next writes, which the next fdatasync makes durable.
        Either way a write is answered only after the fdatasync that covers it."""
        self._sync_scheduled = False
        if self._syncing:
            return  # the running sync schedules the next one when it ends
        waiting, self._waiting = self._waiting, []
        if not self.store.dirty:
            self._settle(waiting)
            return
        if self._sync_s < INLINE_SYNC_S:
            started = time.perf_counter()
            try:
                self.store.sync()
            except OSError as e:
                self._sync_failed(e)
            self._synced(time.perf_counter() - started, None, waiting)
            return
        try:
            fd = self.store.sync_fd()
        except OSError as e:
            self._sync_failed(e)
        self._syncing = True
        self._sync_requests.put((fd, waiting))

    def _sync_worker(self) -> None:
        """The sync thread: fdatasync and close each descriptor it is given, then hand the
        writes that waited for it back to the event loop (a SimpleQueue in, one
        ``call_soon_threadsafe`` out: no futures chained across threads)."""
        loop = self._loop
        assert loop is not None
        while True:
            request = self._sync_requests.get()
            if request is None:
                return
            fd, waiting = request
            error: BaseException | None = None
            started = time.perf_counter()
            try:
                _fdatasync_and_close(fd)
            except BaseException as e:  # reported on the loop, which ends the process
                error = e
            try:
                loop.call_soon_threadsafe(self._synced, time.perf_counter() - started, error, waiting)
            except RuntimeError:
                return  # the loop is closed: the node is stopping

    def _synced(self, seconds: float, error: BaseException | None, waiting: list) -> None:
        self._syncing = False
        if error is not None:
            self._sync_failed(error)
        self._sync_s += (seconds - self._sync_s) / 8  # a moving average of the last few
        self._settle(waiting)
        if self._waiting:
            self._schedule_sync()

    @staticmethod
    def _sync_failed(e: BaseException) -> None:
        # After a failed fsync the page cache can no longer be trusted (fsyncgate): stop
        # serving; the control plane restarts the node and it rebuilds from disk.
        log.critical("fsync failed: %s; exiting", e)
        os._exit(70)

    @staticmethod
    def _settle(waiting: list[tuple[wire.Later, list[Segment]]]) -> None:
        """Answer the writes an fdatasync made durable, at once (see ``wire.Later``)."""
        for later, segs in waiting:
            later.give(({"ok": True, "scl": [[s.file, s.pg, s.scl] for s in segs]}, b""))

    def _get_page(self, h: dict[str, Any]) -> wire.Reply | asyncio.Future:
        seg = self.store.segment(h["volume"], h["file"], h["pg"])
        if h.get("epoch", 0) > seg.epoch:
            # This copy has not learned the newest epoch, nor so its truncations: it may
            # still hold an old writer's records at LSNs the new writer reused.
            raise NotCaughtUp(f"node {self.node_id} has epoch {seg.epoch}, the reader knows {h['epoch']}")
        need = h.get("need", h["as_of"])
        if seg.scl < need:
            raise NotCaughtUp(f"node {self.node_id} has records to {seg.scl}, needs {need}")
        found = self.store.find_version(seg, h["page"], h["as_of"])
        if found is None:
            return {"ok": True, "found": False}, b""
        owner, lsn = found
        raw = self.store.read_raw(owner, lsn)
        if raw is None:
            return asyncio.ensure_future(self._repair_and_read(owner, lsn))
        return {"ok": True, "found": True, "lsn": lsn}, raw[rec.HEADER_SIZE :]

    async def _repair_and_read(self, seg: Segment, lsn: int) -> wire.Reply:
        """A copy failed its checksum: fetch a good one from a peer, append it, serve it."""
        log.warning("corrupt copy of lsn %d in segment %x/%d/%d; repairing from peers",
                    lsn, seg.volume, seg.file, seg.pg)
        page = seg.records[lsn].page
        self.store.mark_corrupt(seg, lsn)
        for member in seg.members:
            if member["id"] == self.node_id:
                continue
            try:
                _, blob = await self._peer(member).request(
                    wire.FETCH, {"volume": seg.volume, "file": seg.file, "pg": seg.pg, "lsns": [lsn]},
                    timeout=2.0)
            except StorageError:
                continue
            items = [(hh, raw) for hh, raw in rec.iter_records(blob) if hh.lsn == lsn]
            if items:
                self.store.append(items)
                self.store.sync()
                self.store.repaired += 1
                self.store.index_pending(seg)
                raw = self.store.read_raw(seg, lsn)
                if raw is not None and seg.records[lsn].page == page:
                    return {"ok": True, "found": True, "lsn": lsn, "repaired": True}, raw[rec.HEADER_SIZE :]
        raise StorageError(f"record {lsn} is corrupt here and no peer could supply it")

    def _set_epoch(self, h: dict[str, Any]) -> wire.Reply | asyncio.Future:
        seg = self.store.segment(h["volume"], h["file"], h["pg"])
        if h["epoch"] < seg.epoch:
            raise StaleEpoch(f"epoch {h['epoch']} is older than the volume's epoch {seg.epoch}")
        changed = self.store.set_epoch(seg, h["epoch"], [tuple(t) for t in h.get("truncations", [])], save=False)
        reply = {"ok": True, "epoch": seg.epoch, "vdl_hint": seg.vdl_hint, "scl": seg.scl,
                 "max_lsn": seg.max_lsn, "truncations": list(seg.truncations)}
        return self._once_meta_saved(reply) if changed else (reply, b"")

    def _once_meta_saved(self, reply: dict[str, Any]) -> asyncio.Future:
        """Answer once meta.json holds the change. The changes that arrive in one turn of the
        event loop share one save and its two fsyncs, as appends share an fdatasync: a
        writer opening a volume changes the epoch of every protection group at once, twice,
        and a restore creates them all at once."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._meta_waiting.append((fut, reply))
        if not self._meta_scheduled:
            self._meta_scheduled = True
            loop.call_soon(self._save_meta)
        return fut

    def _save_meta(self) -> None:
        self._meta_scheduled = False
        waiting, self._meta_waiting = self._meta_waiting, []
        try:
            self.store.save_meta()
        except OSError as e:
            for fut, _reply in waiting:
                if not fut.done():
                    fut.set_exception(StorageError(f"node {self.node_id} cannot save its metadata: {e}"))
            return
        for fut, reply in waiting:
            if not fut.done():
                fut.set_result((reply, b""))

    def _scan(self, h: dict[str, Any]) -> dict[str, Any]:
        """Recovery: the headers of the valid records above ``above``."""
        seg = self.store.segment(h["volume"], h["file"], h["pg"])
        above = h["above"]
        # What is above only: a segment can hold hundreds of thousands of records, and a
        # reader's refresh or a global secondary's catch up asks for the few newest.
        found = []
        for lsn in self.store.lsns_above(seg, above):
            loc = seg.records[lsn]
            found.append([lsn, loc.epoch, loc.batch_first, loc.cpl])
        return {"ok": True, "epoch": seg.epoch, "scl": seg.scl, "max_lsn": seg.max_lsn,
                "vdl_hint": seg.vdl_hint, "truncations": seg.truncations,
                "tip": self.store.tip_at_or_below(seg, above), "records": found}

    def _fetch(self, h: dict[str, Any]) -> wire.Reply:
        seg = self.store.segment(h["volume"], h["file"], h["pg"])
        if "lsns" in h:
            lsns = [x for x in h["lsns"] if x in seg.records]
        else:
            lsns = self.store.records_above(seg, h["above"], h.get("limit_bytes", FETCH_LIMIT_BYTES))
        out = []
        for lsn in lsns:
            raw = self.store.read_raw(seg, lsn)
            if raw is not None:  # never pass a corrupt copy on
                out.append(raw)
        return {"ok": True, "count": len(out), "scl": seg.scl, "max_lsn": seg.max_lsn}, b"".join(out)

    # --- gossip ---------------------------------------------------------------------------
    def _peer(self, member: dict[str, Any]) -> wire.NodeClient:
        client = self._peers.get(member["id"])
        if client is None:
            path = Layout.peer_node_socket(self.socket_path.parent, member["id"])
            client = self._peers[member["id"]] = wire.NodeClient(str(path), 0.5)
        return client

    def _gossip_reply(self, h: dict[str, Any]) -> dict[str, Any]:
        out = []
        for volume, file, pg in h["segments"]:
            seg = self.store.segments.get((volume, file, pg))
            if seg is None:
                out.append([volume, file, pg, "dropped" if volume in self.store.dropped else None])
            else:
                out.append([volume, file, pg, {"scl": seg.scl, "max_lsn": seg.max_lsn, "epoch": seg.epoch,
                                               "truncations": seg.truncations, "vdl_hint": seg.vdl_hint}])
        return {"ok": True, "segments": out}

    async def _gossip_loop(self) -> None:
        while True:
            await asyncio.sleep(self.gossip_interval)
            if self.partitioned:
                continue
            try:
                await self.gossip_once()
            except Exception as e:  # gossip is best effort; a bug must not stop the node
                log.warning("gossip round failed: %r", e)

    async def gossip_once(self) -> int:
        """Compare every segment with its peers and fetch what this node lacks."""
        by_peer: dict[str, tuple[dict[str, Any], list[Segment]]] = {}
        for seg in list(self.store.segments.values()):
            for m in seg.members:
                if m["id"] != self.node_id:
                    by_peer.setdefault(m["id"], (m, []))[1].append(seg)
        results = await asyncio.gather(
            *(self._gossip_with(m, segs) for m, segs in by_peer.values()), return_exceptions=True
        )
        return sum(r for r in results if isinstance(r, int))

    async def _gossip_with(self, member: dict[str, Any], segs: list[Segment]) -> int:
        client = self._peer(member)
        reply, _ = await client.request(
            wire.GOSSIP, {"segments": [list(s.key) for s in segs]}, timeout=2.0)
        filled = 0
        for (volume, file, pg, state), seg in zip(reply["segments"], segs, strict=True):
            if self.store.segments.get((volume, file, pg)) is not seg:
                continue
            if state == "dropped":
                # The volume was deleted while this node was away: drop it here too.
                self.store.drop_volume(volume)
                continue
            if state is None:
                # The peer is a member but lost (or never got) the segment: give it the metadata.
                await client.request(wire.CREATE_SEGMENT, {"segment": seg.meta()}, timeout=2.0)
                continue
            if state["epoch"] > seg.epoch or set(map(tuple, state["truncations"])) - set(seg.truncations):
                self.store.set_epoch(seg, state["epoch"], [tuple(t) for t in state["truncations"]])
            seg.vdl_hint = max(seg.vdl_hint, state["vdl_hint"])
            if self._bulk_loading(volume):
                continue
            while state["max_lsn"] > seg.scl:
                reply2, blob = await client.request(
                    wire.FETCH, {"volume": volume, "file": file, "pg": pg, "above": seg.scl}, timeout=5.0)
                if not blob:
                    break
                items = rec.iter_records(blob)
                before = seg.scl
                filled += self.store.append(items)
                self.store.sync()
                if seg.scl == before:
                    break  # the peer's records do not close our gap; another peer may
                state = reply2
        return filled

    def _bulk_loading(self, volume: int) -> bool:
        """A bulk load (a restore) is writing this volume: its writer sends every record to
        every member and resends what is not yet durable, so a peer that is ahead only got
        the same records sooner; fetching them from it would copy each one twice more (the
        peer reads and sends it, this node checks it and finds it has it). Gossip fills in
        whatever is still missing once the load has been quiet for BULK_QUIET_S."""
        at = self._bulk.get(volume)
        if at is None:
            return False
        if time.monotonic() - at < BULK_QUIET_S:
            return True
        del self._bulk[volume]
        return False

    # --- maintenance ----------------------------------------------------------------------
    def _scrub_step(self, budget: int = 50) -> None:
        """Verify the checksums of the next ``budget`` records; repair bad copies from peers.

        Walks every record of every segment in turn, so that a copy damaged on disk is found
        and repaired even if nobody reads it. At 50 records a maintenance tick (250 a second,
        1 MiB/s of reads) a node holding 100,000 records checks each one every seven minutes;
        200 a tick was 1,000 reads and checksums a second on every node, all the time."""
        queue = self._scrub_queue
        if not queue:
            # One list of LSNs per segment, not a tuple per record: a node holds hundreds of
            # thousands of records under load, and a pass starts again every few minutes.
            queue.extend((key, list(seg.records)) for key, seg in self.store.segments.items())
            self.scrub_passes += 1
        while budget > 0 and queue:
            key, lsns = queue[-1]
            take = lsns[-budget:]
            del lsns[-budget:]
            if not lsns:
                queue.pop()
            budget -= len(take)
            seg = self.store.segments.get(key)
            if seg is None:
                continue
            for lsn in reversed(take):
                if lsn in seg.records and self.store.read_raw(seg, lsn) is None:
                    task = asyncio.ensure_future(self._repair_and_read(seg, lsn))
                    self._tasks.append(task)
                    task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task) -> None:
        self._tasks.remove(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("repair failed: %s", task.exception())

    async def _maintenance_loop(self) -> None:
        tick = 0
        while True:
            await asyncio.sleep(0.2)
            tick += 1
            try:
                self._scrub_step()
                for seg in list(self.store.segments.values()):
                    self.store.index_pending(seg)
                if tick % 25 == 0:
                    if self.store.collect():
                        self.store.compact()
                    self.store.save_meta()  # keeps the VDL hints recent for recovery
            except Exception as e:
                log.warning("maintenance failed: %r", e)


class NeedEpoch(StorageError):
    """The request carries a newer epoch than this node knows: the writer must open it here."""



def _fdatasync_and_close(fd: int) -> None:
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m aurora.engine.storage.node",
                                description="Run one aurora storage node.")
    p.add_argument("--dir", required=True, type=Path, help="the node's folder")
    p.add_argument("--id", required=True, help="node id, e.g. sn-a1")
    p.add_argument("--az", required=True, help="Availability Zone, e.g. a")
    p.add_argument("--socket", type=Path, default=None, help="the Unix socket to listen on (DIR/node.sock)")
    p.add_argument("--retention", type=float, default=300.0, help="seconds old page versions are kept")
    p.add_argument("--chunk-bytes", type=int, default=None, help="log chunk size in bytes")
    p.add_argument("--gossip-interval", type=float, default=0.5)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s {args.id} %(levelname)s %(message)s")
    args.dir.mkdir(parents=True, exist_ok=True)
    try:
        node = StorageNode(args.dir, args.id, args.az, args.socket, args.chunk_bytes,
                           args.retention, args.gossip_interval)
    except Exception as e:
        log.critical("cannot open the node's data: %s", e)
        return 1
    return asyncio_run(_serve(node))


async def _serve(node: StorageNode) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await node.start()
    except OSError as e:
        log.critical("cannot listen on %s: %s", node.socket_path, e)
        return 1
    await stop.wait()
    with contextlib.suppress(Exception):
        await node.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
