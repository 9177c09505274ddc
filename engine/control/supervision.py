"""Supervision: health checks of every instance, automatic failover of a lost writer,
restart of lost readers, and replacement of storage nodes down for too long.

aurorad runs :meth:`Supervision.supervise_once` and :meth:`Supervision.supervise_fleet` every
``SUPERVISE_EVERY_S``; each round takes a cluster's lock only if it is free.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from aurora.engine import errors, process
from aurora.engine.control.clusters import (
    ClusterSpec,
    InstanceSpec,
)
from aurora.engine.control.context import AZS, PING_TIMEOUT_S, RETELL_AFTER_S, Context
from aurora.engine.probe import answers as instance_answers
from aurora.engine.storage.quorum import WRITE_QUORUM
from aurora.engine.storage.repair import replace_node, safe_to_replace

log = logging.getLogger("aurorad")


class Supervision(Context):
    """Health checks and self-healing."""

    def health(self, spec: ClusterSpec, inst: InstanceSpec) -> str:
        """dead (no process), starting, ok, or unresponsive: frozen (the process is stopped,
        SIGSTOP: known at once, no ping needed) or wedged (two protocol pings in a row went
        unanswered). A busy instance answers pings, from its event loop, while statements run."""
        key = (spec.name, inst.id)
        if not self.instance_alive(spec, inst):
            self._misses.pop(key, None)
            return "dead"
        if self.instance_frozen(spec, inst):
            self._misses[key] = max(self._misses.get(key, 0), 2)  # the endpoints pass it by
            return "unresponsive"
        if not self.instance_status(spec, inst).get("ready"):
            return "starting"
        if instance_answers(inst.port, timeout=PING_TIMEOUT_S, engine=spec.engine):
            self._misses.pop(key, None)
            return "ok"
        self._misses[key] = self._misses.get(key, 0) + 1
        return "unresponsive" if self._misses[key] >= 2 else "ok"

    def supervise_once(self) -> None:
        """Fail over from a lost writer, restart lost readers, and turn a resumed old writer
        (a zombie that the failover fenced) back into the reader the cluster says it is."""
        for spec in self.store.all():
            if spec.stopped or spec.region in self.failed_regions:
                continue  # a failed region's processes stay down (or frozen) until restore-region
            for inst in sorted(spec.instances, key=lambda i: i.role != "writer"):  # the writer first
                if inst.stopped or inst.paused:  # paused: a serverless instance with no process on purpose
                    continue
                health = self.health(spec, inst)
                if health == "dead" and (spec.region, inst.az) in self.failed_azs and inst.role != "writer":
                    continue  # its AZ is down on purpose: it comes back with restore-az
                if inst.role == "writer" and health in ("dead", "unresponsive"):
                    self._auto_failover(spec.name, inst.id, health)
                elif health == "dead":
                    self._with_lock(spec.name, lambda n=spec.name, i=inst.id: self._restart(n, i, "restarted"))
                elif health == "ok" and self.instance_status(spec, inst).get("role") not in (None, inst.role):
                    self._with_lock(spec.name, lambda n=spec.name, i=inst.id: self._restart(
                        n, i, "restarted as a reader (it was fenced while unresponsive)"))
                elif health == "ok" and inst.role == "reader":
                    self._retell_writer(spec, inst)

    def _retell_writer(self, spec: ClusterSpec, inst: InstanceSpec) -> None:
        """Tell a reader again where the writer is when its status shows another place: it
        missed the news of a failover (it was frozen, or starting). Not more often than
        RETELL_AFTER_S (its status file lags by up to half a second), and from metadata read
        afresh (a failover earlier in this round changed the writer)."""
        if time.monotonic() - self._told.get((spec.name, inst.id), 0.0) < RETELL_AFTER_S:
            return
        following = self.instance_status(spec, inst).get("writer_socket", False)
        if following is False or (following or "") == self.writer_socket(spec, inst):
            return
        with contextlib.suppress(errors.AuroraError):
            spec = self.store.load(spec.name)
            inst = spec.instance(inst.id)
            if inst.role == "reader" and (following or "") != self.writer_socket(spec, inst):
                self.tell_writer(spec, inst)

    def _with_lock(self, name: str, fn: Callable[[], Any]) -> None:
        lock = self.lock(name)
        if not lock.acquire(blocking=False):
            return  # an operation on this cluster is under way; look again next round
        try:
            fn()
        except errors.AuroraError as e:
            log.warning("supervision of %s: %s", name, e)
        finally:
            lock.release()

    def _restart(self, name: str, instance_id: str, what: str) -> None:
        spec = self.store.load(name)
        inst = spec.instance(instance_id)
        if spec.stopped or inst.stopped or inst.paused:
            return
        record = self.instance_record(spec, inst)
        if record is not None and record.alive():
            if self.instance_status(spec, inst).get("role") in (None, inst.role):
                return  # healthy again, or already restarted
            process.stop(record, timeout=2.0)
        if (spec.region, inst.az) in self.failed_azs:
            # Its AZ is down: bring it up in another one, as Aurora does for a lost writer.
            inst.az = next(a for a in AZS if (spec.region, a) not in self.failed_azs)
            self.store.save(spec)
        self.events.add(name, f"DB instance {what}: {instance_id}", source=instance_id, event_id="RDS-EVENT-0006")
        self.spawn_instance(spec, inst)

    def place_storage_nodes(self) -> None:
        """Keep the storage nodes off the CPUs that writer instances are kept to (each
        instance keeps its threads to one CPU, ``process.keep_to_one_cpu``), once a second:
        a node started since (a restart, a replacement) and a writer that moved (a failover)
        are caught up within a second. A node woken for a commit on the writer's CPU took it
        from the writer, whose threads then waited holding the interpreter lock or SQLite's
        write lock: TPC-B and sysbench read-write ran about 30% faster with the nodes on
        the other core (2 cores, alternating runs)."""
        if time.monotonic() - self._nodes_placed < 1.0:
            return
        self._nodes_placed = time.monotonic()
        writers: set[int] = set()
        regions: set[str] = set()
        for spec in self.store.all():
            regions.add(spec.region)
            if spec.stopped:
                continue
            for inst in spec.instances:
                if inst.role != "writer" or inst.stopped or inst.paused:
                    continue
                record = self.instance_record(spec, inst)
                if record is not None and record.alive() and (cpu := process.kept_cpu(record.pid)) is not None:
                    writers.add(cpu)
        nodes: list[int] = []
        for region in regions:
            with contextlib.suppress(errors.AuroraError, OSError):  # no fleet there (yet)
                nodes += [n.pid for n in self.fleet(region).status() if n.up and n.pid]
        process.keep_off_cpus(nodes, writers)

    def supervise_fleet(self) -> None:
        """Replace a storage node that has been down longer than the repair threshold (unless
        its AZ is failed on purpose) with a new node in the same AZ, which copies the lost
        node's segments from their peers while writes go on."""
        for region in {s.region for s in self.store.all()} - set(self.failed_regions):
            fleet = self.fleet(region)
            for st in fleet.status():
                key = (region, st.id)
                if st.up:
                    self._node_down_since.pop(key, None)
                    continue
                if (region, st.az) in self.failed_azs:
                    continue
                since = self._node_down_since.setdefault(key, time.monotonic())
                down_for = time.monotonic() - since
                if down_for < self.node_repair_after:
                    continue
                up = {n.id for n in fleet.status() if n.up}
                if not safe_to_replace(fleet, st.id, up):
                    if not self._unsafe_logged.get(key):
                        log.warning("storage node %s is down, but some of its protection groups have fewer than "
                                    f"{WRITE_QUORUM} other live copies: not replacing it; trying to restart it", st.id)
                        self._unsafe_logged[key] = True
                    with contextlib.suppress(errors.AuroraError):
                        fleet.start_node(st.id)
                    continue
                self._unsafe_logged.pop(key, None)
                try:
                    r = replace_node(fleet, st.id)
                except errors.AuroraError as e:
                    log.warning("cannot replace storage node %s: %s", st.id, e)
                    continue
                self._node_down_since.pop(key, None)
                self.events.add(None, f"Storage node {r.old} was down for {down_for:.0f}s and was replaced by "
                                f"{r.new} in AZ {r.az}; {r.protection_groups} protection group(s) are copied "
                                "from their peers", source=r.new, event_id="AURORA-STORAGE-REPAIR")
                return  # one replacement a round: the next one sees the new node up
