"""Serverless v2 in aurorad: the scaler, auto-pause and resume, and ``aurora modify``.

What an ACU buys, and the gate that enforces it, belong to the instance
(``engine/instance/capacity.py``); the policy is here. Every ``SCALE_EVERY_S`` aurorad asks
each running serverless instance for its counters and moves its capacity:

- **up** when it used more than ``UP_UTILIZATION`` of its CPU share, or statements waited for
  CPU or for a slot, or its buffer pool evicted pages while missing: by half its capacity, or
  by all of it (doubling) when it is saturated, so steps grow with the capacity, as in AWS;
- **down**, gradually, after ``CALM_BEFORE_DOWN_S`` calm seconds: by a tenth a second, at least
  0.5 ACU;
- never below its floor (the minimum, 0.5 when the minimum is 0; the writer's capacity for a
  reader in promotion tier 0 or 1; ``SESSIONS_PER_ACU`` sessions per ACU) nor above the maximum.

**Auto-pause**: with a minimum of 0 ACU, the writer and the readers of tiers 0 and 1 pause
together once none of them has had a user session for ``seconds_until_auto_pause``; other
readers pause on their own. Pausing stops the processes (no CPU, no memory); the cluster's
endpoints stay open, and the first connection to one resumes what it needs and is held until
an instance serves it (``Endpoint.wake``).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict

from aurora.engine import errors, process
from aurora.engine.control.clusters import ClusterSpec, InstanceSpec, ServerlessSpec
from aurora.engine.control.context import Context
from aurora.engine.instance.capacity import (
    CPU_PER_ACU,
    MAX_ACU,
    MIN_RUNNING_ACU,
    round_acu,
    valid_acu,
)

log = logging.getLogger("aurorad")

SCALE_EVERY_S = 1.0
UP_UTILIZATION = 0.7
SATURATED_UTILIZATION = 0.95
DOWN_UTILIZATION = 0.3
WAIT_PRESSURE = 0.02  # statement-seconds waited per second that count as demand
SATURATED_PRESSURE = 0.5
CALM_BEFORE_DOWN_S = 2.0
DOWN_FRACTION = 0.1
SESSIONS_PER_ACU = 100
MISS_RATIO = 0.02
DEFAULT_MIN_ACU = 0.5
DEFAULT_MAX_ACU = 16.0
DEFAULT_AUTO_PAUSE_S = 300
MAX_AUTO_PAUSE_S = 86_400


class ServerlessSettings(TypedDict):
    min_acu: Annotated[float, "the least capacity of each instance, in ACUs (0 lets it pause)"]
    max_acu: Annotated[float, "the most capacity of each instance, in ACUs"]
    seconds_until_auto_pause: Annotated[int | None, "idle seconds before a pause, or null when min_acu is not 0"]


class InstanceSetting(TypedDict):
    id: Annotated[str, "the instance id"]
    promotion_tier: Annotated[int, "0 to 15"]
    acu: Annotated[float | None, "its capacity afterwards in ACUs (0 while paused), null when provisioned"]


class Modified(TypedDict):
    name: Annotated[str, "the cluster's name"]
    serverless: Annotated[ServerlessSettings | None, "the capacity range now in force, or null when provisioned"]
    instances: Annotated[list[InstanceSetting], "a list, one per instance: id, promotion_tier, acu"]


def check_serverless(min_acu: float | None, max_acu: float | None, auto_pause_after: int | None,
                     current: ServerlessSpec | None = None) -> ServerlessSpec:
    """The settings a create or modify asks for, checked as AWS checks them (the pause delay
    may be shorter here, for tests and demos)."""
    lo = min_acu if min_acu is not None else (current.min_acu if current else DEFAULT_MIN_ACU)
    hi = max_acu if max_acu is not None else (current.max_acu if current else DEFAULT_MAX_ACU)
    pause = (auto_pause_after if auto_pause_after is not None
             else current.seconds_until_auto_pause if current else DEFAULT_AUTO_PAUSE_S)
    if not valid_acu(lo, allow_zero=True):
        raise errors.UsageError(f"--min-acu must be 0, or 0.5 to {MAX_ACU:g} in steps of 0.5, not {lo:g}")
    if not valid_acu(hi, allow_zero=False) or hi < 1:
        raise errors.UsageError(f"--max-acu must be 1 to {MAX_ACU:g} in steps of 0.5, not {hi:g}")
    if lo > hi:
        raise errors.UsageError(f"--min-acu ({lo:g}) is above --max-acu ({hi:g})")
    if not 1 <= pause <= MAX_AUTO_PAUSE_S:
        raise errors.UsageError(f"--auto-pause-after must be 1 to {MAX_AUTO_PAUSE_S} seconds, not {pause}")
    if auto_pause_after is not None and lo != 0:
        raise errors.UsageError("--auto-pause-after applies only with --min-acu 0",
                                hint="add --min-acu 0 to let idle instances pause")
    return ServerlessSpec(min_acu=lo, max_acu=hi, seconds_until_auto_pause=pause)


def decide(acu: float, before: dict[str, Any], now: dict[str, Any], seconds: float, calm: float, *,
           floor: float, ceiling: float) -> tuple[float, float, str]:
    """The next capacity of an instance from two samples of its counters ``seconds`` apart.

    Returns (capacity, calm seconds so far, why it moved, or "").
    """
    dt = max(seconds, 1e-3)
    share = acu * CPU_PER_ACU * dt
    utilization = (now["cpu_seconds"] - before["cpu_seconds"]) / share
    waited = (now["throttled_seconds"] - before["throttled_seconds"]
              + now["queued_seconds"] - before["queued_seconds"]) / dt
    misses = now.get("pool_misses", 0) - before.get("pool_misses", 0)
    reads = misses + now.get("pool_hits", 0) - before.get("pool_hits", 0)
    evicting = (now.get("pool_evictions", 0) > before.get("pool_evictions", 0)
                and reads > 0 and misses / reads > MISS_RATIO)
    target, reason = acu, ""
    if utilization >= SATURATED_UTILIZATION or waited >= SATURATED_PRESSURE:
        target, reason = acu * 2, f"CPU {utilization:.0%} of its share, statements waited {waited:.2f}s/s"
    elif utilization >= UP_UTILIZATION or waited >= WAIT_PRESSURE or evicting:
        target = acu + max(MIN_RUNNING_ACU, acu / 2)
        reason = (f"buffer pool misses {misses / reads:.0%} while evicting" if evicting and reads
                  else f"CPU {utilization:.0%} of its share, statements waited {waited:.2f}s/s")
    if target > acu:
        calm = 0.0
    elif utilization < DOWN_UTILIZATION and waited < WAIT_PRESSURE and not evicting:
        calm += dt
        if calm >= CALM_BEFORE_DOWN_S:
            target = acu - max(MIN_RUNNING_ACU, round_acu(acu * DOWN_FRACTION))
            reason = f"CPU {utilization:.0%} of its share for {calm:.0f}s"
    else:
        calm = 0.0
    new = min(ceiling, max(floor, round_acu(target)))
    if new == acu:
        return acu, calm, ""
    if new > acu and reason == "":
        reason = "below its floor"
    return new, calm, reason


@dataclass
class Scaling:
    """What the scaler remembers of one running serverless instance."""

    acu: float
    sample: dict[str, Any] | None = None
    at: float = 0.0
    calm: float = 0.0
    idle_since: float | None = None
    sessions_started: int = 0


@dataclass
class _Resume:
    ids: set[str] = field(default_factory=set)
    thread: threading.Thread | None = None


def head_group(spec: ClusterSpec) -> list[InstanceSpec]:
    """The writer and the readers of promotion tiers 0 and 1: they pause and resume together,
    and those readers scale at least to the writer's capacity."""
    return [i for i in spec.instances if i.role == "writer" or i.promotion_tier <= 1]


def pause_groups(spec: ClusterSpec) -> list[list[InstanceSpec]]:
    head = head_group(spec)
    return [head] + [[i] for i in spec.instances if i not in head]


class Serverless(Context):
    """The capacity of serverless instances, their pauses and resumes, and ``modify``."""

    # --- the scaler -------------------------------------------------------------------------
    def scale_serverless(self) -> None:
        """One round of the scaler over every running serverless cluster (every SCALE_EVERY_S)."""
        for spec in self.store.all():
            if spec.serverless is None or spec.stopped or spec.region in self.failed_regions:
                continue
            lock = self.lock(spec.name)
            if not lock.acquire(blocking=False):
                continue  # an operation on this cluster is under way; look again next round
            try:
                spec = self.store.load(spec.name)
                self._scale_cluster(spec)
                if spec.serverless is not None and spec.serverless.min_acu == 0:
                    self._pause_idle(spec)
            except errors.AuroraError as e:
                log.warning("scaling %s: %s", spec.name, e)
            finally:
                lock.release()

    def _scale_cluster(self, spec: ClusterSpec) -> None:
        settings = spec.serverless
        assert settings is not None
        writer_acu = 0.0
        for inst in sorted(spec.instances, key=lambda i: i.role != "writer"):  # the writer first
            if inst.paused or inst.stopped:
                continue
            key = (spec.name, inst.id)
            try:
                status = self.instance_call(spec, inst, "status", timeout=0.5)
            except errors.AuroraError:
                continue
            sample = status.get("capacity")
            if not sample or not status.get("ready"):
                continue
            now = time.monotonic()
            state = self.scaling.get(key)
            if state is None:
                state = self.scaling[key] = Scaling(acu=sample["acu"])
            state.acu = sample["acu"]
            sessions = int(status.get("sessions") or 0)
            started = int(status.get("sessions_started") or 0)
            if sessions:
                state.idle_since = None
            elif state.idle_since is None or started != state.sessions_started:
                state.idle_since = now  # idle from now: a short session may have come and gone since the last look
            state.sessions_started = started
            floor = max(MIN_RUNNING_ACU, settings.min_acu, round_acu(sessions / SESSIONS_PER_ACU))
            if inst.role == "reader" and inst.promotion_tier <= 1:
                floor = max(floor, writer_acu)
            floor = min(floor, settings.max_acu)
            if state.sample is not None:
                new, state.calm, reason = decide(state.acu, state.sample, sample, now - state.at, state.calm,
                                                 floor=floor, ceiling=settings.max_acu)
                if new != state.acu:
                    self._set_capacity(spec, inst, state, new, reason)
            elif not floor <= state.acu <= settings.max_acu:
                self._set_capacity(spec, inst, state, min(settings.max_acu, max(floor, state.acu)), "out of range")
            state.sample, state.at = sample, now
            if inst.role == "writer":
                writer_acu = state.acu

    def _set_capacity(self, spec: ClusterSpec, inst: InstanceSpec, state: Scaling, acu: float, why: str) -> None:
        assert spec.serverless is not None
        try:
            self.instance_call(spec, inst, "set_capacity", timeout=1.0, acu=acu, max_acu=spec.serverless.max_acu)
        except errors.AuroraError as e:
            log.info("could not set the capacity of %s: %s", inst.id, e)
            return
        if acu == state.acu:
            return  # only the maximum (and max_connections) moved
        self.events.add(spec.name, f"DB instance {inst.id} scaled from {state.acu:g} to {acu:g} ACUs ({why})",
                        source=inst.id, event_id="AURORA-SERVERLESS-SCALE")
        state.acu = acu

    # --- auto-pause -------------------------------------------------------------------------
    def _pause_idle(self, spec: ClusterSpec) -> None:
        assert spec.serverless is not None
        idle_for = spec.serverless.seconds_until_auto_pause
        now = time.monotonic()
        for group in pause_groups(spec):
            running = [i for i in group if not i.paused and not i.stopped]
            if not running:
                continue
            states = [self.scaling.get((spec.name, i.id)) for i in running]
            if all(s is not None and s.idle_since is not None and now - s.idle_since >= idle_for for s in states):
                self._pause(spec, running, idle_for)

    def _pause(self, spec: ClusterSpec, members: list[InstanceSpec], idle_for: int) -> None:
        """Stop the members' processes. They are marked paused first, so that the endpoints
        stop routing to them; a member that got a session meanwhile calls the pause off."""
        for inst in members:
            inst.paused = True
        self.store.save(spec)
        busy = []
        for inst in members:
            state = self.scaling.get((spec.name, inst.id))
            with contextlib.suppress(errors.AuroraError):
                status = self.instance_call(spec, inst, "status", timeout=0.5)
                if status.get("sessions") or (state is not None and
                                              status.get("sessions_started") != state.sessions_started):
                    busy.append(inst.id)
        if busy:
            for inst in members:
                inst.paused = False
            self.store.save(spec)
            return
        for inst in members:
            record = self.instance_record(spec, inst)
            if record is not None:
                process.stop(record, timeout=5.0)
            self.scaling.pop((spec.name, inst.id), None)
            self.events.add(spec.name, f"DB instance paused: {inst.id} (no user connection for {idle_for}s)",
                            source=inst.id, event_id="AURORA-SERVERLESS-PAUSE")

    # --- resume -----------------------------------------------------------------------------
    def wake(self, cluster: str, kind: str) -> bool:
        """An endpoint has a connection and nowhere to send it: resume the paused instances
        it could go to. True while a resume is under way (the endpoint holds the connection)."""
        try:
            spec = self.store.load(cluster)
        except errors.AuroraError:
            return False
        if spec.serverless is None or spec.stopped:
            return False
        wanted = self._wanted_by(spec, kind)
        with self._global:
            resume = self.resuming.setdefault(cluster, _Resume())
            missing = {i.id for i in wanted if i.paused} - resume.ids
            if missing:
                resume.ids |= missing
                if resume.thread is None or not resume.thread.is_alive():
                    resume.thread = threading.Thread(target=self._resume_loop, args=(cluster,),
                                                     name=f"resume-{cluster}", daemon=True)
                    resume.thread.start()
            return bool(resume.ids)

    def _wanted_by(self, spec: ClusterSpec, kind: str) -> list[InstanceSpec]:
        head = head_group(spec)
        if kind == "writer":
            return head
        if kind == "reader":
            readers = [i for i in spec.instances if i.role == "reader"]
            if any(not i.paused for i in readers):
                return []
            return readers + head if readers else head
        name = kind.split(":", 1)[1]
        members = next((e.members for e in spec.custom_endpoints if e.name == name), [])
        chosen = [i for i in spec.instances if i.id in members]
        if any(not i.paused for i in chosen):
            return []
        return chosen + (head if any(i in head for i in chosen) else [])

    def _resume_loop(self, cluster: str) -> None:
        while True:
            with self._global:
                resume = self.resuming.get(cluster)
                ids = set(resume.ids) if resume else set()
                if not ids:
                    self.resuming.pop(cluster, None)
                    return
            try:
                self.resume_instances(cluster, ids, "a connection arrived")
            except errors.AuroraError as e:
                log.warning("could not resume %s: %s", cluster, e)
            with self._global:
                resume = self.resuming.get(cluster)
                if resume is not None:
                    resume.ids -= ids

    def resume_instances(self, cluster: str, ids: set[str], why: str) -> list[str]:
        """Start paused instances again, the writer first (a held connection needs only it)."""
        with self.lock(cluster):
            spec = self.store.load(cluster)
            chosen = sorted((i for i in spec.instances if i.id in ids and i.paused),
                            key=lambda i: i.role != "writer")
            if not chosen:
                return []
            for inst in chosen:
                inst.paused = False
            self.store.save(spec)
            for inst in chosen:
                self.spawn_instance(spec, inst)
                self.events.add(cluster, f"DB instance resumed: {inst.id} ({why})", source=inst.id,
                                event_id="AURORA-SERVERLESS-RESUME")
                if inst.role == "writer":
                    self.wait_instance(spec, inst)
            return [i.id for i in chosen]

    # --- modify -----------------------------------------------------------------------------
    def op_modify(self, name: str, min_acu: float | None = None, max_acu: float | None = None,
                  auto_pause_after: int | None = None, instance: str | None = None,
                  promotion_tier: int | None = None) -> Modified:
        """Change a serverless cluster's capacity range, or an instance's promotion tier (which
        also decides whether a serverless reader pauses with the writer); both take effect at once."""
        capacity = (min_acu, max_acu, auto_pause_after) != (None, None, None)
        if not capacity and promotion_tier is None:
            raise errors.UsageError("nothing to modify",
                                    hint="give --min-acu, --max-acu, --auto-pause-after, or --instance ID "
                                         "--promotion-tier N")
        if (instance is None) != (promotion_tier is None):
            raise errors.UsageError("--instance and --promotion-tier go together")
        if promotion_tier is not None and not 0 <= promotion_tier <= 15:
            raise errors.UsageError(f"--promotion-tier must be between 0 and 15, not {promotion_tier}")
        resume: set[str] = set()
        with self.lock(name):
            spec = self.store.load(name)
            if instance is not None and promotion_tier is not None:
                inst = spec.instance(instance)
                inst.promotion_tier = promotion_tier
                self.store.save(spec)
                self.events.add(name, f"DB instance modified: {instance} promotion tier {promotion_tier}",
                                source=instance, event_id="RDS-EVENT-0014")
                writer = spec.writer
                if spec.serverless is not None and writer is not None and inst.role == "reader" \
                        and promotion_tier <= 1 and inst.paused != writer.paused:
                    resume = {i.id for i in head_group(spec) if i.paused}  # the group is one again
            if capacity:
                resume |= self._modify_capacity(spec, min_acu, max_acu, auto_pause_after)
        if resume:
            self.resume_instances(name, resume, "the cluster was modified")
        spec = self.store.load(name)
        return {"name": name, "serverless": self.serverless_settings(spec),
                "instances": [{"id": i.id, "promotion_tier": i.promotion_tier,
                               "acu": None if spec.serverless is None else 0.0 if i.paused
                               else self.scaling[(name, i.id)].acu if (name, i.id) in self.scaling
                               else self.start_acu(spec, i)}
                              for i in spec.instances]}

    def _modify_capacity(self, spec: ClusterSpec, min_acu: float | None, max_acu: float | None,
                         auto_pause_after: int | None) -> set[str]:
        """New capacity range, applied to the running instances now; returns the paused
        instances to resume (a minimum above 0 lets nothing stay paused)."""
        if spec.serverless is None:
            raise errors.UsageError(f"cluster {spec.name} is not serverless: it has no capacity range to modify",
                                    hint="aurora create NAME --serverless --min-acu 0.5 --max-acu 8")
        before = spec.serverless
        settings = check_serverless(min_acu, max_acu, auto_pause_after, before)
        if settings.min_acu == 0 and spec.global_name:
            raise errors.Conflict(f"cluster {spec.name} is in global database {spec.global_name}, whose clusters "
                                  "cannot pause: its minimum capacity must stay above 0 ACU")
        spec.serverless = settings
        self.store.save(spec)
        self.events.add(spec.name, f"DB cluster modified: capacity {settings.min_acu:g} to {settings.max_acu:g} ACUs"
                        + (f", auto-pause after {settings.seconds_until_auto_pause}s" if settings.min_acu == 0
                           else ""), source=spec.name, event_id="RDS-EVENT-0016")
        for inst in spec.instances:
            if inst.paused or inst.stopped or not self.instance_alive(spec, inst):
                continue
            state = self.scaling.setdefault((spec.name, inst.id), Scaling(acu=self.start_acu(spec, inst)))
            acu = min(settings.max_acu, max(MIN_RUNNING_ACU, settings.min_acu, state.acu))
            if acu != state.acu or settings.max_acu != before.max_acu:
                self._set_capacity(spec, inst, state, acu, "the capacity range changed")
        return {i.id for i in spec.instances if i.paused} if settings.min_acu > 0 else set()

    @staticmethod
    def serverless_settings(spec: ClusterSpec) -> ServerlessSettings | None:
        s = spec.serverless
        if s is None:
            return None
        return {"min_acu": s.min_acu, "max_acu": s.max_acu,
                "seconds_until_auto_pause": s.seconds_until_auto_pause if s.min_acu == 0 else None}
