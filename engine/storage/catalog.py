"""Metadata of storage fleets and volumes, kept as TOML files under AURORA_HOME.

This plays the part of Aurora's metadata service: which storage nodes a region has, which
protection groups a volume has and which six nodes hold each. Data never goes here; the
writer of a volume updates its file when the volume grows by a protection group.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aurora.engine.errors import VolumeNotFound
from aurora.engine.layout import Layout, file_lock, read_toml, write_toml
from aurora.engine.storage.quorum import PgId

DEFAULT_PAGE_SIZE = 4096
DEFAULT_PG_BYTES = 8 * 1024 * 1024


def volume_name(volume_id: int) -> str:
    return f"vol-{volume_id:016x}"


def parse_volume_name(name: str) -> int:
    return int(name.removeprefix("vol-"), 16)


@dataclass(frozen=True)
class NodeAddr:
    id: str
    az: str
    socket: str  # the node's Unix socket, from the layout (never stored: the home may move)

    def as_member(self) -> dict[str, Any]:
        """The node as a segment's members list names it: peers find its socket by id."""
        return {"id": self.id, "az": self.az}


@dataclass
class PgMeta:
    file: int
    pg: int
    base_lsn: int
    members: list[str]  # node ids, two per AZ

    @property
    def id(self) -> PgId:
        return (self.file, self.pg)


@dataclass
class VolumeMeta:
    id: int
    region: str
    page_size: int = DEFAULT_PAGE_SIZE
    pages_per_pg: int = DEFAULT_PG_BYTES // DEFAULT_PAGE_SIZE
    base_lsn: int = 0
    epoch: int = 0
    parent: tuple[int, int] | None = None  # (volume id, LSN) for a clone
    created: float = field(default_factory=time.time)
    pgs: dict[PgId, PgMeta] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return volume_name(self.id)

    def to_toml(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.name, "region": self.region, "page_size": self.page_size,
            "pages_per_pg": self.pages_per_pg, "base_lsn": self.base_lsn, "epoch": self.epoch,
            "created": self.created,
            "pgs": [{"file": p.file, "pg": p.pg, "base_lsn": p.base_lsn, "members": p.members}
                    for p in sorted(self.pgs.values(), key=lambda p: p.id)],
        }
        if self.parent:
            data["parent"] = {"volume": volume_name(self.parent[0]), "lsn": self.parent[1]}
        return data

    @classmethod
    def from_toml(cls, d: dict[str, Any]) -> VolumeMeta:
        pgs = [PgMeta(p["file"], p["pg"], p["base_lsn"], list(p["members"])) for p in d.get("pgs", [])]
        parent = d.get("parent")
        return cls(
            id=parse_volume_name(d["id"]), region=d["region"], page_size=d["page_size"],
            pages_per_pg=d["pages_per_pg"], base_lsn=d["base_lsn"], epoch=d["epoch"],
            parent=(parse_volume_name(parent["volume"]), parent["lsn"]) if parent else None,
            created=d["created"], pgs={p.id: p for p in pgs},
        )


class Catalog:
    """Fleet and volume metadata of one region."""

    def __init__(self, layout: Layout, region: str) -> None:
        self.layout = layout
        self.region = region

    # --- fleet ----------------------------------------------------------------------------
    def fleet_nodes(self) -> dict[str, NodeAddr]:
        path = self.layout.fleet_file(self.region)
        if not path.exists():
            return {}
        # A fleet file of an older version also holds a TCP host and port: no longer used.
        return {
            n["id"]: NodeAddr(n["id"], n["az"], str(self.layout.node_socket(self.region, n["id"])))
            for n in read_toml(path).get("nodes", [])
        }

    def save_fleet(self, nodes: list[NodeAddr]) -> None:
        write_toml(self.layout.fleet_file(self.region), {
            "region": self.region,
            "nodes": [n.as_member() for n in sorted(nodes, key=lambda n: n.id)],
        })

    # --- volumes --------------------------------------------------------------------------
    def new_volume(self, page_size: int = DEFAULT_PAGE_SIZE, pg_bytes: int = DEFAULT_PG_BYTES) -> VolumeMeta:
        if pg_bytes % page_size:
            raise ValueError("the protection group size must be a multiple of the page size")
        meta = VolumeMeta(id=secrets.randbits(63), region=self.region, page_size=page_size,
                          pages_per_pg=pg_bytes // page_size)
        self.save_volume(meta)
        return meta

    def load_volume(self, volume_id: int) -> VolumeMeta:
        path = self.layout.volume_file(self.region, volume_name(volume_id))
        if not path.exists():
            raise VolumeNotFound(f"volume {volume_name(volume_id)} not found in region {self.region}")
        return VolumeMeta.from_toml(read_toml(path))

    def save_volume(self, meta: VolumeMeta) -> None:
        write_toml(self.layout.volume_file(self.region, meta.name), meta.to_toml())

    def update_volume(self, volume_id: int, change: Callable[[VolumeMeta], None]) -> VolumeMeta:
        """Load, change and save a volume's metadata under its lock; return the result."""
        # the writer grows the volume while aurorad may replace a node in its protection groups
        with file_lock(self.layout.volume_file(self.region, volume_name(volume_id)).with_suffix(".lock")):
            meta = self.load_volume(volume_id)
            change(meta)
            self.save_volume(meta)
            return meta

    def delete_volume(self, volume_id: int) -> None:
        path = self.layout.volume_file(self.region, volume_name(volume_id))
        path.unlink(missing_ok=True)
        path.with_suffix(".lock").unlink(missing_ok=True)

    def volumes(self) -> list[VolumeMeta]:
        folder = self.layout.volumes_dir(self.region)
        return [VolumeMeta.from_toml(read_toml(p)) for p in sorted(folder.glob("vol-*.toml"))]
