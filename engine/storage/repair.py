"""Replacing a lost storage node: a new node in the same AZ takes over its segments.

The new node is started empty and added to the fleet; in every protection group the lost
node belonged to, it takes the lost node's place in the membership (in the volume's catalog
file, under its lock, which the volume's writer reloads within a quarter of a second), and
its segments are created with the protection group's base, parent and members. The new node
then copies each segment from its peers by gossip, while writes go on: they already count
the new node among the six, and the other five hold every durable record.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from aurora.engine.errors import NotFound, StorageError
from aurora.engine.storage import wire
from aurora.engine.storage.catalog import Catalog, VolumeMeta
from aurora.engine.storage.fleet import Fleet

log = logging.getLogger("aurora.storage.repair")


@dataclass
class Replacement:
    old: str
    new: str
    az: str
    protection_groups: int

    def as_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "az": self.az, "protection_groups": self.protection_groups}


def replace_node(fleet: Fleet, old_id: str) -> Replacement:
    catalog = Catalog(fleet.layout, fleet.region)
    nodes = catalog.fleet_nodes()
    old = nodes.get(old_id)
    if old is None:
        raise NotFound(f"storage node {old_id} is not in the fleet of {fleet.region}")
    new = fleet.add_node(old.az)
    nodes = catalog.fleet_nodes()
    moved = 0
    # Parents before clones: a clone's segment pins its parent's segment on the same node.
    for meta in sorted(catalog.volumes(), key=lambda m: m.created):
        if not any(old_id in pg.members for pg in meta.pgs.values()):
            continue

        def swap(m: VolumeMeta) -> None:
            for pg in m.pgs.values():
                pg.members = [new.id if n == old_id else n for n in pg.members]

        meta = catalog.update_volume(meta.id, swap)
        for pg in meta.pgs.values():
            if new.id not in pg.members:
                continue
            moved += 1
            members = [nodes[n].as_member() for n in pg.members if n in nodes]
            segment = {"volume": meta.id, "file": pg.file, "pg": pg.pg, "base_lsn": pg.base_lsn,
                       "epoch": 0, "members": members,
                       "parent": list(meta.parent) if meta.parent else None}
            for node_id in pg.members:
                node = nodes[node_id]
                # The new node gets the segment; the others learn the new membership (gossip).
                with contextlib.suppress(OSError, StorageError):
                    wire.request_sync(node.socket, wire.CREATE_SEGMENT, {"segment": segment}, timeout=2.0)
    catalog.save_fleet([n for n in nodes.values() if n.id != old_id])
    with contextlib.suppress(OSError):
        fleet.stop_node(old_id)
    # Kept aside, not deleted: if this replacement was a mistake, the data is still there.
    old_dir = fleet.layout.node_dir(fleet.region, old_id)
    if old_dir.exists():
        old_dir.rename(old_dir.with_name(f".replaced-{old_id}-{int(time.time())}"))
    log.info("storage node %s replaced by %s in AZ %s (%d protection groups)", old_id, new.id, old.az, moved)
    return Replacement(old_id, new.id, old.az, moved)


def copies_current(fleet: Fleet, node_id: str) -> tuple[int, int]:
    """(segments of ``node_id`` that caught up with their peers, segments it holds)."""
    answers = fleet.node_status(timeout=1.0)
    mine = answers.get(node_id)
    if mine is None:
        return 0, 0
    best: dict[tuple[int, int, int], int] = {}
    for other, reply in answers.items():
        for seg in (reply or {}).get("segments", []) if other != node_id else []:
            key = (seg["volume"], seg["file"], seg["pg"])
            best[key] = max(best.get(key, 0), seg["scl"])
    done = sum(1 for seg in mine["segments"]
               if seg["scl"] >= best.get((seg["volume"], seg["file"], seg["pg"]), 0))
    return done, len(mine["segments"])


def safe_to_replace(fleet: Fleet, node_id: str, up: set[str]) -> bool:
    """Replace only a node whose every protection group keeps 4 live copies without it:
    the new node copies from them, and nothing is lost if the old one was the last holder."""
    catalog = Catalog(fleet.layout, fleet.region)
    for meta in catalog.volumes():
        for pg in meta.pgs.values():
            if node_id in pg.members and sum(1 for n in pg.members if n != node_id and n in up) < 4:
                return False
    return True
