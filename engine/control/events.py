"""The event log of aurorad: JSON lines with Aurora's event wording and RDS event ids."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any


class EventLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._next = self._count() + 1

    def _count(self) -> int:
        try:
            with open(self.path, "rb") as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def add(self, cluster: str | None, message: str, *, source: str, event_id: str | None = None) -> dict[str, Any]:
        with self._lock:
            event = {"id": self._next, "time": time.time(), "cluster": cluster, "source": source,
                     "event_id": event_id, "message": message}
            self._next += 1
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a") as f:
                f.write(json.dumps(event) + "\n")
            return event

    def read(self, cluster: str | None = None, since: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        try:
            with open(self.path) as f:
                for line in f:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue  # a line cut by a crash
                    if event["id"] > since and (cluster is None or event.get("cluster") == cluster):
                        out.append(event)
        except FileNotFoundError:
            return []
        return out[-limit:]
