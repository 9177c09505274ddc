"""Serverless capacity: what an Aurora capacity unit (ACU) buys here, and the gate that enforces it.

In AWS one ACU is about 2 GiB of memory with matching CPU and network. On one machine an ACU
buys three things an instance can be held to, each in proportion to its capacity:

- **CPU**: ``CPU_PER_ACU`` CPU-seconds of statement work per second (16 ACUs are two cores).
  Every statement is charged its thread's CPU time; a statement that starts a transaction
  waits while the instance is over its share (a token bucket, refilled at the share's rate,
  whose debt is capped at ``MAX_DEBT_S`` seconds of share so one big query cannot stall the
  next ones for long).
- **Concurrency**: ``STATEMENTS_PER_ACU`` statements at once (at least one); more wait.
- **Memory**: a buffer pool (page cache) of ``POOL_MIB_PER_ACU`` MiB per ACU.

Statements of a transaction already open are charged but never held at the gate: a
transaction that holds a lock finishes at the speed it started with, so a capacity change,
in either direction, happens in the middle of transactions and under locks without pausing
them and without a wait cycle between the gate and SQLite's write lock.

``max_connections`` follows the maximum capacity, as in AWS, so scaling never drops a
connection. The gate's counters (CPU used, time throttled or queued, statements) are what
aurorad's scaler reads every second (``engine/control/serverless.py``).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

CPU_PER_ACU = 0.125
"""CPU-seconds of statement work per second that one ACU buys."""
STATEMENTS_PER_ACU = 2
"""Statements that may run at the same time, per ACU (at least one)."""
POOL_MIB_PER_ACU = 32
"""Buffer pool MiB per ACU."""
MAX_DEBT_S = 1.0
"""The deepest CPU debt, in seconds of the current share: the longest a statement waits."""
BURST_S = 0.05
"""CPU credit an idle instance may save, in seconds of its share."""

ACU_STEP = 0.5
MIN_RUNNING_ACU = 0.5  # 0 means paused: a running instance has at least this
MAX_ACU = 256.0
BYTES_PER_ACU = 2 * 1024**3  # AWS: about 2 GiB per ACU; the max_connections formula uses it
MAX_CONNECTIONS_CAP = 5000


def valid_acu(value: float, *, allow_zero: bool) -> bool:
    """0 (only where allowed), or 0.5 to 256 in steps of 0.5."""
    if value == 0:
        return allow_zero
    return MIN_RUNNING_ACU <= value <= MAX_ACU and (value / ACU_STEP).is_integer()


def round_acu(value: float) -> float:
    """Up to the next step of 0.5 ACU."""
    return math.ceil(value / ACU_STEP - 1e-9) * ACU_STEP


def max_connections(max_acu: float) -> int:
    """AWS's formula for Aurora PostgreSQL, LEAST(DBInstanceClassMemory/9531392, 5000), with
    the memory of the maximum capacity (at least 1 ACU): 225 for 1 ACU, 5000 from 23 ACUs."""
    memory = max(1.0, max_acu) * BYTES_PER_ACU
    return min(MAX_CONNECTIONS_CAP, int(memory // 9531392))


def pool_bytes(acu: float) -> int:
    return int(max(acu, MIN_RUNNING_ACU) * POOL_MIB_PER_ACU * 1024 * 1024)


class Capacity:
    """The gate statements of one instance pass; thread-safe.

    :meth:`admit` wraps one statement. :meth:`set` changes the capacity at once (the buffer
    pool follows through ``on_change``); :meth:`sample` reads the cumulative counters.
    """

    def __init__(self, acu: float, max_acu: float,
                 on_change: Callable[[float], None] | None = None) -> None:
        self._cond = threading.Condition()
        self.acu = max(acu, MIN_RUNNING_ACU)
        self.max_acu = max_acu
        self._on_change = on_change
        self._tokens = self._burst()
        self._refilled = time.monotonic()
        self._running = 0
        self._waiting = 0
        self.cpu_seconds = 0.0
        self.throttled_seconds = 0.0
        self.queued_seconds = 0.0
        self.statements = 0

    # --- what the capacity buys ------------------------------------------------------------
    def _rate(self) -> float:
        return self.acu * CPU_PER_ACU

    def _burst(self) -> float:
        return self._rate() * BURST_S

    @property
    def slots(self) -> int:
        return max(1, int(self.acu * STATEMENTS_PER_ACU))

    @property
    def max_connections(self) -> int:
        return max_connections(self.max_acu)

    def set(self, acu: float, max_acu: float | None = None) -> None:
        """Change the capacity now; statements waiting at the gate see the new share at once."""
        with self._cond:
            self._refill(time.monotonic())
            self.acu = max(acu, MIN_RUNNING_ACU)
            if max_acu is not None:
                self.max_acu = max_acu
            self._tokens = min(self._tokens, self._burst())
            self._cond.notify_all()
        if self._on_change is not None:
            self._on_change(self.acu)

    # --- the gate ---------------------------------------------------------------------------
    def _refill(self, now: float) -> None:
        self._tokens = min(self._burst(), self._tokens + (now - self._refilled) * self._rate())
        self._refilled = now

    @contextlib.contextmanager
    def admit(self, in_transaction: bool) -> Iterator[None]:
        """Run one statement under the capacity: wait for a slot and for CPU credit (unless
        the session is inside a transaction), then charge the thread's CPU time it used."""
        with self._cond:
            if not in_transaction:
                self._wait_for_turn()
            self._running += 1
        started = time.thread_time()
        try:
            yield
        finally:
            used = time.thread_time() - started
            with self._cond:
                self._running -= 1
                self._refill(time.monotonic())
                self._tokens = max(self._tokens - used, -self._rate() * MAX_DEBT_S)
                self.cpu_seconds += used
                self.statements += 1
                self._cond.notify()

    def _wait_for_turn(self) -> None:
        """Called with the condition held: wait for a free slot and for CPU credit."""
        self._waiting += 1
        try:
            while True:
                now = time.monotonic()
                self._refill(now)
                if self._running >= self.slots:
                    self._cond.wait(0.05)
                    self.queued_seconds += time.monotonic() - now
                elif self._tokens < 0:
                    self._cond.wait(min(-self._tokens / self._rate(), 0.05))
                    self.throttled_seconds += time.monotonic() - now
                else:
                    return
        finally:
            self._waiting -= 1

    def sample(self) -> dict[str, Any]:
        """The capacity and the cumulative counters the scaler compares second by second."""
        with self._cond:
            return {
                "acu": self.acu, "max_acu": self.max_acu, "slots": self.slots,
                "cpu_share": self._rate(), "cpu_seconds": round(self.cpu_seconds, 6),
                "throttled_seconds": round(self.throttled_seconds, 6),
                "queued_seconds": round(self.queued_seconds, 6), "statements": self.statements,
                "running": self._running, "waiting": self._waiting,
                "max_connections": self.max_connections,
            }
