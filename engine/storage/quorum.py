"""Durability bookkeeping of a writer: SCL, PGCL, VCL and VDL as the Aurora papers define them.

Pure logic, no I/O, so that it can be checked against a brute-force model.

- A batch is one commit: a contiguous LSN range ``[first, cpl]``; its last LSN is its commit
  point (CPL). Each LSN belongs to exactly one protection group (PG).
- A batch's records of one PG are durable when ``write_quorum`` distinct nodes of that PG
  have acknowledged them.
- SCL (per node and PG): the node's own claim, the highest LSN below which it has every
  record of the PG; kept here only to route reads.
- PGCL (per PG): the highest LSN of the PG such that every record of the PG at or below it
  is durable.
- VCL: the highest LSN such that every record at or below it is durable.
- VDL: the highest CPL at or below VCL. A commit is acknowledged when VDL reaches its CPL.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

WRITE_QUORUM = 4
READ_QUORUM = 3
COPIES = 6

PgId = tuple[int, int]  # (file, protection group index within the file)


@dataclass
class _Part:
    """The records of one batch that belong to one PG."""

    pg: PgId
    lsns: list[int]
    acks: set[str] = field(default_factory=set)
    durable: bool = False


@dataclass
class _Batch:
    first: int
    cpl: int
    parts: dict[PgId, _Part]

    @property
    def durable(self) -> bool:
        return all(p.durable for p in self.parts.values())


class DurabilityTracker:
    """Tracks which batches are durable and computes PGCL, VCL and VDL incrementally."""

    def __init__(self, base_lsn: int = 0, write_quorum: int = WRITE_QUORUM) -> None:
        self.write_quorum = write_quorum
        self.vcl = base_lsn
        self.vdl = base_lsn
        self._pgcl: dict[PgId, int] = {}
        self._batches: deque[_Batch] = deque()  # not yet fully durable (VDL below their CPL)
        self._by_cpl: dict[int, _Batch] = {}
        self._durable_above_vcl: set[int] = set()
        self._pg_pending: dict[PgId, deque[_Part]] = {}
        self.scl: dict[tuple[str, PgId], int] = {}

    # --- input ----------------------------------------------------------------------------
    def add_batch(self, first: int, cpl: int, parts: dict[PgId, list[int]]) -> None:
        """Register a batch before any of its acknowledgements arrive."""
        if self._batches and first != self._batches[-1].cpl + 1:
            raise ValueError(f"batch {first}..{cpl} does not follow {self._batches[-1].cpl}")
        batch = _Batch(first, cpl, {pg: _Part(pg, sorted(lsns)) for pg, lsns in parts.items()})
        self._batches.append(batch)
        self._by_cpl[cpl] = batch
        for part in batch.parts.values():
            self._pg_pending.setdefault(part.pg, deque()).append(part)

    def ack(self, cpl: int, pg: PgId, node: str, node_scl: int | None = None) -> bool:
        """Node ``node`` has the records of batch ``cpl`` in ``pg``; return True if VDL moved."""
        if node_scl is not None:
            key = (node, pg)
            if node_scl > self.scl.get(key, -1):
                self.scl[key] = node_scl
        batch = self._by_cpl.get(cpl)
        if batch is None:
            return False  # already durable and retired
        part = batch.parts.get(pg)
        if part is None or part.durable:
            return False
        part.acks.add(node)
        if len(part.acks) < self.write_quorum:
            return False
        part.durable = True
        self._advance_pgcl(pg)
        self._durable_above_vcl.update(part.lsns)
        while self.vcl + 1 in self._durable_above_vcl:
            self.vcl += 1
            self._durable_above_vcl.discard(self.vcl)
        before = self.vdl
        while self._batches and self._batches[0].cpl <= self.vcl:
            done = self._batches.popleft()
            del self._by_cpl[done.cpl]
            self.vdl = done.cpl
        return self.vdl != before

    def _advance_pgcl(self, pg: PgId) -> None:
        pending = self._pg_pending[pg]
        while pending and pending[0].durable:
            self._pgcl[pg] = pending.popleft().lsns[-1]

    # --- queries --------------------------------------------------------------------------
    def pgcl(self, pg: PgId) -> int | None:
        """PGCL of ``pg``, or None when none of its records is durable yet."""
        return self._pgcl.get(pg)

    def is_durable(self, lsn: int) -> bool:
        return lsn <= self.vdl

    def pending_batches(self) -> int:
        return len(self._batches)

    def oldest_pending(self) -> tuple[int, int] | None:
        """(first, cpl) of the oldest batch that is not yet durable."""
        return (self._batches[0].first, self._batches[0].cpl) if self._batches else None

    def missing_acks(self, cpl: int, pg: PgId) -> bool:
        """True while the part of batch ``cpl`` in ``pg`` still needs acknowledgements."""
        batch = self._by_cpl.get(cpl)
        return batch is not None and pg in batch.parts and not batch.parts[pg].durable
