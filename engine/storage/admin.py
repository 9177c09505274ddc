"""Storage administration for the control plane: what aurorad asks of a region's storage.

Drop a volume's segments, clone a volume, report a volume's size and the health of every
protection group, change a node's fault settings, damage records on purpose (chaos). These
functions speak the storage wire protocol and read the record format so that the control
plane never has to; each takes the region's :class:`Fleet` and names volumes as the
clusters' metadata does (``vol-…``).
"""

from __future__ import annotations

import contextlib
import random
from pathlib import Path
from typing import Any

from aurora.engine import errors
from aurora.engine.layout import Layout
from aurora.engine.loop import asyncio_run
from aurora.engine.storage import records, wire
from aurora.engine.storage.catalog import Catalog, parse_volume_name
from aurora.engine.storage.fleet import Fleet
from aurora.engine.storage.quorum import WRITE_QUORUM


def new_volume(fleet: Fleet) -> str:
    """A new, empty volume in the region's fleet; its name."""
    return Catalog(fleet.layout, fleet.region).new_volume().name


def drop_volume(fleet: Fleet, volume: str) -> None:
    """Drop the volume's segments on every member node that answers, then its metadata."""
    catalog = Catalog(fleet.layout, fleet.region)
    try:
        meta = catalog.load_volume(parse_volume_name(volume))
    except errors.NotFound:
        return
    nodes = catalog.fleet_nodes()
    for pg in meta.pgs.values():
        for node_id in pg.members:
            node = nodes.get(node_id)
            if node is None:
                continue
            with contextlib.suppress(OSError, errors.StorageError):
                wire.request_sync(node.socket, wire.DROP_SEGMENT,
                                  {"volume": meta.id, "file": pg.file, "pg": pg.pg, "volume_deleted": True},
                                  timeout=2.0)
    catalog.delete_volume(meta.id)


def clone_volume(fleet: Fleet, volume: str) -> str:
    """A copy-on-write clone of ``volume`` at its durable point (constant time); its name."""
    from aurora.engine.storage.volume import Volume  # the volume client: only clones need it here,
    # and aurorad, which imports this module, should not pay for it at start-up

    catalog = Catalog(fleet.layout, fleet.region)
    meta = catalog.load_volume(parse_volume_name(volume))

    async def clone() -> str:
        vol = Volume(catalog, meta)
        try:
            await vol.open_reader()
            return (await vol.clone()).name
        finally:
            vol.pool.close()

    return asyncio_run(clone())


def volume_size(fleet: Fleet, volume: str) -> dict[str, Any]:
    """``size_bytes`` and ``protection_groups`` of a volume, from its nodes; {} if it is gone."""
    catalog = Catalog(fleet.layout, fleet.region)
    try:
        meta = catalog.load_volume(parse_volume_name(volume))
    except errors.NotFound:
        return {}
    pages: dict[tuple[int, int], int] = {}
    for status in fleet.node_status().values():
        for seg in (status or {}).get("segments", []):
            if seg["volume"] == meta.id:
                key = (seg["file"], seg["pg"])
                pages[key] = max(pages.get(key, 0), seg["pages"])
    return {"size_bytes": sum(pages.values()) * meta.page_size, "protection_groups": len(meta.pgs)}


def fleet_health(fleet: Fleet, clusters: dict[str, str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The region's nodes (status, segments, bytes) and per volume the current copies of each
    protection group; ``clusters`` names the cluster of each volume."""
    answers = fleet.node_status()
    nodes = []
    segments: dict[tuple[int, int, int], list[tuple[str, int]]] = {}
    for st in fleet.status():
        info: dict[str, Any] = {**st.as_dict(), "segments": 0, "bytes": 0}
        reply = answers.get(st.id)
        if st.up and reply is None:
            info["status"] = "unresponsive"
        elif reply is not None:
            info["segments"] = len(reply["segments"])
            info["bytes"] = reply["disk_bytes"]
            for seg in reply["segments"]:
                segments.setdefault((seg["volume"], seg["file"], seg["pg"]), []).append((st.id, seg["scl"]))
        nodes.append(info)
    volumes = []
    for meta in Catalog(fleet.layout, fleet.region).volumes():
        pgs = []
        for pg in sorted(meta.pgs.values(), key=lambda p: p.id):
            copies = segments.get((meta.id, pg.file, pg.pg), [])
            best = max((scl for _, scl in copies), default=0)
            current = sum(1 for node_id, scl in copies if scl >= best and node_id in pg.members)
            pgs.append({"file": pg.file, "pg": pg.pg, "members": pg.members, "current_copies": current,
                        "write_quorum": current >= WRITE_QUORUM})
        volumes.append({"id": meta.name, "cluster": clusters.get(meta.name), "protection_groups": pgs})
    return nodes, volumes


def node_control(fleet: Fleet, node: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Change a node's fault settings (``latency_ms``, ``partition``); its answer."""
    addr = fleet.nodes()[node]
    try:
        reply, _ = wire.request_sync(addr.socket, wire.CONTROL, settings, timeout=2.0)
    except (OSError, errors.StorageError) as e:
        raise errors.Unavailable(f"storage node {node} did not answer: {e}") from None
    return reply


def corrupt_records(fleet: Fleet, node: str, count: int) -> list[int]:
    """Flip a byte in the bodies of ``count`` random records of a node's log, on disk; the
    LSNs of the records damaged."""
    spots: list[tuple[Path, int, int]] = []
    for chunk in sorted(Layout.node_log_dir(fleet.layout.node_dir(fleet.region, node)).glob("*.log")):
        data = chunk.read_bytes()
        offset = 0
        while offset + records.HEADER_SIZE <= len(data):
            try:
                h = records.decode_header(data, offset)
            except records.RecordError:
                break
            spots.append((chunk, offset + records.HEADER_SIZE + h.body_len // 2, h.lsn))
            offset += h.size
    chosen = random.sample(spots, min(count, len(spots)))
    for chunk, at, _lsn in chosen:
        with open(chunk, "r+b") as f:
            f.seek(at)
            byte = f.read(1)
            f.seek(at)
            f.write(bytes([byte[0] ^ 0xFF]))
    return sorted(lsn for _, _, lsn in chosen)

