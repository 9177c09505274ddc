"""The metrics store: one SQLite file under AURORA_HOME/metrics, written by aurorad alone.

Each second aurorad adds one row per series to ``raw`` (one transaction for all of them);
when a minute is complete its rows are rolled up into ``minute`` (sum, minimum, maximum,
sample count), from which any statistic of any period that is a whole number of minutes
follows. Raw samples are kept for :data:`RAW_KEEP_S` (periods under a minute read them),
rollups for :data:`ROLLUP_KEEP_S`; both are pruned once a minute. The file is in WAL mode
without fsync: a crash may lose the last seconds of metrics, never the database itself.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aurora.engine.layout import Layout, ensure_private_dir

RAW_KEEP_S = 3600
ROLLUP_KEEP_S = 24 * 3600
MINUTE = 60

_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, metric TEXT NOT NULL, cluster TEXT NOT NULL, instance TEXT NOT NULL,
    role TEXT NOT NULL, engine TEXT NOT NULL, unit TEXT NOT NULL,
    UNIQUE (cluster, metric, instance, role));
CREATE TABLE IF NOT EXISTS raw (
    series INTEGER NOT NULL, t INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (series, t)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS minute (
    series INTEGER NOT NULL, t INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL,
    max REAL NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (series, t)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def store_file(layout: Layout) -> Path:
    """Where the metrics of an AURORA_HOME live."""
    return layout.metrics_dir / "metrics.db"


@dataclass(frozen=True)
class Sample:
    """One value of one series at one second. ``instance`` and ``role`` are "" for a cluster metric."""

    metric: str
    cluster: str
    instance: str
    role: str
    engine: str
    unit: str
    value: float


@dataclass(frozen=True)
class SeriesKey:
    metric: str
    cluster: str
    instance: str
    role: str
    engine: str
    unit: str


@dataclass
class Aggregate:
    """Sum, minimum, maximum and count of the samples of one period."""

    sum: float
    min: float
    max: float
    n: int

    def merge(self, other: Aggregate) -> None:
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        self.n += other.n

    def statistic(self, name: str) -> float:
        return {"Average": self.sum / self.n if self.n else 0.0, "Minimum": self.min, "Maximum": self.max,
                "Sum": self.sum, "SampleCount": float(self.n)}[name]


class MetricsStore:
    """Append samples, roll minutes up, prune, and answer statistics over periods. Thread-safe."""

    def __init__(self, path: Path) -> None:
        ensure_private_dir(path.parent)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(_SCHEMA)
        self._ids: dict[tuple[str, str, str, str], int] = {}
        row = self._db.execute("SELECT value FROM state WHERE key = 'rolled'").fetchone()
        self._rolled = int(row[0]) if row else 0  # minutes before this one are in ``minute``

    @classmethod
    def open(cls, layout: Layout) -> MetricsStore:
        return cls(store_file(layout))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- writing -------------------------------------------------------------------------
    def add(self, t: int, samples: Iterable[Sample]) -> None:
        """Record the samples of second ``t``; roll up and prune when a minute has passed."""
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                rows = [(self._series_id(s), t, float(s.value)) for s in samples]
                db.executemany("INSERT OR REPLACE INTO raw (series, t, value) VALUES (?, ?, ?)", rows)
                minute = t - t % MINUTE
                if minute > self._rolled:
                    self._roll_up(minute)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                self._ids.clear()  # rows inserted into ``series`` were rolled back too
                raise

    def _series_id(self, s: Sample) -> int:
        key = (s.cluster, s.metric, s.instance, s.role)
        sid = self._ids.get(key)
        if sid is None:
            row = self._db.execute("SELECT id FROM series WHERE cluster = ? AND metric = ? AND instance = ? "
                                   "AND role = ?", key).fetchone()
            if row is None:
                sid = self._db.execute("INSERT INTO series (metric, cluster, instance, role, engine, unit) "
                                       "VALUES (?, ?, ?, ?, ?, ?)",
                                       (s.metric, s.cluster, s.instance, s.role, s.engine, s.unit)).lastrowid
            else:
                sid = row[0]
            self._ids[key] = sid
        return sid

    def _roll_up(self, minute: int) -> None:
        """Roll the complete minutes before ``minute`` up, and prune what is past keeping."""
        db = self._db
        db.execute("INSERT OR REPLACE INTO minute (series, t, sum, min, max, n) "
                   "SELECT series, t - t % 60, sum(value), min(value), max(value), count(*) FROM raw "
                   "WHERE t >= ? AND t < ? GROUP BY series, t - t % 60", (self._rolled, minute))
        db.execute("DELETE FROM raw WHERE t < ?", (minute - RAW_KEEP_S,))
        db.execute("DELETE FROM minute WHERE t < ?", (minute - ROLLUP_KEEP_S,))
        db.execute("DELETE FROM series WHERE id NOT IN (SELECT series FROM minute) "
                   "AND id NOT IN (SELECT series FROM raw)")
        db.execute("INSERT OR REPLACE INTO state (key, value) VALUES ('rolled', ?)", (minute,))
        self._rolled = minute
        self._ids.clear()

    # --- reading -------------------------------------------------------------------------
    def series(self, cluster: str, metrics: Sequence[str] | None = None,
               instance: str | None = None) -> list[tuple[int, SeriesKey]]:
        """The series of a cluster (an instance's, and the cluster's own when ``instance`` is None)."""
        query = "SELECT id, metric, cluster, instance, role, engine, unit FROM series WHERE cluster = ?"
        args: list[object] = [cluster]
        if metrics:
            query += f" AND metric IN ({','.join('?' * len(metrics))})"
            args += list(metrics)
        if instance is not None:
            query += " AND instance = ?"
            args.append(instance)
        with self._lock:
            rows = self._db.execute(query, args).fetchall()
        return [(r[0], SeriesKey(*r[1:])) for r in rows]

    def aggregates(self, series_id: int, start: int, end: int, period: int) -> dict[int, Aggregate]:
        """The samples of ``[start, end)`` grouped into periods of ``period`` seconds (aligned on
        multiples of it), by the start of each period. A period that is a whole number of minutes
        reads the rollups (and the raw samples of minutes not yet rolled up); a shorter one reads
        the raw samples, which go back :data:`RAW_KEEP_S`."""
        with self._lock:
            if period % MINUTE == 0:
                rows = self._db.execute(
                    "SELECT t, sum, min, max, n FROM minute WHERE series = ? AND t >= ? AND t < ? AND t < ? "
                    "UNION ALL "
                    "SELECT t - t % 60, sum(value), min(value), max(value), count(*) FROM raw "
                    "WHERE series = ? AND t >= ? AND t < ? GROUP BY t - t % 60",
                    (series_id, start, end, self._rolled, series_id, max(start, self._rolled), end)).fetchall()
            else:
                rows = self._db.execute(
                    "SELECT t, value, value, value, 1 FROM raw WHERE series = ? AND t >= ? AND t < ?",
                    (series_id, start, end)).fetchall()
        out: dict[int, Aggregate] = {}
        for t, total, lo, hi, n in rows:
            bucket = t - t % period
            agg = Aggregate(total, lo, hi, n)
            if bucket in out:
                out[bucket].merge(agg)
            else:
                out[bucket] = agg
        return out

    def latest(self, series_id: int) -> tuple[int, float] | None:
        """The newest raw sample of a series: (second, value)."""
        with self._lock:
            row = self._db.execute("SELECT t, value FROM raw WHERE series = ? ORDER BY t DESC LIMIT 1",
                                   (series_id,)).fetchone()
        return None if row is None else (row[0], row[1])
