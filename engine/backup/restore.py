"""From the backup store back to a volume or a file: restores and exports.

A restore writes the pages a chain rebuilt (``Chain.materialize``) into a new volume of a
region's fleet, through its quorum like any commit (several batches in flight), and names it.
An export writes one database's pages as a plain SQLite database file, which ``sqlite3`` opens
as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from aurora.engine import errors
from aurora.engine.backup.store import BackupStore, Pages
from aurora.engine.instance.databases import REGISTRY_FILE
from aurora.engine.loop import asyncio_run
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet

BATCH_PAGES = 1024  # 4 MiB batches: the volume's flow control keeps several in flight


def restore_volume(fleet: Fleet, pages: Pages, base_to: BackupStore | None = None) -> tuple[str, int]:
    """A new volume in the fleet holding exactly ``pages``; its name and durable LSN.

    With ``base_to``, the new volume's first base image (the same pages, as of that LSN) is
    written into that backup store while the pages travel to the storage nodes (a thread
    compresses it meanwhile). When this returns both are durable; when it raises, neither is
    left behind: the volume is dropped and its base image removed."""
    from aurora.engine.storage.volume import Volume  # the volume client, only for restores

    catalog = Catalog(fleet.layout, fleet.region)
    meta = catalog.new_volume()
    chain = base_to.chain(meta.name) if base_to is not None else None

    async def write() -> int:
        vol = Volume(catalog, meta, bulk=True)
        base: asyncio.Future | None = None
        try:
            await vol.open_writer()
            keys = sorted(pages)
            # every protection group at once (one catalog change), not one per batch that needs one
            await vol.add_protection_groups({(f, p // meta.pages_per_pg) for f, p in keys})
            pending = []
            for at in range(0, len(keys), BATCH_PAGES):
                chunk = {k: pages[k] for k in keys[at:at + BATCH_PAGES]}
                pending.append(await vol.submit(chunk))
            # The LSNs are numbered: the volume's durable point will be the last batch's CPL.
            lsn = pending[-1][0] if pending else vol.vdl
            if chain is not None:
                base = asyncio.get_running_loop().run_in_executor(None, chain.write_base, lsn, time.time(), pages)
            for cpl, durable in pending:
                await vol.wait_durable(cpl, durable)
            if vol.vdl != lsn:
                raise errors.StorageError(f"the restored volume {meta.name} is durable to {vol.vdl}, not {lsn}")
            await vol.announce_durable()
            if base is not None:
                await base
            return lsn
        finally:
            if base is not None and not base.done():
                # a failed restore removes the base image: let the thread finish writing it first
                with contextlib.suppress(BaseException):
                    await base
            with contextlib.suppress(Exception):
                await vol.close()
            vol.pool.close()

    try:
        vdl = asyncio_run(write())
    except BaseException:
        from aurora.engine.storage.admin import drop_volume

        with contextlib.suppress(Exception):
            drop_volume(fleet, meta.name)
        if chain is not None:
            shutil.rmtree(chain.dir, ignore_errors=True)
        raise
    return meta.name, vdl


def database_files(pages: Pages, page_size: int) -> dict[str, int]:
    """The registry in file 0 of the volume: database name → file number."""
    registry = _file_bytes(pages, REGISTRY_FILE, page_size)
    if not registry:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "registry.db"
        path.write_bytes(registry)
        conn = sqlite3.connect(path)
        try:
            return {name: file for name, file in conn.execute("SELECT name, file FROM databases")}
        except sqlite3.DatabaseError as e:
            raise errors.ClusterDamaged(f"the volume's database registry cannot be read: {e}") from None
        finally:
            conn.close()


def export_database(pages: Pages, database: str, to: Path, page_size: int) -> int:
    """Write ``database`` as a SQLite database file at ``to`` (atomically); its size in bytes."""
    files = database_files(pages, page_size)
    if database not in files:
        raise errors.NotFound(f"the snapshot has no database {database!r}",
                              hint=f"its databases: {', '.join(sorted(files)) or 'none'}")
    data = _file_bytes(pages, files[database], page_size)
    tmp = to.with_name(f".{to.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, to)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise errors.UsageError(f"cannot write {to}: {e.strerror or e}") from None
    return len(data)


def _file_bytes(pages: Pages, file: int, page_size: int) -> bytes:
    numbers = sorted(p for f, p in pages if f == file)
    if not numbers:
        return b""
    out = bytearray(page_size * (numbers[-1] + 1))
    for p in numbers:
        image = pages[(file, p)]
        out[p * page_size:p * page_size + len(image)] = image
    first = bytes(out[:100])
    if first[:16] == b"SQLite format 3\x00":
        count = int.from_bytes(first[28:32], "big")  # the database's size in pages, from its header
        if count:
            del out[count * page_size:]
    return bytes(out)

