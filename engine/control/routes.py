"""Endpoints as aurorad sees them: which ports are open, where a new connection goes, and
the ``endpoints``, ``url`` and ``endpoint create`` operations. The hand-over itself is
:mod:`aurora.engine.control.endpoints`.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, TypedDict

from aurora.engine import errors
from aurora.engine.control.clusters import (
    ClusterSpec,
    CustomEndpoint,
    InstanceSpec,
    check_name,
)
from aurora.engine.control.context import ROUTE_MAX_MISSES, Context
from aurora.engine.control.endpoints import Endpoint
from aurora.engine.storage.fleet import free_port

log = logging.getLogger("aurorad")


class EndpointInfo(TypedDict):
    host: Annotated[str, "127.0.0.1"]
    port: Annotated[int, "the endpoint's port"]
    uri: Annotated[str, "a postgresql:// (mysql:// for a MySQL cluster) URI with the password"]


class InstanceEndpoint(EndpointInfo):
    id: Annotated[str, "the instance id"]
    role: Annotated[str, "writer or reader"]
    az: Annotated[str, "the instance's Availability Zone"]


class CustomEndpointInfo(EndpointInfo):
    name: Annotated[str, "the custom endpoint's name"]
    members: Annotated[list[str], "the instance ids it spreads connections over"]


class Endpoints(TypedDict):
    name: Annotated[str, "the cluster's name"]
    engine: Annotated[str, "postgres or mysql: the protocol its endpoints speak"]
    writer: Annotated[EndpointInfo, "the writer endpoint: host, port, uri"]
    reader: Annotated[EndpointInfo, "the reader endpoint, spreading connections over the readers: host, port, uri"]
    instances: Annotated[list[InstanceEndpoint], "a list, one per instance: id, role, az, host, port, uri"]
    custom: Annotated[list[CustomEndpointInfo], "a list of custom endpoints: name, members, host, port, uri"]


class Routes(Context):
    """Endpoints of every running cluster and where their connections go."""

    def open_endpoints(self, spec: ClusterSpec) -> None:
        wanted = {("writer", spec.writer_port), ("reader", spec.reader_port)}
        wanted |= {(f"custom:{e.name}", e.port) for e in spec.custom_endpoints}
        for kind, port in wanted:
            key = (spec.name, kind)
            if key not in self.endpoints:
                ep = Endpoint(self.layout, spec.name, kind, port, self.route, wake=self.wake,
                              engine=spec.engine)
                self.run_on_loop(ep.start)
                self.endpoints[key] = ep

    def close_endpoints(self, name: str) -> None:
        for key in [k for k in self.endpoints if k[0] == name]:
            ep = self.endpoints.pop(key)
            self.run_on_loop(ep.stop)

    def route(self, cluster: str, kind: str) -> list[InstanceSpec]:
        """The instances a new connection to an endpoint may go to, in preference order."""
        try:
            spec = self.store.load(cluster)
        except errors.NotFound:
            return []
        healthy = []
        for i in spec.instances:
            status = self.instance_status(spec, i)
            # a fenced old writer that has not been restarted yet still says "writer"
            if not i.stopped and not i.paused and status.get("ready") and status.get("role") == i.role \
                    and self._misses.get((spec.name, i.id), 0) <= ROUTE_MAX_MISSES:
                healthy.append(i)
        if kind == "writer" and spec.secondary:
            # a global database's secondary has no writer: its cluster endpoint reaches its
            # readers, where a write gets SQLSTATE 25006 (read-only transaction)
            return [i for i in healthy if i.role == "reader"]
        if kind == "writer":
            return [i for i in healthy if i.role == "writer"]
        if kind == "reader":
            readers = [i for i in healthy if i.role == "reader"]
            return readers or [i for i in healthy if i.role == "writer"]
        name = kind.split(":", 1)[1]
        members = next((e.members for e in spec.custom_endpoints if e.name == name), [])
        return [i for i in healthy if i.id in members]

    def endpoint_info(self, spec: ClusterSpec, port: int, database: str | None = None) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": port, "uri": self.uri(spec, port, database)}

    def uri(self, spec: ClusterSpec, port: int, database: str | None = None, password: bool = True) -> str:
        from urllib.parse import quote

        secret = f":{quote(self.store.password(spec.name), safe='')}" if password else ""
        scheme = "mysql" if spec.engine == "mysql" else "postgresql"
        return (f"{scheme}://{quote(spec.master_username, safe='')}{secret}@127.0.0.1:{port}/"
                f"{quote(database or spec.database_name, safe='')}")

    def op_endpoints(self, name: str) -> Endpoints:
        spec = self.store.load(name)
        return {
            "name": spec.name,
            "engine": spec.engine,
            "writer": self.endpoint_info(spec, spec.writer_port),
            "reader": self.endpoint_info(spec, spec.reader_port),
            "instances": [{"id": i.id, "role": i.role, "az": i.az, **self.endpoint_info(spec, i.port)}
                          for i in spec.instances],
            "custom": [{"name": e.name, "members": e.members, **self.endpoint_info(spec, e.port)}
                       for e in spec.custom_endpoints],
        }

    def op_url(self, name: str, reader: bool = False, instance: str | None = None) -> str:
        spec = self.store.load(name)
        if instance:
            return self.uri(spec, spec.instance(instance).port)
        return self.uri(spec, spec.reader_port if reader else spec.writer_port)

    def op_endpoint_create(self, name: str, endpoint: str, members: list[str]) -> Endpoints:
        check_name(endpoint, "endpoint")
        with self.lock(name):
            spec = self.store.load(name)
            if any(e.name == endpoint for e in spec.custom_endpoints):
                raise errors.Conflict(f"endpoint {endpoint} already exists in {name}")
            if len(spec.custom_endpoints) >= 5:
                raise errors.Conflict(f"cluster {name} has 5 custom endpoints already (the limit)")
            if not members:
                raise errors.UsageError("a custom endpoint needs at least one member (--members)")
            for m in members:
                spec.instance(m)
            spec.custom_endpoints.append(CustomEndpoint(endpoint, free_port(), list(members)))
            self.store.save(spec)
            if not spec.stopped:
                self.open_endpoints(spec)
            return self.op_endpoints(name)
