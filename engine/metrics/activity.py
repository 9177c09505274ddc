"""What an instance's sessions do, counted for its metrics at the cost of a few additions.

:class:`Activity` holds the instance's counters (statements by kind, COMMIT time, lock
conflicts, page writes); :class:`CountingSession` is the SQL session that adds to them. The
instance puts a snapshot in its status file, and aurorad turns the differences into rates
(:mod:`aurora.engine.metrics.sampler`): nothing here keeps time series or talks to anyone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from aurora.engine.sql.session import Session
from aurora.engine.sqlapi import SqlError, StatementResult

DML_TAGS = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY")
CONFLICTS = ("40P01", "40001")  # deadlock detected; a serialization failure (write on an overtaken snapshot)


class Activity:
    """Counters shared by an instance's sessions (worker threads): one lock, held for an addition."""

    __slots__ = ("_lock", "commit_seconds", "commit_statements", "conflicts", "dml", "enabled", "pages_written",
                 "selects")

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled  # off (AURORA_METRICS=off): sessions count nothing
        self._lock = threading.Lock()
        self.selects = 0
        self.dml = 0
        self.commit_statements = 0
        self.commit_seconds = 0.0
        self.conflicts = 0
        self.pages_written = 0  # added to on the volume's loop thread only

    def statement(self, tag: str, seconds: float) -> None:
        if tag.startswith("SELECT"):
            self.selected()
        elif tag.startswith(DML_TAGS):
            with self._lock:
                self.dml += 1
        elif tag == "COMMIT":
            with self._lock:
                self.commit_statements += 1
                self.commit_seconds += seconds

    def selected(self) -> None:
        """A plain query ran (``statement`` for a SELECT, without reading its tag)."""
        with self._lock:
            self.selects += 1

    def failed(self, sqlstate: str) -> None:
        if sqlstate in CONFLICTS:
            with self._lock:
                self.conflicts += 1

    def written(self, lsn: int, pages: Sequence[Any]) -> None:
        """A durable commit's listener (``PageStore.subscribe``): its pages are write I/Os."""
        self.pages_written += len(pages)

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return {"selects": self.selects, "dml": self.dml, "commit_statements": self.commit_statements,
                    "commit_seconds": round(self.commit_seconds, 6), "conflicts": self.conflicts,
                    "pages_written": self.pages_written}


class CountingSession(Session):
    """A SQL session whose statements count in the instance's :class:`Activity`."""

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._activity = activity
        self._counting = activity.enabled

    def execute(self, sql: str, params: Sequence[object] = ()) -> StatementResult:
        if not self._counting:
            return super().execute(sql, params)
        started = time.perf_counter()
        try:
            result = super().execute(sql, params)
        except SqlError as e:
            self._activity.failed(e.sqlstate)
            raise
        self._activity.statement(result.tag, time.perf_counter() - started)
        return result

    def query_again(self, sql: str, params: Sequence[object] = ()) -> StatementResult | None:
        if not self._counting:
            return super().query_again(sql, params)
        try:
            result = super().query_again(sql, params)
        except SqlError as e:
            self._activity.failed(e.sqlstate)
            raise
        if result is not None:
            self._activity.selected()  # a plain query: its time is not counted
        return result
