"""The backup process of a cluster: its volume's durable redo, streamed to the backup store.

One process per running cluster (``python -m aurora.engine.backup.streamer``), supervised by
aurorad. It is the global database's replication process with another target: the same
source side (the writer's commit stream says which batch is durable, its records are fetched
by LSN from a storage node; a catch-up asks a read quorum which records exist), and a
:class:`ChainSink` instead of a volume, which numbers batches as a volume does and writes them
to the volume's chain (``engine/backup/store.py``) as one redo segment every
``FLUSH_EVERY_S`` or ``FLUSH_BYTES``. A new chain starts with a base image of every page as of
the durable point; a new base image is written from the chain itself (the previous base and
the redo since) every ``BASE_EVERY_BYTES`` of redo, so a restore replays little.

The latest restorable time (``progress.json``) is the commit time of the newest batch in the
chain, or, when the writer is quiet, the time of the last look at the volume's durable point
that found nothing newer. A restarted backup process resumes at the chain's tip; one that
finds its volume's redo gone (collected while it was down) starts a new base image, and the
chain has a gap there.

Control socket operations (``engine/rpc.py``): status, checkpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from pathlib import Path
from typing import Any

from aurora.engine import errors, rpc
from aurora.engine.backup.store import BackupStore, Batch, Chain, Pages
from aurora.engine.globaldb.replicator import Diverged, Replicator
from aurora.engine.globaldb.replicator import run as run_replicator
from aurora.engine.layout import clear_status
from aurora.engine.loop import asyncio_run
from aurora.engine.storage import records as rec

log = logging.getLogger("aurora.backup")

FLUSH_EVERY_S = 0.5
"""Batches reach the store at least this often: the latest restorable time lags by about this."""
FLUSH_BYTES = 8 * 1024 * 1024
BASE_EVERY_BYTES = 64 * 1024 * 1024
"""Redo written since the newest base image after which a new one is made from the chain."""
PROGRESS_EVERY_S = 1.0
MERGE_EVERY_S = 30.0
"""Small redo segments are merged this often (Chain.merge_segments)."""


class ChainSink:
    """A backup chain as the replication loop's target: ``submit`` numbers a batch as a volume
    would (``next_lsn`` up), ``wait_durable`` waits until the segment holding it is written."""

    def __init__(self, chain: Chain, next_lsn: int) -> None:
        self.chain = chain
        self.next_lsn = next_lsn
        self.vdl = next_lsn - 1
        self.durable_listeners: list[Any] = []
        self._pending: list[Batch] = []
        self._futures: list[tuple[int, asyncio.Future, list[tuple[int, int]]]] = []
        self._bytes = 0
        self._lock = asyncio.Lock()
        self.written_bytes = 0  # redo bytes (uncompressed) since the newest base image
        self.newest_t = 0.0  # commit time of the newest batch written

    async def submit(self, first: int, cpl: int, writes: Pages, t: float) -> tuple[int, asyncio.Future]:
        """The batch ``first``..``cpl`` (its pages ``writes``: fewer than its LSNs when some
        of them are skipped records) joins the next redo segment."""
        if first != self.next_lsn:
            raise Diverged(f"batch {first}-{cpl} does not follow the chain's LSN {self.next_lsn - 1}")
        self.next_lsn = cpl + 1
        self._pending.append(Batch(first, cpl, t, dict(writes)))
        future = asyncio.get_running_loop().create_future()
        self._futures.append((cpl, future, list(writes)))
        self._bytes += sum(len(v) for v in writes.values())
        if self._bytes >= FLUSH_BYTES:
            await self.flush()
        return cpl, future

    async def wait_durable(self, cpl: int, future: asyncio.Future) -> None:
        await asyncio.shield(future)  # a waiter given up on does not cancel the batch's future

    async def flush(self) -> None:
        async with self._lock:
            if not self._pending:
                return
            batches, futures, size = self._pending, self._futures, self._bytes
            self._pending, self._futures, self._bytes = [], [], 0
            try:
                await asyncio.to_thread(self.chain.write_redo, batches)
            except OSError as e:  # a full disk: the batches stay to be written again
                self._pending[:0], self._futures[:0] = batches, futures
                self._bytes += size
                raise errors.Unavailable(f"cannot write to the backup store: {e.strerror or e}") from None
            self.vdl = batches[-1].cpl
            self.newest_t = batches[-1].t
            self.written_bytes += size
            for cpl, future, pages in futures:
                for listener in self.durable_listeners:
                    listener(cpl, pages)
                if not future.done():
                    future.set_result(None)

    async def close(self) -> None:
        await self.flush()


class Streamer(Replicator):
    """The replication loop (engine/globaldb/replicator.py) writing into a backup chain."""

    what = "backup process"
    merge = False  # a batch per commit: a point-in-time restore can stop at any of them
    fetch_from_end = True  # not the storage nodes a global secondary's replication reads

    def __init__(self, args: argparse.Namespace) -> None:
        args.source_region, args.source_volume = args.region, args.volume
        args.source_writer_socket, args.rtt_ms, args.truncate_above = args.writer_socket, 0.0, None
        super().__init__(args)
        self.store = BackupStore(Path(args.store))
        self.chain = self.store.chain(args.volume)
        self.confirmed_at = 0.0
        self.bases = 0

    @property
    def sink(self) -> ChainSink:
        assert isinstance(self.target, ChainSink)
        return self.target

    async def start(self) -> None:
        await asyncio.to_thread(self.chain.remove_leftovers)
        self._start_control()
        if not self.chain.bases():
            await self._new_base("the chain is new")
        tip = await asyncio.to_thread(self.chain.tip)
        self.target = ChainSink(self.chain, tip + 1)  # type: ignore[assignment]
        self.sink.durable_listeners.append(self._durable)
        self.applied = tip
        self.applied_t = time.time()
        self.state = "catching-up"
        self._tasks += [asyncio.create_task(self._listen()), asyncio.create_task(self._run()),
                        asyncio.create_task(self._status_loop()), asyncio.create_task(self._maintain())]
        log.info("backing up %s/%s into %s from LSN %d", self.args.region, self.args.volume, self.chain.dir, tip)

    async def _new_base(self, why: str) -> None:
        self.state = "base-image"
        self._write_status()
        writes, at = await self._base_image()
        # stamped with the moment the durable point was read: every commit durable by then is in it
        await asyncio.to_thread(self.chain.write_base, at, self.base_time, writes)
        await asyncio.to_thread(self.chain.write_progress, at, self.base_time)
        self.bases += 1
        log.info("base image of %d pages as of LSN %d (%s)", len(writes), at, why)

    # --- the replication loop's target ----------------------------------------------------------
    async def _apply_batch(self, first: int, cpl: int, times: list[float],
                           records: list[tuple[int, int, int, bytes]]) -> None:
        writes = {(file, page): body for _, file, page, body in records if page != rec.SKIP_PAGE}
        self._times[cpl] = times
        _, durable = await self.sink.submit(first, cpl, writes, times[-1])
        self._inflight.append((cpl, durable))


    def confirmed(self, asked: float) -> None:
        """Nothing newer than the chain was durable when the volume was asked at ``asked``."""
        self.confirmed_at = max(self.confirmed_at, asked)

    async def _step(self) -> None:
        try:
            await super()._step()
        except Diverged as e:
            # the volume's redo at the chain's tip is gone (collected while this process was
            # down): start again from a new base image; the chain has a gap up to it
            log.warning("%s: starting a new base image", e)
            await self.sink.flush()
            await self._new_base(str(e))
            tip = await asyncio.to_thread(self.chain.tip)
            self.sink.next_lsn, self.sink.vdl = tip + 1, tip
            self.applied = tip
            self.frames.clear()

    # --- upkeep -------------------------------------------------------------------------------
    async def _maintain(self) -> None:
        """Flush on time, record the latest restorable point, make a new base image now and then."""
        last_progress = 0.0
        last_merge = 0.0  # at once after a start too: a cluster restarted often still gets merged
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            try:
                await self.sink.flush()
                if time.monotonic() - last_progress >= PROGRESS_EVERY_S:
                    await asyncio.to_thread(self.chain.write_progress, self.sink.vdl, self.latest_restorable())
                    last_progress = time.monotonic()
                if self.sink.written_bytes >= BASE_EVERY_BYTES:
                    async with self._busy:
                        await self.sink.flush()
                        at, t = self.sink.vdl, self.sink.newest_t  # the commit time of the batch at ``at``
                        pages = await asyncio.to_thread(self.chain.materialize, at)
                        await asyncio.to_thread(self.chain.write_base, at, t, pages)
                    self.sink.written_bytes = 0
                    self.bases += 1
                if time.monotonic() - last_merge >= MERGE_EVERY_S:
                    last_merge = time.monotonic()
                    await asyncio.to_thread(self.chain.merge_segments)
            except (errors.AuroraError, OSError) as e:
                self.error = str(e)
                log.warning("backup upkeep: %s", e)

    def latest_restorable(self) -> float:
        return max(self.sink.newest_t, self.confirmed_at) if self.target is not None else 0.0

    # --- control ------------------------------------------------------------------------------
    async def checkpoint(self, seconds: float = 30.0) -> dict[str, Any]:
        """Wait until everything durable on the volume now is in the chain: the point a
        snapshot records (its LSN, and the time it was taken)."""
        asked = time.time()
        source = await self._source()
        upto = await source.refresh()
        deadline = time.monotonic() + seconds
        while self.applied < upto:
            if time.monotonic() > deadline:
                raise errors.Unavailable(f"the backup reached LSN {self.applied} of {upto} in {seconds:.0f}s")
            self.wake.set()
            await self.sink.flush()  # what was applied is written now, not at the next flush
            await asyncio.sleep(0.01)
        await self.sink.flush()
        await asyncio.to_thread(self.chain.write_progress, self.sink.vdl, max(asked, self.latest_restorable()))
        return {"lsn": upto, "time": asked}

    def status(self) -> dict[str, Any]:
        st = super().status()
        st.update(store=str(self.store.root), latest_restorable=self.latest_restorable() or None,
                  base_images=self.bases)
        return st

    async def stop(self) -> None:
        for t in self._tasks:
            t.cancel()
        if self.target is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.sink.flush(), 5.0)
                await asyncio.to_thread(self.chain.write_progress, self.sink.vdl, self.latest_restorable())
        self._drop_source()
        clear_status(self.dir)


CONTROL = rpc.Registry([
    rpc.Operation("status", Streamer.status),
    rpc.Operation("checkpoint", Streamer.checkpoint),
])
"""What aurorad may ask a backup process, on its control socket."""
Streamer.control = CONTROL


async def run(args: argparse.Namespace) -> int:
    return await run_replicator(args, Streamer)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m aurora.engine.backup.streamer",
                                description="Stream a cluster volume's durable redo to the backup store.")
    p.add_argument("--dir", required=True, type=Path)
    p.add_argument("--cluster", required=True)
    p.add_argument("--region", required=True)
    p.add_argument("--volume", required=True)
    p.add_argument("--writer-socket", default="", help="the writer's commit stream")
    p.add_argument("--store", required=True, help="the backup store's folder")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    return asyncio_run(run(args))


if __name__ == "__main__":
    sys.exit(main())

