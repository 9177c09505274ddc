"""Global database metadata: ``globals/<name>.toml`` per global database, and the simulated
round trip between each pair of regions (``regions/links.toml``). Only aurorad writes them."""

from __future__ import annotations

import time
import tomllib
from dataclasses import asdict, dataclass, field
from typing import Any

from aurora.engine.errors import ClusterDamaged, NotFound
from aurora.engine.layout import Layout, read_toml, write_toml

MAX_SECONDARIES = 5
MAX_SECONDARY_READERS = 16


@dataclass
class Member:
    cluster: str
    region: str
    role: str  # "primary" or "secondary"
    # After a failover that lost data: the LSN above which this old primary's volume is cut
    # when it comes back, before it replicates from the new primary (-1: nothing to cut).
    rejoin_cut: int = -1


@dataclass
class GlobalSpec:
    name: str
    writer_port: int
    members: list[Member] = field(default_factory=list)
    status: str = "available"
    created: float = field(default_factory=time.time)
    last_promotion: dict[str, Any] = field(default_factory=dict)

    @property
    def primary(self) -> Member:
        return next(m for m in self.members if m.role == "primary")

    @property
    def secondaries(self) -> list[Member]:
        return [m for m in self.members if m.role == "secondary"]

    def member(self, region: str) -> Member:
        for m in self.members:
            if m.region == region:
                return m
        raise NotFound(f"global database {self.name} has no member in region {region}",
                       hint=f"aurora global describe {self.name}")

    def to_toml(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_toml(cls, d: dict[str, Any]) -> GlobalSpec:
        d = dict(d)
        d["members"] = [Member(**m) for m in d.get("members", [])]
        return cls(**d)


class GlobalStore:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def exists(self, name: str) -> bool:
        return self.layout.global_file(name).exists()

    def load(self, name: str) -> GlobalSpec:
        path = self.layout.global_file(name)
        if not path.exists():
            raise NotFound(f"global database {name!r} not found", hint="aurora global list")
        try:
            return GlobalSpec.from_toml(read_toml(path))
        except (tomllib.TOMLDecodeError, TypeError, KeyError, ValueError) as e:
            raise ClusterDamaged(f"the metadata of global database {name!r} is damaged ({path}: {e})") from None

    def save(self, spec: GlobalSpec) -> None:
        write_toml(self.layout.global_file(spec.name), spec.to_toml())

    def delete(self, name: str) -> None:
        self.layout.global_file(name).unlink(missing_ok=True)

    def all(self) -> list[GlobalSpec]:
        folder = self.layout.globals_dir
        out = []
        for p in sorted(folder.glob("*.toml")) if folder.exists() else []:
            try:
                out.append(self.load(p.stem))
            except ClusterDamaged:
                continue
        return out

    # --- inter-region round trips -----------------------------------------------------------
    def _links_file(self) -> Any:
        return self.layout.regions_dir / "links.toml"

    def rtt(self, a: str, b: str) -> float:
        path = self._links_file()
        if a == b or not path.exists():
            return 0.0
        return float(read_toml(path).get(_pair(a, b), 0.0))

    def set_rtt(self, a: str, b: str, ms: float) -> None:
        path = self._links_file()
        links = read_toml(path) if path.exists() else {}
        links[_pair(a, b)] = float(ms)
        write_toml(path, links)


def _pair(a: str, b: str) -> str:
    return "|".join(sorted((a, b)))
