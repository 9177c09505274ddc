"""Failover: choose a reader, promote it (the epoch bump fences the old writer), restart the
old writer as a reader. Manual (``aurora failover``) and automatic (supervision) alike.
"""

from __future__ import annotations

import logging
import signal
import time
from typing import Annotated, TypedDict

from aurora.engine import errors, process
from aurora.engine.control.clusters import (
    ClusterSpec,
    InstanceSpec,
)
from aurora.engine.control.context import Context

log = logging.getLogger("aurorad")


class FailoverResult(TypedDict):
    cluster: Annotated[str, "the cluster's name"]
    old_writer: Annotated[str | None, "the instance that was the writer (now a reader), or null"]
    new_writer: Annotated[str, "the instance promoted to writer"]
    seconds: Annotated[float, "how long until the new writer took writes"]


class Failover(Context):
    """Promote a reader to writer."""

    def failover_target(self, spec: ClusterSpec, target: str | None) -> InstanceSpec:
        if target is not None:
            inst = spec.instance(target)
            if inst.role != "reader":
                raise errors.UsageError(f"{target} is the writer already", hint=f"aurora describe {spec.name}")
            if self.instance_state(spec, inst) != "available":
                raise errors.Unavailable(f"{target} is not available", hint=f"aurora describe {spec.name}")
            return inst
        ready = [i for i in spec.readers if self.instance_state(spec, i) == "available"]
        if not ready:
            raise errors.Conflict(f"cluster {spec.name} has no available reader to fail over to",
                                  hint=f"aurora scale {spec.name} --replicas 1")
        inf = float("inf")
        return min(ready, key=lambda i: (i.promotion_tier,
                                         self.instance_status(spec, i).get("lag_ms") or inf, i.id))

    def op_failover(self, name: str, target: str | None = None) -> FailoverResult:
        with self.lock(name):
            spec = self.store.load(name)
            if spec.stopped:
                raise errors.Conflict(f"cluster {name} is stopped", hint=f"aurora start {name}")
            if spec.secondary:
                raise errors.Conflict(f"cluster {name} is a secondary of global database {spec.global_name}: "
                                      "it has no writer to fail over",
                                      hint=f"aurora promote-region {spec.global_name} --region {spec.region}")
            if spec.writer is not None and spec.writer.paused:
                raise errors.Conflict(f"cluster {name} is paused (serverless, idle): there is no writer process "
                                      "to fail over from", hint=f"connect to it to resume it: aurora connect {name}")
            return self._failover(spec, self.failover_target(spec, target))

    def _failover(self, spec: ClusterSpec, new: InstanceSpec) -> FailoverResult:
        old = spec.writer
        started = time.monotonic()
        self.events.add(spec.name, f"Started cross AZ failover to DB instance: {new.id}", source=spec.name,
                        event_id="RDS-EVENT-0073")
        # Promotion opens the volume for writing: the epoch bump fences the old writer, even
        # one that is frozen and wakes up later.
        try:
            self.instance_call(spec, new, "promote")
        except errors.AuroraError as e:
            self.events.add(spec.name, f"Failover to DB instance {new.id} failed: {e.message}", source=spec.name,
                            event_id="RDS-EVENT-0072")
            raise
        new.role = "writer"
        if old is not None:
            old.role = "reader"
        self.store.save(spec)
        seconds = time.monotonic() - started
        for reader in spec.readers:
            if reader is not old and not reader.stopped and not reader.paused:
                self.tell_writer(spec, reader)
        self.events.add(spec.name, f"Completed failover to DB instance: {new.id}", source=spec.name,
                        event_id="RDS-EVENT-0071")
        if old is not None:  # fenced already: stop it (its clients reconnect) and bring it back
            record = self.instance_record(spec, old)
            if record is not None:
                process.kill(record, signal.SIGCONT)  # a frozen writer must be able to die
                process.stop(record, timeout=1.0)
            if not old.stopped and (spec.region, old.az) not in self.failed_azs:
                self.spawn_instance(spec, old)
                self.events.add(spec.name, f"DB instance restarted as a reader: {old.id}", source=old.id,
                                event_id="RDS-EVENT-0006")
        return {"cluster": spec.name, "old_writer": old.id if old else None, "new_writer": new.id,
                "seconds": round(seconds, 3)}

    def _auto_failover(self, name: str, writer_id: str, why: str) -> None:
        if time.monotonic() < self._failover_backoff.get(name, 0.0):
            return

        def act() -> None:
            spec = self.store.load(name)
            writer = spec.writer
            if spec.stopped or writer is None or writer.id != writer_id:
                return
            if why == "dead" and self.instance_alive(spec, writer):
                return
            try:
                target = self.failover_target(spec, None)
            except errors.AuroraError:
                if why == "dead":  # no reader to promote: restart the writer instead
                    self._restart(name, writer_id, "restarted (no reader to fail over to)")
                return
            log.warning("writer %s of %s is %s; failing over to %s", writer_id, name, why, target.id)
            try:
                # Once the promotion has fenced it, a frozen writer is resumed and stopped: its
                # clients' connections stay open (the kernel keeps them) and their statements
                # wait on it until it answers or dies; stopping it sends them to the endpoint.
                self._failover(spec, target)
            except errors.AuroraError:
                self._failover_backoff[name] = time.monotonic() + 2.0
                raise

        self._with_lock(name, act)
