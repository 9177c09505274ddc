"""Machine learning: the ML service process, its model endpoints and the clusters' roles.

The service (engine/ml/service.py) is one process per AURORA_HOME. It is started when the
feature is first used (``aurora ml endpoint create``, ``aurora ml attach``) and kept running
by supervision while it is in use, like the storage nodes: killed, it is started again within
a second or two, and SQL meanwhile gets a clear error. With no endpoint and no role left it is
stopped. Endpoints and roles are files under
``ml/`` (engine/ml/registry.py) that the service reads on each call.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Annotated, Any, TypedDict

from aurora.engine import errors, process
from aurora.engine.control.context import Context
from aurora.engine.layout import Layout, ensure_private_dir
from aurora.engine.ml import registry
from aurora.engine.ml.client import MlClient
from aurora.engine.ml.errors import MlError

log = logging.getLogger("aurorad")

SERVICE_MODULE = "aurora.engine.ml.service"
START_TIMEOUT_S = 30.0
RESPAWN_AFTER_S = 1.0
MODEL_KINDS = {".joblib": "sklearn", ".pkl": "sklearn", ".pickle": "sklearn", ".onnx": "onnx"}


class EndpointInfo(TypedDict):
    name: Annotated[str, "the endpoint's name"]
    kind: Annotated[str, "sklearn, onnx or handler"]
    status: Annotated[str, "InService (as SageMaker says it)"]
    model: Annotated[str | None, "the model file the endpoint serves (a copy made at creation), or null"]
    source: Annotated[str | None, "the file or module:function it was created from"]
    inputs: Annotated[int | None, "values per row the model takes, or null when any"]
    created: Annotated[float, "when it was created (Unix time)"]
    invocations: Annotated[int, "requests the service answered for it since the service started"]
    rows: Annotated[int, "rows in those requests"]


class MlRoles(TypedDict):
    cluster: Annotated[str, "the cluster"]
    features: Annotated[list[str], "the services it may call: comprehend, sagemaker"]


class MlStatus(TypedDict):
    running: Annotated[bool, "whether the ML service process runs"]
    pid: Annotated[int | None, "its process id"]
    started: Annotated[float | None, "when it started (Unix time)"]
    latency_ms: Annotated[int, "delay added to every call (aurora chaos slow-ml)"]
    requests: Annotated[int, "requests answered since it started"]
    rows: Annotated[int, "rows in those requests"]
    errors: Annotated[int, "requests answered with an error"]
    endpoints: Annotated[list[str], "the endpoints that exist"]
    roles: Annotated[dict[str, list[str]], "cluster -> the services it may call"]


class MlFault(TypedDict, total=False):
    pid: Annotated[int, "the ML service's process id"]
    killed: Annotated[bool, "true: it was killed with SIGKILL"]
    latency_ms: Annotated[int, "the delay now added to every call"]


class MachineLearning(Context):
    """The room that owns the ML service, its endpoints and roles."""

    # --- the service process -----------------------------------------------------------------
    def ml_record(self) -> process.ProcessRecord | None:
        return process.read_pid_file(self.layout.ml_service_dir)

    def _ml_request(self, request: dict[str, Any], timeout: float) -> Any:
        """One request to the service on a connection of its own; MlError if it fails."""
        client = MlClient(self.layout.ml_socket, timeout=timeout)
        try:
            return client.call(request)
        finally:
            client.close()

    def _ml_ping(self) -> bool:
        try:
            self._ml_request({"op": "ping"}, 2.0)
            return True
        except MlError:
            return False

    def ensure_ml_service(self) -> None:
        """Start the service if it is not running, and wait until it answers."""
        record = self.ml_record()
        if record is None or not record.alive():
            record = self._spawn_ml()
            self.events.add(None, f"ML service started (pid {record.pid}).", source="ml-service")
        alive = record.alive
        process.wait_until(self._ml_ping, START_TIMEOUT_S, "the ML service to start", interval=0.05, alive=alive,
                           log_file=Layout.log_file(self.layout.ml_service_dir))

    def _spawn_ml(self) -> process.ProcessRecord:
        folder = ensure_private_dir(self.layout.ml_service_dir)
        self.ml_spawned = time.monotonic()
        return process.spawn(SERVICE_MODULE, ["--home", str(self.layout.home)], folder,
                             env={"AURORA_HOME": str(self.layout.home)})

    def supervise_ml(self) -> None:
        """Restart the service when it died while the feature is in use; stop it once nothing
        may call it any more (no endpoint, no cluster with a role)."""
        record = self.ml_record()
        in_use = registry.in_use(self.layout)
        if record is not None and record.alive():
            if not in_use:
                process.stop(record)
                self.events.add(None, f"ML service stopped (pid {record.pid}): no endpoint and no role left.",
                                source="ml-service")
            return
        if not in_use:
            return
        if time.monotonic() - self.ml_spawned < RESPAWN_AFTER_S:
            return
        record = self._spawn_ml()
        self.events.add(None, f"ML service restarted (pid {record.pid}).", source="ml-service")

    def stop_ml_service(self) -> None:
        record = self.ml_record()
        if record is not None:
            process.stop(record)

    def _ml_call(self, request: dict[str, Any]) -> Any:
        try:
            return self._ml_request(request, START_TIMEOUT_S)
        except MlError as e:
            raise errors.Unavailable(f"the ML service: {e.message}", hint="aurora ml status") from None

    def _service_status(self) -> dict[str, Any] | None:
        record = self.ml_record()
        if record is None or not record.alive():
            return None
        try:
            return self._ml_request({"op": "status"}, 2.0)
        except MlError:
            return None

    # --- endpoints -----------------------------------------------------------------------------
    def op_ml_endpoint_create(self, name: str, model: str | None = None, handler: str | None = None,
                              path: str | None = None) -> EndpointInfo:
        """Create endpoint NAME serving a model file (scikit-learn joblib, ONNX) or a callable
        ``module:function`` importable from ``path``; the model is loaded once to check it."""
        if not registry.NAME_RE.match(name):
            raise errors.UsageError(f"invalid endpoint name {name!r}: 1 to 63 letters, digits and hyphens, "
                                    "starting with a letter or digit")
        if (model is None) == (handler is None):
            raise errors.UsageError("give either --model FILE or --handler module:function")
        if registry.load_endpoint(self.layout, name) is not None:
            raise errors.Conflict(f"endpoint {name} already exists", hint=f"aurora ml endpoint delete {name} --yes")
        record: dict[str, Any] = {"name": name, "created": time.time()}
        copy: Path | None = None
        if model is not None:
            source = Path(model).expanduser()
            kind = MODEL_KINDS.get(source.suffix.lower())
            if kind is None:
                raise errors.UsageError(f"cannot tell the kind of model {source.name}: use a .joblib (or .pkl) "
                                        "scikit-learn model or an .onnx model")
            if not source.is_file():
                raise errors.NotFound(f"model file {source} not found")
            folder = registry.models_dir(self.layout)
            folder.mkdir(parents=True, exist_ok=True)
            copy = folder / f"{name}-{int(time.time() * 1000)}{source.suffix.lower()}"
            shutil.copyfile(source, copy)
            record.update(kind=kind, model=str(copy), source=str(source.resolve()))
        else:
            assert handler is not None
            if ":" not in handler:
                raise errors.UsageError(f"--handler is module:function, not {handler!r}")
            record.update(kind="handler", handler=handler, source=handler, path=path or os.getcwd())
        lock = self.lock("ml:" + name)
        with lock:
            self.ensure_ml_service()
            registry.save_endpoint(self.layout, record)
            try:
                loaded = self._ml_call({"op": "load", "endpoint": name})
            except errors.Unavailable as e:
                registry.endpoint_file(self.layout, name).unlink(missing_ok=True)
                if copy is not None:
                    copy.unlink(missing_ok=True)
                raise errors.UsageError(e.message.removeprefix("the ML service: ")) from None
            record["inputs"] = loaded.get("inputs")
            registry.save_endpoint(self.layout, record)
        self.events.add(None, f"ML endpoint {name} created ({record['kind']}).", source=name)
        return self._endpoint_info(record, None)

    def _endpoint_info(self, record: dict[str, Any], status: dict[str, Any] | None) -> EndpointInfo:
        counts = (status or {}).get("endpoints", {}).get(record["name"], {})
        return {"name": record["name"], "kind": record["kind"], "status": "InService",
                "model": record.get("model"), "source": record.get("source"),
                "inputs": record.get("inputs"), "created": float(record.get("created", 0.0)),
                "invocations": int(counts.get("invocations", 0)), "rows": int(counts.get("rows", 0))}

    def _endpoint(self, name: str) -> dict[str, Any]:
        record = registry.load_endpoint(self.layout, name)
        if record is None:
            raise errors.NotFound(f"endpoint {name} not found", hint="aurora ml endpoint list")
        return record

    def op_ml_endpoint_list(self) -> list[EndpointInfo]:
        status = self._service_status()
        out = []
        for name in registry.endpoint_names(self.layout):
            record = registry.load_endpoint(self.layout, name)
            if record is not None:
                out.append(self._endpoint_info(record, status))
        return out

    def op_ml_endpoint_describe(self, name: str) -> EndpointInfo:
        return self._endpoint_info(self._endpoint(name), self._service_status())

    def op_ml_endpoint_delete(self, name: str) -> EndpointInfo:
        record = self._endpoint(name)
        with self.lock("ml:" + name):
            registry.endpoint_file(self.layout, name).unlink(missing_ok=True)
            if record.get("model"):
                Path(record["model"]).unlink(missing_ok=True)
        self.events.add(None, f"ML endpoint {name} deleted.", source=name)
        return self._endpoint_info(record, None)

    # --- roles ----------------------------------------------------------------------------------
    def _feature(self, feature: str) -> str:
        f = feature.lower()
        if f not in registry.FEATURES:
            raise errors.UsageError(f"unknown feature {feature!r}: comprehend or sagemaker")
        return f

    def op_ml_attach(self, cluster: str, feature: str) -> MlRoles:
        """Let CLUSTER call a service (``aws rds add-role-to-db-cluster --feature-name``)."""
        f = self._feature(feature)
        self.store.load(cluster)  # NotFound for an unknown cluster
        if f in registry.load_roles(self.layout).get(cluster, []):
            raise errors.Conflict(f"cluster {cluster} already has the {f} role")
        features = registry.set_role(self.layout, cluster, f, True)
        self.ensure_ml_service()
        self.events.add(cluster, f"Associated the IAM role for {f} with the DB cluster.", source=cluster)
        return {"cluster": cluster, "features": features}

    def op_ml_detach(self, cluster: str, feature: str) -> MlRoles:
        f = self._feature(feature)
        self.store.load(cluster)
        if f not in registry.load_roles(self.layout).get(cluster, []):
            raise errors.NotFound(f"cluster {cluster} has no {f} role", hint="aurora ml status")
        features = registry.set_role(self.layout, cluster, f, False)
        self.events.add(cluster, f"Removed the IAM role for {f} from the DB cluster.", source=cluster)
        return {"cluster": cluster, "features": features}

    def ml_features(self, cluster: str) -> list[str]:
        return registry.load_roles(self.layout).get(cluster, [])

    def forget_ml_roles(self, cluster: str) -> None:
        registry.forget_cluster(self.layout, cluster)

    # --- status and chaos --------------------------------------------------------------------------
    def op_ml_status(self) -> MlStatus:
        status = self._service_status() or {}
        return {"running": bool(status), "pid": status.get("pid"), "started": status.get("started"),
                "latency_ms": int(status.get("latency_ms", 0)), "requests": int(status.get("requests", 0)),
                "rows": int(status.get("rows", 0)), "errors": int(status.get("errors", 0)),
                "endpoints": registry.endpoint_names(self.layout), "roles": registry.load_roles(self.layout)}

    def _running_ml(self) -> process.ProcessRecord:
        record = self.ml_record()
        if record is None or not record.alive():
            raise errors.Conflict("the ML service is not running", hint="aurora ml status")
        return record

    def op_chaos_kill_ml(self) -> MlFault:
        record = self._running_ml()
        process.kill(record, signal.SIGKILL)
        self.events.add(None, f"Chaos: killed the ML service (pid {record.pid}) with SIGKILL",
                        source="ml-service", event_id="AURORA-CHAOS")
        return {"pid": record.pid, "killed": True}

    def op_chaos_slow_ml(self, latency_ms: int) -> MlFault:
        if not 0 <= latency_ms <= 600_000:
            raise errors.UsageError("the latency is 0 to 600000 ms (0 heals)")
        record = self._running_ml()
        self._ml_call({"op": "chaos", "latency_ms": latency_ms})
        what = f"every ML call answered {latency_ms} ms later" if latency_ms else "ML calls answered at once again"
        self.events.add(None, f"Chaos: {what}", source="ml-service", event_id="AURORA-CHAOS")
        return {"pid": record.pid, "latency_ms": latency_ms}
