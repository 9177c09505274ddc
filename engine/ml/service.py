"""The ML service: one process per AURORA_HOME (``python -m aurora.engine.ml.service``).

It plays the part of Amazon Comprehend and the SageMaker runtime for every cluster of the
home: instances send it batches of rows over its Unix socket (engine/ml/client.py) and get
one answer per row. aurorad starts it when the feature is first used (an endpoint is created
or a cluster is given a role) and starts it again if it dies.

Operations:
- ``sentiment`` {cluster, language, texts}: Comprehend's DetectSentiment per text (VADER,
  engine/ml/sentiment.py), one [label, confidence] (or null for a NULL text) per text.
- ``invoke`` {cluster, endpoint, body}: SageMaker's InvokeEndpoint with ``text/csv``: the body
  is CSV rows, the answer one value per row (engine/ml/models.py).
- ``load`` {endpoint}: load an endpoint now (aurorad checks a model this way when it is
  created) and say its kind and width.
- ``status``: counters, endpoints loaded, the chaos latency.
- ``chaos`` {latency_ms}: answer every call that much later (``aurora chaos slow-ml``).

Every call from a cluster is checked against ``ml/roles.toml`` first: a cluster without the
feature's role gets AccessDeniedException, as AWS answers a call made without a role.
Requests are served by one thread per connection; models are loaded once and reloaded when
their endpoint's file changes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from pathlib import Path
from typing import Any

from aurora.engine.layout import Layout, ensure_private_dir, unix_socket_path
from aurora.engine.ml import models, registry, sentiment
from aurora.engine.ml.client import encode, read_frame
from aurora.engine.ml.errors import MlError

log = logging.getLogger("aurora-ml")

FEATURE_OF = {"sentiment": "comprehend", "invoke": "sagemaker"}


class Service:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.roles = registry.Cached(registry.roles_file(layout), lambda: registry.load_roles(layout))
        self._models: dict[str, tuple[int | None, models.Model]] = {}
        self._lock = threading.Lock()
        self.latency_ms = 0
        self.started = time.time()
        self.counters: dict[str, int] = {"requests": 0, "rows": 0, "errors": 0}
        self.per_endpoint: dict[str, dict[str, int]] = {}

    # --- dispatch -----------------------------------------------------------------------------
    def handle(self, request: dict[str, Any]) -> Any:
        op = request.get("op")
        if self.latency_ms and op in FEATURE_OF:
            time.sleep(self.latency_ms / 1000)
        if op == "ping":
            return {"pid": os.getpid()}
        if op == "status":
            return self.status()
        if op == "chaos":
            self.latency_ms = max(0, int(request.get("latency_ms", 0)))
            return self.status()
        if op == "load":
            model = self.model(str(request["endpoint"]))
            return {"kind": model.kind, "inputs": model.inputs}
        if op in FEATURE_OF:
            self.authorize(str(request.get("cluster", "")), FEATURE_OF[op])
            if op == "sentiment":
                texts = request.get("texts") or []
                result = sentiment.detect(texts, str(request.get("language", "")))
                self._count(len(texts))
                return result
            name = str(request.get("endpoint", ""))
            values = self.model(name).predict_csv(str(request.get("body", "")))
            self._count(len(values), name)
            return values
        raise MlError("ValidationError", f"unknown operation {op!r}")

    def _count(self, rows: int, endpoint: str | None = None) -> None:
        with self._lock:
            self.counters["requests"] += 1
            self.counters["rows"] += rows
            if endpoint is not None:
                c = self.per_endpoint.setdefault(endpoint, {"invocations": 0, "rows": 0})
                c["invocations"] += 1
                c["rows"] += rows

    def authorize(self, cluster: str, feature: str) -> None:
        registry.check_role(self.roles.get(), cluster, feature)

    def model(self, name: str) -> models.Model:
        path = registry.endpoint_file(self.layout, name)
        try:
            stamp: int | None = path.stat().st_mtime_ns
        except (FileNotFoundError, OSError):
            stamp = None
        with self._lock:
            cached = self._models.get(name)
        if cached is not None and cached[0] == stamp and stamp is not None:
            return cached[1]
        record = registry.load_endpoint(self.layout, name)
        if record is None:
            with self._lock:
                self._models.pop(name, None)
            raise MlError("ValidationError", f"Endpoint {name} not found (aurora ml endpoint list)")
        model = models.load(record)
        with self._lock:
            self._models[name] = (stamp, model)
        log.info("loaded endpoint %s (%s)", name, record["kind"])
        return model

    def status(self) -> dict[str, Any]:
        with self._lock:
            return {"pid": os.getpid(), "started": self.started, "latency_ms": self.latency_ms,
                    **self.counters, "loaded": sorted(self._models),
                    "endpoints": {k: dict(v) for k, v in self.per_endpoint.items()}}


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        service = self.server.service
        while True:
            try:
                request = read_frame(sock)
            except (OSError, ValueError) as e:
                log.warning("bad request: %s", e)
                return
            if request is None:
                return
            try:
                reply = {"ok": True, "result": service.handle(request)}
            except MlError as e:
                with service._lock:
                    service.counters["errors"] += 1
                reply = {"ok": False, "error": {"code": e.code, "message": e.message}}
            except Exception as e:  # a bug: logged with its traceback, answered without one
                log.exception("request %r failed", request.get("op") if isinstance(request, dict) else None)
                reply = {"ok": False, "error": {"code": "InternalFailure", "message": f"{type(e).__name__}: {e}"}}
            try:
                sock.sendall(encode(reply))
            except OSError:
                return  # the caller gave up (a cancelled statement)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, path: str, service: Service) -> None:
        self.service = service
        super().__init__(path, _Handler)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s aurora-ml %(levelname)s %(message)s")
    # --home names the AURORA_HOME on the command line too, so it shows in ps
    home = sys.argv[sys.argv.index("--home") + 1] if "--home" in sys.argv[:-1] else None
    layout = Layout(Path(home)) if home else Layout.from_env()
    ensure_private_dir(layout.ml_service_dir)
    service = Service(layout)
    sentiment.analyzer()  # the lexicon loads before the socket answers
    path = layout.ml_socket
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    server = _Server(unix_socket_path(path), service)
    os.chmod(path, 0o600)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    log.info("ML service %d serving %s", os.getpid(), path)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
