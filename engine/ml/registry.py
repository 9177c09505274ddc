"""What the ML service serves, on disk under ``AURORA_HOME/ml``: endpoints and cluster roles.

- ``endpoints/NAME.toml``: one model endpoint (its kind, the model file or handler, when it
  was created). A model file is copied to ``models/`` at creation, as SageMaker deploys a
  model artifact: changing or deleting the original afterwards does not change the endpoint.
- ``roles.toml``: which clusters may call which service (``comprehend``, ``sagemaker``), the
  analog of the IAM roles AWS associates with a cluster per feature.

aurorad writes these files (``aurora ml ...``); the ML service reads them on each call, from
a copy it refreshes when a file's modification time moves.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aurora.engine.layout import Layout, file_lock, read_toml, write_toml
from aurora.engine.ml.errors import MlError

FEATURES = ("comprehend", "sagemaker")
KINDS = ("sklearn", "onnx", "handler")
NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")  # SageMaker's endpoint names


def endpoints_dir(layout: Layout) -> Path:
    return layout.ml_dir / "endpoints"


def models_dir(layout: Layout) -> Path:
    return layout.ml_dir / "models"


def endpoint_file(layout: Layout, name: str) -> Path:
    return endpoints_dir(layout) / f"{name}.toml"


def roles_file(layout: Layout) -> Path:
    return layout.ml_dir / "roles.toml"


def load_endpoint(layout: Layout, name: str) -> dict[str, Any] | None:
    if not NAME_RE.match(name):
        return None
    try:
        return read_toml(endpoint_file(layout, name))
    except (FileNotFoundError, ValueError):
        return None


def save_endpoint(layout: Layout, record: dict[str, Any]) -> None:
    write_toml(endpoint_file(layout, record["name"]), {k: v for k, v in record.items() if v is not None})


def endpoint_names(layout: Layout) -> list[str]:
    folder = endpoints_dir(layout)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml"))


def load_roles(layout: Layout) -> dict[str, list[str]]:
    try:
        data = read_toml(roles_file(layout))
    except (FileNotFoundError, ValueError):
        return {}
    return {k: [f for f in v if f in FEATURES] for k, v in data.items() if isinstance(v, list)}


def set_role(layout: Layout, cluster: str, feature: str, attached: bool) -> list[str]:
    """Attach or detach ``feature`` for ``cluster``; the cluster's features afterwards."""
    with file_lock(layout.ml_dir / ".roles.lock"):
        roles = load_roles(layout)
        features = set(roles.get(cluster, []))
        if attached:
            features.add(feature)
        else:
            features.discard(feature)
        if features:
            roles[cluster] = sorted(features)
        else:
            roles.pop(cluster, None)
        write_toml(roles_file(layout), roles)
        return sorted(features)


SERVICE_NAME = {"comprehend": "Comprehend", "sagemaker": "SageMaker"}


def check_role(roles: dict[str, list[str]], cluster: str, feature: str) -> None:
    """AccessDeniedException, as AWS answers a call made without the feature's role."""
    if feature not in roles.get(cluster, []):
        raise MlError("AccessDeniedException",
                      f'cluster "{cluster}" has no IAM role for {SERVICE_NAME[feature]}: associate one '
                      f"with aurora ml attach {cluster} --feature {feature}")


def forget_cluster(layout: Layout, cluster: str) -> None:
    """A deleted cluster's roles go with it (a new cluster of that name starts with none)."""
    if not roles_file(layout).exists():
        return
    with file_lock(layout.ml_dir / ".roles.lock"):
        roles = load_roles(layout)
        if roles.pop(cluster, None) is not None:
            write_toml(roles_file(layout), roles)


def in_use(layout: Layout) -> bool:
    """Whether anything may call the service: an endpoint exists or a cluster has a role."""
    return bool(endpoint_names(layout)) or bool(load_roles(layout))


class Cached:
    """A file's parsed content, parsed again only when its modification time moves."""

    def __init__(self, path: Path, parse: Any) -> None:
        self.path = path
        self.parse = parse
        self._stamp: int | None = None
        self._value: Any = None

    def get(self) -> Any:
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp or self._value is None:
            self._value = self.parse()
            self._stamp = stamp
        return self._value
