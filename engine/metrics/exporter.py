"""aurorad's Prometheus endpoint: the last second's metrics at ``http://127.0.0.1:PORT/metrics``.

Each CloudWatch metric is a gauge named in Prometheus' style, in base units
(:attr:`Metric.prometheus_name`: ``CommitLatency`` in milliseconds is
``aurora_commit_latency_seconds``), with the dimensions as labels: ``db_cluster_identifier``,
``engine_name``, and for an instance metric ``db_instance_identifier`` and ``role``. A
scrape reads what the sampling round left in memory; it never touches an instance or the store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any, Protocol
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from aurora.engine.metrics.names import BY_NAME, CLUSTER, METRICS
from aurora.engine.metrics.store import Sample

INSTANCE_LABELS = ["db_cluster_identifier", "db_instance_identifier", "role", "engine_name"]
CLUSTER_LABELS = ["db_cluster_identifier", "engine_name"]


class LatestSamples(Protocol):
    def metrics_latest(self) -> list[Sample]: ...


class _Collector(Collector):
    def __init__(self, source: LatestSamples) -> None:
        self.source = source

    def collect(self) -> Iterator[GaugeMetricFamily]:
        grouped: dict[str, list[Sample]] = {}
        for s in self.source.metrics_latest():
            grouped.setdefault(s.metric, []).append(s)
        for m in METRICS:
            samples = grouped.get(m.name)
            if not samples:
                continue
            cluster_level = BY_NAME[m.name].level == CLUSTER
            family = GaugeMetricFamily(m.prometheus_name, f"{m.name} ({m.unit} in CloudWatch): {m.meaning}",
                                       labels=CLUSTER_LABELS if cluster_level else INSTANCE_LABELS)
            for s in samples:
                labels = [s.cluster, s.engine] if cluster_level else [s.cluster, s.instance, s.role, s.engine]
                family.add_metric(labels, m.prometheus_value(s.value))
            yield family


class MetricsExporter:
    """The endpoint on 127.0.0.1: :meth:`start` binds at once (OSError when it cannot) and serves
    from a daemon thread; :meth:`stop` closes the socket and joins the thread."""

    def __init__(self, cp: Any, port: int) -> None:
        self.cp = cp
        self.requested_port = port
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Collector(cp))
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "exporter not started"
        return self._server.server_address[1]

    def start(self) -> None:
        self._server, self._thread = start_http_server(self.requested_port, addr="127.0.0.1", registry=self.registry)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
