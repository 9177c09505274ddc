"""From the backup store back to a volume or a file: restores and exports.

A restore writes the pages a chain rebuilt (``Chain.materialize``) into a new volume of a
region's fleet, through its quorum like any commit (several batches in flight), and names it.
An export writes one database's pages as a plain SQLite database file, which ``sqlite3`` opens
as it is.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

from aurora.engine import errors
from aurora.engine.backup.store import Pages
from aurora.engine.instance.databases import REGISTRY_FILE
from aurora.engine.loop import asyncio_run
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet

BATCH_PAGES = 1024  # 4 MiB batches: the volume's flow control keeps several in flight


def restore_volume(fleet: Fleet, pages: Pages) -> tuple[str, int]:
    """A new volume in the fleet holding exactly ``pages``; its name and durable LSN."""
    from aurora.engine.storage.volume import Volume  # the volume client, only for restores

    catalog = Catalog(fleet.layout, fleet.region)
    meta = catalog.new_volume()

    async def write() -> int:
        vol = Volume(catalog, meta)
        try:
            await vol.open_writer()
            keys = sorted(pages)
            pending = []
            for at in range(0, len(keys), BATCH_PAGES):
                chunk = {k: pages[k] for k in keys[at:at + BATCH_PAGES]}
                pending.append(await vol.submit(chunk))
            for cpl, durable in pending:
                await vol.wait_durable(cpl, durable)
            return vol.vdl
        finally:
            with contextlib.suppress(Exception):
                await vol.close()
            vol.pool.close()

    try:
        vdl = asyncio_run(write())
    except BaseException:
        from aurora.engine.storage.admin import drop_volume

        with contextlib.suppress(Exception):
            drop_volume(fleet, meta.name)
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

