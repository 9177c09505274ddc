"""The replication process of a global database's secondary cluster.

One process per secondary (``python -m aurora.engine.globaldb.replicator``). It takes the
primary volume's durable redo and writes it, batch by batch and in LSN order, to the
secondary's volume through the secondary region's quorum (4 of 6 there); the secondary's
reader instances follow it as readers in a cluster follow their writer (it streams the same
commit frames on its own replication socket).

Same LSNs on both sides: records are written with the primary's LSNs
(``Volume.submit_records``). The streamed batches due together (at most every
``APPLY_EVERY_S``) and the batches of a catch-up run are merged into one batch: only the
newest version of each page in it is fetched and written, an older one keeps its LSN as a
skipped record (``records.SKIP_PAGE``, no body), so the LSNs stay contiguous and the group
is durable, and visible to the secondary's readers, as a whole. Under TPC-B that writes
about a third of the pages (every transaction changes the same branch, teller and history
pages). The secondary's durable point is the primary LSN it has applied: a restarted
replicator resumes from its own volume's recovered VDL, with no gap and no duplicate; after
a promotion the old primary follows the new one from the LSN they share. (The backup
process runs this loop unmerged: a point-in-time restore stops at any commit.)

Where batches come from:
  - the primary writer's commit stream (``{"lsn", "t", "pages"}`` once a batch is durable)
    says which batch to fetch next; its records are fetched by LSN from one storage node
    of each protection group that holds them (another one if it lacks some);
  - when the stream is missing (no writer, a switchover's drain) or skipped ahead, a catch
    up asks a read quorum of the primary which records exist above the applied LSN (SCAN)
    and fetches them;
  - a new, empty secondary volume is seeded with a base image: every page of every database
    file as of the primary's durable point S, written as one batch numbered to end at S
    (the volume's base LSN is set below S so that it does).

Inter-region latency is simulated: a commit frame is acted on ``rtt_ms / 2`` after it was
received (the one-way trip), a catch up waits one ``rtt_ms`` per round. ``link`` cuts the
link (``aurora chaos fail-region``): nothing is fetched until it is restored, frames are
still counted, which is how a failover knows what the primary acknowledged and this side
never received (the RPO).

Control socket operations (``engine/rpc.py``): status, source, link, drain.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aurora.engine import errors, rpc
from aurora.engine.instance.replication import Broadcaster, p99, read_frames, read_hello
from aurora.engine.layout import (
    Layout,
    clear_status,
    unix_socket_path,
    write_status,
    write_status_soon,
)
from aurora.engine.loop import asyncio_run
from aurora.engine.storage import records as rec
from aurora.engine.storage import wire
from aurora.engine.storage.catalog import Catalog, PgMeta, parse_volume_name
from aurora.engine.storage.quorum import READ_QUORUM
from aurora.engine.storage.volume import Volume

log = logging.getLogger("aurora.globaldb.replicator")

T = TypeVar("T")

WINDOW = 64
"""Batches written to the secondary and not yet durable there, at most."""
FETCH_RECORDS = 256
"""Records asked of a storage node in one FETCH."""
GROUP = 256
"""Streamed batches fetched and written together, at most."""
APPLY_EVERY_S = 0.04
"""Streamed batches are written at most this often, merged: the secondary's six storage
nodes then write each page once and sync once for many of the primary's commits (they share
the machine's CPUs and disk with the primary), for at most this much more lag. Under TPC-B
(4 clients, 450-530 commits/s, 2 cores) the secondary's nodes cost 230-320 µs of CPU per
primary commit this way, the replication process and the secondary's reader 150-240, with a
replication lag p99 of 100-130 ms at a 70 ms round trip; every 20 ms 330-410 and 180-290;
every 10 ms 510-560 and 310-340; writing each group once the one before is durable 620-820
and 400-540, for a p99 30 ms lower."""
POLL_S = 0.25
"""Without frames from the primary's writer, look for new durable batches this often."""
SEED_READS = 32
"""Page reads in flight while seeding a new secondary."""


class Diverged(errors.StorageError):
    """The primary's redo does not continue where the secondary stands (its records there
    were collected, or the two volumes do not share a history)."""


@dataclass
class Frame:
    lsn: int
    t: float
    pages: list[tuple[int, int]]
    received: float

    @property
    def first(self) -> int:
        """The batch's first LSN: a writer numbers a batch's records in page order, ending at its CPL."""
        return self.lsn - len(self.pages) + 1


class Replicator:
    what = "replicator"  # how the control socket's errors name this process
    merge = True  # write each group of the primary's batches as one batch (see _apply_frames)
    fetch_from_end = False  # which member of a protection group to ask first (see _fetch_rank)
    control: rpc.Registry  # its operations (CONTROL, below)

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.dir: Path = args.dir
        self.layout = Layout.from_env()
        self.source_region: str = args.source_region
        self.source_volume: str = args.source_volume
        self.writer_socket: str = args.source_writer_socket or ""
        self.rtt_ms: float = args.rtt_ms
        self.link_up = True
        self._cut = asyncio.Event()  # set while the link is cut (see _linked)
        self.state = "starting"
        self.error: str | None = None
        self.target: Volume | None = None
        self.source: Volume | None = None
        self.broadcaster: Broadcaster | None = None
        self.applied = 0
        self.heard = 0  # the newest durable LSN the primary announced
        self.heard_t = 0.0  # its commit time
        self.applied_t = 0.0  # commit time (on the primary) of the newest batch applied here
        self.frames: collections.deque[Frame] = collections.deque()
        # commit LSNs the primary announced and this side has not made durable yet: what a
        # failover now would lose (the RPO)
        self.heard_log: collections.deque[int] = collections.deque()
        self.last_heard_at = 0.0
        self.wake = asyncio.Event()
        self.writes_io = 0
        self.batches = 0
        self.last_lag_ms: float | None = None
        self.lags: collections.deque[float] = collections.deque(maxlen=2000)
        self.history: collections.deque[float] = collections.deque(maxlen=60)  # per-second max lag
        self._second_max: float | None = None
        self._times: dict[int, list[float]] = {}  # commit times on the primary of batches in flight
        self._submitted_at: dict[int, float] = {}
        self._tips: dict[int, list[tuple[tuple[int, int], int]]] = {}  # per batch in flight, see _durable
        self.parts: collections.deque[tuple[float, float]] = collections.deque(maxlen=2000)
        self._inflight: collections.deque[tuple[int, asyncio.Future]] = collections.deque()
        self.cut: tuple[int, int, int] | None = None
        self._source_changed = asyncio.Event()
        self._busy = asyncio.Lock()
        self._last_apply = 0.0
        self._tasks: list[asyncio.Task] = []
        self._control: asyncio.Server | None = None
        self.started = time.time()
        self.base_time = 0.0

    # --- start-up -------------------------------------------------------------------------
    async def start(self) -> None:
        catalog = Catalog(self.layout, self.args.region)
        meta = catalog.load_volume(parse_volume_name(self.args.volume))
        self._start_control()
        if not meta.pgs and meta.base_lsn == 0:
            self.state = "seeding"
            self._write_status()
            writes, at = await self._base_image()
            if len(writes) > at:
                raise Diverged(f"cannot seed: {len(writes)} pages above LSN {at}")

            def base(m: Any) -> None:
                m.base_lsn = at - len(writes)

            meta = catalog.update_volume(meta.id, base)
            self.target = Volume(catalog, meta)
            await self.target.open_writer()
            if writes:
                cpl = await self.target.commit(writes)
                if cpl != at:
                    raise Diverged(f"the base image ended at LSN {cpl}, not {at}")
            self.writes_io += len(writes)
            log.info("seeded %s with %d pages as of LSN %d", meta.name, len(writes), at)
        else:
            self.target = Volume(catalog, meta)
            await self.target.open_writer(truncate_above=self.args.truncate_above)
            self.cut = self.target.cut
            if self.cut:
                log.warning("cut LSNs %d-%d (%d transactions) that the new primary never had", *self.cut)
        self.applied = self.target.vdl
        self.applied_t = time.time()
        self.target.durable_listeners.append(self._durable)
        self.broadcaster = Broadcaster(Layout.replication_socket(self.dir))
        self.broadcaster.vdl = self.applied
        await self.broadcaster.start()
        self.state = "catching-up"
        self._tasks += [asyncio.create_task(self._listen()), asyncio.create_task(self._run()),
                        asyncio.create_task(self._status_loop())]
        log.info("replicating %s/%s into %s/%s from LSN %d", self.source_region, self.source_volume,
                 self.args.region, meta.name, self.applied)

    async def _base_image(self) -> tuple[dict[tuple[int, int], bytes], int]:
        """Every page of every database file of the primary as of its durable point."""
        source = await self._source()
        await self._cross()
        at = await source.refresh()
        self.base_time = time.time()  # every commit durable by now is in the image
        files = sorted({f for f, _ in source.meta.pgs})
        writes: dict[tuple[int, int], bytes] = {}
        gate = asyncio.Semaphore(SEED_READS)

        async def one(file: int, page: int) -> None:
            async with gate:
                image = await source.read_page(file, page, at)
            if image is not None:
                writes[(file, page)] = image

        for file in files:
            first = await source.read_page(file, 0, at)
            if first is None:
                continue
            writes[(file, 0)] = first
            pages = int.from_bytes(first[28:32], "big")  # the database size in its header
            await asyncio.gather(*(one(file, p) for p in range(1, pages)))
        return writes, at

    # --- the primary's side ---------------------------------------------------------------
    async def _source(self) -> Volume:
        if self.source is None:
            catalog = Catalog(self.layout, self.source_region)
            vol = Volume(catalog, catalog.load_volume(parse_volume_name(self.source_volume)),
                         quorum_timeout=3.0)
            try:
                await self._linked(vol.open_reader())
            except BaseException:
                vol.pool.close()
                raise
            self.source = vol
        return self.source

    def _drop_source(self) -> None:
        if self.source is not None:
            self.source.pool.close()
            self.source = None

    async def _linked(self, request: Awaitable[T]) -> T:
        """``request`` to the primary's region, given up at once when the link is cut: a
        failover halts this process, and waits for the step under way, which must not wait
        out the request timeout of a region that froze."""
        task = asyncio.ensure_future(request)
        if not self.link_up:
            task.cancel()  # never started
            raise errors.Unavailable("the link to the primary's region is cut")
        cut = asyncio.ensure_future(self._cut.wait())
        try:
            await asyncio.wait((task, cut), return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            task.cancel()
            raise
        finally:
            cut.cancel()
        if not task.done():
            task.cancel()
            raise errors.Unavailable("the link to the primary's region is cut")
        return task.result()

    async def _cross(self, trips: float = 1.0) -> None:
        """One round trip over the simulated inter-region link."""
        if not self.link_up:
            raise errors.Unavailable("the link to the primary's region is cut")
        if self.rtt_ms > 0:
            await asyncio.sleep(self.rtt_ms * trips / 1000)

    async def _listen(self) -> None:
        """Follow the primary writer's commit stream: each frame is a durable batch."""
        while True:
            path = self.writer_socket
            if not path:
                await self._source_changed.wait()
                self._source_changed.clear()
                continue
            try:
                reader, writer = await asyncio.open_unix_connection(unix_socket_path(Path(path)))
            except OSError:
                await asyncio.sleep(0.1)
                continue
            try:
                self._hear(await read_hello(reader), time.time(), None)
                async for frames in read_frames(reader):
                    if path != self.writer_socket:
                        break  # told of another primary or writer: follow that one
                    now = time.time()
                    for f in frames:
                        self._hear(f["lsn"], f["t"], [(p[0], p[1]) for p in f["pages"]], now)
            except (ConnectionError, ValueError, OSError, KeyError, TypeError) as e:
                log.info("the primary's commit stream was lost: %s", e)
            finally:
                writer.close()
            await asyncio.sleep(0.05)

    def _hear(self, lsn: int, t: float, pages: list[tuple[int, int]] | None, received: float = 0.0) -> None:
        if lsn > self.heard:
            self.heard = lsn
            self.heard_t = t
        if pages is not None and lsn > self.applied:
            self.frames.append(Frame(lsn, t, pages, received))
            self.heard_log.append(lsn)
            self.last_heard_at = time.monotonic()
        self.wake.set()

    # --- the loop -------------------------------------------------------------------------
    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Diverged as e:
                self.state, self.error = "diverged", str(e)
                log.error("%s", e)
                await asyncio.sleep(1.0)
            except (errors.AuroraError, OSError) as e:
                self.error = str(e)
                log.warning("replication paused: %s", e)
                self._drop_source()
                await asyncio.sleep(0.2)

    async def _step(self) -> None:
        async with self._busy:  # halt waits for a step under way to end
            await self._step_once()

    async def _step_once(self) -> None:
        """Apply what is due: streamed frames in order, or a catch up from the primary's
        storage when the stream does not continue where this side stands."""
        if not self.link_up:
            self.state = "link-down"
            await asyncio.sleep(0.05)
            return
        while self.frames and self.frames[0].lsn <= self._submitted():
            self.frames.popleft()
        if self.frames:
            frame = self.frames[0]
            due = frame.received + self.rtt_ms / 2000
            if time.time() < due:
                await asyncio.sleep(due - time.time())
                return
            if frame.first != self._submitted() + 1:
                await self._catch_up(frame.lsn)  # frames were missed: read them from storage
                return
            wait = self._last_apply + APPLY_EVERY_S - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                return
            self._last_apply = time.monotonic()
            # every due frame that follows on, fetched together (one FETCH per protection
            # group) and written back to back (the secondary's nodes sync them together)
            group: list[Frame] = []
            expect = self._submitted() + 1
            now = time.time()
            while self.frames and len(group) < GROUP:
                f = self.frames[0]
                if f.received + self.rtt_ms / 2000 > now or f.first != expect:
                    break
                group.append(self.frames.popleft())
                expect = f.lsn + 1
            if not self.link_up:  # cut meanwhile: apply nothing (a failover counts on it)
                self.frames.extendleft(reversed(group))
                return
            await self._apply_frames(await self._source(), group)
            self.state = "replicating"
            self.error = None
            return
        if not await self._durable_or_woken():
            return  # a frame came: it is applied first
        self.wake.clear()
        if not self.frames:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), POLL_S)
        if not self.frames and self.link_up:
            source = await self._source()
            # A look at the primary's durable point costs a round trip; a commit announced on
            # the stream meanwhile ends it (when the primary comes back from idle, its first
            # commit is not held up by a look, and then a catch up, under way).
            deadline = time.monotonic() + self.rtt_ms / 1000
            while not self.frames and (left := deadline - time.monotonic()) > 0:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), left)
            if self.frames:
                return
            await self._cross(0)
            asked = time.time()
            vdl = await self._linked(source.refresh())
            if vdl > self.heard:
                self.heard, self.heard_t = vdl, max(self.heard_t, self.applied_t)
            if vdl > self.applied:
                f = self.frames[0] if self.frames else None
                if f is not None and f.first == self._submitted() + 1:
                    return  # announced while the look was under way: the stream has it
                await self._catch_up(vdl)
            else:
                self.confirmed(asked)
                if self.state != "replicating":
                    self.state = "replicating"
            self.error = None

    def confirmed(self, asked: float) -> None:
        """Everything the source had made durable when it was asked at ``asked`` is applied."""

    def _submitted(self) -> int:
        assert self.target is not None
        return self.target.next_lsn - 1

    async def _apply_frames(self, source: Volume, frames: list[Frame]) -> None:
        """Copy streamed batches (following on from the submitted point) from the primary's
        storage: a batch's records are numbered in page order, so its page list says which
        LSN holds which page. Merged, only the last version of each page in the group is
        fetched and written (TPC-B's hot pages change in every transaction); the versions
        it supersedes keep their LSNs as skipped records."""
        layout: list[tuple[int, int, int, Frame]] = []  # lsn, file, page, its batch
        for frame in frames:
            layout.extend((frame.first + i, file, page, frame) for i, (file, page) in enumerate(sorted(frame.pages)))
        if self.merge:
            last_of = {(file, page): lsn for lsn, file, page, _ in layout}
            keep = set(last_of.values())
        else:
            keep = {lsn for lsn, *_ in layout}
        found = await self._fetch_pages(source, [(lsn, file, page) for lsn, file, page, _ in layout if lsn in keep])
        if not self.link_up:  # cut meanwhile: apply nothing (a failover counts on it)
            self.frames.extendleft(reversed(frames))
            return
        records: list[tuple[int, int, int, bytes]] = []
        for lsn, file, page, frame in layout:
            if lsn not in keep:
                records.append((lsn, file, rec.SKIP_PAGE, b""))
                continue
            header, body = found[lsn]
            first = frame.first
            if (header.file, header.page, header.batch_first, header.cpl) != (file, page, first, frame.lsn):
                raise Diverged(f"the primary's record {lsn} is page {header.file}/{header.page} of batch "
                               f"{header.batch_first}-{header.cpl}, not {file}/{page} of {first}-{frame.lsn}")
            records.append((lsn, file, page, body))
        if self.merge:
            await self._apply_batch(records[0][0], frames[-1].lsn, [f.t for f in frames], records)
            return
        at = 0
        for frame in frames:
            n = len(frame.pages)
            await self._apply_batch(frame.lsn - n + 1, frame.lsn, [frame.t], records[at:at + n])
            at += n

    async def _fetch_pages(self, source: Volume, wanted: list[tuple[int, int, int]]) -> dict[int, tuple[rec.RecordHeader, bytes]]:
        """The records (lsn, file, page) ``wanted``, from one node of each protection group,
        the groups asked at once."""
        by_pg: dict[tuple[int, int], list[int]] = {}
        for lsn, file, page in wanted:
            by_pg.setdefault((file, page // source.meta.pages_per_pg), []).append(lsn)
        pgs = []
        for pgid in by_pg:
            pg = source.meta.pgs.get(pgid)
            if pg is None:
                source.meta = source.catalog.load_volume(source.id)
                pg = source.meta.pgs.get(pgid)
                if pg is None:
                    raise errors.StorageError(f"protection group {pgid[0]}/{pgid[1]} of the primary is unknown")
            pgs.append(pg)
        found: dict[int, tuple[rec.RecordHeader, bytes]] = {}
        for part in await asyncio.gather(*(
                self._fetch(source, pg, lsns[at:at + FETCH_RECORDS], {})
                for pg, lsns in zip(pgs, by_pg.values(), strict=True) for at in range(0, len(lsns), FETCH_RECORDS))):
            found.update(part)
        return found

    async def _fetch(self, source: Volume, pg: PgMeta, lsns: list[int],
                     holders: dict[int, list[str]]) -> dict[int, tuple[rec.RecordHeader, bytes]]:
        """Records ``lsns`` of one protection group, from whichever members hold them. The
        members are asked as a page read asks them (``Volume._hedged``: a second one too when
        the first has not answered in ``hedge_after``, the next at once on an error), and
        the members not asked yet are asked for what one lacked."""
        out: dict[int, tuple[rec.RecordHeader, bytes]] = {}
        wanted = set(lsns)
        order = sorted(pg.members, key=lambda n: (not source.pool.healthy(n),
                                                  -sum(1 for x in lsns if n in holders.get(x, ())),
                                                  self._fetch_rank(pg.members, n)))
        while order and len(out) < len(lsns):
            want = [x for x in lsns if x not in out]
            try:
                node_id, (_, blob) = await self._linked(source._hedged(
                    pg, wire.FETCH, {"volume": source.id, "file": pg.file, "pg": pg.pg, "lsns": want}, 0, order))
            except errors.PageUnavailable as e:
                log.info("fetching from the primary's storage failed: %s", e)
                break
            try:
                records = rec.iter_records(blob)  # checks every checksum
            except rec.RecordError as e:
                log.info("fetching from storage node %s failed: %s", node_id, e)
                source.pool.suspect(node_id)
                continue
            for header, whole in records:
                if header.lsn in wanted and header.lsn not in out:
                    out[header.lsn] = (header, bytes(whole[rec.HEADER_SIZE:]))
        missing = [x for x in lsns if x not in out]
        if missing:
            raise errors.StorageError(f"no copy of protection group {pg.file}/{pg.pg} of the primary has "
                                      f"LSN {missing[0]} (and {len(missing) - 1} more)")
        return out

    def _fetch_rank(self, members: list[str], node_id: str) -> int:
        """Which member of a protection group to ask first, among equals: the first one for a
        replication process, the last one for the backup process, so that the two readers of
        the primary's redo load different storage nodes."""
        i = members.index(node_id)
        return len(members) - 1 - i if self.fetch_from_end else i

    @staticmethod
    def _records(found: dict[int, tuple[rec.RecordHeader, bytes]], first: int, last: int,
                 merge: bool) -> list[tuple[int, int, int, bytes]]:
        """The records of the whole batches ``first``..``last`` of the primary, for the target;
        ``merge``: versions of a page superseded within the range are skipped."""
        if found[first][0].batch_first != first or found[last][0].cpl != last:
            raise Diverged(f"LSNs {first}-{last} of the primary are not whole batches")
        last_of = {}
        if merge:
            last_of = {(h.file, h.page): lsn for lsn in range(first, last + 1)
                       for h in (found[lsn][0],) if h.page != rec.SKIP_PAGE}
        out = []
        for lsn in range(first, last + 1):
            header, body = found[lsn]
            if not first <= header.batch_first <= lsn <= header.cpl <= last:
                raise Diverged(f"the primary's record {lsn} belongs to batch {header.batch_first}-{header.cpl}, "
                               f"not to {first}-{last}")
            if header.page == rec.SKIP_PAGE or (merge and last_of[(header.file, header.page)] != lsn):
                out.append((lsn, header.file, rec.SKIP_PAGE, b""))
            else:
                out.append((lsn, header.file, header.page, body))
        return out

    async def _catch_up(self, upto: int) -> None:
        """Copy every durable batch above the submitted point up to ``upto`` from the primary's
        storage: which records exist comes from a read quorum of each protection group."""
        source = await self._source()
        self.state = "catching-up"
        await self._cross()
        since = self._submitted()
        source.meta = source.catalog.load_volume(source.id)
        pgs = list(source.meta.pgs.values())
        scans = await self._linked(asyncio.gather(*(
            source._ask_all(pg, wire.SCAN, {"volume": source.id, "file": pg.file, "pg": pg.pg, "above": since},
                            READ_QUORUM, source.quorum_timeout) for pg in pgs)))
        where: dict[int, tuple[int, int, int, PgMeta]] = {}  # lsn -> (epoch, first, cpl, pg)
        holders: dict[int, list[str]] = {}
        for pg, replies in zip(pgs, scans, strict=True):
            for node_id, r in replies.items():
                for lsn, epoch, first, cpl in r["records"]:
                    if lsn > upto:
                        continue
                    known = where.get(lsn)
                    if known is None or epoch > known[0]:
                        where[lsn] = (epoch, first, cpl, pg)
                        holders[lsn] = [node_id]
                    elif epoch == known[0]:
                        holders[lsn].append(node_id)
        # commits this side did not hear announced (it joined the stream late): the RPO of a
        # failover must count them too
        known = set(self.heard_log)
        missed = [x for x, (_e, _f, cpl, _p) in where.items() if x == cpl and x > self.applied and x not in known]
        if missed:
            self.heard_log = collections.deque(sorted(known | set(missed)))
        lsn = since + 1
        while lsn <= upto and self.link_up:
            if lsn not in where:
                raise Diverged(f"the primary's redo at LSN {lsn} is not in its storage any more "
                               f"(the secondary stands at {since}); remove the region and add it again")
            _epoch, first, cpl, _pg = where[lsn]
            if first != lsn:
                raise Diverged(f"the primary's batch at LSN {lsn} starts at {first}")
            # fetch a run of whole batches together, a protection group at a time
            run_end = cpl
            while run_end < upto and run_end - lsn < FETCH_RECORDS and run_end + 1 in where:
                run_end = where[run_end + 1][2]
            by_pg: dict[tuple[int, int], list[int]] = {}
            for x in range(lsn, run_end + 1):
                if x not in where:
                    raise Diverged(f"the primary's redo at LSN {x} is not in its storage any more")
                by_pg.setdefault(where[x][3].id, []).append(x)
            found: dict[int, tuple[rec.RecordHeader, bytes]] = {}
            for pgid, lsns in by_pg.items():
                found.update(await self._fetch(source, source.meta.pgs[pgid], lsns, holders))
            if not self.link_up:
                break
            if self.merge:
                times = [found[x][0].ts for x in range(lsn, run_end + 1) if found[x][0].cpl == x]
                await self._apply_batch(lsn, run_end, times, self._records(found, lsn, run_end, True))
            else:
                x = lsn
                while x <= run_end and self.link_up:
                    end = where[x][2]
                    await self._apply_batch(x, end, [found[end][0].ts], self._records(found, x, end, False))
                    x = end + 1
            lsn = run_end + 1
        self.error = None

    async def _apply_batch(self, first: int, cpl: int, times: list[float],
                           records: list[tuple[int, int, int, bytes]]) -> None:
        """Write the batch ``first``..``cpl`` (the primary's commits at ``times``) to the
        secondary with the primary's LSNs."""
        assert self.target is not None
        while len(self._inflight) >= WINDOW:
            await self._wait_oldest()
        if self.target.next_lsn != first:
            raise Diverged(f"batch {first}-{cpl} does not follow the secondary's LSN {self.target.next_lsn - 1}")
        submitted = time.time()
        got, durable = await self.target.submit_records(first, records)
        if got != cpl:
            raise Diverged(f"batch {first}-{cpl} was numbered {got} on the secondary")
        # (it cannot be durable before this turn of the loop ends: _durable finds these)
        self._times[cpl] = times
        self._submitted_at[cpl] = submitted
        ppg = self.target.meta.pages_per_pg
        self._tips[cpl] = list({(f, p // ppg): lsn for lsn, f, p, _ in records if p != rec.SKIP_PAGE}.items())
        self._inflight.append((cpl, durable))

    async def _wait_oldest(self) -> None:
        assert self.target is not None
        cpl, durable = self._inflight[0]
        await self.target.wait_durable(cpl, durable)
        self._inflight.popleft()

    async def _durable_or_woken(self) -> bool:
        """Wait until every batch in flight is durable (a look at the primary's durable
        point counts on it), unless a frame comes first: False then. The backup process's
        batches are durable only at its next flush (up to half a second): held that long,
        frames would pile up and be fetched in one burst."""
        assert self.target is not None
        while self._inflight:
            if self.frames:
                return False
            self.wake.clear()
            cpl, durable = self._inflight[0]
            waiting = asyncio.ensure_future(self.target.wait_durable(cpl, durable))
            woken = asyncio.ensure_future(self.wake.wait())
            try:
                await asyncio.wait((waiting, woken), return_when=asyncio.FIRST_COMPLETED)
            finally:
                woken.cancel()
                if not waiting.done():
                    waiting.cancel()  # (wait_durable shields the batch's own future)
            if waiting.done() and not waiting.cancelled():
                waiting.result()  # its error, if any
                self._inflight.popleft()
        return not self.frames

    async def _wait_durable_all(self) -> None:
        while self._inflight:
            await self._wait_oldest()

    def _durable(self, cpl: int, pages: list[tuple[int, int]]) -> None:
        """A batch is durable on the secondary: readers may see it."""
        now = time.time()
        times = self._times.pop(cpl, None) or [now]
        submitted = self._submitted_at.pop(cpl, None)
        if submitted is not None:  # where the lag goes: before the write, and the write itself
            self.parts.append(((submitted - times[0]) * 1000, (now - submitted) * 1000))
        self.applied = max(self.applied, cpl)
        t = self.applied_t = times[-1]
        while self.heard_log and self.heard_log[0] <= self.applied:
            self.heard_log.popleft()
        self.batches += len(times)
        self.writes_io += len(pages)
        for commit_t in times:  # the lag of each of the primary's commits in the batch
            lag = max(0.0, (now - commit_t) * 1000)
            self.lags.append(lag)
            self._second_max = lag if self._second_max is None else max(self._second_max, lag)
        self.last_lag_ms = max(0.0, (now - t) * 1000)
        tips = self._tips.pop(cpl, None)
        if self.broadcaster is not None:
            # the batch's LSNs are the primary's, not in page order: say where each group ends
            self.broadcaster.publish(cpl, t, pages, None if tips is None else [[f, p, x] for (f, p), x in tips])

    # --- control --------------------------------------------------------------------------
    def _start_control(self) -> None:
        server = rpc.Server(self.control, self, f"{self.what} of {self.args.cluster}", log,
                            log_file=Layout.log_file(self.dir), threads=False)

        async def serve() -> None:
            self._control = await server.start(Layout.instance_control_socket(self.dir))

        self._tasks.append(asyncio.create_task(serve()))

    def status(self) -> dict[str, Any]:
        rpo_lag = max(0.0, (self.heard_t - self.applied_t) * 1000) if self.heard > self.applied else 0.0
        return {
            "cluster": self.args.cluster, "pid": os.getpid(), "state": self.state, "error": self.error,
            "ready": self.state in ("catching-up", "replicating", "link-down"),
            "source_region": self.source_region, "source_volume": self.source_volume,
            "writer_socket": self.writer_socket, "rtt_ms": self.rtt_ms, "link_up": self.link_up,
            "applied_lsn": self.applied, "heard_lsn": self.heard,
            "heard_transactions": len(self.heard_log),
            "lag_ms": self.last_lag_ms,
            "lag_p99_ms": p99(self.lags),
            "rpo_lag_ms": rpo_lag, "lag_history_ms": list(self.history),
            "lag_p99_before_write_ms": p99(a for a, _ in self.parts),
            "lag_p99_write_ms": p99(b for _, b in self.parts),
            "writes_io": self.writes_io, "batches": self.batches,
            "readers_following": self.broadcaster.readers if self.broadcaster else 0,
            "cut": list(self.cut) if self.cut else None, "started": self.started, "time": time.time(),
        }

    def source(self, region: str, volume: str, writer_socket: str) -> dict[str, Any]:
        """Follow another primary (after a promotion) or its new writer (after a failover)."""
        if (region, volume) != (self.source_region, self.source_volume):
            self.source_region, self.source_volume = region, volume
            self._drop_source()
            self.frames.clear()
        if writer_socket != self.writer_socket:
            self.writer_socket = writer_socket
            self._source_changed.set()
        self.wake.set()
        return self.status()

    def link(self, up: bool, rtt_ms: float | None = None) -> dict[str, Any]:
        if rtt_ms is not None:
            self.rtt_ms = max(0.0, rtt_ms)
        self._set_link(up)
        return self.status()

    def _set_link(self, up: bool) -> None:
        self.link_up = up
        if up:
            self._cut.clear()
        else:
            self._cut.set()  # requests under way give up (_linked)
            self._drop_source()
        self.wake.set()

    async def drain(self, upto: int | None = None, seconds: float = 30.0) -> dict[str, Any]:
        """Wait until every batch the primary made durable (or up to ``upto``) is durable here."""
        deadline = time.monotonic() + seconds
        if upto is None:
            source = await self._source()
            upto = await source.refresh()
        while self.applied < upto:
            if time.monotonic() > deadline:
                raise errors.Unavailable(f"the secondary reached LSN {self.applied} of {upto} in {seconds:.0f}s")
            self.wake.set()
            await asyncio.sleep(0.005)
        return self.status()

    async def halt(self, quiet_ms: float = 200.0) -> dict[str, Any]:
        """Before a failover: stop fetching, let what was written here become durable, and
        hear the primary's stream out (until it is quiet for ``quiet_ms``), so that the
        status then says exactly which announced commits this side lacks."""
        self.link(False)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5.0):
                async with self._busy:
                    with contextlib.suppress(errors.AuroraError):
                        await self._wait_durable_all()
        deadline = time.monotonic() + 2.0
        while time.monotonic() - self.last_heard_at < quiet_ms / 1000 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.status()

    # --- status ---------------------------------------------------------------------------
    def _write_status(self) -> None:
        write_status(self.dir, self.status())

    async def _status_loop(self) -> None:
        tick = 0
        while True:
            await asyncio.sleep(0.25)
            tick += 1
            if tick % 4 == 0:
                self.history.append(round(self._second_max if self._second_max is not None
                                          else (self.last_lag_ms or 0.0), 1))
                self._second_max = None
            with contextlib.suppress(OSError):
                await write_status_soon(self.dir, self.status())

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._wait_durable_all(), 2.0)
        if self.broadcaster is not None:
            await self.broadcaster.stop()
        if self.target is not None:
            await self.target.close()
            self.target.pool.close()
        self._drop_source()
        clear_status(self.dir)


CONTROL = rpc.Registry([
    rpc.Operation("status", Replicator.status),
    rpc.Operation("source", Replicator.source),
    rpc.Operation("link", Replicator.link),
    rpc.Operation("drain", Replicator.drain),
    rpc.Operation("halt", Replicator.halt),
])
"""What aurorad may ask a replicator, on its control socket."""
Replicator.control = CONTROL


async def run(args: argparse.Namespace, kind: type[Replicator] = Replicator) -> int:
    r = kind(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await r.start()
    except (errors.AuroraError, OSError) as e:
        log.critical("cannot start: %s", e)
        r.state, r.error = "failed", str(e)
        with contextlib.suppress(OSError):
            r._write_status()
        with contextlib.suppress(Exception):
            await r.stop()
        return 1
    r._write_status()
    await stop.wait()
    await r.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m aurora.engine.globaldb.replicator",
                                description="Replicate a global database's primary volume into a secondary's.")
    p.add_argument("--dir", required=True, type=Path)
    p.add_argument("--cluster", required=True, help="the secondary cluster")
    p.add_argument("--region", required=True, help="the secondary's region")
    p.add_argument("--volume", required=True, help="the secondary's volume")
    p.add_argument("--source-region", required=True)
    p.add_argument("--source-volume", required=True)
    p.add_argument("--source-writer-socket", default="")
    p.add_argument("--rtt-ms", type=float, default=0.0)
    p.add_argument("--truncate-above", type=int, default=None)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    return asyncio_run(run(args))


if __name__ == "__main__":
    sys.exit(main())
