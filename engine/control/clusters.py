"""Cluster metadata: instances, roles, AZs, endpoint ports, credentials (TOML per cluster).

Only the control plane writes these files; the CLI and the dashboard read through it.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
import tomllib
from dataclasses import asdict, dataclass, field
from typing import Any

from aurora.engine.errors import ClusterDamaged, Conflict, NotFound, UsageError
from aurora.engine.layout import Layout, read_toml, write_toml

log = logging.getLogger("aurorad")


NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
MAX_REPLICAS = 15
ENGINES = ("postgres", "mysql")
# What a cluster gets when create does not say: Aurora's defaults (MySQL has no initial database).
DEFAULT_USERNAME = {"postgres": "postgres", "mysql": "admin"}
DEFAULT_DATABASE = {"postgres": "postgres", "mysql": ""}


def check_name(name: str, what: str = "cluster") -> None:
    if not NAME_RE.match(name) or name.endswith("-") or "--" in name:
        raise UsageError(
            f"invalid {what} name {name!r}",
            hint="use 1-63 lowercase letters, digits and hyphens, starting with a letter",
        )


@dataclass
class InstanceSpec:
    id: str
    role: str  # "writer" or "reader"
    az: str
    port: int
    promotion_tier: int = 1
    stopped: bool = False
    paused: bool = False  # a serverless instance paused for want of connections (no process)


@dataclass
class ServerlessSpec:
    """Serverless v2 capacity range of every instance of a cluster (engine/control/serverless.py)."""

    min_acu: float
    max_acu: float
    seconds_until_auto_pause: int = 300  # applies when min_acu is 0


@dataclass
class CustomEndpoint:
    name: str
    port: int
    members: list[str]


@dataclass
class ClusterSpec:
    name: str
    engine: str
    region: str
    volume: str
    writer_port: int
    reader_port: int
    master_username: str
    database_name: str
    instances: list[InstanceSpec] = field(default_factory=list)
    custom_endpoints: list[CustomEndpoint] = field(default_factory=list)
    stopped: bool = False
    created: float = field(default_factory=time.time)
    parent: str | None = None  # the cluster this one was cloned from
    next_instance: int = 1
    global_name: str | None = None  # the global database it belongs to
    global_role: str | None = None  # primary or secondary (a secondary has no writer)
    serverless: ServerlessSpec | None = None  # None: provisioned instances
    backup_retention_days: int = 1  # continuous backups kept this long (1-35)
    backtrack_window: int = 0  # seconds a backtrack may rewind (0: backtrack off)
    backup_dir: str | None = None  # its backup store, when not the home's
    activated: float = 0.0  # when its current volume became its own (creation, restore, backtrack)

    def instance(self, instance_id: str) -> InstanceSpec:
        for inst in self.instances:
            if inst.id == instance_id:
                return inst
        raise NotFound(f"instance {instance_id!r} not found in cluster {self.name!r}",
                       hint=f"aurora describe {self.name}")

    @property
    def writer(self) -> InstanceSpec | None:
        return next((i for i in self.instances if i.role == "writer"), None)

    @property
    def secondary(self) -> bool:
        """A global database's secondary: read-only, fed by a replication process."""
        return self.global_role == "secondary"

    @property
    def readers(self) -> list[InstanceSpec]:
        return [i for i in self.instances if i.role == "reader"]

    def new_instance_id(self) -> str:
        n = self.next_instance
        self.next_instance += 1
        return f"{self.name}-instance-{n}"

    def to_toml(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_toml(cls, d: dict[str, Any]) -> ClusterSpec:
        d = dict(d)
        # replication_port: written by older versions, unused since commits stream on a Unix socket
        d["instances"] = [InstanceSpec(**{k: v for k, v in i.items() if k != "replication_port"})
                          for i in d.get("instances", [])]
        d["custom_endpoints"] = [CustomEndpoint(**e) for e in d.get("custom_endpoints", [])]
        if d.get("serverless") is not None:
            d["serverless"] = ServerlessSpec(**d["serverless"])
        return cls(**d)


class ClusterStore:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def exists(self, name: str) -> bool:
        return self.layout.cluster_file(name).exists()

    def load(self, name: str) -> ClusterSpec:
        path = self.layout.cluster_file(name)
        if not path.exists():
            raise NotFound(f"cluster {name!r} not found", hint="aurora list")
        try:
            return ClusterSpec.from_toml(read_toml(path))
        except (tomllib.TOMLDecodeError, TypeError, KeyError, ValueError) as e:
            raise ClusterDamaged(f"the metadata of cluster {name!r} is damaged ({path}: {e})",
                                 hint=f"aurora delete {name} --yes removes what is left of it") from None

    def save(self, spec: ClusterSpec) -> None:
        write_toml(self.layout.cluster_file(spec.name), spec.to_toml())

    def names(self) -> list[str]:
        if not self.layout.clusters_dir.exists():
            return []
        return sorted(p.parent.name for p in self.layout.clusters_dir.glob("*/cluster.toml"))

    def all(self) -> list[ClusterSpec]:
        """Every cluster whose metadata loads; a damaged one is left out (and logged), so that
        it cannot stop supervision or listing of the others."""
        out = []
        for n in self.names():
            try:
                out.append(self.load(n))
            except ClusterDamaged as e:
                log.warning("%s", e)
        return out

    def claim(self, name: str) -> None:
        """Reserve ``name`` (its folder) so that two creates of one name cannot both win."""
        check_name(name)
        self.layout.clusters_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.layout.cluster_dir(name).mkdir(mode=0o700)
        except FileExistsError:
            raise Conflict(f"cluster {name!r} already exists",
                           hint=f"aurora describe {name}, or choose another name") from None

    # --- credentials ----------------------------------------------------------------------
    def set_password(self, name: str, password: str | None) -> str:
        password = password or secrets.token_urlsafe(18)
        path = self.layout.password_file(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password + "\n")
        return password

    def password(self, name: str) -> str:
        try:
            return self.layout.password_file(name).read_text().strip()
        except FileNotFoundError:
            raise NotFound(f"no password stored for cluster {name!r}") from None
